/*
 * Logging to stderr. Kept deliberately small: the supervisor or the service
 * manager adds timestamps and routes the stream.
 *
 * Log lines carry what clients sent (AUTHINFO names, addresses, Message-IDs,
 * refusal reasons quoting them), so every message is escaped on its way
 * out: a CR, LF, ESC or any other control character, or a byte that is not
 * UTF-8, cannot end the line, forge another one or drive a terminal that
 * shows the log. No caller has to remember it.
 */
#include "forumgate/log.h"

#include <stdarg.h>
#include <stdio.h>

#include "forumgate/buf.h"

static const char *log_role = "main";
static enum log_level log_min = LOG_LVL_INFO;

void log_set_role(const char *role)
{
	log_role = role;
}

void log_set_level(enum log_level lvl)
{
	log_min = lvl;
}

/* Length of the well-formed UTF-8 sequence at p (at most n bytes) that is
 * not a C1 control, or 0. */
static size_t utf8_printable(const unsigned char *p, size_t n)
{
	size_t len;
	unsigned min;
	unsigned cp;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, min = 0x80, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, min = 0x800, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, min = 0x10000, cp = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp <= 0x9f)
		return 0;
	return len;
}

void log_escape(struct buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	while (p < end) {
		if (*p >= 0x20 && *p < 0x7f) {
			buf_addc(out, (char)*p++);
			continue;
		}
		size_t n = *p >= 0x80 ? utf8_printable(p, (size_t)(end - p)) : 0;
		if (n) {
			buf_add(out, p, n);
			p += n;
		} else {
			buf_addf(out, "\\x%02x", *p++);
		}
	}
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *names[] = {"debug", "info", "warning", "error"};
	if (lvl < log_min)
		return;
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
	struct buf esc = BUF_INIT;
	log_escape(&esc, line, len);
	fprintf(stderr, "forumgate[%s]: %s: %s\n", log_role, names[lvl], buf_str(&esc));
	buf_free(&esc);
}
