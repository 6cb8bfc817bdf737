#!/bin/bash
# Peers added and removed while `liaison serve` runs take effect without a
# restart, with a log line: C, not yet pinned by B, sends to B (refused
# with 403, retried); B pins C and the message is delivered; B removes C
# and C's next message is refused again, B's worker drops its connection.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/nodes.bash"

init_nodes
lia "$C" peer add "$TMP/B.card" --url "https://127.0.0.1:$PB" >/dev/null
start "$B" "$PB"; start "$C" "$PC"
is_state() { lia "$1" --json outbox | python3 -c 'import json,sys; sys.exit(not [r for r in json.load(sys.stdin) if r["id"]==sys.argv[1] and r["state"]==sys.argv[2]])' "$2" "$3"; }

M=$(lia "$C" send --to DE-BKA --subject "before pinning" | awk '{print $1}')
wait_for 10 grep -q "refused TLS client: certificate sha256 [0-9a-f]\{64\} is not a pinned peer" "$B.log" || fail "not refused: $(tail -3 "$B.log")"
wait_for 10 grep -q "$M to DE-BKA: attempt 1 failed.*HTTP 403" "$C.log" || fail "not retried: $(tail -3 "$C.log")"
is_state "$C" "$M" queued || fail "a 403 for the whole request must stay queued"
lia "$B" peer add "$TMP/C.card" --url "https://127.0.0.1:$PC" >/dev/null
wait_for 20 is_state "$C" "$M" delivered || fail "not delivered after B pinned C: $(tail -3 "$C.log")"
wait_for 5 grep -q "peers reloaded: +FR-PN" "$B.log" || fail "no reload line: $(tail -3 "$B.log")"
ok "a peer pinned while serving is accepted at once, and logged"

lia "$B" peer remove FR-PN >/dev/null
wait_for 5 grep -q "peers reloaded: -FR-PN" "$B.log" || fail "no removal line: $(tail -3 "$B.log")"
M2=$(lia "$C" send --to DE-BKA --subject "after removal" | awk '{print $1}')
wait_for 10 grep -q "$M2 to DE-BKA: attempt 1 failed.*HTTP 403" "$C.log" || fail "removed peer not refused: $(tail -3 "$B.log")"
[ "$(sqlite3 "$B/store.db" "select count(*) from inbox where env_id='$M2'")" = 0 ] || fail "stored from a removed peer"
ok "a peer removed while serving is refused at once, and logged"
