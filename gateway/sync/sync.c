/*
 * sync: connector → render → store. See include/forumgate/sync.h.
 *
 * A post is identified by (forum, post id). Its content fingerprint (XXH3
 * over everything that shows in the article, see post_hash()) decides
 * between "unchanged" (nothing written), "new" and "edited" (version + 1,
 * new Message-ID, Supersedes: the old one, which leaves its group but is
 * still served by Message-ID; a deletion withdraws the article and the
 * versions before it from retrieval too). A post
 * without a date keeps the date stored when it was first seen, so a re-sync
 * renders the same article. A post whose own Message-ID is taken by an
 * article that is not that post (imports keep their ids) gets a variant id
 * and a warning, never a silent clash (own_msgid()).
 *
 * Threading (DESIGN.md "Articles"): parent = the post it explicitly answers,
 * else the first post it quotes that we know, else the thread's root.
 *
 * Writes are batched: a transaction covers up to SYNC_BATCH posts, so a big
 * import is fast and a crash loses at most an uncommitted batch, which the
 * next pass re-reads because the cursor only moves with the last batch.
 *
 * Per post, only what differs from post to post is built: the header values
 * that depend on the group and the configuration alone (Path, List-Post,
 * Reply-To, the Xref prefix) are made once per thread, and the per-post
 * strings go into buffers the thread's posts share (struct thread_pass).
 */
#include "forumgate/sync.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>
/* For an input of a few KB (a post), XXH3 is its vector loop: the library's
 * x86 build has a dispatcher that runs the widest loop the CPU has (AVX2
 * takes a third of the instructions of the SSE2 baseline), and installs this
 * header only when it has it. Every loop gives the same digest. */
#if defined(__has_include)
#if __has_include(<xxh_x86dispatch.h>)
#define XXH_DISPATCH_DISABLE_REPLACE /* no renaming behind our back */
#include <xxh_x86dispatch.h>
#define sync_xxh3 XXH3_64bits_dispatch
#endif
#endif
#ifndef sync_xxh3
#define sync_xxh3 XXH3_64bits
#endif

#include "forumgate/article.h"
#include "forumgate/buf.h"
#include "forumgate/connector.h"
#include "forumgate/log.h"
#include "forumgate/metrics.h"
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

/* A post stored in this pass (struct thread_pass). Its strings live in the
 * pass's string buffer, named by offset: pointers would move when it grows.
 * NO_STR stands for NULL. */
#define NO_STR ((size_t)-1)
struct pass_post {
	size_t key, message_id, references;
	int64_t position;
};

/*
 * What the posts of one thread share, set up once by sync_thread():
 *  - the strings that depend only on the group and the configuration, the
 *    same in every article of the thread;
 *  - buffers each post resets and refills, so a post allocates none of them
 *    (they keep the size of the largest post of the thread, freed with it);
 *  - the posts this pass stored, for a thread the store had no post of
 *    before: then every question about the thread's posts (is this post
 *    known, which is the root, which post is at position n, the parent's
 *    Message-ID and References) is answered here, exactly as the store
 *    would answer it, without a query. For a thread the store already
 *    knows, the store is asked as before.
 */
struct thread_pass {
	const char *group;
	int64_t group_id;
	char *path;      /* Path: "host!not-for-mail" */
	char *list_post; /* "mailto:group@reply-domain"; NULL when posting is 'n' */
	char *reply_to;  /* "group@reply-domain"; NULL unless configured */
	struct buf xref; /* "host group:"; a post appends its number */
	size_t xref_prefix;

	struct buf body, sig, refs, name, addr;

	int is_new; /* the store had no post of the thread when the pass began */
	struct pass_post *posts;
	size_t n, cap;
	size_t *slots;   /* open addressing by key: index + 1, 0 = free; 2 * cap */
	size_t root;     /* index of the root (lowest position, first put) */
	struct buf strs; /* the posts' strings, each with its NUL */
};

/* One field of the hash input at o: its bytes and "\0\0", or "\0\1" for
 * NULL. Returns the byte after it. */
static char *hash_put(char *o, const char *s, size_t len)
{
	if (s != NULL) {
		memcpy(o, s, len);
		o += len;
	}
	o[0] = '\0';
	o[1] = s != NULL ? '\0' : '\1';
	return o + 2;
}

/* The fields are laid out one after the other in a scratch buffer and
 * hashed with one XXH3 call: the same bytes as fed to the streaming API
 * field by field before, so the same digest (XXH3 guarantees it), without
 * the streaming state's per-call overhead. body_len is strlen(p->body),
 * which the caller needs as well. */
