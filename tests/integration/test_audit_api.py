"""The auditor API (/v1/audit/*) against a real `mailrelay serve`: the role matrix, entries as
stored, the signed checkpoint byte for byte, inclusion and consistency proofs verified here
(RFC 9162 §2.1.3.2 / §2.1.4.2) against checkpoints whose signatures audit/verify.py checks,
and the audit entries of `tokens create` / `tokens revoke`."""
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import unittest

import test_api
from harness import MAILRELAY_BIN

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "audit"))
try:
    import verify as audit_verify  # audit/verify.py: needs python3-nacl
except (ImportError, SystemExit) as e:  # pragma: no cover — it exits without python3-nacl
    audit_verify = None
    IMPORT_ERROR = "python3-nacl missing (%s)" % e

ENDPOINTS = ["/v1/audit/entries", "/v1/audit/checkpoint",
             "/v1/audit/proofs/inclusion?index=0", "/v1/audit/proofs/consistency?old=0"]


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def b64(text):
    raw = audit_verify.b64decode_strict(text)
    assert raw is not None and len(raw) == 32, text
    return raw


def root_from_inclusion(index, size, leaf, proof):
    """RFC 9162 §2.1.3.2; returns the root, or None if the proof is malformed."""
    if index >= size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node(p, r)
            if not fn & 1:
                while True:
                    fn >>= 1
                    sn >>= 1
                    if fn & 1 or fn == 0:
                        break
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def consistent(size1, size2, root1, root2, proof):
    """RFC 9162 §2.1.4.2."""
    if size1 > size2:
        return False
    if size1 == size2:
        return not proof and root1 == root2
    if size1 == 0:
        return not proof
    if size1 & (size1 - 1) == 0:
        proof = [root1] + proof
    if not proof:
        return False
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node(c, fr)
            sr = node(c, sr)
            if not fn & 1:
                while True:
                    fn >>= 1
                    sn >>= 1
                    if fn & 1 or fn == 0:
                        break
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == root1 and sr == root2


