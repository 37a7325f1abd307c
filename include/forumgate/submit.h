/*
 * submit: the one way a reply enters the outbox, whatever front end it came
 * through (NNTP POST, LMTP, `forumgate ingest`, Maildir, IMAP; later forum
 * webhooks and NNTP peers). A front end parses its protocol with the mail
 * module (mail_parse) and says who the author is; everything else is
 * decided here, once, so the same reply takes the same route, or is
 * refused for the same reason in the same words, through every front end:
 *
 *   Message-ID (a valid one is kept, one is made when absent) → groups
 *   (each exists and takes posts) → route (a route the front end proved,
 *   e.g. a mail reply key; else In-Reply-To, then References from the
 *   last, SUBMIT_MAX_REFS ids at most: the first one that is an article
 *   here; none of them known is refused; no ids at all is a new thread in
 *   the forum and board of the first group) → the group of the thread
 *   answered takes posts → duplicate (a Message-ID is queued once) → an
 *   id of the form of the gateway's own ids is refused → body (the parsed
 *   text with quotes, attribution lines and signatures trimmed; empty is
 *   refused) → queue, committed before the result says accepted.
 *
 * The result carries one reason in words and an enhanced status code
 * (RFC 3463): LMTP answers "550 <code> <reason>", NNTP POST "441 <reason>".
 * (gateway/outbox/submit.c)
 */
#ifndef FORUMGATE_SUBMIT_H
#define FORUMGATE_SUBMIT_H

#include <stddef.h>

#include "forumgate/config.h"
#include "forumgate/mail.h"
#include "forumgate/store.h"

/* How many ids of In-Reply-To and References are looked up, at most. */
#define SUBMIT_MAX_REFS 256

enum submit_status {
	SUBMIT_ACCEPTED,  /* queued, committed */
	SUBMIT_DUPLICATE, /* the Message-ID is known: nothing new was queued */
	SUBMIT_REFUSED,   /* permanent: code and reason say why */
	SUBMIT_TEMPFAIL,  /* store trouble: try again later */
};

struct submit_result {
	enum submit_status status;
	/* RFC 3463, static: "2.0.0"; "5.1.1" no such group; "5.7.1" not
	 * permitted (a read-only group or thread); "5.6.0" the content (an
	 * empty reply, an unknown thread, a Message-ID refused); "4.3.0" */
	const char *code;
	char *reason;     /* malloc'd, one sentence for the person who wrote it */
	char *message_id; /* malloc'd: the id queued (or found known); NULL before one was settled */
};
void submit_result_clear(struct submit_result *r);

/* Where the front end reads and writes. */
struct submit_env {
	const struct cfg *cfg;
	struct store *store;                /* lookups; also writes when writer is NULL */
	struct store *(*writer)(void *arg); /* read-write connection, asked for only to queue */
	void *writer_arg;
};

/* A route the front end proved on its own (a mail reply key names the
 * post); strings borrowed. */
struct submit_route {
	const char *forum, *thread_key, *parent_key;
	const char *how; /* "key" */
};

struct submit_in {
	const char *source; /* "nntp", "lmtp", "pipe", "maildir", "imap" */
	const char *raw;    /* as received (kept beside the post) */
	size_t raw_len;
	const struct mail_msg *msg;       /* raw, parsed by mail_parse */
	const char *user;                 /* the author, authenticated by the front end */
	const char *groups;               /* groups posted to: "a,b" or "a b"; the first decides
	                                    forum and board of a new thread */
	const struct submit_route *route; /* NULL: route by In-Reply-To/References */
	const char *envelope_from;        /* who hears of a later failure (mail); may be NULL */
	const char *recipient;            /* mail only; may be NULL */
};

/* Submits one reply: fills *res (always; submit_result_clear frees). */
void outbox_submit(const struct submit_env *env, const struct submit_in *in,
		   struct submit_result *res);

/* The one Message-ID generator: "<fg-" 32 hex digits "@" domain ">", the
 * digits from a SHA-256 of seed, so the same seed (a message retried by its
 * MTA) gets the same id. malloc'd. */
char *outbox_msgid_make(const char *seed, size_t len, const char *domain);

/* 1 when m is a Message-ID this gateway takes from outside: "<left@right>"
 * of printable ASCII without blanks, at most 250 octets. */
int outbox_msgid_valid(const char *m);

#endif
