/*
 * Tests for the mail intake (gateway/mail/intake.c, replykey.c, lmtp.c):
 * reply-key verification (valid, forged, rotated secret, expired, other
 * user's key), each routing step (key, In-Reply-To, References, list
 * address), the sender policy, duplicates, automatic mail, and the LMTP
 * session's status codes, on a real SQLite store with the demo forum.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <cmocka.h>

#include "forumgate/buf.h"
#include "forumgate/config.h"
#include "forumgate/intake.h"
#include "forumgate/lmtp.h"
#include "forumgate/log.h"
#include "forumgate/replykey.h"
#include "forumgate/store.h"
#include "forumgate/sync.h"

static const unsigned char secret[] = "0123456789abcdef0123456789abcdef";

static struct {
	char dir[64], path[128];
	struct cfg *cfg, *cfg_auth;
	struct store *st;
	char *root_msgid, *reply_msgid; /* two demo articles of one thread */
	int64_t root_rowid, alice, bob;
} W;

static struct cfg *load_cfg(const char *extra)
{
	char store[160];
	snprintf(store, sizeof store, "gateway.store=%s", W.path);
	char *list[2] = {store, (char *)extra};
	struct cfg *c = NULL;
	char *err = NULL;
	if (cfg_load("config/demo.yaml", list, extra ? 2 : 1, &c, &err) != 0) {
		fprintf(stderr, "config: %s\n", err);
		free(err);
	}
	return c;
}

static int msgid_of(const char *thread_post, char **out)
{
	/* the demo JSON thread 12: posts 120 (root), 121 ... */
	char *err = NULL, *forum = NULL, *thread = NULL, *post = NULL;
	char *mid = xasprintf("<%s.demo@forumgate.example>", thread_post);
	int r = store_post_by_msgid(W.st, mid, &forum, &thread, &post, &err);
	free(forum);
	free(thread);
	free(post);
	free(err);
	if (r != 1) {
		free(mid);
		return -1;
	}
	*out = mid;
	return 0;
}

