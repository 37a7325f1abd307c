/*
 * sync: connector → render → store. See include/forumgate/sync.h.
 *
 * A post is identified by (forum, post id). Its content fingerprint (FNV-1a
 * over everything that shows in the article) decides between "unchanged"
 * (nothing written), "new" and "edited" (version + 1, new Message-ID,
 * Supersedes: the old one, old article withdrawn). A post without a date
 * keeps the date stored when it was first seen, so a re-sync renders the same
 * article.
 *
 * Threading (DESIGN.md "Articles"): parent = the post it explicitly answers,
 * else the first post it quotes that we know, else the thread's root.
 *
 * Writes are batched: a transaction covers up to SYNC_BATCH posts, so a big
 * import is fast and a crash loses at most an uncommitted batch, which the
 * next pass re-reads because the cursor only moves with the last batch.
 */
#include "forumgate/sync.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "forumgate/article.h"
#include "forumgate/buf.h"
#include "forumgate/connector.h"
#include "forumgate/log.h"
#include "forumgate/text.h"

#define SYNC_BATCH 2000

/*
 * A post's hash says whether anything that goes into its article changed
 * since the last sync. It is XXH3 (64 bits) over the fields, each ended by
 * "\0\0" (a NULL field is "\0\1": fields never hold a NUL), and the numbers
 * in binary, stored as "x3:" and 16 hex digits. Stores written before
 * hold FNV-1a hashes (16 hex digits, no prefix): a post whose stored hash is
 * one of those is compared with post_hash_fnv() instead, so upgrading
 * forumgate does not turn every post into an edit.
 */
#define POST_HASH_LEN 20 /* "x3:" + 16 hex + NUL */

static void hash_field(XXH3_state_t *x, const char *s)
{
	if (s != NULL)
		XXH3_64bits_update(x, s, strlen(s));
	XXH3_64bits_update(x, s != NULL ? "\0\0" : "\0\1", 2);
}

static void post_hash(XXH3_state_t *x, const struct forum_thread *t, const struct forum_post *p,
		      const char *group, char out[POST_HASH_LEN])
{
	const int64_t num[5] = {p->guest, (int64_t)p->markup, p->deleted, (int64_t)p->date,
				p->position};
	XXH3_64bits_reset(x);
	hash_field(x, t->title);
	hash_field(x, group);
	hash_field(x, p->author);
	hash_field(x, p->author_id);
	XXH3_64bits_update(x, num, sizeof num);
	hash_field(x, p->body);
	hash_field(x, p->signature);
	hash_field(x, p->parent_id);
	hash_field(x, p->url);
	snprintf(out, POST_HASH_LEN, "x3:%016llx", (unsigned long long)XXH3_64bits_digest(x));
}

static uint64_t fnv_add(uint64_t h, const char *s)
{
	if (s == NULL)
		s = "\x01"; /* distinguishes NULL from "" */
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	h ^= 0x1f;
	h *= 0x100000001b3ULL;
	return h;
}

