"""Helpers for the mail intake tests (test_mail.py) and scripts/bench_lmtp.py:
a forumgate with a private store and spool set up for replies (MailGate), the
`forumgate mailin` LMTP server on a free loopback port (Mailin), a raw LMTP
client that reads replies exactly as sent (LMTP), a tiny SMTP sink for the
notices the outbox sends (SMTPSink), and message builders.

Design: everything talks to the real binary over real sockets on 127.0.0.1;
no forumgate code is imported or mocked. Replies are read line by line so a
test sees the order and the exact text of every reply (PIPELINING, per-
recipient replies after DATA)."""
import os
import shutil
import socket
import sqlite3
import subprocess
import threading
import time
import uuid

from fgtest import DEMO, FORUMGATE, ROOT, Gate

REPLY_DOMAIN = "reply.forumgate.example"
GENERAL = f"demo.general@{REPLY_DOMAIN}"
ANNOUNCE = f"demo.announce@{REPLY_DOMAIN}"
ALICE = "alice@example.org"
BOB = "bob@example.net"
# demo articles (config/demo-spool): a thread in demo.general and one in the
# read-only demo.announce
GENERAL_POST = "<p141.t14.demo@forumgate.example>"
GENERAL_THREAD = "14"
ANNOUNCE_POST = "<p131.t13.demo@forumgate.example>"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc=None, timeout=10.0):
    """Waits until something accepts on 127.0.0.1:port."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"process exited {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def msgid():
    return f"<{uuid.uuid4().hex}@mail.example.org>"


def make_message(body="Thanks, that is what I needed.\n", frm=ALICE, to=GENERAL,
                 subject="Re: Fahrradparken am Hauptbahnhof", message_id=None,
                 in_reply_to=None, headers=()):
    """An RFC 5322 message with CRLF line ends, as bytes."""
    h = [f"From: Alice Example <{frm}>", f"To: {to}", f"Subject: {subject}",
         "Date: Thu, 07 Nov 2024 10:00:00 +0100",
         f"Message-ID: {message_id or msgid()}", "MIME-Version: 1.0",
         "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"]
    if in_reply_to:
        h += [f"In-Reply-To: {in_reply_to}", f"References: {in_reply_to}"]
    h += list(headers)
    text = "\r\n".join(h) + "\r\n\r\n" + body.replace("\r\n", "\n").replace("\n", "\r\n")
    return text.encode("utf-8")


# What a person writes above a quote, with an attribution and a signature;
# mail_trim keeps only REPLY_TEXT.
REPLY_TEXT = "I park at the east entrance, there is always space there."
QUOTED_REPLY = (REPLY_TEXT + "\n\n"
                "On Thu, 7 Nov 2024 at 09:12, Bob <bob@example.net> wrote:\n"
                "> Where do you park your bike at the station?\n"
                "> The racks are always full.\n\n"
                "-- \nAlice Example\nhttps://alice.example.org/\n")


def bounce_message(failed="gone@example.net"):
    """A DSN (RFC 3464) for a notice that could not be delivered."""
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\n"
        f"To: {GENERAL}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Date: Thu, 07 Nov 2024 10:00:00 +0100\r\n"
        f"Message-ID: {msgid()}\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=delivery-status;\r\n"
        "\tboundary=\"BOUNDARY\"\r\n\r\n"
        "--BOUNDARY\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
        f"Your message could not be delivered to <{failed}>: user unknown.\r\n\r\n"
        "--BOUNDARY\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.net\r\n\r\n"
        f"Final-Recipient: rfc822; {failed}\r\n"
        "Action: failed\r\n"
        "Status: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n"
        "--BOUNDARY--\r\n").encode()


class MailGate(Gate):
    """A Gate with a private copy of the demo spool imported, users alice
    (alice@example.org) and bob (bob@example.net), and a reply-key secret."""

    def __init__(self, test, users=True):
        super().__init__(test)
        self.spool = os.path.join(self.dir, "spool")
        shutil.copytree(os.path.join(ROOT, "config", "demo-spool"), self.spool)
        self.secret = os.path.join(self.dir, "reply-secret")
        fd = os.open(self.secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, (os.urandom(32).hex() + "\n").encode())
        os.close(fd)
        self.overrides += ["-o", f"forums.demo.spool.path={self.spool}",
                           "-o", f"mail.secret_file={self.secret}"]
        self.test = test
        self.run("import", self.spool)
        if users:
            self.run("user", "add", "alice", "--password", "x", "--address", ALICE)
            self.run("user", "add", "bob", "--password", "y", "--address", BOB)

    def outbox(self, where="1", *args):
        db = sqlite3.connect(self.store, timeout=30)
        db.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in db.execute(f"SELECT * FROM outbox WHERE {where} ORDER BY id",
                                                args)]
        finally:
            db.close()

    def query(self, sql, *args):
        db = sqlite3.connect(self.store, timeout=30)
        try:
            return db.execute(sql, args).fetchall()
        finally:
            db.close()

    def mailin(self, *extra):
        m = Mailin(self, *extra)
        self.test.addCleanup(m.stop)
        return m


class Mailin:
    """`forumgate mailin` on a free loopback port."""

    def __init__(self, gate, *extra, port=None):
        self.gate = gate
        self.extra = list(extra)
        self.port = port or free_port()
        self.log = os.path.join(gate.dir, f"mailin-{self.port}.log")
        self.proc = None
        self.start()

    def start(self):
        cmd = [FORUMGATE, "-c", DEMO, *self.gate.overrides,
               "-o", f"mail.lmtp.listen=127.0.0.1:{self.port}", *self.extra, "mailin"]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=log,
                                         stdin=subprocess.DEVNULL)
        wait_port(self.port, self.proc)

    def kill9(self):
        self.proc.kill()
        self.proc.wait(10)

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def logtext(self):
        with open(self.log, errors="replace") as f:
            return f.read()


class LMTPError(Exception):
    pass


class LMTP:
    """A plain LMTP client: each reply is (code, [text lines])."""

    def __init__(self, port, timeout=30):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.rf = self.sock.makefile("rb")
        self.greeting = self.reply()

    def close(self):
        try:
            self.rf.close()
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def reply(self):
        lines = []
        while True:
            line = self.rf.readline()
            if not line:
                raise LMTPError(f"connection closed after {lines}")
            if not line.endswith(b"\r\n"):
                raise LMTPError(f"reply line without CRLF: {line!r}")
            text = line[:-2].decode("utf-8", "replace")
            lines.append(text[4:])
            if len(text) < 4 or text[3] == " ":
                return int(text[:3]), lines

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.reply()

    def transaction(self, sender, rcpts, message):
        """MAIL, RCPT..., DATA: returns (mail reply, [rcpt replies], [data replies])."""
        mail = self.cmd(f"MAIL FROM:<{sender}>")
        rr = [self.cmd(f"RCPT TO:<{r}>") for r in rcpts]
        ok = sum(1 for c, _ in rr if c == 250)
        if mail[0] != 250 or ok == 0:
            self.cmd("RSET")
            return mail, rr, []
        c, t = self.cmd("DATA")
        if c != 354:
            raise LMTPError(f"DATA answered {c} {t}")
        self.send(dot_stuff(message) + b".\r\n")
        return mail, rr, [self.reply() for _ in range(ok)]


def dot_stuff(message):
    if not message.endswith(b"\r\n"):
        message += b"\r\n"
    lines = message.split(b"\r\n")
    return b"\r\n".join(b"." + l if l.startswith(b".") else l for l in lines)


class SMTPSink:
    """A minimal SMTP server on loopback that keeps every message it gets as
    (envelope sender, [recipients], data bytes). No extensions but 8BITMIME."""

    def __init__(self, test):
        self.messages = []
        self.cond = threading.Condition()
        self.srv = socket.socket()
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(8)
        self.port = self.srv.getsockname()[1]
        self.done = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        test.addCleanup(self.close)

    def close(self):
        self.done = True
        self.srv.close()

    def wait(self, n=1, timeout=10):
        with self.cond:
            self.cond.wait_for(lambda: len(self.messages) >= n, timeout)
            return list(self.messages)

    def _serve(self):
        while not self.done:
            try:
                conn, _ = self.srv.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn):
        conn.settimeout(30)
        f = conn.makefile("rb")

        def say(s):
            conn.sendall(s.encode() + b"\r\n")

        try:
            say("220 sink.example ESMTP test sink")
            sender, rcpts = None, []
            while True:
                line = f.readline()
                if not line:
                    return
                cmd = line.decode("utf-8", "replace").rstrip("\r\n")
                verb = cmd[:4].upper()
                if verb == "EHLO":
                    say("250-sink.example\r\n250 8BITMIME")
                elif verb == "HELO":
                    say("250 sink.example")
                elif verb == "MAIL":
                    a = cmd[cmd.index(":") + 1:].strip()
                    sender, rcpts = a[a.index("<") + 1:a.index(">")], []
                    say("250 2.1.0 ok")
                elif verb == "RCPT":
                    a = cmd[cmd.index(":") + 1:].strip()
                    rcpts.append(a[a.index("<") + 1:a.index(">")])
                    say("250 2.1.5 ok")
                elif verb == "DATA":
                    say("354 go ahead")
                    data = []
                    while True:
                        l = f.readline()
                        if not l or l == b".\r\n":
                            break
                        data.append(l[1:] if l.startswith(b"..") else l)
                    with self.cond:
                        self.messages.append((sender, rcpts, b"".join(data)))
                        self.cond.notify_all()
                    say("250 2.0.0 queued")
                elif verb == "QUIT":
                    say("221 2.0.0 bye")
                    return
                else:
                    say("250 2.0.0 ok" if verb in ("RSET", "NOOP") else "502 5.5.1 no")
        except OSError:
            pass
        finally:
            conn.close()
