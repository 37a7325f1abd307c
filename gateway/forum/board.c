/*
 * board: the live connector for boards without an API (vBulletin, phpBB,
 * XenForo, MyBB): their pages are the interface, read the way a member
 * reads them, through the engine's page parser (board.h) chosen by the
 * forum's type.
 *
 * A pass: robots.txt (unless the operator owns the board), a login when
 * one is configured and the cookie session is gone, the forum index, then
 * each followed forum's thread list, newest last post first, walked until
 * its threads are older than what the cursor saw (sticky threads, listed on
 * every page, never end the walk). A thread whose reply count or last post
 * moved is fetched from the page that held the last post seen to its new
 * last page: old pages are not fetched again. A thread whose reply count
 * went down, or whose last-seen post is no longer where it was (posts
 * deleted before it), is fetched whole and handed to sync as complete, so
 * sync withdraws the stored posts that are gone. The engine's feed (vB
 * external.php, phpBB's Atom), asked conditionally, tells cheaply that
 * nothing is new: the lists are then walked only every list_interval
 * seconds (deletions and edits do not show in feeds).
 *
 * Politeness: one request at a time whatever max_concurrent says, at least
 * request_delay ms apart (raised to robots.txt's Crawl-delay), 429/503 and
 * Retry-After through http.c, conditional requests for feeds and the first
 * page of each thread list.
 *
 * Nothing half-written: the pages of a thread are all fetched and parsed
 * before it is handed on; a page that does not parse (template drift) ends
 * that forum's pass with an error naming the page, the other forums go on.
 *
 * The cursor is lines (opaque to sync, which stores it with the data):
 *   board 1
 *   pp N                 posts per thread page (learnt from a full page)
 *   walk T               last time the lists were walked
 *   feed ETAG\tLASTMOD   the feed's validators ("-" for none)
 *   bf START CUTOFF LEFT a first sync in progress (its limit's reference)
 *   f ID TIME ETAG\tLASTMOD   a forum: newest last post seen, list validators
 *   t ID FORUM REPLIES LASTPOST LASTPOSTID   a thread as last delivered
 *   user NAME            whose session the cookies are
 *   c NETSCAPE-COOKIE-LINE                  the login session
 *   lf UNTIL FP REASON   a refused login, not tried again before UNTIL
 * One "t" line a thread (about 40 bytes) is the price of fetching only new
 * pages and of noticing deletions.
 *
 * Login failures (wrong password, CAPTCHA) are remembered per process for
 * an hour, or until the user or the password file's content changes: a
 * board that locks accounts after a few failures never sees a loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "board.h"
#include "board_conn.h"
#include "board_date.h"
#include "forumgate/article.h"
#include "forumgate/buf.h"
#include "forumgate/connector.h"
#include "forumgate/http.h"
#include "forumgate/log.h"
#include "forumgate/text.h"
#include "robots.h"

#define BD_AGENT "forumgate"  /* our product token in robots.txt */
#define BD_LIST_PAGES 1000    /* thread-list pages one forum walk reads at most */
#define BD_THREAD_PAGES 5000  /* pages of one thread at most */
#define BD_LOGIN_BACKOFF 3600 /* seconds before a failed login is tried again */
#define BD_CHECKPOINT_SECS 2  /* a backfill's checkpoints at most this often */
#define BD_REDIRECTS 3

struct board_cfg {
	int request_delay; /* ms */
	int owner;
	char *user;
	char *password_file;
	int posting;
	char *forums;
	int list_interval;
	char *date_order;
};

static const struct cfg_conn_key bd_keys[] = {
	{.key = "request_delay",
	 .type = CFG_CONN_INT,
	 .off = offsetof(struct board_cfg, request_delay),
	 .min = 0,
	 .max = 600000,
	 .idef = 1000},
	{.key = "owner", .type = CFG_CONN_BOOL, .off = offsetof(struct board_cfg, owner)},
	{.key = "user", .type = CFG_CONN_STR, .off = offsetof(struct board_cfg, user)},
	{.key = "password_file",
	 .type = CFG_CONN_STR,
	 .flags = CFG_CONN_FILE,
	 .off = offsetof(struct board_cfg, password_file)},
	{.key = "posting", .type = CFG_CONN_BOOL, .off = offsetof(struct board_cfg, posting)},
	{.key = "forums", .type = CFG_CONN_STR, .off = offsetof(struct board_cfg, forums)},
	{.key = "list_interval",
	 .type = CFG_CONN_INT,
	 .off = offsetof(struct board_cfg, list_interval),
	 .min = 0,
	 .max = 86400 * 7,
	 .idef = 900},
	{.key = "date_order", .type = CFG_CONN_STR, .off = offsetof(struct board_cfg, date_order)},
};

static const struct cfg_conn_section bd_section = {
	.name = "board",
	.size = sizeof(struct board_cfg),
	.keys = bd_keys,
	.nkeys = sizeof bd_keys / sizeof *bd_keys,
	.required = 0,
};

/* ---- state ---- */

struct bd_forum {
	char *id, *title, *group;
	int64_t time;     /* newest last post seen (cursor) */
	int64_t old_time; /* time when the pass began */
	int members_only; /* a guest does not see it (a login is configured) */
	char *etag, *lm;  /* validators of its list's first page */
};

struct bd_thread {
	char *id, *forum;
	long replies;
	int64_t last_post;
	char *last_post_id;
};

struct bd {
	const struct cfg_forum *f;
	struct board_cfg cfg; /* the section, or its defaults */
	const struct board_engine *eng;
	struct http_client *http;
	char *base; /* ends with '/' */
	char *password;
	struct robots robots;
	long delay_ms;
	double last_request; /* monotonic */
	int logged_in, relogged;
	int told_to_wait;            /* a 429/503 this pass: ask nothing more */
	struct board_date_ctx dates; /* the board's zone, the pass's now */
	/* a refused login (cursor "lf"): not tried again before lf_until
	 * with the same credentials */
	int64_t lf_until;
	uint64_t lf_fp;
	char *lf_reason;

