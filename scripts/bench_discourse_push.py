#!/usr/bin/env python3
"""`make bench`, Discourse webhooks to articles (issue #12): BENCH_PUSH_RATE
`post_created` deliveries a second (default 100) for BENCH_PUSH_SECONDS
(default 60) into `forumgate serve` (sync + httpd + nntpd on loopback), each
for a post just added to the fixture Discourse
(tests/integration/discourse_fixture.py), spread over BENCH_PUSH_TOPICS
topics (default 12) in 3 categories. The latency of a post runs from the
moment its delivery is answered to the first `STAT <msgid>` answered 223
by nntpd; one NNTP connection polls the answered, not yet served ids
round-robin as fast as it can (so the figure is late by at most one round
of that poll, whose mean length is printed). Target: p99 under 1 s.
Prints deliveries sent and their answers, articles seen, p50/p90/p99/max,
the share under 1 s, ids still missing 10 s after the last delivery (named,
not dropped), and the CPU of forumgate's processes over the run. The
fixture, the senders and the poller are Python threads in this process, on
the same cores as forumgate.

The fixture's handler sends with TCP_NODELAY (as the tests have it too), as a
Discourse behind nginx does: http.server writes the headers and the body of
an answer in two writes, and with Nagle on, the body waits for the ACK of
the headers, which libcurl delays by 40 ms: 43 ms a request.
BENCH_PUSH_NAGLE=1 turns Nagle back on, to see that cost. BENCH_PUSH_LOG=1
prints serve's log at the end (without the pushed passes' lines), to see
when the safety-net polls ran."""
import collections
import resource
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from discourse_fixture import DiscourseFixture, _Handler, send_webhook  # noqa: E402
from nntpserver import Raw, free_port  # noqa: E402

FORUMGATE = os.environ.get("FORUMGATE", os.path.join(ROOT, "forumgate"))
KEY = "bench-key"
SECRET = "bench-hook-secret"
FORUM = "bench"
DOMAIN = "bench.example"
GRACE = 10.0
TICK = os.sysconf("SC_CLK_TCK")


def proc_stat(pid):
    """(comm, ppid, utime + stime in s) of a live process, or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return None
    comm = s[s.index("(") + 1:s.rindex(")")]
    rest = s[s.rindex(")") + 2:].split()
    return comm, int(rest[1]), (int(rest[11]) + int(rest[12])) / TICK


def role_name(pid, comm):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        cmd = comm
    return cmd[len("forumgate: "):].split()[0] if cmd.startswith("forumgate: ") else "serve"


def tree_cpu(root):
    """{role: CPU seconds} of serve (root) and its role processes."""
    out = {}
    st = proc_stat(root)
    if st:
        out["serve"] = st[2]
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        st = proc_stat(int(d))
        if st and st[1] == root:
            name = role_name(int(d), st[0])
            out[name] = out.get(name, 0.0) + st[2]
    return out


def wait(cond, what, timeout=30.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.05)
    raise SystemExit(f"bench_discourse_push: {what}: timed out")


def pct(sorted_v, q):
    if not sorted_v:
        return float("nan")
    i = min(len(sorted_v) - 1, max(0, int(round(q / 100.0 * len(sorted_v) + 0.5)) - 1))
    return sorted_v[i]


class Poller(threading.Thread):
    """One NNTP connection: STAT each answered, not yet served Message-ID in
    turn, and note when it is first served."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.lock = threading.Lock()
        self.outstanding = collections.OrderedDict()  # msgid -> answered time
        self.seen = {}                                # msgid -> served time
        self.stop = threading.Event()
        self.rounds, self.round_time, self.stats, self.errors = 0, 0.0, 0, 0
        self.pause = float(os.environ.get("BENCH_PUSH_POLL_PAUSE_MS", "0")) / 1000.0

    def add(self, mid, t):
        with self.lock:
            self.outstanding[mid] = t

    def pending(self):
        with self.lock:
            return len(self.outstanding)

    def run(self):
        r = Raw(self.port)
        try:
            while not self.stop.is_set():
                with self.lock:
                    ids = list(self.outstanding)
                if not ids:
                    time.sleep(0.001)
                    continue
                t0 = time.monotonic()
                for mid in ids:
                    line = r.cmd(f"STAT {mid}")
                    now = time.monotonic()
                    self.stats += 1
                    if line.startswith("223"):
                        with self.lock:
                            self.outstanding.pop(mid, None)
                            self.seen[mid] = now
                    elif not line.startswith("430"):
                        self.errors += 1
                self.rounds += 1
                self.round_time += time.monotonic() - t0
                if self.pause:
                    time.sleep(self.pause)
        finally:
            r.close()


