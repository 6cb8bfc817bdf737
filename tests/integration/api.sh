#!/usr/bin/env bash
# api.sh - the HTTP API over real HTTPS against `liaison serve --api`:
# the node's certificate pinned by its public key, every error path, each
# role on each route, token revocation, sessions and their rate limit,
# pagination, metrics, and the OpenAPI conformance check
# (api_openapi.py) over every response seen here.
. "$(dirname "$0")/lib.bash"
command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 254; }
command -v openssl >/dev/null || { echo "SKIP: openssl not installed"; exit 254; }

read -r PF PAPI < <(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
H="$TMP/node"
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

lia "$H" init --agency NL-NP --name "Netherlands Police" --country NL >/dev/null
cat >"$TMP/un.xml" <<'X'
<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>
<DATAID>42</DATAID><FIRST_NAME>OLGA</FIRST_NAME><SECOND_NAME>PETROVA</SECOND_NAME>
<REFERENCE_NUMBER>QDi.999</REFERENCE_NUMBER>
</INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>
X
lia "$H" import --quiet --format un "$TMP/un.xml" >/dev/null
REC=$(lia "$H" --json search petrova | python3 -c 'import json,sys; j=json.load(sys.stdin); print((j["hits"] if isinstance(j,dict) else j)[0]["id"])')
[ -n "$REC" ] || fail "the imported record is found"

export LIAISON_PASSWORD="correct horse battery"
ROLES="officer analyst supervisor auditor admin"
declare -A TOK
for r in $ROLES; do
	lia "$H" user add "u$r" --role "$r" >/dev/null
	TOK[$r]=$(lia "$H" user token create "u$r" --label test 2>/dev/null)
	[[ "${TOK[$r]}" =~ ^lia_[0-9a-f]{64}$ ]] || fail "token for $r: ${TOK[$r]}"
done
lia "$H" user token list | grep -q "uofficer" || fail "token list names the user"
! grep -rq "${TOK[officer]}" "$H" || fail "a token is stored in clear"

"$LIAISON" --home "$H" serve --listen "127.0.0.1:$PF" --api "127.0.0.1:$PAPI" 2>>"$H.log" &
PID=$!
for _ in $(seq 100); do grep -q "serving on" "$H.log" 2>/dev/null && break; sleep 0.1; done
grep -q "API on" "$H.log" || fail "API did not start: $(cat "$H.log")"

# The node's public key, pinned: curl refuses any other server.
PIN="sha256//$(openssl x509 -in "$H/keys/tls.crt" -pubkey -noout |
	openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)"
BASE="https://127.0.0.1:$PAPI"
OBS="$TMP/observed"
: >"$OBS"

