/*
 * Tests for gateway/forum/xenforo.c (the XenForo board engine) and the
 * XenForo quote markup of gateway/article/text_html.c: the corpus pages
 * saved from real XenForo 2 and 1 boards (../shared/corpora/forum-html/
 * xenforo/, relative to the repository root) and hand-written pages in
 * tests/fixtures/boards/xenforo/ for what the corpus lacks (forum list,
 * thread lists, login and its failures, a changed template, German
 * furniture). Run from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../gateway/forum/board.h"
#include "forumgate/buf.h"
#include "forumgate/forum.h"
#include "forumgate/text.h"

#define CORPUS "../shared/corpora/forum-html/xenforo/"
#define FIX "tests/fixtures/boards/xenforo/"
#define XF2_COM CORPUS "NetTally/Xenforo2.html"
#define XF1_SV CORPUS "NetTally/Xenforo1.html"
#define XF2_MARSHALL                                                                               \
	CORPUS "magic-html/be673eda133de3729a144d296b9adfb8b2e1178da8ff8e5fc3d5f72d8a67b807.html"
#define XFMG_MEDIA                                                                                 \
	CORPUS "magic-html/d676aafbd914fbd3c728501c9f467c600d066927e32b31cc076ed740626fe22d.html"

static const struct board_engine *xf = &board_xenforo;

struct page {
	char *html;
	struct board_page pg;
};

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char tmp[8192];
	size_t n;

	if (f == NULL)
		fail_msg("cannot read %s (run from the repository root)", path);
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	*len = b.len;
	buf_addc(&b, '\0');
	return buf_detach(&b);
}

static void open_page(struct page *p, const char *path, const char *url)
{
	size_t len;

	p->html = slurp(path, &len);
	board_page_open(&p->pg, p->html, len, url, path, NULL);
}

static void close_page(struct page *p)
{
	board_page_close(&p->pg);
	free(p->html);
}

static struct forum_thread *thread_of(const char *path, const char *url)
{
	struct page p;
	struct forum_thread *t = NULL;
	char *err = NULL;

	open_page(&p, path, url);
	assert_int_equal(xf->kind(&p.pg), BOARD_PAGE_THREAD);
	if (xf->parse_thread(&p.pg, &t, &err) != 0)
		fail_msg("%s: %s", path, err);
	close_page(&p);
	assert_non_null(t);
	return t;
}

/* The post's body as a newsreader shows it. */
static char *plain(const char *html, struct text_info *info)
{
	struct buf out = BUF_INIT;

	assert_int_equal(text_convert(MARKUP_HTML, html, strlen(html), &out, info), 0);
	buf_addc(&out, '\0');
	return buf_detach(&out);
}

/* No furniture of a XenForo page in any body or signature: page furniture
 * neither in the HTML nor in the text; the quote labels ("said:", "Click
 * to expand") stay in the HTML, where text_html drops them. */
static void no_furniture(const struct forum_thread *t)
{
	static const char *const page[] = {
		"Similar threads",
		"\xc3\x84hnliche Themen",
		"Share",
		"Teilen",
		"Report",
		"Melden",
		"Reactions",
		"Reaktionen",
		"Last edited",
		"Zuletzt bearbeitet",
		"js-selectToQuoteEnd",
		"message-attribution",
		"reactionsBar",
		"Well-known member",
		"message-lastEdit",
		"Log out",
		"actionBar",
		"messageMeta",
		"postNumber",
		NULL,
	};
	static const char *const text[] = {
		"Click to expand", "Zum Vergr", " said:", "hat geschrieben", "Spoiler:", NULL};
	for (size_t i = 0; i < t->nposts; i++) {
		const struct forum_post *p = &t->posts[i];
		char *txt = plain(p->body, NULL);
		for (size_t w = 0; page[w] != NULL; w++) {
			if (strstr(txt, page[w]) != NULL || strstr(p->body, page[w]) != NULL)
				fail_msg("post %s: furniture \"%s\" in the body: %s", p->id,
					 page[w], txt);
			if (p->signature != NULL && strstr(p->signature, page[w]) != NULL)
				fail_msg("post %s: furniture \"%s\" in the signature", p->id,
					 page[w]);
		}
		for (size_t w = 0; text[w] != NULL; w++)
			if (strstr(txt, text[w]) != NULL)
				fail_msg("post %s: \"%s\" in the text: %s", p->id, text[w], txt);
		free(txt);
	}
}

/* ---- corpus: XenForo 2 ---- */

static void test_xf2_xenforo_com(void **state)
{
	(void)state;
	struct page p;
	open_page(&p, XF2_COM, NULL);
	assert_true(xf->detect(&p.pg) >= 90);
	assert_ptr_equal(board_detect(&p.pg), xf);
	assert_int_equal(xf->logged_in(&p.pg), 0);
	assert_null(xf->message(&p.pg)); /* "JavaScript is disabled" is no message */
	close_page(&p);

	struct forum_thread *t = thread_of(XF2_COM, NULL);
	assert_string_equal(t->id, "8276");
	assert_string_equal(t->title, "a dark theme option");
	assert_string_equal(t->board, "18");
	assert_string_equal(t->url,
			    "https://xenforo.com/community/threads/a-dark-theme-option.8276/");
	assert_int_equal(t->page, 1);
	assert_int_equal(t->pages, 1);
	assert_int_equal(t->nposts, 8);
	static const char *const ids[] = {"114210", "114243",  "114249",  "114253",
					  "115610", "1091229", "1091230", "1358710"};
	for (size_t i = 0; i < 8; i++) {
		assert_string_equal(t->posts[i].id, ids[i]);
		assert_int_equal(t->posts[i].position, (int)i + 1);
		assert_int_equal(t->posts[i].markup, MARKUP_HTML);
		assert_int_equal(t->posts[i].guest, 0);
		assert_null(t->posts[i].signature);
		assert_null(t->posts[i].parent_id);
	}
	const struct forum_post *p0 = &t->posts[0];
	assert_string_equal(p0->author, "dieketzer");
	assert_string_equal(p0->author_id, "496");
	assert_int_equal(p0->date, 1290336718);
	assert_string_equal(
		p0->url,
		"https://xenforo.com/community/threads/a-dark-theme-option.8276/post-114210");
	assert_true(strncmp(p0->body, "it would be great if by default a dark theme", 44) == 0);
	assert_string_equal(t->posts[4].author, "T3G Silas");
	assert_string_equal(t->posts[7].author_id, "53960");
	assert_int_equal(t->posts[7].date, 1561541109);
	/* a link in a body is absolute */
	assert_non_null(strstr(
		t->posts[6].body,
		"href=\"https://xenforo.com/community/resources/default-style-dark.3656/\""));
	no_furniture(t);
	forum_thread_free(t);
}

