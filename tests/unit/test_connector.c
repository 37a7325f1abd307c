/*
 * Tests for gateway/forum/connector.c (the registry) and what hangs on it:
 * the connector-declared config section (validated by the connector's
 * schema, errors at FILE:LINE:COL, -o overrides, cfg_print round trip),
 * the forum options every live connector shares (backfill, limits, tls_ca,
 * http:), and sync's side of a pass: the backfill limit reaches the
 * connector, and a checkpoint is committed with its data, so a pass that
 * fails half-way resumes after it.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "forumgate/buf.h"
#include "forumgate/config.h"
#include "forumgate/connector.h"
#include "forumgate/store.h"
#include "forumgate/sync.h"

#define MIN_CFG "gateway:\n  domain: news.example.org\n"

/* ---- a test connector with a section of its own ----------------------- */

struct tc_cfg {
	char *endpoint;
	int pages;
	int verbose;
	long max;
};

static const struct cfg_conn_key tc_keys[] = {
	{.key = "endpoint",
	 .type = CFG_CONN_STR,
	 .flags = CFG_CONN_REQUIRED,
	 .off = offsetof(struct tc_cfg, endpoint)},
	{.key = "pages",
	 .type = CFG_CONN_INT,
	 .min = 1,
	 .max = 10,
	 .idef = 3,
	 .off = offsetof(struct tc_cfg, pages)},
	{.key = "verbose", .type = CFG_CONN_BOOL, .off = offsetof(struct tc_cfg, verbose)},
	{.key = "max",
	 .type = CFG_CONN_SIZE,
	 .min = 1024,
	 .max = 1L << 30,
	 .idef = 4096,
	 .off = offsetof(struct tc_cfg, max)},
};

static const struct cfg_conn_section tc_section = {
	.name = "testconn",
	.size = sizeof(struct tc_cfg),
	.keys = tc_keys,
	.nkeys = sizeof tc_keys / sizeof *tc_keys,
	.required = 1,
};

/* The pass the test connector delivers: threads t1..t4, a checkpoint
 * after each; with fail_after = n the pass fails after n threads. */
static struct {
	int fail_after;
	const char *seen_cursor;
	char seen_cursor_buf[64];
	int seen_days, seen_topics;
	long progress_done;
	volatile int calls;
} tc;

static int tc_open(const struct cfg_forum *f, const char *path, void **state, char **err)
{
	*state = (void *)f;
	return 0;
}

static int tc_boards(void *state, char ***boards, size_t *n, char **err)
{
	*boards = NULL;
	*n = 0;
	return 0;
}

static int tc_changes(void *state, const char *cursor, const struct forum_changes_opts *o,
		      forum_thread_cb cb, int (*checkpoint)(void *, const char *), void *arg,
		      char **next, int *warnings, char **err)
{
	tc.calls++;
	tc.seen_cursor = cursor ? strcpy(tc.seen_cursor_buf, cursor) : NULL;
	tc.seen_days = o->backfill_days;
	tc.seen_topics = o->backfill_topics;
	*warnings = 0;
	int start = cursor ? atoi(cursor + 1) : 0; /* "t2" → after t2 */
	for (int i = start + 1; i <= 4; i++) {
		if (tc.fail_after && i > tc.fail_after)
			return fg_error(err, "the forum went away after t%d", tc.fail_after);
		struct forum_thread *t = xcalloc(1, sizeof *t);
		t->id = xasprintf("%d", i);
		t->title = xasprintf("Thread %d", i);
		t->board = xstrdup("general");
		struct forum_post *p = forum_thread_add_post(t);
		p->id = xasprintf("%d", 100 + i);
		p->position = 1;
		p->author = xstrdup("alice");
		p->date = 1700000000 + i;
		p->body = xstrdup("hello");
		if (cb(arg, t) != 0)
			return -1;
		char cur[16];
		snprintf(cur, sizeof cur, "t%d", i);
		if (checkpoint && checkpoint(arg, cur) != 0)
			return -1;
		o->progress(o->progress_arg, i, 4, "topics");
		tc.progress_done = i;
	}
	*next = xstrdup("t4");
	return 0;
}

