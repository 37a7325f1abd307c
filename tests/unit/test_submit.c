/*
 * Tests for the submission module (gateway/outbox/submit.c) on a real store
 * with the demo forum: the one Message-ID rule and generator, the one
 * routing rule (In-Reply-To, then References from the last, one limit for
 * every front end), the group and read-only-thread checks with their codes
 * and words, the clean post text (decoded Subject, trimmed body), the
 * writer asked for only to queue, and the one group -> board mapping.
 * Front ends (test_nntp.c, test_intake.c) check that they hand over to it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>
#include <cmocka.h>

#include "forumgate/buf.h"
#include "forumgate/config.h"
#include "forumgate/log.h"
#include "forumgate/mail.h"
#include "forumgate/store.h"
#include "forumgate/submit.h"
#include "forumgate/sync.h"

#define GENERAL_POST "<p141.t14.demo@forumgate.example>"
#define ANNOUNCE_POST "<p131.t13.demo@forumgate.example>"

static struct {
	char dir[64], path[128];
	struct cfg *cfg;
	struct store *st;
	int writer_calls;
} W;

static struct store *writer(void *arg)
{
	W.writer_calls++;
	return W.st;
}

static int setup(void **state)
{
	char *err = NULL;
	log_set_level(LOG_LVL_ERR);
	strcpy(W.dir, "/tmp/fg-test-submit-XXXXXX");
	if (mkdtemp(W.dir) == NULL)
		return -1;
	snprintf(W.path, sizeof W.path, "%s/store.db", W.dir);
	char *ov = xasprintf("gateway.store=%s", W.path);
	int rc = cfg_load("config/demo.yaml", &ov, 1, &W.cfg, &err);
	free(ov);
	if (rc != 0)
		goto fail;
	if (store_open(W.path, STORE_CREATE, &W.st, &err) != 0)
		goto fail;
	struct sync_stats s = {0};
	if (sync_forum(W.st, W.cfg, &W.cfg->forums[0], NULL, 0, &s, &err) != 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "setup: %s\n", err ? err : "?");
	free(err);
	return -1;
}

static int teardown(void **state)
{
	store_close(W.st);
	cfg_free(W.cfg);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", W.dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Submits raw (LF lines become CRLF) to groups as alice; returns the
 * status, with the reason and code in *reason / *code when asked. */
static enum submit_status submit(const char *raw, const char *groups, const char *source,
				 char **reason, const char **code, char **msgid)
{
	struct buf b = BUF_INIT;
	for (const char *p = raw; *p; p++) {
		if (*p == '\n')
			buf_addc(&b, '\r');
		buf_addc(&b, *p);
	}
	struct mail_msg *m = NULL;
	char *err = NULL;
	assert_int_equal(mail_parse(b.p, b.len, &m, &err), 0);
	struct submit_env env = {.cfg = W.cfg, .store = W.st, .writer = writer};
	struct submit_in in = {.source = source,
			       .raw = b.p,
			       .raw_len = b.len,
			       .msg = m,
			       .user = "alice",
			       .groups = groups};
	struct submit_result res;
	outbox_submit(&env, &in, &res);
	assert_non_null(res.reason);
	assert_non_null(res.code);
	enum submit_status s = res.status;
	if (reason)
		*reason = xstrdup(res.reason);
	if (code)
		*code = res.code;
	if (msgid)
		*msgid = res.message_id ? xstrdup(res.message_id) : NULL;
	submit_result_clear(&res);
	mail_msg_free(m);
	buf_free(&b);
	return s;
}

