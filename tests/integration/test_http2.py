"""The HTTP client speaks HTTP/2 where the forum offers it: the fixture
Discourse behind nghttpx (Debian's nghttp2-proxy), a real HTTP/2 TLS
front end that logs the protocol of every request it served."""
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

from nntpserver import free_port
from test_discourse import DGate, fixture

NGHTTPX = shutil.which("nghttpx") or "/usr/sbin/nghttpx"


class Http2(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="fg-h2-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.fx = fixture(self, corpus=False)
        cat = self.fx.add_category("General Talk")
        self.fx.generate(2, 3, category_id=cat)
        self.cert = os.path.join(self.dir, "cert.pem")
        key = os.path.join(self.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                        "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                        "-keyout", key, "-out", self.cert], check=True, capture_output=True)
        self.port = free_port()
        self.log = os.path.join(self.dir, "access.log")
        backend = self.fx.url.split("//", 1)[1].rstrip("/")
        host, bport = backend.rsplit(":", 1)
        self.proxy = subprocess.Popen(
            [NGHTTPX, f"--frontend=127.0.0.1,{self.port}", f"--backend={host},{bport}",
             "--workers=1", f"--accesslog-file={self.log}",
             "--accesslog-format=$alpn $request $status",
             f"--errorlog-file={os.path.join(self.dir, 'error.log')}",
             f"--pid-file={os.path.join(self.dir, 'pid')}", "--no-ocsp", key, self.cert],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(self.stop_proxy)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            self.fail("nghttpx did not start")

    def stop_proxy(self):
        self.proxy.terminate()
        try:
            self.proxy.wait(10)
        except subprocess.TimeoutExpired:
            self.proxy.kill()

    def test_sync_over_http2(self):
        g = DGate(self, self.fx, extra=f"    tls_ca: {self.cert}",
                  url=f"https://localhost:{self.port}")
        g.sync()
        self.assertEqual(len(g.messages()), 6)
        # nghttpx writes its log lines as requests finish
        deadline = time.time() + 5
        lines = []
        while time.time() < deadline:
            with open(self.log) as f:
                lines = [l.split() for l in f if l.strip()]
            if lines:
                break
            time.sleep(0.1)
        self.assertTrue(lines, "no request reached the HTTP/2 front end")
        # "$alpn $request $status": every request negotiated h2 and was
        # sent as HTTP/2 (libcurl would fall back to HTTP/1.1 silently)
        for fields in lines:
            self.assertEqual(fields[0], "h2", fields)
            self.assertEqual(fields[-2], "HTTP/2", fields)
        self.assertGreaterEqual(len(lines), 3)


if __name__ == "__main__":
    unittest.main()
