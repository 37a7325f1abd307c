/*
 * digest: builds the daily or weekly digest of a list, MIME
 * (multipart/digest) or RFC 1153 plain text. The layout of both and the
 * header of the digest are described in include/forumgate/digest.h.
 *
 * Design choices:
 *  - One pass over the articles: each is unstuffed into one reused
 *    scratch buffer, its header read once with mail_parse (the decoded
 *    Subject and author for the table of contents, the text for a plain
 *    digest), its table-of-contents line appended to one buffer and its
 *    enclosure to another; the two are joined at the end. Nothing is
 *    searched in the growing output, so the cost is linear in the input.
 *  - The MIME boundary is a hash of the articles, then checked against
 *    each article as it is enclosed (a search of that article only); an
 *    article holding it, which would take a hash's fixed point, makes the
 *    build start over with another salt. Deterministic output keeps the
 *    tests exact and a rebuilt digest byte-identical.
 *  - A plain digest prefers an article's own body when it is plain UTF-8
 *    text in an identity encoding (every article the gateway renders), so
 *    its lines are kept as written; anything else gives the text the
 *    intake reads from it (decoded, HTML turned into text).
 */
#include "forumgate/digest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <xxhash.h>

#include "forumgate/article.h"
#include "forumgate/mail.h"

#define TOC_SUBJECT_MAX 200 /* octets of a subject in the table of contents */
#define HDR_VALUE_MAX 900   /* octets of a header value in a plain digest */
#define LINE_MAX_OCTETS 998 /* RFC 5322 §2.1.1 */
#define SALTS 8

/* Appends a[0..n) without dot-stuffing (when stuffed) and with CRLF line
 * ends, ending in CRLF. */
static void unstuff(const struct digest_article *a, struct buf *out)
{
	const char *p = a->wire, *end = a->wire + a->len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t n = (size_t)(le - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (a->dot_stuffed && n > 0 && p[0] == '.') {
			p++;
			n--;
		}
		buf_add(out, p, n);
		buf_add(out, "\r\n", 2);
		p = nl ? nl + 1 : end;
	}
}

/* s made one line: controls (CR, LF, TAB, ...) as spaces, cut at max
 * octets on a UTF-8 boundary. */
static void add_line_value(struct buf *out, const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		buf_addc(out, c < 0x20 || c == 0x7f ? ' ' : (char)c);
	}
}

static const char *author(const struct mail_msg *m)
{
	if (m->from_name && *m->from_name)
		return m->from_name;
	if (m->from_addr && *m->from_addr)
		return m->from_addr;
	return "unknown";
}

static void toc_line(struct buf *toc, size_t i, const struct mail_msg *m)
{
	buf_addf(toc, "  %3zu. ", i + 1);
	if (m == NULL) {
		buf_adds(toc, "(unreadable article)\r\n");
		return;
	}
	add_line_value(toc, m->subject && *m->subject ? m->subject : "(no subject)",
		       TOC_SUBJECT_MAX);
	buf_adds(toc, " (");
	add_line_value(toc, author(m), TOC_SUBJECT_MAX);
	buf_adds(toc, ")\r\n");
}

/* ---- RFC 1153 ---- */

static void plain_header(struct buf *out, const char *name, const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	buf_adds(out, name);
	buf_adds(out, ": ");
	add_line_value(out, value, HDR_VALUE_MAX);
	buf_adds(out, "\r\n");
}

static int identity_plain_utf8(const struct mail_msg *m)
{
	const char *ct = mail_header(m, "Content-Type");
	const char *cte = mail_header(m, "Content-Transfer-Encoding");

	if (cte != NULL && strcasecmp(cte, "7bit") != 0 && strcasecmp(cte, "8bit") != 0)
		return 0;
	if (ct == NULL)
		return 1;
	if (strncasecmp(ct, "text/plain", 10) != 0)
		return 0;
	const char *cs = strcasestr(ct, "charset=");
	if (cs == NULL)
		return 1;
	cs += 8;
	if (*cs == '"')
		cs++;
	return strncasecmp(cs, "utf-8", 5) == 0 || strncasecmp(cs, "us-ascii", 8) == 0;
}

