/*
 * text_html: HTML post bodies → the text writer.
 *
 * The body is parsed once by html_tree.c, which builds the tree libxml2's
 * recovering HTML parser used to build here, at a seventh of the cost
 * (blanks are kept because whitespace between inline elements matters).
 * The tree is walked depth-first, each element mapped to a writer call,
 * dispatching on the tag id rather than comparing names; attributes are
 * found by id and classes tested as bits the parser noted (html_tree.h),
 * and text the parser found needing no whitespace collapsing is written
 * without the writer's scan. No XPath: the forum-specific shapes are
 * recognised by looking at an element's class and its nearest children:
 *  - vBulletin 4 quotes (div.bbcode_quote with div.bbcode_postedby) and code
 *    boxes (div.bbcode_description label + pre.bbcode_code);
 *  - vBulletin 3 quotes and code boxes: a div.smallfont label ("Quote:",
 *    "Code:") followed by a table with td.alt2 or by a pre/div.alt2;
 *  - phpBB blockquote with <cite>NAME wrote:</cite>, its codebox labels;
 *    subsilver2's div.quotetitle + div.quotecontent;
 *  - Discourse aside.quote with data-username/data-post; aside.onebox (a
 *    link preview) as one link line; a.hashtag-cooked with its "#";
 *    spoilers marked as such, so a reader is warned as on the forum;
 *  - XenForo 2 blockquote.bbCodeBlock--quote (data-quote, data-source
 *    "post: N") and XenForo 1 div.bbCodeQuote (data-author, AttributionLink),
 *    their block labels and "Click to expand..." links dropped, unfurled
 *    link previews as one link line;
 *  - MyBB blockquote.mycode_quote (<cite>NAME Wrote: with a pid link) and
 *    the "Code:" label of its div.codeblock.
 * Recursion is bounded; anything nested deeper is written as flat text.
 */
#include "text_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "forumgate/html.h"

#define HTML_MAX_DEPTH 300

struct html_ctx {
	struct text_writer *w;
	int depth;
};

static void walk(struct html_ctx *c, struct html_node *n);
static void node(struct html_ctx *c, struct html_node *n);

static int is_el(const struct html_node *n, enum html_tag tag)
{
	return n != NULL && n->type == HTML_ELEMENT && n->tag == tag;
}

/* The value of the attribute known as `id`, or NULL. */
static const char *attr(const struct html_node *n, enum html_attr_id id)
{
	for (const struct html_attr *a = n->attrs; a != NULL; a = a->next)
		if (a->id == id)
			return a->value;
	return NULL;
}

/* Whether n's class list holds cls: the parser noted the classes we ask
 * about (asked several times of most elements, this was a split of the
 * attribute each time). */
static int has_class(const struct html_node *n, enum html_class cls)
{
	return (n->classes >> cls) & 1;
}

static int class_contains(const struct html_node *n, const char *s)
{
	const char *v = attr(n, HA_CLASS);
	return v != NULL && strstr(v, s) != NULL;
}

static struct html_node *first_element(struct html_node *n)
{
	for (; n != NULL; n = n->next)
		if (n->type == HTML_ELEMENT)
			return n;
	return NULL;
}

/* First descendant element named `name` (and with class `cls` unless
 * NO_CLASS), at most `levels` below n; HT_UNKNOWN matches any element. */
#define NO_CLASS HC_COUNT
static struct html_node *find(struct html_node *n, enum html_tag tag, enum html_class cls,
			      int levels)
{
	if (levels <= 0)
		return NULL;
	for (struct html_node *k = n->children; k != NULL; k = k->next) {
		if (k->type != HTML_ELEMENT)
			continue;
		if ((tag == HT_UNKNOWN || is_el(k, tag)) && (cls == NO_CLASS || has_class(k, cls)))
			return k;
		struct html_node *r = find(k, tag, cls, levels - 1);
		if (r != NULL)
			return r;
	}
	return NULL;
}

/* Text content of n, whitespace collapsed and trimmed (caller frees).
 * Iterative: the subtree may be arbitrarily deep. */
