"""tin and slrn post a follow-up (issue #11): driven in tmux as a reader
would, with a throw-away editor that adds a line, and the login from
~/.newsauth (tin) or ~/.slrnrc's nnrpaccess (slrn).

- NNTPS (`tin -T -k -A`): login at connect, POST, "Article posted", the
  article queued in the outbox.
- the plain port on loopback with nntp.allow_plaintext_auth (`tin -A` not
  given): tin posts only when CAPABILITIES lists POST; the POST gets 480,
  tin logs in and posts again. (Before, POST was listed only after a login,
  and tin said "Posting not allowed" without trying.)
- the plain port of the demo (no plaintext login): tin now tries, gets
  480 and asks for the login.
- slrn over snews:// (NNTPS), as the README shows.
- tin's r (reply by mail) reaches the gateway through Reply-To."""
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
import unittest

from fgtest import DEMO, FORUMGATE, ROOT
from nntpserver import Server


class Tin:
    """tin in a tmux session (also slrn, with other files and command)."""

    def __init__(self, test, srv, args, port, tinrc="", command=None):
        self.test = test
        home = os.path.join(srv.gate.dir, f"home-{port}")
        os.makedirs(os.path.join(home, ".tin"), exist_ok=True)
        with open(os.path.join(home, ".newsrc"), "w") as f:
            f.write("demo.general:\n")
        # tin's login file: "server password user"
        with open(os.path.join(home, ".newsauth"), "w") as f:
            f.write("127.0.0.1 secret alice\n")
        os.chmod(os.path.join(home, ".newsauth"), 0o600)
        with open(os.path.join(home, ".tin", "tinrc"), "w") as f:
            f.write("mail_address=Alice <alice@example.org>\nmm_network_charset=UTF-8\n" + tinrc)
        # the editor: the file is its last argument; tin compares mtimes in
        # seconds, so it waits one before writing
        editor = os.path.join(home, "editor.sh")
        with open(editor, "w") as f:
            f.write("#!/bin/sh\nfor a; do f=$a; done\nsleep 1\n"
                    "printf 'A follow-up written in tin.\\n' >> \"$f\"\n")
        with open(os.path.join(home, ".slrnrc"), "w") as f:
            f.write(f'nnrpaccess "snews://127.0.0.1:{port}" "alice" "secret"\n'
                    'set hostname "example.org"\nset username "alice"\n'
                    f'set realname "Alice"\nset editor_command "{editor} %s"\n')
        os.chmod(editor, 0o755)
        self.env = dict(os.environ, HOME=home, TERM="xterm", LANG="C.UTF-8", LC_ALL="C.UTF-8",
                        EDITOR=editor, VISUAL=editor)
        self.env.pop("NNTPSERVER", None)
        sock = os.path.join(srv.gate.dir, f"tmux-{port}.sock")
        self.tmux = ["tmux", "-S", sock]
        command = command or f"tin {args} -g 127.0.0.1 -p {port} -q"
        subprocess.run(self.tmux + ["new-session", "-d", "-x", "120", "-y", "40",
                                    f"{command}; sleep 60"],
                       env=self.env, check=True, cwd=ROOT)
        test.addCleanup(subprocess.run, self.tmux + ["kill-server"], capture_output=True)

    def screen(self):
        return subprocess.run(self.tmux + ["capture-pane", "-p"], capture_output=True,
                              env=self.env).stdout.decode(errors="replace")

    def wait_for(self, text, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            s = self.screen()
            if text in s:
                return s
            time.sleep(0.2)
        self.test.fail(f"{text!r} not on screen:\n{self.screen()}")

    def keys(self, *k):
        subprocess.run(self.tmux + ["send-keys", *k], env=self.env, check=True)

    def open_first_article(self):
        self.wait_for("Group Selection")
        self.keys("Enter")
        self.wait_for("Fahrradparken")
        self.keys("Enter")
        self.wait_for("Next response")

    def follow_up(self):
        """Follows up to the first thread's first article and posts."""
        self.open_first_article()
        self.keys("f")
        self.wait_for("p=post")
        self.keys("p")


def queued_followups(store):
    db = sqlite3.connect(store)
    rows = db.execute("SELECT message_id, user, state, article FROM outbox").fetchall()
    db.close()
    return [r for r in rows if b"A follow-up written in tin." in r[3]]


def private_secret(d):
    path = os.path.join(d, "reply-secret")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, os.urandom(32).hex().encode() + b"\n")
    os.close(fd)
    return path


