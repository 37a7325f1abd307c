/*
 * Tests for gateway/forum/discourse_json.c: the Discourse API responses of
 * the Ruby client's fixtures and the API docs' examples (tests/fixtures/
 * discourse/, MIT), a long topic recorded from a live forum (../shared/
 * corpora/discourse-api/, skipped when absent), hand-made edge cases, the
 * post → forum_post mapping and webhook deliveries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../gateway/forum/discourse_json.h"
#include "forumgate/buf.h"

#define FIX "tests/fixtures/discourse/"
#define CORPUS "../shared/corpora/discourse-api/"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	struct buf b = BUF_INIT;
	char tmp[8192];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	*len = b.len;
	return buf_detach(&b);
}

static char *fixture(const char *name, size_t *len)
{
	char *path = xasprintf(FIX "%s", name);
	char *s = slurp(path, len);
	assert_non_null(s);
	free(path);
	return s;
}

static void test_time(void **state)
{
	int64_t t;
	assert_int_equal(dj_parse_time("2013-02-04T15:26:26.278-05:00", &t), 0);
	assert_int_equal(t, 1360009586);
	assert_int_equal(dj_parse_time("2020-01-25T02:10:07.971Z", &t), 0);
	assert_int_equal(t, 1579918207);
	assert_int_equal(dj_parse_time("2020-01-25T02:10:07Z", &t), 0);
	assert_int_equal(t, 1579918207);
	assert_int_equal(dj_parse_time("2020-01-25", &t), -1);
	assert_int_equal(dj_parse_time("2020-13-25T02:10:07Z", &t), -1);
	assert_int_equal(dj_parse_time("2020-01-25T02:10:07.Z", &t), -1);
	assert_int_equal(dj_parse_time("2020-01-25T02:10:07Zjunk", &t), -1);
}

static void test_categories_fixture(void **state)
{
	size_t len;
	char *s = fixture("categories.json", &len), *err = NULL;
	struct dj_categories c;
	assert_int_equal(dj_parse_categories(s, len, &c, &err), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.v[1].id, 2);
	assert_string_equal(c.v[1].slug, "test2");
	assert_int_equal(c.v[1].parent_id, 0);
	assert_int_equal(c.v[1].permission, -1);
	char *g = dj_group_name("forum.example", &c, &c.v[1], &err);
	assert_string_equal(g, "forum.example.test2");
	free(g);
	dj_categories_free(&c);
	free(s);
}

/* include_subcategories=true nests children; /site.json is flat with
 * parent_category_id; both give the same tree and the same group names. */
static void test_subcategories(void **state)
{
	const char *nested =
		"{\"category_list\": {\"categories\": ["
		"{\"id\": 5, \"name\": \"Général\", \"slug\": \"\", \"read_restricted\": false,"
		" \"permission\": 1, \"subcategory_ids\": [9],"
		" \"subcategory_list\": [{\"id\": 9, \"name\": \"Staff\", \"slug\": \"staff-only\","
		" \"parent_category_id\": 5, \"read_restricted\": true, \"permission\": 3}]},"
		"{\"id\": 6, \"name\": \"2024\", \"slug\": \"2024\", \"read_restricted\": false}]}}";
	const char *site =
		"{\"categories\": [{\"id\": 5, \"name\": \"Général\", \"slug\": \"\"},"
		"{\"id\": 9, \"name\": \"Staff\", \"slug\": \"staff-only\", \"parent_category_id\": 5,"
		" \"read_restricted\": true},"
		"{\"id\": 6, \"name\": \"2024\", \"slug\": \"2024\"}]}";
	const char *docs[] = {nested, site};
	for (int i = 0; i < 2; i++) {
		struct dj_categories c;
		char *err = NULL;
		assert_int_equal(dj_parse_categories(docs[i], strlen(docs[i]), &c, &err), 0);
		assert_int_equal(c.n, 3);
		const struct dj_category *staff = dj_category_find(&c, 9);
		assert_non_null(staff);
		assert_int_equal(staff->parent_id, 5);
		assert_true(staff->read_restricted);
		char *g = dj_group_name("fg", &c, staff, &err);
		/* the parent has no slug: its name, transliterated */
		assert_string_equal(g, "fg.general.staff-only");
		free(g);
		g = dj_group_name("fg", &c, dj_category_find(&c, 6), &err);
		assert_string_equal(g, "fg.c-2024"); /* never an all-digit component */
		free(g);
		/* a renamed category keeps its group: the slug makes it */
		free(c.v[2].name);
		c.v[2].name = xstrdup("Year 2024");
		g = dj_group_name("fg", &c, dj_category_find(&c, 6), &err);
		assert_string_equal(g, "fg.c-2024");
		free(g);
		dj_categories_free(&c);
	}
}

