/*
 * trim: reply trimming for mail intake (issue #4, "What gets posted").
 * An email reply becomes a forum post, so what the person wrote is kept and
 * the rest (quoted text, "On <date>, <name> wrote:" lines in a dozen
 * languages, Outlook "-----Original Message-----" / From:/Sent:/To: blocks,
 * "-- " signatures and "___" separators with everything after them, "Sent
 * from my iPhone" lines, forwarded tails) is split off as the elided part.
 *
 * Reference behaviour: Discourse's email_reply_trimmer 0.2.0. Its design is
 * followed step by step, re-expressed in C:
 *   1. clean up: CRLF, PGP armour, trailing "Unsubscribe:" footers, odd
 *      quote styles ("JD> ", "| ", >>> name >>> ... <<< name <<<), and
 *      attribution lines that a mail client wrapped onto several lines are
 *      joined back into one;
 *   2. fenced code blocks (```) become one opaque text line, so nothing
 *      inside them is ever taken for a quote or a signature;
 *   3. every line is classified (empty, delimiter, signature, embedded-mail
 *      marker, header, quote, text), giving one letter per line;
 *   4. a fixed sequence of rules over that letter string decides the kept
 *      range (see trim_pattern()).
 * The line matchers are hand-written bounded scans rather than regexes
 * (POSIX regex lacks the lazy and look-ahead forms the rules need, and must
 * stay linear on the megabyte one-line quotes seen in real mail); every
 * pass over the text is linear or bounded by a small window.
 *
 * On top of those rules (issue #11), the rule for a forum post: the quoted
 * original, its attribution and the client's signature go, every line the
 * person wrote stays. So: the language table (trim_lang.c) adds the
 * attributions, separators, header labels and taglines of 20 languages
 * and the main clients (lang_pass, after classification); a forwarded
 * message is posted as a "> " quote below the text (forward_start); text
 * below a quoted original is kept; text before a separator on its line is
 * split off first (pass_split_separators); link footnotes the kept text
 * cites are kept; a quote broken by a wrapped link is one quote
 * (mend_quotes); and when all that leaves nothing of a reply that has
 * text, the whole text is kept and the caller told (mail_trim_note).
 *
 * Deliberate differences from the reference: "\r+\n" (not only "\r\n") is
 * a line break; leading indentation of the first kept line is preserved
 * (only blank lines are stripped at the start); a "|" in a line is turned
 * into ">" only when that makes the line a quote (Discourse also mangles
 * "a|b" into "a>b"); and an elided code block is shown as itself, not as
 * its placeholder; forwards and text below a quoted original are kept
 * (see above).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forumgate/buf.h"
#include "forumgate/log.h"
#include "forumgate/mail.h"
#include "trim_lang.h"

/* line kinds, as letters of the pattern string */
enum {
	TRIM_DELIMITER = 'd',
	TRIM_EMBEDDED = 'b',
	TRIM_EMPTY = 'e',
	TRIM_HEADER = 'h',
	TRIM_QUOTE = 'q',
	TRIM_SIGNATURE = 's',
	TRIM_TEXT = 't',
};

/* ---- character helpers ------------------------------------------------ */

static int lc(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static bool trim_is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool trim_is_word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' ||
	       c >= 0x80;
}

static const char *trim_skip_blanks(const char *p, const char *e)
{
	size_t k;

	while ((k = trim_blank_len(p, e)) > 0)
		p += k;
	return p;
}

/* Skips blanks and any byte of `also` (e.g. ">*"). Runs over every
 * quote marker of every line, so the common bytes are tested inline. */
static const char *skip_blanks_and(const char *p, const char *e, const char *also)
{
	while (p < e) {
		unsigned char c = (unsigned char)*p;
		const char *a;
		size_t k;

		if (c == ' ' || c == '\t') {
			p++;
			continue;
		}
		for (a = also; *a && *a != (char)c; a++)
			;
		if (*a) {
			p++;
			continue;
		}
		if (c < 0x80 || (k = trim_blank_len(p, e)) == 0)
			break;
		p += k;
	}
	return p;
}

/* One UTF-8 character forward (a stray continuation byte is one char). */
static const char *trim_cp_next(const char *p, const char *e)
{
	if (p >= e)
		return e;
	p++;
	while (p < e && ((unsigned char)*p & 0xc0) == 0x80)
		p++;
	return p;
}

/* \b at p, for a range whose text starts at begin. */
static bool word_boundary(const char *begin, const char *p, const char *e)
{
	bool before = p > begin && trim_is_word((unsigned char)p[-1]);
	bool after = p < e && trim_is_word((unsigned char)*p);

	return before != after;
}

/*
 * Matches literal `lit` at p; returns the end or NULL. In `lit`, "\x01"
 * stands for one whitespace character (\s) and "\x02" for \s+. With ci,
 * ASCII letters compare case-insensitively.
 */
static const char *trim_lit(const char *p, const char *e, const char *lit, bool ci)
{
	for (; *lit; lit++) {
		unsigned char l = (unsigned char)*lit;

		if (l == 1 || l == 2) {
			if (p == e || !trim_is_space((unsigned char)*p))
				return NULL;
			p++;
			if (l == 2)
				while (p < e && trim_is_space((unsigned char)*p))
					p++;
			continue;
		}
		if (p == e)
			return NULL;
		if (ci ? lc((unsigned char)*p) != lc(l) : (unsigned char)*p != l)
			return NULL;
		p++;
	}
	return p;
}

/* First occurrence of literal `lit` (no \x01/\x02) in [p, e), or NULL. */
static const char *find_lit(const char *p, const char *e, const char *lit, bool ci)
{
	size_t n = strlen(lit);

	int first;

	if (!ci)
		return memmem(p, (size_t)(e - p), lit, n);
	if (n == 0)
		return p;
	first = lc((unsigned char)lit[0]);
	int upper = first >= 'a' && first <= 'z' ? first - 32 : first;
	/* memchr for either case of the first letter: these searches run over
	 * whole replies several times, so they must not go byte by byte */
	while ((size_t)(e - p) >= n) {
		const char *last = e - n + 1;
		const char *a = memchr(p, first, (size_t)(last - p));
		const char *b = upper != first ? memchr(p, upper, (size_t)((a ? a : last) - p))
					       : NULL;
		const char *c = b ? b : a;
		if (c == NULL)
			return NULL;
		if (trim_lit(c, e, lit, true))
			return c;
		p = c + 1;
	}
	return NULL;
}

static const char *line_end(const char *p, const char *e)
{
	const char *nl;

	if (p >= e)
		return e;
	nl = memchr(p, '\n', (size_t)(e - p));

	return nl ? nl : e;
}

/* Advances up to max characters without crossing a newline; *got = count. */
static const char *cp_advance(const char *p, const char *e, size_t max, size_t *got)
{
	size_t k = 0;

	while (k < max && p < e && *p != '\n') {
		p = trim_cp_next(p, e);
		k++;
	}
	*got = k;
	return p;
}

/* ---- "On <date>, <name> wrote:" in many languages ---------------------- */

enum end_kind {
	END_PLAIN,      /* word, then [[:blank:].:>-]* to end of line */
	END_UPTO_COLON, /* word[^:]+ then the same tail ("schreef Foo <x@y>:") */
	END_OPT_A,      /* word, optional "(a)", then the tail ("napisał(a):") */
};

struct attr_end {
	const char *word;
	enum end_kind kind;
};

/*
 * A line that starts with `starts` + " ", runs over anything that is not
 * one of the `stops` words, and ends with one of the `ends`. The run may
 * span lines (the join pass uses that to glue wrapped attributions).
 */
struct attr_rule {
	const char *starts[3];
	const char *stops[6];
	struct attr_end ends[5];
};

/* clang-format off */
static const struct attr_rule attr_rules[] = {
	/* Chinese */
	{{"\xe5\x9c\xa8"}, {"\xe5\x9c\xa8", "\xe5\x86\x99\xe9\x81\x93"},
	 {{"\xe5\x86\x99\xe9\x81\x93", END_PLAIN}}},
	/* Dutch */
	{{"Op"}, {"Op", "het\x01volgende\x01geschreven", "schreef"},
	 {{"het\x01volgende\x01geschreven", END_PLAIN}, {"schreef", END_UPTO_COLON}}},
	/* English */
	{{"In message"}, {"In message", "writes"}, {{"writes", END_PLAIN}}},
	{{"On", "At"}, {"On", "wrote", "writes", "says", "said"},
	 {{"wrote", END_PLAIN}, {"writes", END_PLAIN}, {"says", END_PLAIN}, {"said", END_PLAIN}}},
	/* French */
	{{"Le"}, {"Le", "nous\x01" "a\x01" "dit", "a\x02\xc3\xa9" "crit"},
	 {{"nous\x01" "a\x01" "dit", END_PLAIN}, {"a\x02\xc3\xa9" "crit", END_PLAIN}}},
	/* German */
	{{"Am"}, {"Am", "schrieben\x01Sie"}, {{"schrieben\x01Sie", END_PLAIN}}},
	{{"Am"}, {"Am", "geschrieben"}, {{"geschrieben", END_PLAIN}, {"schrieb", END_UPTO_COLON}}},
	/* Italian */
	{{"Il"}, {"Il", "ha\x01scritto"}, {{"ha\x01scritto", END_PLAIN}}},
	/* Polish, Slovak */
	{{"Dnia", "D\xc5\x88" "a"}, {"Dnia", "D\xc5\x88" "a", "napisa\xc5\x82"},
	 {{"napisa\xc5\x82", END_OPT_A}}},
	/* Portuguese */
	{{"Em"}, {"Em", "escreveu"}, {{"escreveu", END_PLAIN}}},
	/* Spanish */
	{{"El"}, {"El", "escribi\xc3\xb3"}, {{"escribi\xc3\xb3", END_PLAIN}}},
};
/* clang-format on */

/* [[:blank:].:>-]* then end of line; returns the end of line or NULL. */
static const char *attr_tail(const char *p, const char *e)
{
	p = skip_blanks_and(p, e, ".:>-");
	return (p == e || *p == '\n') ? p : NULL;
}