static void test_xf2_marshall_quotes(void **state)
{
	(void)state;
	struct forum_thread *t = thread_of(XF2_MARSHALL, NULL);
	assert_string_equal(t->id, "138154");
	assert_string_equal(t->title, "Extending pilot light lifespan with a resistor?");
	assert_string_equal(t->board, "29"); /* the breadcrumbs' last forum */
	assert_int_equal(t->nposts, 10);
	assert_int_equal(t->page, 1);
	assert_int_equal(t->pages, 1);
	assert_string_equal(t->posts[0].id, "2478064");
	assert_string_equal(t->posts[0].author, "strato2009");
	assert_string_equal(t->posts[0].author_id, "46102");
	assert_int_equal(t->posts[0].date, 1714951290);
	assert_string_equal(t->posts[2].author, "London John");
	assert_int_equal(t->posts[9].position, 10);
	assert_string_equal(t->posts[9].id, "2479646");
	/* the three quotes name their source posts */
	assert_string_equal(t->posts[1].parent_id, "2478064");
	assert_string_equal(t->posts[3].parent_id, "2478207");
	assert_string_equal(t->posts[5].parent_id, "2478304");
	assert_null(t->posts[2].parent_id);

	struct text_info info = {NULL, 0};
	char *txt = plain(t->posts[1].body, &info);
	assert_true(strncmp(txt, "strato2009 wrote:\n> I see some amps with resistor", 49) == 0);
	assert_non_null(strstr(txt, "\n\nThat would be very model specific"));
	assert_int_equal(info.nquoted, 1);
	assert_string_equal(info.quoted_ids[0], "2478064");
	text_info_free(&info);
	free(txt);
	no_furniture(t);
	forum_thread_free(t);
}

static void test_xfmg_media_not_a_thread(void **state)
{
	(void)state;
	struct page p;
	struct forum_thread *t = (struct forum_thread *)1;
	char *err = NULL;

	open_page(&p, XFMG_MEDIA, NULL);
	assert_true(xf->detect(&p.pg) > 0);
	assert_int_equal(xf->kind(&p.pg), BOARD_PAGE_OTHER);
	assert_int_equal(xf->parse_thread(&p.pg, &t, &err), -1);
	assert_null(t);
	assert_non_null(strstr(err, XFMG_MEDIA));
	assert_non_null(strstr(err, "not a XenForo thread page"));
	free(err);
	close_page(&p);
}

/* ---- corpus: XenForo 1 ---- */

static void test_xf1_sufficient_velocity(void **state)
{
	(void)state;
	struct page p;
	open_page(&p, XF1_SV, NULL);
	assert_true(xf->detect(&p.pg) >= 90);
	assert_int_equal(xf->logged_in(&p.pg), 1); /* saved while logged in */
	close_page(&p);

	struct forum_thread *t = thread_of(XF1_SV, NULL);
	assert_string_equal(t->id, "10402");
	assert_string_equal(t->title, "Renascence: A Homura Quest");
	assert_string_equal(t->board, "29");
	assert_int_equal(t->page, 54);
	assert_int_equal(t->pages, 347);
	assert_int_equal(t->nposts, 25);
	const struct forum_post *p0 = &t->posts[0];
	assert_string_equal(p0->id, "2146286");
	assert_int_equal(p0->position, 1326);
	assert_string_equal(p0->author, "TheBleachDoctor");
	assert_string_equal(p0->author_id, "4525");
	assert_string_equal(p0->url, "https://forums.sufficientvelocity.com/posts/2146286/");
	assert_true(strncmp(p0->body, "Rolling.", 8) == 0);
	assert_non_null(p0->signature);
	assert_non_null(strstr(p0->signature, "Meow Quest"));
	assert_null(strstr(p0->body, "Meow Quest"));
	assert_string_equal(t->posts[24].id, "2146619");
	assert_int_equal(t->posts[24].position, 1350);
	/* XF1 quotes: data-author and the AttributionLink's post */
	const struct forum_post *p1 = &t->posts[1];
	assert_string_equal(p1->author, "Crow");
	assert_string_equal(p1->parent_id, "2146285");
	struct text_info info = {NULL, 0};
	char *txt = plain(p1->body, &info);
	assert_true(strncmp(txt, "Higure wrote:\n> Okay, I need rolls for OOC behavior.", 52) == 0);
	assert_non_null(strstr(txt, "TheBleachDoctor wrote:\n> Rolling.\n"));
	assert_null(strstr(txt, "Click to"));
	assert_int_equal(info.nquoted, 2);
	assert_string_equal(info.quoted_ids[0], "2146285");
	assert_string_equal(info.quoted_ids[1], "2146286");
	text_info_free(&info);
	free(txt);
	no_furniture(t);
	forum_thread_free(t);
}

/* ---- hand-written pages ---- */

