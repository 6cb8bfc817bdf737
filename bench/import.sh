#!/bin/bash
# bench/import.sh BUILD_DIR - import throughput and peak memory.
#
# FtM JSON lines at 10k, 100k and 1M generated records and the real UN and
# OFAC files, each into a fresh node; in the same run the sqlite3 shell
# imports the same FtM rows as plain CSV (id, schema, body) into an indexed
# table, as the baseline. Prints a Markdown table.
set -euo pipefail
BUILD="${1:-build/release}"
LIA="$BUILD/liaison"
SRC="$(cd "$(dirname "$0")/.." && pwd)"
DATA="${LIAISON_DATA:-$SRC/../shared/data}"
W="$(mktemp -d /tmp/liaison-bench.XXXXXX)"
trap 'rm -rf "$W"' EXIT
SIZES="${BENCH_SIZES:-10000 100000 1000000}"

# run_timed OUTVAR cmd... : wall seconds and max RSS (KiB) via GNU time
run_timed() {
	/usr/bin/time -f "%e %M" -o "$W/time" "$@" >/dev/null 2>"$W/stderr" || {
		cat "$W/stderr" >&2; return 1; }
	read -r SECS RSS <"$W/time"
}

echo "| input | records | liaison s | records/s | peak RSS MB | sqlite3 CSV s | ratio liaison/sqlite3 |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for n in $SIZES; do
	f="$W/gen-$n.ijson"
	python3 "$SRC/bench/gen_ftm.py" "$n" --seed 1 >"$f"
	rm -rf "$W/node"
	"$LIA" --home "$W/node" init --agency BENCH >/dev/null
	run_timed "$LIA" --home "$W/node" import --quiet "$f"
	lsecs=$SECS; lrss=$RSS
	# Baseline: the same rows as CSV into an indexed table in one
	# transaction, WAL mode, as sqlite3's own .import does it.
	python3 - "$f" "$W/rows.csv" <<'PY'
import csv, json, sys
with open(sys.argv[2], "w", newline="") as out:
    w = csv.writer(out)
    for line in open(sys.argv[1], encoding="utf-8"):
        e = json.loads(line)
        w.writerow([e["id"], e["schema"], line.rstrip("\n")])
PY
	rm -f "$W/base.db"
	cat >"$W/base.sql" <<SQL
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
CREATE TABLE t(id TEXT PRIMARY KEY, schema TEXT, body TEXT);
CREATE INDEX t_schema ON t(schema);
BEGIN;
.import --csv $W/rows.csv t
COMMIT;
SQL
	run_timed sqlite3 "$W/base.db" ".read $W/base.sql"
	ssecs=$SECS
	python3 - "$n" "$lsecs" "$lrss" "$ssecs" <<'PY'
import sys
n, l, rss, s = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
print(f"| FtM generated | {n:,} | {l:.2f} | {n/l if l else float('inf'):,.0f} | {rss/1024:.0f} | {s:.2f} | {l/s if s else float('inf'):.1f}x |")
PY
done

if [ -d "$DATA/sanctions" ]; then
	S="$DATA/sanctions"
	for kind in un ofac; do
		rm -rf "$W/node"
		"$LIA" --home "$W/node" init --agency BENCH >/dev/null
		if [ $kind = un ]; then
			run_timed "$LIA" --home "$W/node" --json import --quiet "$S/UN_consolidated.xml"
		else
			run_timed "$LIA" --home "$W/node" --json import --quiet --format ofac \
				"$S/ofac_sdn.csv" "$S/ofac_alt.csv" "$S/ofac_add.csv" "$S/ofac_sdn_comments.csv"
		fi
		recs=$("$LIA" --home "$W/node" --json stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])')
		python3 -c "
import sys
n,l,rss=int(sys.argv[1]),float(sys.argv[2]),int(sys.argv[3])
print(f'| {sys.argv[4]} (real) | {n:,} | {l:.2f} | {n/l if l else 0:,.0f} | {rss/1024:.0f} | – | – |')" "$recs" "$SECS" "$RSS" "$kind"
	done
else
	echo "(shared data not found: real-file rows skipped)" >&2
fi
