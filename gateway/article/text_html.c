/*
 * text_html: HTML post bodies → the text writer.
 *
 * The body is parsed once with libxml2's HTML parser (recovering, no
 * network, no error output; blanks are kept because whitespace between
 * inline elements matters) and the tree is walked depth-first, each element
 * mapped to a writer call. No XPath: the forum-specific shapes are recognised
 * by looking at an element's class and its nearest children:
 *  - vBulletin 4 quotes (div.bbcode_quote with div.bbcode_postedby) and code
 *    boxes (div.bbcode_description label + pre.bbcode_code);
 *  - vBulletin 3 quotes and code boxes: a div.smallfont label ("Quote:",
 *    "Code:") followed by a table with td.alt2 or by a pre/div.alt2;
 *  - phpBB blockquote with <cite>NAME wrote:</cite>, its codebox labels;
 *  - Discourse aside.quote with data-username/data-post.
 * Recursion is bounded; anything nested deeper is written as flat text.
 */
#include "text_internal.h"

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HTML_MAX_DEPTH 300

struct html_ctx {
	struct text_writer *w;
	int depth;
};

static void walk(struct html_ctx *c, xmlNode *n);
static void node(struct html_ctx *c, xmlNode *n);

static pthread_once_t parser_once = PTHREAD_ONCE_INIT;

static void parser_init(void)
{
	xmlInitParser();
}

static int is_el(const xmlNode *n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE &&
	       strcmp((const char *)n->name, name) == 0;
}

/* The value of attribute `name` as stored in the tree, or NULL. */
static const char *attr(const xmlNode *n, const char *name)
{
	for (const xmlAttr *a = n->properties; a != NULL; a = a->next) {
		if (strcmp((const char *)a->name, name) != 0)
			continue;
		if (a->children == NULL)
			return "";
		if (a->children->type == XML_TEXT_NODE && a->children->content)
			return (const char *)a->children->content;
		return "";
	}
	return NULL;
}

static int has_class(const xmlNode *n, const char *cls)
{
	const char *v = attr(n, "class");
	size_t l = strlen(cls);
	while (v != NULL && *v) {
		while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r')
			v++;
		size_t t = strcspn(v, " \t\n\r");
		if (t == l && memcmp(v, cls, l) == 0)
			return 1;
		v += t;
	}
	return 0;
}

static int class_contains(const xmlNode *n, const char *s)
{
	const char *v = attr(n, "class");
	return v != NULL && strstr(v, s) != NULL;
}

static xmlNode *first_element(xmlNode *n)
{
	for (; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return n;
	return NULL;
}

/* First descendant element named `name` (and with class `cls` unless NULL),
 * at most `levels` below n. */
static xmlNode *find(xmlNode *n, const char *name, const char *cls, int levels)
{
	if (levels <= 0)
		return NULL;
	for (xmlNode *k = n->children; k != NULL; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		if ((name == NULL || is_el(k, name)) && (cls == NULL || has_class(k, cls)))
			return k;
		xmlNode *r = find(k, name, cls, levels - 1);
		if (r != NULL)
			return r;
	}
	return NULL;
}

/* Text content of n, whitespace collapsed and trimmed (caller frees). */
static char *text_of(xmlNode *n)
{
	struct buf b = BUF_INIT;
	xmlChar *t = xmlNodeGetContent(n);
	int sp = 0;
	for (const char *p = (const char *)t; p != NULL && *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f') {
			sp = b.len > 0;
			continue;
		}
		if (sp)
			buf_addc(&b, ' ');
		sp = 0;
		buf_addc(&b, *p);
	}
	xmlFree(t);
	return buf_detach(&b);
}

/* The post id in a link to a post: "showthread.php?p=1234#post1234",
 * "viewtopic.php?p=1234#p1234" → "1234"; NULL when there is none. */
static char *href_post_id(const char *href)
{
	if (href == NULL)
		return NULL;
	const char *d = NULL;
	const char *p = strstr(href, "#post");
	if (p != NULL && p[5] >= '0' && p[5] <= '9')
		d = p + 5;
	for (p = href; d == NULL && (p = strstr(p, "p=")) != NULL; p += 2)
		if (p > href && (p[-1] == '?' || p[-1] == '&' || p[-1] == ';') &&
		    p[2] >= '0' && p[2] <= '9')
			d = p + 2;
	if (d == NULL && (p = strstr(href, "#p")) != NULL && p[2] >= '0' && p[2] <= '9')
		d = p + 2;
	if (d == NULL)
		return NULL;
	return xstrndup(d, strspn(d, "0123456789"));
}

