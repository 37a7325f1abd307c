/*
 * discourse: the live connector for Discourse forums, over its JSON API
 * (discourse_json.c reads the answers, http.c fetches them).
 *
 * Boards are categories, named by their slug ("support"), a subcategory by
 * "<parent-slug>/<slug>" ("support/linux"), as `boards:` entries name them;
 * each thread also carries the category id as its board key, under which
 * sync keeps an unmapped board's group, so a category renamed and
 * re-slugged keeps it, and the group group_template makes
 * ("<prefix>.support.linux") and read_restricted (a members-only group).
 * A category without a slug (Discourse leaves non-ASCII names unslugged)
 * is "c<id>".
 *
 * The cursor is "key=value" words:
 *   post=N      highest post id seen in /posts.json (new posts: ids above it)
 *   upd=T       newest updated_at seen there (edits and deletions of the
 *               posts on the feed's first pages)
 *   bf=1 next=ID cutoff=T left=N start=S   a first sync (begun at S) in
 *               progress: of the N
 *               most recently bumped topics (-1 = no limit) bumped after T
 *               (0 = no limit), those with an id below ID are still to fetch,
 *               highest id first. A resumed backfill lists them again: a
 *               topic bumped meanwhile may take another's place in the N,
 *               and its new posts come with the incremental pass anyway.
 * Sync stores a checkpoint after each topic of a backfill, so a restart
 * goes on after the last committed topic.
 *
 * Edits by polling: Discourse has no feed of edits, and an edit does not
 * bump the topic. Each pass reads /posts.json down to the last post seen
 * (at least its first page, the newest 50 posts) and re-fetches every topic
 * with a post newer than the cursor or updated after it; older posts'
 * edits arrive by webhook (post_edited) or not at all.
 *
 * Pushed passes (webhooks, discourse_hook.c): a post event names its post
 * ("TOPIC/POST"), and only that post is fetched, with the posts it answers
 * when they are not among those fetched, not the whole topic (a topic of
 * 10,000 posts would be 500 requests for each new post): see dsc_push. A
 * topic event ("TOPIC") fetches the topic whole, as a poll does.
 *
 * Whispers, small actions, private messages and unlisted topics are never
 * gatewayed (the API key usually sees them: it is staff); deleted and
 * hidden posts are passed on as deleted (withdrawn by sync).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "discourse.h"
#include "discourse_json.h"
#include "forumgate/buf.h"
#include "forumgate/connector.h"
#include "forumgate/http.h"
#include "forumgate/log.h"
#include "json_reader.h"

#define DSC_CHUNK 20        /* post ids per /t/{id}/posts.json request */
#define DSC_FEED_PAGES 200  /* /posts.json pages one pass reads at most */
#define DSC_LIST_PAGES 2000 /* /latest.json pages a backfill reads at most */

struct dsc_cfg {
	char *api_key_file;
	char *api_username;
	char *webhook_secret_file;
	char *users_file;
	int lookup_users;
	char *group_template;
};

static const struct cfg_conn_key dsc_keys[] = {
	{.key = "api_key_file",
	 .type = CFG_CONN_STR,
	 .flags = CFG_CONN_FILE,
	 .off = offsetof(struct dsc_cfg, api_key_file)},
	{.key = "api_username",
	 .type = CFG_CONN_STR,
	 .off = offsetof(struct dsc_cfg, api_username),
	 .sdef = "system"},
	{.key = "webhook_secret_file",
	 .type = CFG_CONN_STR,
	 .flags = CFG_CONN_FILE | CFG_CONN_WEBHOOK,
	 .off = offsetof(struct dsc_cfg, webhook_secret_file)},
	{.key = "users_file",
	 .type = CFG_CONN_STR,
	 .flags = CFG_CONN_FILE,
	 .off = offsetof(struct dsc_cfg, users_file)},
	{.key = "lookup_users",
	 .type = CFG_CONN_BOOL,
	 .off = offsetof(struct dsc_cfg, lookup_users)},
	{.key = "group_template",
	 .type = CFG_CONN_STR,
	 .off = offsetof(struct dsc_cfg, group_template),
	 .sdef = DJ_GROUP_TEMPLATE},
};

static const struct cfg_conn_section dsc_section = {
	.name = "discourse",
	.size = sizeof(struct dsc_cfg),
	.keys = dsc_keys,
	.nkeys = sizeof dsc_keys / sizeof *dsc_keys,
	.required = 0,
};

struct dsc {
	const struct cfg_forum *f;
	const struct dsc_cfg *cfg;
	struct http_client *http;
	char *base;    /* url without the trailing '/' */
	char *api_key; /* NULL: anonymous (public categories only) */
	struct dj_categories cats;
};

/* The first line of a secret file, without its line end. */
int discourse_read_secret(const char *path, char **out, char **err)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof buf - 1);
	int e = errno;
	close(fd);
	if (n < 0) {
		*err = xasprintf("%s: %s", path, strerror(e));
		return -1;
	}
	buf[n] = 0;
	buf[strcspn(buf, "\r\n")] = 0;
	if (!buf[0]) {
		*err = xasprintf("%s: empty", path);
		return -1;
	}
	*out = xstrdup(buf);
	return 0;
}

const char *discourse_webhook_secret_file(const struct cfg_forum *f)
{
	const struct dsc_cfg *c = f->conn;
	return c ? c->webhook_secret_file : NULL;
}

static int dsc_open(const struct cfg_forum *f, const char *path, void **state, char **err)
{
	(void)path;
	if (!f->url || !*f->url) {
		*err = xasprintf("forum %s: a discourse forum needs url", f->name);
		return -1;
	}
	struct dsc *d = xcalloc(1, sizeof *d);
	d->f = f;
	d->cfg = f->conn;
	d->base = xstrdup(f->url);
	size_t l = strlen(d->base);
	while (l > 0 && d->base[l - 1] == '/')
		d->base[--l] = 0;
	if (d->cfg && d->cfg->api_key_file) {
		char *e = NULL;
		if (discourse_read_secret(d->cfg->api_key_file, &d->api_key, &e) < 0) {
			*err = xasprintf("forum %s: discourse.api_key_file %s", f->name, e);
			free(e);
			free(d->base);
			free(d);
			return -1;
		}
	}
	if (http_client_new(f, NULL, &d->http, err) < 0) {
		free(d->api_key);
		free(d->base);
		free(d);
		return -1;
	}
	*state = d;
	return 0;
}

static void dsc_close(void *state)
{
	struct dsc *d = state;
	if (!d)
		return;
	http_client_free(d->http);
	dj_categories_free(&d->cats);
	free(d->api_key);
	free(d->base);
	free(d);
}

static const char *dsc_user(const struct dsc *d)
{
	return d->cfg && d->cfg->api_username ? d->cfg->api_username : "system";
}

/* The request headers: JSON, and the key with the user it acts as. */
struct dsc_headers {
	const char *v[5];
	char *key, *user;
};

static void dsc_headers(const struct dsc *d, const char *user, int json_body, struct dsc_headers *h)
{
	size_t n = 0;
	memset(h, 0, sizeof *h);
	h->v[n++] = "Accept: application/json";
	if (json_body)
		h->v[n++] = "Content-Type: application/json";
	if (d->api_key) {
		h->key = xasprintf("Api-Key: %s", d->api_key);
		h->user = xasprintf("Api-Username: %s", user ? user : dsc_user(d));
		h->v[n++] = h->key;
		h->v[n++] = h->user;
	}
	h->v[n] = NULL;
}

static void dsc_headers_free(struct dsc_headers *h)
{
	free(h->key);
	free(h->user);
}

/* One API request. Returns the HTTP status (the caller judges 403/404/422),
 * or -1 with *err for no response, 429 and 5xx (the pass stops; sync tries
 * again at the next poll). */
