/*
 * The listd role (see listd.h): fan-out of new articles into the delivery
 * queue, then delivery of the queue over one SMTP connection.
 *
 * A pass takes up to list.batch due deliveries, builds each message (the
 * article is read once per batch and kept while the batch walks its
 * subscribers), commits them all as `sending` in one transaction, and
 * hands them to smtp_send, which pipelines them; each result is committed
 * as it arrives. The connection stays open while there is work and is
 * closed after a few idle seconds.
 */
#include "forumgate/listd.h"
#include "forumgate/metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "forumgate/bounce_score.h"
#include "forumgate/buf.h"
#include "forumgate/digest.h"
#include "forumgate/forum.h"
#include "forumgate/intake.h"
#include "forumgate/listmsg.h"
#include "forumgate/log.h"
#include "forumgate/replykey.h"
#include "forumgate/sanitize.h"
#include "forumgate/smtp.h"
#include "forumgate/store.h"
#include "forumgate/tzfile.h"

#define IDLE_CLOSE 5     /* seconds an idle connection is kept */
#define FANOUT_BATCH 200 /* articles per fan-out transaction */

struct listd {
	const struct cfg *c;
	struct store *st;
	unsigned char *secret;
	size_t secret_len;
	const char *domain; /* reply domain */
	char *unsub_base;   /* http.public_url or http://listen; NULL */
	struct smtp *smtp;
	time_t last_used;
	int down_delay; /* seconds, while the smarthost is unreachable */
	time_t down_until;
	/* the article of the last delivery built */
	int64_t art_id;
	struct buf art;
	size_t art_header_len;
	int64_t art_post_rowid; /* 0: not a forum post (no reply key) */
	/* the last digest built: subscribers of one group whose digests are
	 * due together get the same message (its Message-ID names the issue) */
	char *dig_key;
	struct buf dig;
	char *ro_group; /* the group whose posting flag ro_flag is */
	int ro_flag;
	int art_html_done; /* art_html computed (NULL: no HTML part) */
	char *art_html;    /* the sanitized HTML document of the post */
	char art_boundary[64];
	/* the batch */
	struct store_delivery *d;
	size_t n;
	struct smtp_msg *msgs;
	char **bufs; /* message and envelope sender per delivery */
	char **froms;
	int64_t sent, temp, failed;
	int store_failed; /* a result could not be committed */
};

/* The gateway's address for a group: list.from_address expanded. */
static char *from_address(const struct listd *L, const char *group)
{
	struct buf b = BUF_INIT;
	for (const char *p = L->c->list.from_address; *p; p++) {
		if (!strncmp(p, "{group}", 7)) {
			buf_adds(&b, group);
			p += 6;
		} else if (!strncmp(p, "{domain}", 8)) {
			buf_adds(&b, L->domain);
			p += 7;
		} else {
			buf_addc(&b, *p);
		}
	}
	return buf_detach(&b);
}

/* Loads the article of d into L->art (once per article). 1, 0 gone, -1. */
static int load_article(struct listd *L, const struct store_delivery *d, char **err)
{
	if (L->art_id == d->article_id)
		return 1;
	struct store_view v;
	int r = store_view_by_msgid(L->st, d->message_id, &v, err);
	if (r <= 0)
		return r;
	buf_reset(&L->art);
	buf_add(&L->art, v.wire, v.wire_len);
	L->art_header_len = v.header_len;
	store_release(L->st);
	L->art_id = d->article_id;
	L->art_post_rowid = 0;
	L->art_html_done = 0;
	free(L->art_html);
	L->art_html = NULL;
	char *forum = NULL, *thread = NULL, *post = NULL;
	r = store_post_by_msgid(L->st, d->message_id, &forum, &thread, &post, err);
	if (r == 1 && store_post_rowid(L->st, forum, post, &L->art_post_rowid, err) < 0)
		r = -1;
	free(forum);
	free(thread);
	free(post);
	return r < 0 ? -1 : 1;
}

