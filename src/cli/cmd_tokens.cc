// cli/cmd_tokens.cc — `mailrelay tokens`: API bearer tokens (create, list, revoke).

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api/roles.h"
#include "auditlog/audit_log.h"
#include "cli/command.h"
#include "server/vault_open.h"
#include "vault/token_store.h"
#include "vault/vault.h"

namespace mailrelay::cli {
namespace {

constexpr char kTokensHelp[] =
    "usage: mailrelay tokens create --role admin|compliance|auditor --name NAME [--config FILE]\n"
    "                               [--expires-in-days N] [--actor NAME]\n"
    "       mailrelay tokens list [--config FILE]\n"
    "       mailrelay tokens revoke ID [--config FILE] [--actor NAME]\n"
    "\n"
    "create prints {\"token\", \"id\", \"role\", \"name\", \"expires_at_ms\"}: the token is shown\n"
    "this once and is stored only as a keyed hash. Use it as \"Authorization: Bearer <token>\".\n"
    "With --expires-in-days N (1..3650) it stops authenticating N days from now; without, it\n"
    "lasts until revoked.\n"
    "list prints every token (never a secret); revoke stops a token at the next request, also\n"
    "in a running `mailrelay serve`.\n"
    "create and revoke append a tokens.create / tokens.revoke entry to the audit log (token id,\n"
    "role, name; never the secret) as cli:<--actor or $USER> before they report success.\n"
    "Roles: admin (everything), compliance (personal data: message history, export, erase,\n"
    "law-enforcement requests), auditor (the audit log). docs/api.md has the table.\n";

nlohmann::json InfoJson(const vault::TokenInfo& t) {
  return {{"id", t.id},
          {"role", t.role},
          {"name", t.name},
          {"created_at_ms", t.created_at_ms},
          {"revoked_at_ms", t.revoked_at_ms ? nlohmann::json(*t.revoked_at_ms) : nullptr},
          {"revoked", t.revoked_at_ms.has_value()},
          {"expires_at_ms", t.expires_at_ms ? nlohmann::json(*t.expires_at_ms) : nullptr}};
}

// Returns N of --expires-in-days N when it is a whole number 1..3650.
std::optional<int> ExpiryDays(const std::string& text) {
  if (text.empty() || text.size() > 4 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  const int days = std::stoi(text);
  if (days < 1 || days > 3650) return std::nullopt;
  return days;
}

int Usage(const std::string& what) {
  std::cerr << "mailrelay tokens: " << what << "\n" << kTokensHelp;
  return kExitUsage;
}

}  // namespace

int Tokens(const Args& args) {
  if (args.Flag("help") || args.positional().empty()) {
    std::cout << kTokensHelp;
    return args.Flag("help") ? 0 : kExitUsage;
  }
  const std::string sub = args.positional()[0];
  if (sub == "create") {
    if (Status s = args.Check({"config", "role", "name", "actor", "expires-in-days"}, {}, 1);
        !s.ok()) {
      return Usage(s.message());
    }
    if (!args.Option("role") || !api::ParseRole(*args.Option("role"))) {
      return Usage("create needs --role admin, compliance or auditor");
    }
    if (!args.Option("name") || args.Option("name")->empty()) {
      return Usage("create needs --name NAME (who or what holds the token)");
    }
    if (args.Option("expires-in-days") && !ExpiryDays(*args.Option("expires-in-days"))) {
      return Usage("--expires-in-days needs a whole number of days, 1..3650");
    }
    // The name goes into the audit log: refuse what it would refuse before creating anything.
    if (Status s = auditlog::CheckNoPlainPersonalData(
            {AuditActor(args), "tokens.create", {{"name", *args.Option("name")}}});
        !s.ok()) {
      return Usage("--name or --actor must not be an e-mail or IP address (it is audited)");
    }
  } else if (sub == "list") {
    if (Status s = args.Check({"config"}, {}, 1); !s.ok()) return Usage(s.message());
  } else if (sub == "revoke") {
    if (Status s = args.Check({"config", "actor"}, {}, 2); !s.ok()) return Usage(s.message());
    const std::string& id = args.positional()[1];
    if (id.empty() || id.size() > 18 || id.find_first_not_of("0123456789") != std::string::npos) {
      return Usage("revoke needs a token id (a number, from `mailrelay tokens list`)");
    }
  } else {
    return Usage("unknown subcommand \"" + sub + "\"");
  }

  int exit_code = 0;
  auto config = LoadConfigOrReport(args, &exit_code);
  if (!config.ok()) return exit_code;
  auto vault = server::OpenVaultForService(*config);
  if (!vault.ok()) {
    std::cerr << "mailrelay tokens: " << vault.status().message() << "\n";
    return server::ExitCodeForVaultError(vault.status());
  }
  auto store = (*vault)->Tokens();
  if (!store.ok()) {
    std::cerr << "mailrelay tokens: " << store.status().message() << "\n";
    return server::ExitCodeForVaultError(store.status());
  }

  if (sub == "create") {
    std::optional<int64_t> expires_at_ms;
    if (auto days = args.Option("expires-in-days")) {
      const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
      expires_at_ms = now_ms + int64_t{*ExpiryDays(*days)} * 86'400'000;
    }
    auto issued = (*store)->Create(*args.Option("role"), *args.Option("name"), expires_at_ms);
    if (!issued.ok()) {
      std::cerr << "mailrelay tokens create: " << issued.status().message() << "\n";
      return issued.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitDataErr;
    }
    // Audited before anything is shown; a token whose creation is not in the log is revoked.
    if (Status a = AuditAppend(
            *config, args, "tokens.create",
            {{"token_id", issued->info.id},
             {"role", issued->info.role},
             {"name", issued->info.name},
             {"expires_at_ms", expires_at_ms ? nlohmann::json(*expires_at_ms) : nullptr}});
        !a.ok()) {
      vault::WipeString(issued->token);
      Status r = (*store)->Revoke(issued->info.id);
      std::cerr << "mailrelay tokens create: audit log: " << a.message() << "\n"
                << (r.ok() ? "the token was revoked again and is not shown\n"
                           : "the token could not be revoked again (" + r.message() +
                                 "); revoke it: mailrelay tokens revoke " +
                                 std::to_string(issued->info.id) + "\n");
      return kExitDataErr;
    }
    nlohmann::json out = {
        {"token", issued->token},
        {"id", issued->info.id},
        {"role", issued->info.role},
        {"name", issued->info.name},
        {"expires_at_ms", expires_at_ms ? nlohmann::json(*expires_at_ms) : nullptr}};
    vault::WipeString(issued->token);
    std::string text = out.dump();
    vault::WipeString(out["token"].get_ref<std::string&>());
    std::cout << text << "\n" << std::flush;
    vault::WipeString(text);
    std::cerr << "token " << issued->info.id
              << " created; it is shown only this once — store it now\n";
    return 0;
  }
  if (sub == "list") {
    auto tokens = (*store)->List();
    if (!tokens.ok()) {
      std::cerr << "mailrelay tokens list: " << tokens.status().message() << "\n";
      return kExitDataErr;
    }
    nlohmann::json out = {{"tokens", nlohmann::json::array()}};
    for (const auto& t : *tokens) out["tokens"].push_back(InfoJson(t));
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  const int64_t id = std::stoll(args.positional()[1]);
  Status s = (*store)->Revoke(id);
  if (!s.ok()) {
    std::cerr << "mailrelay tokens revoke: " << s.message() << "\n";
    return kExitDataErr;
  }
  // The details name the token as the list shows it (role and name), never the secret.
  nlohmann::json details = {{"token_id", id}};
  if (auto tokens = (*store)->List(); tokens.ok()) {
    for (const auto& t : *tokens) {
      if (t.id == id) {
        details["role"] = t.role;
        details["name"] = t.name;
      }
    }
  }
  if (Status a = AuditAppend(*config, args, "tokens.revoke", std::move(details)); !a.ok()) {
    std::cerr << "mailrelay tokens revoke: the token is revoked, but the audit log failed: "
              << a.message() << "\n";
    return kExitDataErr;
  }
  std::cout << nlohmann::json{{"revoked", id}}.dump() << "\n";
  return 0;
}

}  // namespace mailrelay::cli