static void test_thread_page(void **state)
{
	(void)state;
	struct forum_thread *t = thread_of(FIX "thread_view.html", NULL);
	assert_string_equal(t->id, "77");
	assert_string_equal(t->title, "Amp repair"); /* without the "Solved" prefix */
	assert_string_equal(t->board, "2");
	assert_int_equal(t->page, 2);
	assert_int_equal(t->pages, 3);
	assert_int_equal(t->posting, FORUM_POSTING_YES);
	assert_int_equal(t->nposts, 4);

	const struct forum_post *p = &t->posts[0];
	assert_string_equal(p->id, "1021");
	assert_int_equal(p->position, 21);
	assert_string_equal(p->author, "bob");
	assert_string_equal(p->author_id, "2");
	assert_int_equal(p->date, 1682946000);
	assert_string_equal(p->parent_id, "1001");
	assert_string_equal(
		p->signature,
		"<i>bob fixes amps</i> \xe2\x80\x94 <a href=\"https://bob.example/\">bob.example</a>");
	char *txt = plain(p->body, NULL);
	assert_string_equal(
		txt,
		"alice wrote:\n> The hum starts after ten minutes.\n\nCheck the filter caps first.\n");
	free(txt);

	p = &t->posts[1]; /* a guest: no member link */
	assert_string_equal(p->author, "Guest");
	assert_null(p->author_id);
	assert_int_equal(p->guest, 1);
	txt = plain(p->body, NULL);
	assert_non_null(strstr(txt, "\nif (hum)\n    replace(caps);\n"));
	assert_null(strstr(txt, "Code:"));
	assert_non_null(strstr(txt, "[spoiler]\nIt was the caps.\n[/spoiler]"));
	assert_non_null(strstr(txt, "[1] https://board.example/threads/caps.5/"));
	assert_non_null(strstr(txt, "[image: amp.png] <https://img.example/amp.png>"));
	free(txt);

	p = &t->posts[2]; /* deleted, moderator view */
	assert_int_equal(p->deleted, 1);
	assert_string_equal(p->body, "");
	assert_string_equal(p->author, "carol");

	p = &t->posts[3]; /* an unfurled link and an attachment */
	txt = plain(p->body, NULL);
	assert_non_null(strstr(txt, "All about capacitors[1]"));
	assert_null(strstr(txt, "A long description"));
	assert_non_null(strstr(txt, "- amp.jpg[2]"));
	assert_non_null(strstr(txt, "[2] https://board.example/attachments/amp-jpg.55/"));
	assert_null(strstr(txt, "123.4 KB"));
	free(txt);
	no_furniture(t);
	forum_thread_free(t);
}

static void test_thread_german_locked(void **state)
{
	(void)state;
	struct forum_thread *t = thread_of(FIX "thread_view_de_locked.html", NULL);
	assert_string_equal(t->title, "Amp repair"); /* "Gelöst" prefix left out */
	assert_int_equal(t->posting, FORUM_POSTING_NO);
	assert_int_equal(t->nposts, 4);
	assert_string_equal(t->posts[0].parent_id, "1001");
	char *txt = plain(t->posts[0].body, NULL);
	assert_string_equal(
		txt,
		"alice wrote:\n> The hum starts after ten minutes.\n\nCheck the filter caps first.\n");
	free(txt);
	no_furniture(t);
	forum_thread_free(t);
}

static void test_thread_changed_template(void **state)
{
	(void)state;
	struct page p;
	struct forum_thread *t = (struct forum_thread *)1;
	char *err = NULL;

	open_page(&p, FIX "thread_changed.html", NULL);
	assert_int_equal(xf->parse_thread(&p.pg, &t, &err), -1);
	assert_null(t);
	assert_non_null(strstr(err, FIX "thread_changed.html"));
	assert_non_null(strstr(err, "data-content=\"post-N\""));
	free(err);
	close_page(&p);
}

static void test_post_without_body(void **state)
{
	(void)state;
	/* a post container whose body is gone is an error, never a skip */
	static const char html[] =
		"<html id=\"XF\" data-template=\"thread_view\" data-content-key=\"thread-5\">"
		"<h1 class=\"p-title-value\">T</h1>"
		"<article class=\"message message--post\" data-content=\"post-1\" id=\"js-post-1\">"
		"<div class=\"message-userContent\"><article class=\"message-body\">"
		"<div class=\"bbWrapper\">one</div></article></div></article>"
		"<article class=\"message message--post\" data-content=\"post-2\" id=\"js-post-2\">"
		"<div class=\"message-content\"><div class=\"post-text\">two</div></div></article>";
	struct board_page pg;
	struct forum_thread *t = NULL;
	char *err = NULL;

	board_page_open(&pg, html, sizeof html - 1, "https://b.example/threads/5/", "inline", NULL);
	assert_int_equal(xf->parse_thread(&pg, &t, &err), -1);
	assert_non_null(strstr(err, "post 2: no body"));
	free(err);
	board_page_close(&pg);
}

/* XF 2.2 question threads show the solution again above the posts: one
 * post, in its place. */
static void test_post_shown_twice(void **state)
{
	(void)state;
	static const char html[] =
		"<html id=\"XF\" data-template=\"thread_view_type_question\" data-content-key=\"thread-5\">"
		"<h1 class=\"p-title-value\">Q</h1>"
		"<div class=\"block block--solution\"><article class=\"message message--post\" data-content=\"post-2\">"
		"<article class=\"message-body\"><div class=\"bbWrapper\">answer</div></article></article></div>"
		"<article class=\"message message--post\" data-content=\"post-1\"><article class=\"message-body\">"
		"<div class=\"bbWrapper\">question</div></article></article>"
		"<article class=\"message message--post\" data-content=\"post-2\"><article class=\"message-body\">"
		"<div class=\"bbWrapper\">answer</div></article></article>";
	struct board_page pg;
	struct forum_thread *t = NULL;
	char *err = NULL;

	board_page_open(&pg, html, sizeof html - 1, "https://b.example/threads/5/", "q", NULL);
	assert_int_equal(xf->kind(&pg), BOARD_PAGE_THREAD);
	assert_int_equal(xf->parse_thread(&pg, &t, &err), 0);
	assert_int_equal(t->nposts, 2);
	assert_string_equal(t->posts[0].id, "1");
	assert_int_equal(t->posts[0].position, 1);
	assert_string_equal(t->posts[0].body, "question");
	assert_string_equal(t->posts[1].id, "2");
	assert_int_equal(t->posts[1].position, 2);
	assert_string_equal(t->posts[1].url, "https://b.example/posts/2/");
	forum_thread_free(t);
	board_page_close(&pg);
}