/* The HTML part of the article, made once per article from the forum's
 * own HTML: only for posts written in HTML (a BBCode or Markdown post has
 * no HTML of the forum's stored, and its text part says it all). */
static int article_html(struct listd *L, const struct store_delivery *d, char **err)
{
	if (L->art_html_done)
		return 0;
	int markup = 0;
	char *body = NULL, *url = NULL;
	int r = store_post_body(L->st, d->message_id, &markup, &body, &url, err);
	if (r < 0)
		return -1;
	if (r == 1 && markup == MARKUP_HTML && body)
		L->art_html = sanitize_html_document(body, strlen(body), url, NULL);
	snprintf(L->art_boundary, sizeof L->art_boundary, "=_fg_%lld_%08lx",
		 (long long)d->article_id, (unsigned long)random());
	L->art_html_done = 1;
	free(body);
	free(url);
	return 0;
}

/* The recipient's own reply address for the article (a reply key binds
 * the user and the post), or NULL when the recipient is no user or the
 * article no forum post: replies then go to the list address, where the
 * sender's registration decides. */
static char *reply_address(struct listd *L, const char *group, const char *rcpt, char **err)
{
	if (L->art_post_rowid == 0)
		return NULL;
	int64_t uid = 0;
	char *name = NULL;
	int r = store_user_by_address(L->st, rcpt, &uid, &name, err);
	free(name);
	if (r <= 0)
		return NULL;
	struct replykey k = {.purpose = REPLYKEY_REPLY,
			     .user_id = (uint32_t)uid,
			     .post_id = (uint64_t)L->art_post_rowid,
			     .expires = (uint16_t)(time(NULL) / 86400 + 90)};
	char key[REPLYKEY_LEN + 1];
	replykey_make(&k, L->secret, L->secret_len, key);
	return xasprintf("%s+%s@%s", group, key, L->domain);
}

static void batch_free(struct listd *L)
{
	for (size_t i = 0; i < L->n; i++) {
		free(L->bufs ? L->bufs[i] : NULL);
		free(L->froms ? L->froms[i] : NULL);
	}
	free(L->bufs);
	free(L->froms);
	free(L->msgs);
	store_deliveries_free(L->d, L->n);
	L->bufs = L->froms = NULL;
	L->msgs = NULL;
	L->d = NULL;
	L->n = 0;
}

struct digest_collect {
	struct buf arena;
	size_t *off, *len, n, cap;
};

static int collect(void *arg, const char *wire, size_t len)
{
	struct digest_collect *c = arg;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		c->off = xrealloc(c->off, c->cap * sizeof *c->off);
		c->len = xrealloc(c->len, c->cap * sizeof *c->len);
	}
	c->off[c->n] = c->arena.len;
	c->len[c->n++] = len;
	buf_add(&c->arena, wire, len);
	return 0;
}

/* A digest delivery: the group's articles of the period in one message,
 * RFC 1153 plain text for `text` subscribers, MIME multipart/digest for
 * `html` ones (a mail client that shows HTML shows each part too). */
