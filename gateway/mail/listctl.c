/*
 * The -request address of a list (see listctl.h). The store changes of a
 * message happen in one transaction; the mails (confirmation requests and
 * the reply) go out after its commit, so a reply never announces a change
 * that was not kept.
 */
#include "forumgate/listctl.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "forumgate/buf.h"
#include "forumgate/httpd.h"
#include "forumgate/intake.h"
#include "forumgate/listmsg.h"
#include "forumgate/listreq.h"
#include "forumgate/log.h"
#include "forumgate/notice.h"
#include "forumgate/store.h"

#define CONFIRM_HOURS 48

int listctl_is_request(const char *local, char **group)
{
	size_t n = strlen(local);
	if (n <= 8 || strcmp(local + n - 8, "-request") != 0)
		return 0;
	*group = xstrndup(local, n - 8);
	return 1;
}

/* A confirmation token: its purpose ('s' subscribe, 'u' unsubscribe) and
 * 128 random bits in hex. */
static char *new_token(char kind)
{
	unsigned char raw[16];
	if (RAND_bytes(raw, sizeof raw) != 1)
		return NULL;
	char *t = xmalloc(2 * sizeof raw + 2);
	t[0] = kind;
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(t + 1 + 2 * i, 3, "%02x", raw[i]);
	return t;
}

/* A confirmation request to send once the transaction is committed. */
struct pending_mail {
	char *to, *token;
	enum listreq_verb verb;
};

struct run {
	const struct cfg *c;
	struct store *st;
	const char *group, *sender;
	struct listreq_list list;
	struct pending_mail *mails;
	size_t nmails;
	char **outcomes;
	char **err;
};

static const char *mode_name(enum listreq_mode m, int digest_before)
{
	if (m == LISTREQ_MODE_DIGEST)
		return "digest";
	if (m == LISTREQ_MODE_EACH)
		return "each";
	return digest_before ? "digest" : "each";
}

/* Applies cmd's mode, period and format to s (strings static). */
static void apply(const struct listreq_cmd *cmd, struct store_sub *s)
{
	if (cmd->mode != LISTREQ_MODE_DEFAULT)
		s->mode = (char *)(cmd->mode == LISTREQ_MODE_DIGEST ? "digest" : "each");
	if (cmd->period != LISTREQ_PERIOD_DEFAULT)
		s->digest_period = (char *)(cmd->period == LISTREQ_WEEKLY ? "weekly" : "daily");
	if (cmd->format != LISTREQ_FORMAT_DEFAULT)
		s->format = (char *)(cmd->format == LISTREQ_HTML ? "html" : "text");
}

static void ask(struct run *R, const char *to, const char *token, enum listreq_verb verb)
{
	R->mails = xrealloc(R->mails, (R->nmails + 1) * sizeof *R->mails);
	R->mails[R->nmails++] = (struct pending_mail){xstrdup(to), xstrdup(token), verb};
}

/* One command; its sentence for the reply in *outcome (malloc'd, NULL =
 * "Done."). 0 or -1 (store). */
