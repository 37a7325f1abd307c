#!/usr/bin/env python3
"""List delivery benchmark (issue #14): one new post to a group with 10,000
`each` subscribers, delivered by `forumgate listd` to a local SMTP sink
(tests/integration/smtpsink.py, stdlib, PIPELINING advertised, counting
only). Figures: deliveries/s from the first message the sink accepted to
the last, the whole time from the import of the post (fan-out included),
SMTP connections used, and listd's peak RSS (VmHWM, read while it runs).
Targets: >= 1,000 messages/s, peak RSS < 64 MiB. Then the daily digest:
the same 10,000 addresses switched to daily digests, a day of 20 posts,
the digest made due: the time until all 10,000 digests reached the sink.

The 10,000 subscriptions are written straight into the store's table
(10,000 `forumgate subscribe` runs would measure process start-up); the
post comes the production way, a spool thread imported.

usage: bench_listd.py [--subscribers 10000] [--no-pipelining] [--latency MS]
environment: FORUMGATE (binary, default ./forumgate)"""
import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from smtpsink import SMTPSink  # noqa: E402

DEMO = os.path.join(ROOT, "config", "demo.yaml")
FORUMGATE = os.environ.get("FORUMGATE", os.path.join(ROOT, "forumgate"))
TARGET_RATE = 1000
TARGET_RSS_MIB = 64


def hwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--subscribers", type=int, default=10000)
    ap.add_argument("--no-pipelining", action="store_true",
                    help="a sink without PIPELINING: one round trip per command")
    ap.add_argument("--latency", type=float, default=0.0,
                    help="milliseconds the sink waits before each batch of replies (a "
                         "network's round trip)")
    args = ap.parse_args()
    n = args.subscribers
    work = tempfile.mkdtemp(prefix="fg-bench-listd-")
    try:
        spool = os.path.join(work, "spool")
        shutil.copytree(os.path.join(ROOT, "config", "demo-spool"), spool)
        secret = os.path.join(work, "secret")
        fd = os.open(secret, os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, (os.urandom(32).hex() + "\n").encode())
        os.close(fd)
        sink = SMTPSink(stats_only=True, pipelining=not args.no_pipelining,
                        latency=args.latency / 1000)
        ov = ["-o", f"gateway.store={work}/store.db", "-o", f"forums.demo.spool.path={spool}",
              "-o", f"mail.secret_file={secret}", "-o", f"mail.smarthost=127.0.0.1:{sink.port}",
              "-o", "list.poll_interval=1", "-o", "list.digest_check=1",
              "-o", "http.public_url=https://lists.example.org"]

        def fg(*a):
            subprocess.run([FORUMGATE, "-c", DEMO, *ov, *a], cwd=ROOT, check=True,
                           capture_output=True)
        fg("import", spool)
        fg("subscribe", "first@example.org", "demo.general")
        db = sqlite3.connect(f"{work}/store.db")
        now = int(time.time())
        db.executemany("INSERT INTO subscriptions(group_name, address, created) VALUES (?, ?, ?)",
                       [("demo.general", f"reader{i:05d}@example{i % 97}.net", now)
                        for i in range(1, n)])
        db.commit()
        db.close()
        log = open(os.path.join(work, "listd.log"), "wb")
        proc = subprocess.Popen([FORUMGATE, "-c", DEMO, *ov, "listd"], cwd=ROOT, stdout=log,
                                stderr=log)
        time.sleep(1.5)
        doc = {"format": "forumgate-thread/1", "forum": "demo", "board": "General Discussion",
               "thread": {"id": "77001", "title": "Benchmark: neue Radwege"},
               "posts": [{"id": "770011", "position": 1, "author": "Jürgen Groß",
                          "date": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
                          "format": "html",
                          "body": "Die Stadt baut <b>neue</b> Radwege. " * 40,
                          "url": "https://forum.example.org/showthread.php?p=770011"}]}
        with open(os.path.join(spool, "bench.json"), "w") as f:
            json.dump(doc, f)
        t0 = time.monotonic()
        fg("import", spool)
        first = None
        peak = 0
        deadline = time.monotonic() + 600
        while sink.count < n and time.monotonic() < deadline:
            if first is None and sink.count:
                first = time.monotonic()
            peak = max(peak, hwm_kib(proc.pid))
            time.sleep(0.05)
        t_end = time.monotonic()
        peak = max(peak, hwm_kib(proc.pid))
        got = sink.count

        # the daily digest: every subscriber switched, scheduled by listd
        # (digest_next set), 20 posts, then the digest made due
        db = sqlite3.connect(f"{work}/store.db", timeout=30)
        db.execute("UPDATE subscriptions SET mode = 'digest', digest_period = 'daily'")
        db.commit()
        while db.execute("SELECT count(*) FROM subscriptions WHERE digest_next = 0"
                         ).fetchone()[0] and proc.poll() is None:
            time.sleep(0.2)
        for k in range(20):
            doc["thread"]["id"] = f"7710{k}"
            doc["posts"][0]["id"] = f"7710{k}1"
            doc["thread"]["title"] = doc["posts"][0]["title"] = f"Tagesthema {k}"
            with open(os.path.join(spool, f"day-{k}.json"), "w") as f:
                json.dump(doc, f)
        fg("import", spool)
        base = sink.count
        t1 = time.monotonic()
        db.execute("UPDATE subscriptions SET digest_next = 1")
        db.commit()
        db.close()
        deadline = time.monotonic() + 600
        while sink.count < base + n and time.monotonic() < deadline:
            peak = max(peak, hwm_kib(proc.pid))
            time.sleep(0.05)
        t_digest = time.monotonic() - t1
        digests = sink.count - base
        peak = max(peak, hwm_kib(proc.pid))
        proc.terminate()
        proc.wait(10)
        sink.close()
        if got < n:
            print(f"bench_listd: only {got} of {n} delivered", file=sys.stderr)
            return 1
        rate = (n - 1) / (t_end - first) if first and t_end > first else 0
        print(f"listd: {n} subscribers, {got} messages to the sink in {t_end - t0:.2f} s "
              f"from the import ({rate:.0f} msg/s from first to last delivery, target >= "
              f"{TARGET_RATE}), {len(sink.sessions)} SMTP connection(s), "
              f"peak RSS {peak / 1024:.1f} MiB (target < {TARGET_RSS_MIB})")
        print(f"listd: daily digest of 20 posts to {n} subscribers: {digests} digests built and "
              f"sent in {t_digest:.2f} s ({digests / t_digest:.0f} digests/s, listd looks for "
              f"due digests every second here)")
        ok = rate >= TARGET_RATE and peak / 1024 < TARGET_RSS_MIB and digests == n
        if not ok:
            print("bench_listd: below target", file=sys.stderr)
        return 0 if ok else 1
    finally:
        shutil.rmtree(work, True)


if __name__ == "__main__":
    sys.exit(main())
