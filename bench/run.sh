#!/bin/bash
# bench/run.sh BUILD_DIR - every benchmark; numbers go to docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "## Import ($(date -u +%Y-%m-%d), $(nproc) cores)"
bench/import.sh "${1:-build/release}"