/* NUL has no place in a text message (nor in SMTP DATA) */
static void add_no_nul(struct buf *out, const char *p, size_t n)
{
	for (const char *z; n > 0 && (z = memchr(p, '\0', n)) != NULL;) {
		buf_add(out, p, (size_t)(z - p));
		n -= (size_t)(z - p) + 1;
		p = z + 1;
	}
	buf_add(out, p, n);
}

/* The body lines of text[0..len) ("\n" or CRLF lines) without leading and
 * trailing blank lines; a line of exactly 30 hyphens starts with a space
 * instead (RFC 1153), a line over 998 octets is broken, NUL is dropped. */
static void plain_body(struct buf *out, const char *text, size_t len)
{
	if (memchr(text, '\0', len) != NULL) {
		/* without its NULs first, so the rules below see the line as sent */
		struct buf *clean = buf_scratch();
		add_no_nul(clean, text, len);
		plain_body(out, buf_str(clean), clean->len);
		buf_scratch_put(clean);
		return;
	}
	const char *p = text, *end = text + len;
	int started = 0;
	size_t blank = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t n = (size_t)(le - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		int is_blank = 1;
		for (size_t i = 0; i < n && is_blank; i++)
			is_blank = p[i] == ' ' || p[i] == '\t';
		if (is_blank) {
			blank += started;
		} else {
			for (; blank > 0; blank--)
				buf_adds(out, "\r\n");
			started = 1;
			if (n == 30 && strspn(p, "-") >= 30) {
				buf_addc(out, ' ');
				buf_add(out, p + 1, 29);
			} else {
				while (n > LINE_MAX_OCTETS) {
					size_t cut = LINE_MAX_OCTETS;
					while (cut > 0 && ((unsigned char)p[cut] & 0xC0) == 0x80)
						cut--;
					if (cut == 0) /* not UTF-8 at all: cut anywhere */
						cut = LINE_MAX_OCTETS;
					buf_add(out, p, cut);
					buf_adds(out, "\r\n");
					p += cut;
					n -= cut;
				}
				buf_add(out, p, n);
			}
			buf_adds(out, "\r\n");
		}
		p = nl ? nl + 1 : end;
	}
}

static void plain_article(struct buf *out, const struct mail_msg *m, const struct buf *art)
{
	if (m == NULL) {
		buf_adds(
			out,
			"Subject: (unreadable article)\r\n\r\n(This article could not be read.)\r\n");
		return;
	}
	plain_header(out, "Date", mail_header(m, "Date"));
	if (m->from_addr != NULL) {
		struct buf f = BUF_INIT;
		if (m->from_name && *m->from_name) {
			/* readable, but still one phrase: quote what needs it */
			if (strpbrk(m->from_name, "()<>[]:;@\\,.\"")) {
				buf_addc(&f, '"');
				for (const char *q = m->from_name; *q; q++) {
					if (*q == '"' || *q == '\\')
						buf_addc(&f, '\\');
					buf_addc(&f, *q);
				}
				buf_addc(&f, '"');
			} else {
				buf_adds(&f, m->from_name);
			}
			buf_adds(&f, " <");
			buf_adds(&f, m->from_addr);
			buf_adds(&f, ">");
		} else {
			buf_adds(&f, m->from_addr);
		}
		plain_header(out, "From", f.p);
		buf_free(&f);
	} else {
		plain_header(out, "From", mail_header(m, "From"));
	}
	plain_header(out, "To", mail_header(m, "To"));
	plain_header(out, "Cc", mail_header(m, "Cc"));
	plain_header(out, "Subject", m->subject);
	plain_header(out, "Message-ID", m->message_id);
	plain_header(out, "Keywords", mail_header(m, "Keywords"));
	buf_adds(out, "\r\n");

	if (identity_plain_utf8(m)) {
		const char *b = strstr(art->p, "\r\n\r\n");
		if (b != NULL)
			plain_body(out, b + 4, art->len - (size_t)(b + 4 - art->p));
	} else if (m->text != NULL) {
		plain_body(out, m->text, strlen(m->text));
	}
}

