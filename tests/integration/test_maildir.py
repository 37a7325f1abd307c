"""Maildir intake of the mailin role: a message leaves new/ only after its
reply was committed (to cur/ with flag S), a refused one moves to the
Maildir++ folder .failed/ with the reason in X-Forumgate-Failed, automatic
mail is filed without being posted, and nothing is ever deleted."""
import os
import time
import unittest

from mailserver import (ALICE, GENERAL, QUOTED_REPLY, REPLY_TEXT, MailGate, bounce_message,
                        make_message, msgid)


def make_maildir(root):
    for sub in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    return root


def deliver(md, name, data):
    tmp = os.path.join(md, "tmp", name)
    with open(tmp, "wb") as f:
        f.write(b"Return-Path: <" + ALICE.encode() + b">\r\nDelivered-To: " +
                GENERAL.encode() + b"\r\n" + data)
    os.rename(tmp, os.path.join(md, "new", name))


def wait_empty(path, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not os.listdir(path):
            return
        time.sleep(0.2)
    raise AssertionError(f"{path} still holds {os.listdir(path)}")


class MaildirIntake(unittest.TestCase):
    def test_accepted_refused_and_automatic(self):
        g = MailGate(self)
        md = make_maildir(os.path.join(g.dir, "Maildir"))
        ok_id, bad_id = msgid(), msgid()
        deliver(md, "1.ok", make_message(QUOTED_REPLY, message_id=ok_id))
        deliver(md, "2.bad", make_message("Hello there.\n", frm="mallory@example.net",
                                          message_id=bad_id))
        deliver(md, "3.bounce", bounce_message())
        m = g.mailin("-o", f"mail.maildir.path={md}")
        wait_empty(os.path.join(md, "new"))
        m.stop()

        cur = sorted(os.listdir(os.path.join(md, "cur")))
        self.assertEqual(cur, ["1.ok:2,S", "3.bounce:2,S"])
        rows = g.outbox()
        self.assertEqual([r["message_id"] for r in rows], [ok_id])
        self.assertEqual(rows[0]["source"], "maildir")
        self.assertEqual(rows[0]["body"], REPLY_TEXT)

        failed = os.listdir(os.path.join(md, ".failed", "cur"))
        self.assertEqual(failed, ["2.bad:2,"])
        with open(os.path.join(md, ".failed", "cur", failed[0]), "rb") as f:
            first = f.readline()
        self.assertTrue(first.startswith(b"X-Forumgate-Failed: "), first)
        self.assertIn(b"not the address of a registered user", first)
        # the bounce was recorded against the failed address
        self.assertEqual(g.query("SELECT count FROM bounces WHERE address = ?",
                                 "gone@example.net"), [(1,)])

    def test_redelivered_file_is_a_duplicate(self):
        g = MailGate(self)
        md = make_maildir(os.path.join(g.dir, "Maildir"))
        mid = msgid()
        deliver(md, "a", make_message("First copy.\n", message_id=mid))
        deliver(md, "b", make_message("First copy.\n", message_id=mid))
        m = g.mailin("-o", f"mail.maildir.path={md}")
        wait_empty(os.path.join(md, "new"))
        m.stop()
        self.assertEqual(len(g.outbox()), 1)
        self.assertEqual(sorted(os.listdir(os.path.join(md, "cur"))), ["a:2,S", "b:2,S"])


if __name__ == "__main__":
    unittest.main()
