/*
 * text_markdown: a pragmatic Markdown subset → the text writer.
 *
 * Line-based block parsing: ATX and setext headings, fenced (``` ~~~) and
 * indented code blocks, "> " quotes (parsed recursively, depth bounded),
 * "-"/"*"/"+"/"1." lists nested by indentation, thematic breaks, and the
 * Discourse [quote="name, post:N, topic:M"] … [/quote] blocks. Line breaks
 * inside a paragraph are kept, as Discourse shows them. Inline: `code`,
 * [text](url), ![alt](url), <autolinks>, backslash escapes and entities;
 * emphasis markers (* _ ~~) are dropped when they open and close a span.
 * Every scan is bounded so garbage input stays close to linear.
 */
#include "text_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MD_MAX_DEPTH 24  /* nested quotes parsed as blocks */
#define MD_MAX_LINK 2000 /* longest [text] or (url) looked at */
#define MD_MAX_LISTS 16

struct md_list {
	size_t marker;  /* column of the marker */
	size_t content; /* column of the item's content */
	int ordered;
};

/* A Discourse [quote] line and its [/quote] line. */
struct md_quote {
	size_t open;     /* offset of the [quote] line */
	size_t body_end; /* offset of the [/quote] line */
	size_t after;    /* offset of the line after it */
};

struct md {
	struct text_writer *w;
	struct md_quote *q; /* matched pairs, by `open` */
	size_t nq, qnext;
	struct md_list lists[MD_MAX_LISTS];
	int nlists;
	int in_para;
	int blank; /* the previous line was blank */
};

static void inline_text(struct text_writer *w, const char *s, size_t n, int depth);
static void blocks(struct text_writer *w, const char *s, size_t n, int depth);

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (unsigned char)c >= 0x80;
}

static int is_punct(char c)
{
	return c > ' ' && c < 0x7F && !is_alnum(c);
}

/* ---- inline ---- */

/* s[i] == '['; finds the matching ']' and a following "(url)". */
static int parse_link(const char *s, size_t n, size_t i, size_t *text_end, size_t *url_off,
		      size_t *url_len, size_t *end)
{
	int nest = 0;
	size_t j = i + 1, lim = n - i > MD_MAX_LINK ? i + MD_MAX_LINK : n;
	for (; j < lim; j++) {
		if (s[j] == '\\') {
			j++;
			continue;
		}
		if (s[j] == '[')
			nest++;
		else if (s[j] == ']' && nest-- == 0)
			break;
	}
	if (j >= lim || j + 1 >= n || s[j + 1] != '(')
		return 0;
	*text_end = j;
	size_t k = j + 2;
	while (k < n && s[k] == ' ')
		k++;
	size_t u = k;
	int paren = 0;
	lim = n - k > MD_MAX_LINK ? k + MD_MAX_LINK : n;
	for (; k < lim && !is_space(s[k]); k++) {
		if (s[k] == '(')
			paren++;
		else if (s[k] == ')' && paren-- == 0)
			break;
	}
	*url_off = u;
	*url_len = k - u;
	if (u < k && s[u] == '<' && s[k - 1] == '>') {
		(*url_off)++;
		*url_len -= 2;
	}
	/* an optional "title" */
	while (k < lim && s[k] != ')')
		k++;
	if (k >= lim)
		return 0;
	*end = k + 1;
	return 1;
}

static void link(struct text_writer *w, const char *text, size_t tn, const char *url, size_t un,
		 int depth)
{
	char *u = xstrndup(url, un);
	size_t mark = tw_link_begin(w);
	inline_text(w, text, tn, depth + 1);
	tw_link_end(w, mark, u);
	free(u);
}

