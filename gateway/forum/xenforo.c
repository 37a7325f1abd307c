/*
 * xenforo: the XenForo 2.x (and 1.x) board engine (see board.h): which page
 * is which, the URLs of the forum list, forums and threads, the forum list,
 * thread lists, thread pages, login and the board's messages.
 *
 * XenForo 2 marks its pages well: the <html> (or <body>) tag names the
 * template that rendered the page (data-template="thread_view"), the
 * container and content keys (data-container-key="node-12",
 * data-content-key="thread-34") and whether a member is logged in
 * (data-logged-in). The tree parser drops the attributes of <html> and
 * <body> (they open implicitly), so those few are read from the raw bytes
 * of the start tags (tag_attr()); everything else comes from the tree.
 *
 * Markers leaned on, XenForo 2: posts are the elements with
 * data-content="post-N" or id="js-post-N" (article.message--post), body
 * .message-body .bbWrapper, author .message-name .username (data-user-id;
 * none = guest), date <time data-time> in .message-attribution-main, "#N"
 * in .message-attribution-opposite, signature .message-signature; thread
 * lists .structItem--thread (js-threadListItem-N), node lists .node
 * (node--idN) inside .block--category (block--categoryN); pagination
 * .pageNav. XenForo 1: li.message#post-N with data-author, blockquote.
 * messageText, .messageMeta .DateTime (data-time or a title to read),
 * a.postNumber, .signature; li.discussionListItem#thread-N; li.node
 * (#forum-N, #category-N, #link-N); .PageNav data-page/data-last.
 *
 * Bodies are the inner HTML of the content element with relative links
 * and image sources made absolute (a newsreader has no base URL) and the
 * attachment list appended as links; "Last edited", reactions, share and
 * reply controls live outside that element and so never reach a body.
 * Quotes stay in the body (blockquote.bbCodeBlock--quote data-source=
 * "post: N", XF1 div.bbCodeQuote): text_html renders them.
 *
 * The RSS feeds (forums/-/index.rss, forums/N/index.rss) are read with
 * libxml2's XML parser, network access off.
 */
#include "board.h"

#include <curl/curl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "forumgate/buf.h"

/* ---- raw start tags ---- */

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* The first start tag <tag ...> in the raw page: its attribute text (the
 * bytes after the name up to '>'), or NULL. */
static const char *find_tag(const struct board_page *pg, const char *tag, size_t *len)
{
	size_t tl = strlen(tag);
	const char *p = pg->html, *end = pg->html + pg->len;

	while (p < end && (p = memchr(p, '<', (size_t)(end - p))) != NULL) {
		p++;
		if ((size_t)(end - p) > tl && strncasecmp(p, tag, tl) == 0 &&
		    (is_space(p[tl]) || p[tl] == '>' || p[tl] == '/')) {
			const char *a = p + tl;
			const char *gt = memchr(a, '>', (size_t)(end - a));
			if (gt == NULL)
				return NULL;
			*len = (size_t)(gt - a);
			return a;
		}
	}
	return NULL;
}

/* The value of attribute `name` of the first <tag> of the raw page
 * (malloc'd; entities are not decoded: the values read this way are
 * names and numbers), or NULL. */
static char *tag_attr(const struct board_page *pg, const char *tag, const char *name)
{
	size_t len, nl = strlen(name);
	const char *p = find_tag(pg, tag, &len);

	if (p == NULL)
		return NULL;
	const char *end = p + len;
	while (p < end) {
		while (p < end && (is_space(*p) || *p == '/'))
			p++;
		const char *n = p;
		while (p < end && !is_space(*p) && *p != '=' && *p != '/')
			p++;
		size_t l = (size_t)(p - n);
		while (p < end && is_space(*p))
			p++;
		const char *v = NULL;
		size_t vl = 0;
		if (p < end && *p == '=') {
			p++;
			while (p < end && is_space(*p))
				p++;
			if (p < end && (*p == '"' || *p == '\'')) {
				char q = *p++;
				v = p;
				while (p < end && *p != q)
					p++;
				vl = (size_t)(p - v);
				if (p < end)
					p++;
			} else {
				v = p;
				while (p < end && !is_space(*p))
					p++;
				vl = (size_t)(p - v);
			}
		}
		if (l == nl && strncasecmp(n, name, nl) == 0)
			return v != NULL ? xstrndup(v, vl) : xstrdup("");
		if (l == 0 && v == NULL)
			p++;
	}
	return NULL;
}

/* An attribute of the page's <html> tag, else of its <body> (a browser
 * snapshot may lack the first). */
static char *page_attr(const struct board_page *pg, const char *name)
{
	char *v = tag_attr(pg, "html", name);
	return v != NULL ? v : tag_attr(pg, "body", name);
}

static int raw_has(const struct board_page *pg, const char *needle)
{
	return pg->len > 0 && strcasestr(pg->html, needle) != NULL;
}

/* ---- tree helpers ---- */

static const struct html_node *root_of(const struct board_page *pg)
{
	return &pg->doc.root;
}

static struct html_node *find(const struct html_node *root, const char *cls)
{
	return html_find(root, HT_UNKNOWN, cls);
}

static struct html_node *find_after(const struct html_node *root, const struct html_node *from,
				    const char *cls)
{
	return html_find_after(root, from, HT_UNKNOWN, cls);
}

/* The first element below root with class cls that is not inside an
 * element with class `not_in` (below root). */
static struct html_node *find_outside(const struct html_node *root, const char *cls,
				      const char *not_in)
{
	for (struct html_node *n = find(root, cls); n != NULL; n = find_after(root, n, cls)) {
		int inside = 0;
		for (const struct html_node *a = n->parent; a != NULL && a != root; a = a->parent)
			if (html_has_class(a, not_in))
				inside = 1;
		if (!inside)
			return n;
	}
	return NULL;
}

/* Whether n's class attribute holds a class starting with prefix; the
 * rest (up to the next space) is copied to *rest when asked. */
static int class_prefix(const struct html_node *n, const char *prefix, char **rest)
{
	const char *v = html_attr(n, "class");
	size_t pl = strlen(prefix);

	while (v != NULL && *v != '\0') {
		while (is_space(*v))
			v++;
		const char *s = v;
		while (*v != '\0' && !is_space(*v))
			v++;
		if ((size_t)(v - s) > pl && strncmp(s, prefix, pl) == 0) {
			if (rest != NULL)
				*rest = xstrndup(s + pl, (size_t)(v - s) - pl);
			return 1;
		}
	}
	return 0;
}

static int all_digits(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* The number at the end of a class "js-threadListItem-12" / "node--id3",
 * or NULL when it is not all digits. */
static char *class_id(const struct html_node *n, const char *prefix)
{
	char *rest = NULL;

	if (!class_prefix(n, prefix, &rest))
		return NULL;
	if (!all_digits(rest, strlen(rest))) {
		free(rest);
		return NULL;
	}
	return rest;
}

/* "post-12" with prefix "post-" → "12"; NULL unless the rest is a number. */
static char *prefixed_id(const char *s, const char *prefix)
{
	size_t pl = strlen(prefix);

	if (s == NULL || strncmp(s, prefix, pl) != 0 || !all_digits(s + pl, strlen(s + pl)))
		return NULL;
	return xstrdup(s + pl);
}

/* The id of a XenForo route in a link: "/threads/some-title.12/page-2",
 * "index.php?threads/12/", "forums/-.3/" with route "threads/" → "12".
 * The id is what follows the last '.' of the segment after the route, or
 * the whole segment when it is a number. NULL when no segment has one. */
static char *route_id(const char *href, const char *route)
{
	size_t rl = strlen(route);

	if (href == NULL)
		return NULL;
	for (const char *p = strstr(href, route); p != NULL; p = strstr(p + 1, route)) {
		if (p > href && p[-1] != '/' && p[-1] != '?')
			continue;
		const char *s = p + rl;
		size_t n = strcspn(s, "/?#&");
		const char *dot = NULL;
		for (size_t i = 0; i < n; i++)
			if (s[i] == '.')
				dot = s + i;
		const char *id = dot != NULL ? dot + 1 : s;
		size_t idl = (size_t)(s + n - id);
		if (all_digits(id, idl))
			return xstrndup(id, idl);
	}
	return NULL;
}

/* The post a link points at: ".../posts/12/", ".../threads/x.3/post-12",
 * "goto/post?id=12", "#post-12". */
static char *href_post(const char *href)
{
	char *id = route_id(href, "posts/");
	const char *p;

	if (id != NULL || href == NULL)
		return id;
	if ((p = strstr(href, "/post-")) != NULL || (p = strstr(href, "#post-")) != NULL) {
		p += 6;
		size_t n = strspn(p, "0123456789");
		if (n > 0)
			return xstrndup(p, n);
	}
	if (strstr(href, "goto/post") != NULL) {
		char *q = board_query(href, "id");
		if (q != NULL && all_digits(q, strlen(q)))
			return q;
		free(q);
	}
	return NULL;
}

/* A page number as printed: 1..9999999, else 0. */
static int page_number(const char *s)
{
	long v = s != NULL ? strtol(s, NULL, 10) : 0;
	return v > 0 && v < 10000000 ? (int)v : 0;
}

/* "page-7" in a link → 7; 0 when none. */
static int href_page(const char *href)
{
	const char *p;

	for (p = href != NULL ? strstr(href, "page-") : NULL; p != NULL;
	     p = strstr(p + 1, "page-")) {
		if (p > href && p[-1] != '/' && p[-1] != '?')
			continue;
		long v = strtol(p + 5, NULL, 10);
		if (v > 0 && v < 10000000)
			return (int)v;
	}
	return 0;
}

/* A number as printed: "1,234", "1.234", "12 345" → 1234; with XenForo's
 * short forms "1K", "1.2K", "12,5M" → 1000, 1200, 12500000. -1 when s
 * holds no number. */
static long print_number(const char *s)
{
	long whole = 0, frac = 0, fscale = 1;
	int digits = 0;
	const char *p = s;

	if (s == NULL)
		return -1;
	while (*p != '\0' && (*p < '0' || *p > '9'))
		p++;
	const char *last_sep = NULL;
	for (; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9') {
			if (whole > 100000000000L)
				return -1;
			whole = whole * 10 + (*p - '0');
			digits++;
		} else if (*p == ',' || *p == '.' || *p == '\'' || *p == ' ') {
			last_sep = p;
		} else if ((unsigned char)p[0] == 0xc2 && (unsigned char)p[1] == 0xa0) {
			last_sep = p++;
		} else {
			break;
		}
	}
	if (digits == 0)
		return -1;
	while (*p == ' ')
		p++;
	long mult = *p == 'K' || *p == 'k'   ? 1000
		    : *p == 'M' || *p == 'm' ? 1000000
		    : *p == 'B' || *p == 'b' ? 1000000000
					     : 1;
	if (mult > 1 && last_sep != NULL) {
		/* the part after the last separator is a decimal fraction */
		size_t fl = 0;
		for (const char *q = last_sep + 1; *q >= '0' && *q <= '9'; q++)
			fl++;
		if (fl > 9)
			return -1;
		for (size_t i = 0; i < fl; i++)
			fscale *= 10;
		frac = whole % fscale;
		whole /= fscale;
	}
	if (whole > 1000000000000L / mult)
		return -1;
	return whole * mult + frac * mult / fscale;
}

