#!/usr/bin/env python3
"""`make bench`, the board connectors (issue #13's "Performance"):

 (a) parsing: for each engine (vbulletin, phpbb, xenforo, mybb) the saved
     thread pages of ../shared/corpora/forum-html/<engine>/ go through the
     real binary, `forumgate import` of a spool folder holding
     BENCH_BOARD_COPIES (default 50) copies of each page, into a fresh
     store. The same import with one copy of each is the baseline: the
     figures are the difference (N-1 copies of every page), so they are the
     cost of reading and parsing pages (and finding their posts unchanged in
     the store), not of creating the store and writing the first copy.
     Printed: thread pages/s and CPU seconds (user + system of forumgate,
     getrusage(RUSAGE_CHILDREN)) per 1,000 posts parsed.
 (b) backfill: a first `forumgate sync --once` of BENCH_BOARD_THREADS
     threads (default 2,000; the issue's figure is 10,000) of
     BENCH_BOARD_POSTS posts each (default 5) from the vBulletin 4 fixture
     board (tests/integration/board_fixture.py) over loopback, with
     request_delay 0 and owner: true. Printed: threads/s, posts/s, CPU s per
     1,000 posts of forumgate alone and its peak RSS (VmHWM polled from
     /proc) against the 64 MiB target. The fixture is a Python server in
     this process: the wall-clock rates are a floor set by it; the CPU
     figure is forumgate's own.

Exits non-zero only when something fails to run (an import or sync that
fails, a count that is wrong); a figure over target is printed, not fatal.
"""
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from board_fixture import BoardFixture  # noqa: E402


def default_binary():
    for p in (os.path.join(ROOT, "forumgate"), os.path.join(ROOT, "build", "forumgate")):
        if os.access(p, os.X_OK):
            return p
    return os.path.join(ROOT, "forumgate")


FORUMGATE = os.environ.get("FORUMGATE", default_binary())
CORPUS = os.path.join(ROOT, "..", "shared", "corpora", "forum-html")
ENGINES = ("vbulletin", "phpbb", "xenforo", "mybb")
RSS_TARGET_MIB = 64


def fail(what, err=b""):
    sys.stderr.write(f"bench_boards: {what}\n")
    if err:
        sys.stderr.write(err.decode(errors="replace"))
    sys.exit(1)


def vm_hwm_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def thread_pages(engine):
    """The engine's saved thread pages (not the XenForo Media Gallery page,
    which is no thread and is refused)."""
    out = []
    for dirpath, _, files in os.walk(os.path.join(CORPUS, engine)):
        for name in sorted(files):
            if not name.endswith(".html"):
                continue
            path = os.path.join(dirpath, name)
            with open(path, "rb") as f:
                head = f.read()
            if b"xfmg_media_view" in head:
                continue
            out.append(path)
    return sorted(out)


def run_import(work, pages, copies):
    """forumgate import of a spool of `copies` copies of each page into a
    fresh store: (wall s, CPU s, stderr)."""
    spool = os.path.join(work, "spool")
    store = os.path.join(work, "store.db")
    shutil.rmtree(spool, True)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(store + suffix):
            os.unlink(store + suffix)
    os.mkdir(spool)
    for i, page in enumerate(pages):
        for c in range(copies):
            shutil.copyfile(page, os.path.join(spool, f"p{i}-{c}.html"))
    cmd = [FORUMGATE, "-c", os.path.join(ROOT, "config", "demo.yaml"),
           "-o", f"gateway.store={store}", "import", spool]
    env = dict(os.environ, FORUMGATE_LOG="stderr")
    c0 = cpu_children()
    t0 = time.monotonic()
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, env=env)
    dt = time.monotonic() - t0
    cpu = cpu_children() - c0
    if p.returncode != 0:
        fail(f"{' '.join(cmd)} exited {p.returncode}", err=p.stderr)
    return dt, cpu, p.stderr.decode(errors="replace")


def parse_bench(copies):
    if not os.path.isdir(CORPUS):
        print(f"boards parse: {CORPUS} is absent (../shared is not beside the project), skipped")
        return
    print(f"boards parse: forumgate import of {copies} copies of each saved thread page "
          f"minus the same with 1 copy: page reading + parsing + finding the posts unchanged, "
          f"not store setup (CPU = user+system of forumgate)")
    work = tempfile.mkdtemp(prefix="fg-bench-brd-parse-")
    try:
        for engine in ENGINES:
            pages = thread_pages(engine)
            if not pages:
                fail(f"no saved thread pages of {engine} in {CORPUS}")
            size = sum(os.path.getsize(p) for p in pages)
            dt1, cpu1, err1 = run_import(work, pages, 1)
            # "imported N threads: P new, ..." of the baseline: the posts one
            # copy of the pages holds
            m = re.search(r"imported \d+ threads?: (\d+) new", err1)
            if not m or not re.search(r", 0 files? skipped", err1):
                fail(f"{engine}: the baseline import did not take every page", err=err1.encode())
            posts = int(m.group(1))
            dtn, cpun, errn = run_import(work, pages, copies)
            if not re.search(r", 0 files? skipped", errn):
                fail(f"{engine}: the import of {copies} copies skipped pages", err=errn.encode())
            npages = len(pages) * (copies - 1)
            nposts = posts * (copies - 1)
            ddt, dcpu = max(dtn - dt1, 1e-9), max(cpun - cpu1, 1e-9)
            print(f"  {engine:9s} {len(pages)} pages ({size / 1024:.0f} KiB, {posts} posts) x "
                  f"{copies}: {npages / ddt:7.1f} thread pages/s wall, "
                  f"{npages / dcpu:7.1f} pages per CPU s, "
                  f"{dcpu / nposts * 1000:.3f} CPU s per 1,000 posts "
                  f"(baseline 1 copy: {dt1:.2f} s wall, {cpu1:.2f} CPU s)")
    finally:
        shutil.rmtree(work, True)


