/*
 * mybb: the MyBB 1.8 board engine (see board.h), read side: which page is
 * which, the URLs of the index, forums and threads, the forum list
 * (index.php), thread lists (forumdisplay.php), thread pages
 * (showthread.php), login and the board's messages.
 *
 * MyBB prints its ids in element ids that its own JavaScript needs, and
 * those survive every theme: a post is div.post#post_N with its body in
 * #pid_N; a listed thread is the row around span#tid_N (inline subject
 * editing); a listed forum is the row around span#mark_read_N (mark as
 * read), its category the tbody#cat_N_e (collapsing). Links come in two
 * forms, plain (showthread.php?tid=N, forumdisplay.php?fid=N,
 * member.php?action=profile&uid=N, ...pid=N) and the "search engine
 * friendly" ones (thread-N.html, thread-N-page-P.html,
 * thread-N-post-M.html, forum-N.html, user-N.html); ids are read from
 * both. Dates are printed as text ("07-12-2021, 02:20 PM", or "Today"
 * with the full date in a title) and read with board_page_date().
 *
 * Bodies are the inner HTML of #pid_N with links made absolute; the edit
 * note (span.post_edit), the post's buttons and the signature
 * (div.signature, kept apart) live outside it.
 */
#include "board.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "forumgate/buf.h"

/* ---- helpers ---- */

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

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

static int all_digits(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* "post_12" with prefix "post_" → "12"; NULL unless the rest is a number. */
static char *prefixed_id(const char *s, const char *prefix)
{
	size_t pl = strlen(prefix);

	if (s == NULL || strncmp(s, prefix, pl) != 0 || !all_digits(s + pl, strlen(s + pl)))
		return NULL;
	return xstrdup(s + pl);
}

/* "cat_3_e" with prefix "cat_" and suffix "_e" → "3". */
static char *infixed_id(const char *s, const char *prefix, const char *suffix)
{
	size_t pl = strlen(prefix), sl = strlen(suffix), n;

	if (s == NULL || strncmp(s, prefix, pl) != 0)
		return NULL;
	n = strlen(s + pl);
	if (n <= sl || strcmp(s + pl + n - sl, suffix) != 0 || !all_digits(s + pl, n - sl))
		return NULL;
	return xstrndup(s + pl, n - sl);
}

/* An id from a link: the query parameter `key` (tid, fid, uid, pid), or
 * the number after the friendly URL's `stem` ("thread-", "forum-",
 * "user-"), or for posts "-post-N" / "#pidN". NULL when none. */
static char *link_id(const char *href, const char *key, const char *stem)
{
	char *v;

	if (href == NULL)
		return NULL;
	if ((v = board_query(href, key)) != NULL) {
		if (all_digits(v, strlen(v)))
			return v;
		free(v);
	}
	size_t sl = strlen(stem);
	for (const char *p = strstr(href, stem); p != NULL; p = strstr(p + 1, stem)) {
		if (p > href && p[-1] != '/' && p[-1] != '?' && p[-1] != '=')
			continue;
		size_t n = strspn(p + sl, "0123456789");
		const char *end = p + sl + n;
		if (n > 0 && (*end == '.' || *end == '-'))
			return xstrndup(p + sl, n);
	}
	return NULL;
}

static char *post_link_id(const char *href)
{
	char *id = board_query(href, "pid");
	const char *p;

	if (id != NULL && all_digits(id, strlen(id)))
		return id;
	free(id);
	if (href == NULL)
		return NULL;
	if ((p = strstr(href, "-post-")) != NULL || (p = strstr(href, "#pid")) != NULL) {
		p += p[0] == '-' ? 6 : 4;
		size_t n = strspn(p, "0123456789");
		if (n > 0)
			return xstrndup(p, n);
	}
	return NULL;
}

static char *thread_link_id(const char *href)
{
	return link_id(href, "tid", "thread-");
}

static char *forum_link_id(const char *href)
{
	return link_id(href, "fid", "forum-");
}

/* A page number as printed: 1..9999999, else 0. */
static int page_number(const char *s)
{
	long v = s != NULL ? strtol(s, NULL, 10) : 0;
	return v > 0 && v < 10000000 ? (int)v : 0;
}

/* The page number in a link: page=P or -page-P; 0 when none. */
static int link_page(const char *href)
{
	char *v = href != NULL ? board_query(href, "page") : NULL;
	int p = page_number(v);
	const char *s;

	free(v);
	if (p <= 0 && href != NULL && (s = strstr(href, "-page-")) != NULL)
		p = page_number(s + 6);
	return p > 0 && p < 10000000 ? p : 0;
}

static long print_number(const char *s)
{
	long v = 0;
	int digits = 0;

	if (s == NULL)
		return -1;
	while (*s != '\0' && (*s < '0' || *s > '9'))
		s++;
	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9') {
			if (v > 100000000000L)
				return -1;
			v = v * 10 + (*s - '0');
			digits++;
		} else if (*s != ',' && *s != '.' && *s != ' ' && *s != '\'') {
			break;
		}
	}
	return digits > 0 ? v : -1;
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

