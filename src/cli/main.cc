// cli/main.cc — the `mailrelay` entry point: argument parsing and the subcommands.
// JSON on stdout, human text on stderr, sysexits-style exit codes.
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cli/args.h"
#include "common/config.h"
#include "common/log.h"
#include "mime/message.h"
#include "relay/payload.h"
#include "server/service.h"

namespace mailrelay::cli {
namespace {

constexpr int kExitUsage = 64;
constexpr int kExitDataErr = 65;
constexpr int kExitNoInput = 66;
constexpr int kExitConfig = 78;

constexpr char kTopHelp[] =
    "mailrelay — inbound SMTP to HTTP relay\n"
    "\n"
    "usage: mailrelay COMMAND [options]\n"
    "\n"
    "commands:\n"
    "  serve [--config FILE]        run the relay and the API (no config: quickstart defaults)\n"
    "  parse [--format json|multipart|raw] [--config FILE] FILE|-\n"
    "                               print the payload an endpoint would receive for a message\n"
    "  help                         this text\n"
    "\n"
    "Every command takes --help.\n";

constexpr char kServeHelp[] =
    "usage: mailrelay serve [--config FILE]\n"
    "\n"
    "Runs the SMTP relay and the HTTP API until SIGINT/SIGTERM.\n"
    "Without --config: quickstart defaults — SMTP on 127.0.0.1:2525, API on 127.0.0.1:8025,\n"
    "*@example.test delivered to a built-in development sink that prints each delivery.\n"
    "A config that fails validation exits 78 naming the file, the JSON Pointer and the problem.\n";

constexpr char kParseHelp[] =
    "usage: mailrelay parse [--format json|multipart|raw] FILE|-\n"
    "\n"
    "Prints exactly the payload body an endpoint would receive for the message in FILE\n"
    "(or stdin with -). The envelope is taken from the message's From and To headers.\n";

StatusOr<Config> LoadConfig(const Args& args) {
  if (auto path = args.Option("config")) return LoadConfigFile(*path);
  return QuickstartConfig();
}

void ApplyLogLevel(const Config& config) {
  static const std::map<std::string, log::Level> levels = {{"debug", log::Level::kDebug},
                                                           {"info", log::Level::kInfo},
                                                           {"warn", log::Level::kWarn},
                                                           {"error", log::Level::kError}};
  auto it = levels.find(config.log_level);
  if (it != levels.end()) log::SetMinLevel(it->second);
}

int Serve(const Args& args) {
  if (args.Flag("help")) return std::cout << kServeHelp, 0;
  if (Status s = args.Check({"config"}, {}, 0); !s.ok()) {
    std::cerr << "mailrelay serve: " << s.message() << "\n" << kServeHelp;
    return kExitUsage;
  }
  auto config = LoadConfig(args);
  if (!config.ok()) {
    std::cerr << "mailrelay: invalid configuration\n" << config.status().message() << "\n";
    return kExitConfig;
  }
  ApplyLogLevel(*config);
  return server::RunService(*config);
}

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
    std::cerr << "mailrelay parse: --format must be json, multipart or raw, not \""
              << format_name << "\"\n";
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
  relay::PayloadEnvelope envelope;
  if (auto parsed = mime::Parse(message); parsed.ok()) {
    if (const auto* to = parsed->Find("to")) {
      for (const auto& a : mime::ParseAddressList(to->raw_value)) envelope.recipients.push_back(a.address);
    }
    if (const auto* from = parsed->Find("from")) {
      auto list = mime::ParseAddressList(from->raw_value);
      if (!list.empty()) envelope.from = list.front().address;
    }
    if (!envelope.recipients.empty()) envelope.to = envelope.recipients.front();
  }
  auto payload = relay::BuildPayload(format, message, envelope, mime::Limits{}, relay::NewBoundary());
  if (!payload.ok()) {
    std::cerr << "mailrelay parse: \"" << path << "\": " << payload.status().message() << "\n";
    return kExitDataErr;
  }
  std::cout << payload->body;
  if (format == PayloadFormat::kJson) std::cout << "\n";
  return 0;
}

}  // namespace

int Main(int argc, char** argv) {
  std::vector<std::string> argv_s(argv + 1, argv + argc);
  if (argv_s.empty() || argv_s[0] == "help" || argv_s[0] == "--help" || argv_s[0] == "-h") {
    std::cout << kTopHelp;
    return argv_s.empty() ? kExitUsage : 0;
  }
  const std::string command = argv_s[0];
  auto args = Args::Parse(std::vector<std::string>(argv_s.begin() + 1, argv_s.end()));
  if (!args.ok()) {
    std::cerr << "mailrelay " << command << ": " << args.status().message() << "\n";
    return kExitUsage;
  }
  if (command == "serve") return Serve(*args);
  if (command == "parse") return Parse(*args);
  std::cerr << "mailrelay: unknown command \"" << command << "\"\n\n" << kTopHelp;
  return kExitUsage;
}

}  // namespace mailrelay::cli

int main(int argc, char** argv) { return mailrelay::cli::Main(argc, argv); }