static long dsc_call(struct dsc *d, const char *method, const char *path, const char *user,
		     const char *body, struct http_response *rs, char **err)
{
	char *url = xasprintf("%s%s", d->base, path);
	struct dsc_headers hd;
	dsc_headers(d, user, body != NULL, &hd);
	struct http_request rq = {.method = method,
				  .url = url,
				  .headers = hd.v,
				  .body = body,
				  .body_len = body ? strlen(body) : 0};
	memset(rs, 0, sizeof *rs);
	char *e = NULL;
	long st = -1;
	if (http_request(d->http, &rq, rs, &e) < 0) {
		*err = e;
	} else if (rs->status == 429 || rs->status >= 500) {
		if (rs->retry_after > 0)
			*err = xasprintf("forum %s: %s %s: HTTP %ld, retry after %ld s", d->f->name,
					 method, url, rs->status, rs->retry_after);
		else
			*err = xasprintf("forum %s: %s %s: HTTP %ld", d->f->name, method, url,
					 rs->status);
		http_response_clear(rs);
	} else {
		st = rs->status;
	}
	free(url);
	dsc_headers_free(&hd);
	return st;
}

/* GET path expecting 200 JSON; -1 with *err otherwise. */
static int dsc_get(struct dsc *d, const char *path, struct http_response *rs, char **err)
{
	long st = dsc_call(d, "GET", path, NULL, NULL, rs, err);
	if (st < 0)
		return -1;
	if (st != 200) {
		*err = xasprintf("forum %s: GET %s%s: HTTP %ld", d->f->name, d->base, path, st);
		http_response_clear(rs);
		return -1;
	}
	return 0;
}

static char *json_err(struct dsc *d, const char *path, char *e)
{
	char *m = xasprintf("forum %s: %s%s: malformed answer: %s", d->f->name, d->base, path,
			    e ? e : "?");
	free(e);
	return m;
}

/* ---- what pushed passes keep ----
 * A pushed pass fetches the posts its webhooks named, not their topics
 * (a long topic would be fetched whole for every new post): a topic's
 * title, slug and category come from the last time this process fetched
 * it (in any pass), /t/{id}.json only for a topic it has not fetched, or
 * not for DSC_META_TTL seconds (an unlisting or a move that fires no
 * webhook is seen by then; topic events fetch the topic anyway). The
 * categories come from the forum's last /site.json for DSC_CATS_TTL
 * seconds, and again at once when a topic names one they lack. The
 * connector's state lives for one pass (sync opens it per pass), so this
 * is process-wide, per forum name, under a mutex, like the user cache. */
#define DSC_META 1024
#define DSC_META_TTL 600
#define DSC_CATS 16
#define DSC_CATS_TTL 60

static struct dsc_meta {
	char *forum;
	int64_t id, category_id;
	char *slug, *title;
	time_t until;
} meta_cache[DSC_META];
static struct dsc_cats_hit {
	char *forum;
	char *body;
	size_t len;
	time_t until;
} cats_cache[DSC_CATS];
static pthread_mutex_t meta_lock = PTHREAD_MUTEX_INITIALIZER;

static struct dsc_meta *meta_slot(const char *forum, int64_t id)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)id;
	for (const unsigned char *p = (const unsigned char *)forum; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return &meta_cache[h % DSC_META];
}

/* Keeps topic t (just fetched) for pushed passes, or forgets it when it is
 * not gatewayed (gone: deleted): those are fetched whole. */
static void meta_put(const struct dsc *d, const struct dj_topic *t, int gone)
{
	pthread_mutex_lock(&meta_lock);
	struct dsc_meta *m = meta_slot(d->f->name, t->id);
	int keep = !gone && dj_topic_gatewayed(t);
	if (keep || (m->forum && m->id == t->id && strcmp(m->forum, d->f->name) == 0)) {
		free(m->forum);
		free(m->slug);
		free(m->title);
		memset(m, 0, sizeof *m);
	}
	if (keep) {
		m->forum = xstrdup(d->f->name);
		m->id = t->id;
		m->category_id = t->category_id;
		m->slug = t->slug ? xstrdup(t->slug) : NULL;
		m->title = xstrdup(t->title ? t->title : "");
		m->until = time(NULL) + DSC_META_TTL;
	}
	pthread_mutex_unlock(&meta_lock);
}

static void meta_drop(const struct dsc *d, int64_t id)
{
	struct dj_topic t = {.id = id};
	meta_put(d, &t, 1);
}

/* Topic id as kept (a gatewayed, listed topic): 1 and *t (its strings
 * malloc'd, dj_topic_clear), or 0. */
static int meta_get(const struct dsc *d, int64_t id, struct dj_topic *t)
{
	int hit = 0;
	memset(t, 0, sizeof *t);
	pthread_mutex_lock(&meta_lock);
	const struct dsc_meta *m = meta_slot(d->f->name, id);
	if (m->forum && m->id == id && m->until > time(NULL) && strcmp(m->forum, d->f->name) == 0) {
		t->id = id;
		t->category_id = m->category_id;
		t->slug = m->slug ? xstrdup(m->slug) : NULL;
		t->title = xstrdup(m->title);
		t->visible = 1;
		hit = 1;
	}
	pthread_mutex_unlock(&meta_lock);
	return hit;
}

static struct dsc_cats_hit *cats_slot(const char *forum)
{
	struct dsc_cats_hit *free_slot = NULL, *oldest = &cats_cache[0];
	for (size_t i = 0; i < DSC_CATS; i++) {
		struct dsc_cats_hit *c = &cats_cache[i];
		if (c->forum && strcmp(c->forum, forum) == 0)
			return c;
		if (!c->forum && !free_slot)
			free_slot = c;
		if (c->until < oldest->until)
			oldest = c;
	}
	return free_slot ? free_slot : oldest;
}

static void cats_put(const struct dsc *d, const char *body, size_t len)
{
	pthread_mutex_lock(&meta_lock);
	struct dsc_cats_hit *c = cats_slot(d->f->name);
	if (!c->forum || strcmp(c->forum, d->f->name) != 0) {
		free(c->forum);
		c->forum = xstrdup(d->f->name);
	}
	free(c->body);
	c->body = xmalloc(len + 1);
	memcpy(c->body, body, len);
	c->body[len] = 0;
	c->len = len;
	c->until = time(NULL) + DSC_CATS_TTL;
	pthread_mutex_unlock(&meta_lock);
}

/* The forum's categories from its last /site.json, if recent: 0, or -1
 * (fetch them). */
static int cats_get(struct dsc *d)
{
	char *body = NULL;
	size_t len = 0;
	pthread_mutex_lock(&meta_lock);
	struct dsc_cats_hit *c = cats_slot(d->f->name);
	if (c->forum && strcmp(c->forum, d->f->name) == 0 && c->until > time(NULL)) {
		body = xmalloc(c->len + 1);
		memcpy(body, c->body, c->len + 1);
		len = c->len;
	}
	pthread_mutex_unlock(&meta_lock);
	if (!body)
		return -1;
	struct dj_categories cats = {0};
	char *e = NULL;
	int rc = dj_parse_categories(body, len, &cats, &e);
	free(body);
	free(e);
	if (rc < 0)
		return -1;
	dj_categories_free(&d->cats);
	d->cats = cats;
	return 0;
}

static int dsc_load_categories(struct dsc *d, char **err)
{
	struct http_response rs;
	const char *path = "/site.json";
	if (dsc_get(d, path, &rs, err) < 0)
		return -1;
	struct dj_categories c = {0};
	char *e = NULL;
	int rc = dj_parse_categories(rs.body, rs.body_len, &c, &e);
	if (rc == 0)
		cats_put(d, rs.body, rs.body_len);
	http_response_clear(&rs);
	if (rc < 0) {
		*err = json_err(d, path, e);
		return -1;
	}
	dj_categories_free(&d->cats);
	d->cats = c;
	return 0;
}

static void slug_of(struct buf *b, const struct dj_category *c)
{
	if (c->slug && *c->slug)
		buf_adds(b, c->slug);
	else
		buf_addf(b, "c%" PRId64, c->id);
}

