#!/bin/bash
# Import every real file of ../shared/data and check counts against the
# sources; re-importing changes nothing; get/search/stats work on them.
. "$(dirname "$0")/lib.bash"
need_data
H="$TMP/node"
lia "$H" init --agency NL-NP --name "Netherlands Police" --country NL >/dev/null

# UN: 730 individuals and 273 entities.
lia "$H" --json import "$DATA/sanctions/UN_consolidated.xml" >"$TMP/un.json"
lia "$H" export >"$TMP/all.jsonl"
python3 - "$TMP/all.jsonl" <<'PY'
import json, re, sys
p = o = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    if re.fullmatch(r"un-\d+", e["id"]):
        if e["schema"] == "Person": p += 1
        elif e["schema"] == "Organization": o += 1
        assert e["marking"]["tlp"] == "CLEAR", e["marking"]
assert (p, o) == (730, 273), (p, o)
PY
ok "UN: 730 individuals, 273 entities"

# OFAC: 7,379 entries (the files' real row counts; wc -l says one less
# because the files end without a newline) and their 9,682 aliases.
S="$DATA/sanctions"
lia "$H" --json import --format ofac "$S/ofac_sdn.csv" "$S/ofac_alt.csv" \
	"$S/ofac_add.csv" "$S/ofac_sdn_comments.csv" >"$TMP/ofac.json"
lia "$H" export >"$TMP/all.jsonl"
python3 - "$TMP/all.jsonl" "$S" <<'PY'
import csv, json, re, sys
main = {}
for line in open(sys.argv[1]):
    e = json.loads(line)
    if re.fullmatch(r"ofac-\d+", e["id"]):
        main[e["id"]] = e
assert len(main) == 7379, len(main)
# Every alias row of alt.csv is on its entity (as alias or previousName).
rows = list(csv.reader(open(sys.argv[2] + "/ofac_alt.csv", encoding="utf-8")))
assert len(rows) == 9682, len(rows)
missing = 0
norm = lambda x: " ".join(x.split())  # names are stored with spaces collapsed
for r in rows:
    e = main["ofac-" + r[0]]
    names = e["properties"].get("alias", []) + e["properties"].get("previousName", []) + e["properties"].get("weakAlias", [])
    if norm(r[3]) not in map(norm, names):
        missing += 1
assert missing == 0, f"{missing} aliases missing"
m = main["ofac-26235"]["properties"]
assert "1975-06-14" in m["birthDate"], m
assert "717637093" in m.get("passportNumber", []), m
PY
ok "OFAC: 7379 entries, all 9682 aliases"

# FtM: every line of donations.ijson becomes one record.
n_lines=$(grep -c . "$DATA/ftm/donations.ijson")
lia "$H" --json import "$DATA/ftm/donations.ijson" >"$TMP/ftm.json"
[ "$(json_get "$TMP/ftm.json" 'j["records"]')" -eq "$n_lines" ] || fail "ftm count"
[ "$(json_get "$TMP/ftm.json" 'j["created"]')" -eq "$n_lines" ] || fail "ftm created"
ok "FtM: $n_lines records"

# Re-import: nothing changes.
for f in "$DATA/sanctions/UN_consolidated.xml" "$DATA/ftm/donations.ijson"; do
	lia "$H" --json import "$f" >"$TMP/re.json"
	[ "$(json_get "$TMP/re.json" 'j["created"]+j["changed"]')" -eq 0 ] || fail "re-import of $f changed records"
done
lia "$H" --json import --format ofac "$S/ofac_sdn.csv" "$S/ofac_alt.csv" \
	"$S/ofac_add.csv" "$S/ofac_sdn_comments.csv" >"$TMP/re.json"
[ "$(json_get "$TMP/re.json" 'j["created"]+j["changed"]')" -eq 0 ] || fail "OFAC re-import changed records"
ok "re-import changes nothing"

# get: record, marking and history with provenance.
lia "$H" --json get ofac-26235 >"$TMP/get.json"
[ "$(json_get "$TMP/get.json" 'j["entity"]["schema"]')" = Person ] || fail "get schema"
[ "$(json_get "$TMP/get.json" 'len(j["history"])')" -eq 1 ] || fail "history length"
[ "$(json_get "$TMP/get.json" 'j["history"][0]["import"]["format"]')" = ofac ] || fail "provenance"
lia "$H" get ofac-26235 | grep -q "MALKEVICH" || fail "get text output"
expect_exit 66 lia "$H" get no-such-record
ok "get shows record, marking and history"

# search: full text with filters.
lia "$H" --json search MALKEVICH >"$TMP/s.json"
python3 -c "import json,sys; ids=[h['id'] for h in json.load(open(sys.argv[1]))]; assert 'ofac-26235' in ids, ids" "$TMP/s.json"
lia "$H" --json search --schema Organization "BANCO NACIONAL DE CUBA" >"$TMP/s.json"
python3 -c "import json,sys; ids=[h['id'] for h in json.load(open(sys.argv[1]))]; assert ids and ids[0]=='ofac-306', ids" "$TMP/s.json"
lia "$H" --json search --schema Person --country de >"$TMP/s.json"
python3 -c "import json,sys; h=json.load(open(sys.argv[1])); assert len(h)>0 and all(x['schema']=='Person' for x in h), h[:3]" "$TMP/s.json"
lia "$H" --json search 'NEAR("x' '"' '*' >"$TMP/s.json" || fail "hostile search text"
ok "search with text and filters"

# stats and audit trail of reads.
lia "$H" --json stats >"$TMP/st.json"
[ "$(json_get "$TMP/st.json" 'j["imports"]')" -eq 6 ] || fail "imports count"
ok "stats"
