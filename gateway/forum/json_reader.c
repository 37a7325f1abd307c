/*
 * json_reader: the pull JSON reader behind spool_json.c (see json_reader.h).
 *
 * Why not jansson: json_loadb() builds a tree of refcounted nodes and reads
 * its input one byte at a time through a callback, copying every string
 * twice; that cost ~145 instructions per input byte, a third of the import
 * budget. Spool files are mostly long HTML strings with few escapes, so the
 * reader is built around one fast path: a string body is scanned 16 bytes at
 * a time (SSE2, baseline on x86-64; 8 bytes in a uint64_t elsewhere) for the
 * only bytes that need attention ('"', '\\', controls and bytes >= 0x80;
 * with SSE2, blocks whose only such bytes are two-byte UTF-8 letters pass
 * too), then decoded in one go into r->str, allocated at the string's size,
 * which the caller can take over without another copy (lex_string()).
 *
 * Compatibility with jansson 2.14 (flags JSON_REJECT_DUPLICATES) is the
 * contract, because spool files in the wild were validated against it:
 *  - the top level must be an object or an array; anything after it but
 *    whitespace (space, tab, CR, LF) is an error;
 *  - strings: raw bytes below 0x20 are rejected, escapes are the RFC 8259
 *    set, \uXXXX is decoded to UTF-8 and surrogate pairs are combined; a
 *    lone or mismatched surrogate is rejected (not mapped to U+FFFD), and
 *    so is \u0000, in keys and values alike;
 *  - the input must be valid UTF-8 (no overlongs, no encoded surrogates,
 *    nothing above U+10FFFF), checked wherever a byte >= 0x80 is read;
 *  - numbers are RFC 8259 numbers; an integer must fit int64_t; a number
 *    with a fraction or exponent is a real and only its overflow is
 *    checked (strtod; the process never calls setlocale, so '.' is the
 *    decimal point);
 *  - at most 2048 values may be nested (jansson's JSON_PARSER_MAX_DEPTH);
 *  - a name repeated within one object is rejected; the names of the open
 *    objects are compared one by one while an object has a few and kept
 *    in a small hash table once it has more, so an object with many
 *    members costs O(1) per member.
 * Errors carry jansson's text and position: the line (1-based) and the
 * column in characters of the last byte read, and the token read so far as
 * context ("near '...'", left out when longer than 20 bytes). The position
 * is computed from the byte offset only when an error is reported, so the
 * fast paths keep no line or column counters.
 */
#include "json_reader.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__) && !defined(JR_NO_SSE2)
#include <emmintrin.h>
#endif

#define MAX_DEPTH 2048
#define CONTEXT_MAX 20 /* jansson quotes the token only up to this length */

/* Lexical tokens: the structural characters stand for themselves. */
enum {
	L_EOF = 0,
	L_STRING = 256,
	L_INTEGER,
	L_REAL,
	L_TRUE,
	L_FALSE,
	L_NULL,
	L_INVALID,
};

/* Grammar states: what jr_next() reads next. */
enum {
	S_START,     /* the top-level value */
	S_OBJ_FIRST, /* after '{': a name or '}' */
	S_OBJ_COLON, /* after a name: ':' and a value */
	S_OBJ_NEXT,  /* after a member: ',' or '}' */
	S_ARR_FIRST, /* after '[': a value or ']' */
	S_ARR_NEXT,  /* after an element: ',' or ']' */
	S_DOC_END,   /* after the top-level value: end of input */
	S_DONE,
};

struct jr_frame {
	int kind;     /* '{' or '[' */
	size_t first; /* objects: index of the first name in keys */
};

void jr_init(struct jr *r, const char *buf, size_t len, const char *name)
{
	memset(r, 0, sizeof(*r));
	r->base = r->p = buf;
	r->end = buf + len;
	r->name = name;
	r->state = S_START;
}

void jr_free(struct jr *r)
{
	buf_free(&r->stack);
	buf_free(&r->str);
	buf_free(&r->spare);
	buf_free(&r->keys.names);
	buf_free(&r->keys.entries);
	free(r->keys.slots);
	r->keys.slots = NULL;
}

/* Hands r->str over when the string is long and fills most of it
 * (lex_string() sizes the buffer for the string it reads, so a body is
 * taken without a copy). A short string is copied out instead: a small
 * malloc is cheap, and the reader keeps its buffer for the next key rather
 * than allocating a new one after every value taken; nor does the caller
 * hold the slack of a buffer that an earlier long string grew. After a
 * long string is handed over, the small buffer it replaced (str_room())
 * serves the next keys again. */
