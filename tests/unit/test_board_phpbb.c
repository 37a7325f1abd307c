/*
 * Tests for gateway/forum/phpbb.c (the phpBB board engine): the real pages
 * of ../shared/corpora/forum-html/phpbb/ (a 3.0 prosilver thread page 2 of
 * 10, two 3.3 prosilver-derived pages of forums.debian.net) and the
 * hand-written pages of tests/fixtures/boards/phpbb/ (index, forum lists,
 * subsilver2, German furniture, login, CAPTCHA, posting form, refusals,
 * feeds, changed templates). Run from the repository root.
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
#include "forumgate/text.h"

#define CORPUS "../shared/corpora/forum-html/phpbb/"
#define FIX "tests/fixtures/boards/phpbb/"
#define NETTALLY CORPUS "NetTally/phpBB.html"
#define DEBIAN1                                                                                    \
	CORPUS "magic-html/bf03d4e9a96bd6b8cee833f2b9816608faac4c00137d6f4bc40934f22a7f9cdb.html"
#define DEBIAN2                                                                                    \
	CORPUS "magic-html/5d5c1f0e282cdb389f98b0fd7b9f13de8f2f367de259dbd2f27b1a6b86dfdc09.html"

static const struct board_engine *E = &board_phpbb;

struct page {
	struct buf raw;
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
	return buf_detach(&b);
}

static void page_open(struct page *p, const char *path, const char *url)
{
	size_t len;
	char *s = slurp(path, &len);
	p->raw = (struct buf)BUF_INIT;
	buf_add(&p->raw, s, len);
	free(s);
	board_page_open(&p->pg, buf_str(&p->raw), p->raw.len, url, path, NULL);
}

static void page_close(struct page *p)
{
	board_page_close(&p->pg);
	buf_free(&p->raw);
}

static struct forum_thread *thread_of(struct page *p)
{
	struct forum_thread *t = NULL;
	char *err = NULL;
	if (E->parse_thread(&p->pg, &t, &err) != 0)
		fail_msg("%s", err);
	assert_null(err);
	assert_non_null(t);
	return t;
}

static struct forum_post *post_by_id(struct forum_thread *t, const char *id)
{
	for (size_t i = 0; i < t->nposts; i++)
		if (strcmp(t->posts[i].id, id) == 0)
			return &t->posts[i];
	fail_msg("post %s not found", id);
	return NULL;
}

static char *to_text(const char *html)
{
	struct buf out = BUF_INIT;
	assert_int_equal(text_convert(MARKUP_HTML, html, strlen(html), &out, NULL), 0);
	return buf_detach(&out);
}

/* Page furniture that must never be inside a post body. */
static void assert_clean_body(const struct forum_post *p)
{
	static const char *const furniture[] = {
		"Reply with quote",    "Post a reply", "Last edited by",
		"Zuletzt ge",          "postprofile",  "back2top",
		"Powered by",          "google_ad",    "Moderator:",
		"Mit Zitat antworten", "signature",    "Downloaded",
		"heruntergeladen",     "betrachtet",   "sid=",
	};
	assert_non_null(p->body);
	for (size_t i = 0; i < sizeof furniture / sizeof *furniture; i++)
		if (strstr(p->body, furniture[i]) != NULL)
			fail_msg("post %s: \"%s\" in the body: %s", p->id, furniture[i], p->body);
}

static void expect_error(struct page *p, const char *what)
{
	struct forum_thread *t = (struct forum_thread *)1;
	char *err = NULL;
	assert_int_equal(E->parse_thread(&p->pg, &t, &err), -1);
	assert_null(t);
	assert_non_null(err);
	if (strstr(err, p->pg.name) == NULL || strstr(err, what) == NULL)
		fail_msg("error \"%s\" lacks the page name or \"%s\"", err, what);
	free(err);
}

/* ---- the corpus ---- */

