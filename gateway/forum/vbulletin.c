/*
 * vbulletin: saved vBulletin 3.x/4.x thread pages (showthread.php,
 * printthread.php of vB3, and the archive archive/index.php/t-N.html) →
 * struct forum_thread. libxml2's HTML parser repairs the tag soup; the
 * parser then walks the tree.
 *
 * Templates differ between versions and every forum edits them, so the
 * parser leans on the most stable anchors instead of whole-template paths:
 *  - showthread: a post is an element with id "post_message_N" (N = post
 *    id). Its container is the nearest ancestor with id "postN"/"post_N"
 *    (vB3 table, vB4 li), else the largest ancestor holding no other
 *    post_message. Inside it: the author (class bigusername (vB3) or
 *    username (vB4); a member.php link = registered, with its user id; no
 *    link, class "guest" or a "Guest" user title = guest), the date
 *    (span.date (vB4), td.thead text (vB3)), the number (id postcountN or
 *    a.postcounter), the title (h2.title (vB4), div.smallfont > strong
 *    before the message (vB3)) and the signature (div.signaturecontainer
 *    (vB4), the div after the message starting with "__________" (vB3)).
 *  - printthread (vB3): one table.tborder per post, no post ids: ids are
 *    thread id + "-" + position, positions counted from 1 on the page.
 *  - archive: div.post with .posttop (.username, .date) and .posttext; ids
 *    as for printthread.
 * Bodies stay HTML (MARKUP_HTML): the children of the message element (of
 * vB4's blockquote.postcontent inside it) serialized by htmlNodeDump,
 * trimmed; the signature likewise without the "__________<br>" line.
 *
 * Thread: title from span.threadtitle (vB4), the navbar's <strong> (vB3),
 * .largefont (archive, printthread), else <title>; board = the last
 * forumdisplay link of the breadcrumb before the first post; thread id =
 * the hidden input "t", else the thread id most often linked
 * (showthread.php?t=N, showthread.php?N-slug, t-N.html). Pagination and the
 * posting rules come from the page text outside the posts
 * (vb_scan_furniture()).
 *
 * Dates: a page prints forum-local wall-clock time and does not say which
 * zone. The date is returned as if that wall-clock time were UTC; the
 * caller, which knows the forum's configured zone, shifts it.
 */
#include "forumgate/forum.h"

#include <ctype.h>
#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/uri.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "forumgate/buf.h"
#include "vbulletin.h"
#include "spool_internal.h"

#define MARK ((void *)1) /* node->_private: inside a post body */

struct page {
	htmlDocPtr doc;
	xmlNode *root;
	char *base; /* <base href>, NULL if none */
	const char *name;
};

/* ---- tree helpers ---- */

static int is_el(const xmlNode *n, const char *tag)
{
	return n != NULL && n->type == XML_ELEMENT_NODE &&
	       (tag == NULL || xmlStrcasecmp(n->name, (const xmlChar *)tag) == 0);
}

/* Document order walk below root; does not descend into `skip`. */
static xmlNode *next_node(xmlNode *n, xmlNode *root, const xmlNode *skip)
{
	if (n != skip && (n->type == XML_ELEMENT_NODE || n == root) && n->children != NULL)
		return n->children;
	for (;;) {
		if (n == root || n == NULL)
			return NULL;
		if (n->next != NULL)
			return n->next;
		n = n->parent;
	}
}

static char *attr(const xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *s = v ? xstrdup((const char *)v) : NULL;

	xmlFree(v);
	return s;
}

static int attr_is(const xmlNode *n, const char *name, const char *value)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	int eq = v != NULL && xmlStrcasecmp(v, (const xmlChar *)value) == 0;

	xmlFree(v);
	return eq;
}

static int has_class(const xmlNode *n, const char *cls)
{
	xmlChar *v;
	const char *p;
	size_t len = strlen(cls);
	int found = 0;

	if (!is_el(n, NULL) || (v = xmlGetProp(n, (const xmlChar *)"class")) == NULL)
		return 0;
	for (p = (const char *)v; *p && !found;) {
		size_t k;

		while (isspace((unsigned char)*p))
			p++;
		k = strcspn(p, " \t\r\n\f");
		found = k == len && strncmp(p, cls, len) == 0;
		p += k;
	}
	xmlFree(v);
	return found;
}