static void test_forum_list(void **state)
{
	(void)state;
	struct page p;
	struct board_listing l;
	char *err = NULL;

	open_page(&p, FIX "forum_list.html", NULL);
	assert_int_equal(xf->kind(&p.pg), BOARD_PAGE_INDEX);
	assert_int_equal(xf->parse_index(&p.pg, &l, &err), 0);
	struct {
		const char *id, *title, *url, *parent;
		int category, link;
	} want[] = {
		{"1", "Main forums", "https://board.example/#main-forums.1", NULL, 1, 0},
		{"4", "Members area", "https://board.example/#members-area.4", NULL, 1, 0},
		{"2", "General discussion", "https://board.example/forums/general-discussion.2/",
		 "1", 0, 0},
		{"5", "Off topic", "https://board.example/forums/off-topic.5/", "2", 0, 0},
		{"6", "Our wiki", "https://board.example/link-forums/our-wiki.6/", "2", 0, 1},
		{"3", "Home page", "https://board.example/link-forums/home-page.3/", "1", 0, 1},
		{"7", "Members' lounge", "https://board.example/forums/members-lounge.7/", "4", 0,
		 0},
		{"8", "Secret", "https://board.example/forums/secret.8/", "7", 0, 0},
	};
	assert_int_equal(l.nforums, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < l.nforums; i++) {
		assert_string_equal(l.forums[i].id, want[i].id);
		assert_string_equal(l.forums[i].title, want[i].title);
		assert_string_equal(l.forums[i].url, want[i].url);
		if (want[i].parent == NULL)
			assert_null(l.forums[i].parent_id);
		else
			assert_string_equal(l.forums[i].parent_id, want[i].parent);
		assert_int_equal(l.forums[i].category, want[i].category);
		assert_int_equal(l.forums[i].link, want[i].link);
	}
	assert_int_equal(l.ntopics, 0);
	board_listing_clear(&l);
	close_page(&p);
}

static void check_thread_list(const char *path, const char *const titles[5])
{
	struct page p;
	struct board_listing l;
	char *err = NULL;

	open_page(&p, path, NULL);
	assert_int_equal(xf->kind(&p.pg), BOARD_PAGE_FORUM);
	if (xf->parse_forum(&p.pg, &l, &err) != 0)
		fail_msg("%s", err);
	assert_string_equal(l.forum_id, "2");
	assert_string_equal(l.title, "General discussion");
	assert_int_equal(l.page, 2);
	assert_int_equal(l.pages, 12);
	assert_string_equal(l.next_url, "https://board.example/forums/general-discussion.2/page-3");
	assert_int_equal(l.nforums, 1); /* its sub-forum */
	assert_string_equal(l.forums[0].id, "5");
	assert_string_equal(l.forums[0].parent_id, "2");
	struct {
		const char *id;
		int sticky, moved;
		long replies;
		int64_t last;
		int pages;
	} want[] = {
		{"10", 1, 0, 0, 1682942400, 0},        {"21", 0, 0, 1200, 1682946000, 3},
		{"22", 0, 1, 0, 1682900000, 0},        {"23", 0, 0, 12, 1682800000, 0},
		{"24", 0, 0, 12500000, 1682700000, 5},
	};
	assert_int_equal(l.ntopics, 5);
	for (size_t i = 0; i < 5; i++) {
		const struct board_topic *t = &l.topics[i];
		assert_string_equal(t->id, want[i].id);
		assert_string_equal(t->title, titles[i]);
		assert_int_equal(t->sticky, want[i].sticky);
		assert_int_equal(t->moved, want[i].moved);
		assert_int_equal(t->replies, want[i].replies);
		assert_int_equal(t->last_post, want[i].last);
		assert_int_equal(t->pages, want[i].pages);
	}
	assert_string_equal(l.topics[1].url, "https://board.example/threads/big-thread.21/");
	board_listing_clear(&l);
	close_page(&p);
}

static void test_thread_list(void **state)
{
	(void)state;
	static const char *const en[] = {"Forum rules", "Big & busy thread", "Moved thread",
					 "A question", "Huge"};
	static const char *const de[] = {"Forenregeln",
					 "Gro\xc3\x9f"
					 "es Thema",
					 "Verschobenes Thema", "Eine Frage", "Riesig"};
	check_thread_list(FIX "forum_view.html", en);
	check_thread_list(FIX "forum_view_de.html", de);
}

/* Replaces every `from` in s by `to` (malloc'd). */
static char *replace_all(const char *s, const char *from, const char *to)
{
	struct buf b = BUF_INIT;
	size_t fl = strlen(from);
	const char *p;

	while ((p = strstr(s, from)) != NULL) {
		buf_add(&b, s, (size_t)(p - s));
		buf_adds(&b, to);
		s = p + fl;
	}
	buf_adds(&b, s);
	return buf_detach(&b);
}

/* A thread list without data-container-key, canonical link or
 * .block--threadList (older or restyled templates): the forum comes from
 * the page's URL or its "Post thread" button, the sticky group is found
 * beside .js-threadList. */
static void test_thread_list_plain(void **state)
{
	(void)state;
	size_t len;
	char *orig = slurp(FIX "forum_view.html", &len);
	char *a = replace_all(orig, "data-container-key=\"node-2\"", "data-container-key=\"\"");
	char *b = replace_all(a, "block--threadList", "block--x");
	char *c = replace_all(b, "rel=\"canonical\"", "rel=\"x\"");
	char *d = replace_all(c, "rel=\"alternate\"", "rel=\"x\"");
	char *e = replace_all(d, "<div class=\"block-filterBar\">",
			      "<a href=\"/forums/general-discussion.2/post-thread\">Post thread</a>"
			      "<div class=\"block-filterBar\">");
	static const char *const urls[] = {
		"https://board.example/forums/general-discussion.2/page-2", NULL};
	for (size_t i = 0; i < 2; i++) {
		struct board_page pg;
		struct board_listing l;
		char *err = NULL;
		board_page_open(&pg, e, strlen(e), urls[i], "plain", NULL);
		assert_int_equal(xf->parse_forum(&pg, &l, &err), 0);
		assert_string_equal(l.forum_id, "2");
		assert_int_equal(l.ntopics, 5);
		assert_string_equal(l.topics[0].id, "10");
		assert_int_equal(l.topics[0].sticky, 1);
		board_listing_clear(&l);
		board_page_close(&pg);
	}
	free(orig);
	free(a);
	free(b);
	free(c);
	free(d);
	free(e);
}

