#!/bin/sh
# Integration tests: the real forumgate binary ($FORUMGATE) on real SQLite
# files, driven by Python test scripts. Ends with
# "integration: N passed, N failed".
cd "$(dirname "$0")/../.." || exit 1
: "${FORUMGATE:=$PWD/forumgate}"
export FORUMGATE
exec python3 tests/integration/runner.py tests/integration/test_*.py
