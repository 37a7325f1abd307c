/*
 * http: the live connectors' HTTP client on libcurl (see http.h).
 *
 * Every request goes through one curl multi handle per client, even a
 * single one: the multi handle owns the connection cache (so connections
 * and TLS sessions are reused across requests), and one loop schedules
 * transfers under both limits. A transfer starts only when fewer than
 * max_concurrent are in flight and 1/max_requests_per_second has passed
 * since the last start; a retried transfer is simply not started again
 * before its wait is over, so waiting for one request never holds back the
 * others of the same batch.
 *
 * A fresh easy handle per attempt keeps no state between requests (the
 * connection lives in the multi handle's cache, not in the easy handle).
 */
#include "forumgate/http.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "forumgate/buf.h"

#define DEFAULT_MAX_BODY ((size_t)64 << 20)
#define DEFAULT_MAX_RETRIES 3
#define DEFAULT_MAX_WAIT 10

struct http_client {
	const struct cfg_forum *f;
	CURLM *multi;
	struct http_limits lim;
	double next_start;    /* monotonic seconds: the next transfer may start */
	double blocked_until; /* an earlier Retry-After that was too long to wait */
	/* the cookie jar (http_cookies_enable): a share handle every easy
	 * handle of the client joins, so cookies outlive the easy handles */
	CURLSH *share;
	CURL *jar; /* an idle easy handle on the share, to list and load cookies */
};

enum xstate { X_WAIT, X_RUN, X_DONE };

struct xfer {
	struct http_client *c;
	const struct http_request *rq;
	struct http_response *rs;
	char **err;
	enum xstate state;
	CURL *easy;
	struct curl_slist *hdrs;
	struct buf body;
	int too_big;
	int attempts;
	double not_before;
	char errbuf[CURL_ERROR_SIZE];
};

/*
 * A forum that asked to be left alone (a Retry-After too long to wait in
 * the call) is left alone by the whole process, not only by the client
 * that was told: connectors make a client per pass, and the next pass must
 * not knock before the time is up. One entry per forum name, the latest
 * time asked; the table is small (one per configured forum).
 */
#define MAX_BLOCKED 256
static pthread_mutex_t blocked_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char *forum;
	double until; /* monotonic seconds */
} blocked[MAX_BLOCKED];

static double blocked_get(const char *forum)
{
	double until = 0;
	pthread_mutex_lock(&blocked_lock);
	for (size_t i = 0; i < MAX_BLOCKED && blocked[i].forum != NULL; i++)
		if (strcmp(blocked[i].forum, forum) == 0)
			until = blocked[i].until;
	pthread_mutex_unlock(&blocked_lock);
	return until;
}

static void blocked_set(const char *forum, double until)
{
	pthread_mutex_lock(&blocked_lock);
	size_t i = 0;
	while (i < MAX_BLOCKED && blocked[i].forum != NULL && strcmp(blocked[i].forum, forum) != 0)
		i++;
	if (i < MAX_BLOCKED) {
		if (blocked[i].forum == NULL)
			blocked[i].forum = xstrdup(forum);
		if (until > blocked[i].until)
			blocked[i].until = until;
	}
	pthread_mutex_unlock(&blocked_lock);
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int http_client_new(const struct cfg_forum *f, const struct http_limits *lim,
		    struct http_client **out, char **err)
{
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return fg_error(err, "forum %s: libcurl: %s", f->name,
				curl_easy_strerror(curl_init_rc));
	struct http_client *c = xcalloc(1, sizeof *c);
	c->f = f;
	c->blocked_until = blocked_get(f->name);
	c->lim.max_body = lim && lim->max_body ? lim->max_body : DEFAULT_MAX_BODY;
	c->lim.max_retries = lim && lim->max_retries ? lim->max_retries : DEFAULT_MAX_RETRIES;
	c->lim.max_wait = lim && lim->max_wait ? lim->max_wait : DEFAULT_MAX_WAIT;
	if (lim && lim->max_retries < 0)
		c->lim.max_retries = 0;
	c->multi = curl_multi_init();
	if (c->multi == NULL) {
		free(c);
		return fg_error(err, "forum %s: cannot create an HTTP client", f->name);
	}
	long conc = f->max_concurrent > 0 ? f->max_concurrent : 4;
	curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, conc);
	curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	*out = c;
	return 0;
}