/* A column of the outbox row of msgid (malloc'd), read with SQLite. */
static char *row(const char *msgid, const char *column)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char *v = NULL;
	char *sql = xasprintf("SELECT %s FROM outbox WHERE message_id = ?", column);
	assert_int_equal(sqlite3_open_v2(W.path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, msgid, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(sql);
	return v;
}

static void test_msgid_rule(void **state)
{
	char *a = outbox_msgid_make("seed", 4, "forumgate.example");
	char *b = outbox_msgid_make("seed", 4, "forumgate.example");
	char *c = outbox_msgid_make("seeD", 4, "forumgate.example");
	assert_string_equal(a, b); /* an MTA retry gets the same id */
	assert_string_not_equal(a, c);
	assert_int_equal(strlen(a), strlen("<fg-@forumgate.example>") + 32);
	assert_true(outbox_msgid_valid(a));
	free(a);
	free(b);
	free(c);
	assert_true(outbox_msgid_valid("<87abc.fsf@example.org>"));
	assert_false(outbox_msgid_valid("<no-at-sign>"));
	assert_false(outbox_msgid_valid("<a b@example.org>"));
	assert_false(outbox_msgid_valid("<a@b@example.org>"));
	assert_false(outbox_msgid_valid("a@example.org"));
}

/*
 * Issue #11 item 1: a newsreader's follow-up is queued as the post a mail
 * reply becomes: the body is the text written (no header lines, no quote,
 * no attribution, no signature), the Subject decoded once.
 */
static void test_followup_is_clean(void **state)
{
	int calls = W.writer_calls;
	char *reason = NULL;
	assert_int_equal(submit("From: Alice <alice@example.org>\n"
				"Path: news.example.org!not-for-mail\n"
				"Newsgroups: demo.general\n"
				"Subject: Re: test =?UTF-8?Q?=C3=BC?=\n"
				"References: " GENERAL_POST "\n"
				"Message-ID: <sub-1@example.org>\n"
				"User-Agent: tin/2.6.2\n"
				"\n"
				"Bob <bob@example.net> wrote:\n"
				"> a question\n"
				"\n"
				".My answer.\n"
				"\n"
				"-- \n"
				"Alice\n",
				"demo.general", "nntp", &reason, NULL, NULL),
			 SUBMIT_ACCEPTED);
	assert_string_equal(reason, "queued for demo (references)");
	free(reason);
	assert_int_equal(W.writer_calls, calls + 1);
	char *v = row("<sub-1@example.org>", "body");
	assert_string_equal(v, ".My answer.");
	free(v);
	v = row("<sub-1@example.org>", "subject");
	assert_string_equal(v, "Re: test \xc3\xbc");
	free(v);
	v = row("<sub-1@example.org>", "thread_key || '/' || parent_key || ' ' || user");
	assert_string_equal(v, "14/141 alice");
	free(v);
	v = row("<sub-1@example.org>", "elided");
	assert_non_null(strstr(v, "> a question"));
	free(v);
	v = row("<sub-1@example.org>", "CAST(article AS TEXT)");
	assert_non_null(strstr(v, "User-Agent: tin/2.6.2\r\n")); /* the article as received */
	free(v);
}

/*
 * Issue #11 item 2: one routing rule and one limit. POST looked at 64
 * References, mail at 256: an article of ours 100 ids from the end was
 * found by mail only. Past SUBMIT_MAX_REFS it is not looked up by either.
 */
static void test_one_reference_limit(void **state)
{
	struct buf a = BUF_INIT;
	buf_adds(&a, "From: alice@example.org\nNewsgroups: demo.general\nSubject: Re: x\n"
		     "Message-ID: <sub-refs@example.org>\nReferences: " GENERAL_POST);
	for (int i = 0; i < 100; i++)
		buf_addf(&a, "\n <unknown-%d@elsewhere.example>", i);
	buf_adds(&a, "\n\nFound far back.\n");
	assert_int_equal(submit(a.p, "demo.general", "nntp", NULL, NULL, NULL), SUBMIT_ACCEPTED);
	buf_reset(&a);
	buf_adds(&a, "From: alice@example.org\nNewsgroups: demo.general\nSubject: Re: x\n"
		     "Message-ID: <sub-refs2@example.org>\nReferences: " GENERAL_POST);
	for (int i = 0; i < SUBMIT_MAX_REFS; i++)
		buf_addf(&a, "\n <unknown-%d@elsewhere.example>", i);
	buf_adds(&a, "\n\nToo far back.\n");
	char *reason = NULL;
	const char *code = NULL;
	assert_int_equal(submit(a.p, "demo.general", "nntp", &reason, &code, NULL), SUBMIT_REFUSED);
	assert_string_equal(code, "5.6.0");
	assert_string_equal(reason, "none of the References is an article of this server, so "
				    "the thread it answers is unknown; to start a new thread, send "
				    "it without In-Reply-To and References");
	free(reason);
	buf_free(&a);
}

/*
 * A reply to a reply that is still in the outbox (sync has not brought it
 * back as an article yet) goes into that reply's thread, answering the post
 * it answered until the forum gives it a post id, then that post.
 */
static void test_reply_to_queued_reply(void **state)
{
	assert_int_equal(submit("From: alice@example.org\nNewsgroups: demo.general\n"
				"Subject: Re: x\nMessage-ID: <sub-q1@example.org>\n"
				"References: " GENERAL_POST "\n\nFirst.\n",
				"demo.general", "lmtp", NULL, NULL, NULL),
			 SUBMIT_ACCEPTED);
	assert_int_equal(submit("From: bob@example.net\nNewsgroups: demo.general\n"
				"Subject: Re: x\nMessage-ID: <sub-q2@example.org>\n"
				"In-Reply-To: <sub-q1@example.org>\n"
				"References: <sub-q1@example.org>\n\nSecond.\n",
				"demo.general", "lmtp", NULL, NULL, NULL),
			 SUBMIT_ACCEPTED);
	char *v = row("<sub-q2@example.org>", "thread_key || '/' || parent_key");
	assert_string_equal(v, "14/141");
	free(v);
	/* posted: the next reply answers the forum post it became */
	char *err = NULL;
	assert_int_equal(store_begin(W.st, &err), 0);
	char *id = row("<sub-q1@example.org>", "id");
	assert_int_equal(store_outbox_posted(W.st, strtoll(id, NULL, 10), "fg-q1", &err), 0);
	assert_int_equal(store_commit(W.st, &err), 0);
	free(id);
	assert_int_equal(submit("From: bob@example.net\nNewsgroups: demo.general\n"
				"Subject: Re: x\nMessage-ID: <sub-q3@example.org>\n"
				"In-Reply-To: <sub-q1@example.org>\n\nThird.\n",
				"demo.general", "lmtp", NULL, NULL, NULL),
			 SUBMIT_ACCEPTED);
	v = row("<sub-q3@example.org>", "thread_key || '/' || parent_key");
	assert_string_equal(v, "14/fg-q1");
	free(v);
}

/*
 * Issue #11 item 2: POST checked only Newsgroups, so a follow-up into a
 * read-only thread was queued; it is refused for every front end alike,
 * with 5.7.1 (it was 5.6.0 for mail) and the same words.
 */
static void test_read_only_thread_refused(void **state)
{
	int calls = W.writer_calls;
	const char *art = "From: alice@example.org\nNewsgroups: demo.general\nSubject: Re: x\n"
			  "References: " ANNOUNCE_POST "\n\nMe too.\n";
	const char *mail = "From: alice@example.org\nTo: demo.general@reply.forumgate.example\n"
			   "Subject: Re: x\nIn-Reply-To: " ANNOUNCE_POST "\n\nMe too.\n";
	char *r1 = NULL, *r2 = NULL;
	const char *c1 = NULL, *c2 = NULL;
	assert_int_equal(submit(art, "demo.general", "nntp", &r1, &c1, NULL), SUBMIT_REFUSED);
	assert_int_equal(submit(mail, "demo.general", "lmtp", &r2, &c2, NULL), SUBMIT_REFUSED);
	assert_string_equal(c1, "5.7.1");
	assert_string_equal(c2, "5.7.1");
	assert_string_equal(r1, r2);
	assert_string_equal(r1, "the thread is in a read-only group: the forum does not take "
				"replies there");
	free(r1);
	free(r2);
	assert_int_equal(W.writer_calls, calls); /* a refusal takes no write lock */
}

static void test_refusals(void **state)
{
	static const struct {
		const char *groups, *article, *code, *reason;
	} cases[] = {
		{"demo.announce", "From: a@b.example\nSubject: x\n\nbody\n", "5.7.1",
		 "newsgroup demo.announce is read-only: the forum does not take replies there"},
		{"demo.general,no.such", "From: a@b.example\nSubject: x\n\nbody\n", "5.1.1",
		 "no such newsgroup here: no.such"},
		{" , ", "From: a@b.example\nSubject: x\n\nbody\n", "5.1.1",
		 "the Newsgroups header names no group"},
		{"demo.general", "From: a@b.example\nSubject: x\nMessage-ID: junk\n\nbody\n",
		 "5.6.0", "the Message-ID header is not a valid <id@domain>"},
		{"demo.general",
		 "From: a@b.example\nSubject: x\nMessage-ID: <p9.t9.demo@forumgate.example>\n\nb\n",
		 "5.6.0",
		 "the Message-ID <p9.t9.demo@forumgate.example> has the form of this gateway's own "
		 "ids for forum posts; send it without one, or under an id of your own"},
		{"demo.general", "From: a@b.example\nSubject: x\n\n \n\n", "5.6.0",
		 "the message has an empty body"},
		{"demo.general",
		 "From: a@b.example\nSubject: x\n\nOn Thu, Bob wrote:\n> only a quote\n", "5.6.0",
		 "the reply was empty after removing quoted text and signatures"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *reason = NULL;
		const char *code = NULL;
		assert_int_equal(
			submit(cases[i].article, cases[i].groups, "nntp", &reason, &code, NULL),
			SUBMIT_REFUSED);
		assert_string_equal(code, cases[i].code);
		assert_string_equal(reason, cases[i].reason);
		free(reason);
	}
}

static void test_duplicates_and_generated_ids(void **state)
{
	const char *art = "From: alice@example.org\nSubject: A new topic\n\nHello.\n";
	char *id1 = NULL, *id2 = NULL, *reason = NULL;
	assert_int_equal(submit(art, "demo.general", "nntp", &reason, NULL, &id1), SUBMIT_ACCEPTED);
	assert_string_equal(reason, "queued for demo (list)");
	free(reason);
	assert_true(strncmp(id1, "<fg-", 4) == 0);
	/* the same article again makes the same id: a duplicate */
	assert_int_equal(submit(art, "demo.general", "nntp", &reason, NULL, &id2),
			 SUBMIT_DUPLICATE);
	assert_string_equal(id1, id2);
	char *want = xasprintf("an article with Message-ID %s is already queued", id1);
	assert_string_equal(reason, want);
	free(want);
	free(reason);
	free(id2);
	/* from another front end it is a message of its own */
	assert_int_equal(submit(art, "demo.general", "lmtp", NULL, NULL, &id2), SUBMIT_ACCEPTED);
	assert_string_not_equal(id1, id2);
	free(id1);
	free(id2);
	/* an article of the store */
	assert_int_equal(submit("From: a@b.example\nSubject: x\nMessage-ID: " GENERAL_POST
				"\n\nbody\n",
				"demo.general", "nntp", &reason, NULL, NULL),
			 SUBMIT_DUPLICATE);
	assert_string_equal(reason, "an article with Message-ID " GENERAL_POST " exists already");
	free(reason);
}

/* Issue #11 item 2: one group -> board mapping (config.c), used by submit
 * and the outbox alike. */
static void test_group_board_mapping(void **state)
{
	const char *board = "unset";
	const struct cfg_forum *f = cfg_group_forum(W.cfg, "demo.general", &board);
	assert_non_null(f);
	assert_string_equal(f->name, "demo");
	assert_string_equal(board, "General Discussion");
	f = cfg_group_forum(W.cfg, "demo.some-board", &board);
	assert_non_null(f); /* by group_prefix: the connector's default board */
	assert_null(board);
	assert_null(cfg_group_forum(W.cfg, "other.general", &board));
	assert_null(board);
	assert_non_null(cfg_group_forum(W.cfg, "demo.news", NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msgid_rule),
		cmocka_unit_test(test_followup_is_clean),
		cmocka_unit_test(test_one_reference_limit),
		cmocka_unit_test(test_reply_to_queued_reply),
		cmocka_unit_test(test_read_only_thread_refused),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_duplicates_and_generated_ids),
		cmocka_unit_test(test_group_board_mapping),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