	/* cursor */
	int pp;
	int64_t walk;
	char *feed_etag, *feed_lm;
	int64_t feed_top; /* newest item the feed showed */
	/* what this pass's feed said, kept once the pass has read the lists */
	char *feed_etag_new, *feed_lm_new;
	int64_t feed_top_new;
	int bf;
	int64_t bf_start, bf_cutoff;
	long bf_left;
	struct bd_forum *forums;
	size_t nforums;
	struct bd_thread *threads;
	size_t nthreads, cthreads;
};

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_secs(double s)
{
	if (s <= 0)
		return;
	struct timespec ts = {.tv_sec = (time_t)s,
			      .tv_nsec = (long)((s - (double)(time_t)s) * 1e9)};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* ---- login failures, per process ---- */

#define BD_FAILS 32
static struct bd_fail {
	char *forum, *reason;
	uint64_t fp;
	time_t until;
} login_fails[BD_FAILS];
static pthread_mutex_t login_fails_lock = PTHREAD_MUTEX_INITIALIZER;

/* What a failed login is remembered by: the user and the password
 * file's identity (inode, size, mtime), never the password itself (the
 * fingerprint is kept in the cursor, in the store). */
static uint64_t login_fp(const struct board_cfg *c)
{
	struct stat sb;
	char meta[128] = "";
	if (c->password_file && stat(c->password_file, &sb) == 0)
		snprintf(meta, sizeof meta, "%llu/%lld/%lld.%ld", (unsigned long long)sb.st_ino,
			 (long long)sb.st_size, (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec);
	uint64_t h = 1469598103934665603ULL;
	for (const char *s = c->user; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (const char *s = meta; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The reason a login of these credentials failed less than an hour ago
 * (malloc'd), or NULL. */
static char *login_fail_get(const char *forum, uint64_t fp, time_t now)
{
	char *r = NULL;
	pthread_mutex_lock(&login_fails_lock);
	for (size_t i = 0; i < BD_FAILS && !r; i++) {
		struct bd_fail *x = &login_fails[i];
		if (x->forum && x->until > now && x->fp == fp && strcmp(x->forum, forum) == 0)
			r = xasprintf("%s; not tried again for %ld min, or until board.user or the "
				      "password file changes",
				      x->reason, (long)(x->until - now + 59) / 60);
	}
	pthread_mutex_unlock(&login_fails_lock);
	return r;
}

static void login_fail_put(const char *forum, uint64_t fp, const char *reason, time_t now)
{
	pthread_mutex_lock(&login_fails_lock);
	struct bd_fail *slot = &login_fails[0];
	for (size_t i = 0; i < BD_FAILS; i++) {
		if (login_fails[i].forum && strcmp(login_fails[i].forum, forum) == 0) {
			slot = &login_fails[i];
			break;
		}
		if (login_fails[i].until < slot->until)
			slot = &login_fails[i];
	}
	free(slot->forum);
	free(slot->reason);
	slot->forum = xstrdup(forum);
	slot->reason = xstrdup(reason);
	slot->fp = fp;
	slot->until = now + BD_LOGIN_BACKOFF;
	pthread_mutex_unlock(&login_fails_lock);
}

/* ---- open / close ---- */

static int read_password(const char *path, char **out, char **err)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fg_error(err, "%s: %s", path, strerror(errno));
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof buf - 1);
	int e = errno;
	close(fd);
	if (n < 0)
		return fg_error(err, "%s: %s", path, strerror(e));
	buf[n] = 0;
	buf[strcspn(buf, "\r\n")] = 0;
	if (!buf[0])
		return fg_error(err, "%s: empty", path);
	*out = xstrdup(buf);
	return 0;
}

static void cursor_reset(struct bd *b)
{
	for (size_t i = 0; i < b->nforums; i++) {
		free(b->forums[i].id);
		free(b->forums[i].title);
		free(b->forums[i].group);
		free(b->forums[i].etag);
		free(b->forums[i].lm);
	}
	free(b->forums);
	b->forums = NULL;
	b->nforums = 0;
	for (size_t i = 0; i < b->nthreads; i++) {
		free(b->threads[i].id);
		free(b->threads[i].forum);
		free(b->threads[i].last_post_id);
	}
	free(b->threads);
	b->threads = NULL;
	b->nthreads = b->cthreads = 0;
	free(b->feed_etag);
	free(b->feed_lm);
	b->feed_etag = b->feed_lm = NULL;
	free(b->feed_etag_new);
	free(b->feed_lm_new);
	b->feed_etag_new = b->feed_lm_new = NULL;
	b->feed_top = b->feed_top_new = 0;
	b->pp = 0;
	b->walk = 0;
	b->bf = 0;
	free(b->lf_reason);
	b->lf_reason = NULL;
	b->lf_until = 0;
	b->lf_fp = 0;
}

static void bd_close(void *state)
{
	struct bd *b = state;
	if (!b)
		return;
	cursor_reset(b);
	robots_free(&b->robots);
	http_client_free(b->http);
	if (b->password) {
		explicit_bzero(b->password, strlen(b->password));
		free(b->password);
	}
	free(b->base);
	free(b);
}

static int bd_open(const struct cfg_forum *f, const char *path, void **state, char **err)
{
	(void)path;
	const struct board_engine *eng = board_engine(f->type);
	if (!eng)
		return fg_error(err, "forum %s: no %s page parser in this build", f->name, f->type);
	if (!f->url || !*f->url)
		return fg_error(err, "forum %s: a %s forum needs url (the board's base URL)",
				f->name, f->type);
	struct bd *b = xcalloc(1, sizeof *b);
	b->f = f;
	b->eng = eng;
	if (f->conn) {
		b->cfg = *(const struct board_cfg *)f->conn;
	} else {
		b->cfg.request_delay = 1000;
		b->cfg.list_interval = 900;
	}
	size_t l = strlen(f->url);
	b->base = f->url[l - 1] == '/' ? xstrdup(f->url) : xasprintf("%s/", f->url);
	b->delay_ms = b->cfg.request_delay;
	robots_parse(NULL, 0, BD_AGENT, &b->robots);
	b->dates.tz = f->timezone;
	b->dates.now = (int64_t)time(NULL);
	const char *order = b->cfg.date_order;
	if (order && strcasecmp(order, "mdy") && strcasecmp(order, "dmy") &&
	    strcasecmp(order, "ymd")) {
		bd_close(b);
		return fg_error(err, "forum %s: board.date_order \"%s\": one of mdy (US), dmy, ymd",
				f->name, order);
	}
	b->dates.order = !order                      ? BOARD_DATE_GUESS
			 : !strcasecmp(order, "mdy") ? BOARD_DATE_MDY
			 : !strcasecmp(order, "dmy") ? BOARD_DATE_DMY
						     : BOARD_DATE_YMD;
	if (b->cfg.user && !b->cfg.password_file) {
		bd_close(b);
		return fg_error(err,
				"forum %s: board.user needs board.password_file (the password "
				"is read from a file, never from the configuration)",
				f->name);
	}
	if (b->cfg.password_file) {
		char *e = NULL;
		if (!b->cfg.user) {
			bd_close(b);
			return fg_error(err, "forum %s: board.password_file needs board.user",
					f->name);
		}
		if (read_password(b->cfg.password_file, &b->password, &e) < 0) {
			fg_error(err, "forum %s: board.password_file %s", f->name, e);
			free(e);
			bd_close(b);
			return -1;
		}
	}
	if (http_client_new(f, NULL, &b->http, err) < 0 || http_cookies_enable(b->http, err) < 0) {
		bd_close(b);
		return -1;
	}
	*state = b;
	return 0;
}

/* ---- requests ---- */

/* "https://host:port" of url (malloc'd). */
static char *url_origin(const char *url)
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	return xstrndup(url, (size_t)(p - url) + strcspn(p, "/?#"));
}

/* The path and query of url ("/forum/showthread.php?t=1"). */
static const char *url_path(const char *url)
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	p += strcspn(p, "/?#");
	return *p ? p : "/";
}

/* One request, politely: robots.txt asked, request_delay kept. Returns 0
 * with a response of any status but 429/5xx; -1 and *err (naming the forum
 * and URL) for those, for no response and for a URL robots.txt refuses. */
static int bd_request(struct bd *b, const struct http_request *rq, struct http_response *rs,
		      char **err)
{
	memset(rs, 0, sizeof *rs);
	rs->retry_after = -1;
	if (!b->cfg.owner && !robots_allowed(&b->robots, url_path(rq->url)))
		return fg_error(err,
				"forum %s: %s: disallowed by the board's robots.txt for "
				"User-agent %s (set board.owner: true if you run the board)",
				b->f->name, rq->url, BD_AGENT);
	double wait = b->last_request + (double)b->delay_ms / 1000.0 - mono();
	sleep_secs(wait);
	char *e = NULL;
	int rc = http_request(b->http, rq, rs, &e);
	b->last_request = mono();
	if (rc < 0) {
		if (strstr(e, "Retry-After"))
			b->told_to_wait = 1; /* http.c waits out an earlier one */
		fg_error(err, "%s", e);
		free(e);
		return -1;
	}
	if (rs->status == 429 || rs->status >= 500) {
		if (rs->status == 429 || rs->status == 503)
			b->told_to_wait = 1;
		if (rs->retry_after > 0)
			fg_error(err, "forum %s: %s: HTTP %ld, retry after %ld s", b->f->name,
				 rq->url, rs->status, rs->retry_after);
		else
			fg_error(err, "forum %s: %s: HTTP %ld", b->f->name, rq->url, rs->status);
		http_response_clear(rs);
		return -1;
	}
	return 0;
}

/* GET url following up to BD_REDIRECTS redirects on the board's own
 * origin; *final the URL answered (malloc'd). */
static int bd_get(struct bd *b, const char *url, const char *etag, const char *lm,
		  struct http_response *rs, char **final, char **err)
{
	char *cur = xstrdup(url);
	char *origin = url_origin(b->base);
	for (int hop = 0;; hop++) {
		struct http_request rq = {.url = cur, .etag = etag, .last_modified = lm};
		if (bd_request(b, &rq, rs, err) < 0)
			goto fail;
		if (rs->status < 300 || rs->status >= 400 || rs->status == 304 || !rs->location ||
		    hop == BD_REDIRECTS)
			break;
		struct board_page tmp = {.url = cur};
		char *next = board_page_url(&tmp, rs->location);
		char *norigin = next ? url_origin(next) : NULL;
		int same = norigin && strcasecmp(norigin, origin) == 0;
		free(norigin);
		if (!same) {
			free(next);
			break;
		}
		http_response_clear(rs);
		free(cur);
		cur = next;
		etag = lm = NULL;
	}
	free(origin);
	if (final)
		*final = cur;
	else
		free(cur);
	return 0;
fail:
	free(origin);
	free(cur);
	return -1;
}

static int bd_robots(struct bd *b, char **err)
{
	if (b->cfg.owner)
		return 0;
	char *origin = url_origin(b->base);
	char *url = xasprintf("%s/robots.txt", origin);
	free(origin);
	struct http_response rs;
	char *e = NULL;
	int rc = bd_get(b, url, NULL, NULL, &rs, NULL, &e);
	robots_free(&b->robots);
	if (rc < 0) {
		/* RFC 9309 2.3.1.4: unreachable means assume complete disallow */
		fg_error(err, "forum %s: %s: robots.txt cannot be read, so nothing is fetched (%s)",
			 b->f->name, url, e ? e : "?");
		free(e);
		free(url);
		return -1;
	}
	free(url);
	if (rs.status == 200)
		robots_parse(rs.body, rs.body_len, BD_AGENT, &b->robots);
	else
		robots_parse(NULL, 0, BD_AGENT, &b->robots); /* 4xx: no rules */
	http_response_clear(&rs);
	b->delay_ms = b->cfg.request_delay;
	if (b->robots.crawl_delay_ms > b->delay_ms)
		b->delay_ms = b->robots.crawl_delay_ms;
	return 0;
}

/* ---- pages and login ---- */

struct bd_page {
	struct board_page pg;
	struct http_response rs;
	char *url; /* as answered */
	int open;
};

static void bd_page_free(struct bd_page *p)
{
	if (p->open)
		board_page_close(&p->pg);
	http_response_clear(&p->rs);
	free(p->url);
	memset(p, 0, sizeof *p);
}

static int bd_login(struct bd *b, char **err);

/* The error for a page its parser did not read: a login or no-permission
 * page where content was asked (a guest on a members' forum), or template
 * drift. Takes e. Returns -1. */
static int parse_failed(struct bd *b, const struct board_page *pg, char *e, char **err)
{
	enum board_page_kind k = b->eng->kind(pg);
	if ((k == BOARD_PAGE_LOGIN || k == BOARD_PAGE_NO_PERMISSION) && !b->cfg.user)
		fg_error(err,
			 "forum %s: %s: the board shows its %s: the forum needs a member "
			 "account (board.user and board.password_file)",
			 b->f->name, pg->name,
			 k == BOARD_PAGE_LOGIN ? "login form" : "\"no permission\" page");
	else
		fg_error(err,
			 "forum %s: the board's page layout is not what the %s parser knows: %s",
			 b->f->name, b->eng->name, e ? e : pg->name);
	free(e);
	return -1;
}

/* Whether a page tells that we are not (or no longer) logged in. */
static int page_wants_login(const struct bd *b, const struct board_page *pg)
{
	enum board_page_kind k = b->eng->kind(pg);
	if (k == BOARD_PAGE_LOGIN)
		return 1;
	if (!b->cfg.user)
		return 0;
	return k == BOARD_PAGE_NO_PERMISSION || (b->logged_in && b->eng->logged_in(pg) == 0);
}

/* Fetches and opens an HTML page. A page that shows a login where content
 * was asked for logs in (again) once and asks again. *status the HTTP
 * status (a 304 leaves the page closed). */
static int bd_page(struct bd *b, const char *url, const char *etag, const char *lm,
		   struct bd_page *p, char **err)
{
	memset(p, 0, sizeof p[0]);
	for (int attempt = 0;; attempt++) {
		if (bd_get(b, url, etag, lm, &p->rs, &p->url, err) < 0)
			return -1;
		if (p->rs.status == 304)
			return 0;
		board_page_open(&p->pg, p->rs.body, p->rs.body_len, p->url, p->url, &b->dates);
		p->open = 1;
		/* a guest's pages may carry a login box beside the content:
		 * the parser judges them (parse_failed says when it was a login) */
		if (!b->cfg.user || !page_wants_login(b, &p->pg))
			return 0;
		if (attempt > 0 || b->relogged) {
			fg_error(err,
				 "forum %s: %s: still not logged in after logging in again as %s "
				 "(the session is refused; the pass stops)",
				 b->f->name, p->url, b->cfg.user);
			bd_page_free(p);
			return -1;
		}
		log_info("forum %s: %s: the session has expired; logging in again", b->f->name,
			 p->url);
		bd_page_free(p);
		b->relogged = 1;
		b->logged_in = 0;
		http_cookies_clear(b->http);
		if (bd_login(b, err) < 0)
			return -1;
		etag = lm = NULL;
	}
}

static int bd_login(struct bd *b, char **err)
{
	const char *forum = b->f->name;
	uint64_t fp = login_fp(&b->cfg);
	time_t now = time(NULL);
	char *known = login_fail_get(forum, fp, now);
	if (!known && b->lf_until > now && b->lf_fp == fp)
		known = xasprintf("%s; not tried again for %ld min, or until board.user or the "
				  "password file changes",
				  b->lf_reason ? b->lf_reason : "refused",
				  (long)(b->lf_until - now + 59) / 60);
	if (known) {
		fg_error(err, "forum %s: login as %s: %s", forum, b->cfg.user, known);
		free(known);
		return -1;
	}
	char *lurl = b->eng->login_url(b->base);
	struct bd_page p;
	memset(&p, 0, sizeof p);
	struct board_form form = {0};
	struct http_response rs = {0};
	char *e = NULL, *reason = NULL;
	int rc = -1;
	if (bd_get(b, lurl, NULL, NULL, &p.rs, &p.url, err) < 0)
		goto out;
	if (p.rs.status != 200) {
		fg_error(err, "forum %s: %s: HTTP %ld for the login page", forum, lurl,
			 p.rs.status);
		goto out;
	}
	board_page_open(&p.pg, p.rs.body, p.rs.body_len, p.url, p.url, &b->dates);
	p.open = 1;
	if (b->eng->kind(&p.pg) == BOARD_PAGE_CAPTCHA) {
		reason = xstrdup("the board wants a CAPTCHA solved (log in once in a browser, "
				 "or ask the board's admin to exempt the account)");
		goto refused;
	}
	if (b->eng->login_form(&p.pg, b->cfg.user, b->password, &form, &e) < 0) {
		fg_error(err, "forum %s: %s: no login form: %s", forum, p.url, e ? e : "?");
		goto out;
	}
	char *body = board_form_encode(&form);
	struct http_request rq = {.method = "POST",
				  .url = form.action,
				  .body = body,
				  .body_len = strlen(body),
				  .referer = p.url};
	int r = bd_request(b, &rq, &rs, err);
	explicit_bzero(body, strlen(body));
	free(body);
	if (r < 0)
		goto out;
	/* the answer, or the page it redirects to */
	struct bd_page res;
	memset(&res, 0, sizeof res);
	if (rs.status >= 300 && rs.status < 400 && rs.location) {
		struct board_page tmp = {.url = form.action};
		char *next = board_page_url(&tmp, rs.location);
		if (!next || bd_get(b, next, NULL, NULL, &res.rs, &res.url, err) < 0) {
			if (!next)
				fg_error(err, "forum %s: login: redirected to %s", forum,
					 rs.location);
			free(next);
			goto out;
		}
		free(next);
	} else {
		res.rs = rs;
		memset(&rs, 0, sizeof rs);
		res.url = xstrdup(form.action);
	}
	board_page_open(&res.pg, res.rs.body, res.rs.body_len, res.url, res.url, &b->dates);
	res.open = 1;
	int ok = b->eng->login_result(&res.pg, &e);
	if (ok == 1) {
		b->logged_in = 1;
		log_info("forum %s: logged in as %s", forum, b->cfg.user);
		rc = 0;
	} else if (b->eng->kind(&res.pg) == BOARD_PAGE_CAPTCHA && !e) {
		reason = xstrdup("the board wants a CAPTCHA solved");
	} else {
		reason = xstrdup(e ? e : "the board did not accept the login");
	}
	bd_page_free(&res);
	if (rc == 0 || !reason)
		goto out;
refused:
	login_fail_put(forum, fp, reason, now);
	b->lf_until = now + BD_LOGIN_BACKOFF;
	b->lf_fp = fp;
	free(b->lf_reason);
	b->lf_reason = xstrdup(reason);
	for (char *c = b->lf_reason; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	fg_error(err,
		 "forum %s: login as %s refused: %s; not tried again for %d min, or until "
		 "board.user or the password file changes",
		 forum, b->cfg.user, reason, BD_LOGIN_BACKOFF / 60);
out:
	free(reason);
	free(e);
	http_response_clear(&rs);
	board_form_clear(&form);
	bd_page_free(&p);
	free(lurl);
	return rc;
}

/* Logged in when configured: the session from the cursor, else a login. */
static int bd_session(struct bd *b, char **err)
{
	if (!b->cfg.user || b->logged_in)
		return 0;
	char *jar = http_cookies_export(b->http);
	if (jar) {
		/* a session from the cursor: trusted until a page says otherwise */
		free(jar);
		b->logged_in = 1;
		return 0;
	}
	return bd_login(b, err);
}

/* ---- the cursor ---- */

static struct bd_forum *forum_get(struct bd *b, const char *id, int add)
{
	for (size_t i = 0; i < b->nforums; i++)
		if (strcmp(b->forums[i].id, id) == 0)
			return &b->forums[i];
	if (!add)
		return NULL;
	b->forums = xrealloc(b->forums, (b->nforums + 1) * sizeof *b->forums);
	struct bd_forum *f = &b->forums[b->nforums++];
	memset(f, 0, sizeof *f);
	f->id = xstrdup(id);
	/* until a guest's view says otherwise (guest_view) */
	f->members_only = b->cfg.user != NULL;
	return f;
}

static int cmp_thread(const void *a, const void *b)
{
	return strcmp(((const struct bd_thread *)a)->id, ((const struct bd_thread *)b)->id);
}

/* Threads stay sorted by id: a board has many and each pass asks often. */
static struct bd_thread *thread_get(struct bd *b, const char *id)
{
	struct bd_thread key = {.id = (char *)id};
	return b->nthreads ? bsearch(&key, b->threads, b->nthreads, sizeof *b->threads, cmp_thread)
			   : NULL;
}

static struct bd_thread *thread_put(struct bd *b, const char *id)
{
	struct bd_thread *t = thread_get(b, id);
	if (t)
		return t;
	if (b->nthreads == b->cthreads) {
		b->cthreads = b->cthreads ? b->cthreads * 2 : 64;
		b->threads = xrealloc(b->threads, b->cthreads * sizeof *b->threads);
	}
	size_t i = b->nthreads;
	while (i > 0 && strcmp(b->threads[i - 1].id, id) > 0)
		i--;
	memmove(&b->threads[i + 1], &b->threads[i], (b->nthreads - i) * sizeof *b->threads);
	b->nthreads++;
	memset(&b->threads[i], 0, sizeof b->threads[i]);
	b->threads[i].id = xstrdup(id);
	b->threads[i].replies = -1;
	return &b->threads[i];
}

/* A word of the cursor: no blanks or controls ("-" for none). */
static char *word(const char *s)
{
	return s && *s && strcspn(s, " \t\r\n") == strlen(s) ? xstrdup(s) : NULL;
}

static void split_validators(const char *s, char **etag, char **lm)
{
	free(*etag);
	free(*lm);
	*etag = *lm = NULL;
	if (!s)
		return;
	size_t n = strcspn(s, "\t");
	if (n && !(n == 1 && s[0] == '-'))
		*etag = xstrndup(s, n);
	if (s[n] == '\t' && s[n + 1] && strcmp(s + n + 1, "-") != 0)
		*lm = xstrdup(s + n + 1);
}

static void cursor_read(struct bd *b, const char *cursor)
{
	cursor_reset(b);
	struct buf cookies = BUF_INIT;
	char *session_user = NULL;
	for (const char *s = cursor; s && *s;) {
		size_t n = strcspn(s, "\n");
		char *line = xstrndup(s, n);
		s += n + (s[n] == '\n');
		char id[256], forum[256], lpid[256];
		long long a = 0, c = 0, d = 0;
		long r = 0;
		int used = 0;
		if (!strncmp(line, "c ", 2)) {
			buf_adds(&cookies, line + 2);
			buf_addc(&cookies, '\n');
		} else if (!strncmp(line, "user ", 5)) {
			free(session_user);
			session_user = xstrdup(line + 5);
		} else if (sscanf(line, "pp %lld", &a) == 1) {
			b->pp = a > 0 && a < 10000 ? (int)a : 0;
		} else if (sscanf(line, "walk %lld", &a) == 1) {
			b->walk = a;
		} else if (!strncmp(line, "feed ", 5)) {
			split_validators(line + 5, &b->feed_etag, &b->feed_lm);
		} else if (sscanf(line, "feedtop %lld", &a) == 1) {
			b->feed_top = a;
		} else if (sscanf(line, "lf %lld %llx %n", &a, (unsigned long long *)&c, &used) ==
				   2 &&
			   used > 0) {
			b->lf_until = a;
			b->lf_fp = (uint64_t)c;
			free(b->lf_reason);
			b->lf_reason = xstrdup(line + used);
		} else if (sscanf(line, "bf %lld %lld %lld", &a, &c, &d) == 3) {
			b->bf = 1;
			b->bf_start = a;
			b->bf_cutoff = c;
			b->bf_left = (long)d;
		} else if (sscanf(line, "f %255s %lld %n", id, &a, &used) == 2 && used > 0) {
			struct bd_forum *f = forum_get(b, id, 1);
			f->time = f->old_time = a;
			split_validators(line + used, &f->etag, &f->lm);
		} else if (sscanf(line, "t %255s %255s %ld %lld %255s", id, forum, &r, &a, lpid) ==
			   5) {
			struct bd_thread *t = thread_put(b, id);
			free(t->forum);
			free(t->last_post_id);
			t->forum = xstrdup(forum);
			t->replies = r;
			t->last_post = a;
			t->last_post_id = strcmp(lpid, "-") ? xstrdup(lpid) : NULL;
		}
		free(line);
	}
	/* a session of someone else (the config's user changed) is not ours */
	if (cookies.len && b->cfg.user && session_user && strcmp(session_user, b->cfg.user) == 0)
		http_cookies_import(b->http, buf_str(&cookies));
	buf_free(&cookies);
	free(session_user);
}

static char *cursor_write(struct bd *b)
{
	struct buf o = BUF_INIT;
	buf_adds(&o, "board 1\n");
	if (b->pp)
		buf_addf(&o, "pp %d\n", b->pp);
	if (b->walk)
		buf_addf(&o, "walk %" PRId64 "\n", b->walk);
	if (b->feed_etag || b->feed_lm)
		buf_addf(&o, "feed %s\t%s\n", b->feed_etag ? b->feed_etag : "-",
			 b->feed_lm ? b->feed_lm : "-");
	if (b->feed_top)
		buf_addf(&o, "feedtop %" PRId64 "\n", b->feed_top);
	if (b->lf_until > (int64_t)time(NULL))
		buf_addf(&o, "lf %" PRId64 " %llx %s\n", b->lf_until, (unsigned long long)b->lf_fp,
			 b->lf_reason ? b->lf_reason : "");
	if (b->bf)
		buf_addf(&o, "bf %" PRId64 " %" PRId64 " %ld\n", b->bf_start, b->bf_cutoff,
			 b->bf_left);
	for (size_t i = 0; i < b->nforums; i++) {
		const struct bd_forum *f = &b->forums[i];
		if (!f->time && !f->etag && !f->lm)
			continue;
		buf_addf(&o, "f %s %" PRId64 " %s\t%s\n", f->id, f->time, f->etag ? f->etag : "-",
			 f->lm ? f->lm : "-");
	}
	for (size_t i = 0; i < b->nthreads; i++) {
		const struct bd_thread *t = &b->threads[i];
		buf_addf(&o, "t %s %s %ld %" PRId64 " %s\n", t->id, t->forum ? t->forum : "-",
			 t->replies, t->last_post, t->last_post_id ? t->last_post_id : "-");
	}
	if (b->cfg.user && strcspn(b->cfg.user, "\r\n") == strlen(b->cfg.user)) {
		char *jar = http_cookies_export(b->http);
		if (jar)
			buf_addf(&o, "user %s\n", b->cfg.user);
		for (const char *s = jar; s && *s;) {
			size_t n = strcspn(s, "\n");
			buf_adds(&o, "c ");
			buf_add(&o, s, n);
			buf_addc(&o, '\n');
			s += n + (s[n] == '\n');
		}
		free(jar);
	}
	return buf_detach(&o);
}

/* ---- forums ---- */

/* Whether the config follows forum id (board.forums: "12, 15"; none = all). */
static int followed(const struct bd *b, const char *id)
{
	const char *s = b->cfg.forums;
	if (!s || !*s)
		return 1;
	size_t il = strlen(id);
	while (*s) {
		s += strspn(s, " ,\t");
		size_t n = strcspn(s, " ,\t");
		if (n == il && strncmp(s, id, n) == 0)
			return 1;
		s += n;
	}
	return 0;
}

/* The group each forum proposes: <prefix>.<slug of its title>, made
 * unique among the index's forums with "-<id>". */
static void name_groups(struct bd *b)
{
	const char *prefix = b->f->group_prefix ? b->f->group_prefix : b->f->name;
	for (size_t i = 0; i < b->nforums; i++) {
		struct bd_forum *f = &b->forums[i];
		free(f->group);
		f->group = NULL;
		if (!f->title)
			continue;
		char *s = article_group_slug(f->title);
		int clash = 0;
		for (size_t j = 0; j < b->nforums && !clash; j++) {
			if (j == i || !b->forums[j].title)
				continue;
			char *o = article_group_slug(b->forums[j].title);
			clash = strcmp(o, s) == 0;
			free(o);
		}
		if (!*s)
			f->group = xasprintf("%s.f%s", prefix, f->id);
		else if (clash)
			f->group = xasprintf("%s.%s-%s", prefix, s, f->id);
		else
			f->group = xasprintf("%s.%s", prefix, s);
		/* an id that is no newsgroup component leaves it to the slug rule */
		for (const char *p = f->group; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
			      strchr(".+-_", *p))) {
				free(f->group);
				f->group = NULL;
				break;
			}
		free(s);
	}
}

static void forums_from(struct bd *b, const struct board_listing *l)
{
	for (size_t i = 0; i < l->nforums; i++) {
		const struct board_forum *bf = &l->forums[i];
		if (!bf->id || bf->category || bf->link)
			continue;
		struct bd_forum *f = forum_get(b, bf->id, 1);
		if (bf->title) {
			free(f->title);
			f->title = xstrdup(bf->title);
		}
	}
}

/* With a login, which forums a guest does not see on the index: their
 * groups are members-only (what the board keeps for members stays so).
 * A guest index that cannot be read marks every forum so. */
static void guest_view(struct bd *b)
{
	char *url = b->eng->index_url(b->base);
	struct http_request rq = {.url = url, .anonymous = 1};
	struct http_response rs;
	char *e = NULL;
	struct board_listing l = {0};
	int ok = 0;
	if (bd_request(b, &rq, &rs, &e) == 0 && rs.status == 200) {
		struct board_page pg;
		board_page_open(&pg, rs.body, rs.body_len, url, url, &b->dates);
		ok = b->eng->parse_index(&pg, &l, &e) == 0;
		board_page_close(&pg);
	}
	for (size_t i = 0; i < b->nforums; i++) {
		struct bd_forum *f = &b->forums[i];
		int seen = 0;
		for (size_t k = 0; ok && k < l.nforums && !seen; k++)
			seen = l.forums[k].id && strcmp(l.forums[k].id, f->id) == 0;
		f->members_only = !seen;
	}
	board_listing_clear(&l);
	http_response_clear(&rs);
	free(e);
	free(url);
}

/* The index: the forums to walk (b->forums, with titles). */
static int bd_index(struct bd *b, char **err)
{
	char *url = b->eng->index_url(b->base);
	struct bd_page p;
	int rc = bd_page(b, url, NULL, NULL, &p, err);
	free(url);
	if (rc < 0)
		return -1;
	if (p.rs.status != 200) {
		fg_error(err, "forum %s: %s: HTTP %ld for the forum index", b->f->name, p.url,
			 p.rs.status);
		bd_page_free(&p);
		return -1;
	}
	struct board_listing l = {0};
	char *e = NULL;
	if (b->eng->parse_index(&p.pg, &l, &e) < 0) {
		parse_failed(b, &p.pg, e, err);
		board_listing_clear(&l);
		bd_page_free(&p);
		return -1;
	}
	if (b->cfg.user && b->logged_in == 0 && b->eng->logged_in(&p.pg) == 1)
		b->logged_in = 1;
	forums_from(b, &l);
	board_listing_clear(&l);
	bd_page_free(&p);
	if (b->cfg.user)
		guest_view(b);
	return 0;
}

/* ---- threads ---- */

/* A thread chosen for fetching. */
struct bd_todo {
	char *id, *forum, *title;
	long replies;
	int64_t last_post;
	char *last_post_id;
};

struct bd_todos {
	struct bd_todo *v;
	size_t n, cap;
};

static void todos_free(struct bd_todos *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].id);
		free(t->v[i].forum);
		free(t->v[i].title);
		free(t->v[i].last_post_id);
	}
	free(t->v);
	memset(t, 0, sizeof *t);
}