static void post_hash(const struct forum_thread *t, const struct forum_post *p, const char *group,
		      size_t body_len, char out[POST_HASH_LEN])
{
	static const char hex[] = "0123456789abcdef";
	const int64_t num[5] = {p->guest, (int64_t)p->markup, p->deleted, (int64_t)p->date,
				p->position};
	const char *const head[4] = {t->title, group, p->author, p->author_id};
	const char *const tail[4] = {p->body, p->signature, p->parent_id, p->url};
	size_t hlen[4], tlen[4], n = sizeof num;
	for (int i = 0; i < 4; i++) {
		hlen[i] = head[i] ? strlen(head[i]) : 0;
		tlen[i] = i == 0 ? body_len : tail[i] ? strlen(tail[i]) : 0;
		n += hlen[i] + tlen[i] + 4;
	}
	struct buf *in = buf_scratch();
	buf_reserve(in, n);
	char *o = in->p;
	for (int i = 0; i < 4; i++)
		o = hash_put(o, head[i], hlen[i]);
	memcpy(o, num, sizeof num);
	o += sizeof num;
	for (int i = 0; i < 4; i++)
		o = hash_put(o, tail[i], tlen[i]);
	in->len = n;
	*o = '\0';
	uint64_t h = sync_xxh3(in->p, n);
	buf_scratch_put(in);
	memcpy(out, "x3:", 3);
	for (int i = 0; i < 16; i++)
		out[3 + i] = hex[(h >> (60 - 4 * i)) & 0xf];
	out[POST_HASH_LEN - 1] = '\0';
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

/* The concatenation of NULL-ended strings, malloc'd: the header values a
 * thread's articles share, built once per thread. */
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

/* Appends n in decimal: "%lld" without a printf per post. */
static void add_int(struct buf *b, int64_t n)
{
	char d[24];
	size_t k = sizeof d;
	uint64_t v = n < 0 ? 0 - (uint64_t)n : (uint64_t)n;
	do {
		d[--k] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	if (n < 0)
		d[--k] = '-';
	buf_add(b, d + k, sizeof d - k);
}

/* Appends an address template expanded: {user} {id} {forum} {domain} (a
 * NULL value expands to ""); anything else is copied, in runs up to the
 * next '{'. */
static void expand_address(struct buf *out, const char *tmpl, const char *user, const char *id,
			   const char *forum, const char *domain)
{
	const char *s = tmpl, *b;
	while ((b = strchr(s, '{')) != NULL) {
		const char *val = NULL;
		size_t skip = 0;
		buf_add(out, s, (size_t)(b - s));
		/* the letter after '{' tells which name it can be */
		if (b[1] == 'u' && strncmp(b, "{user}", 6) == 0)
			val = user, skip = 6;
		else if (b[1] == 'i' && strncmp(b, "{id}", 4) == 0)
			val = id, skip = 4;
		else if (b[1] == 'f' && strncmp(b, "{forum}", 7) == 0)
			val = forum, skip = 7;
		else if (b[1] == 'd' && strncmp(b, "{domain}", 8) == 0)
			val = domain, skip = 8;
		if (skip == 0) {
			buf_addc(out, '{');
			s = b + 1;
			continue;
		}
		buf_adds(out, val ? val : "");
		s = b + skip;
	}
	buf_adds(out, s);
}

/* From: address (into addr) and display name for a post's author. The name
 * is the post's author or, for a guest, built in name; NULL when the
 * author is unknown. */
static const char *author_of(const struct cfg *c, const struct cfg_forum *f,
			     const struct forum_post *p, struct buf *name, struct buf *addr)
{
	const char *guest_tmpl = f->guest_address ? f->guest_address : "guest@{domain}";
	const char *user_tmpl = f->author_address ? f->author_address : "{user}@users.{domain}";
	const char *domain = c->gateway.domain, *who = p->author;
	buf_reset(addr);
	if (p->author == NULL || p->author[0] == '\0') {
		/* the guest template may not use {user}; keep "unknown" visible */
		if (strstr(guest_tmpl, "{user}") == NULL) {
			buf_add(addr, "unknown@", 8);
			buf_adds(addr, domain);
		} else {
			expand_address(addr, guest_tmpl, "unknown", "unknown", f->name, domain);
		}
		return NULL;
	}
	/* slugs into scratch buffers: the usual name costs no malloc */
	struct buf *slug = buf_scratch(), *id = buf_scratch();
	article_slug_add(slug, p->author);
	if (p->guest) {
		buf_reset(name);
		buf_adds(name, p->author);
		buf_add(name, " (guest)", 8);
		who = name->p;
		expand_address(addr, guest_tmpl, buf_str(slug), buf_str(slug), f->name, domain);
	} else {
		if (p->author_id)
			article_slug_add(id, p->author_id);
		expand_address(addr, user_tmpl, buf_str(slug), buf_str(p->author_id ? id : slug),
			       f->name, domain);
	}
	buf_scratch_put(id);
	buf_scratch_put(slug);
	return who;
}

static const char *pass_str(const struct thread_pass *tp, size_t off)
{
	return off == NO_STR ? NULL : tp->strs.p + off;
}

static size_t pass_put_str(struct thread_pass *tp, const char *s)
{
	size_t off = tp->strs.len;
	if (s == NULL)
		return NO_STR;
	buf_add(&tp->strs, s, strlen(s) + 1);
	return off;
}

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
		if (*slot == 0 || strcmp(pass_str(tp, tp->posts[*slot - 1].key), key) == 0)
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

/* Records a post as store_post_put() stored it. Strings handed out by the
 * pass before (pass_str()) are invalid afterwards. */
static void pass_add(struct thread_pass *tp, const struct store_post_in *in)
{
	size_t *slot = tp->cap ? pass_slot(tp, in->post_key) : NULL;
	struct pass_post *pp = slot && *slot ? &tp->posts[*slot - 1] : NULL;
	if (pp != NULL) { /* the same post twice in one pass: rare, the old
			     strings stay unused in strs */
		pp->position = in->position;
		pp->message_id = pass_put_str(tp, in->message_id);
		pp->references = pass_put_str(tp, in->references);
		pass_find_root(tp);
		return;
	}
	if (tp->n == tp->cap) {
		tp->cap = tp->cap ? 2 * tp->cap : 64;
		tp->posts = xrealloc(tp->posts, tp->cap * sizeof *tp->posts);
		free(tp->slots);
		tp->slots = xcalloc(2 * tp->cap, sizeof *tp->slots);
		for (size_t i = 0; i < tp->n; i++)
			*pass_slot(tp, pass_str(tp, tp->posts[i].key)) = i + 1;
		slot = pass_slot(tp, in->post_key);
	}
	pp = &tp->posts[tp->n];
	pp->key = pass_put_str(tp, in->post_key);
	pp->position = in->position;
	pp->message_id = pass_put_str(tp, in->message_id);
	pp->references = pass_put_str(tp, in->references);
	*slot = tp->n + 1;
	if (tp->n > 0 && pp->position < tp->posts[tp->root].position)
		tp->root = tp->n;
	tp->n++;
}

/* A post's Message-ID and References, as store_post_get() gives them:
 * borrowed from the pass (valid until the next pass_add()) or from rec,
 * when the store answered. */
struct post_ref {
	const char *message_id, *references;
	struct store_post rec;
	int stored; /* rec is filled: post_ref_clear() frees it */
};

static void post_ref_clear(struct post_ref *ref)
{
	if (ref->stored)
		store_post_clear(&ref->rec);
	ref->stored = 0;
}

/* store_post_get() for the thread of this pass: 1 and *ref when the post is
 * known, 0 when not, -1 on error. */
static int pass_post_get(struct store *st, const struct thread_pass *tp, int64_t forum_id,
			 const char *thread_key, const char *post_key, struct post_ref *ref,
			 char **err)
{
	if (tp->is_new) {
		const struct pass_post *pp = pass_find(tp, post_key);
		if (pp == NULL)
			return 0;
		if (pp->message_id != NO_STR) {
			ref->message_id = pass_str(tp, pp->message_id);
			ref->references = pass_str(tp, pp->references);
			return 1;
		}
	}
	int r = store_post_get(st, forum_id, thread_key, post_key, &ref->rec, err);
	if (r == 1) {
		ref->stored = 1;
		ref->message_id = ref->rec.message_id;
		ref->references = ref->rec.references;
	}
	return r;
}

/* Finds the parent post per DESIGN.md: 1 with its Message-ID and
 * References in *ref, 0 for a root, -1 on error. */
static int find_parent(struct store *st, const struct thread_pass *tp, int64_t forum_id,
		       const struct forum_thread *t, const struct forum_post *p,
		       const struct text_info *info, struct post_ref *ref, char **err)
{
	const char *key = NULL;
	char *owned = NULL; /* key, when the store gave it */
	int r;
	if (p->parent_id && strcmp(p->parent_id, p->id) != 0) {
		r = pass_post_get(st, tp, forum_id, t->id, p->parent_id, ref, err);
		if (r != 0)
			return r;
	}
	for (size_t i = 0; i < info->nquoted; i++) {
		const char *q = info->quoted_ids[i];
		if (q[0] == '#') {
			int64_t pos = strtoll(q + 1, NULL, 10);
			if (tp->is_new) {
				const struct pass_post *pp = pass_at(tp, pos);
				key = pp ? pass_str(tp, pp->key) : NULL;
				r = pp != NULL;
			} else {
				r = store_post_at(st, forum_id, t->id, pos, &owned, err);
				key = owned;
			}
			if (r < 0)
				return -1;
			if (r == 1 && strcmp(key, p->id) != 0)
				goto found;
			free(owned);
			owned = NULL;
			continue;
		}
		if (strcmp(q, p->id) == 0)
			continue;
		r = pass_post_get(st, tp, forum_id, t->id, q, ref, err);
		if (r != 0)
			return r;
	}
	if (p->position == 1)
		return 0;
	if (tp->is_new) {
		const struct pass_post *root = pass_root(tp);
		key = root ? pass_str(tp, root->key) : NULL;
		r = root != NULL;
	} else {
		r = store_thread_root(st, forum_id, t->id, &owned, err);
		key = owned;
	}
	if (r < 0)
		return -1;
	if (r == 0 || strcmp(key, p->id) == 0) {
		free(owned);
		return 0;
	}
found:
	/* a key found by position is looked up like any other */
	r = pass_post_get(st, tp, forum_id, t->id, key, ref, err);
	free(owned);
	return r == 1 ? 1 : -1;
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

/* What a post's article owns; the rest is in the thread's buffers. */
struct rendered {
	struct text_info info;
	struct post_ref parent;
	char *msgid, *overview;
	struct article_out art;
};

static void rendered_free(struct rendered *r)
{
	text_info_free(&r->info);
	post_ref_clear(&r->parent);
	free(r->msgid);
	free(r->overview);
	article_out_free(&r->art);
}

/* Variants tried before a post is given up on: each is one lookup, and
 * only ids someone planted in the store take any. */
#define MSGID_VARIANTS 1000

/*
 * Our own Message-ID for a post (*out, malloc'd): the deterministic one,
 * unless an article that is not this post holds it already. A post's own
 * articles never do (an edit gets the next version's id), so that article
 * came from elsewhere: an import, which keeps the ids it carries, or a
 * reply that took the id before the front ends refused ids of our
 * namespace (article_msgid_ours). Storing the post under that id would
 * leave it unserved and the other text standing under its id, so the post
 * gets the first free variant instead (".c1", ".c2" ...: still
 * deterministic for the same store contents), with a warning naming both.
 * 0, or -1 with *err.
 */
static int own_msgid(struct store *st, const struct cfg *c, const struct cfg_forum *f,
		     const struct forum_thread *t, const struct forum_post *p, int version,
		     char **out, char **err)
{
	char *first = NULL; /* the post's own id, taken */
	*out = NULL;
	for (int v = 0; v < MSGID_VARIANTS; v++) {
		char *id = article_message_id_variant(f->name, t->id, p->id, version, v,
						      c->gateway.domain);
		if (id == NULL) {
			free(first);
			return fg_error(err, "no Message-ID can be made for the post (domain %s)",
					c->gateway.domain);
		}
		int taken = store_msgid_taken(st, id, err);
		if (taken == 0) {
			if (first != NULL)
				log_warn(
					"sync: forum %s thread %s post %s: Message-ID %s is taken by "
					"an article that is not this post; the post is stored as %s",
					f->name, t->id, p->id, first, id);
			free(first);
			*out = id;
			return 0;
		}
		if (taken < 0 || first != NULL)
			free(id);
		else
			first = id;
		if (taken < 0) {
			free(first);
			return -1;
		}
	}
	fg_error(err, "Message-ID %s and its %d variants are all taken", first, MSGID_VARIANTS - 1);
	free(first);
	return -1;
}

/* The next header field of a wire header block (CRLF lines, folded
 * continuation lines belong to their field): *p moves past it; its bytes
 * in *f, *n. 0 at the empty line that ends the block. */
static int next_field(const char **p, const char *end, const char **f, size_t *n)
{
	const char *s = *p, *e = s;
	if (s >= end || (end - s >= 2 && s[0] == '\r' && s[1] == '\n'))
		return 0;
	do {
		const char *nl = memchr(e, '\n', (size_t)(end - e));
		e = nl != NULL ? nl + 1 : end;
	} while (e < end && (*e == ' ' || *e == '\t'));
	*f = s;
	*n = (size_t)(e - s);
	*p = e;
	return 1;
}

static int field_is(const char *f, size_t n, const char *name)
{
	size_t l = strlen(name);
	return n > l && f[l] == ':' && strncasecmp(f, name, l) == 0;
}

/* Two header blocks say the same to a reader: every field equal and in
 * the same order, except the ones an edit changes by itself (Xref, the
 * number; Supersedes, which an earlier version's article may carry). */
static int same_header(const char *a, size_t alen, const char *b, size_t blen)
{
	const char *ea = a + alen, *eb = b + blen, *fa, *fb;
	size_t na, nb;
	for (;;) {
		int ha, hb;
		while ((ha = next_field(&a, ea, &fa, &na)) &&
		       (field_is(fa, na, "Xref") || field_is(fa, na, "Supersedes")))
			;
		while ((hb = next_field(&b, eb, &fb, &nb)) &&
		       (field_is(fb, nb, "Xref") || field_is(fb, nb, "Supersedes")))
			;
		if (!ha || !hb)
			return ha == hb;
		if (na != nb || memcmp(fa, fb, na) != 0)
			return 0;
	}
}

/*
 * A post whose fingerprint changed may still show exactly as its stored
 * article does: the connector now writes the same HTML differently (a new
 * page parser, a view counter inside the markup). That is no edit, and
 * readers must not get a Supersedes for it. Renders the post as its
 * current article would be (same Message-ID) and compares its body and
 * header, Xref and Supersedes aside, with the stored article's. 1 the same,
 * 0 not, -1 on a store error. Costs a render only when the hash differs.
 */
static int shows_the_same(struct store *st, const struct cfg *c, const struct cfg_forum *f,
			  struct thread_pass *tp, const struct forum_post *p,
			  const struct store_post_in *in, const char *group,
			  const struct post_ref *parent, const char *refs, const char *msgid,
			  char **err)
{
	struct store_view v;
	int found = store_view_by_msgid(st, msgid, &v, err);
	if (found <= 0) {
		store_release(st);
		return found;
	}
	const char *from_name = author_of(c, f, p, &tp->name, &tp->addr);
	struct article_in ai = {
		.newsgroups = group,
		.from_name = from_name,
		.from_addr = buf_str(&tp->addr),
		.subject = in->thread_title,
		.is_reply = parent != NULL,
		.date = in->date,
		.tz = f->timezone,
		.message_id = msgid,
		.references = refs,
		.in_reply_to = parent != NULL ? parent->message_id : NULL,
		.path = tp->path,
		.organization = c->gateway.organization,
		.archived_at = p->url,
		.xref = tp->xref.p,
		.list_post = tp->list_post,
		.reply_to = tp->reply_to,
		.body = buf_str(&tp->body),
		.signature = tp->sig.len ? buf_str(&tp->sig) : NULL,
	};
	struct article_out a;
	char *e = NULL;
	int same = 0;
	if (article_build(&ai, &a, &e) == 0) {
		same = v.wire_len - v.header_len == a.wire.len - a.header_len &&
		       memcmp(v.wire + v.header_len, a.wire.p + a.header_len,
			      a.wire.len - a.header_len) == 0 &&
		       same_header(v.wire, v.header_len, a.wire.p, a.header_len);
		article_out_free(&a);
	}
	free(e); /* an article that cannot be built is an edit: the caller says why */
	store_release(st);
	return same;
}

static int sync_post(struct store *st, struct thread_pass *tp, const struct cfg *c,
		     const struct cfg_forum *f, int64_t forum_id, const struct forum_thread *t,
		     const struct forum_post *p, struct sync_stats *stats, char **err)
{
	const char *group = tp->group;
	size_t body_len = p->body ? strlen(p->body) : 0;
	char hash[POST_HASH_LEN];
	post_hash(t, p, group, body_len, hash);
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
		.thread_key = t->id,
		.post_key = p->id,
		.thread_title = t->title,
		.board = t->board,
		.thread_url = t->url,
		.position = p->position,
		.author = p->author,
		.author_id = p->author_id,
		.guest = p->guest,
		.date = p->date ? p->date
			: known ? old.date
				: (int64_t)time(NULL),
		.markup = (int)p->markup,
		.body = p->body,
		.signature = p->signature,
		.parent_key = p->parent_id,
		.url = p->url,
		.hash = hash,
		.version = known ? old.version : 1,
		.deleted = p->deleted,
		.message_id = known ? old.message_id : NULL,
		.references = known ? old.references : NULL,
		.group_id = tp->group_id,
	};
	int rc = -1;
	struct rendered r = {0};
	char *sent_parent = NULL; /* the outbox's parent for a reply we sent */

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

	buf_reset(&tp->body);
	buf_reset(&tp->sig);
	text_convert(p->markup, p->body, body_len, &tp->body, &r.info);
	if (p->signature && p->signature[0])
		text_convert(p->markup, p->signature, strlen(p->signature), &tp->sig, NULL);

	/* A reply sent by mail or NNTP answered one post; a forum that does
	 * not record reply-to (boards) gives it back without saying which.
	 * The outbox knows: the article threads where its sender put it. */
	struct forum_post with_parent;
	if (!known && p->parent_id == NULL) {
		int r3 = store_outbox_parent(st, f->name, p->id, &sent_parent, err);
		if (r3 < 0)
			goto out;
		if (r3 == 1) {
			with_parent = *p;
			with_parent.parent_id = sent_parent;
			p = &with_parent;
		}
	}
	int is_reply = find_parent(st, tp, forum_id, t, p, &r.info, &r.parent, err);
	if (is_reply < 0)
		goto out;
	const char *refs = NULL;
	if (is_reply) {
		const char *pr = r.parent.references, *pm = r.parent.message_id;
		refs = pm;
		if (pr && pr[0]) {
			buf_reset(&tp->refs);
			buf_adds(&tp->refs, pr);
			buf_addc(&tp->refs, ' ');
			if (pm)
				buf_adds(&tp->refs, pm);
			refs = tp->refs.p;
		}
	}

	if (known && !old.deleted && old.message_id != NULL) {
		int same = shows_the_same(st, c, f, tp, p, &in, group, is_reply ? &r.parent : NULL,
					  refs, old.message_id, err);
		if (same < 0)
			goto out;
		if (same) {
			/* only the fingerprint moves: the article stays */
			if (store_post_put(st, forum_id, &in, err) != 0)
				goto out;
			stats->posts_unchanged++;
			rc = 0;
			goto out;
		}
	}

	in.version = known ? old.version + 1 : 1;
	/* a post that arrived as a reply (mail or NNTP) keeps the Message-ID it
	 * came with, so the sender's reader sees no duplicate */
	if (!known) {
		int r2 = store_outbox_msgid(st, f->name, p->id, &r.msgid, err);
		if (r2 < 0)
			goto out;
		/* taken (or unknown), or of the form of our own ids (a reply
		 * queued before the front ends refused those would hold another
		 * post's id): use our own id */
		if (r2 == 1 && (article_msgid_ours(r.msgid, c->gateway.domain) ||
				store_msgid_taken(st, r.msgid, err) != 0)) {
			free(r.msgid);
			r.msgid = NULL;
		}
	}
	int from_post = r.msgid == NULL;
	if (from_post && own_msgid(st, c, f, t, p, in.version, &r.msgid, err) != 0)
		goto out;
	int64_t number;
	if (store_group_next_number(st, tp->group_id, &number, err) != 0)
		goto out;
	buf_truncate(&tp->xref, tp->xref_prefix);
	add_int(&tp->xref, number);
	const char *from_name = author_of(c, f, p, &tp->name, &tp->addr);

	struct article_in ai = {
		.newsgroups = group,
		.from_name = from_name,
		.from_addr = buf_str(&tp->addr),
		.subject = t->title,
		.is_reply = is_reply,
		.date = in.date,
		.tz = f->timezone,
		.message_id = r.msgid,
		.references = refs,
		.in_reply_to = is_reply ? r.parent.message_id : NULL,
		.supersedes = known && !old.deleted ? old.message_id : NULL,
		.path = tp->path,
		.organization = c->gateway.organization,
		.archived_at = p->url,
		.xref = tp->xref.p,
		.list_post = tp->list_post,
		.reply_to = tp->reply_to,
		.body = buf_str(&tp->body),
		.signature = tp->sig.len ? buf_str(&tp->sig) : NULL,
	};
	if (article_build(&ai, &r.art, err) != 0)
		goto out;
	r.overview = article_overview(&r.art, tp->xref.p);
	struct store_article_in sa = {
		.message_id = r.msgid,
		.wire = r.art.wire.p,
		.wire_len = r.art.wire.len,
		.header_len = r.art.header_len,
		.lines = r.art.lines,
		.overview = r.overview,
		.date = in.date,
		.group_ids = &tp->group_id,
		.numbers = &number,
		.ngroups = 1,
		.from_post = from_post,
	};
	int added = store_article_add(st, &sa, err);
	if (added < 0)
		goto out;
	/* the old version leaves the group but stays retrievable by its id:
	 * replies whose References name it keep their parent */
	if (known && old.message_id && !old.deleted &&
	    store_article_supersede(st, old.message_id, r.msgid, err) != 0)
		goto out;
	in.message_id = r.msgid;
	in.references = r.art.references ? r.art.references : "";
	if (store_post_put(st, forum_id, &in, err) != 0)
		goto out;
	/* last: the parent's strings may be borrowed from the pass */
	if (tp->is_new)
		pass_add(tp, &in);
	if (known)
		stats->posts_edited++;
	else
		stats->posts_new++;
	rc = 0;
out:
	rendered_free(&r);
	free(sent_parent);
	if (known)
		store_post_clear(&old);
	return rc;
}

/* The thread's share of every article: group, Path, List-Post, Reply-To
 * and the Xref prefix, built once here rather than once per post. */
static void thread_pass_init(struct thread_pass *tp, const struct cfg *c, const char *group,
			     int64_t group_id, char posting)
{
	const char *host = c->gateway.path_host ? c->gateway.path_host : c->gateway.domain;
	const char *rdomain = c->mail.reply_domain ? c->mail.reply_domain : c->gateway.domain;
	tp->group = group;
	tp->group_id = group_id;
	tp->path = concat(host, "!not-for-mail", NULL);
	if (posting != 'n') {
		tp->list_post = concat("mailto:", group, "@", rdomain, NULL);
		if (c->mail.reply_to)
			tp->reply_to = concat(group, "@", rdomain, NULL);
	}
	char *prefix = concat(host, " ", group, ":", NULL);
	buf_adds(&tp->xref, prefix);
	tp->xref_prefix = tp->xref.len;
	free(prefix);
}

static void thread_pass_free(struct thread_pass *tp)
{
	free(tp->path);
	free(tp->list_post);
	free(tp->reply_to);
	buf_free(&tp->xref);
	buf_free(&tp->body);
	buf_free(&tp->sig);
	buf_free(&tp->refs);
	buf_free(&tp->name);
	buf_free(&tp->addr);
	free(tp->posts);
	free(tp->slots);
	buf_free(&tp->strs);
}

/* 1 when a `boards:` entry of the config sets the access of group. */
static int access_configured(const struct cfg *c, const char *group)
{
	for (size_t i = 0; i < c->nforums; i++)
		for (size_t j = 0; j < c->forums[i].nboards; j++) {
			const struct cfg_board *b = &c->forums[i].boards[j];
			if (b->access && !strcmp(b->group, group))
				return 1;
		}
	return 0;
}

/* A complete thread (forum_thread.complete): its stored posts that it no
 * longer has were deleted on the forum, and are withdrawn as a deleted
 * post would be. */
static int withdraw_missing(struct store *st, struct thread_pass *tp, const struct cfg *c,
			    const struct cfg_forum *f, int64_t forum_id,
			    const struct forum_thread *t, struct sync_stats *stats, char **err)
{
	char **keys = NULL;
	size_t n = 0;
	int rc = store_thread_posts(st, forum_id, t->id, &keys, &n, err);
	for (size_t i = 0; i < n; i++) {
		int present = 0;
		for (size_t j = 0; j < t->nposts && !present; j++)
			present = t->posts[j].id && strcmp(t->posts[j].id, keys[i]) == 0;
		if (rc == 0 && !present) {
			struct forum_post gone = {.id = keys[i], .body = (char *)"", .deleted = 1};
			rc = sync_post(st, tp, c, f, forum_id, t, &gone, stats, err);
		}
		free(keys[i]);
	}
	free(keys);
	return rc;
}

int sync_thread(struct store *st, const struct cfg *c, const struct cfg_forum *f, int64_t forum_id,
		const struct forum_thread *t, struct sync_stats *stats, char **err)
{
	const char *desc = NULL;
	char configured = 0;
	char *group = cfg_board_group(f, t->board, &desc, &configured);
	char posting = group_posting(configured, t->posting);
	int64_t group_id;
	int rc = 0, named = 0;
	/* a board without a mapping keeps the group it was first filed in,
	 * whatever the naming rule says today (stores made before the rule
	 * transliterated keep "demo.caf-stra-e") */
	int mapped = t->board && *t->board && cfg_board_mapped(f, t->board);
	const char *key = t->board_key && *t->board_key ? t->board_key : t->board;
	if (key && *key && !mapped) {
		char *kept = NULL;
		int r = store_board_group(st, forum_id, key, &kept, err);
		/* a store made before the connector gave stable keys filed the
		 * board under its name: keep that group, and file it under the
		 * key from now on (a later rename changes the name, not the key) */
		if (r == 0 && key != t->board && t->board && *t->board) {
			r = store_board_group(st, forum_id, t->board, &kept, err);
			if (r == 1)
				named = 1;
		}
		if (r < 0) {
			rc = -1;
		} else if (r == 1) {
			free(group);
			group = kept;
		} else {
			named = 1;
			if (t->group && *t->group) {
				free(group);
				group = xstrdup(t->group);
			}
		}
	}
	if (rc == 0)
		rc = store_group_ensure(st, group, desc, posting, &group_id, err);
	if (rc == 0 && named)
		rc = store_board_group_set(st, forum_id, key, group_id, err);
	/* the config's access wins for a mapped board ("unless configured
	 * otherwise"); an unmapped one is members-only when the forum says so */
	if (rc == 0)
		rc = store_group_set_members_only(
			st, group_id,
			cfg_group_members_only(c, group) ||
				(t->members_only && !access_configured(c, group)),
			err);
	if (rc == 0 && posting == 0)
		rc = store_group_posting(st, group_id, &posting, err);
	struct thread_pass tp = {0};
	char *root = NULL;
	if (rc == 0) {
		/* one question per thread: had the store any post of it? */
		int r = store_thread_root(st, forum_id, t->id, &root, err);
		free(root);
		if (r < 0)
			rc = -1;
		tp.is_new = r == 0;
		thread_pass_init(&tp, c, group, group_id, posting);
	}
	for (size_t i = 0; rc == 0 && i < t->nposts; i++) {
		rc = sync_post(st, &tp, c, f, forum_id, t, &t->posts[i], stats, err);
		if (rc != 0) {
			char *msg = xasprintf("thread %s post %s: %s", t->id, t->posts[i].id,
					      err && *err ? *err : "failed");
			fg_error(err, "%s", msg);
			free(msg);
		}
	}
	if (rc == 0 && t->complete)
		rc = withdraw_missing(st, &tp, c, f, forum_id, t, stats, err);
	thread_pass_free(&tp);
	if (rc == 0)
		stats->threads++;
	free(group);
	return rc;
}

/* Set in a remote forum's own thread (remote_main) while a poll pass of it
 * runs: the pass takes what the forum's webhooks pushed meanwhile whenever
 * it is between two requests with no transaction open (after a thread, at
 * a progress report: a page of the change feed), so a long poll (or a
 * first sync) does not hold the pushes up till it ends. A pushed thread is
 * fetched after the poll's last fetch of it or before its next, so nothing
 * older overwrites it. */
static _Thread_local int push_between;
struct pass;
static void push_now(struct pass *ps);

/* How far a long fetch has come, for the log and a terminal. */
struct progress {
	const char *forum;
	FILE *tty;
	struct timespec start;
	double last_log, last_draw; /* seconds since start */
	int drawn;
	struct pass *pass;
};

static double since_start(const struct progress *pg)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - pg->start.tv_sec) +
	       (double)(now.tv_nsec - pg->start.tv_nsec) / 1e9;
}

