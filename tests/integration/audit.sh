#!/bin/bash
# The audit trail across three nodes: every send, receipt, query, answer
# and release writes an audit row on the node where it happens, with who,
# what, to whom and why; `liaison audit` shows them, filtered.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/nodes.bash"

three_nodes
cat >"$TMP/a.ijson" <<'J'
{"id":"r-pushkin","schema":"Person","properties":{"name":["Aleksandr Sergeyevich Pushkin"],"birthDate":["1970-05-12"]}}
J
lia "$A" import --audience DE-BKA,FR-PN --tlp AMBER "$TMP/a.ijson" >/dev/null
start "$A" "$PA"; start "$B" "$PB"; start "$C" "$PC"

# count HOME ACTION OBJECT: audit rows of that action on that object
count() { lia "$1" --json audit --action "$2" --object "$3" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
state() { lia "$1" --json outbox | python3 -c 'import json,sys; print(" ".join(sorted(r["state"] for r in json.load(sys.stdin) if r["id"]==sys.argv[1])))' "$2"; }

# A message to B and C: sent at A, received at B and C, both receipts at A.
M=$(lia "$A" send --to DE-BKA,FR-PN --subject "Petrov" --text "seen at Venlo" --case OP-9 --record r-pushkin | awk '{print $1}')
both_delivered() { [ "$(state "$A" "$M")" = "delivered delivered" ]; }
wait_for 20 both_delivered || fail "message not delivered: $(state "$A" "$M")"
[ "$(count "$A" send "$M")" = 1 ] || fail "send not audited at A"
[ "$(count "$B" receive "$M")" = 1 ] || fail "receive not audited at B"
[ "$(count "$C" receive "$M")" = 1 ] || fail "receive not audited at C"
[ "$(count "$A" receipt "$M")" = 2 ] || fail "receipts not audited at A: $(count "$A" receipt "$M")"
lia "$A" audit --action send --object "$M" | grep -q "os:.*send .*$M  message to DE-BKA,FR-PN; case OP-9; records r-pushkin" || fail "send row says to whom and why: $(lia "$A" audit --object "$M")"
lia "$B" audit --object "$M" | grep -q "peer:NL-NP .*receive .*message from NL-NP to DE-BKA,FR-PN; case OP-9" || fail "receive row says from whom: $(lia "$B" audit --object "$M")"
ok "a message: send, receive at both, both receipts audited"

# A query from B: sent and its answer received at B; received and answered at A.
Q=$(lia "$B" --json query --to NL-NP --name "Alexander Sergeevich Pushkin" --reason "case 42" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
answered() { lia "$B" --json queries | python3 -c 'import json,sys; sys.exit(not [q for q in json.load(sys.stdin) if q["id"]==sys.argv[1] and q["status"]=="hit"])' "$Q"; }
wait_for 20 answered || fail "query not answered"
[ "$(count "$B" send "$Q")" = 1 ] || fail "query send not audited at B"
lia "$A" audit --action receive --object "$Q" | grep -q "query from DE-BKA; reason: case 42; answered hit" || fail "query receipt and answer not audited at A: $(lia "$A" audit --object "$Q")"
ANS=$(sqlite3 "$B/store.db" "select env_id from inbox where kind='answer'")
[ "$(count "$A" send "$ANS")" = 1 ] || fail "answer send not audited at A"
[ "$(count "$B" receive "$ANS")" = 1 ] || fail "answer receive not audited at B"
ok "a query and its answer audited on both sides"

# A request for the record, approved: the release is audited at A and its
# arrival at B.
REF=$(lia "$B" --json queries | python3 -c 'import json,sys; print([q for q in json.load(sys.stdin) if q["id"]==sys.argv[1]][0]["hits"][0]["ref"])' "$Q")
lia "$B" request "$REF" --reason "case 42: identify" >/dev/null
has_req() { [ -n "$(sqlite3 -cmd ".timeout 5000" "$A/store.db" "select id from requests where ref='$REF'")" ]; }
wait_for 20 has_req || fail "request did not reach A"
I=$(sqlite3 -cmd ".timeout 5000" "$A/store.db" "select id from requests where ref='$REF'")
lia "$A" approve "$I" --reason "approved by duty officer" >/dev/null
wait_for 20 sh -c "sqlite3 -cmd '.timeout 5000' '$B/store.db' \"select count(*) from inbox where kind='release'\" | grep -qx 1" || fail "release did not arrive"
REL=$(sqlite3 -cmd ".timeout 5000" "$B/store.db" "select env_id from inbox where kind='release'")
[ "$(count "$A" send "$REL")" = 1 ] || fail "release send not audited at A"
lia "$A" audit --object "$REL" | grep -q "approved by duty officer" || fail "the release's reason is audited: $(lia "$A" audit --object "$REL")"
[ "$(count "$B" receive "$REL")" = 1 ] || fail "release receive not audited at B"
ok "a request, its approval and the release audited"

# Filters and limits.
[ "$(lia "$A" --json audit --limit 2 | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 2 ] || fail "--limit"
[ "$(lia "$A" --json audit --since 2099-01-01 | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 0 ] || fail "--since"
lia "$A" --json audit --actor peer:DE-BKA | python3 -c 'import json,sys; r=json.load(sys.stdin); sys.exit(not r or any(x["actor"]!="peer:DE-BKA" for x in r))' || fail "--actor"
expect_exit 64 lia "$A" audit --since yesterday
expect_exit 64 lia "$A" audit --limit 0
ok "liaison audit filters by time, actor, action and object, and limits"
