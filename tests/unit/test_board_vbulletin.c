/*
 * Tests for the vBulletin board engine (gateway/forum/vbulletin_board.c and
 * the thread page parser of vbulletin.c): real vB3/vB4/vB5 thread pages of
 * ../shared/corpora/forum-html/vbulletin/ (saved from live boards), and
 * hand-written pages after the default vB 3.8/4.2 templates under
 * tests/fixtures/boards/vbulletin/ for what the corpus lacks (forum home,
 * forum pages with stickies/moved threads/pagination, German furniture, an
 * empty forum, login, wrong password, image verification, reply and
 * new-thread forms, refusals, redirects, a changed template, the RSS feed).
 * Run from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../gateway/forum/board.h"
#include "../../gateway/forum/spool_internal.h"
#include "../../gateway/forum/vbulletin.h"
#include "forumgate/buf.h"
#include "forumgate/forum.h"
#include "forumgate/text.h"

#define CORPUS "../shared/corpora/forum-html/"
#define VB3 CORPUS "vbulletin/NetTally/vBulletin3.html"
#define VB4 CORPUS "vbulletin/NetTally/vBulletin4.html"
#define VB5A                                                                                       \
	CORPUS "vbulletin/magic-html/"                                                             \
	       "62846b492e1b2af2ad655c497ff23534759185398463ce18c4fd60bfd70104a0.html"
#define VB5B                                                                                       \
	CORPUS "vbulletin/magic-html/"                                                             \
	       "717e9d39a4c7c938c24eb16eec0def5a55574d15e759824f1f2cda16f2a0c76b.html"
#define FIX "tests/fixtures/boards/vbulletin/"
#define BASE "https://forum.example.org/"

static const struct board_engine *vb = &board_vbulletin;

struct page {
	char *raw;
	struct buf utf8;
	struct board_page pg;
};

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char tmp[65536];
	size_t n;

	if (f == NULL)
		return NULL;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	*len = b.len;
	return buf_detach(&b);
}

/* The page at path as fetched from url (NULL: a saved page). */
static struct page *open_page(const char *path, const char *url)
{
	struct page *p = calloc(1, sizeof *p);
	size_t len = 0;

	p->raw = slurp(path, &len);
	if (p->raw == NULL)
		fail_msg("cannot read %s (run from the repository root)", path);
	board_page_utf8(p->raw, len, NULL, &p->utf8);
	board_page_open(&p->pg, buf_str(&p->utf8), p->utf8.len, url, path, NULL);
	return p;
}

static struct page *open_str(const char *html, const char *url)
{
	struct page *p = calloc(1, sizeof *p);

	p->raw = strdup(html);
	buf_adds(&p->utf8, html);
	board_page_open(&p->pg, buf_str(&p->utf8), p->utf8.len, url, "inline.html", NULL);
	return p;
}

static void close_page(struct page *p)
{
	board_page_close(&p->pg);
	buf_free(&p->utf8);
	free(p->raw);
	free(p);
}

static struct forum_thread *thread_of(const char *path, const char *url)
{
	struct page *p = open_page(path, url);
	struct forum_thread *t = NULL;
	char *err = NULL;

	if (vb->parse_thread(&p->pg, &t, &err) != 0)
		fail_msg("%s: %s", path, err);
	close_page(p);
	return t;
}

static const struct forum_post *post(const struct forum_thread *t, const char *id)
{
	for (size_t i = 0; i < t->nposts; i++)
		if (strcmp(t->posts[i].id, id) == 0)
			return &t->posts[i];
	fail_msg("post %s not found", id);
	return NULL;
}

/* No page furniture inside any body or signature. */
static void no_furniture(const struct forum_thread *t)
{
	static const char *const furniture[] = {
		"Reply With Quote",
		"Similar Threads",
		"Last edited by",
		"Join Date",
		"Share",
		"Tweet",
		"Quick Navigation",
		"Bookmarks",
		"Posting Permissions",
		"Tags:",
		"View Profile",
		NULL,
	};
	for (size_t i = 0; i < t->nposts; i++)
		for (const char *const *f = furniture; *f != NULL; f++) {
			if (strstr(t->posts[i].body, *f) != NULL)
				fail_msg("post %s: \"%s\" in the body", t->posts[i].id, *f);
			if (t->posts[i].signature && strstr(t->posts[i].signature, *f) != NULL)
				fail_msg("post %s: \"%s\" in the signature", t->posts[i].id, *f);
		}
}

/* ---- detection ---- */

static void test_detect(void **state)
{
	static const char *const ours[] = {VB3,
					   VB4,
					   VB5A,
					   VB5B,
					   FIX "vb3-forumhome.html",
					   FIX "vb4-forumdisplay.html",
					   FIX "vb4-login-badpass.html",
					   NULL};
	static const char *const others[] = {
		CORPUS "phpbb/NetTally/phpBB.html",
		CORPUS "xenforo/NetTally/Xenforo2.html",
		CORPUS "xenforo/NetTally/Xenforo1.html",
		CORPUS
		"mybb/magic-html/08412f7a050466793eb2952d83f8c051dd01dd3cd863b93175b0a3ff93eb5089.html",
		NULL,
	};
	(void)state;
	for (const char *const *f = ours; *f != NULL; f++) {
		struct page *p = open_page(*f, NULL);
		assert_int_equal(vb->detect(&p->pg), 100);
		assert_ptr_equal(board_detect(&p->pg), &board_vbulletin);
		assert_ptr_equal(board_engine("vbulletin"), &board_vbulletin);
		close_page(p);
	}
	for (const char *const *f = others; *f != NULL; f++) {
		struct page *p = open_page(*f, NULL);
		assert_int_equal(vb->detect(&p->pg), 0);
		close_page(p);
	}
	/* without the generator meta: the vbulletin_ scripts, then markers */
	struct page *p = open_str("<html><head><script src=\"clientscript/vbulletin_global.js\">"
				  "</script></head><body>x</body></html>",
				  NULL);
	assert_int_equal(vb->detect(&p->pg), 80);
	close_page(p);
	p = open_str("<div id=\"post_message_5\">x</div>", NULL);
	assert_int_equal(vb->detect(&p->pg), 60);
	close_page(p);
	p = open_str("<p>Hello</p>", NULL);
	assert_int_equal(vb->detect(&p->pg), 0);
	assert_null(board_detect(&p->pg));
	close_page(p);
}

