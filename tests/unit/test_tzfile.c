/*
 * Tests for gateway/core/tzfile.c, mostly differential against glibc: the
 * test is single-threaded, so it may select each zone with TZ + tzset() and
 * ask localtime_r()/mktime() what the reader must agree with. Covered: the
 * offsets, DST flags and abbreviations of named zones over 1970-2040 and
 * far beyond the last transition (the footer rule), every transition of
 * those years to the second, wall clock -> UTC round trips, every zone of
 * the system's zone1970.tab coarsely, POSIX TZ footers alone (synthetic
 * files against glibc reading the same TZ string), the gap/overlap rule,
 * refused names and damaged files, and the cache under threads.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "forumgate/buf.h"
#include "forumgate/tzfile.h"

/* clang-format off */
static const char *const named[] = {
	"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
	"America/Sao_Paulo", "Pacific/Chatham", "UTC", "Europe/Dublin", "Africa/Casablanca",
	"America/St_Johns", "Asia/Kathmandu", "Antarctica/Troll", "America/Nuuk",
	"Europe/Moscow", "America/Santiago", "Pacific/Apia", "Asia/Tehran", "Europe/London",
};
/* clang-format on */
#define NNAMED (sizeof named / sizeof named[0])

static const int64_t T1970 = 0, T2040 = 2208988800LL, T2200 = 7258118400LL;

static void use_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static struct tzfile *load(const char *name)
{
	struct tzfile *z = NULL;
	char *err = NULL;
	if (tzfile_load(name, &z, &err) != 0)
		fail_msg("load %s: %s", name, err);
	return z;
}

/* Compares offset, DST flag and abbreviation at t with glibc's. */
static void check_instant(const char *name, const struct tzfile *z, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	int32_t off;
	int dst;
	const char *abbr;

	assert_non_null(localtime_r(&tt, &tm));
	assert_int_equal(tzfile_offset(z, t, &off, &dst, &abbr), 0);
	if (off != tm.tm_gmtoff || dst != (tm.tm_isdst > 0) || strcmp(abbr, tm.tm_zone) != 0)
		fail_msg("%s at %lld: ours %d %d %s, glibc %ld %d %s", name, (long long)t, off, dst,
			 abbr, tm.tm_gmtoff, tm.tm_isdst, tm.tm_zone);
}

/* Wall clock back to UTC: every local time glibc prints for t must map
 * back to t, or to an earlier instant with the same wall clock when the
 * clock went back (the documented overlap rule). */
static void check_roundtrip(const char *name, const struct tzfile *z, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	int64_t back;
	enum tzfile_fold fold;

	localtime_r(&tt, &tm);
	int64_t local = t + tm.tm_gmtoff;
	assert_int_equal(tzfile_to_utc(z, local, &back, &fold), 0);
	if (fold == TZFILE_GAP)
		fail_msg("%s: %lld is a real local time, read as a gap", name, (long long)t);
	if (back == t)
		return;
	int32_t off;
	assert_int_equal(tzfile_offset(z, back, &off, NULL, NULL), 0);
	if (fold != TZFILE_OVERLAP || back > t || back + off != local)
		fail_msg("%s: %lld -> local %lld -> %lld (fold %d)", name, (long long)t,
			 (long long)local, (long long)back, fold);
}

static void test_named_zones_vs_glibc(void **state)
{
	for (size_t i = 0; i < NNAMED; i++) {
		struct tzfile *z = load(named[i]);
		use_tz(named[i]);
		/* an odd step so instants fall on all times of day */
		for (int64_t t = T1970; t < T2040; t += 86400 + 3607) {
			check_instant(named[i], z, t);
			check_roundtrip(named[i], z, t);
		}
		/* far future: only the footer's rule knows these */
		for (int64_t t = T2040; t < T2200; t += 7 * 86400 + 3601) {
			check_instant(named[i], z, t);
			check_roundtrip(named[i], z, t);
		}
		tzfile_free(z);
	}
}

/* Finds each change of glibc's offset between 1970 and 2070 (3-hourly scan,
 * then bisection to the second) and checks both sides of it, and the wall
 * clock around it both ways. */
