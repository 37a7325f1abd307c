/*
 * mime_charset: turns the decoded bytes of a text part (or a header word)
 * into UTF-8, and undoes format=flowed.
 *
 * Design choices:
 *  - UTF-8 and US-ASCII (and an undeclared charset) are not handed to
 *    libetpan's charconv, which silently turns invalid bytes into '?'. We
 *    copy valid UTF-8 sequences and decode each invalid byte as
 *    windows-1252 instead: mislabelled Latin-1 in a "UTF-8" mail then still
 *    reads right, and mixed text keeps its valid part.
 *  - ISO-8859-1 is decoded as windows-1252 (its superset in the printable
 *    range, as every browser does) by our own table: no iconv round trip,
 *    and the C1 bytes 0x80-0x9f come out as the characters people meant.
 *  - Other charsets go through charconv (iconv) after mapping the common
 *    mail aliases to the supersets iconv knows (Shift_JIS → CP932,
 *    ks_c_5601-1987 → CP949, GB2312 → GB18030, …). An unknown charset or a
 *    failed conversion falls back to the UTF-8/windows-1252 rule.
 *  - format=flowed is undone line by line in one pass; a paragraph is only
 *    ever appended to, so long inputs stay linear.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "mime_internal.h"

/* windows-1252 0x80-0x9f; the five undefined bytes map to the C1 control of
 * the same value, as the WHATWG encoding standard does. */
static const unsigned short cp1252_c1[32] = {
	0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
	0x2039, 0x0152, 0x008d, 0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
	0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
};

static void add_cp(struct buf *out, unsigned cp)
{
	if (cp < 0x80) {
		buf_addc(out, (char)cp);
	} else if (cp < 0x800) {
		buf_addc(out, (char)(0xc0 | (cp >> 6)));
		buf_addc(out, (char)(0x80 | (cp & 0x3f)));
	} else {
		buf_addc(out, (char)(0xe0 | (cp >> 12)));
		buf_addc(out, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_addc(out, (char)(0x80 | (cp & 0x3f)));
	}
}

static void add_cp1252_byte(struct buf *out, unsigned char c)
{
	if (c >= 0x80 && c < 0xa0)
		add_cp(out, cp1252_c1[c - 0x80]);
	else if (c != 0)
		add_cp(out, c);
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if none. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t len;
	unsigned min;
	unsigned cp;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2, min = 0x80, cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, min = 0x800, cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, min = 0x10000, cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

int mime_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq(p + i, n - i);
		if (k == 0)
			return 0;
		i += k;
	}
	return 1;
}

/* Valid UTF-8 sequences as they are, every other byte as windows-1252. */
static void utf8_or_cp1252(const char *in, size_t n, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0;
	while (i < n) {
		size_t run = i;
		size_t k;
		/* copy runs of valid sequences in one go */
		while (run < n && p[run] != 0 && (k = utf8_seq(p + run, n - run)) != 0)
			run += k;
		buf_add(out, in + i, run - i);
		i = run;
		if (i < n)
			add_cp1252_byte(out, p[i++]);
	}
}

static void cp1252(const char *in, size_t n, struct buf *out)
{
	buf_reserve(out, n);
	for (size_t i = 0; i < n; i++)
		add_cp1252_byte(out, (unsigned char)in[i]);
}

enum cs_kind { CS_UTF8, CS_CP1252, CS_ICONV };

struct cs_alias {
	const char *name;
	enum cs_kind kind;
	const char *iconv; /* for CS_ICONV; NULL = the name as declared */
};

static const struct cs_alias aliases[] = {
	{"utf-8", CS_UTF8, NULL},
	{"utf8", CS_UTF8, NULL},
	{"us-ascii", CS_UTF8, NULL},
	{"ascii", CS_UTF8, NULL},
	{"ansi_x3.4-1968", CS_UTF8, NULL},
	{"unknown-8bit", CS_UTF8, NULL},
	{"x-unknown", CS_UTF8, NULL},
	{"unknown", CS_UTF8, NULL},
	{"default", CS_UTF8, NULL},
	{"iso-8859-1", CS_CP1252, NULL},
	{"iso8859-1", CS_CP1252, NULL},
	{"iso_8859-1", CS_CP1252, NULL},
	{"latin1", CS_CP1252, NULL},
	{"latin-1", CS_CP1252, NULL},
	{"l1", CS_CP1252, NULL},
	{"windows-1252", CS_CP1252, NULL},
	{"cp1252", CS_CP1252, NULL},
	{"x-cp1252", CS_CP1252, NULL},
	{"shift_jis", CS_ICONV, "CP932"},
	{"shift-jis", CS_ICONV, "CP932"},
	{"sjis", CS_ICONV, "CP932"},
	{"x-sjis", CS_ICONV, "CP932"},
	{"ms_kanji", CS_ICONV, "CP932"},
	{"windows-31j", CS_ICONV, "CP932"},
	{"ks_c_5601-1987", CS_ICONV, "CP949"},
	{"ks_c_5601", CS_ICONV, "CP949"},
	{"euc-kr", CS_ICONV, "CP949"},
	{"gb2312", CS_ICONV, "GB18030"},
	{"gbk", CS_ICONV, "GB18030"},
	{"x-gbk", CS_ICONV, "GB18030"},
	{"euc-cn", CS_ICONV, "GB18030"},
	{"big5", CS_ICONV, "BIG5-HKSCS"},
	{"unicode-1-1-utf-7", CS_ICONV, "UTF-7"},
	{"iso-8859-8-i", CS_ICONV, "ISO-8859-8"},
};