void http_client_free(struct http_client *c)
{
	if (c == NULL)
		return;
	curl_multi_cleanup(c->multi);
	if (c->jar)
		curl_easy_cleanup(c->jar);
	if (c->share)
		curl_share_cleanup(c->share);
	free(c);
}

int http_cookies_enable(struct http_client *c, char **err)
{
	if (c->share)
		return 0;
	c->share = curl_share_init();
	c->jar = curl_easy_init();
	if (c->share == NULL || c->jar == NULL ||
	    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE) != CURLSHE_OK ||
	    curl_easy_setopt(c->jar, CURLOPT_SHARE, c->share) != CURLE_OK ||
	    curl_easy_setopt(c->jar, CURLOPT_COOKIEFILE, "") != CURLE_OK) {
		if (c->jar)
			curl_easy_cleanup(c->jar);
		if (c->share)
			curl_share_cleanup(c->share);
		c->jar = NULL;
		c->share = NULL;
		return fg_error(err, "forum %s: cannot create a cookie jar", c->f->name);
	}
	return 0;
}

char *http_cookies_export(struct http_client *c)
{
	struct curl_slist *list = NULL;
	if (c->jar == NULL || curl_easy_getinfo(c->jar, CURLINFO_COOKIELIST, &list) != CURLE_OK)
		return NULL;
	struct buf b = BUF_INIT;
	for (struct curl_slist *l = list; l; l = l->next) {
		buf_adds(&b, l->data);
		buf_addc(&b, '\n');
	}
	curl_slist_free_all(list);
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

void http_cookies_import(struct http_client *c, const char *lines)
{
	if (c->jar == NULL || lines == NULL)
		return;
	while (*lines) {
		size_t n = strcspn(lines, "\r\n");
		/* a Netscape line has 7 tab-separated fields; anything else
		 * (a damaged cursor) is left out rather than handed to curl
		 * as a Set-Cookie: or command line */
		size_t tabs = 0;
		for (size_t i = 0; i < n; i++)
			tabs += lines[i] == '\t';
		if (tabs == 6) {
			char *one = xstrndup(lines, n);
			curl_easy_setopt(c->jar, CURLOPT_COOKIELIST, one);
			free(one);
		}
		lines += n;
		lines += strspn(lines, "\r\n");
	}
}

void http_cookies_clear(struct http_client *c)
{
	if (c->jar)
		curl_easy_setopt(c->jar, CURLOPT_COOKIELIST, "ALL");
}

void http_response_clear(struct http_response *rs)
{
	free(rs->etag);
	free(rs->last_modified);
	free(rs->content_type);
	free(rs->location);
	free(rs->body);
	memset(rs, 0, sizeof *rs);
	rs->retry_after = -1;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb;
	if (x->body.len + n > x->c->lim.max_body) {
		x->too_big = 1;
		return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
	}
	buf_add(&x->body, p, n);
	return n;
}

/* Seconds from a Retry-After value (delta-seconds or an HTTP date); -1 if
 * it is neither. */
static long retry_after_parse(const char *v)
{
	size_t n = strlen(v);
	if (n > 0 && n < 10 && strspn(v, "0123456789") == n)
		return strtol(v, NULL, 10);
	time_t when = curl_getdate(v, NULL);
	if (when == (time_t)-1)
		return -1;
	time_t now = time(NULL);
	return when > now ? (long)(when - now) : 0;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	struct http_response *rs = x->rs;
	size_t n = size * nmemb;
	if (n >= 5 && !strncmp(p, "HTTP/", 5)) {
		/* a new response (after 100 Continue): forget the last one's */
		long status = rs->status;
		char *body = rs->body;
		rs->body = NULL;
		http_response_clear(rs);
		rs->status = status;
		rs->body = body;
		return n;
	}
	const char *colon = memchr(p, ':', n);
	if (colon == NULL)
		return n;
	size_t klen = (size_t)(colon - p);
	const char *v = colon + 1, *e = p + n;
	while (v < e && (*v == ' ' || *v == '\t'))
		v++;
	while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\t'))
		e--;
	char **slot = NULL;
	if (klen == 4 && !strncasecmp(p, "ETag", 4))
		slot = &rs->etag;
	else if (klen == 13 && !strncasecmp(p, "Last-Modified", 13))
		slot = &rs->last_modified;
	else if (klen == 12 && !strncasecmp(p, "Content-Type", 12))
		slot = &rs->content_type;
	else if (klen == 8 && !strncasecmp(p, "Location", 8))
		slot = &rs->location;
	else if (klen == 11 && !strncasecmp(p, "Retry-After", 11)) {
		char *s = xstrndup(v, (size_t)(e - v));
		rs->retry_after = retry_after_parse(s);
		free(s);
		return n;
	}
	if (slot) {
		free(*slot);
		*slot = xstrndup(v, (size_t)(e - v));
	}
	return n;
}

static void xfer_release(struct xfer *x)
{
	if (x->easy) {
		curl_multi_remove_handle(x->c->multi, x->easy);
		curl_easy_cleanup(x->easy);
		x->easy = NULL;
	}
	curl_slist_free_all(x->hdrs);
	x->hdrs = NULL;
}

static void xfer_fail(struct xfer *x, char *msg)
{
	xfer_release(x);
	buf_free(&x->body);
	free(*x->err);
	*x->err = msg;
	x->state = X_DONE;
}

static int xfer_start(struct xfer *x)
{
	struct http_client *c = x->c;
	const struct http_request *rq = x->rq;
	const struct cfg_forum *f = c->f;
	http_response_clear(x->rs);
	buf_free(&x->body);
	x->too_big = 0;
	x->errbuf[0] = '\0';
	CURL *e = x->easy = curl_easy_init();
	if (e == NULL) {
		xfer_fail(x, xasprintf("forum %s: %s: cannot create a transfer", f->name, rq->url));
		return -1;
	}
	for (const char *const *h = rq->headers; h && *h; h++)
		x->hdrs = curl_slist_append(x->hdrs, *h);
	if (rq->etag) {
		char *h = xasprintf("If-None-Match: %s", rq->etag);
		x->hdrs = curl_slist_append(x->hdrs, h);
		free(h);
	}
	if (rq->last_modified) {
		char *h = xasprintf("If-Modified-Since: %s", rq->last_modified);
		x->hdrs = curl_slist_append(x->hdrs, h);
		free(h);
	}
	curl_easy_setopt(e, CURLOPT_URL, rq->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_USERAGENT, HTTP_USER_AGENT);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT,
			 (long)(f->connect_timeout > 0 ? f->connect_timeout : 15));
	curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)(f->timeout > 0 ? f->timeout : 60));
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (f->tls_ca)
		curl_easy_setopt(e, CURLOPT_CAINFO, f->tls_ca);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->lim.max_body);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	if (c->share && !rq->anonymous) {
		curl_easy_setopt(e, CURLOPT_SHARE, c->share);
		curl_easy_setopt(e, CURLOPT_COOKIEFILE, "");
	}
	if (rq->referer)
		curl_easy_setopt(e, CURLOPT_REFERER, rq->referer);
	if (rq->body) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, rq->body);
	}
	if (rq->method && strcmp(rq->method, rq->body ? "POST" : "GET"))
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, rq->method);
	if (curl_multi_add_handle(c->multi, e) != CURLM_OK) {
		xfer_fail(x,
			  xasprintf("forum %s: %s: cannot start the transfer", f->name, rq->url));
		return -1;
	}
	x->state = X_RUN;
	return 0;
}

