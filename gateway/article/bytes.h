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
 *
 * A few helpers answer for a whole range instead (bytes_high_cr,
 * bytes_clean_text, bytes_addr_spec, bytes_count_cont_short). The last
 * three take short values of known length (a header value, a Message-ID,
 * a line being flowed), where a byte-by-byte tail would cost as much as
 * the blocks: they finish with a block that ends at n, overlapping the
 * one before (their tests give a byte the same answer however often it is
 * looked at, or mask off what was counted).
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
		__m128i ws = _mm_or_si128(
			_mm_cmpeq_epi8(x, tab),
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

/* Printable ASCII words with single spaces between them (a header value
 * the sanitizer copies as it is): stops at a byte outside 0x20..0x7E and
 * at a space not followed by a byte in 0x21..0x7E. Each block reads one
 * byte past it, so blocks end before n - 1; the last one ends exactly
 * there, overlapping the one before (a byte looked at twice gets the same
 * answer), so only the last byte is left to the caller when the run goes
 * on to the end. */
static inline size_t bytes_skip_ascii_words(const void *s, size_t n)
{
	size_t i = 0;
#if defined(__SSE2__)
	const unsigned char *p = s;
	/* signed: below 0x20 (0x21 for y) or at least 0x80 */
	const __m128i lo = _mm_set1_epi8(0x20), lo1 = _mm_set1_epi8(0x21);
	const __m128i del = _mm_set1_epi8(0x7F), sp = _mm_set1_epi8(' ');

	if (n < 17)
		return 0;
	for (;;) {
		if (i + 17 > n)
			i = n - 17;
		__m128i x = _mm_loadu_si128((const __m128i *)(p + i));
		__m128i y = _mm_loadu_si128((const __m128i *)(p + i + 1));
		__m128i m = _mm_or_si128(_mm_cmplt_epi8(x, lo), _mm_cmpeq_epi8(x, del));
		__m128i ybad = _mm_or_si128(_mm_cmplt_epi8(y, lo1), _mm_cmpeq_epi8(y, del));
		m = _mm_or_si128(m, _mm_and_si128(_mm_cmpeq_epi8(x, sp), ybad));
		unsigned bits = (unsigned)_mm_movemask_epi8(m);
		if (bits != 0)
			return bytes_first_(i, bits);
		if (i + 17 == n)
			return n - 1;
		i += 16;
	}
#else
	(void)s;
	(void)n;
#endif
	return i;
}

/* ASCII other than c: stops at c and at any byte >= 0x80. */
static inline size_t bytes_skip_ascii_but(const void *s, size_t n, unsigned char c)
{
	size_t i = 0;
#if defined(__SSE2__)
	const unsigned char *p = s;
	const __m128i cc = _mm_set1_epi8((char)c);

	for (; i + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(p + i));
		/* the movemask of x itself is the top bits: the bytes >= 0x80 */
		unsigned bits = (unsigned)_mm_movemask_epi8(_mm_or_si128(x, _mm_cmpeq_epi8(x, cc)));
		if (bits != 0)
			return bytes_first_(i, bits);
	}
#else
	(void)s;
	(void)n;
	(void)c;
#endif
	return i;
}

/* Whether s[0..n) holds no control (below 0x20, DEL) and no two spaces in
 * a row, and with ascii set no byte >= 0x80 either: what a header line
 * may carry as it is (leading and trailing spaces are the caller's to
 * test). Unlike the bytes_skip_* helpers this answers for all n bytes:
 * with SSE2 it takes blocks 15 bytes apart, so that every pair of
 * neighbours lies in one block, and the last block ends at n (it may look
 * at bytes again, which changes nothing); n < 16 goes byte by byte. */
