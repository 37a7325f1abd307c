/*
 * Fuzz target for the user lookup of discourse.lookup_users
 * (gateway/forum/discourse.c: discourse_user_by_email), read from the
 * forum's answer to /admin/users/list/all.json: the username becomes the
 * Api-Username a reply is posted as. Checks: the name is NULL or a
 * non-empty string without a NUL inside, no longer than the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../gateway/forum/discourse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *name = discourse_user_by_email((const char *)data, size, "carol@example.org");
	if (name != NULL) {
		size_t n = strlen(name);
		if (n == 0 || n > size)
			abort();
		free(name);
	}
	return 0;
}
