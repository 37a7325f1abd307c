/*
 * http: the HTTP client live connectors fetch forums with (libcurl).
 *
 * One client per forum, made from the forum's config: its name (in every
 * error), tls_ca, max_concurrent, max_requests_per_second, timeout and
 * connect_timeout. The client keeps its connections open between requests
 * (HTTP/2 where the server offers it over TLS, else keep-alive HTTP/1.1),
 * asks for gzip/deflate bodies, names itself "forumgate/VERSION" in
 * User-Agent, and takes proxies from the usual environment variables
 * (http_proxy, https_proxy, no_proxy; libcurl's rules).
 *
 * TLS is always verified; a forum with a private CA names it in tls_ca.
 * There is no switch that turns verification off.
 *
 * 429 and 503 are retried inside the call when the wait they ask for
 * (Retry-After, seconds or an HTTP date; else 1, 2, 4 s) is short; a longer
 * wait ends the call at once with the status and the wait in
 * http_response.retry_after, and the client refuses further requests until
 * it has passed (fast, without contacting the forum), so a forum that asks
 * to be left alone is left alone and its caller moves on to other work.
 * The wait is the process's, not only the client's: a client made later
 * for the same forum (the next pass) waits it out too.
 *
 * Redirects are not followed: a 3xx is returned as is (a connector's API
 * key header must never travel to another host).
 *
 * Not thread-safe: one client is used by one thread.
 */
#ifndef FORUMGATE_HTTP_H
#define FORUMGATE_HTTP_H

#include <stddef.h>

#include "forumgate/config.h"

#define HTTP_USER_AGENT "forumgate/" FORUMGATE_VERSION
#define FORUMGATE_VERSION "0.1"

struct http_client;

/* A request. Only url is required. A body sent without a Content-Type
 * header goes as application/x-www-form-urlencoded (a form POST: encode
 * it with board_form_encode or the like). */
struct http_request {
	const char *method; /* NULL = "GET" (or "POST" when body is set) */
	const char *url;
	const char *const *headers; /* extra "Name: value" lines, NULL-terminated; may be NULL */
	const char *body;           /* request body, or NULL */
	size_t body_len;
	const char *etag;          /* conditional GET: If-None-Match; may be NULL */
	const char *last_modified; /* If-Modified-Since (as the server sent it); may be NULL */
	const char *referer;       /* Referer (boards check it on form POSTs); may be NULL */
	int anonymous;             /* 1: neither send nor keep the jar's cookies (a guest's view) */
};

/* A response; everything malloc'd, freed by http_response_clear. */
struct http_response {
	long status;         /* HTTP status; 0 when no response came */
	char *etag;          /* ETag, or NULL */
	char *last_modified; /* Last-Modified, or NULL */
	char *content_type;  /* Content-Type, or NULL */
	char *location;      /* Location (3xx), or NULL */
	long retry_after;    /* seconds to wait (429/503), -1 = not given */
	char *body;          /* NUL-terminated (an empty string when none) */
	size_t body_len;
};

/* Limits that are not in the forum's config (tests use smaller ones). */
struct http_limits {
	size_t max_body; /* largest body accepted, default 64 MiB */
	int max_retries; /* 429/503 retries inside one call, default 3 */
	int max_wait;    /* seconds a call waits for a retry, default 10 */
};

/* A client for forum f (borrowed; must outlive the client); lim may be
 * NULL for the defaults. Returns 0 and *out, or -1 and *err. */
int http_client_new(const struct cfg_forum *f, const struct http_limits *lim,
		    struct http_client **out, char **err);
void http_client_free(struct http_client *c);

/* Performs one request and fills *rs (overwritten: pass a zeroed or
 * cleared one; clear it after). A
 * completed exchange returns 0 whatever its status (304 for a conditional
 * request that matched, 404, ...); a 429/503 whose retries ran out returns
 * 0 too, with rs->retry_after. -1 and *err when there was no usable
 * response: connection refused, timeout, TLS failure (the message says how
 * to trust the forum's CA with tls_ca), body too large, or the client is
 * waiting out an earlier Retry-After. Messages name the forum and URL. */
int http_request(struct http_client *c, const struct http_request *rq, struct http_response *rs,
		 char **err);

/* Performs n requests at once, at most max_concurrent in flight and at
 * most max_requests_per_second started per second; rs[i] and errs[i]
 * (malloc'd message or NULL) as http_request's for rq[i]. Returns the
 * number of requests that failed (errs[i] set). */
size_t http_request_many(struct http_client *c, const struct http_request *rq,
			 struct http_response *rs, char **errs, size_t n);

void http_response_clear(struct http_response *rs);

/* Cookies (boards' login sessions). Off by default: a client sends and
 * keeps no cookies until http_cookies_enable, after which every response's
 * Set-Cookie goes into the client's jar (libcurl's cookie engine: domain,
 * path, expiry and Secure rules as a browser applies them) and every
 * request sends the matching ones. 0, or -1 and *err. */
int http_cookies_enable(struct http_client *c, char **err);
/* The jar as Netscape cookie-file lines, one a line ending in '\n'
 * (malloc'd), or NULL when it is empty or cookies are off. Session cookies
 * are included (a connector keeps them in its cursor). */
char *http_cookies_export(struct http_client *c);
/* Loads lines as http_cookies_export gives them into the jar (added to
 * what it holds); lines that are not Netscape cookie lines are ignored. */
void http_cookies_import(struct http_client *c, const char *lines);
/* Empties the jar (a logout; a session that must be made again). */
void http_cookies_clear(struct http_client *c);

#endif