static bool attr_stop(const struct attr_rule *r, const char *begin, const char *p, const char *e)
{
	const char *q;
	size_t i;

	if (!(p < e && trim_is_word((unsigned char)*p) && word_boundary(begin, p, e)))
		return false;
	for (i = 0; i < 6 && r->stops[i]; i++) {
		q = trim_lit(p, e, r->stops[i], true);
		if (q && !(q < e && trim_is_word((unsigned char)*q)))
			return true;
	}
	return false;
}

/* word[^:]+[[:blank:].:>-]*$ with the regex engine's greedy preference:
 * the end of line furthest to the right that the colon-free run reaches. */
static const char *upto_colon_tail(const char *q, const char *e)
{
	const char *c = memchr(q, ':', (size_t)(e - q));
	const char *l, *nl;

	if (!c)
		c = e;
	if (c == q)
		return NULL;
	l = attr_tail(c, e);
	if (l)
		return l;
	/* else the last newline inside the colon-free run */
	nl = memrchr(q + 1, '\n', (size_t)(c - (q + 1)));
	return nl;
}

static const char *attr_term(const struct attr_rule *r, const char *p, const char *e)
{
	size_t i;

	for (i = 0; i < 5 && r->ends[i].word; i++) {
		const char *q = trim_lit(p, e, r->ends[i].word, true), *t;

		if (!q)
			continue;
		switch (r->ends[i].kind) {
		case END_PLAIN:
			t = attr_tail(q, e);
			break;
		case END_OPT_A:
			t = NULL;
			if ((size_t)(e - q) >= 3 && memcmp(q, "(a)", 3) == 0)
				t = attr_tail(q + 3, e);
			if (!t)
				t = attr_tail(q, e);
			break;
		default:
			t = upto_colon_tail(q, e);
			break;
		}
		if (t)
			return t;
	}
	return NULL;
}

/*
 * Tries attribution rule r at line start ls; returns the end of the match
 * (end of its last line) or NULL. The run may cross at most max_nl
 * newlines: a longer match is left alone by the join pass anyway, and the
 * cap keeps many candidate lines from rescanning the whole text.
 */
static const char *attr_try(const struct attr_rule *r, const char *begin, const char *ls,
			    const char *e, int max_nl)
{
	const char *p = skip_blanks_and(ls, e, "<>-");
	size_t i;

	for (i = 0; i < 3 && r->starts[i]; i++) {
		const char *q = trim_lit(p, e, r->starts[i], true);
		int nl = 0;

		if (!q || q == e || *q != ' ')
			continue;
		q++;
		if (q == e || attr_stop(r, begin, q, e))
			continue;
		if (*q == '\n')
			nl++;
		q = trim_cp_next(q, e);
		for (;;) {
			const char *t = attr_term(r, q, e);

			if (t)
				return t;
			if (q == e || attr_stop(r, begin, q, e))
				break;
			if (*q == '\n' && ++nl > max_nl)
				break;
			q = trim_cp_next(q, e);
		}
	}
	return NULL;
}

static size_t trim_attr_rule_count(void)
{
	return sizeof(attr_rules) / sizeof(attr_rules[0]);
}

static const char *trim_attr_match(size_t rule, const char *begin, const char *ls, const char *e,
				   int max_nl)
{
	return attr_try(&attr_rules[rule], begin, ls, e, max_nl);
}

/* Cheap pre-filter: can rule match anywhere in [p, e)? The text is given
 * with its ASCII letters lowercased (join_all keeps such a copy), so the
 * case-insensitive search is a plain memmem. */
static bool trim_attr_possible(size_t rule, const char *p, const char *e)
{
	const struct attr_rule *r = &attr_rules[rule];
	size_t i;

	for (i = 0; i < 5 && r->ends[i].word; i++) {
		char first[8];
		size_t n = 0;
		const char *w = r->ends[i].word;

		while (w[n] && w[n] != 1 && w[n] != 2 && n < sizeof(first) - 1) {
			first[n] = (char)lc((unsigned char)w[n]);
			n++;
		}
		if (memmem(p, (size_t)(e - p), first, n))
			return true;
	}
	return false;
}

/* dst = src with ASCII letters lowercased. */
static void lower_copy(struct buf *dst, const char *src, size_t len)
{
	buf_reset(dst);
	buf_reserve(dst, len);
	for (size_t i = 0; i < len; i++)
		dst->p[i] = (char)lc((unsigned char)src[i]);
	dst->len = len;
	dst->p[len] = '\0';
}

/* ---- "<date> <name> wrote:" without a leading "On" ---------------------- */

/* Op 10 dec. 2015 18:35 schreef "Arpit Jalan" <info@discourse.org>: */
static const char *const owsm[][2] = {
	{"Op", "schreef"},
	{"Am", "schrieb"},
	{"Den", "skrev"},
	{"s\xc3\xb8n.", "skrev"},
};

static bool on_wrote_someone(const char *ls, const char *e)
{
	const char *p = skip_blanks_and(ls, e, ">");
	const char *colon = memrchr(ls, ':', (size_t)(e - ls));
	size_t i;

	if (!colon)
		return false;
	for (i = 0; i < sizeof(owsm) / sizeof(owsm[0]); i++) {
		const char *q = trim_lit(p, e, owsm[i][0], false), *w;

		if (!q || q == e || !trim_is_space((unsigned char)*q))
			continue;
		q++;
		/* .+ then \s WROTE \s [^:]+ : */
		for (w = q + 1; w < e; w++) {
			const char *x;

			if (!trim_is_space((unsigned char)*w))
				continue;
			x = trim_lit(w + 1, e, owsm[i][1], false);
			if (!x || x == e || !trim_is_space((unsigned char)*x))
				continue;
			x++;
			if (x < e && *x != ':' && colon > x)
				return true;
		}
	}
	return false;
}

/*
 * \d{4}.{1,80}[USER.{0,80}]\n?.{0,80}?WROTE:  (Russian, Polish, Ukrainian)
 * Tried at s (the first of four digits). Returns the match end or NULL;
 * *nl tells whether the match took the optional newline.
 */
struct dsw_rule {
	const char *user; /* NULL: none */
	const char *wrote;
};

static const struct dsw_rule dsw_rules[] = {
	{"\xd0\xbf\xd0\xbe\xd0\xbb\xd1\x8c\xd0\xb7\xd0\xbe\xd0\xb2\xd0\xb0\xd1\x82\xd0\xb5\xd0\xbb\xd1\x8c",
	 "\xd0\xbd\xd0\xb0\xd0\xbf\xd0\xb8\xd1\x81\xd0\xb0\xd0\xbb:"},
	{NULL, "napisa\xc5\x82(a):"},
	{NULL, "\xd0\xbf\xd0\xb8\xd1\x88\xd0\xb5:"},
};

/* lazy .{0,80}? then lit, on one line from p; returns the end or NULL */
static const char *lazy_find(const char *p, const char *e, size_t max, const char *lit)
{
	size_t k;

	for (k = 0; k <= max; k++) {
		const char *q = trim_lit(p, e, lit, false);

		if (q)
			return q;
		if (p == e || *p == '\n')
			return NULL;
		p = trim_cp_next(p, e);
	}
	return NULL;
}

/* .{min,80}\n?.{0,80}?WROTE from p (greedy first part); */
static const char *dsw_tail(const char *p, const char *e, size_t min, const char *wrote, bool *nl)
{
	size_t got, k;
	const char *le = line_end(p, e);
	const char *q;

	cp_advance(p, e, 81, &got);
	/* the newline form: the first part reaches the end of the line */
	if (got <= 80 && got >= min && le < e) {
		q = lazy_find(le + 1, e, 80, wrote);
		if (q) {
			*nl = true;
			return q;
		}
	}
	/* same line: WROTE within [min, 160] characters */
	*nl = false;
	q = p;
	for (k = 0; k < min; k++) {
		if (q == e || *q == '\n')
			return NULL;
		q = trim_cp_next(q, e);
	}
	return lazy_find(q, e, 160 - min, wrote);
}

static bool four_digits(const char *s, const char *e)
{
	return (size_t)(e - s) >= 4 && is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) &&
	       is_digit(s[3]);
}

static const char *trim_dsw_match(size_t rule, const char *s, const char *e, bool *nl)
{
	const struct dsw_rule *r = &dsw_rules[rule];
	const char *p, *u, *best = NULL;
	size_t got;

	*nl = false;
	if (!four_digits(s, e))
		return NULL;
	p = s + 4;
	if (!r->user)
		return dsw_tail(p, e, 1, r->wrote, nl);
	/* .{1,80} is greedy: try the last USER within reach first */
	{
		const char *lim = cp_advance(p, e, 80, &got);
		const char *from = p;

		if (got == 0)
			return NULL;
		from = trim_cp_next(p, e);
		while ((u = find_lit(from, line_end(from, e), r->user, false)) != NULL &&
		       u <= lim) {
			best = u;
			from = trim_cp_next(u, e);
		}
	}
	while (best) {
		const char *t = dsw_tail(best + strlen(r->user), e, 0, r->wrote, nl);
		const char *prev = NULL, *from = trim_cp_next(p, e);

		if (t)
			return t;
		/* the previous USER occurrence */
		while ((u = find_lit(from, best, r->user, false)) != NULL && u < best) {
			prev = u;
			from = trim_cp_next(u, e);
		}
		best = prev;
	}
	return NULL;
}

static size_t trim_dsw_rule_count(void)
{
	return sizeof(dsw_rules) / sizeof(dsw_rules[0]);
}

static bool trim_dsw_possible(size_t rule, const char *p, const char *e)
{
	return find_lit(p, e, dsw_rules[rule].wrote, false) != NULL;
}

/*
 * \d{4}.{1,80}\s?<[^@<>]+@[^@<>.]+\.[^@<>]+>:?$ at s. The address parts
 * and the \s may be newlines (the join pass glues "Name\n<addr>:").
 */
