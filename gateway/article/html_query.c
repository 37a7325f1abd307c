/*
 * html_query: finding things in a parsed tree, its text, and writing it
 * back as HTML (see include/forumgate/html.h). Page parsers call these;
 * the body walk in text_html.c keeps its own faster paths (class bits,
 * attribute ids).
 */
#include "forumgate/html.h"

#include <string.h>

#include "forumgate/buf.h"

int html_is(const struct html_node *n, enum html_tag tag)
{
	return n != NULL && n->type == HTML_ELEMENT && (tag == HT_UNKNOWN || n->tag == tag);
}

int html_is_named(const struct html_node *n, const char *name)
{
	return html_is(n, HT_UNKNOWN) && strcmp(n->name, name) == 0;
}

const char *html_attr(const struct html_node *n, const char *name)
{
	if (!html_is(n, HT_UNKNOWN))
		return NULL;
	for (const struct html_attr *a = n->attrs; a != NULL; a = a->next)
		if (strcmp(a->name, name) == 0)
			return a->value;
	return NULL;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

int html_has_class(const struct html_node *n, const char *cls)
{
	const char *v = html_attr(n, "class");
	size_t len = strlen(cls);

	if (v == NULL || len == 0)
		return 0;
	while (*v != '\0') {
		while (is_space(*v))
			v++;
		const char *s = v;
		while (*v != '\0' && !is_space(*v))
			v++;
		if ((size_t)(v - s) == len && memcmp(s, cls, len) == 0)
			return 1;
	}
	return 0;
}

struct html_node *html_skip(const struct html_node *n, const struct html_node *root)
{
	for (;;) {
		if (n == NULL || n == root)
			return NULL;
		if (n->next != NULL)
			return n->next;
		n = n->parent;
	}
}

struct html_node *html_next(const struct html_node *n, const struct html_node *root)
{
	if (n == NULL)
		return NULL;
	if (n->type == HTML_ELEMENT && n->children != NULL)
		return n->children;
	return html_skip(n, root);
}

static int matches(const struct html_node *n, enum html_tag tag, const char *cls)
{
	return html_is(n, tag) && (cls == NULL || html_has_class(n, cls));
}

struct html_node *html_find(const struct html_node *root, enum html_tag tag, const char *cls)
{
	for (const struct html_node *n = root; n != NULL; n = html_next(n, root))
		if (matches(n, tag, cls))
			return (struct html_node *)n;
	return NULL;
}

struct html_node *html_find_after(const struct html_node *root, const struct html_node *from,
				  enum html_tag tag, const char *cls)
{
	for (const struct html_node *n = html_skip(from, root); n != NULL; n = html_next(n, root))
		if (matches(n, tag, cls))
			return (struct html_node *)n;
	return NULL;
}

struct html_node *html_find_attr(const struct html_node *root, const char *attr, const char *value,
				 int prefix)
{
	size_t len = strlen(value);

	for (const struct html_node *n = root; n != NULL; n = html_next(n, root)) {
		const char *v = html_attr(n, attr);
		if (v != NULL && (prefix ? strncmp(v, value, len) == 0 : strcmp(v, value) == 0))
			return (struct html_node *)n;
	}
	return NULL;
}

struct html_node *html_ancestor(const struct html_node *n, enum html_tag tag, const char *cls)
{
	for (n = n != NULL ? n->parent : NULL; n != NULL; n = n->parent)
		if (matches(n, tag, cls))
			return (struct html_node *)n;
	return NULL;
}

size_t html_text(const struct html_node *n, struct buf *out)
{
	size_t start = out->len;
	int space = 0; /* a space is owed before the next visible byte */

	if (n == NULL)
		return 0;
	for (const struct html_node *k = n; k != NULL;) {
		if (html_is(k, HT_SCRIPT) || html_is(k, HT_STYLE)) {
			k = html_skip(k, n);
			continue;
		}
		if (k->type == HTML_TEXT) {
			for (size_t i = 0; i < k->len; i++) {
				char c = k->text[i];
				if (is_space(c)) {
					space = 1;
					continue;
				}
				if (space && out->len > start)
					buf_addc(out, ' ');
				space = 0;
				buf_addc(out, c);
			}
		} else if (html_is(k, HT_BR) || html_is(k, HT_P) || html_is(k, HT_DIV) ||
			   html_is(k, HT_TD) || html_is(k, HT_LI) || html_is(k, HT_TR)) {
			/* block and cell boundaries separate words too */
			space = 1;
		}
		k = html_next(k, n);
	}
	return out->len - start;
}

char *html_text_dup(const struct html_node *n)
{
	struct buf b = {0};

	html_text(n, &b);
	return buf_detach(&b);
}

static void escape(struct buf *out, const char *s, size_t n, int attr)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '&':
			buf_adds(out, "&amp;");
			break;
		case '<':
			buf_adds(out, "&lt;");
			break;
		case '>':
			buf_adds(out, "&gt;");
			break;
		case '"':
			if (attr) {
				buf_adds(out, "&quot;");
				break;
			}
			/* fall through */
		default:
			buf_addc(out, s[i]);
		}
	}
}

/* libxml2's HTML 4 empty elements: written without an end tag, and the
 * parser never gives them children. */
static int is_void(const struct html_node *n)
{
	switch (n->tag) {
	case HT_AREA:
	case HT_BASE:
	case HT_BASEFONT:
	case HT_BR:
	case HT_COL:
	case HT_FRAME:
	case HT_HR:
	case HT_IMG:
	case HT_INPUT:
	case HT_ISINDEX:
	case HT_LINK:
	case HT_META:
	case HT_PARAM:
		return 1;
	default:
		return 0;
	}
}

static void start_tag(const struct html_node *n, struct buf *out)
{
	buf_addc(out, '<');
	buf_adds(out, n->name);
	for (const struct html_attr *a = n->attrs; a != NULL; a = a->next) {
		buf_addc(out, ' ');
		buf_adds(out, a->name);
		buf_adds(out, "=\"");
		escape(out, a->value, strlen(a->value), 1);
		buf_addc(out, '"');
	}
	buf_addc(out, '>');
}

static void end_tag(const struct html_node *n, struct buf *out)
{
	buf_adds(out, "</");
	buf_adds(out, n->name);
	buf_addc(out, '>');
}

void html_serialize(const struct html_node *n, int outer, struct buf *out)
{
	const struct html_node *k;

	if (n == NULL)
		return;
	if (n->type == HTML_TEXT) {
		if (outer)
			escape(out, n->text, n->len, 0);
		return;
	}
	k = outer ? n : n->children;
	/* iterative, like the parser: hostile nesting costs no C stack */
	while (k != NULL) {
		if (k->type == HTML_TEXT) {
			if (html_is(k->parent, HT_SCRIPT) || html_is(k->parent, HT_STYLE))
				buf_add(out, k->text, k->len);
			else
				escape(out, k->text, k->len, 0);
		} else {
			start_tag(k, out);
			if (k->children != NULL) {
				k = k->children;
				continue;
			}
			if (!is_void(k))
				end_tag(k, out);
		}
		/* on to the next sibling, closing the elements left behind */
		for (;;) {
			if (k == n)
				return;
			if (k->next != NULL) {
				k = k->next;
				break;
			}
			k = k->parent;
			if (k == n) {
				if (outer)
					end_tag(n, out);
				return;
			}
			end_tag(k, out);
		}
	}
}
