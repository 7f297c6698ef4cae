#!/usr/bin/python3
"""Verifies a document mailrelay signed: a data-subject export, an erasure receipt or a
law-enforcement disclosure, trusting nothing but the public key you pinned.

    /usr/bin/python3 audit/verify_document.py --key BASE64_PUBLIC_KEY FILE
    /usr/bin/python3 audit/verify_document.py --key KEY --open-with SECRET_HEX SEALED_FILE

FILE holds {"document": {...}, "signature": {"algorithm": "Ed25519", "key_id", "public_key",
"value"}}. The signature is Ed25519 over the document's canonical bytes: compact JSON, keys
sorted, UTF-8 (docs/compliance.md "Signatures"). The envelope's own public_key is ignored:
--key is the document key from GET /v1/keys, obtained separately. --open-with first opens a
crypto_box_seal'ed file with the requester's X25519 secret key. Exit 0 verified, 1 not, 2 usage.
Needs python3-nacl; shares no code with mailrelay.
"""
import argparse
import base64
import binascii
import hashlib
import json
import sys

try:
    import nacl.exceptions
    import nacl.public
    import nacl.signing
except ImportError:  # pragma: no cover
    sys.stderr.write("verify_document.py needs python3-nacl (apt-get install python3-nacl)\n")
    sys.exit(2)


def canonical(document):
    return json.dumps(document, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def verify(envelope, public_key):
    """Returns (ok, message)."""
    if not isinstance(envelope, dict) or set(envelope) != {"document", "signature"}:
        return False, "not a signed document: need exactly \"document\" and \"signature\""
    sig = envelope["signature"]
    if not isinstance(sig, dict) or sig.get("algorithm") != "Ed25519":
        return False, "signature.algorithm is not Ed25519"
    try:
        value = base64.b64decode(sig.get("value", ""), validate=True)
    except (binascii.Error, ValueError):
        return False, "signature.value is not base64"
    key_id = hashlib.sha256(public_key).hexdigest()[:16]
    if sig.get("key_id") != key_id:
        return False, "signed with key %s, not the pinned key %s" % (sig.get("key_id"), key_id)
    try:
        nacl.signing.VerifyKey(public_key).verify(canonical(envelope["document"]), value)
    except (nacl.exceptions.BadSignatureError, ValueError):
        return False, "signature does not verify (altered, or another key)"
    return True, "signed by %s: %s" % (key_id, envelope["document"].get("format", "?"))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--key", required=True, help="the document public key, base64")
    parser.add_argument("--open-with", help="X25519 secret key (hex) of a sealed file")
    parser.add_argument("file")
    args = parser.parse_args()
    try:
        public_key = base64.b64decode(args.key, validate=True)
        assert len(public_key) == 32
    except (binascii.Error, ValueError, AssertionError):
        sys.stderr.write("--key must be base64 of a 32-byte Ed25519 public key\n")
        return 2
    with open(args.file, "rb") as f:
        data = f.read()
    if args.open_with:
        box = nacl.public.SealedBox(nacl.public.PrivateKey(bytes.fromhex(args.open_with)))
        try:
            data = box.decrypt(data)
        except nacl.exceptions.CryptoError:
            print("FAIL: the sealed file does not open with this key")
            return 1
    try:
        envelope = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        print("FAIL: not JSON: %s" % e)
        return 1
    ok, message = verify(envelope, public_key)
    print(("OK: " if ok else "FAIL: ") + message)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