# req ROLE|- METHOD PATH [BODY] [curl args...]: status in ST, body in $TMP/body
req() {
	local role="$1" method="$2" path="$3" body="${4-}"; shift 3; [ $# -gt 0 ] && shift
	local auth=()
	[ "$role" != - ] && auth=(-H "Authorization: Bearer ${TOK[$role]:-$role}")
	local data=()
	[ -n "$body" ] && data=(--data-binary "$body")
	ST=$(curl -sS -k --pinnedpubkey "$PIN" -o "$TMP/body" -w '%{http_code}' \
		-X "$method" "${auth[@]}" "${data[@]}" "$@" "$BASE$path")
	local code
	code=$(python3 -c 'import json,sys
try: print(json.load(open(sys.argv[1]))["error"]["code"])
except Exception: print("-")' "$TMP/body")
	echo "$method ${path%%\?*} $ST $code" >>"$OBS"
}
# expect STATUS CODE ROLE METHOD PATH [BODY] [curl args...]
expect() {
	local st="$1" code="$2"; shift 2
	req "$@"
	[ "$ST" = "$st" ] || fail "$*: status $ST, want $st: $(cat "$TMP/body")"
	if [ "$code" != - ]; then
		grep -q "\"code\":\"$code\"" "$TMP/body" || fail "$*: want code $code: $(cat "$TMP/body")"
	fi
}
P=(-H "X-Purpose: case NL-2026-7")

# --- TLS: a wrong pin is refused by the client.
set +e
curl -sS -k --pinnedpubkey "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" "$BASE/v1/health" >/dev/null 2>&1
[ $? -ne 0 ] || fail "a wrong pin must fail"
set -e
ok "TLS with the node's pinned key"

# --- public routes and generic errors
expect 200 - - GET /v1/health
grep -q '"status":"ok"' "$TMP/body" || fail "health body"
grep -q '"screening_records":1' "$TMP/body" || fail "the index holds the imported record: $(cat "$TMP/body")"
expect 404 not_found - GET /v1/nothing
expect 404 not_found - GET /v2/health
expect 405 method_not_allowed - DELETE /v1/health
expect 405 method_not_allowed officer GET /v1/screen
ok "health, 404, 405"

# --- authentication
expect 401 unauthenticated - GET /v1/audit
expect 401 unauthenticated "lia_$(printf '0%.0s' $(seq 64))" GET /v1/audit
expect 401 unauthenticated "garbage" GET /v1/audit
req - GET /v1/audit "" -H "Authorization: Basic dTpw"
[ "$ST" = 401 ] || fail "basic auth is not a token"
ok "401 unauthenticated"

# --- bodies and arguments
expect 400 bad_json officer POST /v1/screen '{"name":' "${P[@]}"
expect 400 bad_json officer POST /v1/screen 'not json' "${P[@]}"
expect 400 bad_request officer POST /v1/screen '{"name":42}' "${P[@]}"
expect 400 bad_request officer POST /v1/screen '{"name":"x","colour":"red"}' "${P[@]}"
grep -q colour "$TMP/body" || fail "the unknown field is named"
expect 400 bad_request officer POST /v1/screen '[1,2]' "${P[@]}"
expect 400 bad_request officer POST /v1/screen '{"name":"a","names":["b"]}' "${P[@]}"
expect 400 bad_request officer POST /v1/screen '{"name":"a","threshold":7}' "${P[@]}"
expect 400 bad_request officer POST /v1/compare '{"a":"x"}' "${P[@]}"
expect 400 bad_request auditor GET "/v1/audit?limit=0"
expect 400 bad_request auditor GET "/v1/audit?limit=abc"
expect 400 bad_request auditor GET "/v1/audit?colour=red"
expect 400 bad_request auditor GET "/v1/audit?after=-4"
expect 400 bad_request - GET /v1/health '{}'
head -c 1100000 /dev/zero | tr '\0' ' ' >"$TMP/big"
expect 413 payload_too_large officer POST /v1/screen "@$TMP/big" "${P[@]}"
expect 400 purpose_required officer POST /v1/screen '{"name":"Olga Petrova"}'
expect 400 purpose_required officer GET "/v1/records/$REC"
ok "400 bad_json, bad_request, purpose_required; 413"

# --- each role on each route: 403 exactly where the role lacks the right
declare -A ALLOW=(
	[/v1/metrics]="admin"
	[/v1/screen]="officer analyst supervisor"
	[/v1/compare]="officer analyst supervisor"
	[/v1/records]="officer analyst supervisor"
	[/v1/records/$REC]="officer analyst supervisor"
	[/v1/records/$REC/history]="officer analyst supervisor"
	[/v1/alerts]="officer analyst supervisor"
	[/v1/hits]="officer analyst supervisor"
	[/v1/messages/inbox]="officer analyst supervisor"
	[/v1/messages/outbox]="officer analyst supervisor"
	[/v1/audit]="auditor admin"
	[/v1/users]="admin"
	[/v1/peers]="admin"
	[/v1/ledger/head]="officer analyst supervisor auditor admin"
)
for path in "${!ALLOW[@]}"; do
	method=GET body=
	case "$path" in
	/v1/screen) method=POST body='{"name":"Olga Petrova"}' ;;
	/v1/compare) method=POST body='{"a":"Olga Petrova","b":"Petrova, Olga"}' ;;
	/v1/records) path="/v1/records?q=petrova" ;;
	esac
	for r in $ROLES; do
		req "$r" "$method" "$path" "$body" "${P[@]}"
		if [[ " ${ALLOW[${path%%\?*}]} " == *" $r "* ]]; then
			[ "$ST" != 403 ] && [ "$ST" != 401 ] || fail "$r on $method $path: $ST $(cat "$TMP/body")"
		else
			[ "$ST" = 403 ] || fail "$r on $method $path: $ST, want 403"
			grep -q '"code":"forbidden"' "$TMP/body" || fail "403 code"
		fi
	done
