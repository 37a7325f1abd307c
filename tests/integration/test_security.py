"""Who forumgate runs as and what it lets others see or take: roles that die
with their supervisor, one gateway per store, listeners that refuse an
address someone else listens on, the drop from root to gateway.user,
private store files and TLS key, passwords kept off the command line,
escaped log lines, and the message for a store that cannot be read.

The tests run the real binary as root (as `make run` on a fresh machine
does) and use the system's `nobody` user as the unprivileged one."""
import os
import pwd
import shutil
import signal
import socket
import ssl
import stat
import subprocess
import tempfile
import time
import unittest

from fgtest import DEMO, FORUMGATE, ROOT
from mailserver import free_port, wait_port

NOBODY = pwd.getpwnam("nobody")


def children(pid):
    """The pids whose parent is pid, from /proc/*/stat."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                st = f.read()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after ")"
        if int(st[st.rindex(")") + 2:].split()[1]) == pid:
            out.append(int(d))
    return out


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            st = f.read()
    except OSError:
        return False
    return st[st.rindex(")") + 2] != "Z"


def ids(pid):
    """(uids, gids, groups) of a process, from /proc/PID/status."""
    res = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("Uid", "Gid", "Groups"):
                res[k] = [int(x) for x in v.split()]
    return res["Uid"], res["Gid"], res["Groups"]


def listening_ports(pid):
    """The TCP ports pid listens on (its sockets in /proc/net/tcp, state 0A)."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    except OSError:
        return set()
    ports = set()
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            parts = line.split()
            if parts[3] == "0A" and parts[9] in inodes:
                ports.add(int(parts[1].split(":")[1], 16))
    return ports


def wait_uid(pids, uid, timeout=10):
    """Waits until every pid runs as uid (a role drops right after it has
    bound its listeners, so a port can accept a moment before)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and any(ids(p)[0][0] != uid for p in pids):
        time.sleep(0.05)


def wait_locked(path, timeout=10):
    """Waits until an open file description lock is held on path."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            ino = os.stat(path).st_ino
            with open("/proc/locks") as f:
                if any(l.split()[1] == "OFDLCK" and int(l.split()[5].split(":")[2]) == ino
                       for l in f if len(l.split()) > 5):
                    return
        except (OSError, ValueError, IndexError):
            pass
        time.sleep(0.05)
    raise AssertionError(f"no lock on {path} after {timeout}s")


def port_free(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


class Site:
    """A private folder with a copy of the demo spool, a store path and
    free ports; everything owned by `owner` (a pwd entry) when given."""

    def __init__(self, test, owner=None, tls=False, store=True):
        self.test = test
        self.dir = tempfile.mkdtemp(prefix="fg-sec-")
        test.addCleanup(shutil.rmtree, self.dir, True)
        self.spool = os.path.join(self.dir, "spool")
        shutil.copytree(os.path.join(ROOT, "config", "demo-spool"), self.spool)
        self.store = os.path.join(self.dir, "db", "store.db")
        self.nntp = free_port()
        self.lmtp = free_port()
        self.procs = []
        self.overrides = ["-o", f"gateway.store={self.store}",
                          "-o", f"forums.demo.spool.path={self.spool}",
                          "-o", f"nntp.listen=127.0.0.1:{self.nntp}",
                          "-o", f"mail.lmtp.listen=127.0.0.1:{self.lmtp}",
                          "-o", "nntp.tls.cert=", "-o", "nntp.tls.key=",
                          "-o", "mail.secret_file=", "-o", "nntp.workers=2"]
        if tls:
            self.cert = os.path.join(self.dir, "cert.pem")
            self.key = os.path.join(self.dir, "key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-days", "2", "-subj", "/CN=localhost",
                            "-keyout", self.key, "-out", self.cert],
                           check=True, capture_output=True)
            self.tls_port = free_port()
            self.overrides += ["-o", f"nntp.listen=127.0.0.1:{self.nntp}/starttls,"
                                     f"127.0.0.1:{self.tls_port}/implicit",
                               "-o", f"nntp.tls.cert={self.cert}",
                               "-o", f"nntp.tls.key={self.key}"]
        if store:  # an empty one: roles run alone do not create a store
            empty = os.path.join(self.dir, "empty-spool")
            os.mkdir(empty)
            p = self.run("import", empty)
            assert p.returncode == 0, p.stderr
        if owner:
            for root, dirs, files in os.walk(self.dir):
                for n in [root] + [os.path.join(root, x) for x in dirs + files]:
                    os.chown(n, owner.pw_uid, owner.pw_gid)
            os.chmod(self.dir, 0o755)

    def cmd(self, *args):
        return [FORUMGATE, "-c", DEMO, *self.overrides, *args]

    def run(self, *args, input=None, **kw):
        return subprocess.run(self.cmd(*args), cwd=ROOT, capture_output=True, input=input,
                              timeout=60, **kw)

    def start(self, *args, wait=None):
        """Starts a long-running command with its output in a log file."""
        log = open(os.path.join(self.dir, f"log-{len(self.procs)}"), "w+b")
        p = subprocess.Popen(self.cmd(*args), cwd=ROOT, stdout=log, stderr=log,
                             stdin=subprocess.DEVNULL)
        p.logfile = log
        self.procs.append(p)
        self.test.addCleanup(self.stop, p)
        if wait:
            wait_port(wait, p)
        return p

    def stop(self, p):
        for pid in [p.pid] + children(p.pid):
            try:
                os.kill(pid, signal.SIGKILL if pid != p.pid else signal.SIGTERM)
            except OSError:
                pass
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        p.logfile.close()

    @staticmethod
    def log(p):
        p.logfile.flush()
        p.logfile.seek(0)
        return p.logfile.read().decode(errors="replace")