/* The same node listed twice (a fuzzer found the first copy's id freed
 * while its sub-forums still pointed at it). */
static void test_forum_list_duplicate_node(void **state)
{
	(void)state;
	static const char html[] =
		"<html id=\"XF\" data-template=\"forum_list\">"
		"<div class=\"node node--id2 node--forum\"><h3 class=\"node-title\"><a href=\"/forums/a.2/\">A</a></h3></div>"
		"<div class=\"node node--id2 node--forum\"><h3 class=\"node-title\"><a href=\"/forums/a.2/\">A</a></h3>"
		"<a class=\"subNodeLink subNodeLink--forum\" href=\"/forums/b.3/\">B</a></div>";
	struct board_page pg;
	struct board_listing l;
	char *err = NULL;

	board_page_open(&pg, html, sizeof html - 1, "https://b.example/forums/", "dup", NULL);
	assert_int_equal(xf->parse_index(&pg, &l, &err), 0);
	assert_int_equal(l.nforums, 2);
	assert_string_equal(l.forums[0].id, "2");
	assert_string_equal(l.forums[1].id, "3");
	assert_string_equal(l.forums[1].parent_id, "2");
	board_listing_clear(&l);
	board_page_close(&pg);
}

/* Article forums (XF 2.2) list previews with data-content="thread-N";
 * an unread thread's title links its "unread" page. */
static void test_thread_list_articles(void **state)
{
	(void)state;
	static const char html[] =
		"<html id=\"XF\" data-template=\"forum_view_type_article\" data-container-key=\"node-4\">"
		"<h1 class=\"p-title-value\">News</h1><div class=\"block\"><div class=\"block-body\">"
		"<article class=\"message message--articlePreview\" data-author=\"ann\" data-content=\"thread-40\">"
		"<h2 class=\"articlePreview-title\"><a href=\"/threads/big-news.40/unread\">Big news</a></h2>"
		"<div class=\"articlePreview-text\">Text</div><time class=\"u-dt\" data-time=\"1600000000\">x</time>"
		"</article>"
		"<article class=\"message message--articlePreview\" data-content=\"thread-41\">"
		"<h2 class=\"articlePreview-title\"><a href=\"/threads/41/\">Old news</a></h2></article>"
		"</div></div>"
		"<div class=\"block\" data-widget-key=\"new_threads\"><div data-content=\"thread-99\">"
		"<a href=\"/threads/x.99/\">widget</a></div></div>";
	struct board_page pg;
	struct board_listing l;
	char *err = NULL;

	board_page_open(&pg, html, sizeof html - 1, "https://b.example/forums/news.4/", "articles",
			NULL);
	assert_int_equal(xf->kind(&pg), BOARD_PAGE_FORUM);
	assert_int_equal(xf->parse_forum(&pg, &l, &err), 0);
	assert_string_equal(l.forum_id, "4");
	assert_int_equal(l.ntopics, 2);
	assert_string_equal(l.topics[0].id, "40");
	assert_string_equal(l.topics[0].title, "Big news");
	assert_string_equal(l.topics[0].url, "https://b.example/threads/big-news.40/");
	assert_int_equal(l.topics[0].last_post, 0); /* the preview's date is its start */
	assert_string_equal(l.topics[1].id, "41");
	board_listing_clear(&l);
	board_page_close(&pg);
}

/* Boards without friendly URLs link index.php?threads/title.12/. */
static void test_non_friendly_urls(void **state)
{
	(void)state;
	static const char html[] =
		"<html id=\"XF\" data-template=\"forum_view\" data-container-key=\"\">"
		"<h1 class=\"p-title-value\">F</h1><div class=\"block block--threadList\">"
		"<div class=\"structItem structItem--thread js-threadListItem-12\">"
		"<div class=\"structItem-title\"><a href=\"index.php?threads/some-title.12/\">Some title</a></div>"
		"<span class=\"structItem-pageJump\"><a href=\"index.php?threads/some-title.12/page-4\">4</a></span>"
		"<div class=\"structItem-cell structItem-cell--latest\"><a href=\"index.php?posts/99/\">"
		"<time class=\"structItem-latestDate u-dt\" data-time=\"1700000000\">x</time></a></div>"
		"</div></div>";
	struct board_page pg;
	struct board_listing l;
	char *err = NULL;

	board_page_open(&pg, html, sizeof html - 1, "https://b.example/index.php?forums/general.3/",
			"nf", NULL);
	assert_int_equal(xf->parse_forum(&pg, &l, &err), 0);
	assert_string_equal(l.forum_id, "3");
	assert_int_equal(l.ntopics, 1);
	assert_string_equal(l.topics[0].id, "12");
	assert_string_equal(l.topics[0].url, "https://b.example/index.php?threads/some-title.12/");
	assert_int_equal(l.topics[0].pages, 4);
	assert_string_equal(l.topics[0].last_post_id, "99");
	assert_int_equal(l.topics[0].last_post, 1700000000);
	board_listing_clear(&l);
	board_page_close(&pg);
	char *u = xf->thread_url("https://b.example/index.php?", "12", 2);
	assert_string_equal(u, "https://b.example/index.php?threads/12/page-2");
	free(u);
}

