"""Mail intake (issue #4) end to end with real components: swaks and a raw
socket client against `forumgate mailin` (LMTP), `forumgate ingest` as an
MTA pipe transport would run it, reply keys, the outbox posting through the
spool connector and back in by import, refusal notices to an SMTP sink, a
real Exim delivering over LMTP, and a kill -9 in the middle of 1,000
deliveries. Each test has its own store, spool and ports (mailserver.py)."""
import email
import email.policy
import glob
import json
import os
import random
import re
import shutil
import subprocess
import threading
import time
import unittest

from exim import PrivateExim
from fgtest import DEMO, FORUMGATE, ROOT
from mailserver import (ALICE, ANNOUNCE, ANNOUNCE_POST, BOB, GENERAL, GENERAL_POST,
                        GENERAL_THREAD, LMTP, QUOTED_REPLY, REPLY_DOMAIN, REPLY_TEXT,
                        LMTPError, MailGate, SMTPSink, bounce_message, dot_stuff,
                        free_port, make_message, msgid, wait_port)

SWAKS = shutil.which("swaks")


def swaks(port, *args, data=None):
    """Runs swaks as an LMTP client; returns (exit code, [server replies], transcript)."""
    cmd = [SWAKS, "--protocol", "LMTP", "--server", f"127.0.0.1:{port}", "--timeout", "30",
           *args]
    if data is not None:
        cmd += ["--data", "-"]
    p = subprocess.run(cmd, input=data, capture_output=True, timeout=60)
    out = p.stdout.decode("utf-8", "replace")
    replies = [l[4:] for l in out.splitlines() if re.match(r"^<(-|\*\*) ", l)]
    return p.returncode, replies, out


def after_data(replies):
    """The replies that follow the 354 (one per accepted recipient, then 221)."""
    i = next(i for i, r in enumerate(replies) if r.startswith("354"))
    return [r for r in replies[i + 1:] if not r.startswith("221")]