static void inline_text(struct text_writer *w, const char *s, size_t n, int depth)
{
	int open[3] = {0, 0, 0}; /* * _ ~ */
	struct buf ent = BUF_INIT;
	size_t i = 0, run = 0;
	while (i < n) {
		char c = s[i];
		if (c != '\\' && c != '`' && c != '!' && c != '[' && c != '<' && c != '*' &&
		    c != '_' && c != '~' && c != '&') {
			i++;
			continue;
		}
		tw_text(w, s + run, i - run);
		run = i;
		if (c == '\\' && i + 1 < n && is_punct(s[i + 1])) {
			tw_word(w, s + i + 1, 1);
			i += 2;
			run = i;
		} else if (c == '`') {
			size_t k = i;
			while (k < n && s[k] == '`')
				k++;
			size_t ticks = k - i, j = k,
			       lim = n - k > 4 * MD_MAX_LINK ? k + 4 * MD_MAX_LINK : n;
			const char *close = NULL;
			while (j < lim) {
				const char *p = memchr(s + j, '`', lim - j);
				if (p == NULL)
					break;
				size_t e = (size_t)(p - s);
				size_t r = e;
				while (r < n && s[r] == '`')
					r++;
				if (r - e == ticks) {
					close = p;
					break;
				}
				j = r;
			}
			if (close == NULL) {
				i = k;
				continue; /* literal backticks, written with the run */
			}
			tw_text(w, s + k, (size_t)(close - (s + k)));
			i = (size_t)(close - s) + ticks;
			run = i;
		} else if ((c == '!' && i + 1 < n && s[i + 1] == '[') || c == '[') {
			size_t b = c == '!' ? i + 1 : i, te, uo, ul, end;
			if (depth > 4 || !parse_link(s, n, b, &te, &uo, &ul, &end)) {
				i++;
				continue;
			}
			if (c == '!') {
				char *alt = xstrndup(s + b + 1, te - b - 1);
				char *url = xstrndup(s + uo, ul);
				tw_image(w, alt, url);
				free(alt);
				free(url);
			} else {
				link(w, s + b + 1, te - b - 1, s + uo, ul, depth);
			}
			i = end;
			run = i;
		} else if (c == '<') {
			size_t k = i + 1;
			while (k < n && k - i < MD_MAX_LINK && s[k] != '>' && !is_space(s[k]) &&
			       s[k] != '<')
				k++;
			const char *u = s + i + 1;
			size_t ul = k - i - 1;
			if (k >= n || s[k] != '>' || ul == 0 ||
			    !(memchr(u, ':', ul) != NULL || memchr(u, '@', ul) != NULL)) {
				i++;
				continue;
			}
			char *url = memchr(u, ':', ul) == NULL
					    ? xasprintf("mailto:%.*s", (int)ul, u)
					    : xstrndup(u, ul);
			const char *text = u;
			size_t tl = ul;
			if (strncasecmp(url, "mailto:", 7) == 0 && memchr(u, ':', ul) != NULL) {
				text = u + 7;
				tl = ul - 7;
			}
			size_t mark = tw_link_begin(w);
			tw_text(w, text, tl);
			tw_link_end(w, mark, url);
			free(url);
			i = k + 1;
			run = i;
		} else if (c == '&') {
			buf_reset(&ent);
			size_t used = text_entity(s + i, n - i, &ent);
			if (used == 0) {
				i++;
				continue;
			}
			tw_word(w, ent.p, ent.len);
			i += used;
			run = i;
		} else if (c == '*' || c == '_' || c == '~') {
			size_t k = i;
			while (k < n && s[k] == c)
				k++;
			size_t len = k - i;
			int idx = c == '*' ? 0 : c == '_' ? 1 : 2;
			char before = i > 0 ? s[i - 1] : ' ';
			char after = k < n ? s[k] : ' ';
			int can_open = !is_space(after);
			int can_close = !is_space(before);
			int drop = 0;
			if ((c == '~' && len < 2) || (is_alnum(before) && is_alnum(after))) {
				drop = 0;
			} else if (can_close && open[idx] > 0) {
				open[idx]--;
				drop = 1;
			} else if (can_open) {
				/* only when the same run closes it later on */
				for (size_t j = k; j + len <= n && j < k + MD_MAX_LINK; j++) {
					if (memcmp(s + j, s + i, len) == 0 && !is_space(s[j - 1]) &&
					    (j + len >= n || s[j + len] != c)) {
						drop = 1;
						break;
					}
				}
				if (drop)
					open[idx]++;
			}
			if (drop)
				run = k;
			i = k;
		} else {
			i++;
		}
	}
	tw_text(w, s + run, n - run);
	buf_free(&ent);
}

/* ---- blocks ---- */

struct line {
	const char *s;
	size_t n;      /* without the "\n" */
	size_t indent; /* columns of leading whitespace */
	size_t lead;   /* bytes of leading whitespace */
};

