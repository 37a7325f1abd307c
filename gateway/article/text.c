/*
 * text: the writer shared by the markup front ends, the final tidy pass,
 * plain-text input and the text_convert() dispatch.
 *
 * The writer never emits a line's prefix until content for that line
 * arrives, so breaks and paragraphs requested by the markup only cost a
 * counter; the blank line between two blocks is written at the lesser of the
 * two quote depths (">" between ">> a" and "> b", "" after a quote ends).
 * tw_finish() then runs one tidy pass over the whole body: trailing
 * whitespace stripped, runs of blank lines (empty or only ">") squeezed to
 * the least quoted one, none at the ends, NBSP turned into a space, control characters
 * dropped and invalid UTF-8 replaced by U+FFFD, so that whatever the front
 * ends do the output meets the rules of text.h.
 *
 * Cost: this file and the front ends run once per imported post, so the
 * byte loops that see every character (tw_text's copy, the tidy pass) go
 * 16 or 8 bytes at a time through bytes.h while the text is plain (the
 * tidy pass takes two-byte UTF-8 letters in its stride), and copy whole
 * runs instead of characters; text a front end already knows to need no
 * collapsing skips tw_text's scan (tw_text_collapsed); the writer's buffer
 * is sized once from the markup's length. Anything unusual drops to the
 * byte-by-byte rules.
 */
#include "text_internal.h"

#include "bytes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void tw_init(struct text_writer *w, struct text_info *info)
{
	memset(w, 0, sizeof *w);
	w->info = info;
	w->fresh = 1;
	/* out borrows a scratch buffer's allocation; tw_finish hands it back */
	w->scratch = buf_scratch();
	w->out = *w->scratch;
	w->urls = buf_scratch();
	w->quote_lines = buf_scratch();
}

/* Notes that a quote prefix starts a line at the current end of out. */
static void mark_quote_line(struct text_writer *w)
{
	size_t at = w->out.len;
	buf_add(w->quote_lines, &at, sizeof at);
}

/* ' ', '\t', '\n', '\v', '\f', '\r' (the last five are 9..13) */
static int is_ws(char c)
{
	return c == ' ' || (unsigned char)(c - '\t') <= '\r' - '\t';
}

/* Appends "[num]" (a footnote mark); by hand, as printf cost more than the
 * rest of a link. */
static void add_mark(struct buf *b, size_t num)
{
	char d[24];
	size_t k = sizeof d;

	d[--k] = ']';
	do {
		d[--k] = (char)('0' + num % 10);
		num /= 10;
	} while (num > 0);
	d[--k] = '[';
	buf_add(b, d + k, sizeof d - k);
}

