/*
 * forum: the data model every connector produces and sync consumes. A thread
 * is a title, a board and an ordered list of posts, as the forum shows it;
 * nothing here knows about articles, newsgroups or the store.
 *
 * All strings are UTF-8, malloc'd and owned by the struct that holds them;
 * forum_thread_free() frees a thread with its posts.
 */
#ifndef FORUMGATE_FORUM_H
#define FORUMGATE_FORUM_H

#include <stddef.h>
#include <stdint.h>

/* The markup a post body (and signature) is written in. */
enum forum_markup {
	MARKUP_TEXT = 0, /* plain text, paragraphs separated by blank lines */
	MARKUP_HTML,
	MARKUP_BBCODE,
	MARKUP_MARKDOWN,
};

struct forum_post {
	char *id;        /* forum post id, unique within the forum; required */
	int position;    /* 1-based place in the thread ("#3"), 0 = unknown */
	char *author;    /* display name; NULL = unknown (never guessed) */
	char *author_id; /* forum user id; NULL for guests and unknown */
	int guest;       /* 1 = posted by a guest (unregistered) */
	int64_t date;    /* seconds since the epoch, UTC; 0 = unknown */
	char *title;     /* post title (metadata, not body); may be NULL */
	enum forum_markup markup;
	char *body;      /* in `markup`; never NULL after parsing ("" if empty) */
	char *signature; /* in `markup`; NULL = none */
	char *parent_id; /* post this one explicitly answers; NULL = none */
	char *url;       /* permalink of the post; NULL = unknown */
	int deleted;     /* 1 = the forum reports the post as deleted */
};

/* Posting permission as the forum page shows it. */
enum forum_posting {
	FORUM_POSTING_UNKNOWN = 0,
	FORUM_POSTING_YES,
	FORUM_POSTING_NO, /* "You may not post replies" */
	FORUM_POSTING_MODERATED,
};

struct forum_thread {
	char *forum; /* forum name from the export, may be NULL */
	char *board; /* board (sub-forum) name or id; NULL = unknown */
	char *id;    /* thread id, unique within the forum; required */
	char *title; /* thread title; required */
	char *url;   /* thread URL; may be NULL */
	enum forum_posting posting;
	int page, pages; /* page n of m when the source is paginated; 0 = unknown */
	int total_posts; /* "Results 1 to 10 of 25" → 25; 0 = unknown */
	struct forum_post *posts;
	size_t nposts;
	/* what the parser could not read in an otherwise good file and worked
	 * around (a post's unparseable date: the post is kept with its date
	 * unknown), one message a line, each naming the file; NULL when none.
	 * malloc'd; the spool connector logs them. */
	char *warnings;
	/* What the connector proposes for an unmapped board (a board with a
	 * `boards:` entry takes the config's group and access instead):
	 * board_key, a key that survives renames and slug changes (Discourse:
	 * "category:<id>"), under which the store keeps the board's group
	 * (NULL = board); group, the group's name (NULL = the config's slug
	 * rule); members_only, reading needs a login (a category that is
	 * read-restricted on the forum). All malloc'd, may be NULL. */
	char *board_key;
	char *group;
	int members_only;
	/* 1: these are all the posts the thread has now (the connector read
	 * it whole): sync withdraws its stored posts that are not among them,
	 * deleted on the forum since. 0: some pages of it (new posts). */
	int complete;
};

/* Appends a zeroed post to t and returns it. */
struct forum_post *forum_thread_add_post(struct forum_thread *t);
void forum_post_clear(struct forum_post *p);
void forum_thread_free(struct forum_thread *t);

/* Merges the posts of `from` (another page of the same thread) into `into`,
 * skipping post ids already present, and keeps posts ordered by position
 * (then date). Fills metadata `into` lacks. `from` is emptied, not freed. */
void forum_thread_merge(struct forum_thread *into, struct forum_thread *from);

/* Parses a forum date as vBulletin prints it ("08-26-2008, 08:15 AM",
 * "26.08.2008, 20:15", "2008-08-26 20:15", ISO 8601, epoch seconds) in the
 * given zone (IANA name like "Europe/Berlin", or NULL/"UTC").
 * "Today"/"Yesterday" are resolved against `now`. Returns 0 and *out, or -1. */
int forum_parse_date(const char *s, const char *tz, int64_t now, int64_t *out);

#endif
