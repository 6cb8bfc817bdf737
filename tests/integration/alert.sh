#!/bin/bash
# Alerts with automatic hit notification between three nodes on loopback:
# A issues an arrest alert to all; a screening at B of the name in another
# transliteration hits it, shows the action and notifies A (once within
# the window); an import at C hits it too; after A withdraws, B's
# screening no longer hits; an alert on a record whose audience excludes
# C never reaches C; audit rows on both sides.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/nodes.bash"

three_nodes

cat >"$TMP/a.ijson" <<'J'
{"id":"nl-wanted-1","schema":"Person","properties":{"name":["Aleksandr Sergeyevich Pushkin"],"birthDate":["1970-05-12"]}}
J
cat >"$TMP/de.ijson" <<'J'
{"id":"nl-de-only","schema":"Person","properties":{"name":["Vladimir Ilyich Kozlov"]}}
J
lia "$A" import --audience DE-BKA,FR-PN --tlp AMBER "$TMP/a.ijson" >/dev/null
lia "$A" import --audience DE-BKA --tlp AMBER "$TMP/de.ijson" >/dev/null
start "$A" "$PA"; start "$B" "$PB"; start "$C" "$PC"

expect_exit 64 lia "$A" alert issue --kind nonsense --record nl-wanted-1 --to all
expect_exit 77 lia "$A" alert issue --kind arrest --record nl-de-only --to FR-PN
echo "$ERR" | grep -q "FR-PN is outside its audience" || fail "refusal names the rule: $ERR"
ok "an alert to a partner outside the record's audience is refused (77)"

AL=$(lia "$A" alert issue --kind arrest --record nl-wanted-1 --to all --action "Arrest and contact NL-NP desk 24/7" --expires 2099-12-31)
[[ "$AL" =~ ^[0-9a-f]{32}$ ]] || fail "alert id: $AL"
AL2=$(lia "$A" alert issue --kind discreet-check --record nl-de-only --to all)
has_alert() { lia "$1" --json alert list >"$TMP/al.json" && [ "$(json_get "$TMP/al.json" "sum(a['id']=='$2' and a['state']=='active' for a in j)")" = 1 ]; }
wait_for 10 has_alert "$B" "$AL" || fail "B did not receive the alert"
wait_for 10 has_alert "$C" "$AL" || fail "C did not receive the alert"
wait_for 10 has_alert "$B" "$AL2" || fail "B did not receive the second alert"
lia "$C" --json alert list | grep -q "$AL2" && fail "C received an alert on a record outside its audience"
sqlite3 "$C/store.db" "select count(*) from records where id='nl-de-only'" | grep -qx 0 || fail "record reached C"
[ "$(json_get "$TMP/al.json" "[a['recipients'] for a in j if a['id']=='$AL2'][0]")" = "" ] || true
lia "$A" --json alert list >"$TMP/aa.json"
[ "$(json_get "$TMP/aa.json" "[a['recipients'] for a in j if a['id']=='$AL2'][0]")" = DE-BKA ] || fail "alert on the DE-only record went to: $(cat "$TMP/aa.json")"
ok "alerts reach the partners in the audience only"

lia "$B" screen --name "Alexander Sergeevich Pushkin" >"$TMP/s1"
grep -q "ALERT arrest from NL-NP on nl-wanted-1: action: Arrest and contact NL-NP desk 24/7 (issuer notified)" "$TMP/s1" || fail "B's screening shows the alert: $(cat "$TMP/s1")"
lia "$B" --json screen --name "Alexander Sergeevich Pushkin" >"$TMP/s2.json"
[ "$(json_get "$TMP/s2.json" "j['alerts'][0]['notified']")" = False ] || fail "duplicate within the window notified again"
hits_n() { lia "$A" --json hits >"$TMP/h.json" && [ "$(json_get "$TMP/h.json" 'len(j)')" -ge "$1" ]; }
wait_for 10 hits_n 1 || fail "A did not get the hit notification"
[ "$(json_get "$TMP/h.json" "[h['agency'] for h in j if h['alert']=='$AL'][0]")" = DE-BKA ] || fail "hit from B"
[ "$(json_get "$TMP/h.json" "[h['action'] for h in j if h['alert']=='$AL'][0]")" = "Arrest and contact NL-NP desk 24/7" ] || fail "action shown"
lia "$A" hits | grep -q "HIT on arrest alert $AL" || fail "liaison hits text"
grep -qi "alexander\|sergeevich" "$TMP/h.json" && fail "screened name leaked to the issuer"
ok "a screening at B hits the alert, shows the action, notifies A once"

