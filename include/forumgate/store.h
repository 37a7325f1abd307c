/*
 * store: the bus every role reads and writes (DESIGN.md "The store").
 *
 * This API is backend-neutral: nothing here is SQL. The SQLite backend lives
 * in gateway/store/; a PostgreSQL one can follow behind the same functions.
 *
 * Articles are kept in wire form (CRLF, dot-stuffed, no final ".") with their
 * header length and a precomputed overview line. Article numbers are per
 * group, assigned once and never reused; Message-IDs are unique store-wide.
 * A withdrawn article (deleted or superseded post) leaves its group: it is no
 * longer listed or served by number, and its number is not given out again.
 * A superseded one (an edit) is still served by its Message-ID; a deleted
 * one is not.
 *
 * Writes happen inside store_begin()/store_commit(); nothing that acknowledges
 * someone else's data may happen before store_commit() returned 0.
 *
 * Every function returns 0 on success (1 where it says "found") and -1 with a
 * malloc'd message in *err on failure. Strings handed out are malloc'd and
 * owned by the caller unless stated otherwise.
 */
#ifndef FORUMGATE_STORE_H
#define FORUMGATE_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

enum store_mode {
	STORE_RW = 0,     /* read-write; migrates the schema */
	STORE_RDONLY = 1, /* read-only connection (readers, export) */
	STORE_CREATE = 2, /* read-write, and creates the store when missing */
};

/* Only STORE_CREATE creates a missing store (mode 0600, see
 * store_set_owner): import, serve and sync, so that a mistyped
 * gateway.store does not quietly become a new empty store for every other
 * command; the other modes refuse a missing store ("no store at PATH").
 * A store the caller may write loses any access by others, together with
 * every file the backend keeps beside it. */
int store_open(const char *path, enum store_mode mode, struct store **out, char **err);
void store_close(struct store *st);

/* Files the store creates from now on (the store, a build, the lock file
 * and whatever the backend keeps beside the store) are given to uid:gid.
 * For a process running as root that will switch to an unprivileged user
 * (priv.h). */
void store_set_owner(unsigned uid, unsigned gid);

/* Exclusive use of slot (0..63) of the store's lock file PATH.lock, for
 * roles of which one store must have one instance. The lock belongs to an
 * open file description that stays open for the life of the process and is
 * inherited by children it forks: it ends when the last of them exits.
 * Returns 0, 1 when another process holds the slot, -1 with *err. */
int store_lock(const char *path, int slot, char **err);

/* A bulk build: a store that does not exist yet is written into a private
 * file next to PATH (PATH.building, held with flock) without a journal,
 * since nobody else can see it, and appears at PATH whole, once it is on
 * disk (store_publish). Returns 0 with *out open for writing, 1 when PATH
 * exists already or another build holds the file (open PATH with
 * store_open instead), -1 on error. */
int store_build(const char *path, struct store **out, char **err);
/* Ends a bulk build, closing st: 0 the store is at PATH, 1 PATH appeared
 * meanwhile (the build is discarded: import into PATH as usual), -1 error
 * (also discarded, as it is after any rollback: a journal-less build cannot
 * undo a transaction, so a bulk build is all or nothing). */
int store_publish(struct store *st, char **err);
/* Drops a bulk build (or closes an ordinary store). */
void store_discard(struct store *st);
/* A consistent copy of the open store st, taken while others keep
 * writing (the backend's online backup, in steps), written to PATH.tmp
 * (mode 0600), synced, then renamed to PATH. An existing PATH is refused
 * unless force. */
int store_backup(struct store *st, const char *path, int force, char **err);
/* Replaces the store at path with the copy in from, after checking that
 * from is whole and a store of a schema this binary knows: from is copied
 * to PATH.restoring, synced, and renamed over PATH; the old store's files
 * beside it go. The caller takes every slot of store_lock first; a
 * process that has the store open anyway (an nntpd alone) makes it return
 * 1 with *err naming it, and nothing is changed. */
int store_restore(const char *path, const char *from, char **err);
/* Checks the store: the backend's own integrity check and the store's
 * invariants (article numbering, overview lines, posts and their articles,
 * outbox and list queue states). cb gets one line per problem. Returns the
 * number of problems found, or -1. */
