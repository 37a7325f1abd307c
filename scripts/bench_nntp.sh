#!/bin/bash
# NNTP part of `make bench` (issue #3, "Performance"): forumgate nntpd against
# INN 2.7 (nnrpd) and public-inbox-nntpd 1.9, measured in the same run on the
# same machine with the shared harness in ../shared/bench (read-only; the load
# generator is compiled into the work folder).
#
# One run does:
#   1. corpus: gen_corpus.py, 8 groups x 2500 = 20,000 articles
#   2. peers: run-anchors.sh ONLY_START=1 installs, configures and loads INN
#      (127.0.0.1:11119) and public-inbox (127.0.0.1:11120) and leaves them
#      running. It always starts from scratch, so it only runs when the peers
#      are not loaded with this corpus yet: a stamp (hash of the harness
#      scripts that define corpus and setup) in the public-inbox folder and in
#      /var/lib/news marks a finished load, and the group counts are checked
#      after a cached start. Otherwise the peers are just started.
#   3. forumgate: `forumgate import rnews.batch` into a fresh store, then
#      `forumgate nntpd` on 127.0.0.1:11121, plain, 2 workers, connection
#      limits raised for the load generator
#   4. verify.py: same counts and number->Message-ID maps on all three
#      (a difference is printed and reported, the bench goes on)
#   5. measure.sh matrix (nntpload, --server-pids) against all three, default
#      client; INN again with --quickack (it is credited with its better
#      figure); interleaved by connection count, with the machine's load noted
#   6. 10,000 idle connections to forumgate (bench_nntp_idle.py): its VmRSS
#   7. fullpull.py --mode nntplib of all 20,000 articles from forumgate and
#      public-inbox (INN's takes ~15 min: BENCH_INN_LOCKSTEP=1), and the
#      pipelined pull (depth 32) from all three
#   8. the report (bench_nntp_report.py): tables, ratios, issue targets
# All three servers are stopped on exit (trap), whatever happened.
#
# Must run as root (apt-get, innd as user news, reading the servers' /proc).
# env: BENCH_RUNS=1 BENCH_SECONDS=10 BENCH_CONNS="1 16 128 512"
#      BENCH_IDLE_CONNS=10000 BENCH_INN_LOCKSTEP=0 BENCH_PIPELINE=1
#      BENCH_PROFILE=0 (1: perf profile of forumgate under 128 connections,
#      results/perf.txt)
#      BENCH_NNTP_DIR=${TMPDIR:-/tmp}/fg-nntp-bench (work folder, kept as cache)
#      BENCH_HARNESS=../shared/bench  FORUMGATE=./forumgate  BENCH_FG_PORT=11121
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$(cd "${BENCH_HARNESS:-$ROOT/../shared/bench}" && pwd)
WORK=${BENCH_NNTP_DIR:-${TMPDIR:-/tmp}/fg-nntp-bench}
PI=$WORK/pi
CORPUS=$PI/corpus
RES=$WORK/results
FORUMGATE=${FORUMGATE:-$ROOT/forumgate}
INN_PORT=11119
PI_PORT=11120
FG_PORT=${BENCH_FG_PORT:-11121}
NEWS=/usr/lib/news/bin
RUNS=${BENCH_RUNS:-1}
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNS:-"1 16 128 512"}
IDLE_CONNS=${BENCH_IDLE_CONNS:-10000}
FG=forumgate
INN=inn2.7
PUBI=public-inbox1.9
export PI_CONFIG=$PI/config
log() { echo "== $(date +%T) bench-nntp: $*" >&2; }

if [ "$(id -u)" != 0 ]; then
	echo "bench_nntp.sh: must run as root (installs INN/public-inbox, runs innd as news)" >&2
	exit 1
fi
[ -x "$FORUMGATE" ] || { echo "bench_nntp.sh: $FORUMGATE not built" >&2; exit 1; }

# ------------------------------------------------------------ server control
FG_PID=""
stop_fg() {
	if [ -n "$FG_PID" ] && kill -0 "$FG_PID" 2>/dev/null; then
		log "stopping forumgate nntpd $FG_PID"
		kill "$FG_PID"
		for _ in $(seq 50); do kill -0 "$FG_PID" 2>/dev/null || break; sleep 0.2; done
		kill -9 "$FG_PID" 2>/dev/null || true
		wait "$FG_PID" 2>/dev/null || true
	fi
	FG_PID=""
}

