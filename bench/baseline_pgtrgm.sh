#!/bin/bash
# bench/baseline_pgtrgm.sh NAMES.csv QUERIES.csv [--max-queries K] [--labels L.csv]
#
# Baseline: what a user gets from PostgreSQL 15 + pg_trgm. A throwaway
# cluster (loopback and a private socket directory only) is created, loaded
# with COPY, indexed with GIN on lower(name) gin_trgm_ops, and screened with
#   SELECT id, similarity(lower(name), lower($1)) s FROM names
#   WHERE lower(name) % lower($1) ORDER BY s DESC LIMIT 10
# as a prepared statement, every query in turn from ONE psql session.
#
# Throughput: wall time of that session over all queries (\timing off,
# results written to a file, which is also what recall is computed from).
# Latency: a second pass over the first PGTRGM_LATENCY_SAMPLE queries with
# \timing on (client-side round trip over the Unix socket).
# Threshold: PGTRGM_THRESHOLD, default 0.3 = pg_trgm's own default, i.e.
# what a user who does not tune gets; lower values find more typos but the
# GIN scan then returns many more candidates to rank.
# Server: fsync off, JIT and parallel query off (one core, like the others),
# shared_buffers large enough to hold table and index.
# Prints one Markdown row (see baseline_common.py); notes go to stderr.
# The cluster is stopped and deleted on exit, failure included.
set -euo pipefail
usage() { echo "usage: $0 NAMES.csv QUERIES.csv [--max-queries K] [--labels L.csv]" >&2; exit 2; }
[ $# -ge 2 ] || usage
NAMES="$(realpath "$1")"
QUERIES="$(realpath "$2")"
shift 2
MAXQ=0
LABELS=""
while [ $# -gt 0 ]; do
	case "$1" in
	--max-queries) MAXQ="$2"; shift 2 ;;
	--labels) LABELS="$(realpath "$2")"; shift 2 ;;
	*) usage ;;
	esac
done
HERE="$(cd "$(dirname "$0")" && pwd)"
PY="${PYTHON:-python3}"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
THRESHOLD="${PGTRGM_THRESHOLD:-0.3}"
LATN="${PGTRGM_LATENCY_SAMPLE:-1000}"
[ -x "$PGBIN/initdb" ] || { echo "baseline_pgtrgm: no $PGBIN/initdb (apt-get install postgresql)" >&2; exit 1; }

W="$(mktemp -d /tmp/liaison-pgtrgm.XXXXXX)"
STARTED=""
AS=""
cleanup() {
	if [ -n "$STARTED" ]; then
		$AS "$PGBIN/pg_ctl" -D "$W/db" -m immediate stop >/dev/null 2>&1 || true
	fi
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# PostgreSQL refuses to run as root: as root, run the server as postgres.
if [ "$(id -u)" = 0 ]; then
	chown postgres "$W"
	AS="runuser -u postgres --"
fi
PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

$AS "$PGBIN/initdb" -D "$W/db" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$W/initdb.log" 2>&1 ||
	{ cat "$W/initdb.log" >&2; exit 1; }
STARTED=1
$AS "$PGBIN/pg_ctl" -D "$W/db" -l "$W/server.log" -w -o "-c listen_addresses=127.0.0.1 -p $PORT \
-c unix_socket_directories=$W -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
-c shared_buffers=1GB -c maintenance_work_mem=1GB -c work_mem=64MB -c jit=off \
-c max_parallel_workers_per_gather=0 -c max_parallel_maintenance_workers=0" start >/dev/null ||
	{ cat "$W/server.log" >&2; exit 1; }

PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h "$W" -p "$PORT" -U postgres -d postgres)
now() { date +%s.%N; }

# Build: load and index, timed together, as a user would have to.
t0=$(now)
"${PSQL[@]}" <<SQL
CREATE EXTENSION pg_trgm;
CREATE TABLE names (id text NOT NULL, name text NOT NULL, kind text NOT NULL);
\\copy names FROM '$NAMES' WITH (FORMAT csv, HEADER true)
CREATE INDEX names_trgm ON names USING gin (lower(name) gin_trgm_ops);
ANALYZE names;
SQL
t1=$(now)
BUILD=$("$PY" -c "print($t1 - $t0)")

"$PY" "$HERE/baseline_pgtrgm.py" sql "$QUERIES" "$MAXQ" >"$W/run.sql"
cat >"$W/head.sql" <<SQL
SET pg_trgm.similarity_threshold = $THRESHOLD;
PREPARE q(int, text) AS
  SELECT \$1, id, similarity(lower(name), lower(\$2)) AS s FROM names
  WHERE lower(name) % lower(\$2) ORDER BY s DESC LIMIT 10;
\\pset format unaligned
\\pset tuples_only on
SQL

# Throughput pass: all queries, one session, results to a file.
{
	cat "$W/head.sql"
	echo "\\o $W/hits.txt"
	cat "$W/run.sql"
	echo "\\o $W/status.txt"
	echo "SELECT pg_read_file('/proc/' || pg_backend_pid() || '/status');"
} >"$W/pass1.sql"
t0=$(now)
"${PSQL[@]}" -f "$W/pass1.sql"
t1=$(now)
WALL=$("$PY" -c "print($t1 - $t0)")

# Latency pass: a sample with \timing on (its "Time:" lines go to stdout).
{
	cat "$W/head.sql"
	echo "\\o /dev/null"
	echo "\\timing on"
	head -n "$LATN" "$W/run.sql"
} >"$W/pass2.sql"
"${PSQL[@]}" -f "$W/pass2.sql" >"$W/timing.txt"

"$PY" "$HERE/baseline_pgtrgm.py" report "$NAMES" "$QUERIES" "$MAXQ" \
	"$W/hits.txt" "$W/timing.txt" "$WALL" "$BUILD" "$W/status.txt" "$THRESHOLD" ${LABELS:+"$LABELS"}