static void add_repeat(struct buf *b, char c, size_t n)
{
	if (n == 0)
		return; /* the usual indent and quote depth */
	buf_reserve(b, n);
	memset(b->p + b->len, c, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Gets the writer ready for content on the current line: ends the previous
 * line, writes a pending blank line, the quote prefix, indent and list
 * marker, or the pending space inside a line. */
static void begin_content(struct text_writer *w)
{
	if (w->line_open && w->brk == 0) {
		if (w->space)
			buf_addc(&w->out, ' ');
		w->space = 0;
		return;
	}
	if (w->line_open) {
		buf_addc(&w->out, '\n');
		w->line_open = 0;
	}
	if (w->brk == 2 && w->out.len > 0) {
		int d = w->last_depth < w->depth ? w->last_depth : w->depth;
		if (d > 0)
			mark_quote_line(w);
		add_repeat(&w->out, '>', (size_t)d);
		buf_addc(&w->out, '\n');
	}
	if (w->depth > 0) {
		mark_quote_line(w);
		add_repeat(&w->out, '>', (size_t)w->depth);
		buf_addc(&w->out, ' ');
	}
	if (w->marker[0] != '\0') {
		size_t ml = strlen(w->marker);
		add_repeat(&w->out, ' ', w->indent >= ml ? w->indent - ml : 0);
		buf_adds(&w->out, w->marker);
		w->marker[0] = '\0';
	} else {
		add_repeat(&w->out, ' ', w->indent);
	}
	w->last_depth = w->depth;
	w->lines++;
	w->line_begin = w->out.len;
	w->line_open = 1;
	w->brk = 0;
	w->space = 0;
	w->fresh = 0;
}

void tw_text(struct text_writer *w, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && is_ws(s[i])) {
		w->space = 1;
		i++;
	}
	if (i >= n)
		return;
	/* the first word opens the line when none is open: the prefix is
	 * written and the pending space dropped, and the word is copied
	 * below like the rest */
	if (!(w->line_open && w->brk == 0))
		begin_content(w);
	/* Inside an open line begin_content() only writes the pending
	 * space, so the rest is copied here in one pass: each whitespace run
	 * becomes one space before the next word. At most one byte more than
	 * the input (the space pending from before). Stretches where words are
	 * separated by single spaces (most prose) need no change and are
	 * copied whole: a per-byte copy was the writer's main cost. */
	if (w->out.len + (n - i) + 2 > w->out.cap)
		buf_reserve(&w->out, n - i + 1);
	char *d = w->out.p + w->out.len;
	int space = w->space;
	while (i < n) {
		if (is_ws(s[i])) {
			space = 1;
			i++;
			continue;
		}
		size_t j = i;
		for (;;) {
			/* 32 or 16 bytes at a time (SSE2, to the end), else 8,
			 * while they hold only words and lone spaces; a space
			 * last must have a word after it */
			j += bytes_skip_prose_all(s + j, n - j);
			while (j + 8 < n && bytes_prose8(s + j) &&
			       !(s[j + 7] == ' ' && is_ws(s[j + 8])))
				j += 8;
			while (j < n && !is_ws(s[j]))
				j++;
			if (j + 1 < n && s[j] == ' ' && !is_ws(s[j + 1])) {
				j += 2;
				continue;
			}
			break;
		}
		if (space)
			*d++ = ' ';
		space = 0;
		memcpy(d, s + i, j - i);
		d += j - i;
		i = j;
	}
	w->out.len = (size_t)(d - w->out.p);
	w->out.p[w->out.len] = '\0';
	w->space = space;
}

void tw_text_collapsed(struct text_writer *w, const char *s, size_t n)
{
	/* what tw_text does with such text: a leading space becomes the
	 * pending one, the rest is one run to copy, and a trailing space is
	 * left pending */
	if (n > 0 && s[0] == ' ') {
		w->space = 1;
		s++;
		n--;
	}
	if (n == 0)
		return;
	int trailing = s[n - 1] == ' ';
	n -= (size_t)trailing;
	if (!(w->line_open && w->brk == 0))
		begin_content(w); /* drops the pending space */
	if (w->out.len + n + 2 > w->out.cap)
		buf_reserve(&w->out, n + 1);
	if (w->space)
		w->out.p[w->out.len++] = ' ';
	memcpy(w->out.p + w->out.len, s, n);
	w->out.len += n;
	w->out.p[w->out.len] = '\0';
	w->space = trailing;
}

void tw_word(struct text_writer *w, const char *s, size_t n)
{
	if (n == 0)
		return;
	begin_content(w);
	buf_add(&w->out, s, n);
}

void tw_space(struct text_writer *w)
{
	w->space = 1;
}

void tw_break(struct text_writer *w)
{
	if (w->fresh)
		return;
	if (w->brk < 2)
		w->brk++;
	w->space = 0;
}

void tw_line(struct text_writer *w)
{
	if (w->fresh)
		return;
	if (w->brk < 1)
		w->brk = 1;
	w->space = 0;
}

void tw_paragraph(struct text_writer *w)
{
	if (w->fresh)
		return;
	w->brk = 2;
	w->space = 0;
}

void tw_hr(struct text_writer *w)
{
	tw_line(w);
	w->fresh = 0;
	tw_word(w, "----", 4);
	tw_line(w);
}

void tw_quote_begin(struct text_writer *w, const char *name)
{
	tw_paragraph(w);
	if (name != NULL && name[0] != '\0') {
		w->space = 0;
		tw_text(w, name, strlen(name));
		tw_word(w, " wrote:", 7);
		w->brk = 1;
	}
	w->qnest++;
	w->depth = w->qnest < TW_MAX_QUOTE ? w->qnest : TW_MAX_QUOTE;
	w->fresh = 1;
}

void tw_quote_end(struct text_writer *w)
{
	if (w->qnest == 0)
		return;
	w->qnest--;
	w->depth = w->qnest < TW_MAX_QUOTE ? w->qnest : TW_MAX_QUOTE;
	w->brk = 2;
	w->space = 0;
	w->fresh = 0;
}

void tw_quoted_id(struct text_writer *w, const char *id)
{
	if (w->info == NULL || id == NULL || id[0] == '\0')
		return;
	for (size_t i = 0; i < w->info->nquoted; i++)
		if (strcmp(w->info->quoted_ids[i], id) == 0)
			return;
	w->info->quoted_ids = xrealloc(w->info->quoted_ids,
				       (w->info->nquoted + 1) * sizeof(char *));
	w->info->quoted_ids[w->info->nquoted++] = xstrdup(id);
}

size_t tw_link_begin(struct text_writer *w)
{
	w->link_lines = w->lines;
	return w->out.len;
}

/* Whether s (NUL-terminated) starts with p (n bytes, lower case), ignoring
 * the case of s as strncasecmp does in the C locale: by hand, as the call
 * cost more than the compare and each link asks up to five times. */
static int prefix_ci(const char *s, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
		if (c != p[i])
			return 0;
	}
	return 1;
}

