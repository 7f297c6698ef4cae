// cli/cmd_serve.cc — `mailrelay serve`: the relay, the API and (later) the sweeper until a signal.

#include <iostream>

#include "cli/command.h"
#include "server/service.h"

namespace mailrelay::cli {
namespace {

constexpr char kServeHelp[] =
    "usage: mailrelay serve [--config FILE]\n"
    "\n"
    "Runs the SMTP relay and the HTTP API until SIGINT/SIGTERM.\n"
    "Without --config: quickstart defaults — SMTP on 127.0.0.1:2525, API on 127.0.0.1:8025,\n"
    "*@example.test delivered to a built-in development sink that prints each delivery.\n"
    "A config that fails validation exits 78 naming the file, the JSON Pointer and the problem.\n";

}  // namespace

int Serve(const Args& args) {
  if (args.Flag("help")) return std::cout << kServeHelp, 0;
  if (Status s = args.Check({"config"}, {}, 0); !s.ok()) {
    std::cerr << "mailrelay serve: " << s.message() << "\n" << kServeHelp;
    return kExitUsage;
  }
  int exit_code = 0;
  auto config = LoadConfigOrReport(args, &exit_code);
  if (!config.ok()) return exit_code;
  return server::RunService(*config);
}

}  // namespace mailrelay::cli
