#!/bin/bash
# Content above the 64 MiB a bundle carries inside its JSON (issue #6):
# `evidence bundle --with-content` attaches it after the JSON (bundle
# version 3), and both the writer and `liaison verify` stream it in
# constant memory (their peak resident size stays below the content's
# size); a changed byte of the attached content, or a truncated file,
# fails verification.
. "$(dirname "$0")/lib.bash"
[ -x /usr/bin/time ] || { echo "SKIP: /usr/bin/time not installed"; exit 254; }
H="$TMP/h"
export LIAISON_PASSWORD='correct horse battery staple'
lia "$H" init --agency NL-NP --name "Netherlands Police" --country NL >/dev/null
lia "$H" user add alice --role officer >/dev/null
SIZE=$((64 * 1024 * 1024 + 4096))
head -c "$SIZE" /dev/urandom >"$TMP/disk.img"
ID=$(lia "$H" evidence add "$TMP/disk.img" --case NL-2026-64 --description "Disk image" --user alice)
/usr/bin/time -f %M -o "$TMP/rss.bundle" "$LIAISON" --home "$H" evidence bundle "$ID" -o "$TMP/big.bundle" --with-content --user alice
rm -f "$TMP/disk.img"
head -c 1 "$TMP/big.bundle" | grep -q "{" || fail "the bundle does not start with its JSON"
head -n 1 "$TMP/big.bundle" >"$TMP/head.json"
[ "$(json_get "$TMP/head.json" "(j['version'], j['attached'], 'content' in j)")" = "(3, $SIZE, False)" ] ||
	fail "bundle head: $(head -c 300 "$TMP/head.json")"
[ "$(stat -c %s "$TMP/big.bundle")" = "$(( $(stat -c %s "$TMP/head.json") + SIZE ))" ] || fail "bundle size"
(cd / && /usr/bin/time -f %M -o "$TMP/rss.verify" env -u LIAISON_HOME "$LIAISON" --home /nonexistent verify "$TMP/big.bundle") >"$TMP/v" ||
	fail "verify: $(cat "$TMP/v")"
grep -q "content: $SIZE bytes attached, SHA-256 matches the registration" "$TMP/v" || fail "verify: $(cat "$TMP/v")"
ok "a $SIZE-byte item is bundled with its content attached (version 3) and verifies offline"
# Peak resident sizes in KiB: well below the content, so it was streamed.
for x in bundle verify; do
	kb=$(tail -1 "$TMP/rss.$x")
	[ "$kb" -lt $((SIZE / 1024)) ] || fail "$x peaked at $kb KiB for $((SIZE / 1024)) KiB of content"
done
ok "writer and verifier stream the content (peak RSS $(tail -1 "$TMP/rss.bundle") and $(tail -1 "$TMP/rss.verify") KiB)"

python3 - "$TMP/big.bundle" <<'PY'
import sys
p = sys.argv[1]
with open(p, 'r+b') as f:
    f.seek(-100, 2); b = f.read(1); f.seek(-100, 2); f.write(bytes([b[0] ^ 1]))
PY
expect_exit 65 lia "$H" verify "$TMP/big.bundle"
grep -q "attached do not match the registered SHA-256" "$TMP/out" || fail "flipped content: $(tail -2 "$TMP/out")"
truncate -s -1 "$TMP/big.bundle"
expect_exit 65 lia "$H" verify "$TMP/big.bundle"
grep -q "content follow where .* are announced" "$TMP/out" || fail "truncated: $(tail -2 "$TMP/out")"
ok "a changed byte of the attached content, or a truncated bundle, fails"
