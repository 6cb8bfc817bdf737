#!/bin/bash
# bench/relay_attach.sh [COUNT] [MIB] [ROUNDS] - attachments through a relay
# hub against the same attachments sent directly, A/B in one sitting
# (defaults: 10 messages of 1 MiB, 2 rounds of each, alternating).
#
# Three nodes on loopback with identities made here (throwaway, removed
# at exit): NL-NP (A), DE-BKA (B) and the hub FR-PN (H). "direct": A and B
# pin each other's URL. "hub": each pins the other --via FR-PN, and the
# hub pins both; the file then goes A -> H (upload, hash checked, moved to
# H's spool) -> B (upload, hash checked) before the envelope, and B's
# receipt comes back through H. For each run COUNT messages, each with a
# file of MIB MiB of random bytes, are queued at A (`send --attach`, not
# timed); A's daemon is started and the clock runs from its "serving on"
# log line until A's outbox says "delivered" for all of them (B's signed
# receipts in). MB/s is plaintext MB (10^6 bytes) over that time. Every
# daemon is restarted between runs (peers are re-pinned).
# BUILD defaults to build/release.
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${BUILD:-$SRC/build/release}"
LIAISON="$BUILD/liaison"
[ -x "$LIAISON" ] || { echo "relay_attach.sh: $LIAISON not built (make release)" >&2; exit 1; }
COUNT=${1:-10}; MIB=${2:-1}; ROUNDS=${3:-2}
. "$SRC/bench/twonodes.bash"
PH=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
H="$W/h"
lia "$H" init --agency FR-PN --name "Police nationale" --country FR >/dev/null
lia "$H" identity export >"$W/h.card"
lia "$H" peer add "$W/a.card" --url "https://127.0.0.1:$PA" >/dev/null
lia "$H" peer add "$W/b.card" --url "https://127.0.0.1:$PB" >/dev/null
lia "$A" peer add "$W/h.card" --url "https://127.0.0.1:$PH" >/dev/null
lia "$B" peer add "$W/h.card" --url "https://127.0.0.1:$PH" >/dev/null
stop_all() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; PIDS=(); }
pin() { # direct | hub
	lia "$A" peer remove DE-BKA >/dev/null 2>&1 || true
	lia "$B" peer remove NL-NP >/dev/null 2>&1 || true
	if [ "$1" = direct ]; then
		lia "$A" peer add "$W/b.card" --url "https://127.0.0.1:$PB" >/dev/null
		lia "$B" peer add "$W/a.card" --url "https://127.0.0.1:$PA" >/dev/null
	else
		lia "$A" peer add "$W/b.card" --via FR-PN >/dev/null
		lia "$B" peer add "$W/a.card" --via FR-PN >/dev/null
	fi
}
mbs() { python3 -c "import sys; print(f'{float(sys.argv[1])/float(sys.argv[2]):,.1f}')" "$1" "$2"; }

run() { # direct | hub
	local ids=() t_end t_start tt mb
	pin "$1"
	start "$B" "$PB"; [ "$1" = hub ] && start "$H" "$PH"
	for i in $(seq "$COUNT"); do
		head -c $((MIB << 20)) /dev/urandom >"$W/f.bin"
		ids+=("$(lia "$A" send --to DE-BKA --subject "f$i" --attach "$W/f.bin" | awk '{print $1}')")
	done
	: >"$A.log"; start "$A" "$PA"
	wait_delivered "$A" "${ids[@]}"
	t_end=$(date +%s.%N)
	t_start=$(served_at "$A")
	stop_all
	tt=$(python3 -c "print(f'{$t_end-$t_start:.2f}')")
	mb=$(python3 -c "print($COUNT*$MIB*1048576/1e6)")
	echo "| $1 | $COUNT × $MIB MiB | $tt | $(mbs "$mb" "$tt") |"
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ), binary $LIAISON"
echo
echo "| route | attachments | s until delivered | MB/s |"
echo "|---|---|---:|---:|"
for _ in $(seq "$ROUNDS"); do run direct; run hub; done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