static void test_corpus_30_prosilver(void **state)
{
	struct page p;
	page_open(&p, NETTALLY, "http://ilovephilosophy.com/viewtopic.php?f=1&t=194998&start=25");
	assert_true(E->detect(&p.pg) >= 90);
	assert_ptr_equal(board_detect(&p.pg), &board_phpbb);
	assert_int_equal(E->kind(&p.pg), BOARD_PAGE_THREAD);
	assert_int_equal(E->logged_in(&p.pg), 0);

	struct forum_thread *t = thread_of(&p);
	assert_string_equal(t->id, "194998");
	assert_string_equal(t->title, "Biological Will");
	assert_string_equal(t->board, "1");
	assert_string_equal(t->url, "http://ilovephilosophy.com/viewtopic.php?t=194998");
	assert_int_equal(t->nposts, 25);
	assert_int_equal(t->page, 2);
	assert_int_equal(t->pages, 10);
	assert_int_equal(t->total_posts, 247);
	assert_int_equal(t->posting, FORUM_POSTING_YES);

	struct forum_post *first = &t->posts[0];
	assert_string_equal(first->id, "2729870");
	assert_int_equal(first->position, 26); /* 25 posts a page on this board */
	assert_int_equal(t->posts[24].position, 50);
	assert_string_equal(first->author, "Jakob");
	assert_string_equal(first->author_id, "5996");
	assert_int_equal(first->guest, 0);
	assert_string_equal(first->title, "Re: Biological Will");
	assert_string_equal(first->url,
			    "http://ilovephilosophy.com/viewtopic.php?p=2729870#p2729870");
	/* the date text after the author, read through the page's context */
	assert_true(first->date == board_page_date(&p.pg, "Sun May 26, 2019 4:34 pm"));
	assert_true(strncmp(first->body, "Good lecture.", 13) == 0);
	assert_non_null(first->signature);
	assert_non_null(strstr(first->signature, "For behold"));

	int cites = 0;
	for (size_t i = 0; i < t->nposts; i++) {
		struct forum_post *q = &t->posts[i];
		assert_clean_body(q);
		assert_int_equal(q->markup, MARKUP_HTML);
		assert_null(strstr(q->body, "For behold")); /* signature kept apart */
		assert_null(q->parent_id);                  /* 3.0 quotes name no post */
		assert_false(q->guest);
		for (const char *c = q->body; (c = strstr(c, "<cite>")) != NULL; c++)
			cites++;
	}
	assert_int_equal(cites, 9);
	assert_null(post_by_id(t, "2729874")->signature);

	/* edited: the notice is not in the body */
	struct forum_post *ed = post_by_id(t, "2729877");
	assert_true(strstr(ed->body, "The founding fathers were the only truly free Americans.") !=
		    NULL);
	char *txt = to_text(post_by_id(t, "2729876")->body);
	assert_true(strncmp(txt, "Urwrongx1000 wrote:\n> I don't know", 34) == 0);
	free(txt);

	char *u = E->page_url(&p.pg, 3);
	assert_string_equal(u, "http://ilovephilosophy.com/viewtopic.php?f=1&t=194998&start=50");
	free(u);
	u = E->page_url(&p.pg, 1);
	assert_string_equal(u, "http://ilovephilosophy.com/viewtopic.php?f=1&t=194998");
	free(u);
	forum_thread_free(t);
	page_close(&p);
}

static void test_corpus_33_debian(void **state)
{
	struct page p;
	page_open(&p, DEBIAN1, "https://forums.debian.net/viewtopic.php?t=159270");
	assert_true(E->detect(&p.pg) >= 90);
	struct forum_thread *t = thread_of(&p);
	assert_string_equal(t->id, "159270");
	assert_string_equal(t->title, "kernel compile eror chagelog");
	assert_string_equal(t->board, "8");
	assert_int_equal(t->nposts, 2);
	assert_int_equal(t->page, 1);
	assert_int_equal(t->pages, 1);
	assert_int_equal(t->total_posts, 2);
	struct forum_post *a = &t->posts[0], *b = &t->posts[1];
	assert_string_equal(a->id, "799769");
	assert_int_equal(a->position, 1);
	assert_string_equal(a->author, "contactopublico");
	assert_string_equal(a->author_id, "238172");
	assert_int_equal(a->date, 1716214667); /* <time datetime="2024-05-20T14:17:47+00:00"> */
	assert_null(a->signature);
	assert_string_equal(b->id, "799806");
	assert_int_equal(b->position, 2);
	assert_string_equal(b->author, "wizard10000"); /* a.username-coloured */
	assert_string_equal(b->author_id, "211385");
	assert_string_equal(b->title, "Re: kernel compile eror chagelog");
	assert_int_equal(b->date, 1716289479);
	assert_non_null(b->signature);
	assert_non_null(strstr(b->signature, "we see things not as they are"));
	for (size_t i = 0; i < t->nposts; i++) {
		assert_clean_body(&t->posts[i]);
		assert_null(strstr(t->posts[i].body, "list_thanks"));
		assert_null(strstr(t->posts[i].body, "we see things"));
	}
	char *txt = to_text(a->body);
	assert_non_null(strstr(txt, "sudo make bindeb-pkg -j2"));
	assert_null(strstr(txt, "Select all"));
	free(txt);
	forum_thread_free(t);
	page_close(&p);

	page_open(&p, DEBIAN2, "https://forums.debian.net/viewtopic.php?t=158836");
	t = thread_of(&p);
	assert_string_equal(t->id, "158836");
	assert_int_equal(t->nposts, 4);
	assert_string_equal(t->posts[0].id, "796732");
	assert_string_equal(t->posts[3].id, "797123");
	assert_int_equal(t->posts[3].position, 4);
	assert_int_equal(t->total_posts, 4);
	for (size_t i = 0; i < t->nposts; i++)
		assert_clean_body(&t->posts[i]);
	forum_thread_free(t);
	page_close(&p);
}

/* ---- thread fixtures ---- */

