/*
 * maildir: Maildir intake for the mailin role (see gateway/mail/maildir.c).
 */
#ifndef FORUMGATE_MAILDIR_H
#define FORUMGATE_MAILDIR_H

#include "forumgate/intake.h"

/* Delivers every message in path/new through the intake and files it (cur/
 * or .failed/). The recipient is the first reply-domain address among
 * Delivered-To, X-Original-To, To, Cc, else default_rcpt. Returns how many
 * messages were handled, or -1 when the Maildir cannot be read. */
int maildir_scan(const struct intake *in, const char *path, const char *default_rcpt);

#endif
