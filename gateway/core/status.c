/*
 * `forumgate status` (status.h): reads the runtime state the roles leave
 * in the store, judges it, and prints it as a table or as JSON.
 *
 * Liveness is the pid (kill 0) for a process on this host, else the age
 * of its heartbeat; a live pid whose heartbeat stopped is a stuck role.
 * "A gateway runs" means: serve's row names a live supervisor, or (roles
 * run alone, `forumgate nntpd`, ...) some role's process is alive.
 */
#include "forumgate/status.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "forumgate/buf.h"
#include "forumgate/metrics.h"
#include "forumgate/store.h"
#include "forumgate/supervisor.h"

struct role_info {
	char *host, *role, *state;
	int64_t pid, started, restarts, heartbeat;
	int alive, fresh;
};

struct sync_info {
	char *forum, *last_error;
	int64_t last_attempt, last_success, last_error_at, passes, failures, posts;
	double duration;
};

struct status {
	const struct cfg *c;
	int64_t now;
	struct role_info *roles;
	size_t nroles;
	struct sync_info *syncs;
	size_t nsyncs;
	struct store_queue_stats q;
	/* from the flushed metrics */
	int64_t nntp_connections, lmtp_sessions;
	struct buf progress; /* "forum\tfetched\ttotal\n" lines */
	struct buf problems; /* one per line */
};

static int take_role(void *arg, const struct store_role_row *r)
{
	struct status *s = arg;
	s->roles = xrealloc(s->roles, (s->nroles + 1) * sizeof *s->roles);
	struct role_info *ri = &s->roles[s->nroles++];
	*ri = (struct role_info){xstrdup(r->host),
				 xstrdup(r->role),
				 xstrdup(r->state),
				 r->pid,
				 r->started,
				 r->restarts,
				 r->heartbeat,
				 0,
				 0};
	ri->alive = metrics_role_alive(r, s->now);
	ri->fresh = s->now - r->heartbeat <= METRICS_STALE_SECONDS;
	return 0;
}

static int take_sync(void *arg, const struct store_sync_row *r)
{
	struct status *s = arg;
	s->syncs = xrealloc(s->syncs, (s->nsyncs + 1) * sizeof *s->syncs);
	s->syncs[s->nsyncs++] = (struct sync_info){xstrdup(r->forum), xstrdup(r->last_error),
						   r->last_attempt,   r->last_success,
						   r->last_error_at,  r->passes,
						   r->failures,       r->posts,
						   r->duration};
	return 0;
}

/* The label value of name in a rendered label set, into v. */
static int label_value(const char *labels, const char *name, char *v, size_t n)
{
	size_t k = strlen(name);
	for (const char *p = labels; (p = strstr(p, name)) != NULL; p++) {
		if ((p != labels && p[-1] != ',') || strncmp(p + k, "=\"", 2) != 0)
			continue;
		size_t i = 0;
		for (p += k + 2; *p && *p != '"' && i + 1 < n; p++) {
			if (*p == '\\' && p[1])
				p++;
			v[i++] = *p;
		}
		v[i] = '\0';
		return 1;
	}
	return 0;
}

static int take_metric(void *arg, const struct store_metric_row *m)
{
	struct status *s = arg;
	char forum[256];
	if (strcmp(m->name, metric_family(M_NNTP_CONNECTIONS)->name) == 0)
		s->nntp_connections += (int64_t)m->value;
	else if (strcmp(m->name, metric_family(M_LMTP_SESSIONS)->name) == 0)
		s->lmtp_sessions += (int64_t)m->value;
	else if ((strcmp(m->name, metric_family(M_SYNC_FETCHED)->name) == 0 ||
		  strcmp(m->name, metric_family(M_SYNC_FETCH_TOTAL)->name) == 0) &&
		 m->value > 0 && label_value(m->labels, "forum", forum, sizeof forum))
		buf_addf(&s->progress, "%s\t%s\t%.0f\n", forum,
			 strcmp(m->name, metric_family(M_SYNC_FETCHED)->name) == 0 ? "fetched"
										   : "total",
			 m->value);
	return 0;
}