/* "http://example.com/x" → "example.com/x"; NULL without a scheme. */
static const char *skip_scheme(const char *url)
{
	if (prefix_ci(url, "http://", 7))
		return url + 7;
	if (prefix_ci(url, "https://", 8))
		return url + 8;
	if (prefix_ci(url, "ftp://", 6))
		return url + 6;
	return NULL;
}

/* Whether text (n bytes) names url (ul bytes) itself, so no footnote is
 * needed. */
static int text_is_url(const char *text, size_t n, const char *url, size_t ul)
{
	const char *bare = skip_scheme(url);
	if (n == ul && memcmp(text, url, n) == 0)
		return 1;
	if (n + 1 == ul && url[n] == '/' && memcmp(text, url, n) == 0)
		return 1;
	if (bare != NULL) {
		size_t bl = ul - (size_t)(bare - url);
		if (n == bl && memcmp(text, bare, n) == 0)
			return 1;
		if (n + 1 == bl && bare[n] == '/' && memcmp(text, bare, n) == 0)
			return 1;
	}
	return 0;
}

/* The footnote number of url (ul bytes), adding it when new. The URLs sit
 * one after the other in w->urls, each with its NUL: no allocation per
 * link. */
static size_t footnote(struct text_writer *w, const char *url, size_t ul)
{
	size_t at = 0;

	for (size_t i = 0; i < w->nurls; i++) {
		const char *u = w->urls->p + at;
		size_t l = strlen(u);
		if (l == ul && memcmp(u, url, ul) == 0)
			return i + 1;
		at += l + 1;
	}
	buf_add(w->urls, url, ul + 1);
	return ++w->nurls;
}

/* s with surrounding whitespace trimmed and inner runs collapsed, its
 * length in *len: s itself when it holds no whitespace (a URL usually),
 * else written into *tmp, a scratch buffer taken then (the caller puts it
 * back). */
static const char *clean(const char *s, struct buf **tmp, size_t *len)
{
	int sp = 0;

	if (s == NULL) {
		*len = 0;
		return "";
	}
	/* the whitespace of is_ws() */
	size_t n = strcspn(s, " \t\n\v\f\r");
	if (s[n] == '\0') {
		*len = n;
		return s;
	}
	if (*tmp == NULL)
		*tmp = buf_scratch();
	struct buf *t = *tmp;
	buf_reset(t);
	for (; *s; s++) {
		if (is_ws(*s)) {
			sp = t->len > 0;
			continue;
		}
		if (sp)
			buf_addc(t, ' ');
		sp = 0;
		buf_addc(t, *s);
	}
	*len = t->len;
	return buf_str(t);
}

