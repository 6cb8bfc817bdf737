# nodes.bash - three nodes on loopback for the exchange tests (sourced after
# lib.bash, not a test): free ports PA PB PC, homes A B C, daemons started
# with start and all killed at exit, and three_nodes to give them
# identities (made here, never committed) and pin each to the other two.
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 not installed"; exit 254; }

# Free ports: ask the kernel for three.
read -r PA PB PC < <(python3 -c 'import socket
s=[socket.socket() for _ in range(3)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
A="$TMP/a"; B="$TMP/b"; C="$TMP/c"
export LIAISON_BACKOFF_CAP_MS=1000
# The daemons publish their tree heads only where a test asks for it
# (witness.sh), so that other tests see only their own traffic.
export LIAISON_WITNESS_INTERVAL_MS="${LIAISON_WITNESS_INTERVAL_MS:-0}"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$TMP"; }
trap cleanup EXIT

# start HOME PORT: the daemon, its pid appended to PIDS, its log in HOME.log
# (waits for a new "serving on" line: the log is appended to across
# restarts)
start() {
	local before
	before=$(grep -c "serving on" "$1.log" 2>/dev/null || true)
	"$LIAISON" --home "$1" serve --listen "127.0.0.1:$2" 2>>"$1.log" &
	PIDS+=($!)
	for _ in $(seq 100); do [ "$(grep -c "serving on" "$1.log" 2>/dev/null || true)" -gt "${before:-0}" ] && return 0; sleep 0.1; done
	fail "node $1 did not start: $(cat "$1.log")"
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
# wait_for SECONDS CMD... : poll until CMD succeeds
wait_for() { local n=$(( $1 * 10 )); shift; for _ in $(seq $n); do "$@" && return 0; sleep 0.1; done; return 1; }

# Identities for NL-NP (A), DE-BKA (B) and FR-PN (C), cards in $TMP/A.card ...
init_nodes() {
	lia "$A" init --agency NL-NP --name "Netherlands Police" --country NL >/dev/null
	lia "$B" init --agency DE-BKA --name "Bundeskriminalamt" --country DE >/dev/null
	lia "$C" init --agency FR-PN --name "Police nationale" --country FR >/dev/null
	for h in A B C; do lia "${!h}" identity export >"$TMP/$h.card"; done
}

# init_nodes, and every node pins the other two.
three_nodes() {
	init_nodes
	for x in "A B $PB" "A C $PC" "B A $PA" "B C $PC" "C A $PA" "C B $PB"; do
		set -- $x
		lia "${!1}" peer add "$TMP/$2.card" --url "https://127.0.0.1:$3" >/dev/null
	done
}
