"""The Debian package (make deb, debian/): lintian finds no errors, and the
package installs, runs and purges cleanly in a throwaway container.

The container is this machine's own root seen through an overlay: a
private mount namespace (unshare --mount, nothing propagates back) with a
tmpfs holding the overlay's upper and work folders, lowerdir=/, its own
/proc (a new PID namespace), /dev bound in, fresh /run and /tmp, and a new
network namespace with only the loopback up, so the shipped configuration
(NNTP on 127.0.0.1:119) runs unchanged without meeting the host's ports.
dpkg runs chrooted in it; the host's own root, dpkg database and
/etc/passwd stay as they were, which the test checks too. Killing the
namespace's first process ends everything that ran in it and drops the
mounts.

No systemd runs there (/run/systemd/system is absent), so the unit is
run by hand as systemd would: ExecStartPre and ExecStart read from the
installed unit file, as its User= and Group=, with only
CAP_NET_BIND_SERVICE (ambient and bounding), no new privileges and its
UMask=. While it serves, in the same container (issue #15): `forumgate
status` as that user and as root, GET /metrics on the shipped HTTP listener
(127.0.0.1:8119), SIGHUP with the conffile as shipped and broken in place
(a newsreader connected before goes on), `forumgate backup` as root and as
the user, and mandoc/man lint of the installed, compressed manual pages."""
import glob
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from fgtest import ROOT

UNIT = "/lib/systemd/system/forumgate.service"
CONFIG = "/etc/forumgate/forumgate.yaml"
# what the host has of the package's names before the test; it must have
# the same afterwards
HOST_PATHS = ("/etc/forumgate", "/var/lib/forumgate", "/usr/sbin/forumgate", UNIT,
              "/etc/systemd/system/multi-user.target.wants/forumgate.service",
              "/var/lib/dpkg/info/forumgate.list")


def host_state():
    with open("/etc/passwd") as f:
        passwd = f.read()
    with open("/etc/group") as f:
        group = f.read()
    with open("/var/lib/dpkg/status") as f:
        installed = re.search(r"^Package: forumgate\n", f.read(), re.M) is not None
    return {"paths": {p: os.path.lexists(p) for p in HOST_PATHS},
            "forumgate in passwd": "\nforumgate:" in "\n" + passwd,
            "forumgate in group": "\nforumgate:" in "\n" + group,
            "dpkg knows forumgate": installed}


class Container:
    """The overlay root of this machine in its own mount, PID and network
    namespaces; run() executes a command chrooted in it."""

    def __init__(self, test):
        self.dir = tempfile.mkdtemp(prefix="fg-pkg-")
        test.addCleanup(shutil.rmtree, self.dir, True)
        d = self.dir
        setup = f"""set -e
mount -t tmpfs -o size=1g,mode=0700 fg-pkg {d}
mkdir {d}/upper {d}/work {d}/root
mount -t overlay overlay -o lowerdir=/,upperdir={d}/upper,workdir={d}/work {d}/root
mount -t proc proc {d}/root/proc
mount --rbind /dev {d}/root/dev
mount -t tmpfs tmpfs {d}/root/run
mount -t tmpfs tmpfs {d}/root/tmp
ip link set lo up
echo ready
exec chroot {d}/root sleep infinity
"""
        # unshare's child is PID 1 of the new namespace: nsenter targets it
        self.holder = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "--pid", "--fork", "--net",
             "sh", "-c", setup], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL)
        test.addCleanup(self.close)
        line = self.holder.stdout.readline()
        if line != b"ready\n":
            self.holder.wait(10)
            raise AssertionError("container setup failed: " + self.holder.stderr.read().decode())
        self.pid = self.first_process()

    def first_process(self):
        end = time.monotonic() + 10
        while time.monotonic() < end:
            kids = open(f"/proc/{self.holder.pid}/task/{self.holder.pid}/children").read().split()
            if kids:
                pid = int(kids[0])
                # wait until it is chrooted
                if os.readlink(f"/proc/{pid}/root") != "/":
                    return pid
            time.sleep(0.05)
        raise AssertionError("the container's first process did not appear")

    def enter(self, root=True):
        """nsenter prefix: the namespaces, chrooted in the overlay or not."""
        cmd = ["nsenter", f"--target={self.pid}", "--mount", "--pid", "--net"]
        if root:
            cmd += ["--root", "--wd"]
        return cmd

    def run(self, *cmd, check=True, root=True, input=None):
        p = subprocess.run(self.enter(root) + list(cmd), capture_output=True, text=True,
                           timeout=300, input=input,
                           env=dict(os.environ, PATH="/usr/sbin:/usr/bin:/sbin:/bin",
                                    DEBIAN_FRONTEND="noninteractive"))
        if check and p.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} exited {p.returncode}:\n{p.stdout}{p.stderr}")
        return p

    def path(self, p):
        """A path inside the container, seen from the host."""
        return f"/proc/{self.pid}/root{p}"

    def exists(self, p):
        return os.path.lexists(self.path(p))

    def close(self):
        if self.holder.poll() is None:
            # PID 1 of the namespace: the kernel ends every process in it,
            # and the mounts go with the namespace
            self.holder.kill()
            self.holder.wait(10)
        self.holder.stdout.close()
        self.holder.stderr.close()


