"""Where forumgate's log lines go and what they never hold.

serve runs with every secret the configuration can name holding a marker
string: the users' password, the Discourse API key, the webhook secret,
the reply-address secret and the IMAP password. The test then logs in over
NNTP with a wrong and the right password, delivers an LMTP reply to a reply
address, sends a webhook with a good and a bad signature, lets the sync role
fetch from Discourse with its key, and greps everything logged (stderr, and
the syslog socket in syslog mode) for the markers. The three outputs are
covered: stderr on request, the journal when $JOURNAL_STREAM names stderr,
syslog otherwise (facility news or mail by role)."""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import uuid

from discourse_fixture import DiscourseFixture, send_webhook
from fgtest import FORUMGATE, ROOT
from mailserver import (ALICE, GENERAL, GENERAL_POST, LMTP, REPLY_DOMAIN, free_port,
                        make_message, wait_port)


def marker(what):
    return f"MARK{what}{uuid.uuid4().hex[:12]}"


class SyslogCapture:
    """A datagram socket standing in for /dev/log. When /dev/log exists the
    daemon runs in a mount namespace with this socket bound over it."""

    def __init__(self, test, d):
        self.path = os.path.join(d, "log")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.2)
        self.lines = []
        self.done = False
        self.own_devlog = not os.path.exists("/dev/log")
        if self.own_devlog:
            os.symlink(self.path, "/dev/log")
            test.addCleanup(self.unlink)
        self.t = threading.Thread(target=self.loop, daemon=True)
        self.t.start()
        test.addCleanup(self.close)

    def unlink(self):
        try:
            os.unlink("/dev/log")
        except OSError:
            pass

    def wrap(self, cmd):
        if self.own_devlog:
            return cmd
        return ["unshare", "-m", "sh", "-c", 'mount --bind "$0" /dev/log && exec "$@"',
                self.path, *cmd]

    def loop(self):
        while not self.done:
            try:
                self.lines.append(self.sock.recv(65536))
            except socket.timeout:
                continue
            except OSError:
                return

    def close(self):
        self.done = True
        self.t.join(2)
        self.sock.close()


