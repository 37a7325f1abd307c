#!/usr/bin/env python3
"""Final report of the NNTP benchmark (scripts/bench_nntp.sh).

Reads the raw result lines the bench wrote into one results folder:
  matrix.txt           nntpload lines, default client, all three servers
  matrix-quickack.txt  nntpload lines with --quickack (INN)
  idle.txt             bench_nntp_idle.py line (10,000 idle connections)
  fullpull.txt         fullpull.py lines
  import.txt           the forumgate import line (optional)
and prints markdown: the full per-run table (via the harness's own
summarize.py, so the medians are computed the same way as the anchors), a
comparison table with the ratios forumgate/INN and forumgate/public-inbox,
and the issue #3 targets with pass/fail.

INN is measured twice (plain lockstep client and --quickack, which removes
the delayed-ACK stall of nnrpd); as issue #3 asks, INN is credited with its
better figure per metric (higher art/s, lower latency, lower memory), and
the table says which mode it came from.

With --anchors (the harness's anchors/summary.md) it also sets forumgate's
art/s beside the published INN/public-inbox figures: another run on a quiet
machine, so not the same-run comparison, but a bound when this machine was
busy and the peers came out far below their anchors.

usage: bench_nntp_report.py RESULTS_DIR SUMMARIZE_PY [--fg LABEL --inn LABEL --pi LABEL]
       [--anchors FILE]"""
import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile


def parse_lines(path):
    out = []
    if not os.path.exists(path):
        return out
    for line in open(path):
        line = line.strip()
        if "=" not in line:
            continue
        kv = {}
        for tok in shlex.split(line):
            if "=" in tok:
                k, v = tok.split("=", 1)
                kv[k] = v
        out.append(kv)
    return out


def medians(lines):
    """(label, quickack, conns) -> {metric: median or max for peaks}."""
    groups = {}
    for kv in lines:
        if "conns" not in kv:
            continue
        key = (kv.get("label"), kv.get("quickack", "0"), int(kv["conns"]))
        groups.setdefault(key, []).append(kv)
    res = {}
    for key, runs in groups.items():
        m = {}
        for k in runs[0]:
            vals = []
            for r in runs:
                try:
                    vals.append(float(r[k]))
                except (KeyError, ValueError):
                    pass
            if not vals:
                continue
            m[k] = max(vals) if "peak" in k else (sum(vals) if k.startswith("err") else statistics.median(vals))
        res[key] = m
    return res


def label_of(line):
    kv = dict(t.split("=", 1) for t in shlex.split(line) if "=" in t)
    return kv.get("label", "")


def conns_of(line):
    kv = dict(t.split("=", 1) for t in shlex.split(line) if "=" in t)
    return int(kv.get("conns", 0))


def fmt(v):
    if v is None:
        return "-"
    if v >= 100:
        return "%.0f" % v
    if v >= 10:
        return "%.1f" % v
    return "%.2f" % v


def ratio(a, b):
    if not a or not b:
        return "-"
    return "%.2fx" % (a / b)


# metric key, title, True if higher is better
METRICS = [("articles_s", "art/s", True), ("over_p99_ms", "OVER p99 ms", False),
           ("conn_p99_ms", "conn p99 ms", False), ("srv_rss_peak_mb", "RSS peak MB", False),
           ("srv_pss_peak_mb", "PSS peak MB", False), ("srv_cpu_pct", "srv CPU%", None),
           ("errors", "errors", False)]