@unittest.skipIf(SWAKS is None, "swaks is not installed (apt-get install swaks)")
class LmtpWithSwaks(unittest.TestCase):
    def setUp(self):
        self.g = MailGate(self)
        self.m = self.g.mailin()

    def deliver(self, message, frm=ALICE, to=GENERAL):
        return swaks(self.m.port, "--from", frm, "--to", to, data=message)

    def test_greeting_and_lhlo_capabilities(self):
        rc, replies, out = self.deliver(make_message())
        self.assertEqual(rc, 0, out)
        self.assertRegex(replies[0], r"^220 ")
        self.assertIn("-> LHLO ", out)
        caps = [r[4:].split()[0] for r in replies[1:] if r.startswith("250")][:5]
        for cap in ("PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES", "SIZE"):
            self.assertIn(cap, caps, replies)
        self.assertRegex(out, r"<-  250 SIZE 10485760\r?\n")

    def test_accepted_reply_is_queued_trimmed(self):
        mid = msgid()
        rc, replies, out = self.deliver(make_message(QUOTED_REPLY, message_id=mid,
                                                     in_reply_to=GENERAL_POST))
        self.assertEqual(rc, 0, out)
        self.assertEqual(len(after_data(replies)), 1, out)
        self.assertRegex(after_data(replies)[0], r"^250 2\.0\.0 <" + re.escape(GENERAL) + ">")
        rows = self.g.outbox()
        self.assertEqual(len(rows), 1)
        r = rows[0]
        self.assertEqual(r["message_id"], mid)
        self.assertEqual(r["state"], "queued")
        self.assertEqual(r["source"], "lmtp")
        self.assertEqual(r["user"], "alice")
        self.assertEqual(r["newsgroups"], "demo.general")
        self.assertEqual(r["route"], "in-reply-to")
        self.assertEqual(r["thread_key"], GENERAL_THREAD)
        self.assertEqual(r["parent_key"], "141")
        self.assertEqual(r["envelope_from"], ALICE)
        # only what Alice wrote is posted; the quote and signature are kept beside it
        self.assertEqual(r["body"].strip(), REPLY_TEXT)
        self.assertNotIn("> Where do you park", r["body"])
        self.assertNotIn("https://alice.example.org/", r["body"])
        self.assertIsNotNone(r["elided"])
        self.assertIn("> Where do you park your bike at the station?", r["elided"])
        self.assertIn("wrote:", r["elided"])
        self.assertIn("https://alice.example.org/", r["elided"])
        self.assertIn(b"Subject: Re: Fahrradparken am Hauptbahnhof", r["article"])

    def test_reply_without_references_starts_a_thread(self):
        rc, replies, out = self.deliver(make_message("A new topic.\n", subject="New topic"))
        self.assertRegex(after_data(replies)[0], r"^250 2\.0\.0 ")
        (r,) = self.g.outbox()
        self.assertEqual(r["route"], "list")
        self.assertIsNone(r["thread_key"])
        self.assertEqual(r["forum"], "demo")
        self.assertEqual(r["subject"], "New topic")

    def test_unknown_recipient_is_refused_at_rcpt(self):
        rc, replies, out = self.deliver(make_message(), to=f"demo.nosuch@{REPLY_DOMAIN}")
        self.assertIn("550 5.1.1 <demo.nosuch@reply.forumgate.example>", "\n".join(replies))
        self.assertNotIn("-> DATA", out)  # refused before any data
        self.assertEqual(self.g.outbox(), [])

    def test_wrong_domain_is_refused_at_rcpt(self):
        rc, replies, out = self.deliver(make_message(), to="demo.general@elsewhere.example")
        rcpt = [r for r in replies if "elsewhere.example" in r]
        self.assertEqual(len(rcpt), 1, out)
        self.assertRegex(rcpt[0], r"^550 5\.1\.1 ")
        self.assertIn(REPLY_DOMAIN, rcpt[0])
        self.assertEqual(self.g.outbox(), [])

    def test_unregistered_sender_gets_the_reason(self):
        msg = make_message(frm="mallory@example.com")
        rc, replies, out = self.deliver(msg, frm="mallory@example.com")
        (final,) = after_data(replies)
        self.assertRegex(final, r"^550 5\.7\.1 <" + re.escape(GENERAL) + ">: ")
        self.assertIn("mallory@example.com is not the address of a registered user", final)
        self.assertEqual(self.g.outbox(), [])

    def test_read_only_group_is_refused(self):
        rc, replies, out = self.deliver(make_message("Me too.\n"), to=ANNOUNCE)
        (final,) = after_data(replies)
        self.assertRegex(final, r"^550 5\.\d\.\d <" + re.escape(ANNOUNCE) + ">: ")
        self.assertIn("read-only", final)
        self.assertEqual(self.g.outbox(), [])

    def test_reply_into_a_read_only_thread_is_refused(self):
        # a reply to an announcement, sent to the postable list address: it
        # would land in the read-only board's thread, so it must be refused too
        rc, replies, out = self.deliver(make_message("Me too.\n", in_reply_to=ANNOUNCE_POST))
        (final,) = after_data(replies)
        self.assertRegex(final, r"^550 5\.\d\.\d ", out)
        self.assertIn("read-only", final)
        self.assertEqual(self.g.outbox(), [])

    def test_over_size_is_refused_with_552(self):
        self.m.stop()
        m = self.g.mailin("-o", "mail.max_message_size=4096")
        big = make_message("Long reply.\n" + "x" * 70 + "\n" * 1 + ("y" * 70 + "\n") * 100)
        rc, replies, out = swaks(m.port, "--from", ALICE, "--to", GENERAL, data=big)
        (final,) = after_data(replies)
        self.assertRegex(final, r"^552 5\.3\.4 ")
        self.assertEqual(self.g.outbox(), [])
        # announced with SIZE= the sender learns it at MAIL time
        with LMTP(m.port) as c:
            self.assertEqual(c.cmd("LHLO client.example")[0], 250)
            code, text = c.cmd(f"MAIL FROM:<{ALICE}> SIZE=5000")
            self.assertEqual(code, 552)
            self.assertTrue(text[0].startswith("5.3.4 "), text)
            self.assertEqual(c.cmd(f"MAIL FROM:<{ALICE}> SIZE=4000")[0], 250)
        # a message just under the limit passes
        rc, replies, out = swaks(m.port, "--from", ALICE, "--to", GENERAL,
                                 data=make_message("Short.\n"))
        self.assertRegex(after_data(replies)[0], r"^250 ")

    def test_two_recipients_get_one_reply_each(self):
        mid = msgid()
        rc, replies, out = self.deliver(make_message("Two places.\n", message_id=mid),
                                        to=f"{GENERAL},{ANNOUNCE}")
        final = after_data(replies)
        self.assertEqual(len(final), 2, out)
        self.assertRegex(final[0], r"^250 2\.0\.0 <" + re.escape(GENERAL) + ">")
        self.assertRegex(final[1], r"^550 5\.\d\.\d <" + re.escape(ANNOUNCE) + ">")
        rows = self.g.outbox()
        self.assertEqual([r["message_id"] for r in rows], [mid])

    def test_duplicate_message_id_is_accepted_once(self):
        mid = msgid()
        for _ in range(2):
            rc, replies, out = self.deliver(make_message("Once only.\n", message_id=mid))
            self.assertRegex(after_data(replies)[0], r"^250 2\.0\.0 ")
        self.assertEqual(len(self.g.outbox()), 1)

    def test_auto_reply_is_accepted_and_not_posted(self):
        msg = make_message("I am out of the office until Monday.\n", subject="Out of office",
                           headers=["Auto-Submitted: auto-replied"])
        rc, replies, out = self.deliver(msg)
        (final,) = after_data(replies)
        self.assertRegex(final, r"^250 2\.0\.0 ")
        self.assertEqual(self.g.outbox(), [])

    def test_bounce_is_recorded_not_posted(self):
        rc, replies, out = self.deliver(bounce_message("gone@example.net"), frm="<>")
        self.assertIn("-> MAIL FROM:<>", out)
        (final,) = after_data(replies)
        self.assertRegex(final, r"^250 2\.0\.0 ")
        self.assertEqual(self.g.outbox(), [])
        rows = self.g.query("SELECT address, count FROM bounces")
        self.assertEqual(rows, [("gone@example.net", 1)])