static int raw_has(const struct board_page *pg, const char *needle)
{
	return pg->len > 0 && strcasestr(pg->html, needle) != NULL;
}

/* The first element below root whose id is prefix + a number. */
static struct html_node *find_id_prefix(const struct html_node *root, const char *prefix,
					struct html_node *after)
{
	for (struct html_node *n = after != NULL ? html_skip(after, root) : html_next(root, root);
	     n != NULL; n = html_next(n, root)) {
		char *id = prefixed_id(html_attr(n, "id"), prefix);
		if (id != NULL) {
			free(id);
			return n;
		}
	}
	return NULL;
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

struct swap {
	struct html_attr *a;
	const char *old;
	char *val;
};

/* The inner HTML of n, links and image sources absolute for the time of
 * the serialization (the tree is put back as it was). */
static char *inner_html(const struct board_page *pg, struct html_node *n)
{
	struct swap *sw = NULL;
	size_t nsw = 0;
	struct buf b = BUF_INIT;

	for (struct html_node *k = html_next(n, n); k != NULL; k = html_next(k, n)) {
		if (!html_is(k, HT_A) && !html_is(k, HT_IMG))
			continue;
		for (struct html_attr *a = k->attrs; a != NULL; a = a->next) {
			if (strcmp(a->name, "href") != 0 && strcmp(a->name, "src") != 0)
				continue;
			if (*a->value == '#' || strncmp(a->value, "mailto:", 7) == 0 ||
			    strncmp(a->value, "data:", 5) == 0 ||
			    strncmp(a->value, "javascript:", 11) == 0)
				continue;
			char *abs = board_page_url(pg, a->value);
			if (abs == NULL || strcmp(abs, a->value) == 0) {
				free(abs);
				continue;
			}
			sw = xrealloc(sw, (nsw + 1) * sizeof *sw);
			sw[nsw++] = (struct swap){a, a->value, abs};
			a->value = abs;
		}
	}
	for (struct html_node *k = n->children; k != NULL; k = k->next)
		if (!html_is(k, HT_SCRIPT))
			html_serialize(k, 1, &b);
	for (size_t i = 0; i < nsw; i++) {
		sw[i].a->value = sw[i].old;
		free(sw[i].val);
	}
	free(sw);
	trim(&b);
	return b.p != NULL ? buf_detach(&b) : xstrdup("");
}

/* A saved page has no URL: its canonical link stands in as the base. */
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

/* ---- what the page is ---- */

static int detect(const struct board_page *pg)
{
	const char *gen = board_page_generator(pg);
	if (gen != NULL && strcasestr(gen, "MyBB") != NULL)
		return 100;
	int score = 0;
	if (raw_has(pg, "Powered By <a href=\"https://mybb.com") ||
	    raw_has(pg, "Powered By <a href=\"http://www.mybb.com") ||
	    raw_has(pg, "Powered By <a href=\"https://www.mybb.com"))
		score = 90;
	else if (raw_has(pg, "var my_post_key") || raw_has(pg, "jscripts/general.js?ver=18"))
		score = 85;
	else if (raw_has(pg, "MyBB.whoPosted") || raw_has(pg, "MyBB.prompt"))
		score = 50; /* not "mybb.com": any post may link there */
	if (score > 0 && find_id_prefix(root_of(pg), "pid_", NULL) != NULL)
		score += 5;
	return score;
}

static int has_captcha(const struct board_page *pg)
{
	return raw_has(pg, "captcha.php?action=regimage") || raw_has(pg, "g-recaptcha") ||
	       raw_has(pg, "h-captcha") || raw_has(pg, "name=\"imagestring\"") ||
	       raw_has(pg, "captcha_trow");
}

/* The login form: a form with the hidden action=do_login; quick: 1 for
 * the header's quick login (quick_username), 0 for the login page's
 * (username). */
static struct html_node *login_form_node(const struct board_page *pg, int quick)
{
	for (struct html_node *f = html_find(root_of(pg), HT_FORM, NULL); f != NULL;
	     f = html_find_after(root_of(pg), f, HT_FORM, NULL)) {
		int login = 0, user = 0;
		for (struct html_node *i = html_find(f, HT_INPUT, NULL); i != NULL;
		     i = html_find_after(f, i, HT_INPUT, NULL)) {
			const char *n = html_attr(i, "name"), *v = html_attr(i, "value");
			if (n != NULL && v != NULL && strcmp(n, "action") == 0 &&
			    strcmp(v, "do_login") == 0)
				login = 1;
			if (n != NULL && strcmp(n, quick ? "quick_username" : "username") == 0)
				user = 1;
		}
		if (login && user)
			return f;
	}
	return NULL;
}

static char *message(const struct board_page *pg);

static enum board_page_kind kind(const struct board_page *pg)
{
	const struct html_node *root = root_of(pg);

