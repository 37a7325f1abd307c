"""The first run from the command line (issue #11): start-up errors that
name the file, the reason and the config key; serve stopping when a role
cannot start; one owner per address; stores created only by import, serve
and sync; exit codes after sysexits.h; the small rough edges."""
import os
import pty
import select
import signal
import socket
import subprocess
import time
import unittest

from fgtest import DEMO, FORUMGATE, ROOT, Gate
from nntpserver import free_port

EX_USAGE, EX_DATAERR, EX_NOINPUT, EX_NOUSER = 64, 65, 66, 67
EX_UNAVAILABLE, EX_CONFIG = 69, 78


def make_cert(d):
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    os.chmod(key, 0o600)
    return cert, key


class ServeGate(Gate):
    """A Gate with a store, free ports and no TLS or reply secret."""

    def __init__(self, test):
        super().__init__(test)
        self.nntp, self.lmtp = free_port(), free_port()
        self.overrides += ["-o", f"nntp.listen=127.0.0.1:{self.nntp}",
                           "-o", f"mail.lmtp.listen=127.0.0.1:{self.lmtp}",
                           "-o", "nntp.tls.cert=", "-o", "nntp.tls.key=",
                           "-o", "mail.secret_file=", "-o", "nntp.workers=1"]
        self.run("import", "config/demo-spool")

    def serve(self, *args, timeout=20):
        """Runs serve to its end (it must stop by itself)."""
        return subprocess.run([FORUMGATE, "-c", DEMO, *self.overrides, *args, "serve"],
                              cwd=ROOT, capture_output=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


class StartupErrors(unittest.TestCase):
    def test_missing_certificate_stops_serve_with_a_clear_message(self):
        g = ServeGate(self)
        missing = os.path.join(g.dir, "nope.pem")
        p = g.serve("-o", f"nntp.tls.cert={missing}", "-o", f"nntp.tls.key={missing}")
        err = p.stderr.decode()
        self.assertEqual(p.returncode, EX_CONFIG, err)
        self.assertIn(f"nntp.tls.cert: {missing}: No such file or directory", err)
        self.assertIn(f"nntp.tls.key: {missing}: No such file or directory", err)
        self.assertNotIn("(null)", err)
        self.assertTrue(port_free(g.nntp) and port_free(g.lmtp))

    def test_bad_pem_stops_serve_and_names_file_and_key(self):
        g = ServeGate(self)
        bad = os.path.join(g.dir, "bad.pem")
        with open(bad, "w") as f:
            f.write("not a certificate\n")
        os.chmod(bad, 0o600)
        cert, key = make_cert(g.dir)
        for c, k, want in ((bad, key, f"nntp.tls.cert: {bad} is not a PEM certificate"),
                           (cert, bad, f"nntp.tls.key: {bad} is not a PEM private key")):
            t = time.monotonic()
            p = g.serve("-o", f"nntp.tls.cert={c}", "-o", f"nntp.tls.key={k}")
            err = p.stderr.decode()
            self.assertEqual(p.returncode, EX_UNAVAILABLE, err)
            self.assertIn(want, err)
            self.assertIn("nntpd could not start", err)
            self.assertNotIn("restarting", err)
            self.assertNotIn("(null)", err)
            self.assertLess(time.monotonic() - t, 10)
        # a key of another certificate
        other = os.path.join(g.dir, "other")
        os.mkdir(other)
        cert2, _ = make_cert(other)
        p = g.serve("-o", f"nntp.tls.cert={cert2}", "-o", f"nntp.tls.key={key}")
        self.assertEqual(p.returncode, EX_UNAVAILABLE)
        self.assertIn(f"the key {key} does not match the certificate {cert2}",
                      p.stderr.decode())

    def test_unreadable_key_is_named_with_its_reason(self):
        g = ServeGate(self)
        cert, key = make_cert(g.dir)
        os.chmod(key, 0)
        cmd = [FORUMGATE, "-c", DEMO, *g.overrides, "-o", f"nntp.tls.cert={cert}",
               "-o", f"nntp.tls.key={key}", "check-config"]
        # root reads any file: ask as nobody, who cannot
        drop = (lambda: os.setuid(65534)) if os.geteuid() == 0 else None
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, preexec_fn=drop)
        self.assertEqual(p.returncode, EX_CONFIG, p.stderr)
        self.assertIn(f"nntp.tls.key: {key}: Permission denied", p.stderr.decode())

    def test_port_in_use_stops_serve_and_nntpd(self):
        g = ServeGate(self)
        with socket.socket() as held:
            held.bind(("127.0.0.1", g.nntp))
            held.listen(1)
            p = g.serve()
            err = p.stderr.decode()
            self.assertEqual(p.returncode, EX_UNAVAILABLE, err)
            self.assertIn(f"127.0.0.1:{g.nntp}: address already in use", err)
            self.assertIn("nntpd could not start", err)
            self.assertNotIn("restarting", err)
            self.assertTrue(port_free(g.lmtp))  # mailin was stopped too
            p = g.run("nntpd", check=False)
            self.assertEqual(p.returncode, EX_UNAVAILABLE)

    def test_a_role_that_dies_later_is_restarted(self):
        g = ServeGate(self)
        proc = subprocess.Popen([FORUMGATE, "-c", DEMO, *g.overrides, "serve"], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL)
        try:
            roles = wait_children(proc.pid, 4)
            nntpd = [r for r in roles if cmdline(r) == "forumgate: nntpd"]
            self.assertEqual(len(nntpd), 1, [cmdline(r) for r in roles])
            os.kill(nntpd[0], signal.SIGKILL)
            end = time.monotonic() + 10
            while time.monotonic() < end:
                again = [r for r in children(proc.pid) if cmdline(r) == "forumgate: nntpd"]
                if again and again[0] != nntpd[0]:
                    break
                time.sleep(0.1)
            else:
                self.fail("nntpd was not restarted")
            self.assertIsNone(proc.poll())
        finally:
            proc.terminate()
            _, err = proc.communicate(timeout=20)
        self.assertEqual(proc.returncode, 0, err)
        self.assertIn(b"nntpd died with signal 9; restarting", err)

    def test_sync_counts_one_thread_as_one(self):
        g = ServeGate(self)
        spool = os.path.join(g.dir, "spool")
        os.mkdir(spool)
        g.overrides += ["-o", f"forums.demo.spool.path={spool}",
                        "-o", "forums.demo.spool.poll_interval=1"]
        log = open(os.path.join(g.dir, "serve.log"), "w+b")
        self.addCleanup(log.close)
        proc = subprocess.Popen([FORUMGATE, "-c", DEMO, *g.overrides, "serve"], cwd=ROOT,
                                stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        try:
            wait_children(proc.pid, 4)
            with open(os.path.join(ROOT, "config", "demo-spool",
                                   "general-strassenbahn.json")) as f:
                t = f.read().replace('"id": "', '"id": "x')
            with open(os.path.join(spool, "t.json"), "w") as f:
                f.write(t)
            end = time.monotonic() + 20
            text = ""
            while time.monotonic() < end and "deleted posts in" not in text:
                time.sleep(0.2)
                with open(log.name, "rb") as f:
                    text = f.read().decode(errors="replace")
            self.assertRegex(text, r"deleted posts in 1 thread\n")
        finally:
            proc.terminate()
            proc.wait(20)

    def test_roles_carry_their_name_and_imapin_needs_imap(self):
        g = ServeGate(self)
        proc = subprocess.Popen([FORUMGATE, "-c", DEMO, *g.overrides, "serve"], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                stdin=subprocess.DEVNULL)
        try:
            roles = wait_children(proc.pid, 4)
            time.sleep(0.5)  # an imapin would have started with the others
            names = sorted(cmdline(r) for r in children(proc.pid))
            self.assertEqual(names, ["forumgate: mailin", "forumgate: nntpd",
                                     "forumgate: outbox", "forumgate: sync"])
            with open(f"/proc/{roles[0]}/comm") as f:
                self.assertTrue(f.read().startswith("fg-"))
        finally:
            proc.terminate()
            proc.wait(20)

    def test_check_config_checks_the_files_it_names(self):
        g = Gate(self)
        missing = os.path.join(g.dir, "secret")
        p = g.run("-o", f"mail.secret_file={missing}", "-o",
                  f"forums.demo.spool.path={g.dir}/nospool", "check-config", check=False)
        err = p.stderr.decode()
        self.assertEqual(p.returncode, EX_CONFIG, err)
        self.assertIn(f"mail.secret_file: {missing}: No such file or directory", err)
        self.assertIn("nospool: No such file or directory", err)
        # the demo's own TLS files: FILE:LINE:COL of the value, and the key
        p = subprocess.run([FORUMGATE, "-c", DEMO, "-o", f"mail.secret_file={DEMO}",
                            "check-config"], cwd=ROOT, capture_output=True)
        if not os.path.exists(os.path.join(ROOT, "run", "tls", "demo-cert.pem")):
            self.assertEqual(p.returncode, EX_CONFIG)
            self.assertRegex(p.stderr.decode(),
                             r"demo\.yaml:\d+:\d+: nntp\.tls\.cert: \./run/tls/demo-cert\.pem: "
                             r"No such file or directory")

    def test_no_imap_block_without_imap(self):
        g = Gate(self)
        g.overrides += ["-o", "nntp.listen=127.0.0.1:1119"]
        out = g.run("-o", "nntp.tls.cert=", "-o", "nntp.tls.key=", "-o", "mail.secret_file=",
                    "check-config").stdout.decode()
        self.assertNotIn("imap:", out)
        out = g.run("-o", "nntp.tls.cert=", "-o", "nntp.tls.key=", "-o", "mail.secret_file=",
                    "-o", "mail.imap.host=imap.example.org", "-o", "mail.imap.user=u",
                    "-o", f"mail.imap.password_file={DEMO}", "check-config").stdout.decode()
        self.assertIn("imap:", out)
        self.assertIn('host: "imap.example.org"', out)

    def test_a_tab_in_yaml_says_use_spaces(self):
        g = Gate(self)
        path = os.path.join(g.dir, "tab.yaml")
        with open(path, "w") as f:
            f.write("gateway:\n\tdomain: example.org\n")
        p = subprocess.run([FORUMGATE, "-c", path, "check-config"], capture_output=True)
        self.assertEqual(p.returncode, EX_CONFIG)
        self.assertIn(f"{path}:2:1:", p.stderr.decode())
        self.assertIn("a tab: YAML indents with spaces", p.stderr.decode())

    def test_no_config_mentions_dash_c(self):
        env = {k: v for k, v in os.environ.items() if k != "FORUMGATE_CONFIG"}
        if os.path.exists("/etc/forumgate/forumgate.yaml"):
            self.skipTest("/etc/forumgate/forumgate.yaml exists")
        p = subprocess.run([FORUMGATE, "check-config"], capture_output=True, env=env)
        self.assertEqual(p.returncode, EX_CONFIG)
        self.assertIn("-c FILE", p.stderr.decode())
        self.assertIn("/etc/forumgate/forumgate.yaml", p.stderr.decode())

    def test_version(self):
        for arg in ("--version", "version"):
            p = subprocess.run([FORUMGATE, arg], capture_output=True)
            self.assertEqual(p.returncode, 0)
            self.assertRegex(p.stdout.decode(), r"^forumgate \d")


class Users(unittest.TestCase):
    def setUp(self):
        self.g = Gate(self)
        self.g.run("import", "config/demo-spool")

    def test_address_has_one_owner(self):
        g = self.g
        g.run("user", "add", "bob", "--address", "bob@example.org", input=b"")
        p = g.run("user", "add", "eve", "--address", "Bob@Example.org", input=b"", check=False)
        self.assertEqual(p.returncode, EX_DATAERR)
        self.assertIn("address Bob@Example.org is already bob's "
                      "(forumgate user addr bob del Bob@Example.org first)", p.stderr.decode())
        g.run("user", "add", "eve", input=b"")
        p = g.run("user", "addr", "eve", "add", "bob@example.org", check=False)
        self.assertEqual(p.returncode, EX_DATAERR)
        self.assertIn("already bob's", p.stderr.decode())
        users = g.run("user", "list").stdout.decode()
        self.assertIn("bob\t-\tbob@example.org\n", users)
        self.assertIn("eve\t-\t\n", users)
        # the owner may add it again; after he gives it up eve may have it
        g.run("user", "addr", "bob", "add", "bob@example.org")
        g.run("user", "addr", "bob", "del", "bob@example.org")
        g.run("user", "addr", "eve", "add", "bob@example.org")
        self.assertIn("eve\t-\tbob@example.org\n", g.run("user", "list").stdout.decode())

    def test_names_and_addresses_are_validated(self):
        g = self.g
        for name in ("", "a b", ".x", "x\ny", "a" * 65, "bob@example.org"):
            p = g.run("user", "add", name, input=b"", check=False)
            self.assertEqual(p.returncode, EX_USAGE, name)
            self.assertIn("not a user name", p.stderr.decode())
        g.run("user", "add", "carol.d-e_f", input=b"")
        for addr in ("carol", "carol@", "@example.org", "ca rol@example.org",
                     "carol@exa mple.org", "carol@@example.org", "carol..x@example.org",
                     "carol@example..org", "carol@example.org\r\nBcc: x"):
            p = g.run("user", "addr", "carol.d-e_f", "add", addr, check=False)
            self.assertEqual(p.returncode, EX_USAGE, addr)
            self.assertIn("not a mail address", p.stderr.decode())
        g.run("user", "addr", "carol.d-e_f", "add", "carol+forum@mail.example.org")
        p = g.run("user", "addr", "nobody", "add", "n@example.org", check=False)
        self.assertEqual(p.returncode, EX_NOUSER)


class Stores(unittest.TestCase):
    def test_mistyped_store_is_refused_and_not_created(self):
        g = Gate(self)
        typo = os.path.join(g.dir, "typo", "store.db")
        g.overrides = ["-o", f"gateway.store={typo}"]
        for args in (("export",), ("user", "list"), ("replykey", "--user", "a", "--post", "<x>"),
                     ("nntpd",), ("mailin",), ("outbox", "--once"), ("outbox",)):
            p = g.run(*args, check=False)
            err = p.stderr.decode()
            self.assertEqual(p.returncode, EX_NOINPUT, (args, err))
            self.assertIn(f"no store at {typo} (run `forumgate import` or `serve` first)", err)
            self.assertNotIn("SQLite", err)
            self.assertFalse(os.path.exists(os.path.dirname(typo)), args)

    def test_import_and_sync_say_they_created_the_store(self):
        g = Gate(self)
        p = g.run("import", "config/demo-spool")
        self.assertIn(f"created new store at {g.store}", p.stderr.decode())
        p = g.run("import", "config/demo-spool")
        self.assertNotIn("created new store", p.stderr.decode())
        g2 = Gate(self)
        p = g2.run("sync", "--once")
        self.assertIn(f"created new store at {g2.store}", p.stderr.decode())
        self.assertTrue(os.path.exists(g2.store))

    def test_failed_import_of_junk_leaves_no_store(self):
        g = Gate(self)
        junk = os.path.join(g.dir, "junk.json")
        with open(junk, "w") as f:
            f.write("this is not json\n")
        p = g.run("import", junk, check=False)
        err = p.stderr.decode()
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("was not created", err)
        self.assertIn("imported 0 threads", err)
        self.assertIn("1 file skipped", err)
        self.assertEqual([n for n in os.listdir(g.dir) if n.startswith("store.db")], [])

    def test_counts_are_singular_for_one(self):
        g = Gate(self)
        spool = os.path.join(g.dir, "spool")
        os.mkdir(spool)
        with open(os.path.join(ROOT, "config", "demo-spool", sorted(
                n for n in os.listdir(os.path.join(ROOT, "config", "demo-spool"))
                if n.endswith(".json"))[0]), "rb") as f:
            data = f.read()
        with open(os.path.join(spool, "one.json"), "wb") as f:
            f.write(data)
        with open(os.path.join(spool, "bad.json"), "w") as f:
            f.write("{")
        p = g.run("import", spool, check=False)
        err = p.stderr.decode()
        self.assertIn("imported 1 thread:", err)
        self.assertIn("1 file skipped", err)
        self.assertTrue(os.path.exists(g.store))  # one good file: a store

    def test_import_shows_progress_on_a_terminal_only(self):
        g = Gate(self)
        p = g.run("import", "config/demo-spool")
        self.assertNotIn(b"importing:", p.stderr)
        self.assertNotIn(b"\r", p.stderr)
        # on a terminal: a line redrawn every half second (the import is
        # stopped for a while so that it lasts that long)
        import json
        spool = os.path.join(g.dir, "big")
        os.mkdir(spool)
        with open(os.path.join(ROOT, "config", "demo-spool", "general-strassenbahn.json")) as f:
            t = json.load(f)
        for k in range(3000):
            t["thread"]["id"] = f"big{k}"
            for post in t["posts"]:
                post["id"] = f"{str(post['id']).split('-')[0]}-{k}"
            with open(os.path.join(spool, f"t{k}.json"), "w") as f:
                json.dump(t, f)
        g2 = Gate(self)
        out = run_on_tty([FORUMGATE, "-c", DEMO, *g2.overrides, "import", spool],
                         g2.store + ".building")
        self.assertIn(b"\rforumgate: importing: ", out)
        self.assertRegex(out, rb"importing: \d+ threads?, \d+ posts? \(\d+/s\)")
        self.assertIn(b"imported 3000 threads", out)


def run_on_tty(cmd, building):
    """Runs cmd with stderr on a pseudo-terminal; returns what it wrote.
    Once the file `building` appears (the import runs) the process is
    stopped for longer than the progress interval."""
    master, slave = pty.openpty()
    p = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=slave)
    os.close(slave)
    end = time.monotonic() + 30
    while not os.path.exists(building) and p.poll() is None and time.monotonic() < end:
        time.sleep(0.001)
    time.sleep(0.1)  # past the schema, into the import
    if p.poll() is None:
        os.kill(p.pid, signal.SIGSTOP)
        time.sleep(0.7)
        os.kill(p.pid, signal.SIGCONT)
    out = b""
    while True:
        r, _, _ = select.select([master], [], [], 5)
        if not r:
            break
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
    p.wait(30)
    os.close(master)
    return out


