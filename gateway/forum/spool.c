/*
 * The spool connector: a forum given as files in a directory (and its
 * subdirectories): JSON thread exports, saved thread pages of the board
 * engines (HTML: the engine is detected from the page, board.h) and plain
 * text copies of vBulletin thread pages. `forumgate import PATH` uses it on any file
 * or folder; the sync role polls the configured spool directory.
 *
 * Whoever can write into the spool is not trusted with anything else. The
 * configured path (or the PATH given to import) is the operator's and may be
 * a symbolic link; below it, everything is opened relative to the directory
 * above it with O_NOFOLLOW (openat, one component at a time), so that no
 * name in the spool can lead out of it, even when swapped between the scan
 * and the read. Symbolic links below the root are skipped with a warning,
 * files and directories alike: a link inside the spool gains nothing, and
 * one leading out could publish any file the gateway can read. Only regular
 * files are read; FIFOs, sockets and devices are skipped (opened with
 * O_NONBLOCK, so a FIFO swapped in cannot block the pass). A file larger
 * than spool.max_file_size is skipped, and a file growing past it while
 * read is dropped. Warnings about refused files name the file and never
 * quote its contents.
 *
 * Cursor: "2 REAL BOOT DEV:INO ...", the time the last pass started
 * (CLOCK_REALTIME and CLOCK_BOOTTIME, nanoseconds) and the directories below
 * the root it saw. A pass takes every file whose status change time (ctime)
 * is at or after the last start less CURSOR_MARGIN. ctime, not mtime: a
 * rename, link or utime sets ctime to now and nothing but the clock can set
 * it back, so a file moved in with an old mtime (cp -p, rsync -t, tar, mv)
 * is still seen. The start of the pass, not the newest ctime seen, because
 * a file renamed in while the pass runs can carry an older ctime than one
 * read later in the same pass; the margin covers the kernel's coarse file
 * timestamps and small clock corrections. A directory that was not there at
 * the last pass is read whole: mv of a prepared folder changes the ctime of
 * the folder, not of the files in it. A clock stepped back (REAL advanced
 * less than BOOT by more than the margin) or a cursor in the future makes
 * the pass read everything once. Re-reading a file is harmless because sync
 * is idempotent; missing one is not, so every doubt reads more. A network
 * file system whose server clock lags the gateway's by more than the
 * margin can still hide files; keep spools local. Older cursors (a bare
 * mtime) cause one full pass.
 *
 * Writers should create files under a dot-name and rename them into place:
 * dot-files and *.tmp are skipped.
 *
 * Files are read in name order; consecutive files of the same thread (the
 * pages of a paginated thread: t-12.html, t-12-2.html) are merged into one
 * thread before sync sees it. Memory stays bounded by one thread.
 *
 * Forum pages print local wall-clock times; the page parsers return them as
 * if they were UTC and this file moves them into the forum's zone.
 *
 * Replies (create_post) are written as reply-<post id>.json, where the post
 * id comes from the outbox row's key, never from the clock; see there.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "board.h"
#include "forumgate/buf.h"
#include "forumgate/connector.h"
#include "forumgate/log.h"
#include "forumgate/zone.h"
#include "spool_internal.h"
#include "vbulletin.h"

/* Files start to count CURSOR_MARGIN before the last pass started. */
#define CURSOR_MARGIN ((int64_t)10 * 1000000000)
#define MAX_DEPTH 16
#define DEFAULT_MAX_FILE_SIZE (64L << 20)
#define MAX_NAME_TRIES 100 /* reply file names tried before giving up */

struct spool {
	const struct cfg_forum *forum;
	char *path;
	long max_size; /* spool.max_file_size */
};

struct spool_file {
	char *path; /* root path "/" rel: for messages, the kind and the order */
	char *rel;  /* below the root; NULL when the root is the file itself */
	uint64_t dev, ino;
	int64_t ctime; /* ns: with dev and ino, this version of the file */
};

struct dev_ino {
	uint64_t dev, ino;
};

/* A version of a file that had warnings (struct scan). */
struct file_version {
	uint64_t dev, ino;
	int64_t ctime;
};