char *jr_take(struct jr *r, size_t *len)
{
	char *s;

	*len = r->str.len;
	if (r->str.p != NULL && (r->str.len < 128 || r->str.cap - r->str.len > r->str.len / 2)) {
		s = xstrndup(r->str.p, r->str.len);
		r->str.len = 0;
		r->str.p[0] = '\0';
		return s;
	}
	s = buf_detach(&r->str);
	if (r->spare.p != NULL) {
		r->str = r->spare;
		r->str.len = 0;
		r->str.p[0] = '\0';
		r->spare = (struct buf)BUF_INIT;
	}
	return s;
}

/* ---- errors ---- */

/*
 * Formats "NAME:LINE:COL: TEXT[ near 'CONTEXT']" the way jansson does: pos is
 * how far the input has been read, ctx..pos the current token. An empty
 * context (or one starting with NUL, which jansson prints as empty) reads
 * "near end of file", except for UTF-8 errors, which get no suffix.
 */
static int fail(struct jr *r, const char *ctx, const char *pos, int utf8, char **err,
		const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int fail(struct jr *r, const char *ctx, const char *pos, int utf8, char **err,
		const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	const char *s, *bol = r->base;
	size_t clen = (size_t)(pos - ctx);
	int line = 1, col = 0;
	va_list ap;

	for (s = r->base; s < pos; s++) {
		if (*s == '\n') {
			line++;
			bol = s + 1;
		}
	}
	/* characters, not bytes: count all but UTF-8 continuation bytes */
	for (s = bol; s < pos; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			col++;
	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	if (clen > 0 && *ctx != '\0') {
		if (clen <= CONTEXT_MAX)
			buf_addf(&msg, " near '%.*s'", (int)strnlen(ctx, clen), ctx);
	} else if (!utf8) {
		buf_adds(&msg, " near end of file");
	}
	fg_error(err, "%s:%d:%d: %s", r->name, line, col, buf_str(&msg));
	buf_free(&msg);
	return -1;
}

/* An error about the current token, read up to r->p. */
static int syntax(struct jr *r, char **err, const char *text)
{
	return fail(r, r->tok_start, r->p, 0, err, "%s", text);
}

static int bad_utf8(struct jr *r, const char *ctx, const char *at, char **err)
{
	return fail(r, ctx, at, 1, err, "unable to decode byte 0x%x", (unsigned char)*at);
}

/* ---- lexer ---- */

/* Length of the valid UTF-8 sequence at p, whose first byte is >= 0x80;
 * 0 when it is not valid (overlong, surrogate, > U+10FFFF, truncated). */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	uint32_t v;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		v = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		v = c & 0x07;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3f);
	}
	if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff) || (n == 3 && v < 0x800) ||
	    (n == 4 && v < 0x10000))
		return 0;
	return n;
}

/* jansson reads one byte past a number or word; if that byte is bad UTF-8,
 * that is its error, with the number or word as context. */
static int check_ahead(struct jr *r, const char *q, char **err)
{
	if (q < r->end && (unsigned char)*q >= 0x80 &&
	    utf8_len((const unsigned char *)q, (const unsigned char *)r->end) == 0)
		return bad_utf8(r, r->tok_start, q, err);
	return 0;
}

static inline int special(unsigned char c)
{
	return c == '"' || c == '\\' || c < 0x20 || c >= 0x80;
}

#if defined(__SSE2__) && !defined(JR_NO_SSE2)
/*
 * Whether the bytes >= 0x80 of block x (mask hi) are all whole two-byte
 * sequences inside it: a lead byte 0xc2..0xdf directly followed by a
 * continuation byte 0x80..0xbf. Such a sequence is always valid UTF-8 (no
 * overlong, no surrogate), so a block of ASCII text and Latin letters is
 * checked here without leaving the vector loop; anything else (longer
 * sequences, one split across blocks, bad bytes) goes to the scalar check.
 * The block starts on a character boundary, as every scan does.
 */
static inline int latin_block(__m128i x, unsigned hi)
{
	/* signed compares: 0x80..0xbf is -128..-65, 0xc2..0xdf is -62..-33 */
	unsigned cont = (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(x, _mm_set1_epi8(-64)));
	unsigned lead = (unsigned)_mm_movemask_epi8(_mm_and_si128(
		_mm_cmpgt_epi8(x, _mm_set1_epi8(-63)), _mm_cmplt_epi8(x, _mm_set1_epi8(-32))));

	/* lead << 1 of a lead in the last byte is bit 16, which cont lacks */
	return (lead | cont) == hi && cont == lead << 1;
}

