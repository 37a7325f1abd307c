/*
 * bytes: word-at-a-time byte tests for the article module's hot loops
 * (private to gateway/article/).
 *
 * Bodies and header values are mostly printable ASCII, and the per-byte
 * tests in the tidy pass, the HTML text scan and the header checks were a
 * large part of rendering a post. These helpers test eight bytes with a few
 * integer operations; callers fall back to their byte-by-byte code at the
 * first word that fails, so the rules stay written in one place there.
 * Every helper reads exactly 8 bytes at s: the caller checks the bounds.
 */
#ifndef FORUMGATE_ARTICLE_BYTES_H
#define FORUMGATE_ARTICLE_BYTES_H

#include <stdint.h>
#include <string.h>

#define BYTES_ONES 0x0101010101010101ULL
#define BYTES_HIGHS 0x8080808080808080ULL

static inline uint64_t bytes_load8(const void *s)
{
	uint64_t x;

	memcpy(&x, s, 8);
	return x;
}

/* Whether the word x holds a byte below n (n <= 0x80). A byte in range
 * lends no borrow to the bytes above it, so the lowest match is always
 * seen and there is no false match when there is none. */
static inline int bytes_has_below(uint64_t x, unsigned char n)
{
	return ((x - n * BYTES_ONES) & ~x & BYTES_HIGHS) != 0;
}

/* Whether the word x holds the byte c. */
static inline int bytes_has(uint64_t x, unsigned char c)
{
	return bytes_has_below(x ^ (c * BYTES_ONES), 1);
}

/* Whether the 8 bytes at s are all printable ASCII (0x20..0x7E): a byte
 * outside sets its top bit in x, x - 0x20 or x + 1, and bytes in range lend
 * no borrow or carry to their neighbours, so the lowest byte out of range
 * is always seen. */
static inline int bytes_printable8(const void *s)
{
	uint64_t x = bytes_load8(s);

	return ((x | (x - 0x20 * BYTES_ONES) | (x + BYTES_ONES)) & BYTES_HIGHS) == 0;
}

/* Whether the 8 bytes at s hold no byte below 0x20 and no two spaces in a
 * row: text a whitespace-collapsing writer copies as it is. */
static inline int bytes_prose8(const void *s)
{
	uint64_t x = bytes_load8(s), y = x ^ (0x20 * BYTES_ONES);
	const uint64_t low7 = 0x7F * BYTES_ONES;
	/* exactly the spaces (y == 0) get 0x80: no carries cross bytes here */
	uint64_t sp = ~(((y & low7) + low7) | y | low7);

	return !bytes_has_below(x, 0x20) && (sp & (sp << 8)) == 0;
}

/* The number of UTF-8 continuation bytes (10xxxxxx) among the 8 at s:
 * each one's top bit survives the mask, and the multiply adds the eight
 * 0/1 bytes up into the top byte. */
static inline size_t bytes_cont8(const void *s)
{
	uint64_t x = bytes_load8(s);
	uint64_t m = (x & ~(x << 1) & BYTES_HIGHS) >> 7;

	return (size_t)((m * BYTES_ONES) >> 56);
}

/* Whether any of the n bytes at s has its top bit set (is not ASCII). */
static inline int bytes_any_high(const void *s, size_t n)
{
	const unsigned char *p = s;
	uint64_t acc = 0;
	size_t i = 0;

	for (; i + 8 <= n; i += 8)
		acc |= bytes_load8(p + i);
	for (; i < n; i++)
		acc |= p[i];
	return (acc & BYTES_HIGHS) != 0;
}

#endif