	if (find_id_prefix(root, "pid_", NULL) != NULL)
		return BOARD_PAGE_THREAD;
	if (find_id_prefix(root, "tid_", NULL) != NULL)
		return BOARD_PAGE_FORUM;
	if (find_id_prefix(root, "mark_read_", NULL) != NULL)
		return html_find_attr(root, "id", "cat_", 1) != NULL &&
				       html_find_attr(root, "href", "newthread.php", 1) == NULL
			       ? BOARD_PAGE_INDEX
			       : BOARD_PAGE_FORUM;
	/* an empty thread list: its sort links and "post thread" button */
	if (html_find_attr(root, "href", "newthread.php", 1) != NULL ||
	    raw_has(pg, "sortby=subject"))
		return BOARD_PAGE_FORUM;
	/* the header's quick login form does not make a login page */
	int login = login_form_node(pg, 0) != NULL;
	char *m = message(pg);
	enum board_page_kind k = BOARD_PAGE_OTHER;
	if (login && has_captcha(pg))
		k = BOARD_PAGE_CAPTCHA;
	else if (m != NULL && (strcasestr(m, "do not have permission") != NULL ||
			       strcasestr(m, "not logged in") != NULL))
		k = login ? BOARD_PAGE_LOGIN : BOARD_PAGE_NO_PERMISSION;
	else if (login)
		k = BOARD_PAGE_LOGIN;
	else if (m != NULL)
		k = BOARD_PAGE_MESSAGE;
	free(m);
	return k;
}

/* ---- URLs ---- */

static char *index_url(const char *base)
{
	return xasprintf("%sindex.php", base);
}

static char *forum_url(const char *base, const char *forum_id, int page)
{
	if (page > 1)
		return xasprintf("%sforumdisplay.php?fid=%s&page=%d", base, forum_id, page);
	return xasprintf("%sforumdisplay.php?fid=%s", base, forum_id);
}

static char *thread_url(const char *base, const char *thread_id, int page)
{
	if (page > 1)
		return xasprintf("%sshowthread.php?tid=%s&page=%d", base, thread_id, page);
	return xasprintf("%sshowthread.php?tid=%s", base, thread_id);
}

static char *login_url(const char *base)
{
	return xasprintf("%smember.php?action=login", base);
}

/* ---- pagination ---- */

/* div.pagination: "Pages (5):", span.pagination_current, page links,
 * a.pagination_next. No block: page 1 of 1. */
static void pagination(const struct board_page *pg, int *page, int *pages, char **next)
{
	struct html_node *nav = find(root_of(pg), "pagination");

	*page = 1;
	*pages = 1;
	*next = NULL;
	if (nav == NULL)
		return;
	int max = 0;
	struct html_node *cur = find(nav, "pagination_current");
	char *t = text_or_null(cur);
	long v = print_number(t);
	free(t);
	if (v > 0 && v < 10000000)
		*page = (int)v;
	struct html_node *label = find(nav, "pages");
	t = text_or_null(label);
	v = print_number(t);
	free(t);
	if (v > 0 && v < 10000000)
		max = (int)v;
	for (struct html_node *a = html_find(nav, HT_A, NULL); a != NULL;
	     a = html_find_after(nav, a, HT_A, NULL)) {
		int p = link_page(html_attr(a, "href"));
		if (p > max)
			max = p;
	}
	*pages = max > *page ? max : *page;
	struct html_node *nx = find(nav, "pagination_next");
	if (nx != NULL && *page < *pages)
		*next = board_page_url(pg, html_attr(nx, "href"));
}

/* ---- thread pages ---- */

/* The post's date: span.post_date without the edit note; a relative
 * date ("Today") carries the full date in a title. */
static int64_t post_date(const struct board_page *pg, const struct html_node *post)
{
	struct html_node *d = find(post, "post_date");
	if (d == NULL)
		return 0;
	struct buf b = BUF_INIT;
	int64_t t = 0, title_only = 0;
	/* the title stands for the relative word it explains; it may hold the
	 * day alone ("07-14-2021"), its time following as text (", 10:30 AM"):
	 * the whole line first, the title by itself only when that fails */
	for (const struct html_node *k = d->children; k != NULL; k = k->next) {
		if (html_has_class(k, "post_edit"))
			continue;
		const char *title = html_is(k, HT_SPAN) ? html_attr(k, "title") : NULL;
		if (title != NULL && *title != '\0') {
			if (title_only == 0)
				title_only = board_page_date(pg, title);
			buf_adds(&b, title);
			continue;
		}
		if (k->type == HTML_TEXT)
			buf_add(&b, k->text, k->len);
		else
			html_text(k, &b);
	}
	if (b.len > 0) {
		char *s = xstrndup(b.p, b.len);
		char *c = s;
		while (is_space(*c))
			c++;
		size_t n = strlen(c);
		while (n > 0 && is_space(c[n - 1]))
			c[--n] = '\0';
		t = board_page_date(pg, c);
		free(s);
	}
	buf_free(&b);
	return t != 0 ? t : title_only;
}

static int parse_post(const struct board_page *pg, struct html_node *post, char *id,
		      struct forum_post *p, char **err)
{
	p->id = id;
	p->markup = MARKUP_HTML;
	p->deleted = html_has_class(post, "deleted_post");