/* The post id of the first link below n that names one. */
static char *post_id_below(xmlNode *n, int levels)
{
	if (levels <= 0)
		return NULL;
	for (xmlNode *k = n->children; k != NULL; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (is_el(k, "a")) {
			const char *dp = attr(k, "data-post-id");
			if (dp != NULL && dp[0] != '\0')
				return xstrdup(dp);
			char *id = href_post_id(attr(k, "href"));
			if (id != NULL)
				return id;
		}
		char *id = post_id_below(k, levels - 1);
		if (id != NULL)
			return id;
	}
	return NULL;
}

static void quote_begin(struct html_ctx *c, const char *name, const char *id)
{
	tw_quote_begin(c->w, name);
	tw_quoted_id(c->w, id);
}

/* Walks the children of n except `skip`. */
static void walk_except(struct html_ctx *c, xmlNode *n, xmlNode *skip)
{
	for (xmlNode *k = n->children; k != NULL; k = k->next)
		if (k != skip)
			node(c, k);
}

/* vBulletin 4: div.bbcode_quote > div.quote_container > (div.bbcode_postedby,
 * div.message). The header divs are skipped wherever they are met. */
static void vb4_quote(struct html_ctx *c, xmlNode *q)
{
	xmlNode *by = find(q, "div", "bbcode_postedby", 4);
	char *name = NULL, *id = NULL;
	if (by != NULL) {
		xmlNode *s = find(by, "strong", NULL, 3);
		name = s ? text_of(s) : NULL;
		id = post_id_below(by, 3);
	}
	quote_begin(c, name, id);
	walk(c, q);
	tw_quote_end(c->w);
	free(name);
	free(id);
}

/* vBulletin 3: the table after the "Quote:" label. Returns 0 when it does
 * not look like a quote. */
static int vb3_quote(struct html_ctx *c, xmlNode *table)
{
	xmlNode *td = find(table, "td", "alt2", 3);
	if (td == NULL)
		return 0;
	xmlNode *hdr = first_element(td->children);
	char *name = NULL, *id = NULL;
	if (is_el(hdr, "div")) {
		xmlNode *s = find(hdr, "strong", NULL, 2);
		char *t = s ? text_of(hdr) : NULL;
		id = s ? post_id_below(hdr, 2) : NULL;
		if (s != NULL && (id != NULL || (t && strcasestr(t, "posted by"))))
			name = text_of(s);
		else
			hdr = NULL;
		free(t);
		if (hdr == NULL) {
			free(id);
			id = NULL;
		}
	} else {
		hdr = NULL;
	}
	quote_begin(c, name, id);
	walk_except(c, td, hdr);
	tw_quote_end(c->w);
	free(name);
	free(id);
	return 1;
}

/* phpBB: <blockquote><div><cite>NAME wrote: …</cite>TEXT</div></blockquote>,
 * or any other blockquote (anonymous). */
static void blockquote(struct html_ctx *c, xmlNode *q)
{
	xmlNode *cite = find(q, "cite", NULL, 2);
	char *name = NULL, *id = NULL;
	if (cite != NULL) {
		name = text_of(cite);
		char *w = strstr(name, " wrote");
		if (w == NULL)
			w = strstr(name, "wrote:");
		if (w != NULL) {
			*w = '\0';
		} else {
			size_t l = strlen(name);
			if (l > 0 && name[l - 1] == ':')
				name[l - 1] = '\0';
		}
		id = post_id_below(cite, 2);
	}
	quote_begin(c, name, id);
	xmlNode *div = cite ? cite->parent : NULL;
	if (div != NULL && div != q && div->parent == q) {
		for (xmlNode *k = q->children; k != NULL; k = k->next) {
			if (k == div)
				walk_except(c, div, cite);
			else
				node(c, k);
		}
	} else {
		walk_except(c, q, cite);
	}
	tw_quote_end(c->w);
	free(name);
	free(id);
}

/* Discourse: <aside class="quote" data-username data-post><div class="title">
 * …</div><blockquote>TEXT</blockquote></aside>. data-post is a post number. */
static void discourse_quote(struct html_ctx *c, xmlNode *a)
{
	const char *user = attr(a, "data-username");
	const char *post = attr(a, "data-post");
	char *id = post && post[0] ? xasprintf("#%s", post) : NULL;
	char *name = NULL;
	xmlNode *title = find(a, "div", "title", 1);
	if (user != NULL && user[0] != '\0') {
		name = xstrdup(user);
	} else if (title != NULL) {
		name = text_of(title);
		size_t l = strlen(name);
		if (l > 0 && name[l - 1] == ':')
			name[l - 1] = '\0';
	}
	quote_begin(c, name, id);
	for (xmlNode *k = a->children; k != NULL; k = k->next) {
		if (k == title)
			continue;
		if (is_el(k, "blockquote"))
			walk(c, k);
		else
			node(c, k);
	}
	tw_quote_end(c->w);
	free(name);
	free(id);
}

