/*
 * Tests for gateway/core/metrics.c: the Prometheus text exposition (label
 * escaping, numbers, HELP/TYPE lines, sample lines), histogram bucketing,
 * and a whole exposition from a store the processes flushed into
 * (cumulative buckets ending in +Inf equal to _count, sums across two
 * processes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <math.h>
#include <cmocka.h>

#include "forumgate/buf.h"
#include "forumgate/config.h"
#include "forumgate/metrics.h"
#include "forumgate/store.h"

static void test_label_escaping(void **state)
{
	struct buf b = BUF_INIT;
	metric_label(&b, "forum", "plain");
	assert_string_equal(buf_str(&b), "forum=\"plain\"");
	metric_label(&b, "path", "a\\b\"c\nd");
	assert_string_equal(buf_str(&b), "forum=\"plain\",path=\"a\\\\b\\\"c\\nd\"");
	buf_reset(&b);
	metric_label(&b, "x", NULL);
	metric_label(&b, "utf8", "Straße\ttab");
	assert_string_equal(buf_str(&b), "x=\"\",utf8=\"Straße\ttab\"");
	buf_free(&b);
}

static void test_numbers(void **state)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {
		{0, "0"},
		{3, "3"},
		{-2, "-2"},
		{1796640944, "1796640944"},
		{0.25, "0.25"},
		{0.000123, "0.000123"},
		{1e20, "1e+20"},
		{INFINITY, "+Inf"},
		{-INFINITY, "-Inf"},
		{NAN, "NaN"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct buf b = BUF_INIT;
		metric_number(&b, cases[i].v);
		assert_string_equal(buf_str(&b), cases[i].want);
		buf_free(&b);
	}
}

static void test_head_and_samples(void **state)
{
	struct metric_family f = {"fg_test_total", "Lines with \\ and\nbreaks.", METRIC_COUNTER,
				  NULL, 0};
	struct buf b = BUF_INIT;
	metric_expo_head(&b, &f);
	assert_string_equal(buf_str(&b), "# HELP fg_test_total Lines with \\\\ and\\nbreaks.\n"
					 "# TYPE fg_test_total counter\n");
	buf_reset(&b);
	metric_expo_sample(&b, "fg_h", "_bucket", "command=\"GROUP\"", "0.5", 7);
	metric_expo_sample(&b, "fg_h", "_bucket", "", "+Inf", 9);
	metric_expo_sample(&b, "fg_h", "_sum", NULL, NULL, 1.5);
	metric_expo_sample(&b, "fg_g", NULL, "a=\"1\"", NULL, 2);
	assert_string_equal(buf_str(&b), "fg_h_bucket{command=\"GROUP\",le=\"0.5\"} 7\n"
					 "fg_h_bucket{le=\"+Inf\"} 9\n"
					 "fg_h_sum 1.5\n"
					 "fg_g{a=\"1\"} 2\n");
	buf_free(&b);
	/* every family has a name of the format, a help, a known type */
	for (int i = 0; i < M_COUNT; i++) {
		const struct metric_family *m = metric_family((enum metric_id)i);
		assert_non_null(m);
		assert_true(strncmp(m->name, "forumgate_", 10) == 0);
		assert_true(strspn(m->name, "abcdefghijklmnopqrstuvwxyz_") == strlen(m->name));
		assert_true(strlen(m->help) > 0);
		if (m->type == METRIC_COUNTER)
			assert_true(strlen(m->name) > 6 &&
				    strcmp(m->name + strlen(m->name) - 6, "_total") == 0);
		if (m->type == METRIC_HISTOGRAM) {
			assert_true(m->nbounds > 0);
			for (size_t k = 1; k < m->nbounds; k++)
				assert_true(m->bounds[k - 1] < m->bounds[k]);
		}
	}
	assert_null(metric_family(M_COUNT));
}

static void test_buckets(void **state)
{
	static const double bounds[] = {0.1, 1, 10};
	struct metric_family f = {"h", "h", METRIC_HISTOGRAM, bounds, 3};
	assert_int_equal(metric_bucket(&f, 0), 0);
	assert_int_equal(metric_bucket(&f, 0.1), 0); /* le: the bound itself counts */
	assert_int_equal(metric_bucket(&f, 0.10001), 1);
	assert_int_equal(metric_bucket(&f, 1), 1);
	assert_int_equal(metric_bucket(&f, 9.99), 2);
	assert_int_equal(metric_bucket(&f, 10), 2);
	assert_int_equal(metric_bucket(&f, 11), 3); /* +Inf */
	assert_int_equal(metric_bucket(&f, INFINITY), 3);
}

