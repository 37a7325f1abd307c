/*
 * discourse_json: reads Discourse API responses and webhook deliveries into
 * the structs of discourse_json.h and maps a post onto forum_post. Contracts
 * are in the header.
 *
 * jansson (a tree) rather than json_reader (the spool's pull reader): the
 * responses are a few hundred KB at most (a topic page holds 20 posts, a
 * posts.json page 50), we read a handful of members scattered over deep
 * objects, and a tree keeps the "nothing half-built" rule simple: a member
 * is checked before anything is copied out, and on any error the partly
 * filled struct is freed and zeroed. Members are read by one set of typed
 * getters so every error names the JSON path the same way.
 */
#include "discourse_json.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "forumgate/article.h"
#include "forumgate/buf.h"

/* ---- typed getters; `path` names the object for messages ---- */

static int get_int(json_t *o, const char *key, const char *path, int required, int64_t *out,
		   char **err)
{
	json_t *v = json_object_get(o, key);
	*out = 0;
	if (!v || json_is_null(v)) {
		if (required)
			return fg_error(err, "%s.%s: missing", path, key);
		return 0;
	}
	if (!json_is_integer(v))
		return fg_error(err, "%s.%s: not an integer", path, key);
	*out = json_integer_value(v);
	return 0;
}

/* An int-sized member (post numbers, counts): rejects what does not fit. */
static int get_small(json_t *o, const char *key, const char *path, int required, int *out,
		     char **err)
{
	int64_t v;
	if (get_int(o, key, path, required, &v, err) < 0)
		return -1;
	if (v < -2147483647 || v > 2147483647)
		return fg_error(err, "%s.%s: out of range", path, key);
	*out = (int)v;
	return 0;
}

static int get_str(json_t *o, const char *key, const char *path, int required, char **out,
		   char **err)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v || json_is_null(v)) {
		if (required)
			return fg_error(err, "%s.%s: missing", path, key);
		return 0;
	}
	if (!json_is_string(v))
		return fg_error(err, "%s.%s: not a string", path, key);
	if (memchr(json_string_value(v), '\0', json_string_length(v)))
		return fg_error(err, "%s.%s: contains NUL", path, key);
	*out = xstrdup(json_string_value(v));
	return 0;
}

/* Booleans: absent or null → dflt. */
static int get_bool(json_t *o, const char *key, const char *path, int dflt, int *out, char **err)
{
	json_t *v = json_object_get(o, key);
	*out = dflt;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return fg_error(err, "%s.%s: not a boolean", path, key);
	*out = json_is_true(v);
	return 0;
}

static int get_time(json_t *o, const char *key, const char *path, int64_t *out, char **err)
{
	json_t *v = json_object_get(o, key);
	*out = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return fg_error(err, "%s.%s: not a string", path, key);
	if (dj_parse_time(json_string_value(v), out) < 0)
		return fg_error(err, "%s.%s: not an ISO 8601 time: \"%.40s\"", path, key,
				json_string_value(v));
	return 0;
}

/* Set when the member is present and not null (deleted_at and friends). */
static int present(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return v && !json_is_null(v);
}

static json_t *load(const char *buf, size_t len, char **err)
{
	json_error_t je;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		fg_error(err, "JSON syntax error at line %d column %d: %s", je.line, je.column,
			 je.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		fg_error(err, "JSON: top level is not an object");
		return NULL;
	}
	return root;
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int dj_parse_time(const char *s, int64_t *out)
{
	int Y, M, D, h, m, sec;
	if (!s || strlen(s) < 19 || digits(s, 4, &Y) || s[4] != '-' || digits(s + 5, 2, &M) ||
	    s[7] != '-' || digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != ' ') ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &m) || s[16] != ':' ||
	    digits(s + 17, 2, &sec))
		return -1;
	if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60 || Y < 1970)
		return -1;
	const char *p = s + 19;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	int off = 0;
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 ||
		    om > 59)
			return -1;
		off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return -1;
	}
	if (*p)
		return -1;
	struct tm tm = {.tm_year = Y - 1900,
			.tm_mon = M - 1,
			.tm_mday = D,
			.tm_hour = h,
			.tm_min = m,
			.tm_sec = sec};
	*out = (int64_t)timegm(&tm) - off;
	return 0;
}

