/*
 * intake: one incoming reply by mail, from raw bytes to a queued forum post.
 * Shared by every mail path (LMTP, `forumgate ingest`, Maildir, IMAP). It
 * does what is particular to mail and hands the rest to the submission
 * module that NNTP POST uses too (submit.h):
 *
 *   parse → classify (auto-replies, bounces, loops are never posted) →
 *   recipient (our reply domain; group; optional reply key) →
 *   sender (key owner, or a registered address, plus policy) →
 *   outbox_submit (Message-ID, duplicates, groups, route by the key or by
 *   In-Reply-To/References, read-only threads, trimming, queue + commit).
 *
 * The status maps onto LMTP replies and sysexits codes (see lmtp.c and
 * `forumgate ingest`); `reason` says why in words for the sender's bounce,
 * the same words NNTP POST answers with for the same reply.
 */
#ifndef FORUMGATE_INTAKE_H
#define FORUMGATE_INTAKE_H

#include <stddef.h>
#include <stdint.h>

#include "forumgate/config.h"
#include "forumgate/store.h"

enum intake_status {
	INTAKE_ACCEPTED,          /* queued (250 / exit 0) */
	INTAKE_DUPLICATE,         /* seen before: accepted again, nothing new (250 / 0) */
	INTAKE_DROPPED,           /* auto-reply, bounce, loop: accepted, not posted (250 / 0) */
	INTAKE_UNKNOWN_RECIPIENT, /* 550 5.1.1 / exit 67 */
	INTAKE_REFUSED_SENDER,    /* 550 5.7.1 / exit 77 */
	INTAKE_NOT_PERMITTED,     /* a read-only group or thread (550 5.7.1 / 77) */
	INTAKE_REJECTED, /* content refused: empty reply, unknown thread (550 5.6.0 / 65) */
	INTAKE_BAD_DATA, /* not a message (554 5.6.0 / 65) */
	INTAKE_TEMPFAIL, /* store trouble: try again (451 4.3.0 / 75) */
};

struct intake {
	const struct cfg *cfg;
	struct store *store;         /* read-write */
	const unsigned char *secret; /* reply-key secret; NULL = keys refused */
	size_t secret_len;
	const char *source; /* "lmtp", "pipe", "maildir", "imap" */
};

struct intake_result {
	enum intake_status status;
	char *reason;     /* malloc'd, for logs and bounces */
	char *message_id; /* the Message-ID queued (or seen), malloc'd */
};

void intake_result_clear(struct intake_result *r);

/* Checks a recipient address at RCPT time: 0 = ours, -1 = unknown, with the
 * reason in *why (malloc'd). Does not verify reply keys (that needs the
 * sender); -2 on a store error. */
int intake_check_recipient(const struct intake *in, const char *rcpt, char **why);

/* Delivers one message for one recipient. envelope_from: MAIL FROM ("" for
 * the null sender, NULL when unknown). */
void intake_deliver(const struct intake *in, const char *raw, size_t len, const char *envelope_from,
		    const char *rcpt, struct intake_result *res);

/* The LMTP reply line (without CRLF) and the sysexits code for a status. */
const char *intake_lmtp_code(enum intake_status s);
int intake_exit_code(enum intake_status s);

/* Loads the reply-key secret named by the config (NULL, 0 when none). */
int intake_load_secret(const struct cfg *c, unsigned char **secret, size_t *len, char **err);

/* Sets up an intake for a role: loads the secret (a missing or unreadable
 * one only logs a warning: reply keys are then refused) and opens a
 * read-write store. 0, or -1 with *err. intake_close() frees both. */
int intake_open(struct intake *in, const struct cfg *c, const char *source, char **err);
void intake_close(struct intake *in);

/* For mailbox intake (Maildir, IMAP), where no envelope comes with the
 * message: the first address of `domain` in Delivered-To, X-Original-To, To
 * or Cc (in that order), and the Return-Path an MDA put on top. malloc'd or
 * NULL. */
char *intake_find_recipient(const char *msg, size_t len, const char *domain);
char *intake_return_path(const char *msg, size_t len);

/* Delivers a message from a mailbox: the recipient and envelope sender come
 * from its headers as above; default_rcpt (may be NULL) stands in when no
 * address of `domain` is found, else the result is INTAKE_UNKNOWN_RECIPIENT. */
void intake_deliver_stored(const struct intake *in, const char *raw, size_t len, const char *domain,
			   const char *default_rcpt, struct intake_result *res);

#endif