/* The first element below root (not root itself) with the tag (NULL = any)
 * and class (NULL = any), skipping the subtree `skip`. */
static xmlNode *find(xmlNode *root, const char *tag, const char *cls, const xmlNode *skip)
{
	xmlNode *n;

	for (n = next_node(root, root, NULL); n; n = next_node(n, root, skip))
		if (n != skip && is_el(n, tag) && (cls == NULL || has_class(n, cls)))
			return n;
	return NULL;
}

/* Appends text with whitespace (and U+00A0) runs collapsed to one space and
 * none at the start of b; *space carries a pending space across calls. */
static void add_collapsed(struct buf *b, const char *p, int *space)
{
	for (; *p; p++) {
		if (isspace((unsigned char)*p) ||
		    ((unsigned char)p[0] == 0xc2 && (unsigned char)p[1] == 0xa0)) {
			if ((unsigned char)*p == 0xc2)
				p++;
			*space = 1;
			continue;
		}
		if (*space && b->len > 0)
			buf_addc(b, ' ');
		*space = 0;
		buf_addc(b, *p);
	}
}

/* Text content with whitespace (and U+00A0) collapsed and trimmed. */
static char *node_text(xmlNode *n)
{
	xmlChar *c = xmlNodeGetContent(n);
	struct buf b = BUF_INIT;
	int space = 0;

	add_collapsed(&b, c ? (const char *)c : "", &space);
	xmlFree(c);
	return buf_detach(&b);
}

static void trim_buf(struct buf *b)
{
	size_t s = 0, e = b->len;

	while (s < e && isspace((unsigned char)b->p[s]))
		s++;
	while (e > s && isspace((unsigned char)b->p[e - 1]))
		e--;
	if (s > 0)
		memmove(b->p, b->p + s, e - s);
	buf_truncate(b, e - s);
}

/* The inner HTML of n, trimmed. */
static char *inner_html(struct page *pg, xmlNode *n)
{
	xmlBufferPtr xb = xmlBufferCreate();
	struct buf b = BUF_INIT;
	xmlNode *c;

	for (c = n->children; c; c = c->next)
		htmlNodeDump(xb, pg->doc, c);
	buf_add(&b, xmlBufferContent(xb), (size_t)xmlBufferLength(xb));
	xmlBufferFree(xb);
	trim_buf(&b);
	return buf_detach(&b);
}

static void mark(xmlNode *n)
{
	if (n != NULL)
		n->_private = MARK;
}

/* An absolute URL for href, or NULL when it is relative and there is no
 * base to resolve it against. */
static char *absolute(struct page *pg, const char *href)
{
	xmlChar *u;
	char *s;

	if (href == NULL)
		return NULL;
	if (strncmp(href, "http://", 7) == 0 || strncmp(href, "https://", 8) == 0)
		return xstrdup(href);
	if (pg->base == NULL)
		return NULL;
	u = xmlBuildURI((const xmlChar *)href, (const xmlChar *)pg->base);
	s = u ? xstrdup((const char *)u) : NULL;
	xmlFree(u);
	return s;
}

/* ---- ids in links ---- */

static int digits(const char *s, const char **end)
{
	const char *p = s;

	while (isdigit((unsigned char)*p) && p - s < 18)
		p++;
	if (p == s || isdigit((unsigned char)*p))
		return 0;
	*end = p;
	return 1;
}