/* ---- categories ---- */

void dj_categories_free(struct dj_categories *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].slug);
		free(c->v[i].name);
	}
	free(c->v);
	memset(c, 0, sizeof *c);
}

const struct dj_category *dj_category_find(const struct dj_categories *c, int64_t id)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].id == id)
			return &c->v[i];
	return NULL;
}

static int read_categories(json_t *arr, const char *path, int64_t parent, struct dj_categories *out,
			   int depth, char **err);

static int read_category(json_t *o, const char *path, int64_t parent, struct dj_categories *out,
			 int depth, char **err)
{
	struct dj_category c = {0};
	int64_t perm;
	if (!json_is_object(o))
		return fg_error(err, "%s: not an object", path);
	if (get_int(o, "id", path, 1, &c.id, err) < 0 ||
	    get_int(o, "parent_category_id", path, 0, &c.parent_id, err) < 0 ||
	    get_bool(o, "read_restricted", path, 0, &c.read_restricted, err) < 0 ||
	    get_int(o, "permission", path, 0, &perm, err) < 0)
		return -1;
	if (c.id <= 0)
		return fg_error(err, "%s.id: not positive", path);
	c.permission = present(o, "permission") ? (int)perm : -1;
	if (parent)
		c.parent_id = parent;
	if (c.parent_id == c.id)
		return fg_error(err, "%s.parent_category_id: the category itself", path);
	if (get_str(o, "slug", path, 0, &c.slug, err) < 0)
		return -1;
	if (get_str(o, "name", path, 1, &c.name, err) < 0) {
		free(c.slug);
		return -1;
	}
	if (!c.slug)
		c.slug = xstrdup("");
	if (dj_category_find(out, c.id)) {
		/* the nested and the flat form may both list a child: keep one */
		free(c.slug);
		free(c.name);
	} else {
		out->v = xrealloc(out->v, (out->n + 1) * sizeof *out->v);
		out->v[out->n++] = c;
	}
	json_t *sub = json_object_get(o, "subcategory_list");
	if (sub && !json_is_null(sub)) {
		char *p = xasprintf("%s.subcategory_list", path);
		int rc = read_categories(sub, p, c.id, out, depth + 1, err);
		free(p);
		return rc;
	}
	return 0;
}

static int read_categories(json_t *arr, const char *path, int64_t parent, struct dj_categories *out,
			   int depth, char **err)
{
	if (!json_is_array(arr))
		return fg_error(err, "%s: not an array", path);
	/* Discourse nests two levels (three with a site setting); more is not a
	 * forum, and unbounded recursion is a stack to exhaust */
	if (depth > 3)
		return fg_error(err, "%s: categories nested too deep", path);
	for (size_t i = 0; i < json_array_size(arr); i++) {
		char *p = xasprintf("%s[%zu]", path, i);
		int rc = read_category(json_array_get(arr, i), p, parent, out, depth, err);
		free(p);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int dj_parse_categories(const char *buf, size_t len, struct dj_categories *out, char **err)
{
	memset(out, 0, sizeof *out);
	json_t *root = load(buf, len, err);
	if (!root)
		return -1;
	int rc;
	json_t *cl = json_object_get(root, "category_list");
	if (cl) {
		if (!json_is_object(cl))
			rc = fg_error(err, "category_list: not an object");
		else if (!json_object_get(cl, "categories"))
			rc = fg_error(err, "category_list.categories: missing");
		else
			rc = read_categories(json_object_get(cl, "categories"),
					     "category_list.categories", 0, out, 0, err);
	} else if (json_object_get(root, "categories")) {
		rc = read_categories(json_object_get(root, "categories"), "categories", 0, out, 0,
				     err);
	} else {
		rc = fg_error(err, "category_list: missing");
	}
	json_decref(root);
	if (rc < 0)
		dj_categories_free(out);
	return rc;
}

/* RFC 5536 §3.1.4 component: 1*(ALPHA / DIGIT / "+" / "-" / "_"); we take
 * lower case only, as article_group_slug() produces. */
static int component_ok(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
		      c == '_'))
			return 0;
	}
	return 1;
}

