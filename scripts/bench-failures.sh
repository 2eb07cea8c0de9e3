#!/usr/bin/env bash
# The failure-injection suite (PERFORMANCE.md, "Failure injection"): FailureInjectionSuiteTests.faults
# starts fresh clusters per case (one nats-server each, two release p2p-link-manager and two
# p2p-gateway processes), sends a stream at a fixed rate, injects the fault as a fifth of it is due
# and prints a Markdown table, also written with a CSV next to it into $P2P_BENCH_RESULTS.
#
#   scripts/bench-failures.sh [messages per case, default 5000]
#   P2P_FAILURE_RATE=200 P2P_FAILURE_CASES=gateway-kill,nats-restart scripts/bench-failures.sh 5000
# Cases: receiving-link-manager-kill, sending-link-manager-kill, gateway-kill, gateway-stall, nats-restart.
exec "$(dirname "$0")/bench-workers.sh" P2P_FAILURE_BENCH "${1:-5000}" 'FailureInjectionSuiteTests/faults' failures