/* ---- the digest ---- */

static void title(struct buf *out, const struct digest_info *info)
{
	buf_adds(out, info->list_name);
	buf_addf(out, " Digest, Vol %d, Issue %d", info->volume, info->issue);
}

static char *make_msgid(enum digest_format f, const struct digest_info *info)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "<digest.%s.v%d.i%d.", f == DIGEST_MIME ? "mime" : "plain", info->volume,
		 info->issue);
	/* the group name as a dot-atom: other characters, and a dot after a
	 * dot or at either end, become '-' */
	size_t n = strlen(info->list_name);
	for (size_t i = 0; i < n; i++) {
		char c = info->list_name[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '+' ||
			 (c == '.' && i > 0 && i + 1 < n && info->list_name[i - 1] != '.');
		buf_addc(&b, ok ? c : '-');
	}
	buf_addf(&b, "@%s>", info->domain);
	return buf_detach(&b);
}

static int has_8bit(const struct buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if ((unsigned char)b->p[i] >= 0x80)
			return 1;
	return 0;
}

static void intro_text(struct buf *out, const char *intro)
{
	if (intro == NULL || *intro == '\0')
		return;
	/* the caller's text, CRLF lines, ending in a blank line */
	struct digest_article a = {intro, strlen(intro), 0};
	unstuff(&a, out);
	buf_adds(out, "\r\n");
}

/* The body (after the header block) in body; the boundary used (MIME) in
 * boundary. Returns 0, or -1 when the boundary turned up in an article. */
static int build_body(enum digest_format f, const struct digest_info *info,
		      const struct digest_article *a, size_t n, const char *boundary,
		      struct buf *body)
{
	struct buf toc = BUF_INIT, parts = BUF_INIT;
	struct buf *art = buf_scratch();
	size_t blen = strlen(boundary);
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		struct mail_msg *m = NULL;
		char *err = NULL;

		buf_reset(art);
		unstuff(&a[i], art);
		if (mail_parse(art->p, art->len, &m, &err) != 0) {
			free(err);
			m = NULL;
		}
		toc_line(&toc, i, m);
		if (f == DIGEST_MIME) {
			if (memmem(art->p, art->len, boundary, blen) != NULL) {
				mail_msg_free(m);
				rc = -1;
				goto out;
			}
			buf_adds(&parts, "\r\n--");
			buf_adds(&parts, boundary);
			/* message/rfc822 is the default here, but libetpan reads
			 * the enclosed message's own header as the part's when the
			 * part header is empty: typed explicitly, as RFC 2046 allows */
			buf_adds(&parts, "\r\nContent-Type: message/rfc822\r\n\r\n");
			buf_add(&parts, art->p, art->len);
		} else {
			plain_article(&parts, m, art);
			buf_adds(&parts, "\r\n------------------------------\r\n\r\n");
		}
		mail_msg_free(m);
	}

	if (f == DIGEST_MIME) {
		buf_adds(body,
			 "This is a MIME digest: each message is enclosed as its own part.\r\n");
		buf_adds(body, "\r\n--");
		buf_adds(body, boundary);
		buf_adds(body, "\r\nContent-Type: text/plain; charset=UTF-8\r\n"
			       "Content-Description: Today's Topics\r\n\r\n");
	}
	size_t part_start = body->len;
	title(body, info);
	buf_adds(body, "\r\n\r\n");
	intro_text(body, info->intro);
	if (n == 0)
		buf_adds(body, "There were no new messages.\r\n");
	else {
		buf_addf(body, "Today's Topics (%zu message%s):\r\n\r\n", n, n == 1 ? "" : "s");
		buf_add(body, toc.p, toc.len);
	}
	if (f == DIGEST_MIME) {
		if (memmem(body->p + part_start, body->len - part_start, boundary, blen) != NULL) {
			rc = -1;
			goto out;
		}
		buf_add(body, parts.p, parts.len);
		buf_adds(body, "\r\n--");
		buf_adds(body, boundary);
		buf_adds(body, "--\r\n");
	} else {
		buf_adds(
			body,
			"\r\n----------------------------------------------------------------------\r\n\r\n");
		buf_add(body, parts.p, parts.len);
		struct buf end = BUF_INIT;
		buf_adds(&end, "End of ");
		title(&end, info);
		buf_add(body, end.p, end.len);
		buf_adds(body, "\r\n");
		for (size_t i = 0; i < end.len; i++)
			buf_addc(body, '*');
		buf_adds(body, "\r\n");
		buf_free(&end);
	}