static const char *dse_addr(const char *p, const char *e)
{
	const char *at, *gt, *dot;

	if (p == e || *p != '<')
		return NULL;
	p++;
	at = p;
	while (at < e && *at != '@' && *at != '<' && *at != '>')
		at++;
	if (at == e || *at != '@' || at == p)
		return NULL;
	p = at + 1;
	gt = p;
	while (gt < e && *gt != '@' && *gt != '<' && *gt != '>')
		gt++;
	if (gt == e || *gt != '>')
		return NULL;
	dot = memchr(p, '.', (size_t)(gt - p));
	if (!dot || dot == p || dot + 1 >= gt)
		return NULL;
	p = gt + 1;
	if (p < e && *p == ':' && (p + 1 == e || p[1] == '\n'))
		return p + 1;
	return (p == e || *p == '\n') ? p : NULL;
}

static const char *trim_dse_match(const char *s, const char *e)
{
	const char *p, *pos[81];
	size_t k, n = 0;

	if (!four_digits(s, e))
		return NULL;
	p = s + 4;
	/* positions after 1..80 characters, tried longest first */
	while (n < 80 && p < e && *p != '\n') {
		p = trim_cp_next(p, e);
		pos[n++] = p;
	}
	for (k = n; k-- > 0;) {
		const char *q = pos[k], *t;

		if (q < e && trim_is_space((unsigned char)*q) && (t = dse_addr(q + 1, e)))
			return t;
		if ((t = dse_addr(q, e)))
			return t;
	}
	return NULL;
}

/*
 * ^.+\bwrote\b[[:space:]]+\bon\b.+[^:]+:  (and schrieb/am). In the join
 * pass [[:space:]] and [^:] cross newlines; the greedy engine prefers the
 * first colon after the line over one inside it. *next_colon caches the
 * first colon at or after a position (join pass only; NULL for one line).
 */
static const char *const swod[][2] = {{"wrote", "on"}, {"schrieb", "am"}};

static size_t trim_swod_rule_count(void)
{
	return sizeof(swod) / sizeof(swod[0]);
}

static bool trim_swod_possible(size_t rule, const char *p, const char *e)
{
	return find_lit(p, e, swod[rule][0], false) != NULL;
}

static const char *trim_swod_match(size_t rule, const char *ls, const char *e)
{
	const char *le = line_end(ls, e);
	const char *w, *best = NULL;
	const char *from = ls + 1;

	if (le - ls < 2)
		return NULL;
	/* greedy ^.+ : the last WROTE on the line that works */
	for (;;) {
		const char *q, *o, *oe, *c, *cl, *r = NULL;

		w = from < le ? find_lit(from, le, swod[rule][0], false) : NULL;
		if (!w)
			break;
		from = w + 1;
		q = w + strlen(swod[rule][0]);
		if (!word_boundary(ls, w, e) || (q < e && trim_is_word((unsigned char)*q)))
			continue;
		o = q;
		while (o < e && trim_is_space((unsigned char)*o))
			o++;
		if (o == q)
			continue;
		oe = trim_lit(o, e, swod[rule][1], false);
		if (!oe || (oe < e && trim_is_word((unsigned char)*oe)))
			continue;
		/* .+ needs a character on the line of "on" */
		cl = line_end(oe, e);
		if (oe == cl)
			continue;
		c = cl < e ? memchr(cl, ':', (size_t)(e - cl)) : NULL;
		if (c) {
			r = c + 1;
		} else {
			/* the last colon on the line with a non-colon before it */
			const char *x;

			for (x = cl; x > oe + 1; x--)
				if (x[-1] == ':' && x - 1 >= oe + 2 && x[-2] != ':') {
					r = x;
					break;
				}
		}
		if (r)
			best = r;
	}
	return best;
}

/* ---- the one-line matchers -------------------------------------------- */

/* 2016-03-03 17:21 GMT+01:00 Some One */
static bool iso_date_someone(const char *p, const char *e)
{
	static const char shape[] = "20dd-dd-dd dd:dd GMT+dd:dd ";
	const char *s;

	p = skip_blanks_and(p, e, ">");
	for (s = shape; *s; s++, p++) {
		if (p == e)
			return false;
		if (*s == 'd' ? !is_digit((unsigned char)*p) : *p != *s)
			return false;
	}
	if (p == e)
		return false;
	while (p < e) {
		size_t k = trim_blank_len(p, e);

		if (k)
			p += k;
		else if (trim_is_word((unsigned char)*p))
			p++;
		else
			return false;
	}
	return true;
}

/* codinghorror via Discourse Meta wrote: */
static bool someone_via_wrote(const char *ls, const char *e)
{
	const char *v = ls + 1 < e ? memmem(ls + 1, (size_t)(e - ls - 1), " via ", 5) : NULL;
	const char *t = e, *b;
	size_t i;
	static const char *const words[] = {" wrote", " schrieb"};

	if (!v)
		return false;
	/* strip [[:blank:]]* (ASCII) and one ':' from the end */
	while (t > ls && (t[-1] == ' ' || t[-1] == '\t'))
		t--;
	if (t > ls && t[-1] == ':')
		t--;
	for (i = 0; i < 2; i++) {
		size_t n = strlen(words[i]);

		b = t - n;
		if ((size_t)(t - ls) >= n && memcmp(b, words[i], n) == 0 && b >= v + 6)
			return true;
	}
	return false;
}

static bool email_char(unsigned char c)
{
	return trim_is_word(c) || c == '.' || c == '+' || c == '-';
}

/* Some One <info@discourse.org> wrote: */
static bool someone_email_wrote(const char *ls, const char *e)
{
	const char *w = e, *a;

	if (w > ls && w[-1] == ':')
		w--;
	if (w - ls < 5 || memcmp(w - 5, "wrote", 5) != 0)
		return false;
	w -= 5;
	for (a = ls; (a = memchr(a, '@', (size_t)(w - a))) != NULL; a++) {
		const char *t = a, *d, *x;
		bool left = false;

		/* [\w.+-]+ before '@' starting at a \b with a character before */
		while (t > ls && email_char((unsigned char)t[-1])) {
			t--;
			if (t > ls && word_boundary(ls, t, e))
				left = true;
		}
		if (!left)
			continue;
		/* [\w.-]+\.\w{2,}\b then .+ before "wrote" */
		for (d = a + 1;
		     d < w && (trim_is_word((unsigned char)*d) || *d == '.' || *d == '-'); d++) {
			if (*d != '.' || d == a + 1)
				continue;
			x = d + 1;
			while (x < e && trim_is_word((unsigned char)*x))
				x++;
			if (x - (d + 1) >= 2 && x < w)
				return true;
		}
	}
	return false;
}

/* Posted by mpalmer on 01/21/2016 */
static bool posted_by(const char *p, const char *e)
{
	static const char shape[] = " on dd/dd/dddd";
	const char *t, *s;

	p = skip_blanks_and(p, e, ">");
	p = trim_lit(p, e, "posted by ", true);
	if (!p || (size_t)(e - p) < sizeof(shape))
		return false;
	t = e - (sizeof(shape) - 1);
	for (s = shape; *s; s++, t++)
		if (*s == 'd' ? !is_digit((unsigned char)*t) : lc((unsigned char)*t) != *s)
			return false;
	return true;
}

/* ----- Original Message ----- and friends */
static bool dashed_marker(const char *p, const char *e, const char *const *words)
{
	const char *q, *r;
	size_t i;

	p = skip_blanks_and(p, e, ">*");
	for (q = p; q < e && *q == '-'; q++)
		;
	if (q - p < 2)
		return false;
	q = trim_skip_blanks(q, e);
	for (i = 0; words[i]; i++) {
		r = trim_lit(q, e, words[i], true);
		if (!r)
			continue;
		r = trim_skip_blanks(r, e);
		if (e - r >= 2 && r[0] == '-' && r[1] == '-')
			return true;
	}
	return false;
}

static bool forwarded(const char *ls, const char *e)
{
	static const char *const words[] = {
		"Forwarded Message",
		"Original Message",
		"Reply Message",
		"Message transf\xc3\xa9r\xc3\xa9",
		"Urspr\xc3\xbcngliche Nachricht",
		"Mensaje original",
		"\xe5\x8e\x9f\xe5\xa7\x8b\xe9\x82\xae\xe4\xbb\xb6",
		NULL,
	};
	const char *p = skip_blanks_and(ls, e, ">");

	if (trim_lit(p, e, "Begin forwarded message:", true) ||
	    trim_lit(p, e,
		     "D\xc3\xa9"
		     "but du message transf\xc3\xa9r\xc3\xa9 :",
		     true))
		return true;
	return dashed_marker(ls, e, words);
}

static bool embedded(const char *ls, const char *e)
{
	size_t i;
	const char *s;
	bool nl, dsw[3], dse;

	for (i = 0; i < trim_attr_rule_count(); i++)
		if (trim_attr_match(i, ls, ls, e, 0))
			return true;
	if (on_wrote_someone(ls, e))
		return true;
	/* the digit-anchored rules run only when their words are present in the
	 * few lines an attribution can span: looking to the end of the text
	 * from every line made trimming quadratic in the length of a reply */
	const char *we = ls;
	for (int k = 0; k < 6 && we < e; k++)
		we = line_end(we, e) + (line_end(we, e) < e);
	for (i = 0; i < trim_dsw_rule_count(); i++)
		dsw[i] = trim_dsw_possible(i, ls, we);
	dse = memchr(ls, '@', (size_t)(we - ls)) && memchr(ls, '<', (size_t)(we - ls));
	for (s = ls; (dsw[0] || dsw[1] || dsw[2] || dse) && s + 4 <= e; s++) {
		if (!is_digit((unsigned char)*s))
			continue;
		for (i = 0; i < trim_dsw_rule_count(); i++)
			if (dsw[i] && trim_dsw_match(i, s, e, &nl))
				return true;
		if (dse && trim_dse_match(s, e))
			return true;
	}
	for (i = 0; i < trim_swod_rule_count(); i++)
		if (trim_swod_match(i, ls, e))
			return true;
	return iso_date_someone(ls, e) || someone_via_wrote(ls, e) || someone_email_wrote(ls, e) ||
	       posted_by(ls, e) || forwarded(ls, e);
}

