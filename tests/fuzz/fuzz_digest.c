/*
 * Fuzz target for digests (gateway/mail/digest.c): the input, split at
 * form feeds, is a handful of articles (stuffed when the first byte is
 * odd). Both formats must build; the MIME digest's boundary must delimit
 * exactly one part per article plus the table of contents (no article
 * can break out of its part), and the plain digest must end with its
 * trailer, hold no body line of exactly 30 hyphens but the separators,
 * and no NUL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "forumgate/digest.h"

#define MAX_ARTS 8

/* Lines starting with "--" + boundary in out: delimiter lines. */
static size_t delimiters(const struct buf *out, const char *boundary)
{
	size_t n = 0, bl = strlen(boundary);
	for (const char *p = out->p; p < out->p + out->len;) {
		const char *nl = memchr(p, '\n', (size_t)(out->p + out->len - p));
		if (p[0] == '-' && p[1] == '-' && strncmp(p + 2, boundary, bl) == 0)
			n++;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct digest_article a[MAX_ARTS];
	size_t n = 0;
	const char *p = (const char *)data, *end = p + size;
	int stuffed = size > 0 && (data[0] & 1);

	while (p <= end && n < MAX_ARTS) {
		const char *ff = memchr(p, '\f', (size_t)(end - p));
		const char *e = ff ? ff : end;
		a[n].wire = p;
		a[n].len = (size_t)(e - p);
		a[n].dot_stuffed = stuffed;
		n++;
		if (ff == NULL)
			break;
		p = ff + 1;
	}
	struct digest_info info = {
		"fuzz.group",         1,    1,        1767312000, NULL, "lists.example", NULL,
		"fuzz@lists.example", NULL, "intro\n"};
	struct buf out = BUF_INIT;
	char *err = NULL;

	if (digest_build(DIGEST_MIME, &info, a, n, &out, NULL, &err) != 0) {
		/* only when every salt's boundary is in an article: not reachable */
		abort();
	}
	const char *b = strstr(out.p, "boundary=\"");
	if (b == NULL)
		abort();
	b += 10;
	char boundary[80];
	size_t bl = strcspn(b, "\"");
	if (bl >= sizeof boundary)
		abort();
	memcpy(boundary, b, bl);
	boundary[bl] = '\0';
	/* the TOC part, n article parts, and the close delimiter */
	if (delimiters(&out, boundary) != n + 2)
		abort();
	buf_free(&out);

	if (digest_build(DIGEST_PLAIN, &info, a, n, &out, NULL, &err) != 0)
		abort();
	const char *trailer = "End of fuzz.group Digest, Vol 1, Issue 1\r\n"
			      "****************************************\r\n";
	if (out.len < strlen(trailer) || strcmp(out.p + out.len - strlen(trailer), trailer) != 0)
		abort();
	size_t seps = 0;
	const char *sep = "\n------------------------------\r\n";
	for (const char *q = out.p; (q = memmem(q, (size_t)(out.p + out.len - q), sep, 33)) != NULL;
	     q++)
		seps++;
	if (memchr(out.p, '\0', out.len) != NULL)
		abort();
	if (seps != n)
		abort();
	buf_free(&out);
	return 0;
}
