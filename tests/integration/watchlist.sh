#!/bin/bash
# An analyst's own watchlist: `liaison import --list NAME` makes an
# imported dataset (here FtM) a screening list, screened by default like
# the public lists, with hits naming the list; a later import of a record
# without --list takes it off the list; bad names are refused with
# nothing stored; the API's screening sees the list too.
. "$(dirname "$0")/lib.bash"
H="$TMP/node"
lia "$H" init --agency NL-NP --name "Netherlands Police" --country NL >/dev/null
cat >"$TMP/pep.ijson" <<'J'
{"id":"pep-1","schema":"Person","properties":{"name":["Bartholomeus Vandersteen"],"birthDate":["1961-03-02"]}}
{"id":"pep-2","schema":"Person","properties":{"name":["Cornelia Oosterhuis-Vlaming"]}}
{"id":"pep-3","schema":"Company","properties":{"name":["Vlaming Havenlogistiek B.V."]}}
J
# The hits as id@list; nothing when there is no list to screen at all
# (exit 66, checked once below).
screen_ids() {
	lia "$H" --json screen --name "$1" ${2:+--list "$2"} >"$TMP/s.json" 2>/dev/null || { [ $? -eq 66 ] && return 0; fail "screen $1"; }
	python3 -c 'import json,sys; print(" ".join(h["id"] + "@" + h["list"] for h in json.load(open(sys.argv[1]))["hits"]))' "$TMP/s.json"
}

# An FtM import is case data, not a list: not screened.
echo '{"id":"case-1","schema":"Person","properties":{"name":["Hieronymus Kloosterboer"]}}' >"$TMP/case1.ijson"
lia "$H" import --quiet "$TMP/case1.ijson" >/dev/null
expect_exit 66 lia "$H" screen --name "Hieronymus Kloosterboer"
echo "$ERR" | grep -q "no watchlist records" || fail "plain FtM records screened: $ERR"

# Bad list names: refused, nothing stored.
snapshot "$H" "$TMP/before"
for bad in UN un ofac alert ftm "" "-x" "a b" "list" "abcdefghijklmnopqrstuvwxy" "pep/1"; do
	expect_exit 64 lia "$H" import --quiet --list "$bad" "$TMP/pep.ijson"
	echo "$ERR" | grep -q "not a list name" || fail "bad list name '$bad': $ERR"
done
snapshot "$H" "$TMP/after"
cmp -s "$TMP/before" "$TMP/after" || fail "a refused list import changed the store"
ok "list names checked, nothing stored on refusal"

# The same file as the list "pep": screened by default, hits name the list.
lia "$H" import --quiet --list pep "$TMP/pep.ijson" >/dev/null
[ "$(screen_ids "Bartholomeus Vandersteen")" = "pep-1@pep" ] || fail "list pep: $(screen_ids "Bartholomeus Vandersteen")"
[ "$(screen_ids "Vandersteen Bartolomeus")" = "pep-1@pep" ] || fail "a variant of a listed name"
screen_ids "Vlaming Havenlogistiek" | grep -q "pep-3@pep" || fail "an organisation of the list"
[ "$(screen_ids "Bartholomeus Vandersteen" pep)" = "pep-1@pep" ] || fail "--list pep"
expect_exit 66 lia "$H" screen --name "Bartholomeus Vandersteen" --list un
[ -z "$(screen_ids "Johanna Smit")" ] || fail "a name not listed hits"
lia "$H" --json get pep-1 | python3 -c 'import json,sys; f=json.load(sys.stdin)["history"][-1]["import"]["format"]; assert f=="list:pep", f' || fail "source list:pep"
ok "import --list pep: screened by default and with --list, hits name the list"

# A later import of pep-2 that is not the list (and changes it: an
# unchanged record keeps its version, and so its source) takes it off.
echo '{"id":"pep-2","schema":"Person","properties":{"name":["Cornelia Oosterhuis-Vlaming"],"nationality":["nl"]}}' >"$TMP/case.ijson"
lia "$H" import --quiet "$TMP/case.ijson" >/dev/null
[ -z "$(screen_ids "Cornelia Oosterhuis-Vlaming")" ] || fail "pep-2 still screened after a case import"
[ "$(screen_ids "Bartholomeus Vandersteen")" = "pep-1@pep" ] || fail "pep-1 lost"
ok "a later import without --list takes the record off the list"

# Through the API, the running node's index has the list too.
export LIAISON_PASSWORD="watch list pass 1"
lia "$H" user add olga --role officer >/dev/null
TOKEN=$(lia "$H" user token create olga 2>/dev/null)
read -r PF PAPI < <(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
"$LIAISON" --home "$H" serve --listen "127.0.0.1:$PF" --api "127.0.0.1:$PAPI" >/dev/null 2>"$TMP/serve.log" &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -rf "$TMP"' EXIT
for _ in $(seq 300); do grep -q "serving on" "$TMP/serve.log" && break; sleep 0.1; done
api_screen() { curl -sk -H "Authorization: Bearer $TOKEN" -H "X-Purpose: test" -H "Content-Type: application/json" \
	-d "{\"name\":\"$1\"}" "https://127.0.0.1:$PAPI/v1/screen" | python3 -c 'import json,sys; print(" ".join(h["record_id"] + "@" + h["list"] for h in json.load(sys.stdin)["hits"]))'; }
[ "$(api_screen "Bartholomeus Vandersteen")" = "pep-1@pep" ] || fail "API: $(api_screen "Bartholomeus Vandersteen")"
# Imported while the node runs: hits at the next request.
echo '{"id":"wl-9","schema":"Person","properties":{"name":["Sieglinde Kappelhoff"]}}' >"$TMP/more.ijson"
lia "$H" import --quiet --list fraud-2026 "$TMP/more.ijson" >/dev/null
[ "$(api_screen "Sieglinde Kappelhoff")" = "wl-9@fraud-2026" ] || fail "API, list imported while running: $(api_screen "Sieglinde Kappelhoff")"
ok "the API screens lists, also one imported while it runs"
kill "$PID"; wait "$PID" || { rc=$?; cat "$TMP/serve.log"; fail "daemon exit status $rc"; }
