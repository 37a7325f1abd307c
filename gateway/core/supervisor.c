/*
 * The role supervisor (see supervisor.h). Plain fork/waitpid: each role is a
 * separate process with its own store connections, so a crash in one (say a
 * newsreader session tripping a bug in nntpd) never takes the others down.
 * The supervisor keeps the identity it was started with (root, when roles
 * bind ports below 1024): a role it restarts binds again before it drops.
 */
#include "forumgate/supervisor.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "forumgate/buf.h"
#include "forumgate/imap.h"
#include "forumgate/lmtp.h"
#include "forumgate/log.h"
#include "forumgate/nntp.h"
#include "forumgate/outbox.h"
#include "forumgate/priv.h"
#include "forumgate/store.h"
#include "forumgate/sync.h"

static const struct supervisor_role roles[] = {
	{"sync", sync_loop, 0, 0},
	{"nntpd", nntpd_run, 1, 1},
	{"mailin", mailin_run, 1, 1},
	{"imapin", imapin_run, 0, 1},
	{"outbox", outbox_loop, 0, 0},
};
#define NROLES (sizeof roles / sizeof roles[0])

/* The slots of the store's lock file (store_lock), one per kind of role
 * that must run once per store. */
static const struct {
	const char *role;
	const char *what;
} unique[] = {
	{"sync", "the sync role"},
	{"outbox", "the outbox"},
	{"imapin", "the IMAP intake"},
	{"mailin", "the Maildir intake"}, /* only with mail.maildir */
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

static pid_t start_role(const struct cfg *c, const struct supervisor_role *r)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid != 0)
		return pid; /* parent, or -1 */
	/* die with the supervisor; it may have died before the prctl */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1);
	struct sigaction sa = {.sa_handler = on_role_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_IGN); /* a role that reloads on SIGHUP sets its own */
	log_set_role(r->name);
	char *err = NULL;
	if (!r->binds && priv_drop(c, r->name, r->network, &err) != 0) {
		log_err("%s", err);
		_exit(1);
	}
	log_info("started (pid %d)", (int)getpid());
	int rc = r->run(c, &role_stop);
	log_info("stopped");
	_exit(rc == 0 ? 0 : 1);
}

int supervisor_run(const struct cfg *c)
{
	pid_t pids[NROLES] = {0};
	time_t started[NROLES] = {0};
	int delay[NROLES] = {0};
	struct sigaction sa = {.sa_handler = on_sup_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* SIGHUP is passed on (nntpd reloads its certificate), not fatal */
	struct sigaction hup = {.sa_handler = on_sup_hup};
	sigaction(SIGHUP, &hup, NULL);
	log_set_role("supervisor");

	while (!sup_stop) {
		if (sup_hup) {
			sup_hup = 0;
			for (size_t i = 0; i < NROLES; i++)
				if (pids[i] > 0)
					kill(pids[i], SIGHUP);
		}
		for (size_t i = 0; i < NROLES && !sup_stop; i++) {
			if (pids[i] > 0)
				continue;
			if (delay[i] && time(NULL) < started[i] + delay[i])
				continue;
			started[i] = time(NULL);
			pids[i] = start_role(c, &roles[i]);
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
				log_err("%s exited with status %d; restarting in %ds", roles[i].name,
					WEXITSTATUS(status), delay[i]);
		}
	}
	for (size_t i = 0; i < NROLES; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	for (size_t i = 0; i < NROLES; i++)
		if (pids[i] > 0)
			waitpid(pids[i], NULL, 0);
	log_info("all roles stopped");
	return 0;
}