/* The hash of stores written before "x3:" hashes. */
static void post_hash_fnv(const struct forum_thread *t, const struct forum_post *p,
			  const char *group, char out[17])
{
	char num[64];
	uint64_t h = 0xcbf29ce484222325ULL;
	h = fnv_add(h, t->title);
	h = fnv_add(h, group);
	h = fnv_add(h, p->author);
	h = fnv_add(h, p->author_id);
	snprintf(num, sizeof num, "%d/%d/%d/%lld/%d", p->guest, (int)p->markup, p->deleted,
		 (long long)p->date, p->position);
	h = fnv_add(h, num);
	h = fnv_add(h, p->body);
	h = fnv_add(h, p->signature);
	h = fnv_add(h, p->parent_id);
	h = fnv_add(h, p->url);
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* Whether the post is as it was when its stored hash was taken. */
static int post_unchanged(const char *stored, const char *hash, const struct forum_thread *t,
			  const struct forum_post *p, const char *group)
{
	if (stored == NULL)
		return 0;
	if (strncmp(stored, "x3:", 3) == 0)
		return strcmp(stored, hash) == 0;
	char old[17];
	post_hash_fnv(t, p, group, old);
	return strcmp(stored, old) == 0;
}

/* The concatenation of NULL-ended strings, malloc'd: the per-post header
 * values, without a printf per post. */
static char *concat(const char *first, ...)
{
	va_list ap;
	size_t n = 0;
	va_start(ap, first);
	for (const char *s = first; s != NULL; s = va_arg(ap, const char *))
		n += strlen(s);
	va_end(ap);
	char *out = xmalloc(n + 1), *o = out;
	va_start(ap, first);
	for (const char *s = first; s != NULL; s = va_arg(ap, const char *)) {
		size_t len = strlen(s);
		memcpy(o, s, len);
		o += len;
	}
	va_end(ap);
	*o = '\0';
	return out;
}

/* Expands an address template: {user} {id} {forum} {domain}. */
static char *expand_address(const char *tmpl, const char *user, const char *id,
			    const char *forum, const char *domain)
{
	struct buf b = BUF_INIT;
	for (const char *s = tmpl; *s; s++) {
		const char *val = NULL;
		size_t skip = 0;
		if (strncmp(s, "{user}", 6) == 0)
			val = user, skip = 6;
		else if (strncmp(s, "{id}", 4) == 0)
			val = id, skip = 4;
		else if (strncmp(s, "{forum}", 7) == 0)
			val = forum, skip = 7;
		else if (strncmp(s, "{domain}", 8) == 0)
			val = domain, skip = 8;
		if (skip) {
			buf_adds(&b, val ? val : "");
			s += skip - 1;
		} else {
			buf_addc(&b, *s);
		}
	}
	return buf_detach(&b);
}

/* From: display name and address for a post's author. */
static void author_of(const struct cfg *c, const struct cfg_forum *f, const struct forum_post *p,
		      char **name, char **addr)
{
	const char *dflt_user = "{user}@users.{domain}", *dflt_guest = "guest@{domain}";
	if (p->author == NULL || p->author[0] == '\0') {
		*name = NULL;
		*addr = expand_address(f->guest_address ? f->guest_address : dflt_guest, "unknown",
				       "unknown", f->name, c->gateway.domain);
		/* the guest template may not use {user}; keep "unknown" visible */
		if (strstr(f->guest_address ? f->guest_address : dflt_guest, "{user}") == NULL) {
			free(*addr);
			*addr = xasprintf("unknown@%s", c->gateway.domain);
		}
		return;
	}
	char *slug = article_slug(p->author);
	if (p->guest) {
		*name = xasprintf("%s (guest)", p->author);
		*addr = expand_address(f->guest_address ? f->guest_address : dflt_guest, slug, slug,
				       f->name, c->gateway.domain);
	} else {
		*name = xstrdup(p->author);
		char *id = p->author_id ? article_slug(p->author_id) : xstrdup(slug);
		*addr = expand_address(f->author_address ? f->author_address : dflt_user, slug, id,
				       f->name, c->gateway.domain);
		free(id);
	}
	free(slug);
}

/* The posts of a thread synced in this pass, for a thread the store had no
 * post of before it: then every question about the thread's posts (is this
 * post known, which is the root, which post is at position n, the parent's
 * Message-ID and References) is answered here, exactly as the store would
 * answer it, without a query. For a thread the store already knows, the
 * store is asked as before. */
struct pass_post {
	char *key;
	int64_t position;
	char *message_id, *references;
};

struct thread_pass {
	int is_new; /* the store had no post of the thread when the pass began */
	XXH3_state_t *hash; /* post_hash()'s state, made once per thread */
	struct pass_post *posts;
	size_t n, cap;
	size_t *slots;  /* open addressing by key: index + 1, 0 = free; 2 * cap */
	size_t root;    /* index of the root (lowest position, first put) */
};

static size_t key_hash(const char *key)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *key; key++) {
		h ^= (unsigned char)*key;
		h *= 0x100000001b3ULL;
	}
	return (size_t)h;
}

/* The slot of key: its entry's, or the free one where it would go. */
static size_t *pass_slot(const struct thread_pass *tp, const char *key)
{
	size_t mask = 2 * tp->cap - 1;
	for (size_t i = key_hash(key) & mask;; i = (i + 1) & mask) {
		size_t *slot = &tp->slots[i];
		if (*slot == 0 || strcmp(tp->posts[*slot - 1].key, key) == 0)
			return slot;
	}
}

/* A megathread has thousands of posts: lookups are hashed, not scanned. */
static struct pass_post *pass_find(const struct thread_pass *tp, const char *key)
{
	if (tp->n == 0)
		return NULL;
	size_t *slot = pass_slot(tp, key);
	return *slot ? &tp->posts[*slot - 1] : NULL;
}

