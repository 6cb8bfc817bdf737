#!/bin/bash
# Evidence chain of custody: users with their own keys, a real file
# registered, events by two users, a transfer and its receipt, show, bundles
# with and without content verified offline; then a byte flipped in each
# part of a bundle must fail with a reason, and the store edited behind the
# node's back (an entry changed, deleted, two swapped) must make ledger
# verify report the first bad index.
. "$(dirname "$0")/lib.bash"
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 not installed"; exit 254; }

H="$TMP/h"
lia "$H" init --agency NL-NP --name "Netherlands Police" --country NL >/dev/null
printf 'correct horse battery staple\n' >"$TMP/pw.alice"
printf 'another long passphrase\n' >"$TMP/pw.bob"
printf 'short\n' >"$TMP/pw.short"

expect_exit 64 lia "$H" user add alice --role officer --password-file "$TMP/pw.short"
echo "$ERR" | grep -q "shorter than 12" || fail "short passphrase reason: $ERR"
lia "$H" user add alice --role officer --password-file "$TMP/pw.alice" >/dev/null
LIAISON_PASSWORD='another long passphrase' lia "$H" user add bob --role officer >/dev/null
LIAISON_PASSWORD='auditor passphrase' lia "$H" user add carol --role auditor >/dev/null
expect_exit 73 lia "$H" user add alice --role officer --password-file "$TMP/pw.alice"
lia "$H" user list >"$TMP/users"
grep -q "^alice  *officer" "$TMP/users" || fail "user list: $(cat "$TMP/users")"
grep -rq "correct horse" "$H" && fail "passphrase stored in clear"
ok "users with their own keys; passphrase from a file or the environment"

head -c 300000 /dev/urandom >"$TMP/photo.jpg"
printf '\xff\xd8\xff\xe0' | dd of="$TMP/photo.jpg" conv=notrunc status=none
ID=$(lia "$H" evidence add "$TMP/photo.jpg" --case NL-2024-17 --description "Phone photo" \
	--seized-at "Amsterdam, Damrak 1" --seized-on 2024-05-01T10:00Z --user alice --password-file "$TMP/pw.alice")
[[ "$ID" =~ ^[0-9a-f]{32}$ ]] || fail "item id: $ID"
SHA=$(sha256sum "$TMP/photo.jpg" | cut -d' ' -f1)
[ -f "$H/evidence/$SHA" ] || fail "content copy under HOME/evidence"
cmp -s "$H/evidence/$SHA" "$TMP/photo.jpg" || fail "content copy differs"
ok "evidence add streams the file into a content-addressed copy"

expect_exit 77 lia "$H" evidence event "$ID" --kind sealed --user bob --password-file "$TMP/pw.alice"
echo "$ERR" | grep -q "wrong passphrase" || fail "wrong passphrase: $ERR"
LIAISON_PASSWORD='auditor passphrase' expect_exit 77 lia "$H" evidence event "$ID" --kind sealed --user carol
echo "$ERR" | grep -q "only officers and supervisors" || fail "auditor refused: $ERR"
export LIAISON_USER=alice
lia "$H" evidence event "$ID" --kind sealed --note "bag 17" --password-file "$TMP/pw.alice" >/dev/null
expect_exit 77 lia "$H" evidence event "$ID" --kind received --password-file "$TMP/pw.alice"
echo "$ERR" | grep -q "must follow" || fail "received without transfer: $ERR"
lia "$H" evidence event "$ID" --kind transferred --to bob --password-file "$TMP/pw.alice" >/dev/null
expect_exit 77 lia "$H" evidence event "$ID" --kind received --password-file "$TMP/pw.alice"
echo "$ERR" | grep -q "someone other" || fail "self-receipt: $ERR"
lia "$H" evidence event "$ID" --kind received --user bob --password-file "$TMP/pw.bob" >/dev/null
lia "$H" evidence event "$ID" --kind examined --user bob --note "hash checked" --password-file "$TMP/pw.bob" >/dev/null
unset LIAISON_USER
ok "custody events by two users; transfer completed by the receiver's receipt; rules enforced"