/* Text of n, whitespace collapsed, leaving out descendants with one of
 * the classes in skip (NULL-terminated). */
static void text_skip(const struct html_node *n, const char *const *skip, struct buf *b)
{
	for (const struct html_node *k = n->children; k != NULL; k = k->next) {
		int skipped = 0;
		for (size_t i = 0; k->type == HTML_ELEMENT && skip[i] != NULL; i++)
			if (html_has_class(k, skip[i]))
				skipped = 1;
		if (skipped)
			continue;
		if (k->type == HTML_TEXT) {
			buf_add(b, k->text, k->len);
		} else if (!html_is(k, HT_SCRIPT) && !html_is(k, HT_STYLE)) {
			buf_addc(b, ' ');
			text_skip(k, skip, b);
			buf_addc(b, ' ');
		}
	}
}

static char *collapse(const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	int sp = 0;

	for (size_t i = 0; i < n; i++) {
		if (is_space(s[i]) ||
		    ((unsigned char)s[i] == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] == 0xa0)) {
			if ((unsigned char)s[i] == 0xc2)
				i++;
			sp = b.len > 0;
			continue;
		}
		if (sp)
			buf_addc(&b, ' ');
		sp = 0;
		buf_addc(&b, s[i]);
	}
	return buf_detach(&b);
}

/* A title without XenForo's prefix labels (XF2 .label/.labelLink, XF1
 * .prefix/.prefixLink). NULL when empty. */
static char *title_text(const struct html_node *n)
{
	static const char *const skip[] = {
		"label", "labelLink", "label-append", "prefix", "prefixLink", "u-srOnly", NULL};
	struct buf b = BUF_INIT;

	if (n == NULL)
		return NULL;
	text_skip(n, skip, &b);
	char *t = collapse(b.p != NULL ? b.p : "", b.len);
	buf_free(&b);
	if (*t == '\0') {
		free(t);
		return NULL;
	}
	return t;
}

static char *text_or_null(const struct html_node *n)
{
	char *t = n != NULL ? html_text_dup(n) : NULL;
	if (t != NULL && *t == '\0') {
		free(t);
		return NULL;
	}
	return t;
}

/* The page's <link rel="canonical"> href, or NULL (borrowed). */
static const char *canonical(const struct board_page *pg)
{
	for (const struct html_node *n = html_find(root_of(pg), HT_LINK, NULL); n != NULL;
	     n = html_find_after(root_of(pg), n, HT_LINK, NULL)) {
		const char *rel = html_attr(n, "rel");
		if (rel != NULL && strcasecmp(rel, "canonical") == 0)
			return html_attr(n, "href");
	}
	return NULL;
}

static const char *meta_property(const struct board_page *pg, const char *prop)
{
	for (const struct html_node *n = html_find(root_of(pg), HT_META, NULL); n != NULL;
	     n = html_find_after(root_of(pg), n, HT_META, NULL)) {
		const char *p = html_attr(n, "property");
		if (p != NULL && strcmp(p, prop) == 0)
			return html_attr(n, "content");
	}
	return NULL;
}

/* ---- what the page is ---- */

static int detect(const struct board_page *pg)
{
	const char *gen = board_page_generator(pg);
	if (gen != NULL && strcasestr(gen, "XenForo") != NULL)
		return 100;
	char *id = tag_attr(pg, "html", "id");
	char *app = page_attr(pg, "data-app");
	int score = 0;
	if (id != NULL && (strcmp(id, "XF") == 0 || strcmp(id, "XenForo") == 0))
		score = 95;
	else if (app != NULL && strcmp(app, "public") == 0)
		score = 90;
	free(id);
	free(app);
	if (score > 0)
		return score;
	if (raw_has(pg, "data-xf-init=") || raw_has(pg, "/js/xf/") ||
	    raw_has(pg, "XenForo.activate") || raw_has(pg, "js/xenforo/"))
		return 80;
	if (raw_has(pg, "Forum software by XenForo") || raw_has(pg, "XenForo&reg;") ||
	    raw_has(pg, "XenForo\xc2\xae") || raw_has(pg, "data-cookie-prefix=\"xf_\""))
		return 60;
	return 0;
}

/* The template that rendered the page (XF2), malloc'd, or NULL. */
static char *template_of(const struct board_page *pg)
{
	return page_attr(pg, "data-template");
}

static int has_captcha(const struct board_page *pg)
{
	static const char *const marks[] = {
		"data-xf-init=\"re-captcha\"",
		"data-xf-init=\"h-captcha\"",
		"data-xf-init=\"turnstile\"",
		"data-xf-init=\"qa-captcha\"",
		"data-xf-init=\"solve-captcha\"",
		"class=\"g-recaptcha",
		"class=\"h-captcha",
		"cf-turnstile",
		"captcha_question_hash",
		"keycaptcha",
		"solvemedia",
		"Please verify that you are human",
		NULL,
	};
	for (size_t i = 0; marks[i] != NULL; i++)
		if (raw_has(pg, marks[i]))
			return 1;
	return 0;
}

/* The login form (action ending in login/login), or NULL. */
static struct html_node *login_form_node(const struct board_page *pg)
{
	for (struct html_node *f = html_find(root_of(pg), HT_FORM, NULL); f != NULL;
	     f = html_find_after(root_of(pg), f, HT_FORM, NULL)) {
		const char *a = html_attr(f, "action");
		if (a != NULL && strstr(a, "login/login") != NULL)
			return f;
	}
	return NULL;
}

/* Post containers: XF2 data-content="post-N" or id="js-post-N"; XF1
 * li.message#post-N. The post id of n, or NULL when n is none. */
static char *post_container_id(const struct html_node *n)
{
	if (n->type != HTML_ELEMENT || n->attrs == NULL)
		return NULL;
	char *id = prefixed_id(html_attr(n, "data-content"), "post-");
	if (id == NULL)
		id = prefixed_id(html_attr(n, "id"), "js-post-");
	if (id == NULL && html_has_class(n, "message"))
		id = prefixed_id(html_attr(n, "id"), "post-");
	return id;
}

static struct html_node *first_post(const struct board_page *pg)
{
	const struct html_node *root = root_of(pg);
	for (struct html_node *n = html_next(root, root); n != NULL; n = html_next(n, root)) {
		char *id = post_container_id(n);
		if (id != NULL) {
			free(id);
			return n;
		}
	}
	return NULL;
}

static int no_permission_text(const char *s)
{
	return s != NULL && (strcasestr(s, "do not have permission") != NULL ||
			     strcasestr(s, "keine Berechtigung") != NULL ||
			     strcasestr(s, "keine Rechte") != NULL);
}

static char *message(const struct board_page *pg);

static enum board_page_kind kind(const struct board_page *pg)
{
	char *tpl = template_of(pg);
	enum board_page_kind k = BOARD_PAGE_OTHER;
	int known = tpl != NULL;