def wait_roles(pid, n=4, timeout=10):  # imapin runs only with mail.imap
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        kids = children(pid)
        if len(kids) >= n:
            return kids
        time.sleep(0.05)
    raise AssertionError(f"serve {pid} has {children(pid)} after {timeout}s, wanted {n} roles")


class Supervisor(unittest.TestCase):
    def test_roles_die_with_a_killed_supervisor(self):
        site = Site(self)
        serve = site.start("serve", wait=site.nntp)
        wait_port(site.lmtp, serve)
        roles = wait_roles(serve.pid)
        os.kill(serve.pid, signal.SIGKILL)
        serve.wait(10)
        end = time.monotonic() + 5
        while time.monotonic() < end and any(alive(r) for r in roles):
            time.sleep(0.05)
        self.assertEqual([r for r in roles if alive(r)], [],
                         "roles outlived their supervisor:\n" + site.log(serve))
        # the lock went with them: a new serve takes the store and the ports
        again = site.start("serve", wait=site.nntp)
        wait_port(site.lmtp, again)
        self.assertIsNone(again.poll())

    def test_second_serve_on_a_store_is_refused_before_binding(self):
        site = Site(self)
        serve = site.start("serve", wait=site.nntp)
        wait_roles(serve.pid)
        other_nntp, other_lmtp = free_port(), free_port()
        p = site.run("serve", "-o", f"nntp.listen=127.0.0.1:{other_nntp}",
                     "-o", f"mail.lmtp.listen=127.0.0.1:{other_lmtp}")
        err = p.stderr.decode()
        self.assertNotEqual(p.returncode, 0, err)
        self.assertIn("one gateway per store", err)
        self.assertIn(site.store, err)
        self.assertTrue(port_free(other_nntp) and port_free(other_lmtp))
        # a role that must run once is refused too, alone or --once
        for args in (("outbox", "--once"), ("sync", "--once")):
            p = site.run(*args)
            self.assertNotEqual(p.returncode, 0, args)
            self.assertIn("one gateway per store", p.stderr.decode(), args)
        # nntpd may run beside it (several nodes can serve one store)
        port = free_port()
        node = site.start("-o", f"nntp.listen=127.0.0.1:{port}", "nntpd", wait=port)
        self.assertIsNone(node.poll())

    def test_sighup_reaches_nntpd_and_spares_the_supervisor(self):
        site = Site(self, tls=True)
        serve = site.start("serve", wait=site.tls_port)
        roles = wait_roles(serve.pid)
        os.kill(serve.pid, signal.SIGHUP)
        end = time.monotonic() + 5
        while time.monotonic() < end and "SIGHUP: reloaded" not in site.log(serve):
            time.sleep(0.05)
        self.assertIn(f"SIGHUP: reloaded {site.cert}", site.log(serve))
        self.assertIsNone(serve.poll())
        self.assertTrue(all(alive(r) for r in roles), site.log(serve))

    def test_a_lone_outbox_runs_once_per_store(self):
        site = Site(self)
        site.run("import", site.spool)
        first = site.start("outbox")
        wait_locked(site.store + ".lock")
        self.assertIsNone(first.poll(), site.log(first))
        p = site.run("outbox")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("another forumgate runs the outbox", p.stderr.decode())


