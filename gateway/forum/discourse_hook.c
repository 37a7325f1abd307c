/*
 * discourse_hook: the httpd side of Discourse webhooks (webhook.h). The
 * connector never sees the store; this handler does, and only to queue the
 * pushed topic or post for the sync role (store_push_add).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discourse.h"
#include "discourse_json.h"
#include "forumgate/buf.h"
#include "forumgate/log.h"
#include "forumgate/store.h"
#include "forumgate/webhook.h"

static void answer(struct httpd_response *rs, int status, const char *text)
{
	rs->status = status;
	rs->body = xasprintf("%s\n", text);
}

void webhook_discourse(void *arg, const struct httpd_request *rq, struct httpd_response *rs)
{
	const struct cfg *c = arg;
	const char *name = rq->path + strlen(WEBHOOK_DISCOURSE_PREFIX);
	const struct cfg_forum *f = cfg_forum_find(c, name);
	if (!f || strcmp(f->type, "discourse") != 0 || !f->conn) {
		answer(rs, 404, "no such discourse forum");
		return;
	}
	const char *secret_file = discourse_webhook_secret_file(f);
	if (!secret_file) {
		answer(rs, 404, "webhooks are not configured for this forum");
		return;
	}
	char *secret = NULL, *err = NULL;
	if (discourse_read_secret(secret_file, &secret, &err) < 0) {
		log_err("forum %s: discourse.webhook_secret_file %s", f->name, err);
		free(err);
		answer(rs, 500, "webhook secret unreadable");
		return;
	}
	int bad = dj_webhook_verify(secret, strlen(secret),
				    httpd_header(rq, "X-Discourse-Event-Signature"), rq->body,
				    rq->body_len, &err);
	free(secret);
	if (bad) {
		log_warn("forum %s: webhook from %s refused: %s", f->name, rq->peer, err);
		free(err);
		answer(rs, 403, "bad signature");
		return;
	}
	struct dj_webhook_headers h = {
		.event = httpd_header(rq, "X-Discourse-Event"),
		.event_type = httpd_header(rq, "X-Discourse-Event-Type"),
		.event_id = httpd_header(rq, "X-Discourse-Event-Id"),
		.signature = httpd_header(rq, "X-Discourse-Event-Signature"),
		.instance = httpd_header(rq, "X-Discourse-Instance"),
	};
	struct dj_webhook w = {0};
	if (dj_webhook_parse(&h, rq->body, rq->body_len, &w, &err) < 0) {
		log_warn("forum %s: webhook: %s", f->name, err);
		free(err);
		answer(rs, 400, "unreadable delivery");
		return;
	}
	/* what the sync role fetches: "TOPIC/POST" for a post event (that
	 * post alone, not its whole topic), "TOPIC" for a topic event
	 * (discourse.c, dsc_push) */
	int64_t topic = 0, post = 0;
	if (w.kind == DJ_WEBHOOK_POST && !w.post.private_message) {
		topic = w.post.topic_id;
		post = w.post.id;
	} else if (w.kind == DJ_WEBHOOK_TOPIC && !w.topic.private_message) {
		topic = w.topic.id;
	}
	int64_t event_id = w.event_id;
	dj_webhook_free(&w);
	if (topic <= 0) {
		answer(rs, 200, "ignored");
		return;
	}
	struct store *st = NULL;
	char tid[48];
	int dup = 0;
	if (post > 0)
		snprintf(tid, sizeof tid, "%" PRId64 "/%" PRId64, topic, post);
	else
		snprintf(tid, sizeof tid, "%" PRId64, topic);
	if (store_open(c->gateway.store, STORE_RW, &st, &err) != 0 ||
	    store_push_add(st, f->name, tid, event_id, &dup, &err) != 0) {
		log_err("forum %s: webhook: %s", f->name, err);
		free(err);
		store_close(st);
		answer(rs, 503, "try again");
		return;
	}
	store_close(st);
	answer(rs, 200, dup ? "duplicate, ignored" : "queued");
}
