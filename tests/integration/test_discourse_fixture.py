"""The fixture Discourse itself (tests/integration/discourse_fixture.py):
it must answer like Discourse on what the connector tests rely on, so a
connector bug is not hidden by a fixture bug. Fast: no forumgate binary."""
import json
import socket
import ssl
import threading
import time
import unittest
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from discourse_fixture import DiscourseFixture, send_webhook, sign


def get(d, path, key=None, timeout=5, context=None):
    req = urllib.request.Request(d.url + path)
    if key:
        req.add_header("Api-Key", key)
        req.add_header("Api-Username", "system")
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=context) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def post(d, fields, key="k", ctype="application/json"):
    body = json.dumps(fields).encode() if ctype == "application/json" else \
        urllib.parse.urlencode(fields).encode()
    req = urllib.request.Request(d.url + "/posts.json", data=body, method="POST",
                                 headers={"Content-Type": ctype})
    if key:
        req.add_header("Api-Key", key)
        req.add_header("Api-Username", "system")
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, dict(r.headers), json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read())


class Fixture(unittest.TestCase):
    def setUp(self):
        self.d = DiscourseFixture(api_key="k").start()
        self.addCleanup(self.d.stop)

    def test_corpus_topic(self):
        st, _, body = get(self.d, "/t/57.json")
        self.assertEqual(st, 200)
        t = json.loads(body)
        self.assertEqual(t["title"], "THIS SITE IS A SANDBOX -- it is reset every day")
        self.assertEqual(t["post_stream"]["stream"], [83, 84, 86, 226])
        self.assertNotIn("raw", t["post_stream"]["posts"][0])

    def test_categories_and_private(self):
        pub = self.d.add_category("Public Talk")
        priv = self.d.add_category("Staff Room", read_restricted=True)
        sub = self.d.add_category("Sub Talk", parent_id=pub)
        cats = json.loads(get(self.d, "/categories.json")[2])["category_list"]["categories"]
        ids = [c["id"] for c in cats]
        self.assertIn(pub, ids)
        self.assertNotIn(priv, ids)        # a guest does not see it at all
        self.assertNotIn(sub, ids)         # children are not top level
        self.assertEqual(next(c for c in cats if c["id"] == pub)["subcategory_ids"], [sub])
        nested = json.loads(get(self.d, "/categories.json?include_subcategories=true")[2])
        c = next(c for c in nested["category_list"]["categories"] if c["id"] == pub)
        self.assertEqual([s["slug"] for s in c["subcategory_list"]], ["sub-talk"])
        site = json.loads(get(self.d, "/site.json", key="k")[2])["categories"]
        self.assertEqual(next(c for c in site if c["id"] == sub)["parent_category_id"], pub)
        self.assertTrue(next(c for c in site if c["id"] == priv)["read_restricted"])
        st, _, body = get(self.d, "/c/staff-room/%d.json" % priv)
        self.assertEqual(st, 403)
        self.assertEqual(json.loads(body), {
            "errors": ["You are not permitted to view the requested resource."],
            "error_type": "invalid_access"})
        self.assertEqual(get(self.d, "/c/staff-room/%d.json" % priv, key="k")[0], 200)
        self.assertEqual(get(self.d, "/c/staff-room/%d.json" % priv, key="wrong")[0], 403)
        self.d.rename_category(pub, "Renamed")
        cats = json.loads(get(self.d, "/categories.json")[2])["category_list"]["categories"]
        c = next(c for c in cats if c["id"] == pub)
        self.assertEqual((c["name"], c["slug"]), ("Renamed", "public-talk"))

    def test_pagination_and_long_topic(self):
        t0 = time.time()
        cat = self.d.add_category("Bench")
        tids = self.d.generate(35, 2, category_id=cat)
        (long_tid,) = self.d.generate(1, 10000, category_id=cat, prefix="Long")
        self.assertLess(time.time() - t0, 10)
        page0 = json.loads(get(self.d, "/c/bench/%d.json" % cat)[2])["topic_list"]
        self.assertEqual(len(page0["topics"]), 30)
        self.assertEqual(page0["topics"][0]["id"], long_tid)   # bumped last
        self.assertEqual(page0["more_topics_url"], "/c/bench/%d/l/latest?page=1" % cat)
        page1 = json.loads(get(self.d, page0["more_topics_url"].replace("/l/latest", "") .replace(
            "?", ".json?"))[2])["topic_list"]
        self.assertEqual(len(page1["topics"]), 6)
        self.assertNotIn("more_topics_url", page1)
        self.assertEqual({t["id"] for t in page0["topics"] + page1["topics"]},
                         set(tids) | {long_tid})

        t = json.loads(get(self.d, "/t/%d.json" % long_tid)[2])
        stream = t["post_stream"]["stream"]
        self.assertEqual(len(stream), 10000)
        self.assertEqual(len(t["post_stream"]["posts"]), 20)
        self.assertEqual(t["posts_count"], 10000)
        q = "&".join("post_ids[]=%d" % i for i in stream[20:40])
        rest = json.loads(get(self.d, "/t/%d/posts.json?%s" % (long_tid, q))[2])
        self.assertEqual([p["id"] for p in rest["post_stream"]["posts"]], stream[20:40])
        self.assertEqual(rest["post_stream"]["posts"][0]["post_number"], 21)

        latest = json.loads(get(self.d, "/posts.json")[2])["latest_posts"]
        self.assertEqual(len(latest), 50)
        self.assertEqual(latest[0]["id"], stream[-1])
        before = latest[-1]["id"] - 1
        nxt = json.loads(get(self.d, "/posts.json?before=%d" % before)[2])["latest_posts"]
        self.assertEqual(nxt[0]["id"], before)          # ids <= before, as Discourse
        self.assertIn("raw", nxt[0])
        self.assertEqual(nxt[0]["topic_title"], "Long 1")

    def test_edit_delete_whisper(self):
        cat = self.d.add_category("Edits")
        tid = self.d.add_topic(cat, "A topic to edit things in")
        p = self.d.add_post(tid, "<p>v1</p>")
        w = self.d.add_post(tid, "<p>staff only</p>", post_type=4)
        self.d.edit_post(p["id"], "<p>v2</p>")
        got = json.loads(get(self.d, "/posts/%d.json" % p["id"])[2])
        self.assertEqual((got["version"], got["cooked"]), (2, "<p>v2</p>"))
        self.assertNotEqual(got["updated_at"], got["created_at"])
        self.d.delete_post(p["id"])
        guest = json.loads(get(self.d, "/t/%d.json" % tid)[2])["post_stream"]["stream"]
        staff = json.loads(get(self.d, "/t/%d.json" % tid, key="k")[2])["post_stream"]
        self.assertNotIn(p["id"], guest)
        self.assertNotIn(w["id"], guest)
        self.assertIn(w["id"], staff["stream"])
        self.assertIsNotNone(next(x for x in staff["posts"] if x["id"] == p["id"])["deleted_at"])
        self.d.delete_post(w["id"], hard=True)
        staff = json.loads(get(self.d, "/t/%d.json" % tid, key="k")[2])["post_stream"]
        self.assertNotIn(w["id"], staff["stream"])
        self.assertEqual(get(self.d, "/t/999999.json")[0], 404)

    def test_post_recording_and_errors(self):
        st, _, body = post(self.d, {"topic_id": 57, "raw": "A reply long enough to be posted.",
                                    "reply_to_post_number": 2})
        self.assertEqual(st, 200)
        self.assertEqual((body["topic_id"], body["post_number"], body["reply_to_post_number"]),
                         (57, 15, 2))   # topic.json's highest post number is 14
        rec = self.d.posts_received[-1]
        self.assertEqual((rec["headers"]["Api-Key"], rec["headers"]["Api-Username"]), ("k", "system"))
        self.assertEqual(rec["fields"]["raw"], "A reply long enough to be posted.")
        st, _, body = post(self.d, {"topic_id": "57", "raw": "Form-encoded works as well, yes."},
                           ctype="application/x-www-form-urlencoded")
        self.assertEqual(st, 200)
        self.assertEqual(self.d.posts_received[-1]["fields"]["topic_id"], "57")
        st, _, body = post(self.d, {"topic_id": 57, "raw": "short"})
        self.assertEqual(st, 422)
        self.assertEqual(body, {"action": "create_post",
                                "errors": ["Body is too short (minimum is 20 characters)"]})
        st, _, body = post(self.d, {"topic_id": 57, "raw": "x" * 30}, key=None)
        self.assertEqual((st, body["error_type"]), (403, "invalid_access"))
        st, _, body = post(self.d, {"title": "A brand new topic here", "category": 1,
                                    "raw": "The first post of a new topic."})
        self.assertEqual((st, body["post_number"]), (200, 1))
        self.d.answer_next_post(422, {"errors": ["Topic is closed"], "error_type": "x"})
        self.assertEqual(post(self.d, {"topic_id": 57, "raw": "x" * 30})[0], 422)

    def test_faults(self):
        self.d.fault("429", path=r"^/posts\.json", count=1, retry_after=7)
        st, hdrs, body = post(self.d, {"topic_id": 57, "raw": "x" * 30})
        self.assertEqual((st, hdrs["Retry-After"]), (429, "7"))
        self.assertEqual(body["error_type"], "rate_limit")
        self.assertEqual(body["extras"]["wait_seconds"], 7)
        self.assertEqual(post(self.d, {"topic_id": 57, "raw": "x" * 30})[0], 200)  # count used up
        self.d.fault("500", path=r"^/latest")
        self.assertEqual(get(self.d, "/latest.json")[0], 500)
        self.assertEqual(get(self.d, "/t/57.json")[0], 200)
        self.d.clear_faults()
        self.d.fault("malformed", count=1)
        st, _, body = get(self.d, "/latest.json")
        self.assertEqual(st, 200)
        self.assertRaises(ValueError, json.loads, body)
        self.d.fault("hang", count=1, hang=5)
        t0 = time.time()
        self.assertRaises((socket.timeout, TimeoutError, urllib.error.URLError),
                          get, self.d, "/latest.json", None, 0.5)
        self.assertLess(time.time() - t0, 3)