/* The 16 bytes at p: NULL when a string body can just copy them, else the
 * first byte the scalar check must see. */
static inline const char *plain_block(const char *p)
{
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	const __m128i space = _mm_set1_epi8(0x20);
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p), m;
	unsigned bits;

	/* only the sign bits count: x - 0x20, saturated, is negative exactly
	 * when x < 0x20 as a signed byte, which bytes >= 0x80 are too (one
	 * instruction where the compare takes three) */
	m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
			 _mm_subs_epi8(x, space));
	bits = (unsigned)_mm_movemask_epi8(m);
	if (bits != 0 && (bits != (unsigned)_mm_movemask_epi8(x) || !latin_block(x, bits)))
		return p + __builtin_ctz(bits);
	return NULL;
}
#endif

/* The first byte in [p, end) a string body cannot just copy: '"', '\\', a
 * control or a byte >= 0x80 (except whole two-byte UTF-8 sequences, with
 * SSE2); end if none. p is on a character boundary. This is the hot loop. */
static inline const char *scan_plain(const char *p, const char *end)
{
#if defined(__SSE2__) && !defined(JR_NO_SSE2)
	const char *q;

	/* two blocks per loop step (one length check, one step for both); each
	 * block is checked on its own, as one per step did */
	while (end - p >= 32) {
		if ((q = plain_block(p)) != NULL || (q = plain_block(p + 16)) != NULL)
			return q;
		p += 32;
	}
	if (end - p >= 16) {
		if ((q = plain_block(p)) != NULL)
			return q;
		p += 16;
	}
#else
	/* eight bytes at a time with the has-zero-byte trick, which is exact
	 * for "some byte matches" */
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	uint64_t x, q, b;

	while (end - p >= 8) {
		memcpy(&x, p, 8);
		q = x ^ (ones * '"');
		b = x ^ (ones * '\\');
		if ((((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b) | x) & high)
			break;
		p += 8;
	}
#endif
	while (p < end && !special((unsigned char)*p))
		p++;
	return p;
}

/* Deferred surrogate error: jansson checks escapes' values only after the
 * whole string scanned cleanly, so a later scan error takes precedence. */
struct surrogate_err {
	int kind; /* 0 none, 1 lone '\uXXXX', 2 pair '\uXXXX\uYYYY' */
	uint32_t a, b;
};

static void note_bad(struct surrogate_err *e, int kind, uint32_t a, uint32_t b)
{
	if (e->kind == 0) {
		e->kind = kind;
		e->a = a;
		e->b = b;
	}
}

/*
 * Strings are read in two passes over the raw bytes between the quotes.
 * scan_string() finds the closing quote and reports every scan error (bad
 * UTF-8, controls, malformed escapes) without writing anything; then
 * decode_string() writes the decoded text into r->str in one go, sized up
 * front: a decoded string is never longer than its raw bytes. A string
 * without escapes (most keys, many values) is a single memcpy, and a long
 * body no longer grows r->str in steps, each step a realloc and a copy.
 * The second pass is also where jansson's late checks happen: surrogate
 * errors are reported only after the whole string scanned cleanly.
 */

/* The four hex digits of the \uXXXX escape at p ('\\') are valid; returns
 * the byte after them, or NULL after reporting the error. */
static const char *check_unicode(struct jr *r, const char *p, char **err)
{
	const char *q = p + 1;
	int i;

	for (i = 0; i < 4; i++) {
		q++;
		if (q >= r->end) {
			fail(r, r->tok_start, r->end, 0, err, "invalid escape");
			return NULL;
		}
		if (fg_hexval((unsigned char)*q) < 0) {
			if ((unsigned char)*q >= 0x80 &&
			    utf8_len((const unsigned char *)q, (const unsigned char *)r->end) == 0)
				bad_utf8(r, r->tok_start, q, err);
			else
				fail(r, r->tok_start, q + 1, 0, err, "invalid escape");
			return NULL;
		}
	}
	return q + 1;
}

/* Where pass one found a string's escapes, so that pass two goes straight
 * to them (an HTML body has a \" around every attribute value): the first
 * ESC_KEEP of them; pass two looks for any further ones again. */
#define ESC_KEEP 64
struct escapes {
	const char *at[ESC_KEEP];
	size_t n; /* all the escapes, which may be more than ESC_KEEP */
};

/* Pass one: the string starting at r->p ('"'). Returns its closing quote,
 * or NULL after reporting a scan error; *esc tells where its escapes are. */
static const char *scan_string(struct jr *r, struct escapes *esc, char **err)
{
	const char *p = r->p + 1, *end = r->end;
	unsigned char c;
	size_t n;

	esc->n = 0;
	for (;;) {
		p = scan_plain(p, end);
		if (p >= end) {
			fail(r, r->tok_start, end, 0, err, "premature end of input");
			return NULL;
		}
		c = (unsigned char)*p;
		if (c == '"')
			return p;
		if (c >= 0x80) {
			/* two-byte sequences (Latin letters) are the common case */
			if (c >= 0xc2 && c <= 0xdf && end - p >= 2 &&
			    ((unsigned char)p[1] & 0xc0) == 0x80) {
				p += 2;
				continue;
			}
			n = utf8_len((const unsigned char *)p, (const unsigned char *)end);
			if (n == 0) {
				bad_utf8(r, r->tok_start, p, err);
				return NULL;
			}
			p += n;
			continue;
		}
		if (c < 0x20) {
			if (c == '\n')
				fail(r, r->tok_start, p, 0, err, "unexpected newline");
			else
				fail(r, r->tok_start, p, 0, err, "control character 0x%x", c);
			return NULL;
		}
		/* a backslash */
		if (esc->n < ESC_KEEP)
			esc->at[esc->n] = p;
		esc->n++;
		if (p + 1 >= end) {
			fail(r, r->tok_start, end, 0, err, "invalid escape");
			return NULL;
		}
		c = (unsigned char)p[1];
		if (c == 'u') {
			p = check_unicode(r, p, err);
			if (p == NULL)
				return NULL;
			continue;
		}
		switch (c) {
		case '"':
		case '\\':
		case '/':
		case 'b':
		case 'f':
		case 'n':
		case 'r':
		case 't':
			break;
		default:
			if (c >= 0x80 &&
			    utf8_len((const unsigned char *)p + 1, (const unsigned char *)end) == 0)
				bad_utf8(r, r->tok_start, p + 1, err);
			else
				fail(r, r->tok_start, p + 2, 0, err, "invalid escape");
			return NULL;
		}
		p += 2;
	}
}

/* Writes code point v as UTF-8 at o; returns the byte after it. */
static char *put_utf8(char *o, uint32_t v)
{
	if (v < 0x80) {
		*o++ = (char)v;
	} else if (v < 0x800) {
		*o++ = (char)(0xc0 | v >> 6);
		*o++ = (char)(0x80 | (v & 0x3f));
	} else if (v < 0x10000) {
		*o++ = (char)(0xe0 | v >> 12);
		*o++ = (char)(0x80 | (v >> 6 & 0x3f));
		*o++ = (char)(0x80 | (v & 0x3f));
	} else {
		*o++ = (char)(0xf0 | v >> 18);
		*o++ = (char)(0x80 | (v >> 12 & 0x3f));
		*o++ = (char)(0x80 | (v >> 6 & 0x3f));
		*o++ = (char)(0x80 | (v & 0x3f));
	}
	return o;
}

static char simple_escape(char c)
{
	switch (c) {
	case 'b':
		return '\b';
	case 'f':
		return '\f';
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	}
	return c; /* '"', '\\', '/' */
}

/*
 * The value of the (checked) \uXXXX escape at p goes to *o, or is held in
 * *high while a low surrogate may follow; a bad surrogate is noted in
 * *bad. Returns the byte after the escape.
 */
static const char *unicode_escape(struct jr *r, const char *p, char **o, uint32_t *high,
				  struct surrogate_err *bad)
{
	const char *q = p + 2;
	uint32_t v = 0;
	int i;

	for (i = 0; i < 4; i++)
		v = v << 4 | (uint32_t)fg_hexval((unsigned char)*q++);
	if (*high) {
		if (v >= 0xdc00 && v <= 0xdfff)
			*o = put_utf8(*o, ((*high - 0xd800) << 10) + (v - 0xdc00) + 0x10000);
		else
			note_bad(bad, 2, *high, v);
		*high = 0;
	} else if (v >= 0xd800 && v <= 0xdbff) {
		if (r->end - q >= 2 && q[0] == '\\' && q[1] == 'u')
			*high = v;
		else
			note_bad(bad, 1, v, 0);
	} else if (v >= 0xdc00 && v <= 0xdfff) {
		note_bad(bad, 1, v, 0);
	} else {
		if (v == 0)
			r->tok_nul = 1;
		*o = put_utf8(*o, v);
	}
	return q;
}

/* Makes room for n bytes and a NUL in r->str, emptied. The buffer is
 * allocated at the size asked for, not rounded up: jr_take() hands it over
 * as the caller's string. The buffer a long string replaces is kept aside
 * rather than freed, for jr_take() to put back: a post body would
 * otherwise cost a free and a malloc of the key buffer besides its own. */
static void str_room(struct jr *r, size_t n)
{
	r->str.len = 0;
	if (r->str.cap < n + 1) {
		if (r->spare.p == NULL)
			r->spare = r->str;
		else
			free(r->str.p);
		r->str.cap = n + 1 < 64 ? 64 : n + 1;
		r->str.p = xmalloc(r->str.cap);
	}
}

/* Pass two: decodes the checked string [p, stop), whose escapes pass one
 * found, into r->str. Returns 0, or -1 after reporting a bad surrogate. */
static int decode_string(struct jr *r, const char *p, const char *stop, const struct escapes *esc,
			 char **err)
{
	struct surrogate_err bad = {0, 0, 0};
	uint32_t high = 0;
	const char *bs;
	size_t i;
	char *o;

	str_room(r, (size_t)(stop - p));
	o = r->str.p;
	/* the escapes pass one kept, then each next backslash: pass one
	 * checked every escape, so a backslash found from a run's start
	 * begins one */
	for (i = 0;; i++) {
		if (i < ESC_KEEP)
			bs = i < esc->n ? esc->at[i] : NULL;
		else
			bs = memchr(p, '\\', (size_t)(stop - p));
		if (bs == NULL)
			break;
		memcpy(o, p, (size_t)(bs - p));
		o += bs - p;
		if (bs[1] == 'u') {
			p = unicode_escape(r, bs, &o, &high, &bad);
		} else {
			*o++ = simple_escape(bs[1]);
			p = bs + 2;
		}
	}
	memcpy(o, p, (size_t)(stop - p));
	o += stop - p;
	*o = '\0';
	r->str.len = (size_t)(o - r->str.p);
	if (bad.kind == 1)
		return fail(r, r->tok_start, r->p, 0, err, "invalid Unicode '\\u%04X'", bad.a);
	if (bad.kind == 2)
		return fail(r, r->tok_start, r->p, 0, err, "invalid Unicode '\\u%04X\\u%04X'",
			    bad.a, bad.b);
	return 0;
}

/* A string token starting at r->p ('"'), decoded into r->str. */
static int lex_string(struct jr *r, char **err)
{
	const char *start = r->p + 1, *stop;
	struct escapes esc;

	r->tok_nul = 0;
	stop = scan_string(r, &esc, err);
	if (stop == NULL)
		return -1;
	r->p = stop + 1;
	r->tok_esc = esc.n > 0;
	if (esc.n == 0) {
		str_room(r, (size_t)(stop - start));
		memcpy(r->str.p, start, (size_t)(stop - start));
		r->str.len = (size_t)(stop - start);
		r->str.p[r->str.len] = '\0';
	} else if (decode_string(r, start, stop, &esc, err) < 0) {
		return -1;
	}
	r->tok = L_STRING;
	return 0;
}

static int is_digit(const char *q, const char *end)
{
	return q < end && *q >= '0' && *q <= '9';
}

/* A number starting at r->p ('-' or a digit). Malformed numbers end as
 * L_INVALID with what jansson had read as the token. */
static int lex_number(struct jr *r, char **err)
{
	const char *start = r->p, *q = start, *end = r->end, *d;
	uint64_t v = 0, limit;
	struct buf tmp = BUF_INIT;
	int neg = 0;
	double real;

	r->tok = L_INVALID;
	if (*q == '-') {
		neg = 1;
		q++;
	}
	if (is_digit(q, end) && *q == '0') {
		q++;
		if (is_digit(q, end)) {
			r->p = q;
			return 0;
		}
	} else if (is_digit(q, end)) {
		while (is_digit(q, end))
			q++;
	} else {
		r->p = q;
		return check_ahead(r, q, err);
	}
	if (check_ahead(r, q, err) < 0)
		return -1;
	if (q >= end || (*q != '.' && *q != 'e' && *q != 'E')) {
		r->p = q;
		limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
		for (d = start + neg; d < q; d++) {
			if (v > (limit - (uint64_t)(*d - '0')) / 10)
				return syntax(r, err,
					      neg ? "too big negative integer" : "too big integer");
			v = v * 10 + (uint64_t)(*d - '0');
		}
		r->integer = neg ? (int64_t)(0 - v) : (int64_t)v;
		r->tok = L_INTEGER;
		return 0;
	}
	if (*q == '.') {
		q++;
		if (!is_digit(q, end)) {
			r->p = q;
			return check_ahead(r, q, err);
		}
		while (is_digit(q, end))
			q++;
		if (check_ahead(r, q, err) < 0)
			return -1;
	}
	if (q < end && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < end && (*q == '+' || *q == '-'))
			q++;
		if (!is_digit(q, end)) {
			r->p = q;
			return check_ahead(r, q, err);
		}
		while (is_digit(q, end))
			q++;
		if (check_ahead(r, q, err) < 0)
			return -1;
	}
	r->p = q;
	buf_add(&tmp, start, (size_t)(q - start));
	errno = 0;
	real = strtod(tmp.p, NULL);
	buf_free(&tmp);
	if ((real == HUGE_VAL || real == -HUGE_VAL) && errno == ERANGE)
		return syntax(r, err, "real number overflow");
	r->tok = L_REAL;
	return 0;
}