static void test_transitions_vs_glibc(void **state)
{
	size_t total = 0;

	for (size_t i = 0; i < NNAMED; i++) {
		struct tzfile *z = load(named[i]);
		use_tz(named[i]);
		const int64_t end = 3155760000LL; /* 2070 */
		struct tm tm;
		time_t tt = 0;
		localtime_r(&tt, &tm);
		long prev = tm.tm_gmtoff;
		for (int64_t t = 10800; t < end; t += 10800) {
			tt = (time_t)t;
			localtime_r(&tt, &tm);
			if (tm.tm_gmtoff == prev)
				continue;
			int64_t lo = t - 10800, hi = t; /* offset changes in (lo, hi] */
			while (hi - lo > 1) {
				int64_t mid = lo + (hi - lo) / 2;
				tt = (time_t)mid;
				localtime_r(&tt, &tm);
				if (tm.tm_gmtoff == prev)
					lo = mid;
				else
					hi = mid;
			}
			for (int64_t e = hi - 2; e <= hi + 1; e++)
				check_instant(named[i], z, e);
			for (int64_t e = hi - 7200; e <= hi + 7200; e += 600)
				check_roundtrip(named[i], z, e);
			tt = (time_t)hi;
			localtime_r(&tt, &tm);
			prev = tm.tm_gmtoff;
			total++;
		}
		tzfile_free(z);
	}
	assert_true(total > 500); /* the scan really saw transitions */
}

/* For wall-clock times that happen once, ours equals mktime()'s. */
static void test_to_utc_vs_mktime(void **state)
{
	for (size_t i = 0; i < NNAMED; i++) {
		struct tzfile *z = load(named[i]);
		use_tz(named[i]);
		for (int64_t t = T1970 + 86400; t < T2200; t += 5 * 86400 + 7211) {
			time_t tt = (time_t)t;
			struct tm tm;
			int64_t ours;
			enum tzfile_fold fold;
			gmtime_r(&tt, &tm); /* the instant's UTC fields, read as a wall clock */
			assert_int_equal(tzfile_to_utc(z, t, &ours, &fold), 0);
			if (fold != TZFILE_UNIQUE)
				continue;
			tm.tm_isdst = -1;
			time_t theirs = mktime(&tm);
			if ((int64_t)theirs != ours)
				fail_msg("%s: wall %lld: ours %lld, mktime %lld", named[i],
					 (long long)t, (long long)ours, (long long)theirs);
		}
		tzfile_free(z);
	}
}

/* "Slim" TZif files (zic -b slim, the default of newer tzdata packages)
 * stop their tables at the last rule change and leave every later instant
 * to the footer: compiled here from the system's tzdata.zi and checked
 * against glibc reading the system's (fat) files. */
static void test_slim_files_vs_glibc(void **state)
{
	char dir[] = "/tmp/test_tzfile.XXXXXX";
	char cmd[512];

	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof cmd, "zic -b slim -d %s /usr/share/zoneinfo/tzdata.zi", dir);
	assert_int_equal(system(cmd), 0);
	for (size_t i = 0; i < NNAMED; i++) {
		char path[300];
		snprintf(path, sizeof path, "%s/%s", dir, named[i]);
		FILE *f = fopen(path, "rb");
		if (f == NULL)
			fail_msg("zic made no %s", path);
		struct buf b = BUF_INIT;
		char chunk[4096];
		size_t n;
		while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
			buf_add(&b, chunk, n);
		fclose(f);
		struct tzfile *z = NULL;
		char *err = NULL;
		if (tzfile_parse(b.p, b.len, &z, &err) != 0)
			fail_msg("slim %s: %s", named[i], err);
		use_tz(named[i]);
		for (int64_t t = T1970; t < T2200; t += 86400 + 3607) {
			check_instant(named[i], z, t);
			check_roundtrip(named[i], z, t);
		}
		tzfile_free(z);
		buf_free(&b);
	}
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* Every zone the system lists in zone1970.tab, more coarsely. */
static void test_all_system_zones(void **state)
{
	FILE *f = fopen("/usr/share/zoneinfo/zone1970.tab", "r");
	char line[512];
	size_t n = 0;

	if (f == NULL)
		fail_msg("no /usr/share/zoneinfo/zone1970.tab");
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#')
			continue;
		char *name = line;
		for (int col = 0; col < 2 && name; col++) {
			name = strchr(name, '\t');
			if (name)
				name++;
		}
		if (name == NULL)
			continue;
		name[strcspn(name, "\t\n")] = '\0';
		struct tzfile *z = load(name);
		use_tz(name);
		for (int64_t t = T1970; t < T2200; t += 23 * 86400 + 3631)
			check_instant(name, z, t);
		tzfile_free(z);
		n++;
	}
	fclose(f);
	assert_true(n > 300);
}

