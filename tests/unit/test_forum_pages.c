/*
 * Tests for gateway/forum/: thread helpers, forum_parse_date, the JSON
 * spool format and the vBulletin page parsers (HTML and text copies), on the
 * fixtures in tests/fixtures/spool/, the demo forum in config/demo-spool/
 * and the seed text copy in ../shared/seeds/ (skipped when absent).
 * Run from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../gateway/forum/spool_internal.h"
#include "forumgate/buf.h"
#include "forumgate/forum.h"

#define FIX "tests/fixtures/spool/"
#define DEMO "config/demo-spool/"
#define SEED "../shared/seeds/vbulletin-thread-1.txt"

typedef int (*parse_fn)(const char *, size_t, const char *, struct forum_thread **, char **);

/* Reads a file; NULL if it does not exist. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char tmp[4096];
	size_t n;

	if (f == NULL)
		return NULL;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	*len = b.len;
	return buf_detach(&b);
}

static struct forum_thread *parse_file(parse_fn fn, const char *path)
{
	struct forum_thread *t = NULL;
	char *err = NULL, *data;
	size_t len = 0;

	data = slurp(path, &len);
	if (data == NULL)
		fail_msg("cannot read %s (run from the repository root)", path);
	if (fn(data, len, path, &t, &err) != 0)
		fail_msg("%s: %s", path, err ? err : "(no message)");
	assert_null(err);
	free(data);
	assert_non_null(t);
	return t;
}

/* Parses a string that must fail; returns the message (caller frees). */
static char *parse_fail(parse_fn fn, const char *s, size_t len, const char *name)
{
	struct forum_thread *t = (struct forum_thread *)1;
	char *err = NULL;

	assert_int_equal(fn(s, len, name, &t, &err), -1);
	assert_null(t);
	assert_non_null(err);
	return err;
}

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

static void check_str(const char *got, const char *want, const char *what)
{
	if (want == NULL && got == NULL)
		return;
	if (want == NULL || got == NULL || strcmp(got, want) != 0)
		fail_msg("%s: got \"%s\", want \"%s\"", what, got ? got : "(null)",
			 want ? want : "(null)");
}

struct want_post {
	const char *id;
	int position;
	const char *author, *author_id;
	int guest;
	int64_t date;
	const char *title;
	enum forum_markup markup;
	const char *body, *signature, *parent_id, *url;
	int deleted;
};

static void check_post(const struct forum_post *p, const struct want_post *w)
{
	check_str(p->id, w->id, "id");
	assert_int_equal(p->position, w->position);
	check_str(p->author, w->author, "author");
	check_str(p->author_id, w->author_id, "author_id");
	assert_int_equal(p->guest, w->guest);
	assert_int_equal(p->date, w->date);
	check_str(p->title, w->title, "title");
	assert_int_equal(p->markup, w->markup);
	check_str(p->body, w->body, "body");
	check_str(p->signature, w->signature, "signature");
	check_str(p->parent_id, w->parent_id, "parent_id");
	check_str(p->url, w->url, "url");
	assert_int_equal(p->deleted, w->deleted);
}

struct want_thread {
	const char *forum, *board, *id, *title, *url;
	enum forum_posting posting;
	int page, pages, total_posts;
	size_t nposts;
};

static void check_thread(const struct forum_thread *t, const struct want_thread *w)
{
	check_str(t->forum, w->forum, "forum");
	check_str(t->board, w->board, "board");
	check_str(t->id, w->id, "thread id");
	check_str(t->title, w->title, "thread title");
	check_str(t->url, w->url, "thread url");
	assert_int_equal(t->posting, w->posting);
	assert_int_equal(t->page, w->page);
	assert_int_equal(t->pages, w->pages);
	assert_int_equal(t->total_posts, w->total_posts);
	assert_int_equal(t->nposts, w->nposts);
}

/* ---- forum_parse_date ---- */

static int64_t date(const char *s, const char *tz, int64_t now)
{
	int64_t t = -1;

	if (forum_parse_date(s, tz, now, &t) != 0)
		fail_msg("forum_parse_date(\"%s\", %s) failed", s, tz ? tz : "NULL");
	return t;
}

static void test_date_formats(void **state)
{
	(void)state;
	assert_int_equal(date("08-26-2008, 08:15 AM", NULL, 0), 1219738500);
	assert_int_equal(date("08-26-2008, 08:15 PM", "UTC", 0), 1219781700);
	assert_int_equal(date("08-26-2008 08:15 PM", "UTC", 0), 1219781700);
	assert_int_equal(date("08-26-2008,\xc2\xa0"
			      "08:15 PM",
			      "UTC", 0),
			 1219781700);
	assert_int_equal(date("12-31-2008, 12:00 AM", NULL, 0), 1230681600);
	assert_int_equal(date("12-31-2008, 12:30 PM", NULL, 0), 1230726600);
	assert_int_equal(date("26.08.2008, 20:15", NULL, 0), 1219781700);
	assert_int_equal(date("2008-08-26 20:15", NULL, 0), 1219781700);
	assert_int_equal(date("2008-08-26 20:15:07", NULL, 0), 1219781707);
	assert_int_equal(date("2008-08-26T20:15:07Z", NULL, 0), 1219781707);
	assert_int_equal(date("2008-08-26T22:15:07.250+02:00", NULL, 0), 1219781707);
	assert_int_equal(date("2008-08-26T15:15:07-0500", "Europe/Berlin", 0), 1219781707);
	assert_int_equal(date("1219781707", NULL, 0), 1219781707);
	assert_int_equal(date("  1219781707 ", "Europe/Berlin", 0), 1219781707);
}

static void test_date_zones(void **state)
{
	const char *before;
	int64_t t;

	(void)state;
	setenv("TZ", "America/New_York", 1);
	/* Winter: UTC+1; summer: UTC+2. */
	assert_int_equal(date("03-01-2024, 10:00 AM", "Europe/Berlin", 0), 1709283600);
	assert_int_equal(date("07-01-2024, 10:00 AM", "Europe/Berlin", 0), 1719820800);
	assert_int_equal(date("2024-07-01 10:00", "Europe/Berlin", 0), 1719820800);
	/* The zone stays selected (zone.h); a TZ changed in between is noticed. */
	before = getenv("TZ");
	assert_non_null(before);
	assert_string_equal(before, "Europe/Berlin");
	setenv("TZ", "America/New_York", 1);
	assert_int_equal(date("03-01-2024, 10:00 AM", "Europe/Berlin", 0), 1709283600);
	unsetenv("TZ");
	assert_int_equal(date("07-01-2024, 10:00 AM", "Europe/Berlin", 0), 1719820800);

	/* now = 2024-03-01 23:30 UTC = 2024-03-02 00:30 in Berlin. */
	t = 1709335800;
	assert_int_equal(date("Today, 08:15 AM", "UTC", t), 1709280900);
	assert_int_equal(date("Yesterday, 08:15 PM", "UTC", t), 1709237700);
	assert_int_equal(date("Today, 08:15 AM", "Europe/Berlin", t), 1709363700);
	assert_int_equal(date("Yesterday 20:15", "Europe/Berlin", t), 1709320500);
	/* Across a month end. */
	assert_int_equal(date("Yesterday, 10:00 AM", NULL, 1709251200 + 3600), 1709200800);

	assert_int_equal(forum_parse_date("Jan 2005", NULL, 0, &t), -1);
	assert_int_equal(forum_parse_date("", NULL, 0, &t), -1);
	assert_int_equal(forum_parse_date("08-26-2008", NULL, 0, &t), -1);
	assert_int_equal(forum_parse_date("13-26-2008, 08:15 AM", NULL, 0, &t), -1);
	assert_int_equal(forum_parse_date("02-30-2024, 08:15 AM", NULL, 0, &t), -1);
	assert_int_equal(forum_parse_date("08-26-2008, 13:15 PM", NULL, 0, &t), -1);
	assert_int_equal(forum_parse_date("08-26-2008, 08:15 AM trailing", NULL, 0, &t), -1);
	assert_int_equal(forum_parse_date("2008-08-26T20:15+25:00", NULL, 0, &t), -1);
	assert_int_equal(forum_parse_date("08-26-2008, 08:15 AM", "../../etc/passwd", 0, &t), -1);
	assert_int_equal(forum_parse_date("08-26-2008, 08:15 AM", ":/etc/localtime", 0, &t), -1);
	assert_int_equal(forum_parse_date(NULL, NULL, 0, &t), -1);
}