/* A running pass's progress of forum: fetched and total (0 unknown). */
static int progress_of(const struct status *s, const char *forum, int64_t *fetched, int64_t *total)
{
	*fetched = *total = 0;
	const char *p = buf_str(&s->progress);
	size_t n = strlen(forum);
	while (*p) {
		const char *end = strchr(p, '\n');
		if (strncmp(p, forum, n) == 0 && p[n] == '\t') {
			const char *what = p + n + 1;
			int64_t v = strtoll(strchr(what, '\t') + 1, NULL, 10);
			if (strncmp(what, "fetched", 7) == 0)
				*fetched = v;
			else
				*total = v;
		}
		p = end ? end + 1 : p + strlen(p);
	}
	return *fetched > 0;
}

static const struct role_info *find_role(const struct status *s, const char *role)
{
	const char *host = metrics_host();
	for (size_t i = 0; i < s->nroles; i++)
		if (strcmp(s->roles[i].role, role) == 0 && strcmp(s->roles[i].host, host) == 0)
			return &s->roles[i];
	for (size_t i = 0; i < s->nroles; i++)
		if (strcmp(s->roles[i].role, role) == 0)
			return &s->roles[i];
	return NULL;
}

static const struct sync_info *find_sync(const struct status *s, const char *forum)
{
	for (size_t i = 0; i < s->nsyncs; i++)
		if (strcmp(s->syncs[i].forum, forum) == 0)
			return &s->syncs[i];
	return NULL;
}

static void problem(struct status *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct status *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&s->problems, fmt, ap);
	va_end(ap);
	buf_addc(&s->problems, '\n');
}

/* "3h12m", "45s" */
static void age(char *out, size_t n, int64_t secs)
{
	if (secs < 0)
		secs = 0;
	if (secs < 120)
		snprintf(out, n, "%llds", (long long)secs);
	else if (secs < 7200)
		snprintf(out, n, "%lldm%02llds", (long long)(secs / 60), (long long)(secs % 60));
	else if (secs < 2 * 86400)
		snprintf(out, n, "%lldh%02lldm", (long long)(secs / 3600),
			 (long long)(secs / 60 % 60));
	else
		snprintf(out, n, "%lldd%02lldh", (long long)(secs / 86400),
			 (long long)(secs / 3600 % 24));
}

static void when(char *out, size_t n, int64_t t)
{
	if (t <= 0) {
		snprintf(out, n, "never");
		return;
	}
	time_t tt = (time_t)t;
	struct tm tm;
	localtime_r(&tt, &tm);
	strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm);
}

/* The judgement: the problems of a running gateway. serve is the live
 * supervisor's row, or NULL when roles run alone. */
