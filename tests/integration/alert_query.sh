#!/bin/bash
# Hit/no-hit queries answered against received alerts (issue #5 section
# 4), three nodes: NL-NP (A) issues alerts to DE-BKA (B) only; FR-PN (C)
# asks B. A match on an alert is notified to A naming FR-PN as the asker
# (nothing of what it asked); C learns "hit" only when the alerted
# record's marking would let B pass it on to C (C in its audience, no
# H2/H3), else "no-hit"; a repeated query within the window is notified
# once; a withdrawn alert no longer answers.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/nodes.bash"

three_nodes
cat >"$TMP/w.ijson" <<'J'
{"id":"nl-wanted-1","schema":"Person","properties":{"name":["Aleksandr Sergeyevich Pushkin"],"birthDate":["1970-05-12"]}}
J
cat >"$TMP/de.ijson" <<'J'
{"id":"nl-de-only","schema":"Person","properties":{"name":["Vladimir Ilyich Kozlov"]}}
J
cat >"$TMP/h2.ijson" <<'J'
{"id":"nl-h2-7","schema":"Person","properties":{"name":["Ivan Petrovich Sidorov"]}}
J
lia "$A" import --audience DE-BKA,FR-PN --tlp AMBER "$TMP/w.ijson" >/dev/null
lia "$A" import --audience DE-BKA --tlp AMBER "$TMP/de.ijson" >/dev/null
lia "$A" import --audience DE-BKA,FR-PN --handling H2 --tlp AMBER "$TMP/h2.ijson" >/dev/null
start "$A" "$PA"; start "$B" "$PB"; start "$C" "$PC"

AL=$(lia "$A" alert issue --kind arrest --record nl-wanted-1 --to DE-BKA --action "Arrest, call NL-NP desk")
AL2=$(lia "$A" alert issue --kind discreet-check --record nl-de-only --to DE-BKA)
AL3=$(lia "$A" alert issue --kind discreet-check --record nl-h2-7 --to DE-BKA)
active() { lia "$B" --json alert list >"$TMP/al.json" && [ "$(json_get "$TMP/al.json" "sum(a['state']=='active' for a in j)")" = 3 ]; }
wait_for 20 active || fail "B did not receive the three alerts: $(cat "$TMP/al.json")"

# ask NAME: C asks B; the query id in $Q, its answer's status printed
ask() {
	lia "$C" --json query --to DE-BKA --name "$1" --reason "border check" >"$TMP/q.json" || fail "query $1"
	Q=$(json_get "$TMP/q.json" 'j[0]["id"]')
	wait_for 20 answered "$Q" || fail "no answer to $Q: $(cat "$TMP/qs.json")"
}
answered() { lia "$C" --json queries >"$TMP/qs.json" && [ "$(json_get "$TMP/qs.json" "[q['status'] for q in j if q['id']=='$1'][0]")" != pending ]; }
status() { json_get "$TMP/qs.json" "[q['status'] for q in j if q['id']=='$1'][0]"; }
# hits_on ALERT N: A has N hit notifications on ALERT
hits_on() { lia "$A" --json hits >"$TMP/h.json" && [ "$(json_get "$TMP/h.json" "sum(h['alert']=='$1' for h in j)")" = "$2" ]; }

ask "Alexander Sergeevich Pushkin"
[ "$(status "$Q")" = hit ] || fail "C is in the audience of the alerted record: $(cat "$TMP/qs.json")"
REF=$(json_get "$TMP/qs.json" "[q['hits'][0]['ref'] for q in j if q['id']=='$Q'][0]")
[[ "$REF" =~ ^[0-9a-f]{32}$ ]] || fail "opaque ref: $REF"
[ "$(json_get "$TMP/qs.json" "[q['hits'][0]['marking']['tlp'] for q in j if q['id']=='$Q'][0]")" = AMBER ] || fail "the alerted record's marking in the answer"
grep -qi "pushkin\|nl-wanted\|$AL" "$TMP/qs.json" && fail "personal data, record or alert id in C's answer"
wait_for 20 hits_on "$AL" 1 || fail "A was not notified: $(cat "$TMP/h.json")"
[ "$(json_get "$TMP/h.json" "[h['agency'] for h in j if h['alert']=='$AL'][0]")" = DE-BKA ] || fail "where it hit"
[ "$(json_get "$TMP/h.json" "[h['asker'] for h in j if h['alert']=='$AL'][0]")" = FR-PN ] || fail "who asked: $(cat "$TMP/h.json")"
[ "$(json_get "$TMP/h.json" "[h['channel'] for h in j if h['alert']=='$AL'][0]")" = query ] || fail "channel"
grep -qi "alexander\|sergeevich\|border check" "$TMP/h.json" && fail "the query's content reached the issuer"
lia "$A" hits | grep -q "HIT on arrest alert $AL (record nl-wanted-1): Person asked about by FR-PN (hit/no-hit query) at DE-BKA" ||
	fail "liaison hits: $(lia "$A" hits)"
