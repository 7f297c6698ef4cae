"""A full disk under a real `mailrelay serve`: its data directory is a small tmpfs that the test
fills. Every message the relay cannot record is deferred (451, the sender retries), nothing it
answered 250 for is lost, reads that must be audited fail closed, and it recovers on its own
once space is back. Needs root (mount); skipped otherwise.
"""
import contextlib
import http.client
import json
import os
import smtplib
import subprocess
import unittest

from harness import MAILRELAY_BIN, Endpoint, Relay

CANARY_SUBJECT = "Full disk canary subject 7f3a"
CANARY_SENDER = "full-disk-canary-sender@sender.example"


def mount_tmpfs(path):
    os.makedirs(path)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", path],
                          capture_output=True, text=True)
    if done.returncode != 0:
        os.rmdir(path)
        raise unittest.SkipTest("cannot mount a tmpfs here: " + done.stderr.strip())


class FullDiskTestCase(unittest.TestCase):
    """A relay whose data directory is an 8 MiB tmpfs, and a way to fill it."""

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("mounting a small tmpfs needs root")
        cls.endpoint = Endpoint()
        cls.data_dir = None

        def prepare(path):
            mount_tmpfs(path)
            cls.data_dir = path

        try:
            cls.relay = Relay(cls.endpoint, prepare_data_dir=prepare)
        except Exception:
            cls.unmount()
            cls.endpoint.close()
            raise

    @classmethod
    def unmount(cls):
        if cls.data_dir:
            subprocess.run(["umount", "-l", cls.data_dir], capture_output=True)

    @classmethod
    def tearDownClass(cls):
        cls.relay.stop()
        cls.unmount()
        cls.relay.cleanup()
        cls.endpoint.close()

    @contextlib.contextmanager
    def disk_full(self):
        filler = os.path.join(self.data_dir, "filler")
        with open(filler, "wb") as f:
            with self.assertRaises(OSError):  # ENOSPC
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
        try:
            yield
        finally:
            os.unlink(filler)


class FullDiskTest(FullDiskTestCase):
    def send(self, n):
        """Returns (code, text) of the final reply to message n."""
        try:
            with smtplib.SMTP("127.0.0.1", self.relay.smtp_port, timeout=30) as s:
                s.sendmail(CANARY_SENDER, ["rcpt%d@ok.test" % n],
                           "Subject: %s %d\r\n\r\nbody\r\n" % (CANARY_SUBJECT, n))
            return 250, ""
        except smtplib.SMTPResponseException as e:
            return e.smtp_code, e.smtp_error.decode()

    def subjects_recorded(self, numbers):
        wanted = {"%s %d" % (CANARY_SUBJECT, n) for n in numbers}
        records = self.relay.messages("--limit", "100")["messages"]
        return sorted(r["subject"] for r in records if r["subject"] in wanted)

    def test_messages_are_deferred_while_full_and_recorded_again_after(self):
        self.assertEqual(self.send(1), (250, ""))
        with self.disk_full():
            for n in (2, 3, 4):
                code, text = self.send(n)
                self.assertEqual(code, 451, text)
                self.assertTrue(text.startswith("4.3.0"), text)
                self.assertIn("storage", text)
            self.assertIsNone(self.relay.proc.poll(), "serve died on a full disk")
        for n in (5, 6):
            self.assertEqual(self.send(n), (250, ""))
        # Every 250 has its record; no deferred message has one (its sender sends it again).
        self.assertEqual(self.subjects_recorded(range(1, 7)),
                         ["%s %d" % (CANARY_SUBJECT, n) for n in (1, 5, 6)])
        log = self.relay.log_text()
        failures = [json.loads(line) for line in log.splitlines()
                    if '"vault.commit_failed"' in line]
        self.assertEqual(len(failures), 3, log)
        self.assertTrue(all(f["status"] == "RESOURCE_EXHAUSTED" for f in failures), failures)
        for secret in (CANARY_SUBJECT, CANARY_SENDER, "rcpt1@"):
            self.assertNotIn(secret, log)

    def test_api_read_fails_closed_when_its_audit_entry_cannot_be_written(self):
        made = subprocess.run([MAILRELAY_BIN, "tokens", "create", "--role", "admin", "--name",
                               "full-disk", "--config", self.relay.config_path],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(made.returncode, 0, made.stderr)
        token = json.loads(made.stdout)["token"]
        self.assertEqual(self.send(10), (250, ""))

        def get_messages():
            conn = http.client.HTTPConnection("127.0.0.1", self.relay.api_port, timeout=10)
            conn.request("GET", "/v1/messages", headers={"Authorization": "Bearer " + token})
            resp = conn.getresponse()
            body = resp.read().decode()
            conn.close()
            return resp.status, body

        with self.disk_full():
            status, body = get_messages()
            # No record leaves without the audit entry that says who read it.
            self.assertEqual(status, 503, body)
            self.assertIn("nothing disclosed", body)
            self.assertNotIn(CANARY_SUBJECT, body)
        self.assertIn('"api.access_record_failed","status":"RESOURCE_EXHAUSTED"',
                      self.relay.log_text())
        status, body = get_messages()
        self.assertEqual(status, 200, body)
        self.assertIn(CANARY_SUBJECT, body)


class FullDiskAtStartTest(FullDiskTestCase):
    def test_commands_refuse_to_start_and_say_the_disk_is_full(self):
        self.relay.stop()
        with self.disk_full():
            for command in (["serve"], ["sweep"], ["messages"]):
                done = subprocess.run([MAILRELAY_BIN] + command +
                                      ["--config", self.relay.config_path],
                                      capture_output=True, text=True, timeout=60)
                self.assertEqual(done.returncode, 74, (command, done.stderr))
                self.assertIn("disk full", done.stderr, command)


if __name__ == "__main__":
    unittest.main()
