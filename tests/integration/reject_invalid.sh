#!/bin/bash
# Every malformed file is rejected with file:line: reason, exit 65, and the
# store is left exactly as it was.
. "$(dirname "$0")/lib.bash"
need_data
H="$TMP/node"
S="$DATA/sanctions"
I="$S/invalid"
lia "$H" init --agency NL-NP >/dev/null
lia "$H" import "$DATA/ftm/donations.ijson" >/dev/null
snapshot "$H" "$TMP/before"

check_rejected() {
	local what="$1"; shift
	expect_exit 65 lia "$H" import "$@"
	# Documented warnings may come first; the error is one line, the last.
	echo "$ERR" | grep -v '^liaison: import: warning: ' >"$TMP/errors" || true
	[ "$(wc -l <"$TMP/errors")" -eq 1 ] || fail "$what: error is not one line: $ERR"
	ERR="$(cat "$TMP/errors")"
	echo "$ERR" | grep -Eq '^liaison: import: .*:[0-9]+(:[0-9]+)?: ' || fail "$what: no file:line in: $ERR"
	snapshot "$H" "$TMP/after"
	cmp -s "$TMP/before" "$TMP/after" || fail "$what: store changed"
	ok "$what rejected: $ERR"
}

check_rejected "invalid sdn" --format ofac "$I/ofac_sdn.csv" "$S/ofac_alt.csv" "$S/ofac_add.csv" "$S/ofac_sdn_comments.csv"
check_rejected "invalid alt" --format ofac "$S/ofac_sdn.csv" "$I/ofac_alt.csv" "$S/ofac_add.csv" "$S/ofac_sdn_comments.csv"
check_rejected "invalid add" --format ofac "$S/ofac_sdn.csv" "$S/ofac_alt.csv" "$I/ofac_add.csv" "$S/ofac_sdn_comments.csv"
check_rejected "invalid comments" --format ofac "$S/ofac_sdn.csv" "$S/ofac_alt.csv" "$S/ofac_add.csv" "$I/ofac_sdn_comments.csv"
cp "$I/ofac_csl.csv" "$TMP/csl_sdn.csv"
check_rejected "CSL layout as sdn" --format ofac "$TMP/csl_sdn.csv"

# Truncated XML and JSON, bad UTF-8, bad dates, broken quoting.
head -c 1000000 "$S/UN_consolidated.xml" >"$TMP/cut.xml"
check_rejected "truncated UN XML" "$TMP/cut.xml"
head -c 50000 "$DATA/ftm/donations.ijson" >"$TMP/cut.ijson"
check_rejected "truncated FtM" "$TMP/cut.ijson"
{ head -3 "$DATA/ftm/donations.ijson"; printf '{"id":"x1","schema":"Person","properties":{"name":["\xff\xfe"]}}\n'; } >"$TMP/utf8.ijson"
check_rejected "invalid UTF-8" "$TMP/utf8.ijson"
{ head -3 "$DATA/ftm/donations.ijson"; echo '{"id":"x2","schema":"Person","properties":{"birthDate":["1970-13-45"]}}'; } >"$TMP/date.ijson"
check_rejected "bad date" "$TMP/date.ijson"
printf '36,"AEROCARIBBEAN AIRLINES,-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n' >"$TMP/quote_sdn.csv"
check_rejected "broken quoting" --format ofac "$TMP/quote_sdn.csv"
head -200 "$S/ofac_sdn.csv" >"$TMP/rows_sdn.csv"; echo '999999,"X"' >>"$TMP/rows_sdn.csv"
check_rejected "wrong column count" --format ofac "$TMP/rows_sdn.csv"
