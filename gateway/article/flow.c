/*
 * flow: plain text → format=flowed, DelSp=no (RFC 3676).
 *
 * Each input line is taken apart into its quote depth (the leading run of
 * ">"), the one optional space after it (our text writes "> text": that
 * space is exactly the stuffing space of §4.4, so it is kept on output) and
 * the content. Hard lines lose their trailing spaces (a trailing space would
 * mark a soft break), except the signature separator "-- ". Lines longer
 * than the width are broken after the last space run that fits; the space
 * stays at the end of the first part (soft break) and every part gets the
 * same quote prefix. A word longer than the width is not split. Width is
 * counted in characters (UTF-8 lead bytes); breaks only happen at ASCII
 * spaces, so a multibyte sequence is never split. Unquoted parts that start
 * with " ", ">" or "From " are space-stuffed. An unquoted line whose text
 * starts with '>' comes escaped by one space (text.h), which is dropped
 * before stuffing: the '>' of a <pre> line such as ">From" stays text.
 *
 * Finding where a line passes the width counts characters a block at a
 * time (a character is at least one byte, so `avail` bytes never pass it),
 * and the output buffer is sized once for the whole text.
 *
 * The same flowing also writes an article body directly (text_flow_wire,
 * for article.c): each line goes out in wire form as it is made (CRLF,
 * dot-stuffed, hard-broken past 998 octets, stray CRs made spaces) instead
 * of being flowed into a buffer that is then read again line by line. The
 * lines only differ in how they end, so one sink does both; a line that
 * needs more than its CRLF and a dot goes the slower way.
 */
#include "forumgate/text.h"

#include <string.h>

#include "article_internal.h"
#include "bytes.h"

/* The shortest content part we allow deep quote prefixes to leave. */
#define FLOW_MIN_WIDTH 20
#define BODY_LINE_MAX 998 /* RFC 5322 §2.1.1, without the CRLF */

/* Where the flowed lines go: plain text ("\n" line ends) for text_flow(),
 * article wire form for text_flow_wire(). */
struct sink {
	struct buf *out;
	int wire;
	int cr_any;   /* wire: the text holds a CR somewhere */
	size_t lines; /* wire: article lines written */
	size_t dots;  /* wire: dots added by dot-stuffing */
};

static int needs_stuffing(const char *s, size_t n)
{
	return n > 0 && (s[0] == ' ' || s[0] == '>' ||
			 (s[0] == 'F' && n >= 5 && memcmp(s, "From ", 5) == 0));
}

/* Appends one article line: hard-broken at BODY_LINE_MAX (on a UTF-8
 * boundary), dot-stuffed, a stray CR turned into a space, CRLF-terminated.
 * Returns the number of lines written. cr_any says whether the text holds
 * a CR at all (a search per line cost more than the copy). */
static size_t wire_line(struct buf *out, const char *p, size_t n, int cr_any, size_t *dots)
{
	size_t lines = 0;

	do {
		size_t take = n;

		if (take > BODY_LINE_MAX) {
			take = BODY_LINE_MAX;
			for (size_t k = 0; k < 3 && ((unsigned char)p[take] & 0xC0) == 0x80; k++)
				take--;
		}
		if (take > 0 && p[0] == '.') {
			buf_addc(out, '.');
			(*dots)++;
		}
		if (!cr_any) {
			buf_add(out, p, take);
		} else {
			/* copied in runs between the (rare) stray CRs */
			for (size_t i = 0; i < take;) {
				const char *cr = memchr(p + i, '\r', take - i);
				size_t run = cr ? (size_t)(cr - (p + i)) : take - i;

				buf_add(out, p + i, run);
				i += run;
				if (cr) {
					buf_addc(out, ' ');
					i++;
				}
			}
		}
		buf_add(out, "\r\n", 2);
		lines++;
		p += take;
		n -= take;
	} while (n > 0);
	return lines;
}

/* put_line() for a wire line that is too long or may hold a CR: put
 * together first and written by wire_line(), which also drops a CR that
 * ends it (the "\r" of a "\r\n" line end). */
static void put_wire_slow(struct sink *k, size_t depth, int sp, const char *s, size_t n)
{
	struct buf *line = buf_scratch();

	buf_reserve(line, depth + 1 + n);
	memset(line->p, '>', depth);
	line->len = depth;
	if (sp)
		line->p[line->len++] = ' ';
	buf_add(line, s, n);
	if (line->len > 0 && line->p[line->len - 1] == '\r')
		line->len--;
	k->lines += wire_line(k->out, line->p, line->len, k->cr_any, &k->dots);
	buf_scratch_put(line);
}

/* Appends one flowed line: `depth` quote marks, a space when sp (after
 * quotes, or stuffing), then s[0..n), with one room check. It runs for
 * every line of every body, and gcc would not inline it by itself: as a
 * call it cost as much as the line's copy. */
