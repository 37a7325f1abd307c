/*
 * Fuzz target for robots_parse()/robots_allowed() (gateway/forum/robots.c):
 * any bytes as robots.txt, then a few paths (and the input's own first line
 * as a path) must be judged without a crash or a leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../gateway/forum/robots.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct robots r;
	robots_parse((const char *)data, size, "forumgate", &r);
	static const char *const paths[] = {"/", "/showthread.php?t=1", "/a.gif", "/robots.txt",
					    ""};
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
		(void)robots_allowed(&r, paths[i]);
	size_t n = 0;
	while (n < size && n < 256 && data[n] != '\n' && data[n] != 0)
		n++;
	char *own = malloc(n + 1);
	if (own) {
		memcpy(own, data, n);
		own[n] = 0;
		(void)robots_allowed(&r, own);
		free(own);
	}
	robots_free(&r);
	return 0;
}