void tw_link_end(struct text_writer *w, size_t mark, const char *url_in)
{
	struct buf *tmp = NULL;
	size_t ul;
	const char *url = clean(url_in, &tmp, &ul);
	if (mark > w->out.len)
		mark = w->out.len;
	size_t start = mark;
	/* the text began on a new line: it starts after that line's prefix */
	if (w->lines == w->link_lines + 1 && w->line_begin >= mark)
		start = w->line_begin;
	while (start < w->out.len && w->out.p[start] == ' ')
		start++;
	const char *text = w->out.p ? w->out.p + start : "";
	size_t n = w->out.len - start;
	int multiline = w->lines > w->link_lines + 1 || memchr(text, '\n', n) != NULL;

	if (url[0] == '\0' || url[0] == '#' || prefix_ci(url, "javascript:", 11)) {
		/* not a place to go: the text alone */
	} else if (prefix_ci(url, "mailto:", 7)) {
		const char *addr = url + 7;
		size_t al = strcspn(addr, "?");
		if (n == 0) {
			tw_word(w, addr, al);
		} else if (multiline || n != al || memcmp(text, addr, al) != 0) {
			tw_word(w, " <", 2);
			buf_add(&w->out, addr, al);
			buf_addc(&w->out, '>');
		}
	} else if (n == 0) {
		tw_word(w, url, ul);
	} else if (!multiline && text_is_url(text, n, url, ul)) {
		buf_truncate(&w->out, start);
		buf_add(&w->out, url, ul);
	} else {
		size_t num = footnote(w, url, ul);
		if (!(w->line_open && w->brk == 0))
			begin_content(w);
		add_mark(&w->out, num);
	}
	buf_scratch_put(tmp);
}

void tw_image(struct text_writer *w, const char *alt_in, const char *url_in)
{
	struct buf *tmp_alt = NULL, *tmp_url = NULL;
	size_t alt_len, url_len;
	const char *alt = clean(alt_in, &tmp_alt, &alt_len);
	const char *url = clean(url_in, &tmp_url, &url_len);
	if (alt[0] != '\0') {
		tw_word(w, "[image: ", 8);
		buf_add(&w->out, alt, alt_len);
		buf_addc(&w->out, ']');
	} else {
		tw_word(w, "[image]", 7);
	}
	if (url[0] != '\0') {
		buf_add(&w->out, " <", 2);
		buf_add(&w->out, url, url_len);
		buf_addc(&w->out, '>');
	}
	buf_scratch_put(tmp_alt);
	buf_scratch_put(tmp_url);
}

void tw_code_block(struct text_writer *w, const char *s, size_t n)
{
	/* drop empty lines at both ends */
	size_t b = 0, e = n;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			b = i + 1;
		else if (!is_ws(s[i]))
			break;
	}
	while (e > b && is_ws(s[e - 1]))
		e--;
	if (b >= e)
		return;
	if (!w->fresh)
		w->brk = 2;
	w->space = 0;
	while (b < e) {
		const char *nl = memchr(s + b, '\n', e - b);
		size_t l = nl ? (size_t)(nl - (s + b)) : e - b;
		begin_content(w);
		buf_add(&w->out, s + b, l);
		w->brk = 1;
		b += l + (nl != NULL);
	}
	w->brk = 2;
}

static size_t list_level(const struct text_writer *w)
{
	return (size_t)(w->nlists < TW_MAX_LIST ? w->nlists : TW_MAX_LIST);
}

void tw_list_begin(struct text_writer *w, int ordered, long start)
{
	if (w->nlists == 0)
		tw_paragraph(w);
	else
		tw_line(w);
	w->nlists++;
	if (w->nlists <= TW_MAX_LIST) {
		struct tw_list *l = &w->lists[w->nlists - 1];
		l->ordered = ordered;
		l->next = start;
		l->indent = 2 * (size_t)(w->nlists - 1);
	}
	w->indent = 2 * (list_level(w) - 1);
	w->fresh = 1;
}

void tw_list_item(struct text_writer *w)
{
	if (w->nlists == 0) {
		/* an item outside any list: a bullet at the top level */
		w->nlists = 1;
		w->lists[0].ordered = 0;
		w->lists[0].next = 1;
		w->lists[0].indent = 0;
		tw_paragraph(w);
	}
	struct tw_list *l = &w->lists[list_level(w) - 1];
	size_t base = 2 * (list_level(w) - 1);
	if (l->ordered) {
		snprintf(w->marker, sizeof w->marker, "%ld. ", l->next);
		if (l->next < 1000000)
			l->next++;
	} else {
		strcpy(w->marker, "- ");
	}
	l->indent = base + strlen(w->marker);
	w->indent = l->indent;
	if (w->brk < 1)
		w->brk = 1;
	w->space = 0;
	w->fresh = 1;
}

