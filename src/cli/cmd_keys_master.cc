// cli/cmd_keys_master.cc — `mailrelay keys new-master --out FILE` (a second master key file)
// and `mailrelay keys rotate-master --new-key-file FILE`: every vault file moved to it
// (vault/master_rotation.h), progress lines on stderr, a JSON summary, a keys.rotate-master
// audit entry.

#include <stdlib.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "keyring/master_key.h"
#include "server/vault_open.h"
#include "vault/master_rotation.h"

namespace mailrelay::cli {
namespace {

constexpr int kExitTempFail = 75;  // EX_TEMPFAIL: a vault file is open in serve

constexpr char kRotateMasterHelp[] =
    "usage: mailrelay keys new-master --out FILE\n"
    "       mailrelay keys rotate-master --new-key-file FILE [--actor NAME] [--config FILE]\n"
    "\n"
    "new-master: creates FILE holding a new random master key (64 hex digits, mode 0600);\n"
    "refuses to overwrite an existing file. It protects nothing until rotate-master runs.\n"
    "\n"
    "rotate-master: moves every vault file (vault-<region>.db, audit.db, control.db) from the\n"
    "configured master key (master_key_file, or $MAILRELAY_MASTER_KEY) to the key in FILE\n"
    "(mode 0600): every wrapped key is re-wrapped under the new key and the file re-keyed under\n"
    "its page key. Records, API tokens, the audit log and the signing keys (so the published\n"
    "public keys) stay as they are. Needs every file to itself: with serve (or any other\n"
    "mailrelay command) running it exits 75; stop serve and run it again. Interrupted, run the\n"
    "same command again: files already moved are skipped. Then start serve with the new key\n"
    "(replace master_key_file with FILE, or point the config or $MAILRELAY_MASTER_KEY at it);\n"
    "the old key no longer opens the vault, but backups taken before still need the old key.\n"
    "Progress lines go to stderr, a JSON summary to stdout; a keys.rotate-master audit entry\n"
    "(counts only) is appended with the new key. docs/keys.md \"Master-key rotation\".\n";

nlohmann::json Summary(const vault::MasterRotateResult& r) {
  nlohmann::json files = nlohmann::json::array();
  for (const vault::MasterRotateFile& f : r.files) {
    nlohmann::json j{{"file", f.file}, {"scope", f.scope}, {"rekeyed", f.rekeyed}};
    if (f.rekeyed) {
      j["keys_rewrapped"] = f.keys_rewrapped;
      j["page_key"] = {{"from", f.page_from}, {"to", 1}};
    }
    files.push_back(std::move(j));
  }
  return {{"files_rekeyed", r.files_rekeyed},
          {"files_already_done", r.files_already_done},
          {"keys_rewrapped", r.keys_rewrapped},
          {"files", std::move(files)},
          {"finished", true},
          {"elapsed_ms", r.elapsed_ms}};
}

int Fail(const Status& s) {
  std::cerr << "mailrelay keys rotate-master: " << s.message() << "\n";
  if (s.code() == StatusCode::kUnavailable) return kExitTempFail;
  return server::ExitCodeForVaultError(s);
}

}  // namespace

int KeysNewMaster(const Args& args) {
  if (args.Flag("help")) return std::cout << kRotateMasterHelp, 0;
  if (Status s = args.Check({"out"}, {}, 1); !s.ok()) {
    std::cerr << "mailrelay keys new-master: " << s.message() << "\n" << kRotateMasterHelp;
    return kExitUsage;
  }
  if (Status s = args.Require({"out"}); !s.ok()) {
    std::cerr << "mailrelay keys new-master: " << s.message() << "\n" << kRotateMasterHelp;
    return kExitUsage;
  }
  const std::string out = *args.Option("out");
  if (Status s = keyring::CreateMasterKeyFile(out); !s.ok()) {
    std::cerr << "mailrelay keys new-master: " << s.message() << "\n";
    return kExitCantCreate;
  }
  std::cerr << "new master key: " << out
            << " (mode 0600). Keep it as safe as the current one; run `mailrelay keys "
               "rotate-master --new-key-file "
            << out << "` with serve stopped.\n";
  std::cout << nlohmann::json{{"ok", true}, {"file", out}}.dump() << "\n";
  return 0;
}

int KeysRotateMaster(const Args& args) {
  if (args.Flag("help")) return std::cout << kRotateMasterHelp, 0;
  if (Status s = args.Check({"config", "actor", "new-key-file"}, {}, 1); !s.ok()) {
    std::cerr << "mailrelay keys rotate-master: " << s.message() << "\n" << kRotateMasterHelp;
    return kExitUsage;
  }
  if (Status s = args.Require({"new-key-file"}); !s.ok()) {
    std::cerr << "mailrelay keys rotate-master: " << s.message() << "\n" << kRotateMasterHelp;
    return kExitUsage;
  }
  const std::string new_key_file = *args.Option("new-key-file");
  int exit_code = 0;
  auto config = LoadConfigOrReport(args, &exit_code);
  if (!config.ok()) return exit_code;

  auto old_master = keyring::MasterKey::Load(config->master_key_file);
  if (!old_master.ok()) return Fail(old_master.status().WithContext("the current master key"));
  // The new key only ever comes from its file (mode 0600, like the current one).
  auto new_master = keyring::MasterKey::LoadFile(new_key_file);
  if (!new_master.ok()) {
    std::cerr << "mailrelay keys rotate-master: the new master key: "
              << new_master.status().message() << " (create it with `mailrelay keys new-master "
              << "--out " << new_key_file << "`)\n";
    return server::ExitCodeForVaultError(new_master.status());
  }
  if (old_master->Equals(*new_master)) {
    std::cerr << "mailrelay keys rotate-master: " << new_key_file
              << " holds the current master key; create a new one with `mailrelay keys "
                 "new-master --out FILE`\n";
    return kExitUsage;
  }

  vault::MasterRotateOptions options;
  options.data_dir = config->data_dir;
  auto regions = server::VaultRegions(*config);
  if (!regions.ok()) {
    std::cerr << "mailrelay keys rotate-master: " << regions.status().message() << "\n";
    return server::ExitCodeForVaultError(regions.status());
  }
  options.regions = *regions;
  options.progress = [](const std::string& line) {
    std::cerr << "mailrelay keys rotate-master: " << line << "\n";
  };
  auto result = vault::RotateMasterKey(options, *old_master, *new_master);
  if (!result.ok()) {
    if (result.status().code() == StatusCode::kInvalidArgument) {
      std::cerr << "mailrelay keys rotate-master: " << result.status().message() << "\n";
      return kExitUsage;
    }
    return Fail(result.status());
  }
  nlohmann::json out = Summary(*result);

  // Every file is under the new key now: so is the audit log. Append with the new key only.
  ::unsetenv(keyring::kMasterKeyEnv);
  Config rotated = *config;
  rotated.master_key_file = new_key_file;
  nlohmann::json details{{"files_rekeyed", result->files_rekeyed},
                         {"files_already_done", result->files_already_done},
                         {"keys_rewrapped", result->keys_rewrapped},
                         {"via", "cli"}};
  if (Status a = AuditAppend(rotated, args, "keys.rotate-master", details); !a.ok()) {
    std::cerr << "mailrelay keys rotate-master: the rotation ran but could not be audited: "
              << a.message() << "\n";
    std::cout << out.dump(2) << "\n";
    return server::ExitCodeForVaultError(a);
  }
  std::cout << out.dump(2) << "\n";
  std::cerr << "mailrelay keys rotate-master: done. Start serve with the new key (" << new_key_file
            << "): replace " << config->master_key_file
            << " with it, or point master_key_file (or $MAILRELAY_MASTER_KEY) at it. The old key "
               "no longer opens this vault; keep it only as long as backups taken before the "
               "rotation.\n";
  return 0;
}

}  // namespace mailrelay::cli
