/*
 * The list message of an article and its keys (see listmsg.h).
 *
 * The stored article is already in SMTP transmission form (CRLF, dot-
 * stuffed), so the body is copied as is and only the header is rewritten:
 * building a message is a header walk and two copies, which keeps list
 * delivery at thousands of messages a second.
 */
#include "forumgate/listmsg.h"

#include "forumgate/smtp.h"

#include <ctype.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Headers of the article that a list message does not carry: news
 * transport, and what the list sets itself. */
/* clang-format off */
static const char *const dropped[] = {
	"Path", "Xref", "Newsgroups", "Followup-To", "Lines", "NNTP-Posting-Host",
	"NNTP-Posting-Date", "Injection-Info", "Injection-Date", "From", "Sender", "Reply-To",
	"To", "Cc", "Bcc", "Precedence", "Auto-Submitted", "X-Forumgate-Loop", "Return-Path",
	"Delivered-To", "Approved", "Archived-At", "List-Id", "List-Post", "List-Help",
	"List-Subscribe", "List-Unsubscribe", "List-Unsubscribe-Post", "List-Archive",
	"List-Owner", "DKIM-Signature", "Errors-To",
};
/* clang-format on */

static int is_dropped(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof dropped / sizeof dropped[0]; i++)
		if (strlen(dropped[i]) == n && !strncasecmp(dropped[i], name, n))
			return 1;
	return 0;
}

/* The empty line that ends a header ("\r\n" or "\n"). */
static int empty_line(const char *p, const char *end)
{
	return *p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n');
}

/* A field name is printable ASCII without space or colon (RFC 5322 2.2):
 * anything else is a line of junk, which the list message leaves out. */
static int valid_name(const char *name, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] <= 32 || (unsigned char)name[i] >= 127)
			return 0;
	return 1;
}

/* The next header field of [p, end): *name and *nlen, *val and *vlen (raw, with
 * its folding), returns the start of the field after it. */
static const char *next_field(const char *p, const char *end, const char **name, size_t *nlen,
			      const char **val, size_t *vlen)
{
	const char *colon = memchr(p, ':', (size_t)(end - p));
	const char *eol = p;
	for (;;) {
		const char *nl = memchr(eol, '\n', (size_t)(end - eol));
		if (nl == NULL) {
			eol = end;
			break;
		}
		eol = nl + 1;
		if (eol >= end || (*eol != ' ' && *eol != '\t'))
			break;
	}
	*name = p;
	if (colon == NULL || colon > eol) {
		*nlen = 0;
		*val = eol;
		*vlen = 0;
		return eol;
	}
	*nlen = (size_t)(colon - p);
	const char *v = colon + 1;
	while (v < eol && (*v == ' ' || *v == '\t'))
		v++;
	const char *ve = eol;
	while (ve > v && (ve[-1] == '\n' || ve[-1] == '\r'))
		ve--;
	*val = v;
	*vlen = (size_t)(ve - v);
	return eol;
}

/* The display name of a From value: its phrase (before "<"), or the local
 * part of a bare address; always something. */
static void from_phrase(struct buf *out, const char *v, size_t n)
{
	const char *lt = memchr(v, '<', n);
	if (lt) {
		const char *e = lt;
		while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > v) {
			for (const char *p = v; p < e; p++)
				buf_addc(out, *p == '\r' || *p == '\n' ? ' ' : *p);
			return;
		}
		n -= (size_t)(lt + 1 - v);
		v = lt + 1;
	}
	/* "addr (Comment Name)": the comment is the name */
	const char *lp = memchr(v, '(', n), *rp = lp ? memchr(lp, ')', n - (size_t)(lp - v)) : NULL;
	if (lp && rp && rp > lp + 1) {
		buf_addc(out, '"');
		for (const char *p = lp + 1; p < rp; p++)
			if (*p != '"' && *p != '\\' && *p != '\r' && *p != '\n')
				buf_addc(out, *p);
		buf_addc(out, '"');
		return;
	}
	size_t local = 0;
	while (local < n && !strchr("@>( \r\n", v[local]))
		local++;
	buf_addc(out, '"');
	for (size_t i = 0; i < local; i++)
		if (v[i] != '"' && v[i] != '\\')
			buf_addc(out, v[i]);
	buf_addc(out, '"');
}

char *listmsg_archive_url(const char *wire, size_t header_len)
{
	const char *p = wire, *end = wire + header_len;
	while (p < end && !empty_line(p, end)) {
		const char *name, *val;
		size_t nlen, vlen;
		p = next_field(p, end, &name, &nlen, &val, &vlen);
		if (nlen == 11 && !strncasecmp(name, "Archived-At", 11) && vlen > 2) {
			if (val[0] == '<' && val[vlen - 1] == '>')
				return xstrndup(val + 1, vlen - 2);
			return xstrndup(val, vlen);
		}
	}
	return NULL;
}

