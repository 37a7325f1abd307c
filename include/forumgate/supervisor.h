/*
 * supervisor: `forumgate serve` forks one process per role (DESIGN.md: the
 * store is the bus, roles never call each other), restarts a role that dies
 * (with a growing delay when it keeps dying), and on SIGTERM or SIGINT
 * forwards the signal to every role and waits for them to finish.
 */
#ifndef FORUMGATE_SUPERVISOR_H
#define FORUMGATE_SUPERVISOR_H

#include <signal.h>

#include "forumgate/config.h"

struct supervisor_role {
	const char *name;
	/* Runs the role until *stop becomes non-zero; returns 0 or -1. */
	int (*run)(const struct cfg *c, volatile sig_atomic_t *stop);
};

/* Runs the built-in roles; returns an exit status for main(). */
int supervisor_run(const struct cfg *c);

#endif