static void test_thread_german_33(void **state)
{
	struct page p;
	page_open(&p, FIX "viewtopic_prosilver33_de.html",
		  "https://forum.example.de/viewtopic.php?t=77&start=15");
	assert_int_equal(E->logged_in(&p.pg), 1);
	struct forum_thread *t = thread_of(&p);
	assert_string_equal(t->id, "77");
	assert_string_equal(t->title, "Druckerprobleme");
	assert_string_equal(t->board, "12");
	assert_int_equal(t->page, 2); /* li.active, no "Seite x von y" printed */
	assert_int_equal(t->pages, 3);
	assert_int_equal(t->total_posts, 40);           /* "40 Beiträge" */
	assert_int_equal(t->posting, FORUM_POSTING_NO); /* the lock icon */
	assert_int_equal(t->nposts, 3);

	struct forum_post *a = post_by_id(t, "501");
	assert_int_equal(a->position, 16);
	assert_string_equal(a->author, "J\xC3\xBCrgen");
	assert_string_equal(a->author_id, "48");
	assert_int_equal(a->date, 1706948100);
	assert_string_equal(a->parent_id, "488"); /* data-post-id in the cite */
	assert_string_equal(
		a->signature,
		"Lies zuerst die <a href=\"./viewtopic.php?t=1\" class=\"postlink\">Regeln</a>.");
	/* attachments: links kept, counters and session ids cut */
	assert_non_null(strstr(a->body, "src=\"./download/file.php?id=31\""));
	assert_non_null(strstr(a->body, "<em>Treiberdialog</em>")); /* the comment stays */
	assert_non_null(strstr(a->body,
			       "<img src=\"./download/file.php?id=33&amp;t=1\" class=\"postimage\" "
			       "alt=\"drucker.jpg\">"));
	assert_non_null(
		strstr(a->body,
		       "<a href=\"https://forum.example.de/download/file.php?id=32\">log.txt</a>"));
	char *txt = to_text(a->body);
	assert_true(strncmp(txt, "Petra wrote:\n> Der Drucker druckt nur leere Seiten.", 51) == 0);
	free(txt);

	struct forum_post *g = post_by_id(t, "502");
	assert_string_equal(g->author, "Gast_Otto");
	assert_null(g->author_id);
	assert_int_equal(g->guest, 1);
	assert_int_equal(g->position, 17);
	assert_string_equal(g->body, "Ja, zweimal. Hilft nichts.");

	struct forum_post *d = post_by_id(t, "503");
	assert_int_equal(d->deleted, 1);
	assert_string_equal(d->author, "spammer");
	assert_string_equal(d->body, "Billige Drucker hier!");
	for (size_t i = 0; i < t->nposts; i++) {
		assert_clean_body(&t->posts[i]);
		assert_int_equal(t->posts[i].deleted, i == 2);
	}
	char *u = E->page_url(&p.pg, 3);
	assert_string_equal(u, "https://forum.example.de/viewtopic.php?t=77&start=30");
	free(u);
	forum_thread_free(t);
	page_close(&p);
}

static void test_thread_subsilver2(void **state)
{
	struct page p;
	page_open(&p, FIX "viewtopic_subsilver2.html",
		  "http://old.example/viewtopic.php?f=2&t=1&start=10");
	assert_true(E->detect(&p.pg) >= 50);
	assert_int_equal(E->kind(&p.pg), BOARD_PAGE_THREAD);
	struct forum_thread *t = thread_of(&p);
	assert_string_equal(t->id, "1");
	assert_string_equal(t->title, "Welcome to phpBB3");
	assert_string_equal(t->board, "2");
	assert_int_equal(t->page, 2);
	assert_int_equal(t->pages, 2);
	assert_int_equal(t->total_posts, 12); /* "[ 12 posts ]" */
	assert_int_equal(t->posting, FORUM_POSTING_YES);
	assert_int_equal(t->nposts, 2);
	struct forum_post *a = &t->posts[0], *b = &t->posts[1];
	assert_string_equal(a->id, "11");
	assert_int_equal(a->position, 11);
	assert_string_equal(a->author, "admin");
	assert_string_equal(a->author_id, "2"); /* the profile button, not "Last edited by bob" */
	assert_int_equal(a->guest, 0);
	assert_string_equal(a->title, "Re: Welcome to phpBB3");
	assert_int_equal(a->date, 1204633800); /* "Posted: 2008-03-04 12:30" */
	assert_string_equal(a->signature, "The admin<br>of this board");
	assert_non_null(strstr(
		a->body, "<a href=\"http://old.example/download/file.php?id=4\">install.log</a>"));
	char *txt = to_text(a->body);
	assert_true(strncmp(txt, "Bob wrote:\n> Is it installed?\n\nYes, it is.", 42) == 0);
	free(txt);
	assert_string_equal(b->id, "12");
	assert_string_equal(b->author, "Wanderer");
	assert_null(b->author_id);
	assert_int_equal(b->guest, 1);
	assert_int_equal(b->date, 1204704000);
	assert_null(b->signature);
	assert_non_null(strstr(b->body, "href=\"./viewtopic.php?p=11#p11\""));
	for (size_t i = 0; i < t->nposts; i++)
		assert_clean_body(&t->posts[i]);
	forum_thread_free(t);
	page_close(&p);
}