/* ---- mobile signatures ------------------------------------------------ */

static bool signature_plain(const char *ls, const char *e)
{
	static const char *const prefixes[] = {
		"\xe5\xbe\x9e\xe6\x88\x91\xe7\x9a\x84 iPhone \xe5\x82\xb3\xe9\x80\x81",
		"Get Outlook for ",
		"Envoy\xc3\xa9 depuis mon",
		"Envoy\xc3\xa9 depuis Yahoo Mail",
		"ENVOY\xc3\x89 DEPUIS MON",
		"Inviato da ",
		"Sendt fra min ",
		"Enviado do meu ",
		"Enviado desde mi ",
		"Verzonden met ",
		"Verstuurd vanaf mijn ",
		"fr\xc3\xa5n min ",
		"Fr\xc3\xa5n min ",
		"FR\xc3\x85N MIN ",
		/* iOS/Android strings Discourse lacks */
		"Envoy\xc3\xa9 de mon ",
		"Verzonden vanaf mijn ",
		"Skickat fr\xc3\xa5n min ",
		"iPhone\xe3\x81\x8b\xe3\x82\x89\xe9\x80\x81\xe4\xbf\xa1",
		NULL,
	};
	static const char *const sent[] = {"from ", "via ", "with ", "by ", NULL};
	const char *p = trim_skip_blanks(ls, e), *q;
	size_t i;

	for (i = 0; prefixes[i]; i++)
		if (trim_lit(p, e, prefixes[i], true))
			return true;
	/* [[:word:]]+ from mobile */
	for (q = p; q < e && trim_is_word((unsigned char)*q); q++)
		;
	if (q > p && trim_lit(q, e, " from mobile", true))
		return true;
	/* [(<]*Sent (from|via|with|by) .+ */
	for (q = p; q < e && (*q == '(' || *q == '<'); q++)
		;
	if ((q = trim_lit(q, e, "sent ", true)) != NULL)
		for (i = 0; sent[i]; i++) {
			const char *r = trim_lit(q, e, sent[i], true);

			if (r && r < e)
				return true;
		}
	/* From my .{1,20} */
	if ((q = trim_lit(p, e, "from my ", true)) && q < e)
		return true;
	/* Von meinem .+ gesendet, Diese Nachricht wurde von .+ gesendet */
	if ((q = trim_lit(p, e, "von meinem ", true)) && q < e &&
	    find_lit(q + 1, e, " gesendet", true))
		return true;
	if ((q = trim_lit(p, e, "diese nachricht wurde von ", true)) && q < e &&
	    find_lit(q + 1, e, " gesendet", true))
		return true;
	return false;
}

/* Markdown links [text](url) count as their text. */
static bool signature(const char *ls, const char *e, struct buf *scratch)
{
	const char *p, *close = NULL, *rp = NULL;

	if (!memmem(ls, (size_t)(e - ls), "](", 2))
		return signature_plain(ls, e);
	buf_reset(scratch);
	for (p = ls; p < e;) {
		if (*p != '[') {
			buf_addc(scratch, *p++);
			continue;
		}
		if (!close || close <= p) {
			close = memchr(p + 1, ']', (size_t)(e - p - 1));
			/* the ")" that would end a link closed by this "]", looked
			 * up once per "]" so runs of "[" stay linear */
			rp = close && e - close >= 4 && close[1] == '(' && close[2] != ')'
				     ? memchr(close + 2, ')', (size_t)(e - close - 2))
				     : NULL;
		}
		if (!close) {
			buf_add(scratch, p, (size_t)(e - p));
			break;
		}
		if (close > p + 1 && rp) {
			buf_add(scratch, p + 1, (size_t)(close - p - 1));
			p = rp + 1;
			continue;
		}
		buf_addc(scratch, *p++);
	}
	return signature_plain(buf_str(scratch), buf_str(scratch) + scratch->len);
}

/* ---- Outlook-style header blocks -------------------------------------- */

static bool header_line(const char *ls, const char *e)
{
	static const char *const dated[] = {
		"Sendt",   "Sent",     "Date",
		"Le",      "Gesendet", "Enviada em",
		"Enviado", "Fecha",    "Data",
		"Datum",   "Skickat",  "\xe5\x8f\x91\xe9\x80\x81\xe6\x97\xb6\xe9\x97\xb4",
		NULL,
	};
	/* clang-format off */
	static const char *const texted[] = {
		"Fra", "Til", "Emne", "From", "To", "Cc", "Reply-To", "Subject", "De",
		"Exp\xc3\xa9" "diteur", "\xc3\x80", "\xc3\xa0", "Destinataire",
		"R\xc3\xa9pondre \xc3\xa0", "Objet", "Von", "An", "Betreff", "Para", "Assunto",
		"Asunto", "Da", "Risposta", "A", "Oggetto", "Van", "Beantwoorden - Aan", "Aan",
		"Onderwerp", "Fr\xc3\xa5n", "Till", "\xc3\x84mne", "\xc3\xa4mne",
		"\xe5\x8f\x91\xe4\xbb\xb6\xe4\xba\xba", "\xe6\x94\xb6\xe4\xbb\xb6\xe4\xba\xba",
		"\xe4\xb8\xbb\xe9\xa2\x98", NULL,
	};
	/* clang-format on */
	const char *p = skip_blanks_and(ls, e, "*"), *q;
	size_t i;
	bool is_dated;

	/* the language table's labels (trim_lang.c), bold or not */
	if ((q = trim_lang_label(ls, e, &is_dated)) != NULL) {
		for (; q < e; q++)
			if (is_dated ? is_digit((unsigned char)*q)
				     : trim_is_word((unsigned char)*q))
				return true;
	}
	for (i = 0; dated[i]; i++) {
		q = trim_lit(p, e, dated[i], false);
		if (!q)
			continue;
		q = skip_blanks_and(q, e, "*");
		if (q < e && *q == ':')
			for (q++; q < e; q++)
				if (is_digit((unsigned char)*q))
					return true;
	}
	for (i = 0; texted[i]; i++) {
		q = trim_lit(p, e, texted[i], true);
		if (!q)
			continue;
		q = skip_blanks_and(q, e, "*");
		if (q < e && *q == ':')
			for (q++; q < e; q++)
				if (trim_is_word((unsigned char)*q))
					return true;
	}
	return false;
}

/* ---- classification --------------------------------------------------- */

static bool empty_line(const char *p, const char *e)
{
	return trim_skip_blanks(p, e) == e;
}

/* [[:blank:]]*[-_,=+~#*ᐧ—]+[[:blank:]]*$ */
static bool delimiter(const char *p, const char *e)
{
	const char *start;

	p = trim_skip_blanks(p, e);
	start = p;
	while (p < e) {
		if (strchr("-_,=+~#*", *p) && *p) {
			p++;
		} else if (e - p >= 3 && !memcmp(p, "\xe1\x90\xa7", 3)) {
			p += 3;
		} else if (e - p >= 3 && !memcmp(p, "\xe2\x80\x94", 3)) {
			p += 3;
		} else {
			break;
		}
	}
	if (p == start)
		return false;
	return trim_skip_blanks(p, e) == e;
}

static bool quote(const char *p, const char *e)
{
	p = trim_skip_blanks(p, e);
	return p < e && *p == '>';
}

static char trim_classify(const char *ls, const char *e, struct buf *scratch)
{
	if (empty_line(ls, e))
		return TRIM_EMPTY;
	if (delimiter(ls, e))
		return TRIM_DELIMITER;
	if (signature(ls, e, scratch))
		return TRIM_SIGNATURE;
	if (embedded(ls, e))
		return TRIM_EMBEDDED;
	if (header_line(ls, e))
		return TRIM_HEADER;
	if (quote(ls, e))
		return TRIM_QUOTE;
	return TRIM_TEXT;
}

/* ---- clean-up passes: each reads `in` and writes the result to `out` --- */

static bool all_space(const char *p, const char *e)
{
	for (; p < e; p++)
		if (!trim_is_space((unsigned char)*p))
			return false;
	return true;
}

/* "\r+\n" becomes "\n". */
static void pass_newlines(const char *p, size_t n, struct buf *out)
{
	const char *e = p + n;

	while (p < e) {
		const char *cr = memchr(p, '\r', (size_t)(e - p)), *q;

		if (!cr) {
			buf_add(out, p, (size_t)(e - p));
			break;
		}
		buf_add(out, p, (size_t)(cr - p));
		for (q = cr; q < e && *q == '\r'; q++)
			;
		if (q < e && *q == '\n')
			p = q;
		else {
			buf_add(out, cr, (size_t)(q - cr));
			p = q;
		}
	}
}

/* PGP clear-signing armour around the message and its signature block. */
static void pass_pgp(const char *t, size_t n, struct buf *out)
{
	const char *p = t, *e = t + n, *q, *b, *end = NULL, *x;

	q = trim_lit(p, e, "-----BEGIN PGP SIGNED MESSAGE-----\n", true);
	if (q) {
		const char *h = trim_lit(q, e, "Hash: ", true), *r = q;

		if (h && h < e && trim_is_word((unsigned char)*h)) {
			while (h < e && trim_is_word((unsigned char)*h))
				h++;
			if (h < e && trim_is_space((unsigned char)*h))
				r = h;
		}
		if (r < e && trim_is_space((unsigned char)*r)) {
			while (r < e && trim_is_space((unsigned char)*r))
				r++;
			p = r;
		}
	}
	/* ^-----BEGIN PGP SIGNATURE-----$ ... the last ^-----END PGP SIGNATURE----- */
	for (b = p; b < e; b = line_end(b, e) + 1) {
		const char *le = line_end(b, e);

		if (le - b == 29 && memcmp(b, "-----BEGIN PGP SIGNATURE-----", 29) == 0)
			break;
		if (le == e) {
			b = e;
			break;
		}
	}
	if (b < e) {
		for (x = line_end(b, e); x < e; x = line_end(x + 1, e))
			if ((size_t)(e - (x + 1)) >= 27 &&
			    memcmp(x + 1, "-----END PGP SIGNATURE-----", 27) == 0)
				end = x + 1 + 27;
	}
	if (end) {
		buf_add(out, p, (size_t)(b - p));
		buf_add(out, end, (size_t)(e - end));
	} else {
		buf_add(out, p, (size_t)(e - p));
	}
}