void tw_list_end(struct text_writer *w)
{
	if (w->nlists == 0)
		return;
	w->nlists--;
	w->marker[0] = '\0';
	if (w->nlists == 0) {
		w->indent = 0;
		w->brk = 2;
	} else {
		w->indent = w->lists[list_level(w) - 1].indent;
		if (w->brk < 1)
			w->brk = 1;
	}
	w->space = 0;
	w->fresh = 0;
}

void text_utf8(struct buf *out, unsigned long cp)
{
	if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	if (cp < 0x80) {
		buf_addc(out, (char)cp);
	} else if (cp < 0x800) {
		buf_addc(out, (char)(0xC0 | (cp >> 6)));
		buf_addc(out, (char)(0x80 | (cp & 0x3F)));
	} else if (cp < 0x10000) {
		buf_addc(out, (char)(0xE0 | (cp >> 12)));
		buf_addc(out, (char)(0x80 | ((cp >> 6) & 0x3F)));
		buf_addc(out, (char)(0x80 | (cp & 0x3F)));
	} else {
		buf_addc(out, (char)(0xF0 | (cp >> 18)));
		buf_addc(out, (char)(0x80 | ((cp >> 12) & 0x3F)));
		buf_addc(out, (char)(0x80 | ((cp >> 6) & 0x3F)));
		buf_addc(out, (char)(0x80 | (cp & 0x3F)));
	}
}

static const struct {
	const char *name;
	unsigned long cp;
} entities[] = {
	{"amp", '&'},      {"lt", '<'},       {"gt", '>'},        {"quot", '"'},
	{"apos", '\''},    {"nbsp", 0xA0},    {"hellip", 0x2026}, {"mdash", 0x2014},
	{"ndash", 0x2013}, {"lsquo", 0x2018}, {"rsquo", 0x2019},  {"ldquo", 0x201C},
	{"rdquo", 0x201D}, {"laquo", 0xAB},   {"raquo", 0xBB},    {"copy", 0xA9},
	{"reg", 0xAE},     {"trade", 0x2122}, {"euro", 0x20AC},   {"deg", 0xB0},
	{"middot", 0xB7},  {"bull", 0x2022},  {"times", 0xD7},
};

