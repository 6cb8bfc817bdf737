#!/bin/bash
# Custody across agencies (issue #6) between two nodes on loopback: an
# officer of A (NL-NP) transfers an item to agency DE-BKA; the transfer
# travels over the exchange as a bundle; B's officer signs the receipt with
# their own key on B's ledger; the receipt travels back and completes the
# timeline at A. `evidence show` at both nodes checks both agencies'
# signatures, and a bundle made at either verifies offline with both
# agencies' keys; tampering with the other agency's section fails it.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/nodes.bash"

three_nodes
export LIAISON_PASSWORD='correct horse battery staple'
lia "$A" user add alice --role officer >/dev/null
lia "$A" user add bob --role officer >/dev/null
lia "$B" user add bruno --role officer >/dev/null
head -c 30000 /dev/urandom >"$TMP/item.bin"
ID=$(lia "$A" evidence add "$TMP/item.bin" --case NL-2026-9 --description "Laptop" --user alice)
lia "$A" evidence event "$ID" --kind sealed --note "bag 9" --user alice >/dev/null

# A transfer to an agency that is not a pinned peer is refused before
# anything is recorded.
expect_exit 66 lia "$A" evidence event "$ID" --kind transferred --to XX-NONE --user alice
echo "$ERR" | grep -q "pinned as a peer" || fail "unpinned agency: $ERR"
expect_exit 64 lia "$A" evidence event "$ID" --kind transferred --to NL-NP --user alice
ok "a transfer to an unpinned agency or to the node itself is refused"

start "$A" "$PA"
start "$B" "$PB"
OUT=$(lia "$A" evidence event "$ID" --kind transferred --to DE-BKA --note "for analysis" --user alice)
echo "$OUT" | grep -q "event 2 transferred recorded" || fail "transfer: $OUT"
echo "$OUT" | grep -q "sent to DE-BKA over the exchange" || fail "transfer not sent: $OUT"
# Nobody at A may sign the receipt of a transfer to another agency.
expect_exit 77 lia "$A" evidence event "$ID" --kind received --user bob
echo "$ERR" | grep -q "only DE-BKA may sign" || fail "local receipt: $ERR"
ok "the transfer to DE-BKA is recorded and sent; nobody at A may receive it"

incoming() { lia "$B" evidence list >"$TMP/bl" && grep -q "^$ID  transferred by NL-NP, awaiting the receipt here" "$TMP/bl"; }
wait_for 30 incoming || fail "B has no incoming transfer: $(cat "$TMP/bl"; tail -5 "$B.log")"
lia "$B" evidence show "$ID" >"$TMP/bs0" || fail "show at B before the receipt: $(cat "$TMP/bs0")"
grep -q "transferred by NL-NP, not yet received here" "$TMP/bs0" || fail "B show: $(cat "$TMP/bs0")"
grep -q "^VERIFIED" "$TMP/bs0" || fail "B show: $(cat "$TMP/bs0")"
lia "$B" audit --action custody-in | grep -q "transfer of item $ID from NL-NP" || fail "no custody-in audit at B"
ok "B receives the bundle, verifies it with A's pinned key and lists the item as incoming"

OUT=$(lia "$B" evidence event "$ID" --kind received --note "sealed bag intact" --user bruno)
echo "$OUT" | grep -q "event 3 received recorded" || fail "receipt at B: $OUT"
echo "$OUT" | grep -q "sent to NL-NP over the exchange" || fail "receipt not sent: $OUT"
lia "$B" evidence show "$ID" >"$TMP/bs"
grep -q "^VERIFIED" "$TMP/bs" || fail "B show: $(cat "$TMP/bs")"
grep -q "section of NL-NP: .* entries included in its head" "$TMP/bs" || fail "B show: no NL-NP section: $(cat "$TMP/bs")"
grep -q "event 2 transferred .* by alice@NL-NP (officer) to DE-BKA.*signature ok, ledger entry [0-9]* of NL-NP included" "$TMP/bs" ||
	fail "B show: transfer: $(cat "$TMP/bs")"
grep -q "event 3 received .* by bruno (officer): \"sealed bag intact\"; signature ok" "$TMP/bs" || fail "B show: receipt: $(cat "$TMP/bs")"
ok "B's officer signs the receipt; B's timeline checks A's and B's signatures"

receipted() { lia "$A" evidence show "$ID" >"$TMP/as" && grep -q "event 3 received .* by bruno@DE-BKA (officer)" "$TMP/as"; }
wait_for 30 receipted || fail "A has no receipt: $(cat "$TMP/as"; tail -5 "$A.log")"
grep -q "^VERIFIED" "$TMP/as" || fail "A show: $(cat "$TMP/as")"
grep -q "section of DE-BKA: .* entries included in its head" "$TMP/as" || fail "A show: $(cat "$TMP/as")"
grep -q "note: the last transfer" "$TMP/as" && fail "A still shows an open transfer: $(cat "$TMP/as")"
ok "the receipt travels back: A's timeline is complete with B's signed receipt"

# The item is at DE-BKA now: A records nothing more, B does.
expect_exit 77 lia "$A" evidence event "$ID" --kind examined --user alice
echo "$ERR" | grep -q "while DE-BKA holds the item" || fail "event at A after the transfer: $ERR"
lia "$B" evidence event "$ID" --kind examined --note "imaged" --user bruno >/dev/null
ok "after the receipt only the holder (DE-BKA) records custody"