static int is_alpha(const char *q, const char *end)
{
	return q < end && ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z'));
}

/* Reads the next lexical token into r->tok; -1 on a lexical error. */
static int lex(struct jr *r, char **err)
{
	const char *p = r->p, *end = r->end;
	unsigned char c;
	size_t n;

	while (p < end && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
		p++;
	r->p = r->tok_start = p;
	if (p >= end) {
		r->tok = L_EOF;
		return 0;
	}
	c = (unsigned char)*p;
	switch (c) {
	case '{':
	case '}':
	case '[':
	case ']':
	case ':':
	case ',':
		r->tok = c;
		r->p = p + 1;
		return 0;
	case '"':
		return lex_string(r, err);
	case '-':
	case '0':
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
	case '8':
	case '9':
		return lex_number(r, err);
	}
	if (is_alpha(p, end)) {
		while (is_alpha(p, end))
			p++;
		r->p = p;
		n = (size_t)(p - r->tok_start);
		if (n == 4 && memcmp(r->tok_start, "true", 4) == 0)
			r->tok = L_TRUE;
		else if (n == 5 && memcmp(r->tok_start, "false", 5) == 0)
			r->tok = L_FALSE;
		else if (n == 4 && memcmp(r->tok_start, "null", 4) == 0)
			r->tok = L_NULL;
		else
			r->tok = L_INVALID;
		return check_ahead(r, p, err);
	}
	/* anything else is one invalid character (a whole UTF-8 sequence) */
	n = 1;
	if (c >= 0x80) {
		n = utf8_len((const unsigned char *)p, (const unsigned char *)end);
		if (n == 0)
			return bad_utf8(r, p, p, err);
	}
	r->p = p + n;
	r->tok = L_INVALID;
	return 0;
}

/* The structural character a or b, when it comes next: consumed exactly as
 * lex() would read it, without the rest of lex(); 0 and nothing read
 * otherwise. Between members and elements this is the common case. */
static inline int lex_punct(struct jr *r, char a, char b)
{
	const char *p = r->p, *end = r->end;

	while (p < end && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
		p++;
	if (p >= end || (*p != a && *p != b))
		return 0;
	r->tok_start = p;
	r->p = p + 1;
	r->tok = (unsigned char)*p;
	return 1;
}

/* ---- duplicate names ---- */

/*
 * The names of all open objects, in the order they were read, form a stack
 * of entries. Most objects have a few members: a new name is compared with
 * the names of its object one by one, and only an object that grows past
 * KEYS_SCANNED names has its names indexed in a linear-probing table (a
 * file may hold objects of any size). When an object closes, its entries
 * are popped and, if they were indexed, their slots simply emptied. That is
 * exact because indexed entries are inserted in stack order (an object is
 * indexed while it is the innermost one, so every entry above its own has
 * been popped) and removed last-in first-out: the table always equals what
 * inserting them one by one would give (growing re-inserts them in that
 * order too), and undoing the last insertion only frees the one slot it
 * filled. So the table stays as small as the deepest set of open names
 * instead of growing with the document.
 *
 * A name without escapes is not copied: its bytes in the input are the
 * name. Only names with escapes are kept, decoded, in names.
 */
#define KEYS_SCANNED 8

struct jr_key {
	const char *s;   /* the name in the input, or NULL: in keys.names at off */
	size_t off, len; /* off: the length of keys.names before this name */
	uint64_t hash;   /* set when indexed */
	int indexed;
};

static struct jr_key *key_at(const struct jr_keyset *ks, size_t i)
{
	return (struct jr_key *)(void *)ks->entries.p + i;
}

static const char *key_bytes(const struct jr_keyset *ks, const struct jr_key *e)
{
	return e->s != NULL ? e->s : ks->names.p + e->off;
}

static int key_is(const struct jr_keyset *ks, const struct jr_key *e, const char *k, size_t len)
{
	const char *b;

	if (e->len != len)
		return 0;
	b = key_bytes(ks, e);
	return len == 0 || (b[0] == k[0] && memcmp(b, k, len) == 0);
}

static uint64_t key_hash(const char *k, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)k[i];
		h *= 0x100000001b3ULL;
	}
	return h ^ h >> 32;
}