/* "1234/5000 posts, 12.3/s, ETA 5m06s" (total and ETA when known). */
static char *progress_line(long fetched, long total, const char *unit, double secs)
{
	double rate = secs > 0 ? (double)fetched / secs : 0;
	struct buf b = BUF_INIT;
	if (total > 0)
		buf_addf(&b, "%ld/%ld %s", fetched, total, unit);
	else
		buf_addf(&b, "%ld %s", fetched, unit);
	buf_addf(&b, ", %.1f/s", rate);
	if (total > fetched && rate > 0) {
		long eta = (long)((double)(total - fetched) / rate + 0.5);
		if (eta >= 3600)
			buf_addf(&b, ", ETA %ldh%02ldm", eta / 3600, eta / 60 % 60);
		else
			buf_addf(&b, ", ETA %ldm%02lds", eta / 60, eta % 60);
	}
	return buf_detach(&b);
}

static void progress_cb(void *arg, long fetched, long total, const char *unit)
{
	struct progress *pg = arg;
	double t = since_start(pg);
	/* `forumgate status` shows a long pass's progress (a backfill) */
	metric_set(metric_get1(M_SYNC_FETCHED, "forum", pg->forum), fetched);
	metric_set(metric_get1(M_SYNC_FETCH_TOTAL, "forum", pg->forum), total > 0 ? total : 0);
	if (t - pg->last_log >= 10.0) {
		char *line = progress_line(fetched, total, unit ? unit : "items", t);
		log_info("forum %s: fetching: %s", pg->forum, line);
		free(line);
		pg->last_log = t;
	}
	if (pg->tty &&
	    (t - pg->last_draw >= 0.2 || !pg->drawn || (total > 0 && fetched >= total))) {
		char *line = progress_line(fetched, total, unit ? unit : "items", t);
		fprintf(pg->tty, "\r\033[K%s: %s", pg->forum, line);
		fflush(pg->tty);
		free(line);
		pg->last_draw = t;
		pg->drawn = 1;
	}
	if (pg->pass)
		push_now(pg->pass);
}

