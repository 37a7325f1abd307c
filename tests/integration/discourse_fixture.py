"""A fixture Discourse for the tests: a small HTTP(S) server on loopback that
answers the JSON API the discourse connector reads and writes, the way
Discourse does on the points the tests look at. Python stdlib only.

What it follows (from the API docs in ../shared/corpora/discourse-api/ and
the recorded responses there, copies of which are in tests/fixtures/discourse/):
- /categories.json lists top-level categories with `subcategory_ids`, the
  children nested in `subcategory_list` with include_subcategories=true;
  /site.json lists them all flat with `parent_category_id`. Categories the
  caller cannot read are left out, as Discourse does.
- /c/{slug}/{id}.json and /latest.json: `topic_list.topics`, 30 a page,
  `more_topics_url` ("/c/slug/id/l/latest?page=N", "/latest?page=N") while
  a page is full; a parent category's list includes its subcategories'
  topics (unless no_subcategories=true).
- /t/{id}.json: the topic with `post_stream.posts` (the first `chunk_size`,
  20) and `post_stream.stream` (every post id); /t/{slug}/{id}/{number}.json
  the same view at post `number` (its posts a chunk around it);
  /t/{id}/posts.json with post_ids[] returns those posts under
  `post_stream.posts`.
- /posts.json?before=N: `latest_posts`, 50 a page, newest first, ids <= N
  (the recorded posts_before.json for before=14 starts with post 14).
- Errors: 403 {"errors": [...], "error_type": "invalid_access"}, 404
  "not_found", 429 "rate_limit" with Retry-After and `extras.wait_seconds`,
  422 {"action": "create_post", "errors": [...]} for a refused post.
- Staff view: a request with the right Api-Key/Api-Username sees private
  categories, whispers, deleted posts (with deleted_at) and unlisted topics,
  as an admin key does; an anonymous one sees what a guest sees.

Use:
    with DiscourseFixture(api_key="k", api_username="system") as d:
        cat = d.add_category("General")
        tid = d.add_topic(cat, "Hello there, world", "<p>first</p>")
        d.add_post(tid, "<p>a reply</p>", reply_to_post_number=1)
        d.fault("429", path=r"^/posts\\.json", count=1, retry_after=3)
        ... point the connector at d.url ...
        d.posts_received  # the POSTs it got
"""
import hashlib
import hmac
import json
import os
import re
import shutil
import socketserver
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "discourse")

INVALID_ACCESS = "You are not permitted to view the requested resource."
BAD_KEY = "You are not permitted to view the requested resource. The API username or key is invalid."
NOT_FOUND = "The requested URL or resource could not be found."


def iso(t):
    """Discourse's time format: 2020-01-25T02:10:07.971Z."""
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + \
        "%03dZ" % int((t % 1) * 1000)


def slugify(s):
    s = re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")
    return s  # "" for a name without ASCII letters, as Discourse leaves it


