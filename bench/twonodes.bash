# bench/twonodes.bash - sourced by the exchange benchmarks (exchange.sh, relay_attach.sh,
# attach.sh, query.sh): two nodes on loopback, A (NL-NP) and B (DE-BKA),
# with identities made now and each pinning the other on a free port.
# Needs LIAISON (the binary); defines W (a work folder removed on exit),
# PIDS, lia HOME ARGS..., PA and PB (ports), A and B (homes) and
# start HOME PORT (serve, wait for "serving on"; the pid joins PIDS),
# wait_delivered and served_at.
W="$(mktemp -d "${TMPDIR:-/tmp}/liaison-bench.XXXXXX")"
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
start() { # HOME PORT (a restart waits for a new "serving on" line)
	local before
	before=$(grep -c "serving on" "$1.log" 2>/dev/null || true)
	"$LIAISON" --home "$1" serve --listen "127.0.0.1:$2" 2>>"$1.log" &
	PIDS+=($!)
	for _ in $(seq 1000); do [ "$(grep -c "serving on" "$1.log" 2>/dev/null || true)" -gt "${before:-0}" ] && return 0; sleep 0.005; done
	echo "$(basename "$0"): node $1 did not start" >&2; exit 1
}
# wait_delivered HOME ENV_ID...: until HOME's outbox says "delivered" for
# every one of them (the receiver's signed receipts in).
wait_delivered() {
	python3 - "$1/store.db" "${@:2}" <<'PY'
import sqlite3, sys, time
c = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
ids = sys.argv[2:]
q = "select count(*) from outbox where state='delivered' and env_id in (%s)" % ",".join("?" * len(ids))
while c.execute(q, ids).fetchone()[0] < len(ids):
    time.sleep(0.01)
PY
}
# served_at HOME: the UTC time (seconds) of the "serving on" lines of
# HOME.log, one a line.
served_at() {
	python3 - "$1.log" <<'PY'
import sys, datetime
for line in open(sys.argv[1]):
    if "serving on" in line:
        t = datetime.datetime.strptime(line.split()[0], "%Y-%m-%dT%H:%M:%S.%fZ")
        print(t.replace(tzinfo=datetime.timezone.utc).timestamp())
PY
}
