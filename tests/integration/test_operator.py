"""The operator's commands (issue #15): `backup` while `serve` runs and an
import writes, `restore` (refused while serving, then NNTP serves the
restored articles), `store check` on stores with one invariant broken each
(planted with Python's sqlite3), and `outbox list|retry|drop` on replies a
forum refused. All with the real binary on loopback ports."""
import json
import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import tempfile
import threading
import time
import unittest

from fgtest import DEMO, FORUMGATE, ROOT
from mailserver import (ALICE, GENERAL, GENERAL_POST, GENERAL_THREAD, QUOTED_REPLY, MailGate,
                        make_message, msgid)
from test_security import Site


def nntp(port, *commands):
    """Sends NNTP commands one by one; returns the first line of each reply."""
    out = []
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        f = s.makefile("rb")
        f.readline()
        for c in commands:
            s.sendall(c.encode() + b"\r\n")
            line = f.readline().decode().rstrip("\r\n")
            out.append(line)
            if line[:3] in ("220", "221", "222", "215", "224", "230", "231"):
                while f.readline() not in (b".\r\n", b""):
                    pass
    return out


def make_spool(folder, threads, posts, start=1000):
    """Writes `threads` spool threads of `posts` posts each into folder."""
    os.makedirs(folder, exist_ok=True)
    for t in range(start, start + threads):
        doc = {"format": "forumgate-thread/1", "forum": "demo", "board": "General",
               "thread": {"id": str(t), "title": f"Thread {t}",
                          "url": f"https://forum.example.org/t/{t}"},
               "posts": [{"id": f"{t}{p:03d}", "position": p + 1, "author": "Anna",
                          "author_id": "12", "date": "2024-05-01T10:00:00+02:00",
                          "format": "bbcode",
                          "body": f"Post {p} of thread {t}. " + "Some words. " * 40}
                         for p in range(posts)]}
        with open(os.path.join(folder, f"t{t}.json"), "w") as f:
            json.dump(doc, f)


def count(db, sql):
    c = sqlite3.connect(db)
    try:
        return c.execute(sql).fetchone()[0]
    finally:
        c.close()


