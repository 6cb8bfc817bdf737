#!/bin/bash
# bench/screen.sh [SIZES] - screening speed and quality: liaison against
# the two things a user might pick instead, on the same files.
#
#   SIZES    space-separated list sizes; "real" = the OFAC + UN names only
#            (about 21k rows); a number N = the real names plus generated
#            ones up to N rows. Default "real 1000000" (or $SCREEN_SIZES).
#
# For each size: bench/gen_names.py (seed 1), bench/gen_queries.py (seed 2,
# $SCREEN_QUERIES queries, default 20000; 30 % exact / 40 % variants /
# 30 % not listed), then
#   liaison   $BUILD/bench/bench_screen --names --queries --threads 1
#             --build-threads 2 --repeat 3: queries on one core, the
#             index built on both (the build is a start-up cost, the
#             queries are what a border post waits for), the fastest of
#             three passes over the queries (BUILD defaults to
#             build/release; skipped with a message when it is not built)
#   pg_trgm   bench/baseline_pgtrgm.sh (PGTRGM_MAX_QUERIES caps its
#             queries, default all; PGTRGM_THRESHOLD, default 0.3)
#   jellyfish bench/baseline_jellyfish.py on a sample: JF_MAX_QUERIES,
#             default 200 up to 100k names and 50 above (it scans every
#             name for every query)
# and prints one Markdown table, then the liaison / pg_trgm throughput
# ratio and the baselines' notes (recall per kind of query, ...).
#
# Row layout shared by every system (bench_screen's rows must follow it
# for the ratio to be computed): | system | names | queries/s (one core) |
# p50 | p99 | recall | false-hit rate | build time | RSS |
# recall = listed queries whose expect_id is among the hits; false-hit
# rate = not-listed queries with at least one hit (bench/baseline_common.py).
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"
cd "$SRC"
BUILD="${BUILD:-build/release}"
BENCH="$BUILD/bench/bench_screen"
DATA="${LIAISON_DATA:-$SRC/../shared/data}"
SIZES="${1:-${SCREEN_SIZES:-real 1000000}}"
NQ="${SCREEN_QUERIES:-20000}"
PY=python3
PYJF=/usr/bin/python3 # Debian's, where apt's python3-jellyfish lives
W="$(mktemp -d /tmp/liaison-screen.XXXXXX)"
trap 'rm -rf "$W"' EXIT
: >"$W/notes"
: >"$W/ratios"

# qps_of ROW: the queries/s column of a table row, without separators
qps_of() { awk -F'|' '{ gsub(/[ ,]/, "", $4); print $4 }' <<<"$1"; }

echo "## Screening ($(date -u +%Y-%m-%d), $(nproc) cores, one query thread, $NQ queries a list)"
echo
echo "| system | names | queries/s (one core) | p50 | p99 | recall | false-hit rate | build time | RSS |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for size in $SIZES; do
	total=$size
	[ "$size" = real ] && total=0
	names="$W/names-$size.csv"
	queries="$W/queries-$size.csv"
	labels="$W/labels-$size.csv"
	$PY bench/gen_names.py --real "$DATA" --total "$total" --seed 1 >"$names" 2>>"$W/notes"
	$PY bench/gen_queries.py --names "$names" --count "$NQ" --seed 2 \
		--labels "$labels" >"$queries" 2>>"$W/notes"
	n=$(($(wc -l <"$names") - 1))
	nf=$($PY -c 'import sys; print(f"{int(sys.argv[1]):,}")' "$n")

	lrow=""
	if [ -x "$BENCH" ]; then
		if ! /usr/bin/time -f "%e %M" -o "$W/time" "$BENCH" --names "$names" \
			--queries "$queries" --threads 1 --build-threads 2 --repeat 3 \
			>"$W/liaison.out" 2>>"$W/notes"; then
			echo "screen.sh: bench_screen failed on $names (its stderr is in the notes)" >&2
			: >"$W/liaison.out"
			echo "0 0" >"$W/time"
		fi
		# its own rows; separator lines and headers (no number of names) out
		while IFS= read -r line; do
			[[ "$line" =~ ^\|[-:\ \|]+$ ]] && continue
			[[ "$(awk -F'|' '{ gsub(/[ ,]/, "", $3); print $3 }' <<<"$line")" =~ ^[0-9]+$ ]] || continue
			echo "$line"
			[ -n "$lrow" ] || lrow="$line"
		done < <(grep '^|' "$W/liaison.out" || true)
		read -r secs rss <"$W/time"
		echo "bench_screen ($n names): process wall $secs s, peak RSS $((rss / 1024)) MB" >>"$W/notes"
	else
		echo "| liaison | $nf | not run: $BENCH is not built | | | | | | |"
		echo "screen.sh: $BENCH not built (cmake --build $BUILD --target bench_screen); liaison skipped" >&2
	fi

	pgargs=()
	[ -n "${PGTRGM_MAX_QUERIES:-}" ] && pgargs=(--max-queries "$PGTRGM_MAX_QUERIES")
	prow=$(bench/baseline_pgtrgm.sh "$names" "$queries" --labels "$labels" \
		${pgargs[@]+"${pgargs[@]}"} 2>>"$W/notes")
	echo "$prow"

	jfq="${JF_MAX_QUERIES:-}"
	[ -n "$jfq" ] || { [ "$n" -le 100000 ] && jfq=200 || jfq=50; }
	$PYJF bench/baseline_jellyfish.py "$names" "$queries" --labels "$labels" \
		--max-queries "$jfq" 2>>"$W/notes"

	if [ -n "$lrow" ]; then
		$PY -c 'import sys; l, p = float(sys.argv[1]), float(sys.argv[2]); print(f"- {int(sys.argv[3]):,} names: liaison / pg_trgm throughput = {l / p:.1f}x")' \
			"$(qps_of "$lrow")" "$(qps_of "$prow")" "$n" >>"$W/ratios" ||
			echo "- $nf names: ratio not computed (bench_screen row not in the shared layout)" >>"$W/ratios"
	else
		echo "- $nf names: liaison / pg_trgm throughput = n/a (bench_screen not built)" >>"$W/ratios"
	fi
done
echo
cat "$W/ratios"
echo
echo "Notes:"
echo
sed 's/^/    /' "$W/notes"
