/*
 * Fuzz target for the XenForo board engine (gateway/forum/xenforo.c): every
 * input is parsed as a page and goes through every reader (kind, thread
 * page, thread list, forum list, login form and result, reply form and
 * result, message), since a
 * board that misbehaves can answer any request with any page. A failure
 * must say why and leave nothing behind; a thread parsed has its ids,
 * title and bodies; a listing's entries have ids and absolute URLs; bodies
 * convert to text.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../gateway/forum/board.h"
#include "forumgate/text.h"

static void check_listing(int rc, struct board_listing *l, char *err)
{
	if (rc != 0) {
		assert(rc == -1 && err != NULL && l->nforums == 0 && l->ntopics == 0);
		free(err);
		return;
	}
	assert(err == NULL);
	for (size_t i = 0; i < l->nforums; i++)
		assert(l->forums[i].id != NULL && l->forums[i].title != NULL);
	for (size_t i = 0; i < l->ntopics; i++)
		assert(l->topics[i].id != NULL && l->topics[i].title != NULL);
	board_listing_clear(l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct board_engine *xf = &board_xenforo;
	struct board_page pg;
	char *err = NULL;

	if (size > 1 << 20)
		return 0;
	char *html = malloc(size + 1);
	memcpy(html, data, size);
	html[size] = '\0';
	board_page_open(&pg, html, size, "https://board.example/threads/t.1/", "fuzz", NULL);
	(void)xf->detect(&pg);
	(void)xf->kind(&pg);
	(void)xf->logged_in(&pg);
	free(xf->message(&pg));

	struct forum_thread *t = NULL;
	if (xf->parse_thread(&pg, &t, &err) == 0) {
		assert(t != NULL && err == NULL && t->id != NULL && t->title != NULL);
		assert(t->nposts > 0);
		for (size_t i = 0; i < t->nposts; i++) {
			const struct forum_post *p = &t->posts[i];
			assert(p->id != NULL && p->body != NULL && p->markup == MARKUP_HTML);
			struct buf out = BUF_INIT;
			struct text_info info = {NULL, 0};
			assert(text_convert(MARKUP_HTML, p->body, strlen(p->body), &out, &info) ==
			       0);
			buf_free(&out);
			text_info_free(&info);
		}
		forum_thread_free(t);
	} else {
		assert(t == NULL && err != NULL);
		free(err);
	}
	err = NULL;

	struct board_listing l;
	int rc = xf->parse_forum(&pg, &l, &err);
	check_listing(rc, &l, err);
	err = NULL;
	rc = xf->parse_index(&pg, &l, &err);
	check_listing(rc, &l, err);
	err = NULL;

	struct board_form f;
	if (xf->login_form(&pg, "user", "pass", &f, &err) == 0) {
		assert(err == NULL && f.action != NULL);
		free(board_form_encode(&f));
		board_form_clear(&f);
	} else {
		assert(err != NULL);
		free(err);
	}
	err = NULL;
	if (xf->login_result(&pg, &err) == 1)
		assert(err == NULL);
	else
		assert(err != NULL);
	free(err);

	err = NULL;
	if (xf->post_form(&pg, "subject", "body", &f, &err) == 0) {
		assert(err == NULL && board_form_get(&f, "_xfToken") != NULL);
		board_form_clear(&f);
	} else {
		assert(err != NULL);
		free(err);
	}
	err = NULL;
	char *post = NULL;
	if (xf->post_result(&pg, "https://board.example/threads/t.1/post-5", &post, &err) == 1)
		assert(err == NULL);
	else
		assert(err != NULL && post == NULL);
	free(post);
	free(err);

	/* the same bytes as a feed */
	err = NULL;
	rc = xf->parse_feed(html, size, "https://board.example/forums/-/index.rss", &l, &err);
	check_listing(rc, &l, err);

	board_page_close(&pg);
	free(html);
	return 0;
}