/* The thread id an href points to, malloc'd, or NULL. */
static char *thread_of(const char *href)
{
	const char *p, *end;

	/* showthread.php?t=N, printthread.php?t=N, …&t=N */
	for (p = href; (p = strstr(p, "t=")) != NULL; p++)
		if (p > href && strchr("?&;", p[-1]) != NULL && digits(p + 2, &end))
			return xstrndup(p + 2, (size_t)(end - p - 2));
	/* vB4 friendly URLs: showthread.php?N-slug, showthread.php/N-slug */
	if ((p = strstr(href, "showthread.php")) != NULL && (p[14] == '?' || p[14] == '/') &&
	    digits(p + 15, &end) && strchr("-&#", *end) != NULL)
		return xstrndup(p + 15, (size_t)(end - p - 15));
	/* archive: t-N.html, t-N-p-2.html */
	for (p = href; (p = strstr(p, "t-")) != NULL; p++)
		if ((p == href || p[-1] == '/') && digits(p + 2, &end) && (*end == '.' || *end == '-'))
			return xstrndup(p + 2, (size_t)(end - p - 2));
	return NULL;
}

/* "member.php?u=5", "member.php?s=…&u=5", "member.php?5-name",
 * "member.php/5-name". */
static char *member_of(const char *href)
{
	const char *p = strstr(href, "member.php"), *u, *end;

	if (p == NULL)
		return NULL;
	p += 10;
	if (*p == '?' || *p == '/')
		p++;
	u = strstr(p, "u=");
	if (u != NULL && (u == p || u[-1] == '&' || u[-1] == ';'))
		p = u + 2;
	if (!digits(p, &end))
		return NULL;
	return xstrndup(p, (size_t)(end - p));
}

static char *page_thread_id(struct page *pg)
{
	struct {
		char *id;
		int n;
	} *ids = NULL;
	size_t nids = 0, i;
	char *best = NULL;
	int bestn = 0;
	xmlNode *n;

	for (n = pg->root; n; n = next_node(n, pg->root, NULL)) {
		char *v, *id = NULL;

		if (is_el(n, "input") && attr_is(n, "name", "t") && (v = attr(n, "value")) != NULL) {
			const char *end;

			if (digits(v, &end) && *end == '\0') {
				for (i = 0; i < nids; i++)
					free(ids[i].id);
				free(ids);
				return v;
			}
			free(v);
			continue;
		}
		if (is_el(n, "a") || is_el(n, "link"))
			v = attr(n, "href");
		else if (is_el(n, "form"))
			v = attr(n, "action");
		else
			continue;
		if (v != NULL)
			id = thread_of(v);
		free(v);
		if (id == NULL)
			continue;
		for (i = 0; i < nids && strcmp(ids[i].id, id) != 0; i++)
			;
		if (i == nids) {
			ids = xrealloc(ids, (nids + 1) * sizeof(*ids));
			ids[nids].id = id;
			ids[nids++].n = 0;
		} else {
			free(id);
		}
		ids[i].n++;
	}
	for (i = 0; i < nids; i++) {
		if (ids[i].n > bestn) {
			bestn = ids[i].n;
			best = ids[i].id;
		}
	}
	best = xstrdup(best);
	for (i = 0; i < nids; i++)
		free(ids[i].id);
	free(ids);
	return best;
}

/* ---- thread metadata ---- */

static int in_breadcrumb(xmlNode *n)
{
	for (; n && n->type == XML_ELEMENT_NODE; n = n->parent)
		if (has_class(n, "navbar") || has_class(n, "navbit") || has_class(n, "breadcrumb") ||
		    attr_is(n, "id", "navbar") || attr_is(n, "id", "breadcrumb"))
			return 1;
	return 0;
}

static int is_forum_link(const char *href)
{
	const char *p, *end;

	if (strstr(href, "forumdisplay.php") != NULL)
		return 1;
	p = strstr(href, "f-");
	return p != NULL && (p == href || p[-1] == '/') && digits(p + 2, &end) &&
	       (*end == '.' || *end == '-');
}

static char *page_board(struct page *pg, xmlNode *first_post)
{
	char *board = NULL;
	xmlNode *n;

	for (n = pg->root; n && n != first_post; n = next_node(n, pg->root, NULL)) {
		char *href;

		if (!is_el(n, "a") || (href = attr(n, "href")) == NULL)
			continue;
		if (is_forum_link(href) && in_breadcrumb(n)) {
			char *t = node_text(n);

			if (*t) {
				free(board);
				board = t;
			} else {
				free(t);
			}
		}
		free(href);
	}
	return board;
}

