"""SIGHUP: serve reads its configuration again. An invalid file keeps the
configuration in force (and says why); a valid one restarts the roles
whose part of it changed, while nntpd reloads in place: a connected
newsreader stays connected and a new TLS connection sees a new certificate."""
import hashlib
import nntplib
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
import unittest

from fgtest import FORUMGATE, ROOT
from mailserver import free_port, wait_port
from test_security import Site, alive, children, wait_roles


def make_cert(d, name):
    cert, key = os.path.join(d, f"{name}-cert.pem"), os.path.join(d, f"{name}-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", f"/CN={name}", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    os.chmod(key, 0o600)
    return cert, key


def served_cert(port):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        with ctx.wrap_socket(s) as t:
            return hashlib.sha256(t.getpeercert(binary_form=True)).hexdigest()


def der_of(pem):
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(open(pem).read())).hexdigest()


class Reload(unittest.TestCase):
    def setUp(self):
        # a config file of the test's own (Site's -o overrides pin only what
        # the reload must not change: store, spool, ports)
        self.site = Site(self)
        d = self.site.dir
        self.cert1 = make_cert(d, "one")
        self.cert2 = make_cert(d, "two")
        self.tls_port = free_port()
        self.config = os.path.join(d, "fg.yaml")
        # the store is named on the command line: -o is applied again on a reload
        self.args = ["-o", f"gateway.store={self.site.store}", "-o", "nntp.workers=2"]
        self.write(self.cert1, max_per_address=50)

    def write(self, cert, max_per_address=50, lmtp=None, extra=""):
        self.lmtp = lmtp or self.site.lmtp
        with open(self.config, "w") as f:
            f.write(f"""gateway:
  domain: forumgate.example
  allow_root: true
forums:
  - name: demo
    type: spool
    spool:
      path: {self.site.spool}
    group_prefix: demo
nntp:
  listen:
    - address: 127.0.0.1:{self.site.nntp}
    - address: 127.0.0.1:{self.tls_port}
      tls: implicit
  tls:
    cert: {cert[0]}
    key: {cert[1]}
  max_per_address: {max_per_address}
mail:
  lmtp:
    listen: 127.0.0.1:{self.lmtp}
{extra}""")

    def start(self):
        log = open(os.path.join(self.site.dir, "serve.log"), "w+b")
        args = self.args
        p = subprocess.Popen([FORUMGATE, "-c", self.config, *args, "serve"], cwd=ROOT,
                             stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        p.logfile = log
        self.site.procs.append(p)
        self.addCleanup(self.site.stop, p)
        wait_port(self.tls_port, p)
        wait_port(self.site.lmtp, p)
        return p

    def until(self, serve, text, timeout=10):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if text in self.site.log(serve):
                return
            time.sleep(0.05)
        self.fail(f"no {text!r} in the log:\n{self.site.log(serve)}")

    def role_pids(self, serve):
        out = {}
        for pid in children(serve.pid):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    title = f.read().replace(b"\0", b" ").decode().strip()
            except OSError:
                continue
            out[title.replace("forumgate: ", "")] = pid
        return out

    def test_invalid_file_keeps_the_configuration_in_force(self):
        serve = self.start()
        roles = wait_roles(serve.pid)
        with open(self.config, "a") as f:
            f.write("nntp:\n  max_per_address: lots\n")
        os.kill(serve.pid, signal.SIGHUP)
        self.until(serve, "keeping the configuration in force")
        log = self.site.log(serve)
        self.assertIn(f"{self.config}:", log)  # the error names FILE:LINE:COL
        self.assertRegex(log, r"duplicate key|max_per_address")
        time.sleep(0.5)
        self.assertIsNone(serve.poll())
        self.assertTrue(all(alive(r) for r in roles), log)
        self.assertEqual(sorted(children(serve.pid)), sorted(roles))
        with nntplib.NNTP("127.0.0.1", self.site.nntp, timeout=10) as n:
            self.assertTrue(n.date())

    def test_a_changed_user_is_refused(self):
        serve = self.start()
        roles = wait_roles(serve.pid)
        with open(self.config) as f:
            text = f.read().replace("  allow_root: true\n", "  allow_root: true\n  user: nobody\n")
        with open(self.config, "w") as f:
            f.write(text)
        os.kill(serve.pid, signal.SIGHUP)
        self.until(serve, "gateway.user changed")
        time.sleep(0.3)
        self.assertIsNone(serve.poll())
        self.assertEqual(sorted(children(serve.pid)), sorted(roles))

    def test_nntp_client_survives_and_new_tls_sees_the_new_certificate(self):
        serve = self.start()
        wait_roles(serve.pid)
        before = self.role_pids(serve)
        self.assertEqual(served_cert(self.tls_port), der_of(self.cert1[0]))
        client = nntplib.NNTP("127.0.0.1", self.site.nntp, timeout=10)
        self.addCleanup(client.sock.close)
        client.list()
        # a new certificate and key at new paths, a new limit, a new LMTP port
        new_lmtp = free_port()
        self.write(self.cert2, max_per_address=40, lmtp=new_lmtp)
        os.kill(serve.pid, signal.SIGHUP)
        self.until(serve, "reload: done")
        self.until(serve, f"SIGHUP: reloaded {self.cert2[0]}")
        # the newsreader connected before the reload goes on
        resp, groups = client.list()
        self.assertTrue(resp.startswith("215"), resp)
        self.assertTrue(client.date())
        self.assertEqual(served_cert(self.tls_port), der_of(self.cert2[0]))
        after = self.role_pids(serve)
        self.assertEqual(before["nntpd"], after["nntpd"], "nntpd was restarted")
        self.assertEqual(before["sync"], after["sync"], "sync did not need a restart")
        self.assertNotEqual(before["mailin"], after["mailin"], "mailin keeps the old port")
        wait_port(new_lmtp, serve)
        self.assertIn("nntpd reloads in place", self.site.log(serve))
        client.quit()
        # the supervisor frees what the reload made (checked under ASan)
        serve.send_signal(signal.SIGTERM)
        self.assertEqual(serve.wait(30), 0, self.site.log(serve))
        self.assertNotIn("Sanitizer", self.site.log(serve))

    def test_new_listeners_restart_nntpd(self):
        serve = self.start()
        wait_roles(serve.pid)
        before = self.role_pids(serve)
        self.site.nntp = free_port()
        self.write(self.cert1)
        os.kill(serve.pid, signal.SIGHUP)
        self.until(serve, "reload: done")
        wait_port(self.site.nntp, serve)
        after = self.role_pids(serve)
        self.assertNotEqual(before["nntpd"], after["nntpd"])
        self.assertEqual(before["outbox"], after["outbox"])


if __name__ == "__main__":
    unittest.main()