/* ^Unsubscribe: .+@.+(\n.+http:.+)?\s*\z, a mailing-list footer. */
static void pass_unsubscribe(const char *t, size_t n, struct buf *out)
{
	const char *e = t + n, *ls;

	for (ls = t; ls < e; ls = line_end(ls, e) + 1) {
		const char *le = line_end(ls, e), *q = trim_lit(ls, le, "Unsubscribe: ", true), *a;
		bool ok = false;

		if (q && le - q >= 3 && (a = memchr(q + 1, '@', (size_t)(le - q - 2))) != NULL) {
			if (all_space(le, e)) {
				ok = true;
			} else {
				const char *l2 = le + 1, *le2 = line_end(l2, e);

				for (q = l2 + 1; !ok && q + 5 < le2; q++)
					if (trim_lit(q, le2, "http:", true))
						ok = all_space(le2, e);
			}
		}
		if (ok) {
			buf_add(out, t, (size_t)(ls - t));
			return;
		}
		if (le == e)
			break;
	}
	buf_add(out, t, n);
}

/* ^.*>{5} "[^"\n]+" == .+ writes:  (alias-style attribution) is removed. */
static const char *alias_marker_end(const char *ls, const char *le)
{
	const char *p;

	for (p = ls; p + 7 <= le; p++) {
		const char *q, *w, *last = NULL;

		if (memcmp(p, ">>>>> \"", 7) != 0)
			continue;
		q = memchr(p + 7, '"', (size_t)(le - p - 7));
		if (!q || q == p + 7 || !trim_lit(q + 1, le, " == ", false))
			continue;
		for (w = q + 5; w < le && (w = memmem(w + 1, (size_t)(le - w - 1), " writes:", 8));)
			last = w;
		if (last)
			return last + 8;
	}
	return NULL;
}

static void pass_alias(const char *t, size_t n, struct buf *out)
{
	const char *e = t + n, *ls, *le;

	for (ls = t; ls <= e; ls = le + 1) {
		const char *m;

		le = line_end(ls, e);
		m = memmem(ls, (size_t)(le - ls), ">>>>> \"", 7) ? alias_marker_end(ls, le) : NULL;
		buf_add(out, m ? m : ls, (size_t)(le - (m ? m : ls)));
		if (le == e)
			break;
		buf_addc(out, '\n');
	}
}

/* Line table over a text, for the passes that look at whole lines. */
struct lines {
	const char **s, **e;
	size_t n;
};

static void lines_split(const char *t, size_t n, struct lines *L)
{
	const char *e = t + n, *p = t;
	size_t cap = 16;

	L->n = 0;
	L->s = xmalloc(cap * sizeof(*L->s));
	L->e = xmalloc(cap * sizeof(*L->e));
	for (;;) {
		const char *le = line_end(p, e);

		if (L->n == cap) {
			cap *= 2;
			L->s = xrealloc(L->s, cap * sizeof(*L->s));
			L->e = xrealloc(L->e, cap * sizeof(*L->e));
		}
		L->s[L->n] = p;
		L->e[L->n++] = le;
		if (le == e)
			break;
		p = le + 1;
	}
}

static void lines_free(struct lines *L)
{
	free(L->s);
	free(L->e);
}

static bool only_char_then_blanks(const char *p, const char *e, char c, size_t min)
{
	const char *q = p;

	while (q < e && *q == c)
		q++;
	return (size_t)(q - p) >= min && trim_skip_blanks(q, e) == e;
}

/* Does line [p, e) read "<<< ?NAME ?<<<"? */
static bool enclosed_close(const char *p, const char *e, const char *name, size_t nl)
{
	size_t len = (size_t)(e - p), pad;

	if (len < 6 + nl || memcmp(p, "<<<", 3) != 0 || memcmp(e - 3, "<<<", 3) != 0)
		return false;
	pad = len - 6 - nl;
	if (pad > 2)
		return false;
	p += 3;
	if (pad && *p == ' ' && memcmp(p + 1, name, nl) == 0 && (pad == 1 || p[1 + nl] == ' '))
		return true;
	if (pad <= 1 && memcmp(p, name, nl) == 0 && (pad == 0 || p[nl] == ' '))
		return true;
	return false;
}

/*
 * ">>> name >>>" ... "<<< name <<<" and ">>>>" ... "<<<<" blocks become
 * "> " quotes. `named` selects the first form.
 */
static void pass_enclosed(const char *t, size_t n, struct buf *out, bool named)
{
	struct lines L;
	size_t i, j, *closers = NULL, nclosers = 0, c = 0;

	lines_split(t, n, &L);
	closers = xmalloc(L.n * sizeof(*closers));
	for (i = 0; i < L.n; i++) {
		size_t len = (size_t)(L.e[i] - L.s[i]);

		if (named ? (len >= 6 && !memcmp(L.s[i], "<<<", 3) && !memcmp(L.e[i] - 3, "<<<", 3))
			  : only_char_then_blanks(L.s[i], L.e[i], '<', 4))
			closers[nclosers++] = i;
	}
	for (i = 0; i < L.n; i++) {
		const char *s = L.s[i], *e = L.e[i], *name = NULL;
		size_t len = (size_t)(e - s), nl = 0, found = L.n;

		if (nclosers && named && len >= 7 && !memcmp(s, ">>>", 3) &&
		    !memcmp(e - 3, ">>>", 3)) {
			name = s + 3;
			nl = len - 6;
			if (*name == ' ' && nl > 1) {
				name++;
				nl--;
			}
		}
		if (nclosers && (name || (!named && only_char_then_blanks(s, e, '>', 4)))) {
			while (c < nclosers && closers[c] < i + 2)
				c++;
			for (j = c; j < nclosers && found == L.n; j++) {
				size_t k = closers[j];

				if (k == i + 2 && L.e[i + 1] == L.s[i + 1])
					continue;
				if (!name || enclosed_close(L.s[k], L.e[k], name, nl) ||
				    (nl > 1 && name[nl - 1] == ' ' &&
				     enclosed_close(L.s[k], L.e[k], name, nl - 1)))
					found = k;
			}
		}
		if (found < L.n) {
			for (j = i + 1; j < found; j++) {
				buf_adds(out, "> ");
				buf_add(out, L.s[j], (size_t)(L.e[j] - L.s[j]));
				buf_addc(out, '\n');
			}
			i = found;
			if (i + 1 == L.n)
				out->len--, out->p[out->len] = '\0';
			continue;
		}
		buf_add(out, s, len);
		if (i + 1 < L.n)
			buf_addc(out, '\n');
	}
	free(closers);
	lines_free(&L);
}

static bool is_alpha_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/*
 * Quote markers "JD> ", "| " and "> | >" become ">": the prefix
 * ([[:blank:]]*[[:alpha:]]*[>|])+ has "word>" and "|" rewritten to ">".
 * The rewrite is applied only when the result starts as a quote.
 */
static void pass_quote_marks(const char *t, size_t n, struct buf *out)
{
	const char *e = t + n, *ls, *le;

	for (ls = t; ls <= e; ls = le + 1) {
		const char *p = ls, *end = ls, *q;
		bool changed = false;

		le = line_end(ls, e);
		for (;;) {
			q = trim_skip_blanks(p, le);
			while (q < le && is_alpha_byte((unsigned char)*q))
				q++;
			if (q < le && (*q == '>' || *q == '|')) {
				if (*q == '|' || q > trim_skip_blanks(p, le))
					changed = true;
				p = end = q + 1;
			} else {
				break;
			}
		}
		if (changed) {
			/* rewrite, then keep it only if the line now reads as a quote */
			size_t mark = out->len;
			const char *r = ls;

			while (r < end) {
				size_t k = trim_blank_len(r, end);

				if (k) {
					buf_add(out, r, k);
					r += k;
					continue;
				}
				if (*r == '|') {
					buf_addc(out, '>');
					r++;
					continue;
				}
				q = r;
				while (q < end && is_alpha_byte((unsigned char)*q))
					q++;
				if (q > r && q < end && *q == '>') {
					buf_addc(out, '>');
					r = q + 1;
					continue;
				}
				buf_add(out, r, (size_t)(q > r ? q - r : 1));
				r = q > r ? q : r + 1;
			}
			{
				const char *o = out->p + mark, *oe = out->p + out->len;

				o = trim_skip_blanks(o, oe);
				if (o < oe && *o == '>') {
					buf_add(out, end, (size_t)(le - end));
				} else {
					buf_truncate(out, mark);
					buf_add(out, ls, (size_t)(le - ls));
				}
			}
		} else {
			buf_add(out, ls, (size_t)(le - ls));
		}
		if (le == e)
			break;
		buf_addc(out, '\n');
	}
}

/* Does [p, e) read as a separator: a dashed reply or forward marker of
 * the language table, or a long run of underscores? */
static bool separator_at(const char *p, const char *e, struct buf *nb)
{
	const char *q = p;

	if (*p == '_') {
		while (q < e && *q == '_')
			q++;
		return q - p >= 8 && trim_skip_blanks(q, e) == e;
	}
	trim_lang_norm(p, e, nb);
	return trim_lang_dashed(trim_original_markers, trim_noriginal_markers, nb->p, nb->len) ||
	       trim_lang_dashed(trim_forward_dashed, trim_nforward_dashed, nb->p, nb->len);
}

/* Text on the line of a separator ("Thanks!-----Original Message-----",
 * "Ok. ________________") goes on a line of its own: the text is the
 * person's, the separator still ends the reply. */