static void test_thread_template_changed(void **state)
{
	struct page p;
	page_open(&p, FIX "viewtopic_changed.html", NULL);
	expect_error(&p, "div.post");
	page_close(&p);
	/* a post whose message is not where phpBB puts it: an error, not a skip */
	page_open(&p, FIX "viewtopic_nocontent.html", NULL);
	expect_error(&p, "p502");
	page_close(&p);
	page_open(&p, FIX "index_prosilver.html", NULL);
	expect_error(&p, "no phpBB post");
	page_close(&p);

	/* 3.0 leaves out the message of a foe's post */
	static const char foe[] =
		"<h2><a href=\"./viewtopic.php?t=3\">T</a></h2>"
		"<div id=\"p7\" class=\"post bg2\"><div class=\"inner\"><div class=\"postbody\">"
		"<div class=\"ignore\">This post was made by <strong>x</strong> who is currently on your "
		"ignore list. <a href=\"./viewtopic.php?p=7&amp;view=show#p7\">Display this post</a>.</div>"
		"</div></div></div>";
	struct forum_thread *t = NULL;
	char *err = NULL;
	struct board_page pg;
	board_page_open(&pg, foe, sizeof foe - 1, NULL, "foe", NULL);
	assert_int_equal(E->parse_thread(&pg, &t, &err), -1);
	assert_non_null(strstr(err, "p7 is hidden"));
	free(err);
	board_page_close(&pg);

	/* a post printed twice by a style is one post */
	static const char twice[] =
		"<h2><a href=\"./viewtopic.php?t=3\">T</a></h2>"
		"<div id=\"p8\" class=\"post\"><div class=\"postbody\"><div class=\"content\">a</div></div></div>"
		"<div id=\"p8\" class=\"post\"><div class=\"postbody\"><div class=\"content\">a</div></div></div>"
		"<div id=\"p9\" class=\"post\"><div class=\"postbody\"><div class=\"content\">b</div></div></div>";
	board_page_open(&pg, twice, sizeof twice - 1, NULL, "twice", NULL);
	err = NULL;
	assert_int_equal(E->parse_thread(&pg, &t, &err), 0);
	assert_int_equal(t->nposts, 2);
	assert_string_equal(t->posts[1].id, "9");
	assert_null(t->posts[0].author); /* no p.author: unknown, not guessed */
	assert_int_equal(t->posts[0].guest, 0);
	forum_thread_free(t);
	board_page_close(&pg);
}

/* ---- forum lists ---- */

static struct board_topic *topic(struct board_listing *l, const char *id)
{
	for (size_t i = 0; i < l->ntopics; i++)
		if (strcmp(l->topics[i].id, id) == 0)
			return &l->topics[i];
	fail_msg("topic %s not listed", id);
	return NULL;
}

static void forum_of(struct page *p, struct board_listing *l)
{
	char *err = NULL;
	if (E->parse_forum(&p->pg, l, &err) != 0)
		fail_msg("%s", err);
}

static void test_forum_prosilver30(void **state)
{
	struct page p;
	struct board_listing l;
	page_open(&p, FIX "viewforum_prosilver30.html",
		  "https://board.example/forum/viewforum.php?f=1");
	assert_int_equal(E->kind(&p.pg), BOARD_PAGE_FORUM);
	forum_of(&p, &l);
	assert_string_equal(l.forum_id, "1");
	assert_string_equal(l.title, "Philosophy");
	assert_int_equal(l.page, 1);
	assert_int_equal(l.pages, 3);
	assert_string_equal(l.next_url, "https://board.example/forum/viewforum.php?f=1&start=20");
	assert_int_equal(l.nforums, 1); /* the sub-forum */
	assert_string_equal(l.forums[0].id, "9");
	assert_string_equal(l.forums[0].parent_id, "1");
	assert_int_equal(l.ntopics, 4);
	struct board_topic *g = topic(&l, "10"), *s = topic(&l, "11"), *m = topic(&l, "12"),
			   *n = topic(&l, "13");
	assert_true(g->sticky && s->sticky && !m->sticky && !n->sticky);
	assert_true(m->moved && !g->moved && !n->moved);
	assert_string_equal(s->title, "Reading list");
	assert_string_equal(s->url, "https://board.example/forum/viewtopic.php?t=11");
	assert_int_equal(s->replies, 56);
	assert_int_equal(s->pages, 3);
	assert_string_equal(s->last_post_id, "250");
	assert_true(s->last_post == board_page_date(&p.pg, "Sun May 26, 2019 4:34 pm"));
	assert_int_equal(n->replies, 1024);
	assert_int_equal(n->pages, 1);
	assert_int_equal(n->last_post, 1558982700); /* 2019-05-27 18:45 */
	assert_string_equal(n->last_post_id, "401");
	assert_int_equal(g->replies, 0);
	char *u = E->page_url(&p.pg, 3);
	assert_string_equal(u, "https://board.example/forum/viewforum.php?f=1&start=40");
	free(u);
	board_listing_clear(&l);
	page_close(&p);
}

static void test_forum_prosilver33(void **state)
{
	struct page p;
	struct board_listing l;
	page_open(&p, FIX "viewforum_prosilver33.html",
		  "https://board.example/forum/viewforum.php?f=4&start=15&sid=9f");
	assert_int_equal(E->logged_in(&p.pg), 1);
	forum_of(&p, &l);
	assert_string_equal(l.forum_id, "4");
	assert_int_equal(l.page, 2);
	assert_int_equal(l.pages, 3);
	/* rel="next", without the session id */
	assert_string_equal(l.next_url, "https://board.example/forum/viewforum.php?f=4&start=30");
	assert_int_equal(l.ntopics, 2);
	struct board_topic *a = topic(&l, "40"), *b = topic(&l, "41");
	assert_int_equal(a->replies, 16);
	assert_int_equal(a->pages, 2);
	assert_int_equal(a->last_post, 1716214667);
	assert_string_equal(a->last_post_id, "812");
	assert_false(a->sticky);
	assert_int_equal(b->replies, 0);
	assert_int_equal(b->last_post, 1716289479);
	assert_string_equal(b->last_post_id, "813");
	assert_string_equal(b->url, "https://board.example/forum/viewtopic.php?t=41");
	char *u = E->page_url(&p.pg, 3);
	assert_string_equal(u, "https://board.example/forum/viewforum.php?f=4&start=30");
	free(u);
	board_listing_clear(&l);
	page_close(&p);
}