static void add_component(struct buf *b, const struct dj_category *c)
{
	char *s = article_group_slug(c->slug);
	if (!*s) {
		free(s);
		s = article_group_slug(c->name);
	}
	if (!*s) {
		free(s);
		s = xasprintf("c%lld", (long long)c->id);
	}
	size_t n = strlen(s);
	int alldig = strspn(s, "0123456789") == n;
	/* all digits SHOULD NOT be a component; "all" and "ctl" MUST NOT */
	if (alldig || !strcmp(s, "all") || !strcmp(s, "ctl"))
		buf_adds(b, "c-");
	buf_adds(b, s);
	free(s);
}

char *dj_group_name(const char *prefix, const struct dj_categories *cats,
		    const struct dj_category *c, char **err)
{
	return dj_group_name_tpl(NULL, prefix, cats, c, err);
}

char *dj_group_name_tpl(const char *tpl, const char *prefix, const struct dj_categories *cats,
			const struct dj_category *c, char **err)
{
	if (!prefix || !*prefix) {
		fg_error(err, "group prefix: empty");
		return NULL;
	}
	for (const char *p = prefix;;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (!component_ok(p, n)) {
			fg_error(err,
				 "group prefix \"%s\": not a newsgroup name (RFC 5536: "
				 "lower-case letters, digits, + - _ between dots)",
				 prefix);
			return NULL;
		}
		if (!dot)
			break;
		p = dot + 1;
	}
	const struct dj_category *parent = NULL;
	if (c->parent_id) {
		parent = dj_category_find(cats, c->parent_id);
		if (!parent) {
			fg_error(err, "category %lld: parent %lld not in the category list",
				 (long long)c->id, (long long)c->parent_id);
			return NULL;
		}
		/* a third level (a Discourse site setting) still makes two
		 * components: the two nearest levels, as the template says */
	}
	if (!tpl || !*tpl)
		tpl = DJ_GROUP_TEMPLATE;
	struct buf b = {0};
	for (const char *p = tpl; *p;) {
		if (!strncmp(p, "{prefix}", 8)) {
			buf_adds(&b, prefix);
			p += 8;
		} else if (!strncmp(p, "{category}", 10)) {
			if (parent) {
				add_component(&b, parent);
				buf_addc(&b, '.');
			}
			add_component(&b, c);
			p += 10;
		} else if (!strncmp(p, "{slug}", 6)) {
			add_component(&b, c);
			p += 6;
		} else if (!strncmp(p, "{parent}", 8)) {
			/* a top-level category is its own parent: no empty component */
			add_component(&b, parent ? parent : c);
			p += 8;
		} else if (!strncmp(p, "{id}", 4)) {
			buf_addf(&b, "c%lld", (long long)c->id);
			p += 4;
		} else {
			buf_addc(&b, *p++);
		}
	}
	char *g = buf_detach(&b);
	/* the template is the operator's text: the result must still be a
	 * newsgroup name (RFC 5536 §3.1.4), component by component */
	int ok = g && *g && strlen(g) <= 497;
	for (const char *p = g; ok;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		ok = component_ok(p, n) &&
		     !(n == 3 && (!strncmp(p, "all", 3) || !strncmp(p, "ctl", 3)));
		if (!dot)
			break;
		p = dot + 1;
	}
	if (!ok) {
		fg_error(err,
			 "group template \"%s\" gives \"%s\" for category %lld: not a newsgroup "
			 "name (RFC 5536)",
			 tpl, g ? g : "", (long long)c->id);
		free(g);
		return NULL;
	}
	return g;
}

/* ---- topics ---- */

void dj_topic_clear(struct dj_topic *t)
{
	free(t->slug);
	free(t->title);
	memset(t, 0, sizeof *t);
}

int dj_topic_gatewayed(const struct dj_topic *t)
{
	return t->visible && !t->private_message && !t->deleted;
}

