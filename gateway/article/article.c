/*
 * article: renders a forum post as an RFC 5322 / RFC 5536 news article in
 * wire form, plus the overview data the store keeps beside it; also the
 * deterministic Message-ID, References trimming and newsgroup slugs.
 *
 * Design choices:
 *  - Forum text (subject, author name, organization) goes through the
 *    sanitizing encoders of header.c. Values that are ours or structured
 *    (newsgroups, addresses, message-ids, Path, Xref, extra headers) are
 *    validated instead, and a bad one fails the build: mangling an address
 *    silently would send replies to the wrong place. The exceptions are the
 *    References entries (invalid ones are skipped, RFC 5537 §3.4.4) and the
 *    URLs of Archived-At/List-Post (unsafe octets are percent-encoded; a URL
 *    too long for one header line is left out).
 *  - Every header is folded by the folder of header.c (hdr_fold_n, the
 *    article_hdr_fold() of known lengths and our own names); the overview
 *    fields are taken back from the folded text, so they are exactly what
 *    the header says, unfolded. A value that went out on one line as it is
 *    is that text already, and is taken as it is.
 *  - The body is text_flow() output (format=flowed, DelSp=no), then the
 *    signature after "-- ". A line longer than 998 octets (only an unbroken
 *    token can make one; text_flow breaks at spaces) is hard-broken at 998,
 *    on a UTF-8 boundary: this inserts a line break into that token, which
 *    is rare and better than an article that servers reject.
 *  - Content-Transfer-Encoding is 7bit for an all-ASCII body, else 8bit; no
 *    QP/base64: NNTP and modern mail carry 8bit, and readers show it as is.
 *  - Built once per imported post, so the work per octet and per call is
 *    counted. Each input string is measured and validated once, and a
 *    validated value is not looked at again by the folder. The body is
 *    flowed straight into wire form (text_flow_wire in flow.c), so the
 *    wire buffer is allocated once, sized from the input, and headers and
 *    body lines are written straight into it; the body's 8bit and stray-CR
 *    tests are one pass over the input text (flowing adds and drops only
 *    ASCII, and no CR). The five overview values share one allocation;
 *    every temporary (header values, URLs, References) is scratch. No
 *    printf in per-octet paths.
 */
#include "forumgate/article.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "article_internal.h"
#include "bytes.h"

#define MSGID_MAX 250   /* RFC 5536 §3.1.3 */
#define REFS_TARGET 21  /* ids kept when trimming: first + last 20 */
#define REFS_MIN_TAIL 3 /* RFC 5537 §3.4.4: keep at least the last three */
#define HEADER_LINE_MAX 998
#define URL_MAX 900
#define FLOW_WIDTH 72

void article_out_free(struct article_out *a)
{
	if (a == NULL)
		return;
	buf_free(&a->wire);
	free(a->fields);
	memset(a, 0, sizeof *a);
}

/* --- syntax checks --- */

/* The atext octets (RFC 5322) as one table, not strchr and range tests:
 * every octet of every id and address passes here. 1 is atext, 2 is the
 * dot, which dot_atom() takes only between atext. */
#define ATEXT_RANGE8(c)                                                                            \
	[(c)] = 1, [(c) + 1] = 1, [(c) + 2] = 1, [(c) + 3] = 1, [(c) + 4] = 1, [(c) + 5] = 1,      \
	[(c) + 6] = 1, [(c) + 7] = 1
static const unsigned char atext_tab[256] = {
	ATEXT_RANGE8('0'), ['8'] = 1, ['9'] = 1, ATEXT_RANGE8('A'), ATEXT_RANGE8('I'),
	ATEXT_RANGE8('Q'), ['Y'] = 1, ['Z'] = 1, ATEXT_RANGE8('a'), ATEXT_RANGE8('i'),
	ATEXT_RANGE8('q'), ['y'] = 1, ['z'] = 1, ['!'] = 1,         ['#'] = 1,
	['$'] = 1,         ['%'] = 1, ['&'] = 1, ['\''] = 1,        ['*'] = 1,
	['+'] = 1,         ['-'] = 1, ['/'] = 1, ['='] = 1,         ['?'] = 1,
	['^'] = 1,         ['_'] = 1, ['`'] = 1, ['{'] = 1,         ['|'] = 1,
	['}'] = 1,         ['~'] = 1, ['.'] = 2,
};
#undef ATEXT_RANGE8

static int dot_atom(const char *p, size_t n)
{
	if (n == 0 || p[0] == '.' || p[n - 1] == '.')
		return 0;
	/* p[n - 1] is not a dot, so a dot's next octet is inside p */
	for (size_t i = 0; i < n; i++) {
		unsigned char t = atext_tab[(unsigned char)p[i]];
		if (t != 1 && (t == 0 || p[i + 1] == '.'))
			return 0;
	}
	return 1;
}

