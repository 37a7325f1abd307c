/*
 * Fuzz target for gateway/mail/classify.c: the input is split at its first
 * NUL into an envelope sender and a raw message (no NUL: envelope unknown).
 * A small scanner (kept here so the target does not depend on mime.c) turns
 * the message into a struct mail_msg: headers, Subject, lowercased From
 * address, the raw body as text, is_report from Content-Type. The body is
 * also handed over as a message/delivery-status attachment in an exact-size
 * allocation, so reading past it is caught.
 *
 * Invariants checked (abort on violation):
 *  - mail_classify returns a class of enum mail_class and a non-empty reason,
 *    and returns the same answer twice;
 *  - a failed recipient, when found, is lowercase local@domain with one '@'
 *    and no white space, brackets or control characters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../mail_scan.h"
#include "forumgate/mail.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

static void scan(struct mail_msg *m, const char *raw, size_t len)
{
	size_t pos = scan_headers(m, raw, len);
	m->nattachments = 1;
	m->attachments = xcalloc(1, sizeof(*m->attachments));
	m->attachments[0].content_type = xstrdup("message/delivery-status");
	m->attachments[0].size = len - pos;
	m->attachments[0].data = xmalloc(len - pos);
	memcpy(m->attachments[0].data, raw + pos, len - pos);
}

static void release(struct mail_msg *m)
{
	for (size_t i = 0; i < m->nheaders; i++) {
		free(m->headers[i].name);
		free(m->headers[i].value);
	}
	free(m->headers);
	free(m->from_addr);
	free(m->subject);
	free(m->text);
	free(m->attachments[0].content_type);
	free(m->attachments[0].data);
	free(m->attachments);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	const char *nul = memchr(p, '\0', size);
	char *env = nul ? xstrndup(p, (size_t)(nul - p)) : NULL;
	const char *raw = nul ? nul + 1 : p;
	size_t len = nul ? size - (size_t)(nul + 1 - p) : size;
	struct mail_msg m;
	const char *reason = NULL, *reason2 = NULL;

	memset(&m, 0, sizeof(m));
	scan(&m, raw, len);

	enum mail_class c = mail_classify(&m, env, "reply.example.org", &reason);
	CHECK(c >= MAIL_OK && c <= MAIL_OWN);
	CHECK(reason != NULL && *reason != '\0');
	CHECK(mail_classify(&m, env, "reply.example.org", &reason2) == c);
	CHECK(reason2 == reason);
	(void)mail_classify(&m, env, NULL, NULL);

	char *r = mail_bounce_recipient(&m);
	if (r) {
		const char *at = strchr(r, '@');
		CHECK(at && at != r && at[1] != '\0' && strchr(at + 1, '@') == NULL);
		for (const char *q = r; *q; q++) {
			unsigned char u = (unsigned char)*q;
			CHECK(u > 0x20 && u != 0x7f && !(u >= 'A' && u <= 'Z'));
			CHECK(!strchr("<>()[]\",;: ", u));
		}
		free(r);
	}
	release(&m);
	free(env);
	return 0;
}
