/*
 * Tests for gateway/core/httpd.c: the route table over real loopback
 * sockets (the event loop runs in a thread, the test talks plain HTTP/1.1
 * to it): a route answers with what its handler saw, prefix routes, 404,
 * 405 with Allow, 413 over the body limit, an address in use is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <cmocka.h>

#include "forumgate/buf.h"
#include "forumgate/httpd.h"

struct fx {
	struct event_base *base;
	struct httpd *h;
	pthread_t thread;
	int port;
	char addr[32];
};

static void echo(void *arg, const struct httpd_request *rq, struct httpd_response *rs)
{
	const char *t = httpd_header(rq, "X-Test");
	rs->status = 201;
	rs->content_type = "application/json";
	rs->body = xasprintf("%s %s %s %s %zu [%s] %s", (const char *)arg, rq->method, rq->path,
			     rq->query ? rq->query : "-", rq->body_len, rq->body, t ? t : "-");
}

static const struct httpd_route routes[] = {
	{"/hello", "GET", echo, (void *)"hello"},
	{"/hook/", "POST", echo, (void *)"hook"},
	{"/both", "GET", echo, (void *)"both-get"},
	{"/both", "PUT", echo, (void *)"both-put"},
};

static int free_port(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof sa;
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &len), 0);
	close(s);
	return ntohs(sa.sin_port);
}

static void *loop(void *arg)
{
	struct fx *fx = arg;
	event_base_loop(fx->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof *fx);
	evthread_use_pthreads();
	fx->base = event_base_new();
	fx->port = free_port();
	snprintf(fx->addr, sizeof fx->addr, "127.0.0.1:%d", fx->port);
	char *err = NULL;
	if (httpd_new(fx->base, fx->addr, 1024, routes, sizeof routes / sizeof *routes, &fx->h,
		      &err) != 0)
		fail_msg("%s", err);
	pthread_create(&fx->thread, NULL, loop, fx);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	event_base_loopbreak(fx->base);
	pthread_join(fx->thread, NULL);
	httpd_free(fx->h);
	event_base_free(fx->base);
	free(fx);
	return 0;
}

/* Sends raw request text, returns the whole answer (malloc'd). */
static char *exchange(const struct fx *fx, const char *req, size_t len)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)fx->port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(connect(s, (struct sockaddr *)&sa, sizeof sa), 0);
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(s, req + off, len - off);
		if (w <= 0)
			break; /* the server may close early (413) */
		off += (size_t)w;
	}
	struct buf b = BUF_INIT;
	char chunk[4096];
	ssize_t r;
	while ((r = read(s, chunk, sizeof chunk)) > 0)
		buf_add(&b, chunk, (size_t)r);
	close(s);
	return buf_detach(&b);
}

static char *request(const struct fx *fx, const char *method, const char *target, const char *extra,
		     const char *body)
{
	char *req = xasprintf("%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s"
			      "Content-Length: %zu\r\n\r\n%s",
			      method, target, extra ? extra : "", body ? strlen(body) : 0,
			      body ? body : "");
	char *out = exchange(fx, req, strlen(req));
	free(req);
	return out;
}

static void test_route(void **state)
{
	struct fx *fx = *state;
	char *out = request(fx, "GET", "/hello?x=1", "X-Test: yes\r\n", NULL);
	assert_true(strncmp(out, "HTTP/1.1 201", 12) == 0);
	assert_non_null(strstr(out, "Content-Type: application/json"));
	assert_non_null(strstr(out, "\r\n\r\nhello GET /hello x=1 0 [] yes"));
	free(out);

	out = request(fx, "POST", "/hook/discourse/demo", NULL, "{\"post\":{}}");
	assert_true(strncmp(out, "HTTP/1.1 201", 12) == 0);
	assert_non_null(strstr(out, "hook POST /hook/discourse/demo - 11 [{\"post\":{}}] -"));
	free(out);

	out = request(fx, "PUT", "/both", NULL, "z");
	assert_non_null(strstr(out, "both-put PUT /both"));
	free(out);
}

static void test_not_found(void **state)
{
	struct fx *fx = *state;
	char *out = request(fx, "GET", "/nope", NULL, NULL);
	assert_true(strncmp(out, "HTTP/1.1 404", 12) == 0);
	free(out);
	/* "/hello" is an exact path, not a prefix */
	out = request(fx, "GET", "/hello/more", NULL, NULL);
	assert_true(strncmp(out, "HTTP/1.1 404", 12) == 0);
	free(out);
	/* the prefix route does not match its own parent */
	out = request(fx, "POST", "/hook", NULL, "a");
	assert_true(strncmp(out, "HTTP/1.1 404", 12) == 0);
	free(out);
}

static void test_wrong_method(void **state)
{
	struct fx *fx = *state;
	char *out = request(fx, "POST", "/hello", NULL, "a");
	assert_true(strncmp(out, "HTTP/1.1 405", 12) == 0);
	assert_non_null(strstr(out, "Allow: GET\r\n"));
	free(out);
	out = request(fx, "DELETE", "/both", NULL, NULL);
	assert_true(strncmp(out, "HTTP/1.1 405", 12) == 0);
	assert_non_null(strstr(out, "Allow: GET, PUT\r\n"));
	free(out);
}

static void test_body_limit(void **state)
{
	struct fx *fx = *state;
	char big[2048];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	char *out = request(fx, "POST", "/hook/x", NULL, big);
	assert_true(strncmp(out, "HTTP/1.1 413", 12) == 0);
	free(out);
	/* just under the limit is fine */
	big[1000] = '\0';
	out = request(fx, "POST", "/hook/x", NULL, big);
	assert_true(strncmp(out, "HTTP/1.1 201", 12) == 0);
	assert_non_null(strstr(out, "hook POST /hook/x - 1000 ["));
	free(out);
}

static void test_address_in_use(void **state)
{
	struct fx *fx = *state;
	struct event_base *b2 = event_base_new();
	struct httpd *h2 = NULL;
	char *err = NULL;
	assert_int_equal(httpd_new(b2, fx->addr, 1024, routes, 1, &h2, &err), -1);
	assert_null(h2);
	assert_non_null(strstr(err, fx->addr));
	assert_non_null(strstr(err, "already in use"));
	free(err);
	err = NULL;
	assert_int_equal(httpd_new(b2, "not an address", 1024, routes, 1, &h2, &err), -1);
	free(err);
	event_base_free(b2);
	/* the first listener still answers */
	char *out = request(fx, "GET", "/hello", NULL, NULL);
	assert_true(strncmp(out, "HTTP/1.1 201", 12) == 0);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_route, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_method, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_address_in_use, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
