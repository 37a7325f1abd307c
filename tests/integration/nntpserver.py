"""Starts the real forumgate nntpd on free loopback ports over a store built
by `forumgate import` of the demo spool, with a throw-away TLS certificate
and a user alice/secret."""
import os
import socket
import ssl
import subprocess
import time

from fgtest import DEMO, FORUMGATE, ROOT, Gate


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, test, extra=(), import_demo=True, extra_listen=""):
        self.gate = Gate(test)
        d = self.gate.dir
        self.cert = os.path.join(d, "cert.pem")
        self.key = os.path.join(d, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=localhost", "-addext",
                        "subjectAltName=DNS:localhost,IP:127.0.0.1",
                        "-keyout", self.key, "-out", self.cert],
                       check=True, capture_output=True)
        self.port = free_port()
        self.tls_port = free_port()
        g = self.gate
        g.overrides += ["-o", f"nntp.listen=127.0.0.1:{self.port}/starttls,"
                              f"127.0.0.1:{self.tls_port}/implicit{extra_listen}",
                        "-o", f"nntp.tls.cert={self.cert}", "-o", f"nntp.tls.key={self.key}",
                        "-o", "nntp.workers=2"]
        for e in extra:
            g.overrides += ["-o", e]
        if import_demo:
            g.run("import", "config/demo-spool")
        else:  # an empty store: only import, serve and sync create one
            empty = os.path.join(d, "empty-spool")
            os.mkdir(empty)
            g.run("import", empty)
        g.run("user", "add", "alice", "--password", "secret", "--address", "alice@example.org")
        self.log = open(os.path.join(d, "nntpd.log"), "w+b")
        self.proc = subprocess.Popen([FORUMGATE, "-c", DEMO, *g.overrides, "nntpd"], cwd=ROOT,
                                     stdout=self.log, stderr=self.log)
        test.addCleanup(self.stop)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                # a full session (greeting, QUIT, close) on both listeners, so
                # the probes no longer count against the connection limits
                self._probe(self.port, None)
                self._probe(self.tls_port, self.ssl_context())
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        raise AssertionError("nntpd did not start:\n" + self.logtext())

    def _probe(self, port, ctx):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        if ctx:
            s = ctx.wrap_socket(s, server_hostname="localhost")
        with s:
            f = s.makefile("rb")
            f.readline()
            s.sendall(b"QUIT\r\n")
            while f.readline():
                pass

    def logtext(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def ssl_context(self):
        ctx = ssl.create_default_context(cafile=self.cert)
        return ctx

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Raw:
    """A line-level NNTP client for exact status-code checks."""

    def __init__(self, port, tls_ctx=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        if tls_ctx:
            self.sock = tls_ctx.wrap_socket(self.sock, server_hostname="localhost")
        self.f = self.sock.makefile("rb")
        self.greeting = self.line()

    def line(self):
        l = self.f.readline()
        if not l:
            raise EOFError("connection closed")
        return l.rstrip(b"\r\n").decode("utf-8", "replace")

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.line()

    def block(self):
        out = []
        while True:
            l = self.line()
            if l == ".":
                return out
            out.append(l[1:] if l.startswith("..") else l)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
