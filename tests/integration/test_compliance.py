"""Data-subject export and erasure against a real `mailrelay serve`: mail to and from one
subject over an eu and a us route plus unrelated mail; the export holds exactly that subject's
records; erasure (CLI and API) with signed receipts; signatures checked here with PyNaCl
against the pinned key from GET /v1/keys and by audit/verify_document.py; documents validated
against schemas/; the audit entries hold no plaintext address; roles."""
import base64
import hashlib
import http.client
import json
import os
import subprocess
import sys
import tempfile

import jsonschema
import nacl.public
import nacl.signing

from harness import MAILRELAY_BIN
from test_api import ApiTestCase

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SCHEMAS = os.path.join(ROOT, "schemas")
VERIFY_DOCUMENT = os.path.join(ROOT, "audit", "verify_document.py")


def schema_validator(name):
    store = {}
    for f in os.listdir(SCHEMAS):
        if f.endswith(".json"):
            with open(os.path.join(SCHEMAS, f)) as fh:
                s = json.load(fh)
            if "$id" in s:
                store[s["$id"]] = s
    with open(os.path.join(SCHEMAS, name)) as fh:
        schema = json.load(fh)
    resolver = jsonschema.RefResolver.from_schema(schema, store=store)
    return jsonschema.Draft7Validator(schema, resolver=resolver)


