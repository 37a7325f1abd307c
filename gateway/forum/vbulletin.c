/*
 * vbulletin: saved vBulletin 3.x/4.x thread pages (showthread.php,
 * printthread.php of vB3, and the archive archive/index.php/t-N.html) →
 * struct forum_thread, and the thread pages of vBulletin 5 (li.b-post
 * with data-node-id). The page is parsed by the one HTML parser
 * (forumgate/html.h, which builds the tree libxml2's recovering parser
 * builds: tests/unit/test_html_diff.c keeps it so); the parser then walks
 * the tree. Live boards (vbulletin_board.c) and saved pages go through
 * the same vb_parse_page().
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
 *  - vB5: li.b-post with data-node-id (the post id), the author in
 *    .author (a /member/N-name link), the date from data-node-publishdate
 *    (epoch seconds), the number in a.b-post__count, the title in
 *    h2.b-post__title and the message in .js-post__content-text.
 * A post container (li#post_N, table#postN, li.b-post) whose message
 * cannot be found is an error naming the post, never a skipped post; a
 * deleted post's placeholder (moderators see li.postbitdeleted) is kept
 * with deleted = 1; one hidden by the reader's ignore list is left out
 * with a warning.
 * Bodies stay HTML (MARKUP_HTML): the children of the message element (of
 * vB4's blockquote.postcontent inside it) serialized by html_serialize,
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
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "board.h"
#include "forumgate/buf.h"
#include "spool_internal.h"
#include "vbulletin.h"

struct page {
	const struct board_page *pg;
	const struct html_node *root;
	const char *name;
	/* the post bodies and signatures taken (left out of the furniture
	 * text), kept sorted for bsearch */
	const struct html_node **marks;
	size_t nmarks;
	int parents; /* fill parent_id from the first quote */
};

/* ---- tree helpers ---- */

static int is_el(const struct html_node *n, enum html_tag tag)
{
	return html_is(n, tag);
}

/* Document order walk below root; does not descend into `skip`. */
static struct html_node *next_node(const struct html_node *n, const struct html_node *root,
				   const struct html_node *skip)
{
	if (n != skip && n->type == HTML_ELEMENT && n->children != NULL)
		return n->children;
	return html_skip(n, root);
}

static int attr_is(const struct html_node *n, const char *name, const char *value)
{
	const char *v = html_attr(n, name);

	return v != NULL && strcasecmp(v, value) == 0;
}

static int has_class(const struct html_node *n, const char *cls)
{
	return html_has_class(n, cls);
}

/* The first element below root (not root itself) with the tag (HT_UNKNOWN
 * = any) and class (NULL = any), skipping the subtree `skip`. */
static struct html_node *find(const struct html_node *root, enum html_tag tag, const char *cls,
			      const struct html_node *skip)
{
	const struct html_node *n;

	for (n = next_node(root, root, NULL); n; n = next_node(n, root, skip))
		if (n != skip && is_el(n, tag) && (cls == NULL || has_class(n, cls)))
			return (struct html_node *)n;
	return NULL;
}

static struct html_node *prev_sibling(const struct html_node *n)
{
	struct html_node *k, *prev = NULL;

	if (n->parent == NULL)
		return NULL;
	for (k = n->parent->children; k != NULL && k != n; k = k->next)
		prev = k;
	return prev;
}

/* Appends text with whitespace (and U+00A0) runs collapsed to one space and
 * none at the start of b; *space carries a pending space across calls. */
