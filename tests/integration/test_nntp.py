"""The NNTP server against real clients: Python's nntplib (every method it
has), raw sockets for exact status codes and what real newsreaders send,
openssl s_client -starttls nntp, Perl's News::NNTPClient, and tin in tmux."""
import datetime
import nntplib
import os
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import time
import unittest
import warnings

from nntpserver import Raw, Server

warnings.filterwarnings("ignore", category=DeprecationWarning)


class Nntplib(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server(cls)

    @classmethod
    def addClassCleanup(cls, *a, **k):
        super().addClassCleanup(*a, **k)

    @classmethod
    def addCleanup(cls, fn, *a, **k):  # Server/Gate register cleanups per class
        cls.addClassCleanup(fn, *a, **k)

    def client(self):
        s = nntplib.NNTP("127.0.0.1", self.srv.port, readermode=True, timeout=10)
        self.addClassCleanup(lambda: s.sock.close())
        return s

    def test_welcome_and_capabilities(self):
        s = self.client()
        self.assertTrue(s.getwelcome().startswith("200"))
        caps = s.getcapabilities()
        self.assertEqual(caps["VERSION"], ["2"])
        for c in ("READER", "HDR", "NEWNEWS", "STARTTLS"):
            self.assertIn(c, caps)
        self.assertEqual(caps["OVER"], ["MSGID"])
        self.assertIn("OVERVIEW.FMT", caps["LIST"])
        # POST is offered where a login is possible (here after STARTTLS),
        # and answered 480 until then (RFC 4643 §2): tin posts only when
        # CAPABILITIES lists it
        self.assertIn("POST", caps)
        self.assertNotIn("AUTHINFO", caps)      # not before TLS
        self.assertEqual(caps["COMPRESS"], ["DEFLATE"])
        s.quit()

    def test_list_group_over_article(self):
        s = self.client()
        _, groups = s.list()
        names = {g.group: g for g in groups}
        self.assertIn("demo.general", names)
        self.assertEqual(names["demo.announce"].flag, "n")
        _, count, first, last, name = s.group("demo.general")
        self.assertEqual(name, "demo.general")
        self.assertGreaterEqual(count, 3)
        _, over = s.over((first, last))
        self.assertEqual(len(over), count)
        num, fields = over[0]
        self.assertEqual(num, first)
        self.assertRegex(fields["message-id"], r"^<.*@forumgate\.example>$")
        self.assertEqual(fields["xref"], f"forumgate.example demo.general:{first}")
        _, art = s.article(first)
        raw = b"\r\n".join(art.lines) + b"\r\n"
        self.assertEqual(int(fields[":bytes"]), len(raw))
        sep = art.lines.index(b"")
        self.assertEqual(int(fields[":lines"]), len(art.lines) - sep - 1)
        _, head = s.head(fields["message-id"])
        self.assertEqual(head.lines, art.lines[:sep])
        _, body = s.body(first)
        self.assertEqual(body.lines, art.lines[sep + 1:])
        self.assertEqual(s.stat()[1], first)
        self.assertEqual(s.next()[1], over[1][0])
        self.assertEqual(s.last()[1], first)
        # Overview/HDR values are served as stored: encoded-words stay encoded
        _, subj = s.xhdr("subject", f"{first}-{last}")
        self.assertTrue(any("=?UTF-8?" in v for _, v in subj))
        _, hdr = s.xhdr("Path", f"{first}-")
        self.assertTrue(all(v == "forumgate.example!not-for-mail" for _, v in hdr))
        # the overview format, asked for after the first OVER
        self.assertEqual(s._getoverviewfmt()[:5],
                         ["subject", "from", "date", "message-id", "references"])
        s.quit()

    def test_over_by_message_id_and_decode(self):
        s = self.client()
        _, count, first, last, _ = s.group("demo.general")
        _, over = s.over((first, first))
        mid = over[0][1]["message-id"]
        _, by_id = s.over(mid)
        self.assertEqual(by_id[0][0], 0)
        self.assertEqual(by_id[0][1]["message-id"], mid)
        subjects = [nntplib.decode_header(f["subject"]) for _, f in s.over((first, last))[1]]
        self.assertTrue(any("Straßenbahn" in x for x in subjects), subjects)
        s.quit()

    def test_newgroups_newnews_descriptions_date_help(self):
        s = self.client()
        _, new = s.newgroups(datetime.date(2000, 1, 1))
        self.assertIn("demo.general", {g.group for g in new})
        _, none = s.newgroups(datetime.datetime.now() + datetime.timedelta(days=2))
        self.assertEqual(none, [])
        _, ids = s.newnews("demo.*", datetime.datetime(2000, 1, 1))
        self.assertGreaterEqual(len(ids), 8)
        _, ids2 = s.newnews("demo.general", datetime.datetime(2000, 1, 1))
        self.assertLess(len(ids2), len(ids))
        _, desc = s.descriptions("demo.*")
        self.assertEqual(desc["demo.general"], "General talk about the demo forum")
        self.assertEqual(s.description("demo.news"), "News items and discussion")
        _, when = s.date()
        self.assertLess(abs((when - datetime.datetime.utcnow()).total_seconds()), 120)
        _, lines = s.help()
        self.assertTrue(any("LISTGROUP" in l for l in lines))
        s.quit()

    def test_starttls_login_and_post(self):
        s = self.client()
        s.starttls(self.srv.ssl_context())
        self.assertIn("AUTHINFO", s.getcapabilities())
        s.login("alice", "secret", usenetrc=False)
        self.assertIn("POST", s.getcapabilities())
        _, _, first, _, _ = s.group("demo.general")
        _, over = s.over((first, first))
        parent = over[0][1]["message-id"]
        art = (f"From: Alice <alice@example.org>\r\nNewsgroups: demo.general\r\n"
               f"Subject: Re: test\r\nReferences: {parent}\r\n"
               f"Message-ID: <nntp-post-1@example.org>\r\n\r\nHello from nntplib.\r\n"
               f".leading dot line\r\n").encode()
        resp = s.post(art)
        self.assertTrue(resp.startswith("240"), resp)
        db = sqlite3.connect(self.srv.gate.store)
        row = db.execute("SELECT user, thread_key, parent_key, state, article FROM outbox "
                         "WHERE message_id = '<nntp-post-1@example.org>'").fetchone()
        db.close()
        self.assertIsNotNone(row)
        self.assertEqual(row[0], "alice")
        self.assertEqual(row[3], "queued")
        self.assertIsNotNone(row[1])
        self.assertIn(b"\r\n.leading dot line\r\n", row[4])  # unstuffed
        # the same Message-ID again is refused
        with self.assertRaises(nntplib.NNTPTemporaryError) as e:
            s.post(art)
        self.assertTrue(str(e.exception).startswith("441"))
        s.quit()

    def test_post_refusals_say_why(self):
        s = nntplib.NNTP_SSL("127.0.0.1", self.srv.tls_port, ssl_context=self.srv.ssl_context(),
                             readermode=True, timeout=10)
        s.login("alice", "secret", usenetrc=False)
        cases = [
            ("From: a@b.example\r\nNewsgroups: demo.general\r\nSubject: Re: x\r\n\r\nbody\r\n",
             "References"),
            ("From: a@b.example\r\nNewsgroups: demo.announce\r\nSubject: x\r\n\r\nbody\r\n",
             "read-only"),
            ("From: a@b.example\r\nNewsgroups: no.such\r\nSubject: x\r\n\r\nbody\r\n",
             "no such newsgroup"),
            ("From: a@b.example\r\nSubject: x\r\n\r\nbody\r\n", "Newsgroups"),
            ("From: a@b.example\r\nNewsgroups: demo.general\r\nSubject: x\r\n\r\n" +
             "x" * 70 + "\r\n" * 1, None),
        ]
        for art, why in cases[:4]:
            with self.assertRaises(nntplib.NNTPTemporaryError) as e:
                s.post(art.encode())
            self.assertTrue(str(e.exception).startswith("441"), e.exception)
            self.assertIn(why, str(e.exception))
        s.quit()

    def test_post_needs_login(self):
        s = self.client()
        with self.assertRaises(nntplib.NNTPTemporaryError) as e:
            s.post(b"From: a@b\r\nNewsgroups: demo.general\r\nSubject: x\r\n\r\nbody\r\n")
        self.assertTrue(str(e.exception).startswith("480"))
        s.quit()

    def test_bad_password(self):
        s = nntplib.NNTP_SSL("127.0.0.1", self.srv.tls_port, ssl_context=self.srv.ssl_context(),
                             timeout=10)
        with self.assertRaises(nntplib.NNTPTemporaryError) as e:
            s.login("alice", "wrong", usenetrc=False)
        self.assertTrue(str(e.exception).startswith("481"))
        s.quit()


class Protocol(unittest.TestCase):
    """Exact status codes, and what tin, slrn, suck and scripts really send."""

    @classmethod
    def setUpClass(cls):
        cls.srv = Server(cls, extra=["nntp.idle_timeout=2"])

    @classmethod
    def addCleanup(cls, fn, *a, **k):
        cls.addClassCleanup(fn, *a, **k)

    def raw(self):
        r = Raw(self.srv.port)
        self.addClassCleanup(r.close)
        return r

    def test_state_errors(self):
        r = self.raw()
        self.assertTrue(r.greeting.startswith("200"))
        # slrn probes these with no group selected and needs 412, not 500
        self.assertTrue(r.cmd("XOVER 1-10").startswith("412"))
        self.assertTrue(r.cmd("XHDR Path").startswith("412"))
        self.assertTrue(r.cmd("ARTICLE").startswith("412"))
        self.assertTrue(r.cmd("NEXT").startswith("412"))
        self.assertTrue(r.cmd("LISTGROUP").startswith("412"))
        self.assertTrue(r.cmd("ARTICLE <no-such@x>").startswith("430"))
        self.assertTrue(r.cmd("GROUP no.such.group").startswith("411"))
        self.assertTrue(r.cmd("group demo.general").startswith("211"))
        self.assertTrue(r.cmd("ARTICLE 999999").startswith("423"))
        self.assertTrue(r.cmd("OVER 999990-999999").startswith("423"))
        self.assertTrue(r.cmd("LAST").startswith("422"))
        self.assertTrue(r.cmd("ARTICLE abc").startswith("501"))
        self.assertTrue(r.cmd("FROBNICATE").startswith("500"))
        self.assertTrue(r.cmd("LIST FROB").startswith("501"))
        self.assertTrue(r.cmd("GROUP").startswith("501"))
        # plain text: the answer names the NNTPS port (Thunderbird has no
        # STARTTLS for news)
        self.assertEqual(r.cmd("AUTHINFO USER alice"),
                         f"483 Encryption required: use STARTTLS or NNTPS on port "
                         f"{self.srv.tls_port} first")
        self.assertEqual(r.cmd("POST"), "480 Login required for posting (AUTHINFO USER)")
        self.assertTrue(r.cmd("STAT 1").startswith("223"))
        self.assertTrue(r.cmd("QUIT").startswith("205"))

    def test_lowercase_tabs_pipelining(self):
        r = self.raw()
        r.send("mode reader\r\ngroup\tdemo.general \r\nlistgroup  demo.general\t1-2\r\n"
               "stat 1\r\nxhdr Message-ID 1-2\r\ndate\r\n")
        self.assertTrue(r.line().startswith("20"))
        self.assertTrue(r.line().startswith("211 "))
        self.assertTrue(r.line().startswith("211 "))
        self.assertEqual(r.block(), ["1", "2"])
        self.assertTrue(r.line().startswith("223 1 <"))
        self.assertTrue(r.line().startswith("221"))
        self.assertEqual(len(r.block()), 2)
        self.assertTrue(r.line().startswith("111 "))

    def test_suck_style_pipelined_articles(self):
        r = self.raw()
        r.cmd("GROUP demo.general")
        r.send("xhdr Message-ID 1-\r\n")
        self.assertTrue(r.line().startswith("221"))
        ids = [l.split(" ", 1)[1] for l in r.block()]
        r.send("".join(f"article {i}\r\n" for i in ids))
        for i in ids:
            status = r.line()
            self.assertTrue(status.startswith("220 ") and status.endswith(i), status)
            self.assertIn(f"Message-ID: {i}", r.block())

    def test_article_transfers_and_other_commands_keep_their_order(self):
        # article transfers wait in a bulk queue behind other commands of
        # the same loop turn: each connection still gets its answers in the
        # order it asked, and a connection that goes away while queued
        # costs nothing
        conns = [self.raw() for _ in range(6)]
        for r in conns:
            r.cmd("GROUP demo.general")
        for k in range(3):
            gone = socket.create_connection(("127.0.0.1", self.srv.port), timeout=10)
            gone.sendall(b"GROUP demo.general\r\n" + b"ARTICLE 1\r\n" * 50)
            gone.close()
        for r in conns:
            r.send("ARTICLE 1\r\nOVER 1-2\r\nhead 2\r\nDATE\r\nbody 1\r\nSTAT 2\r\n")
        for r in conns:
            self.assertTrue(r.line().startswith("220 1 <"))
            r.block()
            self.assertTrue(r.line().startswith("224"))
            self.assertEqual(len(r.block()), 2)
            self.assertTrue(r.line().startswith("221 2 <"))
            r.block()
            self.assertTrue(r.line().startswith("111 "))
            self.assertTrue(r.line().startswith("222 1 <"))
            r.block()
            self.assertTrue(r.line().startswith("223 2 <"))
        self.assertTrue(conns[0].cmd("QUIT").startswith("205"))

    def test_tin_newgroups_two_digit_year(self):
        r = self.raw()
        self.assertTrue(r.cmd("NEWGROUPS 000101 000000").startswith("231"))
        self.assertIn("demo.general", " ".join(r.block()))
        self.assertTrue(r.cmd("NEWGROUPS 20000101 000000 GMT").startswith("231"))
        r.block()
        self.assertTrue(r.cmd("NEWGROUPS 0001 000000").startswith("501"))
        self.assertTrue(r.cmd("LIST SUBSCRIPTIONS").startswith("215"))
        r.block()
        self.assertTrue(r.cmd("LIST ACTIVE demo.*").startswith("215"))
        lines = r.block()
        self.assertTrue(all(l.startswith("demo.") for l in lines))
        self.assertTrue(r.cmd("LIST COUNTS").startswith("215"))
        self.assertTrue(all(len(l.split()) == 5 for l in r.block()))
        self.assertTrue(r.cmd("LIST ACTIVE.TIMES").startswith("215"))
        r.block()
        self.assertTrue(r.cmd("LIST HEADERS").startswith("215"))
        self.assertIn(":bytes", r.block())

    def test_long_line_is_rejected_and_session_goes_on(self):
        r = self.raw()
        r.send("X" * 600 + "\r\nDATE\r\n")
        self.assertTrue(r.line().startswith("501"))
        self.assertTrue(r.line().startswith("111"))
        r.send("Y" * 100000)  # no end of line at all
        self.assertTrue(r.line().startswith("501"))
        r.send("\r\nDATE\r\n")
        self.assertTrue(r.line().startswith("111"))
        self.assertTrue(r.cmd("HELP").startswith("100"))
        r.block()

    def test_authinfo_out_of_sequence_over_tls(self):
        r = Raw(self.srv.tls_port, self.srv.ssl_context())
        self.addClassCleanup(r.close)
        self.assertTrue(r.cmd("AUTHINFO PASS x").startswith("482"))
        self.assertTrue(r.cmd("AUTHINFO USER alice").startswith("381"))
        self.assertTrue(r.cmd("AUTHINFO PASS secret").startswith("281"))
        self.assertTrue(r.cmd("AUTHINFO USER alice").startswith("502"))
        self.assertTrue(r.cmd("STARTTLS").startswith("502"))

    def test_idle_timeout(self):
        r = self.raw()
        time.sleep(3.5)
        self.assertTrue(r.line().startswith("400"))
        with self.assertRaises(EOFError):
            r.line()

    def test_backpressure_keeps_order(self):
        r = self.raw()
        r.cmd("GROUP demo.general")
        n = 3000
        r.send("ARTICLE 1\r\n" * n)   # do not read for a while
        time.sleep(1.0)
        other = Raw(self.srv.port)    # others are still served
        self.assertTrue(other.cmd("DATE").startswith("111"))
        other.close()
        for _ in range(n):
            self.assertTrue(r.line().startswith("220 1 "))
            r.block()

    def test_openssl_s_client_starttls(self):
        p = subprocess.run(["openssl", "s_client", "-starttls", "nntp", "-connect",
                            f"127.0.0.1:{self.srv.port}", "-CAfile", self.srv.cert,
                            "-verify_return_error", "-quiet"],
                           input=b"CAPABILITIES\r\nQUIT\r\n", capture_output=True, timeout=20)
        out = p.stdout.decode(errors="replace")
        self.assertIn("101 Capability list", out)
        self.assertIn("AUTHINFO USER", out)
        self.assertNotIn("STARTTLS", out.split("101 Capability list", 1)[1])
        self.assertIn("205", out)


class Limits(unittest.TestCase):
    def test_max_per_address(self):
        srv = Server(self, extra=["nntp.max_per_address=2"], import_demo=False)

        def admitted():
            # the start-up probes' slots are given back when nntpd has
            # handled their close, which a slow (sanitizer) build may not
            # have done yet when the probe saw EOF
            for _ in range(100):
                r = Raw(srv.port)
                if r.greeting.startswith("20"):
                    return r
                r.close()
                time.sleep(0.05)
            self.fail("no connection admitted: " + r.greeting)

        a, b = admitted(), admitted()
        c = Raw(srv.port)
        self.assertTrue(c.greeting.startswith("400"), c.greeting)
        for x in (a, b, c):
            x.close()

    def test_login_failures_are_rate_limited(self):
        srv = Server(self, import_demo=False)
        r = Raw(srv.tls_port, srv.ssl_context())
        codes = []
        for _ in range(7):
            r.cmd("AUTHINFO USER alice")
            codes.append(r.cmd("AUTHINFO PASS wrong")[:3])
        r.cmd("AUTHINFO USER alice")
        last = r.cmd("AUTHINFO PASS secret")
        r.close()
        self.assertEqual(codes[:5], ["481"] * 5)
        self.assertTrue(last.startswith("481") and "Too many" in last, last)

    def test_sigterm_finishes_and_exits(self):
        srv = Server(self, import_demo=False)
        r = Raw(srv.port)
        self.assertTrue(r.cmd("DATE").startswith("111"))
        srv.proc.send_signal(signal.SIGTERM)
        self.assertTrue(r.line().startswith("400"))
        self.assertEqual(srv.proc.wait(timeout=20), 0)
        r.close()
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", srv.port), timeout=2)


class Listeners(unittest.TestCase):
    def test_sighup_reloads_the_certificate(self):
        srv = Server(self, import_demo=False)
        def serial(port):
            p = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}",
                                "-servername", "localhost"], input=b"QUIT\r\n",
                               capture_output=True, timeout=20)
            cert = subprocess.run(["openssl", "x509", "-noout", "-serial"], input=p.stdout,
                                  capture_output=True).stdout
            return cert.strip()
        before = serial(srv.tls_port)
        self.assertTrue(before.startswith(b"serial="), before)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=localhost", "-keyout", srv.key, "-out", srv.cert],
                       check=True, capture_output=True)
        srv.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        after = before
        while after == before and time.time() < deadline:
            time.sleep(0.3)
            after = serial(srv.tls_port)
        self.assertNotEqual(before, after)
        self.assertIn("reloaded", srv.logtext())

    def test_ipv6_listener(self):
        try:
            socket.socket(socket.AF_INET6).bind(("::1", 0))
        except OSError:
            self.skipTest("no IPv6 loopback on this machine")
        from nntpserver import free_port
        port6 = free_port()
        Server(self, import_demo=False, extra_listen=f",[::1]:{port6}")
        s = socket.create_connection(("::1", port6), timeout=5)
        f = s.makefile("rb")
        self.assertTrue(f.readline().startswith(b"20"))
        s.sendall(b"QUIT\r\n")
        self.assertTrue(f.readline().startswith(b"205"))
        s.close()