static int build_digest(struct listd *L, size_t i, char **err)
{
	struct store_delivery *d = &L->d[i];
	char *key = xasprintf("%s\n%lld\n%lld\n%d\n%s", d->group, (long long)d->digest_from,
			      (long long)d->article_id, d->issue, d->format);
	if (L->dig_key && !strcmp(L->dig_key, key)) {
		free(key);
		L->msgs[i].len = L->dig.len;
		L->bufs[i] = xmalloc(L->dig.len + 1);
		memcpy(L->bufs[i], L->dig.p, L->dig.len + 1);
		L->msgs[i].data = L->bufs[i];
		L->froms[i] = listmsg_bounce_address(d->group, L->domain, d->id, L->secret,
						     L->secret_len);
		L->msgs[i].from = L->froms[i];
		L->msgs[i].rcpt = d->recipient;
		return 0;
	}
	free(L->dig_key);
	L->dig_key = NULL;
	struct digest_collect col = {BUF_INIT, NULL, NULL, 0, 0};
	int rc = -1;
	if (store_group_articles(L->st, d->group, d->digest_from, d->article_id, collect, &col,
				 err) < 0)
		goto out;
	struct digest_article *a = xcalloc(col.n ? col.n : 1, sizeof *a);
	for (size_t k = 0; k < col.n; k++)
		a[k] = (struct digest_article){col.arena.p + col.off[k], col.len[k], 1};
	char *from = from_address(L, d->group);
	char *post = xasprintf("%s@%s", d->group, L->domain);
	char *request = xasprintf("%s-request@%s", d->group, L->domain);
	char *name = xasprintf("%s digest", d->group);
	char *intro = xasprintf("Send posts to %s. Commands (help, nodigest, unsubscribe) go "
				"to %s.\n",
				post, request);
	struct buf extra = BUF_INIT;
	buf_addf(&extra,
		 "Sender: <%s>\r\nTo: <%s>\r\nReply-To: <%s>\r\n"
		 "List-Id: <%s.%s>\r\nList-Post: <mailto:%s>\r\n"
		 "List-Help: <mailto:%s?subject=help>\r\n"
		 "List-Unsubscribe: <mailto:%s?subject=unsubscribe>\r\n"
		 "Precedence: list\r\nAuto-Submitted: auto-generated\r\n"
		 "X-Forumgate-Loop: %s\r\n",
		 from, post, post, d->group, L->domain, post, request, request, L->domain);
	struct digest_info info = {
		.list_name = d->group,
		.volume = 1,
		.issue = d->issue > 0 ? d->issue : 1,
		.date = (int64_t)time(NULL),
		.domain = L->domain,
		.from_name = name,
		.from_addr = from,
		.extra_headers = extra.p,
		.intro = intro,
	};
	struct buf raw = BUF_INIT, m = BUF_INIT;
	if (digest_build(!strcmp(d->format, "html") ? DIGEST_MIME : DIGEST_PLAIN, &info, a, col.n,
			 &raw, NULL, err) == 0) {
		smtp_dot_stuff(&m, raw.p, raw.len);
		buf_reset(&L->dig);
		buf_add(&L->dig, m.p, m.len);
		L->dig_key = key;
		key = NULL;
		L->msgs[i].len = m.len;
		L->bufs[i] = buf_detach(&m);
		L->msgs[i].data = L->bufs[i];
		L->froms[i] = listmsg_bounce_address(d->group, L->domain, d->id, L->secret,
						     L->secret_len);
		L->msgs[i].from = L->froms[i];
		L->msgs[i].rcpt = d->recipient;
		rc = 0;
	}
	buf_free(&raw);
	buf_free(&m);
	buf_free(&extra);
	free(a);
	free(from);
	free(post);
	free(request);
	free(name);
	free(intro);
out:
	free(key);
	buf_free(&col.arena);
	free(col.off);
	free(col.len);
	return rc;
}

/* The next time a digest is due after now: `hour` o'clock in zone tz
 * (NULL: UTC), every day, or Mondays for weekly ones. */
static int64_t digest_due_after(int64_t now, int hour, const char *tz, int weekly)
{
	char *err = NULL;
	const struct tzfile *z = tzfile_get(tz, &err);
	if (z == NULL) {
		free(err);
		z = tzfile_get(NULL, &err); /* an unknown zone: UTC */
	}
	int32_t off = 0;
	if (z)
		tzfile_offset(z, now, &off, NULL, NULL);
	int64_t local = now + off;
	int64_t day = local / 86400;
	if (day * 86400 + hour * 3600 <= local)
		day++;
	while (weekly && (day + 3) % 7 != 0) /* 1970-01-01 was a Thursday */
		day++;
	int64_t t = day * 86400 + hour * 3600;
	if (z && tzfile_to_utc(z, t, &t, NULL) == 0)
		return t;
	return t - off;
}

