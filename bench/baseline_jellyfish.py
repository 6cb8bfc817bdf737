#!/usr/bin/python3
"""baseline_jellyfish.py - the "small Python script" baseline: brute-force
Jaro-Winkler of each query against every listed name, on one core.

usage: baseline_jellyfish.py NAMES.csv QUERIES.csv [--max-queries K]
                             [--threshold T] [--labels L.csv]

Both sides are lower-cased; a name is a hit when
jellyfish.jaro_winkler_similarity >= T (default 0.9, a common choice for
names); hits are kept best first, one per id, at most 10 -- the same top-10
as the other systems. Scanning is slow (every query touches every name),
so only the first K queries (default 200) are run: queries/s and latency
are measured on those and stand for the whole file (the queries are in
random order, so the first K are a fair sample), and recall and false hits
are computed on them too. Prints one Markdown row (see baseline_common.py).

The shebang is Debian's python3, where apt's python3-jellyfish lives.
"""
import argparse
import itertools
import csv
import os
import resource
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import baseline_common as C  # noqa: E402

# jellyfish 0.8 (Debian 12) parses str with the deprecated 'u' format and
# says so on every call; the warning is noise, not a problem.
warnings.filterwarnings("ignore", category=DeprecationWarning)
import jellyfish  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("names")
    ap.add_argument("queries")
    ap.add_argument("--max-queries", type=int, default=200)
    ap.add_argument("--threshold", type=float, default=0.9)
    ap.add_argument("--labels")
    a = ap.parse_args()

    t0 = time.perf_counter()
    ids, names = [], []
    with open(a.names, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            ids.append(row["id"])
            names.append(row["name"].lower())
    build = time.perf_counter() - t0

    qs = C.read_queries(a.queries, a.max_queries)
    jw = jellyfish.jaro_winkler_similarity
    hits, lat = {}, []
    t_all = time.perf_counter()
    for qid, qname, _ in qs:
        t = time.perf_counter()
        q = qname.lower()
        scores = list(map(jw, itertools.repeat(q), names))
        best = {}
        for i, s in enumerate(scores):
            if s >= a.threshold and s > best.get(ids[i], 0.0):
                best[ids[i]] = s
        top = sorted(best.items(), key=lambda kv: -kv[1])[:10]
        hits[qid] = {k for k, _ in top}
        lat.append((time.perf_counter() - t) * 1000)
    wall = time.perf_counter() - t_all

    recall, fhr, detail = C.score(qs, hits, C.read_labels(a.labels))
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(C.row(f"jellyfish Jaro-Winkler ≥ {a.threshold} (brute force, "
                f"{len(qs)}-query sample)", len(names), len(qs) / wall,
                C.percentile(lat, 50), C.percentile(lat, 99), recall, fhr,
                build, rss_mb))
    C.warn(f"jellyfish: {len(qs)} queries x {len(names):,} names in {wall:.1f} s; "
           f"queries/s extrapolated from this sample")
    if detail:
        C.warn("jellyfish: " + detail)


if __name__ == "__main__":
    main()