def backfill_bench(threads, per_thread):
    boards = 10 if threads >= 100 else 1
    per_board = max(1, threads // boards)
    threads = per_board * boards
    work = tempfile.mkdtemp(prefix="fg-bench-brd-sync-")
    fx = BoardFixture("vbulletin4")
    try:
        fx.generate(boards, per_board, per_thread)
        fx.start()
        cfg = os.path.join(work, "fg.yaml")
        with open(cfg, "w") as f:
            f.write(f"""gateway:
  domain: bench.example
  store: {work}/store.db
  allow_root: true
forums:
  - name: bench
    type: vbulletin
    url: {fx.url}/
    group_prefix: bench
    backfill: {{topics: {threads}}}
    max_requests_per_second: 1000
    board:
      request_delay: 0
      owner: true
""")
        err = open(os.path.join(work, "stderr"), "w+b")
        c0 = cpu_children()
        t0 = time.monotonic()
        p = subprocess.Popen([FORUMGATE, "-c", cfg, "sync", "--once"], stdout=subprocess.DEVNULL,
                             stderr=err, cwd=ROOT, env=dict(os.environ, FORUMGATE_LOG="stderr"))
        # forumgate's own high-water mark, read while it runs: ru_maxrss of
        # a child also counts this Python process's RSS at the fork
        hwm = 0
        while p.poll() is None:
            hwm = max(hwm, vm_hwm_kb(p.pid))
            time.sleep(0.05)
        dt = time.monotonic() - t0
        cpu = cpu_children() - c0
        err.seek(0)
        log = err.read()
        if p.returncode != 0:
            fail(f"sync --once exited {p.returncode}", err=log[-4000:])
        if fx.errors:
            fail("the fixture board failed:\n" + "\n".join(fx.errors))
        store = sqlite3_count(os.path.join(work, "store.db"))
        posts = threads * per_thread
        if store != posts:
            fail(f"the store holds {store} posts, not {posts}", err=log[-4000:])
        verdict = "within" if hwm / 1024 <= RSS_TARGET_MIB else "OVER"
        print(f"boards backfill (vBulletin 4 fixture, sync --once, request_delay 0, owner, 1000 req/s): "
              f"{threads} threads, {posts} posts in {dt:.1f} s: {threads / dt:.0f} threads/s, "
              f"{posts / dt:.0f} posts/s, {cpu / posts * 1000:.3f} CPU s per 1,000 posts "
              f"(forumgate alone), peak RSS {hwm / 1024:.1f} MiB ({verdict} the "
              f"{RSS_TARGET_MIB} MiB target), {len(fx.requests)} requests")
        if threads < 10000:
            print("  the issue's figure is a 10,000-thread backfill: "
                  "BENCH_BOARD_THREADS=10000 python3 scripts/bench_boards.py")
    finally:
        fx.stop()
        shutil.rmtree(work, True)


def sqlite3_count(path):
    import sqlite3
    db = sqlite3.connect(path, timeout=30)
    try:
        return db.execute("SELECT count(*) FROM posts").fetchone()[0]
    finally:
        db.close()


def main():
    if not os.access(FORUMGATE, os.X_OK):
        fail(f"{FORUMGATE} is not built (make, or FORUMGATE=path)")
    copies = int(os.environ.get("BENCH_BOARD_COPIES", "50"))
    threads = int(os.environ.get("BENCH_BOARD_THREADS", "2000"))
    per_thread = int(os.environ.get("BENCH_BOARD_POSTS", "5"))
    if copies < 2 or threads < 1 or per_thread < 1:
        fail("BENCH_BOARD_COPIES >= 2, BENCH_BOARD_THREADS and BENCH_BOARD_POSTS >= 1")
    if os.environ.get("BENCH_BOARD_PARTS", "parse,backfill").find("parse") >= 0:
        parse_bench(copies)
    if os.environ.get("BENCH_BOARD_PARTS", "parse,backfill").find("backfill") >= 0:
        backfill_bench(threads, per_thread)


if __name__ == "__main__":
    main()