done
ok "role matrix: 14 routes x 5 roles"

# --- what the routes return
expect 200 - officer POST /v1/screen '{"name":"Olga Petrowa"}' "${P[@]}"
grep -q "\"record_id\":\"$REC\"" "$TMP/body" || fail "screening finds the listed name: $(cat "$TMP/body")"
expect 200 - analyst POST /v1/screen '{"names":["Olga Petrova","Nobody Atall"]}' "${P[@]}"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; assert len(r)==2 and r[0]["hits"] and not r[1]["hits"]' "$TMP/body" || fail "batch screening"
expect 200 - officer POST /v1/compare '{"a":"Olga Petrova","b":"Petrova Olga","purpose":"case 7"}'
expect 200 - officer GET "/v1/records/$REC?purpose=case+7"
grep -q '"entity"' "$TMP/body" || fail "record body"
expect 404 not_found officer GET "/v1/records/no-such-record" "" "${P[@]}"
expect 200 - supervisor GET "/v1/records/$REC/history" "" "${P[@]}"
expect 200 - officer GET "/v1/records?q=petrova&limit=1" "" "${P[@]}"
grep -q "\"id\":\"$REC\"" "$TMP/body" || fail "search finds the record"
expect 200 - admin GET /v1/users
grep -q '"name":"uauditor"' "$TMP/body" || fail "users list"
expect 200 - admin GET /v1/metrics; cp "$TMP/body" "$TMP/metrics"
grep -q '^liaison_api_requests_total{route="POST /v1/screen",status="200"}' "$TMP/body" || fail "metrics by route: $(head -5 "$TMP/body")"
grep -q '^liaison_api_request_seconds_bucket{le="+Inf"}' "$TMP/body" || fail "latency histogram"
grep -q '^liaison_screen_names_total [1-9]' "$TMP/body" || fail "screening counts"
expect 200 - admin GET /v1/ledger/head
lia "$H" ledger head >/dev/null
expect 200 - auditor GET /v1/ledger/head
grep -q '"root":"[0-9a-f]\{64\}"' "$TMP/body" || fail "ledger head: $(cat "$TMP/body")"
ok "screen (single, batch), compare, records, users, metrics"

# --- every read of personal data is audited with user and purpose; the
# audit trail holds no screened name
expect 200 - auditor GET "/v1/audit?limit=1000"
grep -q '"actor":"api:uofficer"' "$TMP/body" || fail "audit names the user"
grep -q 'purpose: case NL-2026-7' "$TMP/body" || fail "audit has the purpose"
! grep -qi 'petrowa' "$TMP/body" || fail "a screened name leaked into the audit trail"
# Pagination: pages of 2 walk the whole trail without gaps or repeats.
all=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["items"]))' "$TMP/body")
seen=0 after=
while :; do
	expect 200 - auditor GET "/v1/audit?limit=2${after:+&after=$after}"
	n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["items"]))' "$TMP/body")
	seen=$((seen + n))
	after=$(python3 -c 'import json,sys; n=json.load(open(sys.argv[1]))["next"]; print(n or "")' "$TMP/body")
	[ -n "$after" ] || break
done
[ "$seen" -ge "$all" ] || fail "pagination saw $seen of $all rows"
ok "audit with user and purpose; pagination ($seen rows in pages of 2)"

# --- sessions and their rate limit
expect 201 - - POST /v1/sessions '{"name":"uanalyst","password":"correct horse battery"}'
TOK[session]=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$TMP/body")
expect 200 - session GET /v1/alerts "" "${P[@]}"
expect 401 unauthenticated - POST /v1/sessions '{"name":"nobody","password":"x"}'
for i in 1 2 3 4 5; do
	expect 401 unauthenticated - POST /v1/sessions '{"name":"uadmin","password":"wrong password"}'