/* Queues the digests that are due, and schedules the next of each. A
 * subscription seen for the first time is only scheduled: its first
 * digest holds what is posted from then on. 0 or -1. */
static int schedule_digests(struct listd *L, char **err)
{
	int64_t now = (int64_t)time(NULL);
	struct store_sub *due = NULL;
	size_t n = 0;
	if (store_begin(L->st, err) != 0)
		return -1;
	int rc = store_digest_due(L->st, now, &due, &n, err);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct store_sub *s = &due[i];
		int64_t last = 0;
		int weekly = s->digest_period && !strcmp(s->digest_period, "weekly");
		int64_t next = digest_due_after(now, s->digest_hour, s->timezone, weekly);
		rc = store_group_last_article(L->st, s->group, &last, err);
		if (rc == 0 && s->digest_next != 0 && last > s->digest_last)
			rc = store_digest_queue(L->st, s->group, s->address, s->format,
						s->digest_last, last, s->digest_issue + 1, now,
						err);
		if (rc == 0)
			rc = store_digest_next(L->st, s->group, s->address, next, last, err);
	}
	for (size_t i = 0; i < n; i++)
		store_sub_clear(&due[i]);
	free(due);
	if (rc != 0) {
		store_rollback(L->st);
		return -1;
	}
	return store_commit(L->st, err);
}

/* Builds message i of the batch; 0, 1 when its article is gone (the
 * delivery is then dropped as failed), -1. */
static int build(struct listd *L, size_t i, char **err)
{
	struct store_delivery *d = &L->d[i];
	if (d->digest)
		return build_digest(L, i, err);
	int r = load_article(L, d, err);
	if (r <= 0)
		return r < 0 ? -1 : 1;
	char *from = from_address(L, d->group);
	char *post = xasprintf("%s@%s", d->group, L->domain);
	char *request = xasprintf("%s-request@%s", d->group, L->domain);
	char *reply = reply_address(L, d->group, d->recipient, err);
	char *unsub = L->unsub_base ? listmsg_unsub_url(L->unsub_base, d->group, d->recipient,
							L->secret, L->secret_len)
				    : NULL;
	if (!strcmp(d->format, "html") && article_html(L, d, err) != 0) {
		free(from);
		free(post);
		free(request);
		free(reply);
		free(unsub);
		return -1;
	}
	int html = !strcmp(d->format, "html") && L->art_html;
	if (L->ro_group == NULL || strcmp(L->ro_group, d->group) != 0) {
		struct store_group g = {0};
		int r = store_group_get(L->st, d->group, &g, err);
		if (r < 0) {
			free(from);
			free(post);
			free(request);
			free(reply);
			free(unsub);
			return -1;
		}
		free(L->ro_group);
		L->ro_group = xstrdup(d->group);
		L->ro_flag = r == 1 && g.posting == 'n';
		store_group_clear(&g);
	}
	struct listmsg_in in = {
		.wire = L->art.p,
		.wire_len = L->art.len,
		.header_len = L->art_header_len,
		.group = d->group,
		.from_address = from,
		.post_address = post,
		.request_address = request,
		.reply_to = reply,
		.unsubscribe_url = unsub,
		.list_domain = L->domain,
		.html = html ? L->art_html : NULL,
		.html_len = html ? strlen(L->art_html) : 0,
		.boundary = L->art_boundary,
		.read_only = L->ro_flag,
	};
	struct buf m = BUF_INIT;
	buf_reserve(&m, L->art.len + 1024);
	listmsg_build(&in, &m);
	L->msgs[i].len = m.len;
	L->bufs[i] = buf_detach(&m);
	L->msgs[i].data = L->bufs[i];
	L->froms[i] = listmsg_bounce_address(d->group, L->domain, d->id, L->secret, L->secret_len);
	L->msgs[i].from = L->froms[i];
	L->msgs[i].rcpt = d->recipient;
	free(from);
	free(post);
	free(request);
	free(reply);
	free(unsub);
	return 0;
}

