/*
 * Tests for gateway/forum/http.c against a real HTTP(S) server on loopback
 * (tests/fixtures/http_fixture.py, started per test): conditional requests,
 * gzip, Retry-After, timeouts, the concurrency and rate limits, connection
 * reuse, the body limit, TLS verification with and without tls_ca, proxies
 * from the environment.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "forumgate/buf.h"
#include "forumgate/config.h"
#include "forumgate/http.h"

#define FIXTURE "tests/fixtures/http_fixture.py"

struct fx {
	pid_t pid;
	int port;
	char tmp[64];
	char cert[128], key[128];
	struct cfg_forum f;
	struct http_client *c;
};

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Starts the fixture (with TLS when cert is set) and reads its port. */
static void fixture_start(struct fx *fx, int tls)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	fx->pid = fork();
	assert_true(fx->pid >= 0);
	if (fx->pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		if (tls)
			execlp("python3", "python3", FIXTURE, "--tls", fx->cert, fx->key,
			       (char *)NULL);
		else
			execlp("python3", "python3", FIXTURE, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	char line[32] = {0};
	size_t n = 0;
	while (n < sizeof line - 1) {
		ssize_t r = read(p[0], line + n, 1);
		if (r <= 0 || line[n] == '\n')
			break;
		n++;
	}
	close(p[0]);
	fx->port = atoi(line);
	assert_true(fx->port > 0);
}

static void forum_defaults(struct cfg_forum *f)
{
	memset(f, 0, sizeof *f);
	f->name = (char *)"testforum";
	f->max_concurrent = 4;
	f->max_requests_per_second = 100;
	f->timeout = 10;
	f->connect_timeout = 5;
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof *fx);
	forum_defaults(&fx->f);
	fixture_start(fx, 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	http_client_free(fx->c);
	if (fx->pid > 0) {
		kill(fx->pid, SIGTERM);
		waitpid(fx->pid, NULL, 0);
	}
	if (fx->tmp[0]) {
		unlink(fx->cert);
		unlink(fx->key);
		rmdir(fx->tmp);
	}
	free(fx);
	return 0;
}

static char *url(const struct fx *fx, const char *path)
{
	return xasprintf("http://127.0.0.1:%d%s", fx->port, path);
}

static void client(struct fx *fx, const struct http_limits *lim)
{
	char *err = NULL;
	http_client_free(fx->c);
	fx->c = NULL;
	assert_int_equal(http_client_new(&fx->f, lim, &fx->c, &err), 0);
}

/* GET path; returns the status, body in *body (malloc'd) when wanted. */
static long get(struct fx *fx, const char *path, char **body)
{
	char *u = url(fx, path), *err = NULL;
	struct http_request rq = {.url = u};
	struct http_response rs = {0};
	if (http_request(fx->c, &rq, &rs, &err) != 0)
		fail_msg("GET %s: %s", path, err);
	long st = rs.status;
	if (body)
		*body = xstrdup(rs.body);
	http_response_clear(&rs);
	free(u);
	return st;
}

/* A number from the fixture's /stats JSON (first "key": N). */
static double stat_num(struct fx *fx, const char *key)
{
	char *body = NULL;
	assert_int_equal(get(fx, "/stats", &body), 200);
	char *pat = xasprintf("\"%s\": ", key);
	char *p = strstr(body, pat);
	if (p == NULL)
		fail_msg("no %s in %s", key, body);
	double v = strtod(p + strlen(pat), NULL);
	free(pat);
	free(body);
	return v;
}

static void test_conditional(void **state)
{
	struct fx *fx = *state;
	client(fx, NULL);
	char *u = url(fx, "/etag"), *err = NULL;
	struct http_request rq = {.url = u};
	struct http_response rs = {0};
	assert_int_equal(http_request(fx->c, &rq, &rs, &err), 0);
	assert_int_equal(rs.status, 200);
	assert_string_equal(rs.body, "fresh");
	assert_int_equal(rs.body_len, 5);
	assert_string_equal(rs.etag, "\"v1\"");
	assert_string_equal(rs.last_modified, "Wed, 21 Oct 2015 07:28:00 GMT");
	assert_string_equal(rs.content_type, "text/plain");
	assert_int_equal(rs.retry_after, -1);
	char *etag = xstrdup(rs.etag), *lm = xstrdup(rs.last_modified);
	http_response_clear(&rs);

	struct http_request c1 = {.url = u, .etag = etag};
	assert_int_equal(http_request(fx->c, &c1, &rs, &err), 0);
	assert_int_equal(rs.status, 304);
	assert_string_equal(rs.body, "");
	http_response_clear(&rs);
	struct http_request c2 = {.url = u, .last_modified = lm};
	assert_int_equal(http_request(fx->c, &c2, &rs, &err), 0);
	assert_int_equal(rs.status, 304);
	http_response_clear(&rs);
	free(etag);
	free(lm);
	free(u);

	/* the User-Agent names forumgate */
	char *stats = NULL;
	assert_int_equal(get(fx, "/stats", &stats), 200);
	assert_non_null(strstr(stats, "\"user_agent\": \"forumgate/"));
	free(stats);
}

static void test_gzip(void **state)
{
	struct fx *fx = *state;
	client(fx, NULL);
	char *body = NULL;
	assert_int_equal(get(fx, "/gzip", &body), 200);
	struct buf want = BUF_INIT;
	for (int i = 0; i < 100; i++)
		buf_adds(&want, "hello compressed world ");
	assert_string_equal(body, want.p);
	buf_free(&want);
	free(body);
	char *stats = NULL;
	assert_int_equal(get(fx, "/stats", &stats), 200);
	assert_non_null(strstr(stats, "\"accept_encoding\": \""));
	assert_non_null(strstr(strstr(stats, "\"accept_encoding\""), "gzip"));
	free(stats);
}

static void test_retry_after(void **state)
{
	struct fx *fx = *state;
	client(fx, NULL);
	double t0 = mono();
	char *body = NULL;
	/* two 429s asking for 1 s each, then the answer */
	assert_int_equal(get(fx, "/retry?id=a&n=2&after=1", &body), 200);
	assert_string_equal(body, "ok a 3");
	free(body);
	double dt = mono() - t0;
	assert_true(dt >= 1.9);
	assert_true(dt < 6);
}

static void test_retry_too_long(void **state)
{
	struct fx *fx = *state;
	/* the wait is the process's for this forum: a name of its own, so
	 * the tests after this one are not held back */
	fx->f.name = (char *)"leftalone";
	client(fx, NULL);
	char *u = url(fx, "/retry?id=b&n=5&after=100"), *err = NULL;
	struct http_request rq = {.url = u};
	struct http_response rs = {0};
	double t0 = mono();
	assert_int_equal(http_request(fx->c, &rq, &rs, &err), 0);
	assert_true(mono() - t0 < 2); /* not waited for */
	assert_int_equal(rs.status, 429);
	assert_int_equal(rs.retry_after, 100);
	http_response_clear(&rs);
	free(u);
	/* the forum asked to be left alone: the next request is not sent */
	u = url(fx, "/etag");
	struct http_request r2 = {.url = u};
	assert_int_equal(http_request(fx->c, &r2, &rs, &err), -1);
	assert_non_null(strstr(err, "leftalone"));
	assert_non_null(strstr(err, "Retry-After"));
	free(err);
	err = NULL;
	http_response_clear(&rs);
	free(u);
	/* a new client for the same forum (the next pass) waits too, without
	 * asking the forum */
	client(fx, NULL);
	u = url(fx, "/etag");
	struct http_request r4 = {.url = u};
	assert_int_equal(http_request(fx->c, &r4, &rs, &err), -1);
	assert_non_null(strstr(err, "Retry-After"));
	free(err);
	err = NULL;
	http_response_clear(&rs);
	free(u);
	/* another forum's client is not held back: it asks the fixture, to
	 * which only one /retry and no /etag came */
	fx->f.name = (char *)"otherforum";
	client(fx, NULL);
	char *stats = NULL;
	assert_int_equal(get(fx, "/stats", &stats), 200);
	assert_null(strstr(stats, "/etag"));
	free(stats);

	/* 503 with a long Retry-After: the same */
	char *u503 = url(fx, "/unavailable");
	struct http_request r3 = {.url = u503};
	assert_int_equal(http_request(fx->c, &r3, &rs, &err), 0);
	assert_int_equal(rs.status, 503);
	assert_int_equal(rs.retry_after, 3600);
	http_response_clear(&rs);
	free(u503);
}

static void test_timeout(void **state)
{
	struct fx *fx = *state;
	fx->f.timeout = 1;
	client(fx, NULL);
	char *u = url(fx, "/hang"), *err = NULL;
	struct http_request rq = {.url = u};
	struct http_response rs = {0};
	double t0 = mono();
	assert_int_equal(http_request(fx->c, &rq, &rs, &err), -1);
	assert_true(mono() - t0 < 4);
	assert_int_equal(rs.status, 0);
	assert_non_null(strstr(err, "forum testforum"));
	assert_non_null(strstr(err, "timed out"));
	free(err);
	http_response_clear(&rs);
	free(u);
}

static void test_refused(void **state)
{
	struct fx *fx = *state;
	client(fx, NULL);
	/* the fixture's port once it is gone */
	kill(fx->pid, SIGTERM);
	waitpid(fx->pid, NULL, 0);
	fx->pid = 0;
	char *u = url(fx, "/etag"), *err = NULL;
	struct http_request rq = {.url = u};
	struct http_response rs = {0};
	assert_int_equal(http_request(fx->c, &rq, &rs, &err), -1);
	assert_non_null(strstr(err, "forum testforum"));
	assert_non_null(strstr(err, u));
	free(err);
	http_response_clear(&rs);
	free(u);
}

static void many(struct fx *fx, const char *path, size_t n)
{
	char *u = url(fx, path);
	struct http_request rq[16];
	struct http_response rs[16];
	char *errs[16];
	for (size_t i = 0; i < n; i++)
		rq[i] = (struct http_request){.url = u};
	assert_int_equal(http_request_many(fx->c, rq, rs, errs, n), 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(rs[i].status, 200);
		http_response_clear(&rs[i]);
	}
	free(u);
}

static void test_concurrency_limit(void **state)
{
	struct fx *fx = *state;
	fx->f.max_concurrent = 2;
	fx->f.max_requests_per_second = 1000;
	client(fx, NULL);
	double t0 = mono();
	many(fx, "/slow?ms=300", 6);
	double dt = mono() - t0;
	/* 6 requests of 300 ms, 2 at a time: 3 rounds */
	assert_true(dt >= 0.85);
	assert_true(dt < 3);
	assert_int_equal((int)stat_num(fx, "max_inflight"), 2);
	/* and the two connections were reused, not one per request */
	assert_true(stat_num(fx, "connections") <= 2);
}

static void test_rate_limit(void **state)
{
	struct fx *fx = *state;
	fx->f.max_concurrent = 4;
	fx->f.max_requests_per_second = 5;
	client(fx, NULL);
	double t0 = mono();
	many(fx, "/slow?ms=1", 6);
	double dt = mono() - t0;
	/* 6 starts at 5 per second: the last one 1 s after the first */
	assert_true(dt >= 0.95);
	char *stats = NULL;
	assert_int_equal(get(fx, "/stats", &stats), 200);
	char *p = strstr(stats, "\"starts\": [");
	assert_non_null(p);
	p += strlen("\"starts\": [");
	double prev = -1;
	for (int i = 0; i < 6; i++) {
		char *end;
		double t = strtod(p, &end);
		if (prev >= 0)
			assert_true(t - prev >= 0.18);
		prev = t;
		p = end + 1;
	}
	free(stats);
}

static void test_reuse(void **state)
{
	struct fx *fx = *state;
	client(fx, NULL);
	for (int i = 0; i < 5; i++)
		assert_int_equal(get(fx, "/etag", NULL), 200);
	assert_int_equal((int)stat_num(fx, "connections"), 1);
}

static void test_body_limit(void **state)
{
	struct fx *fx = *state;
	struct http_limits lim = {.max_body = 4096};
	client(fx, &lim);
	assert_int_equal(get(fx, "/big?kb=2", NULL), 200);
	char *u = url(fx, "/big?kb=16"), *err = NULL;
	struct http_request rq = {.url = u};
	struct http_response rs = {0};
	assert_int_equal(http_request(fx->c, &rq, &rs, &err), -1);
	assert_non_null(strstr(err, "larger than 4096 bytes"));
	free(err);
	http_response_clear(&rs);
	free(u);
}

static void test_post(void **state)
{
	struct fx *fx = *state;
	client(fx, NULL);
	char *u = url(fx, "/post"), *err = NULL;
	const char *hdrs[] = {"Content-Type: application/json", NULL};
	struct http_request rq = {.url = u, .body = "{\"a\":1}", .body_len = 7, .headers = hdrs};
	struct http_response rs = {0};
	assert_int_equal(http_request(fx->c, &rq, &rs, &err), 0);
	assert_int_equal(rs.status, 200);
	assert_string_equal(rs.body, "posted {\"a\":1}");
	http_response_clear(&rs);
	free(u);
}

/* A body without Content-Type is a form POST; Referer goes as given. */
static void test_form_referer(void **state)
{
	struct fx *fx = *state;
	client(fx, NULL);
	char *u = url(fx, "/form"), *err = NULL;
	struct http_request rq = {
		.url = u, .body = "a=1&b=x+y", .body_len = 9, .referer = "http://127.0.0.1/reply"};
	struct http_response rs = {0};
	assert_int_equal(http_request(fx->c, &rq, &rs, &err), 0);
	assert_string_equal(rs.body, "application/x-www-form-urlencoded a=1&b=x+y");
	http_response_clear(&rs);
	free(u);
	u = url(fx, "/referer");
	rq = (struct http_request){.url = u, .referer = "http://127.0.0.1/reply"};
	assert_int_equal(http_request(fx->c, &rq, &rs, &err), 0);
	assert_string_equal(rs.body, "http://127.0.0.1/reply");
	http_response_clear(&rs);
	free(u);
}

/* Cookies: none without the jar; with it, Set-Cookie is kept across
 * requests (fresh easy handles), exported as Netscape lines, loaded into
 * another client, and cleared. */
static void test_cookies(void **state)
{
	struct fx *fx = *state;
	char *body = NULL, *err = NULL;
	client(fx, NULL);
	assert_int_equal(get(fx, "/setcookie?v=one", NULL), 200);
	assert_int_equal(get(fx, "/cookie", &body), 200);
	assert_string_equal(body, ""); /* off by default */
	free(body);
	assert_null(http_cookies_export(fx->c));

	assert_int_equal(http_cookies_enable(fx->c, &err), 0);
	assert_int_equal(get(fx, "/setcookie?v=two", NULL), 200);
	assert_int_equal(get(fx, "/cookie", &body), 200);
	assert_string_equal(body, "sid=two");
	free(body);
	/* a guest's request: no cookie sent, none kept */
	char *u = url(fx, "/cookie");
	struct http_request rq = {.url = u, .anonymous = 1};
	struct http_response rs = {0};
	assert_int_equal(http_request(fx->c, &rq, &rs, &err), 0);
	assert_string_equal(rs.body, "");
	http_response_clear(&rs);
	free(u);
	u = url(fx, "/setcookie?v=guest");
	rq.url = u;
	assert_int_equal(http_request(fx->c, &rq, &rs, &err), 0);
	http_response_clear(&rs);
	free(u);
	char *jar = http_cookies_export(fx->c);
	assert_non_null(jar);
	assert_non_null(strstr(jar, "\tsid\ttwo\n"));

	/* a new client (the next pass) gets the session from the export */
	client(fx, NULL);
	assert_int_equal(http_cookies_enable(fx->c, &err), 0);
	http_cookies_import(fx->c, "garbage line\nSet-Cookie: evil=1\n");
	http_cookies_import(fx->c, jar);
	free(jar);
	assert_int_equal(get(fx, "/cookie", &body), 200);
	assert_string_equal(body, "sid=two");
	free(body);
	http_cookies_clear(fx->c);
	assert_null(http_cookies_export(fx->c));
	assert_int_equal(get(fx, "/cookie", &body), 200);
	assert_string_equal(body, "");
	free(body);
}

static void test_proxy_env(void **state)
{
	struct fx *fx = *state;
	char *proxy = xasprintf("http://127.0.0.1:%d", fx->port);
	setenv("http_proxy", proxy, 1);
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
	client(fx, NULL);
	char *err = NULL;
	struct http_request rq = {.url = "http://forum.invalid/latest.json"};
	struct http_response rs = {0};
	int rc = http_request(fx->c, &rq, &rs, &err);
	unsetenv("http_proxy");
	if (rc != 0)
		fail_msg("%s", err);
	assert_int_equal(rs.status, 200);
	assert_string_equal(rs.body, "proxied http://forum.invalid/latest.json");
	http_response_clear(&rs);
	free(proxy);
}

/* TLS: a self-signed certificate for 127.0.0.1, made by openssl here. */
static int setup_tls(void **state)
{
	struct fx *fx = calloc(1, sizeof *fx);
	forum_defaults(&fx->f);
	strcpy(fx->tmp, "/tmp/fg-http-XXXXXX");
	assert_non_null(mkdtemp(fx->tmp));
	snprintf(fx->cert, sizeof fx->cert, "%s/cert.pem", fx->tmp);
	snprintf(fx->key, sizeof fx->key, "%s/key.pem", fx->tmp);
	char *cmd = xasprintf(
		"openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
		"-addext subjectAltName=IP:127.0.0.1 -keyout %s -out %s 2>/dev/null",
		fx->key, fx->cert);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	fixture_start(fx, 1);
	*state = fx;
	return 0;
}

static void test_tls(void **state)
{
	struct fx *fx = *state;
	client(fx, NULL);
	char *u = xasprintf("https://127.0.0.1:%d/etag", fx->port), *err = NULL;
	struct http_request rq = {.url = u};
	struct http_response rs = {0};
	/* not trusted: refused, and the message says how to trust it */
	assert_int_equal(http_request(fx->c, &rq, &rs, &err), -1);
	assert_non_null(strstr(err, "forum testforum"));
	assert_non_null(strstr(err, "TLS certificate not trusted"));
	assert_non_null(strstr(err, "tls_ca"));
	free(err);
	err = NULL;
	http_response_clear(&rs);

	/* tls_ca names the certificate: accepted */
	fx->f.tls_ca = fx->cert;
	client(fx, NULL);
	if (http_request(fx->c, &rq, &rs, &err) != 0)
		fail_msg("%s", err);
	assert_int_equal(rs.status, 200);
	assert_string_equal(rs.body, "fresh");
	http_response_clear(&rs);

	/* a tls_ca that is not a CA file */
	fx->f.tls_ca = (char *)"/nonexistent/ca.pem";
	client(fx, NULL);
	assert_int_equal(http_request(fx->c, &rq, &rs, &err), -1);
	assert_non_null(strstr(err, "tls_ca /nonexistent/ca.pem"));
	free(err);
	http_response_clear(&rs);
	free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_conditional, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gzip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_after, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_too_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrency_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_post, setup, teardown),
		cmocka_unit_test_setup_teardown(test_form_referer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cookies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proxy_env, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls, setup_tls, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
