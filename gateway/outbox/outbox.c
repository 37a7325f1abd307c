/*
 * The outbox role (see outbox.h). One reply at a time, oldest first: the
 * store is the queue, and a row is marked posted only after the connector
 * confirmed the post. A crash between posting and marking leaves the row
 * queued; the connector gets the reply's Message-ID and a key derived from
 * the row (outbox_key), so a retry finds the post it made instead of making
 * a second one (the spool connector does; a forum that can deduplicate on
 * the key or Message-ID should).
 */
#include "forumgate/outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "forumgate/buf.h"
#include "forumgate/connector.h"
#include "forumgate/log.h"
#include "forumgate/notice.h"

#define GIVE_UP (2 * 86400) /* a reply still failing after two days is dropped */

int64_t outbox_backoff(int attempts)
{
	int64_t d = 30;
	for (int i = 0; i < attempts && d < 3600; i++)
		d *= 2;
	return d > 3600 ? 3600 : d;
}

char *outbox_key(int64_t id, const char *message_id)
{
	/* FNV-1a 64: the row id alone repeats in a rebuilt store, the
	 * Message-ID's hash keeps keys of different replies apart there */
	uint64_t h = 0xcbf29ce484222325u;
	for (const unsigned char *p = (const unsigned char *)(message_id ? message_id : ""); *p;
	     p++)
		h = (h ^ *p) * 0x100000001b3u;
	return xasprintf("%lld-%012llx", (long long)id, (unsigned long long)(h >> 16));
}

/* The board a new thread in `group` of forum f goes to (config.h:
 * cfg_group_forum holds the one board<->group mapping); NULL = the
 * connector's default. */
static const char *board_of_group(const struct cfg *c, const struct cfg_forum *f, const char *group)
{
	const char *board = NULL;
	return cfg_group_forum(c, group, &board) == f ? board : NULL;
}

static void tell_sender(const struct cfg *c, const struct store_outbox *o, const char *why)
{
	if (o->envelope_from == NULL || o->envelope_from[0] == '\0' ||
	    strcmp(o->source, "nntp") == 0)
		return; /* NNTP posters see 441s; bounces and auto-replies never get here */
	struct buf text = BUF_INIT;
	buf_addf(&text,
		 "Your reply could not be posted to the forum.\n\n"
		 "Reason: %s\n\n"
		 "Your message %s is below, so that nothing you wrote is lost.\n\n"
		 "-----\n%s\n",
		 why, o->message_id, o->body ? o->body : "");
	char *subject = xasprintf("Not posted: %s", o->subject ? o->subject : "your reply");
	char *err = NULL;
	if (notice_send(c, o->envelope_from, subject, text.p, o->message_id, &err) != 0) {
		log_warn("outbox: no notice to %s for %s: %s", o->envelope_from, o->message_id,
			 err);
		free(err);
	} else {
		log_info("outbox: told %s that %s was not posted", o->envelope_from, o->message_id);
	}
	free(subject);
	buf_free(&text);
}

/* Records the post id the connector will give the reply, committed before
 * the post is made (see store_outbox_expect). */
static int expect(struct store *st, const struct forum_connector_ops *ops, void *state,
		  const struct store_outbox *o, const struct forum_new_post *np, char **err)
{
	char *id = ops->expected_id ? ops->expected_id(state, np) : NULL;
	if (id == NULL)
		return 0;
	int rc = 0;
	if (store_begin(st, err) != 0 || store_outbox_expect(st, o->id, id, err) != 0 ||
	    store_commit(st, err) != 0) {
		store_rollback(st);
		rc = -1;
	}
	free(id);
	return rc;
}

