#!/bin/bash
# Witnessing across borders (issue #6, section 3) between three nodes on
# loopback: A records custody events and publishes its tree head (on a short
# interval and on demand); B and C countersign and `ledger witnesses` on A
# shows both; a bundle from A carries their countersignatures and verifies
# offline. Then A's history is rewritten behind its back, consistently (an
# old entry and every hash above it, the old heads dropped), so that A's
# own `ledger verify` cannot see it; on the next publication B and C detect
# the inconsistency, refuse to countersign, and the PROBLEM shows on all
# three nodes and in the logs.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/nodes.bash"

three_nodes
export LIAISON_PASSWORD='correct horse battery staple'
lia "$A" user add alice --role officer >/dev/null
head -c 20000 /dev/urandom >"$TMP/item.bin"
ID=$(lia "$A" evidence add "$TMP/item.bin" --case NL-2026-6 --description "USB stick" --user alice)
lia "$A" evidence event "$ID" --kind sealed --note "bag 6" --user alice >/dev/null
lia "$A" evidence event "$ID" --kind examined --note "imaged" --user alice >/dev/null

# A publishes every 1.5 s; B and C only witness (their own publishing is
# off, so that their logs and ledgers show A's traffic only).
LIAISON_WITNESS_INTERVAL_MS=1500 start "$A" "$PA"
LIAISON_WITNESS_INTERVAL_MS=0 start "$B" "$PB"
LIAISON_WITNESS_INTERVAL_MS=0 start "$C" "$PC"
both_signed() {
	lia "$A" ledger witnesses >"$TMP/w" &&
	grep -q "^countersigned .* by DE-BKA" "$TMP/w" && grep -q "^countersigned .* by FR-PN" "$TMP/w"
}
wait_for 30 both_signed || fail "no countersignatures on A: $(cat "$TMP/w"; tail -5 "$A.log")"
grep -q "tree head of size .* sent to 2 peers" "$A.log" || fail "no periodic publication in A's log"
lia "$B" ledger witnesses | grep -q "^witnessed .* of NL-NP" || fail "B does not list what it witnessed"
ok "A's head published on an interval; B and C countersign; ledger witnesses shows both"

OUT=$(lia "$A" ledger publish)
echo "$OUT" | grep -q "queued to 2 peer(s)" || fail "publish: $OUT"
SIZE1=$(echo "$OUT" | sed -n 's/.*size \([0-9]*\).*/\1/p')
# A publication that crosses a countersignature still in flight is refused
# (its proof does not start at the witness's last size) and the next one
# is taken, so wait for a size at or above this one countersigned by both.
both_from() {
	lia "$A" ledger witnesses | awk -v min="$1" '$1 == "countersigned" && $3 >= min { n[$3]++ } END { for (s in n) if (n[s] == 2) ok = 1; exit !ok }'
}
wait_for 30 both_from "$SIZE1" || fail "no size >= $SIZE1 countersigned by both: $(lia "$A" ledger witnesses)"
ok "ledger publish on demand: a size >= $SIZE1 countersigned by both, with consistency proofs from the last size"

lia "$A" evidence bundle "$ID" -o "$TMP/b.json"
[ "$(json_get "$TMP/b.json" "sorted(w['agency'] for w in j['head']['witnesses'])")" = "['DE-BKA', 'FR-PN']" ] ||
	fail "bundle witnesses: $(json_get "$TMP/b.json" "j['head']")"
(cd / && env -u LIAISON_HOME "$LIAISON" --home /nonexistent verify "$TMP/b.json") >"$TMP/v" || fail "verify: $(cat "$TMP/v")"
grep -q "witness DE-BKA countersigned this head" "$TMP/v" || fail "verify output: $(cat "$TMP/v")"
grep -q "witness FR-PN countersigned this head" "$TMP/v" || fail "verify output: $(cat "$TMP/v")"
python3 - "$TMP/b.json" "$TMP/t.json" <<'PY'
import sys, json, base64
j = json.load(open(sys.argv[1]))
s = bytearray(base64.b64decode(j['head']['witnesses'][0]['sig'])); s[5] ^= 1
j['head']['witnesses'][0]['sig'] = base64.b64encode(bytes(s)).decode()
open(sys.argv[2], 'w').write(json.dumps(j, separators=(',', ':'), sort_keys=True))
PY
expect_exit 65 "$LIAISON" verify "$TMP/t.json"
grep -q "countersignature does not verify" "$TMP/out" || fail "forged countersignature: $(cat "$TMP/out")"
ok "a bundle from A carries both countersignatures and verifies offline; a forged one fails"