static void test_kind(void **state)
{
	static const struct {
		const char *file;
		enum board_page_kind kind;
	} cases[] = {
		{VB3, BOARD_PAGE_THREAD},
		{VB4, BOARD_PAGE_THREAD},
		{VB5A, BOARD_PAGE_THREAD},
		{FIX "vb3-forumhome.html", BOARD_PAGE_INDEX},
		{FIX "vb4-forumhome.html", BOARD_PAGE_INDEX},
		{FIX "vb4-forumdisplay.html", BOARD_PAGE_FORUM},
		{FIX "vb3-forumdisplay-de.html", BOARD_PAGE_FORUM},
		{FIX "vb4-forumdisplay-empty.html", BOARD_PAGE_FORUM},
		{FIX "vb4-nopermission-guest.html", BOARD_PAGE_LOGIN},
		{FIX "vb4-nopermission.html", BOARD_PAGE_NO_PERMISSION},
		{FIX "vb4-login-captcha.html", BOARD_PAGE_CAPTCHA},
		{FIX "vb4-login-badpass.html", BOARD_PAGE_MESSAGE},
		{FIX "vb4-closed.html", BOARD_PAGE_MESSAGE},
		{FIX "vb3-newreply-flood.html", BOARD_PAGE_MESSAGE},
		{FIX "vb4-newreply.html", BOARD_PAGE_OTHER},
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct page *p = open_page(cases[i].file, NULL);
		if (vb->kind(&p->pg) != cases[i].kind)
			fail_msg("%s: kind %d, want %d", cases[i].file, vb->kind(&p->pg),
				 cases[i].kind);
		close_page(p);
	}
}

/* ---- URLs and ids in links ---- */

static void test_urls(void **state)
{
	char *s;

	(void)state;
	assert_string_equal(s = vb->index_url(BASE), BASE "index.php");
	free(s);
	assert_string_equal(s = vb->forum_url(BASE, "12", 1), BASE "forumdisplay.php?f=12");
	free(s);
	assert_string_equal(s = vb->forum_url(BASE, "12", 3), BASE "forumdisplay.php?f=12&page=3");
	free(s);
	assert_string_equal(s = vb->thread_url(BASE, "34", 1), BASE "showthread.php?t=34");
	free(s);
	assert_string_equal(s = vb->thread_url(BASE, "34", 2), BASE "showthread.php?t=34&page=2");
	free(s);
	assert_string_equal(s = vb->feed_url(BASE, "2"), BASE "external.php?type=RSS2&forumids=2");
	free(s);
	assert_string_equal(s = vb->feed_url(BASE, NULL), BASE "external.php?type=RSS2");
	free(s);
	assert_string_equal(s = vb->login_url(BASE), BASE "login.php?do=login");
	free(s);
	assert_string_equal(s = vb->reply_url(BASE, "34", NULL),
			    BASE "newreply.php?do=newreply&t=34");
	free(s);
	assert_string_equal(s = vb->reply_url(BASE, "34", "2002"),
			    BASE "newreply.php?do=newreply&t=34&p=2002");
	free(s);
	assert_string_equal(s = vb->new_thread_url(BASE, "2"),
			    BASE "newthread.php?do=newthread&f=2");
	free(s);

	/* SEO-friendly forms read from links */
	static const struct {
		const char *href, *forum, *thread, *post;
	} links[] = {
		{"forumdisplay.php?f=12", "12", NULL, NULL},
		{"forumdisplay.php?s=abc&amp;f=12&page=2", "12", NULL, NULL},
		{"forumdisplay.php?12-General-Talk", "12", NULL, NULL},
		{"forumdisplay.php/12-General-Talk/page3", "12", NULL, NULL},
		{"https://x.org/forums/12-general-talk/", "12", NULL, NULL},
		{"archive/index.php/f-12.html", "12", NULL, NULL},
		{"showthread.php?t=123&page=2", NULL, "123", NULL},
		{"showthread.php?123-Some-title", NULL, "123", NULL},
		{"showthread.php/123-Some-title/page2", NULL, "123", NULL},
		{"https://x.org/threads/123-some-title/", NULL, "123", NULL},
		{"showthread.php?p=456#post456", NULL, NULL, "456"},
		{"showthread.php?123-Title&p=456&viewfull=1#post456", NULL, "123", "456"},
		{"member.php?u=7", NULL, NULL, NULL},
	};
	for (size_t i = 0; i < sizeof links / sizeof *links; i++) {
		char *f = vb_forum_of(links[i].href), *t = vb_thread_of(links[i].href);
		char *p = vb_post_of(links[i].href);
		if ((f == NULL) != (links[i].forum == NULL) || (f && strcmp(f, links[i].forum)) ||
		    (t == NULL) != (links[i].thread == NULL) || (t && strcmp(t, links[i].thread)) ||
		    (p == NULL) != (links[i].post == NULL) || (p && strcmp(p, links[i].post)))
			fail_msg("%s: forum %s thread %s post %s", links[i].href, f ? f : "-",
				 t ? t : "-", p ? p : "-");
		free(f);
		free(t);
		free(p);
	}
	s = vb_member_of("member.php?21-Mika");
	assert_string_equal(s, "21");
	free(s);
	s = vb_member_of("https://www.worldaffairsboard.com/member/1033-parihaka");
	assert_string_equal(s, "1033");
	free(s);
}

