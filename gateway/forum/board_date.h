/*
 * board_date: reads the post and thread dates that vBulletin, phpBB,
 * XenForo and MyBB boards print, in the board's language and time zone,
 * for the live page connectors. Thread-safe: zones come from tzfile.h,
 * never from TZ, so connectors running in threads of their own may call it
 * at any time. Private to gateway/forum/.
 */
#ifndef FORUMGATE_BOARD_DATE_H
#define FORUMGATE_BOARD_DATE_H

#include <stdint.h>

/* How numeric dates ("08-09-2008") are ordered. */
enum board_date_order {
	BOARD_DATE_GUESS = 0, /* a part over 12 decides; else a weekday in the string
	                       * that fits only one reading; else dots mean DMY, a
	                       * 12-hour clock means MDY (US), anything else DMY */
	BOARD_DATE_MDY = 1,
	BOARD_DATE_DMY = 2,
	BOARD_DATE_YMD = 3
};

struct board_date_ctx {
	const char *tz; /* IANA zone of the board ("Europe/Berlin"); NULL/"UTC" = UTC */
	int64_t now;    /* reference for "Today"/"Yesterday"/"5 minutes ago", epoch s */
	int order;      /* enum board_date_order */
};

/*
 * Parses a post/thread date as a board prints it and returns epoch seconds
 * UTC in *out. Returns 0, or -1 when s holds no date with a day (a time
 * alone is not a date), names an unknown zone, or is not understood;
 * *out is untouched then.
 *
 * Read: "Today"/"Yesterday"/"the day before" words (with or without a time)
 * in English, German, French, Spanish, Italian, Dutch, Polish and Russian;
 * numeric dates with '-', '/' or '.' (2- or 4-digit years, order per ctx);
 * ISO 8601; day-month-year and month-day-year with month names, full,
 * abbreviated and genitive, in those languages, optional year (then the
 * latest such date not after tomorrow); a weekday alone (XenForo's
 * "Sunday at 8:15 PM": the last such day before today); 24-hour and 12-hour
 * times (am/pm, a.m./p.m., "20h15"), seconds, fractions; "N units ago" and
 * "a moment ago" forms (seconds to weeks) in those languages; epoch seconds
 * (9 to 11 digits alone). Weekday names are skipped; words before the date
 * ("Posted:", "Beitrag") and everything up to a last "»" are skipped;
 * trailing words after a complete date are ignored.
 *
 * Zones: a wall-clock time is in ctx->tz, unless the string carries an
 * offset ("Z", "+02:00", "+0200", "GMT", "UTC+2"): then the offset rules.
 * A time that does not exist (spring forward) is read with the offset
 * before the change (02:30 -> 03:30 DST); one that happens twice (fall
 * back) is the earlier instant. "Today"/"Yesterday"/weekdays step whole
 * calendar days in the zone, not 86400 s. "N units ago" is now minus the
 * span, exactly.
 *
 * Never reads past the NUL of s and is linear in strlen(s); strings over
 * 1024 bytes or 64 tokens are refused. Allocates nothing per call: the
 * first use of a zone loads it into tzfile's cache (tzfile_get), and only
 * when that cache is full does a call load, use and free its own copy.
 */
int board_date_parse(const char *s, const struct board_date_ctx *ctx, int64_t *out);

#endif
