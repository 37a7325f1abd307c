/*
 * vbulletin_board: the vBulletin engine of the live board connector
 * (struct board_engine, board.h): what vBulletin 3.8 and 4.x print on their
 * forum home (index.php / forum.php), forum pages (forumdisplay.php), the
 * external.php RSS feed, the login form and the reply/new-thread editors.
 * Thread pages (showthread, printthread, archive, and vB5's node pages)
 * are read by vb_parse_page() in vbulletin.c, which saved pages share.
 *
 * Markers, from the default templates of both versions (styles keep them:
 * the board's own JavaScript looks elements up by these ids):
 *  - forum links: forumdisplay.php?f=N, forumdisplay.php?N-slug,
 *    forumdisplay.php/N-slug, forums/N-slug (friendly URLs), f-N.html
 *    (archive); forum home rows vB3 td#fN inside tbody#collapseobj_forumbit_C
 *    under a td.tcat category link, vB4 li#forumN / li#catN
 *    (forumbit_nopost = a category), sub-forums listed inside a row;
 *  - thread lists: a#thread_title_N in a vB3 table row (td#td_threadtitle_N)
 *    or a vB4 li#thread_N.threadbit; "Sticky:"/"Moved:" prefixes (their
 *    localized phrases), the sticky class; replies from the
 *    misc.php?do=whoposted link (or the cell's "Replies: N" title), the last
 *    post from the row's showthread.php?p=N#postN link and the date printed
 *    before it; pages per thread from the row's page links;
 *  - pagination: the pagenav/pagination block ("Page 1 of 3") and the
 *    rel="next" link;
 *  - login: the form posting to login.php?do=login with vb_login_username;
 *    results are the redirect page ("Thank you for logging in") or the
 *    standard error page (invalid password, image verification);
 *  - posting: the form posting to newreply.php / newthread.php (securitytoken,
 *    posthash, poststarttime, do, t/p or f); results are the redirect to
 *    showthread.php?p=N#postN or the errors block ("The following errors
 *    occurred with your submission") / the standard error page.
 * Anything of this a page lacks is an error naming the page and what was
 * not found.
 */
#include "board.h"

#include <ctype.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../mail/mime_internal.h"
#include "forumgate/buf.h"
#include "vbulletin.h"

/* ---- text and ids ---- */

/* Text of n with whitespace and U+00A0 runs collapsed to one space,
 * trimmed (html_text keeps U+00A0, which vBulletin puts between a date and
 * its time). */
static void text_add(struct buf *b, const struct html_node *n, int *space)
{
	for (size_t i = 0; i < n->len; i++) {
		unsigned char c = (unsigned char)n->text[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
			*space = 1;
			continue;
		}
		if (c == 0xc2 && i + 1 < n->len && (unsigned char)n->text[i + 1] == 0xa0) {
			i++;
			*space = 1;
			continue;
		}
		if (*space && b->len > 0)
			buf_addc(b, ' ');
		*space = 0;
		buf_addc(b, (char)c);
	}
}

static char *text_of(const struct html_node *n)
{
	struct buf b = BUF_INIT;
	int space = 0;

	for (const struct html_node *k = n; k != NULL;) {
		/* scripts, and a form's controls inside a message box */
		if (html_is(k, HT_SCRIPT) || html_is(k, HT_STYLE) || html_is(k, HT_FIELDSET) ||
		    html_is(k, HT_SELECT) || html_is(k, HT_TEXTAREA)) {
			k = html_skip(k, n);
			continue;
		}
		if (html_is(k, HT_BR) || html_is(k, HT_LI) || html_is(k, HT_DIV) ||
		    html_is(k, HT_P) || html_is(k, HT_TD))
			space = 1;
		if (k->type == HTML_TEXT)
			text_add(&b, k, &space);
		k = html_next(k, n);
	}
	return buf_detach(&b);
}