/* Text of a code element, <br> as newline, nothing else interpreted. */
static void code_text(xmlNode *n, struct buf *b, int depth)
{
	for (xmlNode *k = n->children; k != NULL; k = k->next) {
		if (k->type == XML_TEXT_NODE || k->type == XML_CDATA_SECTION_NODE) {
			if (k->content)
				buf_adds(b, (const char *)k->content);
		} else if (k->type == XML_ELEMENT_NODE) {
			if (is_el(k, "br"))
				buf_addc(b, '\n');
			else if (depth < HTML_MAX_DEPTH && !is_el(k, "script") && !is_el(k, "style"))
				code_text(k, b, depth + 1);
		}
	}
}

static void code(struct html_ctx *c, xmlNode *n, int inline_ok)
{
	struct buf b = BUF_INIT;
	code_text(n, &b, c->depth);
	if (inline_ok && memchr(buf_str(&b), '\n', b.len) == NULL)
		tw_text(c->w, buf_str(&b), b.len);
	else
		tw_code_block(c->w, buf_str(&b), b.len);
	buf_free(&b);
}

static void image(struct html_ctx *c, xmlNode *n)
{
	const char *src = attr(n, "src");
	const char *alt = attr(n, "alt");
	if (src == NULL || src[0] == '\0')
		src = attr(n, "data-src");
	if (class_contains(n, "inlineimg") || class_contains(n, "emoji") ||
	    class_contains(n, "smilie") || (src != NULL && strstr(src, "smilies/"))) {
		if (alt == NULL || alt[0] == '\0')
			alt = attr(n, "title");
		if (alt != NULL)
			tw_text(c->w, alt, strlen(alt));
		return;
	}
	tw_image(c->w, alt, src);
}

static void list(struct html_ctx *c, xmlNode *n, int ordered)
{
	long start = 1;
	const char *s = attr(n, "start");
	if (s != NULL) {
		char *end;
		long v = strtol(s, &end, 10);
		if (end != s && v >= 0 && v < 1000000)
			start = v;
	}
	tw_list_begin(c->w, ordered, start);
	walk(c, n);
	tw_list_end(c->w);
}

/* Writes n's subtree as flat text without recursion (too deep to walk). */
static void flat(struct html_ctx *c, xmlNode *root)
{
	xmlNode *n = root->children;
	while (n != NULL) {
		if (n->type == XML_TEXT_NODE && n->content)
			tw_text(c->w, (const char *)n->content, strlen((const char *)n->content));
		else if (is_el(n, "br"))
			tw_break(c->w);
		if (n->type == XML_ELEMENT_NODE && n->children != NULL &&
		    !is_el(n, "script") && !is_el(n, "style")) {
			n = n->children;
			continue;
		}
		while (n != NULL && n != root && n->next == NULL)
			n = n->parent;
		if (n == NULL || n == root)
			break;
		n = n->next;
	}
}

static const char *const dropped[] = {
	"script", "style", "head", "title", "noscript", "template", "iframe",
	"object", "embed", "select", "button", "input", "textarea", "svg",
};

static const char *const blocks[] = {
	"div", "section", "article", "header", "footer", "nav", "main", "center",
	"form", "fieldset", "address", "figure", "figcaption", "details",
	"summary", "table", "thead", "tbody", "tfoot", "caption", "dl", "dt",
	"dd", "aside", "body", "html", "legend", "tr",
};

static int in_list(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return 1;
	return 0;
}