static void judge(struct status *s, const struct role_info *serve)
{
	const struct cfg *c = s->c;
	int sync_runs = 0;
	int64_t sync_since = 0;
	if (serve) {
		for (size_t i = 0; supervisor_role_name(i); i++) {
			const char *name = supervisor_role_name(i);
			if (!supervisor_role_wanted(c, name))
				continue;
			const struct role_info *r = find_role(s, name);
			int current = r && r->started >= serve->started;
			if (!current) {
				/* a role records itself within a second of its start */
				if (s->now - serve->started > 10)
					problem(s,
						"role %s: not running (never recorded since serve "
						"started)",
						name);
			} else if (!r->alive) {
				problem(s, "role %s: pid %lld is dead", name, (long long)r->pid);
			} else if (!r->fresh) {
				problem(s,
					"role %s: pid %lld stopped beating (heartbeat %llds ago)",
					name, (long long)r->pid,
					(long long)(s->now - r->heartbeat));
			}
			if (strcmp(name, "sync") == 0 && current && r->alive) {
				sync_runs = 1;
				sync_since = r->started;
			}
		}
	} else {
		for (size_t i = 0; i < s->nroles; i++) {
			const struct role_info *r = &s->roles[i];
			if (strcmp(r->state, "running") != 0 || strcmp(r->role, "serve") == 0)
				continue;
			if (!r->alive && strcmp(r->host, metrics_host()) == 0)
				problem(s, "role %s: pid %lld is dead", r->role, (long long)r->pid);
			else if (r->alive && !r->fresh)
				problem(s,
					"role %s: pid %lld stopped beating (heartbeat %llds ago)",
					r->role, (long long)r->pid,
					(long long)(s->now - r->heartbeat));
			if (strcmp(r->role, "sync") == 0 && r->alive) {
				sync_runs = 1;
				sync_since = r->started;
			}
		}
	}
	for (size_t i = 0; sync_runs && i < c->nforums; i++) {
		const struct cfg_forum *f = &c->forums[i];
		const struct sync_info *y = find_sync(s, f->name);
		int64_t limit = (int64_t)STATUS_LAG_INTERVALS *
				(f->poll_interval > 0 ? f->poll_interval : 60);
		int64_t fetched, total;
		int busy = progress_of(s, f->name, &fetched, &total);
		if (y && y->last_error_at > 0 && y->last_error_at >= y->last_success)
			problem(s, "forum %s: the last sync failed: %s", f->name,
				y->last_error ? y->last_error : "?");
		else if (busy)
			continue; /* a long pass (a backfill) is not lag */
		else if ((y == NULL || y->last_success == 0) && s->now - sync_since > limit)
			problem(s, "forum %s: never synced", f->name);
		else if (y && y->last_success > 0 && s->now - y->last_success > limit)
			problem(s,
				"forum %s: last successful sync %llds ago (more than %d poll "
				"intervals)",
				f->name, (long long)(s->now - y->last_success),
				STATUS_LAG_INTERVALS);
	}
	if (s->q.outbox_failed > 0)
		problem(s, "outbox: %lld %s failed (forumgate outbox list --state failed)",
			(long long)s->q.outbox_failed,
			s->q.outbox_failed == 1 ? "reply" : "replies");
}

static void print_text(const struct status *s, const struct role_info *serve, int running,
		       FILE *out)
{
	char a[32], w[32];
	fprintf(out, "store %s, host %s\n", s->c->gateway.store, metrics_host());
	if (serve) {
		age(a, sizeof a, s->now - serve->started);
		fprintf(out, "gateway: running (serve pid %lld, up %s)\n", (long long)serve->pid,
			a);
	} else {
		/* rows of stopped roles stay: only a live one runs alone */
		fprintf(out, "gateway: %s\n",
			running ? "roles run alone (no serve)" : "not running");
	}
	fprintf(out, "\n%-8s %-16s %8s  %-19s  %8s  %-9s  %s\n", "ROLE", "HOST", "PID", "UP SINCE",
		"RESTARTS", "HEARTBEAT", "STATE");
	for (size_t i = 0; i < s->nroles; i++) {
		const struct role_info *r = &s->roles[i];
		const char *state = strcmp(r->state, "running") != 0             ? r->state
				    : !r->alive                                  ? "dead"
				    : !r->fresh && strcmp(r->role, "serve") != 0 ? "stale"
										 : "up";
		when(w, sizeof w, r->started);
		if (strcmp(r->role, "serve") == 0)
			snprintf(a, sizeof a, "-");
		else
			age(a, sizeof a, s->now - r->heartbeat);
		fprintf(out, "%-8s %-16.16s %8lld  %-19s  %8lld  %-9s  %s\n", r->role, r->host,
			(long long)r->pid, w, (long long)r->restarts, a, state);
	}
	fprintf(out, "\n%-16s %-19s %9s  %s\n", "FORUM", "LAST SUCCESS", "LAG", "LAST ERROR");
	for (size_t i = 0; i < s->c->nforums; i++) {
		const char *name = s->c->forums[i].name;
		const struct sync_info *y = find_sync(s, name);
		int failing = y && y->last_error_at > 0 && y->last_error_at >= y->last_success;
		when(w, sizeof w, y ? y->last_success : 0);
		if (y && y->last_success)
			age(a, sizeof a, s->now - y->last_success);
		else
			snprintf(a, sizeof a, "-");
		fprintf(out, "%-16s %-19s %9s  %s\n", name, w, a,
			failing && y->last_error ? y->last_error : "-");
		int64_t fetched, total;
		if (progress_of(s, name, &fetched, &total)) {
			if (total > 0)
				fprintf(out, "%-16s fetching: %lld/%lld (%.0f%%)\n", "",
					(long long)fetched, (long long)total,
					100.0 * (double)fetched / (double)total);
			else
				fprintf(out, "%-16s fetching: %lld so far\n", "",
					(long long)fetched);
		}
	}
	if (s->q.outbox_oldest)
		age(a, sizeof a, s->now - s->q.outbox_oldest);
	fprintf(out, "\noutbox: %lld queued (oldest %s), %lld failed, %lld held\n",
		(long long)s->q.outbox_queued, s->q.outbox_oldest ? a : "-",
		(long long)s->q.outbox_failed, (long long)s->q.outbox_held);
	if (s->q.list_oldest)
		age(a, sizeof a, s->now - s->q.list_oldest);
	fprintf(out, "list queue: %lld queued (oldest %s), %lld sending, %lld failed\n",
		(long long)s->q.list_queued, s->q.list_oldest ? a : "-",
		(long long)s->q.list_sending, (long long)s->q.list_failed);
	fprintf(out, "NNTP connections open: %lld, LMTP sessions open: %lld\n",
		(long long)s->nntp_connections, (long long)s->lmtp_sessions);
	if (s->problems.len)
		fprintf(out, "\nproblems:\n");
	for (const char *p = buf_str(&s->problems); *p;) {
		const char *end = strchr(p, '\n');
		fprintf(out, "  %.*s\n", (int)(end - p), p);
		p = end + 1;
	}
}

