/*
 * Maildir intake: replies an MTA (or fetchmail) delivered into a Maildir.
 * A message leaves new/ only after its fate is committed: to cur/ (flag S)
 * when it was queued, was a duplicate or was dropped as automatic mail; to
 * the Maildir++ folder .failed/ with an X-Forumgate-Failed header naming
 * the reason when it cannot be posted. A temporary failure leaves it in new/
 * for the next scan. Nothing is deleted.
 */
#include "forumgate/maildir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "forumgate/buf.h"
#include "forumgate/log.h"

static int read_all(const char *path, struct buf *b)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	char chunk[65536];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		buf_add(b, chunk, (size_t)n);
	close(fd);
	return n < 0 ? -1 : 0;
}

static int ensure_dir(const char *path)
{
	return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

/* Moves a refused message into .failed/cur with the reason in a header. */
static int move_failed(const char *md, const char *name, const char *src, const struct buf *msg,
		       const char *reason)
{
	char *base = xasprintf("%s/.failed", md);
	char *sub[3] = {xasprintf("%s/tmp", base), xasprintf("%s/new", base),
			xasprintf("%s/cur", base)};
	int rc = ensure_dir(base);
	for (int i = 0; i < 3; i++)
		rc |= ensure_dir(sub[i]);
	char *tmp = xasprintf("%s/%s", sub[0], name);
	char *dst = xasprintf("%s/%s:2,", sub[2], name);
	FILE *f = rc == 0 ? fopen(tmp, "wb") : NULL;
	if (f) {
		fprintf(f, "X-Forumgate-Failed: ");
		for (const char *r = reason; *r; r++)
			fputc(*r == '\r' || *r == '\n' ? ' ' : *r, f);
		fputc('\n', f);
		fwrite(msg->p, 1, msg->len, f);
		rc = fflush(f) != 0 || fsync(fileno(f)) != 0;
		rc |= fclose(f) != 0;
		if (rc == 0 && rename(tmp, dst) == 0)
			rc = unlink(src);
		else
			rc = -1;
	} else {
		rc = -1;
	}
	for (int i = 0; i < 3; i++)
		free(sub[i]);
	free(base);
	free(tmp);
	free(dst);
	return rc;
}

int maildir_scan(const struct intake *in, const char *path, const char *default_rcpt)
{
	const struct cfg *c = in->cfg;
	const char *domain = c->mail.reply_domain ? c->mail.reply_domain : c->gateway.domain;
	char *newdir = xasprintf("%s/new", path);
	DIR *d = opendir(newdir);
	if (d == NULL) {
		log_warn("maildir: %s: %s", newdir, strerror(errno));
		free(newdir);
		return -1;
	}
	int handled = 0;
	struct dirent *e;
	struct buf msg = BUF_INIT;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char *src = xasprintf("%s/%s", newdir, e->d_name);
		buf_reset(&msg);
		if (read_all(src, &msg) != 0) {
			log_warn("maildir: cannot read %s: %s", src, strerror(errno));
			free(src);
			continue;
		}
		struct intake_result res = {0};
		intake_deliver_stored(in, buf_str(&msg), msg.len, domain, default_rcpt, &res);
		int rc = 0;
		switch (res.status) {
		case INTAKE_TEMPFAIL:
			break; /* stays in new/ */
		case INTAKE_ACCEPTED:
		case INTAKE_DUPLICATE:
		case INTAKE_DROPPED: {
			char *dst = xasprintf("%s/cur/%s:2,S", path, e->d_name);
			rc = rename(src, dst);
			free(dst);
			break;
		}
		default:
			rc = move_failed(path, e->d_name, src, &msg,
					 res.reason ? res.reason : "refused");
			log_info("maildir: %s moved to .failed: %s", e->d_name,
				 res.reason ? res.reason : "");
		}
		if (rc != 0)
			log_err("maildir: cannot move %s: %s", src, strerror(errno));
		handled++;
		intake_result_clear(&res);
		free(src);
	}
	closedir(d);
	buf_free(&msg);
	free(newdir);
	return handled;
}
