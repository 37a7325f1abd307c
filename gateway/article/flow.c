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
 * with " ", ">" or "From " are space-stuffed.
 *
 * Finding where a line passes the width counts characters a block at a
 * time (a character is at least one byte, so `avail` bytes never pass it),
 * and the output buffer is sized once for the whole text.
 */
#include "forumgate/text.h"

#include <string.h>

#include "bytes.h"

/* The shortest content part we allow deep quote prefixes to leave. */
#define FLOW_MIN_WIDTH 20

static int needs_stuffing(const char *s, size_t n)
{
	return n > 0 && (s[0] == ' ' || s[0] == '>' ||
			 (n >= 5 && memcmp(s, "From ", 5) == 0));
}

static void add_quotes(struct buf *out, size_t depth)
{
	if (depth == 0)
		return;
	buf_reserve(out, depth);
	memset(out->p + out->len, '>', depth);
	out->len += depth;
	out->p[out->len] = '\0';
}

static void put_part(struct buf *out, size_t depth, const char *s, size_t n)
{
	add_quotes(out, depth);
	if (depth > 0 || needs_stuffing(s, n))
		buf_addc(out, ' ');
	buf_add(out, s, n);
	buf_addc(out, '\n');
}

/* The number of characters (UTF-8 lead bytes) in s[0..n), counted 16
 * bytes at a time with SSE2, else 8: this was most of the cost of flowing
 * a body. */
static size_t count_chars(const char *s, size_t n)
{
	return n - bytes_count_cont(s, n);
}

static void flow_line(const char *line, size_t n, size_t width, struct buf *out)
{
	size_t depth = 0;
	while (depth < n && line[depth] == '>')
		depth++;
	const char *s = line + depth;
	n -= depth;
	if (depth > 0 && n > 0 && s[0] == ' ') {
		s++;
		n--;
	}
	if (n == 3 && memcmp(s, "-- ", 3) == 0) {
		put_part(out, depth, s, n);
		return;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0) {
		add_quotes(out, depth);
		buf_addc(out, '\n');
		return;
	}

	size_t plen = depth > 0 ? depth + 1 : 0;
	size_t avail = width > plen + FLOW_MIN_WIDTH ? width - plen : FLOW_MIN_WIDTH;
	while (n > 0) {
		size_t stuff = depth == 0 && needs_stuffing(s, n);
		size_t brk = 0, col = stuff, p = 0;

		/* p: the first byte whose character passes the width. A
		 * character takes at least one byte, so while `avail - col`
		 * characters are left the next that many bytes all fit: they
		 * are counted in one go rather than tested byte by byte. */
		if (n - p <= avail - col) {
			p = n;
		} else {
			while (col < avail && p < n) {
				size_t k = avail - col < n - p ? avail - col : n - p;
				col += count_chars(s + p, k);
				p += k;
			}
			while (p < n && ((unsigned char)s[p] & 0xC0) == 0x80)
				p++;
		}
		if (p == n) {
			put_part(out, depth, s, n);
			return;
		}
		/* Break after the last space run (not at the start) that ends
		 * within the width, else after the first one past it. */
		for (size_t i = p; i-- > 1;) {
			if (s[i] == ' ' && s[i + 1] != ' ') {
				brk = i + 1;
				break;
			}
		}
		for (size_t i = p; brk == 0 && i + 1 < n; i++)
			if (s[i] == ' ' && i > 0 && s[i + 1] != ' ')
				brk = i + 1;
		if (brk == 0) {
			put_part(out, depth, s, n);
			return;
		}
		put_part(out, depth, s, brk);
		s += brk;
		n -= brk;
	}
}

void text_flow(const char *plain, size_t len, size_t width, struct buf *out)
{
	size_t i = 0;
	if (width == 0)
		width = 72;
	/* the output is the input plus a few prefixes and stuffing spaces:
	 * one allocation instead of growing line by line */
	if (len > 0 && out->len + len + len / 8 + 64 > out->cap) {
		buf_reserve(out, len + len / 8 + 64);
		out->p[out->len] = '\0';
	}
	while (i < len) {
		const char *nl = memchr(plain + i, '\n', len - i);
		size_t l = nl ? (size_t)(nl - (plain + i)) : len - i;
		size_t e = l;
		if (e > 0 && plain[i + e - 1] == '\r')
			e--;
		flow_line(plain + i, e, width, out);
		i += l + 1;
	}
}
