#!/bin/bash
# Hit/no-hit queries between three nodes on loopback: A holds records, B
# asks everyone, A answers hit with an opaque reference and no personal
# data, C answers no-hit; a record whose audience excludes B is never
# reported to B; queries and answers are audited on both sides.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/nodes.bash"

three_nodes

cat >"$TMP/a.ijson" <<'J'
{"id":"nl-secret-4711","schema":"Person","properties":{"name":["Aleksandr Sergeyevich Pushkin"],"birthDate":["1970-05-12"]}}
J
cat >"$TMP/fr.ijson" <<'J'
{"id":"nl-fr-only","schema":"Person","properties":{"name":["Vladimir Ilyich Kozlov"]}}
J
lia "$A" import --audience DE-BKA,FR-PN --tlp AMBER "$TMP/a.ijson" >/dev/null
lia "$A" import --audience FR-PN --tlp AMBER "$TMP/fr.ijson" >/dev/null
start "$A" "$PA"; start "$B" "$PB"; start "$C" "$PC"

expect_exit 64 lia "$B" query --to all
expect_exit 64 lia "$B" query --to all --name x --dob 1970-13
lia "$B" --json query --to all --name "Alexander Sergeevich Pushkin" --reason "case 42: border check" >"$TMP/q.json"
[ "$(json_get "$TMP/q.json" 'len(j)')" = 2 ] || fail "one query per partner"
QA=$(json_get "$TMP/q.json" '[q["id"] for q in j if q["to"]=="NL-NP"][0]')
answered() { lia "$B" --json queries >"$TMP/qs.json" && [ "$(json_get "$TMP/qs.json" 'sum(q["status"]!="pending" for q in j)')" = 2 ]; }
wait_for 20 answered || fail "answers did not arrive: $(cat "$TMP/qs.json")"
[ "$(json_get "$TMP/qs.json" '[q["status"] for q in j if q["to"]=="NL-NP"][0]')" = hit ] || fail "A answers hit"
[ "$(json_get "$TMP/qs.json" '[q["status"] for q in j if q["to"]=="FR-PN"][0]')" = no-hit ] || fail "C answers no-hit"
REF=$(json_get "$TMP/qs.json" '[q["hits"][0]["ref"] for q in j if q["to"]=="NL-NP"][0]')
[[ "$REF" =~ ^[0-9a-f]{32}$ ]] || fail "opaque ref: $REF"
[ "$(json_get "$TMP/qs.json" '[q["hits"][0]["marking"]["tlp"] for q in j if q["to"]=="NL-NP"][0]')" = AMBER ] || fail "marking in the answer"
grep -qi "pushkin\|nl-secret-4711\|1970" "$TMP/qs.json" && fail "personal data or record id in the answer"
[ "$(sqlite3 "$A/store.db" "select record_id from query_refs where ref='$REF' and asker='DE-BKA'")" = nl-secret-4711 ] || fail "owner maps the ref"
ok "query to all: hit with an opaque ref from A, no-hit from C, no personal data"

# The answer as stored and as decrypted holds neither name nor record id.
ANS=$(json_get "$TMP/qs.json" '[q["answer"] for q in j if q["to"]=="NL-NP"][0]')
sqlite3 "$B/store.db" "select subject, marking from inbox where env_id='$ANS'" | grep -qi "pushkin\|nl-secret" && fail "answer header leaks"
lia "$B" --json read "$ANS" | grep -qi "pushkin\|nl-secret" && fail "answer body leaks"

# A record whose audience excludes DE-BKA is never reported to it, but is
# to FR-PN.
lia "$B" --json query --to NL-NP --name "Vladimir Kozlov" >"$TMP/q2.json"
lia "$C" --json query --to NL-NP --name "Vladimir Kozlov" >"$TMP/q3.json"
Q2=$(json_get "$TMP/q2.json" 'j[0]["id"]'); Q3=$(json_get "$TMP/q3.json" 'j[0]["id"]')
st() { lia "$1" --json queries | python3 -c 'import json,sys; print([q["status"] for q in json.load(sys.stdin) if q["id"]==sys.argv[1]][0])' "$2"; }
done_q() { [ "$(st "$1" "$2")" != pending ]; }
wait_for 20 done_q "$B" "$Q2" || fail "second answer"
[ "$(st "$B" "$Q2")" = no-hit ] || fail "audience excluding B reported: $(st "$B" "$Q2")"
wait_for 20 done_q "$C" "$Q3" || fail "third answer"
[ "$(st "$C" "$Q3")" = hit ] || fail "FR-PN in the audience gets the hit"
ok "a record outside the asker's audience is not reported"

sqlite3 "$A/store.db" "select detail from audit where action='receive' and object='$QA'" | grep -q "query from DE-BKA; reason: case 42: border check; answered hit.*$REF=nl-secret-4711" || fail "query audited at A"
sqlite3 "$B/store.db" "select detail from audit where action='receive' and object='$ANS'" | grep -q "answer from NL-NP to query $QA: hit; refs $REF" || fail "answer audited at B"
sqlite3 "$B/store.db" "select detail from audit where action='send' and object='$QA'" | grep -q "query to NL-NP; reason: case 42" || fail "query audited at B"
ok "queries and answers audited on both sides"