int listd_bounce(struct store *st, const char *address, int hard, const char *reason, char **err)
{
	struct store_bounce b;
	if (store_bounce_get(st, address, &b, err) < 0)
		return -1;
	struct bounce_policy p = BOUNCE_POLICY_DEFAULT;
	struct bounce_state s = {b.soft,          b.hard_count, b.last_bounce, b.updated,
				 b.last_was_hard, b.suspended,  b.suspended_at};
	struct bounce_verdict v;
	int64_t now = (int64_t)time(NULL);
	bounce_score_event(&p, &s, hard ? BOUNCE_HARD : BOUNCE_SOFT, now, &v);
	b = (struct store_bounce){s.soft,          s.hard_count, s.last_bounce,  s.updated,
				  s.last_was_hard, s.suspended,  s.suspended_at, v.score};
	if (v.send_notice)
		/* no other channel to the person is known here: the log says it,
		 * and `forumgate subscribers --bounces` shows it */
		log_warn("list delivery to %s suspended after bounces (score %.1f): %s", address,
			 v.score, reason ? reason : "");
	return store_bounce_put(st, address, &b, 1, reason, err);
}

/* Commits one result on its own: the contract is per message. */
static int settle(struct listd *L, size_t i, int code, const char *text, char **err)
{
	struct store_delivery *d = &L->d[i];
	if (store_begin(L->st, err) != 0)
		return -1;
	int r;
	/* a refused MAIL FROM or DATA is the smarthost's quarrel with us (a
	 * login it wants, a policy), never the recipient's: retried, no bounce */
	if (code / 100 == 5 && (!strncmp(text, "MAIL FROM: ", 11) || !strncmp(text, "DATA: ", 6)))
		code = 400;
	if (code / 100 == 2) {
		r = store_list_sent(L->st, d->id, err);
		L->sent++;
		metric_add(metric_get1(M_LIST_DELIVERIES, "result", "sent"), 1);
	} else if (code / 100 == 5) {
		r = store_list_failed(L->st, d->id, text, err);
		if (r == 0)
			r = listd_bounce(L->st, d->recipient, 1, text, err);
		L->failed++;
		metric_add(metric_get1(M_LIST_DELIVERIES, "result", "failed"), 1);
		log_warn("listd: %s to %s failed: %s", d->message_id, d->recipient, text);
	} else {
		/* 4xx at RCPT or after the content: the recipient's domain
		 * waits; otherwise (the connection broke, MAIL FROM) only the row */
		int domain = code != 0 && strncmp(text, "MAIL FROM: ", 11) != 0 &&
			     strncmp(text, "DATA: ", 6) != 0;
		/* a lost connection is nobody's fault in the queue: the rows are
		 * due again at once, and the connection's own backoff (down_delay)
		 * paces the next try */
		r = store_list_retry(L->st, d->id, (int64_t)time(NULL),
				     code == 0 ? 0 : L->c->list.retry_max, text, domain, err);
		L->temp++;
		metric_add(metric_get1(M_LIST_DELIVERIES, "result", "deferred"), 1);
	}
	if (r != 0 || store_commit(L->st, err) != 0) {
		store_rollback(L->st);
		L->store_failed = 1;
		return -1;
	}
	return 0;
}

static int on_result(void *arg, size_t i, int code, const char *text, char **err)
{
	return settle(arg, i, code, text, err);
}

/* The smarthost could not be reached or dropped the connection: the next
 * try waits 1 s, doubling while it stays so, at most list.retry_max. */
static void smarthost_down(struct listd *L, time_t now)
{
	L->down_delay = L->down_delay ? L->down_delay * 2 : 1;
	if (L->down_delay > L->c->list.retry_max)
		L->down_delay = L->c->list.retry_max;
	L->down_until = now + L->down_delay;
}