typedef void (*store_problem_cb)(void *arg, const char *problem);
int store_check(struct store *st, store_problem_cb cb, void *arg, char **err);
/* Current schema version of an open store. */
int store_schema_version(struct store *st);

int store_begin(struct store *st, char **err);
int store_commit(struct store *st, char **err);
void store_rollback(struct store *st);

/* --- forums and their source cursors --- */
int store_forum_ensure(struct store *st, const char *name, int64_t *id, char **err);
/* *cursor = NULL when none was stored yet. */
int store_cursor_get(struct store *st, int64_t forum_id, char **cursor, char **err);
int store_cursor_set(struct store *st, int64_t forum_id, const char *cursor, char **err);

/* Topics a forum pushed (webhooks): the httpd role adds, the sync role's
 * thread of the forum takes them (each its own transaction; call outside
 * one). A topic is what the forum's connector reads in a pushed pass
 * (forum_changes_opts.topics): a thread id, or Discourse's "TOPIC/POST".
 * store_push_add records event_id (> 0; 0 = none) and sets *dup instead of
 * adding when that delivery was seen already; topic may be NULL to record
 * the event alone. store_push_take returns and removes the forum's topics
 * (malloc'd array of malloc'd strings, *n = 0 when none). */
int store_push_add(struct store *st, const char *forum, const char *topic, int64_t event_id,
		   int *dup, char **err);
int store_push_take(struct store *st, const char *forum, char ***topics, size_t *n, char **err);
/* Waits at most timeout_ms for a store_push_add (of any forum, by any
 * process on this store) since the last wait; returns 1 when one came (take
 * then), 0 when the time ran out. Its doorbell is STORE.push beside the
 * store (inotify; without it, this sleeps timeout_ms). */
int store_push_wait(struct store *st, int timeout_ms);

/* --- groups --- */
struct store_group {
	int64_t id;
	char *name;
	char *description;        /* may be NULL */
	char posting;             /* 'y', 'n', 'm' */
	int64_t low, high, count; /* low > high when empty (RFC 3977 §6.1.1.2) */
	int64_t created;          /* seconds since the epoch */
	int members_only;         /* reading needs a login */
};
void store_group_clear(struct store_group *g);

/* Creates the group if missing; updates description and posting flag of an
 * existing one when they differ. A NULL description or a posting flag of 0
 * leaves the stored value as it is ('y' for a new group). */
int store_group_ensure(struct store *st, const char *name, const char *description, char posting,
		       int64_t *id, char **err);
/* Returns 1 and fills *g when found, 0 when not. */
int store_group_get(struct store *st, const char *name, struct store_group *g, char **err);
/* Names of the members-only groups, as one string "\ta\tb\t" (malloc'd;
 * "" when there are none): cheap enough for every session to ask once. */
int store_members_only_groups(struct store *st, char **names, char **err);
/* Marks a group members-only (reading needs a login) or public; 0 or -1. */
int store_group_set_members_only(struct store *st, int64_t id, int members_only, char **err);
/* The posting flag of a group by id; 0 or -1. */
int store_group_posting(struct store *st, int64_t id, char *posting, char **err);
/* The id of a group (no statistics: cheap); 1 found, 0 not, -1. */
int store_group_id(struct store *st, const char *name, int64_t *id, char **err);
/* The group a forum's board was first filed in (*group malloc'd): 1, 0 when
 * none was recorded, -1. Boards keep that group when the naming rule for
 * unmapped boards changes (no rename under readers' feet). */
int store_board_group(struct store *st, int64_t forum_id, const char *board, char **group,
		      char **err);
/* Records the group of a board; a board already recorded keeps its group. */
int store_board_group_set(struct store *st, int64_t forum_id, const char *board, int64_t group_id,
			  char **err);
/* Lists all groups ordered by name; *groups is a malloc'd array the caller
 * frees with store_groups_free. */
int store_group_list(struct store *st, struct store_group **groups, size_t *n, char **err);
void store_groups_free(struct store_group *groups, size_t n);
/* Reserves the next article number of a group (inside a transaction). */
int store_group_next_number(struct store *st, int64_t group_id, int64_t *number, char **err);