/* The message for a transfer that ended without a usable response. */
static char *xfer_error(const struct xfer *x, CURLcode rc)
{
	const struct cfg_forum *f = x->c->f;
	const char *why = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
		if (f->tls_ca)
			return xasprintf(
				"forum %s: %s: TLS certificate not trusted (%s); it is not "
				"signed by tls_ca %s",
				f->name, x->rq->url, why, f->tls_ca);
		return xasprintf("forum %s: %s: TLS certificate not trusted (%s); if the forum "
				 "uses a private CA, set tls_ca: /path/to/ca.pem for forum %s",
				 f->name, x->rq->url, why, f->name);
	case CURLE_SSL_CACERT_BADFILE:
		return xasprintf("forum %s: tls_ca %s: cannot be read as PEM CA certificates (%s)",
				 f->name, f->tls_ca ? f->tls_ca : "(system store)", why);
	case CURLE_OPERATION_TIMEDOUT:
		return xasprintf("forum %s: %s: timed out (%s)", f->name, x->rq->url, why);
	case CURLE_WRITE_ERROR:
	case CURLE_FILESIZE_EXCEEDED:
		if (x->too_big || rc == CURLE_FILESIZE_EXCEEDED)
			return xasprintf("forum %s: %s: response larger than %zu bytes", f->name,
					 x->rq->url, x->c->lim.max_body);
		break;
	default:
		break;
	}
	return xasprintf("forum %s: %s: %s", f->name, x->rq->url, why);
}

