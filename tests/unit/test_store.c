/*
 * Tests for the SQLite store backend (gateway/store/): schema creation,
 * groups and numbering (never reused), articles by Message-ID, withdrawal,
 * cursors, persistence across reopen, read-only opening, bulk builds.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "forumgate/buf.h"
#include "forumgate/store.h"

struct fixture {
	char dir[64];
	char path[128];
	struct store *st;
};

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof *fx);
	strcpy(fx->dir, "/tmp/fg-test-store-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof fx->path, "%s/store.db", fx->dir);
	char *err = NULL;
	assert_int_equal(store_open(fx->path, STORE_CREATE, &fx->st, &err), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	store_close(fx->st);
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	return 0;
}

static void add_article(struct store *st, int64_t group_id, const char *msgid, int expect)
{
	char *err = NULL;
	int64_t number = 0;
	assert_int_equal(store_group_next_number(st, group_id, &number, &err), 0);
	const char *wire = "Subject: x\r\n\r\nbody\r\n";
	struct store_article_in a = {
		.message_id = msgid,
		.wire = wire,
		.wire_len = strlen(wire),
		.header_len = 13,
		.lines = 1,
		.overview = "x\tf\td\tm\t\t20\t1\t",
		.date = 1000,
		.group_ids = &group_id,
		.numbers = &number,
		.ngroups = 1,
	};
	assert_int_equal(store_article_add(st, &a, &err), expect);
}

/* store_msgid_taken (issue #10 item 3: sync asks it for every id it makes):
 * queued and stored articles count; an empty store answers without a
 * lookup only while nothing but sync's own articles went in, and only
 * until another connection commits. */
static void test_msgid_taken(void **state)
{
	struct fixture *fx = *state;
	char *err = NULL;
	int64_t g;
	const char *mine = "<p1.t1.demo@forumgate.example>";
	const char *squat = "<p2.t1.demo@forumgate.example>";
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_group_ensure(fx->st, "demo.general", NULL, 'y', &g, &err), 0);
	assert_int_equal(store_msgid_taken(fx->st, squat, &err), 0); /* empty: none foreign */
	assert_int_equal(store_commit(fx->st, &err), 0);

	/* another connection files an article under the id sync will want */
	struct store *other = NULL;
	assert_int_equal(store_open(fx->path, STORE_RW, &other, &err), 0);
	assert_int_equal(store_begin(other, &err), 0);
	add_article(other, g, squat, 0);
	assert_int_equal(store_commit(other, &err), 0);
	/* between transactions, the first connection looks it up */
	assert_int_equal(store_msgid_taken(fx->st, squat, &err), 1);
	store_close(other);

	/* and sees it at its next transaction */
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_msgid_taken(fx->st, squat, &err), 1);
	assert_int_equal(store_msgid_taken(fx->st, mine, &err), 0);
	/* a queued article counts before it is written */
	add_article(fx->st, g, "<queued@example.org>", 0);
	assert_int_equal(store_msgid_taken(fx->st, "<queued@example.org>", &err), 1);
	assert_int_equal(store_msgid_taken(fx->st, "<queued2@example.org>", &err), 0);
	assert_int_equal(store_commit(fx->st, &err), 0);
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_msgid_taken(fx->st, "<queued@example.org>", &err), 1);
	store_rollback(fx->st);
	/* outside a transaction it is a plain lookup */
	assert_int_equal(store_msgid_taken(fx->st, squat, &err), 1);
	assert_int_equal(store_msgid_taken(fx->st, mine, &err), 0);
}

static void test_schema_version(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(store_schema_version(fx->st), 11);
}

static void test_groups_and_numbers(void **state)
{
	struct fixture *fx = *state;
	char *err = NULL;
	int64_t g1, g1again;
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_group_ensure(fx->st, "demo.general", "General", 'y', &g1, &err), 0);
	assert_int_equal(store_group_ensure(fx->st, "demo.general", NULL, 0, &g1again, &err), 0);
	assert_int_equal(g1, g1again);

	struct store_group g;
	assert_int_equal(store_group_get(fx->st, "demo.general", &g, &err), 1);
	assert_string_equal(g.description, "General"); /* NULL kept the old value */
	assert_int_equal(g.posting, 'y');
	assert_int_equal(g.count, 0);
	assert_int_equal(g.low, 1);
	assert_int_equal(g.high, 0); /* empty: high = low - 1 */
	store_group_clear(&g);

	add_article(fx->st, g1, "<a@x>", 0);
	add_article(fx->st, g1, "<b@x>", 0);
	add_article(fx->st, g1, "<c@x>", 0);
	assert_int_equal(store_group_get(fx->st, "demo.general", &g, &err), 1);
	assert_int_equal(g.low, 1);
	assert_int_equal(g.high, 3);
	assert_int_equal(g.count, 3);
	store_group_clear(&g);

	/* withdrawing the last article: its number is never reused */
	assert_int_equal(store_article_withdraw(fx->st, "<c@x>", &err), 0);
	assert_int_equal(store_article_exists(fx->st, "<c@x>", &err), 1);
	add_article(fx->st, g1, "<d@x>", 0);
	assert_int_equal(store_group_get(fx->st, "demo.general", &g, &err), 1);
	assert_int_equal(g.high, 4);
	assert_int_equal(g.count, 3);
	store_group_clear(&g);

	/* a duplicate Message-ID changes nothing: inside a transaction the
	 * article is queued and left out when the queue is written (twice in
	 * the queue, or already stored), outside one it is answered at once */
	add_article(fx->st, g1, "<e@x>", 0);
	add_article(fx->st, g1, "<e@x>", 0);
	add_article(fx->st, g1, "<a@x>", 0);
	assert_int_equal(store_group_get(fx->st, "demo.general", &g, &err), 1);
	assert_int_equal(g.count, 4); /* read inside the transaction: queue written */
	store_group_clear(&g);
	assert_int_equal(store_commit(fx->st, &err), 0);
	add_article(fx->st, g1, "<a@x>", 1);
	assert_int_equal(store_group_get(fx->st, "demo.general", &g, &err), 1);
	assert_int_equal(g.count, 4); /* b, c withdrawn, d ... a, e once each */
	store_group_clear(&g);
	struct store_view v;
	assert_int_equal(store_view_by_number(fx->st, g1, 5, &v, &err), 1);
	assert_string_equal(v.message_id, "<e@x>");
	store_release(fx->st);
	assert_int_equal(store_view_by_number(fx->st, g1, 6, &v, &err), 0);
	assert_int_equal(store_view_by_number(fx->st, g1, 7, &v, &err), 0);
	store_release(fx->st);

	assert_int_equal(store_group_ensure(fx->st, "demo.news", NULL, 'n', &g1again, &err), 0);
	struct store_group *list;
	size_t n;
	assert_int_equal(store_group_list(fx->st, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].name, "demo.general");
	assert_string_equal(list[1].name, "demo.news");
	assert_int_equal(list[1].posting, 'n');
	assert_null(list[1].description);
	store_groups_free(list, n);
}

