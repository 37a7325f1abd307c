/*
 * thread: the helpers around struct forum_thread that every connector shares
 * (adding, clearing, freeing, merging pages) and forum_parse_date(), the one
 * parser for the date strings forums print.
 *
 * Dates: a forum prints wall-clock time in its own zone. Converting that to
 * UTC needs the zone's offset *at that wall-clock time* (DST), which only the
 * C library's zone database knows; the portable way to ask it is to select
 * the zone (zone_use(): TZ and tzset()) and call mktime(). That touches
 * process-global state, so forum_parse_date() is not thread-safe with a zone
 * other than UTC: import is single-threaded, which is where it is used.
 */
#include "forumgate/forum.h"
#include "forumgate/zone.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "forumgate/buf.h"

/*
 * Appends a zeroed post. The array grows geometrically without a capacity
 * field in struct forum_thread: its capacity is a function of nposts (8,
 * then the next power of two), so it is reallocated only when nposts is 0
 * or a power of two from 8 on. That holds because posts are only ever added
 * here and the array is only ever dropped whole (merge, free); growing by
 * one post per call cost a realloc, often a copy of the array, per post.
 */
struct forum_post *forum_thread_add_post(struct forum_thread *t)
{
	struct forum_post *p;
	size_t n = t->nposts;

	if (n == 0 || (n >= 8 && (n & (n - 1)) == 0))
		t->posts = xrealloc(t->posts, (n == 0 ? 8 : 2 * n) * sizeof(*t->posts));
	p = &t->posts[t->nposts++];
	memset(p, 0, sizeof(*p));
	return p;
}

void forum_post_clear(struct forum_post *p)
{
	free(p->id);
	free(p->author);
	free(p->author_id);
	free(p->title);
	free(p->body);
	free(p->signature);
	free(p->parent_id);
	free(p->url);
	memset(p, 0, sizeof(*p));
}

void forum_thread_free(struct forum_thread *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nposts; i++)
		forum_post_clear(&t->posts[i]);
	free(t->posts);
	free(t->forum);
	free(t->board);
	free(t->id);
	free(t->title);
	free(t->url);
	free(t->warnings);
	free(t->board_key);
	free(t->group);
	free(t);
}

/* Thread order: by position when both posts know it, else by date when both
 * know it, else equal (the stable sort keeps page order). */
static int post_cmp(const struct forum_post *a, const struct forum_post *b)
{
	if (a->position > 0 && b->position > 0 && a->position != b->position)
		return a->position < b->position ? -1 : 1;
	if (a->date != 0 && b->date != 0 && a->date != b->date)
		return a->date < b->date ? -1 : 1;
	return 0;
}

/* Stable merge sort: qsort is not stable, and pages must keep their order
 * where neither position nor date decides. */
static void sort_posts(struct forum_post *v, struct forum_post *tmp, size_t n)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;

	if (n < 2)
		return;
	sort_posts(v, tmp, mid);
	sort_posts(v + mid, tmp, n - mid);
	while (i < mid && j < n) {
		if (post_cmp(&v[j], &v[i]) < 0)
			tmp[k++] = v[j++];
		else
			tmp[k++] = v[i++];
	}
	while (i < mid)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
}

static int has_post(const struct forum_thread *t, const char *id)
{
	size_t i;

	for (i = 0; i < t->nposts; i++)
		if (t->posts[i].id != NULL && strcmp(t->posts[i].id, id) == 0)
			return 1;
	return 0;
}

static void fill(char **dst, const char *src)
{
	if (*dst == NULL && src != NULL)
		*dst = xstrdup(src);
}

void forum_thread_merge(struct forum_thread *into, struct forum_thread *from)
{
	struct forum_post *tmp;
	size_t i;

	fill(&into->forum, from->forum);
	fill(&into->board, from->board);
	fill(&into->id, from->id);
	fill(&into->title, from->title);
	fill(&into->url, from->url);
	fill(&into->board_key, from->board_key);
	fill(&into->group, from->group);
	if (!into->members_only)
		into->members_only = from->members_only;
	if (into->posting == FORUM_POSTING_UNKNOWN)
		into->posting = from->posting;
	if (into->page == 0)
		into->page = from->page;
	/* A later page may have been fetched after the thread grew. */
	if (from->pages > into->pages)
		into->pages = from->pages;
	if (from->total_posts > into->total_posts)
		into->total_posts = from->total_posts;

	for (i = 0; i < from->nposts; i++) {
		struct forum_post *p = &from->posts[i];

		if (p->id == NULL || has_post(into, p->id)) {
			forum_post_clear(p);
			continue;
		}
		*forum_thread_add_post(into) = *p;
		memset(p, 0, sizeof(*p));
	}
	free(from->posts);
	from->posts = NULL;
	from->nposts = 0;

	tmp = xmalloc(into->nposts * sizeof(*tmp));
	sort_posts(into->posts, tmp, into->nposts);
	free(tmp);
}

