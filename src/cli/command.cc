// cli/command.cc — config loading shared by the subcommands.
#include "cli/command.h"

#include <iostream>
#include <map>

#include "common/log.h"

namespace mailrelay::cli {

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

StatusOr<Config> LoadConfigOrReport(const Args& args, int* exit_code) {
  auto config = LoadConfig(args);
  if (!config.ok()) {
    std::cerr << "mailrelay: invalid configuration\n" << config.status().message() << "\n";
    *exit_code = kExitConfig;
    return config;
  }
  static const std::map<std::string, log::Level> levels = {{"debug", log::Level::kDebug},
                                                           {"info", log::Level::kInfo},
                                                           {"warn", log::Level::kWarn},
                                                           {"error", log::Level::kError}};
  auto it = levels.find(config->log_level);
  if (it != levels.end()) log::SetMinLevel(it->second);
  return config;
}

}  // namespace mailrelay::cli
