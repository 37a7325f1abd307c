/*
 * The role supervisor (see supervisor.h). Plain fork/waitpid: each role is a
 * separate process with its own store connections, so a crash in one (say a
 * newsreader session tripping a bug in nntpd) never takes the others down.
 * The supervisor keeps the identity it was started with (root, when roles
 * bind ports below 1024): a role it restarts binds again before it drops.
 */
#include "forumgate/supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "forumgate/buf.h"
#include "forumgate/httpd.h"
#include "forumgate/imap.h"
#include "forumgate/listd.h"
#include "forumgate/lmtp.h"
#include "forumgate/log.h"
#include "forumgate/metrics.h"
#include "forumgate/nntp.h"
#include "forumgate/outbox.h"
#include "forumgate/priv.h"
#include "forumgate/sdnotify.h"
#include "forumgate/store.h"
#include "forumgate/sync.h"

static const struct supervisor_role roles[] = {
	{"sync", sync_loop, 0, 0},    {"nntpd", nntpd_run, 1, 1},    {"mailin", mailin_run, 1, 1},
	{"imapin", imapin_run, 0, 1}, {"outbox", outbox_loop, 0, 0}, {"httpd", httpd_run, 1, 1},
	{"listd", listd_run, 0, 1},
};
#define NROLES (sizeof roles / sizeof roles[0])

/* The slots of the store's lock file (store_lock), one per kind of role
 * that must run once per store. */
static const struct {
	const char *role;
	const char *what;
} unique[] = {
	{"sync", "the sync role"},        {"outbox", "the outbox"}, {"imapin", "the IMAP intake"},
	{"mailin", "the Maildir intake"}, /* only with mail.maildir */
	{"listd", "the list delivery"},   /* serve: only with list.enabled */
};

static volatile sig_atomic_t sup_stop;
static volatile sig_atomic_t sup_hup;
static volatile sig_atomic_t role_stop;

static void on_sup_signal(int sig)
{
	sup_stop = 1;
}

static void on_sup_hup(int sig)
{
	sup_hup = 1;
}

static void on_role_signal(int sig)
{
	role_stop = 1;
}

const struct supervisor_role *supervisor_role_find(const char *name)
{
	for (size_t i = 0; i < NROLES; i++)
		if (strcmp(roles[i].name, name) == 0)
			return &roles[i];
	return NULL;
}

int supervisor_lock(const struct cfg *c, const char *name, char **err)
{
	int all = strcmp(name, "serve") == 0;
	for (size_t i = 0; i < sizeof unique / sizeof unique[0]; i++) {
		if (!all && strcmp(unique[i].role, name) != 0)
			continue;
		if (strcmp(unique[i].role, "mailin") == 0 && c->mail.maildir_path == NULL)
			continue; /* LMTP alone may run several times */
		if (all && strcmp(unique[i].role, "listd") == 0 && !c->list.enabled)
			continue;
		int r = store_lock(c->gateway.store, (int)i, err);
		if (r < 0)
			return -1;
		if (r == 1)
			return fg_error(err,
					"another forumgate runs %s on the store %s (its lock in "
					"%s.lock is taken): one gateway per store",
					unique[i].what, c->gateway.store, c->gateway.store);
	}
	return 0;
}

/* The argv area of the process, for the title `ps` shows (as INN and
 * Postfix set theirs): the strings argv points to, which lie end to end. */
static char *title_area;
static size_t title_len;

void supervisor_title_init(int argc, char **argv)
{
	if (argc < 1 || argv[0] == NULL)
		return;
	char *end = argv[0] + strlen(argv[0]);
	for (int i = 1; i < argc && argv[i] == end + 1; i++)
		end = argv[i] + strlen(argv[i]);
	title_area = argv[0];
	title_len = (size_t)(end - argv[0]);
}

void supervisor_set_title(const char *role)
{
	char comm[16];
	snprintf(comm, sizeof comm, "fg-%s", role);
	prctl(PR_SET_NAME, comm); /* ps -o comm, top */
	if (title_area == NULL || title_len == 0)
		return;
	/* the strings after argv[0] may still be in use (the config's
	 * pieces were copied at load): only a role's child calls this */
	memset(title_area, 0, title_len + 1);
	snprintf(title_area, title_len + 1, "forumgate: %s", role);
}

/* The write end of the readiness pipe of a role that serve is starting:
 * the role writes one byte once it holds what it needs (its listeners
 * bound, its key read: the successful priv_drop, priv_on_drop) and the
 * supervisor waits for it; -1 otherwise. */
static int ready_fd = -1;

