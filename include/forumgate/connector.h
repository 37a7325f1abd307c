/*
 * connector: how forums come in (and replies go out). One ops table per
 * connector type, one file per implementation in gateway/forum/ (spool.c;
 * discourse.c, vbulletin and phpBB live fetchers later).
 *
 * The registry (gateway/forum/connector.c) is one table of these ops, looked
 * up by the forum's `type`. A connector that needs settings of its own
 * declares a config section (`discourse: {...}` under its forum) through
 * `config`: the loader validates it like every other section (errors at
 * FILE:LINE:COL) into a struct the connector defines, so struct cfg_forum
 * does not grow a field per engine.
 *
 * Connectors know files, HTTP, HTML and JSON, and the forum; they never see
 * the store. Sync drives them: it asks for the threads changed since the
 * cursor it stored, renders and stores what it gets, and stores the new
 * cursor in the same transaction as the data.
 */
#ifndef FORUMGATE_CONNECTOR_H
#define FORUMGATE_CONNECTOR_H

#include "forumgate/config.h"
#include "forumgate/forum.h"

/* Receives one thread (or one page set of it); takes ownership of t.
 * Returns 0 to go on, -1 to stop the fetch (the error is the callback's). */
typedef int (*forum_thread_cb)(void *arg, struct forum_thread *t);

/* A reply to post on the forum (the outbox). */
struct forum_new_post {
	const char *board;        /* board of the thread (or of the new thread) */
	const char *thread_id;    /* NULL: start a new thread titled `title` */
	const char *thread_title; /* the thread's title (for connectors that need it) */
	const char *parent_id;    /* post answered; NULL = the thread */
	const char *author, *author_id;
	/* the sender's mail address (the outbox row's envelope_from), NULL for
	 * NNTP posts: a connector may find the forum account by it */
	const char *author_address;
	const char *title;      /* subject of a new thread */
	const char *body;       /* plain text */
	const char *message_id; /* the Message-ID it arrived with */
	/* Stable key of the queued reply, unique by construction: the outbox
	 * row id and a hash of the Message-ID ([A-Za-z0-9-] only). The same
	 * reply always has the same key, so a connector that derives its post
	 * id or file name from it recognises a retry of a post it made. */
	const char *key;
};

/* What sync asks of one `changes` pass besides the cursor. */
struct forum_changes_opts {
	/* First sync (cursor NULL): how far back to fetch; 0 = no limit. The
	 * forum's backfill (cfg_forum.backfill_days / backfill_topics). A
	 * connector that resumes an interrupted backfill keeps the limit's
	 * reference point in its cursor, so a restart does not move it. */
	int backfill_days;
	int backfill_topics;
	/* Set by sync (never NULL): the connector reports how far a long
	 * fetch has come, as often as it likes: `done` items so far of
	 * `total` (when the API tells, else 0), `unit` a plural noun
	 * ("posts", "topics", "files"). Sync logs it every 10 s and draws it
	 * on a terminal (sync --once --forum NAME). */
	void (*progress)(void *arg, long done, long total, const char *unit);
	void *progress_arg;
	/* A pushed pass (webhooks): fetch these items only (ntopics > 0)
	 * and return the cursor unchanged. An item is what the connector's
	 * webhook handler queued (store_push_add): a thread id, or a thread
	 * and one of its posts ("TOPIC/POST" for Discourse), so a push fetches
	 * the post it names, not the whole thread. A connector without push
	 * support ignores them and does a normal pass. */
	const char *const *topics;
	size_t ntopics;
};

/* create_post results */
#define FORUM_POST_OK 0
#define FORUM_POST_TEMPFAIL (-1) /* try again later (network, rate limit) */
#define FORUM_POST_REFUSED (-2)  /* the forum said no (locked, too short, ...) */

struct forum_connector_ops {
	const char *type;
	/* Opens the source of forum f; `path` overrides its location (import). */
	int (*open)(const struct cfg_forum *f, const char *path, void **state, char **err);
	/* Lists board names, malloc'd array of malloc'd strings. */
	int (*list_boards)(void *state, char ***boards, size_t *n, char **err);
	/* Calls cb for every thread changed since `cursor` (NULL = everything,
	 * within opts->backfill) and returns the cursor to store once the data
	 * is committed (malloc'd, in *next). Errors in single items are
	 * reported through *warnings (count) and logged, not fatal: one bad
	 * file must not stop a forum. opts is never NULL.
	 *
	 * Sync commits in batches while the pass runs; `checkpoint` (may be
	 * NULL) lets a connector hand over an intermediate cursor to store
	 * with the threads delivered so far, so a pass interrupted half-way
	 * (a long backfill) resumes after what was committed. It returns 0,
	 * or -1 when the commit failed (stop the pass then). */
	int (*changes)(void *state, const char *cursor, const struct forum_changes_opts *opts,
		       forum_thread_cb cb, int (*checkpoint)(void *arg, const char *cursor),
		       void *arg, char **next, int *warnings, char **err);
	/* Posts a reply; returns FORUM_POST_OK and the new forum post id
	 * (malloc'd) in *post_id, or FORUM_POST_TEMPFAIL / FORUM_POST_REFUSED
	 * with the reason in *err (shown to the sender when refused). OK means
	 * confirmed: the post is durable at the forum (a spool file is fsynced
	 * with its directory), never replaced another post, and posting the
	 * same key again returns the same post id instead of a second post. */
	int (*create_post)(void *state, const struct forum_new_post *p, char **post_id, char **err);
	/* Optional: the post id create_post will give p unless something is in
	 * its way (malloc'd), or NULL when the forum assigns ids. The outbox
	 * records it before posting, so that a sync which sees the new post
	 * before the row is marked posted still gives its article the
	 * Message-ID the reply arrived with. */
	char *(*expected_id)(void *state, const struct forum_new_post *p);
	void (*close)(void *state);
	/* Optional: the connector's own config section under its forum, or
	 * NULL. The parsed struct is cfg_forum.conn (see config.h). */
	const struct cfg_conn_section *config;
	unsigned flags; /* FORUM_CONN_* */
};

/* The connector fetches over the network (waits for another machine):
 * sync holds no store transaction while changes() runs but commits each
 * thread as it is delivered (mail intake, NNTP posting and the outbox
 * never wait for a slow forum), and the sync role runs the forum's passes
 * in a thread of their own, so a forum that is down or slow never holds
 * back the others. Such a connector must not use process-global state
 * (forum_parse_date with a zone, setenv TZ). */
#define FORUM_CONN_REMOTE 1u

/* The connector for a type name ("spool"), or NULL. */
const struct forum_connector_ops *forum_connector(const char *type);

/* The registered type names, NULL-terminated (borrowed; valid until the
 * next forum_connector_add). */
const char *const *forum_connector_types(void);

/* Adds a connector to the registry at run time (tests; a type already
 * present is replaced). ops must outlive every lookup. Not thread-safe:
 * call before the roles start. Returns 0, or -1 when the table is full. */
int forum_connector_add(const struct forum_connector_ops *ops);

#endif