static void test_group_name_errors(void **state)
{
	struct dj_category cat = {.id = 4, .parent_id = 99, .slug = "x", .name = "X"};
	struct dj_categories c = {&cat, 1};
	char *err = NULL;
	assert_null(dj_group_name("fg", &c, &cat, &err));
	assert_string_equal(err, "category 4: parent 99 not in the category list");
	cat.parent_id = 0;
	const char *bad[] = {"", "fg.", ".fg", "fg..x", "Fg", "f g", "fg/x"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_null(dj_group_name(bad[i], &c, &cat, &err));
		assert_non_null(strstr(err, "group prefix"));
	}
	free(err);
	cat.slug = "all";
	char *g = dj_group_name("a.b", &c, &cat, NULL);
	assert_string_equal(g, "a.b.c-all");
	free(g);
}

static void test_group_template(void **state)
{
	struct dj_category cats[] = {
		{.id = 3, .slug = "support", .name = "Support"},
		{.id = 7, .parent_id = 3, .slug = "Linux", .name = "Linux Help"},
	};
	struct dj_categories c = {cats, 2};
	char *err = NULL;
	char *g = dj_group_name_tpl(NULL, "fg", &c, &cats[1], &err);
	assert_string_equal(g, "fg.support.linux");
	free(g);
	g = dj_group_name_tpl("{prefix}.forum.{parent}-{slug}.{id}", "fg", &c, &cats[1], &err);
	assert_string_equal(g, "fg.forum.support-linux.c7");
	free(g);
	g = dj_group_name_tpl("{prefix}.{parent}", "fg", &c, &cats[0], &err);
	assert_string_equal(g, "fg.support"); /* top level: its own */
	free(g);
	/* what the operator wrote must still make a newsgroup name */
	const char *bad[] = {"{prefix}..{slug}", "{prefix}.{slug}.", "{prefix}.All",
			     "{prefix} {slug}",  "{prefix}.all",     "{prefix}.ctl.{slug}",
			     "{prefix}/{slug}"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_null(dj_group_name_tpl(bad[i], "fg", &c, &cats[1], &err));
		assert_non_null(strstr(err, "not a newsgroup name"));
	}
	free(err);
}

static void test_topic_list(void **state)
{
	size_t len;
	char *s = fixture("latest.json", &len), *err = NULL;
	struct dj_topic_list l;
	assert_int_equal(dj_parse_topic_list(s, len, &l, &err), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.more_topics_url, "/latest.json?page=1");
	assert_true(dj_topic_gatewayed(&l.v[0]));
	dj_topic_list_free(&l);
	free(s);

	s = fixture("category_latest_topics.json", &len);
	assert_int_equal(dj_parse_topic_list(s, len, &l, &err), 0);
	assert_int_equal(l.n, 2);
	assert_null(l.more_topics_url);
	assert_int_equal(l.v[0].id, 5);
	assert_int_equal(l.v[0].category_id, 2);
	assert_true(l.v[0].visible); /* "visible" absent → listed */
	dj_topic_list_free(&l);
	free(s);

	const char *pm =
		"{\"topic_list\": {\"more_topics_url\": \"/c/x/5/l/latest?page=2\","
		"\"topics\": [{\"id\": 1, \"title\": \"a\", \"archetype\": \"private_message\"},"
		"{\"id\": 2, \"title\": \"b\", \"visible\": false, \"bumped_at\":"
		" \"2020-01-25T02:10:07Z\"}]}}";
	assert_int_equal(dj_parse_topic_list(pm, strlen(pm), &l, &err), 0);
	assert_false(dj_topic_gatewayed(&l.v[0]));
	assert_false(dj_topic_gatewayed(&l.v[1]));
	assert_int_equal(l.v[1].bumped_at, 1579918207);
	assert_string_equal(l.more_topics_url, "/c/x/5/l/latest?page=2");
	dj_topic_list_free(&l);
}