/* A minimal TZif v2 file: one type (the footer's standard time), no
 * transitions, and the footer, so the footer alone decides every instant. */
static void make_footer_only(struct buf *b, const char *footer, int32_t std)
{
	for (int v = 0; v < 2; v++) {
		unsigned char h[44] = {'T', 'Z', 'i', 'f', '2'};
		h[39] = 1; /* typecnt */
		h[43] = 4; /* charcnt */
		buf_add(b, h, sizeof h);
		unsigned char ty[6] = {(unsigned char)((uint32_t)std >> 24),
				       (unsigned char)((uint32_t)std >> 16),
				       (unsigned char)((uint32_t)std >> 8),
				       (unsigned char)std,
				       0,
				       0};
		buf_add(b, ty, 6);
		buf_add(b, "STD", 4);
	}
	buf_addf(b, "\n%s\n", footer);
}

static void test_footer_rules_vs_glibc(void **state)
{
	static const struct {
		const char *tz;
		int32_t std;
	} cases[] = {
		{"EST5EDT,M3.2.0,M11.1.0", -18000},
		{"CET-1CEST,M3.5.0,M10.5.0/3", 3600},
		{"<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", 37800},
		{"<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45", 45900},
		{"IST-1GMT0,M10.5.0,M3.5.0/1", 3600},       /* negative DST (Dublin) */
		{"<-02>2<-01>,M3.5.0/-1,M10.5.0/0", -7200}, /* negative change time */
		{"<+0330>-3:30<+0430>,J79/24,J263/24", 12600},
		{"AAA-2BBB,59/3,300", 7200}, /* zero-based day numbers */
		{"<-03>3", -10800},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct buf b = BUF_INIT;
		struct tzfile *z = NULL;
		char *err = NULL;
		make_footer_only(&b, cases[i].tz, cases[i].std);
		if (tzfile_parse(b.p, b.len, &z, &err) != 0)
			fail_msg("%s: %s", cases[i].tz, err);
		use_tz(cases[i].tz);
		for (int64_t t = T1970; t < T2200; t += 3 * 86400 + 1801) {
			time_t tt = (time_t)t;
			struct tm tm;
			int32_t off;
			localtime_r(&tt, &tm);
			assert_int_equal(tzfile_offset(z, t, &off, NULL, NULL), 0);
			if (off != tm.tm_gmtoff)
				fail_msg("%s at %lld: ours %d, glibc %ld", cases[i].tz,
					 (long long)t, off, tm.tm_gmtoff);
			check_roundtrip(cases[i].tz, z, t);
		}
		tzfile_free(z);
		buf_free(&b);
	}
}

/* RFC 8536 3.3.1: "EST5EDT,0/0,J365/25" is DST all year. glibc reads it
 * per calendar year and gives standard time for the first hours of each
 * year, so this one is checked against the RFC instead. */
static void test_footer_dst_all_year(void **state)
{
	struct buf b = BUF_INIT;
	struct tzfile *z = NULL;

	make_footer_only(&b, "EST5EDT,0/0,J365/25", -18000);
	assert_int_equal(tzfile_parse(b.p, b.len, &z, NULL), 0);
	for (int64_t t = T1970; t < T2200; t += 86400 / 3 + 7) {
		int32_t off;
		int dst;
		const char *abbr;
		assert_int_equal(tzfile_offset(z, t, &off, &dst, &abbr), 0);
		assert_int_equal(off, -14400);
		assert_int_equal(dst, 1);
		assert_string_equal(abbr, "EDT");
	}
	tzfile_free(z);
	buf_free(&b);
}

static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
	return tzfile_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

static void expect(const struct tzfile *z, int64_t local, int64_t want, enum tzfile_fold want_fold)
{
	int64_t got;
	enum tzfile_fold fold;
	assert_int_equal(tzfile_to_utc(z, local, &got, &fold), 0);
	assert_int_equal(got, want);
	assert_int_equal(fold, want_fold);
}

/* The documented rules: a gap is read with the offset before it, an
 * overlap gives the earlier instant. */
