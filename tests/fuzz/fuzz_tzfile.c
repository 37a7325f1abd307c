/*
 * Fuzz target for tzfile_parse() (gateway/core/tzfile.c): any bytes must
 * load or fail with a message, and a zone that loads must answer every
 * instant with an offset RFC 8536 allows and map wall clock back to UTC
 * in bounded time. Seeds are real TZif files of the system's database.
 */
#include <stdint.h>
#include <stdlib.h>

#include "forumgate/tzfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tzfile *z = NULL;
	char *err = NULL;

	if (tzfile_parse(data, size, &z, &err) != 0) {
		if (z != NULL || err == NULL)
			abort();
		free(err);
		return 0;
	}
	if (err != NULL)
		abort();
	for (int64_t t = -4000000000LL; t < 8000000000LL; t += 86400 * 97 + 3599) {
		int32_t off;
		int64_t back;
		if (tzfile_offset(z, t, &off, NULL, NULL) != 0 || off < -89999 || off > 93599)
			abort();
		if (tzfile_to_utc(z, t, &back, NULL) == 0 && (back < t - 93600 || back > t + 90000))
			abort();
	}
	tzfile_free(z);
	return 0;
}