/* --- threads and posts (what sync knows about the forum) --- */
struct store_post {
	int64_t id;       /* row id */
	int version;      /* 1 for the first rendering, +1 per edit */
	char *hash;       /* content fingerprint of the last rendering */
	char *message_id; /* of the current article */
	char *references; /* References of the current article ("" for a root) */
	int64_t date;     /* date used in the article (first seen if unknown) */
	int deleted;
	int64_t position;
};
void store_post_clear(struct store_post *p);

/* Returns 1 and fills *p when the post is known, 0 when not. */
int store_post_get(struct store *st, int64_t forum_id, const char *thread_key, const char *post_key,
		   struct store_post *p, char **err);
/* The post of a thread at a given position (for "#3" quotes); 1/0/-1. */
int store_post_at(struct store *st, int64_t forum_id, const char *thread_key, int64_t position,
		  char **post_key, char **err);
/* The root (lowest position) post key of a thread; 1/0/-1. */
int store_thread_root(struct store *st, int64_t forum_id, const char *thread_key, char **post_key,
		      char **err);

/* The keys of a thread's posts that are not deleted (malloc'd array of
 * malloc'd strings, *n of them; none for an unknown thread). 0 or -1. */
int store_thread_posts(struct store *st, int64_t forum_id, const char *thread_key,
		       char ***post_keys, size_t *n, char **err);

/* What sync records for a post after rendering it. */
struct store_post_in {
	const char *thread_key, *post_key;
	const char *thread_title, *board, *thread_url;
	int64_t position;
	const char *author, *author_id;
	int guest;
	int64_t date;
	int markup;
	const char *body, *signature, *parent_key, *url;
	const char *hash;
	int version;
	int deleted;
	const char *message_id; /* NULL for a deleted post with no article */
	const char *references;
	int64_t group_id;
};
int store_post_put(struct store *st, int64_t forum_id, const struct store_post_in *in, char **err);

/* --- articles --- */
struct store_article_in {
	const char *message_id; /* with angle brackets */
	const char *wire;       /* CRLF, dot-stuffed, no final dot */
	size_t wire_len, header_len, lines;
	const char *overview; /* overview line without the number */
	int64_t date;         /* Date header as epoch (NEWNEWS) */
	int64_t *group_ids;   /* groups it is filed in ... */
	int64_t *numbers;     /* ... with these numbers (store_group_next_number) */
	size_t ngroups;
	/* 1: sync made it for its post under the id article_message_id_variant()
	 * gave (store_msgid_taken trusts such ids never to meet); 0: any other
	 * article (an import, a reply that kept the id it came with) */
	int from_post;
};
/* Adds an article. Returns 0, or 1 if the Message-ID already exists (nothing
 * changed), or -1. Inside a write transaction (store_begin) the article,
 * like a post of store_post_put(), is queued and inserted with others
 * before the next statement of the transaction: then a Message-ID that is
 * already stored (or queued) returns 0 and the article is left out when the
 * queue is written; its numbers stay used. */
int store_article_add(struct store *st, const struct store_article_in *a, char **err);
/* Withdraws an article from all its groups (numbers are not reused) and
 * from retrieval by Message-ID, with every version it superseded (a
 * deleted post's content is gone whole). */
int store_article_withdraw(struct store *st, const char *message_id, char **err);
/* An edit: the article leaves its groups' listings (LISTGROUP, OVER, GROUP
 * counts, numbers not reused) but stays retrievable by its Message-ID, so
 * replies whose References name it keep their parent. successor is the
 * Message-ID of the article that supersedes it. */
int store_article_supersede(struct store *st, const char *message_id, const char *successor,
			    char **err);
/* 1 when the Message-ID is known (withdrawn or not), else 0. */
int store_article_exists(struct store *st, const char *message_id, char **err);
/* The same answer for a writer inside a transaction, counting the articles
 * still waiting in the write queue, without writing the queue first (so a
 * sync batch stays one batch): 1 taken, 0 free, -1 on error. For the ids
 * sync makes: while the store holds only articles added with from_post
 * (an import into an empty store), it is 0 without a lookup. */
int store_msgid_taken(struct store *st, const char *message_id, char **err);

struct store_article {
	int64_t number; /* in the group asked for; 0 when looked up by id */
	char *message_id;
	char *wire; /* malloc'd copy */
	size_t wire_len, header_len;
	int64_t date; /* the Date header as epoch */
};
void store_article_clear(struct store_article *a);