/* ---- thread pages (corpus) ---- */

static void test_corpus_vb3(void **state)
{
	struct forum_thread *t = thread_of(VB3, NULL);
	const struct forum_post *p;

	(void)state;
	assert_string_equal(t->id, "128882");
	assert_string_equal(t->title, "(L+CR) Hibike! Euphonium [anime]");
	assert_string_equal(t->board, "Older Series");
	assert_int_equal(t->page, 152);
	assert_int_equal(t->pages, 155);
	assert_int_equal(t->nposts, 20);
	p = &t->posts[0];
	assert_string_equal(p->id, "5768670");
	assert_int_equal(p->position, 3021);
	assert_string_equal(p->author, "Shirohige");
	assert_string_equal(p->author_id, "250472");
	assert_int_equal(p->guest, 0);
	/* "2016-02-01, 02:21" as wall-clock UTC */
	assert_int_equal(p->date, 1454293260);
	assert_int_equal(p->markup, MARKUP_HTML);
	/* the first quote's source post is the parent, the quote stays */
	assert_string_equal(p->parent_id, "5768621");
	assert_non_null(strstr(p->body, "&amp;p=5768621#post5768621"));
	assert_null(post(t, "5768683")->parent_id);
	assert_int_equal(t->posts[19].position, 3040);
	/* signatures apart from the body, without the rule */
	p = post(t, "5768715");
	assert_non_null(p->signature);
	assert_null(strstr(p->signature, "__________"));
	no_furniture(t);
	forum_thread_free(t);
}

static void test_corpus_vb4(void **state)
{
	struct forum_thread *t = thread_of(VB4, NULL);
	const struct forum_post *p;

	(void)state;
	assert_string_equal(t->id, "9687");
	assert_string_equal(t->title, "Legendary military columnist, author Bob Dorr dies at 76");
	assert_string_equal(t->board, "Air Force");
	assert_int_equal(t->page, 1);
	assert_int_equal(t->pages, 2);
	assert_int_equal(t->total_posts, 15);
	assert_int_equal(t->nposts, 10);
	p = &t->posts[0];
	assert_string_equal(p->id, "365266");
	assert_int_equal(p->position, 1);
	assert_string_equal(p->author, "Rainmaker");
	assert_string_equal(p->author_id, "13985");
	assert_string_equal(p->title, "Legendary military columnist, author Bob Dorr dies at 76");
	assert_int_equal(p->date, 1466002980);
	assert_true(strncmp(p->url, "http://forums.militarytimes.com/showthread.php/9687-", 52) ==
		    0);
	p = post(t, "365267");
	assert_string_equal(p->author, "Mjölnir");
	assert_true(strncmp(p->signature, "The most important six inches", 29) == 0);
	assert_null(strstr(p->body, "six inches"));
	assert_null(p->parent_id);
	assert_string_equal(post(t, "365272")->parent_id, "365268");
	assert_string_equal(post(t, "367742")->parent_id, "367740");
	assert_int_equal(t->posts[9].position, 10);
	no_furniture(t);
	forum_thread_free(t);
}

static void test_corpus_vb5(void **state)
{
	struct forum_thread *t = thread_of(VB5A, NULL);
	const struct forum_post *p;

	(void)state;
	assert_string_equal(t->id, "48939");
	assert_string_equal(t->title, "Thread title correction");
	assert_string_equal(t->board, "WAB Information Center");
	assert_int_equal(t->page, 1);
	assert_int_equal(t->pages, 1);
	assert_int_equal(t->nposts, 2);
	p = &t->posts[0];
	assert_string_equal(p->id, "48939");
	assert_int_equal(p->position, 1);
	assert_string_equal(p->author, "Ken_NJ");
	assert_string_equal(p->author_id, "14995");
	/* data-node-publishdate: epoch seconds */
	assert_int_equal(p->date, 1524610236);
	assert_string_equal(p->title, "Thread title correction");
	assert_true(strncmp(p->body, "Can an admin please correct the title", 37) == 0);
	p = &t->posts[1];
	assert_string_equal(p->id, "1390626");
	assert_string_equal(p->author, "TopHatter");
	assert_string_equal(p->parent_id, "48939");
	assert_non_null(strstr(p->body, "bbcode_quote"));
	no_furniture(t);
	forum_thread_free(t);

	t = thread_of(VB5B, NULL);
	assert_string_equal(t->id, "1586800");
	assert_string_equal(t->title, "A small victory dance");
	assert_int_equal(t->nposts, 6);
	assert_string_equal(t->posts[5].id, "1590082");
	assert_int_equal(t->posts[5].position, 6);
	assert_string_equal(t->posts[5].parent_id, "1590078");
	assert_null(t->posts[1].parent_id);
	no_furniture(t);
	forum_thread_free(t);
}