/* The store's answer: the first post put at that position. */
static struct pass_post *pass_at(const struct thread_pass *tp, int64_t position)
{
	for (size_t i = 0; i < tp->n; i++)
		if (tp->posts[i].position == position)
			return &tp->posts[i];
	return NULL;
}

/* The store's answer: lowest position, the first put among equals. */
static struct pass_post *pass_root(const struct thread_pass *tp)
{
	return tp->n ? &tp->posts[tp->root] : NULL;
}

static void pass_find_root(struct thread_pass *tp)
{
	tp->root = 0;
	for (size_t i = 1; i < tp->n; i++)
		if (tp->posts[i].position < tp->posts[tp->root].position)
			tp->root = i;
}

/* Records a post as store_post_put() stored it. */
static void pass_add(struct thread_pass *tp, const struct store_post_in *in)
{
	struct pass_post *pp = pass_find(tp, in->post_key);
	if (pp != NULL) { /* the same post twice in one pass: rare */
		free(pp->message_id);
		free(pp->references);
		pp->position = in->position;
		pp->message_id = xstrdup(in->message_id);
		pp->references = xstrdup(in->references);
		pass_find_root(tp);
		return;
	}
	if (tp->n == tp->cap) {
		tp->cap = tp->cap ? 2 * tp->cap : 64;
		tp->posts = xrealloc(tp->posts, tp->cap * sizeof *tp->posts);
		free(tp->slots);
		tp->slots = xcalloc(2 * tp->cap, sizeof *tp->slots);
		for (size_t i = 0; i < tp->n; i++)
			*pass_slot(tp, tp->posts[i].key) = i + 1;
	}
	pp = &tp->posts[tp->n];
	pp->key = xstrdup(in->post_key);
	pp->position = in->position;
	pp->message_id = xstrdup(in->message_id);
	pp->references = xstrdup(in->references);
	*pass_slot(tp, pp->key) = tp->n + 1;
	if (tp->n > 0 && pp->position < tp->posts[tp->root].position)
		tp->root = tp->n;
	tp->n++;
}

static void pass_free(struct thread_pass *tp)
{
	for (size_t i = 0; i < tp->n; i++) {
		free(tp->posts[i].key);
		free(tp->posts[i].message_id);
		free(tp->posts[i].references);
	}
	free(tp->posts);
	free(tp->slots);
	XXH3_freeState(tp->hash);
}

/* store_post_get() for the thread of this pass. */
static int pass_post_get(struct store *st, const struct thread_pass *tp, int64_t forum_id,
			 const char *thread_key, const char *post_key, struct store_post *sp,
			 char **err)
{
	if (!tp->is_new)
		return store_post_get(st, forum_id, thread_key, post_key, sp, err);
	const struct pass_post *pp = pass_find(tp, post_key);
	if (pp == NULL)
		return 0;
	if (pp->message_id == NULL)
		return store_post_get(st, forum_id, thread_key, post_key, sp, err);
	memset(sp, 0, sizeof *sp);
	sp->message_id = xstrdup(pp->message_id);
	sp->references = xstrdup(pp->references);
	sp->position = pp->position;
	return 1;
}

/* Finds the parent post key per DESIGN.md; NULL for a root. */
static char *find_parent(struct store *st, const struct thread_pass *tp, int64_t forum_id,
			 const struct forum_thread *t, const struct forum_post *p,
			 const struct text_info *info, char **err, int *failed)
{
	char *key = NULL;
	struct store_post sp;
	*failed = 0;
	if (p->parent_id && strcmp(p->parent_id, p->id) != 0) {
		int r = pass_post_get(st, tp, forum_id, t->id, p->parent_id, &sp, err);
		if (r < 0)
			goto fail;
		if (r == 1) {
			store_post_clear(&sp);
			return xstrdup(p->parent_id);
		}
	}
	for (size_t i = 0; i < info->nquoted; i++) {
		const char *q = info->quoted_ids[i];
		if (q[0] == '#') {
			int64_t pos = strtoll(q + 1, NULL, 10);
			int r;
			if (tp->is_new) {
				const struct pass_post *pp = pass_at(tp, pos);
				key = pp ? xstrdup(pp->key) : NULL;
				r = pp != NULL;
			} else {
				r = store_post_at(st, forum_id, t->id, pos, &key, err);
			}
			if (r < 0)
				goto fail;
			if (r == 1 && strcmp(key, p->id) != 0)
				return key;
			free(key);
			key = NULL;
			continue;
		}
		if (strcmp(q, p->id) == 0)
			continue;
		int r = pass_post_get(st, tp, forum_id, t->id, q, &sp, err);
		if (r < 0)
			goto fail;
		if (r == 1) {
			store_post_clear(&sp);
			return xstrdup(q);
		}
	}
	if (p->position == 1)
		return NULL;
	int r;
	if (tp->is_new) {
		const struct pass_post *root = pass_root(tp);
		key = root ? xstrdup(root->key) : NULL;
		r = root != NULL;
	} else {
		r = store_thread_root(st, forum_id, t->id, &key, err);
	}
	if (r < 0)
		goto fail;
	if (r == 0 || strcmp(key, p->id) == 0) {
		free(key);
		return NULL;
	}
	return key;
fail:
	*failed = 1;
	return NULL;
}