static void test_forum_subsilver2(void **state)
{
	struct page p;
	struct board_listing l;
	page_open(&p, FIX "viewforum_subsilver2.html",
		  "http://old.example/viewforum.php?f=2&start=25");
	forum_of(&p, &l);
	assert_string_equal(l.forum_id, "2");
	assert_string_equal(l.title, "Your first forum");
	assert_int_equal(l.page, 2);
	assert_int_equal(l.pages, 3);
	assert_string_equal(l.next_url, "http://old.example/viewforum.php?f=2&start=50");
	assert_int_equal(l.nforums, 0); /* "Mark topics read" is no category */
	assert_int_equal(l.ntopics, 3);
	struct board_topic *s = topic(&l, "3"), *m = topic(&l, "8"), *o = topic(&l, "9");
	assert_true(s->sticky && !m->sticky && !o->sticky);
	assert_true(m->moved && !s->moved && !o->moved);
	assert_int_equal(s->replies, 15);
	assert_int_equal(s->pages, 2);
	assert_string_equal(s->last_post_id, "99");
	assert_int_equal(s->last_post, 1199268000);
	assert_int_equal(o->replies, 3);
	assert_int_equal(o->last_post, 1202232600);
	board_listing_clear(&l);
	page_close(&p);
}

static void test_forum_empty_and_changed(void **state)
{
	struct page p;
	struct board_listing l;
	page_open(&p, FIX "viewforum_empty.html", "https://board.example/viewforum.php?f=14");
	assert_int_equal(E->kind(&p.pg), BOARD_PAGE_FORUM);
	forum_of(&p, &l);
	assert_int_equal(l.ntopics, 0);
	assert_string_equal(l.forum_id, "14");
	assert_int_equal(l.pages, 1);
	assert_null(l.next_url);
	board_listing_clear(&l);
	page_close(&p);

	/* no read access looks like "no topics" but is not an empty forum */
	const char *noaccess[][2] = {
		{FIX "viewforum_noaccess.html",
		 "no read access: You do not have the required permissions"},
		{FIX "viewforum_noaccess_guest.html", "not readable without a login"},
	};
	for (size_t i = 0; i < 2; i++) {
		char *e = NULL;
		page_open(&p, noaccess[i][0], "https://board.example/viewforum.php?f=14");
		assert_int_equal(E->parse_forum(&p.pg, &l, &e), -1);
		assert_int_equal(E->kind(&p.pg),
				 i == 0 ? BOARD_PAGE_NO_PERMISSION : BOARD_PAGE_LOGIN);
		if (e == NULL || strstr(e, noaccess[i][1]) == NULL)
			fail_msg("%s: \"%s\"", noaccess[i][0], e);
		free(e);
		page_close(&p);
	}

	page_open(&p, FIX "viewforum_changed.html", "https://board.example/viewforum.php?f=4");
	char *err = NULL;
	assert_int_equal(E->parse_forum(&p.pg, &l, &err), -1);
	assert_non_null(strstr(err, FIX "viewforum_changed.html"));
	assert_non_null(strstr(err, "a.topictitle"));
	assert_int_equal(l.ntopics, 0);
	free(err);
	page_close(&p);
}

static void test_index(void **state)
{
	struct page p;
	struct board_listing l;
	char *err = NULL;
	page_open(&p, FIX "index_prosilver.html", "https://board.example/forum/index.php");
	assert_int_equal(E->kind(&p.pg), BOARD_PAGE_INDEX); /* despite its quick-login box */
	assert_int_equal(E->parse_index(&p.pg, &l, &err), 0);
	assert_int_equal(l.nforums, 7);
	const char *want[][5] = {
		/* id, title, parent, category, link */
		{"1", "General", NULL, "1", "0"},
		{"2", "Announcements & News", "1", "0", "0"},
		{"5", "Archive", "2", "0", "0"},
		{"6", "Old news", "2", "0", "0"},
		{"https://www.example.org/wiki", "Project wiki", "1", "0", "1"},
		{"3", "Support", NULL, "1", "0"},
		{"4", "Installation", "3", "0", "0"},
	};
	for (size_t i = 0; i < 7; i++) {
		assert_string_equal(l.forums[i].id, want[i][0]);
		assert_string_equal(l.forums[i].title, want[i][1]);
		if (want[i][2] == NULL)
			assert_null(l.forums[i].parent_id);
		else
			assert_string_equal(l.forums[i].parent_id, want[i][2]);
		assert_int_equal(l.forums[i].category, want[i][3][0] == '1');
		assert_int_equal(l.forums[i].link, want[i][4][0] == '1');
	}
	assert_string_equal(l.forums[1].url, "https://board.example/forum/viewforum.php?f=2");
	board_listing_clear(&l);
	page_close(&p);

	page_open(&p, FIX "index_subsilver2.html", "http://old.example/index.php");
	assert_int_equal(E->logged_in(&p.pg), 1);
	assert_int_equal(E->parse_index(&p.pg, &l, &err), 0);
	assert_int_equal(l.nforums, 4);
	assert_string_equal(l.forums[0].id, "1");
	assert_true(l.forums[0].category);
	assert_string_equal(l.forums[1].title, "Your first forum");
	assert_string_equal(l.forums[1].parent_id, "1");
	assert_string_equal(l.forums[2].id, "7");
	assert_string_equal(l.forums[2].parent_id, "2");
	assert_string_equal(l.forums[3].id, "8");
	assert_true(l.forums[3].link);
	board_listing_clear(&l);
	page_close(&p);

	page_open(&p, NETTALLY, NULL);
	assert_int_equal(E->parse_index(&p.pg, &l, &err), -1);
	assert_non_null(strstr(err, "a.forumtitle"));
	free(err);
	page_close(&p);
}