static void test_topic(void **state)
{
	size_t len;
	char *s = fixture("topic.json", &len), *err = NULL;
	struct dj_topic_page tp;
	assert_int_equal(dj_parse_topic(s, len, &tp, &err), 0);
	assert_int_equal(tp.topic.id, 57);
	assert_string_equal(tp.topic.title, "THIS SITE IS A SANDBOX -- it is reset every day");
	assert_int_equal(tp.posts.n, 4);
	assert_int_equal(tp.nstream, 4);
	assert_int_equal(tp.stream[3], 226);
	const struct dj_post *p = &tp.posts.v[0];
	assert_int_equal(p->id, 83);
	assert_int_equal(p->topic_id, 57);
	assert_int_equal(p->version, 5);
	assert_int_equal(p->created_at, 1360009586);

	struct forum_post fp = {0};
	int unres;
	assert_int_equal(dj_post_to_forum(p, &tp.posts, "https://meta.example", &fp, &unres, &err),
			 0);
	assert_string_equal(fp.id, "83");
	assert_string_equal(fp.author, "Sam Saffron (samsaffron)");
	assert_int_equal(fp.position, 1);
	assert_int_equal(fp.markup, MARKUP_HTML);
	assert_null(fp.parent_id);
	assert_int_equal(unres, 0);
	forum_post_clear(&fp);
	dj_topic_page_free(&tp);
	free(s);

	s = fixture("docs_topic_response.json", &len);
	assert_int_equal(dj_parse_topic(s, len, &tp, &err), 0);
	assert_int_equal(tp.nstream, 1);
	assert_null(tp.posts.v[0].name); /* "" = no display name */
	memset(&fp, 0, sizeof fp);
	assert_int_equal(dj_post_to_forum(&tp.posts.v[0], NULL, NULL, &fp, NULL, &err), 0);
	assert_string_equal(fp.author, "discourse1");
	forum_post_clear(&fp);
	dj_topic_page_free(&tp);
	free(s);
}

/* 446 posts, highest number 452: the stream lists them all, the page holds
 * 20; post #433 answers #428 (reply_to_post_number) and quotes it. */
static void test_long_topic_corpus(void **state)
{
	size_t len;
	char *s = slurp(CORPUS "discourse-rss-auto-archive-linked-content/t_2108_post_452.json",
			&len);
	if (!s) {
		print_message("absent: the shared discourse-api corpus\n");
		skip();
	}
	char *err = NULL;
	struct dj_topic_page tp;
	assert_int_equal(dj_parse_topic(s, len, &tp, &err), 0);
	assert_int_equal(tp.topic.posts_count, 446);
	assert_int_equal(tp.topic.highest_post_number, 452);
	assert_int_equal(tp.nstream, 446);
	assert_int_equal(tp.posts.n, 20);
	const struct dj_post *p = &tp.posts.v[0];
	assert_int_equal(p->post_number, 433);
	assert_int_equal(dj_post_parent_number(p), 428);
	struct forum_post fp = {0};
	int unres;
	assert_int_equal(dj_post_to_forum(p, &tp.posts, NULL, &fp, &unres, &err), 0);
	assert_null(fp.parent_id); /* #428 is not in this page */
	assert_int_equal(unres, 428);
	assert_string_equal(fp.author, "ActiveMind");
	forum_post_clear(&fp);
	dj_topic_page_free(&tp);
	free(s);
}

static void test_posts(void **state)
{
	size_t len;
	char *s = fixture("posts_latest.json", &len), *err = NULL;
	struct dj_posts ps;
	assert_int_equal(dj_parse_posts(s, len, &ps, &err), 0);
	assert_int_equal(ps.n, 4);
	assert_int_equal(ps.v[0].id, 15);
	assert_int_equal(ps.v[0].topic_id, 11);
	assert_int_equal(ps.v[0].post_number, 2);
	assert_int_equal(ps.v[0].created_at, 1579918207);
	dj_posts_free(&ps);
	free(s);

	s = fixture("topic_posts.json", &len);
	assert_int_equal(dj_parse_posts(s, len, &ps, &err), 0);
	assert_int_equal(ps.n, 1);
	assert_int_equal(ps.v[0].id, 123456);
	dj_posts_free(&ps);
	free(s);

	s = fixture("post.json", &len);
	assert_int_equal(dj_parse_posts(s, len, &ps, &err), 0);
	assert_int_equal(ps.n, 1);
	assert_int_equal(ps.v[0].id, 11);
	dj_posts_free(&ps);
	free(s);
}

