"""forumgate check-config / import / export on real SQLite stores."""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import unittest

from fgtest import DEMO, FORUMGATE, ROOT, Gate, need_shared, parse_mboxrd
from nntpserver import free_port


# The files the demo names are made by scripts/run-demo.sh, and check-config
# checks that they can be read: stand-ins that can.
DEMO_FILES = ["-o", f"nntp.tls.cert={DEMO}", "-o", f"nntp.tls.key={DEMO}",
              "-o", f"mail.secret_file={DEMO}"]


class CheckConfig(unittest.TestCase):
    def test_demo_config_is_valid(self):
        p = subprocess.run([FORUMGATE, "check-config", "-c", DEMO, *DEMO_FILES], cwd=ROOT,
                           capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"forumgate.example", p.stdout)

    def test_error_names_file_line_column(self):
        g = Gate(self)
        bad = os.path.join(g.dir, "bad.yaml")
        with open(bad, "w") as f:
            f.write("gateway:\n  domain: x.example\n  stor: /tmp/x.db\n")
        p = subprocess.run([FORUMGATE, "check-config", "-c", bad], capture_output=True,
                           timeout=30)
        self.assertEqual(p.returncode, 78)
        err = p.stderr.decode()
        self.assertRegex(err, re.escape(bad) + r":3:3: .*stor")
        self.assertIn("store", err)  # the closest valid key

    def test_override_is_validated(self):
        p = subprocess.run([FORUMGATE, "check-config", "-c", DEMO, "-o", "gateway.stor=/x"],
                           cwd=ROOT, capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 78)
        self.assertIn(b"stor", p.stderr)

    def test_override_applies(self):
        p = subprocess.run([FORUMGATE, "check-config", "-c", DEMO, *DEMO_FILES, "-o",
                            "gateway.store=/tmp/elsewhere.db"], cwd=ROOT,
                           capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"/tmp/elsewhere.db", p.stdout)


class ImportDemo(unittest.TestCase):
    def setUp(self):
        self.g = Gate(self)
        self.g.run("import", "config/demo-spool")
        self.msgs = self.g.messages()

    def test_every_article_is_well_formed(self):
        self.assertGreaterEqual(len(self.msgs), 8)
        ids = set()
        for m in self.msgs:
            for h in ("From", "Newsgroups", "Subject", "Date", "Message-ID", "Path",
                      "Content-Type", "MIME-Version", "Xref"):
                self.assertIsNotNone(m[h], f"{h} missing in {m['Message-ID']}")
            self.assertRegex(m["Message-ID"], r"^<[^<>@\s]+@forumgate\.example>$")
            self.assertNotIn(m["Message-ID"], ids)
            ids.add(m["Message-ID"])
            self.assertEqual(m.get_content_type(), "text/plain")
            self.assertEqual(m.get_param("format"), "flowed")
            self.assertEqual(m.get_content_charset(), "utf-8")

    def test_replies_thread_under_their_parent(self):
        by_id = {m["Message-ID"]: m for m in self.msgs}
        replies = [m for m in self.msgs if m["References"]]
        self.assertGreater(len(replies), 0)
        for m in replies:
            refs = m["References"].split()
            self.assertEqual(m["In-Reply-To"], refs[-1])
            self.assertTrue(str(m["Subject"]).startswith("Re: "), m["Subject"])
            parent = by_id.get(refs[-1])
            self.assertIsNotNone(parent, f"parent {refs[-1]} not exported")
            self.assertEqual(m["Newsgroups"], parent["Newsgroups"])
            self.assertEqual(str(m["Subject"]), "Re: " + re.sub(r"^Re: ", "", str(parent["Subject"])))

    def test_non_ascii_is_encoded_in_headers(self):
        raw = self.g.export()
        heads = [blk.split(b"\n\n", 1)[0] for blk in raw.split(b"\nFrom forumgate@")]
        for h in heads:
            for line in h.split(b"\n"):
                if not line.startswith(b"From "):
                    self.assertTrue(all(c < 128 for c in line), line)
        names = " ".join(str(m["From"]) for m in self.msgs)
        self.assertIn("Jürgen Groß", names)

    def test_groups_follow_the_board_mapping(self):
        groups = {m["Newsgroups"] for m in self.msgs}
        self.assertIn("demo.general", groups)
        self.assertIn("demo.announce", groups)
        self.assertIn("demo.news", groups)
        for m in self.msgs:
            g, n = m["Xref"].split()[1].split(":")
            self.assertEqual(g, m["Newsgroups"])
            self.assertGreater(int(n), 0)

    def test_reimport_changes_nothing(self):
        before = self.g.export()
        p = self.g.run("import", "config/demo-spool")
        self.assertIn(b" 0 new, 0 edited, 0 deleted", p.stderr)
        self.assertEqual(before, self.g.export())

    def test_store_is_wal_sqlite_with_wire_articles(self):
        db = sqlite3.connect(self.g.store)
        self.assertEqual(db.execute("PRAGMA journal_mode").fetchone()[0], "wal")
        for wire, hlen, nbytes in db.execute("SELECT wire, header_len, bytes FROM articles"):
            self.assertEqual(len(wire), nbytes)
            self.assertEqual(wire[hlen - 4:hlen], b"\r\n\r\n")
            self.assertNotIn(b"\n", wire.replace(b"\r\n", b""))  # CRLF only
            self.assertFalse(wire.endswith(b".\r\n") and b"\r\n.\r\n" in wire[-5:])
            for line in wire.split(b"\r\n"):
                if line.startswith(b"."):
                    self.assertTrue(line.startswith(b".."), line)
        db.close()


