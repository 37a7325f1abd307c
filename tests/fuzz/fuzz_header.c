/*
 * Fuzz target for the header builders of gateway/article: arbitrary bytes go
 * to article_hdr_unstructured/phrase/fold and, as subject and author name, to
 * article_build; also to article_refs_trim, article_slug and
 * article_message_id and article_msgid_ours. The input is split at its
 * first NUL into two strings.
 *
 * Invariants checked (abort on violation):
 *  - a folded header is "Name: value" lines ending in CRLF, every CRLF but
 *    the last followed by SP or TAB, no other CR, LF or NUL, no line over
 *    998 octets, no continuation line of white space only;
 *  - encoded values are printable ASCII, each encoded-word at most 75 octets;
 *  - a built article has exactly one Subject and one From line and a header
 *    block of well-formed fields ending in the empty line;
 *  - slugs, trimmed References and Message-IDs keep their syntax.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "forumgate/article.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

/* One folded header field (or, with block, a header block ending in the
 * empty line). Returns the number of fields in it. */
static int check_lines(const char *p, size_t n, int block)
{
	size_t i = 0;
	int fields = 0;

	CHECK(n >= 2 && p[n - 2] == '\r' && p[n - 1] == '\n');
	while (i < n) {
		const char *e = memchr(p + i, '\n', n - i);
		size_t len, k = 0;

		CHECK(e != NULL);
		len = (size_t)(e - (p + i));
		CHECK(len >= 1 && p[i + len - 1] == '\r');
		len--;
		CHECK(memchr(p + i, '\r', len) == NULL);
		CHECK(memchr(p + i, '\0', len) == NULL);
		CHECK(len <= 998);
		if (block && i + len + 2 == n) {
			CHECK(len == 0);
		} else if (p[i] == ' ' || p[i] == '\t') {
			CHECK(i > 0);
			while (k < len && (p[i + k] == ' ' || p[i + k] == '\t'))
				k++;
			CHECK(k < len);
		} else {
			CHECK(i == 0 || block);
			while (k < len && p[i + k] > 0x20 && p[i + k] < 0x7F && p[i + k] != ':')
				k++;
			CHECK(k > 0 && k < len && p[i + k] == ':');
			fields++;
		}
		i += len + 2;
	}
	return fields;
}

static void check_encoded(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		CHECK(s[i] >= 0x20 && s[i] < 0x7F);
	for (const char *p = s; (p = strstr(p, "=?UTF-8?")) != NULL;) {
		const char *end = strstr(p + 10, "?=");
		CHECK(end != NULL && end + 2 - p <= 75);
		p = end + 2;
	}
}

static int count_fields(const char *h, size_t n, const char *name)
{
	size_t nl = strlen(name);
	int count = 0;

	for (size_t i = 0; i < n; i++)
		if ((i == 0 || h[i - 1] == '\n') && n - i > nl &&
		    strncasecmp(h + i, name, nl) == 0 && h[i + nl] == ':')
			count++;
	return count;
}

static void fuzz_values(const char *s)
{
	struct buf v = BUF_INIT, f = BUF_INIT;

	article_hdr_unstructured(&v, s);
	check_encoded(buf_str(&v), v.len);
	article_hdr_fold(&f, "Subject", buf_str(&v));
	CHECK(check_lines(f.p, f.len, 0) == 1);
	buf_reset(&v);
	buf_reset(&f);

	article_hdr_phrase(&v, s);
	check_encoded(buf_str(&v), v.len);
	article_hdr_fold(&f, "From", buf_str(&v));
	CHECK(check_lines(f.p, f.len, 0) == 1);
	buf_reset(&f);

	article_hdr_fold(&f, "X-Raw", s);
	CHECK(check_lines(f.p, f.len, 0) == 1);
	buf_free(&v);
	buf_free(&f);
}

static void fuzz_build(const char *subject, const char *name)
{
	struct article_in in = {0};
	struct article_out out;
	char *err = NULL, *ov;

	in.newsgroups = "demo.general";
	in.from_name = name;
	in.from_addr = "user.1@forum.example.org";
	in.subject = subject;
	in.is_reply = subject[0] & 1;
	in.date = 1219738500;
	in.message_id = "<p1.t1.demo@forum.example.org>";
	in.references = name;
	in.organization = subject;
	in.body = subject;
	in.signature = name;
	if (article_build(&in, &out, &err) != 0) {
		free(err);
		abort(); /* every field but the fuzzed ones is valid */
	}
	CHECK(out.header_len <= out.wire.len);
	/* :bytes is the article without its dot-stuffing: one dot less per
	 * body line that starts with one (RFC 3977 §8.1.1) */
	size_t stuffed = 0;
	for (size_t i = out.header_len; i < out.wire.len; i++)
		if (out.wire.p[i] == '.' && (i == out.header_len || out.wire.p[i - 1] == '\n'))
			stuffed++;
	CHECK(out.bytes == out.wire.len - stuffed);
	check_lines(out.wire.p, out.header_len, 1);
	CHECK(count_fields(out.wire.p, out.header_len, "Subject") == 1);
	CHECK(count_fields(out.wire.p, out.header_len, "From") == 1);
	CHECK(count_fields(out.wire.p, out.header_len, "Bcc") == 0);
	/* the body: CRLF lines only */
	for (size_t i = out.header_len; i < out.wire.len; i++)
		if (out.wire.p[i] == '\n')
			CHECK(i > out.header_len && out.wire.p[i - 1] == '\r');
		else if (out.wire.p[i] == '\r')
			CHECK(i + 1 < out.wire.len && out.wire.p[i + 1] == '\n');
	ov = article_overview(&out, NULL);
	CHECK(ov != NULL && strchr(ov, '\r') == NULL && strchr(ov, '\n') == NULL);
	free(ov);
	article_out_free(&out);
}

static void fuzz_misc(const char *a, const char *b)
{
	char *r = article_refs_trim(a), *s = article_slug(a), *m;

	CHECK(strpbrk(r, "\r\n\t") == NULL);
	CHECK(*r == '\0' || (r[0] == '<' && r[strlen(r) - 1] == '>'));
	free(r);
	CHECK(*s != '\0' && s[0] != '-' && s[strlen(s) - 1] != '-');
	for (const char *p = s; *p; p++)
		CHECK((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-');
	free(s);
	m = article_message_id(a, b, a, (int)strlen(b), "forum.example.org");
	if (m != NULL) {
		CHECK(strlen(m) <= 250 && m[0] == '<' && m[strlen(m) - 1] == '>');
		CHECK(strstr(m, "..") == NULL);
		for (const char *p = m + 1; p[1]; p++)
			CHECK((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			      (*p >= '0' && *p <= '9') || strchr("-_.%@", *p));
		/* every id sync makes is in the namespace front ends refuse */
		CHECK(article_msgid_ours(m, "forum.example.org"));
		CHECK(!article_msgid_ours(m, "example.org"));
		free(m);
	}
	m = article_message_id_variant(b, a, b, 1, (int)(strlen(a) % 4), "forum.example.org");
	if (m != NULL) {
		CHECK(article_msgid_ours(m, "FORUM.example.org"));
		free(m);
	}
	(void)article_msgid_ours(a, b); /* any input: no crash, no overread */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *a = malloc(size + 1), *b;

	if (a == NULL)
		return 0;
	memcpy(a, data, size);
	a[size] = '\0';
	b = a + strlen(a) < a + size ? a + strlen(a) + 1 : a + size;

	fuzz_values(a);
	fuzz_values(b);
	fuzz_build(a, b);
	fuzz_misc(a, b);
	free(a);
	return 0;
}
