#!/usr/bin/env python3
"""LMTP ingest benchmark (issue #4): messages/s through `forumgate mailin`
from 1 and from 8 concurrent LMTP sessions, messages of 2-20 KB that carry
quoted text and a signature for the trimmer, on a store with 100,000 posts.

The synthetic forum (scripts/gen_forum.py) and its imported store are cached
in a work folder ($BENCH_DIR, default /var/tmp/forumgate-bench-lmtp) because
the import takes a while; the store is imported again when the binary
changes. Each run copies that store, so every run starts from the same
100k-post store with an empty outbox. A message counts when its 250 arrives
(mailin sends it only after the commit). Clients pipeline MAIL/RCPT/DATA as
an MTA does. Everything runs on 127.0.0.1.

usage: bench_lmtp.py [--posts 100000] [--messages 3000] [--sessions 1,8]
environment: FORUMGATE (binary, default ./forumgate), BENCH_DIR"""
import argparse
import hashlib
import os
import random
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
DEMO = os.path.join(ROOT, "config", "demo.yaml")
FORUMGATE = os.environ.get("FORUMGATE", os.path.join(ROOT, "forumgate"))
GROUP = "demo.general@reply.forumgate.example"
ALICE = "alice@example.org"
TARGET = 1000  # msgs/s with 8 sessions

WORDS = ("forum thread reply quote gateway news reader article message board member "
         "posting server client question answer thanks idea problem solution config "
         "install update version release night train Zürich über café test").split()


def para(rng, n):
    out = []
    size = 0
    while size < n:
        s = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 16)))
        s = s[0].upper() + s[1:] + ". "
        out.append(s)
        size += len(s)
    text = "".join(out).strip()
    # wrap at ~72 columns like a mail client
    lines, line = [], ""
    for w in text.split(" "):
        if line and len(line) + 1 + len(w) > 72:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    lines.append(line)
    return "\n".join(lines)


