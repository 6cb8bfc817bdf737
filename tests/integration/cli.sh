#!/bin/bash
# The command line: help everywhere, sysexits codes, one-line errors.
. "$(dirname "$0")/lib.bash"
H="$TMP/node"
for c in init import export get search stats; do
	expect_exit 0 "$LIAISON" "$c" --help
	grep -q "usage: liaison $c" "$TMP/out" || fail "$c --help"
done
expect_exit 0 "$LIAISON" --help
expect_exit 64 "$LIAISON" frobnicate
expect_exit 64 "$LIAISON"
expect_exit 64 "$LIAISON" init
expect_exit 64 lia "$H" init --agency "bad code"
ok "help and usage errors"

# Home resolution: --home, then $LIAISON_HOME, then ./liaison-data.
expect_exit 66 lia "$H" stats
echo "$ERR" | grep -q "liaison init" || fail "hint to init: $ERR"
lia "$H" init --agency XX-TEST --name "Test" --country GB >/dev/null
expect_exit 73 lia "$H" init --agency XX-TEST
LIAISON_HOME="$H" "$LIAISON" --json stats >"$TMP/st.json"
[ "$(json_get "$TMP/st.json" 'j["agency"]')" = XX-TEST ] || fail "LIAISON_HOME"
(cd "$TMP" && "$LIAISON" init --agency XX-CWD >/dev/null && [ -f liaison-data/config.json ]) || fail "./liaison-data default"
[ "$(stat -c %a "$H/config.json")" = 600 ] || fail "config.json mode"
[ "$(stat -c %a "$H")" = 700 ] || fail "home mode"
ok "home resolution and file modes"

# Errors: missing file 66, unknown format 64, bad marking 65.
expect_exit 66 lia "$H" import /nonexistent/file.ijson
expect_exit 64 lia "$H" import --format pdf x.pdf
echo '{"id":"p1","schema":"Person","properties":{"name":["A B"]}}' >"$TMP/p.ijson"
expect_exit 65 lia "$H" import --tlp PURPLE "$TMP/p.ijson"
expect_exit 65 lia "$H" import --classification "TOP SECRET" "$TMP/p.ijson"
expect_exit 65 lia "$H" import --handling H3 "$TMP/p.ijson"
echo "$ERR" | grep -q "H3 requires" || fail "H3 needs conditions: $ERR"
ok "error exits"

# --json on every data command parses.
lia "$H" --json import "$TMP/p.ijson" >"$TMP/i.json"; json_get "$TMP/i.json" 'j["created"]' >/dev/null
lia "$H" get --json p1 >"$TMP/g.json"; json_get "$TMP/g.json" 'j["entity"]["id"]' >/dev/null
lia "$H" search --json "A" >"$TMP/s.json"; json_get "$TMP/s.json" 'len(j)' >/dev/null
lia "$H" stats --json >"$TMP/t.json"; json_get "$TMP/t.json" 'j["records"]' >/dev/null
ok "--json"

# A changed record gets a new version; the old one stays in history.
echo '{"id":"p1","schema":"Person","properties":{"name":["A B"],"birthDate":["1970"]}}' >"$TMP/p2.ijson"
lia "$H" import "$TMP/p2.ijson" >/dev/null
lia "$H" --json get p1 >"$TMP/g.json"
[ "$(json_get "$TMP/g.json" 'j["version"]')" -eq 2 ] || fail "version 2"
[ "$(json_get "$TMP/g.json" 'len(j["history"])')" -eq 2 ] || fail "two versions"
[ "$(json_get "$TMP/g.json" '"birthDate" in j["history"][0]["entity"]["properties"]')" = False ] || fail "old version kept"
ok "versions and history"

# A progress bar on stderr when stderr is a terminal, none otherwise.
if command -v script >/dev/null; then
	python3 "$LIAISON_SRC/bench/gen_ftm.py" 3000 --seed 5 >"$TMP/prog.ijson"
	script -qec "$LIAISON --home $H import $TMP/prog.ijson" "$TMP/typescript" >/dev/null
	grep -q '100% 3000 records' "$TMP/typescript" || fail "no progress bar on a terminal: $(tail -c 300 "$TMP/typescript")"
	lia "$H" import "$TMP/prog.ijson" 2>"$TMP/prog.err" >/dev/null
	[ ! -s "$TMP/prog.err" ] || fail "progress output when stderr is not a terminal"
	ok "progress bar only on a terminal"
fi
