/*
 * supervisor: `forumgate serve` forks one process per role (DESIGN.md: the
 * store is the bus, roles never call each other), restarts a role that dies
 * after start-up (with a growing delay when it keeps dying; a role that
 * cannot start at all stops serve at once), and on SIGTERM or SIGINT
 * forwards the signal to every role and waits for them to finish.
 *
 * SIGHUP reloads: the configuration is read again (same file, same -o
 * overrides, cfg.overrides); an invalid one is logged and the one in force
 * stays. Of a valid one, each role whose sections changed is restarted
 * with it; nntpd instead gets SIGHUP and reloads its certificate and log
 * level in place, keeping its connections, unless its listeners changed.
 * gateway.store, user, group and mail.maildir.path are fixed until serve
 * restarts.
 *
 * Under systemd (Type=notify; sdnotify.h) serve sends READY=1 once every
 * role reported that it holds its listeners, STATUS= lines, RELOADING=1
 * and READY=1 around a reload, WATCHDOG=1 and STOPPING=1.
 *
 * Roles die with their supervisor: each gets SIGTERM when the supervisor
 * goes away, however it goes (prctl PR_SET_PDEATHSIG), so a killed serve
 * never leaves roles behind to run beside the next one.
 *
 * One gateway per store: the roles that must not run twice on a store
 * (sync, outbox, imapin, listd, and mailin's Maildir scan: two would post
 * the same replies twice, mail subscribers twice or race for the same
 * messages) hold a slot of the store's
 * lock file, taken by serve for all of them and by a role run alone for its
 * own. nntpd and mailin's LMTP may run several times (several nodes can
 * serve one store). serve's roles inherit its locks, so they end only
 * when the supervisor and all its roles are gone.
 */
#ifndef FORUMGATE_SUPERVISOR_H
#define FORUMGATE_SUPERVISOR_H

#include <signal.h>
#include <stddef.h>

#include "forumgate/config.h"

struct supervisor_role {
	const char *name;
	/* Runs the role until *stop becomes non-zero; returns 0 or -1. */
	int (*run)(const struct cfg *c, volatile sig_atomic_t *stop);
	/* run() binds listeners and then drops root itself (priv_drop);
	 * the other roles are dropped before run() is called */
	int binds;
	/* serves untrusted peers: not as root unless gateway.allow_root */
	int network;
};

/* The built-in role called name, or NULL. */
const struct supervisor_role *supervisor_role_find(const char *name);

/* Whether serve runs role `name` with configuration c (imapin only with
 * mail.imap, ...), and the names of the built-in roles by index (NULL past
 * the last): for `forumgate status`. */
int supervisor_role_wanted(const struct cfg *c, const char *name);
const char *supervisor_role_name(size_t i);

/* Takes the store locks of role `name` ("serve": those of every role).
 * Returns 0, or -1 with *err saying which role runs already. */
int supervisor_lock(const struct cfg *c, const char *name, char **err);

/* Runs the built-in roles (imapin only when mail.imap is configured,
 * httpd with http.listen, listd with list.enabled);
 * returns an exit status for main(): EX_UNAVAILABLE when a role could not
 * start at all (it ended before it was ready, see priv_on_drop), then with
 * every role stopped. A role that dies later is restarted. */
int supervisor_run(const struct cfg *c);

/* The process title: supervisor_title_init(argc, argv) at the start of
 * main() remembers the argv area; supervisor_set_title("nntpd") then makes
 * `ps` show "forumgate: nntpd" (and the thread name "fg-nntpd"). It
 * overwrites the argv strings: call it where they are no longer read. */
void supervisor_title_init(int argc, char **argv);
void supervisor_set_title(const char *role);

#endif
