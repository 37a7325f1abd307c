/*
 * spool_json: the forumgate JSON thread export, the spool format meant to be
 * written by scripts and other tools. One file holds one thread (or one page
 * of it; the spool connector merges files with the same forum and thread id).
 *
 * Format "forumgate-thread/1":
 *
 *   {
 *     "format": "forumgate-thread/1",          required, exactly this
 *     "forum": "demo",                         optional string
 *     "board": "General Discussion",           optional string or integer
 *     "timezone": "Europe/Berlin",             optional IANA zone for dates
 *                                              without a UTC offset (default UTC)
 *     "thread": {
 *       "id": "12",                            required, string or integer
 *       "title": "…",                          required, non-empty string
 *       "url": "https://…",                    optional
 *       "posting": "yes" | "no" | "moderated", optional (absent = unknown)
 *       "page": 1, "pages": 2,                 optional integers (paginated export)
 *       "total_posts": 3                       optional integer
 *     },
 *     "posts": [                               required, at least one post,
 *       {                                      in thread order
 *         "id": "100",                         required, string or integer,
 *                                              unique within the forum
 *         "position": 1,                       optional 1-based "#n" (0/absent = unknown)
 *         "author": "Anna",                    optional string (null/absent = unknown)
 *         "author_id": "7",                    optional string or integer
 *         "guest": false,                      optional boolean
 *         "date": "2024-03-01T10:00:00+01:00", optional: ISO 8601, epoch seconds
 *                                              (integer), or a forum date string
 *                                              ("03-01-2024, 10:00 AM"); a date
 *                                              without offset is read in "timezone";
 *                                              null/absent = unknown; one that
 *                                              cannot be read is unknown too,
 *                                              with a warning (the post is kept)
 *         "title": "…",                        optional post title (metadata)
 *         "format": "html" | "bbcode" | "markdown" | "text",
 *                                              markup of body and signature
 *                                              (default "text")
 *         "body": "…",                         optional string (default "")
 *         "signature": "…",                    optional string
 *         "parent": "99",                      optional id of the post this one
 *                                              explicitly answers
 *         "url": "https://…",                  optional permalink
 *         "deleted": false                     optional boolean
 *       }
 *     ]
 *   }
 *
 * Integer ids are normalised to decimal strings. Any optional member may be
 * null. Unknown members are ignored (room for later versions); a wrong type,
 * a missing required member, a duplicate key or a syntax error rejects the
 * whole file, with a message naming the file and the JSON path
 * ("t1.json: posts[2].id: missing") or the line:column of a syntax error.
 *
 * The file is read with json_reader (a pull reader, no tree): members this
 * format knows are captured as they stream by (strings are taken over, not
 * copied), everything else is skipped. Checking starts only once the whole
 * file has been read, in a fixed order, for two reasons: a syntax error
 * anywhere must win over a content error, as with the tree parser before,
 * and "timezone" may come after "posts", so dates are converted last.
 */
#include "forumgate/forum.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "forumgate/buf.h"
#include "json_reader.h"
#include "spool_internal.h"

#define FORMAT_NAME "forumgate-thread/1"

/* A captured member value; type JR_END means the member was absent. */
struct jv {
	enum jr_token type;
	char *s;   /* JR_STRING: owned until taken; never a NUL inside */
	int64_t i; /* JR_INTEGER */
};

/* The members each object of the format knows, in capture-array order. */
enum { T_FORMAT, T_FORUM, T_BOARD, T_TIMEZONE, T_THREAD, T_POSTS, T_NKEYS };
static const char *const top_keys[T_NKEYS] = {
	"format", "forum", "board", "timezone", "thread", "posts",
};

enum { H_ID, H_TITLE, H_URL, H_PAGE, H_PAGES, H_TOTAL_POSTS, H_POSTING, H_NKEYS };
static const char *const thread_keys[H_NKEYS] = {
	"id", "title", "url", "page", "pages", "total_posts", "posting",
};

enum {
	P_ID,
	P_POSITION,
	P_AUTHOR,
	P_AUTHOR_ID,
	P_GUEST,
	P_DATE,
	P_TITLE,
	P_FORMAT,
	P_BODY,
	P_SIGNATURE,
	P_PARENT,
	P_URL,
	P_DELETED,
	P_NKEYS
};
static const char *const post_keys[P_NKEYS] = {
	"id",     "position", "author",    "author_id", "guest", "date",    "title",
	"format", "body",     "signature", "parent",    "url",   "deleted",
};

