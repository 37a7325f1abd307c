"""The manual and the install target: forumgate.yaml(5) documents exactly
the keys the configuration schema knows (forumgate config-keys walks the
schema tables of config.c), forumgate(8) every command of the usage text,
both lint clean with mandoc, and `make install` puts the binary, the pages,
the example configuration and the unit under DESTDIR."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from fgtest import FORUMGATE, ROOT

DOC = os.path.join(ROOT, "doc")


def page(name):
    with open(os.path.join(DOC, name)) as f:
        return f.read()


class Manual(unittest.TestCase):
    def test_every_schema_key_is_documented_and_nothing_else(self):
        p = subprocess.run([FORUMGATE, "config-keys"], capture_output=True, text=True, check=True)
        schema = set(p.stdout.split())
        self.assertIn("nntp.tls.cert", schema)
        self.assertIn("forums[].discourse.api_key_file", schema)
        documented = set(re.findall(r"(?m)^\.It Cm (\S+)", page("forumgate.yaml.5")))
        self.assertEqual(sorted(schema - documented), [], "keys missing in forumgate.yaml.5")
        self.assertEqual(sorted(documented - schema), [], "keys forumgate.yaml.5 invents")

    def test_every_command_is_documented(self):
        p = subprocess.run([FORUMGATE, "--help"], capture_output=True, text=True, check=True)
        commands = set(re.findall(r"(?m)^  ([a-z][a-z-]+)", p.stdout))
        self.assertIn("serve", commands)
        man = page("forumgate.8")
        documented = set(re.findall(r"\bIc ([a-z][a-z-]+)", man))
        self.assertEqual(sorted(commands - documented), [], "commands missing in forumgate.8")
        for sig in ("SIGHUP", "SIGTERM"):
            self.assertIn(f"Dv {sig}", man)
        for sec in ("EXIT STATUS", "ENVIRONMENT", "FILES", "SIGNALS"):
            self.assertIn(f".Sh {sec}", man)

    def test_mandoc_lint_is_clean(self):
        mandoc = shutil.which("mandoc")
        self.assertIsNotNone(mandoc, "mandoc is missing: scripts/install-deps.sh installs it")
        # run beside the pages: their references to each other resolve there
        p = subprocess.run([mandoc, "-T", "lint", "forumgate.8", "forumgate.yaml.5"], cwd=DOC,
                           capture_output=True, text=True)
        ours = [l for l in (p.stdout + p.stderr).splitlines() if "forumgate" in l]
        self.assertEqual(ours, [], p.stdout + p.stderr)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)


class Install(unittest.TestCase):
    def test_make_install_into_destdir(self):
        d = tempfile.mkdtemp(prefix="fg-install-")
        self.addCleanup(shutil.rmtree, d, True)
        # the installed binary is the normal build, also under `make test
        # SANITIZE=1`, whose variables reach this process's environment
        env = {k: v for k, v in os.environ.items()
               if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "SANITIZE")}
        p = subprocess.run(["make", "--no-print-directory", "install", f"DESTDIR={d}",
                            "PREFIX=/usr"], cwd=ROOT, capture_output=True, text=True, env=env)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        files = {os.path.relpath(os.path.join(r, f), d): os.stat(os.path.join(r, f)).st_mode & 0o777
                 for r, _, fs in os.walk(d) for f in fs}
        self.assertEqual(files, {
            "usr/sbin/forumgate": 0o755,
            "usr/share/man/man8/forumgate.8": 0o644,
            "usr/share/man/man5/forumgate.yaml.5": 0o644,
            "etc/forumgate/forumgate.yaml.example": 0o644,
            "usr/lib/systemd/system/forumgate.service": 0o644,
        })
        with open(os.path.join(d, "usr/lib/systemd/system/forumgate.service")) as f:
            self.assertIn("ExecStart=/usr/sbin/forumgate serve -c /etc/forumgate/forumgate.yaml",
                          f.read())
        v = subprocess.run([os.path.join(d, "usr/sbin/forumgate"), "version"],
                           capture_output=True, text=True)
        self.assertTrue(v.stdout.startswith("forumgate "), v)
        # the installed example configuration is valid as it stands
        c = subprocess.run([os.path.join(d, "usr/sbin/forumgate"), "-c",
                            os.path.join(d, "etc/forumgate/forumgate.yaml.example"),
                            "config-keys"], capture_output=True, text=True)
        self.assertEqual(c.returncode, 0, c.stderr)


if __name__ == "__main__":
    unittest.main()
