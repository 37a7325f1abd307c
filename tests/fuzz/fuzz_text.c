/*
 * Fuzz target for the text converters: the first byte % 4 selects the
 * markup (text, HTML, BBCode, Markdown), the rest is the post body. The
 * result is checked against the output rules of text.h and run through
 * text_flow() too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "forumgate/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	enum forum_markup m = (enum forum_markup)(data[0] % 4);
	struct buf out = BUF_INIT, flowed = BUF_INIT;
	struct text_info info = {NULL, 0};
	if (text_convert(m, (const char *)data + 1, size - 1, &out, &info) != 0)
		abort();
	const char *s = buf_str(&out);
	/* no trailing whitespace, no NUL, no leading blank line, ends in "\n" */
	if (memchr(s, '\0', out.len) != NULL)
		abort();
	if (out.len > 0 && (s[out.len - 1] != '\n' || s[0] == '\n'))
		abort();
	for (size_t i = 1; i < out.len; i++)
		if (s[i] == '\n' && (s[i - 1] == ' ' || s[i - 1] == '\t'))
			abort();
	if (strstr(s, "\n\n\n") != NULL)
		abort();
	text_flow(s, out.len, 72, &flowed);
	text_flow((const char *)data + 1, size - 1, 72, &flowed);
	buf_free(&out);
	buf_free(&flowed);
	text_info_free(&info);
	return 0;
}