static int read_topic(json_t *o, const char *path, struct dj_topic *t, char **err)
{
	memset(t, 0, sizeof *t);
	if (!json_is_object(o))
		return fg_error(err, "%s: not an object", path);
	char *arch = NULL;
	if (get_int(o, "id", path, 1, &t->id, err) < 0 ||
	    get_int(o, "category_id", path, 0, &t->category_id, err) < 0 ||
	    get_small(o, "posts_count", path, 0, &t->posts_count, err) < 0 ||
	    get_small(o, "highest_post_number", path, 0, &t->highest_post_number, err) < 0 ||
	    get_time(o, "created_at", path, &t->created_at, err) < 0 ||
	    get_time(o, "bumped_at", path, &t->bumped_at, err) < 0 ||
	    get_time(o, "last_posted_at", path, &t->last_posted_at, err) < 0 ||
	    get_bool(o, "visible", path, 1, &t->visible, err) < 0 ||
	    get_bool(o, "closed", path, 0, &t->closed, err) < 0 ||
	    get_bool(o, "archived", path, 0, &t->archived, err) < 0 ||
	    get_str(o, "archetype", path, 0, &arch, err) < 0)
		return -1;
	t->private_message = arch && !strcmp(arch, "private_message");
	free(arch);
	if (t->id <= 0)
		return fg_error(err, "%s.id: not positive", path);
	t->deleted = present(o, "deleted_at");
	if (get_str(o, "slug", path, 0, &t->slug, err) < 0 ||
	    get_str(o, "title", path, 1, &t->title, err) < 0) {
		dj_topic_clear(t);
		return -1;
	}
	if (!t->slug)
		t->slug = xstrdup("");
	return 0;
}

void dj_topic_list_free(struct dj_topic_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		dj_topic_clear(&l->v[i]);
	free(l->v);
	free(l->more_topics_url);
	memset(l, 0, sizeof *l);
}

int dj_parse_topic_list(const char *buf, size_t len, struct dj_topic_list *out, char **err)
{
	memset(out, 0, sizeof *out);
	json_t *root = load(buf, len, err);
	if (!root)
		return -1;
	int rc = 0;
	json_t *tl = json_object_get(root, "topic_list");
	json_t *arr = json_is_object(tl) ? json_object_get(tl, "topics") : NULL;
	if (!json_is_object(tl))
		rc = fg_error(err, "topic_list: %s", tl ? "not an object" : "missing");
	else if (!json_is_array(arr))
		rc = fg_error(err, "topic_list.topics: %s", arr ? "not an array" : "missing");
	else if (get_str(tl, "more_topics_url", "topic_list", 0, &out->more_topics_url, err) < 0)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < json_array_size(arr); i++) {
		char *p = xasprintf("topic_list.topics[%zu]", i);
		out->v = xrealloc(out->v, (out->n + 1) * sizeof *out->v);
		rc = read_topic(json_array_get(arr, i), p, &out->v[out->n], err);
		if (rc == 0)
			out->n++;
		free(p);
	}
	json_decref(root);
	if (rc < 0)
		dj_topic_list_free(out);
	return rc;
}

/* ---- posts ---- */

void dj_post_clear(struct dj_post *p)
{
	free(p->username);
	free(p->name);
	free(p->cooked);
	free(p->post_url);
	memset(p, 0, sizeof *p);
}

int dj_post_gatewayed(const struct dj_post *p)
{
	return (p->post_type == DJ_POST_REGULAR || p->post_type == DJ_POST_MODERATOR) &&
	       !p->private_message;
}

void dj_posts_free(struct dj_posts *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		dj_post_clear(&ps->v[i]);
	free(ps->v);
	memset(ps, 0, sizeof *ps);
}