/* ---- thread helpers ---- */

static void add(struct forum_thread *t, const char *id, int pos, int64_t date)
{
	struct forum_post *p = forum_thread_add_post(t);

	p->id = xstrdup(id);
	p->position = pos;
	p->date = date;
	p->body = xstrdup(id);
}

static void test_merge(void **state)
{
	struct forum_thread *a = xcalloc(1, sizeof(*a)), *b = xcalloc(1, sizeof(*b));

	(void)state;
	a->id = xstrdup("1");
	a->page = 2;
	a->pages = 2;
	add(a, "p3", 3, 300);
	add(a, "p4", 4, 400);
	b->id = xstrdup("1");
	b->title = xstrdup("T");
	b->board = xstrdup("B");
	b->posting = FORUM_POSTING_NO;
	b->page = 1;
	b->pages = 3;
	b->total_posts = 5;
	add(b, "p1", 1, 100);
	add(b, "p3", 3, 300);
	add(b, "p2", 2, 200);
	forum_thread_merge(a, b);
	assert_int_equal(b->nposts, 0);
	assert_null(b->posts);
	assert_int_equal(a->nposts, 4);
	assert_string_equal(a->posts[0].id, "p1");
	assert_string_equal(a->posts[1].id, "p2");
	assert_string_equal(a->posts[2].id, "p3");
	assert_string_equal(a->posts[3].id, "p4");
	assert_string_equal(a->title, "T");
	assert_string_equal(a->board, "B");
	assert_int_equal(a->posting, FORUM_POSTING_NO);
	assert_int_equal(a->page, 2);
	assert_int_equal(a->pages, 3);
	assert_int_equal(a->total_posts, 5);

	/* Unknown positions: by date, page order kept on ties. */
	add(b, "x2", 0, 250);
	add(b, "x1", 0, 0);
	forum_thread_merge(a, b);
	assert_int_equal(a->nposts, 6);
	forum_thread_free(a);
	forum_thread_free(b);
	forum_thread_free(NULL);
}

/* ---- JSON ---- */

static void test_json_demo_html(void **state)
{
	struct forum_thread *t = parse_file(spool_parse_json, DEMO "general-strassenbahn.json");
	const struct want_thread wt = {
		"demo",
		"General Discussion",
		"12",
		"Straßenbahn in Zürich — Erfahrungen?",
		"https://forum.example.org/showthread.php?t=12",
		FORUM_POSTING_YES,
		0,
		0,
		0,
		3,
	};
	const struct want_post w[] = {
		{"120", 1, "Jürgen Groß", "7", 0, 1709283600,
		 "Straßenbahn in Zürich — Erfahrungen?", MARKUP_HTML,
		 "Grüezi zusammen,<br>\n<br>\nich bin nächste Woche in Zürich. Lohnt sich die "
		 "<b>Tageskarte</b> für die Tram? Der <a href=\"https://www.zvv.ch/\">ZVV</a> hat ja "
		 "eine Menge Zonen.<br>\n<img src=\"https://forum.example.org/attachments/"
		 "tram-zuerich.jpg\" alt=\"Tram am Paradeplatz\">",
		 "Viele Grüße aus <i>Köln</i>", NULL,
		 "https://forum.example.org/showthread.php?p=120#post120", 0},
		{"121", 2, "Vreni", "31", 0, 1709289720, NULL, MARKUP_HTML,
		 "<div class=\"bbcode_container\"><div class=\"bbcode_quote\"><div "
		 "class=\"bbcode_postedby\">Originally Posted by <strong>Jürgen Groß</strong> <a "
		 "href=\"showthread.php?p=120#post120\" rel=\"nofollow\">View Post</a></div><div "
		 "class=\"message\">Lohnt sich die <b>Tageskarte</b> für die Tram?</div></div></div>Ja, "
		 "wenn du mehr als dreimal fährst. Die Zonen 110 und 111 reichen für die Stadt.",
		 NULL, NULL, "https://forum.example.org/showthread.php?p=121#post121", 0},
		{"122", 3, "Reisender", NULL, 1, 1709363700, NULL, MARKUP_HTML,
		 "Tipp: die Linie 13 fährt direkt zum Hauptbahnhof.", NULL, NULL,
		 "https://forum.example.org/showthread.php?p=122#post122", 0},
	};
	size_t i;

	(void)state;
	check_thread(t, &wt);
	for (i = 0; i < 3; i++)
		check_post(&t->posts[i], &w[i]);
	forum_thread_free(t);
}

static void test_json_demo_bbcode(void **state)
{
	struct forum_thread *t = parse_file(spool_parse_json, DEMO "announcements-rules.json");
	const struct want_thread wt = {
		"demo",
		"Announcements",
		"13",
		"Forum rules and the new newsgroup gateway",
		"https://forum.example.org/showthread.php?t=13",
		FORUM_POSTING_MODERATED,
		0,
		0,
		0,
		3,
	};
	const struct want_post w[] = {
		{"130", 1, "Admin", "1", 0, 1712041200, NULL, MARKUP_BBCODE,
		 "Welcome! A few rules:\n[list]\n[*]Be kind.\n[*]No advertising.\n[*]Quote only what "
		 "you answer.\n[/list]\nThe forum is now also readable as newsgroups, see "
		 "[url=https://forum.example.org/gateway]the gateway page[/url]. Reader setup:\n"
		 "[code]\nserver: news.example.org\nport:   563 (TLS)\n[/code]",
		 "[i]The forum team[/i]", NULL,
		 "https://forum.example.org/showthread.php?p=130#post130", 0},
		{"131", 2, "Anna", "12", 0, 1712046600, NULL, MARKUP_BBCODE,
		 "[quote=Admin;130]The forum is now also readable as newsgroups[/quote]\nGreat news. "
		 "Does posting work from the newsreader too?",
		 NULL, NULL, "https://forum.example.org/showthread.php?p=131#post131", 0},
		{"132", 3, "Admin", "1", 0, 1712048700, NULL, MARKUP_BBCODE,
		 "[quote=Anna;131]Does posting work from the newsreader too?[/quote]\nYes, after you "
		 "log in with your forum account ([b]AUTHINFO[/b]).",
		 "[i]The forum team[/i]", "131",
		 "https://forum.example.org/showthread.php?p=132#post132", 0},
	};
	size_t i;

	(void)state;
	check_thread(t, &wt);
	for (i = 0; i < 3; i++)
		check_post(&t->posts[i], &w[i]);
	forum_thread_free(t);
}