static inline int bytes_clean_text(const void *s, size_t n, int ascii)
{
	const unsigned char *p = s;
#if defined(__SSE2__)
	if (n >= 16) {
		const __m128i sp = _mm_set1_epi8(' '), del = _mm_set1_epi8(0x7F);

		for (size_t i = 0;; i += 15) {
			if (i + 16 > n)
				i = n - 16;
			__m128i x = _mm_loadu_si128((const __m128i *)(p + i));
			/* signed compare for ascii: below 0x20 or at least 0x80 */
			__m128i bad = ascii ? _mm_cmplt_epi8(x, sp) : bytes_le_(x, 0x1F);
			bad = _mm_or_si128(bad, _mm_cmpeq_epi8(x, del));
			unsigned spaces = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, sp));
			if (_mm_movemask_epi8(bad) != 0 || (spaces & (spaces >> 1)) != 0)
				return 0;
			if (i + 16 == n)
				return 1;
		}
	}
#endif
	for (size_t i = 0; i < n; i++) {
		if (p[i] < 0x20 || p[i] == 0x7F || (ascii && p[i] >= 0x80))
			return 0;
		if (p[i] == ' ' && i + 1 < n && p[i + 1] == ' ')
			return 0;
	}
	return 1;
}

/* Whether s[0..n) has a byte >= 0x80 (BYTES_HIGH) and whether it has a CR
 * (BYTES_CR): the two things an article wants to know about a whole body
 * before writing it, found in one pass, 16 bytes at a time with SSE2. */
#define BYTES_HIGH 1u
#define BYTES_CR 2u

static inline unsigned bytes_high_cr(const void *s, size_t n)
{
	const unsigned char *p = s;
	unsigned found = 0;
	size_t i = 0;
#if defined(__SSE2__)
	const __m128i cr = _mm_set1_epi8('\r');
	__m128i high = _mm_setzero_si128(), crs = _mm_setzero_si128();

	for (; i + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(p + i));
		high = _mm_or_si128(high, x);
		crs = _mm_or_si128(crs, _mm_cmpeq_epi8(x, cr));
	}
	if (_mm_movemask_epi8(high) != 0)
		found |= BYTES_HIGH;
	if (_mm_movemask_epi8(crs) != 0)
		found |= BYTES_CR;
#endif
	for (; i < n; i++) {
		if (p[i] >= 0x80)
			found |= BYTES_HIGH;
		if (p[i] == '\r')
			found |= BYTES_CR;
	}
	return found;
}

/* Whether s[0..n) is dot-atom-text "@" dot-atom-text (RFC 5322: an
 * addr-spec, or the core of a msg-id without quotes or literal): exactly
 * one "@", the other bytes atext or ".", neither "." nor "@" first, last
 * or next to one another. 1 yes, 0 no, and -1 when n < 16 or without
 * SSE2: then the caller tests byte by byte. The blocks are 15 bytes apart
 * (every pair of neighbours in one block) and the last one ends at n; an
 * "@" seen twice there is the same one when it is at the same place. */
static inline int bytes_addr_spec(const void *s, size_t n)
{
#if defined(__SSE2__)
	const unsigned char *p = s;
	size_t at_pos = n;

	if (n < 16)
		return -1;
	if (p[0] == '.' || p[0] == '@' || p[n - 1] == '.' || p[n - 1] == '@')
		return 0;
	for (size_t i = 0;; i += 15) {
		if (i + 16 > n)
			i = n - 16;
		__m128i x = _mm_loadu_si128((const __m128i *)(p + i));
		/* not atext, "." or "@": signed below 0x21 (controls, space,
		 * 0x80 and up), DEL, and the specials but "." and "@" */
		__m128i bad = _mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x21)),
					   _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7F)));
		bad = _mm_or_si128(bad, _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
						     _mm_cmpeq_epi8(x, _mm_set1_epi8('('))));
		bad = _mm_or_si128(bad, _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(')')),
						     _mm_cmpeq_epi8(x, _mm_set1_epi8(','))));
		bad = _mm_or_si128(bad, _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(':')),
						     _mm_cmpeq_epi8(x, _mm_set1_epi8(';'))));
		bad = _mm_or_si128(bad, _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('<')),
						     _mm_cmpeq_epi8(x, _mm_set1_epi8('>'))));
		bad = _mm_or_si128(bad, _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('[')),
						     _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))));
		bad = _mm_or_si128(bad, _mm_cmpeq_epi8(x, _mm_set1_epi8(']')));
		unsigned ats = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('@')));
		unsigned seps = ats |
				(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('.')));

		if (_mm_movemask_epi8(bad) != 0 || (seps & (seps >> 1)) != 0)
			return 0;
		if (ats != 0) {
			size_t pos = bytes_first_(i, ats);
			if ((ats & (ats - 1)) != 0 || (at_pos != n && at_pos != pos))
				return 0;
			at_pos = pos;
		}
		if (i + 16 == n)
			return at_pos != n;
	}
