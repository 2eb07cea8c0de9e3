#!/usr/bin/env bash
# The horizontal-scaling suite (PERFORMANCE.md, "Horizontal scaling"): ScalingSuiteTests.matrix
# starts Alice's and Bob's clusters (one nats-server each, release p2p-link-manager and p2p-gateway
# processes) for every shape, measures a paced and an unpaced run on each and prints a Markdown
# table, also written with a CSV next to it into $P2P_BENCH_RESULTS (.build/bench-results).
#
#   scripts/bench-scaling.sh [messages per run, default 2000]
#   P2P_SCALING_RATE=500 P2P_SCALING_SHAPES=1x1,2x1,3x1,1x2,2x2,3x2 scripts/bench-scaling.sh 2000
exec "$(dirname "$0")/bench-workers.sh" P2P_SCALING_BENCH "${1:-2000}" 'ScalingSuiteTests/matrix' scaling
