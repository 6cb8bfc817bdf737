#!/bin/bash
# evidence.sh BUILD - issue #6: `evidence add` throughput on a 100 MB file
# generated here, against sha256sum of the same file in the same run, and
# the time of `verify` on a bundle, and the bundle with its content attached
# (100 MB > 64 MiB: version 3, streamed) written and verified, with their
# peak resident sizes. Keys and users are made here.
set -euo pipefail
L="$(realpath "${1:-build/release}")/liaison"
T="$(mktemp -d /tmp/liaison-bench-ev.XXXXXX)"
trap 'rm -rf "$T"' EXIT
export LIAISON_HOME="$T/h" LIAISON_PASSWORD="bench passphrase 123"
"$L" init --agency NL-NP --name Bench --country NL >/dev/null
"$L" user add bench --role officer >/dev/null
head -c 100000000 /dev/urandom >"$T/big.bin"
sync
t0=$(date +%s.%N); sha256sum "$T/big.bin" >/dev/null; t1=$(date +%s.%N)
ID=$("$L" evidence add "$T/big.bin" --case BENCH --description bench --user bench)
t2=$(date +%s.%N)
"$L" evidence bundle "$ID" -o "$T/b.json"
t3=$(date +%s.%N); "$L" verify "$T/b.json" >/dev/null; t4=$(date +%s.%N)
# The content attached after the JSON (above 64 MiB: bundle version 3),
# written and verified streaming; peak resident sizes in KiB.
/usr/bin/time -f %M -o "$T/rss.b" "$L" evidence bundle "$ID" -o "$T/bc.bundle" --with-content
t5=$(date +%s.%N)
/usr/bin/time -f %M -o "$T/rss.v" "$L" verify "$T/bc.bundle" >/dev/null
t6=$(date +%s.%N)
python3 - "$t0" "$t1" "$t2" "$t3" "$t4" "$t5" "$t6" "$(tail -1 "$T/rss.b")" "$(tail -1 "$T/rss.v")" <<'PY'
import sys
t0, t1, t2, t3, t4, t5, t6 = map(float, sys.argv[1:8])
rb, rv = sys.argv[8:10]
s, a = t1 - t0, t2 - t1
print(f"sha256sum     {100/s:7.1f} MB/s ({s:.2f} s)")
print(f"evidence add  {100/a:7.1f} MB/s ({a:.2f} s, incl. Argon2id unlock, copy, fsync)")
print(f"ratio add/sha256sum time {a/s:.2f}")
print(f"verify bundle {1000*(t4-t3):7.1f} ms")
print(f"bundle --with-content (100 MB attached) {t5-t4:.2f} s, peak RSS {rb} KiB")
print(f"verify of it  {100/(t6-t5):7.1f} MB/s ({t6-t5:.2f} s), peak RSS {rv} KiB")
PY