static void todo_add(struct bd_todos *t, const struct board_topic *tp, const char *forum)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].id, tp->id) == 0)
			return; /* a sticky seen on two pages */
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		t->v = xrealloc(t->v, t->cap * sizeof *t->v);
	}
	t->v[t->n++] = (struct bd_todo){
		.id = xstrdup(tp->id),
		.forum = xstrdup(forum),
		.title = tp->title ? xstrdup(tp->title) : NULL,
		.replies = tp->replies,
		.last_post = tp->last_post,
		.last_post_id = tp->last_post_id ? xstrdup(tp->last_post_id) : NULL,
	};
}

/* Whether a listed thread differs from what was delivered. */
static int topic_changed(struct bd *b, const struct board_topic *tp)
{
	const struct bd_thread *t = thread_get(b, tp->id);
	if (!t)
		return 1;
	if (tp->replies >= 0 && tp->replies != t->replies)
		return 1;
	if (tp->last_post && tp->last_post != t->last_post)
		return 1;
	if (tp->last_post_id && (!t->last_post_id || strcmp(tp->last_post_id, t->last_post_id)))
		return 1;
	/* nothing the list shows moved (a list that shows nothing: the
	 * thread is fetched only when it is new to us) */
	return 0;
}

/* Walks forum f's thread list: the changed threads into todo. First sync:
 * those active since the cutoff, at most `limit` (-1 none) besides stickies. */