	/* the author: the profile link in .author_information (guests: none) */
	struct html_node *info = find(post, "author_information");
	if (info == NULL)
		info = find(post, "post_author");
	struct html_node *name = info != NULL ? find(info, "largetext") : NULL;
	if (name == NULL && info != NULL)
		name = html_find(info, HT_STRONG, NULL);
	if (name != NULL) {
		struct html_node *a = html_find(name, HT_A, NULL);
		p->author = text_or_null(name);
		p->author_id = a != NULL ? link_id(html_attr(a, "href"), "uid", "user-") : NULL;
	}
	p->guest = p->author_id == NULL;
	p->date = post_date(pg, post);

	/* "#3" and the permalink in .post_head */
	struct html_node *head = find(post, "post_head");
	for (struct html_node *a = head != NULL ? html_find(head, HT_A, NULL) : NULL; a != NULL;
	     a = html_find_after(head, a, HT_A, NULL)) {
		char *t = html_text_dup(a);
		long v = t != NULL && t[0] == '#' ? print_number(t) : -1;
		free(t);
		char *pid = post_link_id(html_attr(a, "href"));
		if (pid != NULL && strcmp(pid, id) == 0 && p->url == NULL)
			p->url = board_page_url(pg, html_attr(a, "href"));
		free(pid);
		if (v > 0 && v < 100000000) {
			p->position = (int)v;
			break;
		}
	}
	if (p->url == NULL && pg->url != NULL) {
		char *rel = xasprintf("showthread.php?pid=%s#pid%s", id, id);
		p->url = board_page_url(pg, rel);
		free(rel);
	}