class Secrets(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="fg-log-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.marks = {k: marker(k) for k in ("PW", "WRONG", "API", "HOOK", "REPLY", "IMAP")}
        files = {}
        for k in ("PW", "API", "HOOK", "REPLY", "IMAP"):
            files[k] = os.path.join(self.dir, k.lower())
            with open(files[k], "w") as f:
                f.write(self.marks[k] + "\n")
            os.chmod(files[k], 0o600)
        self.fx = DiscourseFixture(api_key=self.marks["API"], corpus=False)
        self.fx.start()
        self.addCleanup(self.fx.stop)
        cat = self.fx.add_category("General Talk")
        self.fx.add_topic(cat, "A topic to fetch", "<p>Root post of the topic.</p>")
        self.nntp, self.lmtp, self.http = free_port(), free_port(), free_port()
        closed = free_port()  # the IMAP server nobody runs
        self.store = os.path.join(self.dir, "store.db")
        # a copy: the outbox writes the replies into the spool
        self.spool = os.path.join(self.dir, "spool")
        shutil.copytree(os.path.join(ROOT, "config", "demo-spool"), self.spool)
        self.config = os.path.join(self.dir, "fg.yaml")
        with open(self.config, "w") as f:
            f.write(f"""gateway:
  domain: forumgate.example
  store: {self.store}
  allow_root: true
  log_level: debug
forums:
  - name: demo
    type: spool
    spool:
      path: {self.spool}
    timezone: Europe/Berlin
    group_prefix: demo
    boards:
      - board: General Discussion
        group: demo.general
  - name: disc
    type: discourse
    url: {self.fx.url}
    group_prefix: disc
    discourse:
      api_key_file: {files['API']}
      api_username: system
      webhook_secret_file: {files['HOOK']}
nntp:
  listen: 127.0.0.1:{self.nntp}
  allow_plaintext_auth: true
mail:
  lmtp:
    listen: 127.0.0.1:{self.lmtp}
  reply_domain: {REPLY_DOMAIN}
  secret_file: {files['REPLY']}
  imap:
    host: 127.0.0.1
    port: {closed}
    tls: none
    user: gateway
    password_file: {files['IMAP']}
http:
  listen: 127.0.0.1:{self.http}
""")
        self.pwfile = files["PW"]
        self.outputs = []

    def fg(self, *args, **kw):
        p = subprocess.run([FORUMGATE, "-c", self.config, *args], cwd=ROOT, capture_output=True,
                           timeout=120, **kw)
        self.outputs += [p.stdout, p.stderr]
        self.assertEqual(p.returncode, 0, p.stderr)
        return p

    def nntp_login(self, password):
        with socket.create_connection(("127.0.0.1", self.nntp), timeout=10) as s:
            f = s.makefile("rwb")
            f.readline()
            f.write(b"AUTHINFO USER alice\r\n")
            f.flush()
            f.readline()
            f.write(f"AUTHINFO PASS {password}\r\n".encode())
            f.flush()
            return f.readline()

    def scenario(self, mode):
        env = dict(os.environ)
        for k in ("FORUMGATE_LOG", "JOURNAL_STREAM"):
            env.pop(k, None)
        log_path = os.path.join(self.dir, "serve.log")
        log = open(log_path, "w+b")
        self.addCleanup(log.close)
        syslog = None
        if mode == "stderr":
            env["FORUMGATE_LOG"] = "stderr"
        elif mode == "journal":
            st = os.fstat(log.fileno())
            env["JOURNAL_STREAM"] = f"{st.st_dev}:{st.st_ino}"
        else:
            syslog = SyslogCapture(self, self.dir)
        self.fg("import", self.spool, "--forum", "demo")
        self.fg("user", "add", "alice", "--address", ALICE, "--password-file", self.pwfile)
        addr = self.fg("replykey", "--user", "alice", "--post", GENERAL_POST).stdout.decode().strip()
        self.fg("check-config")
        cmd = [FORUMGATE, "-c", self.config, "serve"]
        if syslog:
            cmd = syslog.wrap(cmd)
        serve = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                 env=env)
        self.addCleanup(lambda: serve.poll() is None and serve.kill())
        wait_port(self.nntp, serve)
        wait_port(self.lmtp, serve)
        wait_port(self.http, serve)

        self.assertTrue(self.nntp_login(self.marks["WRONG"]).startswith(b"481"))
        self.assertTrue(self.nntp_login(self.marks["PW"]).startswith(b"281"))
        with LMTP(self.lmtp) as c:
            c.cmd("LHLO test")
            _, _, data = c.transaction(ALICE, [addr], make_message(to=addr))
            self.assertEqual(data[0][0], 250, data)
            _, _, data = c.transaction(ALICE, [GENERAL], make_message())
        url = f"http://127.0.0.1:{self.http}/webhooks/discourse/disc"
        send_webhook(url, self.marks["HOOK"], "post_created", {"post": {"id": 1}}, event_id=7)
        send_webhook(url, self.marks["HOOK"], "post_created", {"post": {"id": 2}}, event_id=8,
                     signature="sha256=" + "0" * 64)
        end = time.monotonic() + 15
        while time.monotonic() < end and not any(
                r["headers"].get("Api-Key") == self.marks["API"] for r in self.fx.requests):
            time.sleep(0.1)
        self.assertTrue(any(r["headers"].get("Api-Key") == self.marks["API"]
                            for r in self.fx.requests), "sync never used the API key")
        time.sleep(2)  # the outbox and imapin have their turn
        serve.send_signal(signal.SIGTERM)
        serve.wait(30)
        time.sleep(0.3)
        log.seek(0)
        out = log.read()
        everything = b"\n".join([out] + self.outputs + (syslog.lines if syslog else []))
        for k, m in self.marks.items():
            self.assertNotIn(m.encode(), everything, f"the {k} marker was logged")
        if os.environ.get("FG_SHOW_LOG"):
            print(out.decode(errors="replace"))
        return out, syslog

    def test_stderr_on_request(self):
        out, _ = self.scenario("stderr")
        self.assertIn(b"forumgate[nntpd]: ", out)
        self.assertRegex(out, rb"forumgate\[nntpd\]: \w+: .*alice")  # the failed login
        self.assertIn(b"forumgate[supervisor]: info: ", out)

    def test_journal_when_journal_stream_names_stderr(self):
        out, _ = self.scenario("journal")
        lines = [l for l in out.splitlines() if l]
        self.assertRegex(out, rb"(?m)^<6>supervisor: ")
        self.assertRegex(out, rb"(?m)^<[0-7]>nntpd: .*alice")
        self.assertRegex(out, rb"(?m)^<[0-7]>mailin: ")
        self.assertNotIn(b"forumgate[", out)
        # every line forumgate's log writes carries a priority
        logged = [l for l in lines if re.match(rb"^<\d>", l)]
        self.assertGreater(len(logged), 5)

    def test_syslog_otherwise_with_facility_by_role(self):
        out, syslog = self.scenario("syslog")
        self.assertNotIn(b"forumgate[nntpd]", out)
        got = b"\n".join(syslog.lines)
        # <PRI> = facility * 8 + severity: news is 7, mail is 2
        news = [l for l in syslog.lines if re.match(rb"^<(\d+)>", l) and
                int(re.match(rb"^<(\d+)>", l).group(1)) // 8 == 7]
        mail = [l for l in syslog.lines if re.match(rb"^<(\d+)>", l) and
                int(re.match(rb"^<(\d+)>", l).group(1)) // 8 == 2]
        self.assertTrue(any(b"forumgate[" in l and b"nntpd: " in l for l in news), got)
        self.assertTrue(any(b"mailin: " in l for l in mail), got)
        self.assertFalse(any(b"nntpd: " in l for l in mail), got)


if __name__ == "__main__":
    unittest.main()