static void test_json_minimal(void **state)
{
	static const char js[] =
		"{\"format\":\"forumgate-thread/1\",\"board\":5,\"timezone\":\"Europe/Berlin\","
		"\"extra\":[1,2],\"thread\":{\"id\":77,\"title\":\"T\",\"page\":2,\"pages\":3,"
		"\"total_posts\":25,\"url\":null},\"posts\":[{\"id\":9007199254740993,"
		"\"date\":\"03-01-2024, 10:00 AM\",\"author\":null,\"format\":\"markdown\","
		"\"deleted\":true,\"unknown\":{}},{\"id\":\"a\",\"date\":1700000000,"
		"\"format\":\"text\",\"body\":\"x\",\"parent\":9}]}";
	struct forum_thread *t = NULL;
	char *err = NULL;
	const struct want_thread wt = {NULL, "5", "77", "T", NULL, FORUM_POSTING_UNKNOWN,
				       2,    3,   25,   2};
	const struct want_post w[] = {
		{"9007199254740993", 0, NULL, NULL, 0, 1709283600, NULL, MARKUP_MARKDOWN, "", NULL,
		 NULL, NULL, 1},
		{"a", 0, NULL, NULL, 0, 1700000000, NULL, MARKUP_TEXT, "x", NULL, "9", NULL, 0},
	};

	(void)state;
	assert_int_equal(spool_parse_json(js, strlen(js), "m.json", &t, &err), 0);
	check_thread(t, &wt);
	check_post(&t->posts[0], &w[0]);
	check_post(&t->posts[1], &w[1]);
	forum_thread_free(t);
}

static void json_error(const char *js, const char *want)
{
	char *err = parse_fail(spool_parse_json, js, strlen(js), "t1.json");

	check_str(err, want, "error");
	free(err);
}

#define HEAD "{\"format\":\"forumgate-thread/1\","
#define THR "\"thread\":{\"id\":\"1\",\"title\":\"T\"},"

static void test_json_errors(void **state)
{
	(void)state;
	json_error(HEAD THR "\"posts\":[{\"id\":1},{\"id\":2},{\"body\":\"x\"}]}",
		   "t1.json: posts[2].id: missing");
	json_error(HEAD "\"thread\":{\"id\":\"1\"},\"posts\":[{\"id\":1}]}",
		   "t1.json: thread.title: missing");
	json_error(HEAD "\"thread\":{\"title\":\"T\"},\"posts\":[{\"id\":1}]}",
		   "t1.json: thread.id: missing");
	json_error(HEAD "\"thread\":{\"id\":1.5,\"title\":\"T\"},\"posts\":[{\"id\":1}]}",
		   "t1.json: thread.id: expected string or integer, got number");
	json_error(HEAD THR "\"posts\":[{\"id\":1,\"guest\":\"no\"}]}",
		   "t1.json: posts[0].guest: expected boolean, got string");
	json_error(HEAD THR "\"posts\":[{\"id\":1,\"body\":7}]}",
		   "t1.json: posts[0].body: expected string, got integer");
	json_error(
		HEAD THR "\"posts\":[{\"id\":1,\"format\":\"rtf\"}]}",
		"t1.json: posts[0].format: unknown markup \"rtf\" (html, bbcode, markdown, text)");
	json_error(HEAD THR "\"posts\":[{\"id\":\"a b\"}]}",
		   "t1.json: posts[0].id: id contains a space or control character");
	json_error(HEAD THR "\"posts\":[7]}", "t1.json: posts[0]: expected object, got integer");
	json_error(HEAD THR "\"posts\":[]}", "t1.json: posts: no posts");
	json_error(HEAD THR "\"posts\":{}}", "t1.json: posts: expected array, got object");
	json_error(HEAD "\"thread\":{\"id\":\"1\",\"title\":\"T\",\"posting\":\"maybe\"},"
			"\"posts\":[{\"id\":1}]}",
		   "t1.json: thread.posting: \"maybe\" is not yes, no or moderated");
	json_error("{\"thread\":{}}", "t1.json: format: missing (expected \"forumgate-thread/1\")");
	json_error("{\"format\":\"forumgate-thread/2\"}",
		   "t1.json: format: unsupported \"forumgate-thread/2\" (expected "
		   "\"forumgate-thread/1\")");
	json_error("[1]", "t1.json: expected a JSON object at the top, got array");
	json_error("{\n  \"format\": \"forumgate-thread/1\",\n  \"thread\": {\"id\": 1,,}\n}",
		   "t1.json:3:22: string or '}' expected near ','");
	json_error("{\"format\":\"a\",\"format\":\"b\"}",
		   "t1.json:1:22: duplicate object key near '\"format\"'");
	json_error("{\"format\":", "t1.json:1:10: unexpected token near end of file");
	json_error("", "t1.json:1:0: '[' or '{' expected near end of file");
}

/* Issue #11: one post's unreadable date costs that post its date, not the
 * thread its posts: the post is kept with its date unknown (0), and the
 * thread carries a warning naming the file and the post. */
static void test_json_bad_date_keeps_posts(void **state)
{
	static const char js[] = HEAD THR
		"\"posts\":[{\"id\":1,\"date\":\"2024-03-01T10:00:00Z\",\"body\":\"a\"},"
		"{\"id\":2,\"date\":\"Jan 2005\",\"body\":\"b\"},"
		"{\"id\":3,\"date\":-5,\"body\":\"c\"},"
		"{\"id\":4,\"date\":1700000000,\"body\":\"d\"}]}";
	struct forum_thread *t = NULL;
	char *err = NULL;

	(void)state;
	assert_int_equal(spool_parse_json(js, strlen(js), "t1.json", &t, &err), 0);
	assert_null(err);
	assert_int_equal(t->nposts, 4);
	assert_int_equal(t->posts[0].date, 1709287200);
	assert_int_equal(t->posts[1].date, 0);
	assert_string_equal(t->posts[1].body, "b");
	assert_int_equal(t->posts[2].date, 0);
	assert_int_equal(t->posts[3].date, 1700000000);
	assert_string_equal(t->warnings,
			    "t1.json: posts[1].date (post 2): unrecognised date \"Jan 2005\": date "
			    "unknown\n"
			    "t1.json: posts[2].date (post 3): negative epoch: date unknown");
	forum_thread_free(t);

	/* a good file has none */
	t = NULL;
	static const char ok[] = HEAD THR "\"posts\":[{\"id\":1,\"date\":1700000000}]}";
	assert_int_equal(spool_parse_json(ok, strlen(ok), "t1.json", &t, &err), 0);
	assert_null(t->warnings);
	forum_thread_free(t);
}

/* One post with the given members after "id":1; returns the parsed thread. */
static struct forum_thread *json_post(const char *members)
{
	struct buf b = BUF_INIT;
	struct forum_thread *t = NULL;
	char *err = NULL;

	buf_addf(&b, HEAD THR "\"posts\":[{\"id\":1%s}]}", members);
	if (spool_parse_json(b.p, b.len, "t1.json", &t, &err) != 0)
		fail_msg("%s: %s", b.p, err);
	buf_free(&b);
	assert_int_equal(t->nposts, 1);
	return t;
}

static void test_json_escapes(void **state)
{
	struct forum_thread *t;

	(void)state;
	t = json_post(",\"body\":\"a\\n\\\"\\\\\\/\\b\\f\\r\\t\\u00e9\\u20AC\\uD83D\\uDE00z\"");
	check_str(t->posts[0].body, "a\n\"\\/\b\f\r\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z",
		  "body");
	forum_thread_free(t);
	/* escaped member names are names like any other */
	t = json_post(",\"\\u0062ody\":\"x\",\"sig\\u006eature\":\"\\u00FC\"");
	check_str(t->posts[0].body, "x", "body");
	check_str(t->posts[0].signature, "\xc3\xbc", "signature");
	forum_thread_free(t);
	/* raw UTF-8 passes through; "" stays "" */
	t = json_post(",\"body\":\"\xc3\xa9\xe2\x80\x94\xf0\x9f\x98\x80\",\"author\":\"\"");
	check_str(t->posts[0].body, "\xc3\xa9\xe2\x80\x94\xf0\x9f\x98\x80", "body");
	check_str(t->posts[0].author, "", "author");
	forum_thread_free(t);
}