/* RFC 5536 §3.1.3 msg-id: "<" id-left "@" id-right ">", at most 250 octets,
 * id-left a dot-atom-text or quoted string, id-right a dot-atom-text or a
 * literal, none of them holding ">" or white space. */
static int msgid_valid(const char *p, size_t n)
{
	size_t i = 1, at;

	if (n < 5 || n > MSGID_MAX || p[0] != '<' || p[n - 1] != '>')
		return 0;
	/* the usual id, dot-atom "@" dot-atom, tested in one pass; when that
	 * says no or cannot tell, the rules below decide */
	if (p[1] != '"' && bytes_addr_spec(p + 1, n - 2) == 1)
		return 1;
	n--; /* p[1..n) is the core */
	if (p[i] == '"') {
		for (i++; i < n && p[i] != '"'; i++) {
			unsigned char c = (unsigned char)p[i];
			if (c == '\\') {
				i++;
				c = i < n ? (unsigned char)p[i] : 0;
			}
			if (c <= 0x20 || c >= 0x7F || c == '>')
				return 0;
		}
		if (i >= n)
			return 0;
		at = i + 1;
		if (at >= n || p[at] != '@')
			return 0;
	} else {
		for (at = i; at < n && p[at] != '@'; at++)
			;
		if (at >= n || !dot_atom(p + 1, at - 1))
			return 0;
	}
	i = at + 1;
	if (i < n && p[i] == '[') {
		if (p[n - 1] != ']' || n - i < 2)
			return 0;
		for (i++; i < n - 1; i++) {
			unsigned char c = (unsigned char)p[i];
			if (c == '\\') {
				i++;
				if (i >= n - 1 || (unsigned char)p[i] <= 0x20 ||
				    (unsigned char)p[i] >= 0x7F || p[i] == '>')
					return 0;
				continue;
			}
			if (c <= 0x20 || c >= 0x7F || c == '>' || c == '[' || c == ']')
				return 0;
		}
		return 1;
	}
	return dot_atom(p + i, n - i);
}

/* Minimal addr-spec check of s[0..n): dot-atom "@" dot-atom, ASCII, no
 * white space, controls, quotes or angle brackets. */
static int addr_valid(const char *s, size_t n)
{
	const char *at;
	int fast = bytes_addr_spec(s, n);

	if (fast >= 0)
		return fast;
	at = memchr(s, '@', n);

	if (at == NULL || memchr(at + 1, '@', n - (size_t)(at - s) - 1) != NULL)
		return 0;
	return dot_atom(s, (size_t)(at - s)) && dot_atom(at + 1, n - (size_t)(at - s) - 1);
}

/* Newsgroups s[0..n): comma-separated names of dot-separated components
 * made of letters, digits, "+", "-" and "_" (RFC 5536 §3.1.4, ASCII
 * subset). */
static int newsgroups_valid(const char *s, size_t n)
{
	size_t comp = 0;

	if (n == 0 || n > 900)
		return 0;
	for (size_t i = 0;; i++) {
		char c = i < n ? s[i] : '\0';
		if (c == '.' || c == ',' || c == '\0') {
			if (comp == 0)
				return 0;
			if (c == '\0')
				return 1;
			comp = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '_') {
			comp++;
		} else {
			return 0;
		}
	}
}

/* Printable ASCII tokens s[0..n) separated by single spaces (Path has one
 * token, Xref several). */
static int tokens_valid(const char *s, size_t n, int spaces)
{
	if (n == 0 || n > 900 || s[0] == ' ' || s[n - 1] == ' ')
		return 0;
	/* printable ASCII without two spaces in a row, 16 bytes at a time */
	if (!bytes_clean_text(s, n, 1))
		return 0;
	return spaces || memchr(s, ' ', n) == NULL;
}

/* Header lines given verbatim: each "Name: value" or a continuation, CRLF
 * ends, no empty line (it would end the header), lines within 998. */
static int extra_headers_valid(const char *s)
{
	const char *q = s;

	while (*q) {
		const char *e = strstr(q, "\r\n");
		size_t n = e ? (size_t)(e - q) : strlen(q);
		size_t i = 0;

		if (n == 0 || n > HEADER_LINE_MAX || memchr(q, '\r', n) || memchr(q, '\n', n))
			return 0;
		if (q == s || (*q != ' ' && *q != '\t')) {
			while (i < n && q[i] > 0x20 && q[i] < 0x7F && q[i] != ':')
				i++;
			if (i == 0 || i >= n || q[i] != ':')
				return 0;
		}
		q += n + (e ? 2 : 0);
	}
	return 1;
}

/* --- header assembly --- */

static void refs_trim(struct buf *b, const char *refs);

/* The overview values being collected: each one NUL-ended in `store`,
 * at off[]; copied into the one allocation of article_out at the end. */
