/*
 * imap: IMAP intake, the imapin role (see gateway/mail/imap.c).
 */
#ifndef FORUMGATE_IMAP_H
#define FORUMGATE_IMAP_H

#include <signal.h>

#include "forumgate/config.h"
#include "forumgate/intake.h"

/* One pass over mail.imap (c->mail.imap, which must have a host): connect,
 * log in, deliver every message of the mailbox that carries neither
 * $ForumgateDone nor $ForumgateFailed through the intake, flag it by its
 * fate, log out. Returns how many messages were handled (a temporary
 * failure counts, and stays unflagged), or -1 with *err (malloc'd) when the
 * server could not be used. */
int imap_poll(const struct intake *in, const struct cfg *c, char **err);

/* The imapin role: polls mail.imap every poll_interval seconds (or waits
 * in IDLE between polls) until *stop; the first poll is at once. Opens its
 * own read-write store. Idles quietly when mail.imap is not configured. */
int imapin_run(const struct cfg *c, volatile sig_atomic_t *stop);

#endif
