#!/bin/bash
# bench/attach.sh [SIZES_MIB...] - large attachments between two nodes on
# loopback (default sizes: 1 100 1024 MiB; the 1 MiB case sends 10).
#
# Two nodes with identities made here (throwaway, removed at exit; the
# work folder is under $TMPDIR, default /tmp, and needs about 4x the
# largest size free). For each size, a file of random bytes is:
#   send  `liaison send --attach` at A: encrypted into A's spool (timed,
#         peak RSS from /usr/bin/time -v);
#   move  A's daemon started with the message queued; the clock runs from
#         its "serving on" log line until A's outbox says "delivered": the
#         file uploaded in chunks, written and synced at B, its hash
#         checked, then the envelope committed at B and B's signed receipt
#         committed back at A. Both daemons' peak RSS (VmHWM);
#   read  `liaison read --save-attachments` at B: decrypted and checked
#         against its SHA-256 into a file (timed, peak RSS).
# MB/s is plaintext MB (10^6 bytes) over the step's wall time.
# BUILD defaults to build/release.
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${BUILD:-$SRC/build/release}"
LIAISON="$BUILD/liaison"
[ -x "$LIAISON" ] || { echo "attach.sh: $LIAISON not built (make release)" >&2; exit 1; }
SIZES=("$@"); [ ${#SIZES[@]} -gt 0 ] || SIZES=(1 100 1024)
. "$SRC/bench/twonodes.bash"
now() { date +%s.%N; }
rss() { awk -F': ' '/Maximum resident set size/ {print $2}' "$1"; }
hwm() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
mbs() { python3 -c "import sys; print(f'{float(sys.argv[1])/float(sys.argv[2]):,.1f}')" "$1" "$2"; }

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ), binary $LIAISON"
echo
echo "| attachment | send s (MB/s) | send RSS | transfer s (MB/s) | sender daemon RSS | receiver daemon RSS | read s (MB/s) | read RSS |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
start "$B" "$PB"; PB_PID=${PIDS[-1]}
for mib in "${SIZES[@]}"; do
	count=1; [ "$mib" -le 1 ] && count=10
	head -c $((mib << 20)) /dev/urandom >"$W/f.bin"
	mb=$(python3 -c "print($count*$mib*1048576/1e6)")
	ids=()
	t0=$(now); maxs=0
	for i in $(seq "$count"); do
		/usr/bin/time -v -o "$W/s.time" "$LIAISON" --home "$A" send --to DE-BKA --subject "f$i" --attach "$W/f.bin" >"$W/s.out"
		ids+=("$(awk '{print $1}' "$W/s.out")")
		s=$(rss "$W/s.time"); [ "$s" -gt "$maxs" ] && maxs=$s
	done
	t1=$(now)
	# A fresh sending daemon per size, so its VmHWM is this size's.
	: >"$A.log"; start "$A" "$PA"; PA_PID=${PIDS[-1]}
	wait_delivered "$A" "${ids[@]}"
	t2=$(now)
	t_start=$(served_at "$A")
	ha=$(hwm "$PA_PID"); hb=$(hwm "$PB_PID")
	kill "$PA_PID"; wait "$PA_PID" 2>/dev/null || true
	rm -rf "$W/save"; mkdir "$W/save"
	t3=$(now); maxr=0
	for id in "${ids[@]}"; do
		rm -f "$W/save/f.bin"
		/usr/bin/time -v -o "$W/r.time" "$LIAISON" --home "$B" read --save-attachments "$W/save" "$id" >/dev/null
		r=$(rss "$W/r.time"); [ "$r" -gt "$maxr" ] && maxr=$r
	done
	t4=$(now)
	cmp -s "$W/f.bin" "$W/save/f.bin" || { echo "attach.sh: saved file differs" >&2; exit 1; }
	ts=$(python3 -c "print(f'{$t1-$t0:.2f}')"); tt=$(python3 -c "print(f'{$t2-$t_start:.2f}')"); tr=$(python3 -c "print(f'{$t4-$t3:.2f}')")
	label="$mib MiB"; [ "$count" -gt 1 ] && label="$count × $mib MiB"
	echo "| $label | $ts ($(mbs "$mb" "$ts")) | $((maxs / 1024)) MB | $tt ($(mbs "$mb" "$tt")) | $((ha / 1024)) MB | $((hb / 1024)) MB | $tr ($(mbs "$mb" "$tr")) | $((maxr / 1024)) MB |"
	rm -f "$W/f.bin" "$W/save/f.bin"
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