/* A store two processes flushed into, exposed whole. */
static void test_expose_from_store(void **state)
{
	char dir[] = "/tmp/fg-metrics-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path = xasprintf("%s/store.db", dir);
	struct store *st = NULL;
	char *err = NULL;
	assert_int_equal(store_open(path, STORE_CREATE, &st, &err), 0);
	const struct metric_family *h = metric_family(M_NNTP_COMMAND_SECONDS);
	char bucket[128], count[128], sum[128];
	snprintf(bucket, sizeof bucket, "%s_bucket", h->name);
	snprintf(count, sizeof count, "%s_count", h->name);
	snprintf(sum, sizeof sum, "%s_sum", h->name);
	/* two nntpd nodes: 2 and 3 GROUPs, cumulative per process */
	for (int node = 0; node < 2; node++) {
		const char *host = node ? "b" : "a";
		double n = node ? 3 : 2;
		for (size_t k = 0; k <= h->nbounds; k++) {
			struct store_metric_row r = {bucket, "command=\"GROUP\"", (int)k,
						     k >= 3 ? n : 0, 1};
			assert_int_equal(store_metric_put(st, host, "nntpd", 10, 100, &r, &err), 0);
		}
		struct store_metric_row c = {count, "command=\"GROUP\"", -1, n, 1};
		struct store_metric_row s = {sum, "command=\"GROUP\"", -1, 0.001 * n, 1};
		struct store_metric_row t = {metric_family(M_NNTP_COMMANDS)->name,
					     "command=\"GROUP\"", -1, n, 1};
		assert_int_equal(store_metric_put(st, host, "nntpd", 10, 100, &c, &err), 0);
		assert_int_equal(store_metric_put(st, host, "nntpd", 10, 100, &s, &err), 0);
		assert_int_equal(store_metric_put(st, host, "nntpd", 10, 100, &t, &err), 0);
	}
	/* a process's next flush adds its increase to a counter... */
	struct store_metric_row t = {metric_family(M_NNTP_COMMANDS)->name, "command=\"GROUP\"", -1,
				     1, 1};
	assert_int_equal(store_metric_put(st, "b", "nntpd", 10, 105, &t, &err), 0);
	/* ...and replaces a gauge */
	const char *conns = metric_family(M_NNTP_CONNECTIONS)->name;
	struct store_metric_row g = {conns, "", -1, 5, 0};
	assert_int_equal(store_metric_put(st, "b", "nntpd", 10, 100, &g, &err), 0);
	g.value = 2;
	assert_int_equal(store_metric_put(st, "b", "nntpd", 10, 105, &g, &err), 0);
	assert_int_equal(store_role_started(st, metrics_host(), "nntpd", getpid(), 100, 2, &err),
			 0);
	assert_int_equal(store_sync_record(st, "demo", 100, NULL, 5, 0.5, &err), 0);
	assert_int_equal(store_sync_record(st, "demo", 200, "spool: gone", 0, 0.1, &err), 0);

	struct buf out = BUF_INIT;
	assert_int_equal(metrics_expose(NULL, st, &out, &err), 0);
	const char *x = buf_str(&out);
	assert_non_null(strstr(x, "# TYPE forumgate_nntp_command_seconds histogram\n"));
	assert_non_null(strstr(x, "forumgate_nntp_command_seconds_bucket{command=\"GROUP\","
				  "le=\"0.0001\"} 0\n"));
	assert_non_null(strstr(x, "forumgate_nntp_command_seconds_bucket{command=\"GROUP\","
				  "le=\"0.001\"} 5\n"));
	assert_non_null(strstr(x, "forumgate_nntp_command_seconds_bucket{command=\"GROUP\","
				  "le=\"+Inf\"} 5\n"));
	assert_non_null(strstr(x, "forumgate_nntp_command_seconds_count{command=\"GROUP\"} 5\n"));
	assert_non_null(strstr(x, "forumgate_nntp_commands_total{command=\"GROUP\"} 6\n"));
	assert_non_null(strstr(x, "# TYPE forumgate_lmtp_sessions gauge\n"));
	assert_non_null(strstr(x, "forumgate_nntp_connections 2\n"));
	char *up = xasprintf("forumgate_role_up{role=\"nntpd\",host=\"%s\"} 0\n", metrics_host());
	assert_non_null(strstr(x, up)); /* alive, but its heartbeat is from 1970 */
	free(up);
	assert_non_null(strstr(x, "forumgate_sync_failing{forum=\"demo\"} 1\n"));
	assert_non_null(strstr(x, "forumgate_sync_errors_total{forum=\"demo\"} 1\n"));
	assert_non_null(strstr(x, "forumgate_sync_last_success_timestamp_seconds{forum=\"demo\"} "
				  "100\n"));
	assert_non_null(strstr(x, "forumgate_outbox_items{state=\"queued\"} 0\n"));
	buf_free(&out);
	store_close(st);
	char *cmd = xasprintf("rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(path);
}

/* One process of role nntpd on store path, forked as the supervisor would:
 * groups GROUP commands, conns NNTP connections (the gauge registered only
 * when there is one, as nntpd does at its first accept). With crash it
 * dies once its first flush is in the store, without metrics_stop. */
static int role_process(const char *path, int groups, int conns, int crash)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		static struct cfg c;
		c.gateway.store = (char *)path;
		metrics_prepare(&c, "nntpd", 0);
		struct metric *t = metric_get1(M_NNTP_COMMANDS, "command", "GROUP");
		struct metric *h = metric_get1(M_NNTP_COMMAND_SECONDS, "command", "GROUP");
		for (int i = 0; i < groups; i++) {
			metric_add(t, 1);
			metric_observe(h, 0.001);
		}
		if (conns)
			metric_add(metric_get(M_NNTP_CONNECTIONS, ""), conns);
		metrics_start();
		if (crash) {
			/* the first flush records the role and the series at once */
			for (int i = 0; i < 1000; i++) {
				struct store *st = NULL;
				char *err = NULL;
				struct buf out = BUF_INIT;
				int seen = store_open(path, STORE_RDONLY, &st, &err) == 0 &&
					   metrics_expose(NULL, st, &out, &err) == 0 &&
					   strstr(buf_str(&out),
						  "forumgate_nntp_commands_total{") != NULL;
				buf_free(&out);
				store_close(st);
				free(err);
				if (seen)
					_exit(0);
				usleep(10000);
			}
			_exit(2);
		}
		metrics_stop();
		_exit(0);
	}
	int status = 0;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static char *expose_path(const char *path)
{
	struct store *st = NULL;
	char *err = NULL;
	struct buf out = BUF_INIT;
	assert_int_equal(store_open(path, STORE_RDONLY, &st, &err), 0);
	assert_int_equal(metrics_expose(NULL, st, &out, &err), 0);
	store_close(st);
	return buf_detach(&out);
}

