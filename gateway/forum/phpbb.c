/*
 * phpbb: the board engine for phpBB 3.0-3.3 (see board.h): prosilver and
 * the styles derived from it (3.0's and 3.1+'s markup), and subsilver2.
 *
 * Stable markers, by page:
 *  - thread (viewtopic.php): prosilver posts are div.post with id "pN"
 *    (N = post id) holding .postbody > .content (the message), p.author
 *    (the author's memberlist.php?mode=viewprofile&u=N link, or a bare
 *    name for guests; the date after it, or <time datetime> in 3.2+),
 *    h3 (the post subject), div.signature, div.notice ("Last edited by",
 *    left out) and dl.attachbox. subsilver2 posts start at <a name="pN">
 *    in a table.tablebg holding b.postauthor, div.postbody (the message,
 *    then the signature after its "_________________" line) and the
 *    "Posted:" date beside the viewtopic.php?p=N link.
 *  - forum (viewforum.php): a.topictitle in li.row (prosilver) or in a
 *    table row (subsilver2); sticky/announcement and moved topics are told
 *    by the row's classes or icon names (sticky_, announce_, topic_moved),
 *    replies by dd.posts (p.topicdetails), the last post by dd.lastpost
 *    (the last cell).
 *  - index: a.forumtitle (prosilver), a.forumlink (subsilver2),
 *    a.subforum, category headings li.header dt a / td.cat a.
 *  - pagination: the .pagination block outside the topic rows (subsilver2:
 *    the row of td.nav): "Page 2 of 10" in any language is "number word
 *    number"; the page size is read from its start= links.
 * Dates: <time datetime> when printed, else the text through
 * board_page_date().
 */
#include "board.h"

#include <ctype.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "forumgate/buf.h"

/* phpBB's defaults (ACP "Topics per page", "Posts per page") */
#define TOPICS_PER_PAGE 25
#define POSTS_PER_PAGE 10

/* ---- small helpers ---- */

static const struct html_node *root_of(const struct board_page *pg)
{
	return &pg->doc.root;
}

static int is_space_at(const char *s)
{
	return *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' ||
	       ((unsigned char)s[0] == 0xc2 && (unsigned char)s[1] == 0xa0);
}

static size_t space_len(const char *s)
{
	return (unsigned char)*s == 0xc2 ? 2 : 1;
}

/* Trims ASCII whitespace and U+00A0 at both ends, in place. */
static char *trim(char *s)
{
	char *p = s;

	if (s == NULL)
		return NULL;
	while (*p != '\0' && is_space_at(p))
		p += space_len(p);
	size_t n = strlen(p);
	while (n > 0 &&
	       (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\n' || p[n - 1] == '\r' ||
		(n > 1 && (unsigned char)p[n - 2] == 0xc2 && (unsigned char)p[n - 1] == 0xa0)))
		n -= (unsigned char)p[n - 1] == 0xa0 ? 2 : 1;
	memmove(s, p, n);
	s[n] = '\0';
	return s;
}

/* The text of n as shown, trimmed; NULL when empty. */
static char *text_or_null(const struct html_node *n)
{
	if (n == NULL)
		return NULL;
	char *t = trim(html_text_dup(n));
	if (t != NULL && *t == '\0') {
		free(t);
		return NULL;
	}
	return t;
}

static int all_digits(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* A small positive number written alone ("12"), else 0. */
static int small_number(const char *s)
{
	if (!all_digits(s) || strlen(s) > 8)
		return 0;
	return atoi(s);
}

/* The number at the start of s ("1,247 posts", "1.247 Beiträge"), -1 if
 * s does not start with one. Thousands separators: ',', '.', ' ', '\''
 * followed by exactly three digits. */
static long lead_number(const char *s)
{
	long v = 0;

	while (*s != '\0' && is_space_at(s))
		s += space_len(s);
	if (!isdigit((unsigned char)*s))
		return -1;
	for (;;) {
		if (isdigit((unsigned char)*s)) {
			if (v > 100000000000L)
				return -1;
			v = v * 10 + (*s - '0');
			s++;
		} else if ((*s == ',' || *s == '.' || *s == '\'' || *s == ' ') &&
			   isdigit((unsigned char)s[1]) && isdigit((unsigned char)s[2]) &&
			   isdigit((unsigned char)s[3]) && !isdigit((unsigned char)s[4])) {
			s++;
		} else {
			break;
		}
	}
	return v;
}

/* The post id of a link to a post: "viewtopic.php?p=12#p12", "#p12". */
static char *href_post(const char *href)
{
	if (href == NULL)
		return NULL;
	const char *h = strstr(href, "#p");
	if (h != NULL && isdigit((unsigned char)h[2]))
		return xstrndup(h + 2, strspn(h + 2, "0123456789"));
	char *p = board_query(href, "p");
	if (p != NULL && all_digits(p))
		return p;
	free(p);
	return NULL;
}

/* A query parameter that is a number, else NULL. */
static char *num_param(const char *href, const char *key)
{
	char *v = board_query(href, key);
	if (v != NULL && all_digits(v))
		return v;
	free(v);
	return NULL;
}

static int href_has(const struct html_node *a, const char *needle)
{
	const char *h = html_attr(a, "href");
	return h != NULL && strstr(h, needle) != NULL;
}

static int is_member_link(const struct html_node *a)
{
	return html_is(a, HT_A) && href_has(a, "memberlist.php") && href_has(a, "mode=viewprofile");
}

/* n is root or below it. */
static int inside(const struct html_node *n, const struct html_node *root)
{
	for (; n != NULL; n = n->parent)
		if (n == root)
			return 1;
	return 0;
}

/* The form whose id is exactly `id` (board_form_find matches parts:
 * "postform" would also find viewtopic's quick reply "qr_postform"). */
static int form_by_id(const struct board_page *pg, const char *id, struct board_form *out)
{
	const struct html_node *root = root_of(pg);

	for (const struct html_node *f = html_find(root, HT_FORM, NULL); f != NULL;
	     f = html_find_after(root, f, HT_FORM, NULL)) {
		const char *v = html_attr(f, "id");
		if (v != NULL && strcmp(v, id) == 0)
			return board_form_read(pg, f, out);
	}
	memset(out, 0, sizeof *out);
	return -1;
}

/* An element named `name` (HTML5 tags the parser does not know: <time>). */
static struct html_node *find_named(const struct html_node *root, const char *name)
{
	for (struct html_node *n = (struct html_node *)root; n != NULL; n = html_next(n, root))
		if (html_is_named(n, name))
			return n;
	return NULL;
}

/* Whether the class, style or src attribute of an element below root
 * (root included) mentions `needle` (icon names: "sticky_read",
 * "topic_moved", "forum_link"). */
static int mentions(const struct html_node *root, const char *needle)
{
	for (const struct html_node *n = root; n != NULL; n = html_next(n, root)) {
		if (n->type != HTML_ELEMENT)
			continue;
		static const char *const attrs[] = {"class", "style", "src"};
		for (size_t i = 0; i < 3; i++) {
			const char *v = html_attr(n, attrs[i]);
			if (v != NULL && strstr(v, needle) != NULL)
				return 1;
		}
	}
	return 0;
}

/* Appends s HTML-escaped. */
static void esc(struct buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&':
			buf_adds(b, "&amp;");
			break;
		case '<':
			buf_adds(b, "&lt;");
			break;
		case '>':
			buf_adds(b, "&gt;");
			break;
		case '"':
			buf_adds(b, "&quot;");
			break;
		default:
			buf_addc(b, *s);
		}
	}
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

/* A board-relative link made absolute ("./viewtopic.php?t=3"), with no
 * session id: links on the page carry the reader's sid. */
static char *page_link(const struct board_page *pg, const char *fmt, const char *id)
{
	char *rel = xasprintf(fmt, id);
	char *u = board_page_url(pg, rel);
	free(rel);
	return u;
}

static int64_t iso_date(const char *s)
{
	int64_t t;

	if (s == NULL || forum_parse_date(s, NULL, (int64_t)time(NULL), &t) < 0)
		return 0;
	return t;
}

/* Drops the sid= parameter (the reader's session) from an absolute URL,
 * in place; returns u. */
static char *strip_sid(char *u)
{
	char *q = u != NULL ? strchr(u, '?') : NULL;

	while (q != NULL) {
		char *p = q + 1;
		if (strncmp(p, "sid=", 4) == 0) {
			size_t n = strcspn(p, "&#");
			if (p[n] == '&') {
				memmove(p, p + n + 1, strlen(p + n + 1) + 1);
				continue;
			}
			memmove(q, p + n, strlen(p + n) + 1); /* the last one: its '?'/'&' goes */
			break;
		}
		q = strchr(p, '&');
		if (q == NULL || (strchr(p, '#') != NULL && strchr(p, '#') < q))
			break;
	}
	return u;
}

static int login_form_of(const struct board_page *pg, struct board_form *f);

/* ---- pagination ---- */

struct pag {
	int page, pages;
	long total;   /* "247 posts", -1 = not shown */
	int per_page; /* from the start= of the page links; 0 = unknown */
	char *link;   /* absolute URL of one page link (for page_url) */
	char *next;   /* absolute URL of page+1 */
};

static void pag_clear(struct pag *p)
{
	free(p->link);
	free(p->next);
	memset(p, 0, sizeof *p);
}

/* "Page 2 of 10", "Seite 2 von 10", "Страница 2 из 10": the first number,
 * word, number in the text. */