enum { OV_SUBJECT, OV_FROM, OV_DATE, OV_MSGID, OV_REFS, OV_COUNT };

struct overview {
	struct buf *store;
	size_t off[OV_COUNT];
};

/* Appends to ov the value part of a folded "Name: value\r\n" line,
 * unfolded and with TAB turned into space, as overview data wants it. */
static void unfold(struct overview *ov, int field, const char *line, size_t n)
{
	const char *colon = memchr(line, ':', n);
	size_t i = colon ? (size_t)(colon - line) + 1 : n;
	struct buf *b = ov->store;

	ov->off[field] = b->len;
	if (i < n && line[i] == ' ')
		i++;
	/* copied in runs between the CR, LF and TAB octets; the runs of
	 * printable ASCII (all of an encoded header) found 16 bytes at a time */
	while (i < n) {
		size_t e = i + bytes_skip_printable(line + i, n - i);

		while (e < n && line[e] != '\r' && line[e] != '\n' && line[e] != '\t')
			e++;
		buf_add(b, line + i, e - i);
		if (e < n && line[e] == '\t')
			buf_addc(b, ' ');
		i = e + 1;
	}
	buf_addc(b, '\0');
}

/* The name of a header and its length, for put(): our names are
 * constants, and valid field names. */
#define HDR(name) name, sizeof(name) - 1

/* Whether put() may take a value as clean: VALID for those that passed
 * validate() or msgid_valid() (their checks are stricter than the
 * folder's cleaning), RAW for the others, which the folder looks at once
 * more. */
enum { RAW, VALID };

/* Folds "name: value" into h; when ov is given, stores the unfolded value
 * as overview field `field`. */
static void put(struct buf *h, const char *name, size_t nlen, const char *value, size_t vlen,
		int valid, struct overview *ov, int field)
{
	size_t start = h->len;

	if (hdr_fold_n(h, name, nlen, value, vlen, valid == VALID)) {
		/* on one line as it is: the value is its own unfolded form
		 * (it holds no TAB: the folder's test or validate() said so) */
		if (ov) {
			ov->off[field] = ov->store->len;
			buf_add(ov->store, value, vlen);
			buf_addc(ov->store, '\0');
		}
	} else if (ov) {
		unfold(ov, field, h->p + start, h->len - start);
	}
}

/* Appends "%XX" (printf was most of a URL's cost). */
static void add_pct(struct buf *b, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	char e[3] = {'%', hex[c >> 4], hex[c & 15]};

	buf_add(b, e, 3);
}

/* Writes "<url>" into b (emptied first), with octets that are not allowed
 * in a URI percent-encoded. Returns 0, or -1 when it is too long for a
 * header line. */
static int angle_url(struct buf *b, const char *url)
{
	/* octets to percent-encode, besides those <= 0x20 and >= 0x7F */
	static const unsigned char pct[128] = {
		['<'] = 1, ['>'] = 1, ['"'] = 1, ['\\'] = 1, ['^'] = 1,
		['`'] = 1, ['{'] = 1, ['|'] = 1, ['}'] = 1,
	};
	const unsigned char *q = (const unsigned char *)url;

	buf_reset(b);
	buf_addc(b, '<');
	/* runs of octets kept as they are are copied whole */
	while (*q) {
		const unsigned char *r = q;
		while (*r > 0x20 && *r < 0x7F && !pct[*r])
			r++;
		buf_add(b, (const char *)q, (size_t)(r - q));
		if (*r == '\0')
			break;
		add_pct(b, *r);
		q = r + 1;
	}
	buf_addc(b, '>');
	return b->len > URL_MAX ? -1 : 0;
}

/* Whether a title already starts with "Re: " (so replies do not get
 * "Re: Re: "); "Re:Zero" is a title, not a reply marker. */
static int is_reply_prefix(const char *s)
{
	while (*s && ((unsigned char)*s <= 0x20 || *s == 0x7F))
		s++;
	return strncasecmp(s, "re:", 3) == 0 && ((unsigned char)s[3] <= 0x20 || s[3] == 0x7F);
}

/* --- body --- */

/* Writes the body as article lines: the flowed text, then the signature
 * after "-- ". found is what bytes_high_cr() said of each. Returns the line
 * count; *dots gets the number of stuffed dots. */
static size_t render_body(struct buf *out, const char *text, size_t tlen, unsigned tfound,
			  const char *sig, size_t slen, unsigned sfound, size_t *dots)
{
	size_t lines = text_flow_wire(text, tlen, FLOW_WIDTH, tfound & BYTES_CR, out, dots);

	if (slen > 0) {
		buf_add(out, "-- \r\n", 5);
		lines += 1 + text_flow_wire(sig, slen, FLOW_WIDTH, sfound & BYTES_CR, out, dots);
	}
	if (lines == 0) {
		/* an empty body is one empty line */
		buf_add(out, "\r\n", 2);
		lines = 1;
	}
	return lines;
}

