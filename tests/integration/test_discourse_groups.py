"""Discourse categories → newsgroups: the group name template, subcategories,
read-restricted categories (members-only groups) and renamed/re-slugged
categories, through the real binary against the fixture Discourse."""
import os
import socket
import sqlite3
import ssl
import subprocess
import time
import unittest

from fgtest import FORUMGATE, ROOT
from nntpserver import Raw, free_port
from test_discourse import DGate, fixture


def groups(g):
    return {m["Newsgroups"] for m in g.messages()}


class Naming(unittest.TestCase):
    def test_default_template_makes_prefix_parent_child(self):
        fx = fixture(self, corpus=False)
        parent = fx.add_category("Support")
        child = fx.add_category("Linux Help", slug="linux", parent_id=parent)
        fx.add_topic(parent, "A parent topic here", "<p>In the parent.</p>")
        fx.add_topic(child, "A child topic here", "<p>In the child.</p>")
        g = DGate(self, fx)
        g.sync()
        self.assertEqual(groups(g), {"disc.support", "disc.support.linux"})

    def test_custom_template(self):
        fx = fixture(self, corpus=False)
        parent = fx.add_category("Support")
        child = fx.add_category("Linux Help", slug="linux", parent_id=parent)
        fx.add_topic(child, "A child topic here", "<p>In the child.</p>")
        fx.add_topic(parent, "A parent topic here", "<p>In the parent.</p>")
        g = DGate(self, fx, dkeys="      group_template: \"{prefix}.cat.{slug}\"\n")
        g.sync()
        self.assertEqual(groups(g), {"disc.cat.support", "disc.cat.linux"})

    def test_template_that_is_no_newsgroup_name_falls_back_to_the_slug_rule(self):
        fx = fixture(self, corpus=False)
        cat = fx.add_category("Support")
        fx.add_topic(cat, "A topic here", "<p>Root.</p>")
        g = DGate(self, fx, dkeys="      group_template: \"{prefix}..{slug}\"\n")
        p = g.sync()
        self.assertEqual(groups(g), {"disc.support"})
        self.assertIn(b"not a newsgroup name", p.stderr)

    def test_config_board_mapping_still_wins(self):
        fx = fixture(self, corpus=False)
        parent = fx.add_category("Support")
        child = fx.add_category("Linux Help", slug="linux", parent_id=parent)
        fx.add_topic(child, "A child topic here", "<p>In the child.</p>")
        g = DGate(self, fx, extra="    boards:\n      - board: support/linux\n"
                  "        group: disc.penguins")
        g.sync()
        self.assertEqual(groups(g), {"disc.penguins"})

    def test_renamed_and_reslugged_category_keeps_its_group(self):
        fx = fixture(self, corpus=False)
        cat = fx.add_category("General Talk")
        tid = fx.add_topic(cat, "A topic here", "<p>Root.</p>")
        g = DGate(self, fx)
        g.sync()
        fx.rename_category(cat, "Chatter", slug="chatter")
        fx.add_post(tid, "<p>After the rename.</p>")
        fx.add_topic(cat, "A topic after the rename", "<p>New root.</p>")
        g.sync()
        msgs = g.messages()
        self.assertEqual(len(msgs), 3)
        self.assertEqual({m["Newsgroups"] for m in msgs}, {"disc.general-talk"})

    def test_store_filed_by_slug_keeps_its_group_then_by_id(self):
        # a store from before the category id was the key filed the board
        # under its slug
        fx = fixture(self, corpus=False)
        cat = fx.add_category("General Talk")
        tid = fx.add_topic(cat, "A topic here", "<p>Root.</p>")
        g = DGate(self, fx)
        g.sync()
        db = sqlite3.connect(g.store)
        with db:
            db.execute("UPDATE groups SET name = 'disc.legacy' WHERE name = 'disc.general-talk'")
            db.execute("UPDATE board_groups SET board = 'general-talk'")
        db.close()
        fx.add_post(tid, "<p>Before the re-slug.</p>")
        g.sync()
        fx.rename_category(cat, "Chatter", slug="chatter")
        fx.add_post(tid, "<p>After the re-slug.</p>")
        g.sync()
        self.assertEqual({m["Newsgroups"] for m in g.messages()}, {"disc.legacy"})
        db = sqlite3.connect(g.store)
        keys = {r[0] for r in db.execute("SELECT board FROM board_groups")}
        db.close()
        self.assertIn(f"category:{cat}", keys)