static void test_gap_and_overlap(void **state)
{
	struct tzfile *be = load("Europe/Berlin"), *ny = load("America/New_York");
	struct tzfile *lh = load("Australia/Lord_Howe");

	/* Berlin 2008-03-30 02:30 does not exist: +01:00 gives 01:30 UTC */
	expect(be, utc(2008, 3, 30, 2, 30, 0), utc(2008, 3, 30, 1, 30, 0), TZFILE_GAP);
	expect(be, utc(2008, 3, 30, 1, 59, 59), utc(2008, 3, 30, 0, 59, 59), TZFILE_UNIQUE);
	expect(be, utc(2008, 3, 30, 3, 0, 0), utc(2008, 3, 30, 1, 0, 0), TZFILE_UNIQUE);
	/* 2008-10-26 02:30 happens twice: the CEST one, 00:30 UTC */
	expect(be, utc(2008, 10, 26, 2, 30, 0), utc(2008, 10, 26, 0, 30, 0), TZFILE_OVERLAP);
	expect(be, utc(2008, 10, 26, 3, 0, 0), utc(2008, 10, 26, 2, 0, 0), TZFILE_UNIQUE);
	/* New York 2030 (footer rule): 2030-03-10 02:15 gap, 2030-11-03 01:15 twice */
	expect(ny, utc(2030, 3, 10, 2, 15, 0), utc(2030, 3, 10, 7, 15, 0), TZFILE_GAP);
	expect(ny, utc(2030, 11, 3, 1, 15, 0), utc(2030, 11, 3, 5, 15, 0), TZFILE_OVERLAP);
	/* Lord Howe moves by half an hour: 2008-10-05 02:00 -> 02:30 */
	expect(lh, utc(2008, 10, 5, 2, 10, 0), utc(2008, 10, 4, 15, 40, 0), TZFILE_GAP);
	expect(lh, utc(2009, 4, 5, 1, 45, 0), utc(2009, 4, 4, 14, 45, 0), TZFILE_OVERLAP);
	tzfile_free(be);
	tzfile_free(ny);
	tzfile_free(lh);
}

static void test_civil_helpers(void **state)
{
	for (int64_t d = -800000; d < 800000; d += 37) {
		int64_t y;
		int m, dd;
		tzfile_civil_from_days(d, &y, &m, &dd);
		assert_int_equal(tzfile_days_from_civil(y, m, dd), d);
		time_t tt = (time_t)(d * 86400);
		struct tm tm;
		gmtime_r(&tt, &tm);
		assert_int_equal(y, tm.tm_year + 1900);
		assert_int_equal(m, tm.tm_mon + 1);
		assert_int_equal(dd, tm.tm_mday);
	}
	/* days past the month carry */
	assert_int_equal(tzfile_days_from_civil(2008, 2, 30), tzfile_days_from_civil(2008, 3, 1));
	assert_int_equal(tzfile_days_from_civil(2008, 3, 0), tzfile_days_from_civil(2008, 2, 29));
}

