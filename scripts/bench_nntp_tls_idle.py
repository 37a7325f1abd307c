#!/usr/bin/env python3
"""Idle TLS connections and what the server keeps after them.

Floods the implicit-TLS (NNTPS) port of a running nntpd with N connections,
holds them idle, closes them all, waits, and does that --rounds times,
sampling the server's VmRSS at each step. Prints one key=value line per
round:

  label=... round=R conns=N opened=N rss_before_mb=... rss_idle_mb=...
  kib_per_conn=... rss_after_close_mb=... seconds_open=...

--handshake completes each TLS handshake and reads the greeting (a reader
that connected and went quiet); without it the connections never start a
handshake (what a flood or a port scanner leaves), and --expect-drop S
then checks that the server has closed them all within S seconds (its
nntp.handshake_timeout).

The server must admit N connections from loopback: run it with
-o nntp.max_connections=N+100 -o nntp.max_per_address=N+100. Source
addresses 127.0.0.1, .2, ... are used in turn (--per-source) so one address
never runs short of ephemeral ports."""
import argparse
import os
import selectors
import socket
import ssl
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_nntp_idle import raise_nofile, read_status_kb  # noqa: E402


def connect_all(host, port, n, per_source, batch):
    socks, src_idx, on_src = [], 1, 0
    while len(socks) < n:
        want = min(batch, n - len(socks))
        pending = []
        for _ in range(want):
            if on_src >= per_source:
                src_idx, on_src = src_idx + 1, 0
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.bind((f"127.0.0.{src_idx}", 0))
            s.connect_ex((host, port))
            on_src += 1
            pending.append(s)
        sel = selectors.DefaultSelector()
        for s in pending:
            sel.register(s, selectors.EVENT_WRITE)
        left, end = len(pending), time.monotonic() + 30
        while left and time.monotonic() < end:
            for key, _ in sel.select(timeout=0.5):
                sel.unregister(key.fileobj)
                left -= 1
        sel.close()
        socks += pending
    return socks


def handshake_all(socks, ctx, timeout=120):
    """Drives every TLS handshake and reads every greeting; returns the
    TLS sockets that got a 2xx greeting."""
    sel = selectors.DefaultSelector()
    state = {}
    for s in socks:
        t = ctx.wrap_socket(s, server_hostname="localhost", do_handshake_on_connect=False)
        state[t] = "hs"
        sel.register(t, selectors.EVENT_READ | selectors.EVENT_WRITE)
    ok, end = [], time.monotonic() + timeout
    while state and time.monotonic() < end:
        for key, _ in sel.select(timeout=0.5):
            t = key.fileobj
            try:
                if state[t] == "hs":
                    t.do_handshake()
                    state[t] = "greet"
                    sel.modify(t, selectors.EVENT_READ)
                    continue
                line = t.recv(512)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                continue
            except OSError:
                line = b""
            sel.unregister(t)
            del state[t]
            if line[:1] == b"2":
                ok.append(t)
            else:
                t.close()
    for t in state:
        sel.unregister(t)
        t.close()
    sel.close()
    return ok


def all_dropped(socks, seconds):
    """True when the server has closed every socket within seconds."""
    end = time.monotonic() + seconds
    left = list(socks)
    while left and time.monotonic() < end:
        still = []
        for s in left:
            try:
                if s.recv(1) == b"":
                    continue
            except BlockingIOError:
                still.append(s)
                continue
            except OSError:
                continue
        left = still
        if left:
            time.sleep(0.2)
    return not left


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True, help="the implicit-TLS listener")
    ap.add_argument("--pid", type=int, required=True, help="server process to sample")
    ap.add_argument("--conns", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--handshake", action="store_true")
    ap.add_argument("--expect-drop", type=float, default=0,
                    help="without --handshake: seconds within which all must be closed")
    ap.add_argument("--batch", type=int, default=250)
    ap.add_argument("--per-source", type=int, default=5000)
    ap.add_argument("--hold", type=float, default=2.0)
    ap.add_argument("--settle", type=float, default=5.0,
                    help="seconds after closing before RSS is read again")
    ap.add_argument("--label", default="forumgate")
    a = ap.parse_args()
    raise_nofile(a.conns)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    rc = 0
    for r in range(1, a.rounds + 1):
        before = read_status_kb(a.pid, "VmRSS:")
        t0 = time.monotonic()
        socks = connect_all(a.host, a.port, a.conns, a.per_source, a.batch)
        if a.handshake:
            socks = handshake_all(socks, ctx)
        opened = time.monotonic() - t0
        time.sleep(a.hold)
        idle = read_status_kb(a.pid, "VmRSS:")
        dropped = ""
        if a.expect_drop and not a.handshake:
            ok = all_dropped(socks, a.expect_drop)
            dropped = " dropped_within_%gs=%s" % (a.expect_drop, "yes" if ok else "no")
            rc |= 0 if ok else 1
        for s in socks:
            s.close()
        time.sleep(a.settle)
        after = read_status_kb(a.pid, "VmRSS:")
        per = (idle - before) / len(socks) if socks else 0
        print("label=%s round=%d handshake=%s conns=%d opened=%d rss_before_mb=%.1f "
              "rss_idle_mb=%.1f kib_per_conn=%.1f rss_after_close_mb=%.1f seconds_open=%.1f%s"
              % (a.label, r, "yes" if a.handshake else "no", a.conns, len(socks), before / 1024,
                 idle / 1024, per, after / 1024, opened, dropped), flush=True)
        rc |= 0 if len(socks) == a.conns else 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
