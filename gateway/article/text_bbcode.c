/*
 * text_bbcode: BBCode post bodies → the text writer.
 *
 * Three linear passes over the source:
 *  1. tokenize into text, opening and closing tags of the known tags
 *     (case-insensitive). Tags whose content is not BBCode ([code], [php],
 *     [html], [noparse], [img], [url]x[/url], [email]x[/email], [youtube],
 *     [video]) take everything up to their closing tag as one token;
 *  2. match closing tags to opening ones with a bounded stack. As vBulletin
 *     shows them, an opening tag that is never closed and a closing tag
 *     that closes nothing stay literal text; tags still open inside a tag
 *     that closes are closed with it;
 *  3. drive the writer: one begin/end call per matched tag.
 * Every scan is bounded or cached so garbage input stays linear.
 */
#include "text_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BB_MAX_STACK 256
#define BB_MAX_NAME 16
#define BB_MAX_OPT 2048

enum bb_kind {
	BK_INLINE,
	BK_BLOCK,
	BK_QUOTE,
	BK_CODE,
	BK_NOPARSE,
	BK_URL,
	BK_EMAIL,
	BK_IMG,
	BK_LIST,
	BK_ITEM,
	BK_SPOILER,
	BK_YOUTUBE,
	BK_VIDEO,
};

static const struct {
	const char *name;
	enum bb_kind kind;
} tags[] = {
	{"b", BK_INLINE},        {"i", BK_INLINE},      {"u", BK_INLINE},
	{"s", BK_INLINE},        {"strike", BK_INLINE}, {"color", BK_INLINE},
	{"size", BK_INLINE},     {"font", BK_INLINE},   {"highlight", BK_INLINE},
	{"sub", BK_INLINE},      {"sup", BK_INLINE},    {"left", BK_BLOCK},
	{"center", BK_BLOCK},    {"right", BK_BLOCK},   {"justify", BK_BLOCK},
	{"indent", BK_BLOCK},    {"quote", BK_QUOTE},   {"code", BK_CODE},
	{"php", BK_CODE},        {"html", BK_CODE},     {"noparse", BK_NOPARSE},
	{"url", BK_URL},         {"email", BK_EMAIL},   {"img", BK_IMG},
	{"list", BK_LIST},       {"*", BK_ITEM},        {"spoiler", BK_SPOILER},
	{"youtube", BK_YOUTUBE}, {"video", BK_VIDEO},
};
#define NTAGS (sizeof tags / sizeof tags[0])

enum tok_kind { TK_TEXT, TK_OPEN, TK_CLOSE };

struct tok {
	enum tok_kind kind;
	int tag;
	size_t off, len;    /* the whole token in the source */
	size_t opt, optlen; /* option: after "=" or after "name " */
	int has_opt;
	int raw; /* the token holds its content and closing tag */
	size_t rawoff, rawlen;
	int matched;
};

struct bb {
	struct text_writer *w;
	const char *s;
	size_t n;
	struct tok *t;
	size_t nt, capt;
	size_t rb;              /* position of the next ']' at or after the scan */
	size_t close_at[NTAGS]; /* cached position of "[/tag]" (SIZE_MAX: none) */
	int close_valid[NTAGS];
};

static int tag_raw(const struct tok *t)
{
	switch (tags[t->tag].kind) {
	case BK_CODE:
	case BK_NOPARSE:
	case BK_IMG:
	case BK_YOUTUBE:
	case BK_VIDEO:
		return 1;
	case BK_URL:
	case BK_EMAIL:
		return !t->has_opt;
	default:
		return 0;
	}
}

static struct tok *push_tok(struct bb *b, enum tok_kind kind, size_t off, size_t len)
{
	if (b->nt == b->capt) {
		b->capt = b->capt ? b->capt * 2 : 64;
		b->t = xrealloc(b->t, b->capt * sizeof *b->t);
	}
	struct tok *t = &b->t[b->nt++];
	memset(t, 0, sizeof *t);
	t->kind = kind;
	t->tag = -1;
	t->off = off;
	t->len = len;
	return t;
}