static void role_ready(void)
{
	/* the role runs as the user it stays: its heartbeat can start */
	metrics_start();
	if (ready_fd < 0)
		return;
	char b = 'R';
	if (write(ready_fd, &b, 1) != 1) {
		/* the supervisor then sees the role as failed at start */
	}
	close(ready_fd);
	ready_fd = -1;
}

/* Forks role r, restarted `restarts` times since serve started. With ready
 * (start-up) *ready is the read end of the role's readiness pipe, else no
 * pipe is made. */
static pid_t start_role(const struct cfg *c, const struct supervisor_role *r, int *ready,
			int64_t restarts)
{
	int fds[2] = {-1, -1};
	if (ready && pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid != 0) {
		if (ready) {
			close(fds[1]);
			if (pid < 0)
				close(fds[0]);
			else
				*ready = fds[0];
		}
		return pid; /* parent, or -1 */
	}
	if (ready) {
		close(fds[0]);
		ready_fd = fds[1];
	}
	priv_on_drop(role_ready);
	/* die with the supervisor; it may have died before the prctl */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1);
	supervisor_set_title(r->name);
	struct sigaction sa = {.sa_handler = on_role_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_IGN); /* a role that reloads on SIGHUP sets its own */
	log_set_role(r->name);
	metrics_prepare(c, r->name, restarts);
	char *err = NULL;
	if (!r->binds && priv_drop(c, r->name, r->network, &err) != 0) {
		log_err("%s", err);
		_exit(1);
	}
	log_info("started (pid %d)", (int)getpid());
	int rc = r->run(c, &role_stop);
	metrics_stop();
	log_info("stopped");
	_exit(rc == 0 ? 0 : 1);
}

/* Whether serve runs role r: the IMAP intake only with mail.imap, the
 * HTTP listener only with http.listen. */
static int role_wanted(const struct cfg *c, const struct supervisor_role *r)
{
	if (strcmp(r->name, "httpd") == 0)
		return c->http.listen != NULL;
	if (strcmp(r->name, "listd") == 0)
		return c->list.enabled;
	return strcmp(r->name, "imapin") != 0 || c->mail.imap.host != NULL;
}

/* Waits for the readiness byte of each started role. Returns the index of
 * the first role that ended (or gave up waiting) before it was ready, or
 * -1 when all are. A role's own error is on stderr already. */
static int wait_ready(int *ready)
{
	int failed = -1;
	for (size_t i = 0; i < NROLES; i++) {
		if (ready[i] < 0)
			continue;
		struct pollfd p = {.fd = ready[i], .events = POLLIN};
		char b = 0;
		int r;
		/* a role opens (and may migrate) the store before it is ready */
		while ((r = poll(&p, 1, 120000)) < 0 && errno == EINTR && !sup_stop)
			;
		if (failed < 0 && (r <= 0 || read(ready[i], &b, 1) != 1 || b != 'R'))
			failed = (int)i;
		close(ready[i]);
		ready[i] = -1;
	}
	return failed;
}

/* SIGTERM to every running role, then waits for each to finish. */
static void stop_all(const pid_t *pids)
{
	for (size_t i = 0; i < NROLES; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	for (size_t i = 0; i < NROLES; i++)
		if (pids[i] > 0)
			waitpid(pids[i], NULL, 0);
}

/* STATUS= for the service manager: the roles that run. */
static void notify_status(const pid_t *pids, const char *what)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < NROLES; i++)
		if (pids[i] > 0)
			buf_addf(&b, "%s%s", b.len ? ", " : "", roles[i].name);
	sdnotify_sendf("STATUS=%s%s%s", what ? what : "",
		       what ? "; serving: " : "serving: ", b.len ? buf_str(&b) : "nothing");
	buf_free(&b);
}

/* ---- reload (SIGHUP) ------------------------------------------------------ */

/* The top-level sections of the configuration each role reads; a role
 * whose sections are unchanged by a reload keeps running. "log" stands
 * for gateway.log_level, kept apart from the rest of gateway so that a new
 * level alone restarts no listener. A role not named here (one added
 * later) is restarted on any change. */
static const struct {
	const char *role;
	const char *sections[8]; /* NULL-terminated */
} role_sections[] = {
	{"sync", {"gateway", "forums", "log"}},
	{"nntpd", {"gateway", "forums", "nntp", "auth", "log"}},
	{"mailin", {"gateway", "forums", "mail", "auth", "log"}},
	{"imapin", {"gateway", "forums", "mail", "auth", "log"}},
	{"outbox", {"gateway", "forums", "mail", "auth", "log"}},
	{"httpd", {"gateway", "forums", "http", "list", "mail", "log"}},
	{"listd", {"gateway", "forums", "list", "mail", "http", "log"}},
};

