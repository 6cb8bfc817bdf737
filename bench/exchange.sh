#!/bin/bash
# bench/exchange.sh [N] [NBIG] - delivery between two nodes on loopback.
#
# Two nodes with identities made here (throwaway, removed at exit). N small
# messages (default 2000) are queued at A while its daemon is stopped; then
# A's daemon starts and the time until every message is *delivered* (stored
# durably at B, B's signed receipt stored durably back at A: the outbox
# says "delivered") is the small-message rate, durable on both sides. The
# same again with NBIG (default 20) messages each carrying a 1 MiB
# attachment gives MB/s. The cryptography alone (seal, and parse + verify +
# open) is measured by $BUILD/bench/bench_envelope in the same run, so the
# share of the time it takes is visible. BUILD defaults to build/release.
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${BUILD:-$SRC/build/release}"
LIAISON="$BUILD/liaison"
N="${1:-2000}"
NBIG="${2:-20}"
[ -x "$LIAISON" ] || { echo "exchange.sh: $LIAISON not built (make release)" >&2; exit 1; }
W="$(mktemp -d /tmp/liaison-xbench.XXXXXX)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT
lia() { local h="$1"; shift; "$LIAISON" --home "$h" "$@"; }
read -r PA PB < <(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
A="$W/a"; B="$W/b"
lia "$A" init --agency NL-NP --name "Netherlands Police" --country NL >/dev/null
lia "$B" init --agency DE-BKA --name "Bundeskriminalamt" --country DE >/dev/null
lia "$A" identity export >"$W/a.card"
lia "$B" identity export >"$W/b.card"
lia "$A" peer add "$W/b.card" --url "https://127.0.0.1:$PB" >/dev/null
lia "$B" peer add "$W/a.card" --url "https://127.0.0.1:$PA" >/dev/null

start() { # HOME PORT
	"$LIAISON" --home "$1" serve --listen "127.0.0.1:$2" 2>>"$1.log" &
	PIDS+=($!)
	for _ in $(seq 100); do grep -q "serving on" "$1.log" 2>/dev/null && return 0; sleep 0.05; done
	echo "exchange.sh: node $1 did not start" >&2; exit 1
}
delivered() { lia "$A" --json outbox | python3 -c 'import json,sys; print(sum(r["state"]=="delivered" for r in json.load(sys.stdin)))'; }
# run LABEL COUNT: start A, wait until COUNT delivered, print seconds
run() {
	local t0 t1
	t0=$(date +%s.%N)
	start "$A" "$PA"
	while [ "$(delivered)" -lt "$2" ]; do sleep 0.05; done
	t1=$(date +%s.%N)
	kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true
	unset 'PIDS[-1]'
	python3 -c "print(f'{float(\"$t1\")-float(\"$t0\"):.3f}')"
}

start "$B" "$PB"
text="The subject left Rotterdam by car at 04:10; plate seen at Venlo at 05:02."
for i in $(seq "$N"); do lia "$A" send --to DE-BKA --subject "report $i" --text "$text" >/dev/null; done
secs=$(run small "$N")
head -c $((1 << 20)) /dev/urandom >"$W/att.bin"
for i in $(seq "$NBIG"); do lia "$A" send --to DE-BKA --subject "file $i" --attach "$W/att.bin" >/dev/null; done
bsecs=$(run big $((N + NBIG)))

echo "## Exchange between two nodes on loopback ($(date -u +%Y-%m-%d), $(nproc) cores)"
echo
python3 - "$N" "$secs" "$NBIG" "$bsecs" <<'PY'
import sys
n, s, nb, bs = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
print("| what | count | seconds | rate |")
print("|---|---:|---:|---:|")
print(f"| small messages, delivered and receipted | {n} | {s:.2f} | {n/s:,.0f} messages/s |")
print(f"| messages with a 1 MiB attachment | {nb} | {bs:.2f} | {nb*1.048576/bs:,.1f} MB/s |")
PY
echo
echo "Cryptography alone, one core ($BUILD/bench/bench_envelope):"
echo
"$BUILD/bench/bench_envelope"
