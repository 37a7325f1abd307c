/*
 * board: what the live board connector (board.c) and `forumgate import` ask
 * of each engine's page parser (vbulletin.c, phpbb.c, xenforo.c, mybb.c),
 * and the page helpers they share (board_page.c). Private to gateway/forum/.
 *
 * Boards without an API are read the way a person reads them: the forum
 * index lists forums, a forum's pages list its threads (sticky first, then
 * by last post), a thread's pages hold its posts. Each engine has one
 * struct board_engine; the connector drives them all the same way.
 *
 * Parsers lean on the engines' stable markers (post ids, known classes and
 * ids), never on positions, and fail loudly: a page that lacks what its
 * engine always prints (a thread page without a post container, a forum
 * page without a thread list) is an error naming the page and what was not
 * found, never an empty or furniture-filled result. An empty forum (the
 * engine's "no threads" notice) is not an error.
 *
 * Dates: a page prints wall-clock time in the board's zone and language;
 * parsers read them with board_page_date() (board_date.c), which knows the
 * zone and "now" from the page's context. Machine-readable times (XenForo's
 * data-time, <time datetime>) are preferred where the page has them.
 */
#ifndef FORUMGATE_FORUM_BOARD_H
#define FORUMGATE_FORUM_BOARD_H

#include <stddef.h>
#include <stdint.h>

#include "forumgate/forum.h"
#include "forumgate/html.h"

struct board_date_ctx;

/* A fetched (or saved) page, parsed. */
struct board_page {
	struct html_doc doc; /* search from &doc.root (see html.h) */
	const char *html;    /* the raw bytes (borrowed), NUL-terminated */
	size_t len;
	char *url;  /* absolute URL the page came from (base for links); may be NULL */
	char *name; /* for messages: the URL or the saved file's path */
	/* how to read the page's dates (borrowed; NULL = UTC, now = time()) */
	const struct board_date_ctx *dates;
};

/* Parses html[0..len) (NUL-terminated, borrowed: must outlive the page).
 * url: where it came from, used to resolve relative links; a <base href>
 * in the page wins, as in a browser. Never fails. */
void board_page_open(struct board_page *pg, const char *html, size_t len, const char *url,
		     const char *name, const struct board_date_ctx *dates);
void board_page_close(struct board_page *pg);

/* href resolved against the page's URL (malloc'd), or NULL when it is not
 * an http(s) URL once resolved (javascript:, mailto:, garbage). */
char *board_page_url(const struct board_page *pg, const char *href);

/* The value of query parameter `key` in url (decoded, malloc'd) or NULL:
 * board_query("showthread.php?t=12&page=2", "t") is "12". */
char *board_query(const char *url, const char *key);

/* A date as the page prints it, read with the page's context; 0 when s is
 * not a date (board_date_parse). */
int64_t board_page_date(const struct board_page *pg, const char *s);

/* The <meta name="generator"> content, or NULL (borrowed). */
const char *board_page_generator(const struct board_page *pg);

/* ---- what parsers return ---- */

/* A forum (sub-board) listed on the index or on a forum page. */
struct board_forum {
	char *id; /* the engine's forum id ("12") */
	char *title;
	char *url;       /* absolute */
	char *parent_id; /* forum or category it is listed under; NULL = top */
	int category;    /* a heading that holds forums but no threads */
	int link;        /* a redirect/link forum: points elsewhere, no threads */
};

/* A thread as a forum's thread list shows it. */
struct board_topic {
	char *id;
	char *title;
	char *url;          /* absolute URL of its first page */
	int sticky;         /* sticky/announcement: listed first on every page */
	long replies;       /* -1 = not shown */
	int64_t last_post;  /* epoch seconds; 0 = not shown */
	char *last_post_id; /* when the list links the last post; else NULL */
	int pages;          /* pages of posts when the list shows them; 0 = unknown */
	int moved;          /* a "Moved:" redirect stub (skip it; the thread is elsewhere) */
};

struct board_listing {
	struct board_forum *forums;
	size_t nforums;
	struct board_topic *topics;
	size_t ntopics;
	int page, pages; /* this list's page n of m; 0 = unknown */
	char *next_url;  /* absolute URL of the next page; NULL on the last */
	char *forum_id;  /* the forum the page lists (thread lists); may be NULL */
	char *title;     /* its title; may be NULL */
};

struct board_forum *board_listing_add_forum(struct board_listing *l);
struct board_topic *board_listing_add_topic(struct board_listing *l);
/* Adds a forum unless one with its id is listed already (an index lists a
 * forum both in its category and as a sub-forum link); takes ownership of
 * the strings, freeing them for a duplicate. title NULL = "". 1 added, 0
 * a duplicate. */
int board_listing_put_forum(struct board_listing *l, char *id, char *title, char *url,
			    char *parent_id, int category, int link);
void board_listing_clear(struct board_listing *l);

/* What a page is, as far as its engine can tell. */
enum board_page_kind {
	BOARD_PAGE_OTHER = 0,
	BOARD_PAGE_INDEX,
	BOARD_PAGE_FORUM,
	BOARD_PAGE_THREAD,
	BOARD_PAGE_LOGIN, /* a login form where content was asked for (a guest, an expired session) */
	BOARD_PAGE_NO_PERMISSION, /* "You do not have permission" */
	BOARD_PAGE_MESSAGE, /* the board's error/notice page (flood control, closed thread, ...) */
	BOARD_PAGE_CAPTCHA, /* a form that wants a CAPTCHA solved */
};

/* A form as a browser would submit it: the successful controls in
 * document order (inputs with a name, checked checkboxes and radios, the
 * selected option of a select, textareas; submit buttons left out). */
