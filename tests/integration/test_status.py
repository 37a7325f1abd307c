"""The operator interface (issue #15): `forumgate status` of a real `serve`
on loopback ports (its roles, a role killed and restarted, a forum whose
sync fails, serve stopped) and GET /metrics on the HTTP listener, parsed
by a strict Prometheus text-format (0.0.4) parser written here."""
import json
import math
import nntplib
import os
import re
import signal
import time
import unittest
import urllib.request

from mailserver import free_port, wait_port
from test_security import Site, children

ROLES = {"sync", "nntpd", "mailin", "outbox", "httpd"}  # no imapin, no listd


def status(site):
    """(exit code, parsed --json output, text output)."""
    p = site.run("status", "--json")
    t = site.run("status")
    return p.returncode, json.loads(p.stdout) if p.stdout.strip() else None, t.stdout.decode()


def wait_for(what, fn, timeout=20):
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        last = fn()
        if last:
            return last
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


# ---- a strict parser of the Prometheus text format 0.0.4 ----

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
SAMPLE = re.compile(r"^(" + NAME + r")(?:\{(.*)\})? (\S+)(?: (-?\d+))?$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"(,|$)')


def parse_labels(text):
    labels, pos = {}, 0
    while pos < len(text):
        m = LABEL.match(text, pos)
        if not m:
            raise ValueError(f"bad labels at {text[pos:]!r}")
        value = re.sub(r"\\(.)", lambda x: {"n": "\n"}.get(x.group(1), x.group(1)), m.group(2))
        if m.group(1) in labels:
            raise ValueError(f"label {m.group(1)} twice")
        labels[m.group(1)] = value
        pos = m.end()
    return labels


def parse_value(v):
    if v in ("+Inf", "-Inf", "NaN"):
        return float(v.replace("Inf", "inf").replace("NaN", "nan"))
    if not re.match(r"^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$", v):
        raise ValueError(f"bad value {v!r}")
    return float(v)


def parse_exposition(text):
    """{family: {"type", "help", "samples": [(name, labels, value)]}}; raises
    ValueError on anything the format does not allow."""
    if not text.endswith("\n"):
        raise ValueError("no final line feed")
    fams, types = {}, {}
    for line in text.split("\n")[:-1]:
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            kind, name, rest = line[2:6], *line[7:].split(" ", 1)
            if not re.fullmatch(NAME, name):
                raise ValueError(f"bad name in {line!r}")
            f = fams.setdefault(name, {"samples": []})
            if kind == "TYPE":
                if name in types or f["samples"]:
                    raise ValueError(f"TYPE of {name} twice or after its samples")
                if rest not in ("counter", "gauge", "histogram", "summary", "untyped"):
                    raise ValueError(f"bad type {rest}")
                types[name] = f["type"] = rest
            else:
                if "help" in f:
                    raise ValueError(f"HELP of {name} twice")
                f["help"] = rest
            continue
        if line.startswith("#") or not line:
            raise ValueError(f"unexpected line {line!r}")
        m = SAMPLE.match(line)
        if not m:
            raise ValueError(f"bad sample line {line!r}")
        name = m.group(1)
        fam = name
        if name not in types:
            for suffix in ("_bucket", "_sum", "_count"):
                if name.endswith(suffix) and types.get(name[:-len(suffix)]) == "histogram":
                    fam = name[:-len(suffix)]
        if fam not in types:
            raise ValueError(f"sample {name} has no TYPE line before it")
        fams[fam]["samples"].append((name, parse_labels(m.group(2) or ""),
                                     parse_value(m.group(3))))
    # histograms: cumulative buckets per label set, ending with +Inf = _count
    for fam, f in fams.items():
        if f.get("type") != "histogram":
            continue
        series = {}
        for name, labels, value in f["samples"]:
            key = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
            s = series.setdefault(key, {"buckets": [], "count": None, "sum": None})
            if name == fam + "_bucket":
                s["buckets"].append((labels["le"], value))
            elif name == fam + "_count":
                s["count"] = value
            elif name == fam + "_sum":
                s["sum"] = value
            else:
                raise ValueError(f"{name} in histogram {fam}")
        for key, s in series.items():
            les = [parse_value(le) for le, _ in s["buckets"]]
            counts = [v for _, v in s["buckets"]]
            if not les or les[-1] != math.inf:
                raise ValueError(f"{fam}{key}: buckets do not end with +Inf")
            if les != sorted(les) or len(set(les)) != len(les):
                raise ValueError(f"{fam}{key}: le not ascending")
            if counts != sorted(counts):
                raise ValueError(f"{fam}{key}: buckets not cumulative")
            if s["count"] is None or s["sum"] is None or s["count"] != counts[-1]:
                raise ValueError(f"{fam}{key}: _count {s['count']} != +Inf {counts[-1]}")
    return fams


class Parser(unittest.TestCase):
    """The parser itself refuses what it must."""

    def test_refuses_broken_expositions(self):
        ok = ("# HELP a_total x\n# TYPE a_total counter\na_total{k=\"v\\\"\\n\"} 3\n"
              "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
              "h_sum 0.5\nh_count 2\n")
        fams = parse_exposition(ok)
        self.assertEqual(fams["a_total"]["samples"][0][1], {"k": "v\"\n"})
        for bad in ("x 1\n",                                               # no TYPE
                    "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
                    "h_sum 1\nh_count 1\n",                                # not cumulative
                    "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",  # no +Inf
                    "# TYPE a gauge\na{k=\"v} 1\n",                      # bad quoting
                    "# TYPE a gauge\na 1"):                               # no final LF
            with self.assertRaises(ValueError, msg=bad):
                parse_exposition(bad)


class Status(unittest.TestCase):
    def setUp(self):
        self.site = Site(self)
        self.http = free_port()
        self.site.overrides += ["-o", f"http.listen=127.0.0.1:{self.http}",
                                "-o", "forums.demo.spool.poll_interval=1"]

    def serve(self):
        p = self.site.start("serve", wait=self.site.nntp)
        wait_port(self.http, p)
        return p

    def healthy(self):
        """Waits until status sees every role of serve alive; returns it."""
        def ok():
            rc, js, _ = status(self.site)
            roles = {r["role"] for r in js["roles"] if r["alive"]} if js else set()
            return (rc, js) if rc == 0 and ROLES | {"serve"} <= roles else None
        return wait_for("a healthy status", ok)

    def test_running_gateway_lists_its_roles(self):
        serve = self.serve()
        rc, js = self.healthy()
        self.assertEqual(js["serve_pid"], serve.pid)
        kids = set(children(serve.pid))
        pids = {r["role"]: r["pid"] for r in js["roles"]}
        for role in ROLES:
            self.assertIn(pids[role], kids, role)
        self.assertEqual(js["problems"], [])
        self.assertTrue(js["forums"][0]["last_success"] > 0)
        _, _, text = status(self.site)
        for role in ROLES:
            self.assertRegex(text, rf"(?m)^{role}\s+\S+\s+{pids[role]}\s")
        self.assertIn("outbox: 0 queued", text)

    def test_killed_role_is_restarted_and_counted(self):
        self.serve()
        _, js = self.healthy()
        old = {r["role"]: r["pid"] for r in js["roles"]}["outbox"]
        os.kill(old, signal.SIGKILL)

        def restarted():
            rc, js, _ = status(self.site)
            r = {r["role"]: r for r in js["roles"]}["outbox"]
            return (rc, r) if r["pid"] != old and r["alive"] and r["restarts"] == 1 else None
        rc, row = wait_for("outbox restarted", restarted)
        self.assertEqual(rc, 0)
        _, _, text = status(self.site)
        self.assertRegex(text, rf"(?m)^outbox\s+\S+\s+{row['pid']}\s.*\s1\s+\S+\s+up$")

    def test_stopped_gateway_exits_3(self):
        serve = self.serve()
        self.healthy()
        serve.send_signal(signal.SIGTERM)
        serve.wait(20)
        rc, js, text = status(self.site)
        self.assertEqual(rc, 3)
        self.assertFalse(js["running"])
        self.assertIn("no gateway is running", text)
        # the rows of the stopped roles stay, but none runs alone
        self.assertIn("\ngateway: not running\n", text)
        # no store at all: 3 as well
        p = self.site.run("status", "-o", "gateway.store=" + os.path.join(self.site.dir, "x.db"))
        self.assertEqual(p.returncode, 3, p.stderr)

    def test_failing_sync_is_shown(self):
        self.serve()
        self.healthy()
        os.rename(self.site.spool, self.site.spool + ".gone")

        def failing():
            rc, js, _ = status(self.site)
            f = js["forums"][0]
            return (rc, js) if f["failing"] else None
        rc, js = wait_for("a failed sync", failing)
        self.assertEqual(rc, 1)
        self.assertTrue(any(p.startswith("forum demo: the last sync failed") for p in js["problems"]),
                        js["problems"])
        self.assertIn("spool", js["forums"][0]["last_error"])
        _, _, text = status(self.site)
        self.assertIn("problems:", text)
        # it recovers when the spool is back
        os.rename(self.site.spool + ".gone", self.site.spool)
        wait_for("a good sync", lambda: status(self.site)[0] == 0)

    def scrape(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.http}/metrics", timeout=10) as r:
            self.assertEqual(r.status, 200)
            ctype = r.headers["Content-Type"]
            self.assertTrue(ctype.startswith("text/plain; version=0.0.4"), ctype)
            return parse_exposition(r.read().decode())

    def test_metrics_parse_and_count_nntp_commands(self):
        self.serve()
        self.healthy()

        def commands(fams, cmd):
            f = fams.get("forumgate_nntp_commands_total", {"samples": []})
            return sum(v for _, l, v in f["samples"] if l.get("command") == cmd)
        before = self.scrape()
        for fam in ("forumgate_role_up", "forumgate_role_restarts_total",
                    "forumgate_outbox_items", "forumgate_list_queue_items",
                    "forumgate_sync_last_success_timestamp_seconds",
                    "forumgate_sync_pass_seconds"):
            self.assertIn(fam, before)
            self.assertIn("help", before[fam])
        up = {l["role"]: v for _, l, v in before["forumgate_role_up"]["samples"]}
        for role in ROLES:
            self.assertEqual(up[role], 1, role)
        n0 = commands(before, "GROUP")
        s = nntplib.NNTP("127.0.0.1", self.site.nntp, readermode=True, timeout=10)
        try:
            for _ in range(3):
                s.group("demo.general")
            fams = wait_for("the NNTP counters flushed",
                            lambda: (lambda f: f if commands(f, "GROUP") >= n0 + 3 else None)(
                                self.scrape()), timeout=15)
            conns = fams["forumgate_nntp_connections"]["samples"][0][2]
            self.assertGreaterEqual(conns, 1)
        finally:
            s.quit()
        hist = [x for x in fams["forumgate_nntp_command_seconds"]["samples"]
                if x[1].get("command") == "GROUP" and x[0].endswith("_count")]
        self.assertGreaterEqual(hist[0][2], 3)
        # an unknown path is still 404, another method 405
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(urllib.request.Request(
                f"http://127.0.0.1:{self.http}/metrics", data=b"x", method="POST"), timeout=10)
        self.assertEqual(e.exception.code, 405)


if __name__ == "__main__":
    unittest.main()
