// smtp/received.cc — Received header and RFC 5322 date formatting.
// Uses gmtime_r only: no locale or time zone can change the output.
#include "smtp/received.h"

#include <cstdio>

namespace mailrelay::smtp {

std::string ReceivedProtocol(bool esmtp, bool tls, bool smtputf8) {
  // RFC 3848 defines no TLS variant for plain "SMTP"; a HELO client gets "SMTP" either way.
  if (!esmtp) return "SMTP";
  std::string p = smtputf8 ? "UTF8SMTP" : "ESMTP";
  if (tls) p += 'S';
  return p;
}

std::string FormatRfc5322Date(std::time_t when) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm{};
  if (gmtime_r(&when, &tm) == nullptr || tm.tm_year + 1900 < 1900 || tm.tm_year + 1900 > 9999) {
    // RFC 5322 needs a four-digit year; a broken clock must not produce a broken header.
    std::time_t epoch = 0;
    gmtime_r(&epoch, &tm);
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday % 7],
                tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

std::string FormatReceived(const ReceivedFields& f) {
  std::string ip = f.remote_ip;
  if (ip.find(':') != std::string::npos) ip = "IPv6:" + ip;
  std::string out = "Received: from " + f.helo + " ([" + ip + "])\r\n\tby " + f.server_hostname +
                    " (mailrelay) with " + f.protocol + " id " + f.id + "\r\n\t";
  if (!f.recipient.empty()) out += "for <" + f.recipient + ">; ";
  out += FormatRfc5322Date(f.when);
  out += "\r\n";
  return out;
}

}  // namespace mailrelay::smtp
