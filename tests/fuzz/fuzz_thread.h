/*
 * The check shared by the fuzz targets of the thread parsers (spool JSON,
 * vBulletin HTML and text pages): any input must parse or fail with a
 * message, without crashing, leaking or hanging; a parsed thread must
 * satisfy the forum.h invariants (ids present, bodies never NULL).
 */
#ifndef FUZZ_THREAD_H
#define FUZZ_THREAD_H

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../gateway/forum/spool_internal.h"
#include "forumgate/forum.h"

typedef int (*fuzz_thread_parser)(const char *buf, size_t len, const char *name,
				  struct forum_thread **out, char **err);

static inline int fuzz_thread(fuzz_thread_parser parse, const uint8_t *data, size_t size)
{
	struct forum_thread *t = NULL;
	char *err = NULL;

	if (size > 1 << 20)
		return 0;
	if (parse((const char *)data, size, "fuzz", &t, &err) == 0) {
		assert(t != NULL && err == NULL && t->id != NULL && t->title != NULL);
		assert(t->nposts > 0);
		for (size_t i = 0; i < t->nposts; i++)
			assert(t->posts[i].id != NULL && t->posts[i].body != NULL);
		forum_thread_free(t);
	} else {
		assert(t == NULL && err != NULL);
		free(err);
	}
	return 0;
}

#endif