/* The slot where entry i (already in the table, or to be added) goes. */
static size_t key_slot(const struct jr_keyset *ks, uint64_t hash, size_t i)
{
	size_t s = hash & (ks->cap - 1);

	while (ks->slots[s] != 0 && ks->slots[s] != i + 1)
		s = (s + 1) & (ks->cap - 1);
	return s;
}

static void keyset_grow(struct jr_keyset *ks)
{
	const struct jr_key *e;
	size_t i;

	free(ks->slots);
	ks->cap = ks->cap ? ks->cap * 2 : 64;
	ks->slots = xcalloc(ks->cap, sizeof(*ks->slots));
	for (i = 0; i < ks->n; i++) {
		e = key_at(ks, i);
		if (e->indexed)
			ks->slots[key_slot(ks, e->hash, i)] = i + 1;
	}
}

/* Puts entry i, whose name hashes to hash, into the table. */
static void key_index(struct jr_keyset *ks, size_t i, uint64_t hash)
{
	struct jr_key *e;

	if ((ks->nindexed + 1) * 2 > ks->cap)
		keyset_grow(ks);
	e = key_at(ks, i);
	e->hash = hash;
	e->indexed = 1;
	ks->slots[key_slot(ks, hash, i)] = i + 1;
	ks->nindexed++;
}

