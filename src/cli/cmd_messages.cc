// cli/cmd_messages.cc — `mailrelay messages`: message history from the vault, decrypted.

#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "api/record_json.h"
#include "cli/command.h"
#include "server/vault_open.h"
#include "vault/query.h"

namespace mailrelay::cli {
namespace {

constexpr char kMessagesHelp[] =
    "usage: mailrelay messages [--route ID] [--status delivered|rejected|delayed]\n"
    "                          [--since ISO8601|UNIX_MS] [--limit N] [--cursor C] [--actor NAME]\n"
    "                          [--config FILE]\n"
    "\n"
    "Prints one page of message history as JSON: {\"messages\": [...], \"next_cursor\": ...},\n"
    "newest first, decrypted. Pass next_cursor back with --cursor for the next page.\n"
    "Each call is an audit-log entry (records.read) naming the actor: --actor NAME, else $USER.\n";

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

}  // namespace

int Messages(const Args& args) {
  if (args.Flag("help")) return std::cout << kMessagesHelp, 0;
  if (Status s =
          args.Check({"config", "route", "status", "since", "limit", "cursor", "actor"}, {}, 0);
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
  int exit_code = 0;
  auto config = LoadConfigOrReport(args, &exit_code);
  if (!config.ok()) return exit_code;
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
  // Every read of personal data is audited before anything is shown (no addresses: the
  // filters are route ids and times, the count is what was disclosed).
  nlohmann::json filters = nlohmann::json::object();
  if (query.route) filters["route"] = *query.route;
  if (auto status = args.Option("status")) filters["status"] = *status;
  if (query.since_ms) filters["since_ms"] = *query.since_ms;
  if (Status a = AuditAppend(*config, args, "records.read",
                             {{"what", "messages"},
                              {"records", page->records.size()},
                              {"filters", filters},
                              {"via", "cli"}});
      !a.ok()) {
    std::cerr << "mailrelay messages: not shown, the read could not be audited: " << a.message()
              << "\n";
    return server::ExitCodeForVaultError(a);
  }
  std::cout << api::MessagePageJson(*page).dump(2) << "\n";
  return 0;
}

}  // namespace mailrelay::cli