static int all_digits(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* Leading digits of s (up to 18) as a string, NULL when none; *end after. */
static char *lead_digits(const char *s, const char **end)
{
	size_t n = 0;

	while (isdigit((unsigned char)s[n]) && n < 18)
		n++;
	if (n == 0 || isdigit((unsigned char)s[n]))
		return NULL;
	if (end != NULL)
		*end = s + n;
	return xstrndup(s, n);
}

/* The forum id a link points to (see the top comment), or NULL. */
char *vb_forum_of(const char *href)
{
	const char *p, *end;
	char *id;

	if (href == NULL)
		return NULL;
	if ((p = strstr(href, "forumdisplay.php")) != NULL) {
		id = board_query(p, "f");
		if (id != NULL && all_digits(id))
			return id;
		free(id);
		p += 16;
		if (*p == '?' || *p == '/') {
			id = lead_digits(p + 1, &end);
			if (id != NULL && strchr("-/&#", *end) != NULL)
				return id;
			free(id);
		}
		return NULL;
	}
	for (p = href; (p = strstr(p, "forums/")) != NULL; p += 7) {
		if (p != href && p[-1] != '/')
			continue;
		id = lead_digits(p + 7, &end);
		if (id != NULL && (*end == '-' || *end == '/' || *end == '\0' || *end == '.'))
			return id;
		free(id);
	}
	for (p = href; (p = strstr(p, "f-")) != NULL; p += 2) {
		if (p != href && p[-1] != '/')
			continue;
		id = lead_digits(p + 2, &end);
		if (id != NULL && (*end == '.' || *end == '-'))
			return id;
		free(id);
	}
	return NULL;
}

/* A link to another page of the same list or thread (page=N, /pageN,
 * -p-N.html): its page number, else 0. */
static int page_of(const char *href)
{
	const char *p;
	char *v;
	int n = 0;

	if (href == NULL)
		return 0;
	if ((v = board_query(href, "page")) != NULL) {
		n = all_digits(v) && strlen(v) < 9 ? atoi(v) : 0;
		free(v);
		return n;
	}
	if ((p = strstr(href, "/page")) != NULL && isdigit((unsigned char)p[5])) {
		const char *e = p + 5;
		while (isdigit((unsigned char)*e))
			e++;
		if ((*e == '\0' || *e == '?' || *e == '#' || *e == '&' || *e == '/') && e - p < 14)
			return atoi(p + 5);
	}
	return 0;
}

/* Whether n sits in the page's navigation (breadcrumb, forum jump menu). */
static int in_navigation(const struct html_node *n)
{
	for (n = n->parent; n != NULL && n->type == HTML_ELEMENT; n = n->parent) {
		const char *id = html_attr(n, "id");
		if (html_is(n, HT_SELECT) || html_has_class(n, "navbar") ||
		    html_has_class(n, "navbit") || html_has_class(n, "breadcrumb") ||
		    html_has_class(n, "crumb") || html_has_class(n, "vbmenu_popup") ||
		    html_has_class(n, "popupbody") || html_has_class(n, "pagenav") ||
		    html_has_class(n, "pagination") || html_has_class(n, "threadpagenav") ||
		    (id != NULL && (strcmp(id, "navbar") == 0 || strcmp(id, "breadcrumb") == 0 ||
				    strncmp(id, "forumjump", 9) == 0)))
			return 1;
	}
	return 0;
}

/* ---- detect, kind ---- */

static int has_bytes(const struct board_page *pg, const char *s)
{
	return pg->html != NULL && memmem(pg->html, pg->len, s, strlen(s)) != NULL;
}

static int vb_detect(const struct board_page *pg)
{
	const char *gen = board_page_generator(pg);

	if (gen != NULL && strncasecmp(gen, "vBulletin", 9) == 0)
		return 100;
	if (has_bytes(pg, "clientscript/vbulletin_") || has_bytes(pg, "vbulletin_css") ||
	    has_bytes(pg, "id=\"vbulletin_html\""))
		return 80;
	/* the archive (archive/index.php/t-N.html) and its footer */
	if (has_bytes(pg, "Powered by vBulletin") ||
	    has_bytes(pg, "www.vbulletin.com\" id=\"vbulletinlink") ||
	    (has_bytes(pg, "archive/archive.css") && has_bytes(pg, "View Full Version")))
		return 70;
	if (has_bytes(pg, "vb_login_username") || has_bytes(pg, "id=\"post_message_") ||
	    has_bytes(pg, "id=\"thread_title_") || has_bytes(pg, "threadbits_forum_"))
		return 60;
	if (has_bytes(pg, "showthread.php?t=") || has_bytes(pg, "forumdisplay.php?f="))
		return 30;
	return 0;
}

static const struct html_node *find_id_prefix(const struct board_page *pg, const char *prefix)
{
	return html_find_attr(&pg->doc.root, "id", prefix, 1);
}

static int is_thread_page(const struct board_page *pg)
{
	const struct html_node *n;

	if (find_id_prefix(pg, "post_message_") != NULL)
		return 1;
	for (n = html_find(&pg->doc.root, HT_LI, "b-post"); n != NULL;
	     n = html_find_after(&pg->doc.root, n, HT_LI, "b-post"))
		if (html_attr(n, "data-node-id") != NULL)
			return 1;
	/* archive and printthread */
	return (html_find(&pg->doc.root, HT_DIV, "posttext") != NULL &&
		html_find(&pg->doc.root, HT_DIV, "posttop") != NULL) ||
	       (html_find(&pg->doc.root, HT_TD, "page") != NULL &&
		html_find(&pg->doc.root, HT_TABLE, "tborder") != NULL &&
		(has_bytes(pg, "printthread.php") || has_bytes(pg, "class=\"navbar\"")));
}

/* The thread list's container, even when it lists nothing. */
static const struct html_node *thread_list(const struct board_page *pg)
{
	const struct html_node *n;

	if ((n = find_id_prefix(pg, "threadbits_forum_")) != NULL)
		return n;
	if ((n = html_find_attr(&pg->doc.root, "id", "threadlist", 0)) != NULL)
		return n;
	if ((n = html_find_attr(&pg->doc.root, "id", "threadslist", 0)) != NULL)
		return n;
	if ((n = html_find_attr(&pg->doc.root, "id", "threads", 0)) != NULL && html_is(n, HT_OL))
		return n;
	return find_id_prefix(pg, "thread_title_");
}

static int is_index_page(const struct board_page *pg)
{
	const struct html_node *n = html_find_attr(&pg->doc.root, "id", "forums", 0);

	if (n != NULL && html_is(n, HT_OL))
		return 1;
	if (html_find(&pg->doc.root, HT_LI, "forumbit_post") != NULL ||
	    html_find(&pg->doc.root, HT_LI, "forumbit_nopost") != NULL)
		return 1;
	return find_id_prefix(pg, "collapseobj_forumbit_") != NULL;
}

static int is_captcha(const struct board_page *pg)
{
	for (const struct html_node *n = html_find(&pg->doc.root, HT_INPUT, NULL); n != NULL;
	     n = html_find_after(&pg->doc.root, n, HT_INPUT, NULL)) {
		const char *name = html_attr(n, "name");
		if (name != NULL &&
		    (strncmp(name, "humanverify", 11) == 0 || strcmp(name, "imagestamp") == 0 ||
		     strcmp(name, "recaptcha_response_field") == 0))
			return 1;
	}
	return html_attr(html_find_attr(&pg->doc.root, "id", "imagereg", 0), "id") != NULL ||
	       html_find(&pg->doc.root, HT_DIV, "g-recaptcha") != NULL;
}

/* The login form: one posting to login.php with vb_login_username. */
static const struct html_node *login_form_node(const struct board_page *pg, int skip_navbar)
{
	for (const struct html_node *f = html_find(&pg->doc.root, HT_FORM, NULL); f != NULL;
	     f = html_find_after(&pg->doc.root, f, HT_FORM, NULL)) {
		const char *action = html_attr(f, "action"), *id = html_attr(f, "id");
		if (action == NULL || strstr(action, "login.php") == NULL)
			continue;
		if (skip_navbar && id != NULL && strstr(id, "navbar") != NULL)
			continue;
		/* the controls may follow a form the parser closed early */
		const struct html_node *scope = f->parent != NULL ? f->parent : f;
		for (const struct html_node *k = html_next(f, scope); k != NULL;
		     k = html_next(k, scope)) {
			if (k != f && html_is(k, HT_FORM))
				break;
			if (html_is(k, HT_INPUT) && html_attr(k, "name") != NULL &&
			    strcmp(html_attr(k, "name"), "vb_login_username") == 0)
				return f;
		}
	}
	return NULL;
}

static int contains_ci(const char *s, const char *word)
{
	return s != NULL && strcasestr(s, word) != NULL;
}

static char *vb_message(const struct board_page *pg);

static enum board_page_kind vb_kind(const struct board_page *pg)
{
	enum board_page_kind k = BOARD_PAGE_OTHER;

	if (is_thread_page(pg))
		return BOARD_PAGE_THREAD;
	if (find_id_prefix(pg, "thread_title_") != NULL ||
	    find_id_prefix(pg, "threadbits_forum_") != NULL)
		return BOARD_PAGE_FORUM;
	if (thread_list(pg) != NULL)
		return BOARD_PAGE_FORUM;
	if (is_index_page(pg))
		return BOARD_PAGE_INDEX;
	if (is_captcha(pg))
		return BOARD_PAGE_CAPTCHA;
	char *msg = vb_message(pg);
	if (msg != NULL) {
		if ((contains_ci(msg, "not logged in") || contains_ci(msg, "nicht angemeldet")) &&
		    login_form_node(pg, 1) != NULL)
			k = BOARD_PAGE_LOGIN;
		else if (contains_ci(msg, "do not have permission") ||
			 contains_ci(msg, "keine Berechtigung") || contains_ci(msg, "keine Rechte"))
			k = BOARD_PAGE_NO_PERMISSION;
		else
			k = BOARD_PAGE_MESSAGE;
		free(msg);
		return k;
	}
	if (login_form_node(pg, 1) != NULL)
		return BOARD_PAGE_LOGIN;
	return BOARD_PAGE_OTHER;
}

/* ---- the message box ---- */

/* The heading of vBulletin's errors block ("The following errors occurred
 * with your submission") in the languages of the default phrase sets. */
static int errors_heading(const struct html_node *n)
{
	static const char *const phrases[] = {"errors occurred", "Fehler", "erreurs", "errores",
					      "errori",          "fouten", NULL};

	const struct html_node *h = n->parent;

	if (n->type != HTML_TEXT || n->len < 10 || n->len > 200 || h == NULL)
		return 0;
	/* a heading of the page (vB3 td.tcat/td.thead, vB4 h3.blocksubhead),
	 * never words inside a post */
	if (!(html_is(h, HT_TD) && (html_has_class(h, "tcat") || html_has_class(h, "thead"))) &&
	    !html_has_class(h, "blocksubhead") && !html_has_class(h, "blockhead"))
		return 0;
	for (const char *const *p = phrases; *p != NULL; p++)
		if (memmem(n->text, n->len, *p, strlen(*p)) != NULL)
			return 1;
	return 0;
}

/* Text of the <ol>/<ul> items after `from` (the errors block), or NULL. */
static char *list_after(const struct board_page *pg, const struct html_node *from)
{
	const struct html_node *box = from->parent;
	/* the list is in the same block (vB4) or the next row (vB3 table) */
	for (int up = 0; up < 4 && box != NULL; up++, box = box->parent) {
		const struct html_node *l = html_find_after(box, from, HT_OL, NULL);
		if (l == NULL)
			l = html_find_after(box, from, HT_UL, NULL);
		if (l != NULL) {
			struct buf b = BUF_INIT;
			for (const struct html_node *li = html_find(l, HT_LI, NULL); li != NULL;
			     li = html_find_after(l, li, HT_LI, NULL)) {
				char *t = text_of(li);
				if (*t != '\0') {
					if (b.len > 0)
						buf_addc(&b, ' ');
					buf_adds(&b, t);
				}
				free(t);
			}
			if (b.len > 0)
				return buf_detach(&b);
			buf_free(&b);
		}
	}
	(void)pg;
	return NULL;
}

static char *nonempty(char *s)
{
	if (s != NULL && *s == '\0') {
		free(s);
		return NULL;
	}
	return s;
}

static char *vb_message(const struct board_page *pg)
{
	const struct html_node *root = &pg->doc.root, *n;
	char *t;

	/* "The following errors occurred with your submission" + a list */
	for (n = root; n != NULL; n = html_next(n, root)) {
		if (!errors_heading(n))
			continue;
		const struct html_node *head = n->parent;
		if ((t = list_after(pg, head)) != NULL)
			return t;
	}
	/* vB4 standard_error (errors, redirects) */
	if ((n = html_find(root, HT_DIV, "standard_error")) != NULL) {
		const struct html_node *row = html_find(n, HT_UNKNOWN, "restore");
		if (row == NULL)
			row = html_find(n, HT_UNKNOWN, "blockbody");
		if ((t = nonempty(text_of(row != NULL ? row : n))) != NULL)
			return t;
	}
	/* vB3: td.tcat "<board> Message" / "Redirecting..." then div.panel */
	for (n = html_find(root, HT_TD, "tcat"); n != NULL;
	     n = html_find_after(root, n, HT_TD, "tcat")) {
		const struct html_node *panel = html_find_after(root, n, HT_TD, "panelsurround");
		if (panel == NULL)
			continue;
		const struct html_node *p = html_find(panel, HT_DIV, "panel");
		if ((t = nonempty(text_of(p != NULL ? p : panel))) != NULL)
			return t;
	}
	/* an error row of a form (the login page's) */
	for (n = html_find(root, HT_DIV, "error"); n != NULL;
	     n = html_find_after(root, n, HT_DIV, "error"))
		if (html_ancestor(n, HT_FORM, NULL) != NULL && (t = nonempty(text_of(n))) != NULL)
			return t;
	return NULL;
}

/* ---- URLs ---- */

static char *vb_index_url(const char *base)
{
	return xasprintf("%sindex.php", base);
}

static char *vb_forum_url(const char *base, const char *forum_id, int page)
{
	if (page > 1)
		return xasprintf("%sforumdisplay.php?f=%s&page=%d", base, forum_id, page);
	return xasprintf("%sforumdisplay.php?f=%s", base, forum_id);
}

static char *vb_thread_url(const char *base, const char *thread_id, int page)
{
	if (page > 1)
		return xasprintf("%sshowthread.php?t=%s&page=%d", base, thread_id, page);
	return xasprintf("%sshowthread.php?t=%s", base, thread_id);
}

/* ---- forums (index and sub-forums) ---- */

/* The row that holds a forum link: vB4 li#forumN / li#catN, vB3 td#fN; its
 * forum id in *id (pointing into the attribute). */
static const struct html_node *forum_row(const struct html_node *n, const char **id)
{
	for (n = n->parent; n != NULL && n->type == HTML_ELEMENT; n = n->parent) {
		const char *v = html_attr(n, "id");
		if (v == NULL)
			continue;
		const char *d = NULL;
		if (html_is(n, HT_LI) && strncmp(v, "forum", 5) == 0)
			d = v + 5;
		else if (html_is(n, HT_LI) && strncmp(v, "cat", 3) == 0)
			d = v + 3;
		else if (html_is(n, HT_TD) && v[0] == 'f')
			d = v + 1;
		else if (html_is(n, HT_TBODY) && strncmp(v, "collapseobj_forumbit_", 21) == 0)
			d = v + 21;
		if (d != NULL && all_digits(d)) {
			*id = d;
			return n;
		}
	}
	return NULL;
}

static struct board_forum *forum_by_id(struct board_listing *l, const char *id)
{
	for (size_t i = 0; i < l->nforums; i++)
		if (strcmp(l->forums[i].id, id) == 0)
			return &l->forums[i];
	return NULL;
}

/* Skips links that are not a forum's own: list sorting, pages, actions. */
static int plain_forum_link(const char *href)
{
	static const char *const keys[] = {"do",        "sort", "order",    "page",
					   "daysprune", "pp",   "prefixid", NULL};
	for (const char *const *k = keys; *k != NULL; k++) {
		char *v = board_query(href, *k);
		free(v);
		if (v != NULL)
			return 0;
	}
	return page_of(href) == 0;
}

/* Adds the forums linked on the page (not in its navigation) to out, except
 * `self` (the forum a forum page shows). */
/* Where the forum list is: vB4's ol#forums (forum home) or div#forumbits
 * (sub-forums on a forum page), the vB3 table holding the first forum row
 * (td#fN); the whole page when there is none. Sidebars, statistics and
 * "latest posts" blocks outside it link forums too. */
static const struct html_node *forum_scope(const struct board_page *pg)
{
	const struct html_node *root = &pg->doc.root, *n;

	for (n = root; n != NULL; n = html_next(n, root)) {
		const char *id = html_attr(n, "id");
		if (id == NULL)
			continue;
		if ((html_is(n, HT_OL) && strcmp(id, "forums") == 0) ||
		    (html_is(n, HT_DIV) && strcmp(id, "forumbits") == 0))
			return n;
		if (html_is(n, HT_TD) && id[0] == 'f' && all_digits(id + 1) &&
		    html_find(n, HT_A, NULL) != NULL) {
			const struct html_node *t = html_ancestor(n, HT_TABLE, NULL);
			return t != NULL ? t : root;
		}
	}
	return root;
}

static void collect_forums(const struct board_page *pg, struct board_listing *out, const char *self)
{
	const struct html_node *root = forum_scope(pg);

	for (const struct html_node *a = html_find(root, HT_A, NULL); a != NULL;
	     a = html_find_after(root, a, HT_A, NULL)) {
		const char *href = html_attr(a, "href");
		char *id = vb_forum_of(href);
		if (id == NULL)
			continue;
		if ((self != NULL && strcmp(id, self) == 0) || !plain_forum_link(href) ||
		    in_navigation(a)) {
			free(id);
			continue;
		}
		char *title = text_of(a);
		struct board_forum *f = forum_by_id(out, id);
		if (f != NULL) {
			if ((f->title == NULL || *f->title == '\0') && *title != '\0') {
				free(f->title);
				f->title = title;
				title = NULL;
			}
			free(title);
			free(id);
			continue;
		}
		if (*title == '\0') { /* an icon: the titled link follows */
			free(title);
			free(id);
			continue;
		}
		f = board_listing_add_forum(out);
		f->id = id;
		f->title = title;
		f->url = board_page_url(pg, href);
		/* where it is listed: its own row, then the row around that */
		const char *rid = NULL;
		const struct html_node *row = forum_row(a, &rid);
		if (row != NULL && strcmp(rid, f->id) != 0) {
			/* a sub-forum link inside its parent's row */
			f->parent_id = xstrdup(rid);
		} else if (row != NULL) {
			const char *pid = NULL;
			if (forum_row(row, &pid) != NULL)
				f->parent_id = xstrdup(pid);
			const char *v = html_attr(row, "id");
			f->category = (html_is(row, HT_LI) && strncmp(v, "cat", 3) == 0) ||
				      html_has_class(row, "forumbit_nopost");
		}
		/* vB3: the category heading is a link in td.tcat */
		if (html_ancestor(a, HT_TD, "tcat") != NULL) {
			f->category = 1;
			free(f->parent_id);
			f->parent_id = NULL;
		}
		if (self != NULL && f->parent_id == NULL)
			f->parent_id = xstrdup(self);
	}
	/* link forums: a forum row whose title links elsewhere */
	for (const struct html_node *n = root; n != NULL; n = html_next(n, root)) {
		const char *v = html_attr(n, "id");
		const char *d = NULL;
		if (v == NULL)
			continue;
		if (html_is(n, HT_LI) && strncmp(v, "forum", 5) == 0 &&
		    (html_has_class(n, "forumbit_post") || html_has_class(n, "forumbit_nopost")))
			d = v + 5;
		else if (html_is(n, HT_TD) && v[0] == 'f' && html_find(n, HT_A, NULL) != NULL &&
			 (html_has_class(n, "alt1Active") || html_has_class(n, "alt1")))
			d = v + 1;
		if (d == NULL || !all_digits(d) || forum_by_id(out, d) != NULL ||
		    (self != NULL && strcmp(d, self) == 0))
			continue;
		const struct html_node *t = html_find(n, HT_UNKNOWN, "forumtitle");
		const struct html_node *a = html_find(t != NULL ? t : n, HT_A, NULL);
		char *url = a != NULL ? board_page_url(pg, html_attr(a, "href")) : NULL;
		char *title = a != NULL ? text_of(a) : NULL;
		if (url == NULL || title == NULL || *title == '\0') {
			free(url);
			free(title);
			continue;
		}
		struct board_forum *f = board_listing_add_forum(out);
		f->id = xstrdup(d);
		f->title = title;
		f->url = url;
		f->link = 1;
		const char *pid = NULL;
		if (forum_row(n, &pid) != NULL)
			f->parent_id = xstrdup(pid);
		else if (self != NULL)
			f->parent_id = xstrdup(self);
	}
}

static int vb_parse_index(const struct board_page *pg, struct board_listing *out, char **err)
{
	memset(out, 0, sizeof *out);
	collect_forums(pg, out, NULL);
	if (out->nforums == 0) {
		board_listing_clear(out);
		return fg_error(
			err,
			"%s: no forum list found (no forumdisplay.php links, ol#forums or "
			"forumbit rows): not a vBulletin forum home, or its template changed",
			pg->name);
	}
	out->page = out->pages = 1;
	return 0;
}

/* ---- thread lists ---- */

/* "Page 2 of 3" (and its translations: "Seite 2 von 3", "Page 2 sur 3",
 * "Pagina 2 di 3", "Página 2 de 3", "Pagina 2 van 3", "Strona 2 z 3"):
 * two numbers with one short word between. */
static int page_of_pages(const char *s, int *page, int *pages)
{
	static const char *const words[] = {"of", "von", "sur", "di", "de", "van", "z", "из", NULL};

	for (const char *p = s; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p) || (p > s && isdigit((unsigned char)p[-1])))
			continue;
		char *end;
		long a = strtol(p, &end, 10);
		if (*end != ' ')
			continue;
		const char *w = end + 1;
		for (const char *const *k = words; *k != NULL; k++) {
			size_t n = strlen(*k);
			if (strncmp(w, *k, n) == 0 && w[n] == ' ' &&
			    isdigit((unsigned char)w[n + 1])) {
				long b = strtol(w + n + 1, &end, 10);
				if (a >= 1 && b >= a && b < INT_MAX) {
					*page = (int)a;
					*pages = (int)b;
					return 1;
				}
			}
		}
	}
	return 0;
}