/* Records name k in the innermost open object, whose names are the entries
 * from `first` on; 0 if new, -1 if the object already has it. k stays
 * valid as long as the reader (a name in the input) unless `copy`. */
static int keyset_add(struct jr_keyset *ks, size_t first, const char *k, size_t len, int copy)
{
	struct jr_key e = {copy ? NULL : k, ks->names.len, len, 0, 0};
	const struct jr_key *o;
	uint64_t hash = 0;
	size_t i, s, count = ks->n - first;

	if (count < KEYS_SCANNED) {
		for (i = first; i < ks->n; i++)
			if (key_is(ks, key_at(ks, i), k, len))
				return -1;
	} else {
		if (count == KEYS_SCANNED) {
			for (i = first; i < ks->n; i++) {
				o = key_at(ks, i);
				key_index(ks, i, key_hash(key_bytes(ks, o), o->len));
			}
		}
		hash = key_hash(k, len);
		for (s = hash & (ks->cap - 1); ks->slots[s] != 0; s = (s + 1) & (ks->cap - 1)) {
			o = key_at(ks, ks->slots[s] - 1);
			if (ks->slots[s] - 1 >= first && o->hash == hash && key_is(ks, o, k, len))
				return -1;
		}
	}
	if (copy)
		buf_add(&ks->names, k, len);
	buf_add(&ks->entries, &e, sizeof(e));
	ks->n++;
	if (count >= KEYS_SCANNED)
		key_index(ks, ks->n - 1, hash);
	return 0;
}

