#!/bin/bash
# SMTP throughput benchmark — builds mailrelay and bench_fast_sink in build-bench/ (Release),
# then runs smtp_throughput.py (see README.md in this folder). Numbers only, never asserted.
#
#   bash tests/bench/smtp_throughput.sh                        # the full run (~2-4 min)
#   BENCH_MESSAGES=2000 bash tests/bench/smtp_throughput.sh    # a quick run
#   BENCH_NO_BUILD=1 MAILRELAY_BIN=... bash tests/bench/smtp_throughput.sh
#
# All environment overrides are listed at the top of smtp_throughput.py.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${BENCH_BUILD_DIR:-$root/build-bench}"

if [[ -z "${BENCH_NO_BUILD:-}" ]]; then
  if [[ ! -f "$build/build.ninja" ]]; then
    # -Wno-error=restrict: GCC 12 at -O3 reports false -Wrestrict positives inside
    # std::string (GCC bug 105329) in valijson and nlohmann code; -g only adds symbols.
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      "-DCMAKE_CXX_FLAGS=-g -Wno-error=restrict" >/dev/null
  fi
  ninja -C "$build" mailrelay bench_fast_sink >/dev/null
fi

export MAILRELAY_BIN="${MAILRELAY_BIN:-$build/src/cli/mailrelay}"
export BENCH_SINK_BIN="${BENCH_SINK_BIN:-$build/tests/bench/bench_fast_sink}"
exec /usr/bin/python3 "$here/smtp_throughput.py" "$@"