/* ---- dates ---- */

struct wall {
	int y, mo, d, h, mi, s;
};

static int is_utc(const char *tz)
{
	return tz == NULL || *tz == '\0' || strcmp(tz, "UTC") == 0 || strcmp(tz, "Etc/UTC") == 0 ||
	       strcmp(tz, "GMT") == 0;
}

/* An IANA name ("Europe/Berlin", "America/Argentina/Buenos_Aires",
 * "Etc/GMT+1"): TZ also accepts ":/path" and POSIX rules, and the names come
 * from configuration and spool files, so anything else is refused. */
static int tz_name_ok(const char *tz)
{
	const char *p;

	if (!isalpha((unsigned char)*tz) || strstr(tz, "..") != NULL)
		return 0;
	for (p = tz; *p; p++)
		if (!isalnum((unsigned char)*p) && strchr("/_+-", *p) == NULL)
			return 0;
	return p - tz < 64;
}

static int days_in_month(int y, int mo)
{
	static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (mo == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dim[mo - 1];
}

static int wall_valid(const struct wall *w)
{
	return w->y >= 1970 && w->y <= 9999 && w->mo >= 1 && w->mo <= 12 && w->d >= 1 &&
	       w->d <= days_in_month(w->y, w->mo) && w->h >= 0 && w->h <= 23 && w->mi >= 0 &&
	       w->mi <= 59 && w->s >= 0 && w->s <= 60;
}

static void wall_to_tm(const struct wall *w, struct tm *tm)
{
	memset(tm, 0, sizeof(*tm));
	tm->tm_year = w->y - 1900;
	tm->tm_mon = w->mo - 1;
	tm->tm_mday = w->d;
	tm->tm_hour = w->h;
	tm->tm_min = w->mi;
	tm->tm_sec = w->s;
	tm->tm_isdst = -1;
}

/* Wall-clock time in zone tz → seconds since the epoch. */
static int wall_to_epoch(const struct wall *w, const char *tz, int64_t *out)
{
	struct tm tm;
	time_t t;

	if (!wall_valid(w))
		return -1;
	wall_to_tm(w, &tm);
	if (is_utc(tz)) {
		t = timegm(&tm);
	} else {
		zone_use(tz);
		t = mktime(&tm);
	}
	if (t == (time_t)-1)
		return -1;
	*out = (int64_t)t;
	return 0;
}

/* The calendar date of `now` in zone tz, `days_back` days earlier. */
static void local_date(int64_t now, int days_back, const char *tz, struct wall *w)
{
	time_t t = (time_t)now;
	struct tm tm;

	if (is_utc(tz)) {
		gmtime_r(&t, &tm);
	} else {
		zone_use(tz);
		localtime_r(&t, &tm);
	}
	/* Step back on the calendar, not by 86400 s, so DST days work. */
	tm.tm_mday -= days_back;
	tm.tm_hour = 12;
	tm.tm_isdst = -1;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	w->y = tm.tm_year + 1900;
	w->mo = tm.tm_mon + 1;
	w->d = tm.tm_mday;
}

/* A cursor over the date string; spaces include U+00A0 (vBulletin puts
 * &nbsp; between date and time). */
struct scan {
	const char *p;
};

static void skip_space(struct scan *c)
{
	for (;;) {
		if (*c->p == ' ' || *c->p == '\t')
			c->p++;
		else if ((unsigned char)c->p[0] == 0xc2 && (unsigned char)c->p[1] == 0xa0)
			c->p += 2;
		else
			return;
	}
}

/* Reads 1..maxd digits. */
static int num(struct scan *c, int maxd, int *out)
{
	int n = 0, v = 0;

	while (isdigit((unsigned char)*c->p) && n < maxd) {
		v = v * 10 + (*c->p - '0');
		c->p++;
		n++;
	}
	if (n == 0 || isdigit((unsigned char)*c->p))
		return -1;
	*out = v;
	return 0;
}

static int lit(struct scan *c, char ch)
{
	if (*c->p != ch)
		return -1;
	c->p++;
	return 0;
}

static int word(struct scan *c, const char *w)
{
	size_t n = strlen(w);

	if (strncasecmp(c->p, w, n) != 0 || isalpha((unsigned char)c->p[n]))
		return -1;
	c->p += n;
	return 0;
}

/* "08:15 AM", "20:15", "20:15:07"; sets h, mi, s. */
static int parse_time(struct scan *c, struct wall *w)
{
	skip_space(c);
	if (num(c, 2, &w->h) < 0 || lit(c, ':') < 0 || num(c, 2, &w->mi) < 0)
		return -1;
	w->s = 0;
	if (*c->p == ':' && (c->p++, num(c, 2, &w->s) < 0))
		return -1;
	skip_space(c);
	if (word(c, "AM") == 0 || word(c, "PM") == 0) {
		int pm = toupper((unsigned char)c->p[-2]) == 'P';

		if (w->h < 1 || w->h > 12)
			return -1;
		w->h = w->h % 12 + (pm ? 12 : 0);
	}
	return 0;
}

/* ISO 8601 tail after the seconds: fraction, then Z / ±HH:MM / ±HHMM.
 * Returns 1 and the offset in seconds when a zone is given, 0 if none. */
static int parse_offset(struct scan *c, int *off)
{
	int oh, om = 0, sign;

	if (*c->p == '.' || *c->p == ',') {
		c->p++;
		if (!isdigit((unsigned char)*c->p))
			return -1;
		while (isdigit((unsigned char)*c->p))
			c->p++;
	}
	skip_space(c);
	if (*c->p == 'Z' || *c->p == 'z') {
		c->p++;
		*off = 0;
		return 1;
	}
	if (*c->p != '+' && *c->p != '-')
		return 0;
	sign = *c->p++ == '-' ? -1 : 1;
	if (!isdigit((unsigned char)c->p[0]) || !isdigit((unsigned char)c->p[1]))
		return -1;
	oh = (c->p[0] - '0') * 10 + (c->p[1] - '0');
	c->p += 2;
	if (*c->p == ':')
		c->p++;
	if (isdigit((unsigned char)*c->p) && num(c, 2, &om) < 0)
		return -1;
	if (oh > 14 || om > 59)
		return -1;
	*off = sign * (oh * 3600 + om * 60);
	return 1;
}

int forum_parse_date(const char *s, const char *tz, int64_t now, int64_t *out)
{
	struct scan c = {s};
	struct wall w = {0};
	int a, b, y, off = 0, zoned = 0, back = 0;
	int64_t t;

	if (s == NULL || (!is_utc(tz) && !tz_name_ok(tz)))
		return -1;
	skip_space(&c);

	/* Epoch seconds: digits only. */
	if (isdigit((unsigned char)*c.p)) {
		const char *q = c.p;
		int64_t v = 0;
		int n = 0;

		while (isdigit((unsigned char)*q) && n < 13) {
			v = v * 10 + (*q - '0');
			q++;
			n++;
		}
		c.p = q;
		skip_space(&c);
		if (*c.p == '\0' && !isdigit((unsigned char)*q)) {
			*out = v;
			return 0;
		}
		c.p = s;
		skip_space(&c);
	}

	if (word(&c, "Today") == 0 || (word(&c, "Yesterday") == 0 && (back = 1))) {
		local_date(now, back, tz, &w);
		skip_space(&c);
		if (*c.p == ',')
			c.p++;
		if (parse_time(&c, &w) < 0)
			return -1;
	} else {
		if (num(&c, 4, &a) < 0)
			return -1;
		if (*c.p == '-' && c.p - s >= 4 && a >= 1000) {
			/* 2008-08-26[T ]20:15[:07][.123][Z|+01:00] */
			y = a;
			c.p++;
			if (num(&c, 2, &w.mo) < 0 || lit(&c, '-') < 0 || num(&c, 2, &w.d) < 0)
				return -1;
			w.y = y;
			if (*c.p == 'T' || *c.p == 't')
				c.p++;
			if (parse_time(&c, &w) < 0)
				return -1;
			zoned = parse_offset(&c, &off);
			if (zoned < 0)
				return -1;
		} else if (*c.p == '-' || *c.p == '/') {
			/* 08-26-2008, 08:15 AM (vBulletin's US default) */
			char sep = *c.p++;

			if (num(&c, 2, &b) < 0 || lit(&c, sep) < 0 || num(&c, 4, &y) < 0)
				return -1;
			w.mo = a;
			w.d = b;
			w.y = y;
			skip_space(&c);
			if (*c.p == ',')
				c.p++;
			if (parse_time(&c, &w) < 0)
				return -1;
		} else if (*c.p == '.') {
			/* 26.08.2008, 20:15 (German vBulletin) */
			c.p++;
			if (num(&c, 2, &b) < 0 || lit(&c, '.') < 0 || num(&c, 4, &y) < 0)
				return -1;
			w.d = a;
			w.mo = b;
			w.y = y;
			skip_space(&c);
			if (*c.p == ',')
				c.p++;
			if (parse_time(&c, &w) < 0)
				return -1;
		} else {
			return -1;
		}
	}
	skip_space(&c);
	if (*c.p != '\0')
		return -1;

	if (zoned) {
		if (wall_to_epoch(&w, "UTC", &t) < 0)
			return -1;
		*out = t - off;
		return 0;
	}
	return wall_to_epoch(&w, tz, out);
}