static void print_json(const struct status *s, const struct role_info *serve, int running,
		       FILE *out)
{
	json_t *o = json_object();
	json_object_set_new(o, "store", json_string(s->c->gateway.store));
	json_object_set_new(o, "host", json_string(metrics_host()));
	json_object_set_new(o, "running", json_boolean(running));
	json_object_set_new(o, "serve_pid", serve ? json_integer(serve->pid) : json_null());
	json_t *roles = json_array();
	for (size_t i = 0; i < s->nroles; i++) {
		const struct role_info *r = &s->roles[i];
		json_t *x = json_object();
		json_object_set_new(x, "role", json_string(r->role));
		json_object_set_new(x, "host", json_string(r->host));
		json_object_set_new(x, "pid", json_integer(r->pid));
		json_object_set_new(x, "started", json_integer(r->started));
		json_object_set_new(x, "restarts", json_integer(r->restarts));
		json_object_set_new(x, "heartbeat", json_integer(r->heartbeat));
		json_object_set_new(x, "state", json_string(r->state));
		json_object_set_new(x, "alive", json_boolean(r->alive));
		json_object_set_new(x, "heartbeat_fresh", json_boolean(r->fresh));
		json_array_append_new(roles, x);
	}
	json_object_set_new(o, "roles", roles);
	json_t *forums = json_array();
	for (size_t i = 0; i < s->c->nforums; i++) {
		const char *name = s->c->forums[i].name;
		const struct sync_info *y = find_sync(s, name);
		json_t *x = json_object();
		json_object_set_new(x, "forum", json_string(name));
		json_object_set_new(x, "poll_interval",
				    json_integer(s->c->forums[i].poll_interval));
		json_object_set_new(x, "last_success", json_integer(y ? y->last_success : 0));
		json_object_set_new(x, "last_attempt", json_integer(y ? y->last_attempt : 0));
		int failing = y && y->last_error_at > 0 && y->last_error_at >= y->last_success;
		json_object_set_new(x, "failing", json_boolean(failing));
		json_object_set_new(x, "last_error",
				    y && y->last_error ? json_string(y->last_error) : json_null());
		json_object_set_new(x, "passes", json_integer(y ? y->passes : 0));
		json_object_set_new(x, "failures", json_integer(y ? y->failures : 0));
		json_object_set_new(x, "posts", json_integer(y ? y->posts : 0));
		int64_t fetched, total;
		progress_of(s, name, &fetched, &total);
		json_object_set_new(x, "progress_fetched", json_integer(fetched));
		json_object_set_new(x, "progress_total", json_integer(total));
		json_array_append_new(forums, x);
	}
	json_object_set_new(o, "forums", forums);
	json_object_set_new(o, "outbox",
			    json_pack("{sI sI sI sI}", "queued", (json_int_t)s->q.outbox_queued,
				      "failed", (json_int_t)s->q.outbox_failed, "held",
				      (json_int_t)s->q.outbox_held, "oldest",
				      (json_int_t)s->q.outbox_oldest));
	json_object_set_new(o, "list_queue",
			    json_pack("{sI sI sI sI}", "queued", (json_int_t)s->q.list_queued,
				      "sending", (json_int_t)s->q.list_sending, "failed",
				      (json_int_t)s->q.list_failed, "oldest",
				      (json_int_t)s->q.list_oldest));
	json_object_set_new(o, "nntp_connections", json_integer(s->nntp_connections));
	json_object_set_new(o, "lmtp_sessions", json_integer(s->lmtp_sessions));
	json_t *probs = json_array();
	for (const char *p = buf_str(&s->problems); *p;) {
		const char *end = strchr(p, '\n');
		json_array_append_new(probs, json_stringn(p, (size_t)(end - p)));
		p = end + 1;
	}
	json_object_set_new(o, "problems", probs);
	json_dumpf(o, out, JSON_INDENT(2));
	fputc('\n', out);
	json_decref(o);
}

