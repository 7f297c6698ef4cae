#!/usr/bin/python3
"""Recomputes the transparency report from an exported audit log, on its own.

    /usr/bin/python3 audit/report.py --from 2026-01-01 --to 2027-01-01 EXPORT_DIR

Reads EXPORT_DIR/entries.jsonl (verify it first with audit/verify.py) and EXPORT_DIR/checkpoint,
folds the lea.* entries exactly as docs/compliance.md "Transparency report" says, and prints
the report as JSON: it must equal what `mailrelay audit report` / GET /v1/reports/transparency
published for the same log size. Shares no code with mailrelay.
"""
import argparse
import datetime
import json
import os
import sys

OUTCOMES = ["pending", "approved", "rejected", "disclosed", "partially_disclosed"]


def parse_time(text):
    """Returns unix ms of "2026-01-01", "2026-01-01T00:00:00Z", "...:00.123Z" or unix ms."""
    if text.isdigit():
        return int(text)
    if len(text) == 10:
        text += "T00:00:00Z"
    if not text.endswith("Z"):
        raise ValueError("not UTC: " + text)
    main, _, frac = text[:-1].partition(".")
    dt = datetime.datetime.strptime(main, "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc)
    ms = int((frac + "000")[:3]) if frac else 0
    return int(dt.timestamp()) * 1000 + ms


def format_time(ms):
    dt = datetime.datetime.fromtimestamp(ms // 1000, tz=datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (ms % 1000)


def count(details, key):
    v = details.get(key)
    return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else 0


def build(entries, from_ms, to_ms, origin, size):
    requests = {}
    for e in entries:
        action, d = e["action"], e["details"]
        if not action.startswith("lea."):
            continue
        rid = d.get("request", "")
        if action == "lea.open":
            t = parse_time(e["time"])  # fractions past milliseconds are dropped
            if from_ms <= t < to_ms:
                requests[rid] = {"country": d.get("country", ""),
                                 "basis": d.get("legal_basis", ""),
                                 "subject": d.get("subject_index", ""),
                                 "outcome": "pending", "records": 0, "accounts": 0,
                                 "notice": "none"}
            continue
        r = requests.get(rid)
        if r is None:
            continue
        if action == "lea.decide":
            r["outcome"] = "approved" if d.get("decision") == "approved" else "rejected"
        elif action == "lea.disclose":
            r["outcome"] = d.get("outcome", "")
            r["records"] = count(d, "records")
            r["accounts"] = count(d, "accounts")
        elif action == "lea.notify":
            r["notice"] = d.get("notice", "")

    def tally():
        t = {"requests": 0}
        t.update({o: 0 for o in OUTCOMES})
        return t

    by_outcome = {o: 0 for o in OUTCOMES}
    by_country, by_basis = {}, {}
    notices = {"notified": 0, "deferred": 0, "none": 0}
    records = accounts = 0
    subjects = set()
    for r in requests.values():
        by_outcome[r["outcome"]] = by_outcome.get(r["outcome"], 0) + 1
        for table, key in ((by_country, r["country"]), (by_basis, r["basis"])):
            t = table.setdefault(key, tally())
            t["requests"] += 1
            t[r["outcome"]] = t.get(r["outcome"], 0) + 1
        notices[r["notice"]] = notices.get(r["notice"], 0) + 1
        records += r["records"]
        accounts += r["accounts"]
        if r["records"] > 0:
            subjects.add(r["subject"])
    return {"format": "mailrelay.transparency-report.v1",
            "period": {"from": format_time(from_ms), "to": format_time(to_ms)},
            "log": {"origin": origin, "size": size},
            "requests": len(requests),
            "by_outcome": by_outcome, "by_country": by_country, "by_legal_basis": by_basis,
            "records_disclosed": records, "accounts_affected": accounts,
            "subjects_affected": len(subjects), "customer_notice": notices}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="from_", required=True)
    parser.add_argument("--to", required=True)
    parser.add_argument("export_dir")
    args = parser.parse_args()
    with open(os.path.join(args.export_dir, "checkpoint"), encoding="utf-8") as f:
        lines = f.read().split("\n")
    origin, size = lines[0], int(lines[1])
    with open(os.path.join(args.export_dir, "entries.jsonl"), encoding="utf-8") as f:
        entries = [json.loads(line) for line in f if line.strip()][:size]
    report = build(entries, parse_time(args.from_), parse_time(args.to), origin, size)
    print(json.dumps(report, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
