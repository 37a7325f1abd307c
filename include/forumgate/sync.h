/*
 * sync: moves forum data into the store. For each thread a connector reports,
 * every post is rendered as an article (headers, threading, text body) and
 * stored; posts seen before with the same content change nothing, edited
 * posts become a new article that supersedes the old one, deleted posts leave
 * their group. The connector's cursor is stored in the same transaction as
 * the last of the data it covers.
 */
#ifndef FORUMGATE_SYNC_H
#define FORUMGATE_SYNC_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "forumgate/config.h"
#include "forumgate/forum.h"
#include "forumgate/store.h"

struct sync_stats {
	size_t threads;
	size_t posts_new, posts_edited, posts_deleted, posts_unchanged;
	size_t warnings; /* files or posts skipped, each logged */
};

/* One pass over forum f. path overrides the forum's configured source (for
 * `forumgate import PATH`); with use_cursor = 0 the whole source is read and
 * the stored cursor left alone. Returns 0, or -1 and *err. */
int sync_forum(struct store *st, const struct cfg *c, const struct cfg_forum *f, const char *path,
	       int use_cursor, struct sync_stats *stats, char **err);

/* What a pass shows while it runs. */
struct sync_opts {
	/* a terminal to draw the progress of a long fetch on (posts fetched /
	 * total, rate, ETA), or NULL; the log gets a line every 10 s anyway */
	FILE *progress;
	/* a pushed pass: these thread ids only (forum_changes_opts.topics) */
	const char *const *topics;
	size_t ntopics;
};

/* sync_forum with options (o may be NULL). A connector that reports
 * progress or hands over checkpoints (connector.h) gets both: checkpoints
 * are stored with the data committed so far, so a pass cut short resumes
 * after it. */
int sync_forum_opts(struct store *st, const struct cfg *c, const struct cfg_forum *f,
		    const char *path, int use_cursor, const struct sync_opts *o,
		    struct sync_stats *stats, char **err);

/* Stores one thread of forum f (inside a transaction the caller holds). */
int sync_thread(struct store *st, const struct cfg *c, const struct cfg_forum *f, int64_t forum_id,
		const struct forum_thread *t, struct sync_stats *stats, char **err);

/* The sync role: a pass over every forum each poll interval until *stop. */
int sync_loop(const struct cfg *c, volatile sig_atomic_t *stop);

#endif