static void tc_close(void *state)
{
}

static const struct forum_connector_ops test_ops = {
	.type = "testconn",
	.open = tc_open,
	.list_boards = tc_boards,
	.changes = tc_changes,
	.close = tc_close,
	.config = &tc_section,
};

/* A remote connector whose forum hangs: it delivers one thread, then
 * waits until released (at most 10 s). */
static struct {
	const char *store;
	volatile int blocked, release;
	double begin_secs; /* another writer's BEGIN while we wait */
} slow;

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int slow_changes(void *state, const char *cursor, const struct forum_changes_opts *o,
			forum_thread_cb cb, int (*checkpoint)(void *, const char *), void *arg,
			char **next, int *warnings, char **err)
{
	*warnings = 0;
	struct forum_thread *t = xcalloc(1, sizeof *t);
	t->id = xstrdup("s1");
	t->title = xstrdup("Slow thread");
	t->board = xstrdup("general");
	struct forum_post *p = forum_thread_add_post(t);
	p->id = xstrdup("900");
	p->position = 1;
	p->author = xstrdup("bob");
	p->date = 1700000000;
	p->body = xstrdup("slow");
	if (cb(arg, t) != 0)
		return -1;
	/* while the forum makes us wait, others can write */
	struct store *other = NULL;
	if (store_open(slow.store, STORE_RW, &other, err) != 0)
		return -1;
	double t0 = mono();
	if (store_begin(other, err) == 0)
		store_rollback(other);
	slow.begin_secs = mono() - t0;
	store_close(other);
	slow.blocked = 1;
	for (int i = 0; i < 1000 && !slow.release; i++)
		usleep(10000);
	slow.blocked = 0;
	*next = xstrdup("s1");
	return 0;
}

static const struct forum_connector_ops slow_ops = {
	.type = "testslow",
	.open = tc_open,
	.list_boards = tc_boards,
	.changes = slow_changes,
	.close = tc_close,
	.flags = FORUM_CONN_REMOTE,
};

/* ---- helpers ------------------------------------------------------------ */

static struct cfg *load_ok(const char *yaml, char *const *ov, size_t n)
{
	struct cfg *c = NULL;
	char *err = NULL;
	if (cfg_load_string("t.yaml", yaml, strlen(yaml), ov, n, &c, &err) != 0)
		fail_msg("unexpected error:\n%s", err);
	return c;
}

static char *load_err(const char *yaml, char *const *ov, size_t n)
{
	struct cfg *c = NULL;
	char *err = NULL;
	assert_int_equal(cfg_load_string("t.yaml", yaml, strlen(yaml), ov, n, &c, &err), -1);
	assert_null(c);
	return err;
}

static void expect_err(const char *yaml, const char *want)
{
	char *err = load_err(yaml, NULL, 0);
	assert_string_equal(err, want);
	free(err);
}

static int setup(void **state)
{
	assert_int_equal(forum_connector_add(&test_ops), 0);
	assert_int_equal(forum_connector_add(&slow_ops), 0);
	return 0;
}

/* ---- registry ----------------------------------------------------------- */

