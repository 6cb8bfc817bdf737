#!/bin/bash
# The follow-up to a hit, between three nodes on loopback: B requests the
# record behind a reference, A approves (the record arrives at B under its
# marking) or refuses with a reason; an approval a handling rule forbids
# is refused with exit 77 and sends nothing; unknown and foreign
# references are rejected by A; a request is decided once; A's release
# policy approves FR-PN's requests and not DE-BKA's; everything audited
# on both sides.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/nodes.bash"
sqa() { sqlite3 -cmd ".timeout 5000" "$@"; }

three_nodes

cat >"$TMP/a.ijson" <<'J'
{"id":"r-pushkin","schema":"Person","properties":{"name":["Aleksandr Sergeyevich Pushkin"],"birthDate":["1970-05-12"]}}
{"id":"r-kozlov","schema":"Person","properties":{"name":["Vladimir Ilyich Kozlov"]}}
{"id":"r-tolstoy","schema":"Person","properties":{"name":["Lev Nikolayevich Tolstoy"]}}
{"id":"r-gogol","schema":"Person","properties":{"name":["Nikolai Vasilyevich Gogol"]}}
J
lia "$A" import --audience DE-BKA,FR-PN --tlp AMBER "$TMP/a.ijson" >/dev/null

# The release policy: an invalid one stops the node (fail closed).
cp "$A/config.json" "$TMP/config.orig"
python3 - "$A/config.json" BOGUS <<'P'
import json,sys
c=json.load(open(sys.argv[1])); c["release_policy"]={"auto_approve":["FR-PN"],"max_classification":sys.argv[2]}
json.dump(c,open(sys.argv[1],"w"))
P
expect_exit 78 lia "$A" requests
python3 - "$A/config.json" <<'P'
import json,sys
c=json.load(open(sys.argv[1])); c["release_policy"]={"auto_approve":["FR-PN"],"max_classification":"RESTRICTED","extra":1}
json.dump(c,open(sys.argv[1],"w"))
P
expect_exit 78 lia "$A" requests
python3 - "$A/config.json" RESTRICTED <<'P'
import json,sys
c=json.load(open(sys.argv[1])); c["release_policy"]={"auto_approve":["FR-PN"],"max_classification":sys.argv[2]}
json.dump(c,open(sys.argv[1],"w"))
P
lia "$A" requests >/dev/null
ok "an invalid release policy is a configuration error"

start "$A" "$PA"; start "$B" "$PB"; start "$C" "$PC"