/* The board name of category id (malloc'd), or NULL when unknown. */
static char *dsc_board(const struct dsc *d, int64_t id)
{
	const struct dj_category *c = dj_category_find(&d->cats, id);
	if (!c)
		return NULL;
	struct buf b = BUF_INIT;
	const struct dj_category *p = c->parent_id ? dj_category_find(&d->cats, c->parent_id)
						   : NULL;
	if (p) {
		slug_of(&b, p);
		buf_addc(&b, '/');
	}
	slug_of(&b, c);
	return buf_detach(&b);
}

static int64_t dsc_board_category(const struct dsc *d, const char *board)
{
	for (size_t i = 0; board && i < d->cats.n; i++) {
		char *b = dsc_board(d, d->cats.v[i].id);
		int eq = b && strcmp(b, board) == 0;
		free(b);
		if (eq)
			return d->cats.v[i].id;
	}
	return 0;
}

static int dsc_list_boards(void *state, char ***boards, size_t *n, char **err)
{
	struct dsc *d = state;
	if (dsc_load_categories(d, err) < 0)
		return -1;
	char **v = xcalloc(d->cats.n + 1, sizeof *v);
	size_t k = 0;
	for (size_t i = 0; i < d->cats.n; i++) {
		char *b = dsc_board(d, d->cats.v[i].id);
		if (b)
			v[k++] = b;
	}
	*boards = v;
	*n = k;
	return 0;
}

/* ---- the cursor ---- */

struct dsc_cursor {
	int64_t post, upd;
	int bf;
	int64_t next, cutoff, start;
	long left;
};

static void cursor_read(const char *s, struct dsc_cursor *c)
{
	memset(c, 0, sizeof *c);
	while (s && *s) {
		while (*s == ' ')
			s++;
		long long v = 0;
		char key[16];
		int used = 0;
		if (sscanf(s, "%15[a-z]=%lld%n", key, &v, &used) == 2) {
			if (!strcmp(key, "post"))
				c->post = v;
			else if (!strcmp(key, "upd"))
				c->upd = v;
			else if (!strcmp(key, "bf"))
				c->bf = (int)v;
			else if (!strcmp(key, "next"))
				c->next = v;
			else if (!strcmp(key, "cutoff"))
				c->cutoff = v;
			else if (!strcmp(key, "left"))
				c->left = (long)v;
			else if (!strcmp(key, "start"))
				c->start = v;
			s += used;
		} else {
			s += strcspn(s, " ");
		}
	}
}

static char *cursor_write(const struct dsc_cursor *c)
{
	if (c->bf)
		return xasprintf("post=%" PRId64 " upd=%" PRId64 " bf=1 next=%" PRId64
				 " cutoff=%" PRId64 " left=%ld start=%" PRId64,
				 c->post, c->upd, c->next, c->cutoff, c->left, c->start);
	return xasprintf("post=%" PRId64 " upd=%" PRId64, c->post, c->upd);
}

/* ---- one topic ---- */

static int cmp_post_id(const void *a, const void *b)
{
	int64_t x = ((const struct dj_post *)a)->id, y = ((const struct dj_post *)b)->id;
	return x < y ? -1 : x > y;
}

/* The post with this id in ps (sorted by id), or NULL. */
static const struct dj_post *find_post(const struct dj_posts *ps, int64_t id)
{
	struct dj_post key = {.id = id};
	return ps->n ? bsearch(&key, ps->v, ps->n, sizeof *ps->v, cmp_post_id) : NULL;
}

/* The thread of topic tp with the posts of `order` (post ids, in the order
 * the thread shows them) found in `known` (sorted by id; also what parents
 * resolve through), or NULL when none of them is gatewayed. gone: the
 * topic is deleted, its posts are passed on as deleted. */
static struct forum_thread *dsc_thread(struct dsc *d, const struct dj_topic *tp,
				       const int64_t *order, size_t norder,
				       const struct dj_posts *known, int gone)
{
	struct forum_thread *t = xcalloc(1, sizeof *t);
	t->forum = xstrdup(d->f->name);
	t->id = xasprintf("%" PRId64, tp->id);
	t->title = xstrdup(tp->title ? tp->title : "");
	t->board = dsc_board(d, tp->category_id);
	if (!t->board)
		t->board = xasprintf("c%" PRId64, tp->category_id);
	/* the category id, not its slug, keeps the group: a category renamed
	 * and re-slugged stays in the group it was first filed in */
	t->board_key = xasprintf("category:%" PRId64, tp->category_id);
	const struct dj_category *cat = dj_category_find(&d->cats, tp->category_id);
	if (cat) {
		const struct dsc_cfg *dc = d->f->conn;
		char *ge = NULL;
		t->group = dj_group_name_tpl(dc ? dc->group_template : NULL,
					     d->f->group_prefix ? d->f->group_prefix : d->f->name,
					     &d->cats, cat, &ge);
		if (!t->group) /* the config's slug rule then */
			log_warn("forum %s: %s", d->f->name, ge ? ge : "bad group name");
		free(ge);
		t->members_only = cat->read_restricted;
	}
	t->url = xasprintf("%s/t/%s/%" PRId64, d->base, tp->slug ? tp->slug : "-", tp->id);
	for (size_t s = 0; s < norder; s++) {
		const struct dj_post *dp = find_post(known, order[s]);
		if (!dp || !dj_post_gatewayed(dp))
			continue;
		struct forum_post fp = {0};
		int unresolved = 0;
		char *pe = NULL;
		if (dj_post_to_forum(dp, known, d->base, &fp, &unresolved, &pe) < 0) {
			free(pe);
			continue;
		}
		if (gone)
			fp.deleted = 1;
		struct forum_post *np = forum_thread_add_post(t);
		*np = fp;
	}
	if (t->nposts == 0) {
		forum_thread_free(t);
		return NULL;
	}
	return t;
}

/* Fetches topic id with all its posts and hands it to cb. Returns 0 (also
 * when the topic is not gatewayed or gone: *skipped = 1), or -1 (*err). */