class MembersOnly(unittest.TestCase):
    """A board with access: members is invisible and unreadable until login."""

    def test_members_only_group(self):
        srv = Server(self, extra=["forums.demo.boards.0.access=members"])
        r = Raw(srv.port)
        self.assertTrue(r.cmd("LIST ACTIVE").startswith("215"))
        names = [l.split()[0] for l in r.block()]
        self.assertNotIn("demo.general", names)
        self.assertIn("demo.news", names)
        self.assertTrue(r.cmd("GROUP demo.general").startswith("480"))
        self.assertTrue(r.cmd("LISTGROUP demo.general").startswith("480"))
        db = __import__("sqlite3").connect(srv.gate.store)
        mid = db.execute("SELECT a.message_id FROM articles a JOIN numbering n ON "
                         "n.article_id = a.id JOIN groups g ON g.id = n.group_id "
                         "WHERE g.name = 'demo.general' LIMIT 1").fetchone()[0]
        db.close()
        self.assertTrue(r.cmd(f"ARTICLE {mid}").startswith("430"))
        self.assertTrue(r.cmd(f"OVER {mid}").startswith("430"))
        self.assertTrue(r.cmd("NEWNEWS * 20000101 000000").startswith("230"))
        self.assertNotIn(mid, r.block())
        r.close()
        t = Raw(srv.tls_port, srv.ssl_context())
        self.assertTrue(t.cmd("AUTHINFO USER alice").startswith("381"))
        self.assertTrue(t.cmd("AUTHINFO PASS secret").startswith("281"))
        self.assertTrue(t.cmd("GROUP demo.general").startswith("211"))
        self.assertTrue(t.cmd(f"STAT {mid}").startswith("223"))
        t.close()


