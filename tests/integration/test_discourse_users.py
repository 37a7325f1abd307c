"""Who is who (issue #12): with discourse.lookup_users the sender of a
mailed reply is the Discourse user whose email is the sender's address,
found by the admin API and kept an hour; a sender without an account is
told how to get one."""
import os
import unittest

from mailserver import ALICE, REPLY_DOMAIN, SMTPSink, make_message, msgid
from test_discourse import DGate, fixture

LOOKUP = "/admin/users/list/all.json"


class LookupUsers(unittest.TestCase):
    def setUp(self):
        self.fx = fixture(self, corpus=False, api_username="alice")
        self.fx.any_user = True  # an "All users" admin key
        self.cat = self.fx.add_category("General Talk")
        self.tid = self.fx.add_topic(self.cat, "Where to park bikes", "<p>Root post.</p>")
        self.parent = self.fx.add_post(self.tid, "<p>Where do you park your bike?</p>")
        self.sink = SMTPSink(self)
        self.g = DGate(self, self.fx, user="alice", dkeys="      lookup_users: true\n",
                       top=f"mail:\n  reply_domain: {REPLY_DOMAIN}\n"
                       f"  smarthost: 127.0.0.1:{self.sink.port}\n")
        self.g.sync()
        # the gateway knows the address as its user "alice"
        self.g.run("user", "add", "alice", "--password", "x", "--address", ALICE)
        self.parent_mid = f"<p{self.parent['id']}.t{self.tid}.disc@forumgate.example>"

    def reply(self, text="Under the bridge, there is a roof and a rack for forty bikes.\n"):
        self.g.ingest(make_message(text, to=f"disc.general-talk@{REPLY_DOMAIN}",
                                   message_id=msgid(), in_reply_to=self.parent_mid),
                      f"disc.general-talk@{REPLY_DOMAIN}")

    def lookups(self):
        return [r for r in self.fx.requests if r["path"] == LOOKUP]

    def test_sender_posts_as_the_discourse_user_with_that_address(self):
        self.fx.add_user("bob", "bob@example.net")
        self.fx.add_user("carol", ALICE.upper())
        self.reply()
        self.g.run("outbox", "--once")
        (row,) = self.g.outbox()
        self.assertEqual(row["state"], "posted", row["last_error"])
        (sent,) = self.fx.posts_received
        self.assertEqual(sent["headers"]["Api-Username"], "carol")
        self.assertEqual(sent["status"], 200)
        (q,) = self.lookups()
        self.assertEqual(q["query"]["email"], [ALICE])
        self.assertEqual(q["query"]["show_emails"], ["true"])
        self.assertEqual(q["headers"]["Api-Username"], "alice")  # the key's own user asks

    def test_sender_without_an_account_is_told_how_to_get_one(self):
        self.fx.add_user("bob", "bob@example.net")
        self.reply()
        self.g.run("outbox", "--once")
        (row,) = self.g.outbox()
        self.assertEqual(row["state"], "failed")
        self.assertEqual(self.fx.posts_received, [])
        self.assertIn(f"no account on {self.fx.url.rstrip('/')} uses {ALICE}", row["last_error"])
        got = self.sink.wait(1)
        self.assertEqual(len(got), 1, "no notice reached the smarthost")
        text = got[0][2].decode(errors="replace")
        self.assertIn(f"{self.fx.url.rstrip('/')}/signup", text)
        self.assertIn(ALICE, got[0][1] if isinstance(got[0][1], str) else str(got[0][1]))

    def test_one_lookup_per_address_within_the_lifetime(self):
        self.fx.add_user("carol", ALICE)
        self.reply()
        self.reply("Second thought: the garage on the east side is cheaper, ask at the desk.\n")
        self.g.run("outbox", "--once")
        rows = self.g.outbox()
        self.assertEqual([r["state"] for r in rows], ["posted", "posted"], rows)
        self.assertEqual([s["headers"]["Api-Username"] for s in self.fx.posts_received],
                         ["carol", "carol"])
        self.assertEqual(len(self.lookups()), 1)

    def test_users_file_line_comes_before_the_lookup(self):
        self.fx.add_user("carol", ALICE)
        self.fx.add_user("alice_d", "other@example.org")
        users = os.path.join(self.g.dir, "users")
        with open(users, "w") as f:
            f.write("alice alice_d\n")
        with open(self.g.config) as f:
            cfg = f.read()
        with open(self.g.config, "w") as f:
            f.write(cfg.replace("      lookup_users: true\n",
                                f"      lookup_users: true\n      users_file: {users}\n"))
        self.reply()
        self.g.run("outbox", "--once")
        (sent,) = self.fx.posts_received
        self.assertEqual(sent["headers"]["Api-Username"], "alice_d")
        self.assertEqual(self.lookups(), [])

    def test_key_without_admin_scope_falls_back_to_the_name(self):
        self.fx.admin = False
        self.fx.add_user("carol", ALICE)
        self.reply()
        p = self.g.run("outbox", "--once")
        (row,) = self.g.outbox()
        self.assertEqual(row["state"], "posted", row["last_error"])
        (sent,) = self.fx.posts_received
        self.assertEqual(sent["headers"]["Api-Username"], "alice")
        self.assertIn("lacks admin scope", p.stderr.decode(errors="replace") if isinstance(
            p.stderr, bytes) else p.stderr)

    def test_without_the_option_no_lookup(self):
        with open(self.g.config) as f:
            cfg = f.read()
        with open(self.g.config, "w") as f:
            f.write(cfg.replace("      lookup_users: true\n", ""))
        self.fx.add_user("carol", ALICE)
        self.reply()
        self.g.run("outbox", "--once")
        (sent,) = self.fx.posts_received
        self.assertEqual(sent["headers"]["Api-Username"], "alice")
        self.assertEqual(self.lookups(), [])


if __name__ == "__main__":
    unittest.main()