def main():
    seconds = float(os.environ.get("BENCH_PUSH_SECONDS", "60"))
    rate = float(os.environ.get("BENCH_PUSH_RATE", "100"))
    ntopics = int(os.environ.get("BENCH_PUSH_TOPICS", "12"))
    interval = 1.0 / rate
    if os.environ.get("BENCH_PUSH_NAGLE", "0") == "1":
        _Handler.disable_nagle_algorithm = False
    work = tempfile.mkdtemp(prefix="fg-bench-push-")
    fx = DiscourseFixture(api_key=KEY, corpus=False)
    serve = None
    errlog = None
    try:
        cats = [fx.add_category(n) for n in ("General Talk", "Support", "Announcements")]
        topics = [fx.add_topic(cats[i % len(cats)], "Pushed topic number %d" % (i + 1),
                               "<p>Opening post %d.</p>" % (i + 1)) for i in range(ntopics)]
        fx.start()
        with open(os.path.join(work, "key"), "w") as f:
            f.write(KEY + "\n")
        with open(os.path.join(work, "hook-secret"), "w") as f:
            f.write(SECRET + "\n")
        http_port, nntp_port = free_port(), free_port()
        cfg = os.path.join(work, "fg.yaml")
        with open(cfg, "w") as f:
            f.write(f"""gateway:
  domain: {DOMAIN}
  store: {work}/store.db
  allow_root: true
http:
  listen: 127.0.0.1:{http_port}
nntp:
  listen:
    - address: 127.0.0.1:{nntp_port}
forums:
  - name: {FORUM}
    type: discourse
    url: {fx.url}
    max_concurrent: 8
    max_requests_per_second: 1000
    discourse:
      api_key_file: {work}/key
      webhook_secret_file: {work}/hook-secret
""")
        p = subprocess.run([FORUMGATE, "-c", cfg, "sync", "--once"], cwd=ROOT,
                           capture_output=True, timeout=120)
        if p.returncode != 0:
            sys.stderr.write(p.stderr.decode(errors="replace"))
            sys.exit(1)
        before = len(fx.requests)
        errlog = open(os.path.join(work, "serve.log"), "w+b")
        serve = subprocess.Popen([FORUMGATE, "-c", cfg, "serve"], cwd=ROOT,
                                 stdout=subprocess.DEVNULL, stderr=errlog)

        def health():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/health", timeout=2):
                    return True
            except OSError:
                return False

        def nntp_up():
            try:
                Raw(nntp_port).close()
                return True
            except OSError:
                return False
        # the sync role's own first pass reads the feed once; then it waits
        wait(lambda: any(r["path"] == "/posts.json" for r in fx.requests[before:]),
             "the sync role's first pass")
        wait(health, "httpd")
        wait(nntp_up, "nntpd")
        time.sleep(0.5)

        url = f"http://127.0.0.1:{http_port}/webhooks/discourse/{FORUM}"
        poller = Poller(nntp_port)
        poller.start()
        statuses = collections.Counter()
        answered = {}   # msgid -> answered time
        lock = threading.Lock()

        def deliver(mid, payload, event_id):
            try:
                status, _ = send_webhook(url, SECRET, "post_created", payload,
                                         event_id=event_id)
            except OSError as e:
                status = type(e).__name__
            t = time.monotonic()
            with lock:
                statuses[status] += 1
            if status == 200:
                with lock:
                    answered[mid] = t
                poller.add(mid, t)

        cpu0 = tree_cpu(serve.pid)
        self0 = resource.getrusage(resource.RUSAGE_SELF)
        t_start = time.monotonic()
        n = int(seconds * rate)
        late = 0
        with ThreadPoolExecutor(max_workers=16) as pool:
            for i in range(n):
                due = t_start + i * interval
                now = time.monotonic()
                if due > now:
                    time.sleep(due - now)
                elif now - due > interval:
                    late += 1
                tid = topics[i % len(topics)]
                with fx.lock:
                    post = fx.add_post(tid, "<p>Pushed reply %d.</p>" % (i + 1))
                    payload = {"post": fx.post_json(post, True)}
                mid = f"<p{post['id']}.t{tid}.{FORUM}@{DOMAIN}>"
                pool.submit(deliver, mid, payload, i + 1)
        t_sent = time.monotonic()
        end = t_sent + GRACE
        while time.monotonic() < end and poller.pending():
            time.sleep(0.05)
        cpu1 = tree_cpu(serve.pid)
        self1 = resource.getrusage(resource.RUSAGE_SELF)
        t_end = time.monotonic()
        poller.stop.set()
        poller.join(5)

        with poller.lock:
            seen = dict(poller.seen)
            missing = list(poller.outstanding)
        lat = sorted(seen[m] - answered[m] for m in seen)
        wall = t_end - t_start
        print(f"discourse push: {n} post_created deliveries at {rate:g}/s for {seconds:g} s "
              f"over {len(topics)} topics, fixture "
              f"{'with Nagle' if not _Handler.disable_nagle_algorithm else 'TCP_NODELAY'} "
              f"(sending took {t_sent - t_start:.1f} s, "
              f"{late} sent more than one interval late)")
        print("  answers: " + ", ".join(f"{k}: {v}" for k, v in
                                       sorted(statuses.items(), key=lambda kv: str(kv[0]))))
        print(f"  articles served: {len(seen)} of {len(answered)} answered 200; "
              f"missing {GRACE:g} s after the last delivery: {len(missing)}")
        if missing:
            print("  missing: " + " ".join(missing[:10]) + (" ..." if len(missing) > 10 else ""))
        if lat:
            worst = sorted(((seen[m] - answered[m], answered[m] - t_start) for m in seen),
                           reverse=True)[:5]
            under = sum(1 for v in lat if v < 1.0) / len(lat) * 100
            print(f"  delivery answered -> served over NNTP: p50 {pct(lat, 50) * 1000:.0f} ms, "
                  f"p90 {pct(lat, 90) * 1000:.0f} ms, p99 {pct(lat, 99) * 1000:.0f} ms, "
                  f"max {lat[-1] * 1000:.0f} ms; {under:.1f}% under 1 s (target: p99 < 1 s)")
            print("  slowest: " + ", ".join(f"{v * 1000:.0f} ms (answered at {t:.1f} s)"
                                            for v, t in worst))
        rounds = poller.rounds or 1
        print(f"  NNTP poll: {poller.stats} STATs in {poller.rounds} rounds, "
              f"mean round {poller.round_time / rounds * 1000:.1f} ms, "
              f"{poller.errors} unexpected answers")
        total = sum(cpu1.values()) - sum(cpu0.get(k, 0.0) for k in cpu1)
        roles = ", ".join(f"{k} {cpu1[k] - cpu0.get(k, 0.0):.1f} s"
                          for k in sorted(cpu1))
        print(f"  forumgate CPU over {wall:.1f} s: {total:.1f} s "
              f"({total / wall * 100:.0f}% of one core; {roles}); "
              f"fixture requests: {len(fx.requests)}")
        mine = (self1.ru_utime - self0.ru_utime) + (self1.ru_stime - self0.ru_stime)
        print(f"  this process (fixture, senders, NNTP poll): {mine:.1f} s CPU "
              f"({mine / wall * 100:.0f}% of one core; 2 cores, shared)")
    finally:
        if serve is not None and serve.poll() is None:
            serve.send_signal(signal.SIGTERM)
            try:
                serve.wait(30)
            except subprocess.TimeoutExpired:
                serve.kill()
                serve.wait()
        if serve is not None and serve.returncode not in (0, None) and errlog:
            errlog.seek(0)
            sys.stderr.write(errlog.read().decode(errors="replace")[-4000:])
        if errlog and os.environ.get("BENCH_PUSH_LOG") == "1":
            errlog.seek(0)
            sys.stdout.write("  serve's log, but for the pushed passes:\n")
            for line in errlog.read().decode(errors="replace").splitlines():
                if "pushed:" not in line:
                    print("    " + line)
        if errlog:
            errlog.close()
        fx.stop()
        shutil.rmtree(work, True)


if __name__ == "__main__":
    main()
