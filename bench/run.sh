#!/bin/bash
# bench/run.sh BUILD_DIR - every benchmark; numbers go to docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "## Import ($(date -u +%Y-%m-%d), $(nproc) cores)"
bench/import.sh "${1:-build/release}"
echo
echo "## Screening ($(date -u +%Y-%m-%d))"
bench/screen.sh ${SCREEN_SIZES:-real 1000000}
echo
BUILD="$(cd "${1:-build/release}" && pwd)" bench/exchange.sh
echo
echo "## Evidence ledger ($(date -u +%Y-%m-%d))"
for n in ${LEDGER_SIZES:-1000000}; do
	"${1:-build/release}"/bench/bench_ledger "$n"
done