static void element(struct html_ctx *c, xmlNode *n)
{
	const char *name = (const char *)n->name;
	struct text_writer *w = c->w;

	if (in_list(name, dropped, sizeof dropped / sizeof dropped[0]))
		return;
	if (strcmp(name, "br") == 0) {
		tw_break(w);
	} else if (strcmp(name, "hr") == 0) {
		tw_hr(w);
	} else if (strcmp(name, "p") == 0) {
		tw_paragraph(w);
		walk(c, n);
		tw_paragraph(w);
	} else if (name[0] == 'h' && name[1] >= '1' && name[1] <= '6' && name[2] == '\0') {
		tw_paragraph(w);
		walk(c, n);
		tw_paragraph(w);
	} else if (strcmp(name, "pre") == 0 || strcmp(name, "xmp") == 0) {
		code(c, n, 0);
	} else if (strcmp(name, "code") == 0) {
		code(c, n, 1);
	} else if (strcmp(name, "ul") == 0 || strcmp(name, "menu") == 0 ||
		   strcmp(name, "dir") == 0) {
		list(c, n, 0);
	} else if (strcmp(name, "ol") == 0) {
		list(c, n, 1);
	} else if (strcmp(name, "li") == 0) {
		int bare = w->nlists == 0; /* an item outside any list */
		if (bare)
			tw_list_begin(w, 0, 1);
		tw_list_item(w);
		walk(c, n);
		if (bare)
			tw_list_end(w);
	} else if (strcmp(name, "a") == 0) {
		const char *href = attr(n, "href");
		if (href == NULL) {
			walk(c, n);
		} else {
			char *url = xstrdup(href);
			size_t mark = tw_link_begin(w);
			walk(c, n);
			tw_link_end(w, mark, url);
			free(url);
		}
	} else if (strcmp(name, "img") == 0) {
		image(c, n);
	} else if (strcmp(name, "blockquote") == 0) {
		blockquote(c, n);
	} else if (strcmp(name, "aside") == 0 && has_class(n, "quote")) {
		discourse_quote(c, n);
	} else if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0) {
		tw_space(w);
		walk(c, n);
		tw_space(w);
	} else if (strcmp(name, "div") == 0 && (has_class(n, "bbcode_description") ||
					       has_class(n, "bbcode_postedby") ||
					       has_class(n, "bbcode_quote_container"))) {
		/* vBulletin 4 labels and quote headers */
	} else if (strcmp(name, "div") == 0 && has_class(n, "meta") && n->parent != NULL &&
		   has_class(n->parent, "lightbox")) {
		/* Discourse image file name and size */
	} else if (strcmp(name, "div") == 0 && has_class(n, "bbcode_quote")) {
		vb4_quote(c, n);
	} else if (in_list(name, blocks, sizeof blocks / sizeof blocks[0])) {
		tw_line(w);
		walk(c, n);
		tw_line(w);
	} else {
		walk(c, n);
	}
}

static void node(struct html_ctx *c, xmlNode *n)
{
	if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
		if (n->content)
			tw_text(c->w, (const char *)n->content, strlen((const char *)n->content));
		return;
	}
	if (n->type != XML_ELEMENT_NODE)
		return;
	if (c->depth >= HTML_MAX_DEPTH) {
		flat(c, n);
		return;
	}
	c->depth++;
	element(c, n);
	c->depth--;
}

/* Walks n's children. Labels are dropped: a vBulletin 3 div.smallfont
 * ("Quote:", "Code:"; the table after it becomes a quote) and the phpBB
 * codebox header ("Code: Select all"). */
static void walk(struct html_ctx *c, xmlNode *n)
{
	int codebox = has_class(n, "codebox");
	for (xmlNode *k = n->children; k != NULL; k = k->next) {
		/* phpBB "Code: Select all" labels */
		if (codebox && (is_el(k, "dt") || is_el(k, "p")))
			continue;
		/* Outlook's reply: everything from its marker on is the quoted
		 * original (div#appendonsend, div#divRplyFwdMsg, or the older
		 * div.OutlookMessageHeader), so it is written as a quote */
		if (is_el(k, "div") && (has_class(k, "OutlookMessageHeader") ||
					(attr(k, "id") && (strcmp(attr(k, "id"), "appendonsend") == 0 ||
							   strcmp(attr(k, "id"), "divRplyFwdMsg") == 0)))) {
			quote_begin(c, NULL, NULL);
			for (; k != NULL; k = k->next)
				node(c, k);
			tw_quote_end(c->w);
			break;
		}
		if (is_el(k, "div") && has_class(k, "smallfont")) {
			xmlNode *sib = first_element(k->next);
			if (is_el(sib, "table")) {
				c->depth++;
				int q = vb3_quote(c, sib);
				c->depth--;
				if (q) {
					k = sib;
					continue;
				}
			}
			if (is_el(sib, "pre") || (is_el(sib, "div") && has_class(sib, "alt2")))
				continue;
		}
		node(c, k);
	}
}

void text_html(struct text_writer *w, const char *src, size_t len)
{
	pthread_once(&parser_once, parser_init);
	if (len == 0)
		return;
	/* Text before the first tag would get an implied <p> (and its blank
	 * line) from libxml2 when no element is open yet: open <body> first. */
	struct buf in = BUF_INIT;
	buf_adds(&in, "<body>");
	buf_add(&in, src, len > INT_MAX - 64 ? INT_MAX - 64 : len);
	/* HUGE lifts the depth limit of 256, past which libxml2 stops parsing
	 * and drops the rest; the walk below is bounded on its own. */
	htmlDocPtr doc = htmlReadMemory(in.p, (int)in.len, NULL, "UTF-8",
					HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
						HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
						XML_PARSE_HUGE);
	buf_free(&in);
	if (doc == NULL)
		return;
	struct html_ctx c = {w, 0};
	xmlNode *root = xmlDocGetRootElement(doc);
	if (root != NULL)
		node(&c, root);
	xmlFreeDoc(doc);
}
