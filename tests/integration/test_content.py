"""What the articles hold and how sync keeps them (issue #11): :bytes without
the dot-stuffing, one slug rule for unmapped boards (groups already stored
keep their names), superseded articles still served by Message-ID, a post
with an unreadable date keeps its thread (warned once per file change), a
literal ">From" in <pre> is not a quote, and posts that vanish from a file
without "deleted": true stay."""
import json
import nntplib
import os
import sqlite3
import subprocess
import time
import unittest
import warnings

from fgtest import DEMO, FORUMGATE, ROOT, Gate
from nntpserver import Raw, Server

warnings.filterwarnings("ignore", category=DeprecationWarning)


def write_thread(path, posts, board="General Discussion", tid="500", title="Content"):
    doc = {"format": "forumgate-thread/1", "forum": "demo", "board": board,
           "thread": {"id": tid, "title": title}, "posts": posts}
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f)
    os.rename(tmp, path)


def post(pid, body, fmt="text", date="2024-05-01T10:00:00Z", **kw):
    p = {"id": pid, "position": int(pid), "author": "Ann", "date": date, "format": fmt,
         "body": body}
    p.update(kw)
    return p


def wire(store, msgid):
    db = sqlite3.connect(store)
    row = db.execute("SELECT wire, header_len FROM articles WHERE message_id = ?",
                     (msgid,)).fetchone()
    db.close()
    return row


def groups(store):
    db = sqlite3.connect(store)
    names = {r[0] for r in db.execute("SELECT name FROM groups")}
    db.close()
    return names


def back_to_version_7(db):
    """Undo migrations 8 and later on db, so the next run of the binary
    migrates a store as version 7 left it."""
    db.executescript(
        "DROP TABLE board_groups; DROP INDEX articles_superseded;"
        " ALTER TABLE articles DROP COLUMN superseded_by;"
        " DROP TABLE push_topics; DROP TABLE push_events;"
        " DROP TABLE subscriptions; DROP TABLE list_queue;"
        " DROP TABLE list_domains; DROP TABLE list_state;"
        " DROP TABLE runtime_roles; DROP TABLE runtime_metrics; DROP TABLE runtime_sync;"
        + "".join(f" ALTER TABLE bounces DROP COLUMN {c};" for c in (
            "score", "soft", "hard_count", "last_counted", "updated",
            "last_was_hard", "suspended", "suspended_at"))
        + " PRAGMA user_version = 7;")


class Overview(unittest.TestCase):
    def test_bytes_is_the_article_without_dot_stuffing(self):
        """RFC 3977 §8.1.1: :bytes counts the article as ARTICLE gives it
        once the dot-stuffing is undone (877 against 875 before)."""
        srv = Server(self, import_demo=False)
        spool = os.path.join(srv.gate.dir, "spool")
        os.mkdir(spool)
        write_thread(os.path.join(spool, "t.json"),
                     [post("1", ".hidden\n..two\nplain\n.")])
        srv.gate.run("import", spool)
        s = nntplib.NNTP("127.0.0.1", srv.port, readermode=True, timeout=10)
        try:
            _, count, first, last, _ = s.group("demo.general")
            _, over = s.over((first, last))
            self.assertEqual(len(over), 1)
            _, art = s.article(first)
            served = b"\r\n".join(art.lines) + b"\r\n"
            self.assertIn(b"\r\n.hidden\r\n..two\r\n", served)  # unstuffed by nntplib
            self.assertEqual(int(over[0][1][":bytes"]), len(served))
            stored, _ = wire(srv.gate.store, over[0][1]["message-id"])
            self.assertEqual(len(stored), len(served) + 3)  # three stuffed dots
        finally:
            s.quit()

    def test_old_overview_is_recomputed(self):
        """A store written before keeps its articles; migration 8 rewrites
        the :bytes of those with dot-stuffed lines."""
        g = Gate(self)
        spool = os.path.join(g.dir, "spool")
        os.mkdir(spool)
        write_thread(os.path.join(spool, "t.json"), [post("1", ".a\n.b\nc")])
        g.run("import", spool)
        db = sqlite3.connect(g.store)
        latest = db.execute("PRAGMA user_version").fetchone()[0]
        wl, ov = db.execute("SELECT length(a.wire), n.overview FROM articles a"
                            " JOIN numbering n ON n.article_id = a.id").fetchone()
        f = ov.split("\t")
        self.assertEqual(int(f[5]), wl - 2)
        f[5] = str(wl)  # what the old binary stored
        db.execute("UPDATE numbering SET overview = ?", ("\t".join(f),))
        back_to_version_7(db)
        db.commit()
        db.close()
        g.run("import", spool)
        db = sqlite3.connect(g.store)
        ov = db.execute("SELECT overview FROM numbering").fetchone()[0]
        self.assertEqual(db.execute("PRAGMA user_version").fetchone()[0], latest)
        db.close()
        self.assertEqual(int(ov.split("\t")[5]), wl - 2)


