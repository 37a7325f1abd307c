"""The discourse connector against the fixture Discourse over loopback,
driven through the real binary (sync --once, export)."""
import os
import re
import shutil
import subprocess
import tempfile
import sqlite3
import time
import unittest
import urllib.request

from discourse_fixture import DiscourseFixture, send_webhook
from fgtest import FORUMGATE, ROOT, parse_mboxrd
from nntpserver import Raw, free_port
from mailserver import ALICE, QUOTED_REPLY, REPLY_DOMAIN, REPLY_TEXT, SMTPSink, make_message, msgid

KEY = "k3y-for-the-fixture"


class DGate:
    """A forumgate whose config has one discourse forum (`disc`) on the
    fixture, and the demo spool forum beside it when asked."""

    def __init__(self, test, fx, extra="", spool=False, top="", url=None,
                 user="system", dkeys=""):
        self.dir = tempfile.mkdtemp(prefix="fg-dsc-")
        test.addCleanup(shutil.rmtree, self.dir, True)
        self.fx = fx
        key = os.path.join(self.dir, "api-key")
        with open(key, "w") as f:
            f.write(KEY + "\n")
        self.store = os.path.join(self.dir, "store.db")
        demo = ""
        if spool:
            demo = f"""
  - name: demo
    type: spool
    spool:
      path: {ROOT}/config/demo-spool
    group_prefix: demo
"""
        self.config = os.path.join(self.dir, "fg.yaml")
        with open(self.config, "w") as f:
            f.write(f"""gateway:
  domain: forumgate.example
  store: {self.store}
  allow_root: true
forums:
  - name: disc
    type: discourse
    url: {url or fx.url}
    group_prefix: disc
{extra}
    discourse:
      api_key_file: {key}
      api_username: {user}
{dkeys}{demo}{top}""")

    def run(self, *args, check=True):
        cmd = [FORUMGATE, "-c", self.config, *args]
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=120)
        if check and p.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} exited {p.returncode}:\n"
                                 f"{p.stderr.decode(errors='replace')}")
        return p

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

    def sync(self, check=True):
        return self.run("sync", "--once", check=check)

    def messages(self, *args):
        return parse_mboxrd(self.run("export", *args).stdout)


def fixture(test, **kw):
    fx = DiscourseFixture(api_key=KEY, **kw)
    fx.start()
    test.addCleanup(fx.stop)
    return fx


def topic_fetches(fx, tid):
    return sum(1 for r in fx.requests if r["method"] == "GET"
               and re.match(r"^/t/(?:[^/]+/)?%d\.json$" % tid, r["path"]))


def topic_requests(fx, tid):
    """Every request about topic tid: /t/{id}.json, /t/{id}/posts.json,
    /t/{slug}/{id}/{number}.json."""
    return [r for r in fx.requests if r["method"] == "GET"
            and re.match(r"^/t/(?:[^/]+/)?%d(?:/posts|/\d+)?\.json$" % tid, r["path"])]


def body(m):
    return m.get_content().strip()