/* The printed form (cfg_print) of top-level section `name` of c, "log"
 * being gateway.log_level alone and "gateway" the rest of it; malloc'd. */
static char *section_text(const struct cfg *c, const char *name)
{
	char *all = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&all, &len);
	if (f == NULL)
		return xstrdup("");
	cfg_print(c, f);
	fclose(f);
	struct buf out = BUF_INIT;
	int in = 0, is_log = strcmp(name, "log") == 0;
	const char *want = is_log ? "gateway" : name;
	for (char *line = strtok(all, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] != ' ' && line[0] != '#') {
			size_t n = strlen(want);
			in = strncmp(line, want, n) == 0 && line[n] == ':';
		}
		int level_line = strncmp(line, "  log_level:", 12) == 0;
		if (in && level_line == is_log)
			buf_addf(&out, "%s\n", line);
	}
	free(all);
	char *text = buf_detach(&out);
	return text ? text : xstrdup("");
}

/* Whether reading new instead of old changes what role r reads. */
static bool role_changed(const struct cfg *old, const struct cfg *new, const char *role)
{
	static const char *const every[] = {"gateway", "forums", "nntp",  "mail", "auth",
					    "http",    "log",    "lists", NULL};
	const char *const *secs = every;
	for (size_t i = 0; i < sizeof role_sections / sizeof role_sections[0]; i++)
		if (strcmp(role_sections[i].role, role) == 0)
			secs = role_sections[i].sections;
	bool changed = false;
	for (; *secs && !changed; secs++) {
		char *a = section_text(old, *secs), *b = section_text(new, *secs);
		changed = strcmp(a, b) != 0;
		free(a);
		free(b);
	}
	return changed;
}

static bool str_differs(const char *a, const char *b)
{
	return (a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0);
}

/* nntpd reloads in place (SIGHUP: its certificate, log level), keeping
 * its connections; it restarts only when what it binds or who it runs as
 * changes. */
static bool nntpd_must_restart(const struct cfg *old, const struct cfg *new)
{
	if (old->nntp.nlisten != new->nntp.nlisten || old->nntp.workers != new->nntp.workers)
		return true;
	for (size_t i = 0; i < old->nntp.nlisten; i++)
		if (str_differs(old->nntp.listen[i].address, new->nntp.listen[i].address) ||
		    str_differs(old->nntp.listen[i].tls, new->nntp.listen[i].tls))
			return true;
	char *a = section_text(old, "gateway"), *b = section_text(new, "gateway");
	bool changed = strcmp(a, b) != 0;
	free(a);
	free(b);
	return changed;
}

/* Logs each line of a (possibly multi-line) error. */
static void log_lines(enum log_level lvl, const char *prefix, const char *text)
{
	char *copy = xstrdup(text);
	for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n"))
		log_msg(lvl, "%s%s", prefix, line);
	free(copy);
}

/* Reads the configuration again, as it was read at start (same file, same
 * -o overrides). NULL, after logging why, when it cannot be used: then the
 * old one stays in force. */
static struct cfg *reload_config(const struct cfg *old)
{
	struct cfg *c = NULL;
	char *err = NULL;
	if (cfg_load_flags(old->file, old->overrides, old->noverrides, CFG_CHECK_FILES, &c, &err) !=
	    0) {
		log_err("reload: %s is not valid, keeping the configuration in force:", old->file);
		log_lines(LOG_LVL_ERR, "reload: ", err);
		free(err);
		return NULL;
	}
	/* the store and its lock, and who owns its files, are fixed for the
	 * life of the supervisor */
	const char *fixed = str_differs(old->gateway.store, c->gateway.store)   ? "gateway.store"
			    : str_differs(old->gateway.user, c->gateway.user)   ? "gateway.user"
			    : str_differs(old->gateway.group, c->gateway.group) ? "gateway.group"
			    : str_differs(old->mail.maildir_path, c->mail.maildir_path)
				    ? "mail.maildir.path"
				    : NULL;
	if (fixed) {
		log_err("reload: %s changed in %s: restart forumgate to take it; keeping the "
			"configuration in force",
			fixed, old->file);
		cfg_free(c);
		return NULL;
	}
	return c;
}

/* ---- the supervisor ------------------------------------------------------- */

