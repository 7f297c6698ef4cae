#!/usr/bin/python3
"""Verifies an exported mailrelay audit log, trusting nothing from the server.

    /usr/bin/python3 audit/verify.py [--key VKEY_FILE] [--trusted-checkpoint FILE] EXPORT_DIR

Implements audit/FORMAT.md §7 on its own: python3-nacl (Ed25519) and hashlib only, no code
shared with the server or the C++ verifier. Prints one "FAIL <code>: ..." line per problem
and exits 1, or prints "OK: ..." and exits 0; exit 2 is a usage error.
"""
import argparse
import base64
import binascii
import hashlib
import json
import os
import re
import sys

try:
    import nacl.exceptions
    import nacl.signing
except ImportError:  # pragma: no cover
    sys.stderr.write("verify.py needs python3-nacl (apt-get install python3-nacl)\n")
    sys.exit(2)

EM_DASH_PREFIX = "\u2014 "
MAX_DEPTH = 32
MAX_LINE_REPORTS = 20
TIME_RE = re.compile(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z\Z")
ACTION_RE = re.compile(r"\A[a-z0-9._-]+\Z")
SIZE_RE = re.compile(r"\A(0|[1-9][0-9]*)\Z")
ENTRY_KEYS = {"action", "actor", "details", "index", "time"}


class Failure(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


# --- small helpers -------------------------------------------------------------------------

def b64decode_strict(text):
    """Canonical padded standard base64, or None."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    if base64.b64encode(raw).decode("ascii") != text:
        return None
    return raw


def has_control(text, allow_newline):
    for ch in text:
        o = ord(ch)
        if (o < 0x20 and not (allow_newline and ch == "\n")) or o == 0x7F:
            return True
    return False


def valid_key_name(name):
    return 1 <= len(name) <= 256 and all(0x21 <= ord(c) <= 0x7E and c != "+" for c in name)


def hash_leaf(data):
    return hashlib.sha256(b"\x00" + data).digest()


def tree_root(leaf_hashes):
    """MTH over leaf hashes, by recursion on the largest power of two below n."""
    n = len(leaf_hashes)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaf_hashes[0]
    k = 1 << ((n - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + tree_root(leaf_hashes[:k]) + tree_root(leaf_hashes[k:])).digest()


# --- keys ------------------------------------------------------------------------------------

class VerifierKey:
    def __init__(self, text):
        text = text.strip()
        parts = text.split("+", 2)
        if len(parts) != 3:
            raise ValueError("expected <name>+<hex id>+<base64 key>")
        name, hex_id, b64 = parts
        if not valid_key_name(name):
            raise ValueError("invalid key name %r" % name)
        if not re.fullmatch(r"[0-9a-f]{8}", hex_id):
            raise ValueError("key id must be 8 lower-case hex digits")
        raw = b64decode_strict(b64)
        if raw is None or len(raw) != 33 or raw[0] != 0x01:
            raise ValueError("key must be base64 of 0x01 || 32-byte Ed25519 public key")
        self.name = name
        self.public = raw[1:]
        self.id = hashlib.sha256(name.encode() + b"\n\x01" + self.public).digest()[:4]
        if self.id.hex() != hex_id:
            raise ValueError("key id %s does not match the name and key (expected %s)"
                             % (hex_id, self.id.hex()))
        self.verify_key = nacl.signing.VerifyKey(self.public)

    def label(self):
        return "%s+%s" % (self.name, self.id.hex())


# --- signed notes and checkpoints ------------------------------------------------------------

def open_note(data, key, prefix):
    """Returns the signed text after checking the key's signature; raises Failure."""
    def fail(code, msg):
        raise Failure(prefix + code, msg)

    try:
        note = data.decode("utf-8")
    except UnicodeDecodeError:
        fail("checkpoint-malformed-note", "not UTF-8")
    if has_control(note, allow_newline=True):
        fail("checkpoint-malformed-note", "control character in the note")
    split = note.find("\n\n")
    if split < 0 or note.startswith("\n"):
        fail("checkpoint-malformed-note", "no blank line between the text and the signatures")
    text = note[:split + 1]
    sigs = note[split + 2:]
    if not sigs or not sigs.endswith("\n"):
        fail("checkpoint-malformed-note", "the signature block must be lines ending in a newline")
    lines = sigs[:-1].split("\n")
    if len(lines) > 100:
        fail("checkpoint-malformed-note", "more than 100 signature lines")
    ours = None
    others = []
    for number, line in enumerate(lines, 1):
        if not line.startswith(EM_DASH_PREFIX):
            fail("checkpoint-malformed-note", "signature line %d does not start with an em dash and a space" % number)
        rest = line[len(EM_DASH_PREFIX):]
        name, space, b64 = rest.partition(" ")
        if not name or not space:
            fail("checkpoint-malformed-note", "signature line %d has no key name" % number)
        blob = b64decode_strict(b64)
        if blob is None or len(blob) < 5:
            fail("checkpoint-malformed-note", "signature line %d is not base64 of key id and signature" % number)
        if name == key.name and blob[:4] == key.id:
            if ours is not None:
                fail("checkpoint-malformed-note", "two signature lines by key %s" % key.label())
            ours = blob[4:]
        else:
            others.append("%s+%s" % (name, blob[:4].hex()))
    if ours is None:
        fail("checkpoint-unsigned", "no signature by key %s (signed by: %s)"
             % (key.label(), ", ".join(others)))
    try:
        if len(ours) != 64:
            raise nacl.exceptions.BadSignatureError("wrong length")
        key.verify_key.verify(text.encode("utf-8"), ours)
    except nacl.exceptions.BadSignatureError:
        fail("checkpoint-bad-signature", "the signature by key %s does not verify" % key.label())
    return text


def open_checkpoint(data, key, prefix=""):
    """Returns (origin, size, root) of a checkpoint whose signature verifies."""
    text = open_note(data, key, prefix)  # signature first; the body is parsed only after
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise Failure(prefix + "checkpoint-malformed", "needs origin, size and root lines")
    origin, size, root_b64 = lines[0], lines[1], lines[2]
    if not origin or has_control(origin, allow_newline=False):
        raise Failure(prefix + "checkpoint-malformed", "empty or invalid origin")
    if not SIZE_RE.match(size) or int(size) >= 1 << 64:
        raise Failure(prefix + "checkpoint-malformed",
                      "size %r is not a decimal number without leading zeros" % size)
    root = b64decode_strict(root_b64)
    if root is None or len(root) != 32:
        raise Failure(prefix + "checkpoint-malformed", "root is not base64 of 32 bytes")
    if any(not line for line in lines[3:]):
        raise Failure(prefix + "checkpoint-malformed", "empty extension line")
    if origin != key.name:
        raise Failure(prefix + "checkpoint-origin-mismatch",
                      "origin %r is not the log key's name %r" % (origin, key.name))
    return origin, int(size), root


# --- entries ---------------------------------------------------------------------------------

def _reject_float(text):
    raise ValueError("non-integer number %s" % text)


def _reject_constant(text):
    raise ValueError("%s is not JSON" % text)


def _no_duplicates(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise ValueError("duplicate key %r" % k)
        obj[k] = v
    return obj


def _check_value(value, depth):
    """Depth, integer range and string validity of a parsed value."""
    if depth > MAX_DEPTH:
        raise ValueError("nested deeper than %d" % MAX_DEPTH)
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if not -(1 << 63) <= value < (1 << 64):
            raise ValueError("integer out of range")
    elif isinstance(value, str):
        value.encode("utf-8")  # raises on an unpaired surrogate escape
    elif isinstance(value, list):
        for v in value:
            _check_value(v, depth + 1)
    elif isinstance(value, dict):
        for k, v in value.items():
            k.encode("utf-8")
            _check_value(v, depth + 1)


def check_entry(line, expected_index):
    """Returns the parsed entry; raises Failure with the first failing check."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Failure("entry-invalid-utf8", "not UTF-8 at byte %d" % e.start)
    try:
        if text.startswith("\ufeff"):
            raise ValueError("byte order mark")
        value = json.loads(text, parse_float=_reject_float, parse_constant=_reject_constant,
                           object_pairs_hook=_no_duplicates)
        _check_value(value, 1)
    except RecursionError:
        raise Failure("entry-invalid-json", "nested deeper than %d" % MAX_DEPTH)
    except (ValueError, UnicodeEncodeError) as e:
        raise Failure("entry-invalid-json", str(e).split("\n")[0])
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if canonical != text:
        raise Failure("entry-not-canonical", "bytes differ from the canonical JSON of the same value")
    if not isinstance(value, dict):
        raise Failure("entry-bad-schema", "not a JSON object")
    if set(value) != ENTRY_KEYS:
        raise Failure("entry-bad-schema", "fields are %s, expected action, actor, details, index, time"
                      % ", ".join(sorted(value)))
    index = value["index"]
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise Failure("entry-bad-schema", '"index" must be a non-negative integer')
    if not isinstance(value["time"], str) or not TIME_RE.match(value["time"]):
        raise Failure("entry-bad-schema", '"time" must be YYYY-MM-DDTHH:MM:SS[.f]Z')
    if not isinstance(value["actor"], str) or not value["actor"]:
        raise Failure("entry-bad-schema", '"actor" must be a non-empty string')
    if not isinstance(value["action"], str) or not ACTION_RE.match(value["action"]):
        raise Failure("entry-bad-schema", '"action" must be a non-empty string of [a-z0-9._-]')
    if not isinstance(value["details"], dict):
        raise Failure("entry-bad-schema", '"details" must be an object')
    return value


# --- the verification ------------------------------------------------------------------------

class Report:
    def __init__(self):
        self.failures = []

    def fail(self, code, message):
        self.failures.append((code, message))
        print("FAIL %s: %s" % (code, message))


def read_file(path, report, required=True):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        if required:
            report.fail("export-missing-file", "%s is missing" % path)
        return None


def verify(export_dir, key_file, trusted_file):
    report = Report()

    # 1. Key.
    export_vkey = read_file(os.path.join(export_dir, "log.vkey"), report)
    key_text = export_vkey
    key_source = os.path.join(export_dir, "log.vkey")
    if key_file is not None:
        with open(key_file, "rb") as f:
            key_text = f.read()
        key_source = key_file
    else:
        sys.stderr.write("warning: using the key from the export; pin it with --key\n")
    if key_text is None:
        return report, None
    try:
        key = VerifierKey(key_text.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        report.fail("vkey-malformed", "%s: %s" % (key_source, e))
        return report, None
    if key_file is not None and export_vkey is not None and export_vkey.strip() != key_text.strip():
        report.fail("vkey-mismatch", "the export's log.vkey is not the pinned key %s" % key.label())

    # 2. Entries.
    data = read_file(os.path.join(export_dir, "entries.jsonl"), report)
    if data is None:
        return report, None
    lines = data.split(b"\n")
    tail = lines.pop()  # b"" when the file ends with LF (or is empty); reported below
    leaves = []
    index_reported = False
    bad_lines = 0

    def entry_fail(code, message):
        nonlocal bad_lines
        bad_lines += 1
        if bad_lines <= MAX_LINE_REPORTS:
            report.fail(code, message)

    for i, line in enumerate(lines):
        leaves.append(hash_leaf(line))
        try:
            entry = check_entry(line, i)
        except Failure as f:
            entry_fail(f.code, "entries.jsonl line %d (entry %d): %s" % (i + 1, i, f.message))
            continue
        if entry["index"] != i and not index_reported:
            index_reported = True
            entry_fail("entry-index-mismatch",
                       "entries.jsonl line %d: index is %d, expected %d — an entry before it "
                       "is missing or entries are out of order" % (i + 1, entry["index"], i))
    if bad_lines > MAX_LINE_REPORTS:
        report.fail("entries-more-problems",
                    "%d more lines fail (not listed)" % (bad_lines - MAX_LINE_REPORTS))
    if tail:
        report.fail("entries-unterminated-line",
                    "entries.jsonl: %d bytes after the last newline (line %d) are not an entry"
                    % (len(tail), len(lines) + 1))
    summary = "%d entries" % len(leaves)

    # 3. Checkpoint.
    cp_data = read_file(os.path.join(export_dir, "checkpoint"), report)
    if cp_data is not None:
        try:
            origin, size, root = open_checkpoint(cp_data, key)
            if size != len(leaves):
                report.fail("checkpoint-size-mismatch",
                            "the checkpoint covers %d entries, entries.jsonl has %d" % (size, len(leaves)))
            else:
                got = tree_root(leaves)
                if got != root:
                    report.fail("checkpoint-root-mismatch",
                                "the root of the %d entries is %s, the checkpoint signs %s — an "
                                "entry was changed" % (size, base64.b64encode(got).decode(),
                                                       base64.b64encode(root).decode()))
                else:
                    summary += "; checkpoint %s size %d root %s; key %s" % (
                        origin, size, base64.b64encode(root).decode(), key.label())
        except Failure as f:
            report.fail(f.code, "checkpoint: %s" % f.message)

    # 4. Trusted checkpoint.
    if trusted_file is not None:
        with open(trusted_file, "rb") as f:
            t_data = f.read()
        try:
            _, t_size, t_root = open_checkpoint(t_data, key, prefix="trusted-")
            if t_size > len(leaves):
                report.fail("trusted-checkpoint-rollback",
                            "the trusted checkpoint has %d entries, the export only %d — the log "
                            "was rolled back" % (t_size, len(leaves)))
            elif tree_root(leaves[:t_size]) != t_root:
                report.fail("trusted-checkpoint-inconsistent",
                            "the first %d entries do not give the trusted root %s — history was "
                            "rewritten" % (t_size, base64.b64encode(t_root).decode()))
            else:
                summary += "; consistent with trusted checkpoint size %d" % t_size
        except Failure as f:
            report.fail(f.code, "%s: %s" % (trusted_file, f.message))
    return report, summary


def main(argv):
    parser = argparse.ArgumentParser(description="Verify an exported mailrelay audit log.")
    parser.add_argument("--key", help="pinned verifier key file (default: the export's log.vkey)")
    parser.add_argument("--trusted-checkpoint", help="a checkpoint trusted from an earlier audit")
    parser.add_argument("export_dir")
    try:
        args = parser.parse_args(argv)
    except SystemExit:
        return 2
    if not os.path.isdir(args.export_dir):
        sys.stderr.write("error: %s is not a directory\n" % args.export_dir)
        return 2
    for path in (args.key, args.trusted_checkpoint):
        if path is not None and not os.path.isfile(path):
            sys.stderr.write("error: cannot read %s\n" % path)
            return 2
    report, summary = verify(args.export_dir, args.key, args.trusted_checkpoint)
    if report.failures:
        print("FAILED: %d problem(s)" % len(report.failures))
        return 1
    print("OK: %s" % summary)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