static int count_view(void *arg, const struct store_view *v)
{
	(void)v;
	(*(int *)arg)++;
	return 0;
}

/* Issue #11: an edit's old article leaves the group's listing (GROUP count,
 * LISTGROUP/OVER, by number) but stays retrievable by Message-ID, so
 * replies whose References name it keep their parent; deleting the post
 * withdraws the current article and every version it superseded. */
static void test_superseded_by_msgid(void **state)
{
	struct fixture *fx = *state;
	char *err = NULL;
	int64_t g;
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_group_ensure(fx->st, "demo.general", NULL, 'y', &g, &err), 0);
	add_article(fx->st, g, "<p1@x>", 0);
	add_article(fx->st, g, "<reply@x>", 0);
	add_article(fx->st, g, "<p1.v2@x>", 0);
	assert_int_equal(store_article_supersede(fx->st, "<p1@x>", "<p1.v2@x>", &err), 0);
	assert_int_equal(store_commit(fx->st, &err), 0);

	struct store_group sg;
	assert_int_equal(store_group_get(fx->st, "demo.general", &sg, &err), 1);
	assert_int_equal(sg.count, 2);
	assert_int_equal(sg.low, 2);
	assert_int_equal(sg.high, 3);
	store_group_clear(&sg);
	struct store_view v;
	assert_int_equal(store_view_by_number(fx->st, g, 1, &v, &err), 0);
	store_release(fx->st);
	int n = 0;
	assert_int_equal(store_range(fx->st, g, 1, 10, 0, count_view, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_view_by_msgid(fx->st, "<p1@x>", &v, &err), 1);
	assert_string_equal(v.message_id, "<p1@x>");
	assert_int_equal(v.number, 0);
	assert_memory_equal(v.wire, "Subject: x\r\n", 12);
	store_release(fx->st);

	/* an edit of the edit, then the post deleted: no version is served */
	assert_int_equal(store_begin(fx->st, &err), 0);
	add_article(fx->st, g, "<p1.v3@x>", 0);
	assert_int_equal(store_article_supersede(fx->st, "<p1.v2@x>", "<p1.v3@x>", &err), 0);
	assert_int_equal(store_commit(fx->st, &err), 0);
	assert_int_equal(store_view_by_msgid(fx->st, "<p1.v2@x>", &v, &err), 1);
	store_release(fx->st);
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_article_withdraw(fx->st, "<p1.v3@x>", &err), 0);
	assert_int_equal(store_commit(fx->st, &err), 0);
	assert_int_equal(store_view_by_msgid(fx->st, "<p1.v3@x>", &v, &err), 0);
	assert_int_equal(store_view_by_msgid(fx->st, "<p1.v2@x>", &v, &err), 0);
	assert_int_equal(store_view_by_msgid(fx->st, "<p1@x>", &v, &err), 0);
	assert_int_equal(store_view_by_msgid(fx->st, "<reply@x>", &v, &err), 1);
	store_release(fx->st);
	assert_int_equal(store_group_get(fx->st, "demo.general", &sg, &err), 1);
	assert_int_equal(sg.count, 1);
	store_group_clear(&sg);
}

/* A board keeps the group it was first filed in; names are compared
 * without case, as the boards list compares them. */
static void test_board_group_kept(void **state)
{
	struct fixture *fx = *state;
	char *err = NULL, *name = NULL;
	int64_t forum, g1, g2;
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_forum_ensure(fx->st, "demo", &forum, &err), 0);
	assert_int_equal(store_board_group(fx->st, forum, "Café Straße", &name, &err), 0);
	assert_null(name);
	assert_int_equal(store_group_ensure(fx->st, "demo.caf-stra-e", NULL, 0, &g1, &err), 0);
	assert_int_equal(store_group_ensure(fx->st, "demo.cafe-strasse", NULL, 0, &g2, &err), 0);
	assert_int_equal(store_board_group_set(fx->st, forum, "Café Straße", g1, &err), 0);
	assert_int_equal(store_board_group_set(fx->st, forum, "Café Straße", g2, &err), 0);
	assert_int_equal(store_commit(fx->st, &err), 0);
	assert_int_equal(store_board_group(fx->st, forum, "CAFé STRAßE", &name, &err), 1);
	assert_string_equal(name, "demo.caf-stra-e");
	free(name);
}

/* Migration 8 on a store of schema 7: boards get the group their threads
 * are in, and overview lines get :bytes without the dot-stuffing. */
static void test_migration_8(void **state)
{
	struct fixture *fx = *state;
	char *err = NULL;
	store_close(fx->st);
	fx->st = NULL;
	sqlite3 *db;
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	const char *wire = "Subject: x\r\n\r\n..dot\r\nplain\r\n..\r\n";
	char sql[4096];
	snprintf(
		sql, sizeof sql,
		"DROP TABLE board_groups; DROP INDEX articles_superseded;"
		"DROP TABLE push_topics; DROP TABLE push_events;"
		"DROP TABLE subscriptions; DROP TABLE list_queue; DROP TABLE list_domains;"
		"DROP TABLE list_state; ALTER TABLE bounces DROP COLUMN score;"
		"DROP TABLE runtime_roles; DROP TABLE runtime_metrics; DROP TABLE runtime_sync;"
		"ALTER TABLE bounces DROP COLUMN soft; ALTER TABLE bounces DROP COLUMN hard_count;"
		"ALTER TABLE bounces DROP COLUMN last_counted;"
		"ALTER TABLE bounces DROP COLUMN updated;"
		"ALTER TABLE bounces DROP COLUMN last_was_hard;"
		"ALTER TABLE bounces DROP COLUMN suspended;"
		"ALTER TABLE bounces DROP COLUMN suspended_at;"
		"ALTER TABLE articles DROP COLUMN superseded_by;"
		"INSERT INTO forums(id, name, created) VALUES (1, 'demo', 0);"
		"INSERT INTO groups(id, name, created) VALUES (1, 'demo.caf-stra-e', 0);"
		"INSERT INTO threads(id, forum_id, thread_key, board) VALUES (1, 1, 't1', 'Café Straße');"
		"INSERT INTO posts(forum_id, thread_id, post_key, date, markup, body, hash, group_id)"
		" VALUES (1, 1, 'p1', 0, 0, '', 'h', 1);"
		"INSERT INTO articles(id, message_id, wire, header_len, bytes, lines, date, arrived)"
		" VALUES (1, '<m@x>', CAST('%s' AS BLOB), 14, %zu, 3, 0, 0);"
		"INSERT INTO numbering(group_id, number, article_id, overview)"
		" VALUES (1, 1, 1, 'x	f	d	<m@x>		%zu	3	Xref: h demo.caf-stra-e:1');"
		"PRAGMA user_version = 7;",
		wire, strlen(wire), strlen(wire));
	char *msg = NULL;
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, &msg), SQLITE_OK);
	sqlite3_close(db);

	assert_int_equal(store_open(fx->path, STORE_RW, &fx->st, &err), 0);
	assert_int_equal(store_schema_version(fx->st), 11);
	char *name = NULL;
	assert_int_equal(store_board_group(fx->st, 1, "Café Straße", &name, &err), 1);
	assert_string_equal(name, "demo.caf-stra-e");
	free(name);
	struct store_view v;
	assert_int_equal(store_view_by_msgid(fx->st, "<m@x>", &v, &err), 1);
	char want[128];
	snprintf(want, sizeof want,
		 "x	f	d	<m@x>		%zu	3	Xref: h demo.caf-stra-e:1",
		 strlen(wire) - 2);
	assert_string_equal(v.overview, want);
	store_release(fx->st);
}

