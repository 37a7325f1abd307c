"""The live board connector (gateway/forum/board.c) against the fixture
board server (board_fixture.py) over loopback, driven through the real
binary: sync --once, the sync role, ingest + outbox --once, export.

Each engine runs the same read tests (ReadTests with ENGINE/TYPE set by a
subclass); posting is tested on the engines with write support."""
import email.utils
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
import unittest

from board_fixture import BoardFixture
from fgtest import FORUMGATE, ROOT, parse_mboxrd
from mailserver import (ALICE, LMTP, REPLY_DOMAIN, SMTPSink, free_port, make_message, msgid,
                        wait_port)
from nntpserver import Raw


class BGate:
    """A forumgate whose config has one board forum `brd` on the fixture
    (and more forums when `more` is given)."""

    def __init__(self, test, fx, typ, board="", extra="", top="", more="", password=None,
                 user=None, list_interval=0):
        self.dir = tempfile.mkdtemp(prefix="fg-brd-")
        test.addCleanup(shutil.rmtree, self.dir, True)
        self.store = os.path.join(self.dir, "store.db")
        self.config = os.path.join(self.dir, "fg.yaml")
        self.pwfile = os.path.join(self.dir, "board-password")
        login = ""
        if user:
            with open(self.pwfile, "w") as f:
                f.write(password + "\n")
            login = f"      user: {user}\n      password_file: {self.pwfile}\n"
        with open(self.config, "w") as f:
            f.write(f"""gateway:
  domain: forumgate.example
  store: {self.store}
  allow_root: true
forums:
  - name: brd
    type: {typ}
    url: {fx.url}/
    group_prefix: brd
{extra}
    board:
      request_delay: 0
      list_interval: {list_interval}
{login}{board}{more}{top}""")

    def run(self, *args, check=True, timeout=120):
        cmd = [FORUMGATE, "-c", self.config, *args]
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=timeout)
        # failing passes too end cleanly (under sanitizers: nothing reported)
        if b"Sanitizer" in p.stderr or b"runtime error" in p.stderr:
            raise AssertionError(p.stderr.decode(errors="replace"))
        if check and p.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} exited {p.returncode}:\n"
                                 f"{p.stderr.decode(errors='replace')}")
        return p

    def sync(self, check=True):
        return self.run("sync", "--once", check=check)

    def messages(self, *args):
        return parse_mboxrd(self.run("export", *args).stdout)

    def ingest(self, message, recipient, sender=ALICE):
        p = subprocess.run([FORUMGATE, "-c", self.config, "ingest", "--recipient", recipient,
                            "--sender", sender], cwd=ROOT, input=message,
                           capture_output=True, timeout=60)
        if p.returncode != 0:
            raise AssertionError(p.stderr.decode(errors="replace"))

    def outbox(self):
        db = sqlite3.connect(self.store, timeout=30)
        db.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in db.execute("SELECT * FROM outbox ORDER BY id")]
        finally:
            db.close()


def body(m):
    return m.get_content().strip()


def thread_of(m):
    return m["Message-ID"].split(".")[1]