static char *strip_prefix(char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(s, prefix, n) == 0)
		memmove(s, s + n, strlen(s + n) + 1);
	return s;
}

static char *page_title(struct page *pg)
{
	xmlNode *n, *strong = NULL;
	char *t, *dash;

	if ((n = find(pg->root, NULL, "threadtitle", NULL)) != NULL) {
		t = node_text(n);
		if (*t)
			return t;
		free(t);
	}
	for (n = pg->root; n; n = next_node(n, pg->root, NULL)) {
		if (is_el(n, "strong") && n->parent && has_class(n->parent, "navbar"))
			strong = n;
	}
	if (strong != NULL) {
		t = node_text(strong);
		if (*t)
			return t;
		free(t);
	}
	if ((n = find(pg->root, NULL, "largefont", NULL)) != NULL) {
		xmlNode *a = find(n, "a", NULL, NULL);

		t = node_text(a ? a : n);
		strip_prefix(t, "View Full Version : ");
		if (*t)
			return t;
		free(t);
	}
	if ((n = find(pg->root, "title", NULL, NULL)) != NULL) {
		t = node_text(n);
		/* "Title - Page 2 - Forum name": keep the title. */
		if ((dash = strstr(t, " - Page ")) != NULL)
			*dash = '\0';
		else if ((dash = strstr(t, " - ")) != NULL)
			*dash = '\0';
		if (*t)
			return t;
		free(t);
	}
	return NULL;
}

static int not_text(const xmlNode *n)
{
	return n->_private == MARK || is_el(n, "script") || is_el(n, "style");
}

/* The page text outside the post bodies, for vb_scan_furniture(), with
 * whitespace collapsed: "You <strong>may not</strong> post replies" must
 * read as one phrase, while block elements separate words. */
static char *furniture_text(struct page *pg)
{
	static const char *const blocks[] = {"div", "td", "th", "tr", "p", "li", "br", "table",
					     "h1", "h2", "h3", "ul", "ol", "form", NULL};
	struct buf b = BUF_INIT;
	xmlNode *n;
	int space = 0;

	for (n = pg->root; n; n = next_node(n, pg->root, not_text(n) ? n : NULL)) {
		const char *const *tag;

		if (not_text(n))
			continue;
		for (tag = blocks; *tag; tag++)
			if (is_el(n, *tag))
				space = 1;
		if (n->type != XML_TEXT_NODE || n->content == NULL)
			continue;
		add_collapsed(&b, (const char *)n->content, &space);
	}
	return buf_detach(&b);
}

/* ---- posts ---- */

static int64_t date_of(xmlNode *n)
{
	char *s = node_text(n);
	int64_t d = vb_page_date(s);

	free(s);
	return d;
}

/* The post's container (see the top comment). */
static xmlNode *container_of(xmlNode *msg, const char *pid)
{
	char *id1 = xasprintf("post%s", pid), *id2 = xasprintf("post_%s", pid);
	xmlNode *n, *c;

	for (n = msg->parent; is_el(n, NULL); n = n->parent)
		if (attr_is(n, "id", id1) || attr_is(n, "id", id2))
			break;
	free(id1);
	free(id2);
	if (is_el(n, NULL))
		return n;
	for (c = msg; is_el(c->parent, NULL) && !is_el(c->parent, "body"); c = c->parent) {
		int count = 0;

		for (n = c->parent; n && count < 2; n = next_node(n, c->parent, NULL)) {
			char *id = is_el(n, NULL) ? attr(n, "id") : NULL;

			if (id != NULL && strncmp(id, "post_message_", 13) == 0)
				count++;
			free(id);
		}
		if (count > 1)
			break;
	}
	return c;
}

