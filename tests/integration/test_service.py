"""The service as an operator sees it: quickstart, config errors, logs, shutdown."""
import json
import os
import signal
import smtplib
import subprocess
import tempfile
import time
import unittest
import urllib.request

from harness import MAILRELAY_BIN, Endpoint, Relay, SmtpClient, free_port, port_free, wait_for_port


def need_binary(test):
    if not MAILRELAY_BIN:
        raise unittest.SkipTest("MAILRELAY_BIN not set")


class ConfigErrorTest(unittest.TestCase):
    def run_with(self, text):
        need_binary(self)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "bad.json")
            with open(path, "w") as f:
                f.write(text)
            out = subprocess.run([MAILRELAY_BIN, "serve", "--config", path], capture_output=True,
                                 text=True, timeout=20)
            return out, path

    def test_schema_violation_exits_78_naming_file_pointer_and_problem(self):
        out, path = self.run_with(json.dumps(
            {"routes": [{"id": "a", "match": ["*@x.test"], "target": "ftp://nope"}]}))
        self.assertEqual(out.returncode, 78)
        self.assertIn(path, out.stderr)
        self.assertIn("/routes/0/target", out.stderr)

    def test_unknown_key_is_named(self):
        out, _ = self.run_with(json.dumps({"smtp": {"listen": "127.0.0.1:1", "lisen": 1}}))
        self.assertEqual(out.returncode, 78)
        self.assertIn("/smtp", out.stderr)
        self.assertIn("lisen", out.stderr)

    def test_broken_json_names_line_and_column(self):
        out, path = self.run_with('{\n  "data_dir": "x",\n  oops\n}')
        self.assertEqual(out.returncode, 78)
        self.assertIn("line 3", out.stderr)

    def test_duplicate_route_ids_are_refused(self):
        r = {"id": "a", "match": ["*@x.test"], "target": "http://127.0.0.1:1/"}
        out, _ = self.run_with(json.dumps({"routes": [r, r]}))
        self.assertEqual(out.returncode, 78)
        self.assertIn("/routes/1/id", out.stderr)

    def test_missing_config_file_exits_78(self):
        need_binary(self)
        out = subprocess.run([MAILRELAY_BIN, "serve", "--config", "/nonexistent/c.json"],
                             capture_output=True, text=True, timeout=20)
        self.assertEqual(out.returncode, 78)
        self.assertIn("/nonexistent/c.json", out.stderr)

    def test_port_in_use_exits_69(self):
        need_binary(self)
        endpoint = Endpoint()
        first = Relay(endpoint)
        try:
            with tempfile.TemporaryDirectory() as d:
                path = os.path.join(d, "c.json")
                with open(path, "w") as f:
                    json.dump({"data_dir": os.path.join(first.dir, "var"),
                               "smtp": {"listen": "127.0.0.1:%d" % first.smtp_port},
                               "api": {"listen": "127.0.0.1:%d" % free_port()}}, f)
                out = subprocess.run([MAILRELAY_BIN, "serve", "--config", path],
                                     capture_output=True, text=True, timeout=20)
            self.assertEqual(out.returncode, 69)
            self.assertIn("cannot listen for SMTP", out.stderr)
        finally:
            first.stop()
            first.cleanup()
            endpoint.close()


