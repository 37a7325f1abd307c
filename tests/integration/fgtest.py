"""Helpers shared by the integration tests: run the real forumgate binary on
config/demo.yaml with a private store, and read its mboxrd export."""
import email
import email.policy
import os
import re
import shutil
import subprocess
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FORUMGATE = os.environ.get("FORUMGATE", os.path.join(ROOT, "forumgate"))
DEMO = os.path.join(ROOT, "config", "demo.yaml")
SHARED = os.path.abspath(os.path.join(ROOT, "..", "shared"))


class Gate:
    """A forumgate with its own temporary store (and spool when asked)."""

    def __init__(self, test, spool=None):
        self.dir = tempfile.mkdtemp(prefix="fg-it-")
        test.addCleanup(shutil.rmtree, self.dir, True)
        self.store = os.path.join(self.dir, "store.db")
        self.overrides = ["-o", f"gateway.store={self.store}"]
        if spool:
            self.overrides += ["-o", f"forums.demo.spool.path={spool}"]

    def run(self, *args, check=True, input=None):
        cmd = [FORUMGATE, "-c", DEMO, *self.overrides, *args]
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, input=input, timeout=120)
        if check and p.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} exited {p.returncode}:\n"
                                 f"{p.stderr.decode(errors='replace')}")
        return p

    def export(self, *args):
        return self.run("export", *args).stdout

    def messages(self, *args):
        return parse_mboxrd(self.export(*args))


def parse_mboxrd(data):
    """Splits an mboxrd stream into email.message objects (undoing >From)."""
    msgs, cur = [], None
    if not data:
        return []
    for line in data.split(b"\n"):
        if line.startswith(b"From ") and (cur is None or cur[-1:] == [b""]):
            if cur is not None:
                msgs.append(cur[:-1])
            cur = []
            continue
        if cur is None:
            raise AssertionError("mbox does not start with a From line")
        if re.match(rb"^>+From ", line):
            line = line[1:]
        cur.append(line)
    if cur is not None:
        if cur and cur[-1] == b"":
            cur = cur[:-1]
        if cur and cur[-1] == b"":
            cur = cur[:-1]
        msgs.append(cur)
    out = []
    for m in msgs:
        raw = b"\n".join(m) + b"\n"
        out.append(email.message_from_bytes(raw, policy=email.policy.default))
    return out


def need_shared(test, rel):
    path = os.path.join(SHARED, rel)
    if not os.path.exists(path):
        test.skipTest(f"{path} is absent (../shared is not laid out beside the project)")
    return path