/* One pass over the spool: what the cursor says and what was found. */
struct scan {
	const char *root;
	int64_t since;        /* files with ctime >= since are taken; 0 = all */
	struct dev_ino *seen; /* directories of the last pass, sorted */
	size_t nseen, capseen;
	struct dev_ino *dirs; /* directories of this pass */
	size_t ndirs, capdirs;
	struct spool_file *files;
	size_t n, cap;
	int warnings;
	/* files whose warnings were logged: by the last pass (from the
	 * cursor) and by this one. A file is re-read in every pass within
	 * CURSOR_MARGIN of its change; its warnings are logged once per
	 * change, not once per pass. */
	struct file_version *warned_before, *warned;
	size_t nwarned_before, capwarned_before, nwarned, capwarned;
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

/*
 * A saved thread page: the engine is the one the page most likely comes
 * from (board_detect), its thread parser reads it, the same as the live
 * connector's. Saved vBulletin pages keep the results they always had:
 * parent_id stays NULL (sync finds the parent from the quote the body
 * keeps), as a store imported before would otherwise see every quoting
 * post as edited. Dates come back as wall-clock UTC (no board_date_ctx);
 * spool_read moves them into the forum's zone.
 */
static int parse_page(const char *name, const char *buf, size_t len, struct forum_thread **out,
		      char **err)
{
	struct buf page = BUF_INIT;
	struct board_page pg;
	int rc;

	*out = NULL;
	if (len > INT32_MAX)
		return fg_error(err, "%s: page too large", name);
	board_page_utf8(buf, len, NULL, &page);
	board_page_open(&pg, buf_str(&page), page.len, NULL, name, NULL);
	const struct board_engine *e = board_detect(&pg);
	if (e == NULL)
		rc = fg_error(err, "%s: not a page of a known forum engine", name);
	else if (e == &board_vbulletin)
		rc = vb_parse_page(&pg, 0, out, err);
	else if (e->parse_thread == NULL)
		rc = fg_error(err, "%s: a %s page, but forumgate cannot read %s thread pages yet",
			      name, e->name, e->name);
	else
		rc = e->parse_thread(&pg, out, err);
	board_page_close(&pg);
	buf_free(&page);
	return rc;
}

int spool_parse_file(const char *name, const char *buf, size_t len, struct forum_thread **out,
		     char **err)
{
	switch (file_kind(name)) {
	case KIND_JSON:
		return spool_parse_json(buf, len, name, out, err);
	case KIND_HTML:
		return parse_page(name, buf, len, out, err);
	case KIND_TEXT:
		return vb_parse_text(buf, len, name, out, err);
	default:
		return fg_error(err, "%s: unknown spool format (expected .json, .html or .txt)",
				name);
	}
}

static int64_t ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static int64_t clock_ns(clockid_t id)
{
	struct timespec t;
	clock_gettime(id, &t);
	return ts_ns(&t);
}

/*
 * Opens rel below the directory rootfd one component at a time, never
 * following a symbolic link, and never blocking (a FIFO opens at once and is
 * refused by read_fd). Returns the descriptor, or -1 with the reason.
 */
static int open_below(int rootfd, const char *path, const char *rel, char **err)
{
	int dfd = rootfd, fd;
	const char *p = rel, *slash;
	while ((slash = strchr(p, '/')) != NULL) {
		char *comp = xstrndup(p, (size_t)(slash - p));
		fd = openat(dfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		free(comp);
		if (dfd != rootfd)
			close(dfd);
		if (fd < 0)
			goto fail;
		dfd = fd;
		p = slash + 1;
	}
	fd = openat(dfd, p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (dfd != rootfd)
		close(dfd);
	if (fd >= 0)
		return fd;
fail:
	/* O_NOFOLLOW gives ELOOP for a link, and with O_DIRECTORY ENOTDIR */
	if (errno == ELOOP)
		return fg_error(err,
				"%s: skipped: a symbolic link (only files inside the spool are "
				"read)",
				path);
	if (errno == ENOTDIR)
		return fg_error(
			err, "%s: skipped: a folder on its way is a symbolic link or a file", path);
	return fg_error(err, "%s: %s", path, strerror(errno));
}

/*
 * Reads the whole of fd (which it closes) into b, which spool_changes()
 * reuses from file to file. Only a regular file of at most max bytes is
 * read: the size from fstat() refuses most, and the read stops once a file
 * that grows while read passes max. read(2) goes straight into the buffer,
 * sized from fstat() up front.
 */
static int read_fd(int fd, const char *path, long max, struct buf *b, char **err)
{
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) != 0) {
		rc = fg_error(err, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = fg_error(err, "%s: skipped: not a regular file", path);
		goto out;
	}
	if (st.st_size > max) {
		rc = fg_error(err, "%s: skipped: %lld bytes, more than spool.max_file_size (%ld)",
			      path, (long long)st.st_size, max);
		goto out;
	}
	buf_reserve(b, (size_t)st.st_size + 1); /* + 1: EOF is seen without a grow */
	for (;;) {
		if (b->len + 1 == b->cap)
			buf_reserve(b, 65536);
		ssize_t n = read(fd, b->p + b->len, b->cap - b->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = fg_error(err, "%s: read error: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
		if (b->len > (size_t)max) {
			rc = fg_error(err,
				      "%s: skipped: grew past spool.max_file_size (%ld) while read",
				      path, max);
			goto out;
		}
	}
	b->p[b->len] = '\0';
out:
	close(fd);
	return rc;
}

static void skip(struct scan *sc, const char *rel, const char *why)
{
	log_warn("%s/%s: skipped: %s", sc->root, rel, why);
	sc->warnings++;
}

static void files_add(struct scan *sc, const char *rel, const struct stat *st)
{
	if (sc->n == sc->cap) {
		sc->cap = sc->cap ? sc->cap * 2 : 64;
		sc->files = xrealloc(sc->files, sc->cap * sizeof *sc->files);
	}
	struct spool_file *f = &sc->files[sc->n++];
	f->rel = rel ? xstrdup(rel) : NULL;
	f->path = rel ? xasprintf("%s/%s", sc->root, rel) : xstrdup(sc->root);
	f->dev = (uint64_t)st->st_dev;
	f->ino = (uint64_t)st->st_ino;
	f->ctime = ts_ns(&st->st_ctim);
}

static void versions_add(struct file_version **v, size_t *n, size_t *cap,
			 const struct file_version *fv)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*v = xrealloc(*v, *cap * sizeof **v);
	}
	(*v)[(*n)++] = *fv;
}

/* Whether the warnings of file f are new: not logged for this version of
 * it by the last pass. Either way it is remembered for the next pass. */
static int warn_file(struct scan *sc, const struct spool_file *f)
{
	struct file_version fv = {f->dev, f->ino, f->ctime};
	int known = 0;
	for (size_t i = 0; i < sc->nwarned_before && !known; i++)
		known = sc->warned_before[i].dev == fv.dev && sc->warned_before[i].ino == fv.ino &&
			sc->warned_before[i].ctime == fv.ctime;
	int dup = 0;
	for (size_t i = 0; i < sc->nwarned && !dup; i++)
		dup = sc->warned[i].dev == fv.dev && sc->warned[i].ino == fv.ino &&
		      sc->warned[i].ctime == fv.ctime;
	if (!dup)
		versions_add(&sc->warned, &sc->nwarned, &sc->capwarned, &fv);
	return !known;
}

static void dirs_add(struct dev_ino **v, size_t *n, size_t *cap, uint64_t dev, uint64_t ino)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = xrealloc(*v, *cap * sizeof **v);
	}
	(*v)[*n].dev = dev;
	(*v)[*n].ino = ino;
	(*n)++;
}

