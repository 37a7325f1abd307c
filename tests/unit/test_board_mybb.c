/*
 * Tests for gateway/forum/mybb.c (the MyBB 1.8 board engine, read side)
 * and the MyBB markup of gateway/article/text_html.c: the corpus pages
 * saved from a real MyBB 1.8.27 board (../shared/corpora/forum-html/mybb/)
 * and hand-written pages in tests/fixtures/boards/mybb/ (index,
 * forumdisplay with stickies, a moved thread and pagination, an empty
 * forum, showthread with a quote, a guest, an edit note and a signature,
 * login and its failures, an error page, changed templates, German
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

#include "../../gateway/forum/board.h"
#include "forumgate/buf.h"
#include "forumgate/forum.h"
#include "forumgate/text.h"

#define CORPUS "../shared/corpora/forum-html/mybb/magic-html/"
#define FIX "tests/fixtures/boards/mybb/"
#define MYBB_4 CORPUS "77d118aedba20777037422e6748c758d6f7013a2e1f108fd336204a551f68991.html"
#define MYBB_1 CORPUS "08412f7a050466793eb2952d83f8c051dd01dd3cd863b93175b0a3ff93eb5089.html"

static const struct board_engine *mb = &board_mybb;

struct page {
	char *html;
	struct board_page pg;
};

static void open_page(struct page *p, const char *path, const char *url)
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
	size_t len = b.len;
	buf_addc(&b, '\0');
	p->html = buf_detach(&b);
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
	assert_int_equal(mb->kind(&p.pg), BOARD_PAGE_THREAD);
	if (mb->parse_thread(&p.pg, &t, &err) != 0)
		fail_msg("%s: %s", path, err);
	close_page(&p);
	return t;
}

static char *plain(const char *html, struct text_info *info)
{
	struct buf out = BUF_INIT;

	assert_int_equal(text_convert(MARKUP_HTML, html, strlen(html), &out, info), 0);
	buf_addc(&out, '\0');
	return buf_detach(&out);
}

static void no_furniture(const struct forum_thread *t)
{
	static const char *const words[] = {
		"Reply",
		"Report",
		"Find",
		"Antworten",
		"Melden",
		"Suchen",
		"last modified",
		"zuletzt bearbeitet",
		"post_edit",
		"Posts:",
		"Joined",
		"Threaded Mode",
		"Next Oldest",
		"Printable Version",
		"Users browsing",
		"Senior Member",
		NULL,
	};
	for (size_t i = 0; i < t->nposts; i++) {
		char *txt = plain(t->posts[i].body, NULL);
		for (size_t w = 0; words[w] != NULL; w++)
			if (strstr(t->posts[i].body, words[w]) != NULL ||
			    (t->posts[i].signature != NULL &&
			     strstr(t->posts[i].signature, words[w])))
				fail_msg("post %s: furniture \"%s\": %s", t->posts[i].id, words[w],
					 txt);
		free(txt);
	}
}

static void test_corpus(void **state)
{
	(void)state;
	struct page p;
	open_page(&p, MYBB_4, NULL);
	assert_true(mb->detect(&p.pg) >= 90);
	assert_ptr_equal(board_detect(&p.pg), mb);
	assert_int_equal(board_xenforo.detect(&p.pg), 0);
	assert_int_equal(mb->logged_in(&p.pg), 0);
	close_page(&p);

	struct forum_thread *t = thread_of(MYBB_4, NULL);
	assert_string_equal(t->id, "214");
	assert_string_equal(t->title, "SV1, SV2, SV-TT update");
	assert_string_equal(t->board, "5");
	assert_string_equal(t->url, "https://theultimatetone.com/thread-214.html");
	assert_int_equal(t->page, 1);
	assert_int_equal(t->pages, 1);
	assert_int_equal(t->nposts, 4);
	static const char *const ids[] = {"830", "1076", "1082", "1083"};
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(t->posts[i].id, ids[i]);
		assert_int_equal(t->posts[i].position, (int)i + 1);
	}
	assert_string_equal(t->posts[0].author, "K O'Connor");
	assert_string_equal(t->posts[0].author_id, "3");
	assert_int_equal(t->posts[0].guest, 0);
	assert_int_equal(t->posts[0].date, 1626099600); /* 07-12-2021, 02:20 PM */
	assert_string_equal(t->posts[0].url,
			    "https://theultimatetone.com/thread-214-post-830.html#pid830");
	assert_true(strncmp(t->posts[0].body, "Hi Guys<br>", 11) == 0);
	assert_int_equal(t->posts[1].date, 1680964440); /* 04-08-2023, 02:34 PM */
	no_furniture(t);
	forum_thread_free(t);

	t = thread_of(MYBB_1, NULL);
	assert_string_equal(t->id, "268");
	assert_string_equal(t->title, "Bias class");
	assert_int_equal(t->nposts, 1);
	assert_string_equal(t->posts[0].id, "1078");
	forum_thread_free(t);
}

