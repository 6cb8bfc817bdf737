#!/usr/bin/env python3
"""baseline_pgtrgm.py - helper of baseline_pgtrgm.sh (not run by hand).

  baseline_pgtrgm.py sql QUERIES.csv LIMIT > run.sql
      one `EXECUTE q(qid, 'name');` a line, for the prepared statement the
      shell script defines; LIMIT 0 = all queries
  baseline_pgtrgm.py report NAMES.csv QUERIES.csv LIMIT HITS TIMING \
      WALL_S BUILD_S STATUS THRESHOLD [LABELS]
      HITS: psql unaligned output `qid|id|similarity`; TIMING: psql output
      of the \\timing pass (lines `Time: 1.234 ms`); STATUS: the backend's
      /proc/PID/status. Prints the Markdown row; detail to stderr.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import baseline_common as C  # noqa: E402

STRICT = 0.5


def sql(queries, limit):
    for qid, name, _ in C.read_queries(queries, limit):
        # standard_conforming_strings is on: only the quote needs doubling
        lit = name.replace("'", "''")
        print(f"EXECUTE q({int(qid)}, '{lit}');")


def report(names, queries, limit, hits_f, timing_f, wall, build, status_f,
           threshold, labels=None):
    qs = C.read_queries(queries, limit)
    hits, strict = {}, {}
    with open(hits_f, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("|")
            if len(parts) == 3:
                hits.setdefault(parts[0], set()).add(parts[1])
                if float(parts[2]) >= STRICT:
                    strict.setdefault(parts[0], set()).add(parts[1])
    lat = []
    with open(timing_f, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"Time: ([0-9.]+) ms", line)
            if m:
                lat.append(float(m.group(1)))
    rss_kb = 0
    with open(status_f, encoding="utf-8") as f:
        m = re.search(r"VmHWM:\s+(\d+) kB", f.read())
        rss_kb = int(m.group(1)) if m else 0
    recall, fhr, detail = C.score(qs, hits, C.read_labels(labels))
    n = C.count_names(names)
    print(C.row(f"pg_trgm (similarity ≥ {threshold})", n, len(qs) / wall,
                C.percentile(lat, 50), C.percentile(lat, 99), recall, fhr,
                build, rss_kb / 1024))
    C.warn(f"pg_trgm: {len(qs)} queries in {wall:.1f} s on one connection;"
           f" latency from \\timing over {len(lat)} of them; RSS = peak of "
           f"the serving backend (VmHWM, touched shared buffers included)")
    if detail:
        C.warn("pg_trgm: " + detail)
    # The default threshold returns something for nearly every name; what a
    # stricter cut would give, from the same top-10 lists (those above
    # STRICT are exactly the top 10 a query at STRICT would return).
    r2, f2, _ = C.score(qs, strict)
    C.warn(f"pg_trgm: keeping only hits with similarity >= {STRICT} of the "
           f"same results: recall {r2:.1%}, false-hit rate {f2:.1%}")


def main():
    a = sys.argv[1:]
    if a and a[0] == "sql" and len(a) == 3:
        sql(a[1], int(a[2]))
    elif a and a[0] == "report" and len(a) in (10, 11):
        report(a[1], a[2], int(a[3]), a[4], a[5], float(a[6]), float(a[7]),
               a[8], a[9], a[10] if len(a) == 11 else None)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