static int dev_ino_cmp(const void *a, const void *b)
{
	const struct dev_ino *x = a, *y = b;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/*
 * Collects the files of directory dfd (which it takes over) whose ctime is
 * at or after sc->since, or all of them when `all` (a directory new since
 * the last pass). Entries are looked at with AT_SYMLINK_NOFOLLOW and
 * subdirectories opened with O_NOFOLLOW, so nothing leads out of the spool.
 * A refused entry is reported once: only while its own ctime is recent.
 */
static void walk(struct scan *sc, int dfd, const char *rel, int depth, int all)
{
	DIR *d = fdopendir(dfd);
	if (d == NULL) {
		close(dfd);
		skip(sc, rel ? rel : ".", strerror(errno));
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue; /* gone since readdir */
		char *crel = rel ? xasprintf("%s/%s", rel, e->d_name) : xstrdup(e->d_name);
		int fresh = all || ts_ns(&st.st_ctim) >= sc->since;
		if (S_ISDIR(st.st_mode)) {
			int sub = depth < MAX_DEPTH
					  ? openat(dirfd(d), e->d_name,
						   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
					  : -2;
			struct dev_ino key = {(uint64_t)st.st_dev, (uint64_t)st.st_ino};
			int known = sc->nseen > 0 && bsearch(&key, sc->seen, sc->nseen, sizeof key,
							     dev_ino_cmp) != NULL;
			if (sub >= 0) {
				dirs_add(&sc->dirs, &sc->ndirs, &sc->capdirs, key.dev, key.ino);
				walk(sc, sub, crel, depth + 1, all || !known);
			} else if (sub == -1 && fresh) {
				skip(sc, crel, strerror(errno));
			}
		} else if (S_ISREG(st.st_mode)) {
			if (fresh && file_kind(e->d_name) != KIND_NONE)
				files_add(sc, crel, &st);
		} else if (S_ISLNK(st.st_mode)) {
			if (fresh)
				skip(sc, crel,
				     "a symbolic link (only files inside the spool are read)");
		} else if (fresh && file_kind(e->d_name) != KIND_NONE) {
			skip(sc, crel, "not a regular file");
		}
		free(crel);
	}
	closedir(d);
}

/* Reads the cursor (see the file comment) into sc->since and sc->seen;
 * anything doubtful leaves since at 0: everything is read. */
static void cursor_read(struct scan *sc, const char *cursor, int64_t real_now, int64_t boot_now)
{
	sc->since = 0;
	if (cursor == NULL || strncmp(cursor, "2 ", 2) != 0)
		return;
	char *end;
	const char *p = cursor + 2;
	long long real = strtoll(p, &end, 10), boot;
	if (end == p || *end != ' ')
		return;
	p = end + 1;
	boot = strtoll(p, &end, 10);
	if (end == p || (*end != ' ' && *end != '\0'))
		return;
	if (real > real_now + CURSOR_MARGIN)
		return; /* the clock is behind the last pass */
	if (boot <= boot_now && (real_now - real) < (boot_now - boot) - CURSOR_MARGIN)
		return; /* stepped back since the last pass (same boot) */
	p = end;
	while (*p == ' ') {
		/* "!DEV:INO:CTIME": a file version whose warnings were logged */
		int warned = p[1] == '!';
		const char *q = p + 1 + warned;
		unsigned long long dev = strtoull(q, &end, 10), ino;
		if (end == q || *end != ':')
			return;
		p = end + 1;
		ino = strtoull(p, &end, 10);
		if (end == p)
			return;
		p = end;
		if (warned) {
			if (*p != ':')
				return;
			long long ct = strtoll(p + 1, &end, 10);
			if (end == p + 1)
				return;
			struct file_version fv = {dev, ino, ct};
			versions_add(&sc->warned_before, &sc->nwarned_before, &sc->capwarned_before,
				     &fv);
			p = end;
			continue;
		}
		dirs_add(&sc->seen, &sc->nseen, &sc->capseen, dev, ino);
	}
	if (*p != '\0')
		return;
	if (sc->nseen > 1)
		qsort(sc->seen, sc->nseen, sizeof *sc->seen, dev_ino_cmp);
	sc->since = real - CURSOR_MARGIN;
}

static char *cursor_make(const struct scan *sc, int64_t real, int64_t boot)
{
	struct buf b = BUF_INIT;
	buf_addf(&b, "2 %lld %lld", (long long)real, (long long)boot);
	for (size_t i = 0; i < sc->ndirs; i++)
		buf_addf(&b, " %llu:%llu", (unsigned long long)sc->dirs[i].dev,
			 (unsigned long long)sc->dirs[i].ino);
	for (size_t i = 0; i < sc->nwarned; i++)
		buf_addf(&b, " !%llu:%llu:%lld", (unsigned long long)sc->warned[i].dev,
			 (unsigned long long)sc->warned[i].ino, (long long)sc->warned[i].ctime);
	return buf_detach(&b);
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
	sp->max_size = f->spool_max_file_size > 0 ? f->spool_max_file_size : DEFAULT_MAX_FILE_SIZE;
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

static void scan_free(struct scan *sc)
{
	for (size_t i = 0; i < sc->n; i++) {
		free(sc->files[i].path);
		free(sc->files[i].rel);
	}
	free(sc->files);
	free(sc->seen);
	free(sc->dirs);
	free(sc->warned_before);
	free(sc->warned);
}

static int spool_changes(void *state, const char *cursor, const struct forum_changes_opts *opts,
			 forum_thread_cb cb, int (*checkpoint)(void *arg, const char *cursor),
			 void *arg, char **next, int *warnings, char **err)
{
	struct spool *sp = state;
	struct scan sc = {.root = sp->path};
	/* taken before the first readdir: whatever changes from here on has a
	 * later ctime and is seen by the next pass */
	int64_t real = clock_ns(CLOCK_REALTIME), boot = clock_ns(CLOCK_BOOTTIME);
	cursor_read(&sc, cursor, real, boot);
	*warnings = 0;

	int rootfd = open(sp->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	if (rootfd < 0 || fstat(rootfd, &st) != 0) {
		fg_error(err, "%s: %s", sp->path, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		int dfd = dup(rootfd);
		if (dfd < 0) {
			fg_error(err, "%s: %s", sp->path, strerror(errno));
			goto fail;
		}
		walk(&sc, dfd, NULL, 0, 0);
	} else if (S_ISREG(st.st_mode)) {
		if (ts_ns(&st.st_ctim) >= sc.since)
			files_add(&sc, NULL, &st);
	} else {
		fg_error(err, "%s: not a regular file or a directory", sp->path);
		goto fail;
	}
	if (sc.n > 1)
		qsort(sc.files, sc.n, sizeof *sc.files, file_cmp);

	struct forum_thread *pending = NULL;
	struct buf content = BUF_INIT;
	int rc = 0;
	for (size_t i = 0; i < sc.n && rc == 0; i++) {
		const struct spool_file *f = &sc.files[i];
		char *ferr = NULL;
		struct forum_thread *t = NULL;
		buf_reset(&content);
		int fd = f->rel ? open_below(rootfd, f->path, f->rel, &ferr) : dup(rootfd);
		if (fd < 0 && ferr == NULL)
			fg_error(&ferr, "%s: %s", f->path, strerror(errno));
		if (fd >= 0 && f->rel == NULL && lseek(fd, 0, SEEK_SET) != 0) {
			fg_error(&ferr, "%s: %s", f->path, strerror(errno));
			close(fd);
			fd = -1;
		}
		if (fd < 0 || read_fd(fd, f->path, sp->max_size, &content, &ferr) != 0 ||
		    spool_parse_file(f->path, buf_str(&content), content.len, &t, &ferr) != 0) {
			/* once per change of the file, and saying that none of
			 * it was taken */
			if (warn_file(&sc, f)) {
				if (strstr(ferr, "skipped") != NULL)
					log_warn("%s", ferr);
				else
					log_warn("%s: file skipped", ferr);
				sc.warnings++;
			}
			free(ferr);
			continue;
		}
		if (t->warnings) {
			/* taken, with something worked around (a post's
			 * unreadable date): logged, but not counted, as the
			 * count is of files skipped */
			if (warn_file(&sc, f)) {
				for (char *line = t->warnings, *nl; line; line = nl) {
					nl = strchr(line, '\n');
					if (nl)
						*nl++ = '\0';
					log_warn("%s", line);
				}
			}
			free(t->warnings);
			t->warnings = NULL;
		}
		int html_or_text = file_kind(f->path) != KIND_JSON;
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
		if (opts->progress)
			opts->progress(opts->progress_arg, (long)i + 1, (long)sc.n, "files");
	}
	if (pending) {
		if (rc == 0)
			rc = cb(arg, pending);
		else
			forum_thread_free(pending);
	}
	close(rootfd);
	buf_free(&content);
	*warnings = sc.warnings;
	if (rc == 0)
		*next = cursor_make(&sc, real, boot);
	scan_free(&sc);
	return rc != 0 ? -1 : 0;
fail:
	if (rootfd >= 0)
		close(rootfd);
	scan_free(&sc);
	return -1;
}

/* 1 when the reply file `name` in dfd is the reply with Message-ID msgid (a
 * retry after a crash between writing it and marking the row posted). */
static int holds_reply(int dfd, const char *path, const char *name, const char *msgid, long max)
{
	struct buf b = BUF_INIT;
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	int same = 0;
	if (fd >= 0 && msgid != NULL && read_fd(fd, path, max, &b, NULL) == 0) {
		json_t *doc = json_loadb(buf_str(&b), b.len, 0, NULL);
		json_t *post = json_array_get(json_object_get(doc, "posts"), 0);
		const char *m = json_string_value(json_object_get(post, "message_id"));
		same = m != NULL && strcmp(m, msgid) == 0;
		json_decref(doc);
	}
	buf_free(&b);
	return same;
}

/* Writes all of text to fd; 0 or -1 with errno. */
static int write_all(int fd, const char *text, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, text, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		text += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The spool file of one reply: a one-post JSON thread (malloc'd). The
 * Message-ID is kept in the post, so a retry can recognise its own file. */
static char *reply_json(const struct spool *sp, const struct forum_new_post *p, const char *id,
			int64_t now)
{
	char *thread = p->thread_id ? xstrdup(p->thread_id) : xasprintf("fgt-%s", id);
	json_t *post = json_pack("{s:s, s:s?, s:I, s:s, s:s, s:s?, s:s?}", "id", id, "author",
				 p->author, "date", (json_int_t)now, "format", "text", "body",
				 p->body ? p->body : "", "parent", p->parent_id, "message_id",
				 p->message_id);
	json_t *doc = json_pack("{s:s, s:s?, s:s?, s:{s:s, s:s}, s:[o]}", "format",
				"forumgate-thread/1", "forum", sp->forum->name, "board", p->board,
				"thread", "id", thread, "title",
				p->thread_title ? p->thread_title
				: p->title      ? p->title
						: "(no subject)",
				"posts", post);
	char *text = doc ? json_dumps(doc, JSON_INDENT(1) | JSON_ENSURE_ASCII) : NULL;
	json_decref(doc);
	free(thread);
	return text;
}

/*
 * Puts text in place as `final` in dfd without ever replacing a file:
 * written and fsynced under a temporary dot-name, then linked (link fails
 * with EEXIST where rename would overwrite), falling back to renameat2
 * RENAME_NOREPLACE on file systems without hard links. Returns 0, 1 when
 * final exists, or -1 with errno.
 */
static int place_file(int dfd, const char *final, const char *text)
{
	char *tmp = xasprintf(".%s.%ld.tmp", final, (long)getpid());
	int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 && errno == EEXIST) {
		/* ours, left by a crashed process with the same pid */
		unlinkat(dfd, tmp, 0);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	}
	int rc = -1, saved;
	if (fd < 0)
		goto out;
	if (write_all(fd, text, strlen(text)) != 0 || fsync(fd) != 0) {
		saved = errno;
		close(fd);
		unlinkat(dfd, tmp, 0);
		errno = saved;
		goto out;
	}
	close(fd);
	rc = linkat(dfd, tmp, dfd, final, 0);
	if (rc != 0 &&
	    (errno == EPERM || errno == ENOTSUP || errno == EOPNOTSUPP || errno == EMLINK)) {
		rc = renameat2(dfd, tmp, dfd, final, RENAME_NOREPLACE);
		if (rc == 0) {
			free(tmp);
			return 0;
		}
	}
	saved = errno;
	unlinkat(dfd, tmp, 0);
	errno = saved;
	if (rc != 0 && errno == EEXIST)
		rc = 1;
out:
	free(tmp);
	return rc;
}

/* The key becomes part of a file name: letters, digits, - and _ only. */
static int key_usable(const char *key)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
	return key != NULL && key[0] != '\0' && strlen(key) <= 100 && key[strspn(key, ok)] == '\0';
}

/* The id create_post will give p: "fg" + key, unless another post holds
 * that name already; then nothing is promised, so that a sync running
 * before the reply is marked cannot give that other post this reply's
 * Message-ID. */
static char *spool_expected_id(void *state, const struct forum_new_post *p)
{
	struct spool *sp = state;
	if (!key_usable(p->key))
		return NULL;
	char *id = xasprintf("fg%s", p->key);
	char *name = xasprintf("reply-%s.json", id);
	char *path = xasprintf("%s/%s", sp->path, name);
	int dfd = open(sp->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int usable = dfd >= 0 &&
		     ((faccessat(dfd, name, F_OK, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT) ||
		      holds_reply(dfd, path, name, p->message_id, sp->max_size));
	if (dfd >= 0)
		close(dfd);
	free(name);
	free(path);
	if (!usable) {
		free(id);
		return NULL;
	}
	return id;
}

/* Posting to a spool forum writes the reply as a one-post JSON thread file
 * into the spool, where sync picks it up like any other file: the whole loop
 * mail → outbox → forum → sync → article runs here without a remote forum.
 *
 * The post id is "fg" + the outbox row's key (see connector.h), so two
 * replies never share a name, and a retry of the same reply finds its own
 * file. An existing file is never replaced: if reply-<id>.json holds this
 * Message-ID already (we crashed before the row was marked), the post is
 * reported again under that id; if it holds anything else, the reply takes
 * the next free name <id>-2, <id>-3, ... and says so in the log. OK is
 * returned only once the file and the directory entry are on disk.
 *
 * A thread whose earlier files say "posting": "no" cannot be known here; a
 * file named .locked-<thread id> in the spool refuses replies to that thread
 * (for operators and tests). */
static int spool_create_post(void *state, const struct forum_new_post *p, char **post_id,
			     char **err)
{
	struct spool *sp = state;
	if (!key_usable(p->key)) {
		fg_error(err, "spool: the reply has no usable key");
		return FORUM_POST_TEMPFAIL;
	}
	int dfd = open(sp->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		fg_error(err, "spool %s is not a directory", sp->path);
		return FORUM_POST_TEMPFAIL;
	}
	if (p->thread_id) {
		char *lock = xasprintf(".locked-%s", p->thread_id);
		int locked = strchr(p->thread_id, '/') == NULL &&
			     faccessat(dfd, lock, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
		free(lock);
		if (locked) {
			close(dfd);
			fg_error(err,
				 "the thread is locked: the forum takes no more replies to it");
			return FORUM_POST_REFUSED;
		}
	}
	int64_t now = (int64_t)time(NULL);
	int rc = FORUM_POST_TEMPFAIL;
	char *id = NULL;
	for (int k = 1; k <= MAX_NAME_TRIES && rc == FORUM_POST_TEMPFAIL; k++) {
		free(id);
		id = k == 1 ? xasprintf("fg%s", p->key) : xasprintf("fg%s-%d", p->key, k);
		char *final = xasprintf("reply-%s.json", id);
		char *path = xasprintf("%s/%s", sp->path, final);
		char *text = reply_json(sp, p, id, now);
		int r = text ? place_file(dfd, final, text) : -1;
		if (text == NULL) {
			fg_error(err, "spool: cannot encode the reply");
			k = MAX_NAME_TRIES;
		} else if (r == 1 && holds_reply(dfd, path, final, p->message_id, sp->max_size)) {
			log_info("spool: %s holds %s already (posted before)", path, p->message_id);
			rc = FORUM_POST_OK;
		} else if (r == 1) {
			log_warn("spool: %s exists and is another post; %s takes the next name",
				 path, p->message_id);
			fg_error(err, "spool: no free name for reply-%s", id);
		} else if (r != 0) {
			fg_error(err, "spool: cannot write %s: %s", path, strerror(errno));
			k = MAX_NAME_TRIES;
		} else {
			rc = FORUM_POST_OK;
		}
		free(text);
		free(path);
		free(final);
	}
	/* "confirmed": the new name is on disk before the row is marked posted */
	if (rc == FORUM_POST_OK && fsync(dfd) != 0) {
		fg_error(err, "spool: cannot sync %s: %s", sp->path, strerror(errno));
		rc = FORUM_POST_TEMPFAIL;
	}
	close(dfd);
	if (rc == FORUM_POST_OK)
		*post_id = id;
	else
		free(id);
	return rc;
}

const struct forum_connector_ops spool_connector = {
	.type = "spool",
	.open = spool_open,
	.list_boards = spool_list_boards,
	.changes = spool_changes,
	.create_post = spool_create_post,
	.expected_id = spool_expected_id,
	.close = spool_close,
};