/* --- article_build --- */

/* The lengths of the input strings that validate() measured, so that
 * each is measured once. */
struct in_lens {
	size_t newsgroups, from_addr, message_id, in_reply_to, supersedes, path, xref, reply_to;
};

static int validate(const struct article_in *in, struct in_lens *len, char date[40], char **err)
{
	if (in->newsgroups == NULL ||
	    !newsgroups_valid(in->newsgroups, len->newsgroups = strlen(in->newsgroups)))
		return fg_error(err, "article: missing or invalid Newsgroups");
	if (in->from_addr == NULL ||
	    !addr_valid(in->from_addr, len->from_addr = strlen(in->from_addr)))
		return fg_error(err, "article: missing or invalid From address");
	if (in->message_id == NULL ||
	    !msgid_valid(in->message_id, len->message_id = strlen(in->message_id)))
		return fg_error(err, "article: missing or invalid Message-ID");
	if (in->in_reply_to &&
	    !msgid_valid(in->in_reply_to, len->in_reply_to = strlen(in->in_reply_to)))
		return fg_error(err, "article: invalid In-Reply-To id");
	if (in->supersedes &&
	    !msgid_valid(in->supersedes, len->supersedes = strlen(in->supersedes)))
		return fg_error(err, "article: invalid Supersedes id");
	if (in->path && !tokens_valid(in->path, len->path = strlen(in->path), 0))
		return fg_error(err, "article: invalid Path");
	if (in->xref && !tokens_valid(in->xref, len->xref = strlen(in->xref), 1))
		return fg_error(err, "article: invalid Xref");
	if (in->reply_to && !addr_valid(in->reply_to, len->reply_to = strlen(in->reply_to)))
		return fg_error(err, "article: invalid Reply-To address");
	if (in->extra_headers && !extra_headers_valid(in->extra_headers))
		return fg_error(err, "article: invalid extra header lines");
	if (article_date(in->date, in->tz, date) != 0)
		return fg_error(err, "article: cannot render date %lld in zone %s",
				(long long)in->date, in->tz ? in->tz : "UTC");
	return 0;
}

/* Our fixed header lines, each short enough for one line, as
 * article_hdr_fold() would write them; the article's last header but the
 * extra ones says whether the body is 7bit or 8bit. */
static const char fixed_headers[] = "User-Agent: forumgate/0.1\r\n"
				    "MIME-Version: 1.0\r\n"
				    "Content-Type: text/plain; charset=UTF-8; format=flowed\r\n"
				    "Content-Transfer-Encoding: ";

/* Writes the header block into h. v is scratch for the values. */
static void headers(const struct article_in *in, const struct in_lens *len, const char *date,
		    int eightbit, struct buf *h, struct buf *v, struct overview *ov)
{
	if (in->path)
		put(h, HDR("Path"), in->path, len->path, VALID, NULL, 0);
	else
		put(h, HDR("Path"), "not-for-mail", strlen("not-for-mail"), VALID, NULL, 0);

	buf_reset(v);
	if (in->from_name)
		article_hdr_phrase(v, in->from_name);
	if (v->len > 0) {
		buf_add(v, " <", 2);
		buf_add(v, in->from_addr, len->from_addr);
		buf_addc(v, '>');
	} else
		buf_add(v, in->from_addr, len->from_addr);
	put(h, HDR("From"), v->p, v->len, RAW, ov, OV_FROM);
	buf_reset(v);

	put(h, HDR("Newsgroups"), in->newsgroups, len->newsgroups, VALID, NULL, 0);

	if (in->subject) {
		if (in->is_reply && !is_reply_prefix(in->subject)) {
			struct buf *s = buf_scratch();
			buf_add(s, "Re: ", 4);
			buf_adds(s, in->subject);
			hdr_unstructured_n(v, s->p, s->len);
			buf_scratch_put(s);
		} else {
			hdr_unstructured_n(v, in->subject, strlen(in->subject));
		}
	}
	if (v->len == 0 || (in->is_reply && v->len == 3 && memcmp(v->p, "Re:", 3) == 0)) {
		buf_reset(v);
		buf_adds(v, in->is_reply ? "Re: (no subject)" : "(no subject)");
	}
	put(h, HDR("Subject"), v->p, v->len, RAW, ov, OV_SUBJECT);
	buf_reset(v);

	put(h, HDR("Date"), date, strlen(date), RAW, ov, OV_DATE);
	put(h, HDR("Message-ID"), in->message_id, len->message_id, VALID, ov, OV_MSGID);

	if (in->references)
		refs_trim(v, in->references);
	if (v->len > 0) {
		/* ids that passed msgid_valid(), single-spaced */
		put(h, HDR("References"), v->p, v->len, VALID, ov, OV_REFS);
	} else {
		ov->off[OV_REFS] = ov->store->len;
		buf_addc(ov->store, '\0');
	}
	buf_reset(v);

	if (in->in_reply_to)
		put(h, HDR("In-Reply-To"), in->in_reply_to, len->in_reply_to, VALID, NULL, 0);
	if (in->supersedes)
		put(h, HDR("Supersedes"), in->supersedes, len->supersedes, VALID, NULL, 0);
	if (in->organization) {
		hdr_unstructured_n(v, in->organization, strlen(in->organization));
		if (v->len > 0)
			put(h, HDR("Organization"), v->p, v->len, RAW, NULL, 0);
		buf_reset(v);
	}
	if (in->archived_at && angle_url(v, in->archived_at) == 0)
		put(h, HDR("Archived-At"), v->p, v->len, RAW, NULL, 0);
	if (in->list_post && angle_url(v, in->list_post) == 0)
		put(h, HDR("List-Post"), v->p, v->len, RAW, NULL, 0);
	if (in->reply_to)
		put(h, HDR("Reply-To"), in->reply_to, len->reply_to, VALID, NULL, 0);
	if (in->xref)
		put(h, HDR("Xref"), in->xref, len->xref, VALID, NULL, 0);
	buf_add(h, fixed_headers, sizeof fixed_headers - 1);
	buf_add(h, eightbit ? "8bit\r\n" : "7bit\r\n", 6);
	if (in->extra_headers && *in->extra_headers) {
		buf_adds(h, in->extra_headers);
		if (h->len < 2 || memcmp(h->p + h->len - 2, "\r\n", 2) != 0)
			buf_add(h, "\r\n", 2);
	}
	buf_add(h, "\r\n", 2);
}

