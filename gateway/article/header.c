/*
 * header: the safe header building blocks of the article renderer, shared
 * with the mail side: the sanitizer, RFC 2047 encoded-words, display-name
 * phrases, folding and the Date value.
 *
 * Design choices:
 *  - One sanitizer for every forum string: it decodes UTF-8 strictly
 *    (invalid sequences become U+FFFD), turns C0/C1 controls, DEL and the
 *    Unicode line/paragraph separators into spaces, collapses runs of spaces
 *    and trims. After it a value cannot carry CR or LF, so no forum text can
 *    ever start a header line of its own.
 *  - Encoding works word by word: ASCII words stay readable, consecutive
 *    words that need encoding (non-ASCII, a literal "=?", or a token too long
 *    to fit a line) form one run, spaces included, because white space
 *    between two encoded-words is dropped by decoders. A run is written in Q
 *    or B, whichever is shorter, split into encoded-words of at most 75
 *    octets on UTF-8 character boundaries.
 *  - Folding works at 76 octets rather than RFC 5322's 78: RFC 2047 §2
 *    limits lines that hold encoded-words to 76, and one width for every
 *    header keeps the code simple. The first encoded-word of a value is kept
 *    shorter (FIRST_EW_MAX) so that "Subject: " or "Organization: " plus the
 *    word still fit. A token that cannot fit 998 octets is cut with an
 *    inserted CRLF SP as a last resort (only possible for values that did
 *    not come through the encoders here, which never make such tokens).
 *  - Every value of every article passes the sanitizer and the folder, so
 *    both take printable ASCII (the usual value) in runs, 16 bytes at a
 *    time (bytes.h), and keep the character-by-character rules for the
 *    rest: the sanitizer copies runs of single-spaced ASCII words whole,
 *    the encoder copies whole stretches of words that stay plain, and the
 *    folder writes a clean value that fits the first line in one piece.
 *    article.c reaches them through article_internal.h with the lengths it
 *    has, and says which values its own validation already proved clean.
 *    The sanitized copy lives in a per-thread scratch buffer
 *    (buf_scratch), not a fresh allocation per value.
 *  - article_date() selects the wanted zone with zone_use() (glibc has no
 *    per-call zone API): it is not thread-safe; forumgate's roles that
 *    render articles are single-threaded.
 */
#include "forumgate/article.h"
#include "forumgate/zone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "article_internal.h"
#include "bytes.h"

#define FOLD_WIDTH 76 /* RFC 2047 §2 line limit, within RFC 5322's 78 */
#define LINE_MAX_OCTETS 998
#define EW_MAX 75       /* RFC 2047 §2 */
#define FIRST_EW_MAX 62 /* "Organization: " (14) + 62 = 76 */
#define EW_OVERHEAD 12  /* "=?UTF-8?Q?" + "?=" */
#define LONG_WORD 900   /* plain tokens longer than this get encoded (split) */

/* Decodes one UTF-8 character of s (n >= 1 bytes left). Returns the number of
 * bytes it takes and stores the code point in *cp, or -1 for an invalid
 * sequence (then the length covers its maximal invalid subpart, >= 1). */
static size_t utf8_next(const unsigned char *s, size_t n, long *cp)
{
	unsigned c = s[0], lo = 0x80, hi = 0xBF;
	size_t need;
	unsigned long v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		need = 1;
		v = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		v = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0; /* overlong */
		if (c == 0xED)
			hi = 0x9F; /* surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		v = c & 0x07;
		if (c == 0xF0)
			lo = 0x90; /* overlong */
		if (c == 0xF4)
			hi = 0x8F; /* > U+10FFFF */
	} else {
		*cp = -1;
		return 1;
	}
	for (size_t i = 1; i <= need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*cp = -1;
			return i;
		}
		v = (v << 6) | (s[i] & 0x3F);
		lo = 0x80;
		hi = 0xBF;
	}
	*cp = (long)v;
	return need + 1;
}

static int is_blank_cp(long cp)
{
	return cp <= 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 ||
	       cp == 0x2029;
}

/* Appends the sanitized form of s[0..n): valid UTF-8, no controls, single
 * spaces between words, no leading or trailing space. */
