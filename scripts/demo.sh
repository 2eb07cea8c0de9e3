#!/usr/bin/env bash
# The embedded demo: two clusters exchanging messages in one process.
# The link manager and gateway do not exist yet, so there is no demo to run.
set -euo pipefail
echo "There is no embedded demo yet: the link manager and gateway are still to be built."
echo "What exists today: the operator CLI (.build/debug/p2p --help) and the test suite (make test)."
.build/debug/p2p --help