static int find_tag(const char *s, size_t n)
{
	for (size_t i = 0; i < NTAGS; i++)
		if (strlen(tags[i].name) == n && strncasecmp(tags[i].name, s, n) == 0)
			return (int)i;
	return -1;
}

/* Position of "[/name]" at or after `from`, SIZE_MAX if none; cached per
 * tag so repeated unclosed tags do not rescan the input. */
static size_t find_close(struct bb *b, int tag, size_t from)
{
	if (b->close_valid[tag] && (b->close_at[tag] == SIZE_MAX || b->close_at[tag] >= from))
		return b->close_at[tag];
	const char *name = tags[tag].name;
	size_t nl = strlen(name);
	size_t i = from, found = SIZE_MAX;
	while (i < b->n) {
		const char *p = memchr(b->s + i, '[', b->n - i);
		if (p == NULL)
			break;
		i = (size_t)(p - b->s);
		if (i + nl + 3 <= b->n && b->s[i + 1] == '/' &&
		    strncasecmp(b->s + i + 2, name, nl) == 0 && b->s[i + 2 + nl] == ']') {
			found = i;
			break;
		}
		i++;
	}
	b->close_valid[tag] = 1;
	b->close_at[tag] = found;
	return found;
}

/* Tries to read a tag at b->s[i] == '['; returns its length or 0. */
static size_t read_tag(struct bb *b, size_t i, size_t text_start)
{
	const char *s = b->s;
	size_t n = b->n, j = i + 1;
	int closing = j < n && s[j] == '/';
	if (closing)
		j++;
	size_t ns = j;
	while (j < n && j - ns <= BB_MAX_NAME &&
	       ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z') ||
		(s[j] >= '0' && s[j] <= '9') || s[j] == '*'))
		j++;
	if (j >= n || j == ns)
		return 0;
	int tag = find_tag(s + ns, j - ns);
	if (tag < 0)
		return 0;
	if (b->rb == SIZE_MAX - 1)
		return 0; /* no ']' left in the input */
	if (b->rb == SIZE_MAX || b->rb < j) {
		const char *p = memchr(s + j, ']', n - j);
		b->rb = p ? (size_t)(p - s) : SIZE_MAX - 1;
		if (p == NULL)
			return 0;
	}
	size_t opt = 0, optlen = 0;
	int has_opt = 0;
	if (s[j] == ']') {
		/* plain tag */
	} else if (!closing && (s[j] == '=' || s[j] == ' ')) {
		opt = j + 1;
		optlen = b->rb - opt;
		has_opt = 1;
		if (optlen > BB_MAX_OPT || memchr(s + opt, '\n', optlen) != NULL)
			return 0;
	} else {
		return 0;
	}
	size_t end = has_opt ? b->rb + 1 : j + 1;

	if (i > text_start)
		push_tok(b, TK_TEXT, text_start, i - text_start);
	struct tok *t = push_tok(b, closing ? TK_CLOSE : TK_OPEN, i, end - i);
	t->tag = tag;
	t->opt = opt;
	t->optlen = optlen;
	t->has_opt = has_opt;
	if (!closing && tag_raw(t)) {
		size_t c = find_close(b, tag, end);
		if (c == SIZE_MAX) {
			/* unclosed: the tag is literal text */
			b->nt--;
			if (i > text_start)
				b->nt--;
			return 0;
		}
		t->raw = 1;
		t->rawoff = end;
		t->rawlen = c - end;
		t->matched = 1;
		end = c + strlen(tags[tag].name) + 3;
		t->len = end - i;
	}
	return end - i;
}

static void tokenize(struct bb *b)
{
	size_t i = 0, text_start = 0;
	while (i < b->n) {
		const char *p = memchr(b->s + i, '[', b->n - i);
		if (p == NULL)
			break;
		i = (size_t)(p - b->s);
		size_t l = read_tag(b, i, text_start);
		if (l == 0) {
			i++;
			continue;
		}
		i += l;
		text_start = i;
	}
	if (b->n > text_start)
		push_tok(b, TK_TEXT, text_start, b->n - text_start);
}

