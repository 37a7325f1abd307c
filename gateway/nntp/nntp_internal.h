/*
 * Private to gateway/nntp/: the session state shared by session.c (lines,
 * phases, replies) and commands.c (one handler per command).
 */
#ifndef FORUMGATE_NNTP_INTERNAL_H
#define FORUMGATE_NNTP_INTERNAL_H

#include <event2/buffer.h>
#include <stdint.h>

#include "forumgate/buf.h"
#include "forumgate/nntp.h"

#define NNTP_MAX_LINE 512 /* RFC 3977 §3.1: command lines, CRLF included */
#define NNTP_MAX_ARGS 16
/* The server stops reading a connection while this much input waits, so
 * every line the session waits for must fit below it: a longer limit would
 * wait for a line end that can never arrive. RFC 5322 allows 998 octets per
 * article line; longer POST lines are dropped and the article refused. */
#define NNTP_READ_HIGH (64 * 1024)
#define NNTP_MAX_POST_LINE (32 * 1024)
_Static_assert(NNTP_MAX_POST_LINE < NNTP_READ_HIGH && NNTP_MAX_LINE < NNTP_READ_HIGH,
	       "line limits must be below the read watermark");

/* A session is an explicit state machine over these phases. */
enum nntp_phase {
	PHASE_COMMAND, /* reading command lines */
	PHASE_POST,    /* 340 sent: reading an article up to "." */
	PHASE_CLOSED,  /* QUIT or fatal error: read nothing more */
};

struct nntp_session {
	const struct nntp_env *env;
	enum nntp_phase phase;
	int tls;
	int compressed; /* COMPRESS DEFLATE is active (RFC 8054) */
	int discarding; /* inside an over-long line: drop until its end */

	int64_t group_id; /* 0 = no group selected */
	char *group_name;
	int64_t article; /* current article number, 0 = none */

	char *auth_user; /* AUTHINFO USER given, PASS pending */
	char *user;      /* authenticated user name, NULL = anonymous */
	char *hidden;    /* "\tg1\tg2\t": members-only groups (NULL = not loaded) */

	struct buf post; /* article being received */
	int post_too_big;
	int post_long_line; /* a line over NNTP_MAX_POST_LINE was dropped */

	struct evbuffer *out; /* where replies go during nntp_session_feed */
	enum nntp_event event;
};

struct nntp_command {
	const char *name;
	int (*fn)(struct nntp_session *s, int argc, char **argv);
	int min_args, max_args; /* not counting the command name */
	const char *usage;      /* for HELP */
};

extern const struct nntp_command nntp_commands[];

/* Reply helpers (Redis's addReply idea): one status line; data lines of a
 * multi-line block (dot-stuffed here); the terminating ".". */
void nntp_reply(struct nntp_session *s, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void nntp_data(struct nntp_session *s, const char *line, size_t len);
void nntp_dataf(struct nntp_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void nntp_end(struct nntp_session *s);

/* 1 when this connection can log in (and so post) now or after STARTTLS:
 * what the 200/201 greeting, MODE READER and CAPABILITIES's POST say. */
int nntp_posting_possible(const struct nntp_session *s);
/* The port of the first NNTPS (implicit TLS) listener, copied into
 * port[len]; 0 when there is none. Named in the texts that send a reader
 * on a plain connection elsewhere to log in. */
int nntp_nntps_port(const struct cfg_nntp *n, char *port, size_t len);

/* 1 when `group` is members-only and the session has not logged in. */
int nntp_group_hidden(struct nntp_session *s, const char *group, size_t len);

/* POST: validates the received article and queues it (commands.c). */
void nntp_post_finish(struct nntp_session *s);

#endif