class LmtpProtocol(unittest.TestCase):
    """The protocol state machine, with a raw socket client."""

    def setUp(self):
        self.g = MailGate(self)
        self.m = self.g.mailin()

    def test_rset_noop_quit(self):
        with LMTP(self.m.port) as c:
            self.assertEqual(c.greeting[0], 220)
            self.assertEqual(c.cmd("LHLO client.example")[0], 250)
            self.assertEqual(c.cmd("NOOP"), (250, ["2.0.0 OK"]))
            self.assertEqual(c.cmd(f"MAIL FROM:<{ALICE}>")[0], 250)
            self.assertEqual(c.cmd(f"RCPT TO:<{GENERAL}>")[0], 250)
            self.assertEqual(c.cmd("RSET")[0], 250)
            # the transaction is gone: DATA has no sender now
            self.assertEqual(c.cmd("DATA")[0], 503)
            self.assertEqual(c.cmd(f"MAIL FROM:<{ALICE}>")[0], 250)
            code, text = c.cmd("QUIT")
            self.assertEqual(code, 221)
            self.assertEqual(c.rf.readline(), b"")  # the server closed the connection
        self.assertEqual(self.g.outbox(), [])

    def test_helo_and_ehlo_are_not_lmtp(self):
        with LMTP(self.m.port) as c:
            self.assertEqual(c.cmd("HELO client.example")[0], 500)
            self.assertEqual(c.cmd("EHLO client.example")[0], 500)
            self.assertEqual(c.cmd("LHLO client.example")[0], 250)

    def test_mail_before_lhlo(self):
        with LMTP(self.m.port) as c:
            code, text = c.cmd(f"MAIL FROM:<{ALICE}>")
            self.assertEqual(code, 503)
            self.assertTrue(text[0].startswith("5.5.1"), text)

    def test_data_without_rcpt(self):
        with LMTP(self.m.port) as c:
            c.cmd("LHLO client.example")
            self.assertEqual(c.cmd("DATA")[0], 503)  # no MAIL
            c.cmd(f"MAIL FROM:<{ALICE}>")
            self.assertEqual(c.cmd(f"RCPT TO:<nobody@{REPLY_DOMAIN}>")[0], 550)
            self.assertEqual(c.cmd("DATA")[0], 503)  # no valid recipient
            self.assertEqual(c.cmd("RCPT TO:<" + GENERAL + ">")[0], 250)
            self.assertEqual(c.cmd("DATA")[0], 354)

    def test_pipelining_replies_come_in_order(self):
        mid = msgid()
        msg = make_message(".A line starting with a dot.\n", message_id=mid)
        script = ("LHLO client.example\r\n"
                  f"MAIL FROM:<{ALICE}>\r\n"
                  f"RCPT TO:<{GENERAL}>\r\n"
                  f"RCPT TO:<demo.nosuch@{REPLY_DOMAIN}>\r\n"
                  f"RCPT TO:<{ANNOUNCE}>\r\n"
                  "DATA\r\n").encode() + dot_stuff(msg) + b".\r\nNOOP\r\nQUIT\r\n"
        with LMTP(self.m.port) as c:
            c.send(script)  # everything at once
            codes = []
            while True:
                code, text = c.reply()
                codes.append((code, text[-1]))
                if code == 221:
                    break
        self.assertEqual([c for c, _ in codes], [250, 250, 250, 550, 250, 354, 250, 550, 250, 221],
                         codes)
        self.assertIn(GENERAL, codes[6][1])
        self.assertIn(ANNOUNCE, codes[7][1])
        (r,) = self.g.outbox()
        self.assertEqual(r["message_id"], mid)
        self.assertEqual(r["body"].strip(), ".A line starting with a dot.")

    def test_many_messages_on_one_connection(self):
        with LMTP(self.m.port) as c:
            c.cmd("LHLO client.example")
            for i in range(20):
                _, _, data = c.transaction(ALICE, [GENERAL],
                                           make_message(f"Message {i}.\n", subject=f"T{i}"))
                self.assertEqual(data[0][0], 250, data)
        self.assertEqual(len(self.g.outbox()), 20)

    def test_same_messages_on_parallel_connections_are_queued_once(self):
        msgs = [make_message(f"Parallel {i}.\n", subject=f"P{i}") for i in range(10)]
        codes = []

        def client():
            with LMTP(self.m.port) as c:
                c.cmd("LHLO client.example")
                for msg in msgs:
                    codes.append(c.transaction(ALICE, [GENERAL], msg)[2][0][0])

        threads = [threading.Thread(target=client) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(codes, [250] * 40)
        self.assertEqual(len(self.g.outbox()), 10)


class ReplyKeys(unittest.TestCase):
    def setUp(self):
        self.g = MailGate(self)
        self.m = self.g.mailin()
        p = self.g.run("replykey", "--user", "alice", "--post", GENERAL_POST)
        self.addr = p.stdout.decode().strip()

    def send(self, frm, to):
        with LMTP(self.m.port) as c:
            c.cmd("LHLO client.example")
            mail, rcpt, data = c.transaction(frm, [to], make_message(
                "Replying through my personal address.\n", frm=frm, to=to,
                subject="Re: whatever the client says"))
        self.assertEqual(rcpt[0][0], 250, rcpt)
        return data[0]

    def test_address_form(self):
        self.assertRegex(self.addr, r"^demo\.general\+[a-z2-7]+@" + re.escape(REPLY_DOMAIN) + "$")

    def test_key_reply_is_routed_by_key(self):
        code, text = self.send(ALICE, self.addr)
        self.assertEqual(code, 250, text)
        (r,) = self.g.outbox()
        self.assertEqual(r["route"], "key")
        self.assertEqual(r["user"], "alice")
        self.assertEqual(r["thread_key"], GENERAL_THREAD)
        self.assertEqual(r["parent_key"], "141")

    def test_key_from_another_users_address_is_refused(self):
        code, text = self.send(BOB, self.addr)
        self.assertEqual(code, 550)
        self.assertTrue(text[-1].startswith("5.7.1 "), text)
        self.assertIn(BOB, text[-1])
        self.assertEqual(self.g.outbox(), [])

    def test_forged_key_is_refused(self):
        local, dom = self.addr.split("@")
        group, key = local.split("+")
        i = len(key) // 2
        forged = key[:i] + ("a" if key[i] != "a" else "b") + key[i + 1:]
        code, text = self.send(ALICE, f"{group}+{forged}@{dom}")
        self.assertEqual(code, 550)
        self.assertTrue(text[-1].startswith("5.7.1 "), text)
        self.assertIn("not valid", text[-1])
        self.assertEqual(self.g.outbox(), [])


class Ingest(unittest.TestCase):
    """`forumgate ingest` as Postfix's pipe or Exim's pipe transport runs it."""

    def setUp(self):
        self.g = MailGate(self)

    def ingest(self, message, *args, env=None):
        cmd = [FORUMGATE, "-c", DEMO, *self.g.overrides, "ingest", *args]
        e = dict(os.environ)
        for k in ("RECIPIENT", "ORIGINAL_RECIPIENT", "SENDER", "LOCAL_PART", "DOMAIN"):
            e.pop(k, None)
        e.update(env or {})
        return subprocess.run(cmd, cwd=ROOT, input=message, capture_output=True, env=e,
                              timeout=60)

    def test_exit_codes(self):
        mid = msgid()
        msg = make_message("Sent through a pipe.\n", message_id=mid)
        p = self.ingest(msg, "--recipient", GENERAL, "--sender", ALICE)
        self.assertEqual(p.returncode, 0, p.stderr)
        (r,) = self.g.outbox()
        self.assertEqual((r["message_id"], r["source"], r["state"]), (mid, "pipe", "queued"))
        # the MTA retries after a lost exit status: still 0, still one row
        p = self.ingest(msg, "--recipient", GENERAL, "--sender", ALICE)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(self.g.outbox()), 1)
        p = self.ingest(make_message(), "--recipient", f"demo.nosuch@{REPLY_DOMAIN}",
                        "--sender", ALICE)
        self.assertEqual(p.returncode, 67, p.stderr)
        p = self.ingest(make_message(), "--recipient", "demo.general@elsewhere.example",
                        "--sender", ALICE)
        self.assertEqual(p.returncode, 67, p.stderr)
        p = self.ingest(make_message(frm="mallory@example.com"), "--recipient", GENERAL,
                        "--sender", "mallory@example.com")
        self.assertEqual(p.returncode, 77, p.stderr)
        self.assertIn(b"mallory@example.com is not the address of a registered user", p.stderr)
        self.assertEqual(len(self.g.outbox()), 1)

    def test_bad_data(self):
        p = self.ingest(b"", "--recipient", GENERAL, "--sender", ALICE)
        self.assertEqual(p.returncode, 65, p.stderr)
        p = self.ingest(bytes(range(256)) * 4, "--recipient", GENERAL, "--sender", ALICE)
        self.assertEqual(p.returncode, 65, p.stderr)
        self.assertEqual(self.g.outbox(), [])

    def test_recipient_from_the_environment(self):
        mid = msgid()
        p = self.ingest(make_message("Via Postfix pipe.\n", message_id=mid),
                        env={"RECIPIENT": GENERAL, "SENDER": ALICE})
        self.assertEqual(p.returncode, 0, p.stderr)
        (r,) = self.g.outbox()
        self.assertEqual((r["message_id"], r["recipient"], r["envelope_from"]),
                         (mid, GENERAL, ALICE))
        p = self.ingest(make_message("Via Exim pipe.\n"),
                        env={"LOCAL_PART": "demo.general", "DOMAIN": REPLY_DOMAIN,
                             "SENDER": ALICE})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(self.g.outbox()), 2)
        p = self.ingest(make_message(), env={"RECIPIENT": f"demo.nosuch@{REPLY_DOMAIN}",
                                             "SENDER": ALICE})
        self.assertEqual(p.returncode, 67, p.stderr)

    def test_duplicate_across_intake_paths(self):
        mid = msgid()
        msg = make_message("First by pipe, then by LMTP.\n", message_id=mid)
        p = self.ingest(msg, "--recipient", GENERAL, "--sender", ALICE)
        self.assertEqual(p.returncode, 0, p.stderr)
        m = self.g.mailin()
        with LMTP(m.port) as c:
            c.cmd("LHLO client.example")
            _, _, data = c.transaction(ALICE, [GENERAL], msg)
        self.assertEqual(data[0][0], 250, data)
        (r,) = self.g.outbox()
        self.assertEqual((r["message_id"], r["source"]), (mid, "pipe"))