/* Whether n is inside a thread row (its own mini pagination). */
static int in_thread_row(const struct html_node *n)
{
	for (; n != NULL && n->type == HTML_ELEMENT; n = n->parent) {
		const char *id = html_attr(n, "id");
		if (html_has_class(n, "threadbit") ||
		    (id != NULL &&
		     ((strncmp(id, "thread_", 7) == 0 && isdigit((unsigned char)id[7])) ||
		      strncmp(id, "pagination_threadbit_", 21) == 0 ||
		      strncmp(id, "td_threadtitle_", 15) == 0)))
			return 1;
	}
	return 0;
}

static void listing_pages(const struct board_page *pg, struct board_listing *out)
{
	const struct html_node *root = &pg->doc.root;

	for (const struct html_node *n = root; n != NULL && out->pages == 0;
	     n = html_next(n, root)) {
		if (n->type != HTML_ELEMENT || in_thread_row(n))
			continue;
		const char *cls = html_attr(n, "class");
		if (cls == NULL ||
		    (strstr(cls, "pagenav") == NULL && strstr(cls, "pagination") == NULL))
			continue;
		char *t = text_of(n);
		int page, pages;
		if (page_of_pages(t, &page, &pages)) {
			out->page = page;
			out->pages = pages;
		}
		free(t);
	}
	for (const struct html_node *n = root; n != NULL; n = html_next(n, root)) {
		if ((html_is(n, HT_A) || html_is(n, HT_LINK)) && html_attr(n, "rel") != NULL &&
		    strcmp(html_attr(n, "rel"), "next") == 0 && !in_thread_row(n) &&
		    html_attr(n, "href") != NULL) {
			out->next_url = board_page_url(pg, html_attr(n, "href"));
			if (out->next_url != NULL)
				break;
		}
	}
	if (out->pages == 0 && out->next_url == NULL)
		out->page = out->pages = 1; /* no page links: one page */
}

