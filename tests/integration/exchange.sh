#!/bin/bash
# Two and three nodes on loopback, identities made at test time: delivery
# with a record and an attachment, receipts, a peer down then up, kill -9
# of a sender with a full outbox, a wrong certificate, a tampered and a
# replayed envelope, handling rules at the boundary.
. "$(dirname "$0")/lib.bash"
command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 254; }
. "$(dirname "$0")/nodes.bash"
state_of() { lia "$1" --json outbox | python3 -c 'import json,sys; print(" ".join(sorted(r["state"] for r in json.load(sys.stdin) if r["id"]==sys.argv[1])))' "$2"; }
is_state() { [ "$(state_of "$1" "$2")" = "$3" ]; }

init_nodes
[ "$(stat -c %a "$A/keys/sign.key")" = 600 ] || fail "key mode"
grep -q PRIVATE "$TMP/A.card" && fail "card holds a private key"
lia "$A" peer add "$TMP/B.card" --url "https://127.0.0.1:$PB" >/dev/null
lia "$A" peer add "$TMP/C.card" --url "https://127.0.0.1:$PC" >/dev/null
lia "$B" peer add "$TMP/A.card" --url "https://127.0.0.1:$PA" >/dev/null
lia "$B" peer add "$TMP/C.card" --url "https://127.0.0.1:$PC" >/dev/null
lia "$C" peer add "$TMP/A.card" --url "https://127.0.0.1:$PA" >/dev/null
lia "$C" peer add "$TMP/B.card" --url "https://127.0.0.1:$PB" >/dev/null
expect_exit 73 lia "$A" peer add "$TMP/B.card" --url "https://127.0.0.1:$PB"
expect_exit 64 lia "$A" peer add "$TMP/C.card" --url "http://127.0.0.1:$PC"
[ "$(lia "$A" --json peer list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 2 ] || fail "peer list"
ok "identities, cards and pins"

# Records: one for DE only, one TLP:RED naming FR only, one H2 received
# from another agency (never passed on).
cat >"$TMP/de.ijson" <<'J'
{"id":"p-de","schema":"Person","properties":{"name":["Ivan Petrov"],"birthDate":["1970-05-12"]}}
J
cat >"$TMP/red.ijson" <<'J'
{"id":"p-red","schema":"Person","properties":{"name":["Olga Sidorova"]}}
J
cat >"$TMP/h2.ijson" <<'J'
{"id":"p-h2","schema":"Person","properties":{"name":["Anna Kowalska"]}}
J
lia "$A" import --audience DE-BKA,FR-PN --tlp AMBER "$TMP/de.ijson" >/dev/null
lia "$A" import --audience FR-PN --tlp RED "$TMP/red.ijson" >/dev/null
lia "$A" import --agency PL-POL --handling H2 --audience NL-NP,DE-BKA "$TMP/h2.ijson" >/dev/null
expect_exit 77 lia "$A" send --to DE-BKA --subject x --record p-red
echo "$ERR" | grep -q "p-red.*TLP:RED" || fail "RED refusal names record and rule: $ERR"
expect_exit 77 lia "$A" send --to DE-BKA,FR-PN --subject x --record p-h2
echo "$ERR" | grep -q "p-h2.*H2 from PL-POL" || fail "H2 refusal: $ERR"
lia "$A" import --audience FR-PN --tlp AMBER "$TMP/red.ijson" >/dev/null
expect_exit 77 lia "$A" send --to DE-BKA --subject x --record p-red
echo "$ERR" | grep -q "outside its audience" || fail "audience refusal: $ERR"
[ "$(lia "$A" --json outbox | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 0 ] || fail "a refused send queued something"
expect_exit 66 lia "$A" send --to XX-NOPE --subject x
ok "handling rules refuse the whole send (exit 77), nothing queued"

# A message with a record and an attachment, delivered, receipted, read.
head -c 300000 /dev/urandom >"$TMP/evidence.bin"
ID=$(lia "$A" send --to DE-BKA --subject "Petrov travels" --text "see attached" \
	--record p-de --attach "$TMP/evidence.bin" --case OP-7 --priority urgent | awk '{print $1}')
is_state "$A" "$ID" queued || fail "send must only queue"
start "$A" "$PA"; PID_A=${PIDS[-1]}
start "$B" "$PB"; PID_B=${PIDS[-1]}
wait_for 20 is_state "$A" "$ID" delivered || fail "not delivered: $(lia "$A" outbox) $(cat "$A.log")"
lia "$B" --json inbox >"$TMP/in.json"
[ "$(json_get "$TMP/in.json" 'j[0]["id"]+" "+j[0]["state"]+" "+j[0]["peer"]')" = "$ID received NL-NP" ] || fail "inbox: $(cat "$TMP/in.json")"
mkdir "$TMP/save"
lia "$B" --json read --save-attachments "$TMP/save" "$ID" >"$TMP/r.json"
[ "$(json_get "$TMP/r.json" 'j["records"][0]["marking"]["audience"]')" = "['DE-BKA', 'FR-PN']" ] || fail "record marking"
[ "$(json_get "$TMP/r.json" 'j["case"]+" "+j["priority"]')" = "OP-7 urgent" ] || fail "case, priority"
cmp "$TMP/evidence.bin" "$TMP/save/evidence.bin" || fail "attachment differs"
lia "$B" --json inbox >"$TMP/in.json"
[ "$(json_get "$TMP/in.json" 'j[0]["state"]')" = read ] || fail "not marked read"
lia "$B" get p-de | grep -q "from NL-NP to DE-BKA,FR-PN" || fail "record stored under its marking"
sqlite3 "$B/store.db" "select action from audit where object='$ID'" | sort | tr '\n' ' ' | grep -q "read receive" || fail "receive and read audited"
sqlite3 "$A/store.db" "select action from audit where object='$ID'" | sort | tr '\n' ' ' | grep -q "receipt send" || fail "send and receipt audited"
ok "message with record and attachment delivered, receipted, read, audited"

# A reply threads into the same case and goes back to the sender.
R=$(lia "$B" send --reply-to "$ID" --subject "Re: Petrov" --text thanks | awk '{print $1}')
wait_for 20 is_state "$B" "$R" delivered || fail "reply not delivered"
lia "$A" --json read "$R" >"$TMP/r2.json"
[ "$(json_get "$TMP/r2.json" 'j["case"]+" "+j["reply_to"]')" = "OP-7 $ID" ] || fail "reply thread"
ok "reply threads into the case"

# A second daemon on the same home refuses to start.
expect_exit 75 lia "$A" serve --listen "127.0.0.1:$PC"
ok "one daemon per home"

# Peer down: queued with retries; peer up: delivered.
stop "$PID_B"
D=$(lia "$A" send --to DE-BKA --subject "while down" | awk '{print $1}')
wait_for 10 grep -q "attempt 2 failed" "$A.log" || fail "no retries: $(tail "$A.log")"
is_state "$A" "$D" queued || fail "should stay queued while the peer is down"
lia "$A" --json outbox | grep -q '"error"' || fail "last error shown"
start "$B" "$PB"; PID_B=${PIDS[-1]}
wait_for 20 is_state "$A" "$D" delivered || fail "not delivered after the peer came back"
ok "peer down then up: queued, retried with backoff, delivered"

# Wrong certificate: a node with a fresh identity calling itself NL-NP.
lia "$TMP/evil" init --agency NL-NP --country NL >/dev/null
lia "$TMP/evil" peer add "$TMP/B.card" --url "https://127.0.0.1:$PB" >/dev/null
lia "$TMP/evil" import --audience DE-BKA "$TMP/de.ijson" >/dev/null
E=$(lia "$TMP/evil" send --to DE-BKA --subject forged | awk '{print $1}')
start "$TMP/evil" "$PC"; PID_E=${PIDS[-1]}
wait_for 20 grep -q "refused TLS client: certificate sha256 [0-9a-f]\{64\} is not a pinned peer" "$B.log" || fail "no refusal logged: $(tail "$B.log")"
stop "$PID_E"
lia "$B" --json inbox | grep -q "$E" && fail "forged envelope stored"
ok "a wrong client certificate is refused with a log line naming it"

# The sender pins the server's key too: B's URL served by another key.
lia "$TMP/imp" init --agency DE-BKA --country DE >/dev/null
lia "$TMP/imp" peer add "$TMP/A.card" --url "https://127.0.0.1:$PA" >/dev/null
stop "$PID_B"
start "$TMP/imp" "$PB"; PID_I=${PIDS[-1]}
P=$(lia "$A" send --to DE-BKA --subject "to the impostor?" | awk '{print $1}')
wait_for 10 grep -q "$P to DE-BKA: attempt 1 failed.*[Pp]inned" "$A.log" || fail "pinning: $(tail -3 "$A.log")"
lia "$TMP/imp" --json inbox | grep -q "$P" && fail "delivered to an impostor"
stop "$PID_I"
start "$B" "$PB"; PID_B=${PIDS[-1]}
wait_for 20 is_state "$A" "$P" delivered || fail "not delivered to the real peer"
ok "the delivery worker pins the peer's public key"

# Tampered and replayed envelopes, posted directly with A's certificate.
ENV="$TMP/env.bin"
sqlite3 "$A/store.db" "select writefile('$ENV', bytes) from out_envelopes where env_id='$ID'" >/dev/null
post() { curl -sk -o "$TMP/resp" -w '%{http_code}' --cert "$A/keys/tls.crt" --key "$A/keys/tls.key" \
	-H 'Content-Type: application/octet-stream' --data-binary "@$1" "https://127.0.0.1:$PB/fed/v1/envelopes"; }
[ "$(post "$ENV")" = 200 ] || fail "replay should answer 200: $(cat "$TMP/resp")"
grep -q duplicate "$TMP/resp" || fail "replay not marked duplicate"
grep -q "duplicate (already applied) envelope $ID" "$B.log" || fail "replay not logged"
[ "$(sqlite3 "$B/store.db" "select count(*) from inbox where env_id='$ID'")" = 1 ] || fail "replay applied twice"
[ "$(sqlite3 "$B/store.db" "select count(*) from audit where action='receive' and object='$ID'")" = 1 ] || fail "replay audited as a receipt"
python3 - "$ENV" "$TMP/tampered.bin" <<'P'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[len(b) // 2] ^= 1
open(sys.argv[2], "wb").write(b)
P
[ "$(post "$TMP/tampered.bin")" = 403 ] || [ "$(post "$TMP/tampered.bin")" = 400 ] || fail "tampered accepted: $(cat "$TMP/resp")"
grep -q "rejected envelope from NL-NP" "$B.log" || fail "tamper not logged"
head -c 100 /dev/urandom >"$TMP/junk.bin"
[ "$(post "$TMP/junk.bin")" = 400 ] || fail "junk: $(cat "$TMP/resp")"
code=$(curl -sk -o /dev/null -w '%{http_code}' --data-binary "@$ENV" "https://127.0.0.1:$PB/fed/v1/envelopes" || true)
[ "$code" = 403 ] || [ "$code" = 000 ] || fail "no client certificate: $code"
ok "tampered, junk and replayed envelopes rejected; no certificate refused"

# kill -9 of a sender with a full outbox: after restart every message is
# delivered exactly once.
stop "$PID_A"
for i in $(seq 1 40); do lia "$A" send --to DE-BKA,FR-PN --subject "bulk $i" >/dev/null; done
start "$C" "$PC"
"$LIAISON" --home "$A" serve --listen "127.0.0.1:$PA" 2>>"$A.log" &
PID_A=$!; PIDS+=($PID_A)
sleep 0.4
kill -9 "$PID_A"; wait "$PID_A" 2>/dev/null || true
start "$A" "$PA"; PID_A=${PIDS[-1]}
all_done() { [ "$(sqlite3 "$A/store.db" "select count(*) from outbox o join out_envelopes e using(env_id) where e.subject like 'bulk %' and o.state='delivered'")" = 80 ]; }
wait_for 60 all_done || fail "not all delivered after kill -9: $(sqlite3 "$A/store.db" "select state, count(*) from outbox group by state")"
for h in "$B" "$C"; do
	n=$(sqlite3 "$h/store.db" "select count(*), count(distinct subject) from inbox where subject like 'bulk %'")
	[ "$n" = "40|40" ] || fail "receiver $h has $n bulk messages"
	r=$(sqlite3 "$h/store.db" "select count(*) from audit where action='receive' and object in (select env_id from inbox where subject like 'bulk %')")
	[ "$r" = 40 ] || fail "receiver $h applied $r times"
done
ok "kill -9 with a full outbox: 40 messages to 2 peers delivered exactly once"

# Clean shutdown on SIGTERM.
kill -TERM "$PID_A"; st=0; wait "$PID_A" || st=$?
[ "$st" = 0 ] || fail "serve exit status $st after SIGTERM: $(tail -40 "$A.log")"
grep -q "stopped" "$A.log" || fail "no clean stop"
grep -qi "private key\|BEGIN" "$A.log" "$B.log" && fail "secrets in the log"
ok "clean shutdown"

# The audit trail of the exchange is part of the ledger (issue #6): every
# send, receipt and read above is an entry, and each log still verifies.
for h in "$A" "$B" "$C"; do
	lia "$h" ledger verify | grep -q "^ok" || fail "ledger verify on $h after the exchange"
	a=$(sqlite3 "$h/store.db" "select count(*) from audit")
	e=$(sqlite3 "$h/store.db" "select count(*) from ledger_entries where cast(substr(data, 9) as text) like '%\"type\":\"audit\"%'")
	[ "$a" = "$e" ] || fail "$h has $a audit rows but $e audit entries in its ledger"
done
ok "every audit row of the three nodes is a ledger entry; ledger verify passes"
