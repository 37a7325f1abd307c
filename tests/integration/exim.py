"""A private Exim (Debian's exim4) on a loopback port for the integration
tests: its own configuration from a template under mta/, its own spool and
log folders, no system configuration, no DNS.

Exim runs a -C configuration that is not in TRUSTED_CONFIG_LIST with its
root privilege dropped: started by root it then works as its exim_user
(Debian-exim), so the folders it writes belong to that user and the test's
temporary folder must be traversable."""
import os
import pwd
import re
import shutil
import signal
import subprocess
import time

from mailserver import free_port, wait_port

HERE = os.path.dirname(os.path.abspath(__file__))


def exim_binary():
    for name in ("exim4", "exim"):
        path = shutil.which(name) or (f"/usr/sbin/{name}" if os.path.exists(f"/usr/sbin/{name}")
                                      else None)
        if path:
            return path
    return None


class PrivateExim:
    """Exim from the template mta/<template> in <base>/exim. The template's
    @DIR@ and @EXIM_USER@ are filled in here, the other @KEY@ fields from
    `fields`. `folders` are created under @DIR@ for Exim to write (besides
    spool and log). Skips the test when Exim cannot run here."""

    def __init__(self, test, base, template, fields, folders=()):
        self.test = test
        self.exim = exim_binary()
        if self.exim is None:
            test.skipTest("no exim4 (apt-get install exim4-daemon-light)")
        d = os.path.join(base, "exim")
        self.dir = d
        writable = ["spool", "log", *folders]
        for sub in writable:
            os.makedirs(os.path.join(d, sub))
        user = "Debian-exim"
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam(user)
            except KeyError:
                test.skipTest(f"no {user} user: this exim would not drop to a known user")
            os.chmod(base, 0o711)
            for sub in writable:
                os.chown(os.path.join(d, sub), pw.pw_uid, pw.pw_gid)
        else:
            user = pwd.getpwuid(os.geteuid()).pw_name
        with open(os.path.join(HERE, "mta", template)) as f:
            conf = f.read()
        for k, v in {"DIR": d, "EXIM_USER": user, **fields}.items():
            conf = conf.replace(f"@{k}@", v)
        self.conf = os.path.join(d, "exim.conf")
        with open(self.conf, "w") as f:
            f.write(conf)
        self.port = free_port()
        self.proc = subprocess.Popen([self.exim, "-C", self.conf, "-bdf", "-oX", str(self.port),
                                      "-oP", os.path.join(d, "spool", "exim.pid"), "-odi"],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        test.addCleanup(self.stop)
        try:
            wait_port(self.port, self.proc)
        except AssertionError as e:
            out = self.proc.stdout.read().decode(errors="replace") if self.proc.poll() else ""
            raise AssertionError(f"{e}\n{out}\n{self.mainlog()}")

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.proc.stdout.close()

    def mainlog(self):
        try:
            with open(os.path.join(self.dir, "log", "mainlog"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def wait_log(self, pattern, timeout=20):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if re.search(pattern, self.mainlog(), re.M):
                return
            time.sleep(0.1)
        self.test.fail(f"exim's log has no {pattern!r} after {timeout}s:\n{self.mainlog()}")