static int read_post(json_t *o, const char *path, struct dj_post *p, char **err)
{
	memset(p, 0, sizeof *p);
	if (!json_is_object(o))
		return fg_error(err, "%s: not an object", path);
	if (get_int(o, "id", path, 1, &p->id, err) < 0 ||
	    get_int(o, "topic_id", path, 0, &p->topic_id, err) < 0 ||
	    get_small(o, "post_number", path, 1, &p->post_number, err) < 0 ||
	    get_small(o, "post_type", path, 0, &p->post_type, err) < 0 ||
	    get_small(o, "version", path, 0, &p->version, err) < 0 ||
	    get_small(o, "reply_to_post_number", path, 0, &p->reply_to_post_number, err) < 0 ||
	    get_int(o, "user_id", path, 0, &p->user_id, err) < 0 ||
	    get_int(o, "category_id", path, 0, &p->category_id, err) < 0 ||
	    get_time(o, "created_at", path, &p->created_at, err) < 0 ||
	    get_time(o, "updated_at", path, &p->updated_at, err) < 0 ||
	    get_bool(o, "hidden", path, 0, &p->hidden, err) < 0 ||
	    get_bool(o, "user_deleted", path, 0, &p->user_deleted, err) < 0)
		return -1;
	if (p->id <= 0)
		return fg_error(err, "%s.id: not positive", path);
	if (p->post_number <= 0)
		return fg_error(err, "%s.post_number: not positive", path);
	if (p->post_type == 0)
		p->post_type = DJ_POST_REGULAR;
	if (p->version <= 0)
		p->version = 1;
	if (p->reply_to_post_number < 0)
		p->reply_to_post_number = 0;
	p->deleted = present(o, "deleted_at");
	char *arch = NULL;
	if (get_str(o, "topic_archetype", path, 0, &arch, err) < 0)
		return -1;
	p->private_message = arch && !strcmp(arch, "private_message");
	free(arch);
	if (get_str(o, "username", path, 0, &p->username, err) < 0 ||
	    get_str(o, "name", path, 0, &p->name, err) < 0 ||
	    get_str(o, "cooked", path, 0, &p->cooked, err) < 0 ||
	    get_str(o, "post_url", path, 0, &p->post_url, err) < 0) {
		dj_post_clear(p);
		return -1;
	}
	if (!p->cooked)
		p->cooked = xstrdup("");
	if (p->name && !*p->name) {
		free(p->name);
		p->name = NULL;
	}
	return 0;
}

static int read_posts(json_t *arr, const char *path, struct dj_posts *out, char **err)
{
	if (!json_is_array(arr))
		return fg_error(err, "%s: %s", path, arr ? "not an array" : "missing");
	size_t n = json_array_size(arr);
	if (n == 0)
		return 0;
	out->v = xcalloc(n, sizeof *out->v);
	for (size_t i = 0; i < n; i++) {
		char *p = xasprintf("%s[%zu]", path, i);
		int rc = read_post(json_array_get(arr, i), p, &out->v[out->n], err);
		free(p);
		if (rc < 0)
			return -1;
		out->n++;
	}
	return 0;
}

int dj_parse_posts(const char *buf, size_t len, struct dj_posts *out, char **err)
{
	memset(out, 0, sizeof *out);
	json_t *root = load(buf, len, err);
	if (!root)
		return -1;
	int rc;
	json_t *ps = json_object_get(root, "post_stream");
	if (ps) {
		if (!json_is_object(ps))
			rc = fg_error(err, "post_stream: not an object");
		else
			rc = read_posts(json_object_get(ps, "posts"), "post_stream.posts", out,
					err);
	} else if (json_object_get(root, "latest_posts")) {
		rc = read_posts(json_object_get(root, "latest_posts"), "latest_posts", out, err);
	} else if (json_object_get(root, "id") && json_object_get(root, "post_number")) {
		out->v = xcalloc(1, sizeof *out->v);
		rc = read_post(root, "post", &out->v[0], err);
		if (rc == 0)
			out->n = 1;
	} else {
		rc = fg_error(err, "post_stream: missing (nor latest_posts, nor a post)");
	}
	json_decref(root);
	if (rc < 0)
		dj_posts_free(out);
	return rc;
}

void dj_topic_page_free(struct dj_topic_page *tp)
{
	dj_topic_clear(&tp->topic);
	dj_posts_free(&tp->posts);
	free(tp->stream);
	memset(tp, 0, sizeof *tp);
}