def unit_directives(text):
    """Key -> list of values of the [Service] section (no continuation lines)."""
    out, section = {}, None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line
            continue
        if section == "[Service]" and "=" in line:
            k, v = line.split("=", 1)
            out.setdefault(k, []).append(v)
    return out


def exec_argv(value):
    # systemd's prefixes: - @ : + ! (none of which the unit should need)
    return shlex.split(value.lstrip("-@:+!"))


def descendants(pid):
    kids = {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kids.setdefault(int(fields[1]), []).append(int(stat.split("/")[2]))
    out, todo = [], [pid]
    while todo:
        for k in kids.get(todo.pop(), []):
            out.append(k)
            todo.append(k)
    return out


def proc_status(pid):
    with open(f"/proc/{pid}/status") as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


class Package(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("needs root (namespaces, overlay mounts, chroot)")
        cls.out = tempfile.mkdtemp(prefix="fg-deb-")
        given = os.environ.get("FORUMGATE_DEB")
        if given:
            # a package built already (make deb): its .changes beside it
            for f in glob.glob(os.path.join(os.path.dirname(os.path.abspath(given)),
                                            "forumgate*_*")):
                shutil.copy(f, cls.out)
        else:
            # make deb installs its tools (install-deps.sh) and builds in a
            # copy of the tree; the unit tests ran already in `make test`
            env = {k: v for k, v in os.environ.items()
                   if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "SANITIZE")}  # an outer make's flags
            env["DEB_BUILD_OPTIONS"] = "nocheck"
            p = subprocess.run(["make", "--no-print-directory", "deb", f"DEB_OUT={cls.out}",
                                "LINTIAN=no"], cwd=ROOT, capture_output=True, text=True,
                               timeout=1800, env=env)
            if p.returncode != 0:
                shutil.rmtree(cls.out, True)
                raise AssertionError(f"make deb exited {p.returncode}:\n"
                                     f"{p.stdout[-4000:]}{p.stderr[-4000:]}")
        debs = glob.glob(os.path.join(cls.out, "forumgate_*.deb"))
        assert len(debs) == 1, debs
        cls.deb = debs[0]
        cls.changes = glob.glob(os.path.join(cls.out, "forumgate_*.changes"))[0]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.out, True)

    def test_lintian_reports_no_errors(self):
        p = subprocess.run(["lintian", self.changes], capture_output=True, text=True, timeout=600)
        errors = [l for l in p.stdout.splitlines() if l.startswith("E: ")]
        self.assertEqual(errors, [], p.stdout)
        # lintian fails on errors only by default: anything else went wrong
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        print(f"\n  {os.path.basename(self.deb)}: {os.path.getsize(self.deb)} bytes, lintian: "
              f"{sum(l.startswith('W: ') for l in p.stdout.splitlines())} warnings")

    def test_contents(self):
        files = subprocess.run(["dpkg-deb", "-c", self.deb], capture_output=True, text=True,
                               check=True).stdout
        for path in ("./usr/sbin/forumgate", "./lib/systemd/system/forumgate.service",
                     "./etc/forumgate/forumgate.yaml", "./usr/share/man/man8/forumgate.8.gz",
                     "./usr/share/man/man5/forumgate.yaml.5.gz",
                     "./usr/share/doc/forumgate/examples/forumgate.yaml",
                     "./usr/share/doc/forumgate/copyright"):
            self.assertRegex(files, r"\s" + re.escape(path) + r"\n")
        depends = subprocess.run(["dpkg-deb", "-f", self.deb, "Depends"], capture_output=True,
                                 text=True, check=True).stdout
        self.assertIn("adduser", depends)
        self.assertIn("libsqlite3-0", depends)  # ${shlibs:Depends}
        d = tempfile.mkdtemp(prefix="fg-deb-ctl-")
        self.addCleanup(shutil.rmtree, d, True)
        subprocess.run(["dpkg-deb", "-e", self.deb, d], check=True)
        with open(os.path.join(d, "conffiles")) as f:
            self.assertEqual(f.read().split(), [CONFIG])

    def test_install_serve_remove_purge_in_a_container(self):
        before = host_state()
        self.addCleanup(lambda: self.assertEqual(host_state(), before, "the host changed"))
        c = Container(self)
        name = os.path.basename(self.deb)
        shutil.copy(self.deb, c.path("/tmp/" + name))
        # every path of the package that the root did not have before
        listed = subprocess.run(["dpkg-deb", "--fsys-tarfile", self.deb], capture_output=True,
                                check=True).stdout
        members = subprocess.run(["tar", "-tf", "-"], input=listed, capture_output=True,
                                 check=True).stdout.decode().split()
        paths = [m[1:].rstrip("/") for m in members if m != "./"]
        new_paths = [p for p in paths if not c.exists(p)]
        self.assertIn("/usr/sbin/forumgate", new_paths)

        # install, and again: the maintainer scripts are idempotent
        for _ in range(2):
            p = c.run("dpkg", "-i", "/tmp/" + name)
            self.assertNotIn("warning", (p.stdout + p.stderr).lower(), p.stdout + p.stderr)
        self.assertEqual(c.run("dpkg-query", "-W", "-f=${Status}", "forumgate").stdout,
                         "install ok installed")
        c.run("forumgate", "check-config", "-c", CONFIG)

        entry = c.run("getent", "passwd", "forumgate").stdout.strip().split(":")
        uid, gid, home, shell = int(entry[2]), int(entry[3]), entry[5], entry[6]
        self.assertLess(uid, 1000, "not a system user")
        self.assertEqual((home, shell), ("/var/lib/forumgate", "/usr/sbin/nologin"))
        self.assertEqual(c.run("getent", "group", "forumgate").stdout.split(":")[2], str(gid))
        st = os.stat(c.path("/var/lib/forumgate"))
        self.assertEqual((st.st_uid, st.st_gid, st.st_mode & 0o7777), (uid, gid, 0o750))
        # enabled (the symlink deb-systemd-helper makes), not started
        self.assertEqual(os.readlink(c.path(
            "/etc/systemd/system/multi-user.target.wants/forumgate.service")), UNIT)

        self.serve_as_the_unit(c, uid, gid)

        # remove keeps the configuration and the store, purge takes them
        p = c.run("dpkg", "--remove", "forumgate")
        self.assertNotIn("warning", (p.stdout + p.stderr).lower(), p.stdout + p.stderr)
        self.assertEqual(c.run("dpkg-query", "-W", "-f=${Status}", "forumgate").stdout,
                         "deinstall ok config-files")
        self.assertFalse(c.exists("/usr/sbin/forumgate"))
        self.assertFalse(c.exists(UNIT))
        self.assertTrue(c.exists(CONFIG))
        self.assertTrue(c.exists("/var/lib/forumgate/forumgate.db"))

        p = c.run("dpkg", "--purge", "forumgate")
        self.assertNotIn("warning", (p.stdout + p.stderr).lower(), p.stdout + p.stderr)
        self.assertNotEqual(c.run("dpkg", "-L", "forumgate", check=False).returncode, 0)
        self.assertEqual(c.run("dpkg-query", "-W", "-f=${Status}", "forumgate",
                               check=False).stdout, "")
        self.assertEqual([p for p in new_paths if c.exists(p)], [])
        for gone in ("/etc/forumgate", "/var/lib/forumgate",
                     "/etc/systemd/system/multi-user.target.wants/forumgate.service"):
            self.assertFalse(c.exists(gone), gone)
        # nothing named after the package is left anywhere the container
        # wrote (the overlay's upper folder), e.g. dpkg or
        # deb-systemd-helper state
        left = c.run("find", f"{c.dir}/upper", "-name", "*forumgate*", root=False).stdout.split()
        self.assertEqual(left, [])
        # the user stays, as with other Debian daemons (debian/postrm)
        self.assertEqual(c.run("getent", "passwd", "forumgate", check=False).returncode, 0)

    def serve_as_the_unit(self, c, uid, gid):
        with open(c.path(UNIT)) as f:
            unit = unit_directives(f.read())
        self.assertEqual(unit["User"], ["forumgate"])
        self.assertEqual(unit["Group"], ["forumgate"])
        self.assertEqual(unit["AmbientCapabilities"], ["CAP_NET_BIND_SERVICE"])
        umask = unit.get("UMask", ["0022"])[0]
        priv = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups",
                "--inh-caps=-all,+net_bind_service", "--ambient-caps=-all,+net_bind_service",
                "--bounding-set=-all,+net_bind_service", "--no-new-privs",
                "sh", "-c", f'umask {umask} && exec "$@"', "sh"]
        for pre in unit.get("ExecStartPre", []):
            c.run(*priv, *exec_argv(pre))
        argv = exec_argv(unit["ExecStart"][0])
        self.assertEqual(argv[:2], ["/usr/sbin/forumgate", "serve"])

        # the unit's Environment=FORUMGATE_LOG=auto would mean syslog here
        log_path = os.path.join(c.dir, "serve.log")
        log = open(log_path, "wb")
        serve = subprocess.Popen(c.enter() + ["env", "FORUMGATE_LOG=stderr"] + priv + argv,
                                 stdout=log, stderr=log, stdin=subprocess.DEVNULL)

        def serve_log():
            # a file description of its own: a seek on the one serve writes
            # through would move serve's offset too, and its next line
            # would overwrite the start of the log
            with open(log_path, "rb") as f:
                return f.read().decode(errors="replace")

        def stop():
            for pid in descendants(serve.pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            serve.wait(10)
            log.close()
        self.addCleanup(lambda: serve.poll() is not None or stop())

        p = c.run("python3", "-c", GREET, check=False, root=False)
        self.assertRegex(p.stdout, r"^20[01] ", p.stdout + p.stderr + serve_log())

        # the supervisor and its roles (fg-nntpd, ...); the host sees their
        # executable through the overlay
        procs = [pid for pid in descendants(serve.pid)
                 if os.readlink(f"/proc/{pid}/exe").endswith("/root/usr/sbin/forumgate")]
        self.assertGreaterEqual(len(procs), 2, serve_log())  # the supervisor and its roles
        for pid in procs:
            s = proc_status(pid)
            self.assertEqual(s["Uid"].split()[:2], [str(uid)] * 2)
            self.assertEqual(s["Gid"].split()[:2], [str(gid)] * 2)
            self.assertEqual(s["NoNewPrivs"], "1")
            self.assertEqual(int(s["CapBnd"], 16) & ~(1 << 10), 0, s["CapBnd"])
        st = os.stat(c.path("/var/lib/forumgate/forumgate.db"))
        self.assertEqual((st.st_uid, st.st_mode & 0o077), (uid, 0))

        # the supervisor: nsenter's child (env, setpriv and sh exec it)
        main = [pid for pid in procs if int(proc_status(pid)["PPid"]) == serve.pid]
        self.assertEqual(len(main), 1, procs)
        user = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups"]
        self.status_reports_the_roles(c, user, serve_log)
        self.metrics_report_the_roles(c, serve_log)
        self.reload_keeps_serving(c, main[0], user, serve_log)
        self.backup_while_serving(c, user, uid)
        self.manual_pages_lint_clean(c)

        # SIGTERM to the supervisor, as systemd stops it (KillMode=mixed)
        os.kill(main[0], signal.SIGTERM)
        self.assertEqual(serve.wait(30), 0, serve_log())
        log.close()
        # stopped: status says so (3), and root looking leaves the store
        # the service's own (no root-owned -wal or -shm it could not open)
        for prefix in (user, ()):
            rc, out = self.status(c, prefix)
            self.assertEqual(rc, 3, out)
            self.assertIn("gateway: not running", out)
        for f in os.listdir(c.path("/var/lib/forumgate")):
            st = os.stat(c.path("/var/lib/forumgate/" + f))
            if f.startswith("forumgate.db"):
                self.assertEqual(st.st_uid, uid, f)

    def status(self, c, prefix=(), as_json=False):
        """forumgate status: its exit status and its output (stdout, then stderr)."""
        p = c.run(*prefix, "forumgate", "status", "-c", CONFIG,
                  *(["--json"] if as_json else []), check=False)
        return p.returncode, p.stdout + p.stderr

    def status_reports_the_roles(self, c, user, serve_log):
        """forumgate status, as the service's user and as root: exit 0, every
        role the supervisor runs listed and up (each writes its row when it
        starts: wait for the last)."""
        end = time.monotonic() + 30
        while True:
            rc, out = self.status(c, user, as_json=True)
            if rc == 0:
                roles = {r["role"]: r for r in json.loads(out)["roles"]}
                if ROLES <= roles.keys():
                    break
            if time.monotonic() > end:
                self.fail(f"status exited {rc}:\n{out}\n{serve_log()}")
            time.sleep(0.5)
        for r in roles.values():
            self.assertEqual((r["state"], r["alive"]), ("running", True), r)
        for prefix in (user, ()):
            rc, out = self.status(c, prefix)
            self.assertEqual(rc, 0, out)
            self.assertRegex(out, r"gateway: running \(serve pid \d+")
            table = {l.split()[0]: l.split()[-1] for l in
                     out.split("\n\n")[1].splitlines()[1:]}
            self.assertLessEqual(ROLES, table.keys(), out)
            self.assertEqual(set(table.values()), {"up"}, out)
            self.assertNotIn("problems:", out)

    def http_get(self, c, path):
        """GET http://127.0.0.1:8119<path> in the container's network."""
        get = ("import sys, urllib.request\n"
               f"r = urllib.request.urlopen('http://{HTTP}{path}', timeout=10)\n"
               "sys.stdout.write(r.headers.get('Content-Type', '') + '\\n' + r.read().decode())\n")
        p = c.run("python3", "-c", get, root=False)
        ctype, _, body = p.stdout.partition("\n")
        return ctype, body

    def metrics_report_the_roles(self, c, serve_log):
        self.assertEqual(self.http_get(c, "/health")[1], "ok\n")
        ctype, body = self.http_get(c, "/metrics")
        self.assertIn("text/plain", ctype)
        self.assertIn("version=0.0.4", ctype)
        self.assertIn("# HELP forumgate_role_up ", body)
        self.assertIn("# TYPE forumgate_role_up gauge\n", body)
        up = {m.group(1): m.group(2) for m in re.finditer(
            r'^forumgate_role_up\{[^}]*role="([a-z]+)"[^}]*\} (\S+)$', body, re.M)}
        self.assertLessEqual(ROLES, up.keys(), body)
        self.assertEqual(set(up.values()), {"1"}, body)
        self.assertRegex(body, r"(?m)^# TYPE forumgate_nntp_connections gauge$")

    def reload_keeps_serving(self, c, supervisor, user, serve_log):
        """SIGHUP (systemctl reload): a newsreader connected before it goes on;
        a broken configuration changes nothing and says so."""
        reader = subprocess.Popen(c.enter(root=False) + ["python3", "-c", NEWSREADER],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: reader.poll() is not None or (reader.kill(), reader.wait()))

        def date():
            reader.stdin.write("\n")
            reader.stdin.flush()
            return reader.stdout.readline()

        self.assertRegex(reader.stdout.readline(), r"^20[01] ")
        self.assertRegex(date(), r"^111 \d{14}")

        def until(text, start):
            end = time.monotonic() + 30
            while text not in serve_log()[start:]:
                if time.monotonic() > end:
                    self.fail(f"no {text!r} in the log:\n{serve_log()}")
                time.sleep(0.1)

        start = len(serve_log())
        os.kill(supervisor, signal.SIGHUP)
        until("reload: done", start)
        self.assertRegex(date(), r"^111 \d{14}", serve_log())
        self.assertEqual(self.status(c, user)[0], 0, serve_log())

        # the conffile broken in place: the configuration in force stays
        with open(c.path(CONFIG)) as f:
            good = f.read()
        with open(c.path(CONFIG), "a") as f:
            f.write("\nnntp: [this is not\n")
        self.assertEqual(c.run("forumgate", "check-config", "-c", CONFIG,
                               check=False).returncode, 78)
        start = len(serve_log())
        os.kill(supervisor, signal.SIGHUP)
        until("keeping the configuration in force", start)
        self.assertNotIn("reload: done", serve_log()[start:])
        self.assertRegex(date(), r"^111 \d{14}", serve_log())
        self.assertRegex(c.run("python3", "-c", GREET, root=False).stdout, r"^20[01] ")
        with open(c.path(CONFIG), "w") as f:
            f.write(good)
        start = len(serve_log())
        os.kill(supervisor, signal.SIGHUP)
        until("reload: done", start)
        self.assertRegex(date(), r"^111 \d{14}", serve_log())
        reader.stdin.close()
        self.assertEqual(reader.wait(10), 0, reader.stderr.read())
        self.assertEqual(self.status(c, user)[0], 0, serve_log())
        self.assertEqual(self.status(c)[0], 0, serve_log())

    def backup_while_serving(self, c, user, uid):
        """forumgate backup, as root and as the service's user, while it
        serves: a copy that SQLite opens and finds intact."""
        for prefix, name in (((), "backup.db"), (user, "backup-user.db")):
            target = "/var/lib/forumgate/" + name
            p = c.run(*prefix, "forumgate", "backup", "-c", CONFIG, target, check=False)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            st = os.stat(c.path(target))
            self.assertEqual(st.st_mode & 0o777, 0o600)
            self.assertEqual(st.st_uid, uid if prefix else 0)
            self.assertFalse(c.exists(target + ".tmp"))
            p = c.run("sqlite3", "-readonly", target, "PRAGMA integrity_check;",
                      "SELECT count(*) FROM sqlite_master;")
            ok, tables = p.stdout.split()
            self.assertEqual(ok, "ok")
            self.assertGreater(int(tables), 0)
        # the store itself is still the service's alone
        for f in glob.glob(c.path("/var/lib/forumgate/forumgate.db*")):
            self.assertEqual(os.stat(f).st_uid, uid, f)

    def manual_pages_lint_clean(self, c):
        for page in ("/usr/share/man/man8/forumgate.8.gz",
                     "/usr/share/man/man5/forumgate.yaml.5.gz"):
            self.assertTrue(c.exists(page), page)
            p = c.run("sh", "-c", f"zcat {page} | mandoc -T lint", check=False)
            # Debian's mandoc keeps no mandoc.db (man-db is its man): a
            # page an Xr names is then looked for on disk, and found, mandoc
            # says so this way; one not found would be a lint message
            found = re.compile(r"^mandoc: outdated mandoc\.db lacks ([\w.-]+)\((\w+)\) entry, "
                               r"run makewhatis /usr/share/man$")
            lines = []
            for line in (p.stdout + p.stderr).splitlines():
                m = found.match(line)
                if m and glob.glob(c.path(f"/usr/share/man/man{m[2][0]}/{m[1]}.{m[2]}*")):
                    continue
                lines.append(line)
            self.assertEqual((p.returncode, lines), (0, []), page)
            p = c.run("sh", "-c", f"MANWIDTH=80 man --warnings -l {page} >/dev/null",
                      check=False)
            self.assertEqual((p.returncode, p.stdout + p.stderr), (0, ""), page)


# the roles serve runs with the shipped configuration (HTTP on, no list)
ROLES = {"serve", "sync", "nntpd", "mailin", "outbox", "httpd"}
HTTP = "127.0.0.1:8119"
GREET = ("import socket, sys, time\n"
         "end = time.monotonic() + 20\n"
         "while True:\n"
         "    try:\n"
         "        s = socket.create_connection(('127.0.0.1', 119), timeout=5)\n"
         "        break\n"
         "    except OSError:\n"
         "        if time.monotonic() > end: raise\n"
         "        time.sleep(0.1)\n"
         "print(s.recv(200).decode().strip())\n")
# one NNTP connection: the greeting, then DATE's answer for each line read
NEWSREADER = ("import socket, sys\n"
              "s = socket.create_connection(('127.0.0.1', 119), timeout=20)\n"
              "f = s.makefile('rwb')\n"
              "print(f.readline().decode().strip(), flush=True)\n"
              "for _ in sys.stdin:\n"
              "    f.write(b'DATE\\r\\n'); f.flush()\n"
              "    print(f.readline().decode().strip(), flush=True)\n"
              "f.write(b'QUIT\\r\\n'); f.flush(); f.readline()\n")


if __name__ == "__main__":
    unittest.main()