# the same steps as stop_servers in run-anchors.sh
stop_peers() {
	if [ -s /run/news/innd.pid ] && kill -0 "$(cat /run/news/innd.pid)" 2>/dev/null; then
		log "stopping innd $(cat /run/news/innd.pid)"
		su news -s /bin/sh -c "$NEWS/ctlinnd shutdown bench" >/dev/null ||
			kill "$(cat /run/news/innd.pid)"
		for _ in $(seq 50); do
			[ -s /run/news/innd.pid ] && kill -0 "$(cat /run/news/innd.pid)" 2>/dev/null || break
			sleep 0.2
		done
	fi
	if [ -s "$PI/nntpd.pid" ] && kill -0 "$(cat "$PI/nntpd.pid")" 2>/dev/null; then
		log "stopping public-inbox-nntpd $(cat "$PI/nntpd.pid")"
		kill "$(cat "$PI/nntpd.pid")"
		for _ in $(seq 50); do kill -0 "$(cat "$PI/nntpd.pid")" 2>/dev/null || break; sleep 0.2; done
		rm -f "$PI/nntpd.pid"
	fi
}

cleanup() {
	rc=$?
	trap - EXIT INT TERM
	stop_fg
	stop_peers
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_port() { # port
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.2
	done
	echo "bench_nntp.sh: nothing listens on 127.0.0.1:$1" >&2
	return 1
}

# GROUP count of every group in counts.txt, as LISTGROUP sees it
counts_ok() { # port
	python3 - "$1" "$CORPUS/counts.txt" <<'EOF'
import socket, sys
port, counts = int(sys.argv[1]), sys.argv[2]
f = socket.create_connection(("127.0.0.1", port), timeout=30).makefile("rwb")
f.readline()
def cmd(c):
    f.write(c.encode() + b"\r\n"); f.flush()
    return f.readline().decode()
cmd("MODE READER")
for line in open(counts):
    g, n = line.split()
    if not cmd("LISTGROUP " + g).startswith("211"):
        sys.exit(1)
    got = 0
    while f.readline() != b".\r\n":
        got += 1
    if got != int(n):
        sys.exit(1)
cmd("QUIT")
EOF
}

# ------------------------------------------------------------ 1+2. corpus, peers
STAMP=$(cat "$BENCH/run-anchors.sh" "$BENCH/gen_corpus.py" "$BENCH/pi_import.pl" | sha256sum | cut -c1-16)
installed() {
	[ -x "$NEWS/innd" ] && command -v public-inbox-nntpd >/dev/null &&
		dpkg -s inn2 2>/dev/null | grep -q 'Status: install ok installed'
}

start_cached_peers() {
	installed || return 1
	[ "$(cat "$PI/.fg-bench-stamp" 2>/dev/null)" = "$STAMP" ] || return 1
	[ "$(cat /var/lib/news/.fg-bench-stamp 2>/dev/null)" = "$STAMP" ] || return 1
	[ -s "$CORPUS/groups.txt" ] && [ -s "$CORPUS/rnews.batch" ] || return 1
	stop_peers
	log "peers already loaded with this corpus: starting them"
	su news -s /bin/sh -c "$NEWS/innd" || return 1
	for _ in $(seq 50); do
		[ -S /run/news/control ] && $NEWS/ctlinnd -t 2 mode >/dev/null 2>&1 && break
		sleep 0.2
	done
	setsid public-inbox-nntpd -W2 -l "nntp://127.0.0.1:$PI_PORT" -1 "$PI/nntpd.out" -2 "$PI/nntpd.err" \
		</dev/null >/dev/null 2>&1 &
	echo $! >"$PI/nntpd.pid"
	wait_port $INN_PORT && wait_port $PI_PORT || return 1
	counts_ok $INN_PORT && counts_ok $PI_PORT || { log "cached peers have other counts"; return 1; }
}

mkdir -p "$WORK"
# run a private copy: others may rebuild ./forumgate while the bench runs, and
# perf needs the binary the process was started from to name its functions
cp "$FORUMGATE" "$WORK/forumgate.bin"
FORUMGATE=$WORK/forumgate.bin
if ! start_cached_peers; then
	stop_peers
	rm -f /var/lib/news/.fg-bench-stamp
	log "loading INN and public-inbox from scratch (run-anchors.sh ONLY_START=1; a few minutes)"
	skip=""
	installed && skip=1
	(cd "$WORK" && PI_DIR="$PI" SKIP_INSTALL=$skip ONLY_START=1 bash "$BENCH/run-anchors.sh")
	[ -n "$skip" ] || installed || { echo "bench_nntp.sh: INN/public-inbox install failed" >&2; exit 1; }
	echo "$STAMP" >"$PI/.fg-bench-stamp"
	echo "$STAMP" >/var/lib/news/.fg-bench-stamp
fi
INN_PID=$(cat /run/news/innd.pid)
PI_PID=$(cat "$PI/nntpd.pid")
GROUPS_CSV=$(cat "$CORPUS/groups.txt")
NARTICLES=$(awk '{ n += $2 } END { print n }' "$CORPUS/counts.txt")
rm -rf "$RES"
mkdir -p "$RES"

# ------------------------------------------------------------ 3. forumgate
# the daemon and the idle client each hold IDLE_CONNS sockets
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((IDLE_CONNS + 64)) ]; then
	log "warning: open-file limit $(ulimit -n) is below $IDLE_CONNS idle connections + 64"
