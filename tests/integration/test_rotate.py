"""`mailrelay keys rotate` against a running `mailrelay serve`: mail keeps flowing and stays
readable while a region's records are re-encrypted; the page re-key waits (exit 75) until serve
is stopped, then finishes; serve restarts on the re-keyed file; keys.rotate audit entries."""
import concurrent.futures
import json
import os
import smtplib
import subprocess
import unittest

from harness import MAILRELAY_BIN, Endpoint, Relay, wait_for_port

SENDER = "zq-rotate-sender@canary-rotate.test"


def run(*args):
    return subprocess.run([MAILRELAY_BIN] + list(args), capture_output=True, text=True,
                          timeout=120)


class RotateTest(unittest.TestCase):
    def setUp(self):
        self.endpoint = Endpoint()
        self.relay = Relay(self.endpoint)
        self.config = self.relay.config_path
        self.serve = None

    def tearDown(self):
        if self.serve is not None and self.serve.poll() is None:
            self.serve.terminate()
            self.serve.wait(timeout=45)
        self.relay.stop()
        self.relay.cleanup()
        self.endpoint.close()

    def send(self, port, first, count):
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
            for i in range(first, first + count):
                s.sendmail(SENDER, ["rot%d@ok2.test" % i],
                           "From: %s\r\nTo: rot%d@ok2.test\r\nSubject: rotate %d\r\n\r\nbody\r\n"
                           % (SENDER, i, i))

    def mine(self):
        out = run("messages", "--config", self.config, "--route", "ok2", "--limit", "1000")
        self.assertEqual(out.returncode, 0, out.stderr)
        return {r["recipient"]: r for r in json.loads(out.stdout)["messages"]
                if r["sender"] == SENDER}

    def rotate(self, *args):
        out = run("keys", "rotate", "--region", "us", "--config", self.config, *args)
        summary = json.loads(out.stdout) if out.stdout.strip() else None
        return out.returncode, summary, out.stderr

    def test_rotation_beside_a_running_serve_then_the_rekey_once_it_stops(self):
        port = self.relay.smtp_port
        self.send(port, 0, 60)
        # Mail keeps arriving while the records are re-encrypted in small batches.
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            during = [pool.submit(self.send, port, 1000 + 100 * t, 20) for t in range(2)]
            code, summary, err = self.rotate("--batch-size", "7")
            for f in during:
                f.result()
        self.assertEqual(code, 75, err)
        self.assertIn("stop serve", err.lower())
        self.assertEqual(summary["field_key"], {"from": 1, "to": 2})
        self.assertEqual(summary["blind_index_key"], {"from": 1, "to": 2})
        self.assertTrue(summary["old_versions_destroyed"])
        self.assertEqual(summary["rekey"], "busy")
        self.assertGreaterEqual(summary["records"], 60)
        self.assertGreaterEqual(summary["batches"], 9)
        self.assertNotIn("rot", json.dumps(summary))  # counts only, never addresses

        self.send(port, 2000, 5)  # serve writes under the new version
        mine = self.mine()
        self.assertEqual(len(mine), 60 + 40 + 5)
        self.assertEqual(mine["rot1005@ok2.test"]["subject"], "rotate 1005")
        self.assertEqual(mine["rot3@ok2.test"]["subject"], "rotate 3")

        # With serve stopped, the same command finishes: the file gets the next page key.
        self.relay.stop()
        code, summary, err = self.rotate()
        self.assertEqual(code, 0, err)
        self.assertTrue(summary["resumed"])
        self.assertEqual(summary["records"], 0)
        self.assertEqual(summary["rekey"], "done")
        self.assertEqual(summary["page_key"], {"from": 1, "to": 2})
        keycheck = os.path.join(self.relay.dir, "var", "vault-us.db.keycheck")
        with open(keycheck) as f:
            self.assertEqual(f.read().split()[-1], "2")

        # serve starts on the re-keyed file and everything reads back.
        log = open(os.path.join(self.relay.dir, "stderr2.log"), "wb")
        self.serve = subprocess.Popen([MAILRELAY_BIN, "serve", "--config", self.config],
                                      stdout=subprocess.DEVNULL, stderr=log)
        self.assertTrue(wait_for_port(port), "serve did not restart")
        self.send(port, 3000, 3)
        mine = self.mine()
        self.assertEqual(len(mine), 60 + 40 + 5 + 3)
        self.assertEqual(mine["rot3001@ok2.test"]["subject"], "rotate 3001")

        audit = json.loads(run("audit", "log", "--limit", "10000", "--config",
                               self.config).stdout)["entries"]
        rotations = [e for e in audit if e["action"] == "keys.rotate"]
        self.assertEqual(len(rotations), 2)
        self.assertEqual([e["details"]["rekey"] for e in rotations], ["busy", "done"])

    def test_bad_arguments_exit_64(self):
        self.assertEqual(run("keys", "rotate", "--help").returncode, 0)
        self.assertEqual(run("keys", "rotate", "--config", self.config).returncode, 64)
        self.assertEqual(run("keys", "rotate", "--region", "mars", "--config",
                             self.config).returncode, 64)
        self.assertEqual(run("keys", "rotate", "--region", "us", "--skip-rekey", "--rekey-only",
                             "--config", self.config).returncode, 64)


if __name__ == "__main__":
    unittest.main()