static char group_posting(char configured, enum forum_posting seen)
{
	if (configured)
		return configured;
	switch (seen) {
	case FORUM_POSTING_NO:
		return 'n';
	case FORUM_POSTING_MODERATED:
		return 'm';
	case FORUM_POSTING_YES:
		return 'y';
	default:
		return 0; /* keep what the group has */
	}
}

struct rendered {
	struct buf body, sig;
	struct text_info info;
	char *name, *addr, *parent, *refs, *msgid, *xref, *overview, *list_post;
	struct store_post parent_rec;
	struct article_out art;
};

static void rendered_free(struct rendered *r)
{
	buf_free(&r->body);
	buf_free(&r->sig);
	text_info_free(&r->info);
	free(r->name);
	free(r->addr);
	free(r->parent);
	free(r->refs);
	free(r->msgid);
	free(r->xref);
	free(r->overview);
	free(r->list_post);
	store_post_clear(&r->parent_rec);
	article_out_free(&r->art);
}

static int sync_post(struct store *st, struct thread_pass *tp, const struct cfg *c,
		     const struct cfg_forum *f, int64_t forum_id, const struct forum_thread *t,
		     const struct forum_post *p, const char *group, int64_t group_id,
		     char posting, struct sync_stats *stats, char **err)
{
	char hash[POST_HASH_LEN];
	post_hash(tp->hash, t, p, group, hash);
	struct store_post old;
	/* a post of a new thread is known only if this pass put it already */
	int known = tp->is_new && pass_find(tp, p->id) == NULL
			    ? 0
			    : store_post_get(st, forum_id, t->id, p->id, &old, err);
	if (known < 0)
		return -1;
	if (known && post_unchanged(old.hash, hash, t, p, group)) {
		store_post_clear(&old);
		stats->posts_unchanged++;
		return 0;
	}
	struct store_post_in in = {
		.thread_key = t->id, .post_key = p->id, .thread_title = t->title,
		.board = t->board, .thread_url = t->url, .position = p->position,
		.author = p->author, .author_id = p->author_id, .guest = p->guest,
		.date = p->date ? p->date : known ? old.date : (int64_t)time(NULL),
		.markup = (int)p->markup, .body = p->body, .signature = p->signature,
		.parent_key = p->parent_id, .url = p->url, .hash = hash,
		.version = known ? old.version : 1, .deleted = p->deleted,
		.message_id = known ? old.message_id : NULL,
		.references = known ? old.references : NULL, .group_id = group_id,
	};
	int rc = -1;
	struct rendered r = {0};

	if (p->deleted) {
		if (known && old.message_id && !old.deleted &&
		    store_article_withdraw(st, old.message_id, err) != 0)
			goto out;
		rc = store_post_put(st, forum_id, &in, err);
		if (rc == 0 && tp->is_new)
			pass_add(tp, &in);
		stats->posts_deleted++;
		goto out;
	}

	text_convert(p->markup, p->body, strlen(p->body), &r.body, &r.info);
	if (p->signature && p->signature[0])
		text_convert(p->markup, p->signature, strlen(p->signature), &r.sig, NULL);

	int failed;
	r.parent = find_parent(st, tp, forum_id, t, p, &r.info, err, &failed);
	if (failed)
		goto out;
	if (r.parent) {
		if (pass_post_get(st, tp, forum_id, t->id, r.parent, &r.parent_rec, err) != 1)
			goto out;
		const char *pr = r.parent_rec.references;
		r.refs = pr && pr[0] ? concat(pr, " ", r.parent_rec.message_id, NULL)
				     : xstrdup(r.parent_rec.message_id);
	}

	in.version = known ? old.version + 1 : 1;
	/* a post that arrived as a reply (mail or NNTP) keeps the Message-ID it
	 * came with, so the sender's reader sees no duplicate */
	if (!known) {
		int r2 = store_outbox_msgid(st, f->name, p->id, &r.msgid, err);
		if (r2 < 0)
			goto out;
		if (r2 == 1 && store_article_exists(st, r.msgid, err) != 0) {
			free(r.msgid); /* taken (or unknown): use our own id */
			r.msgid = NULL;
		}
	}
	if (r.msgid == NULL)
		r.msgid = article_message_id(f->name, t->id, p->id, in.version, c->gateway.domain);
	int64_t number;
	if (store_group_next_number(st, group_id, &number, err) != 0)
		goto out;
	const char *host = c->gateway.path_host ? c->gateway.path_host : c->gateway.domain;
	char num[24];
	snprintf(num, sizeof num, "%lld", (long long)number);
	r.xref = concat(host, " ", group, ":", num, NULL);
	char *path = concat(host, "!not-for-mail", NULL);
	const char *rdomain = c->mail.reply_domain ? c->mail.reply_domain : c->gateway.domain;
	char *reply_to = NULL;
	if (posting != 'n') {
		r.list_post = concat("mailto:", group, "@", rdomain, NULL);
		if (c->mail.reply_to)
			reply_to = concat(group, "@", rdomain, NULL);
	}
	author_of(c, f, p, &r.name, &r.addr);

	struct article_in ai = {
		.newsgroups = group, .from_name = r.name, .from_addr = r.addr,
		.subject = t->title, .is_reply = r.parent != NULL, .date = in.date,
		.tz = f->timezone, .message_id = r.msgid, .references = r.refs,
		.in_reply_to = r.parent ? r.parent_rec.message_id : NULL,
		.supersedes = known && !old.deleted ? old.message_id : NULL,
		.path = path, .organization = c->gateway.organization, .archived_at = p->url,
		.xref = r.xref, .list_post = r.list_post, .reply_to = reply_to,
		.body = buf_str(&r.body),
		.signature = r.sig.len ? buf_str(&r.sig) : NULL,
	};
	int built = article_build(&ai, &r.art, err);
	free(path);
	free(reply_to);
	if (built != 0)
		goto out;
	r.overview = article_overview(&r.art, r.xref);
	struct store_article_in sa = {
		.message_id = r.msgid, .wire = r.art.wire.p, .wire_len = r.art.wire.len,
		.header_len = r.art.header_len, .lines = r.art.lines, .overview = r.overview,
		.date = in.date, .group_ids = &group_id, .numbers = &number, .ngroups = 1,
	};
	int added = store_article_add(st, &sa, err);
	if (added < 0)
		goto out;
	if (known && old.message_id && !old.deleted &&
	    store_article_withdraw(st, old.message_id, err) != 0)
		goto out;
	in.message_id = r.msgid;
	in.references = r.art.references ? r.art.references : "";
	if (store_post_put(st, forum_id, &in, err) != 0)
		goto out;
	if (tp->is_new)
		pass_add(tp, &in);
	if (known)
		stats->posts_edited++;
	else
		stats->posts_new++;
	rc = 0;
out:
	rendered_free(&r);
	if (known)
		store_post_clear(&old);
	return rc;
}

