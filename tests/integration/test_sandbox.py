"""The sandbox of the roles that face the network (issue #15): under `serve`,
nntpd, mailin and httpd run with no_new_privs and a seccomp filter
(/proc/PID/status: NoNewPrivs 1, Seccomp 2) and still do their work (NNTP
GROUP, ARTICLE and POST through nntplib, an LMTP delivery, HTTP requests);
`forumgate sandbox-check` proves the Landlock part (a file outside the
store's folder cannot be created, /bin/true cannot be executed), also as
gateway.user; gateway.sandbox: off leaves the roles unfiltered.

A kernel without Landlock is simulated honestly: the test starts forumgate
under a seccomp filter of its own (libseccomp through ctypes, as systemd or
a container runtime would install one) that answers landlock_create_ruleset
with ENOSYS, exactly what such a kernel answers. `auto` then runs with
seccomp alone and says so; `required` refuses to start the role. A filter
like systemd 252's SystemCallFilter=@system-service, which refuses the
Landlock and seccomp calls with EPERM, leaves `auto` serving too (with the
seccomp part, loaded through prctl; the unit file allows the calls)."""
import ctypes
import ctypes.util
import errno
import nntplib
import os
import pwd
import re
import shutil
import subprocess
import time
import unittest
import urllib.error
import urllib.request

from fgtest import DEMO, FORUMGATE, ROOT
from mailserver import ALICE, GENERAL, GENERAL_POST, LMTP, MailGate, free_port, make_message, \
    msgid, wait_port
from test_security import NOBODY, Site, children

CONFINED = ("nntpd", "mailin", "httpd")


def status(pid):
    """NoNewPrivs and Seccomp of a process, from /proc/PID/status."""
    res = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("NoNewPrivs", "Seccomp"):
                res[k] = int(v)
    return res


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


def roles_by_name(serve_pid, want, timeout=15):
    """{role: pid} of serve's children once every role in want has set its
    name (fg-ROLE) and, for a confined one, its filter."""
    end = time.monotonic() + timeout
    found = {}
    while time.monotonic() < end:
        found = {comm(p)[3:]: p for p in children(serve_pid) if comm(p).startswith("fg-")}
        if all(r in found for r in want):
            return found
        time.sleep(0.05)
    raise AssertionError(f"serve {serve_pid}: roles {found}, wanted {want}")