/* Forgets the names of the object that just closed. */
static void keyset_pop(struct jr_keyset *ks, size_t first)
{
	const struct jr_key *e;

	if (ks->n <= first)
		return;
	while (ks->n > first) {
		e = key_at(ks, ks->n - 1);
		if (e->indexed) {
			ks->slots[key_slot(ks, e->hash, ks->n - 1)] = 0;
			ks->nindexed--;
		}
		ks->n--;
	}
	buf_truncate(&ks->names, key_at(ks, first)->off);
	buf_truncate(&ks->entries, ks->n * sizeof(struct jr_key));
}

/* ---- grammar ---- */

static struct jr_frame top(const struct jr *r)
{
	struct jr_frame f;

	memcpy(&f, r->stack.p + (r->depth - 1) * sizeof(f), sizeof(f));
	return f;
}

/* What follows a complete value depends on its container. */
static void after_value(struct jr *r)
{
	if (r->depth == 0)
		r->state = S_DOC_END;
	else
		r->state = top(r).kind == '{' ? S_OBJ_NEXT : S_ARR_NEXT;
}

static int close_container(struct jr *r, enum jr_token *tok)
{
	struct jr_frame f = top(r);

	*tok = JR_ARRAY_END;
	if (f.kind == '{') {
		keyset_pop(&r->keys, f.first);
		*tok = JR_OBJECT_END;
	}
	r->depth--;
	buf_truncate(&r->stack, r->depth * sizeof(struct jr_frame));
	after_value(r);
	return 0;
}