int dj_parse_topic(const char *buf, size_t len, struct dj_topic_page *out, char **err)
{
	memset(out, 0, sizeof *out);
	json_t *root = load(buf, len, err);
	if (!root)
		return -1;
	int rc = read_topic(root, "topic", &out->topic, err);
	json_t *ps = json_object_get(root, "post_stream");
	json_t *st = json_is_object(ps) ? json_object_get(ps, "stream") : NULL;
	if (rc == 0 && !json_is_object(ps))
		rc = fg_error(err, "post_stream: %s", ps ? "not an object" : "missing");
	if (rc == 0)
		rc = read_posts(json_object_get(ps, "posts"), "post_stream.posts", &out->posts,
				err);
	if (rc == 0 && !json_is_array(st))
		rc = fg_error(err, "post_stream.stream: %s", st ? "not an array" : "missing");
	if (rc == 0 && json_array_size(st)) {
		out->stream = xcalloc(json_array_size(st), sizeof *out->stream);
		for (size_t i = 0; i < json_array_size(st); i++) {
			json_t *v = json_array_get(st, i);
			if (!json_is_integer(v) || json_integer_value(v) <= 0) {
				rc = fg_error(err, "post_stream.stream[%zu]: not a post id", i);
				break;
			}
			out->stream[out->nstream++] = json_integer_value(v);
		}
	}
	for (size_t i = 0; rc == 0 && i < out->posts.n; i++)
		if (out->posts.v[i].topic_id == 0)
			out->posts.v[i].topic_id = out->topic.id;
	json_decref(root);
	if (rc < 0)
		dj_topic_page_free(out);
	return rc;
}

/* ---- mapping ---- */

/* The value of attribute `name` inside the tag text [tag, end); 0 if absent. */
static long long tag_attr_num(const char *tag, const char *end, const char *name)
{
	size_t nl = strlen(name);
	for (const char *p = tag; p + nl + 2 < end; p++) {
		if (strncmp(p, name, nl) || p[nl] != '=' || !isspace((unsigned char)p[-1]))
			continue;
		const char *v = p + nl + 1;
		if (*v == '"' || *v == '\'')
			v++;
		long long n = 0;
		int any = 0;
		while (v < end && isdigit((unsigned char)*v) && n < 100000000000LL) {
			n = n * 10 + (*v++ - '0');
			any = 1;
		}
		return any ? n : 0;
	}
	return 0;
}

static int tag_has_class(const char *tag, const char *end, const char *cls)
{
	const char *c = memmem(tag, (size_t)(end - tag), "class=", 6);
	if (!c)
		return 0;
	c += 6;
	char q = (*c == '"' || *c == '\'') ? *c++ : ' ';
	size_t cl = strlen(cls);
	while (c < end && *c != q && *c != '>') {
		while (c < end && *c == ' ')
			c++;
		const char *w = c;
		while (c < end && *c != ' ' && *c != q && *c != '>')
			c++;
		if ((size_t)(c - w) == cl && !strncmp(w, cls, cl))
			return 1;
	}
	return 0;
}

int dj_post_parent_number(const struct dj_post *p)
{
	if (p->post_number == 1)
		return 0;
	if (p->reply_to_post_number > 0 && p->reply_to_post_number != p->post_number)
		return p->reply_to_post_number;
	for (const char *a = p->cooked ? strstr(p->cooked, "<aside") : NULL; a;
	     a = strstr(a + 1, "<aside")) {
		const char *end = strchr(a, '>');
		if (!end)
			break;
		if (!tag_has_class(a, end, "quote"))
			continue;
		long long post = tag_attr_num(a, end, "data-post");
		long long topic = tag_attr_num(a, end, "data-topic");
		if (post > 0 && post < 2147483647 && post != p->post_number &&
		    (topic == 0 || !p->topic_id || topic == p->topic_id))
			return (int)post;
	}
	return 0;
}

int dj_post_to_forum(const struct dj_post *p, const struct dj_posts *known, const char *base_url,
		     struct forum_post *out, int *unresolved, char **err)
{
	if (unresolved)
		*unresolved = 0;
	if (!dj_post_gatewayed(p))
		return fg_error(err, "post %lld: post_type %d is not gatewayed", (long long)p->id,
				p->post_type);
	out->id = xasprintf("%lld", (long long)p->id);
	out->position = p->post_number;
	if (p->name && p->username && strcmp(p->name, p->username))
		out->author = xasprintf("%s (%s)", p->name, p->username);
	else if (p->username)
		out->author = xstrdup(p->username);
	else if (p->name)
		out->author = xstrdup(p->name);
	if (p->user_id > 0)
		out->author_id = xasprintf("%lld", (long long)p->user_id);
	out->date = p->created_at;
	out->markup = MARKUP_HTML;
	out->body = xstrdup(p->cooked ? p->cooked : "");
	if (p->post_url)
		out->url = xasprintf("%s%s", base_url && p->post_url[0] == '/' ? base_url : "",
				     p->post_url);
	out->deleted = p->deleted || p->hidden || p->user_deleted;
	int num = dj_post_parent_number(p);
	if (num > 0) {
		const struct dj_post *hit = NULL;
		for (size_t i = 0; known && i < known->n && !hit; i++)
			if (known->v[i].post_number == num &&
			    (!p->topic_id || !known->v[i].topic_id ||
			     known->v[i].topic_id == p->topic_id))
				hit = &known->v[i];
		if (hit)
			out->parent_id = xasprintf("%lld", (long long)hit->id);
		else if (unresolved)
			*unresolved = num;
	}
	return 0;
}