/* Calls cb for each listed article of the group (all groups ordered by name
 * when group is NULL), ascending by number. cb returns 0 to go on, non-zero
 * to stop (returned as is). The article passed is only valid during cb. */
typedef int (*store_article_cb)(void *arg, const char *group, const struct store_article *a);
int store_article_foreach(struct store *st, const char *group, store_article_cb cb, void *arg,
			  char **err);

/* --- reading, for nntpd (one read-only connection per worker) ---
 *
 * A view points into SQLite's row buffers: it is valid until the next call
 * on the same store handle, and never freed by the caller. This saves a copy
 * of every article on the serving path. */
struct store_view {
	int64_t number;         /* in the group asked for; 0 when looked up by id */
	const char *message_id; /* NUL-terminated */
	const char *wire;       /* CRLF, dot-stuffed, no final dot */
	size_t wire_len, header_len;
	const char *overview; /* the overview line without the number */
};

/* Ends the read of the last view (resets its statement), so an idle reader
 * does not pin an old snapshot of the database. Call after each response. */
void store_release(struct store *st);

/* A read snapshot spanning several requests (readers): the reads until
 * store_snapshot_end() see one state of the database, and the locking and
 * file checks of starting a read are paid once instead of per statement.
 * A snapshot pins the WAL (a checkpoint cannot pass it): end it soon. */
int store_snapshot_begin(struct store *st, char **err);
void store_snapshot_end(struct store *st);

/* Article by number in a group; 1 found, 0 not (never or withdrawn), -1. */
int store_view_by_number(struct store *st, int64_t group_id, int64_t number, struct store_view *v,
			 char **err);
/* Article by Message-ID; 1/0/-1. */
int store_view_by_msgid(struct store *st, const char *message_id, struct store_view *v, char **err);
/* The next (dir > 0) or previous (dir < 0) listed number after `number`;
 * 1 found (in *out), 0 none, -1. */
int store_neighbor(struct store *st, int64_t group_id, int64_t number, int dir, int64_t *out,
		   char **err);

/* Calls cb for each listed article lo..hi (inclusive) of a group in number
 * order; `with_wire` asks for the wire form too (HDR on arbitrary headers).
 * cb returns 0 to go on, non-zero to stop. The view is valid during cb. */
typedef int (*store_view_cb)(void *arg, const struct store_view *v);
int store_range(struct store *st, int64_t group_id, int64_t lo, int64_t hi, int with_wire,
		store_view_cb cb, void *arg, char **err);

/* Articles that arrived at or after `since` (epoch seconds), with the name of
 * each group they are listed in: cb(arg, message_id, group). */
typedef int (*store_newnews_cb)(void *arg, const char *message_id, const char *group);
int store_newnews(struct store *st, int64_t since, store_newnews_cb cb, void *arg, char **err);

/* A counter that changes whenever anything is committed to the store by any
 * connection (readers use it to refresh cached group lists). */
int store_data_version(struct store *st, int64_t *version, char **err);

/* --- users (AUTHINFO, mail senders) --- */

/* Adds a user; 0 added, 1 the name exists already (nothing changed). */
int store_user_add(struct store *st, const char *name, const char *password_hash, char **err);
/* The password hash of a user (NULL when none is set); 1 found, 0 no user. */
int store_user_password(struct store *st, const char *name, char **hash, char **err);
/* 1 changed, 0 no such user (or address). Adding an address: 1 added (or
 * the user's already), 0 no such user, 2 it belongs to another user (an
 * address has one owner: mail from it posts as that user). */
int store_user_set_password(struct store *st, const char *name, const char *hash, char **err);
int store_user_del(struct store *st, const char *name, char **err);
int store_user_address(struct store *st, const char *name, const char *address, int add,
		       char **err);
/* cb(arg, name, has_password, "addr addr ..." or NULL) per user by name. */
typedef int (*store_user_cb)(void *arg, const char *name, int has_password, const char *addresses);
int store_user_list(struct store *st, store_user_cb cb, void *arg, char **err);