int status_run(const struct cfg *c, int json, FILE *out)
{
	struct status s = {
		.c = c, .now = (int64_t)time(NULL), .progress = BUF_INIT, .problems = BUF_INIT};
	struct store *st = NULL;
	char *err = NULL;
	int rc;
	if (access(c->gateway.store, F_OK) != 0 && errno == ENOENT) {
		fprintf(stderr, "forumgate: no store at %s: no gateway has run here\n",
			c->gateway.store);
		return STATUS_NOT_RUNNING;
	}
	if (store_open(c->gateway.store, STORE_RDONLY, &st, &err) != 0) {
		fprintf(stderr, "forumgate: %s\n", err);
		free(err);
		return STATUS_UNREADABLE;
	}
	if (store_schema_version(st) < 11) {
		/* an older forumgate wrote it: nothing of a running gateway */
		fprintf(stderr,
			"forumgate: the store %s has no runtime state yet: no gateway "
			"of this version has run on it\n",
			c->gateway.store);
		store_close(st);
		return STATUS_NOT_RUNNING;
	}
	if (store_role_list(st, take_role, &s, &err) != 0 ||
	    store_sync_list(st, take_sync, &s, &err) != 0 ||
	    store_metric_list(st, take_metric, &s, &err) != 0 ||
	    store_queue_stats(st, &s.q, &err) != 0) {
		fprintf(stderr, "forumgate: %s\n", err);
		free(err);
		rc = STATUS_UNREADABLE;
		goto out;
	}
	const struct role_info *serve = NULL;
	int running = 0;
	for (size_t i = 0; i < s.nroles; i++) {
		if (strcmp(s.roles[i].role, "serve") == 0 && s.roles[i].alive && serve == NULL)
			serve = &s.roles[i];
		if (s.roles[i].alive)
			running = 1;
	}
	if (running)
		judge(&s, serve);
	if (json)
		print_json(&s, serve, running, out);
	else
		print_text(&s, serve, running, out);
	rc = !running ? STATUS_NOT_RUNNING : s.problems.len ? STATUS_PROBLEM : STATUS_OK;
	if (!running && !json)
		fprintf(out, "\nno gateway is running on this store\n");
out:
	store_close(st);
	for (size_t i = 0; i < s.nroles; i++) {
		free(s.roles[i].host);
		free(s.roles[i].role);
		free(s.roles[i].state);
	}
	free(s.roles);
	for (size_t i = 0; i < s.nsyncs; i++) {
		free(s.syncs[i].forum);
		free(s.syncs[i].last_error);
	}
	free(s.syncs);
	buf_free(&s.progress);
	buf_free(&s.problems);
	return rc;
}
