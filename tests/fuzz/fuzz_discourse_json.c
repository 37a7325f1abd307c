/*
 * Fuzz target for the Discourse JSON mapping (gateway/forum/discourse_json.c).
 * Every input goes through every parser (a response body of any kind may
 * reach any of them when a forum misbehaves), and every post parsed is
 * mapped onto a forum_post with the others as the known posts. Checks the
 * promises of discourse_json.h: a failure says why and leaves nothing
 * behind; a success gives the strings it promises, a mapped post has an id
 * and an HTML body, and a resolved parent is a known post.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../gateway/forum/discourse_json.h"

static void fail_clean(int rc, char *err, const void *out, size_t size)
{
	static const unsigned char zero[256];
	if (rc != -1 || err == NULL || size > sizeof zero || memcmp(out, zero, size))
		abort();
	free(err);
}

static void check_posts(const struct dj_posts *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		const struct dj_post *p = &ps->v[i];
		if (p->id <= 0 || p->post_number <= 0 || p->version < 1 || p->cooked == NULL)
			abort();
		int num = dj_post_parent_number(p);
		if (num < 0 || num == p->post_number)
			abort();
		struct forum_post fp = {0};
		int unres = -1;
		char *err = NULL;
		if (dj_post_to_forum(p, ps, "https://f.example", &fp, &unres, &err) < 0) {
			if (dj_post_gatewayed(p) || err == NULL || fp.id != NULL)
				abort();
			free(err);
			continue;
		}
		if (fp.id == NULL || fp.body == NULL || fp.markup != MARKUP_HTML || unres < 0)
			abort();
		if (fp.parent_id != NULL && (unres != 0 || num == 0))
			abort();
		forum_post_clear(&fp);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	char *err = NULL;

	struct dj_categories c;
	int rc = dj_parse_categories(buf, size, &c, &err);
	if (rc == 0) {
		for (size_t i = 0; i < c.n; i++) {
			if (c.v[i].slug == NULL || c.v[i].name == NULL)
				abort();
			char *g = dj_group_name("fg.x", &c, &c.v[i], &err);
			if (g == NULL) {
				if (err == NULL || c.v[i].parent_id == 0)
					abort();
				free(err);
				err = NULL;
				continue;
			}
			if (strncmp(g, "fg.x.", 5) != 0 || strspn(g, "abcdefghijklmnopqrstuvwxyz"
								     "0123456789+-_.") != strlen(g))
				abort();
			free(g);
		}
		dj_categories_free(&c);
	} else {
		fail_clean(rc, err, &c, sizeof c);
	}
	err = NULL;

	struct dj_topic_list l;
	rc = dj_parse_topic_list(buf, size, &l, &err);
	if (rc == 0) {
		for (size_t i = 0; i < l.n; i++)
			if (l.v[i].title == NULL || l.v[i].slug == NULL)
				abort();
		dj_topic_list_free(&l);
	} else {
		fail_clean(rc, err, &l, sizeof l);
	}
	err = NULL;

	struct dj_topic_page tp;
	rc = dj_parse_topic(buf, size, &tp, &err);
	if (rc == 0) {
		if (tp.topic.title == NULL || (tp.nstream && tp.stream == NULL))
			abort();
		check_posts(&tp.posts);
		dj_topic_page_free(&tp);
	} else {
		fail_clean(rc, err, &tp, sizeof tp);
	}
	err = NULL;

	struct dj_posts ps;
	rc = dj_parse_posts(buf, size, &ps, &err);
	if (rc == 0) {
		check_posts(&ps);
		dj_posts_free(&ps);
	} else {
		fail_clean(rc, err, &ps, sizeof ps);
	}
	return 0;
}