static void add_collapsed(struct buf *b, const char *p, size_t len, int *space)
{
	const char *end = p + len;

	for (; p < end; p++) {
		if (isspace((unsigned char)*p) ||
		    ((unsigned char)p[0] == 0xc2 && p + 1 < end && (unsigned char)p[1] == 0xa0)) {
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

/* Text content (all of it, as libxml2's xmlNodeGetContent gave it) with
 * whitespace (and U+00A0) collapsed and trimmed. */
static char *node_text(const struct html_node *n)
{
	struct buf b = BUF_INIT;
	int space = 0;

	for (const struct html_node *k = n; k != NULL; k = html_next(k, n))
		if (k->type == HTML_TEXT)
			add_collapsed(&b, k->text, k->len, &space);
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
static char *inner_html(const struct html_node *n)
{
	struct buf b = BUF_INIT;

	html_serialize(n, 0, &b);
	trim_buf(&b);
	return buf_detach(&b);
}

static int cmp_ptr(const void *a, const void *b)
{
	const struct html_node *x = *(const struct html_node *const *)a;
	const struct html_node *y = *(const struct html_node *const *)b;

	return x < y ? -1 : x > y;
}

static void mark(struct page *pg, const struct html_node *n)
{
	if (n == NULL)
		return;
	pg->marks = xrealloc(pg->marks, (pg->nmarks + 1) * sizeof *pg->marks);
	pg->marks[pg->nmarks++] = n;
}

static int marked(const struct page *pg, const struct html_node *n)
{
	return pg->nmarks > 0 &&
	       bsearch(&n, pg->marks, pg->nmarks, sizeof *pg->marks, cmp_ptr) != NULL;
}

/* An absolute URL for href, or NULL when it is relative and the page has
 * no URL (or <base href>) to resolve it against. */
static char *absolute(struct page *pg, const char *href)
{
	return board_page_url(pg->pg, href);
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

char *vb_thread_of(const char *href)
{
	const char *p, *end;

	if (href == NULL)
		return NULL;
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
		if ((p == href || p[-1] == '/') && digits(p + 2, &end) &&
		    (*end == '.' || *end == '-'))
			return xstrndup(p + 2, (size_t)(end - p - 2));
	/* vB4 advanced friendly URLs: /threads/N-slug */
	if ((p = strstr(href, "/threads/")) != NULL && digits(p + 9, &end) &&
	    strchr("-/?#", *end) != NULL && *end != '\0')
		return xstrndup(p + 9, (size_t)(end - p - 9));
	return NULL;
}

char *vb_member_of(const char *href)
{
	const char *p, *u, *end;

	if (href == NULL)
		return NULL;
	p = strstr(href, "member.php");
	if (p == NULL) {
		/* vB5 and vB4 advanced friendly URLs: /member/N-name, /members/N-name */
		if ((p = strstr(href, "/member/")) != NULL)
			p += 8;
		else if ((p = strstr(href, "/members/")) != NULL)
			p += 9;
		else
			return NULL;
		if (!digits(p, &end) || (*end != '-' && *end != '\0' && *end != '/'))
			return NULL;
		return xstrndup(p, (size_t)(end - p));
	}
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

char *vb_post_of(const char *href)
{
	const char *p, *end;

	if (href == NULL)
		return NULL;
	if ((p = strstr(href, "#post")) != NULL && digits(p + 5, &end))
		return xstrndup(p + 5, (size_t)(end - p - 5));
	for (p = href; (p = strstr(p, "p=")) != NULL; p++)
		if (p > href && strchr("?&;", p[-1]) != NULL && digits(p + 2, &end))
			return xstrndup(p + 2, (size_t)(end - p - 2));
	return NULL;
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
	const struct html_node *n;

	for (n = pg->root; n; n = next_node(n, pg->root, NULL)) {
		const char *v;
		char *id = NULL;

		if (is_el(n, HT_INPUT) && attr_is(n, "name", "t") &&
		    (v = html_attr(n, "value")) != NULL) {
			const char *end;

			if (digits(v, &end) && *end == '\0') {
				for (i = 0; i < nids; i++)
					free(ids[i].id);
				free(ids);
				return xstrdup(v);
			}
			continue;
		}
		if (is_el(n, HT_A) || is_el(n, HT_LINK))
			v = html_attr(n, "href");
		else if (is_el(n, HT_FORM))
			v = html_attr(n, "action");
		else
			continue;
		if (v != NULL)
			id = vb_thread_of(v);
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

static int in_breadcrumb(const struct html_node *n)
{
	for (; n && n->type == HTML_ELEMENT; n = n->parent)
		if (has_class(n, "navbar") || has_class(n, "navbit") ||
		    has_class(n, "breadcrumb") || has_class(n, "crumb") ||
		    attr_is(n, "id", "navbar") || attr_is(n, "id", "breadcrumb") ||
		    attr_is(n, "id", "breadcrumbs"))
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

static char *page_board(struct page *pg, const struct html_node *first_post, int vb5)
{
	char *board = NULL;
	const struct html_node *n;

	for (n = pg->root; n && n != first_post; n = next_node(n, pg->root, NULL)) {
		const char *href;

		if (!is_el(n, HT_A) || (href = html_attr(n, "href")) == NULL)
			continue;
		/* vB5's breadcrumb links channels by path, without an id */
		if ((is_forum_link(href) || (vb5 && has_class(n, "crumb-link"))) &&
		    in_breadcrumb(n)) {
			char *t = node_text(n);

			if (*t) {
				free(board);
				board = t;
			} else {
				free(t);
			}
		}
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
	const struct html_node *n, *strong = NULL;
	char *t, *dash;

	if ((n = find(pg->root, HT_UNKNOWN, "threadtitle", NULL)) != NULL) {
		t = node_text(n);
		if (*t)
			return t;
		free(t);
	}
	for (n = pg->root; n; n = next_node(n, pg->root, NULL)) {
		if (is_el(n, HT_STRONG) && n->parent && has_class(n->parent, "navbar"))
			strong = n;
	}
	if (strong != NULL) {
		t = node_text(strong);
		if (*t)
			return t;
		free(t);
	}
	if ((n = find(pg->root, HT_UNKNOWN, "largefont", NULL)) != NULL) {
		const struct html_node *a = find(n, HT_A, NULL, NULL);

		t = node_text(a ? a : n);
		strip_prefix(t, "View Full Version : ");
		if (*t)
			return t;
		free(t);
	}
	if ((n = find(pg->root, HT_TITLE, NULL, NULL)) != NULL) {
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

static int not_text(const struct page *pg, const struct html_node *n)
{
	return is_el(n, HT_SCRIPT) || is_el(n, HT_STYLE) ||
	       (n->type == HTML_ELEMENT && marked(pg, n));
}

/* The page text outside the post bodies, for vb_scan_furniture(), with
 * whitespace collapsed: "You <strong>may not</strong> post replies" must
 * read as one phrase, while block elements separate words. */
static char *furniture_text(struct page *pg)
{
	static const enum html_tag blocks[] = {HT_DIV, HT_TD, HT_TH,    HT_TR,  HT_P,
					       HT_LI,  HT_BR, HT_TABLE, HT_H1,  HT_H2,
					       HT_H3,  HT_UL, HT_OL,    HT_FORM};
	struct buf b = BUF_INIT;
	const struct html_node *n;
	int space = 0;

	qsort(pg->marks, pg->nmarks, sizeof *pg->marks, cmp_ptr);
	for (n = pg->root; n; n = next_node(n, pg->root, not_text(pg, n) ? n : NULL)) {
		if (not_text(pg, n))
			continue;
		if (n->type == HTML_ELEMENT) {
			for (size_t i = 0; i < sizeof blocks / sizeof *blocks; i++)
				if (n->tag == blocks[i])
					space = 1;
			continue;
		}
		add_collapsed(&b, n->text, n->len, &space);
	}
	return buf_detach(&b);
}

/* ---- posts ---- */

static int64_t date_of(struct page *pg, const struct html_node *n)
{
	char *s = node_text(n);
	/* a date with a time of day: "Join Date: Jan 2005" is not the post's */
	int64_t d = strchr(s, ':') != NULL ? board_page_date(pg->pg, s) : 0;
	char *comma = strstr(s, ", ");

	/* "2016-02-01, 02:21": the board's date format, ", ", its time format */
	if (d == 0 && comma != NULL && comma > s && isdigit((unsigned char)comma[-1]) &&
	    isdigit((unsigned char)comma[2])) {
		memmove(comma, comma + 1, strlen(comma + 1) + 1);
		d = board_page_date(pg->pg, s);
	}
	free(s);
	return d;
}

/* The post's container (see the top comment). */
static struct html_node *container_of(const struct html_node *msg, const char *pid)
{
	char *id1 = xasprintf("post%s", pid), *id2 = xasprintf("post_%s", pid);
	const struct html_node *n, *c;

	for (n = msg->parent; is_el(n, HT_UNKNOWN); n = n->parent)
		if (attr_is(n, "id", id1) || attr_is(n, "id", id2) ||
		    (has_class(n, "b-post") && attr_is(n, "data-node-id", pid)))
			break;
	free(id1);
	free(id2);
	if (is_el(n, HT_UNKNOWN))
		return (struct html_node *)n;
	for (c = msg; is_el(c->parent, HT_UNKNOWN) && !is_el(c->parent, HT_BODY); c = c->parent) {
		int count = 0;

		for (n = c->parent; n && count < 2; n = next_node(n, c->parent, NULL)) {
			const char *id = html_attr(n, "id");

			if (id != NULL && strncmp(id, "post_message_", 13) == 0)
				count++;
		}
		if (count > 1)
			break;
	}
	return (struct html_node *)c;
}

static void post_author(const struct html_node *box, const struct html_node *skip,
			struct forum_post *p)
{
	const struct html_node *u = find(box, HT_UNKNOWN, "bigusername", skip), *n;
	const char *href = NULL;

	if (u == NULL)
		u = find(box, HT_UNKNOWN, "username", skip);
	if (u == NULL)
		u = find(box, HT_UNKNOWN, "author", skip); /* vB5 */
	if (u != NULL) {
		const struct html_node *a = is_el(u, HT_A) ? u : find(u, HT_A, NULL, NULL);

		p->author = node_text(u);
		if (*p->author == '\0') {
			free(p->author);
			p->author = NULL;
		}
		if (a != NULL)
			href = html_attr(a, "href");
		p->author_id = vb_member_of(href);
		if (p->author_id == NULL)
			p->guest = p->author != NULL;
		if (has_class(u, "guest"))
			p->guest = 1;
	}
	for (n = box; n; n = next_node(n, box, skip)) {
		if (n != skip && is_el(n, HT_UNKNOWN) && n->children &&
		    n->children->type == HTML_TEXT && n->children->next == NULL) {
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

static void post_date(struct page *pg, const struct html_node *box, const struct html_node *skip,
		      struct forum_post *p)
{
	static const char *const classes[] = {"date", "thead", "postdate", "datetime", NULL};
	const char *const *cls;
	const struct html_node *n;

	for (cls = classes; *cls && p->date == 0; cls++)
		for (n = box; n && p->date == 0; n = next_node(n, box, skip))
			if (n != skip && has_class(n, *cls))
				p->date = date_of(pg, n);
}

static void post_position(const struct html_node *box, const struct html_node *skip,
			  const char *pid, struct forum_post *p)
{
	char *want = xasprintf("postcount%s", pid);
	const struct html_node *n;

	for (n = box; n; n = next_node(n, box, skip)) {
		if (n != skip && is_el(n, HT_UNKNOWN) &&
		    (attr_is(n, "id", want) || has_class(n, "postcounter") ||
		     has_class(n, "b-post__count"))) {
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

static void post_url(struct page *pg, const struct html_node *box, const struct html_node *skip,
		     const char *pid, struct forum_post *p)
{
	char *want = xasprintf("postcount%s", pid);
	const struct html_node *n;

	for (n = box; n && p->url == NULL; n = next_node(n, box, skip)) {
		if (n != skip && is_el(n, HT_A) &&
		    (attr_is(n, "id", want) || has_class(n, "postcounter") ||
		     has_class(n, "b-post__count")))
			p->url = absolute(pg, html_attr(n, "href"));
	}
	free(want);
}

static void post_title(const struct html_node *box, const struct html_node *msg,
		       struct forum_post *p)
{
	const struct html_node *n = find(box, HT_H2, "title", msg);

	if (n == NULL)
		n = find(box, HT_H2, "b-post__title", msg);
	if (n == NULL)
		for (n = prev_sibling(msg); n && (!is_el(n, HT_UNKNOWN) || is_el(n, HT_HR));
		     n = prev_sibling(n))
			;
	if (n != NULL && is_el(n, HT_DIV) && has_class(n, "smallfont"))
		n = find(n, HT_STRONG, NULL, NULL);
	else if (n != NULL && !is_el(n, HT_H2))
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

static void post_signature(struct page *pg, const struct html_node *box,
			   const struct html_node *msg, struct forum_post *p)
{
	const struct html_node *n = find(box, HT_UNKNOWN, "signaturecontainer", msg);

	if (n == NULL)
		n = find(box, HT_UNKNOWN, "b-post__signature", msg); /* vB5 */
	if (n == NULL) {
		for (n = msg->next; n; n = n->next) {
			if (is_el(n, HT_DIV)) {
				char *t = node_text(n);
				int rule = strncmp(t, "__________", 10) == 0;

				free(t);
				if (rule)
					break;
			}
		}
		if (n != NULL) {
			p->signature = strip_sig_rule(inner_html(n));
			mark(pg, n);
		}
	} else {
		p->signature = inner_html(n);
		mark(pg, n);
	}
	if (p->signature != NULL && *p->signature == '\0') {
		free(p->signature);
		p->signature = NULL;
	}
}

/* The source post id of the first quote in the message that names one:
 * vB4/vB5 div.bbcode_postedby, vB3's "Originally Posted by" cell
 * (td.alt2), each with a showthread.php?p=N#postN link. */
static char *first_quote_source(const struct html_node *msg)
{
	for (const struct html_node *n = msg; n != NULL; n = html_next(n, msg)) {
		if (!has_class(n, "bbcode_postedby") && !(is_el(n, HT_TD) && has_class(n, "alt2")))
			continue;
		for (const struct html_node *a = find(n, HT_A, NULL, NULL); a != NULL;
		     a = html_find_after(n, a, HT_A, NULL)) {
			char *id = vb_post_of(html_attr(a, "href"));
			if (id != NULL)
				return id;
		}
		return NULL; /* the first quote names no post */
	}
	return NULL;
}

static int has_post_id(const struct forum_thread *t, const char *id)
{
	size_t i;

	for (i = 0; i < t->nposts; i++)
		if (strcmp(t->posts[i].id, id) == 0)
			return 1;
	return 0;
}

static void showthread_post(struct page *pg, const struct html_node *msg, const char *pid,
			    const struct html_node *box, struct forum_thread *t)
{
	const struct html_node *inner;
	struct forum_post *p = forum_thread_add_post(t);

	p->id = xstrdup(pid);
	p->markup = MARKUP_HTML;
	if (box == NULL)
		box = container_of(msg, pid);
	/* vB4 wraps the message in blockquote.postcontent. */
	inner = find(msg, HT_BLOCKQUOTE, "postcontent", NULL);
	p->body = inner_html(inner && inner->parent == msg ? inner : msg);
	if (pg->parents)
		p->parent_id = first_quote_source(msg);
	mark(pg, msg);
	post_author(box, msg, p);
	post_date(pg, box, msg, p);
	post_position(box, msg, pid, p);
	post_url(pg, box, msg, pid, p);
	post_title(box, msg, p);
	post_signature(pg, box, msg, p);
}

/* A deleted post's placeholder (vB4 li.postbitdeleted, vB3 the
 * "This message has been deleted by" table): kept, marked deleted, with
 * the notice as its body. */
static void deleted_post(struct page *pg, const struct html_node *box, const char *pid,
			 struct forum_thread *t)
{
	struct forum_post *p = forum_thread_add_post(t);
	const struct html_node *notice = find(box, HT_UNKNOWN, "postbody", NULL);

	p->id = xstrdup(pid);
	p->markup = MARKUP_HTML;
	p->deleted = 1;
	p->body = node_text(notice != NULL ? notice : box);
	mark(pg, box);
	post_author(box, NULL, p);
	post_date(pg, box, NULL, p);
}

/* The post id of a post container (li#post_N, table#postN, vB5
 * li.b-post[data-node-id]), or NULL. */
static const char *container_id(const struct html_node *n)
{
	const char *id, *end;

	if (!is_el(n, HT_LI) && !is_el(n, HT_TABLE) && !is_el(n, HT_DIV))
		return NULL;
	if (has_class(n, "b-post") && (id = html_attr(n, "data-node-id")) != NULL &&
	    digits(id, &end) && *end == '\0')
		return id;
	if ((id = html_attr(n, "id")) == NULL || strncmp(id, "post", 4) != 0)
		return NULL;
	id += id[4] == '_' ? 5 : 4;
	return digits(id, &end) && *end == '\0' ? id : NULL;
}

static int is_message(const struct html_node *n)
{
	const char *id = html_attr(n, "id"), *end;

	return id != NULL && strncmp(id, "post_message_", 13) == 0 && digits(id + 13, &end) &&
	       *end == '\0';
}

/* The message element of container box (post id pid), or NULL. */
static const struct html_node *message_in(const struct html_node *box, const char *pid)
{
	char *want = xasprintf("post_message_%s", pid);
	const struct html_node *m = html_find_attr(box, "id", want, 0);

	free(want);
	if (m == NULL && has_class(box, "b-post"))
		m = find(box, HT_UNKNOWN, "js-post__content-text", NULL);
	return m;
}

static int is_deleted(const struct html_node *box)
{
	if (has_class(box, "postbitdeleted") || has_class(box, "b-post--deleted"))
		return 1;
	char *t = node_text(box);
	int yes = strstr(t, "This message has been deleted by") != NULL;
	free(t);
	return yes;
}

/* A post whose author is on the reading member's ignore list (vB4
 * li.postbitignored, vB3 "This message is hidden because X is on your
 * ignore list"). */
static int is_ignored(const struct html_node *box)
{
	if (has_class(box, "postbitignored"))
		return 1;
	char *t = node_text(box);
	int yes = strstr(t, "on your ignore list") != NULL;
	free(t);
	return yes;
}

/* showthread (vB3/vB4) and vB5 thread pages: every post container and
 * every message in document order. */
static int parse_showthread(struct page *pg, struct forum_thread *t, char **err)
{
	const struct html_node *n;

	for (n = pg->root; n; n = next_node(n, pg->root, NULL)) {
		const char *pid = container_id(n);
		if (pid != NULL) {
			if (has_post_id(t, pid))
				continue;
			const struct html_node *msg = message_in(n, pid);
			if (msg != NULL) {
				if (has_class(n, "b-post")) {
					showthread_post(pg, msg, pid, n, t);
					struct forum_post *p = &t->posts[t->nposts - 1];
					const char *ts = html_attr(n, "data-node-publishdate");
					if (ts != NULL && atoll(ts) > 0)
						p->date = atoll(ts);
				}
				continue; /* the message comes next in the walk */
			}
			if (is_deleted(n)) {
				deleted_post(pg, n, pid, t);
				continue;
			}
			if (is_ignored(n)) {
				/* the reader's ignore list hides it: not ours to
				 * publish as empty, and not a template change */
				char *w = xasprintf("%s%s%s: post %s is hidden by the ignore list",
						    t->warnings ? t->warnings : "",
						    t->warnings ? "\n" : "", pg->name, pid);
				free(t->warnings);
				t->warnings = w;
				mark(pg, n);
				continue;
			}
			return fg_error(err, "%s: post %s has no message (no post_message_%s)",
					pg->name, pid, pid);
		}
		if (is_message(n)) {
			const char *id = html_attr(n, "id") + 13;
			if (!has_post_id(t, id))
				showthread_post(pg, n, id, NULL, t);
		}
	}
	return 0;
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

static void set_text(char **dst, const struct html_node *n)
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
	const struct html_node *n;

	for (n = pg->root; n; n = next_node(n, pg->root, NULL)) {
		const struct html_node *top, *text;
		struct forum_post *p;

		if (!is_el(n, HT_DIV) || !has_class(n, "post") ||
		    (text = find(n, HT_UNKNOWN, "posttext", NULL)) == NULL)
			continue;
		p = add_numbered(t);
		top = find(n, HT_UNKNOWN, "posttop", NULL);
		if (top != NULL) {
			const struct html_node *d = find(top, HT_UNKNOWN, "date", NULL);

			set_text(&p->author, find(top, HT_UNKNOWN, "username", NULL));
			if (d != NULL)
				p->date = date_of(pg, d);
		}
		p->body = inner_html(text);
		mark(pg, text);
	}
}

/* printthread.php (vB3): table.tborder > td.page holding a table with the
 * name and the date cell (td.smallfont), an optional div.smallfont > strong
 * title, and the message as the last plain div. */
static void parse_printthread(struct page *pg, struct forum_thread *t)
{
	const struct html_node *n;

	for (n = pg->root; n; n = next_node(n, pg->root, NULL)) {
		const struct html_node *cell, *head, *c, *msg = NULL, *title = NULL;
		struct forum_post *p;

		if (!is_el(n, HT_TABLE) || !has_class(n, "tborder") ||
		    (cell = find(n, HT_TD, "page", NULL)) == NULL ||
		    (head = find(cell, HT_TABLE, NULL, NULL)) == NULL)
			continue;
		for (c = cell->children; c; c = c->next) {
			if (is_el(c, HT_DIV) && has_class(c, "smallfont"))
				title = find(c, HT_STRONG, NULL, NULL);
			else if (is_el(c, HT_DIV) && html_attr(c, "class") == NULL)
				msg = c;
		}
		if (msg == NULL)
			continue;
		p = add_numbered(t);
		for (c = head; c; c = next_node(c, head, NULL)) {
			if (!is_el(c, HT_TD))
				continue;
			if (has_class(c, "smallfont"))
				p->date = date_of(pg, c);
			else if (p->author == NULL)
				set_text(&p->author, c);
		}
		set_text(&p->title, title);
		p->body = inner_html(msg);
		mark(pg, msg);
	}
}

/* vB5: the thread id is the first post's node id (data-node-id of
 * li.b-post--first) or the N of the canonical URL's "N-slug" segment;
 * the title is h1.main-title of the conversation, not of the announcement
 * widget; pagination from .pagenav (input page, span.pagetotal). */
static void vb5_thread(struct page *pg, struct forum_thread *t)
{
	const struct html_node *first = find(pg->root, HT_UNKNOWN, "b-post--first", NULL);
	const struct html_node *n;

	if (t->id == NULL && first != NULL && container_id(first) != NULL)
		t->id = xstrdup(container_id(first));
	if (t->title == NULL || strcmp(t->title, "Announcement") == 0) {
		for (n = find(pg->root, HT_H1, "main-title", NULL); n != NULL;
		     n = html_find_after(pg->root, n, HT_H1, "main-title")) {
			char *s = node_text(n);
			if (*s != '\0' && strcmp(s, "Announcement") != 0) {
				free(t->title);
				t->title = s;
				break;
			}
			free(s);
		}
	}
	const struct html_node *nav = find(pg->root, HT_UNKNOWN, "pagenav", NULL);
	if (nav != NULL) {
		const struct html_node *in = find(nav, HT_INPUT, "js-pagenum", NULL);
		const struct html_node *tot = find(nav, HT_UNKNOWN, "pagetotal", NULL);
		const char *v = html_attr(in, "value");
		if (v != NULL && tot != NULL) {
			char *s = node_text(tot);
			int page = atoi(v), pages = atoi(s);
			free(s);
			if (page > 0 && pages >= page) {
				t->page = page;
				t->pages = pages;
			}
		}
	}
}

int vb_parse_page(const struct board_page *bp, int parents, struct forum_thread **out, char **err)
{
	struct page pg = {bp, &bp->doc.root, bp->name, NULL, 0, parents};
	struct forum_thread *t = NULL;
	const struct html_node *n, *first = NULL;
	char *text;
	int rc = -1, vb5 = 0;

	*out = NULL;
	for (n = pg.root; n && first == NULL; n = next_node(n, pg.root, NULL)) {
		if (is_message(n) || container_id(n) != NULL)
			first = n;
	}
	vb5 = first != NULL && has_class(first, "b-post");
	t = xcalloc(1, sizeof(*t));
	t->id = page_thread_id(&pg);
	t->title = page_title(&pg);
	if (vb5)
		vb5_thread(&pg, t);
	t->board = page_board(&pg, first, vb5);
	for (n = pg.root; n && t->url == NULL; n = next_node(n, pg.root, NULL)) {
		if (is_el(n, HT_LINK) && attr_is(n, "rel", "canonical"))
			t->url = absolute(&pg, html_attr(n, "href"));
	}
	if (t->url == NULL && t->id != NULL && bp->url != NULL) {
		char *href = xasprintf("showthread.php?t=%s", t->id);

		t->url = absolute(&pg, href);
		free(href);
	}
	if (first != NULL) {
		if (parse_showthread(&pg, t, err) < 0)
			goto done;
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
	free(pg.marks);
	return rc;
}

int vb_parse_html(const char *buf, size_t len, const char *name, struct forum_thread **out,
		  char **err)
{
	struct buf page = BUF_INIT;
	struct board_page pg;
	int rc;

	*out = NULL;
	if (len > INT32_MAX)
		return fg_error(err, "%s: page too large", name ? name : "(html)");
	board_page_utf8(buf, len, NULL, &page);
	board_page_open(&pg, buf_str(&page), page.len, NULL, name ? name : "(html)", NULL);
	rc = vb_parse_page(&pg, 0, out, err);
	board_page_close(&pg);
	buf_free(&page);
	return rc;
}
