#!/usr/bin/env python3
"""Writes a deterministic synthetic forum as forumgate JSON thread files:
N posts in threads of 1-60 posts, HTML bodies of 300 B to 8 KB with quotes
(vBulletin-style, with post ids) and links. Used by `make bench`.

usage: gen_forum.py OUTDIR [--posts 100000] [--seed 1]"""
import argparse
import json
import os
import random

WORDS = ("forum thread reply quote gateway news reader article message board "
         "member posting server client question answer thanks idea problem "
         "solution config install update version release night train Zürich "
         "über café naïve test data example feature bug report").split()


def sentence(rng):
    n = rng.randint(6, 18)
    s = " ".join(rng.choice(WORDS) for _ in range(n))
    return s[0].upper() + s[1:] + rng.choice(".!?")


def body(rng, target, quote=None):
    parts = []
    if quote:
        pid, name = quote
        parts.append(
            '<div class="bbcode_container"><div class="bbcode_quote"><div class="quote_container">'
            f'<div class="bbcode_postedby">Originally Posted by <strong>{name}</strong> '
            f'<a href="showthread.php?p={pid}#post{pid}" rel="nofollow">View Post</a></div>'
            f'<div class="message">{sentence(rng)} {sentence(rng)}</div></div></div></div>')
    size = sum(len(p) for p in parts)
    while size < target:
        para = " ".join(sentence(rng) for _ in range(rng.randint(2, 6)))
        if rng.random() < 0.3:
            para += f' See <a href="https://example.org/wiki/{rng.choice(WORDS)}">this page</a>.'
        if rng.random() < 0.2:
            para = f"<b>{para[:40]}</b>{para[40:]}"
        parts.append(f"<p>{para}</p>")
        size += len(parts[-1])
    return "".join(parts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--posts", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    boards = ["General Discussion", "Announcements", "The New News"]
    users = [f"user{i}" for i in range(500)] + ["Jürgen Groß", "Zoë", "Ørjan"]
    post_id = 1000
    thread_id = 1
    total = 0
    nbytes = 0
    while total < a.posts:
        n = min(rng.randint(1, 60), a.posts - total)
        posts = []
        for i in range(n):
            post_id += 1
            quote = None
            if posts and rng.random() < 0.4:
                q = rng.choice(posts)
                quote = (q["id"], q["author"])
            target = int(min(8192, max(300, rng.lognormvariate(7.2, 0.7))))
            p = {"id": str(post_id), "position": i + 1, "author": rng.choice(users),
                 "author_id": str(rng.randint(1, 5000)),
                 "date": 1700000000 + post_id * 37, "format": "html",
                 "body": body(rng, target, quote)}
            if rng.random() < 0.1:
                p["signature"] = "<i>" + sentence(rng) + "</i>"
            posts.append(p)
            nbytes += len(p["body"])
        doc = {"format": "forumgate-thread/1", "forum": "bench",
               "board": rng.choice(boards),
               "thread": {"id": str(thread_id), "title": sentence(rng)[:60]},
               "posts": posts}
        with open(os.path.join(a.out, f"t{thread_id:06d}.json"), "w") as f:
            json.dump(doc, f, ensure_ascii=False)
        thread_id += 1
        total += n
    print(f"gen_forum: {total} posts in {thread_id - 1} threads, {nbytes / 1e6:.1f} MB of HTML")


if __name__ == "__main__":
    main()
