#!/bin/sh
# `make bench`: every benchmark, each printing its own figures:
#  1. import: 100,000 generated posts into a fresh store (posts/s, MB/s, RSS);
#  2. LMTP ingest: messages/s from 1 and 8 sessions on a 100k-post store;
#  3. parse: hostile inputs that were quadratic (a tag with 200,000
#     attributes through sync, a header folded into 200,000 lines in a POST);
#  4. discourse: a first sync of 50,000 posts from the fixture Discourse
#     (posts/s, CPU s per 1,000 posts, peak RSS); then 100 post_created
#     webhooks/s for 60 s into `serve`: delivery -> served over NNTP, p50/p99;
#  5. listd: one post to 10,000 subscribers through a local SMTP sink
#     (msg/s with connection reuse and pipelining, peak RSS);
#  6. boards: the corpus's saved vBulletin/phpBB/XenForo/MyBB thread pages
#     through `forumgate import` (thread pages/s, CPU s per 1,000 posts);
#     a first sync of BENCH_BOARD_THREADS (2,000; 10,000 is the issue's
#     figure) threads from the fixture vBulletin 4 board (threads/s,
#     posts/s, CPU s per 1,000 posts, peak RSS against 64 MiB);
#  7. NNTP: the ../shared/bench/ matrix against INN 2.7 and public-inbox 1.9
#     in the same run (needs root: it installs and starts the peers).
set -eu
cd "$(dirname "$0")/.."
python3 scripts/bench.py
python3 scripts/bench_lmtp.py
python3 scripts/bench_parse.py
python3 scripts/bench_discourse.py
python3 scripts/bench_discourse_push.py
python3 scripts/bench_listd.py
python3 scripts/bench_boards.py
if [ "$(id -u)" = 0 ]; then
	bash scripts/bench_nntp.sh
else
	echo "bench: the NNTP part needs root (it sets up INN and public-inbox), skipped" >&2
fi
