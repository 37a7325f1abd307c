#!/usr/bin/env python3
"""Idle-connection memory probe for `make bench` (scripts/bench_nntp.sh).

Opens N plain NNTP connections to a server, reads every greeting (so each
connection is known to be accepted, not parked in the listen backlog),
keeps them all open and idle, and samples VmRSS (and, summed over the
process and its children, Pss) of the server process. Then it checks that
a handful of the idle connections still answer (DATE -> 111), closes all,
and prints one key=value line:

  label=... conns=N opened=N greeted=N refused=N rss_before_mb=...
  rss_idle_mb=... pss_idle_mb=... kib_per_conn=... alive_checked=K alive_ok=K
  seconds_open=...

Design: one thread, non-blocking connects in batches (so the server's
accept backlog never overflows), selectors for the greetings. When one
source address runs short of ephemeral ports, or the server limits
connections per address, it moves on to 127.0.0.2, 127.0.0.3, ...
(--per-source). RLIMIT_NOFILE is raised to N + 256 (needs root above the
hard limit)."""
import argparse
import errno
import os
import resource
import selectors
import socket
import sys
import time


def read_status_kb(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_tree_kb(pid):
    """Pss of pid and its direct children (forumgate nntpd is one process)."""
    pids = [pid]
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                pids += [int(x) for x in f.read().split()]
    except OSError:
        pass
    total = 0
    for p in set(pids):
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = n + 256
    if soft >= want:
        return
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def open_batch(host, port, src, count):
    """Start count non-blocking connects from source address src."""
    socks = []
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.bind((src, 0))
            s.connect_ex((host, port))
        except OSError as e:
            s.close()
            if e.errno in (errno.EADDRINUSE, errno.EADDRNOTAVAIL):
                break
            raise
        socks.append(s)
    return socks


def greet(socks, timeout):
    """Wait for every socket's greeting line; return (greeted, refused, dead)."""
    sel = selectors.DefaultSelector()
    pending = {}
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
        pending[s] = b""
    greeted, refused, dead = [], [], []
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.5):
            s = key.fileobj
            try:
                data = s.recv(512)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data:
                sel.unregister(s)
                del pending[s]
                dead.append(s)
                continue
            pending[s] += data
            if b"\n" in pending[s]:
                sel.unregister(s)
                line = pending.pop(s)
                (greeted if line[:1] == b"2" else refused).append(s)
    for s in pending:
        sel.unregister(s)
        dead.append(s)
    sel.close()
    return greeted, refused, dead


def alive(s):
    """DATE on an idle connection must still give 111."""
    try:
        s.setblocking(True)
        s.settimeout(5)
        s.sendall(b"DATE\r\n")
        return s.recv(512).startswith(b"111")
    except OSError:
        return False


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True, help="server process to sample")
    ap.add_argument("--conns", type=int, default=10000)
    ap.add_argument("--batch", type=int, default=250)
    ap.add_argument("--per-source", type=int, default=5000,
                    help="connections per source address 127.0.0.X before moving on")
    ap.add_argument("--hold", type=float, default=3.0, help="seconds to hold them idle")
    ap.add_argument("--label", default="forumgate")
    a = ap.parse_args()

    raise_nofile(a.conns)
    rss_before = read_status_kb(a.pid, "VmRSS:")
    t0 = time.monotonic()
    conns, refused_n, dead_n = [], 0, 0
    src_idx, on_src = 1, 0
    used = set()
    while len(conns) < a.conns and src_idx < 255:
        src = f"127.0.0.{src_idx}"
        want = min(a.batch, a.conns - len(conns), a.per_source - on_src)
        socks = open_batch(a.host, a.port, src, want)
        greeted, refused, dead = greet(socks, 30)
        conns += greeted
        if greeted:
            used.add(src)
        on_src += len(greeted)
        refused_n += len(refused)
        dead_n += len(dead)
        for s in refused + dead:
            s.close()
        if len(socks) < want or refused or dead or on_src >= a.per_source:
            # this source is out of ports or over the server's per-address
            # limit: continue from the next loopback address
            src_idx += 1
            on_src = 0
            if refused_n + dead_n > a.conns:
                break
    opened_s = time.monotonic() - t0
    time.sleep(a.hold)
    rss_idle = max(read_status_kb(a.pid, "VmRSS:"), 0)
    pss_idle = pss_tree_kb(a.pid)
    check = conns[:5] + conns[-5:] if len(conns) >= 10 else conns
    ok = sum(alive(s) for s in check)
    for s in conns:
        s.close()
    per = (rss_idle - rss_before) / len(conns) if conns else 0
    print("label=%s conns=%d greeted=%d refused=%d dead=%d sources=%d rss_before_mb=%.1f "
          "rss_idle_mb=%.1f pss_idle_mb=%.1f kib_per_conn=%.1f alive_checked=%d alive_ok=%d "
          "seconds_open=%.2f"
          % (a.label, a.conns, len(conns), refused_n, dead_n, len(used), rss_before / 1024,
             rss_idle / 1024, pss_idle / 1024, per, len(check), ok, opened_s))
    return 0 if len(conns) == a.conns and ok == len(check) else 1


if __name__ == "__main__":
    sys.exit(main())