class Listeners(unittest.TestCase):
    def held(self, reuseport):
        s = socket.socket()
        if reuseport:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        self.addCleanup(s.close)
        return s, s.getsockname()[1]

    def test_an_address_held_by_another_process_is_refused(self):
        site = Site(self, tls=True)
        for reuseport in (False, True):
            for role, key in (("nntpd", "nntp.listen"), ("mailin", "mail.lmtp.listen")):
                sock, port = self.held(reuseport)
                p = site.run("-o", f"{key}=127.0.0.1:{port}", role)
                err = p.stderr.decode()
                self.assertNotEqual(p.returncode, 0, (role, reuseport, err))
                self.assertRegex(err, f"(?i)127.0.0.1:{port}: address already in use",
                                 (role, reuseport))
                # and nothing of ours joined the socket: a connection still
                # reaches the holder
                with socket.create_connection(("127.0.0.1", port), timeout=5):
                    conn, _ = sock.accept()
                    conn.close()

    def test_a_unix_socket_in_use_is_not_taken_over(self):
        site = Site(self)
        path = os.path.join(site.dir, "lmtp.sock")
        holder = socket.socket(socket.AF_UNIX)
        holder.bind(path)
        holder.listen(4)
        self.addCleanup(holder.close)
        p = site.run("-o", f"mail.lmtp.listen=unix:{path}", "mailin")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("address already in use", p.stderr.decode())
        self.assertTrue(stat.S_ISSOCK(os.stat(path).st_mode))
        with socket.socket(socket.AF_UNIX) as c:
            c.connect(path)  # still the holder's


