/*
 * Test-only message scanner shared by test_classify.c and fuzz_classify.c:
 * raw message → the fields mail_classify reads (headers, Subject, lowercased
 * From address, is_report from Content-Type, the raw body as text). Kept
 * apart from gateway/mail/mime.c so classification is tested on its own.
 */
#ifndef FORUMGATE_TEST_MAIL_SCAN_H
#define FORUMGATE_TEST_MAIL_SCAN_H

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "forumgate/buf.h"
#include "forumgate/mail.h"

/* Fills m (zeroed by the caller) from raw; m->text is the body, which
 * starts at the returned offset. */
static size_t scan_headers(struct mail_msg *m, const char *raw, size_t len)
{
	size_t cap = 0, pos = 0;

	/* an mbox "From " line is not a header */
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
	return pos;
}

#endif
