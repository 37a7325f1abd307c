/*
 * nntp: the NNTP reader server (RFC 3977, RFC 4642 STARTTLS, RFC 4643
 * AUTHINFO USER/PASS, RFC 8054 COMPRESS DEFLATE, RFC 2980 names readers
 * still use).
 *
 * The protocol core is separate from the sockets: a session consumes command
 * lines from an input evbuffer and appends responses to an output evbuffer,
 * so unit tests and the fuzz target drive it without a network, and the
 * server (server.c) only moves bytes, TLS and timers.
 */
#ifndef FORUMGATE_NNTP_H
#define FORUMGATE_NNTP_H

#include <signal.h>
#include <stdint.h>

#include "forumgate/config.h"
#include "forumgate/store.h"

struct evbuffer;

/* The nntpd role: listeners and workers from c->nntp until *stop. */
int nntpd_run(const struct cfg *c, volatile sig_atomic_t *stop);

/* --- protocol building blocks (tested on their own) --- */

/* RFC 3977 §4 wildmat: 1 if text matches, 0 if not (a later "!pattern"
 * element that matches makes it 0). Patterns are matched as UTF-8 text. */
int nntp_wildmat(const char *pattern, const char *text);

/* RFC 3977 §3.2.1 ranges: "n", "n-", "n-m". Returns 0 and *lo, *hi (hi =
 * INT64_MAX for "n-"), or -1 on a syntax error. */
int nntp_parse_range(const char *s, int64_t *lo, int64_t *hi);

/* NEWGROUPS/NEWNEWS date and time: "yymmdd" or "yyyymmdd", "hhmmss", GMT or
 * not (then the server's zone, which is UTC here). Two-digit years follow
 * RFC 3977 §7.3.2. Returns 0 and *t, or -1. */
int nntp_parse_datetime(const char *date, const char *time, int64_t now, int64_t *t);

/* RFC 8054 COMPRESS DEFLATE: a raw DEFLATE stream each way (compress.c).
 * nntp_deflate_new returns a new pair of streams (the caller frees it with
 * nntp_deflate_free) or NULL and *err. */
struct nntp_deflate;
struct nntp_deflate *nntp_deflate_new(char **err);
void nntp_deflate_free(struct nntp_deflate *z);
/* Compresses all of src (drained) onto the end of dst and flushes, so the
 * peer can decode everything sent so far. 0, or -1 and *err. */
int nntp_deflate_out(struct nntp_deflate *z, struct evbuffer *src, struct evbuffer *dst,
		     char **err);
/* Decompresses from src (drained as far as used) onto dst until dst holds
 * `limit` bytes or src runs dry; what does not fit waits inside the stream
 * for the next call. Returns the bytes added, or -1 and *err for data that
 * is no DEFLATE stream (the connection cannot go on). */
long nntp_deflate_in(struct nntp_deflate *z, struct evbuffer *src, struct evbuffer *dst,
		     size_t limit, char **err);

/* --- sessions --- */

/* What a session needs from its worker. */
struct nntp_env {
	const struct cfg *cfg;
	struct store *store;                /* read-only connection of this worker */
	struct store *(*writer)(void *arg); /* RW connection, opened on demand */
	void *writer_arg;
	int tls_available; /* STARTTLS can be offered */
	const char *peer;  /* "127.0.0.1" or "::1" etc., for logs and limits */
	int peer_is_loopback;
};

enum nntp_event {
	NNTP_EV_NONE = 0,
	NNTP_EV_QUIT,     /* close after the output drains */
	NNTP_EV_STARTTLS, /* 382 sent: start TLS on the connection now */
	NNTP_EV_COMPRESS, /* 206 sent: every byte after it, both ways, is DEFLATE */
};

struct nntp_session;

struct nntp_session *nntp_session_new(const struct nntp_env *env, int tls_active);
void nntp_session_free(struct nntp_session *s);
/* The greeting (200/201) into out. */
void nntp_session_greet(struct nntp_session *s, struct evbuffer *out);
/* Consumes complete lines of `in` and answers into `out`. Stops early (leaving
 * lines in `in`) when out holds more than `out_limit` bytes, or after a
 * command that returns an event. Returns the event. */
enum nntp_event nntp_session_feed(struct nntp_session *s, struct evbuffer *in, struct evbuffer *out,
				  size_t out_limit);
/* Marks the session as running over TLS (after the handshake). */
void nntp_session_set_tls(struct nntp_session *s);

#endif