static int dsc_topic(struct dsc *d, int64_t id, forum_thread_cb cb, void *arg, int *skipped,
		     char **err)
{
	char path[96];
	struct http_response rs;
	*skipped = 0;
	snprintf(path, sizeof path, "/t/%" PRId64 ".json", id);
	long st = dsc_call(d, "GET", path, NULL, NULL, &rs, err);
	if (st < 0)
		return -1;
	if (st == 403 || st == 404 || st == 410) {
		/* gone or out of reach since it was listed */
		http_response_clear(&rs);
		meta_drop(d, id);
		*skipped = 1;
		return 0;
	}
	if (st != 200) {
		*err = xasprintf("forum %s: GET %s%s: HTTP %ld", d->f->name, d->base, path, st);
		http_response_clear(&rs);
		return -1;
	}
	struct dj_topic_page tp = {0};
	char *e = NULL;
	int rc = dj_parse_topic(rs.body, rs.body_len, &tp, &e);
	http_response_clear(&rs);
	if (rc < 0) {
		*err = json_err(d, path, e);
		return -1;
	}
	/* a deleted topic withdraws its posts; other topics that may not be
	 * gatewayed (private messages, unlisted) are left alone */
	int gone = tp.topic.deleted && !tp.topic.private_message && tp.topic.visible;
	if (!dj_topic_gatewayed(&tp.topic) && !gone) {
		meta_drop(d, id);
		dj_topic_page_free(&tp);
		*skipped = 1;
		return 0;
	}
	/* the rest of the stream, DSC_CHUNK ids a request, the requests at
	 * once within max_concurrent and max_requests_per_second */
	struct dj_posts all = tp.posts;
	memset(&tp.posts, 0, sizeof tp.posts);
	qsort(all.v, all.n, sizeof *all.v, cmp_post_id);
	struct buf *qs = NULL;
	size_t nq = 0, k = 0;
	for (size_t i = 0; i < tp.nstream; i++) {
		if (find_post(&all, tp.stream[i]))
			continue;
		if (k == 0) {
			qs = xrealloc(qs, (nq + 1) * sizeof *qs);
			qs[nq] = (struct buf)BUF_INIT;
			buf_addf(&qs[nq++], "%s/t/%" PRId64 "/posts.json?", d->base, id);
		}
		buf_addf(&qs[nq - 1], "%spost_ids[]=%" PRId64, k ? "&" : "", tp.stream[i]);
		k = (k + 1) % DSC_CHUNK;
	}
	if (nq > 0) {
		struct http_request *rq = xcalloc(nq, sizeof *rq);
		struct http_response *rss = xcalloc(nq, sizeof *rss);
		char **errs = xcalloc(nq, sizeof *errs);
		struct dsc_headers hd;
		dsc_headers(d, NULL, 0, &hd);
		for (size_t q = 0; q < nq; q++)
			rq[q] = (struct http_request){.url = buf_str(&qs[q]), .headers = hd.v};
		http_request_many(d->http, rq, rss, errs, nq);
		int bad = 0;
		for (size_t q = 0; q < nq; q++) {
			struct dj_posts more = {0};
			if (bad) {
			} else if (errs[q]) {
				*err = errs[q];
				errs[q] = NULL;
				bad = 1;
			} else if (rss[q].status != 200) {
				*err = xasprintf("forum %s: GET %s: HTTP %ld", d->f->name,
						 rq[q].url, rss[q].status);
				bad = 1;
			} else if (dj_parse_posts(rss[q].body, rss[q].body_len, &more, &e) < 0) {
				*err = xasprintf("forum %s: %s: malformed answer: %s", d->f->name,
						 rq[q].url, e ? e : "?");
				free(e);
				e = NULL;
				bad = 1;
			} else {
				all.v = xrealloc(all.v, (all.n + more.n) * sizeof *all.v);
				memcpy(all.v + all.n, more.v, more.n * sizeof *more.v);
				all.n += more.n;
				free(more.v);
			}
			free(errs[q]);
			http_response_clear(&rss[q]);
			buf_free(&qs[q]);
		}
		dsc_headers_free(&hd);
		free(rq);
		free(rss);
		free(errs);
		free(qs);
		if (bad)
			goto fail;
		qsort(all.v, all.n, sizeof *all.v, cmp_post_id);
	}

	meta_put(d, &tp.topic, gone);
	struct forum_thread *t = dsc_thread(d, &tp.topic, tp.stream, tp.nstream, &all, gone);
	dj_posts_free(&all);
	dj_topic_page_free(&tp);
	if (!t) {
		*skipped = 1;
		return 0;
	}
	return cb(arg, t);
fail:
	dj_posts_free(&all);
	dj_topic_page_free(&tp);
	return -1;
}

/* ---- changes ---- */

/* The newest post id on the forum (0 when there is none). */
static int dsc_feed_top(struct dsc *d, int64_t *top, int64_t *upd, char **err)
{
	struct http_response rs;
	if (dsc_get(d, "/posts.json", &rs, err) < 0)
		return -1;
	struct dj_posts ps = {0};
	char *e = NULL;
	int rc = dj_parse_posts(rs.body, rs.body_len, &ps, &e);
	http_response_clear(&rs);
	if (rc < 0) {
		*err = json_err(d, "/posts.json", e);
		return -1;
	}
	*top = 0;
	*upd = 0;
	for (size_t i = 0; i < ps.n; i++) {
		if (ps.v[i].id > *top)
			*top = ps.v[i].id;
		if (ps.v[i].updated_at > *upd)
			*upd = ps.v[i].updated_at;
	}
	dj_posts_free(&ps);
	return 0;
}

static int cmp_desc(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? 1 : x > y ? -1 : 0;
}

struct bf_list {
	int64_t *v;
	size_t n, cap;
};

/* The board of category id with a backfill limit of its own
 * (boards: [{board, backfill}]), or NULL. */
static const struct cfg_board *own_limit(const struct dsc *d, int64_t id)
{
	const struct cfg_board *hit = NULL;
	char *b = dsc_board(d, id);
	for (size_t i = 0; b && i < d->f->nboards && !hit; i++) {
		const struct cfg_board *cb = &d->f->boards[i];
		if ((cb->backfill_days || cb->backfill_topics) && strcmp(cb->board, "*") != 0 &&
		    strcasecmp(cb->board, b) == 0)
			hit = cb;
	}
	free(b);
	return hit;
}

/* Appends the gatewayed topics of topic list `base` (newest bump first)
 * bumped at or after cutoff (0 = any), at most limit (-1 = no limit);
 * skip_own: not those of categories with a limit of their own. */
static int list_topics(struct dsc *d, const char *base, int64_t cutoff, long limit, int skip_own,
		       struct bf_list *out, char **err)
{
	long k = 0;
	int done = limit == 0;
	for (int page = 0; page < DSC_LIST_PAGES && !done; page++) {
		char path[512];
		snprintf(path, sizeof path, "%s%cpage=%d", base, strchr(base, '?') ? '&' : '?',
			 page);
		struct http_response rs;
		if (dsc_get(d, path, &rs, err) < 0)
			return -1;
		struct dj_topic_list l = {0};
		char *e = NULL;
		int rc = dj_parse_topic_list(rs.body, rs.body_len, &l, &e);
		http_response_clear(&rs);
		if (rc < 0) {
			*err = json_err(d, path, e);
			return -1;
		}
		for (size_t i = 0; i < l.n && !done; i++) {
			const struct dj_topic *t = &l.v[i];
			int64_t last = t->bumped_at ? t->bumped_at : t->last_posted_at;
			if (cutoff && last && last < cutoff) {
				done = 1; /* the list is newest first */
				break;
			}
			if (!dj_topic_gatewayed(t) || (skip_own && own_limit(d, t->category_id)))
				continue;
			if (out->n == out->cap) {
				out->cap = out->cap ? out->cap * 2 : 64;
				out->v = xrealloc(out->v, out->cap * sizeof *out->v);
			}
			out->v[out->n++] = t->id;
			if (limit >= 0 && ++k >= limit)
				done = 1;
		}
		if (!l.more_topics_url || l.n == 0)
			done = 1;
		dj_topic_list_free(&l);
	}
	return 0;
}

/* The topics of a first sync, as ids, highest first: the forum's most
 * recently bumped within its backfill (/latest.json), and for a board
 * with a backfill of its own (boards: [{backfill}]), its category's
 * within that (/c/{slug}/{id}.json, without subcategories). */
static int dsc_backfill_list(struct dsc *d, const struct dsc_cursor *c, int64_t **ids, size_t *n,
			     char **err)
{
	struct bf_list l = {0};
	if (list_topics(d, "/latest.json", c->cutoff, c->left, 1, &l, err) < 0)
		goto fail;
	for (size_t i = 0; i < d->cats.n; i++) {
		const struct cfg_board *b = own_limit(d, d->cats.v[i].id);
		if (!b)
			continue;
		int64_t cutoff = b->backfill_days ? c->start - (int64_t)b->backfill_days * 86400
						  : c->cutoff;
		long limit = b->backfill_topics ? b->backfill_topics
			     : b->backfill_days ? -1
						: c->left;
		char *slug = dsc_board(d, d->cats.v[i].id);
		char *path = xasprintf("/c/%s/%" PRId64 ".json?no_subcategories=true", slug,
				       d->cats.v[i].id);
		int rc = list_topics(d, path, cutoff, limit, 0, &l, err);
		free(path);
		free(slug);
		if (rc < 0)
			goto fail;
	}
	if (l.n)
		qsort(l.v, l.n, sizeof *l.v, cmp_desc);
	*ids = l.v;
	*n = l.n;
	return 0;
fail:
	free(l.v);
	return -1;
}

struct id_set {
	int64_t *v;
	size_t n, cap;
};

