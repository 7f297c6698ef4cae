"""The law-enforcement request workflow against a real `mailrelay serve`, CLI and API: the
whole life cycle, every refused transition (which must change nothing), disclosures of only
the approved scope with their digest in the audit log, and the transparency report — from the
CLI, from the API, and recomputed by audit/report.py from an audit export."""
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time

from test_compliance import ROOT, ComplianceTestCase, canonical

REPORT_PY = os.path.join(ROOT, "audit", "report.py")
PERIOD = ("--from", "2020-01-01", "--to", "2100-01-01")


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms / 1000))


class LeaWorkflowTest(ComplianceTestCase):
    SUSPECT = "suspect@eu.test"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        t = ComplianceTestCase("run")
        t.relay = cls.relay
        cls.sent_ms = int(time.time() * 1000)
        t.send(cls.SUSPECT, "to the suspect", sender="x@example.org")
        t.send("desk@ok.test", "from the suspect", sender=cls.SUSPECT)
        t.send("desk@ok.test", "bystander", sender="bystander@example.org")

    def open_request(self, country="DE", basis="StPO 100a", frm=None, to=None):
        frm = frm if frm is not None else self.sent_ms - 86400000
        to = to if to is not None else self.sent_ms + 86400000
        return self.cli_json("lea", "open", "--authority", "Landeskriminalamt", "--country",
                             country, "--legal-basis", basis, "--reference", "AZ 12/26",
                             "--scope-subject", self.SUSPECT, "--scope-from", iso(frm),
                             "--scope-to", iso(to), "--actor", "ann")

    def show(self, rid):
        return self.cli_json("lea", "show", rid)

    def test_cli_lifecycle_with_refused_transitions(self):
        req = self.open_request()
        rid = req["id"]
        self.assertEqual(req["status"], "received")
        self.assertNotIn("suspect", json.dumps(req))
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "bundle.json")
            # Disclose before approval: refused, nothing written, nothing changed.
            self.cli("lea", "disclose", rid, "--out", out, "--actor", "ann", expect=65)
            self.assertFalse(os.path.exists(out))
            # Notify before a decision.
            self.cli("lea", "notify", rid, "--notified", "--actor", "ann", expect=65)
            # An approval wider than the request.
            wide = self.cli("lea", "decide", rid, "--approve", "--reason", "r", "--actor", "bo",
                            "--scope-from", iso(self.sent_ms - 2 * 86400000), expect=64)
            self.assertIn(b"outside the requested scope", wide.stderr)
            self.assertEqual(self.show(rid), req)

            decided = self.cli_json("lea", "decide", rid, "--approve", "--reason",
                                    "court order checked", "--actor", "bo")
            self.assertEqual(decided["status"], "approved")
            self.cli("lea", "decide", rid, "--reject", "--reason", "again", "--actor", "bo",
                     expect=65)
            self.assertEqual(self.show(rid), decided)

            result = self.cli_json("lea", "disclose", rid, "--out", out, "--actor", "bo")
            self.assertEqual(result["records"], 2)
            with open(out) as f:
                env = json.load(f)
            self.assert_signed(env, "lea-disclosure.schema.json")
            doc = env["document"]
            self.assertEqual({r["subject"] for r in doc["records"]},
                             {"to the suspect", "from the suspect"})
            self.assertEqual(doc["request"]["reference"], "AZ 12/26")
            self.assertEqual(result["document_sha256"], hashlib.sha256(canonical(doc)).hexdigest())
            self.cli("lea", "disclose", rid, "--out", out + "2", "--actor", "bo", expect=65)

        until = iso(int(time.time() * 1000) + 30 * 86400000)
        deferred = self.cli_json("lea", "notify", rid, "--defer-until", until, "--reason",
                                 "gag order", "--actor", "bo")
        self.assertEqual(deferred["notice"]["state"], "deferred")
        notified = self.cli_json("lea", "notify", rid, "--notified", "--actor", "bo")
        self.assertEqual(notified["notice"]["state"], "notified")
        self.cli("lea", "notify", rid, "--notified", "--actor", "bo", expect=65)
        self.cli("lea", "show", "lea_nosuch", expect=66)

        entries = [e for e in self.audit_entries()
                   if e["action"].startswith("lea.") and e["details"]["request"] == rid]
        self.assertEqual([e["action"] for e in entries],
                         ["lea.open", "lea.decide", "lea.disclose", "lea.notify", "lea.notify"])
        for e in entries:
            for key in ("authority", "country", "legal_basis", "reference", "subject_index"):
                self.assertIn(key, e["details"])
            self.assertNotIn("suspect", json.dumps(e))
        self.assertEqual(entries[2]["details"]["sha256"], result["document_sha256"])
        self.assertEqual(entries[2]["details"]["records"], 2)
        listed = [r["id"] for r in self.cli_json("lea", "list")["requests"]]
        self.assertIn(rid, listed)

    def test_narrowed_approval_discloses_only_the_approved_scope(self):
        rid = self.open_request(country="FR", basis="CPP 60-1")["id"]
        # Approve only a day that ends before the mail was sent: partial, and empty.
        self.cli_json("lea", "decide", rid, "--approve", "--reason", "one day only", "--actor", "bo",
                      "--scope-to", iso(self.sent_ms - 3600000))
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "b.json")
            result = self.cli_json("lea", "disclose", rid, "--out", out, "--actor", "bo")
            self.assertEqual(result["records"], 0)
            with open(out) as f:
                env = json.load(f)
        self.assertTrue(env["document"]["scope"]["narrowed"])
        self.assertEqual(self.show(rid)["outcome"], "partially_disclosed")

    def test_api_lifecycle_and_report_recomputed_from_an_audit_export(self):
        tok = self.tok["compliance"]
        status, _, data = self.request("POST", "/v1/lea-requests", tok, {
            "authority": "FBI", "country": "US", "legal_basis": "18 USC 2703(d)",
            "reference": "case 99", "scope": {"subject": self.SUSPECT}})
        self.assertEqual(status, 201, data)
        rid = json.loads(data)["id"]
        status, _, data = self.request("POST", "/v1/lea-requests/%s/notice" % rid, tok,
                                       {"notified": True})
        self.assertEqual(status, 409, data)  # before a decision
        status, _, data = self.request("POST", "/v1/lea-requests/%s/decision" % rid, tok,
                                       {"approve": False, "reason": "no jurisdiction"})
        self.assertEqual(status, 200, data)
        self.assertEqual(json.loads(data)["outcome"], "rejected")
        status, _, data = self.request("POST", "/v1/lea-requests/%s/disclosure" % rid, tok, {})
        self.assertEqual(status, 409, data)
        status, _, data = self.request("GET", "/v1/lea-requests/%s" % rid, tok)
        self.assertEqual((status, json.loads(data)["status"]), (200, "rejected"))
        status, _, _ = self.request("GET", "/v1/lea-requests/lea_nosuch", tok)
        self.assertEqual(status, 404)
        status, _, data = self.request("POST", "/v1/lea-requests", tok, {"country": "US"})
        self.assertEqual(status, 400)

        # A second, disclosed, request so the report has something of each kind.
        other = self.open_request(country="US", basis="18 USC 2703(d)")["id"]
        self.cli_json("lea", "decide", other, "--approve", "--reason", "ok", "--actor", "bo")
        with tempfile.TemporaryDirectory() as d:
            self.cli_json("lea", "disclose", other, "--out", os.path.join(d, "b"), "--actor", "bo")

        report = self.cli_json("audit", "report", *PERIOD)
        self.assertEqual(report["by_country"]["US"]["requests"], 2)
        self.assertEqual(report["by_country"]["US"]["rejected"], 1)
        self.assertEqual(report["by_country"]["US"]["disclosed"], 1)
        self.assertGreaterEqual(report["records_disclosed"], 2)
        errors = [e.message for e in
                  __import__("test_compliance").schema_validator(
                      "transparency-report.schema.json").iter_errors(report)]
        self.assertEqual(errors, [])
        status, _, data = self.request(
            "GET", "/v1/reports/transparency?from=2020-01-01&to=2100-01-01", self.tok["auditor"])
        self.assertEqual(status, 200)
        api_report = json.loads(data)
        with tempfile.TemporaryDirectory() as d:
            export = os.path.join(d, "export")
            self.cli_json("audit", "export", "--out", export)
            out = subprocess.run([sys.executable, REPORT_PY, *PERIOD, export],
                                 capture_output=True, text=True, timeout=60)
            self.assertEqual(out.returncode, 0, out.stderr)
            recomputed = json.loads(out.stdout)
        for r in (report, api_report):
            mine, theirs = dict(r), dict(recomputed)
            mine.pop("log")
            theirs.pop("log")
            self.assertEqual(mine, theirs)