	if (tpl != NULL) {
		if (strncmp(tpl, "thread_view", 11) == 0)
			k = BOARD_PAGE_THREAD;
		else if (strncmp(tpl, "forum_view", 10) == 0)
			k = BOARD_PAGE_FORUM;
		else if (strcmp(tpl, "forum_list") == 0 || strcmp(tpl, "category_view") == 0)
			k = BOARD_PAGE_INDEX;
		else if (strcmp(tpl, "login") == 0)
			k = has_captcha(pg) ? BOARD_PAGE_CAPTCHA : BOARD_PAGE_LOGIN;
		else if (strncmp(tpl, "login_two_step", 14) == 0)
			k = BOARD_PAGE_CAPTCHA;
		else if (strcmp(tpl, "error") == 0 || strcmp(tpl, "message_page") == 0 ||
			 strcmp(tpl, "no_permission") == 0)
			k = BOARD_PAGE_MESSAGE;
		free(tpl);
	}
	if (!known) {
		/* no template named (XF1, a saved snapshot): the markers */
		if (first_post(pg) != NULL)
			k = BOARD_PAGE_THREAD;
		else if (login_form_node(pg) != NULL &&
			 html_find_attr(root_of(pg), "name", "password", 0) != NULL &&
			 find(root_of(pg), "node") == NULL)
			k = has_captcha(pg) ? BOARD_PAGE_CAPTCHA : BOARD_PAGE_LOGIN;
		else if (find(root_of(pg), "block--threadList") != NULL ||
			 find(root_of(pg), "discussionListItems") != NULL)
			k = BOARD_PAGE_FORUM;
		else if (find(root_of(pg), "block--category") != NULL ||
			 html_find_attr(root_of(pg), "id", "forums", 0) != NULL)
			k = BOARD_PAGE_INDEX;
		else if (find(root_of(pg), "errorPanel") != NULL ||
			 find(root_of(pg), "errorOverlay") != NULL ||
			 find(root_of(pg), "blockMessage--error") != NULL)
			k = BOARD_PAGE_MESSAGE;
	}
	if (k == BOARD_PAGE_MESSAGE) {
		char *m = message(pg);
		if (no_permission_text(m))
			k = BOARD_PAGE_NO_PERMISSION;
		free(m);
	}
	return k;
}

/* ---- URLs ---- */

static char *index_url(const char *base)
{
	return xasprintf("%sforums/", base);
}

/* XenForo finds a forum or thread by the number alone ("threads/12/"),
 * with or without the title slug the board links with. */
static char *page_url(const char *base, const char *route, const char *id, int page)
{
	if (page > 1)
		return xasprintf("%s%s/%s/page-%d", base, route, id, page);
	return xasprintf("%s%s/%s/", base, route, id);
}

static char *forum_url(const char *base, const char *forum_id, int page)
{
	return page_url(base, "forums", forum_id, page);
}

static char *thread_url(const char *base, const char *thread_id, int page)
{
	return page_url(base, "threads", thread_id, page);
}

static char *login_url(const char *base)
{
	return xasprintf("%slogin/", base);
}

/* ---- pagination ---- */

/* page, pages and the next page's URL from XF2's .pageNav or XF1's
 * .PageNav; a page without either is page 1 of 1 (or the page its
 * canonical link names). */
static void pagination(const struct board_page *pg, int *page, int *pages, char **next)
{
	const struct html_node *root = root_of(pg);
	struct html_node *nav = find(root, "pageNav");

	*page = *pages = 0;
	*next = NULL;
	if (nav != NULL) {
		int max = 0;
		for (struct html_node *li = find(nav, "pageNav-page"); li != NULL;
		     li = find_after(nav, li, "pageNav-page")) {
			char *t = html_text_dup(li);
			long v = print_number(t);
			if (html_has_class(li, "pageNav-page--current") && v > 0)
				*page = (int)v;
			if (v > max && v < 10000000)
				max = (int)v;
			free(t);
		}
		*pages = max;
		struct html_node *nx = find(nav, "pageNav-jump--next");
		if (nx != NULL)
			*next = board_page_url(pg, html_attr(nx, "href"));
	}
	struct html_node *nav1 = nav == NULL ? find(root, "PageNav") : NULL;
	if (nav1 != NULL) {
		const char *dp = html_attr(nav1, "data-page"), *dl = html_attr(nav1, "data-last");
		*page = page_number(dp);
		*pages = page_number(dl);
		struct html_node *nx = find(nav1, "PageNavNext");
		const char *href = html_attr(nx, "href");
		const char *baseurl = html_attr(nav1, "data-baseurl");
		const char *sentinel = html_attr(nav1, "data-sentinel");
		if (href != NULL && *href != '\0') {
			*next = board_page_url(pg, href);
		} else if (*page > 0 && *page < *pages && baseurl != NULL && sentinel != NULL &&
			   *sentinel != '\0' && strstr(baseurl, sentinel) != NULL) {
			const char *s = strstr(baseurl, sentinel);
			char *u = xasprintf("%.*s%d%s", (int)(s - baseurl), baseurl, *page + 1,
					    s + strlen(sentinel));
			*next = board_page_url(pg, u);
			free(u);
		}
	}
	if (*page <= 0) {
		int cp = href_page(canonical(pg));
		if (cp <= 0)
			cp = href_page(pg->url);
		*page = cp > 0 ? cp : 1;
	}
	if (*pages < *page)
		*pages = *page;
	if (*page >= *pages) {
		free(*next);
		*next = NULL;
	}
}

/* ---- the classes a post is asked about, found in one walk ---- */

/* parse_post asks a post for a dozen classes, most of them absent (the
 * other XenForo version's): one walk that notes the first element of
 * each costs what two html_find calls did. */
enum mark {
	M_NAME,
	M_USER_INFO,
	M_USER_TEXT,
	M_ATTR_MAIN,
	M_ATTR_OPPOSITE,
	M_POST_NUMBER,
	M_DATE_PERMALINK,
	M_META,
	M_BODY,
	M_USER_CONTENT,
	M_CONTENT,
	M_IGNORED,
	M_SIGNATURE2,
	M_SIGNATURE1,
	M_ATTACH2,
	M_ATTACH1,
	M_COUNT
};

static const char *const mark_names[M_COUNT] = {
	"message-name",
	"messageUserInfo",
	"userText",
	"message-attribution-main",
	"message-attribution-opposite",
	"postNumber",
	"datePermalink",
	"messageMeta",
	"message-body",
	"message-userContent",
	"messageContent",
	"messageNotice--ignored",
	"message-signature",
	"signature",
	"message-attachments",
	"attachedFiles",
};

static void mark_scan(const struct html_node *post, struct html_node *m[M_COUNT])
{
	memset(m, 0, M_COUNT * sizeof *m);
	for (struct html_node *n = (struct html_node *)post; n != NULL; n = html_next(n, post)) {
		const char *v = html_attr(n, "class");
		while (v != NULL && *v != '\0') {
			while (is_space(*v))
				v++;
			const char *c = v;
			while (*v != '\0' && !is_space(*v))
				v++;
			size_t l = (size_t)(v - c);
			if (l < 8)
				continue;
			for (size_t i = 0; i < M_COUNT; i++)
				if (m[i] == NULL && strncmp(mark_names[i], c, l) == 0 &&
				    mark_names[i][l] == '\0')
					m[i] = n;
		}
	}
}

/* ---- bodies ---- */

struct swap {
	struct html_attr *a;
	const char *old;
	char *val;
};

/* Makes the links and image sources below n absolute for the time of a
 * serialization (put back by unswap): a lazy image's real source
 * (data-src / data-url) replaces its placeholder. */
static void swap_urls(const struct board_page *pg, struct html_node *n, struct swap **sw,
		      size_t *nsw)
{
	for (struct html_node *k = html_next(n, n); k != NULL; k = html_next(k, n)) {
		if (k->type != HTML_ELEMENT || (!html_is(k, HT_A) && !html_is(k, HT_IMG)))
			continue;
		const char *lazy = html_is(k, HT_IMG) ? html_attr(k, "data-src") : NULL;
		if (lazy == NULL && html_is(k, HT_IMG))
			lazy = html_attr(k, "data-url");
		for (struct html_attr *a = k->attrs; a != NULL; a = a->next) {
			if (strcmp(a->name, "href") != 0 && strcmp(a->name, "src") != 0 &&
			    strcmp(a->name, "data-src") != 0)
				continue;
			const char *v = a->value;
			if (strcmp(a->name, "src") == 0 && lazy != NULL && *lazy != '\0' &&
			    (*v == '\0' || strncmp(v, "data:", 5) == 0))
				v = lazy;
			/* absolute already: nothing to resolve (most links are) */
			if (*v == '#' || strncmp(v, "mailto:", 7) == 0 ||
			    strncmp(v, "data:", 5) == 0 ||
			    ((strncmp(v, "https://", 8) == 0 || strncmp(v, "http://", 7) == 0) &&
			     v == a->value))
				continue;
			char *abs = board_page_url(pg, v);
			if (abs == NULL || strcmp(abs, a->value) == 0) {
				free(abs);
				continue;
			}
			*sw = xrealloc(*sw, (*nsw + 1) * sizeof **sw);
			(*sw)[*nsw] = (struct swap){a, a->value, abs};
			a->value = abs;
			(*nsw)++;
		}
	}
}

static void unswap(struct swap *sw, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		sw[i].a->value = sw[i].old;
		free(sw[i].val);
	}
	free(sw);
}

static void trim(struct buf *b)
{
	size_t s = 0, e = b->len;

	while (s < e && is_space(b->p[s]))
		s++;
	while (e > s && is_space(b->p[e - 1]))
		e--;
	if (s > 0)
		memmove(b->p, b->p + s, e - s);
	buf_truncate(b, e - s);
}