class ReadTests:
    ENGINE = None   # the fixture's engine
    TYPE = None     # the forum type
    THREAD_RE = None  # regex of a thread page's path; group 1 the thread id
    LOGIN_POST = None  # regex of the login form's POST path

    def board(self, **kw):
        kw.setdefault("posts_per_page", 5)
        fx = BoardFixture(self.ENGINE, **kw)
        fx.start()
        self.addCleanup(fx.stop)
        fx.add_user("alice", "secret")
        fx.add_user("bob", "hunter2")
        return fx

    def gate(self, fx, **kw):
        return BGate(self, fx, self.TYPE, **kw)

    def thread_fetches(self, fx, tid):
        return [p for p in fx.fetched(self.THREAD_RE)
                if re.search(self.THREAD_RE, p).group(1) == str(tid)]

    def logins(self, fx):
        return [r for r in fx.requests if r.method == "POST" and re.search(self.LOGIN_POST, r.path)]

    # ---- first sync, pagination, incremental ----

    def test_first_sync_pagination_and_groups(self):
        fx = self.board()
        b = fx.add_board("General Talk")
        t = fx.add_thread(b, "Hello there", "alice", "<b>first</b> post")
        for i in range(11):
            fx.add_post(t, "bob", f"reply number {i}")
        g = self.gate(fx)
        g.sync()
        msgs = g.messages()
        self.assertEqual(len(msgs), 12)  # three pages of five
        self.assertEqual({m["Newsgroups"] for m in msgs}, {"brd.general-talk"})
        self.assertEqual(msgs[0]["Subject"], "Hello there")
        self.assertEqual(body(msgs[-1]), "reply number 10")
        # a rename keeps the group (board_key "forum:<id>")
        fx.rename_board(b, "Renamed Talk")
        fx.add_post(t, "bob", "after the rename")
        g.sync()
        self.assertEqual({m["Newsgroups"] for m in g.messages()}, {"brd.general-talk"})

    def test_localized_dates_in_the_boards_zone(self):
        fx = self.board(lang="de", tz="Europe/Berlin")
        b = fx.add_board("Allgemeines")
        now = int(time.time()) // 60 * 60
        old = now - 40 * 86400 - 3 * 3600
        t = fx.add_thread(b, "Hallo", "alice", "alt", date=old)
        fx.add_post(t, "bob", "heute", date=now - 120)  # printed "Heute, HH:MM"
        g = self.gate(fx, extra="    timezone: Europe/Berlin")
        g.sync()
        got = {body(m): email.utils.parsedate_to_datetime(m["Date"]).timestamp()
               for m in g.messages()}
        self.assertEqual(got["alt"] // 60, old // 60)
        self.assertEqual(got["heute"] // 60, (now - 120) // 60)

    def test_backfill_limit_and_progress(self):
        fx = self.board()
        b = fx.add_board("General Talk")
        now = int(time.time())
        old = fx.add_thread(b, "Old thread", "alice", "from long ago", date=now - 40 * 86400)
        ids = [fx.add_thread(b, f"Recent {i}", "bob", f"recent {i}", date=now - 3600 + i)
               for i in range(3)]
        g = self.gate(fx, extra="    backfill:\n      topics: 2")
        g.sync()
        self.assertEqual({thread_of(m) for m in g.messages()}, {f"t{ids[-1]}", f"t{ids[-2]}"})
        self.assertEqual(self.thread_fetches(fx, old), [])
        self.assertEqual(self.thread_fetches(fx, ids[0]), [])
        g2 = self.gate(fx, extra="    backfill:\n      days: 7")
        g2.sync()
        self.assertEqual({thread_of(m) for m in g2.messages()}, {f"t{i}" for i in ids})

    def test_incremental_fetches_only_changed_threads_and_new_pages(self):
        fx = self.board()
        b = fx.add_board("General Talk")
        busy = fx.add_thread(b, "Busy", "alice", "busy root")
        for i in range(11):
            fx.add_post(busy, "bob", f"busy {i}")
        calm = fx.add_thread(b, "Calm", "bob", "calm root")
        g = self.gate(fx)
        g.sync()
        self.assertEqual(len(g.messages()), 13)
        del fx.requests[:]
        fx.add_post(busy, "alice", "the newest post")
        g.sync()
        # the busy thread from its third page (where the last post seen
        # was) on, the calm one not at all
        self.assertEqual(self.thread_fetches(fx, calm), [])
        got = self.thread_fetches(fx, busy)
        self.assertEqual(len(got), 1, got)
        self.assertRegex(got[0], self.PAGE3_RE)
        self.assertEqual(body(g.messages()[-1]), "the newest post")
        # nothing changed: no thread page at all
        del fx.requests[:]
        g.sync()
        self.assertEqual(fx.fetched(self.THREAD_RE), [])

    def test_sticky_threads_do_not_end_the_walk(self):
        fx = self.board(threads_per_page=2)
        b = fx.add_board("General Talk")
        now = int(time.time())
        sticky = fx.add_thread(b, "Rules", "alice", "read me", date=now - 86400 * 30,
                               sticky=True)
        ids = [fx.add_thread(b, f"T{i}", "bob", f"t{i}", date=now - 7200 + i) for i in range(4)]
        g = self.gate(fx)
        g.sync()
        self.assertEqual(len(g.messages()), 5)
        fx.add_post(ids[0], "alice", "bumped", date=now)
        del fx.requests[:]
        g.sync()
        self.assertEqual(body(g.messages()[-1]), "bumped")
        self.assertEqual(self.thread_fetches(fx, sticky), [])

    def test_conditional_list_requests(self):
        fx = self.board(page_validators=True)
        b = fx.add_board("General Talk")
        t = fx.add_thread(b, "Hello", "alice", "root")
        g = self.gate(fx)
        g.sync()
        n = len(fx.requests)
        g.sync()
        asked = [r for r in fx.requests[n:] if r.method == "GET"]
        cond = [r for r in asked if "If-None-Match" in r.headers or
                "If-Modified-Since" in r.headers]
        self.assertTrue(cond, [r.path for r in asked])
        self.assertEqual(len(self.thread_fetches(fx, t)), 1)  # the first sync's only
        fx.add_post(t, "bob", "news")
        g.sync()
        self.assertEqual(body(g.messages()[-1]), "news")

    def test_interrupted_backfill_resumes_after_committed_threads(self):
        fx = self.board()
        b = fx.add_board("General Talk")
        now = int(time.time())
        ids = [fx.add_thread(b, f"T{i}", "bob", f"t{i}", date=now - 600 + i) for i in range(4)]
        g = self.gate(fx)
        # the list is newest first: the third thread fetched asks us to wait
        fx.fault("503", path=self.thread_path_re(ids[1]), retry_after=3600)
        p = g.sync(check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual({thread_of(m) for m in g.messages()}, {f"t{ids[3]}", f"t{ids[2]}"})
        fx.clear_faults()
        del fx.requests[:]
        g.sync()
        self.assertEqual(len(g.messages()), 4)
        self.assertEqual(self.thread_fetches(fx, ids[3]), [])
        self.assertEqual(self.thread_fetches(fx, ids[2]), [])

    def thread_path_re(self, tid):
        return self.THREAD_RE.replace(r"(\d+)", str(tid) + r"\b")

    # ---- quotes, edits, deletions ----

    def test_quote_edit_delete(self):
        fx = self.board()
        b = fx.add_board("General Talk")
        t = fx.add_thread(b, "Quotes", "alice", "root text")
        p1 = fx.add_post(t, "bob", "a first answer")
        p2 = fx.add_post(t, "alice", "quoting bob", quote_of=p1)
        p3 = fx.add_post(t, "bob", "soon gone")
        g = self.gate(fx)
        g.sync()
        msgs = {m["Message-ID"]: m for m in g.messages()}
        mid = {p: f"<p{p}.t{t}.brd@forumgate.example>" for p in (p1, p2, p3)}
        self.assertIn(mid[p1], msgs[mid[p2]]["References"])
        self.assertEqual(msgs[mid[p2]]["In-Reply-To"], mid[p1])
        # an edit on the page a new post brings is seen: Supersedes
        fx.edit_post(p3, "edited text", editor="bob")
        fx.add_post(t, "alice", "later")
        g.sync()
        new = [m for m in g.messages() if m["Supersedes"] == mid[p3]]
        self.assertEqual(len(new), 1)
        self.assertEqual(body(new[0]), "edited text")
        # a deletion (the reply count goes down): withdrawn
        fx.delete_post(p1)
        g.sync()
        bodies = [body(m) for m in g.messages()]
        self.assertNotIn("a first answer", bodies)
        self.assertIn("later", bodies)

    # ---- login ----

    def members_board(self, **kw):
        fx = self.board(**kw)
        b = fx.add_board("Members Lounge", members_only=True)
        t = fx.add_thread(b, "Secret", "alice", "for members")
        return fx, b, t

    def test_login_and_expired_session(self):
        # the boards' default: a forum a guest may not view is not listed
        fx, b, t = self.members_board(hide_private=True)
        pub = fx.add_board("Open Hall")
        g = self.gate(fx, user="alice", password="secret")
        fx.add_thread(pub, "Open", "bob", "for all", date=int(time.time()) - 60)
        g.sync()
        self.assertEqual(sorted(body(m) for m in g.messages()), ["for all", "for members"])
        # what a guest does not see stays members-only here
        db = sqlite3.connect(g.store)
        groups = dict(db.execute("SELECT name, members_only FROM groups"))
        db.close()
        self.assertEqual(groups, {"brd.members-lounge": 1, "brd.open-hall": 0})
        self.assertEqual(len(self.logins(fx)), 1)
        # the session lives in the cursor: the next pass does not log in
        fx.add_post(t, "bob", "second")
        g.sync()
        self.assertEqual(len(self.logins(fx)), 1)
        self.assertEqual(len(g.messages()), 3)
        # expired: one new login, and the pass goes on
        fx.expire_sessions()
        fx.add_post(t, "bob", "third")
        g.sync()
        self.assertEqual(len(self.logins(fx)), 2)
        self.assertIn("third", [body(m) for m in g.messages()])
        # another account in the config: alice's session is not used
        with open(g.config) as f:
            cfg = f.read()
        with open(g.config, "w") as f:
            f.write(cfg.replace("user: alice", "user: bob"))
        with open(g.pwfile, "w") as f:
            f.write("hunter2\n")
        g.sync()
        self.assertEqual(len(self.logins(fx)), 3)

    def test_members_forum_as_a_guest_says_a_login_is_needed(self):
        fx, b, t = self.members_board()
        g = self.gate(fx)
        p = g.sync(check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("needs a member account", p.stderr.decode())
        self.assertEqual(g.messages(), [])

    def test_wrong_password_is_not_retried(self):
        fx, b, t = self.members_board()
        g = self.gate(fx, user="alice", password="wrong")
        p = g.sync(check=False)
        self.assertNotEqual(p.returncode, 0)
        err = p.stderr.decode()
        self.assertIn("brd", err)
        self.assertIn("login as alice refused", err)
        self.assertNotIn("wrong\n", err.replace("wrong password", ""))  # never the password
        self.assertEqual(len(self.logins(fx)), 1)
        # the next passes do not try again (the account would get locked)
        for _ in range(2):
            p = g.sync(check=False)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("not tried again", p.stderr.decode())
        self.assertEqual(len(self.logins(fx)), 1)
        # a new password file: tried at once
        time.sleep(0.01)
        with open(g.pwfile, "w") as f:
            f.write("secret\n")
        g.sync()
        self.assertEqual(len(self.logins(fx)), 2)
        self.assertEqual([body(m) for m in g.messages()], ["for members"])

    def test_captcha_is_a_clear_error(self):
        fx, b, t = self.members_board(require_captcha=True)
        g = self.gate(fx, user="alice", password="secret")
        p = g.sync(check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("CAPTCHA", p.stderr.decode())
        self.assertIn("brd", p.stderr.decode())
        n = len(self.logins(fx))
        self.assertLessEqual(n, 1)
        g.sync(check=False)
        self.assertEqual(len(self.logins(fx)), n)

    # ---- politeness and faults ----

    def test_retry_after(self):
        fx = self.board()
        b = fx.add_board("General Talk")
        t = fx.add_thread(b, "Hello", "alice", "root")
        g = self.gate(fx)
        # a short wait is waited out within the pass
        fx.fault("503", path=self.THREAD_RE, count=1, retry_after=1)
        g.sync()
        self.assertEqual(len(g.messages()), 1)
        # a long one ends the pass at once; nothing more is asked
        fx.add_post(t, "bob", "more")
        fx.fault("429", path=self.THREAD_RE, retry_after=3600)
        del fx.requests[:]
        p = g.sync(check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("retry after 3600", p.stderr.decode())
        self.assertEqual(len(fx.fetched(self.THREAD_RE)), 1)
        fx.clear_faults()
        g.sync()
        self.assertEqual(len(g.messages()), 2)

    def test_robots_txt(self):
        fx = self.board(robots="User-agent: *\nDisallow: /\n\nUser-agent: forumgate\n"
                        "Disallow: " + self.ROBOTS_PATH + "\n")
        b = fx.add_board("General Talk")
        fx.add_thread(b, "Hello", "alice", "root")
        g = self.gate(fx)
        p = g.sync(check=False)
        self.assertIn("robots.txt", p.stderr.decode())
        self.assertEqual(fx.fetched(self.THREAD_RE), [])
        self.assertEqual(g.messages(), [])
        # the operator owns the board: robots.txt is not asked
        g2 = self.gate(fx, board="      owner: true\n")
        del fx.requests[:]
        g2.sync()
        self.assertEqual(len(g2.messages()), 1)
        self.assertEqual(fx.fetched(r"robots\.txt"), [])

    def test_template_change_is_a_clear_error_and_nothing_half_written(self):
        fx = self.board()
        b = fx.add_board("General Talk")
        t = fx.add_thread(b, "Hello", "alice", "root")
        g = self.gate(fx)
        g.sync()
        for i in range(6):
            fx.add_post(t, "bob", f"post {i}")
        fx.template_changed = True
        p = g.sync(check=False)
        err = p.stderr.decode()
        self.assertIn("page layout", err)
        self.assertRegex(err, r"https?://127\.0\.0\.1:\d+/")
        self.assertEqual(len(g.messages()), 1)  # nothing of the changed thread
        fx.template_changed = False
        g.sync()
        self.assertEqual(len(g.messages()), 7)

    def test_other_forums_unaffected_by_one_that_is_down(self):
        fx = self.board()
        b = fx.add_board("General Talk")
        fx.add_thread(b, "Hello", "alice", "root")
        down = BoardFixture(self.ENGINE)
        down.start()
        down_url = down.url
        down.stop()
        more = f"""  - name: gone
    type: {self.TYPE}
    url: {down_url}/
    group_prefix: gone
    timeout: 5
    board:
      request_delay: 0
"""
        g = self.gate(fx, more=more)
        p = g.sync(check=False)
        self.assertIn("gone", p.stderr.decode())
        self.assertEqual([body(m) for m in g.messages()], ["root"])


class XenForoRead(ReadTests, unittest.TestCase):
    ENGINE = "xenforo2"
    TYPE = "xenforo"
    THREAD_RE = r"^/threads/(?:[^/]*\.)?(\d+)/"
    LOGIN_POST = r"^/login/login"
    ROBOTS_PATH = "/threads/"
    PAGE3_RE = r"/page-3$"


class VBulletinRead(ReadTests, unittest.TestCase):
    ENGINE = "vbulletin4"
    TYPE = "vbulletin"
    THREAD_RE = r"^/showthread\.php\?(?:[^#]*&)?t=(\d+)"
    LOGIN_POST = r"^/login\.php\?(?:[^#]*&)?do=login"
    ROBOTS_PATH = "/showthread.php"
    PAGE3_RE = r"page=3\b"


class VBulletin3Read(VBulletinRead):
    ENGINE = "vbulletin3"


class PhpBBRead(ReadTests, unittest.TestCase):
    ENGINE = "phpbb3"
    TYPE = "phpbb"
    THREAD_RE = r"^/viewtopic\.php\?(?:[^#]*&)?t=(\d+)"
    LOGIN_POST = r"^/ucp\.php\?(?:[^#]*&)?mode=login"
    ROBOTS_PATH = "/viewtopic.php"
    # the engine's URL assumes phpBB's default page size (start=20 for
    # page 3); the board clamps it to its last page, which is the one
    # wanted here: one request either way
    PAGE3_RE = r"start=[12]0\b"

    def test_feed_spares_the_lists(self):
        fx = self.board()
        b = fx.add_board("General Talk")
        t = fx.add_thread(b, "Hello", "alice", "root")
        g = self.gate(fx, list_interval=3600)
        g.sync()
        self.assertTrue(fx.fetched(r"feed"))
        # nothing new: the feed alone is asked
        n = len(fx.requests)
        g.sync()
        asked = [r.path for r in fx.requests[n:] if r.method == "GET"]
        self.assertTrue(asked and all(re.search(r"feed|robots", a) for a in asked), asked)
        # a new post shows in the feed: the lists and the thread are read
        fx.add_post(t, "bob", "news")
        g.sync()
        self.assertEqual(body(g.messages()[-1]), "news")


class PostingTests:
    """A mailed reply goes through the board's own reply form as the
    configured member and comes back with the Message-ID it arrived with."""

    def setUp(self):
        self.fx = BoardFixture(self.ENGINE, posts_per_page=5, **self.FIXTURE)
        self.fx.start()
        self.addCleanup(self.fx.stop)
        self.fx.add_user("alice", "secret")
        self.fx.add_user("bob", "hunter2")
        b = self.fx.add_board("General Talk")
        self.tid = self.fx.add_thread(b, "Where to park bikes", "bob", "Root post.")
        self.parent = self.fx.add_post(self.tid, "bob", "Where do you park your bike?")
        self.sink = SMTPSink(self)
        self.g = BGate(self, self.fx, self.TYPE, user="alice", password="secret",
                       board="      posting: true\n",
                       top=f"mail:\n  reply_domain: {REPLY_DOMAIN}\n"
                       f"  smarthost: 127.0.0.1:{self.sink.port}\n")
        self.g.sync()
        self.g.run("user", "add", "alice", "--password", "x", "--address", ALICE)
        self.parent_mid = f"<p{self.parent}.t{self.tid}.brd@forumgate.example>"

    def reply(self, mid, text):
        self.g.ingest(make_message(text, to=f"brd.general-talk@{REPLY_DOMAIN}",
                                   message_id=mid, in_reply_to=self.parent_mid),
                      f"brd.general-talk@{REPLY_DOMAIN}")

    def test_reply_posted_through_the_form_comes_back_with_its_message_id(self):
        mid = msgid()
        text = "I lock mine to the rack by the station; it has a roof."
        self.reply(mid, text + "\n")
        self.g.run("outbox", "--once")
        (row,) = self.g.outbox()
        self.assertEqual(row["state"], "posted", row["last_error"])
        ok = [r for r in self.fx.posts_received if r["status"] == "ok" or r.get("post_id")]
        self.assertEqual(len(ok), 1, self.fx.posts_received)
        self.assertEqual(ok[0]["user"], "alice")
        self.assertEqual(row["forum_post_id"], str(ok[0]["post_id"]))
        self.g.sync()
        mine = [m for m in self.g.messages() if m["Message-ID"] == mid]
        self.assertEqual(len(mine), 1)
        self.assertIn("rack by the station", body(mine[0]))
        # a retry of the same reply (a crash before the outbox's record)
        # finds the post instead of posting twice
        before = len(self.fx.posts_received)
        db = sqlite3.connect(self.g.store)
        db.execute("UPDATE outbox SET state = 'queued', next_attempt = 0")
        db.commit()
        db.close()
        self.g.run("outbox", "--once")
        self.assertEqual(len(self.fx.posts_received), before)
        self.assertEqual(self.g.outbox()[0]["forum_post_id"], str(ok[0]["post_id"]))

    def role(self, name, *opts, port):
        p = subprocess.Popen([FORUMGATE, "-c", self.g.config, *opts, name], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def stop():
            p.terminate()
            p.wait(20)
        self.addCleanup(stop)
        wait_port(port, p)
        return p

    def test_reply_by_lmtp_to_the_board_and_back_over_nntp(self):
        lport, nport = free_port(), free_port()
        self.role("mailin", "-o", f"mail.lmtp.listen=127.0.0.1:{lport}", port=lport)
        mid = msgid()
        rcpt = f"brd.general-talk@{REPLY_DOMAIN}"
        msg = make_message("Mine goes in the shed behind the library.\n", to=rcpt,
                           message_id=mid, in_reply_to=self.parent_mid)
        with LMTP(lport) as c:
            self.assertEqual(c.cmd("LHLO client.example")[0], 250)
            _, _, data = c.transaction(ALICE, [rcpt], msg)
            self.assertEqual(data[0][0], 250, data)
        self.g.run("outbox", "--once")
        (row,) = self.g.outbox()
        self.assertEqual(row["state"], "posted", row["last_error"])
        self.g.sync()
        self.role("nntpd", "-o", f"nntp.listen=127.0.0.1:{nport}", port=nport)
        r = Raw(nport)
        self.assertTrue(r.cmd(f"ARTICLE {mid}").startswith("220 "))
        art = "\n".join(r.block())
        self.assertIn("shed behind the library", art)
        # a board records no "in reply to", but the outbox knows which post
        # the mail answered: the article threads under it, not the root
        self.assertIn(f"In-Reply-To: {self.parent_mid}", art)
        refs = re.search(r"^References: (.*(?:\n[ \t].*)*)", art, re.M).group(1).split()
        self.assertEqual(refs[0], f"<p{self.fx.first_post(self.tid)}.t{self.tid}.brd@forumgate.example>")
        self.assertEqual(refs[-1], self.parent_mid)

    # ---- from a newsreader: NNTP POST -> outbox -> the board's form ----

    def newsreader(self):
        """nntpd on the gate's store, and a session logged in as alice (a
        registered user: AUTHINFO over plaintext, allowed on loopback)."""
        port = free_port()
        self.role("nntpd", "-o", f"nntp.listen=127.0.0.1:{port}",
                  "-o", "nntp.allow_plaintext_auth=true", port=port)
        r = Raw(port)
        self.addCleanup(r.close)
        self.assertTrue(r.cmd("AUTHINFO USER alice").startswith("381"))
        self.assertTrue(r.cmd("AUTHINFO PASS x").startswith("281"))
        return r

    def nntp_post(self, r, subject, text, mid, references=None):
        art = [f"From: Alice Example <{ALICE}>", "Newsgroups: brd.general-talk",
               f"Subject: {subject}", f"Message-ID: {mid}",
               "User-Agent: tin/2.6.2-20221225 (\"Pittyvaich\") (Linux/6.1.0 (x86_64))",
               "MIME-Version: 1.0", "Content-Type: text/plain; charset=UTF-8", ""]
        if references:
            art.insert(3, f"References: {references}")
        art += text.splitlines()
        self.assertTrue(r.cmd("POST").startswith("340"))
        r.send("".join(("." + line if line.startswith(".") else line) + "\r\n" for line in art)
               + ".\r\n")
        resp = r.line()
        self.assertTrue(resp.startswith("240"), resp)

    def accepted(self, path_re):
        """The POSTs the board accepted, all of them to path_re's form."""
        ok = [x for x in self.fx.posts_received if x["status"] == "ok" or x.get("post_id")]
        for x in ok:
            # do=/mode= may be in the action's query or in the form's fields
            args = {**x["fields"], **x["query"]}
            self.assertRegex(x["path"] + "?" + "&".join(f"{k}={v}" for k, v in args.items()),
                             path_re)
        return ok

    def article(self, r, mid):
        resp = r.cmd(f"ARTICLE {mid}")
        self.assertTrue(resp.startswith("220 "), resp)
        return "\n".join(r.block())

    def test_newsreader_reply_goes_through_the_reply_form_and_comes_back(self):
        r = self.newsreader()
        mid = msgid()
        root = f"<p{self.fx.first_post(self.tid)}.t{self.tid}.brd@forumgate.example>"
        self.nntp_post(r, "Re: Where to park bikes",
                       "> Where do you park your bike?\n\n"
                       "Under the bridge on Mill Street, it stays dry there.\n", mid,
                       references=f"{root} {self.parent_mid}")
        self.g.run("outbox", "--once")
        (row,) = self.g.outbox()
        self.assertEqual(row["state"], "posted", row["last_error"])
        (ok,) = self.accepted(self.REPLY_FORM)
        self.assertEqual(ok["user"], "alice")
        self.assertIn("Under the bridge on Mill Street", str(ok["fields"]))
        self.assertEqual(row["forum_post_id"], str(ok["post_id"]))
        # the board now shows it in the thread, as alice
        self.assertIn(ok["post_id"], self.fx.thread_posts(self.tid))
        self.g.sync()
        art = self.article(r, mid)
        self.assertIn("Under the bridge on Mill Street", art)
        self.assertRegex(art, r"(?m)^From: .*alice")
        refs = re.search(r"^References: (.*(?:\n[ \t].*)*)", art, re.M).group(1).split()
        self.assertEqual(refs[0], root)
        self.assertEqual(refs[-1], self.parent_mid)
        # one article for the post, under the Message-ID the POST carried
        self.assertEqual(len([m for m in self.g.messages()
                              if f".t{self.tid}." in m["Message-ID"] or m["Message-ID"] == mid]),
                         len(self.fx.thread_posts(self.tid)))

    def map_group(self):
        """A `boards:` entry naming the forum by id for the group (the
        outbox finds a new thread's forum from the configuration only)."""
        with open(self.g.config) as f:
            cfg = f.read()
        bid = next(iter(self.fx.boards))
        with open(self.g.config, "w") as f:
            f.write(cfg.replace("    board:\n", f"    boards:\n      - board: \"{bid}\"\n"
                                f"        group: brd.general-talk\n    board:\n", 1))

    def test_newsreader_new_thread_goes_through_the_new_thread_form_and_comes_back(self):
        self.map_group()
        self.new_thread_round_trip()

    # a group the connector named itself (no boards: entry): the new thread
    # goes to the forum its threads come from (store_group_board)
    def test_newsreader_new_thread_in_an_unmapped_group(self):
        self.new_thread_round_trip()

    def new_thread_round_trip(self):
        r = self.newsreader()
        mid = msgid()
        title = "Bike lights that survive the rain"
        self.nntp_post(r, title, "Which lights have lasted a winter for you?\n", mid)
        self.g.run("outbox", "--once")
        (row,) = self.g.outbox()
        self.assertEqual(row["state"], "posted", row["last_error"])
        (ok,) = self.accepted(self.NEW_THREAD_FORM)
        self.assertEqual(ok["user"], "alice")
        self.assertEqual(row["forum_post_id"], str(ok["post_id"]))
        # a new thread on the board, started by alice with the subject
        new = [t for t in self.fx.threads.values()
               if t["title"] == title and not t.get("deleted")]
        self.assertEqual(len(new), 1, self.fx.posts_received)
        self.assertEqual(self.fx.first_post(new[0]["id"]), ok["post_id"])
        self.g.sync()
        art = self.article(r, mid)
        self.assertIn("lasted a winter", art)
        self.assertRegex(art, r"(?m)^Subject: " + re.escape(title) + "$")
        self.assertNotRegex(art, r"(?m)^References:")
        self.assertIn(f"Newsgroups: brd.general-talk", art)
        # the thread's later replies on the board thread under it
        reply = self.fx.add_post(new[0]["id"], "bob", "The cheap ones never do.")
        self.g.sync()
        art = self.article(r, f"<p{reply}.t{new[0]['id']}.brd@forumgate.example>")
        refs = re.search(r"^References: (.*)", art, re.M).group(1).split()
        self.assertEqual(refs, [mid])

    def test_flood_control_refusal_becomes_a_notice(self):
        self.fx.flood_seconds = 3600
        self.reply(msgid(), "The first reply of the hour, long enough to pass.\n")
        self.g.run("outbox", "--once")
        self.reply(msgid(), "A second reply too soon after the first one.\n")
        self.g.run("outbox", "--once")
        rows = self.g.outbox()
        self.assertEqual(rows[0]["state"], "posted", rows[0]["last_error"])
        self.assertEqual(rows[1]["state"], "failed", rows[1])
        why = rows[1]["last_error"]
        got = self.sink.wait(1)
        self.assertEqual(len(got), 1, "no notice reached the smarthost")
        notice = got[0][2].decode(errors="replace")
        # the board's own words reach the sender
        self.assertTrue(why and why[:30] in notice.replace("\r\n", " ").replace("\n", " ")
                        or why[:20] in notice, (why, notice))

    def test_posting_off_is_refused_with_a_reason(self):
        with open(self.g.config) as f:
            cfg = f.read()
        with open(self.g.config, "w") as f:
            f.write(cfg.replace("      posting: true\n", ""))
        self.reply(msgid(), "This should not reach the board at all.\n")
        self.g.run("outbox", "--once")
        (row,) = self.g.outbox()
        self.assertEqual(row["state"], "failed")
        self.assertIn("board.posting", row["last_error"])
        self.assertEqual(self.fx.posts_received, [])


class VBulletinPosting(PostingTests, unittest.TestCase):
    ENGINE = "vbulletin4"
    TYPE = "vbulletin"
    FIXTURE = {}
    REPLY_FORM = r"(?s)^/newreply\.php\?(.*&)?do=postreply"
    NEW_THREAD_FORM = r"(?s)^/newthread\.php\?(.*&)?do=postthread"


class PhpBBPosting(PostingTests, unittest.TestCase):
    ENGINE = "phpbb3"
    TYPE = "phpbb"
    FIXTURE = {}
    REPLY_FORM = r"(?s)^/posting\.php\?(.*&)?mode=reply"
    NEW_THREAD_FORM = r"(?s)^/posting\.php\?(.*&)?mode=post(&|$)"


class XenForoPosting(PostingTests, unittest.TestCase):
    ENGINE = "xenforo2"
    TYPE = "xenforo"
    FIXTURE = {}
    REPLY_FORM = r"^/threads/[^/]*\.\d+/add-reply"
    NEW_THREAD_FORM = r"^/forums/[^/]*\.\d+/post-thread"


if __name__ == "__main__":
    unittest.main()