int sync_thread(struct store *st, const struct cfg *c, const struct cfg_forum *f,
		int64_t forum_id, const struct forum_thread *t, struct sync_stats *stats,
		char **err)
{
	const char *desc = NULL;
	char configured = 0;
	char *group = cfg_board_group(f, t->board, &desc, &configured);
	char posting = group_posting(configured, t->posting);
	int64_t group_id;
	int rc = store_group_ensure(st, group, desc, posting, &group_id, err);
	if (rc == 0)
		rc = store_group_set_members_only(st, group_id, cfg_group_members_only(c, group), err);
	if (rc == 0 && posting == 0)
		rc = store_group_posting(st, group_id, &posting, err);
	/* one question per thread: had the store any post of it? */
	struct thread_pass tp = {.hash = XXH3_createState()};
	char *root = NULL;
	if (tp.hash == NULL)
		abort(); /* out of memory, as xmalloc() */
	if (rc == 0) {
		int r = store_thread_root(st, forum_id, t->id, &root, err);
		free(root);
		if (r < 0)
			rc = -1;
		tp.is_new = r == 0;
	}
	for (size_t i = 0; rc == 0 && i < t->nposts; i++) {
		rc = sync_post(st, &tp, c, f, forum_id, t, &t->posts[i], group, group_id, posting,
			       stats, err);
		if (rc != 0) {
			char *msg = xasprintf("thread %s post %s: %s", t->id, t->posts[i].id,
					      err && *err ? *err : "failed");
			fg_error(err, "%s", msg);
			free(msg);
		}
	}
	pass_free(&tp);
	if (rc == 0)
		stats->threads++;
	free(group);
	return rc;
}