@unittest.skipUnless(shutil.which("tin") and shutil.which("tmux"), "tin or tmux is not installed")
class TinPosts(unittest.TestCase):
    def test_nntps_with_login_at_connect(self):
        srv = Server(self)
        tin = Tin(self, srv, "-r -T -k -A", srv.tls_port)
        tin.follow_up()
        s = tin.wait_for("Article posted")
        rows = queued_followups(srv.gate.store)
        self.assertEqual(len(rows), 1, srv.logtext())
        msgid, user, state, article = rows[0]
        self.assertIn(msgid, s)
        self.assertEqual((user, state), ("alice", "queued"))
        self.assertIn(b"Subject: Re: ", article)
        self.assertIn(b"References: <", article)

    def test_plain_loopback_logs_in_after_480(self):
        srv = Server(self, extra=["nntp.allow_plaintext_auth=true"])
        tin = Tin(self, srv, "-r", srv.port)
        tin.follow_up()
        tin.wait_for("Article posted")
        self.assertEqual(len(queued_followups(srv.gate.store)), 1)
        self.assertIn("authinfo: alice logged in", srv.logtext())

    def test_plain_port_without_plaintext_login_tries(self):
        # tin tries (POST is listed), gets 480, and asks for a login that
        # the server then refuses with 483 (tin shows its own text for it;
        # the 483's wording is checked in test_nntp.Protocol)
        srv = Server(self)
        tin = Tin(self, srv, "-r", srv.port)
        tin.follow_up()
        s = tin.wait_for("enter username")
        self.assertNotIn("Posting not allowed", s)
        self.assertEqual(queued_followups(srv.gate.store), [])

    @unittest.skipUnless(shutil.which("slrn"), "slrn is not installed")
    def test_slrn_posts_over_snews(self):
        srv = Server(self)
        slrn = Tin(self, srv, "", srv.tls_port,
                   command=f"slrn -h snews://127.0.0.1:{srv.tls_port} --create")
        slrn.wait_for("demo.general")
        slrn.keys("Down")
        slrn.keys(" ")
        slrn.wait_for("Group: demo.general")
        slrn.keys(" ")
        slrn.wait_for("Reply-To: demo.general@reply.forumgate.example")
        slrn.keys("f")
        slrn.wait_for("want to followup")
        slrn.keys("y")
        slrn.wait_for("Post the message?")
        slrn.keys("y")
        slrn.wait_for("Posting...done")
        rows = queued_followups(srv.gate.store)
        self.assertEqual(len(rows), 1, srv.logtext())
        self.assertEqual(rows[0][1:3], ("alice", "queued"))

    def test_reply_by_mail_reaches_the_gateway(self):
        # Regression (issue #11): the demo left mail.reply_to unset, so r
        # mailed the poster's synthetic address. With Reply-To set, tin's r
        # mails the group's reply address; its mailer here is the gateway's
        # pipe intake, as the README shows for the demo.
        d = tempfile.mkdtemp(prefix="fg-tin-")
        self.addCleanup(shutil.rmtree, d, True)
        srv = Server(self, extra=[f"mail.secret_file={private_secret(d)}"])
        ov = " ".join(srv.gate.overrides)
        mailer = f'mailer_format={FORUMGATE} -c {DEMO} {ov} ingest --recipient "%T" < %F\n'
        tin = Tin(self, srv, "-r", srv.port, tinrc=mailer)
        tin.open_first_article()
        tin.keys("r")
        tin.wait_for("s=send")
        tin.keys("s")
        deadline = time.time() + 15
        while time.time() < deadline and not queued_followups(srv.gate.store):
            time.sleep(0.2)
        rows = queued_followups(srv.gate.store)
        self.assertEqual(len(rows), 1, tin.screen())
        _, user, state, article = rows[0]
        self.assertEqual((user, state), ("alice", "queued"))
        self.assertIn(b"To: demo.general@reply.forumgate.example", article)


if __name__ == "__main__":
    unittest.main()