@unittest.skipUnless(os.geteuid() == 0, "needs root to switch users")
class Privileges(unittest.TestCase):
    def test_roles_run_as_gateway_user(self):
        site = Site(self, owner=NOBODY, tls=True)
        site.overrides += ["-o", "gateway.user=nobody", "-o", "gateway.allow_root=false"]
        serve = site.start("serve", wait=site.nntp)
        wait_port(site.lmtp, serve)
        wait_port(site.tls_port, serve)
        roles = wait_roles(serve.pid)
        wait_uid(roles, NOBODY.pw_uid)
        for pid in roles:
            uids, gids, groups = ids(pid)
            self.assertEqual(uids, [NOBODY.pw_uid] * 4, pid)
            self.assertEqual(gids, [NOBODY.pw_gid] * 4, pid)
            self.assertEqual(groups, [], pid)
        self.assertEqual(ids(serve.pid)[0][0], 0)  # the supervisor re-binds on restarts
        # the roles work: TLS with the key read as root, and the store
        ctx = ssl.create_default_context(cafile=site.cert)
        with ctx.wrap_socket(socket.create_connection(("127.0.0.1", site.tls_port), timeout=10),
                             server_hostname="localhost") as s:
            f = s.makefile("rb")
            self.assertTrue(f.readline().startswith(b"200"))
            s.sendall(b"GROUP demo.general\r\n")
            self.assertTrue(f.readline().startswith(b"211"), site.log(serve))
        # every store file is the user's and no one else's
        db = os.path.dirname(site.store)
        for name in os.listdir(db):
            st = os.stat(os.path.join(db, name))
            self.assertEqual((st.st_uid, stat.S_IMODE(st.st_mode)), (NOBODY.pw_uid, 0o600),
                             name)
        self.assertEqual(os.stat(db).st_uid, NOBODY.pw_uid)
        self.assertIn("store.db-shm", os.listdir(db))
        # a role that dies is started again, binds again and drops again
        before = set(roles)
        nntpd = [r for r in roles if site.nntp in listening_ports(r)]
        self.assertEqual(len(nntpd), 1)
        os.kill(nntpd[0], signal.SIGKILL)
        end = time.monotonic() + 10
        new = []
        while time.monotonic() < end and not new:
            new = [r for r in children(serve.pid)
                   if r not in before and site.nntp in listening_ports(r)]
            time.sleep(0.1)
        self.assertEqual(len(new), 1, site.log(serve))
        wait_uid(new, NOBODY.pw_uid)
        self.assertEqual(ids(new[0])[0], [NOBODY.pw_uid] * 4)

    def test_a_lone_role_drops_too(self):
        site = Site(self, owner=NOBODY)
        site.overrides += ["-o", "gateway.user=nobody"]
        nntpd = site.start("nntpd", wait=site.nntp)
        outbox = site.start("outbox")
        wait_uid([nntpd.pid, outbox.pid], NOBODY.pw_uid)
        self.assertEqual(ids(nntpd.pid)[0], [NOBODY.pw_uid] * 4, site.log(nntpd))
        self.assertEqual(ids(outbox.pid)[0], [NOBODY.pw_uid] * 4, site.log(outbox))

    def test_network_roles_refuse_root_unless_allowed(self):
        site = Site(self)
        site.overrides += ["-o", "gateway.allow_root=false"]
        for role in ("nntpd", "mailin", "imapin", "serve"):
            p = site.run(role)
            self.assertNotEqual(p.returncode, 0, role)
            self.assertIn("refusing to run as root", p.stderr.decode(), role)
            self.assertIn("gateway.user", p.stderr.decode(), role)
        self.assertTrue(port_free(site.nntp) and port_free(site.lmtp))
        # an unknown user is named
        p = site.run("-o", "gateway.user=no-such-user-fg", "nntpd")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("gateway.user no-such-user-fg: no such user", p.stderr.decode())

    def test_a_folder_the_user_cannot_write_is_named(self):
        site = Site(self, store=False)  # all root's
        os.makedirs(os.path.dirname(site.store))
        site.overrides += ["-o", "gateway.user=nobody"]
        p = site.run("sync", "--once")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(f"user nobody cannot create files in {os.path.dirname(site.store)}",
                      p.stderr.decode())


class Files(unittest.TestCase):
    def test_store_files_are_private(self):
        site = Site(self)
        site.run("import", site.spool)
        st = os.stat(site.store)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        p = site.start("nntpd", wait=site.nntp)
        for name in ("store.db", "store.db-wal", "store.db-shm"):
            path = os.path.join(os.path.dirname(site.store), name)
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600, name)
        site.stop(p)
        # a store an older forumgate left readable to all loses that
        os.chmod(site.store, 0o644)
        self.assertEqual(site.run("user", "list").returncode, 0)
        self.assertEqual(stat.S_IMODE(os.stat(site.store).st_mode), 0o640)

    def test_a_tls_key_others_may_read_is_refused(self):
        site = Site(self, tls=True)
        for mode in (0o644, 0o640):
            os.chmod(site.key, mode)
            p = site.run("nntpd")
            err = p.stderr.decode()
            self.assertNotEqual(p.returncode, 0, err)
            self.assertIn(f"TLS key {site.key} is readable by others (chmod 600 it)", err)
        os.chmod(site.key, 0o600)
        site.start("nntpd", wait=site.tls_port)

    def test_export_of_a_store_this_user_cannot_open_says_why(self):
        site = Site(self)
        site.run("import", site.spool)
        os.chmod(site.store, 0o644)
        os.chmod(os.path.dirname(site.store), 0o755)
        os.chmod(site.dir, 0o755)

        def as_nobody():
            os.setgroups([])
            os.setgid(NOBODY.pw_gid)
            os.setuid(NOBODY.pw_uid)

        if os.geteuid() != 0:
            self.skipTest("needs root to run as another user")
        p = site.run("export", preexec_fn=as_nobody)
        err = p.stderr.decode()
        self.assertNotEqual(p.returncode, 0)
        self.assertNotIn("holds no forumgate store", err)
        self.assertIn("read-only to this user", err)