static void id_add(struct id_set *s, int64_t id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == id)
			return;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 32;
		s->v = xrealloc(s->v, s->cap * sizeof *s->v);
	}
	s->v[s->n++] = id;
}

static int parse_id(const char *s, int64_t *out)
{
	char *end;
	if (!s || !*s)
		return -1;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || v <= 0)
		return -1;
	*out = v;
	return 0;
}

/* ---- pushed passes ---- */

/* A topic of a pushed pass. */
struct push_topic {
	int64_t id;
	int whole;      /* fetch it all (dsc_topic): a topic event, or what
			    * the posts alone cannot tell */
	int skip;       /* gone or out of reach */
	int64_t *posts; /* the posts pushed */
	size_t nposts;
	int have_meta;
	struct dj_topic meta;
	struct dj_posts known; /* posts fetched: the pushed ones and parents */
};

/* One request of a round: what it fetches for which topic. */
enum push_what { PUSH_CATS, PUSH_META, PUSH_POSTS, PUSH_PARENT };
struct push_round {
	struct buf *urls;
	size_t *topic;
	enum push_what *what;
	size_t n;
};

static void round_add(struct push_round *r, enum push_what what, size_t topic)
{
	r->urls = xrealloc(r->urls, (r->n + 1) * sizeof *r->urls);
	r->topic = xrealloc(r->topic, (r->n + 1) * sizeof *r->topic);
	r->what = xrealloc(r->what, (r->n + 1) * sizeof *r->what);
	r->urls[r->n] = (struct buf)BUF_INIT;
	r->topic[r->n] = topic;
	r->what[r->n] = what;
	r->n++;
}

/* Performs the round's requests at once (within max_concurrent and
 * max_requests_per_second); rs[i] as http_request's. -1 with *err when a
 * request had no answer, or 429/5xx. */
static int round_run(struct dsc *d, struct push_round *r, struct http_response **out, char **err)
{
	struct http_request *rq = xcalloc(r->n ? r->n : 1, sizeof *rq);
	struct http_response *rs = xcalloc(r->n ? r->n : 1, sizeof *rs);
	char **errs = xcalloc(r->n ? r->n : 1, sizeof *errs);
	struct dsc_headers hd;
	dsc_headers(d, NULL, 0, &hd);
	for (size_t i = 0; i < r->n; i++)
		rq[i] = (struct http_request){.url = buf_str(&r->urls[i]), .headers = hd.v};
	http_request_many(d->http, rq, rs, errs, r->n);
	int bad = 0;
	for (size_t i = 0; i < r->n; i++) {
		if (!bad && errs[i]) {
			*err = errs[i];
			errs[i] = NULL;
			bad = 1;
		} else if (!bad && (rs[i].status == 429 || rs[i].status >= 500)) {
			*err = xasprintf("forum %s: GET %s: HTTP %ld", d->f->name, rq[i].url,
					 rs[i].status);
			bad = 1;
		}
		free(errs[i]);
	}
	dsc_headers_free(&hd);
	free(rq);
	free(errs);
	*out = rs;
	return bad ? -1 : 0;
}

static void round_free(struct push_round *r, struct http_response *rs)
{
	for (size_t i = 0; i < r->n; i++) {
		buf_free(&r->urls[i]);
		if (rs)
			http_response_clear(&rs[i]);
	}
	free(r->urls);
	free(r->topic);
	free(r->what);
	free(rs);
	memset(r, 0, sizeof *r);
}

/* Adds the posts of ps not in pt->known yet to it (ps is emptied). */
static void known_add(struct push_topic *pt, struct dj_posts *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		int dup = 0;
		for (size_t k = 0; k < pt->known.n && !dup; k++)
			dup = pt->known.v[k].id == ps->v[i].id;
		if (dup) {
			dj_post_clear(&ps->v[i]);
			continue;
		}
		pt->known.v = xrealloc(pt->known.v, (pt->known.n + 1) * sizeof *pt->known.v);
		pt->known.v[pt->known.n++] = ps->v[i];
	}
	free(ps->v);
	ps->v = NULL;
	ps->n = 0;
}

static const struct dj_post *known_number(const struct push_topic *pt, int number)
{
	for (size_t i = 0; i < pt->known.n; i++)
		if (pt->known.v[i].post_number == number && pt->known.v[i].topic_id == pt->id)
			return &pt->known.v[i];
	return NULL;
}

/* A response of a round for topic pt: 0 read (or gone: pt->skip), -1 with
 * *err. */
static int push_read(struct dsc *d, struct push_topic *pt, enum push_what what, const char *url,
		     struct http_response *rs, char **err)
{
	char *e = NULL;
	if (rs->status == 403 || rs->status == 404 || rs->status == 410) {
		if (what == PUSH_PARENT) {
			pt->whole = 1; /* the parent is out of reach: as a full fetch does */
			return 0;
		}
		meta_drop(d, pt->id);
		pt->skip = 1;
		return 0;
	}
	if (rs->status != 200) {
		*err = xasprintf("forum %s: GET %s: HTTP %ld", d->f->name, url, rs->status);
		return -1;
	}
	if (what == PUSH_POSTS) {
		struct dj_posts ps = {0};
		if (dj_parse_posts(rs->body, rs->body_len, &ps, &e) < 0)
			goto malformed;
		known_add(pt, &ps);
		return 0;
	}
	struct dj_topic_page tp = {0};
	if (dj_parse_topic(rs->body, rs->body_len, &tp, &e) < 0)
		goto malformed;
	if (what == PUSH_META) {
		/* not gatewayed or deleted: the full fetch decides (a
		 * deleted topic withdraws all its posts) */
		if (!dj_topic_gatewayed(&tp.topic)) {
			pt->whole = 1;
		} else {
			meta_put(d, &tp.topic, 0);
			pt->meta = tp.topic;
			memset(&tp.topic, 0, sizeof tp.topic);
			pt->have_meta = 1;
		}
	}
	/* the posts a topic page brings may be parents of the pushed ones */
	known_add(pt, &tp.posts);
	dj_topic_page_free(&tp);
	return 0;
malformed:
	*err = xasprintf("forum %s: %s: malformed answer: %s", d->f->name, url, e ? e : "?");
	free(e);
	return -1;
}

static int cmp_topic_number(const void *a, const void *b, void *arg)
{
	const struct push_topic *pt = arg;
	const struct dj_post *x = find_post(&pt->known, *(const int64_t *)a);
	const struct dj_post *y = find_post(&pt->known, *(const int64_t *)b);
	int nx = x ? x->post_number : 0, ny = y ? y->post_number : 0;
	return nx < ny ? -1 : nx > ny;
}

/* A pushed pass: items are "TOPIC" (fetch the topic whole) or "TOPIC/POST"
 * (that post of it), as discourse_hook.c queues them. The posts named are
 * fetched at once for all topics (/t/{id}/posts.json?post_ids[]=, with
 * /t/{id}.json for a topic not kept, and /site.json when the categories
 * kept are old), then in a second round the posts they answer that are not
 * among those (/t/{slug}/{id}/{number}.json); a topic whose posts cannot
 * tell (a parent out of reach, a topic deleted or unlisted) is fetched
 * whole, as a poll would. */
