/*
 * The spool connector: a forum given as files in a directory (and its
 * subdirectories): JSON thread exports, saved vBulletin HTML pages and plain
 * text copies of thread pages. `forumgate import PATH` uses it on any file
 * or folder; the sync role polls the configured spool directory.
 *
 * Cursor: the newest modification time (nanoseconds) of the files taken so
 * far. A pass takes every file modified at or after the cursor, so a file
 * written in the same nanosecond as the last one is not missed; re-reading a
 * file is harmless because sync is idempotent. Writers should create files
 * under a dot-name and rename them into place: dot-files and *.tmp are
 * skipped.
 *
 * Files are read in name order; consecutive files of the same thread (the
 * pages of a paginated thread: t-12.html, t-12-2.html) are merged into one
 * thread before sync sees it. Memory stays bounded by one thread.
 *
 * Forum pages print local wall-clock times; the page parsers return them as
 * if they were UTC and this file moves them into the forum's zone.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "forumgate/buf.h"
#include "forumgate/connector.h"
#include "forumgate/log.h"
#include "forumgate/zone.h"

struct spool {
	const struct cfg_forum *forum;
	char *path;
};

struct spool_file {
	char *path;
	int64_t mtime_ns;
};

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

enum spool_kind { KIND_NONE, KIND_JSON, KIND_HTML, KIND_TEXT };

static enum spool_kind file_kind(const char *name)
{
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	if (base[0] == '.' || ends_with(base, ".tmp"))
		return KIND_NONE;
	if (ends_with(base, ".json"))
		return KIND_JSON;
	if (ends_with(base, ".html") || ends_with(base, ".htm"))
		return KIND_HTML;
	if (ends_with(base, ".txt"))
		return KIND_TEXT;
	return KIND_NONE;
}

/* Local wall-clock time read as UTC → the real instant in zone tz. */
static int64_t wall_to_zone(int64_t wall, const char *tz)
{
	if (wall == 0 || tz == NULL || strcmp(tz, "UTC") == 0)
		return wall;
	time_t t = (time_t)wall;
	struct tm tm;
	gmtime_r(&t, &tm);
	zone_use(tz);
	tm.tm_isdst = -1;
	time_t local = mktime(&tm);
	return local == (time_t)-1 ? wall : (int64_t)local;
}

int spool_parse_file(const char *name, const char *buf, size_t len,
		     struct forum_thread **out, char **err)
{
	switch (file_kind(name)) {
	case KIND_JSON:
		return spool_parse_json(buf, len, name, out, err);
	case KIND_HTML:
		return vb_parse_html(buf, len, name, out, err);
	case KIND_TEXT:
		return vb_parse_text(buf, len, name, out, err);
	default:
		return fg_error(err, "%s: unknown spool format (expected .json, .html or .txt)", name);
	}
}

/*
 * Reads the whole file into b, which spool_changes() reuses from file to
 * file. read(2) goes straight into the buffer, sized from fstat() up front:
 * going through stdio and a chunk buffer copied every byte once more. The
 * size is only a hint (the file may change while it is read), so the loop
 * reads until EOF and grows the buffer when it is full.
 */
static int read_file(const char *path, struct buf *b, char **err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fg_error(err, "%s: %s", path, strerror(errno));
	struct stat st;
	size_t want = 65536;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0)
		want = (size_t)st.st_size + 1; /* + 1: EOF is seen without a grow */
	buf_reserve(b, want);
	for (;;) {
		if (b->len + 1 == b->cap)
			buf_reserve(b, 65536);
		ssize_t n = read(fd, b->p + b->len, b->cap - b->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			return fg_error(err, "%s: read error", path);
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
	}
	b->p[b->len] = '\0';
	close(fd);
	return 0;
}

static void files_add(struct spool_file **v, size_t *n, size_t *cap, const char *path,
		      const struct stat *st)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xrealloc(*v, *cap * sizeof **v);
	}
	(*v)[*n].path = xstrdup(path);
	(*v)[*n].mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	(*n)++;
}

/* Collects spool files under path (a file or a directory tree). */
static int collect(const char *path, struct spool_file **v, size_t *n, size_t *cap,
		   int depth, char **err)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return fg_error(err, "%s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		if (depth == 0 || file_kind(path) != KIND_NONE)
			files_add(v, n, cap, path, &st);
		return 0;
	}
	if (depth > 16)
		return 0;
	DIR *d = opendir(path);
	if (d == NULL)
		return fg_error(err, "%s: %s", path, strerror(errno));
	struct dirent *e;
	int rc = 0;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char *child = xasprintf("%s/%s", path, e->d_name);
		struct stat cst;
		if (stat(child, &cst) == 0 && S_ISDIR(cst.st_mode))
			rc = collect(child, v, n, cap, depth + 1, err);
		else if (file_kind(child) != KIND_NONE && stat(child, &cst) == 0)
			files_add(v, n, cap, child, &cst);
		free(child);
	}
	closedir(d);
	return rc;
}

static int file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct spool_file *)a)->path, ((const struct spool_file *)b)->path);
}

static int spool_open(const struct cfg_forum *f, const char *path, void **state, char **err)
{
	const char *p = path ? path : f->spool_path;
	if (p == NULL)
		return fg_error(err, "forum %s: no spool path configured", f->name);
	struct spool *sp = xcalloc(1, sizeof *sp);
	sp->forum = f;
	sp->path = xstrdup(p);
	*state = sp;
	return 0;
}

static void spool_close(void *state)
{
	struct spool *sp = state;
	if (sp == NULL)
		return;
	free(sp->path);
	free(sp);
}

