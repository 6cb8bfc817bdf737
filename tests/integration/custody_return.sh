#!/bin/bash
# Custody of an item that comes back (issue #6): one item goes NL-NP (A)
# -> DE-BKA (B) -> NL-NP -> DE-BKA (a second round trip) -> FR-PN (C) ->
# NL-NP over the exchange. Each receipt takes in the events the receiving
# node does not hold yet, after checking that its own chain is the
# bundle's beginning; `evidence show` on every node prints the whole
# timeline with every signature checked and each node's bundle verifies
# offline. A bundle whose history forks from the receiver's (made by
# editing the sender's store) is refused.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/nodes.bash"

three_nodes
export LIAISON_PASSWORD='correct horse battery staple'
lia "$A" user add alice --role officer >/dev/null
lia "$A" user add anna --role officer >/dev/null
lia "$B" user add bruno --role officer >/dev/null
lia "$B" user add berta --role officer >/dev/null
lia "$C" user add claire --role officer >/dev/null
start "$A" "$PA"
start "$B" "$PB"
start "$C" "$PC"
head -c 20000 /dev/urandom >"$TMP/item.bin"
ID=$(lia "$A" evidence add "$TMP/item.bin" --case NL-2026-11 --description "Phone" --user alice)

# inbox HOME FROM N: HOME has received at least N custody transfers of ID
# from FROM (the audit of the custody inbox).
inbox() { [ "$(lia "$1" audit --action custody-in | grep -c "transfer of item $ID from $2")" -ge "$3" ]; }
# has HOME PATTERN: HOME's timeline of ID, verified, has a line matching
has() { lia "$1" evidence show "$ID" >"$TMP/show" && grep -q "^VERIFIED" "$TMP/show" && grep -q "$2" "$TMP/show"; }
# event HOME WHO KIND [ARGS...]: record an event, its output in $OUT
event() { local h="$1" who="$2" kind="$3"; shift 3; OUT=$(lia "$h" evidence event "$ID" --kind "$kind" --user "$who" "$@") || fail "$kind by $who: $OUT"; }

event "$A" alice transferred --to DE-BKA
wait_for 30 inbox "$B" NL-NP 1 || fail "B got no transfer: $(tail -5 "$B.log")"
event "$B" bruno received --note "first visit"
echo "$OUT" | grep -q "event 2 received recorded" || fail "receipt at B: $OUT"
event "$B" bruno examined --note "imaged"
wait_for 30 has "$A" "event 2 received .* by bruno@DE-BKA" || fail "A has no receipt: $(cat "$TMP/show")"

# B sends it back. A holds events 0-2; the bundle brings 3 and 4.
event "$B" bruno transferred --to NL-NP --note "back to you"
echo "$OUT" | grep -q "transfer sent to NL-NP" || fail "transfer back: $OUT"
wait_for 30 inbox "$A" DE-BKA 1 || fail "A got no transfer back: $(tail -5 "$A.log")"
lia "$A" evidence list >"$TMP/al"
grep -q "^$ID  transferred back by DE-BKA, awaiting the receipt here" "$TMP/al" || fail "A's list: $(cat "$TMP/al")"
event "$A" anna received --note "home again"
echo "$OUT" | grep -q "event 5 received recorded" || fail "receipt at A: $OUT"
echo "$OUT" | grep -q "receipt sent to DE-BKA" || fail "receipt at A not sent: $OUT"
has "$A" "event 5 received" || fail "A show: $(cat "$TMP/show")"
grep -q "event 3 examined .* by bruno@DE-BKA (officer): \"imaged\"; signature ok, ledger entry [0-9]* of DE-BKA included" "$TMP/show" ||
	fail "A show: B's examination: $(cat "$TMP/show")"
grep -q "event 4 transferred .* by bruno@DE-BKA (officer) to NL-NP" "$TMP/show" || fail "A show: B's transfer: $(cat "$TMP/show")"
grep -q "event 5 received .* by anna (officer): \"home again\"; signature ok" "$TMP/show" || fail "A show: receipt: $(cat "$TMP/show")"
wait_for 30 has "$B" "event 5 received .* by anna@NL-NP" || fail "B has no receipt of A: $(cat "$TMP/show")"
lia "$A" evidence list | grep -q "awaiting" && fail "A still lists the item as awaiting its receipt"
ok "A -> B -> A: A takes in B's later events and signs the receipt; it travels back to B"

# Nothing more waits at A: a second receipt is refused by the rules, and
# A holds the item again.
expect_exit 77 lia "$A" evidence event "$ID" --kind received --user alice
echo "$ERR" | grep -q "must follow a \"transferred\"" || fail "second receipt: $ERR"
event "$A" alice sealed --note "bag 12"
ok "the item is A's again: a second receipt is refused, A records custody"

# A second round trip: A -> B again, B's chain takes in A's events 5-7.
event "$A" alice transferred --to DE-BKA --note "second look"
wait_for 30 inbox "$B" NL-NP 2 || fail "B got no second transfer: $(tail -5 "$B.log")"
event "$B" berta received
echo "$OUT" | grep -q "event 8 received recorded" || fail "second receipt at B: $OUT"
has "$B" "event 8 received .* by berta (officer)" || fail "B show: $(cat "$TMP/show")"
grep -q "event 6 sealed .* by alice@NL-NP (officer): \"bag 12\"; signature ok, ledger entry [0-9]* of NL-NP included" "$TMP/show" ||
	fail "B show: A's seal: $(cat "$TMP/show")"