static void test_thread_list_xf1(void **state)
{
	(void)state;
	struct page p;
	struct board_listing l;
	char *err = NULL;

	open_page(&p, FIX "xf1_forum_view.html", NULL);
	assert_int_equal(xf->kind(&p.pg), BOARD_PAGE_FORUM);
	assert_int_equal(xf->parse_forum(&p.pg, &l, &err), 0);
	assert_string_equal(l.forum_id, "29");
	assert_int_equal(l.page, 2);
	assert_int_equal(l.pages, 5);
	assert_string_equal(l.next_url, "https://old.example/community/forums/quests.29/page-3");
	assert_int_equal(l.nforums, 1);
	assert_string_equal(l.forums[0].id, "30");
	assert_int_equal(l.ntopics, 3);
	assert_string_equal(l.topics[0].id, "5");
	assert_int_equal(l.topics[0].sticky, 1);
	assert_int_equal(l.topics[0].last_post, 1388667600);
	assert_string_equal(l.topics[0].last_post_id, "50");
	assert_string_equal(l.topics[1].id, "10402");
	assert_string_equal(l.topics[1].title, "Renascence: A Homura Quest");
	assert_int_equal(l.topics[1].replies, 8671);
	assert_int_equal(l.topics[1].pages, 347);
	assert_string_equal(l.topics[1].last_post_id, "2146619");
	assert_string_equal(
		l.topics[1].url,
		"https://old.example/community/threads/renascence-a-homura-quest.10402/");
	assert_int_equal(l.topics[2].moved, 1);
	assert_string_equal(l.topics[2].title, "Old quest");
	board_listing_clear(&l);
	close_page(&p);
}

static void test_forum_empty_and_changed(void **state)
{
	(void)state;
	struct page p;
	struct board_listing l;
	char *err = NULL;

	open_page(&p, FIX "forum_empty.html", NULL);
	assert_int_equal(xf->parse_forum(&p.pg, &l, &err), 0);
	assert_int_equal(l.ntopics, 0);
	assert_string_equal(l.forum_id, "9");
	assert_int_equal(l.page, 1);
	assert_int_equal(l.pages, 1);
	assert_null(l.next_url);
	board_listing_clear(&l);
	close_page(&p);

	open_page(&p, FIX "forum_changed.html", NULL);
	assert_int_equal(xf->parse_forum(&p.pg, &l, &err), -1);
	assert_non_null(strstr(err, FIX "forum_changed.html"));
	assert_non_null(strstr(err, "template changed"));
	free(err);
	err = NULL;
	/* and a thread page is no forum list either (its "similar threads") */
	close_page(&p);
	open_page(&p, FIX "thread_changed.html", NULL);
	assert_int_equal(xf->parse_forum(&p.pg, &l, &err), -1);
	free(err);
	err = NULL;
	assert_int_equal(xf->parse_index(&p.pg, &l, &err), -1);
	assert_non_null(strstr(err, "no XenForo forum list"));
	free(err);
	close_page(&p);
}

static void test_urls(void **state)
{
	(void)state;
	char *u;
	assert_ptr_equal(board_engine("xenforo"), xf);
	u = xf->index_url("https://b.example/community/");
	assert_string_equal(u, "https://b.example/community/forums/");
	free(u);
	u = xf->forum_url("https://b.example/", "12", 1);
	assert_string_equal(u, "https://b.example/forums/12/");
	free(u);
	u = xf->forum_url("https://b.example/", "12", 3);
	assert_string_equal(u, "https://b.example/forums/12/page-3");
	free(u);
	u = xf->thread_url("https://b.example/", "77", 2);
	assert_string_equal(u, "https://b.example/threads/77/page-2");
	free(u);
	u = xf->login_url("https://b.example/");
	assert_string_equal(u, "https://b.example/login/");
	free(u);
}

static void test_login(void **state)
{
	(void)state;
	struct page p;
	struct board_form f;
	char *err = NULL;

	open_page(&p, FIX "login.html", "https://board.example/login/");
	assert_int_equal(xf->kind(&p.pg), BOARD_PAGE_LOGIN);
	assert_int_equal(xf->logged_in(&p.pg), 0);
	assert_int_equal(xf->login_form(&p.pg, "alice", "s3cret & more", &f, &err), 0);
	assert_string_equal(f.action, "https://board.example/login/login");
	assert_string_equal(f.method, "post");
	assert_string_equal(board_form_get(&f, "_xfToken"), "1700000000,feedface");
	assert_string_equal(board_form_get(&f, "login"), "alice");
	assert_string_equal(board_form_get(&f, "password"), "s3cret & more");
	assert_string_equal(board_form_get(&f, "remember"), "1");
	assert_string_equal(board_form_get(&f, "_xfRedirect"),
			    "https://board.example/forums/members-lounge.7/");
	char *body = board_form_encode(&f);
	assert_non_null(strstr(body, "password=s3cret+%26+more"));
	free(body);
	board_form_clear(&f);
	/* a login page is no login success */
	assert_int_equal(xf->login_result(&p.pg, &err), 0);
	assert_non_null(strstr(err, "You must be logged-in to do that."));
	free(err);
	err = NULL;
	close_page(&p);

	open_page(&p, FIX "login_wrong_password.html", NULL);
	assert_int_equal(xf->login_result(&p.pg, &err), 0);
	assert_non_null(strstr(err, "login refused: Incorrect password. Please try again."));
	free(err);
	err = NULL;
	close_page(&p);

	open_page(&p, FIX "login_no_user.html", NULL);
	assert_int_equal(xf->login_result(&p.pg, &err), 0);
	assert_non_null(strstr(err, "The requested user 'mallory' could not be found."));
	free(err);
	err = NULL;
	close_page(&p);

	static const char *const captchas[] = {FIX "login_captcha.html", FIX "login_hcaptcha.html"};
	for (size_t i = 0; i < 2; i++) {
		open_page(&p, captchas[i], NULL);
		assert_int_equal(xf->kind(&p.pg), BOARD_PAGE_CAPTCHA);
		assert_int_equal(xf->login_result(&p.pg, &err), 0);
		assert_non_null(strstr(err, "CAPTCHA"));
		free(err);
		err = NULL;
		assert_int_equal(xf->login_form(&p.pg, "alice", "pw", &f, &err), -1);
		assert_non_null(strstr(err, "CAPTCHA"));
		free(err);
		err = NULL;
		close_page(&p);
	}

	/* the page the login redirects to shows the member */
	open_page(&p, FIX "forum_view.html", NULL);
	assert_int_equal(xf->logged_in(&p.pg), 1);
	assert_int_equal(xf->login_result(&p.pg, &err), 1);
	assert_null(err);
	close_page(&p);
	open_page(&p, FIX "forum_list.html", NULL);
	assert_int_equal(xf->logged_in(&p.pg), 0);
	assert_int_equal(xf->login_form(&p.pg, "a", "b", &f, &err), -1);
	assert_non_null(strstr(err, "no XenForo login form"));
	free(err);
	close_page(&p);
}