static int spool_list_boards(void *state, char ***boards, size_t *n, char **err)
{
	struct spool *sp = state;
	*boards = xcalloc(sp->forum->nboards + 1, sizeof **boards);
	*n = 0;
	for (size_t i = 0; i < sp->forum->nboards; i++)
		if (strcmp(sp->forum->boards[i].board, "*") != 0)
			(*boards)[(*n)++] = xstrdup(sp->forum->boards[i].board);
	return 0;
}

static int same_thread(const struct forum_thread *a, const struct forum_thread *b)
{
	return strcmp(a->id, b->id) == 0;
}

static int spool_changes(void *state, const char *cursor, forum_thread_cb cb, void *arg,
			 char **next, int *warnings, char **err)
{
	struct spool *sp = state;
	struct spool_file *files = NULL;
	size_t n = 0, cap = 0;
	int64_t since = cursor ? strtoll(cursor, NULL, 10) : 0, newest = since;
	*warnings = 0;
	if (collect(sp->path, &files, &n, &cap, 0, err) != 0) {
		for (size_t i = 0; i < n; i++)
			free(files[i].path);
		free(files);
		return -1;
	}
	qsort(files, n, sizeof *files, file_cmp);

	struct forum_thread *pending = NULL;
	struct buf content = BUF_INIT;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (files[i].mtime_ns < since)
			continue;
		if (files[i].mtime_ns > newest)
			newest = files[i].mtime_ns;
		char *ferr = NULL;
		struct forum_thread *t = NULL;
		buf_reset(&content);
		if (read_file(files[i].path, &content, &ferr) != 0 ||
		    spool_parse_file(files[i].path, buf_str(&content), content.len, &t, &ferr) != 0) {
			log_warn("%s", ferr);
			free(ferr);
			(*warnings)++;
			continue;
		}
		int html_or_text = file_kind(files[i].path) != KIND_JSON;
		for (size_t j = 0; html_or_text && j < t->nposts; j++)
			t->posts[j].date = wall_to_zone(t->posts[j].date, sp->forum->timezone);
		if (pending && same_thread(pending, t)) {
			forum_thread_merge(pending, t);
			forum_thread_free(t);
			continue;
		}
		if (pending)
			rc = cb(arg, pending);
		pending = t;
	}
	if (pending) {
		if (rc == 0)
			rc = cb(arg, pending);
		else
			forum_thread_free(pending);
	}
	buf_free(&content);
	for (size_t i = 0; i < n; i++)
		free(files[i].path);
	free(files);
	if (rc != 0)
		return -1;
	*next = xasprintf("%lld", (long long)newest);
	return 0;
}

/* Posting to a spool forum writes the reply as a one-post JSON thread file
 * into the spool (dot-name first, then renamed), where sync picks it up like
 * any other file: the whole loop mail → outbox → forum → sync → article runs
 * here without a remote forum. A thread whose earlier files say "posting":
 * "no" cannot be known here; a file named .locked-<thread id> in the spool
 * refuses replies to that thread (for operators and tests). */
static int spool_create_post(void *state, const struct forum_new_post *p, char **post_id,
			     char **err)
{
	struct spool *sp = state;
	struct stat st;
	if (stat(sp->path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fg_error(err, "spool %s is not a directory", sp->path);
		return FORUM_POST_TEMPFAIL;
	}
	if (p->thread_id) {
		char *lock = xasprintf("%s/.locked-%s", sp->path, p->thread_id);
		int locked = access(lock, F_OK) == 0;
		free(lock);
		if (locked) {
			fg_error(err, "the thread is locked: the forum takes no more replies to it");
			return FORUM_POST_REFUSED;
		}
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	unsigned rnd = (unsigned)now.tv_nsec ^ (unsigned)getpid();
	char *id = xasprintf("fg%lld%06u", (long long)now.tv_sec, rnd % 1000000u);
	char *thread = p->thread_id ? xstrdup(p->thread_id) : xasprintf("fgt-%s", id);
	json_t *post = json_pack("{s:s, s:s?, s:I, s:s, s:s, s:s?}", "id", id, "author", p->author,
				 "date", (json_int_t)now.tv_sec, "format", "text", "body",
				 p->body ? p->body : "", "parent", p->parent_id);
	json_t *doc = json_pack("{s:s, s:s?, s:s?, s:{s:s, s:s}, s:[o]}", "format",
				"forumgate-thread/1", "forum", sp->forum->name, "board", p->board,
				"thread", "id", thread, "title",
				p->thread_title ? p->thread_title : p->title ? p->title : "(no subject)",
				"posts", post);
	char *tmp = xasprintf("%s/.%s.json.tmp", sp->path, id);
	char *final = xasprintf("%s/reply-%s.json", sp->path, id);
	int rc = FORUM_POST_OK;
	if (doc == NULL || json_dump_file(doc, tmp, JSON_INDENT(1) | JSON_ENSURE_ASCII) != 0 ||
	    rename(tmp, final) != 0) {
		fg_error(err, "spool: cannot write %s: %s", final, strerror(errno));
		unlink(tmp);
		rc = FORUM_POST_TEMPFAIL;
	}
	json_decref(doc);
	free(tmp);
	free(final);
	free(thread);
	if (rc == FORUM_POST_OK)
		*post_id = id;
	else
		free(id);
	return rc;
}

static const struct forum_connector_ops spool_ops = {
	.type = "spool",
	.open = spool_open,
	.list_boards = spool_list_boards,
	.changes = spool_changes,
	.create_post = spool_create_post,
	.close = spool_close,
};

const struct forum_connector_ops *forum_connector(const char *type)
{
	if (type && strcmp(type, "spool") == 0)
		return &spool_ops;
	return NULL;
}