struct board_form {
	char *action; /* absolute URL */
	char *method; /* lower case: "post" or "get" */
	char **names, **values;
	size_t n;
};

/* Reads the form element `form` (or, when form is not a <form>, the first
 * form inside it) into *out; -1 when there is none. */
int board_form_read(const struct board_page *pg, const struct html_node *form,
		    struct board_form *out);
/* The first form whose id, name or action contains `key`; -1 if none. */
int board_form_find(const struct board_page *pg, const char *key, struct board_form *out);
const char *board_form_get(const struct board_form *f, const char *name);
void board_form_set(struct board_form *f, const char *name, const char *value);
void board_form_del(struct board_form *f, const char *name);
/* application/x-www-form-urlencoded body (malloc'd) */
char *board_form_encode(const struct board_form *f);
void board_form_clear(struct board_form *f);

/* ---- one engine ---- */

struct board_engine {
	const char *name; /* "vbulletin", "phpbb", "xenforo", "mybb" */
	/* How sure the page is of this engine: 0 (not) .. 100 (its generator
	 * meta says so). */
	int (*detect)(const struct board_page *pg);
	enum board_page_kind (*kind)(const struct board_page *pg);

	/* URLs from the board's base URL (absolute, ends with '/'); pages
	 * count from 1. malloc'd. */
	char *(*index_url)(const char *base);
	char *(*forum_url)(const char *base, const char *forum_id, int page);
	char *(*thread_url)(const char *base, const char *thread_id, int page);

	/* 0, or -1 and *err naming pg->name and what was not found */
	int (*parse_index)(const struct board_page *pg, struct board_listing *out, char **err);
	int (*parse_forum)(const struct board_page *pg, struct board_listing *out, char **err);
	/* A thread page → one page of the thread (page/pages/total_posts
	 * set from its pagination). Bodies and signatures MARKUP_HTML, in the
	 * markup text_html reads (quotes carrying their source post id). */
	int (*parse_thread)(const struct board_page *pg, struct forum_thread **out, char **err);

	/* Optional change feed (vBulletin external.php RSS, phpBB Atom):
	 * URL of the feed of forum_id (NULL = the whole board), and a parser
	 * that lists its threads with last_post / last_post_id. NULL when the
	 * engine has none. */
	char *(*feed_url)(const char *base, const char *forum_id);
	int (*parse_feed)(const char *xml, size_t len, const char *url, struct board_listing *out,
			  char **err);

	/* Login: the page holding the login form, the form filled in from
	 * that page, and after the POST whether it worked: 1 logged in;
	 * 0 with *err the reason the board gave (wrong password, CAPTCHA
	 * wanted, account locked). */
	char *(*login_url)(const char *base);
	int (*login_form)(const struct board_page *pg, const char *user, const char *password,
			  struct board_form *out, char **err);
	int (*login_result)(const struct board_page *pg, char **err);
	/* Whether a page shows a logged-in member (a logout link): an expired
	 * session shows up as 0 on a page that had 1. */
	int (*logged_in)(const struct board_page *pg);

	/* Write (NULL where the engine's writing is not built): the page with
	 * the reply form for a thread (post_id: the post answered, may be
	 * NULL) or the new-thread form of a forum, the form filled with
	 * subject and body (BBCode/plain text), and the result of the POST:
	 * 1 and the new post's id (malloc'd, NULL when the page does not
	 * say) when accepted; 0 and the board's own refusal in *err ("You
	 * cannot make another post so soon"); the response's Location (a
	 * redirect to the new post) is passed when there was one. */
	char *(*reply_url)(const char *base, const char *thread_id, const char *post_id);
	char *(*new_thread_url)(const char *base, const char *forum_id);
	int (*post_form)(const struct board_page *pg, const char *subject, const char *body,
			 struct board_form *out, char **err);
	int (*post_result)(const struct board_page *pg, const char *location, char **post_id,
			   char **err);

	/* The text of the board's message/error box on pg (malloc'd), or NULL. */
	char *(*message)(const struct board_page *pg);

	/* Added for phpBB (NULL/0 in engines that do not need them): */

	/* Seconds the reply/new-thread form must have been held, counted from
	 * when its page was fetched, before post_form's result is submitted:
	 * phpBB refuses a form sent too soon after its creation_time ("The
	 * submitted form was invalid"), as a bot-trap. 0 = no wait. */
	int min_form_seconds;

	/* The URL of page `page` (from 1) of the thread or forum list that pg
	 * shows, built from pg's own pagination links: phpBB pages by item
	 * offset (start=) with a per-board page size, so thread_url and
	 * forum_url, which only know the default size, are right on boards
	 * that keep it and this is right on all. malloc'd; NULL when pg has
	 * no pagination to go by. NULL in engines whose URLs count pages. */
	char *(*page_url)(const struct board_page *pg, int page);
};

/* The engine named `name`, or NULL. */
const struct board_engine *board_engine(const char *name);
/* The engine a page most likely comes from (highest detect()), or NULL
 * when none scores above 0. */
const struct board_engine *board_detect(const struct board_page *pg);

extern const struct board_engine board_vbulletin, board_phpbb, board_xenforo, board_mybb;

/* ---- added for saved pages (vBulletin helper, issue #13) ---- */

/* Appends html[0..len) to out as UTF-8: the charset of content_type (an
 * HTTP Content-Type, may be NULL), else the one the page declares in a
 * <meta> within its first 4 KiB; pages in UTF-8 or that declare nothing
 * are copied as they are. html_parse reads UTF-8 only: a saved
 * ISO-8859-1 page (vBulletin 3 boards) is converted before parsing.
 * (Added by the vBulletin helper for saved pages; spool.c calls it.) */
void board_page_utf8(const char *html, size_t len, const char *content_type, struct buf *out);

#endif