static void get_line(const char *s, size_t n, size_t *pos, struct line *l)
{
	size_t i = *pos;
	const char *nl = memchr(s + i, '\n', n - i);
	size_t e = nl ? (size_t)(nl - s) : n;
	l->s = s + i;
	l->n = e - i;
	if (l->n > 0 && l->s[l->n - 1] == '\r')
		l->n--;
	l->indent = 0;
	l->lead = 0;
	while (l->lead < l->n && (l->s[l->lead] == ' ' || l->s[l->lead] == '\t')) {
		l->indent = l->s[l->lead] == '\t' ? (l->indent / 4 + 1) * 4 : l->indent + 1;
		l->lead++;
	}
	*pos = nl ? e + 1 : n;
}

static int blank(const struct line *l)
{
	return l->lead == l->n;
}

static int is_hr(const struct line *l)
{
	char c = 0;
	int count = 0;
	if (l->indent > 3)
		return 0;
	for (size_t i = l->lead; i < l->n; i++) {
		if (l->s[i] == ' ' || l->s[i] == '\t')
			continue;
		if (c == 0 && (l->s[i] == '-' || l->s[i] == '*' || l->s[i] == '_'))
			c = l->s[i];
		if (l->s[i] != c)
			return 0;
		count++;
	}
	return count >= 3;
}

/* A list marker at the start of the line: returns its width (marker plus
 * the space after it) and whether it is ordered, 0 if none. */
static size_t list_marker(const struct line *l, int *ordered, long *num)
{
	const char *s = l->s + l->lead;
	size_t n = l->n - l->lead;
	if (n >= 1 && (s[0] == '-' || s[0] == '*' || s[0] == '+') &&
	    (n == 1 || s[1] == ' ' || s[1] == '\t')) {
		*ordered = 0;
		return n == 1 ? 1 : 2;
	}
	size_t d = 0;
	while (d < n && d < 9 && s[d] >= '0' && s[d] <= '9')
		d++;
	if (d > 0 && d + 1 <= n && (s[d] == '.' || s[d] == ')') &&
	    (d + 1 == n || s[d + 1] == ' ' || s[d + 1] == '\t')) {
		*ordered = 1;
		*num = strtol(s, NULL, 10);
		return d + 1 == n ? d + 1 : d + 2;
	}
	return 0;
}

/* "===" or "---" under a paragraph line */
static int setext(const struct line *l)
{
	char c = l->s[l->lead];
	if (c != '=' && c != '-')
		return 0;
	for (size_t i = l->lead; i < l->n; i++)
		if (l->s[i] != c && l->s[i] != ' ' && l->s[i] != '\t')
			return 0;
	return 1;
}

static size_t fence(const struct line *l, char *c)
{
	if (l->indent > 3 || l->n - l->lead < 3)
		return 0;
	const char *s = l->s + l->lead;
	if (s[0] != '`' && s[0] != '~')
		return 0;
	size_t k = 0;
	while (k < l->n - l->lead && s[k] == s[0])
		k++;
	if (k < 3)
		return 0;
	*c = s[0];
	return k;
}

static void close_lists(struct md *m, int keep)
{
	while (m->nlists > keep) {
		m->nlists--;
		tw_list_end(m->w);
	}
}

/* Removes up to `cols` columns of leading spaces from a line. */
static const char *strip_cols(const char *s, size_t n, size_t cols, size_t *out_n)
{
	size_t i = 0, c = 0;
	while (i < n && c < cols && (s[i] == ' ' || s[i] == '\t')) {
		c = s[i] == '\t' ? (c / 4 + 1) * 4 : c + 1;
		i++;
	}
	*out_n = n - i;
	return s + i;
}

/* [quote=…] on a line of its own: the option into *opt (when opt is not
 * NULL; it stays NULL for a bare [quote]), or 0. */
static int quote_open(const struct line *l, char **opt, int *after_eq)
{
	const char *s = l->s + l->lead;
	size_t n = l->n - l->lead;
	if (n < 7 || strncasecmp(s, "[quote", 6) != 0)
		return 0;
	while (n > 0 && is_space(s[n - 1]))
		n--;
	if (s[n - 1] != ']')
		return 0;
	if (s[6] == ']')
		return n == 7;
	if (s[6] != '=' && s[6] != ' ')
		return 0;
	if (opt != NULL) {
		*after_eq = s[6] == '=';
		*opt = xstrndup(s + 7, n - 8);
	}
	return 1;
}

static int quote_close(const struct line *l)
{
	const char *s = l->s + l->lead;
	size_t n = l->n - l->lead;
	while (n > 0 && is_space(s[n - 1]))
		n--;
	return n == 8 && strncasecmp(s, "[/quote]", 8) == 0;
}