/* One delivery pass: 1 when it sent something (more may be due), 0 when
 * nothing was due or the smarthost is unreachable, -1 store error. */
static int deliver(struct listd *L, char **err)
{
	time_t now = time(NULL);
	if (now < L->down_until)
		return 0;
	if (store_list_due(L->st, (int64_t)now, L->c->list.batch, &L->d, &L->n, err) != 0)
		return -1;
	if (L->n == 0)
		return 0;
	if (L->smtp == NULL) {
		if (smtp_open(L->c, &L->smtp, err) != 0) {
			/* nothing changes in the queue: the smarthost only delays it */
			smarthost_down(L, now);
			log_warn("listd: %s; %zu deliveries wait, next try in %ds", *err, L->n,
				 L->down_delay);
			free(*err);
			*err = NULL;
			batch_free(L);
			return 0;
		}
	}
	L->msgs = xcalloc(L->n, sizeof *L->msgs);
	L->bufs = xcalloc(L->n, sizeof *L->bufs);
	L->froms = xcalloc(L->n, sizeof *L->froms);
	int rc = -1;
	if (store_begin(L->st, err) != 0)
		goto out;
	size_t live = 0;
	for (size_t i = 0; i < L->n; i++) {
		int r = build(L, i, err);
		if (r < 0 || (r == 0 && store_list_sending(L->st, L->d[i].id, err) != 0) ||
		    (r == 1 &&
		     store_list_failed(L->st, L->d[i].id, "the article is gone", err) != 0)) {
			store_rollback(L->st);
			goto out;
		}
		if (r == 1)
			continue;
		/* keep the batch dense: smtp_send reports by position */
		if (live != i) {
			struct store_delivery t = L->d[live];
			L->d[live] = L->d[i];
			L->d[i] = t;
			L->msgs[live] = L->msgs[i];
			L->bufs[live] = L->bufs[i];
			L->froms[live] = L->froms[i];
			L->bufs[i] = L->froms[i] = NULL;
		}
		live++;
	}
	/* `sending` is durable before any DATA */
	if (store_commit(L->st, err) != 0)
		goto out;
	char *serr = NULL;
	if (smtp_send(L->smtp, L->msgs, live, on_result, L, &serr) != 0) {
		/* a lost connection settled the rest as temporary (code 0); a
		 * store error in on_result stops the pass */
		log_warn("listd: %s", serr ? serr : "connection lost");
		smtp_close(L->smtp);
		L->smtp = NULL;
		smarthost_down(L, time(NULL));
	} else {
		L->down_delay = 0; /* a whole batch went through */
	}
	free(serr);
	/* rows left `sending` by a failed commit wait for the restart */
	rc = L->store_failed ? fg_error(err, "listd: cannot record delivery results") : live > 0;
out:
	batch_free(L);
	L->last_used = time(NULL);
	return rc;
}

struct fanout {
	struct listd *L;
	int64_t last, queued;
	char **err;
};

static int fanout_one(void *arg, int64_t id, const char *message_id, const char *group, int fresh)
{
	struct fanout *f = arg;
	f->last = id;
	if (group == NULL || !fresh)
		return 0;
	int64_t n = 0;
	if (store_list_fanout(f->L->st, id, message_id, group, (int64_t)time(NULL), &n, f->err) !=
	    0)
		return -1;
	f->queued += n;
	return 0;
}

/* Queues the articles that arrived since the cursor. 1 when there were
 * any, 0 none, -1. */
