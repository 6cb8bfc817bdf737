#!/bin/bash
# Attachment uploads do not hold up envelopes to other peers: A sends a
# 12 MiB attachment to DE-BKA (B) with its uploads limited to 512 KiB/s
# (LIAISON_TEST_UPLOAD_BPS, a test option), so the upload takes about 24 s;
# a small message to FR-PN (C) sent after it is delivered while B's upload
# is still in progress (asserted by order only: C's receipt is in while
# B's message is queued and B's .part is short of the file); then B's
# message is delivered and its file checks.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/nodes.bash"
state_of() { lia "$1" --json outbox | python3 -c 'import json,sys; print(" ".join(sorted(r["state"] for r in json.load(sys.stdin) if r["id"]==sys.argv[1])))' "$2"; }
is_state() { [ "$(state_of "$1" "$2")" = "$3" ]; }

three_nodes
head -c $((12 << 20)) /dev/urandom >"$TMP/big.bin"
WANT=$(sha256sum "$TMP/big.bin" | cut -d' ' -f1)
start "$B" "$PB"; start "$C" "$PC"
LIAISON_TEST_UPLOAD_BPS=$((512 << 10)) start "$A" "$PA"

BIG=$(lia "$A" send --to DE-BKA --subject "bulk" --attach "$TMP/big.bin" | awk '{print $1}')
part_started() { [ -n "$(ls "$B"/blobs/*.part 2>/dev/null)" ]; }
wait_for 30 part_started || fail "the upload to B did not start: $(cat "$A.log")"
SMALL=$(lia "$A" send --to FR-PN --subject "small" --text "while B's upload runs" | awk '{print $1}')
wait_for 30 is_state "$A" "$SMALL" delivered || fail "small message to C not delivered: $(lia "$A" outbox)"
# In this order: the small message's receipt is in, then B's state is read.
is_state "$A" "$BIG" queued || fail "B's message is $(state_of "$A" "$BIG") already"
HAVE=$(stat -c %s "$B"/blobs/*.part)
[ "$HAVE" -lt $((12 << 20)) ] || fail "B's upload finished before C's message ($HAVE bytes)"
ok "small message to C delivered while the upload to B was at $((HAVE >> 10)) KiB of 12 MiB"

wait_for 120 is_state "$A" "$BIG" delivered || fail "large message to B not delivered: $(lia "$A" outbox) $(tail "$A.log")"
mkdir "$TMP/save"
lia "$B" --json read --save-attachments "$TMP/save" "$BIG" >/dev/null
[ "$(sha256sum "$TMP/save/big.bin" | cut -d' ' -f1)" = "$WANT" ] || fail "B's saved file differs"
ok "then the large message to B delivered, its file has the sender's SHA-256"