void listmsg_build(const struct listmsg_in *in, struct buf *out)
{
	const char *p = in->wire, *hend = in->wire + in->header_len;
	struct buf phrase = BUF_INIT;
	const char *archive = NULL;
	size_t archive_len = 0;
	/* with an HTML part the article's MIME header goes into its part */
	struct buf mime = BUF_INIT;
	int alt = in->html != NULL;
	if (alt) {
		const char *q = in->wire;
		while (q < hend && !empty_line(q, hend)) {
			const char *name, *val;
			size_t nlen, vlen;
			q = next_field(q, hend, &name, &nlen, &val, &vlen);
			if (nlen == 12 && !strncasecmp(name, "Content-Type", 12) &&
			    (vlen < 10 || strncasecmp(val, "text/plain", 10) != 0))
				alt = 0;
		}
	}
	/* the article's own header first, less what the list replaces */
	while (p < hend && !empty_line(p, hend)) {
		const char *name, *val, *start = p;
		size_t nlen, vlen;
		p = next_field(p, hend, &name, &nlen, &val, &vlen);
		if (nlen == 4 && !strncasecmp(name, "From", 4) && phrase.len == 0)
			from_phrase(&phrase, val, vlen);
		if (nlen == 11 && !strncasecmp(name, "Archived-At", 11))
			archive = val, archive_len = vlen;
		if (nlen == 0 || !valid_name(name, nlen) || is_dropped(name, nlen))
			continue;
		int mv = nlen == 12 && !strncasecmp(name, "MIME-Version", 12);
		int ct = (nlen == 12 && !strncasecmp(name, "Content-Type", 12)) ||
			 (nlen == 25 && !strncasecmp(name, "Content-Transfer-Encoding", 25));
		if (alt && (mv || ct)) {
			if (ct) {
				buf_add(&mime, start, (size_t)(p - start));
				if (p[-1] != '\n')
					buf_adds(&mime, "\r\n");
			}
			continue;
		}
		buf_add(out, start, (size_t)(p - start));
		if (p[-1] != '\n')
			buf_adds(out, "\r\n"); /* a header cut short: never glue on ours */
	}
	if (phrase.len == 0)
		buf_adds(&phrase, "\"someone\"");
	buf_addf(out, "From: %s <%s>\r\n", buf_str(&phrase), in->from_address);
	buf_addf(out, "Sender: <%s>\r\n", in->from_address);
	buf_addf(out, "To: <%s>\r\n", in->post_address);
	buf_addf(out, "Reply-To: <%s>\r\n", in->reply_to ? in->reply_to : in->post_address);
	buf_addf(out, "List-Id: <%s.%s>\r\n", in->group, in->list_domain);
	if (in->read_only)
		buf_adds(out, "List-Post: NO\r\n"); /* RFC 2369 3.4 */
	else
		buf_addf(out, "List-Post: <mailto:%s>\r\n", in->post_address);
	buf_addf(out, "List-Help: <mailto:%s?subject=help>\r\n", in->request_address);
	buf_addf(out, "List-Subscribe: <mailto:%s?subject=subscribe>\r\n", in->request_address);
	if (archive) {
		buf_adds(out, "Archived-At: ");
		buf_add(out, archive, archive_len);
		buf_adds(out, "\r\nList-Archive: ");
		buf_add(out, archive, archive_len);
		buf_adds(out, "\r\n");
	}
	if (in->unsubscribe_url) {
		buf_addf(out, "List-Unsubscribe: <mailto:%s?subject=unsubscribe>,\r\n <%s>\r\n",
			 in->request_address, in->unsubscribe_url);
		buf_adds(out, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
	} else {
		buf_addf(out, "List-Unsubscribe: <mailto:%s?subject=unsubscribe>\r\n",
			 in->request_address);
	}
	buf_addf(out,
		 "Precedence: list\r\nAuto-Submitted: auto-generated\r\n"
		 "X-Forumgate-Loop: %s\r\n",
		 in->list_domain);
	buf_free(&phrase);
	/* a header without its empty line (not one the store writes) still
	 * gets one, so the body never reads as header */
	const char *wend = in->wire + in->wire_len;
	int has_empty = p < wend && empty_line(p, wend);
	if (!alt) {
		/* the empty line and the body, as stored */
		if (!has_empty)
			buf_adds(out, "\r\n");
		buf_add(out, p, (size_t)(wend - p));
		buf_free(&mime);
		return;
	}
	buf_addf(out,
		 "MIME-Version: 1.0\r\nContent-Type: multipart/alternative;\r\n"
		 " boundary=\"%s\"\r\n\r\n",
		 in->boundary);
	buf_addf(out, "--%s\r\n", in->boundary);
	if (mime.len == 0)
		buf_adds(&mime, "Content-Type: text/plain; charset=UTF-8\r\n");
	buf_add(out, mime.p, mime.len);
	/* the stored body after its empty line (p points at it) */
	if (!has_empty)
		buf_adds(out, "\r\n");
	buf_add(out, p, (size_t)(wend - p));
	/* the CRLF before a delimiter belongs to it (RFC 2046 5.1.1): the
	 * text keeps its last line break only with one more */
	if (out->len >= 2 && !(out->p[out->len - 2] == '\r' && out->p[out->len - 1] == '\n'))
		buf_adds(out, "\r\n");
	buf_adds(out, "\r\n");
	buf_addf(out,
		 "--%s\r\nContent-Type: text/html; charset=UTF-8\r\n"
		 "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
		 in->boundary);
	smtp_qp(out, in->html, in->html_len);
	buf_addf(out, "--%s--\r\n", in->boundary);
	buf_free(&mime);
}

/* ---- keys ------------------------------------------------------------ */

static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

static void hmac(const unsigned char *secret, size_t secret_len, const void *data, size_t n,
		 unsigned char out[32])
{
	size_t outlen = 32;
	EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, secret, secret_len, data, n, out, 32,
		  &outlen);
}