	char *bid = xasprintf("pid_%s", id);
	struct html_node *body = html_find_attr(post, "id", bid, 0);
	free(bid);
	if (body == NULL)
		body = find(post, "post_body");
	if (body == NULL && !p->deleted)
		return fg_error(err,
				"%s: post %s: no body (div#pid_%s.post_body): the template "
				"changed?",
				pg->name, id, id);
	p->body = body != NULL ? inner_html(pg, body) : xstrdup("");
	/* the first quote's source post: the link in its <cite> */
	struct html_node *q = body != NULL ? find(body, "mycode_quote") : NULL;
	struct html_node *cite = q != NULL ? html_find(q, HT_CITE, NULL) : NULL;
	for (struct html_node *a = cite != NULL ? html_find(cite, HT_A, NULL) : NULL;
	     a != NULL && p->parent_id == NULL; a = html_find_after(cite, a, HT_A, NULL))
		p->parent_id = post_link_id(html_attr(a, "href"));
	struct html_node *sig = find(post, "signature");
	if (sig != NULL) {
		char *s = inner_html(pg, sig);
		if (*s != '\0')
			p->signature = s;
		else
			free(s);
	}
	return 0;
}

static char *thread_id(const struct board_page *pg)
{
	const struct html_node *root = root_of(pg);
	char *id = thread_link_id(canonical(pg));
	if (id == NULL)
		id = thread_link_id(pg->url);
	for (struct html_node *i = id == NULL ? html_find(root, HT_INPUT, NULL) : NULL;
	     i != NULL && id == NULL; i = html_find_after(root, i, HT_INPUT, NULL)) {
		const char *n = html_attr(i, "name"), *v = html_attr(i, "value");
		if (n != NULL && strcmp(n, "tid") == 0 && v != NULL && all_digits(v, strlen(v)))
			id = xstrdup(v);
	}
	for (struct html_node *a = id == NULL ? html_find(root, HT_A, NULL) : NULL;
	     a != NULL && id == NULL; a = html_find_after(root, a, HT_A, NULL)) {
		const char *href = html_attr(a, "href");
		if (href != NULL && strstr(href, "newreply.php") != NULL)
			id = board_query(href, "tid");
	}
	return id;
}

/* The last forum link of the navigation (the breadcrumbs). */
static char *nav_forum(const struct board_page *pg, struct html_node **navp)
{
	struct html_node *nav = find(root_of(pg), "navigation");
	char *id = NULL;

	for (struct html_node *a = nav != NULL ? html_find(nav, HT_A, NULL) : NULL; a != NULL;
	     a = html_find_after(nav, a, HT_A, NULL)) {
		char *f = forum_link_id(html_attr(a, "href"));
		if (f != NULL) {
			free(id);
			id = f;
		}
	}
	if (navp != NULL)
		*navp = nav;
	return id;
}

static char *page_title(const struct board_page *pg)
{
	struct html_node *nav = find(root_of(pg), "navigation");
	struct html_node *active = nav != NULL ? find(nav, "active") : NULL;
	char *t = text_or_null(active);
	if (t == NULL)
		t = text_or_null(html_find(root_of(pg), HT_TITLE, NULL));
	return t;
}

static int parse_thread(const struct board_page *page, struct forum_thread **out, char **err)
{
	struct board_page tmp;
	const struct board_page *pg = with_base(page, &tmp);
	const struct html_node *root = root_of(pg);
	struct forum_thread *t = xcalloc(1, sizeof *t);

	*out = NULL;
	for (struct html_node *n = html_next(root, root); n != NULL;) {
		char *id = html_has_class(n, "post") ? prefixed_id(html_attr(n, "id"), "post_")
						     : NULL;
		if (id == NULL) {
			n = html_next(n, root);
			continue;
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
				"%s: no MyBB post (div.post#post_N): not a thread page, or "
				"the template changed",
				pg->name);
	}
	t->id = thread_id(pg);
	t->title = page_title(pg);
	if (t->id == NULL || t->title == NULL) {
		const char *what = t->id == NULL ? "id" : "title";
		forum_thread_free(t);
		return fg_error(err,
				"%s: no thread %s (canonical link, input tid, .navigation "
				".active)",
				pg->name, what);
	}
	t->board = nav_forum(pg, NULL);
	char *next = NULL;
	pagination(pg, &t->page, &t->pages, &next);
	free(next);
	if (t->page == 1)
		for (size_t i = 0; i < t->nposts; i++)
			if (t->posts[i].position == 0)
				t->posts[i].position = (int)i + 1;
	const char *c = canonical(pg);
	t->url = board_page_url(pg, c != NULL ? c : pg->url);
	if (find(root, "closed_button") != NULL)
		t->posting = FORUM_POSTING_NO;
	else if (find(root, "new_reply_button") != NULL || find(root, "quick_reply_form") != NULL ||
		 html_find_attr(root, "id", "quick_reply_form", 0) != NULL)
		t->posting = FORUM_POSTING_YES;
	*out = t;
	return 0;
}

/* ---- forum lists ---- */

/* Categories (tbody#cat_N_e under a thead naming them) and forums (the
 * rows of span#mark_read_N, with the sub-forum links of the row). top:
 * the parent of forums outside any category. */
static void forums_of(const struct board_page *pg, struct board_listing *l, const char *top)
{
	const struct html_node *root = root_of(pg);

	for (struct html_node *n = html_next(root, root); n != NULL; n = html_next(n, root)) {
		char *cid = infixed_id(html_attr(n, "id"), "cat_", "_e");
		if (cid == NULL)
			continue;
		struct html_node *table = html_ancestor(n, HT_TABLE, NULL);
		struct html_node *head = table != NULL ? find(table, "thead") : NULL;
		struct html_node *a = head != NULL ? html_find(head, HT_A, NULL) : NULL;
		board_listing_put_forum(l, cid, text_or_null(a != NULL ? a : head),
					a != NULL ? board_page_url(pg, html_attr(a, "href")) : NULL,
					NULL, 1, 0);
	}
	for (struct html_node *s = find_id_prefix(root, "mark_read_", NULL); s != NULL;
	     s = find_id_prefix(root, "mark_read_", s)) {
		char *id = prefixed_id(html_attr(s, "id"), "mark_read_");
		struct html_node *row = html_ancestor(s, HT_TR, NULL);
		if (row == NULL)
			row = s->parent;
		struct html_node *main = NULL;
		for (struct html_node *a = html_find(row, HT_A, NULL); a != NULL && main == NULL;
		     a = html_find_after(row, a, HT_A, NULL)) {
			char *f = forum_link_id(html_attr(a, "href"));
			if (f != NULL && strcmp(f, id) == 0)
				main = a;
			free(f);
		}
		char *parent = NULL;
		for (const struct html_node *up = row; up != NULL && parent == NULL;
		     up = up->parent)
			parent = infixed_id(html_attr(up, "id"), "cat_", "_e");
		if (parent == NULL && top != NULL)
			parent = xstrdup(top);
		int link = html_has_class(s, "forum_offlink") || html_has_class(s, "forum_link");
		board_listing_put_forum(l, xstrdup(id), text_or_null(main),
					main != NULL ? board_page_url(pg, html_attr(main, "href"))
						     : NULL,
					parent, 0, link);
		/* its sub-forums: the row's other forum links */
		for (struct html_node *a = html_find(row, HT_A, NULL); a != NULL;
		     a = html_find_after(row, a, HT_A, NULL)) {
			char *f = forum_link_id(html_attr(a, "href"));
			if (f == NULL || strcmp(f, id) == 0) {
				free(f);
				continue;
			}
			board_listing_put_forum(l, f, text_or_null(a),
						board_page_url(pg, html_attr(a, "href")),
						xstrdup(id), 0, 0);
		}
		free(id);
	}
}

static int parse_index(const struct board_page *page, struct board_listing *out, char **err)
{
	struct board_page tmp;
	const struct board_page *pg = with_base(page, &tmp);

	memset(out, 0, sizeof *out);
	forums_of(pg, out, NULL);
	if (out->nforums == 0) {
		board_listing_clear(out);
		return fg_error(err,
				"%s: no MyBB forum list (span#mark_read_N rows, "
				"tbody#cat_N_e): not the index, or the template changed",
				pg->name);
	}
	out->page = out->pages = 1;
	return 0;
}

/* ---- thread lists ---- */

static void topic_of(const struct board_page *pg, struct html_node *span, struct board_topic *t)
{
	struct html_node *row = html_ancestor(span, HT_TR, NULL);
	struct html_node *a = html_find(span, HT_A, NULL);

	if (row == NULL)
		row = span->parent;
	t->title = text_or_null(a != NULL ? a : span);
	t->url = a != NULL ? board_page_url(pg, html_attr(a, "href")) : NULL;
	for (struct html_node *td = html_find(row, HT_TD, NULL); td != NULL;
	     td = html_find_after(row, td, HT_TD, NULL))
		if (html_has_class(td, "forumdisplay_sticky"))
			t->sticky = 1;
	/* moved: the "moved" status icon or the "Moved:" prefix */
	struct html_node *status = find(row, "thread_status");
	const char *sc = html_attr(status, "class");
	t->moved = sc != NULL && strstr(sc, "move") != NULL;
	/* replies: the MyBB.whoPosted link */
	for (struct html_node *l = html_find(row, HT_A, NULL); l != NULL;
	     l = html_find_after(row, l, HT_A, NULL)) {
		const char *href = html_attr(l, "href");
		if (href != NULL && (strstr(href, "whoPosted") != NULL ||
				     strstr(href, "action=whoposted") != NULL)) {
			char *v = text_or_null(l);
			t->replies = print_number(v);
			free(v);
		}
		/* pages: the thread's own page links ("(Pages: 1 2 3)") */
		int p = link_page(href);
		char *tid = p > 0 ? thread_link_id(href) : NULL;
		if (tid != NULL && t->id != NULL && strcmp(tid, t->id) == 0 && p > t->pages)
			t->pages = p;
		free(tid);
	}
	struct html_node *lp = find(row, "lastpost");
	if (lp != NULL) {
		/* the text before the first <br>, or a title holding the date */
		struct buf b = BUF_INIT;
		for (const struct html_node *k = lp->children; k != NULL && !html_is(k, HT_BR);
		     k = k->next) {
			const char *title = html_is(k, HT_SPAN) ? html_attr(k, "title") : NULL;
			if (title != NULL && (t->last_post = board_page_date(pg, title)) != 0)
				break;
			if (title != NULL)
				buf_adds(&b, title);
			else if (k->type == HTML_TEXT)
				buf_add(&b, k->text, k->len);
			else
				html_text(k, &b);
		}
		if (t->last_post == 0 && b.len > 0) {
			char *s = xstrndup(b.p, b.len), *c = s;
			while (is_space(*c))
				c++;
			size_t n = strlen(c);
			while (n > 0 && is_space(c[n - 1]))
				c[--n] = '\0';
			t->last_post = board_page_date(pg, c);
			free(s);
		}
		buf_free(&b);
		for (struct html_node *l = html_find(lp, HT_A, NULL);
		     l != NULL && t->last_post_id == NULL; l = html_find_after(lp, l, HT_A, NULL))
			t->last_post_id = post_link_id(html_attr(l, "href"));
	}
}

static int parse_forum(const struct board_page *page, struct board_listing *out, char **err)
{
	struct board_page tmp;
	const struct board_page *pg = with_base(page, &tmp);
	const struct html_node *root = root_of(pg);

	memset(out, 0, sizeof *out);
	out->forum_id = forum_link_id(canonical(pg));
	if (out->forum_id == NULL)
		out->forum_id = forum_link_id(pg->url);
	for (struct html_node *a = out->forum_id == NULL ? html_find(root, HT_A, NULL) : NULL;
	     a != NULL && out->forum_id == NULL; a = html_find_after(root, a, HT_A, NULL)) {
		const char *href = html_attr(a, "href");
		if (href != NULL && strstr(href, "newthread.php") != NULL)
			out->forum_id = board_query(href, "fid");
	}
	struct html_node *nav = find(root, "navigation");
	out->title = text_or_null(nav != NULL ? find(nav, "active") : NULL);

	for (struct html_node *s = find_id_prefix(root, "tid_", NULL); s != NULL;
	     s = find_id_prefix(root, "tid_", s)) {
		struct board_topic *t = board_listing_add_topic(out);
		t->id = prefixed_id(html_attr(s, "id"), "tid_");
		topic_of(pg, s, t);
		if (t->title == NULL) {
			board_listing_clear(out);
			return fg_error(err, "%s: thread %s of the list has no title", pg->name,
					html_attr(s, "id"));
		}
	}
	forums_of(pg, out, out->forum_id);
	/* no thread: the list's sort header or "post thread" button says it
	 * is a thread list (an empty one); else the template changed */
	if (out->ntopics == 0 && html_find_attr(root, "href", "newthread.php", 1) == NULL &&
	    !raw_has(pg, "sortby=subject") && !raw_has(pg, "sortby=lastpost")) {
		board_listing_clear(out);
		return fg_error(err,
				"%s: no MyBB thread list (rows with span#tid_N): not a forum "
				"page, or the template changed",
				pg->name);
	}
	pagination(pg, &out->page, &out->pages, &out->next_url);
	return 0;
}

/* ---- login and messages ---- */

static char *message(const struct board_page *pg)
{
	const struct html_node *root = root_of(pg);

	/* inline errors: div.error with a list */
	struct html_node *e = find(root, "error");
	if (e != NULL) {
		struct html_node *ul = html_find(e, HT_UL, NULL);
		char *t = text_or_null(ul != NULL ? ul : e);
		if (t != NULL)
			return t;
	}
	/* the error and no-permission pages: a table of a head row and one
	 * trow1 cell, on a page without posts or lists */
	if (find_id_prefix(root, "pid_", NULL) != NULL ||
	    find_id_prefix(root, "tid_", NULL) != NULL)
		return NULL;
	for (struct html_node *t = find(root, "tborder"); t != NULL;
	     t = find_after(root, t, "tborder")) {
		struct html_node *r1 = html_find(t, HT_TR, NULL);
		struct html_node *r2 = r1 != NULL ? html_find_after(t, r1, HT_TR, NULL) : NULL;
		if (r2 == NULL || find(r1, "thead") == NULL)
			continue;
		struct html_node *cell = html_find(r2, HT_TD, NULL);
		if (cell == NULL || !html_has_class(cell, "trow1") ||
		    html_find_after(r2, cell, HT_TD, NULL) != NULL ||
		    html_find(cell, HT_INPUT, NULL) != NULL)
			continue;
		/* no-permission pages add a list of reasons: the first line says it */
		char *txt = text_or_null(cell);
		if (txt != NULL)
			return txt;
	}
	return NULL;
}

static int logged_in(const struct board_page *pg)
{
	for (struct html_node *a = html_find(root_of(pg), HT_A, NULL); a != NULL;
	     a = html_find_after(root_of(pg), a, HT_A, NULL)) {
		const char *href = html_attr(a, "href");
		if (href != NULL && strstr(href, "action=logout") != NULL &&
		    strstr(href, "logoutkey=") != NULL)
			return 1;
	}
	return 0;
}

static int login_form(const struct board_page *pg, const char *user, const char *password,
		      struct board_form *out, char **err)
{
	struct html_node *f = login_form_node(pg, 0);
	int quick = f == NULL;

