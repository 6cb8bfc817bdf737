#!/bin/bash
# The scenario generator end to end: generate, three homes, each agency's
# share imported as it is, the story's screenings as the demo will run
# them, and the counts of the manifest.
. "$(dirname "$0")/lib.bash"
S="$TMP/scn"
"$LIAISON" scenario generate --seed 1234 -o "$S" --background 500 >/dev/null
"$LIAISON" scenario generate --seed 1234 -o "$TMP/again" --background 500 >/dev/null
diff -r "$S" "$TMP/again" >/dev/null || fail "same seed, different files"
M="$S/scenario.json"
ok "generated twice, identical"

# Each agency's share into its own home, counts as in the manifest.
for i in 0 1 2; do
	code=$(json_get "$M" "j['agencies'][$i]['agency']")
	file=$(json_get "$M" "j['agencies'][$i]['file']")
	want=$(json_get "$M" "j['agencies'][$i]['records']")
	lia "$TMP/$code" init --agency "$code" >/dev/null
	lia "$TMP/$code" --json import "$S/$file" >"$TMP/imp.json"
	[ "$(json_get "$TMP/imp.json" 'j["created"]')" = "$want" ] || fail "$code: imported $(cat "$TMP/imp.json"), manifest says $want"
	lia "$TMP/$code" --json stats >"$TMP/st.json"
	[ "$(json_get "$TMP/st.json" 'j["records"]')" = "$want" ] || fail "$code: stats"
done
ok "every share imports as it is; counts match the manifest"

A=$(json_get "$M" 'j["story"]["suspect"]["agency"]')
B=$(json_get "$M" 'j["story"]["traveller"]["agency"]')
SUS=$(json_get "$M" 'j["story"]["suspect"]["record_id"]')
TRAV=$(json_get "$M" 'j["story"]["traveller"]["passport_name"]')
DOB=$(json_get "$M" 'j["story"]["traveller"]["birth_date"]')
NAT=$(json_get "$M" 'j["story"]["traveller"]["nationality"]')
QUERY=$(json_get "$M" 'j["story"]["query"]["name"]')
NEG=$(json_get "$M" 'j["story"]["negative"]["passport_name"]')
NEGDOB=$(json_get "$M" 'j["story"]["negative"]["birth_date"]')

# The record's marking came with it.
lia "$TMP/$A" --json get "$SUS" >"$TMP/g.json"
[ "$(json_get "$TMP/g.json" 'j["marking"]["handling"]')" = H2 ] || fail "suspect marking: $(head -c 400 "$TMP/g.json")"

# The traveller's passport spelling at the suspect's home finds him first,
# with and without birth date and nationality.
lia "$TMP/$A" --json screen --list ftm --name "$TRAV" >"$TMP/s.json"
[ "$(json_get "$TMP/s.json" 'j["hits"][0]["id"]')" = "$SUS" ] || fail "traveller $TRAV: $(head -c 600 "$TMP/s.json")"
lia "$TMP/$A" --json screen --list ftm --name "$TRAV" --dob "$DOB" --nationality "$NAT" >"$TMP/s.json"
[ "$(json_get "$TMP/s.json" 'j["hits"][0]["id"]')" = "$SUS" ] || fail "traveller with dob: $(head -c 600 "$TMP/s.json")"
ok "\"$TRAV\" finds the suspect at $A"

lia "$TMP/$A" --json screen --list ftm --name "$QUERY" >"$TMP/s.json"
[ "$(json_get "$TMP/s.json" 'j["hits"][0]["id"]')" = "$SUS" ] || fail "query $QUERY: $(head -c 600 "$TMP/s.json")"
ok "C's spelling \"$QUERY\" finds the suspect at $A"

lia "$TMP/$A" --json screen --list ftm --name "$NEG" --dob "$NEGDOB" >"$TMP/s.json"
[ "$(json_get "$TMP/s.json" "any(h['id'] == '$SUS' for h in j['hits'])")" = False ] || fail "negative $NEG hit the suspect"
ok "the negative \"$NEG\" does not hit the suspect"

# Bad usage: no seed, no folder, a bad number.
expect_exit 64 "$LIAISON" scenario generate -o "$TMP/x"
expect_exit 64 "$LIAISON" scenario generate --seed 1
expect_exit 64 "$LIAISON" scenario generate --seed x1 -o "$TMP/x"
expect_exit 64 "$LIAISON" scenario frobnicate
expect_exit 0 "$LIAISON" scenario --help
grep -q "usage: liaison scenario" "$TMP/out" || fail "help"
ok "usage errors"