static void test_showthread(void **state)
{
	(void)state;
	static const char *const files[] = {FIX "showthread.html", FIX "showthread_de_closed.html"};
	for (size_t i = 0; i < 2; i++) {
		struct forum_thread *t = thread_of(files[i], NULL);
		assert_string_equal(t->id, "214");
		assert_string_equal(t->title, "Amp hum");
		assert_string_equal(t->board, "2");
		assert_int_equal(t->page, 2);
		assert_int_equal(t->pages, 3);
		assert_int_equal(t->posting, i == 0 ? FORUM_POSTING_YES : FORUM_POSTING_NO);
		assert_int_equal(t->nposts, 2);
		const struct forum_post *p = &t->posts[0];
		assert_string_equal(p->id, "821");
		assert_int_equal(p->position, 11);
		assert_string_equal(p->author, "bob");
		assert_string_equal(p->author_id, "2");
		assert_int_equal(p->date, 1626166800); /* the edit note is not the date */
		assert_string_equal(p->parent_id, "820");
		assert_string_equal(
			p->signature,
			"<span style=\"font-style: italic;\" class=\"mycode_i\">bob fixes amps</span>");
		struct text_info info = {NULL, 0};
		char *txt = plain(p->body, &info);
		assert_string_equal(
			txt,
			"alice wrote:\n> The hum starts after ten minutes.\n\nCheck the filter caps first.\n");
		assert_int_equal(info.nquoted, 1);
		assert_string_equal(info.quoted_ids[0], "820");
		text_info_free(&info);
		free(txt);
		p = &t->posts[1];
		assert_string_equal(p->author, "Visitor");
		assert_null(p->author_id);
		assert_int_equal(p->guest, 1);
		assert_int_equal(p->date, 1626258600); /* "Today" titled 07-14-2021, 10:30 AM */
		txt = plain(p->body, NULL);
		assert_non_null(strstr(txt, "\nif (hum)\n    replace(caps);\n"));
		assert_null(strstr(txt, "Code:"));
		free(txt);
		no_furniture(t);
		forum_thread_free(t);
	}

	struct page pg;
	struct forum_thread *t = (struct forum_thread *)1;
	char *err = NULL;
	open_page(&pg, FIX "showthread_changed.html", NULL);
	assert_int_equal(mb->parse_thread(&pg.pg, &t, &err), -1);
	assert_null(t);
	assert_non_null(strstr(err, FIX "showthread_changed.html"));
	assert_non_null(strstr(err, "div.post#post_N"));
	free(err);
	close_page(&pg);
}

/* A post without any thread id on the page: a clear error (the fuzzer
 * found the message read from the freed thread). */
static void test_no_thread_id(void **state)
{
	(void)state;
	static const char html[] = "<div class=\"post\" id=\"post_5\"><div class=\"post_body\" "
				   "id=\"pid_5\">x</div></div>";
	struct board_page pg;
	struct forum_thread *t = NULL;
	char *err = NULL;

	board_page_open(&pg, html, sizeof html - 1, NULL, "bare", NULL);
	assert_int_equal(mb->parse_thread(&pg, &t, &err), -1);
	assert_null(t);
	assert_string_equal(err,
			    "bare: no thread id (canonical link, input tid, .navigation .active)");
	free(err);
	board_page_close(&pg);
}

static void test_index(void **state)
{
	(void)state;
	struct page p;
	struct board_listing l;
	char *err = NULL;

	open_page(&p, FIX "index.html", "https://board.example/index.php");
	assert_int_equal(mb->kind(&p.pg), BOARD_PAGE_INDEX);
	assert_int_equal(mb->parse_index(&p.pg, &l, &err), 0);
	struct {
		const char *id, *title, *parent;
		int category, link;
	} want[] = {
		{"1", "General", NULL, 1, 0}, {"4", "Members", NULL, 1, 0},
		{"2", "Chat", "1", 0, 0},     {"5", "Off topic", "2", 0, 0},
		{"6", "Games", "2", 0, 0},    {"3", "Wiki", "1", 0, 1},
		{"7", "Lounge", "4", 0, 0},
	};
	assert_int_equal(l.nforums, 7);
	for (size_t i = 0; i < 7; i++) {
		assert_string_equal(l.forums[i].id, want[i].id);
		assert_string_equal(l.forums[i].title, want[i].title);
		if (want[i].parent == NULL)
			assert_null(l.forums[i].parent_id);
		else
			assert_string_equal(l.forums[i].parent_id, want[i].parent);
		assert_int_equal(l.forums[i].category, want[i].category);
		assert_int_equal(l.forums[i].link, want[i].link);
	}
	assert_string_equal(l.forums[2].url, "https://board.example/forumdisplay.php?fid=2");
	board_listing_clear(&l);
	close_page(&p);
}