class BulkBuild(unittest.TestCase):
    """An import into a store that does not exist yet builds it aside and
    publishes it whole; one that fails leaves nothing behind."""

    def test_fresh_import_publishes_a_plain_wal_store(self):
        g = Gate(self)
        g.run("import", "config/demo-spool")
        self.assertEqual(sorted(os.listdir(g.dir)), ["store.db"])
        db = sqlite3.connect(g.store)
        self.assertEqual(db.execute("PRAGMA journal_mode").fetchone()[0], "wal")
        self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        self.assertEqual(db.execute("PRAGMA foreign_key_check").fetchall(), [])
        db.close()
        # the same articles as an import into an existing (empty) store
        h = Gate(self)
        h.run("import", os.path.join(ROOT, "config", "demo-spool", "no-such-file.json"),
              check=False)
        self.assertFalse(os.path.exists(h.store))
        sqlite3.connect(h.store).close()  # an empty file: not built, migrated
        h.run("import", "config/demo-spool")
        self.assertEqual(g.export(), h.export())

    def test_failed_import_creates_no_store(self):
        g = Gate(self)
        p = g.run("import", "config/demo-spool", "/nonexistent/spool", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(b"/nonexistent/spool", p.stderr)
        self.assertIn(b"was not created", p.stderr)
        self.assertEqual(os.listdir(g.dir), [])


def write_thread(path, posts, title="Edit test", posting=None):
    doc = {"format": "forumgate-thread/1", "forum": "demo", "board": "General Discussion",
           "thread": {"id": "9001", "title": title}, "posts": posts}
    if posting:
        doc["thread"]["posting"] = posting
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f)
    os.rename(tmp, path)


POSTS = [
    {"id": "1", "position": 1, "author": "Ann", "date": "2024-05-01T10:00:00Z",
     "format": "text", "body": "First post."},
    {"id": "2", "position": 2, "author": "Bob", "date": "2024-05-01T11:00:00Z",
     "format": "bbcode", "body": "[quote=Ann;1]First post.[/quote]Agreed."},
    {"id": "3", "position": 3, "author": "Cid", "format": "text", "body": "No date here."},
]


