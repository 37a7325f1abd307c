"""The spool connector against many replies and a hostile spool folder
(issue #10, items 1 and 6), on the real binary.

Replies: thousands of replies queued over LMTP and posted by `outbox --once`
and by the outbox role of a live `serve` each get one file of their own, with
their own text and Message-ID, and come back as articles that carry both; a
retry after a crash between posting and marking posts nothing twice; a file
already at a reply's name is never replaced.

Reader: symbolic links leading out of the spool, a link to /dev/zero, a FIFO,
a file over spool.max_file_size, a file moved in with an old mtime, a folder
of old files moved in, and a file rewritten with its old mtime put back."""
import glob
import json
import os
import resource
import signal
import sqlite3
import subprocess
import threading
import time
import unittest

from fgtest import DEMO, FORUMGATE, ROOT, Gate
from mailserver import (ALICE, GENERAL, GENERAL_POST, LMTP, MailGate, free_port,
                        make_message, msgid, wait_port)

# A sanitized binary reserves terabytes of address space for its shadow
# memory; only a plain build can run under an address-space limit.
with open(FORUMGATE, "rb") as _f:
    SANITIZED = b"__asan_init" in _f.read()

OLD = 978307200  # 2001-01-01: the mtime cp -p, rsync -t or tar may leave


def fnv_key(row_id, message_id):
    """outbox_key() of the outbox: "<row id>-<12 hex digits of FNV-1a 64 >> 16>"."""
    h = 0xcbf29ce484222325
    for b in message_id.encode():
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"{row_id}-{h >> 16:012x}"


def deliver_many(port, bodies, connections=4):
    """Delivers one reply per (Message-ID, body) over several LMTP connections;
    every one must get its 250."""
    errors = []

    def worker(part):
        try:
            with LMTP(port, timeout=60) as c:
                c.cmd("LHLO many.example")
                for mid, body in part:
                    _, _, data = c.transaction(ALICE, [GENERAL], make_message(
                        body + "\n", message_id=mid, in_reply_to=GENERAL_POST))
                    if data[0][0] != 250:
                        errors.append((mid, data))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=worker, args=(bodies[k::connections],))
               for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