#define POST1 HEAD THR "\"posts\":[{\"id\":1,\"body\":"

static void test_json_bad_strings(void **state)
{
	(void)state;
	/* invalid UTF-8: stray continuation, overlong, encoded surrogate, > U+10FFFF,
	 * truncated; the column counts characters, not bytes */
	json_error(POST1 "\"a\xff\"}]}", "t1.json:1:89: unable to decode byte 0xff near '\"a'");
	json_error(POST1 "\"\xc3\xa9\x80\"}]}",
		   "t1.json:1:89: unable to decode byte 0x80 near '\"\xc3\xa9'");
	json_error(POST1 "\"\xc0\xaf\"}]}", "t1.json:1:88: unable to decode byte 0xc0 near '\"'");
	json_error(POST1 "\"\xed\xa0\x80\"}]}",
		   "t1.json:1:88: unable to decode byte 0xed near '\"'");
	json_error(POST1 "\"\xf4\x90\x80\x80\"}]}",
		   "t1.json:1:88: unable to decode byte 0xf4 near '\"'");
	json_error(POST1 "\"\xe2\x82", "t1.json:1:88: unable to decode byte 0xe2 near '\"'");
	json_error(HEAD THR "\"posts\":[{\"id\":1}]}\xc3\xa9",
		   "t1.json:1:83: end of file expected near '\xc3\xa9'");
	/* raw control characters */
	json_error(POST1 "\"a\tb\"}]}", "t1.json:1:89: control character 0x9 near '\"a'");
	json_error(POST1 "\"a\nb\"}]}", "t1.json:1:89: unexpected newline near '\"a'");
	json_error(POST1 "\"abcdefghijklmnopqrstuvwxyz\x01\"}]}",
		   "t1.json:1:114: control character 0x1");
	/* escapes */
	json_error(POST1 "\"\\x\"}]}", "t1.json:1:90: invalid escape near '\"\\x'");
	json_error(POST1 "\"\\u12g4\"}]}", "t1.json:1:93: invalid escape near '\"\\u12g'");
	json_error(POST1 "\"\\uD800x\"}]}",
		   "t1.json:1:96: invalid Unicode '\\uD800' near '\"\\uD800x\"'");
	json_error(POST1 "\"\\uDC00\"}]}",
		   "t1.json:1:95: invalid Unicode '\\uDC00' near '\"\\uDC00\"'");
	json_error(POST1 "\"\\uD800\\u0041\"}]}",
		   "t1.json:1:101: invalid Unicode '\\uD800\\u0041' near '\"\\uD800\\u0041\"'");
	/* the scan error comes first, as with jansson */
	json_error(POST1 "\"\\uDC00\x01\"}]}",
		   "t1.json:1:94: control character 0x1 near '\"\\uDC00'");
	json_error(
		POST1 "\"a\\u0000\"}]}",
		"t1.json:1:96: \\u0000 is not allowed without JSON_ALLOW_NUL near '\"a\\u0000\"'");
	json_error(POST1 "\"abc", "t1.json:1:91: premature end of input near '\"abc'");
}

static void test_json_numbers(void **state)
{
	struct forum_thread *t;

	(void)state;
	json_error(POST1 "01}]}", "t1.json:1:88: invalid token near '0'");
	json_error(POST1 "1.}]}", "t1.json:1:89: invalid token near '1.'");
	json_error(POST1 "1e+}]}", "t1.json:1:90: invalid token near '1e+'");
	json_error(POST1 "-}]}", "t1.json:1:88: invalid token near '-'");
	json_error(POST1 "+1}]}", "t1.json:1:88: invalid token near '+'");
	json_error(POST1 ".5}]}", "t1.json:1:88: invalid token near '.'");
	json_error(POST1 "1e400}]}", "t1.json:1:92: real number overflow near '1e400'");
	json_error(POST1 "9223372036854775808}]}",
		   "t1.json:1:106: too big integer near '9223372036854775808'");
	json_error(POST1 "-9223372036854775809}]}",
		   "t1.json:1:107: too big negative integer near '-9223372036854775809'");
	json_error(POST1 "123456789012345678901}]}", "t1.json:1:108: too big integer");
	json_error(POST1 "tru}]}", "t1.json:1:90: invalid token near 'tru'");
	/* a real is still a number to the type checks */
	json_error(POST1 "1e3}]}", "t1.json: posts[0].body: expected string, got number");
	json_error(HEAD THR "\"posts\":[{\"id\":-0.0}]}",
		   "t1.json: posts[0].id: expected string or integer, got number");
	json_error(HEAD THR "\"posts\":[{\"id\":1,\"guest\":null,\"deleted\":0}]}",
		   "t1.json: posts[0].deleted: expected boolean, got integer");
	t = json_post(",\"position\":-0,\"x\":[1e-400,1.5,-2E+3,0.25e-1,true,false,null]");
	assert_int_equal(t->posts[0].position, 0);
	forum_thread_free(t);
}

static void test_json_structure(void **state)
{
	struct forum_thread *t;
	const char *js;
	struct buf b = BUF_INIT;
	char *err = NULL;
	int i;

	(void)state;
	/* trailing garbage; trailing whitespace is fine */
	json_error(HEAD THR "\"posts\":[{\"id\":1}]} x",
		   "t1.json:1:84: end of file expected near 'x'");
	json_error(HEAD THR "\"posts\":[{\"id\":1}]}{}",
		   "t1.json:1:83: end of file expected near '{'");
	json_error("[1] 2", "t1.json:1:5: end of file expected near '2'");
	json_error("5", "t1.json:1:1: '[' or '{' expected near '5'");
	json_error("\"x\"", "t1.json:1:3: '[' or '{' expected near '\"x\"'");
	json_error("{\"a\" 1}", "t1.json:1:6: ':' expected near '1'");
	json_error("{\"a\":1,}", "t1.json:1:8: string or '}' expected near '}'");
	json_error("[1,]", "t1.json:1:4: unexpected token near ']'");
	json_error("[1,", "t1.json:1:3: ']' expected near end of file");
	json_error("{\"a\":1 \"b\":2}", "t1.json:1:10: '}' expected near '\"b\"'");
	js = HEAD THR "\"posts\":[{\"id\":1}]} \r\n\t";
	assert_int_equal(spool_parse_json(js, strlen(js), "t1.json", &t, &err), 0);
	forum_thread_free(t);
	/* duplicate names: in a post, in an unknown nested object, spelled with an
	 * escape; the same name in different objects is fine */
	json_error(HEAD THR "\"posts\":[{\"id\":1,\"id\":2}]}",
		   "t1.json:1:84: duplicate object key near '\"id\"'");
	json_error(HEAD THR "\"posts\":[{\"id\":1,\"x\":{\"a\":1,\"b\":{},\"a\":2}}]}",
		   "t1.json:1:101: duplicate object key near '\"a\"'");
	json_error(HEAD THR "\"posts\":[{\"id\":1,\"ab\":1,\"\\u0061b\":2}]}",
		   "t1.json:1:96: duplicate object key near '\"\\u0061b\"'");
	t = json_post(",\"x\":{\"id\":2,\"x\":{\"id\":3}},\"y\":[{\"id\":4},{\"id\":5}]");
	forum_thread_free(t);
	/* depth: 2048 nested values at most */
	buf_adds(&b, HEAD THR "\"posts\":[{\"id\":1}],\"x\":");
	for (i = 0; i < 2047; i++)
		buf_addc(&b, '[');
	for (i = 0; i < 2047; i++)
		buf_addc(&b, ']');
	buf_addc(&b, '}');
	assert_int_equal(spool_parse_json(b.p, b.len, "t1.json", &t, &err), 0);
	forum_thread_free(t);
	buf_reset(&b);
	buf_adds(&b, "{\"x\":");
	for (i = 0; i < 2048; i++)
		buf_addc(&b, '[');
	err = parse_fail(spool_parse_json, b.p, b.len, "t1.json");
	check_str(err, "t1.json:1:2053: maximum parsing depth reached near '['", "error");
	free(err);
	buf_free(&b);
}

