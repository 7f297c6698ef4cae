"""`mailrelay policy check` through the real binary: the shipped policy passes with a JSON
summary (files and their SHA-256, regions, max lifetimes); a broken copy of each policy file
(schema violation, retention beyond a DPA limit, region not allowed, sub-processor in an unknown
region) is refused with exit 78 naming the file, the JSON pointer and the limit — and `serve`
refuses to start with the same files. The vault's regions are regions.json's: a region added
there gets its own vault file, the config may name only listed regions, and a vault file of a
region no longer listed is refused."""
import hashlib
import json
import os
import shutil
import smtplib
import subprocess
import tempfile
import unittest

from harness import MAILRELAY_BIN, Endpoint, free_port, wait_for_port

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
POLICY_FILES = ["regions.json", "retention.json", "subprocessors.json", "dpa.json"]


def run(*args, timeout=60):
    return subprocess.run([MAILRELAY_BIN] + list(args), capture_output=True, text=True,
                          timeout=timeout)


class PolicyCheckTest(unittest.TestCase):
    def setUp(self):
        if not MAILRELAY_BIN or not os.access(MAILRELAY_BIN, os.X_OK):
            raise unittest.SkipTest("MAILRELAY_BIN not set")
        self.dir = tempfile.mkdtemp(prefix="mailrelay-it-policy-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.policy = os.path.join(self.dir, "policy")
        os.mkdir(self.policy)
        for name in POLICY_FILES:
            shutil.copy(os.path.join(ROOT, "policy", name), self.policy)
        self.config = os.path.join(self.dir, "config.json")
        with open(self.config, "w") as f:
            json.dump({"data_dir": os.path.join(self.dir, "var"),
                       "smtp": {"listen": "127.0.0.1:%d" % free_port(),
                                "hostname": "mx.test.invalid"},
                       "api": {"listen": "127.0.0.1:%d" % free_port()},
                       "routes": [{"id": "r", "match": ["*@x.test"],
                                   "target": "http://127.0.0.1:9/"}]}, f)

    def edit(self, name, change):
        path = os.path.join(self.policy, name)
        with open(path) as f:
            doc = json.load(f)
        change(doc)
        with open(path, "w") as f:
            json.dump(doc, f)
        return path

    def check(self, *extra):
        return run("policy", "check", "--config", self.config, *extra)

    def assert_refused(self, path, pointer, limit):
        for out in [self.check(), run("serve", "--config", self.config, timeout=30)]:
            self.assertEqual(out.returncode, 78, out.stderr)
            self.assertIn(path + ": at " + pointer, out.stderr)
            self.assertIn(limit, out.stderr)
            self.assertEqual(out.stdout.strip() if out.args[1] == "policy" else "", "")

    def test_the_shipped_policy_passes_with_a_summary(self):
        out = self.check()
        self.assertEqual(out.returncode, 0, out.stderr)
        summary = json.loads(out.stdout)
        self.assertTrue(summary["ok"])
        self.assertEqual(summary["regions"], ["us", "eu", "ap"])
        self.assertEqual(summary["max_lifetimes_days"]["record"], 30)
        self.assertEqual([f["name"] for f in summary["files"]], POLICY_FILES)
        for f in summary["files"]:
            self.assertEqual(f["source"], os.path.join(self.policy, f["name"]))
            with open(f["source"], "rb") as data:
                self.assertEqual(f["sha256"], hashlib.sha256(data.read()).hexdigest())
        with open(self.config, "rb") as data:
            self.assertEqual(summary["config_sha256"], hashlib.sha256(data.read()).hexdigest())
        self.assertEqual(summary["retention"]["eu"]["fields"]["subject"], 14)

    def test_policy_dir_option_and_built_in_fallback(self):
        empty = os.path.join(self.dir, "empty")
        os.mkdir(empty)
        out = self.check("--policy-dir", empty)
        self.assertEqual(out.returncode, 0, out.stderr)
        summary = json.loads(out.stdout)
        self.assertTrue(all(f["builtin"] for f in summary["files"]))
        self.assertEqual(summary["files"][0]["source"], "<built-in policy/regions.json>")

    def test_a_schema_violation_is_refused(self):
        path = self.edit("subprocessors.json",
                         lambda d: d["subprocessors"][0].update({"locations": "us"}))
        self.assert_refused(path, "/subprocessors/0/locations", "'type' constraint")

    def test_a_retention_beyond_the_dpa_is_refused(self):
        path = self.edit("retention.json",
                         lambda d: d["regions"]["us"].update({"record_days": 60}))
        self.assert_refused(path, "/regions/us/record_days", "limit of 30 days")
        self.assertIn("/max_lifetimes_days/record", self.check().stderr)

    def test_a_region_the_dpa_does_not_allow_is_refused(self):
        path = self.edit("regions.json", lambda d: d["regions"].append(
            {"id": "cn", "name": "China", "location": "Beijing"}))
        self.assert_refused(path, "/regions/3/id", "/allowed_regions")
        self.assertIn("\"cn\" is not allowed by the DPA", self.check().stderr)

    def test_a_subprocessor_in_an_unknown_region_is_refused(self):
        path = self.edit("subprocessors.json",
                         lambda d: d["subprocessors"][1]["locations"].append("sa"))
        self.assert_refused(path, "/subprocessors/1/locations/2",
                            os.path.join(self.policy, "regions.json") + " /regions")

    def drop_region_ap(self):
        path = self.edit("regions.json", lambda d: d["regions"].pop())  # ap
        self.edit("retention.json", lambda d: d["regions"].pop("ap"))
        self.edit("subprocessors.json", lambda d: d["subprocessors"][0]["locations"].remove("ap"))
        return path

    def set_route_region(self, region):
        with open(self.config) as f:
            config = json.load(f)
        config["routes"][0]["region"] = region
        with open(self.config, "w") as f:
            json.dump(config, f)

    def test_the_vault_has_the_regions_regions_json_lists(self):
        self.drop_region_ap()
        out = self.check()
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(json.loads(out.stdout)["regions"], ["us", "eu"])
        init = run("keys", "init", "--config", self.config)
        self.assertEqual(init.returncode, 0, init.stderr)
        var = os.path.join(self.dir, "var")
        self.assertTrue(os.path.exists(os.path.join(var, "vault-eu.db")))
        self.assertFalse(os.path.exists(os.path.join(var, "vault-ap.db")))

    def test_a_config_region_missing_from_regions_json_is_refused(self):
        regions = self.drop_region_ap()
        self.set_route_region("ap")
        for out in [self.check(), run("serve", "--config", self.config, timeout=30),
                    run("keys", "init", "--config", self.config)]:
            self.assertEqual(out.returncode, 78, out.stderr)
            self.assertIn(self.config + ": at /routes/0/region: region \"ap\" is not listed in " +
                          regions + " (listed: us, eu)", out.stderr)

    def test_a_vault_file_of_a_region_no_longer_listed_is_refused(self):
        init = run("keys", "init", "--config", self.config)
        self.assertEqual(init.returncode, 0, init.stderr)
        self.drop_region_ap()
        orphan = os.path.join(self.dir, "var", "vault-ap.db")
        for out in [run("serve", "--config", self.config, timeout=30),
                    run("messages", "--config", self.config)]:
            self.assertEqual(out.returncode, 78, out.stderr)
            self.assertIn("vault file " + orphan + " holds region \"ap\"", out.stderr)
            self.assertIn("would never be swept or erased", out.stderr)

    def test_a_region_added_to_the_policy_gets_its_own_vault_file(self):
        def add_ca(doc):
            doc["regions"].append({"id": "ca", "name": "Canada",
                                   "location": "AWS ca-central-1 (Montreal, Canada)"})
        self.edit("regions.json", add_ca)
        self.edit("dpa.json", lambda d: d["allowed_regions"].append("ca"))
        endpoint = Endpoint()
        self.addCleanup(endpoint.close)
        with open(self.config) as f:
            config = json.load(f)
        config["routes"][0].update({"target": endpoint.url("/ok"), "region": "ca"})
        smtp_port = int(config["smtp"]["listen"].rsplit(":", 1)[1])
        with open(self.config, "w") as f:
            json.dump(config, f)
        init = run("keys", "init", "--config", self.config)
        self.assertEqual(init.returncode, 0, init.stderr)
        self.assertIn("vault-ca.db", init.stderr)
        log = open(os.path.join(self.dir, "serve.log"), "w+")
        self.addCleanup(log.close)
        serve = subprocess.Popen([MAILRELAY_BIN, "serve", "--config", self.config],
                                 stdout=subprocess.DEVNULL, stderr=log)
        self.addCleanup(serve.wait)
        self.addCleanup(serve.terminate)
        if not wait_for_port(smtp_port):
            log.seek(0)
            self.fail("serve did not start: " + log.read())
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as s:
            s.sendmail("someone@sender.example", ["anyone@x.test"], "Subject: hi\r\n\r\nbody\r\n")
        listed = run("messages", "--config", self.config)
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertEqual([m["region"] for m in json.loads(listed.stdout)["messages"]], ["ca"])

    def test_broken_json_is_refused(self):
        with open(os.path.join(self.policy, "dpa.json"), "w") as f:
            f.write("{\"max_lifetimes_days\": ")
        out = self.check()
        self.assertEqual(out.returncode, 78)
        self.assertIn(os.path.join(self.policy, "dpa.json") + ": not valid JSON", out.stderr)

    def test_an_invalid_config_is_refused(self):
        with open(self.config, "w") as f:
            json.dump({"routes": "none"}, f)
        out = self.check()
        self.assertEqual(out.returncode, 78)
        self.assertIn("/routes", out.stderr)

    def test_usage(self):
        self.assertEqual(run("policy").returncode, 64)
        self.assertEqual(run("policy", "frobnicate").returncode, 64)
        self.assertEqual(run("policy", "check", "--help").returncode, 0)


if __name__ == "__main__":
    unittest.main()