/* The row of a thread title link: vB4 li#thread_N, else the table row. */
static const struct html_node *thread_row(const struct html_node *a)
{
	const struct html_node *n;

	for (n = a->parent; n != NULL && n->type == HTML_ELEMENT; n = n->parent) {
		const char *id = html_attr(n, "id");
		if (html_is(n, HT_LI) && id != NULL && strncmp(id, "thread_", 7) == 0)
			return n;
	}
	n = html_ancestor(a, HT_TR, NULL);
	return n != NULL ? n : a->parent;
}

static int has_prefix_word(const char *s, const char *const *words)
{
	for (const char *const *w = words; *w != NULL; w++)
		if (strstr(s, *w) != NULL)
			return 1;
	return 0;
}

static const char *const sticky_words[] = {
	"Sticky:", "Wichtig:", "Épinglé", "Fijo:", "In rilievo:", "Sticky", NULL};
static const char *const moved_words[] = {
	"Moved:", "Verschoben:", "Déplacé", "Movido:", "Spostato:", "Verplaatst:", NULL};

/* The text before the title link inside its cell: the thread's prefixes. */
static char *prefix_text(const struct html_node *a)
{
	struct buf b = BUF_INIT;
	int space = 0;
	const struct html_node *cell = a->parent;

	/* vB4: h3.threadtitle holds the prefix span and the link */
	for (const struct html_node *k = cell->children; k != NULL && k != a; k = k->next) {
		if (k->type == HTML_TEXT) {
			text_add(&b, k, &space);
		} else {
			char *t = text_of(k);
			if (b.len > 0)
				buf_addc(&b, ' ');
			buf_adds(&b, t);
			free(t);
		}
	}
	return buf_detach(&b);
}