def sign(secret, body):
    """X-Discourse-Event-Signature for body (bytes) with secret (str/bytes)."""
    if isinstance(secret, str):
        secret = secret.encode()
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def send_webhook(url, secret, event, payload, event_type=None, event_id=1,
                 instance="http://127.0.0.1", signature=None, timeout=10):
    """POSTs a webhook delivery as Discourse does: JSON body, the
    X-Discourse-* headers, the body signed with secret (signature= forces a
    header value, e.g. a wrong one). event_type defaults to the event's first
    word ("post_created" → "post"). Returns (status, body bytes)."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Discourse-Instance": instance,
        "X-Discourse-Event-Id": str(event_id),
        "X-Discourse-Event-Type": event_type or event.split("_")[0],
        "X-Discourse-Event": event,
        "X-Discourse-Event-Signature": signature if signature is not None else sign(secret, body),
    }
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self):
        # HTTPServer.server_bind looks the host name up (getfqdn), which
        # costs seconds on a machine without DNS; the tests never need it
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


class Fault:
    def __init__(self, mode, path, count, retry_after, hang):
        self.mode, self.count, self.retry_after, self.hang = mode, count, retry_after, hang
        self.path = re.compile(path) if path else None


class DiscourseFixture:
    """The fake forum. Data lives in dicts shaped like Discourse's JSON;
    the mutators (add_*, edit_post, delete_post, rename_category …) are
    safe to call while the server runs."""

    def __init__(self, api_key=None, api_username="system", tls=False, corpus=True,
                 chunk_size=20, per_page=30, posts_per_page=50, min_post_length=20,
                 min_title_length=15):
        self.api_key, self.api_username, self.tls = api_key, api_username, tls
        self.chunk_size, self.per_page, self.posts_per_page = chunk_size, per_page, posts_per_page
        self.min_post_length, self.min_title_length = min_post_length, min_title_length
        self.lock = threading.RLock()
        self.categories, self.topics, self.posts = {}, {}, {}
        self.next_post_id, self.next_topic_id, self.next_category_id = 1000, 1000, 100
        self.clock = 1700000000.0
        self.faults = []
        self.post_answers = []      # forced answers for the next POSTs: (status, body, headers)
        self.requests = []          # every request: dict(method, path, query, headers, body)
        self.posts_received = []    # POST /posts(.json): dict(headers, fields, status)
        self.users = {}             # username -> {id, username, email} (add_user)
        self.admin = True           # the key may call /admin/ endpoints
        self.any_user = False       # an "All users" key: any Api-Username in users acts
        self.next_user_id = 10
        self.stopping = threading.Event()
        self.httpd = None
        self.tmp = None
        if corpus:
            self.load_corpus()

    # ---- data ----

    def tick(self):
        self.clock += 1.0
        return self.clock

    def load_corpus(self, folder=FIXTURES):
        """The discourse_api client's recorded categories and topic 57."""
        with open(os.path.join(folder, "categories.json")) as f:
            for c in json.load(f)["category_list"]["categories"]:
                self.add_category(c["name"], slug=c["slug"], id=c["id"],
                                  read_restricted=c.get("read_restricted", False))
        with open(os.path.join(folder, "topic.json")) as f:
            self.load_topic(json.load(f))

    def load_topic(self, t):
        """Takes a /t/{id}.json response in (its posts become the topic's)."""
        with self.lock:
            if t.get("category_id") not in self.categories:
                self.add_category("Imported %s" % t.get("category_id"), id=t.get("category_id"))
            topic = {k: t.get(k) for k in ("id", "title", "fancy_title", "slug", "category_id",
                                           "created_at", "archetype", "visible", "closed",
                                           "archived", "last_posted_at", "bumped_at")}
            topic["post_ids"] = []
            topic["deleted_at"] = None
            if topic["visible"] is None:
                topic["visible"] = True
            topic["archetype"] = topic["archetype"] or "regular"
            topic["bumped_ts"] = self.clock
            self.topics[t["id"]] = topic
            topic["highest"] = max([0] + [p["post_number"] for p in t["post_stream"]["posts"]])
            for p in t["post_stream"]["posts"]:
                p = dict(p)
                p["topic_id"] = t["id"]
                p.setdefault("raw", re.sub(r"<[^>]+>", "", p.get("cooked", "")))
                self.posts[p["id"]] = p
                topic["post_ids"].append(p["id"])
            self.next_topic_id = max(self.next_topic_id, t["id"] + 1)
            self.next_post_id = max([self.next_post_id] + [i + 1 for i in topic["post_ids"]])

    def add_category(self, name, slug=None, parent_id=None, read_restricted=False, id=None):
        with self.lock:
            if id is None:
                id = self.next_category_id
            self.next_category_id = max(self.next_category_id, id + 1)
            self.categories[id] = {
                "id": id, "name": name, "slug": slugify(name) if slug is None else slug,
                "parent_category_id": parent_id, "read_restricted": read_restricted,
                "description": None, "topic_url": None, "color": "0088CC",
                "text_color": "FFFFFF", "position": len(self.categories),
            }
            return id

    def add_user(self, username, email):
        with self.lock:
            self.users[username] = {"id": self.next_user_id, "username": username,
                                    "name": username.title(), "email": email.lower(),
                                    "active": True, "admin": False, "moderator": False}
            self.next_user_id += 1

    def rename_category(self, id, name, slug=None):
        """A new name keeps the slug unless slug= is given (as in Discourse's UI)."""
        with self.lock:
            self.categories[id]["name"] = name
            if slug is not None:
                self.categories[id]["slug"] = slug

    def add_topic(self, category_id, title, cooked="<p>First post of the topic.</p>",
                  username="alice", name="Alice Example", archetype="regular", visible=True):
        with self.lock:
            tid = self.next_topic_id
            self.next_topic_id += 1
            now = self.tick()
            self.topics[tid] = {
                "id": tid, "title": title, "fancy_title": title, "slug": slugify(title) or "topic",
                "category_id": category_id if archetype == "regular" else None,
                "created_at": iso(now), "archetype": archetype, "visible": visible,
                "closed": False, "archived": False, "last_posted_at": iso(now),
                "bumped_at": iso(now), "bumped_ts": now, "post_ids": [], "deleted_at": None,
            }
            self.add_post(tid, cooked, username=username, name=name)
            return tid

    def add_post(self, topic_id, cooked, username="bob", name="Bob Example",
                 reply_to_post_number=None, post_type=1, raw=None, user_id=None):
        """Appends a post; returns its dict (id, post_number …)."""
        with self.lock:
            t = self.topics[topic_id]
            pid = self.next_post_id
            self.next_post_id += 1
            number = t["highest"] = t.get("highest", 0) + 1  # never reused, as Discourse
            now = self.tick()
            p = {
                "id": pid, "name": name, "username": username,
                "avatar_template": "/letter_avatar_proxy/v4/letter/%s/{size}.png" % username[:1],
                "created_at": iso(now), "cooked": cooked,
                "raw": raw if raw is not None else re.sub(r"<[^>]+>", "", cooked),
                "post_number": number, "post_type": post_type, "updated_at": iso(now),
                "reply_count": 0, "reply_to_post_number": reply_to_post_number,
                "quote_count": 0, "incoming_link_count": 0, "reads": 1, "score": 0,
                "yours": False, "topic_id": topic_id, "topic_slug": t["slug"],
                "display_username": name, "version": 1, "can_edit": False,
                "user_id": user_id if user_id is not None else (abs(hash(username)) % 100000) + 1,
                "hidden": False, "trust_level": 1, "deleted_at": None, "user_deleted": False,
                "edit_reason": None, "wiki": False,
                "post_url": "/t/%s/%d/%d" % (t["slug"], topic_id, number),
            }
            self.posts[pid] = p
            t["post_ids"].append(pid)
            if post_type != 4:
                t["last_posted_at"] = t["bumped_at"] = iso(now)
                t["bumped_ts"] = now
            return p

    def edit_post(self, post_id, cooked, raw=None):
        """An edit: version + 1, updated_at now."""
        with self.lock:
            p = self.posts[post_id]
            p["cooked"] = cooked
            p["raw"] = raw if raw is not None else re.sub(r"<[^>]+>", "", cooked)
            p["version"] += 1
            p["updated_at"] = iso(self.tick())
            return p

    def delete_post(self, post_id, hard=False):
        """Soft delete sets deleted_at (staff still see the post); hard
        removes it from the topic and the stream."""
        with self.lock:
            p = self.posts[post_id]
            if hard:
                self.topics[p["topic_id"]]["post_ids"].remove(post_id)
                del self.posts[post_id]
            else:
                p["deleted_at"] = iso(self.tick())
                p["updated_at"] = p["deleted_at"]

    def hide_post(self, post_id):
        with self.lock:
            self.posts[post_id]["hidden"] = True

    def generate(self, topics, posts_per_topic, category_id=None, prefix="Generated topic"):
        """Makes `topics` topics of `posts_per_topic` posts each (replies
        alternate between two users, every 10th answers the one before);
        returns the topic ids. 1 × 10,000 takes well under a second."""
        if category_id is None:
            category_id = self.add_category("Generated")
        ids = []
        with self.lock:
            for i in range(topics):
                tid = self.add_topic(category_id, "%s %d" % (prefix, i + 1),
                                     "<p>Opening post %d.</p>" % (i + 1))
                for n in range(2, posts_per_topic + 1):
                    self.add_post(tid, "<p>Reply %d in topic %d.</p>" % (n, tid),
                                  username="user%d" % (n % 2), name="User %d" % (n % 2),
                                  reply_to_post_number=n - 1 if n % 10 == 0 else None)
                ids.append(tid)
        return ids

    # ---- faults and forced answers ----

    def fault(self, mode, path=None, count=None, retry_after=1, hang=30.0):
        """Requests whose path (with query) matches the regex `path` (all
        when None) get: "429" (Retry-After: retry_after), "500", "hang"
        (no answer for `hang` seconds, longer than a client's timeout),
        "malformed" (200 with cut-off JSON), "403" (invalid_access), "slow"
        (the right answer, `hang` seconds late: a busy forum).
        count = how many requests (None = until clear_faults())."""
        assert mode in ("429", "500", "hang", "malformed", "403", "slow")
        with self.lock:
            self.faults.append(Fault(mode, path, count, retry_after, hang))

    def clear_faults(self):
        with self.lock:
            self.faults = []

    def answer_next_post(self, status, body, headers=None):
        """The next POST /posts.json gets this answer (body: dict or bytes)."""
        with self.lock:
            self.post_answers.append((status, body, headers or {}))

    # ---- server ----

    def start(self):
        handler = type("Handler", (_Handler,), {"fx": self})
        self.httpd = _Server(("127.0.0.1", 0), handler)
        if self.tls:
            self.tmp = tempfile.mkdtemp(prefix="dfix")
            cert, key = os.path.join(self.tmp, "cert.pem"), os.path.join(self.tmp, "key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-days", "2", "-subj", "/CN=localhost", "-keyout", key,
                            "-out", cert], check=True, capture_output=True)
            self.cert = cert
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cert, key)
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.url = "%s://127.0.0.1:%d" % ("https" if self.tls else "http", self.port)
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.stopping.set()
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---- views (called under the lock) ----

    def can_read(self, cat, staff):
        return cat is not None and (staff or not cat["read_restricted"])

    def category_json(self, c, staff):
        subs = [s["id"] for s in self.categories.values()
                if s["parent_category_id"] == c["id"] and self.can_read(s, staff)]
        own = [t for t in self.topics.values() if t["category_id"] == c["id"]]
        d = {k: v for k, v in c.items() if k != "parent_category_id"}
        if c["parent_category_id"]:
            d["parent_category_id"] = c["parent_category_id"]
        d.update({"topic_count": len(own),
                  "post_count": sum(len(t["post_ids"]) for t in own),
                  "permission": 1 if staff else None, "subcategory_ids": subs,
                  "topic_url": "/t/about-the-%s-category/%d" % (c["slug"] or "x", c["id"])})
        return d

    def topic_list_json(self, t):
        d = {k: v for k, v in t.items()
             if k not in ("post_ids", "bumped_ts", "deleted_at", "highest")}
        posts = [self.posts[i] for i in t["post_ids"]]
        d.update({"posts_count": len(posts), "reply_count": max(0, len(posts) - 1),
                  "highest_post_number": t.get("highest", 0),
                  "unseen": False, "pinned": False, "unpinned": None, "excerpt": None,
                  "bookmarked": None, "liked": None, "views": 1, "like_count": 0,
                  "has_summary": False, "last_poster_username": posts[-1]["username"] if posts else None,
                  "posters": []})
        return d

    def visible_posts(self, t, staff):
        out = []
        for i in t["post_ids"]:
            p = self.posts[i]
            if not staff and (p["post_type"] == 4 or p["deleted_at"]):
                continue
            out.append(p)
        return out

    def post_json(self, p, with_topic=False):
        d = dict(p)
        if with_topic:
            t = self.topics[p["topic_id"]]
            d.update({"topic_title": t["title"], "topic_html_title": t["title"],
                      "category_id": t["category_id"]})
        else:
            d.pop("raw", None)   # the topic view sends cooked only
        return d

    def topic_readable(self, t, staff):
        if t is None or (t["deleted_at"] and not staff):
            return "404"
        if t["archetype"] == "private_message" and not staff:
            return "404"
        if t["archetype"] == "regular" and not self.can_read(
                self.categories.get(t["category_id"]), staff):
            return "403"
        return None


