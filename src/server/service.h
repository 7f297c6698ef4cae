// server/service.h — the running service and composition root: wires session → mime →
// relay, starts the SMTP listener and the API, and runs until SIGINT/SIGTERM.
#pragma once

#include "common/config.h"

namespace mailrelay::server {

// Runs `mailrelay serve` with `config`; returns the process exit code (sysexits).
// Must be called from the main thread before any other thread starts (it blocks signals).
int RunService(const Config& config);

}  // namespace mailrelay::server