static void post_author(xmlNode *box, xmlNode *skip, struct forum_post *p)
{
	xmlNode *u = find(box, NULL, "bigusername", skip), *n;
	char *href = NULL;

	if (u == NULL)
		u = find(box, NULL, "username", skip);
	if (u != NULL) {
		xmlNode *a = is_el(u, "a") ? u : find(u, "a", NULL, NULL);

		p->author = node_text(u);
		if (*p->author == '\0') {
			free(p->author);
			p->author = NULL;
		}
		if (a != NULL)
			href = attr(a, "href");
		if (href != NULL && strstr(href, "member.php") != NULL)
			p->author_id = member_of(href);
		else
			p->guest = p->author != NULL;
		if (has_class(u, "guest"))
			p->guest = 1;
		free(href);
	}
	for (n = box; n; n = next_node(n, box, skip)) {
		if (n != skip && is_el(n, NULL) && n->children && n->children->type == XML_TEXT_NODE &&
		    n->children->next == NULL) {
			char *t = node_text(n);

			if (strcmp(t, "Guest") == 0 && n != u) {
				p->guest = 1;
				free(p->author_id);
				p->author_id = NULL;
			}
			free(t);
		}
	}
}

static void post_date(xmlNode *box, xmlNode *skip, struct forum_post *p)
{
	static const char *const classes[] = {"date", "thead", "postdate", "datetime", NULL};
	const char *const *cls;
	xmlNode *n;

	for (cls = classes; *cls && p->date == 0; cls++)
		for (n = box; n && p->date == 0; n = next_node(n, box, skip))
			if (n != skip && has_class(n, *cls))
				p->date = date_of(n);
}

static void post_position(xmlNode *box, xmlNode *skip, const char *pid, struct forum_post *p)
{
	char *want = xasprintf("postcount%s", pid);
	xmlNode *n;

	for (n = box; n; n = next_node(n, box, skip)) {
		if (n != skip && is_el(n, NULL) && (attr_is(n, "id", want) || has_class(n, "postcounter"))) {
			char *t = node_text(n), *s = t;
			const char *end;

			if (*s == '#')
				s++;
			if (digits(s, &end) && *end == '\0' && end - s < 9)
				p->position = atoi(s);
			free(t);
			if (p->position > 0)
				break;
		}
	}
	free(want);
}

static void post_url(struct page *pg, xmlNode *box, xmlNode *skip, const char *pid,
		     struct forum_post *p)
{
	char *want = xasprintf("postcount%s", pid);
	xmlNode *n;

	for (n = box; n && p->url == NULL; n = next_node(n, box, skip)) {
		if (n != skip && is_el(n, "a") && (attr_is(n, "id", want) || has_class(n, "postcounter"))) {
			char *href = attr(n, "href");

			p->url = absolute(pg, href);
			free(href);
		}
	}
	free(want);
}

static void post_title(xmlNode *box, xmlNode *msg, struct forum_post *p)
{
	xmlNode *n = find(box, "h2", "title", msg);

	if (n == NULL)
		for (n = msg->prev; n && (!is_el(n, NULL) || is_el(n, "hr")); n = n->prev)
			;
	if (n != NULL && is_el(n, "div") && has_class(n, "smallfont"))
		n = find(n, "strong", NULL, NULL);
	else if (n != NULL && !is_el(n, "h2"))
		n = NULL;
	if (n != NULL) {
		p->title = node_text(n);
		if (*p->title == '\0') {
			free(p->title);
			p->title = NULL;
		}
	}
}

/* Drops a leading "__________" line (and the <br> after it). */
static char *strip_sig_rule(char *s)
{
	char *p = s;

	while (isspace((unsigned char)*p))
		p++;
	if (strncmp(p, "__________", 10) != 0)
		return s;
	while (*p == '_')
		p++;
	while (isspace((unsigned char)*p))
		p++;
	if (strncasecmp(p, "<br", 3) == 0) {
		char *gt = strchr(p, '>');

		p = gt != NULL ? gt + 1 : p + strlen(p);
	}
	while (isspace((unsigned char)*p))
		p++;
	memmove(s, p, strlen(p) + 1);
	return s;
}