class StoreSharing(unittest.TestCase):
    """Regression: nntpd opening its writer (for a POST) opened and closed
    the store file, which drops every POSIX lock the process holds on it,
    SQLite's shared lock of its readers included; the next writer process
    (an import, sync) then closed last and deleted the -wal and -shm that
    nntpd still used, and every read answered 403 ("database disk image is
    malformed")."""

    def test_reads_survive_a_post_then_an_import(self):
        srv = Server(self)
        t = Raw(srv.tls_port, srv.ssl_context())
        self.addCleanup(t.close)
        self.assertTrue(t.cmd("AUTHINFO USER alice").startswith("381"))
        self.assertTrue(t.cmd("AUTHINFO PASS secret").startswith("281"))
        self.assertTrue(t.cmd("GROUP demo.general").startswith("211"))
        self.assertTrue(t.cmd("POST").startswith("340"))
        t.send("From: alice@example.org\r\nNewsgroups: demo.general\r\n"
               "Subject: a new thread\r\nMessage-ID: <share-1@example.org>\r\n\r\n"
               "Opens the writer.\r\n.\r\n")
        self.assertTrue(t.line().startswith("240"), srv.logtext()[-800:])
        for i in range(3):
            srv.gate.run("import", "config/demo-spool")
            for w in range(4):  # every worker: each has its own reader
                r = Raw(srv.port)
                self.assertTrue(r.cmd("GROUP demo.general").startswith("211"))
                self.assertTrue(r.cmd("ARTICLE 1").startswith("220"), srv.logtext()[-800:])
                r.block()
                r.close()
        self.assertNotIn("malformed", srv.logtext())
        self.assertTrue(os.path.exists(srv.gate.store + "-wal"))


