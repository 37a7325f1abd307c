"""Sessions that must end: clients that stop reading their output (NNTP
plain, STARTTLS and NNTPS; LMTP with pipelining), a POST line longer than
the server reads ahead, TLS handshakes that never start, and the
per-account login lockout against guesses from many addresses.

Every test drives the real binary over loopback sockets. Clients that do
not read set a small SO_RCVBUF before connecting, so the kernel's buffers
fill after a few articles and the server's own output queue is what
grows."""
import os
import socket
import ssl
import time
import unittest

from mailserver import MailGate
from nntpserver import Raw, Server


def vmrss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def stuffed_socket(port, src="127.0.0.1"):
    """A connected socket with a small receive buffer (the window the server
    sees stays small), bound to source address src."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.bind((src, 0))
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    return s


def read_line(s):
    out = b""
    while not out.endswith(b"\n"):
        c = s.recv(1)
        if not c:
            raise EOFError(f"closed after {out!r}")
        out += c
    return out.decode(errors="replace").rstrip("\r\n")


def push(s, data, seconds=3.0):
    """Sends as much of data as the peer takes without our reading anything,
    until it is all sent or nothing moved for a while; returns bytes sent."""
    s.setblocking(False)
    sent, idle_since, end = 0, time.monotonic(), time.monotonic() + seconds
    while sent < len(data) and time.monotonic() < end:
        try:
            n = s.send(data[sent:sent + 65536])
            sent += n
            idle_since = time.monotonic()
        except (BlockingIOError, ssl.SSLWantWriteError, ssl.SSLWantReadError):
            if time.monotonic() - idle_since > 0.5:
                break
            time.sleep(0.01)
    return sent


def closed_by_peer(s, timeout):
    """True when the server has closed s (EOF or reset) within timeout; what
    it sent before is read and dropped. (Reading makes progress: call it
    once the server should have given up on the client.)"""
    s.setblocking(True)
    s.settimeout(0.5)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if not s.recv(65536):
                return True
        except socket.timeout:
            continue
        except ssl.SSLError:
            return True
        except (ConnectionResetError, BrokenPipeError):
            return True
    return False


class NntpOutput(unittest.TestCase):
    """Regression (issue #10, item 5): a client that stops reading was never
    dropped (the timer was cleared while its output waited), so 50 of them
    from one address blocked that address for good."""

    def test_clients_that_do_not_read_are_dropped_and_free_their_slots(self):
        # write_timeout must outlast setting up the 50 stalled sessions
        # (seconds under ASan on a busy machine), or the first are dropped
        # before the 51st asks for a slot
        srv = Server(self, extra=["nntp.write_timeout=10", "nntp.idle_timeout=600"])
        ctx = srv.ssl_context()
        stalled = []
        for i in range(50):
            kind = ("starttls" if i == 0 else "implicit" if i == 1 else "plain")
            if kind == "implicit":
                s = ctx.wrap_socket(stuffed_socket(srv.tls_port), server_hostname="localhost")
            else:
                s = stuffed_socket(srv.port)
            self.assertTrue(read_line(s).startswith("20"))
            if kind == "starttls":
                s.sendall(b"STARTTLS\r\n")
                self.assertTrue(read_line(s).startswith("382"))
                s = ctx.wrap_socket(s, server_hostname="localhost")
            s.sendall(b"GROUP demo.general\r\n")
            self.assertTrue(read_line(s).startswith("211"))
            self.assertGreater(push(s, b"ARTICLE 1\r\n" * 20000), 0)
            stalled.append(s)
        # the address is at max_per_address (50): refused now
        r = Raw(srv.port)
        self.assertTrue(r.greeting.startswith("400"), r.greeting)
        r.close()
        # after write_timeout every stalled session is gone and logged
        # (not read before: reading would let their output move again)
        time.sleep(12)
        for s in stalled:
            self.assertTrue(closed_by_peer(s, 5))
        r = Raw(srv.port)
        self.assertTrue(r.greeting.startswith("200"), r.greeting)
        self.assertTrue(r.cmd("DATE").startswith("111"))
        r.close()
        log = srv.logtext()
        self.assertEqual(log.count("took none of its output"), 50, log[-2000:])
        self.assertIn("127.0.0.1 took none of its output", log)
        for s in stalled:
            s.close()

    def test_pipelined_articles_beyond_the_read_watermark_are_answered(self):
        # Regression: with 64 KiB of input waiting (the read watermark) and
        # the session queued for its article transfers, libevent ran the
        # read callback again and again at session priority, the worker
        # spun, and neither this client nor the other article transfers of
        # that worker were ever served.
        srv = Server(self, extra=["nntp.workers=1"])
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        self.assertTrue(read_line(s).startswith("20"))
        s.sendall(b"GROUP demo.general\r\n")
        self.assertTrue(read_line(s).startswith("211"))
        n = 20000
        s.sendall(b"ARTICLE 1\r\n" * n)
        other = Raw(srv.port)
        self.assertTrue(other.cmd("GROUP demo.general").startswith("211"))
        self.assertTrue(other.cmd("ARTICLE 2").startswith("220"))
        other.block()
        other.close()
        f = s.makefile("rb")
        for i in range(n):
            self.assertTrue(f.readline().startswith(b"220 1 "), i)
            while f.readline() != b".\r\n":
                pass
        s.close()

    def test_slow_reader_is_not_dropped(self):
        # write_timeout counts time without any progress, not the transfer
        srv = Server(self, extra=["nntp.write_timeout=2"], import_demo=True)
        s = stuffed_socket(srv.port)
        read_line(s)
        s.sendall(b"GROUP demo.general\r\n")
        read_line(s)
        n = 600
        s.sendall(b"ARTICLE 1\r\n" * n)
        got, end = 0, time.monotonic() + 60
        f = b""
        s.settimeout(10)
        while got < n and time.monotonic() < end:
            chunk = s.recv(8192)
            self.assertTrue(chunk, "closed while the client was reading")
            f += chunk
            got += f.count(b"\r\n.\r\n")
            f = f[f.rfind(b"\r\n.\r\n") + 5:] if b"\r\n.\r\n" in f else f
            time.sleep(0.02)  # about 400 KB/s: slower than the server writes
        self.assertEqual(got, n)
        s.close()


class NntpPost(unittest.TestCase):
    """Regression (issue #10, item 5): a POST header line over 64 KiB (the
    read watermark) deadlocked the session: reading stopped at 64 KiB while
    the session waited for up to 1 MiB."""

    def test_header_line_over_the_read_watermark_is_refused_promptly(self):
        srv = Server(self, import_demo=True)
        r = Raw(srv.tls_port, srv.ssl_context())
        self.addCleanup(r.close)
        self.assertTrue(r.cmd("AUTHINFO USER alice").startswith("381"))
        self.assertTrue(r.cmd("AUTHINFO PASS secret").startswith("281"))
        self.assertTrue(r.cmd("POST").startswith("340"))
        r.send("From: Alice <alice@example.org>\r\nNewsgroups: demo.general\r\n"
               "Subject: " + "x" * (100 * 1024) + "\r\n\r\nbody\r\n.\r\n")
        t0 = time.monotonic()
        reply = r.line()
        self.assertTrue(reply.startswith("441") and "line longer" in reply, reply)
        self.assertLess(time.monotonic() - t0, 5)
        # the session goes on
        self.assertTrue(r.cmd("DATE").startswith("111"))
        self.assertTrue(r.cmd("POST").startswith("340"))
        r.send("From: Alice <alice@example.org>\r\nNewsgroups: demo.general\r\n"
               "Subject: short\r\n\r\nbody\r\n.\r\n")
        self.assertTrue(r.line().startswith("240"))


class TlsHandshake(unittest.TestCase):
    """Lower item of issue #10: a TLS client that never starts its handshake
    held its connection (and its per-address slot) until idle_timeout, and
    not even then."""

    def test_handshake_that_never_starts_is_dropped(self):
        srv = Server(self, extra=["nntp.handshake_timeout=2", "nntp.idle_timeout=600"],
                     import_demo=False)
        implicit = socket.create_connection(("127.0.0.1", srv.tls_port), timeout=10)
        plain = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        self.assertTrue(read_line(plain).startswith("20"))
        plain.sendall(b"STARTTLS\r\n")
        self.assertTrue(read_line(plain).startswith("382"))
        t0 = time.monotonic()
        self.assertTrue(closed_by_peer(implicit, 8))
        self.assertTrue(closed_by_peer(plain, 8))
        self.assertGreater(time.monotonic() - t0, 1.0)
        implicit.close()
        plain.close()
        self.assertEqual(srv.logtext().count("tls handshake with 127.0.0.1 timed out"), 2)
        # a handshake that completes is not affected by the shorter timeout
        r = Raw(srv.tls_port, srv.ssl_context())
        time.sleep(3)
        self.assertTrue(r.cmd("DATE").startswith("111"))
        r.close()


class AccountLockout(unittest.TestCase):
    """Regression (issue #10, item 10): failed logins were limited per
    address only, so guesses at one account from many addresses were never
    stopped."""

    def login(self, srv, src, user, password):
        s = stuffed_socket(srv.port, src)
        try:
            self.assertTrue(read_line(s).startswith("20"))
            s.sendall(f"AUTHINFO USER {user}\r\n".encode())
            self.assertTrue(read_line(s).startswith("381"))
            s.sendall(f"AUTHINFO PASS {password}\r\n".encode())
            return read_line(s)
        finally:
            s.close()

    def test_many_addresses_lock_the_account_for_a_while(self):
        srv = Server(self, extra=["nntp.account_lockout=3", "nntp.allow_plaintext_auth=true"],
                     import_demo=False)
        for i in range(5):
            src = f"127.0.0.{2 + i}"
            self.assertTrue(self.login(srv, src, "alice", "wrong").startswith("481"))
            self.assertTrue(self.login(srv, src, "nosuchuser", "wrong").startswith("481"))
        locked = self.login(srv, "127.0.0.20", "alice", "secret")
        self.assertTrue(locked.startswith("481"), locked)
        # an unknown name is locked alike: the answer tells nothing
        self.assertEqual(self.login(srv, "127.0.0.21", "nosuchuser", "x"), locked)
        time.sleep(3.5)
        self.assertTrue(self.login(srv, "127.0.0.20", "alice", "secret").startswith("281"))
        self.assertIn("alice is locked after failed logins", srv.logtext())


class LmtpOutput(unittest.TestCase):
    """Regression (issue #10, item 5): LMTP had no output bound: pipelined
    commands from a client that does not read grew mailin by about 11x the
    input, and the session stayed."""

    def test_pipelining_without_reading_is_bounded_and_dropped(self):
        gate = MailGate(self, users=False)
        m = gate.mailin("-o", "mail.lmtp.write_timeout=2")
        time.sleep(0.5)
        before = vmrss_kb(m.proc.pid)
        s = stuffed_socket(m.port)
        self.assertTrue(read_line(s).startswith("220"))
        data = b"LHLO client.example\r\n" + b"NOOP\r\nRSET\r\n" * (20 * 1024 * 1024 // 12)
        sent = push(s, data, seconds=15)
        grown = vmrss_kb(m.proc.pid) - before
        self.assertLess(grown, 16 * 1024, f"mailin grew by {grown} KiB after {sent} bytes")
        time.sleep(4)
        self.assertTrue(closed_by_peer(s, 5))
        s.close()
        self.assertIn("took none of its replies", m.logtext())
        # the server still serves others
        c = stuffed_socket(m.port)
        self.assertTrue(read_line(c).startswith("220"))
        c.sendall(b"NOOP\r\n")
        self.assertTrue(read_line(c).startswith("250"))
        c.close()


if __name__ == "__main__":
    unittest.main()
