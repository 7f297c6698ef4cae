"""Expiry partitions through a real `mailrelay serve` (retention.partition_days = 1): records
expire at the UTC midnight before their 30 days are up and land in the file of the day that
midnight ends, under vault-<region>.d/; nothing personal is in any byte of it; history and
export read them; `mailrelay sweep --now` past the day deletes them row by row while serve holds
the file, and removes the file whole once serve has closed it or stopped."""
import datetime
import http.client
import json
import os
import smtplib
import unittest

from harness import Endpoint, Relay, wait_for_log
from test_sweep import iso, run

DAY_MS = 86_400_000
SENDER = "zq-part-sender@canary-partition.test"
SUBJECT = "ZqPartitionSubjectCanary"


def day_file(expires_at_ms):
    """The partition holding an expiry: the day by whose end (midnight included) it falls."""
    day = datetime.datetime.fromtimestamp((expires_at_ms - 1) / 1000, datetime.timezone.utc)
    return day.strftime("%Y-%m-%d") + "+1.db"


class PartitionTest(unittest.TestCase):
    def setUp(self):
        self.endpoint = Endpoint()
        self.addCleanup(self.endpoint.close)
        self.relay = Relay(self.endpoint, extra_config={"retention": {"partition_days": 1}})
        self.addCleanup(self.relay.cleanup)
        self.addCleanup(self.relay.stop)
        self.var = os.path.join(self.relay.dir, "var")

    def send(self, rcpt):
        with smtplib.SMTP("127.0.0.1", self.relay.smtp_port, timeout=15) as s:
            s.sendmail(SENDER, [rcpt], "From: %s\r\nTo: %s\r\nSubject: %s\r\n\r\nbody\r\n"
                       % (SENDER, rcpt, SUBJECT))

    def partitions(self, region):
        d = os.path.join(self.var, "vault-%s.d" % region)
        return sorted(n for n in os.listdir(d) if n.endswith(".db")) if os.path.isdir(d) else []

    def sweep(self, now_ms):
        return json.loads(run("sweep", "--config", self.relay.config_path, "--now",
                              iso(now_ms)).stdout)

    def test_records_expire_at_their_days_end_and_the_sweep_removes_the_file(self):
        self.send("a@ok2.test")
        self.send("b@ok2.test")
        self.send("c@eu.test")
        records = [r for r in self.relay.messages("--limit", "100")["messages"]
                   if r["sender"] == SENDER]
        self.assertEqual(len(records), 3)
        us = [r for r in records if r["region"] == "us"]
        expires = max(r["expires_at_ms"] for r in records)
        for r in records:
            # Rounded down to midnight UTC: between 29 and 30 days after receipt.
            self.assertEqual(r["expires_at_ms"] % DAY_MS, 0, r)
            lived = r["expires_at_ms"] - r["received_at_ms"]
            self.assertGreater(lived, 29 * DAY_MS, r)
            self.assertLessEqual(lived, 30 * DAY_MS, r)
        self.assertEqual(len({day_file(r["expires_at_ms"]) for r in records}), 1,
                         "the three records were received across midnight: run again")
        self.assertEqual(self.partitions("us"), [day_file(us[0]["expires_at_ms"])])
        self.assertEqual(self.partitions("eu"), [day_file(us[0]["expires_at_ms"])])
        self.assertEqual(self.partitions("ap"), [])

        # Nothing personal in any byte under the data directory, partitions included.
        for root, _, files in os.walk(self.var):
            for name in files:
                with open(os.path.join(root, name), "rb") as f:
                    data = f.read()
                for canary in (SENDER, SUBJECT, "canary-partition"):
                    self.assertNotIn(canary.encode(), data, os.path.join(root, name))

        export = json.loads(run("export", "--subject", SENDER, "--config",
                                self.relay.config_path).stdout)
        self.assertEqual(export["document"]["counts"]["records"], 3, export)

        # Serve holds the files: the records go row by row, the files stay.
        held = self.sweep(expires + DAY_MS)
        self.assertEqual(held["regions"]["us"]["records_deleted"], 2, held)
        self.assertEqual(held["regions"]["us"]["partitions_dropped"], 0, held)
        self.assertEqual(self.partitions("us"), [day_file(expires)])
        self.assertEqual([r for r in self.relay.messages("--limit", "100")["messages"]
                          if r["sender"] == SENDER], [])

        self.relay.stop()
        freed = self.sweep(expires + DAY_MS)
        self.assertEqual(freed["partitions_dropped"], 2, freed)
        self.assertEqual(freed["records_deleted"], 0, freed)
        self.assertEqual(self.partitions("us"), [])
        self.assertEqual(self.partitions("eu"), [])
        leftovers = os.listdir(os.path.join(self.var, "vault-us.d"))
        self.assertEqual(leftovers, [], "key checks, WALs or half-dropped files left behind")

    def test_a_sweep_beside_serve_removes_the_files_serve_has_closed(self):
        """serve opens a partition only while it uses it: after a restart its start-up sweep
        opens each to sweep its rows and closes it again, so `mailrelay sweep` beside serve
        removes an expired one whole, and serve goes on without it."""
        self.send("a@ok2.test")
        self.send("b@ok2.test")
        expires = max(m["expires_at_ms"] for m in self.relay.messages("--limit", "10")["messages"])
        self.relay.restart()
        self.assertTrue(wait_for_log(self.relay.stderr_path, '"event":"retention.swept"',
                                     self.relay.proc), self.relay.log_text())
        freed = self.sweep(expires)
        self.assertEqual(freed["regions"]["us"]["partitions_dropped"], 1, freed)
        self.assertEqual(freed["regions"]["us"]["records_deleted"], 2, freed)
        self.assertEqual(self.partitions("us"), [])
        # serve has forgotten the file: it reads without it, and a new record of that day
        # makes the file anew.
        self.send("c@ok2.test")
        self.assertEqual(self.partitions("us"), [day_file(expires)])
        token = json.loads(run("tokens", "create", "--role", "admin", "--name", "it",
                               "--config", self.relay.config_path).stdout)["token"]
        conn = http.client.HTTPConnection("127.0.0.1", self.relay.api_port, timeout=10)
        conn.request("GET", "/v1/messages?limit=10", headers={"Authorization": "Bearer " + token})
        resp = conn.getresponse()
        body = json.loads(resp.read())
        conn.close()
        self.assertEqual(resp.status, 200, body)
        self.assertEqual([m["recipient"] for m in body["messages"]], ["c@ok2.test"], body)
        self.assertEqual(self.relay.stop(), 0, self.relay.log_text())

    def test_key_rotation_reencrypts_and_re_keys_the_partitions(self):
        self.send("a@ok2.test")
        self.send("b@ok2.test")
        self.relay.stop()
        name = self.partitions("us")[0]
        keycheck = os.path.join(self.var, "vault-us.d", name + ".keycheck")
        with open(keycheck) as f:
            before = f.read()
        out = json.loads(run("keys", "rotate", "--region", "us", "--config",
                             self.relay.config_path).stdout)
        self.assertTrue(out["finished"], out)
        self.assertEqual(out["rekey"], "done", out)
        self.assertGreaterEqual(out["records"], 2, out)  # the start-up probe may add one
        with open(keycheck) as f:
            self.assertNotEqual(f.read(), before, "the partition kept its page key")
        records = [r for r in self.relay.messages("--limit", "100")["messages"]
                   if r["sender"] == SENDER]
        self.assertEqual(sorted(r["recipient"] for r in records), ["a@ok2.test", "b@ok2.test"])

if __name__ == "__main__":
    unittest.main()