class EditsAndDeletes(unittest.TestCase):
    def setUp(self):
        self.g = Gate(self)
        self.spool = os.path.join(self.g.dir, "spool")
        os.mkdir(self.spool)
        self.file = os.path.join(self.spool, "t9001.json")
        self.posts = json.loads(json.dumps(POSTS))
        write_thread(self.file, self.posts)
        self.g.run("import", self.spool)

    def test_missing_date_is_stable(self):
        first = {m["Message-ID"]: m["Date"] for m in self.g.messages()}
        self.g.run("import", self.spool)
        again = {m["Message-ID"]: m["Date"] for m in self.g.messages()}
        self.assertEqual(first, again)

    def test_hashes_of_older_stores_still_match(self):
        """Stores written before the "x3:" post hashes hold FNV-1a ones: a
        re-sync finds those posts unchanged, and still sees an edit."""
        def fnv_add(h, v):
            for c in (b"\x01" if v is None else v.encode()):
                h = ((h ^ c) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
            return ((h ^ 0x1f) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF

        db = sqlite3.connect(self.g.store)
        rows = db.execute(
            "SELECT p.id, t.title, g.name, p.author, p.author_id, p.guest, p.markup,"
            " p.deleted, p.date, p.position, p.body, p.signature, p.parent_key, p.url"
            " FROM posts p JOIN threads t ON t.id = p.thread_id"
            " JOIN groups g ON g.id = p.group_id WHERE p.post_key IN ('1', '2')").fetchall()
        self.assertEqual(len(rows), 2)
        for (rowid, title, group, author, author_id, guest, markup, deleted, date, position,
             body, sig, parent, url) in rows:
            h = 0xcbf29ce484222325
            for v in (title, group, author, author_id,
                      f"{guest}/{markup}/{deleted}/{date}/{position}", body, sig, parent, url):
                h = fnv_add(h, v)
            db.execute("UPDATE posts SET hash = ? WHERE id = ?", (f"{h:016x}", rowid))
        db.commit()
        db.close()
        p = self.g.run("import", self.spool)
        self.assertIn(b"0 new, 0 edited, 0 deleted, 3 unchanged", p.stderr)
        self.posts[1]["body"] += " Edited."
        write_thread(self.file, self.posts)
        p = self.g.run("import", self.spool)
        self.assertIn(b"0 new, 1 edited, 0 deleted, 2 unchanged", p.stderr)

    def test_edit_supersedes(self):
        old = {m["Message-ID"] for m in self.g.messages()}
        self.posts[1]["body"] = "[quote=Ann;1]First post.[/quote]Agreed, strongly."
        write_thread(self.file, self.posts)
        p = self.g.run("import", self.spool)
        self.assertIn(b"1 edited", p.stderr)
        msgs = self.g.messages()
        self.assertEqual(len(msgs), 3)
        new = [m for m in msgs if m["Message-ID"] not in old]
        self.assertEqual(len(new), 1)
        self.assertIn(new[0]["Supersedes"], old)
        self.assertIn("Agreed, strongly.", new[0].get_content())
        self.assertNotIn(new[0]["Supersedes"], {m["Message-ID"] for m in msgs})
        # the reply still threads under the quoted root
        root = [m for m in msgs if not m["References"]][0]
        self.assertEqual(new[0]["In-Reply-To"], root["Message-ID"])
        # numbers are never reused: the edit got a new, higher number
        nums = sorted(int(m["Xref"].split(":")[1]) for m in msgs)
        self.assertEqual(nums, [1, 3, 4])

    def test_markup_change_that_shows_the_same_is_no_edit(self):
        """A post whose source changed but whose article would read the same
        (a new page parser writing the HTML differently, markup the text
        conversion ignores) keeps its article: no Supersedes for readers."""
        old = {m["Message-ID"] for m in self.g.messages()}
        self.posts[0] = dict(self.posts[0], format="html", body="<p>First post.</p>")
        self.posts[1]["body"] = "[quote=Ann;1]First post.[/quote][b][/b]Agreed."
        write_thread(self.file, self.posts)
        p = self.g.run("import", self.spool)
        self.assertIn(b"0 new, 0 edited, 0 deleted, 3 unchanged", p.stderr)
        self.assertEqual({m["Message-ID"] for m in self.g.messages()}, old)
        # the new fingerprint was kept: the next pass finds nothing to do,
        # and a real edit after it is still an edit
        p = self.g.run("import", self.spool)
        self.assertIn(b"3 unchanged", p.stderr)
        self.posts[0]["body"] = "<p>First post, <b>amended</b>.</p>"
        write_thread(self.file, self.posts)
        p = self.g.run("import", self.spool)
        self.assertIn(b"0 new, 1 edited, 0 deleted, 2 unchanged", p.stderr)

    def test_delete_leaves_group(self):
        self.posts[2]["deleted"] = True
        write_thread(self.file, self.posts)
        p = self.g.run("import", self.spool)
        self.assertIn(b"1 deleted", p.stderr)
        msgs = self.g.messages()
        self.assertEqual(len(msgs), 2)
        self.assertNotIn("No date here.", " ".join(m.get_content() for m in msgs))

    def test_read_only_thread_makes_group_read_only(self):
        write_thread(self.file, self.posts, posting="no")
        self.g.run("import", self.spool)
        db = sqlite3.connect(self.g.store)
        flag = db.execute("SELECT posting FROM groups WHERE name='demo.general'").fetchone()[0]
        db.close()
        self.assertEqual(flag, "n")

    def test_bad_file_is_reported_not_fatal(self):
        with open(os.path.join(self.spool, "broken.json"), "w") as f:
            f.write('{"thread": {"id": 1,')
        p = self.g.run("import", self.spool, check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(b"broken.json", p.stderr)
        self.assertEqual(len(self.g.messages()), 3)


class Seed(unittest.TestCase):
    def test_seed_thread_imports(self):
        seed = need_shared(self, "seeds/vbulletin-thread-1.txt")
        g = Gate(self)
        g.run("import", seed)
        msgs = g.messages()
        self.assertEqual(len(msgs), 2)
        root, reply = msgs
        self.assertEqual(str(root["Subject"]), "U.S.-Russia Missile Defense Talks Fail")
        self.assertEqual(root["Newsgroups"], "demo.news")
        body = root.get_content()
        self.assertIn("MOSCOW (AP)", body)
        self.assertNotIn("Join Date", body)
        self.assertIn("\n-- \nNo One Knows Everything.", body)
        self.assertEqual(str(reply["Subject"]), "Re: U.S.-Russia Missile Defense Talks Fail")
        self.assertIn("AuGmENTor", str(reply["From"]))
        self.assertIn("guest", str(reply["From"]).lower())
        self.assertEqual(reply["In-Reply-To"], root["Message-ID"])
        self.assertNotIn("Similar Threads", body + reply.get_content())
        db = sqlite3.connect(g.store)
        flag = db.execute("SELECT posting FROM groups WHERE name='demo.news'").fetchone()[0]
        db.close()
        self.assertEqual(flag, "n")


class SavedPagesOfEngines(unittest.TestCase):
    """Issue #13: a saved .html page goes through the engine table: the
    engine is detected from the page (here a vBulletin 5 page, which the old
    vBulletin-only parser could not read), and a page of no known engine is
    reported by name, the rest of the spool still taken."""

    def test_engine_is_detected_from_the_page(self):
        vb5 = need_shared(self, "corpora/forum-html/vbulletin/magic-html/"
                          "717e9d39a4c7c938c24eb16eec0def5a55574d15e759824f1f2cda16f2a0c76b.html")
        g = Gate(self)
        spool = os.path.join(g.dir, "spool")
        os.mkdir(spool)
        shutil.copy(vb5, os.path.join(spool, "victory.html"))
        with open(os.path.join(spool, "home.html"), "w") as f:
            f.write("<html><head><title>Hi</title></head><body><p>Welcome</p></body></html>")
        p = g.run("import", spool, check=False)
        self.assertIn(b"home.html: not a page of a known forum engine", p.stderr)
        msgs = g.messages()
        self.assertEqual(len(msgs), 6)
        root = [m for m in msgs if not m["References"]]
        self.assertEqual(len(root), 1)
        self.assertEqual(str(root[0]["Subject"]), "A small victory dance")
        self.assertIn("Parihaka", str(root[0]["From"]))
        # replies quoting a post thread under it (the quote's source post)
        by_id = {m["Message-ID"]: m for m in msgs}
        quoting = [m for m in msgs if "Originally posted by" in m.get_content()
                   or "wrote:" in m.get_content()]
        self.assertTrue(quoting)
        for m in msgs:
            self.assertNotIn("Share", m.get_content())
            if m["In-Reply-To"]:
                self.assertIn(m["In-Reply-To"], by_id)

    # (corpus page, subject, [(post id, author)] as the page's post markup
    # holds them: XF2 article.message--post data-content/data-author, XF1
    # li#post-N.message data-author, MyBB div#post_N with its author link)
    PAGES = [
        ("xenforo/NetTally/Xenforo2.html", "a dark theme option",
         [(114210, "dieketzer"), (114243, "krstep"), (114249, "dieketzer"),
          (114253, "anotheralias"), (115610, "T3G Silas"), (1091229, "Azofan"),
          (1091230, "AndyB"), (1358710, "sub_ubi")]),
        ("xenforo/magic-html/be673eda133de3729a144d296b9adfb8b2e1178da8ff8e5fc3d5f72d8a67b807.html",
         "Extending pilot light lifespan with a resistor?",
         [(2478064, "strato2009"), (2478207, "dtier"), (2478301, "London John"),
          (2478304, "strato2009"), (2478358, "danman"), (2478489, "dtier"),
          (2478998, "alpha al"), (2479032, "anitoli"), (2479641, "strato2009"),
          (2479646, "anitoli")]),
        ("xenforo/NetTally/Xenforo1.html", "Renascence: A Homura Quest", 25),
        ("mybb/magic-html/77d118aedba20777037422e6748c758d6f7013a2e1f108fd336204a551f68991.html",
         "SV1, SV2, SV-TT update",
         [(830, "K O'Connor"), (1076, "K O'Connor"), (1082, "DCarrer"), (1083, "K O'Connor")]),
        ("mybb/magic-html/08412f7a050466793eb2952d83f8c051dd01dd3cd863b93175b0a3ff93eb5089.html",
         "Bias class", [(1078, "K O'Connor")]),
    ]

    @staticmethod
    def xf1_posts(path):
        """XenForo 1's posts as the page lists them (li#post-N.message with
        data-author; the quotes' data-author are not posts)."""
        import html
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        return [(int(i), html.unescape(a)) for i, a in re.findall(
            r'<li\s+id="post-(\d+)"\s+class="message[^"]*"\s+data-author="([^"]*)"', text)]

    def test_xenforo_and_mybb_pages_import_every_post_by_its_author(self):
        for rel, subject, want in self.PAGES:
            with self.subTest(page=rel):
                path = need_shared(self, "corpora/forum-html/" + rel)
                if isinstance(want, int):
                    n, want = want, self.xf1_posts(path)
                    self.assertEqual(len(want), n)  # the page holds what is expected
                g = Gate(self)
                spool = os.path.join(g.dir, "spool")
                os.mkdir(spool)
                shutil.copy(path, os.path.join(spool, "thread.html"))
                p = g.run("import", spool)
                self.assertIn(b"0 files skipped", p.stderr)
                msgs = g.messages()
                got = [(int(re.match(r"<p(\d+)\.", m["Message-ID"]).group(1)),
                        str(m["From"]).rsplit(" <", 1)[0].strip('"')) for m in msgs]
                self.assertEqual(sorted(got), sorted(want))
                roots = [m for m in msgs if not m["References"]]
                self.assertEqual(len(roots), 1)
                self.assertEqual(str(roots[0]["Subject"]), subject)
                for m in msgs:
                    # no page furniture in a body
                    for furniture in ("Similar threads", "Log in", "Register", "Share:"):
                        self.assertNotIn(furniture, m.get_content())

    def test_media_gallery_page_is_refused_naming_the_file(self):
        media = need_shared(self, "corpora/forum-html/xenforo/magic-html/"
                            "d676aafbd914fbd3c728501c9f467c600d066927e32b31cc076ed740626fe22d.html")
        thread = need_shared(self, "corpora/forum-html/xenforo/NetTally/Xenforo2.html")
        g = Gate(self)
        spool = os.path.join(g.dir, "spool")
        os.mkdir(spool)
        shutil.copy(media, os.path.join(spool, "tony-tone-hire.html"))
        shutil.copy(thread, os.path.join(spool, "dark-theme.html"))
        p = g.run("import", spool, check=False)
        err = p.stderr.decode(errors="replace")
        # a media item page (XenForo Media Gallery) is no thread: refused by
        # name and why, the rest of the spool still taken
        self.assertRegex(err, r"tony-tone-hire\.html: not a XenForo thread page[^\n]*xfmg_media_view")
        self.assertIn("1 file skipped", err)
        msgs = g.messages()
        self.assertEqual(len(msgs), 8)
        self.assertFalse([m for m in msgs if "Tony" in str(m["Subject"])])


class Serve(unittest.TestCase):
    def test_sync_role_picks_up_new_files_and_stops_cleanly(self):
        g = Gate(self)
        spool = os.path.join(g.dir, "spool")
        os.mkdir(spool)
        g.overrides += ["-o", f"forums.demo.spool.path={spool}",
                        "-o", "forums.demo.spool.poll_interval=1",
                        "-o", f"nntp.listen=127.0.0.1:{free_port()}",
                        "-o", f"mail.lmtp.listen=127.0.0.1:{free_port()}",
                        "-o", "nntp.tls.cert=", "-o", "nntp.tls.key=",
                        "-o", "mail.secret_file="]
        proc = subprocess.Popen([FORUMGATE, "-c", DEMO, *g.overrides, "serve"], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            import time
            write_thread(os.path.join(spool, "t.json"), POSTS[:2])
            deadline = time.time() + 20
            n = 0
            while time.time() < deadline:
                if os.path.exists(g.store):
                    n = len(parse_mboxrd(g.run("export", check=False).stdout or b""))
                    if n == 2:
                        break
                time.sleep(0.3)
            self.assertEqual(n, 2)
        finally:
            proc.terminate()
            out, err = proc.communicate(timeout=20)
        self.assertEqual(proc.returncode, 0, err)
        self.assertIn(b"all roles stopped", err)


if __name__ == "__main__":
    unittest.main()
