// cli/command.h — what every subcommand shares: exit codes (sysexits), the config every
// command loads the same way, and one entry point per subcommand (cmd_*.cc).
#pragma once

#include "cli/args.h"
#include "common/config.h"

namespace mailrelay::cli {

inline constexpr int kExitUsage = 64;
inline constexpr int kExitDataErr = 65;
inline constexpr int kExitNoInput = 66;
inline constexpr int kExitConfig = 78;

// Returns the config named by --config, or the quickstart defaults without one.
StatusOr<Config> LoadConfig(const Args& args);
// Loads the config or prints why it is invalid; returns nullopt-like failure as exit code.
// Sets the log level from it.
StatusOr<Config> LoadConfigOrReport(const Args& args, int* exit_code);

int Serve(const Args& args);
int Parse(const Args& args);
int Keys(const Args& args);
int Messages(const Args& args);

}  // namespace mailrelay::cli