static int dsc_push(struct dsc *d, const char *const *items, size_t nitems, forum_thread_cb cb,
		    void *arg, char **err)
{
	struct push_topic *pts = NULL;
	size_t npts = 0;
	int rc = -1;
	struct push_round r = {0};
	struct http_response *rs = NULL;

	for (size_t i = 0; i < nitems; i++) {
		char *slash = strchr(items[i], '/');
		char *topic = slash ? xstrndup(items[i], (size_t)(slash - items[i]))
				    : xstrdup(items[i]);
		int64_t id, post = 0;
		int ok = parse_id(topic, &id) == 0 && (!slash || parse_id(slash + 1, &post) == 0);
		free(topic);
		if (!ok)
			continue;
		size_t k = 0;
		while (k < npts && pts[k].id != id)
			k++;
		if (k == npts) {
			pts = xrealloc(pts, (npts + 1) * sizeof *pts);
			pts[npts++] = (struct push_topic){.id = id};
		}
		if (!post) {
			pts[k].whole = 1;
			continue;
		}
		pts[k].posts = xrealloc(pts[k].posts, (pts[k].nposts + 1) * sizeof *pts[k].posts);
		pts[k].posts[pts[k].nposts++] = post;
	}

	/* round 1: the posts, and what is not kept */
	int cats_kept = cats_get(d) == 0;
	if (!cats_kept) {
		round_add(&r, PUSH_CATS, 0);
		buf_addf(&r.urls[r.n - 1], "%s/site.json", d->base);
	}
	for (size_t k = 0; k < npts; k++) {
		struct push_topic *pt = &pts[k];
		if (pt->whole)
			continue;
		pt->have_meta = meta_get(d, pt->id, &pt->meta);
		if (!pt->have_meta) {
			round_add(&r, PUSH_META, k);
			buf_addf(&r.urls[r.n - 1], "%s/t/%" PRId64 ".json", d->base, pt->id);
		}
		for (size_t i = 0; i < pt->nposts; i++) {
			if (i % DSC_CHUNK == 0) {
				round_add(&r, PUSH_POSTS, k);
				buf_addf(&r.urls[r.n - 1], "%s/t/%" PRId64 "/posts.json?", d->base,
					 pt->id);
			}
			buf_addf(&r.urls[r.n - 1], "%spost_ids[]=%" PRId64,
				 i % DSC_CHUNK ? "&" : "", pt->posts[i]);
		}
	}
	if (r.n && round_run(d, &r, &rs, err) < 0)
		goto out;
	for (size_t i = 0; i < r.n; i++) {
		const char *url = buf_str(&r.urls[i]);
		if (r.what[i] == PUSH_CATS) {
			struct dj_categories c = {0};
			char *e = NULL;
			if (rs[i].status != 200) {
				*err = xasprintf("forum %s: GET %s: HTTP %ld", d->f->name, url,
						 rs[i].status);
				goto out;
			}
			if (dj_parse_categories(rs[i].body, rs[i].body_len, &c, &e) < 0) {
				*err = json_err(d, "/site.json", e);
				goto out;
			}
			cats_put(d, rs[i].body, rs[i].body_len);
			dj_categories_free(&d->cats);
			d->cats = c;
			continue;
		}
		struct push_topic *pt = &pts[r.topic[i]];
		if (!pt->skip && !pt->whole && push_read(d, pt, r.what[i], url, &rs[i], err) < 0)
			goto out;
	}
	round_free(&r, rs);
	rs = NULL;

	/* a topic in a category the kept list lacks (a new category): the
	 * list again, once */
	for (size_t k = 0; k < npts && cats_kept; k++) {
		const struct push_topic *pt = &pts[k];
		if (!pt->whole && !pt->skip && pt->have_meta &&
		    !dj_category_find(&d->cats, pt->meta.category_id)) {
			if (dsc_load_categories(d, err) < 0)
				goto out;
			break;
		}
	}

	/* round 2: the posts they answer, when not fetched */
	for (size_t k = 0; k < npts; k++) {
		struct push_topic *pt = &pts[k];
		if (pt->whole || pt->skip || !pt->have_meta)
			continue;
		int *asked = NULL;
		size_t nasked = 0;
		for (size_t i = 0; i < pt->known.n; i++) {
			const struct dj_post *p = &pt->known.v[i];
			int pushed = 0;
			for (size_t j = 0; j < pt->nposts && !pushed; j++)
				pushed = pt->posts[j] == p->id;
			int num = pushed && dj_post_gatewayed(p) ? dj_post_parent_number(p) : 0;
			if (num <= 0 || known_number(pt, num))
				continue;
			int dup = 0;
			for (size_t j = 0; j < nasked && !dup; j++)
				dup = asked[j] == num;
			if (dup)
				continue;
			asked = xrealloc(asked, (nasked + 1) * sizeof *asked);
			asked[nasked++] = num;
			round_add(&r, PUSH_PARENT, k);
			buf_addf(&r.urls[r.n - 1], "%s/t/%s/%" PRId64 "/%d.json", d->base,
				 pt->meta.slug && *pt->meta.slug ? pt->meta.slug : "-", pt->id,
				 num);
		}
		free(asked);
	}
	if (r.n && round_run(d, &r, &rs, err) < 0)
		goto out;
	for (size_t i = 0; i < r.n; i++) {
		struct push_topic *pt = &pts[r.topic[i]];
		if (!pt->skip && !pt->whole &&
		    push_read(d, pt, PUSH_PARENT, buf_str(&r.urls[i]), &rs[i], err) < 0)
			goto out;
	}

	/* the threads: the pushed posts in the order of the topic */
	for (size_t k = 0; k < npts; k++) {
		struct push_topic *pt = &pts[k];
		if (pt->whole || pt->skip || !pt->have_meta)
			continue;
		qsort(pt->known.v, pt->known.n, sizeof *pt->known.v, cmp_post_id);
		/* a parent still unknown: as the full fetch would thread it */
		for (size_t i = 0; i < pt->nposts && !pt->whole; i++) {
			const struct dj_post *p = find_post(&pt->known, pt->posts[i]);
			int num = p && dj_post_gatewayed(p) ? dj_post_parent_number(p) : 0;
			if (num > 0 && !known_number(pt, num))
				pt->whole = 1;
		}
		if (pt->whole)
			continue;
		qsort_r(pt->posts, pt->nposts, sizeof *pt->posts, cmp_topic_number, pt);
		struct forum_thread *t = dsc_thread(d, &pt->meta, pt->posts, pt->nposts, &pt->known,
						    0);
		if (t && cb(arg, t) < 0)
			goto out;
	}
	for (size_t k = 0; k < npts; k++) {
		int skipped;
		if (pts[k].whole && dsc_topic(d, pts[k].id, cb, arg, &skipped, err) < 0)
			goto out;
	}
	rc = 0;
out:
	round_free(&r, rs);
	for (size_t k = 0; k < npts; k++) {
		free(pts[k].posts);
		dj_topic_clear(&pts[k].meta);
		dj_posts_free(&pts[k].known);
	}
	free(pts);
	return rc;
}