struct pass {
	struct store *st;
	const struct cfg *c;
	const struct cfg_forum *f;
	int64_t forum_id;
	struct sync_stats *stats;
	size_t batch;
	char *err;
};

static int pass_thread(void *arg, struct forum_thread *t)
{
	struct pass *ps = arg;
	int rc = sync_thread(ps->st, ps->c, ps->f, ps->forum_id, t, ps->stats, &ps->err);
	ps->batch += t->nposts;
	forum_thread_free(t);
	if (rc != 0)
		return -1;
	if (ps->batch >= SYNC_BATCH) {
		ps->batch = 0;
		if (store_commit(ps->st, &ps->err) != 0 || store_begin(ps->st, &ps->err) != 0)
			return -1;
	}
	return 0;
}

int sync_forum(struct store *st, const struct cfg *c, const struct cfg_forum *f,
	       const char *path, int use_cursor, struct sync_stats *stats, char **err)
{
	const struct forum_connector_ops *ops = forum_connector(f->type);
	if (ops == NULL)
		return fg_error(err, "forum %s: connector type %s is not supported yet", f->name,
				f->type);
	void *state = NULL;
	if (ops->open(f, path, &state, err) != 0)
		return -1;
	struct pass ps = {.st = st, .c = c, .f = f, .stats = stats};
	char *cursor = NULL, *next = NULL;
	int warnings = 0, rc = -1;
	if (store_begin(st, err) != 0)
		goto out;
	if (store_forum_ensure(st, f->name, &ps.forum_id, err) != 0 ||
	    (use_cursor && store_cursor_get(st, ps.forum_id, &cursor, err) != 0))
		goto fail;
	if (ops->changes(state, use_cursor ? cursor : NULL, pass_thread, &ps, &next, &warnings,
			 err) != 0) {
		if (ps.err) {
			fg_error(err, "forum %s: %s", f->name, ps.err);
			free(ps.err);
		}
		goto fail;
	}
	stats->warnings += (size_t)warnings;
	if (use_cursor && store_cursor_set(st, ps.forum_id, next, err) != 0)
		goto fail;
	if (store_commit(st, err) != 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	store_rollback(st);
out:
	free(cursor);
	free(next);
	ops->close(state);
	return rc;
}

static void sleep_until(volatile sig_atomic_t *stop, int seconds)
{
	for (int i = 0; i < seconds * 10 && !*stop; i++)
		usleep(100000);
}

int sync_loop(const struct cfg *c, volatile sig_atomic_t *stop)
{
	struct store *st = NULL;
	char *err = NULL;
	if (store_open(c->gateway.store, STORE_RW, &st, &err) != 0) {
		log_err("%s", err);
		free(err);
		return -1;
	}
	int interval = 3600;
	for (size_t i = 0; i < c->nforums; i++)
		if (c->forums[i].poll_interval > 0 && c->forums[i].poll_interval < interval)
			interval = c->forums[i].poll_interval;
	while (!*stop) {
		for (size_t i = 0; i < c->nforums && !*stop; i++) {
			struct sync_stats s = {0};
			if (sync_forum(st, c, &c->forums[i], NULL, 1, &s, &err) != 0) {
				log_err("%s", err);
				free(err);
				err = NULL;
				continue;
			}
			if (s.posts_new || s.posts_edited || s.posts_deleted)
				log_info("forum %s: %zu new, %zu edited, %zu deleted posts in %zu threads",
					 c->forums[i].name, s.posts_new, s.posts_edited,
					 s.posts_deleted, s.threads);
		}
		sleep_until(stop, interval);
	}
	store_close(st);
	return 0;
}
