/*
 * metrics: the per-process series, their flusher thread, and the
 * Prometheus exposition (metrics.h).
 *
 * Series live in a list that only grows: registration takes a mutex and
 * allocates, counting is a relaxed atomic add on a pointer the caller
 * keeps. Histograms keep one counter per bucket (not cumulative: one add
 * per observation) and the sum in microseconds, so every value is an
 * integer atomic; the flusher makes the buckets cumulative.
 *
 * The flusher is a thread rather than a timer in each role's event loop
 * because sync and outbox have no event loop, and nntpd has one per
 * worker: one thread serves every role alike, with its own store
 * connection, and writes only the series that changed since its last
 * flush.
 *
 * A counter or histogram row of the store is the role's total over all
 * its processes: a flush adds what the process counted since its last
 * committed flush, so a role the supervisor restarts (its new process
 * counting from zero) does not make the total go backwards. What a flush
 * wrote counts as flushed only once its transaction commits: a flush the
 * store refused is written again whole by the next. A gauge is the
 * process's own: its row is replaced, dropped when a new process of the
 * role starts (the old one's open connections are gone) and when the
 * process stops.
 */
#include "forumgate/metrics.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "forumgate/httpd.h"
#include "forumgate/log.h"

/* ---- the families ---------------------------------------------------------- */

/* seconds: an NNTP command is mostly well under a millisecond; a sync
 * pass takes from a second to hours (a first backfill) */
static const double nntp_bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
				     0.05,   0.1,     0.25,   0.5,   1,      2.5,   10};
static const double sync_bounds[] = {0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600};

#define NB(a) a, sizeof a / sizeof a[0]

static const struct metric_family families[M_COUNT] = {
	[M_NNTP_COMMANDS] = {"forumgate_nntp_commands_total", "NNTP commands handled, by command.",
			     METRIC_COUNTER, NULL, 0},
	[M_NNTP_COMMAND_SECONDS] = {"forumgate_nntp_command_seconds",
				    "Time to handle an NNTP command, by command.", METRIC_HISTOGRAM,
				    NB(nntp_bounds)},
	[M_NNTP_CONNECTIONS] = {"forumgate_nntp_connections", "NNTP connections open.",
				METRIC_GAUGE, NULL, 0},
	[M_LMTP_SESSIONS] = {"forumgate_lmtp_sessions", "LMTP sessions open.", METRIC_GAUGE, NULL,
			     0},
	[M_LIST_DELIVERIES] = {"forumgate_list_deliveries_total",
			       "List deliveries by result (sent, deferred, failed).",
			       METRIC_COUNTER, NULL, 0},
	[M_SYNC_PASS_SECONDS] = {"forumgate_sync_pass_seconds",
				 "Duration of a forum's scheduled sync pass.", METRIC_HISTOGRAM,
				 NB(sync_bounds)},
	[M_SYNC_FETCHED] = {"forumgate_sync_progress_fetched",
			    "Items the running sync pass of a forum has fetched (a backfill's "
			    "progress; 0 between passes).",
			    METRIC_GAUGE, NULL, 0},
	[M_SYNC_FETCH_TOTAL] = {"forumgate_sync_progress_total",
				"Items the running sync pass of a forum expects (0: unknown).",
				METRIC_GAUGE, NULL, 0},
	[M_ROLE_UP] = {"forumgate_role_up",
		       "1 when the role's process is alive with a fresh heartbeat.", METRIC_GAUGE,
		       NULL, 0},
	[M_ROLE_RESTARTS] = {"forumgate_role_restarts_total",
			     "Times the supervisor restarted the role since serve started.",
			     METRIC_COUNTER, NULL, 0},
	[M_ROLE_HEARTBEAT_AGE] = {"forumgate_role_heartbeat_age_seconds",
				  "Seconds since the role's last heartbeat.", METRIC_GAUGE, NULL,
				  0},
	[M_SYNC_LAST_SUCCESS] = {"forumgate_sync_last_success_timestamp_seconds",
				 "When the forum's last successful sync pass ended (0: never).",
				 METRIC_GAUGE, NULL, 0},
	[M_SYNC_LAST_ATTEMPT] = {"forumgate_sync_last_attempt_timestamp_seconds",
				 "When the forum's last sync pass ended.", METRIC_GAUGE, NULL, 0},
	[M_SYNC_FAILING] = {"forumgate_sync_failing", "1 when the forum's last sync pass failed.",
			    METRIC_GAUGE, NULL, 0},
	[M_SYNC_ERRORS] = {"forumgate_sync_errors_total", "Failed sync passes of the forum.",
			   METRIC_COUNTER, NULL, 0},
	[M_SYNC_POSTS] = {"forumgate_sync_posts_fetched_total",
			  "Posts sync stored for the forum (new or edited).", METRIC_COUNTER, NULL,
			  0},
	[M_OUTBOX_ITEMS] = {"forumgate_outbox_items", "Replies in the outbox, by state.",
			    METRIC_GAUGE, NULL, 0},
	[M_OUTBOX_OLDEST] = {"forumgate_outbox_oldest_age_seconds",
			     "Age of the oldest queued reply (0: none).", METRIC_GAUGE, NULL, 0},
	[M_LIST_QUEUE_ITEMS] = {"forumgate_list_queue_items", "List deliveries waiting, by state.",
				METRIC_GAUGE, NULL, 0},
	[M_LIST_QUEUE_OLDEST] = {"forumgate_list_queue_oldest_age_seconds",
				 "Age of the oldest queued list delivery (0: none).", METRIC_GAUGE,
				 NULL, 0},
};