lia "$A" evidence bundle "$ID" -o "$TMP/a.json"
lia "$B" evidence bundle "$ID" -o "$TMP/b.json"
[ "$(json_get "$TMP/a.json" "j['version']")" = 2 ] || fail "A's bundle is not version 2"
[ "$(json_get "$TMP/a.json" "[p['card'] for p in j['peers']][0].count('DE-BKA')")" -ge 1 ] || fail "A's bundle has no DE-BKA section"
for f in a b; do
	(cd / && env -u LIAISON_HOME "$LIAISON" --home /nonexistent verify "$TMP/$f.json") >"$TMP/v$f" ||
		fail "offline verify of $f: $(cat "$TMP/v$f")"
	grep -q "^VERIFIED" "$TMP/v$f" || fail "verify $f: $(cat "$TMP/v$f")"
done
grep -q "event 4 examined .* by bruno (officer)" "$TMP/vb" || fail "B's bundle: $(cat "$TMP/vb")"
ok "bundles made at A and at B verify offline with both agencies' keys"

# Tampering with the other agency's section, or leaving it out, fails.
python3 - "$TMP/a.json" "$TMP" <<'PY'
import sys, json, base64
src, tmp = sys.argv[1], sys.argv[2]
def dump(j, name):
    open(tmp + '/' + name, 'w').write(json.dumps(j, separators=(',', ':'), sort_keys=True, ensure_ascii=False))
j = json.load(open(src))
s = bytearray(base64.b64decode(j['peers'][0]['head']['sth']['sig'])); s[7] ^= 1
j['peers'][0]['head']['sth']['sig'] = base64.b64encode(bytes(s)).decode()
dump(j, 't1.json')
j = json.load(open(src))
del j['peers']; j['version'] = 1
dump(j, 't2.json')
j = json.load(open(src))
j['peers'][0]['entries'] = [e for e in j['peers'][0]['entries']
    if b'"kind":"received"' not in base64.b64decode(e['entry'])]
dump(j, 't3.json')
PY
expect_exit 65 lia "$A" verify "$TMP/t1.json"
grep -q "signature of the tree head does not verify" "$TMP/out" || fail "t1: $(cat "$TMP/out")"
expect_exit 65 lia "$A" verify "$TMP/t2.json"
grep -q "recorded at agency DE-BKA, whose section is not in this bundle" "$TMP/out" || fail "t2: $(cat "$TMP/out")"
expect_exit 65 lia "$A" verify "$TMP/t3.json"
grep -q "not included in the signed tree head of DE-BKA" "$TMP/out" || fail "t3: $(cat "$TMP/out")"
ok "a changed signature in DE-BKA's section, or the section or the receipt left out, fails verification"

lia "$A" ledger verify >/dev/null || fail "ledger verify A"
lia "$B" ledger verify >/dev/null || fail "ledger verify B"
ok "both ledgers verify"

# Through the API (POST /v1/evidence/{id}/events) a transfer travels as it
# does from the command line: refused before anything is recorded when the
# agency is not pinned, sent over the exchange (sent_to) when it is, and
# received at B the same way.
stop "${PIDS[0]}"
lia "$A" user add alan --role officer >/dev/null
TOKEN=$(lia "$A" user token create alan 2>/dev/null)
ID2=$(lia "$A" evidence add "$TMP/item.bin" --case NL-2026-10 --description "Phone" --user alan)
PAPI=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
before=$(grep -c "serving on" "$A.log" || true)
"$LIAISON" --home "$A" serve --listen "127.0.0.1:$PA" --api "127.0.0.1:$PAPI" 2>>"$A.log" &
PIDS+=($!)
served() { [ "$(grep -c "serving on" "$A.log" || true)" -gt "$before" ]; }
wait_for 30 served || fail "A did not start with the API: $(tail -5 "$A.log")"
api_event() {
	curl -sk -o "$TMP/api.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -H "X-Purpose: custody test" \
		-H "Content-Type: application/json" -d "$2" "https://127.0.0.1:$PAPI/v1/evidence/$1/events"
}
code=$(api_event "$ID2" "{\"kind\":\"transferred\",\"to\":\"XX-NONE\",\"password\":\"$LIAISON_PASSWORD\"}")
[ "$code" = 422 ] && grep -q "pinned as a peer" "$TMP/api.json" || fail "API transfer to an unpinned agency: $code $(cat "$TMP/api.json")"
lia "$A" evidence show "$ID2" | grep -q "transferred" && fail "the refused transfer was recorded"
code=$(api_event "$ID2" "{\"kind\":\"transferred\",\"to\":\"DE-BKA\",\"note\":\"by API\",\"password\":\"$LIAISON_PASSWORD\"}")
[ "$code" = 201 ] || fail "API transfer: $code $(cat "$TMP/api.json")"
[ "$(json_get "$TMP/api.json" 'j.get("sent_to")')" = DE-BKA ] || fail "API transfer not sent: $(cat "$TMP/api.json")"
incoming2() { lia "$B" evidence list | grep -q "^$ID2  transferred by NL-NP, awaiting the receipt here"; }
wait_for 30 incoming2 || fail "B has no incoming transfer from the API: $(tail -5 "$B.log")"
ok "a transfer recorded through the API is refused for an unpinned agency, and sent over the exchange to a pinned one"