printf 'full_name,date_of_birth\nAlexander Pushkin,1970-05-12\nJohn Smith,\n' >"$TMP/batch.csv"
lia "$B" screen --input "$TMP/batch.csv" >"$TMP/b.jsonl"
head -1 "$TMP/b.jsonl" | grep -q '"alerts":\[{' || fail "batch screening reports the alert: $(cat "$TMP/b.jsonl")"
wait_for 10 hits_n 2 || fail "batch hit notified"
ok "batch screening hits and notifies"

cat >"$TMP/c.ijson" <<'J'
{"id":"fr-traveller-9","schema":"Person","properties":{"name":["Alexandr Pouchkine"],"birthDate":["1970-05-12"]}}
J
lia "$C" import "$TMP/c.ijson" >/dev/null 2>"$TMP/ci.err"
grep -q "1 hit(s) on partners' alerts" "$TMP/ci.err" || fail "import at C reports the hit: $(cat "$TMP/ci.err")"
from_c() { lia "$A" --json hits >"$TMP/h.json" && [ "$(json_get "$TMP/h.json" "sum(h['agency']=='FR-PN' and h['channel']=='import' for h in j)")" = 1 ]; }
wait_for 10 from_c || fail "A did not get the hit from C's import: $(cat "$TMP/h.json")"
lia "$C" import "$TMP/c.ijson" >/dev/null 2>"$TMP/ci2.err"
grep -q "hit(s)" "$TMP/ci2.err" && fail "an unchanged re-import notified again"
ok "an import at C hits the alert and notifies A"

lia "$A" alert update "$AL" --action "Arrest; extradition requested" >/dev/null
upd() { lia "$B" --json alert list >"$TMP/u.json" && [ "$(json_get "$TMP/u.json" "[a['action'] for a in j if a['id']=='$AL'][0]")" = "Arrest; extradition requested" ]; }
wait_for 10 upd || fail "update did not propagate"
ok "an update propagates"

lia "$A" alert withdraw "$AL" --reason "arrested" >/dev/null
wd() { lia "$B" --json alert list >"$TMP/w.json" && [ "$(json_get "$TMP/w.json" "[a['state'] for a in j if a['id']=='$AL'][0]")" = withdrawn ]; }
wait_for 10 wd || fail "withdrawal did not propagate"
lia "$B" --json screen --name "Alexander Sergeevich Pushkin" >"$TMP/s3.json" || true
[ "$(json_get "$TMP/s3.json" 'len(j["alerts"])')" = 0 ] || fail "withdrawn alert still hits"
expect_exit 64 lia "$A" alert withdraw "$AL"
ok "a withdrawn alert stops hitting at once"

sqlite3 "$A/store.db" "select detail from audit where action='alert-issue' and object='$AL'" | grep -q "arrest alert v1 on record nl-wanted-1 to DE-BKA,FR-PN" || fail "issue audited at A"
sqlite3 "$A/store.db" "select count(*) from audit where action='hit-receive' and object='$AL'" | grep -qx 3 || fail "hits audited at A"
sqlite3 "$B/store.db" "select count(*) from audit where action='alert-receive' and object='$AL'" | grep -qx 2 || fail "alert (and update) audited at B"
sqlite3 "$B/store.db" "select count(*) from audit where action='hit-notify' and object='$AL'" | grep -qx 2 || fail "hit notifications audited at B"
sqlite3 "$B/store.db" "select count(*) from audit where action='alert-withdrawn' and object='$AL'" | grep -qx 1 || fail "withdrawal audited at B"
ok "alerts and hits audited on both sides"