/* The date printed in el up to its span.time (or up to the first link or
 * line break): "08-26-2008, 08:15 AM" of "08-26-2008 08:15 AM by bob". */
static int64_t printed_date(const struct board_page *pg, const struct html_node *el)
{
	struct buf b = BUF_INIT;
	int space = 0;
	const struct html_node *k = html_next(el, el), *time_end = NULL;
	int timed = 0;

	while (k != NULL && !(timed && k == time_end)) {
		if (html_is(k, HT_BR) || (html_is(k, HT_A) && b.len > 0))
			break;
		if (!timed && html_is(k, HT_UNKNOWN) && html_has_class(k, "time")) {
			timed = 1;
			time_end = html_skip(k, el);
		}
		if (k->type == HTML_TEXT)
			text_add(&b, k, &space);
		k = html_next(k, el);
	}
	int64_t t = board_page_date(pg, buf_str(&b));
	buf_free(&b);
	return t;
}

static long count_of(const char *s)
{
	long n = 0;
	int any = 0;

	for (; *s != '\0'; s++) {
		if (isdigit((unsigned char)*s)) {
			if (n > 100000000)
				return -1;
			n = n * 10 + (*s - '0');
			any = 1;
		} else if ((*s == ',' || *s == '.' || *s == ' ' || *s == '\'') && any) {
			continue;
		} else if (any) {
			break;
		}
	}
	return any ? n : -1;
}

static void topic_row(const struct board_page *pg, const struct html_node *a, const char *id,
		      struct board_topic *t)
{
	const struct html_node *row = thread_row(a);
	const struct html_node *last = NULL;
	char *pre = prefix_text(a);

	t->id = xstrdup(id);
	t->title = text_of(a);
	t->url = board_page_url(pg, html_attr(a, "href"));
	t->sticky = has_prefix_word(pre, sticky_words) || html_has_class(row, "sticky") ||
		    html_find(row, HT_UNKNOWN, "sticky") != NULL ||
		    html_ancestor(row, HT_OL, "stickies") != NULL;
	t->moved = has_prefix_word(pre, moved_words) || html_has_class(row, "moved");
	free(pre);
	for (const struct html_node *k = html_find(row, HT_A, NULL); k != NULL;
	     k = html_find_after(row, k, HT_A, NULL)) {
		const char *href = html_attr(k, "href");
		if (href == NULL || k == a)
			continue;
		if (strstr(href, "do=whoposted") != NULL) {
			char *s = text_of(k);
			t->replies = count_of(s);
			free(s);
			continue;
		}
		/* vB4 links the last post by id; vB3's default threadbit has
		 * showthread.php?goto=lastpost&t=N (the date is before it all
		 * the same) */
		char *post = vb_post_of(href);
		if (post == NULL && strstr(href, "goto=lastpost") != NULL) {
			post = board_query(href, "lastpostid");
			last = k;
			if (post == NULL)
				continue;
		}
		if (post != NULL) {
			free(t->last_post_id);
			t->last_post_id = post;
			last = k;
			continue;
		}
		char *tid = vb_thread_of(href);
		int p = page_of(href);
		if (tid != NULL && strcmp(tid, id) == 0 && p > t->pages)
			t->pages = p;
		free(tid);
	}
	if (t->replies < 0) {
		/* vB3: the cell's title "Replies: 5, Views: 100" */
		for (const struct html_node *k = row; k != NULL; k = html_next(k, row)) {
			const char *title = html_attr(k, "title");
			const char *colon = title != NULL ? strchr(title, ':') : NULL;
			if (colon != NULL && html_is(k, HT_TD) && strchr(title, ',') != NULL) {
				t->replies = count_of(colon + 1);
				break;
			}
		}
	}
	if (last != NULL && last->parent != NULL)
		t->last_post = printed_date(pg, last->parent);
	if (t->pages == 1)
		t->pages = 0;
}