def best_inn(m, label, conns, metric, higher):
    """INN's better figure over the default and --quickack runs, and its mode."""
    cands = []
    for qa in ("0", "1"):
        v = m.get((label, qa, conns), {}).get(metric)
        if v is not None:
            cands.append((v, "qa" if qa == "1" else "def"))
    if not cands:
        return None, ""
    if higher is None:
        return cands[0]
    v = (max if higher else min)(cands)
    return v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("res")
    ap.add_argument("summarize")
    ap.add_argument("--fg", default="forumgate")
    ap.add_argument("--inn", default="inn2.7")
    ap.add_argument("--pi", default="public-inbox1.9")
    ap.add_argument("--anchors", help="the harness's anchors/summary.md")
    a = ap.parse_args()
    mfiles = [os.path.join(a.res, f) for f in ("matrix.txt", "matrix-quickack.txt")]
    mfiles = [f for f in mfiles if os.path.exists(f)]
    lines = []
    for f in mfiles:
        lines += parse_lines(f)
    m = medians(lines)
    conns = sorted({k[2] for k in m})

    print("### nntpload matrix (medians of runs; peaks = max)\n")
    sys.stdout.flush()
    if mfiles:
        # the bench interleaves the servers; summarize.py keeps the order it
        # reads, so hand it the lines grouped by server and connection count
        with tempfile.TemporaryDirectory() as tmp:
            sorted_files = []
            for f in mfiles:
                rows = [line for line in open(f) if "conns=" in line]
                rows.sort(key=lambda line: (label_of(line), conns_of(line)))
                out = os.path.join(tmp, os.path.basename(f))
                with open(out, "w") as o:
                    o.writelines(rows)
                sorted_files.append(out)
            subprocess.run([sys.executable, a.summarize] + sorted_files, check=False)

    print("\n### forumgate vs INN 2.7 (better of default/--quickack) vs public-inbox 1.9\n")
    print("| conns | metric | forumgate | INN | INN mode | public-inbox | fg/INN | fg/PI |")
    print("|---|---|---|---|---|---|---|---|")
    for c in conns:
        for key, title, higher in METRICS:
            fg = m.get((a.fg, "0", c), {}).get(key)
            inn, mode = best_inn(m, a.inn, c, key, higher)
            pi = m.get((a.pi, "0", c), {}).get(key)
            print("| %d | %s | %s | %s | %s | %s | %s | %s |"
                  % (c, title, fmt(fg), fmt(inn), mode, fmt(pi), ratio(fg, inn), ratio(fg, pi)))

    idle = parse_lines(os.path.join(a.res, "idle.txt"))
    pulls = parse_lines(os.path.join(a.res, "fullpull.txt"))
    imp = parse_lines(os.path.join(a.res, "import.txt"))
    if imp:
        i = imp[-1]
        print("\nimport: %s articles in %s s (%s articles/s), store %s MB"
              % (i.get("articles"), i.get("seconds"), i.get("articles_s"), i.get("store_mb")))
    if idle:
        i = idle[-1]
        print("\nidle: %s of %s connections greeted (%s refused, %s dead, %s source addresses), "
              "VmRSS %s MB before, %s MB with them open (Pss %s MB, %s KiB/conn), %s/%s still answer DATE"
              % (i.get("greeted"), i.get("conns"), i.get("refused"), i.get("dead"), i.get("sources"),
                 i.get("rss_before_mb"), i.get("rss_idle_mb"), i.get("pss_idle_mb"),
                 i.get("kib_per_conn"), i.get("alive_ok"), i.get("alive_checked")))
    if pulls:
        print("\nfull pull (one connection, all groups):\n")
        print("| server | mode | articles | missing | seconds | art/s |")
        print("|---|---|---|---|---|---|")
        for p in pulls:
            print("| %s | %s | %s | %s | %s | %s |" % (p.get("label"), p.get("mode"), p.get("articles"),
                                                     p.get("missing"), p.get("seconds"), p.get("articles_s")))

    # ---- issue #3 targets
    def get(label, c, k, qa="0"):
        return m.get((label, qa, c), {}).get(k)

    rows = []

    def target(name, ok, detail):
        rows.append("| %s | %s | %s |" % (name, "-" if ok is None else ("PASS" if ok else "FAIL"), detail))

    fg128 = get(a.fg, 128, "articles_s")
    inn128, innmode = best_inn(m, a.inn, 128, "articles_s", True)
    pi128 = get(a.pi, 128, "articles_s")
    target(">= 5x INN art/s at 128", None if not (fg128 and inn128) else fg128 >= 5 * inn128,
           "%s vs %s (%s, %s)" % (fmt(fg128), fmt(inn128), innmode, ratio(fg128, inn128)))
    target(">= 10x public-inbox art/s at 128", None if not (fg128 and pi128) else fg128 >= 10 * pi128,
           "%s vs %s (%s)" % (fmt(fg128), fmt(pi128), ratio(fg128, pi128)))
    v = get(a.fg, 128, "over_p99_ms")
    target("OVER p99 < 10 ms at 128", None if v is None else v < 10, "%s ms" % fmt(v))
    v = get(a.fg, 512, "conn_p99_ms")
    target("connect+greeting p99 < 50 ms at 512", None if v is None else v < 50, "%s ms" % fmt(v))
    v = get(a.fg, 512, "srv_rss_peak_mb")
    target("RSS < 64 MiB at 512 active", None if v is None else v < 64 * 1.048576,
           "%s MB peak VmRSS" % fmt(v))
    if idle:
        i = idle[-1]
        v = float(i.get("rss_idle_mb", "0"))
        ok = v < 256 * 1.048576 and i.get("greeted") == i.get("conns")
        target("RSS < 256 MiB with 10,000 idle", ok, "%s MB with %s open" % (fmt(v), i.get("greeted")))
    fgp = [p for p in pulls if p.get("label") == a.fg and p.get("mode") == "nntplib"]
    pip = [p for p in pulls if p.get("label") == a.pi and p.get("mode") == "nntplib"]
    if fgp and pip:
        f, p = float(fgp[-1]["seconds"]), float(pip[-1]["seconds"])
        target("nntplib full pull < 1/2 public-inbox's time", f < p / 2 and fgp[-1].get("missing") == "0",
               "%.2f s vs %.2f s (%s)" % (f, p, ratio(f, p)))
    errs = sum(int(float(kv.get("errors", 0))) for kv in lines if kv.get("label") == a.fg)
    target("no nntpload errors against forumgate", errs == 0, "%d errors" % errs)
    # the anchors were measured on a quiet machine in another run: not
    # comparable by the harness's rules, but a bound when this machine was busy
    if a.anchors and os.path.exists(a.anchors):
        anc = {}
        for line in open(a.anchors):
            f = [x.strip() for x in line.strip().strip("|").split("|")]
            if len(f) > 5 and f[2].isdigit():
                try:
                    anc[(f[0], f[1], int(f[2]))] = float(f[5])
                except ValueError:
                    pass
        print("\n### art/s against the published anchors (quiet machine, other run)\n")
        print("| conns | forumgate now | INN anchor (best) | public-inbox anchor | fg/INN | fg/PI |")
        print("|---|---|---|---|---|---|")
        for c in conns:
            fg = get(a.fg, c, "articles_s")
            inn = max([anc.get((a.inn, q, c), 0) for q in ("0", "1")]) or None
            pi = anc.get((a.pi, "0", c))
            print("| %d | %s | %s | %s | %s | %s |" % (c, fmt(fg), fmt(inn), fmt(pi), ratio(fg, inn),
                                                      ratio(fg, pi)))

    machine = os.path.join(a.res, "machine.txt")
    if os.path.exists(machine):
        print("\n### machine load (other processes compete for the same cores)\n")
        print("```")
        print(open(machine).read().rstrip())
        print("```")
    print("\n### issue #3 targets\n")
    print("| target | result | measured |")
    print("|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