static void test_json_position(void **state)
{
	(void)state;
	/* line and column (in characters) of the token where the error shows */
	json_error("{\n \"format\": \"forumgate-thread/1\",\n \"x\": \"\xc3\xa9\xc3\xa9\" x\n}",
		   "t1.json:3:12: '}' expected near 'x'");
	json_error("{\n\n\r\n  \"a\": tru\n}", "t1.json:4:10: invalid token near 'tru'");
	json_error("{\"a\":\"b\nc\"}", "t1.json:1:7: unexpected newline near '\"b'");
	json_error("{\n\"a\":\"\\\nc\"}", "t1.json:3:0: invalid escape near '\"\\\n'");
}

static void test_json_values(void **state)
{
	/* "timezone" after "posts": dates without offset are still read in it */
	static const char tz_last[] =
		"{\"posts\":[{\"id\":1,\"date\":\"2024-03-01 10:00\"},{\"id\":2,"
		"\"date\":\"2024-03-01T10:00:00Z\"}],\"thread\":{\"title\":\"T\",\"id\":1},"
		"\"timezone\":\"Europe/Berlin\",\"format\":\"forumgate-thread/1\"}";
	static const char ids[] =
		"{\"format\":\"forumgate-thread/1\",\"board\":-3,\"thread\":{\"id\":0,\"title\":\"T\"},"
		"\"posts\":[{\"id\":9223372036854775807,\"author_id\":-7,\"parent\":-9223372036854775808}]}";
	struct forum_thread *t = NULL;
	char *err = NULL;

	(void)state;
	assert_int_equal(spool_parse_json(tz_last, strlen(tz_last), "t1.json", &t, &err), 0);
	assert_int_equal(t->posts[0].date, 1709283600);
	assert_int_equal(t->posts[1].date, 1709287200);
	forum_thread_free(t);
	assert_int_equal(spool_parse_json(ids, strlen(ids), "t1.json", &t, &err), 0);
	check_str(t->board, "-3", "board");
	check_str(t->id, "0", "thread id");
	check_str(t->posts[0].id, "9223372036854775807", "id");
	check_str(t->posts[0].author_id, "-7", "author_id");
	check_str(t->posts[0].parent_id, "-9223372036854775808", "parent");
	forum_thread_free(t);
}

/* A 1 MB body, mostly plain with some escapes and UTF-8, survives intact. */
static void test_json_big_string(void **state)
{
	struct buf js = BUF_INIT, want = BUF_INIT;
	struct forum_thread *t = NULL;
	char *err = NULL;
	size_t i;

	(void)state;
	buf_adds(&js, HEAD THR "\"posts\":[{\"id\":1,\"body\":\"");
	for (i = 0; want.len < (1 << 20); i++) {
		buf_addf(&js, "<p class=\\\"c%zu\\\">Z\xc3\xbcrich \\u2014 line %zu</p>\\n", i % 7,
			 i);
		buf_addf(&want, "<p class=\"c%zu\">Z\xc3\xbcrich \xe2\x80\x94 line %zu</p>\n",
			 i % 7, i);
	}
	buf_adds(&js, "\"}]}");
	assert_int_equal(spool_parse_json(js.p, js.len, "t1.json", &t, &err), 0);
	assert_int_equal(strlen(t->posts[0].body), want.len);
	assert_memory_equal(t->posts[0].body, want.p, want.len);
	forum_thread_free(t);
	buf_free(&js);
	buf_free(&want);
}

/* Many posts (the post array grows past its first sizes) whose bodies put
 * two-byte UTF-8 letters, a three-byte one and escapes at every offset of
 * the reader's 16-byte scan blocks, and a lead byte cut off from its
 * continuation byte by an escape, which must be rejected. */
static void test_json_many_posts(void **state)
{
	struct buf js = BUF_INIT, want = BUF_INIT;
	struct forum_thread *t = NULL;
	char *err = NULL;
	size_t i, k;

	(void)state;
	buf_adds(&js, HEAD THR "\"posts\":[");
	for (i = 0; i < 100; i++) {
		buf_addf(&js, "%s{\"id\":%zu,\"body\":\"", i ? "," : "", i + 1);
		for (k = 0; k < i % 37; k++)
			buf_addc(&js, 'a');
		buf_adds(&js, "\xc3\xa9"
			      "b\xc3\xbc\\\"\xe2\x82\xac\xc3\xa9\\/0123456789abcdef\xc3\xa9\"}");
	}
	buf_adds(&js, "]}");
	assert_int_equal(spool_parse_json(js.p, js.len, "t1.json", &t, &err), 0);
	assert_int_equal(t->nposts, 100);
	for (i = 0; i < 100; i++) {
		buf_reset(&want);
		for (k = 0; k < i % 37; k++)
			buf_addc(&want, 'a');
		buf_adds(&want, "\xc3\xa9"
				"b\xc3\xbc\"\xe2\x82\xac\xc3\xa9/0123456789abcdef\xc3\xa9");
		check_str(t->posts[i].body, buf_str(&want), "body");
	}
	forum_thread_free(t);
	for (i = 0; i < 20; i++) {
		buf_reset(&js);
		buf_adds(&js, POST1 "\"");
		for (k = 0; k < i; k++)
			buf_addc(&js, 'a');
		buf_adds(&js, "\xc3\\n0123456789abcdef\"}]}");
		err = parse_fail(spool_parse_json, js.p, js.len, "t1.json");
		assert_non_null(strstr(err, "unable to decode byte 0xc3"));
		free(err);
	}
	buf_free(&js);
	buf_free(&want);
}

/* ---- vBulletin HTML ---- */

static void test_vb3_showthread(void **state)
{
	struct forum_thread *t = parse_file(vb_parse_html, FIX "vb3-showthread.html");
	const struct want_thread wt = {
		NULL,  "General Discussion",
		"456", "Grüße aus Köln: Straßenbahn-Fragen",
		NULL,  FORUM_POSTING_YES,
		0,     0,
		0,     3,
	};
	const struct want_post w[] = {
		{"1001", 1, "Jürgen Groß", "7", 0, 1709287200, "Grüße aus Köln: Straßenbahn-Fragen",
		 MARKUP_HTML,
		 "Hallo zusammen,<br>\n<br>\nfährt die Linie 7 am Sonntag? Der <a "
		 "href=\"http://www.kvb.koeln/fahrplan\" target=\"_blank\">Fahrplan</a> sagt ja, die "
		 "Anzeige sagt \"Störung\".",
		 "Viele Grüße aus <b>Köln</b>", NULL, NULL, 0},
		{"1002", 2, "Besucher", NULL, 1, 1709292600, NULL, MARKUP_HTML, NULL, NULL, NULL,
		 NULL, 0},
		{"1003", 3, "Anna", "12", 0, 1709409900, NULL, MARKUP_HTML,
		 "Danke, erledigt. Page 5 of 7 in a post is not pagination.", NULL, NULL, NULL, 0},
	};
	struct want_post w2 = w[1];
	const char *b;

	(void)state;
	check_thread(t, &wt);
	check_post(&t->posts[0], &w[0]);
	check_post(&t->posts[2], &w[2]);
	/* The quote keeps its markup, with the quoted post id for threading. */
	b = t->posts[1].body;
	assert_non_null(strstr(b, "Originally Posted by <strong>Jürgen Groß</strong>"));
	assert_non_null(strstr(b, "href=\"showthread.php?p=1001#post1001\""));
	assert_non_null(
		strstr(b, "<div style=\"font-style:italic\">fährt die Linie 7 am Sonntag?</div>"));
	assert_true(starts_with(b, "<div style=\"margin:20px; margin-top:5px; \">"));
	assert_true(ends_with(b, "</div>Ja, ab 9 Uhr wieder."));
	w2.body = b;
	check_post(&t->posts[1], &w2);
	forum_thread_free(t);
}

