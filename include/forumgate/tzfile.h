/*
 * tzfile: time zones read straight from the system's TZif files (RFC 8536),
 * without TZ, tzset() or any other process-global state, so any thread may
 * convert between a forum's wall-clock time and UTC at any time. zone.h
 * (TZ + mktime) stays for the single-threaded roles that use it.
 *
 * A loaded zone is immutable: once tzfile_parse() or tzfile_load() returns
 * it, any number of threads may read it at once without locks. Zones come
 * in two kinds of ownership:
 *   - tzfile_load()/tzfile_parse(): the caller owns the zone and frees it
 *     with tzfile_free();
 *   - tzfile_get(): a process-wide cache (a mutex guards the lookup only)
 *     hands out borrowed zones that live until the process exits. The cache
 *     holds at most TZFILE_CACHE_MAX zones, enough for every board a gateway
 *     follows; past that tzfile_get() fails and callers load their own copy.
 *
 * Instants are int64 seconds since the epoch (UTC, no leap seconds). "Local"
 * seconds are the wall-clock time counted as if it were UTC (what timegm()
 * makes of a broken-down local time). Both must lie within +-TZFILE_T_MAX.
 *
 * What a zone says for an instant: before the first transition, time type
 * 0 (RFC 8536 3.2); between transitions, the table; after the last one (or
 * always, when there are none), the POSIX TZ string of the v2+ footer when
 * the file has one, else the last type. Leap-second ("right/") files are
 * refused.
 */
#ifndef FORUMGATE_TZFILE_H
#define FORUMGATE_TZFILE_H

#include <stddef.h>
#include <stdint.h>

struct tzfile;

#define TZFILE_CACHE_MAX 64
/* About 31 million years: the civil-date arithmetic never overflows. */
#define TZFILE_T_MAX ((int64_t)1 << 50)

/* Reads a TZif file (versions 1 to 4) from memory. Returns 0 and a new
 * zone in *out (caller frees with tzfile_free), or -1 and *err. Malformed,
 * truncated or out-of-range data is refused, never half-read. */
int tzfile_parse(const void *data, size_t len, struct tzfile **out, char **err);

/* Loads the zone of an IANA name ("Europe/Berlin") from $TZDIR, else
 * /usr/share/zoneinfo; TZDIR is read once, at the first load, so a later
 * setenv() elsewhere cannot race with it. Names with "..", a leading '/',
 * characters outside [A-Za-z0-9/_+-] or over 200 bytes are refused. "UTC"
 * (and NULL or "") give a built-in UTC zone that needs no file. Returns 0
 * and *out (caller frees), or -1 and *err. */
int tzfile_load(const char *name, struct tzfile **out, char **err);

void tzfile_free(struct tzfile *z);

/* The cached zone of an IANA name, loaded at the first request; borrowed,
 * valid until exit, shared by all threads. Failed loads are not cached (a
 * zone installed later is found). Returns NULL and *err on failure. */
const struct tzfile *tzfile_get(const char *name, char **err);

/* The zone's offset from UTC at instant t, in seconds east of Greenwich;
 * *isdst and *abbr ("CEST", borrowed from z) when not NULL. Returns 0, or
 * -1 when t is out of range. */
int tzfile_offset(const struct tzfile *z, int64_t t, int32_t *utoff, int *isdst, const char **abbr);

/* How tzfile_to_utc read a wall-clock time. */
enum tzfile_fold {
	TZFILE_UNIQUE = 0, /* the time happened exactly once */
	TZFILE_OVERLAP,    /* twice (clocks went back): the earlier instant */
	TZFILE_GAP         /* never (clocks went forward): read with the offset
	                    * before the gap, so 02:30 in a 02:00->03:00 spring
	                    * forward becomes 03:30 of the new offset */
};

/* Converts local seconds (see above) to the UTC instant; *fold (may be
 * NULL) says which case applied. Returns 0, or -1 when out of range. */
int tzfile_to_utc(const struct tzfile *z, int64_t local, int64_t *out, enum tzfile_fold *fold);

/* Proleptic Gregorian calendar helpers (thread-safe, no zone): days since
 * 1970-01-01 of y-m-d (m 1..12, d may run past the month and is carried),
 * and back. */
int64_t tzfile_days_from_civil(int64_t y, int m, int d);
void tzfile_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

#endif