static void post_signature(struct page *pg, xmlNode *box, xmlNode *msg, struct forum_post *p)
{
	xmlNode *n = find(box, NULL, "signaturecontainer", msg);

	if (n == NULL) {
		for (n = msg->next; n; n = n->next) {
			if (is_el(n, "div")) {
				char *t = node_text(n);
				int rule = strncmp(t, "__________", 10) == 0;

				free(t);
				if (rule)
					break;
			}
		}
		if (n != NULL) {
			p->signature = strip_sig_rule(inner_html(pg, n));
			mark(n);
		}
	} else {
		p->signature = inner_html(pg, n);
		mark(n);
	}
	if (p->signature != NULL && *p->signature == '\0') {
		free(p->signature);
		p->signature = NULL;
	}
}

static int has_post_id(const struct forum_thread *t, const char *id)
{
	size_t i;

	for (i = 0; i < t->nposts; i++)
		if (strcmp(t->posts[i].id, id) == 0)
			return 1;
	return 0;
}

static void parse_showthread(struct page *pg, xmlNode **msgs, size_t nmsgs,
			     struct forum_thread *t)
{
	size_t i;

	for (i = 0; i < nmsgs; i++) {
		xmlNode *msg = msgs[i], *box, *inner;
		char *id = attr(msg, "id");
		const char *pid = id + 13;
		struct forum_post *p;

		if (has_post_id(t, pid)) {
			free(id);
			continue;
		}
		p = forum_thread_add_post(t);
		p->id = xstrdup(pid);
		p->markup = MARKUP_HTML;
		box = container_of(msg, pid);
		/* vB4 wraps the message in blockquote.postcontent. */
		inner = find(msg, "blockquote", "postcontent", NULL);
		p->body = inner_html(pg, inner && inner->parent == msg ? inner : msg);
		mark(msg);
		post_author(box, msg, p);
		post_date(box, msg, p);
		post_position(box, msg, pid, p);
		post_url(pg, box, msg, pid, p);
		post_title(box, msg, p);
		post_signature(pg, box, msg, p);
		free(id);
	}
}

/* A post of printthread or the archive: no post id on the page. */
static struct forum_post *add_numbered(struct forum_thread *t)
{
	struct forum_post *p = forum_thread_add_post(t);

	p->position = (int)t->nposts;
	p->id = xasprintf("%s-%d", t->id ? t->id : "", p->position);
	p->markup = MARKUP_HTML;
	return p;
}

static void set_text(char **dst, xmlNode *n)
{
	if (n == NULL)
		return;
	*dst = node_text(n);
	if (**dst == '\0') {
		free(*dst);
		*dst = NULL;
	}
}

/* archive/index.php/t-N.html: div.post > div.posttop (.username, .date),
 * div.posttext. */
static void parse_archive(struct page *pg, struct forum_thread *t)
{
	xmlNode *n;

	for (n = pg->root; n; n = next_node(n, pg->root, NULL)) {
		xmlNode *top, *text;
		struct forum_post *p;

		if (!is_el(n, "div") || !has_class(n, "post") ||
		    (text = find(n, NULL, "posttext", NULL)) == NULL)
			continue;
		p = add_numbered(t);
		top = find(n, NULL, "posttop", NULL);
		if (top != NULL) {
			xmlNode *d = find(top, NULL, "date", NULL);

			set_text(&p->author, find(top, NULL, "username", NULL));
			if (d != NULL)
				p->date = date_of(d);
		}
		p->body = inner_html(pg, text);
		mark(text);
	}
}

/* printthread.php (vB3): table.tborder > td.page holding a table with the
 * name and the date cell (td.smallfont), an optional div.smallfont > strong
 * title, and the message as the last plain div. */
