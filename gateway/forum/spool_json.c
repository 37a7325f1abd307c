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
 *                                              null/absent = unknown
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
 * ("t1.json: posts[2].id: missing") or jansson's line:column.
 */
#include "forumgate/forum.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "forumgate/buf.h"

#define FORMAT_NAME "forumgate-thread/1"

/* Error context: the file name and the current JSON path. */
struct jctx {
	const char *name;
	const char *tz;
	char **err;
};

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
		return "integer";
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	case JSON_NULL:
		return "null";
	}
	return "value";
}

static int wrong_type(struct jctx *c, const char *path, const char *key, const char *want,
		      const json_t *v)
{
	return fg_error(c->err, "%s: %s%s%s: expected %s, got %s", c->name, path, *path ? "." : "",
			key, want, type_name(v));
}

static int missing(struct jctx *c, const char *path, const char *key)
{
	return fg_error(c->err, "%s: %s%s%s: missing", c->name, path, *path ? "." : "", key);
}

/* An optional string member: NULL when absent or null. */
static int get_str(struct jctx *c, json_t *obj, const char *path, const char *key, char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return wrong_type(c, path, key, "string", v);
	*out = xstrndup(json_string_value(v), json_string_length(v));
	return 0;
}

/* An id: string or integer, normalised to a decimal string; NULL if absent.
 * Ids end up in Message-IDs and file names: no controls, no spaces, not "". */
static int get_id(struct jctx *c, json_t *obj, const char *path, const char *key, char **out)
{
	json_t *v = json_object_get(obj, key);
	const char *s;
	size_t i, n;

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		*out = xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return 0;
	}
	if (!json_is_string(v))
		return wrong_type(c, path, key, "string or integer", v);
	s = json_string_value(v);
	n = json_string_length(v);
	if (n == 0)
		return fg_error(c->err, "%s: %s%s%s: empty id", c->name, path, *path ? "." : "", key);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return fg_error(c->err, "%s: %s%s%s: id contains a space or control character",
					c->name, path, *path ? "." : "", key);
	*out = xstrndup(s, n);
	return 0;
}

/* A board: a name or a numeric id. */
static int get_board(struct jctx *c, json_t *obj, char **out)
{
	json_t *v = json_object_get(obj, "board");

	*out = NULL;
	if (v != NULL && json_is_integer(v)) {
		*out = xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return 0;
	}
	if (v != NULL && !json_is_null(v) && !json_is_string(v))
		return wrong_type(c, "", "board", "string or integer", v);
	if (get_str(c, obj, "", "board", out) < 0)
		return -1;
	if (*out != NULL && **out == '\0')
		return fg_error(c->err, "%s: board: empty", c->name);
	return 0;
}

static int get_bool(struct jctx *c, json_t *obj, const char *path, const char *key, int *out)
{
	json_t *v = json_object_get(obj, key);

	*out = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return wrong_type(c, path, key, "boolean", v);
	*out = json_is_true(v);
	return 0;
}

static int get_int(struct jctx *c, json_t *obj, const char *path, const char *key, int *out)
{
	json_t *v = json_object_get(obj, key);

	*out = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return wrong_type(c, path, key, "integer", v);
	if (json_integer_value(v) < 0 || json_integer_value(v) > 100000000)
		return fg_error(c->err, "%s: %s%s%s: out of range", c->name, path, *path ? "." : "",
				key);
	*out = (int)json_integer_value(v);
	return 0;
}

static int get_date(struct jctx *c, json_t *obj, const char *path, int64_t *out)
{
	json_t *v = json_object_get(obj, "date");

	*out = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return fg_error(c->err, "%s: %s.date: negative epoch", c->name, path);
		*out = (int64_t)json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return wrong_type(c, path, "date", "string or integer", v);
	if (forum_parse_date(json_string_value(v), c->tz, 0, out) < 0)
		return fg_error(c->err, "%s: %s.date: unrecognised date \"%s\"", c->name, path,
				json_string_value(v));
	return 0;
}

static int get_markup(struct jctx *c, json_t *obj, const char *path, enum forum_markup *out)
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
	json_t *v = json_object_get(obj, "format");
	size_t i;

	*out = MARKUP_TEXT;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return wrong_type(c, path, "format", "string", v);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(json_string_value(v), names[i].name) == 0) {
			*out = names[i].markup;
			return 0;
		}
	}
	return fg_error(c->err, "%s: %s.format: unknown markup \"%s\" (html, bbcode, markdown, text)",
			c->name, path, json_string_value(v));
}