class FirstSync(unittest.TestCase):
    def test_backfill_limit_takes_the_newest_topics(self):
        fx = fixture(self, corpus=False)
        cat = fx.add_category("General Talk")
        ids = fx.generate(6, 3, category_id=cat)
        g = DGate(self, fx, extra="    backfill:\n      topics: 2")
        g.sync()
        msgs = g.messages()
        threads = {m["Message-ID"].split(".")[1] for m in msgs}
        self.assertEqual(threads, {f"t{ids[-1]}", f"t{ids[-2]}"})
        self.assertEqual(len(msgs), 6)
        self.assertEqual({m["Newsgroups"] for m in msgs}, {"disc.general-talk"})
        for tid in ids[:-2]:
            self.assertEqual(topic_fetches(fx, tid), 0)

    def test_board_backfill_of_its_own(self):
        fx = fixture(self, corpus=False)
        busy = fx.add_category("Busy Board")
        calm = fx.add_category("Calm Board")
        busy_ids = fx.generate(5, 2, category_id=busy, prefix="Busy topic")
        calm_ids = fx.generate(3, 2, category_id=calm, prefix="Calm topic")
        g = DGate(self, fx, extra="    backfill:\n      topics: 2\n    boards:\n"
                  "      - board: busy-board\n        group: disc.busy\n"
                  "        backfill: {topics: 1}")
        g.sync()
        threads = {m["Message-ID"].split(".")[1] for m in g.messages()}
        # the busy board its newest topic; the rest of the forum its two newest
        self.assertEqual(threads, {f"t{busy_ids[-1]}", f"t{calm_ids[-1]}", f"t{calm_ids[-2]}"})
        self.assertEqual({m["Newsgroups"] for m in g.messages()},
                         {"disc.busy", "disc.calm-board"})

    def test_long_topic_is_fetched_in_chunks(self):
        fx = fixture(self, corpus=False)
        cat = fx.add_category("General Talk")
        [tid] = fx.generate(1, 45, category_id=cat)
        g = DGate(self, fx)
        g.sync()
        msgs = g.messages()
        self.assertEqual(len(msgs), 45)
        self.assertEqual(body(msgs[-1]), f"Reply 45 in topic {tid}.")
        chunks = [r for r in fx.requests if r["path"] == f"/t/{tid}/posts.json"]
        self.assertEqual(len(chunks), 2)
        self.assertTrue(all(len(r["query"]["post_ids[]"]) <= 20 for r in chunks))

    def test_whispers_pms_unlisted_never_gatewayed(self):
        fx = fixture(self, corpus=False)
        cat = fx.add_category("General Talk")
        tid = fx.add_topic(cat, "A normal topic here", "<p>Visible root.</p>")
        fx.add_post(tid, "<p>Staff whisper.</p>", post_type=4)
        fx.add_post(tid, "<p>A plain reply.</p>")
        fx.add_topic(cat, "An unlisted topic", "<p>Unlisted root.</p>", visible=False)
        fx.add_topic(None, "A private message", "<p>Secret PM.</p>",
                     archetype="private_message")
        g = DGate(self, fx)
        g.sync()
        self.assertEqual([body(m) for m in g.messages()], ["Visible root.", "A plain reply."])


class Incremental(unittest.TestCase):
    def setUp(self):
        self.fx = fixture(self, corpus=False)
        self.cat = self.fx.add_category("General Talk")
        self.tid = self.fx.add_topic(self.cat, "Incremental topic", "<p>Root post.</p>")
        self.g = DGate(self, self.fx)
        self.g.sync()

    def test_new_post_appears_and_nothing_twice(self):
        p = self.fx.add_post(self.tid, "<p>A new reply.</p>")
        self.g.sync()
        msgs = self.g.messages()
        self.assertEqual([body(m) for m in msgs], ["Root post.", "A new reply."])
        self.assertEqual(msgs[1]["Message-ID"], f"<p{p['id']}.t{self.tid}.disc@forumgate.example>")
        n = len(self.fx.requests)
        self.g.sync()
        # nothing new: only the feed is read, no topic
        self.assertEqual([r["path"] for r in self.fx.requests[n:]
                          if r["path"].startswith("/t/")], [])
        self.assertEqual(len(self.g.messages()), 2)

    def test_feed_is_read_down_to_the_last_post_seen(self):
        other = self.fx.add_topic(self.cat, "Another topic here", "<p>Other root.</p>")
        self.g.sync()
        # the new post of `other` ends up on the feed's second page
        p = self.fx.add_post(other, "<p>Only new post of the other topic.</p>")
        for i in range(55):
            self.fx.add_post(self.tid, f"<p>Busy reply {i}.</p>")
        self.g.sync()
        msgs = self.g.messages()
        self.assertIn(f"<p{p['id']}.t{other}.disc@forumgate.example>",
                      [m["Message-ID"] for m in msgs])
        self.assertEqual(len(msgs), 58)
        self.assertTrue(any(r["query"].get("before") for r in self.fx.requests
                            if r["path"] == "/posts.json"))

    def test_edit_supersedes(self):
        p = self.fx.add_post(self.tid, "<p>Before the edit.</p>")
        self.g.sync()
        old = self.g.messages()[1]["Message-ID"]
        self.fx.edit_post(p["id"], "<p>After the edit.</p>")
        self.g.sync()
        msgs = self.g.messages()
        self.assertEqual(body(msgs[-1]), "After the edit.")
        self.assertEqual(msgs[-1]["Supersedes"], old)

    def test_deletion_withdraws(self):
        p = self.fx.add_post(self.tid, "<p>Soon gone.</p>")
        self.fx.add_post(self.tid, "<p>Stays.</p>")
        self.g.sync()
        self.assertEqual(len(self.g.messages()), 3)
        self.fx.delete_post(p["id"])
        self.g.sync()
        self.assertEqual([body(m) for m in self.g.messages()], ["Root post.", "Stays."])

    def test_category_rename_keeps_group(self):
        # Discourse keeps the slug when a category is renamed; the board
        # (and group) is named by the slug
        self.fx.rename_category(self.cat, "Renamed Talk")
        self.fx.add_post(self.tid, "<p>After the rename.</p>")
        self.g.sync()
        self.assertEqual({m["Newsgroups"] for m in self.g.messages()}, {"disc.general-talk"})