static int run_cmd(struct run *R, const struct listreq_cmd *cmd, char **outcome)
{
	const char *target = cmd->address ? cmd->address : R->sender;
	int self = strcasecmp(target, R->sender) == 0;
	struct store_sub old = {0};
	int have = 0;
	int64_t now = (int64_t)time(NULL);
	if (cmd->verb != LISTREQ_CONFIRM && cmd->verb != LISTREQ_HELP) {
		have = store_sub_get(R->st, R->group, target, &old, R->err);
		if (have < 0)
			return -1;
	}
	int active = have && !strcmp(old.state, "active");
	int r = 0;
	switch (cmd->verb) {
	case LISTREQ_SUBSCRIBE: {
		struct store_sub s = {
			.group = (char *)R->group,
			.address = (char *)target,
			.mode = have ? old.mode : "each",
			.digest_period = have ? old.digest_period : "daily",
			.digest_hour = have ? old.digest_hour : R->c->list.digest_hour,
			.format = have ? old.format : (char *)cfg_list_format(R->c, R->group),
			.timezone = have ? old.timezone : NULL,
			.own_copies = have && old.own_copies,
			.created = have ? old.created : now,
		};
		apply(cmd, &s);
		if (active && self) {
			s.state = "active";
			r = store_sub_put(R->st, &s, R->err);
			*outcome = xasprintf("You were subscribed already; now: %s, %s.", s.mode,
					     s.format);
			break;
		}
		char *token = new_token('s');
		if (token == NULL) {
			*outcome = xstrdup(
				"No confirmation could be made; please try again later.");
			break;
		}
		/* an active subscription of someone else stays as it is until
		 * that address confirms */
		s.state = active ? "active" : "pending";
		s.token = token;
		s.token_expires = now + CONFIRM_HOURS * 3600;
		r = store_sub_put(R->st, &s, R->err);
		ask(R, target, token, LISTREQ_SUBSCRIBE);
		*outcome = xasprintf("A confirmation was sent to %s: the subscription starts when "
				     "it is answered.",
				     target);
		free(token);
		break;
	}
	case LISTREQ_UNSUBSCRIBE:
		if (!have) {
			*outcome = xasprintf("%s is not subscribed to %s.", target, R->group);
		} else if (self) {
			r = store_sub_del(R->st, R->group, target, R->err) < 0 ? -1 : 0;
			*outcome = xasprintf("%s is unsubscribed from %s.", target, R->group);
		} else {
			char *token = new_token('u');
			if (token == NULL)
				break;
			struct store_sub s = old;
			s.token = token;
			s.token_expires = now + CONFIRM_HOURS * 3600;
			r = store_sub_put(R->st, &s, R->err);
			ask(R, target, token, LISTREQ_UNSUBSCRIBE);
			*outcome = xasprintf("A confirmation was sent to %s.", target);
			free(token);
		}
		break;
	case LISTREQ_DIGEST:
	case LISTREQ_NODIGEST:
	case LISTREQ_FORMAT:
		if (!active || !self) {
			*outcome = xasprintf("%s has no active subscription to %s to change.",
					     target, R->group);
			break;
		}
		{
			struct store_sub s = old;
			apply(cmd, &s);
			if (cmd->verb == LISTREQ_DIGEST)
				s.mode = "digest";
			if (cmd->verb == LISTREQ_NODIGEST)
				s.mode = (char *)mode_name(LISTREQ_MODE_EACH, 0);
			r = store_sub_put(R->st, &s, R->err);
			*outcome = !strcmp(s.mode, "digest")
					   ? xasprintf("Now: a %s digest, %s.", s.digest_period,
						       s.format)
					   : xasprintf("Now: every post, %s.", s.format);
		}
		break;
	case LISTREQ_HELP:
		*outcome = listreq_help_text(&R->list);
		break;
	case LISTREQ_CONFIRM: {
		struct store_sub s = {0};
		int f = store_sub_by_token(R->st, cmd->token, &s, R->err);
		if (f < 0)
			return -1;
		if (f == 0 || strcmp(s.group, R->group) != 0 || s.token_expires < now) {
			*outcome = xstrdup("This confirmation is not known or has expired; please "
					   "send the command again.");
		} else if (s.token[0] == 'u') {
			r = store_sub_del(R->st, s.group, s.address, R->err) < 0 ? -1 : 0;
			*outcome = xasprintf("%s is unsubscribed from %s.", s.address, s.group);
		} else {
			char *tok = s.token;
			s.token = NULL;
			s.token_expires = 0;
			free(s.state);
			s.state = xstrdup("active");
			r = store_sub_put(R->st, &s, R->err);
			s.token = tok;
			*outcome = xasprintf("%s is subscribed to %s (%s, %s).", s.address, s.group,
					     s.mode, s.format);
		}
		store_sub_clear(&s);
		break;
	}
	}
	if (have)
		store_sub_clear(&old);
	return r;
}

int listctl_request(const struct cfg *c, struct store *st, const struct mail_msg *m,
		    const char *sender, const char *group, char **summary, char **err)
{
	*summary = NULL;
	const char *domain = c->mail.reply_domain ? c->mail.reply_domain : c->gateway.domain;
	char *post = xasprintf("%s@%s", group, domain);
	char *request = xasprintf("%s-request@%s", group, domain);
	struct listreq_result res;
	listreq_parse(m->subject, m->text, m->text ? strlen(m->text) : 0, 0, &res);
	struct run R = {.c = c,
			.st = st,
			.group = group,
			.sender = sender,
			.err = err,
			.list = {group, post, request, NULL}};
	R.outcomes = xcalloc(res.ncmds + 1, sizeof *R.outcomes);
	int rc = -1;
	if (store_begin(st, err) != 0)
		goto out;
	for (size_t i = 0; i < res.ncmds; i++)
		if (run_cmd(&R, &res.cmds[i], &R.outcomes[i]) != 0) {
			store_rollback(st);
			goto out;
		}
	if (store_commit(st, err) != 0)
		goto out;
	rc = 0;
	char *nerr = NULL;
	for (size_t i = 0; i < R.nmails; i++) {
		char *subject = listreq_confirm_subject(R.mails[i].token);
		char *text = listreq_confirm_text(&R.list, R.mails[i].verb, R.mails[i].to,
						  R.mails[i].token, NULL, CONFIRM_HOURS);
		if (notice_send_from(c, request, R.mails[i].to, subject, text, NULL, &nerr) != 0)
			log_warn("%s: cannot send the confirmation to %s: %s", request,
				 R.mails[i].to, nerr);
		free(subject);
		free(text);
	}
	char *reply = listreq_results_text(&R.list, &res, (const char *const *)R.outcomes);
	char *subject = xasprintf("Re: %s",
				  m->subject && *m->subject ? m->subject : "your request");
	if (notice_send_from(c, request, sender, subject, reply, m->message_id, &nerr) != 0)
		log_warn("%s: cannot send the reply to %s: %s", request, sender, nerr);
	free(nerr);
	free(reply);
	free(subject);
	struct buf sum = BUF_INIT;
	buf_addf(&sum, "-request of %s:", group);
	for (size_t i = 0; i < res.ncmds; i++)
		buf_addf(&sum, " %s", listreq_verb_name(res.cmds[i].verb));
	if (res.ncmds == 0)
		buf_adds(&sum, " no command (help sent)");
	*summary = buf_detach(&sum);
out:
	for (size_t i = 0; i < res.ncmds; i++)
		free(R.outcomes[i]);
	free(R.outcomes);
	for (size_t i = 0; i < R.nmails; i++) {
		free(R.mails[i].to);
		free(R.mails[i].token);
	}
	free(R.mails);
	listreq_result_free(&res);
	free(post);
	free(request);
	return rc;
}

