#!/bin/bash
# `liaison evidence resend` (issue #6): a custody transfer, or a receipt,
# whose envelope could not be queued after the event was recorded is
# queued again without recording the event twice. The failure is made
# deterministic by a trigger that refuses every outbox row, added to the
# store behind the node's back and dropped again.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/nodes.bash"

three_nodes
export LIAISON_PASSWORD='correct horse battery staple'
lia "$A" user add alice --role officer >/dev/null
lia "$A" user add ann --role analyst >/dev/null
lia "$B" user add bruno --role officer >/dev/null
head -c 5000 /dev/urandom >"$TMP/item.bin"
ID=$(lia "$A" evidence add "$TMP/item.bin" --case NL-2026-13 --description "Drive" --user alice)
block() { sqlite3 "$1/store.db" "CREATE TRIGGER test_block BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'outbox blocked by the test'); END;"; }
unblock() { sqlite3 "$1/store.db" "DROP TRIGGER test_block;"; }
outbox_rows() { lia "$1" outbox | grep -c "custody $2 of item $ID" || true; }

# Nothing is owed yet: resend says so.
expect_exit 66 lia "$A" evidence resend "$ID" --user alice
echo "$ERR" | grep -q "owes no other agency a transfer or a receipt" || fail "resend of nothing: $ERR"

block "$A"
expect_exit 70 lia "$A" evidence event "$ID" --kind transferred --to DE-BKA --user alice
echo "$ERR" | grep -q "recorded (liaison evidence resend $ID sends it), but not sent to DE-BKA" || fail "blocked transfer: $ERR"
unblock "$A"
[ "$(outbox_rows "$A" transfer)" = 0 ] || fail "a transfer was queued despite the block"
lia "$A" evidence show "$ID" >"$TMP/s" && grep -q "event 1 transferred" "$TMP/s" || fail "the transfer was not recorded: $(cat "$TMP/s")"
ok "a transfer whose envelope cannot be queued is recorded, and the officer is told how to send it"

# Only an officer or supervisor resends.
expect_exit 77 lia "$A" evidence resend "$ID" --user ann
echo "$ERR" | grep -q "may not send custody" || fail "analyst resend: $ERR"
OUT=$(lia "$A" evidence resend "$ID" --user alice) || fail "resend: $OUT $(cat "$TMP/out" 2>/dev/null)"
echo "$OUT" | grep -q "transfer sent to DE-BKA over the exchange" || fail "resend: $OUT"
[ "$(outbox_rows "$A" transfer)" = 1 ] || fail "resend queued $(outbox_rows "$A" transfer) transfers"
lia "$A" audit --action evidence.resend | grep -q "user:alice  *evidence.resend $ID" || fail "resend not audited: $(lia "$A" audit --action evidence.resend)"
start "$A" "$PA"
start "$B" "$PB"
incoming() { lia "$B" evidence list | grep -q "^$ID  transferred by NL-NP, awaiting the receipt here"; }
wait_for 30 incoming || fail "B has no incoming transfer: $(tail -5 "$B.log")"
ok "evidence resend queues the open transfer; B receives it"

# The receipt at B cannot be queued either; resend at B sends it.
block "$B"
expect_exit 70 lia "$B" evidence event "$ID" --kind received --user bruno
echo "$ERR" | grep -q "recorded (liaison evidence resend $ID sends it), but not sent to NL-NP" || fail "blocked receipt: $ERR"
unblock "$B"
OUT=$(lia "$B" evidence resend "$ID" --user bruno) || fail "resend at B: $OUT"
echo "$OUT" | grep -q "receipt sent to NL-NP over the exchange" || fail "resend at B: $OUT"
receipted() { lia "$A" evidence show "$ID" >"$TMP/as" && grep -q "event 2 received .* by bruno@DE-BKA" "$TMP/as"; }
wait_for 30 receipted || fail "A has no receipt: $(cat "$TMP/as"; tail -5 "$A.log")"
grep -q "^VERIFIED" "$TMP/as" || fail "A show: $(cat "$TMP/as")"
[ "$(grep -c " transferred " "$TMP/as")" = 1 ] || fail "A records the transfer twice: $(cat "$TMP/as")"
[ "$(grep -c " received " "$TMP/as")" = 1 ] || fail "A records the receipt twice: $(cat "$TMP/as")"
ok "evidence resend queues the receipt at B; A's timeline has one transfer and one receipt"

# Sending the receipt again is harmless: A settles a receipt once.
lia "$B" evidence resend "$ID" --user bruno >/dev/null || fail "second resend at B"
wait_for 30 sh -c "[ \"\$(\"$LIAISON\" --home \"$A\" audit --action custody-in | grep -c 'receipt of item $ID from DE-BKA')\" = 2 ]" ||
	fail "A did not get the second receipt"
lia "$A" evidence show "$ID" >"$TMP/as"
[ "$(grep -c " received " "$TMP/as")" = 1 ] || fail "A took in a receipt twice: $(cat "$TMP/as")"
# The item is at B now: A owes nothing.
expect_exit 66 lia "$A" evidence resend "$ID" --user alice
lia "$A" ledger verify >/dev/null || fail "ledger verify A"
ok "a receipt sent twice is taken in once; nothing is owed once it is received"
