"""Issue #10 items 4 and 8 against the real binary.

Item 4: 50,000 nested message/rfc822 parts (1.5 MB) overflowed the stack of
libetpan's recursive MIME parser and killed mailin (every LMTP session
dropped, the MTA retrying forever) and `ingest` (exit 139). Now such a
message is refused before libetpan sees it: 554 5.6.0 over LMTP with the
other sessions and the next message on the same connection served, exit 65
from `ingest`, .failed/ for the Maildir intake.

Item 8: with `auth.sender_policy: authenticated`, any "dmarc=", "dkim=" or
"spf=pass" substring in any trusted Authentication-Results header let a
registered address through. Each bypass of the issue is sent over LMTP and
must be refused with 550 5.7.1 and the reason; aligned passes still get 250.
"""
import os
import subprocess
import time
import unittest

from fgtest import DEMO, FORUMGATE, ROOT
from mailserver import ALICE, GENERAL, GENERAL_POST, LMTP, MailGate, make_message, msgid

TRUSTED = "mx.forumgate.example"


def rfc822_bomb(depth=50000, message_id=None):
    """A reply whose body nests `depth` message/rfc822 parts (30 bytes each)."""
    head = (f"From: Alice Example <{ALICE}>\r\nTo: {GENERAL}\r\nSubject: Re: bomb\r\n"
            f"Message-ID: {message_id or msgid()}\r\nMIME-Version: 1.0\r\n")
    return (head + "Content-Type: message/rfc822\r\n\r\n" * depth + "deep\r\n").encode()


def lhlo(conn):
    code, text = conn.cmd("LHLO client.example")
    assert code == 250, (code, text)


class NestingBomb(unittest.TestCase):
    def test_lmtp_refuses_the_bomb_and_keeps_serving(self):
        g = MailGate(self)
        m = g.mailin()
        bomb = rfc822_bomb()
        self.assertGreater(len(bomb), 1_500_000)
        with LMTP(m.port) as idle, LMTP(m.port) as c:
            lhlo(idle)
            lhlo(c)
            t0 = time.monotonic()
            mail, rcpts, data = c.transaction(ALICE, [GENERAL], bomb)
            self.assertEqual(mail[0], 250)
            self.assertEqual(len(data), 1)
            code, text = data[0]
            self.assertEqual(code, 554, text)
            self.assertTrue(text[-1].startswith("5.6.0 <" + GENERAL + ">"), text)
            self.assertIn("nested more than 64 levels deep", text[-1])
            self.assertLess(time.monotonic() - t0, 10)
            # the same connection takes the next message
            ok = make_message("After the bomb.\n", in_reply_to=GENERAL_POST)
            _, _, data = c.transaction(ALICE, [GENERAL], ok)
            self.assertEqual(data[0][0], 250, data)
            # and the session that waited meanwhile was not dropped
            ok = make_message("From the idle session.\n", in_reply_to=GENERAL_POST)
            _, _, data = idle.transaction(ALICE, [GENERAL], ok)
            self.assertEqual(data[0][0], 250, data)
        self.assertIsNone(m.proc.poll(), "mailin died")
        self.assertEqual(len(g.outbox()), 2)

    def test_near_the_limit_is_still_read(self):
        g = MailGate(self)
        m = g.mailin()
        head = (f"From: Alice Example <{ALICE}>\r\nTo: {GENERAL}\r\nSubject: Re: deep\r\n"
                f"Message-ID: {msgid()}\r\nIn-Reply-To: {GENERAL_POST}\r\n"
                "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"
                "Content-Type: text/plain\r\n\r\nA forwarded chain, deeply.\r\n--x\r\n")
        msg = (head + "Content-Type: message/rfc822\r\n\r\n" * 61 + "deep\r\n--x--\r\n").encode()
        with LMTP(m.port) as c:
            lhlo(c)
            _, _, data = c.transaction(ALICE, [GENERAL], msg)
        self.assertEqual(data[0][0], 250, data)
        (row,) = g.outbox()
        self.assertEqual(row["body"].splitlines()[0], "A forwarded chain, deeply.")

    def test_ingest_exits_65_with_the_reason(self):
        g = MailGate(self)
        p = subprocess.run([FORUMGATE, "-c", DEMO, *g.overrides, "ingest", "--recipient",
                            GENERAL, "--sender", ALICE], cwd=ROOT, input=rfc822_bomb(),
                           capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 65, p.stderr)
        self.assertIn(b"nested more than 64 levels deep", p.stderr)
        self.assertEqual(g.outbox(), [])

    def test_maildir_files_the_bomb_as_failed(self):
        g = MailGate(self)
        md = os.path.join(g.dir, "Maildir")
        for sub in ("new", "cur", "tmp"):
            os.makedirs(os.path.join(md, sub))
        for name, data in (("1.bomb", rfc822_bomb()),
                           ("2.ok", make_message("Fine.\n", in_reply_to=GENERAL_POST))):
            with open(os.path.join(md, "tmp", name), "wb") as f:
                f.write(b"Delivered-To: " + GENERAL.encode() + b"\r\n" + data)
            os.rename(os.path.join(md, "tmp", name), os.path.join(md, "new", name))
        m = g.mailin("-o", f"mail.maildir.path={md}")
        deadline = time.time() + 30
        while os.listdir(os.path.join(md, "new")) and time.time() < deadline:
            time.sleep(0.2)
        self.assertEqual(os.listdir(os.path.join(md, "new")), [])
        self.assertIsNone(m.proc.poll(), "mailin died")
        m.stop()
        self.assertEqual(os.listdir(os.path.join(md, "cur")), ["2.ok:2,S"])
        failed = os.listdir(os.path.join(md, ".failed", "cur"))
        self.assertEqual(failed, ["1.bomb:2,"])
        with open(os.path.join(md, ".failed", "cur", failed[0]), "rb") as f:
            first = f.readline()
        self.assertTrue(first.startswith(b"X-Forumgate-Failed: "), first)
        self.assertIn(b"nested more than 64", first)


