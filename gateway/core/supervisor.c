/*
 * The role supervisor (see supervisor.h). Plain fork/waitpid: each role is a
 * separate process with its own store connections, so a crash in one (say a
 * newsreader session tripping a bug in nntpd) never takes the others down.
 */
#include "forumgate/supervisor.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "forumgate/log.h"
#include "forumgate/imap.h"
#include "forumgate/lmtp.h"
#include "forumgate/nntp.h"
#include "forumgate/outbox.h"
#include "forumgate/sync.h"

static const struct supervisor_role roles[] = {
	{"sync", sync_loop},
	{"nntpd", nntpd_run},
	{"mailin", mailin_run},
	{"imapin", imapin_run},
	{"outbox", outbox_loop},
};
#define NROLES (sizeof roles / sizeof roles[0])

static volatile sig_atomic_t sup_stop;
static volatile sig_atomic_t role_stop;

static void on_sup_signal(int sig)
{
	sup_stop = 1;
}

static void on_role_signal(int sig)
{
	role_stop = 1;
}

static pid_t start_role(const struct cfg *c, const struct supervisor_role *r)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid; /* parent, or -1 */
	struct sigaction sa = {.sa_handler = on_role_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	log_set_role(r->name);
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
	log_set_role("supervisor");

	while (!sup_stop) {
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