/* One element of "posts": its type, and its members if it is an object. */
struct jpost {
	enum jr_token type;
	struct jv f[P_NKEYS];
};

/* Everything captured from one file. top[T_THREAD] and top[T_POSTS] only
 * record the type; their contents are in thread[] and posts. */
struct capture {
	struct jv top[T_NKEYS];
	struct jv thread[H_NKEYS];
	struct buf posts; /* struct jpost per element */
	size_t nposts;
};

/* Error context: the file name and the zone for dates without offset;
 * warn collects what is worked around (forum_thread.warnings). */
struct jctx {
	const char *name;
	const char *tz;
	char **err;
	struct buf warn;
};

/* ---- reading ---- */

static int find_key(const char *const *names, int n, const struct buf *k)
{
	const char *s = buf_str(k);
	int i;

	/* the first-byte test spares most strcmp calls; runs once per member */
	for (i = 0; i < n; i++)
		if (names[i][0] == s[0] && strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

/* Captures the value that starts with tok; containers are skipped, only
 * their type is kept. */
static int read_value(struct jr *r, enum jr_token tok, struct jv *v, char **err)
{
	size_t len;

	v->type = tok;
	if (tok == JR_STRING)
		v->s = jr_take(r, &len);
	else if (tok == JR_INTEGER)
		v->i = r->integer;
	else if (tok == JR_OBJECT || tok == JR_ARRAY)
		return jr_skip(r, err);
	return 0;
}

static int read_posts(struct jr *r, struct capture *cap, char **err);

/* The members of an object whose JR_OBJECT was just read: known names into
 * vals[], the rest skipped. With `top` (the top-level object), "thread" and
 * "posts" are read into it as well. */
static int read_members(struct jr *r, const char *const *names, int n, struct jv *vals,
			struct capture *top, char **err)
{
	enum jr_token tok;
	int k;

	for (;;) {
		if (jr_next(r, &tok, err) < 0)
			return -1;
		if (tok == JR_OBJECT_END)
			return 0;
		k = find_key(names, n, &r->str);
		if (jr_next(r, &tok, err) < 0)
			return -1;
		if (top != NULL && k == T_THREAD && tok == JR_OBJECT) {
			vals[k].type = tok;
			if (read_members(r, thread_keys, H_NKEYS, top->thread, NULL, err) < 0)
				return -1;
		} else if (top != NULL && k == T_POSTS && tok == JR_ARRAY) {
			vals[k].type = tok;
			if (read_posts(r, top, err) < 0)
				return -1;
		} else if (k >= 0) {
			if (read_value(r, tok, &vals[k], err) < 0)
				return -1;
		} else if (tok == JR_OBJECT || tok == JR_ARRAY) {
			if (jr_skip(r, err) < 0)
				return -1;
		}
	}
}

/* The elements of "posts", whose JR_ARRAY was just read. */
static int read_posts(struct jr *r, struct capture *cap, char **err)
{
	static const struct jpost empty;
	enum jr_token tok;
	struct jpost *p;

	for (;;) {
		if (jr_next(r, &tok, err) < 0)
			return -1;
		if (tok == JR_ARRAY_END)
			return 0;
		buf_add(&cap->posts, &empty, sizeof(empty));
		p = (struct jpost *)(void *)cap->posts.p + cap->nposts++;
		p->type = tok;
		if (tok == JR_OBJECT) {
			if (read_members(r, post_keys, P_NKEYS, p->f, NULL, err) < 0)
				return -1;
		} else if (tok == JR_ARRAY) {
			if (jr_skip(r, err) < 0)
				return -1;
		}
	}
}

static void free_values(struct jv *v, int n)
{
	int i;

	/* most members were taken or absent: no call for those */
	for (i = 0; i < n; i++)
		if (v[i].s != NULL)
			free(v[i].s);
}

static void capture_free(struct capture *cap)
{
	struct jpost *p = (struct jpost *)(void *)cap->posts.p;
	size_t i;

	free_values(cap->top, T_NKEYS);
	free_values(cap->thread, H_NKEYS);
	for (i = 0; i < cap->nposts; i++)
		free_values(p[i].f, P_NKEYS);
	buf_free(&cap->posts);
}

/* ---- checking ---- */

static const char *type_name(enum jr_token type)
{
	switch (type) {
	case JR_OBJECT:
		return "object";
	case JR_ARRAY:
		return "array";
	case JR_STRING:
		return "string";
	case JR_INTEGER:
		return "integer";
	case JR_REAL:
		return "number";
	case JR_TRUE:
	case JR_FALSE:
		return "boolean";
	case JR_NULL:
		return "null";
	default:
		break;
	}
	return "value";
}

static int absent(const struct jv *v)
{
	return v->type == JR_END || v->type == JR_NULL;
}

static int wrong_type(struct jctx *c, const char *path, const char *key, const char *want,
		      const struct jv *v)
{
	return fg_error(c->err, "%s: %s%s%s: expected %s, got %s", c->name, path, *path ? "." : "",
			key, want, type_name(v->type));
}

static int missing(struct jctx *c, const char *path, const char *key)
{
	return fg_error(c->err, "%s: %s%s%s: missing", c->name, path, *path ? "." : "", key);
}

/* An optional string member: NULL when absent or null. The string is taken
 * from v. */
static int get_str(struct jctx *c, struct jv *v, const char *path, const char *key, char **out)
{
	*out = NULL;
	if (absent(v))
		return 0;
	if (v->type != JR_STRING)
		return wrong_type(c, path, key, "string", v);
	*out = v->s;
	v->s = NULL;
	return 0;
}

/* An id: string or integer, normalised to a decimal string; NULL if absent.
 * Ids end up in Message-IDs and file names: no controls, no spaces, not "". */
static int get_id(struct jctx *c, struct jv *v, const char *path, const char *key, char **out)
{
	const char *s;

	*out = NULL;
	if (absent(v))
		return 0;
	if (v->type == JR_INTEGER) {
		*out = xasprintf("%" PRId64, v->i);
		return 0;
	}
	if (v->type != JR_STRING)
		return wrong_type(c, path, key, "string or integer", v);
	if (*v->s == '\0')
		return fg_error(c->err, "%s: %s%s%s: empty id", c->name, path, *path ? "." : "",
				key);
	for (s = v->s; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return fg_error(c->err,
					"%s: %s%s%s: id contains a space or control character",
					c->name, path, *path ? "." : "", key);
	*out = v->s;
	v->s = NULL;
	return 0;
}

/* A board: a name or a numeric id. */
static int get_board(struct jctx *c, struct jv *v, char **out)
{
	*out = NULL;
	if (v->type == JR_INTEGER) {
		*out = xasprintf("%" PRId64, v->i);
		return 0;
	}
	if (!absent(v) && v->type != JR_STRING)
		return wrong_type(c, "", "board", "string or integer", v);
	if (get_str(c, v, "", "board", out) < 0)
		return -1;
	if (*out != NULL && **out == '\0')
		return fg_error(c->err, "%s: board: empty", c->name);
	return 0;
}

static int get_bool(struct jctx *c, const struct jv *v, const char *path, const char *key, int *out)
{
	*out = 0;
	if (absent(v))
		return 0;
	if (v->type != JR_TRUE && v->type != JR_FALSE)
		return wrong_type(c, path, key, "boolean", v);
	*out = v->type == JR_TRUE;
	return 0;
}

static int get_int(struct jctx *c, const struct jv *v, const char *path, const char *key, int *out)
{
	*out = 0;
	if (absent(v))
		return 0;
	if (v->type != JR_INTEGER)
		return wrong_type(c, path, key, "integer", v);
	if (v->i < 0 || v->i > 100000000)
		return fg_error(c->err, "%s: %s%s%s: out of range", c->name, path, *path ? "." : "",
				key);
	*out = (int)v->i;
	return 0;
}

static int get_date(struct jctx *c, const struct jv *v, const char *path, const char *id,
		    int64_t *out)
{
	*out = 0;
	if (absent(v))
		return 0;
	/* a date that cannot be read costs the post its date, not the thread
	 * its posts: the post is kept with its date unknown (sync stores the
	 * time it was first seen), and the file gets a warning */
	if (v->type == JR_INTEGER) {
		if (v->i < 0)
			buf_addf(&c->warn, "%s: %s.date (post %s): negative epoch: date unknown\n",
				 c->name, path, id);
		else
			*out = v->i;
		return 0;
	}
	if (v->type != JR_STRING)
		return wrong_type(c, path, "date", "string or integer", v);
	if (forum_parse_date(v->s, c->tz, 0, out) < 0) {
		*out = 0;
		/* the value is the file's: quoted at most 40 bytes, and the
		 * log escapes its control characters */
		buf_addf(&c->warn,
			 "%s: %s.date (post %s): unrecognised date \"%.40s\": date unknown\n",
			 c->name, path, id, v->s);
	}
	return 0;
}

static int get_markup(struct jctx *c, const struct jv *v, const char *path, enum forum_markup *out)
{
	static const struct {
		const char *name;
		enum forum_markup markup;
	} names[] = {
		{"text", MARKUP_TEXT},
		{"html", MARKUP_HTML},
		{"bbcode", MARKUP_BBCODE},
		{"markdown", MARKUP_MARKDOWN},
	};
	size_t i;

	*out = MARKUP_TEXT;
	if (absent(v))
		return 0;
	if (v->type != JR_STRING)
		return wrong_type(c, path, "format", "string", v);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(v->s, names[i].name) == 0) {
			*out = names[i].markup;
			return 0;
		}
	}
	return fg_error(c->err,
			"%s: %s.format: unknown markup \"%s\" (html, bbcode, markdown, text)",
			c->name, path, v->s);
}

static int parse_post(struct jctx *c, struct jpost *jp, const char *path, struct forum_post *p)
{
	struct jv *f = jp->f;

	if (jp->type != JR_OBJECT)
		return fg_error(c->err, "%s: %s: expected object, got %s", c->name, path,
				type_name(jp->type));
	if (get_id(c, &f[P_ID], path, "id", &p->id) < 0)
		return -1;
	if (p->id == NULL)
		return missing(c, path, "id");
	if (get_int(c, &f[P_POSITION], path, "position", &p->position) < 0 ||
	    get_str(c, &f[P_AUTHOR], path, "author", &p->author) < 0 ||
	    get_id(c, &f[P_AUTHOR_ID], path, "author_id", &p->author_id) < 0 ||
	    get_bool(c, &f[P_GUEST], path, "guest", &p->guest) < 0 ||
	    get_date(c, &f[P_DATE], path, p->id, &p->date) < 0 ||
	    get_str(c, &f[P_TITLE], path, "title", &p->title) < 0 ||
	    get_markup(c, &f[P_FORMAT], path, &p->markup) < 0 ||
	    get_str(c, &f[P_BODY], path, "body", &p->body) < 0 ||
	    get_str(c, &f[P_SIGNATURE], path, "signature", &p->signature) < 0 ||
	    get_id(c, &f[P_PARENT], path, "parent", &p->parent_id) < 0 ||
	    get_str(c, &f[P_URL], path, "url", &p->url) < 0 ||
	    get_bool(c, &f[P_DELETED], path, "deleted", &p->deleted) < 0)
		return -1;
	if (p->body == NULL)
		p->body = xstrdup("");
	return 0;
}

static int parse_thread(struct jctx *c, struct capture *cap, struct forum_thread *t)
{
	struct jv *v, *jt = cap->thread;
	struct jpost *posts = (struct jpost *)(void *)cap->posts.p;
	char *posting = NULL;
	size_t i;

	v = &cap->top[T_FORMAT];
	if (v->type == JR_END)
		return fg_error(c->err, "%s: format: missing (expected \"" FORMAT_NAME "\")",
				c->name);
	if (v->type != JR_STRING)
		return wrong_type(c, "", "format", "string", v);
	if (strcmp(v->s, FORMAT_NAME) != 0)
		return fg_error(c->err,
				"%s: format: unsupported \"%s\" (expected \"" FORMAT_NAME "\")",
				c->name, v->s);
	if (get_str(c, &cap->top[T_FORUM], "", "forum", &t->forum) < 0 ||
	    get_board(c, &cap->top[T_BOARD], &t->board) < 0)
		return -1;
	v = &cap->top[T_TIMEZONE];
	if (!absent(v)) {
		if (v->type != JR_STRING)
			return wrong_type(c, "", "timezone", "string", v);
		c->tz = v->s;
	}

	v = &cap->top[T_THREAD];
	if (v->type == JR_END)
		return missing(c, "", "thread");
	if (v->type != JR_OBJECT)
		return wrong_type(c, "", "thread", "object", v);
	if (get_id(c, &jt[H_ID], "thread", "id", &t->id) < 0)
		return -1;
	if (t->id == NULL)
		return missing(c, "thread", "id");
	if (get_str(c, &jt[H_TITLE], "thread", "title", &t->title) < 0)
		return -1;
	if (t->title == NULL)
		return missing(c, "thread", "title");
	if (*t->title == '\0')
		return fg_error(c->err, "%s: thread.title: empty", c->name);
	if (get_str(c, &jt[H_URL], "thread", "url", &t->url) < 0 ||
	    get_int(c, &jt[H_PAGE], "thread", "page", &t->page) < 0 ||
	    get_int(c, &jt[H_PAGES], "thread", "pages", &t->pages) < 0 ||
	    get_int(c, &jt[H_TOTAL_POSTS], "thread", "total_posts", &t->total_posts) < 0 ||
	    get_str(c, &jt[H_POSTING], "thread", "posting", &posting) < 0)
		return -1;
	if (posting != NULL) {
		if (strcmp(posting, "yes") == 0)
			t->posting = FORUM_POSTING_YES;
		else if (strcmp(posting, "no") == 0)
			t->posting = FORUM_POSTING_NO;
		else if (strcmp(posting, "moderated") == 0)
			t->posting = FORUM_POSTING_MODERATED;
		else
			fg_error(c->err, "%s: thread.posting: \"%s\" is not yes, no or moderated",
				 c->name, posting);
		free(posting);
		if (t->posting == FORUM_POSTING_UNKNOWN)
			return -1;
	}

	v = &cap->top[T_POSTS];
	if (v->type == JR_END)
		return missing(c, "", "posts");
	if (v->type != JR_ARRAY)
		return wrong_type(c, "", "posts", "array", v);
	if (cap->nposts == 0)
		return fg_error(c->err, "%s: posts: no posts", c->name);
	/* "posts[i]", built without printf: this loop runs once per post */
	struct buf path = BUF_INIT;
	for (i = 0; i < cap->nposts; i++) {
		char digits[24];
		size_t k = sizeof digits, n = i;

		do {
			digits[--k] = (char)('0' + n % 10);
			n /= 10;
		} while (n > 0);
		buf_reset(&path);
		buf_add(&path, "posts[", 6);
		buf_add(&path, digits + k, sizeof digits - k);
		buf_addc(&path, ']');
		if (parse_post(c, &posts[i], path.p, forum_thread_add_post(t)) < 0) {
			buf_free(&path);
			return -1;
		}
	}
	buf_free(&path);
	return 0;
}

int spool_parse_json(const char *buf, size_t len, const char *name, struct forum_thread **out,
		     char **err)
{
	struct jctx c = {name ? name : "(json)", NULL, err, BUF_INIT};
	struct capture cap;
	struct forum_thread *t;
	enum jr_token first;
	struct jr r;

	*out = NULL;
	memset(&cap, 0, sizeof(cap));
	jr_init(&r, buf, len, c.name);
	if (jr_next(&r, &first, err) < 0)
		goto fail;
	if (first == JR_OBJECT ? read_members(&r, top_keys, T_NKEYS, cap.top, &cap, err) < 0
			       : jr_skip(&r, err) < 0)
		goto fail;
	if (jr_next(&r, &(enum jr_token){JR_END}, err) < 0) /* trailing garbage */
		goto fail;
	jr_free(&r);
	if (first != JR_OBJECT) {
		capture_free(&cap);
		return fg_error(err, "%s: expected a JSON object at the top, got array", c.name);
	}
	t = xcalloc(1, sizeof(*t));
	if (parse_thread(&c, &cap, t) < 0) {
		forum_thread_free(t);
		capture_free(&cap);
		buf_free(&c.warn);
		return -1;
	}
	capture_free(&cap);
	if (c.warn.len > 0) {
		buf_truncate(&c.warn, c.warn.len - 1); /* the last "\n" */
		t->warnings = buf_detach(&c.warn);
	}
	*out = t;
	return 0;

fail:
	jr_free(&r);
	capture_free(&cap);
	return -1;
}