static void test_forumdisplay(void **state)
{
	(void)state;
	static const char *const files[] = {FIX "forumdisplay.html", FIX "forumdisplay_de.html"};
	static const char *const titles[2][4] = {{"Rules", "Busy & long", "Old one", "Closed one"},
						 {"Regeln", "Viel los", "Alt", "Geschlossen"}};
	for (size_t i = 0; i < 2; i++) {
		struct page p;
		struct board_listing l;
		char *err = NULL;
		open_page(&p, files[i], "https://board.example/forumdisplay.php?fid=2&page=2");
		assert_int_equal(mb->kind(&p.pg), BOARD_PAGE_FORUM);
		assert_int_equal(mb->parse_forum(&p.pg, &l, &err), 0);
		assert_string_equal(l.forum_id, "2");
		assert_string_equal(l.title, "Chat");
		assert_int_equal(l.page, 2);
		assert_int_equal(l.pages, 9);
		assert_string_equal(l.next_url,
				    "https://board.example/forumdisplay.php?fid=2&page=3");
		assert_int_equal(l.nforums, 1);
		assert_string_equal(l.forums[0].id, "5");
		assert_string_equal(l.forums[0].parent_id, "2");
		struct {
			const char *id;
			int sticky, moved;
			long replies;
			int64_t last;
			int pages;
		} want[] = {
			{"11", 1, 0, 0, 1626099600, 0},
			{"12", 0, 0, 1234, 1626166800, 3},
			{"13", 0, 1, -1, 1625914800, 0},
			{"14", 0, 0, 5, 1625819400, 0},
		};
		assert_int_equal(l.ntopics, 4);
		for (size_t k = 0; k < 4; k++) {
			assert_string_equal(l.topics[k].id, want[k].id);
			assert_string_equal(l.topics[k].title, titles[i][k]);
			assert_int_equal(l.topics[k].sticky, want[k].sticky);
			assert_int_equal(l.topics[k].moved, want[k].moved);
			assert_int_equal(l.topics[k].replies, want[k].replies);
			assert_int_equal(l.topics[k].last_post, want[k].last);
			assert_int_equal(l.topics[k].pages, want[k].pages);
		}
		assert_string_equal(l.topics[1].url, "https://board.example/showthread.php?tid=12");
		board_listing_clear(&l);
		close_page(&p);
	}
}

static void test_forumdisplay_empty_and_changed(void **state)
{
	(void)state;
	struct page p;
	struct board_listing l;
	char *err = NULL;

	open_page(&p, FIX "forumdisplay_empty.html",
		  "https://board.example/forumdisplay.php?fid=8");
	assert_int_equal(mb->kind(&p.pg), BOARD_PAGE_FORUM);
	assert_int_equal(mb->parse_forum(&p.pg, &l, &err), 0);
	assert_int_equal(l.ntopics, 0);
	assert_string_equal(l.forum_id, "8");
	assert_int_equal(l.pages, 1);
	board_listing_clear(&l);
	close_page(&p);

	open_page(&p, FIX "forumdisplay_changed.html", NULL);
	assert_int_equal(mb->parse_forum(&p.pg, &l, &err), -1);
	assert_non_null(strstr(err, "span#tid_N"));
	free(err);
	close_page(&p);
}

static void test_urls(void **state)
{
	(void)state;
	char *u;
	assert_ptr_equal(board_engine("mybb"), mb);
	u = mb->index_url("https://b.example/forum/");
	assert_string_equal(u, "https://b.example/forum/index.php");
	free(u);
	u = mb->forum_url("https://b.example/", "2", 3);
	assert_string_equal(u, "https://b.example/forumdisplay.php?fid=2&page=3");
	free(u);
	u = mb->thread_url("https://b.example/", "214", 1);
	assert_string_equal(u, "https://b.example/showthread.php?tid=214");
	free(u);
	u = mb->login_url("https://b.example/");
	assert_string_equal(u, "https://b.example/member.php?action=login");
	free(u);
}