static void para_line(struct md *m, const char *s, size_t n, int depth)
{
	if (m->in_para)
		tw_break(m->w);
	while (n > 0 && is_space(s[n - 1]))
		n--;
	inline_text(m->w, s, n, 0);
	m->in_para = 1;
}

static int cmp_quote(const void *a, const void *b)
{
	const struct md_quote *x = a, *y = b;
	return x->open < y->open ? -1 : x->open > y->open;
}

/* Pairs [quote] and [/quote] lines with a stack, once per block, so that
 * finding the end of a quote costs nothing however many there are. */
static void pair_quotes(struct md *m, const char *s, size_t n)
{
	struct buf stack = BUF_INIT; /* of size_t */
	size_t pos = 0, cap = 0;
	if (memmem(s, n, "[/", 2) == NULL)
		return;
	while (pos < n) {
		struct line l;
		size_t start = pos;
		get_line(s, n, &pos, &l);
		if (quote_open(&l, NULL, NULL)) {
			buf_add(&stack, &start, sizeof start);
		} else if (quote_close(&l) && stack.len > 0) {
			size_t open;
			memcpy(&open, stack.p + stack.len - sizeof open, sizeof open);
			buf_truncate(&stack, stack.len - sizeof open);
			if (m->nq == cap) {
				cap = cap ? cap * 2 : 8;
				m->q = xrealloc(m->q, cap * sizeof *m->q);
			}
			m->q[m->nq].open = open;
			m->q[m->nq].body_end = start;
			m->q[m->nq].after = pos;
			m->nq++;
		}
	}
	buf_free(&stack);
	if (m->nq > 1)
		qsort(m->q, m->nq, sizeof *m->q, cmp_quote);
}

