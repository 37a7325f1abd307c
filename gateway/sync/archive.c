/*
 * Loading mbox, rnews and single-article archives (see archive.h).
 *
 * The file is mapped and cut into messages in place; each message is turned
 * into wire form (CRLF, dot-stuffed) with our Xref, and its overview line is
 * computed from its own headers, as stored (encoded-words stay encoded).
 * Transactions cover ARCHIVE_BATCH articles each, so loading 20,000 articles
 * is a handful of commits.
 */
#include "forumgate/archive.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "forumgate/buf.h"
#include "forumgate/log.h"

#define ARCHIVE_BATCH 2000
#define MAX_GROUPS 32

enum archive_kind archive_sniff(const char *buf, size_t len)
{
	if (len >= 5 && memcmp(buf, "From ", 5) == 0)
		return ARCHIVE_MBOX;
	if (len >= 9 && memcmp(buf, "#! rnews ", 9) == 0)
		return ARCHIVE_RNEWS;
	/* a header line "Name: value" first: an article */
	size_t i = 0;
	while (i < len && i < 80 && buf[i] > ' ' && buf[i] < 127 && buf[i] != ':')
		i++;
	if (i > 0 && i < len && buf[i] == ':')
		return ARCHIVE_ARTICLE;
	return ARCHIVE_NONE;
}

/* Syntax of a newsgroup name for archives: RFC 5536 §3.1.4 components,
 * without refusing the reserved hierarchies an old archive may use. */