# Rewrite A's history behind its back: the 'sealed' event becomes 'copied'
# (same length), its leaf hash and every stored subtree above it are
# recomputed, and the signed heads that named the old root are dropped.
stop "${PIDS[0]}"
python3 - "$A/store.db" <<'PY'
import sqlite3, hashlib, sys
db = sqlite3.connect(sys.argv[1])
for t in ('ledger_entries_no_update', 'ledger_nodes_no_update', 'ledger_heads_no_delete'):
    db.execute('DROP TRIGGER ' + t)
idx, data = next((i, bytes(d)) for i, d in db.execute('SELECT idx, data FROM ledger_entries ORDER BY idx')
                 if b'"kind":"sealed"' in bytes(d))
new = data.replace(b'"kind":"sealed"', b'"kind":"copied"')
sha = lambda b: hashlib.sha256(b).digest()
db.execute('UPDATE ledger_entries SET data = ?, leaf_hash = ? WHERE idx = ?', (new, sha(b'\0' + new), idx))
def h(level, i):
    if level == 0:
        return bytes(db.execute('SELECT leaf_hash FROM ledger_entries WHERE idx = ?', (i,)).fetchone()[0])
    return bytes(db.execute('SELECT hash FROM ledger_nodes WHERE level = ? AND idx = ?', (level, i)).fetchone()[0])
level, i = 1, idx >> 1
while db.execute('SELECT 1 FROM ledger_nodes WHERE level = ? AND idx = ?', (level, i)).fetchone():
    db.execute('UPDATE ledger_nodes SET hash = ? WHERE level = ? AND idx = ?',
               (sha(b'\1' + h(level - 1, 2 * i) + h(level - 1, 2 * i + 1)), level, i))
    level, i = level + 1, i >> 1
db.execute('DELETE FROM ledger_heads')
db.commit()
PY
lia "$A" ledger verify | grep -q "^ok" || fail "the rewrite was meant to be invisible to A itself"
LIAISON_WITNESS_INTERVAL_MS=0 start "$A" "$PA"
OUT=$(lia "$A" ledger publish)
SIZE2=$(echo "$OUT" | sed -n 's/.*size \([0-9]*\).*/\1/p')
problem_on() { lia "$1" ledger witnesses >"$TMP/p" && [ "$(grep -c "^PROBLEM .* of NL-NP" "$TMP/p")" -ge "$2" ]; }
wait_for 20 problem_on "$B" 1 || fail "B did not detect the rewrite: $(cat "$TMP/p"; tail -3 "$B.log")"
wait_for 20 problem_on "$C" 1 || fail "C did not detect the rewrite: $(cat "$TMP/p"; tail -3 "$C.log")"
wait_for 20 problem_on "$A" 2 || fail "A was not told by both: $(cat "$TMP/p")"
grep "^PROBLEM" "$TMP/p" | grep -q "witness DE-BKA" || fail "A: no problem from B: $(cat "$TMP/p")"
grep "^PROBLEM" "$TMP/p" | grep -q "witness FR-PN" || fail "A: no problem from C: $(cat "$TMP/p")"
for h in "$B" "$C"; do
	grep -q "ERROR ledger: PROBLEM: the ledger of NL-NP is inconsistent" "$h.log" || fail "no log line on $h"
done
grep -q "ERROR ledger: PROBLEM: witness DE-BKA reports" "$A.log" || fail "no log line on A"
lia "$A" ledger witnesses | grep -q "^countersigned  size $SIZE2 " && fail "a witness countersigned the rewritten head"
ok "after a consistent rewrite A's own verify passes, but B and C refuse to countersign size $SIZE2 and all three show the PROBLEM"

# The problem is an alert for the operators of both nodes.
lia "$B" alert list >"$TMP/al" || fail "alert list on B"
grep -q "PROBLEM  ledger of NL-NP, witness DE-BKA, size [0-9]*: " "$TMP/al" || fail "B's alert list: $(cat "$TMP/al")"
grep -q "action: the ledger of NL-NP is inconsistent" "$TMP/al" || fail "B's alert list: $(cat "$TMP/al")"
lia "$A" --json alert list >"$TMP/al.json" || fail "alert list on A"
[ "$(json_get "$TMP/al.json" "sorted(a['witness'] for a in j if a['kind'] == 'ledger-problem' and a['node'] == 'NL-NP' and a['role'] == 'operator')")" = "['DE-BKA', 'FR-PN']" ] ||
	fail "A's alert list: $(cat "$TMP/al.json")"
ok "the problem shows in liaison alert list on the witnesses and on A, reported by both"
