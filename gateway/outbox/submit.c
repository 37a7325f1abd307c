/*
 * The submission module (see submit.h): what every front end that takes a
 * reply shares. Front ends used to do this each in their own code, and
 * drifted: NNTP POST routed by Newsgroups alone, so a follow-up into a
 * read-only thread was queued while mail refused it; POST queued the raw
 * article as the post's text. Here the order of the checks is the order of
 * the reasons a person sees, and each reason is written once.
 *
 * Lookups go through env->store (an nntpd worker's read-only connection);
 * the writer is asked for only when the reply is queued, so a refusal costs
 * no write lock.
 */
#include "forumgate/submit.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "forumgate/article.h"
#include "forumgate/buf.h"
#include "forumgate/log.h"

void submit_result_clear(struct submit_result *r)
{
	free(r->reason);
	free(r->message_id);
	memset(r, 0, sizeof *r);
}

static void set(struct submit_result *r, enum submit_status s, const char *code, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));
static void set(struct submit_result *r, enum submit_status s, const char *code, const char *fmt,
		...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	r->status = s;
	r->code = code;
	free(r->reason);
	r->reason = buf_detach(&b);
}

char *outbox_msgid_make(const char *seed, size_t len, const char *domain)
{
	unsigned char md[32];
	unsigned int n = 0;
	EVP_Digest(seed, len, md, &n, EVP_sha256(), NULL);
	struct buf b = BUF_INIT;
	buf_adds(&b, "<fg-");
	for (int i = 0; i < 16; i++)
		buf_addf(&b, "%02x", md[i]);
	buf_addf(&b, "@%s>", domain);
	return buf_detach(&b);
}

int outbox_msgid_valid(const char *m)
{
	size_t n = strlen(m);
	if (n < 5 || n > 250 || m[0] != '<' || m[n - 1] != '>')
		return 0;
	const char *at = strchr(m, '@');
	if (at == NULL || at == m + 1 || at >= m + n - 2 || strchr(at + 1, '@'))
		return 0;
	for (size_t i = 1; i + 1 < n; i++)
		if (m[i] <= ' ' || m[i] > '~' || m[i] == '<' || m[i] == '>')
			return 0;
	return 1;
}

/* The Message-ID the reply is queued under, in res->message_id; 0, or -1
 * with res set (refused). A header that holds no usable id is refused
 * rather than replaced: the sender's program would not know the id its
 * message got, and the reply's article keeps the id it arrived with. */
static int settle_msgid(const struct submit_env *env, const struct submit_in *in,
			struct submit_result *res)
{
	const struct mail_msg *m = in->msg;
	const char *given = mail_header(m, "Message-ID");
	if (given == NULL || given[0] == '\0') {
		/* seeded with the author too: two users' identical articles differ */
		struct buf seed = BUF_INIT;
		buf_add(&seed, in->raw, in->raw_len);
		buf_addf(&seed, "\n%s\n%s", in->source, in->user ? in->user : "");
		res->message_id = outbox_msgid_make(seed.p, seed.len, env->cfg->gateway.domain);
		buf_free(&seed);
		return 0;
	}
	if (m->message_id == NULL || !outbox_msgid_valid(m->message_id)) {
		set(res, SUBMIT_REFUSED, "5.6.0",
		    "the Message-ID header is not a valid <id@domain>");
		return -1;
	}
	res->message_id = xstrdup(m->message_id);
	return 0;
}

/* Each group exists and takes posts; 0, -1 refused, -2 store error. */
static int check_groups(const struct submit_env *env, const char *groups, char **first,
			struct submit_result *res, char **err)
{
	char *copy = xstrdup(groups ? groups : "");
	int rc = 0;
	for (char *save = NULL, *g = strtok_r(copy, ", \t", &save); g && rc == 0;
	     g = strtok_r(NULL, ", \t", &save)) {
		struct store_group sg;
		int r = store_group_get(env->store, g, &sg, err);
		if (r < 0) {
			rc = -2;
		} else if (r == 0) {
			set(res, SUBMIT_REFUSED, "5.1.1", "no such newsgroup here: %s", g);
			rc = -1;
		} else {
			char posting = sg.posting;
			store_group_clear(&sg);
			if (posting == 'n') {
				set(res, SUBMIT_REFUSED, "5.7.1",
				    "newsgroup %s is read-only: the forum does not take replies there",
				    g);
				rc = -1;
			} else if (*first == NULL) {
				*first = xstrdup(g);
			}
		}
	}
	free(copy);
	if (rc == 0 && *first == NULL) {
		set(res, SUBMIT_REFUSED, "5.1.1", "the Newsgroups header names no group");
		rc = -1;
	}
	return rc;
}