/* The forum a thread list shows. */
static char *listed_forum(const struct board_page *pg)
{
	const struct html_node *root = &pg->doc.root, *n;

	for (n = html_find(root, HT_A, NULL); n != NULL; n = html_find_after(root, n, HT_A, NULL)) {
		const char *href = html_attr(n, "href");
		if (href != NULL && strstr(href, "newthread.php") != NULL) {
			char *f = board_query(href, "f");
			if (all_digits(f))
				return f;
			free(f);
		}
	}
	for (n = html_find(root, HT_INPUT, NULL); n != NULL;
	     n = html_find_after(root, n, HT_INPUT, NULL))
		if (html_attr(n, "name") != NULL && strcmp(html_attr(n, "name"), "f") == 0 &&
		    all_digits(html_attr(n, "value")))
			return xstrdup(html_attr(n, "value"));
	if ((n = find_id_prefix(pg, "threadbits_forum_")) != NULL &&
	    all_digits(html_attr(n, "id") + 17))
		return xstrdup(html_attr(n, "id") + 17);
	if ((n = html_find_attr(root, "id", "thread_inlinemod_form", 0)) != NULL) {
		char *f = board_query(html_attr(n, "action"), "forumid");
		if (all_digits(f))
			return f;
		free(f);
	}
	for (n = html_find(root, HT_LINK, NULL); n != NULL;
	     n = html_find_after(root, n, HT_LINK, NULL))
		if (html_attr(n, "rel") != NULL && strcmp(html_attr(n, "rel"), "canonical") == 0)
			return vb_forum_of(html_attr(n, "href"));
	return NULL;
}

static char *listed_title(const struct board_page *pg)
{
	const struct html_node *root = &pg->doc.root, *n, *strong = NULL;
	char *t;

	if ((n = html_find_attr(root, "id", "pagetitle", 0)) != NULL &&
	    (n = html_find(n, HT_UNKNOWN, "forumtitle")) != NULL &&
	    (t = nonempty(text_of(n))) != NULL)
		return t;
	for (n = html_find(root, HT_STRONG, NULL); n != NULL;
	     n = html_find_after(root, n, HT_STRONG, NULL))
		if (n->parent != NULL && html_has_class(n->parent, "navbar"))
			strong = n;
	if (strong != NULL && (t = nonempty(text_of(strong))) != NULL)
		return t;
	if ((n = html_find(root, HT_TITLE, NULL)) != NULL && (t = nonempty(text_of(n))) != NULL) {
		char *dash = strstr(t, " - ");
		if (dash != NULL)
			*dash = '\0';
		return t;
	}
	return NULL;
}

static int vb_parse_forum(const struct board_page *pg, struct board_listing *out, char **err)
{
	const struct html_node *root = &pg->doc.root;

	memset(out, 0, sizeof *out);
	out->forum_id = listed_forum(pg);
	out->title = listed_title(pg);
	for (const struct html_node *n = root; n != NULL; n = html_next(n, root)) {
		const char *v = html_attr(n, "id");
		if (v == NULL)
			continue;
		if (html_is(n, HT_A) && strncmp(v, "thread_title_", 13) == 0 &&
		    all_digits(v + 13)) {
			int dup = 0;
			for (size_t i = 0; i < out->ntopics && !dup; i++)
				dup = strcmp(out->topics[i].id, v + 13) == 0;
			if (!dup)
				topic_row(pg, n, v + 13, board_listing_add_topic(out));
		} else if (html_is(n, HT_LI) && html_has_class(n, "threadbit") &&
			   strncmp(v, "thread_", 7) == 0 && all_digits(v + 7)) {
			char *want = xasprintf("thread_title_%s", v + 7);
			const struct html_node *a = html_find_attr(n, "id", want, 0);
			free(want);
			if (a == NULL && !html_has_class(n, "deleted")) {
				board_listing_clear(out);
				return fg_error(
					err, "%s: thread %s has no title link (a#thread_title_%s)",
					pg->name, v + 7, v + 7);
			}
		}
	}
	collect_forums(pg, out, out->forum_id);
	if (out->ntopics == 0 && thread_list(pg) == NULL && out->nforums == 0) {
		board_listing_clear(out);
		return fg_error(
			err,
			"%s: no thread list found (no a#thread_title_N, li.threadbit or "
			"threadbits_forum_N): not a vBulletin forum page, or its template changed",
			pg->name);
	}
	listing_pages(pg, out);
	return 0;
}

/* ---- thread pages ---- */

static int vb_parse_thread(const struct board_page *pg, struct forum_thread **out, char **err)
{
	if (vb_parse_page(pg, 1, out, err) < 0)
		return -1;
	/* a closed thread shows the "Closed Thread" button instead of the reply
	 * one (vB3 image alt, vB4 span.threadclosed / a.newcontent_textcontrol) */
	if ((*out)->posting != FORUM_POSTING_NO) {
		const struct html_node *root = &pg->doc.root;
		for (const struct html_node *n = root; n != NULL; n = html_next(n, root)) {
			const char *alt = html_is(n, HT_IMG) ? html_attr(n, "alt") : NULL;
			const char *src = html_is(n, HT_IMG) ? html_attr(n, "src") : NULL;
			if ((alt != NULL && strcasecmp(alt, "Closed Thread") == 0) ||
			    (src != NULL && strstr(src, "/threadclosed") != NULL) ||
			    html_has_class(n, "threadclosed")) {
				(*out)->posting = FORUM_POSTING_NO;
				break;
			}
		}
	}
	return 0;
}

/* ---- feed ---- */

static char *vb_feed_url(const char *base, const char *forum_id)
{
	if (forum_id != NULL)
		return xasprintf("%sexternal.php?type=RSS2&forumids=%s", base, forum_id);
	return xasprintf("%sexternal.php?type=RSS2", base);
}

/* The text directly in element n (text and CDATA children; entity
 * references are not followed: the feed's entities are never expanded). */
static char *xml_text(const xmlNode *n)
{
	struct buf b = BUF_INIT;

	for (const xmlNode *k = n != NULL ? n->children : NULL; k != NULL; k = k->next)
		if ((k->type == XML_TEXT_NODE || k->type == XML_CDATA_SECTION_NODE) && k->content)
			buf_adds(&b, (const char *)k->content);
	struct buf t = BUF_INIT;
	size_t s = 0, e = b.len;
	while (s < e && isspace((unsigned char)b.p[s]))
		s++;
	while (e > s && isspace((unsigned char)b.p[e - 1]))
		e--;
	buf_add(&t, b.p + s, e - s);
	buf_free(&b);
	return buf_detach(&t);
}

static const xmlNode *xml_child(const xmlNode *n, const char *name)
{
	for (const xmlNode *k = n != NULL ? n->children : NULL; k != NULL; k = k->next)
		if (k->type == XML_ELEMENT_NODE && strcmp((const char *)k->name, name) == 0)
			return k;
	return NULL;
}

