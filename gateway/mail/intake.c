/*
 * The intake pipeline (see intake.h). Every refusal names its reason in
 * words the sender can act on, because it ends up in the MTA's bounce.
 */
#include "forumgate/intake.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "forumgate/article.h"
#include "forumgate/authres.h"
#include "forumgate/buf.h"
#include "forumgate/listctl.h"
#include "forumgate/listd.h"
#include "forumgate/listmsg.h"
#include "forumgate/log.h"
#include "forumgate/mail.h"
#include "forumgate/notice.h"
#include "forumgate/replykey.h"
#include "forumgate/submit.h"

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
	case INTAKE_NOT_PERMITTED:
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
	case INTAKE_NOT_PERMITTED:
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
			if ((size_t)(eol - p) > nl && strncasecmp(p, names[k], nl) == 0 &&
			    p[nl] == ':') {
				/* scan the value (one line is enough in practice) */
				for (const char *at = p + nl;
				     (at = memchr(at, '@', (size_t)(eol - at))); at++) {
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
	char *err = NULL, *list = NULL;
	if (key == NULL && listctl_is_request(group, &list)) {
		free(group);
		group = list; /* a list's -request address: the group must exist */
	}
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

/* The submission result as an intake status: the enhanced code decides
 * the class, so LMTP says what submit says. */
static enum intake_status from_submit(const struct submit_result *sr)
{
	switch (sr->status) {
	case SUBMIT_ACCEPTED:
		return INTAKE_ACCEPTED;
	case SUBMIT_DUPLICATE:
		return INTAKE_DUPLICATE;
	case SUBMIT_REFUSED:
		if (strcmp(sr->code, "5.1.1") == 0)
			return INTAKE_UNKNOWN_RECIPIENT;
		if (strcmp(sr->code, "5.7.1") == 0)
			return INTAKE_NOT_PERMITTED;
		return INTAKE_REJECTED;
	case SUBMIT_TEMPFAIL:
	default:
		return INTAKE_TEMPFAIL;
	}
}

/* The sender's side of a reply key: the post it names and the user it was
 * made for. 0 with *user and rt filled, -1 refused (res set), -2 error. */
static int key_route(const struct intake *in, const struct mail_msg *m, const char *key,
		     struct submit_route *rt, char **forum, char **thread, char **parent,
		     char **user, struct intake_result *res, char **err)
{
	const struct cfg *c = in->cfg;
	struct replykey k;
	enum replykey_check kc = in->secret ? replykey_verify(key, in->secret, in->secret_len,
							      (int64_t)time(NULL), &k)
					    : REPLYKEY_FORGED;
	if (kc == REPLYKEY_EXPIRED) {
		set(res, INTAKE_REFUSED_SENDER,
		    "the reply address has expired; please reply from the forum");
		return -1;
	}
	if (kc != REPLYKEY_VALID) {
		set(res, INTAKE_REFUSED_SENDER,
		    "the reply address is not valid (mistyped, or no longer accepted)");
		return -1;
	}
	char *post_msgid = NULL;
	int r = store_post_by_rowid(in->store, (int64_t)k.post_id, forum, thread, parent,
				    &post_msgid, err);
	free(post_msgid);
	if (r < 0)
		return -2;
	if (r == 0) {
		set(res, INTAKE_REJECTED, "the post this reply answers no longer exists");
		return -1;
	}
	*rt = (struct submit_route){*forum, *thread, *parent, "key"};
	r = store_user_name(in->store, (int64_t)k.user_id, user, err);
	if (r < 0)
		return -2;
	if (r == 0) {
		set(res, INTAKE_REFUSED_SENDER, "the user this reply address was made for is gone");
		return -1;
	}
	if (c->auth.key_requires_sender_match) {
		r = store_user_owns(in->store, (int64_t)k.user_id, m->from_addr, err);
		if (r < 0)
			return -2;
		if (r == 0) {
			set(res, INTAKE_REFUSED_SENDER,
			    "%s is not an address of the user this reply address was made for",
			    m->from_addr);
			return -1;
		}
	}
	return 0;
}

/* A sender without a key: a registered address, plus the policy's proof.
 * 0 with *user, -1 refused (res set), -2 error. */
static int address_user(const struct intake *in, const struct mail_msg *m, char **user,
			struct intake_result *res, char **err)
{
	const struct cfg *c = in->cfg;
	int64_t uid;
	int r = store_user_by_address(in->store, m->from_addr, &uid, user, err);
	if (r < 0)
		return -2;
	if (r == 0) {
		set(res, INTAKE_REFUSED_SENDER,
		    "%s is not the address of a registered user of this forum; "
		    "add it to your account first",
		    m->from_addr);
		return -1;
	}
	char *why = NULL;
	if (c->auth.sender_policy && strcmp(c->auth.sender_policy, "authenticated") == 0 &&
	    !authenticated(c, m, &why)) {
		set(res, INTAKE_REFUSED_SENDER,
		    "the message did not pass DMARC, DKIM or SPF checks at this server for "
		    "the domain of %s, so it cannot be proven to come from that address: %s",
		    m->from_addr, why ? why : "no result");
		free(why);
		return -1;
	}
	free(why);
	return 0;
}

/* The forum cannot take files through this connector: say so. */
static void attachments_notice(const struct cfg *c, const struct mail_msg *m, const char *msgid)
{
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

/* Mail to a VERP address of list mail (`group+b-KEY@`, listmsg.h) is
 * never a post: a bounce counts against the recipient the key names,
 * anything else (an auto-reply to the envelope sender) is dropped.
 * 1 handled (res set), 0 not such an address, -1 store error. */
static int verp_bounce(const struct intake *in, const struct mail_msg *m, const char *raw,
		       size_t len, const char *envelope_from, const char *rcpt,
		       struct intake_result *res, char **err)
{
	char *group = NULL, *key = NULL, *addr = NULL;
	int rc = 1;
	if (split_rcpt(in->cfg, rcpt, &group, &key) != 0 || key == NULL ||
	    strncmp(key, "b-", 2) != 0) {
		rc = 0;
		goto out;
	}
	int64_t id = 0;
	const char *why = NULL;
	if (in->secret == NULL || !listmsg_bounce_parse(key + 2, in->secret, in->secret_len, &id)) {
		set(res, INTAKE_DROPPED, "not posted: mail to a bounce address that is not ours");
		goto out;
	}
	if (mail_classify(m, envelope_from, reply_domain(in->cfg), &why) != MAIL_BOUNCE) {
		set(res, INTAKE_DROPPED, "not posted: mail to the bounce address of list mail (%s)",
		    why ? why : "not a bounce");
		goto out;
	}
	int r = store_list_recipient(in->store, id, &addr, err);
	if (r < 0) {
		rc = -1;
		goto out;
	}
	if (r == 0) {
		set(res, INTAKE_DROPPED, "not posted: a bounce of a delivery no longer queued");
		goto out;
	}
	/* a DSN's Status 4.x.x is soft (RFC 3464); a bounce without one is hard */
	static const char soft[] = "Status: 4.";
	int hard = memmem(raw, len, soft, sizeof soft - 1) == NULL;
	if (store_begin(in->store, err) != 0 ||
	    listd_bounce(in->store, addr, hard, why, err) != 0) {
		store_rollback(in->store);
		rc = -1;
		goto out;
	}
	if (store_commit(in->store, err) != 0) {
		rc = -1;
		goto out;
	}
	set(res, INTAKE_DROPPED, "not posted: %s bounce of list mail to %s recorded",
	    hard ? "hard" : "soft", addr);
out:
	free(group);
	free(key);
	free(addr);
	return rc;
}

void intake_deliver(const struct intake *in, const char *raw, size_t len, const char *envelope_from,
		    const char *rcpt, struct intake_result *res)
{
	const struct cfg *c = in->cfg;
	struct store *st = in->store;
	struct mail_msg *m = NULL;
	char *err = NULL, *group = NULL, *key = NULL, *user = NULL;
	char *forum = NULL, *thread = NULL, *parent = NULL;
	const char *who;
	struct submit_route krt = {0};
	memset(res, 0, sizeof *res);

	if (mail_parse(raw, len, &m, &err) != 0) {
		set(res, INTAKE_BAD_DATA, "the message could not be read: %s", err ? err : "?");
		goto out;
	}
	if (m->message_id)
		res->message_id = xstrdup(m->message_id);

	int vb = verp_bounce(in, m, raw, len, envelope_from, rcpt, res, &err);
	if (vb < 0)
		goto tempfail;
	if (vb > 0)
		goto out;
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
	char *list = NULL;
	if (key == NULL && listctl_is_request(group, &list)) {
		/* commands to a list, never a post; anyone may send them (a
		 * subscription is confirmed by the address it is for) */
		int64_t lid;
		int lr = store_group_id(st, list, &lid, &err);
		char *summary = NULL;
		const char *sender = envelope_from && *envelope_from ? envelope_from : m->from_addr;
		if (lr < 0) {
			free(list);
			goto tempfail;
		}
		if (lr == 0)
			set(res, INTAKE_UNKNOWN_RECIPIENT, "there is no forum group %s here", list);
		else if (sender == NULL)
			set(res, INTAKE_DROPPED, "not done: a request without a sender address");
		else if (listctl_request(c, st, m, sender, list, &summary, &err) != 0) {
			free(list);
			goto tempfail;
		} else
			set(res, INTAKE_ACCEPTED, "%s", summary);
		free(summary);
		free(list);
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
	/* who wrote it is the mail side's question (a reply key, or a
	 * registered address plus policy); where it goes is submit's */
	r = key && key[0] ? key_route(in, m, key, &krt, &forum, &thread, &parent, &user, res, &err)
			  : address_user(in, m, &user, res, &err);
	if (r == -2)
		goto tempfail;
	if (r != 0)
		goto out;

	struct submit_env env = {.cfg = c, .store = st};
	struct submit_in si = {
		.source = in->source,
		.raw = raw,
		.raw_len = len,
		.msg = m,
		.user = user,
		.groups = group,
		.route = key && key[0] ? &krt : NULL,
		.envelope_from = envelope_from ? envelope_from : m->from_addr,
		.recipient = rcpt,
	};
	struct submit_result sr;
	outbox_submit(&env, &si, &sr);
	set(res, from_submit(&sr), "%s", sr.reason ? sr.reason : "");
	free(res->message_id);
	res->message_id = sr.message_id;
	sr.message_id = NULL;
	submit_result_clear(&sr);
	if (res->status == INTAKE_ACCEPTED && m->nattachments && c->mail.smarthost)
		attachments_notice(c, m, res->message_id);
	goto out;
tempfail:
	set(res, INTAKE_TEMPFAIL, "temporary store failure: %s", err ? err : "?");
out:
	/* without an envelope (ingest without --sender) the header From says
	 * who it was */
	who = envelope_from       ? (envelope_from[0] ? envelope_from : "<>")
	      : m && m->from_addr ? m->from_addr
				  : "?";
	log_info("%s: %s from %s to %s: %s", in->source, res->message_id ? res->message_id : "-",
		 who, rcpt ? rcpt : "?", res->reason ? res->reason : "");
	free(err);
	free(group);
	free(key);
	free(user);
	free(forum);
	free(thread);
	free(parent);
	mail_msg_free(m);
}

void intake_deliver_stored(const struct intake *in, const char *raw, size_t len, const char *domain,
			   const char *default_rcpt, struct intake_result *res)
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