class BackupRestore(unittest.TestCase):
    def setUp(self):
        self.site = Site(self)
        p = self.site.run("import", self.site.spool)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_backup_while_serving_and_importing(self):
        serve = self.site.start("serve", wait=self.site.nntp)
        more = os.path.join(self.site.dir, "more")
        make_spool(more, 600, 8)
        imp = subprocess.Popen(self.site.cmd("import", more), cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        backups = []
        try:
            while imp.poll() is None or len(backups) < 2:
                b = os.path.join(self.site.dir, f"backup-{len(backups)}.db")
                p = self.site.run("backup", b)
                self.assertEqual(p.returncode, 0, p.stderr)
                backups.append(b)
                if len(backups) > 40:
                    break
        finally:
            self.assertEqual(imp.wait(120), 0, imp.stderr.read())
        self.assertIsNone(serve.poll(), "serve stopped during the backups")
        seen = set()
        for b in backups:
            self.assertEqual(stat.S_IMODE(os.stat(b).st_mode), 0o600)
            self.assertFalse(os.path.exists(b + ".tmp"))
            self.assertFalse(os.path.exists(b + "-wal"))
            n = count(b, "SELECT count(*) FROM articles")
            self.assertGreater(n, 0)
            seen.add(n)
            # each copy is one consistent state: its invariants hold
            p = subprocess.run([FORUMGATE, "-c", DEMO, "-o", f"gateway.store={b}",
                                "store", "check"], cwd=ROOT, capture_output=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        print(f"\n{len(backups)} backups, {len(seen)} distinct article counts", end=" ")
        # a backup after the import has every article of the store
        last = os.path.join(self.site.dir, "after.db")
        self.assertEqual(self.site.run("backup", last).returncode, 0)
        self.assertEqual(count(last, "SELECT count(*) FROM articles"),
                         count(self.site.store, "SELECT count(*) FROM articles"))
        self.assertGreaterEqual(count(last, "SELECT count(*) FROM articles"), 600 * 8)
        # an existing file is refused, --force replaces it
        p = self.site.run("backup", last)
        self.assertEqual(p.returncode, 65, p.stderr)
        self.assertIn(b"--force", p.stderr)
        p = self.site.run("backup", last, "--force")
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_restore_refused_while_serving_then_served_after(self):
        backup = os.path.join(self.site.dir, "b.db")
        self.assertEqual(self.site.run("backup", backup).returncode, 0)
        before = count(backup, "SELECT count(*) FROM articles")
        # the store moves on after the backup
        more = os.path.join(self.site.dir, "more")
        make_spool(more, 3, 2)
        self.assertEqual(self.site.run("import", more).returncode, 0)
        newer = count(self.site.store, "SELECT message_id FROM articles ORDER BY id DESC LIMIT 1")
        self.assertGreater(count(self.site.store, "SELECT count(*) FROM articles"), before)

        serve = self.site.start("serve", wait=self.site.nntp)
        p = self.site.run("restore", backup)
        self.assertEqual(p.returncode, 69, p.stderr)
        self.assertIn(b"stop the gateway", p.stderr)
        self.assertEqual(nntp(self.site.nntp, f"STAT {newer}")[0][:3], "223")
        self.site.stop(serve)

        p = self.site.run("restore", backup)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertFalse(os.path.exists(self.site.store + ".restoring"))
        self.assertEqual(stat.S_IMODE(os.stat(self.site.store).st_mode), 0o600)
        self.assertEqual(count(self.site.store, "SELECT count(*) FROM articles"), before)
        # served from the restored store, the later article gone
        serve = self.site.start("serve", wait=self.site.nntp)
        replies = nntp(self.site.nntp, f"STAT {GENERAL_POST}", f"STAT {newer}",
                       "GROUP demo.general")
        self.assertEqual(replies[0][:3], "223", replies)
        self.assertEqual(replies[1][:3], "430", replies)
        self.assertEqual(replies[2][:3], "211", replies)
        self.site.stop(serve)
        p = self.site.run("store", "check")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_restore_refused_while_nntpd_alone_reads(self):
        # nntpd run alone holds no lock slot: its open connection is seen
        backup = os.path.join(self.site.dir, "b.db")
        self.assertEqual(self.site.run("backup", backup).returncode, 0)
        nntpd = self.site.start("nntpd", wait=self.site.nntp)
        self.assertEqual(nntp(self.site.nntp, f"STAT {GENERAL_POST}")[0][:3], "223")
        p = self.site.run("restore", backup)
        self.assertEqual(p.returncode, 69, p.stderr)
        self.assertIn(f"is open in process".encode(), p.stderr)
        self.assertFalse(os.path.exists(self.site.store + ".restoring"))
        self.site.stop(nntpd)
        p = self.site.run("restore", backup)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_restore_refuses_what_is_not_a_store(self):
        junk = os.path.join(self.site.dir, "junk.db")
        with open(junk, "w") as f:
            f.write("not a database\n" * 100)
        orig = count(self.site.store, "SELECT count(*) FROM articles")
        p = self.site.run("restore", junk)
        self.assertEqual(p.returncode, 65, p.stderr)
        # an SQLite file that is no forumgate store
        other = os.path.join(self.site.dir, "other.db")
        c = sqlite3.connect(other)
        c.execute("CREATE TABLE t (x)")
        c.commit()
        c.close()
        p = self.site.run("restore", other)
        self.assertEqual(p.returncode, 65, p.stderr)
        self.assertIn(b"not a forumgate store", p.stderr)
        # a store of a newer forumgate
        newer = os.path.join(self.site.dir, "newer.db")
        self.assertEqual(self.site.run("backup", newer).returncode, 0)
        c = sqlite3.connect(newer)
        c.execute("PRAGMA user_version = 999")
        c.commit()
        c.close()
        p = self.site.run("restore", newer)
        self.assertEqual(p.returncode, 65, p.stderr)
        self.assertIn(b"newer than this forumgate", p.stderr)
        p = self.site.run("restore", os.path.join(self.site.dir, "missing.db"))
        self.assertEqual(p.returncode, 66, p.stderr)
        self.assertEqual(count(self.site.store, "SELECT count(*) FROM articles"), orig)


class StoreCheck(unittest.TestCase):
    """Each case breaks one invariant of a clean store."""

    @classmethod
    def setUpClass(cls):
        cls.base = tempfile.mkdtemp(prefix="fg-check-")
        class T:
            def addCleanup(self, *a):
                pass
        g = MailGate(T())
        cls.gate_dir = g.dir
        # one outbox row, and a list queue row of a valid state
        p = subprocess.run([FORUMGATE, "-c", DEMO, *g.overrides, "ingest", "--recipient",
                            GENERAL, "--sender", ALICE],
                           input=make_message(QUOTED_REPLY, message_id=msgid(),
                                              in_reply_to=GENERAL_POST),
                           cwd=ROOT, capture_output=True, timeout=60)
        assert p.returncode == 0, p.stderr
        cls.clean = os.path.join(cls.base, "clean.db")
        c = sqlite3.connect(g.store)
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        c.close()
        shutil.copy(g.store, cls.clean)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.base, True)
        shutil.rmtree(cls.gate_dir, True)

    def check(self, *sql):
        d = tempfile.mkdtemp(prefix="fg-check-", dir=self.base)
        db = os.path.join(d, "store.db")
        shutil.copy(self.clean, db)
        cmd = [FORUMGATE, "-c", DEMO, "-o", f"gateway.store={db}", "store", "check"]
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        c = sqlite3.connect(db)
        for s in sql:
            c.execute(s)
        c.commit()
        c.close()
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 65, p.stdout + p.stderr)
        return p.stdout.decode()

    def test_number_not_below_next_number(self):
        out = self.check("UPDATE groups SET next_number = 1 WHERE name = 'demo.general'")
        self.assertIn("demo.general: article number 1 is not below the next number 1", out)

    def test_article_listed_twice(self):
        out = self.check(
            "INSERT INTO numbering(group_id, number, article_id, withdrawn, overview)"
            " SELECT group_id, 100, article_id, 0, overview FROM numbering"
            " WHERE group_id = (SELECT id FROM groups WHERE name = 'demo.general')"
            " AND number = 1",
            "UPDATE groups SET next_number = 101, live = live + 1"
            " WHERE name = 'demo.general'")
        self.assertIn("is listed under 2 numbers", out)

    def test_missing_overview_line(self):
        out = self.check("UPDATE numbering SET overview = NULL WHERE number = 1 AND group_id ="
                         " (SELECT id FROM groups WHERE name = 'demo.general')")
        self.assertIn("demo.general: article number 1 has no overview line", out)

    def test_group_count(self):
        out = self.check("UPDATE groups SET live = live + 5 WHERE name = 'demo.general'")
        self.assertIn("demo.general: counts", out)

    def test_post_without_its_article(self):
        out = self.check("UPDATE posts SET message_id = '<gone@example.org>'"
                         " WHERE id = (SELECT min(id) FROM posts WHERE deleted = 0)")
        self.assertIn("its article <gone@example.org> is missing", out)

    def test_outbox_state(self):
        out = self.check("UPDATE outbox SET state = 'sideways'")
        self.assertIn("unknown state 'sideways'", out)

    def test_posted_without_post_id(self):
        out = self.check("UPDATE outbox SET state = 'posted', forum_post_id = NULL")
        self.assertIn("posted without a forum post id", out)

    def test_list_queue_state(self):
        out = self.check(
            "INSERT INTO list_queue(article_id, group_name, recipient, domain, format, state,"
            " next_try, created) VALUES (1, 'demo.general', 'x@example.org', 'example.org',"
            " 'text', 'lost', 0, 0)")
        self.assertIn("list queue", out)
        self.assertIn("'lost'", out)

    def test_integrity_check(self):
        # an index that no longer matches its table
        out = self.check("PRAGMA writable_schema = ON",
                         "UPDATE sqlite_master SET sql = replace(sql, '(message_id)', '(author)')"
                         " WHERE name = 'posts_message_id'")
        self.assertIn("missing from index posts_message_id", out)


