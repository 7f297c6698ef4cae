"""Retention through a real `mailrelay`: expiry computed from policy/retention.json when a record
is written, `mailrelay sweep --now` time travel (field-only expiry, whole-record expiry, dry
run), the retention.sweep audit entry (counts only), a shortened policy applied to existing
records at the next sweep, and a retention beyond policy/dpa.json refused at start-up with exit
78."""
import datetime
import json
import os
import shutil
import smtplib
import subprocess
import tempfile
import unittest

from harness import MAILRELAY_BIN, Endpoint, Relay, free_port

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

    def test_bad_now_is_a_usage_error(self):
        out = run("sweep", "--config", self.config, "--now", "yesterday", check=False)
        self.assertEqual(out.returncode, 64)
        self.assertIn("--now", out.stderr)


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


if __name__ == "__main__":
    unittest.main()