class ReplyFiles(unittest.TestCase):
    def setUp(self):
        self.g = MailGate(self)

    def replies(self, n):
        return [(msgid(), f"Reply number {i} with its own text {os.urandom(6).hex()}.")
                for i in range(n)]

    def check_one_file_per_row(self, sent):
        """Every outbox row is posted as a post id of its own, in exactly one
        file holding that row's text and Message-ID."""
        rows = self.g.outbox()
        self.assertEqual(len(rows), len(sent))
        bad = [r for r in rows if r["state"] != "posted"]
        self.assertEqual(bad, [], "rows not posted")
        ids = [r["forum_post_id"] for r in rows]
        self.assertEqual(len(set(ids)), len(ids), "two rows share a post id")
        files = glob.glob(os.path.join(self.g.spool, "reply-*.json"))
        self.assertEqual(len(files), len(rows), "not one file per reply")
        text = dict(sent)
        by_post = {}
        for path in files:
            with open(path) as f:
                post = json.load(f)["posts"][0]
            self.assertEqual(os.path.basename(path), f"reply-{post['id']}.json")
            by_post[post["id"]] = post
        for r in rows:
            post = by_post[r["forum_post_id"]]
            self.assertEqual(post["message_id"], r["message_id"])
            self.assertEqual(post["body"].strip(), text[r["message_id"]])
        return rows

    def check_articles(self, sent):
        """Each reply came back as one article with its Message-ID and text."""
        arts = {}
        for m in self.g.messages("--group", "demo.general"):
            arts.setdefault(m["Message-ID"], []).append(m)
        for mid, body in sent:
            self.assertEqual(len(arts.get(mid, [])), 1, mid)
            self.assertEqual(arts[mid][0].get_content().strip(), body, mid)

    def test_thousands_of_replies_get_one_file_each(self):
        # The old names (seconds and (nsec ^ pid) % 1e6) collided a few times
        # in 5,000 and rename() replaced the earlier file: 4,997 files.
        sent = self.replies(5000)
        m = self.g.mailin()
        self.assertEqual(deliver_many(m.port, sent), [])
        self.g.run("outbox", "--once")
        self.check_one_file_per_row(sent)
        self.g.run("import", self.g.spool)
        self.check_articles(sent)

    def test_replies_during_serve_keep_their_text(self):
        lmtp, nntp = free_port(), free_port()
        self.g.overrides += ["-o", f"mail.lmtp.listen=127.0.0.1:{lmtp}",
                             "-o", f"nntp.listen=127.0.0.1:{nntp}",
                             "-o", "nntp.tls.cert=", "-o", "nntp.tls.key=",
                             "-o", "forums.demo.spool.poll_interval=1"]
        log = open(os.path.join(self.g.dir, "serve.log"), "wb")
        self.addCleanup(log.close)
        proc = subprocess.Popen([FORUMGATE, "-c", DEMO, *self.g.overrides, "serve"], cwd=ROOT,
                                stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        wait_port(lmtp, proc)
        sent = self.replies(3000)
        self.assertEqual(deliver_many(lmtp, sent), [])
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            left = self.g.query("SELECT count(*) FROM outbox WHERE state = 'queued'")[0][0]
            if left == 0:
                break
            time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=30), 0)
        self.check_one_file_per_row(sent)
        self.g.run("import", self.g.spool)
        self.check_articles(sent)

    def test_retry_after_a_crash_before_marking_posts_once(self):
        # The row is posted, then put back as a crash between the post and
        # the commit would leave it: the retry finds its own file.
        sent = self.replies(1)
        m = self.g.mailin()
        self.assertEqual(deliver_many(m.port, sent, connections=1), [])
        self.g.run("outbox", "--once")
        (row,) = self.g.outbox()
        self.assertEqual(row["state"], "posted")
        db = sqlite3.connect(self.g.store, timeout=30)
        with db:
            db.execute("UPDATE outbox SET state = 'queued', forum_post_id = NULL, "
                       "next_attempt = 0 WHERE id = ?", (row["id"],))
        db.close()
        self.assertEqual(self.g.query("SELECT state FROM outbox"), [("queued",)])
        self.g.run("outbox", "--once")
        (again,) = self.g.outbox()
        self.assertEqual(again["state"], "posted")
        self.assertEqual(again["forum_post_id"], row["forum_post_id"])
        self.assertEqual(len(glob.glob(os.path.join(self.g.spool, "reply-*.json"))), 1)

    def test_a_file_at_the_reply_name_is_never_replaced(self):
        sent = self.replies(1)
        m = self.g.mailin()
        self.assertEqual(deliver_many(m.port, sent, connections=1), [])
        (row,) = self.g.outbox()
        name = "fg" + fnv_key(row["id"], row["message_id"])
        decoy = os.path.join(self.g.spool, f"reply-{name}.json")
        other = {"format": "forumgate-thread/1", "forum": "demo", "board": "General Discussion",
                 "thread": {"id": "14", "title": "x"},
                 "posts": [{"id": name, "body": "Somebody else's post.",
                            "message_id": "<other@example.org>"}]}
        with open(decoy, "w") as f:
            json.dump(other, f)
        with open(decoy, "rb") as f:
            before = f.read()
        p = self.g.run("outbox", "--once")
        with open(decoy, "rb") as f:
            self.assertEqual(f.read(), before, "the existing file was replaced")
        (row,) = self.g.outbox()
        self.assertEqual(row["state"], "posted")
        self.assertEqual(row["forum_post_id"], name + "-2")
        with open(os.path.join(self.g.spool, f"reply-{name}-2.json")) as f:
            post = json.load(f)["posts"][0]
        self.assertEqual(post["message_id"], row["message_id"])
        self.assertEqual(post["body"].strip(), sent[0][1])
        self.assertIn(f"reply-{name}.json exists", p.stderr.decode())


def thread_doc(tid, posts, title="Spool test"):
    return {"format": "forumgate-thread/1", "forum": "demo", "board": "General Discussion",
            "thread": {"id": tid, "title": title},
            "posts": [{"id": pid, "author": "Ann", "date": "2024-05-01T10:00:00Z",
                       "format": "text", "body": body} for pid, body in posts]}


def write_json(path, doc):
    with open(path, "w") as f:
        json.dump(doc, f)