static void test_messages(void **state)
{
	(void)state;
	struct page p;

	open_page(&p, FIX "no_permission.html", NULL);
	assert_int_equal(xf->kind(&p.pg), BOARD_PAGE_NO_PERMISSION);
	char *m = xf->message(&p.pg);
	assert_string_equal(m,
			    "You do not have permission to view this page or perform this action.");
	free(m);
	close_page(&p);
	open_page(&p, FIX "thread_view.html", NULL);
	assert_null(xf->message(&p.pg)); /* share buttons, noscript: no message */
	close_page(&p);
}

static void test_reply_form(void **state)
{
	(void)state;
	struct page p;
	struct board_form f;
	char *err = NULL, *u;

	u = xf->reply_url("https://board.example/", "77", NULL);
	assert_string_equal(u, "https://board.example/threads/77/reply");
	free(u);
	u = xf->reply_url("https://board.example/", "77", "1021");
	assert_string_equal(u, "https://board.example/threads/77/reply?quote=1021");
	free(u);
	u = xf->new_thread_url("https://board.example/", "2");
	assert_string_equal(u, "https://board.example/forums/2/post-thread");
	free(u);

	open_page(&p, FIX "reply_form.html", "https://board.example/threads/77/reply");
	assert_int_equal(xf->post_form(&p.pg, "Re: Amp repair", "[b]Thanks[/b]", &f, &err), 0);
	assert_string_equal(f.action, "https://board.example/threads/amp-repair.77/add-reply");
	assert_string_equal(f.method, "post");
	assert_string_equal(board_form_get(&f, "_xfToken"),
			    "1700000000,0123456789abcdef0123456789abcdef");
	assert_string_equal(board_form_get(&f, "message"), "[b]Thanks[/b]");
	assert_null(board_form_get(&f, "message_html"));
	assert_null(board_form_get(&f, "title"));
	assert_string_equal(board_form_get(&f, "attachment_hash"), "f00dbabe");
	assert_string_equal(board_form_get(&f, "watch_thread"), "1");
	assert_string_equal(board_form_get(&f, "last_date"), "1683000000");
	board_form_clear(&f);
	close_page(&p);

	/* the quick reply form of a thread page will do */
	open_page(&p, FIX "thread_view.html", "https://board.example/threads/77/page-2");
	assert_int_equal(xf->post_form(&p.pg, NULL, "hi", &f, &err), 0);
	assert_string_equal(f.action, "https://board.example/threads/amp-repair.77/add-reply");
	assert_string_equal(board_form_get(&f, "message"), "hi");
	assert_string_equal(board_form_get(&f, "load_extra"), "1");
	board_form_clear(&f);
	close_page(&p);

	/* a closed thread has none */
	open_page(&p, FIX "thread_view_de_locked.html", NULL);
	assert_int_equal(xf->post_form(&p.pg, NULL, "hi", &f, &err), -1);
	assert_non_null(strstr(err, "closed"));
	free(err);
	err = NULL;
	close_page(&p);

	open_page(&p, FIX "post_thread_form.html", "https://board.example/forums/2/post-thread");
	assert_int_equal(xf->post_form(&p.pg, "New topic", "Body", &f, &err), 0);
	assert_string_equal(f.action,
			    "https://board.example/forums/general-discussion.2/post-thread");
	assert_string_equal(board_form_get(&f, "title"), "New topic");
	assert_string_equal(board_form_get(&f, "message"), "Body");
	assert_string_equal(board_form_get(&f, "prefix_id"), "0");
	board_form_clear(&f);
	close_page(&p);
}

static void test_post_result(void **state)
{
	(void)state;
	struct page p;
	char *err = NULL, *id = NULL;

	open_page(&p, FIX "thread_view.html",
		  "https://board.example/threads/amp-repair.77/post-1030");
	assert_int_equal(xf->post_result(&p.pg,
					 "https://board.example/threads/amp-repair.77/post-1030",
					 &id, &err),
			 1);
	assert_string_equal(id, "1030");
	free(id);
	assert_int_equal(xf->post_result(&p.pg, "/posts/1031/", &id, &err), 1);
	assert_string_equal(id, "1031");
	free(id);
	/* a new thread: the thread, no post id */
	assert_int_equal(xf->post_result(&p.pg, "https://board.example/threads/new.99/", &id, &err),
			 1);
	assert_null(id);
	/* the redirect already followed */
	assert_int_equal(xf->post_result(&p.pg, NULL, &id, &err), 1);
	assert_string_equal(id, "1030");
	free(id);
	assert_null(err);
	close_page(&p);

	static const struct {
		const char *file, *msg;
	} refusals[] = {
		{FIX "reply_flood.html",
		 "You must wait at least 30 seconds before performing this action."},
		{FIX "reply_too_short.html", "Please enter a valid message."},
		{FIX "no_permission.html",
		 "You do not have permission to view this page or perform this action."},
		{FIX "login.html", "You must be logged-in to do that."},
	};
	for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
		open_page(&p, refusals[i].file, NULL);
		assert_int_equal(xf->post_result(&p.pg, NULL, &id, &err), 0);
		assert_null(id);
		assert_string_equal(err, refusals[i].msg);
		free(err);
		err = NULL;
		close_page(&p);
	}
}