wait_for 30 has "$A" "event 8 received .* by berta@DE-BKA" || fail "A has no second receipt: $(cat "$TMP/show")"
ok "A -> B -> A -> B: the second round trip completes on both nodes"

# On to C, and from C back to A: A has never heard from C about the item,
# and B's events 8-9 reach A only through C's bundle (its copy of B's
# section, checked against the key A pins for DE-BKA).
event "$B" berta transferred --to FR-PN
wait_for 30 inbox "$C" DE-BKA 1 || fail "C got no transfer: $(tail -5 "$C.log")"
event "$C" claire received
echo "$OUT" | grep -q "event 10 received recorded" || fail "receipt at C: $OUT"
event "$C" claire transferred --to NL-NP
wait_for 30 inbox "$A" FR-PN 1 || fail "A got no transfer from C: $(tail -5 "$A.log")"
event "$A" alice received --note "case closed"
echo "$OUT" | grep -q "event 12 received recorded" || fail "receipt at A from C: $OUT"
echo "$OUT" | grep -q "receipt sent to FR-PN" || fail "receipt to C not sent: $OUT"
has "$A" "event 12 received" || fail "A show: $(cat "$TMP/show")"
for p in "section of DE-BKA: .* entries included" "section of FR-PN: .* entries included" \
	"event 9 transferred .* by berta@DE-BKA (officer) to FR-PN.*of DE-BKA included" \
	"event 10 received .* by claire@FR-PN (officer).*of FR-PN included" \
	"event 11 transferred .* by claire@FR-PN (officer) to NL-NP" \
	"event 12 received .* by alice (officer): \"case closed\""; do
	grep -q "$p" "$TMP/show" || fail "A show lacks /$p/: $(cat "$TMP/show")"
done
[ "$(grep -c "signature ok" "$TMP/show")" = 13 ] || fail "A show: not 13 checked events: $(cat "$TMP/show")"
wait_for 30 has "$C" "event 12 received .* by alice@NL-NP" || fail "C has no receipt of A: $(cat "$TMP/show")"
[ "$(grep -c "signature ok" "$TMP/show")" = 13 ] || fail "C show: $(cat "$TMP/show")"
# B last saw the item at C: its timeline ends with C's receipt, checked.
wait_for 30 has "$B" "event 10 received .* by claire@FR-PN" || fail "B show: $(cat "$TMP/show")"
[ "$(grep -c "signature ok" "$TMP/show")" = 11 ] || fail "B show: $(cat "$TMP/show")"
ok "A -> B -> C -> A: A's timeline holds every agency's events, each signature checked"

for h in A B C; do
	lia "${!h}" evidence bundle "$ID" -o "$TMP/$h.json"
	(cd / && env -u LIAISON_HOME "$LIAISON" --home /nonexistent verify "$TMP/$h.json") >"$TMP/v$h" ||
		fail "offline verify of $h's bundle: $(cat "$TMP/v$h")"
	grep -q "^VERIFIED" "$TMP/v$h" || fail "verify $h: $(cat "$TMP/v$h")"
	lia "${!h}" ledger verify >/dev/null || fail "ledger verify $h"
done
grep -q "event 12 received .* by alice (officer)" "$TMP/vA" || fail "A's bundle: $(cat "$TMP/vA")"
ok "each node's bundle after the round trips verifies offline; every ledger verifies"

# A fork: a second item goes A -> B; B's receipt reaches A. Then B's store
# is edited behind its back (its custody row of the receipt deleted) and
# bruno signs another receipt, so B's chain differs from A's at event 2.
# B's transfer back is refused at A, and A's chain is unchanged.
ID=$(lia "$A" evidence add "$TMP/item.bin" --case NL-2026-12 --description "Phone, copy" --user alice)
event "$A" alice transferred --to DE-BKA
wait_for 30 inbox "$B" NL-NP 1 || fail "B got no transfer of the second item"
event "$B" bruno received --note "the real receipt"
wait_for 30 has "$A" "event 2 received .* by bruno@DE-BKA" || fail "A has no receipt: $(cat "$TMP/show")"
sqlite3 "$B/store.db" "DROP TRIGGER custody_no_delete; DELETE FROM custody WHERE item = '$ID' AND seq = 2;" ||
	fail "editing B's store"
event "$B" bruno received --note "a rewritten receipt"
echo "$OUT" | grep -q "event 2 received recorded" || fail "rewritten receipt at B: $OUT"
event "$B" bruno transferred --to NL-NP
wait_for 30 inbox "$A" DE-BKA 1 || fail "A got no forked transfer: $(tail -5 "$A.log")"
expect_exit 77 lia "$A" evidence event "$ID" --kind received --user anna
echo "$ERR" | grep -q "differs from this node's chain at event 2 (a forked history" || fail "fork: $ERR"
lia "$A" evidence list | grep -q "^$ID  evidence: refused: the bundle from DE-BKA differs from this node's chain at event 2" ||
	fail "A's list does not show the refused fork: $(lia "$A" evidence list)"
has "$A" "event 2 received .* by bruno@DE-BKA (officer): \"the real receipt\"" || fail "A show after fork: $(cat "$TMP/show")"
[ "$(grep -c "signature ok" "$TMP/show")" = 3 ] || fail "A's chain changed: $(cat "$TMP/show")"
ok "a bundle whose history forks from A's chain is refused, A's chain unchanged"