static int walk_forum(struct bd *b, struct bd_forum *f, int first, struct bd_todos *todo,
		      int64_t *newest, char **err)
{
	long counted = 0;
	long limit = first ? b->bf_left : -1;
	char *next_url = NULL, *etag = NULL, *lm = NULL;
	int rc = -1;
	*newest = f->time;
	for (int page = 1; page <= BD_LIST_PAGES; page++) {
		/* later pages by the list's own "next" link: boards page by
		 * offset and by a size of their own */
		char *url = page == 1 || !next_url ? b->eng->forum_url(b->base, f->id, page)
						   : next_url;
		next_url = NULL;
		struct bd_page p;
		int prc = bd_page(b, url, page == 1 && !first ? f->etag : NULL,
				  page == 1 && !first ? f->lm : NULL, &p, err);
		free(url);
		if (prc < 0)
			goto out;
		if (p.rs.status == 304) {
			bd_page_free(&p);
			return 0; /* the list has not changed: its validators stay */
		}
		if ((p.rs.status == 401 || p.rs.status == 403) && !b->cfg.user) {
			fg_error(err,
				 "forum %s: %s: HTTP %ld: the forum needs a member account "
				 "(board.user and board.password_file)",
				 b->f->name, p.url, p.rs.status);
			bd_page_free(&p);
			goto out;
		}
		if (p.rs.status != 200) {
			fg_error(err, "forum %s: %s: HTTP %ld for a thread list", b->f->name, p.url,
				 p.rs.status);
			bd_page_free(&p);
			goto out;
		}
		if (page == 1) {
			/* the validators are the forum's once the whole walk went well */
			etag = word(p.rs.etag);
			lm = p.rs.last_modified && !strchr(p.rs.last_modified, '\n')
				     ? xstrdup(p.rs.last_modified)
				     : NULL;
		}
		struct board_listing l = {0};
		char *e = NULL;
		if (b->eng->parse_forum(&p.pg, &l, &e) < 0) {
			parse_failed(b, &p.pg, e, err);
			board_listing_clear(&l);
			bd_page_free(&p);
			goto out;
		}
		if (page == 1 && l.ntopics == 0) {
			/* "no threads" where we delivered some: a list the parser
			 * no longer sees (a new style), not a forum emptied */
			size_t known = 0;
			for (size_t k = 0; k < b->nthreads; k++)
				known += b->threads[k].forum &&
					 strcmp(b->threads[k].forum, f->id) == 0;
			if (known > 0) {
				fg_error(err,
					 "forum %s: %s: the page layout is not what the %s parser "
					 "knows: no thread listed, where %zu were before (template "
					 "changed?)",
					 b->f->name, p.url, b->eng->name, known);
				board_listing_clear(&l);
				bd_page_free(&p);
				goto out;
			}
		}
		if (!f->title && l.title)
			f->title = xstrdup(l.title);
		if (page == 1)
			forums_from(b, &l); /* sub-forums */
		int stop = 0;
		for (size_t i = 0; i < l.ntopics; i++) {
			const struct board_topic *tp = &l.topics[i];
			if (!tp->id || tp->moved)
				continue;
			if (tp->last_post > *newest)
				*newest = tp->last_post;
			if (first) {
				if (!tp->sticky && b->bf_cutoff && tp->last_post &&
				    tp->last_post < b->bf_cutoff) {
					stop = 1;
					break;
				}
				if (!tp->sticky && limit >= 0 && counted >= limit) {
					stop = 1;
					break;
				}
				if (!tp->sticky)
					counted++;
				if (topic_changed(b, tp))
					todo_add(todo, tp, f->id);
				continue;
			}
			/* sticky threads are on every page, whatever their age */
			if (!tp->sticky && tp->last_post && f->time && tp->last_post < f->time) {
				stop = 1;
				break;
			}
			if (topic_changed(b, tp))
				todo_add(todo, tp, f->id);
		}
		int more = l.next_url != NULL && l.ntopics > 0 &&
			   (l.pages == 0 || l.page < l.pages);
		if (more) {
			next_url = l.next_url;
			l.next_url = NULL;
		}
		board_listing_clear(&l);
		bd_page_free(&p);
		if (stop || !more)
			break;
	}
	free(f->etag);
	free(f->lm);
	f->etag = etag;
	f->lm = lm;
	etag = lm = NULL;
	rc = 0;
out:
	free(next_url);
	free(etag);
	free(lm);
	return rc;
}