/* The supervisor's own row of the runtime state (store.h), which `forumgate
 * status` takes as "a gateway runs here". Written with a connection opened
 * and closed on the spot: no SQLite connection may be open across a fork
 * (DEPENDENCIES.md). Its roles beat their own heartbeats. */
static void record_serve(const struct cfg *c, int how)
{
	struct store *st = NULL;
	char *err = NULL;
	int64_t now = (int64_t)time(NULL);
	int r = store_open(c->gateway.store, STORE_RW, &st, &err);
	if (r == 0 && how == 0)
		r = store_role_started(st, metrics_host(), "serve", getpid(), now, 0, &err);
	else if (r == 0 && how == 1)
		r = store_role_stopped(st, metrics_host(), "serve", getpid(), now, &err);
	else if (r == 0)
		r = store_role_heartbeat(st, metrics_host(), "serve", getpid(), now, &err) < 0 ? -1
											       : 0;
	if (r != 0)
		log_warn("cannot record serve in the store: %s", err);
	free(err);
	store_close(st);
}

int supervisor_role_wanted(const struct cfg *c, const char *name)
{
	const struct supervisor_role *r = supervisor_role_find(name);
	return r && role_wanted(c, r);
}

const char *supervisor_role_name(size_t i)
{
	return i < NROLES ? roles[i].name : NULL;
}

/* Starts role i with c and waits until it is ready. 0, or -1 (the role
 * ended or could not fork; the main loop restarts it later). */
static int start_and_wait(const struct cfg *c, size_t i, pid_t *pids, time_t *started,
			  const int64_t *restarts)
{
	int ready[NROLES];
	for (size_t k = 0; k < NROLES; k++)
		ready[k] = -1;
	started[i] = time(NULL);
	pids[i] = start_role(c, &roles[i], &ready[i], restarts[i]);
	if (pids[i] < 0) {
		log_err("cannot start %s: %s", roles[i].name, strerror(errno));
		pids[i] = 0;
		return -1;
	}
	return wait_ready(ready) < 0 ? 0 : -1;
}

/* Applies a reload: roles whose configuration changed are restarted with
 * new (nntpd reloads in place where it can), the others keep running. */
static void apply_reload(const struct cfg *old, const struct cfg *new, pid_t *pids, time_t *started,
			 int *delay, const int64_t *restarts)
{
	enum log_level lvl;
	if (log_level_parse(new->gateway.log_level, &lvl) == 0)
		log_set_level(lvl);
	for (size_t i = 0; i < NROLES; i++) {
		const char *name = roles[i].name;
		int was = role_wanted(old, &roles[i]), is = role_wanted(new, &roles[i]);
		bool restart = was && is && role_changed(old, new, name);
		if (restart && strcmp(name, "nntpd") == 0 && !nntpd_must_restart(old, new)) {
			if (pids[i] > 0)
				kill(pids[i], SIGHUP);
			log_info(
				"reload: nntpd reloads in place (connections kept; its certificate "
				"and log level change now, other nntp, forums and auth settings "
				"when it restarts)");
			continue;
		}
		if (!restart && was && is) {
			if (pids[i] > 0 && strcmp(name, "nntpd") == 0)
				kill(pids[i], SIGHUP); /* its certificate may be new */
			continue;
		}
		if (!was && !is)
			continue;
		if (pids[i] > 0) {
			log_info("reload: stopping %s%s", name,
				 is ? " to restart it with the new configuration" : "");
			kill(pids[i], SIGTERM);
			waitpid(pids[i], NULL, 0);
			pids[i] = 0;
		}
		if (is) {
			delay[i] = 0;
			if (start_and_wait(new, i, pids, started, restarts) != 0)
				log_err("reload: %s did not start with the new configuration; "
					"retrying",
					name);
		}
	}
}

