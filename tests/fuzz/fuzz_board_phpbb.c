/*
 * Fuzz target for the phpBB board engine (gateway/forum/phpbb.c): any page
 * goes through every parser (thread page, thread list, index, login and
 * posting forms and results, message box, page URLs) and, as bytes, the
 * Atom feed parser. Each must succeed or fail with a message, without
 * crashing, leaking or hanging, and what it returns must satisfy board.h
 * and forum.h (ids, titles and bodies present).
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../gateway/forum/board.h"

static void check_listing(int rc, struct board_listing *l, char *err)
{
	if (rc == 0) {
		assert(err == NULL);
		for (size_t i = 0; i < l->nforums; i++)
			assert(l->forums[i].id != NULL);
		for (size_t i = 0; i < l->ntopics; i++)
			assert(l->topics[i].id != NULL);
		board_listing_clear(l);
	} else {
		assert(err != NULL && l->ntopics == 0 && l->nforums == 0);
		free(err);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct board_engine *e = &board_phpbb;
	struct board_page pg;
	struct board_listing l;
	struct board_form f;
	struct forum_thread *t = NULL;
	char *err = NULL, *id = NULL;
	int rc;

	if (size > 1 << 20)
		return 0;
	char *html = malloc(size + 1);
	if (html == NULL)
		return 0;
	memcpy(html, data, size);
	html[size] = '\0';
	board_page_open(&pg, html, size, "https://board.example/forum/viewtopic.php?t=1", "fuzz",
			NULL);

	(void)e->detect(&pg);
	(void)e->kind(&pg);
	(void)e->logged_in(&pg);
	if (e->parse_thread(&pg, &t, &err) == 0) {
		assert(t != NULL && err == NULL && t->id != NULL && t->title != NULL &&
		       t->nposts > 0);
		for (size_t i = 0; i < t->nposts; i++)
			assert(t->posts[i].id != NULL && t->posts[i].body != NULL);
		forum_thread_free(t);
	} else {
		assert(t == NULL && err != NULL);
		free(err);
	}
	err = NULL;
	rc = e->parse_forum(&pg, &l, &err);
	check_listing(rc, &l, err);
	err = NULL;
	rc = e->parse_index(&pg, &l, &err);
	check_listing(rc, &l, err);
	err = NULL;
	if (e->login_form(&pg, "user", "pass", &f, &err) == 0)
		board_form_clear(&f);
	else
		free(err);
	err = NULL;
	if (e->login_result(&pg, &err) == 0) {
		assert(err != NULL);
		free(err);
	}
	err = NULL;
	if (e->post_form(&pg, "subject", "body", &f, &err) == 0)
		board_form_clear(&f);
	else
		free(err);
	err = NULL;
	if (e->post_result(&pg, NULL, &id, &err) == 0) {
		assert(id == NULL && err != NULL);
		free(err);
	}
	free(id);
	free(e->message(&pg));
	free(e->page_url(&pg, 2));
	board_page_close(&pg);

	err = NULL;
	rc = e->parse_feed(html, size, "fuzz", &l, &err);
	check_listing(rc, &l, err);
	free(html);
	return 0;
}
