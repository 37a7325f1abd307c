"""An SMTP server on loopback for the list delivery tests (test_listd.py)
and scripts/bench_listd.py: Python stdlib only (python3-aiosmtpd is not a
Debian package we may install).

It records every session: the commands in the order they came, each with
the number of the read (recv) it arrived in, so a test sees whether the
client pipelined (MAIL, RCPT and DATA in one read); every accepted message
as (envelope sender, [recipients], bytes with the dot-stuffing undone);
whether the session was under STARTTLS and who logged in.

Options: pipelining, starttls (a certificate and key: PEM paths), auth
(user, password) for AUTH PLAIN, `refuse` a function (stage, arg) ->
reply line or None to answer MAIL/RCPT/DATA/content with a failure ("DROP"
after the content closes the connection without a reply), and
`stats_only` for the benchmark (counts messages, keeps no bytes), and
`latency` (seconds) slept before each batch of replies, a network's round
trip for the benchmark's pipelining figures.
One thread per connection."""
import base64
import socket
import ssl
import threading
import time


class Session:
    def __init__(self):
        self.commands = []      # (read number, command line)
        self.tls = False
        self.user = None
        self.ehlo = None


class SMTPSink:
    def __init__(self, port=0, pipelining=True, starttls=None, auth=None, refuse=None,
                 stats_only=False, latency=0.0):
        self.latency = latency
        self.pipelining = pipelining
        self.starttls = starttls
        self.auth = auth
        self.refuse = refuse
        self.stats_only = stats_only
        self.messages = []
        self.count = 0
        self.sessions = []
        self.cond = threading.Condition()
        self.srv = socket.socket()
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind(("127.0.0.1", port))
        self.srv.listen(16)
        self.port = self.srv.getsockname()[1]
        self.done = False
        self.conns = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def close(self):
        self.done = True
        try:
            self.srv.close()
        except OSError:
            pass
        for c in list(self.conns):
            try:
                c.shutdown(socket.SHUT_RDWR)
                c.close()
            except OSError:
                pass

    def wait(self, n=1, timeout=20):
        with self.cond:
            self.cond.wait_for(lambda: self.count >= n, timeout)
            return list(self.messages)

    def _serve(self):
        while not self.done:
            try:
                conn, _ = self.srv.accept()
            except OSError:
                return
            self.conns.append(conn)
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn):
        s = Session()
        with self.cond:
            self.sessions.append(s)
        state = {"sock": conn, "buf": b"", "reads": 0}
        out = []

        def flush():
            if out and self.latency:
                time.sleep(self.latency)  # a network's round trip, simulated
            if out:
                state["sock"].sendall(b"".join(out))
                out.clear()

        def say(line):
            out.append(line.encode() + b"\r\n")

        def readline():
            while b"\n" not in state["buf"]:
                flush()   # replies go out once the client waits for them
                data = state["sock"].recv(262144)
                if not data:
                    return None
                state["reads"] += 1
                state["buf"] += data
            line, state["buf"] = state["buf"].split(b"\n", 1)
            return line + b"\n"

        def refused(stage, arg):
            return self.refuse(stage, arg) if self.refuse else None

        try:
            say("220 sink.example ESMTP list test sink")
            sender, rcpts, ok_rcpts = None, [], 0
            while True:
                line = readline()
                if line is None:
                    return
                cmd = line.decode("utf-8", "replace").rstrip("\r\n")
                verb = cmd[:4].upper()
                s.commands.append((state["reads"], cmd if not cmd.upper().startswith("AUTH")
                                   else "AUTH PLAIN ***"))
                if verb == "EHLO":
                    s.ehlo = cmd[5:]
                    caps = ["sink.example", "8BITMIME", "SIZE 52428800"]
                    if self.pipelining:
                        caps.append("PIPELINING")
                    if self.starttls and not s.tls:
                        caps.append("STARTTLS")
                    if self.auth and (s.tls or not self.starttls):
                        caps.append("AUTH PLAIN")
                    say("\r\n".join(("250-" if i < len(caps) - 1 else "250 ") + c
                                    for i, c in enumerate(caps)))
                elif verb == "STAR" and self.starttls:
                    say("220 2.0.0 go ahead")
                    flush()
                    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                    ctx.load_cert_chain(*self.starttls)
                    state["sock"] = ctx.wrap_socket(conn, server_side=True)
                    state["buf"] = b""
                    s.tls = True
                elif verb == "AUTH" and self.auth:
                    parts = cmd.split()
                    raw = base64.b64decode(parts[2]) if len(parts) > 2 else b""
                    _, user, pw = (raw.split(b"\0") + [b"", b""])[:3]
                    if (user.decode(), pw.decode()) == tuple(self.auth):
                        s.user = user.decode()
                        say("235 2.7.0 ok")
                    else:
                        say("535 5.7.8 bad credentials")
                elif verb == "MAIL":
                    a = cmd[cmd.index(":") + 1:].strip()
                    sender, rcpts, ok_rcpts = a[a.index("<") + 1:a.index(">")], [], 0
                    r = refused("MAIL", sender)
                    if self.auth and s.user is None:
                        r = "530 5.7.0 authentication required"
                    say(r or "250 2.1.0 ok")
                    if r:
                        sender = None
                elif verb == "RCPT":
                    a = cmd[cmd.index(":") + 1:].strip()
                    rcpt = a[a.index("<") + 1:a.index(">")]
                    r = refused("RCPT", rcpt) if sender is not None else "503 5.5.1 no MAIL"
                    say(r or "250 2.1.5 ok")
                    if not r:
                        rcpts.append(rcpt)
                elif verb == "DATA":
                    if not rcpts:
                        say("554 5.5.1 no valid recipients")
                        continue
                    say("354 go ahead")
                    data = []
                    while True:
                        l = readline()
                        if l is None or l == b".\r\n":
                            break
                        if not self.stats_only:
                            data.append(l[1:] if l.startswith(b"..") else l)
                    body = b"".join(data)
                    r = refused("CONTENT", (sender, rcpts, body))
                    if r == "DROP":
                        return  # the connection dies before the reply
                    if r:
                        say(r)
                    else:
                        with self.cond:
                            self.count += 1
                            if not self.stats_only:
                                self.messages.append((sender, list(rcpts), body))
                            self.cond.notify_all()
                        say("250 2.0.0 queued")
                    sender, rcpts = None, []
                elif verb == "QUIT":
                    say("221 2.0.0 bye")
                    flush()
                    return
                elif verb in ("RSET", "NOOP"):
                    sender, rcpts = None, []
                    say("250 2.0.0 ok")
                else:
                    say("502 5.5.1 no")
        except (OSError, ssl.SSLError, ValueError):
            pass
        finally:
            try:
                state["sock"].close()
            except OSError:
                pass