#else
	(void)s;
	(void)n;
	return -1;
#endif
}

#if defined(__SSE2__)
/* The lanes of x in lo..hi (unsigned, lo <= hi). */
static inline __m128i bytes_in_(__m128i x, unsigned char lo, unsigned char hi)
{
	return bytes_le_(_mm_sub_epi8(x, _mm_set1_epi8((char)lo)), (unsigned char)(hi - lo));
}

/* The bytes >= 0x80 of the block x that are not part of a two-byte UTF-8
 * character with a lead in lead_lo..DF. A lead in the last lane counts as
 * bad (its continuation is in the next block): the scan stops before it
 * and so always on a character boundary. */
static inline unsigned bytes_utf8_2_bad_(__m128i x, unsigned char lead_lo)
{
	unsigned high = (unsigned)_mm_movemask_epi8(x);
	unsigned lead = (unsigned)_mm_movemask_epi8(bytes_in_(x, lead_lo, 0xDF));
	unsigned cont = (unsigned)_mm_movemask_epi8(bytes_in_(x, 0x80, 0xBF));
	unsigned ok = lead & (cont >> 1);

	return high & ~(ok | ok << 1);
}
#endif

#if defined(__SSE2__)
/* The lanes of a block of HTML text that bytes_skip_html_text_u8 stops
 * at, TAB, LF and CR aside: below 0x20, '<', '&', and ED and above. Adding
 * 0x13 moves both ends, ED..FF and 00..1F, to 00..32: one compare. */
static inline __m128i bytes_html_stop_(__m128i x)
{
	__m128i m = bytes_le_(_mm_add_epi8(x, _mm_set1_epi8(0x13)), 0x32);
	return _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('<')),
					    _mm_cmpeq_epi8(x, _mm_set1_epi8('&'))));
}
#endif

/* HTML character data as the text loop keeps it: like
 * bytes_skip_html_text, but bytes 80..EC do not stop the scan. The loop
 * copies every byte >= 0x80 as it is, valid UTF-8 or not, except that it
 * drops valid sequences of characters that are not XML Chars: surrogates
 * (ED A0..BF ..), U+FFFE and U+FFFF (EF BF BE/BF), beyond U+10FFFF
 * (F4 90.. and F5..F7 ..), all led by a byte from ED on. A lead byte (C0
 * and above) always starts a character of the loop's own, so the scan
 * stops where the loop would look; where it runs out (fewer than 17
 * bytes left) it may stop inside a character, whose remaining
 * continuation bytes the loop then copies one by one, as it would have.
 * (EE, F0..F3 and F8..FF stop it too, needlessly but rarely.)
 *
 * *spaced is set when the bytes passed may hold whitespace a browser
 * collapses: TAB, LF, CR, or two spaces in a row (seen one byte past
 * each block, so it reads that byte too, as bytes_skip_prose does). */
static inline size_t bytes_skip_html_text_u8(const void *s, size_t n, int *spaced)
{
	size_t i = 0;
#if defined(__SSE2__)
	const unsigned char *p = s;
	const __m128i sp = _mm_set1_epi8(' ');
	__m128i dbl = _mm_setzero_si128();

	for (const size_t lim = n > 16 ? n - 16 : 0; i < lim; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(p + i));
		__m128i y = _mm_loadu_si128((const __m128i *)(p + i + 1));
		__m128i two = _mm_and_si128(_mm_cmpeq_epi8(x, sp), _mm_cmpeq_epi8(y, sp));
		dbl = _mm_or_si128(dbl, two);
		unsigned bits = (unsigned)_mm_movemask_epi8(bytes_html_stop_(x));
		if (bits == 0)
			continue;
		/* TAB, LF and CR pass */
		__m128i ws = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\t')),
					  _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\n')),
						       _mm_cmpeq_epi8(x, _mm_set1_epi8('\r'))));
		unsigned wsbits = (unsigned)_mm_movemask_epi8(ws);
		*spaced |= wsbits != 0;
		bits &= ~wsbits;
		if (bits != 0) {
			i = bytes_first_(i, bits);
			break;
		}
	}
	*spaced |= _mm_movemask_epi8(dbl) != 0;
