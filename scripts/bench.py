#!/usr/bin/env python3
"""`make bench`: import benchmark. Generates the synthetic forum (100,000 posts
by default, BENCH_POSTS to change), imports it with the real binary into a
fresh store (the issue's figure), then into an existing empty store (the WAL
path every later sync takes; BENCH_FRESH_ONLY=1 skips it), and prints posts/s,
MB/s, CPU time and the peak RSS (of every import so far) of each."""
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def run_import(store, spool, posts, size, label, fresh):
    for suffix in ("", "-wal", "-shm", ".building"):
        if os.path.exists(store + suffix):
            os.remove(store + suffix)
    if not fresh:
        open(store, "wb").close()  # exists: no bulk build
    cmd = [os.path.join(ROOT, "forumgate"), "-c", os.path.join(ROOT, "config", "demo.yaml"),
           "-o", f"gateway.store={store}", "import", spool]
    # the disk finishes what earlier steps wrote (the generated spool, the
    # previous run's store) first: the import's own data is still synced
    # inside the timed part (the bulk build's fdatasync, WAL commits)
    os.sync()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, cwd=ROOT)
    dt = time.monotonic() - t0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    rss = ru.ru_maxrss / 1024
    if p.returncode != 0:
        sys.stderr.write(p.stderr.decode())
        sys.exit(1)
    print(p.stderr.decode().strip())
    print(f"{label}: {posts} posts, {size / 1e6:.1f} MB of spool in {dt:.2f} s")
    print(f"{label}: {posts / dt:,.0f} posts/s, {size / 1e6 / dt:.1f} MB/s, "
          f"peak RSS {rss:.1f} MiB, store {os.path.getsize(store) / 1e6:.1f} MB")
    # where the wall time went: CPU in the process (user, kernel) and the rest,
    # mostly waiting for the disk (final sync, WAL checkpoints)
    user, system = ru.ru_utime - before.ru_utime, ru.ru_stime - before.ru_stime
    cpu = user + system
    print(f"{label}: CPU {user:.2f} s user + {system:.2f} s system "
          f"({posts / cpu:,.0f} posts per CPU second), {max(dt - cpu, 0):.2f} s waiting")


def main():
    posts = int(os.environ.get("BENCH_POSTS", "100000"))
    work = os.environ.get("BENCH_DIR") or tempfile.mkdtemp(prefix="fg-bench-")
    spool = os.path.join(work, f"spool-{posts}")
    if not os.path.isdir(spool):
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "gen_forum.py"), spool,
                        "--posts", str(posts)], check=True)
    size = sum(os.path.getsize(os.path.join(spool, f)) for f in os.listdir(spool))
    store = os.path.join(work, "bench.db")
    # 1. into a fresh store: the bulk build (store_build) that `forumgate
    #    import` uses when the store does not exist yet;
    # 2. into an existing (empty) WAL store: the path of every later sync
    run_import(store, spool, posts, size, "import", fresh=True)
    if not os.environ.get("BENCH_FRESH_ONLY"):
        run_import(store, spool, posts, size, "import into an existing store", fresh=False)
    if not os.environ.get("BENCH_DIR"):
        shutil.rmtree(work, True)


if __name__ == "__main__":
    main()
