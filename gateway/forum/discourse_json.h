/*
 * discourse_json: Discourse JSON API responses and webhook deliveries →
 * plain structs and forum_post, for the discourse connector only (private to
 * gateway/forum/; nothing outside includes it). Pure functions: no I/O, no
 * HTTP, no store; the connector fetches, these read.
 *
 * Every parser takes a whole response body (not NUL-terminated necessarily),
 * returns 0 and fills *out, or -1 with a message naming the JSON path in *err
 * ("posts[3].id: missing") and leaves *out zeroed: nothing half-built.
 * Duplicate keys and syntax errors reject the body. Unknown members are
 * ignored. Strings are malloc'd, owned by the struct; each struct has its
 * _free(), which also accepts a zeroed struct. Times are seconds since the
 * epoch, UTC (0 = absent or null).
 */
#ifndef FORUMGATE_DISCOURSE_JSON_H
#define FORUMGATE_DISCOURSE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "forumgate/forum.h"

/* A post_type Discourse uses; only REGULAR and MODERATOR are gatewayed. */
enum dj_post_type {
	DJ_POST_REGULAR = 1,
	DJ_POST_MODERATOR = 2,    /* moderator_action: a staff notice with text */
	DJ_POST_SMALL_ACTION = 3, /* "closed this topic" and the like: no text */
	DJ_POST_WHISPER = 4,      /* staff-only: never gatewayed */
};

struct dj_category {
	int64_t id;
	int64_t parent_id; /* parent_category_id; 0 = top level */
	char *slug;        /* may be "" (Discourse leaves non-ASCII names unslugged) */
	char *name;
	int read_restricted; /* 1 = members-only on the forum */
	int permission;      /* the API user's permission (1 full, 2 create/reply,
			      * 3 see); -1 = null/absent (anonymous) */
};

struct dj_categories {
	struct dj_category *v;
	size_t n;
};

/* /categories.json, top level and subcategories (nested "subcategory_list"
 * as include_subcategories=true returns them; "subcategory_ids" alone give
 * children whose entries come from /site.json), or /site.json ("categories",
 * flat, with parent_category_id). Categories are listed parents first; a
 * child's parent_id is its parent's id. */
int dj_parse_categories(const char *buf, size_t len, struct dj_categories *out, char **err);
void dj_categories_free(struct dj_categories *c);
const struct dj_category *dj_category_find(const struct dj_categories *c, int64_t id);

/* The newsgroup of category c: "<prefix>.<parent-slug>.<slug>" or
 * "<prefix>.<slug>", each component through article_group_slug() (the
 * project's one slug rule) applied to the category's slug, else its name,
 * else "c<id>"; a component that is all digits gets a "c" in front
 * (RFC 5536 §3.1.4: SHOULD NOT be all digits). The slug, not the name, makes
 * the group, so a renamed category keeps its group as long as its slug stays.
 * Returns a malloc'd name, or NULL with *err when the prefix is not a valid
 * RFC 5536 newsgroup name or the parent chain is broken. */
char *dj_group_name(const char *prefix, const struct dj_categories *cats,
		    const struct dj_category *c, char **err);

/* The same from a template (discourse: group_template; NULL = the default):
 * {prefix} the group prefix, {category} "<parent>.<slug>" or "<slug>",
 * {slug} the category's own component, {parent} its parent's (its own at
 * top level), {id} "c<id>"; other text is copied. The result must be an
 * RFC 5536 newsgroup name, else NULL with *err. */
#define DJ_GROUP_TEMPLATE "{prefix}.{category}"
char *dj_group_name_tpl(const char *tpl, const char *prefix, const struct dj_categories *cats,
			const struct dj_category *c, char **err);

struct dj_topic {
	int64_t id;
	int64_t category_id; /* 0 = none (private messages) */
	char *slug;
	char *title;
	int posts_count;
	int highest_post_number;
	int64_t created_at, bumped_at, last_posted_at;
	int visible; /* 0 = unlisted: never gatewayed */
	int closed, archived;
	int private_message; /* archetype "private_message": never gatewayed */
	int deleted;         /* deleted_at set */
};
void dj_topic_clear(struct dj_topic *t);
/* 1 when the topic may be gatewayed: a regular, listed, undeleted topic. */
int dj_topic_gatewayed(const struct dj_topic *t);

struct dj_topic_list {
	struct dj_topic *v;
	size_t n;
	char *more_topics_url; /* topic_list.more_topics_url as sent ("/c/x/5/l/latest?page=1");
				* NULL on the last page */
};
/* A topic list page: /c/{slug}/{id}.json, /latest.json, /new.json … */
int dj_parse_topic_list(const char *buf, size_t len, struct dj_topic_list *out, char **err);
void dj_topic_list_free(struct dj_topic_list *l);

struct dj_post {
	int64_t id;
	int64_t topic_id;
	int post_number;
	int post_type;            /* enum dj_post_type; 1 when absent */
	int version;              /* 1 = never edited */
	int reply_to_post_number; /* 0 = none */
	int64_t user_id;          /* 0 = unknown */
	int64_t category_id;      /* sent in /posts.json and webhooks; 0 = not sent */
	int private_message;      /* topic_archetype "private_message" (webhooks) */
	char *username;
	char *name;     /* display name; NULL when not set */
	char *cooked;   /* "" when absent (webhook bodies may strip it) */
	char *post_url; /* "/t/slug/57/3"; may be NULL */
	int64_t created_at, updated_at;
	int deleted;      /* deleted_at set */
	int hidden;       /* hidden by flags */
	int user_deleted; /* deleted by its author */
};
void dj_post_clear(struct dj_post *p);
/* 1 when the post may be gatewayed (regular or moderator post); whispers,
 * small actions and posts of private messages never are. Deleted/hidden posts are gatewayed as deleted. */