static void sanitize(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = out->len;
	int space = 0;

	while (i < n) {
		long cp;
		size_t k;

		if (p[i] == ' ') {
			space = 1;
			i++;
			continue;
		}
		/* printable ASCII words with single spaces between them, the
		 * bulk of any subject or name, come out as they are: the run is
		 * found (16 bytes at a time where it is long) and copied whole */
		if (p[i] > 0x20 && p[i] < 0x7F) {
			size_t e = i + 1 + bytes_skip_ascii_words(p + i + 1, n - i - 1);
			for (;;) {
				if (e < n && p[e] > 0x20 && p[e] < 0x7F)
					e++;
				else if (e + 1 < n && p[e] == ' ' && p[e + 1] > 0x20 &&
					 p[e + 1] < 0x7F)
					e += 2;
				else
					break;
			}
			if (space && out->len > start)
				buf_addc(out, ' ');
			space = 0;
			buf_add(out, p + i, e - i);
			i = e;
			continue;
		}
		k = utf8_next(p + i, n - i, &cp);

		if (cp >= 0 && is_blank_cp(cp)) {
			space = 1;
		} else {
			if (space && out->len > start)
				buf_addc(out, ' ');
			space = 0;
			if (cp < 0)
				buf_adds(out, "\xEF\xBF\xBD");
			else
				buf_add(out, p + i, k);
		}
		i += k;
	}
}

/* RFC 5322 atext. */
static int is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* Octets that Q encoding may leave as they are: RFC 2047 §4.2 (3) for text,
 * the narrower §5 (3) set for phrases. */
static int q_literal(unsigned char c, int phrase)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	if (phrase)
		return c != 0 && strchr("!*+-/", c) != NULL;
	return c > 0x20 && c < 0x7F && c != '=' && c != '?' && c != '_';
}

static size_t q_cost(unsigned char c, int phrase)
{
	return c == ' ' || q_literal(c, phrase) ? 1 : 3;
}

/* Appends "=XX" (printf cost more than the rest of the encoding). */
static void add_hex(struct buf *out, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	char e[3] = {'=', hex[c >> 4], hex[c & 15]};

	buf_add(out, e, 3);
}

static void add_q(struct buf *out, const unsigned char *p, size_t n, int phrase)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == ' ')
			buf_addc(out, '_');
		else if (q_literal(p[i], phrase))
			buf_addc(out, (char)p[i]);
		else
			add_hex(out, p[i]);
	}
}

static void add_b(struct buf *out, const unsigned char *p, size_t n)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < n; i += 3) {
		unsigned long v = (unsigned long)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned long)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		buf_addc(out, b64[(v >> 18) & 63]);
		buf_addc(out, b64[(v >> 12) & 63]);
		buf_addc(out, i + 1 < n ? b64[(v >> 6) & 63] : '=');
		buf_addc(out, i + 2 < n ? b64[v & 63] : '=');
	}
}

/* Writes the bytes p[0..n) (valid UTF-8) as space-separated encoded-words,
 * the first at most first_max octets, the others at most EW_MAX. */
static void encode_run(struct buf *out, const char *s, size_t n, int phrase, size_t first_max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t qlen = 0, blen = (n + 2) / 3 * 4, limit = first_max, i = 0;
	int useq;

	for (size_t j = 0; j < n; j++)
		qlen += q_cost(p[j], phrase);
	useq = qlen <= blen;

	while (i < n) {
		size_t j = i, payload = 0;

		while (j < n) {
			long cp;
			size_t k = utf8_next(p + j, n - j, &cp), cost = 0;

			if (useq) {
				for (size_t m = 0; m < k; m++)
					cost += q_cost(p[j + m], phrase);
				if (payload + cost > limit - EW_OVERHEAD)
					break;
				payload += cost;
			} else if ((j + k - i + 2) / 3 * 4 > limit - EW_OVERHEAD) {
				break;
			}
			j += k;
		}
		if (j == i) /* cannot happen: one character always fits */
			j = i + 1;
		if (i > 0)
			buf_addc(out, ' ');
		buf_adds(out, useq ? "=?UTF-8?Q?" : "=?UTF-8?B?");
		if (useq)
			add_q(out, p + i, j - i, phrase);
		else
			add_b(out, p + i, j - i);
		buf_adds(out, "?=");
		i = j;
		limit = EW_MAX;
	}
}

