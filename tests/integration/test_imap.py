"""IMAP intake (issue #4) end to end: `forumgate imapin` against a private
Dovecot on loopback ports, with a throw-away certificate.

Each test starts its own Dovecot (dovecot -F, everything under a temporary
directory: config, sockets, state, log, one user's Maildir) and its own
forumgate store (MailGate: the demo spool imported, users alice and bob).
Messages are put straight into the user's Maildir new/ as an MDA would, or
APPENDed over IMAP; the results are read back over IMAP with imaplib and
from the SQLite outbox. No forumgate code is imported or mocked.

Skipped only when Dovecot cannot be installed or started (the reason is in
the skip message)."""
import imaplib
import os
import pwd
import re
import shutil
import signal
import sqlite3
import subprocess
import time
import unittest
import uuid

from fgtest import DEMO, FORUMGATE, ROOT
from mailserver import (ALICE, GENERAL, GENERAL_POST, GENERAL_THREAD, MailGate, free_port,
                        make_message, msgid, wait_port)

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
OPENSSL = shutil.which("openssl")
IMAP_USER = "fg"
IMAP_PASS = "s3cret-imap"
MAIL_USER = "nobody"  # Dovecot will not run mail processes as root
FAILED = "forumgate-failed"


def ensure_dovecot():
    """None when Dovecot is usable, else why not."""
    if not os.path.exists(DOVECOT):
        if os.geteuid() != 0:
            return "dovecot is not installed and we are not root (apt-get install dovecot-imapd)"
        p = subprocess.run(["apt-get", "install", "-y", "-q", "dovecot-imapd"],
                           capture_output=True, timeout=600,
                           env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        if p.returncode != 0 or not os.path.exists(DOVECOT):
            return ("dovecot-imapd could not be installed: "
                    + p.stderr.decode(errors="replace")[-300:])
    if OPENSSL is None:
        return "openssl (the command) is not installed"
    if os.geteuid() != 0:
        return "the private Dovecot needs root (it switches to the mail user)"
    try:
        pwd.getpwnam(MAIL_USER)
    except KeyError:
        return f"there is no user {MAIL_USER} for the mail processes"
    return None


def make_cert(dirname, name, cn="127.0.0.1"):
    cert, key = os.path.join(dirname, f"{name}.pem"), os.path.join(dirname, f"{name}.key")
    subprocess.run([OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", f"/CN={cn}",
                    "-addext", f"subjectAltName=IP:{cn}"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


class Dovecot:
    """A Dovecot with one user (IMAP_USER) on three loopback ports: plain
    text (STARTTLS offered), implicit TLS, and a second plain one."""

    def __init__(self, test, base):
        self.dir = os.path.join(base, "dovecot")
        os.makedirs(self.dir)
        nobody = pwd.getpwnam(MAIL_USER)
        # the mail processes run as nobody and must reach their Maildir
        for d in (base, self.dir):
            os.chmod(d, 0o711)
        self.maildir = os.path.join(self.dir, "mail", IMAP_USER)
        for sub in ("", "new", "cur", "tmp"):
            os.makedirs(os.path.join(self.maildir, sub), exist_ok=True)
        for d in (os.path.join(self.dir, "mail"), self.maildir,
                  *(os.path.join(self.maildir, s) for s in ("new", "cur", "tmp"))):
            os.chown(d, nobody.pw_uid, nobody.pw_gid)
        self.cert, key = make_cert(self.dir, "server")
        with open(os.path.join(self.dir, "passwd"), "w") as f:
            f.write(f"{IMAP_USER}:{{PLAIN}}{IMAP_PASS}::::::\n")
        self.port, self.tls_port = free_port(), free_port()
        d = self.dir
        conf = f"""
protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
ssl = yes
ssl_cert = <{self.cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{d}/mail/%u
mail_uid = {nobody.pw_uid}
mail_gid = {nobody.pw_gid}
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = static
  args = uid={nobody.pw_uid} gid={nobody.pw_gid} home={d}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    port = {self.port}
  }}
  inet_listener imaps {{
    port = {self.tls_port}
    ssl = yes
  }}
}}
"""
        self.conf = os.path.join(d, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write(conf)
        self.log = os.path.join(d, "dovecot.log")
        self.out = open(os.path.join(d, "dovecot.out"), "wb")
        self.proc = subprocess.Popen([DOVECOT, "-F", "-c", self.conf], stdout=self.out,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        test.addCleanup(self.stop)
        try:
            wait_port(self.port, self.proc, timeout=15)
            wait_port(self.tls_port, self.proc, timeout=15)
        except AssertionError as e:
            raise unittest.SkipTest(f"Dovecot did not start: {e}: {self.logtext()[-500:]}")

    def logtext(self):
        text = ""
        for name in ("dovecot.out", "dovecot.log"):
            try:
                with open(os.path.join(self.dir, name), errors="replace") as f:
                    text += f.read()
            except OSError:
                pass
        return text

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.out.close()

    def deliver(self, message):
        """Writes a message into new/ as an MDA would (with a Return-Path)."""
        name = f"{time.time():.6f}.{uuid.uuid4().hex}.test"
        tmp = os.path.join(self.maildir, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(message)
        nobody = pwd.getpwnam(MAIL_USER)
        os.chown(tmp, nobody.pw_uid, nobody.pw_gid)
        os.rename(tmp, os.path.join(self.maildir, "new", name))

    def client(self):
        c = imaplib.IMAP4("127.0.0.1", self.port)
        c.login(IMAP_USER, IMAP_PASS)
        return c

    def messages(self, mailbox="INBOX"):
        """[(uid, set of flags, raw bytes)] of a mailbox, [] when it does not exist."""
        c = self.client()
        try:
            typ, _ = c.select(mailbox, readonly=True)
            if typ != "OK":
                return []
            typ, data = c.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[])")
            out = []
            for item in data:
                if not isinstance(item, tuple):
                    continue
                head = item[0].decode()
                uid = int(re.search(r"UID (\d+)", head).group(1))
                flags = set(re.search(r"FLAGS \(([^)]*)\)", head).group(1).split())
                out.append((uid, flags, item[1]))
            return out
        finally:
            c.logout()


def with_return_path(message, sender=ALICE):
    return f"Return-Path: <{sender}>\r\n".encode() + message


class ImapIntake(unittest.TestCase):
    def setUp(self):
        why = ensure_dovecot()
        if why:
            self.skipTest(why)
        self.g = MailGate(self)
        self.dc = Dovecot(self, self.g.dir)
        self.pwfile = os.path.join(self.g.dir, "imap-password")
        with open(self.pwfile, "w") as f:
            f.write(IMAP_PASS + "\n")
        os.chmod(self.pwfile, 0o600)
        self.proc = None

    def imapin(self, tls="implicit", ca=None, poll_interval=1, idle=False, port=None):
        if port is None:
            port = self.dc.tls_port if tls == "implicit" else self.dc.port
        self.log = os.path.join(self.g.dir, "imapin.log")
        cmd = [FORUMGATE, "-c", DEMO, *self.g.overrides,
               "-o", "mail.imap.host=127.0.0.1", "-o", f"mail.imap.port={port}",
               "-o", f"mail.imap.tls={tls}", "-o", f"mail.imap.user={IMAP_USER}",
               "-o", f"mail.imap.password_file={self.pwfile}",
               "-o", f"mail.imap.poll_interval={poll_interval}",
               "-o", f"mail.imap.idle={'true' if idle else 'false'}"]
        if tls != "none":
            cmd += ["-o", f"mail.imap.tls_ca={ca or self.dc.cert}"]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(cmd + ["imapin"], cwd=ROOT, stdout=log, stderr=log,
                                         stdin=subprocess.DEVNULL)
        self.addCleanup(self.stop)
        time.sleep(0.3)
        if self.proc.poll() is not None:
            self.fail(f"forumgate imapin exited {self.proc.returncode}:\n{self.logtext()}\n"
                      "(is imapin_run wired as the `imapin` command in gateway/main.c?)")

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
            self.fail("imapin did not stop within 20 s of SIGTERM")

    def stop_clean(self):
        """Stops imapin and checks it exited 0 without a sanitizer report."""
        self.stop()
        self.assertEqual(self.proc.returncode, 0, self.logtext())
        self.assertNotIn("Sanitizer", self.logtext())

    def logtext(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def wait_for(self, what, cond, timeout=20):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            v = cond()
            if v:
                return v
            if self.proc is not None and self.proc.poll() is not None:
                self.fail(f"imapin exited {self.proc.returncode} while waiting for {what}:\n"
                          f"{self.logtext()}")
            time.sleep(0.1)
        self.fail(f"timed out waiting for {what}\nimapin log:\n{self.logtext()}\n"
                  f"dovecot log:\n{self.dc.logtext()[-2000:]}")

    def flagged(self, kw):
        msgs = self.dc.messages()
        return msgs if msgs and all(kw in f for _, f, _ in msgs) else None

    def check_accepted(self, mid, source="imap"):
        rows = self.wait_for("the outbox row", self.g.outbox)
        self.assertEqual(len(rows), 1)
        r = rows[0]
        self.assertEqual(r["message_id"], mid)
        self.assertEqual(r["state"], "queued")
        self.assertEqual(r["source"], source)
        self.assertEqual(r["user"], "alice")
        self.assertEqual(r["newsgroups"], "demo.general")
        self.assertEqual(r["thread_key"], GENERAL_THREAD)
        self.assertEqual(r["envelope_from"], ALICE)
        (uid, flags, raw), = self.wait_for("$ForumgateDone", lambda: self.flagged("$ForumgateDone"))
        self.assertIn("\\Seen", flags)
        self.assertNotIn("$ForumgateFailed", flags)
        self.assertIn(mid.encode(), raw)

    def test_accepted_reply_over_implicit_tls(self):
        mid = msgid()
        self.dc.deliver(with_return_path(make_message(message_id=mid, in_reply_to=GENERAL_POST)))
        self.imapin("implicit")
        self.check_accepted(mid)
        self.assertEqual(self.dc.messages(FAILED), [])
        self.stop_clean()

    def test_accepted_reply_over_starttls(self):
        mid = msgid()
        self.dc.deliver(with_return_path(make_message(message_id=mid, in_reply_to=GENERAL_POST)))
        self.imapin("starttls")
        self.check_accepted(mid)
        self.stop_clean()

    def test_plain_text_on_loopback(self):
        mid = msgid()
        self.dc.deliver(with_return_path(make_message(message_id=mid, in_reply_to=GENERAL_POST)))
        self.imapin("none")
        self.check_accepted(mid)
        self.stop_clean()

    def test_refused_sender_is_copied_to_the_failed_mailbox(self):
        mid = msgid()
        msg = with_return_path(make_message(frm="mallory@example.com", message_id=mid),
                               "mallory@example.com")
        self.dc.deliver(msg)
        self.imapin("implicit")
        (uid, flags, raw), = self.wait_for("$ForumgateFailed",
                                           lambda: self.flagged("$ForumgateFailed"))
        # the original stays where it was, flagged, not deleted
        self.assertEqual(flags & {"\\Seen", "$ForumgateFailed", "\\Deleted"},
                         {"\\Seen", "$ForumgateFailed"})
        self.assertNotIn("$ForumgateDone", flags)
        self.assertEqual(raw.replace(b"\r\n", b"\n"), msg.replace(b"\r\n", b"\n"))
        (fuid, fflags, fraw), = self.dc.messages(FAILED)
        first, rest = fraw.split(b"\r\n", 1)
        self.assertRegex(first.decode(), r"^X-Forumgate-Failed: .*mallory@example\.com is not the "
                         r"address of a registered user")
        self.assertEqual(rest.replace(b"\r\n", b"\n"), msg.replace(b"\r\n", b"\n"))
        self.assertNotIn("\\Seen", fflags)  # for a person to look at
        self.assertEqual(self.g.outbox(), [])
        self.assertIn(f"copied to {FAILED}", self.logtext())
        # a second poll leaves it alone: still one copy
        time.sleep(2.5)
        self.assertEqual(len(self.dc.messages(FAILED)), 1)
        self.stop_clean()

    def test_unknown_certificate_is_refused(self):
        other, _ = make_cert(self.g.dir, "other")
        self.dc.deliver(with_return_path(make_message(in_reply_to=GENERAL_POST)))
        self.imapin("implicit", ca=other)
        self.wait_for("the certificate error",
                      lambda: "certificate verification failed" in self.logtext())
        self.assertEqual(self.g.outbox(), [])
        (uid, flags, raw), = self.dc.messages()
        self.assertNotIn("$ForumgateDone", flags)
        self.assertNotIn("\\Seen", flags)
        self.stop_clean()

    def test_mixed_batch_and_restart(self):
        """Accepted, refused and an auto-reply in one pass; a restart does
        not take any of them again."""
        ok, bad = msgid(), msgid()
        self.dc.deliver(with_return_path(make_message("One.\n", message_id=ok,
                                                      in_reply_to=GENERAL_POST)))
        self.dc.deliver(with_return_path(make_message(frm="mallory@example.com", message_id=bad),
                                         "mallory@example.com"))
        self.dc.deliver(with_return_path(make_message(
            "I am out of the office.\n", headers=["Auto-Submitted: auto-replied"])))
        self.imapin("implicit")
        msgs = self.wait_for("three flagged messages", lambda: (
            lambda m: m if len(m) == 3 and all(f & {"$ForumgateDone", "$ForumgateFailed"}
                                               for _, f, _ in m) else None)(self.dc.messages()))
        done = [r for _, f, r in msgs if "$ForumgateDone" in f]
        failed = [r for _, f, r in msgs if "$ForumgateFailed" in f]
        self.assertEqual(len(done), 2)
        self.assertEqual(len(failed), 1)
        self.assertIn(bad.encode(), failed[0])
        self.assertEqual([r["message_id"] for r in self.g.outbox()], [ok])
        self.stop_clean()
        self.imapin("implicit")
        time.sleep(2.5)
        self.assertEqual(len(self.g.outbox()), 1)
        self.assertEqual(len(self.dc.messages(FAILED)), 1)
        self.stop_clean()

    def test_store_trouble_leaves_the_message_for_the_next_poll(self):
        self.imapin("implicit", poll_interval=1)
        self.wait_for("the first poll", lambda: "taking replies" in self.logtext())
        time.sleep(1)
        # a writer holding the store: the intake gives up after the 10 s busy timeout
        db = sqlite3.connect(self.g.store, timeout=30, isolation_level=None)
        db.execute("BEGIN EXCLUSIVE")
        try:
            mid = msgid()
            self.dc.deliver(with_return_path(make_message(message_id=mid,
                                                          in_reply_to=GENERAL_POST)))
            self.wait_for("the temporary failure",
                          lambda: "left for the next poll" in self.logtext(), timeout=40)
            (uid, flags, raw), = self.dc.messages()
            self.assertEqual(flags & {"\\Seen", "$ForumgateDone", "$ForumgateFailed"}, set())
        finally:
            db.execute("ROLLBACK")
            db.close()
        self.check_accepted(mid)
        self.assertEqual(self.dc.messages(FAILED), [])
        self.stop_clean()

    def test_idle_takes_a_new_message_at_once(self):
        self.imapin("implicit", poll_interval=600, idle=True)
        time.sleep(1.5)  # the first (empty) poll is done, imapin waits in IDLE
        mid = msgid()
        c = self.dc.client()
        try:
            msg = with_return_path(make_message(message_id=mid, in_reply_to=GENERAL_POST))
            typ, _ = c.append("INBOX", None, None, msg)
            self.assertEqual(typ, "OK")
        finally:
            c.logout()
        start = time.monotonic()
        self.check_accepted(mid)
        self.assertLess(time.monotonic() - start, 10)  # not the 600 s poll interval
        self.stop_clean()


if __name__ == "__main__":
    unittest.main()