static int fanout(struct listd *L, char **err)
{
	int64_t cursor = 0;
	if (store_begin(L->st, err) != 0)
		return -1;
	struct fanout f = {.L = L, .err = err};
	if (store_list_cursor(L->st, &cursor, err) < 0 ||
	    store_list_new(L->st, cursor, FANOUT_BATCH, fanout_one, &f, err) != 0 ||
	    (f.last > cursor && store_list_cursor_set(L->st, f.last, err) != 0)) {
		store_rollback(L->st);
		return -1;
	}
	if (store_commit(L->st, err) != 0)
		return -1;
	if (f.queued)
		log_info("listd: queued %lld deliveries for articles up to %lld",
			 (long long)f.queued, (long long)f.last);
	return f.last > cursor;
}

/* Start: settles what a previous run left (see listd.h) and, on the
 * first run on a store, starts the cursor at its newest article: a list
 * mails what is posted from now on, not the archive. */
static int start(struct listd *L, char **err)
{
	int64_t n = 0, cursor = 0, last = 0;
	if (store_begin(L->st, err) != 0)
		return -1;
	int r = store_list_cursor(L->st, &cursor, err);
	if (r < 0 || store_list_requeue(L->st, &n, err) != 0 ||
	    (r == 0 && (store_article_last_id(L->st, &last, err) != 0 ||
			store_list_cursor_set(L->st, last, err) != 0))) {
		store_rollback(L->st);
		return -1;
	}
	if (store_commit(L->st, err) != 0)
		return -1;
	if (n)
		log_warn("listd: %lld deliveries were being sent when listd stopped: sending them "
			 "again (the smarthost may have accepted some before the stop)",
			 (long long)n);
	return 0;
}

int listd_run(const struct cfg *c, volatile sig_atomic_t *stop)
{
	struct listd L = {.c = c};
	char *err = NULL;
	int rc = -1;
	L.domain = c->mail.reply_domain ? c->mail.reply_domain : c->gateway.domain;
	if (c->mail.smarthost == NULL) {
		log_err("listd: no mail.smarthost configured");
		return -1;
	}
	if (intake_load_secret(c, &L.secret, &L.secret_len, &err) != 0 || L.secret == NULL) {
		log_err("listd: %s", err ? err
					 : "no mail.secret_file configured (reply and bounce "
					   "keys need it)");
		free(err);
		return -1;
	}
	if (c->http.public_url)
		L.unsub_base = xstrdup(c->http.public_url);
	else if (c->http.listen)
		L.unsub_base = xasprintf("http://%s", c->http.listen);
	if (store_open(c->gateway.store, STORE_RW, &L.st, &err) != 0 || start(&L, &err) != 0) {
		log_err("listd: %s", err);
		goto out;
	}
	log_info("listd: delivering through %s", c->mail.smarthost);
	time_t digests_at = 0;
	while (!*stop) {
		/* digests are due on the hour: a look a minute is enough */
		if (time(NULL) >= digests_at) {
			if (schedule_digests(&L, &err) != 0) {
				log_err("%s", err ? err : "listd: store error");
				goto out;
			}
			digests_at = time(NULL) + L.c->list.digest_check;
		}
		int f = fanout(&L, &err);
		int d = f < 0 ? -1 : deliver(&L, &err);
		if (f < 0 || d < 0) {
			log_err("%s", err ? err : "listd: store error");
			goto out;
		}
		if (f > 0 || d > 0)
			continue;
		if (L.smtp && time(NULL) - L.last_used >= IDLE_CLOSE) {
			smtp_close(L.smtp);
			L.smtp = NULL;
		}
		for (int i = 0; i < 10 * c->list.poll_interval && !*stop; i++)
			usleep(100000);
	}
	rc = 0;
out:
	if (L.sent || L.temp || L.failed)
		log_info("listd: %lld sent, %lld deferred, %lld failed", (long long)L.sent,
			 (long long)L.temp, (long long)L.failed);
	smtp_close(L.smtp);
	buf_free(&L.art);
	free(L.art_html);
	free(L.dig_key);
	free(L.ro_group);
	buf_free(&L.dig);
	free(L.unsub_base);
	free(L.secret);
	free(err);
	store_close(L.st);
	return rc;
}