/* The declared charset without quotes and blanks, lowercased (malloc'd). */
static char *cs_clean(const char *cs)
{
	while (*cs == ' ' || *cs == '\t' || *cs == '"' || *cs == '\'')
		cs++;
	size_t n = strlen(cs);
	while (n > 0 &&
	       (cs[n - 1] == ' ' || cs[n - 1] == '\t' || cs[n - 1] == '"' || cs[n - 1] == '\''))
		n--;
	char *s = xstrndup(cs, n);
	for (char *p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

/* Appends s without NUL bytes. */
static void add_no_nul(struct buf *out, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		const char *z = memchr(s + i, '\0', n - i);
		size_t end = z ? (size_t)(z - s) : n;
		buf_add(out, s + i, end - i);
		i = end + 1;
	}
}

void mime_to_utf8(const char *charset, const char *in, size_t n, struct buf *out)
{
	if (n == 0)
		return;
	char *cs = cs_clean(charset ? charset : "");
	enum cs_kind kind = *cs ? CS_ICONV : CS_UTF8;
	const char *name = cs;
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
		if (strcmp(cs, aliases[i].name) == 0) {
			kind = aliases[i].kind;
			if (aliases[i].iconv)
				name = aliases[i].iconv;
			break;
		}
	}
	if (kind == CS_CP1252) {
		cp1252(in, n, out);
	} else if (kind == CS_ICONV) {
		char *res = NULL;
		size_t rlen = 0;
		if (charconv_buffer("UTF-8", name, in, n, &res, &rlen) == MAIL_CHARCONV_NO_ERROR) {
			/* glibc passes code points past U+10FFFF through a
			 * UTF-8 alias ("utf\xd38" opens as UTF8): recheck */
			if (mime_utf8_valid(res, rlen))
				add_no_nul(out, res, rlen);
			else
				utf8_or_cp1252(res, rlen, out);
			charconv_buffer_free(res);
		} else {
			if (res != NULL)
				charconv_buffer_free(res);
			utf8_or_cp1252(in, n, out);
		}
	} else {
		utf8_or_cp1252(in, n, out);
	}
	free(cs);
}

void mime_add_lf(struct buf *out, const char *in, size_t n)
{
	buf_reserve(out, n);
	for (size_t i = 0; i < n; i++) {
		if (in[i] != '\r') {
			buf_addc(out, in[i]);
			continue;
		}
		buf_addc(out, '\n');
		if (i + 1 < n && in[i + 1] == '\n')
			i++;
	}
}

static void flush_para(struct buf *out, size_t depth, struct buf *para)
{
	for (size_t i = 0; i < depth; i++)
		buf_addc(out, '>');
	if (depth > 0 && para->len > 0)
		buf_addc(out, ' ');
	buf_add(out, para->p ? para->p : "", para->len);
	buf_addc(out, '\n');
	buf_reset(para);
}

void mime_unflow(const char *in, size_t n, int delsp, struct buf *out)
{
	struct buf para = BUF_INIT;
	size_t pdepth = 0;
	int open = 0; /* the paragraph ended in a soft break */
	size_t i = 0;
	while (i < n) {
		const char *nl = memchr(in + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - in) : n;
		const char *l = in + i;
		size_t ll = end - i;
		i = nl ? end + 1 : n;

		size_t depth = 0;
		while (depth < ll && l[depth] == '>')
			depth++;
		const char *t = l + depth;
		size_t tl = ll - depth;
		if (tl > 0 && t[0] == ' ')
			t++, tl--;
		int sig = tl == 3 && memcmp(t, "-- ", 3) == 0;
		int soft = !sig && tl > 0 && t[tl - 1] == ' ';

		if (open && depth != pdepth) {
			/* a soft break before another quote depth is a hard one */
			while (para.len > 0 && para.p[para.len - 1] == ' ')
				para.len--;
			flush_para(out, pdepth, &para);
			open = 0;
		}
		pdepth = depth;
		buf_add(&para, t, soft && delsp ? tl - 1 : tl);
		if (soft) {
			open = 1;
		} else {
			flush_para(out, depth, &para);
			open = 0;
		}
	}
	if (open)
		flush_para(out, pdepth, &para);
	/* keep a missing final newline missing */
	if (n > 0 && in[n - 1] != '\n' && out->len > 0 && out->p[out->len - 1] == '\n')
		buf_truncate(out, out->len - 1);
	buf_free(&para);
}