static void test_lookup(void **state)
{
	const struct forum_connector_ops *spool = forum_connector("spool");
	assert_non_null(spool);
	assert_string_equal(spool->type, "spool");
	assert_null(forum_connector("nope"));
	assert_null(forum_connector(NULL));
	const char *const boards[] = {"vbulletin", "phpbb", "xenforo", "mybb"};
	for (size_t i = 0; i < 4; i++) {
		/* one board connector, its engine chosen by type */
		const struct forum_connector_ops *b = forum_connector(boards[i]);
		assert_non_null(b);
		assert_string_equal(b->type, boards[i]);
		assert_true(b->flags & FORUM_CONN_REMOTE);
		assert_string_equal(b->config->name, "board");
		assert_ptr_equal(b->changes, forum_connector("vbulletin")->changes);
	}
	const struct forum_connector_ops *dsc = forum_connector("discourse");
	assert_non_null(dsc);
	assert_true(dsc->flags & FORUM_CONN_REMOTE);
	assert_string_equal(dsc->config->name, "discourse");
	assert_ptr_equal(forum_connector("testconn"), &test_ops);
	const char *const *types = forum_connector_types();
	assert_string_equal(types[0], "spool");
	assert_string_equal(types[1], "discourse");
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(types[2 + i], boards[i]);
	assert_string_equal(types[6], "testconn");
	assert_string_equal(types[7], "testslow");
	assert_null(types[8]);
}

static void test_types_in_config(void **state)
{
	expect_err(MIN_CFG "forums:\n  - name: a\n    type: gopher\n",
		   "t.yaml:5:11: unknown forum type \"gopher\" (supported: spool, discourse, "
		   "vbulletin, phpbb, xenforo, mybb, testconn, testslow)");
}

/* The discourse connector's section: api_username defaults to "system";
 * its keys are checked like any connector's. */
static void test_discourse_section(void **state)
{
	struct cfg *c = load_ok(MIN_CFG "forums:\n  - name: d\n    type: discourse\n"
					"    url: https://d.example/\n    discourse:\n"
					"      api_key_file: /etc/fg/key\n",
				NULL, 0);
	const struct cfg_forum *f = &c->forums[0];
	assert_non_null(f->conn);
	/* the struct's first two members: api_key_file, api_username */
	char *const *v = f->conn;
	assert_string_equal(v[0], "/etc/fg/key");
	assert_string_equal(v[1], "system");
	cfg_free(c);
	char *err = load_err(MIN_CFG "forums:\n  - name: d\n    type: discourse\n"
				     "    url: https://d.example/\n    discourse:\n"
				     "      api_key: secret\n",
			     NULL, 0);
	assert_non_null(strstr(err, "api_key"));
	free(err);
}

/* ---- the connector's own section ---------------------------------------- */

#define TC_FORUM MIN_CFG "forums:\n  - name: a\n    type: testconn\n"

static void test_section_values(void **state)
{
	struct cfg *c = load_ok(TC_FORUM "    testconn:\n      endpoint: https://f.example/\n"
					 "      verbose: yes\n      max: 8k\n",
				NULL, 0);
	const struct cfg_forum *f = &c->forums[0];
	assert_ptr_equal(f->conn_section, &tc_section);
	const struct tc_cfg *t = f->conn;
	assert_string_equal(t->endpoint, "https://f.example/");
	assert_int_equal(t->pages, 3);
	assert_int_equal(t->verbose, 1);
	assert_int_equal(t->max, 8192);

	/* printed, and what is printed loads again to the same */
	char *out = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);
	cfg_print(c, m);
	fclose(m);
	if (!strstr(out, "      topics: 0\n    testconn:\n      endpoint: \"https://f.example/\"\n"
			 "      pages: 3\n"))
		fail_msg("%s", out);
	struct cfg *c2 = load_ok(out, NULL, 0);
	const struct tc_cfg *t2 = c2->forums[0].conn;
	assert_string_equal(t2->endpoint, "https://f.example/");
	assert_int_equal(t2->max, 8192);
	cfg_free(c2);
	free(out);
	cfg_free(c);

	/* -o reaches into the section */
	char *ov[] = {"forums.a.testconn.pages=7", "forums.a.testconn.endpoint=x"};
	c = load_ok(TC_FORUM "    testconn: {endpoint: y}\n", ov, 2);
	t = c->forums[0].conn;
	assert_int_equal(t->pages, 7);
	assert_string_equal(t->endpoint, "x");
	cfg_free(c);
	char *bad[] = {"forums.a.testconn.pagez=7"};
	char *err = load_err(TC_FORUM "    testconn: {endpoint: y}\n", bad, 1);
	assert_non_null(strstr(err, "-o forums.a.testconn.pagez: unknown key \"pagez\""));
	free(err);

	/* a spool forum has no such section */
	c = load_ok(MIN_CFG "forums:\n  - name: a\n    type: spool\n    spool: {path: /x}\n", NULL,
		    0);
	assert_null(c->forums[0].conn);
	cfg_free(c);
}