size_t text_entity(const char *s, size_t n, struct buf *out)
{
	if (n < 3 || s[0] != '&')
		return 0;
	size_t i = 1;
	if (s[1] == '#') {
		unsigned long cp = 0;
		int hex = i + 1 < n && (s[2] == 'x' || s[2] == 'X');
		i = hex ? 3 : 2;
		size_t digits = 0;
		for (; i < n && digits < 8; i++, digits++) {
			char c = s[i];
			if (c >= '0' && c <= '9')
				cp = cp * (hex ? 16 : 10) + (unsigned long)(c - '0');
			else if (hex && c >= 'a' && c <= 'f')
				cp = cp * 16 + (unsigned long)(c - 'a' + 10);
			else if (hex && c >= 'A' && c <= 'F')
				cp = cp * 16 + (unsigned long)(c - 'A' + 10);
			else
				break;
		}
		if (digits == 0 || i >= n || s[i] != ';')
			return 0;
		text_utf8(out, cp);
		return i + 1;
	}
	while (i < n && i < 10 && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
		i++;
	if (i >= n || s[i] != ';')
		return 0;
	for (size_t k = 0; k < sizeof entities / sizeof entities[0]; k++) {
		if (strlen(entities[k].name) == i - 1 &&
		    memcmp(entities[k].name, s + 1, i - 1) == 0) {
			text_utf8(out, entities[k].cp);
			return i + 1;
		}
	}
	return 0;
}

void tw_source_text(struct text_writer *w, const char *s, size_t n, int breaks)
{
	size_t i = 0;
	struct buf *ent = NULL; /* taken at the first reference */
	while (i < n) {
		size_t j = i;
		while (j < n && s[j] != '&' && !(breaks && s[j] == '\n'))
			j++;
		tw_text(w, s + i, j - i);
		if (j >= n)
			break;
		if (s[j] == '\n') {
			tw_break(w);
			i = j + 1;
			continue;
		}
		if (ent == NULL)
			ent = buf_scratch();
		buf_reset(ent);
		size_t used = text_entity(s + j, n - j, ent);
		if (used == 0) {
			tw_text(w, "&", 1);
			i = j + 1;
		} else {
			if (ent->len == 1 && is_ws(ent->p[0]))
				tw_space(w);
			else
				tw_word(w, ent->p, ent->len);
			i = j + used;
		}
	}
	buf_scratch_put(ent);
}

/* Length of the valid UTF-8 sequence at s (n > 0 bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t l;
	unsigned long min;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		l = 2, min = 0x80;
	else if (c >= 0xE0 && c <= 0xEF)
		l = 3, min = 0x800;
	else if (c >= 0xF0 && c <= 0xF4)
		l = 4, min = 0x10000;
	else
		return 0;
	if (n < l)
		return 0;
	unsigned long cp = c & (0x3F >> (l - 1));
	for (size_t i = 1; i < l; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return l;
}

static int blank_line(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != '>')
			return 0;
	return 1;
}

/* The end of the run of bytes from s[r] that the tidy pass keeps as they
 * are: printable ASCII (16 bytes at a time with SSE2, two-byte characters
 * included, else 8, while it lasts), TAB and valid UTF-8 other than NBSP. Most of a body is such a
 * run; a function of its own so that the loop keeps its constants in
 * registers. */
static size_t kept_run(const char *s, size_t r, size_t n)
{
	for (;;) {
		r += bytes_skip_kept_text(s + r, n - r);
		while (r + 8 <= n && bytes_printable8(s + r))
			r += 8;
		if (r >= n)
			return r;
		unsigned char c = (unsigned char)s[r];
		if ((c >= 0x20 && c < 0x7F) || c == '\t') {
			r++;
			continue;
		}
		/* the usual non-ASCII letter (é, ü: C3..DF and one continuation
		 * byte, never NBSP) without the call */
		if (c >= 0xC3 && c <= 0xDF && r + 1 < n &&
		    ((unsigned char)s[r + 1] & 0xC0) == 0x80) {
			r += 2;
			continue;
		}
		size_t l = c >= 0x80 ? utf8_len((const unsigned char *)s + r, n - r) : 0;
		if (l < 2 || (c == 0xC2 && (unsigned char)s[r + 1] == 0xA0))
			return r;
		r += l;
	}
}

/* Whether the line at s[i] is literal text that starts with '>' (after
 * any spaces), which the plain text must escape: quote lines are those at
 * the offsets of q[*qi..nq) (ascending; *qi moves on), or with plain any
 * line that starts with '>'. */
static int literal_gt(const char *s, size_t n, size_t i, const size_t *q, size_t nq, size_t *qi,
		      int plain)
{
	size_t k = i;

	while (k < n && s[k] == ' ')
		k++;
	if (k >= n || s[k] != '>')
		return 0;
	if (plain)
		return k > i;
	while (*qi < nq && q[*qi] < i)
		(*qi)++;
	return !(*qi < nq && q[*qi] == i && k == i);
}

/* The tidy pass described at the top of the file; appends to out. Lines
 * are written straight into out and taken back when they turn out blank;
 * a blank line holds only ">", so the one kept is just its length. A
 * literal line starting with '>' gets one space before it (text.h). */
static void tidy(const char *s, size_t n, struct buf *out, const size_t *q, size_t nq, int plain)
{
	size_t pend = 0, i = 0, qi = 0;
	int have_pend = 0, any = 0;

	if (n > 0) {
		buf_reserve(out, n + 1);
		out->p[out->len] = '\0';
	}
	while (i < n) {
		size_t mark = out->len, start;
		/* written ahead, as most lines are not blank */
		if (have_pend) {
			add_repeat(out, '>', pend);
			buf_addc(out, '\n');
		}
		start = out->len;
		if (literal_gt(s, n, i, q, nq, &qi, plain))
			buf_addc(out, ' ');
		while (i < n && s[i] != '\n') {
			size_t r = kept_run(s, i, n);
			if (r > i) {
				buf_add(out, s + i, r - i);
				i = r;
				continue;
			}
			const unsigned char *u = (const unsigned char *)s + i;
			size_t l = utf8_len(u, n - i);
			if (l == 0) {
				buf_add(out, "\xEF\xBF\xBD", 3);
				i++;
			} else if (l == 2 && u[0] == 0xC2 && u[1] == 0xA0) {
				buf_addc(out, ' ');
				i += 2;
			} else if (l == 1 && (u[0] < 0x20 || u[0] == 0x7F) && u[0] != '\t') {
				i++;
			} else {
				buf_add(out, s + i, l);
				i += l;
			}
		}
		i++; /* the "\n" */
		size_t l = out->len - start;
		while (l > 0 && (out->p[start + l - 1] == ' ' || out->p[start + l - 1] == '\t'))
			l--;
		if (blank_line(out->p + start, l)) {
			/* of a run of blank lines keep the least quoted one */
			buf_truncate(out, mark);
			if (any && (!have_pend || l < pend)) {
				pend = l;
				have_pend = 1;
			}
			continue;
		}
		buf_truncate(out, start + l);
		buf_addc(out, '\n');
		have_pend = 0;
		any = 1;
	}
}

void tw_finish(struct text_writer *w, struct buf *out)
{
	size_t before = out->len;
	/* the body never grows in the tidy pass; with the footnotes ("[n] "
	 * and a newline around each URL) out needs one allocation at most */
	buf_reserve(out, w->out.len + 1 + w->urls->len + w->nurls * 24);
	out->p[out->len] = '\0';
	tidy(buf_str(&w->out), w->out.len, out, (const size_t *)(void *)w->quote_lines->p,
	     w->quote_lines->len / sizeof(size_t), w->plain);
	if (w->nurls > 0) {
		const char *u = w->urls->p;
		if (out->len > before)
			buf_addc(out, '\n');
		/* the URLs were stored cleaned by tw_link_end() */
		for (size_t i = 0; i < w->nurls; i++) {
			size_t l = strlen(u);
			add_mark(out, i + 1);
			buf_addc(out, ' ');
			buf_add(out, u, l);
			buf_addc(out, '\n');
			u += l + 1;
		}
	}
	*w->scratch = w->out;
	buf_scratch_put(w->scratch);
	buf_scratch_put(w->urls);
	buf_scratch_put(w->quote_lines);
	memset(w, 0, sizeof *w);
}

/* Plain text: kept line by line, only entities decoded; tidy does the rest. */
static void text_plain(struct text_writer *w, const char *src, size_t len)
{
	size_t i = 0;
	while (i < len) {
		const char *amp = memchr(src + i, '&', len - i);
		size_t j = amp ? (size_t)(amp - src) : len;
		buf_add(&w->out, src + i, j - i);
		if (j >= len)
			break;
		size_t used = text_entity(src + j, len - j, &w->out);
		if (used == 0) {
			buf_addc(&w->out, '&');
			used = 1;
		}
		i = j + used;
	}
}

void text_info_free(struct text_info *info)
{
	if (info == NULL)
		return;
	for (size_t i = 0; i < info->nquoted; i++)
		free(info->quoted_ids[i]);
	free(info->quoted_ids);
	info->quoted_ids = NULL;
	info->nquoted = 0;
}

int text_convert(enum forum_markup markup, const char *src, size_t len, struct buf *out,
		 struct text_info *info)
{
	if (out == NULL || (src == NULL && len > 0))
		return -1;
	if (markup != MARKUP_TEXT && markup != MARKUP_HTML && markup != MARKUP_BBCODE &&
	    markup != MARKUP_MARKDOWN)
		return -1;
	if (src == NULL)
		src = "";
	struct text_writer w;
	tw_init(&w, info);
	/* room for the usual body at once: the text is rarely longer than its
	 * markup (growing step by step cost a realloc per few lines); the
	 * scratch buffer usually has it already from an earlier post */
	buf_reserve(&w.out, len + 64);
	w.out.p[w.out.len] = '\0';
	switch (markup) {
	case MARKUP_HTML:
		text_html(&w, src, len);
		break;
	case MARKUP_BBCODE:
		text_bbcode(&w, src, len);
		break;
	case MARKUP_MARKDOWN:
		text_markdown(&w, src, len);
		break;
	case MARKUP_TEXT:
		w.plain = 1;
		text_plain(&w, src, len);
		break;
	}
	tw_finish(&w, out);
	return 0;
}
