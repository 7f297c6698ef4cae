#!/usr/bin/python3
"""Builds audit/vectors/cases/: one valid export and the attack cases, each with the exact
failure codes a verifier must print (see audit/FORMAT.md §7, §8).

Deterministic: keys come from fixed seeds and Ed25519 signatures are deterministic, so
running it again gives the same bytes (a ctest checks that the committed cases match).

    /usr/bin/python3 audit/vectors/generate.py [OUT_DIR]   # default: audit/vectors/cases

Written apart from the verifiers and the server: the tree root is the recursive MTH of
RFC 9162 §2.1.1, literally. Needs python3-nacl.
"""
import base64
import hashlib
import json
import os
import shutil
import sys

import nacl.signing

ORIGIN = "audit.mailrelay.example"
EM_DASH = "\u2014"


def seed(label):
    return hashlib.sha256(("mailrelay audit vectors: " + label).encode()).digest()


def mth(leaves):
    """RFC 9162 §2.1.1 MTH over a list of stored entry bytes."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


class Key:
    def __init__(self, name, label):
        self.name = name
        self.sk = nacl.signing.SigningKey(seed(label))
        self.pk = bytes(self.sk.verify_key)
        self.id = hashlib.sha256(name.encode() + b"\n\x01" + self.pk).digest()[:4]

    def vkey(self):
        return "%s+%s+%s" % (self.name, self.id.hex(),
                             base64.b64encode(b"\x01" + self.pk).decode())

    def sign_note(self, text):
        sig = self.sk.sign(text.encode()).signature
        line = "%s %s %s\n" % (EM_DASH, self.name, base64.b64encode(self.id + sig).decode())
        return text + "\n" + line


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def checkpoint_body(size, root, origin=ORIGIN):
    return "%s\n%d\n%s\n" % (origin, size, base64.b64encode(root).decode())


def make_entries(n, rewrite_from=None):
    """n canonical entries; from `rewrite_from` on, the details differ (a forked history)."""
    actions = [("system", "log.init", {"origin": ORIGIN}),
               ("cli:ops", "keys.init", {"region": "eu", "version": 1}),
               ("cli:ops", "tokens.create", {"role": "auditor", "token": "tok-3"}),
               ("api:tok-3", "records.read",
                {"count": 2, "region": "eu", "subject": "ap:6f1c0e5a9d2b7c44"}),
               ("system", "server.start",
                {"config_sha256": "9b1d" * 16, "note": "Zürich – \u2709 \"quoted\" \\ /"}),
               ("cli:dpo", "subjects.export", {"records": 5, "subject": "ap:0a9e33c1d4b5f678"}),
               ("cli:dpo", "subjects.erase",
                {"counts": {"ap": 0, "eu": 3, "us": 1}, "reason": "Art. 17 request"}),
               ("system", "retention.sweep", {"fields_cleared": 12, "records_deleted": 40}),
               ("cli:ops", "keys.rotate", {"region": "us", "version": 2}),
               ("api:tok-1", "tokens.revoke", {"token": "tok-2"}),
               ("cli:legal", "lea.open",
                {"authority": "BKA", "country": "DE", "reference": "ref-2024-17"}),
               ("cli:legal", "lea.decide", {"decision": "rejected", "request": 1})]
    out = []
    for i in range(n):
        actor, action, details = actions[i % len(actions)]
        details = dict(details)
        if rewrite_from is not None and i >= rewrite_from:
            details["rewritten"] = True
        entry = {"index": i, "time": "2024-05-01T12:%02d:%02d.%03dZ" % (i // 60, i % 60, i * 7),
                 "actor": actor, "action": action, "details": details}
        out.append(canonical(entry))
    return out


def jsonl(lines):
    return b"".join(line + b"\n" for line in lines)


class Case:
    def __init__(self, name, description, errors, args=()):
        self.name = name
        self.description = description
        self.errors = list(errors)
        self.args = list(args)
        self.files = {}  # relative path -> bytes

    def export(self, entries_bytes, checkpoint, vkey):
        self.files["export/entries.jsonl"] = entries_bytes
        self.files["export/checkpoint"] = checkpoint.encode()
        self.files["export/log.vkey"] = (vkey + "\n").encode()
        return self

    def write(self, root):
        d = os.path.join(root, self.name)
        for rel, data in sorted(self.files.items()):
            path = os.path.join(d, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
        expect = {"description": self.description, "args": self.args,
                  "exit": 1 if self.errors else 0, "errors": self.errors}
        with open(os.path.join(d, "expect.json"), "w", encoding="utf-8") as f:
            json.dump(expect, f, indent=2, ensure_ascii=False)
            f.write("\n")


def build_cases():
    log = Key(ORIGIN, "log key")
    attacker = Key(ORIGIN, "attacker key")  # same name, other key: other key id
    n = 10
    entries = make_entries(n)

    def signed(lines, key=log, size=None, origin=ORIGIN):
        size = len(lines) if size is None else size
        return key.sign_note(checkpoint_body(size, mth(lines[:size]), origin))

    cases = []
    add = cases.append

    add(Case("valid", "a consistent export of 10 entries", [])
        .export(jsonl(entries), signed(entries), log.vkey()))

    add(Case("valid-empty", "an empty log: no entries, size 0, root SHA-256(\"\")", [])
        .export(b"", signed([]), log.vkey()))

    c = Case("valid-pinned-trusted", "pinned key and an earlier trusted checkpoint of size 6",
             [], ["--key", "pinned.vkey", "--trusted-checkpoint", "trusted.checkpoint"])
    c.export(jsonl(entries), signed(entries), log.vkey())
    c.files["pinned.vkey"] = (log.vkey() + "\n").encode()
    c.files["trusted.checkpoint"] = signed(entries[:6]).encode()
    add(c)

    c = Case("valid-witness-cosigned",
             "a second signature line by another key (a witness) is ignored", [])
    witness = Key("witness.example", "witness key")
    note = signed(entries)
    cosig = witness.sign_note(note.split("\n\n")[0] + "\n").split("\n\n")[1]
    add(c.export(jsonl(entries), note + cosig, log.vkey()))

    modified = list(entries)
    modified[4] = modified[4].replace(b'"Z\xc3\xbcrich', b'"Zurich')
    add(Case("modified-entry", "entry 4 changed, still canonical with its index intact",
             ["checkpoint-root-mismatch"])
        .export(jsonl(modified), signed(entries), log.vkey()))

    modified = list(entries)
    modified[2] = modified[2].replace(b'"role":"auditor"', b'"role": "admin"')
    add(Case("modified-entry-not-canonical", "entry 2 changed and no longer canonical",
             ["entry-not-canonical", "checkpoint-root-mismatch"])
        .export(jsonl(modified), signed(entries), log.vkey()))

    removed = entries[:3] + entries[4:]
    add(Case("removed-entry", "entry 3 deleted from the middle",
             ["entry-index-mismatch", "checkpoint-size-mismatch"])
        .export(jsonl(removed), signed(entries), log.vkey()))

    reordered = list(entries)
    reordered[5], reordered[6] = reordered[6], reordered[5]
    add(Case("reordered-entries", "entries 5 and 6 swapped",
             ["entry-index-mismatch", "checkpoint-root-mismatch"])
        .export(jsonl(reordered), signed(entries), log.vkey()))

    add(Case("truncated-log", "the last 3 entries cut off (whole lines)",
             ["checkpoint-size-mismatch"])
        .export(jsonl(entries[:7]), signed(entries), log.vkey()))

    data = jsonl(entries)
    add(Case("truncated-mid-entry", "the file cut in the middle of the last entry",
             ["entries-unterminated-line", "checkpoint-size-mismatch"])
        .export(data[:-20], signed(entries), log.vkey()))

    add(Case("trailing-garbage", "bytes after the last entry, without a final newline",
             ["entries-unterminated-line"])
        .export(data + b"garbage", signed(entries), log.vkey()))

    modified = list(entries)
    modified[2] = modified[2].replace(b'"role":"auditor"', b'"role": "admin"')
    add(Case("bad-line-and-trailing-garbage",
             "a changed, non-canonical entry 2 and bytes after the last newline",
             ["entry-not-canonical", "entries-unterminated-line", "checkpoint-root-mismatch"])
        .export(jsonl(modified) + b"{\"index\":10", signed(entries), log.vkey()))

    many = [line.replace(b'"time":"2024-05-01T', b'"time":"2024-05-01 ')
            for line in make_entries(25)]
    add(Case("many-bad-lines", "25 entries with a malformed time (signed as they are): 20 "
             "are listed, then a count", ["entry-bad-schema"] * 20 + ["entries-more-problems"])
        .export(jsonl(many), signed(many), log.vkey()))

    add(Case("trailing-garbage-line", "a line of garbage after the last entry",
             ["entry-invalid-json", "checkpoint-size-mismatch"])
        .export(data + b"garbage\n", signed(entries), log.vkey()))

    bad = list(entries)
    bad[1] = bad[1].replace(b'"cli:ops"', b'"cli:\xff"')
    add(Case("invalid-utf8-entry", "entry 1 holds a byte that is not UTF-8",
             ["entry-invalid-utf8", "checkpoint-root-mismatch"])
        .export(jsonl(bad), signed(entries), log.vkey()))

    bad = list(entries)
    bad[7] = canonical({"action": "retention.sweep", "actor": "system", "details": {},
                        "index": "7", "time": "2024-05-01T12:00:07.049Z"})
    add(Case("entry-bad-schema", "entry 7 has a string index (signed as it is)",
             ["entry-bad-schema"])
        .export(jsonl(bad), signed(bad), log.vkey()))

    bad = list(entries)
    bad[8] = bad[8].replace(b'"version":2', b'"version":2.5')
    add(Case("entry-float", "entry 8 holds a non-integer number (signed as it is)",
             ["entry-invalid-json"])
        .export(jsonl(bad), signed(bad), log.vkey()))

    bad = list(entries)
    bad[9] = bad[9].replace(b'"action":"tokens.revoke"',
                            b'"action":"tokens.revoke","action":"tokens.revoke"')
    add(Case("entry-duplicate-key", "entry 9 repeats a key (signed as it is)",
             ["entry-invalid-json"])
        .export(jsonl(bad), signed(bad), log.vkey()))

    # An attacker appends an entry and re-uses the genuine signature on a new body.
    forged_entries = entries + make_entries(n + 1)[n:]
    genuine = signed(entries)
    forged = checkpoint_body(n + 1, mth(forged_entries)) + "\n" + genuine.split("\n\n")[1]
    add(Case("forged-signature", "checkpoint for an appended entry, genuine signature re-used",
             ["checkpoint-bad-signature"])
        .export(jsonl(forged_entries), forged, log.vkey()))

    add(Case("signed-by-other-key", "checkpoint signed by another key under the log's name",
             ["checkpoint-unsigned"])
        .export(jsonl(forged_entries), signed(forged_entries, key=attacker), log.vkey()))

    c = Case("key-substituted",
             "attacker replaced checkpoint and log.vkey with their own key; the auditor pins the real key",
             ["vkey-mismatch", "checkpoint-unsigned"], ["--key", "pinned.vkey"])
    c.export(jsonl(forged_entries), signed(forged_entries, key=attacker), attacker.vkey())
    c.files["pinned.vkey"] = (log.vkey() + "\n").encode()
    add(c)

    add(Case("checkpoint-trailing-garbage", "text after the signature line of the checkpoint",
             ["checkpoint-malformed-note"])
        .export(jsonl(entries), signed(entries) + "garbage\n", log.vkey()))

    add(Case("checkpoint-origin-mismatch", "validly signed checkpoint naming another origin",
             ["checkpoint-origin-mismatch"])
        .export(jsonl(entries),
                log.sign_note(checkpoint_body(n, mth(entries), "other.example/log")),
                log.vkey()))

    add(Case("checkpoint-malformed", "validly signed body whose size has a leading zero",
             ["checkpoint-malformed"])
        .export(jsonl(entries),
                log.sign_note("%s\n0%d\n%s\n" % (ORIGIN, n, base64.b64encode(mth(entries)).decode())),
                log.vkey()))

    c = Case("rollback-shrunk",
             "the auditor trusted size 10; the export is an older, smaller (valid) tree",
             ["trusted-checkpoint-rollback"], ["--trusted-checkpoint", "trusted.checkpoint"])
    c.export(jsonl(entries[:7]), signed(entries[:7]), log.vkey())
    c.files["trusted.checkpoint"] = signed(entries).encode()
    add(c)

    rewritten = make_entries(n + 2, rewrite_from=3)
    c = Case("rollback-rewritten",
             "history rewritten from entry 3 and re-signed with the real key; the auditor trusted size 6",
             ["trusted-checkpoint-inconsistent"], ["--trusted-checkpoint", "trusted.checkpoint"])
    c.export(jsonl(rewritten), signed(rewritten), log.vkey())
    c.files["trusted.checkpoint"] = signed(entries[:6]).encode()
    add(c)

    c = Case("trusted-checkpoint-forged", "the trusted checkpoint file itself does not verify",
             ["trusted-checkpoint-bad-signature"], ["--trusted-checkpoint", "trusted.checkpoint"])
    c.export(jsonl(entries), signed(entries), log.vkey())
    t = signed(entries[:6])
    c.files["trusted.checkpoint"] = t.replace("\n6\n", "\n5\n").encode()
    add(c)

    add(Case("missing-checkpoint", "the export has no checkpoint file",
             ["export-missing-file"])
        .export(jsonl(entries), "", log.vkey()))
    del cases[-1].files["export/checkpoint"]

    return cases


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "cases")
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    cases = build_cases()
    for case in cases:
        case.write(out)
    print("wrote %d cases to %s" % (len(cases), out))


if __name__ == "__main__":
    main()
