#!/usr/bin/env python3
"""Show how two NNTP servers differ, for scripts/bench_nntp.sh when the
harness's verify.py reports a mismatch (verify.py only says yes/no).

For every group: the GROUP line of each server, the number->Message-ID map of
each (OVER low-high, XOVER as fallback), and then the numbers missing on one
side, the Message-IDs filed under other numbers, and the first few
differing entries.

usage: bench_nntp_diff.py --groups g1,g2 HOST:PORT(reference) HOST:PORT
Exit 0 when the maps are identical, 1 otherwise."""
import argparse
import socket
import sys


def connect(hp):
    h, p = hp.rsplit(":", 1)
    f = socket.create_connection((h, int(p)), timeout=60).makefile("rwb", buffering=1 << 16)
    f.readline()
    cmd(f, "MODE READER")
    return f


def cmd(f, c):
    f.write(c.encode() + b"\r\n")
    f.flush()
    return f.readline().decode("utf-8", "replace").rstrip("\r\n")


def block(f):
    out = []
    while True:
        line = f.readline()
        if line in (b".\r\n", b""):
            return out
        if line.startswith(b".."):
            line = line[1:]
        out.append(line.rstrip(b"\r\n"))


def group_map(f, g):
    gl = cmd(f, "GROUP " + g)
    if not gl.startswith("211"):
        return gl, {}
    _, _, lo, hi = gl.split()[:4]
    ov = cmd(f, "OVER %s-%s" % (lo, hi))
    if not ov.startswith("224"):
        ov = cmd(f, "XOVER %s-%s" % (lo, hi))
    m = {}
    if ov.startswith("224"):
        for line in block(f):
            fl = line.split(b"\t")
            if len(fl) > 4 and fl[0].isdigit():
                m[int(fl[0])] = fl[4].decode("utf-8", "replace")
    return gl, m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--groups", required=True)
    ap.add_argument("--show", type=int, default=5)
    ap.add_argument("ref")
    ap.add_argument("other")
    a = ap.parse_args()
    fr, fo = connect(a.ref), connect(a.other)
    same = True
    for g in a.groups.split(","):
        gr, mr = group_map(fr, g)
        go, mo = group_map(fo, g)
        if mr == mo:
            print("%-20s identical (%d entries)" % (g, len(mr)))
            continue
        same = False
        print("%-20s DIFFERS: %s: '%s' (%d entries)  %s: '%s' (%d entries)"
              % (g, a.ref, gr, len(mr), a.other, go, len(mo)))
        only_r = sorted(set(mr) - set(mo))
        only_o = sorted(set(mo) - set(mr))
        ids_r, ids_o = set(mr.values()), set(mo.values())
        diff = [n for n in sorted(set(mr) & set(mo)) if mr[n] != mo[n]]
        print("    numbers only on %s: %d %s" % (a.ref, len(only_r), only_r[:a.show]))
        print("    numbers only on %s: %d %s" % (a.other, len(only_o), only_o[:a.show]))
        print("    Message-IDs missing on %s: %d %s"
              % (a.other, len(ids_r - ids_o), sorted(ids_r - ids_o)[:a.show]))
        print("    Message-IDs extra on %s: %d %s"
              % (a.other, len(ids_o - ids_r), sorted(ids_o - ids_r)[:a.show]))
        print("    same number, other Message-ID: %d" % len(diff))
        for n in diff[:a.show]:
            print("      %d: %s vs %s" % (n, mr[n], mo[n]))
    for f in (fr, fo):
        cmd(f, "QUIT")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