static int has_encoded_word_start(const char *w, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++)
		if (w[i] == '=' && w[i + 1] == '?')
			return 1;
	return 0;
}

/* Whether the word w[0..n) must go out encoded. */
static int needs_encoding(const char *w, size_t n, int phrase)
{
	if (n > LONG_WORD || has_encoded_word_start(w, n))
		return 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)w[i];
		if (c >= 0x80 || (phrase && !is_atext(c)))
			return 1;
	}
	return 0;
}

/* For unstructured text (not phrases): the end of the longest stretch of
 * whole words at p[i..n) that go out as they are, or i when there is
 * none (the word at i needs encoding, or is too long to tell here).
 * Words are single-spaced (sanitized), so a stretch is copied as one.
 * It ends before the word holding the first octet >= 0x80 or "=?"
 * (searched 16 bytes at a time), and it is at most LONG_WORD octets
 * long, so no word in it is too long to stay plain; it also bounds the
 * bytes looked at per call, which keeps encode_words() linear. */
static size_t plain_stretch(const char *p, size_t i, size_t n)
{
	size_t limit = n - i > LONG_WORD ? i + LONG_WORD : n, t = i, e;

	for (;;) {
		t += bytes_skip_ascii_but(p + t, limit - t, '=');
		while (t < limit && (unsigned char)p[t] < 0x80 && p[t] != '=')
			t++;
		if (t >= limit || (unsigned char)p[t] >= 0x80 || (t + 1 < n && p[t + 1] == '?'))
			break;
		t++; /* a '=' without '?' */
	}
	if (t >= n)
		return n;
	/* back to the space before the word holding p[t] (p[limit] itself
	 * when no trigger was found and it is a space) */
	e = t;
	while (e > i && p[e] != ' ')
		e--;
	return e;
}

/* Appends a sanitized text p[0..n) word by word: plain words as they are,
 * runs of words that need it as encoded-words. */
static void encode_words(struct buf *out, const char *p, size_t n, int phrase)
{
	size_t base = out->len, i = 0;

	while (i < n) {
		size_t e = phrase ? i : plain_stretch(p, i, n), r;

		if (e > i) {
			if (out->len > base)
				buf_addc(out, ' ');
			buf_add(out, p + i, e - i);
			i = e < n ? e + 1 : e;
			continue;
		}
		while (e < n && p[e] != ' ')
			e++;
		if (out->len > base)
			buf_addc(out, ' ');
		if (!needs_encoding(p + i, e - i, phrase)) {
			buf_add(out, p + i, e - i);
			i = e < n ? e + 1 : e;
			continue;
		}
		r = e;
		while (r < n) {
			size_t ws = r + 1, we = ws;
			while (we < n && p[we] != ' ')
				we++;
			if (!needs_encoding(p + ws, we - ws, phrase))
				break;
			r = we;
		}
		encode_run(out, p + i, r - i, phrase, out->len == base ? FIRST_EW_MAX : EW_MAX);
		i = r < n ? r + 1 : r;
	}
}

void hdr_unstructured_n(struct buf *out, const char *s, size_t n)
{
	struct buf *clean = buf_scratch();

	sanitize(clean, s, n);
	/* text that needs no encoding at all (the usual) goes out in one */
	if (plain_stretch(buf_str(clean), 0, clean->len) == clean->len)
		buf_add(out, buf_str(clean), clean->len);
	else
		encode_words(out, buf_str(clean), clean->len, 0);
	buf_scratch_put(clean);
}

void article_hdr_unstructured(struct buf *out, const char *s)
{
	if (s != NULL)
		hdr_unstructured_n(out, s, strlen(s));
}

/* What a display name's octets ask of article_hdr_phrase(), as a table
 * (one lookup per octet rather than is_atext()): PK_HIGH for non-ASCII,
 * PK_SPECIAL for the ASCII that is neither atext nor the space between
 * words (it asks for a quoted string). */