#define POST(extra)                                                                                \
	"{\"latest_posts\": [{\"id\": 70, \"topic_id\": 5, \"post_number\": 1, \"cooked\": "       \
	"\"<p>root</p>\", \"username\": \"ann\"},"                                                 \
	"{\"id\": 71, \"topic_id\": 5, \"post_number\": 2, \"username\": \"bob\", " extra "}]}"

static struct dj_posts parse_ok(const char *s)
{
	struct dj_posts ps;
	char *err = NULL;
	assert_int_equal(dj_parse_posts(s, strlen(s), &ps, &err), 0);
	assert_null(err);
	return ps;
}

static void test_parent(void **state)
{
	struct forum_post fp = {0};
	int unres;
	/* a quote of another post of this topic */
	struct dj_posts ps = parse_ok(
		POST("\"cooked\": \"<aside class=\\\"quote no-group\\\" data-username=\\\"ann\\\" "
		     "data-post=\\\"1\\\" data-topic=\\\"5\\\"><div class=\\\"title\\\">ann:</div>"
		     "<blockquote><p>root</p></blockquote></aside><p>yes</p>\""));
	assert_int_equal(dj_post_parent_number(&ps.v[1]), 1);
	assert_int_equal(dj_post_to_forum(&ps.v[1], &ps, NULL, &fp, &unres, NULL), 0);
	assert_string_equal(fp.parent_id, "70");
	forum_post_clear(&fp);
	dj_posts_free(&ps);

	/* a quote from another topic is not a parent */
	ps = parse_ok(POST("\"cooked\": \"<aside class=\\\"quote\\\" data-post=\\\"1\\\" "
			   "data-topic=\\\"6\\\"></aside>\""));
	assert_int_equal(dj_post_parent_number(&ps.v[1]), 0);
	dj_posts_free(&ps);

	/* reply_to_post_number wins over a quote */
	ps = parse_ok(POST("\"reply_to_post_number\": 9, \"cooked\": \"<aside class=\\\"quote\\\" "
			   "data-post=\\\"1\\\" data-topic=\\\"5\\\"></aside>\""));
	assert_int_equal(dj_post_parent_number(&ps.v[1]), 9);
	assert_int_equal(dj_post_to_forum(&ps.v[1], &ps, NULL, &fp, &unres, NULL), 0);
	assert_null(fp.parent_id);
	assert_int_equal(unres, 9);
	forum_post_clear(&fp);
	dj_posts_free(&ps);

	/* an onebox aside is not a quote */
	ps = parse_ok(
		POST("\"cooked\": \"<aside class=\\\"onebox\\\" data-post=\\\"1\\\"></aside>\""));
	assert_int_equal(dj_post_parent_number(&ps.v[1]), 0);
	dj_posts_free(&ps);
}

static void test_flags(void **state)
{
	struct forum_post fp = {0};
	char *err = NULL;
	struct dj_posts ps = parse_ok(
		POST("\"name\": \"Bob B\", \"deleted_at\": "
		     "\"2020-01-25T02:10:07Z\", \"version\": 3, \"post_url\": \"/t/x/5/2\""));
	assert_int_equal(ps.v[1].version, 3);
	assert_string_equal(ps.v[1].cooked, "");
	assert_int_equal(dj_post_to_forum(&ps.v[1], &ps, "https://f.example", &fp, NULL, &err), 0);
	assert_true(fp.deleted);
	assert_string_equal(fp.author, "Bob B (bob)");
	assert_string_equal(fp.url, "https://f.example/t/x/5/2");
	forum_post_clear(&fp);
	dj_posts_free(&ps);

	ps = parse_ok(POST("\"hidden\": true"));
	assert_int_equal(dj_post_to_forum(&ps.v[1], &ps, NULL, &fp, NULL, &err), 0);
	assert_true(fp.deleted);
	forum_post_clear(&fp);
	dj_posts_free(&ps);

	ps = parse_ok(POST("\"topic_archetype\": \"private_message\", \"category_id\": 3"));
	assert_int_equal(ps.v[1].category_id, 3);
	assert_false(dj_post_gatewayed(&ps.v[1]));
	assert_true(dj_post_gatewayed(&ps.v[0]));
	dj_posts_free(&ps);

	ps = parse_ok(POST("\"post_type\": 4"));
	assert_false(dj_post_gatewayed(&ps.v[1]));
	assert_int_equal(dj_post_to_forum(&ps.v[1], &ps, NULL, &fp, NULL, &err), -1);
	assert_string_equal(err, "post 71: post_type 4 is not gatewayed");
	assert_null(fp.id);
	dj_posts_free(&ps);
	free(err);
}