static int page_of(const char *t, int *page, int *pages)
{
	int state = 0;
	long first = 0;

	while (*t != '\0') {
		while (*t != '\0' && is_space_at(t))
			t += space_len(t);
		if (*t == '\0')
			break;
		const char *e = t;
		while (*e != '\0' && !is_space_at(e))
			e++;
		size_t n = (size_t)(e - t);
		int digits = 1, letter = 0;
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)t[i];
			if (!isdigit(c))
				digits = 0;
			if (isalpha(c) || c >= 0x80)
				letter = 1;
		}
		if (digits && n < 9) {
			long v = atol(t);
			if (state == 2 && first >= 1 && v >= first) {
				*page = (int)first;
				*pages = (int)v;
				return 1;
			}
			state = 1;
			first = v;
		} else if (letter && !digits && state == 1) {
			state = 2;
		} else {
			state = 0;
		}
		t = e;
	}
	return 0;
}

static int in_item(const struct html_node *n)
{
	return html_ancestor(n, HT_LI, "row") != NULL || html_ancestor(n, HT_DT, NULL) != NULL ||
	       html_ancestor(n, HT_UNKNOWN, "post") != NULL;
}

/* The page's own pagination block (not a topic row's page links). */
static const struct html_node *find_pagination(const struct board_page *pg)
{
	const struct html_node *root = root_of(pg);

	for (const struct html_node *n = root; n != NULL; n = html_next(n, root))
		if (n->type == HTML_ELEMENT && html_has_class(n, "pagination") && !in_item(n))
			return n;
	/* subsilver2: <td class="nav">Page <strong>2</strong> of ...</td> in
	 * the row that also holds "[ 247 posts ]" and the page links */
	for (const struct html_node *td = html_find(root, HT_TD, "nav"); td != NULL;
	     td = html_find_after(root, td, HT_TD, "nav")) {
		char *t = html_text_dup(td);
		int a, b, ok = page_of(t, &a, &b);
		free(t);
		if (ok)
			return html_is(td->parent, HT_TR) ? td->parent : td;
	}
	return NULL;
}

static void read_pagination(const struct board_page *pg, const struct html_node *blk,
			    struct pag *out)
{
	memset(out, 0, sizeof *out);
	out->total = -1;
	if (blk == NULL)
		return;
	char *t = html_text_dup(blk);
	page_of(t, &out->page, &out->pages);
	/* "247 posts • Page 2 of 10"; subsilver2 "[ 247 posts ]" */
	long tot = lead_number(t);
	if (tot < 0) {
		const char *br = strchr(t, '[');
		if (br != NULL)
			tot = lead_number(br + 1);
	}
	out->total = tot;
	free(t);

	int maxk = 0;
	const char *links[64];
	int ks[64];
	size_t nl = 0;
	for (const struct html_node *a = html_find(blk, HT_A, NULL); a != NULL;
	     a = html_find_after(blk, a, HT_A, NULL)) {
		const char *href = html_attr(a, "href");
		if (href == NULL || href[0] == '#' || strncmp(href, "javascript:", 11) == 0)
			continue;
		const char *rel = html_attr(a, "rel");
		if (rel != NULL && strcmp(rel, "next") == 0 && out->next == NULL)
			out->next = strip_sid(board_page_url(pg, href));
		char *lt = trim(html_text_dup(a));
		int k = small_number(lt);
		free(lt);
		if (k <= 0)
			continue;
		if (k > maxk)
			maxk = k;
		char *s = num_param(href, "start");
		long start = s != NULL ? strtol(s, NULL, 10) : 0;
		free(s);
		/* start = (k - 1) * page size; ACP caps the size well below 10000 */
		if (k > 1 && start > 0 && start % (k - 1) == 0 && start / (k - 1) <= 10000 &&
		    out->per_page == 0)
			out->per_page = (int)(start / (k - 1));
		if (out->link == NULL)
			out->link = board_page_url(pg, href);
		if (nl < 64) {
			links[nl] = href;
			ks[nl++] = k;
		}
	}
	if (out->page == 0) {
		/* 3.1+ without "Page x of y": li.active; 3.0: a bare <strong> */
		const struct html_node *act = html_find(blk, HT_LI, "active");
		if (act == NULL)
			for (act = html_find(blk, HT_STRONG, NULL); act != NULL;
			     act = html_find_after(blk, act, HT_STRONG, NULL))
				if (html_ancestor(act, HT_A, NULL) == NULL)
					break;
		char *at = act != NULL ? trim(html_text_dup(act)) : NULL;
		out->page = small_number(at);
		free(at);
		if (out->page > 0)
			out->pages = out->page > maxk ? out->page : maxk;
	}
	if (out->next == NULL && out->page > 0 && out->page < out->pages)
		for (size_t i = 0; i < nl; i++)
			if (ks[i] == out->page + 1) {
				out->next = strip_sid(board_page_url(pg, links[i]));
				break;
			}
}

/* The URL of page `page` from the page's pagination links. */
static char *phpbb_page_url(const struct board_page *pg, int page)
{
	struct pag pa;
	char *out = NULL;

	read_pagination(pg, find_pagination(pg), &pa);
	const char *from = pa.link != NULL ? pa.link : pg->url;
	if (from != NULL && page >= 1) {
		int per = pa.per_page;
		if (per == 0)
			per = (strstr(from, "viewforum.php") != NULL) ? TOPICS_PER_PAGE
								      : POSTS_PER_PAGE;
		/* the link without its start= and sid= */
		struct buf b = BUF_INIT;
		const char *q = strchr(from, '?');
		const char *hash = strchr(from, '#');
		size_t end = hash != NULL ? (size_t)(hash - from) : strlen(from);
		if (q == NULL || (hash != NULL && q > hash)) {
			buf_add(&b, from, end);
		} else {
			buf_add(&b, from, (size_t)(q - from));
			char sep = '?';
			for (const char *p = q + 1; p < from + end;) {
				const char *e = p + strcspn(p, "&#");
				if (e > from + end)
					e = from + end;
				if (strncmp(p, "start=", 6) != 0 && strncmp(p, "sid=", 4) != 0 &&
				    strncmp(p, "amp;", 4) != 0 && e > p) {
					buf_addc(&b, sep);
					buf_add(&b, p, (size_t)(e - p));
					sep = '&';
				}
				p = *e == '&' ? e + 1 : e;
				if (*e != '&')
					break;
			}
			if (page > 1)
				buf_addf(&b, "%cstart=%ld", sep, (long)(page - 1) * per);
		}
		out = buf_detach(&b);
	}
	pag_clear(&pa);
	return out;
}

/* ---- detection ---- */

static int phpbb_detect(const struct board_page *pg)
{
	const char *h = pg->html;
	int score = 0;

	if (h == NULL)
		return 0;
	/* prosilver's <body id="phpbb">; the html parser keeps no <body> */
	if (strcasestr(h, "<body id=\"phpbb\"") != NULL)
		score += 50;
	const char *pw = strcasestr(h, "Powered by");
	if (pw != NULL && strcasestr(pw, "phpBB") != NULL &&
	    (size_t)(strcasestr(pw, "phpBB") - pw) < 200)
		score += 40;
	if (strcasestr(h, "styles/prosilver") != NULL ||
	    strcasestr(h, "styles/subsilver2") != NULL || strcasestr(h, "phpbb") != NULL)
		score += 15;
	if (strstr(h, "viewtopic.php") != NULL || strstr(h, "viewforum.php") != NULL)
		score += 15;
	if (strstr(h, "memberlist.php?mode=viewprofile") != NULL ||
	    strstr(h, "ucp.php?mode=") != NULL)
		score += 15;
	if (strstr(h, "class=\"postbody\"") != NULL && strstr(h, "id=\"p") != NULL)
		score += 10;
	/* 100 is for a generator meta, which phpBB does not print */
	return score > 95 ? 95 : score;
}

/* ---- posts ---- */

/* "p123": a post container's id. */
static const char *post_id_of(const struct html_node *n)
{
	const char *id = html_attr(n, "id");
	if (id != NULL && id[0] == 'p' && all_digits(id + 1) && strlen(id + 1) < 19)
		return id + 1;
	return NULL;
}

static int is_prosilver_post(const struct html_node *n)
{
	return n->type == HTML_ELEMENT && html_has_class(n, "post") && post_id_of(n) != NULL;
}

static int is_subsilver_anchor(const struct html_node *n)
{
	if (!html_is(n, HT_A))
		return 0;
	const char *name = html_attr(n, "name");
	return name != NULL && name[0] == 'p' && all_digits(name + 1) && strlen(name + 1) < 19;
}

struct tctx {
	const struct board_page *pg;
	struct forum_thread *t;
	int bad_dates;
	char *bad_date; /* the first date text not understood */
};

static void note_date(struct tctx *cx, struct forum_post *p, const char *text)
{
	if (text == NULL || *text == '\0')
		return;
	p->date = board_page_date(cx->pg, text);
	if (p->date == 0) {
		cx->bad_dates++;
		if (cx->bad_date == NULL)
			cx->bad_date = xstrdup(text);
	}
}