/* --- the outbox: replies waiting to be posted to the forum --- */
struct store_outbox_in {
	const char *message_id;                      /* with angle brackets; unique */
	const char *source;                          /* "nntp", "lmtp", "pipe", ... */
	const char *user;                            /* authenticated user */
	const char *forum, *thread_key, *parent_key; /* NULL: a new thread */
	const char *newsgroups, *subject;
	const char *article; /* as received (CRLF) */
	size_t article_len;
	const char *body;   /* the text to post (after trimming); NULL = from article */
	const char *elided; /* what trimming removed; kept beside the post */
	const char *envelope_from, *recipient; /* mail intake */
	const char *route; /* how the thread was found: key, references, list, nntp */
	/* attachments kept with the post */
	const struct store_attachment *attachments;
	size_t nattachments;
};
struct store_attachment {
	const char *filename, *content_type;
	const char *data;
	size_t size;
};
/* Queues a reply; 0 queued, 1 the Message-ID is queued already. */
int store_outbox_add(struct store *st, const struct store_outbox_in *o, char **err);

/* A queued reply as the outbox worker sees it (strings malloc'd). */
struct store_outbox {
	int64_t id;
	char *message_id, *source, *user, *forum, *thread_key, *parent_key, *newsgroups;
	char *subject, *body, *envelope_from;
	int attempts;
	int64_t created;
};
void store_outbox_clear(struct store_outbox *o);
/* The oldest queued reply due at `now`; 1 found, 0 none, -1. */
int store_outbox_next(struct store *st, int64_t now, struct store_outbox *o, char **err);
/* Marks a reply posted as forum post `post_id`, so that sync gives the post
 * the Message-ID the reply arrived with. */
int store_outbox_posted(struct store *st, int64_t id, const char *post_id, char **err);
/* Schedules another attempt (state stays 'queued'), or gives up ('failed'). */
int store_outbox_retry(struct store *st, int64_t id, int64_t next_attempt, const char *error,
		       char **err);
int store_outbox_failed(struct store *st, int64_t id, const char *error, char **err);
/* Records the post id a queued reply is about to be posted under, before
 * the connector is called: sync may see the post before the row is marked
 * posted, and must still give it the reply's Message-ID. */
int store_outbox_expect(struct store *st, int64_t id, const char *post_id, char **err);
/* The Message-ID a forum post arrived with through the outbox (a posted
 * row, or a queued one being posted under that id); 1/0/-1. */
int store_outbox_msgid(struct store *st, const char *forum, const char *post_id, char **msgid,
		       char **err);
/* The post a reply that came in through the outbox answered (its row's
 * parent_key), for a forum that does not record what a post replies to;
 * 1/0/-1. */
int store_outbox_parent(struct store *st, const char *forum, const char *post_id, char **parent_key,
			char **err);
/* The operator's view of the outbox (forumgate outbox list|retry|drop).
 * States: queued, posted, failed (given up), held, dropped (by the
 * operator: never posted, its text kept). Row strings belong to the
 * store and last until the callback returns; a callback returning
 * non-zero stops the listing. state NULL lists every row. */
struct store_outbox_row {
	int64_t id;
	const char *state, *forum, *message_id, *last_error;
	int attempts;
	int64_t created;
};
typedef int (*store_outbox_row_cb)(void *arg, const struct store_outbox_row *row);
int store_outbox_list(struct store *st, const char *state, store_outbox_row_cb cb, void *arg,
		      char **err);
/* Queues failed or held replies for an attempt now (id 0: all of them);
 * *n = how many rows changed. */
int store_outbox_requeue(struct store *st, int64_t id, int64_t now, int64_t *n, char **err);
/* Marks a queued, failed or held reply dropped: 1 done, 0 no such row in
 * one of those states, -1. */
int store_outbox_drop(struct store *st, int64_t id, char **err);
/* The state of an outbox row (*state malloc'd): 1, 0 no such row, -1. */
int store_outbox_state(struct store *st, int64_t id, char **state, char **err);
/* 1 when a Message-ID is known as an article or a queued/posted reply. */
int store_msgid_known(struct store *st, const char *message_id, char **err);

/* --- mail senders and bounces --- */
/* The user owning an address; 1 found (id and malloc'd name), 0, -1. */
int store_user_by_address(struct store *st, const char *address, int64_t *user_id, char **name,
			  char **err);