static int archive_group_ok(const char *g, size_t n)
{
	if (n == 0 || n > 200 || g[0] == '.' || g[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = g[i];
		if (c == '.') {
			if (g[i + 1] == '.')
				return 0;
			continue;
		}
		if (!(islower((unsigned char)c) || isdigit((unsigned char)c) || c == '+' ||
		      c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

struct hdr_span {
	const char *name;
	size_t name_len;
	const char *value; /* raw, may contain folding */
	size_t value_len;
	const char *line; /* start of the header line */
	size_t line_len;  /* up to and including the line end of the last fold */
};

/* Finds the end of the header block; *body = first body byte. Returns the
 * number of header fields split into h (at most max), or -1 if malformed. */
static int split_headers(const char *m, size_t len, struct hdr_span *h, int max, const char **body,
			 char **why)
{
	const char *p = m, *end = m + len;
	int n = 0;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *next = eol ? eol + 1 : end;
		size_t l = (size_t)((eol ? eol : end) - p);
		if (l && p[l - 1] == '\r')
			l--;
		if (l == 0) {
			*body = next;
			return n;
		}
		if (*p == ' ' || *p == '\t') {
			if (n == 0)
				return fg_error(why, "header starts with a continuation line");
			h[n - 1].value_len = (size_t)((eol ? eol : end) - h[n - 1].value);
			h[n - 1].line_len = (size_t)(next - h[n - 1].line);
			p = next;
			continue;
		}
		const char *colon = memchr(p, ':', l);
		if (colon == NULL || colon == p)
			return fg_error(why, "malformed header line");
		for (const char *c = p; c < colon; c++)
			if (*c <= ' ' || *c >= 127)
				return fg_error(why, "malformed header name");
		if (n == max)
			return fg_error(why, "too many header fields");
		const char *v = colon + 1;
		while (v < p + l && (*v == ' ' || *v == '\t'))
			v++;
		h[n] = (struct hdr_span){p, (size_t)(colon - p), v, (size_t)((eol ? eol : end) - v),
					 p, (size_t)(next - p)};
		n++;
		p = next;
	}
	*body = end;
	if (n == 0)
		return fg_error(why, "no header");
	return n; /* header only: an empty body */
}

static const struct hdr_span *hdr_get(const struct hdr_span *h, int n, const char *name)
{
	size_t nl = strlen(name);
	for (int i = 0; i < n; i++)
		if (h[i].name_len == nl && strncasecmp(h[i].name, name, nl) == 0)
			return &h[i];
	return NULL;
}

/* Appends a header value unfolded, TAB/CR/LF → space, trailing white space
 * and the CR of the line end removed: the overview form. */
static void add_unfolded(struct buf *b, const struct hdr_span *s)
{
	size_t start = b->len;
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->value_len; i++) {
		char c = s->value[i];
		if (c == '\r' || c == '\n')
			continue;
		buf_addc(b, c == '\t' || c == '\0' ? ' ' : c);
	}
	while (b->len > start && b->p[b->len - 1] == ' ')
		buf_truncate(b, b->len - 1);
}

/* RFC 5322 date → epoch; 0 when it cannot be read. */
static int64_t parse_date(const struct hdr_span *s)
{
	if (s == NULL)
		return 0;
	static const char *const mon[] = {"jan", "feb", "mar", "apr", "may", "jun",
					  "jul", "aug", "sep", "oct", "nov", "dec"};
	char v[128];
	size_t n = s->value_len < sizeof v - 1 ? s->value_len : sizeof v - 1;
	memcpy(v, s->value, n);
	v[n] = '\0';
	char *p = v;
	char *comma = strchr(p, ',');
	if (comma)
		p = comma + 1;
	int day, year, hh, mm, ss = 0;
	char mname[4] = "", zone[16] = "";
	if (sscanf(p, " %d %3s %d %d:%d:%d %15s", &day, mname, &year, &hh, &mm, &ss, zone) < 5 &&
	    sscanf(p, " %d %3s %d %d:%d %15s", &day, mname, &year, &hh, &mm, zone) < 5)
		return 0;
	struct tm tm = {0};
	tm.tm_mon = -1;
	for (int i = 0; i < 12; i++)
		if (strncasecmp(mname, mon[i], 3) == 0)
			tm.tm_mon = i;
	if (tm.tm_mon < 0)
		return 0;
	if (year < 50)
		year += 2000;
	else if (year < 1000)
		year += 1900;
	tm.tm_year = year - 1900;
	tm.tm_mday = day;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	int64_t t = (int64_t)timegm(&tm);
	if ((zone[0] == '+' || zone[0] == '-') && isdigit((unsigned char)zone[1])) {
		int z = atoi(zone + 1);
		int off = (z / 100) * 3600 + (z % 100) * 60;
		t += zone[0] == '+' ? -off : off;
	}
	return t;
}

/* Appends the body as wire form: CRLF lines, dot-stuffed. Returns lines. */
static size_t add_body(struct buf *w, const char *p, const char *end, size_t *dots)
{
	size_t lines = 0;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t l = (size_t)((eol ? eol : end) - p);
		if (l && p[l - 1] == '\r')
			l--;
		if (l && p[0] == '.') {
			buf_addc(w, '.');
			(*dots)++;
		}
		buf_add(w, p, l);
		buf_add(w, "\r\n", 2);
		lines++;
		p = eol ? eol + 1 : end;
	}
	return lines;
}

int archive_import_article(struct store *st, const struct cfg *c, const char *msg, size_t len,
			   char **err)
{
	struct hdr_span h[256];
	const char *body = NULL;
	int n = split_headers(msg, len, h, 256, &body, err);
	if (n < 0)
		return 2;
	const struct hdr_span *mid = hdr_get(h, n, "Message-ID");
	const struct hdr_span *ng = hdr_get(h, n, "Newsgroups");
	if (mid == NULL || ng == NULL) {
		fg_error(err, "no %s header", mid ? "Newsgroups" : "Message-ID");
		return 2;
	}
	struct buf id = BUF_INIT;
	add_unfolded(&id, mid);
	const char *m = buf_str(&id);
	if (id.len < 3 || id.len > 250 || m[0] != '<' || m[id.len - 1] != '>' || !strchr(m, '@') ||
	    strpbrk(m, " \t")) {
		fg_error(err, "invalid Message-ID %s", m);
		buf_free(&id);
		return 2;
	}
	int exists = store_article_exists(st, m, err);
	if (exists != 0) {
		buf_free(&id);
		return exists < 0 ? -1 : 1;
	}

	/* groups and their numbers */
	struct buf groups = BUF_INIT;
	add_unfolded(&groups, ng);
	int64_t gids[MAX_GROUPS], nums[MAX_GROUPS];
	size_t ng_count = 0;
	const char *host = c->gateway.path_host ? c->gateway.path_host : c->gateway.domain;
	struct buf xref = BUF_INIT;
	buf_adds(&xref, host);
	int rc = -1;
	for (char *save = NULL, *g = strtok_r(groups.p, ", ", &save); g && ng_count < MAX_GROUPS;
	     g = strtok_r(NULL, ", ", &save)) {
		if (!archive_group_ok(g, strlen(g)))
			continue;
		int64_t gid;
		int known = store_group_id(st, g, &gid, err);
		if (known < 0)
			goto out;
		/* a new group is read-only unless the config maps it */
		char posting = known ? 0 : 'n';
		const char *desc = NULL;
		for (size_t i = 0; i < c->nforums; i++)
			for (size_t j = 0; j < c->forums[i].nboards; j++)
				if (strcmp(c->forums[i].boards[j].group, g) == 0) {
					posting = c->forums[i].boards[j].posting
							  ? c->forums[i].boards[j].posting
							  : posting;
					desc = c->forums[i].boards[j].description;
				}
		if (store_group_ensure(st, g, desc, posting, &gids[ng_count], err) != 0 ||
		    (cfg_group_members_only(c, g) &&
		     store_group_set_members_only(st, gids[ng_count], 1, err) != 0) ||
		    store_group_next_number(st, gids[ng_count], &nums[ng_count], err) != 0)
			goto out;
		buf_addf(&xref, " %s:%lld", g, (long long)nums[ng_count]);
		ng_count++;
	}
	if (ng_count == 0) {
		fg_error(err, "%s: no valid newsgroup in Newsgroups", m);
		rc = 2;
		goto out;
	}

	/* wire form: the headers as they are, minus Xref, plus ours */
	struct buf w = BUF_INIT, ov = BUF_INIT;
	for (int i = 0; i < n; i++) {
		if (h[i].name_len == 4 && strncasecmp(h[i].name, "Xref", 4) == 0)
			continue;
		const char *p = h[i].line, *e = h[i].line + h[i].line_len;
		while (p < e) { /* normalise line ends to CRLF */
			const char *eol = memchr(p, '\n', (size_t)(e - p));
			size_t l = (size_t)((eol ? eol : e) - p);
			if (l && p[l - 1] == '\r')
				l--;
			buf_add(&w, p, l);
			buf_add(&w, "\r\n", 2);
			p = eol ? eol + 1 : e;
		}
	}
	buf_addf(&w, "Xref: %s\r\n\r\n", buf_str(&xref));
	size_t header_len = w.len;
	size_t dots = 0;
	size_t lines = add_body(&w, body, msg + len, &dots);

	static const char *const fields[] = {"Subject", "From", "Date", "Message-ID", "References"};
	for (int i = 0; i < 5; i++) {
		add_unfolded(&ov, hdr_get(h, n, fields[i]));
		buf_addc(&ov, '\t');
	}
	/* :bytes without the dot-stuffing (RFC 3977 §8.1.1) */
	buf_addf(&ov, "%zu\t%zu\tXref: %s", w.len - dots, lines, buf_str(&xref));
	struct store_article_in a = {
		.message_id = m,
		.wire = w.p,
		.wire_len = w.len,
		.header_len = header_len,
		.lines = lines,
		.overview = ov.p,
		.date = parse_date(hdr_get(h, n, "Date")),
		.group_ids = gids,
		.numbers = nums,
		.ngroups = ng_count,
	};
	rc = store_article_add(st, &a, err);
	buf_free(&w);
	buf_free(&ov);
out:
	buf_free(&id);
	buf_free(&groups);
	buf_free(&xref);
	return rc;
}

/* mboxrd: un-quote ">From " lines (strip one '>') into b. */
static void mbox_unquote(const char *p, const char *end, struct buf *b)
{
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *next = eol ? eol + 1 : end;
		const char *q = p;
		while (q < next && *q == '>')
			q++;
		if (q > p && (size_t)(next - q) >= 5 && memcmp(q, "From ", 5) == 0)
			p++;
		buf_add(b, p, (size_t)(next - p));
		p = next;
	}
}

struct importer {
	struct store *st;
	const struct cfg *c;
	const char *path;
	struct archive_stats *stats;
	size_t in_batch;
	char *err;
};

static int one(struct importer *im, const char *msg, size_t len, size_t index)
{
	char *why = NULL;
	int r = archive_import_article(im->st, im->c, msg, len, &why);
	if (r < 0) {
		im->err = why;
		return -1;
	}
	if (r == 2) {
		log_warn("%s: message %zu skipped: %s", im->path, index, why ? why : "malformed");
		im->stats->skipped++;
	} else if (r == 1) {
		im->stats->duplicates++;
	} else {
		im->stats->articles++;
	}
	free(why);
	if (++im->in_batch >= ARCHIVE_BATCH) {
		im->in_batch = 0;
		if (store_commit(im->st, &im->err) != 0 || store_begin(im->st, &im->err) != 0)
			return -1;
	}
	return 0;
}

static int import_mbox(struct importer *im, const char *p, const char *end)
{
	struct buf b = BUF_INIT;
	size_t index = 0;
	int rc = 0;
	while (rc == 0 && p < end) {
		/* p is at a "From " line: the message runs to the next one that
		 * follows an empty line (or the end) */
		const char *start = memchr(p, '\n', (size_t)(end - p));
		start = start ? start + 1 : end;
		const char *q = start, *stop = end;
		while (q < end) {
			const char *eol = memchr(q, '\n', (size_t)(end - q));
			if (eol == NULL)
				break;
			if ((size_t)(end - eol - 1) >= 5 && memcmp(eol + 1, "From ", 5) == 0 &&
			    (eol == q ||
			     (eol - 1 >= start &&
			      (eol[-1] == '\n' ||
			       (eol[-1] == '\r' && eol - 2 >= start && eol[-2] == '\n'))))) {
				stop = eol + 1;
				break;
			}
			q = eol + 1;
		}
		const char *mend = stop;
		/* the empty line before the next From belongs to the mbox */
		if (mend > start && mend[-1] == '\n') {
			const char *t = mend - 1;
			if (t > start && t[-1] == '\r')
				t--;
			if (t > start && t[-1] == '\n')
				mend = t;
		}
		buf_reset(&b);
		mbox_unquote(start, mend, &b);
		rc = one(im, b.p ? b.p : "", b.len, ++index);
		p = stop;
	}
	buf_free(&b);
	return rc;
}

static int import_rnews(struct importer *im, const char *p, const char *end)
{
	size_t index = 0;
	while (p < end) {
		if ((size_t)(end - p) < 9 || memcmp(p, "#! rnews ", 9) != 0) {
			im->err = xasprintf("%s: expected \"#! rnews N\" at byte %zu", im->path,
					    (size_t)(p - (end - (end - p))));
			return -1;
		}
		char *num_end;
		unsigned long long n = strtoull(p + 9, &num_end, 10);
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL || num_end == p + 9 || n > (unsigned long long)(end - eol - 1)) {
			im->err = xasprintf("%s: batch %zu: bad or truncated \"#! rnews\" line",
					    im->path, index + 1);
			return -1;
		}
		if (one(im, eol + 1, (size_t)n, ++index) != 0)
			return -1;
		p = eol + 1 + n;
	}
	return 0;
}

