"""Message-ID squatting and the POST checks of issue #10, end to end with the
real binary: an article imported under the id the next forum post will get
(imports keep their ids) must not hide that post when sync brings it (it is
served under a variant id and the conflict is logged); NNTP POST and the
mail intake (LMTP, `forumgate ingest`) refuse ids of the gateway's own
namespace with the reason; a POST holding a NUL byte is refused."""
import json
import os
import sqlite3
import subprocess
import unittest

from fgtest import DEMO, FORUMGATE, ROOT, Gate
from mailserver import ALICE, GENERAL, GENERAL_POST, LMTP, MailGate, make_message
from nntpserver import Raw, Server

DOMAIN = "forumgate.example"


def write_thread(path, posts):
    with open(path, "w") as f:
        json.dump({"format": "forumgate-thread/1", "forum": "demo",
                   "board": "General Discussion",
                   "thread": {"id": "9001", "title": "Squatting"}, "posts": posts}, f)


def post(pid, position, body, parent=None):
    p = {"id": pid, "position": position, "author": "Anna", "author_id": "7",
         "date": "2024-03-01T10:00:00+01:00", "format": "text", "body": body}
    if parent:
        p["parent"] = parent
    return p


def squatter(path, message_id, text):
    """A Netnews article carrying message_id, as `forumgate import` takes it."""
    with open(path, "w") as f:
        f.write("From: Mallory <mallory@example.com>\n"
                "Newsgroups: demo.general\n"
                "Subject: Re: Squatting\n"
                "Date: Fri, 01 Mar 2024 08:00:00 +0000\n"
                f"Message-ID: {message_id}\n"
                "Path: elsewhere!not-for-mail\n"
                "\n"
                f"{text}\n")


class SyncCollision(unittest.TestCase):
    def setUp(self):
        self.g = Gate(self)
        self.spool = os.path.join(self.g.dir, "spool")
        os.makedirs(self.spool)
        self.g.overrides += ["-o", f"forums.demo.spool.path={self.spool}"]

    def by_id(self):
        return {m["Message-ID"]: m for m in self.g.messages()}

    def test_squatted_ids_do_not_hide_forum_posts(self):
        g = self.g
        taken = f"<p9002.t9001.demo@{DOMAIN}>"
        taken_edit = f"<p9001.v2.t9001.demo@{DOMAIN}>"
        squatter(os.path.join(g.dir, "squat1.eml"), taken, "Squatter text one.")
        squatter(os.path.join(g.dir, "squat2.eml"), taken_edit, "Squatter text two.")
        g.run("import", os.path.join(g.dir, "squat1.eml"))
        g.run("import", os.path.join(g.dir, "squat2.eml"))

        thread = os.path.join(self.spool, "squat.json")
        posts = [post("9001", 1, "The root post."),
                 post("9002", 2, "The reply someone tried to hide.", parent="9001"),
                 post("9003", 3, "An answer to the hidden reply.", parent="9002")]
        write_thread(thread, posts)
        p = g.run("sync", "--once")
        log = p.stderr.decode()
        variant = f"<p9002.t9001.demo.c1@{DOMAIN}>"
        self.assertIn(taken, log)
        self.assertIn(variant, log)
        self.assertIn("post 9002", log)

        arts = self.by_id()
        # the squatter's article stands as it was, under its id ...
        self.assertIn("Squatter text one.", arts[taken].get_content())
        # ... and the forum post is served too, under the variant
        self.assertIn(variant, arts)
        self.assertIn("The reply someone tried to hide.", arts[variant].get_content())
        self.assertEqual(arts[variant]["In-Reply-To"], f"<p9001.t9001.demo@{DOMAIN}>")
        answer = arts[f"<p9003.t9001.demo@{DOMAIN}>"]
        self.assertEqual(answer["In-Reply-To"], variant)
        self.assertIn(variant, answer["References"])
        # the post's row names the id it is served under
        db = sqlite3.connect(g.store)
        row = db.execute("SELECT message_id FROM posts WHERE post_key = '9002'").fetchone()
        db.close()
        self.assertEqual(row[0], variant)

        # nothing changed: a second pass writes nothing and warns no more
        p = g.run("sync", "--once")
        self.assertNotIn("taken", p.stderr.decode())
        self.assertEqual(len(self.by_id()), len(arts))

        # an edit whose id (".v2") was taken gets a variant as well
        posts[0]["body"] = "The root post, edited."
        write_thread(thread, posts)
        p = g.run("sync", "--once")
        edit = f"<p9001.v2.t9001.demo.c1@{DOMAIN}>"
        self.assertIn(taken_edit, p.stderr.decode())
        self.assertIn(edit, p.stderr.decode())
        arts = self.by_id()
        self.assertIn("Squatter text two.", arts[taken_edit].get_content())
        self.assertIn("The root post, edited.", arts[edit].get_content())
        self.assertEqual(arts[edit]["Supersedes"], f"<p9001.t9001.demo@{DOMAIN}>")
        # the superseded version left the group: the export no longer has it
        self.assertNotIn(f"<p9001.t9001.demo@{DOMAIN}>", arts)


    def test_old_queued_reply_with_our_id_does_not_take_a_post_id(self):
        """A reply queued before the front ends refused our namespace, under
        the id of a post that sync has not seen yet (held in moderation,
        say): when the reply comes back from the forum it gets its own id,
        and the post, when it appears, keeps its id."""
        g = self.g
        thread = os.path.join(self.spool, "squat.json")
        root = post("9001", 1, "The root post.")
        write_thread(thread, [root])
        g.run("sync", "--once")
        squat = f"<p9002.t9001.demo@{DOMAIN}>"
        db = sqlite3.connect(g.store)
        db.execute("INSERT INTO outbox (message_id, source, user, forum, thread_key, newsgroups,"
                   " subject, article, state, next_attempt, created, forum_post_id)"
                   " VALUES (?, 'nntp', 'mallory', 'demo', '9001', 'demo.general', 'x',"
                   " 'x', 'posted', 0, 0, '9003')", (squat,))
        db.commit()
        db.close()
        reply = post("9003", 3, "The reply that came in by NNTP.", parent="9001")
        write_thread(thread, [root, reply])
        g.run("sync", "--once")
        held = post("9002", 2, "The post that was held back.", parent="9001")
        write_thread(thread, [root, held, reply])
        p = g.run("sync", "--once")
        self.assertNotIn("taken", p.stderr.decode())
        arts = self.by_id()
        self.assertIn("The post that was held back.", arts[squat].get_content())
        self.assertIn("The reply that came in by NNTP.",
                      arts[f"<p9003.t9001.demo@{DOMAIN}>"].get_content())