/* ---- webhooks ---- */

int dj_webhook_verify(const char *secret, size_t secret_len, const char *signature,
		      const char *body, size_t len, char **err)
{
	unsigned char mac[EVP_MAX_MD_SIZE], want[32];
	unsigned int maclen = 0;
	if (!signature)
		return fg_error(err, "X-Discourse-Event-Signature: missing");
	if (strncmp(signature, "sha256=", 7) || strlen(signature + 7) != 64)
		return fg_error(err, "X-Discourse-Event-Signature: not sha256=<64 hex digits>");
	for (int i = 0; i < 32; i++) {
		int hi = fg_hexval((unsigned char)signature[7 + 2 * i]);
		int lo = fg_hexval((unsigned char)signature[8 + 2 * i]);
		if (hi < 0 || lo < 0)
			return fg_error(err, "X-Discourse-Event-Signature: not hex");
		want[i] = (unsigned char)(hi << 4 | lo);
	}
	if (!HMAC(EVP_sha256(), secret, (int)secret_len, (const unsigned char *)body, len, mac,
		  &maclen) ||
	    maclen != 32)
		return fg_error(err, "X-Discourse-Event-Signature: HMAC failed");
	if (CRYPTO_memcmp(mac, want, 32) != 0)
		return fg_error(err, "X-Discourse-Event-Signature: does not match the body");
	return 0;
}

void dj_webhook_free(struct dj_webhook *w)
{
	free(w->event);
	free(w->event_type);
	free(w->instance);
	dj_post_clear(&w->post);
	dj_topic_clear(&w->topic);
	memset(w, 0, sizeof *w);
}

static int header_ok(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

int dj_webhook_parse(const struct dj_webhook_headers *h, const char *body, size_t len,
		     struct dj_webhook *out, char **err)
{
	memset(out, 0, sizeof *out);
	if (!h->event || !*h->event)
		return fg_error(err, "X-Discourse-Event: missing");
	if (!h->event_type || !*h->event_type)
		return fg_error(err, "X-Discourse-Event-Type: missing");
	if (!header_ok(h->event) || !header_ok(h->event_type) ||
	    (h->instance && !header_ok(h->instance)))
		return fg_error(err, "X-Discourse-Event headers: control characters");
	int64_t id = 0;
	if (h->event_id) {
		const char *s = h->event_id;
		if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 18)
			return fg_error(err, "X-Discourse-Event-Id: not a number: \"%.20s\"", s);
		id = strtoll(s, NULL, 10);
	}
	json_t *root = load(body, len, err);
	if (!root)
		return -1;
	int rc = 0;
	out->event = xstrdup(h->event);
	out->event_type = xstrdup(h->event_type);
	out->instance = xstrdup(h->instance);
	out->event_id = id;
	if (!strcmp(h->event_type, "post")) {
		out->kind = DJ_WEBHOOK_POST;
		json_t *o = json_object_get(root, "post");
		rc = o ? read_post(o, "post", &out->post, err) : fg_error(err, "post: missing");
	} else if (!strcmp(h->event_type, "topic")) {
		out->kind = DJ_WEBHOOK_TOPIC;
		json_t *o = json_object_get(root, "topic");
		rc = o ? read_topic(o, "topic", &out->topic, err) : fg_error(err, "topic: missing");
	}
	json_decref(root);
	if (rc < 0)
		dj_webhook_free(out);
	return rc;
}