/* The URL of page n of thread id: from the pagination links of a page of
 * it we hold (ref; engines whose pages go by item offset, phpBB, know the
 * board's page size only from there), else from the engine's default. */
static char *tpage_url(struct bd *b, const char *id, int n, const struct bd_page *ref)
{
	if (ref && ref->open && b->eng->page_url) {
		char *u = b->eng->page_url(&ref->pg, n);
		if (u)
			return u;
	}
	return b->eng->thread_url(b->base, id, n);
}

/* Fetches a thread page and parses it; *out NULL when the thread is gone.
 * keep (may be NULL) receives the open page, for its links. */
static int thread_page(struct bd *b, const char *url, struct forum_thread **out,
		       struct bd_page *keep, char **err)
{
	/* opened where it stays: a parsed page points into itself */
	struct bd_page local, *p = keep ? keep : &local;
	*out = NULL;
	if (bd_page(b, url, NULL, NULL, p, err) < 0)
		return -1;
	int rc = 0;
	char *e = NULL;
	if (p->rs.status == 404 || p->rs.status == 410 || p->rs.status == 403) {
		/* gone or out of reach since it was listed */
	} else if (p->rs.status != 200) {
		rc = fg_error(err, "forum %s: %s: HTTP %ld for a thread page", b->f->name, p->url,
			      p->rs.status);
	} else if (b->eng->parse_thread(&p->pg, out, &e) < 0) {
		rc = parse_failed(b, &p->pg, e, err);
		*out = NULL;
	} else if ((*out)->warnings) {
		log_warn("forum %s: %s", b->f->name, (*out)->warnings);
	}
	if (!keep || rc < 0 || !*out)
		bd_page_free(p);
	return rc;
}

