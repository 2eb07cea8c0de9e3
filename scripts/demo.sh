#!/usr/bin/env bash
# The embedded demo (docs/demo.md): Alice's and Bob's embedded clusters in one process on free
# loopback ports, with a CA, certificates and keys generated into a temporary directory that is
# removed afterwards. 1,000 messages of 1 KB go from Alice to Bob over HTTPS; the summary gives
# deliveries, duplicates, throughput and latency percentiles. Exits non-zero if anything was lost.
# `make demo` builds first; extra arguments go to `p2p demo` (e.g. --messages 5000 --rate 4000).
set -euo pipefail
cd "$(dirname "$0")/.."
binary=".build/debug/p2p"
if [[ ! -x "$binary" ]]; then
    swift build --product p2p
fi
exec timeout 120 "$binary" demo "$@"