static int parse_post(struct jctx *c, json_t *jp, const char *path, struct forum_post *p)
{
	if (!json_is_object(jp))
		return fg_error(c->err, "%s: %s: expected object, got %s", c->name, path,
				type_name(jp));
	if (get_id(c, jp, path, "id", &p->id) < 0)
		return -1;
	if (p->id == NULL)
		return missing(c, path, "id");
	if (get_int(c, jp, path, "position", &p->position) < 0 ||
	    get_str(c, jp, path, "author", &p->author) < 0 ||
	    get_id(c, jp, path, "author_id", &p->author_id) < 0 ||
	    get_bool(c, jp, path, "guest", &p->guest) < 0 || get_date(c, jp, path, &p->date) < 0 ||
	    get_str(c, jp, path, "title", &p->title) < 0 || get_markup(c, jp, path, &p->markup) < 0 ||
	    get_str(c, jp, path, "body", &p->body) < 0 ||
	    get_str(c, jp, path, "signature", &p->signature) < 0 ||
	    get_id(c, jp, path, "parent", &p->parent_id) < 0 ||
	    get_str(c, jp, path, "url", &p->url) < 0 ||
	    get_bool(c, jp, path, "deleted", &p->deleted) < 0)
		return -1;
	if (p->body == NULL)
		p->body = xstrdup("");
	return 0;
}

static int parse_thread(struct jctx *c, json_t *root, struct forum_thread *t)
{
	json_t *v, *jt, *posts, *jp;
	char *posting = NULL;
	size_t i;

	v = json_object_get(root, "format");
	if (v == NULL)
		return fg_error(c->err, "%s: format: missing (expected \"" FORMAT_NAME "\")", c->name);
	if (!json_is_string(v))
		return wrong_type(c, "", "format", "string", v);
	if (strcmp(json_string_value(v), FORMAT_NAME) != 0)
		return fg_error(c->err, "%s: format: unsupported \"%s\" (expected \"" FORMAT_NAME "\")",
				c->name, json_string_value(v));
	if (get_str(c, root, "", "forum", &t->forum) < 0 || get_board(c, root, &t->board) < 0)
		return -1;
	v = json_object_get(root, "timezone");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_string(v))
			return wrong_type(c, "", "timezone", "string", v);
		c->tz = json_string_value(v);
	}

	jt = json_object_get(root, "thread");
	if (jt == NULL)
		return missing(c, "", "thread");
	if (!json_is_object(jt))
		return wrong_type(c, "", "thread", "object", jt);
	if (get_id(c, jt, "thread", "id", &t->id) < 0)
		return -1;
	if (t->id == NULL)
		return missing(c, "thread", "id");
	if (get_str(c, jt, "thread", "title", &t->title) < 0)
		return -1;
	if (t->title == NULL)
		return missing(c, "thread", "title");
	if (*t->title == '\0')
		return fg_error(c->err, "%s: thread.title: empty", c->name);
	if (get_str(c, jt, "thread", "url", &t->url) < 0 ||
	    get_int(c, jt, "thread", "page", &t->page) < 0 ||
	    get_int(c, jt, "thread", "pages", &t->pages) < 0 ||
	    get_int(c, jt, "thread", "total_posts", &t->total_posts) < 0 ||
	    get_str(c, jt, "thread", "posting", &posting) < 0)
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

	posts = json_object_get(root, "posts");
	if (posts == NULL)
		return missing(c, "", "posts");
	if (!json_is_array(posts))
		return wrong_type(c, "", "posts", "array", posts);
	if (json_array_size(posts) == 0)
		return fg_error(c->err, "%s: posts: no posts", c->name);
	/* "posts[i]", built without printf: this loop runs once per post */
	struct buf path = BUF_INIT;
	json_array_foreach(posts, i, jp) {
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
		if (parse_post(c, jp, path.p, forum_thread_add_post(t)) < 0) {
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
	struct jctx c = {name ? name : "(json)", NULL, err};
	struct forum_thread *t;
	json_error_t jerr;
	json_t *root;

	*out = NULL;
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return fg_error(err, "%s:%d:%d: %s", c.name, jerr.line, jerr.column, jerr.text);
	if (!json_is_object(root)) {
		fg_error(err, "%s: expected a JSON object at the top, got %s", c.name,
			 type_name(root));
		json_decref(root);
		return -1;
	}
	t = xcalloc(1, sizeof(*t));
	if (parse_thread(&c, root, t) < 0) {
		forum_thread_free(t);
		json_decref(root);
		return -1;
	}
	json_decref(root);
	*out = t;
	return 0;
}