static void test_login(void **state)
{
	(void)state;
	struct page p;
	struct board_form f;
	char *err = NULL;

	open_page(&p, FIX "login.html", "https://board.example/member.php?action=login");
	assert_int_equal(mb->kind(&p.pg), BOARD_PAGE_LOGIN);
	assert_int_equal(mb->login_form(&p.pg, "alice", "pw&1", &f, &err), 0);
	assert_string_equal(f.action, "https://board.example/member.php");
	assert_string_equal(board_form_get(&f, "action"), "do_login");
	assert_string_equal(board_form_get(&f, "username"), "alice");
	assert_string_equal(board_form_get(&f, "password"), "pw&1");
	assert_string_equal(board_form_get(&f, "remember"), "yes");
	assert_string_equal(board_form_get(&f, "my_post_key"), "feedfacefeedface");
	assert_string_equal(board_form_get(&f, "url"),
			    "https://board.example/forumdisplay.php?fid=7");
	assert_null(board_form_get(&f, "quick_username"));
	board_form_clear(&f);
	close_page(&p);

	/* any page of a guest: the header's quick login */
	open_page(&p, FIX "index.html", "https://board.example/index.php");
	assert_int_equal(mb->login_form(&p.pg, "alice", "pw", &f, &err), 0);
	assert_string_equal(board_form_get(&f, "quick_username"), "alice");
	assert_string_equal(board_form_get(&f, "quick_password"), "pw");
	assert_string_equal(board_form_get(&f, "action"), "do_login");
	board_form_clear(&f);
	close_page(&p);

	open_page(&p, FIX "login_wrong_password.html", NULL);
	assert_int_equal(mb->login_result(&p.pg, &err), 0);
	assert_non_null(strstr(
		err, "login refused: You have entered an invalid username/password combination."));
	free(err);
	err = NULL;
	close_page(&p);

	open_page(&p, FIX "login_captcha.html", NULL);
	assert_int_equal(mb->kind(&p.pg), BOARD_PAGE_CAPTCHA);
	assert_int_equal(mb->login_result(&p.pg, &err), 0);
	assert_non_null(strstr(err, "CAPTCHA"));
	free(err);
	err = NULL;
	assert_int_equal(mb->login_form(&p.pg, "a", "b", &f, &err), -1);
	assert_non_null(strstr(err, "CAPTCHA"));
	free(err);
	err = NULL;
	close_page(&p);

	open_page(&p, FIX "forumdisplay.html", NULL);
	assert_int_equal(mb->logged_in(&p.pg), 1);
	assert_int_equal(mb->login_result(&p.pg, &err), 1);
	assert_null(err);
	close_page(&p);
}

static void test_messages(void **state)
{
	(void)state;
	struct page p;

	open_page(&p, FIX "error.html", NULL);
	assert_int_equal(mb->kind(&p.pg), BOARD_PAGE_MESSAGE);
	char *m = mb->message(&p.pg);
	assert_string_equal(m, "The specified thread does not exist.");
	free(m);
	close_page(&p);
	static const char *const none[] = {FIX "index.html", FIX "showthread.html", MYBB_4};
	for (size_t i = 0; i < 3; i++) {
		open_page(&p, none[i], NULL);
		assert_null(mb->message(&p.pg));
		close_page(&p);
	}
}

static void test_text(void **state)
{
	(void)state;
	struct text_info info = {NULL, 0};
	char *txt = plain(
		"<blockquote class=\"mycode_quote\"><cite><span> (07-12-2021, 02:20 PM)</span>"
		"K O'Connor Wrote:  <a class=\"quick_jump\" href=\"thread-214-post-830.html#pid830\">"
		"</a></cite>quoted</blockquote><br />\nanswer",
		&info);
	assert_string_equal(txt, "K O'Connor wrote:\n> quoted\n\nanswer\n");
	assert_int_equal(info.nquoted, 1);
	assert_string_equal(info.quoted_ids[0], "830");
	text_info_free(&info);
	free(txt);
	/* a quote without a name */
	txt = plain("<blockquote class=\"mycode_quote\"><cite>Quote:</cite>x</blockquote>", &info);
	assert_string_equal(txt, "> x\n");
	assert_int_equal(info.nquoted, 0);
	free(txt);
	/* <pre> code keeps its newlines after <br> (only MyBB's nl2br'd <code> loses them) */
	txt = plain("<pre>a<br>\nb</pre>", NULL);
	assert_string_equal(txt, "a\n\nb\n");
	free(txt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_showthread),
		cmocka_unit_test(test_no_thread_id),
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_forumdisplay),
		cmocka_unit_test(test_forumdisplay_empty_and_changed),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_login),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
