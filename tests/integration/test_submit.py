"""One submission path for every front end (issue #11 items 1 and 2), with
the real binary: a follow-up POSTed by nntplib the way tin or slrn sends one
(Path:, User-Agent:, an attribution line, a quote, a signature, an RFC 2047
Subject, lines starting with ".") goes through `forumgate outbox` into the
spool and back in by import, and must come back as the same clean post a
mail reply becomes, under its Message-ID, its Subject encoded once. And the
same reply through NNTP POST and through LMTP takes the same route, or is
refused in the same words.

Before: POST queued the raw article as the post's text (every header line
came back in the body), the Subject was never decoded (and came back
encoded twice), and a follow-up into a read-only thread was queued (240)
while mail refused it."""
import email.header
import glob
import os
import subprocess
import unittest
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import nntplib

from fgtest import DEMO, FORUMGATE, ROOT
from mailserver import (ALICE, ANNOUNCE_POST, GENERAL, GENERAL_POST, GENERAL_THREAD, LMTP,
                        MailGate, free_port, make_message, msgid, wait_port)

TEXT = ".I park at the east entrance.\n..two dots start this line."

FOLLOWUP = ("From: Alice Example <alice@example.org>\r\n"
            "Path: news.example.org!not-for-mail\r\n"
            "Newsgroups: demo.general\r\n"
            "Subject: Re: test =?UTF-8?Q?=C3=BC?=\r\n"
            "References: {refs}\r\n"
            "Message-ID: {mid}\r\n"
            "User-Agent: tin/2.6.2-20221225 (\"Pittyvaich\") (Linux/6.1.0 (x86_64))\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=UTF-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n"
            "\r\n"
            "Bob <bob@example.net> wrote:\r\n"
            "> Where do you park your bike at the station?\r\n"
            "> The racks are always full.\r\n"
            "\r\n"
            ".I park at the east entrance.\r\n"
            "..two dots start this line.\r\n"
            "\r\n"
            "-- \r\n"
            "Alice Example\r\n")


