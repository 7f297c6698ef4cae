"""The canary test: a record relayed through a real `mailrelay serve`, then swept, leaves none of
its sealed bytes (nor its blind-index prefixes) in any decrypted page of vault-<region>.db (free pages included) or any frame
of its WAL — nor, in an expiry partition, in the partition's file. forensics.py decrypts the files independently of mailrelay; as a control, the same
bytes are found before the sweep."""
import os
import smtplib
import subprocess
import unittest

import forensics
from harness import MAILRELAY_BIN, Endpoint, Relay

SENDER = "zq-forensic-sender@canary-forensics.test"
RCPT = "zq-forensic-rcpt@ok2.test"
SUBJECT = "ZqForensicCanarySubject-7f3a"


class CanaryRelay:
    """A relay with the canary's route, and the two commands the tests run against it."""
    extra_config = None

    def setUp(self):
        self.endpoint = Endpoint()
        self.addCleanup(self.endpoint.close)
        self.relay = Relay(self.endpoint, extra_config=self.extra_config)
        self.addCleanup(self.relay.cleanup)
        self.addCleanup(self.relay.stop)
        self.data_dir = os.path.join(self.relay.dir, "var")
        with open(os.path.join(self.data_dir, "master.key")) as f:
            self.key = f.read().strip()

    def send(self):
        with smtplib.SMTP("127.0.0.1", self.relay.smtp_port, timeout=15) as s:
            s.sendmail(SENDER, [RCPT], "From: %s\r\nTo: %s\r\nSubject: %s\r\n\r\nbody\r\n"
                       % (SENDER, RCPT, SUBJECT))

    def sweep(self):
        out = subprocess.run([MAILRELAY_BIN, "sweep", "--config", self.relay.config_path,
                              "--now", "2100-01-01T00:00:00Z"],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)


class ForensicSweepTest(CanaryRelay, unittest.TestCase):
    def canary_row(self):
        listed = [m for m in self.relay.messages("--route", "ok2")["messages"]
                  if m["subject"] == SUBJECT]
        self.assertEqual(len(listed), 1)
        rows = [r for r in forensics.read_records(self.data_dir, "us", self.key)
                if r["id"] == listed[0]["id"]]
        self.assertEqual(len(rows), 1, "the canary row is not in the decrypted b-tree")
        return rows[0]

    def test_a_swept_record_leaves_no_sealed_bytes_in_any_page_or_wal_frame(self):
        self.send()
        row = self.canary_row()
        sealed = forensics.sealed_values(row)
        self.assertEqual(len(sealed), 6, "all six sealed columns")
        # Its blind-index prefixes too: in the row, and in the index tail (docs/vault.md).
        for column in ("sender_index", "recipient_index"):
            self.assertEqual(len(row[column]), 8, column)
        sealed += [row["sender_index"], row["recipient_index"]]
        for blob in sealed[:6]:
            self.assertEqual(blob[0], 1, "sealed layout version byte")
        # Control: the tool decrypts (HMACs verify) and finds each sealed value before.
        stats = forensics.page_stats(self.data_dir, "us", self.key)
        self.assertGreater(stats["db_hmac_ok"] + stats["wal_hmac_ok"], 0, stats)
        for blob in sealed:
            self.assertTrue(forensics.find(self.data_dir, "us", self.key, [blob]),
                            "control: sealed bytes not found before the sweep")

        self.sweep()
        hits = forensics.find(self.data_dir, "us", self.key, sealed)
        self.assertEqual(hits, [], "sealed bytes survive the sweep")
        # Still none once serve has stopped (its connections close and checkpoint).
        self.relay.stop()
        self.assertEqual(forensics.find(self.data_dir, "us", self.key, sealed), [])
        stats = forensics.page_stats(self.data_dir, "us", self.key)
        self.assertGreater(stats["db_hmac_ok"], 0, stats)

    def test_a_record_checkpointed_into_the_database_file_is_gone_after_the_sweep(self):
        self.send()
        sealed = forensics.sealed_values(self.canary_row())
        self.assertEqual(len(sealed), 6)
        # serve's last connection checkpoints the WAL into vault-us.db when it stops.
        self.relay.stop()
        db, _ = forensics.region_paths(self.data_dir, "us")
        hits = forensics.find(self.data_dir, "us", self.key, sealed)
        self.assertTrue(any(f == db for f, _ in hits), "control: not in the database file")
        self.sweep()
        self.assertEqual(forensics.find(self.data_dir, "us", self.key, sealed), [])
        # The sweep deleted cells in place (secure_delete) and vacuumed the free pages; the
        # file still decrypts page by page.
        stats = forensics.page_stats(self.data_dir, "us", self.key)
        self.assertEqual(stats["db_hmac_ok"], stats["db_pages"], stats)


class ForensicPartitionTest(CanaryRelay, unittest.TestCase):
    """The same canary in an expiry partition (retention.partition_days = 1): `mailrelay sweep`
    beside serve deletes it row by row inside the partition file (serve holds it), and a later
    sweep with serve stopped removes the file whole."""
    extra_config = {"retention": {"partition_days": 1}}

    def partition(self):
        names = [n for n in os.listdir(os.path.join(self.data_dir, "vault-us.d"))
                 if n.endswith(".db")]
        self.assertEqual(len(names), 1, names)
        return "us/" + names[0][:-len(".db")]

    def canary_row(self):
        listed = [m for m in self.relay.messages("--route", "ok2")["messages"]
                  if m["subject"] == SUBJECT]
        self.assertEqual(len(listed), 1)
        self.assertEqual([r for r in forensics.read_records(self.data_dir, "us", self.key)
                          if r["id"] == listed[0]["id"]], [], "the canary is in vault-us.db")
        rows = [r for r in forensics.read_records(self.data_dir, self.partition(), self.key)
                if r["id"] == listed[0]["id"]]
        self.assertEqual(len(rows), 1, "the canary row is not in the partition's b-tree")
        return rows[0]

    def test_a_swept_record_leaves_no_sealed_bytes_in_its_partition(self):
        self.send()
        partition = self.partition()
        sealed = forensics.sealed_values(self.canary_row())
        self.assertEqual(len(sealed), 6)
        for blob in sealed:
            self.assertTrue(forensics.find(self.data_dir, partition, self.key, [blob]),
                            "control: sealed bytes not found in the partition before the sweep")
        self.sweep()  # serve holds the file: row by row
        self.assertEqual(forensics.find(self.data_dir, partition, self.key, sealed), [])
        self.relay.stop()
        self.assertEqual(forensics.find(self.data_dir, partition, self.key, sealed), [])
        db, wal = forensics.region_paths(self.data_dir, partition)
        self.sweep()  # now the file goes whole
        self.assertFalse(os.path.exists(db))
        self.assertFalse(os.path.exists(wal))


if __name__ == "__main__":
    unittest.main()