enum { PK_HIGH = 1, PK_SPECIAL = 2 };
#define PK8(c)                                                                                     \
	[c] = PK_SPECIAL, [c + 1] = PK_SPECIAL, [c + 2] = PK_SPECIAL, [c + 3] = PK_SPECIAL,        \
	[c + 4] = PK_SPECIAL, [c + 5] = PK_SPECIAL, [c + 6] = PK_SPECIAL, [c + 7] = PK_SPECIAL
#define PKH16(c)                                                                                   \
	[c] = PK_HIGH, [c + 1] = PK_HIGH, [c + 2] = PK_HIGH, [c + 3] = PK_HIGH, [c + 4] = PK_HIGH, \
	[c + 5] = PK_HIGH, [c + 6] = PK_HIGH, [c + 7] = PK_HIGH, [c + 8] = PK_HIGH,                \
	[c + 9] = PK_HIGH, [c + 10] = PK_HIGH, [c + 11] = PK_HIGH, [c + 12] = PK_HIGH,             \
	[c + 13] = PK_HIGH, [c + 14] = PK_HIGH, [c + 15] = PK_HIGH
static const unsigned char phrase_kind[256] = {
	PK8(0x00),          PK8(0x08),           PK8(0x10),
	PK8(0x18), /* controls (not left by sanitize) */
	['"'] = PK_SPECIAL, ['('] = PK_SPECIAL,  [')'] = PK_SPECIAL,
	[','] = PK_SPECIAL, ['.'] = PK_SPECIAL,  [':'] = PK_SPECIAL,
	[';'] = PK_SPECIAL, ['<'] = PK_SPECIAL,  ['>'] = PK_SPECIAL,
	['@'] = PK_SPECIAL, ['['] = PK_SPECIAL,  ['\\'] = PK_SPECIAL,
	[']'] = PK_SPECIAL, [0x7F] = PK_SPECIAL, PKH16(0x80),
	PKH16(0x90),        PKH16(0xA0),         PKH16(0xB0),
	PKH16(0xC0),        PKH16(0xD0),         PKH16(0xE0),
	PKH16(0xF0),
};
#undef PK8
#undef PKH16

void article_hdr_phrase(struct buf *out, const char *s)
{
	struct buf *clean;
	const char *p;
	int ascii, atoms, longword = 0;
	unsigned kind = 0;
	size_t wlen = 0;

	if (s == NULL)
		return;
	clean = buf_scratch();
	sanitize(clean, s, strlen(s));
	p = buf_str(clean);
	for (size_t i = 0; i < clean->len; i++) {
		unsigned char c = (unsigned char)p[i];
		kind |= phrase_kind[c];
		wlen = c == ' ' ? 0 : wlen + 1;
		if (wlen > LONG_WORD)
			longword = 1;
	}
	ascii = !(kind & PK_HIGH);
	atoms = !(kind & (PK_HIGH | PK_SPECIAL));
	if (!ascii || longword || has_encoded_word_start(p, clean->len)) {
		encode_words(out, p, clean->len, 1);
	} else if (atoms) {
		buf_add(out, p, clean->len);
	} else {
		buf_addc(out, '"');
		for (size_t i = 0; i < clean->len; i++) {
			if (p[i] == '"' || p[i] == '\\')
				buf_addc(out, '\\');
			buf_addc(out, p[i]);
		}
		buf_addc(out, '"');
	}
	buf_scratch_put(clean);
}

/* Octets of a field name (RFC 5322 ftext: printable ASCII but ':'), as a
 * table: every header of every article has its name checked. */
#define FTEXT8(c)                                                                                  \
	[c] = 1, [c + 1] = 1, [c + 2] = 1, [c + 3] = 1, [c + 4] = 1, [c + 5] = 1, [c + 6] = 1,     \
	[c + 7] = 1
static const unsigned char field_name_char[256] = {
	FTEXT8(0x21), FTEXT8(0x29), FTEXT8(0x31), [0x39] = 1, /* 0x3A is ':' */
	FTEXT8(0x3B), FTEXT8(0x43), FTEXT8(0x4B), FTEXT8(0x53), FTEXT8(0x5B), FTEXT8(0x63),
	FTEXT8(0x6B), FTEXT8(0x73), [0x7B] = 1,   [0x7C] = 1,   [0x7D] = 1,   [0x7E] = 1,
};
#undef FTEXT8