class OutboxLoop(unittest.TestCase):
    """A mailed reply goes all the way round: outbox → spool → import → article."""

    def setUp(self):
        self.g = MailGate(self)
        self.m = self.g.mailin()

    def reply(self, mid):
        with LMTP(self.m.port) as c:
            c.cmd("LHLO client.example")
            _, _, data = c.transaction(ALICE, [GENERAL], make_message(
                QUOTED_REPLY, message_id=mid, in_reply_to=GENERAL_POST))
        self.assertEqual(data[0][0], 250, data)

    def test_reply_comes_back_as_an_article_with_its_message_id(self):
        mid = msgid()
        self.reply(mid)
        before = set(glob.glob(os.path.join(self.g.spool, "reply-*.json")))
        self.assertEqual(before, set())
        self.g.run("outbox", "--once")
        (row,) = self.g.outbox()
        self.assertEqual(row["state"], "posted", row["last_error"])
        self.assertTrue(row["forum_post_id"])
        files = glob.glob(os.path.join(self.g.spool, "reply-*.json"))
        self.assertEqual(len(files), 1)
        with open(files[0]) as f:
            doc = json.load(f)
        self.assertEqual(doc["thread"]["id"], GENERAL_THREAD)
        self.assertEqual(doc["posts"][0]["author"], "alice")
        self.assertEqual(doc["posts"][0]["id"], row["forum_post_id"])
        self.g.run("import", self.g.spool)
        msgs = {m["Message-ID"]: m for m in self.g.messages()}
        self.assertIn(mid, msgs, sorted(msgs))
        a = msgs[mid]
        self.assertEqual(a["In-Reply-To"], GENERAL_POST)
        self.assertEqual(a["References"].split()[-1], GENERAL_POST)
        self.assertIn("alice", str(a["From"]))
        self.assertEqual(a["Newsgroups"], "demo.general")
        self.assertEqual(a.get_content().strip(), REPLY_TEXT)
        # a second pass posts nothing more and a re-import adds no duplicate
        self.g.run("outbox", "--once")
        self.assertEqual(len(glob.glob(os.path.join(self.g.spool, "reply-*.json"))), 1)
        self.g.run("import", self.g.spool)
        ids = [m["Message-ID"] for m in self.g.messages()]
        self.assertEqual(ids.count(mid), 1)

    def test_refused_reply_gets_a_notice(self):
        sink = SMTPSink(self)
        mid = msgid()
        self.reply(mid)
        open(os.path.join(self.g.spool, f".locked-{GENERAL_THREAD}"), "w").close()
        self.g.run("-o", f"mail.smarthost=127.0.0.1:{sink.port}", "outbox", "--once")
        (row,) = self.g.outbox()
        self.assertEqual(row["state"], "failed")
        self.assertIn("locked", row["last_error"])
        self.assertEqual(glob.glob(os.path.join(self.g.spool, "reply-*.json")), [])
        got = sink.wait(1)
        self.assertEqual(len(got), 1, "no notice reached the smarthost")
        sender, rcpts, data = got[0]
        self.assertEqual(sender, "")  # null envelope sender
        self.assertEqual(rcpts, [ALICE])
        n = email.message_from_bytes(data, policy=email.policy.default)
        self.assertEqual(n["Auto-Submitted"], "auto-replied")
        self.assertEqual(n["To"].addresses[0].addr_spec, ALICE)
        self.assertEqual(n["In-Reply-To"], mid)
        text = n.get_content()
        self.assertIn("locked", text)
        self.assertIn(REPLY_TEXT, text)
        # a later pass does not notify again
        self.g.run("-o", f"mail.smarthost=127.0.0.1:{sink.port}", "outbox", "--once")
        time.sleep(0.3)
        self.assertEqual(len(sink.messages), 1)