static int has_post(const struct forum_thread *t, const char *id)
{
	for (size_t i = 0; id && i < t->nposts; i++)
		if (t->posts[i].id && strcmp(t->posts[i].id, id) == 0)
			return 1;
	return 0;
}

/* Fetches a changed thread: from the page of the last post seen on, or
 * whole. *out NULL when it is gone. Nothing is handed on unless every
 * page parsed. */
static int fetch_thread(struct bd *b, const struct bd_todo *td, struct forum_thread **out,
			char **err)
{
	const struct bd_thread *old = thread_get(b, td->id);
	struct forum_thread *t = NULL, *pg = NULL;
	struct bd_page ref;
	int whole = 1, start = 1, relinked = 0;
	memset(&ref, 0, sizeof ref);
	*out = NULL;
	if (old && old->replies >= 0 && old->last_post_id && b->pp > 0 &&
	    (td->replies < 0 || td->replies >= old->replies)) {
		whole = 0;
		start = (int)(old->replies / b->pp) + 1; /* the page of post old->replies + 1 */
	}
	for (;;) {
		char *url = tpage_url(b, td->id, start, &ref);
		bd_page_free(&ref);
		int rc = thread_page(b, url, &t, &ref, err);
		free(url);
		if (rc < 0)
			return -1;
		if (!t)
			return 0;
		if (t->page > 0 && t->page != start && b->eng->page_url && !relinked) {
			/* the default page size is not the board's: the page we
			 * got links the right one */
			relinked = 1;
			forum_thread_free(t);
			t = NULL;
			continue;
		}
		if (!whole) {
			/* the last post seen must still be where it was, on a full
			 * page unless it is the last: else posts went before it */
			int full = t->page >= t->pages || (int)t->nposts == b->pp;
			if (!has_post(t, old->last_post_id) || !full ||
			    (t->page && t->page != start)) {
				forum_thread_free(t);
				t = NULL;
				whole = 1;
				start = 1;
				continue;
			}
		}
		break;
	}
	if (t->pages > 1 && t->page == 1 && t->nposts > 0)
		b->pp = (int)t->nposts; /* a full page says how many a page holds */
	int pages = t->pages > 0 ? t->pages : 1;
	if (pages > BD_THREAD_PAGES)
		pages = BD_THREAD_PAGES;
	for (int n = start + 1; n <= pages; n++) {
		char *url = tpage_url(b, td->id, n, &ref);
		int rc = thread_page(b, url, &pg, NULL, err);
		free(url);
		if (rc < 0) {
			forum_thread_free(t);
			bd_page_free(&ref);
			return -1;
		}
		if (!pg)
			break; /* the thread shrank meanwhile: what we have is all */
		forum_thread_merge(t, pg);
		forum_thread_free(pg);
		pg = NULL;
	}
	bd_page_free(&ref);
	t->complete = whole;
	*out = t;
	return 0;
}

/* Hands thread t (of todo td) to sync and remembers it. */
static int deliver(struct bd *b, const struct bd_todo *td, struct forum_thread *t,
		   forum_thread_cb cb, void *arg)
{
	const struct bd_forum *f = forum_get(b, td->forum, 0);
	free(t->forum);
	t->forum = xstrdup(b->f->name);
	free(t->board);
	t->board = xstrdup(td->forum);
	free(t->board_key);
	t->board_key = xasprintf("forum:%s", td->forum);
	free(t->group);
	t->group = f && f->group ? xstrdup(f->group) : NULL;
	if (!t->title && td->title)
		t->title = xstrdup(td->title);
	if (!t->title)
		t->title = xstrdup("");
	t->members_only = f ? f->members_only : b->cfg.user != NULL;
	struct bd_thread *st = thread_put(b, td->id);
	free(st->forum);
	st->forum = xstrdup(td->forum);
	st->replies = td->replies >= 0     ? td->replies
		      : t->total_posts > 0 ? t->total_posts - 1
					   : (long)t->nposts - 1;
	st->last_post = td->last_post;
	free(st->last_post_id);
	st->last_post_id = NULL;
	for (size_t i = t->nposts; i > 0; i--)
		if (t->posts[i - 1].id && !t->posts[i - 1].deleted) {
			st->last_post_id = xstrdup(t->posts[i - 1].id);
			break;
		}
	return cb(arg, t);
}

/* ---- changes ---- */

static int cmp_todo_recent(const void *a, const void *b)
{
	int64_t x = ((const struct bd_todo *)a)->last_post,
		y = ((const struct bd_todo *)b)->last_post;
	return x < y ? 1 : x > y ? -1 : 0;
}

/* Whether the board's feed says nothing is new since the last pass that
 * read the lists (1), or it cannot tell (0): a 304, or no item newer than
 * the newest it showed then. What it shows now is kept in the *_new
 * fields, made the cursor's once this pass has read the lists. */