/* The id of a user by name; 1/0/-1. */
int store_user_id(struct store *st, const char *name, int64_t *user_id, char **err);
/* The name of a user by id; 1/0/-1. */
int store_user_name(struct store *st, int64_t user_id, char **name, char **err);
/* 1 when address belongs to user_id. */
int store_user_owns(struct store *st, int64_t user_id, const char *address, char **err);
/* Counts a bounce against an address (the list delivery reads it). */
int store_bounce_record(struct store *st, const char *address, const char *reason, char **err);

/* --- mailing-list mode (listd) ---
 *
 * Subscriptions are per (group, address). The delivery queue holds one row
 * per (article, recipient): queued -> sending -> sent | failed. Durability:
 * listd commits `sending` before the message's DATA and `sent` right after
 * the smarthost's 250, each in its own transaction; rows still `sending` at
 * a restart (store_list_requeue) are sent again: SMTP cannot tell whether a
 * message whose final "." went out before a crash, and whose 250 was never
 * read, was accepted, so that one case is at-least-once. */
struct store_sub {
	char *group, *address;
	char *mode;          /* "each", "digest", "none" */
	char *digest_period; /* "daily", "weekly" */
	int digest_hour;     /* 0..23 in timezone */
	char *format;        /* "text", "html" */
	char *timezone;      /* IANA zone; NULL = the gateway's */
	int own_copies;      /* mail the subscriber's own posts too */
	char *state;         /* "active", "pending", "suspended" */
	char *token;         /* confirmation token of a pending one; may be NULL */
	int64_t token_expires, created;
	/* store_digest_due only: the last article id in a digest, its issue,
	 * when the next is due (0: never scheduled) */
	int64_t digest_last, digest_next;
	int digest_issue;
	/* store_sub_list only: the address's bounce state */
	double bounce_score;
	int bounces, suspended;
	int64_t last_bounce;
};
void store_sub_clear(struct store_sub *s);
/* Adds or replaces the subscription of s->address to s->group (created is
 * kept for an existing one). */
int store_sub_put(struct store *st, const struct store_sub *s, char **err);
/* 1 found (into *out, clear it after), 0, -1. */
int store_sub_get(struct store *st, const char *group, const char *address, struct store_sub *out,
		  char **err);
int store_sub_by_token(struct store *st, const char *token, struct store_sub *out, char **err);
/* 1 removed, 0 there was none, -1. */
int store_sub_del(struct store *st, const char *group, const char *address, char **err);
/* cb for each subscription (of group, or all when NULL) with its bounce
 * state, by group then address; the struct is valid during cb only. */
typedef int (*store_sub_cb)(void *arg, const struct store_sub *s);
int store_sub_list(struct store *st, const char *group, store_sub_cb cb, void *arg, char **err);

/* listd's cursor: the last article id (store order of arrival) it has
 * fanned out; 1 found, 0 never set. */
int store_list_cursor(struct store *st, int64_t *cursor, char **err);
int store_list_cursor_set(struct store *st, int64_t cursor, char **err);
/* The id of the newest article (0 when none). */
int store_article_last_id(struct store *st, int64_t *id, char **err);
/* Articles with id > after (at most limit), in id order: cb(arg, id,
 * message_id, group, fresh) once per group the article is listed in, once
 * with group NULL when it is in none; fresh = 0 for a post older than two
 * days when it was stored (a backfill) and for an edit (an article that
 * supersedes another). */
typedef int (*store_list_new_cb)(void *arg, int64_t id, const char *message_id, const char *group,
				 int fresh);
int store_list_new(struct store *st, int64_t after, int limit, store_list_new_cb cb, void *arg,
		   char **err);
/* Queues article_id for the `each` subscribers of group (see the SQL:
 * active, not suspended by bounces, not the author of a post that came by
 * mail unless own_copies); *n the rows added. */
int store_list_fanout(struct store *st, int64_t article_id, const char *message_id,
		      const char *group, int64_t now, int64_t *n, char **err);

struct store_delivery {
	int64_t id, article_id;
	char *message_id, *group, *recipient, *format;
	int attempts;
	/* a digest: the articles of group with ids in (digest_from,
	 * article_id], issue number */
	int digest;
	int64_t digest_from;
	int issue;
};
void store_deliveries_free(struct store_delivery *d, size_t n);
/* Up to limit queued deliveries due at now whose domain is not backing off. */
int store_list_due(struct store *st, int64_t now, int limit, struct store_delivery **out, size_t *n,
		   char **err);