static void match(struct bb *b)
{
	size_t stack[BB_MAX_STACK];
	size_t depth = 0;
	for (size_t i = 0; i < b->nt; i++) {
		struct tok *t = &b->t[i];
		if (t->kind == TK_OPEN && !t->raw && tags[t->tag].kind != BK_ITEM) {
			if (depth < BB_MAX_STACK)
				stack[depth++] = i;
		} else if (t->kind == TK_CLOSE && tags[t->tag].kind != BK_ITEM) {
			size_t k = depth;
			while (k > 0 && b->t[stack[k - 1]].tag != t->tag)
				k--;
			if (k == 0)
				continue;
			for (size_t d = k - 1; d < depth; d++)
				b->t[stack[d]].matched = 1;
			t->matched = 1;
			depth = k - 1;
		}
	}
}

/* Decoded copy of s[0..n) (entities), trimmed. Caller frees. */
static char *decoded(const char *s, size_t n)
{
	struct buf out = BUF_INIT;
	size_t i = 0;
	while (i < n) {
		if (s[i] == '&') {
			size_t u = text_entity(s + i, n - i, &out);
			if (u > 0) {
				i += u;
				continue;
			}
		}
		buf_addc(&out, s[i++]);
	}
	char *r = buf_detach(&out);
	size_t b = strspn(r, " \t\r\n");
	size_t l = strlen(r + b);
	while (l > 0 && strchr(" \t\r\n", r[b + l - 1]))
		l--;
	memmove(r, r + b, l);
	r[l] = '\0';
	return r;
}

