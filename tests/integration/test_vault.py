"""The vault as the relay uses it: a record per recipient before the reply, nothing personal
readable at rest, region placement, durability across kill -9, key errors."""
import concurrent.futures
import glob
import json
import os
import re
import secrets
import signal
import smtplib
import subprocess
import time
import unittest

from harness import MAILRELAY_BIN, Endpoint, Relay, RelayTestCase

CANARY_SENDER = "zq-sender-canary@canary-sender.test"
CANARY_SUBJECT = "ZqSubjectCanary4711"
CANARY_MSGID = "<zq-msgid-canary@canary.test>"


def message(subject=CANARY_SUBJECT, msgid=CANARY_MSGID):
    return ("From: %s\r\nTo: someone@ok.test\r\nSubject: %s\r\nMessage-ID: %s\r\n\r\nbody\r\n"
            % (CANARY_SENDER, subject, msgid))


class RecordTest(RelayTestCase):
    def test_each_recipient_gets_a_record_with_the_policy_fields(self):
        with smtplib.SMTP("127.0.0.1", self.relay.smtp_port, timeout=15) as s:
            s.sendmail(CANARY_SENDER, ["r1@ok.test", "r2@ok.test"], message())
        records = self.relay.messages("--route", "ok")["messages"]
        mine = [r for r in records if r["sender"] == CANARY_SENDER]
        self.assertEqual(sorted(r["recipient"] for r in mine), ["r1@ok.test", "r2@ok.test"])
        r = mine[0]
        self.assertEqual(r["subject"], CANARY_SUBJECT)
        self.assertEqual(r["message_id"], CANARY_MSGID)
        self.assertEqual(r["sender_ip"], "127.0.0.1")
        self.assertEqual(r["smtp_code"], 250)
        self.assertEqual(r["http_status"], 200)
        self.assertEqual(r["server_response"], "thanks")
        self.assertEqual(r["region"], "us")
        self.assertGreater(r["expires_at_ms"], r["received_at_ms"])
        self.assertEqual(mine[0]["message"], mine[1]["message"])

    def test_bounced_and_deferred_messages_are_recorded_with_their_codes(self):
        with smtplib.SMTP("127.0.0.1", self.relay.smtp_port, timeout=15) as s:
            for rcpt in ["a@reject.test", "a@error.test"]:
                try:
                    s.sendmail(CANARY_SENDER, [rcpt], message())
                except smtplib.SMTPDataError:
                    pass
        rejected = self.relay.messages("--status", "rejected", "--route", "reject")["messages"]
        delayed = self.relay.messages("--status", "delayed", "--route", "error")["messages"]
        self.assertTrue(rejected and all(r["smtp_code"] == 554 for r in rejected))
        self.assertTrue(rejected[0]["server_response"].startswith("Mailbox full"))
        self.assertEqual(rejected[0]["http_status"], 422)
        self.assertTrue(delayed and all(r["smtp_code"] == 451 for r in delayed))

    def test_route_region_decides_where_records_live(self):
        with smtplib.SMTP("127.0.0.1", self.relay.smtp_port, timeout=15) as s:
            s.sendmail(CANARY_SENDER, ["x@eu.test"], message())
        records = self.relay.messages("--route", "eu")["messages"]
        self.assertTrue(records)
        self.assertTrue(all(r["region"] == "eu" and r["account"] == "acme-eu" for r in records))

    def test_history_pages_with_a_cursor(self):
        with smtplib.SMTP("127.0.0.1", self.relay.smtp_port, timeout=15) as s:
            for i in range(5):
                s.sendmail(CANARY_SENDER, ["page%d@ok2.test" % i], message())
        first = self.relay.messages("--route", "ok2", "--limit", "3")
        self.assertEqual(len(first["messages"]), 3)
        self.assertIsNotNone(first["next_cursor"])
        second = self.relay.messages("--route", "ok2", "--limit", "3",
                                     "--cursor", first["next_cursor"])
        ids = [r["id"] for r in first["messages"] + second["messages"]]
        self.assertEqual(len(set(ids)), len(ids))
        self.assertGreaterEqual(len(ids), 5)
        times = [r["received_at_ms"] for r in first["messages"] + second["messages"]]
        self.assertEqual(times, sorted(times, reverse=True))


class AtRestTest(unittest.TestCase):
    def test_no_personal_string_in_any_vault_file_or_log(self):
        if not MAILRELAY_BIN:
            self.skipTest("MAILRELAY_BIN not set")
        endpoint = Endpoint()
        relay = Relay(endpoint)
        try:
            with smtplib.SMTP("127.0.0.1", relay.smtp_port, timeout=15) as s:
                for i in range(20):
                    s.sendmail(CANARY_SENDER, ["zq-rcpt-canary%d@ok.test" % i], message())
            # Read while the server still runs, so the -wal and -shm files are there too.
            files = glob.glob(os.path.join(relay.dir, "var", "*"))
            self.assertTrue(any(f.endswith("-wal") for f in files), files)
            blobs = {f: open(f, "rb").read() for f in files if os.path.isfile(f)}
        finally:
            relay.stop()
        log = relay.log_text().encode()
        relay.cleanup()
        endpoint.close()
        canaries = [CANARY_SENDER, "zq-sender-canary", "canary-sender.test", "zq-rcpt-canary",
                    CANARY_SUBJECT, "zq-msgid-canary", "127.0.0.1", "thanks"]
        for path, data in list(blobs.items()) + [("log", log)]:
            for canary in canaries:
                if path == "log" and canary == "127.0.0.1":
                    continue  # the banner names the listen address, which is not a subject's
                self.assertNotIn(canary.encode(), data, "%s found in %s" % (canary, path))


