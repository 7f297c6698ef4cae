// cli/main.cc — the `mailrelay` entry point: argument parsing and the subcommands.
// JSON on stdout, human text on stderr, sysexits-style exit codes.
#include <cstring>
#include <ctime>
#include <optional>
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
#include "server/vault_open.h"
#include "vault/query.h"

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
    "  keys init [--config FILE]    create the master key (if missing) and the vault files\n"
    "  messages [--route ID] [--status delivered|rejected|delayed] [--since ISO8601|UNIX_MS]\n"
    "           [--limit N] [--cursor C] [--config FILE]\n"
    "                               message history from the vault, decrypted, newest first\n"
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

constexpr char kKeysHelp[] =
    "usage: mailrelay keys init [--config FILE]\n"
    "\n"
    "Creates the master key file (32 random bytes, hex, mode 0600) unless it exists or\n"
    "$MAILRELAY_MASTER_KEY is set, then creates every region's vault file and its keys.\n"
    "Safe to run again: nothing existing is replaced.\n";

constexpr char kMessagesHelp[] =
    "usage: mailrelay messages [--route ID] [--status delivered|rejected|delayed]\n"
    "                          [--since ISO8601|UNIX_MS] [--limit N] [--cursor C] [--config FILE]\n"
    "\n"
    "Prints one page of message history as JSON: {\"messages\": [...], \"next_cursor\": ...},\n"
    "newest first, decrypted. Pass next_cursor back with --cursor for the next page.\n";

int Keys(const Args& args) {
  if (args.Flag("help") || args.positional().empty()) {
    std::cout << kKeysHelp;
    return args.Flag("help") ? 0 : kExitUsage;
  }
  if (args.positional()[0] != "init") {
    std::cerr << "mailrelay keys: unknown subcommand \"" << args.positional()[0] << "\"\n"
              << kKeysHelp;
    return kExitUsage;
  }
  if (Status s = args.Check({"config"}, {}, 1); !s.ok()) {
    std::cerr << "mailrelay keys init: " << s.message() << "\n" << kKeysHelp;
    return kExitUsage;
  }
  auto config = LoadConfig(args);
  if (!config.ok()) {
    std::cerr << "mailrelay: invalid configuration\n" << config.status().message() << "\n";
    return kExitConfig;
  }
  auto done = server::InitKeysAndVault(*config);
  if (!done.ok()) {
    std::cerr << "mailrelay keys init: " << done.status().message() << "\n";
    return server::ExitCodeForVaultError(done.status());
  }
  std::cerr << *done;
  std::cout << nlohmann::json{{"ok", true}}.dump() << "\n";
  return 0;
}

// Returns unix ms from "1700000000000" or an ISO 8601 UTC time "2026-11-28T10:00:00Z".
std::optional<int64_t> ParseTimeMs(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    return std::stoll(text);
  }
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr || (*end != '\0' && std::string(end) != "Z")) return std::nullopt;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

nlohmann::json RecordJson(const vault::MetadataRecord& r) {
  return {{"id", r.id},
          {"message", r.message_id_ref},
          {"received_at_ms", r.received_at_ms},
          {"expires_at_ms", r.expires_at_ms},
          {"smtp_code", r.smtp_code},
          {"http_status", r.http_status},
          {"processing_ms", r.processing_ms},
          {"size", r.size},
          {"account", r.account},
          {"route", r.route},
          {"region", r.region},
          {"sender_ip", r.sender_ip},
          {"message_id", r.message_id},
          {"sender", r.sender},
          {"recipient", r.recipient},
          {"subject", r.subject},
          {"server_response", r.server_response}};
}

int Messages(const Args& args) {
  if (args.Flag("help")) return std::cout << kMessagesHelp, 0;
  if (Status s = args.Check({"config", "route", "status", "since", "limit", "cursor"}, {}, 0);
      !s.ok()) {
    std::cerr << "mailrelay messages: " << s.message() << "\n" << kMessagesHelp;
    return kExitUsage;
  }
  vault::MessageQuery query;
  query.route = args.Option("route");
  if (auto status = args.Option("status")) {
    auto parsed = vault::ParseMessageStatus(*status);
    if (!parsed.ok()) {
      std::cerr << "mailrelay messages: " << parsed.status().message() << "\n";
      return kExitUsage;
    }
    query.status = *parsed;
  }
  if (auto since = args.Option("since")) {
    auto ms = ParseTimeMs(*since);
    if (!ms) {
      std::cerr << "mailrelay messages: --since \"" << *since
                << "\" is neither unix milliseconds nor YYYY-MM-DDTHH:MM:SSZ\n";
      return kExitUsage;
    }
    query.since_ms = *ms;
  }
  if (auto limit = args.Option("limit")) {
    if (limit->empty() || limit->find_first_not_of("0123456789") != std::string::npos ||
        limit->size() > 6) {
      std::cerr << "mailrelay messages: --limit must be a number 1.." << vault::kMaxPageSize
                << "\n";
      return kExitUsage;
    }
    query.limit = std::stoul(*limit);
  }
  query.cursor = args.Option("cursor").value_or("");
  auto config = LoadConfig(args);
  if (!config.ok()) {
    std::cerr << "mailrelay: invalid configuration\n" << config.status().message() << "\n";
    return kExitConfig;
  }
  auto vault = server::OpenVaultForService(*config);
  if (!vault.ok()) {
    std::cerr << "mailrelay messages: " << vault.status().message() << "\n";
    return server::ExitCodeForVaultError(vault.status());
  }
  auto page = (*vault)->ListMessages(query);
  if (!page.ok()) {
    std::cerr << "mailrelay messages: " << page.status().message() << "\n";
    return page.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitDataErr;
  }
  nlohmann::json out = {{"messages", nlohmann::json::array()},
                        {"next_cursor", page->next_cursor.empty()
                                            ? nlohmann::json(nullptr)
                                            : nlohmann::json(page->next_cursor)}};
  for (const auto& r : page->records) out["messages"].push_back(RecordJson(r));
  std::cout << out.dump(2) << "\n";
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
  if (command == "keys") return Keys(*args);
  if (command == "messages") return Messages(*args);
  std::cerr << "mailrelay: unknown command \"" << command << "\"\n\n" << kTopHelp;
  return kExitUsage;
}

}  // namespace mailrelay::cli

int main(int argc, char** argv) { return mailrelay::cli::Main(argc, argv); }