class PlainListener(unittest.TestCase):
    """Regression (issue #11): on a listener without TLS, where no login
    can work, the greeting and MODE READER said only "no posting"; they name
    the NNTPS port now, as the 483 does."""

    def test_greeting_names_the_nntps_port(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        srv = Server(self, import_demo=False, extra_listen=f",127.0.0.1:{port}/none")
        r = Raw(port)
        self.addCleanup(r.close)
        want = f"no posting here: log in over NNTPS on port {srv.tls_port} to post"
        self.assertTrue(r.greeting.startswith("201 "), r.greeting)
        self.assertIn(want, r.greeting)
        self.assertEqual(r.cmd("MODE READER"), "201 Reader mode, " + want)
        self.assertEqual(r.cmd("AUTHINFO USER alice"),
                         f"483 Encryption required: use NNTPS on port {srv.tls_port} first")
        self.assertEqual(r.cmd("POST"), "480 Login required for posting (AUTHINFO USER)")
        r.send("CAPABILITIES\r\n")
        self.assertTrue(r.line().startswith("101"))
        caps = r.block()
        self.assertNotIn("POST", caps)
        self.assertNotIn("STARTTLS", caps)


class RealClients(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server(cls)

    @classmethod
    def addCleanup(cls, fn, *a, **k):
        cls.addClassCleanup(fn, *a, **k)

    def test_perl_news_nntpclient(self):
        if subprocess.run(["perl", "-MNews::NNTPClient", "-e", "1"],
                          capture_output=True).returncode != 0:
            self.skipTest("News::NNTPClient is not installed (libnews-nntpclient-perl)")
        script = r'''
use News::NNTPClient;
my $c = News::NNTPClient->new("127.0.0.1", $ARGV[0]);
$c->mode_reader();
my ($first, $last) = $c->group("demo.general");
print "GROUP $first $last\n";
my @art = $c->article($first);
print "HAS-MSGID\n" if grep { /^Message-ID: </ } @art;
my @xo = $c->xover("$first-$last");
print "XOVER ", scalar(@xo), "\n";
print "LIST ", scalar($c->list()), "\n";
$c->quit();
'''
        p = subprocess.run(["perl", "-e", script, str(self.srv.port)], capture_output=True,
                           timeout=30)
        out = p.stdout.decode()
        self.assertRegex(out, r"GROUP 1 \d+")
        self.assertIn("HAS-MSGID", out)
        self.assertRegex(out, r"XOVER [1-9]")

    def test_suck_pulls_whole_groups(self):
        if not shutil.which("suck"):
            self.skipTest("suck is not installed")
        d = os.path.join(self.srv.gate.dir, "suck")
        for sub in ("d", "m", "t"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        with open(os.path.join(d, "d", "sucknewsrc"), "w") as f:
            f.write("demo.general 0\ndemo.news 0\n")
        cmd = ["suck", "127.0.0.1", "-N", str(self.srv.port), "-M", "-dd", "d", "-dm", "m",
               "-dt", "t", "-c"]
        p = subprocess.run(cmd, cwd=d, capture_output=True, timeout=60)
        got = [l for l in p.stdout.split(b"\n") if l.startswith(b"Message-ID: ")]
        db = sqlite3.connect(self.srv.gate.store)
        want = db.execute("SELECT count(*) FROM numbering n JOIN groups g ON g.id = n.group_id "
                          "WHERE n.withdrawn = 0 AND g.name IN ('demo.general', 'demo.news')"
                          ).fetchone()[0]
        db.close()
        self.assertEqual(len(got), want, p.stderr.decode(errors="replace")[-500:])
        # suck remembers where it stopped: a second pull brings nothing new
        p = subprocess.run(cmd, cwd=d, capture_output=True, timeout=60)
        self.assertFalse([l for l in p.stdout.split(b"\n") if l.startswith(b"Message-ID: ")])

    def test_tin_in_tmux(self):
        if not shutil.which("tin") or not shutil.which("tmux"):
            self.skipTest("tin or tmux is not installed")
        home = os.path.join(self.srv.gate.dir, "home")
        os.makedirs(os.path.join(home, ".tin"), exist_ok=True)
        with open(os.path.join(home, ".newsrc"), "w") as f:
            f.write("demo.general:\ndemo.news:\n")
        env = dict(os.environ, HOME=home, NNTPSERVER="127.0.0.1", TERM="xterm",
                   LANG="C.UTF-8", LC_ALL="C.UTF-8")
        sock = os.path.join(self.srv.gate.dir, "tmux.sock")
        tmux = ["tmux", "-S", sock]
        subprocess.run(tmux + ["new-session", "-d", "-x", "120", "-y", "40",
                               f"tin -r -g 127.0.0.1 -p {self.srv.port} -q"],
                       env=env, check=True)
        self.addClassCleanup(subprocess.run, tmux + ["kill-server"], capture_output=True)

        def screen():
            return subprocess.run(tmux + ["capture-pane", "-p"], capture_output=True,
                                  env=env).stdout.decode(errors="replace")

        def wait_for(text, timeout=15):
            deadline = time.time() + timeout
            while time.time() < deadline:
                s = screen()
                if text in s:
                    return s
                time.sleep(0.2)
            self.fail(f"{text!r} not on screen:\n{screen()}")

        def keys(*k):
            subprocess.run(tmux + ["send-keys", *k], env=env, check=True)

        s = wait_for("demo.general")
        self.assertIn("demo.news", s)
        keys("Enter")                      # open demo.general: the thread list
        s = wait_for("Fahrradparken")
        # encoded-words in Subject are decoded by the reader
        self.assertIn("Straßenbahn in Zürich", s)
        keys("Enter")                      # open the first thread's article
        s = wait_for("Next response")
        self.assertTrue("Radstation" in s or "Tageskarte" in s, s)
        keys("q")
        keys("q")
        keys("q")