class OutboxCommands(unittest.TestCase):
    def setUp(self):
        self.g = MailGate(self)
        self.mids = []
        for _ in range(2):
            mid = msgid()
            p = self.g.run("ingest", "--recipient", GENERAL, "--sender", ALICE,
                           input=make_message(QUOTED_REPLY, message_id=mid,
                                              in_reply_to=GENERAL_POST))
            self.mids.append(mid)
        # the forum refuses replies to a locked thread
        self.lock = os.path.join(self.g.spool, f".locked-{GENERAL_THREAD}")
        open(self.lock, "w").close()
        self.g.run("-o", "mail.smarthost=", "outbox", "--once")

    def rows(self):
        return {r["message_id"]: r for r in self.g.outbox()}

    def listing(self, *args):
        p = self.g.run("outbox", "list", *args)
        return [l.split("\t") for l in p.stdout.decode().splitlines()]

    def test_list_retry_drop(self):
        rows = self.rows()
        self.assertEqual({r["state"] for r in rows.values()}, {"failed"})
        lines = self.listing()
        self.assertEqual(len(lines), 2)
        for l in lines:
            self.assertEqual(len(l), 7, l)
            self.assertEqual(l[1], "failed")
            self.assertEqual(l[2], "demo")
            self.assertIn(l[3], self.mids)
            self.assertEqual(l[4], "1")
            self.assertIn("locked", l[5])
            self.assertRegex(l[6], r"^\d+[mhd]$")
        self.assertEqual(self.listing("--state", "queued"), [])
        self.assertEqual(len(self.listing("--state", "failed")), 2)

        first, second = rows[self.mids[0]]["id"], rows[self.mids[1]]["id"]
        os.unlink(self.lock)
        p = self.g.run("outbox", "retry", str(first))
        self.assertIn(b"1 reply queued", p.stdout)
        r = self.rows()[self.mids[0]]
        self.assertEqual((r["state"], r["attempts"]), ("queued", 0))
        self.assertEqual(self.rows()[self.mids[1]]["state"], "failed")
        p = self.g.run("outbox", "drop", str(second))
        self.assertIn(b"dropped", p.stdout)
        self.g.run("outbox", "--once")
        rows = self.rows()
        self.assertEqual(rows[self.mids[0]]["state"], "posted")
        self.assertEqual(rows[self.mids[1]]["state"], "dropped")
        self.assertTrue(rows[self.mids[1]]["article"], "a dropped reply keeps its text")
        self.assertEqual(len([f for f in os.listdir(self.g.spool) if f.startswith("reply-")]), 1)
        # --all-failed leaves dropped and posted replies alone
        p = self.g.run("outbox", "retry", "--all-failed")
        self.assertIn(b"0 replies", p.stdout)
        self.assertEqual(self.listing("--state", "dropped")[0][0], str(second))
        # refusals
        p = self.g.run("outbox", "drop", str(first), check=False)
        self.assertEqual(p.returncode, 65)
        self.assertIn(b"is posted", p.stderr)
        p = self.g.run("outbox", "retry", "999", check=False)
        self.assertEqual(p.returncode, 65)
        self.assertIn(b"no reply 999", p.stderr)
        for bad in (("retry",), ("retry", "x"), ("drop",), ("retry", "1", "--all-failed"),
                    ("list", "1"), ("frobnicate",)):
            p = self.g.run("outbox", *bad, check=False)
            self.assertEqual(p.returncode, 64, bad)
        p = self.g.run("store", "check")
        self.assertIn(b"no problems", p.stdout)

    def test_retry_all_failed(self):
        os.unlink(self.lock)
        p = self.g.run("outbox", "retry", "--all-failed")
        self.assertIn(b"2 replies queued", p.stdout)
        self.g.run("outbox", "--once")
        self.assertEqual({r["state"] for r in self.rows().values()}, {"posted"})


if __name__ == "__main__":
    unittest.main()
