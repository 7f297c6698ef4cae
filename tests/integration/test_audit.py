"""The signed audit log through a real `mailrelay`: entries written by keys init, serve and
messages; export verified by both auditor verifiers (audit/verify.py and the C++
mailrelay-audit-verify); tampering caught and named; kill -9 during appends loses nothing
acknowledged."""
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from harness import MAILRELAY_BIN, Endpoint, Relay

HERE = os.path.dirname(os.path.abspath(__file__))
PY_VERIFIER = os.path.join(HERE, "..", "..", "audit", "verify.py")
CPP_VERIFIER = os.environ.get("MAILRELAY_AUDIT_VERIFY", "")
PYTHON = "/usr/bin/python3"


def run(*args, check=True, env=None):
    out = subprocess.run([MAILRELAY_BIN] + list(args), capture_output=True, text=True,
                         timeout=60, env=env)
    if check and out.returncode != 0:
        raise AssertionError("mailrelay %s failed (%d): %s" % (" ".join(args), out.returncode,
                                                               out.stderr))
    return out


def verifiers():
    found = [("python", [PYTHON, PY_VERIFIER])]
    if CPP_VERIFIER and os.access(CPP_VERIFIER, os.X_OK):
        found.append(("c++", [CPP_VERIFIER]))
    return found


class AuditLogTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.endpoint = Endpoint()
        cls.relay = Relay(cls.endpoint)  # keys init + serve
        cls.config = cls.relay.config_path

    @classmethod
    def tearDownClass(cls):
        cls.relay.stop()
        cls.relay.cleanup()
        cls.endpoint.close()

    def entries(self):
        out = json.loads(run("audit", "log", "--limit", "10000", "--config", self.config).stdout)
        return out["entries"]

    def export(self):
        d = tempfile.mkdtemp(prefix="mailrelay-audit-export-")
        self.addCleanup(shutil.rmtree, d, True)
        run("audit", "export", "--out", d, "--config", self.config)
        return d

    def test_keys_init_and_service_start_are_entries_without_personal_data(self):
        entries = self.entries()
        actions = [e["action"] for e in entries]
        self.assertEqual(actions[0], "keys.init")
        self.assertIn("service.start", actions)
        start = entries[actions.index("service.start")]
        with open(self.config, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        self.assertEqual(start["details"]["config_sha256"], digest)
        self.assertEqual(start["actor"], "system")
        text = json.dumps(entries)
        with open(self.config) as f:
            cfg = f.read()
        self.assertNotIn("127.0.0.1", text)
        self.assertNotIn("ok.test", text)
        self.assertNotIn(self.relay.dir, text)
        for i, e in enumerate(entries):
            self.assertEqual(e["index"], i)
        self.assertNotIn(cfg, text)

    def test_messages_read_is_audited_with_actor_and_count(self):
        before = len(self.entries())
        run("messages", "--route", "ok", "--actor", "auditor-test", "--config", self.config)
        entries = self.entries()
        self.assertEqual(len(entries), before + 1)
        e = entries[-1]
        self.assertEqual(e["action"], "records.read")
        self.assertEqual(e["actor"], "cli:auditor-test")
        self.assertEqual(e["details"]["what"], "messages")
        self.assertIsInstance(e["details"]["records"], int)
        self.assertEqual(e["details"]["filters"], {"route": "ok"})
        env = dict(os.environ, USER="jdoe")
        run("messages", "--config", self.config, env=env)
        self.assertEqual(self.entries()[-1]["actor"], "cli:jdoe")

    def test_export_verifies_with_both_verifiers_and_the_server(self):
        run("messages", "--config", self.config)
        d = self.export()
        self.assertEqual(sorted(os.listdir(d)), ["checkpoint", "entries.jsonl", "log.vkey"])
        cp = json.loads(run("audit", "checkpoint", "--config", self.config).stdout)
        key = os.path.join(d, "..", os.path.basename(d) + ".vkey")
        with open(key, "w") as f:
            f.write(cp["vkey"] + "\n")
        self.addCleanup(os.unlink, key)
        for name, cmd in verifiers():
            out = subprocess.run(cmd + ["--key", key, d], capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, name + ": " + out.stdout + out.stderr)
            self.assertTrue(out.stdout.startswith("OK:"), name + ": " + out.stdout)
        self.assertIn("c++", [n for n, _ in verifiers()], "MAILRELAY_AUDIT_VERIFY not set")
        out = run("audit", "verify", d, "--key", key, "--config", self.config)
        self.assertTrue(json.loads(out.stdout)["ok"])
        self.assertTrue(json.loads(run("audit", "verify", "--config", self.config).stdout)["ok"])

    def test_tampered_exports_fail_in_both_verifiers_naming_the_entry(self):
        run("messages", "--config", self.config)
        run("messages", "--config", self.config)
        d = self.export()
        with open(os.path.join(d, "entries.jsonl"), "rb") as f:
            lines = f.read().split(b"\n")[:-1]
        self.assertGreaterEqual(len(lines), 4)

        def tampered(new_lines):
            t = tempfile.mkdtemp(prefix="mailrelay-audit-tamper-")
            self.addCleanup(shutil.rmtree, t, True)
            for f in ("checkpoint", "log.vkey"):
                shutil.copy(os.path.join(d, f), t)
            with open(os.path.join(t, "entries.jsonl"), "wb") as f:
                f.write(b"".join(l + b"\n" for l in new_lines))
            return t

        # Entry 2 removed: the verifiers name line 3 (index 3, expected 2).
        removed = tampered(lines[:2] + lines[3:])
        # Entry 1 rewritten in non-canonical form: named as line 2.
        spaced = tampered([lines[0], lines[1].replace(b",", b", ", 1)] + lines[2:])
        # Entry 1's count changed in canonical form: the root no longer matches.
        e1 = json.loads(lines[1])
        e1["details"]["tampered"] = 1
        changed = tampered([lines[0], json.dumps(e1, sort_keys=True, separators=(",", ":"),
                                                 ensure_ascii=False).encode()] + lines[2:])
        cases = [(removed, "entry-index-mismatch", "line 3"),
                 (spaced, "entry-not-canonical", "line 2"),
                 (changed, "checkpoint-root-mismatch", None)]
        for name, cmd in verifiers() + [("server", [MAILRELAY_BIN, "audit", "verify"])]:
            for t, code, where in cases:
                args = cmd + [t] + (["--config", self.config] if name == "server" else [])
                out = subprocess.run(args, capture_output=True, text=True)
                self.assertNotEqual(out.returncode, 0, name + " accepted " + code)
                report = out.stdout + out.stderr
                self.assertIn(code, report, name + ": " + report)
                if where:
                    fail_lines = [l for l in report.splitlines() if code in l]
                    self.assertTrue(any(where in l for l in fail_lines), name + ": " + report)

    def test_proofs_from_the_cli_verify(self):
        for _ in range(3):
            run("messages", "--config", self.config)
        size = len(self.entries())
        inc = json.loads(run("audit", "prove", "--index", "1", "--config", self.config).stdout)
        self.assertEqual(inc["size"], size)
        self.assertEqual(inc["index"], 1)
        self.assertIn("checkpoint", inc)
        con = json.loads(run("audit", "prove", "--consistency", "1", "--size", str(size),
                             "--config", self.config).stdout)
        self.assertEqual((con["size1"], con["size2"]), (1, size))
        bad = run("audit", "prove", "--index", str(size + 5), "--config", self.config,
                  check=False)
        self.assertEqual(bad.returncode, 64)
        self.assertEqual(run("audit", "--help", check=False).returncode, 0)


class AuditCrashTest(unittest.TestCase):
    """kill -9 appenders mid-flight: the log reopens valid with every acknowledged entry."""

    def test_kill_9_during_appends_loses_no_acknowledged_entry(self):
        if not MAILRELAY_BIN:
            raise unittest.SkipTest("MAILRELAY_BIN not set")
        d = tempfile.mkdtemp(prefix="mailrelay-audit-crash-")
        self.addCleanup(shutil.rmtree, d, True)
        config = os.path.join(d, "config.json")
        with open(config, "w") as f:
            json.dump({"data_dir": os.path.join(d, "var"),
                       "smtp": {"listen": "127.0.0.1:2"}, "api": {"listen": "127.0.0.1:3"},
                       "routes": []}, f)
        run("keys", "init", "--config", config)
        rng = random.Random(7)
        acknowledged, killed = set(), 0
        for round_ in range(4):
            procs = []
            for i in range(12):
                actor = "w%d-%d" % (round_, i)
                p = subprocess.Popen([MAILRELAY_BIN, "messages", "--actor", actor,
                                      "--config", config],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                procs.append((actor, p))
            time.sleep(rng.uniform(0.05, 0.3))
            for actor, p in procs[::2]:
                if p.poll() is None:
                    p.send_signal(signal.SIGKILL)
                    killed += 1
            for actor, p in procs:
                if p.wait(timeout=60) == 0:
                    acknowledged.add("cli:" + actor)
        out = run("audit", "verify", "--config", config)
        self.assertTrue(json.loads(out.stdout)["ok"], out.stdout)
        entries = json.loads(run("audit", "log", "--limit", "10000", "--config",
                                 config).stdout)["entries"]
        actors = {e["actor"] for e in entries}
        self.assertEqual(acknowledged - actors, set())
        self.assertGreater(len(acknowledged), 0)
        # The log still takes appends after the crashes, and exports verify.
        run("messages", "--actor", "after", "--config", config)
        exp = os.path.join(d, "export")
        run("audit", "export", "--out", exp, "--config", config)
        for name, cmd in verifiers():
            r = subprocess.run(cmd + [exp], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, name + ": " + r.stdout + r.stderr)
        print("kill -9: %d appenders killed, %d acknowledged, %d entries"
              % (killed, len(acknowledged), len(entries)))


if __name__ == "__main__":
    unittest.main()