int supervisor_run(const struct cfg *c)
{
	pid_t pids[NROLES] = {0};
	time_t started[NROLES] = {0};
	int delay[NROLES] = {0};
	int64_t restarts[NROLES] = {0};
	int ready[NROLES];
	const struct cfg *cur = c; /* the configuration in force */
	struct cfg *owned = NULL;  /* cur when a reload made it */
	struct sigaction sa = {.sa_handler = on_sup_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* SIGHUP reloads the configuration (and nntpd its certificate) */
	struct sigaction hup = {.sa_handler = on_sup_hup};
	sigaction(SIGHUP, &hup, NULL);
	log_set_role("supervisor");
	sdnotify_init();
	unsigned long long wd_usec = sdnotify_watchdog_usec();
	struct timespec wd_last = {0};
	sdnotify_send("STATUS=starting roles");
	record_serve(c, 0);

	/* At start-up a role that cannot start at all (a port in use, a
	 * missing certificate) stops serve: restarting it would fail the same
	 * way forever while the others run. Only a role that dies later is
	 * restarted. */
	for (size_t i = 0; i < NROLES; i++)
		ready[i] = -1;
	for (size_t i = 0; i < NROLES; i++) {
		if (!role_wanted(c, &roles[i]))
			continue;
		started[i] = time(NULL);
		pids[i] = start_role(c, &roles[i], &ready[i], 0);
		if (pids[i] < 0) {
			log_err("cannot start %s: %s", roles[i].name, strerror(errno));
			pids[i] = 0;
			ready[i] = -1;
			break;
		}
	}
	int failed = wait_ready(ready);
	for (size_t i = 0; failed < 0 && i < NROLES; i++)
		if (pids[i] == 0 && role_wanted(c, &roles[i]))
			failed = (int)i; /* the fork failed */
	if (failed >= 0 && !sup_stop) {
		log_err("%s could not start (see above): stopping all roles", roles[failed].name);
		sdnotify_sendf("STOPPING=1\nSTATUS=%s could not start", roles[failed].name);
		stop_all(pids);
		record_serve(c, 1);
		return EX_UNAVAILABLE;
	}
	if (!sup_stop) {
		/* every role holds its listeners: the service is up */
		sdnotify_send("READY=1");
		notify_status(pids, NULL);
	}

	time_t last_beat = time(NULL);
	while (!sup_stop) {
		if (time(NULL) - last_beat >= METRICS_FLUSH_SECONDS) {
			record_serve(cur, 2); /* its heartbeat */
			last_beat = time(NULL);
		}
		if (wd_usec) {
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			unsigned long long since =
				(unsigned long long)(now.tv_sec - wd_last.tv_sec) * 1000000ULL +
				(unsigned long long)((now.tv_nsec - wd_last.tv_nsec) / 1000);
			if (since >= wd_usec / 2) {
				sdnotify_send("WATCHDOG=1");
				wd_last = now;
			}
		}
		if (sup_hup) {
			sup_hup = 0;
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			sdnotify_sendf("RELOADING=1\nSTATUS=reloading %s\nMONOTONIC_USEC=%llu",
				       cur->file,
				       (unsigned long long)now.tv_sec * 1000000ULL +
					       (unsigned long long)now.tv_nsec / 1000);
			log_info("SIGHUP: reloading %s", cur->file);
			struct cfg *next = reload_config(cur);
			if (next) {
				apply_reload(cur, next, pids, started, delay, restarts);
				cfg_free(owned);
				cur = owned = next;
				log_info("reload: done");
			}
			sdnotify_send("READY=1");
			notify_status(pids,
				      next ? NULL : "reload refused, old configuration in force");
		}
		for (size_t i = 0; i < NROLES && !sup_stop; i++) {
			if (pids[i] > 0 || !role_wanted(cur, &roles[i]))
				continue;
			if (delay[i] && time(NULL) < started[i] + delay[i])
				continue;
			started[i] = time(NULL);
			/* a role the loop starts is one that died (or failed to
			 * start after a reload): counted for `forumgate status` */
			pids[i] = start_role(cur, &roles[i], NULL, ++restarts[i]);
			if (pids[i] < 0) {
				log_err("cannot start %s: %s", roles[i].name, strerror(errno));
				pids[i] = 0;
			}
		}
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid <= 0) {
			usleep(200000); /* also paces restarts; signals cut it short */
			continue;
		}
		for (size_t i = 0; i < NROLES; i++) {
			if (pids[i] != pid)
				continue;
			pids[i] = 0;
			if (sup_stop)
				break;
			/* a role that lived a minute restarts at once; one that keeps
			 * dying waits up to a minute between attempts */
			delay[i] = time(NULL) - started[i] > 60 ? 0 : (delay[i] ? delay[i] * 2 : 1);
			if (delay[i] > 60)
				delay[i] = 60;
			if (WIFSIGNALED(status))
				log_err("%s died with signal %d; restarting in %ds", roles[i].name,
					WTERMSIG(status), delay[i]);
			else
				log_err("%s exited with status %d; restarting in %ds",
					roles[i].name, WEXITSTATUS(status), delay[i]);
			sdnotify_sendf("STATUS=%s restarting in %ds", roles[i].name, delay[i]);
		}
	}
	sdnotify_send("STOPPING=1\nSTATUS=stopping roles");
	stop_all(pids);
	record_serve(cur, 1);
	log_info("all roles stopped");
	cfg_free(owned);
	return 0;
}