class AuditApiTest(test_api.ApiTestCase):
    @classmethod
    def setUpClass(cls):
        if audit_verify is None:
            raise unittest.SkipTest("audit/verify.py cannot be imported: " + IMPORT_ERROR)
        super().setUpClass()
        t = test_api.ApiTestCase("run")
        t.relay = cls.relay
        cls.tok = {role: t.create(role)["token"] for role in ("admin", "compliance", "auditor")}
        revoked = t.create("auditor", "to-revoke")
        t.tokens("revoke", str(revoked["id"]))
        cls.revoked = revoked["token"]
        cls.bad = "mr_%s_%s" % (cls.tok["auditor"].split("_")[1], "0" * 64)
        # The verifier key, from an export (the log's public key; nothing secret).
        out_dir = tempfile.mkdtemp(prefix="audit-export-", dir=cls.relay.dir)
        subprocess.run([MAILRELAY_BIN, "audit", "export", "--out", out_dir, "--config",
                        cls.relay.config_path], check=True, capture_output=True, timeout=60)
        with open(os.path.join(out_dir, "log.vkey")) as f:
            cls.key = audit_verify.VerifierKey(f.read())

    def get_json(self, path, role="auditor", want=200):
        status, resp, body = self.call(path, token=self.tok[role])
        self.assertEqual(status, want, "%s: %s" % (path, body))
        self.assertEqual(resp.getheader("Content-Type"), "application/json")
        return json.loads(body)

    def checkpoint(self):
        status, resp, body = self.call("/v1/audit/checkpoint", token=self.tok["auditor"])
        self.assertEqual(status, 200, body)
        self.assertTrue(resp.getheader("Content-Type").startswith("text/plain"))
        origin, size, root = audit_verify.open_checkpoint(body.encode("utf-8"), self.key)
        return body, size, root

    def all_entries(self):
        out, start = [], 0
        while True:
            page = self.get_json("/v1/audit/entries?from=%d&limit=7" % start)
            out += page["entries"]
            if page["next_from"] is None:
                return out
            start = page["next_from"]

    def test_role_matrix(self):
        for path in ENDPOINTS:
            for label, token, want in [("no token", None, 401), ("bad token", self.bad, 401),
                                       ("revoked", self.revoked, 401),
                                       ("compliance", self.tok["compliance"], 403),
                                       ("auditor", self.tok["auditor"], 200),
                                       ("admin", self.tok["admin"], 200)]:
                status, resp, body = self.call(path, token=token)
                self.assertEqual(status, want, "%s %s: %s" % (path, label, body))
                if status == 401:
                    self.assertTrue(resp.getheader("WWW-Authenticate", "").startswith("Bearer"))
                if status >= 400:
                    self.assertIn("error", json.loads(body))
            status, resp, _ = self.call(path, token=self.tok["admin"], method="POST")
            self.assertEqual(status, 405)
            self.assertEqual(resp.getheader("Allow"), "GET")

    def test_entries_are_the_stored_canonical_json(self):
        entries = self.all_entries()
        self.assertGreater(len(entries), 3)
        for i, e in enumerate(entries):
            self.assertEqual(e["index"], i)
            # The kit's own entry checks: UTF-8, JSON, canonical, schema, index.
            parsed = audit_verify.check_entry(e["entry"].encode("utf-8"), i)
            self.assertEqual(parsed["index"], i)
            canonical = json.dumps(parsed, sort_keys=True, separators=(",", ":"),
                                   ensure_ascii=False)
            self.assertEqual(e["entry"], canonical)
        actions = [json.loads(e["entry"])["action"] for e in entries]
        self.assertIn("keys.init", actions)
        self.assertIn("service.start", actions)
        page = self.get_json("/v1/audit/entries?from=1&limit=2")
        self.assertEqual([e["index"] for e in page["entries"]], [1, 2])
        self.assertEqual(page["next_from"], 3)
        # The end of the log is an empty page; past it is 404.
        size = self.checkpoint()[1]
        end = self.get_json("/v1/audit/entries?from=%d" % size)
        self.assertEqual(end["entries"], [])
        status, _, body = self.call("/v1/audit/entries?from=%d" % (size + 1000),
                                    token=self.tok["auditor"])
        self.assertEqual(status, 404, body)
        self.assertTrue(json.loads(body)["error"].startswith("from:"))

    def test_checkpoint_is_byte_exact(self):
        body, size, root = self.checkpoint()
        cli = subprocess.run([MAILRELAY_BIN, "audit", "checkpoint", "--config",
                              self.relay.config_path], capture_output=True, timeout=60)
        self.assertEqual(cli.returncode, 0, cli.stderr)
        cli = json.loads(cli.stdout)
        # Nothing is appended between the two reads here: the same head, the same bytes.
        self.assertEqual(cli["size"], size)
        self.assertEqual(cli["checkpoint"], body)
        self.assertEqual(body.encode("utf-8").count(b"\r"), 0)
        self.assertTrue(body.endswith("\n"))
        leaves = [audit_verify.hash_leaf(e["entry"].encode("utf-8"))
                  for e in self.all_entries()[:size]]
        self.assertEqual(audit_verify.tree_root(leaves), root)

    def test_inclusion_proofs_verify_against_the_checkpoint(self):
        _, size, root = self.checkpoint()
        entries = self.all_entries()
        for index in range(size):
            p = self.get_json("/v1/audit/proofs/inclusion?index=%d&size=%d" % (index, size))
            self.assertEqual((p["index"], p["size"]), (index, size))
            leaf = b64(p["leaf_hash"])
            self.assertEqual(leaf, audit_verify.hash_leaf(entries[index]["entry"].encode("utf-8")))
            self.assertEqual(root_from_inclusion(index, size, leaf,
                                                 [b64(h) for h in p["proof"]]), root, index)
            if "checkpoint" in p:
                self.assertEqual(audit_verify.open_checkpoint(p["checkpoint"].encode(),
                                                              self.key)[1:], (size, root))
        # Without size: the latest tree.
        p = self.get_json("/v1/audit/proofs/inclusion?index=0")
        self.assertGreaterEqual(p["size"], size)
        # A tampered proof does not verify.
        p = self.get_json("/v1/audit/proofs/inclusion?index=1&size=%d" % size)
        bad = [b64(h) for h in p["proof"]]
        bad[0] = bytes(32)
        self.assertNotEqual(root_from_inclusion(1, size, b64(p["leaf_hash"]), bad), root)

    def test_consistency_between_checkpoints_before_and_after_appends(self):
        _, size1, root1 = self.checkpoint()
        for i in range(3):
            self.create("auditor", "consistency-%d" % i)
        _, size2, root2 = self.checkpoint()
        self.assertGreaterEqual(size2, size1 + 3)
        p = self.get_json("/v1/audit/proofs/consistency?old=%d&size=%d" % (size1, size2))
        self.assertEqual((p["size1"], p["size2"]), (size1, size2))
        proof = [b64(h) for h in p["proof"]]
        self.assertTrue(consistent(size1, size2, root1, root2, proof))
        self.assertFalse(consistent(size1, size2, root1, bytes(32), proof))
        if "checkpoint1" in p:
            self.assertEqual(audit_verify.open_checkpoint(p["checkpoint1"].encode(),
                                                          self.key)[1:], (size1, root1))
        # Every older size is consistent with the new checkpoint.
        leaves = [audit_verify.hash_leaf(e["entry"].encode("utf-8")) for e in self.all_entries()]
        for old in range(0, size2 + 1):
            p = self.get_json("/v1/audit/proofs/consistency?old=%d&size=%d" % (old, size2))
            self.assertTrue(consistent(old, size2, audit_verify.tree_root(leaves[:old]), root2,
                                       [b64(h) for h in p["proof"]]), old)
        # Without size: the latest tree.
        p = self.get_json("/v1/audit/proofs/consistency?old=%d" % size1)
        self.assertGreaterEqual(p["size2"], size2)

    def test_bad_parameters_are_400_naming_the_parameter(self):
        for path, param in [("/v1/audit/entries?limit=0", "limit"),
                            ("/v1/audit/entries?limit=1001", "limit"),
                            ("/v1/audit/entries?from=-1", "from"),
                            ("/v1/audit/entries?from=1&from=2", "from"),
                            ("/v1/audit/entries?offset=2", "offset"),
                            ("/v1/audit/checkpoint?size=2", "size"),
                            ("/v1/audit/proofs/inclusion", "index"),
                            ("/v1/audit/proofs/inclusion?index=x", "index"),
                            ("/v1/audit/proofs/inclusion?index=0&size=0", "size"),
                            ("/v1/audit/proofs/consistency", "old"),
                            ("/v1/audit/proofs/consistency?old=1&size=abc", "size")]:
            err = self.get_json(path, want=400)["error"]
            self.assertTrue(err.startswith(param + ":"), "%s: %s" % (path, err))

    def test_out_of_range_is_404_or_422_with_a_message(self):
        size = self.checkpoint()[1]
        big = size + 1000
        for path, want, param in [
                ("/v1/audit/proofs/inclusion?index=%d" % big, 404, "index"),
                ("/v1/audit/proofs/inclusion?index=3&size=3", 404, "index"),
                ("/v1/audit/proofs/inclusion?index=0&size=%d" % big, 404, "size"),
                ("/v1/audit/proofs/consistency?old=%d" % big, 422, "old"),
                ("/v1/audit/proofs/consistency?old=4&size=3", 422, "old"),
                ("/v1/audit/proofs/consistency?old=1&size=%d" % big, 404, "size")]:
            err = self.get_json(path, want=want)["error"]
            self.assertTrue(err.startswith(param + ":"), "%s: %s" % (path, err))

    def test_tokens_create_and_revoke_are_audited(self):
        out = self.tokens("create", "--role", "compliance", "--name", "audited-token",
                          "--actor", "carol")
        created = json.loads(out.stdout)
        self.tokens("revoke", str(created["id"]), "--actor", "dave")
        secret = created["token"].split("_")[2]
        entries = [json.loads(e["entry"]) for e in self.all_entries()]
        mine = [e for e in entries if e["details"].get("token_id") == created["id"]]
        self.assertEqual([e["action"] for e in mine], ["tokens.create", "tokens.revoke"])
        self.assertEqual(mine[0]["actor"], "cli:carol")
        self.assertEqual(mine[1]["actor"], "cli:dave")
        for e in mine:
            self.assertEqual(e["details"]["role"], "compliance")
            self.assertEqual(e["details"]["name"], "audited-token")
        for e in self.all_entries():
            self.assertNotIn(secret, e["entry"])
            self.assertNotIn(created["token"], e["entry"])


if __name__ == "__main__":
    unittest.main()
