#!/bin/bash
# A federation CA instead of pinning: CAs made here with certtool (no key
# committed). NL-NP (A) trusts the CA; DE-BKA (B) presents a certificate
# the CA issued for its TLS key (a different certificate from the one its
# pinned card names), and A accepts it as DE-BKA because it chains to the
# CA and A has DE-BKA's card. Refused, with a log line: a certificate
# naming DE-BKA from another CA, one from the right CA for an agency whose
# card A does not have, a non-CA certificate as a CA, and a certificate
# for another key as B's own. Then peer ca list, a revocation list made
# with certtool revoking B's certificate (refused in the running daemon,
# logged; another CA's list refused), and peer ca remove.
. "$(dirname "$0")/lib.bash"
command -v certtool >/dev/null || { echo "SKIP: certtool (gnutls-bin) not installed"; exit 254; }
command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 254; }
. "$(dirname "$0")/nodes.bash"
state_of() { lia "$1" --json outbox | python3 -c 'import json,sys; print(" ".join(sorted(r["state"] for r in json.load(sys.stdin) if r["id"]==sys.argv[1])))' "$2"; }
is_state() { [ "$(state_of "$1" "$2")" = "$3" ]; }
certtool() { command certtool "$@" >/dev/null 2>&1; }
# mkca NAME: a CA key and self-signed certificate in $TMP/NAME.{key,pem}
mkca() {
	printf 'cn = "%s"\nca\ncert_signing_key\ncrl_signing_key\nexpiration_days = 30\n' "$1" >"$TMP/$1.tmpl"
	certtool --generate-privkey --key-type=ecdsa --outfile "$TMP/$1.key"
	certtool --generate-self-signed --load-privkey "$TMP/$1.key" --template "$TMP/$1.tmpl" --outfile "$TMP/$1.pem"
}
# issue CA KEYFILE CN OUT: a TLS certificate for KEYFILE's key named CN
issue() {
	printf 'cn = "%s"\nsigning_key\ntls_www_client\ntls_www_server\nexpiration_days = 30\n' "$3" >"$TMP/leaf.tmpl"
	certtool --generate-certificate --load-privkey "$2" --load-ca-certificate "$TMP/$1.pem" \
		--load-ca-privkey "$TMP/$1.key" --template "$TMP/leaf.tmpl" --outfile "$4"
}
der_sha256() { python3 -c 'import base64,hashlib,sys
t=open(sys.argv[1]).read().split("-----")[2]
print(hashlib.sha256(base64.b64decode("".join(t.split()))).hexdigest())' "$1"; }

three_nodes
mkca fedca; mkca rogue; mkca other
expect_exit 65 lia "$A" peer ca add "$B/keys/tls.crt"
echo "$ERR" | grep -q "not a CA" || fail "a non-CA certificate taken as a CA: $ERR"
lia "$A" peer ca add "$TMP/fedca.pem" | grep -q "federation CA [0-9a-f]\{64\} added" || fail "ca add"
lia "$B" peer ca add "$TMP/fedca.pem" >/dev/null
# A second, independent CA beside the first.
lia "$B" peer ca add "$TMP/other.pem" >/dev/null
[ "$(grep -c "BEGIN CERTIFICATE" "$B/federation-ca.pem")" = 2 ] || fail "two CAs kept"
issue fedca "$B/keys/tls.key" DE-BKA "$TMP/b-ca.crt"
issue fedca "$C/keys/tls.key" DE-BKA "$TMP/c-as-b.crt"
issue rogue "$B/keys/tls.key" DE-BKA "$TMP/b-rogue.crt"
expect_exit 77 lia "$B" peer ca cert "$TMP/b-rogue.crt"
echo "$ERR" | grep -q "not signed by the federation CA" || fail "rogue certificate installed: $ERR"
expect_exit 64 lia "$B" peer ca cert "$TMP/c-as-b.crt"
echo "$ERR" | grep -q "not for this node's TLS key" || fail "another key's certificate installed: $ERR"
lia "$B" peer ca cert "$TMP/b-ca.crt" | grep -q "installed tls-ca.crt" || fail "ca cert install"
ok "CAs made with certtool; a non-CA, a rogue and another key's certificate refused; B's CA certificate installed"

# B presents the CA's certificate, not the one its pinned card names.
PINNED=$(json_get "$TMP/B.card" 'j["tls_cert_sha256"]')
[ "$(der_sha256 "$B/keys/tls.crt")" = "$PINNED" ] || fail "der_sha256 does not compute the card's fingerprint"
[ "$(der_sha256 "$TMP/b-ca.crt")" != "$PINNED" ] || fail "the CA certificate is the pinned one"
start "$A" "$PA"; start "$B" "$PB"
grep -q "presenting the certificate from the federation CA" "$B.log" || fail "B does not present its CA certificate: $(cat "$B.log")"
ID=$(lia "$B" send --to NL-NP --subject "via the CA" | awk '{print $1}')
wait_for 20 is_state "$B" "$ID" delivered || fail "B's message not accepted by A: $(tail -5 "$A.log")"
ID2=$(lia "$A" send --to DE-BKA --subject "back" | awk '{print $1}')
wait_for 20 is_state "$A" "$ID2" delivered || fail "A's message not delivered to B: $(tail -5 "$B.log")"
ok "B's certificate from the federation CA accepted as DE-BKA (its card's pin is another certificate)"

# Without the CA, the same certificate is refused (the pin does not match).
start "$C" "$PC"
code=$(curl -sk --cert "$TMP/b-ca.crt" --key "$B/keys/tls.key" -o /dev/null -w '%{http_code}' \
	--data-binary x "https://127.0.0.1:$PC/fed/v1/envelopes")
[ "$code" = 403 ] || fail "C (no CA) accepted B's CA certificate: $code"
grep -q "refused TLS client: certificate sha256 [0-9a-f]* is not a pinned peer" "$C.log" || fail "no log line at C"
ok "a node without the CA refuses the same certificate (pinning only)"

# A certificate naming DE-BKA from another CA: refused, logged.
code=$(curl -sk --cert "$TMP/b-rogue.crt" --key "$B/keys/tls.key" -o /dev/null -w '%{http_code}' \
	--data-binary x "https://127.0.0.1:$PA/fed/v1/envelopes")
[ "$code" = 403 ] || fail "rogue certificate answered $code"
grep -q "refused TLS client: certificate sha256 [0-9a-f]* is not pinned and not signed by the federation CA" "$A.log" ||
	fail "no clear log line for the rogue certificate: $(grep refused "$A.log")"
# From the right CA, for an agency whose card A does not have.
lia "$A" peer remove FR-PN >/dev/null
issue fedca "$C/keys/tls.key" FR-PN "$TMP/c-ca.crt"
code=$(curl -sk --cert "$TMP/c-ca.crt" --key "$C/keys/tls.key" -o /dev/null -w '%{http_code}' \
	--data-binary x "https://127.0.0.1:$PA/fed/v1/envelopes")
[ "$code" = 403 ] || fail "CA certificate of an unknown agency answered $code"
grep -q "signed by the federation CA for FR-PN, whose card this node does not have" "$A.log" || fail "no log line for the unknown agency"
ok "refused with a log line: another CA's certificate, and the CA's certificate of an agency without a card"

# peer ca list shows the CAs by the SHA-256 of their DER.
lia "$A" --json peer ca list >"$TMP/cas.json"
[ "$(json_get "$TMP/cas.json" '" ".join(c["sha256"] for c in j)')" = "$(der_sha256 "$TMP/fedca.pem")" ] ||
	fail "peer ca list at A: $(cat "$TMP/cas.json")"
lia "$A" peer ca list | grep -q "CN=fedca" || fail "peer ca list (text): $(lia "$A" peer ca list)"

# A revocation list made here with certtool revokes B's CA certificate.
# One signed by another CA is refused. A refuses B's certificate from then
# on, in the running daemon, with a clear log line; B's messages wait.
printf 'crl_next_update = 30\ncrl_number = 1\n' >"$TMP/crl.tmpl"
certtool --generate-crl --load-ca-privkey "$TMP/fedca.key" --load-ca-certificate "$TMP/fedca.pem" \
	--load-certificate "$TMP/b-ca.crt" --template "$TMP/crl.tmpl" --outfile "$TMP/fedca.crl"
certtool --generate-crl --load-ca-privkey "$TMP/rogue.key" --load-ca-certificate "$TMP/rogue.pem" \
	--load-certificate "$TMP/b-rogue.crt" --template "$TMP/crl.tmpl" --outfile "$TMP/rogue.crl"
grep -q "BEGIN X509 CRL" "$TMP/fedca.crl" || fail "certtool made no CRL"
expect_exit 77 lia "$A" peer ca crl add "$TMP/rogue.crl"
echo "$ERR" | grep -q "not signed by a federation CA" || fail "another CA's CRL taken: $ERR"
expect_exit 65 lia "$A" peer ca crl add "$TMP/fedca.pem"
code=$(curl -sk --cert "$TMP/b-ca.crt" --key "$B/keys/tls.key" -o /dev/null -w '%{http_code}' \
	--data-binary x "https://127.0.0.1:$PA/fed/v1/envelopes")
[ "$code" != 403 ] || fail "B's CA certificate refused before its revocation"
lia "$A" peer ca crl add "$TMP/fedca.crl" | grep -q "1 revocation list(s) added" || fail "crl add"
code=$(curl -sk --cert "$TMP/b-ca.crt" --key "$B/keys/tls.key" -o /dev/null -w '%{http_code}' \
	--data-binary x "https://127.0.0.1:$PA/fed/v1/envelopes")
[ "$code" = 403 ] || fail "revoked certificate answered $code"
grep -q "refused TLS client: certificate sha256 $(der_sha256 "$TMP/b-ca.crt") is not pinned and revoked by the federation CA's revocation list" "$A.log" ||
	fail "no clear log line for the revoked certificate: $(grep refused "$A.log")"
grep -q "federation revocation lists reloaded" "$A.log" || fail "the CRL was not reloaded"
ID3=$(lia "$B" send --to NL-NP --subject "after revocation" | awk '{print $1}')
sleep 3
is_state "$B" "$ID3" queued || fail "B's message after revocation is $(state_of "$B" "$ID3")"
sqlite3 "$A/store.db" "select detail from audit where action='peer-ca-crl-add'" | grep -q "1 revocation list" || fail "crl add not audited"
ok "a CRL from the CA (certtool) revokes B's certificate in the running daemon: refused (403, logged), B's message waits; another CA's CRL refused"

# peer ca remove: B stops trusting "other"; A stops trusting the CA.
expect_exit 66 lia "$B" peer ca remove "$(printf '%064d' 0)"
lia "$B" peer ca remove "$(der_sha256 "$TMP/other.pem")" | grep -q "removed" || fail "ca remove at B"
[ "$(grep -c "BEGIN CERTIFICATE" "$B/federation-ca.pem")" = 1 ] || fail "B keeps $(grep -c "BEGIN CERTIFICATE" "$B/federation-ca.pem") CAs"
[ "$(lia "$B" --json peer ca list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1 ] || fail "peer ca list at B after remove"
lia "$A" peer ca remove "$(der_sha256 "$TMP/fedca.pem")" >/dev/null
[ ! -e "$A/federation-ca.pem" ] && [ ! -e "$A/federation-crl.pem" ] || fail "A's CA files remain"
[ "$(lia "$A" --json peer ca list)" = "[]" ] || fail "peer ca list at A after remove: $(lia "$A" --json peer ca list)"
code=$(curl -sk --cert "$TMP/b-ca.crt" --key "$B/keys/tls.key" -o /dev/null -w '%{http_code}' \
	--data-binary x "https://127.0.0.1:$PA/fed/v1/envelopes")
[ "$code" = 403 ] || fail "certificate of a removed CA answered $code"
grep -q "federation CAs reloaded: none" "$A.log" || fail "A did not reload its CAs"
ok "peer ca remove: one CA of two at B; A's last CA (and its CRLs) removed, in the running daemon"
