#!/bin/bash
# kill -9 at varying moments of a large import: after reopening, the store
# is consistent and holds either all or none of that import.
. "$(dirname "$0")/lib.bash"
H="$TMP/node"
N=200000
lia "$H" init --agency NL-NP >/dev/null
python3 "$LIAISON_SRC/bench/gen_ftm.py" 1000 --seed 7 >"$TMP/base.ijson"
lia "$H" import "$TMP/base.ijson" >/dev/null
python3 "$LIAISON_SRC/bench/gen_ftm.py" $N --seed 8 | sed 's/"gen-/"big-/g' >"$TMP/big.ijson"

# How long a whole import takes on this machine and build, so the kills
# land early, in the middle, near the commit and after it.
lia "$TMP/scratch" init --agency NL-NP >/dev/null
t0=$(date +%s.%N)
lia "$TMP/scratch" import --quiet "$TMP/big.ijson" >/dev/null
T=$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$t0" "$(date +%s.%N)")

# Every attempt starts from the same store (the base import only), so the
# attempts are independent of each other.
cp -a "$H" "$TMP/pristine"
all=0; none=0
for frac in 0.05 0.2 0.4 0.6 0.8 0.95 1.1 1.5; do
	rm -rf "$H"; cp -a "$TMP/pristine" "$H"
	delay=$(python3 -c "import sys; print(round(float(sys.argv[1]) * float(sys.argv[2]), 3))" "$T" "$frac")
	# The binary itself, not the lia shell function: $! must be liaison.
	"$LIAISON" --home "$H" import --quiet "$TMP/big.ijson" >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	[ "$(sqlite3 -cmd ".timeout 5000" "$H/store.db" 'PRAGMA integrity_check')" = ok ] || fail "integrity after kill at ${delay}s"
	n=$(sqlite3 -cmd ".timeout 5000" "$H/store.db" "SELECT count(*) FROM records WHERE id LIKE 'big-%'")
	v=$(sqlite3 -cmd ".timeout 5000" "$H/store.db" "SELECT count(*) FROM versions WHERE entity_id LIKE 'big-%'")
	base=$(sqlite3 -cmd ".timeout 5000" "$H/store.db" "SELECT count(*) FROM records WHERE id LIKE 'gen-%'")
	[ "$base" -eq 1000 ] || fail "earlier import damaged: $base"
	[ "$n" -eq "$v" ] || fail "records ($n) and versions ($v) disagree after kill at ${delay}s"
	if [ "$n" -eq 0 ]; then
		none=$((none + 1))
	elif [ "$n" -eq $N ]; then
		all=$((all + 1))
	else
		fail "partial import after kill at ${delay}s: $n of $N records"
	fi
	# The store still takes writes and searches after the crash.
	lia "$H" stats >/dev/null || fail "store unusable after kill"
	lia "$H" search Petrov >/dev/null 2>"$TMP/search.err" || fail "search after kill: $(cat "$TMP/search.err")"
done
[ "$none" -ge 1 ] || fail "no kill landed before the commit"
ok "kill -9 during a ${T}s import: $none times nothing, $all times everything, never partial"