int article_build(const struct article_in *in, struct article_out *out, char **err)
{
	char date[40];
	struct buf *v;
	struct overview ov;
	struct in_lens len = {0};
	const char *text;
	size_t tlen, slen;
	unsigned tfound, sfound;
	int eightbit;

	memset(out, 0, sizeof *out);
	if (in == NULL)
		return fg_error(err, "article: no input");
	if (validate(in, &len, date, err) != 0)
		return -1;

	text = in->body ? in->body : "";
	tlen = strlen(text);
	slen = in->signature ? strlen(in->signature) : 0;
	tfound = bytes_high_cr(text, tlen);
	sfound = slen > 0 ? bytes_high_cr(in->signature, slen) : 0;
	/* flowing adds only ASCII (quote marks, spaces, line ends) and drops
	 * only ASCII: the body is 8bit exactly when its text or signature is */
	eightbit = ((tfound | sfound) & BYTES_HIGH) != 0;
	v = buf_scratch();
	ov.store = buf_scratch();
	/* one allocation for the article: headers stay near 1 KB, the body
	 * grows by its CRLFs, quote marks and stuffing */
	buf_reserve(&out->wire, 2048 + tlen + slen + (tlen + slen) / 8);
	headers(in, &len, date, eightbit, &out->wire, v, &ov);
	out->header_len = out->wire.len;
	size_t dots = 0;
	out->lines = render_body(&out->wire, text, tlen, tfound, in->signature, slen, sfound,
				 &dots);
	/* RFC 3977 §8.1.1: the article's octets with CRLF line ends, without
	 * the dot-stuffing the wire form carries (header lines never start
	 * with a dot) */
	out->bytes = out->wire.len - dots;

	out->fields = xmalloc(ov.store->len);
	memcpy(out->fields, ov.store->p, ov.store->len);
	out->subject = out->fields + ov.off[OV_SUBJECT];
	out->from = out->fields + ov.off[OV_FROM];
	out->date = out->fields + ov.off[OV_DATE];
	out->message_id = out->fields + ov.off[OV_MSGID];
	out->references = out->fields + ov.off[OV_REFS];
	buf_scratch_put(v);
	buf_scratch_put(ov.store);
	return 0;
}

