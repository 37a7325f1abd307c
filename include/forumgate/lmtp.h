/*
 * lmtp: the LMTP server (RFC 2033) of the mailin role. Per-recipient replies
 * after DATA; a 250 for a recipient is sent only after that message is
 * committed to the store for it; store trouble answers 451 4.3.0 so the MTA
 * retries. Extensions: PIPELINING, 8BITMIME, ENHANCEDSTATUSCODES, SIZE.
 *
 * The protocol core is socket-free, like the NNTP one: a session consumes
 * lines from an input evbuffer and answers into an output evbuffer.
 */
#ifndef FORUMGATE_LMTP_H
#define FORUMGATE_LMTP_H

#include <signal.h>

#include "forumgate/config.h"
#include "forumgate/intake.h"

struct evbuffer;
struct lmtp_session;

struct lmtp_session *lmtp_session_new(const struct intake *in);
void lmtp_session_free(struct lmtp_session *s);
void lmtp_session_greet(struct lmtp_session *s, struct evbuffer *out);
/* Consumes complete lines; returns 1 when the session is over (QUIT). Stops
 * early, leaving lines in `in`, once `out` holds more than 64 KiB (the
 * caller stops reading until the client has taken its replies). */
int lmtp_session_feed(struct lmtp_session *s, struct evbuffer *in, struct evbuffer *out);

/* The mailin role: the LMTP listener until *stop. */
int mailin_run(const struct cfg *c, volatile sig_atomic_t *stop);

#endif
