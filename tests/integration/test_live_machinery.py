"""The machinery live connectors share, driven through the real binary: the
httpd role (http.listen) under serve and alone, and `sync --once --forum
NAME` with its progress on a terminal."""
import os
import pty
import select
import signal
import socket
import subprocess
import time
import unittest
import urllib.error
import urllib.request

import test_cli as cli
from fgtest import DEMO, FORUMGATE, ROOT, Gate
from nntpserver import free_port


def wait_http(url, proc, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError(f"exited {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return r.status, r.read()
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered")


class Httpd(unittest.TestCase):
    def test_serve_runs_httpd_when_configured(self):
        g = cli.ServeGate(self)
        port = free_port()
        g.overrides += ["-o", f"http.listen=127.0.0.1:{port}"]
        proc = subprocess.Popen([FORUMGATE, "-c", DEMO, *g.overrides, "serve"], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL)
        try:
            cli.wait_children(proc.pid, 5)
            names = sorted(cli.cmdline(r) for r in cli.children(proc.pid))
            self.assertIn("forumgate: httpd", names)
            status, body = wait_http(f"http://127.0.0.1:{port}/health", proc)
            self.assertEqual((status, body), (200, b"ok\n"))
            with self.assertRaises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/nothing", timeout=5)
            self.assertEqual(e.exception.code, 404)
            req = urllib.request.Request(f"http://127.0.0.1:{port}/health", data=b"x")
            with self.assertRaises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(req, timeout=5)
            self.assertEqual(e.exception.code, 405)
        finally:
            proc.terminate()
            _, err = proc.communicate(timeout=20)
        self.assertEqual(proc.returncode, 0, err)

    def test_port_in_use_stops_serve(self):
        g = cli.ServeGate(self)
        port = free_port()
        g.overrides += ["-o", f"http.listen=127.0.0.1:{port}"]
        with socket.socket() as held:
            held.bind(("127.0.0.1", port))
            held.listen(1)
            p = g.serve()
        err = p.stderr.decode()
        self.assertEqual(p.returncode, cli.EX_UNAVAILABLE, err)
        self.assertIn(f"127.0.0.1:{port}: address already in use", err)
        self.assertIn("httpd could not start", err)

    def test_httpd_alone_on_a_bare_port_listens_on_loopback(self):
        g = cli.ServeGate(self)
        port = free_port()
        proc = subprocess.Popen([FORUMGATE, "-c", DEMO, *g.overrides, "-o",
                                 f"http.listen={port}", "httpd"], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL)
        try:
            status, body = wait_http(f"http://127.0.0.1:{port}/health", proc)
            self.assertEqual(body, b"ok\n")
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=20)
        self.assertEqual(proc.returncode, 0, err)
        self.assertIn(f"listening for HTTP on 127.0.0.1:{port}".encode(), err)


class SyncOneForum(unittest.TestCase):
    def test_unknown_forum_is_refused(self):
        g = Gate(self)
        p = g.run("sync", "--once", "--forum", "nosuch", check=False)
        self.assertEqual(p.returncode, 78)
        self.assertIn(b"no forum named nosuch", p.stderr)
        p = g.run("sync", "--forum", "demo", check=False)
        self.assertEqual(p.returncode, 64)

    def test_progress_on_a_terminal(self):
        g = Gate(self)
        nfiles = len([n for n in os.listdir(os.path.join(ROOT, "config", "demo-spool"))
                      if not n.startswith(".") and n.endswith((".json", ".html", ".txt"))])
        pid, fd = pty.fork()
        if pid == 0:
            os.chdir(ROOT)
            os.execv(FORUMGATE, [FORUMGATE, "-c", DEMO, *g.overrides, "sync", "--once",
                                 "--forum", "demo"])
        out = b""
        end = time.monotonic() + 60
        while time.monotonic() < end:
            r, _, _ = select.select([fd], [], [], 1)
            if not r:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        _, status = os.waitpid(pid, 0)
        os.close(fd)
        text = out.decode(errors="replace")
        self.assertEqual(os.waitstatus_to_exitcode(status), 0, text)
        self.assertIn(f"demo: {nfiles}/{nfiles} files", text)
        self.assertRegex(text, r"/s")
        # without a terminal: no progress drawing
        p = g.run("sync", "--once", "--forum", "demo")
        self.assertNotIn(b"\r\x1b[K", p.stderr)


if __name__ == "__main__":
    unittest.main()