/* The quote's markup reaches the text writer as a "> " quote with its
 * attribution (text_html), the parent as References. */
static void test_thread_quote_text(void **state)
{
	struct forum_thread *t = thread_of(VB4, NULL);
	const struct forum_post *p = post(t, "365272");
	struct buf out = BUF_INIT;

	(void)state;
	assert_int_equal(text_convert(MARKUP_HTML, p->body, strlen(p->body), &out, NULL), 0);
	assert_non_null(strstr(buf_str(&out), "sandsjames wrote:\n> "));
	buf_free(&out);
	forum_thread_free(t);
	/* vB5 ("Originally posted by") and vB3 ("Quote:" table) quotes too */
	t = thread_of(VB5B, NULL);
	p = post(t, "1590076");
	assert_int_equal(text_convert(MARKUP_HTML, p->body, strlen(p->body), &out, NULL), 0);
	assert_non_null(strstr(buf_str(&out), "Monash wrote:\n> "));
	buf_free(&out);
	forum_thread_free(t);
	t = thread_of(VB3, NULL);
	p = post(t, "5768670");
	assert_int_equal(text_convert(MARKUP_HTML, p->body, strlen(p->body), &out, NULL), 0);
	assert_non_null(strstr(buf_str(&out), "TinyRedLeaf wrote:\n> "));
	buf_free(&out);
	forum_thread_free(t);
}

/* A closed thread shows the closed button instead of the reply one. */
static void test_thread_closed(void **state)
{
	size_t len = 0;
	char *raw = slurp("tests/fixtures/spool/vb3-showthread.html", &len);
	struct buf b = BUF_INIT;
	char *at = strstr(raw, "</body>");
	struct forum_thread *t = NULL;
	char *err = NULL;

	(void)state;
	assert_non_null(at);
	buf_add(&b, raw, (size_t)(at - raw));
	buf_adds(&b, "<img src=\"images/buttons/threadclosed.gif\" alt=\"Geschlossenes Thema\" />"
		     "</body></html>");
	struct page *p = open_str(buf_str(&b), "http://forum.example.org/showthread.php?t=456");
	assert_int_equal(vb->parse_thread(&p->pg, &t, &err), 0);
	assert_int_equal(t->posting, FORUM_POSTING_NO);
	forum_thread_free(t);
	close_page(p);
	/* the page as saved says "You may post replies" */
	p = open_page("tests/fixtures/spool/vb3-showthread.html", NULL);
	assert_int_equal(vb->parse_thread(&p->pg, &t, &err), 0);
	assert_int_equal(t->posting, FORUM_POSTING_YES);
	forum_thread_free(t);
	close_page(p);
	buf_free(&b);
	free(raw);
}

static void test_thread_changed_template(void **state)
{
	struct page *p = open_page(FIX "vb4-thread-changed.html", BASE "showthread.php?t=34");
	struct forum_thread *t = NULL;
	char *err = NULL;

	(void)state;
	assert_int_equal(vb->parse_thread(&p->pg, &t, &err), -1);
	assert_null(t);
	assert_string_equal(err, FIX "vb4-thread-changed.html: post 2001 has no message "
				     "(no post_message_2001)");
	free(err), err = NULL;
	close_page(p);
}

/* A moderator sees deleted posts as placeholders: kept, marked deleted; a
 * post hidden by the reader's ignore list is left out with a warning. */
static void test_thread_deleted_post(void **state)
{
	struct page *p = open_str(
		"<html><head><title>T</title><meta name=\"generator\" content=\"vBulletin 4.2.5\">"
		"</head><body><a href=\"showthread.php?t=9\">t</a><ol id=\"posts\">"
		"<li class=\"postbitlegacy postbitim postcontainer\" id=\"post_91\">"
		"<a class=\"username\" href=\"member.php?3-Ann\">Ann</a>"
		"<div id=\"post_message_91\"><blockquote class=\"postcontent restore\">one"
		"</blockquote></div></li>"
		"<li class=\"postbit postbitdeleted\" id=\"post_92\"><div class=\"postbody\">"
		"<a class=\"username\" href=\"member.php?4-Bo\">Bo</a> This message has been "
		"deleted by Ann. Reason: spam</div></li>"
		"<li class=\"postbitignored postcontainer\" id=\"post_94\"><div class=\"postbody\">"
		"This message is hidden because <strong>Cy</strong> is on your ignore list.</div></li>"
		"<li class=\"postbitlegacy postbitim postcontainer\" id=\"post_93\">"
		"<div id=\"post_message_93\"><blockquote class=\"postcontent restore\">three"
		"</blockquote></div></li></ol></body></html>",
		BASE "showthread.php?t=9");
	struct forum_thread *t = NULL;
	char *err = NULL;

	(void)state;
	assert_int_equal(vb->parse_thread(&p->pg, &t, &err), 0);
	assert_int_equal(t->nposts, 3);
	assert_string_equal(t->posts[1].id, "92");
	assert_int_equal(t->posts[1].deleted, 1);
	assert_string_equal(t->posts[1].author, "Bo");
	assert_int_equal(t->posts[0].deleted, 0);
	assert_string_equal(t->posts[2].body, "three");
	assert_string_equal(t->warnings, "inline.html: post 94 is hidden by the ignore list");
	forum_thread_free(t);
	close_page(p);
}

/* ---- forum home ---- */

