/*
 * Fuzz target for the reason a Discourse refusal gives
 * (gateway/forum/discourse.c: discourse_errors), read from the forum's
 * answer to POST /posts.json and mailed to the sender. Checks: the reason
 * is NULL or a non-empty string without a NUL inside, no longer than the
 * input allows (each error string at most its escaped length, plus "; ").
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../gateway/forum/discourse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *why = discourse_errors((const char *)data, size);
	if (why != NULL) {
		size_t n = strlen(why);
		if (n == 0 || n > 2 * size + 2)
			abort();
		free(why);
	}
	return 0;
}
