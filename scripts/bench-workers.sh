#!/usr/bin/env bash
# Shared by bench-scaling.sh and bench-failures.sh: builds the release workers and the tests, runs
# one env-gated suite against the release workers and prints the table it wrote.
#   scripts/bench-workers.sh <gate variable> <messages> <test filter> <results name>
set -euo pipefail
cd "$(dirname "$0")/.."
gate="$1" messages="$2" filter="$3" name="$4"
swift build -c release --product p2p-link-manager
swift build -c release --product p2p-gateway
swift build --build-tests
export P2P_WORKERS_DIR="$PWD/.build/release" "$gate=$messages"
export P2P_BENCH_RESULTS="${P2P_BENCH_RESULTS:-$PWD/.build/bench-results}"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); commit $(git rev-parse --short HEAD)"
status=0
timeout 1800 swift test --skip-build --no-parallel --filter "$filter" || status=$?
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$P2P_BENCH_RESULTS/$name.md"
exit "$status"
