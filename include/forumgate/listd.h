/*
 * listd: the mailing-list role. It follows the store's new articles (any
 * source: sync, NNTP POST, mail), queues one delivery per `each`
 * subscriber of the article's group (store_list_fanout) and delivers the
 * queue through the smarthost (smtp.h), one envelope per recipient with a
 * VERP sender, over one reused, pipelined connection.
 *
 * Durability (store.h, "mailing-list mode"): a delivery is committed as
 * `sending` before its DATA and as `sent` right after the 250, each in its
 * own transaction; at start every `sending` row is queued again. The one
 * duplicate left is SMTP's own: a crash after the final "." and before the
 * 250 was read. A 4xx backs off the recipient's domain (60 s doubling, at
 * most list.retry_max); a 5xx fails the delivery and records a hard
 * bounce; a smarthost that cannot be reached only delays the queue.
 *
 * One listd per store (a slot of STORE.lock, supervisor.h).
 */
#ifndef FORUMGATE_LISTD_H
#define FORUMGATE_LISTD_H

#include <signal.h>
#include <stdint.h>

#include "forumgate/config.h"

struct store;

/* The role: runs until *stop. 0, or -1 when it cannot start (no store, no
 * mail.secret_file, no mail.smarthost). */
int listd_run(const struct cfg *c, volatile sig_atomic_t *stop);

/* Counts a bounce of address (hard: 5.x.x or refused at RCPT; soft: 4.x.x)
 * under the bounce policy (bounce_score.h): at the threshold delivery to
 * the address is suspended (store_list_fanout skips it). Inside the
 * caller's transaction. 0 or -1. */
int listd_bounce(struct store *st, const char *address, int hard, const char *reason, char **err);

#endif
