#!/bin/bash
# The three-country demo (`make demo`, scripts/mission.sh) run without a
# terminal, and its key outcomes asserted: the alert reaches B, B's border
# check of the passport spelling hits it, A is notified, an ordinary
# traveller raises nothing, C's hit/no-hit query hits, A's approval
# releases the record to C, the evidence seized at B is transferred to A
# over the exchange and A's officer signs the receipt, the evidence bundle
# (both agencies' signatures) verifies offline and a
# changed byte is caught, and the nodes stop cleanly.
. "$(dirname "$0")/lib.bash"
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 not installed"; exit 254; }
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
MISSION_WAIT=0 MISSION_BACKGROUND=200 MISSION_SEED=11 MISSION_OUT="$TMP/out.txt" \
	bash "$ROOT/scripts/mission.sh" "$LIAISON" </dev/null >"$TMP/log" 2>&1 ||
	fail "mission exited $?: $(tail -20 "$TMP/log")"
get() { sed -n "s/^$1=//p" "$TMP/out.txt"; }
for k in alert_received border_hit query_hit released custody_exchanged bundle_ok tamper_detected done; do
	[ "$(get $k)" = 1 ] || fail "$k is '$(get $k)': $(tail -30 "$TMP/log")"
done
# The border hit at least; C's query to all also reaches B, which holds
# A's alert, and that hit is notified to A as well when it has arrived.
[[ "$(get api_hits)" =~ ^[12]$ ]] || fail "api_hits is '$(get api_hits)': $(tail -30 "$TMP/log")"
ok "alert received, border hit, query hit, release, custody transferred over the exchange, bundle verified, tampering caught"
grep -q "section of BG-OCD: .* entries included in its head" "$TMP/log" || fail "the bundle does not prove BG-OCD's receipt: $(tail -30 "$TMP/log")"
ok "the bundle made at GR-BPU carries BG-OCD's signed receipt"
[ "$(get negative_alerts)" = 0 ] || fail "the negative traveller raised an alert"
ok "the ordinary traveller raises no alert"
ms=$(get notified_ms)
[[ "$ms" =~ ^[0-9]+$ ]] || fail "A was not notified: $ms"
ok "A notified of the border hit after $ms ms (timing is reported, not asserted)"
grep -q "Person  bgocd-\|Person  [a-z]*-" "$TMP/log" || fail "the released record is shown at C"
# Only this run's daemons: other mission runs may share the machine.
W=$(get workdir)
[[ "$W" == /tmp/liaison-mission.* ]] || fail "no work dir reported: '$W'"
pgrep -f "$W/" >/dev/null && fail "daemons left running"
ok "the three daemons stopped"
