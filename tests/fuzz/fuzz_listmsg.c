/*
 * Fuzz target for list messages (gateway/mail/listmsg.c) and the bounce
 * key parser. The input is a stored article (CRLF header lines, any
 * bytes otherwise: imports keep odd headers); the list message is built as text and as an alternative, and
 * must keep the article's body as it is, carry exactly one From, one
 * List-Id and one X-Forumgate-Loop, and never the article's own From
 * address. The first 23 bytes also go through listmsg_bounce_parse, which
 * must never accept a key it did not make.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "forumgate/listmsg.h"

static const unsigned char SECRET[] = "fuzz secret, at least 16 bytes long";

static size_t count_lines(const char *m, size_t hl, const char *prefix)
{
	size_t n = 0, pl = strlen(prefix);
	for (const char *p = m; p < m + hl;) {
		if ((size_t)(m + hl - p) >= pl && strncmp(p, prefix, pl) == 0)
			n++;
		const char *nl = memchr(p, '\n', (size_t)(m + hl - p));
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *art = malloc(size + 1);
	memcpy(art, data, size);
	art[size] = '\0';
	/* the store's header_len: up to the first empty line, or all */
	const char *e = strstr(art, "\r\n\r\n");
	size_t hl = e ? (size_t)(e - art) + 4 : size;
	/* a stored header is CRLF lines without NUL: other input is not
	 * what the store hands listd */
	for (size_t i = 0; i < hl; i++)
		if (art[i] == '\0' || (art[i] == '\n' && (i == 0 || art[i - 1] != '\r')) ||
		    (art[i] == '\r' && (i + 1 >= size || art[i + 1] != '\n'))) {
			free(art);
			return 0;
		}
	for (int alt = 0; alt < 2; alt++) {
		struct listmsg_in in = {
			.wire = art,
			.wire_len = size,
			.header_len = hl,
			.group = "demo.general",
			.from_address = "demo.general@reply.example",
			.post_address = "demo.general@reply.example",
			.request_address = "demo.general-request@reply.example",
			.list_domain = "reply.example",
			.html = alt ? "<p>x</p>" : NULL,
			.html_len = alt ? 8 : 0,
			.boundary = "=_fuzz",
		};
		struct buf out = BUF_INIT;
		listmsg_build(&in, &out);
		const char *oe = strstr(out.p, "\r\n\r\n");
		size_t ohl = oe ? (size_t)(oe - out.p) + 2 : out.len;
		if (count_lines(out.p, ohl, "From: ") != 1 ||
		    count_lines(out.p, ohl, "List-Id: ") != 1 ||
		    count_lines(out.p, ohl, "X-Forumgate-Loop: ") != 1)
			abort();
		/* the body after the article's header, unchanged */
		if (!alt && e &&
		    (out.len < size - hl ||
		     memcmp(out.p + out.len - (size - hl), art + hl, size - hl) != 0))
			abort();
		buf_free(&out);
	}
	if (size >= LISTMSG_BOUNCE_KEY_LEN) {
		char key[LISTMSG_BOUNCE_KEY_LEN + 1];
		memcpy(key, data, LISTMSG_BOUNCE_KEY_LEN);
		key[LISTMSG_BOUNCE_KEY_LEN] = '\0';
		int64_t id;
		if (strlen(key) == LISTMSG_BOUNCE_KEY_LEN &&
		    listmsg_bounce_parse(key, SECRET, sizeof SECRET - 1, &id)) {
			/* only a key made for id parses: it must be that key */
			char *a = listmsg_bounce_address("g", "d", id, SECRET, sizeof SECRET - 1);
			if (strncasecmp(a + 4, key, LISTMSG_BOUNCE_KEY_LEN) != 0)
				abort();
			free(a);
		}
	}
	free(art);
	return 0;
}