/* ---- login ---- */

static void test_login(void **state)
{
	struct page p;
	struct board_form f;
	char *err = NULL;

	page_open(&p, FIX "login.html", "https://board.example/ucp.php?mode=login");
	assert_int_equal(E->kind(&p.pg), BOARD_PAGE_LOGIN);
	assert_int_equal(E->login_form(&p.pg, "bob", "s3cret &x", &f, &err), 0);
	assert_string_equal(f.action, "https://board.example/ucp.php?mode=login");
	assert_string_equal(f.method, "post");
	assert_string_equal(board_form_get(&f, "username"), "bob");
	assert_string_equal(board_form_get(&f, "password"), "s3cret &x");
	assert_string_equal(board_form_get(&f, "form_token"),
			    "5b8d0e2c4a1f3e9d7c6b5a4f3e2d1c0b9a8f7e6d");
	assert_string_equal(board_form_get(&f, "creation_time"), "1716214000");
	assert_string_equal(board_form_get(&f, "sid"), "0123456789abcdef0123456789abcdef");
	assert_string_equal(board_form_get(&f, "redirect"),
			    "./ucp.php?mode=login&redirect=index.php");
	assert_string_equal(board_form_get(&f, "autologin"), "on");
	assert_string_equal(board_form_get(&f, "login"), "Login");
	assert_null(board_form_get(&f, "viewonline"));
	board_form_clear(&f);
	page_close(&p);

	page_open(&p, FIX "login_wrong.html", NULL);
	assert_int_equal(E->login_result(&p.pg, &err), 0);
	assert_non_null(strstr(err, "You have specified an incorrect password."));
	free(err);
	err = NULL;
	page_close(&p);

	page_open(&p, FIX "login_captcha.html", NULL);
	assert_int_equal(E->kind(&p.pg), BOARD_PAGE_CAPTCHA);
	assert_int_equal(E->login_result(&p.pg, &err), 0);
	assert_non_null(strstr(err, "maximum allowed number of login attempts"));
	assert_non_null(strstr(err, "CAPTCHA"));
	free(err);
	err = NULL;
	assert_int_equal(E->login_form(&p.pg, "bob", "pw", &f, &err), -1);
	assert_non_null(strstr(err, "CAPTCHA"));
	free(err);
	err = NULL;
	page_close(&p);

	page_open(&p, FIX "login_ok30.html", NULL);
	assert_int_equal(E->login_result(&p.pg, &err), 1);
	assert_null(err);
	char *m = E->message(&p.pg);
	assert_string_equal(m, "You have been successfully logged in.");
	free(m);
	page_close(&p);

	/* 3.1+ redirects to the page asked for: the logout link says it */
	page_open(&p, FIX "viewforum_prosilver33.html", NULL);
	assert_int_equal(E->login_result(&p.pg, &err), 1);
	page_close(&p);

	/* the index's quick-login box is a login form too */
	page_open(&p, FIX "index_prosilver.html", "https://board.example/forum/index.php");
	assert_int_equal(E->login_form(&p.pg, "bob", "pw", &f, &err), 0);
	assert_string_equal(f.action,
			    "https://board.example/forum/ucp.php?mode=login&sid=0123abcd");
	board_form_clear(&f);
	page_close(&p);

	page_open(&p, NETTALLY, NULL);
	assert_int_equal(E->login_form(&p.pg, "bob", "pw", &f, &err), -1);
	assert_non_null(strstr(err, "no login form"));
	free(err);
	page_close(&p);
}

/* ---- posting ---- */

static void test_post_form(void **state)
{
	struct page p;
	struct board_form f;
	char *err = NULL;

	assert_true(E->min_form_seconds >= 2);
	page_open(&p, FIX "posting_reply.html",
		  "https://board.example/posting.php?mode=reply&t=40");
	assert_int_equal(E->post_form(&p.pg, NULL, "Hello [b]world[/b]", &f, &err), 0);
	assert_string_equal(f.action, "https://board.example/posting.php?mode=reply&t=40");
	assert_string_equal(f.method, "post");
	assert_string_equal(board_form_get(&f, "subject"), "Re: PHP 8 upgrade");
	assert_string_equal(board_form_get(&f, "message"), "Hello [b]world[/b]");
	assert_string_equal(board_form_get(&f, "form_token"),
			    "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c");
	assert_string_equal(board_form_get(&f, "creation_time"), "1716214600");
	assert_string_equal(board_form_get(&f, "lastclick"), "1716214600");
	assert_string_equal(board_form_get(&f, "topic_cur_post_id"), "812");
	assert_string_equal(board_form_get(&f, "attach_sig"), "on");
	assert_string_equal(board_form_get(&f, "post"), "Submit");
	assert_null(board_form_get(&f, "preview"));
	assert_null(board_form_get(&f, "save"));
	board_form_clear(&f);
	assert_int_equal(E->post_form(&p.pg, "My own subject", "x", &f, &err), 0);
	assert_string_equal(board_form_get(&f, "subject"), "My own subject");
	board_form_clear(&f);
	page_close(&p);

	page_open(&p, FIX "message_locked.html", NULL);
	assert_int_equal(E->post_form(&p.pg, NULL, "x", &f, &err), -1);
	assert_non_null(strstr(
		err, "This topic is locked, you cannot edit posts or make further replies."));
	free(err);
	err = NULL;
	page_close(&p);

	page_open(&p, FIX "login.html", NULL);
	assert_int_equal(E->post_form(&p.pg, NULL, "x", &f, &err), -1);
	assert_non_null(strstr(err, "login form"));
	free(err);
	page_close(&p);

	char *u = E->reply_url("https://board.example/", "40", "812");
	assert_string_equal(u, "https://board.example/posting.php?mode=reply&t=40");
	free(u);
	u = E->new_thread_url("https://board.example/", "4");
	assert_string_equal(u, "https://board.example/posting.php?mode=post&f=4");
	free(u);
}

