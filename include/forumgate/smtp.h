/*
 * smtp: the one SMTP client of forumgate (notices, list delivery), to the
 * configured smarthost (mail.smarthost).
 *
 * A connection says EHLO, upgrades with STARTTLS whenever the server offers
 * it (the certificate is verified against mail.smarthost_tls_ca or the
 * system store; a failed verification is an error, never a silent fallback
 * to an unverified session), and logs in with AUTH PLAIN when
 * mail.smarthost_user is set (never in clear over a non-loopback link).
 *
 * It is kept open across messages. With PIPELINING advertised, a message's
 * MAIL FROM, RCPT TO and DATA go out as one group, and its content is the
 * first "command" of the next group (RFC 2920 §3.1): one round trip per
 * message. Each message has one envelope recipient (list delivery is VERP).
 * Results come per message, in order, through a callback.
 */
#ifndef FORUMGATE_SMTP_H
#define FORUMGATE_SMTP_H

#include <stddef.h>

#include "forumgate/buf.h"
#include "forumgate/config.h"

struct smtp;

/* Connects to c->mail.smarthost and gets the session ready for mail.
 * Returns 0 with *out, or -1 with *err (no smarthost, cannot connect, TLS
 * or AUTH refused); the caller treats -1 as a temporary failure. */
int smtp_open(const struct cfg *c, struct smtp **out, char **err);
/* QUIT (best effort) and frees s; NULL is fine. */
void smtp_close(struct smtp *s);
/* 1 when the server advertised PIPELINING (and it is used), else 0. */
int smtp_pipelining(const struct smtp *s);
/* 1 when the session is under TLS. */
int smtp_tls(const struct smtp *s);

struct smtp_msg {
	const char *from; /* envelope sender; "" = null sender */
	const char *rcpt; /* the one envelope recipient */
	const char *data; /* CRLF lines, dot-stuffed, no final "." line */
	size_t len;
};

/* The result of one message: code 250 = accepted; 4xx temporary, 5xx
 * permanent refusal with the server's text, which starts with "MAIL FROM: ",
 * "RCPT TO: " or "DATA: " when a command of the envelope was refused (and
 * is the bare reply when the content was); 0 = not settled because the connection failed (text says why; try
 * again later). done() returns 0 to go on, -1 to stop (smtp_send then
 * returns -1 with its *err set by done()). Called once per message, in
 * order, right after its reply was read: a caller that records "sent"
 * there loses at most the reply of the message in flight to a crash. */
typedef int (*smtp_done_cb)(void *arg, size_t i, int code, const char *text, char **err);

/* Sends n messages over s. Returns 0 when every message got a result from
 * the server (accepted or refused), -1 when the connection failed (the
 * messages without a result got code 0; s must be closed) or done()
 * stopped it. */
int smtp_send(struct smtp *s, const struct smtp_msg *m, size_t n, smtp_done_cb done, void *arg,
	      char **err);

/* Quoted-printable (RFC 2045) of UTF-8 text (LF or CRLF lines), CRLF out,
 * ending in one CRLF. A "." at the start of a line is encoded too, so the
 * result needs no dot-stuffing. */
void smtp_qp(struct buf *out, const char *s, size_t len);

/* Appends s with a "." doubled at the start of each line (RFC 5321
 * 4.5.2): a message built without stuffing (a digest) for smtp_send. */
void smtp_dot_stuff(struct buf *out, const char *s, size_t len);

/* The host and port of a "host:port" / "[v6]:port" smarthost (port 25 by
 * default); *host malloc'd. */
void smtp_parse_hostport(const char *spec, char **host, int *port);

#endif
