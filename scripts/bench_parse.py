#!/usr/bin/env python3
"""`make bench`, hostile inputs that once took quadratic time (issue #10
item 7), timed through the real binary, each printed as seconds:

 1. sync: a forum post whose HTML body has one tag with 200,000 attributes
    (the duplicate-attribute check of html_tree.c compared each with all
    before it: over 120 s), imported with `forumgate import`; beside it the
    same thread with an ordinary post, so the difference is the tag;
 2. NNTP POST: an article whose Subject is folded into 200,000 lines (each
    line was copied onto the value again: 1.2 s), from the end of the
    article to the server's answer, against `forumgate nntpd`.

BENCH_ATTRS and BENCH_FOLDS change the counts (default 200,000 each)."""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
FORUMGATE = os.environ.get("FORUMGATE", os.path.join(ROOT, "forumgate"))
DEMO = os.path.join(ROOT, "config", "demo.yaml")


def spool_thread(path, body):
    thread = {"format": "forumgate-thread/1", "forum": "demo", "board": "General Discussion",
              "thread": {"id": "9001", "title": "Many attributes"},
              "posts": [{"id": "900100", "position": 1, "author": "Bench", "format": "html",
                         "date": "2024-03-01T10:00:00+01:00", "body": body}]}
    os.makedirs(path)
    with open(os.path.join(path, "thread.json"), "w") as f:
        json.dump(thread, f)


def timed_import(work, name, body):
    spool = os.path.join(work, name)
    spool_thread(spool, body)
    store = os.path.join(work, name + ".db")
    cmd = [FORUMGATE, "-c", DEMO, "-o", f"gateway.store={store}", "import", spool]
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, cwd=ROOT)
    dt = time.monotonic() - t0
    if p.returncode != 0:
        sys.stderr.write(p.stderr.decode())
        sys.exit(1)
    return dt


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed_post(work, folds):
    store = os.path.join(work, "post.db")
    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    port = free_port()
    ov = ["-o", f"gateway.store={store}", "-o", f"nntp.listen=127.0.0.1:{port}/starttls",
          "-o", f"nntp.tls.cert={cert}", "-o", f"nntp.tls.key={key}",
          "-o", "nntp.allow_plaintext_auth=true", "-o", "nntp.max_post_size=16M",
          "-o", "nntp.workers=1"]
    base = [FORUMGATE, "-c", DEMO, *ov]
    subprocess.run([*base, "import", "config/demo-spool"], check=True, capture_output=True,
                   cwd=ROOT)
    subprocess.run([*base, "user", "add", "bench", "--password", "bench"], check=True,
                   capture_output=True, cwd=ROOT)
    log = open(os.path.join(work, "nntpd.log"), "wb")
    proc = subprocess.Popen([*base, "nntpd"], cwd=ROOT, stdout=log, stderr=log)
    try:
        deadline = time.time() + 10
        while True:
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=120)
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.05)
        f = s.makefile("rb")

        def cmd(line):
            s.sendall(line.encode() + b"\r\n")
            return f.readline().decode()

        f.readline()
        assert cmd("AUTHINFO USER bench").startswith("381")
        assert cmd("AUTHINFO PASS bench").startswith("281")
        assert cmd("POST").startswith("340")
        head = (b"From: bench@example.org\r\nNewsgroups: demo.general\r\nSubject: S" +
                b"\r\n x" * folds + b"\r\nMessage-ID: <bench-folded@example.org>\r\n\r\n" +
                b"body\r\n")
        s.sendall(head)  # read by the server while we wait for nothing
        time.sleep(0.5)
        t0 = time.monotonic()
        s.sendall(b".\r\n")
        reply = f.readline().decode().strip()
        dt = time.monotonic() - t0
        s.sendall(b"QUIT\r\n")
        s.close()
        if not reply.startswith("240"):
            sys.exit(f"bench_parse: POST answered {reply!r}")
        return dt, len(head)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def main():
    attrs = int(os.environ.get("BENCH_ATTRS", "200000"))
    folds = int(os.environ.get("BENCH_FOLDS", "200000"))
    work = tempfile.mkdtemp(prefix="fg-bench-parse-")
    try:
        tag = "<p" + "".join(f" a{i}={i}" for i in range(attrs)) + ">text</p>"
        plain = timed_import(work, "plain", "<p>text</p>")
        many = timed_import(work, "attrs", tag)
        print(f"parse: sync of a post with one tag of {attrs:,} attributes "
              f"({len(tag) / 1e6:.1f} MB): {many:.2f} s (an ordinary post: {plain:.2f} s)")
        dt, size = timed_post(work, folds)
        print(f"parse: NNTP POST with a header folded into {folds:,} lines "
              f"({size / 1e6:.1f} MB): {dt * 1000:.0f} ms from the final dot to 240")
    finally:
        shutil.rmtree(work, True)


if __name__ == "__main__":
    main()