static char *text_of(struct html_node *root)
{
	struct buf b = BUF_INIT;
	int sp = 0;
	struct html_node *n = root->children;
	while (n != NULL) {
		for (size_t i = 0; n->type == HTML_TEXT && i < n->len; i++) {
			char ch = n->text[i];
			if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f') {
				sp = b.len > 0;
				continue;
			}
			if (sp)
				buf_addc(&b, ' ');
			sp = 0;
			buf_addc(&b, ch);
		}
		if (n->children != NULL) {
			n = n->children;
			continue;
		}
		while (n != root && n->next == NULL)
			n = n->parent;
		if (n == root)
			break;
		n = n->next;
	}
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
		if (p > href && (p[-1] == '?' || p[-1] == '&' || p[-1] == ';') && p[2] >= '0' &&
		    p[2] <= '9')
			d = p + 2;
	if (d == NULL && (p = strstr(href, "#p")) != NULL && p[2] >= '0' && p[2] <= '9')
		d = p + 2;
	if (d == NULL)
		return NULL;
	return xstrndup(d, strspn(d, "0123456789"));
}

/* The post id of the first link below n that names one. */
static char *post_id_below(struct html_node *n, int levels)
{
	if (levels <= 0)
		return NULL;
	for (struct html_node *k = n->children; k != NULL; k = k->next) {
		if (k->type != HTML_ELEMENT)
			continue;
		if (is_el(k, HT_A)) {
			const char *dp = attr(k, HA_DATA_POST_ID);
			if (dp != NULL && dp[0] != '\0')
				return xstrdup(dp);
			char *id = href_post_id(attr(k, HA_HREF));
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
static void walk_except(struct html_ctx *c, struct html_node *n, struct html_node *skip)
{
	for (struct html_node *k = n->children; k != NULL; k = k->next)
		if (k != skip)
			node(c, k);
}

/* vBulletin 4: div.bbcode_quote > div.quote_container > (div.bbcode_postedby,
 * div.message). The header divs are skipped wherever they are met. */
static void vb4_quote(struct html_ctx *c, struct html_node *q)
{
	struct html_node *by = find(q, HT_DIV, HC_BBCODE_POSTEDBY, 4);
	char *name = NULL, *id = NULL;
	if (by != NULL) {
		struct html_node *s = find(by, HT_STRONG, NO_CLASS, 3);
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
static int vb3_quote(struct html_ctx *c, struct html_node *table)
{
	struct html_node *td = find(table, HT_TD, HC_ALT2, 3);
	if (td == NULL)
		return 0;
	struct html_node *hdr = first_element(td->children);
	char *name = NULL, *id = NULL;
	if (is_el(hdr, HT_DIV)) {
		struct html_node *s = find(hdr, HT_STRONG, NO_CLASS, 2);
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

/* The name in a phpBB quote's attribution, cut in place: "NAME wrote:"
 * and its translations in the board's language pack ("NAME hat
 * geschrieben:", "NAME a écrit :", "NAME escribió:", "NAME ha scritto:",
 * "NAME schreef:", "NAME napisał(a):", "NAME писал(а):"); 3.2+ adds a
 * post link and the date after it, which go too. Else a trailing ':'. */
static void cite_name(char *name)
{
	static const char *const verbs[] = {
		" wrote",
		"wrote:",
		" hat geschrieben",
		" a \xC3\xA9"
		"crit",
		" escribi\xC3\xB3",
		" ha scritto",
		" schreef",
		" napisa\xC5\x82",
		" \xD0\xBF\xD0\xB8\xD1\x81\xD0\xB0\xD0\xBB",
	};
	char *cut = NULL;
	for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++) {
		char *w = strstr(name, verbs[i]);
		if (w != NULL && (cut == NULL || w < cut))
			cut = w;
	}
	if (cut != NULL) {
		*cut = '\0';
	} else {
		size_t l = strlen(name);
		if (l > 0 && name[l - 1] == ':')
			name[l - 1] = '\0';
	}
}

/* phpBB: <blockquote><div><cite>NAME wrote: …</cite>TEXT</div></blockquote>,
 * or any other blockquote (anonymous). */
static void blockquote(struct html_ctx *c, struct html_node *q)
{
	struct html_node *cite = find(q, HT_CITE, NO_CLASS, 2);
	char *name = NULL, *id = NULL;
	if (cite != NULL) {
		name = text_of(cite);
		cite_name(name);
		id = post_id_below(cite, 2);
	}
	quote_begin(c, name, id);
	struct html_node *div = cite ? cite->parent : NULL;
	if (div != NULL && div != q && div->parent == q) {
		for (struct html_node *k = q->children; k != NULL; k = k->next) {
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
static void discourse_quote(struct html_ctx *c, struct html_node *a)
{
	const char *user = attr(a, HA_DATA_USERNAME);
	const char *post = attr(a, HA_DATA_POST);
	char *id = post && post[0] ? xasprintf("#%s", post) : NULL;
	char *name = NULL;
	struct html_node *title = find(a, HT_DIV, HC_TITLE, 1);
	if (user != NULL && user[0] != '\0') {
		name = xstrdup(user);
	} else if (title != NULL) {
		name = text_of(title);
		size_t l = strlen(name);
		if (l > 0 && name[l - 1] == ':')
			name[l - 1] = '\0';
	}
	quote_begin(c, name, id);
	for (struct html_node *k = a->children; k != NULL; k = k->next) {
		if (k == title)
			continue;
		if (is_el(k, HT_BLOCKQUOTE))
			walk(c, k);
		else
			node(c, k);
	}
	tw_quote_end(c->w);
	free(name);
	free(id);
}

/* First descendant element with class cls (any tag), at most `levels`
 * below n: for the classes the parser does not note as bits. */
static struct html_node *find_class(struct html_node *n, const char *cls, int levels)
{
	if (levels <= 0)
		return NULL;
	for (struct html_node *k = n->children; k != NULL; k = k->next) {
		if (k->type != HTML_ELEMENT)
			continue;
		if (html_has_class(k, cls))
			return k;
		struct html_node *r = find_class(k, cls, levels - 1);
		if (r != NULL)
			return r;
	}
	return NULL;
}

/* The post id in a XenForo quote's source: data-source "post: 12", or a
 * link "goto/post?id=12#post-12", "posts/12/". */
static char *xf_source(const char *source, struct html_node *link)
{
	if (source != NULL && strncmp(source, "post:", 5) == 0) {
		const char *d = source + 5 + strspn(source + 5, " ");
		size_t n = strspn(d, "0123456789");
		return n > 0 ? xstrndup(d, n) : NULL;
	}
	const char *href = link != NULL ? attr(link, HA_HREF) : NULL;
	const char *d = NULL;
	if (href == NULL)
		return NULL;
	if ((d = strstr(href, "#post-")) != NULL)
		d += 6;
	else if ((d = strstr(href, "post?id=")) != NULL)
		d += 8;
	else if ((d = strstr(href, "posts/")) != NULL)
		d += 6;
	size_t n = d != NULL ? strspn(d, "0123456789") : 0;
	return n > 0 ? xstrndup(d, n) : NULL;
}

/* XenForo quotes. XF2: <blockquote class="bbCodeBlock bbCodeBlock--quote"
 * data-quote="NAME" data-source="post: N"> with div.bbCodeBlock-title
 * ("NAME said:", a link to the post) and div.bbCodeBlock-content. XF1:
 * <div class="bbCodeBlock bbCodeQuote" data-author="NAME"><aside>
 * <div class="attribution">NAME said: <a class="AttributionLink"
 * href="goto/post?id=N#post-N"></div><blockquote class="quoteContainer">.
 * Only the content is walked; its "Click to expand..." links are dropped
 * in element(). */
static void xf_quote(struct html_ctx *c, struct html_node *q)
{
	const char *who = html_attr(q, "data-quote");
	if (who == NULL)
		who = html_attr(q, "data-author");
	struct html_node *title = find_class(q, "bbCodeBlock-title", 1);
	if (title == NULL)
		title = find_class(q, "attribution", 3);
	struct html_node *link = title != NULL ? find(title, HT_A, NO_CLASS, 3) : NULL;
	char *id = xf_source(html_attr(q, "data-source"), link);
	char *name = who != NULL && who[0] != '\0' ? xstrdup(who) : NULL;
	if (name == NULL && title != NULL) {
		name = text_of(title);
		char *w = strstr(name, " said:");
		if (w != NULL)
			*w = '\0';
	}
	struct html_node *body = find_class(q, "bbCodeBlock-content", 1);
	if (body == NULL)
		body = find_class(q, "quoteContainer", 3);
	quote_begin(c, name, id);
	if (body != NULL)
		walk(c, body);
	else
		walk_except(c, q, title);
	tw_quote_end(c->w);
	free(name);
	free(id);
}

/* MyBB: <blockquote class="mycode_quote"><cite><span> (date)</span>NAME
 * Wrote: <a class="quick_jump" href="showthread.php?pid=N#pidN"></a></cite>
 * TEXT</blockquote>. */
static void mybb_quote(struct html_ctx *c, struct html_node *q)
{
	struct html_node *cite = find(q, HT_CITE, NO_CLASS, 1);
	char *name = NULL, *id = NULL;
	if (cite != NULL) {
		struct buf b = BUF_INIT;
		for (struct html_node *k = cite->children; k != NULL; k = k->next)
			if (k->type == HTML_TEXT)
				buf_add(&b, k->text, k->len);
		buf_addc(&b, '\0');
		char *t = b.p;
		while (*t == ' ' || *t == '\n' || *t == '\t' || *t == '\r')
			t++;
		/* "NAME Wrote:" in the board's language: the last word goes */
		size_t l = strlen(t);
		while (l > 0 && strchr(" :\n\t\r", t[l - 1]) != NULL)
			t[--l] = '\0';
		/* one word alone is the label of a quote without a name ("Quote:") */
		char *w = strrchr(t, ' ');
		*(w != NULL ? w : t) = '\0';
		l = strlen(t);
		while (l > 0 && strchr(" \n\t\r", t[l - 1]) != NULL)
			t[--l] = '\0';
		name = *t != '\0' ? xstrdup(t) : NULL;
		buf_free(&b);
		struct html_node *a = find(cite, HT_A, NO_CLASS, 2);
		const char *href = a != NULL ? attr(a, HA_HREF) : NULL;
		/* showthread.php?pid=N#pidN, thread-T-post-N.html#pidN */
		const char *d = href != NULL ? strstr(href, "pid=") : NULL;
		if (d == NULL && href != NULL)
			d = strstr(href, "#pid");
		if (d != NULL) {
			d += 4;
			size_t n = strspn(d, "0123456789");
			id = n > 0 ? xstrndup(d, n) : NULL;
		}
	}
	quote_begin(c, name, id);
	walk_except(c, q, cite);
	tw_quote_end(c->w);
	free(name);
	free(id);
}

/* Text of a code element, <br> as newline, nothing else interpreted.
 * nl2br: the code is not preformatted and its lines end in "<br>\n" (MyBB
 * runs nl2br over it): the newline after a <br> is collapsed whitespace. */
static void code_text(struct html_node *n, struct buf *b, int depth, int nl2br)
{
	int after_br = 0;
	for (struct html_node *k = n->children; k != NULL; k = k->next) {
		if (k->type == HTML_TEXT) {
			const char *t = k->text;
			size_t len = k->len;
			if (nl2br && after_br && len > 0 && t[0] == '\r')
				t++, len--;
			if (nl2br && after_br && len > 0 && t[0] == '\n')
				t++, len--;
			buf_add(b, t, len);
		} else if (k->type == HTML_ELEMENT) {
			if (is_el(k, HT_BR))
				buf_addc(b, '\n');
			else if (depth < HTML_MAX_DEPTH && !is_el(k, HT_SCRIPT) &&
				 !is_el(k, HT_STYLE))
				code_text(k, b, depth + 1, nl2br);
		}
		after_br = is_el(k, HT_BR);
	}
}

static void code(struct html_ctx *c, struct html_node *n, int inline_ok)
{
	struct buf *b = buf_scratch();
	int pre = 0;
	for (const struct html_node *up = n; up != NULL && !pre; up = up->parent)
		pre = is_el(up, HT_PRE) || is_el(up, HT_XMP);
	code_text(n, b, c->depth, !pre);
	if (inline_ok && memchr(buf_str(b), '\n', b->len) == NULL)
		tw_text(c->w, buf_str(b), b->len);
	else
		tw_code_block(c->w, buf_str(b), b->len);
	buf_scratch_put(b);
}

/* Discourse onebox: a preview of a linked page (site name, title, excerpt,
 * thumbnail) shown instead of the bare URL; in a newsreader one line with
 * the page title and the link says the same. 1 when written. */
static int onebox(struct html_ctx *c, struct html_node *n)
{
	struct html_node *h = find(n, HT_H3, NO_CLASS, 6);
	if (h == NULL)
		h = find(n, HT_H4, NO_CLASS, 6);
	struct html_node *a = h != NULL ? find(h, HT_A, NO_CLASS, 3) : NULL;
	if (a == NULL)
		a = find(n, HT_A, NO_CLASS, 6);
	const char *href = a != NULL ? attr(a, HA_HREF) : NULL;
	if (href == NULL || href[0] == '\0')
		return 0;
	char *title = text_of(h != NULL ? h : a);
	tw_paragraph(c->w);
	size_t mark = tw_link_begin(c->w);
	if (title[0] != '\0')
		tw_text(c->w, title, strlen(title));
	else
		tw_text(c->w, href, strlen(href));
	tw_link_end(c->w, mark, href);
	tw_paragraph(c->w);
	free(title);
	return 1;
}

static void image(struct html_ctx *c, struct html_node *n)
{
	const char *src = attr(n, HA_SRC);
	const char *alt = attr(n, HA_ALT);
	if (src == NULL || src[0] == '\0')
		src = attr(n, HA_DATA_SRC);
	if (class_contains(n, "inlineimg") || class_contains(n, "emoji") ||
	    class_contains(n, "mceSmilie") || class_contains(n, "smilie") ||
	    (src != NULL && strstr(src, "smilies/"))) {
		if (alt == NULL || alt[0] == '\0')
			alt = attr(n, HA_TITLE);
		if (alt != NULL)
			tw_text(c->w, alt, strlen(alt));
		return;
	}
	tw_image(c->w, alt, src);
}

static void list(struct html_ctx *c, struct html_node *n, int ordered)
{
	long start = 1;
	const char *s = attr(n, HA_START);
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
static void flat(struct html_ctx *c, struct html_node *root)
{
	struct html_node *n = root->children;
	while (n != NULL) {
		if (n->type == HTML_TEXT)
			tw_text(c->w, n->text, n->len);
		else if (is_el(n, HT_BR))
			tw_break(c->w);
		if (n->type == HTML_ELEMENT && n->children != NULL && !is_el(n, HT_SCRIPT) &&
		    !is_el(n, HT_STYLE)) {
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

/* How element() treats a tag: dropped with its content, or a block that
 * ends the line before and after. */
enum { DROPPED = 1, BLOCK = 2 };

static const unsigned char tag_kind[HT_COUNT] = {
	[HT_SCRIPT] = DROPPED,   [HT_STYLE] = DROPPED,    [HT_HEAD] = DROPPED,
	[HT_TITLE] = DROPPED,    [HT_NOSCRIPT] = DROPPED, [HT_TEMPLATE] = DROPPED,
	[HT_IFRAME] = DROPPED,   [HT_OBJECT] = DROPPED,   [HT_EMBED] = DROPPED,
	[HT_SELECT] = DROPPED,   [HT_BUTTON] = DROPPED,   [HT_INPUT] = DROPPED,
	[HT_TEXTAREA] = DROPPED, [HT_SVG] = DROPPED,

	[HT_DIV] = BLOCK,        [HT_SECTION] = BLOCK,    [HT_ARTICLE] = BLOCK,
	[HT_HEADER] = BLOCK,     [HT_FOOTER] = BLOCK,     [HT_NAV] = BLOCK,
	[HT_MAIN] = BLOCK,       [HT_CENTER] = BLOCK,     [HT_FORM] = BLOCK,
	[HT_FIELDSET] = BLOCK,   [HT_ADDRESS] = BLOCK,    [HT_FIGURE] = BLOCK,
	[HT_FIGCAPTION] = BLOCK, [HT_DETAILS] = BLOCK,    [HT_SUMMARY] = BLOCK,
	[HT_TABLE] = BLOCK,      [HT_THEAD] = BLOCK,      [HT_TBODY] = BLOCK,
	[HT_TFOOT] = BLOCK,      [HT_CAPTION] = BLOCK,    [HT_DL] = BLOCK,
	[HT_DT] = BLOCK,         [HT_DD] = BLOCK,         [HT_ASIDE] = BLOCK,
	[HT_BODY] = BLOCK,       [HT_HTML] = BLOCK,       [HT_LEGEND] = BLOCK,
	[HT_TR] = BLOCK,
};

static void element(struct html_ctx *c, struct html_node *n)
{
	struct text_writer *w = c->w;

	switch (n->tag) {
	case HT_BR:
		tw_break(w);
		return;
	case HT_HR:
		tw_hr(w);
		return;
	case HT_P:
	case HT_H1:
	case HT_H2:
	case HT_H3:
	case HT_H4:
	case HT_H5:
	case HT_H6:
		tw_paragraph(w);
		walk(c, n);
		tw_paragraph(w);
		return;
	case HT_PRE:
	case HT_XMP:
		code(c, n, 0);
		return;
	case HT_CODE:
		code(c, n, 1);
		return;
	case HT_UL:
	case HT_MENU:
	case HT_DIR:
		list(c, n, 0);
		return;
	case HT_OL:
		list(c, n, 1);
		return;
	case HT_LI: {
		int bare = w->nlists == 0; /* an item outside any list */
		if (bare)
			tw_list_begin(w, 0, 1);
		tw_list_item(w);
		walk(c, n);
		if (bare)
			tw_list_end(w);
		return;
	}
	case HT_A: {
		const char *href = attr(n, HA_HREF);
		if (href == NULL) {
			walk(c, n);
		} else {
			/* the tree outlives the link: no copy of the URL needed */
			size_t mark = tw_link_begin(w);
			if (class_contains(n, "hashtag")) {
				/* Discourse 3 drops the '#' from the text (an icon
				 * shows instead); the reader should still see one */
				char *t = text_of(n);
				if (t[0] != '#')
					tw_text(w, "#", 1);
				free(t);
			}
			walk(c, n);
			tw_link_end(w, mark, href);
		}
		return;
	}
	case HT_IMG:
		image(c, n);
		return;
	case HT_BLOCKQUOTE:
		if (class_contains(n, "bbCodeBlock--quote"))
			xf_quote(c, n);
		else if (class_contains(n, "mycode_quote"))
			mybb_quote(c, n);
		else
			blockquote(c, n);
		return;
	case HT_TD:
	case HT_TH:
		tw_space(w);
		walk(c, n);
		tw_space(w);
		return;
	case HT_ASIDE:
		if (has_class(n, HC_QUOTE)) {
			discourse_quote(c, n);
			return;
		}
		if (class_contains(n, "onebox") && onebox(c, n))
			return;
		break;
	case HT_SPAN:
		if (class_contains(n, "spoiler")) {
			tw_text(w, "[spoiler: ", 10);
			walk(c, n);
			tw_text(w, "]", 1);
			return;
		}
		break;
	case HT_DIV:
		if (n->classes & (1u << HC_BBCODE_DESCRIPTION | 1u << HC_BBCODE_POSTEDBY |
				  1u << HC_BBCODE_QUOTE_CONTAINER))
			return; /* vBulletin 4 labels and quote headers */
		if (has_class(n, HC_META) && n->parent != NULL && has_class(n->parent, HC_LIGHTBOX))
			return; /* Discourse image file name and size */
		if (has_class(n, HC_BBCODE_QUOTE)) {
			vb4_quote(c, n);
			return;
		}
		if (class_contains(n, "bbCode")) {
			/* XenForo: quotes (XF1), link previews, and the labels and
			 * "Click to expand..." links of its blocks */
			if (class_contains(n, "bbCodeQuote")) {
				xf_quote(c, n);
				return;
			}
			if (class_contains(n, "bbCodeBlock--unfurl") && onebox(c, n))
				return;
			if (class_contains(n, "bbCodeBlock-title") ||
			    class_contains(n, "bbCodeBlock-expandLink"))
				return;
		}
		/* MyBB's "Code:" label */
		if (has_class(n, HC_TITLE) && n->parent != NULL &&
		    class_contains(n->parent, "codeblock"))
			return;
		if (class_contains(n, "quoteExpand") ||
		    (n->parent != NULL && class_contains(n->parent, "bbCodeBlock") &&
		     html_has_class(n, "type")))
			return;
		if (class_contains(n, "spoiler")) {
			tw_paragraph(w);
			tw_text(w, "[spoiler]", 9);
			tw_line(w);
			walk(c, n);
			tw_line(w);
			tw_text(w, "[/spoiler]", 10);
			tw_paragraph(w);
			return;
		}
		break;
	default:
		break;
	}
	if (tag_kind[n->tag] == DROPPED)
		return;
	if (tag_kind[n->tag] == BLOCK) {
		tw_line(w);
		walk(c, n);
		tw_line(w);
	} else {
		walk(c, n);
	}
}

static void node(struct html_ctx *c, struct html_node *n)
{
	if (n->type == HTML_TEXT) {
		if (n->collapsed)
			tw_text_collapsed(c->w, n->text, n->len);
		else
			tw_text(c->w, n->text, n->len);
		return;
	}
	if (c->depth >= HTML_MAX_DEPTH) {
		flat(c, n);
		return;
	}
	c->depth++;
	element(c, n);
	c->depth--;
}

/* Whether the div k marks the start of Outlook's quoted original. */
static int outlook_marker(const struct html_node *k)
{
	const char *id = attr(k, HA_ID);
	return has_class(k, HC_OUTLOOK_HEADER) ||
	       (id != NULL &&
		(strcmp(id, "appendonsend") == 0 || strcmp(id, "divRplyFwdMsg") == 0));
}

/* Walks n's children. Labels are dropped: a vBulletin 3 div.smallfont
 * ("Quote:", "Code:"; the table after it becomes a quote) and the phpBB
 * codebox header ("Code: Select all"). */
static void walk(struct html_ctx *c, struct html_node *n)
{
	int codebox = has_class(n, HC_CODEBOX);
	for (struct html_node *k = n->children; k != NULL; k = k->next) {
		/* phpBB "Code: Select all" labels */
		if (codebox && (is_el(k, HT_DT) || is_el(k, HT_P)))
			continue;
		/* Outlook's reply: everything from its marker on is the quoted
		 * original (div#appendonsend, div#divRplyFwdMsg, or the older
		 * div.OutlookMessageHeader), so it is written as a quote */
		if (is_el(k, HT_DIV) && outlook_marker(k)) {
			quote_begin(c, NULL, NULL);
			for (; k != NULL; k = k->next)
				node(c, k);
			tw_quote_end(c->w);
			break;
		}
		/* phpBB subsilver2: div.quotetitle "NAME wrote:" + div.quotecontent */
		if (is_el(k, HT_DIV) && class_contains(k, "quotetitle")) {
			struct html_node *body = first_element(k->next);
			if (is_el(body, HT_DIV) && class_contains(body, "quotecontent")) {
				char *name = text_of(k);
				cite_name(name);
				quote_begin(c, name[0] != '\0' ? name : NULL, NULL);
				c->depth++;
				walk(c, body);
				c->depth--;
				tw_quote_end(c->w);
				free(name);
				k = body;
				continue;
			}
		}
		if (is_el(k, HT_DIV) && has_class(k, HC_SMALLFONT)) {
			struct html_node *sib = first_element(k->next);
			if (is_el(sib, HT_TABLE)) {
				c->depth++;
				int q = vb3_quote(c, sib);
				c->depth--;
				if (q) {
					k = sib;
					continue;
				}
			}
			if (is_el(sib, HT_PRE) || (is_el(sib, HT_DIV) && has_class(sib, HC_ALT2)))
				continue;
		}
		node(c, k);
	}
}

void text_html(struct text_writer *w, const char *src, size_t len)
{
	if (len == 0)
		return;
	struct html_doc doc;
	html_parse(&doc, src, len);
	struct html_ctx c = {w, 0};
	struct html_node *root = html_doc_root(&doc);
	if (root != NULL)
		node(&c, root);
	html_doc_free(&doc);
}