static int dsc_changes(void *state, const char *cursor, const struct forum_changes_opts *opts,
		       forum_thread_cb cb, int (*checkpoint)(void *arg, const char *cursor),
		       void *arg, char **next, int *warnings, char **err)
{
	struct dsc *d = state;
	struct dsc_cursor c;
	*warnings = 0;
	if (opts->ntopics > 0) {
		/* pushed by webhooks: these topics and posts, the cursor stays */
		if (dsc_push(d, opts->topics, opts->ntopics, cb, arg, err) < 0)
			return -1;
		*next = xstrdup(cursor ? cursor : "");
		return 0;
	}
	if (dsc_load_categories(d, err) < 0)
		return -1;
	if (!cursor || !*cursor) {
		memset(&c, 0, sizeof c);
		if (dsc_feed_top(d, &c.post, &c.upd, err) < 0)
			return -1;
		c.bf = 1;
		c.next = INT64_MAX;
		c.start = (int64_t)time(NULL);
		c.cutoff = opts->backfill_days > 0 ? c.start - (int64_t)opts->backfill_days * 86400
						   : 0;
		c.left = opts->backfill_topics > 0 ? opts->backfill_topics : -1;
	} else {
		cursor_read(cursor, &c);
		if (!c.start)
			c.start = (int64_t)time(NULL);
	}

	if (c.bf) {
		int64_t *ids = NULL;
		size_t n = 0;
		if (dsc_backfill_list(d, &c, &ids, &n, err) < 0)
			return -1;
		long total = (long)n, done = 0;
		for (size_t i = 0; i < n; i++) {
			if (ids[i] >= c.next)
				continue;
			int skipped;
			if (dsc_topic(d, ids[i], cb, arg, &skipped, err) < 0) {
				free(ids);
				return -1;
			}
			c.next = ids[i];
			(void)skipped;
			opts->progress(opts->progress_arg, ++done, total, "topics");
			if (checkpoint) {
				char *cp = cursor_write(&c);
				int rc = checkpoint(arg, cp);
				free(cp);
				if (rc < 0) {
					free(ids);
					*err = xasprintf("forum %s: checkpoint failed", d->f->name);
					return -1;
				}
			}
		}
		free(ids);
		c.bf = 0;
	}

	/* incremental: the feed down to the last post seen */
	struct id_set topics = {0};
	int64_t top = c.post, upd = c.upd, before = 0;
	long read = 0;
	for (int page = 0; page < DSC_FEED_PAGES; page++) {
		char path[64];
		if (before > 0)
			snprintf(path, sizeof path, "/posts.json?before=%" PRId64, before);
		else
			snprintf(path, sizeof path, "/posts.json");
		struct http_response rs;
		if (dsc_get(d, path, &rs, err) < 0)
			goto fail;
		struct dj_posts ps = {0};
		char *e = NULL;
		int rc = dj_parse_posts(rs.body, rs.body_len, &ps, &e);
		http_response_clear(&rs);
		if (rc < 0) {
			*err = json_err(d, path, e);
			goto fail;
		}
		int64_t low = INT64_MAX;
		for (size_t i = 0; i < ps.n; i++) {
			const struct dj_post *p = &ps.v[i];
			if (p->id < low)
				low = p->id;
			if (p->id > c.post || (p->updated_at && p->updated_at > c.upd))
				id_add(&topics, p->topic_id);
			if (p->id > top)
				top = p->id;
			if (p->updated_at > upd)
				upd = p->updated_at;
		}
		size_t got = ps.n;
		dj_posts_free(&ps);
		read += (long)got;
		/* a page at a time: sync takes pushes meanwhile */
		opts->progress(opts->progress_arg, read, 0, "feed posts");
		if (got == 0 || low <= c.post || low <= 1)
			break;
		before = low - 1;
	}
	for (size_t i = 0; i < topics.n; i++) {
		int skipped;
		if (dsc_topic(d, topics.v[i], cb, arg, &skipped, err) < 0)
			goto fail;
		opts->progress(opts->progress_arg, (long)i + 1, (long)topics.n, "topics");
	}
	free(topics.v);
	c.post = top;
	c.upd = upd;
	*next = cursor_write(&c);
	return 0;
fail:
	free(topics.v);
	return -1;
}

/* ---- posting ---- */

/* The Discourse username of gateway user `user`: its line "USER NAME" in
 * users_file (read at each post, so edits need no restart; '#' starts a
 * comment), else the same name. Returns 1 (a line maps it) or 0 (the same
 * name) and *out (malloc'd), or -1 with *err when the file cannot be read. */
static int dsc_map_user(const struct dsc *d, const char *user, char **out, char **err)
{
	*out = NULL;
	if (d->cfg && d->cfg->users_file) {
		FILE *fp = fopen(d->cfg->users_file, "re");
		if (!fp) {
			*err = xasprintf("forum %s: discourse.users_file %s: %s", d->f->name,
					 d->cfg->users_file, strerror(errno));
			return -1;
		}
		char line[512];
		while (!*out && fgets(line, sizeof line, fp)) {
			line[strcspn(line, "#\r\n")] = 0;
			char *save = NULL, *a = strtok_r(line, " \t", &save);
			char *b = a ? strtok_r(NULL, " \t", &save) : NULL;
			if (a && b && strcmp(a, user) == 0)
				*out = xstrdup(b);
		}
		fclose(fp);
	}
	if (*out)
		return 1;
	*out = xstrdup(user);
	return 0;
}

/* The username in an answer of /admin/users/list/all.json (an array of
 * users) whose "email" is `addr` (case-insensitively: Discourse keeps
 * addresses lower-case), or NULL (discourse.h). */
char *discourse_user_by_email(const char *body, size_t len, const char *addr)
{
	struct jr r;
	enum jr_token tok;
	char *e = NULL, *name = NULL, *found = NULL;
	int depth = 0, key = 0, match = 0; /* key: 1 username, 2 email */
	jr_init(&r, body, len, "answer");
	while (!found && jr_next(&r, &tok, &e) == 0 && tok != JR_END) {
		if (tok == JR_OBJECT || tok == JR_ARRAY) {
			if (++depth == 2) {
				free(name);
				name = NULL;
				match = 0;
			}
		} else if (tok == JR_OBJECT_END || tok == JR_ARRAY_END) {
			if (depth-- == 2 && match && name) {
				found = name;
				name = NULL;
			}
		} else if (tok == JR_KEY) {
			const char *k = buf_str(&r.str);
			key = depth != 2                   ? 0
			      : strcmp(k, "username") == 0 ? 1
			      : strcmp(k, "email") == 0    ? 2
							   : 0;
			continue;
		} else if (tok == JR_STRING && key == 1 && r.str.len) {
			size_t l;
			free(name);
			name = jr_take(&r, &l);
		} else if (tok == JR_STRING && key == 2) {
			match = strcasecmp(buf_str(&r.str), addr) == 0;
		}
		key = 0;
	}
	free(name);
	free(e);
	jr_free(&r);
	return found;
}

/* Address -> username hits of lookup_users, kept DSC_USER_TTL seconds.
 * The connector's state lives for one post (the outbox opens it per
 * reply), so the cache is process-wide, one per forum name, guarded by a
 * mutex; misses are not kept, so an account made after a refusal works at
 * the next reply. */
#define DSC_USER_TTL 3600
#define DSC_USER_CACHE 256

static struct dsc_user_hit {
	char *forum, *addr, *user;
	time_t until;
} user_cache[DSC_USER_CACHE];
static pthread_mutex_t user_cache_lock = PTHREAD_MUTEX_INITIALIZER;

static char *user_cache_get(const char *forum, const char *addr, time_t now)
{
	char *hit = NULL;
	pthread_mutex_lock(&user_cache_lock);
	for (size_t i = 0; i < DSC_USER_CACHE && !hit; i++) {
		struct dsc_user_hit *u = &user_cache[i];
		if (u->user && u->until > now && strcmp(u->forum, forum) == 0 &&
		    strcasecmp(u->addr, addr) == 0)
			hit = xstrdup(u->user);
	}
	pthread_mutex_unlock(&user_cache_lock);
	return hit;
}

static void user_cache_put(const char *forum, const char *addr, const char *user, time_t now)
{
	pthread_mutex_lock(&user_cache_lock);
	struct dsc_user_hit *slot = &user_cache[0];
	for (size_t i = 0; i < DSC_USER_CACHE; i++) {
		if (user_cache[i].until < slot->until)
			slot = &user_cache[i]; /* the oldest (or an empty) slot */
	}
	free(slot->forum);
	free(slot->addr);
	free(slot->user);
	slot->forum = xstrdup(forum);
	slot->addr = xstrdup(addr);
	slot->user = xstrdup(user);
	slot->until = now + DSC_USER_TTL;
	pthread_mutex_unlock(&user_cache_lock);
}

/* The Discourse account whose email is addr, by the admin API. Returns 1
 * and *out (malloc'd), 0 when no account has it, 2 when the key cannot ask
 * (no admin scope: the operator is told in the log), or -1 with *err when
 * the forum cannot be reached. */