static void test_section_errors(void **state)
{
	expect_err(TC_FORUM "    testconn:\n      endpoint: e\n      pagez: 2\n",
		   "t.yaml:8:7: unknown key \"pagez\" in forums[0].testconn (did you mean "
		   "\"pages\"?)");
	expect_err(TC_FORUM "    testconn:\n      endpoint: e\n      pages: 11\n",
		   "t.yaml:8:14: forums[0].testconn.pages: 11 is out of range (1..10)");
	expect_err(TC_FORUM "    testconn:\n      pages: 2\n",
		   "t.yaml:7:7: missing required key \"endpoint\" in forums[0].testconn");
	expect_err(TC_FORUM, "t.yaml:4:5: missing required key \"testconn\" in forums[0] (type "
			     "testconn needs it)");
	/* another connector's section, or a typo, under a forum */
	expect_err(
		MIN_CFG "forums:\n  - name: a\n    type: spool\n    spool: {path: /x}\n"
			"    testconn: {endpoint: e}\n",
		"t.yaml:7:5: unknown key \"testconn\" in forums[0] (valid keys: name, type, "
		"spool, poll_interval, url, timezone, group_prefix, author_address, guest_address, boards, "
		"tls_ca, max_concurrent, max_requests_per_second, timeout, connect_timeout, "
		"backfill, api_key, login)");
	char *err = load_err(TC_FORUM "    testconn: {endpoint: e}\n    testconn: {endpoint: f}\n",
			     NULL, 0);
	assert_non_null(strstr(err, "t.yaml:7:5: duplicate key \"testconn\""));
	free(err);
}

/* The board connectors' section (board.c): checked like any connector's. */
static void test_board_section(void **state)
{
	struct cfg *c = load_ok(MIN_CFG "forums:\n  - name: b\n    type: phpbb\n"
					"    url: https://b.example/forum/\n    board:\n"
					"      request_delay: 2500\n      owner: true\n"
					"      user: alice\n      password_file: /etc/fg/board-pw\n"
					"      posting: true\n      forums: \"2, 7\"\n"
					"      list_interval: 60\n      date_order: dmy\n",
				NULL, 0);
	assert_non_null(c->forums[0].conn);
	assert_string_equal(c->forums[0].conn_section->name, "board");
	cfg_free(c);
	expect_err(MIN_CFG "forums:\n  - name: b\n    type: vbulletin\n"
			   "    url: https://b.example/\n    board:\n      request_delay: -5\n",
		   "t.yaml:8:22: forums[0].board.request_delay: -5 is out of range (0..600000)");
	char *err = load_err(MIN_CFG "forums:\n  - name: b\n    type: xenforo\n"
				     "    url: https://b.example/\n    board:\n"
				     "      password: hunter2\n",
			     NULL, 0);
	assert_non_null(strstr(err, "t.yaml:8:7: unknown key \"password\" in forums[0].board"));
	free(err);
}

/* A connector that delivers thread 1 with the posts listed in comp.ids,
 * complete or not. */
struct comp_pass {
	const char *ids[8];
	int complete;
};
static struct comp_pass comp;