static void test_refused_names(void **state)
{
	static const char *const bad[] = {
		"../../etc/passwd", "/etc/localtime", "Europe/../../etc/passwd", "Europe/Berlin\n",
		"Europe/Nowhere",   "Europe",         "Europe/Ber lin",          "$(id)",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct tzfile *z = (struct tzfile *)1;
		char *err = NULL;
		assert_int_equal(tzfile_load(bad[i], &z, &err), -1);
		assert_null(z);
		assert_non_null(err);
		free(err);
		err = NULL;
		assert_null(tzfile_get(bad[i], &err));
		assert_non_null(err);
		free(err);
	}
	char longname[300];
	memset(longname, 'A', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	struct tzfile *z;
	char *err = NULL;
	assert_int_equal(tzfile_load(longname, &z, &err), -1);
	free(err);
	/* UTC needs no file */
	assert_int_equal(tzfile_load(NULL, &z, NULL), 0);
	int32_t off;
	assert_int_equal(tzfile_offset(z, 1234567890, &off, NULL, NULL), 0);
	assert_int_equal(off, 0);
	tzfile_free(z);
	/* out of range instants are refused, not overflowed */
	z = load("Europe/Berlin");
	int64_t o;
	assert_int_equal(tzfile_offset(z, INT64_MAX, &off, NULL, NULL), -1);
	assert_int_equal(tzfile_to_utc(z, INT64_MIN, &o, NULL), -1);
	assert_int_equal(tzfile_offset(z, TZFILE_T_MAX, &off, NULL, NULL), 0);
	assert_int_equal(tzfile_to_utc(z, -TZFILE_T_MAX, &o, NULL), 0);
	tzfile_free(z);
}

static struct buf read_zone(const char *name)
{
	struct buf b = BUF_INIT;
	char path[256];
	snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	return b;
}

/* Every truncation and many single-byte corruptions of a real file are
 * refused or read without going out of bounds (the sanitizer build checks
 * the latter); a damaged zone that loads still answers in range. */
static void test_damaged_files(void **state)
{
	struct buf b = read_zone("America/New_York");
	struct tzfile *z;
	char *err = NULL;

	assert_int_equal(tzfile_parse(b.p, b.len, &z, &err), 0);
	tzfile_free(z);
	for (size_t len = 0; len < b.len; len++) {
		char *copy = xmalloc(len ? len : 1); /* exact size: ASan sees overreads */
		memcpy(copy, b.p, len);
		z = NULL;
		assert_int_equal(tzfile_parse(copy, len, &z, &err), -1);
		assert_null(z);
		free(err);
		err = NULL;
		free(copy);
	}
	unsigned seed = 1;
	for (int round = 0; round < 20000; round++) {
		char *copy = xmalloc(b.len);
		memcpy(copy, b.p, b.len);
		for (int k = 0; k < 3; k++) {
			seed = seed * 1103515245 + 12345;
			size_t at = (seed >> 8) % b.len;
			seed = seed * 1103515245 + 12345;
			copy[at] = (char)(seed >> 16);
		}
		if (tzfile_parse(copy, b.len, &z, &err) == 0) {
			int32_t off;
			int64_t back;
			for (int64_t t = -TZFILE_T_MAX; t < TZFILE_T_MAX; t += TZFILE_T_MAX / 7) {
				assert_int_equal(tzfile_offset(z, t, &off, NULL, NULL), 0);
				assert_true(off >= -89999 && off <= 93599);
				tzfile_to_utc(z, t, &back, NULL);
			}
			tzfile_free(z);
		} else {
			assert_non_null(err);
			free(err);
			err = NULL;
		}
		free(copy);
	}
	buf_free(&b);
	/* a leap-second file is refused by name, not misread */
	b = read_zone("right/UTC");
	assert_int_equal(tzfile_parse(b.p, b.len, &z, &err), -1);
	assert_non_null(strstr(err, "leap"));
	free(err);
	buf_free(&b);
}

static void *get_zones(void *arg)
{
	const struct tzfile **seen = arg;
	for (int k = 0; k < 200; k++)
		for (size_t i = 0; i < NNAMED; i++) {
			const struct tzfile *z = tzfile_get(named[i], NULL);
			if (z == NULL || (seen[i] != NULL && seen[i] != z))
				abort();
			seen[i] = z;
			int32_t off;
			tzfile_offset(z, 1219781700, &off, NULL, NULL);
		}
	return NULL;
}

/* Threads share one loaded zone per name. */
static void test_cache_threads(void **state)
{
	enum { NT = 4 };
	pthread_t th[NT];
	const struct tzfile *seen[NT][NNAMED];

	memset(seen, 0, sizeof seen);
	for (int i = 0; i < NT; i++)
		assert_int_equal(pthread_create(&th[i], NULL, get_zones, seen[i]), 0);
	for (int i = 0; i < NT; i++)
		pthread_join(th[i], NULL);
	for (int i = 1; i < NT; i++)
		for (size_t k = 0; k < NNAMED; k++)
			assert_ptr_equal(seen[i][k], seen[0][k]);
	assert_ptr_equal(tzfile_get("UTC", NULL), tzfile_get(NULL, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_named_zones_vs_glibc),
		cmocka_unit_test(test_transitions_vs_glibc),
		cmocka_unit_test(test_to_utc_vs_mktime),
		cmocka_unit_test(test_slim_files_vs_glibc),
		cmocka_unit_test(test_all_system_zones),
		cmocka_unit_test(test_footer_rules_vs_glibc),
		cmocka_unit_test(test_footer_dst_all_year),
		cmocka_unit_test(test_gap_and_overlap),
		cmocka_unit_test(test_civil_helpers),
		cmocka_unit_test(test_refused_names),
		cmocka_unit_test(test_damaged_files),
		cmocka_unit_test(test_cache_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
