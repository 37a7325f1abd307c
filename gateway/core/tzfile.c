/*
 * tzfile: see include/forumgate/tzfile.h. The TZif reader keeps only what
 * conversions need: the 64-bit transition table (or the 32-bit one of a v1
 * file), the local time types with their abbreviations, and the footer's
 * POSIX TZ rule, parsed once at load so no conversion ever parses text.
 *
 * Wall clock to UTC: a wall-clock time L happened at every instant t with
 * t + offset(t) == L. Offsets stay within +-26 h, so only the zone's
 * segments (stretches of one offset) overlapping [L - 26 h, L + 26 h] can
 * hold such a t; each segment gives one candidate, L - its offset, which
 * counts if it falls inside the segment. Walking the segments in order
 * yields the earliest match first (the fold rule); no match is a gap.
 */
#include "forumgate/tzfile.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "forumgate/buf.h"

#define TZFILE_MAX_SIZE (1 << 20)
#define MAX_TRANSITIONS 100000
#define MAX_TYPES 256
#define OFF_MIN (-89999) /* RFC 8536: -24:59:59 .. 25:59:59 */
#define OFF_MAX 93599
#define OFF_SPAN (26 * 3600)

/* One end of daylight saving time in a POSIX TZ rule. */
struct tz_rule {
	char kind;    /* 'J': Julian day 1..365 without Feb 29; 'D': 0..365; 'M': Mm.w.d */
	int n;        /* day for 'J'/'D' */
	int m, w, d;  /* month, week 1..5 (5 = last), weekday 0 = Sunday */
	int32_t secs; /* local time of day of the change, -167 h .. 167 h */
};

struct tz_posix {
	int32_t std_off, dst_off; /* seconds east */
	int std_abbr, dst_abbr;   /* offsets into tzfile.chars */
	int has_dst;
	struct tz_rule start, end;
};

struct tz_type {
	int32_t utoff;
	unsigned char isdst;
	int abbr; /* offset into tzfile.chars */
};

struct tzfile {
	size_t ntrans, ntypes;
	int64_t *times;     /* ascending */
	unsigned char *idx; /* type of each transition */
	struct tz_type *types;
	char *chars; /* NUL-separated abbreviations: file's, then footer's */
	int has_footer;
	struct tz_posix footer;
};

/* Hinnant's days_from_civil: exact for any year int64 arithmetic holds. */
int64_t tzfile_days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void tzfile_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int64_t floordiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

/* ---- the POSIX TZ string of the footer ---- */

struct pcur {
	const char *p, *end;
};

static int pc_digit(const struct pcur *c)
{
	return c->p < c->end && *c->p >= '0' && *c->p <= '9';
}

/* A number of at most 3 digits. */
static int pc_num(struct pcur *c, int *out)
{
	int v = 0, n = 0;

	while (pc_digit(c) && n < 3) {
		v = v * 10 + (*c->p++ - '0');
		n++;
	}
	if (n == 0 || pc_digit(c))
		return -1;
	*out = v;
	return 0;
}

/* Zone abbreviation: 3+ letters, or <...> of letters, digits, '+', '-'. */
static int pc_name(struct pcur *c, const char **s, size_t *len)
{
	if (c->p < c->end && *c->p == '<') {
		const char *b = ++c->p;
		while (c->p < c->end && *c->p != '>') {
			char ch = *c->p;
			if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
			      (ch >= '0' && ch <= '9') || ch == '+' || ch == '-'))
				return -1;
			c->p++;
		}
		if (c->p >= c->end)
			return -1;
		*s = b;
		*len = (size_t)(c->p - b);
		c->p++;
	} else {
		const char *b = c->p;
		while (c->p < c->end &&
		       ((*c->p >= 'A' && *c->p <= 'Z') || (*c->p >= 'a' && *c->p <= 'z')))
			c->p++;
		*s = b;
		*len = (size_t)(c->p - b);
	}
	return *len >= 3 && *len <= 32 ? 0 : -1;
}

/* [+-]hh[:mm[:ss]] with hh up to maxh; returns seconds. */
static int pc_hms(struct pcur *c, int maxh, int32_t *out)
{
	int sign = 1, h, mi = 0, s = 0;

	if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
		sign = *c->p++ == '-' ? -1 : 1;
	if (pc_num(c, &h) < 0 || h > maxh)
		return -1;
	if (c->p < c->end && *c->p == ':') {
		c->p++;
		if (pc_num(c, &mi) < 0 || mi > 59)
			return -1;
		if (c->p < c->end && *c->p == ':') {
			c->p++;
			if (pc_num(c, &s) < 0 || s > 59)
				return -1;
		}
	}
	*out = sign * (h * 3600 + mi * 60 + s);
	return 0;
}

