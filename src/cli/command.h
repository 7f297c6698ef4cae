// cli/command.h — what every subcommand shares: exit codes (sysexits), the config every
// command loads the same way, and one entry point per subcommand (cmd_*.cc).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "cli/args.h"
#include "common/config.h"

namespace mailrelay::cli {

inline constexpr int kExitUsage = 64;
inline constexpr int kExitDataErr = 65;
inline constexpr int kExitNoInput = 66;
inline constexpr int kExitCantCreate = 73;
inline constexpr int kExitConfig = 78;

// Returns the config named by --config, or the quickstart defaults without one.
StatusOr<Config> LoadConfig(const Args& args);
// Loads the config or prints why it is invalid; returns nullopt-like failure as exit code.
// Sets the log level from it.
StatusOr<Config> LoadConfigOrReport(const Args& args, int* exit_code);

int Serve(const Args& args);
int Parse(const Args& args);
int Keys(const Args& args);
// cli/cmd_keys_rotate.cc: `mailrelay keys rotate` (Keys dispatches to it).
int KeysRotate(const Args& args);
// cli/cmd_keys_master.cc: `mailrelay keys new-master` and `keys rotate-master`.
int KeysNewMaster(const Args& args);
int KeysRotateMaster(const Args& args);
int Messages(const Args& args);
int Audit(const Args& args);
int Sweep(const Args& args);
int Policy(const Args& args);

// cli/cmd_audit.cc: the audit actor of this invocation, "cli:" + (--actor or $USER).
std::string AuditActor(const Args& args);
// cli/cmd_audit.cc: appends one entry to the audit log (creating the log when `create`);
// returns once it is durable and signed. Callers that read personal data call it BEFORE
// printing, and print nothing if it fails.
Status AuditAppend(const Config& config, const Args& args, const std::string& action,
                   nlohmann::json details, bool create = false);
int Tokens(const Args& args);
int Export(const Args& args);
int Erase(const Args& args);
int Lea(const Args& args);
// cli/cmd_lea.cc: `mailrelay audit report`.
int AuditReport(const Args& args);

}  // namespace mailrelay::cli