/* ---- one-click unsubscribe (RFC 8058) ------------------------------------ */

/* The percent-decoded value of key in a query string, malloc'd, or NULL. */
static char *query_value(const char *q, const char *key)
{
	size_t kl = strlen(key);
	for (const char *p = q; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
		if (strncmp(p, key, kl) != 0 || p[kl] != '=')
			continue;
		const char *v = p + kl + 1, *e = v + strcspn(v, "&");
		struct buf b = BUF_INIT;
		for (const char *c = v; c < e; c++) {
			int h, l;
			if (*c == '%' && c + 2 < e && (h = fg_hexval((unsigned char)c[1])) >= 0 &&
			    (l = fg_hexval((unsigned char)c[2])) >= 0) {
				buf_addc(&b, (char)(h * 16 + l));
				c += 2;
			} else {
				buf_addc(&b, *c == '+' ? ' ' : *c);
			}
		}
		if (memchr(b.p ? b.p : "", '\0', b.len)) {
			buf_free(&b);
			return NULL;
		}
		return buf_detach(&b);
	}
	return NULL;
}

static void html_escape(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			buf_adds(b, "&lt;");
		else if (*s == '>')
			buf_adds(b, "&gt;");
		else if (*s == '&')
			buf_adds(b, "&amp;");
		else if (*s == '"')
			buf_adds(b, "&quot;");
		else
			buf_addc(b, *s);
	}
}

void listctl_http_unsubscribe(void *arg, const struct httpd_request *rq, struct httpd_response *rs)
{
	const struct cfg *c = arg;
	char *group = query_value(rq->query, "g"), *addr = query_value(rq->query, "a");
	char *token = query_value(rq->query, "t"), *err = NULL, *want = NULL;
	unsigned char *secret = NULL;
	size_t slen = 0;
	struct store *st = NULL;
	rs->content_type = "text/html; charset=utf-8";
	if (!group || !addr || !token || intake_load_secret(c, &secret, &slen, &err) != 0 ||
	    secret == NULL ||
	    strcmp(token, (want = listmsg_unsub_token(group, addr, secret, slen))) != 0) {
		rs->status = 403;
		rs->body = xstrdup("<!DOCTYPE html><p>This unsubscribe link is not valid.</p>\n");
		goto out;
	}
	struct buf b = BUF_INIT;
	if (strcmp(rq->method, "GET") == 0) {
		/* a GET changes nothing (mail scanners open links): a button posts */
		buf_adds(&b, "<!DOCTYPE html><title>Unsubscribe</title><form method=\"post\">"
			     "<p>Unsubscribe ");
		html_escape(&b, addr);
		buf_adds(&b, " from ");
		html_escape(&b, group);
		buf_adds(&b, "?</p><input type=\"hidden\" name=\"List-Unsubscribe\" "
			     "value=\"One-Click\"><button>Unsubscribe</button></form>\n");
		rs->body = buf_detach(&b);
		goto out;
	}
	int r = -1;
	if (store_open(c->gateway.store, STORE_RW, &st, &err) == 0 && store_begin(st, &err) == 0) {
		r = store_sub_del(st, group, addr, &err);
		if (r < 0 || store_commit(st, &err) != 0) {
			store_rollback(st);
			r = -1;
		}
	}
	if (r < 0) {
		log_err("httpd: unsubscribe %s from %s: %s", addr, group, err ? err : "?");
		rs->status = 503;
		rs->body = xstrdup("<!DOCTYPE html><p>Please try again later.</p>\n");
		goto out;
	}
	log_info("httpd: one-click unsubscribe of %s from %s%s", addr, group,
		 r ? "" : " (was not subscribed)");
	buf_adds(&b, "<!DOCTYPE html><title>Unsubscribed</title><p>");
	html_escape(&b, addr);
	buf_adds(&b, " is unsubscribed from ");
	html_escape(&b, group);
	buf_adds(&b, ".</p>\n");
	rs->body = buf_detach(&b);
out:
	store_close(st);
	free(group);
	free(addr);
	free(token);
	free(want);
	free(secret);
	free(err);
}
