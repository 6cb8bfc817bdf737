#!/bin/bash
# bench/exchange.sh [N] [NBIG] [NCLI] - delivery between two nodes on loopback.
#
# Two nodes with identities made here (throwaway, removed at exit).
#
# 1. Durable sends: N small messages (default 2000, ~80 bytes of text) are
#    queued at A through the library ($BUILD/bench/bench_send: one process,
#    each message sealed and committed durably before the next), and NCLI
#    (default 200) through `liaison send`, one process each, to show what
#    the CLI's process start costs.
# 2. Delivery: A's daemon then starts with everything queued, and the clock
#    runs from its "serving on" log line until every message is
#    *delivered*: committed durably at B (synchronous = FULL) before B
#    acknowledged it, and B's signed receipt committed durably back at A
#    (A's outbox says "delivered"). Polled with sqlite3 every 10 ms.
# 3. The same with NBIG (default 20) messages each carrying a 1 MiB
#    attachment gives MB/s.
# 4. The cryptography alone ($BUILD/bench/bench_envelope) and plain HTTPS
#    to the same kind of server ($BUILD/bench/bench_https), same run.
#
# BUILD defaults to build/release.
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${BUILD:-$SRC/build/release}"
LIAISON="$BUILD/liaison"
N="${1:-2000}"
NBIG="${2:-20}"
NCLI="${3:-200}"
[ -x "$LIAISON" ] || { echo "exchange.sh: $LIAISON not built (make release)" >&2; exit 1; }
. "$SRC/bench/twonodes.bash"

# run COUNT: start A, wait until COUNT delivered; print the seconds from
# A's "serving on" line (UTC in the log) to the moment the count was seen.
run() {
	: >"$A.log"
	start "$A" "$PA"
	python3 - "$A/store.db" "$1" "$A.log" "${PIDS[0]}" "${PIDS[-1]}" <<'PY'
import os, sqlite3, sys, time, datetime
db, want, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
pids = sys.argv[4:]
def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
cpu0 = [cpu(p) for p in pids]
c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
while c.execute("select count(*) from outbox o join out_envelopes e using(env_id)"
                " where e.kind = 'message' and o.state = 'delivered'").fetchone()[0] < want:
    time.sleep(0.01)
t1 = time.time()
for line in open(log):
    if "serving on" in line:
        t0 = datetime.datetime.strptime(line.split()[0], "%Y-%m-%dT%H:%M:%S.%fZ")
        t0 = t0.replace(tzinfo=datetime.timezone.utc).timestamp()
cpu1 = [cpu(p) for p in pids]
# B's CPU is counted from when this script started (A's daemon had
# just started), A's from its start: both daemons' whole cost.
print(f"{t1 - t0:.3f} {cpu1[0] - cpu0[0]:.2f} {cpu1[1]:.2f}")
PY
	kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true
	unset 'PIDS[-1]'
}

start "$B" "$PB"
text="The subject left Rotterdam by car at 04:10; plate seen at Venlo at 05:02."
read -r _ lsecs lrate < <("$BUILD/bench/bench_send" "$A" DE-BKA "$N" "$text")
t0=$(date +%s.%N)
for i in $(seq "$NCLI"); do lia "$A" send --to DE-BKA --subject "cli $i" --text "$text" >/dev/null; done
t1=$(date +%s.%N)
read -r secs bcpu acpu < <(run $((N + NCLI)))
head -c $((1 << 20)) /dev/urandom >"$W/att.bin"
for i in $(seq "$NBIG"); do lia "$A" send --to DE-BKA --subject "file $i" --attach "$W/att.bin" >/dev/null; done
read -r bsecs _ _ < <(run $((N + NCLI + NBIG)))
batches=$(grep -ac "batch of" "$B.log" || true)
esize=$(sqlite3 "$A/store.db" "select cast(avg(length(bytes)) as int) from out_envelopes where kind = 'message' and subject like 'report %'")

echo "## Exchange between two nodes on loopback ($(date -u +%Y-%m-%d), $(nproc) cores)"
echo
python3 - "$N" "$lsecs" "$NCLI" "$t0" "$t1" "$secs" "$NBIG" "$bsecs" "$batches" "$bcpu" "$acpu" <<'PY'
import sys
n, ls, nc, c0, c1, s, nb, bs, batches, bcpu, acpu = sys.argv[1:]
bcpu, acpu = float(bcpu), float(acpu)
n, ls, nc, cs, s, nb, bs = int(n), float(ls), int(nc), float(c1) - float(c0), float(s), int(nb), float(bs)
print("| what | count | seconds | rate |")
print("|---|---:|---:|---:|")
print(f"| durable sends, library (bench_send, one process) | {n} | {ls:.2f} | {n/ls:,.0f} messages/s |")
print(f"| durable sends, `liaison send` (one process each) | {nc} | {cs:.2f} | {nc/cs:,.0f} messages/s |")
print(f"| small messages delivered and receipted (A's daemon start to last receipt) | {n+nc} | {s:.2f} | **{(n+nc)/s:,.0f} messages/s** |")
print(f"| messages with a 1 MiB attachment | {nb} | {bs:.2f} | {nb*1.048576/bs:,.1f} MB/s |")
print()
m = n + nc
print(f"({batches} batch requests received at B in all.) CPU time of the small-message run: "
      f"receiver B {bcpu:.2f} s, sender A {acpu:.2f} s, i.e. {1e6*(bcpu+acpu)/m:,.0f} µs per message "
      f"for both daemons together ({m/(bcpu+acpu):,.0f} messages per CPU-second), "
      f"which does not depend on what else the machine runs; load average now: {open('/proc/loadavg').read().split()[0]}.")
PY
echo
echo "Cryptography alone, one core ($BUILD/bench/bench_envelope):"
echo
"$BUILD/bench/bench_envelope"
if [ -x "$BUILD/bench/bench_https" ]; then
	echo
	echo "Plain HTTPS of the same bytes (a small envelope is $esize bytes), same server library and TLS setup ($BUILD/bench/bench_https):"
	echo
	"$BUILD/bench/bench_https" "$A" "$esize"
fi