class Tls(unittest.TestCase):
    def test_self_signed(self):
        with DiscourseFixture(tls=True) as d:
            self.assertTrue(d.url.startswith("https://"))
            self.assertRaises(urllib.error.URLError, get, d, "/categories.json")  # untrusted
            ctx = ssl.create_default_context(cafile=d.cert)
            ctx.check_hostname = False
            self.assertEqual(get(d, "/categories.json", context=ctx)[0], 200)


class Webhook(unittest.TestCase):
    def test_send_signed(self):
        got = {}

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                got["headers"] = dict(self.headers.items())
                got["body"] = self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        self.addCleanup(srv.server_close)
        self.addCleanup(srv.shutdown)
        st, _ = send_webhook("http://127.0.0.1:%d/hook" % srv.server_address[1], "sekrit",
                             "post_created", {"post": {"id": 7, "post_number": 2}}, event_id=42)
        self.assertEqual(st, 200)
        h = got["headers"]
        self.assertEqual((h["X-Discourse-Event"], h["X-Discourse-Event-Type"],
                          h["X-Discourse-Event-Id"]), ("post_created", "post", "42"))
        self.assertEqual(h["X-Discourse-Event-Signature"], sign("sekrit", got["body"]))
        # the C side's unit test pins the same HMAC (test_discourse_json.c WH_SIG)
        self.assertEqual(sign("sekrit", b'{"post": {"id": 7, "post_number": 2, "topic_id": 5, '
                              b'"cooked": "<p>hi</p>"}}'),
                         "sha256=5d771153cc36244690a2e190551dd4630f78c4979752127296f0bf68bbacd912")


if __name__ == "__main__":
    unittest.main()
