"""Mailing-list delivery (issue #14): `forumgate listd` against a real SMTP
server on loopback (smtpsink.SMTPSink, stdlib; and Debian's Exim delivering
to a Maildir in ThroughExim), the store it writes, and the subscription
commands.

New articles come the ways they come in production: a thread added to the
demo spool and imported, or a reply by mail (`forumgate ingest`) posted by
the outbox and brought back by the import. listd runs as its own process
and is killed with SIGKILL where the test is about crashes."""
import email
import email.policy
import json
import os
import re
import signal
import sqlite3
import subprocess
import time
import unittest
import urllib.error
import urllib.request

from exim import PrivateExim
from fgtest import DEMO, FORUMGATE, ROOT
from mailserver import (ALICE, BOB, GENERAL, GENERAL_POST, REPLY_DOMAIN, MailGate,
                        bounce_message, free_port, make_message, msgid, wait_port)
from smtpsink import SMTPSink
from test_cli import children, cmdline, wait_children

CAROL = "carol@example.com"
LIST_FROM = f"demo.general@{REPLY_DOMAIN}"
VERP = re.compile(r"^demo\.general\+b-([a-z2-7]{23})@" + re.escape(REPLY_DOMAIN) + "$")
KEY_REPLY = re.compile(r"^demo\.general\+([a-z2-7]{39})@" + re.escape(REPLY_DOMAIN) + "$")


def parse(data):
    return email.message_from_bytes(data, policy=email.policy.default)