def _error(errors, error_type, **extra):
    d = {"errors": errors, "error_type": error_type}
    d.update(extra)
    return d


class _Handler(BaseHTTPRequestHandler):
    fx = None
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY, as a Discourse behind nginx sends: http.server writes an
    # answer's headers and body in two writes, and with Nagle on the body
    # waits for the ACK of the headers, which the client delays by 40 ms
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def send_json(self, status, obj, headers=None):
        body = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def auth(self):
        """None (anonymous), True (staff), or False (a key that is wrong)."""
        fx = self.fx
        key, user = self.headers.get("Api-Key"), self.headers.get("Api-Username")
        if key is None and user is None:
            return None
        if fx.api_key is not None and key == fx.api_key and (
                user == fx.api_username or (fx.any_user and user in fx.users)):
            return True
        return False

    def apply_fault(self, target):
        fx = self.fx
        with fx.lock:
            f = next((f for f in fx.faults if (f.path is None or f.path.search(target))
                      and (f.count is None or f.count > 0)), None)
            if f is None:
                return False
            if f.count is not None:
                f.count -= 1
        if f.mode == "slow":
            fx.stopping.wait(f.hang)
            return False
        if f.mode == "429":
            wait = f.retry_after
            self.send_json(429, _error(
                ["You’ve performed this action too many times. Please wait %d seconds "
                 "before trying again." % wait], "rate_limit",
                extras={"wait_seconds": wait, "time_left": "%d seconds" % wait}),
                {"Retry-After": str(wait), "Discourse-Rate-Limit-Error-Code": "ip_10_secs_limit"})
        elif f.mode == "500":
            self.send_json(500, b'{"status":500,"error":"Internal Server Error"}')
        elif f.mode == "403":
            self.send_json(403, _error([INVALID_ACCESS], "invalid_access"))
        elif f.mode == "malformed":
            self.send_json(200, b'{"topic_list": {"topics": [{"id": 1, "title": "cut')
        elif f.mode == "hang":
            fx.stopping.wait(f.hang)
            self.close_connection = True
        return True

    def record(self, method, body=b""):
        u = urllib.parse.urlsplit(self.path)
        entry = {"method": method, "path": u.path, "query": urllib.parse.parse_qs(u.query),
                 "headers": dict(self.headers.items()), "body": body}
        with self.fx.lock:
            self.fx.requests.append(entry)
        return u, entry

    def do_GET(self):
        u, _ = self.record("GET")
        if self.apply_fault(self.path):
            return
        staff = self.auth()
        if staff is False:
            return self.send_json(403, _error([BAD_KEY], "invalid_access"))
        q = urllib.parse.parse_qs(u.query)
        fx = self.fx
        with fx.lock:
            status, obj = self.route_get(u.path, q, bool(staff))
        self.send_json(status, obj)

    def route_get(self, path, q, staff):
        fx = self.fx
        page = int((q.get("page") or ["0"])[0] or 0)
        if path == "/categories.json":
            nested = (q.get("include_subcategories") or [""])[0] == "true"
            cats = []
            for c in sorted(fx.categories.values(), key=lambda c: c["position"]):
                if c["parent_category_id"] or not fx.can_read(c, staff):
                    continue
                d = fx.category_json(c, staff)
                if nested:
                    d["subcategory_list"] = [fx.category_json(fx.categories[s], staff)
                                             for s in d["subcategory_ids"]]
                cats.append(d)
            return 200, {"category_list": {"can_create_category": staff,
                                           "can_create_topic": staff, "categories": cats}}
        if path == "/site.json":
            return 200, {"categories": [fx.category_json(c, staff) for c in
                                        sorted(fx.categories.values(), key=lambda c: c["position"])
                                        if fx.can_read(c, staff)],
                         "default_archetype": "regular"}
        m = re.match(r"^/c/(?:.+/)?(\d+)(?:/l/latest)?\.json$", path)
        if m or path == "/latest.json":
            if m:
                cid = int(m.group(1))
                cat = fx.categories.get(cid)
                if cat is None:
                    return 404, _error([NOT_FOUND], "not_found")
                if not fx.can_read(cat, staff):
                    return 403, _error([INVALID_ACCESS], "invalid_access")
                ids = {cid}
                if (q.get("no_subcategories") or [""])[0] != "true":
                    ids |= {c["id"] for c in fx.categories.values()
                            if c["parent_category_id"] == cid and fx.can_read(c, staff)}
                base = "/c/%s/%d/l/latest" % (cat["slug"] or cid, cid)
            else:
                ids = {c["id"] for c in fx.categories.values() if fx.can_read(c, staff)}
                base = "/latest"
            topics = [t for t in fx.topics.values()
                      if t["archetype"] == "regular" and t["category_id"] in ids
                      and (staff or (t["visible"] and not t["deleted_at"]))]
            topics.sort(key=lambda t: (-t["bumped_ts"], -t["id"]))
            chunk = topics[page * fx.per_page:(page + 1) * fx.per_page]
            tl = {"can_create_topic": staff, "per_page": fx.per_page,
                  "topics": [fx.topic_list_json(t) for t in chunk]}
            if (page + 1) * fx.per_page < len(topics):
                tl["more_topics_url"] = "%s?page=%d" % (base, page + 1)
            return 200, {"users": [], "primary_groups": [], "topic_list": tl}
        m = re.match(r"^/t/(?:[^/]+/)?(\d+)\.json$", path)
        near = re.match(r"^/t/[^/]+/(\d+)/(\d+)\.json$", path)
        if m or near:
            t = fx.topics.get(int((m or near).group(1)))
            bad = fx.topic_readable(t, staff)
            if bad:
                return self.err(bad)
            posts = everything = fx.visible_posts(t, staff)
            if near:
                # /t/{slug}/{id}/{post_number}.json: the topic view at that
                # post, a chunk of posts around it (a quarter before)
                n = int(near.group(2))
                at = next((i for i, p in enumerate(posts) if p["post_number"] >= n), len(posts))
                posts = posts[max(0, at - fx.chunk_size // 4):]
            d = fx.topic_list_json(t)
            d.update({"deleted_at": t["deleted_at"],
                      "user_id": everything[0]["user_id"] if everything else None,
                      "chunk_size": fx.chunk_size,
                      "post_stream": {"posts": [fx.post_json(p) for p in posts[:fx.chunk_size]],
                                      "stream": [p["id"] for p in everything]},
                      "details": {"can_create_post": staff}})
            return 200, d
        m = re.match(r"^/t/(\d+)/posts\.json$", path)
        if m:
            t = fx.topics.get(int(m.group(1)))
            bad = fx.topic_readable(t, staff)
            if bad:
                return self.err(bad)
            visible = fx.visible_posts(t, staff)
            if "post_ids[]" in q:
                want = set()
                for v in q["post_ids[]"]:
                    try:
                        want.add(int(v))
                    except ValueError:
                        return 400, _error(["param is missing or the value is empty: post_ids"],
                                           "invalid_parameters")
                chosen = [p for p in visible if p["id"] in want]
            else:
                chosen = visible[:fx.chunk_size]
            return 200, {"post_stream": {"posts": [fx.post_json(p) for p in chosen]},
                         "id": t["id"]}
        if path == "/admin/users/list/all.json":
            # AdminUsersController#index: ?email= is an exact (lower-case)
            # match; addresses are shown with show_emails=true
            if not staff or not fx.admin:
                return self.err("403")
            want = (q.get("email") or [""])[0].lower()
            show = (q.get("show_emails") or [""])[0] == "true"
            out = []
            for u in sorted(fx.users.values(), key=lambda u: u["id"]):
                if want and u["email"] != want:
                    continue
                u = dict(u)
                if not show:
                    del u["email"]
                out.append(u)
            return 200, out
        if path == "/posts.json":
            before = int((q.get("before") or ["0"])[0] or 0)
            posts = [p for p in fx.posts.values()
                     if (before <= 0 or p["id"] <= before)
                     and fx.topic_readable(fx.topics[p["topic_id"]], staff) is None
                     and fx.topics[p["topic_id"]]["archetype"] == "regular"
                     and (staff or (p["post_type"] != 4 and not p["deleted_at"]))]
            posts.sort(key=lambda p: -p["id"])
            return 200, {"latest_posts": [fx.post_json(p, True)
                                          for p in posts[:fx.posts_per_page]]}
        m = re.match(r"^/posts/(\d+)\.json$", path)
        if m:
            p = fx.posts.get(int(m.group(1)))
            if p is None:
                return self.err("404")
            bad = fx.topic_readable(fx.topics[p["topic_id"]], staff)
            if bad or (not staff and (p["post_type"] == 4 or p["deleted_at"])):
                return self.err(bad or "404")
            return 200, fx.post_json(p, True)
        return self.err("404")

    def err(self, code):
        if code == "403":
            return 403, _error([INVALID_ACCESS], "invalid_access")
        return 404, _error([NOT_FOUND], "not_found")

    def read_fields(self, body):
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype == "application/json":
            try:
                v = json.loads(body or b"{}")
            except ValueError:
                return None
            return v if isinstance(v, dict) else None
        return {k: v[-1] for k, v in urllib.parse.parse_qs(body.decode("utf-8", "replace")).items()}

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        u, _ = self.record("POST", body)
        if self.apply_fault(self.path):
            return
        fx = self.fx
        if u.path not in ("/posts.json", "/posts"):
            return self.send_json(404, _error([NOT_FOUND], "not_found"))
        fields = self.read_fields(body)
        staff = self.auth()
        entry = {"headers": dict(self.headers.items()), "fields": fields, "body": body}
        with fx.lock:
            fx.posts_received.append(entry)
            forced = fx.post_answers.pop(0) if fx.post_answers else None
            if forced:
                status, obj, hdrs = forced
            elif staff is False:
                status, obj, hdrs = 403, _error([BAD_KEY], "invalid_access"), {}
            elif staff is None:
                status, obj, hdrs = 403, _error([INVALID_ACCESS], "invalid_access"), {}
            elif fields is None:
                status, obj, hdrs = 400, _error(["Invalid JSON"], "invalid_parameters"), {}
            else:
                status, obj = self.create(fields)
                hdrs = {}
            entry["status"] = status
        self.send_json(status, obj, hdrs)

    def create(self, f):
        """Discourse's PostsController#create on the points tests need."""
        fx = self.fx
        raw = str(f.get("raw") or "")
        if not raw.strip():
            return 400, _error(["param is missing or the value is empty: raw"],
                               "invalid_parameters")
        if len(raw.strip()) < fx.min_post_length:
            return 422, {"action": "create_post", "errors": [
                "Body is too short (minimum is %d characters)" % fx.min_post_length]}
        cooked = "".join("<p>%s</p>" % para.replace("&", "&amp;").replace("<", "&lt;")
                         .replace(">", "&gt;").replace("\n", "<br>\n")
                         for para in re.split(r"\n\s*\n", raw.strip()))
        user = self.headers.get("Api-Username") or "system"
        if f.get("topic_id") not in (None, ""):
            try:
                tid = int(f["topic_id"])
            except (TypeError, ValueError):
                return 400, _error(["topic_id is invalid"], "invalid_parameters")
            t = fx.topics.get(tid)
            if t is None or t["deleted_at"]:
                return 404, _error([NOT_FOUND], "not_found")
            if t["closed"] or t["archived"]:
                return 422, {"action": "create_post",
                             "errors": ["This topic is closed; it no longer accepts new posts"]}
            rtp = f.get("reply_to_post_number")
            rtp = int(rtp) if rtp not in (None, "") else None
            p = fx.add_post(tid, cooked, username=user, name=None, reply_to_post_number=rtp,
                            raw=raw)
            return 200, fx.post_json(p)
        title = str(f.get("title") or "")
        if not title:
            return 422, {"action": "create_post", "errors": ["Title can't be blank"]}
        if len(title) < fx.min_title_length:
            return 422, {"action": "create_post", "errors": [
                "Title is too short (minimum is %d characters)" % fx.min_title_length]}
        try:
            cid = int(f.get("category") or 0)
        except (TypeError, ValueError):
            cid = 0
        if cid not in fx.categories:
            return 422, {"action": "create_post", "errors": ["Category can't be blank"]}
        tid = fx.add_topic(cid, title, cooked, username=user, name=None)
        p = fx.posts[fx.topics[tid]["post_ids"][0]]
        p["raw"] = raw
        return 200, fx.post_json(p)
