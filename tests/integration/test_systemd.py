"""forumgate under systemd: the notification protocol (Type=notify) spoken
without libsystemd, and the unit file in contrib/systemd.

`serve` runs with NOTIFY_SOCKET pointing at a datagram socket of the test:
READY=1 must come only once the roles listen (the NNTP port accepts at that
moment), STATUS= lines name the roles, a reload is framed by RELOADING=1 and
READY=1, SIGTERM sends STOPPING=1, and the roles never talk to the socket."""
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

from fgtest import FORUMGATE, ROOT
from test_security import Site, wait_roles

UNIT = os.path.join(ROOT, "contrib", "systemd", "forumgate.service")


class Notify:
    """A datagram socket like systemd's notify socket; collects
    (time, sender pid, message) in a thread."""

    def __init__(self, test, abstract=False):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = f"fg-notify-{os.getpid()}-{time.monotonic_ns()}"
            self.sock.bind("\0" + name)
            self.env = "@" + name
        else:
            d = tempfile.mkdtemp(prefix="fg-notify-")
            test.addCleanup(shutil.rmtree, d, True)
            path = os.path.join(d, "notify")
            self.sock.bind(path)
            self.env = path
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.msgs = []
        self.on_ready = None
        self.lock = threading.Lock()
        self.done = False
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()
        test.addCleanup(self.close)

    def loop(self):
        self.sock.settimeout(0.2)
        while not self.done:
            try:
                data, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(12))
            except socket.timeout:
                continue
            except OSError:
                return
            pid = None
            for level, kind, payload in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    pid = int.from_bytes(payload[0:4], "little")
            text = data.decode()
            extra = None
            if "READY=1" in text and self.on_ready:
                extra = self.on_ready()
            with self.lock:
                self.msgs.append((time.monotonic(), pid, text, extra))

    def texts(self):
        with self.lock:
            return [m[2] for m in self.msgs]

    def wait_for(self, pred, timeout=15, after=0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                for i, m in enumerate(self.msgs[after:], after):
                    if pred(m[2]):
                        return i, m
            time.sleep(0.02)
        raise AssertionError(f"no such notification within {timeout}s: {self.texts()}")

    def close(self):
        self.done = True
        self.thread.join(2)
        self.sock.close()


def accepts(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.settimeout(5)
            return s.recv(100).startswith(b"20")
    except OSError:
        return False


class NotifyProtocol(unittest.TestCase):
    def serve(self, site, notify):
        log = open(os.path.join(site.dir, "serve.log"), "w+b")
        env = dict(os.environ, NOTIFY_SOCKET=notify.env)
        p = subprocess.Popen(site.cmd("serve"), cwd=ROOT, stdout=log, stderr=log,
                             stdin=subprocess.DEVNULL, env=env)
        p.logfile = log
        site.procs.append(p)
        self.addCleanup(site.stop, p)
        return p

    def check_cycle(self, abstract):
        site = Site(self)
        notify = Notify(self, abstract=abstract)
        # what the NNTP port does at the moment READY=1 arrives
        notify.on_ready = lambda: accepts(site.nntp)
        serve = self.serve(site, notify)
        i, ready = notify.wait_for(lambda t: "READY=1" in t)
        self.assertTrue(ready[3], "READY=1 came before the NNTP port accepted")
        self.assertEqual(ready[1], serve.pid, "READY=1 must come from the supervisor")
        _, status = notify.wait_for(lambda t: "STATUS=serving: " in t)
        for role in ("sync", "nntpd", "mailin", "outbox"):
            self.assertIn(role, status[2])
        # nothing before READY=1 claimed to be ready, and only serve spoke
        self.assertFalse(any("READY=1" in t for t in notify.texts()[:i]))
        roles = wait_roles(serve.pid)
        self.assertTrue(all(m[1] == serve.pid for m in notify.msgs), notify.msgs)

        n = len(notify.msgs)
        os.kill(serve.pid, signal.SIGHUP)
        j, _ = notify.wait_for(lambda t: "RELOADING=1" in t, after=n)
        self.assertRegex(notify.msgs[j][2], r"MONOTONIC_USEC=\d+")
        notify.wait_for(lambda t: "READY=1" in t, after=j + 1)
        self.assertIsNone(serve.poll())

        n = len(notify.msgs)
        serve.send_signal(signal.SIGTERM)
        notify.wait_for(lambda t: "STOPPING=1" in t, after=n)
        self.assertEqual(serve.wait(20), 0, site.log(serve))
        for pid in roles:
            self.assertFalse(os.path.exists(f"/proc/{pid}") and
                             open(f"/proc/{pid}/stat").read().split()[2] != "Z")

    def test_ready_status_reload_stopping_on_a_path_socket(self):
        self.check_cycle(abstract=False)

    def test_ready_status_reload_stopping_on_an_abstract_socket(self):
        self.check_cycle(abstract=True)

    def test_no_ready_when_a_role_cannot_start(self):
        site = Site(self)
        notify = Notify(self)
        with socket.socket() as held:
            held.bind(("127.0.0.1", site.nntp))
            held.listen()
            serve = self.serve(site, notify)
            self.assertNotEqual(serve.wait(30), 0)
        self.assertFalse(any("READY=1" in t for t in notify.texts()), notify.texts())
        self.assertTrue(any("STOPPING=1" in t for t in notify.texts()), notify.texts())

    def test_watchdog_pings_when_asked(self):
        site = Site(self)
        notify = Notify(self)
        log = open(os.path.join(site.dir, "serve.log"), "w+b")
        env = dict(os.environ, NOTIFY_SOCKET=notify.env, WATCHDOG_USEC="400000")
        serve = subprocess.Popen(site.cmd("serve"), cwd=ROOT, stdout=log, stderr=log,
                                 stdin=subprocess.DEVNULL, env=env)
        serve.logfile = log
        site.procs.append(serve)
        self.addCleanup(site.stop, serve)
        notify.wait_for(lambda t: "READY=1" in t)
        i, _ = notify.wait_for(lambda t: t == "WATCHDOG=1")
        notify.wait_for(lambda t: t == "WATCHDOG=1", after=i + 1, timeout=2)


def low_free_port():
    for port in list(range(119, 120)) + list(range(900, 1000)):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise AssertionError("no free port below 1024")


class UnitPrivileges(unittest.TestCase):
    def test_serve_as_the_units_user_with_only_net_bind_service(self):
        """What the unit sets up (User=, AmbientCapabilities=,
        CapabilityBoundingSet=, NoNewPrivileges=), done with setpriv: serve
        binds a port below 1024 and every role runs as that user."""
        import pwd
        nobody = pwd.getpwnam("nobody")
        site = Site(self, owner=nobody)
        port = low_free_port()
        site.overrides += ["-o", f"nntp.listen=127.0.0.1:{port}", "-o", "gateway.allow_root=false"]
        notify = Notify(self)
        os.chmod(os.path.dirname(notify.env), 0o777)
        os.chmod(notify.env, 0o777)
        cmd = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}",
               "--clear-groups", "--inh-caps=-all,+net_bind_service",
               "--ambient-caps=-all,+net_bind_service", "--bounding-set=-all,+net_bind_service",
               "--no-new-privs", *site.cmd("serve")]
        log = open(os.path.join(site.dir, "serve.log"), "w+b")
        serve = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                 env=dict(os.environ, NOTIFY_SOCKET=notify.env))
        serve.logfile = log
        site.procs.append(serve)
        self.addCleanup(site.stop, serve)
        notify.on_ready = lambda: accepts(port)
        try:
            _, ready = notify.wait_for(lambda t: "READY=1" in t)
        except AssertionError:
            raise AssertionError(site.log(serve))
        self.assertTrue(ready[3], site.log(serve))
        for pid in [serve.pid] + wait_roles(serve.pid):
            with open(f"/proc/{pid}/status") as f:
                uid = re.search(r"^Uid:\s+(\d+)", f.read(), re.M).group(1)
            self.assertEqual(int(uid), nobody.pw_uid)