class PrivacyAndShutdownTest(unittest.TestCase):
    def test_logs_carry_no_address_subject_ip_or_body(self):
        need_binary(self)
        endpoint = Endpoint()
        relay = Relay(endpoint)
        try:
            msg = ("From: secret.sender@private.test\r\nTo: secret.rcpt@ok.test\r\n"
                   "Subject: TopSecretSubjectLine\r\n\r\nBodyCanary123\r\n")
            with smtplib.SMTP("127.0.0.1", relay.smtp_port, timeout=15) as s:
                s.sendmail("secret.sender@private.test", ["secret.rcpt@ok.test"], msg)
                try:
                    s.sendmail("secret.sender@private.test", ["x@reject.test"], msg)
                except smtplib.SMTPDataError:
                    pass
        finally:
            relay.stop()
        log = relay.log_text()
        relay.cleanup()
        endpoint.close()
        self.assertIn('"event":"relay.delivery"', log)
        for canary in ["secret.sender", "private.test", "secret.rcpt", "ok.test",
                       "TopSecretSubjectLine", "BodyCanary123", "127.0.0.1", "reject.test"]:
            for line in log.splitlines():
                if line.startswith("{"):
                    self.assertNotIn(canary, line)
                    json.loads(line)  # every log line is JSON

    def own_relay(self):
        """A relay of this test's own (the signal tests stop it), stopped and removed after."""
        need_binary(self)
        endpoint = Endpoint()
        self.addCleanup(endpoint.close)
        relay = Relay(endpoint)
        self.addCleanup(relay.cleanup)
        self.addCleanup(relay.stop)
        return endpoint, relay

    def test_sigterm_sends_421_to_idle_sessions_and_exits_0(self):
        _, relay = self.own_relay()
        c = SmtpClient(relay.smtp_port)
        self.assertEqual(c.code(), 220)
        c.send(b"EHLO c.test\r\n")
        c.read_reply()
        relay.proc.send_signal(signal.SIGTERM)
        self.assertEqual(c.code(), 421)
        self.assertEqual(relay.proc.wait(timeout=20), 0)
        c.close()

    def test_sighup_is_logged_and_changes_nothing(self):
        _, relay = self.own_relay()
        c = SmtpClient(relay.smtp_port)
        self.assertEqual(c.code(), 220)
        relay.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while "service.sighup_ignored" not in relay.log_text() and time.time() < deadline:
            time.sleep(0.05)
        self.assertIn('"event":"service.sighup_ignored"', relay.log_text())
        self.assertIsNone(relay.proc.poll())
        c.send(b"EHLO c.test\r\n")  # the open session goes on
        self.assertEqual(c.code(), 250)
        c.close()
        self.assertEqual(relay.stop(), 0)

    def test_sigterm_lets_a_session_in_data_finish(self):
        endpoint, relay = self.own_relay()
        c = SmtpClient(relay.smtp_port)
        c.code()
        c.send(b"EHLO c.test\r\nMAIL FROM:<a@s.test>\r\nRCPT TO:<b@ok.test>\r\nDATA\r\n")
        codes = [c.code() for _ in range(4)]
        self.assertEqual(codes[-1], 354)
        relay.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        c.send(b"Subject: late\r\n\r\nstill here\r\n.\r\n")
        self.assertEqual(c.code(), 250)
        self.assertEqual(c.code(), 421)  # then the session is closed
        self.assertEqual(relay.proc.wait(timeout=20), 0)
        self.assertEqual(len(endpoint.posts("/ok")), 1)


class QuickstartTest(unittest.TestCase):
    def test_quickstart_delivers_to_the_dev_sink_and_prints_it(self):
        need_binary(self)
        if not (port_free(2525) and port_free(8025)):
            self.skipTest("quickstart ports 2525/8025 are in use on this machine")
        with tempfile.TemporaryDirectory() as d:
            out_path = os.path.join(d, "out.txt")
            err_path = os.path.join(d, "err.txt")
            with open(out_path, "wb") as out, open(err_path, "wb") as err:
                proc = subprocess.Popen([MAILRELAY_BIN, "serve"], cwd=d, stdout=out, stderr=err)
                try:
                    self.assertTrue(wait_for_port(2525))
                    health = urllib.request.urlopen("http://127.0.0.1:8025/healthz", timeout=5)
                    self.assertEqual(json.loads(health.read()), {"status": "ok"})
                    with smtplib.SMTP("127.0.0.1", 2525, timeout=15) as s:
                        s.sendmail("me@sender.test", ["you@example.test"],
                                   "Subject: quickstart hello\r\n\r\nhi\r\n")
                    time.sleep(0.3)
                finally:
                    proc.send_signal(signal.SIGINT)
                    self.assertEqual(proc.wait(timeout=20), 0)
            printed = open(out_path, encoding="utf-8").read()
            banner = open(err_path, encoding="utf-8").read()
        self.assertIn("dev sink: delivery", printed)
        self.assertIn("quickstart hello", printed)
        self.assertIn("127.0.0.1:2525", banner)
        self.assertIn("*@example.test", banner)


if __name__ == "__main__":
    unittest.main()