/* A value starting with the current token (jansson's parse_value). */
static int value(struct jr *r, enum jr_token *tok, char **err)
{
	struct jr_frame f = {0, 0};

	if (r->depth + 1 > MAX_DEPTH)
		return syntax(r, err, "maximum parsing depth reached");
	switch (r->tok) {
	case L_STRING:
		if (r->tok_nul)
			return syntax(r, err, "\\u0000 is not allowed without JSON_ALLOW_NUL");
		*tok = JR_STRING;
		break;
	case L_INTEGER:
		*tok = JR_INTEGER;
		break;
	case L_REAL:
		*tok = JR_REAL;
		break;
	case L_TRUE:
		*tok = JR_TRUE;
		break;
	case L_FALSE:
		*tok = JR_FALSE;
		break;
	case L_NULL:
		*tok = JR_NULL;
		break;
	case '{':
	case '[':
		f.kind = r->tok;
		f.first = r->keys.n;
		buf_add(&r->stack, &f, sizeof(f));
		r->depth++;
		r->state = f.kind == '{' ? S_OBJ_FIRST : S_ARR_FIRST;
		*tok = f.kind == '{' ? JR_OBJECT : JR_ARRAY;
		return 0;
	case L_INVALID:
		return syntax(r, err, "invalid token");
	default:
		return syntax(r, err, "unexpected token");
	}
	after_value(r);
	return 0;
}

/* A member name: the current token, in the innermost object. */
static int key(struct jr *r, enum jr_token *tok, char **err)
{
	if (r->tok != L_STRING)
		return syntax(r, err, "string or '}' expected");
	if (r->tok_nul)
		return syntax(r, err, "NUL byte in object key not supported");
	/* a name without escapes is its bytes in the input */
	if (keyset_add(&r->keys, top(r).first, r->tok_esc ? r->str.p : r->tok_start + 1, r->str.len,
		       r->tok_esc) < 0)
		return syntax(r, err, "duplicate object key");
	r->state = S_OBJ_COLON;
	*tok = JR_KEY;
	return 0;
}

int jr_next(struct jr *r, enum jr_token *tok, char **err)
{
	*tok = JR_END;
	switch (r->state) {
	case S_START:
		if (lex(r, err) < 0)
			return -1;
		if (r->tok != '{' && r->tok != '[')
			return syntax(r, err, "'[' or '{' expected");
		return value(r, tok, err);
	case S_OBJ_FIRST:
		if (!lex_punct(r, '}', '}') && lex(r, err) < 0)
			return -1;
		if (r->tok == '}')
			return close_container(r, tok);
		return key(r, tok, err);
	case S_OBJ_COLON:
		if (!lex_punct(r, ':', ':') && lex(r, err) < 0)
			return -1;
		if (r->tok != ':')
			return syntax(r, err, "':' expected");
		if (lex(r, err) < 0)
			return -1;
		return value(r, tok, err);
	case S_OBJ_NEXT:
		if (!lex_punct(r, ',', '}') && lex(r, err) < 0)
			return -1;
		if (r->tok == ',') {
			if (lex(r, err) < 0)
				return -1;
			return key(r, tok, err);
		}
		if (r->tok == '}')
			return close_container(r, tok);
		return syntax(r, err, "'}' expected");
	case S_ARR_FIRST:
		if (!lex_punct(r, ']', ']') && lex(r, err) < 0)
			return -1;
		if (r->tok == ']')
			return close_container(r, tok);
		if (r->tok == L_EOF)
			return syntax(r, err, "']' expected");
		return value(r, tok, err);
	case S_ARR_NEXT:
		if (!lex_punct(r, ',', ']') && lex(r, err) < 0)
			return -1;
		if (r->tok == ',') {
			if (lex(r, err) < 0)
				return -1;
			if (r->tok == L_EOF)
				return syntax(r, err, "']' expected");
			return value(r, tok, err);
		}
		if (r->tok == ']')
			return close_container(r, tok);
		return syntax(r, err, "']' expected");
	case S_DOC_END:
		if (lex(r, err) < 0)
			return -1;
		if (r->tok != L_EOF)
			return syntax(r, err, "end of file expected");
		r->state = S_DONE;
		return 0;
	}
	return 0;
}

int jr_skip(struct jr *r, char **err)
{
	size_t depth = r->depth;
	enum jr_token tok;

	while (r->depth >= depth && r->depth > 0)
		if (jr_next(r, &tok, err) < 0)
			return -1;
	return 0;
}