class ListGate(MailGate):
    """A MailGate with listd's knobs, a way to post new threads, and a
    listd process."""

    def __init__(self, test, **kw):
        super().__init__(test, **kw)
        self.overrides += ["-o", "list.poll_interval=1"]
        self.listd_proc = None
        self.n = 0

    def sub(self, *args, check=True):
        return self.run(*args, check=check)

    def listd(self, port, *extra):
        self.log = os.path.join(self.dir, "listd.log")
        cmd = [FORUMGATE, "-c", DEMO, *self.overrides,
               "-o", f"mail.smarthost=127.0.0.1:{port}", *extra, "listd"]
        with open(self.log, "ab") as log:
            self.listd_proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=log,
                                               stdin=subprocess.DEVNULL)
        self.test.addCleanup(self.stop_listd)
        # listd starts its cursor at the newest article: wait until it has
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.query("SELECT count(*) FROM list_state")[0][0]:
                return
            if self.listd_proc.poll() is not None:
                raise AssertionError(f"listd exited: {self.logtext()}")
            time.sleep(0.05)
        raise AssertionError("listd did not start")

    def logtext(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def stop_listd(self, sig=signal.SIGTERM):
        p = self.listd_proc
        if p and p.poll() is None:
            p.send_signal(sig)
            p.wait(10)

    def new_thread(self, title="Neue Radwege", body="Die Stadt baut <b>neue</b> Radwege.",
                   board="General Discussion"):
        """A new thread of one post in demo.general (or board), dated now,
        imported."""
        self.n += 1
        tid = f"9{self.n:03d}{os.getpid() % 1000}"
        doc = {"format": "forumgate-thread/1", "forum": "demo", "board": board,
               "thread": {"id": tid, "title": title,
                          "url": f"https://forum.example.org/showthread.php?t={tid}"},
               "posts": [{"id": tid + "1", "position": 1, "author": "Jürgen Groß",
                          "author_id": "7",
                          "date": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
                          "format": "html", "body": body,
                          "url": f"https://forum.example.org/showthread.php?p={tid}1"}]}
        with open(os.path.join(self.spool, f"new-{tid}.json"), "w") as f:
            json.dump(doc, f)
        self.run("import", self.spool)
        (mid,) = self.query("SELECT message_id FROM posts WHERE post_key = ?", tid + "1")[0]
        return mid

    def queue(self):
        return self.query("SELECT recipient, state, attempts, last_error, next_try "
                          "FROM list_queue ORDER BY id")


class Subscriptions(unittest.TestCase):
    def setUp(self):
        self.g = ListGate(self)

    def test_subscribe_list_unsubscribe(self):
        out = self.g.sub("subscribe", ALICE, "demo.general").stdout.decode()
        self.assertIn("alice@example.org subscribed to demo.general (each, text)", out)
        self.g.sub("subscribe", CAROL, "demo.general", "--digest", "weekly", "--html")
        lines = self.g.sub("subscribers").stdout.decode().splitlines()
        self.assertEqual(lines, [
            "demo.general\talice@example.org\teach\ttext\tactive",
            "demo.general\tcarol@example.com\tdigest-weekly\thtml\tactive"])
        self.assertEqual(self.g.sub("subscribers", "demo.announce").stdout, b"")
        self.g.sub("unsubscribe", ALICE, "demo.general")
        p = self.g.sub("unsubscribe", ALICE, "demo.general", check=False)
        self.assertEqual(p.returncode, 65)
        self.assertIn(b"not subscribed", p.stderr)
        lines = self.g.sub("subscribers", "--bounces").stdout.decode().splitlines()
        self.assertEqual(lines, ["demo.general\tcarol@example.com\tdigest-weekly\thtml\tactive"
                                 "\tscore=0.0\tbounces=0\tlast=0"])

    def test_bad_arguments(self):
        for args, what in ((("subscribe", "nobody", "demo.general"), b"not a mail address"),
                           (("subscribe", ALICE, "no.such.group"), b"no such group"),
                           (("subscribe", ALICE, "demo.general", "--digest", "hourly"),
                            b"daily or weekly"),
                           (("subscribe", ALICE), b"usage")):
            p = self.g.sub(*args, check=False)
            self.assertNotEqual(p.returncode, 0, args)
            self.assertIn(what, p.stderr, args)

    def test_group_default_format_from_config(self):
        conf = os.path.join(self.g.dir, "list.yaml")
        with open(DEMO) as f, open(conf, "w") as out:
            out.write(f.read() + "\nlist:\n  format: text\n  groups:\n"
                      "    - group: demo.general\n      format: html\n")
        p = subprocess.run([FORUMGATE, "-c", conf, *self.g.overrides, "subscribe", ALICE,
                            "demo.general"], cwd=ROOT, capture_output=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"(each, html)", p.stdout)
        p = subprocess.run([FORUMGATE, "-c", conf, *self.g.overrides, "subscribe", ALICE,
                            "demo.announce"], cwd=ROOT, capture_output=True)
        self.assertIn(b"(each, text)", p.stdout)

    def test_list_config_errors_name_the_place(self):
        conf = os.path.join(self.g.dir, "bad.yaml")
        with open(DEMO) as f, open(conf, "w") as out:
            text = f.read()
            out.write(text + "\nlist:\n  digest_hour: 25\n  from_adress: x@y\n")
        line = text.count("\n") + 3
        p = subprocess.run([FORUMGATE, "-c", conf, "check-config"], cwd=ROOT,
                           capture_output=True)
        self.assertEqual(p.returncode, 78)
        err = p.stderr.decode()
        self.assertIn(f"bad.yaml:{line}:16: list.digest_hour", err)
        self.assertIn(f"bad.yaml:{line + 1}:3: unknown key \"from_adress\" in list "
                      "(did you mean \"from_address\"?)", err)


class RequestAddress(unittest.TestCase):
    """Commands by mail to demo.general-request@ (listctl.c), replies and
    confirmations through the smarthost."""
    REQ = f"demo.general-request@{REPLY_DOMAIN}"

    def setUp(self):
        self.g = ListGate(self)
        self.sink = SMTPSink()
        self.addCleanup(self.sink.close)
        self.g.overrides += ["-o", f"mail.smarthost=127.0.0.1:{self.sink.port}"]

    def send(self, sender, subject, body="", to=None):
        to = to or self.REQ
        msg = (f"From: <{sender}>\r\nTo: <{to}>\r\nSubject: {subject}\r\n"
               f"Message-ID: {msgid()}\r\nDate: Mon, 7 Dec 2026 06:00:00 +0000\r\n\r\n{body}")
        n = self.sink.count
        p = self.g.run("ingest", "--recipient", to, "--sender", sender, input=msg.encode())
        self.assertEqual(p.returncode, 0, p.stderr)
        return [parse(d) for _, _, d in self.sink.wait(n + 1)[n:]]

    def subs(self):
        return self.g.run("subscribers").stdout.decode().splitlines()

    def test_subscribe_needs_the_confirmation_of_the_address(self):
        mails = self.send(CAROL, "subscribe")
        time.sleep(0.3)
        mails = [parse(d) for _, _, d in self.sink.messages]
        self.assertEqual(len(mails), 2, "a confirmation and a reply")
        conf = [m for m in mails if m["Subject"].startswith("confirm ")][0]
        reply = [m for m in mails if m["Subject"].startswith("Re:")][0]
        self.assertEqual(conf["To"].addresses[0].addr_spec, CAROL)
        self.assertEqual(conf["From"].addresses[0].addr_spec, self.REQ)
        self.assertIn("confirmation was sent", reply.get_content())
        self.assertEqual(self.subs(), ["demo.general\tcarol@example.com\teach\ttext\tpending"])
        # her mail client's reply to the confirmation
        token = conf["Subject"].split()[1]
        self.send(CAROL, f"Re: {conf['Subject']}", "> please confirm\n")
        self.assertEqual(self.subs(), ["demo.general\tcarol@example.com\teach\ttext\tactive"])
        # a wrong token does nothing
        got = self.send(CAROL, "confirm s" + "0" * 32)
        self.assertIn("not known or has expired", got[0].get_content())
        self.assertIsNotNone(token)

    def test_nobody_subscribes_someone_else(self):
        self.send("mallory@evil.example", "Anmeldung", "subscribe address=alice@example.org\n")
        time.sleep(0.3)
        to = sorted(m["To"].addresses[0].addr_spec
                    for m in (parse(d) for _, _, d in self.sink.messages))
        self.assertEqual(to, [ALICE, "mallory@evil.example"])
        conf = [parse(d) for _, r, d in self.sink.messages if r == [ALICE]][0]
        self.assertTrue(conf["Subject"].startswith("confirm "))
        self.assertEqual(self.subs(), ["demo.general\talice@example.org\teach\ttext\tpending"])
        # mallory cannot confirm without the token alice got
        self.send("mallory@evil.example", "confirm s" + "1" * 32)
        self.assertEqual(self.subs(), ["demo.general\talice@example.org\teach\ttext\tpending"])

    def test_unsubscribe_digest_format_and_help(self):
        self.g.sub("subscribe", BOB, "demo.general")
        got = self.send(BOB, "digest weekly")
        self.assertIn("weekly digest", got[0].get_content())
        self.assertEqual(self.subs(), ["demo.general\tbob@example.net\tdigest-weekly\ttext\tactive"])
        self.send(BOB, "Re: something", "html\nnodigest\n-- \nBob\n")
        self.assertEqual(self.subs(), ["demo.general\tbob@example.net\teach\thtml\tactive"])
        got = self.send(BOB, "help")
        self.assertIn("unsubscribe", got[0].get_content())
        got = self.send(BOB, "unsubscribe")
        self.assertIn("unsubscribed", got[0].get_content())
        self.assertEqual(self.subs(), [])
        self.assertEqual(self.g.outbox(), [], "commands are never posts")

    def test_request_address_of_an_unknown_group(self):
        p = self.g.run("ingest", "--recipient", f"no.such-request@{REPLY_DOMAIN}", "--sender",
                       CAROL, input=b"Subject: subscribe\r\n\r\n", check=False)
        self.assertEqual(p.returncode, 67)


class Delivery(unittest.TestCase):
    def setUp(self):
        self.g = ListGate(self)
        self.sink = SMTPSink()
        self.addCleanup(self.sink.close)

    def test_post_reaches_each_subscriber_with_list_headers(self):
        self.g.overrides += ["-o", "http.public_url=https://lists.example.org/fg/"]
        for a in (ALICE, CAROL):
            self.g.sub("subscribe", a, "demo.general")
        self.g.sub("subscribe", BOB, "demo.announce")
        self.g.listd(self.sink.port)
        mid = self.g.new_thread()
        got = self.sink.wait(2)
        self.assertEqual(len(got), 2, self.g.logtext())
        time.sleep(1.5)
        self.assertEqual(len(self.sink.messages), 2, "bob is not subscribed to demo.general")
        by_rcpt = {}
        keys = set()
        for sender, rcpts, data in got:
            self.assertEqual(len(rcpts), 1, "one recipient per envelope (VERP)")
            m = VERP.match(sender)
            self.assertTrue(m, sender)
            keys.add(m.group(1))
            by_rcpt[rcpts[0]] = parse(data)
        self.assertEqual(len(keys), 2, "a bounce key per recipient")
        self.assertEqual(set(by_rcpt), {ALICE, CAROL})
        stored = {m["Message-ID"]: m for m in self.g.messages()}[mid]
        for rcpt, m in by_rcpt.items():
            self.assertEqual(m["Message-ID"], mid)
            self.assertEqual(m["Date"], stored["Date"])
            self.assertEqual(m["Subject"], "Neue Radwege")
            self.assertEqual(m.get_content().replace("\r\n", "\n"), stored.get_content())
            self.assertEqual(m["From"].addresses[0].addr_spec, LIST_FROM)
            self.assertEqual(m["From"].addresses[0].display_name, "Jürgen Groß")
            self.assertEqual(m["Sender"].addresses[0].addr_spec, LIST_FROM)
            self.assertEqual(m["To"].addresses[0].addr_spec, LIST_FROM)
            self.assertEqual(m["List-Id"], f"<demo.general.{REPLY_DOMAIN}>")
            self.assertEqual(m["List-Post"], f"<mailto:{LIST_FROM}>")
            self.assertTrue(m["List-Archive"].startswith("<https://forum.example.org/"))
            unsub = m["List-Unsubscribe"]
            self.assertIn(f"<mailto:demo.general-request@{REPLY_DOMAIN}?subject=unsubscribe>",
                          unsub)
            url = re.search(r"<(https://[^>]+)>", unsub).group(1)
            self.assertTrue(url.startswith("https://lists.example.org/fg/unsubscribe?g="
                                           "demo.general&a="), url)
            self.assertRegex(url, r"&t=[a-z2-7]{26}$")
            self.assertEqual(m["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
            self.assertEqual(m["Precedence"], "list")
            self.assertEqual(m["Auto-Submitted"], "auto-generated")
            self.assertEqual(m["X-Forumgate-Loop"], REPLY_DOMAIN)
            for h in ("Path", "Xref", "Newsgroups"):
                self.assertIsNone(m[h], h)
            self.assertNotIn("users.forumgate.example", str(m["From"]))
        # alice is a user: her Reply-To is her own key; carol is none
        self.assertRegex(by_rcpt[ALICE]["Reply-To"].addresses[0].addr_spec, KEY_REPLY)
        self.assertEqual(by_rcpt[CAROL]["Reply-To"].addresses[0].addr_spec, LIST_FROM)
        # the unsubscribe tokens differ per recipient
        tok = {r: re.search(r"&t=(\w+)", m["List-Unsubscribe"]).group(1)
               for r, m in by_rcpt.items()}
        self.assertNotEqual(tok[ALICE], tok[CAROL])
        self.assertEqual([r[1] for r in self.g.queue()], ["sent", "sent"])

        # alice answers from her mail client to her Reply-To: routed by the key
        reply_to = by_rcpt[ALICE]["Reply-To"].addresses[0].addr_spec
        p = self.g.run("ingest", "--recipient", reply_to, "--sender", ALICE,
                       input=make_message("Klingt gut!\n\nOn Monday Jürgen wrote:\n> neue\n",
                                          to=reply_to, subject="Re: Neue Radwege",
                                          in_reply_to=mid))
        self.assertEqual(p.returncode, 0, p.stderr)
        (row,) = self.g.outbox()
        self.assertEqual(row["route"], "key")
        self.assertEqual(row["user"], "alice")

        # a list message that comes back in is never ingested (loop header)
        self.g.run("ingest", "--recipient", GENERAL, "--sender", ALICE,
                   input=by_rcpt[CAROL].as_bytes())
        self.assertEqual(len(self.g.outbox()), 1)

    def test_end_to_end_reply_from_a_mail_client(self):
        """A forum post reaches alice and bob by mail; alice answers from her
        mail client to her Reply-To, quoting; the outbox posts it to the forum
        under her name; sync brings it back and bob gets it, threaded, once,
        and alice does not get her own post."""
        for a in (ALICE, BOB):
            self.g.sub("subscribe", a, "demo.general")
        self.g.listd(self.sink.port)
        mid = self.g.new_thread()
        got = {r[0]: parse(d) for _, r, d in self.sink.wait(2)}
        post = got[ALICE]
        reply_to = post["Reply-To"].addresses[0].addr_spec
        quoted = "\n".join("> " + l for l in post.get_content().splitlines())
        answer = msgid()
        p = self.g.run("ingest", "--recipient", reply_to, "--sender", ALICE,
                       input=make_message(f"Endlich! Ich fahre jeden Tag dort.\n\n"
                                          f"On Mon, 7 Dec 2026, Jürgen Groß wrote:\n{quoted}\n",
                                          to=reply_to, subject="Re: " + post["Subject"],
                                          message_id=answer, in_reply_to=mid))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.g.run("outbox", "--once")
        (row,) = self.g.outbox()
        self.assertEqual((row["state"], row["user"], row["route"]), ("posted", "alice", "key"))
        self.g.run("import", self.g.spool)
        self.g.run("import", self.g.spool)  # a second pass brings nothing twice
        got = self.sink.wait(3)
        time.sleep(2)
        later = [(r[0], parse(d)) for _, r, d in self.sink.messages[2:]]
        self.assertEqual([r for r, _ in later], [BOB], "bob once, alice never")
        m = later[0][1]
        self.assertEqual(m["Message-ID"], answer)
        self.assertEqual(m["In-Reply-To"], mid)
        self.assertEqual(m["References"].split()[-1], mid)
        self.assertEqual(m["From"].addresses[0].display_name, "alice")
        self.assertIn("Endlich! Ich fahre jeden Tag dort.", m.get_content())
        self.assertNotIn("> Die Stadt", m.get_content(), "the quote was trimmed")

    def test_digests_mime_and_plain(self):
        self.g.overrides += ["-o", "list.digest_check=1"]
        self.g.sub("subscribe", ALICE, "demo.general", "--digest", "daily", "--html")
        self.g.sub("subscribe", CAROL, "demo.general", "--digest", "weekly")
        self.g.sub("subscribe", BOB, "demo.general")
        self.g.listd(self.sink.port)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            nexts = dict(self.g.query("SELECT address, digest_next FROM subscriptions "
                                      "WHERE mode = 'digest'"))
            if all(nexts.values()):
                break
            time.sleep(0.2)
        now = time.time()
        # scheduled at 07:00 UTC (list.digest_hour), the weekly one on a Monday
        for a, t in nexts.items():
            self.assertGreater(t, now)
            self.assertEqual(t % 86400, 7 * 3600, a)
        self.assertLessEqual(nexts[ALICE] - now, 86400)
        self.assertEqual(time.gmtime(nexts[CAROL]).tm_wday, 0)
        mids = [self.g.new_thread(title="Erstes"), self.g.new_thread(title="Zweites")]
        self.sink.wait(2)  # bob's two posts, each
        db = sqlite3.connect(self.g.store)
        db.execute("UPDATE subscriptions SET digest_next = 1 WHERE mode = 'digest'")
        db.commit()
        db.close()
        got = self.sink.wait(4)
        self.assertEqual(len(got), 4, self.g.logtext())
        dig = {r[0]: (sender, parse(d)) for sender, r, d in got[2:]}
        self.assertEqual(set(dig), {ALICE, CAROL})
        sender, m = dig[ALICE]
        self.assertTrue(VERP.match(sender))
        self.assertEqual(m.get_content_type(), "multipart/digest")
        self.assertIn("demo.general Digest", m["Subject"])
        self.assertEqual(m["List-Id"], f"<demo.general.{REPLY_DOMAIN}>")
        parts = m.get_payload()
        self.assertEqual(parts[0].get_content_type(), "text/plain")
        self.assertIn("Erstes", parts[0].get_content())
        inner = [p.get_payload()[0] for p in parts[1:]]
        self.assertEqual([p["Message-ID"] for p in inner], mids)
        for p in inner:
            self.assertIsNotNone(p["Date"])
            self.assertIn("Radwege", p.get_content())
        _, m = dig[CAROL]
        self.assertEqual(m.get_content_type(), "text/plain")
        text = m.get_content()
        self.assertIn("Today's Topics (2 messages):", text)
        self.assertIn(f"Send posts to demo.general@{REPLY_DOMAIN}", text)
        self.assertIn("-" * 70, text)
        self.assertIn("End of demo.general Digest", text)
        self.assertEqual(text.count("Message-ID: "), 2)
        # nothing new: no digest the next time
        db = sqlite3.connect(self.g.store)
        db.execute("UPDATE subscriptions SET digest_next = 1 WHERE mode = 'digest'")
        db.commit()
        db.close()
        time.sleep(2.5)
        self.assertEqual(len(self.sink.messages), 4)
        self.assertEqual(dict(self.g.query("SELECT address, digest_issue FROM subscriptions "
                                           "WHERE mode = 'digest'")), {ALICE: 1, CAROL: 1})

    def test_html_subscriber_gets_a_sanitized_alternative(self):
        self.g.sub("subscribe", ALICE, "demo.general", "--html")
        self.g.sub("subscribe", CAROL, "demo.general")
        self.g.listd(self.sink.port)
        body = ('Die Stadt baut <b>neue</b> Radwege.<script>alert(1)</script>'
                '<img src="https://forum.example.org/a.png" onerror="alert(2)" alt="Plan">'
                '<a href="javascript:alert(3)">hier</a> <a href="/t/9">Thread</a>'
                '<iframe src="https://evil.example/"></iframe>'
                '<p style="background:url(https://track.example/x)">.Punkt am Anfang</p>')
        mid = self.g.new_thread(body=body)
        got = {r[0]: parse(d) for _, r, d in self.sink.wait(2)}
        stored = {m["Message-ID"]: m for m in self.g.messages()}[mid]
        self.assertEqual(got[CAROL].get_content_type(), "text/plain")
        m = got[ALICE]
        self.assertEqual(m.get_content_type(), "multipart/alternative")
        self.assertEqual(m["Message-ID"], mid)
        self.assertEqual(m["List-Id"], f"<demo.general.{REPLY_DOMAIN}>")
        text, html = m.get_payload()
        self.assertEqual(text.get_content_type(), "text/plain")
        self.assertEqual(text.get_param("format"), "flowed")
        self.assertEqual(text.get_content().replace("\r\n", "\n"), stored.get_content())
        self.assertEqual(html.get_content_type(), "text/html")
        doc = html.get_content()
        from html.parser import HTMLParser

        class Walk(HTMLParser):
            tags, attrs = [], []

            def handle_starttag(self, tag, attrs):
                self.tags.append(tag)
                self.attrs.extend((tag, k, v) for k, v in attrs)
        w = Walk()
        w.feed(doc)
        self.assertNotIn("script", w.tags)
        self.assertNotIn("iframe", w.tags)
        self.assertNotIn("alert", doc)
        for tag, k, v in w.attrs:
            self.assertFalse(k.startswith("on"), (tag, k))
            self.assertNotEqual(k, "style")
            if k in ("href", "src"):
                self.assertTrue(v.startswith("https://"), v)
        self.assertIn("<b>neue</b>", doc)
        self.assertIn('src="https://forum.example.org/a.png"', doc)
        self.assertIn('href="https://forum.example.org/t/9"', doc)
        self.assertIn(".Punkt am Anfang", doc)

    def test_one_click_unsubscribe_over_http(self):
        port = free_port()
        self.g.overrides += ["-o", f"http.listen=127.0.0.1:{port}",
                             "-o", f"http.public_url=http://127.0.0.1:{port}/"]
        for a in (ALICE, CAROL):
            self.g.sub("subscribe", a, "demo.general")
        httpd = subprocess.Popen([FORUMGATE, "-c", DEMO, *self.g.overrides, "httpd"], cwd=ROOT,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(lambda: (httpd.terminate(), httpd.wait(10)))
        wait_port(port, httpd)
        self.g.listd(self.sink.port)
        self.g.new_thread()
        got = {r[0]: parse(d) for _, r, d in self.sink.wait(2)}
        url = re.search(r"<(http://[^>]+)>", got[CAROL]["List-Unsubscribe"]).group(1)
        self.assertEqual(got[CAROL]["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
        # a GET (a scanner opening the link) shows a button and changes nothing
        with urllib.request.urlopen(url, timeout=10) as r:
            self.assertEqual(r.status, 200)
            self.assertIn(b'<form method="post">', r.read())
        self.assertEqual(len(self.g.sub("subscribers").stdout.splitlines()), 2)
        # a token for another address is refused
        other = re.search(r"<(http://[^>]+)>", got[ALICE]["List-Unsubscribe"]).group(1)
        forged = url.split("&t=")[0] + "&t=" + other.split("&t=")[1]
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(urllib.request.Request(
                forged, data=b"List-Unsubscribe=One-Click", method="POST"), timeout=10)
        self.assertEqual(e.exception.code, 403)
        # the mail client's one-click POST (RFC 8058)
        req = urllib.request.Request(url, data=b"List-Unsubscribe=One-Click", method="POST",
                                     headers={"Content-Type":
                                              "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(req, timeout=10) as r:
            self.assertEqual(r.status, 200)
            self.assertIn(b"is unsubscribed from demo.general", r.read())
        self.assertEqual(self.g.sub("subscribers").stdout.decode().splitlines(),
                         ["demo.general\talice@example.org\teach\ttext\tactive"])

    def test_edits_and_old_posts_are_not_mailed(self):
        self.g.sub("subscribe", CAROL, "demo.general")
        self.g.listd(self.sink.port)
        mid = self.g.new_thread(body="Erste Fassung.")
        self.assertEqual(len(self.sink.wait(1)), 1)
        # the post is edited on the forum: a new article supersedes it
        path = max((os.path.join(self.g.spool, f) for f in os.listdir(self.g.spool)
                    if f.startswith("new-")), key=os.path.getmtime)
        with open(path) as f:
            doc = json.load(f)
        doc["posts"][0]["body"] = "Zweite Fassung."
        with open(path, "w") as f:
            json.dump(doc, f)
        self.g.run("import", self.g.spool)
        self.assertEqual(self.g.query("SELECT count(*) FROM articles WHERE superseded_by "
                                      "IS NOT NULL AND message_id = ?", mid)[0][0], 1)
        # a post of last year filed now (a backfill) is not mailed either
        old = {"format": "forumgate-thread/1", "forum": "demo", "board": "General Discussion",
               "thread": {"id": "8801", "title": "Alt"},
               "posts": [{"id": "88011", "position": 1, "author": "Vreni",
                          "date": "2025-01-01T10:00:00+01:00", "format": "html",
                          "body": "Von früher."}]}
        with open(os.path.join(self.g.spool, "old.json"), "w") as f:
            json.dump(old, f)
        self.g.run("import", self.g.spool)
        time.sleep(3)
        self.assertEqual(len(self.sink.messages), 1, "neither the edit nor the old post")
        self.assertEqual(self.g.query("SELECT value FROM list_state")[0][0],
                         self.g.query("SELECT max(id) FROM articles")[0][0])

    def test_read_only_group_says_list_post_no(self):
        self.g.sub("subscribe", CAROL, "demo.announce")
        self.g.listd(self.sink.port)
        self.g.new_thread(title="Wartung", board="Announcements")
        (got,) = self.sink.wait(1)
        m = parse(got[2])
        self.assertEqual(m["List-Post"], "NO")
        self.assertEqual(m["List-Id"], f"<demo.announce.{REPLY_DOMAIN}>")
        self.assertEqual(m["From"].addresses[0].addr_spec, f"demo.announce@{REPLY_DOMAIN}")

    def test_pipelining_and_connection_reuse(self):
        addrs = [f"user{i}@example.net" for i in range(30)]
        for a in addrs:
            self.g.sub("subscribe", a, "demo.general")
        self.g.listd(self.sink.port)
        self.g.new_thread()
        self.assertEqual(len(self.sink.wait(30)), 30, self.g.logtext())
        self.assertEqual(len(self.sink.sessions), 1, "one connection for the batch")
        cmds = self.sink.sessions[0].commands
        reads = {}
        for n, c in cmds:
            reads.setdefault(n, []).append(c.split(":")[0].split()[0].upper())
        # after the first, each message's content, the next MAIL, RCPT and
        # DATA arrive in one read (RFC 2920)
        grouped = [v for v in reads.values() if v[:3] == ["MAIL", "RCPT", "DATA"]]
        self.assertGreaterEqual(len(grouped), 28, reads)
        self.assertEqual(sum(c.startswith("RSET") for _, c in cmds), 0)

    def test_without_pipelining_still_delivers(self):
        self.sink.close()
        self.sink = SMTPSink(pipelining=False)
        self.addCleanup(self.sink.close)
        for i in range(5):
            self.g.sub("subscribe", f"u{i}@example.net", "demo.general")
        self.g.listd(self.sink.port)
        self.g.new_thread()
        self.assertEqual(len(self.sink.wait(5)), 5, self.g.logtext())
        reads = {}
        for n, c in self.sink.sessions[0].commands:
            reads.setdefault(n, []).append(c)
        self.assertTrue(all(len(v) == 1 for v in reads.values()), reads)

    def test_own_post_by_mail_is_not_mailed_back(self):
        for a in (ALICE, BOB):
            self.g.sub("subscribe", a, "demo.general")
        self.g.listd(self.sink.port)
        mid = msgid()
        p = self.g.run("ingest", "--recipient", GENERAL, "--sender", ALICE,
                       input=make_message("Ich auch, danke.\n", message_id=mid,
                                          in_reply_to=GENERAL_POST))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.g.run("outbox", "--once")
        self.g.run("import", self.g.spool)
        got = self.sink.wait(1)
        time.sleep(1.5)
        got = self.sink.messages
        self.assertEqual([(r, parse(d)["Message-ID"]) for _, r, d in got], [([BOB], mid)])
        self.assertEqual(parse(got[0][2])["References"].split()[-1], GENERAL_POST)
        # with own_copies she gets her next one
        self.g.sub("subscribe", ALICE, "demo.general", "--own-copies")
        mid2 = msgid()
        self.g.run("ingest", "--recipient", GENERAL, "--sender", ALICE,
                   input=make_message("Noch etwas.\n", message_id=mid2,
                                      in_reply_to=GENERAL_POST))
        self.g.run("outbox", "--once")
        self.g.run("import", self.g.spool)
        got = self.sink.wait(3)
        self.assertEqual(sorted(r[0] for _, r, d in got[1:]), [ALICE, BOB])

    def test_smarthost_down_delays_nothing_lost(self):
        port = free_port()
        for i in range(20):
            self.g.sub("subscribe", f"u{i}@example.net", "demo.general")
        self.g.listd(port)
        self.g.new_thread()
        time.sleep(3)
        q = self.g.queue()
        self.assertEqual(len(q), 20)
        self.assertTrue(all(r[1] == "queued" and r[2] == 0 for r in q), q)
        self.assertIn("cannot connect", self.g.logtext())
        sink = SMTPSink(port=port)
        self.addCleanup(sink.close)
        got = sink.wait(20, timeout=30)
        self.assertEqual(sorted(r[0] for _, r, _ in got),
                         sorted(f"u{i}@example.net" for i in range(20)))
        time.sleep(0.5)
        self.assertTrue(all(r[1] == "sent" for r in self.g.queue()))

    def test_temporary_and_permanent_refusals(self):
        def refuse(stage, arg):
            if stage == "RCPT" and arg == CAROL:
                return "550 5.1.1 no such user here"
            if stage == "RCPT" and arg.endswith("@slow.example"):
                return "451 4.7.1 greylisted, try later"
            return None
        self.sink.refuse = refuse
        for a in (ALICE, CAROL, "dora@slow.example", "emil@slow.example"):
            self.g.sub("subscribe", a, "demo.general")
        self.g.listd(self.sink.port)
        self.g.new_thread()
        self.sink.wait(1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            q = {r[0]: r for r in self.g.queue()}
            if q and all(r[1] != "sending" and (r[1] != "queued" or r[2] > 0)
                         for r in q.values()):
                break
            time.sleep(0.2)
        self.assertEqual(q[ALICE][1], "sent")
        self.assertEqual(q[CAROL][1], "failed")
        self.assertIn("550 5.1.1 no such user here", q[CAROL][3])
        (b,) = self.g.query("SELECT count, hard_count, score FROM bounces WHERE address = ?",
                            CAROL)
        self.assertEqual(b, (1, 1, 1.0))
        now = time.time()
        for a in ("dora@slow.example", "emil@slow.example"):
            self.assertEqual(q[a][1], "queued")
            self.assertIn("451 4.7.1", q[a][3])
            self.assertGreater(q[a][4], now + 60)
        (d,) = self.g.query("SELECT failures, next_try FROM list_domains")
        self.assertEqual(d[0], 2)
        self.assertGreater(d[1], now + 60)
        out = self.g.sub("subscribers", "--bounces").stdout.decode()
        self.assertIn("carol@example.com\teach\ttext\tactive\tscore=1.0\tbounces=1", out)

    def test_verp_bounce_counts_and_suspends(self):
        for a in (ALICE, CAROL):
            self.g.sub("subscribe", a, "demo.general")
        self.g.listd(self.sink.port)
        self.g.new_thread()
        got = self.sink.wait(2)
        verp = {r[0]: sender for sender, r, _ in got}

        def dsn(to, status="5.1.1"):
            return self.g.run("ingest", "--recipient", to, "--sender", "",
                              input=bounce_message(CAROL).replace(b"Status: 5.1.1",
                                                                  f"Status: {status}".encode()))
        p = dsn(verp[CAROL])
        self.assertEqual(p.returncode, 0, p.stderr)
        (b,) = self.g.query("SELECT count, hard_count, score, suspended FROM bounces "
                            "WHERE address = ?", CAROL)
        self.assertEqual(b, (1, 1, 1.0, 0))
        self.assertEqual(self.g.query("SELECT count(*) FROM bounces WHERE address = ?",
                                      ALICE)[0][0], 0, "the key names carol, not alice")
        # a second bounce the same day counts once (bounce_score policy)
        dsn(verp[CAROL])
        self.assertEqual(self.g.query("SELECT count, score FROM bounces WHERE address = ?",
                                      CAROL)[0], (2, 1.0))
        # a forged key counts nothing and is never posted
        forged = re.sub(r"\+b-[a-z2-7]+@", "+b-" + "a" * 23 + "@", verp[CAROL])
        p = dsn(forged)
        self.assertEqual(p.returncode, 0)
        self.assertEqual(self.g.query("SELECT count FROM bounces WHERE address = ?",
                                      CAROL)[0][0], 2)
        self.assertEqual(self.g.outbox(), [])
        # four hard bounces on earlier days: the next one reaches the
        # threshold (5.0) and suspends delivery
        day = int(time.time()) - 86400
        db = sqlite3.connect(self.g.store)
        db.execute("UPDATE bounces SET hard_count = 4, score = 4.0, last_counted = ?, "
                   "updated = ? WHERE address = ?", (day, day, CAROL))
        db.commit()
        db.close()
        p = dsn(verp[CAROL])
        (b,) = self.g.query("SELECT score, suspended FROM bounces WHERE address = ?", CAROL)
        self.assertEqual(b, (5.0, 1))
        self.assertIn(b"list delivery to carol@example.com suspended after bounces", p.stderr)
        self.g.new_thread(title="Zweiter Beitrag")
        got = self.sink.wait(3)
        time.sleep(1.5)
        self.assertEqual([r for _, r, _ in self.sink.messages[2:]], [[ALICE]])
        out = self.g.run("subscribers", "--bounces").stdout.decode()
        self.assertIn("carol@example.com\teach\ttext\tsuspended\tscore=5.0", out)
        # a soft bounce (4.x.x) of alice's copy counts half
        dsn(verp[ALICE], "4.2.2")
        self.assertEqual(self.g.query("SELECT score, hard_count FROM bounces WHERE address = ?",
                                      ALICE)[0], (0.5, 0))

    def test_starttls_verified_and_auth(self):
        cert = os.path.join(self.g.dir, "cert.pem")
        key = os.path.join(self.g.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", cert], check=True, capture_output=True)
        pw = os.path.join(self.g.dir, "smtp-password")
        with open(pw, "w") as f:
            f.write("s3cret\n")
        os.chmod(pw, 0o600)
        self.sink.close()
        self.sink = SMTPSink(starttls=(cert, key), auth=("listd", "s3cret"))
        self.addCleanup(self.sink.close)
        self.g.sub("subscribe", ALICE, "demo.general")
        # without the CA the certificate cannot be verified: nothing goes out
        self.g.listd(self.sink.port)
        self.g.new_thread()
        time.sleep(2.5)
        self.assertEqual(self.sink.count, 0)
        self.assertIn("certificate verification failed", self.g.logtext())
        self.g.stop_listd()
        self.g.listd(self.sink.port, "-o", f"mail.smarthost_tls_ca={cert}",
                     "-o", "mail.smarthost_user=listd",
                     "-o", f"mail.smarthost_password_file={pw}")
        self.assertEqual(len(self.sink.wait(1)), 1, self.g.logtext())
        s = self.sink.sessions[-1]
        self.assertTrue(s.tls)
        self.assertEqual(s.user, "listd")

    def test_serve_runs_listd_when_enabled(self):
        nntp, lmtp = free_port(), free_port()
        self.g.overrides += ["-o", f"nntp.listen=127.0.0.1:{nntp}",
                             "-o", f"mail.lmtp.listen=127.0.0.1:{lmtp}",
                             "-o", "nntp.tls.cert=", "-o", "nntp.tls.key=",
                             "-o", "nntp.workers=1",
                             "-o", f"mail.smarthost=127.0.0.1:{self.sink.port}"]
        self.g.sub("subscribe", CAROL, "demo.general")
        for enabled in ("false", "true"):
            proc = subprocess.Popen([FORUMGATE, "-c", DEMO, *self.g.overrides,
                                     "-o", f"list.enabled={enabled}", "serve"], cwd=ROOT,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    stdin=subprocess.DEVNULL)
            try:
                wait_children(proc.pid, 4)
                time.sleep(0.5)
                roles = sorted(cmdline(r) for r in children(proc.pid))
                self.assertEqual("forumgate: listd" in roles, enabled == "true", roles)
                if enabled == "true":
                    deadline = time.monotonic() + 10
                    while time.monotonic() < deadline and not self.g.query(
                            "SELECT count(*) FROM list_state")[0][0]:
                        time.sleep(0.1)
                    self.g.new_thread()
                    self.assertEqual([r for _, r, _ in self.sink.wait(1)], [[CAROL]])
            finally:
                proc.terminate()
                proc.communicate(timeout=20)
            self.assertEqual(proc.returncode, 0)

    def test_connection_lost_after_the_dot_is_sent_again(self):
        """The case SMTP cannot settle: the content went out and the
        connection died before the reply. The delivery is tried again over
        a new connection; nothing else is repeated."""
        addrs = [f"u{i}@example.net" for i in range(10)]
        for a in addrs:
            self.g.sub("subscribe", a, "demo.general")
        dropped = []

        def drop(stage, arg):
            if stage == "CONTENT" and arg[1] == ["u4@example.net"] and not dropped:
                dropped.append(1)
                return "DROP"
            return None
        self.sink.refuse = drop
        self.g.listd(self.sink.port)
        self.g.new_thread()
        got = self.sink.wait(10, timeout=20)
        self.assertEqual(sorted(r[0] for _, r, _ in got), sorted(addrs), self.g.logtext())
        self.assertEqual(len(self.sink.sessions), 2)
        self.assertIn("connection lost", self.g.logtext())
        time.sleep(0.5)
        self.assertTrue(all(r[1] == "sent" for r in self.g.queue()))

    def test_digest_hour_in_the_subscribers_zone(self):
        self.g.overrides += ["-o", "list.digest_check=1"]
        self.g.sub("subscribe", CAROL, "demo.general", "--digest", "daily",
                   "--timezone", "Asia/Tokyo")
        p = self.g.sub("subscribe", ALICE, "demo.general", "--timezone", "Mars/Olympus",
                       check=False)
        self.assertEqual(p.returncode, 64)
        self.g.listd(self.sink.port)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            (t,) = self.g.query("SELECT digest_next FROM subscriptions")[0]
            if t:
                break
            time.sleep(0.2)
        # 07:00 in Tokyo (UTC+9, no DST) is 22:00 UTC
        self.assertEqual(t % 86400, 22 * 3600)
        self.assertLessEqual(t - time.time(), 86400)

    def test_one_listd_per_store(self):
        self.g.listd(self.sink.port)
        p = subprocess.run([FORUMGATE, "-c", DEMO, *self.g.overrides,
                            "-o", f"mail.smarthost=127.0.0.1:{self.sink.port}", "listd"],
                           cwd=ROOT, capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 69, p.stderr)
        self.assertIn(b"another forumgate runs the list delivery", p.stderr)

    def test_listd_needs_a_secret(self):
        p = subprocess.run([FORUMGATE, "-c", DEMO, *self.g.overrides,
                            "-o", "mail.secret_file=/nonexistent",
                            "-o", f"mail.smarthost=127.0.0.1:{self.sink.port}", "listd"],
                           cwd=ROOT, capture_output=True, timeout=30)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(b"/nonexistent", p.stderr)

    def test_kill_9_during_a_batch_loses_nothing(self):
        addrs = [f"u{i:03d}@example.net" for i in range(300)]
        for a in addrs:
            self.g.sub("subscribe", a, "demo.general")

        def slow(stage, arg):
            if stage == "CONTENT":
                time.sleep(0.01)
            return None
        self.sink.refuse = slow
        self.g.overrides += ["-o", "list.batch=100"]
        self.g.listd(self.sink.port)
        self.g.new_thread()
        self.sink.wait(120)
        self.g.stop_listd(signal.SIGKILL)
        n_killed = self.sink.count
        states = dict(self.g.query("SELECT recipient, state FROM list_queue"))
        sending = {a for a, s in states.items() if s == "sending"}
        sent_before = {a for a, s in states.items() if s == "sent"}
        self.assertTrue(0 < n_killed < 300, n_killed)
        self.assertTrue(sending, "killed in the middle of a batch")
        self.sink.refuse = None
        self.g.listd(self.sink.port)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if all(r[1] == "sent" for r in self.g.queue()):
                break
            time.sleep(0.2)
        got = [r[0] for _, r, _ in self.sink.messages]
        self.assertEqual(set(got), set(addrs), "no delivery lost")
        dups = {a for a in got if got.count(a) > 1}
        self.assertTrue(dups <= sending, f"only `sending` rows may repeat: {dups - sending}")
        self.assertFalse(dups & sent_before)
        self.assertIn("were being sent when listd stopped", self.g.logtext())


class ThroughExim(unittest.TestCase):
    """listd with Debian's Exim as its smarthost (exim.PrivateExim, config
    mta/exim-list.conf.in): Exim takes the mail for the subscriber domains
    on a loopback port and writes it to a Maildir per recipient, so what is
    checked is what a real MTA accepted and stored."""
    DOMAINS = ("example.org", "example.com", "example.net")

    def setUp(self):
        self.g = ListGate(self)
        self.mta = PrivateExim(self, self.g.dir, "exim-list.conf.in",
                               {"DOMAINS": " : ".join(self.DOMAINS)},
                               folders=[f"maildir/{a}" for a in (ALICE, BOB, CAROL)])
        self.defer = os.path.join(self.mta.dir, "defer")

    def maildir(self):
        """{recipient: [message bytes]} of what Exim wrote (Maildir new/)."""
        out = {}
        top = os.path.join(self.mta.dir, "maildir")
        for rcpt in sorted(os.listdir(top)):
            new = os.path.join(top, rcpt, "new")
            for name in sorted(os.listdir(new)) if os.path.isdir(new) else ():
                with open(os.path.join(new, name), "rb") as f:
                    out.setdefault(rcpt, []).append(f.read())
        return out

    def wait_maildir(self, n, timeout=20):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            got = self.maildir()
            if sum(map(len, got.values())) >= n:
                return got
            time.sleep(0.1)
        self.fail(f"{n} messages not in the Maildir after {timeout}s: {self.maildir()}\n"
                  f"{self.mta.mainlog()}\n{self.g.logtext()}")

    def test_delivered_by_exim_to_maildir_with_list_headers(self):
        self.g.sub("subscribe", ALICE, "demo.general")
        self.g.sub("subscribe", BOB, "demo.general", "--html")
        self.g.listd(self.mta.port)
        body = ('Die Stadt baut <b>neue</b> Radwege.<script>alert(1)</script>'
                '<a href="javascript:alert(3)">hier</a>')
        mid = self.g.new_thread(body=body)
        got = self.wait_maildir(2)
        time.sleep(1)
        got = self.maildir()
        self.assertEqual({r: len(v) for r, v in got.items()}, {ALICE: 1, BOB: 1},
                         "one message per subscriber, nothing else")
        stored = {m["Message-ID"]: m for m in self.g.messages()}[mid]
        keys = set()
        msgs = {}
        for rcpt, (data,) in got.items():
            m = parse(data)
            msgs[rcpt] = m
            # Exim's Return-Path is the envelope sender listd gave it: VERP
            self.assertTrue(data.lower().startswith(b"return-path: <"), data[:200])
            rp = m["Return-Path"].strip().strip("<>")
            v = VERP.match(rp)
            self.assertTrue(v, rp)
            keys.add(v.group(1))
            self.assertEqual(m["Envelope-to"], rcpt)
            self.assertIn("mta.forumgate-test.example", m["Received"])
            self.assertEqual(m["Message-ID"], mid)
            self.assertEqual(m["Subject"], "Neue Radwege")
            self.assertEqual(m["Date"], stored["Date"])
            # DMARC-safe: the list's own address, the author's name
            self.assertEqual(m["From"].addresses[0].addr_spec, LIST_FROM)
            self.assertEqual(m["From"].addresses[0].display_name, "Jürgen Groß")
            self.assertEqual(m["Sender"].addresses[0].addr_spec, LIST_FROM)
            self.assertEqual(m["List-Id"], f"<demo.general.{REPLY_DOMAIN}>")
            self.assertEqual(m["List-Post"], f"<mailto:{LIST_FROM}>")
            self.assertIn(f"<mailto:demo.general-request@{REPLY_DOMAIN}?subject=unsubscribe>",
                          m["List-Unsubscribe"])
            self.assertEqual(m["Precedence"], "list")
            # alice and bob are users: each has a reply key of their own
            self.assertRegex(m["Reply-To"].addresses[0].addr_spec, KEY_REPLY)
            self.assertEqual(m["X-Forumgate-Loop"], REPLY_DOMAIN)
        self.assertEqual(len(keys), 2, "a bounce key per recipient")
        self.assertNotEqual(msgs[ALICE]["Reply-To"], msgs[BOB]["Reply-To"])
        a = msgs[ALICE]
        self.assertEqual(a.get_content_type(), "text/plain")
        self.assertEqual(a.get_content().replace("\r\n", "\n"), stored.get_content())
        b = msgs[BOB]
        self.assertEqual(b.get_content_type(), "multipart/alternative")
        text, html = b.get_payload()
        self.assertEqual(text.get_content_type(), "text/plain")
        self.assertEqual(text.get_content().replace("\r\n", "\n"), stored.get_content())
        self.assertEqual(html.get_content_type(), "text/html")
        doc = html.get_content()
        self.assertIn("<b>neue</b>", doc)
        self.assertNotIn("<script", doc.lower())
        self.assertNotIn("alert", doc)
        self.assertEqual([r[1] for r in self.g.queue()], ["sent", "sent"])
        # Exim logged both arrivals with the VERP sender, over one connection
        log = self.mta.mainlog()
        arrivals = re.findall(r"^.* <= (\S+) H=\S+ \[127\.0\.0\.1\]:(\d+) .*$", log, re.M)
        self.assertEqual(len(arrivals), 2, log)
        self.assertTrue(all(VERP.match(s) for s, _ in arrivals), arrivals)
        self.assertEqual(len({p for _, p in arrivals}), 1, "one SMTP connection for both")
        # Exim offered PIPELINING (RFC 2920); log_selector +pipelining marks
        # an arrival whose commands came pipelined with " L " (" L- " if not;
        # Exim 4.96 writes " L. " and " L.- ": PIPE_CONNECT not offered)
        lines = [l for l in log.splitlines() if " <= " in l]
        self.assertTrue(all(re.search(r" L[.*]? ", l) for l in lines), log)
        self.assertEqual(len(re.findall(r" => .* R=subscribers T=maildir$", log, re.M)), 2, log)

    def test_greylisted_then_delivered_once(self):
        open(self.defer, "w").close()
        self.g.sub("subscribe", ALICE, "demo.general")
        self.g.listd(self.mta.port)
        self.g.new_thread()
        self.mta.wait_log(r"temporarily rejected RCPT <" + re.escape(ALICE) + r">: "
                          r"4\.7\.1 greylisted")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            (q,) = self.g.queue()
            if q[2] > 0:
                break
            time.sleep(0.1)
        self.assertEqual(q[:2], (ALICE, "queued"))
        self.assertIn("451 4.7.1 greylisted, try later", q[3])
        self.assertGreater(q[4], time.time() + 50, "listd waits before it tries again")
        time.sleep(1.5)
        self.assertEqual(self.maildir(), {})
        self.assertEqual(len(re.findall("temporarily rejected RCPT", self.mta.mainlog())), 1,
                         "no retry before the backoff is over")
        # the greylisting ends; the backoff is over (instead of a minute's wait)
        os.unlink(self.defer)
        db = sqlite3.connect(self.g.store)
        db.execute("UPDATE list_queue SET next_try = 0")
        db.execute("UPDATE list_domains SET next_try = 0")
        db.commit()
        db.close()
        got = self.wait_maildir(1)
        time.sleep(2)
        got = self.maildir()
        self.assertEqual(list(got), [ALICE])
        self.assertEqual(len(got[ALICE]), 1, "delivered once")
        m = parse(got[ALICE][0])
        self.assertEqual(m["List-Id"], f"<demo.general.{REPLY_DOMAIN}>")
        self.assertEqual(self.g.queue()[0][1], "sent")


if __name__ == "__main__":
    unittest.main()