fi
STORE=$WORK/forumgate.db
rm -f "$STORE" "$STORE-wal" "$STORE-shm"
FGOPTS=(-c "$ROOT/config/demo.yaml" -o "gateway.store=$STORE")
log "forumgate import $CORPUS/rnews.batch"
t0=$(date +%s.%N)
if ! (cd "$ROOT" && "$FORUMGATE" "${FGOPTS[@]}" import "$CORPUS/rnews.batch") >"$RES/import.log" 2>&1; then
	cat "$RES/import.log" >&2
	echo "bench_nntp.sh: forumgate import of the rnews batch failed" >&2
	exit 1
fi
t1=$(date +%s.%N)
cat "$RES/import.log" >&2
python3 -c "import os,sys; dt=float(sys.argv[2])-float(sys.argv[1]); n=int(sys.argv[3]);
print('articles=%d seconds=%.2f articles_s=%.0f store_mb=%.1f' % (n, dt, n/dt, os.path.getsize(sys.argv[4])/1e6))" \
	"$t0" "$t1" "$NARTICLES" "$STORE" >"$RES/import.txt"

log "forumgate nntpd on 127.0.0.1:$FG_PORT"
(cd "$ROOT" && exec "$FORUMGATE" "${FGOPTS[@]}" -o "nntp.listen=127.0.0.1:$FG_PORT" -o nntp.tls= \
	-o nntp.workers=2 -o nntp.max_connections=20000 -o nntp.max_per_address=1000000 \
	nntpd) </dev/null >"$RES/forumgate-nntpd.log" 2>&1 &
FG_PID=$!
wait_port "$FG_PORT"

# ------------------------------------------------------------ 4. verify
log "verify counts and number->Message-ID maps"
if python3 "$BENCH/verify.py" --groups "$GROUPS_CSV" 127.0.0.1:$INN_PORT 127.0.0.1:$PI_PORT \
	127.0.0.1:"$FG_PORT" >"$RES/verify.txt" 2>&1; then
	echo "verify: all three servers hold identical number->Message-ID maps" | tee -a "$RES/verify.txt"
else
	cat "$RES/verify.txt"
	echo "verify: DIFFERENCES (details below); the bench goes on" | tee -a "$RES/verify.txt"
	python3 "$ROOT/scripts/bench_nntp_diff.py" --groups "$GROUPS_CSV" 127.0.0.1:$INN_PORT \
		127.0.0.1:"$FG_PORT" 2>&1 | tee -a "$RES/verify.txt" || true
fi