static int pc_rule(struct pcur *c, struct tz_rule *r)
{
	if (c->p < c->end && *c->p == 'M') {
		c->p++;
		r->kind = 'M';
		if (pc_num(c, &r->m) < 0 || r->m < 1 || r->m > 12 || c->p >= c->end ||
		    *c->p++ != '.' || pc_num(c, &r->w) < 0 || r->w < 1 || r->w > 5 ||
		    c->p >= c->end || *c->p++ != '.' || pc_num(c, &r->d) < 0 || r->d > 6)
			return -1;
	} else if (c->p < c->end && *c->p == 'J') {
		c->p++;
		r->kind = 'J';
		if (pc_num(c, &r->n) < 0 || r->n < 1 || r->n > 365)
			return -1;
	} else {
		r->kind = 'D';
		if (pc_num(c, &r->n) < 0 || r->n > 365)
			return -1;
	}
	r->secs = 7200;
	if (c->p < c->end && *c->p == '/') {
		c->p++;
		/* RFC 8536 3.3.1 allows -167..167 hours here */
		if (pc_hms(c, 167, &r->secs) < 0)
			return -1;
	}
	return 0;
}

/* Appends an abbreviation to the zone's character table. */
static int add_abbr(struct buf *chars, const char *s, size_t len)
{
	int at = (int)chars->len;
	buf_add(chars, s, len);
	buf_addc(chars, '\0');
	return at;
}

static int parse_footer(const char *s, size_t len, struct tz_posix *f, struct buf *chars)
{
	struct pcur c = {s, s + len};
	const char *name;
	size_t nlen;
	int32_t off;

	memset(f, 0, sizeof *f);
	if (pc_name(&c, &name, &nlen) < 0 || pc_hms(&c, 24, &off) < 0)
		return -1;
	f->std_off = -off; /* POSIX counts west as positive */
	f->std_abbr = add_abbr(chars, name, nlen);
	if (c.p == c.end)
		return 0;
	if (pc_name(&c, &name, &nlen) < 0)
		return -1;
	f->has_dst = 1;
	f->dst_abbr = add_abbr(chars, name, nlen);
	f->dst_off = f->std_off + 3600;
	if (c.p < c.end && *c.p != ',') {
		if (pc_hms(&c, 24, &off) < 0)
			return -1;
		f->dst_off = -off;
	}
	if (c.p == c.end) {
		/* POSIX leaves the default rule to the implementation; glibc's is
		 * the US rule, and TZif footers always spell theirs out anyway. */
		f->start = (struct tz_rule){'M', 0, 3, 2, 0, 7200};
		f->end = (struct tz_rule){'M', 0, 11, 1, 0, 7200};
		return 0;
	}
	if (*c.p++ != ',' || pc_rule(&c, &f->start) < 0 || c.p >= c.end || *c.p++ != ',' ||
	    pc_rule(&c, &f->end) < 0 || c.p != c.end)
		return -1;
	return 0;
}