struct pass {
	struct store *st;
	const struct cfg *c;
	const struct cfg_forum *f;
	int64_t forum_id;
	struct sync_stats *stats;
	size_t batch;
	int use_cursor;
	int remote; /* FORUM_CONN_REMOTE: a transaction per thread */
	int in_tx;  /* a transaction is open */
	char *err;
};

static size_t push_pass(struct store *st, const struct cfg *c, const struct cfg_forum *f);

static void push_now(struct pass *ps)
{
	if (!push_between || !ps->remote || ps->in_tx)
		return;
	push_between = 0; /* the pushed pass's own reports take none */
	push_pass(ps->st, ps->c, ps->f);
	push_between = 1;
}

static int pass_thread(void *arg, struct forum_thread *t)
{
	struct pass *ps = arg;
	if (!ps->in_tx) {
		if (store_begin(ps->st, &ps->err) != 0) {
			forum_thread_free(t);
			return -1;
		}
		ps->in_tx = 1;
	}
	int rc = sync_thread(ps->st, ps->c, ps->f, ps->forum_id, t, ps->stats, &ps->err);
	ps->batch += t->nposts;
	forum_thread_free(t);
	if (rc != 0)
		return -1;
	if (ps->remote) {
		/* no transaction (no write lock) while the connector waits for
		 * the forum */
		ps->batch = 0;
		if (store_commit(ps->st, &ps->err) != 0)
			return -1;
		ps->in_tx = 0;
		push_now(ps);
		return 0;
	}
	if (ps->batch >= SYNC_BATCH) {
		ps->batch = 0;
		if (store_commit(ps->st, &ps->err) != 0 || store_begin(ps->st, &ps->err) != 0)
			return -1;
	}
	return 0;
}

