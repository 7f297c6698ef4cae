// cli/cmd_parse.cc — `mailrelay parse`: the payload an endpoint would receive for a message.

#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/command.h"
#include "mime/message.h"
#include "relay/payload.h"

namespace mailrelay::cli {
namespace {

constexpr char kParseHelp[] =
    "usage: mailrelay parse [--format json|multipart|raw] FILE|-\n"
    "\n"
    "Prints exactly the payload body an endpoint would receive for the message in FILE\n"
    "(or stdin with -). The envelope is taken from the message's From and To headers.\n";

}  // namespace

int Parse(const Args& args) {
  if (args.Flag("help")) return std::cout << kParseHelp, 0;
  if (Status s = args.Check({"format", "config"}, {}, 1); !s.ok()) {
    std::cerr << "mailrelay parse: " << s.message() << "\n" << kParseHelp;
    return kExitUsage;
  }
  std::string format_name = args.Option("format").value_or("json");
  PayloadFormat format;
  if (format_name == "json") {
    format = PayloadFormat::kJson;
  } else if (format_name == "multipart") {
    format = PayloadFormat::kMultipart;
  } else if (format_name == "raw") {
    format = PayloadFormat::kRaw;
  } else {
    std::cerr << "mailrelay parse: --format must be json, multipart or raw, not \"" << format_name
              << "\"\n";
    return kExitUsage;
  }
  const std::string& path = args.positional()[0];
  std::stringstream raw;
  if (path == "-") {
    raw << std::cin.rdbuf();
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::cerr << "mailrelay parse: cannot open \"" << path << "\": " << std::strerror(errno)
                << "\n";
      return kExitNoInput;
    }
    raw << in.rdbuf();
  }
  const std::string message = raw.str();
  auto parsed = mime::Parse(message);
  if (!parsed.ok()) {
    std::cerr << "mailrelay parse: \"" << path << "\": " << parsed.status().message() << "\n";
    return kExitDataErr;
  }
  relay::PayloadEnvelope envelope;
  if (const auto* to = parsed->Find("to")) {
    for (const auto& a : mime::ParseAddressList(to->raw_value)) {
      envelope.recipients.push_back(a.address);
    }
  }
  if (const auto* from = parsed->Find("from")) {
    auto list = mime::ParseAddressList(from->raw_value);
    if (!list.empty()) envelope.from = list.front().address;
  }
  if (!envelope.recipients.empty()) envelope.to = envelope.recipients.front();
  const relay::Payload payload =
      relay::BuildPayload(format, message, *parsed, envelope, relay::NewBoundary());
  std::cout << payload.body;
  if (format == PayloadFormat::kJson) std::cout << "\n";
  return 0;
}

}  // namespace mailrelay::cli