static void test_feed(void **state)
{
	(void)state;
	size_t len;
	char *xml = slurp(FIX "forum_feed.rss", &len);
	struct board_listing l;
	char *err = NULL, *u;

	u = xf->feed_url("https://board.example/", NULL);
	assert_string_equal(u, "https://board.example/forums/-/index.rss");
	free(u);
	u = xf->feed_url("https://board.example/", "2");
	assert_string_equal(u, "https://board.example/forums/2/index.rss");
	free(u);
	assert_int_equal(
		xf->parse_feed(xml, len, "https://board.example/forums/2/index.rss", &l, &err), 0);
	assert_string_equal(l.title, "General discussion");
	assert_int_equal(l.ntopics, 2); /* the resource is no thread */
	assert_string_equal(l.topics[0].id, "21");
	assert_string_equal(l.topics[0].title, "Big & busy thread");
	assert_string_equal(l.topics[0].url, "https://board.example/threads/big-thread.21/");
	assert_int_equal(l.topics[0].last_post, 1682946000);
	assert_int_equal(l.topics[0].replies, 1200);
	assert_string_equal(l.topics[1].id, "23");
	assert_int_equal(l.topics[1].last_post, 1682800000);
	assert_int_equal(l.topics[1].replies, 12);
	board_listing_clear(&l);
	/* an HTML page is no feed */
	free(xml);
	xml = slurp(FIX "forum_view.html", &len);
	assert_int_equal(
		xf->parse_feed(xml, len, "https://board.example/forums/2/index.rss", &l, &err), -1);
	assert_non_null(strstr(err, "not an RSS feed"));
	free(err);
	free(xml);
}

/* The XenForo quote forms text_html reads, by themselves. */
static void test_text_quotes(void **state)
{
	(void)state;
	struct text_info info = {NULL, 0};
	char *txt = plain(
		"<blockquote class=\"bbCodeBlock bbCodeBlock--quote\" data-source=\"post: 5\">"
		"<div class=\"bbCodeBlock-title\"><a href=\"/goto/post?id=5\">Zoe said:</a></div>"
		"<div class=\"bbCodeBlock-content\"><div class=\"bbCodeBlock-expandContent\">"
		"inner <b>text</b></div><div class=\"bbCodeBlock-expandLink\"><a>Click to "
		"expand...</a></div></div></blockquote>answer",
		&info);
	assert_string_equal(txt, "Zoe wrote:\n> inner text\n\nanswer\n");
	assert_int_equal(info.nquoted, 1);
	assert_string_equal(info.quoted_ids[0], "5");
	text_info_free(&info);
	free(txt);
	/* a quote without a source: no id, no name */
	txt = plain("<blockquote class=\"bbCodeBlock bbCodeBlock--expandable bbCodeBlock--quote\">"
		    "<div class=\"bbCodeBlock-content\">anon</div></blockquote>x",
		    &info);
	assert_string_equal(txt, "> anon\n\nx\n");
	assert_int_equal(info.nquoted, 0);
	free(txt);
	/* XF1, nested */
	txt = plain(
		"<div class=\"bbCodeBlock bbCodeQuote\" data-author=\"Ann\"><aside>"
		"<div class=\"attribution type\">Ann said: <a href=\"goto/post?id=9#post-9\" "
		"class=\"AttributionLink\">&uarr;</a></div><blockquote class=\"quoteContainer\">"
		"<div class=\"quote\">outer<div class=\"bbCodeBlock bbCodeQuote\" data-author=\"Bo\">"
		"<aside><blockquote class=\"quoteContainer\"><div class=\"quote\">inner</div>"
		"</blockquote></aside></div></div><div class=\"quoteExpand\">Click to expand..."
		"</div></blockquote></aside></div>reply",
		&info);
	assert_string_equal(txt, "Ann wrote:\n> outer\n>\n> Bo wrote:\n>> inner\n\nreply\n");
	assert_int_equal(info.nquoted, 1);
	assert_string_equal(info.quoted_ids[0], "9");
	text_info_free(&info);
	free(txt);
	/* XF2 code block label dropped */
	txt = plain("<div class=\"bbCodeBlock bbCodeBlock--code\"><div class=\"bbCodeBlock-title\">"
		    "PHP:</div><div class=\"bbCodeBlock-content\"><pre class=\"bbCodeCode\"><code>"
		    "echo 1;\necho 2;</code></pre></div></div>",
		    NULL);
	assert_string_equal(txt, "echo 1;\necho 2;\n");
	free(txt);
}

/* Parse speed on the corpus thread pages (printed, not asserted). */
static void test_speed(void **state)
{
	(void)state;
	static const char *const pages[] = {XF2_COM, XF2_MARSHALL, XF1_SV};
	size_t posts = 0, n = 0;
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int round = 0; round < 20; round++)
		for (size_t i = 0; i < 3; i++) {
			struct forum_thread *t = thread_of(pages[i], NULL);
			posts += t->nposts;
			n++;
			forum_thread_free(t);
		}
	clock_gettime(CLOCK_MONOTONIC, &b);
	double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	print_message("xenforo: %zu thread pages (%zu posts) in %.3f s: %.0f pages/s, "
		      "%.2f ms per 1000 posts (file reads included)\n",
		      n, posts, s, (double)n / s, s * 1e6 / (double)posts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xf2_xenforo_com),
		cmocka_unit_test(test_xf2_marshall_quotes),
		cmocka_unit_test(test_xfmg_media_not_a_thread),
		cmocka_unit_test(test_xf1_sufficient_velocity),
		cmocka_unit_test(test_thread_page),
		cmocka_unit_test(test_thread_german_locked),
		cmocka_unit_test(test_thread_changed_template),
		cmocka_unit_test(test_post_without_body),
		cmocka_unit_test(test_post_shown_twice),
		cmocka_unit_test(test_forum_list),
		cmocka_unit_test(test_thread_list),
		cmocka_unit_test(test_thread_list_plain),
		cmocka_unit_test(test_forum_list_duplicate_node),
		cmocka_unit_test(test_thread_list_articles),
		cmocka_unit_test(test_non_friendly_urls),
		cmocka_unit_test(test_thread_list_xf1),
		cmocka_unit_test(test_forum_empty_and_changed),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_login),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_feed),
		cmocka_unit_test(test_reply_form),
		cmocka_unit_test(test_post_result),
		cmocka_unit_test(test_text_quotes),
		cmocka_unit_test(test_speed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