static int hex32(const char *s)
{
	for (int i = 0; i < 32; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return !isxdigit((unsigned char)s[32]);
}

/* Cuts the reader's session id out of the links in serialized HTML
 * ("./viewtopic.php?p=4&amp;sid=<32 hex>#p4"): phpBB adds it until the
 * session cookie is seen, and a body that changes with the session would
 * look edited. */
static void strip_html_sids(struct buf *b)
{
	size_t w = 0;

	if (b->len < 37 || memmem(b->p, b->len, "sid=", 4) == NULL)
		return; /* most bodies: one pass of memmem, not a compare a byte */
	for (size_t r = 0; r < b->len;) {
		const char *p = b->p + r;
		if (b->len - r > 36 && strncmp(p + 1, "sid=", 4) == 0 &&
		    (p[0] == '?' || p[0] == ';' || p[0] == '&') && hex32(p + 5)) {
			if (p[0] == '?') {
				/* "?sid=X&amp;rest" → "?rest"; "?sid=X" → "" */
				if (strncmp(p + 37, "&amp;", 5) == 0) {
					b->p[w++] = '?';
					r += 42;
				} else {
					r += 37;
				}
				continue;
			}
			if (p[0] == ';' && w >= 4 && strncmp(b->p + w - 4, "&amp", 4) == 0) {
				w -= 4; /* "&amp;sid=X" */
				r += 37;
				continue;
			}
			if (p[0] == '&') {
				r += 37;
				continue;
			}
		}
		b->p[w++] = b->p[r++];
	}
	buf_truncate(b, w);
}

/* Cuts the first copy of what[0..len) out of out. */
static void cut(struct buf *out, const struct buf *what)
{
	char *at = what->len > 0 ? memmem(out->p, out->len, what->p, what->len) : NULL;

	if (at == NULL)
		return;
	size_t off = (size_t)(at - out->p);
	memmove(at, at + what->len, out->len - off - what->len);
	buf_truncate(out, out->len - what->len);
}

/* Serialized inner HTML of the message with the view/download counters of
 * its inline attachments cut ("(12 KiB) Viewed 50 times": the last dd of a
 * dl.file, the title of a dl.thumbnail's image): they change with every
 * reader and would make the post look edited. The serializer writes the
 * same bytes for a node alone as inside its parent, so the node's own
 * serialization is found and cut. */
static void body_html(const struct html_node *content, struct buf *out)
{
	html_serialize(content, 0, out);
	struct buf *tmp = buf_scratch();
	for (const struct html_node *dl = html_find(content, HT_DL, NULL); dl != NULL;
	     dl = html_find_after(content, dl, HT_DL, NULL)) {
		if (html_has_class(dl, "file")) {
			const struct html_node *last = NULL;
			for (const struct html_node *dd = dl->children; dd != NULL; dd = dd->next)
				if (html_is(dd, HT_DD))
					last = dd;
			if (last != NULL) {
				buf_truncate(tmp, 0);
				html_serialize(last, 1, tmp);
				cut(out, tmp);
			}
		} else if (html_has_class(dl, "thumbnail")) {
			for (const struct html_node *img = html_find(dl, HT_IMG, NULL); img != NULL;
			     img = html_find_after(dl, img, HT_IMG, NULL)) {
				const char *title = html_attr(img, "title");
				if (title == NULL)
					continue;
				buf_truncate(tmp, 0);
				buf_adds(tmp, " title=\"");
				esc(tmp, title);
				buf_addc(tmp, '"');
				cut(out, tmp);
			}
		}
	}
	buf_scratch_put(tmp);
	strip_html_sids(out);
}

/* Attachments outside the message (dl.attachbox; subsilver2's table):
 * appended to the body as links and images, which text_html footnotes;
 * their sizes and counters are left out. `skip1`/`skip2`: subtrees not to
 * look in (the message, the signature). */
static void append_attachments(const struct board_page *pg, const struct html_node *scope,
			       const struct html_node *skip1, const struct html_node *skip2,
			       struct buf *out)
{
	int first = 1;

	if (scope == NULL)
		return;
	for (const struct html_node *n = scope; n != NULL;) {
		if (n == skip1 || n == skip2) {
			n = html_skip(n, scope);
			continue;
		}
		int is_a = html_is(n, HT_A) && href_has(n, "download/file.php");
		const char *src = html_is(n, HT_IMG) ? html_attr(n, "src") : NULL;
		int is_img = src != NULL && strstr(src, "download/file.php") != NULL;
		if (!is_a && !is_img) {
			n = html_next(n, scope);
			continue;
		}
		buf_adds(out, first ? "\n<p>" : "<br>");
		first = 0;
		char *url = strip_sid(board_page_url(pg, is_a ? html_attr(n, "href") : src));
		const char *raw = is_a ? html_attr(n, "href") : src;
		if (is_a) {
			char *label = text_or_null(n);
			if (label == NULL) {
				const struct html_node *img = html_find(n, HT_IMG, NULL);
				label = xstrdup(img != NULL ? html_attr(img, "alt") : NULL);
			}
			buf_adds(out, "<a href=\"");
			esc(out, url != NULL ? url : raw);
			buf_adds(out, "\">");
			esc(out, label != NULL ? label : "attachment");
			buf_adds(out, "</a>");
			free(label);
			n = html_skip(n, scope);
		} else {
			buf_adds(out, "<img src=\"");
			esc(out, url != NULL ? url : raw);
			buf_adds(out, "\" alt=\"");
			esc(out, html_attr(n, "alt"));
			buf_adds(out, "\">");
			n = html_next(n, scope);
		}
		free(url);
	}
	if (!first)
		buf_adds(out, "</p>");
}

/* The source post of the first quote of the message: 3.1+ puts a link to
 * it in the <cite> (data-post-id in 3.2+). */
static char *first_quote_source(const struct html_node *content)
{
	const struct html_node *q = html_find(content, HT_BLOCKQUOTE, NULL);
	if (q == NULL)
		return NULL;
	const struct html_node *cite = html_find(q, HT_CITE, NULL);
	if (cite != NULL && html_ancestor(cite, HT_BLOCKQUOTE, NULL) == q) {
		for (const struct html_node *a = html_find(cite, HT_A, NULL); a != NULL;
		     a = html_find_after(cite, a, HT_A, NULL)) {
			const char *dp = html_attr(a, "data-post-id");
			if (dp != NULL && all_digits(dp))
				return xstrdup(dp);
			if (href_has(a, "viewtopic.php") || href_has(a, "#p")) {
				char *id = href_post(html_attr(a, "href"));
				if (id != NULL)
					return id;
			}
		}
	}
	const char *c = html_attr(q, "cite");
	return c != NULL && strstr(c, "viewtopic.php") != NULL ? href_post(c) : NULL;
}

/* The author of a prosilver post from p.author (or dl.postprofile):
 * returns the element holding the name, for the date after it. */
static const struct html_node *post_author(const struct html_node *scope,
					   const struct html_node *profile, struct forum_post *p)
{
	const struct html_node *a = NULL, *name = NULL;

	for (const struct html_node *k = html_find(scope, HT_A, NULL); k != NULL;
	     k = html_find_after(scope, k, HT_A, NULL))
		if (is_member_link(k)) {
			a = k;
			break;
		}
	if (a != NULL) {
		p->author = text_or_null(a);
		p->author_id = num_param(html_attr(a, "href"), "u");
		name = a;
	} else {
		name = html_find(scope, HT_SPAN, "username");
		if (name == NULL)
			name = html_find(scope, HT_SPAN, "username-coloured");
		if (name == NULL)
			name = html_find(scope, HT_STRONG, NULL);
		if (name == NULL)
			return NULL;
		p->author = text_or_null(name);
		/* no profile link: a guest, unless the profile column shows a
		 * member's post count or join date (profiles hidden from the
		 * reader: no links for anyone) */
		int member = profile != NULL &&
			     (html_find(profile, HT_DD, "profile-joined") != NULL ||
			      html_find(profile, HT_DD, "profile-posts") != NULL ||
			      (html_find(profile, HT_DD, NULL) != NULL &&
			       html_find(html_find(profile, HT_DD, NULL), HT_STRONG, NULL) !=
				       NULL));
		p->guest = p->author != NULL && !member;
	}
	const struct html_node *strong = html_ancestor(name, HT_STRONG, NULL);
	return strong != NULL && html_ancestor(strong, HT_P, NULL) != NULL ? strong : name;
}

/* The date in p.author: <time datetime>, else the text after the name. */
static void post_date(struct tctx *cx, const struct html_node *auth, const struct html_node *after,
		      struct forum_post *p)
{
	const struct html_node *tm = find_named(auth, "time");
	if (tm != NULL && html_attr(tm, "datetime") != NULL) {
		p->date = iso_date(html_attr(tm, "datetime"));
		if (p->date != 0)
			return;
	}
	struct buf b = BUF_INIT;
	if (inside(after, auth)) {
		for (const struct html_node *k = html_skip(after, auth); k != NULL;
		     k = html_next(k, auth))
			if (k->type == HTML_TEXT) {
				buf_add(&b, k->text, k->len);
				buf_addc(&b, ' ');
			}
	} else {
		char *all = html_text_dup(auth);
		const char *r = strstr(all, "\xC2\xBB");
		buf_adds(&b, r != NULL ? r : "");
		free(all);
	}
	char *s = trim(buf_detach(&b));
	char *d = s;
	/* "» Sun May 26, 2019 4:34 pm" */
	while (strncmp(d, "\xC2\xBB", 2) == 0 || *d == '-' || *d == ',' || *d == ':' ||
	       is_space_at(d))
		d += strncmp(d, "\xC2\xBB", 2) == 0 ? 2 : is_space_at(d) ? space_len(d) : 1;
	/* collapse the runs of whitespace the template leaves */
	char *w = d, *r = d;
	int sp = 0;
	for (; *r != '\0'; r++) {
		if (*r == ' ' || *r == '\t' || *r == '\n' || *r == '\r') {
			sp = 1;
			continue;
		}
		if (sp && w > d)
			*w++ = ' ';
		sp = 0;
		*w++ = *r;
	}
	*w = '\0';
	note_date(cx, p, d);
	free(s);
}

static int post_prosilver(struct tctx *cx, const struct html_node *box, struct forum_post *p,
			  char **err)
{
	const struct board_page *pg = cx->pg;
	const char *pid = post_id_of(box);
	const struct html_node *pb = html_find(box, HT_UNKNOWN, "postbody");
	const struct html_node *scope = pb != NULL ? pb : box;
	const struct html_node *content = html_find(scope, HT_UNKNOWN, "content");

	p->id = xstrdup(pid);
	p->markup = MARKUP_HTML;
	if (content == NULL && html_find(scope, HT_DIV, "ignore") != NULL)
		return fg_error(err,
				"%s: post p%s is hidden (div.ignore: its author is on the "
				"account's foe list, so 3.0 leaves its message out)",
				pg->name, pid);
	if (content == NULL)
		return fg_error(err, "%s: post p%s has no .content (the message) in its .postbody",
				pg->name, pid);
	p->deleted = html_has_class(box, "deleted");

	struct buf b = BUF_INIT;
	body_html(content, &b);
	trim_buf(&b);
	const struct html_node *sig = html_find(scope, HT_UNKNOWN, "signature");
	if (sig != NULL && html_ancestor(sig, HT_UNKNOWN, "content") == content)
		sig = NULL;
	const struct html_node *abox = html_find(scope, HT_DL, "attachbox");
	if (abox != NULL && html_ancestor(abox, HT_UNKNOWN, "content") != content)
		append_attachments(pg, abox, NULL, NULL, &b);
	p->body = buf_detach(&b);
	if (sig != NULL) {
		struct buf s = BUF_INIT;
		html_serialize(sig, 0, &s);
		strip_html_sids(&s);
		trim_buf(&s);
		p->signature = buf_detach(&s);
		if (*p->signature == '\0') {
			free(p->signature);
			p->signature = NULL;
		}
	}
	p->parent_id = first_quote_source(content);

	const struct html_node *h3 = html_find(scope, HT_H3, NULL);
	if (h3 != NULL && html_ancestor(h3, HT_UNKNOWN, "content") != content)
		p->title = text_or_null(h3);

	const struct html_node *profile = html_find(box, HT_DL, "postprofile");
	const struct html_node *auth = html_find(scope, HT_UNKNOWN, "author");
	const struct html_node *after = NULL;
	if (auth != NULL)
		after = post_author(auth, profile, p);
	if (p->author == NULL && profile != NULL) {
		const struct html_node *dt = html_find(profile, HT_DT, NULL);
		if (dt != NULL)
			post_author(dt, profile, p);
	}
	if (auth != NULL) {
		post_date(cx, auth, after, p);
		/* "#3" post counters of some styles */
		for (const struct html_node *a = html_find(auth, HT_A, NULL); a != NULL;
		     a = html_find_after(auth, a, HT_A, NULL)) {
			char *t = text_or_null(a);
			if (t != NULL && t[0] == '#' && small_number(t + 1) > 0)
				p->position = small_number(t + 1);
			free(t);
		}
	}
	p->url = page_link(pg, "./viewtopic.php?p=%s", pid);
	if (p->url != NULL) {
		char *u = xasprintf("%s#p%s", p->url, pid);
		free(p->url);
		p->url = u;
	}
	return 0;
}

/* subsilver2: <a name="pN"> in the post's table.tablebg. */
static int post_subsilver(struct tctx *cx, const struct html_node *anchor, struct forum_post *p,
			  char **err)
{
	const struct board_page *pg = cx->pg;
	const char *pid = html_attr(anchor, "name") + 1;
	const struct html_node *box = html_ancestor(anchor, HT_TABLE, "tablebg");

	p->id = xstrdup(pid);
	p->markup = MARKUP_HTML;
	if (box == NULL)
		return fg_error(err, "%s: post p%s is not in a table.tablebg", pg->name, pid);
	const struct html_node *content = NULL, *sig = NULL;
	for (const struct html_node *d = html_find(box, HT_UNKNOWN, "postbody"); d != NULL;
	     d = html_find_after(box, d, HT_UNKNOWN, "postbody")) {
		char *t = html_text_dup(d);
		int rule = strncmp(t, "_____", 5) == 0;
		free(t);
		if (rule && sig == NULL)
			sig = d;
		else if (!rule && content == NULL)
			content = d;
	}
	if (content == NULL && html_is(anchor->parent, HT_TD) &&
	    html_attr(anchor->parent, "colspan") != NULL)
		return fg_error(err,
				"%s: post p%s is hidden (its author is on the account's foe "
				"list, so the page leaves its message out)",
				pg->name, pid);
	if (content == NULL)
		return fg_error(err, "%s: post p%s has no div.postbody (the message)", pg->name,
				pid);
	struct buf b = BUF_INIT;
	body_html(content, &b);
	trim_buf(&b);
	append_attachments(pg, box, content, sig, &b);
	p->body = buf_detach(&b);
	if (sig != NULL) {
		struct buf s = BUF_INIT;
		html_serialize(sig, 0, &s);
		/* "<br>_________________<br>" before the signature */
		char *u = strstr(buf_str(&s), "_____");
		if (u != NULL) {
			size_t off = (size_t)(u - s.p) + strspn(u, "_");
			const char *r = s.p + off;
			while (isspace((unsigned char)*r))
				r++;
			if (strncasecmp(r, "<br>", 4) == 0)
				r += 4;
			p->signature = xstrdup(r);
			buf_free(&s);
		} else {
			p->signature = buf_detach(&s);
		}
		struct buf t = BUF_INIT;
		buf_adds(&t, p->signature);
		trim_buf(&t);
		free(p->signature);
		p->signature = buf_detach(&t);
		if (*p->signature == '\0') {
			free(p->signature);
			p->signature = NULL;
		}
	}
	p->parent_id = first_quote_source(content);

	const struct html_node *who = html_find(box, HT_B, "postauthor");
	if (who == NULL)
		who = html_find(box, HT_UNKNOWN, "postauthor");
	p->author = text_or_null(who);
	for (const struct html_node *a = html_find(box, HT_A, NULL); a != NULL;
	     a = html_find_after(box, a, HT_A, NULL)) {
		if (!is_member_link(a) || html_ancestor(a, HT_UNKNOWN, "postbody") != NULL ||
		    html_ancestor(a, HT_SPAN, "gensmall") != NULL)
			continue;
		p->author_id = num_param(html_attr(a, "href"), "u");
		break;
	}
	if (p->author_id == NULL && p->author != NULL) {
		const struct html_node *det = html_find(box, HT_SPAN, "postdetails");
		p->guest = det == NULL || html_find(det, HT_B, NULL) == NULL;
	}
	/* subject: <a href="#pN">; date: beside the viewtopic.php?p=N link,
	 * after its <b>Posted:</b> label */
	char *hash = xasprintf("#p%s", pid);
	for (const struct html_node *a = html_find(box, HT_A, NULL); a != NULL;
	     a = html_find_after(box, a, HT_A, NULL)) {
		const char *href = html_attr(a, "href");
		if (href == NULL || html_ancestor(a, HT_UNKNOWN, "postbody") != NULL)
			continue;
		if (strcmp(href, hash) == 0 && p->title == NULL) {
			p->title = text_or_null(a);
		} else if (strstr(href, "viewtopic.php") != NULL && strstr(href, hash) != NULL &&
			   p->date == 0 && a->parent != NULL) {
			char *all = html_text_dup(a->parent);
			const struct html_node *lab = html_find(a->parent, HT_B, NULL);
			char *l = lab != NULL ? html_text_dup(lab) : NULL;
			const char *d = all;
			const char *at = l != NULL && *l != '\0' ? strstr(all, l) : NULL;
			if (at != NULL)
				d = at + strlen(l);
			char *ds = trim(xstrdup(d));
			note_date(cx, p, ds);
			free(ds);
			free(l);
			free(all);
		}
	}
	free(hash);
	p->url = page_link(pg, "./viewtopic.php?p=%s", pid);
	if (p->url != NULL) {
		char *u = xasprintf("%s#p%s", p->url, pid);
		free(p->url);
		p->url = u;
	}
	return 0;
}

/* ---- thread metadata ---- */

/* The topic title link: h2.topic-title a (3.1+), h2 a to viewtopic.php. */
static const struct html_node *title_link(const struct board_page *pg)
{
	const struct html_node *root = root_of(pg);
	const struct html_node *h2 = html_find(root, HT_H2, "topic-title");
	if (h2 != NULL) {
		const struct html_node *a = html_find(h2, HT_A, NULL);
		return a != NULL ? a : h2;
	}
	for (h2 = html_find(root, HT_H2, NULL); h2 != NULL;
	     h2 = html_find_after(root, h2, HT_H2, NULL))
		for (const struct html_node *a = html_find(h2, HT_A, NULL); a != NULL;
		     a = html_find_after(h2, a, HT_A, NULL))
			if (href_has(a, "viewtopic.php"))
				return a;
	return NULL;
}

static char *thread_id_of(const struct board_page *pg, const struct html_node *tl)
{
	const struct html_node *root = root_of(pg);
	char *id = tl != NULL ? num_param(html_attr(tl, "href"), "t") : NULL;

	if (id == NULL)
		id = num_param(pg->url, "t");
	for (const struct html_node *in = html_find(root, HT_INPUT, NULL); in != NULL && id == NULL;
	     in = html_find_after(root, in, HT_INPUT, NULL)) {
		const char *name = html_attr(in, "name"), *v = html_attr(in, "value");
		if (name != NULL && strcmp(name, "t") == 0 && all_digits(v))
			id = xstrdup(v);
	}
	for (const struct html_node *a = html_find(root, HT_A, NULL); a != NULL && id == NULL;
	     a = html_find_after(root, a, HT_A, NULL))
		if (href_has(a, "posting.php") && href_has(a, "mode=reply"))
			id = num_param(html_attr(a, "href"), "t");
	for (const struct html_node *l = html_find(root, HT_LINK, NULL); l != NULL && id == NULL;
	     l = html_find_after(root, l, HT_LINK, NULL)) {
		const char *rel = html_attr(l, "rel");
		if (rel != NULL && strcmp(rel, "canonical") == 0)
			id = num_param(html_attr(l, "href"), "t");
	}
	return id;
}

/* The forum a page belongs to: the breadcrumbs' last forum. */
static char *forum_of(const struct board_page *pg, const struct html_node *stop)
{
	const struct html_node *root = root_of(pg);
	char *f = NULL;

	for (const struct html_node *n = root; n != NULL && n != stop; n = html_next(n, root)) {
		if (n->type != HTML_ELEMENT)
			continue;
		const char *dfi = html_attr(n, "data-forum-id");
		if (dfi != NULL && all_digits(dfi)) {
			free(f);
			f = xstrdup(dfi);
			continue;
		}
		if (!html_is(n, HT_A) || !href_has(n, "viewforum.php"))
			continue;
		int crumb = 0;
		for (const struct html_node *u = n->parent; u != NULL && !crumb; u = u->parent) {
			const char *cls = html_attr(u, "class");
			crumb = cls != NULL &&
				(strstr(cls, "navlinks") != NULL ||
				 strstr(cls, "breadcrumbs") != NULL ||
				 strstr(cls, "icon-home") != NULL || strstr(cls, "crumb") != NULL ||
				 strstr(cls, "navbar") != NULL);
		}
		char *id = crumb ? num_param(html_attr(n, "href"), "f") : NULL;
		if (id != NULL) {
			free(f);
			f = id;
		}
	}
	for (const struct html_node *a = html_find(root, HT_A, NULL); a != NULL && f == NULL;
	     a = html_find_after(root, a, HT_A, NULL))
		if (href_has(a, "posting.php") && href_has(a, "mode=reply"))
			f = num_param(html_attr(a, "href"), "f");
	return f;
}

static int phpbb_logged_in(const struct board_page *pg)
{
	const struct html_node *root = root_of(pg);

	for (const struct html_node *a = html_find(root, HT_A, NULL); a != NULL;
	     a = html_find_after(root, a, HT_A, NULL))
		if (href_has(a, "mode=logout"))
			return 1;
	return 0;
}

/* The reply button: missing, open, or showing the lock. */
static enum forum_posting posting_of(const struct board_page *pg)
{
	const struct html_node *root = root_of(pg);
	int reply = 0;

	for (const struct html_node *a = html_find(root, HT_A, NULL); a != NULL;
	     a = html_find_after(root, a, HT_A, NULL)) {
		if (!href_has(a, "posting.php") || !href_has(a, "mode=reply"))
			continue;
		reply = 1;
		const char *cls = html_attr(a, "class");
		const struct html_node *img = html_find(a, HT_IMG, NULL);
		const char *src = img != NULL ? html_attr(img, "src") : NULL;
		if (html_has_class(a->parent, "locked-icon") ||
		    (cls != NULL && strstr(cls, "locked")) ||
		    html_find(a, HT_I, "fa-lock") != NULL || (src != NULL && strstr(src, "locked")))
			return FORUM_POSTING_NO;
	}
	if (reply)
		return FORUM_POSTING_YES;
	/* a member is shown no reply button where replying is not allowed; a
	 * guest sees it unless a login is needed, so nothing is known */
	return phpbb_logged_in(pg) ? FORUM_POSTING_NO : FORUM_POSTING_UNKNOWN;
}

static char *title_from_head(const struct board_page *pg)
{
	char *t = text_or_null(html_find(root_of(pg), HT_TITLE, NULL));
	if (t == NULL)
		return NULL;
	/* 3.0: "Board • Topic"; 3.1+: "Topic - Board" */
	const char *bull = strstr(t, " \xE2\x80\xA2 ");
	char *out;
	if (bull != NULL) {
		out = xstrdup(bull + 5);
	} else {
		char *dash = strstr(t, " - ");
		if (dash != NULL)
			*dash = '\0';
		out = xstrdup(t);
	}
	free(t);
	return trim(out);
}

static int phpbb_parse_thread(const struct board_page *pg, struct forum_thread **out, char **err)
{
	const struct html_node *root = root_of(pg);
	const struct html_node **posts = NULL;
	size_t n = 0, cap = 0;
	int sub = 0;

	*out = NULL;
	for (const struct html_node *k = root; k != NULL;) {
		if (is_prosilver_post(k)) {
			if (n == cap) {
				cap = cap ? cap * 2 : 32;
				posts = xrealloc(posts, cap * sizeof *posts);
			}
			posts[n++] = k;
			k = html_skip(k, root);
		} else {
			k = html_next(k, root);
		}
	}
	if (n == 0) {
		sub = 1;
		for (const struct html_node *a = html_find(root, HT_A, NULL); a != NULL;
		     a = html_find_after(root, a, HT_A, NULL))
			if (is_subsilver_anchor(a)) {
				if (n == cap) {
					cap = cap ? cap * 2 : 32;
					posts = xrealloc(posts, cap * sizeof *posts);
				}
				posts[n++] = a;
			}
	}
	if (n == 0)
		return fg_error(err,
				"%s: no phpBB post found (div.post with id \"pN\" of prosilver, "
				"<a name=\"pN\"> of subsilver2)",
				pg->name);

	struct forum_thread *t = xcalloc(1, sizeof *t);
	struct tctx cx = {pg, t, 0, NULL};
	const struct html_node *tl = title_link(pg);
	t->title = text_or_null(tl);
	if (t->title == NULL)
		t->title = title_from_head(pg);
	t->id = thread_id_of(pg, tl);
	if (t->id == NULL || t->title == NULL) {
		fg_error(err, "%s: no topic %s found (h2 link to viewtopic.php?t=N)", pg->name,
			 t->id == NULL ? "id" : "title");
		goto fail;
	}
	t->board = forum_of(pg, posts[0]);
	t->url = page_link(pg, "./viewtopic.php?t=%s", t->id);
	t->posting = posting_of(pg);

	struct pag pa;
	read_pagination(pg, find_pagination(pg), &pa);
	t->page = pa.page;
	t->pages = pa.pages;
	t->total_posts = pa.total > 0 && pa.total < 1000000000L ? (int)pa.total : 0;
	/* positions: the page's start=, else page and page size */
	long start = -1;
	char *s = num_param(pg->url, "start");
	if (s == NULL && tl != NULL)
		s = num_param(html_attr(tl, "href"), "start");
	if (s != NULL)
		start = strtol(s, NULL, 10);
	free(s);
	if (start < 0 && pa.page >= 1)
		start = (long)(pa.page - 1) * (pa.per_page > 0 ? pa.per_page : POSTS_PER_PAGE);
	if (start < 0)
		start = 0;
	pag_clear(&pa);

	for (size_t i = 0; i < n; i++) {
		/* a style that prints a post twice (a mobile copy): once */
		const char *pid = sub ? html_attr(posts[i], "name") + 1 : post_id_of(posts[i]);
		int seen = 0;
		for (size_t j = 0; j < t->nposts && !seen; j++)
			seen = strcmp(t->posts[j].id, pid) == 0;
		if (seen)
			continue;
		struct forum_post *p = forum_thread_add_post(t);
		int rc = sub ? post_subsilver(&cx, posts[i], p, err)
			     : post_prosilver(&cx, posts[i], p, err);
		if (rc < 0)
			goto fail;
		if (p->position == 0 && start < 100000000L)
			p->position = (int)(start + (long)i + 1);
	}
	if (cx.bad_dates > 0)
		t->warnings = xasprintf(
			"%s: %d post date%s not understood (\"%s\"): kept unknown\n", pg->name,
			cx.bad_dates, cx.bad_dates == 1 ? "" : "s", cx.bad_date);
	free(cx.bad_date);
	free(posts);
	*out = t;
	return 0;
fail:
	free(cx.bad_date);
	free(posts);
	forum_thread_free(t);
	return -1;
}

/* ---- forum lists ---- */

static struct board_forum *forum_by_id(struct board_listing *l, const char *id)
{
	for (size_t i = 0; i < l->nforums; i++)
		if (strcmp(l->forums[i].id, id) == 0)
			return &l->forums[i];
	return NULL;
}

static const struct html_node *row_of(const struct html_node *a)
{
	const struct html_node *r = html_ancestor(a, HT_LI, "row");
	return r != NULL ? r : html_ancestor(a, HT_TR, NULL);
}

/* Forums listed on the page (index, or a forum's sub-forums). */
static void list_forums(const struct board_page *pg, struct board_listing *out)
{
	const struct html_node *root = root_of(pg);
	char *cat = NULL, *last = NULL;

	for (const struct html_node *n = root; n != NULL;) {
		if (n->type != HTML_ELEMENT) {
			n = html_next(n, root);
			continue;
		}
		/* a category heading: li.header (prosilver), td.cat (subsilver2) */
		if ((html_is(n, HT_LI) && html_has_class(n, "header")) ||
		    (html_is(n, HT_TD) && html_has_class(n, "cat"))) {
			free(cat);
			cat = NULL;
			for (const struct html_node *a = html_find(n, HT_A, NULL); a != NULL;
			     a = html_find_after(n, a, HT_A, NULL)) {
				/* not subsilver2's "Mark forums read" (mark=) */
				char *id = href_has(a, "viewforum.php") && !href_has(a, "mark=")
						   ? num_param(html_attr(a, "href"), "f")
						   : NULL;
				if (id == NULL)
					continue;
				if (forum_by_id(out, id) == NULL) {
					struct board_forum *f = board_listing_add_forum(out);
					f->id = xstrdup(id);
					f->title = text_or_null(a);
					f->url = page_link(pg, "./viewforum.php?f=%s", id);
					f->category = 1;
				}
				cat = id;
				break;
			}
			n = html_skip(n, root);
			continue;
		}
		int title = html_is(n, HT_A) &&
			    (html_has_class(n, "forumtitle") || html_has_class(n, "forumlink"));
		int subf = html_is(n, HT_A) && html_has_class(n, "subforum");
		if (!title && !subf) {
			n = html_next(n, root);
			continue;
		}
		const char *href = html_attr(n, "href");
		char *id = num_param(href, "f");
		const struct html_node *row = row_of(n);
		int link = title && row != NULL && mentions(row, "forum_link");
		if (id == NULL && link && href != NULL)
			id = board_page_url(pg, href);
		if (id != NULL && forum_by_id(out, id) == NULL) {
			struct board_forum *f = board_listing_add_forum(out);
			f->id = xstrdup(id);
			f->title = text_or_null(n);
			f->url = link ? board_page_url(pg, href)
				      : page_link(pg, "./viewforum.php?f=%s", id);
			f->link = link;
			f->parent_id = xstrdup(subf ? last : cat);
		}
		if (title && id != NULL) {
			free(last);
			last = xstrdup(id);
		}
		free(id);
		n = html_skip(n, root);
	}
	free(cat);
	free(last);
}

static int phpbb_parse_index(const struct board_page *pg, struct board_listing *out, char **err)
{
	memset(out, 0, sizeof *out);
	list_forums(pg, out);
	if (out->nforums == 0)
		return fg_error(err,
				"%s: no forum list found (a.forumtitle of prosilver, a.forumlink "
				"of subsilver2)",
				pg->name);
	return 0;
}

/* The date in a last-post cell: <time datetime>, else the text after its
 * last <br> (prosilver), else its first paragraph (subsilver2). */
static int64_t cell_date(const struct board_page *pg, const struct html_node *cell)
{
	const struct html_node *tm = find_named(cell, "time");
	if (tm != NULL && html_attr(tm, "datetime") != NULL)
		return iso_date(html_attr(tm, "datetime"));
	const struct html_node *br = NULL;
	for (const struct html_node *b = html_find(cell, HT_BR, NULL); b != NULL;
	     b = html_find_after(cell, b, HT_BR, NULL))
		br = b;
	char *s = NULL;
	if (br != NULL) {
		struct buf b = BUF_INIT;
		for (const struct html_node *k = html_skip(br, cell); k != NULL;
		     k = html_next(k, cell))
			if (k->type == HTML_TEXT) {
				buf_add(&b, k->text, k->len);
				buf_addc(&b, ' ');
			}
		s = trim(buf_detach(&b));
	} else {
		s = text_or_null(html_find(cell, HT_P, NULL));
	}
	int64_t d = s != NULL && *s != '\0' ? board_page_date(pg, s) : 0;
	free(s);
	return d;
}

static int add_topic(const struct board_page *pg, const struct html_node *a,
		     struct board_listing *out, char **err)
{
	const char *href = html_attr(a, "href");
	char *id = num_param(href, "t");
	if (id == NULL)
		return fg_error(err, "%s: topic link without t=N (%s)", pg->name,
				href != NULL ? href : "no href");
	struct board_topic *t = board_listing_add_topic(out);
	t->id = id;
	t->title = text_or_null(a);
	t->url = page_link(pg, "./viewtopic.php?t=%s", id);
	const struct html_node *row = row_of(a);
	if (row == NULL)
		return 0;
	t->sticky = html_has_class(row, "sticky") || html_has_class(row, "announce") ||
		    html_has_class(row, "global-announce") || mentions(row, "sticky") ||
		    mentions(row, "announce");
	t->moved = mentions(row, "topic_moved");
	const struct html_node *posts = html_find(row, HT_DD, "posts");
	if (posts == NULL)
		posts = html_find(row, HT_P, "topicdetails");
	if (posts != NULL) {
		char *pt = html_text_dup(posts);
		t->replies = lead_number(pt);
		free(pt);
	}
	const struct html_node *last = html_find(row, HT_DD, "lastpost");
	if (last == NULL && html_is(row, HT_TR))
		for (const struct html_node *td = html_find(row, HT_TD, NULL); td != NULL;
		     td = html_find_after(row, td, HT_TD, NULL))
			last = td;
	if (last != NULL) {
		t->last_post = cell_date(pg, last);
		for (const struct html_node *l = html_find(last, HT_A, NULL); l != NULL;
		     l = html_find_after(last, l, HT_A, NULL))
			if (href_has(l, "viewtopic.php") || href_has(l, "#p")) {
				t->last_post_id = href_post(html_attr(l, "href"));
				if (t->last_post_id != NULL)
					break;
			}
	}
	/* the row's page links: the highest number is the last page */
	int pages = 1;
	for (const struct html_node *l = html_find(row, HT_A, NULL); l != NULL;
	     l = html_find_after(row, l, HT_A, NULL)) {
		if (l == a || !href_has(l, "viewtopic.php"))
			continue;
		char *lt = trim(html_text_dup(l));
		int k = small_number(lt);
		free(lt);
		if (k > pages)
			pages = k;
	}
	t->pages = pages;
	return 0;
}

/* The "no topics" notice of an empty forum: prosilver's div.panel with a
 * <strong>; subsilver2's one-cell row (td.row1 colspan) with span.gen. */
static const struct html_node *empty_box(const struct board_page *pg)
{
	const struct html_node *root = root_of(pg);

	for (const struct html_node *p = html_find(root, HT_DIV, "panel"); p != NULL;
	     p = html_find_after(root, p, HT_DIV, "panel"))
		if (html_find(p, HT_STRONG, NULL) != NULL && html_find(p, HT_FORM, NULL) == NULL &&
		    html_find(p, HT_INPUT, NULL) == NULL)
			return p;
	for (const struct html_node *td = html_find(root, HT_TD, "row1"); td != NULL;
	     td = html_find_after(root, td, HT_TD, "row1"))
		if (html_attr(td, "colspan") != NULL && html_find(td, HT_SPAN, "gen") != NULL &&
		    html_ancestor(td, HT_TABLE, "tablebg") != NULL)
			return td;
	return NULL;
}

/* "You are not authorised to read this forum.", "You do not have the
 * required permissions ...", and the German pack's words. */
static int no_permission_text(const char *t)
{
	return t != NULL && (strstr(t, "permission") != NULL || strstr(t, "authorised") != NULL ||
			     strstr(t, "authorized") != NULL || strstr(t, "Berechtigung") != NULL ||
			     strstr(t, "berechtigt") != NULL);
}

static int empty_notice(const struct board_page *pg)
{
	return empty_box(pg) != NULL;
}

static char *empty_text(const struct board_page *pg)
{
	return text_or_null(empty_box(pg));
}

static int phpbb_parse_forum(const struct board_page *pg, struct board_listing *out, char **err)
{
	const struct html_node *root = root_of(pg);

	memset(out, 0, sizeof *out);
	/* the forum: h2.forum-title a (3.1+), h2 a to viewforum.php */
	for (const struct html_node *h2 = html_find(root, HT_H2, NULL);
	     h2 != NULL && out->forum_id == NULL; h2 = html_find_after(root, h2, HT_H2, NULL))
		for (const struct html_node *a = html_find(h2, HT_A, NULL); a != NULL;
		     a = html_find_after(h2, a, HT_A, NULL))
			if (href_has(a, "viewforum.php") &&
			    (out->forum_id = num_param(html_attr(a, "href"), "f"))) {
				out->title = text_or_null(a);
				break;
			}
	if (out->forum_id == NULL)
		out->forum_id = num_param(pg->url, "f");

	list_forums(pg, out);
	for (size_t i = 0; i < out->nforums; i++)
		if (out->forums[i].parent_id == NULL && !out->forums[i].category)
			out->forums[i].parent_id = xstrdup(out->forum_id);
	for (const struct html_node *a = html_find(root, HT_A, "topictitle"); a != NULL;
	     a = html_find_after(root, a, HT_A, "topictitle"))
		if (add_topic(pg, a, out, err) < 0) {
			board_listing_clear(out);
			return -1;
		}
	if (out->ntopics == 0 && out->nforums == 0) {
		/* S_NO_READ_ACCESS prints a panel like the "no topics" one, and
		 * a login form for guests: not an empty forum */
		struct board_form lf;
		char *why = NULL;
		if (login_form_of(pg, &lf) == 0) {
			board_form_clear(&lf);
			why = xstrdup(
				"the forum is not readable without a login (the page shows the login form)");
		} else if (!empty_notice(pg)) {
			why = xstrdup(
				"no topic list found (a.topictitle) and no \"no topics\" notice");
		} else {
			char *t = empty_text(pg);
			if (no_permission_text(t))
				why = xasprintf("no read access: %s", t);
			free(t);
		}
		if (why != NULL) {
			board_listing_clear(out);
			fg_error(err, "%s: %s", pg->name, why);
			free(why);
			return -1;
		}
	}
	struct pag pa;
	read_pagination(pg, find_pagination(pg), &pa);
	out->page = pa.page;
	out->pages = pa.pages;
	out->next_url = pa.next;
	pa.next = NULL;
	pag_clear(&pa);
	return 0;
}

/* ---- the feed ---- */

static char *xml_text(xmlNode *n)
{
	xmlChar *c = xmlNodeGetContent(n);
	char *s = trim(xstrdup(c != NULL ? (const char *)c : ""));
	xmlFree(c);
	return s;
}

static int is_xml(xmlNode *n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static int phpbb_parse_feed(const char *xml, size_t len, const char *url, struct board_listing *out,
			    char **err)
{
	memset(out, 0, sizeof *out);
	if (len > INT32_MAX)
		return fg_error(err, "%s: feed too large", url != NULL ? url : "feed");
	/* no network, no entity substitution (XML_PARSE_NOENT unset) */
	xmlDoc *doc = xmlReadMemory(xml, (int)len, url, NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlNode *feed = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
	if (!is_xml(feed, "feed")) {
		xmlFreeDoc(doc);
		return fg_error(err, "%s: not an Atom feed (no <feed>)",
				url != NULL ? url : "feed");
	}
	size_t entries = 0;
	for (xmlNode *e = feed->children; e != NULL; e = e->next) {
		if (!is_xml(e, "entry"))
			continue;
		entries++;
		char *href = NULL, *title = NULL;
		int64_t upd = 0;
		for (xmlNode *k = e->children; k != NULL; k = k->next) {
			if (is_xml(k, "link") && href == NULL) {
				xmlChar *h = xmlGetProp(k, (const xmlChar *)"href");
				href = xstrdup((const char *)h);
				xmlFree(h);
			} else if (is_xml(k, "id") && href == NULL) {
				href = xml_text(k);
			} else if (is_xml(k, "title")) {
				free(title);
				title = xml_text(k);
			} else if (is_xml(k, "updated")) {
				char *u = xml_text(k);
				upd = iso_date(u);
				free(u);
			}
		}
		char *tid = href != NULL ? num_param(href, "t") : NULL;
		if (tid == NULL) {
			free(href);
			free(title);
			continue;
		}
		char *pid = href_post(href);
		struct board_topic *t = NULL;
		for (size_t i = 0; i < out->ntopics; i++)
			if (strcmp(out->topics[i].id, tid) == 0)
				t = &out->topics[i];
		if (t == NULL) {
			t = board_listing_add_topic(out);
			t->id = xstrdup(tid);
			/* "Forum • Re: Topic": the topic */
			const char *tt = title != NULL ? title : "";
			const char *bull;
			while ((bull = strstr(tt, " \xE2\x80\xA2 ")) != NULL)
				tt = bull + 5;
			if (strncmp(tt, "Re: ", 4) == 0)
				tt += 4;
			t->title = xstrdup(tt);
			const char *vt = strstr(href, "viewtopic.php");
			if (vt != NULL)
				t->url = xasprintf("%.*sviewtopic.php?t=%s", (int)(vt - href), href,
						   tid);
		}
		if (upd >= t->last_post) {
			t->last_post = upd;
			free(t->last_post_id);
			t->last_post_id = pid;
			pid = NULL;
		}
		free(pid);
		free(tid);
		free(href);
		free(title);
	}
	xmlFreeDoc(doc);
	if (entries > 0 && out->ntopics == 0) {
		board_listing_clear(out);
		return fg_error(err, "%s: no feed entry links a topic (viewtopic.php?t=N)",
				url != NULL ? url : "feed");
	}
	return 0;
}

/* ---- URLs ---- */

static char *phpbb_index_url(const char *base)
{
	return xasprintf("%sindex.php", base);
}

/* Default page sizes; boards that change them are paged with page_url. */
static char *phpbb_forum_url(const char *base, const char *forum_id, int page)
{
	if (page <= 1)
		return xasprintf("%sviewforum.php?f=%s", base, forum_id);
	return xasprintf("%sviewforum.php?f=%s&start=%d", base, forum_id,
			 (page - 1) * TOPICS_PER_PAGE);
}

static char *phpbb_thread_url(const char *base, const char *thread_id, int page)
{
	if (page <= 1)
		return xasprintf("%sviewtopic.php?t=%s", base, thread_id);
	return xasprintf("%sviewtopic.php?t=%s&start=%d", base, thread_id,
			 (page - 1) * POSTS_PER_PAGE);
}

/* 3.1+ (app.php/feed); 3.0 boards serve feed.php?f=N instead. */
static char *phpbb_feed_url(const char *base, const char *forum_id)
{
	if (forum_id == NULL)
		return xasprintf("%sapp.php/feed", base);
	return xasprintf("%sapp.php/feed/forum/%s", base, forum_id);
}

static char *phpbb_login_url(const char *base)
{
	return xasprintf("%sucp.php?mode=login", base);
}

/* The reply is to the topic: phpBB keeps no reply-to post (a quote names
 * it), so post_id does not change the form. */
static char *phpbb_reply_url(const char *base, const char *thread_id, const char *post_id)
{
	(void)post_id;
	return xasprintf("%sposting.php?mode=reply&t=%s", base, thread_id);
}

static char *phpbb_new_thread_url(const char *base, const char *forum_id)
{
	return xasprintf("%sposting.php?mode=post&f=%s", base, forum_id);
}

/* ---- messages, login ---- */

/* The text of a message paragraph up to phpBB's "<br /><br />" before its
 * "Return to ..." links. */
static char *message_text(const struct html_node *p)
{
	struct buf b = BUF_INIT;
	int brs = 0;

	for (const struct html_node *k = p->children; k != NULL; k = k->next) {
		if (html_is(k, HT_BR)) {
			if (++brs == 2 && b.len > 0)
				break;
			buf_addc(&b, ' ');
			continue;
		}
		if (k->type == HTML_TEXT && k->len > 0) {
			int blank = 1;
			for (size_t i = 0; i < k->len && blank; i++)
				blank = isspace((unsigned char)k->text[i]);
			if (blank) {
				buf_addc(&b, ' ');
				continue;
			}
		}
		brs = 0;
		html_text(k, &b);
		buf_addc(&b, ' ');
	}
	char *s = buf_detach(&b);
	/* whitespace runs to one space */
	char *w = s;
	int sp = 0;
	for (char *r = s; *r != '\0'; r++) {
		if (isspace((unsigned char)*r)) {
			sp = 1;
			continue;
		}
		if (sp && w > s)
			*w++ = ' ';
		sp = 0;
		*w++ = *r;
	}
	*w = '\0';
	if (*s == '\0') {
		free(s);
		return NULL;
	}
	return s;
}

/* The message box: div#message (prosilver), p.gen in td.row1 (subsilver2). */
static const struct html_node *message_box(const struct board_page *pg)
{
	const struct html_node *root = root_of(pg);
	/* div#message, not the posting form's textarea#message */
	const struct html_node *m = html_find_attr(root, "id", "message", 0);
	if (m != NULL && !html_is(m, HT_TEXTAREA))
		return m;
	for (const struct html_node *g = html_find(root, HT_UNKNOWN, "gen"); g != NULL;
	     g = html_find_after(root, g, HT_UNKNOWN, "gen")) {
		const struct html_node *td = html_ancestor(g, HT_TD, "row1");
		if (td != NULL && html_ancestor(td, HT_TABLE, "tablebg") != NULL &&
		    html_find(root, HT_A, "topictitle") == NULL &&
		    html_find(root, HT_FORM, NULL) == NULL)
			return g;
	}
	return NULL;
}

static char *box_text(const struct html_node *box)
{
	if (box == NULL)
		return NULL;
	const struct html_node *p = html_is(box, HT_P) ? box : html_find(box, HT_P, NULL);
	char *s = p != NULL ? message_text(p) : NULL;
	if (s == NULL) {
		s = text_or_null(box);
		const struct html_node *h = html_find(box, HT_H2, NULL);
		char *ht = text_or_null(h);
		if (s != NULL && ht != NULL && strncmp(s, ht, strlen(ht)) == 0) {
			memmove(s, s + strlen(ht), strlen(s + strlen(ht)) + 1);
			trim(s);
		}
		free(ht);
	}
	return s;
}

/* The error line of a form page: p.error / div.error (prosilver), the
 * .error span of subsilver2. */
static char *error_text(const struct board_page *pg)
{
	const struct html_node *root = root_of(pg);

	for (const struct html_node *n = root; n != NULL; n = html_next(n, root))
		if (n->type == HTML_ELEMENT && html_has_class(n, "error") &&
		    !html_is(n, HT_INPUT)) {
			char *t = text_or_null(n);
			if (t != NULL)
				return t;
		}
	return NULL;
}

static char *phpbb_message(const struct board_page *pg)
{
	char *s = box_text(message_box(pg));
	return s != NULL ? s : error_text(pg);
}

/* A CAPTCHA on the page: phpBB's own (confirm_code), Q&A (qa_answer),
 * reCAPTCHA/hCaptcha. */
static int captcha_on(const struct board_page *pg)
{
	const struct html_node *root = root_of(pg);

	for (const struct html_node *n = root; n != NULL; n = html_next(n, root)) {
		if (n->type != HTML_ELEMENT)
			continue;
		const char *name = html_attr(n, "name");
		if (name != NULL &&
		    (strcmp(name, "confirm_code") == 0 || strcmp(name, "qa_answer") == 0 ||
		     strstr(name, "recaptcha") != NULL || strstr(name, "captcha") != NULL))
			return 1;
		if (html_has_class(n, "g-recaptcha") || html_has_class(n, "h-captcha") ||
		    html_attr(n, "data-sitekey") != NULL)
			return 1;
		const char *src = html_attr(n, "src");
		if (src != NULL &&
		    (strstr(src, "recaptcha") != NULL || strstr(src, "hcaptcha") != NULL))
			return 1;
	}
	return 0;
}

/* The login form: id "login", else one posting to mode=login; it must
 * have the username and password fields. */
static int login_form_of(const struct board_page *pg, struct board_form *f)
{
	const struct html_node *root = root_of(pg);

	for (const struct html_node *n = html_find(root, HT_FORM, NULL); n != NULL;
	     n = html_find_after(root, n, HT_FORM, NULL)) {
		const char *id = html_attr(n, "id"), *action = html_attr(n, "action");
		if (!((id != NULL && strcmp(id, "login") == 0) ||
		      (action != NULL && strstr(action, "mode=login") != NULL)))
			continue;
		if (board_form_read(pg, n, f) < 0)
			continue;
		if (board_form_get(f, "username") != NULL && board_form_get(f, "password") != NULL)
			return 0;
		board_form_clear(f);
	}
	memset(f, 0, sizeof *f);
	return -1;
}

/* The value of the submit button `name` on the page, or dflt. */
static const char *submit_value(const struct board_page *pg, const char *name, const char *dflt)
{
	const struct html_node *root = root_of(pg);

	for (const struct html_node *in = html_find(root, HT_INPUT, NULL); in != NULL;
	     in = html_find_after(root, in, HT_INPUT, NULL)) {
		const char *n = html_attr(in, "name"), *v = html_attr(in, "value");
		if (n != NULL && strcmp(n, name) == 0 && v != NULL && *v != '\0')
			return v;
	}
	return dflt;
}

static int phpbb_login_form(const struct board_page *pg, const char *user, const char *password,
			    struct board_form *out, char **err)
{
	if (login_form_of(pg, out) < 0)
		return fg_error(err,
				"%s: no login form found (form id=\"login\" with username and "
				"password)",
				pg->name);
	if (captcha_on(pg)) {
		board_form_clear(out);
		return fg_error(err,
				"%s: the board wants a CAPTCHA solved before it takes a login "
				"(too many failed attempts?): log in once with a browser",
				pg->name);
	}
	board_form_set(out, "username", user);
	board_form_set(out, "password", password);
	board_form_set(out, "autologin", "on");
	/* ucp.php acts on the submit button's name */
	board_form_set(out, "login", submit_value(pg, "login", "Login"));
	return 0;
}

static const struct html_node *meta_refresh(const struct board_page *pg)
{
	const struct html_node *root = root_of(pg);

	for (const struct html_node *m = html_find(root, HT_META, NULL); m != NULL;
	     m = html_find_after(root, m, HT_META, NULL)) {
		const char *he = html_attr(m, "http-equiv");
		if (he != NULL && strcasecmp(he, "refresh") == 0)
			return m;
	}
	return NULL;
}

static int phpbb_login_result(const struct board_page *pg, char **err)
{
	struct board_form f;

	if (phpbb_logged_in(pg))
		return 1;
	if (login_form_of(pg, &f) == 0) {
		board_form_clear(&f);
		char *e = error_text(pg);
		if (captcha_on(pg))
			fg_error(err,
				 "%s: login refused: %s; the board wants a CAPTCHA solved: log in "
				 "once with a browser",
				 pg->name, e != NULL ? e : "CAPTCHA");
		else
			fg_error(err, "%s: login refused: %s", pg->name,
				 e != NULL ? e : "the login form came back");
		free(e);
		return 0;
	}
	/* 3.0: "You have been successfully logged in." and a refresh */
	if (message_box(pg) != NULL && meta_refresh(pg) != NULL)
		return 1;
	char *m = phpbb_message(pg);
	fg_error(err, "%s: no logout link after login%s%s", pg->name, m != NULL ? ": " : "",
		 m != NULL ? m : "");
	free(m);
	return 0;
}

/* ---- writing ---- */

/*
 * The reply (new topic) form: form#postform as the page gives it, its
 * hidden form_token, creation_time, lastclick and topic_cur_post_id kept,
 * subject (the page's "Re: title" unless one is given) and message set,
 * and post=Submit added (the submit button's name is what posting.php acts
 * on, and board_form_read leaves buttons out).
 *
 * The caller must wait: phpBB refuses a form posted within a second of
 * its creation_time ("The submitted form was invalid"), and 3.0/3.1 drop
 * one posted within 2 seconds of its lastclick (a redirect to the topic),
 * so POST this no sooner than board_phpbb.min_form_seconds after the page
 * with the form was fetched.
 */
static int phpbb_post_form(const struct board_page *pg, const char *subject, const char *body,
			   struct board_form *out, char **err)
{
	/* posting.php's form; viewtopic's quick reply (qr_postform) would do */
	if (form_by_id(pg, "postform", out) < 0 && board_form_find(pg, "postform", out) < 0) {
		struct board_form lf;
		if (login_form_of(pg, &lf) == 0) {
			board_form_clear(&lf);
			return fg_error(err,
					"%s: no posting form: the board shows its login form "
					"(not logged in)",
					pg->name);
		}
		char *m = phpbb_message(pg);
		if (m != NULL) {
			fg_error(err, "%s: no posting form: %s", pg->name, m);
			free(m);
			return -1;
		}
		return fg_error(err, "%s: no posting form found (form id=\"postform\")", pg->name);
	}
	if (board_form_get(out, "message") == NULL) {
		board_form_clear(out);
		return fg_error(err, "%s: the posting form has no message field", pg->name);
	}
	if (subject != NULL && *subject != '\0')
		board_form_set(out, "subject", subject);
	board_form_set(out, "message", body != NULL ? body : "");
	board_form_set(out, "post", submit_value(pg, "post", "Submit"));
	return 0;
}

static int phpbb_post_result(const struct board_page *pg, const char *location, char **post_id,
			     char **err)
{
	*post_id = NULL;
	if (location != NULL && strstr(location, "viewtopic.php") != NULL &&
	    (*post_id = href_post(location)) != NULL)
		return 1;
	/* phpBB shows its "posted successfully" page (200) on success; a
	 * redirect back to the topic or forum without a post is 3.0/3.1's
	 * answer to a form sent too soon (lastclick) or cancelled */
	if (location != NULL && (strstr(location, "viewtopic.php") != NULL ||
				 strstr(location, "viewforum.php") != NULL))
		return fg_error(err,
				"%s: not posted: the board sent the browser back to %s (a form "
				"sent too soon after it was fetched is dropped this way)",
				pg->name, location),
		       0;
	struct board_form f;
	if (form_by_id(pg, "postform", &f) == 0) {
		board_form_clear(&f);
		char *e = error_text(pg);
		fg_error(err, "%s: not posted: %s", pg->name,
			 e != NULL ? e : "the posting form came back without a message");
		free(e);
		return 0;
	}
	const struct html_node *box = message_box(pg);
	if (box != NULL) {
		for (const struct html_node *a = html_find(box, HT_A, NULL); a != NULL;
		     a = html_find_after(box, a, HT_A, NULL))
			if (href_has(a, "viewtopic.php") &&
			    (*post_id = href_post(html_attr(a, "href"))))
				return 1;
		const struct html_node *m = meta_refresh(pg);
		const char *c = m != NULL ? html_attr(m, "content") : NULL;
		if (c != NULL && strstr(c, "viewtopic.php") != NULL) {
			*post_id = href_post(c);
			return 1;
		}
		/* held for approval: a refresh back to the forum, no post */
		if (c != NULL && strstr(c, "viewforum.php") != NULL)
			return 1;
		char *t = box_text(box);
		fg_error(err, "%s: not posted: %s", pg->name, t != NULL ? t : "(empty message)");
		free(t);
		return 0;
	}
	struct board_form lf;
	if (login_form_of(pg, &lf) == 0) {
		board_form_clear(&lf);
		return fg_error(err,
				"%s: not posted: the board shows its login form (session expired?)",
				pg->name),
		       0;
	}
	return fg_error(err, "%s: not posted: no confirmation on the page", pg->name), 0;
}

/* ---- what a page is ---- */

static enum board_page_kind phpbb_kind(const struct board_page *pg)
{
	const struct html_node *root = root_of(pg);

	for (const struct html_node *k = root; k != NULL; k = html_next(k, root))
		if (is_prosilver_post(k) || is_subsilver_anchor(k))
			return BOARD_PAGE_THREAD;
	if (html_find(root, HT_A, "topictitle") != NULL)
		return BOARD_PAGE_FORUM;
	struct board_form f;
	if (login_form_of(pg, &f) == 0) {
		board_form_clear(&f);
		if (captcha_on(pg))
			return BOARD_PAGE_CAPTCHA;
		/* the index's quick-login box is not a login page */
		if (html_find(root, HT_A, "forumtitle") == NULL &&
		    html_find(root, HT_A, "forumlink") == NULL)
			return BOARD_PAGE_LOGIN;
	}
	if (html_find(root, HT_A, "forumtitle") != NULL ||
	    html_find(root, HT_A, "forumlink") != NULL)
		return pg->url != NULL && strstr(pg->url, "viewforum.php") != NULL
			       ? BOARD_PAGE_FORUM
			       : BOARD_PAGE_INDEX;
	const struct html_node *box = message_box(pg);
	if (box != NULL) {
		char *t = box_text(box);
		int perm = no_permission_text(t);
		free(t);
		return perm ? BOARD_PAGE_NO_PERMISSION : BOARD_PAGE_MESSAGE;
	}
	if (empty_notice(pg) && pg->url != NULL && strstr(pg->url, "viewforum.php") != NULL) {
		char *t = empty_text(pg);
		int perm = no_permission_text(t);
		free(t);
		return perm ? BOARD_PAGE_NO_PERMISSION : BOARD_PAGE_FORUM;
	}
	return BOARD_PAGE_OTHER;
}

const struct board_engine board_phpbb = {
	.name = "phpbb",
	.detect = phpbb_detect,
	.kind = phpbb_kind,
	.index_url = phpbb_index_url,
	.forum_url = phpbb_forum_url,
	.thread_url = phpbb_thread_url,
	.parse_index = phpbb_parse_index,
	.parse_forum = phpbb_parse_forum,
	.parse_thread = phpbb_parse_thread,
	.feed_url = phpbb_feed_url,
	.parse_feed = phpbb_parse_feed,
	.login_url = phpbb_login_url,
	.login_form = phpbb_login_form,
	.login_result = phpbb_login_result,
	.logged_in = phpbb_logged_in,
	.reply_url = phpbb_reply_url,
	.new_thread_url = phpbb_new_thread_url,
	.post_form = phpbb_post_form,
	.post_result = phpbb_post_result,
	.message = phpbb_message,
	/* see phpbb_post_form: check_form_key() wants creation_time at least
	 * a second in the past, and 3.0/3.1's posting.php silently sends a
	 * form back to the topic when its lastclick is under 2 seconds old;
	 * 3 is safe across a second boundary */
	.min_form_seconds = 3,
	.page_url = phpbb_page_url,
};