static int feed_quiet(struct bd *b)
{
	if (!b->eng->feed_url || !b->eng->parse_feed)
		return 0;
	char *url = b->eng->feed_url(b->base, NULL);
	if (!url)
		return 0;
	struct http_response rs;
	char *e = NULL;
	int quiet = 0;
	if (bd_get(b, url, b->feed_etag, b->feed_lm, &rs, NULL, &e) < 0) {
		log_warn("%s (the thread lists are read instead)", e);
		free(e);
		free(url);
		return 0;
	}
	if (rs.status == 304) {
		quiet = 1;
	} else if (rs.status == 200) {
		struct board_listing l = {0};
		if (b->eng->parse_feed(rs.body, rs.body_len, url, &l, &e) == 0) {
			int64_t top = 0;
			for (size_t i = 0; i < l.ntopics; i++)
				if (l.topics[i].last_post > top)
					top = l.topics[i].last_post;
			quiet = top > 0 && b->feed_top > 0 && top <= b->feed_top;
			b->feed_top_new = top;
			free(b->feed_etag_new);
			free(b->feed_lm_new);
			b->feed_etag_new = word(rs.etag);
			b->feed_lm_new = rs.last_modified && !strchr(rs.last_modified, '\n')
						 ? xstrdup(rs.last_modified)
						 : NULL;
		} else {
			log_warn("forum %s: %s: feed not readable: %s", b->f->name, url,
				 e ? e : "?");
		}
		free(e);
		board_listing_clear(&l);
	}
	http_response_clear(&rs);
	free(url);
	return quiet;
}

/* The lists were read: the feed's state is the cursor's now. */
static void feed_commit(struct bd *b)
{
	if (!b->feed_top_new)
		return;
	free(b->feed_etag);
	free(b->feed_lm);
	b->feed_etag = b->feed_etag_new;
	b->feed_lm = b->feed_lm_new;
	b->feed_top = b->feed_top_new;
	b->feed_etag_new = b->feed_lm_new = NULL;
	b->feed_top_new = 0;
}

struct bd_pass {
	forum_thread_cb cb;
	int (*checkpoint)(void *arg, const char *cursor);
	void *arg;
	double last_cp;
};

static int bd_checkpoint(struct bd *b, struct bd_pass *ps, int force, char **err)
{
	if (!ps->checkpoint || (!force && mono() - ps->last_cp < BD_CHECKPOINT_SECS))
		return 0;
	char *cp = cursor_write(b);
	int rc = ps->checkpoint(ps->arg, cp);
	free(cp);
	ps->last_cp = mono();
	if (rc < 0)
		return fg_error(err, "forum %s: checkpoint failed", b->f->name);
	return 0;
}

static void todo_clear(struct bd_todo *td)
{
	free(td->id);
	free(td->forum);
	free(td->title);
	free(td->last_post_id);
}

static int bd_changes(void *state, const char *cursor, const struct forum_changes_opts *opts,
		      forum_thread_cb cb, int (*checkpoint)(void *arg, const char *cursor),
		      void *arg, char **next, int *warnings, char **err)
{
	struct bd *b = state;
	struct bd_pass ps = {.cb = cb, .checkpoint = checkpoint, .arg = arg, .last_cp = mono()};
	struct bd_todos todo = {0};
	int64_t now = (int64_t)time(NULL);
	char *first_err = NULL;
	*warnings = 0;
	b->relogged = 0;
	b->told_to_wait = 0;
	b->dates.now = now;
	cursor_read(b, cursor);
	int first = !cursor || !*cursor || b->bf;
	if (!cursor || !*cursor) {
		b->bf = 1;
		b->bf_start = now;
		b->bf_cutoff = opts->backfill_days > 0 ? now - (int64_t)opts->backfill_days * 86400
						       : 0;
		b->bf_left = opts->backfill_topics > 0 ? opts->backfill_topics : -1;
	}
	if (bd_robots(b, err) < 0)
		return -1;
	if (bd_session(b, err) < 0)
		goto fail; /* the cursor keeps a refused login's back-off */

	/* the feed, asked every pass (on the first too, to know where it
	 * stands), spares the lists when it has nothing new; they are read
	 * at least every list_interval for what feeds do not show */
	int quiet = feed_quiet(b);
	if (!first && quiet && b->walk && now - b->walk < b->cfg.list_interval) {
		*next = cursor_write(b);
		return 0;
	}

	if (bd_index(b, err) < 0)
		goto fail;
	name_groups(b);
	/* forums found on forum pages (sub-forums) join the list as it grows */
	size_t nfollowed = 0, failed = 0;
	for (size_t i = 0; i < b->nforums && !b->told_to_wait; i++) {
		struct bd_forum *f = &b->forums[i];
		f->old_time = f->time;
		if (!f->title || !followed(b, f->id))
			continue; /* gone from the index, or not followed */
		nfollowed++;
		int64_t top = 0;
		char *e = NULL;
		size_t before = todo.n;
		int rc = walk_forum(b, f, first, &todo, &top, &e);
		f = &b->forums[i]; /* forums_from may have moved the array */
		if (rc < 0) {
			log_err("%s", e);
			(*warnings)++;
			failed++;
			/* that forum's threads wait for the next pass */
			while (todo.n > before)
				todo_clear(&todo.v[--todo.n]);
			if (!first_err)
				first_err = e;
			else
				free(e);
			continue;
		}
		f->time = top; /* stored only with the cursor, at the end */
		name_groups(b);
	}
	if (b->told_to_wait || (nfollowed > 0 && failed == nfollowed)) {
		/* nothing readable, or the board asks to be left alone */
		fg_error(err, "%s", first_err ? first_err : "no forum could be read");
		goto fail;
	}
	if (first && b->bf_left >= 0 && todo.n > (size_t)b->bf_left) {
		/* the N most recently active threads of the whole board */
		qsort(todo.v, todo.n, sizeof *todo.v, cmp_todo_recent);
		while (todo.n > (size_t)b->bf_left)
			todo_clear(&todo.v[--todo.n]);
	}
	long total = (long)todo.n, done = 0;
	for (size_t i = 0; i < todo.n; i++) {
		const struct bd_todo *td = &todo.v[i];
		struct forum_thread *t = NULL;
		char *e = NULL;
		if (fetch_thread(b, td, &t, &e) < 0) {
			/* nothing of the thread is delivered, and its forum keeps
			 * its old time so that the next pass looks again */
			log_err("%s", e);
			(*warnings)++;
			struct bd_forum *f = forum_get(b, td->forum, 0);
			if (f) {
				/* and its list is read whole again: no 304 */
				f->time = f->old_time;
				free(f->etag);
				free(f->lm);
				f->etag = f->lm = NULL;
			}
			if (b->told_to_wait) {
				fg_error(err, "%s", e);
				free(e);
				goto fail;
			}
			free(e);
			continue;
		}
		if (t && deliver(b, td, t, cb, arg) < 0) {
			fg_error(err, "forum %s: storing thread %s failed", b->f->name, td->id);
			goto fail;
		}
		opts->progress(opts->progress_arg, ++done, total, "threads");
		if (bd_checkpoint(b, &ps, 0, err) < 0)
			goto fail;
	}
	todos_free(&todo);
	free(first_err);
	feed_commit(b);
	b->bf = 0;
	b->walk = now;
	*next = cursor_write(b);
	return 0;
fail:
	todos_free(&todo);
	free(first_err);
	/* what was delivered stays delivered: the cursor says so (the forums'
	 * times are the old ones, so their lists are read again) */
	for (size_t i = 0; i < b->nforums; i++) {
		struct bd_forum *f = &b->forums[i];
		f->time = f->old_time;
		free(f->etag);
		free(f->lm);
		f->etag = f->lm = NULL;
	}
	char *ce = NULL;
	if (bd_checkpoint(b, &ps, 1, &ce) < 0)
		log_err("%s", ce);
	free(ce);
	return -1;
}

/* ---- boards ---- */

static int bd_list_boards(void *state, char ***boards, size_t *n, char **err)
{
	struct bd *b = state;
	if (bd_robots(b, err) < 0 || bd_session(b, err) < 0 || bd_index(b, err) < 0)
		return -1;
	char **v = xcalloc(b->nforums + 1, sizeof *v);
	size_t k = 0;
	for (size_t i = 0; i < b->nforums; i++)
		if (followed(b, b->forums[i].id))
			v[k++] = xstrdup(b->forums[i].id);
	*boards = v;
	*n = k;
	return 0;
}

/* ---- posting ---- */

/* Text with its blanks folded, for comparing a post with the reply. */
static char *fold(const char *s)
{
	struct buf o = BUF_INIT;
	int sp = 0;
	for (; s && *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
			sp = o.len > 0;
			continue;
		}
		if (sp)
			buf_addc(&o, ' ');
		sp = 0;
		buf_addc(&o, *s);
	}
	if (!o.len)
		return xstrdup("");
	return buf_detach(&o);
}