int archive_import_file(struct store *st, const struct cfg *c, const char *path,
			struct archive_stats *stats, char **err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fg_error(err, "%s: %s", path, strerror(errno));
	struct stat sb;
	if (fstat(fd, &sb) != 0) {
		close(fd);
		return fg_error(err, "%s: %s", path, strerror(errno));
	}
	size_t len = (size_t)sb.st_size;
	const char *map = len ? mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0) : "";
	close(fd);
	if (map == MAP_FAILED)
		return fg_error(err, "%s: %s", path, strerror(errno));
	struct importer im = {st, c, path, stats, 0, NULL};
	int rc = store_begin(st, err);
	if (rc == 0) {
		switch (archive_sniff(map, len)) {
		case ARCHIVE_MBOX:
			rc = import_mbox(&im, map, map + len);
			break;
		case ARCHIVE_RNEWS:
			rc = import_rnews(&im, map, map + len);
			break;
		case ARCHIVE_ARTICLE:
			rc = one(&im, map, len, 1);
			break;
		default:
			im.err = xasprintf("%s: not an mbox, rnews batch or article", path);
			rc = -1;
		}
		if (rc == 0)
			rc = store_commit(st, &im.err);
		if (rc != 0) {
			store_rollback(st);
			fg_error(err, "%s", im.err ? im.err : "import failed");
		}
	}
	free(im.err);
	if (len)
		munmap((void *)map, len);
	return rc;
}
