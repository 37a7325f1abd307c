/*
 * Fuzz target for board_date_parse() (gateway/forum/board_date.c). The
 * first input byte picks the board's zone, the second the numeric order;
 * the rest, cut at a NUL, is the date string, in a buffer of its exact
 * size so a read past the end trips ASan. Checks board_date.h's promises:
 * 0 or -1, *out untouched on -1, the same answer twice, and a result
 * within the years a date can name (1900..9999, give or take a zone).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../gateway/forum/board_date.h"
#include "forumgate/buf.h"

static const char *const zones[] = {
	"UTC",
	"Europe/Berlin",
	"America/New_York",
	"Australia/Lord_Howe",
	"Pacific/Chatham",
	"Asia/Kolkata",
	"America/Sao_Paulo",
	"Europe/Nowhere",
	NULL,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2 || size > 4096)
		return 0;
	struct board_date_ctx ctx = {
		zones[data[0] % (sizeof zones / sizeof zones[0])],
		1219824000 + (int64_t)(data[0] >> 4) * 40000000, /* 2008 .. 2027 */
		data[1] % 4,
	};
	size_t len = strnlen((const char *)data + 2, size - 2);
	char *s = xmalloc(len + 1);
	memcpy(s, data + 2, len);
	s[len] = '\0';

	int64_t a = INT64_MIN, b = INT64_MIN;
	int ra = board_date_parse(s, &ctx, &a);
	int rb = board_date_parse(s, &ctx, &b);
	if ((ra != 0 && ra != -1) || ra != rb || a != b)
		abort();
	if (ra == -1 && a != INT64_MIN)
		abort();
	if (ra == 0 && (a < -2208988800LL - 2 * 86400 || a > 253402300799LL + 2 * 86400))
		abort();
	free(s);
	return 0;
}