static int dsc_lookup_user(struct dsc *d, const char *addr, char **out, char **err)
{
	time_t now = time(NULL);
	*out = user_cache_get(d->f->name, addr, now);
	if (*out)
		return 1;
	struct buf path = BUF_INIT;
	buf_adds(&path, "/admin/users/list/all.json?show_emails=true&email=");
	for (const unsigned char *p = (const unsigned char *)addr; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p))
			buf_addc(&path, (char)*p);
		else
			buf_addf(&path, "%%%02X", *p);
	}
	struct http_response rs;
	long st = dsc_call(d, "GET", buf_str(&path), NULL, NULL, &rs, err);
	buf_free(&path);
	if (st < 0)
		return -1;
	int rc;
	if (st == 200) {
		*out = discourse_user_by_email(rs.body, rs.body_len, addr);
		rc = *out ? 1 : 0;
		if (*out)
			user_cache_put(d->f->name, addr, *out, now);
	} else {
		/* Discourse answers 403 (or 404, the route being admin-only)
		 * to a key without admin scope */
		log_warn("forum %s: discourse.lookup_users: GET /admin/users/list/all.json: HTTP "
			 "%ld: the API key lacks admin scope (or the user %s is no admin); "
			 "posting as the gateway user name",
			 d->f->name, st, dsc_user(d));
		rc = 2;
	}
	http_response_clear(&rs);
	return rc;
}

static void json_str(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (*p == '"' || *p == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, (char)*p);
		} else if (*p == '\n') {
			buf_adds(b, "\\n");
		} else if (*p == '\t') {
			buf_adds(b, "\\t");
		} else if (*p < 0x20) {
			buf_addf(b, "\\u%04x", *p);
		} else {
			buf_addc(b, (char)*p);
		}
	}
	buf_addc(b, '"');
}

/* The "errors" strings of a Discourse error answer, joined with "; " (the
 * reason a refused reply's sender reads), or NULL (discourse.h). */
char *discourse_errors(const char *body, size_t len)
{
	struct jr r;
	struct buf b = BUF_INIT;
	enum jr_token tok;
	char *e = NULL;
	int depth = 0, in_errors = 0, want = 0;
	jr_init(&r, body, len, "answer");
	while (jr_next(&r, &tok, &e) == 0 && tok != JR_END) {
		if (tok == JR_OBJECT || tok == JR_ARRAY) {
			depth++;
			if (want && tok == JR_ARRAY)
				in_errors = depth;
			want = 0;
		} else if (tok == JR_OBJECT_END || tok == JR_ARRAY_END) {
			if (in_errors == depth)
				in_errors = 0;
			depth--;
		} else if (tok == JR_KEY) {
			want = depth == 1 && strcmp(buf_str(&r.str), "errors") == 0;
		} else {
			if (tok == JR_STRING && in_errors == depth && in_errors) {
				if (b.len)
					buf_adds(&b, "; ");
				buf_adds(&b, buf_str(&r.str));
			}
			want = 0;
		}
	}
	free(e);
	jr_free(&r);
	if (!b.len) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

static int create_as(struct dsc *d, const struct forum_new_post *p, const char *user,
		     char **post_id, char **err)
{
	struct buf b = BUF_INIT;
	struct http_response rs;
	int64_t topic = 0, parent = 0;
	int number = 0;

	if (p->thread_id && parse_id(p->thread_id, &topic) < 0) {
		*err = xasprintf("forum %s: topic id \"%s\" is not a Discourse topic", d->f->name,
				 p->thread_id);
		return FORUM_POST_REFUSED;
	}
	if (p->parent_id && topic && parse_id(p->parent_id, &parent) == 0) {
		char path[64];
		snprintf(path, sizeof path, "/posts/%" PRId64 ".json", parent);
		long st = dsc_call(d, "GET", path, NULL, NULL, &rs, err);
		if (st < 0)
			return FORUM_POST_TEMPFAIL;
		if (st == 200) {
			struct dj_posts ps = {0};
			char *e = NULL;
			if (dj_parse_posts(rs.body, rs.body_len, &ps, &e) == 0 && ps.n == 1 &&
			    ps.v[0].topic_id == topic)
				number = ps.v[0].post_number;
			free(e);
			dj_posts_free(&ps);
		}
		/* a parent that is gone: the reply goes to the topic */
		http_response_clear(&rs);
	}
	buf_adds(&b, "{\"raw\":");
	json_str(&b, p->body);
	if (topic) {
		buf_addf(&b, ",\"topic_id\":%" PRId64, topic);
		if (number > 1)
			buf_addf(&b, ",\"reply_to_post_number\":%d", number);
	} else {
		if (!d->cats.n && dsc_load_categories(d, err) < 0) {
			buf_free(&b);
			return FORUM_POST_TEMPFAIL;
		}
		int64_t cat = dsc_board_category(d, p->board);
		if (!cat) {
			*err = xasprintf("forum %s: no category for board \"%s\"", d->f->name,
					 p->board ? p->board : "");
			buf_free(&b);
			return FORUM_POST_REFUSED;
		}
		buf_adds(&b, ",\"title\":");
		json_str(&b, p->title ? p->title : p->thread_title);
		buf_addf(&b, ",\"category\":%" PRId64, cat);
	}
	buf_addc(&b, '}');
	long st = dsc_call(d, "POST", "/posts.json", user, buf_str(&b), &rs, err);
	buf_free(&b);
	if (st < 0)
		return FORUM_POST_TEMPFAIL;
	int rc;
	if (st == 200) {
		struct dj_posts ps = {0};
		char *e = NULL;
		if (dj_parse_posts(rs.body, rs.body_len, &ps, &e) == 0 && ps.n == 1) {
			*post_id = xasprintf("%" PRId64, ps.v[0].id);
			rc = FORUM_POST_OK;
		} else {
			/* posted, but the answer says not which post: the outbox
			 * retries later rather than calling it refused */
			*err = xasprintf("forum %s: POST /posts.json: unreadable answer: %s",
					 d->f->name, e ? e : "no post");
			rc = FORUM_POST_TEMPFAIL;
		}
		free(e);
		dj_posts_free(&ps);
	} else {
		char *why = discourse_errors(rs.body, rs.body_len);
		if (st == 422 || st == 403 || st == 404 || st == 400)
			rc = FORUM_POST_REFUSED;
		else
			rc = FORUM_POST_TEMPFAIL;
		*err = why ? why
			   : xasprintf("forum %s: POST /posts.json: HTTP %ld", d->f->name, st);
	}
	http_response_clear(&rs);
	return rc;
}

static int dsc_create_post(void *state, const struct forum_new_post *p, char **post_id, char **err)
{
	struct dsc *d = state;
	/* the forum user who posts: the sender's name on the gateway, mapped
	 * through users_file (the key needs admin scope to act for other
	 * users), else found by the sender's address (lookup_users);
	 * api_username when the reply carries none */
	char *user = NULL;
	int m = dsc_map_user(d, p->author && *p->author ? p->author : dsc_user(d), &user, err);
	if (m < 0)
		return FORUM_POST_TEMPFAIL;
	/* lookup_users: no users_file line for the sender, so the account
	 * whose email is the sender's address; none is a refusal the sender
	 * reads (the outbox mails it), saying how to get one */
	if (m == 0 && d->cfg && d->cfg->lookup_users && d->api_key && p->author_address) {
		char *found = NULL;
		int l = dsc_lookup_user(d, p->author_address, &found, err);
		if (l < 0) {
			free(user);
			return FORUM_POST_TEMPFAIL;
		}
		if (l == 0) {
			*err = xasprintf("no account on %s uses %s: sign up at %s/signup with that "
					 "address, or ask an admin of the forum to add it to your "
					 "account",
					 d->base, p->author_address, d->base);
			free(user);
			return FORUM_POST_REFUSED;
		}
		if (l == 1) {
			free(user);
			user = found;
		}
	}
	int rc = create_as(d, p, user, post_id, err);
	free(user);
	return rc;
}

const struct forum_connector_ops discourse_connector = {
	.type = "discourse",
	.open = dsc_open,
	.list_boards = dsc_list_boards,
	.changes = dsc_changes,
	.create_post = dsc_create_post,
	.expected_id = NULL,
	.close = dsc_close,
	.config = &dsc_section,
	.flags = FORUM_CONN_REMOTE,
};
