#!/bin/sh
# `make bench`: the import benchmark (and, once nntpd lands, the NNTP matrix
# against INN and public-inbox with ../shared/bench/).
set -eu
cd "$(dirname "$0")/.."
python3 scripts/bench.py
