/*
 * Tests for the spool connector's file handling (gateway/forum/spool.c):
 * the ctime cursor (files and folders a pass must not miss, cursors that
 * read everything again), entries a pass refuses (links, FIFOs, oversized
 * files), and reply files (named from the outbox key, never replacing a
 * file, a retry finding its own file), plus outbox_key().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "forumgate/buf.h"
#include "forumgate/connector.h"
#include "forumgate/forum.h"
#include "forumgate/outbox.h"

struct fixture {
	char dir[64];
	struct cfg_forum forum;
	const struct forum_connector_ops *ops;
	void *sp;
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *thread_json(const char *tid, const char *pid)
{
	return xasprintf("{\"format\": \"forumgate-thread/1\", \"board\": \"b\", \"thread\": "
			 "{\"id\": \"%s\", \"title\": \"T\"}, \"posts\": [{\"id\": \"%s\", "
			 "\"body\": \"text\"}]}",
			 tid, pid);
}

static void add_thread(struct fixture *fx, const char *rel, const char *tid)
{
	char *path = xasprintf("%s/%s", fx->dir, rel);
	char *text = thread_json(tid, tid);
	write_file(path, text);
	free(text);
	free(path);
}

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof *fx);
	strcpy(fx->dir, "/tmp/fg-test-spool-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	fx->forum.name = "demo";
	fx->forum.type = "spool";
	fx->forum.spool_path = fx->dir;
	fx->forum.timezone = "UTC";
	fx->forum.spool_max_file_size = 4096;
	fx->ops = forum_connector("spool");
	assert_non_null(fx->ops);
	char *err = NULL;
	assert_int_equal(fx->ops->open(&fx->forum, NULL, &fx->sp, &err), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	fx->ops->close(fx->sp);
	char *cmd = xasprintf("rm -rf '%s'", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(fx);
	return 0;
}

static const struct forum_changes_opts copts;

static int count_thread(void *arg, struct forum_thread *t)
{
	(*(int *)arg)++;
	forum_thread_free(t);
	return 0;
}

/* Threads a pass with `cursor` hands over; *next (if not NULL) gets the
 * cursor it returns, *warnings the refused files. */
static int pass(struct fixture *fx, const char *cursor, char **next, int *warnings)
{
	int n = 0, w = 0;
	char *nx = NULL, *err = NULL;
	assert_int_equal(
		fx->ops->changes(fx->sp, cursor, &copts, count_thread, NULL, &n, &nx, &w, &err), 0);
	if (next)
		*next = nx;
	else
		free(nx);
	if (warnings)
		*warnings = w;
	return n;
}

