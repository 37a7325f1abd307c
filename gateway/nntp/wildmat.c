/*
 * Small NNTP syntax helpers: wildmat (RFC 3977 §4), article ranges
 * (§3.2.1) and the NEWGROUPS/NEWNEWS date form (§7.3.2).
 *
 * wildmat matching works on UTF-8 code points so that "?" matches one
 * character, not one byte; it is iterative with one backtrack point per "*"
 * (the classic linear-space algorithm), so hostile patterns cannot make it
 * recurse or explode.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "forumgate/nntp.h"

/* Decodes one UTF-8 code point (invalid bytes count as one point each). */
static uint32_t next_cp(const char **p, const char *end)
{
	const unsigned char *s = (const unsigned char *)*p;
	uint32_t c = *s;
	int n = c < 0x80             ? 0
		: (c & 0xe0) == 0xc0 ? 1
		: (c & 0xf0) == 0xe0 ? 2
		: (c & 0xf8) == 0xf0 ? 3
				     : -1;
	if (n <= 0 || end - *p < n + 1) {
		(*p)++;
		return c;
	}
	uint32_t cp = c & (0x3f >> n);
	for (int i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			(*p)++;
			return c;
		}
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	*p += n + 1;
	return cp;
}

/* Matches one character class "[...]" starting after '['; *pp is moved past
 * the closing ']'. Returns 1/0, or -1 for an unterminated class. */
static int match_class(const char **pp, const char *end, uint32_t c)
{
	const char *p = *pp;
	int negate = 0, matched = 0;
	if (p < end && *p == '^') {
		negate = 1;
		p++;
	}
	int first = 1;
	while (p < end && (*p != ']' || first)) {
		first = 0;
		uint32_t lo = next_cp(&p, end), hi = lo;
		if (p + 1 < end && *p == '-' && p[1] != ']') {
			p++;
			hi = next_cp(&p, end);
		}
		if (c >= lo && c <= hi)
			matched = 1;
	}
	if (p >= end)
		return -1;
	*pp = p + 1;
	return matched != negate;
}

/* Matches one wildmat element (no ',' or '!') against the whole text. */
static int match_one(const char *pat, const char *pend, const char *text, const char *tend)
{
	const char *star_p = NULL, *star_t = NULL;
	const char *p = pat, *t = text;
	while (t < tend) {
		if (p < pend && *p == '*') {
			while (p < pend && *p == '*')
				p++;
			if (p == pend)
				return 1;
			star_p = p;
			star_t = t;
			continue;
		}
		if (p < pend) {
			const char *tp = t;
			uint32_t c = next_cp(&tp, tend);
			int ok;
			const char *np = p;
			if (*p == '?') {
				np = p + 1;
				ok = 1;
			} else if (*p == '[') {
				np = p + 1;
				ok = match_class(&np, pend, c);
				if (ok < 0) { /* an unterminated '[' is a literal */
					np = p + 1;
					ok = c == '[';
				}
			} else {
				if (*p == '\\' && p + 1 < pend)
					np++;
				uint32_t pc = next_cp(&np, pend);
				ok = pc == c;
			}
			if (ok) {
				p = np;
				t = tp;
				continue;
			}
		}
		if (star_p == NULL)
			return 0;
		/* backtrack: the last '*' absorbs one more character */
		p = star_p;
		next_cp(&star_t, tend);
		t = star_t;
	}
	while (p < pend && *p == '*')
		p++;
	return p == pend;
}

int nntp_wildmat(const char *pattern, const char *text)
{
	int result = 0;
	const char *tend = text + strlen(text);
	const char *p = pattern;
	for (;;) {
		const char *comma = strchr(p, ',');
		const char *e = comma ? comma : p + strlen(p);
		int negate = *p == '!';
		const char *start = p + negate;
		if (match_one(start, e, text, tend))
			result = !negate;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return result;
}

static int parse_num(const char *s, const char *end, int64_t *out)
{
	if (s == end || end - s > 18)
		return -1;
	int64_t v = 0;
	for (; s < end; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

int nntp_parse_range(const char *s, int64_t *lo, int64_t *hi)
{
	const char *dash = strchr(s, '-');
	const char *end = s + strlen(s);
	if (dash == NULL) {
		if (parse_num(s, end, lo) != 0)
			return -1;
		*hi = *lo;
		return 0;
	}
	if (parse_num(s, dash, lo) != 0)
		return -1;
	if (dash + 1 == end) {
		*hi = INT64_MAX;
		return 0;
	}
	return parse_num(dash + 1, end, hi);
}

int nntp_parse_datetime(const char *date, const char *tm_s, int64_t now, int64_t *t)
{
	size_t dl = strlen(date);
	int64_t d, hms;
	if ((dl != 6 && dl != 8) || strlen(tm_s) != 6 || parse_num(date, date + dl, &d) != 0 ||
	    parse_num(tm_s, tm_s + 6, &hms) != 0)
		return -1;
	struct tm tm = {0};
	int year;
	if (dl == 8) {
		year = (int)(d / 10000);
	} else {
		/* RFC 3977 §7.3.2: yy up to the current year's last two digits
		 * is this century, a larger yy the previous one */
		time_t nt = (time_t)now;
		struct tm ntm;
		gmtime_r(&nt, &ntm);
		int cur = ntm.tm_year + 1900;
		int yy = (int)(d / 10000);
		year = cur - cur % 100 + yy;
		if (year > cur)
			year -= 100;
	}
	tm.tm_year = year - 1900;
	tm.tm_mon = (int)(d / 100 % 100) - 1;
	tm.tm_mday = (int)(d % 100);
	tm.tm_hour = (int)(hms / 10000);
	tm.tm_min = (int)(hms / 100 % 100);
	tm.tm_sec = (int)(hms % 100);
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	*t = (int64_t)timegm(&tm);
	return 0;
}
