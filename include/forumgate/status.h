/*
 * status: `forumgate status`, the running gateway on one screen (issue
 * #15): each role's process (pid, up since, restarts, heartbeat), each
 * forum's sync (last success, lag, last error, a backfill's progress), the
 * outbox and list delivery queues, open NNTP connections and LMTP
 * sessions. Everything is read from the store (store.h "runtime state"):
 * the roles never answer questions themselves.
 */
#ifndef FORUMGATE_STATUS_H
#define FORUMGATE_STATUS_H

#include <stdio.h>

#include "forumgate/config.h"

/* Exit codes of `forumgate status`. */
enum {
	STATUS_OK = 0,          /* running, nothing wrong */
	STATUS_PROBLEM = 1,     /* running, with a problem listed */
	STATUS_UNREADABLE = 2,  /* the store cannot be read */
	STATUS_NOT_RUNNING = 3, /* no gateway runs on this store */
};

/* A forum whose last successful pass is older than this many poll
 * intervals is a problem. */
#define STATUS_LAG_INTERVALS 3

/* Prints the status of the gateway configured by c on out (JSON with
 * json) and returns one of the codes above. */
int status_run(const struct cfg *c, int json, FILE *out);

#endif