class Restricted(unittest.TestCase):
    def serve(self, g):
        d = g.dir
        cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=localhost", "-addext",
                        "subjectAltName=DNS:localhost,IP:127.0.0.1",
                        "-keyout", key, "-out", cert], check=True, capture_output=True)
        port, tls_port = free_port(), free_port()
        g.run("user", "add", "alice", "--password", "secret", "--address", "alice@example.org")
        log = open(os.path.join(d, "nntpd.log"), "w+b")
        self.addCleanup(log.close)
        proc = subprocess.Popen(
            [FORUMGATE, "-c", g.config,
             "-o", f"nntp.listen=127.0.0.1:{port}/starttls,127.0.0.1:{tls_port}/implicit",
             "-o", f"nntp.tls.cert={cert}", "-o", f"nntp.tls.key={key}", "nntpd"],
            cwd=ROOT, stdout=log, stderr=log)

        def stop():
            proc.terminate()
            proc.wait(timeout=20)
        self.addCleanup(stop)
        ctx = ssl.create_default_context(cafile=cert)
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", tls_port), timeout=1).close()
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    log.seek(0)
                    raise AssertionError("nntpd did not start:\n" + log.read().decode())
                time.sleep(0.05)
        return port, tls_port, ctx

    @staticmethod
    def active(r):
        assert r.cmd("LIST ACTIVE").startswith("215")
        return [l.split()[0] for l in r.block()]

    def setup_forum(self):
        fx = fixture(self, corpus=False)
        open_cat = fx.add_category("Lobby")
        staff = fx.add_category("Staff Room", read_restricted=True)
        fx.add_topic(open_cat, "An open topic here", "<p>Open.</p>")
        fx.add_topic(staff, "A staff topic here", "<p>Staff only.</p>")
        return fx

    def test_read_restricted_category_is_members_only(self):
        fx = self.setup_forum()
        g = DGate(self, fx)
        g.sync()
        port, tls_port, ctx = self.serve(g)
        r = Raw(port)
        names = self.active(r)
        self.assertIn("disc.lobby", names)
        self.assertNotIn("disc.staff-room", names)
        self.assertTrue(r.cmd("GROUP disc.staff-room").startswith("480"))
        r.close()
        t = Raw(tls_port, ctx)
        self.assertTrue(t.cmd("AUTHINFO USER alice").startswith("381"))
        self.assertTrue(t.cmd("AUTHINFO PASS secret").startswith("281"))
        self.assertIn("disc.staff-room", self.active(t))
        self.assertTrue(t.cmd("GROUP disc.staff-room").startswith("211"))
        t.close()

    def test_access_public_in_the_config_wins(self):
        fx = self.setup_forum()
        g = DGate(self, fx, extra="    boards:\n      - board: staff-room\n"
                  "        group: disc.staff-room\n        access: public")
        g.sync()
        port, _, _ = self.serve(g)
        r = Raw(port)
        self.assertIn("disc.staff-room", self.active(r))
        self.assertTrue(r.cmd("GROUP disc.staff-room").startswith("211"))
        r.close()

    def test_category_the_key_cannot_read_is_not_gatewayed(self):
        fx = self.setup_forum()
        g = DGate(self, fx)
        # no API key: anonymous, and the fixture (as Discourse) leaves the
        # read-restricted category out of /site.json and its topics unreadable
        with open(g.config) as f:
            lines = [l for l in f if "api_key_file" not in l and "api_username" not in l]
        with open(g.config, "w") as f:
            f.writelines(lines)
        fx.api_key = None
        g.sync()
        self.assertEqual(groups(g), {"disc.lobby"})


if __name__ == "__main__":
    unittest.main()