static void check_forum(const struct board_listing *l, size_t i, const char *id, const char *title,
			const char *parent, int category, int link)
{
	assert_true(i < l->nforums);
	const struct board_forum *f = &l->forums[i];
	assert_string_equal(f->id, id);
	assert_string_equal(f->title, title);
	if (parent == NULL)
		assert_null(f->parent_id);
	else
		assert_string_equal(f->parent_id, parent);
	assert_int_equal(f->category, category);
	assert_int_equal(f->link, link);
	assert_non_null(f->url);
}

static void test_index_vb4(void **state)
{
	struct page *p = open_page(FIX "vb4-forumhome.html", BASE "forum.php");
	struct board_listing l;
	char *err = NULL;

	(void)state;
	assert_int_equal(vb->parse_index(&p->pg, &l, &err), 0);
	assert_int_equal(l.nforums, 8);
	check_forum(&l, 0, "1", "Community", NULL, 1, 0);
	assert_string_equal(l.forums[0].url, BASE "forumdisplay.php?1-Community");
	check_forum(&l, 1, "2", "General Discussion", "1", 0, 0);
	check_forum(&l, 2, "5", "Introductions", "2", 0, 0);
	check_forum(&l, 3, "6", "Off Topic", "2", 0, 0);
	check_forum(&l, 4, "3", "Buy & Sell", "1", 0, 0);
	check_forum(&l, 5, "4", "Support", NULL, 1, 0);
	check_forum(&l, 6, "8", "Help Desk", "4", 0, 0);
	check_forum(&l, 7, "7", "Our Wiki", "1", 0, 1);
	assert_string_equal(l.forums[7].url, "https://wiki.example.org/");
	board_listing_clear(&l);
	close_page(p);
}

static void test_index_vb3(void **state)
{
	/* ISO-8859-1, converted before parsing */
	struct page *p = open_page(FIX "vb3-forumhome.html", "http://forum.example.org/index.php");
	struct board_listing l;
	char *err = NULL;

	(void)state;
	assert_int_equal(vb->parse_index(&p->pg, &l, &err), 0);
	assert_int_equal(l.nforums, 6);
	check_forum(&l, 0, "1", "Community", NULL, 1, 0);
	check_forum(&l, 1, "2", "General Discussion", "1", 0, 0);
	assert_string_equal(l.forums[1].url, "http://forum.example.org/forumdisplay.php?f=2");
	check_forum(&l, 2, "5", "Introductions", "2", 0, 0);
	check_forum(&l, 3, "10", "Support", NULL, 1, 0);
	check_forum(&l, 4, "11", "Help Desk", "10", 0, 0);
	check_forum(&l, 5, "9", "Main web site", "1", 0, 1);
	board_listing_clear(&l);
	close_page(p);

	/* a page without any forum list */
	p = open_page(FIX "vb4-login-badpass.html", BASE "login.php?do=login");
	assert_int_equal(vb->parse_index(&p->pg, &l, &err), -1);
	assert_non_null(strstr(err, "vb4-login-badpass.html: no forum list found"));
	free(err), err = NULL;
	close_page(p);
}

/* ---- thread lists ---- */

static const struct board_topic *topic(const struct board_listing *l, const char *id)
{
	for (size_t i = 0; i < l->ntopics; i++)
		if (strcmp(l->topics[i].id, id) == 0)
			return &l->topics[i];
	fail_msg("topic %s not listed", id);
	return NULL;
}

static void test_forum_vb4(void **state)
{
	struct page *p = open_page(FIX "vb4-forumdisplay.html",
				   BASE "forumdisplay.php?2-General-Discussion");
	struct board_listing l;
	char *err = NULL;
	const struct board_topic *t;

	(void)state;
	assert_int_equal(vb->parse_forum(&p->pg, &l, &err), 0);
	assert_string_equal(l.forum_id, "2");
	assert_string_equal(l.title, "General Discussion");
	assert_int_equal(l.page, 1);
	assert_int_equal(l.pages, 3);
	assert_string_equal(l.next_url, BASE "forumdisplay.php?2-General-Discussion/page2");
	assert_int_equal(l.ntopics, 4);
	t = &l.topics[0];
	assert_string_equal(t->id, "12");
	assert_string_equal(t->title, "Forum rules");
	assert_string_equal(t->url, BASE "showthread.php?12-Forum-rules");
	assert_int_equal(t->sticky, 1);
	assert_int_equal(t->replies, 0);
	assert_string_equal(t->last_post_id, "120");
	assert_int_equal(t->last_post, 1578218400); /* 01-05-2020, 10:00 AM */
	t = topic(&l, "34");
	assert_int_equal(t->sticky, 0);
	assert_int_equal(t->moved, 0);
	assert_int_equal(t->replies, 1024);
	assert_int_equal(t->pages, 3);
	assert_string_equal(t->last_post_id, "2003");
	assert_int_equal(t->last_post, 1709750400); /* 03-06-2024, 06:40 PM */
	t = topic(&l, "35");
	assert_int_equal(t->moved, 1);
	assert_int_equal(t->replies, -1);
	assert_null(t->last_post_id);
	t = topic(&l, "36");
	assert_int_equal(t->replies, 2);
	assert_int_equal(t->pages, 0);
	/* the sub-forum listed above the threads */
	assert_int_equal(l.nforums, 1);
	check_forum(&l, 0, "5", "Introductions", "2", 0, 0);
	board_listing_clear(&l);
	close_page(p);
}