static inline __attribute__((always_inline)) void put_line(struct sink *k, size_t depth, int sp,
							   const char *s, size_t n)
{
	struct buf *out = k->out;
	size_t len = depth + (size_t)sp + n, dot = 0;
	char *d;

	if (k->wire) {
		if (len > BODY_LINE_MAX || k->cr_any) {
			put_wire_slow(k, depth, sp, s, n);
			return;
		}
		/* a line that starts with a dot (no quotes, no stuffing)
		 * gets another */
		dot = depth == 0 && !sp && n > 0 && s[0] == '.';
		k->dots += dot;
	}
	if (out->len + dot + len + 3 > out->cap)
		buf_reserve(out, dot + len + 2);
	d = out->p + out->len;
	if (dot)
		*d++ = '.';
	if (depth > 0) {
		memset(d, '>', depth);
		d += depth;
	}
	if (sp)
		*d++ = ' ';
	memcpy(d, s, n);
	d += n;
	if (k->wire) {
		*d++ = '\r';
		k->lines++;
	}
	*d++ = '\n';
	*d = '\0';
	out->len = (size_t)(d - out->p);
}

/* The number of characters (UTF-8 lead bytes) in s[0..n), counted 16
 * bytes at a time with SSE2, else 8: this was most of the cost of flowing
 * a body. */
static size_t count_chars(const char *s, size_t n)
{
	return n - bytes_count_cont_short(s, n);
}

/* The length of the first part of s[0..n) when it is broken to fit
 * `avail` characters of which `col` are taken already: n when it all fits
 * or cannot be broken. */
static size_t part_len(const char *s, size_t n, size_t avail, size_t col)
{
	size_t p = 0;

	/* p: the first byte whose character passes the width. A character
	 * takes at least one byte, so while `avail - col` characters are
	 * left the next that many bytes all fit: they are counted in one go
	 * rather than tested byte by byte. */
	if (n <= avail - col)
		return n;
	while (col < avail && p < n) {
		size_t k = avail - col < n - p ? avail - col : n - p;
		if (k < 16) {
			/* the last few characters (those multibyte ones made
			 * room for): found octet by octet, up to the lead octet
			 * of the first that does not fit */
			while (p < n && (col < avail || ((unsigned char)s[p] & 0xC0) == 0x80)) {
				col += ((unsigned char)s[p] & 0xC0) != 0x80;
				p++;
			}
			break;
		}
		col += count_chars(s + p, k);
		p += k;
	}
	while (p < n && ((unsigned char)s[p] & 0xC0) == 0x80)
		p++;
	if (p == n)
		return n;
	/* Break after the last space run (not at the start) that ends within
	 * the width, else after the first one past it. */
	for (size_t i = p; i-- > 1;)
		if (s[i] == ' ' && s[i + 1] != ' ')
			return i + 1;
	for (size_t i = p; i + 1 < n; i++)
		if (s[i] == ' ' && i > 0 && s[i + 1] != ' ')
			return i + 1;
	return n;
}

static void flow_line(const char *line, size_t n, size_t width, struct sink *out)
{
	size_t depth = 0;
	while (depth < n && line[depth] == '>')
		depth++;
	const char *s = line + depth;
	n -= depth;
	if (depth > 0 && n > 0 && s[0] == ' ') {
		s++;
		n--;
	} else if (depth == 0 && n > 1 && s[0] == ' ') {
		/* text.h: a literal line starting with '>' (after any spaces)
		 * carries one escape space; without it, it is stuffed below
		 * like any line that starts with ' ' or '>' (RFC 3676 §4.4), so
		 * a reader shows it as text, not as a quote */
		size_t k = 1;
		while (k < n && s[k] == ' ')
			k++;
		if (k < n && s[k] == '>') {
			s++;
			n--;
		}
	}
	if (n == 3 && memcmp(s, "-- ", 3) == 0) {
		put_line(out, depth, depth > 0, s, n);
		return;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0) {
		put_line(out, depth, 0, s, 0);
		return;
	}

	size_t plen = depth > 0 ? depth + 1 : 0;
	size_t avail = width > plen + FLOW_MIN_WIDTH ? width - plen : FLOW_MIN_WIDTH;
	while (n > 0) {
		/* space-stuffing of the part about to be written (it starts as
		 * s does, and is at least "From " long when s starts so) */
		int stuff = depth == 0 && needs_stuffing(s, n);
		size_t part = part_len(s, n, avail, (size_t)stuff);

		put_line(out, depth, depth > 0 || stuff, s, part);
		s += part;
		n -= part;
	}
}

static void flow_text(const char *plain, size_t len, size_t width, struct sink *k)
{
	size_t i = 0;
	if (width == 0)
		width = 72;
	/* the output is the input plus a few prefixes and stuffing spaces
	 * (and CRs, in wire form): one allocation instead of growing line by
	 * line */
	if (len > 0 && k->out->len + len + len / 8 + 64 > k->out->cap) {
		buf_reserve(k->out, len + len / 8 + 64);
		k->out->p[k->out->len] = '\0';
	}
	while (i < len) {
		const char *nl = memchr(plain + i, '\n', len - i);
		size_t l = nl ? (size_t)(nl - (plain + i)) : len - i;
		size_t e = l;
		if (e > 0 && plain[i + e - 1] == '\r')
			e--;
		flow_line(plain + i, e, width, k);
		i += l + 1;
	}
}

void text_flow(const char *plain, size_t len, size_t width, struct buf *out)
{
	struct sink k = {out, 0, 0, 0, 0};

	flow_text(plain, len, width, &k);
}

size_t text_flow_wire(const char *plain, size_t len, size_t width, int cr_any, struct buf *out,
		      size_t *dots)
{
	struct sink k = {out, 1, cr_any, 0, 0};

	flow_text(plain, len, width, &k);
	*dots += k.dots;
	return k.lines;
}