lia "$H" evidence show "$ID" >"$TMP/show"
grep -q "^VERIFIED" "$TMP/show" || fail "show: $(cat "$TMP/show")"
grep -q "event 2 transferred .* by alice (officer) to bob" "$TMP/show" || fail "show timeline: $(cat "$TMP/show")"
grep -q "event 3 received .* by bob" "$TMP/show" || fail "show receipt"
lia "$H" evidence list --case NL-2024-17 | grep -q "$ID" || fail "list by case"
sqlite3 "$H/store.db" "select count(*) from audit where action='evidence.show' and object='$ID'" | grep -qx 1 || fail "show audited"
ok "evidence show checks every signature and inclusion; list; reads audited"

lia "$H" evidence bundle "$ID" -o "$TMP/b.json"
lia "$H" evidence bundle "$ID" -o "$TMP/bc.json" --with-content
# Offline: no HOME, from another directory.
(cd / && env -u LIAISON_HOME "$LIAISON" --home /nonexistent verify "$TMP/b.json") >"$TMP/v1" || fail "verify: $(cat "$TMP/v1")"
(cd / && "$LIAISON" --home /nonexistent verify "$TMP/bc.json") >"$TMP/v2" || fail "verify content: $(cat "$TMP/v2")"
grep -q "content: 300000 bytes, SHA-256 matches" "$TMP/v2" || fail "content checked: $(cat "$TMP/v2")"
ok "bundles with and without content verify offline"

# flip FILE PYEXPR-OFFSET: a copy with one byte changed at the offset that
# the python expression finds in the text t.
flip() {
	python3 - "$TMP/bc.json" "$TMP/t.json" "$1" <<'PY'
import sys
t = open(sys.argv[1], 'rb').read()
off = eval(sys.argv[3])
b = bytearray(t)
c = b[off]
b[off] = ord('B') if c != ord('B') else ord('C')
open(sys.argv[2], 'wb').write(bytes(b))
PY
}
tamper() { # NAME OFFSET-EXPR REASON-REGEX
	flip "$2"
	expect_exit 65 "$LIAISON" verify "$TMP/t.json"
	grep -q "NOT VERIFIED" "$TMP/out" || fail "$1: no verdict"
	grep -Eq "$3" "$TMP/out" || fail "$1: reason: $(grep FAIL "$TMP/out")"
	ok "tampered $1 fails: $(grep -m1 FAIL "$TMP/out" | cut -c1-100)"
}
tamper content 't.index(b"\"content\":\"")+40' "content: does not match"
tamper event 't.rindex(b"{\"entry\":\"")+60' "entry [0-9]+: (not included|malformed)"
tamper "proof hash" 't.rindex(b"\"proof\":[\"")+12' "not included|malformed"
tamper "head signature" 't.index(b"\"sig\":\"")+10' "signature of the tree head does not verify|head:"
tamper "public key" 't.index(b"\"pk\":\"")+8' "not signed with the key of the node|head:"
tamper "head root" 't.index(b"\"root\":\"", t.index(b"\"sth\""))+12' "does not verify|head:"
tamper card 't.index(b"ed25519_pk")+20' "card"
tamper "tree size" 't.index(b"\"size\":", t.index(b"\"sth\""))+7' "not JSON|head|not included"
tamper format 't.index(b"\"format\":\"")+12' "not a version"
# A user's key inside an entry: re-encode an entry with a different pk.
python3 - "$TMP/bc.json" "$TMP/t.json" <<'PY'
import sys, json, base64
j = json.loads(open(sys.argv[1]).read())
e = base64.b64decode(j['entries'][0]['entry'])
n = int.from_bytes(e[4:8], 'big'); doc = json.loads(e[8:8+n])
doc['pk'] = '00' * 32
d = json.dumps(doc, separators=(',', ':'), sort_keys=True).encode()
j['entries'][0]['entry'] = base64.b64encode(b'LIE1' + len(d).to_bytes(4, 'big') + d + e[8+n:]).decode()
open(sys.argv[2], 'w').write(json.dumps(j, separators=(',', ':'), sort_keys=True))
PY
expect_exit 65 "$LIAISON" verify "$TMP/t.json"
grep -q "entry 0: not included" "$TMP/out" || fail "user key swap: $(grep FAIL "$TMP/out")"
ok "a user's public key changed in its entry fails"
# Dropping an event from the bundle breaks the chain.
python3 - "$TMP/b.json" "$TMP/t.json" <<'PY'
import sys, json
j = json.loads(open(sys.argv[1]).read())
del j['entries'][3]
open(sys.argv[2], 'w').write(json.dumps(j, separators=(',', ':'), sort_keys=True))
PY
expect_exit 65 "$LIAISON" verify "$TMP/t.json"
grep -q "event 1 was expected" "$TMP/out" || fail "dropped event: $(grep FAIL "$TMP/out")"
ok "an event dropped from a bundle fails"