#else
	(void)s;
	(void)n;
	*spaced = 1;
#endif
	return i;
}

#if defined(__SSE2__)
/* The lanes of a block that bytes_skip_kept_text must look at closer:
 * below 0x20, at least 0x80 (signed compare) and DEL. */
static inline __m128i bytes_kept_rough_(__m128i x)
{
	return _mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)),
			    _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7F)));
}
#endif

/* What the tidy pass keeps as it is: printable ASCII, TAB and two-byte
 * UTF-8 characters with a lead C3..DF (C2 can start an NBSP, which the
 * pass rewrites); stops at any other byte, on a character boundary. A
 * block of printable ASCII takes one test. */
static inline size_t bytes_skip_kept_text(const void *s, size_t n)
{
	size_t i = 0;
#if defined(__SSE2__)
	const unsigned char *p = s;

	for (const size_t lim = n > 15 ? n - 15 : 0; i < lim; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(p + i));
		unsigned bits = (unsigned)_mm_movemask_epi8(bytes_kept_rough_(x));
		if (bits == 0)
			continue;
		bits &= ~((unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('\t'))) |
			  (unsigned)_mm_movemask_epi8(x));
		bits |= bytes_utf8_2_bad_(x, 0xC3);
		if (bits != 0)
			return bytes_first_(i, bits);
	}
#else
	(void)s;
	(void)n;
#endif
	return i;
}

/* bytes_skip_prose for a whole text: two blocks a turn while both pass
 * (prose mostly does), then block by block, and the last bytes in one
 * block that ends at n and overlaps bytes already passed, where the end
 * counts as a blank (a space last stops it, as it must be a word's end).
 * The tail was a byte loop's, a good part of the writer's cost for the
 * short texts between tags. Reads nothing outside s[0..n). */
static inline size_t bytes_skip_prose_all(const void *s, size_t n)
{
	size_t i = 0;
#if defined(__SSE2__)
	const unsigned char *p = s;
	const __m128i sp = _mm_set1_epi8(' ');

	for (const size_t lim = n > 32 ? n - 32 : 0; i < lim; i += 32) {
		__m128i x0 = _mm_loadu_si128((const __m128i *)(p + i));
		__m128i y0 = _mm_loadu_si128((const __m128i *)(p + i + 1));
		__m128i x1 = _mm_loadu_si128((const __m128i *)(p + i + 16));
		__m128i y1 = _mm_loadu_si128((const __m128i *)(p + i + 17));
		/* as in bytes_skip_prose */
		__m128i s0 = _mm_and_si128(_mm_cmpeq_epi8(x0, sp), bytes_le_(y0, 0x20));
		__m128i s1 = _mm_and_si128(_mm_cmpeq_epi8(x1, sp), bytes_le_(y1, 0x20));
		__m128i m0 = _mm_or_si128(bytes_le_(x0, 0x1F), s0);
		__m128i m1 = _mm_or_si128(bytes_le_(x1, 0x1F), s1);
		if (_mm_movemask_epi8(_mm_or_si128(m0, m1)) != 0)
			break;
	}
	i += bytes_skip_prose(p + i, n - i);
	/* what is left: it stopped early, or fewer than 17 bytes remain */
	if (n >= 16 && n - i <= 16 && i < n) {
		__m128i x = _mm_loadu_si128((const __m128i *)(p + n - 16));
		/* the next byte of each lane; zero (a blank) after the last */
		__m128i y = _mm_srli_si128(x, 1);
		__m128i m = _mm_or_si128(bytes_le_(x, 0x1F),
					 _mm_and_si128(_mm_cmpeq_epi8(x, sp), bytes_le_(y, 0x20)));
		/* lanes before i were passed already */
		unsigned bits = (unsigned)_mm_movemask_epi8(m) >> (i - (n - 16));
		i = bits != 0 ? bytes_first_(i, bits) : n;
	}
#else
	i = bytes_skip_prose(s, n);
#endif
	return i;
}