class RealMTA(unittest.TestCase):
    """Exim from Debian on a loopback port (exim.PrivateExim), delivering to
    mailin over LMTP."""

    def setUp(self):
        if SWAKS is None:
            self.skipTest("swaks is not installed (apt-get install swaks)")
        self.g = MailGate(self)
        self.m = self.g.mailin()
        self.mta = PrivateExim(self, self.g.dir, "exim.conf.in",
                               {"LMTP_PORT": str(self.m.port), "REPLY_DOMAIN": REPLY_DOMAIN})
        self.port = self.mta.port
        self.wait_log = self.mta.wait_log

    def submit(self, frm, body, mid):
        msg = make_message(body, frm=frm, message_id=mid, in_reply_to=GENERAL_POST)
        p = subprocess.run([SWAKS, "--server", f"127.0.0.1:{self.port}", "--from", frm, "--to",
                            GENERAL, "--data", "-", "--timeout", "30"], input=msg,
                           capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout.decode(errors="replace"))
        self.assertRegex(p.stdout.decode(), r"<-  250 OK id=")

    def test_exim_delivers_over_lmtp(self):
        mid = msgid()
        self.submit(ALICE, QUOTED_REPLY, mid)
        end = time.monotonic() + 20
        while time.monotonic() < end and not self.g.outbox():
            time.sleep(0.1)
        (r,) = self.g.outbox()
        self.assertEqual((r["message_id"], r["state"], r["source"], r["route"]),
                         (mid, "queued", "lmtp", "in-reply-to"))
        self.assertEqual(r["envelope_from"], ALICE)
        self.wait_log(r"=> " + re.escape(GENERAL) + r" R=forumgate T=forumgate_lmtp .*"
                      r"C=\"250 2\.0\.0 ")
        self.wait_log(r" Completed$")

    def test_exim_bounce_carries_the_reason(self):
        self.submit("mallory@example.com", "Let me in.\n", msgid())
        self.wait_log(r"\*\* " + re.escape(GENERAL) + r" R=forumgate T=forumgate_lmtp "
                      r"H=127\.0\.0\.1 \[127\.0\.0\.1\]: LMTP error after DATA: 550 5\.7\.1 "
                      r"<" + re.escape(GENERAL) + r">: mallory@example\.com is not the address of a "
                      r"registered user")
        self.assertEqual(self.g.outbox(), [])