lia "$A" hits | grep -q "action: Arrest, call NL-NP desk" || fail "action shown"
sqlite3 "$B/store.db" "select detail from audit where action='receive' and object='$Q'" |
	grep -q "query from FR-PN; reason: border check; answered hit.*$REF=nl-wanted-1.*alert $AL of NL-NP hit, issuer notified, told to the asker" ||
	fail "B's audit: $(sqlite3 "$B/store.db" "select detail from audit where object='$Q'")"
# The reference may be requested, but B releases only records it
# originated: the approval is refused, the issuer releases its own.
lia "$C" request "$REF" --reason "identify" >/dev/null || fail "request of $REF"
has_req() { [ -n "$(sqlite3 "$B/store.db" "select id from requests where ref='$REF' and state='pending'")" ]; }
wait_for 20 has_req || fail "the request did not reach B"
expect_exit 77 lia "$B" approve "$(sqlite3 "$B/store.db" "select id from requests where ref='$REF'")" --reason "x"
echo "$ERR" | grep -qi "originat" || fail "approval refusal names the rule: $ERR"
ok "a query from C hits A's alert at B: C told hit (in the audience), A notified that FR-PN asked"

ask "Vladimir Kozlov"
[ "$(status "$Q")" = no-hit ] || fail "C outside the audience learned of the alert: $(cat "$TMP/qs.json")"
wait_for 20 hits_on "$AL2" 1 || fail "A was not notified of the hit on AL2: $(cat "$TMP/h.json")"
[ "$(json_get "$TMP/h.json" "[h['asker'] for h in j if h['alert']=='$AL2'][0]")" = FR-PN ] || fail "asker on AL2"
sqlite3 "$B/store.db" "select detail from audit where action='receive' and object='$Q'" |
	grep -q "answered no-hit.*alert $AL2 of NL-NP hit, issuer notified, not told to the asker" || fail "B's audit of AL2"
ask "Ivan Petrovich Sidorov"
[ "$(status "$Q")" = no-hit ] || fail "an H2 alert was revealed to C: $(cat "$TMP/qs.json")"
wait_for 20 hits_on "$AL3" 1 || fail "A was not notified of the hit on AL3"
ok "outside the audience, or H2: no-hit to C, and A is notified all the same"

ask "Alexander Sergeevich Pushkin"
[ "$(status "$Q")" = hit ] || fail "second query"
[ "$(sqlite3 "$B/store.db" "select count(*) from alert_hits where alert_id='$AL' and direction='sent'")" = 1 ] ||
	fail "B notified the same subject twice within the window"
sqlite3 "$B/store.db" "select detail from audit where action='receive' and object='$Q'" |
	grep -q "alert $AL of NL-NP hit, issuer already notified, told to the asker" || fail "B's audit of the repeat"
ok "the same query again within the window is one notification"

lia "$A" alert withdraw "$AL" --reason "arrested" >/dev/null
wd() { lia "$B" --json alert list >"$TMP/w.json" && [ "$(json_get "$TMP/w.json" "[a['state'] for a in j if a['id']=='$AL'][0]")" = withdrawn ]; }
wait_for 20 wd || fail "withdrawal did not reach B"
ask "Alexander Sergeevich Pushkin"
[ "$(status "$Q")" = no-hit ] || fail "a withdrawn alert still answers"
ok "a withdrawn alert no longer answers queries"