static int is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* Appends the segment s[0..n) to a header line that already holds *col
 * octets, cutting it with CRLF SP where it would pass 998 (at a UTF-8
 * character boundary when one is near). */
static void add_segment(struct buf *out, const char *s, size_t n, size_t *col)
{
	while (*col + n > LINE_MAX_OCTETS) {
		size_t take = LINE_MAX_OCTETS - *col, t = take;

		while (t > 1 && take - t < 3 && ((unsigned char)s[t] & 0xC0) == 0x80)
			t--;
		if (((unsigned char)s[t] & 0xC0) != 0x80)
			take = t;
		buf_add(out, s, take);
		buf_adds(out, "\r\n ");
		*col = 1;
		s += take;
		n -= take;
	}
	buf_add(out, s, n);
	*col += n;
}

/* Whether s[0..n) needs none of the cleaning of article_hdr_fold(): no
 * controls (TAB included), no DEL, no leading, trailing or doubled
 * space. Every header value of every article is tested here. */
static int value_clean(const char *s, size_t n)
{
	return n == 0 || (s[0] != ' ' && s[n - 1] != ' ' && bytes_clean_text(s, n, 0));
}

/* Appends value[0..vlen) to a header line that holds "Name:" (col octets),
 * folded, and the CRLF that ends the field. checked: see hdr_fold_n(). */
static void fold_value(struct buf *out, size_t col, const char *value, size_t vlen, int checked)
{
	struct buf v = BUF_INIT;
	size_t i = 0;
	const char *p = value;
	int tabs = 0;

	/* Defensive: value should already be clean, but a header must never
	 * carry CR, LF or controls, nor white space runs that could fold into
	 * a line of white space only. A value that is clean already (the
	 * usual case) is used in place. */
	if (!checked && !value_clean(value, vlen)) {
		tabs = 1; /* the cleaned copy may hold TABs: they are kept */
		for (size_t k = 0; k < vlen; k++) {
			char c = (unsigned char)value[k] < 0x20 && value[k] != '\t' ? ' '
										    : value[k];
			if (c == 0x7F)
				c = ' ';
			if (is_wsp(c) && (v.len == 0 || is_wsp(v.p[v.len - 1])))
				continue;
			buf_addc(&v, c);
		}
		while (v.len > 0 && is_wsp(v.p[v.len - 1]))
			v.len--;
		p = buf_str(&v);
		vlen = v.len;
	}

	if (vlen > 0) {
		buf_addc(out, ' ');
		col++;
	}
	if (col + vlen <= FOLD_WIDTH) {
		/* fits on the first line: nothing to fold */
		buf_add(out, p, vlen);
		i = vlen;
	}
	while (i < vlen) {
		size_t e = i + 1;

		if (!tabs) {
			/* words are as long as References ids: a search beats a
			 * loop by the octet */
			const char *sp = e < vlen ? memchr(p + e, ' ', vlen - e) : NULL;
			e = sp ? (size_t)(sp - p) : vlen;
		}
		while (e < vlen && !is_wsp(p[e]))
			e++;
		/* p[i..e) is a word, preceded by its white space after the first */
		if (i > 0 && col + (e - i) > FOLD_WIDTH) {
			buf_add(out, "\r\n", 2);
			col = 0;
		}
		add_segment(out, p + i, e - i, &col);
		i = e;
	}
	buf_add(out, "\r\n", 2);
	buf_free(&v);
}

void article_hdr_fold(struct buf *out, const char *name, const char *value)
{
	size_t named = 0;

	/* Only field-name characters, and a sane length so a line has room.
	 * Our own names are always valid: they are copied whole. */
	if (name != NULL) {
		while (named < 76 && field_name_char[(unsigned char)name[named]])
			named++;
		if (name[named] == '\0' && named > 0)
			buf_add(out, name, named);
		else
			named = 0;
	}
	for (const char *q = name && named == 0 ? name : ""; *q && named < 76; q++) {
		if (*q > 0x20 && *q < 0x7F && *q != ':') {
			buf_addc(out, *q);
			named++;
		}
	}
	if (named == 0) {
		buf_adds(out, "X-Unnamed");
		named = 9;
	}
	buf_addc(out, ':');
	if (value == NULL)
		value = "";
	fold_value(out, named + 1, value, strlen(value), 0);
}