# hit HOME NAME: query A about NAME, wait for the answer, print the ref.
hit() {
	local q
	q=$(lia "$1" --json query --to NL-NP --name "$2" --reason "case 7" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
	got() { lia "$1" --json queries >"$TMP/qs.json" && python3 -c 'import json,sys; q=[q for q in json.load(open(sys.argv[1])) if q["id"]==sys.argv[2]][0]; sys.exit(q["status"]=="pending")' "$TMP/qs.json" "$2"; }
	wait_for 20 got "$1" "$q" || fail "no answer to $q"
	json_get "$TMP/qs.json" "[q['hits'][0]['ref'] for q in j if q['id']=='$q'][0]"
}
# rel HOME REF: the follow-up state of a hit at the asker.
rel() { lia "$1" --json queries | python3 -c 'import json,sys
for q in json.load(sys.stdin):
  for h in q["hits"]:
    if h["ref"]==sys.argv[1]: print(h.get("release",{}).get("state","none")); sys.exit(0)
print("missing")' "$2"; }
is_rel() { [ "$(rel "$1" "$2")" = "$3" ]; }
req_id() { sqa "$A/store.db" "select id from requests where ref='$1'"; }
has_req() { [ -n "$(req_id "$1")" ]; }

# Request and approval.
R1=$(hit "$B" "Alexander Pushkin")
expect_exit 64 lia "$B" request
expect_exit 66 lia "$B" request 00000000000000000000000000000000
lia "$B" request "$R1" --reason "case 7: identify the suspect" >/dev/null
is_rel "$B" "$R1" requested || fail "requested at B: $(rel "$B" "$R1")"
wait_for 20 has_req "$R1" || fail "request did not reach A"
lia "$A" --json requests >"$TMP/rq.json"
[ "$(json_get "$TMP/rq.json" "[r['state']+' '+r['from']+' '+r['record']+' '+r['reason'] for r in j if r['ref']=='$R1'][0]")" = "pending DE-BKA r-pushkin case 7: identify the suspect" ] || fail "pending at A: $(cat "$TMP/rq.json")"
json_get "$TMP/rq.json" "[r['caption'] for r in j if r['ref']=='$R1'][0]" | grep -q Pushkin || fail "caption at A"
I1=$(req_id "$R1")
lia "$A" approve "$I1" --reason "approved by duty officer" >/dev/null
wait_for 20 is_rel "$B" "$R1" released || fail "release did not arrive: $(rel "$B" "$R1")"
lia "$B" --json get r-pushkin >"$TMP/g.json" || fail "released record not stored at B"
grep -q '"NL-NP"' "$TMP/g.json" || fail "released record keeps its marking"
grep -q 'DE-BKA' "$TMP/g.json" || fail "released record keeps its audience"
lia "$B" queries | grep -q "released: record r-pushkin" || fail "queries shows the release"
ok "request, pending at A, approval, record released to B under its marking"

# Deciding twice fails.
expect_exit 73 lia "$A" approve "$I1"
expect_exit 73 lia "$A" refuse "$I1" --reason "too late"
expect_exit 64 lia "$A" refuse "$I1"
expect_exit 66 lia "$A" approve 999
ok "a request is decided once"

# Refusal with a reason.
R2=$(hit "$B" "Vladimir Kozlov")
lia "$B" request "$R2" >/dev/null
wait_for 20 has_req "$R2" || fail "second request did not reach A"
lia "$A" refuse "$(req_id "$R2")" --reason "ongoing investigation" >/dev/null
wait_for 20 is_rel "$B" "$R2" refused || fail "refusal did not arrive"
lia "$B" queries | grep -q "refused; reason: ongoing investigation" || fail "queries shows the reason"
expect_exit 66 lia "$B" get r-kozlov
ok "refusal with its reason reaches B, no record"

# An approval a handling rule forbids: the audience changed after the hit.
R3=$(hit "$B" "Lev Tolstoy")
lia "$B" request "$R3" >/dev/null
wait_for 20 has_req "$R3" || fail "third request did not reach A"
grep r-tolstoy "$TMP/a.ijson" >"$TMP/t.ijson"
lia "$A" import --audience FR-PN --tlp AMBER "$TMP/t.ijson" >/dev/null
N=$(sqa "$A/store.db" "select count(*) from out_envelopes where kind='release'")
expect_exit 77 lia "$A" approve "$(req_id "$R3")"
grep -q "outside its audience" <<<"$ERR" || fail "the rule is named: $ERR"
[ "$(sqa "$A/store.db" "select count(*) from out_envelopes where kind='release'")" = "$N" ] || fail "nothing sent"
[ "$(sqa "$A/store.db" "select state from requests where ref='$R3'")" = pending ] || fail "still pending"
sqa "$A/store.db" "select detail from audit where action='approve-denied'" | grep -q "r-tolstoy" || fail "denied approval audited"
ok "an approval outside the audience is refused with exit 77, nothing sent"

# Unknown and foreign references are rejected by the owner.
RU=$(hit "$B" "Alexander Pushkin"); RF=$(hit "$B" "Alexander Pushkin")
sqa "$A/store.db" "delete from query_refs where ref='$RU'; update query_refs set asker='FR-PN' where ref='$RF'"
EU=$(lia "$B" request "$RU" | cut -d' ' -f1); EF=$(lia "$B" request "$RF" | cut -d' ' -f1)
failed() { [ "$(sqa "$B/store.db" "select state from outbox where env_id='$1'")" = failed ]; }
wait_for 20 failed "$EU" || fail "unknown reference not rejected"
wait_for 20 failed "$EF" || fail "foreign reference not rejected"
sqa "$B/store.db" "select last_error from outbox where env_id='$EF'" | grep -q "403" || fail "403 from A"
[ "$(sqa "$A/store.db" "select count(*) from requests where ref in ('$RU','$RF')")" = 0 ] || fail "stored at A"
ok "unknown and foreign references are rejected by A"

# The policy: FR-PN is approved at once, DE-BKA waits.
RC=$(hit "$C" "Nikolai Gogol")
lia "$C" request "$RC" --reason "policy" >/dev/null
wait_for 20 is_rel "$C" "$RC" released || fail "policy did not release to FR-PN: $(rel "$C" "$RC")"
[ "$(sqa "$A/store.db" "select state||' '||decided_by from requests where ref='$RC'")" = "approved policy" ] || fail "decided by policy"
lia "$C" --json get r-gogol >/dev/null || fail "record at C"
RB=$(hit "$B" "Nikolai Gogol")
lia "$B" request "$RB" >/dev/null
wait_for 20 has_req "$RB" || fail "B's request did not reach A"
sleep 1
[ "$(sqa "$A/store.db" "select state from requests where ref='$RB'")" = pending ] || fail "DE-BKA must wait for a person"
ok "release policy approves FR-PN's request and not DE-BKA's"

# Audit on both sides.
sqa "$A/store.db" "select detail from audit where action='receive'" | grep -q "from DE-BKA for reference $R1 = record r-pushkin.*reason: case 7: identify" || fail "request audited at A"
sqa "$A/store.db" "select actor||' '||detail from audit where action='approve' and object='request $I1'" | grep -q "release to request $I1 of DE-BKA for record r-pushkin.*approved by duty officer" || fail "approval audited at A"
sqa "$A/store.db" "select detail from audit where action='refuse'" | grep -q "refusal to .*DE-BKA.*ongoing investigation" || fail "refusal audited at A"
sqa "$A/store.db" "select actor from audit where action='approve'" | grep -qx "policy" || fail "policy decision audited"
sqa "$B/store.db" "select detail from audit where action='send'" | grep -q "request to NL-NP for reference $R1" || fail "request audited at B"
sqa "$B/store.db" "select detail from audit where action='receive'" | grep -q "release from NL-NP of record r-pushkin for reference $R1" || fail "release audited at B"
sqa "$B/store.db" "select detail from audit where action='receive'" | grep -q "refusal from NL-NP for reference $R2.*ongoing investigation" || fail "refusal audited at B"
ok "requests, approvals, refusals and releases audited on both sides"