static void expect_refusal(const char *file, const char *text, enum board_page_kind kind)
{
	struct page p;
	char *err = NULL, *id = (char *)1;
	page_open(&p, file, NULL);
	assert_int_equal(E->post_result(&p.pg, NULL, &id, &err), 0);
	assert_null(id);
	if (err == NULL || strstr(err, text) == NULL)
		fail_msg("%s: \"%s\" not in \"%s\"", file, text, err);
	free(err);
	char *m = E->message(&p.pg);
	assert_string_equal(m, text);
	free(m);
	assert_int_equal(E->kind(&p.pg), kind);
	page_close(&p);
}

static void test_post_result(void **state)
{
	struct page p;
	char *err = NULL, *id = NULL;

	page_open(&p, FIX "posted_ok.html", NULL);
	assert_int_equal(E->post_result(&p.pg, NULL, &id, &err), 1);
	assert_string_equal(id, "4711");
	free(id);
	assert_int_equal(E->kind(&p.pg), BOARD_PAGE_MESSAGE);
	page_close(&p);

	page_open(&p, FIX "posted_queued.html", NULL);
	assert_int_equal(E->post_result(&p.pg, NULL, &id, &err), 1);
	assert_null(id); /* held for approval */
	page_close(&p);

	/* a redirect straight to the post */
	page_open(&p, FIX "viewtopic_prosilver33_de.html", NULL);
	assert_int_equal(E->post_result(&p.pg, "https://forum.example.de/viewtopic.php?p=504#p504",
					&id, &err),
			 1);
	assert_string_equal(id, "504");
	free(id);
	page_close(&p);

	/* 3.0's answer to a form sent within 2 seconds: back to the topic */
	page_open(&p, FIX "viewtopic_subsilver2.html", NULL);
	assert_int_equal(
		E->post_result(&p.pg, "http://old.example/viewtopic.php?f=2&t=1", &id, &err), 0);
	assert_null(id);
	assert_non_null(strstr(err, "too soon"));
	free(err);
	err = NULL;
	page_close(&p);

	expect_refusal(FIX "posting_flood.html",
		       "You cannot make another post so soon after your last.", BOARD_PAGE_OTHER);
	expect_refusal(FIX "posting_invalid.html",
		       "The submitted form was invalid. Try submitting again.", BOARD_PAGE_OTHER);
	expect_refusal(FIX "posting_short.html", "Your message contains too few characters.",
		       BOARD_PAGE_OTHER);
	expect_refusal(FIX "message_locked.html",
		       "This topic is locked, you cannot edit posts or make further replies.",
		       BOARD_PAGE_MESSAGE);
	expect_refusal(FIX "message_noauth.html", "You are not authorised to read this forum.",
		       BOARD_PAGE_NO_PERMISSION);

	/* viewtopic's quick reply (form#qr_postform): a form to fill, but not
	 * the posting page coming back with an error */
	static const char qr[] =
		"<div id=\"p9\" class=\"post\"><div class=\"postbody\"><div class=\"content\">x</div></div></div>"
		"<form id=\"qr_postform\" method=\"post\" action=\"./posting.php?mode=reply&amp;t=3\">"
		"<input type=\"text\" name=\"subject\" value=\"Re: x\"><textarea name=\"message\"></textarea>"
		"<input type=\"hidden\" name=\"form_token\" value=\"tok\"></form>";
	struct board_page qp;
	struct board_form f;
	board_page_open(&qp, qr, sizeof qr - 1, "https://b.example/viewtopic.php?t=3", "qr", NULL);
	assert_int_equal(E->post_form(&qp, NULL, "hi", &f, &err), 0);
	assert_string_equal(f.action, "https://b.example/posting.php?mode=reply&t=3");
	assert_string_equal(board_form_get(&f, "form_token"), "tok");
	assert_string_equal(board_form_get(&f, "post"), "Submit");
	board_form_clear(&f);
	assert_int_equal(E->post_result(&qp, NULL, &id, &err), 0);
	assert_null(strstr(err, "posting form came back"));
	free(err);
	err = NULL;
	board_page_close(&qp);

	page_open(&p, FIX "login.html", NULL);
	assert_int_equal(
		E->post_result(&p.pg, "https://board.example/ucp.php?mode=login", &id, &err), 0);
	assert_non_null(strstr(err, "login form"));
	free(err);
	page_close(&p);
}

/* ---- feeds ---- */

