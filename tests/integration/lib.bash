# lib.bash - helpers shared by the integration tests (sourced, not a test).
set -euo pipefail

: "${LIAISON:?LIAISON must point at the liaison binary}"
DATA="${LIAISON_DATA:-}"
TMP="$(mktemp -d /tmp/liaison-it.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT

# grep -q stops reading at its first match: under pipefail the writer of
# a pipeline (echo of a value of several lines, the liaison binary) can
# then die of SIGPIPE and fail the test although the line was there. The
# tests' grep therefore reads all of its input when asked to be quiet
# (the -q of a first option group such as -q, -qx, -Eq).
grep() {
	if [[ ${1:-} =~ ^-[A-Za-z]*q[A-Za-z]*$ ]]; then
		local o="${1//q/}"
		shift
		if [ "$o" = - ]; then
			command grep "$@" >/dev/null
		else
			command grep "$o" "$@" >/dev/null
		fi
	else
		command grep "$@"
	fi
}

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }

need_data() {
	if [ -z "$DATA" ] || [ ! -d "$DATA/sanctions" ]; then
		echo "SKIP: shared test data not found at '${DATA}' (../shared/data)"
		exit 254  # the skip code (77 would clash with EX_NOPERM)
	fi
}

# liaison with a given home
lia() { local home="$1"; shift; "$LIAISON" --home "$home" "$@"; }

# expect_exit CODE cmd... : run, capture stderr in $ERR, check the exit code
expect_exit() {
	local want="$1"; shift
	set +e
	"$@" >"$TMP/out" 2>"$TMP/err"
	local got=$?
	set -e
	ERR="$(cat "$TMP/err")"
	[ "$got" -eq "$want" ] || fail "exit $got, want $want: $* :: $ERR"
}

# json_get FILE PYEXPR : evaluate a python expression over the parsed JSON 'j'
json_get() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }

# snapshot HOME OUT: a digest of everything a node holds (records, versions,
# imports), used to prove that a rejected import changed nothing.
snapshot() {
	lia "$1" --json stats >"$2.stats"
	lia "$1" export >"$2.export"
	sha256sum "$2.stats" "$2.export" | awk '{print $1}' >"$2"
}
