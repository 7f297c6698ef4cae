// tests/unit/smtp/received_test.cc — Received header (RFC 5321 4.4) and RFC 5322 dates.
#include "smtp/received.h"

#include <gtest/gtest.h>

namespace mailrelay::smtp {
namespace {

ReceivedFields Fields() {
  ReceivedFields f;
  f.helo = "client.example";
  f.remote_ip = "192.0.2.7";
  f.server_hostname = "mx.test";
  f.protocol = "ESMTPS";
  f.id = "MSG1";
  f.recipient = "r@a.example";
  f.when = 1700000000;
  return f;
}

TEST(ReceivedTest, SingleRecipientHeaderHasForClause) {
  EXPECT_EQ(FormatReceived(Fields()),
            "Received: from client.example ([192.0.2.7])\r\n"
            "\tby mx.test (mailrelay) with ESMTPS id MSG1\r\n"
            "\tfor <r@a.example>; Tue, 14 Nov 2023 22:13:20 +0000\r\n");
}

TEST(ReceivedTest, NoRecipientMeansNoForClause) {
  ReceivedFields f = Fields();
  f.recipient.clear();
  EXPECT_EQ(FormatReceived(f),
            "Received: from client.example ([192.0.2.7])\r\n"
            "\tby mx.test (mailrelay) with ESMTPS id MSG1\r\n"
            "\tTue, 14 Nov 2023 22:13:20 +0000\r\n");
}

TEST(ReceivedTest, Ipv6AddressIsWrittenAsIpv6Literal) {
  ReceivedFields f = Fields();
  f.remote_ip = "2001:db8::1";
  EXPECT_NE(FormatReceived(f).find("([IPv6:2001:db8::1])"), std::string::npos);
}

TEST(ReceivedTest, ProtocolNamesFollowRfc3848And6531) {
  EXPECT_EQ(ReceivedProtocol(true, false, false), "ESMTP");
  EXPECT_EQ(ReceivedProtocol(true, true, false), "ESMTPS");
  EXPECT_EQ(ReceivedProtocol(true, false, true), "UTF8SMTP");
  EXPECT_EQ(ReceivedProtocol(true, true, true), "UTF8SMTPS");
  EXPECT_EQ(ReceivedProtocol(false, false, false), "SMTP");
}

TEST(ReceivedTest, DateIsRfc5322InUtc) {
  EXPECT_EQ(FormatRfc5322Date(0), "Thu, 1 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(FormatRfc5322Date(951782400), "Tue, 29 Feb 2000 00:00:00 +0000");
}

TEST(ReceivedTest, AbsurdTimeFallsBackToEpochInsteadOfBrokenYear) {
  EXPECT_EQ(FormatRfc5322Date(static_cast<std::time_t>(1) << 60), "Thu, 1 Jan 1970 00:00:00 +0000");
}

}  // namespace
}  // namespace mailrelay::smtp