def message(rng, i, parents):
    """One reply of 2-20 KB: own text (~25%), an attribution, quoted text, a
    signature. 70% answer an existing article, 30% start a thread."""
    size = rng.randint(2100, 19700)  # + ~320 bytes of header: 2-20 KB
    own = para(rng, max(200, size // 4))
    quoted = "\n".join("> " + l for l in para(rng, size - len(own) - 600).split("\n"))
    body = (f"{own}\n\nOn Tue, 5 Nov 2024 at 18:{i % 60:02d}, Someone <someone@example.net> "
            f"wrote:\n{quoted}\n\n-- \nAlice Example\nhttps://alice.example.org/\n")
    mid = f"<bench-{i}-{rng.getrandbits(48):x}@mail.example.org>"
    h = [f"From: Alice Example <{ALICE}>", f"To: {GROUP}", f"Subject: Re: benchmark {i}",
         "Date: Tue, 05 Nov 2024 19:00:00 +0100", f"Message-ID: {mid}", "MIME-Version: 1.0",
         "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"]
    if parents and rng.random() < 0.7:
        p = rng.choice(parents)
        h += [f"In-Reply-To: {p}", f"References: {p}"]
    raw = ("\r\n".join(h) + "\r\n\r\n" + body.replace("\n", "\r\n")).encode()
    wire = b"\r\n".join(b"." + l if l.startswith(b".") else l for l in raw.split(b"\r\n"))
    if not wire.endswith(b"\r\n"):
        wire += b"\r\n"
    return mid, wire + b".\r\n"


def run(cmd, **kw):
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, **kw)
    if p.returncode != 0:
        sys.stderr.write(f"{' '.join(cmd)} exited {p.returncode}\n{p.stderr.decode()}\n")
        sys.exit(1)
    return p


def base_store(work, posts):
    """The cached spool and imported store; re-imported when the binary changed."""
    os.makedirs(work, exist_ok=True)
    spool = os.path.join(work, f"spool-{posts}")
    if not os.path.isdir(spool):
        print(f"generating {posts} posts in {spool} ...", flush=True)
        tmp = spool + ".tmp"
        shutil.rmtree(tmp, True)
        run([sys.executable, os.path.join(ROOT, "scripts", "gen_forum.py"), tmp,
             "--posts", str(posts)])
        os.rename(tmp, spool)
    with open(FORUMGATE, "rb") as f:
        stamp = hashlib.sha256(f.read()).hexdigest()
    store = os.path.join(work, f"base-{posts}.db")
    stampf = store + ".stamp"
    if os.path.exists(store) and os.path.exists(stampf) and open(stampf).read() == stamp:
        return store
    for s in ("", "-wal", "-shm", ".stamp"):
        if os.path.exists(store + s):
            os.remove(store + s)
    print(f"importing {posts} posts into {store} ...", flush=True)
    t0 = time.monotonic()
    run([FORUMGATE, "-c", DEMO, "-o", f"gateway.store={store}", "-o",
         f"forums.demo.spool.path={spool}", "import", spool])
    db = sqlite3.connect(store)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    print(f"imported in {time.monotonic() - t0:.0f} s", flush=True)
    with open(stampf, "w") as f:
        f.write(stamp)
    return store


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_reply(rf):
    while True:
        line = rf.readline()
        if not line:
            raise ConnectionError("closed")
        if line[3:4] != b"-":
            return int(line[:3]), line


def session(port, msgs, lat, errors):
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    rf = s.makefile("rb")
    try:
        read_reply(rf)
        s.sendall(b"LHLO bench.example\r\n")
        read_reply(rf)
        cmds = f"MAIL FROM:<{ALICE}>\r\nRCPT TO:<{GROUP}>\r\nDATA\r\n".encode()
        for mid, wire in msgs:
            t0 = time.monotonic()
            s.sendall(cmds)
            codes = [read_reply(rf)[0] for _ in range(3)]
            if codes != [250, 250, 354]:
                errors.append((mid, codes))
                s.sendall(b"RSET\r\n")
                read_reply(rf)
                continue
            s.sendall(wire)
            code, line = read_reply(rf)
            if code != 250:
                errors.append((mid, line))
            lat.append(time.monotonic() - t0)
        s.sendall(b"QUIT\r\n")
        read_reply(rf)
    finally:
        rf.close()
        s.close()


def bench(work, base, nsess, msgs):
    d = os.path.join(work, f"run-{nsess}")
    shutil.rmtree(d, True)
    os.makedirs(d)
    store = os.path.join(d, "store.db")
    shutil.copyfile(base, store)
    ov = ["-o", f"gateway.store={store}"]
    run([FORUMGATE, "-c", DEMO, *ov, "user", "add", "alice", "--password", "x", "--address",
         ALICE])
    port = free_port()
    log = open(os.path.join(d, "mailin.log"), "wb")
    p = subprocess.Popen([FORUMGATE, "-c", DEMO, *ov, "-o",
                          f"mail.lmtp.listen=127.0.0.1:{port}", "mailin"], cwd=ROOT,
                         stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    try:
        end = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if p.poll() is not None or time.monotonic() > end:
                    sys.exit(f"mailin did not start (see {log.name})")
                time.sleep(0.05)
        lat, errors = [], []
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu0 = ru.ru_utime + ru.ru_stime
        me = resource.getrusage(resource.RUSAGE_SELF)
        me0 = me.ru_utime + me.ru_stime
        parts = [msgs[i::nsess] for i in range(nsess)]
        threads = [threading.Thread(target=session, args=(port, part, lat, errors))
                   for part in parts]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        dt = time.monotonic() - t0
        me = resource.getrusage(resource.RUSAGE_SELF)
        client = me.ru_utime + me.ru_stime - me0
    finally:
        p.terminate()
        p.wait(30)
        log.close()
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = ru.ru_utime + ru.ru_stime - cpu0
    db = sqlite3.connect(store)
    rows = db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
    db.close()
    if errors:
        print(f"  {len(errors)} messages refused, e.g. {errors[0]}")
    lat.sort()
    nbytes = sum(len(w) for _, w in msgs)
    return {"sessions": nsess, "messages": len(msgs), "rows": rows, "seconds": dt,
            "rate": len(lat) / dt, "mbs": nbytes / 1e6 / dt,
            "cpu": cpu, "client": client, "p50": lat[len(lat) // 2] * 1000 if lat else 0,
            "p99": lat[int(len(lat) * 0.99)] * 1000 if lat else 0}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=int(os.environ.get("BENCH_POSTS", "100000")))
    ap.add_argument("--messages", type=int, default=3000)
    ap.add_argument("--sessions", default="1,8")
    a = ap.parse_args()
    work = os.environ.get("BENCH_DIR") or "/var/tmp/forumgate-bench-lmtp"
    base = base_store(work, a.posts)
    db = sqlite3.connect(base)
    # articles of the postable groups (replies into demo.announce are refused)
    parents = [r[0] for r in db.execute(
        "SELECT a.message_id FROM numbering n JOIN articles a ON a.id = n.article_id "
        "JOIN groups g ON g.id = n.group_id WHERE g.name IN ('demo.general', 'demo.news') "
        "ORDER BY a.id LIMIT 5000")]
    db.close()
    rng = random.Random(2033)
    msgs = [message(rng, i, parents) for i in range(a.messages)]
    sizes = sorted(len(w) for _, w in msgs)
    print(f"lmtp: store with {a.posts} posts; {len(msgs)} messages, "
          f"{sizes[0] / 1024:.1f}-{sizes[-1] / 1024:.1f} KB (median {sizes[len(sizes) // 2] / 1024:.1f} KB)")
    print(f"{'sessions':>8} {'messages':>8} {'queued':>7} {'seconds':>8} {'msgs/s':>8} "
          f"{'MB/s':>6} {'p50 ms':>7} {'p99 ms':>7} {'mailin CPU s':>12} {'client CPU s':>12}")
    results = []
    for n in (int(x) for x in a.sessions.split(",")):
        r = bench(work, base, n, msgs)
        results.append(r)
        print(f"{r['sessions']:>8} {r['messages']:>8} {r['rows']:>7} {r['seconds']:>8.2f} "
              f"{r['rate']:>8.0f} {r['mbs']:>6.1f} {r['p50']:>7.2f} {r['p99']:>7.2f} {r['cpu']:>12.2f} "
              f"{r['client']:>12.2f}", flush=True)
    eight = [r for r in results if r["sessions"] == 8]
    if eight:
        ok = eight[0]["rate"] >= TARGET
        print(f"lmtp: 8 sessions {eight[0]['rate']:.0f} msgs/s, target >= {TARGET}: "
              f"{'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