/* Children of XF's content elements that are furniture, not content. */
static int furniture(const struct html_node *k)
{
	return html_has_class(k, "js-selectToQuoteEnd") ||
	       html_has_class(k, "messageTextEndMarker") || html_is(k, HT_SCRIPT);
}

/* The inner HTML of n (furniture children left out), links absolute. */
static void inner_html(const struct board_page *pg, struct html_node *n, struct buf *out)
{
	struct swap *sw = NULL;
	size_t nsw = 0;

	swap_urls(pg, n, &sw, &nsw);
	for (struct html_node *k = n->children; k != NULL; k = k->next)
		if (!furniture(k))
			html_serialize(k, 1, out);
	unswap(sw, nsw);
}

/* The attachments listed under a post (XF2 .message-attachments, XF1
 * .attachedFiles) as a list of links, appended to out. */
static void attachments(const struct board_page *pg, struct html_node *const *m, struct buf *out)
{
	struct html_node *box = m[M_ATTACH2] != NULL ? m[M_ATTACH2] : m[M_ATTACH1];
	if (box == NULL)
		return;
	char **seen = NULL;
	size_t nseen = 0;
	for (struct html_node *a = html_find(box, HT_A, NULL); a != NULL;
	     a = html_find_after(box, a, HT_A, NULL)) {
		const char *href = html_attr(a, "href");
		if (href == NULL || strstr(href, "attachments/") == NULL)
			continue;
		char *abs = board_page_url(pg, href);
		if (abs == NULL)
			continue;
		int dup = 0;
		for (size_t i = 0; i < nseen; i++)
			dup |= strcmp(seen[i], abs) == 0;
		if (dup) {
			free(abs);
			continue;
		}
		/* the name: the item's file name, else the link's text or image */
		const struct html_node *item = html_ancestor(a, HT_LI, NULL);
		const struct html_node *fn = item != NULL ? find(item, "file-name") : NULL;
		char *name = NULL;
		if (fn != NULL && html_attr(fn, "title") != NULL && *html_attr(fn, "title"))
			name = xstrdup(html_attr(fn, "title"));
		if (name == NULL)
			name = text_or_null(fn);
		if (name == NULL)
			name = text_or_null(a);
		if (name == NULL && html_find(a, HT_IMG, NULL) != NULL)
			name = xstrdup(html_attr(html_find(a, HT_IMG, NULL), "alt"));
		if (name == NULL || *name == '\0') {
			free(name);
			name = xstrdup(abs);
		}
		if (nseen == 0)
			buf_adds(out, "<ul class=\"attachments\">");
		buf_adds(out, "<li><a href=\"");
		for (const char *c = abs; *c; c++)
			if (*c == '"')
				buf_adds(out, "&quot;");
			else if (*c == '&')
				buf_adds(out, "&amp;");
			else
				buf_addc(out, *c);
		buf_adds(out, "\">");
		for (const char *c = name; *c; c++)
			if (*c == '<')
				buf_adds(out, "&lt;");
			else if (*c == '&')
				buf_adds(out, "&amp;");
			else
				buf_addc(out, *c);
		buf_adds(out, "</a></li>");
		free(name);
		seen = xrealloc(seen, (nseen + 1) * sizeof *seen);
		seen[nseen++] = abs;
	}
	if (nseen > 0)
		buf_adds(out, "</ul>");
	for (size_t i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
}

/* The post id named by the first quote in body: XF2 data-source
 * "post: N", XF1 div.bbCodeQuote's data-source or AttributionLink. */
static char *first_quote_source(const struct html_node *body)
{
	for (const struct html_node *k = html_next(body, body); k != NULL; k = html_next(k, body)) {
		if (k->type != HTML_ELEMENT)
			continue;
		int xf2 = html_has_class(k, "bbCodeBlock--quote");
		int xf1 = html_has_class(k, "bbCodeQuote");
		if (!xf2 && !xf1)
			continue;
		const char *src = html_attr(k, "data-source");
		if (src != NULL && strncmp(src, "post:", 5) == 0) {
			const char *d = src + 5;
			while (*d == ' ')
				d++;
			size_t n = strspn(d, "0123456789");
			if (n > 0)
				return xstrndup(d, n);
		}
		struct html_node *al = find(k, "AttributionLink");
		if (al == NULL)
			al = find(k, "bbCodeBlock-sourceJump");
		if (al != NULL) {
			char *id = href_post(html_attr(al, "href"));
			if (id != NULL)
				return id;
		}
		return NULL; /* the first quote names no post */
	}
	return NULL;
}

/* ---- thread pages ---- */

static int64_t time_of(const struct board_page *pg, const struct html_node *t)
{
	const char *dt = html_attr(t, "data-time");
	if (dt != NULL && all_digits(dt, strlen(dt)))
		return strtoll(dt, NULL, 10);
	const char *iso = html_attr(t, "datetime");
	int64_t v;
	if (iso != NULL && (v = board_page_date(pg, iso)) != 0)
		return v;
	/* XF1 span.DateTime: title "Oct 30, 2014 at 10:48 PM" */
	const char *title = html_attr(t, "title");
	char *s = xstrdup(title != NULL && *title ? title : NULL);
	if (s == NULL)
		s = html_text_dup(t);
	if (s == NULL)
		return 0;
	char *at = strstr(s, " at ");
	if (at != NULL)
		memmove(at + 1, at + 4, strlen(at + 4) + 1);
	v = board_page_date(pg, s);
	free(s);
	return v;
}

static char *member_id(const struct html_node *u)
{
	const char *uid = html_attr(u, "data-user-id");
	if (uid != NULL && all_digits(uid, strlen(uid)) && strcmp(uid, "0") != 0)
		return xstrdup(uid);
	return html_is(u, HT_A) ? route_id(html_attr(u, "href"), "members/") : NULL;
}

/* Fills author, author_id, guest from the post's user block. */
static void post_author(const struct html_node *post, struct html_node *const *m,
			struct forum_post *p)
{
	struct html_node *block = m[M_NAME];
	if (block == NULL)
		block = m[M_USER_INFO];
	if (block == NULL)
		block = m[M_USER_TEXT];
	struct html_node *u = block != NULL ? find(block, "username") : NULL;
	if (u != NULL) {
		p->author = title_text(u);
		p->author_id = member_id(u);
	}
	if (p->author == NULL && html_attr(post, "data-author") != NULL &&
	    *html_attr(post, "data-author") != '\0')
		p->author = xstrdup(html_attr(post, "data-author"));
	p->guest = p->author_id == NULL;
}

/* The post's number: "#12" in XF2's attribution list, XF1's
 * a.postNumber; 0 when not printed. */
static int post_number(struct html_node *const *m)
{
	struct html_node *box = m[M_ATTR_OPPOSITE];
	struct html_node *a = NULL;
	if (box == NULL)
		a = m[M_POST_NUMBER];
	for (struct html_node *k = box != NULL ? html_find(box, HT_A, NULL) : a; k != NULL;
	     k = box != NULL ? html_find_after(box, k, HT_A, NULL) : NULL) {
		char *t = html_text_dup(k);
		long v = t != NULL && t[0] == '#' ? print_number(t) : -1;
		free(t);
		if (v > 0 && v < 100000000)
			return (int)v;
	}
	return 0;
}

static struct html_node *post_time(struct html_node *const *m)
{
	struct html_node *box = m[M_ATTR_MAIN];
	struct html_node *t = NULL;
	if (box != NULL && (t = html_find(box, HT_UNKNOWN, "u-dt")) == NULL)
		t = html_find_attr(box, "data-time", "", 1);
	if (t == NULL && box != NULL)
		for (t = html_find(box, HT_UNKNOWN, NULL); t != NULL;
		     t = html_find_after(box, t, HT_UNKNOWN, NULL))
			if (html_is_named(t, "time"))
				break;
	if (t == NULL) {
		/* XF1: the permalink's DateTime in .messageMeta */
		struct html_node *meta = m[M_DATE_PERMALINK];
		if (meta == NULL)
			meta = m[M_META];
		if (meta != NULL)
			t = find(meta, "DateTime");
	}
	return t;
}

static int parse_post(const struct board_page *pg, struct html_node *post, char *id,
		      struct forum_post *p, char **err)
{
	p->id = id;
	p->markup = MARKUP_HTML;
	p->deleted = html_has_class(post, "message--deleted") || html_has_class(post, "deleted");
	struct html_node *m[M_COUNT];
	mark_scan(post, m);
	post_author(post, m, p);

	struct html_node *t = post_time(m);
	if (t != NULL)
		p->date = time_of(pg, t);
	p->position = post_number(m);

	/* permalink: the attribution link, else posts/N/ */
	struct html_node *box = m[M_ATTR_MAIN];
	struct html_node *pl = box != NULL ? html_find(box, HT_A, NULL) : m[M_DATE_PERMALINK];
	char *plid = pl != NULL ? href_post(html_attr(pl, "href")) : NULL;
	if (plid != NULL && strcmp(plid, id) == 0)
		p->url = board_page_url(pg, html_attr(pl, "href"));
	free(plid);
	if (p->url == NULL && pg->url != NULL) {
		/* posts/N/ from the board root: the part before threads/ */
		const char *c = strstr(pg->url, "threads/");
		if (c != NULL)
			p->url = xasprintf("%.*sposts/%s/", (int)(c - pg->url), pg->url, id);
	}

	/* the body: XF2 .message-body .bbWrapper; XF1 .messageText */
	struct html_node *body = NULL, *mb = m[M_BODY];
	if (mb == NULL)
		mb = m[M_USER_CONTENT];
	if (mb != NULL)
		body = find(mb, "bbWrapper");
	if (body == NULL && mb != NULL && html_has_class(mb, "message-body"))
		body = mb;
	if (body == NULL) {
		struct html_node *mc = m[M_CONTENT];
		body = mc != NULL ? find(mc, "messageText") : NULL;
		if (body == NULL)
			body = find_outside(post, "messageText", "signature");
		if (body != NULL && html_has_class(body, "signature"))
			body = NULL;
	}
	struct buf b = BUF_INIT;
	if (body != NULL) {
		inner_html(pg, body, &b);
		p->parent_id = first_quote_source(body);
	} else if (!p->deleted && !html_has_class(post, "is-ignored") && m[M_IGNORED] == NULL) {
		buf_free(&b);
		return fg_error(err,
				"%s: post %s: no body (.message-body .bbWrapper / "
				"blockquote.messageText): the template changed?",
				pg->name, id);
	}
	attachments(pg, m, &b);
	trim(&b);
	p->body = b.p != NULL ? buf_detach(&b) : xstrdup("");

	/* the signature */
	struct html_node *sig = m[M_SIGNATURE2];
	struct html_node *sigw = sig != NULL ? find(sig, "bbWrapper") : NULL;
	if (sig == NULL) {
		sig = m[M_SIGNATURE1];
		sigw = sig;
	}
	if (sigw == NULL)
		sigw = sig;
	if (sigw != NULL) {
		struct buf s = BUF_INIT;
		inner_html(pg, sigw, &s);
		trim(&s);
		if (s.len > 0)
			p->signature = buf_detach(&s);
		buf_free(&s);
	}
	return 0;
}

/* The thread id: XF2's data-content-key, else the canonical link, else
 * the page's URL, XF1's PageNav base, a post's thread link. */
static char *thread_id(const struct board_page *pg)
{
	char *key = page_attr(pg, "data-content-key");
	char *id = prefixed_id(key, "thread-");
	free(key);
	if (id == NULL)
		id = route_id(canonical(pg), "threads/");
	if (id == NULL)
		id = route_id(meta_property(pg, "og:url"), "threads/");
	if (id == NULL)
		id = route_id(pg->url, "threads/");
	if (id == NULL)
		id = route_id(html_attr(find(root_of(pg), "PageNav"), "data-baseurl"), "threads/");
	if (id == NULL) {
		struct html_node *p = first_post(pg);
		for (struct html_node *a = p != NULL ? html_find(p, HT_A, NULL) : NULL;
		     a != NULL && id == NULL; a = html_find_after(p, a, HT_A, NULL))
			id = route_id(html_attr(a, "href"), "threads/");
	}
	return id;
}

/* The forum a page belongs to: XF2's data-container-key "node-N", else
 * the last forum link of the breadcrumbs. */
static char *container_id(const struct board_page *pg)
{
	char *key = page_attr(pg, "data-container-key");
	char *id = prefixed_id(key, "node-");
	free(key);
	if (id != NULL)
		return id;
	struct html_node *bc = find(root_of(pg), "p-breadcrumbs");
	if (bc == NULL)
		bc = find(root_of(pg), "breadcrumb");
	for (struct html_node *a = bc != NULL ? html_find(bc, HT_A, NULL) : NULL; a != NULL;
	     a = html_find_after(bc, a, HT_A, NULL)) {
		char *f = route_id(html_attr(a, "href"), "forums/");
		if (f != NULL) {
			free(id);
			id = f;
		}
	}
	return id;
}

static char *page_title(const struct board_page *pg)
{
	char *t = title_text(find(root_of(pg), "p-title-value"));
	if (t == NULL) {
		struct html_node *tb = find(root_of(pg), "titleBar");
		t = title_text(tb != NULL ? html_find(tb, HT_H1, NULL) : NULL);
	}
	if (t == NULL && meta_property(pg, "og:title") != NULL)
		t = collapse(meta_property(pg, "og:title"), strlen(meta_property(pg, "og:title")));
	return t;
}

/* A saved page has no URL: its canonical link (absolute in XenForo's
 * templates) stands in as the base of its relative links. */
static const struct board_page *with_base(const struct board_page *pg, struct board_page *tmp)
{
	const char *c = canonical(pg);

	if (pg->url != NULL || c == NULL ||
	    (strncmp(c, "http://", 7) != 0 && strncmp(c, "https://", 8) != 0))
		return pg;
	*tmp = *pg;
	tmp->url = (char *)c;
	return tmp;
}

static int parse_thread(const struct board_page *page, struct forum_thread **out, char **err)
{
	struct board_page tmp;
	const struct board_page *pg = with_base(page, &tmp);

	*out = NULL;
	char *tpl = template_of(pg);
	if (tpl != NULL && strncmp(tpl, "thread_view", 11) != 0) {
		fg_error(err, "%s: not a XenForo thread page (template %s)", pg->name, tpl);
		free(tpl);
		return -1;
	}
	free(tpl);

	struct forum_thread *t = xcalloc(1, sizeof *t);
	const struct html_node *root = root_of(pg);
	for (struct html_node *n = html_next(root, root); n != NULL;) {
		char *id = post_container_id(n);
		if (id == NULL) {
			n = html_next(n, root);
			continue;
		}
		/* a post shown twice (a question thread's solution above the
		 * posts) is one post, in its place in the list: the later */
		for (size_t i = 0; i < t->nposts; i++)
			if (strcmp(t->posts[i].id, id) == 0) {
				forum_post_clear(&t->posts[i]);
				memmove(&t->posts[i], &t->posts[i + 1],
					(t->nposts - i - 1) * sizeof *t->posts);
				t->nposts--;
				break;
			}
		struct forum_post *p = forum_thread_add_post(t);
		if (parse_post(pg, n, id, p, err) < 0) {
			forum_thread_free(t);
			return -1;
		}
		n = html_skip(n, root);
	}
	if (t->nposts == 0) {
		forum_thread_free(t);
		return fg_error(err,
				"%s: no XenForo post (article.message with data-content="
				"\"post-N\", li.message#post-N): not a thread page, or the "
				"template changed",
				pg->name);
	}
	t->id = thread_id(pg);
	if (t->id == NULL) {
		forum_thread_free(t);
		return fg_error(err, "%s: no thread id (data-content-key, canonical threads/ link)",
				pg->name);
	}
	t->title = page_title(pg);
	if (t->title == NULL) {
		forum_thread_free(t);
		return fg_error(err, "%s: no thread title (h1.p-title-value, .titleBar h1)",
				pg->name);
	}
	t->board = container_id(pg);
	char *next = NULL;
	pagination(pg, &t->page, &t->pages, &next);
	free(next);
	if (t->page == 1)
		for (size_t i = 0; i < t->nposts; i++)
			if (t->posts[i].position == 0)
				t->posts[i].position = (int)i + 1;
	const char *c = canonical(pg);
	t->url = board_page_url(pg, c != NULL ? c : pg->url);
	/* closed: XF2's locked status block, XF1's thread alert */
	struct html_node *alerts = find(root, "threadAlerts");
	if (find(root, "blockStatus-message--locked") != NULL ||
	    (alerts != NULL && find(alerts, "locked") != NULL))
		t->posting = FORUM_POSTING_NO;
	else if (find(root, "js-quickReply") != NULL || find(root, "QuickReply") != NULL)
		t->posting = FORUM_POSTING_YES;
	*out = t;
	return 0;
}

/* ---- forum lists ---- */

/* The node a link leads to, by its route: forums/, categories/,
 * link-forums/. */
static char *node_of_link(const char *href, int *category, int *link)
{
	char *id;

	*category = *link = 0;
	if ((id = route_id(href, "link-forums/")) != NULL) {
		*link = 1;
		return id;
	}
	if ((id = route_id(href, "categories/")) != NULL) {
		*category = 1;
		return id;
	}
	return route_id(href, "forums/");
}

/* XF2 node lists (forum_list, category_view, the sub-forums of a
 * forum_view): .node elements (node--idN) under .block--category blocks,
 * with their sub-forum links. top: the parent of nodes outside any
 * category (the forum a forum page lists). */
static void xf2_nodes(const struct board_page *pg, struct board_listing *l, const char *top)
{
	const struct html_node *root = root_of(pg);

	for (struct html_node *c = find(root, "block--category"); c != NULL;
	     c = find_after(root, c, "block--category")) {
		char *id = class_id(c, "block--category");
		struct html_node *h = find(c, "block-header");
		struct html_node *a = h != NULL ? html_find(h, HT_A, NULL) : NULL;
		if (id == NULL && a != NULL) {
			int cat, link;
			id = node_of_link(html_attr(a, "href"), &cat, &link);
			if (id == NULL) {
				const char *href = html_attr(a, "href");
				const char *hash = href != NULL ? strrchr(href, '.') : NULL;
				if (hash != NULL && all_digits(hash + 1, strlen(hash + 1)))
					id = xstrdup(hash + 1);
			}
		}
		if (id == NULL)
			continue;
		board_listing_put_forum(l, id, title_text(a != NULL ? a : h),
					a != NULL ? board_page_url(pg, html_attr(a, "href")) : NULL,
					NULL, 1, 0);
	}
	for (struct html_node *n = find(root, "node"); n != NULL; n = find_after(root, n, "node")) {
		char *id = class_id(n, "node--id");
		if (id == NULL)
			continue;
		struct html_node *tt = find(n, "node-title");
		struct html_node *a = tt != NULL ? html_find(tt, HT_A, NULL) : NULL;
		char *parent = NULL;
		for (const struct html_node *up = n->parent; up != NULL && parent == NULL;
		     up = up->parent) {
			if (html_has_class(up, "node"))
				parent = class_id(up, "node--id");
			else if (html_has_class(up, "block--category"))
				parent = class_id(up, "block--category");
		}
		if (parent == NULL && top != NULL)
			parent = xstrdup(top);
		int cat = html_has_class(n, "node--category");
		int link = html_has_class(n, "node--link") || html_has_class(n, "node--page");
		board_listing_put_forum(l, xstrdup(id), title_text(a != NULL ? a : tt),
					a != NULL ? board_page_url(pg, html_attr(a, "href")) : NULL,
					parent, cat, link);
		/* its sub-forums, listed flat or in a menu */
		for (struct html_node *s = find(n, "subNodeLink"); s != NULL;
		     s = find_after(n, s, "subNodeLink")) {
			int scat, slink;
			char *sid = node_of_link(html_attr(s, "href"), &scat, &slink);
			if (sid == NULL)
				continue;
			if (html_has_class(s, "subNodeLink--link") ||
			    html_has_class(s, "subNodeLink--page"))
				slink = 1;
			if (html_has_class(s, "subNodeLink--category"))
				scat = 1;
			board_listing_put_forum(l, sid, title_text(s),
						board_page_url(pg, html_attr(s, "href")),
						xstrdup(id), scat, slink);
		}
		free(id);
	}
}

/* XF1 node lists: li.node with id category-N / forum-N / link-N / page-N. */
static void xf1_nodes(const struct board_page *pg, struct board_listing *l, const char *top)
{
	static const char *const kinds[] = {"category-", "forum-", "link-", "page-", NULL};
	const struct html_node *root = root_of(pg);

	for (struct html_node *n = find(root, "node"); n != NULL; n = find_after(root, n, "node")) {
		const char *hid = html_attr(n, "id");
		char *id = NULL;
		size_t k;
		for (k = 0; kinds[k] != NULL && id == NULL; k++)
			id = prefixed_id(hid, kinds[k]);
		if (id == NULL)
			continue;
		k--;
		struct html_node *tt = find(n, "nodeTitle");
		struct html_node *a = tt != NULL ? html_find(tt, HT_A, NULL) : NULL;
		char *parent = NULL;
		for (const struct html_node *up = n->parent; up != NULL && parent == NULL;
		     up = up->parent)
			if (html_has_class(up, "node"))
				for (size_t j = 0; kinds[j] != NULL && parent == NULL; j++)
					parent = prefixed_id(html_attr(up, "id"), kinds[j]);
		if (parent == NULL && top != NULL)
			parent = xstrdup(top);
		board_listing_put_forum(l, id, title_text(a != NULL ? a : tt),
					a != NULL ? board_page_url(pg, html_attr(a, "href")) : NULL,
					parent, k == 0, k >= 2);
	}
}

static int parse_index(const struct board_page *page, struct board_listing *out, char **err)
{
	struct board_page tmp;
	const struct board_page *pg = with_base(page, &tmp);

	memset(out, 0, sizeof *out);
	xf2_nodes(pg, out, NULL);
	xf1_nodes(pg, out, NULL);
	if (out->nforums == 0) {
		board_listing_clear(out);
		return fg_error(err,
				"%s: no XenForo forum list (.node with node--idN, "
				"li.node#forum-N): not the forum list, or the template changed",
				pg->name);
	}
	out->page = out->pages = 1;
	return 0;
}

/* ---- thread lists ---- */

/* A thread link cut to the thread's first page: an unread thread's title
 * links ".../threads/x.12/unread", a page jump ".../page-3". */
static char *thread_first_page(const struct board_page *pg, const char *href)
{
	char *u = board_page_url(pg, href);
	const char *p = u != NULL ? strstr(u, "threads/") : NULL;

	if (p != NULL) {
		const char *slash = strchr(p + 8, '/');
		if (slash != NULL)
			u[slash + 1 - u] = '\0';
	}
	return u;
}

static void xf2_topic(const struct board_page *pg, const struct html_node *it,
		      struct board_topic *t)
{
	struct html_node *tt = find(it, "structItem-title");
	struct html_node *link = NULL;
	for (struct html_node *a = tt != NULL ? html_find(tt, HT_A, NULL) : NULL; a != NULL;
	     a = html_find_after(tt, a, HT_A, NULL)) {
		if (html_has_class(a, "labelLink"))
			continue;
		char *tid = route_id(html_attr(a, "href"), "threads/");
		if (tid != NULL)
			link = a;
		free(tid);
	}
	if (link != NULL) {
		t->title = title_text(link);
		t->url = thread_first_page(pg, html_attr(link, "href"));
	}
	if (t->id == NULL && link != NULL)
		t->id = route_id(html_attr(link, "href"), "threads/");
	t->sticky = find(it, "structItem-status--sticky") != NULL ||
		    html_ancestor(it, HT_UNKNOWN, "structItemContainer-group--sticky") != NULL;
	t->moved = find(it, "structItem-status--redirect") != NULL;
	struct html_node *meta = find(it, "structItem-cell--meta");
	/* replies: the first pair (views, the minor one, follows) */
	struct html_node *dl = meta != NULL ? html_find(meta, HT_DL, NULL) : NULL;
	for (struct html_node *d = dl; d != NULL; d = html_find_after(meta, d, HT_DL, NULL))
		if (!html_has_class(d, "structItem-minor")) {
			dl = d;
			break;
		}
	if (dl != NULL) {
		char *v = text_or_null(html_find(dl, HT_DD, NULL));
		t->replies = print_number(v);
		free(v);
	}
	struct html_node *latest = find(it, "structItem-cell--latest");
	struct html_node *lt = find(it, "structItem-latestDate");
	if (lt == NULL && latest != NULL)
		lt = find(latest, "u-dt");
	if (lt != NULL)
		t->last_post = time_of(pg, lt);
	for (struct html_node *a = latest != NULL ? html_find(latest, HT_A, NULL) : NULL;
	     a != NULL && t->last_post_id == NULL; a = html_find_after(latest, a, HT_A, NULL))
		t->last_post_id = href_post(html_attr(a, "href"));
	struct html_node *pj = find(it, "structItem-pageJump");
	for (struct html_node *a = pj != NULL ? html_find(pj, HT_A, NULL) : NULL; a != NULL;
	     a = html_find_after(pj, a, HT_A, NULL)) {
		int p = href_page(html_attr(a, "href"));
		if (p > t->pages)
			t->pages = p;
	}
}

static void xf1_topic(const struct board_page *pg, const struct html_node *it,
		      struct board_topic *t)
{
	struct html_node *tt = find(it, "title");
	struct html_node *link = NULL;
	for (struct html_node *a = tt != NULL ? html_find(tt, HT_A, NULL) : NULL; a != NULL;
	     a = html_find_after(tt, a, HT_A, NULL)) {
		char *tid = route_id(html_attr(a, "href"), "threads/");
		if (tid != NULL && !html_has_class(a, "prefixLink"))
			link = a;
		free(tid);
	}
	if (link != NULL) {
		t->title = title_text(link);
		t->url = thread_first_page(pg, html_attr(link, "href"));
		if (t->id == NULL)
			t->id = route_id(html_attr(link, "href"), "threads/");
	}
	t->sticky = html_has_class(it, "sticky");
	t->moved = html_has_class(it, "moved") || html_has_class(it, "redirect");
	struct html_node *stats = find(it, "stats");
	struct html_node *major = stats != NULL ? find(stats, "major") : NULL;
	if (major != NULL) {
		char *v = text_or_null(html_find(major, HT_DD, NULL));
		t->replies = print_number(v);
		free(v);
	}
	struct html_node *lp = find(it, "lastPost");
	struct html_node *dt = lp != NULL ? find(lp, "DateTime") : NULL;
	if (dt != NULL)
		t->last_post = time_of(pg, dt);
	for (struct html_node *a = lp != NULL ? html_find(lp, HT_A, NULL) : NULL;
	     a != NULL && t->last_post_id == NULL; a = html_find_after(lp, a, HT_A, NULL))
		t->last_post_id = href_post(html_attr(a, "href"));
	struct html_node *pj = find(it, "itemPageNav");
	for (struct html_node *a = pj != NULL ? html_find(pj, HT_A, NULL) : NULL; a != NULL;
	     a = html_find_after(pj, a, HT_A, NULL)) {
		int p = href_page(html_attr(a, "href"));
		if (p > t->pages)
			t->pages = p;
	}
}

/* The forum a thread list lists: XF2's data-container-key, else the
 * forum in the canonical link or the page's URL, else its "Post thread"
 * button or RSS link (not the breadcrumbs: they end at the parent). */
static char *forum_page_id(const struct board_page *pg)
{
	char *key = page_attr(pg, "data-container-key");
	char *id = prefixed_id(key, "node-");
	free(key);
	if (id == NULL)
		id = route_id(canonical(pg), "forums/");
	if (id == NULL)
		id = route_id(pg->url, "forums/");
	const struct html_node *root = root_of(pg);
	for (struct html_node *a = html_next(root, root); a != NULL && id == NULL;
	     a = html_next(a, root)) {
		if (!html_is(a, HT_A) && !html_is(a, HT_LINK))
			continue;
		const char *href = html_attr(a, "href");
		if (href != NULL && (strstr(href, "/post-thread") != NULL ||
				     strstr(href, "/create-thread") != NULL ||
				     (html_is(a, HT_LINK) && strstr(href, "/index.rss") != NULL)))
			id = route_id(href, "forums/");
	}
	return id;
}

static int parse_forum(const struct board_page *page, struct board_listing *out, char **err)
{
	struct board_page tmp;
	const struct board_page *pg = with_base(page, &tmp);
	const struct html_node *root = root_of(pg);

	memset(out, 0, sizeof *out);
	out->forum_id = forum_page_id(pg);
	out->title = page_title(pg);

	/* the thread list: XF2 .block--threadList / .js-threadList (not the
	 * "similar threads" widgets of a sidebar), XF1 ol.discussionListItems */
	struct html_node *list = find(root, "block--threadList");
	if (list == NULL && (list = find(root, "js-threadList")) != NULL) {
		/* the normal threads' group: its container holds the sticky group too */
		struct html_node *c = html_ancestor(list, HT_UNKNOWN, "structItemContainer");
		if (c != NULL)
			list = c;
	}
	if (list == NULL)
		list = find(root, "structItemContainer");
	for (const struct html_node *up = list; up != NULL; up = up->parent)
		if (html_attr(up, "data-widget-key") != NULL) {
			list = NULL;
			break;
		}
	struct html_node *list1 = find(root, "discussionListItems");

	for (struct html_node *it = list != NULL ? find(list, "structItem--thread") : NULL;
	     it != NULL; it = find_after(list, it, "structItem--thread")) {
		struct board_topic *t = board_listing_add_topic(out);
		t->id = class_id(it, "js-threadListItem-");
		xf2_topic(pg, it, t);
		if (t->id == NULL || t->title == NULL) {
			board_listing_clear(out);
			return fg_error(err,
					"%s: a thread of the list has no title link "
					"(.structItem-title a to threads/): the template changed?",
					pg->name);
		}
	}
	/* XF 2.2 article forums list previews, not rows: the elements with
	 * data-content="thread-N" */
	const struct html_node *scope = list != NULL ? list : root;
	for (struct html_node *it = out->ntopics == 0 ? html_next(scope, scope) : NULL;
	     it != NULL;) {
		char *id = prefixed_id(html_attr(it, "data-content"), "thread-");
		if (id == NULL || html_attr(it, "data-widget-key") != NULL) {
			free(id);
			it = html_attr(it, "data-widget-key") != NULL ? html_skip(it, scope)
								      : html_next(it, scope);
			continue;
		}
		struct board_topic *t = board_listing_add_topic(out);
		t->id = id;
		struct html_node *tt = find(it, "articlePreview-title");
		for (struct html_node *a = html_find(tt != NULL ? tt : it, HT_A, NULL);
		     a != NULL && t->title == NULL;
		     a = html_find_after(tt != NULL ? tt : it, a, HT_A, NULL)) {
			char *tid = route_id(html_attr(a, "href"), "threads/");
			if (tid != NULL && strcmp(tid, id) == 0) {
				t->title = title_text(a);
				t->url = thread_first_page(pg, html_attr(a, "href"));
			}
			free(tid);
		}
		if (t->title == NULL) {
			board_listing_clear(out);
			return fg_error(err, "%s: article preview thread-%s has no title link",
					pg->name, id);
		}
		/* its date is the thread's start, not its last post: unknown */
		it = html_skip(it, scope);
	}
	for (struct html_node *it = list1 != NULL ? find(list1, "discussionListItem") : NULL;
	     it != NULL; it = find_after(list1, it, "discussionListItem")) {
		struct board_topic *t = board_listing_add_topic(out);
		t->id = prefixed_id(html_attr(it, "id"), "thread-");
		xf1_topic(pg, it, t);
		if (t->id == NULL || t->title == NULL) {
			board_listing_clear(out);
			return fg_error(err,
					"%s: a thread of the list has no title link "
					"(h3.title a to threads/): the template changed?",
					pg->name);
		}
	}
	/* a list without threads must say so (XF2 .js-emptyThreadList, XF1
	 * a notice row): else the threads are there under other names */
	if (out->ntopics == 0 &&
	    ((list != NULL && find(list, "js-emptyThreadList") == NULL &&
	      find(list, "blockMessage") == NULL) ||
	     (list == NULL && list1 != NULL && html_find(list1, HT_LI, NULL) == NULL))) {
		board_listing_clear(out);
		return fg_error(err,
				"%s: the XenForo thread list holds no thread "
				"(.structItem--thread, li.discussionListItem) and no \"no "
				"threads\" notice: the template changed?",
				pg->name);
	}
	xf2_nodes(pg, out, out->forum_id);
	xf1_nodes(pg, out, out->forum_id);
	if (list == NULL && list1 == NULL && out->nforums == 0 && out->ntopics == 0) {
		board_listing_clear(out);
		return fg_error(err,
				"%s: no XenForo thread list (.block--threadList "
				".structItem--thread, ol.discussionListItems): not a forum "
				"page, or the template changed",
				pg->name);
	}
	pagination(pg, &out->page, &out->pages, &out->next_url);
	return 0;
}

/* ---- the RSS feed ---- */

/* XenForo's feeds list the threads of the board (forums/-/index.rss) or
 * of a forum (forums/N/index.rss), newest activity first: one <item> a
 * thread, its <link> the thread, <pubDate> its last post, and
 * <slash:comments> its replies. */
static char *feed_url(const char *base, const char *forum_id)
{
	if (forum_id == NULL)
		return xasprintf("%sforums/-/index.rss", base);
	return xasprintf("%sforums/%s/index.rss", base, forum_id);
}

static char *xml_text(xmlNode *n)
{
	xmlChar *c = xmlNodeGetContent(n);
	char *s = collapse(c != NULL ? (const char *)c : "",
			   c != NULL ? strlen((const char *)c) : 0);
	xmlFree(c);
	return s;
}

static int parse_feed(const char *xml, size_t len, const char *url, struct board_listing *out,
		      char **err)
{
	memset(out, 0, sizeof *out);
	if (len > (size_t)INT32_MAX)
		return fg_error(err, "%s: feed too large", url != NULL ? url : "feed");
	xmlDoc *doc = xmlReadMemory(xml, (int)len, url, NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
					    XML_PARSE_NOCDATA);
	xmlNode *rss = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
	xmlNode *channel = NULL;
	for (xmlNode *k = rss != NULL ? rss->children : NULL; k != NULL; k = k->next)
		if (k->type == XML_ELEMENT_NODE &&
		    xmlStrcmp(k->name, (const xmlChar *)"channel") == 0)
			channel = k;
	if (rss == NULL || xmlStrcmp(rss->name, (const xmlChar *)"rss") != 0 || channel == NULL) {
		xmlFreeDoc(doc);
		return fg_error(err, "%s: not an RSS feed (no <rss><channel>)",
				url != NULL ? url : "feed");
	}
	for (xmlNode *it = channel->children; it != NULL; it = it->next) {
		if (it->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrcmp(it->name, (const xmlChar *)"title") == 0 && out->title == NULL) {
			out->title = xml_text(it);
			continue;
		}
		if (xmlStrcmp(it->name, (const xmlChar *)"item") != 0)
			continue;
		char *title = NULL, *link = NULL, *id = NULL;
		int64_t when = 0;
		long replies = -1;
		for (xmlNode *f = it->children; f != NULL; f = f->next) {
			if (f->type != XML_ELEMENT_NODE)
				continue;
			const char *name = (const char *)f->name;
			char *v = xml_text(f);
			if (strcmp(name, "title") == 0 && title == NULL) {
				title = v;
				v = NULL;
			} else if (strcmp(name, "link") == 0 && link == NULL) {
				link = v;
				v = NULL;
			} else if (strcmp(name, "pubDate") == 0) {
				time_t t = curl_getdate(v, NULL);
				when = t > 0 ? (int64_t)t : 0;
			} else if (strcmp(name, "comments") == 0 && f->ns != NULL) {
				replies = print_number(v);
			}
			free(v);
		}
		id = route_id(link, "threads/");
		if (id == NULL || title == NULL) {
			/* an item that is no thread (a resource, a media item) */
			free(id);
			free(title);
			free(link);
			continue;
		}
		struct board_topic *t = board_listing_add_topic(out);
		t->id = id;
		t->title = title;
		t->url = link;
		t->last_post = when;
		t->replies = replies;
	}
	xmlFreeDoc(doc);
	out->page = out->pages = 1;
	return 0;
}

/* ---- login and messages ---- */

/* Whether a message box is the board's error or notice, not a banner
 * (the "JavaScript is disabled" notice, share buttons, cookie notices). */
static int banner(const struct html_node *n)
{
	return html_has_class(n, "u-noJsOnly") || html_has_class(n, "blockMessage--none") ||
	       html_has_class(n, "blockMessage--important") ||
	       html_ancestor(n, HT_NOSCRIPT, NULL) != NULL || find(n, "shareButtons") != NULL ||
	       html_ancestor(n, HT_UNKNOWN, "notices") != NULL;
}

static char *message(const struct board_page *pg)
{
	const struct html_node *root = root_of(pg);

	/* XF2 errors; XF1 error panels and overlays */
	for (struct html_node *n = find(root, "blockMessage--error"); n != NULL;
	     n = find_after(root, n, "blockMessage--error")) {
		char *t = banner(n) ? NULL : text_or_null(n);
		if (t != NULL)
			return t;
	}
	static const char *const xf1[] = {"errorPanel", "errorOverlay", NULL};
	for (size_t i = 0; xf1[i] != NULL; i++) {
		struct html_node *n = find(root, xf1[i]);
		struct html_node *e = n != NULL ? find(n, "errors") : NULL;
		if (e == NULL && n != NULL)
			e = find(n, "baseHtml");
		char *t = text_or_null(e != NULL ? e : n);
		if (t != NULL)
			return t;
	}
	/* XF2's error and message pages: a plain .blockMessage in the page
	 * content */
	struct html_node *pc = find(root, "p-body-pageContent");
	for (struct html_node *n = pc != NULL ? find(pc, "blockMessage") : NULL; n != NULL;
	     n = find_after(pc, n, "blockMessage")) {
		char *t = banner(n) ? NULL : text_or_null(n);
		if (t != NULL)
			return t;
	}
	return NULL;
}

static int logged_in(const struct board_page *pg)
{
	char *v = tag_attr(pg, "html", "data-logged-in");
	if (v != NULL) {
		int yes = strcmp(v, "true") == 0;
		free(v);
		return yes;
	}
	char *cls = tag_attr(pg, "html", "class");
	int yes = cls != NULL && strstr(cls, "LoggedIn") != NULL;
	free(cls);
	if (yes || html_find_attr(root_of(pg), "id", "AccountMenu", 0) != NULL)
		return 1;
	for (struct html_node *a = html_find(root_of(pg), HT_A, NULL); a != NULL;
	     a = html_find_after(root_of(pg), a, HT_A, NULL)) {
		const char *href = html_attr(a, "href");
		if (href != NULL && strstr(href, "logout/") != NULL &&
		    (strstr(href, "t=") != NULL || strstr(href, "_xfToken=") != NULL))
			return 1;
	}
	return 0;
}

static int login_form(const struct board_page *pg, const char *user, const char *password,
		      struct board_form *out, char **err)
{
	struct html_node *f = login_form_node(pg);

	memset(out, 0, sizeof *out);
	if (f == NULL)
		return fg_error(err, "%s: no XenForo login form (form action login/login)",
				pg->name);
	if (has_captcha(pg))
		return fg_error(err,
				"%s: the board wants a CAPTCHA solved to log in: log in "
				"once with a browser, then try again",
				pg->name);
	if (board_form_read(pg, f, out) < 0)
		return fg_error(err, "%s: cannot read the login form", pg->name);
	board_form_set(out, "login", user);
	board_form_set(out, "password", password);
	board_form_set(out, "remember", "1");
	/* XF1: "I have an account" (register=0) */
	if (board_form_get(out, "register") != NULL)
		board_form_set(out, "register", "0");
	return 0;
}

static int login_result(const struct board_page *pg, char **err)
{
	if (logged_in(pg))
		return 1;
	char *tpl = template_of(pg);
	int two_step = tpl != NULL && strncmp(tpl, "login_two_step", 14) == 0;
	free(tpl);
	if (two_step || raw_has(pg, "login/two-step"))
		fg_error(err,
			 "%s: the board asks for two-step verification: not supported, "
			 "turn it off for this account",
			 pg->name);
	else if (has_captcha(pg))
		fg_error(err,
			 "%s: the board wants a CAPTCHA solved (\"Please verify that you "
			 "are human\"): log in once with a browser, then try again",
			 pg->name);
	else {
		char *m = message(pg);
		if (m != NULL)
			fg_error(err, "%s: login refused: %s", pg->name, m);
		else
			fg_error(err,
				 "%s: not logged in (no account menu or logout link) and no "
				 "error shown",
				 pg->name);
		free(m);
	}
	return 0;
}

/* ---- writing ---- */

/* XF2 threads/N/reply (quoting a post: ?quote=P), forums/N/post-thread;
 * XF1 answers the same reply URL and forums/N/create-thread. */
static char *reply_url(const char *base, const char *thread_id, const char *post_id)
{
	if (post_id != NULL)
		return xasprintf("%sthreads/%s/reply?quote=%s", base, thread_id, post_id);
	return xasprintf("%sthreads/%s/reply", base, thread_id);
}

static char *new_thread_url(const char *base, const char *forum_id)
{
	return xasprintf("%sforums/%s/post-thread", base, forum_id);
}

/* The reply or new-thread form: action add-reply (reply, quick reply),
 * post-thread (XF2) or add-thread (XF1). */
static struct html_node *post_form_node(const struct board_page *pg)
{
	static const char *const actions[] = {"/add-reply", "/post-thread", "/add-thread", NULL};
	for (size_t i = 0; actions[i] != NULL; i++)
		for (struct html_node *f = html_find(root_of(pg), HT_FORM, NULL); f != NULL;
		     f = html_find_after(root_of(pg), f, HT_FORM, NULL)) {
			const char *a = html_attr(f, "action");
			const char *m = html_attr(f, "method");
			if (a != NULL && strstr(a, actions[i]) != NULL && m != NULL &&
			    strcasecmp(m, "post") == 0)
				return f;
		}
	return NULL;
}

/* Fills the form as the board's editor would with its rich editor off:
 * the text goes in `message` (read as BBCode), the editor's HTML field
 * message_html is dropped (XenForo prefers it when present). */
static int post_form(const struct board_page *pg, const char *subject, const char *body,
		     struct board_form *out, char **err)
{
	struct html_node *f = post_form_node(pg);

	memset(out, 0, sizeof *out);
	if (f == NULL) {
		char *m = message(pg);
		if (m != NULL) {
			fg_error(err, "%s: no reply form: %s", pg->name, m);
			free(m);
		} else if (find(root_of(pg), "blockStatus-message--locked") != NULL) {
			fg_error(err, "%s: no reply form: the thread is closed", pg->name);
		} else {
			fg_error(err,
				 "%s: no XenForo reply form (form action add-reply / "
				 "post-thread)%s",
				 pg->name, logged_in(pg) ? "" : ": not logged in");
		}
		return -1;
	}
	if (board_form_read(pg, f, out) < 0)
		return fg_error(err, "%s: cannot read the reply form", pg->name);
	if (board_form_get(out, "_xfToken") == NULL) {
		/* XF2 puts the token on <html data-csrf> when the form lacks it */
		char *csrf = page_attr(pg, "data-csrf");
		if (csrf == NULL || *csrf == '\0') {
			free(csrf);
			board_form_clear(out);
			return fg_error(err, "%s: the reply form has no _xfToken", pg->name);
		}
		board_form_set(out, "_xfToken", csrf);
		free(csrf);
	}
	board_form_del(out, "message_html");
	board_form_set(out, "message", body != NULL ? body : "");
	const char *action = html_attr(f, "action");
	if (strstr(action, "/add-reply") == NULL)
		board_form_set(out, "title", subject != NULL ? subject : "");
	return 0;
}

/* After the POST: XenForo answers an accepted post with a redirect to it
 * (threads/x.N/post-M, posts/M/) or, for a new thread, to the thread;
 * a refusal is an error page or the form again with the error above it. */
static int post_result(const struct board_page *pg, const char *location, char **post_id,
		       char **err)
{
	*post_id = NULL;
	char *m = message(pg);
	if (m != NULL) {
		fg_error(err, "%s", m);
		free(m);
		return 0;
	}
	if (location != NULL && (*post_id = href_post(location)) != NULL)
		return 1;
	char *thread = route_id(location, "threads/");
	if (thread != NULL) {
		free(thread);
		return 1;
	}
	if (kind(pg) == BOARD_PAGE_THREAD) {
		/* the redirect was followed: the post is on this page */
		*post_id = href_post(pg->url);
		return 1;
	}
	return fg_error(err, "%s: the board neither took the post nor said why", pg->name);
}

const struct board_engine board_xenforo = {
	.name = "xenforo",
	.detect = detect,
	.kind = kind,
	.index_url = index_url,
	.forum_url = forum_url,
	.thread_url = thread_url,
	.parse_index = parse_index,
	.parse_forum = parse_forum,
	.parse_thread = parse_thread,
	.feed_url = feed_url,
	.parse_feed = parse_feed,
	.login_url = login_url,
	.login_form = login_form,
	.login_result = login_result,
	.logged_in = logged_in,
	.reply_url = reply_url,
	.new_thread_url = new_thread_url,
	.post_form = post_form,
	.post_result = post_result,
	.message = message,
};