static int setup(void **state)
{
	char *err = NULL;
	log_set_level(LOG_LVL_ERR);
	strcpy(W.dir, "/tmp/fg-test-intake-XXXXXX");
	if (mkdtemp(W.dir) == NULL)
		return -1;
	snprintf(W.path, sizeof W.path, "%s/store.db", W.dir);
	W.cfg = load_cfg(NULL);
	W.cfg_auth = load_cfg("auth.sender_policy=authenticated");
	if (W.cfg == NULL || W.cfg_auth == NULL)
		return -1;
	/* trust one authserv-id for the policy test */
	W.cfg_auth->auth.trusted_authserv_ids = xcalloc(1, sizeof(char *));
	W.cfg_auth->auth.trusted_authserv_ids[0] = xstrdup("mx.forumgate.example");
	W.cfg_auth->auth.ntrusted = 1;
	if (store_open(W.path, STORE_CREATE, &W.st, &err) != 0)
		goto fail;
	struct sync_stats s = {0};
	if (sync_forum(W.st, W.cfg, &W.cfg->forums[0], NULL, 0, &s, &err) != 0)
		goto fail;
	if (store_begin(W.st, &err) != 0 || store_user_add(W.st, "alice", NULL, &err) != 0 ||
	    store_user_add(W.st, "bob", NULL, &err) != 0 ||
	    store_user_address(W.st, "alice", "alice@example.org", 1, &err) != 1 ||
	    store_user_address(W.st, "bob", "bob@example.org", 1, &err) != 1 ||
	    store_commit(W.st, &err) != 0)
		goto fail;
	if (store_user_id(W.st, "alice", &W.alice, &err) != 1 ||
	    store_user_id(W.st, "bob", &W.bob, &err) != 1)
		goto fail;
	if (msgid_of("p120.t12", &W.root_msgid) != 0 || msgid_of("p121.t12", &W.reply_msgid) != 0 ||
	    store_post_rowid(W.st, "demo", "120", &W.root_rowid, &err) != 1) {
		fprintf(stderr, "setup: demo thread 12 not found\n");
		return -1;
	}
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
	cfg_free(W.cfg_auth);
	free(W.root_msgid);
	free(W.reply_msgid);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", W.dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* --- reply keys --- */

static void test_replykey_roundtrip(void **state)
{
	struct replykey k = {REPLYKEY_REPLY, 42, 123456789012ULL,
			     (uint16_t)(time(NULL) / 86400 + 3)};
	char key[REPLYKEY_LEN + 1];
	replykey_make(&k, secret, 32, key);
	assert_int_equal(strlen(key), REPLYKEY_LEN);
	struct replykey out;
	assert_int_equal(replykey_verify(key, secret, 32, time(NULL), &out), REPLYKEY_VALID);
	assert_int_equal(out.user_id, 42);
	assert_true(out.post_id == 123456789012ULL);
	assert_int_equal(out.purpose, REPLYKEY_REPLY);
	/* case does not matter (some MTAs lowercase local parts, some not) */
	for (char *p = key; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 32);
	assert_int_equal(replykey_verify(key, secret, 32, time(NULL), &out), REPLYKEY_VALID);
}

static void test_replykey_forged_expired_rotated(void **state)
{
	struct replykey k = {REPLYKEY_REPLY, 7, 99, (uint16_t)(time(NULL) / 86400 + 1)};
	char key[REPLYKEY_LEN + 1];
	replykey_make(&k, secret, 32, key);
	char forged[REPLYKEY_LEN + 1];
	strcpy(forged, key);
	forged[20] = forged[20] == 'a' ? 'b' : 'a';
	assert_int_equal(replykey_verify(forged, secret, 32, time(NULL), NULL), REPLYKEY_FORGED);
	/* another user id with the same MAC: forged */
	struct replykey other = k;
	other.user_id = 8;
	char okey[REPLYKEY_LEN + 1];
	replykey_make(&other, secret, 32, okey);
	memcpy(okey + 23, key + 23, REPLYKEY_LEN - 23); /* graft the old tag */
	assert_int_equal(replykey_verify(okey, secret, 32, time(NULL), NULL), REPLYKEY_FORGED);
	/* rotated secret revokes */
	const unsigned char rotated[] = "fedcba9876543210fedcba9876543210";
	assert_int_equal(replykey_verify(key, rotated, 32, time(NULL), NULL), REPLYKEY_FORGED);
	/* expired */
	assert_int_equal(replykey_verify(key, secret, 32, time(NULL) + 3 * 86400, NULL),
			 REPLYKEY_EXPIRED);
	/* malformed */
	assert_int_equal(replykey_verify("short", secret, 32, time(NULL), NULL),
			 REPLYKEY_MALFORMED);
	assert_int_equal(replykey_verify("0000000000000000000000000000000000000000", secret, 32,
					 time(NULL), NULL),
			 REPLYKEY_MALFORMED);
}

/* --- the pipeline --- */

static struct intake intake_of(const struct cfg *c)
{
	struct intake in = {
		.cfg = c, .store = W.st, .secret = secret, .secret_len = 32, .source = "test"};
	return in;
}

static char *mail(const char *from, const char *msgid, const char *extra, const char *body)
{
	/* extra goes on top, where MTAs prepend their trace and
	 * Authentication-Results fields */
	return xasprintf(
		"%sFrom: %s\r\nTo: demo.general@reply.forumgate.example\r\n"
		"Subject: Re: test\r\nMessage-ID: %s\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\n"
		"\r\n%s",
		extra ? extra : "", from, msgid, body);
}

static void deliver(const struct cfg *c, const char *raw, const char *rcpt, enum intake_status want,
		    const char *reason_part)
{
	struct intake in = intake_of(c);
	struct intake_result res;
	intake_deliver(&in, raw, strlen(raw), "sender@example.org", rcpt, &res);
	if (res.status != want || (reason_part && !strstr(res.reason, reason_part)))
		fprintf(stderr, "status %d, reason: %s\n", res.status, res.reason);
	assert_int_equal(res.status, want);
	if (reason_part)
		assert_non_null(strstr(res.reason, reason_part));
	intake_result_clear(&res);
}

static void test_route_in_reply_to(void **state)
{
	char *extra = xasprintf("In-Reply-To: %s\r\n", W.reply_msgid);
	char *raw = mail("Alice <alice@example.org>", "<r1@example.org>", extra,
			 "Thanks, that helps.\r\n\r\nOn Fri, Vreni wrote:\r\n> quoted\r\n");
	deliver(W.cfg, raw, "demo.general@reply.forumgate.example", INTAKE_ACCEPTED, "in-reply-to");
	/* delivered again (an MTA retry): a duplicate, still accepted */
	deliver(W.cfg, raw, "demo.general@reply.forumgate.example", INTAKE_DUPLICATE, NULL);
	free(raw);
	free(extra);
}

static void test_route_references(void **state)
{
	char *extra = xasprintf("References: <unknown@elsewhere> %s <other@elsewhere>\r\n",
				W.root_msgid);
	char *raw = mail("alice@example.org", "<r2@example.org>", extra, "By references.\r\n");
	deliver(W.cfg, raw, "demo.general@reply.forumgate.example", INTAKE_ACCEPTED, "references");
	free(raw);
	free(extra);
}

static void test_route_new_thread(void **state)
{
	char *raw = mail("alice@example.org", "<r3@example.org>", NULL, "A new topic.\r\n");
	deliver(W.cfg, raw, "demo.general@reply.forumgate.example", INTAKE_ACCEPTED, "list");
	free(raw);
}

static void test_route_key(void **state)
{
	struct replykey k = {REPLYKEY_REPLY, (uint32_t)W.alice, (uint64_t)W.root_rowid,
			     (uint16_t)(time(NULL) / 86400 + 30)};
	char key[REPLYKEY_LEN + 1], rcpt[128];
	replykey_make(&k, secret, 32, key);
	snprintf(rcpt, sizeof rcpt, "demo.general+%s@reply.forumgate.example", key);
	char *raw = mail("alice@example.org", "<r4@example.org>", NULL, "By key.\r\n");
	deliver(W.cfg, raw, rcpt, INTAKE_ACCEPTED, "key");
	free(raw);
	/* alice's key used from bob's address: refused */
	raw = mail("bob@example.org", "<r5@example.org>", NULL, "Not mine.\r\n");
	deliver(W.cfg, raw, rcpt, INTAKE_REFUSED_SENDER, "not an address of the user");
	free(raw);
	/* a forged key */
	key[10] = key[10] == 'a' ? 'b' : 'a';
	snprintf(rcpt, sizeof rcpt, "demo.general+%s@reply.forumgate.example", key);
	raw = mail("alice@example.org", "<r6@example.org>", NULL, "Forged.\r\n");
	deliver(W.cfg, raw, rcpt, INTAKE_REFUSED_SENDER, "not valid");
	free(raw);
	/* an expired key */
	k.expires = (uint16_t)(time(NULL) / 86400 - 1);
	replykey_make(&k, secret, 32, key);
	snprintf(rcpt, sizeof rcpt, "demo.general+%s@reply.forumgate.example", key);
	raw = mail("alice@example.org", "<r7@example.org>", NULL, "Late.\r\n");
	deliver(W.cfg, raw, rcpt, INTAKE_REFUSED_SENDER, "expired");
	free(raw);
}

static void test_refusals(void **state)
{
	char *raw = mail("mallory@example.net", "<x1@example.org>", NULL, "Hi.\r\n");
	deliver(W.cfg, raw, "demo.general@reply.forumgate.example", INTAKE_REFUSED_SENDER,
		"not the address of a registered user");
	deliver(W.cfg, raw, "no.such.group@reply.forumgate.example", INTAKE_UNKNOWN_RECIPIENT,
		"no forum group");
	deliver(W.cfg, raw, "demo.general@elsewhere.example", INTAKE_UNKNOWN_RECIPIENT, NULL);
	free(raw);
	raw = mail("alice@example.org", "<x2@example.org>", NULL, "Hi.\r\n");
	/* issue #11: a read-only group is a permission (550 5.7.1, exit 77),
	 * not bad content (it was 5.6.0) */
	deliver(W.cfg, raw, "demo.announce@reply.forumgate.example", INTAKE_NOT_PERMITTED,
		"newsgroup demo.announce is read-only");
	assert_string_equal(intake_lmtp_code(INTAKE_NOT_PERMITTED), "550 5.7.1");
	assert_int_equal(intake_exit_code(INTAKE_NOT_PERMITTED), 77);
	free(raw);
	raw = mail("alice@example.org", "<x3@example.org>", NULL,
		   "On Thu, Bob wrote:\r\n> only a quote\r\n");
	deliver(W.cfg, raw, "demo.general@reply.forumgate.example", INTAKE_REJECTED, "empty");
	free(raw);
	deliver(W.cfg, "", "demo.general@reply.forumgate.example", INTAKE_BAD_DATA, NULL);
}

static void test_automatic_mail_is_dropped(void **state)
{
	char *raw = mail("alice@example.org", "<a1@example.org>",
			 "Auto-Submitted: auto-replied\r\n", "I am away.\r\n");
	deliver(W.cfg, raw, "demo.general@reply.forumgate.example", INTAKE_DROPPED, NULL);
	free(raw);
	raw = mail("alice@example.org", "<a2@example.org>",
		   "X-Forumgate-Loop: reply.forumgate.example\r\n", "Loop.\r\n");
	deliver(W.cfg, raw, "demo.general@reply.forumgate.example", INTAKE_DROPPED, NULL);
	free(raw);
}

static void test_sender_policy_authenticated(void **state)
{
	char *raw = mail("alice@example.org", "<p1@example.org>", NULL, "Unverified.\r\n");
	deliver(W.cfg_auth, raw, "demo.general@reply.forumgate.example", INTAKE_REFUSED_SENDER,
		"DMARC");
	free(raw);
	raw = mail("alice@example.org", "<p2@example.org>",
		   "Authentication-Results: evil.example; dmarc=pass\r\n", "Untrusted AR.\r\n");
	deliver(W.cfg_auth, raw, "demo.general@reply.forumgate.example", INTAKE_REFUSED_SENDER,
		"DMARC");
	free(raw);
	raw = mail("alice@example.org", "<p3@example.org>",
		   "Authentication-Results: mx.forumgate.example; spf=fail; dkim=pass "
		   "header.d=example.org\r\n",
		   "Verified.\r\n");
	deliver(W.cfg_auth, raw, "demo.general@reply.forumgate.example", INTAKE_ACCEPTED, NULL);
	free(raw);
}

/* Issue #10 item 8: each way a substring match let a sender through. */
static void test_sender_policy_bypasses(void **state)
{
	static const struct {
		const char *msgid, *extra, *why;
	} refused[] = {
		/* an SPF pass for another domain */
		{"<b1@example.org>",
		 "Authentication-Results: mx.forumgate.example; spf=pass "
		 "smtp.mailfrom=bounce@evil.example\r\n",
		 "spf=pass for evil.example"},
		/* a DKIM pass for d=evil.example */
		{"<b2@example.org>",
		 "Authentication-Results: mx.forumgate.example; dkim=pass header.d=evil.example\r\n",
		 "dkim=pass for evil.example"},
		/* dmarc=pass inside a comment */
		{"<b3@example.org>",
		 "Authentication-Results: mx.forumgate.example; dkim=fail (dmarc=pass)\r\n"
		 " header.d=example.org\r\n",
		 "dkim=fail"},
		/* a second header, added by the sender under ours */
		{"<b4@example.org>",
		 "Authentication-Results: mx.forumgate.example; dmarc=fail header.from=example.org\r\n"
		 "Received: from evil.example by mx.forumgate.example\r\n"
		 "Authentication-Results: mx.forumgate.example; dmarc=pass header.from=example.org\r\n",
		 "DMARC failed for example.org"},
		{"<b5@example.org>",
		 "Authentication-Results: mx.forumgate.example; spf=none smtp.mailfrom=example.org\r\n"
		 "Received: from evil.example by mx.forumgate.example\r\n"
		 "Authentication-Results: mx.forumgate.example; dkim=pass header.d=example.org\r\n",
		 "mx.forumgate.example reported spf=none for example.org;"},
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		char *raw = mail("alice@example.org", refused[i].msgid, refused[i].extra,
				 "Hi.\r\n");
		deliver(W.cfg_auth, raw, "demo.general@reply.forumgate.example",
			INTAKE_REFUSED_SENDER, refused[i].why);
		free(raw);
	}
	/* the aligned passes */
	char *raw = mail("alice@example.org", "<b6@example.org>",
			 "Authentication-Results: mx.forumgate.example; dmarc=pass (p=none)\r\n"
			 "\theader.from=example.org\r\n",
			 "DMARC.\r\n");
	deliver(W.cfg_auth, raw, "demo.general@reply.forumgate.example", INTAKE_ACCEPTED, NULL);
	free(raw);
	raw = mail("alice@example.org", "<b7@example.org>",
		   "Authentication-Results: mx.forumgate.example; spf=pass "
		   "smtp.mailfrom=alice@example.org\r\n",
		   "SPF.\r\n");
	deliver(W.cfg_auth, raw, "demo.general@reply.forumgate.example", INTAKE_ACCEPTED, NULL);
	free(raw);
}

/* --- LMTP session --- */

static char *lmtp(struct lmtp_session *s, const char *input)
{
	struct evbuffer *in = evbuffer_new(), *out = evbuffer_new();
	evbuffer_add(in, input, strlen(input));
	lmtp_session_feed(s, in, out);
	size_t n = evbuffer_get_length(out);
	char *r = xmalloc(n + 1);
	evbuffer_remove(out, r, n);
	r[n] = '\0';
	evbuffer_free(in);
	evbuffer_free(out);
	return r;
}

static void test_lmtp_session(void **state)
{
	struct intake in = intake_of(W.cfg);
	struct lmtp_session *s = lmtp_session_new(&in);
	char *r;
	r = lmtp(s, "MAIL FROM:<a@b>\r\n");
	assert_string_equal(r, "503 5.5.1 LHLO first\r\n");
	free(r);
	r = lmtp(s, "HELO x\r\n");
	assert_string_equal(r, "500 5.5.1 This is LMTP: use LHLO\r\n");
	free(r);
	r = lmtp(s, "LHLO client.example\r\n");
	assert_non_null(strstr(r, "250-PIPELINING\r\n"));
	assert_non_null(strstr(r, "250-ENHANCEDSTATUSCODES\r\n"));
	assert_non_null(strstr(r, "250 SIZE 10485760\r\n"));
	free(r);
	r = lmtp(s, "DATA\r\n");
	assert_string_equal(r, "503 5.5.1 MAIL first\r\n");
	free(r);
	/* pipelined: sender, one good and one unknown recipient, data */
	r = lmtp(s, "MAIL FROM:<alice@example.org> SIZE=100\r\n"
		    "RCPT TO:<demo.general@reply.forumgate.example>\r\n"
		    "RCPT TO:<nope@reply.forumgate.example>\r\n"
		    "DATA\r\n"
		    "From: alice@example.org\r\nMessage-ID: <l1@example.org>\r\nSubject: hi\r\n\r\n"
		    "..A line that starts with a dot.\r\n.\r\n");
	assert_non_null(strstr(r, "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n550 5.1.1 "));
	assert_non_null(strstr(r, "354 "));
	assert_non_null(strstr(r, "250 2.0.0 <demo.general@reply.forumgate.example>: queued"));
	free(r);
	r = lmtp(s, "MAIL FROM:<alice@example.org> SIZE=99999999999\r\n");
	assert_true(strncmp(r, "552 5.3.4", 9) == 0);
	free(r);
	r = lmtp(s, "RSET\r\nNOOP\r\nVRFY x\r\nFOO\r\nQUIT\r\n");
	assert_string_equal(r, "250 2.0.0 OK\r\n250 2.0.0 OK\r\n252 2.5.0 Cannot VRFY; send the "
			       "message and see\r\n500 5.5.2 Unknown command\r\n221 2.0.0 Bye\r\n");
	free(r);
	lmtp_session_free(s);

	/* a command line over 512 octets, and garbage after it */
	s = lmtp_session_new(&in);
	struct buf big = BUF_INIT;
	buf_adds(&big, "LHLO ");
	for (int i = 0; i < 600; i++)
		buf_addc(&big, 'x');
	buf_adds(&big, "\r\nNOOP\r\n");
	r = lmtp(s, big.p);
	assert_string_equal(r, "500 5.5.2 Line too long\r\n250 2.0.0 OK\r\n");
	free(r);
	buf_free(&big);
	lmtp_session_free(s);
}

/*
 * Regression (issue #10, item 5): the session answered every pipelined line
 * it had, however many replies waited unread (mailin grew by about 11x the
 * input). It now stops at 64 KiB of waiting replies, leaves the rest of the
 * lines in the input, and goes on where it stopped once they are taken.
 */
static void test_lmtp_output_bound(void **state)
{
	struct intake in = intake_of(W.cfg);
	struct lmtp_session *s = lmtp_session_new(&in);
	struct evbuffer *inb = evbuffer_new(), *out = evbuffer_new();
	int n = 20000;
	evbuffer_add_printf(inb, "LHLO client.example\r\n");
	for (int i = 0; i < n; i++)
		evbuffer_add_printf(inb, "NOOP\r\n");
	evbuffer_add_printf(inb, "QUIT\r\n");
	int replies = -5; /* the LHLO reply has 5 lines */
	int done = 0, rounds = 0;
	while (!done) {
		done = lmtp_session_feed(s, inb, out);
		size_t len = evbuffer_get_length(out);
		assert_true(len <= 64 * 1024 + 512);
		assert_true(done || evbuffer_get_length(inb) > 0);
		char *r = xmalloc(len + 1);
		evbuffer_remove(out, r, len);
		r[len] = '\0';
		for (char *p = r; (p = strstr(p, "\r\n")) != NULL; p += 2)
			replies++;
		if (done)
			assert_non_null(strstr(r, "221 2.0.0 Bye\r\n"));
		free(r);
		rounds++;
	}
	assert_int_equal(replies, n + 1);
	assert_true(rounds > 2);
	assert_int_equal(evbuffer_get_length(inb), 0);
	evbuffer_free(inb);
	evbuffer_free(out);
	lmtp_session_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replykey_roundtrip),
		cmocka_unit_test(test_replykey_forged_expired_rotated),
		cmocka_unit_test(test_route_in_reply_to),
		cmocka_unit_test(test_route_references),
		cmocka_unit_test(test_route_new_thread),
		cmocka_unit_test(test_route_key),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_automatic_mail_is_dropped),
		cmocka_unit_test(test_sender_policy_authenticated),
		cmocka_unit_test(test_sender_policy_bypasses),
		cmocka_unit_test(test_lmtp_session),
		cmocka_unit_test(test_lmtp_output_bound),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
