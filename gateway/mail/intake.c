/*
 * The intake pipeline (see intake.h). Every refusal names its reason in
 * words the sender can act on, because it ends up in the MTA's bounce.
 */
#include "forumgate/intake.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "forumgate/article.h"
#include "forumgate/authres.h"
#include "forumgate/buf.h"
#include "forumgate/log.h"
#include "forumgate/mail.h"
#include "forumgate/notice.h"
#include "forumgate/replykey.h"

void intake_result_clear(struct intake_result *r)
{
	free(r->reason);
	free(r->message_id);
	memset(r, 0, sizeof *r);
}

static void set(struct intake_result *r, enum intake_status s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set(struct intake_result *r, enum intake_status s, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	r->status = s;
	free(r->reason);
	r->reason = buf_detach(&b);
}

const char *intake_lmtp_code(enum intake_status s)
{
	switch (s) {
	case INTAKE_ACCEPTED:
	case INTAKE_DUPLICATE:
	case INTAKE_DROPPED:
		return "250 2.0.0";
	case INTAKE_UNKNOWN_RECIPIENT:
		return "550 5.1.1";
	case INTAKE_REFUSED_SENDER:
		return "550 5.7.1";
	case INTAKE_REJECTED:
		return "550 5.6.0";
	case INTAKE_BAD_DATA:
		return "554 5.6.0";
	case INTAKE_TEMPFAIL:
	default:
		return "451 4.3.0";
	}
}

int intake_exit_code(enum intake_status s)
{
	switch (s) {
	case INTAKE_ACCEPTED:
	case INTAKE_DUPLICATE:
	case INTAKE_DROPPED:
		return 0;
	case INTAKE_UNKNOWN_RECIPIENT:
		return 67; /* EX_NOUSER */
	case INTAKE_REFUSED_SENDER:
		return 77; /* EX_NOPERM */
	case INTAKE_REJECTED:
	case INTAKE_BAD_DATA:
		return 65; /* EX_DATAERR */
	case INTAKE_TEMPFAIL:
	default:
		return 75; /* EX_TEMPFAIL */
	}
}

int intake_load_secret(const struct cfg *c, unsigned char **secret, size_t *len, char **err)
{
	*secret = NULL;
	*len = 0;
	if (c->mail.secret_file == NULL)
		return 0;
	return replykey_load_secret(c->mail.secret_file, secret, len, err);
}

char *intake_find_recipient(const char *msg, size_t len, const char *domain)
{
	static const char *const names[] = {"Delivered-To", "X-Original-To", "To", "Cc"};
	const char *hend = memmem(msg, len, "\n\n", 2);
	const char *hend2 = memmem(msg, len, "\r\n\r\n", 4);
	if (hend == NULL || (hend2 && hend2 < hend))
		hend = hend2;
	if (hend == NULL)
		hend = msg + len;
	size_t dl = strlen(domain);
	for (size_t k = 0; k < 4; k++) {
		size_t nl = strlen(names[k]);
		for (const char *p = msg; p < hend;) {
			const char *eol = memchr(p, '\n', (size_t)(hend - p));
			if (eol == NULL)
				eol = hend;
			if ((size_t)(eol - p) > nl && strncasecmp(p, names[k], nl) == 0 && p[nl] == ':') {
				/* scan the value (one line is enough in practice) */
				for (const char *at = p + nl; (at = memchr(at, '@', (size_t)(eol - at)));
				     at++) {
					if ((size_t)(eol - at - 1) >= dl &&
					    strncasecmp(at + 1, domain, dl) == 0) {
						const char *s = at;
						while (s > p + nl + 1 && !strchr(" <,:\t\"", s[-1]))
							s--;
						return xstrndup(s, (size_t)(at + 1 + dl - s));
					}
				}
			}
			p = eol + 1;
		}
	}
	return NULL;
}

char *intake_return_path(const char *msg, size_t len)
{
	if (len > 12 && strncasecmp(msg, "Return-Path:", 12) == 0) {
		const char *lt = memchr(msg, '<', len < 512 ? len : 512);
		const char *gt = lt ? memchr(lt, '>', (size_t)(msg + len - lt)) : NULL;
		if (lt && gt && gt - lt < 300)
			return xstrndup(lt + 1, (size_t)(gt - lt - 1));
	}
	return NULL;
}

int intake_open(struct intake *in, const struct cfg *c, const char *source, char **err)
{
	memset(in, 0, sizeof *in);
	in->cfg = c;
	in->source = source;
	unsigned char *secret = NULL;
	size_t slen = 0;
	char *e = NULL;
	if (intake_load_secret(c, &secret, &slen, &e) != 0) {
		log_warn("%s: reply keys are refused: %s", source, e);
		free(e);
	}
	in->secret = secret;
	in->secret_len = slen;
	if (store_open(c->gateway.store, STORE_RW, &in->store, err) != 0) {
		intake_close(in);
		return -1;
	}
	return 0;
}

void intake_close(struct intake *in)
{
	store_close(in->store);
	free((unsigned char *)in->secret);
	in->store = NULL;
	in->secret = NULL;
}

static const char *reply_domain(const struct cfg *c)
{
	return c->mail.reply_domain ? c->mail.reply_domain : c->gateway.domain;
}

/* Splits "local+key@domain" (angle brackets allowed) into malloc'd parts.
 * Returns 0, or -1 when it is not an address of our reply domain. */
static int split_rcpt(const struct cfg *c, const char *rcpt, char **group, char **key)
{
	*group = *key = NULL;
	const char *p = rcpt;
	while (*p == ' ' || *p == '<')
		p++;
	const char *at = strrchr(p, '@');
	if (at == NULL || at == p)
		return -1;
	const char *dom = at + 1;
	size_t dl = strcspn(dom, "> ");
	const char *ours = reply_domain(c);
	if (dl != strlen(ours) || strncasecmp(dom, ours, dl) != 0)
		return -1;
	const char *plus = memchr(p, '+', (size_t)(at - p));
	const char *lend = plus ? plus : at;
	*group = xstrndup(p, (size_t)(lend - p));
	for (char *g = *group; *g; g++)
		*g = (char)tolower((unsigned char)*g);
	if (plus)
		*key = xstrndup(plus + 1, (size_t)(at - plus - 1));
	return 0;
}

int intake_check_recipient(const struct intake *in, const char *rcpt, char **why)
{
	char *group, *key;
	if (split_rcpt(in->cfg, rcpt, &group, &key) != 0) {
		*why = xasprintf("%s is not an address of %s", rcpt, reply_domain(in->cfg));
		return -1;
	}
	int64_t gid;
	char *err = NULL;
	int r = store_group_id(in->store, group, &gid, &err);
	int rc = 0;
	if (r < 0) {
		*why = err;
		err = NULL;
		rc = -2;
	} else if (r == 0) {
		*why = xasprintf("there is no forum group %s here", group);
		rc = -1;
	}
	free(err);
	free(group);
	free(key);
	return rc;
}

/* Do the believed Authentication-Results headers vouch for the From
 * domain (authres.h has the rules)? 1 yes; 0 no, with *why (malloc'd). */
static int authenticated(const struct cfg *c, const struct mail_msg *m, char **why)
{
	const char *at = strrchr(m->from_addr, '@');
	return authres_verify_sender(m->headers, m->nheaders, at ? at + 1 : NULL,
				     c->auth.trusted_authserv_ids, c->auth.ntrusted, why);
}

/* A stable Message-ID for a message without one, so MTA retries dedupe. */
static char *synth_msgid(const struct cfg *c, const char *raw, size_t len)
{
	unsigned char md[32];
	unsigned int n = 0;
	EVP_Digest(raw, len, md, &n, EVP_sha256(), NULL);
	struct buf b = BUF_INIT;
	buf_adds(&b, "<fg-");
	for (int i = 0; i < 16; i++)
		buf_addf(&b, "%02x", md[i]);
	buf_addf(&b, "@%s>", reply_domain(c));
	return buf_detach(&b);
}

struct route {
	char *forum, *thread, *parent, *how;
	int64_t user_id; /* from a reply key, else 0 */
};

static void route_clear(struct route *r)
{
	free(r->forum);
	free(r->thread);
	free(r->parent);
	free(r->how);
	memset(r, 0, sizeof *r);
}

/* Finds the post a reply answers by its references; 1 found, 0, -1. */
static int route_by_refs(struct store *st, const struct mail_msg *m, struct route *rt, char **err)
{
	const char *ids[260];
	size_t n = 0;
	if (m->in_reply_to)
		ids[n++] = m->in_reply_to;
	for (size_t i = m->nreferences; i > 0 && n < 256; i--)
		ids[n++] = m->references[i - 1];
	for (size_t i = 0; i < n; i++) {
		int r = store_post_by_msgid(st, ids[i], &rt->forum, &rt->thread, &rt->parent, err);
		if (r != 0) {
			if (r == 1)
				rt->how = xstrdup(i == 0 && m->in_reply_to ? "in-reply-to" : "references");
			return r;
		}
	}
	return 0;
}

void intake_deliver(const struct intake *in, const char *raw, size_t len,
		    const char *envelope_from, const char *rcpt, struct intake_result *res)
{
	const struct cfg *c = in->cfg;
	struct store *st = in->store;
	struct mail_msg *m = NULL;
	char *err = NULL, *group = NULL, *key = NULL, *user = NULL, *msgid = NULL;
	struct route rt = {0};
	struct buf kept = BUF_INIT, elided = BUF_INIT, body = BUF_INIT;
	memset(res, 0, sizeof *res);

	if (mail_parse(raw, len, &m, &err) != 0) {
		set(res, INTAKE_BAD_DATA, "the message could not be read: %s", err ? err : "?");
		goto out;
	}
	msgid = m->message_id ? xstrdup(m->message_id) : synth_msgid(c, raw, len);
	res->message_id = xstrdup(msgid);

	const char *why = NULL;
	enum mail_class cls = mail_classify(m, envelope_from, reply_domain(c), &why);
	if (cls != MAIL_OK) {
		set(res, INTAKE_DROPPED, "not posted: %s", why ? why : "automatic message");
		if (cls == MAIL_BOUNCE) {
			char *addr = mail_bounce_recipient(m);
			if (addr && store_bounce_record(st, addr, why, &err) != 0)
				log_warn("intake: cannot record the bounce for %s: %s", addr, err);
			free(addr);
		}
		goto out;
	}

	if (split_rcpt(c, rcpt, &group, &key) != 0) {
		set(res, INTAKE_UNKNOWN_RECIPIENT, "%s is not an address of %s", rcpt,
		    reply_domain(c));
		goto out;
	}
	int64_t gid;
	int r = store_group_id(st, group, &gid, &err);
	if (r < 0)
		goto tempfail;
	if (r == 0) {
		set(res, INTAKE_UNKNOWN_RECIPIENT, "there is no forum group %s here", group);
		goto out;
	}
	if (m->from_addr == NULL) {
		set(res, INTAKE_REFUSED_SENDER, "the message has no usable From address");
		goto out;
	}

	/* route: (1) reply key, (2) In-Reply-To/References, (3) new thread */
	if (key && key[0]) {
		struct replykey k;
		enum replykey_check kc = in->secret ? replykey_verify(key, in->secret,
								       in->secret_len,
								       (int64_t)time(NULL), &k)
						    : REPLYKEY_FORGED;
		if (kc == REPLYKEY_EXPIRED) {
			set(res, INTAKE_REFUSED_SENDER,
			    "the reply address has expired; please reply from the forum");
			goto out;
		}
		if (kc != REPLYKEY_VALID) {
			set(res, INTAKE_REFUSED_SENDER,
			    "the reply address is not valid (mistyped, or no longer accepted)");
			goto out;
		}
		char *post_msgid = NULL;
		r = store_post_by_rowid(st, (int64_t)k.post_id, &rt.forum, &rt.thread, &rt.parent,
					&post_msgid, &err);
		free(post_msgid);
		if (r < 0)
			goto tempfail;
		if (r == 0) {
			set(res, INTAKE_REJECTED, "the post this reply answers no longer exists");
			goto out;
		}
		rt.how = xstrdup("key");
		rt.user_id = k.user_id;
		r = store_user_name(st, rt.user_id, &user, &err);
		if (r < 0)
			goto tempfail;
		if (r == 0) {
			set(res, INTAKE_REFUSED_SENDER, "the user this reply address was made for is gone");
			goto out;
		}
		if (c->auth.key_requires_sender_match) {
			r = store_user_owns(st, rt.user_id, m->from_addr, &err);
			if (r < 0)
				goto tempfail;
			if (r == 0) {
				set(res, INTAKE_REFUSED_SENDER,
				    "%s is not an address of the user this reply address was made for",
				    m->from_addr);
				goto out;
			}
		}
	} else {
		r = route_by_refs(st, m, &rt, &err);
		if (r < 0)
			goto tempfail;
		if (r == 0) {
			const struct cfg_forum *f = cfg_group_forum(c, group);
			rt.forum = f ? xstrdup(f->name) : NULL;
			rt.how = xstrdup("list");
		}
		int64_t uid;
		r = store_user_by_address(st, m->from_addr, &uid, &user, &err);
		if (r < 0)
			goto tempfail;
		if (r == 0) {
			set(res, INTAKE_REFUSED_SENDER,
			    "%s is not the address of a registered user of this forum; "
			    "add it to your account first",
			    m->from_addr);
			goto out;
		}
		char *why = NULL;
		if (c->auth.sender_policy && strcmp(c->auth.sender_policy, "authenticated") == 0 &&
		    !authenticated(c, m, &why)) {
			set(res, INTAKE_REFUSED_SENDER,
			    "the message did not pass DMARC, DKIM or SPF checks at this server for "
			    "the domain of %s, so it cannot be proven to come from that address: %s",
			    m->from_addr, why ? why : "no result");
			free(why);
			goto out;
		}
		free(why);
	}
	/* the reply lands in the group of the post it answers (which may not be
	 * the group it was addressed to); both must take replies */
	char posting = 'y';
	if (store_group_posting(st, gid, &posting, &err) != 0)
		goto tempfail;
	if (posting != 'n' && rt.parent) {
		int64_t tgid;
		r = store_post_group(st, rt.forum, rt.parent, &tgid, &err);
		if (r < 0 || (r == 1 && store_group_posting(st, tgid, &posting, &err) != 0))
			goto tempfail;
	}
	if (posting == 'n') {
		set(res, INTAKE_REJECTED,
		    "the thread is in a read-only group: the forum takes no replies there");
		goto out;
	}

	r = store_msgid_known(st, msgid, &err);
	if (r < 0)
		goto tempfail;
	if (r == 1) {
		set(res, INTAKE_DUPLICATE, "already received");
		goto out;
	}
	/* an id of the form sync gives forum posts would hold that post's id
	 * before sync stores it (article_msgid_ours); 5.6.0, as for other
	 * content we refuse: it is the message, not the sender */
	if (m->message_id && article_msgid_ours(m->message_id, c->gateway.domain)) {
		set(res, INTAKE_REJECTED,
		    "the Message-ID %s has the form of this gateway's own ids for forum posts; "
		    "it cannot be posted under it",
		    m->message_id);
		goto out;
	}

	const char *text = m->text ? m->text : "";
	mail_trim(text, strlen(text), &kept, &elided);
	if (kept.len == 0 && m->nattachments == 0) {
		set(res, INTAKE_REJECTED,
		    "the reply was empty after removing quoted text and signatures");
		goto out;
	}
	buf_add(&body, buf_str(&kept), kept.len);
	struct store_attachment *att = m->nattachments ? xcalloc(m->nattachments, sizeof *att) : NULL;
	for (size_t i = 0; i < m->nattachments; i++) {
		const struct mail_attachment *a = &m->attachments[i];
		att[i] = (struct store_attachment){a->filename, a->content_type, a->data, a->size};
		/* the spool connector cannot upload: name the file in the post */
		buf_addf(&body, "%s[attachment: %s, %zu bytes]", body.len ? "\n" : "",
			 a->filename ? a->filename : "unnamed", a->size);
	}
	struct store_outbox_in o = {
		.message_id = msgid, .source = in->source, .user = user, .forum = rt.forum,
		.thread_key = rt.thread, .parent_key = rt.parent, .newsgroups = group,
		.subject = m->subject, .article = raw, .article_len = len, .body = body.p,
		.elided = elided.p, .envelope_from = envelope_from ? envelope_from : m->from_addr,
		.recipient = rcpt, .route = rt.how, .attachments = att,
		.nattachments = m->nattachments,
	};
	r = store_begin(st, &err);
	if (r == 0) {
		r = store_outbox_add(st, &o, &err);
		if (r >= 0 && store_commit(st, &err) != 0)
			r = -1;
		if (r < 0)
			store_rollback(st);
	}
	free(att);
	if (r < 0)
		goto tempfail;
	if (r == 1) {
		set(res, INTAKE_DUPLICATE, "already received");
		goto out;
	}
	set(res, INTAKE_ACCEPTED, "queued for %s (%s)", rt.forum ? rt.forum : "?", rt.how);
	if (m->nattachments && c->mail.smarthost) {
		/* the forum cannot take files through this connector: say so */
		struct buf t = BUF_INIT;
		buf_adds(&t, "Your reply was accepted, but the forum cannot take attached files "
			     "by mail. They are named in your post instead:\n\n");
		for (size_t i = 0; i < m->nattachments; i++)
			buf_addf(&t, "  %s (%zu bytes)\n",
				 m->attachments[i].filename ? m->attachments[i].filename : "unnamed",
				 m->attachments[i].size);
		char *nerr = NULL;
		if (notice_send(c, m->from_addr, "Attachments not uploaded", t.p, msgid, &nerr) != 0) {
			log_warn("intake: no attachment notice to %s: %s", m->from_addr, nerr);
			free(nerr);
		}
		buf_free(&t);
	}
	goto out;
tempfail:
	set(res, INTAKE_TEMPFAIL, "temporary store failure: %s", err ? err : "?");
out:
	log_info("%s: %s from %s to %s: %s", in->source, res->message_id ? res->message_id : "-",
		 envelope_from ? (envelope_from[0] ? envelope_from : "<>") : "?", rcpt ? rcpt : "?",
		 res->reason ? res->reason : "");
	route_clear(&rt);
	buf_free(&kept);
	buf_free(&elided);
	buf_free(&body);
	free(err);
	free(group);
	free(key);
	free(user);
	free(msgid);
	mail_msg_free(m);
}

void intake_deliver_stored(const struct intake *in, const char *raw, size_t len,
			   const char *domain, const char *default_rcpt,
			   struct intake_result *res)
{
	char *rcpt = intake_find_recipient(raw, len, domain);
	if (rcpt == NULL && default_rcpt)
		rcpt = xstrdup(default_rcpt);
	if (rcpt == NULL) {
		res->status = INTAKE_UNKNOWN_RECIPIENT;
		res->reason = xasprintf("no recipient address of %s in the message", domain);
		return;
	}
	char *from = intake_return_path(raw, len);
	intake_deliver(in, raw, len, from, rcpt, res);
	free(from);
	free(rcpt);
}
