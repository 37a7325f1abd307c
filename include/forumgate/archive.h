/*
 * archive: loads existing news and mail archives into the store, beside the
 * forum threads: mboxrd files (RFC 4155), rnews batches ("#! rnews N") and
 * single Netnews articles (one per file, native or wire format).
 *
 * Articles keep their own headers and Message-IDs and are filed into the
 * groups of their Newsgroups header, numbered in file order; groups are
 * created as needed, read-only unless config maps them otherwise. A stale
 * Xref is replaced by ours. An article whose Message-ID is already stored is
 * skipped (re-importing changes nothing); one without Message-ID or
 * Newsgroups, or with a malformed header, is skipped with a warning.
 */
#ifndef FORUMGATE_ARCHIVE_H
#define FORUMGATE_ARCHIVE_H

#include <stddef.h>

#include "forumgate/config.h"
#include "forumgate/store.h"

struct archive_stats {
	size_t articles, duplicates, skipped;
};

enum archive_kind { ARCHIVE_NONE, ARCHIVE_MBOX, ARCHIVE_RNEWS, ARCHIVE_ARTICLE };

/* What a file holds, from its first bytes. */
enum archive_kind archive_sniff(const char *buf, size_t len);

/* Imports one archive file (inside its own transactions). Returns 0, or -1
 * with *err for an unreadable file or a store failure. */
int archive_import_file(struct store *st, const struct cfg *c, const char *path,
			struct archive_stats *stats, char **err);

/* Imports one article given in memory (LF or CRLF lines, not dot-stuffed),
 * inside the caller's transaction. Returns 0 stored, 1 duplicate, 2 skipped
 * (reason in *err), -1 store failure. */
int archive_import_article(struct store *st, const struct cfg *c, const char *msg, size_t len,
			   char **err);

#endif
