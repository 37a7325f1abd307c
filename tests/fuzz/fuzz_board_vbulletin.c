/*
 * Fuzz target for the vBulletin board engine (gateway/forum/vbulletin_board.c
 * and the thread page parser of vbulletin.c): one input is read as a page
 * by every parser of the engine (thread page, thread list, forum home,
 * login and reply forms, results, the message box) and as an RSS feed. Any
 * input must parse or fail with a message, without crashing, leaking or
 * hanging; what parses must hold the board.h invariants (ids, titles and
 * URLs present, bodies never NULL, page <= pages).
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../gateway/forum/board.h"
#include "forumgate/buf.h"
#include "forumgate/forum.h"

static void check_listing(int rc, struct board_listing *l, char **errp)
{
	char *err = *errp;

	*errp = NULL;
	if (rc != 0) {
		assert(err != NULL);
		free(err);
		return;
	}
	for (size_t i = 0; i < l->nforums; i++)
		assert(l->forums[i].id != NULL && l->forums[i].title != NULL);
	for (size_t i = 0; i < l->ntopics; i++)
		assert(l->topics[i].id != NULL && l->topics[i].title != NULL);
	assert(l->pages == 0 || l->page <= l->pages);
	board_listing_clear(l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct board_engine *e = &board_vbulletin;
	struct board_page pg;
	struct board_listing l;
	struct board_form f;
	struct forum_thread *t = NULL;
	char *err = NULL, *id = NULL, *s;
	int rc;

	if (size > 1 << 20)
		return 0;
	/* a page is NUL-terminated (board.h) */
	char *html = malloc(size + 1);
	memcpy(html, data, size);
	html[size] = '\0';
	board_page_open(&pg, html, size, "https://forum.example.org/showthread.php?t=1", "fuzz",
			NULL);
	(void)e->detect(&pg);
	(void)e->kind(&pg);
	(void)e->logged_in(&pg);
	if (e->parse_thread(&pg, &t, &err) == 0) {
		assert(t != NULL && err == NULL && t->id != NULL && t->title != NULL);
		assert(t->nposts > 0);
		for (size_t i = 0; i < t->nposts; i++)
			assert(t->posts[i].id != NULL && t->posts[i].body != NULL);
		forum_thread_free(t);
	} else {
		assert(t == NULL && err != NULL);
		free(err);
	}
	err = NULL;
	rc = e->parse_forum(&pg, &l, &err);
	check_listing(rc, &l, &err);
	err = NULL;
	rc = e->parse_index(&pg, &l, &err);
	check_listing(rc, &l, &err);
	err = NULL;
	if (e->login_form(&pg, "user", "p\xc3\xa4ss \xe2\x82\xac", &f, &err) == 0) {
		s = board_form_encode(&f);
		free(s);
		board_form_clear(&f);
	} else {
		free(err);
	}
	err = NULL;
	if (e->login_result(&pg, &err) == 0)
		assert(err != NULL);
	free(err);
	err = NULL;
	if (e->post_form(&pg, "subject", "body [b]x[/b]", &f, &err) == 0) {
		assert(board_form_get(&f, "message") != NULL);
		board_form_clear(&f);
	} else {
		free(err);
	}
	err = NULL;
	if (e->post_result(&pg, NULL, &id, &err) == 1)
		free(id);
	else
		free(err);
	s = e->message(&pg);
	free(s);
	board_page_close(&pg);
	err = NULL;
	rc = e->parse_feed(html, size, "fuzz", &l, &err);
	check_listing(rc, &l, &err);
	free(html);
	return 0;
}