int store_list_sending(struct store *st, int64_t id, char **err);
/* Accepted by the smarthost: sent, and the domain's backoff ends. */
int store_list_sent(struct store *st, int64_t id, char **err);
/* A temporary failure (4xx, or the connection lost before a result): back
 * to queued, retried after a backoff (per row and per recipient domain:
 * 60 s doubling, capped at cap seconds). domain_too = 0 when the failure
 * was not the recipient's (the connection). */
int store_list_retry(struct store *st, int64_t id, int64_t now, int cap, const char *error,
		     int domain_too, char **err);
/* A permanent failure (5xx): failed (the caller counts the bounce). */
int store_list_failed(struct store *st, int64_t id, const char *error, char **err);
/* The recipient of a delivery (a VERP bounce key names the row); 1/0/-1. */
int store_list_recipient(struct store *st, int64_t id, char **recipient, char **err);

/* An address's bounce score state (bounce_score.h's struct bounce_state,
 * field by field) and the score last computed; all 0 when none. */
struct store_bounce {
	double soft;
	unsigned hard_count;
	int64_t last_bounce, updated;
	int last_was_hard, suspended;
	int64_t suspended_at;
	double score;
};
/* 1 found, 0 (b zeroed), -1. */
int store_bounce_get(struct store *st, const char *address, struct store_bounce *b, char **err);
/* Writes the state; bounced = 1 also counts a bounce (count, last, reason). */
int store_bounce_put(struct store *st, const char *address, const struct store_bounce *b,
		     int bounced, const char *reason, char **err);
/* The forum's own body of the post behind an article (for the HTML part
 * of list mail): its markup (enum forum_markup), body and URL (may be
 * NULL); 1/0/-1. */
int store_post_body(struct store *st, const char *message_id, int *markup, char **body, char **url,
		    char **err);
/* Digests: the active digest subscriptions due at now (array of n, free
 * each with store_sub_clear, then the array). */
int store_digest_due(struct store *st, int64_t now, struct store_sub **out, size_t *n, char **err);
/* Sets when the next digest of a subscription is due; digest_last rises
 * to at least last (a first schedule starts after the current articles). */
int store_digest_next(struct store *st, const char *group, const char *address, int64_t next,
		      int64_t last, char **err);
/* Queues issue `issue` of a digest (articles in (from, upto]) in the
 * delivery queue and records it as the subscription's last. */
int store_digest_queue(struct store *st, const char *group, const char *address, const char *format,
		       int64_t from, int64_t upto, int issue, int64_t now, char **err);
/* The newest listed article id of a group (0 when none). */
int store_group_last_article(struct store *st, const char *group, int64_t *id, char **err);
/* cb(arg, wire, len) for each listed article of group with id in (after,
 * upto], in number order; the wire is valid during cb. */
typedef int (*store_wire_cb)(void *arg, const char *wire, size_t len);
int store_group_articles(struct store *st, const char *group, int64_t after, int64_t upto,
			 store_wire_cb cb, void *arg, char **err);
/* At start: every `sending` row back to queued; *n how many. */
int store_list_requeue(struct store *st, int64_t *n, char **err);

/* A post by its row id (reply keys carry it); 1/0/-1, strings malloc'd. */
int store_post_by_rowid(struct store *st, int64_t rowid, char **forum, char **thread_key,
			char **post_key, char **message_id, char **err);
/* The board (forum id) of the threads a forum filed in `group`, the most
 * recent one: where a new thread posted to a group the connector named
 * itself goes (*board malloc'd); 1, 0 when none, -1. */
int store_group_board(struct store *st, const char *forum, const char *group, char **board,
		      char **err);
/* Title and board of a thread; 1/0/-1, strings malloc'd. */
int store_thread_info(struct store *st, const char *forum, const char *thread_key, char **title,
		      char **board, char **err);
/* The group a post's article is filed in; 1/0/-1. */
int store_post_group(struct store *st, const char *forum, const char *post_key, int64_t *group_id,
		     char **err);
/* The row id of a post; 1/0/-1. */
int store_post_rowid(struct store *st, const char *forum, const char *post_key, int64_t *rowid,
		     char **err);

