# bench/twonodes.bash - sourced by the exchange benchmarks (exchange.sh,
# attach.sh, query.sh): two nodes on loopback, A (NL-NP) and B (DE-BKA),
# with identities made now and each pinning the other on a free port.
# Needs LIAISON (the binary); defines W (a work folder removed on exit),
# PIDS, lia HOME ARGS..., PA and PB (ports), A and B (homes) and
# start HOME PORT (serve, wait for "serving on"; the pid joins PIDS).
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
start() { # HOME PORT
	"$LIAISON" --home "$1" serve --listen "127.0.0.1:$2" 2>>"$1.log" &
	PIDS+=($!)
	for _ in $(seq 1000); do grep -q "serving on" "$1.log" 2>/dev/null && return 0; sleep 0.005; done
	echo "$(basename "$0"): node $1 did not start" >&2; exit 1
}
