#!/usr/bin/env python3
"""`make bench`, the discourse connector: a first sync of the fixture
Discourse (tests/integration/discourse_fixture.py) serving BENCH_POSTS posts
(default 50,000: 1,000 topics of 50 posts) over loopback, through
`forumgate sync --once`. Prints posts/s, CPU seconds per 1,000 posts (user +
system of forumgate alone) and forumgate's peak RSS. The fixture is a
Python server in this process, so the wall-clock rate is a floor set by
it; the CPU figure is forumgate's own."""
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from discourse_fixture import DiscourseFixture  # noqa: E402

FORUMGATE = os.environ.get("FORUMGATE", os.path.join(ROOT, "forumgate"))
KEY = "bench-key"


def vm_hwm_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    posts = int(os.environ.get("BENCH_POSTS", "50000"))
    per_topic = 50
    topics = max(1, posts // per_topic)
    work = tempfile.mkdtemp(prefix="fg-bench-dsc-")
    fx = DiscourseFixture(api_key=KEY, corpus=False)
    try:
        fx.generate(topics, per_topic)
        fx.start()
        with open(os.path.join(work, "key"), "w") as f:
            f.write(KEY + "\n")
        cfg = os.path.join(work, "fg.yaml")
        with open(cfg, "w") as f:
            f.write(f"""gateway:
  domain: bench.example
  store: {work}/store.db
  allow_root: true
forums:
  - name: bench
    type: discourse
    url: {fx.url}
    max_concurrent: 8
    max_requests_per_second: 1000
    discourse:
      api_key_file: {work}/key
""")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.monotonic()
        err = open(os.path.join(work, "stderr"), "w+b")
        p = subprocess.Popen([FORUMGATE, "-c", cfg, "sync", "--once"], stdout=subprocess.DEVNULL,
                             stderr=err, cwd=ROOT)
        # forumgate's own high-water mark, read while it runs: ru_maxrss of a
        # child also holds the RSS of this Python process (fixture data and
        # all) at the fork, which the kernel keeps across the exec
        hwm = 0
        while p.poll() is None:
            hwm = max(hwm, vm_hwm_kb(p.pid))
            time.sleep(0.1)
        dt = time.monotonic() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if p.returncode != 0:
            err.seek(0)
            sys.stderr.write(err.read().decode())
            sys.exit(1)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        n = topics * per_topic
        print(f"discourse first sync: {n} posts in {topics} topics, {dt:.1f} s, "
              f"{n / dt:.0f} posts/s, {cpu / n * 1000:.3f} CPU s per 1,000 posts, "
              f"peak RSS {hwm / 1024:.1f} MiB, "
              f"{len(fx.requests)} requests")
    finally:
        fx.stop()
        shutil.rmtree(work, True)


if __name__ == "__main__":
    main()