class NntpPost(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server(cls)

    @classmethod
    def addCleanup(cls, fn, *a, **k):
        cls.addClassCleanup(fn, *a, **k)

    def poster(self):
        r = Raw(self.srv.tls_port, self.srv.ssl_context())
        self.addClassCleanup(r.close)
        self.assertTrue(r.cmd("AUTHINFO USER alice").startswith("381"))
        self.assertTrue(r.cmd("AUTHINFO PASS secret").startswith("281"))
        return r

    def post(self, r, article):
        self.assertTrue(r.cmd("POST").startswith("340"))
        r.send(article + b".\r\n")
        return r.line()

    def queued(self, message_id):
        db = sqlite3.connect(self.srv.gate.store)
        try:
            return db.execute("SELECT count(*) FROM outbox WHERE message_id = ?",
                              (message_id,)).fetchone()[0]
        finally:
            db.close()

    def test_nul_byte_is_refused(self):
        r = self.poster()
        reply = self.post(r, b"From: a@example.org\r\nNewsgroups: demo.general\r\n"
                             b"Subject: nul\r\nMessage-ID: <it-nul@example.org>\r\n\r\n"
                             b"cut here\x00and the rest\r\n")
        self.assertEqual(reply, "441 the article contains a NUL byte, which no header or "
                                "text may hold")
        self.assertEqual(self.queued("<it-nul@example.org>"), 0)
        # the session goes on
        self.assertTrue(r.cmd("DATE").startswith("111"))

    def test_our_namespace_is_refused(self):
        r = self.poster()
        for mid in (f"<p9123.t14.demo@{DOMAIN}>", f"<p141.v3.t14.demo@{DOMAIN}>"):
            reply = self.post(r, b"From: a@example.org\r\nNewsgroups: demo.general\r\n"
                                 b"Subject: squat\r\nMessage-ID: " + mid.encode() +
                                 b"\r\n\r\nmine now\r\n")
            self.assertTrue(reply.startswith(f"441 the Message-ID {mid} has the form of this "
                                             "gateway's own ids"), reply)
            self.assertEqual(self.queued(mid), 0)


class MailIntake(unittest.TestCase):
    def setUp(self):
        self.g = MailGate(self)

    def test_lmtp_refuses_our_namespace_with_550_5_6_0(self):
        m = self.g.mailin()
        mid = f"<p9124.t14.demo@{DOMAIN}>"
        with LMTP(m.port) as c:
            c.cmd("LHLO test.example")
            _, _, data = c.transaction(ALICE, [GENERAL],
                                       make_message(message_id=mid, in_reply_to=GENERAL_POST))
        code, text = data[0]
        self.assertEqual(code, 550, text)
        self.assertTrue(text[-1].startswith("5.6.0 "), text)
        self.assertIn("own ids", text[-1])
        self.assertEqual(self.g.outbox("message_id = ?", mid), [])
        # a client's own id at the gateway's domain is fine
        ok = f"<8f3c2a4e9b@{DOMAIN}>"
        with LMTP(m.port) as c:
            c.cmd("LHLO test.example")
            _, _, data = c.transaction(ALICE, [GENERAL],
                                       make_message(message_id=ok, in_reply_to=GENERAL_POST))
        self.assertEqual(data[0][0], 250, data)

    def test_ingest_exits_65(self):
        mid = f"<p9125.v2.t14.demo@{DOMAIN}>"
        p = subprocess.run([FORUMGATE, "-c", DEMO, *self.g.overrides, "ingest", "--recipient",
                            GENERAL, "--sender", ALICE], cwd=ROOT, capture_output=True,
                           input=make_message(message_id=mid, in_reply_to=GENERAL_POST),
                           timeout=60)
        self.assertEqual(p.returncode, 65, p.stderr)
        self.assertIn(b"own ids", p.stderr)
        self.assertEqual(self.g.outbox("message_id = ?", mid), [])


if __name__ == "__main__":
    unittest.main()
