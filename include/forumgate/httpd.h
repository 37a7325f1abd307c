/*
 * httpd: the small HTTP listener for what forums and mail clients push to
 * us (Discourse webhooks, one-click unsubscribe of list mail, RFC 8058;
 * later metrics). One route table, never a special case per feature: a route is
 * a path prefix and a method, and its handler gets the request (method,
 * path, query, headers, body) and fills a response (status, body).
 *
 * It listens on http.listen (loopback unless the operator says otherwise:
 * it is meant to sit behind the site's reverse proxy, which terminates
 * TLS), refuses bodies over http.max_body_size with 413, answers 404 for a
 * path no route has and 405 (with Allow) for a known path asked with
 * another method. libevent's evhttp does the protocol.
 *
 * The httpd role (httpd_run) binds, drops privileges (priv_drop) and
 * serves the built-in routes until stopped.
 */
#ifndef FORUMGATE_HTTPD_H
#define FORUMGATE_HTTPD_H

#include <signal.h>
#include <stddef.h>

#include "forumgate/config.h"

struct event_base;
struct evhttp_request;

/* One request as a handler sees it; everything borrowed for the call. */
struct httpd_request {
	const char *method; /* "GET", "POST", ... */
	const char *path;   /* the path, percent-decoding not applied */
	const char *query;  /* after '?', or NULL */
	const char *body;   /* NUL-terminated; "" when none */
	size_t body_len;
	const char *peer;          /* "127.0.0.1" */
	struct evhttp_request *ev; /* for httpd_header */
};

/* A request header (case-insensitive name), or NULL. */
const char *httpd_header(const struct httpd_request *rq, const char *name);

/* What a handler answers: status (default 200) and body (malloc'd, may be
 * NULL = empty; the listener frees it), of content_type (static; default
 * "text/plain; charset=utf-8"). */
struct httpd_response {
	int status;
	char *body;
	const char *content_type;
};

typedef void (*httpd_handler)(void *arg, const struct httpd_request *rq, struct httpd_response *rs);

struct httpd_route {
	/* "/health" matches that path only; a prefix ending in '/'
	 * ("/webhook/") matches every path below it */
	const char *prefix;
	const char *method;
	httpd_handler handler;
	void *arg;
};

struct httpd;

/* Listens on `listen` ("host:port", "[v6]:port") in base and serves the n
 * routes (the table must outlive the listener). An address something else
 * listens on is refused (listen_check_free). Returns 0 and *out, or -1 and
 * *err naming the address. */
int httpd_new(struct event_base *base, const char *listen, long max_body,
	      const struct httpd_route *routes, size_t n, struct httpd **out, char **err);
void httpd_free(struct httpd *h);

/* The httpd role: listens on c->http.listen with the built-in routes
 * (GET /health answers "ok", GET /metrics the Prometheus exposition of
 * metrics.h), then drops privileges, until *stop. */
int httpd_run(const struct cfg *c, volatile sig_atomic_t *stop);

#endif