static int key_at(const char *s)
{
	/* " key=" starting at s (s[0] == ' ') */
	size_t k = 1;
	while ((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z') || s[k] == '_')
		k++;
	return k > 1 && s[k] == '=';
}

/* A value at *p: quoted, or up to the next " key=". Advances *p. */
static char *opt_value(const char **p)
{
	const char *s = *p;
	if (*s == '"' || *s == '\'') {
		const char *e = strchr(s + 1, *s);
		if (e == NULL)
			e = s + strlen(s);
		*p = *e ? e + 1 : e;
		return xstrndup(s + 1, (size_t)(e - s - 1));
	}
	const char *e = s;
	while (*e && !(*e == ' ' && key_at(e)))
		e++;
	*p = e;
	size_t l = (size_t)(e - s);
	while (l > 0 && s[l - 1] == ' ')
		l--;
	return xstrndup(s, l);
}

static char *digits_of(const char *s)
{
	while (*s == ' ' || *s == '"' || *s == '\'')
		s++;
	size_t l = strspn(s, "0123456789");
	return l ? xstrndup(s, l) : NULL;
}

/* [quote=Name], [quote="Name"], [quote=Name;1234],
 * [quote="Name" post_id=1234 time=… user_id=…], [quote=Name post_id=1234],
 * [quote author=Name link=…], Discourse [quote="bob, post:3, topic:12"]. */
void text_quote_opt(const char *opt, int after_eq, char **name, char **id)
{
	const char *p = opt;
	*name = NULL;
	*id = NULL;
	if (after_eq) {
		*name = opt_value(&p);
		char *semi = strchr(*name, ';');
		if (semi != NULL) {
			*semi = '\0';
			*id = digits_of(semi + 1);
		}
		if (*p == ';') {
			free(*id);
			*id = digits_of(p + 1);
			p += strcspn(p, " ");
		}
		char *post = strstr(*name, ", post:");
		if (post != NULL) {
			char *d = digits_of(post + 7);
			if (d != NULL) {
				free(*id);
				*id = xasprintf("#%s", d);
				free(d);
			}
			*post = '\0';
		}
	}
	while (*p) {
		while (*p == ' ')
			p++;
		const char *eq = strchr(p, '=');
		if (eq == NULL)
			break;
		size_t kl = (size_t)(eq - p);
		const char *v = eq + 1;
		char *val = opt_value(&v);
		if ((kl == 7 && strncasecmp(p, "post_id", 7) == 0) ||
		    (kl == 6 && strncasecmp(p, "postid", 6) == 0)) {
			free(*id);
			*id = digits_of(val);
		} else if (*name == NULL && ((kl == 4 && strncasecmp(p, "name", 4) == 0) ||
					     (kl == 6 && strncasecmp(p, "author", 6) == 0))) {
			*name = xstrdup(val);
		}
		free(val);
		if (v == p)
			break;
		p = v;
	}
}

struct open_tag {
	size_t tok;
	size_t mark;
};

static void literal(struct bb *b, const struct tok *t)
{
	tw_source_text(b->w, b->s + t->off, t->len, 1);
}

static void emit_raw(struct bb *b, const struct tok *t)
{
	struct text_writer *w = b->w;
	char *raw = decoded(b->s + t->rawoff, t->rawlen);
	char *opt = t->has_opt ? decoded(b->s + t->opt, t->optlen) : NULL;
	switch (tags[t->tag].kind) {
	case BK_CODE: {
		/* keep indentation: decode without trimming the first line */
		struct buf code = BUF_INIT;
		const char *s = b->s + t->rawoff;
		for (size_t i = 0; i < t->rawlen;) {
			size_t u = s[i] == '&' ? text_entity(s + i, t->rawlen - i, &code) : 0;
			if (u == 0)
				buf_addc(&code, s[i++]);
			else
				i += u;
		}
		tw_code_block(w, buf_str(&code), code.len);
		buf_free(&code);
		break;
	}
	case BK_NOPARSE:
		tw_source_text(w, b->s + t->rawoff, t->rawlen, 1);
		break;
	case BK_URL: {
		size_t mark = tw_link_begin(w);
		tw_text(w, raw, strlen(raw));
		tw_link_end(w, mark, raw);
		break;
	}
	case BK_EMAIL: {
		char *url = xasprintf("mailto:%s", raw);
		size_t mark = tw_link_begin(w);
		tw_text(w, raw, strlen(raw));
		tw_link_end(w, mark, url);
		free(url);
		break;
	}
	case BK_IMG: {
		const char *alt = opt;
		if (alt != NULL && strspn(alt, "0123456789x") == strlen(alt))
			alt = NULL; /* [img=640x480] */
		tw_image(w, alt, raw);
		break;
	}
	case BK_YOUTUBE:
	case BK_VIDEO: {
		char *url;
		if (tags[t->tag].kind == BK_YOUTUBE && raw[0] && !strchr(raw, '/'))
			url = xasprintf("https://www.youtube.com/watch?v=%s", raw);
		else if (raw[0] == '\0' && opt && strncasecmp(opt, "youtube;", 8) == 0)
			url = xasprintf("https://www.youtube.com/watch?v=%s", opt + 8);
		else
			url = xstrdup(raw);
		if (url[0] != '\0') {
			size_t mark = tw_link_begin(w);
			tw_text(w, url, strlen(url));
			tw_link_end(w, mark, url);
		}
		free(url);
		break;
	}
	default:
		break;
	}
	free(raw);
	free(opt);
}

static void begin(struct bb *b, const struct tok *t, struct open_tag *o)
{
	struct text_writer *w = b->w;
	char *opt = t->has_opt ? decoded(b->s + t->opt, t->optlen) : NULL;
	switch (tags[t->tag].kind) {
	case BK_BLOCK:
		tw_line(w);
		break;
	case BK_QUOTE: {
		char *name = NULL, *id = NULL;
		if (opt != NULL)
			text_quote_opt(opt, b->s[t->opt - 1] == '=', &name, &id);
		tw_quote_begin(w, name);
		tw_quoted_id(w, id);
		free(name);
		free(id);
		break;
	}
	case BK_URL:
	case BK_EMAIL:
		o->mark = tw_link_begin(w);
		break;
	case BK_LIST: {
		long start = 1;
		if (opt != NULL && opt[0] >= '0' && opt[0] <= '9') {
			start = strtol(opt, NULL, 10);
			if (start < 0 || start > 1000000)
				start = 1;
		}
		tw_list_begin(w, opt != NULL && opt[0] != '\0', start);
		break;
	}
	case BK_SPOILER:
		tw_paragraph(w);
		tw_word(w, "Spoiler:", 8);
		if (opt != NULL && opt[0] != '\0') {
			tw_space(w);
			tw_text(w, opt, strlen(opt));
		}
		tw_line(w);
		break;
	default:
		break;
	}
	free(opt);
}

static void end(struct bb *b, const struct tok *t, const struct open_tag *o)
{
	struct text_writer *w = b->w;
	switch (tags[t->tag].kind) {
	case BK_BLOCK:
		tw_line(w);
		break;
	case BK_QUOTE:
		tw_quote_end(w);
		break;
	case BK_URL:
	case BK_EMAIL: {
		char *opt = decoded(b->s + t->opt, t->optlen);
		if (opt[0] == '"' || opt[0] == '\'') {
			size_t l = strlen(opt);
			memmove(opt, opt + 1, l);
			if (l > 1 && (opt[l - 2] == '"' || opt[l - 2] == '\''))
				opt[l - 2] = '\0';
		}
		char *url = tags[t->tag].kind == BK_EMAIL ? xasprintf("mailto:%s", opt)
							  : xstrdup(opt);
		tw_link_end(w, o->mark, url);
		free(url);
		free(opt);
		break;
	}
	case BK_LIST:
		tw_list_end(w);
		break;
	case BK_SPOILER:
		tw_paragraph(w);
		break;
	default:
		break;
	}
}

static int block_kind(enum bb_kind k)
{
	return k == BK_BLOCK || k == BK_QUOTE || k == BK_CODE || k == BK_LIST || k == BK_SPOILER;
}

static void emit(struct bb *b)
{
	struct open_tag stack[BB_MAX_STACK];
	size_t depth = 0, lists = 0;
	int eat_nl = 0;
	for (size_t i = 0; i < b->nt; i++) {
		const struct tok *t = &b->t[i];
		if (t->kind == TK_TEXT) {
			size_t off = t->off, len = t->len;
			/* as vBulletin does, a newline right after a block tag is
			 * part of the tag, not a line break of its own */
			if (eat_nl && len > 0 && b->s[off] == '\r')
				off++, len--;
			if (eat_nl && len > 0 && b->s[off] == '\n')
				off++, len--;
			tw_source_text(b->w, b->s + off, len, 1);
			eat_nl = 0;
			continue;
		}
		eat_nl = t->matched && block_kind(tags[t->tag].kind);
		if (t->tag >= 0 && tags[t->tag].kind == BK_ITEM) {
			if (lists == 0)
				literal(b, t);
			else if (t->kind == TK_OPEN)
				tw_list_item(b->w);
		} else if (t->kind == TK_OPEN && t->raw) {
			emit_raw(b, t);
		} else if (!t->matched || (t->kind == TK_OPEN && depth == BB_MAX_STACK)) {
			literal(b, t);
		} else if (t->kind == TK_OPEN) {
			stack[depth].tok = i;
			stack[depth].mark = 0;
			begin(b, t, &stack[depth]);
			if (tags[t->tag].kind == BK_LIST)
				lists++;
			depth++;
		} else {
			while (depth > 0) {
				const struct tok *o = &b->t[stack[depth - 1].tok];
				depth--;
				end(b, o, &stack[depth]);
				if (tags[o->tag].kind == BK_LIST)
					lists--;
				if (o->tag == t->tag)
					break;
			}
		}
	}
}

void text_bbcode(struct text_writer *w, const char *src, size_t len)
{
	struct bb b;
	memset(&b, 0, sizeof b);
	b.w = w;
	b.s = src;
	b.n = len;
	b.rb = SIZE_MAX;
	tokenize(&b);
	match(&b);
	emit(&b);
	free(b.t);
}