static void parse_printthread(struct page *pg, struct forum_thread *t)
{
	xmlNode *n;

	for (n = pg->root; n; n = next_node(n, pg->root, NULL)) {
		xmlNode *cell, *head, *c, *msg = NULL, *title = NULL;
		struct forum_post *p;

		if (!is_el(n, "table") || !has_class(n, "tborder") ||
		    (cell = find(n, "td", "page", NULL)) == NULL ||
		    (head = find(cell, "table", NULL, NULL)) == NULL)
			continue;
		for (c = cell->children; c; c = c->next) {
			if (is_el(c, "div") && has_class(c, "smallfont"))
				title = find(c, "strong", NULL, NULL);
			else if (is_el(c, "div") && !xmlHasProp(c, (const xmlChar *)"class"))
				msg = c;
		}
		if (msg == NULL)
			continue;
		p = add_numbered(t);
		for (c = head; c; c = next_node(c, head, NULL)) {
			if (!is_el(c, "td"))
				continue;
			if (has_class(c, "smallfont"))
				p->date = date_of(c);
			else if (p->author == NULL)
				set_text(&p->author, c);
		}
		set_text(&p->title, title);
		p->body = inner_html(pg, msg);
		mark(msg);
	}
}

static int is_message(const xmlNode *n)
{
	xmlChar *id;
	const char *end;
	int yes;

	if (!is_el(n, NULL) || (id = xmlGetProp(n, (const xmlChar *)"id")) == NULL)
		return 0;
	yes = strncmp((const char *)id, "post_message_", 13) == 0 &&
	      digits((const char *)id + 13, &end) && *end == '\0';
	xmlFree(id);
	return yes;
}

int vb_parse_html(const char *buf, size_t len, const char *name, struct forum_thread **out,
		  char **err)
{
	struct page pg = {NULL, NULL, NULL, name ? name : "(html)"};
	struct forum_thread *t = NULL;
	xmlNode **msgs = NULL, *n;
	size_t nmsgs = 0;
	char *text;
	int rc = -1;

	*out = NULL;
	if (len > INT32_MAX)
		return fg_error(err, "%s: page too large", pg.name);
	pg.doc = htmlReadMemory(buf, (int)len, NULL, NULL,
				HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
					HTML_PARSE_NONET);
	if (pg.doc == NULL || (pg.root = xmlDocGetRootElement(pg.doc)) == NULL) {
		fg_error(err, "%s: not an HTML page", pg.name);
		goto done;
	}
	if ((n = find(pg.root, "base", NULL, NULL)) != NULL)
		pg.base = attr(n, "href");

	for (n = pg.root; n; n = next_node(n, pg.root, NULL)) {
		if (is_message(n)) {
			msgs = xrealloc(msgs, (nmsgs + 1) * sizeof(*msgs));
			msgs[nmsgs++] = n;
		}
	}
	t = xcalloc(1, sizeof(*t));
	t->id = page_thread_id(&pg);
	t->title = page_title(&pg);
	t->board = page_board(&pg, nmsgs > 0 ? msgs[0] : NULL);
	for (n = pg.root; n && t->url == NULL; n = next_node(n, pg.root, NULL)) {
		if (is_el(n, "link") && attr_is(n, "rel", "canonical")) {
			char *href = attr(n, "href");

			t->url = absolute(&pg, href);
			free(href);
		}
	}
	if (t->url == NULL && t->id != NULL && pg.base != NULL) {
		char *href = xasprintf("showthread.php?t=%s", t->id);

		t->url = absolute(&pg, href);
		free(href);
	}
	if (nmsgs > 0) {
		parse_showthread(&pg, msgs, nmsgs, t);
	} else {
		parse_archive(&pg, t);
		if (t->nposts == 0)
			parse_printthread(&pg, t);
	}
	if (t->nposts == 0) {
		fg_error(err, "%s: no posts found", pg.name);
		goto done;
	}
	if (t->title == NULL) {
		fg_error(err, "%s: no thread title found", pg.name);
		goto done;
	}
	if (t->id == NULL) {
		fg_error(err, "%s: no thread id found (no showthread.php?t=N link)", pg.name);
		goto done;
	}
	text = furniture_text(&pg);
	vb_scan_furniture(text, t);
	free(text);
	*out = t;
	t = NULL;
	rc = 0;
done:
	forum_thread_free(t);
	free(msgs);
	free(pg.base);
	if (pg.doc != NULL)
		xmlFreeDoc(pg.doc);
	return rc;
}