class Slugs(unittest.TestCase):
    def setUp(self):
        self.g = Gate(self)
        self.spool = os.path.join(self.g.dir, "spool")
        os.mkdir(self.spool)

    def test_new_store_transliterates(self):
        write_thread(os.path.join(self.spool, "t.json"), [post("1", "x")], board="Café Straße")
        self.g.run("import", self.spool)
        self.assertIn("demo.cafe-strasse", groups(self.g.store))
        self.assertNotIn("demo.caf-stra-e", groups(self.g.store))
        m = self.g.messages()
        self.assertEqual(m[0]["Newsgroups"], "demo.cafe-strasse")

    def test_stored_group_keeps_its_old_name(self):
        """A store made by the old rule (config.c's: "demo.caf-stra-e"),
        synced with the new binary: the board stays in its group, and no
        second group appears."""
        write_thread(os.path.join(self.spool, "t1.json"), [post("1", "x")], board="Café Straße",
                     tid="1")
        self.g.run("import", self.spool)
        db = sqlite3.connect(self.g.store)
        db.execute("UPDATE groups SET name = 'demo.caf-stra-e' WHERE name = 'demo.cafe-strasse'")
        back_to_version_7(db)
        db.commit()
        db.close()
        write_thread(os.path.join(self.spool, "t2.json"), [post("1", "y")], board="Café Straße",
                     tid="2")
        self.g.run("import", self.spool)
        names = groups(self.g.store)
        self.assertIn("demo.caf-stra-e", names)
        self.assertNotIn("demo.cafe-strasse", names)
        msgs = self.g.messages("--group", "demo.caf-stra-e")
        self.assertEqual(len(msgs), 2)
        self.assertEqual(msgs[1]["Newsgroups"], "demo.caf-stra-e")


class Supersedes(unittest.TestCase):
    def test_edited_article_stays_retrievable_by_message_id(self):
        srv = Server(self, import_demo=False)
        spool = os.path.join(srv.gate.dir, "spool")
        os.mkdir(spool)
        f = os.path.join(spool, "t.json")
        posts = [post("1", "Root."), post("2", "A reply.", parent="1")]
        write_thread(f, posts)
        srv.gate.run("import", spool)
        old = "<p1.t500.demo@forumgate.example>"
        posts[0]["body"] = "Root, edited."
        write_thread(f, posts)
        p = srv.gate.run("import", spool)
        self.assertIn(b"1 edited", p.stderr)
        r = Raw(srv.port)
        self.assertTrue(r.cmd("GROUP demo.general").startswith("211 2 "))
        self.assertTrue(r.cmd("LISTGROUP demo.general").startswith("211"))
        listed = r.block()
        self.assertEqual(listed, ["2", "3"])
        self.assertTrue(r.cmd("OVER 1-3").startswith("224"))
        over = r.block()
        self.assertEqual(len(over), 2)
        ids = [l.split("\t")[4] for l in over]
        self.assertNotIn(old, ids)
        new = ids[1]
        # the reply's References still name the old id, which resolves
        self.assertIn(old, over[0].split("\t")[5])
        # the old one by its id: ARTICLE, HEAD, STAT; its parent link holds
        self.assertEqual(r.cmd(f"ARTICLE {old}"), f"220 0 {old}")
        art = r.block()
        self.assertIn("Root.", art)
        self.assertEqual(r.cmd(f"HEAD {old}"), f"221 0 {old}")
        r.block()
        self.assertEqual(r.cmd(f"STAT {old}"), f"223 0 {old}")
        self.assertEqual(r.cmd("ARTICLE 1"), "423 No article with that number")
        self.assertEqual(r.cmd(f"HEAD {new}").split()[0], "221")
        head = r.block()
        self.assertIn(f"Supersedes: {old}", head)
        # deleting the post withdraws every version of it
        posts[0]["deleted"] = True
        write_thread(f, posts)
        srv.gate.run("import", spool)
        self.assertEqual(r.cmd(f"STAT {old}").split()[0], "430")
        self.assertEqual(r.cmd(f"STAT {new}").split()[0], "430")
        self.assertEqual(r.cmd("STAT <p2.t500.demo@forumgate.example>").split()[0], "223")
        r.cmd("QUIT")


