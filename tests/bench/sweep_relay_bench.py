"""The relay's SMTP latency while a retention sweep runs (issue #6's benchmark).

Fills a vault with MAILRELAY_BENCH_RECORDS records (default 2,000,000; `vault_bench` writes
them), starts `mailrelay serve` on it with smtp-source sending through 4 reused sessions and a
probe timing one transaction every 10 ms (smtp_throughput.py's SmtpProbe), measures the probe
idle, then while half the records are swept. Prints records/s swept and the probe's
p50/p99/max idle and during. Numbers only. Two ways to sweep (BENCH_SWEEP):

  cli    (default) `mailrelay sweep --now T` beside serve, T in the future where the older half
         of the records (received over the last RECORDS x 2.592 s) is past its lifetime;
  serve  serve's own sweep on its writer thread: the records are received 0.1 ms apart, the
         older half expiring just before serve's first periodic sweep (interval 130 s).
  startup  serve's start-up sweep with BENCH_PARTITION_DAYS: the load starts with serve, the
         older half is in partitions that ended before today, which that sweep removes as
         whole files; idle is the 15 s after it.

  python3 tests/bench/sweep_relay_bench.py        # after building build-bench (see README)
  MAILRELAY_BENCH_RECORDS=400000 BENCH_SWEEP=serve python3 tests/bench/sweep_relay_bench.py

The load is smtp-source's 4 sessions sending as fast as the relay answers (the relay saturates
the 2 CPUs), or with BENCH_LOAD_RATE=N a paced load of N messages/s over 8 reused connections
in a process of its own (a relay well below its capacity, as in production). BENCH_FILL_REGION=us
puts every record in the relay's region (us), so the sweep is all in the region the relay
writes; by default vault_bench spreads them over us, eu and ap.

BENCH_PARTITION_DAYS=N writes the records, and has serve write, into expiry partitions of N days
(retention.partition_days); BENCH_STEP_US sets the records' spacing (cli: 2,592,000, the 30 days
of retention over 1M records; serve: 100). With partitions in cli mode (and no BENCH_STEP_US)
the records are received over the 21 days that end 8 days ago, so serve's start-up sweep clears
every field they have and then closes their files, and `sweep --now` is the midnight that ends
the middle record's partition: the sweep removes the older half as whole files, beside serve,
and the bench also prints the probe's transactions that ended while files were being removed
(from the sweep's vault.partition_dropped lines). The rest of that sweep is mostly clearing, row
by row, the fields of the records the relay wrote during the run, which are due by then.
"""
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import smtp_throughput as st  # noqa: E402  (SmtpProbe, free_port, wait_banner)

BUILD = os.environ.get("BENCH_BUILD_DIR", os.path.join(HERE, "..", "..", "build-bench"))
MAILRELAY = os.environ.get("MAILRELAY_BIN", os.path.join(BUILD, "src/cli/mailrelay"))
VAULT_BENCH = os.path.join(BUILD, "tests/bench/vault_bench")
SINK = os.path.join(BUILD, "tests/bench/bench_fast_sink")
RECORDS = int(os.environ.get("MAILRELAY_BENCH_RECORDS", "2000000"))
IDLE_S = 15
MODE = os.environ.get("BENCH_SWEEP", "cli")
# vault_bench's records: received FIRST + n * step, each living 30 days.
DAY_MS = 86_400_000
LIFETIME_MS = 30 * DAY_MS
STEP_US = int(os.environ.get("BENCH_STEP_US", 2_592_000 if MODE == "cli" else 100))
PARTITION_DAYS = int(os.environ.get("BENCH_PARTITION_DAYS", "0"))
SERVE_SWEEP_INTERVAL_S = 130
LOAD_RATE = int(os.environ.get("BENCH_LOAD_RATE", "0"))
FILL_REGION = os.environ.get("BENCH_FILL_REGION", "")
PACED_CONNECTIONS = 8


