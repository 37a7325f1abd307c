/*
 * outbox: the role that posts queued replies (from mail and NNTP POST) to
 * their forum through the forum's connector, with retries and exponential
 * backoff on temporary errors, and a final failure after `give_up` seconds.
 * A reply the forum refuses, or gives up on, gets a notice to its sender
 * (mail replies only; see notice.h).
 */
#ifndef FORUMGATE_OUTBOX_H
#define FORUMGATE_OUTBOX_H

#include <signal.h>
#include <stdint.h>

#include "forumgate/config.h"
#include "forumgate/store.h"

/* Posts every reply due now; returns how many were handled (posted, retried
 * or failed), or -1 on a store error. */
int outbox_run_once(struct store *st, const struct cfg *c, int64_t now, char **err);

/* The outbox role: outbox_run_once every second until *stop. */
int outbox_loop(const struct cfg *c, volatile sig_atomic_t *stop);

/* The key of outbox row `id` for the connector (forum_new_post.key):
 * "<id>-<12 hex digits of a hash of message_id>", malloc'd. */
char *outbox_key(int64_t id, const char *message_id);

/* Backoff before attempt n+1 after n failed attempts: 30 s doubling, at most
 * one hour. */
int64_t outbox_backoff(int attempts);

#endif
