/*
 * Fuzz target for vb_parse_text() (gateway/forum/): any input must parse or fail
 * with a message, without crashing, leaking or hanging; a parsed thread
 * must satisfy the forum.h invariants (ids present, bodies never NULL).
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>

#include "forumgate/forum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct forum_thread *t = NULL;
	char *err = NULL;
	size_t i;

	if (size > 1 << 20)
		return 0;
	if (vb_parse_text((const char *)data, size, "fuzz", &t, &err) == 0) {
		assert(t != NULL && err == NULL && t->id != NULL && t->title != NULL);
		assert(t->nposts > 0);
		for (i = 0; i < t->nposts; i++)
			assert(t->posts[i].id != NULL && t->posts[i].body != NULL);
		forum_thread_free(t);
	} else {
		assert(t == NULL && err != NULL);
		free(err);
	}
	return 0;
}