class Resume(unittest.TestCase):
    def test_interrupted_backfill_resumes_after_committed_topics(self):
        fx = fixture(self, corpus=False)
        cat = fx.add_category("General Talk")
        ids = fx.generate(6, 2, category_id=cat)
        # newest first: the fourth topic fetched fails
        bad = sorted(ids, reverse=True)[3]
        fx.fault("500", path=r"^/t/%d\.json" % bad)
        g = DGate(self, fx)
        p = g.sync(check=False)
        err = p.stderr.decode()
        self.assertIn("forum disc", err)
        self.assertIn("HTTP 500", err)
        self.assertEqual(len(g.messages()), 6)
        fx.clear_faults()
        g.sync()
        self.assertEqual(len(g.messages()), 12)
        for tid in ids:
            want = 2 if tid == bad else 1
            self.assertEqual(topic_fetches(fx, tid), want, tid)


class Faults(unittest.TestCase):
    def test_rate_limit_and_500_leave_the_spool_forum_alone(self):
        fx = fixture(self, corpus=False)
        cat = fx.add_category("General Talk")
        fx.generate(2, 2, category_id=cat)
        g = DGate(self, fx, spool=True)
        fx.fault("429", path=r"^/latest", retry_after=120)
        p = g.sync(check=False)
        err = p.stderr.decode()
        self.assertIn("forum disc", err)
        self.assertIn("429", err)
        groups = {m["Newsgroups"] for m in g.messages()}
        self.assertTrue(any(x.startswith("demo.") for x in groups), groups)
        self.assertFalse(any(x.startswith("disc.") for x in groups), groups)
        fx.clear_faults()
        fx.fault("500", path=r"^/posts\.json", count=1)
        p = g.sync(check=False)
        self.assertIn("HTTP 500", p.stderr.decode())
        g.sync()
        self.assertEqual(len([m for m in g.messages() if m["Newsgroups"].startswith("disc.")]), 4)

    def test_short_retry_after_is_waited_out(self):
        fx = fixture(self, corpus=False)
        cat = fx.add_category("General Talk")
        [tid] = fx.generate(1, 3, category_id=cat)
        fx.fault("429", path=r"^/t/%d\.json" % tid, count=1, retry_after=1)
        g = DGate(self, fx)
        t0 = time.monotonic()
        g.sync()
        self.assertGreaterEqual(time.monotonic() - t0, 1.0)
        self.assertEqual(len(g.messages()), 3)
        self.assertEqual(topic_fetches(fx, tid), 2)

    def test_malformed_json_is_a_clear_error(self):
        fx = fixture(self, corpus=False)
        cat = fx.add_category("General Talk")
        fx.generate(2, 2, category_id=cat)
        fx.fault("malformed", path=r"^/latest")
        g = DGate(self, fx)
        p = g.sync(check=False)
        err = p.stderr.decode()
        self.assertIn("forum disc", err)
        self.assertIn("malformed answer", err)
        self.assertEqual(g.messages(), [])

    def test_self_signed_needs_tls_ca(self):
        fx = fixture(self, corpus=False, tls=True)
        cat = fx.add_category("General Talk")
        fx.generate(1, 2, category_id=cat)
        g = DGate(self, fx)
        p = g.sync(check=False)
        err = p.stderr.decode()
        self.assertIn("disc", err)
        self.assertIn("tls_ca", err)
        self.assertEqual(g.messages(), [])
        # the fixture's certificate names localhost
        g2 = DGate(self, fx, extra=f"    tls_ca: {fx.cert}",
                   url=fx.url.replace("127.0.0.1", "localhost"))
        g2.sync()
        self.assertEqual(len(g2.messages()), 2)


