"""baseline_common.py - what the baselines share: reading the benchmark's
queries, scoring hits against expect_id, and printing the result row in the
column order of bench/screen.sh's table.

Definitions (the same for every system in the table):
  recall          share of listed queries (expect_id set) whose expect_id
                  is among the returned hits (top 10, at the system's own
                  threshold) -- "recall@any"
  false-hit rate  share of not-listed queries (expect_id empty) that
                  returned at least one hit
"""
import csv
import math
import sys


def read_queries(path, limit=None):
    """[(qid, name, expect_id)] in file order, at most limit."""
    out = []
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            out.append((row["qid"], row["name"], row["expect_id"]))
            if limit and len(out) >= limit:
                break
    return out


def read_labels(path):
    if not path:
        return {}
    with open(path, encoding="utf-8", newline="") as f:
        return {r["qid"]: (r["op"] or r["category"]) for r in csv.DictReader(f)}


def score(queries, hits, labels=None):
    """hits: qid -> set of ids. Returns (recall, false_hit_rate, detail)
    where detail is a text line of recall per query category."""
    listed = [q for q in queries if q[2]]
    absent = [q for q in queries if not q[2]]
    found = [q for q in listed if q[2] in hits.get(q[0], ())]
    recall = len(found) / len(listed) if listed else float("nan")
    fh = sum(1 for q in absent if hits.get(q[0]))
    fhr = fh / len(absent) if absent else float("nan")
    detail = ""
    if labels:
        per = {}
        for q in listed:
            c = labels.get(q[0], "?")
            n, k = per.get(c, (0, 0))
            per[c] = (n + 1, k + (q[2] in hits.get(q[0], ())))
        detail = "recall by kind: " + ", ".join(
            f"{c} {k / n:.0%} ({n})" for c, (n, k) in sorted(per.items()))
    return recall, fhr, detail


def percentile(xs, p):
    """Nearest-rank percentile of a list of numbers."""
    if not xs:
        return float("nan")
    s = sorted(xs)
    i = max(0, min(len(s) - 1, math.ceil(p / 100 * len(s)) - 1))
    return s[i]


def row(system, n_names, qps, p50_ms, p99_ms, recall, fhr, build_s,
        rss_mb):
    """One Markdown row: system | names | queries/s | p50 | p99 | recall |
    false-hit rate | build | RSS."""
    def ms(x):
        return "–" if x != x else (f"{x:.2f} ms" if x < 10 else
                                   f"{x:.0f} ms")
    return (f"| {system} | {n_names:,} | {qps:,.1f} | {ms(p50_ms)} | "
            f"{ms(p99_ms)} | {recall:.2%} | {fhr:.1%} | {build_s:.1f} s | "
            f"{rss_mb:,.0f} MB |")


def count_names(path):
    with open(path, encoding="utf-8", newline="") as f:
        return sum(1 for _ in csv.DictReader(f))


def warn(msg):
    print(msg, file=sys.stderr)
