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

#include "forumgate/mail.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

static void scan(struct mail_msg *m, const char *raw, size_t len)
{
	size_t cap = 0, pos = 0;

	if (len >= 5 && memcmp(raw, "From ", 5) == 0) {
		const char *nl = memchr(raw, '\n', len);
		pos = nl ? (size_t)(nl - raw) + 1 : len;
	}
	while (pos < len) {
		const char *s = raw + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		pos += n + (nl ? 1 : 0);
		while (n && s[n - 1] == '\r')
			n--;
		if (n == 0)
			break;
		if ((*s == ' ' || *s == '\t') && m->nheaders) {
			struct mail_header *h = &m->headers[m->nheaders - 1];
			struct buf b = BUF_INIT;
			buf_adds(&b, h->value);
			buf_addc(&b, ' ');
			while (n && (*s == ' ' || *s == '\t'))
				s++, n--;
			buf_add(&b, s, n);
			free(h->value);
			h->value = buf_detach(&b);
			continue;
		}
		const char *colon = memchr(s, ':', n);
		if (!colon)
			continue;
		if (m->nheaders == cap) {
			cap = cap ? cap * 2 : 16;
			m->headers = xrealloc(m->headers, cap * sizeof(*m->headers));
		}
		const char *v = colon + 1;
		size_t vn = n - (size_t)(v - s);
		while (vn && (*v == ' ' || *v == '\t'))
			v++, vn--;
		m->headers[m->nheaders].name = xstrndup(s, (size_t)(colon - s));
		m->headers[m->nheaders].value = xstrndup(v, vn);
		m->nheaders++;
	}
	for (size_t i = 0; i < m->nheaders; i++) {
		const char *name = m->headers[i].name, *v = m->headers[i].value;
		if (strcasecmp(name, "Subject") == 0 && !m->subject)
			m->subject = xstrdup(v);
		if (strcasecmp(name, "Content-Type") == 0 && strcasestr(v, "multipart/report"))
			m->is_report = 1;
		if (strcasecmp(name, "From") == 0 && !m->from_addr) {
			const char *lt = strrchr(v, '<'), *gt = lt ? strchr(lt, '>') : NULL;
			char *a = lt && gt ? xstrndup(lt + 1, (size_t)(gt - lt - 1)) : xstrdup(v);
			char *p = strchr(a, ' ');
			if (p && !(lt && gt))
				*p = '\0';
			for (p = a; *p; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p += 32;
			m->from_addr = a;
		}
	}
	m->text = xstrndup(raw + pos, len - pos);
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
