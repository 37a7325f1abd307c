"""COMPRESS DEFLATE (RFC 8054) against the real nntpd: a client speaking raw
DEFLATE with Python's zlib (compressobj/decompressobj with wbits=-15, the
way nntplib-style clients would wrap their socket), on a plain connection,
after STARTTLS and on NNTPS; the answers must be exactly those of an
uncompressed session. Also: what may not follow COMPRESS, a broken stream,
a stream that expands to megabytes without a line end, a large pipelined
batch of transfers, and a client that stops reading.

Neither Debian reader negotiates COMPRESS: slrn 1.0.3 has no COMPRESS
support at all, and Debian's tin 2.6.2 is built without zlib (it knows the
capability but does not send the command), so the client here is Python."""
import json
import os
import socket
import ssl
import time
import unittest
import zlib

from fgtest import FORUMGATE
from nntpserver import Raw, Server

# ASan keeps freed memory in quarantine: a sanitized binary's resident size
# says nothing about what the server holds on to
with open(FORUMGATE, "rb") as _f:
    SANITIZED = b"__asan_init" in _f.read()


class ZClient:
    """An NNTP client that turns on COMPRESS DEFLATE and then speaks raw
    DEFLATE both ways."""

    def __init__(self, port, ctx=None, starttls_ctx=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        if ctx:
            self.sock = ctx.wrap_socket(self.sock, server_hostname="localhost")
        self.plain = b""
        self.greeting = self._raw_line()
        if starttls_ctx:
            self.sock.sendall(b"STARTTLS\r\n")
            assert self._raw_line().startswith("382")
            self.sock = starttls_ctx.wrap_socket(self.sock, server_hostname="localhost")
        self.sock.sendall(b"CAPABILITIES\r\n")
        self.caps_before = self._raw_block()
        self.sock.sendall(b"COMPRESS DEFLATE\r\n")
        self.answer = self._raw_line()
        self.c = zlib.compressobj(wbits=-15)
        self.d = zlib.decompressobj(wbits=-15)
        self.wire_in = 0

    # --- before compression: byte by byte, so nothing compressed is read
    def _raw_line(self):
        out = b""
        while not out.endswith(b"\r\n"):
            b = self.sock.recv(1)
            if not b:
                raise EOFError(out)
            out += b
        return out[:-2].decode()

    def _raw_block(self):
        lines = [self._raw_line()]
        while lines[-1] != ".":
            lines.append(self._raw_line())
        return lines

    # --- compressed
    def send(self, text):
        if isinstance(text, str):
            text = text.encode()
        self.sock.sendall(self.c.compress(text) + self.c.flush(zlib.Z_SYNC_FLUSH))

    def line(self):
        while b"\r\n" not in self.plain:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("connection closed")
            self.wire_in += len(data)
            self.plain += self.d.decompress(data)
        l, self.plain = self.plain.split(b"\r\n", 1)
        return l.decode("utf-8", "replace")

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.line()

    def block(self):
        out = []
        while True:
            l = self.line()
            if l == ".":
                return out
            out.append(l)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Compress(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server(cls, extra=["nntp.write_timeout=3"])
        # a thread of random text in demo.news for the stalled reader below
        # (the demo's articles compress 100:1). Imported before any POST:
        # see the note at the end of this file.
        spool = os.path.join(cls.srv.gate.dir, "random-spool")
        os.makedirs(spool, exist_ok=True)
        posts = [{"id": str(900 + i), "position": i + 1, "author": "Rand",
                  "date": "2024-05-01T10:00:00+02:00", "format": "bbcode",
                  "body": " ".join(os.urandom(16).hex() for _ in range(1500))}
                 for i in range(20)]
        with open(os.path.join(spool, "random.json"), "w") as f:
            json.dump({"format": "forumgate-thread/1", "forum": "demo",
                       "board": "The New News",
                       "thread": {"id": "90", "title": "Random"}, "posts": posts}, f)
        cls.srv.gate.run("import", spool)

    @classmethod
    def addCleanup(cls, fn, *a, **k):
        cls.addClassCleanup(fn, *a, **k)

    def z(self, **kw):
        c = ZClient(self.srv.port, **kw)
        self.addClassCleanup(c.close)
        return c

    def reference(self, commands):
        """What an uncompressed session answers to the same commands."""
        r = Raw(self.srv.port)
        self.addClassCleanup(r.close)
        out = []
        for cmd, multi in commands:
            out.append(r.cmd(cmd))
            if multi and out[-1][0] == "2":
                out.append(r.block())
        return out

    def session(self, z, commands):
        out = []
        for cmd, multi in commands:
            out.append(z.cmd(cmd))
            if multi and out[-1][0] == "2":
                out.append([l[1:] if l.startswith("..") else l for l in z.block()])
        return out

    def commands(self):
        r = Raw(self.srv.port)
        g = r.cmd("GROUP demo.general").split()
        r.close()
        first, last = g[2], g[3]
        return [("GROUP demo.general", False), (f"OVER {first}-{last}", True),
                (f"ARTICLE {first}", True), (f"HEAD {last}", True), ("LIST", True),
                ("XHDR Subject " + first + "-", True), ("DATE", False)]

    def check_same(self, z):
        cmds = self.commands()
        got = self.session(z, cmds)
        want = self.reference(cmds)
        got[-1], want[-1] = got[-1][:3], want[-1][:3]  # DATE moves on
        self.assertEqual(got, want)
        self.assertTrue(got[1].startswith("224"))
        self.assertGreater(len(got[2]), 3)
        self.assertTrue(any("Message-ID: <" in l for l in got[4]))

    def test_plain_connection(self):
        z = self.z()
        self.assertIn("COMPRESS DEFLATE", z.caps_before)
        self.assertEqual(z.answer, "206 Compression active")
        self.check_same(z)
        z.send("CAPABILITIES\r\n")
        self.assertTrue(z.line().startswith("101"))
        caps = [l.split()[0] for l in z.block()]
        self.assertNotIn("COMPRESS", caps)
        self.assertNotIn("STARTTLS", caps)
        self.assertIn("POST", caps)
        self.assertEqual(z.cmd("COMPRESS DEFLATE"), "502 Compression already active")
        self.assertEqual(z.cmd("STARTTLS"), "502 STARTTLS not allowed after COMPRESS")
        self.assertTrue(z.cmd("AUTHINFO USER alice").startswith("483"))
        self.assertTrue(z.cmd("QUIT").startswith("205"))

    def test_after_starttls_login_and_post(self):
        z = self.z(starttls_ctx=self.srv.ssl_context())
        self.assertIn("AUTHINFO USER", z.caps_before)  # over TLS now
        self.assertEqual(z.answer, "206 Compression active")
        self.check_same(z)
        z.send("CAPABILITIES\r\n")
        self.assertTrue(z.line().startswith("101"))
        caps = [l.split()[0] for l in z.block()]
        self.assertNotIn("STARTTLS", caps)
        self.assertNotIn("COMPRESS", caps)
        self.assertEqual(z.cmd("AUTHINFO USER alice"), "381 Password required")
        self.assertEqual(z.cmd("AUTHINFO PASS secret"), "281 Authentication accepted")
        first = z.cmd("GROUP demo.general").split()[2]
        z.send(f"OVER {first}\r\n")
        self.assertTrue(z.line().startswith("224"))
        parent = z.block()[0].split("\t")[4]
        self.assertTrue(z.cmd("POST").startswith("340"))
        z.send("From: Alice <alice@example.org>\r\nNewsgroups: demo.general\r\n"
               f"Subject: Re: compressed\r\nReferences: {parent}\r\n"
               "Message-ID: <zpost-1@example.org>\r\n\r\nPosted through DEFLATE.\r\n"
               "..dot-stuffed line\r\n.\r\n")
        self.assertTrue(z.line().startswith("240"))
        import sqlite3
        db = sqlite3.connect(self.srv.gate.store)
        row = db.execute("SELECT user, state, article FROM outbox "
                         "WHERE message_id = '<zpost-1@example.org>'").fetchone()
        db.close()
        self.assertEqual(row[:2], ("alice", "queued"))
        self.assertIn(b"\r\n.dot-stuffed line\r\n", row[2])

    def test_nntps(self):
        z = ZClient(self.srv.tls_port, ctx=self.srv.ssl_context())
        self.addClassCleanup(z.close)
        self.assertNotIn("STARTTLS", z.caps_before)
        self.assertEqual(z.answer, "206 Compression active")
        self.check_same(z)

    def test_unknown_algorithm_and_syntax(self):
        r = Raw(self.srv.port)
        self.addClassCleanup(r.close)
        self.assertEqual(r.cmd("COMPRESS GZIP"), "503 Compression algorithm not supported")
        self.assertTrue(r.cmd("COMPRESS").startswith("501"))
        self.assertTrue(r.cmd("DATE").startswith("111"))  # still uncompressed

    def test_broken_stream_closes_only_that_connection(self):
        z = self.z()
        z.sock.sendall(b"\xff" * 64)
        z.sock.settimeout(5)
        self.assertEqual(z.sock.recv(100), b"")  # closed
        self.assertIn("corrupt DEFLATE data", self.srv.logtext())
        r = Raw(self.srv.port)
        self.addClassCleanup(r.close)
        self.assertTrue(r.cmd("DATE").startswith("111"))

    def test_expanding_stream_without_line_end(self):
        """16 MiB of one byte (a few KiB compressed) without a line end: the
        server inflates no more than it reads ahead, answers 501 once and
        goes on with the next command; its memory does not grow with it."""
        z = self.z()
        z.cmd("DATE")
        rss0 = rss_kb(self.srv.proc.pid)
        for _ in range(16):
            z.send(b"X" * (1 << 20))
        z.send("\r\nDATE\r\n")
        self.assertEqual(z.line(), "501 Command line too long")
        self.assertTrue(z.line().startswith("111"))
        if not SANITIZED:
            self.assertLess(rss_kb(self.srv.proc.pid) - rss0, 8 * 1024)

    def test_pipelined_batch_keeps_order(self):
        """More answers than OUT_HIGH, all asked at once, in order: the
        session stops at the output bound and goes on as the client reads."""
        z = self.z()
        g = z.cmd("GROUP demo.general").split()
        first, last = int(g[2]), int(g[3])
        nums = [first + i % (last - first + 1) for i in range(600)]
        z.send("".join(f"ARTICLE {n}\r\nSTAT {n}\r\n" for n in nums) + "DATE\r\n")
        for n in nums:
            a = z.line()
            self.assertTrue(a.startswith(f"220 {n} "), a)
            z.block()
            self.assertTrue(z.line().startswith(f"223 {n} "))
        self.assertTrue(z.line().startswith("111"))

    def test_client_that_stops_reading_is_dropped(self):
        """Backpressure and write_timeout through the compressor: a client
        that asks for articles without reading is closed after write_timeout
        and logged, with the compressed output it left waiting counted. The
        articles are random text (the demo's compress 100:1 and would need
        gigabytes of replies to fill the loopback buffers)."""
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(10)
        s.connect(("127.0.0.1", self.srv.port))
        self.addClassCleanup(s.close)
        f = b""
        while not f.endswith(b"\r\n"):
            f += s.recv(1)
        s.sendall(b"COMPRESS DEFLATE\r\n")
        f = b""
        while not f.endswith(b"\r\n"):
            f += s.recv(1)
        self.assertTrue(f.startswith(b"206"))
        c = zlib.compressobj(wbits=-15)
        ids = "".join(f"ARTICLE <p{900 + i}.t90.demo@forumgate.example>\r\n" for i in range(20))
        s.sendall(c.compress((ids * 20).encode()) + c.flush(zlib.Z_SYNC_FLUSH))
        deadline = time.time() + 20
        while time.time() < deadline and "took none of its output" not in self.srv.logtext():
            time.sleep(0.2)
        self.assertTrue("took none of its output" in self.srv.logtext(),
                        self.srv.logtext()[-1000:])
        r = Raw(self.srv.port)
        self.addClassCleanup(r.close)
        self.assertTrue(r.cmd("DATE").startswith("111"))


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


if __name__ == "__main__":
    unittest.main()