def paced_load(port, rate):
    """Runs in its own process (`--paced-load PORT RATE`): PACED_CONNECTIONS reused connections,
    each sending on a fixed schedule so that together they offer `rate` messages/s whatever the
    relay's latency (a late message is sent at once; the schedule does not slip). Prints
    `{"sent": N, "failed": M, "seconds": S, "txn": [[ended_at, ms], …]}` when SIGTERM stops it."""
    import signal
    import threading
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    period = PACED_CONNECTIONS / float(rate)
    clients = [st.SmtpProbe(port, per_connection=False, size=4096)
               for _ in range(PACED_CONNECTIONS)]

    def sender(client, offset):
        sock, due = None, time.monotonic() + offset
        while not stop.is_set():
            delay = due - time.monotonic()
            if delay > 0 and stop.wait(delay):
                break
            due += period
            try:
                if sock is None:
                    sock = client._connect()
                client._transaction(sock)  # counts client.ok / client.failed
            except (OSError, ValueError, ConnectionError):
                client.failed += 1
                if sock is not None:
                    sock.close()
                sock = None
        if sock is not None:
            sock.close()

    t0 = time.monotonic()
    threads = [threading.Thread(target=sender, args=(c, i * period / PACED_CONNECTIONS))
               for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    while not stop.wait(0.5):
        pass
    for t in threads:
        t.join(timeout=30)
    txn = sorted([round(t, 4), round(ms, 3)] for c in clients
                 for ms, t in zip(c.txn_ms, c.txn_done_at))
    print(json.dumps({"txn": txn, "sent": sum(c.ok for c in clients),
                      "failed": sum(c.failed for c in clients),
                      "seconds": time.monotonic() - t0}), flush=True)
    return 0


class LogFollower:
    """serve's `retention.swept` lines, read from its log as it grows (new bytes only). The log
    has a line per delivery (~100 MB by the end of a run): re-reading it whole every 50 ms held
    the GIL for tens of ms at a time and stalled the probe thread, which then timed the stall
    (p99 60-70 ms during the sweep, where a probe in another process saw 12 ms)."""

    def __init__(self, path):
        self._file = open(path, "rb")
        self._partial = b""
        self.swept = []
        self.drops = []  # vault.partition_dropped lines

    def poll(self):
        lines = (self._partial + self._file.read()).split(b"\n")
        self._partial = lines.pop()
        self.swept += [json.loads(l) for l in lines if b'"retention.swept"' in l]
        self.drops += [json.loads(l) for l in lines if b'"vault.partition_dropped"' in l]
        return len(self.swept)


def percentiles(values):
    if not values:
        return "no samples"
    s = sorted(values)
    p99 = s[min(len(s) - 1, int(len(s) * 0.99))]
    return "p50 %.2f ms  p99 %.2f ms  max %.2f ms  (%d transactions)" % (
        statistics.median(s), p99, s[-1], len(s))


def main():
    work = tempfile.mkdtemp(prefix="mailrelay-sweep-relay-")
    started_ms = int(time.time() * 1000)
    step_us = STEP_US
    if MODE == "startup":
        # Received over the 22 days that end 20 days ago: the older half expired by yesterday
        # (whole files the start-up sweep removes), every field is due (cleared after them).
        step_us = 22 * DAY_MS * 1000 // RECORDS
        first_received_ms = started_ms - 42 * DAY_MS
    elif MODE == "cli" and PARTITION_DAYS > 0 and "BENCH_STEP_US" not in os.environ:
        step_us = 21 * DAY_MS * 1000 // RECORDS
        first_received_ms = started_ms - 29 * DAY_MS
    elif MODE == "cli":
        # The newest record is received now: serve's own sweep (real clock) finds nothing due.
        first_received_ms = started_ms - RECORDS * STEP_US // 1000
    else:
        # The middle record expires 180 s from now: after serve's start-up sweep (fill ~60 s),
        # before its first periodic one.
        first_received_ms = started_ms + 180_000 - LIFETIME_MS - (RECORDS // 2) * STEP_US // 1000
    procs = []
    try:
        t0 = time.time()
        subprocess.run([VAULT_BENCH],
                       env=dict(os.environ, MAILRELAY_BENCH_DIR=work,
                                MAILRELAY_BENCH_RECORDS=str(RECORDS),
                                MAILRELAY_BENCH_FIRST_RECEIVED_MS=str(first_received_ms),
                                MAILRELAY_BENCH_STEP_US=str(step_us),
                                MAILRELAY_BENCH_PARTITION_DAYS=str(PARTITION_DAYS),
                                **({"MAILRELAY_BENCH_ONLY_REGION": FILL_REGION}
                                   if FILL_REGION else {})),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        print("filled %d records in %.0f s" % (RECORDS, time.time() - t0), flush=True)

        port_file = os.path.join(work, "sink.port")
        sink = subprocess.Popen([SINK, "--listen", "127.0.0.1:0", "--port-file", port_file],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(sink)
        while not os.path.exists(port_file) or not open(port_file).read().strip():
            time.sleep(0.02)
        smtp_port = st.free_port()
        config = os.path.join(work, "mailrelay.json")
        with open(config, "w") as f:
            json.dump({"data_dir": os.path.join(work, "data"),
                       "master_key_file": os.path.join(work, "master.key"),
                       "log_level": "info",
                       "retention": {"sweep_interval_s": SERVE_SWEEP_INTERVAL_S
                                     if MODE == "serve" else 86400,
                                     "partition_days": PARTITION_DAYS},
                       "smtp": {"listen": "127.0.0.1:%d" % smtp_port, "hostname": "bench.local"},
                       "api": {"listen": "127.0.0.1:%d" % st.free_port()},
                       "routes": [{"id": "bench", "match": ["*"], "format": "json",
                                   "target": "http://127.0.0.1:%s/hook" %
                                             open(port_file).read().strip()}]}, f)
        # vault_bench made the vault files only: the audit log and its key come from keys init.
        subprocess.run([MAILRELAY, "keys", "init", "--config", config], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        log = open(os.path.join(work, "serve.log"), "w")
        serve = subprocess.Popen([MAILRELAY, "serve", "--config", config], stdout=log,
                                 stderr=subprocess.STDOUT)
        procs.append(serve)
        st.wait_banner(smtp_port, serve)
        serve_started = time.time()
        serve_log = LogFollower(os.path.join(work, "serve.log"))
        # serve sweeps once at start (fields past 7 days are due by the real clock): let that
        # finish before anything is measured, unless it is what is measured.
        while MODE != "startup" and serve_log.poll() < 1:
            time.sleep(0.2)
        if LOAD_RATE > 0:
            load = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--paced-load",
                                     str(smtp_port), str(LOAD_RATE)],
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        else:
            load = subprocess.Popen([st.SMTP_SOURCE, "-s", "4", "-m", "100000000", "-l", "4096",
                                     "-d", "-f", "s@bench.example", "-t", "r@bench.example",
                                     "127.0.0.1:%d" % smtp_port],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(load)
        probe = st.SmtpProbe(smtp_port, per_connection=False, size=4096)
        st.PROBE_INTERVAL_S = 0.01
        probe.start()
        drops = []  # cli, startup: the sweep's vault.partition_dropped log lines
        if MODE == "startup":
            while serve_log.poll() < 1:
                time.sleep(0.05)
            swept = serve_log.swept[0]
            deleted, elapsed = swept["records_deleted"], swept["elapsed_ms"] / 1000.0
            drops = serve_log.drops
            sweep_window = [time.time() - elapsed, time.time()]
            time.sleep(IDLE_S)
            idle = [ms for ms, t in zip(probe.txn_ms, probe.txn_done_at) if t > sweep_window[1]]
            during = [ms for ms, t in zip(probe.txn_ms, probe.txn_done_at)
                      if sweep_window[0] <= t <= sweep_window[1]]
        elif MODE == "cli":
            time.sleep(IDLE_S)
            idle = list(probe.txn_ms)
            now_ms = first_received_ms + (RECORDS // 2) * step_us // 1000 + LIFETIME_MS
            if PARTITION_DAYS > 0:  # the end of the middle record's partition
                span_ms = PARTITION_DAYS * DAY_MS
                now_ms = -(-now_ms // span_ms) * span_ms
            sweep_window = [time.time()]
            t0 = time.perf_counter()
            swept = subprocess.run([MAILRELAY, "sweep", "--config", config, "--now",
                                    str(now_ms)], capture_output=True, text=True)
            elapsed = time.perf_counter() - t0
            sweep_window.append(time.time())
            during = list(probe.txn_ms)[len(idle):]
            drops = [json.loads(l) for l in swept.stderr.splitlines()
                     if '"vault.partition_dropped"' in l]
            if swept.returncode != 0:
                print("sweep failed: " + swept.stderr)
                return 1
            result = json.loads(swept.stdout)
            deleted = result["records_deleted"]
            if result.get("partitions_dropped"):
                print("the sweep removed %d partition files" % result["partitions_dropped"])
        else:
            # Idle until 5 s before the periodic sweep; then every transaction until it ends.
            time.sleep(max(0, serve_started + SERVE_SWEEP_INTERVAL_S - 5 - time.time()))
            idle = list(probe.txn_ms)
            while serve_log.poll() < 2:
                time.sleep(0.05)
            during = list(probe.txn_ms)[len(idle):]
            swept = serve_log.swept[1]
            deleted, elapsed = swept["records_deleted"], swept["elapsed_ms"] / 1000.0
            if swept.get("partitions_dropped"):
                print("serve's sweep dropped %d partition files" % swept["partitions_dropped"])
        probe.stop()
        windows = []  # (name, start, end) in time.time(), for the paced load's transactions
        if MODE == "cli":
            windows = [("idle", sweep_window[0] - IDLE_S, sweep_window[0]),
                       ("during", sweep_window[0], sweep_window[1])]
        elif MODE == "startup":
            windows = [("idle", sweep_window[1], sweep_window[1] + IDLE_S),
                       ("during", sweep_window[0], sweep_window[1])]
        if drops:
            # The transactions that ended while a file was being removed.
            def at(d):
                return datetime.datetime.fromisoformat(d["ts"].replace("Z", "+00:00")).timestamp()
            start = at(drops[0]) - drops[0]["elapsed_ms"] / 1000.0
            windows.append(("during the %d file drops (%.0f ms)" % (
                len(drops), (at(drops[-1]) - start) * 1000), start, at(drops[-1])))
        print("sweep (%s): %d records deleted in %.1f s: %.0f records/s" % (
            MODE, deleted, elapsed, deleted / max(elapsed, 1e-9)))
        print("probe transaction, idle:   " + percentiles(idle))
        print("probe transaction, during: " + percentiles(during))
        for name, start, end in windows[2:]:
            print("probe transaction, %s: %s" % (name, percentiles(
                [ms for ms, t in zip(probe.txn_ms, probe.txn_done_at) if start <= t <= end])))
        if LOAD_RATE > 0:
            load.terminate()
            sent = json.loads(load.communicate(timeout=60)[0].strip().splitlines()[-1])
            print("paced load: %d messages/s offered, %.0f answered 250, %d failed" % (
                LOAD_RATE, sent["sent"] / max(sent["seconds"], 1e-9), sent["failed"]))
            for name, start, end in windows:
                print("paced load transaction, %s: %s" % (name, percentiles(
                    [ms for t, ms in sent["txn"] if start <= t <= end])))
        if probe.failed:
            print("probe failures: %d (%s)" % (probe.failed, probe.errors[:3]))
        return 0
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    p.kill()
        if os.environ.get("BENCH_KEEP_LOG"):  # serve's log (relay.delivery has vault_us)
            shutil.copy(os.path.join(work, "serve.log"), os.environ["BENCH_KEEP_LOG"])
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--paced-load":
        sys.exit(paced_load(int(sys.argv[2]), int(sys.argv[3])))
    sys.exit(main())