static int handle(struct store *st, const struct cfg *c, struct store_outbox *o, int64_t now,
		  char **err)
{
	const struct cfg_forum *f = o->forum ? cfg_forum_find(c, o->forum) : NULL;
	const struct forum_connector_ops *ops = f ? forum_connector(f->type) : NULL;
	char *why = NULL, *post_id = NULL, *title = NULL, *board = NULL, *final = NULL;
	char *key = NULL;
	int rc = FORUM_POST_REFUSED, r, notify = 0;
	if (ops == NULL) {
		why = xasprintf("no forum is configured for this reply (%s)",
				o->forum ? o->forum : "unknown forum");
	} else {
		if (o->thread_key &&
		    store_thread_info(st, f->name, o->thread_key, &title, &board, err) < 0)
			goto fail;
		key = outbox_key(o->id, o->message_id);
		char *first = o->newsgroups
				      ? xstrndup(o->newsgroups, strcspn(o->newsgroups, ", \t"))
				      : NULL;
		const char *to_board = board ? board : first ? board_of_group(c, f, first) : NULL;
		/* a group the connector named itself (no boards: entry): the board
		 * its threads come from */
		char *filed = NULL;
		if (to_board == NULL && first != NULL &&
		    store_group_board(st, f->name, first, &filed, err) < 0) {
			free(first);
			goto fail;
		}
		if (to_board == NULL)
			to_board = filed;
		struct forum_new_post np = {
			.board = to_board,
			.thread_id = o->thread_key,
			.thread_title = title,
			.parent_id = o->parent_key,
			.author = o->user,
			.title = o->subject,
			.body = o->body,
			.author_address = o->envelope_from && o->envelope_from[0] &&
							  strcmp(o->source, "nntp") != 0
						  ? o->envelope_from
						  : NULL,
			.message_id = o->message_id,
			.key = key,
		};
		void *state = NULL;
		if (ops->open(f, NULL, &state, &why) != 0) {
			rc = FORUM_POST_TEMPFAIL;
		} else if (expect(st, ops, state, o, &np, err) != 0) {
			ops->close(state);
			free(first);
			free(filed);
			goto fail;
		} else {
			rc = ops->create_post(state, &np, &post_id, &why);
			ops->close(state);
		}
		free(first);
		free(filed);
	}
	if (store_begin(st, err) != 0)
		goto fail;
	if (rc == FORUM_POST_OK) {
		r = store_outbox_posted(st, o->id, post_id, err);
		log_info("outbox: %s posted to %s as post %s", o->message_id, f->name, post_id);
	} else if (rc == FORUM_POST_TEMPFAIL && now - o->created < GIVE_UP) {
		int64_t next = now + outbox_backoff(o->attempts);
		r = store_outbox_retry(st, o->id, next, why, err);
		log_warn("outbox: %s: %s; next attempt in %llds", o->message_id,
			 why ? why : "failed", (long long)(next - now));
	} else {
		final = rc == FORUM_POST_TEMPFAIL
				? xasprintf("the forum could not be reached for two days (%s)",
					    why ? why : "error")
				: xstrdup(why ? why : "the forum refused it");
		r = store_outbox_failed(st, o->id, final, err);
		log_warn("outbox: %s not posted: %s", o->message_id, final);
		notify = 1;
	}
	if (r != 0 || store_commit(st, err) != 0) {
		store_rollback(st);
		goto fail;
	}
	if (notify)
		tell_sender(c, o, final);
	rc = 0;
	goto out;
fail:
	rc = -1;
out:
	free(why);
	free(post_id);
	free(title);
	free(board);
	free(final);
	free(key);
	return rc;
}

int outbox_run_once(struct store *st, const struct cfg *c, int64_t now, char **err)
{
	int handled = 0;
	for (;;) {
		struct store_outbox o;
		int r = store_outbox_next(st, now, &o, err);
		if (r < 0)
			return -1;
		if (r == 0)
			return handled;
		r = handle(st, c, &o, now, err);
		store_outbox_clear(&o);
		if (r != 0)
			return -1;
		handled++;
	}
}

int outbox_loop(const struct cfg *c, volatile sig_atomic_t *stop)
{
	struct store *st = NULL;
	char *err = NULL;
	if (store_open(c->gateway.store, STORE_RW, &st, &err) != 0) {
		log_err("%s", err);
		free(err);
		return -1;
	}
	while (!*stop) {
		if (outbox_run_once(st, c, (int64_t)time(NULL), &err) < 0) {
			log_err("outbox: %s", err ? err : "store error");
			free(err);
			err = NULL;
		}
		for (int i = 0; i < 10 && !*stop; i++)
			usleep(100000);
	}
	store_close(st);
	return 0;
}