static void test_forum_vb3_german(void **state)
{
	struct page *p = open_page(FIX "vb3-forumdisplay-de.html", NULL);
	struct board_listing l;
	char *err = NULL;
	const struct board_topic *t;

	(void)state;
	assert_int_equal(vb->parse_forum(&p->pg, &l, &err), 0);
	assert_string_equal(l.forum_id, "3");
	assert_string_equal(l.title, "Allgemeines");
	/* "Seite 2 von 5" */
	assert_int_equal(l.page, 2);
	assert_int_equal(l.pages, 5);
	assert_string_equal(l.next_url, "http://forum.beispiel.de/forumdisplay.php?f=3&page=3");
	assert_int_equal(l.ntopics, 3);
	assert_int_equal(l.nforums, 0);
	t = topic(&l, "456");
	assert_string_equal(t->title, "Grüße aus Köln: Straßenbahn-Fragen");
	assert_int_equal(t->sticky, 1); /* "Wichtig:" */
	assert_int_equal(t->replies, 64);
	assert_int_equal(t->pages, 7);
	assert_string_equal(t->last_post_id, "1003");
	assert_int_equal(t->last_post, 1709409900); /* 02.03.2024 20:05 */
	t = topic(&l, "470");
	assert_int_equal(t->moved, 1); /* "Verschoben:" */
	assert_int_equal(t->sticky, 0);
	/* vB3's goto=lastpost link: the date, no post id */
	t = topic(&l, "480");
	assert_int_equal(t->replies, 3);
	assert_int_equal(t->last_post, 1709285400);
	assert_null(t->last_post_id);
	board_listing_clear(&l);
	close_page(p);
}

static void test_forum_empty_and_changed(void **state)
{
	struct page *p = open_page(FIX "vb4-forumdisplay-empty.html", NULL);
	struct board_listing l;
	char *err = NULL;

	(void)state;
	assert_int_equal(vb->parse_forum(&p->pg, &l, &err), 0);
	assert_int_equal(l.ntopics, 0);
	assert_string_equal(l.forum_id, "8");
	assert_int_equal(l.pages, 1);
	assert_null(l.next_url);
	board_listing_clear(&l);
	close_page(p);

	p = open_page(FIX "vb4-forumdisplay-changed.html", NULL);
	assert_int_equal(vb->parse_forum(&p->pg, &l, &err), -1);
	assert_string_equal(err, FIX "vb4-forumdisplay-changed.html: thread 12 has no title link "
				     "(a#thread_title_12)");
	free(err), err = NULL;
	close_page(p);

	p = open_str("<html><head><title>Home</title></head><body><p>Welcome</p></body></html>",
		     BASE);
	assert_int_equal(vb->parse_forum(&p->pg, &l, &err), -1);
	assert_non_null(strstr(err, "inline.html: no thread list found"));
	free(err), err = NULL;
	close_page(p);
}

/* ---- feed ---- */

static void test_feed(void **state)
{
	size_t len = 0;
	char *xml = slurp(FIX "external-rss2.xml", &len);
	struct board_listing l;
	char *err = NULL;

	(void)state;
	assert_int_equal(
		vb->parse_feed(xml, len, BASE "external.php?type=RSS2&forumids=2", &l, &err), 0);
	assert_string_equal(l.forum_id, "2");
	assert_string_equal(l.title, "Example Forums - General Discussion");
	assert_int_equal(l.ntopics, 2);
	assert_string_equal(l.topics[0].id, "34");
	assert_string_equal(l.topics[0].title, "Winter tyres: recommendations?");
	assert_int_equal(l.topics[0].last_post, 1709750400);
	assert_string_equal(l.topics[1].id, "36");
	assert_string_equal(l.topics[1].title, "Hello & welcome from Bremen");
	assert_int_equal(l.topics[1].last_post, 1709546700); /* +0100 */
	board_listing_clear(&l);
	free(xml);

	xml = slurp(FIX "external-entities.xml", &len);
	assert_int_equal(vb->parse_feed(xml, len, "feed.xml", &l, &err), -1);
	assert_string_equal(err, "feed.xml: the feed declares entities (refused)");
	free(err), err = NULL;
	free(xml);
	assert_int_equal(vb->parse_feed("<html><body>no</body></html>", 28, "f", &l, &err), -1);
	free(err), err = NULL;
	assert_int_equal(vb->parse_feed("<rss", 4, "f", &l, &err), -1);
	assert_string_equal(err, "f: not an XML feed");
	free(err), err = NULL;
}

/* ---- login ---- */