def wait_filtered(pid, timeout=10):
    """Waits until pid has loaded its seccomp filter (a role binds its port
    a moment before it confines itself)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and status(pid).get("Seccomp") != 2:
        time.sleep(0.05)
    return status(pid)


# ---- an outer seccomp filter, as a kernel without Landlock or systemd ---

_SCMP_ACT_ALLOW = 0x7FFF0000


def _scmp_errno(e):
    return 0x00050000 | e


def outer_filter(rules):
    """A preexec_fn that loads a seccomp filter answering each system call
    named in rules with its errno before forumgate starts."""
    lib = ctypes.CDLL(ctypes.util.find_library("seccomp") or "libseccomp.so.2", use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_rule_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int,
                                     ctypes.c_uint]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]

    def install():
        ctx = lib.seccomp_init(_SCMP_ACT_ALLOW)
        for name, err in rules.items():
            nr = lib.seccomp_syscall_resolve_name(name.encode())
            if lib.seccomp_rule_add(ctx, _scmp_errno(err), nr, 0) != 0:
                os._exit(120)
        if lib.seccomp_load(ctx) != 0:  # sets no_new_privs itself
            os._exit(121)
    return install


NO_LANDLOCK = {"landlock_create_ruleset": errno.ENOSYS}
# systemd 252's @system-service lacks these; SystemCallErrorNumber=EPERM
SYSTEMD_252 = {"landlock_create_ruleset": errno.EPERM, "landlock_add_rule": errno.EPERM,
               "landlock_restrict_self": errno.EPERM, "seccomp": errno.EPERM}


class Roles(unittest.TestCase):
    """serve with the three confined roles, and what they still do."""

    def setUp(self):
        self.g = MailGate(self)
        self.nntp, self.lmtp, self.http = free_port(), free_port(), free_port()
        self.g.overrides += ["-o", f"nntp.listen=127.0.0.1:{self.nntp}",
                             "-o", "nntp.tls.cert=", "-o", "nntp.tls.key=",
                             "-o", "nntp.allow_plaintext_auth=true", "-o", "nntp.workers=2",
                             "-o", f"mail.lmtp.listen=127.0.0.1:{self.lmtp}",
                             "-o", f"http.listen=127.0.0.1:{self.http}"]

    def serve(self, *extra):
        self.log = os.path.join(self.g.dir, f"serve-{time.monotonic_ns()}.log")
        with open(self.log, "wb") as log:
            p = subprocess.Popen([FORUMGATE, "-c", DEMO, *self.g.overrides, *extra, "serve"],
                                 cwd=ROOT, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        self.addCleanup(lambda: (p.terminate(), p.wait(20)))
        for port in (self.nntp, self.lmtp, self.http):
            wait_port(port, p)
        return p

    def logtext(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def test_confined_roles_have_filters_and_work(self):
        serve = self.serve()
        roles = roles_by_name(serve.pid, CONFINED + ("sync", "outbox"))
        for r in CONFINED:
            self.assertEqual(wait_filtered(roles[r]), {"NoNewPrivs": 1, "Seccomp": 2},
                             (r, self.logtext()))
        # the roles that talk to no client stay as they were
        for r in ("sync", "outbox"):
            self.assertEqual(status(roles[r])["Seccomp"], 0, r)
        self.assertEqual(status(serve.pid)["Seccomp"], 0)
        log = self.logtext()
        for r in CONFINED:
            self.assertRegex(log, rf"\[{r}\]: info: sandbox: Landlock ABI \d .*seccomp "
                                  r"deny-list applied")
        # NNTP: GROUP, ARTICLE, then a login and a POST (into the store)
        s = nntplib.NNTP("127.0.0.1", self.nntp, readermode=True, timeout=10)
        try:
            _, count, first, _, _ = s.group("demo.general")
            self.assertGreater(count, 0)
            _, info = s.article(str(first))
            self.assertTrue(any(l.startswith(b"Message-ID: ") for l in info.lines))
            s.login("alice", "x", usenetrc=False)
            mid = msgid()
            art = (f"From: Alice <{ALICE}>\r\nNewsgroups: demo.general\r\n"
                   f"Subject: Re: sandboxed\r\nReferences: {GENERAL_POST}\r\n"
                   f"Message-ID: {mid}\r\n\r\nPosted to a confined nntpd.\r\n").encode()
            self.assertTrue(s.post(art).startswith("240"))
        finally:
            s.quit()
        self.assertEqual(len(self.g.outbox("message_id = ?", mid)), 1)
        # LMTP: a reply by mail, queued once committed
        mid2 = msgid()
        with LMTP(self.lmtp) as c:
            self.assertEqual(c.cmd("LHLO client.example")[0], 250)
            _, _, data = c.transaction(ALICE, [GENERAL], make_message(
                "Delivered to a confined mailin.\n", message_id=mid2, in_reply_to=GENERAL_POST))
            self.assertEqual(data[0][0], 250, data)
        self.assertEqual(len(self.g.outbox("message_id = ?", mid2)), 1)
        # HTTP: the health route, and an unsubscribe link that reads the store
        with urllib.request.urlopen(f"http://127.0.0.1:{self.http}/health", timeout=10) as r:
            self.assertEqual(r.read(), b"ok\n")
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(f"http://127.0.0.1:{self.http}/unsubscribe?"
                                   f"g=demo.general&a={ALICE}&t=forged", timeout=10)
        self.assertLess(e.exception.code, 500)
        # nothing was refused that a role needed, and no role died
        self.assertIsNone(serve.poll())
        after = roles_by_name(serve.pid, CONFINED)
        for r in CONFINED:
            self.assertEqual(after[r], roles[r], f"{r} was restarted:\n{self.logtext()}")
        self.assertNotIn("Permission denied", self.logtext())
        self.assertNotIn("Operation not permitted", self.logtext())

    def test_off_leaves_the_roles_unfiltered(self):
        serve = self.serve("-o", "gateway.sandbox=off")
        roles = roles_by_name(serve.pid, CONFINED)
        wait_port(self.nntp, serve)
        time.sleep(0.3)
        for r in CONFINED:
            self.assertEqual(status(roles[r])["Seccomp"], 0, r)
        self.assertNotIn("sandbox:", self.logtext())
        with urllib.request.urlopen(f"http://127.0.0.1:{self.http}/health", timeout=10) as r:
            self.assertEqual(r.read(), b"ok\n")

    def test_a_restarted_role_is_confined_again(self):
        serve = self.serve()
        nntpd = roles_by_name(serve.pid, ("nntpd",))["nntpd"]
        wait_filtered(nntpd)
        os.kill(nntpd, 9)
        end = time.monotonic() + 15
        new = None
        while time.monotonic() < end and new is None:
            r = roles_by_name(serve.pid, ("nntpd",))["nntpd"]
            new = r if r != nntpd else None
            time.sleep(0.1)
        self.assertIsNotNone(new, self.logtext())
        self.assertEqual(wait_filtered(new), {"NoNewPrivs": 1, "Seccomp": 2})


class SandboxCheck(unittest.TestCase):
    """forumgate sandbox-check: the Landlock part, proved by trying."""

    def check(self, site, *args, preexec=None):
        # the probe folder goes into a TMPDIR of the test's own
        self.tmp = os.path.join(site.dir, "tmp")
        os.makedirs(self.tmp, exist_ok=True)
        os.chmod(self.tmp, 0o1777)
        return subprocess.run(site.cmd(*args), cwd=ROOT, capture_output=True, timeout=60,
                              preexec_fn=preexec, env=dict(os.environ, TMPDIR=self.tmp))

    def test_each_role_holds(self):
        site = Site(self)
        for role in CONFINED:
            p = self.check(site, "sandbox-check", "--role", role)
            out = p.stdout.decode()
            self.assertEqual(p.returncode, 0, out + p.stderr.decode())
            self.assertIn(f"sandbox-check: {role} (gateway.sandbox: auto)", out)
            self.assertRegex(out, r"Landlock: ABI [123]\n")
            self.assertIn("NoNewPrivs:\t1", out)
            self.assertIn("Seccomp:\t2", out)
            self.assertIn("ok: created a file beside the store", out)
            self.assertRegex(out, r"ok: creating \S+/forumgate-sandbox-check\.\w+/probe "
                                  r"refused: Permission denied")
            self.assertIn("ok: executing /bin/true refused", out)
            self.assertIn("ok: a new user namespace refused", out)
            self.assertTrue(out.endswith("the sandbox holds\n"), out)
        # the probe folders outside are gone again
        self.assertEqual(os.listdir(self.tmp), [])

    def test_as_gateway_user(self):
        site = Site(self, owner=NOBODY)
        site.overrides += ["-o", "gateway.user=nobody", "-o", "gateway.allow_root=false"]
        p = self.check(site, "sandbox-check", "--role", "mailin")
        out = p.stdout.decode()
        self.assertEqual(p.returncode, 0, out + p.stderr.decode())
        self.assertIn("ok: created a file beside the store", out)
        self.assertIn("refused: Permission denied", out)

    def test_off_does_not_hold(self):
        site = Site(self)
        p = self.check(site, "-o", "gateway.sandbox=off", "sandbox-check")
        out = p.stdout.decode()
        self.assertEqual(p.returncode, 1, out)
        self.assertIn("FAILED: gateway.sandbox is off", out)
        self.assertIn("the sandbox does NOT hold", out)

    def test_unknown_role_and_value(self):
        site = Site(self)
        p = self.check(site, "sandbox-check", "--role", "sync")
        self.assertEqual(p.returncode, 69)
        self.assertIn(b"no sandbox for role sync", p.stderr)
        p = self.check(site, "-o", "gateway.sandbox=maybe", "sandbox-check")
        self.assertEqual(p.returncode, 78)
        self.assertIn(b'gateway.sandbox: invalid value "maybe" (allowed: auto, off, required)',
                      p.stderr)

    def test_kernel_without_landlock(self):
        site = Site(self)
        p = self.check(site, "sandbox-check", preexec=outer_filter(NO_LANDLOCK))
        out = p.stdout.decode()
        # auto goes on with seccomp alone, and the check says what is missing
        self.assertEqual(p.returncode, 1, out + p.stderr.decode())
        self.assertIn("Landlock: 0", out)
        self.assertIn("not applied: Landlock: not in this kernel", out)
        self.assertIn("Seccomp:\t2", out)
        self.assertIn("ok: executing /bin/true refused", out)
        p = self.check(site, "-o", "gateway.sandbox=required", "sandbox-check",
                       preexec=outer_filter(NO_LANDLOCK))
        self.assertEqual(p.returncode, 69, p.stdout + p.stderr)
        self.assertIn("gateway.sandbox is required but Landlock: not in this kernel",
                      p.stdout.decode())


class Unsupported(unittest.TestCase):
    """Roles on a kernel without Landlock, or under systemd's filter."""

    def start(self, site, *args, preexec):
        log = open(os.path.join(site.dir, f"log-{time.monotonic_ns()}"), "w+b")
        p = subprocess.Popen(site.cmd(*args), cwd=ROOT, stdout=log, stderr=log,
                             stdin=subprocess.DEVNULL, preexec_fn=preexec)
        p.logfile = log
        site.procs.append(p)
        self.addCleanup(site.stop, p)
        return p

    def test_auto_serves_without_landlock(self):
        site = Site(self)
        self.assertEqual(site.run("import", site.spool).returncode, 0)
        p = self.start(site, "nntpd", preexec=outer_filter(NO_LANDLOCK))
        wait_port(site.nntp, p)
        self.assertEqual(wait_filtered(p.pid)["Seccomp"], 2)
        s = nntplib.NNTP("127.0.0.1", site.nntp, readermode=True, timeout=10)
        self.assertEqual(s.group("demo.general")[0][:3], "211")
        s.quit()
        self.assertRegex(Site.log(p), r"sandbox: seccomp deny-list applied; not applied: "
                                      r"Landlock: not in this kernel")

    def test_required_refuses_to_start_without_landlock(self):
        site = Site(self)
        p = subprocess.run(site.cmd("-o", "gateway.sandbox=required", "nntpd"), cwd=ROOT,
                           capture_output=True, timeout=60,
                           preexec_fn=outer_filter(NO_LANDLOCK))
        self.assertEqual(p.returncode, 69, p.stderr)  # EX_UNAVAILABLE: could not start
        self.assertIn(b"nntpd: gateway.sandbox is required but Landlock: not in this kernel; "
                      b"refusing to run", p.stderr)
        # serve stops at once rather than restarting the role forever
        p = subprocess.run(site.cmd("-o", "gateway.sandbox=required", "serve"), cwd=ROOT,
                           capture_output=True, timeout=60,
                           preexec_fn=outer_filter(NO_LANDLOCK))
        self.assertEqual(p.returncode, 69, p.stderr)
        self.assertIn(b"gateway.sandbox is required", p.stderr)

    def test_auto_under_a_systemd_252_filter(self):
        site = Site(self)
        self.assertEqual(site.run("import", site.spool).returncode, 0)
        p = self.start(site, "serve", preexec=outer_filter(SYSTEMD_252))
        wait_port(site.nntp, p)
        wait_port(site.lmtp, p)
        s = nntplib.NNTP("127.0.0.1", site.nntp, readermode=True, timeout=10)
        self.assertEqual(s.group("demo.general")[0][:3], "211")
        s.quit()
        end = time.monotonic() + 10
        while time.monotonic() < end and "[mailin]: info: sandbox:" not in Site.log(p):
            time.sleep(0.05)
        log = Site.log(p)
        # libseccomp falls back from the refused seccomp() to prctl(), which
        # @system-service allows: the deny-list holds, Landlock does not
        for role in ("nntpd", "mailin"):
            self.assertRegex(log, rf"\[{role}\]: info: sandbox: seccomp deny-list applied; "
                                  r"not applied: Landlock: Operation not permitted")
        self.assertIsNone(p.poll())


class Unit(unittest.TestCase):
    def test_the_unit_lets_the_roles_confine_themselves(self):
        with open(os.path.join(ROOT, "contrib", "systemd", "forumgate.service")) as f:
            unit = f.read()
        allowed = " ".join(re.findall(r"^SystemCallFilter=(.*)$", unit, re.M)).split()
        self.assertIn("@system-service", allowed)
        for call in ("landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self",
                     "seccomp"):
            self.assertIn(call, allowed)


if __name__ == "__main__":
    unittest.main()