#define VB4_URL "https://forum.example.org/showthread.php?34-Winter-tyres-recommendations"
#define MIKA_SIG "-- Mika, <i>always cold</i>"

/* Issue #11: a vBulletin page with one date that cannot be read keeps all
 * its posts; that post's date is unknown (0), the others keep theirs. */
static void test_vb_bad_date_keeps_posts(void **state)
{
	struct forum_thread *good = parse_file(vb_parse_html, FIX "vb4-showthread-p1.html");
	size_t len = 0;
	char *data = slurp(FIX "vb4-showthread-p1.html", &len), *err = NULL;
	char *at = strstr(data, "03-05-2024,&nbsp;<span class=\"time\">09:15 AM");
	struct forum_thread *t = NULL;

	(void)state;
	assert_non_null(at);
	memcpy(at, "93-75-2024", 10);
	assert_int_equal(vb_parse_html(data, len, "p1.html", &t, &err), 0);
	assert_int_equal(t->nposts, good->nposts);
	assert_true(good->posts[0].date != 0);
	assert_int_equal(t->posts[0].date, 0);
	for (size_t i = 1; i < t->nposts; i++) {
		assert_string_equal(t->posts[i].id, good->posts[i].id);
		assert_int_equal(t->posts[i].date, good->posts[i].date);
	}
	forum_thread_free(t);
	forum_thread_free(good);
	free(data);
}

static void test_vb4_pages(void **state)
{
	struct forum_thread *t1 = parse_file(vb_parse_html, FIX "vb4-showthread-p1.html");
	struct forum_thread *t2 = parse_file(vb_parse_html, FIX "vb4-showthread-p2.html");
	struct forum_thread *again = parse_file(vb_parse_html, FIX "vb4-showthread-p2.html");
	struct forum_thread *p1 = parse_file(vb_parse_html, FIX "vb4-showthread-p1.html");
	const struct want_thread w1 = {NULL,    "General Discussion",
				       "34",    "Winter tyres: recommendations?",
				       VB4_URL, FORUM_POSTING_NO,
				       1,       2,
				       3,       2};
	const struct want_thread w2 = {NULL,
				       "General Discussion",
				       "34",
				       "Winter tyres: recommendations?",
				       VB4_URL "/page2",
				       FORUM_POSTING_NO,
				       2,
				       2,
				       3,
				       1};
	const struct want_thread wm = {NULL,    "General Discussion",
				       "34",    "Winter tyres: recommendations?",
				       VB4_URL, FORUM_POSTING_NO,
				       1,       2,
				       3,       3};
	const struct want_post w[] = {
		{"2001", 1, "Mika", "21", 0, 1709630100, "Winter tyres: recommendations?",
		 MARKUP_HTML,
		 "Which winter tyres do you use on a small car?<br>\n<br>\nI drive mostly in the city.",
		 MIKA_SIG, NULL, VB4_URL "&p=2001&viewfull=1#post2001", 0},
		{"2002", 2, "Paul", NULL, 1, 1709636520, NULL, MARKUP_HTML, NULL, NULL, NULL,
		 VB4_URL "&p=2002&viewfull=1#post2002", 0},
		{"2003", 3, "Mika", "21", 0, 1709750400, NULL, MARKUP_HTML,
		 "Thanks, I bought all-season ones.", MIKA_SIG, NULL,
		 VB4_URL "&p=2003&viewfull=1#post2003", 0},
	};
	struct want_post wq = w[1];
	const char *b;

	(void)state;
	check_thread(t1, &w1);
	check_thread(t2, &w2);
	check_post(&t1->posts[0], &w[0]);
	b = t1->posts[1].body;
	assert_true(starts_with(b, "<div class=\"bbcode_container\">"));
	assert_non_null(strstr(b, "Originally Posted by <strong>Mika</strong>"));
	assert_non_null(strstr(b, "p=2001#post2001"));
	assert_true(ends_with(b, "</div>All-season tyres are enough for that."));
	wq.body = b;
	check_post(&t1->posts[1], &wq);
	check_post(&t2->posts[0], &w[2]);

	/* Page 2 first, then page 1, then page 2 again: 3 posts in order. */
	forum_thread_merge(t2, t1);
	forum_thread_merge(t2, again);
	forum_thread_merge(t2, p1);
	assert_int_equal(t2->nposts, 3);
	assert_string_equal(t2->posts[0].id, "2001");
	assert_string_equal(t2->posts[1].id, "2002");
	assert_string_equal(t2->posts[2].id, "2003");
	assert_int_equal(t1->nposts, 0);
	assert_int_equal(again->nposts, 0);
	/* into keeps its own page number; the rest is shared. */
	t2->page = 1;
	free(t2->url);
	t2->url = xstrdup(VB4_URL);
	check_thread(t2, &wm);
	forum_thread_free(t1);
	forum_thread_free(t2);
	forum_thread_free(again);
	forum_thread_free(p1);
}

static void test_vb3_printthread(void **state)
{
	struct forum_thread *t = parse_file(vb_parse_html, FIX "vb3-printthread.html");
	const struct want_thread wt = {NULL, "General Discussion",
				       "78", "Bike repair café",
				       NULL, FORUM_POSTING_UNKNOWN,
				       0,    0,
				       0,    2};
	const struct want_post w[] = {
		{"78-1", 1, "Zoë", NULL, 0, 1709906400, "Bike repair café", MARKUP_HTML,
		 "Repair café this Saturday, <b>10-14h</b>, in the library.", NULL, NULL, NULL, 0},
		{"78-2", 2, "Tom", NULL, 0, 1709912700, NULL, MARKUP_HTML, "I will bring tools.",
		 NULL, NULL, NULL, 0},
	};

	(void)state;
	check_thread(t, &wt);
	check_post(&t->posts[0], &w[0]);
	check_post(&t->posts[1], &w[1]);
	forum_thread_free(t);
}

static void test_vb_archive(void **state)
{
	struct forum_thread *t = parse_file(vb_parse_html, FIX "vb-archive.html");
	const struct want_thread wt = {NULL, "General Discussion",
				       "90", "Lost and found: keys at the station",
				       NULL, FORUM_POSTING_UNKNOWN,
				       0,    0,
				       0,    2};
	const struct want_post w[] = {
		{"90-1", 1, "Olga", NULL, 0, 1710055800, NULL, MARKUP_HTML,
		 "Found a key ring with a red tag on platform 2.<br>\n<br>\nAsk at the kiosk.",
		 NULL, NULL, NULL, 0},
		{"90-2", 2, "Ingo", NULL, 0, 1710061920, NULL, MARKUP_HTML, "Mine! Thank you.",
		 NULL, NULL, NULL, 0},
	};

	(void)state;
	check_thread(t, &wt);
	check_post(&t->posts[0], &w[0]);
	check_post(&t->posts[1], &w[1]);
	forum_thread_free(t);
}

