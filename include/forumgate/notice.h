/*
 * notice: short mails from the gateway to a person (a reply the forum
 * refused, with the reason and their text), sent by SMTP through the
 * configured smarthost (mail.smarthost, "host:port") with the SMTP
 * client, STARTTLS when offered. Notices carry our loop header and
 * Auto-Submitted: auto-replied (RFC 3834), with a null envelope sender, so
 * they can never start a mail loop or be posted back.
 */
#ifndef FORUMGATE_NOTICE_H
#define FORUMGATE_NOTICE_H

#include "forumgate/config.h"

/* Sends `text` (UTF-8) to `to`; in_reply_to (may be NULL) threads it under
 * the sender's message. Returns 0, or -1 with *err (no smarthost, SMTP
 * failure). */
int notice_send(const struct cfg *c, const char *to, const char *subject, const char *text,
		const char *in_reply_to, char **err);
/* The same From a given address (NULL = noreply@reply domain), where a
 * reply to the notice goes: a list's -request address for its replies. */
int notice_send_from(const struct cfg *c, const char *from, const char *to, const char *subject,
		     const char *text, const char *in_reply_to, char **err);

#endif
