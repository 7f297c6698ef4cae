#!/usr/bin/env bash
# Installs the dependencies, builds, and runs `mailrelay serve` on its quickstart defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)" --target mailrelay
exec ./build/src/cli/mailrelay serve
