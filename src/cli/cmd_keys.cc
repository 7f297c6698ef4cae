// cli/cmd_keys.cc — `mailrelay keys`: master key and vault initialisation; `keys rotate` is in
// cmd_keys_rotate.cc.

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/compliance_open.h"
#include "server/vault_open.h"

namespace mailrelay::cli {
namespace {

constexpr char kKeysHelp[] =
    "usage: mailrelay keys init [--config FILE]\n"
    "       mailrelay keys public [--config FILE]\n"
    "       mailrelay keys rotate --region R [--batch-size N] [--max-batches N]\n"
    "                             [--skip-rekey | --rekey-only] [--actor NAME] [--config FILE]\n"
    "       mailrelay keys new-master --out FILE\n"
    "       mailrelay keys rotate-master --new-key-file FILE [--actor NAME] [--config FILE]\n"
    "\n"
    "init: creates the master key file (32 random bytes, hex, mode 0600) unless it exists or\n"
    "$MAILRELAY_MASTER_KEY is set, then creates every region's vault file and its keys.\n"
    "Safe to run again: nothing existing is replaced.\n"
    "\n"
    "public: the public keys verifiers pin, as GET /v1/keys gives them: the document-signing\n"
    "key (exports, receipts, disclosures; audit/verify_document.py --key) and the audit log's\n"
    "vkey (audit/verify.py --key).\n"
    "\n"
    "rotate: new field and blind-index keys for region R, every older record re-encrypted in\n"
    "short batches while serve runs (resumable), the old keys destroyed, then the SQLCipher file\n"
    "re-keyed (needs serve stopped: exits 75 otherwise; run it again). `keys rotate --help`\n"
    "has the details; docs/keys.md \"Rotation\" the design.\n"
    "\n"
    "new-master / rotate-master: a new master key file, then every vault file moved to it "
    "(wrapped\n"
    "keys re-wrapped, files re-keyed; needs serve stopped: exits 75 otherwise; resumable).\n"
    "`keys rotate-master --help` has the details; docs/keys.md \"Master-key rotation\".\n";

int KeysPublic(const Args& args) {
  if (Status s = args.Check({"config"}, {}, 1); !s.ok()) {
    std::cerr << "mailrelay keys public: " << s.message() << "\n" << kKeysHelp;
    return kExitUsage;
  }
  int exit_code = 0;
  auto session = OpenComplianceSession(args, "keys public", false, &exit_code);
  if (!session) return exit_code;
  std::cout << session->handles.service->PublicKeysJson().dump(2) << "\n";
  return 0;
}

}  // namespace

int Keys(const Args& args) {
  if (!args.positional().empty() && args.positional()[0] == "rotate") return KeysRotate(args);
  if (!args.positional().empty() && args.positional()[0] == "rotate-master") {
    return KeysRotateMaster(args);
  }
  if (!args.positional().empty() && args.positional()[0] == "new-master") {
    return KeysNewMaster(args);
  }
  if (args.Flag("help") || args.positional().empty()) {
    std::cout << kKeysHelp;
    return args.Flag("help") ? 0 : kExitUsage;
  }
  if (args.positional()[0] == "public") return KeysPublic(args);
  if (args.positional()[0] != "init") {
    std::cerr << "mailrelay keys: unknown subcommand \"" << args.positional()[0] << "\"\n"
              << kKeysHelp;
    return kExitUsage;
  }
  if (Status s = args.Check({"config", "actor"}, {}, 1); !s.ok()) {
    std::cerr << "mailrelay keys init: " << s.message() << "\n" << kKeysHelp;
    return kExitUsage;
  }
  int exit_code = 0;
  auto config = LoadConfigOrReport(args, &exit_code);
  if (!config.ok()) return exit_code;
  auto done = server::InitKeysAndVault(*config);
  if (!done.ok()) {
    std::cerr << "mailrelay keys init: " << done.status().message() << "\n";
    return server::ExitCodeForVaultError(done.status());
  }
  std::cerr << done->report;
  // The audit log (audit.db) and its signing key (wrapped in control.db) are created here too;
  // every `keys init` is an audit entry.
  if (Status a = AuditAppend(*config, args, "keys.init", {{"regions", done->regions}},
                             /*create=*/true);
      !a.ok()) {
    std::cerr << "mailrelay keys init: " << a.message() << "\n";
    return server::ExitCodeForVaultError(a);
  }
  std::cerr << "audit log: " << config->data_dir << "/audit.db\n";
  std::cout << nlohmann::json{{"ok", true}}.dump() << "\n";
  return 0;
}

}  // namespace mailrelay::cli