/* The forum post behind an article's Message-ID; 1/0/-1. */
int store_post_by_msgid(struct store *st, const char *message_id, char **forum, char **thread_key,
			char **post_key, char **err);
/* Where a reply to message_id goes: the forum post behind that article, or,
 * for a reply still in the outbox (not yet brought back by sync), its
 * thread and the post it is being posted as (else the post it answers).
 * *post_key may be NULL (the thread itself); 1/0/-1. */
int store_reply_route(struct store *st, const char *message_id, char **forum, char **thread_key,
		      char **post_key, char **err);

/* --- runtime state (forumgate status, GET /metrics) ---
 *
 * The roles do not talk to each other, nor to `forumgate status`: each
 * process records itself here (one row per host and role, the last process
 * to run it), beats its heartbeat every few seconds and flushes its
 * counters (metrics.h); sync records the outcome of every pass. Call each
 * outside a transaction (it is its own) or inside one. */
struct store_role_row {
	const char *host, *role, *state; /* state: "running", "stopped" */
	int64_t pid, started, restarts, heartbeat;
};
/* The process pid now runs role on host (started at now; restarts: how
 * often its supervisor restarted the role since serve started). */
int store_role_started(struct store *st, const char *host, const char *role, int64_t pid,
		       int64_t now, int64_t restarts, char **err);
/* 1 beaten, 0 the row belongs to another process now (or is gone), -1. */
int store_role_heartbeat(struct store *st, const char *host, const char *role, int64_t pid,
			 int64_t now, char **err);
/* Marks the rows of host stopped: role NULL = every role, pid 0 = any. */
int store_role_stopped(struct store *st, const char *host, const char *role, int64_t pid,
		       int64_t now, char **err);
/* cb per row, the supervisor ("serve") first, then by role; the row's
 * strings are valid during cb. cb returning non-zero stops. */
typedef int (*store_role_cb)(void *arg, const struct store_role_row *r);
int store_role_list(struct store *st, store_role_cb cb, void *arg, char **err);

/* One sample of a process's metric: name, labels as rendered for the
 * exposition ('command="GROUP"', "" for none), the bucket index of a
 * histogram's _bucket row (-1 otherwise). */
struct store_metric_row {
	const char *name, *labels;
	int bucket;
	double value;
	/* store_metric_put: 0, value replaces the stored one (a gauge); 1, it
	 * is added to it (a counter's or a histogram row's increase since the
	 * process last flushed), so that the row keeps counting up across the
	 * role's restarts, whose new process starts from zero */
	int add;
};
/* Records the sample of the process pid running role on host (one row per
 * host, role, name, labels, bucket), replacing or adding to it (m->add). */
int store_metric_put(struct store *st, const char *host, const char *role, int64_t pid, int64_t now,
		     const struct store_metric_row *m, char **err);
/* Removes the samples named name of role on host (a gauge of a process
 * that ended or was replaced). */
int store_metric_drop(struct store *st, const char *host, const char *role, const char *name,
		      char **err);
/* cb per sample summed over all processes, by name, labels, bucket. */
typedef int (*store_metric_cb)(void *arg, const struct store_metric_row *m);
int store_metric_list(struct store *st, store_metric_cb cb, void *arg, char **err);

/* A sync pass over forum ended at now: error NULL when it succeeded; posts
 * it stored (new or edited), how long it took. */
int store_sync_record(struct store *st, const char *forum, int64_t now, const char *error,
		      int64_t posts, double seconds, char **err);
struct store_sync_row {
	const char *forum;
	int64_t last_attempt, last_success; /* 0: never */
	const char *last_error;             /* of the last failed pass; NULL: none */
	int64_t last_error_at;
	int64_t passes, failures, posts;
	double duration; /* of the last pass, seconds */
};
typedef int (*store_sync_cb)(void *arg, const struct store_sync_row *r);
int store_sync_list(struct store *st, store_sync_cb cb, void *arg, char **err);

/* The sizes of the outbox and the list delivery queue by state, and when
 * the oldest queued item of each arrived (0 when none). */
struct store_queue_stats {
	int64_t outbox_queued, outbox_failed, outbox_held, outbox_oldest;
	int64_t list_queued, list_sending, list_failed, list_oldest;
};
int store_queue_stats(struct store *st, struct store_queue_stats *q, char **err);

#endif