static int collect_ids(void *arg, const char *group, const struct store_article *a)
{
	struct buf *b = arg;
	buf_addf(b, "%s:%lld:%s ", group, (long long)a->number, a->message_id);
	return 0;
}

static void test_foreach_and_reopen(void **state)
{
	struct fixture *fx = *state;
	char *err = NULL;
	int64_t ga, gb;
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_group_ensure(fx->st, "b.group", NULL, 'y', &gb, &err), 0);
	assert_int_equal(store_group_ensure(fx->st, "a.group", NULL, 'y', &ga, &err), 0);
	add_article(fx->st, gb, "<1@x>", 0);
	add_article(fx->st, ga, "<2@x>", 0);
	add_article(fx->st, ga, "<3@x>", 0);
	assert_int_equal(store_article_withdraw(fx->st, "<2@x>", &err), 0);
	assert_int_equal(store_commit(fx->st, &err), 0);
	store_close(fx->st);

	/* committed data survives a reopen, read-only */
	assert_int_equal(store_open(fx->path, STORE_RDONLY, &fx->st, &err), 0);
	struct buf b = BUF_INIT;
	assert_int_equal(store_article_foreach(fx->st, NULL, collect_ids, &b, &err), 0);
	assert_string_equal(buf_str(&b), "a.group:2:<3@x> b.group:1:<1@x> ");
	buf_reset(&b);
	assert_int_equal(store_article_foreach(fx->st, "b.group", collect_ids, &b, &err), 0);
	assert_string_equal(buf_str(&b), "b.group:1:<1@x> ");
	assert_int_equal(store_article_foreach(fx->st, "no.such", collect_ids, &b, &err), -1);
	assert_non_null(strstr(err, "no such group"));
	free(err);
	buf_free(&b);
}

/* Group counters are kept in memory during a write transaction and written
 * before COMMIT: other connections see them with the articles, a rollback
 * drops them, and numbering goes on from what was committed. */
static void test_group_counters_per_transaction(void **state)
{
	struct fixture *fx = *state;
	char *err = NULL;
	int64_t g, h;
	struct store *reader;
	struct store_group sg;
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_group_ensure(fx->st, "a.b", NULL, 'y', &g, &err), 0);
	assert_int_equal(store_group_ensure(fx->st, "a.c", NULL, 'y', &h, &err), 0);
	add_article(fx->st, g, "<1@x>", 0);
	add_article(fx->st, h, "<2@x>", 0);
	add_article(fx->st, g, "<3@x>", 0);
	assert_int_equal(store_commit(fx->st, &err), 0);

	assert_int_equal(store_open(fx->path, STORE_RDONLY, &reader, &err), 0);
	assert_int_equal(store_group_get(reader, "a.b", &sg, &err), 1);
	assert_int_equal(sg.high, 2);
	assert_int_equal(sg.count, 2);
	store_group_clear(&sg);

	assert_int_equal(store_begin(fx->st, &err), 0);
	add_article(fx->st, g, "<4@x>", 0);
	assert_int_equal(store_group_get(reader, "a.b", &sg, &err), 1);
	assert_int_equal(sg.count, 2); /* not committed yet */
	store_group_clear(&sg);
	store_rollback(fx->st);

	add_article(fx->st, g, "<5@x>", 0); /* autocommit: written at once */
	assert_int_equal(store_group_get(reader, "a.b", &sg, &err), 1);
	assert_int_equal(sg.high, 3); /* the rolled-back number 3 is free again */
	assert_int_equal(sg.count, 3);
	store_group_clear(&sg);
	assert_int_equal(store_group_get(reader, "a.c", &sg, &err), 1);
	assert_int_equal(sg.high, 1);
	assert_int_equal(sg.count, 1);
	store_group_clear(&sg);
	store_close(reader);
}

static void test_rollback_loses_uncommitted(void **state)
{
	struct fixture *fx = *state;
	char *err = NULL;
	int64_t g;
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_group_ensure(fx->st, "x.y", NULL, 'y', &g, &err), 0);
	add_article(fx->st, g, "<r@x>", 0);
	store_rollback(fx->st);
	assert_int_equal(store_article_exists(fx->st, "<r@x>", &err), 0);
	struct store_group sg;
	assert_int_equal(store_group_get(fx->st, "x.y", &sg, &err), 0);
}

