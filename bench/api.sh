#!/bin/bash
# bench/api.sh - screening requests/s through the HTTP API over HTTPS
# (issue #7), with wrk, against the real UN + OFAC lists imported into a
# fresh node.
#
#   BUILD      build folder with the liaison binary (default build/release)
#   API_CONNS  wrk connections (default 32), API_THREADS wrk threads (2),
#   API_SECS   seconds of measurement (default 20)
#   API_BENCH  screen (default): POST /v1/screen; record: GET
#              /v1/records/{id}, cycling through 64 records of the lists
#   API_NAMES  N > 0: also N generated names (bench/gen_names.py --no-real,
#              seed 1, as bench/screen.sh makes its lists) imported as
#              the watchlist "bench" (liaison import --list bench), so the
#              API screens the real lists plus N names. Prints the import
#              time, the node's start-up time (until it serves) and its RSS
#              after start-up and after the run.
#
# Each request is POST /v1/screen with one name, cycling through 24
# queries (listed names, spelling variants, transliterations, names not
# listed), with a token and a purpose, so every request is authenticated,
# screened on the daemon's one in-memory index and audited (one SQLite
# row per request). Prints wrk's report and one Markdown row:
# | requests/s | p50 | p99 | x SIS average (475/s) |.
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"
cd "$SRC"
BUILD="${BUILD:-build/release}"
LIA="$BUILD/liaison"
DATA="${LIAISON_DATA:-$SRC/../shared/data}"
S="$DATA/sanctions"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
[ -x "$LIA" ] || { echo "no $LIA: run make release" >&2; exit 1; }
[ -f "$S/UN_consolidated.xml" ] || { echo "no data at $DATA" >&2; exit 1; }

W="$(mktemp -d /tmp/liaison-bench-api.XXXXXX)"
PID=
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT
H="$W/node"
read -r PF PAPI < <(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
"$LIA" --home "$H" init --agency NL-NP --name "Bench" --country NL >/dev/null
"$LIA" --home "$H" import --quiet "$S/UN_consolidated.xml" >/dev/null
"$LIA" --home "$H" import --quiet --format ofac "$S/ofac_sdn.csv" "$S/ofac_alt.csv" "$S/ofac_add.csv" >/dev/null 2>&1
if [ "${API_NAMES:-0}" -gt 0 ]; then
	# CSV rows id,name,kind (an alias is another row of the same id) as
	# FtM entities, one a line, imported as the list "bench".
	python3 bench/gen_names.py --no-real --total "$API_NAMES" --seed 1 2>/dev/null |
		python3 -c 'import csv, json, sys
rows = csv.reader(sys.stdin); next(rows)
cur = None
def out(e):
    if e: sys.stdout.write(json.dumps(e, ensure_ascii=False) + "\n")
for rid, name, kind in rows:
    if cur and cur["id"] == rid:
        cur["properties"]["name"].append(name); continue
    out(cur)
    cur = {"id": rid, "schema": "Person" if kind == "person" else "Organization", "properties": {"name": [name]}}
out(cur)' >"$W/names.ijson"
	t0=$(date +%s.%N)
	"$LIA" --home "$H" import --quiet --list bench "$W/names.ijson" >/dev/null
	echo "import of $API_NAMES generated names as the list bench: $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
fi
export LIAISON_PASSWORD="bench passphrase 1"
"$LIA" --home "$H" user add bench --role officer >/dev/null
TOKEN=$("$LIA" --home "$H" user token create bench 2>/dev/null)
"$LIA" --home "$H" serve --listen "127.0.0.1:$PF" --api "127.0.0.1:$PAPI" 2>"$W/serve.log" &
PID=$!
t0=$(date +%s.%N)
for _ in $(seq 6000); do grep -q "serving on" "$W/serve.log" && break; sleep 0.1; done
for _ in $(seq 6000); do curl -sfk "https://127.0.0.1:$PAPI/v1/health" >"$W/health" && break; sleep 0.1; done
cat "$W/health"; echo
echo "start-up until the API answers: $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s, RSS $(awk '/VmRSS/ {print $2, $3}' /proc/$PID/status)"

if [ "${API_BENCH:-screen}" = record ]; then
	"$LIA" --home "$H" export --schema Person -o "$W/people.ijson"
	IDS=$(python3 -c 'import json,sys,itertools; print(",".join("\"%s\"" % json.loads(l)["id"] for l in itertools.islice(open(sys.argv[1]), 64)))' "$W/people.ijson")
	cat >"$W/screen.lua" <<LUA
local ids = { $IDS }
local i = 0
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer $TOKEN"
wrk.headers["X-Purpose"] = "benchmark"
request = function()
  i = i % #ids + 1
  return wrk.format(nil, "/v1/records/" .. ids[i])
end
LUA
else
cat >"$W/screen.lua" <<LUA
local names = {
  "Osama bin Laden", "Usama Bin Ladin", "Ayman al-Zawahiri", "Aiman Al Zawahri",
  "Kim Jong Un", "Kim Chong-un", "Joaquin Guzman Loera", "Joakin Guzman",
  "Viktor Bout", "Victor Anatolyevich But", "Dawood Ibrahim", "Daud Ibrahim Kaskar",
  "Hassan Nasrallah", "Hasan Nasrallah", "Mohammed Omar", "Muhammad Umar",
  "Maria Schmidt", "Jan de Vries", "Olga Petrova", "Pierre Dupont",
  "Giulia Rossi", "Anna Kowalska", "Lars Johansson", "Nikos Papadopoulos",
}
local i = 0
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $TOKEN"
wrk.headers["X-Purpose"] = "benchmark"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i % #names + 1
  return wrk.format(nil, "/v1/screen", nil, '{"name":"' .. names[i] .. '"}')
end
LUA
fi
wrk -t"${API_THREADS:-2}" -c"${API_CONNS:-32}" -d"${API_SECS:-20}s" --latency \
	-s "$W/screen.lua" "https://127.0.0.1:$PAPI" | tee "$W/wrk.out"
echo "RSS after the run: $(awk '/VmRSS/ {print $2, $3}' /proc/$PID/status)"
python3 - "$W/wrk.out" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
def lat(p):
    m = re.search(p + r"%\s+([\d.]+)(us|ms|s)\b", t)
    v = float(m.group(1)); u = m.group(2)
    return v / 1000 if u == "us" else v * 1000 if u == "s" else v
errs = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
print(f"| {rps:,.0f} | {lat('50'):.2f} ms | {lat('99'):.2f} ms | {rps/475:.1f}x |"
      + (f" NON-2xx: {errs.group(1)}" if errs else ""))
PY