static void test_login_form(void **state)
{
	struct page *p = open_page(FIX "vb4-nopermission-guest.html", BASE "showthread.php?t=34");
	struct board_form f;
	char *err = NULL;

	(void)state;
	assert_int_equal(vb->login_form(&p->pg, "Mika", " s3cret ", &f, &err), 0);
	assert_string_equal(f.action, BASE "login.php?do=login");
	assert_string_equal(f.method, "post");
	assert_string_equal(board_form_get(&f, "vb_login_username"), "Mika");
	assert_string_equal(board_form_get(&f, "vb_login_password"), " s3cret ");
	/* md5hash(): the trimmed password */
	assert_string_equal(board_form_get(&f, "vb_login_md5password"),
			    "33e1b232a4e6fa0028a6670753749a17");
	assert_string_equal(board_form_get(&f, "vb_login_md5password_utf"),
			    "33e1b232a4e6fa0028a6670753749a17");
	assert_string_equal(board_form_get(&f, "securitytoken"), "guest");
	assert_string_equal(board_form_get(&f, "do"), "login");
	assert_string_equal(board_form_get(&f, "url"), "/showthread.php?34-Winter-tyres");
	assert_string_equal(board_form_get(&f, "cookieuser"), "1");
	board_form_clear(&f);
	/* a non-ASCII password: characters past U+00FF as &#N; in the md5 */
	assert_int_equal(vb->login_form(&p->pg, "Mika", "\xe2\x82\xac", &f, &err), 0);
	assert_string_equal(board_form_get(&f, "vb_login_md5password"),
			    "e74a7b0490857e7af3c5b2d6830d608f");
	board_form_clear(&f);
	close_page(p);

	/* the navbar form of any guest page, vB3 */
	p = open_page(FIX "vb3-forumhome.html", "http://forum.example.org/index.php");
	assert_int_equal(vb->login_form(&p->pg, "Anna", "pw", &f, &err), 0);
	assert_string_equal(f.action, "http://forum.example.org/login.php?do=login");
	board_form_clear(&f);
	close_page(p);

	p = open_page(FIX "vb4-closed.html", BASE);
	assert_int_equal(vb->login_form(&p->pg, "Mika", "pw", &f, &err), -1);
	assert_non_null(strstr(err, "no vBulletin login form"));
	free(err), err = NULL;
	close_page(p);
}