int hdr_fold_n(struct buf *out, const char *name, size_t nlen, const char *value, size_t vlen,
	       int checked)
{
	/* the usual header: a clean value that fits on the first line goes
	 * out in one piece, which is also what fold_value() would write */
	if (vlen > 0 && nlen + 2 + vlen <= FOLD_WIDTH && (checked || value_clean(value, vlen))) {
		size_t k = nlen + 2 + vlen + 2;
		char *d;

		if (out->len + k + 1 > out->cap)
			buf_reserve(out, k);
		d = out->p + out->len;
		memcpy(d, name, nlen);
		memcpy(d + nlen, ": ", 2);
		memcpy(d + nlen + 2, value, vlen);
		memcpy(d + nlen + 2 + vlen, "\r\n", 3); /* with the NUL */
		out->len += k;
		return 1;
	}
	buf_add(out, name, nlen);
	buf_addc(out, ':');
	fold_value(out, nlen + 1, value, vlen, checked);
	return 0;
}

/* Writes v (0 <= v < 10^width) as exactly `width` digits, zero-padded;
 * returns the end. */
static char *put_digits(char *d, long v, int width)
{
	for (int k = width - 1; k >= 0; k--) {
		d[k] = (char)('0' + v % 10);
		v /= 10;
	}
	return d + width;
}

int article_date(int64_t t, const char *tz, char out[40])
{
	static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;
	time_t tt;
	long off;
	struct buf b = BUF_INIT;

	out[0] = '\0';
	/* years 1900..9999 (a day of slack either side for the zone) */
	if (t < -2208902400LL || t > 253402214400LL)
		return -1;
	tt = (time_t)t;
	if (tz == NULL || strcmp(tz, "UTC") == 0) {
		if (gmtime_r(&tt, &tm) == NULL)
			return -1;
		off = 0;
	} else {
		if (zone_use(tz) < 0 || localtime_r(&tt, &tm) == NULL)
			return -1;
		off = tm.tm_gmtoff;
	}
	if (tm.tm_wday < 0 || tm.tm_wday > 6 || tm.tm_mon < 0 || tm.tm_mon > 11)
		return -1;
	if (tm.tm_mday >= 1 && tm.tm_mday <= 31 && tm.tm_year + 1900 >= 1000 &&
	    tm.tm_year + 1900 <= 9999 && tm.tm_hour >= 0 && tm.tm_hour <= 23 && tm.tm_min >= 0 &&
	    tm.tm_min <= 59 && tm.tm_sec >= 0 && tm.tm_sec <= 60 && labs(off) / 3600 <= 99) {
		/* the format below written by hand: printf was a tenth of the
		 * cost of an article */
		char *d = out;
		memcpy(d, days[tm.tm_wday], 3);
		d += 3;
		*d++ = ',';
		*d++ = ' ';
		if (tm.tm_mday >= 10)
			*d++ = (char)('0' + tm.tm_mday / 10);
		*d++ = (char)('0' + tm.tm_mday % 10);
		*d++ = ' ';
		memcpy(d, months[tm.tm_mon], 3);
		d += 3;
		*d++ = ' ';
		d = put_digits(d, tm.tm_year + 1900, 4);
		*d++ = ' ';
		d = put_digits(d, tm.tm_hour, 2);
		*d++ = ':';
		d = put_digits(d, tm.tm_min, 2);
		*d++ = ':';
		d = put_digits(d, tm.tm_sec, 2);
		*d++ = ' ';
		*d++ = off < 0 ? '-' : '+';
		d = put_digits(d, (long)(labs(off) / 3600), 2);
		d = put_digits(d, (long)(labs(off) / 60 % 60), 2);
		*d = '\0';
		return 0;
	}
	buf_addf(&b, "%s, %d %s %04d %02d:%02d:%02d %c%02ld%02ld", days[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 off < 0 ? '-' : '+', labs(off) / 3600, labs(off) / 60 % 60);
	if (b.len >= 40) {
		buf_free(&b);
		return -1;
	}
	memcpy(out, b.p, b.len + 1);
	buf_free(&b);
	return 0;
}
