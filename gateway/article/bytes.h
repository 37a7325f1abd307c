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
 *
 * The bytes_skip_* helpers go 16 bytes at a time with SSE2 (always there on
 * x86-64): each returns how many bytes at the start of s[0..n) are
 * certainly not interesting to its caller, stopping at the first that may
 * be or where fewer than 16 bytes are left. Loads stay inside s[0..n) (the
 * buffers are not padded); the caller goes on with its word-at-a-time and
 * byte code from there, which also finishes the tail. Without SSE2 they
 * return 0 and the callers run as before.
 */
#ifndef FORUMGATE_ARTICLE_BYTES_H
#define FORUMGATE_ARTICLE_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

#if defined(__SSE2__)
/* The offset of the first set bit of mask m (m != 0) in a block at i. */
static inline size_t bytes_first_(size_t i, unsigned m)
{
	return i + (size_t)__builtin_ctz(m);
}

/* The 0xFF lanes of x that are <= lim (unsigned). */
static inline __m128i bytes_le_(__m128i x, unsigned char lim)
{
	return _mm_cmpeq_epi8(_mm_subs_epu8(x, _mm_set1_epi8((char)lim)), _mm_setzero_si128());
}
#endif

/* HTML character data: stops at '<', '&', a byte >= 0x80 or a control
 * other than TAB, LF and CR (the text loop's text_special bytes). */
static inline size_t bytes_skip_html_text(const void *s, size_t n)
{
	size_t i = 0;
#if defined(__SSE2__)
	const unsigned char *p = s;
	/* signed: below 0x20 or at least 0x80 */
	const __m128i lo = _mm_set1_epi8(0x20), lt = _mm_set1_epi8('<'), amp = _mm_set1_epi8('&');
	const __m128i tab = _mm_set1_epi8('\t'), lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');

	for (; i + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(p + i));
		__m128i ws = _mm_or_si128(_mm_cmpeq_epi8(x, tab),
					  _mm_or_si128(_mm_cmpeq_epi8(x, lf), _mm_cmpeq_epi8(x, cr)));
		__m128i m = _mm_andnot_si128(ws, _mm_cmplt_epi8(x, lo));
		m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(x, lt), _mm_cmpeq_epi8(x, amp)));
		unsigned bits = (unsigned)_mm_movemask_epi8(m);
		if (bits != 0)
			return bytes_first_(i, bits);
	}
#else
	(void)s;
	(void)n;
#endif
	return i;
}

/* Printable ASCII (0x20..0x7E): stops at any other byte. */
static inline size_t bytes_skip_printable(const void *s, size_t n)
{
	size_t i = 0;
#if defined(__SSE2__)
	const unsigned char *p = s;
	const __m128i lo = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7F);

	for (; i + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(p + i));
		/* signed: below 0x20 or at least 0x80 */
		__m128i m = _mm_or_si128(_mm_cmplt_epi8(x, lo), _mm_cmpeq_epi8(x, del));
		unsigned bits = (unsigned)_mm_movemask_epi8(m);
		if (bits != 0)
			return bytes_first_(i, bits);
	}
#else
	(void)s;
	(void)n;
#endif
	return i;
}

/* Prose for a whitespace-collapsing writer: stops at a byte below 0x20 and
 * at a space followed by a space or a byte below 0x20, so every space
 * passed has a word byte after it. Reads one byte past each block, so it
 * only takes blocks with a byte after them. */
static inline size_t bytes_skip_prose(const void *s, size_t n)
{
	size_t i = 0;
#if defined(__SSE2__)
	const unsigned char *p = s;
	const __m128i sp = _mm_set1_epi8(' ');

	for (; i + 17 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(p + i));
		__m128i y = _mm_loadu_si128((const __m128i *)(p + i + 1));
		__m128i m = _mm_or_si128(bytes_le_(x, 0x1F),
					 _mm_and_si128(_mm_cmpeq_epi8(x, sp), bytes_le_(y, 0x20)));
		unsigned bits = (unsigned)_mm_movemask_epi8(m);
		if (bits != 0)
			return bytes_first_(i, bits);
	}
#else
	(void)s;
	(void)n;
#endif
	return i;
}

/* The number of UTF-8 continuation bytes (10xxxxxx) in s[0..n). */
static inline size_t bytes_count_cont(const void *s, size_t n)
{
	const unsigned char *p = s;
	size_t c = 0, i = 0;
#if defined(__SSE2__)
	/* signed: 0x80..0xBF are exactly the bytes below (char)0xC0. Each
	 * block adds 1 per such byte to a byte lane (subtracting the 0xFF of
	 * a match); the lanes are summed before they can wrap. */
	const __m128i c0 = _mm_set1_epi8((char)0xC0), zero = _mm_setzero_si128();

	while (i + 16 <= n) {
		__m128i acc = zero;
		for (int k = 0; k < 255 && i + 16 <= n; k++, i += 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(p + i));
			acc = _mm_sub_epi8(acc, _mm_cmplt_epi8(x, c0));
		}
		acc = _mm_sad_epu8(acc, zero);
		c += (size_t)_mm_cvtsi128_si32(acc) + (size_t)_mm_cvtsi128_si32(_mm_srli_si128(acc, 8));
	}
#endif
	for (; i + 8 <= n; i += 8)
		c += bytes_cont8(p + i);
	for (; i < n; i++)
		c += (p[i] & 0xC0) == 0x80;
	return c;
}

#endif