class Gate(MailGate):
    """A MailGate (private store and spool, alice/x with alice@example.org)
    with nntpd on a free loopback port, plaintext AUTHINFO allowed."""

    def nntpd(self):
        self.nntp_port = free_port()
        cert, key = os.path.join(self.dir, "cert.pem"), os.path.join(self.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=localhost", "-keyout", key, "-out", cert],
                       check=True, capture_output=True)
        log = open(os.path.join(self.dir, "nntpd.log"), "wb")
        self.test.addCleanup(log.close)
        p = subprocess.Popen([FORUMGATE, "-c", DEMO, *self.overrides,
                              "-o", f"nntp.listen=127.0.0.1:{self.nntp_port}",
                              "-o", f"nntp.tls.cert={cert}", "-o", f"nntp.tls.key={key}",
                              "-o", "nntp.allow_plaintext_auth=true", "-o", "nntp.workers=1",
                              "nntpd"], cwd=ROOT, stdout=log, stderr=log)

        def stop():
            p.terminate()
            p.wait(10)
        self.test.addCleanup(stop)
        wait_port(self.nntp_port, p)

    def reader(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            s = nntplib.NNTP("127.0.0.1", self.nntp_port, readermode=True, timeout=10)
        self.test.addCleanup(s.quit)
        s.login("alice", "x", usenetrc=False)
        return s


def decoded(value):
    return str(email.header.make_header(email.header.decode_header(value)))


def lmtp_final(port, message):
    with LMTP(port) as c:
        c.cmd("LHLO client.example")
        _, _, data = c.transaction(ALICE, [GENERAL], message)
    return data[0]


class Submit(unittest.TestCase):
    def setUp(self):
        self.g = Gate(self)
        self.g.nntpd()

    def test_nntplib_followup_comes_back_clean(self):
        mid = "<tin-followup-1@news.example.org>"
        s = self.g.reader()
        resp = s.post(FOLLOWUP.format(refs=GENERAL_POST, mid=mid).encode())
        self.assertTrue(resp.startswith("240"), resp)
        (row,) = self.g.outbox()
        self.assertEqual(row["route"], "references")
        self.assertEqual(row["thread_key"], GENERAL_THREAD)
        self.assertEqual(row["subject"], "Re: test \u00fc")  # decoded once, stored as UTF-8
        self.assertEqual(row["body"], TEXT)
        self.assertIn("> The racks are always full.", row["elided"])
        self.assertIn(b"User-Agent: tin", row["article"])  # the article is kept as received

        self.g.run("outbox", "--once")
        (row,) = self.g.outbox()
        self.assertEqual(row["state"], "posted", row["last_error"])
        self.assertEqual(len(glob.glob(os.path.join(self.g.spool, "reply-*.json"))), 1)
        self.g.run("import", self.g.spool)

        # what a newsreader gets back, over NNTP
        _, info = s.article(mid)
        raw = b"\r\n".join(info.lines)
        head, _, body = raw.partition(b"\r\n\r\n")
        self.assertEqual(body.decode().replace("\r\n", "\n").strip(), TEXT)
        for junk in (b"Path:", b"User-Agent:", b"wrote:", b"> Where", b"-- ", b"Newsgroups:"):
            self.assertNotIn(junk, body)
        hdrs = {}
        for line in head.replace(b"\r\n\t", b" ").replace(b"\r\n ", b" ").split(b"\r\n"):
            name, _, value = line.partition(b":")
            hdrs[name.decode().lower()] = value.strip().decode()
        self.assertEqual(hdrs["message-id"], mid)
        self.assertEqual(hdrs["references"].split()[-1], GENERAL_POST)
        self.assertIn("alice", hdrs["from"])
        # a reply's article is titled after its thread (DESIGN.md "Threading")
        self.assertEqual(decoded(hdrs["subject"]), "Re: Fahrradparken am Hauptbahnhof")

    def test_encoded_subject_comes_back_encoded_once(self):
        # a new thread keeps the Subject it was posted with as its title
        mid = "<new-thread-1@news.example.org>"
        s = self.g.reader()
        art = (f"From: Alice Example <alice@example.org>\r\nNewsgroups: demo.general\r\n"
               f"Subject: test =?UTF-8?Q?=C3=BC?=\r\nMessage-ID: {mid}\r\n"
               f"User-Agent: slrn/1.0.3\r\n\r\n.A new topic from slrn.\r\n")
        self.assertTrue(s.post(art.encode()).startswith("240"))
        (row,) = self.g.outbox()
        self.assertEqual((row["subject"], row["route"]), ("test \u00fc", "list"))
        self.g.run("outbox", "--once")
        (row,) = self.g.outbox()
        self.assertEqual(row["state"], "posted", row["last_error"])
        self.g.run("import", self.g.spool)
        _, info = s.head(mid)
        subject = [l for l in info.lines if l.lower().startswith(b"subject:")][0]
        value = subject.split(b":", 1)[1].strip().decode()
        # before: "=?UTF-8?B?PT9VVEYtOD9RPz1DMz1CQz89?=", the literal
        # "=?UTF-8?Q?=C3=BC?=" encoded again
        self.assertEqual(decoded(value), "test \u00fc")
        _, info = s.body(mid)
        self.assertEqual(b"\n".join(info.lines).decode().strip(), ".A new topic from slrn.")

    def test_same_route_through_nntp_and_lmtp(self):
        m = self.g.mailin()
        s = self.g.reader()
        resp = s.post(FOLLOWUP.format(refs=GENERAL_POST, mid="<same-route-1@example.org>")
                      .encode())
        self.assertTrue(resp.startswith("240"), resp)
        code, text = lmtp_final(m.port, make_message("Same thing by mail.\n",
                                                     message_id="<same-route-2@example.org>",
                                                     in_reply_to=GENERAL_POST))
        self.assertEqual(code, 250, text)
        a, b = self.g.outbox()
        for k in ("forum", "thread_key", "parent_key", "user"):
            self.assertEqual(a[k], b[k], k)
        # found by the same rule; mail found it first in In-Reply-To
        self.assertEqual((a["route"], b["route"]), ("references", "in-reply-to"))
        self.assertEqual((a["source"], b["source"]), ("nntp", "lmtp"))

    def test_read_only_thread_is_refused_alike(self):
        m = self.g.mailin()
        s = self.g.reader()
        with self.assertRaises(nntplib.NNTPTemporaryError) as e:
            s.post(FOLLOWUP.format(refs=ANNOUNCE_POST, mid=msgid()).encode())
        nntp = str(e.exception)
        self.assertTrue(nntp.startswith("441 "), nntp)
        code, text = lmtp_final(m.port, make_message("Me too.\n", in_reply_to=ANNOUNCE_POST))
        self.assertEqual(code, 550, text)
        prefix = f"5.7.1 <{GENERAL}>: "
        self.assertTrue(text[-1].startswith(prefix), text)
        self.assertEqual(nntp[len("441 "):], text[-1][len(prefix):])
        self.assertIn("read-only", nntp)
        self.assertEqual(self.g.outbox(), [])

    def test_unknown_thread_is_refused_alike(self):
        m = self.g.mailin()
        s = self.g.reader()
        with self.assertRaises(nntplib.NNTPTemporaryError) as e:
            s.post(FOLLOWUP.format(refs="<gone@elsewhere.example>", mid=msgid()).encode())
        nntp = str(e.exception)
        code, text = lmtp_final(m.port, make_message("Lost.\n",
                                                     in_reply_to="<gone@elsewhere.example>"))
        self.assertEqual(code, 550, text)
        prefix = f"5.6.0 <{GENERAL}>: "
        self.assertTrue(text[-1].startswith(prefix), text)
        self.assertEqual(nntp[len("441 "):], text[-1][len(prefix):])
        self.assertEqual(self.g.outbox(), [])

    def test_ingest_logs_the_header_from_without_a_sender(self):
        p = subprocess.run([FORUMGATE, "-c", DEMO, *self.g.overrides, "ingest", "--recipient",
                            GENERAL], cwd=ROOT, capture_output=True,
                           input=make_message("By pipe.\n", in_reply_to=GENERAL_POST),
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        err = p.stderr.decode()
        self.assertIn(f"from {ALICE} to {GENERAL}", err)
        self.assertNotIn("from ?", err)


if __name__ == "__main__":
    unittest.main()