static void b32_encode(const unsigned char *raw, size_t n, struct buf *out)
{
	unsigned acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | raw[i];
		bits += 8;
		while (bits >= 5) {
			buf_addc(out, b32[(acc >> (bits - 5)) & 31]);
			bits -= 5;
		}
	}
	if (bits > 0)
		buf_addc(out, b32[(acc << (5 - bits)) & 31]);
}

#define BOUNCE_ID 6
#define BOUNCE_TAG 8

static void bounce_raw(int64_t id, const unsigned char *secret, size_t secret_len,
		       unsigned char raw[BOUNCE_ID + BOUNCE_TAG])
{
	unsigned char msg[1 + BOUNCE_ID], tag[32];
	msg[0] = 'b'; /* domain separation from the other keys of the secret */
	for (int i = 0; i < BOUNCE_ID; i++)
		msg[1 + i] = raw[i] = (unsigned char)((uint64_t)id >> (40 - 8 * i));
	hmac(secret, secret_len, msg, sizeof msg, tag);
	memcpy(raw + BOUNCE_ID, tag, BOUNCE_TAG);
}

char *listmsg_bounce_address(const char *local, const char *domain, int64_t delivery_id,
			     const unsigned char *secret, size_t secret_len)
{
	unsigned char raw[BOUNCE_ID + BOUNCE_TAG];
	bounce_raw(delivery_id, secret, secret_len, raw);
	struct buf b = BUF_INIT;
	buf_addf(&b, "%s+b-", local);
	b32_encode(raw, sizeof raw, &b);
	buf_addf(&b, "@%s", domain);
	return buf_detach(&b);
}

int listmsg_bounce_parse(const char *key, const unsigned char *secret, size_t secret_len,
			 int64_t *delivery_id)
{
	if (strlen(key) != LISTMSG_BOUNCE_KEY_LEN)
		return 0;
	unsigned char raw[BOUNCE_ID + BOUNCE_TAG + 1];
	unsigned acc = 0;
	int bits = 0;
	size_t o = 0;
	for (const char *p = key; *p; p++) {
		const char *c = strchr(b32, tolower((unsigned char)*p));
		if (c == NULL || *p == '\0')
			return 0;
		acc = (acc << 5) | (unsigned)(c - b32);
		bits += 5;
		if (bits >= 8) {
			if (o < sizeof raw)
				raw[o++] = (unsigned char)(acc >> (bits - 8));
			bits -= 8;
		}
	}
	if (o < BOUNCE_ID + BOUNCE_TAG)
		return 0;
	int64_t id = 0;
	for (int i = 0; i < BOUNCE_ID; i++)
		id = (id << 8) | raw[i];
	unsigned char want[BOUNCE_ID + BOUNCE_TAG];
	bounce_raw(id, secret, secret_len, want);
	unsigned diff = 0;
	for (int i = 0; i < BOUNCE_ID + BOUNCE_TAG; i++)
		diff |= (unsigned)(want[i] ^ raw[i]);
	if (diff)
		return 0;
	*delivery_id = id;
	return 1;
}

char *listmsg_unsub_token(const char *group, const char *address, const unsigned char *secret,
			  size_t secret_len)
{
	struct buf msg = BUF_INIT;
	buf_addf(&msg, "u\n%s\n", group);
	for (const char *p = address; *p; p++)
		buf_addc(&msg, (char)tolower((unsigned char)*p));
	unsigned char tag[32];
	hmac(secret, secret_len, msg.p, msg.len, tag);
	buf_free(&msg);
	struct buf b = BUF_INIT;
	b32_encode(tag, 16, &b);
	return buf_detach(&b);
}

static void url_encode(struct buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || *p == '.' || *p == '-' || *p == '_' || *p == '~')
			buf_addc(b, (char)*p);
		else
			buf_addf(b, "%%%02X", *p);
	}
}

char *listmsg_unsub_url(const char *base, const char *group, const char *address,
			const unsigned char *secret, size_t secret_len)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, base);
	if (b.len && b.p[b.len - 1] == '/')
		buf_truncate(&b, b.len - 1);
	buf_adds(&b, "/unsubscribe?g=");
	url_encode(&b, group);
	buf_adds(&b, "&a=");
	url_encode(&b, address);
	char *t = listmsg_unsub_token(group, address, secret, secret_len);
	buf_addf(&b, "&t=%s", t);
	free(t);
	return buf_detach(&b);
}