class CrashDuringDelivery(unittest.TestCase):
    """kill -9 mailin while 1,000 replies arrive over 4 connections."""

    TOTAL = 1000
    SESSIONS = 4
    KILL_AFTER = 300

    def setUp(self):
        self.g = MailGate(self)
        self.m = self.g.mailin()

    def run_clients(self, port, messages, acked, stop_after=None, on_stop=None):
        """Delivers messages [(mid, bytes)] over SESSIONS connections; adds
        the Message-ID of every 250 to `acked`. Returns when all are sent or
        every connection broke."""
        lock = threading.Lock()
        queue = list(messages)
        fired = threading.Event()

        def worker():
            try:
                c = LMTP(port, timeout=20)
                c.cmd("LHLO crash.example")
            except (OSError, LMTPError):
                return
            try:
                while True:
                    with lock:
                        if not queue:
                            break
                        mid, msg = queue.pop()
                    _, _, data = c.transaction(ALICE, [GENERAL], msg)
                    if data and data[0][0] == 250:
                        with lock:
                            acked.add(mid)
                            if stop_after and len(acked) >= stop_after and not fired.is_set():
                                fired.set()
                                on_stop()
            except (OSError, LMTPError):
                pass
            finally:
                c.close()

        threads = [threading.Thread(target=worker) for _ in range(self.SESSIONS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)

    def test_kill_9_loses_and_duplicates_nothing(self):
        rnd = random.Random(4)
        messages = []
        for i in range(self.TOTAL):
            mid = f"<crash-{i}-{rnd.getrandbits(40):x}@mail.example.org>"
            body = f"Reply number {i}.\n" + "Some words of text here. " * rnd.randint(1, 40) + "\n"
            messages.append((mid, make_message(body, message_id=mid, subject=f"Crash {i}")))
        acked = set()
        self.run_clients(self.m.port, messages, acked, stop_after=self.KILL_AFTER,
                         on_stop=self.m.kill9)
        self.assertGreaterEqual(len(acked), self.KILL_AFTER)
        self.assertLess(len(acked), self.TOTAL, "mailin was not killed in the middle")
        # every 250 was committed before it was sent
        stored = [r[0] for r in self.g.query("SELECT message_id FROM outbox")]
        self.assertEqual(len(stored), len(set(stored)))
        missing = acked - set(stored)
        self.assertEqual(missing, set(), f"{len(missing)} acknowledged replies were lost")
        # restart and redeliver what got no 250, and 50 that did
        self.m.start()
        by_id = dict(messages)
        again = [(mid, by_id[mid]) for mid, _ in messages if mid not in acked]
        again += [(mid, by_id[mid]) for mid in sorted(acked)[:50]]
        acked2 = set()
        self.run_clients(self.m.port, again, acked2)
        self.assertEqual(acked2, {mid for mid, _ in again})
        rows = self.g.query("SELECT message_id, COUNT(*) FROM outbox GROUP BY message_id")
        self.assertEqual(len(rows), self.TOTAL)
        self.assertEqual({n for _, n in rows}, {1})
        self.assertEqual({m for m, _ in rows}, set(by_id))
        self.assertEqual(self.g.query("SELECT DISTINCT state FROM outbox"), [("queued",)])


if __name__ == "__main__":
    unittest.main()