static void test_vb_demo_html(void **state)
{
	struct forum_thread *t = parse_file(vb_parse_html, DEMO "general-fahrradparken.html");
	const struct want_thread wt = {
		NULL,
		"General Discussion",
		"14",
		"Fahrradparken am Hauptbahnhof",
		"https://forum.example.org/showthread.php?14-Fahrradparken-am-Hauptbahnhof",
		FORUM_POSTING_YES,
		1,
		1,
		2,
		2,
	};
	const struct want_post w0 = {
		"140",
		1,
		"Anna",
		"12",
		0,
		1715586300,
		"Fahrradparken am Hauptbahnhof",
		MARKUP_HTML,
		"Das neue Fahrradparkhaus hat <b>1.200 Plätze</b>, die ersten 24 Stunden sind "
		"kostenlos.<br>\n<br>\nDetails: <a href=\"https://www.example.org/radstation\" "
		"target=\"_blank\" rel=\"nofollow\">Radstation</a>",
		"Anna – Moderation",
		NULL,
		"https://forum.example.org/showthread.php?14-Fahrradparken-am-Hauptbahnhof&p=140&"
		"viewfull=1#post140",
		0,
	};

	(void)state;
	check_thread(t, &wt);
	check_post(&t->posts[0], &w0);
	assert_string_equal(t->posts[1].author, "Pendlerin");
	assert_int_equal(t->posts[1].guest, 1);
	assert_null(t->posts[1].author_id);
	assert_int_equal(t->posts[1].date, 1715592000);
	assert_non_null(strstr(t->posts[1].body, "p=140#post140"));
	forum_thread_free(t);
}

static void test_vb_html_bad(void **state)
{
	static const char noposts[] =
		"<html><head><title>Forum - Home</title></head><body><a "
		"href=\"showthread.php?t=5\">x</a><p>Welcome</p></body></html>";
	static const char notitle[] =
		"<html><body><div id=\"post_message_5\">hi</div><a href=\"showthread.php?t=5\">x</a>"
		"</body></html>";
	static const char noid[] =
		"<html><head><title>T</title></head><body><div id=\"post_message_5\">hi</div>"
		"</body></html>";
	char *err, *data;
	size_t len = 0, cut;
	struct forum_thread *t = NULL;

	(void)state;
	err = parse_fail(vb_parse_html, noposts, strlen(noposts), "home.html");
	assert_string_equal(err, "home.html: no posts found");
	free(err);
	err = parse_fail(vb_parse_html, notitle, strlen(notitle), "a.html");
	assert_string_equal(err, "a.html: no thread title found");
	free(err);
	err = parse_fail(vb_parse_html, noid, strlen(noid), "b.html");
	assert_string_equal(err, "b.html: no thread id found (no showthread.php?t=N link)");
	free(err);
	err = parse_fail(vb_parse_html, "", 0, "empty.html");
	free(err);
	err = parse_fail(vb_parse_html, "\0\0\0", 3, "nul.html");
	free(err);

	/* Truncated pages: each prefix parses or fails cleanly; cut inside the
	 * second post the first one is complete. */
	data = slurp(FIX "vb3-showthread.html", &len);
	assert_non_null(data);
	for (cut = 0; cut < len; cut += 97) {
		err = NULL;
		if (vb_parse_html(data, cut, "cut.html", &t, &err) == 0) {
			assert_true(t->nposts >= 1);
			forum_thread_free(t);
		} else {
			assert_non_null(err);
			free(err);
		}
		t = NULL;
	}
	cut = (size_t)(strstr(data, "id=\"post_message_1002\"") - data) + 200;
	err = NULL;
	assert_int_equal(vb_parse_html(data, cut, "cut.html", &t, &err), 0);
	assert_int_equal(t->nposts, 2);
	assert_string_equal(t->posts[0].author, "Jürgen Groß");
	assert_string_equal(t->posts[0].signature, "Viele Grüße aus <b>Köln</b>");
	forum_thread_free(t);
	free(data);
}

/* ---- vBulletin text copies ---- */

static void test_vb_text_seed(void **state)
{
	struct forum_thread *t;
	struct forum_post *p;
	size_t len;
	char *data = slurp(SEED, &len);

	(void)state;
	if (data == NULL) {
		print_message("seed " SEED " not found: run from the repository root with "
			      "/work/shared/seeds present\n");
		skip();
	}
	free(data);
	t = parse_file(vb_parse_text, SEED);
	assert_string_equal(t->title, "U.S.-Russia Missile Defense Talks Fail");
	assert_string_equal(t->board, "The New News");
	assert_int_equal(t->posting, FORUM_POSTING_NO);
	assert_int_equal(t->total_posts, 2);
	assert_int_equal(t->page, 1);
	assert_int_equal(t->pages, 1);
	assert_string_equal(t->id, "txt-5b6607b8af278e70");
	assert_null(t->url);
	assert_null(t->forum);
	assert_int_equal(t->nposts, 2);

	p = &t->posts[0];
	assert_string_equal(p->id, "txt-5b6607b8af278e70-1");
	assert_int_equal(p->position, 1);
	assert_null(p->author);
	assert_null(p->author_id);
	assert_int_equal(p->guest, 0);
	assert_int_equal(p->date, 0);
	assert_string_equal(p->title, "U.S.-Russia Missile Defense Talks Fail");
	assert_int_equal(p->markup, MARKUP_TEXT);
	assert_true(starts_with(p->body, "US-Russia Missile Defense Talks Fail\n\nAssociated Press "
					 "Writer\n\nMOSCOW (AP) -- "));
	assert_true(ends_with(
		p->body, "\n\n\"Breaks, definitely. Through or down, I don't know,\" he said."));
	assert_null(strstr(p->body, "Join Date"));
	assert_null(strstr(p->body, "Jan 2005"));
	assert_null(strstr(p->body, "No One Knows"));
	assert_null(strstr(p->body, "\n "));
	assert_null(strstr(p->body, "\n\n\n"));
	assert_string_equal(p->signature,
			    "No One Knows Everything. Only Together May We Find The Truth JG");
	assert_null(p->parent_id);
	assert_null(p->url);

	p = &t->posts[1];
	assert_string_equal(p->id, "txt-5b6607b8af278e70-2");
	assert_int_equal(p->position, 2);
	assert_string_equal(p->author, "AuGmENTor");
	assert_null(p->author_id);
	assert_int_equal(p->guest, 1);
	assert_int_equal(p->date, 0);
	assert_null(p->title);
	assert_int_equal(p->markup, MARKUP_TEXT);
	assert_true(starts_with(p->body, "Nice to see what this administration "));
	assert_true(ends_with(p->body, " blow up Israel?"));
	assert_null(strchr(p->body, '\n'));
	assert_null(p->signature);
	forum_thread_free(t);
}

static void test_vb_text_quote(void **state)
{
	struct forum_thread *t = parse_file(vb_parse_text, FIX "text-vb3-quote.txt");
	const struct want_thread wt = {NULL,
				       "Garden & Balcony",
				       "txt-e5bd596cfeaa97e6",
				       "Allotment garden waiting list",
				       NULL,
				       FORUM_POSTING_YES,
				       1,
				       2,
				       5,
				       3};
	const struct want_post w[] = {
		{"txt-e5bd596cfeaa97e6-1", 1, "Gardener", NULL, 0, 1710234000,
		 "Allotment garden waiting list", MARKUP_TEXT,
		 "Does anyone know how long the waiting list is this year?\n\nI applied in January.",
		 "Happy digging!", NULL, NULL, 0},
		{"txt-e5bd596cfeaa97e6-2", 2, "Beete", NULL, 0, 1710239400, NULL, MARKUP_TEXT,
		 "Gardener wrote:\n> Does anyone know how long the waiting list is this year?\n\n"
		 "About two years in our association.",
		 NULL, NULL, NULL, 0},
		/* Single paragraph, but the same last line as post 1 of the same author. */
		{"txt-e5bd596cfeaa97e6-3", 3, "Gardener", NULL, 0, 1710241500, NULL, MARKUP_TEXT,
		 "Two years, oh well. Thanks!", "Happy digging!", NULL, NULL, 0},
	};
	size_t i;

	(void)state;
	check_thread(t, &wt);
	for (i = 0; i < 3; i++)
		check_post(&t->posts[i], &w[i]);
	forum_thread_free(t);
}