# ------------------------------------------------------------ 5. matrix
export NNTPLOAD=$WORK/nntpload
cc -std=c11 -O2 -o "$NNTPLOAD" "$BENCH/nntpload.c" -lpthread
export CONNS RUNS SECONDS_PER_RUN=$SECS
# the figures are only comparable if nothing else eats the cores: note what
# else ran (load average and the busiest processes of the last second)
machine() { # what
	{
		echo "$1: loadavg $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs; busiest processes:"
		top -b -n 2 -d 1 -w 200 | awk '/^ *PID/ { n++; next } n == 2 && NF >= 12 && $9 + 0 >= 5 \
			{ printf "  %5s%% %s\n", $9, $12 }' | head -6
	} >>"$RES/machine.txt" 2>/dev/null || true
}
# waits (at most 30 s) until the cores are at least 85% idle over half a
# second, so that no server is measured while the previous one, or its
# children, still work off the load of its run
quiet() {
	python3 -c '
import time
def idle():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[3] + v[4], sum(v)
for _ in range(60):
    i0, t0 = idle()
    time.sleep(0.5)
    i1, t1 = idle()
    if t1 > t0 and (i1 - i0) / (t1 - t0) >= 0.85:
        break
'
}
log "matrix: conns $CONNS, $RUNS x ${SECS}s per point"
# interleaved by connection count (forumgate, INN, INN --quickack,
# public-inbox at 1, then all at 16, ...) so that a change in the machine's
# load hits the three servers alike; each gets one warm-up before its first
warm_fg=5 warm_inn=5 warm_pi=5
for c in $CONNS; do
	machine "before $c connections"
	quiet
	CONNS=$c WARMUP=$warm_fg "$BENCH/measure.sh" $FG 127.0.0.1 "$FG_PORT" "$GROUPS_CSV" \
		"$RES/matrix.txt" "$FG_PID"
	quiet
	CONNS=$c WARMUP=$warm_inn "$BENCH/measure.sh" $INN 127.0.0.1 $INN_PORT "$GROUPS_CSV" \
		"$RES/matrix.txt" "$INN_PID"
	quiet
	CONNS=$c WARMUP=0 EXTRA=--quickack "$BENCH/measure.sh" $INN 127.0.0.1 $INN_PORT "$GROUPS_CSV" \
		"$RES/matrix-quickack.txt" "$INN_PID"
	quiet
	CONNS=$c WARMUP=$warm_pi "$BENCH/measure.sh" $PUBI 127.0.0.1 $PI_PORT "$GROUPS_CSV" \
		"$RES/matrix.txt" "$PI_PID"
	warm_fg=0 warm_inn=0 warm_pi=0
done
machine "after the matrix"

# where forumgate's time goes: DWARF call graphs (sqlite and libevent have no
# frame pointers), so a short window; inclusive shares per function
if [ "${BENCH_PROFILE:-0}" = 1 ] && command -v perf >/dev/null; then
	log "perf: forumgate under 128 connections"
	"$NNTPLOAD" --host 127.0.0.1 --port "$FG_PORT" --groups "$GROUPS_CSV" --conns 128 \
		--seconds 8 --label perf >/dev/null &
	lpid=$!
	sleep 2
	perf record -q --call-graph dwarf,16384 -p "$FG_PID" -o "$RES/perf.data" -- sleep 4 \
		>/dev/null 2>&1 || true
	wait $lpid || true
	{
		echo "perf: forumgate nntpd, 128 connections, 4 s; inclusive (children) share per function"
		perf report -i "$RES/perf.data" --children --stdio --sort sym -g none --percent-limit 2 \
			2>/dev/null | grep -E '^ +[0-9]' | grep -v -e '\[k\]' -e '\] 0x0000' | head -45
	} >"$RES/perf.txt" || true
	rm -f "$RES/perf.data"
fi

# ------------------------------------------------------------ 6. idle connections
sleep 2
log "$IDLE_CONNS idle connections to forumgate"
python3 "$ROOT/scripts/bench_nntp_idle.py" --port "$FG_PORT" --pid "$FG_PID" --conns "$IDLE_CONNS" \
	--label $FG | tee "$RES/idle.txt" || true

# ------------------------------------------------------------ 7. full pulls
log "full pulls (one connection, all $NARTICLES articles)"
pull() { # label port mode
	python3 "$BENCH/fullpull.py" --label "$1" --port "$2" --groups "$GROUPS_CSV" --mode "$3" |
		tee -a "$RES/fullpull.txt" || echo "fullpull $1 $3 failed" >&2
}
pull $FG "$FG_PORT" nntplib
pull $PUBI $PI_PORT nntplib
if [ "${BENCH_INN_LOCKSTEP:-0}" = 1 ]; then pull $INN $INN_PORT nntplib; fi
if [ "${BENCH_PIPELINE:-1}" = 1 ]; then
	pull $FG "$FG_PORT" pipeline
	pull $PUBI $PI_PORT pipeline
	pull $INN $INN_PORT pipeline
fi
ps -o rss=,nlwp= -p "$FG_PID" | awk '{ printf "forumgate nntpd after the bench: VmRSS %.1f MB, %d threads\n", $1/1024, $2 }' |
	tee "$RES/fg-after.txt"

# ------------------------------------------------------------ 8. stop, report
stop_fg
stop_peers
log "report ($RES/summary.md)"
python3 "$ROOT/scripts/bench_nntp_report.py" "$RES" "$BENCH/summarize.py" \
	--fg $FG --inn $INN --pi $PUBI --anchors "$BENCH/anchors/summary.md" >"$RES/summary.md"
grep -h 'identical\|DIFFERENCES' "$RES/verify.txt" | tail -3 >>"$RES/summary.md" || true
cat "$RES/summary.md"