static int vb_parse_feed(const char *xml, size_t len, const char *url, struct board_listing *out,
			 char **err)
{
	memset(out, 0, sizeof *out);
	if (len > INT_MAX)
		return fg_error(err, "%s: feed too large", url ? url : "feed");
	/* vBulletin's feed declares no entities: one that does is refused
	 * before parsing (no "billion laughs", no external files) */
	if (memmem(xml, len, "<!ENTITY", 8) != NULL)
		return fg_error(err, "%s: the feed declares entities (refused)",
				url ? url : "feed");
	/* no network, no entity expansion (XML_PARSE_NOENT left out), no DTD
	 * loading: a feed is data, not a document that fetches things */
	xmlDocPtr doc = xmlReadMemory(xml, (int)len, url, NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
					      XML_PARSE_NOCDATA);
	if (doc == NULL)
		return fg_error(err, "%s: not an XML feed", url ? url : "feed");
	if (doc->intSubset != NULL && doc->intSubset->entities != NULL) {
		xmlFreeDoc(doc);
		return fg_error(err, "%s: the feed declares entities (refused)",
				url ? url : "feed");
	}
	const xmlNode *rss = xmlDocGetRootElement(doc);
	const xmlNode *channel = rss != NULL && strcmp((const char *)rss->name, "rss") == 0
					 ? xml_child(rss, "channel")
					 : NULL;
	if (channel == NULL) {
		xmlFreeDoc(doc);
		return fg_error(err, "%s: not an RSS 2 feed (no rss/channel)", url ? url : "feed");
	}
	for (const xmlNode *it = channel->children; it != NULL; it = it->next) {
		if (it->type != XML_ELEMENT_NODE || strcmp((const char *)it->name, "item") != 0)
			continue;
		char *link = xml_text(xml_child(it, "link"));
		char *guid = xml_text(xml_child(it, "guid"));
		char *id = vb_thread_of(link);
		if (id == NULL)
			id = vb_thread_of(guid);
		if (id == NULL) {
			free(link);
			free(guid);
			continue; /* not a thread (an announcement) */
		}
		struct board_topic *t = board_listing_add_topic(out);
		t->id = id;
		t->title = xml_text(xml_child(it, "title"));
		t->url = link;
		free(guid);
		char *date = xml_text(xml_child(it, "pubDate"));
		t->last_post = *date != '\0' ? mime_date(date) : 0;
		free(date);
		const xmlNode *cat = xml_child(it, "category");
		if (cat != NULL && out->forum_id == NULL) {
			xmlChar *dom = xmlGetProp(cat, (const xmlChar *)"domain");
			out->forum_id = vb_forum_of((const char *)dom);
			xmlFree(dom);
		}
	}
	char *title = xml_text(xml_child(channel, "title"));
	out->title = nonempty(title);
	xmlFreeDoc(doc);
	return 0;
}

/* ---- login ---- */

static char *vb_login_url(const char *base)
{
	return xasprintf("%slogin.php?do=login", base);
}