static void test_login_result(void **state)
{
	static const struct {
		const char *file;
		int ok;
		const char *err;
	} cases[] = {
		{"vb4-login-ok.html", 1, NULL},
		{"vb3-login-ok.html", 1, NULL},
		{"vb4-login-badpass.html", 0,
		 "wrong user name or password: You have entered an invalid "
		 "username or password."},
		{"vb3-login-badpass.html", 0,
		 "wrong user name or password: You have entered an invalid "
		 "username or password."},
		{"vb4-login-captcha.html", 0, "the board wants an image verification (CAPTCHA)"},
		{"vb4-nopermission-guest.html", 0, "login refused: You are not logged in"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char path[256], *err = NULL;
		snprintf(path, sizeof path, FIX "%s", cases[i].file);
		struct page *p = open_page(path, BASE "login.php?do=login");
		int r = vb->login_result(&p->pg, &err);
		if (r != cases[i].ok ||
		    (cases[i].err && (err == NULL || !strstr(err, cases[i].err))))
			fail_msg("%s: %d %s", cases[i].file, r, err ? err : "(no error)");
		if (r == 1)
			assert_null(err);
		free(err), err = NULL;
		close_page(p);
	}
	struct page *p = open_page(FIX "vb4-forumdisplay.html", BASE);
	assert_int_equal(vb->logged_in(&p->pg), 1);
	close_page(p);
	p = open_page(FIX "vb4-forumhome.html", BASE);
	assert_int_equal(vb->logged_in(&p->pg), 0);
	close_page(p);
	p = open_page(FIX "vb3-forumdisplay-de.html", NULL);
	assert_int_equal(vb->logged_in(&p->pg), 1);
	close_page(p);
}

/* ---- write ---- */

static void test_post_form(void **state)
{
	struct page *p = open_page(FIX "vb4-newreply.html",
				   BASE "newreply.php?do=newreply&t=34&p=2002");
	struct board_form f;
	char *err = NULL;

	(void)state;
	assert_int_equal(
		vb->post_form(&p->pg, "Re: Winter tyres", "Thanks!\n[b]bold[/b]", &f, &err), 0);
	assert_string_equal(f.action, BASE "newreply.php?do=postreply&t=34");
	assert_string_equal(f.method, "post");
	assert_string_equal(board_form_get(&f, "securitytoken"),
			    "1709630100-2f6a3b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a");
	assert_string_equal(board_form_get(&f, "posthash"), "7d2f00c3a8e4d9b1f0e6c5a4b3d2e1f0");
	assert_string_equal(board_form_get(&f, "poststarttime"), "1709630100");
	assert_string_equal(board_form_get(&f, "do"), "postreply");
	assert_string_equal(board_form_get(&f, "t"), "34");
	assert_string_equal(board_form_get(&f, "p"), "2002");
	assert_string_equal(board_form_get(&f, "message"), "Thanks!\n[b]bold[/b]");
	assert_string_equal(board_form_get(&f, "message_backup"), "Thanks!\n[b]bold[/b]");
	assert_string_equal(board_form_get(&f, "wysiwyg"), "0");
	assert_string_equal(board_form_get(&f, "emailupdate"), "0");
	assert_string_equal(board_form_get(&f, "signature"), "1");
	assert_null(board_form_get(&f, "disablesmilies"));
	assert_null(board_form_get(&f, "preview"));
	assert_null(board_form_get(&f, "sbutton"));
	board_form_clear(&f);
	close_page(p);

	p = open_page(FIX "vb4-newthread.html", BASE "newthread.php?do=newthread&f=2");
	assert_int_equal(vb->post_form(&p->pg, "Studded tyres?", "Are they legal here?", &f, &err),
			 0);
	assert_string_equal(f.action, BASE "newthread.php?do=postthread&f=2");
	assert_string_equal(board_form_get(&f, "subject"), "Studded tyres?");
	assert_string_equal(board_form_get(&f, "do"), "postthread");
	assert_string_equal(board_form_get(&f, "f"), "2");
	assert_string_equal(board_form_get(&f, "message"), "Are they legal here?");
	board_form_clear(&f);
	close_page(p);

	/* vB3's editor; the refusal above it does not matter to the form */
	p = open_page(FIX "vb3-newreply-flood.html", "http://forum.example.org/newreply.php");
	assert_int_equal(vb->post_form(&p->pg, NULL, "again", &f, &err), 0);
	assert_string_equal(board_form_get(&f, "message"), "again");
	assert_string_equal(board_form_get(&f, "t"), "456");
	assert_string_equal(board_form_get(&f, "securitytoken"),
			    "1709409900-9b3a1c2d4e5f60718293a4b5c6d7e8f901234567");
	board_form_clear(&f);
	close_page(p);

	/* no form: the board's reason */
	p = open_page(FIX "vb4-closed.html", BASE);
	assert_int_equal(vb->post_form(&p->pg, NULL, "x", &f, &err), -1);
	assert_string_equal(err, FIX "vb4-closed.html: no reply form: the board says: Sorry! This "
				     "thread is closed!");
	free(err), err = NULL;
	close_page(p);
}

static void test_post_result(void **state)
{
	struct page *p;
	char *id = NULL, *err = NULL;

	(void)state;
	/* the Location of the redirect */
	p = open_page(FIX "vb4-post-ok.html", BASE "newreply.php?do=postreply&t=34");
	assert_int_equal(vb->post_result(&p->pg, BASE "showthread.php?p=2044#post2044", &id, &err),
			 1);
	assert_string_equal(id, "2044");
	free(id);
	/* the redirect page alone */
	assert_int_equal(vb->post_result(&p->pg, NULL, &id, &err), 1);
	assert_string_equal(id, "2044");
	assert_null(err);
	free(id);
	close_page(p);

	static const struct {
		const char *file, *text;
	} refusals[] = {
		{"vb3-newreply-flood.html",
		 "This forum requires that you wait 30 seconds between posts. Please try again in 12 "
		 "seconds."},
		{"vb4-newreply-tooshort.html",
		 "The message you have entered is too short. Please lengthen your message to at least "
		 "10 characters."},
		{"vb4-closed.html", "Sorry! This thread is closed!"},
		{"vb4-nopermission.html", "Mika, you do not have permission to access this page."},
	};
	for (size_t i = 0; i < sizeof refusals / sizeof *refusals; i++) {
		char path[256];
		snprintf(path, sizeof path, FIX "%s", refusals[i].file);
		p = open_page(path, BASE "newreply.php?do=postreply&t=34");
		id = NULL;
		err = NULL;
		assert_int_equal(vb->post_result(&p->pg, NULL, &id, &err), 0);
		assert_null(id);
		if (err == NULL || strncmp(err, refusals[i].text, strlen(refusals[i].text)) != 0)
			fail_msg("%s: %s", refusals[i].file, err ? err : "(none)");
		free(err), err = NULL;
		char *m = vb->message(&p->pg);
		assert_non_null(m);
		assert_true(strncmp(m, refusals[i].text, strlen(refusals[i].text)) == 0);
		free(m);
		close_page(p);
	}
	/* the form again, without a message: not taken */
	p = open_page(FIX "vb4-newreply.html", BASE "newreply.php?do=postreply&t=34");
	assert_int_equal(vb->post_result(&p->pg, NULL, &id, &err), 0);
	assert_non_null(strstr(err, "not recognised"));
	free(err), err = NULL;
	close_page(p);
}

/* ---- saved pages through the engine table (spool import) ---- */

static void test_spool_routes_by_engine(void **state)
{
	struct forum_thread *t = NULL;
	char *err = NULL, *data;
	size_t len = 0;

	(void)state;
	/* a vB5 page: detected and parsed by the vBulletin engine */
	data = slurp(VB5B, &len);
	assert_int_equal(spool_parse_file("page.html", data, len, &t, &err), 0);
	assert_string_equal(t->id, "1586800");
	assert_int_equal(t->nposts, 6);
	forum_thread_free(t);
	free(data);
	/* a page of another engine goes to that engine's parser */
	data = slurp(CORPUS "phpbb/NetTally/phpBB.html", &len);
	t = NULL;
	assert_int_equal(spool_parse_file("topic.html", data, len, &t, &err), 0);
	assert_int_equal(t->nposts, 25);
	forum_thread_free(t);
	t = NULL;
	free(data);
	/* not a forum page */
	const char *home = "<html><head><title>Hi</title></head><body><p>Welcome</p></body></html>";
	assert_int_equal(spool_parse_file("home.html", home, strlen(home), &t, &err), -1);
	assert_string_equal(err, "home.html: not a page of a known forum engine");
	free(err), err = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_kind),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_corpus_vb3),
		cmocka_unit_test(test_corpus_vb4),
		cmocka_unit_test(test_corpus_vb5),
		cmocka_unit_test(test_thread_quote_text),
		cmocka_unit_test(test_thread_closed),
		cmocka_unit_test(test_thread_changed_template),
		cmocka_unit_test(test_thread_deleted_post),
		cmocka_unit_test(test_index_vb4),
		cmocka_unit_test(test_index_vb3),
		cmocka_unit_test(test_forum_vb4),
		cmocka_unit_test(test_forum_vb3_german),
		cmocka_unit_test(test_forum_empty_and_changed),
		cmocka_unit_test(test_feed),
		cmocka_unit_test(test_login_form),
		cmocka_unit_test(test_login_result),
		cmocka_unit_test(test_post_form),
		cmocka_unit_test(test_post_result),
		cmocka_unit_test(test_spool_routes_by_engine),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