# The store behind the node's back.
lia "$H" ledger verify | grep -q "^ok" || fail "ledger verify on an intact log"
lia "$H" ledger head >"$TMP/head.json"
# Two users, the item and five events, and the audit rows of the exchange
# (the reads of evidence show) since the audit trail joined the ledger.
SIZE=$(json_get "$TMP/head.json" "j['size']")
[ "$SIZE" -ge 8 ] || fail "head size: $(cat "$TMP/head.json")"
lia "$H" ledger proof --index 3 | grep -q '"leafIdx":3' || fail "ledger proof"
lia "$H" ledger consistency --from 2 --to "$SIZE" | grep -q '"size1":2' || fail "ledger consistency"
cp "$H/store.db" "$TMP/clean.db"
restore() { cp "$TMP/clean.db" "$H/store.db"; rm -f "$H/store.db-wal" "$H/store.db-shm"; }
bad_index() { # WANT-INDEX SQL...
	local want="$1"; shift
	restore
	sqlite3 "$H/store.db" "$@"
	expect_exit 65 lia "$H" ledger verify
	grep -q "first bad index $want" "$TMP/out" || fail "ledger verify after '$*': $(cat "$TMP/out")"
}
sqlite3 "$H/store.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
cp "$H/store.db" "$TMP/clean.db"
bad_index 5 "DROP TRIGGER ledger_entries_no_update; UPDATE ledger_entries SET data = data || x'00' WHERE idx = 5"
ok "a changed entry is reported at its index"
bad_index 4 "DROP TRIGGER ledger_entries_no_delete; DELETE FROM ledger_entries WHERE idx = 4"
ok "a deleted entry is reported at its index"
# Swapped rows keep their own leaf hashes, so the damage shows at the
# smallest stored subtree over both: for neighbours 4 and 5 that is [4, 5]
# and the first bad index is 4; for 3 and 6 it is the subtree [2, 3].
bad_index 4 "DROP TRIGGER ledger_entries_no_update; UPDATE ledger_entries SET idx = -1 WHERE idx = 4; UPDATE ledger_entries SET idx = 4 WHERE idx = 5; UPDATE ledger_entries SET idx = 5 WHERE idx = -1"
bad_index 2 "DROP TRIGGER ledger_entries_no_update; UPDATE ledger_entries SET idx = -1 WHERE idx = 3; UPDATE ledger_entries SET idx = 3 WHERE idx = 6; UPDATE ledger_entries SET idx = 6 WHERE idx = -1"
ok "two swapped entries are reported at the first"
restore
lia "$H" ledger verify | grep -q "^ok" || fail "restored"
ok "the log verifies again once restored"