static void test_errors(void **state)
{
	static const struct {
		const char *json, *msg;
	} cases[] = {
		{"{\"latest_posts\": [", NULL},
		{"[1]", "JSON: top level is not an object"},
		{"{\"latest_posts\": [{\"id\": 1, \"id\": 2, \"post_number\": 1}]}", NULL},
		{POST("\"cooked\": 5"), "latest_posts[1].cooked: not a string"},
		{"{\"latest_posts\": [{\"id\": 1}]}", "latest_posts[0].post_number: missing"},
		{"{\"latest_posts\": [{\"id\": \"1\", \"post_number\": 1}]}",
		 "latest_posts[0].id: not an integer"},
		{POST("\"created_at\": \"yesterday\""),
		 "latest_posts[1].created_at: not an ISO 8601 time: \"yesterday\""},
		{"{\"latest_posts\": {}}", "latest_posts: not an array"},
		{"{\"nothing\": 1}", "post_stream: missing (nor latest_posts, nor a post)"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct dj_posts ps;
		char *err = NULL;
		assert_int_equal(dj_parse_posts(cases[i].json, strlen(cases[i].json), &ps, &err),
				 -1);
		assert_non_null(err);
		if (cases[i].msg)
			assert_string_equal(err, cases[i].msg);
		else
			assert_non_null(strstr(err, "JSON syntax error"));
		assert_null(ps.v); /* nothing half-built */
		assert_int_equal(ps.n, 0);
		free(err);
	}
	struct dj_topic_page tp;
	char *err = NULL;
	const char *t = "{\"id\": 5, \"title\": \"t\", \"post_stream\": {\"posts\": [], "
			"\"stream\": [1, \"x\"]}}";
	assert_int_equal(dj_parse_topic(t, strlen(t), &tp, &err), -1);
	assert_string_equal(err, "post_stream.stream[1]: not a post id");
	assert_null(tp.topic.title);
	t = "{\"topic_list\": {\"topics\": [{\"id\": 0, \"title\": \"t\"}]}}";
	struct dj_topic_list tl;
	assert_int_equal(dj_parse_topic_list(t, strlen(t), &tl, &err), -1);
	assert_string_equal(err, "topic_list.topics[0].id: not positive");
	assert_null(tl.v);
	free(err);
	err = NULL;
	struct dj_categories c;
	const char *deep =
		"{\"categories\": [{\"id\": 1, \"name\": \"a\", \"subcategory_list\": "
		"[{\"id\": 2, \"name\": \"b\", \"subcategory_list\": [{\"id\": 3, \"name\":"
		" \"c\", \"subcategory_list\": [{\"id\": 4, \"name\": \"d\", "
		"\"subcategory_list\": [{\"id\": 5, \"name\": \"e\"}]}]}]}]}]}";
	assert_int_equal(dj_parse_categories(deep, strlen(deep), &c, &err), -1);
	assert_non_null(strstr(err, "nested too deep"));
	assert_null(c.v);
	free(err);
}

#define WH_BODY                                                                                    \
	"{\"post\": {\"id\": 7, \"post_number\": 2, \"topic_id\": 5, \"cooked\": \"<p>hi</p>\"}}"
#define WH_SIG "sha256=5d771153cc36244690a2e190551dd4630f78c4979752127296f0bf68bbacd912"

static void test_webhook_verify(void **state)
{
	char *err = NULL;
	const char *b = WH_BODY;
	assert_int_equal(dj_webhook_verify("sekrit", 6, WH_SIG, b, strlen(b), &err), 0);
	assert_null(err);
	/* upper-case hex is the same signature */
	char *up = xstrdup(WH_SIG);
	for (char *p = up + 7; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 32);
	assert_int_equal(dj_webhook_verify("sekrit", 6, up, b, strlen(b), &err), 0);
	free(up);
	assert_int_equal(dj_webhook_verify("sekriT", 6, WH_SIG, b, strlen(b), &err), -1);
	assert_string_equal(err, "X-Discourse-Event-Signature: does not match the body");
	assert_int_equal(dj_webhook_verify("sekrit", 6, WH_SIG, b, strlen(b) - 1, &err), -1);
	assert_int_equal(dj_webhook_verify("sekrit", 6, NULL, b, strlen(b), &err), -1);
	assert_string_equal(err, "X-Discourse-Event-Signature: missing");
	assert_int_equal(dj_webhook_verify("sekrit", 6, "sha1=abc", b, strlen(b), &err), -1);
	assert_int_equal(dj_webhook_verify("sekrit", 6, WH_SIG "0", b, strlen(b), &err), -1);
	free(err);
}

static void test_webhook_parse(void **state)
{
	struct dj_webhook_headers h = {"post_created", "post", "158765", WH_SIG,
				       "https://f.example"};
	struct dj_webhook w;
	char *err = NULL;
	assert_int_equal(dj_webhook_parse(&h, WH_BODY, strlen(WH_BODY), &w, &err), 0);
	assert_int_equal(w.kind, DJ_WEBHOOK_POST);
	assert_int_equal(w.event_id, 158765);
	assert_string_equal(w.event, "post_created");
	assert_int_equal(w.post.id, 7);
	assert_int_equal(w.post.topic_id, 5);
	dj_webhook_free(&w);

	const char *topic = "{\"topic\": {\"id\": 46582, \"title\": \"Hello\", \"archetype\": "
			    "\"regular\", \"category_id\": 7, \"visible\": true}}";
	h.event = "topic_created";
	h.event_type = "topic";
	assert_int_equal(dj_webhook_parse(&h, topic, strlen(topic), &w, &err), 0);
	assert_int_equal(w.kind, DJ_WEBHOOK_TOPIC);
	assert_string_equal(w.topic.title, "Hello");
	dj_webhook_free(&w);

	h.event = "ping";
	h.event_type = "ping";
	assert_int_equal(dj_webhook_parse(&h, "{\"ping\": \"OK\"}", 14, &w, &err), 0);
	assert_int_equal(w.kind, DJ_WEBHOOK_OTHER);
	dj_webhook_free(&w);

	h.event_type = "post";
	assert_int_equal(dj_webhook_parse(&h, "{\"ping\": \"OK\"}", 14, &w, &err), -1);
	assert_string_equal(err, "post: missing");
	assert_null(w.event);
	h.event_id = "12x";
	assert_int_equal(dj_webhook_parse(&h, WH_BODY, strlen(WH_BODY), &w, &err), -1);
	assert_string_equal(err, "X-Discourse-Event-Id: not a number: \"12x\"");
	h.event_id = NULL;
	h.event = NULL;
	assert_int_equal(dj_webhook_parse(&h, WH_BODY, strlen(WH_BODY), &w, &err), -1);
	assert_string_equal(err, "X-Discourse-Event: missing");
	h.event = "post_created\r\nX: y";
	assert_int_equal(dj_webhook_parse(&h, WH_BODY, strlen(WH_BODY), &w, &err), -1);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time),           cmocka_unit_test(test_categories_fixture),
		cmocka_unit_test(test_subcategories),  cmocka_unit_test(test_group_name_errors),
		cmocka_unit_test(test_group_template), cmocka_unit_test(test_topic_list),
		cmocka_unit_test(test_topic),          cmocka_unit_test(test_long_topic_corpus),
		cmocka_unit_test(test_posts),          cmocka_unit_test(test_parent),
		cmocka_unit_test(test_flags),          cmocka_unit_test(test_errors),
		cmocka_unit_test(test_webhook_verify), cmocka_unit_test(test_webhook_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