static int parse_feed_file(const char *path, struct board_listing *l, char **err)
{
	size_t len;
	char *x = slurp(path, &len);
	int rc = E->parse_feed(x, len, path, l, err);
	free(x);
	return rc;
}

static void test_feed(void **state)
{
	struct board_listing l;
	char *err = NULL;

	assert_int_equal(parse_feed_file(FIX "feed_31.xml", &l, &err), 0);
	assert_int_equal(l.ntopics, 2);
	struct board_topic *a = topic(&l, "41"), *b = topic(&l, "40");
	assert_string_equal(a->title, "White page after install");
	assert_int_equal(a->last_post, 1716289479);
	assert_string_equal(a->last_post_id, "813");
	assert_string_equal(a->url, "https://board.example/forum/viewtopic.php?t=41");
	assert_string_equal(b->title, "PHP 8 upgrade");
	assert_int_equal(b->last_post, 1716214667); /* the newer of its two posts */
	assert_string_equal(b->last_post_id, "812");
	board_listing_clear(&l);

	assert_int_equal(parse_feed_file(FIX "feed_30.xml", &l, &err), 0);
	assert_int_equal(l.ntopics, 1);
	assert_string_equal(l.topics[0].id, "1");
	assert_string_equal(l.topics[0].title, "Welcome to phpBB3");
	assert_string_equal(l.topics[0].last_post_id, "12");
	board_listing_clear(&l);

	/* external entities are not loaded, internal ones not substituted */
	const char *xxe =
		"<?xml version=\"1.0\"?><!DOCTYPE feed [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
		"<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><title>&x;</title>"
		"<updated>2024-01-01T00:00:00Z</updated>"
		"<link href=\"http://b.example/viewtopic.php?t=5&amp;p=6#p6\"/></entry></feed>";
	assert_int_equal(E->parse_feed(xxe, strlen(xxe), "xxe", &l, &err), 0);
	assert_int_equal(l.ntopics, 1);
	assert_null(strstr(l.topics[0].title, "root:"));
	board_listing_clear(&l);

	assert_int_equal(E->parse_feed("<html>nope</html>", 17, "bad", &l, &err), -1);
	assert_non_null(strstr(err, "bad"));
	free(err);
	err = NULL;
	const char *nolinks =
		"<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><link href=\"http://b/viewtopic.php?p=3#p3\"/>"
		"</entry></feed>";
	assert_int_equal(E->parse_feed(nolinks, strlen(nolinks), "f", &l, &err), -1);
	assert_non_null(strstr(err, "t=N"));
	free(err);
}

static void test_urls(void **state)
{
	assert_ptr_equal(board_engine("phpbb"), &board_phpbb);
	struct {
		char *got;
		const char *want;
	} c[] = {
		{E->index_url("https://b.example/forum/"), "https://b.example/forum/index.php"},
		{E->forum_url("https://b.example/", "4", 1), "https://b.example/viewforum.php?f=4"},
		{E->forum_url("https://b.example/", "4", 3),
		 "https://b.example/viewforum.php?f=4&start=50"},
		{E->thread_url("https://b.example/", "77", 1),
		 "https://b.example/viewtopic.php?t=77"},
		{E->thread_url("https://b.example/", "77", 2),
		 "https://b.example/viewtopic.php?t=77&start=10"},
		{E->feed_url("https://b.example/", NULL), "https://b.example/app.php/feed"},
		{E->feed_url("https://b.example/", "4"), "https://b.example/app.php/feed/forum/4"},
		{E->login_url("https://b.example/"), "https://b.example/ucp.php?mode=login"},
	};
	for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
		assert_string_equal(c[i].got, c[i].want);
		free(c[i].got);
	}
}

/* Not a check: how fast thread pages parse (printed for the report). */
static void test_speed(void **state)
{
	const char *files[] = {NETTALLY, DEBIAN1, DEBIAN2};
	for (size_t f = 0; f < 3; f++) {
		size_t len;
		char *html = slurp(files[f], &len);
		int n = 50;
		size_t posts = 0;
		clock_t t0 = clock();
		for (int i = 0; i < n; i++) {
			struct board_page pg;
			struct forum_thread *t;
			char *err = NULL;
			board_page_open(&pg, html, len, "https://b.example/viewtopic.php?t=1",
					"bench", NULL);
			assert_int_equal(E->parse_thread(&pg, &t, &err), 0);
			posts += t->nposts;
			forum_thread_free(t);
			board_page_close(&pg);
		}
		double s = (double)(clock() - t0) / CLOCKS_PER_SEC;
		printf("phpbb speed: %s: %.0f pages/s, %.0f posts/s (%zu bytes)\n",
		       files[f] + strlen(CORPUS), s > 0 ? n / s : 0.0, s > 0 ? posts / s : 0.0,
		       len);
		free(html);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_30_prosilver),
		cmocka_unit_test(test_corpus_33_debian),
		cmocka_unit_test(test_thread_german_33),
		cmocka_unit_test(test_thread_subsilver2),
		cmocka_unit_test(test_thread_template_changed),
		cmocka_unit_test(test_forum_prosilver30),
		cmocka_unit_test(test_forum_prosilver33),
		cmocka_unit_test(test_forum_subsilver2),
		cmocka_unit_test(test_forum_empty_and_changed),
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_login),
		cmocka_unit_test(test_post_form),
		cmocka_unit_test(test_post_result),
		cmocka_unit_test(test_feed),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_speed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
