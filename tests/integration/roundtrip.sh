#!/bin/bash
# import -> export -> import into a new node -> export gives identical
# records, markings included.
. "$(dirname "$0")/lib.bash"
need_data
A="$TMP/a"; B="$TMP/b"; S="$DATA/sanctions"
lia "$A" init --agency NL-NP >/dev/null
lia "$B" init --agency DE-BKA >/dev/null
lia "$A" import "$S/UN_consolidated.xml" >/dev/null
lia "$A" import --format ofac "$S/ofac_sdn.csv" "$S/ofac_alt.csv" "$S/ofac_add.csv" "$S/ofac_sdn_comments.csv" >/dev/null
lia "$A" import --classification CONFIDENTIAL --handling H3 --conditions "no onward use" \
	--tlp AMBER+STRICT --evaluation B2 --review-by 2027-06-30 --audience DE-BKA,EU \
	"$DATA/ftm/donations.ijson" >/dev/null
lia "$A" export -o "$TMP/a.jsonl" 2>/dev/null
lia "$B" import --quiet "$TMP/a.jsonl" >/dev/null
lia "$B" export -o "$TMP/b.jsonl" 2>/dev/null
cmp "$TMP/a.jsonl" "$TMP/b.jsonl" || fail "round trip differs"
n=$(wc -l <"$TMP/a.jsonl")
[ "$n" -gt 10000 ] || fail "only $n records exported"
grep -q '"handling":"H3"' "$TMP/b.jsonl" || fail "marking lost"
grep -q '"agency":"NL-NP"' "$TMP/b.jsonl" || fail "originating agency lost"
ok "round trip of $n records identical"
# Selected export by id and by filter.
lia "$A" export ofac-306 un-6908555 >"$TMP/sel.jsonl" || true
[ "$(wc -l <"$TMP/sel.jsonl")" -ge 1 ] || fail "export by id"
lia "$A" export --schema Vessel >"$TMP/v.jsonl"
python3 -c "
import json,sys
rows=[json.loads(l) for l in open(sys.argv[1])]
assert len(rows)==323 and all(r['schema']=='Vessel' for r in rows), len(rows)" "$TMP/v.jsonl"
ok "selected export"