static int64_t now_ns(clockid_t id)
{
	struct timespec t;
	clock_gettime(id, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void test_cursor(void **state)
{
	struct fixture *fx = *state;
	char *sub = xasprintf("%s/sub", fx->dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	add_thread(fx, "t1.json", "1");
	add_thread(fx, "sub/t2.json", "2");
	struct stat st;
	assert_int_equal(stat(sub, &st), 0);

	char *next = NULL;
	assert_int_equal(pass(fx, NULL, &next, NULL), 2);
	char *dir = xasprintf(" %llu:%llu", (unsigned long long)st.st_dev,
			      (unsigned long long)st.st_ino);
	assert_true(strncmp(next, "2 ", 2) == 0);
	assert_non_null(strstr(next, dir));
	free(next);

	/* A cursor whose pass started 9.5 s from now takes files from 0.5 s ago
	 * on (the 10 s margin): the files, 0.6 s old, are not taken... */
	usleep(600000);
	int64_t ahead = 9500000000LL;
	long long real = now_ns(CLOCK_REALTIME) + ahead, boot = now_ns(CLOCK_BOOTTIME) + ahead;
	char *cur = xasprintf("2 %lld %lld%s", real, boot, dir);
	assert_int_equal(pass(fx, cur, NULL, NULL), 0);
	free(cur);
	/* ...but a folder the last pass did not see is read whole */
	cur = xasprintf("2 %lld %lld", real, boot);
	assert_int_equal(pass(fx, cur, NULL, NULL), 1);
	free(cur);
	/* renaming a file in sets its ctime, whatever its mtime says */
	char *from = xasprintf("%s/t1.json", fx->dir), *to = xasprintf("%s/t3.json", fx->dir);
	assert_int_equal(rename(from, to), 0);
	real = now_ns(CLOCK_REALTIME) + ahead;
	boot = now_ns(CLOCK_BOOTTIME) + ahead;
	cur = xasprintf("2 %lld %lld%s", real, boot, dir);
	assert_int_equal(pass(fx, cur, NULL, NULL), 1);
	free(cur);

	/* cursors that read everything: an mtime cursor of older versions, a
	 * last pass an hour in the future, a clock stepped back 90 s */
	assert_int_equal(pass(fx, "1700000000000000000", NULL, NULL), 2);
	cur = xasprintf("2 %lld %lld%s", (long long)(now_ns(CLOCK_REALTIME) + 3600000000000LL),
			(long long)now_ns(CLOCK_BOOTTIME), dir);
	assert_int_equal(pass(fx, cur, NULL, NULL), 2);
	free(cur);
	cur = xasprintf("2 %lld %lld%s", (long long)(now_ns(CLOCK_REALTIME) - 1000000000LL),
			(long long)(now_ns(CLOCK_BOOTTIME) - 100000000000LL), dir);
	assert_int_equal(pass(fx, cur, NULL, NULL), 2);
	free(cur);
	assert_int_equal(pass(fx, "2 garbage", NULL, NULL), 2);
	free(from);
	free(to);
	free(dir);
	free(sub);
}

static void test_refused_entries(void **state)
{
	struct fixture *fx = *state;
	add_thread(fx, "ok.json", "1");
	char *p = xasprintf("%s/link.json", fx->dir);
	char *target = xasprintf("%s-outside.json", fx->dir);
	char *text = thread_json("9", "9");
	write_file(target, text);
	assert_int_equal(symlink(target, p), 0);
	free(p);
	p = xasprintf("%s/fifo.json", fx->dir);
	assert_int_equal(mkfifo(p, 0644), 0);
	free(p);
	p = xasprintf("%s/big.json", fx->dir);
	struct buf big = BUF_INIT;
	buf_addf(&big, "%s", text);
	while (big.len <= 4096)
		buf_adds(&big, "                ");
	write_file(p, big.p);
	free(p);
	buf_free(&big);
	int warnings = 0;
	assert_int_equal(pass(fx, NULL, NULL, &warnings), 1);
	assert_int_equal(warnings, 3);
	unlink(target);
	free(target);
	free(text);

	/* a FIFO given as the spool itself is an error, not a hang */
	struct cfg_forum f = fx->forum;
	f.spool_path = p = xasprintf("%s/fifo.json", fx->dir);
	void *sp = NULL;
	char *err = NULL, *next = NULL;
	int n = 0;
	assert_int_equal(fx->ops->open(&f, NULL, &sp, &err), 0);
	assert_int_equal(
		fx->ops->changes(sp, NULL, &copts, count_thread, NULL, &n, &next, &warnings, &err),
		-1);
	assert_non_null(strstr(err, "not a regular file"));
	fx->ops->close(sp);
	free(err);
	free(p);
}

static void test_reply_files(void **state)
{
	struct fixture *fx = *state;
	struct forum_new_post np = {
		.board = "b",
		.thread_id = "14",
		.author = "alice",
		.body = "Hello.",
		.message_id = "<a@example.org>",
		.key = "7-00ab",
	};
	char *id = NULL, *err = NULL;
	char *expected = fx->ops->expected_id(fx->sp, &np);
	assert_string_equal(expected, "fg7-00ab");
	free(expected);
	assert_int_equal(fx->ops->create_post(fx->sp, &np, &id, &err), FORUM_POST_OK);
	assert_string_equal(id, "fg7-00ab");
	free(id);
	char *path = xasprintf("%s/reply-fg7-00ab.json", fx->dir);
	struct stat first;
	assert_int_equal(stat(path, &first), 0);

	/* the same reply again (a retry): the same post, no second file */
	assert_int_equal(fx->ops->create_post(fx->sp, &np, &id, &err), FORUM_POST_OK);
	assert_string_equal(id, "fg7-00ab");
	free(id);
	struct stat again;
	assert_int_equal(stat(path, &again), 0);
	assert_int_equal(first.st_ino, again.st_ino);
	assert_int_equal(pass(fx, NULL, NULL, NULL), 1);

	/* another reply at that name: the file stays, the reply takes -2 */
	np.message_id = "<b@example.org>";
	assert_int_equal(fx->ops->create_post(fx->sp, &np, &id, &err), FORUM_POST_OK);
	assert_string_equal(id, "fg7-00ab-2");
	free(id);
	assert_int_equal(stat(path, &again), 0);
	assert_int_equal(first.st_ino, again.st_ino);
	assert_int_equal(first.st_size, again.st_size);
	free(path);
	path = xasprintf("%s/reply-fg7-00ab-2.json", fx->dir);
	assert_int_equal(access(path, F_OK), 0);
	free(path);
	/* and nothing is promised for a name another post holds */
	assert_null(fx->ops->expected_id(fx->sp, &np));
	np.message_id = "<a@example.org>";
	expected = fx->ops->expected_id(fx->sp, &np);
	assert_string_equal(expected, "fg7-00ab");
	free(expected);

	/* no key, or one unfit for a file name: not posted, not refused */
	np.key = NULL;
	assert_int_equal(fx->ops->create_post(fx->sp, &np, &id, &err), FORUM_POST_TEMPFAIL);
	np.key = "../x";
	assert_int_equal(fx->ops->create_post(fx->sp, &np, &id, &err), FORUM_POST_TEMPFAIL);
	assert_null(fx->ops->expected_id(fx->sp, &np));
	free(err);
	err = NULL;

	/* a locked thread refuses */
	np.key = "8-00cd";
	path = xasprintf("%s/.locked-14", fx->dir);
	write_file(path, "");
	free(path);
	assert_int_equal(fx->ops->create_post(fx->sp, &np, &id, &err), FORUM_POST_REFUSED);
	assert_non_null(strstr(err, "locked"));
	free(err);
	/* no temporary file is left behind */
	char *cmd = xasprintf("ls -A '%s' | grep -c tmp", fx->dir);
	FILE *f = popen(cmd, "r");
	char line[16] = "";
	assert_non_null(fgets(line, sizeof line, f));
	pclose(f);
	assert_string_equal(line, "0\n");
	free(cmd);
}

static void test_outbox_key(void **state)
{
	(void)state;
	char *a = outbox_key(1, "<a@example.org>"), *a2 = outbox_key(1, "<a@example.org>");
	char *b = outbox_key(1, "<b@example.org>"), *c = outbox_key(2, "<a@example.org>");
	assert_string_equal(a, a2);
	assert_string_not_equal(a, b);
	assert_string_not_equal(a, c);
	assert_int_equal(strlen(a), strlen("1-") + 12);
	assert_true(strncmp(a, "1-", 2) == 0);
	assert_int_equal(strspn(a + 2, "0123456789abcdef"), 12);
	free(a);
	free(a2);
	free(b);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cursor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reply_files, setup, teardown),
		cmocka_unit_test(test_outbox_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
