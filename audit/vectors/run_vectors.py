#!/usr/bin/python3
"""Runs a verifier over every case in audit/vectors/cases and checks its exit status and
the exact list of FAIL codes it prints against the case's expect.json.

    /usr/bin/python3 audit/vectors/run_vectors.py [--cases DIR] -- VERIFIER [ARGS...]

e.g.  run_vectors.py -- build/audit/verify/mailrelay-audit-verify
      run_vectors.py -- /usr/bin/python3 audit/verify.py
Exit 0 when every case behaves as expected.
"""
import argparse
import json
import os
import re
import subprocess
import sys

FAIL_RE = re.compile(r"^FAIL ([a-z0-9-]+):")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", default=os.path.join(here, "cases"))
    parser.add_argument("verifier", nargs="+")
    args = parser.parse_args()

    names = sorted(n for n in os.listdir(args.cases)
                   if os.path.isfile(os.path.join(args.cases, n, "expect.json")))
    if not names:
        print("no cases in %s" % args.cases)
        return 1
    bad = 0
    for name in names:
        case = os.path.join(args.cases, name)
        with open(os.path.join(case, "expect.json"), encoding="utf-8") as f:
            expect = json.load(f)
        cmd = list(args.verifier) + list(expect["args"]) + ["export"]
        proc = subprocess.run(cmd, cwd=case, capture_output=True, timeout=120)
        out = proc.stdout.decode("utf-8", "replace")
        codes = [m.group(1) for m in map(FAIL_RE.match, out.splitlines()) if m]
        ok = proc.returncode == expect["exit"] and codes == expect["errors"]
        if ok and expect["exit"] == 0 and not out.startswith("OK:"):
            ok = False
        print("%s %s" % ("ok  " if ok else "FAIL", name))
        if not ok:
            bad += 1
            print("  expected exit %d %s, got exit %d %s" % (expect["exit"], expect["errors"],
                                                           proc.returncode, codes))
            for line in (out + proc.stderr.decode("utf-8", "replace")).splitlines():
                print("  | " + line)
    print("%d/%d cases as expected" % (len(names) - bad, len(names)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
