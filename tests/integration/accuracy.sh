#!/bin/bash
# Screening accuracy on the labelled development sets built from the real
# data (bench/devsets.py): every cross-script pair matches, and the overall
# F1 at the default threshold stays at or above the issue's 0.90 when an
# alias is compared with its whole entry, as screening does. A regression
# in normalisation, transliteration or scoring shows up here as a number.
. "$(dirname "$0")/lib.bash"
need_data
ACC="${LIAISON_BUILD:?}/bench/accuracy"
[ -x "$ACC" ] || fail "no $ACC"
for d in names febrl; do
	[ -d "$DATA/$d" ] || { echo "SKIP: no $DATA/$d"; exit 254; }
done

# row NAME FILE: the line of one category
row() { awk -v c="$1" '$1 == c || ($1 " " $2 == c) { print }' "$2" | head -1; }

python3 "$LIAISON_SRC/bench/devsets.py" --entries "$TMP/entries.csv" >/dev/null
"$ACC" "$TMP/entries.csv" >"$TMP/entries.out"
python3 "$LIAISON_SRC/bench/devsets.py" "$TMP/pairs.csv" >/dev/null
"$ACC" "$TMP/pairs.csv" >"$TMP/pairs.out"

for f in entries pairs; do
	r="$(row cross_script "$TMP/$f.out")"
	echo "$r" | grep -q "fn=0" || fail "$f: a cross-script pair is missed: $r"
	[ "$(echo "$r" | awk '{ print $2 }')" -ge 20 ] || fail "$f: too few cross-script pairs: $r"
done
ok "every cross-script pair matches"

python3 - "$TMP/entries.out" "$TMP/pairs.out" <<'PY'
import sys
def rows(path):
    out = {}
    for line in open(path):
        parts = line.split()
        if line.startswith("overall w/o unrel"):
            out["overall_wo"] = parts[3:8]
        elif parts and parts[0] in ("overall", "ofac", "un", "febrl", "putin"):
            out[parts[0]] = parts[1:6]
    return out
ent, pair = rows(sys.argv[1]), rows(sys.argv[2])
# pos neg P R F1
p, r, f1 = (float(x) for x in ent["overall"][2:5])
assert f1 >= 0.90, "entries: overall F1 %.3f < 0.90" % f1
assert p >= 0.95, "entries: overall precision %.3f < 0.95" % p
assert int(ent["overall"][0]) > 4000 and int(ent["overall"][1]) > 7000, ent
# The stricter pairwise reading (alias against the main name only) is
# lower; it must not fall below what it was when this test was written.
pf1 = float(pair["overall"][4])
assert pf1 >= 0.83, "pairs: overall F1 %.3f < 0.83" % pf1
assert float(pair["febrl"][4]) >= 0.95, pair["febrl"]
print("ok - entries F1 %.3f (P %.3f R %.3f), pairs F1 %.3f" % (f1, p, r, pf1))
PY