const struct metric_family *metric_family(enum metric_id id)
{
	return id < M_COUNT ? &families[id] : NULL;
}

/* ---- series ---------------------------------------------------------------- */

struct metric {
	enum metric_id id;
	char *labels;
	_Atomic int64_t value;          /* counter, gauge */
	_Atomic uint64_t *buckets;      /* histogram: nbounds + 1, not cumulative */
	_Atomic uint64_t count, sum_us; /* histogram */
	/* the flusher's own: what the last committed flush wrote (value or
	 * count; a histogram's cumulative buckets and sum), and what the
	 * flush in progress writes */
	int64_t flushed, pending;
	uint64_t *flushed_cum, *pending_cum;
	uint64_t flushed_sum_us, pending_sum_us;
	int ever_flushed, dirty;
	struct metric *next;
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct metric *_Atomic series;

struct metric *metric_get(enum metric_id id, const char *labels)
{
	if (labels == NULL)
		labels = "";
	pthread_mutex_lock(&reg_lock);
	struct metric *m;
	for (m = atomic_load(&series); m; m = m->next)
		if (m->id == id && strcmp(m->labels, labels) == 0)
			break;
	if (m == NULL) {
		m = xcalloc(1, sizeof *m);
		m->id = id;
		m->labels = xstrdup(labels);
		if (families[id].type == METRIC_HISTOGRAM) {
			size_t n = families[id].nbounds + 1;
			m->buckets = xcalloc(n, sizeof *m->buckets);
			m->flushed_cum = xcalloc(n, sizeof *m->flushed_cum);
			m->pending_cum = xcalloc(n, sizeof *m->pending_cum);
		}
		m->next = atomic_load(&series);
		atomic_store(&series, m); /* whole before it is seen */
	}
	pthread_mutex_unlock(&reg_lock);
	return m;
}

struct metric *metric_get1(enum metric_id id, const char *name, const char *value)
{
	struct buf b = BUF_INIT;
	metric_label(&b, name, value);
	struct metric *m = metric_get(id, buf_str(&b));
	buf_free(&b);
	return m;
}

void metric_add(struct metric *m, int64_t n)
{
	if (m)
		atomic_fetch_add_explicit(&m->value, n, memory_order_relaxed);
}

void metric_set(struct metric *m, int64_t v)
{
	if (m)
		atomic_store_explicit(&m->value, v, memory_order_relaxed);
}

size_t metric_bucket(const struct metric_family *f, double v)
{
	size_t i = 0;
	while (i < f->nbounds && v > f->bounds[i])
		i++;
	return i;
}

void metric_observe(struct metric *m, double seconds)
{
	if (m == NULL || m->buckets == NULL)
		return;
	if (!(seconds >= 0))
		seconds = 0; /* NaN or a clock step back */
	size_t b = metric_bucket(&families[m->id], seconds);
	atomic_fetch_add_explicit(&m->buckets[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->sum_us, (uint64_t)(seconds * 1e6 + 0.5),
				  memory_order_relaxed);
	atomic_fetch_add_explicit(&m->count, 1, memory_order_relaxed);
}

/* ---- exposition --------------------------------------------------------------- */

void metric_label(struct buf *b, const char *name, const char *value)
{
	if (b->len)
		buf_addc(b, ',');
	buf_addf(b, "%s=\"", name);
	for (const char *p = value ? value : ""; *p; p++) {
		if (*p == '\\')
			buf_adds(b, "\\\\");
		else if (*p == '"')
			buf_adds(b, "\\\"");
		else if (*p == '\n')
			buf_adds(b, "\\n");
		else
			buf_addc(b, *p);
	}
	buf_addc(b, '"');
}

void metric_number(struct buf *b, double v)
{
	if (isnan(v))
		buf_adds(b, "NaN");
	else if (isinf(v))
		buf_adds(b, v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 1e15)
		buf_addf(b, "%.0f", v);
	else
		buf_addf(b, "%.9g", v);
}

/* HELP text escapes backslash and line feed only. */
static void help_text(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			buf_adds(b, "\\\\");
		else if (*s == '\n')
			buf_adds(b, "\\n");
		else
			buf_addc(b, *s);
	}
}

void metric_expo_head(struct buf *b, const struct metric_family *f)
{
	static const char *const types[] = {"counter", "gauge", "histogram"};
	buf_addf(b, "# HELP %s ", f->name);
	help_text(b, f->help);
	buf_addf(b, "\n# TYPE %s %s\n", f->name, types[f->type]);
}

void metric_expo_sample(struct buf *b, const char *name, const char *suffix, const char *labels,
			const char *le, double v)
{
	buf_adds(b, name);
	if (suffix)
		buf_adds(b, suffix);
	int any = labels && *labels;
	if (any || le) {
		buf_addc(b, '{');
		if (any)
			buf_adds(b, labels);
		if (le)
			buf_addf(b, "%sle=\"%s\"", any ? "," : "", le);
		buf_addc(b, '}');
	}
	buf_addc(b, ' ');
	metric_number(b, v);
	buf_addc(b, '\n');
}

/* The samples of the processes' families, as store_metric_list gives them
 * (by name, labels, bucket), written under their family. */
struct expo {
	struct buf *out;
	int last;             /* the family whose head was written, -1 */
	char seen[M_ROLE_UP]; /* families with samples */
};

/* The family of a flushed sample name, and its suffix ("" / "_bucket" /
 * "_sum" / "_count"). */
static int family_of(const char *name, const char **suffix)
{
	for (int i = 0; i < M_ROLE_UP; i++) {
		size_t n = strlen(families[i].name);
		if (strncmp(name, families[i].name, n) != 0)
			continue;
		const char *rest = name + n;
		if (*rest == '\0' || (families[i].type == METRIC_HISTOGRAM &&
				      (strcmp(rest, "_bucket") == 0 || strcmp(rest, "_sum") == 0 ||
				       strcmp(rest, "_count") == 0))) {
			*suffix = rest;
			return i;
		}
	}
	return -1;
}

static int expo_row(void *arg, const struct store_metric_row *m)
{
	struct expo *e = arg;
	const char *suffix;
	int id = family_of(m->name, &suffix);
	if (id < 0)
		return 0; /* a family this binary does not know (a newer node) */
	const struct metric_family *f = &families[id];
	if (id != e->last) {
		metric_expo_head(e->out, f);
		e->last = id;
		e->seen[id] = 1;
	}
	char le[32];
	const char *lep = NULL;
	if (strcmp(suffix, "_bucket") == 0) {
		if (m->bucket < 0 || (size_t)m->bucket > f->nbounds)
			return 0;
		if ((size_t)m->bucket == f->nbounds) {
			lep = "+Inf";
		} else {
			snprintf(le, sizeof le, "%.9g", f->bounds[m->bucket]);
			lep = le;
		}
	}
	metric_expo_sample(e->out, f->name, suffix, m->labels, lep, m->value);
	return 0;
}

/* The store's own state: roles, forums, queues. */
struct role_expo {
	struct buf up, restarts, age;
	int64_t now;
};

static int role_row(void *arg, const struct store_role_row *r)
{
	struct role_expo *e = arg;
	struct buf l = BUF_INIT;
	metric_label(&l, "role", r->role);
	metric_label(&l, "host", r->host);
	int up = metrics_role_alive(r, e->now) && e->now - r->heartbeat <= METRICS_STALE_SECONDS;
	metric_expo_sample(&e->up, families[M_ROLE_UP].name, NULL, buf_str(&l), NULL, up);
	metric_expo_sample(&e->restarts, families[M_ROLE_RESTARTS].name, NULL, buf_str(&l), NULL,
			   (double)r->restarts);
	metric_expo_sample(&e->age, families[M_ROLE_HEARTBEAT_AGE].name, NULL, buf_str(&l), NULL,
			   (double)(e->now > r->heartbeat ? e->now - r->heartbeat : 0));
	buf_free(&l);
	return 0;
}

struct sync_expo {
	struct buf s[5]; /* last success, last attempt, failing, errors, posts */
};

static int sync_row(void *arg, const struct store_sync_row *r)
{
	struct sync_expo *e = arg;
	struct buf l = BUF_INIT;
	metric_label(&l, "forum", r->forum);
	int failing = r->last_error_at > 0 && r->last_error_at >= r->last_success;
	double v[5] = {(double)r->last_success, (double)r->last_attempt, failing,
		       (double)r->failures, (double)r->posts};
	for (int i = 0; i < 5; i++)
		metric_expo_sample(&e->s[i], families[M_SYNC_LAST_SUCCESS + i].name, NULL,
				   buf_str(&l), NULL, v[i]);
	buf_free(&l);
	return 0;
}

static void expo_family(struct buf *out, enum metric_id id, struct buf *samples)
{
	metric_expo_head(out, &families[id]);
	if (samples->len)
		buf_add(out, samples->p, samples->len);
}

int metrics_expose(const struct cfg *c, struct store *st, struct buf *out, char **err)
{
	struct expo e = {out, -1, {0}};
	if (store_metric_list(st, expo_row, &e, err) != 0)
		return -1;
	/* a family no process has counted yet is still announced, so a
	 * dashboard finds every name from the first scrape */
	for (int i = 0; i < M_ROLE_UP; i++)
		if (!e.seen[i])
			metric_expo_head(out, &families[i]);
	int64_t now = (int64_t)time(NULL);
	struct role_expo re = {BUF_INIT, BUF_INIT, BUF_INIT, now};
	struct sync_expo se = {{BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT}};
	struct store_queue_stats q;
	int rc = -1;
	if (store_role_list(st, role_row, &re, err) != 0 ||
	    store_sync_list(st, sync_row, &se, err) != 0 || store_queue_stats(st, &q, err) != 0)
		goto out;
	expo_family(out, M_ROLE_UP, &re.up);
	expo_family(out, M_ROLE_RESTARTS, &re.restarts);
	expo_family(out, M_ROLE_HEARTBEAT_AGE, &re.age);
	for (int i = 0; i < 5; i++)
		expo_family(out, M_SYNC_LAST_SUCCESS + i, &se.s[i]);
	const char *name = families[M_OUTBOX_ITEMS].name;
	metric_expo_head(out, &families[M_OUTBOX_ITEMS]);
	metric_expo_sample(out, name, NULL, "state=\"queued\"", NULL, (double)q.outbox_queued);
	metric_expo_sample(out, name, NULL, "state=\"failed\"", NULL, (double)q.outbox_failed);
	metric_expo_sample(out, name, NULL, "state=\"held\"", NULL, (double)q.outbox_held);
	metric_expo_head(out, &families[M_OUTBOX_OLDEST]);
	metric_expo_sample(out, families[M_OUTBOX_OLDEST].name, NULL, NULL, NULL,
			   q.outbox_oldest ? (double)(now - q.outbox_oldest) : 0);
	name = families[M_LIST_QUEUE_ITEMS].name;
	metric_expo_head(out, &families[M_LIST_QUEUE_ITEMS]);
	metric_expo_sample(out, name, NULL, "state=\"queued\"", NULL, (double)q.list_queued);
	metric_expo_sample(out, name, NULL, "state=\"sending\"", NULL, (double)q.list_sending);
	metric_expo_sample(out, name, NULL, "state=\"failed\"", NULL, (double)q.list_failed);
	metric_expo_head(out, &families[M_LIST_QUEUE_OLDEST]);
	metric_expo_sample(out, families[M_LIST_QUEUE_OLDEST].name, NULL, NULL, NULL,
			   q.list_oldest ? (double)(now - q.list_oldest) : 0);
	rc = 0;
out:
	buf_free(&re.up);
	buf_free(&re.restarts);
	buf_free(&re.age);
	for (int i = 0; i < 5; i++)
		buf_free(&se.s[i]);
	return rc;
}

void metrics_http(void *arg, const struct httpd_request *rq, struct httpd_response *rs)
{
	const struct cfg *c = arg;
	struct store *st = NULL;
	char *err = NULL;
	struct buf out = BUF_INIT;
	/* a scrape is rare (every 15 s or so): a connection of its own,
	 * read-only, closed at once so it pins no snapshot */
	if (store_open(c->gateway.store, STORE_RDONLY, &st, &err) != 0 ||
	    store_schema_version(st) < 11 || metrics_expose(c, st, &out, &err) != 0) {
		log_err("metrics: %s", err ? err : "the store predates the runtime tables");
		free(err);
		buf_free(&out);
		store_close(st);
		rs->status = 503;
		rs->body = xstrdup("metrics unavailable\n");
		return;
	}
	store_close(st);
	rs->content_type = METRICS_CONTENT_TYPE;
	rs->body = buf_detach(&out);
	if (rs->body == NULL)
		rs->body = xstrdup("");
}

/* ---- the flusher ---------------------------------------------------------- */

static struct {
	const struct cfg *cfg;
	char role[32];
	int64_t restarts;
	int prepared, started;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stop;
	struct store *st;
	int recorded;
	int64_t pid;
} fl = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

const char *metrics_host(void)
{
	static char host[256];
	if (host[0] == '\0' && (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0'))
		snprintf(host, sizeof host, "localhost");
	return host;
}

int metrics_role_alive(const struct store_role_row *r, int64_t now)
{
	if (r->state == NULL || strcmp(r->state, "running") != 0)
		return 0;
	if (r->host && strcmp(r->host, metrics_host()) == 0)
		return r->pid > 0 && (kill((pid_t)r->pid, 0) == 0 || errno == EPERM);
	return now - r->heartbeat <= METRICS_STALE_SECONDS;
}

void metrics_prepare(const struct cfg *c, const char *role, int64_t restarts)
{
	fl.cfg = c;
	snprintf(fl.role, sizeof fl.role, "%s", role);
	fl.restarts = restarts;
	fl.prepared = 1;
}

static int put(const struct store_metric_row *m, int64_t now, char **err)
{
	return store_metric_put(fl.st, metrics_host(), fl.role, fl.pid, now, m, err);
}

/* Writes the series that changed since the last committed flush: a
 * gauge's value, a counter's and a histogram's increase (store_metric_put
 * adds those). flush_settle() then takes or forgets what was written. */
static int flush_series(int64_t now, char **err)
{
	for (struct metric *m = atomic_load(&series); m; m = m->next) {
		const struct metric_family *f = &families[m->id];
		if (f->type != METRIC_HISTOGRAM) {
			int64_t v = atomic_load_explicit(&m->value, memory_order_relaxed);
			if (m->ever_flushed && v == m->flushed)
				continue;
			int add = f->type == METRIC_COUNTER;
			struct store_metric_row r = {f->name, m->labels, -1,
						     (double)(add ? v - m->flushed : v), add};
			if (put(&r, now, err) != 0)
				return -1;
			m->pending = v;
			m->dirty = 1;
			continue;
		}
		int64_t count = (int64_t)atomic_load_explicit(&m->count, memory_order_relaxed);
		if (m->ever_flushed && count == m->flushed)
			continue;
		/* buckets read before the count may run ahead of it by the
		 * observations in flight: the exposition wants +Inf = _count */
		char name[128];
		uint64_t cum = 0;
		for (size_t b = 0; b <= f->nbounds; b++) {
			cum += atomic_load_explicit(&m->buckets[b], memory_order_relaxed);
			m->pending_cum[b] = cum;
			snprintf(name, sizeof name, "%s_bucket", f->name);
			struct store_metric_row r = {name, m->labels, (int)b,
						     (double)(cum - m->flushed_cum[b]), 1};
			if (put(&r, now, err) != 0)
				return -1;
		}
		m->pending_sum_us = atomic_load_explicit(&m->sum_us, memory_order_relaxed);
		snprintf(name, sizeof name, "%s_sum", f->name);
		struct store_metric_row r = {name, m->labels, -1,
					     (double)(m->pending_sum_us - m->flushed_sum_us) / 1e6,
					     1};
		if (put(&r, now, err) != 0)
			return -1;
		snprintf(name, sizeof name, "%s_count", f->name);
		r = (struct store_metric_row){name, m->labels, -1,
					      (double)(cum - m->flushed_cum[f->nbounds]), 1};
		if (put(&r, now, err) != 0)
			return -1;
		m->pending = count;
		m->dirty = 1;
	}
	return 0;
}

/* After a flush: its writes committed (they become the base of the next
 * increases), or rolled back (the next flush writes them again). */
static void flush_settle(int committed)
{
	for (struct metric *m = atomic_load(&series); m; m = m->next) {
		if (!m->dirty)
			continue;
		m->dirty = 0;
		if (!committed)
			continue;
		m->flushed = m->pending;
		if (m->buckets) {
			memcpy(m->flushed_cum, m->pending_cum,
			       (families[m->id].nbounds + 1) * sizeof *m->flushed_cum);
			m->flushed_sum_us = m->pending_sum_us;
		}
		m->ever_flushed = 1;
	}
}

/* Drops this role's gauges on this host: those of the process it replaces
 * (at the first flush) or its own (at the last). */
static int drop_gauges(char **err)
{
	for (int i = 0; i < M_ROLE_UP; i++)
		if (families[i].type == METRIC_GAUGE &&
		    store_metric_drop(fl.st, metrics_host(), fl.role, families[i].name, err) != 0)
			return -1;
	return 0;
}

/* One flush: the role's row (first time), its heartbeat, its series. */
static void flush_once(int last)
{
	char *err = NULL;
	int64_t now = (int64_t)time(NULL);
	if (fl.st == NULL && store_open(fl.cfg->gateway.store, STORE_RW, &fl.st, &err) != 0)
		goto fail;
	if (store_begin(fl.st, &err) != 0)
		goto fail;
	int r = 0;
	if (!fl.recorded) {
		r = drop_gauges(&err);
		if (r == 0)
			r = store_role_started(fl.st, metrics_host(), fl.role, fl.pid, now,
					       fl.restarts, &err);
	} else
		r = store_role_heartbeat(fl.st, metrics_host(), fl.role, fl.pid, now, &err) < 0 ? -1
												: 0;
	if (r == 0)
		r = flush_series(now, &err);
	if (r == 0 && last)
		r = drop_gauges(&err);
	if (r == 0 && last)
		r = store_role_stopped(fl.st, metrics_host(), fl.role, fl.pid, now, &err);
	if (r != 0) {
		store_rollback(fl.st);
		flush_settle(0);
		goto fail;
	}
	if (store_commit(fl.st, &err) != 0) {
		store_rollback(fl.st);
		flush_settle(0);
		goto fail;
	}
	flush_settle(1);
	fl.recorded = 1;
	return;
fail:
	/* a busy or missing store: the next flush tries again */
	log_warn("metrics: %s", err ? err : "cannot flush");
	free(err);
}

static void *flusher_main(void *arg)
{
	pthread_mutex_lock(&fl.lock);
	while (!fl.stop) {
		pthread_mutex_unlock(&fl.lock);
		flush_once(0);
		pthread_mutex_lock(&fl.lock);
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until); /* fl.wake's clock */
		until.tv_sec += METRICS_FLUSH_SECONDS;
		while (!fl.stop && pthread_cond_timedwait(&fl.wake, &fl.lock, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&fl.lock);
	flush_once(1);
	store_close(fl.st);
	fl.st = NULL;
	return NULL;
}

void metrics_start(void)
{
	if (!fl.prepared || fl.started)
		return;
	fl.pid = (int64_t)getpid();
	/* the wait between flushes on the monotonic clock: a step of the
	 * wall clock back (NTP, an operator) must not stall the heartbeat */
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_destroy(&fl.wake);
	pthread_cond_init(&fl.wake, &ca);
	pthread_condattr_destroy(&ca);
	/* the flusher takes no signal: the role's own handlers see them */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&fl.thread, NULL, flusher_main, NULL) == 0)
		fl.started = 1;
	else
		log_warn("metrics: cannot start the flusher thread");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void metrics_stop(void)
{
	if (!fl.started)
		return;
	pthread_mutex_lock(&fl.lock);
	fl.stop = 1;
	pthread_cond_signal(&fl.wake);
	pthread_mutex_unlock(&fl.lock);
	pthread_join(fl.thread, NULL);
	fl.started = 0;
}
