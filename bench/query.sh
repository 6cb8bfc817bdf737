#!/bin/bash
# bench/query.sh [N] - hit/no-hit queries answered by a node holding the UN
# and OFAC lists (../shared/data/sanctions, imported as its own records).
#
# Two nodes on loopback, identities made here. B imports the lists; both
# daemons start; A queues N queries (default 40, ten names in turn, one
# `liaison query` each, all queued before the clock starts) and the clock
# runs from the moment A's daemon starts until every answer is committed
# in A's inbox. Reported: answers/s, the wall time per answer, and the
# answering daemon's peak RSS (VmHWM: the kept screening index lives
# there). BUILD defaults to build/release; DATA to ../shared/data.
# ALERTS=K (default 0): before the clock, A issues K alerts (on K
# synthetic people) to B and waits until B holds them, so that every
# query is also screened against K received alerts (the cost of issue #5's
# hits on alerts by query); none of the ten names matches them.
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${BUILD:-$SRC/build/release}"
LIAISON="$BUILD/liaison"
DATA="${DATA:-$SRC/../shared/data}"
N="${1:-40}"
ALERTS="${ALERTS:-0}"
[ -x "$LIAISON" ] || { echo "query.sh: $LIAISON not built (make release)" >&2; exit 1; }
[ -f "$DATA/sanctions/UN_consolidated.xml" ] || { echo "query.sh: no $DATA/sanctions" >&2; exit 1; }
. "$SRC/bench/twonodes.bash"
S="$DATA/sanctions"
lia "$B" import "$S/UN_consolidated.xml" >/dev/null
lia "$B" import --format ofac "$S/ofac_sdn.csv" "$S/ofac_alt.csv" "$S/ofac_add.csv" "$S/ofac_sdn_comments.csv" >/dev/null
RECORDS=$(lia "$B" --json stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])')
names=("Vladimir Putin" "Aleksandr Pushkin" "Ivan Petrov" "Kim Jong Un" "Osama bin Laden"
	"Olga Sidorova" "Li Wei" "Mohammed Ali" "Juan Carlos Garcia" "Viktor Bout")
start "$B" "$PB"; PB_PID=${PIDS[-1]}
if [ "$ALERTS" -gt 0 ]; then
	python3 - "$ALERTS" >"$W/alerted.ijson" <<'PY'
import json, random, sys
r = random.Random(7)
first = ["Anneke", "Joris", "Maartje", "Pieter", "Sanne", "Daan", "Lotte", "Thijs", "Femke", "Bram"]
last = ["Verhoeven", "Kuipers", "Brouwer", "Dijkstra", "Vermeulen", "Hendriks", "Mulder", "Postma", "Smits", "Bosman"]
for k in range(int(sys.argv[1])):
    name = "%s %s %s" % (r.choice(first), r.choice("ABCDEFGHJKLMNPRSTVW"), r.choice(last))
    print(json.dumps({"id": "bench-alert-%d" % k, "schema": "Person",
                      "properties": {"name": [name], "birthDate": ["19%02d-0%d-1%d" % (r.randrange(50, 99), r.randrange(1, 9), r.randrange(0, 9))]}}))
PY
	lia "$A" import --audience DE-BKA --tlp AMBER "$W/alerted.ijson" >/dev/null
	for k in $(seq 0 $((ALERTS - 1))); do
		lia "$A" alert issue --kind discreet-check --record "bench-alert-$k" --to DE-BKA >/dev/null
	done
	start "$A" "$PA"; PA_PID=${PIDS[-1]}
	python3 - "$B/store.db" "$ALERTS" <<'PY'
import sqlite3, sys, time
c = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
while c.execute("select count(*) from alerts where role='received' and state='active'").fetchone()[0] < int(sys.argv[2]):
    time.sleep(0.05)
PY
	kill "$PA_PID"; wait "$PA_PID" 2>/dev/null || true
	: >"$A.log"
fi
for i in $(seq "$N"); do
	lia "$A" query --to DE-BKA --name "${names[$(( (i - 1) % 10 ))]}" >/dev/null
done
t0=$(date +%s.%N)
start "$A" "$PA"
python3 - "$A/store.db" "$N" <<'PY'
import sqlite3, sys, time
c = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
while c.execute("select count(*) from inbox where kind='answer'").fetchone()[0] < int(sys.argv[2]):
    time.sleep(0.01)
PY
t1=$(date +%s.%N)
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$PB_PID/status")
python3 -c "
import sys
n, t = int(sys.argv[1]), float(sys.argv[3]) - float(sys.argv[2])
print(f'| {sys.argv[5]} | {sys.argv[6]} | {sys.argv[7]} | {n} | {t:.2f} | {n/t:,.1f} | {1000*t/n:,.0f} | {int(sys.argv[4])//1024} MB |')
" "$N" "$t0" "$t1" "$hwm" "$LIAISON" "$RECORDS" "$ALERTS"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