class BadDates(unittest.TestCase):
    def setUp(self):
        self.g = Gate(self)
        self.spool = os.path.join(self.g.dir, "spool")
        os.mkdir(self.spool)
        self.file = os.path.join(self.spool, "t.json")
        self.posts = [post("1", "One."), post("2", "Two.", date="yesterday-ish"),
                      post("3", "Three.", date="2024-05-01T12:00:00Z")]
        write_thread(self.file, self.posts)

    def test_one_bad_date_keeps_the_thread(self):
        p = self.g.run("import", self.spool)
        err = p.stderr.decode()
        self.assertIn("t.json: posts[1].date (post 2): unrecognised date", err)
        self.assertIn("date unknown", err)
        self.assertIn("3 new", err)
        self.assertIn("0 files skipped", err)
        msgs = self.g.messages()
        self.assertEqual([m.get_content().strip() for m in msgs], ["One.", "Two.", "Three."])
        dates = [m["Date"] for m in msgs]
        # the unknown date is the time first seen, and stays
        self.g.run("import", self.spool)
        self.assertEqual([m["Date"] for m in self.g.messages()], dates)

    def sync(self):
        return self.g.run("-o", f"forums.demo.spool.path={self.spool}", "sync", "--once"
                          ).stderr.decode()

    def test_warned_once_per_file_change(self):
        first = self.sync()
        self.assertIn("posts[1].date (post 2)", first)
        # the next passes re-read the file (it changed within the cursor's
        # margin) but do not repeat the warning
        again = self.sync()
        self.assertNotIn("posts[1].date", again)
        self.assertNotIn("warning", again)
        # a change of the file warns again
        time.sleep(0.05)
        self.posts[0]["body"] = "One, edited."
        write_thread(self.file, self.posts)
        third = self.sync()
        self.assertIn("posts[1].date (post 2)", third)
        self.assertNotIn("posts[1].date", self.sync())

    def test_broken_file_says_skipped_once(self):
        with open(os.path.join(self.spool, "broken.json"), "w") as f:
            f.write('{"format": "forumgate-thread/1", "thread": {"id": 1,')
        first = self.sync()
        self.assertRegex(first, r"broken\.json:1:\d+: .*: file skipped")
        self.assertNotIn("broken.json", self.sync())


class Vanished(unittest.TestCase):
    def test_post_missing_from_file_stays(self):
        """A post that disappears from the files without "deleted": true
        keeps its article (README): a pass reads only the files that
        changed, and the other pages of a thread may be in files that did
        not. Only "deleted": true withdraws."""
        g = Gate(self)
        spool = os.path.join(g.dir, "spool")
        os.mkdir(spool)
        f = os.path.join(spool, "t.json")
        posts = [post("1", "One."), post("2", "Two."), post("3", "Three.")]
        write_thread(f, posts)
        g.run("import", spool)
        write_thread(f, [posts[0], posts[2]])
        p = g.run("import", spool)
        self.assertIn(b"0 deleted", p.stderr)
        self.assertEqual(len(g.messages()), 3)
        os.unlink(f)
        g.run("-o", f"forums.demo.spool.path={spool}", "sync", "--once")
        self.assertEqual(len(g.messages()), 3)
        write_thread(f, [posts[0], dict(posts[1], deleted=True), posts[2]])
        p = g.run("import", spool)
        self.assertIn(b"1 deleted", p.stderr)
        self.assertEqual([m.get_content().strip() for m in g.messages()], ["One.", "Three."])


class PreFrom(unittest.TestCase):
    def test_pre_gt_from_is_text_not_quote(self):
        g = Gate(self)
        spool = os.path.join(g.dir, "spool")
        os.mkdir(spool)
        write_thread(os.path.join(spool, "t.json"),
                     [post("1", "<pre>&gt;From here\nplain</pre><blockquote>quoted</blockquote>",
                           fmt="html")])
        g.run("import", spool)
        w, hl = wire(g.store, "<p1.t500.demo@forumgate.example>")
        body = bytes(w[hl:])
        # space-stuffed (RFC 3676 §4.4): a reader shows ">From here" as text
        self.assertIn(b"\r\n >From here\r\n", b"\r\n" + body)
        self.assertNotIn(b"\r\n>From", b"\r\n" + body)
        self.assertIn(b"\r\n> quoted\r\n", body)


if __name__ == "__main__":
    unittest.main()