	memset(out, 0, sizeof *out);
	if (f == NULL)
		f = login_form_node(pg, 1);
	if (f == NULL)
		return fg_error(err, "%s: no MyBB login form (form with action=do_login)",
				pg->name);
	if (has_captcha(pg))
		return fg_error(err,
				"%s: the board wants a CAPTCHA solved to log in: log in "
				"once with a browser, then try again",
				pg->name);
	if (board_form_read(pg, f, out) < 0)
		return fg_error(err, "%s: cannot read the login form", pg->name);
	board_form_set(out, quick ? "quick_username" : "username", user);
	board_form_set(out, quick ? "quick_password" : "password", password);
	board_form_set(out, quick ? "quick_remember" : "remember", "yes");
	return 0;
}

static int login_result(const struct board_page *pg, char **err)
{
	if (logged_in(pg))
		return 1;
	if (has_captcha(pg)) {
		fg_error(err,
			 "%s: the board wants a CAPTCHA solved (image verification): log in "
			 "once with a browser, then try again",
			 pg->name);
		return 0;
	}
	char *m = message(pg);
	if (m != NULL)
		fg_error(err, "%s: login refused: %s", pg->name, m);
	else
		fg_error(err, "%s: not logged in (no logout link) and no error shown", pg->name);
	free(m);
	return 0;
}

const struct board_engine board_mybb = {
	.name = "mybb",
	.detect = detect,
	.kind = kind,
	.index_url = index_url,
	.forum_url = forum_url,
	.thread_url = thread_url,
	.parse_index = parse_index,
	.parse_forum = parse_forum,
	.parse_thread = parse_thread,
	.feed_url = NULL,
	.parse_feed = NULL,
	.login_url = login_url,
	.login_form = login_form,
	.login_result = login_result,
	.logged_in = logged_in,
	.reply_url = NULL,
	.new_thread_url = NULL,
	.post_form = NULL,
	.post_result = NULL,
	.message = message,
};