class Posting(unittest.TestCase):
    """A mailed reply goes to the forum as POST /posts.json, as the user."""

    def setUp(self):
        self.fx = fixture(self, corpus=False, api_username="alice")
        self.cat = self.fx.add_category("General Talk")
        self.tid = self.fx.add_topic(self.cat, "Where to park bikes", "<p>Root post.</p>")
        self.parent = self.fx.add_post(self.tid, "<p>Where do you park your bike?</p>")
        self.sink = SMTPSink(self)
        self.g = DGate(self, self.fx, user="alice",
                       top=f"mail:\n  reply_domain: {REPLY_DOMAIN}\n"
                       f"  smarthost: 127.0.0.1:{self.sink.port}\n")
        self.g.sync()
        self.g.run("user", "add", "alice", "--password", "x", "--address", ALICE)
        self.parent_mid = f"<p{self.parent['id']}.t{self.tid}.disc@forumgate.example>"

    def reply(self, mid, text=QUOTED_REPLY):
        self.g.ingest(make_message(text, to=f"disc.general-talk@{REPLY_DOMAIN}",
                                   message_id=mid, in_reply_to=self.parent_mid),
                      f"disc.general-talk@{REPLY_DOMAIN}")

    def test_reply_posts_as_the_user_and_comes_back_with_its_message_id(self):
        mid = msgid()
        self.reply(mid)
        self.g.run("outbox", "--once")
        (row,) = self.g.outbox()
        self.assertEqual(row["state"], "posted", row["last_error"])
        (sent,) = self.fx.posts_received
        self.assertEqual(sent["headers"]["Api-Username"], "alice")
        self.assertEqual(sent["headers"]["Api-Key"], KEY)
        f = sent["fields"]
        self.assertEqual(f["topic_id"], self.tid)
        self.assertEqual(f["reply_to_post_number"], self.parent["post_number"])
        self.assertEqual(f["raw"].strip(), REPLY_TEXT)
        self.assertEqual(sent["status"], 200)
        self.assertEqual(row["forum_post_id"], str(max(self.fx.posts)))
        self.g.sync()
        msgs = self.g.messages()
        mine = [m for m in msgs if m["Message-ID"] == mid]
        self.assertEqual(len(mine), 1, [m["Message-ID"] for m in msgs])
        self.assertEqual(body(mine[0]), REPLY_TEXT)
        self.assertEqual(len(msgs), 3)

    def test_users_file_maps_the_forum_user(self):
        users = os.path.join(self.g.dir, "users")
        with open(users, "w") as f:
            f.write("# gateway user, Discourse username\nbob bobby\nalice alice_d\n")
        with open(self.g.config) as f:
            cfg = f.read()
        with open(self.g.config, "w") as f:
            f.write(cfg.replace("      api_username: alice\n",
                                f"      api_username: alice\n      users_file: {users}\n"))
        self.fx.api_username = "alice_d"  # the fixture takes one user: the mapped one
        self.reply(msgid())
        self.g.run("outbox", "--once")
        (sent,) = self.fx.posts_received
        self.assertEqual(sent["headers"]["Api-Username"], "alice_d")
        self.assertEqual(sent["status"], 200)

    def test_refusal_fails_the_row_with_the_reason_and_notifies(self):
        mid = msgid()
        self.reply(mid, text="Too short.\n")
        self.g.run("outbox", "--once")
        (row,) = self.g.outbox()
        self.assertEqual(row["state"], "failed")
        self.assertIn("Body is too short", row["last_error"])
        got = self.sink.wait(1)
        self.assertEqual(len(got), 1, "no notice reached the smarthost")
        self.assertIn("Body is too short", got[0][2].decode(errors="replace"))

    def test_rate_limit_is_a_temporary_failure(self):
        mid = msgid()
        self.reply(mid)
        self.fx.fault("429", path=r"^/posts\.json", retry_after=120)
        self.g.run("outbox", "--once")
        (row,) = self.g.outbox()
        self.assertEqual(row["state"], "queued", row)