class UnitFile(unittest.TestCase):
    def test_unit_has_the_directives_the_daemon_relies_on(self):
        with open(UNIT) as f:
            unit = f.read()
        for line in ("Type=notify", "ExecReload=/bin/kill -HUP $MAINPID",
                     "ExecStart=/usr/sbin/forumgate serve -c /etc/forumgate/forumgate.yaml",
                     "ProtectSystem=strict", "ReadWritePaths=/var/lib/forumgate",
                     "PrivateTmp=yes", "NoNewPrivileges=yes",
                     "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX"):
            self.assertIn(line + "\n", unit)
        self.assertRegex(unit, r"CapabilityBoundingSet=.*CAP_NET_BIND_SERVICE")
        self.assertRegex(unit, r"CapabilityBoundingSet=.*CAP_SETUID")

    def test_systemd_analyze_verify(self):
        analyze = shutil.which("systemd-analyze")
        if analyze is None:
            print("\n  systemd-analyze is absent: `systemd-analyze verify` skipped")
            return
        # verify checks that ExecStart exists: point it at the built binary
        d = tempfile.mkdtemp(prefix="fg-unit-")
        self.addCleanup(shutil.rmtree, d, True)
        with open(UNIT) as f:
            unit = f.read().replace("/usr/sbin/forumgate", os.path.abspath(FORUMGATE))
        path = os.path.join(d, "forumgate.service")
        with open(path, "w") as f:
            f.write(unit)
        # Documentation= is checked with man(1): find the pages in doc/
        man = os.path.join(d, "man")
        for sec, page in (("8", "forumgate.8"), ("5", "forumgate.yaml.5")):
            os.makedirs(os.path.join(man, "man" + sec))
            shutil.copy(os.path.join(ROOT, "doc", page), os.path.join(man, "man" + sec))
        env = dict(os.environ, MANPATH=man)
        p = subprocess.run([analyze, "verify", path], capture_output=True, text=True, env=env)
        out = (p.stdout + p.stderr).strip()
        # a container without a running systemd cannot load dependencies
        # (network-online.target etc.); anything about our unit counts
        ours = [l for l in out.splitlines() if "forumgate" in l]
        self.assertEqual(ours, [], out)


if __name__ == "__main__":
    unittest.main()