out:
	buf_scratch_put(art);
	buf_free(&toc);
	buf_free(&parts);
	return rc;
}

int digest_build(enum digest_format f, const struct digest_info *info,
		 const struct digest_article *a, size_t n, struct buf *out, char **msgid,
		 char **err)
{
	if (info == NULL || info->list_name == NULL || *info->list_name == '\0')
		return fg_error(err, "digest: no list name");
	if (info->domain == NULL || *info->domain == '\0' || info->from_addr == NULL ||
	    *info->from_addr == '\0')
		return fg_error(err, "digest: no domain or From address");
	if (info->volume < 1 || info->issue < 1)
		return fg_error(err, "digest: volume and issue start at 1");
	char date[40];
	if (article_date(info->date, info->tz, date) != 0)
		return fg_error(err, "digest: cannot write the date in zone %s",
				info->tz ? info->tz : "UTC");

	/* the boundary: a hash of everything enclosed, salted again in the
	 * (theoretical) case an article holds it */
	XXH64_hash_t h = XXH64(info->list_name, strlen(info->list_name),
			       (XXH64_hash_t)info->volume * 1000003u + (XXH64_hash_t)info->issue);
	for (size_t i = 0; i < n; i++)
		h = XXH64(a[i].wire, a[i].len, h);
	struct buf body = BUF_INIT;
	char boundary[64];
	int salt;
	for (salt = 0; salt < SALTS; salt++) {
		snprintf(boundary, sizeof boundary, "==fgdigest_%016llx_%d",
			 (unsigned long long)XXH64(&h, sizeof h, (XXH64_hash_t)salt), salt);
		buf_reset(&body);
		if (build_body(f, info, a, n, boundary, &body) == 0)
			break;
	}
	if (salt == SALTS) {
		buf_free(&body);
		return fg_error(err,
				"digest: no MIME boundary found that the articles do not hold");
	}

	char *id = make_msgid(f, info);
	struct buf v = BUF_INIT;
	article_hdr_phrase(&v, info->from_name ? info->from_name : info->list_name);
	buf_addf(&v, " <%s>", info->from_addr);
	article_hdr_fold(out, "From", v.p);
	buf_reset(&v);
	struct buf t = BUF_INIT;
	title(&t, info);
	article_hdr_unstructured(&v, t.p);
	article_hdr_fold(out, "Subject", v.p);
	buf_free(&t);
	buf_free(&v);
	buf_addf(out, "Date: %s\r\nMessage-ID: %s\r\nMIME-Version: 1.0\r\n", date, id);
	if (f == DIGEST_MIME)
		buf_addf(out, "Content-Type: multipart/digest;\r\n boundary=\"%s\"\r\n", boundary);
	else
		buf_adds(out, "Content-Type: text/plain; charset=UTF-8\r\n");
	buf_addf(out, "Content-Transfer-Encoding: %s\r\n", has_8bit(&body) ? "8bit" : "7bit");
	if (info->extra_headers != NULL)
		buf_adds(out, info->extra_headers);
	buf_adds(out, "\r\n");
	buf_add(out, body.p, body.len);
	buf_free(&body);
	if (msgid != NULL)
		*msgid = id;
	else
		free(id);
	return 0;
}