class WebhookGate(unittest.TestCase):
    """sync, httpd and nntpd roles on a fixture forum with webhooks
    configured (the tests are in the classes below)."""

    SECRET = "hook-secret-for-tests"

    FIXTURE = {}

    def populate(self):
        """What the forum holds before the first sync, besides self.tid."""

    def before_roles(self):
        """What happens on the forum after the first sync, before the roles
        start."""

    def setUp(self):
        self.fx = fixture(self, corpus=False, **self.FIXTURE)
        self.cat = self.fx.add_category("General Talk")
        self.tid = self.fx.add_topic(self.cat, "Webhook topic", "<p>Root post.</p>")
        self.populate()
        self.port = free_port()
        d = tempfile.mkdtemp(prefix="fg-hook-")
        self.addCleanup(shutil.rmtree, d, True)
        secret = os.path.join(d, "hook-secret")
        with open(secret, "w") as f:
            f.write(self.SECRET + "\n")
        self.nntp_port = free_port()
        self.g = DGate(self, self.fx, extra="    poll_interval: 300",
                       dkeys=f"      webhook_secret_file: {secret}\n",
                       top=f"http:\n  listen: 127.0.0.1:{self.port}\n"
                       f"nntp:\n  listen:\n    - address: 127.0.0.1:{self.nntp_port}\n")
        self.url = f"http://127.0.0.1:{self.port}/webhooks/discourse/disc"
        self.g.sync()  # makes the store (the roles do not)
        self.before_roles()
        before = len(self.fx.requests)
        self.sync = self.start("sync")
        self.httpd = self.start("httpd")
        self.nntpd = self.start("nntpd")
        # the role's own first pass reads the feed once; then it waits
        self.wait(lambda: any(r["path"] == "/posts.json" for r in self.fx.requests[before:]),
                  "first pass")
        self.wait(self.health, "httpd")
        self.wait(self.nntp_up, "nntpd")
        time.sleep(0.3)

    def start(self, role):
        p = subprocess.Popen([FORUMGATE, "-c", self.g.config, role], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.addCleanup(self.stop, p)
        return p

    def stop(self, p):
        if p.returncode is not None:
            return
        p.terminate()
        _, err = p.communicate(timeout=20)
        # a role stops cleanly (and, under sanitizers, with nothing reported)
        self.assertEqual(p.returncode, 0, err.decode(errors="replace"))
        self.assertNotIn(b"Sanitizer", err)

    def health(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2):
                return True
        except OSError:
            return False

    def nntp_up(self):
        try:
            Raw(self.nntp_port).close()
            return True
        except OSError:
            return False

    def served(self, mid):
        r = Raw(self.nntp_port)
        try:
            return r.cmd(f"STAT {mid}").startswith("223")
        finally:
            r.close()

    def wait(self, cond, what, timeout=10.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if cond():
                return time.monotonic()
            time.sleep(0.05)
        self.fail(f"{what}: timed out")

    def mid(self, p):
        return f"<p{p['id']}.t{self.tid}.disc@forumgate.example>"

    def has(self, p):
        return any(m["Message-ID"] == self.mid(p) for m in self.g.messages())

    def deliver(self, p, event_id, event="post_created", **kw):
        return send_webhook(self.url, self.SECRET, event,
                            {"post": self.fx.post_json(p, True)}, event_id=event_id, **kw)


class Webhooks(WebhookGate):
    """The httpd role takes signed deliveries; the sync role's forum thread
    fetches what they name at once."""

    def test_signed_delivery_serves_the_article_within_2s(self):
        p = self.fx.add_post(self.tid, "<p>Pushed reply.</p>")
        t0 = time.monotonic()
        status, answer = self.deliver(p, 11)
        self.assertEqual(status, 200, answer)
        t1 = self.wait(lambda: self.served(self.mid(p)), "pushed article on NNTP")
        self.assertLess(t1 - t0, 2.0)
        # the poll brings the same post again: still one article
        self.stop(self.sync)
        self.g.sync()
        msgs = self.g.messages()
        self.assertEqual([m["Message-ID"] for m in msgs].count(self.mid(p)), 1)
        self.assertEqual(len(msgs), 2)

    def test_bad_or_missing_signature_is_refused(self):
        p = self.fx.add_post(self.tid, "<p>Forged reply.</p>")
        n = len(topic_requests(self.fx, self.tid))
        status, _ = self.deliver(p, 12, signature="sha256=" + "0" * 64)
        self.assertEqual(status, 403)
        status, _ = self.deliver(p, 13, signature="")
        self.assertEqual(status, 403)
        time.sleep(0.8)
        self.assertEqual(len(topic_requests(self.fx, self.tid)), n)
        self.assertFalse(self.has(p))

    def test_deleted_topic_is_withdrawn(self):
        p = self.fx.add_post(self.tid, "<p>In a topic soon deleted.</p>")
        self.assertEqual(self.deliver(p, 31)[0], 200)
        self.wait(lambda: self.has(p), "pushed article")
        t = self.fx.topics[self.tid]
        t["deleted_at"] = "2026-01-01T00:00:00.000Z"
        topic = dict(self.fx.topic_list_json(t), deleted_at=t["deleted_at"])
        status, _ = send_webhook(self.url, self.SECRET, "topic_destroyed", {"topic": topic},
                                 event_id=32)
        self.assertEqual(status, 200)
        self.wait(lambda: self.g.messages() == [], "withdrawn topic")

    def test_replayed_delivery_is_ignored(self):
        p = self.fx.add_post(self.tid, "<p>Pushed once.</p>")
        status, answer = self.deliver(p, 21)
        self.assertEqual((status, answer), (200, b"queued\n"))
        self.wait(lambda: self.has(p), "pushed article")
        time.sleep(0.5)
        n = len(topic_requests(self.fx, self.tid))
        status, answer = self.deliver(p, 21)
        self.assertEqual((status, answer), (200, b"duplicate, ignored\n"))
        time.sleep(0.8)
        self.assertEqual(len(topic_requests(self.fx, self.tid)), n)


class PushDuringPoll(WebhookGate):
    """The safety-net poll of a busy forum takes long (here: 12 pages of
    the change feed at 0.5 s each); a push that comes meanwhile is taken
    between two of its requests, not after it."""

    FIXTURE = {"posts_per_page": 5}

    def before_roles(self):
        for n in range(60):
            self.fx.add_post(self.tid, "<p>Posted while nobody polled, %d.</p>" % n)
        self.fx.fault("slow", path=r"^/posts\.json", hang=0.5)

    def test_push_is_taken_while_the_poll_runs(self):
        p = self.fx.add_post(self.tid, "<p>Pushed while the poll reads the feed.</p>")
        t0 = time.monotonic()
        self.assertEqual(self.deliver(p, 61)[0], 200)
        t1 = self.wait(lambda: self.served(self.mid(p)), "pushed article on NNTP")
        pages = sum(1 for r in self.fx.requests if r["path"] == "/posts.json")
        self.assertLess(t1 - t0, 2.0)
        self.assertLess(pages, 12, "the poll was over: this test tells nothing")
        # and the poll, when it is over, brings every post once
        self.wait(lambda: len(self.g.messages()) == 62, "the poll's posts", timeout=20)
        mids = [m["Message-ID"] for m in self.g.messages()]
        self.assertEqual(len(set(mids)), 62)


class PushedPosts(WebhookGate):
    """A post event fetches that post, not its topic: a long topic the
    store has is not fetched again for each new post, and what the push
    makes is what a poll makes (nothing twice, no false edits)."""

    POSTS = 150

    def populate(self):
        self.long = self.fx.add_topic(self.cat, "A long running topic", "<p>Opening post.</p>")
        self.longposts = [self.fx.posts[self.fx.topics[self.long]["post_ids"][0]]]
        for n in range(2, self.POSTS + 1):
            self.longposts.append(self.fx.add_post(self.long, "<p>Reply %d of many.</p>" % n))

    def lmid(self, p, version=1):
        v = "" if version == 1 else ".v%d" % version
        return f"<p{p['id']}{v}.t{self.long}.disc@forumgate.example>"

    def pushed(self, p, event_id, event="post_created"):
        """Delivers event for p, waits for its article, and returns the
        requests about the long topic the push made."""
        n = len(topic_requests(self.fx, self.long))
        status, answer = self.deliver(p, event_id, event=event)
        self.assertEqual(status, 200, answer)
        return n

    def post_ids_asked(self, reqs):
        return sorted(int(i) for r in reqs if r["path"].endswith("/posts.json")
                      for i in r["query"].get("post_ids[]", []))

    def test_post_created_in_a_long_topic_fetches_that_post_alone(self):
        p = self.fx.add_post(self.long, "<p>A new post in the long topic.</p>")
        n = self.pushed(p, 41)
        self.wait(lambda: self.served(self.lmid(p)), "pushed article on NNTP")
        reqs = topic_requests(self.fx, self.long)[n:]
        # the post, and the topic's title and category (this sync role has
        # not fetched the topic yet): not the 150 posts before it
        self.assertEqual(self.post_ids_asked(reqs), [p["id"]], reqs)
        self.assertLessEqual(len(reqs), 2, [r["path"] for r in reqs])

        # the next post: the topic is known now, the post is all it asks
        q = self.fx.add_post(self.long, "<p>And one more after it.</p>")
        n = self.pushed(q, 42)
        self.wait(lambda: self.served(self.lmid(q)), "second pushed article")
        reqs = topic_requests(self.fx, self.long)[n:]
        self.assertEqual([(r["path"], self.post_ids_asked([r])) for r in reqs],
                         [(f"/t/{self.long}/posts.json", [q["id"]])])

    def test_edit_deletion_and_reply_by_push_as_a_poll_makes_them(self):
        old = self.longposts[40]
        self.fx.edit_post(old["id"], "<p>Reply 41 of many, edited.</p>")
        n = self.pushed(old, 51, "post_edited")
        self.wait(lambda: self.served(self.lmid(old, 2)), "edited article")
        self.assertEqual(self.post_ids_asked(topic_requests(self.fx, self.long)[n:]),
                         [old["id"]])
        gone = self.longposts[60]
        self.fx.delete_post(gone["id"])
        self.pushed(gone, 52, "post_destroyed")
        self.wait(lambda: not self.served(self.lmid(gone)), "withdrawn article")
        # a reply to post #100: the parent is asked for, not the topic
        parent = self.longposts[99]
        r = self.fx.add_post(self.long, "<p>Answering the hundredth.</p>",
                             reply_to_post_number=100)
        n = self.pushed(r, 53)
        self.wait(lambda: self.served(self.lmid(r)), "pushed reply")
        reqs = topic_requests(self.fx, self.long)[n:]
        self.assertEqual(self.post_ids_asked(reqs), [r["id"]])
        self.assertNotIn(f"/t/{self.long}.json", [q["path"] for q in reqs])
        msgs = {m["Message-ID"]: m for m in self.g.messages()}
        self.assertEqual(msgs[self.lmid(r)]["In-Reply-To"], self.lmid(parent))
        self.assertIn(self.lmid(old, 2), msgs)
        self.assertEqual(msgs[self.lmid(old, 2)]["Supersedes"], self.lmid(old))
        self.assertNotIn(self.lmid(gone), msgs)

        # the poll brings the same posts: nothing new, nothing changed
        self.stop(self.sync)
        before = sorted(msgs)
        self.g.sync()
        self.assertEqual(sorted(m["Message-ID"] for m in self.g.messages()), before)


if __name__ == "__main__":
    unittest.main()