class ExitCodes(unittest.TestCase):
    def setUp(self):
        self.g = Gate(self)
        self.g.run("import", "config/demo-spool")

    def test_exit_codes_follow_sysexits(self):
        g = self.g
        p = g.run("export", "--group", "demo.nosuch", check=False)
        self.assertEqual(p.returncode, EX_USAGE)
        self.assertIn("no group demo.nosuch", p.stderr.decode())
        p = g.run("export", "extra", check=False)
        self.assertEqual(p.returncode, EX_USAGE)
        self.assertIn("export takes no argument (extra)", p.stderr.decode())
        p = g.run("import", "--forum", "nosuch", "config/demo-spool", check=False)
        self.assertEqual(p.returncode, EX_CONFIG)
        self.assertIn("no forum named nosuch", p.stderr.decode())

    def test_replykey_says_its_error_once_and_takes_bare_ids(self):
        g = self.g
        secret = os.path.join(g.dir, "secret")
        fd = os.open(secret, os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, os.urandom(32).hex().encode() + b"\n")
        os.close(fd)
        g.overrides += ["-o", f"mail.secret_file={secret}"]
        g.run("user", "add", "bob", input=b"")
        msgs = g.messages()
        mid = msgs[0]["Message-ID"].strip()
        with_brackets = g.run("replykey", "--user", "bob", "--post", mid).stdout
        bare = g.run("replykey", "--user", "bob", "--post", mid.strip("<>")).stdout
        self.assertEqual(with_brackets, bare)
        self.assertRegex(bare.decode(), r"^\S+\+\S+@\S+\n$")
        missing = os.path.join(g.dir, "nope")
        p = g.run("-o", f"mail.secret_file={missing}", "replykey", "--user", "bob", "--post",
                  mid, check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(p.stderr.decode().count(missing), 1, p.stderr.decode())
        p = g.run("replykey", "--user", "bob", "--post", "nosuch@x", check=False)
        self.assertEqual(p.returncode, EX_DATAERR)
        self.assertEqual(p.stderr.decode().count("nosuch@x"), 1, p.stderr.decode())


def port_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().rstrip(b"\0").decode(errors="replace")
    except OSError:
        return ""


def wait_children(pid, n, timeout=10):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        kids = children(pid)
        if len(kids) >= n and all(cmdline(k).startswith("forumgate: ") for k in kids):
            return kids
        time.sleep(0.05)
    raise AssertionError(f"{pid} has {children(pid)}, wanted {n} roles")


if __name__ == "__main__":
    unittest.main()