/* Best effort after a crash between the POST and the outbox's record: a
 * post by our account on the thread's last page with the same text is
 * the reply, posted already. Returns 1 and its id, 0, or -1. */
static int find_own_post(struct bd *b, const struct forum_new_post *p, char **post_id, char **err)
{
	struct forum_thread *t = NULL;
	struct bd_page ref;
	memset(&ref, 0, sizeof ref);
	char *url = tpage_url(b, p->thread_id, 1, NULL);
	int rc = thread_page(b, url, &t, &ref, err);
	free(url);
	if (rc < 0)
		return -1;
	if (!t)
		return 0;
	if (t->pages > 1) {
		int last = t->pages;
		forum_thread_free(t);
		t = NULL;
		url = tpage_url(b, p->thread_id, last, &ref);
		rc = thread_page(b, url, &t, NULL, err);
		free(url);
		if (rc < 0 || !t) {
			bd_page_free(&ref);
			return rc;
		}
	}
	bd_page_free(&ref);
	char *want = fold(p->body);
	int found = 0;
	for (size_t i = t->nposts; i > 0 && !found; i--) {
		const struct forum_post *fp = &t->posts[i - 1];
		if (!fp->author || strcasecmp(fp->author, b->cfg.user) != 0 || !fp->body)
			continue;
		struct buf txt = BUF_INIT;
		text_convert(fp->markup, fp->body, strlen(fp->body), &txt, NULL);
		char *have = fold(buf_str(&txt));
		buf_free(&txt);
		if (*want && strcmp(have, want) == 0) {
			*post_id = xstrdup(fp->id);
			found = 1;
		}
		free(have);
	}
	free(want);
	forum_thread_free(t);
	return found;
}

/* The text of the board's message box on pg, or a fallback. */
static char *board_says(struct bd *b, const struct board_page *pg, const char *fallback)
{
	char *m = b->eng->message ? b->eng->message(pg) : NULL;
	return m ? m : xstrdup(fallback);
}

static int bd_create_post(void *state, const struct forum_new_post *p, char **post_id, char **err)
{
	struct bd *b = state;
	const char *forum = b->f->name;
	if (!b->cfg.posting) {
		fg_error(err,
			 "forum %s: replies are not posted to this board (board.posting is "
			 "off in the gateway's configuration)",
			 forum);
		return FORUM_POST_REFUSED;
	}
	if (!b->eng->post_form || !b->eng->post_result ||
	    !(p->thread_id ? b->eng->reply_url != NULL : b->eng->new_thread_url != NULL)) {
		fg_error(err, "forum %s: posting to %s boards is not supported", forum,
			 b->eng->name);
		return FORUM_POST_REFUSED;
	}
	if (!b->cfg.user) {
		fg_error(err,
			 "forum %s: posting needs a member account (board.user and "
			 "board.password_file)",
			 forum);
		return FORUM_POST_REFUSED;
	}
	if (p->thread_id == NULL && (p->board == NULL || p->board[0] == '\0')) {
		fg_error(err,
			 "forum %s: a new thread needs a forum of the board to go to, and "
			 "this group names none (map it with boards: in the configuration)",
			 forum);
		return FORUM_POST_REFUSED;
	}
	if (bd_robots(b, err) < 0)
		return FORUM_POST_TEMPFAIL;
	char *e = NULL;
	if (bd_login(b, &e) < 0) {
		fg_error(err, "%s", e);
		free(e);
		/* a refused login is the operator's to fix, not the sender's */
		return FORUM_POST_TEMPFAIL;
	}
	if (p->thread_id) {
		int f = find_own_post(b, p, post_id, err);
		if (f < 0)
			return FORUM_POST_TEMPFAIL;
		if (f == 1) {
			log_info("forum %s: reply %s is post %s already (posted before a restart)",
				 forum, p->message_id ? p->message_id : p->key, *post_id);
			return FORUM_POST_OK;
		}
	}
	char *url = p->thread_id ? b->eng->reply_url(b->base, p->thread_id, p->parent_id)
				 : b->eng->new_thread_url(b->base, p->board);
	struct bd_page pg;
	struct board_form form = {0};
	struct http_response rs = {0};
	int rc = FORUM_POST_TEMPFAIL;
	double got;
	if (bd_page(b, url, NULL, NULL, &pg, err) < 0) {
		free(url);
		return FORUM_POST_TEMPFAIL;
	}
	got = mono();
	if (pg.rs.status != 200) {
		char *why = board_says(b, &pg.pg, "no reply form");
		fg_error(err, "forum %s: %s: HTTP %ld: %s", forum, pg.url, pg.rs.status, why);
		free(why);
		rc = pg.rs.status == 403 || pg.rs.status == 404 ? FORUM_POST_REFUSED
								: FORUM_POST_TEMPFAIL;
		goto out;
	}
	const char *subject = p->title ? p->title : p->thread_title;
	if (b->eng->post_form(&pg.pg, subject, p->body, &form, &e) < 0) {
		enum board_page_kind k = b->eng->kind(&pg.pg);
		if (k == BOARD_PAGE_MESSAGE || k == BOARD_PAGE_NO_PERMISSION) {
			char *why = board_says(b, &pg.pg, e ? e : "the board refused");
			fg_error(err, "%s", why);
			free(why);
			rc = FORUM_POST_REFUSED;
		} else {
			fg_error(err, "forum %s: %s: no reply form the %s parser knows: %s", forum,
				 pg.url, b->eng->name, e ? e : "?");
		}
		free(e);
		goto out;
	}
	/* a form posted faster than a person types is refused by some boards
	 * (phpBB's creation_time check, min_form_seconds): wait as a browser
	 * would, a second more than the engine says for clocks' sake */
	double age = mono() - got;
	double min = b->eng->min_form_seconds > 0 ? b->eng->min_form_seconds + 1 : 0;
	if ((double)b->delay_ms / 1000.0 > min)
		min = (double)b->delay_ms / 1000.0;
	sleep_secs(min - age);
	char *body = board_form_encode(&form);
	struct http_request rq = {.method = "POST",
				  .url = form.action,
				  .body = body,
				  .body_len = strlen(body),
				  .referer = pg.url};
	int r = bd_request(b, &rq, &rs, err);
	free(body);
	if (r < 0)
		goto out; /* TEMPFAIL: the retry looks for the post first */
	struct board_page res;
	char *rurl = rs.location ? board_page_url(&pg.pg, rs.location) : NULL;
	board_page_open(&res, rs.body, rs.body_len, form.action, form.action, &b->dates);
	int ok = b->eng->post_result(&res, rurl ? rurl : rs.location, post_id, &e);
	if (ok == 1 && *post_id) {
		rc = FORUM_POST_OK;
	} else if (ok == 1) {
		/* accepted, but which post? the thread's last page tells */
		int f = p->thread_id ? find_own_post(b, p, post_id, err) : 0;
		if (f == 1)
			rc = FORUM_POST_OK;
		else if (f == 0)
			fg_error(err,
				 "forum %s: the board accepted the reply but does not say "
				 "which post it is",
				 forum);
	} else if (ok == 0) {
		fg_error(err, "%s", e ? e : "the board refused the reply");
		rc = FORUM_POST_REFUSED;
	} else {
		fg_error(err,
			 "forum %s: %s: the answer to the reply is not one the %s parser "
			 "knows: %s",
			 forum, form.action, b->eng->name, e ? e : "?");
	}
	free(e);
	free(rurl);
	board_page_close(&res);
out:
	http_response_clear(&rs);
	board_form_clear(&form);
	bd_page_free(&pg);
	free(url);
	return rc;
}

#define BOARD_OPS(t)                                                                               \
	{                                                                                          \
		.type = t, .open = bd_open, .list_boards = bd_list_boards, .changes = bd_changes,  \
		.create_post = bd_create_post, .expected_id = NULL, .close = bd_close,             \
		.config = &bd_section, .flags = FORUM_CONN_REMOTE,                                 \
	}

const struct forum_connector_ops board_vbulletin_connector = BOARD_OPS("vbulletin");
const struct forum_connector_ops board_phpbb_connector = BOARD_OPS("phpbb");
const struct forum_connector_ops board_xenforo_connector = BOARD_OPS("xenforo");
const struct forum_connector_ops board_mybb_connector = BOARD_OPS("mybb");