/* An attribute value: stops at `stop`, NUL, '&' and any byte >= 0x80, and
 * when stop is NUL (an unquoted value) at '>' and the blanks SP, TAB, LF
 * and CR too. */
static inline size_t bytes_skip_attr_value(const void *s, size_t n, char stop)
{
	size_t i = 0;
#if defined(__SSE2__)
	const unsigned char *p = s;
	const __m128i st = _mm_set1_epi8(stop), amp = _mm_set1_epi8('&');
	const __m128i zero = _mm_setzero_si128();
	const __m128i gt = _mm_set1_epi8(stop ? 0 : '>'), sp = _mm_set1_epi8(stop ? 0 : ' ');
	const __m128i tab = _mm_set1_epi8(stop ? 0 : '\t'), lf = _mm_set1_epi8(stop ? 0 : '\n');
	const __m128i cr = _mm_set1_epi8(stop ? 0 : '\r');

	for (const size_t lim = n > 15 ? n - 15 : 0; i < lim; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(p + i));
		/* for a quoted value the blank lanes compare with NUL again */
		__m128i m = _mm_or_si128(_mm_cmpeq_epi8(x, st), _mm_cmpeq_epi8(x, zero));
		m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(x, amp), _mm_cmpeq_epi8(x, gt)));
		m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(x, sp), _mm_cmpeq_epi8(x, tab)));
		m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(x, lf), _mm_cmpeq_epi8(x, cr)));
		/* the top bit: bytes >= 0x80 */
		unsigned bits = (unsigned)_mm_movemask_epi8(_mm_or_si128(m, x));
		if (bits != 0)
			return bytes_first_(i, bits);
	}
#else
	(void)s;
	(void)n;
	(void)stop;
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
		c += (size_t)_mm_cvtsi128_si32(acc) +
		     (size_t)_mm_cvtsi128_si32(_mm_srli_si128(acc, 8));
	}
#endif
	for (; i + 8 <= n; i += 8)
		c += bytes_cont8(p + i);
	for (; i < n; i++)
		c += (p[i] & 0xC0) == 0x80;
	return c;
}

/* bytes_count_cont() for the short ranges of flowing a line (at most a
 * line width): one set of lane counters, no inner loop, and the tail of
 * fewer than 16 bytes taken from a block that ends at n, with the lanes
 * counted already masked off. Ranges under 16 bytes or over 2 KB, and
 * builds without SSE2, go to bytes_count_cont(). */
static inline size_t bytes_count_cont_short(const void *s, size_t n)
{
#if defined(__SSE2__)
	if (n >= 16 && n <= 2048) {
		/* keep + r: 16 - r zero bytes, then r 0xFF bytes */
		static const unsigned char keep[32] = {
			0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
			0,    0,    0,    0,    0,    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
			0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
		};
		const unsigned char *p = s;
		/* signed: 0x80..0xBF are exactly the bytes below (char)0xC0;
		 * a lane counts at most 129 blocks, so it cannot wrap */
		const __m128i c0 = _mm_set1_epi8((char)0xC0), zero = _mm_setzero_si128();
		__m128i acc = zero;
		size_t i = 0;

		for (; i + 16 <= n; i += 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(p + i));
			acc = _mm_sub_epi8(acc, _mm_cmplt_epi8(x, c0));
		}
		if (i < n) {
			__m128i x = _mm_loadu_si128((const __m128i *)(p + n - 16));
			__m128i m = _mm_loadu_si128((const __m128i *)(keep + (n - i)));
			acc = _mm_sub_epi8(acc, _mm_and_si128(_mm_cmplt_epi8(x, c0), m));
		}
		acc = _mm_sad_epu8(acc, zero);
		return (size_t)_mm_cvtsi128_si32(acc) +
		       (size_t)_mm_cvtsi128_si32(_mm_srli_si128(acc, 8));
	}
#endif
	return bytes_count_cont(s, n);
}

#endif
