#!/bin/bash
# Blob hygiene at the receiver: a per-peer quota on pending uploads
# (config.json "blob_quota_mb") refuses an attachment that would exceed
# it, with HTTP 507 and a log line at the receiver and the reason in the
# sender's outbox, while a smaller one goes through and, once its message
# is accepted, no longer counts; and an upload no sender finishes is
# removed after "blob_expiry_s".
. "$(dirname "$0")/lib.bash"
command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 254; }
. "$(dirname "$0")/nodes.bash"
state_of() { lia "$1" --json outbox | python3 -c 'import json,sys; print(" ".join(sorted(r["state"] for r in json.load(sys.stdin) if r["id"]==sys.argv[1])))' "$2"; }
is_state() { [ "$(state_of "$1" "$2")" = "$3" ]; }

three_nodes
python3 - "$B/config.json" <<'P'
import json, sys
c = json.load(open(sys.argv[1]))
c["blob_quota_mb"] = 1
c["blob_expiry_s"] = 4
json.dump(c, open(sys.argv[1], "w"))
P
start "$A" "$PA"; start "$B" "$PB"

head -c $((2 << 20)) /dev/urandom >"$TMP/big.bin"
BIG=$(lia "$A" send --to DE-BKA --subject "too big" --attach "$TMP/big.bin" | awk '{print $1}')
refused() { grep -q "refused attachment .* from NL-NP: NL-NP is over its disk quota" "$B.log"; }
wait_for 30 refused || fail "B did not refuse over quota: $(cat "$B.log")"
in_outbox() { lia "$A" outbox | grep "$BIG" | grep -q "HTTP 507.*over its disk quota"; }
wait_for 30 in_outbox || fail "the sender does not show why: $(lia "$A" outbox)"
is_state "$A" "$BIG" queued || fail "over-quota message is $(state_of "$A" "$BIG")"
[ -z "$(ls "$B"/blobs/*.part 2>/dev/null)" ] || fail "B wrote a file over quota: $(ls -l "$B/blobs")"
ok "2 MiB attachment over B's 1 MiB quota refused (507, logged at B, reason in A's outbox), nothing written"

head -c $((300 << 10)) /dev/urandom >"$TMP/small.bin"
SMALL=$(lia "$A" send --to DE-BKA --subject "fits" --attach "$TMP/small.bin" | awk '{print $1}')
wait_for 30 is_state "$A" "$SMALL" delivered || fail "small attachment not delivered: $(lia "$A" outbox)"
[ -z "$(ls "$B/blobs/by-peer/NL-NP" 2>/dev/null)" ] || fail "accepted blob still counts against the quota: $(ls "$B/blobs/by-peer/NL-NP")"
[ "$(ls "$B/blobs" | grep -Ec '^[0-9a-f]{64}$')" = 1 ] || fail "B does not keep the accepted blob: $(ls "$B/blobs")"
ok "300 KiB attachment within the quota delivered; once accepted it no longer counts"

# An upload that no sender finishes: 4 bytes of 100, then nothing.
BLOB=$(printf '%064d' 7)
code=$(curl -sk --cert "$A/keys/tls.crt" --key "$A/keys/tls.key" -o /dev/null -w '%{http_code}' -X PUT \
	-H "Content-Range: bytes 0-3/100" --data-binary abcd "https://127.0.0.1:$PB/fed/v1/attachment/$BLOB")
[ "$code" = 200 ] || fail "partial upload got $code"
[ -e "$B/blobs/$BLOB.part" ] || fail "no .part for the partial upload"
[ -e "$B/blobs/by-peer/NL-NP/$BLOB" ] || fail "the partial upload is not counted for NL-NP"
gone() { [ ! -e "$B/blobs/$BLOB.part" ] && [ ! -e "$B/blobs/by-peer/NL-NP/$BLOB" ]; }
wait_for 30 gone || fail "the unfinished upload was not removed: $(ls -lR "$B/blobs")"
grep -q "blobs: removed 1 upload(s) untouched for 4s" "$B.log" || fail "no log line: $(grep blobs "$B.log")"
[ "$(ls "$B/blobs" | grep -Ec '^[0-9a-f]{64}$')" = 1 ] || fail "the accepted blob was removed too"
ok "an unfinished upload is removed after blob_expiry_s (logged); the accepted blob stays"