/* A finished transfer: done, or waiting for a retry. */
static void xfer_finish(struct xfer *x, CURLcode rc, double now)
{
	struct http_client *c = x->c;
	if (rc != CURLE_OK) {
		char *msg = xfer_error(x, rc);
		xfer_fail(x, msg);
		x->rs->status = 0;
		return;
	}
	long status = 0;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	x->rs->status = status;
	xfer_release(x);
	if (status == 429 || status == 503) {
		long wait = x->rs->retry_after >= 0 ? x->rs->retry_after : 1L << x->attempts;
		if (x->attempts < c->lim.max_retries && wait <= c->lim.max_wait) {
			x->attempts++;
			x->not_before = now + (double)wait;
			x->state = X_WAIT;
			return;
		}
		/* too long to wait here: the forum is left alone until then */
		if (now + (double)wait > c->blocked_until) {
			c->blocked_until = now + (double)wait;
			blocked_set(c->f->name, c->blocked_until);
		}
		if (x->rs->retry_after < 0)
			x->rs->retry_after = wait;
	}
	x->rs->body_len = x->body.len;
	x->rs->body = x->body.p ? buf_detach(&x->body) : xstrdup("");
	x->state = X_DONE;
}

size_t http_request_many(struct http_client *c, const struct http_request *rq,
			 struct http_response *rs, char **errs, size_t n)
{
	const struct cfg_forum *f = c->f;
	struct xfer *xs = xcalloc(n ? n : 1, sizeof *xs);
	for (size_t i = 0; i < n; i++) {
		xs[i] = (struct xfer){.c = c, .rq = &rq[i], .rs = &rs[i], .err = &errs[i]};
		errs[i] = NULL;
		memset(&rs[i], 0, sizeof rs[i]);
		rs[i].retry_after = -1;
	}
	int conc = f->max_concurrent > 0 ? f->max_concurrent : 4;
	double gap = 1.0 / (f->max_requests_per_second > 0 ? f->max_requests_per_second : 5);
	size_t left = n, failed = 0;
	while (left > 0) {
		double now = mono();
		int running = 0;
		for (size_t i = 0; i < n; i++)
			running += xs[i].state == X_RUN;
		/* start what the limits allow, in order */
		for (size_t i = 0; i < n && running < conc; i++) {
			struct xfer *x = &xs[i];
			if (x->state != X_WAIT || x->not_before > now)
				continue;
			if (c->blocked_until > now && x->attempts == 0) {
				xfer_fail(
					x,
					xasprintf(
						"forum %s: %s: not asked: the forum asked to wait "
						"%.0f s more (Retry-After)",
						f->name, rq[i].url, c->blocked_until - now));
				left--;
				continue;
			}
			if (now < c->next_start)
				break;
			c->next_start = (c->next_start > now - gap ? c->next_start : now) + gap;
			if (xfer_start(x) != 0) {
				left--;
				continue;
			}
			running++;
		}
		int still = 0;
		curl_multi_perform(c->multi, &still);
		CURLMsg *m;
		int queued;
		while ((m = curl_multi_info_read(c->multi, &queued)) != NULL) {
			if (m->msg != CURLMSG_DONE)
				continue;
			char *priv = NULL;
			CURLcode rc = m->data.result;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
			struct xfer *x = (struct xfer *)(void *)priv;
			xfer_finish(x, rc, mono());
			if (x->state == X_DONE)
				left--;
		}
		if (left == 0)
			break;
		/* sleep until curl has work, a wait ends or the next start is due */
		now = mono();
		double wake = now + 1.0;
		for (size_t i = 0; i < n; i++) {
			if (xs[i].state != X_WAIT)
				continue;
			double t = xs[i].not_before > c->next_start ? xs[i].not_before
								    : c->next_start;
			if (t < wake)
				wake = t;
		}
		int ms = wake > now ? (int)((wake - now) * 1000) + 1 : 0;
		curl_multi_poll(c->multi, NULL, 0, ms, NULL);
	}
	for (size_t i = 0; i < n; i++) {
		xfer_release(&xs[i]);
		buf_free(&xs[i].body);
		if (errs[i])
			failed++;
	}
	free(xs);
	return failed;
}

int http_request(struct http_client *c, const struct http_request *rq, struct http_response *rs,
		 char **err)
{
	char *e = NULL;
	if (http_request_many(c, rq, rs, &e, 1) == 0)
		return 0;
	if (err)
		*err = e;
	else
		free(e);
	return -1;
}