/* The connector's intermediate cursor: stored and committed with every
 * thread delivered before it, so a pass cut short resumes here. */
static int pass_checkpoint(void *arg, const char *cursor)
{
	struct pass *ps = arg;
	if (!ps->use_cursor)
		return 0;
	if (!ps->in_tx && store_begin(ps->st, &ps->err) != 0)
		return -1;
	ps->in_tx = 1;
	if (store_cursor_set(ps->st, ps->forum_id, cursor, &ps->err) != 0)
		return -1;
	if (store_commit(ps->st, &ps->err) != 0)
		return -1;
	ps->in_tx = 0;
	ps->batch = 0;
	if (!ps->remote) {
		if (store_begin(ps->st, &ps->err) != 0)
			return -1;
		ps->in_tx = 1;
	}
	return 0;
}

int sync_forum(struct store *st, const struct cfg *c, const struct cfg_forum *f, const char *path,
	       int use_cursor, struct sync_stats *stats, char **err)
{
	return sync_forum_opts(st, c, f, path, use_cursor, NULL, stats, err);
}

int sync_forum_opts(struct store *st, const struct cfg *c, const struct cfg_forum *f,
		    const char *path, int use_cursor, const struct sync_opts *o,
		    struct sync_stats *stats, char **err)
{
	const struct forum_connector_ops *ops = forum_connector(f->type);
	if (ops == NULL)
		return fg_error(err, "forum %s: connector type %s is not supported yet", f->name,
				f->type);
	void *state = NULL;
	if (ops->open(f, path, &state, err) != 0)
		return -1;
	struct pass ps = {.st = st,
			  .c = c,
			  .f = f,
			  .stats = stats,
			  .use_cursor = use_cursor,
			  .remote = (ops->flags & FORUM_CONN_REMOTE) != 0};
	struct progress pg = {.forum = f->name, .tty = o ? o->progress : NULL, .pass = &ps};
	clock_gettime(CLOCK_MONOTONIC, &pg.start);
	struct forum_changes_opts copts = {
		.backfill_days = f->backfill_days,
		.backfill_topics = f->backfill_topics,
		.progress = progress_cb,
		.progress_arg = &pg,
		.topics = o ? o->topics : NULL,
		.ntopics = o ? o->ntopics : 0,
	};
	char *cursor = NULL, *next = NULL;
	int warnings = 0, rc = -1;
	if (store_begin(st, err) != 0)
		goto out;
	ps.in_tx = 1;
	if (store_forum_ensure(st, f->name, &ps.forum_id, err) != 0 ||
	    (use_cursor && store_cursor_get(st, ps.forum_id, &cursor, err) != 0))
		goto fail;
	if (ps.remote) {
		if (store_commit(st, err) != 0)
			goto fail;
		ps.in_tx = 0;
	}
	if (ops->changes(state, use_cursor ? cursor : NULL, &copts, pass_thread, pass_checkpoint,
			 &ps, &next, &warnings, err) != 0) {
		if (ps.err) {
			fg_error(err, "forum %s: %s", f->name, ps.err);
			free(ps.err);
		}
		goto fail;
	}
	stats->warnings += (size_t)warnings;
	if (!ps.in_tx) {
		if (store_begin(st, err) != 0)
			goto out;
		ps.in_tx = 1;
	}
	if (use_cursor && store_cursor_set(st, ps.forum_id, next, err) != 0)
		goto fail;
	if (store_commit(st, err) != 0)
		goto fail;
	ps.in_tx = 0;
	rc = 0;
	goto out;
fail:
	if (ps.in_tx)
		store_rollback(st);
out:
	if (pg.drawn) {
		fputc('\n', pg.tty);
		fflush(pg.tty);
	}
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

static int forum_remote(const struct cfg_forum *f)
{
	const struct forum_connector_ops *ops = forum_connector(f->type);
	return ops && (ops->flags & FORUM_CONN_REMOTE);
}

/* Records the outcome of a scheduled pass for `forumgate status` and
 * /metrics; a store that refuses it only costs the record. */
static void record_pass(struct store *st, const struct cfg_forum *f, const char *error,
			const struct sync_stats *s, double secs)
{
	char *err = NULL;
	metric_observe(metric_get1(M_SYNC_PASS_SECONDS, "forum", f->name), secs);
	metric_set(metric_get1(M_SYNC_FETCHED, "forum", f->name), 0);
	metric_set(metric_get1(M_SYNC_FETCH_TOTAL, "forum", f->name), 0);
	if (store_sync_record(st, f->name, (int64_t)time(NULL), error,
			      (int64_t)(s->posts_new + s->posts_edited), secs, &err) != 0) {
		log_warn("forum %s: %s", f->name, err);
		free(err);
	}
}

/* One pass over forum f, logged and recorded. */
static void loop_pass(struct store *st, const struct cfg *c, const struct cfg_forum *f)
{
	struct sync_stats s = {0};
	char *err = NULL;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = sync_forum(st, c, f, NULL, 1, &s, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	record_pass(st, f, rc != 0 ? (err ? err : "failed") : NULL, &s, secs);
	if (rc != 0) {
		log_err("%s", err);
		free(err);
		return;
	}
	if (s.posts_new || s.posts_edited || s.posts_deleted)
		log_info("forum %s: %zu new, %zu edited, %zu deleted posts in %zu %s", f->name,
			 s.posts_new, s.posts_edited, s.posts_deleted, s.threads,
			 s.threads == 1 ? "thread" : "threads");
}

/* A pass over the topics pushed for forum f, if any. Returns how many
 * items it took (0 also when the pass failed: no hurry then). */
static size_t push_pass(struct store *st, const struct cfg *c, const struct cfg_forum *f)
{
	char **topics = NULL, *err = NULL;
	size_t n = 0, took = 0;
	if (store_push_take(st, f->name, &topics, &n, &err) != 0) {
		log_err("forum %s: %s", f->name, err);
		free(err);
		return 0;
	}
	if (n == 0)
		return 0;
	struct sync_stats s = {0};
	struct sync_opts o = {.topics = (const char *const *)topics, .ntopics = n};
	if (sync_forum_opts(st, c, f, NULL, 1, &o, &s, &err) != 0) {
		log_err("%s", err);
		free(err);
	} else {
		took = n;
		if (s.posts_new || s.posts_edited || s.posts_deleted)
			log_info("forum %s: pushed: %zu new, %zu edited, %zu deleted posts",
				 f->name, s.posts_new, s.posts_edited, s.posts_deleted);
	}
	for (size_t i = 0; i < n; i++)
		free(topics[i]);
	free(topics);
	return took;
}

/* Milliseconds from now to *end (CLOCK_MONOTONIC), 0 when past. */
static long ms_until(const struct timespec *end)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (long)(end->tv_sec - now.tv_sec) * 1000 + (end->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? ms : 0;
}

/* A remote forum's own loop (FORUM_CONN_REMOTE), with its own store
 * connection, so that it waits for its forum alone. */
struct remote_loop {
	const struct cfg *c;
	const struct cfg_forum *f;
	volatile sig_atomic_t *stop;
	pthread_t thread;
	int started;
};

static void *remote_main(void *arg)
{
	struct remote_loop *r = arg;
	struct store *st = NULL;
	char *err = NULL;
	if (store_open(r->c->gateway.store, STORE_RW, &st, &err) != 0) {
		log_err("forum %s: %s", r->f->name, err);
		free(err);
		return NULL;
	}
	while (!*r->stop) {
		push_between = 1;
		loop_pass(st, r->c, r->f);
		push_between = 0;
		/* till the next poll: what its webhooks pushed (httpd stored
		 * it), fetched as it comes. After a pass that took some, the
		 * next at once (more came while it fetched); else a wait for
		 * the httpd's ring (store_push_wait), at most 200 ms, to see
		 * the stop flag (and to look anyway where nothing rings). */
		struct timespec end;
		clock_gettime(CLOCK_MONOTONIC, &end);
		end.tv_sec += r->f->poll_interval > 0 ? r->f->poll_interval : 60;
		long left;
		while (!*r->stop && (left = ms_until(&end)) > 0) {
			if (push_pass(st, r->c, r->f) > 0)
				continue;
			store_push_wait(st, (int)(left < 200 ? left : 200));
		}
	}
	store_close(st);
	return NULL;
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
	struct remote_loop *remote = xcalloc(c->nforums ? c->nforums : 1, sizeof *remote);
	for (size_t i = 0; i < c->nforums; i++) {
		if (!forum_remote(&c->forums[i]))
			continue;
		remote[i] = (struct remote_loop){.c = c, .f = &c->forums[i], .stop = stop};
		if (pthread_create(&remote[i].thread, NULL, remote_main, &remote[i]) != 0)
			log_err("forum %s: cannot start its sync thread", c->forums[i].name);
		else
			remote[i].started = 1;
	}
	int interval = 3600;
	for (size_t i = 0; i < c->nforums; i++)
		if (!forum_remote(&c->forums[i]) && c->forums[i].poll_interval > 0 &&
		    c->forums[i].poll_interval < interval)
			interval = c->forums[i].poll_interval;
	while (!*stop) {
		for (size_t i = 0; i < c->nforums && !*stop; i++)
			if (!forum_remote(&c->forums[i]))
				loop_pass(st, c, &c->forums[i]);
		sleep_until(stop, interval);
	}
	for (size_t i = 0; i < c->nforums; i++)
		if (remote[i].started)
			pthread_join(remote[i].thread, NULL);
	free(remote);
	store_close(st);
	return 0;
}