def canonical(document):
    return json.dumps(document, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


class ComplianceTestCase(ApiTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        t = ApiTestCase("run")
        t.relay = cls.relay
        cls.tok = t.create_one_per_role()

    def cli(self, *args, expect=0):
        out = subprocess.run([MAILRELAY_BIN] + list(args) + ["--config", self.relay.config_path],
                             capture_output=True, timeout=120)
        self.assertEqual(out.returncode, expect,
                         "%s: exit %d\n%s" % (args, out.returncode, out.stderr.decode()))
        return out

    def cli_json(self, *args):
        return json.loads(self.cli(*args).stdout)

    def request(self, method, path, token=None, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.relay.api_port, timeout=30)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        conn.request(method, path, body=None if body is None else json.dumps(body),
                     headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, resp, data

    def document_key(self):
        status, _, data = self.request("GET", "/v1/keys")
        self.assertEqual(status, 200)
        return base64.b64decode(json.loads(data)["documents"]["public_key"])

    def assert_signed(self, envelope, schema):
        """The envelope verifies with the pinned key and its document with `schema`."""
        key = self.document_key()
        sig = base64.b64decode(envelope["signature"]["value"])
        nacl.signing.VerifyKey(key).verify(canonical(envelope["document"]), sig)
        self.assertEqual(envelope["signature"]["key_id"], hashlib.sha256(key).hexdigest()[:16])
        errors = [e.message for e in schema_validator(schema).iter_errors(envelope["document"])]
        self.assertEqual(errors, [], schema)
        tampered = json.loads(json.dumps(envelope))
        tampered["document"]["format"] += "x"
        with self.assertRaises(Exception):
            nacl.signing.VerifyKey(key).verify(canonical(tampered["document"]), sig)

    def audit_entries(self):
        entries, start = [], 0
        while True:
            page = self.cli_json("audit", "log", "--from", str(start), "--limit", "10000")
            entries += page["entries"]
            if page["next"] is None:
                return entries
            start = page["next"]


class SubjectRightsTest(ComplianceTestCase):
    SUBJECT = "Person.Subject@EU.test"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        t = ComplianceTestCase("run")
        t.relay = cls.relay
        t.send("person.subject@eu.test", "to the subject in eu", sender="alice@example.org")
        t.send("desk@ok.test", "from the subject to us", sender=cls.SUBJECT)
        t.send("desk@ok.test", "unrelated us", sender="bob@example.org")
        t.send("other@eu.test", "unrelated eu", sender="carol@example.org")
        # The erasure subject: three records over two regions, and one to keep beside them.
        t.send("gone.subject@eu.test", "erase me 1", sender="dave@example.org")
        t.send("desk@ok.test", "erase me 2", sender="gone.subject@eu.test")
        t.send("gone.subject@eu.test", "erase me 3", sender="erin@example.org")
        t.send("desk@ok.test", "keep me", sender="frank@example.org")
        t.send("api.gone@eu.test", "erase me over the API", sender="gina@example.org")

    def test_cli_export_holds_exactly_the_subjects_records_signed(self):
        env = self.cli_json("export", "--subject", self.SUBJECT, "--actor", "ann")
        self.assert_signed(env, "export.schema.json")
        doc = env["document"]
        self.assertEqual(doc["subject"]["address"], "person.subject@eu.test")
        self.assertEqual(doc["counts"]["records"], 2)
        roles = {(r["region"], r["role"], r["subject"]) for r in doc["records"]}
        self.assertEqual(roles, {("eu", "recipient", "to the subject in eu"),
                                 ("us", "sender", "from the subject to us")})
        self.assertEqual(doc["counts"]["by_region"], {"us": 1, "eu": 1, "ap": 0})
        info = doc["information"]
        self.assertTrue(info["purposes"])
        self.assertIn("Amazon Web Services", [r["name"] for r in info["recipients"]])
        self.assertIn("eu", info["retention"])
        # The auditor's own tool agrees, with the key pinned from /v1/keys.
        with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
            json.dump(env, f)
            f.flush()
            key = base64.b64encode(self.document_key()).decode()
            out = subprocess.run([sys.executable, VERIFY_DOCUMENT, "--key", key, f.name],
                                 capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        # The CLI hands auditors the same keys the API does.
        status, _, data = self.request("GET", "/v1/keys")
        self.assertEqual(self.cli_json("keys", "public"), json.loads(data))
        entry = [e for e in self.audit_entries() if e["action"] == "subject.export"][-1]
        self.assertEqual(entry["details"]["subject_index"], doc["subject"]["index"])
        self.assertEqual(entry["details"]["records"], 2)
        self.assertEqual(entry["details"]["document_sha256"],
                         hashlib.sha256(canonical(doc)).hexdigest())
        self.assertEqual(entry["actor"], "cli:ann")

    def test_api_export_sealed_to_the_requester(self):
        requester = nacl.public.PrivateKey.generate()
        status, resp, data = self.request(
            "POST", "/v1/subjects/export", self.tok["compliance"],
            {"subject": self.SUBJECT, "seal_to": bytes(requester.public_key).hex()})
        self.assertEqual(status, 200, data)
        self.assertEqual(resp.getheader("Content-Type"), "application/octet-stream")
        self.assertNotIn(b"person.subject", data)
        env = json.loads(nacl.public.SealedBox(requester).decrypt(data))
        self.assert_signed(env, "export.schema.json")
        self.assertEqual(env["document"]["counts"]["records"], 2)
        self.assertEqual(resp.getheader("X-Mailrelay-Document-Sha256"),
                         hashlib.sha256(canonical(env["document"])).hexdigest())
        entry = [e for e in self.audit_entries() if e["action"] == "subject.export"][-1]
        self.assertEqual(entry["actor"], "api:token-" + self.tok["compliance"].split("_")[1])
        self.assertEqual(entry["details"]["via"], "api")

    def test_roles_auditors_and_admins_cannot_export_or_erase(self):
        for path, body in (("/v1/subjects/export", {"subject": self.SUBJECT}),
                           ("/v1/subjects/erase", {"subject": self.SUBJECT, "reason": "x"}),
                           ("/v1/lea-requests", {})):
            for role in ("auditor", "admin"):
                status, _, data = self.request("POST", path, self.tok[role], body)
                self.assertEqual(status, 403, (path, role, data))
            status, _, _ = self.request("POST", path, None, body)
            self.assertEqual(status, 401, path)
        for role in ("auditor", "compliance", "admin"):
            status, _, data = self.request(
                "GET", "/v1/reports/transparency?from=2026-01-01&to=2100-01-01", self.tok[role])
            self.assertEqual(status, 200, (role, data))
        status, _, _ = self.request("GET", "/v1/lea-requests", self.tok["auditor"])
        self.assertEqual(status, 403)
        # The subject is still there: nothing above erased anything.
        self.assertEqual(self.cli_json("export", "--subject", self.SUBJECT)
                         ["document"]["counts"]["records"], 2)

    def test_bad_requests_are_clear(self):
        status, _, data = self.request("POST", "/v1/subjects/export", self.tok["compliance"],
                                       {"subject": "not-an-address"})
        self.assertEqual(status, 400)
        self.assertIn("e-mail address", json.loads(data)["error"])
        status, _, data = self.request("POST", "/v1/subjects/export", self.tok["compliance"],
                                       {"subject": self.SUBJECT, "seal_to": "short"})
        self.assertEqual(status, 400)
        out = self.cli("export", "--subject", "x@y.test", "--seal-to", "zz", expect=64)
        self.assertIn(b"X25519", out.stderr)
        out = self.cli("erase", "--subject", "x@y.test", "--reason", "r", expect=64)
        self.assertIn(b"--actor", out.stderr)

    def test_erase_end_to_end_with_a_signed_receipt(self):
        subject = "gone.subject@eu.test"
        before = self.cli_json("export", "--subject", subject)["document"]
        self.assertEqual(before["counts"]["records"], 3)
        all_before = len(self.relay.messages("--limit", "1000")["messages"])

        dry = self.cli_json("erase", "--subject", subject, "--reason", "Art. 17 ticket 7",
                            "--actor", "ann", "--dry-run")
        self.assertTrue(dry["dry_run"])
        self.assertEqual(dry["records_found"]["total"], 3)
        self.assertEqual(self.cli_json("export", "--subject", subject)
                         ["document"]["counts"]["records"], 3)

        with tempfile.TemporaryDirectory() as d:
            receipt_path = os.path.join(d, "receipt.json")
            env = self.cli_json("erase", "--subject", subject, "--reason", "Art. 17 ticket 7",
                                "--actor", "ann", "--out", receipt_path)
            with open(receipt_path) as f:
                self.assertEqual(json.load(f), env)
            self.assertEqual(os.stat(receipt_path).st_mode & 0o777, 0o600)
        self.assert_signed(env, "erasure-receipt.schema.json")
        receipt = env["document"]
        self.assertEqual(receipt["records_erased"]["total"], 3)
        self.assertEqual(receipt["records_erased"]["by_region"], before["counts"]["by_region"])
        self.assertEqual(receipt["subject_index"], before["subject"]["index"])
        self.assertNotIn("@", json.dumps(receipt))
        self.assertTrue(receipt["space_freed"])

        after = self.cli_json("export", "--subject", subject)["document"]
        self.assertEqual(after["counts"]["records"], 0)
        self.assertEqual(after["records"], [])
        all_after = self.relay.messages("--limit", "1000")["messages"]
        self.assertEqual(len(all_after), all_before - 3)
        self.assertIn("keep me", [m["subject"] for m in all_after])

        again = self.cli_json("erase", "--subject", subject, "--reason", "Art. 17 ticket 7",
                              "--actor", "ann")
        self.assertEqual(again["document"]["records_erased"]["total"], 0)

        entries = self.audit_entries()
        erase = [e for e in entries if e["action"] == "subject.erase"]
        self.assertEqual(erase[-2]["index"], receipt["audit_entry"]["index"])
        self.assertEqual(erase[-2]["details"]["records"], 3)
        self.assertIn("subject.erase.begin", [e["action"] for e in entries])
        self.assertIn("subject.erase.dry_run", [e["action"] for e in entries])
        text = json.dumps(entries)
        for needle in ("gone.subject", "person.subject", "@eu.test", "@ok.test"):
            self.assertNotIn(needle, text.lower())

    def test_api_erase(self):
        status, _, data = self.request("POST", "/v1/subjects/erase", self.tok["compliance"],
                                       {"subject": "API.Gone@eu.test", "reason": "Art. 17 web form"})
        self.assertEqual(status, 200, data)
        env = json.loads(data)
        self.assert_signed(env, "erasure-receipt.schema.json")
        self.assertEqual(env["document"]["records_erased"]["total"], 1)
        self.assertEqual(self.cli_json("export", "--subject", "api.gone@eu.test")
                         ["document"]["counts"]["records"], 0)

    def test_a_reason_naming_an_address_is_refused_and_nothing_is_erased(self):
        out = self.cli("erase", "--subject", self.SUBJECT, "--reason",
                       "asked by person.subject@eu.test", "--actor", "ann", expect=64)
        self.assertIn(b"reason", out.stderr)
        self.assertEqual(self.cli_json("export", "--subject", self.SUBJECT)
                         ["document"]["counts"]["records"], 2)

    def test_output_files_are_never_overwritten(self):
        with tempfile.NamedTemporaryFile() as f:
            out = self.cli("export", "--subject", self.SUBJECT, "--out", f.name, expect=73)
            self.assertIn(b"never overwritten", out.stderr)
            self.assertEqual(os.path.getsize(f.name), 0)


class ForensicErasureTest(ComplianceTestCase):
    """The retention issue's canary test, for erasure: an erased record's sealed bytes are in
    no decrypted page (free pages included) and no WAL frame of either region's file."""

    def test_erased_records_leave_no_sealed_bytes_in_any_page_or_wal_frame(self):
        import forensics
        subject = "zq-erase-canary@eu.test"
        self.send(subject, "ZqEraseCanaryEu", sender="someone@example.org")
        self.send("desk@ok.test", "ZqEraseCanaryUs", sender=subject)
        data_dir = os.path.join(self.relay.dir, "var")
        with open(os.path.join(data_dir, "master.key")) as f:
            key = f.read().strip()
        ids = {m["id"] for m in self.cli_json("export", "--subject", subject)
               ["document"]["records"]}
        self.assertEqual(len(ids), 2)
        sealed = {}
        for region in ("eu", "us"):
            rows = [r for r in forensics.read_records(data_dir, region, key) if r["id"] in ids]
            self.assertEqual(len(rows), 1, region)
            sealed[region] = forensics.sealed_values(rows[0])
            self.assertEqual(len(sealed[region]), 6)
            # Control: the reader finds them before.
            for blob in sealed[region]:
                self.assertTrue(forensics.find(data_dir, region, key, [blob]), region)

        receipt = self.cli_json("erase", "--subject", subject, "--reason", "canary",
                                "--actor", "ann")["document"]
        self.assertEqual(receipt["records_erased"]["total"], 2)
        for region in ("eu", "us"):
            self.assertEqual(forensics.find(data_dir, region, key, sealed[region]), [], region)
        self.relay.stop()
        for region in ("eu", "us"):
            self.assertEqual(forensics.find(data_dir, region, key, sealed[region]), [], region)


class EraseUnderLoadTest(ComplianceTestCase):
    """Erasure while the relay keeps taking mail: every message still gets 250 with its record,
    and nothing of the subject received before the erasure survives it."""

    def test_erase_while_mail_flows(self):
        import smtplib
        import threading
        subject = "busy.subject@eu.test"
        for i in range(40):
            self.send(subject, "before %d" % i, sender="x%d@example.org" % i)
        replies, stop = [], threading.Event()

        def load():
            n = 0
            while not stop.is_set():
                with smtplib.SMTP("127.0.0.1", self.relay.smtp_port, timeout=15) as s:
                    s.ehlo("load.test")
                    for _ in range(5):
                        n += 1
                        s.mail("load%d@example.org" % n)
                        s.rcpt("desk@ok.test")
                        replies.append(s.data(b"Subject: load %d\r\n\r\nx\r\n" % n)[0])

        threads = [threading.Thread(target=load) for _ in range(2)]
        for t in threads:
            t.start()
        try:
            receipt = self.cli_json("erase", "--subject", subject, "--reason", "under load",
                                    "--actor", "ann")["document"]
        finally:
            stop.set()
            for t in threads:
                t.join()
        self.assertEqual(receipt["records_erased"]["total"], 40)
        self.assertGreater(len(replies), 0)
        self.assertEqual(set(replies), {250})
        self.assertEqual(self.cli_json("export", "--subject", subject)
                         ["document"]["counts"]["records"], 0)
        loads = [m for m in self.relay.messages("--route", "ok", "--limit", "1000")["messages"]
                 if m["subject"].startswith("load ")]
        self.assertEqual(len(loads), len(replies))