class HostileSpool(unittest.TestCase):
    def setUp(self):
        self.g = Gate(self)
        self.spool = os.path.join(self.g.dir, "spool")
        self.outside = os.path.join(self.g.dir, "outside")
        os.mkdir(self.spool)
        os.mkdir(self.outside)
        self.g.overrides += ["-o", f"forums.demo.spool.path={self.spool}"]
        write_json(os.path.join(self.spool, "t1.json"),
                   thread_doc("501", [("5011", "An ordinary post.")]))

    def sync(self, *extra, timeout=60):
        """`sync --once`; a plain build runs under a 1 GiB address-space
        limit, so a reader that eats /dev/zero fails instead of the machine."""
        def limit():
            if not SANITIZED:
                resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        cmd = [FORUMGATE, "-c", DEMO, *self.g.overrides, *extra, "sync", "--once"]
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=timeout,
                           preexec_fn=limit)
        self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))
        return p.stderr.decode(errors="replace")

    def bodies(self):
        return {m["Message-ID"]: m.get_content().strip() for m in self.g.messages()}

    def has_post(self, pid, tid):
        return f"<p{pid}.t{tid}.demo@forumgate.example>" in self.bodies()

    def test_symlinks_out_of_the_spool_are_not_read(self):
        write_json(os.path.join(self.outside, "secret.json"),
                   thread_doc("666", [("6661", "SECRET-BODY never to be published")]))
        with open(os.path.join(self.outside, "shadow.txt"), "w") as f:
            f.write("root:$y$SECRETHASH:19000:0:99999:7:::\n")
        os.mkdir(os.path.join(self.outside, "board"))
        write_json(os.path.join(self.outside, "board", "t.json"),
                   thread_doc("667", [("6671", "SECRET-DIR never to be published")]))
        os.symlink(os.path.join(self.outside, "secret.json"), os.path.join(self.spool, "leak.json"))
        os.symlink(os.path.join(self.outside, "shadow.txt"), os.path.join(self.spool, "shadow.txt"))
        os.symlink(os.path.join(self.outside, "board"), os.path.join(self.spool, "board"))
        err = self.sync()
        bodies = self.bodies()
        self.assertIn("An ordinary post.", bodies.values())
        self.assertFalse([b for b in bodies.values() if "SECRET" in b], bodies)
        self.assertNotIn("SECRETHASH", err)
        self.assertNotIn("root:", err)
        for name in ("leak.json", "shadow.txt", "board"):
            self.assertRegex(err, rf"{name}: skipped: a symbolic link")
        # the operator's own path may be a link: import of a linked file works
        link = os.path.join(self.g.dir, "given.json")
        os.symlink(os.path.join(self.outside, "secret.json"), link)
        self.g.run("import", link)
        self.assertTrue(self.has_post("6661", "666"))

    def test_link_to_dev_zero_is_skipped(self):
        os.symlink("/dev/zero", os.path.join(self.spool, "zero.json"))
        err = self.sync()
        self.assertIn("zero.json: skipped", err)
        self.assertTrue(self.has_post("5011", "501"))

    def test_fifo_does_not_block_the_pass(self):
        os.mkfifo(os.path.join(self.spool, "pipe.json"))
        err = self.sync(timeout=30)
        self.assertIn("pipe.json: skipped: not a regular file", err)
        self.assertTrue(self.has_post("5011", "501"))

    def test_file_over_max_file_size_is_skipped(self):
        write_json(os.path.join(self.spool, "big.json"),
                   thread_doc("502", [("5021", "BIGTOKEN " + "x" * 8000)]))
        err = self.sync("-o", "forums.demo.spool.max_file_size=4k")
        self.assertRegex(err, r"big\.json: skipped: \d+ bytes, more than spool.max_file_size")
        self.assertNotIn("BIGTOKEN", err)
        self.assertFalse(self.has_post("5021", "502"))
        self.assertTrue(self.has_post("5011", "501"))
        # the default limit (64 MiB) takes it
        self.sync()
        self.assertTrue(self.has_post("5021", "502"))
        # stand-ins for the files the demo names (check-config reads them)
        p = self.g.run("-o", f"nntp.tls.cert={DEMO}", "-o", f"nntp.tls.key={DEMO}",
                       "-o", f"mail.secret_file={DEMO}", "check-config")
        self.assertIn(b"max_file_size: 64M", p.stdout)

    def test_file_moved_in_with_an_old_mtime_is_imported(self):
        self.sync()
        staged = os.path.join(self.outside, "t2.json")
        write_json(staged, thread_doc("503", [("5031", "Moved in with an old mtime.")]))
        os.utime(staged, (OLD, OLD))
        os.rename(staged, os.path.join(self.spool, "t2.json"))
        self.sync()
        self.assertTrue(self.has_post("5031", "503"))

    def test_folder_of_old_files_moved_in_is_imported(self):
        # prepared (and its files' ctimes set) before the first pass
        folder = os.path.join(self.outside, "board")
        os.mkdir(folder)
        write_json(os.path.join(folder, "t3.json"),
                   thread_doc("504", [("5041", "In a folder moved in.")]))
        os.utime(os.path.join(folder, "t3.json"), (OLD, OLD))
        time.sleep(0.05)
        self.sync()
        os.rename(folder, os.path.join(self.spool, "board"))
        self.sync()
        self.assertTrue(self.has_post("5041", "504"))

    def test_file_rewritten_with_its_old_mtime_is_read_again(self):
        old = os.path.join(self.spool, "t0.json")
        write_json(old, thread_doc("505", [("5051", "First version.")]))
        os.utime(old, (OLD, OLD))
        self.sync()
        self.assertTrue(self.has_post("5051", "505"))
        write_json(old, thread_doc("505", [("5051", "First version."),
                                           ("5052", "Added later, mtime put back.")]))
        os.utime(old, (OLD, OLD))
        self.sync()
        self.assertTrue(self.has_post("5052", "505"))


if __name__ == "__main__":
    unittest.main()