static void test_vb_text_unicode(void **state)
{
	struct forum_thread *t = parse_file(vb_parse_text, FIX "text-vb4-unicode.txt");
	const struct want_thread wt = {NULL,
				       "Treffpunkt",
				       "txt-ac2b778087979053",
				       "Café-Treff in Zürich — wer kommt?",
				       NULL,
				       FORUM_POSTING_UNKNOWN,
				       2,
				       2,
				       5,
				       2};
	const struct want_post w[] = {
		{"txt-ac2b778087979053-4", 4, "Jürgen Groß", NULL, 0, 1710443700,
		 "Re: Café-Treff in Zürich — wer kommt?", MARKUP_TEXT, "Ich komme um acht.", NULL,
		 NULL, NULL, 0},
		{"txt-ac2b778087979053-5", 5, "Zoë", NULL, 1, 1710446520, NULL, MARKUP_TEXT,
		 "Jürgen Groß wrote:\n> Ich komme um acht.\n\nIch auch, bis dann!", NULL, NULL,
		 NULL, 0},
	};

	(void)state;
	check_thread(t, &wt);
	check_post(&t->posts[0], &w[0]);
	check_post(&t->posts[1], &w[1]);
	forum_thread_free(t);
}

static void test_vb_text_guest(void **state)
{
	struct forum_thread *t = parse_file(vb_parse_text, FIX "text-guest-minimal.txt");
	const struct want_thread wt = {NULL,
				       NULL,
				       "txt-e93fc56e2efd0add",
				       "Power cut in the old town",
				       NULL,
				       FORUM_POSTING_NO,
				       1,
				       1,
				       2,
				       2};
	const struct want_post w[] = {
		{"txt-e93fc56e2efd0add-1", 1, "Nachtwache", NULL, 0, 1710914400, NULL, MARKUP_TEXT,
		 "Power cut since 5:40 in the old town, trams are stopped.\n\n> Stadtwerke: repair "
		 "crews are on site.\n\nUpdates follow.",
		 NULL, NULL, NULL, 0},
		{"txt-e93fc56e2efd0add-2", 2, "Anwohner", NULL, 1, 0, NULL, MARKUP_TEXT,
		 "Back at 7:10.", NULL, NULL, NULL, 0},
	};

	(void)state;
	check_thread(t, &wt);
	check_post(&t->posts[0], &w[0]);
	check_post(&t->posts[1], &w[1]);
	forum_thread_free(t);
}

static void test_vb_text_demo(void **state)
{
	struct forum_thread *t = parse_file(vb_parse_text, DEMO "news-stadtwerke.txt");
	const struct want_thread wt = {NULL,
				       "The New News",
				       "txt-68d92241f817c930",
				       "Stadtwerke raise tram fares from July",
				       NULL,
				       FORUM_POSTING_YES,
				       1,
				       1,
				       3,
				       3};
	const struct want_post w[] = {
		{"txt-68d92241f817c930-1", 1, "Redaktion", NULL, 0, 1717403400,
		 "Stadtwerke raise tram fares from July", MARKUP_TEXT,
		 "The city's transport company announced on Monday that single tickets will cost 3.20 "
		 "euros from 1 July, twenty cents more than today.\n\nMonthly passes stay at their "
		 "current price. The company cites higher energy and staff costs.",
		 "Redaktion – Stadtnachrichten seit 2010", NULL, NULL, 0},
		{"txt-68d92241f817c930-2", 2, "Fahrgast", NULL, 1, 1717405500, NULL, MARKUP_TEXT,
		 "Twenty cents for the same crowded trams. At least the monthly pass does not change.",
		 NULL, NULL, NULL, 0},
		{"txt-68d92241f817c930-3", 3, "Jürgen Groß", NULL, 0, 1717409520, NULL, MARKUP_TEXT,
		 "Fahrgast wrote:\n> At least the monthly pass does not change.\n\nThat is the one "
		 "most people use anyway.",
		 NULL, NULL, NULL, 0},
	};
	size_t i;

	(void)state;
	check_thread(t, &wt);
	for (i = 0; i < 3; i++)
		check_post(&t->posts[i], &w[i]);
	forum_thread_free(t);
}

static void test_vb_text_bad(void **state)
{
	static const char notitle[] = "  1. #1\n    Anna\n    Guest\n    hello\n";
	static const char noposts[] = "Thread: T\n\nNothing here.\n\nSimilar Threads\n";
	static const char latin1[] = "Thread: Gr\xfc\xdf"
				     "e\n  1. #1\n    x\n";
	static const char crlf[] = "Thread: T\r\n\r\n  1. #1\r\n    Anna Guest\r\n    hi\r\n";
	struct forum_thread *t = NULL;
	char *err;

	(void)state;
	err = parse_fail(vb_parse_text, notitle, strlen(notitle), "a.txt");
	assert_string_equal(err, "a.txt: no \"Thread:\" title line");
	free(err);
	err = parse_fail(vb_parse_text, noposts, strlen(noposts), "b.txt");
	assert_string_equal(err, "b.txt: no posts found");
	free(err);
	err = parse_fail(vb_parse_text, latin1, strlen(latin1), "c.txt");
	assert_string_equal(err, "c.txt: not UTF-8 text");
	free(err);
	err = parse_fail(vb_parse_text, "Thread: T\n\0#1\n", 14, "d.txt");
	assert_string_equal(err, "d.txt: binary data (NUL byte) in a text page");
	free(err);
	err = parse_fail(vb_parse_text, "", 0, "e.txt");
	free(err);

	err = NULL;
	assert_int_equal(vb_parse_text(crlf, strlen(crlf), "f.txt", &t, &err), 0);
	assert_int_equal(t->nposts, 1);
	assert_string_equal(t->posts[0].author, "Anna");
	assert_int_equal(t->posts[0].guest, 1);
	assert_string_equal(t->posts[0].body, "hi");
	forum_thread_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_date_formats),
		cmocka_unit_test(test_date_zones),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_json_demo_html),
		cmocka_unit_test(test_json_demo_bbcode),
		cmocka_unit_test(test_json_minimal),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_json_bad_date_keeps_posts),
		cmocka_unit_test(test_vb_bad_date_keeps_posts),
		cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_json_bad_strings),
		cmocka_unit_test(test_json_numbers),
		cmocka_unit_test(test_json_structure),
		cmocka_unit_test(test_json_position),
		cmocka_unit_test(test_json_values),
		cmocka_unit_test(test_json_big_string),
		cmocka_unit_test(test_json_many_posts),
		cmocka_unit_test(test_vb3_showthread),
		cmocka_unit_test(test_vb4_pages),
		cmocka_unit_test(test_vb3_printthread),
		cmocka_unit_test(test_vb_archive),
		cmocka_unit_test(test_vb_demo_html),
		cmocka_unit_test(test_vb_html_bad),
		cmocka_unit_test(test_vb_text_seed),
		cmocka_unit_test(test_vb_text_quote),
		cmocka_unit_test(test_vb_text_unicode),
		cmocka_unit_test(test_vb_text_guest),
		cmocka_unit_test(test_vb_text_demo),
		cmocka_unit_test(test_vb_text_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