def with_ar(*fields, body="Verified, I hope.\n"):
    """A reply with Authentication-Results (and trace) fields on top, where
    the MTA puts them."""
    return "".join(f + "\r\n" for f in fields).encode() + make_message(
        body, in_reply_to=GENERAL_POST)


class SenderPolicyAuthenticated(unittest.TestCase):
    def setUp(self):
        self.g = MailGate(self)
        self.m = self.g.mailin("-o", "auth.sender_policy=authenticated",
                               "-o", f"auth.trusted_authserv_ids={TRUSTED}")

    def deliver(self, message):
        with LMTP(self.m.port) as c:
            lhlo(c)
            _, _, data = c.transaction(ALICE, [GENERAL], message)
        return data[0]

    def assertRefused(self, message, why):
        code, text = self.deliver(message)
        self.assertEqual(code, 550, text)
        self.assertTrue(text[-1].startswith("5.7.1 "), text)
        self.assertIn("did not pass DMARC, DKIM or SPF checks", text[-1])
        self.assertIn(why, text[-1])

    def test_the_bypasses_of_the_issue_are_refused(self):
        # an SPF pass for another domain
        self.assertRefused(with_ar(f"Authentication-Results: {TRUSTED}; spf=pass "
                                   "smtp.mailfrom=bounce@evil.example"),
                           "spf=pass for evil.example")
        # a DKIM pass for d=evil.example
        self.assertRefused(with_ar(f"Authentication-Results: {TRUSTED}; dkim=pass "
                                   "header.d=evil.example header.i=@evil.example"),
                           "dkim=pass for evil.example")
        # dmarc=pass inside a comment
        self.assertRefused(with_ar(f"Authentication-Results: {TRUSTED}; dkim=fail "
                                   "(dmarc=pass header.from=example.org) header.d=example.org"),
                           "dkim=fail for example.org")
        # a second header added by the sender, under ours and the hop from outside
        self.assertRefused(with_ar(f"Authentication-Results: {TRUSTED}; dmarc=fail "
                                   "header.from=example.org",
                                   f"Received: from evil.example by {TRUSTED}",
                                   f"Authentication-Results: {TRUSTED}; dmarc=pass "
                                   "header.from=example.org"),
                           "DMARC failed for example.org")
        # ... or right under ours, contradicting it
        self.assertRefused(with_ar(f"Authentication-Results: {TRUSTED}; dkim=fail "
                                   "header.d=example.org",
                                   f"Authentication-Results: {TRUSTED}; dkim=pass "
                                   "header.d=example.org"),
                           "dkim=fail for example.org")
        # ... or among its own header fields, below From
        msg = make_message("Forged.\n", in_reply_to=GENERAL_POST, headers=(
            f"Authentication-Results: {TRUSTED}; dmarc=pass header.from=example.org",))
        self.assertRefused(msg, f"no Authentication-Results header of {TRUSTED}")
        self.assertEqual(self.g.outbox(), [])

    def test_aligned_passes_are_accepted(self):
        for fields in (
                (f"Received: from mail.example.org by {TRUSTED}",
                 f"Authentication-Results: {TRUSTED};\r\n dkim=pass header.i=@example.org;\r\n"
                 " spf=pass smtp.mailfrom=alice@example.org;\r\n"
                 " dmarc=pass (p=none dis=none) header.from=example.org"),
                (f"Authentication-Results: {TRUSTED}; dkim=pass (2048-bit key) "
                 "header.d=mail.example.org",),
                (f"Authentication-Results: {TRUSTED}; spf=pass smtp.mailfrom=example.org",)):
            code, text = self.deliver(with_ar(*fields))
            self.assertEqual(code, 250, (text, fields))
        self.assertEqual(len(self.g.outbox()), 3)


if __name__ == "__main__":
    unittest.main()
