"""`mailrelay keys rotate-master` against real processes: refused (exit 75) while serve runs;
with serve stopped every file moves to the new master key; serve started with the new key
lists the old records, accepts the old API token, keeps the public keys, and the audit log
verifies; the old key no longer opens the vault (exit 78)."""
import http.client
import json
import os
import smtplib
import stat
import subprocess
import unittest

from harness import MAILRELAY_BIN, Endpoint, Relay, wait_for_port

SENDER = "zq-master-sender@canary-master.test"


def run(*args):
    return subprocess.run([MAILRELAY_BIN] + list(args), capture_output=True, text=True,
                          timeout=120)


class RotateMasterTest(unittest.TestCase):
    def setUp(self):
        self.endpoint = Endpoint()
        self.relay = Relay(self.endpoint)
        self.config = self.relay.config_path
        self.data = os.path.join(self.relay.dir, "var")
        self.serve = None
        self.serve_log = None

    def tearDown(self):
        if self.serve is not None and self.serve.poll() is None:
            self.serve.terminate()
            self.serve.wait(timeout=45)
        if self.serve_log is not None:
            self.serve_log.close()
        self.relay.stop()
        self.relay.cleanup()
        self.endpoint.close()

    def send(self, first, count):
        with smtplib.SMTP("127.0.0.1", self.relay.smtp_port, timeout=30) as s:
            for i in range(first, first + count):
                s.sendmail(SENDER, ["mk%d@ok2.test" % i],
                           "From: %s\r\nTo: mk%d@ok2.test\r\nSubject: master %d\r\n\r\nbody\r\n"
                           % (SENDER, i, i))

    def mine(self, config):
        out = run("messages", "--config", config, "--route", "ok2", "--limit", "1000")
        self.assertEqual(out.returncode, 0, out.stderr)
        return {r["recipient"]: r for r in json.loads(out.stdout)["messages"]
                if r["sender"] == SENDER}

    def api_status(self, path, token):
        conn = http.client.HTTPConnection("127.0.0.1", self.relay.api_port, timeout=10)
        conn.request("GET", path, headers={"Authorization": "Bearer " + token})
        resp = conn.getresponse()
        resp.read()
        conn.close()
        return resp.status

    def rotate(self, new_key):
        out = run("keys", "rotate-master", "--new-key-file", new_key, "--config", self.config)
        summary = json.loads(out.stdout) if out.stdout.strip() else None
        return out.returncode, summary, out.stderr

    def test_rotate_master_then_serve_with_the_new_key(self):
        self.send(0, 12)
        created = run("tokens", "create", "--role", "admin", "--name", "rm", "--config",
                      self.config)
        self.assertEqual(created.returncode, 0, created.stderr)
        token = json.loads(created.stdout)["token"]
        self.assertEqual(self.api_status("/v1/messages", token), 200)
        public_before = json.loads(run("keys", "public", "--config", self.config).stdout)

        new_key = os.path.join(self.relay.dir, "new.key")
        made = run("keys", "new-master", "--out", new_key)
        self.assertEqual(made.returncode, 0, made.stderr)
        self.assertEqual(stat.S_IMODE(os.stat(new_key).st_mode), 0o600)
        self.assertEqual(run("keys", "new-master", "--out", new_key).returncode, 73)

        # The same key: a usage error, nothing done.
        old_key = os.path.join(self.data, "master.key")
        code, _, err = self.rotate(old_key)
        self.assertEqual(code, 64, err)

        # serve holds the files: refused before anything changes.
        code, summary, err = self.rotate(new_key)
        self.assertEqual(code, 75, err)
        self.assertIn("stop serve", err)
        self.assertIsNone(summary)
        self.send(100, 2)
        self.assertEqual(len(self.mine(self.config)), 14)  # still the old key's vault

        self.relay.stop()
        code, summary, err = self.rotate(new_key)
        self.assertEqual(code, 0, err)
        names = sorted(f["file"] for f in summary["files"])
        self.assertEqual(names, ["audit.db", "control.db", "vault-ap.db", "vault-eu.db",
                                 "vault-us.db"])
        self.assertEqual(summary["files_rekeyed"], 5)
        self.assertEqual(summary["files_already_done"], 0)
        self.assertGreaterEqual(summary["keys_rewrapped"], 10)
        self.assertIn("vault-us.db: re-keyed", err)
        with open(new_key) as f:
            self.assertNotIn(f.read().strip(), err + json.dumps(summary))
        # Resumable and idempotent: a second run finds every file done.
        code, again, err = self.rotate(new_key)
        self.assertEqual(code, 0, err)
        self.assertEqual(again["files_rekeyed"], 0)
        self.assertEqual(again["files_already_done"], 5)

        # The old key opens nothing any more: serve and the CLI say so (78).
        old = run("messages", "--config", self.config)
        self.assertEqual(old.returncode, 78, old.stderr)
        self.assertIn("wrong master key", old.stderr)
        old_serve = subprocess.run([MAILRELAY_BIN, "serve", "--config", self.config],
                                   capture_output=True, text=True, timeout=60)
        self.assertEqual(old_serve.returncode, 78, old_serve.stderr)
        self.assertIn("wrong master key", old_serve.stderr)

        # serve with the new key: everything written before is there.
        with open(self.config) as f:
            config = json.load(f)
        config["master_key_file"] = new_key
        new_config = os.path.join(self.relay.dir, "config-new.json")
        with open(new_config, "w") as f:
            json.dump(config, f)
        self.serve_log = open(os.path.join(self.relay.dir, "stderr2.log"), "wb")
        self.serve = subprocess.Popen([MAILRELAY_BIN, "serve", "--config", new_config],
                                      stdout=subprocess.DEVNULL, stderr=self.serve_log)
        self.assertTrue(wait_for_port(self.relay.smtp_port), "serve did not start")
        self.send(200, 3)
        mine = self.mine(new_config)
        self.assertEqual(len(mine), 12 + 2 + 3)
        self.assertEqual(mine["mk5@ok2.test"]["subject"], "master 5")
        self.assertEqual(mine["mk201@ok2.test"]["subject"], "master 201")
        self.assertEqual(self.api_status("/v1/messages", token), 200)
        self.assertEqual(json.loads(run("keys", "public", "--config", new_config).stdout),
                         public_before)
        verify = run("audit", "verify", "--config", new_config)
        self.assertEqual(verify.returncode, 0, verify.stderr)
        self.assertTrue(json.loads(verify.stdout)["ok"])
        audit = json.loads(run("audit", "log", "--limit", "10000", "--config",
                               new_config).stdout)["entries"]
        rotations = [e for e in audit if e["action"] == "keys.rotate-master"]
        self.assertEqual([e["details"]["files_rekeyed"] for e in rotations], [5, 0])
        self.assertEqual(rotations[0]["details"]["keys_rewrapped"], summary["keys_rewrapped"])

    def test_bad_arguments(self):
        self.assertEqual(run("keys", "rotate-master", "--help").returncode, 0)
        self.assertEqual(run("keys", "rotate-master", "--config", self.config).returncode, 64)
        missing = run("keys", "rotate-master", "--new-key-file",
                      os.path.join(self.relay.dir, "nope.key"), "--config", self.config)
        self.assertEqual(missing.returncode, 78)
        self.assertIn("keys new-master", missing.stderr)
        self.assertEqual(run("keys", "new-master").returncode, 64)


if __name__ == "__main__":
    unittest.main()