struct route {
	char *forum, *thread, *parent;
	const char *how;
};

static void route_clear(struct route *r)
{
	free(r->forum);
	free(r->thread);
	free(r->parent);
	memset(r, 0, sizeof *r);
}

/* The one routing rule; 0 routed, -1 refused, -2 store error. */
static int route(const struct submit_env *env, const struct submit_in *in, const char *first,
		 struct route *rt, struct submit_result *res, char **err)
{
	const struct mail_msg *m = in->msg;
	if (in->route) {
		rt->forum = in->route->forum ? xstrdup(in->route->forum) : NULL;
		rt->thread = in->route->thread_key ? xstrdup(in->route->thread_key) : NULL;
		rt->parent = in->route->parent_key ? xstrdup(in->route->parent_key) : NULL;
		rt->how = in->route->how ? in->route->how : "key";
		return 0;
	}
	const char *ids[SUBMIT_MAX_REFS];
	size_t n = 0;
	if (m->in_reply_to)
		ids[n++] = m->in_reply_to;
	for (size_t i = m->nreferences; i > 0 && n < SUBMIT_MAX_REFS; i--)
		ids[n++] = m->references[i - 1];
	for (size_t i = 0; i < n; i++) {
		int r = store_reply_route(env->store, ids[i], &rt->forum, &rt->thread, &rt->parent,
					  err);
		if (r < 0)
			return -2;
		if (r == 1) {
			rt->how = i == 0 && m->in_reply_to ? "in-reply-to" : "references";
			return 0;
		}
	}
	if (n > 0) {
		/* a reply to something we do not know would open a new topic
		 * under a "Re:" subject for everyone to see: say so instead */
		set(res, SUBMIT_REFUSED, "5.6.0",
		    "none of the References is an article of this server, so the thread it "
		    "answers is unknown; to start a new thread, send it without In-Reply-To "
		    "and References");
		return -1;
	}
	const struct cfg_forum *f = cfg_group_forum(env->cfg, first, NULL);
	if (f == NULL) {
		set(res, SUBMIT_REFUSED, "5.1.1",
		    "newsgroup %s belongs to no forum configured here", first);
		return -1;
	}
	rt->forum = xstrdup(f->name);
	rt->how = "list";
	return 0;
}

/* The group of the post answered takes posts; 0, -1 refused, -2 error. */
static int check_thread_group(const struct submit_env *env, const struct route *rt,
			      struct submit_result *res, char **err)
{
	if (rt->parent == NULL || rt->forum == NULL)
		return 0;
	int64_t gid;
	char posting = 'y';
	int r = store_post_group(env->store, rt->forum, rt->parent, &gid, err);
	if (r < 0 || (r == 1 && store_group_posting(env->store, gid, &posting, err) != 0))
		return -2;
	if (posting == 'n') {
		set(res, SUBMIT_REFUSED, "5.7.1",
		    "the thread is in a read-only group: the forum does not take replies there");
		return -1;
	}
	return 0;
}

/* 1 when the Message-ID is known (res set), 0 not, -1 error. */
static int known(const struct submit_env *env, const char *msgid, struct submit_result *res,
		 char **err)
{
	int r = store_article_exists(env->store, msgid, err);
	if (r == 1)
		set(res, SUBMIT_DUPLICATE, "2.0.0", "an article with Message-ID %s exists already",
		    msgid);
	if (r != 0)
		return r;
	r = store_msgid_known(env->store, msgid, err);
	if (r == 1)
		set(res, SUBMIT_DUPLICATE, "2.0.0",
		    "an article with Message-ID %s is already queued", msgid);
	return r;
}

static int blank(const char *s)
{
	return s == NULL || s[strspn(s, " \t\r\n")] == '\0';
}

void outbox_submit(const struct submit_env *env, const struct submit_in *in,
		   struct submit_result *res)
{
	const struct cfg *c = env->cfg;
	const struct mail_msg *m = in->msg;
	char *err = NULL, *first = NULL;
	struct route rt = {0};
	struct buf kept = BUF_INIT, elided = BUF_INIT, body = BUF_INIT;
	struct store_attachment *att = NULL;
	int r;
	memset(res, 0, sizeof *res);

