/*
 * metrics: what a running gateway counts, and how it tells (issue #15).
 *
 * Each process keeps its counters, gauges and histograms in memory: a
 * series (a family and its labels) is registered once (metric_get, which
 * may allocate) and then only added to with relaxed atomics, so the NNTP
 * hot path pays no allocation, lock or store write per command. A flusher
 * thread writes them into the store every METRICS_FLUSH_SECONDS and when
 * the process ends, together with the role's heartbeat (store.h "runtime
 * state"): the store is the bus, so `forumgate status` and GET /metrics
 * (served by the httpd role) read every role's numbers there, never from
 * the roles themselves.
 *
 * The exposition is the Prometheus text format, version 0.0.4: a HELP and
 * a TYPE line per family, label values escaped (\\, \", \n), histograms
 * as cumulative _bucket{le=...} rows ending in le="+Inf", then _sum and
 * _count.
 */
#ifndef FORUMGATE_METRICS_H
#define FORUMGATE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "forumgate/buf.h"
#include "forumgate/config.h"
#include "forumgate/store.h"

#define METRICS_FLUSH_SECONDS 5
/* a heartbeat older than this marks its role stale (a missed flush or
 * two, a store busy for its 10 s, are not yet a dead role) */
#define METRICS_STALE_SECONDS 30
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

enum metric_type { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM };

struct metric_family {
	const char *name, *help;
	enum metric_type type;
	const double *bounds; /* a histogram's upper bounds, ascending; +Inf follows */
	size_t nbounds;
};

/* Every family forumgate exposes, in the order of the exposition. The
 * first group is counted by the processes, the rest read from the store
 * at scrape time. */
enum metric_id {
	M_NNTP_COMMANDS,        /* counter {command} */
	M_NNTP_COMMAND_SECONDS, /* histogram {command} */
	M_NNTP_CONNECTIONS,     /* gauge */
	M_LMTP_SESSIONS,        /* gauge */
	M_LIST_DELIVERIES,      /* counter {result: sent, deferred, failed} */
	M_SYNC_PASS_SECONDS,    /* histogram {forum} */
	M_SYNC_FETCHED,         /* gauge {forum}: a running pass's progress */
	M_SYNC_FETCH_TOTAL,     /* gauge {forum}: what it expects (0: unknown) */
	M_ROLE_UP,              /* store: gauge {role, host} */
	M_ROLE_RESTARTS,        /* store: counter {role, host} */
	M_ROLE_HEARTBEAT_AGE,   /* store: gauge {role, host} */
	M_SYNC_LAST_SUCCESS,    /* store: gauge {forum} */
	M_SYNC_LAST_ATTEMPT,    /* store: gauge {forum} */
	M_SYNC_FAILING,         /* store: gauge {forum} */
	M_SYNC_ERRORS,          /* store: counter {forum} */
	M_SYNC_POSTS,           /* store: counter {forum} */
	M_OUTBOX_ITEMS,         /* store: gauge {state} */
	M_OUTBOX_OLDEST,        /* store: gauge */
	M_LIST_QUEUE_ITEMS,     /* store: gauge {state} */
	M_LIST_QUEUE_OLDEST,    /* store: gauge */
	M_COUNT
};

const struct metric_family *metric_family(enum metric_id id);

/* One series. Registered for the life of the process, never freed. */
struct metric;

/* The series of family id with labels (as metric_label renders them,
 * "" for none): registered on first use. Cache the pointer on a hot path. */
struct metric *metric_get(enum metric_id id, const char *labels);
/* The same with one label, name=value (value escaped here). */
struct metric *metric_get1(enum metric_id id, const char *name, const char *value);

void metric_add(struct metric *m, int64_t n); /* counter, gauge */
void metric_set(struct metric *m, int64_t v); /* gauge */
/* A histogram observation in seconds. */
void metric_observe(struct metric *m, double seconds);

/* ---- the exposition format (pure functions) ---- */

/* Appends `name="value"` (with a leading comma when b is not empty),
 * value escaped for a label: backslash, double quote and line feed. */
void metric_label(struct buf *b, const char *name, const char *value);
/* Appends v as the format wants it: integers without a fraction, +Inf,
 * -Inf, NaN. */
void metric_number(struct buf *b, double v);
/* The "# HELP" and "# TYPE" lines of f. */
void metric_expo_head(struct buf *b, const struct metric_family *f);
/* One sample line: name suffix {labels[,le="le"]} value. */
void metric_expo_sample(struct buf *b, const char *name, const char *suffix, const char *labels,
			const char *le, double v);
/* The bucket of a histogram (f->nbounds for +Inf) that counts v: the
 * first whose upper bound is >= v. */
size_t metric_bucket(const struct metric_family *f, double v);

/* The whole exposition of the gateway whose store is st (the processes'
 * flushed samples and the store's own state) appended to out; 0 or -1. */
int metrics_expose(const struct cfg *c, struct store *st, struct buf *out, char **err);

/* The httpd route handler of GET /metrics (arg: the cfg). */
struct httpd_request;
struct httpd_response;
void metrics_http(void *arg, const struct httpd_request *rq, struct httpd_response *rs);

/* ---- this process's runtime row and flusher ---- */

/* Names the process (role, how often the supervisor restarted it) for
 * metrics_start; the supervisor calls it in a role's child before run(). */
void metrics_prepare(const struct cfg *c, const char *role, int64_t restarts);
/* Starts the flusher thread of a prepared process: it records the role
 * (store_role_started), beats and flushes until metrics_stop. Call once
 * the process runs as the user it will stay (after priv_drop). No-op when
 * not prepared or already started. */
void metrics_start(void);
/* Flushes a last time, marks the role stopped and ends the thread. */
void metrics_stop(void);

/* This host's name, for the runtime rows (static storage). */
const char *metrics_host(void);
/* Whether the process of row r is alive at now: on this host, its pid
 * exists (kill 0); on another, its heartbeat is fresh. A stopped row is
 * not alive. */
int metrics_role_alive(const struct store_role_row *r, int64_t now);

#endif