int dj_post_gatewayed(const struct dj_post *p);

struct dj_posts {
	struct dj_post *v;
	size_t n;
};
void dj_posts_free(struct dj_posts *ps);

/* /t/{id}.json: the topic, the first chunk of posts (post_stream.posts, 20)
 * and every post id in order (post_stream.stream); the caller fetches the
 * ids not in `posts` through /t/{id}/posts.json?post_ids[]=… and reads that
 * with dj_parse_posts(). */
struct dj_topic_page {
	struct dj_topic topic;
	struct dj_posts posts;
	int64_t *stream;
	size_t nstream;
};
int dj_parse_topic(const char *buf, size_t len, struct dj_topic_page *out, char **err);
void dj_topic_page_free(struct dj_topic_page *tp);

/* A list of posts: /t/{id}/posts.json (post_stream.posts), /posts.json
 * (latest_posts, newest first; the next page is ?before=<lowest id - 1>),
 * or one post (/posts/{id}.json, an object with "id" and "post_number").
 * Posts are returned in the order sent. */
int dj_parse_posts(const char *buf, size_t len, struct dj_posts *out, char **err);

/* The post number this post answers: reply_to_post_number, else the first
 * `aside.quote` in cooked whose data-topic is this topic (or absent) and
 * whose data-post is another post of it (any topic's quote counts when
 * p->topic_id is 0, unknown), else 0 (the topic's root). #1 has none. */
int dj_post_parent_number(const struct dj_post *p);

/* Fills `out` (zeroed by the caller; forum_post_clear() frees it) from p:
 * id, position (post_number), author ("Name (username)", or the username
 * when no display name differs), author_id (user_id), date (created_at),
 * body = cooked as MARKUP_HTML, url (base_url + post_url; base_url may be
 * NULL), deleted (deleted, hidden or user_deleted). Parent: the post number
 * from dj_post_parent_number() resolved to an id through `known` (posts of
 * the same topic, e.g. the whole stream fetched so far); a number not in
 * `known` leaves parent_id NULL and is returned in *unresolved (0 when
 * resolved or none) so the caller can fetch /t/{topic}/{number}.json or
 * fall back to the root. The root post (#1) never has a parent.
 * Edits: forum_post has no version; sync sees an edit as a changed body
 * (content hash) and writes the Supersedes article, so p->version is for
 * the caller's change feed only. Returns 0, or -1 (*err) for a post that
 * must not be gatewayed (dj_post_gatewayed() false). */
int dj_post_to_forum(const struct dj_post *p, const struct dj_posts *known, const char *base_url,
		     struct forum_post *out, int *unresolved, char **err);

/* ISO 8601 as Discourse sends it ("2025-12-12T21:24:58.916Z", offsets
 * "+02:00" too) → *out. Returns 0, or -1 on anything else. */
int dj_parse_time(const char *s, int64_t *out);

/* A webhook delivery. Headers as received (NULL = absent). */
struct dj_webhook_headers {
	const char *event;      /* X-Discourse-Event: "post_created" … */
	const char *event_type; /* X-Discourse-Event-Type: "post", "topic", "ping" … */
	const char *event_id;   /* X-Discourse-Event-Id: decimal */
	const char *signature;  /* X-Discourse-Event-Signature: "sha256=<64 hex>" */
	const char *instance;   /* X-Discourse-Instance: "https://forum.example" */
};

enum dj_webhook_kind {
	DJ_WEBHOOK_OTHER = 0, /* a type we do not act on (like, user, ping …) */
	DJ_WEBHOOK_POST,      /* body {"post": {…}} */
	DJ_WEBHOOK_TOPIC,     /* body {"topic": {…}} */
};

struct dj_webhook {
	enum dj_webhook_kind kind;
	char *event;           /* never NULL after parsing */
	char *event_type;      /* never NULL after parsing */
	int64_t event_id;      /* 0 = absent */
	char *instance;        /* NULL = absent */
	struct dj_post post;   /* DJ_WEBHOOK_POST */
	struct dj_topic topic; /* DJ_WEBHOOK_TOPIC */
};

/* Verifies X-Discourse-Event-Signature: "sha256=" + hex HMAC-SHA256 of the
 * raw body keyed with the secret; compared in constant time (CRYPTO_memcmp).
 * Returns 0 when it matches, -1 (*err) when absent, malformed or wrong. */
int dj_webhook_verify(const char *secret, size_t secret_len, const char *signature,
		      const char *body, size_t len, char **err);

/* Parses a delivery (call dj_webhook_verify() first: this trusts nothing
 * but checks nothing cryptographic). X-Discourse-Event and -Event-Type are
 * required; the body must be a JSON object; for type "post"/"topic" its
 * "post"/"topic" member is read with the same rules as the API parsers.
 * Returns 0, or -1 (*err) with *out zeroed. */
int dj_webhook_parse(const struct dj_webhook_headers *h, const char *body, size_t len,
		     struct dj_webhook *out, char **err);
void dj_webhook_free(struct dj_webhook *w);

#endif