static void md5_hex(const unsigned char *s, size_t n, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	EVP_Digest(s, n, md, &len, EVP_md5(), NULL);
	for (unsigned int i = 0; i < len && i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[32] = '\0';
}

/* What vBulletin's md5hash() (clientscript/vbulletin_md5.js) hashes for
 * vb_login_md5password: the trimmed password with characters past U+00FF
 * as "&#N;" and the others as one byte each. */
static void md5_ent(const char *pw, char out[33])
{
	struct buf b = BUF_INIT;
	const unsigned char *s = (const unsigned char *)pw;

	while (*s != '\0') {
		unsigned cp = *s;
		int n = 1;
		if (cp >= 0xc0 && cp < 0xe0 && (s[1] & 0xc0) == 0x80) {
			cp = ((cp & 0x1f) << 6) | (s[1] & 0x3f);
			n = 2;
		} else if (cp >= 0xe0 && cp < 0xf0 && (s[1] & 0xc0) == 0x80 &&
			   (s[2] & 0xc0) == 0x80) {
			cp = ((cp & 0x0f) << 12) | ((s[1] & 0x3f) << 6) | (s[2] & 0x3f);
			n = 3;
		} else if (cp >= 0xf0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 &&
			   (s[3] & 0xc0) == 0x80) {
			cp = ((cp & 0x07) << 18) | ((s[1] & 0x3f) << 12) | ((s[2] & 0x3f) << 6) |
			     (s[3] & 0x3f);
			n = 4;
		}
		if (cp > 0xff)
			buf_addf(&b, "&#%u;", cp);
		else
			buf_addc(&b, (char)cp);
		s += n;
	}
	md5_hex((const unsigned char *)buf_str(&b), b.len, out);
	buf_free(&b);
}

static int vb_login_form(const struct board_page *pg, const char *user, const char *password,
			 struct board_form *out, char **err)
{
	const struct html_node *f = login_form_node(pg, 1);

	if (f == NULL)
		f = login_form_node(pg, 0);
	if (f == NULL || board_form_read(pg, f, out) < 0) {
		memset(out, 0, sizeof *out);
		return fg_error(err,
				"%s: no vBulletin login form (a form posting to login.php with "
				"vb_login_username) on the page",
				pg->name);
	}
	/* the trimmed password, as md5hash() hashes it */
	size_t s = 0, e = strlen(password);
	while (s < e && isspace((unsigned char)password[s]))
		s++;
	while (e > s && isspace((unsigned char)password[e - 1]))
		e--;
	char *pw = xstrndup(password + s, e - s);
	char md5[33], md5_utf[33];
	md5_ent(pw, md5);
	md5_hex((const unsigned char *)pw, strlen(pw), md5_utf);
	free(pw);
	board_form_set(out, "vb_login_username", user);
	board_form_set(out, "vb_login_password", password);
	board_form_set(out, "vb_login_md5password", md5);
	board_form_set(out, "vb_login_md5password_utf", md5_utf);
	board_form_set(out, "cookieuser", "1");
	if (board_form_get(out, "do") == NULL)
		board_form_set(out, "do", "login");
	return 0;
}

static int vb_logged_in(const struct board_page *pg)
{
	const struct html_node *root = &pg->doc.root;

	for (const struct html_node *a = html_find(root, HT_A, NULL); a != NULL;
	     a = html_find_after(root, a, HT_A, NULL)) {
		const char *href = html_attr(a, "href");
		if (href != NULL &&
		    (strstr(href, "login.php?do=logout") != NULL ||
		     strstr(href, "do=logout&") != NULL || strstr(href, "/auth/logout") != NULL))
			return 1;
	}
	return 0;
}

static int vb_login_result(const struct board_page *pg, char **err)
{
	char *msg = vb_message(pg);

	if (contains_ci(msg, "Thank you for logging in") ||
	    contains_ci(msg, "Danke für Ihre Anmeldung") ||
	    contains_ci(msg, "Vielen Dank für Ihre Anmeldung") ||
	    (msg == NULL && vb_logged_in(pg))) {
		free(msg);
		return 1;
	}
	/* a CAPTCHA cannot be answered: say so, and never retry blindly */
	if (is_captcha(pg) || contains_ci(msg, "image verification"))
		fg_error(err,
			 "%s: the board wants an image verification (CAPTCHA) to log in; log in "
			 "once with a browser, then try again%s%s",
			 pg->name, msg ? ": " : "", msg ? msg : "");
	else if (contains_ci(msg, "invalid username or password") ||
		 contains_ci(msg, "wrong username or password") ||
		 contains_ci(msg, "ungültigen Benutzernamen") ||
		 contains_ci(msg, "falsches Kennwort"))
		fg_error(err, "%s: wrong user name or password: %s", pg->name, msg);
	else if (msg != NULL)
		fg_error(err, "%s: login refused: %s", pg->name, msg);
	else
		fg_error(err,
			 "%s: login not confirmed (no \"Thank you for logging in\" page, no logout "
			 "link)",
			 pg->name);
	free(msg);
	return 0;
}

/* ---- write ---- */

static char *vb_reply_url(const char *base, const char *thread_id, const char *post_id)
{
	if (post_id != NULL)
		return xasprintf("%snewreply.php?do=newreply&t=%s&p=%s", base, thread_id, post_id);
	return xasprintf("%snewreply.php?do=newreply&t=%s", base, thread_id);
}

static char *vb_new_thread_url(const char *base, const char *forum_id)
{
	return xasprintf("%snewthread.php?do=newthread&f=%s", base, forum_id);
}

static int vb_post_form(const struct board_page *pg, const char *subject, const char *body,
			struct board_form *out, char **err)
{
	const struct html_node *root = &pg->doc.root, *form = NULL;
	int thread = 0;

	for (const struct html_node *f = html_find(root, HT_FORM, NULL); f != NULL && form == NULL;
	     f = html_find_after(root, f, HT_FORM, NULL)) {
		const char *action = html_attr(f, "action");
		if (action == NULL)
			continue;
		if (strstr(action, "newreply.php") != NULL)
			form = f;
		else if (strstr(action, "newthread.php") != NULL)
			form = f, thread = 1;
	}
	if (form == NULL || board_form_read(pg, form, out) < 0) {
		char *msg = vb_message(pg);
		memset(out, 0, sizeof *out);
		if (msg != NULL) {
			fg_error(err, "%s: no reply form: the board says: %s", pg->name, msg);
			free(msg);
			return -1;
		}
		return fg_error(err,
				"%s: no vBulletin reply form (a form posting to newreply.php or "
				"newthread.php) on the page",
				pg->name);
	}
	if (board_form_get(out, "securitytoken") == NULL) {
		board_form_clear(out);
		return fg_error(err, "%s: the reply form has no securitytoken", pg->name);
	}
	board_form_set(out, "message", body);
	if (board_form_get(out, "message_backup") != NULL)
		board_form_set(out, "message_backup", body);
	board_form_set(out, "wysiwyg", "0");
	if (thread || board_form_get(out, "subject") != NULL)
		board_form_set(out, "subject", subject);
	if (board_form_get(out, "do") == NULL)
		board_form_set(out, "do", thread ? "postthread" : "postreply");
	return 0;
}

static char *redirect_target(const struct board_page *pg)
{
	const struct html_node *root = &pg->doc.root;

	for (const struct html_node *m = html_find(root, HT_META, NULL); m != NULL;
	     m = html_find_after(root, m, HT_META, NULL)) {
		const char *eq = html_attr(m, "http-equiv"), *c = html_attr(m, "content");
		const char *u = c != NULL ? strcasestr(c, "url=") : NULL;
		if (eq != NULL && strcasecmp(eq, "refresh") == 0 && u != NULL) {
			char *id = vb_post_of(u + 4);
			if (id != NULL)
				return id;
		}
	}
	const struct html_node *box = html_find(root, HT_DIV, "standard_error");
	if (box == NULL)
		box = html_find_attr(root, "id", "redirect_button", 0);
	if (box == NULL)
		box = root;
	for (const struct html_node *a = html_find(box, HT_A, NULL); a != NULL;
	     a = html_find_after(box, a, HT_A, NULL)) {
		char *t = text_of(a);
		int here = strstr(t, "Click here") != NULL || strstr(t, "redirect") != NULL ||
			   strstr(t, "weitergeleitet") != NULL || box != root;
		free(t);
		char *id = here ? vb_post_of(html_attr(a, "href")) : NULL;
		if (id != NULL && strstr(html_attr(a, "href"), "showthread.php") != NULL)
			return id;
		free(id);
	}
	return NULL;
}

/* Whether the page shows vBulletin's "The following errors occurred with
 * your submission" block. */
static int errors_block(const struct board_page *pg)
{
	const struct html_node *root = &pg->doc.root;

	for (const struct html_node *n = root; n != NULL; n = html_next(n, root)) {
		char *list = errors_heading(n) ? list_after(pg, n->parent) : NULL;
		if (list != NULL) {
			free(list);
			return 1;
		}
	}
	return 0;
}

static int vb_post_result(const struct board_page *pg, const char *location, char **post_id,
			  char **err)
{
	char *msg;

	*post_id = NULL;
	if (location != NULL && (*post_id = vb_post_of(location)) != NULL)
		return 1;
	/* the redirect page ("Thank you for posting!") names the new post */
	if (!errors_block(pg) && (*post_id = redirect_target(pg)) != NULL)
		return 1;
	if ((msg = vb_message(pg)) != NULL) {
		fg_error(err, "%s", msg);
		free(msg);
		return 0;
	}
	if (is_thread_page(pg) && !errors_block(pg)) /* taken to the thread, no post id */
		return 1;
	if (is_captcha(pg))
		fg_error(err, "%s: the board wants an image verification (CAPTCHA) to post",
			 pg->name);
	else
		fg_error(err,
			 "%s: the board's answer to the post was not recognised (no redirect to "
			 "the new post, no error message)",
			 pg->name);
	return 0;
}

const struct board_engine board_vbulletin = {
	.name = "vbulletin",
	.detect = vb_detect,
	.kind = vb_kind,
	.index_url = vb_index_url,
	.forum_url = vb_forum_url,
	.thread_url = vb_thread_url,
	.parse_index = vb_parse_index,
	.parse_forum = vb_parse_forum,
	.parse_thread = vb_parse_thread,
	.feed_url = vb_feed_url,
	.parse_feed = vb_parse_feed,
	.login_url = vb_login_url,
	.login_form = vb_login_form,
	.login_result = vb_login_result,
	.logged_in = vb_logged_in,
	.reply_url = vb_reply_url,
	.new_thread_url = vb_new_thread_url,
	.post_form = vb_post_form,
	.post_result = vb_post_result,
	.message = vb_message,
};