/* Writes v in decimal at d; returns the end. */
static char *put_uint(char *d, size_t v)
{
	char t[24];
	size_t k = sizeof t;

	do {
		t[--k] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	memcpy(d, t + k, sizeof t - k);
	return d + (sizeof t - k);
}

char *article_overview(const struct article_out *a, const char *xref)
{
	size_t flen[5], xlen, need = 2 * 24 + 8;
	char *o, *d;

	if (a == NULL)
		return NULL;
	/* "%s\t%s\t%s\t%s\t%s\t%zu\t%zu\t" without printf, written straight
	 * into one allocation of the size it needs (once per article) */
	const char *const fields[] = {a->subject, a->from, a->date, a->message_id, a->references};
	for (size_t i = 0; i < 5; i++) {
		flen[i] = fields[i] ? strlen(fields[i]) : 0;
		need += flen[i] + 1;
	}
	xlen = xref ? strlen(xref) : 0;
	need += xref ? 6 + xlen : 0;
	d = o = xmalloc(need);
	for (size_t i = 0; i < 5; i++) {
		if (flen[i] > 0)
			memcpy(d, fields[i], flen[i]);
		d += flen[i];
		*d++ = '\t';
	}
	d = put_uint(d, a->bytes);
	*d++ = '\t';
	d = put_uint(d, a->lines);
	*d++ = '\t';
	if (xref) {
		memcpy(d, "Xref: ", 6);
		d += 6;
		/* copied in runs between the (unexpected) TAB/CR/LF */
		for (size_t i = 0; i < xlen;) {
			size_t r = strcspn(xref + i, "\t\r\n");
			memcpy(d, xref + i, r);
			d += r;
			i += r;
			if (i < xlen) {
				*d++ = ' ';
				i++;
			}
		}
	}
	*d = '\0';
	return o;
}

/* --- Message-ID --- */

/* The octets an id keeps as they are in a Message-ID: letters, digits,
 * "-" and "_". */
#define ID_RANGE(a, z) [a] = 1, [a + 1] = 1, [a + 2] = 1, [a + 3] = 1, [a + 4] = 1
static const unsigned char id_char[256] = {
	ID_RANGE('0', '4'), ID_RANGE('5', '9'), ID_RANGE('A', 'E'), ID_RANGE('F', 'J'),
	ID_RANGE('K', 'O'), ID_RANGE('P', 'T'), ID_RANGE('U', 'Y'), ['Z'] = 1,
	ID_RANGE('a', 'e'), ID_RANGE('f', 'j'), ID_RANGE('k', 'o'), ID_RANGE('p', 't'),
	ID_RANGE('u', 'y'), ['z'] = 1,          ['-'] = 1,          ['_'] = 1,
};
#undef ID_RANGE

/* Appends an id with everything but letters, digits, "-" and "_"
 * percent-encoded: the result is dot-atom-text without dots. Runs of kept
 * octets are copied whole. */
static void add_id(struct buf *b, const char *s)
{
	const unsigned char *q = (const unsigned char *)s;

	for (;;) {
		const unsigned char *r = q;
		while (id_char[*r])
			r++;
		buf_add(b, q, (size_t)(r - q));
		if (*r == '\0')
			return;
		add_pct(b, *r);
		q = r + 1;
	}
}

char *article_message_id(const char *forum, const char *thread, const char *post, int version,
			 const char *domain)
{
	return article_message_id_variant(forum, thread, post, version, 0, domain);
}

char *article_message_id_variant(const char *forum, const char *thread, const char *post,
				 int version, int variant, const char *domain)
{
	struct buf b = BUF_INIT;
	size_t dl;

	if (!forum || !thread || !post || !domain || !*forum || variant < 0 ||
	    (dl = strlen(domain)) > 200 || !dot_atom(domain, dl))
		return NULL;
	/* one allocation, no printf: this runs once per imported post */
	buf_reserve(&b, 3 * (strlen(post) + strlen(thread) + strlen(forum)) + dl + 64);
	buf_add(&b, "<p", 2);
	add_id(&b, post);
	if (version > 1) {
		char v[24];
		buf_add(&b, ".v", 2);
		buf_add(&b, v, (size_t)(put_uint(v, (size_t)version) - v));
	}
	buf_add(&b, ".t", 2);
	add_id(&b, thread);
	buf_addc(&b, '.');
	add_id(&b, forum);
	if (variant > 0) {
		char v[24];
		buf_add(&b, ".c", 2);
		buf_add(&b, v, (size_t)(put_uint(v, (size_t)variant) - v));
	}
	buf_addc(&b, '@');
	buf_add(&b, domain, dl);
	buf_addc(&b, '>');
	if (b.len > MSGID_MAX) {
		/* Too long for RFC 5536: a hash of the ids stays deterministic. */
		struct buf key = BUF_INIT;
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned int mdlen = 0;

		buf_add(&key, forum, strlen(forum) + 1);
		buf_add(&key, thread, strlen(thread) + 1);
		buf_add(&key, post, strlen(post) + 1);
		buf_addf(&key, "%d", version);
		if (variant > 0) /* variant 0 hashes as ids made before variants did */
			buf_addf(&key, "/c%d", variant);
		if (EVP_Digest(key.p, key.len, md, &mdlen, EVP_sha256(), NULL) != 1) {
			buf_free(&key);
			buf_free(&b);
			return NULL;
		}
		buf_free(&key);
		buf_reset(&b);
		buf_adds(&b, "<h");
		for (unsigned int i = 0; i < 20 && i < mdlen; i++)
			buf_addf(&b, "%02x", md[i]);
		buf_addf(&b, "@%s>", domain);
	}
	return buf_detach(&b);
}

/* Skips an id as add_id() writes it: kept octets and %XX escapes (either
 * case, to refuse more rather than less). Returns the octet after it. */
static const char *skip_id(const char *s, const char *end)
{
	while (s < end) {
		if (id_char[(unsigned char)*s])
			s++;
		else if (*s == '%' && end - s >= 3 && fg_hexval((unsigned char)s[1]) >= 0 &&
			 fg_hexval((unsigned char)s[2]) >= 0)
			s += 3;
		else
			break;
	}
	return s;
}

/* Skips ".X" and one or more digits (".v3", ".c1") when s starts with
 * them; else returns s. */
static const char *skip_tag_number(const char *s, const char *end, char tag)
{
	if (end - s < 3 || s[0] != '.' || s[1] != tag || s[2] < '0' || s[2] > '9')
		return s;
	s += 3;
	while (s < end && *s >= '0' && *s <= '9')
		s++;
	return s;
}

int article_msgid_ours(const char *msgid, const char *domain)
{
	if (msgid == NULL || domain == NULL || msgid[0] != '<')
		return 0;
	size_t n = strlen(msgid), dl = strlen(domain);
	if (dl == 0 || n < dl + 4 || msgid[n - 1] != '>' || msgid[n - dl - 2] != '@' ||
	    strncasecmp(msgid + n - dl - 1, domain, dl) != 0)
		return 0;
	const char *s = msgid + 1, *end = msgid + n - dl - 2; /* the left side */
	if (*s == 'h') { /* the hashed form of an id too long to write out */
		if (end - s != 41)
			return 0;
		for (s++; s < end; s++)
			if (fg_hexval((unsigned char)*s) < 0)
				return 0;
		return 1;
	}
	if (*s != 'p')
		return 0;
	s = skip_id(s + 1, end);          /* post */
	s = skip_tag_number(s, end, 'v'); /* edit */
	if (end - s < 2 || s[0] != '.' || s[1] != 't')
		return 0;
	s = skip_id(s + 2, end); /* thread */
	if (s == end || *s != '.')
		return 0;
	s = skip_id(s + 1, end);          /* forum */
	s = skip_tag_number(s, end, 'c'); /* collision variant */
	return s == end;
}

/* --- References --- */

/* Writes the trimmed list into b (see article_refs_trim). The ids are
 * found in place; up to REFS_STACK of them need no allocation. */
#define REFS_STACK 64

static void refs_trim(struct buf *b, const char *refs)
{
	const char *ids_small[REFS_STACK];
	size_t lens_small[REFS_STACK];
	const char **ids = ids_small;
	size_t *lens = lens_small, n = 0, cap = REFS_STACK, keep, total;
	const char *q = refs ? refs : "";

	while (*q) {
		size_t len;

		while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
			q++;
		len = strcspn(q, " \t\r\n");
		if (len == 0)
			break;
		if (msgid_valid(q, len)) {
			if (n == cap) {
				cap *= 2;
				if (ids == ids_small) {
					ids = xmalloc(cap * sizeof *ids);
					lens = xmalloc(cap * sizeof *lens);
					memcpy(ids, ids_small, sizeof ids_small);
					memcpy(lens, lens_small, sizeof lens_small);
				} else {
					ids = xrealloc(ids, cap * sizeof *ids);
					lens = xrealloc(lens, cap * sizeof *lens);
				}
			}
			ids[n] = q;
			lens[n++] = len;
		}
		q += len;
	}

	/* keep = how many of the last ids follow the first one */
	keep = n > 0 ? n - 1 : 0;
	if (keep > REFS_TARGET - 1)
		keep = REFS_TARGET - 1;
	for (;;) {
		total = strlen("References: ") + (n > 0 ? lens[0] : 0);
		for (size_t i = n - keep; i < n && keep > 0; i++)
			total += 1 + lens[i];
		if (total < HEADER_LINE_MAX || keep <= REFS_MIN_TAIL)
			break;
		keep--;
	}
	if (n > 0)
		buf_add(b, ids[0], lens[0]);
	for (size_t i = n - keep; i < n && keep > 0; i++) {
		buf_addc(b, ' ');
		buf_add(b, ids[i], lens[i]);
	}
	if (ids != ids_small) {
		free(ids);
		free(lens);
	}
}

char *article_refs_trim(const char *refs)
{
	struct buf b = BUF_INIT;

	refs_trim(&b, refs);
	return buf_detach(&b);
}

/* --- slugs --- */

/* ASCII letters for U+00C0..U+00FF and U+0100..U+017F; digits stand for
 * two-letter forms, ' ' marks a non-letter. */
static const char latin1[] = "aaaaaa3ceeeeiiiidnooooo ouuuuy45"
			     "aaaaaa3ceeeeiiiidnooooo ouuuuy4y";
static const char latin_ext_a[] = "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii11jjkkk"
				  "llllllllllnnnnnnnnnoooooo22rrrrrrsssssssstttttt"
				  "uuuuuuuuuuuuwwyyyzzzzzzs";
static const char *const pairs[] = {"ij", "oe", "ae", "th", "ss"};

_Static_assert(sizeof latin1 == 65, "latin1 table covers U+00C0..U+00FF");
_Static_assert(sizeof latin_ext_a == 129, "latin_ext_a table covers U+0100..U+017F");

/* Transliteration of cp: letters, or "" to drop it, or NULL for a separator. */
static const char *translit(long cp, char one[2])
{
	char c = 0;

	if (cp >= 0xC0 && cp <= 0xFF)
		c = latin1[cp - 0xC0];
	else if (cp >= 0x100 && cp <= 0x17F)
		c = latin_ext_a[cp - 0x100];
	else if (cp < 0xC0 || (cp >= 0x2000 && cp <= 0x206F) || cp == 0x3000)
		return NULL;
	else
		return "";
	if (c == ' ')
		return NULL;
	if (c >= '1' && c <= '5')
		return pairs[c - '1'];
	one[0] = c;
	one[1] = '\0';
	return one;
}

/* ASCII letters and digits, as they go into a slug (lowercase); 0 for
 * the other octets. */
#define SLUG_RANGE(a, d)                                                                           \
	[a] = a + d, [a + 1] = a + 1 + d, [a + 2] = a + 2 + d, [a + 3] = a + 3 + d,                \
	[a + 4] = a + 4 + d
static const unsigned char slug_ascii[256] = {
	SLUG_RANGE('0', 0),  SLUG_RANGE('5', 0),  SLUG_RANGE('A', 32), SLUG_RANGE('F', 32),
	SLUG_RANGE('K', 32), SLUG_RANGE('P', 32), SLUG_RANGE('U', 32), ['Z'] = 'z',
	SLUG_RANGE('a', 0),  SLUG_RANGE('f', 0),  SLUG_RANGE('k', 0),  SLUG_RANGE('p', 0),
	SLUG_RANGE('u', 0),  ['z'] = 'z',
};
#undef SLUG_RANGE

/* The slug of s appended to b, nothing when s has no letter or digit. */
static void slug_put(struct buf *b, const char *s)
{
	const size_t start = b->len;
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	int dash = 0;

	/* every letter or dash written stands for at least one input byte */
	buf_reserve(b, strlen((const char *)p) + 1);

	while (*p) {
		const char *t;
		char one[2];
		long cp;
		size_t k = 1, need;
		unsigned c = *p;

		if (c < 0x80) {
			/* ASCII: a run of letters and digits goes out at once,
			 * lowercased; anything else separates */
			const unsigned char *r = p;
			while (slug_ascii[*r])
				r++;
			if (r == p) {
				dash = 1;
				p++;
				continue;
			}
			if (dash && b->len > start)
				buf_addc(b, '-');
			dash = 0;
			buf_reserve(b, (size_t)(r - p));
			for (; p < r; p++)
				b->p[b->len++] = (char)slug_ascii[*p];
			b->p[b->len] = '\0';
			continue;
		}
		/* decode leniently: invalid bytes are simply dropped */
		need = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
		cp = need == 0 ? -1 : (long)(c & (0x3F >> need));
		for (size_t i = 1; i <= need && cp >= 0; i++) {
			if ((p[i] & 0xC0) != 0x80) {
				cp = -1;
			} else {
				cp = (cp << 6) | (p[i] & 0x3F);
				k++;
			}
		}
		t = cp < 0 ? "" : translit(cp, one);
		p += k;
		if (t == NULL) {
			dash = 1;
		} else if (*t) {
			if (dash && b->len > start)
				buf_addc(b, '-');
			dash = 0;
			if (t == one)
				buf_addc(b, one[0]);
			else
				buf_adds(b, t);
		}
	}
}

void article_slug_add(struct buf *b, const char *s)
{
	const size_t start = b->len;

	slug_put(b, s);
	if (b->len == start)
		buf_addc(b, 'x');
}

char *article_group_slug(const char *board)
{
	struct buf b = BUF_INIT;

	slug_put(&b, board);
	/* a newsgroup component stays short; the slug is ASCII, so any cut
	 * is on a character boundary */
	if (b.len > 64)
		buf_truncate(&b, 64);
	while (b.len > 0 && b.p[b.len - 1] == '-')
		buf_truncate(&b, b.len - 1);
	if (b.len == 0) {
		buf_free(&b); /* slug_put reserved room but wrote no NUL */
		return xstrdup("");
	}
	return buf_detach(&b);
}

char *article_slug(const char *s)
{
	struct buf b = BUF_INIT;
	article_slug_add(&b, s);
	return buf_detach(&b);
}