static void pass_split_separators(const char *t, size_t n, struct buf *out)
{
	const char *e = t + n, *ls, *le;
	struct buf nb = BUF_INIT;

	for (ls = t; ls <= e; ls = le + 1) {
		const char *first, *r, *cut = NULL;

		le = line_end(ls, e);
		first = trim_skip_blanks(ls, le);
		/* a separator ends its line with dashes or underscores; a few
		 * candidates a line keep this linear */
		const char *te = le;
		int tries = 0;

		while (te > ls && trim_is_space((unsigned char)te[-1]))
			te--;
		if (first < le && *first != '>' && le - ls < 2000 && te - ls >= 2 &&
		    (te[-1] == '-' || te[-1] == '_') && te[-2] == te[-1]) {
			for (r = first + 1; r + 1 < le && !cut && tries < 8; r++) {
				if (!((*r == '-' && r[1] == '-') || (*r == '_' && r[1] == '_')) ||
				    r[-1] == *r)
					continue;
				tries++;
				if (separator_at(r, le, &nb))
					cut = r;
			}
		}
		if (cut) {
			const char *b = cut;

			while (b > ls && trim_is_space((unsigned char)b[-1]))
				b--;
			buf_add(out, ls, (size_t)(b - ls));
			buf_addc(out, '\n');
			buf_add(out, cut, (size_t)(le - cut));
		} else {
			buf_add(out, ls, (size_t)(le - ls));
		}
		if (le == e)
			break;
		buf_addc(out, '\n');
	}
	buf_free(&nb);
}

/* Copies a matched attribution, its line breaks ("\n+[[:space:]]*") turned
 * into single spaces unless it spans more than four lines. */
static void join_copy(const char *s, const char *e, struct buf *out)
{
	const char *p;
	int nl = 0;

	for (p = s; p < e; p++)
		if (*p == '\n')
			nl++;
	if (nl == 0 || nl > 4) {
		buf_add(out, s, (size_t)(e - s));
		return;
	}
	for (p = s; p < e;) {
		if (*p != '\n') {
			buf_addc(out, *p++);
			continue;
		}
		while (p < e && trim_is_space((unsigned char)*p))
			p++;
		buf_addc(out, ' ');
	}
}

enum join_kind { JOIN_ATTR, JOIN_SWOD, JOIN_DSW, JOIN_DSE };

/*
 * One global substitution: every leftmost, non-overlapping match of the
 * rule is copied through join_copy(). Line-anchored rules are tried at line
 * starts, the date rules at each run of four digits.
 */
static bool join_pass(const char *t, size_t n, struct buf *out, enum join_kind kind, size_t rule)
{
	const char *e = t + n, *p = t, *copied = t;
	bool any = false;

	while (p < e) {
		const char *m = NULL;
		bool nl;

		switch (kind) {
		case JOIN_ATTR:
			m = trim_attr_match(rule, t, p, e, 4);
			break;
		case JOIN_SWOD:
			m = trim_swod_match(rule, p, e);
			break;
		case JOIN_DSW:
			m = is_digit((unsigned char)*p) ? trim_dsw_match(rule, p, e, &nl) : NULL;
			break;
		case JOIN_DSE:
			m = is_digit((unsigned char)*p) ? trim_dse_match(p, e) : NULL;
			break;
		}
		if (m && m > p) {
			buf_add(out, copied, (size_t)(p - copied));
			join_copy(p, m, out);
			copied = p = m;
			any = true;
			if (kind == JOIN_ATTR || kind == JOIN_SWOD) {
				/* ^ only matches at the next line start */
				p = line_end(p, e);
				if (p < e)
					p++;
			}
			continue;
		}
		if (kind == JOIN_ATTR || kind == JOIN_SWOD) {
			p = line_end(p, e);
			if (p < e)
				p++;
		} else {
			p++;
		}
	}
	buf_add(out, copied, (size_t)(e - copied));
	return any;
}

