/*
 * Fuzz target for reply trimming (gateway/mail/trim.c): any bytes as a
 * plain-text body. Checks the output contract of mail_trim(): no leading
 * blank line, no trailing whitespace, no CR before LF, the same kept text
 * whether or not the elided part is asked for, and the same result twice;
 * when trimming falls back to the whole text (a note), the kept part is
 * not empty.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "forumgate/mail.h"

static void check_edges(const struct buf *b)
{
	const char *s = buf_str(b);

	if (b->len == 0)
		return;
	if (s[0] == '\n' || memchr(" \t\n\r\v\f", s[b->len - 1], 6))
		abort();
	for (size_t i = 0; i + 1 < b->len; i++)
		if (s[i] == '\r' && s[i + 1] == '\n')
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf kept = BUF_INIT, elided = BUF_INIT, again = BUF_INIT;
	const char *note = NULL;

	mail_trim_note((const char *)data, size, &kept, &elided, &note);
	if (note && kept.len == 0)
		abort();
	check_edges(&kept);
	check_edges(&elided);
	mail_trim_note((const char *)data, size, &again, NULL, NULL);
	if (again.len != kept.len || (kept.len && memcmp(again.p, kept.p, kept.len) != 0))
		abort();
	buf_free(&kept);
	buf_free(&elided);
	buf_free(&again);
	return 0;
}