done
expect 429 too_many_requests - POST /v1/sessions '{"name":"uadmin","password":"correct horse battery"}'
expect 400 bad_request - POST /v1/sessions '{"name":"uadmin"}'
ok "sessions; 429 after 5 failures"

# --- live events (Server-Sent Events), filtered by role, resumable
sse() { # ROLE SECONDS OUT [curl args]: read the stream for SECONDS
	local role="$1" secs="$2" out="$3"; shift 3
	curl -sS -N -k --pinnedpubkey "$PIN" --max-time "$secs" \
		-H "Authorization: Bearer ${TOK[$role]}" "$@" "$BASE/v1/events" >"$out" 2>/dev/null || true
	echo "GET /v1/events 200 -" >>"$OBS"
}
sse supervisor 4 "$TMP/sse.case" &
SSE_PID=$!
sleep 1
# An alert needs a pinned partner in the record's audience.
lia "$TMP/b" init --agency DE-BKA --name "Bundeskriminalamt" --country DE >/dev/null
lia "$TMP/b" identity export >"$TMP/b.card"
lia "$H" peer add "$TMP/b.card" --url "https://127.0.0.1:9" >/dev/null
echo '{"id":"nl-wanted-1","schema":"Person","properties":{"name":["Ivan Sidorov"]}}' >"$TMP/w.ijson"
lia "$H" import --audience DE-BKA --tlp AMBER "$TMP/w.ijson" >/dev/null
lia "$H" alert issue --kind arrest --record nl-wanted-1 --to all >/dev/null || fail "alert issue"
wait "$SSE_PID"
grep -q '^event: alert$' "$TMP/sse.case" || fail "the supervisor gets the new alert live: $(cat "$TMP/sse.case")"
grep -q '^id: [0-9]' "$TMP/sse.case" || fail "events carry an id"
! grep -q '^event: audit$' "$TMP/sse.case" || fail "a case worker gets no raw audit rows"
sse auditor 2 "$TMP/sse.audit"
grep -q '^event: audit$' "$TMP/sse.audit" || fail "the auditor gets the audit trail"
! grep -q 'event: alert' "$TMP/sse.audit" || fail "auditor events are audit rows"
n_all=$(grep -c '^id: ' "$TMP/sse.audit")
mid=$(grep '^id: ' "$TMP/sse.audit" | sed -n "$((n_all / 2))p" | cut -d' ' -f2)
sse auditor 2 "$TMP/sse.resume" -H "Last-Event-ID: $mid"
first=$(grep -m1 '^id: ' "$TMP/sse.resume" | cut -d' ' -f2)
[ "$first" -eq $((mid + 1)) ] || fail "resumed after $mid at $first"
[ "$(grep -c '^id: ' "$TMP/sse.resume")" -eq $((n_all - mid)) ] || fail "resumption gives every later event once"
expect 400 bad_request auditor GET /v1/events "" -H "Last-Event-ID: x"
expect 401 unauthenticated - GET /v1/events
ok "SSE: live alert for a supervisor, audit rows for an auditor, resumed with Last-Event-ID"

# --- revocation takes effect at once
expect 200 - officer GET /v1/hits "" "${P[@]}"
id=$(lia "$H" user token list uofficer | awk '{print $1; exit}')
lia "$H" user token revoke "$id" >/dev/null
expect 401 unauthenticated officer GET /v1/hits "" "${P[@]}"
lia "$H" user token list uofficer | grep -q REVOKED || fail "list shows the revocation"
ok "revoked token refused"

# --- nothing crashed, and the server still answers
expect 200 - - GET /v1/health
kill -0 "$PID" || fail "the daemon died"

# --- OpenAPI conformance over everything seen above
python3 "$(dirname "$0")/api_openapi.py" "$LIAISON_SRC/docs/openapi.json" "$OBS" || fail "OpenAPI conformance"
ok "OpenAPI: every response documented, every route and error code exercised"

kill "$PID"; wait "$PID" || fail "daemon exit status"
PID=
grep -q "stopped" "$H.log" || fail "clean stop"
ok "clean shutdown"