static int comp_changes(void *state, const char *cursor, const struct forum_changes_opts *o,
			forum_thread_cb cb, int (*checkpoint)(void *, const char *), void *arg,
			char **next, int *warnings, char **err)
{
	*warnings = 0;
	struct forum_thread *t = xcalloc(1, sizeof *t);
	t->id = xstrdup("1");
	t->title = xstrdup("Thread");
	t->board = xstrdup("general");
	t->complete = comp.complete;
	for (int i = 0; comp.ids[i]; i++) {
		struct forum_post *p = forum_thread_add_post(t);
		p->id = xstrdup(comp.ids[i]);
		p->position = i + 1;
		p->author = xstrdup("alice");
		p->date = 1700000000 + atoi(comp.ids[i]);
		p->body = xasprintf("post %s", comp.ids[i]);
	}
	if (cb(arg, t) != 0)
		return -1;
	*next = xstrdup("x");
	return 0;
}

static const struct forum_connector_ops comp_ops = {
	.type = "testcomp",
	.open = tc_open,
	.list_boards = tc_boards,
	.changes = comp_changes,
	.close = tc_close,
};

/* forum_thread.complete: the stored posts a complete thread lacks are
 * withdrawn; a thread that is not complete withdraws nothing. */
static void test_sync_complete_thread(void **state)
{
	char dir[] = "/tmp/fg-comp-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *store = xasprintf("%s/store.db", dir);
	char *ov[] = {xasprintf("gateway.store=%s", store)};
	assert_int_equal(forum_connector_add(&comp_ops), 0);
	struct cfg *c = load_ok(MIN_CFG "forums:\n  - name: a\n    type: testcomp\n", ov, 1);
	struct store *st = NULL;
	char *err = NULL;
	if (store_open(store, STORE_CREATE, &st, &err) != 0)
		fail_msg("%s", err);
	struct sync_stats s = {0};
	comp = (struct comp_pass){.ids = {"10", "11", "12", "13"}, .complete = 0};
	if (sync_forum(st, c, &c->forums[0], NULL, 1, &s, &err) != 0)
		fail_msg("%s", err);
	assert_int_equal(s.posts_new, 4);
	/* some pages only: posts not in them stay */
	comp = (struct comp_pass){.ids = {"12", "13"}, .complete = 0};
	memset(&s, 0, sizeof s);
	assert_int_equal(sync_forum(st, c, &c->forums[0], NULL, 1, &s, &err), 0);
	assert_int_equal(s.posts_deleted, 0);
	/* the whole thread, without 11: 11 is withdrawn, once */
	comp = (struct comp_pass){.ids = {"10", "12", "13"}, .complete = 1};
	memset(&s, 0, sizeof s);
	assert_int_equal(sync_forum(st, c, &c->forums[0], NULL, 1, &s, &err), 0);
	assert_int_equal(s.posts_deleted, 1);
	memset(&s, 0, sizeof s);
	assert_int_equal(sync_forum(st, c, &c->forums[0], NULL, 1, &s, &err), 0);
	assert_int_equal(s.posts_deleted, 0);
	int64_t fid;
	assert_int_equal(store_forum_ensure(st, "a", &fid, &err), 0);
	struct store_post sp;
	assert_int_equal(store_post_get(st, fid, "1", "11", &sp, &err), 1);
	assert_int_equal(sp.deleted, 1);
	store_post_clear(&sp);
	char **keys = NULL;
	size_t n = 0;
	assert_int_equal(store_thread_posts(st, fid, "1", &keys, &n, &err), 0);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
	store_close(st);
	cfg_free(c);
	char *cmd = xasprintf("rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(store);
	free(ov[0]);
}

/* ---- the options every live forum shares --------------------------------- */

static void test_forum_options(void **state)
{
	struct cfg *c = load_ok(TC_FORUM
				"    testconn: {endpoint: e}\n    backfill: {days: 30}\n"
				"    tls_ca: /etc/ssl/private-ca.pem\n    max_concurrent: 2\n"
				"    max_requests_per_second: 1\n    timeout: 20\n"
				"http:\n  listen: 8119\n",
				NULL, 0);
	const struct cfg_forum *f = &c->forums[0];
	assert_int_equal(f->backfill_days, 30);
	assert_int_equal(f->backfill_topics, 0);
	assert_string_equal(f->tls_ca, "/etc/ssl/private-ca.pem");
	assert_int_equal(f->max_concurrent, 2);
	assert_int_equal(f->max_requests_per_second, 1);
	assert_int_equal(f->timeout, 20);
	assert_int_equal(f->connect_timeout, 15);
	assert_string_equal(c->http.listen, "127.0.0.1:8119"); /* a bare port: loopback */
	assert_int_equal(c->http.max_body_size, 1L << 20);
	cfg_free(c);

	c = load_ok(MIN_CFG "forums:\n  - name: a\n    type: spool\n    spool: {path: /x}\n", NULL,
		    0);
	assert_int_equal(c->forums[0].max_concurrent, 4);
	assert_int_equal(c->forums[0].max_requests_per_second, 5);
	assert_int_equal(c->forums[0].timeout, 60);
	assert_null(c->http.listen); /* no listener unless asked */
	cfg_free(c);

	expect_err(TC_FORUM "    testconn: {endpoint: e}\n    backfill: {days: 3, topics: 4}\n",
		   "t.yaml:7:15: forums[0].backfill: give days or topics, not both");
	expect_err(TC_FORUM "    testconn: {endpoint: e}\n    backfill: {weeks: 3}\n",
		   "t.yaml:7:16: unknown key \"weeks\" in forums[0].backfill (valid keys: days, "
		   "topics)");
	/* per board (category) */
	c = load_ok(TC_FORUM
		    "    testconn: {endpoint: e}\n    backfill: {days: 30}\n"
		    "    boards:\n      - {board: news, group: a.news, backfill: {topics: 20}}\n",
		    NULL, 0);
	assert_int_equal(c->forums[0].boards[0].backfill_topics, 20);
	assert_int_equal(c->forums[0].boards[0].backfill_days, 0);
	assert_int_equal(c->forums[0].backfill_days, 30);
	cfg_free(c);
	expect_err(TC_FORUM "    testconn: {endpoint: e}\n    boards:\n      - board: news\n"
			    "        group: a.news\n        backfill: {days: 1, topics: 2}\n",
		   "t.yaml:10:19: forums[0].boards[0].backfill: give days or topics, not both");

	/* poll_interval under the forum (live forums) or, as before, in spool */
	c = load_ok(TC_FORUM "    testconn: {endpoint: e}\n    poll_interval: 300\n", NULL, 0);
	assert_int_equal(c->forums[0].poll_interval, 300);
	cfg_free(c);
	expect_err(MIN_CFG "forums:\n  - name: a\n    type: spool\n    poll_interval: 5\n"
			   "    spool: {path: /x, poll_interval: 6}\n",
		   "t.yaml:7:38: forums[0]: poll_interval is given twice (here and in forums[0]); "
		   "keep one");
	expect_err(MIN_CFG "http:\n  listen: \"*:80\"\n",
		   "t.yaml:4:11: http.listen: invalid address \"*:80\" (expected host:port or "
		   "[v6]:port, port 1-65535)");
}

/* ---- sync: backfill limit, checkpoints, resume --------------------------- */

static void test_sync_resumes_after_checkpoint(void **state)
{
	char dir[] = "/tmp/fg-conn-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *store = xasprintf("%s/store.db", dir);
	char *ov[] = {NULL};
	ov[0] = xasprintf("gateway.store=%s", store);
	struct cfg *c = load_ok(
		TC_FORUM "    testconn: {endpoint: e}\n    backfill: {topics: 500}\n", ov, 1);
	struct store *st = NULL;
	char *err = NULL;
	if (store_open(store, STORE_CREATE, &st, &err) != 0)
		fail_msg("%s", err);

	/* the pass fails after two threads: both are committed with the
	 * checkpoint that covers them */
	tc.fail_after = 2;
	struct sync_stats s = {0};
	assert_int_equal(sync_forum(st, c, &c->forums[0], NULL, 1, &s, &err), -1);
	assert_non_null(strstr(err, "went away after t2"));
	free(err);
	err = NULL;
	assert_null(tc.seen_cursor);
	assert_int_equal(tc.seen_topics, 500);
	assert_int_equal(tc.seen_days, 0);
	int64_t fid = 0;
	char *cursor = NULL;
	assert_int_equal(store_forum_ensure(st, "a", &fid, &err), 0);
	assert_int_equal(store_cursor_get(st, fid, &cursor, &err), 0);
	assert_string_equal(cursor, "t2");
	free(cursor);

	/* the next pass starts after t2: t1 and t2 are not fetched again */
	tc.fail_after = 0;
	memset(&s, 0, sizeof s);
	if (sync_forum(st, c, &c->forums[0], NULL, 1, &s, &err) != 0)
		fail_msg("%s", err);
	assert_string_equal(tc.seen_cursor, "t2");
	assert_int_equal(s.threads, 2);
	assert_int_equal(s.posts_new, 2);
	assert_int_equal(tc.progress_done, 4);
	assert_int_equal(store_cursor_get(st, fid, &cursor, &err), 0);
	assert_string_equal(cursor, "t4");
	free(cursor);

	store_close(st);
	cfg_free(c);
	char *cmd = xasprintf("rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(store);
	free(ov[0]);
}

struct loop_arg {
	const struct cfg *c;
	volatile sig_atomic_t stop;
	int rc;
};

static void *loop_main(void *arg)
{
	struct loop_arg *la = arg;
	la->rc = sync_loop(la->c, &la->stop);
	return NULL;
}

/* A remote forum that hangs holds neither the store nor the other forums. */
static void test_remote_forum_waits_alone(void **state)
{
	char dir[] = "/tmp/fg-conn-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *store = xasprintf("%s/store.db", dir);
	char *ov[] = {xasprintf("gateway.store=%s", store)};
	struct cfg *c = load_ok(MIN_CFG "forums:\n  - name: slow\n    type: testslow\n"
					"  - name: fast\n    type: testconn\n"
					"    testconn: {endpoint: e}\n",
				ov, 1);
	struct store *st = NULL;
	char *err = NULL;
	if (store_open(store, STORE_CREATE, &st, &err) != 0)
		fail_msg("%s", err);
	store_close(st);
	slow.store = store;
	slow.release = 0;
	slow.begin_secs = -1;
	tc.fail_after = 0;
	tc.calls = 0;

	struct loop_arg la = {.c = c};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, loop_main, &la), 0);
	/* the slow forum comes first in the list, and hangs */
	double end = mono() + 8;
	while (mono() < end && !(slow.blocked && tc.calls > 0))
		usleep(10000);
	int blocked = slow.blocked, calls = tc.calls;
	slow.release = 1;
	la.stop = 1;
	pthread_join(th, NULL);
	assert_int_equal(la.rc, 0);
	assert_true(blocked);
	assert_true(calls > 0); /* fast synced while slow hung */
	assert_true(slow.begin_secs >= 0);
	assert_true(slow.begin_secs < 1.0); /* no write lock held while waiting */

	cfg_free(c);
	char *cmd = xasprintf("rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(store);
	free(ov[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_types_in_config),
		cmocka_unit_test(test_discourse_section),
		cmocka_unit_test(test_section_values),
		cmocka_unit_test(test_section_errors),
		cmocka_unit_test(test_forum_options),
		cmocka_unit_test(test_board_section),
		cmocka_unit_test(test_sync_complete_thread),
		cmocka_unit_test(test_sync_resumes_after_checkpoint),
		cmocka_unit_test(test_remote_forum_waits_alone),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