class DurabilityTest(unittest.TestCase):
    def test_every_250_survives_kill_9(self):
        if not MAILRELAY_BIN:
            self.skipTest("MAILRELAY_BIN not set")
        endpoint = Endpoint()
        relay = Relay(endpoint)
        accepted = []
        try:
            def sender(n):
                ids = []
                try:
                    with smtplib.SMTP("127.0.0.1", relay.smtp_port, timeout=10) as s:
                        s.ehlo("load.test")
                        for i in range(200):
                            s.mail("load@sender.test")
                            for j in range(10):  # ten records a message: the tail fills fast
                                s.rcpt("k%d-%d-%d@ok.test" % (n, i, j))
                            code, text = s.data(b"Subject: load\r\n\r\nx\r\n")
                            if code == 250:
                                ids.append(text.decode().split()[-1])
                except (smtplib.SMTPException, OSError):
                    pass  # the server died under us: expected
                return ids

            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                futures = [pool.submit(sender, n) for n in range(8)]
                time.sleep(1.0)
                relay.proc.send_signal(signal.SIGKILL)
                for f in futures:
                    accepted += f.result()
        finally:
            relay.stop()
        self.assertGreater(len(accepted), 10, "the load never got going")
        stored = set()
        cursor = None
        while True:
            args = ["--limit", "1000"] + (["--cursor", cursor] if cursor else [])
            page = relay.messages(*args)
            stored.update(r["message"] for r in page["messages"])
            cursor = page["next_cursor"]
            if not cursor:
                break
        # The blind index agrees with the history: every stored record is found by its sender,
        # whether its entry was still in the tail or merged (past 1,024 records) when the
        # process died (docs/vault.md "Schema").
        out = subprocess.run([MAILRELAY_BIN, "export", "--subject", "LOAD@sender.test", "--actor",
                              "durability-test", "--config", relay.config_path],
                             capture_output=True, text=True, timeout=120)
        relay.cleanup()
        endpoint.close()
        missing = [i for i in accepted if i not in stored]
        self.assertEqual(missing, [], "%d of %d accepted messages lost" % (len(missing), len(accepted)))
        self.assertEqual(out.returncode, 0, out.stderr)
        found = {r["message"] for r in json.loads(out.stdout)["document"]["records"]}
        self.assertEqual(found, stored, "the blind index and the history differ")


class KeyErrorTest(unittest.TestCase):
    def setUp(self):
        if not MAILRELAY_BIN:
            self.skipTest("MAILRELAY_BIN not set")
        self.endpoint = Endpoint()
        self.relay = Relay(self.endpoint)
        self.relay.stop()

    def tearDown(self):
        self.relay.cleanup()
        self.endpoint.close()

    def serve(self, env=None):
        return subprocess.run([MAILRELAY_BIN, "serve", "--config", self.relay.config_path],
                              capture_output=True, text=True, timeout=30,
                              env=dict(os.environ, **(env or {})))

    def test_wrong_master_key_exits_78_with_a_clear_message(self):
        out = self.serve({"MAILRELAY_MASTER_KEY": secrets.token_hex(32)})
        self.assertEqual(out.returncode, 78, out.stderr)
        self.assertRegex(out.stderr, r"vault-..\.db|control\.db")
        self.assertIn("key", out.stderr)

    def test_world_readable_key_file_exits_78(self):
        os.chmod(os.path.join(self.relay.dir, "var", "master.key"), 0o644)
        out = self.serve()
        self.assertEqual(out.returncode, 78, out.stderr)
        self.assertIn("chmod", out.stderr)

    def test_missing_vault_file_exits_78_and_says_keys_init(self):
        for f in glob.glob(os.path.join(self.relay.dir, "var", "vault-eu.db*")):
            os.remove(f)
        out = self.serve()
        self.assertEqual(out.returncode, 78, out.stderr)
        self.assertIn("keys init", out.stderr)

    def test_corrupt_vault_file_is_a_clear_error(self):
        path = os.path.join(self.relay.dir, "var", "vault-us.db")
        with open(path, "r+b") as f:
            f.seek(64)  # inside the first page, which every open reads
            f.write(os.urandom(512))
        out = self.serve()
        self.assertIn(out.returncode, (65, 78), out.stderr)
        self.assertIn("vault-us.db", out.stderr)


if __name__ == "__main__":
    unittest.main()