/* A role the supervisor restarts starts counting from zero: the store's
 * counters and histograms must go on from where its predecessor left them
 * (a Prometheus counter never goes backwards), and the gauges of the dead
 * process must not outlive it. */
static void test_restart_keeps_counters(void **state)
{
	char dir[] = "/tmp/fg-metrics-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path = xasprintf("%s/store.db", dir);
	struct store *st = NULL;
	char *err = NULL;
	assert_int_equal(store_open(path, STORE_CREATE, &st, &err), 0);
	store_close(st);

	/* 5 GROUPs and 3 connections, then a crash; the restarted process
	 * serves 2 GROUPs and stops */
	assert_int_equal(role_process(path, 5, 3, 1), 0);
	assert_int_equal(role_process(path, 2, 0, 0), 0);
	char *x = expose_path(path);
	assert_non_null(strstr(x, "forumgate_nntp_commands_total{command=\"GROUP\"} 7\n"));
	assert_non_null(strstr(x, "forumgate_nntp_command_seconds_count{command=\"GROUP\"} 7\n"));
	assert_non_null(strstr(x, "forumgate_nntp_command_seconds_bucket{command=\"GROUP\","
				  "le=\"+Inf\"} 7\n"));
	assert_non_null(strstr(x, "forumgate_nntp_command_seconds_bucket{command=\"GROUP\","
				  "le=\"0.001\"} 7\n"));
	assert_null(strstr(x, "forumgate_nntp_connections 3\n"));
	free(x);

	/* a process that stops leaves no open connections behind */
	assert_int_equal(role_process(path, 1, 4, 0), 0);
	x = expose_path(path);
	assert_non_null(strstr(x, "forumgate_nntp_commands_total{command=\"GROUP\"} 8\n"));
	assert_null(strstr(x, "forumgate_nntp_connections 4\n"));
	free(x);

	char *cmd = xasprintf("rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_head_and_samples),
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_expose_from_store),
		cmocka_unit_test(test_restart_keeps_counters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
