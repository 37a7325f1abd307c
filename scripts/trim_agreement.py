#!/usr/bin/env python3
"""Agreement of forumgate's reply trimming with the public reply corpora.

Runs the trimmer (by default `./forumgate trim`, which reads a plain-text body
on stdin and prints the kept text) on every input of each corpus under
../shared/corpora/reply/ and compares with the expected output. A case counts
as exact when both sides are equal after .strip(), which is how the upstream
test suites compare.

Corpora and expected sets:
  email_reply_trimmer  (Discourse, the reference): trimmed/ and, with
                       --elided, elided/ (needs a command that prints the
                       elided part when given --elided)
  email_reply_parser   (GitHub): expected/*.expected.txt (hand-extracted
                       asserts) and reference_output/*.visible.ref.txt
  zapier_email_reply_parser: expected/*.expected.txt and
                       reference_output/*.parse_reply.ref.txt

forumgate's trimmer differs from Discourse's on purpose in two families
(issue #11): a forwarded message is posted as a quote, and text below a
quoted original is kept; --verbose lists those cases like any other.

Usage: scripts/trim_agreement.py [--cmd "./forumgate trim"] [--corpora DIR]
                                 [--elided] [--verbose]
"""
import argparse
import os
import shlex
import subprocess
import sys
import time


def run(cmd, data, extra=()):
    started = time.monotonic()
    p = subprocess.run(shlex.split(cmd) + list(extra), input=data,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    elapsed = time.monotonic() - started
    if p.returncode != 0:
        raise RuntimeError("%s exited with %d: %s" %
                           (cmd, p.returncode, p.stderr.decode(errors="replace")))
    return p.stdout.decode("utf-8", errors="replace"), elapsed


def read(path):
    with open(path, "rb") as f:
        return f.read()


def cases_for(corpus_dir, name):
    """Yields (set name, case, input path, expected path) for one corpus."""
    emails = os.path.join(corpus_dir, "test", "emails")
    if name == "email_reply_trimmer":
        for f in sorted(os.listdir(os.path.join(corpus_dir, "test", "trimmed"))):
            yield ("trimmed", f[:-4], os.path.join(emails, f),
                   os.path.join(corpus_dir, "test", "trimmed", f))
        for f in sorted(os.listdir(os.path.join(corpus_dir, "test", "elided"))):
            yield ("elided", f[:-4], os.path.join(emails, f),
                   os.path.join(corpus_dir, "test", "elided", f))
        return
    ref_suffix = {"email_reply_parser": ".visible.ref.txt",
                  "zapier_email_reply_parser": ".parse_reply.ref.txt"}[name]
    for sub, suffix in (("expected", ".expected.txt"), ("reference_output", ref_suffix)):
        d = os.path.join(corpus_dir, sub)
        if not os.path.isdir(d):
            continue
        for f in sorted(os.listdir(d)):
            if f.endswith(suffix):
                case = f[:-len(suffix)]
                yield (sub, case, os.path.join(emails, case + ".txt"), os.path.join(d, f))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cmd", default="./forumgate trim",
                    help="trimmer command: body on stdin, kept text on stdout")
    ap.add_argument("--corpora", default="../shared/corpora/reply",
                    help="directory holding the corpus directories")
    ap.add_argument("--elided", action="store_true",
                    help="also score Discourse's elided/ set (runs CMD --elided)")
    ap.add_argument("--verbose", "-v", action="store_true",
                    help="list mismatching cases with a diff")
    args = ap.parse_args()

    names = ["email_reply_trimmer", "email_reply_parser", "zapier_email_reply_parser"]
    failed_any = False
    slowest = (0.0, "")
    for name in names:
        corpus_dir = os.path.join(args.corpora, name)
        if not os.path.isdir(corpus_dir):
            print("%s: absent (%s), skipped" % (name, corpus_dir))
            continue
        results = {}
        cache = {}
        for sub, case, src, exp in cases_for(corpus_dir, name):
            if sub == "elided" and not args.elided:
                continue
            if not os.path.exists(src):
                continue
            extra = ("--elided",) if sub == "elided" else ()
            key = (src, extra)
            if key not in cache:
                out, elapsed = run(args.cmd, read(src), extra)
                cache[key] = out
                if elapsed > slowest[0]:
                    slowest = (elapsed, "%s/%s" % (name, case))
            got = cache[key].strip()
            want = read(exp).decode("utf-8", errors="replace").strip()
            loose = ([l.rstrip() for l in got.splitlines()] ==
                     [l.rstrip() for l in want.splitlines()])
            results.setdefault(sub, []).append((case, got == want, got, want, loose))
        for sub, rows in results.items():
            exact = sum(1 for r in rows if r[1])
            loose = sum(1 for r in rows if r[4])
            pct = 100.0 * exact / len(rows) if rows else 0.0
            print("%-27s %-16s %3d cases %3d exact %6.1f%%  (%d ignoring trailing spaces)"
                  % (name, sub, len(rows), exact, pct, loose))
            if args.verbose:
                for case, ok, got, want, _ in rows:
                    if ok:
                        continue
                    failed_any = True
                    print("    MISMATCH %s" % case)
                    if len(got) + len(want) < 4000:
                        import difflib
                        for line in difflib.unified_diff(want.splitlines(), got.splitlines(),
                                                         "expected", "got", lineterm="", n=1):
                            print("      " + line)
    print("slowest case: %.3f s (%s)" % slowest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