class Passwords(unittest.TestCase):
    def login(self, site, user, password):
        with socket.create_connection(("127.0.0.1", site.nntp), timeout=10) as s:
            f = s.makefile("rb")
            f.readline()
            s.sendall(f"AUTHINFO USER {user}\r\n".encode())
            f.readline()
            s.sendall(f"AUTHINFO PASS {password}\r\n".encode())
            return f.readline().decode().split()[0]

    def test_passwords_from_stdin_and_the_warning_for_argv(self):
        site = Site(self)
        site.overrides += ["-o", "nntp.allow_plaintext_auth=true"]
        site.run("import", site.spool)
        p = site.run("user", "add", "carol", "--address", "carol@example.org",
                     input=b"from-stdin\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, b"")
        p = site.run("user", "add", "dave", "--password", "on-argv")
        self.assertEqual(p.returncode, 0)
        self.assertIn("warning: --password shows the password", p.stderr.decode())
        p = site.run("user", "add", "erin", input=b"")  # none: posts by mail only
        self.assertEqual(p.returncode, 0)
        listing = site.run("user", "list").stdout.decode()
        self.assertIn("carol\tpassword\tcarol@example.org", listing)
        self.assertIn("erin\t-\t", listing)
        site.start("nntpd", wait=site.nntp)
        self.assertEqual(self.login(site, "carol", "from-stdin"), "281")
        self.assertEqual(self.login(site, "dave", "on-argv"), "281")
        p = site.run("user", "passwd", "carol", input=b"changed\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.login(site, "carol", "changed"), "281")


    def test_the_terminal_prompt_does_not_echo(self):
        site = Site(self)
        master, slave = os.openpty()
        p = subprocess.Popen(site.cmd("user", "add", "frank"), cwd=ROOT, stdin=slave,
                             stdout=slave, stderr=slave, start_new_session=True)
        os.close(slave)
        seen = b""

        def until(text):
            nonlocal seen
            end = time.monotonic() + 20
            while text not in seen and time.monotonic() < end:
                try:
                    seen += os.read(master, 1024)
                except OSError:
                    break
            self.assertIn(text, seen)

        until(b"Password (empty: none): ")
        os.write(master, b"pty-secret\n")
        until(b"Again: ")
        os.write(master, b"pty-secret\n")
        self.assertEqual(p.wait(20), 0, seen)
        try:
            while True:
                chunk = os.read(master, 1024)
                if not chunk:
                    break
                seen += chunk
        except OSError:
            pass
        os.close(master)
        self.assertNotIn(b"pty-secret", seen)
        self.assertIn("frank\tpassword", site.run("user", "list").stdout.decode())


class Logs(unittest.TestCase):
    def test_client_values_are_escaped_in_the_log(self):
        site = Site(self)
        site.overrides += ["-o", "nntp.allow_plaintext_auth=true"]
        site.run("import", site.spool)
        nntpd = site.start("nntpd", wait=site.nntp)
        # the command splits at spaces: a forged line has none
        forged = b"ev\x1b[2Jil\rforumgate[nntpd]:info:root-logged-in\x0bx"
        with socket.create_connection(("127.0.0.1", site.nntp), timeout=10) as s:
            f = s.makefile("rb")
            f.readline()
            s.sendall(b"AUTHINFO USER " + forged + b"\r\n")
            self.assertTrue(f.readline().startswith(b"381"))
            s.sendall(b"AUTHINFO PASS x\r\n")
            self.assertTrue(f.readline().startswith(b"481"))
        time.sleep(0.2)
        nntpd.logfile.flush()
        nntpd.logfile.seek(0)
        raw = nntpd.logfile.read()
        for c in (b"\x1b", b"\r", b"\x0b"):
            self.assertNotIn(c, raw)
        self.assertIn(b"failed login for ev\\x1b[2Jil\\x0dforumgate[nntpd]:info:"
                      b"root-logged-in\\x0bx from 127.0.0.1\n", raw)
        for line in raw.split(b"\n"):
            self.assertFalse(line.startswith(b"forumgate[nntpd]:info:root"), line)


if __name__ == "__main__":
    unittest.main()