	if (settle_msgid(env, in, res) != 0)
		goto out;
	if ((r = check_groups(env, in->groups, &first, res, &err)) != 0) {
		if (r == -2)
			goto tempfail;
		goto out;
	}
	/* the reply lands in the group of the post it answers (which may not
	 * be a group it was sent to); that one must take replies too */
	if ((r = route(env, in, first, &rt, res, &err)) != 0 ||
	    (r = check_thread_group(env, &rt, res, &err)) != 0) {
		if (r == -2)
			goto tempfail;
		goto out;
	}

	/* after the route: a message sent to two addresses is refused for the
	 * one that takes no replies, not taken as a duplicate of the first */
	if ((r = known(env, res->message_id, res, &err)) != 0) {
		if (r < 0)
			goto tempfail;
		goto out;
	}
	/* an id of the form sync gives forum posts would hold that post's id
	 * before sync stores it (article_msgid_ours); 5.6.0, as for other
	 * content we refuse: it is the message, not the sender */
	if (article_msgid_ours(res->message_id, c->gateway.domain)) {
		set(res, SUBMIT_REFUSED, "5.6.0",
		    "the Message-ID %s has the form of this gateway's own ids for forum posts; "
		    "send it without one, or under an id of your own",
		    res->message_id);
		goto out;
	}

	const char *text = m->text ? m->text : "";
	if (blank(text) && m->nattachments == 0) {
		set(res, SUBMIT_REFUSED, "5.6.0", "the message has an empty body");
		goto out;
	}
	mail_trim(text, strlen(text), &kept, &elided);
	if (kept.len == 0 && m->nattachments == 0) {
		set(res, SUBMIT_REFUSED, "5.6.0",
		    "the reply was empty after removing quoted text and signatures");
		goto out;
	}
	buf_add(&body, buf_str(&kept), kept.len);
	att = m->nattachments ? xcalloc(m->nattachments, sizeof *att) : NULL;
	for (size_t i = 0; i < m->nattachments; i++) {
		const struct mail_attachment *a = &m->attachments[i];
		att[i] = (struct store_attachment){a->filename, a->content_type, a->data, a->size};
		/* the spool connector cannot upload: name the file in the post */
		buf_addf(&body, "%s[attachment: %s, %zu bytes]", body.len ? "\n" : "",
			 a->filename ? a->filename : "unnamed", a->size);
	}
	struct store_outbox_in o = {
		.message_id = res->message_id,
		.source = in->source,
		.user = in->user,
		.forum = rt.forum,
		.thread_key = rt.thread,
		.parent_key = rt.parent,
		.newsgroups = in->groups,
		.subject = m->subject ? m->subject : "",
		.article = in->raw,
		.article_len = in->raw_len,
		.body = buf_str(&body),
		.elided = elided.p,
		.envelope_from = in->envelope_from,
		.recipient = in->recipient,
		.route = rt.how,
		.attachments = att,
		.nattachments = m->nattachments,
	};
	struct store *w = env->writer ? env->writer(env->writer_arg) : env->store;
	if (w == NULL) {
		err = xstrdup("no writer connection");
		goto tempfail;
	}
	r = store_begin(w, &err);
	if (r == 0) {
		r = store_outbox_add(w, &o, &err);
		if (r >= 0 && store_commit(w, &err) != 0)
			r = -1;
		if (r < 0)
			store_rollback(w);
	}
	if (r < 0)
		goto tempfail;
	if (r == 1) {
		set(res, SUBMIT_DUPLICATE, "2.0.0",
		    "an article with Message-ID %s is already queued", res->message_id);
		goto out;
	}
	set(res, SUBMIT_ACCEPTED, "2.0.0", "queued for %s (%s)", rt.forum, rt.how);
	goto out;
tempfail:
	log_err("submit: store: %s", err ? err : "error");
	set(res, SUBMIT_TEMPFAIL, "4.3.0", "temporary store failure: %s", err ? err : "?");
out:
	free(att);
	route_clear(&rt);
	buf_free(&kept);
	buf_free(&elided);
	buf_free(&body);
	free(err);
	free(first);
}