/* Runs a pass from cur into tmp and swaps them. */
#define RUN_PASS(fn, ...)                                                                          \
	do {                                                                                       \
		buf_reset(&tmp);                                                                   \
		fn(cur.p ? cur.p : "", cur.len, &tmp, ##__VA_ARGS__);                              \
		swap = cur;                                                                        \
		cur = tmp;                                                                         \
		tmp = swap;                                                                        \
	} while (0)

static void join_all(struct buf *cur, struct buf *tmp)
{
	size_t i;
	struct buf swap;
	struct {
		enum join_kind kind;
		size_t count;
	} order[] = {
		{JOIN_ATTR, trim_attr_rule_count()},
		{JOIN_SWOD, trim_swod_rule_count()},
		{JOIN_DSW, trim_dsw_rule_count()},
		{JOIN_DSE, 1},
	};
	size_t k;
	struct buf low = BUF_INIT;
	int low_stale = 1;

	for (k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		for (i = 0; i < order[k].count; i++) {
			const char *s = cur->p ? cur->p : "", *e = s + cur->len;
			bool possible = false;

			switch (order[k].kind) {
			case JOIN_ATTR:
				if (low_stale) {
					lower_copy(&low, s, cur->len);
					low_stale = 0;
				}
				possible = trim_attr_possible(i, low.p, low.p + low.len);
				break;
			case JOIN_SWOD:
				possible = trim_swod_possible(i, s, e);
				break;
			case JOIN_DSW:
				possible = trim_dsw_possible(i, s, e);
				break;
			case JOIN_DSE:
				possible = memchr(s, '@', cur->len) && memchr(s, '\n', cur->len);
				break;
			}
			if (!possible)
				continue;
			buf_reset(tmp);
			if (join_pass(s, cur->len, tmp, order[k].kind, i)) {
				swap = *cur;
				*cur = *tmp;
				*tmp = swap;
				low_stale = 1;
			}
		}
	}
	buf_free(&low);
}

/* ---- the decision over the pattern string ----------------------------- */

/* One unit of the text: a line, or a whole fenced code block. */
struct unit {
	const char *s;
	size_t len;
};

/* The kept units, as indexes into the unit table, and their letters. */
struct pattern {
	char *c;
	size_t *idx;
	size_t n;
};

static void pat_cut(struct pattern *P, size_t n)
{
	if (n < P->n)
		P->n = n;
}

static void pat_drop(struct pattern *P, char kind)
{
	size_t i, j = 0;

	for (i = 0; i < P->n; i++)
		if (P->c[i] != kind) {
			P->c[j] = P->c[i];
			P->idx[j++] = P->idx[i];
		}
	P->n = j;
}

/* Removes units [from, to) of the pattern. */
static void pat_remove(struct pattern *P, size_t from, size_t to)
{
	memmove(P->c + from, P->c + to, P->n - to);
	memmove(P->idx + from, P->idx + to, (P->n - to) * sizeof(*P->idx));
	P->n -= to - from;
}

static void pat_keep_from(struct pattern *P, size_t from)
{
	memmove(P->c, P->c + from, P->n - from);
	memmove(P->idx, P->idx + from, (P->n - from) * sizeof(*P->idx));
	P->n -= from;
}

static bool in_set(char c, const char *set)
{
	return c && strchr(set, c);
}

/* Applies Discourse's rules, in its order, to P. */
static void trim_pattern(struct pattern *P)
{
	char *c = P->c;
	size_t i, j, k, n;
	char *d;

	/* everything after the first delimiter goes */
	d = memchr(c, TRIM_DELIMITER, P->n);
	if (d)
		pat_cut(P, (size_t)(d - c));
	pat_drop(P, TRIM_SIGNATURE);
	n = P->n;

	/* reply at the end, below the quote: ^b[^t]+t[et]*$ */
	if (n >= 3 && c[0] == TRIM_EMBEDDED && c[1] != TRIM_TEXT) {
		size_t first_t = 1;

		while (first_t < n && c[first_t] != TRIM_TEXT)
			first_t++;
		for (i = first_t; i < n && in_set(c[i], "et"); i++)
			;
		if (first_t < n && i == n) {
			pat_keep_from(P, first_t);
			return; /* Discourse empties the pattern: no rule applies any more */
		}
	}

	/* an embedded-mail marker after text and not followed by a quote:
	 * te*b[^q]*$ keeps up to the text line */
	{
		bool q_after = false;
		size_t found = n;

		for (i = n; i-- > 0;) {
			if (c[i] == TRIM_QUOTE)
				q_after = true;
			if (c[i] == TRIM_EMBEDDED && !q_after) {
				for (j = i; j > 0 && c[j - 1] == TRIM_EMPTY; j--)
					;
				if (j > 0 && c[j - 1] == TRIM_TEXT)
					found = j - 1;
			}
		}
		if (found < n) {
			pat_cut(P, found + 1);
			n = P->n;
		}
	}

	/* a marker followed by a long quote: te*b[eqbh]*([te]*)$, with fewer
	 * than seven text lines in the tail. Discourse cuts the tail too;
	 * here text below a quoted original is the person's ("Regards,
	 * Roman" under the quote), so only the marker and its quote go. */
	if (n) {
		size_t *tail_t = xmalloc((n + 1) * sizeof(*tail_t));
		size_t *next_other = xmalloc((n + 1) * sizeof(*next_other));
		bool *all_te = xmalloc((n + 1) * sizeof(*all_te));
		size_t found = n, fb = n, fk = n;

		tail_t[n] = 0;
		all_te[n] = true;
		next_other[n] = n;
		for (i = n; i-- > 0;) {
			all_te[i] = all_te[i + 1] && in_set(c[i], "te");
			tail_t[i] = tail_t[i + 1] + (c[i] == TRIM_TEXT);
			next_other[i] = in_set(c[i], "eqbh") ? next_other[i + 1] : i;
		}
		for (i = 0; i < n && found == n; i++) {
			if (c[i] != TRIM_TEXT)
				continue;
			for (j = i + 1; j < n && c[j] == TRIM_EMPTY; j++)
				;
			if (j < n && c[j] == TRIM_EMBEDDED) {
				k = next_other[j + 1];
				if (all_te[k] && tail_t[k] < 7) {
					found = i;
					fb = j;
					fk = k;
				} else if (all_te[k])
					break; /* the leftmost match failed the count */
			}
		}
		free(tail_t);
		free(next_other);
		free(all_te);
		if (found < n && fk < n && memchr(c + fb, TRIM_QUOTE, fk - fb)) {
			pat_remove(P, fb, fk);
			n = P->n;
		} else if (found < n) {
			pat_cut(P, found + 1);
			n = P->n;
		}
	}

	/* text before a quote that ends the mail: t?e*[qbe]+$ */
	for (i = n; i > 0 && in_set(c[i - 1], "qbe"); i--)
		;
	if (i < n) {
		if (i > 0 && c[i - 1] == TRIM_TEXT)
			i--;
		pat_cut(P, i + 1);
		n = P->n;
	}

	pat_drop(P, TRIM_EMBEDDED);
	n = P->n;

	/* a header block wrapped over lines: h+[hte]+h+e becomes all h */
	for (i = 0; i < n;) {
		size_t a = i, b, kk = 0;

		if (!in_set(c[i], "hte")) {
			i++;
			continue;
		}
		for (b = a; b < n && in_set(c[b], "hte"); b++)
			;
		for (k = b; k-- > a + 3;)
			if (c[k] == TRIM_EMPTY && c[k - 1] == TRIM_HEADER) {
				kk = k;
				break;
			}
		if (kk) {
			for (j = a; j + 3 <= kk && c[j] != TRIM_HEADER; j++)
				;
			if (j + 3 <= kk && c[j] == TRIM_HEADER) {
				memset(c + j, TRIM_HEADER, kk - j + 1);
				break;
			}
		}
		i = b;
	}

	/* text, then at least three header lines: keep up to the text */
	for (i = 0; i < n; i++) {
		if (c[i] != TRIM_TEXT)
			continue;
		for (j = i + 1; j < n && in_set(c[j], "eq"); j++)
			;
		for (k = j; k < n && c[k] == TRIM_HEADER; k++)
			;
		if (k - j >= 3) {
			pat_cut(P, i + 1);
			break;
		}
	}
	pat_drop(P, TRIM_HEADER);
	n = P->n;

	/* trailing quotes and blank lines go when there is text */
	if (memchr(c, TRIM_TEXT, n)) {
		for (i = n; i > 0 && in_set(c[i - 1], "eq"); i--)
			;
		pat_cut(P, i);
	}
}

/*
 * "-Name" or "-First Last" alone as the last paragraph: a sign-off.
 * GitHub's parser treats it as a signature, Discourse keeps it; only the
 * ASCII hyphen form is dropped here, since Discourse's corpus keeps
 * "\xe2\x80\x94Ryan" (em dash). One to three capitalised words, nothing else.
 */
static bool dash_signoff(const char *p, const char *e)
{
	int words = 0;

	p = trim_skip_blanks(p, e);
	if (p == e || *p != '-')
		return false;
	p++;
	while (p < e) {
		const char *w = p;

		if (!((*p >= 'A' && *p <= 'Z') || (unsigned char)*p >= 0x80))
			return false;
		while (p < e &&
		       (is_alpha_byte((unsigned char)*p) || *p == '.' || *p == '\'' || *p == '-'))
			p++;
		if (p == w || ++words > 3)
			return false;
		if (p < e && *p == ' ' && p + 1 < e)
			p++;
		else
			break;
	}
	return words > 0 && trim_skip_blanks(p, e) == e;
}

static void drop_dash_signoff(struct pattern *P, const struct unit *u)
{
	size_t n = P->n;

	if (n < 3 || P->c[n - 1] != TRIM_TEXT || P->c[n - 2] != TRIM_EMPTY)
		return;
	if (!dash_signoff(u[P->idx[n - 1]].s, u[P->idx[n - 1]].s + u[P->idx[n - 1]].len))
		return;
	for (n--; n > 0 && P->c[n - 1] == TRIM_EMPTY; n--)
		;
	if (memchr(P->c, TRIM_TEXT, n))
		P->n = n;
}

/* Appends units joined by "\n", without leading blank lines or trailing
 * whitespace. */
static void emit(struct buf *out, const struct unit *u, const size_t *idx, size_t n)
{
	size_t i = 0, start = out->len;

	while (i < n && all_space(u[idx[i]].s, u[idx[i]].s + u[idx[i]].len))
		i++;
	for (; i < n; i++) {
		if (out->len > start)
			buf_addc(out, '\n');
		buf_add(out, u[idx[i]].s, u[idx[i]].len);
	}
	while (out->len > start && trim_is_space((unsigned char)out->p[out->len - 1]))
		out->len--;
	if (out->p)
		out->p[out->len] = '\0';
}

static bool unit_eq(const struct unit *a, const struct unit *b)
{
	return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

/* ```word line, then lazily up to a line that is exactly ``` */
static const char *code_block_end(const char *ls, const char *le, const char *e)
{
	const char *p;

	if (le - ls < 3 || memcmp(ls, "```", 3) != 0 || le == e)
		return NULL;
	for (p = ls + 3; p < le; p++)
		if (!trim_is_word((unsigned char)*p))
			return NULL;
	for (p = le + 1; p < e; p = line_end(p, e) + 1) {
		const char *pe = line_end(p, e);

		if (pe - p == 3 && memcmp(p, "```", 3) == 0)
			return pe;
		if (pe == e)
			break;
	}
	return NULL;
}

/* ---- the language table and the families Discourse's rules miss ------- */

/* The normalised text of a unit (trim_lang_norm), its quote markers
 * skipped when `unquote`. */
static void unit_norm(const struct unit *u, bool unquote, struct buf *out)
{
	const char *s = u->s, *e = u->s + u->len;

	if (unquote)
		s = skip_blanks_and(s, e, ">");
	trim_lang_norm(s, e, out);
}

/* heads_only: only templates that name their first word ("On", "Am"),
 * for a join whose first line reads like the end of a sentence. */
static bool norm_attr(const struct buf *n, bool quote_next, bool heads_only)
{
	for (size_t k = 0; k < trim_attr_ntpls; k++) {
		const struct trim_attr_tpl *t = &trim_attr_tpls[k];

		if ((t->flags & TRIM_TPL_QUOTE_NEXT) && !quote_next)
			continue;
		/* a row that does not name its first word is a sentence's end
		 * ("2024년 계획 작성:") unless a quote or an address backs it */
		if (!*t->head && (heads_only || (!quote_next && !memchr(n->p, '@', n->len))))
			continue;
		if (trim_lang_attr(t, n->p, n->len))
			return true;
	}
	return false;
}

/* Is the next non-empty unit after i a quote? */
static bool quote_follows(const char *c, size_t nu, size_t i)
{
	for (i++; i < nu && c[i] == TRIM_EMPTY; i++)
		;
	return i < nu && c[i] == TRIM_QUOTE;
}

static bool ends_sentence(const struct unit *u)
{
	const char *e = u->s + u->len;

	while (e > u->s && trim_is_space((unsigned char)e[-1]))
		e--;
	return e > u->s && strchr(".!?:", e[-1]);
}

/*
 * Reclassifies text lines with the language table (trim_lang.c): taglines
 * become signatures, localised separators and attributions embedded-mail
 * markers. An attribution wrapped over two or three lines (Gmail wraps at
 * ~78 columns) counts only above a quote and is tried from its last line
 * up, so that the shortest join wins and a sentence above it stays text.
 * Lines longer than an attribution can be are not looked at.
 */
static void lang_pass(const struct unit *u, size_t nu, char *c, struct buf *nb)
{
	struct buf j = BUF_INIT;

	for (size_t i = 0; i < nu; i++) {
		bool qf;

		if (c[i] != TRIM_TEXT || u[i].len > 1000)
			continue;
		unit_norm(&u[i], false, nb);
		if (trim_lang_tagline(nb->p, nb->len)) {
			c[i] = TRIM_SIGNATURE;
			continue;
		}
		qf = quote_follows(c, nu, i);
		if (trim_lang_dashed(trim_original_markers, trim_noriginal_markers, nb->p,
				     nb->len) ||
		    norm_attr(nb, qf, false)) {
			c[i] = TRIM_EMBEDDED;
			/* "Ann Lee\n<ann@x> 于...写道：": the name wrapped above */
			if (i > 0 && nb->len && nb->p[0] == '<' && c[i - 1] == TRIM_TEXT &&
			    u[i - 1].len <= 80 && !ends_sentence(&u[i - 1]))
				c[i - 1] = TRIM_EMBEDDED;
			continue;
		}
		if (!qf)
			continue;
		for (size_t k = 1; k <= 2 && k <= i; k++) {
			size_t total = 0;

			if (c[i - k] != TRIM_TEXT)
				break;
			buf_reset(&j);
			for (size_t x = i - k; x <= i; x++) {
				total += u[x].len;
				if (x > i - k)
					buf_addc(&j, ' ');
				buf_add(&j, u[x].s, u[x].len);
			}
			if (total > 400)
				break;
			trim_lang_norm(j.p, j.p + j.len, nb);
			if (norm_attr(nb, true, ends_sentence(&u[i - k]))) {
				memset(c + i - k, TRIM_EMBEDDED, k + 1);
				break;
			}
		}
	}
	buf_free(&j);
}

/*
 * The unit where a forwarded message starts ("---------- Forwarded message
 * ---------", "Begin forwarded message:", quoted or not), or nu. It counts
 * only when nothing but the person's own text, blank lines and taglines
 * come before it: a forward inside a quoted original belongs to that
 * original.
 */
static size_t forward_start(const struct unit *u, size_t nu, const char *c, struct buf *nb)
{
	for (size_t i = 0; i < nu; i++) {
		if (u[i].len <= 1000) {
			unit_norm(&u[i], true, nb);
			if (trim_lang_dashed(trim_forward_dashed, trim_nforward_dashed, nb->p,
					     nb->len) ||
			    trim_lang_line(trim_forward_lines, trim_nforward_lines, nb->p, nb->len))
				return i;
		}
		if (!in_set(c[i], "tes"))
			return nu;
	}
	return nu;
}

/* One token on the line (a wrapped link's continuation), and link-like. */
static bool link_piece(const struct unit *u, const struct unit *prev)
{
	const char *s = trim_skip_blanks(u->s, u->s + u->len), *e = u->s + u->len, *p;

	while (e > s && trim_is_space((unsigned char)e[-1]))
		e--;
	if (s == e || e - s > 300)
		return false;
	for (p = s; p < e; p++)
		if (trim_blank_len(p, e))
			return false;
	if (memmem(s, (size_t)(e - s), "://", 3) || memmem(s, (size_t)(e - s), "www.", 4))
		return true;
	/* the quote line above ends in a link that this line continues */
	const char *ps = prev->s, *pe = prev->s + prev->len, *t;

	while (pe > ps && trim_is_space((unsigned char)pe[-1]))
		pe--;
	for (t = pe; t > ps && !trim_is_space((unsigned char)t[-1]); t--)
		;
	return memmem(t, (size_t)(pe - t), "://", 3) || memmem(t, (size_t)(pe - t), "www.", 4);
}

/* A quote whose ">" markers a wrapped link broke ("> see http://x/\ny/z\n>
 * more") is one quote: the unquoted pieces between quote lines join it. */
static void mend_quotes(const struct unit *u, size_t nu, char *c)
{
	for (size_t i = 1; i < nu; i++) {
		size_t j = i;

		if (c[i] != TRIM_TEXT || c[i - 1] != TRIM_QUOTE)
			continue;
		while (j < nu && j - i < 2 && c[j] == TRIM_TEXT && link_piece(&u[j], &u[j - 1]))
			j++;
		if (j > i && j < nu && c[j] == TRIM_QUOTE)
			memset(c + i, TRIM_QUOTE, j - i);
	}
}

/* "[3] https://..." / "[3]: https://...": a link footnote of an HTML
 * reply's text rendering; returns its number or -1. */
static long footnote_num(const struct unit *u)
{
	const char *p = trim_skip_blanks(u->s, u->s + u->len), *e = u->s + u->len;
	long n = 0;

	if (p == e || *p != '[' || ++p == e || !is_digit((unsigned char)*p))
		return -1;
	while (p < e && is_digit((unsigned char)*p) && n < 100000)
		n = n * 10 + (*p++ - '0');
	if (p == e || *p != ']')
		return -1;
	p++;
	if (p < e && *p == ':')
		p++;
	if (p == e || !trim_is_space((unsigned char)*p))
		return -1;
	p = trim_skip_blanks(p, e);
	return memmem(p, (size_t)(e - p), "://", 3) || trim_lit(p, e, "mailto:", true) ? n : -1;
}

/* The footnote numbers the kept units cite ("[n]"), sorted, at most
 * `max`: looked up once, so that many footnote lines stay linear. */
static size_t footnotes_cited(const struct unit *u, const struct pattern *P, long *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < P->n && n < max; i++) {
		const struct unit *k = &u[P->idx[i]];
		const char *p = k->s, *e = k->s + k->len;

		if (footnote_num(k) >= 0)
			continue;
		while (n < max && (p = memchr(p, '[', (size_t)(e - p))) != NULL) {
			long v = 0;
			const char *q = ++p;

			while (q < e && is_digit((unsigned char)*q) && v < 100000)
				v = v * 10 + (*q++ - '0');
			if (q > p && q < e && *q == ']')
				out[n++] = v;
		}
	}
	for (size_t i = 1; i < n; i++) /* insertion sort: n is small */
		for (size_t j = i; j > 0 && out[j - 1] > out[j]; j--) {
			long t = out[j];

			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

static bool footnote_in(const long *set, size_t n, long v)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (set[mid] == v)
			return true;
		if (set[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Quotes the forwarded units [f, nu) into out: "> " before each line that
 * is not a quote already. */
static void emit_forward(struct buf *out, const struct unit *u, size_t f, size_t nu)
{
	while (nu > f && all_space(u[nu - 1].s, u[nu - 1].s + u[nu - 1].len))
		nu--;
	for (size_t i = f; i < nu; i++) {
		const char *s = u[i].s, *e = s + u[i].len;

		if (i > f)
			buf_addc(out, '\n');
		if (all_space(s, e)) {
			buf_addc(out, '>');
			continue;
		}
		if (!quote(s, e))
			buf_adds(out, "> ");
		buf_add(out, s, u[i].len);
		while (out->len && trim_is_space((unsigned char)out->p[out->len - 1]))
			out->len--;
		out->p[out->len] = '\0';
	}
}

void mail_trim_note(const char *text, size_t len, struct buf *kept, struct buf *elided,
		    const char **note)
{
	struct buf cur = BUF_INIT, tmp = BUF_INIT, swap, scratch = BUF_INIT, mine = BUF_INIT;
	struct buf gone = BUF_INIT;
	struct unit *u = NULL;
	struct pattern P = {NULL, NULL, 0};
	size_t nu = 0, cap = 0, i, fwd, *foot = NULL, nfoot = 0;
	const char *s, *e, *ls;
	bool wrote = false;

	if (note)
		*note = NULL;
	if (!text || all_space(text, text + len))
		return;
	pass_newlines(text, len, &cur);
	RUN_PASS(pass_pgp);
	RUN_PASS(pass_unsubscribe);
	RUN_PASS(pass_alias);
	if (memmem(cur.p, cur.len, ">>>", 3)) {
		RUN_PASS(pass_enclosed, true);
		RUN_PASS(pass_enclosed, false);
	}
	RUN_PASS(pass_quote_marks);
	RUN_PASS(pass_split_separators);
	join_all(&cur, &tmp);

	/* strip: leading blank lines and trailing whitespace */
	s = cur.p ? cur.p : "";
	e = s + cur.len;
	while (e > s && trim_is_space((unsigned char)e[-1]))
		e--;
	for (ls = s; ls < e;) {
		const char *le = line_end(ls, e);

		if (le == e || !all_space(ls, le))
			break;
		ls = le + 1;
	}
	s = ls;

	/* units: lines, with fenced code blocks as one unit each */
	for (ls = s; s < e && ls <= e;) {
		const char *le = line_end(ls, e), *ce = code_block_end(ls, le, e);

		if (nu == cap) {
			cap = cap ? cap * 2 : 64;
			u = xrealloc(u, cap * sizeof(*u));
			P.c = xrealloc(P.c, cap + 1);
		}
		if (ce)
			le = ce;
		u[nu].s = ls;
		u[nu].len = (size_t)(le - ls);
		P.c[nu] = ce ? TRIM_TEXT : trim_classify(ls, le, &scratch);
		nu++;
		if (le == e)
			break;
		ls = le + 1;
	}
	if (nu) {
		lang_pass(u, nu, P.c, &scratch);
		mend_quotes(u, nu, P.c);
	}
	/* a forwarded message is posted, as a quote, after what the person
	 * wrote above it; the rules below only see that part */
	fwd = nu ? forward_start(u, nu, P.c, &scratch) : 0;
	wrote = memchr(P.c, TRIM_TEXT, fwd) != NULL;
	P.n = fwd;
	P.idx = xmalloc((nu ? nu : 1) * sizeof(*P.idx));
	for (i = 0; i < fwd; i++)
		P.idx[i] = i;

	if (P.n) {
		trim_pattern(&P);
		drop_dash_signoff(&P, u);
	}
	/* the link footnotes the kept text cites stay with it, even when a
	 * signature came before them */
	foot = xmalloc((nu ? nu : 1) * sizeof(*foot));
	{
		long cited[256];
		size_t ncited = P.n ? footnotes_cited(u, &P, cited, 256) : 0;

		for (i = P.n ? P.idx[P.n - 1] + 1 : fwd; i < fwd && ncited; i++) {
			long n = footnote_num(&u[i]);

			if (n >= 0 && footnote_in(cited, ncited, n))
				foot[nfoot++] = i;
		}
	}
	emit(&mine, u, P.idx, P.n);
	if (nfoot) {
		buf_adds(&mine, "\n\n");
		emit(&mine, u, foot, nfoot);
	}
	if (fwd < nu) {
		if (mine.len)
			buf_adds(&mine, "\n\n");
		emit_forward(&mine, u, fwd, nu);
	}
	if (mine.len == 0 && wrote) {
		/* never an empty post when the person wrote something */
		size_t *all = xmalloc(nu * sizeof(*all));

		for (i = 0; i < nu; i++)
			all[i] = i;
		emit(&mine, u, all, nu);
		free(all);
		P.n = nu;
		for (i = 0; i < nu; i++)
			P.idx[i] = i;
		fwd = nu;
		if (note)
			*note = "trimming left nothing of a reply that has text; posted untrimmed";
	}
	buf_add(kept, mine.p ? mine.p : "", mine.len);
	if (kept->p)
		kept->p[kept->len] = '\0';

	if (elided) {
		/* Discourse's alignment: walk the original units before the
		 * forward, skipping those equal to the next kept one (footnotes
		 * count as kept); the rest are elided */
		size_t *rest = xmalloc((nu ? nu : 1) * sizeof(*rest)), nr = 0, t = 0, l = 0;
		size_t *keep = xmalloc((P.n + nfoot + 1) * sizeof(*keep)), nk = 0, a = 0, b = 0;

		while (a < P.n || b < nfoot)
			keep[nk++] = b == nfoot || (a < P.n && P.idx[a] < foot[b]) ? P.idx[a++]
										   : foot[b++];
		while (t < fwd) {
			while (l < nk && t < fwd && unit_eq(&u[t], &u[keep[l]])) {
				t++;
				l++;
			}
			if (t < fwd)
				rest[nr++] = t;
			t++;
		}
		emit(&gone, u, rest, nr);
		buf_add(elided, gone.p ? gone.p : "", gone.len);
		if (elided->p)
			elided->p[elided->len] = '\0';
		free(rest);
		free(keep);
	}
	free(foot);
	free(u);
	free(P.c);
	free(P.idx);
	buf_free(&cur);
	buf_free(&tmp);
	buf_free(&scratch);
	buf_free(&mine);
	buf_free(&gone);
}

void mail_trim(const char *text, size_t len, struct buf *kept, struct buf *elided)
{
	const char *note = NULL;

	mail_trim_note(text, len, kept, elided, &note);
	if (note)
		log_info("trim: %s", note);
}