/* Pushed topics: added once per event id, per forum, taken once. */
static void test_push_topics(void **state)
{
	struct fixture *fx = *state;
	char *err = NULL, **t = NULL;
	size_t n = 9;
	int dup = -1;
	assert_int_equal(store_push_take(fx->st, "a", &t, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_push_add(fx->st, "a", "57", 7, &dup, &err), 0);
	assert_int_equal(dup, 0);
	assert_int_equal(store_push_add(fx->st, "a", "57", 7, &dup, &err), 0);
	assert_int_equal(dup, 1); /* the same delivery again */
	assert_int_equal(store_push_add(fx->st, "a", "57", 8, &dup, &err), 0);
	assert_int_equal(dup, 0); /* another event, the same topic: once */
	assert_int_equal(store_push_add(fx->st, "a", "58", 0, &dup, &err), 0);
	assert_int_equal(store_push_add(fx->st, "b", "59", 7, &dup, &err), 0);
	assert_int_equal(dup, 0); /* event ids are per forum */
	/* another connection (the sync role) sees them */
	struct store *other = NULL;
	assert_int_equal(store_open(fx->path, STORE_RW, &other, &err), 0);
	assert_int_equal(store_push_take(other, "a", &t, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(t[0], "57");
	assert_string_equal(t[1], "58");
	free(t[0]);
	free(t[1]);
	free(t);
	assert_int_equal(store_push_take(other, "a", &t, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_push_take(other, "b", &t, &n, &err), 0);
	assert_int_equal(n, 1);
	free(t[0]);
	free(t);
	store_close(other);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)(t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* The sync role waits for a push by another connection (the httpd role)
 * and wakes when it is added, not at its next look: STORE.push rings. */
static void test_push_wait(void **state)
{
	struct fixture *fx = *state;
	char *err = NULL, **t = NULL;
	size_t n = 0;
	int dup = -1;
	struct store *sync = NULL;
	assert_int_equal(store_open(fx->path, STORE_RW, &sync, &err), 0);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(store_push_wait(sync, 100), 0); /* nothing came */
	assert_true(ms_since(&t0) >= 90);
	/* the doorbell is the store's, private */
	char bell[300];
	snprintf(bell, sizeof bell, "%s.push", fx->path);
	struct stat sb;
	assert_int_equal(lstat(bell, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0600);

	assert_int_equal(store_push_add(fx->st, "a", "57/1001", 7, &dup, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(store_push_wait(sync, 5000), 1);
	assert_true(ms_since(&t0) < 1000);
	assert_int_equal(store_push_take(sync, "a", &t, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(t[0], "57/1001");
	free(t[0]);
	free(t);
	/* a delivery seen before does not ring: nothing to take */
	assert_int_equal(store_push_add(fx->st, "a", "57/1001", 7, &dup, &err), 0);
	assert_int_equal(dup, 1);
	assert_int_equal(store_push_wait(sync, 50), 0);
	/* a bell removed is made and watched again */
	assert_int_equal(unlink(bell), 0);
	store_push_wait(sync, 50); /* sees the watch go */
	store_push_wait(sync, 50);
	assert_int_equal(store_push_add(fx->st, "a", "58", 8, &dup, &err), 0);
	assert_int_equal(store_push_wait(sync, 5000), 1);
	store_close(sync);
}

static void test_cursor_and_posts(void **state)
{
	struct fixture *fx = *state;
	char *err = NULL, *cursor = NULL;
	int64_t forum;
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_forum_ensure(fx->st, "demo", &forum, &err), 0);
	assert_int_equal(store_cursor_get(fx->st, forum, &cursor, &err), 0);
	assert_null(cursor);
	assert_int_equal(store_cursor_set(fx->st, forum, "12345", &err), 0);
	assert_int_equal(store_cursor_get(fx->st, forum, &cursor, &err), 0);
	assert_string_equal(cursor, "12345");
	free(cursor);

	struct store_post_in in = {
		.thread_key = "t1",
		.post_key = "p2",
		.thread_title = "T",
		.position = 2,
		.author = "Ann",
		.date = 99,
		.body = "b",
		.hash = "h1",
		.version = 1,
		.message_id = "<p2@x>",
		.references = "<p1@x>",
	};
	assert_int_equal(store_post_put(fx->st, forum, &in, &err), 0);
	in.post_key = "p1";
	in.position = 1;
	in.message_id = "<p1@x>";
	in.references = "";
	assert_int_equal(store_post_put(fx->st, forum, &in, &err), 0);
	assert_int_equal(store_commit(fx->st, &err), 0);

	struct store_post p;
	assert_int_equal(store_post_get(fx->st, forum, "t1", "p2", &p, &err), 1);
	assert_string_equal(p.message_id, "<p2@x>");
	assert_string_equal(p.references, "<p1@x>");
	assert_int_equal(p.date, 99);
	store_post_clear(&p);
	assert_int_equal(store_post_get(fx->st, forum, "t1", "nope", &p, &err), 0);
	assert_int_equal(store_post_get(fx->st, forum, "t2", "p2", &p, &err), 0);

	char *key = NULL;
	assert_int_equal(store_thread_root(fx->st, forum, "t1", &key, &err), 1);
	assert_string_equal(key, "p1");
	free(key);
	assert_int_equal(store_post_at(fx->st, forum, "t1", 2, &key, &err), 1);
	assert_string_equal(key, "p2");
	free(key);
	assert_int_equal(store_post_at(fx->st, forum, "t1", 7, &key, &err), 0);
}

/* Inside a transaction posts wait in the write queue: every question about
 * them must still see them, whichever thread the queue holds. */
static void test_queued_posts_are_seen(void **state)
{
	struct fixture *fx = *state;
	char *err = NULL, *key = NULL;
	int64_t forum;
	struct store_post p;
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_forum_ensure(fx->st, "demo", &forum, &err), 0);
	struct store_post_in in = {
		.thread_key = "t1",
		.post_key = "p5",
		.thread_title = "T",
		.position = 5,
		.date = 1,
		.body = "b",
		.hash = "h",
		.version = 1,
		.message_id = "<p5@x>",
		.references = "",
	};
	assert_int_equal(store_post_put(fx->st, forum, &in, &err), 0);
	in.thread_key = "t2";
	in.post_key = "q1";
	in.position = 1;
	assert_int_equal(store_post_put(fx->st, forum, &in, &err), 0);
	/* a thread with no row, and one whose posts are queued */
	assert_int_equal(store_thread_root(fx->st, forum, "t3", &key, &err), 0);
	assert_int_equal(store_thread_root(fx->st, forum, "t1", &key, &err), 1);
	assert_string_equal(key, "p5");
	free(key);
	/* queued again after that flush; then an edit of the same post */
	in.thread_key = "t1";
	in.post_key = "p3";
	in.position = 3;
	assert_int_equal(store_post_put(fx->st, forum, &in, &err), 0);
	assert_int_equal(store_thread_root(fx->st, forum, "t2", &key, &err), 1);
	assert_string_equal(key, "q1");
	free(key);
	assert_int_equal(store_thread_root(fx->st, forum, "t1", &key, &err), 1);
	assert_string_equal(key, "p3");
	free(key);
	in.hash = "h2";
	in.version = 2;
	assert_int_equal(store_post_put(fx->st, forum, &in, &err), 0);
	assert_int_equal(store_post_get(fx->st, forum, "t1", "p3", &p, &err), 1);
	assert_string_equal(p.hash, "h2");
	assert_int_equal(p.version, 2);
	store_post_clear(&p);
	/* a rollback drops what is queued */
	in.post_key = "p9";
	assert_int_equal(store_post_put(fx->st, forum, &in, &err), 0);
	store_rollback(fx->st);
	assert_int_equal(store_post_get(fx->st, forum, "t1", "p9", &p, &err), 0);
	assert_int_equal(store_post_get(fx->st, forum, "t1", "p3", &p, &err), 0);
	/* a post moved to another thread leaves the first one at once */
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_forum_ensure(fx->st, "demo", &forum, &err), 0);
	in.thread_key = "t1";
	in.post_key = "p1";
	in.position = 1;
	assert_int_equal(store_post_put(fx->st, forum, &in, &err), 0);
	assert_int_equal(store_commit(fx->st, &err), 0);
	assert_int_equal(store_begin(fx->st, &err), 0);
	in.thread_key = "t2";
	assert_int_equal(store_post_put(fx->st, forum, &in, &err), 0);
	assert_int_equal(store_thread_root(fx->st, forum, "t1", &key, &err), 0);
	assert_null(key);
	assert_int_equal(store_thread_root(fx->st, forum, "t2", &key, &err), 1);
	assert_string_equal(key, "p1");
	free(key);
	store_rollback(fx->st);
	/* outside a transaction a post is written at once */
	in.thread_key = "t1";
	in.post_key = "p9";
	assert_int_equal(store_post_put(fx->st, forum, &in, &err), 0);
	assert_int_equal(store_post_get(fx->st, forum, "t1", "p9", &p, &err), 1);
	store_post_clear(&p);
}

/* A queued write that fails fails the transaction: the statement that
 * wrote the queue reports it, and the commit rolls everything back. What a
 * table cannot hold is refused by the call itself. */
static void test_failed_queue_fails_the_transaction(void **state)
{
	struct fixture *fx = *state;
	char *err = NULL;
	int64_t forum, g, nowhere = 9999, number = 1;
	struct store_post p;
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_forum_ensure(fx->st, "demo", &forum, &err), 0);
	assert_int_equal(store_group_ensure(fx->st, "demo.general", NULL, 'y', &g, &err), 0);
	struct store_post_in in = {
		.thread_key = "t1",
		.post_key = "p1",
		.position = 1,
		.date = 1,
		.body = "b",
		.hash = NULL,
		.version = 1,
		.message_id = "<p1@x>",
		.references = "",
	};
	assert_int_equal(store_post_put(fx->st, forum, &in, &err), -1);
	assert_non_null(strstr(err, "hash"));
	free(err);
	err = NULL;
	in.hash = "h";
	assert_int_equal(store_post_put(fx->st, forum, &in, &err), 0);
	/* numbered in a group that does not exist: a foreign key fails */
	struct store_article_in a = {
		.message_id = "<a@x>",
		.wire = "S: x\r\n\r\nb\r\n",
		.wire_len = 11,
		.header_len = 8,
		.lines = 1,
		.overview = "x\t\t\t<a@x>\t\t11\t1\t",
		.date = 1,
		.group_ids = &nowhere,
		.numbers = &number,
		.ngroups = 1,
	};
	assert_int_equal(store_article_add(fx->st, &a, &err), 0);
	assert_int_equal(store_article_exists(fx->st, "<a@x>", &err), -1);
	assert_non_null(strstr(err, "FOREIGN KEY"));
	free(err);
	err = NULL;
	assert_int_equal(store_commit(fx->st, &err), -1);
	assert_non_null(strstr(err, "rolled back"));
	free(err);
	err = NULL;
	assert_int_equal(store_post_get(fx->st, forum, "t1", "p1", &p, &err), 0);
	assert_int_equal(store_article_exists(fx->st, "<a@x>", &err), 0);
	/* the next transaction is a fresh start */
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_forum_ensure(fx->st, "demo", &forum, &err), 0);
	assert_int_equal(store_post_put(fx->st, forum, &in, &err), 0);
	assert_int_equal(store_commit(fx->st, &err), 0);
	assert_int_equal(store_post_get(fx->st, forum, "t1", "p1", &p, &err), 1);
	store_post_clear(&p);
}

static void test_open_errors(void **state)
{
	char *err = NULL;
	struct store *st = NULL;
	assert_int_equal(store_open("/nonexistent/dir/x.db", STORE_CREATE, &st, &err), -1);
	assert_non_null(strstr(err, "cannot open"));
	free(err);
	err = NULL;
	/* an empty file is not a store: read-only open says so */
	char path[] = "/tmp/fg-test-empty-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(store_open(path, STORE_RDONLY, &st, &err), -1);
	assert_non_null(strstr(err, "no forumgate store"));
	free(err);
	unlink(path);
}

/* Only STORE_CREATE makes a store: a mistyped path for any other command
 * is refused by name and leaves nothing behind. */
/* Connections that create and migrate the same new store at the same
 * moment (two roles started together, a role and its metrics flusher):
 * each migration step rereads the version under the write lock, so none
 * runs a step another has committed ("table forums already exists"). */
struct open_race {
	const char *path;
	int rc;
	char *err;
};

static void *open_racer(void *arg)
{
	struct open_race *r = arg;
	struct store *st = NULL;
	r->rc = store_open(r->path, STORE_CREATE, &st, &r->err);
	store_close(st);
	return NULL;
}

static void test_concurrent_create_migrates_once(void **state)
{
	for (int round = 0; round < 20; round++) {
		char dir[] = "/tmp/fg-test-race-XXXXXX";
		assert_non_null(mkdtemp(dir));
		char *path = xasprintf("%s/store.db", dir);
		struct open_race r[4];
		pthread_t t[4];
		for (int i = 0; i < 4; i++) {
			r[i] = (struct open_race){path, -2, NULL};
			assert_int_equal(pthread_create(&t[i], NULL, open_racer, &r[i]), 0);
		}
		for (int i = 0; i < 4; i++) {
			pthread_join(t[i], NULL);
			if (r[i].rc != 0)
				fail_msg("round %d, opener %d: %s", round, i, r[i].err);
		}
		struct store *st = NULL;
		char *err = NULL;
		assert_int_equal(store_open(path, STORE_RDONLY, &st, &err), 0);
		store_close(st);
		char *cmd = xasprintf("rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
		free(cmd);
		free(path);
	}
}

static void test_missing_store_is_not_created(void **state)
{
	char dir[] = "/tmp/fg-test-missing-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path = xasprintf("%s/typo.db", dir);
	char *err = NULL;
	struct store *st = NULL;
	for (int mode = STORE_RW; mode <= STORE_RDONLY; mode++) {
		assert_int_equal(store_open(path, (enum store_mode)mode, &st, &err), -1);
		assert_non_null(strstr(err, "no store at"));
		assert_non_null(strstr(err, path));
		free(err);
		err = NULL;
		struct stat sb;
		assert_int_equal(stat(path, &sb), -1);
	}
	assert_int_equal(store_open(path, STORE_CREATE, &st, &err), 0);
	store_close(st);
	assert_int_equal(store_open(path, STORE_RW, &st, &err), 0);
	store_close(st);
	char *cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(path);
}

/* An address has one owner: adding it to another user is refused (mail
 * from it would post as someone else), adding it again to its owner is
 * fine, and an unknown user is said to be one. */
static void test_address_has_one_owner(void **state)
{
	struct fixture *fx = *state;
	char *err = NULL;
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_user_add(fx->st, "bob", NULL, &err), 0);
	assert_int_equal(store_user_add(fx->st, "eve", NULL, &err), 0);
	assert_int_equal(store_user_address(fx->st, "bob", "bob@example.org", 1, &err), 1);
	assert_int_equal(store_user_address(fx->st, "bob", "BOB@example.org", 1, &err), 1);
	assert_int_equal(store_user_address(fx->st, "eve", "bob@example.org", 1, &err), 2);
	assert_int_equal(store_user_address(fx->st, "nobody", "n@example.org", 1, &err), 0);
	int64_t uid;
	char *owner = NULL;
	assert_int_equal(store_user_by_address(fx->st, "bob@example.org", &uid, &owner, &err), 1);
	assert_string_equal(owner, "bob");
	free(owner);
	/* bob gives it up: then eve may have it */
	assert_int_equal(store_user_address(fx->st, "bob", "bob@example.org", 0, &err), 1);
	assert_int_equal(store_user_address(fx->st, "eve", "bob@example.org", 1, &err), 1);
	assert_int_equal(store_commit(fx->st, &err), 0);
}

/* The store and what SQLite creates beside it are the owner's alone; an
 * older store readable by all loses that on the next writing open. */
static void test_files_private(void **state)
{
	char dir[] = "/tmp/fg-test-mode-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path = xasprintf("%s/s.db", dir), *wal = xasprintf("%s-wal", path);
	char *err = NULL;
	struct store *st = NULL;
	assert_int_equal(store_open(path, STORE_CREATE, &st, &err), 0);
	assert_int_equal(store_begin(st, &err), 0);
	assert_int_equal(store_user_add(st, "u", NULL, &err), 0);
	assert_int_equal(store_commit(st, &err), 0);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	store_close(st);
	chmod(path, 0644);
	assert_int_equal(store_open(path, STORE_RW, &st, &err), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0640);
	store_close(st);
	char *cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(wal);
	free(path);
}

/* A lock slot is held by one open file description: a second taker, even
 * in the same process, is told it is held; another slot is free. */
static void test_lock_slots(void **state)
{
	char dir[] = "/tmp/fg-test-lock-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path = xasprintf("%s/s.db", dir);
	char *err = NULL;
	assert_int_equal(store_lock(path, 1, &err), 0);
	assert_int_equal(store_lock(path, 1, &err), 1);
	assert_int_equal(store_lock(path, 2, &err), 0);
	char *lock = xasprintf("%s.lock", path);
	struct stat sb;
	assert_int_equal(stat(lock, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(store_lock("/nonexistent/dir/s.db", 0, &err), -1);
	assert_non_null(strstr(err, "/nonexistent/dir/s.db.lock"));
	free(err);
	char *cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(lock);
	free(path);
}

/* A folder without a store in it. */
static int setup_dir(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof *fx);
	strcpy(fx->dir, "/tmp/fg-test-store-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof fx->path, "%s/store.db", fx->dir);
	*state = fx;
	return 0;
}

static int entries(const char *dir)
{
	char cmd[200];
	snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", dir);
	FILE *p = popen(cmd, "r");
	int n = -1;
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

static int64_t pragma(const char *path, const char *name)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA %s", name);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	int64_t v = sqlite3_column_type(s, 0) == SQLITE_TEXT
			    ? (int64_t)sqlite3_column_bytes(s, 0) /* journal_mode: "wal" */
			    : sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/* The schema of a store as one string: type, name and SQL of each object. */
static char *schema_of(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(
		sqlite3_prepare_v2(db,
				   "SELECT type, name, coalesce(sql, '') FROM sqlite_schema"
				   " ORDER BY name",
				   -1, &s, NULL),
		SQLITE_OK);
	struct buf b = BUF_INIT;
	while (sqlite3_step(s) == SQLITE_ROW)
		buf_addf(&b, "%s %s %s\n", sqlite3_column_text(s, 0), sqlite3_column_text(s, 1),
			 sqlite3_column_text(s, 2));
	sqlite3_finalize(s);
	sqlite3_close(db);
	return buf_detach(&b);
}

static int count_newnews(void *arg, const char *message_id, const char *group)
{
	(*(int *)arg)++;
	return 0;
}

/* A build is invisible until published; then it is an ordinary WAL store
 * holding what was committed, and nothing of the build is left beside it. */
static void test_bulk_build_publishes_whole(void **state)
{
	struct fixture *fx = *state;
	char *err = NULL;
	struct store *st = NULL;
	assert_int_equal(store_build(fx->path, &st, &err), 0);
	assert_int_equal(access(fx->path, F_OK), -1);
	int64_t g;
	assert_int_equal(store_begin(st, &err), 0);
	assert_int_equal(store_group_ensure(st, "demo.bulk", "Bulk", 'y', &g, &err), 0);
	add_article(st, g, "<b1@x>", 0);
	add_article(st, g, "<b2@x>", 0);
	assert_int_equal(store_commit(st, &err), 0);
	assert_int_equal(access(fx->path, F_OK), -1);
	assert_int_equal(store_publish(st, &err), 0);

	assert_int_equal(entries(fx->dir), 1);
	assert_int_equal(pragma(fx->path, "page_size"), 16384);
	assert_int_equal(pragma(fx->path, "journal_mode"), 3); /* "wal" */
	assert_int_equal(store_open(fx->path, STORE_RDONLY, &fx->st, &err), 0);
	struct store_group grp;
	assert_int_equal(store_group_get(fx->st, "demo.bulk", &grp, &err), 1);
	assert_int_equal(grp.count, 2);
	assert_int_equal(grp.high, 2);
	store_group_clear(&grp);
	/* the indexes the build left out are there, as an ordinary store has them */
	int n = 0;
	assert_int_equal(store_newnews(fx->st, 0, count_newnews, &n, &err), 0);
	assert_int_equal(n, 2);
	char other[200];
	snprintf(other, sizeof other, "%s/other.db", fx->dir);
	assert_int_equal(store_open(other, STORE_CREATE, &st, &err), 0);
	store_close(st);
	char *built = schema_of(fx->path), *opened = schema_of(other);
	assert_string_equal(built, opened);
	assert_non_null(strstr(built, "index articles_arrived CREATE INDEX articles_arrived"));
	free(built);
	free(opened);
	/* once it exists, a store is never built again */
	assert_int_equal(store_build(fx->path, &st, &err), 1);
}

/* A build cannot undo a transaction: after a rollback it is discarded and
 * no store appears; the same when the caller drops it. */
static void test_bulk_build_all_or_nothing(void **state)
{
	struct fixture *fx = *state;
	char *err = NULL;
	struct store *st = NULL;
	int64_t g;
	assert_int_equal(store_build(fx->path, &st, &err), 0);
	assert_int_equal(store_begin(st, &err), 0);
	assert_int_equal(store_group_ensure(st, "demo.bulk", NULL, 'y', &g, &err), 0);
	assert_int_equal(store_commit(st, &err), 0);
	assert_int_equal(store_begin(st, &err), 0);
	add_article(st, g, "<b1@x>", 0);
	store_rollback(st);
	assert_int_equal(store_publish(st, &err), -1);
	assert_non_null(strstr(err, "was not created"));
	free(err);
	err = NULL;
	assert_int_equal(entries(fx->dir), 0);

	assert_int_equal(store_build(fx->path, &st, &err), 0);
	store_discard(st);
	assert_int_equal(entries(fx->dir), 0);
}

/* Two builds of one store: the second is told to use the store instead;
 * when the store appears while a build runs, publishing leaves it alone. */
static void test_bulk_build_races(void **state)
{
	struct fixture *fx = *state;
	char *err = NULL;
	struct store *st = NULL, *other = NULL;
	assert_int_equal(store_build(fx->path, &st, &err), 0);
	assert_int_equal(store_build(fx->path, &other, &err), 1);
	assert_null(other);

	int64_t g;
	assert_int_equal(store_open(fx->path, STORE_CREATE, &fx->st, &err), 0);
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_group_ensure(fx->st, "demo.first", NULL, 'y', &g, &err), 0);
	assert_int_equal(store_commit(fx->st, &err), 0);
	assert_int_equal(store_begin(st, &err), 0);
	assert_int_equal(store_group_ensure(st, "demo.second", NULL, 'y', &g, &err), 0);
	assert_int_equal(store_commit(st, &err), 0);
	assert_int_equal(store_publish(st, &err), 1);
	struct store_group grp;
	assert_int_equal(store_group_get(fx->st, "demo.first", &grp, &err), 1);
	store_group_clear(&grp);
	assert_int_equal(store_group_get(fx->st, "demo.second", &grp, &err), 0);
	char building[160];
	snprintf(building, sizeof building, "%s.building", fx->path);
	assert_int_equal(access(building, F_OK), -1);
}

/* What a crashed build left (its file, a journal beside it) is reused, and
 * the journal is not played into the new store. */
static void test_bulk_build_after_crash(void **state)
{
	struct fixture *fx = *state;
	char *err = NULL;
	struct store *st = NULL;
	char path[200];
	static const char *const left[] = {".building", ".building-journal", ".building-wal"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s%s", fx->path, left[i]);
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fputs("left over by a crash, not a database", f);
		fclose(f);
	}
	assert_int_equal(store_build(fx->path, &st, &err), 0);
	assert_int_equal(store_publish(st, &err), 0);
	assert_int_equal(entries(fx->dir), 1);
	assert_int_equal(store_open(fx->path, STORE_RDONLY, &fx->st, &err), 0);
	assert_int_equal(store_schema_version(fx->st), 11);
}

/* Inside a write transaction sync asks once whether a forum has posted
 * replies; a reply posted in the same transaction is still found. */
static void test_outbox_msgid_per_transaction(void **state)
{
	struct fixture *fx = *state;
	char *err = NULL, *msgid = NULL;
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_outbox_msgid(fx->st, "demo", "7", &msgid, &err), 0);
	assert_null(msgid);
	assert_int_equal(store_outbox_msgid(fx->st, "demo", "8", &msgid, &err), 0);
	struct store_outbox_in o = {
		.message_id = "<r1@x>",
		.source = "nntp",
		.forum = "demo",
		.thread_key = "1",
		.newsgroups = "demo.general",
		.article = "x",
		.article_len = 1,
	};
	assert_int_equal(store_outbox_add(fx->st, &o, &err), 0);
	struct store_outbox q;
	assert_int_equal(store_outbox_next(fx->st, INT64_MAX, &q, &err), 1);
	assert_int_equal(store_outbox_posted(fx->st, q.id, "8", &err), 0);
	store_outbox_clear(&q);
	assert_int_equal(store_outbox_msgid(fx->st, "demo", "8", &msgid, &err), 1);
	assert_string_equal(msgid, "<r1@x>");
	free(msgid);
	assert_int_equal(store_outbox_msgid(fx->st, "other", "8", &msgid, &err), 0);
	assert_int_equal(store_commit(fx->st, &err), 0);
	/* and outside a transaction, and in the next one */
	assert_int_equal(store_outbox_msgid(fx->st, "demo", "8", &msgid, &err), 1);
	free(msgid);
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_outbox_msgid(fx->st, "demo", "8", &msgid, &err), 1);
	free(msgid);
	assert_int_equal(store_outbox_msgid(fx->st, "demo", "9", &msgid, &err), 0);
	assert_int_equal(store_commit(fx->st, &err), 0);
}

/* Mailing-list mode (issue #14): the fan-out skips inactive, suspended and
 * digest subscribers, a crash leaves `sending` rows that requeue, a 4xx
 * backs off the row and its domain, a 5xx fails the row. */
struct seen_new {
	int64_t last;
	int n, fresh;
};

static int on_new(void *arg, int64_t id, const char *mid, const char *group, int fresh)
{
	struct seen_new *s = arg;
	s->last = id;
	s->n++;
	s->fresh += fresh;
	return 0;
}

static void sub(struct store *st, const char *addr, const char *mode, const char *state)
{
	char *err = NULL;
	struct store_sub s = {.group = "demo.general",
			      .address = (char *)addr,
			      .mode = (char *)mode,
			      .state = (char *)state};
	assert_int_equal(store_sub_put(st, &s, &err), 0);
}

static void test_list_queue(void **state)
{
	struct fixture *fx = *state;
	char *err = NULL;
	int64_t g = 0, n = 0, cursor = -1;
	assert_int_equal(store_group_ensure(fx->st, "demo.general", NULL, 'y', &g, &err), 0);
	assert_int_equal(store_list_cursor(fx->st, &cursor, &err), 0);
	add_article(fx->st, g, "<a1@x>", 0);
	struct seen_new seen = {0};
	assert_int_equal(store_list_new(fx->st, 0, 10, on_new, &seen, &err), 0);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.fresh, 0); /* dated 1970: a backfill, not mailed */
	int64_t id = seen.last;
	sub(fx->st, "a@one.example", "each", "active");
	sub(fx->st, "b@two.example", "each", "active");
	sub(fx->st, "c@one.example", "each", "pending");
	sub(fx->st, "d@one.example", "digest", "active");
	sub(fx->st, "e@one.example", "each", "active");
	struct store_bounce b = {.suspended = 1, .score = 5};
	assert_int_equal(store_bounce_put(fx->st, "e@one.example", &b, 1, "x", &err), 0);
	assert_int_equal(store_list_fanout(fx->st, id, "<a1@x>", "demo.general", 100, &n, &err), 0);
	assert_int_equal(n, 2);
	/* a second fan-out of the same article adds nothing */
	assert_int_equal(store_list_fanout(fx->st, id, "<a1@x>", "demo.general", 100, &n, &err), 0);
	assert_int_equal(n, 0);

	struct store_delivery *d = NULL;
	size_t nd = 0;
	assert_int_equal(store_list_due(fx->st, 100, 10, &d, &nd, &err), 0);
	assert_int_equal(nd, 2);
	assert_string_equal(d[0].recipient, "a@one.example");
	assert_string_equal(d[0].message_id, "<a1@x>");
	int64_t a = d[0].id, bb = d[1].id;
	store_deliveries_free(d, nd);
	assert_int_equal(store_list_sending(fx->st, a, &err), 0);
	assert_int_equal(store_list_sending(fx->st, bb, &err), 0);
	assert_int_equal(store_list_due(fx->st, 100, 10, &d, &nd, &err), 0);
	assert_int_equal(nd, 0);
	/* the crash: both requeue */
	assert_int_equal(store_list_requeue(fx->st, &n, &err), 0);
	assert_int_equal(n, 2);
	/* a 4xx for a@one.example: the row and one.example wait */
	assert_int_equal(store_list_retry(fx->st, a, 100, 3600, "451 later", 1, &err), 0);
	assert_int_equal(store_list_sent(fx->st, bb, &err), 0);
	assert_int_equal(store_list_due(fx->st, 150, 10, &d, &nd, &err), 0);
	assert_int_equal(nd, 0);
	assert_int_equal(store_list_due(fx->st, 100 + 3600, 10, &d, &nd, &err), 0);
	assert_int_equal(nd, 1);
	store_deliveries_free(d, nd);
	/* a 5xx: failed for good */
	assert_int_equal(store_list_failed(fx->st, a, "550 no", &err), 0);
	assert_int_equal(store_list_due(fx->st, 1000000, 10, &d, &nd, &err), 0);
	assert_int_equal(nd, 0);
	char *r = NULL;
	assert_int_equal(store_list_recipient(fx->st, a, &r, &err), 1);
	assert_string_equal(r, "a@one.example");
	free(r);
	assert_int_equal(store_list_cursor_set(fx->st, id, &err), 0);
	assert_int_equal(store_list_cursor(fx->st, &cursor, &err), 1);
	assert_int_equal(cursor, id);
}

/* Operator commands (issue #15): a backup taken with an open write
 * transaction elsewhere holds the committed state only, passes the
 * checks and restores over a store that moved on; store_check counts a
 * broken invariant; the outbox's retry and drop change only the states
 * they are for. */
static void count_problem(void *arg, const char *problem)
{
	(void)problem;
	++*(int *)arg;
}

static int count_rows(void *arg, const struct store_outbox_row *r)
{
	(void)r;
	++*(int *)arg;
	return 0;
}

static void test_backup_restore_check(void **state)
{
	struct fixture *fx = *state;
	char *err = NULL;
	int64_t gid;
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_group_ensure(fx->st, "g", NULL, 0, &gid, &err), 0);
	add_article(fx->st, gid, "<a1@x>", 0);
	assert_int_equal(store_commit(fx->st, &err), 0);
	int problems = 0;
	assert_int_equal(store_check(fx->st, count_problem, &problems, &err), 0);

	/* a second connection writes, not yet committed, during the backup */
	struct store *w;
	assert_int_equal(store_open(fx->path, STORE_RW, &w, &err), 0);
	assert_int_equal(store_begin(w, &err), 0);
	add_article(w, gid, "<a2@x>", 0);
	char bak[160];
	snprintf(bak, sizeof bak, "%s/backup.db", fx->dir);
	assert_int_equal(store_backup(fx->st, bak, 0, &err), 0);
	assert_int_equal(store_commit(w, &err), 0);
	store_close(w);
	struct stat sb;
	assert_int_equal(stat(bak, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(store_backup(fx->st, bak, 0, &err), -1);
	assert_non_null(strstr(err, "exists"));
	free(err);
	err = NULL;

	/* the restore brings back the state without <a2@x> */
	store_close(fx->st);
	fx->st = NULL;
	assert_int_equal(store_restore(fx->path, bak, &err), 0);
	assert_int_equal(store_open(fx->path, STORE_RW, &fx->st, &err), 0);
	assert_int_equal(store_msgid_known(fx->st, "<a1@x>", &err), 1);
	assert_int_equal(store_msgid_known(fx->st, "<a2@x>", &err), 0);
	assert_int_equal(store_check(fx->st, count_problem, &problems, &err), 0);

	/* outbox: failed -> queued, dropped stays dropped */
	struct store_outbox_in o = {
		.message_id = "<r1@x>",
		.source = "nntp",
		.forum = "demo",
		.thread_key = "1",
		.newsgroups = "g",
		.article = "x",
		.article_len = 1,
	};
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_outbox_add(fx->st, &o, &err), 0);
	o.message_id = "<r2@x>";
	assert_int_equal(store_outbox_add(fx->st, &o, &err), 0);
	struct store_outbox q;
	assert_int_equal(store_outbox_next(fx->st, INT64_MAX, &q, &err), 1);
	assert_int_equal(store_outbox_failed(fx->st, q.id, "refused", &err), 0);
	int64_t failed = q.id, n = 0;
	store_outbox_clear(&q);
	assert_int_equal(store_outbox_next(fx->st, INT64_MAX, &q, &err), 1);
	int64_t queued = q.id;
	store_outbox_clear(&q);
	assert_int_equal(store_outbox_requeue(fx->st, queued, 5, &n, &err), 0);
	assert_int_equal(n, 0); /* only failed or held rows */
	assert_int_equal(store_outbox_drop(fx->st, queued, &err), 1);
	assert_int_equal(store_outbox_drop(fx->st, queued, &err), 0);
	assert_int_equal(store_outbox_requeue(fx->st, 0, 5, &n, &err), 0);
	assert_int_equal(n, 1);
	char *st = NULL;
	assert_int_equal(store_outbox_state(fx->st, failed, &st, &err), 1);
	assert_string_equal(st, "queued");
	free(st);
	assert_int_equal(store_outbox_state(fx->st, queued, &st, &err), 1);
	assert_string_equal(st, "dropped");
	free(st);
	assert_int_equal(store_outbox_state(fx->st, 999, &st, &err), 0);
	assert_int_equal(store_commit(fx->st, &err), 0);
	int rows = 0;
	assert_int_equal(store_outbox_list(fx->st, "dropped", count_rows, &rows, &err), 0);
	assert_int_equal(rows, 1);
	assert_int_equal(store_check(fx->st, count_problem, &problems, &err), 0);

	/* a broken invariant is counted */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE groups SET next_number = 1", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_check(fx->st, count_problem, &problems, &err), 1);
	assert_int_equal(problems, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schema_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msgid_taken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_groups_and_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_superseded_by_msgid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_board_group_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_8, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_counters_per_transaction, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_foreach_and_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_loses_uncommitted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cursor_and_posts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_push_topics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_push_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queued_posts_are_seen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_queue_fails_the_transaction, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_outbox_msgid_per_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup_restore_check, setup, teardown),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_missing_store_is_not_created),
		cmocka_unit_test(test_concurrent_create_migrates_once),
		cmocka_unit_test_setup_teardown(test_address_has_one_owner, setup, teardown),
		cmocka_unit_test(test_files_private),
		cmocka_unit_test(test_lock_slots),
		cmocka_unit_test_setup_teardown(test_bulk_build_publishes_whole, setup_dir,
						teardown),
		cmocka_unit_test_setup_teardown(test_bulk_build_all_or_nothing, setup_dir,
						teardown),
		cmocka_unit_test_setup_teardown(test_bulk_build_races, setup_dir, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_build_after_crash, setup_dir, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