/* Day (since the epoch) on which a rule falls in year y. */
static int64_t rule_day(const struct tz_rule *r, int64_t y)
{
	int64_t jan1 = tzfile_days_from_civil(y, 1, 1);

	if (r->kind == 'J')
		return jan1 + r->n - 1 + (is_leap(y) && r->n >= 60);
	if (r->kind == 'D')
		return jan1 + r->n;
	int64_t first = tzfile_days_from_civil(y, r->m, 1);
	int wd1 = (int)((first % 7 + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
	int64_t day = first + (r->d - wd1 + 7) % 7 + (int64_t)(r->w - 1) * 7;
	int len = mdays[r->m - 1] + (r->m == 2 && is_leap(y));
	while (day >= first + len)
		day -= 7;
	return day;
}

/* The footer's DST changes of years y-1..y+2, as (instant, is-dst-after),
 * sorted by instant. Returns the count (0 without DST). */
static int footer_events(const struct tz_posix *f, int64_t y, int64_t when[8], int dst[8])
{
	int n = 0;

	if (!f->has_dst)
		return 0;
	for (int64_t yy = y - 1; yy <= y + 2; yy++) {
		/* the start is given in standard time, the end in DST */
		when[n] = rule_day(&f->start, yy) * 86400 + f->start.secs - f->std_off;
		dst[n++] = 1;
		when[n] = rule_day(&f->end, yy) * 86400 + f->end.secs - f->dst_off;
		dst[n++] = 0;
	}
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && when[j] < when[j - 1]; j--) {
			int64_t tw = when[j];
			int td = dst[j];
			when[j] = when[j - 1];
			dst[j] = dst[j - 1];
			when[j - 1] = tw;
			dst[j - 1] = td;
		}
	return n;
}

/* Offset per the footer at t, and the next change after t (INT64_MAX: none). */
static void footer_at(const struct tz_posix *f, int64_t t, int *isdst, int64_t *next)
{
	int64_t when[8], y;
	int dst[8], m, d, n;

	tzfile_civil_from_days(floordiv(t + f->std_off, 86400), &y, &m, &d);
	n = footer_events(f, y, when, dst);
	*isdst = 0;
	*next = INT64_MAX;
	for (int i = 0; i < n; i++) {
		if (when[i] <= t) {
			*isdst = dst[i];
		} else {
			*next = when[i];
			break;
		}
	}
}

/* The offset in force at t and the first instant after t where the zone
 * may change (INT64_MAX: never). Callers keep t within +-TZFILE_T_MAX. */
static void zone_at(const struct tzfile *z, int64_t t, int32_t *utoff, int *isdst, int *abbr,
		    int64_t *next)
{
	size_t lo = 0, hi = z->ntrans;

	/* lo = number of transitions at or before t */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->times[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (z->has_footer && lo == z->ntrans) {
		const struct tz_posix *f = &z->footer;
		int dst;

		footer_at(f, t, &dst, next);
		*utoff = dst ? f->dst_off : f->std_off;
		*isdst = dst;
		*abbr = dst ? f->dst_abbr : f->std_abbr;
		return;
	}
	const struct tz_type *ty = &z->types[lo == 0 ? 0 : z->idx[lo - 1]];
	*utoff = ty->utoff;
	*isdst = ty->isdst;
	*abbr = ty->abbr;
	*next = lo < z->ntrans ? z->times[lo] : INT64_MAX;
}

int tzfile_offset(const struct tzfile *z, int64_t t, int32_t *utoff, int *isdst, const char **abbr)
{
	int32_t off;
	int dst, ab;
	int64_t next;

	if (t < -TZFILE_T_MAX || t > TZFILE_T_MAX)
		return -1;
	zone_at(z, t, &off, &dst, &ab, &next);
	*utoff = off;
	if (isdst)
		*isdst = dst;
	if (abbr)
		*abbr = z->chars + ab;
	return 0;
}

int tzfile_to_utc(const struct tzfile *z, int64_t local, int64_t *out, enum tzfile_fold *fold)
{
	int64_t t, seg_start = INT64_MIN, gap = 0;
	int found = 0, gapped = 0;
	int64_t first = 0;

	if (local < -TZFILE_T_MAX || local > TZFILE_T_MAX)
		return -1;
	t = local - OFF_SPAN;
	/* A zone changes at most a few times in 52 h; the bound only guards
	 * against a hostile file with transitions every second. */
	for (int k = 0; k < 64 && t <= local + OFF_SPAN; k++) {
		int32_t off;
		int dst, ab;
		int64_t next;

		zone_at(z, t, &off, &dst, &ab, &next);
		int64_t cand = local - off;
		if (cand >= seg_start && cand < next) {
			if (found++ == 0)
				first = cand;
		} else if (cand >= next && !found) {
			/* past this segment's end: if the next segment's candidate
			 * falls before its start, L is in the gap between them */
			gap = cand;
			gapped = 1;
		}
		if (next == INT64_MAX)
			break;
		seg_start = next;
		t = next;
	}
	if (found) {
		*out = first;
		if (fold)
			*fold = found > 1 ? TZFILE_OVERLAP : TZFILE_UNIQUE;
		return 0;
	}
	if (!gapped)
		return -1;
	*out = gap;
	if (fold)
		*fold = TZFILE_GAP;
	return 0;
}

/* ---- reading TZif ---- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct tzhead {
	int version; /* 1..4 */
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static int read_head(const unsigned char *p, size_t len, struct tzhead *h)
{
	if (len < 44 || memcmp(p, "TZif", 4) != 0)
		return -1;
	h->version = p[4] == 0 ? 1 : p[4] >= '2' && p[4] <= '9' ? p[4] - '0' : -1;
	if (h->version < 0)
		return -1;
	h->isutcnt = be32(p + 20);
	h->isstdcnt = be32(p + 24);
	h->leapcnt = be32(p + 28);
	h->timecnt = be32(p + 32);
	h->typecnt = be32(p + 36);
	h->charcnt = be32(p + 40);
	return 0;
}

/* Bytes of the data block after a header, for 4- or 8-byte times. */
static size_t block_size(const struct tzhead *h, size_t tsz)
{
	return (size_t)h->timecnt * tsz + h->timecnt + (size_t)h->typecnt * 6 + h->charcnt +
	       (size_t)h->leapcnt * (tsz + 4) + h->isstdcnt + h->isutcnt;
}

int tzfile_parse(const void *data, size_t len, struct tzfile **out, char **err)
{
	const unsigned char *p = data;
	struct tzhead h;
	size_t tsz = 4;
	struct buf chars = BUF_INIT;

	*out = NULL;
	if (len > TZFILE_MAX_SIZE)
		return fg_error(err, "zone file is larger than %d bytes", TZFILE_MAX_SIZE);
	if (read_head(p, len, &h) < 0)
		return fg_error(err, "not a TZif file");
	if (h.timecnt > MAX_TRANSITIONS || h.typecnt > MAX_TYPES || h.charcnt > 4096 ||
	    h.leapcnt > 4096 || h.isstdcnt > MAX_TYPES || h.isutcnt > MAX_TYPES)
		return fg_error(err, "TZif counts out of range");
	if (h.version >= 2) {
		/* skip the v1 block: the second header describes 64-bit data */
		size_t skip = 44 + block_size(&h, 4);
		if (skip > len)
			return fg_error(err, "TZif file truncated in its v1 data");
		p += skip;
		len -= skip;
		if (read_head(p, len, &h) < 0)
			return fg_error(err, "TZif v2 header missing");
		if (h.timecnt > MAX_TRANSITIONS || h.typecnt > MAX_TYPES || h.charcnt > 4096 ||
		    h.leapcnt > 4096 || h.isstdcnt > MAX_TYPES || h.isutcnt > MAX_TYPES)
			return fg_error(err, "TZif counts out of range");
		tsz = 8;
	}
	if (h.leapcnt != 0)
		return fg_error(err, "zone files with leap seconds are not supported");
	if (h.typecnt == 0 || h.charcnt == 0)
		return fg_error(err, "TZif file has no local time types");
	if ((h.isstdcnt != 0 && h.isstdcnt != h.typecnt) ||
	    (h.isutcnt != 0 && h.isutcnt != h.typecnt))
		return fg_error(err, "TZif indicator counts do not match the types");
	size_t need = 44 + block_size(&h, tsz);
	if (need > len)
		return fg_error(err, "TZif file truncated");

	struct tzfile *z = xcalloc(1, sizeof *z);
	const unsigned char *q = p + 44;
	z->ntrans = h.timecnt;
	z->ntypes = h.typecnt;
	z->times = xcalloc(h.timecnt ? h.timecnt : 1, sizeof *z->times);
	z->idx = xcalloc(h.timecnt ? h.timecnt : 1, 1);
	z->types = xcalloc(h.typecnt, sizeof *z->types);
	for (size_t i = 0; i < h.timecnt; i++, q += tsz) {
		z->times[i] = tsz == 8 ? be64(q) : (int64_t)(int32_t)be32(q);
		if (i > 0 && z->times[i] <= z->times[i - 1])
			goto bad_order;
	}
	for (size_t i = 0; i < h.timecnt; i++, q++) {
		z->idx[i] = *q;
		if (*q >= h.typecnt)
			goto bad_type;
	}
	for (size_t i = 0; i < h.typecnt; i++, q += 6) {
		int32_t off = (int32_t)be32(q);
		if (off < OFF_MIN || off > OFF_MAX || q[4] > 1 || q[5] >= h.charcnt)
			goto bad_type;
		z->types[i].utoff = off;
		z->types[i].isdst = q[4];
		z->types[i].abbr = q[5];
	}
	/* the abbreviations, made NUL-terminated even if the file's are not */
	buf_add(&chars, q, h.charcnt);
	buf_addc(&chars, '\0');

	if (h.version >= 2) {
		const unsigned char *f = p + need, *nl;

		if (f >= p + len || *f != '\n')
			goto bad_footer;
		f++;
		nl = memchr(f, '\n', (size_t)(p + len - f));
		if (nl == NULL || memchr(f, '\0', (size_t)(nl - f)) != NULL)
			goto bad_footer;
		if (nl > f) {
			if (parse_footer((const char *)f, (size_t)(nl - f), &z->footer, &chars) < 0)
				goto bad_footer;
			z->has_footer = 1;
		}
	}
	z->chars = buf_detach(&chars);
	*out = z;
	return 0;

bad_order:
	tzfile_free(z);
	buf_free(&chars);
	return fg_error(err, "TZif transitions are not in ascending order");
bad_type:
	tzfile_free(z);
	buf_free(&chars);
	return fg_error(err, "TZif local time type out of range");
bad_footer:
	tzfile_free(z);
	buf_free(&chars);
	return fg_error(err, "TZif footer is not a POSIX TZ string this reader knows");
}

void tzfile_free(struct tzfile *z)
{
	if (z == NULL)
		return;
	free(z->times);
	free(z->idx);
	free(z->types);
	free(z->chars);
	free(z);
}

static int is_utc_name(const char *name)
{
	return name == NULL || *name == '\0' || strcmp(name, "UTC") == 0;
}

static struct tzfile *utc_zone(void)
{
	struct tzfile *z = xcalloc(1, sizeof *z);
	z->ntypes = 1;
	z->types = xcalloc(1, sizeof *z->types);
	z->chars = xstrdup("UTC");
	return z;
}

static pthread_once_t dir_once = PTHREAD_ONCE_INIT;
static char *zone_dir;

static void read_tzdir(void)
{
	const char *d = getenv("TZDIR");
	zone_dir = xstrdup(d && *d ? d : "/usr/share/zoneinfo");
}

int tzfile_load(const char *name, struct tzfile **out, char **err)
{
	*out = NULL;
	if (is_utc_name(name)) {
		*out = utc_zone();
		return 0;
	}
	if (*name == '/' || strlen(name) > 200 || strstr(name, ".."))
		return fg_error(err, "time zone name not allowed: %.60s", name);
	for (const char *q = name; *q; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
		      (*q >= '0' && *q <= '9') || strchr("/_+-", *q)))
			return fg_error(err, "time zone name not allowed: %.60s", name);
	pthread_once(&dir_once, read_tzdir);

	char *path = xasprintf("%s/%s", zone_dir, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return fg_error(err, "unknown time zone %s: %s", name, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > TZFILE_MAX_SIZE) {
		close(fd);
		return fg_error(err, "time zone %s: not a zone file", name);
	}
	size_t size = (size_t)st.st_size, got = 0;
	unsigned char *data = xmalloc(size ? size : 1);
	while (got < size) {
		ssize_t r = read(fd, data + got, size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (got != size) {
		free(data);
		return fg_error(err, "time zone %s: short read", name);
	}
	char *perr = NULL;
	int rc = tzfile_parse(data, size, out, &perr);
	free(data);
	if (rc < 0) {
		fg_error(err, "time zone %s: %s", name, perr);
		free(perr);
		return -1;
	}
	return 0;
}

/* The cache: a fixed array filled once per name, never shrunk, so a
 * pointer handed out stays valid without reference counts. Loading happens
 * under the lock too: it is rare (once per zone) and keeps two threads from
 * loading the same file twice. */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char *name;
	struct tzfile *zone;
} cache[TZFILE_CACHE_MAX];
static size_t ncache;

const struct tzfile *tzfile_get(const char *name, char **err)
{
	const char *key = is_utc_name(name) ? "UTC" : name;
	struct tzfile *z = NULL;

	pthread_mutex_lock(&cache_lock);
	for (size_t i = 0; i < ncache; i++)
		if (strcmp(cache[i].name, key) == 0) {
			z = cache[i].zone;
			break;
		}
	if (z == NULL) {
		if (ncache == TZFILE_CACHE_MAX) {
			fg_error(err, "more than %d time zones in use", TZFILE_CACHE_MAX);
		} else if (tzfile_load(key, &z, err) == 0) {
			cache[ncache].name = xstrdup(key);
			cache[ncache].zone = z;
			ncache++;
		}
	}
	pthread_mutex_unlock(&cache_lock);
	return z;
}