static void blocks(struct text_writer *w, const char *s, size_t n, int depth)
{
	struct md m;
	memset(&m, 0, sizeof m);
	m.w = w;
	pair_quotes(&m, s, n);
	size_t pos = 0;
	struct line l;
	while (pos < n) {
		size_t start = pos;
		get_line(s, n, &pos, &l);
		char fc;
		size_t flen;
		int ordered = 0;
		long num = 1;
		size_t mw;

		if (blank(&l)) {
			tw_paragraph(w);
			m.in_para = 0;
			m.blank = 1;
			continue;
		}
		/* leave lists the line is not indented into */
		if (m.nlists > 0 && l.indent < m.lists[m.nlists - 1].content &&
		    list_marker(&l, &ordered, &num) == 0 && m.blank) {
			int keep = m.nlists;
			while (keep > 0 && l.indent < m.lists[keep - 1].content)
				keep--;
			close_lists(&m, keep);
		}
		size_t base = m.nlists > 0 ? m.lists[m.nlists - 1].content : 0;

		if ((flen = fence(&l, &fc)) > 0) {
			struct buf code = BUF_INIT;
			size_t ind = l.indent;
			while (pos < n) {
				struct line c;
				get_line(s, n, &pos, &c);
				char cc;
				if (fence(&c, &cc) >= flen && cc == fc &&
				    c.lead + fence(&c, &cc) == c.n)
					break;
				size_t cn;
				const char *cs = strip_cols(c.s, c.n, ind, &cn);
				buf_add(&code, cs, cn);
				buf_addc(&code, '\n');
			}
			tw_code_block(w, buf_str(&code), code.len);
			buf_free(&code);
			m.in_para = 0;
		} else if (l.indent >= base + 4 && !m.in_para) {
			struct buf code = BUF_INIT;
			size_t p = start;
			while (p < n) {
				struct line c;
				size_t before = p;
				get_line(s, n, &p, &c);
				if (!blank(&c) && c.indent < base + 4) {
					p = before;
					break;
				}
				size_t cn;
				const char *cs = strip_cols(c.s, c.n, base + 4, &cn);
				buf_add(&code, cs, cn);
				buf_addc(&code, '\n');
			}
			pos = p;
			tw_code_block(w, buf_str(&code), code.len);
			buf_free(&code);
		} else if (l.indent <= base + 3 && l.s[l.lead] == '#') {
			size_t h = 0;
			while (l.lead + h < l.n && l.s[l.lead + h] == '#')
				h++;
			const char *t = l.s + l.lead + h;
			size_t tn = l.n - l.lead - h;
			if (h > 6 || (tn > 0 && t[0] != ' ' && t[0] != '\t')) {
				para_line(&m, l.s + l.lead, l.n - l.lead, depth);
				m.blank = 0;
				continue;
			}
			while (tn > 0 && (is_space(t[tn - 1]) || t[tn - 1] == '#'))
				tn--;
			tw_paragraph(w);
			inline_text(w, t, tn, 0);
			tw_paragraph(w);
			m.in_para = 0;
		} else if (m.in_para && l.indent <= 3 && setext(&l)) {
			/* setext underline: the paragraph above was a heading */
			tw_paragraph(w);
			m.in_para = 0;
		} else if (is_hr(&l)) {
			tw_hr(w);
			m.in_para = 0;
		} else if (l.indent <= base + 3 && l.s[l.lead] == '>' && depth < MD_MAX_DEPTH) {
			struct buf inner = BUF_INIT;
			size_t p = start;
			while (p < n) {
				struct line c;
				size_t before = p;
				get_line(s, n, &p, &c);
				if (blank(&c) || c.s[c.lead] != '>') {
					p = before;
					break;
				}
				size_t k = c.lead + 1;
				if (k < c.n && c.s[k] == ' ')
					k++;
				buf_add(&inner, c.s + k, c.n - k);
				buf_addc(&inner, '\n');
			}
			pos = p;
			tw_quote_begin(w, NULL);
			blocks(w, buf_str(&inner), inner.len, depth + 1);
			tw_quote_end(w);
			buf_free(&inner);
			m.in_para = 0;
		} else if ((mw = list_marker(&l, &ordered, &num)) > 0 &&
			   (m.nlists > 0 || !m.in_para || !ordered)) {
			/* pop deeper lists, open a new one if needed */
			while (m.nlists > 0 && l.indent < m.lists[m.nlists - 1].marker)
				close_lists(&m, m.nlists - 1);
			if (m.nlists > 0 && l.indent < m.lists[m.nlists - 1].content &&
			    m.lists[m.nlists - 1].ordered != ordered)
				close_lists(&m, m.nlists - 1);
			if (m.nlists == 0 || l.indent >= m.lists[m.nlists - 1].content) {
				if (m.nlists < MD_MAX_LISTS) {
					m.lists[m.nlists].marker = l.indent;
					m.lists[m.nlists].ordered = ordered;
					m.nlists++;
					tw_list_begin(w, ordered, num);
				}
			}
			m.lists[m.nlists - 1].content = l.indent + mw;
			tw_list_item(w);
			const char *t = l.s + l.lead + mw;
			size_t tn = l.n - l.lead - mw;
			m.in_para = 0;
			para_line(&m, t, tn, depth);
		} else if (l.indent <= base + 3 && quote_open(&l, NULL, NULL)) {
			char *opt = NULL, *name = NULL, *id = NULL;
			int after_eq = 0;
			quote_open(&l, &opt, &after_eq);
			/* the matching [/quote] line, paired in advance */
			size_t body_end = n, after = n;
			int found = 0;
			while (m.qnext < m.nq && m.q[m.qnext].open < start)
				m.qnext++;
			if (m.qnext < m.nq && m.q[m.qnext].open == start) {
				body_end = m.q[m.qnext].body_end;
				after = m.q[m.qnext].after;
				found = 1;
			}
			if (!found || depth >= MD_MAX_DEPTH) {
				free(opt);
				para_line(&m, l.s + l.lead, l.n - l.lead, depth);
				m.blank = 0;
				continue;
			}
			if (opt != NULL)
				text_quote_opt(opt, after_eq, &name, &id);
			tw_quote_begin(w, name);
			tw_quoted_id(w, id);
			blocks(w, s + pos, body_end - pos, depth + 1);
			tw_quote_end(w);
			pos = after;
			free(opt);
			free(name);
			free(id);
			m.in_para = 0;
		} else {
			size_t tn;
			const char *t = strip_cols(l.s, l.n, base, &tn);
			while (tn > 0 && (*t == ' ' || *t == '\t')) {
				t++;
				tn--;
			}
			para_line(&m, t, tn, depth);
		}
		m.blank = 0;
	}
	close_lists(&m, 0);
	free(m.q);
}

void text_markdown(struct text_writer *w, const char *src, size_t len)
{
	blocks(w, src, len, 0);
}
