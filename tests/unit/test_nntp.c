/*
 * Tests for the NNTP protocol core (gateway/nntp/): wildmat, ranges and
 * NEWGROUPS dates on their own, then whole sessions driven through
 * nntp_session_feed() against a real store.
 *
 * The store is built once for the whole run: config/demo.yaml (with
 * gateway.store pointing into a temp directory) is imported with sync_forum,
 * then an empty group "demo.empty" and a user "alice" (password "secret") are
 * added. Sessions read through a read-only connection as nntpd workers do;
 * POST writes through the RW connection handed out by env.writer. Responses
 * are compared byte for byte where the data is ours (status lines, lists);
 * article texts come from the importer, so those are checked for
 * consistency (ARTICLE = HEAD + empty line + BODY) rather than spelled out.
 *
 * Tests marked "Regression" caught real server bugs when they were written
 * (they failed against the code of that day); the comment at each says what.
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
#include <sqlite3.h>
#include <zlib.h>
#include <cmocka.h>

/* Under ASan, leaks of one test are checked right after it (see
 * test_post_crosspost_refused_no_leak). */
#if defined(__SANITIZE_ADDRESS__)
#define FG_HAVE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FG_HAVE_LSAN 1
#endif
#endif
#ifndef FG_HAVE_LSAN
#define FG_HAVE_LSAN 0
#endif
#if FG_HAVE_LSAN
#include <sanitizer/lsan_interface.h>
#endif

#include "forumgate/buf.h"
#include "forumgate/config.h"
#include "forumgate/log.h"
#include "forumgate/nntp.h"
#include "forumgate/password.h"
#include "forumgate/store.h"
#include "forumgate/sync.h"

#define MSGID1 "<p140.t14.demo@forumgate.example>"
#define MSGID2 "<p141.t14.demo@forumgate.example>"
#define MSGID3 "<p120.t12.demo@forumgate.example>"
#define MSGID4 "<p121.t12.demo@forumgate.example>"
#define MSGID5 "<p122.t12.demo@forumgate.example>"

/* The store and configurations shared by all session tests. */
static struct {
	char dir[64];
	char path[128];
	struct cfg *cfg;         /* demo.yaml */
	struct cfg *cfg_plain;   /* + nntp.allow_plaintext_auth */
	struct cfg *cfg_small;   /* + nntp.max_post_size = 1024 */
	struct cfg *cfg_lock;    /* + nntp.account_lockout = 5 */
	struct cfg *cfg_nonntps; /* only a plain listener, no NNTPS */
	struct store *rw, *ro;
	int writer_calls;
} W;

static struct store *writer(void *arg)
{
	W.writer_calls++;
	return W.rw;
}

static struct cfg *load_cfg(const char *extra)
{
	char *ov[2];
	size_t n = 0;
	char *store = xasprintf("gateway.store=%s", W.path);
	ov[n++] = store;
	if (extra)
		ov[n++] = (char *)extra;
	struct cfg *c = NULL;
	char *err = NULL;
	if (cfg_load("config/demo.yaml", ov, n, &c, &err) != 0) {
		fprintf(stderr, "cfg_load: %s\n", err);
		free(err);
		c = NULL;
	}
	free(store);
	return c;
}

static int world_setup(void **state)
{
	char *err = NULL;
	log_set_level(LOG_LVL_ERR); /* refusals are logged at info: keep the output clean */
	strcpy(W.dir, "/tmp/fg-test-nntp-XXXXXX");
	if (mkdtemp(W.dir) == NULL)
		return -1;
	snprintf(W.path, sizeof W.path, "%s/store.db", W.dir);
	W.cfg = load_cfg(NULL);
	W.cfg_plain = load_cfg("nntp.allow_plaintext_auth=true");
	W.cfg_small = load_cfg("nntp.max_post_size=1024");
	/* 5 s: the lockout counts whole seconds, and the ten scrypt checks
	 * after it starts take a second or more under ASan on a busy machine */
	W.cfg_lock = load_cfg("nntp.account_lockout=5");
	W.cfg_nonntps = load_cfg("nntp.listen=127.0.0.1:1119/starttls");
	if (!W.cfg || !W.cfg_plain || !W.cfg_small || !W.cfg_lock || !W.cfg_nonntps)
		return -1;
	if (store_open(W.path, STORE_CREATE, &W.rw, &err) != 0)
		goto fail;
	for (size_t i = 0; i < W.cfg->nforums; i++) {
		struct sync_stats st = {0};
		if (sync_forum(W.rw, W.cfg, &W.cfg->forums[i], NULL, 0, &st, &err) != 0)
			goto fail;
	}
	int64_t gid;
	char *hash = password_hash("secret", &err);
	if (hash == NULL)
		goto fail;
	int r = store_begin(W.rw, &err) == 0 &&
		store_group_ensure(W.rw, "demo.empty", "Nothing here yet", 'y', &gid, &err) == 0 &&
		store_user_add(W.rw, "alice", hash, &err) == 0 && store_commit(W.rw, &err) == 0;
	free(hash);
	if (!r)
		goto fail;
	if (store_open(W.path, STORE_RDONLY, &W.ro, &err) != 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "setup: %s\n", err ? err : "?");
	free(err);
	return -1;
}

static int world_teardown(void **state)
{
	store_close(W.ro);
	store_close(W.rw);
	cfg_free(W.cfg);
	cfg_free(W.cfg_plain);
	cfg_free(W.cfg_small);
	cfg_free(W.cfg_lock);
	cfg_free(W.cfg_nonntps);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", W.dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* --- a client connection without a socket --- */

struct conn {
	struct nntp_env env;
	struct nntp_session *s;
	struct evbuffer *in, *out;
	enum nntp_event ev;
	char *last; /* the last output returned by say(), freed by the next */
};

enum {
	C_TLS_AVAILABLE = 1, /* STARTTLS offered */
	C_TLS_ACTIVE = 2,    /* NNTPS: TLS from the first byte */
	C_LOOPBACK = 4,
};

/* Connections still open when an assertion fails are closed by the
 * teardown, so a failing test reports its failure and no leaks. */
#define MAX_OPEN 4
static struct conn *open_conns[MAX_OPEN];

static struct conn *conn_open_cfg(const struct cfg *c, int flags, const char *peer)
{
	struct conn *k = xcalloc(1, sizeof *k);
	int slot = 0;
	while (slot < MAX_OPEN && open_conns[slot] != NULL)
		slot++;
	assert_true(slot < MAX_OPEN);
	open_conns[slot] = k;
	k->env.cfg = c;
	k->env.store = W.ro;
	k->env.writer = writer;
	k->env.tls_available = !!(flags & C_TLS_AVAILABLE);
	k->env.peer_is_loopback = !!(flags & C_LOOPBACK);
	k->env.peer = peer ? peer : (flags & C_LOOPBACK ? "127.0.0.1" : "192.0.2.10");
	k->s = nntp_session_new(&k->env, !!(flags & C_TLS_ACTIVE));
	k->in = evbuffer_new();
	k->out = evbuffer_new();
	assert_non_null(k->s);
	return k;
}

static struct conn *conn_open(int flags)
{
	return conn_open_cfg(W.cfg, flags, NULL);
}

static void conn_close(struct conn *k)
{
	for (int i = 0; i < MAX_OPEN; i++)
		if (open_conns[i] == k)
			open_conns[i] = NULL;
	nntp_session_free(k->s);
	evbuffer_free(k->in);
	evbuffer_free(k->out);
	free(k->last);
	free(k);
}

static int conns_teardown(void **state)
{
	for (int i = 0; i < MAX_OPEN; i++)
		if (open_conns[i] != NULL)
			conn_close(open_conns[i]);
	return 0;
}

/* Removes and returns everything in out (a C string; NULs are kept as is). */
static const char *take(struct conn *k)
{
	size_t n = evbuffer_get_length(k->out);
	free(k->last);
	k->last = xmalloc(n + 1);
	evbuffer_remove(k->out, k->last, n);
	k->last[n] = '\0';
	return k->last;
}

static const char *greet(struct conn *k)
{
	nntp_session_greet(k->s, k->out);
	return take(k);
}

/* Sends raw bytes and returns all replies (no output limit). */
static const char *send_raw(struct conn *k, const char *data, size_t len)
{
	evbuffer_add(k->in, data, len);
	k->ev = nntp_session_feed(k->s, k->in, k->out, SIZE_MAX);
	return take(k);
}

/* Sends one or more lines given without line ends; each gets CRLF. */
static const char *say(struct conn *k, const char *line)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, line);
	buf_add(&b, "\r\n", 2);
	evbuffer_add(k->in, b.p, b.len);
	buf_free(&b);
	k->ev = nntp_session_feed(k->s, k->in, k->out, SIZE_MAX);
	return take(k);
}

#define EXPECT(k, line, reply) assert_string_equal(say((k), (line)), (reply))

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void login(struct conn *k)
{
	EXPECT(k, "AUTHINFO USER alice", "381 Password required\r\n");
	EXPECT(k, "AUTHINFO PASS secret", "281 Authentication accepted\r\n");
}

/* --- wildmat --- */

static void test_wildmat_rfc_elements(void **state)
{
	/* RFC 3977 §4.2: the last element that matches decides */
	const char *p = "a*,!*b,*c*";
	assert_int_equal(nntp_wildmat(p, "aaa"), 1);
	assert_int_equal(nntp_wildmat(p, "abb"), 0); /* a* then !*b */
	assert_int_equal(nntp_wildmat(p, "ccb"), 1); /* !*b then *c* */
	assert_int_equal(nntp_wildmat(p, "abc"), 1);
	assert_int_equal(nntp_wildmat(p, "xyz"), 0);
	assert_int_equal(nntp_wildmat(p, "b"), 0);
	/* a leading negation alone never matches */
	assert_int_equal(nntp_wildmat("!*b", "ab"), 0);
	assert_int_equal(nntp_wildmat("!*b", "xy"), 0);
	/* §4.4 style: everything under demo but not demo.general */
	assert_int_equal(nntp_wildmat("demo.*,!demo.general", "demo.news"), 1);
	assert_int_equal(nntp_wildmat("demo.*,!demo.general", "demo.general"), 0);
	assert_int_equal(nntp_wildmat("demo.*,!demo.general", "demo.general.x"), 1);
	/* anchored at both ends */
	assert_int_equal(nntp_wildmat("demo", "demo.news"), 0);
	assert_int_equal(nntp_wildmat("news", "demo.news"), 0);
	assert_int_equal(nntp_wildmat("*news", "demo.news"), 1);
	assert_int_equal(nntp_wildmat("*", ""), 1);
	assert_int_equal(nntp_wildmat("???*", "ab"), 0);
	assert_int_equal(nntp_wildmat("???*", "abc"), 1);
	assert_int_equal(nntp_wildmat("a*b*c", "aXbYbZc"), 1);
	assert_int_equal(nntp_wildmat("a*b*c", "aXbYbZcd"), 0);
}

static void test_wildmat_utf8(void **state)
{
	/* "?" is one character, not one octet */
	assert_int_equal(nntp_wildmat("?", "\xc3\xa4"), 1); /* ä */
	assert_int_equal(nntp_wildmat("??", "\xc3\xa4"), 0);
	assert_int_equal(nntp_wildmat("?", "\xe2\x82\xac"), 1);     /* € */
	assert_int_equal(nntp_wildmat("?", "\xf0\x9f\x98\x80"), 1); /* U+1F600 */
	assert_int_equal(nntp_wildmat("de.?rger", "de.\xc3\xa4rger"), 1);
	assert_int_equal(nntp_wildmat("de.??rger", "de.\xc3\xa4rger"), 0);
	assert_int_equal(nntp_wildmat("*\xc3\xbc*", "z\xc3\xbcrich"), 1);
	assert_int_equal(nntp_wildmat("[\xc3\xa4\xc3\xb6]x", "\xc3\xb6x"), 1);
	assert_int_equal(nntp_wildmat("[\xc3\xa4\xc3\xb6]x", "\xc3\xbcx"), 0);
	/* invalid UTF-8 counts one point per octet and does not crash */
	assert_int_equal(nntp_wildmat("??", "\xc3\x28"), 1);
	assert_int_equal(nntp_wildmat("?", "\xe2\x82"), 0);
}

static void test_wildmat_classes(void **state)
{
	assert_int_equal(nntp_wildmat("[a-c]", "b"), 1);
	assert_int_equal(nntp_wildmat("[a-c]", "d"), 0);
	assert_int_equal(nntp_wildmat("[a-c]x", "ax"), 1);
	assert_int_equal(nntp_wildmat("[^x]", "y"), 1);
	assert_int_equal(nntp_wildmat("[^x]", "x"), 0);
	assert_int_equal(nntp_wildmat("[0-9a-z]*", "7up"), 1);
	/* ']' first in a class is literal; '-' last is literal */
	assert_int_equal(nntp_wildmat("[]a]", "]"), 1);
	assert_int_equal(nntp_wildmat("[^]-]", "]"), 0);
	assert_int_equal(nntp_wildmat("[^]-]", "-"), 0);
	assert_int_equal(nntp_wildmat("[^]-]", "a"), 1);
	assert_int_equal(nntp_wildmat("[a-]", "-"), 1);
	/* an unterminated '[' is an ordinary character */
	assert_int_equal(nntp_wildmat("[abc", "[abc"), 1);
	assert_int_equal(nntp_wildmat("[abc", "a"), 0);
}

static void test_wildmat_escape_and_empty(void **state)
{
	assert_int_equal(nntp_wildmat("\\*", "*"), 1);
	assert_int_equal(nntp_wildmat("\\*", "a"), 0);
	assert_int_equal(nntp_wildmat("a\\?", "a?"), 1);
	assert_int_equal(nntp_wildmat("a\\?", "ab"), 0);
	assert_int_equal(nntp_wildmat("\\[x]", "[x]"), 1);
	assert_int_equal(nntp_wildmat("\\\\", "\\"), 1);
	/* the empty pattern matches only the empty text */
	assert_int_equal(nntp_wildmat("", ""), 1);
	assert_int_equal(nntp_wildmat("", "a"), 0);
	assert_int_equal(nntp_wildmat("a,", ""), 1);
	assert_int_equal(nntp_wildmat("!", ""), 0);
}

static void test_wildmat_many_stars_linear(void **state)
{
	/* 2000 "*a" then "b" against 20000 "a": exponential backtracking
	 * would never finish; the one-backtrack-point matcher is instant */
	struct buf p = BUF_INIT, t = BUF_INIT;
	for (int i = 0; i < 2000; i++)
		buf_adds(&p, "*a");
	buf_addc(&p, 'b');
	for (int i = 0; i < 20000; i++)
		buf_addc(&t, 'a');
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(nntp_wildmat(p.p, t.p), 0);
	buf_truncate(&p, p.len - 1); /* now "*a" x 2000: matches */
	assert_int_equal(nntp_wildmat(p.p, t.p), 1);
	for (int i = 0; i < 50; i++)
		buf_adds(&p, ",!*a*a*a*a*a*a*a*a*a*a*a*a*b");
	assert_int_equal(nntp_wildmat(p.p, t.p), 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(secs < 1.0);
	buf_free(&p);
	buf_free(&t);
}

/* --- ranges and dates --- */

static void test_parse_range(void **state)
{
	int64_t lo = -1, hi = -1;
	assert_int_equal(nntp_parse_range("5", &lo, &hi), 0);
	assert_int_equal(lo, 5);
	assert_int_equal(hi, 5);
	assert_int_equal(nntp_parse_range("5-", &lo, &hi), 0);
	assert_int_equal(lo, 5);
	assert_true(hi == INT64_MAX);
	assert_int_equal(nntp_parse_range("5-9", &lo, &hi), 0);
	assert_int_equal(lo, 5);
	assert_int_equal(hi, 9);
	assert_int_equal(nntp_parse_range("9-5", &lo, &hi), 0); /* empty, not an error */
	assert_int_equal(lo, 9);
	assert_int_equal(hi, 5);
	assert_int_equal(nntp_parse_range("0", &lo, &hi), 0);
	assert_int_equal(lo, 0);
	assert_int_equal(nntp_parse_range("999999999999999999", &lo, &hi), 0);
	assert_true(lo == 999999999999999999LL);

	assert_int_equal(nntp_parse_range("-5", &lo, &hi), -1);
	assert_int_equal(nntp_parse_range("a", &lo, &hi), -1);
	assert_int_equal(nntp_parse_range("", &lo, &hi), -1);
	assert_int_equal(nntp_parse_range("-", &lo, &hi), -1);
	assert_int_equal(nntp_parse_range("5-x", &lo, &hi), -1);
	assert_int_equal(nntp_parse_range("5--9", &lo, &hi), -1);
	assert_int_equal(nntp_parse_range(" 5", &lo, &hi), -1);
	assert_int_equal(nntp_parse_range("+5", &lo, &hi), -1);
	/* beyond int64: refused, never wrapped */
	assert_int_equal(nntp_parse_range("9223372036854775808", &lo, &hi), -1);
	assert_int_equal(nntp_parse_range("99999999999999999999999999", &lo, &hi), -1);
	assert_int_equal(nntp_parse_range("1-99999999999999999999999999", &lo, &hi), -1);
}

static void test_parse_datetime(void **state)
{
	const int64_t now = 1718000000; /* 2024-06-10 06:13:20 UTC */
	int64_t t = 0;
	assert_int_equal(nntp_parse_datetime("20240101", "000000", now, &t), 0);
	assert_int_equal(t, 1704067200);
	assert_int_equal(nntp_parse_datetime("240101", "000000", now, &t), 0);
	assert_int_equal(t, 1704067200);
	assert_int_equal(nntp_parse_datetime("19991231", "235959", now, &t), 0);
	assert_int_equal(t, 946684799);
	/* RFC 3977 §7.3.2: yy up to the current year is this century ... */
	assert_int_equal(nntp_parse_datetime("241231", "235959", now, &t), 0);
	assert_int_equal(t, 1735689599); /* 2024-12-31 23:59:59 */
	assert_int_equal(nntp_parse_datetime("000101", "000000", now, &t), 0);
	assert_int_equal(t, 946684800); /* 2000 */
	/* ... a larger yy the previous one */
	assert_int_equal(nntp_parse_datetime("250101", "000000", now, &t), 0);
	assert_int_equal(t, -2208988800LL + 25 * 31536000LL + 6 * 86400LL); /* 1925-01-01 */
	assert_int_equal(nntp_parse_datetime("991231", "235959", now, &t), 0);
	assert_int_equal(t, 946684799); /* 1999 */
	assert_int_equal(nntp_parse_datetime("20240229", "120000", now, &t), 0);
	assert_int_equal(t, 1709208000);

	assert_int_equal(nntp_parse_datetime("2024010", "000000", now, &t), -1);
	assert_int_equal(nntp_parse_datetime("202401011", "000000", now, &t), -1);
	assert_int_equal(nntp_parse_datetime("20241301", "000000", now, &t), -1);
	assert_int_equal(nntp_parse_datetime("20240001", "000000", now, &t), -1);
	assert_int_equal(nntp_parse_datetime("20240100", "000000", now, &t), -1);
	assert_int_equal(nntp_parse_datetime("20240132", "000000", now, &t), -1);
	assert_int_equal(nntp_parse_datetime("20240101", "240000", now, &t), -1);
	assert_int_equal(nntp_parse_datetime("20240101", "006000", now, &t), -1);
	assert_int_equal(nntp_parse_datetime("20240101", "000061", now, &t), -1);
	assert_int_equal(nntp_parse_datetime("20240101", "00000", now, &t), -1);
	assert_int_equal(nntp_parse_datetime("2024-1-1", "000000", now, &t), -1);
	assert_int_equal(nntp_parse_datetime("20240101", "12:00:", now, &t), -1);
	assert_int_equal(nntp_parse_datetime("", "", now, &t), -1);
}

/* --- greeting, CAPABILITIES, MODE READER --- */

/*
 * Regression (issue #11): a plain listener where login cannot succeed said
 * only "no posting"; a reader there (Thunderbird has no STARTTLS for news)
 * learns now where it can log in.
 */
static void test_greeting(void **state)
{
	struct conn *k = conn_open(0);
	assert_string_equal(greet(k),
			    "201 forumgate forumgate.example NNTP service ready, "
			    "no posting here: log in over NNTPS on port 1563 to post\r\n");
	conn_close(k);
	k = conn_open_cfg(W.cfg_nonntps, 0, NULL);
	assert_string_equal(greet(k),
			    "201 forumgate forumgate.example NNTP service ready, no posting\r\n");
	conn_close(k);
	k = conn_open(C_LOOPBACK); /* loopback alone does not allow a plain login */
	assert_true(starts_with(greet(k), "201 "));
	conn_close(k);
	k = conn_open(C_TLS_AVAILABLE);
	assert_string_equal(
		greet(k),
		"200 forumgate forumgate.example NNTP service ready, posting allowed after login\r\n");
	conn_close(k);
	k = conn_open(C_TLS_ACTIVE);
	assert_true(starts_with(greet(k), "200 "));
	conn_close(k);
	k = conn_open_cfg(W.cfg_plain, C_LOOPBACK, NULL);
	assert_true(starts_with(greet(k), "200 "));
	conn_close(k);
	k = conn_open_cfg(W.cfg_plain, 0, NULL); /* plain auth is for loopback only */
	assert_true(starts_with(greet(k), "201 "));
	conn_close(k);
}

#define CAPS_HEAD                                                                                  \
	"101 Capability list:\r\n"                                                                 \
	"VERSION 2\r\n"                                                                            \
	"IMPLEMENTATION forumgate 0.1\r\n"                                                         \
	"READER\r\n"                                                                               \
	"HDR\r\n"                                                                                  \
	"LIST ACTIVE ACTIVE.TIMES COUNTS DISTRIB.PATS HEADERS NEWSGROUPS OVERVIEW.FMT "            \
	"SUBSCRIPTIONS\r\n"                                                                        \
	"NEWNEWS\r\n"                                                                              \
	"OVER MSGID\r\n"

/*
 * Regression (issue #11): POST was listed only after login, so tin, which
 * decides from CAPABILITIES whether it may post, said "Posting not allowed"
 * and never logged in. POST is listed wherever a login is possible (RFC 4643
 * §2: the POST itself then gets 480 until AUTHINFO).
 */
static void test_capabilities(void **state)
{
	struct conn *k = conn_open(0);
	EXPECT(k, "CAPABILITIES", CAPS_HEAD "COMPRESS DEFLATE\r\n.\r\n");
	conn_close(k);

	k = conn_open(C_TLS_AVAILABLE);
	EXPECT(k, "CAPABILITIES", CAPS_HEAD "POST\r\nSTARTTLS\r\nCOMPRESS DEFLATE\r\n.\r\n");
	EXPECT(k, "POST", "480 Login required for posting (AUTHINFO USER)\r\n");
	conn_close(k);

	k = conn_open(C_TLS_ACTIVE | C_TLS_AVAILABLE);
	EXPECT(k, "CAPABILITIES", CAPS_HEAD "POST\r\nCOMPRESS DEFLATE\r\nAUTHINFO USER\r\n.\r\n");
	EXPECT(k, "POST", "480 Login required for posting (AUTHINFO USER)\r\n");
	login(k);
	EXPECT(k, "CAPABILITIES", CAPS_HEAD "POST\r\nCOMPRESS DEFLATE\r\n.\r\n");
	conn_close(k);

	k = conn_open_cfg(W.cfg_plain, C_LOOPBACK, NULL);
	EXPECT(k, "capabilities", CAPS_HEAD "POST\r\nCOMPRESS DEFLATE\r\nAUTHINFO USER\r\n.\r\n");
	conn_close(k);
}

static void test_mode_reader(void **state)
{
	struct conn *k = conn_open(0);
	EXPECT(k, "MODE READER",
	       "201 Reader mode, no posting here: log in over NNTPS on port 1563 to post\r\n");
	conn_close(k);
	k = conn_open_cfg(W.cfg_nonntps, 0, NULL);
	EXPECT(k, "MODE READER", "201 Reader mode, no posting\r\n");
	EXPECT(k, "mode reader", "201 Reader mode, no posting\r\n");
	EXPECT(k, "MODE STREAM", "501 Unknown MODE variant\r\n");
	EXPECT(k, "MODE", "501 Syntax: MODE READER\r\n");
	conn_close(k);
	k = conn_open(C_TLS_AVAILABLE);
	EXPECT(k, "MODE READER", "200 Reader mode, posting allowed after login\r\n");
	conn_close(k);
}

/* --- groups and article selection --- */

static void test_group(void **state)
{
	struct conn *k = conn_open(0);
	EXPECT(k, "GROUP demo.general", "211 5 1 5 demo.general\r\n");
	EXPECT(k, "STAT", "223 1 " MSGID1 "\r\n");
	/* 411 leaves the selected group and article alone */
	EXPECT(k, "STAT 3", "223 3 " MSGID3 "\r\n");
	EXPECT(k, "GROUP no.such.group", "411 No such newsgroup\r\n");
	EXPECT(k, "STAT", "223 3 " MSGID3 "\r\n");
	EXPECT(k, "GROUP demo.news", "211 3 1 3 demo.news\r\n");
	/* an empty group: count 0, high = low - 1, no current article */
	EXPECT(k, "GROUP demo.empty", "211 0 1 0 demo.empty\r\n");
	EXPECT(k, "STAT", "420 Current article number is invalid\r\n");
	EXPECT(k, "GROUP", "501 Syntax: GROUP newsgroup\r\n");
	EXPECT(k, "GROUP a b", "501 Syntax: GROUP newsgroup\r\n");
	conn_close(k);
}

static void test_listgroup(void **state)
{
	struct conn *k = conn_open(0);
	EXPECT(k, "LISTGROUP", "412 No newsgroup selected\r\n");
	EXPECT(k, "LISTGROUP no.such", "411 No such newsgroup\r\n");
	EXPECT(k, "LISTGROUP demo.general",
	       "211 5 1 5 demo.general list follows\r\n1\r\n2\r\n3\r\n4\r\n5\r\n.\r\n");
	EXPECT(k, "STAT", "223 1 " MSGID1 "\r\n");
	EXPECT(k, "LISTGROUP demo.general 2-3",
	       "211 5 1 5 demo.general list follows\r\n2\r\n3\r\n.\r\n");
	EXPECT(k, "LISTGROUP demo.general 4-",
	       "211 5 1 5 demo.general list follows\r\n4\r\n5\r\n.\r\n");
	EXPECT(k, "LISTGROUP demo.general 9-", "211 5 1 5 demo.general list follows\r\n.\r\n");
	EXPECT(k, "LISTGROUP demo.general x", "501 Syntax error in range\r\n");
	EXPECT(k, "STAT 4", "223 4 " MSGID4 "\r\n");
	/* without arguments: the selected group, current article back to the first */
	EXPECT(k, "LISTGROUP",
	       "211 5 1 5 demo.general list follows\r\n1\r\n2\r\n3\r\n4\r\n5\r\n.\r\n");
	EXPECT(k, "STAT", "223 1 " MSGID1 "\r\n");
	EXPECT(k, "LISTGROUP demo.empty", "211 0 1 0 demo.empty list follows\r\n.\r\n");
	conn_close(k);
}

static void test_article_by_number(void **state)
{
	struct conn *k = conn_open(0);
	EXPECT(k, "ARTICLE 1", "412 No newsgroup selected\r\n");
	EXPECT(k, "ARTICLE", "412 No newsgroup selected\r\n");
	EXPECT(k, "HEAD", "412 No newsgroup selected\r\n");
	EXPECT(k, "BODY 2", "412 No newsgroup selected\r\n");
	EXPECT(k, "STAT", "412 No newsgroup selected\r\n");
	EXPECT(k, "GROUP demo.general", "211 5 1 5 demo.general\r\n");

	char *head = xstrdup(say(k, "HEAD 2"));
	char *body = xstrdup(say(k, "BODY 2"));
	const char *art = say(k, "ARTICLE 2");
	assert_true(starts_with(head, "221 2 " MSGID2 "\r\nPath: "));
	assert_true(strstr(head, "\r\nMessage-ID: " MSGID2 "\r\n") != NULL);
	assert_true(strstr(head, "\r\nReferences: " MSGID1 "\r\n") != NULL);
	assert_true(ends_with(head, "\r\n.\r\n"));
	assert_null(strstr(head, "\r\n\r\n")); /* no empty line, no body */
	assert_true(starts_with(body, "222 2 " MSGID2 "\r\n"));
	assert_true(
		ends_with(body, "\r\nSuper, dann stelle ich mein Rad morgen dort ab.\r\n.\r\n"));
	/* ARTICLE = header + empty line + body */
	const char *h = strchr(head, '\n') + 1, *b = strchr(body, '\n') + 1;
	struct buf want = BUF_INIT;
	buf_adds(&want, "220 2 " MSGID2 "\r\n");
	buf_add(&want, h, strlen(h) - 3);
	buf_adds(&want, "\r\n");
	buf_adds(&want, b);
	assert_string_equal(art, want.p);
	buf_free(&want);
	free(head);
	free(body);

	EXPECT(k, "STAT", "223 2 " MSGID2 "\r\n"); /* ARTICLE n moved the pointer */
	EXPECT(k, "STAT 5", "223 5 " MSGID5 "\r\n");
	EXPECT(k, "STAT 6", "423 No article with that number\r\n");
	EXPECT(k, "ARTICLE 0", "423 No article with that number\r\n");
	EXPECT(k, "HEAD 999999999999", "423 No article with that number\r\n");
	EXPECT(k, "STAT", "223 5 " MSGID5 "\r\n"); /* 423 left it alone */
	EXPECT(k, "ARTICLE x", "501 Syntax error in article number\r\n");
	EXPECT(k, "ARTICLE 1-2", "501 Syntax error in article number\r\n");
	EXPECT(k, "ARTICLE -1", "501 Syntax error in article number\r\n");
	EXPECT(k, "ARTICLE 99999999999999999999", "501 Syntax error in article number\r\n");
	EXPECT(k, "ARTICLE 1 2", "501 Syntax: ARTICLE [message-id|number]\r\n");
	EXPECT(k, "GROUP demo.empty", "211 0 1 0 demo.empty\r\n");
	EXPECT(k, "ARTICLE", "420 Current article number is invalid\r\n");
	EXPECT(k, "HEAD", "420 Current article number is invalid\r\n");
	EXPECT(k, "BODY", "420 Current article number is invalid\r\n");
	EXPECT(k, "ARTICLE 1", "423 No article with that number\r\n");
	conn_close(k);
}

static void test_article_by_msgid(void **state)
{
	struct conn *k = conn_open(0);
	/* no group needed; number 0 */
	EXPECT(k, "STAT " MSGID3, "223 0 " MSGID3 "\r\n");
	const char *r = say(k, "ARTICLE " MSGID3);
	assert_true(starts_with(r, "220 0 " MSGID3 "\r\nPath: "));
	assert_true(ends_with(r, "\r\n.\r\n"));
	r = say(k, "HEAD " MSGID3);
	assert_true(starts_with(r, "221 0 " MSGID3 "\r\n"));
	r = say(k, "BODY " MSGID3);
	assert_true(starts_with(r, "222 0 " MSGID3 "\r\n"));
	EXPECT(k, "STAT <nobody@forumgate.example>", "430 No article with that message-id\r\n");
	EXPECT(k, "ARTICLE <nobody@forumgate.example>", "430 No article with that message-id\r\n");
	EXPECT(k, "ARTICLE <no-at-sign>", "501 Syntax error in message-id\r\n");
	EXPECT(k, "ARTICLE <a@b", "501 Syntax error in message-id\r\n");
	/* by message-id the current article does not move */
	EXPECT(k, "GROUP demo.general", "211 5 1 5 demo.general\r\n");
	EXPECT(k, "STAT 2", "223 2 " MSGID2 "\r\n");
	EXPECT(k, "STAT " MSGID4, "223 0 " MSGID4 "\r\n");
	EXPECT(k, "STAT", "223 2 " MSGID2 "\r\n");
	conn_close(k);
}

static void test_last_next(void **state)
{
	struct conn *k = conn_open(0);
	EXPECT(k, "NEXT", "412 No newsgroup selected\r\n");
	EXPECT(k, "LAST", "412 No newsgroup selected\r\n");
	EXPECT(k, "GROUP demo.empty", "211 0 1 0 demo.empty\r\n");
	EXPECT(k, "NEXT", "420 Current article number is invalid\r\n");
	EXPECT(k, "LAST", "420 Current article number is invalid\r\n");
	EXPECT(k, "GROUP demo.general", "211 5 1 5 demo.general\r\n");
	EXPECT(k, "LAST", "422 No previous article in this group\r\n");
	EXPECT(k, "STAT", "223 1 " MSGID1 "\r\n");
	EXPECT(k, "NEXT", "223 2 " MSGID2 "\r\n");
	EXPECT(k, "NEXT", "223 3 " MSGID3 "\r\n");
	EXPECT(k, "NEXT", "223 4 " MSGID4 "\r\n");
	EXPECT(k, "NEXT", "223 5 " MSGID5 "\r\n");
	EXPECT(k, "NEXT", "421 No next article in this group\r\n");
	EXPECT(k, "STAT", "223 5 " MSGID5 "\r\n");
	EXPECT(k, "LAST", "223 4 " MSGID4 "\r\n");
	EXPECT(k, "STAT", "223 4 " MSGID4 "\r\n");
	EXPECT(k, "NEXT 1", "501 Syntax: NEXT\r\n");
	conn_close(k);
}

/* --- OVER, HDR, XHDR, XPAT --- */

static void test_over(void **state)
{
	struct conn *k = conn_open(0);
	EXPECT(k, "OVER", "412 No newsgroup selected\r\n");
	EXPECT(k, "OVER 1-2", "412 No newsgroup selected\r\n");
	EXPECT(k, "GROUP demo.empty", "211 0 1 0 demo.empty\r\n");
	EXPECT(k, "OVER", "420 Current article number is invalid\r\n");
	EXPECT(k, "OVER 1-", "423 No articles in that range\r\n");
	EXPECT(k, "GROUP demo.general", "211 5 1 5 demo.general\r\n");

	/* :bytes count the Reply-To that demo.yaml's mail.reply_to adds */
	const char *line1 =
		"1\tFahrradparken am Hauptbahnhof\tAnna <anna@users.forumgate.example>\t"
		"Mon, 13 May 2024 07:45:00 +0200\t" MSGID1
		"\t\t840\t8\tXref: forumgate.example demo.general:1\r\n";
	const char *line2 = "2\tRe: Fahrradparken am Hauptbahnhof\t\"Pendlerin (guest)\" "
			    "<guest@forumgate.example>\tMon, 13 May 2024 09:20:00 +0200\t" MSGID2
			    "\t" MSGID1 "\t875\t4\tXref: forumgate.example demo.general:2\r\n";
	struct buf want = BUF_INIT;
	buf_addf(&want, "224 Overview information follows\r\n%s.\r\n", line1);
	EXPECT(k, "OVER", want.p);
	buf_reset(&want);
	buf_addf(&want, "224 Overview information follows\r\n%s%s.\r\n", line1, line2);
	EXPECT(k, "OVER 1-2", want.p);
	EXPECT(k, "XOVER 1-2", want.p);
	EXPECT(k, "xover\t1-2", want.p);
	buf_reset(&want);
	buf_addf(&want, "224 Overview information follows\r\n0%s.\r\n", strchr(line2, '\t'));
	EXPECT(k, "OVER " MSGID2, want.p); /* by message-id: number 0 */
	buf_free(&want);

	const char *r = say(k, "OVER 4-");
	assert_true(starts_with(r, "224 Overview information follows\r\n4\t"));
	assert_non_null(strstr(r, "\r\n5\t"));
	assert_null(strstr(r, "\r\n6\t"));
	EXPECT(k, "OVER 6-", "423 No articles in that range\r\n");
	EXPECT(k, "OVER 3-1", "423 No articles in that range\r\n");
	EXPECT(k, "OVER <nobody@forumgate.example>", "430 No article with that message-id\r\n");
	EXPECT(k, "OVER <nobody>", "501 Syntax error in message-id\r\n");
	EXPECT(k, "OVER x-", "501 Syntax error in range\r\n");
	conn_close(k);
}

static void test_hdr(void **state)
{
	struct conn *k = conn_open(0);
	EXPECT(k, "HDR Subject", "412 No newsgroup selected\r\n");
	EXPECT(k, "HDR Subject 1-", "412 No newsgroup selected\r\n");
	EXPECT(k, "HDR Subject " MSGID2,
	       "225 Headers follow\r\n0 Re: Fahrradparken am Hauptbahnhof\r\n.\r\n");
	EXPECT(k, "HDR", "501 Syntax: HDR header [message-id|range]\r\n");
	EXPECT(k, "GROUP demo.general", "211 5 1 5 demo.general\r\n");
	EXPECT(k, "HDR Subject", "225 Headers follow\r\n1 Fahrradparken am Hauptbahnhof\r\n.\r\n");
	EXPECT(k, "HDR subject 1-2",
	       "225 Headers follow\r\n1 Fahrradparken am Hauptbahnhof\r\n"
	       "2 Re: Fahrradparken am Hauptbahnhof\r\n.\r\n");
	EXPECT(k, "XHDR Subject 1-2",
	       "221 Headers follow\r\n1 Fahrradparken am Hauptbahnhof\r\n"
	       "2 Re: Fahrradparken am Hauptbahnhof\r\n.\r\n");
	EXPECT(k, "HDR Message-ID 1-2",
	       "225 Headers follow\r\n1 " MSGID1 "\r\n2 " MSGID2 "\r\n.\r\n");
	EXPECT(k, "HDR References 1-2", "225 Headers follow\r\n1 \r\n2 " MSGID1 "\r\n.\r\n");
	EXPECT(k, "HDR :lines 1-2", "225 Headers follow\r\n1 8\r\n2 4\r\n.\r\n");
	EXPECT(k, "XHDR Lines 1-2", "221 Headers follow\r\n1 8\r\n2 4\r\n.\r\n");
	EXPECT(k, "HDR :bytes 2", "225 Headers follow\r\n2 875\r\n.\r\n");
	EXPECT(k, "HDR Xref 2",
	       "225 Headers follow\r\n2 forumgate.example demo.general:2\r\n.\r\n");
	/* headers outside the overview are read from the article */
	EXPECT(k, "HDR Path 1-2",
	       "225 Headers follow\r\n1 forumgate.example!not-for-mail\r\n"
	       "2 forumgate.example!not-for-mail\r\n.\r\n");
	EXPECT(k, "XHDR Newsgroups " MSGID5, "221 Headers follow\r\n0 demo.general\r\n.\r\n");
	EXPECT(k, "HDR X-Not-There 1-2", "225 Headers follow\r\n1 \r\n2 \r\n.\r\n");
	EXPECT(k, "HDR Subject 6-", "423 No articles in that range\r\n");
	EXPECT(k, "HDR Subject <nobody@forumgate.example>",
	       "430 No article with that message-id\r\n");
	EXPECT(k, "HDR Subject 1-x", "501 Syntax error in range\r\n");
	conn_close(k);
}

static void test_xpat(void **state)
{
	struct conn *k = conn_open(0);
	EXPECT(k, "XPAT Subject 1- *", "412 No newsgroup selected\r\n");
	EXPECT(k, "XPAT Subject 1-", "501 Syntax: XPAT header message-id|range pattern...\r\n");
	EXPECT(k, "GROUP demo.general", "211 5 1 5 demo.general\r\n");
	EXPECT(k, "XPAT Subject 1- Re:*",
	       "221 Headers follow\r\n2 Re: Fahrradparken am Hauptbahnhof\r\n"
	       "4 Re: =?UTF-8?Q?Stra=C3=9Fenbahn?= in =?UTF-8?B?WsO8cmljaCDigJQ=?= Erfahrungen?\r\n"
	       "5 Re: =?UTF-8?Q?Stra=C3=9Fenbahn?= in =?UTF-8?B?WsO8cmljaCDigJQ=?= Erfahrungen?\r\n"
	       ".\r\n");
	/* several patterns: any may match */
	EXPECT(k, "XPAT From 1-5 Anna* Vreni*",
	       "221 Headers follow\r\n1 Anna <anna@users.forumgate.example>\r\n"
	       "4 Vreni <vreni@users.forumgate.example>\r\n.\r\n");
	EXPECT(k, "XPAT Path 1-5 *!not-for-mail",
	       "221 Headers follow\r\n1 forumgate.example!not-for-mail\r\n"
	       "2 forumgate.example!not-for-mail\r\n3 forumgate.example!not-for-mail\r\n"
	       "4 forumgate.example!not-for-mail\r\n5 forumgate.example!not-for-mail\r\n.\r\n");
	/* no match is an empty list, not an error */
	EXPECT(k, "XPAT Subject 1- *nothing*", "221 Headers follow\r\n.\r\n");
	EXPECT(k, "XPAT Subject " MSGID1 " Fahrrad*",
	       "221 Headers follow\r\n0 Fahrradparken am Hauptbahnhof\r\n.\r\n");
	conn_close(k);
}

/* --- LIST, NEWGROUPS, NEWNEWS --- */

static void test_list(void **state)
{
	struct conn *k = conn_open(0);
	const char *active = "215 Information follows\r\n"
			     "demo.announce 3 1 n\r\n"
			     "demo.empty 0 1 y\r\n"
			     "demo.general 5 1 y\r\n"
			     "demo.news 3 1 y\r\n"
			     ".\r\n";
	EXPECT(k, "LIST", active);
	EXPECT(k, "LIST ACTIVE", active);
	EXPECT(k, "list active *", active);
	EXPECT(k, "LIST ACTIVE demo.n*", "215 Information follows\r\ndemo.news 3 1 y\r\n.\r\n");
	EXPECT(k, "LIST\tACTIVE \t demo.*,!demo.general,!*.e*",
	       "215 Information follows\r\ndemo.announce 3 1 n\r\ndemo.news 3 1 y\r\n.\r\n");
	EXPECT(k, "LIST ACTIVE nothing.*", "215 Information follows\r\n.\r\n");
	EXPECT(k, "LIST NEWSGROUPS",
	       "215 Information follows\r\n"
	       "demo.announce\tAnnouncements from the forum team (read-only)\r\n"
	       "demo.empty\tNothing here yet\r\n"
	       "demo.general\tGeneral talk about the demo forum\r\n"
	       "demo.news\tNews items and discussion\r\n.\r\n");
	EXPECT(k, "LIST NEWSGROUPS *.news",
	       "215 Information follows\r\ndemo.news\tNews items and discussion\r\n.\r\n");
	EXPECT(k, "LIST COUNTS demo.[eg]*",
	       "215 Information follows\r\ndemo.empty 0 1 0 y\r\ndemo.general 5 1 5 y\r\n.\r\n");
	EXPECT(k, "LIST OVERVIEW.FMT",
	       "215 Order of fields in overview database\r\n"
	       "Subject:\r\nFrom:\r\nDate:\r\nMessage-ID:\r\nReferences:\r\n"
	       ":bytes\r\n:lines\r\nXref:full\r\n.\r\n");
	EXPECT(k, "LIST OVERVIEW.FMT x", "501 LIST OVERVIEW.FMT takes no argument\r\n");
	const char *headers =
		"215 Headers and metadata items supported\r\n:\r\n:bytes\r\n:lines\r\n.\r\n";
	EXPECT(k, "LIST HEADERS", headers);
	EXPECT(k, "LIST HEADERS MSGID", headers);
	EXPECT(k, "LIST HEADERS range", headers);
	EXPECT(k, "LIST HEADERS x", "501 LIST HEADERS [MSGID|RANGE]\r\n");
	EXPECT(k, "LIST SUBSCRIPTIONS",
	       "215 Recommended subscriptions follow\r\n"
	       "demo.announce\r\ndemo.empty\r\ndemo.general\r\ndemo.news\r\n.\r\n");
	EXPECT(k, "LIST SUBSCRIPTIONS *.g*",
	       "215 Recommended subscriptions follow\r\ndemo.general\r\n.\r\n");
	EXPECT(k, "LIST DISTRIB.PATS", "215 Distribution patterns follow\r\n.\r\n");
	EXPECT(k, "LIST MOTD", "501 Unknown LIST keyword\r\n");
	EXPECT(k, "LIST ACTIVE a b",
	       "501 Syntax: LIST [ACTIVE|ACTIVE.TIMES|COUNTS|DISTRIB.PATS|"
	       "HEADERS|NEWSGROUPS|OVERVIEW.FMT|SUBSCRIPTIONS] [wildmat]\r\n");

	/* ACTIVE.TIMES: name, creation time (now-ish), creator */
	const char *r = say(k, "LIST ACTIVE.TIMES demo.general");
	long long created = 0;
	char creator[32] = "";
	assert_int_equal(sscanf(r, "215 Information follows\r\ndemo.general %lld %31s\r\n.\r\n",
				&created, creator),
			 2);
	assert_string_equal(creator, "forumgate");
	assert_true(llabs(created - (long long)time(NULL)) < 3600);
	assert_true(ends_with(r, " forumgate\r\n.\r\n"));
	conn_close(k);
}

static void test_newgroups_newnews(void **state)
{
	struct conn *k = conn_open(0);
	const char *all = "231 List of new newsgroups follows\r\n"
			  "demo.announce 3 1 n\r\n"
			  "demo.empty 0 1 y\r\n"
			  "demo.general 5 1 y\r\n"
			  "demo.news 3 1 y\r\n"
			  ".\r\n";
	EXPECT(k, "NEWGROUPS 20000101 000000 GMT", all);
	EXPECT(k, "NEWGROUPS 20000101 000000", all);
	EXPECT(k, "NEWGROUPS 000101 000000", all);
	EXPECT(k, "NEWGROUPS 991231 235959", all); /* 1999 */
	EXPECT(k, "NEWGROUPS 29991231 000000", "231 List of new newsgroups follows\r\n.\r\n");
	EXPECT(k, "NEWGROUPS 20000101 000000 UTC", "501 Expected GMT\r\n");
	EXPECT(k, "NEWGROUPS 20001301 000000", "501 Syntax error in date or time\r\n");
	EXPECT(k, "NEWGROUPS 2000011 000000", "501 Syntax error in date or time\r\n");
	EXPECT(k, "NEWGROUPS 20000101", "501 Syntax: NEWGROUPS [yy]yymmdd hhmmss [GMT]\r\n");

	const char *r = say(k, "NEWNEWS demo.general 20000101 000000 GMT");
	assert_true(starts_with(r, "230 List of new articles follows\r\n"));
	assert_true(ends_with(r, "\r\n.\r\n"));
	const char *ids[] = {MSGID1, MSGID2, MSGID3, MSGID4, MSGID5};
	for (int i = 0; i < 5; i++) {
		char *line = xasprintf("\r\n%s\r\n", ids[i]);
		assert_non_null(strstr(r, line));
		free(line);
	}
	size_t lines = 0;
	for (const char *p = r; (p = strstr(p, "\r\n")) != NULL; p += 2)
		lines++;
	assert_int_equal(lines, 7); /* status, 5 ids, "." */
	EXPECT(k, "NEWNEWS demo.general 29991231 000000 GMT",
	       "230 List of new articles follows\r\n.\r\n");
	EXPECT(k, "NEWNEWS nothing.* 20000101 000000", "230 List of new articles follows\r\n.\r\n");
	EXPECT(k, "NEWNEWS * 2000xx01 000000", "501 Syntax error in date or time\r\n");
	EXPECT(k, "NEWNEWS * 20000101 000000 EST", "501 Expected GMT\r\n");
	conn_close(k);
}

/* --- DATE, HELP, QUIT --- */

static void test_date_help(void **state)
{
	struct conn *k = conn_open(0);
	const char *r = say(k, "DATE");
	assert_int_equal(strlen(r), 4 + 14 + 2);
	assert_true(starts_with(r, "111 "));
	assert_int_equal(strspn(r + 4, "0123456789"), 14);
	time_t now = time(NULL);
	struct tm tm;
	char year[8];
	gmtime_r(&now, &tm);
	strftime(year, sizeof year, "%Y", &tm);
	assert_true(starts_with(r + 4, year));
	EXPECT(k, "DATE now", "501 Syntax: DATE\r\n");

	r = say(k, "HELP");
	assert_true(starts_with(r, "100 Help text follows\r\n  ARTICLE [message-id|number]\r\n"));
	assert_non_null(strstr(r, "\r\n  GROUP newsgroup\r\n"));
	assert_non_null(strstr(r, "\r\n  XOVER [range]\r\n"));
	assert_true(ends_with(r, "\r\n.\r\n"));
	conn_close(k);
}

static void test_quit(void **state)
{
	struct conn *k = conn_open(0);
	assert_string_equal(send_raw(k, "QUIT\r\nDATE\r\n", 12), "205 Bye\r\n");
	assert_int_equal(k->ev, NNTP_EV_QUIT);
	assert_int_equal(evbuffer_get_length(k->in), 6); /* DATE is not read */
	/* a closed session answers nothing and keeps saying QUIT */
	assert_string_equal(send_raw(k, "", 0), "");
	assert_int_equal(k->ev, NNTP_EV_QUIT);
	conn_close(k);
}

/* --- STARTTLS and AUTHINFO --- */

static void test_starttls(void **state)
{
	struct conn *k = conn_open(0);
	EXPECT(k, "STARTTLS", "580 TLS is not configured here\r\n");
	assert_int_equal(k->ev, NNTP_EV_NONE);
	conn_close(k);

	k = conn_open(C_TLS_AVAILABLE);
	/* the session stops right after 382: the rest is for after the handshake */
	assert_string_equal(send_raw(k, "STARTTLS\r\nDATE\r\n", 16),
			    "382 Continue with TLS negotiation\r\n");
	assert_int_equal(k->ev, NNTP_EV_STARTTLS);
	assert_int_equal(evbuffer_get_length(k->in), 6);
	evbuffer_drain(k->in, 6);
	nntp_session_set_tls(k->s);
	EXPECT(k, "STARTTLS", "502 Already using TLS\r\n");
	assert_int_equal(k->ev, NNTP_EV_NONE);
	EXPECT(k, "CAPABILITIES", CAPS_HEAD "POST\r\nCOMPRESS DEFLATE\r\nAUTHINFO USER\r\n.\r\n");
	conn_close(k);

	/* NNTPS from the start */
	k = conn_open(C_TLS_AVAILABLE | C_TLS_ACTIVE);
	EXPECT(k, "STARTTLS", "502 Already using TLS\r\n");
	conn_close(k);

	/* no STARTTLS after a (loopback plaintext) login */
	k = conn_open_cfg(W.cfg_plain, C_LOOPBACK | C_TLS_AVAILABLE, NULL);
	login(k);
	EXPECT(k, "STARTTLS", "502 STARTTLS not allowed after login\r\n");
	conn_close(k);
}

/*
 * Regression (RFC 4642 §2.2.2): "Upon completion of the TLS handshake, the
 * NNTP protocol is reset to the initial state ... and the server MUST discard
 * any knowledge obtained from the client, such as the current newsgroup and
 * article number". nntp_session_set_tls() once only set s->tls: the group
 * chosen before STARTTLS stayed selected (STAT answered 223, not 412) and a
 * pending AUTHINFO USER survived the handshake.
 */
static void test_starttls_resets_state(void **state)
{
	struct conn *k = conn_open_cfg(W.cfg_plain, C_LOOPBACK | C_TLS_AVAILABLE, NULL);
	EXPECT(k, "GROUP demo.general", "211 5 1 5 demo.general\r\n");
	EXPECT(k, "AUTHINFO USER alice", "381 Password required\r\n");
	EXPECT(k, "STARTTLS", "382 Continue with TLS negotiation\r\n");
	nntp_session_set_tls(k->s);
	EXPECT(k, "STAT", "412 No newsgroup selected\r\n");
	EXPECT(k, "AUTHINFO PASS secret", "482 Authentication commands issued out of sequence\r\n");
	conn_close(k);
}

/* Regression (issue #11) for the 483 texts: they said "the NNTPS port"
 * without naming it, which a Thunderbird user (no STARTTLS for news) saw
 * only after typing the password. */
static void test_authinfo(void **state)
{
	/* plain text, not loopback (or loopback without the option): refused */
	struct conn *k = conn_open(C_TLS_AVAILABLE);
	EXPECT(k, "AUTHINFO USER alice",
	       "483 Encryption required: use STARTTLS or NNTPS on port 1563 first\r\n");
	EXPECT(k, "AUTHINFO PASS secret",
	       "483 Encryption required: use STARTTLS or NNTPS on port 1563 first\r\n");
	conn_close(k);
	k = conn_open(C_LOOPBACK);
	EXPECT(k, "AUTHINFO USER alice",
	       "483 Encryption required: use NNTPS on port 1563 first\r\n");
	conn_close(k);
	k = conn_open_cfg(W.cfg_nonntps, C_TLS_AVAILABLE, NULL);
	EXPECT(k, "AUTHINFO USER alice", "483 Encryption required: use STARTTLS first\r\n");
	conn_close(k);
	k = conn_open_cfg(W.cfg_nonntps, 0, NULL);
	EXPECT(k, "AUTHINFO USER alice",
	       "483 Encryption required: this server has no TLS listener for logins\r\n");
	conn_close(k);

	k = conn_open_cfg(W.cfg, C_TLS_ACTIVE, "192.0.2.21");
	EXPECT(k, "AUTHINFO PASS secret", "482 Authentication commands issued out of sequence\r\n");
	EXPECT(k, "AUTHINFO USER", "501 Syntax: AUTHINFO USER name|PASS password\r\n");
	EXPECT(k, "AUTHINFO SASL PLAIN", "501 AUTHINFO USER or PASS\r\n");
	EXPECT(k, "AUTHINFO USER alice", "381 Password required\r\n");
	EXPECT(k, "AUTHINFO PASS wrong", "481 Authentication failed\r\n");
	/* the failed PASS used up the USER */
	EXPECT(k, "AUTHINFO PASS secret", "482 Authentication commands issued out of sequence\r\n");
	EXPECT(k, "AUTHINFO USER mallory", "381 Password required\r\n");
	EXPECT(k, "AUTHINFO PASS secret", "481 Authentication failed\r\n");
	EXPECT(k, "authinfo user ALICE", "381 Password required\r\n"); /* names are caseless */
	EXPECT(k, "authinfo pass secret", "281 Authentication accepted\r\n");
	EXPECT(k, "AUTHINFO USER alice", "502 Already authenticated\r\n");
	conn_close(k);

	/* loopback with allow_plaintext_auth */
	k = conn_open_cfg(W.cfg_plain, C_LOOPBACK, NULL);
	login(k);
	conn_close(k);
}

static void test_authinfo_limiter(void **state)
{
	/* guesses at another name: the address is blocked, not alice */
	struct conn *k = conn_open_cfg(W.cfg, C_TLS_ACTIVE, "192.0.2.77");
	for (int i = 0; i < 6; i++) {
		EXPECT(k, "AUTHINFO USER guessed", "381 Password required\r\n");
		const char *r = say(k, "AUTHINFO PASS wrong");
		assert_true(starts_with(r, "481 "));
	}
	/* blocked now, even with the right password */
	EXPECT(k, "AUTHINFO USER alice", "381 Password required\r\n");
	EXPECT(k, "AUTHINFO PASS secret", "481 Too many failed attempts, try again later\r\n");
	conn_close(k);
	/* other addresses are not affected */
	k = conn_open_cfg(W.cfg, C_TLS_ACTIVE, "192.0.2.78");
	login(k);
	conn_close(k);
}

/*
 * Regression (issue #10, item 10): failures were limited per address only,
 * so a botnet could guess one account's password from many addresses. Now 5
 * failures for one account, from any addresses, lock it for
 * nntp.account_lockout seconds: the right password is refused meanwhile and
 * works again afterwards. Unknown names lock the same way (no oracle).
 */
static void test_authinfo_account_lockout(void **state)
{
	char peer[5][32];
	for (int i = 0; i < 5; i++) {
		snprintf(peer[i], sizeof peer[i], "192.0.2.%d", 100 + i);
		struct conn *k = conn_open_cfg(W.cfg_lock, C_TLS_ACTIVE, peer[i]);
		EXPECT(k, i % 2 ? "AUTHINFO USER alice" : "AUTHINFO USER ALICE",
		       "381 Password required\r\n");
		EXPECT(k, "AUTHINFO PASS wrong", "481 Authentication failed\r\n");
		EXPECT(k, "AUTHINFO USER nobody", "381 Password required\r\n");
		EXPECT(k, "AUTHINFO PASS wrong", "481 Authentication failed\r\n");
		conn_close(k);
	}
	struct conn *k = conn_open_cfg(W.cfg_lock, C_TLS_ACTIVE, "192.0.2.110");
	EXPECT(k, "AUTHINFO USER alice", "381 Password required\r\n");
	EXPECT(k, "AUTHINFO PASS secret",
	       "481 Too many failed attempts for this account, try again later\r\n");
	EXPECT(k, "AUTHINFO USER nobody", "381 Password required\r\n");
	EXPECT(k, "AUTHINFO PASS wrong",
	       "481 Too many failed attempts for this account, try again later\r\n");
	conn_close(k);
	sleep(6); /* the lockout is over */
	k = conn_open_cfg(W.cfg_lock, C_TLS_ACTIVE, "192.0.2.111");
	EXPECT(k, "AUTHINFO USER alice", "381 Password required\r\n");
	EXPECT(k, "AUTHINFO PASS secret", "281 Authentication accepted\r\n");
	conn_close(k);
}

/* --- POST --- */

/* Number of outbox rows with this Message-ID, read with plain SQLite. */
static int outbox_count(const char *msgid, char **article)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int n = -1;
	if (sqlite3_open_v2(W.path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db,
			       "SELECT count(*), max(article), max(source), max(user) FROM outbox "
			       "WHERE message_id = ?",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, msgid, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			n = sqlite3_column_int(st, 0);
			if (article)
				*article = n ? xstrdup((const char *)sqlite3_column_text(st, 1))
					     : NULL;
			if (n) {
				assert_string_equal(sqlite3_column_text(st, 2), "nntp");
				assert_string_equal(sqlite3_column_text(st, 3), "alice");
			}
		}
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return n;
}

static struct conn *poster(const struct cfg *c)
{
	struct conn *k = conn_open_cfg(c, C_TLS_ACTIVE, "192.0.2.30");
	login(k);
	return k;
}

/* POSTs an article given with \n line ends; returns the final reply. */
static const char *post(struct conn *k, const char *article)
{
	EXPECT(k, "POST", "340 Send article to be posted, end with <CR-LF>.<CR-LF>\r\n");
	struct buf b = BUF_INIT;
	for (const char *p = article; *p; p++) {
		if (*p == '\n')
			buf_addc(&b, '\r');
		buf_addc(&b, *p);
	}
	buf_adds(&b, ".\r\n");
	const char *r = send_raw(k, b.p, b.len);
	buf_free(&b);
	return r;
}

static void test_post_needs_login(void **state)
{
	struct conn *k = conn_open(C_TLS_ACTIVE);
	EXPECT(k, "POST", "480 Login required for posting (AUTHINFO USER)\r\n");
	/* the article that follows is read as commands, harmlessly */
	EXPECT(k, "Subject: x", "500 Unknown command\r\n");
	EXPECT(k, "POST now", "501 Syntax: POST\r\n");
	conn_close(k);
}

static void test_post_accepted(void **state)
{
	struct conn *k = poster(W.cfg);
	int calls = W.writer_calls;
	assert_string_equal(post(k, "From: Alice <alice@example.org>\n"
				    "Newsgroups: demo.general\n"
				    "Subject: A new thread from NNTP\n"
				    "Message-ID: <nntp-test-1@example.org>\n"
				    "\n"
				    "Hello forum.\n"
				    "..a line that starts with a dot\n"),
			    "240 Article received <nntp-test-1@example.org>\r\n");
	assert_int_equal(W.writer_calls, calls + 1);
	char *article = NULL;
	assert_int_equal(outbox_count("<nntp-test-1@example.org>", &article), 1);
	assert_non_null(article);
	/* stored as received, CRLF, dot-stuffing undone */
	assert_non_null(
		strstr(article, "\r\n\r\nHello forum.\r\n.a line that starts with a dot\r\n"));
	free(article);

	/* a follow-up: References name an article of ours */
	assert_string_equal(post(k, "From: Alice <alice@example.org>\n"
				    "Newsgroups: demo.general\n"
				    "Subject: Re: Fahrradparken am Hauptbahnhof\n"
				    "Message-ID: <nntp-test-2@example.org>\n"
				    "References: " MSGID1 " " MSGID2 "\n"
				    "\n"
				    "Danke!\n"),
			    "240 Article received <nntp-test-2@example.org>\r\n");
	assert_int_equal(outbox_count("<nntp-test-2@example.org>", NULL), 1);

	/* without a Message-ID the server makes one */
	const char *r = post(k, "From: Alice <alice@example.org>\n"
				"Newsgroups: demo.news\n"
				"Subject: Generated id\n"
				"\n"
				"Body.\n");
	assert_true(starts_with(r, "240 Article received <fg-"));
	assert_true(ends_with(r, "@forumgate.example>\r\n"));
	char *id = xstrndup(r + strlen("240 Article received "),
			    strlen(r) - strlen("240 Article received ") - 2);
	assert_int_equal(outbox_count(id, NULL), 1);
	free(id);

	/* the session goes on with pipelined commands after the article */
	EXPECT(k, "POST", "340 Send article to be posted, end with <CR-LF>.<CR-LF>\r\n");
	const char *rest =
		"From: a@example.org\r\nNewsgroups: demo.general\r\nSubject: x\r\n"
		"Message-ID: <nntp-test-3@example.org>\r\n\r\nbody\r\n.\r\nGROUP demo.news\r\n";
	assert_string_equal(send_raw(k, rest, strlen(rest)),
			    "240 Article received <nntp-test-3@example.org>\r\n"
			    "211 3 1 3 demo.news\r\n");

	/* the same Message-ID again: it is queued already */
	assert_string_equal(post(k, "From: Alice <alice@example.org>\n"
				    "Newsgroups: demo.general\n"
				    "Subject: again\n"
				    "Message-ID: <nntp-test-1@example.org>\n"
				    "\n"
				    "x\n"),
			    "441 an article with Message-ID <nntp-test-1@example.org> is already "
			    "queued\r\n");
	assert_int_equal(outbox_count("<nntp-test-1@example.org>", NULL), 1);
	conn_close(k);
}

static void test_post_refused(void **state)
{
	struct conn *k = poster(W.cfg);
	int calls = W.writer_calls;
	assert_string_equal(
		post(k, "From: a@example.org\nNewsgroups: demo.announce\nSubject: x\n"
			"Message-ID: <nntp-ro@example.org>\n\nbody\n"),
		"441 newsgroup demo.announce is read-only: the forum does not take replies there\r\n");
	assert_string_equal(
		post(k, "From: a@example.org\nNewsgroups: no.such\nSubject: x\n\nbody\n"),
		"441 no such newsgroup here: no.such\r\n");
	assert_string_equal(
		post(k, "From: a@example.org\nNewsgroups: demo.general\nSubject: Re: x\n\nbody\n"),
		"441 a reply (Subject \"Re: ...\") needs a References header; use your newsreader's "
		"follow-up command so it lands in the right thread\r\n");
	assert_string_equal(
		post(k, "From: a@example.org\nNewsgroups: demo.general\nSubject: Re: x\n"
			"References: <unknown@example.org>\n\nbody\n"),
		"441 none of the References is an article of this server, so the thread "
		"it answers is unknown; to start a new thread, send it without "
		"In-Reply-To and References\r\n");
	assert_string_equal(post(k, "Newsgroups: demo.general\nSubject: x\n\nbody\n"),
			    "441 the article has no From header\r\n");
	assert_string_equal(post(k, "From: a@example.org\nSubject: x\n\nbody\n"),
			    "441 the article has no Newsgroups header\r\n");
	assert_string_equal(post(k, "From: a@example.org\nNewsgroups: demo.general\n\nbody\n"),
			    "441 the article has no Subject header\r\n");
	assert_string_equal(post(k, "From: a@example.org\nNewsgroups: demo.general\nSubject: x\n\n"
				    " \n"),
			    "441 the message has an empty body\r\n");
	assert_string_equal(post(k, "From: a@example.org\nNewsgroups: demo.general\nSubject: x\n"),
			    "441 the article has no empty line between header and body\r\n");
	assert_string_equal(post(k, "From a@example.org\nNewsgroups: demo.general\n\nbody\n"),
			    "441 header line 1 is not \"Name: value\"\r\n");
	assert_string_equal(post(k, "From: a@example.org\nNewsgroups: demo.general\nSubject: x\n"
				    "Message-ID: not-an-id\n\nbody\n"),
			    "441 the Message-ID header is not a valid <id@domain>\r\n");
	/* an article that exists already */
	assert_string_equal(post(k, "From: a@example.org\nNewsgroups: demo.general\nSubject: x\n"
				    "Message-ID: " MSGID1 "\n\nbody\n"),
			    "441 an article with Message-ID " MSGID1 " exists already\r\n");
	assert_string_equal(post(k, ""),
			    "441 the article has no empty line between header and body\r\n");
	assert_int_equal(W.writer_calls, calls); /* nothing reached the writer */
	assert_int_equal(outbox_count("<nntp-ro@example.org>", NULL), 0);
	conn_close(k);
}

/*
 * Regression (post.c, nntp_post_finish): when the first group of Newsgroups
 * was fine but a later one did not exist or was read-only, the copy of the
 * first group name was not freed before the refusal, so every such POST
 * leaked a few bytes. The replies were right; the leak is caught with
 * LeakSanitizer right after (only in ASan builds).
 */
static void test_post_crosspost_refused_no_leak(void **state)
{
	struct conn *k = poster(W.cfg);
	assert_string_equal(post(k, "From: a@example.org\nNewsgroups: demo.general,no.such\n"
				    "Subject: x\n\nbody\n"),
			    "441 no such newsgroup here: no.such\r\n");
	assert_string_equal(
		post(k,
		     "From: a@example.org\nNewsgroups: demo.news demo.announce\nSubject: x\n\nbody\n"),
		"441 newsgroup demo.announce is read-only: the forum does not take replies there\r\n");
	conn_close(k);
#if FG_HAVE_LSAN
	assert_int_equal(__lsan_do_recoverable_leak_check(), 0);
#endif
}

static void test_post_too_large(void **state)
{
	struct conn *k = poster(W.cfg_small);
	struct buf a = BUF_INIT;
	buf_adds(&a, "From: a@example.org\nNewsgroups: demo.general\nSubject: big\n"
		     "Message-ID: <nntp-big@example.org>\n\n");
	for (int i = 0; i < 40; i++)
		buf_adds(&a, "0123456789012345678901234567890123456789\n");
	assert_string_equal(post(k, a.p),
			    "441 Article too large: the limit here is 1024 bytes\r\n");
	buf_free(&a);
	assert_int_equal(outbox_count("<nntp-big@example.org>", NULL), 0);
	/* the next article is judged afresh */
	assert_string_equal(post(k,
				 "From: a@example.org\nNewsgroups: demo.general\nSubject: small\n"
				 "Message-ID: <nntp-small@example.org>\n\nbody\n"),
			    "240 Article received <nntp-small@example.org>\r\n");
	conn_close(k);
}

/*
 * Regression (session.c, nntp_session_feed): inside POST, a line with no end
 * in sight after 1 MiB is drained and the rest of it skipped; post_too_big
 * was not set, so the article was queued without that line (the body
 * "start" + 1.5 MiB line + "end" became "start\r\nend\r\n" and got 240).
 * The server may refuse (441); it must not post a different article.
 */
static void test_post_overlong_line(void **state)
{
	struct conn *k = poster(W.cfg);
	EXPECT(k, "POST", "340 Send article to be posted, end with <CR-LF>.<CR-LF>\r\n");
	const char *head =
		"From: a@example.org\r\nNewsgroups: demo.general\r\nSubject: long line\r\n"
		"Message-ID: <nntp-longline@example.org>\r\n\r\nstart\r\n";
	assert_string_equal(send_raw(k, head, strlen(head)), "");
	size_t n = (1u << 20) + (1u << 19);
	char *big = xmalloc(n);
	memset(big, 'x', n);
	assert_string_equal(send_raw(k, big, n), "");
	free(big);
	const char *r = send_raw(k, "xx\r\nend\r\n.\r\n", 12);
	assert_true(starts_with(r, "441 "));
	assert_int_equal(outbox_count("<nntp-longline@example.org>", NULL), 0);
	conn_close(k);
}

/* The Subject an outbox row was queued with (malloc'd), read with SQLite. */
static char *outbox_subject(const char *msgid)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char *subject = NULL;
	if (sqlite3_open_v2(W.path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return NULL;
	if (sqlite3_prepare_v2(db, "SELECT subject FROM outbox WHERE message_id = ?", -1, &st,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, msgid, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
			subject = xstrdup((const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return subject;
}

/*
 * Issue #10 item 3: a Message-ID of the form sync gives forum posts
 * (<p123.t12.demo@gateway-domain>, edits <p121.v3.t12...>) is refused, so
 * nobody can take the id of a post before sync stores it. Before, the POST
 * was queued (240) under that id.
 */
static void test_post_our_namespace_refused(void **state)
{
	struct conn *k = poster(W.cfg);
	static const char *const ours[] = {
		"<p123.t12.demo@forumgate.example>",
		"<p121.v3.t12.demo@forumgate.example>",
		"<p5.t1.demo.c1@FORUMGATE.example>",
		"<h0123456789abcdef0123456789abcdef01234567@forumgate.example>",
	};
	for (size_t i = 0; i < sizeof ours / sizeof *ours; i++) {
		char *a = xasprintf(
			"From: a@example.org\nNewsgroups: demo.general\nSubject: squat\n"
			"Message-ID: %s\n\nbody\n",
			ours[i]);
		char *want = xasprintf(
			"441 the Message-ID %s has the form of this gateway's own "
			"ids for forum posts; send it without one, or under an id of "
			"your own\r\n",
			ours[i]);
		assert_string_equal(post(k, a), want);
		assert_int_equal(outbox_count(ours[i], NULL), 0);
		free(a);
		free(want);
	}
	/* an id a client makes at the gateway's domain is fine */
	assert_string_equal(post(k, "From: a@example.org\nNewsgroups: demo.general\nSubject: ok\n"
				    "Message-ID: <87abc.fsf@forumgate.example>\n\nbody\n"),
			    "240 Article received <87abc.fsf@forumgate.example>\r\n");
	conn_close(k);
}

/*
 * Lower item of issue #10: an article holding a NUL was queued (240) and
 * cut at the NUL further on. It is refused on the bytes received, in the
 * body as in a header.
 */
static void test_post_nul_refused(void **state)
{
	struct conn *k = poster(W.cfg);
	static const char body_nul[] = "From: a@example.org\r\nNewsgroups: demo.general\r\n"
				       "Subject: nul\r\nMessage-ID: <nntp-nul1@example.org>\r\n\r\n"
				       "before\0after\r\n.\r\n";
	static const char head_nul[] =
		"From: a@example.org\r\nNewsgroups: demo.general\r\n"
		"Subject: n\0ul\r\nMessage-ID: <nntp-nul2@example.org>\r\n\r\n"
		"body\r\n.\r\n";
	const char *want = "441 the article contains a NUL byte, which no header or text may "
			   "hold\r\n";
	EXPECT(k, "POST", "340 Send article to be posted, end with <CR-LF>.<CR-LF>\r\n");
	assert_string_equal(send_raw(k, body_nul, sizeof body_nul - 1), want);
	EXPECT(k, "POST", "340 Send article to be posted, end with <CR-LF>.<CR-LF>\r\n");
	assert_string_equal(send_raw(k, head_nul, sizeof head_nul - 1), want);
	assert_int_equal(outbox_count("<nntp-nul1@example.org>", NULL), 0);
	assert_int_equal(outbox_count("<nntp-nul2@example.org>", NULL), 0);
	conn_close(k);
}

/*
 * Issue #10 item 7: a header folded into many lines is unfolded in one pass
 * (it was copied again for each line: 200,000 lines took 1.2 s; the time
 * is measured by scripts/bench_parse.py, this checks the result): every
 * continuation line is kept, in order, and a value that starts on a
 * continuation line loses its leading blanks. Since issue #11 the article
 * is read by mail_parse and the Subject stored decoded, folds as spaces.
 */
static void test_post_many_folded_lines(void **state)
{
	struct conn *k = poster(W.cfg);
	const int lines = 100000;
	struct buf a = BUF_INIT, want = BUF_INIT;
	buf_adds(&a, "From: a@example.org\nNewsgroups: demo.general\nSubject: S");
	buf_adds(&want, "S");
	for (int i = 0; i < lines; i++) {
		char piece[3] = {i % 2 ? '\t' : ' ', (char)('a' + i % 26), '\0'};
		buf_addc(&a, '\n');
		buf_adds(&a, piece);
		/* the Subject is decoded as mail's is (RFC 2047 phrase): the
		 * white space of a fold reads as one space */
		piece[0] = ' ';
		buf_adds(&want, piece);
	}
	buf_adds(&a, "\nMessage-ID: <nntp-folded@example.org>\n\nbody\n");
	assert_string_equal(post(k, a.p), "240 Article received <nntp-folded@example.org>\r\n");
	char *subject = outbox_subject("<nntp-folded@example.org>");
	assert_non_null(subject);
	assert_int_equal(strlen(subject), want.len);
	assert_string_equal(subject, want.p);
	free(subject);
	buf_free(&a);
	buf_free(&want);

	assert_string_equal(
		post(k, "From: a@example.org\nNewsgroups: demo.general\nSubject:\n"
			"  starts here\n\tand here\nMessage-ID: <nntp-folded2@example.org>\n"
			"\nbody\n"),
		"240 Article received <nntp-folded2@example.org>\r\n");
	subject = outbox_subject("<nntp-folded2@example.org>");
	assert_string_equal(subject, "starts here and here");
	free(subject);
	conn_close(k);
}

/*
 * Regression (issue #10, item 5): the server stops reading a connection at
 * 64 KiB of waiting input, while a POST waited for lines of up to 1 MiB: a
 * header line over 64 KiB deadlocked the session. Lines over
 * NNTP_MAX_POST_LINE (32 KiB) are now dropped as they arrive, whole or in
 * pieces, the input never holds more than that, and the article is refused
 * at its end; the session goes on.
 */
static void test_post_line_over_read_watermark(void **state)
{
	struct conn *k = poster(W.cfg);
	EXPECT(k, "POST", "340 Send article to be posted, end with <CR-LF>.<CR-LF>\r\n");
	const char *head = "From: a@example.org\r\nNewsgroups: demo.general\r\n"
			   "Message-ID: <nntp-wm@example.org>\r\nSubject: ";
	assert_string_equal(send_raw(k, head, strlen(head)), "");
	char chunk[16 * 1024];
	memset(chunk, 'x', sizeof chunk);
	for (int i = 0; i < 7; i++) { /* 112 KiB, as a socket delivers it */
		assert_string_equal(send_raw(k, chunk, sizeof chunk), "");
		assert_true(evbuffer_get_length(k->in) <= 32 * 1024 + sizeof chunk);
	}
	const char *end = "\r\n\r\nbody\r\n.\r\n";
	assert_string_equal(send_raw(k, end, strlen(end)),
			    "441 Article has a line longer than 32768 octets\r\n");
	assert_int_equal(outbox_count("<nntp-wm@example.org>", NULL), 0);
	/* a 40 KiB line arriving whole is refused the same way */
	struct buf a = BUF_INIT;
	buf_adds(&a, "From: a@example.org\nNewsgroups: demo.general\n"
		     "Message-ID: <nntp-wm2@example.org>\nSubject: x\nX-Long: ");
	for (int i = 0; i < 40 * 1024; i++)
		buf_addc(&a, 'y');
	buf_adds(&a, "\n\nbody\n");
	assert_string_equal(post(k, a.p), "441 Article has a line longer than 32768 octets\r\n");
	buf_free(&a);
	assert_int_equal(outbox_count("<nntp-wm2@example.org>", NULL), 0);
	EXPECT(k, "MODE READER", "200 Reader mode, posting allowed after login\r\n");
	/* and the next article is judged afresh */
	assert_string_equal(post(k, "From: a@example.org\nNewsgroups: demo.general\nSubject: ok\n"
				    "Message-ID: <nntp-wm3@example.org>\n\nbody\n"),
			    "240 Article received <nntp-wm3@example.org>\r\n");
	conn_close(k);
}

/* A column of the outbox row of msgid (malloc'd), read with SQLite. */
static char *outbox_column(const char *msgid, const char *column)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char *v = NULL;
	char *sql = xasprintf("SELECT %s FROM outbox WHERE message_id = ?", column);
	if (sqlite3_open_v2(W.path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, msgid, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
			v = xstrdup((const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	free(sql);
	return v;
}

/*
 * Issue #11 item 1: POST queued only the raw article and the outbox posted
 * it whole: Path:, From:, User-Agent: lines and the quote came back in the
 * post. The row now holds the clean text a mail reply gets, and the
 * Subject decoded (it was stored encoded, and came back encoded twice).
 */
static void test_post_followup_is_clean(void **state)
{
	struct conn *k = poster(W.cfg);
	assert_string_equal(post(k, "From: Alice <alice@example.org>\n"
				    "Path: news.example.org!not-for-mail\n"
				    "Newsgroups: demo.general\n"
				    "Subject: Re: test =?UTF-8?Q?=C3=BC?=\n"
				    "References: " MSGID1 "\n"
				    "Message-ID: <nntp-clean@example.org>\n"
				    "User-Agent: slrn/1.0.3\n"
				    "\n"
				    "Vreni <vreni@example.org> wrote:\n"
				    "> Wo parkiert ihr?\n"
				    "\n"
				    "..Am Ostausgang.\n"
				    "\n"
				    "-- \n"
				    "Alice\n"),
			    "240 Article received <nntp-clean@example.org>\r\n");
	char *v = outbox_column("<nntp-clean@example.org>", "body");
	assert_string_equal(v, ".Am Ostausgang.");
	free(v);
	v = outbox_column("<nntp-clean@example.org>", "subject");
	assert_string_equal(v, "Re: test \xc3\xbc");
	free(v);
	v = outbox_column("<nntp-clean@example.org>", "route || ' ' || thread_key");
	assert_string_equal(v, "references 14");
	free(v);
	conn_close(k);
}

/*
 * Issue #11 item 2: POST checked only Newsgroups, so a follow-up whose
 * References point into a thread of the read-only demo.announce was queued
 * (240) into that thread; mail refused it. Refused alike now.
 */
static void test_post_into_read_only_thread_refused(void **state)
{
	struct conn *k = poster(W.cfg);
	int calls = W.writer_calls;
	assert_string_equal(post(k,
				 "From: a@example.org\nNewsgroups: demo.general\nSubject: Re: x\n"
				 "Message-ID: <nntp-ro-thread@example.org>\n"
				 "References: <p131.t13.demo@forumgate.example>\n\nMe too.\n"),
			    "441 the thread is in a read-only group: the forum does not take "
			    "replies there\r\n");
	assert_int_equal(outbox_count("<nntp-ro-thread@example.org>", NULL), 0);
	assert_int_equal(W.writer_calls, calls);
	conn_close(k);
}

/* --- line handling --- */

/* --- COMPRESS DEFLATE (RFC 8054) --- */

static void test_compress_command(void **state)
{
	struct conn *k = conn_open(C_TLS_AVAILABLE);
	EXPECT(k, "COMPRESS", "501 Syntax: COMPRESS DEFLATE\r\n");
	EXPECT(k, "COMPRESS GZIP", "503 Compression algorithm not supported\r\n");
	assert_int_equal(k->ev, NNTP_EV_NONE);
	/* the session stops right after 206: the rest arrives compressed */
	assert_string_equal(send_raw(k, "compress deflate\r\nDATE\r\n", 24),
			    "206 Compression active\r\n");
	assert_int_equal(k->ev, NNTP_EV_COMPRESS);
	assert_int_equal(evbuffer_get_length(k->in), 6);
	evbuffer_drain(k->in, 6);
	/* §2.2.2: neither COMPRESS nor STARTTLS is offered or taken afterwards */
	EXPECT(k, "CAPABILITIES", CAPS_HEAD "POST\r\n.\r\n");
	EXPECT(k, "COMPRESS DEFLATE", "502 Compression already active\r\n");
	EXPECT(k, "STARTTLS", "502 STARTTLS not allowed after COMPRESS\r\n");
	assert_int_equal(k->ev, NNTP_EV_NONE);
	EXPECT(k, "GROUP demo.general", "211 5 1 5 demo.general\r\n");
	conn_close(k);

	/* over TLS, before and after a login */
	k = conn_open(C_TLS_ACTIVE);
	EXPECT(k, "COMPRESS DEFLATE", "206 Compression active\r\n");
	EXPECT(k, "CAPABILITIES", CAPS_HEAD "POST\r\nAUTHINFO USER\r\n.\r\n");
	login(k);
	EXPECT(k, "CAPABILITIES", CAPS_HEAD "POST\r\n.\r\n");
	conn_close(k);
}

/* Inflates all of `data` (raw DEFLATE) with zlib itself. */
static char *raw_inflate(const unsigned char *data, size_t len, size_t *out_len)
{
	z_stream zs = {0};
	assert_int_equal(inflateInit2(&zs, -15), Z_OK);
	struct buf b = BUF_INIT;
	unsigned char chunk[4096];
	zs.next_in = (unsigned char *)data;
	zs.avail_in = (uInt)len;
	do {
		zs.next_out = chunk;
		zs.avail_out = sizeof chunk;
		int r = inflate(&zs, Z_SYNC_FLUSH);
		assert_true(r == Z_OK || r == Z_BUF_ERROR);
		buf_add(&b, chunk, sizeof chunk - zs.avail_out);
	} while (zs.avail_out == 0);
	inflateEnd(&zs);
	*out_len = b.len;
	return buf_detach(&b);
}

/* Every batch of replies is decodable on its own once it has been sent:
 * a reader waits for a whole reply and the compressor must not hold any
 * of it back. */
static void test_deflate_out_flushes(void **state)
{
	char *err = NULL;
	struct nntp_deflate *z = nntp_deflate_new(&err);
	assert_non_null(z);
	struct evbuffer *plain = evbuffer_new(), *wire = evbuffer_new();
	const char *first = "211 5 1 5 demo.general\r\n";
	evbuffer_add(plain, first, strlen(first));
	assert_int_equal(nntp_deflate_out(z, plain, wire, &err), 0);
	assert_int_equal(evbuffer_get_length(plain), 0);
	size_t n1 = evbuffer_get_length(wire), got;
	unsigned char *w1 = xmalloc(n1);
	evbuffer_copyout(wire, w1, n1);
	char *text = raw_inflate(w1, n1, &got);
	assert_int_equal(got, strlen(first));
	assert_memory_equal(text, first, got);
	free(text);
	/* a large second batch, in several evbuffer chunks */
	struct buf big = BUF_INIT;
	for (int i = 0; i < 20000; i++)
		buf_addf(&big, "%d\tRe: subject %d\tAnna <anna@example.org>\r\n", i, i % 7);
	for (size_t off = 0; off < big.len; off += 1000)
		evbuffer_add(plain, big.p + off, big.len - off < 1000 ? big.len - off : 1000);
	assert_int_equal(nntp_deflate_out(z, plain, wire, &err), 0);
	size_t n = evbuffer_get_length(wire);
	unsigned char *all = xmalloc(n);
	evbuffer_copyout(wire, all, n);
	text = raw_inflate(all, n, &got);
	assert_int_equal(got, strlen(first) + big.len);
	assert_memory_equal(text + strlen(first), big.p, big.len);
	assert_true(n - n1 < big.len / 4); /* it does compress */
	free(text);
	free(all);
	free(w1);
	buf_free(&big);
	/* nothing to send: nothing written */
	assert_int_equal(nntp_deflate_out(z, plain, wire, &err), 0);
	assert_int_equal(evbuffer_get_length(wire), n);
	evbuffer_free(plain);
	evbuffer_free(wire);
	nntp_deflate_free(z);
}

/* Raw DEFLATE with zlib's defaults (a 32 KiB window), as a client sends. */
static struct evbuffer *client_deflate(const char *text, size_t len)
{
	z_stream zs = {0};
	assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
	size_t cap = deflateBound(&zs, len) + 64;
	unsigned char *out = xmalloc(cap);
	zs.next_in = (unsigned char *)text;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_SYNC_FLUSH), Z_OK);
	struct evbuffer *b = evbuffer_new();
	evbuffer_add(b, out, cap - zs.avail_out);
	deflateEnd(&zs);
	free(out);
	return b;
}

/* A few compressed bytes that expand to megabytes cost no more than the
 * limit; the rest waits in the stream and comes out on later calls. */
static void test_deflate_in_limit_and_errors(void **state)
{
	char *err = NULL;
	size_t big = 4 * 1024 * 1024;
	char *text = xmalloc(big);
	memset(text, 'a', big);
	struct evbuffer *wire = client_deflate(text, big);
	assert_true(evbuffer_get_length(wire) < 16 * 1024);
	struct nntp_deflate *z = nntp_deflate_new(&err);
	struct evbuffer *plain = evbuffer_new();
	assert_int_equal(nntp_deflate_in(z, wire, plain, 1000, &err), 1000);
	assert_int_equal(evbuffer_get_length(plain), 1000);
	/* at the limit: nothing more */
	assert_int_equal(nntp_deflate_in(z, wire, plain, 1000, &err), 0);
	size_t total = 0;
	for (;;) {
		long got = nntp_deflate_in(z, wire, plain, 65536, &err);
		assert_true(got >= 0);
		if (got == 0 && evbuffer_get_length(plain) < 65536)
			break;
		total += evbuffer_get_length(plain);
		evbuffer_drain(plain, evbuffer_get_length(plain));
	}
	assert_int_equal(total, big);
	assert_int_equal(evbuffer_get_length(wire), 0);
	/* garbage after a good start: an error, with a message */
	evbuffer_add(wire, "\xff\xff\xff\xff\xff\xff", 6);
	assert_int_equal(nntp_deflate_in(z, wire, plain, 65536, &err), -1);
	assert_non_null(err);
	assert_non_null(strstr(err, "DEFLATE"));
	free(err);
	nntp_deflate_free(z);
	evbuffer_free(plain);
	evbuffer_free(wire);
	free(text);
}

static void test_unknown_and_empty(void **state)
{
	struct conn *k = conn_open(0);
	EXPECT(k, "FROBNICATE", "500 Unknown command\r\n");
	EXPECT(k, "IHAVE <a@b>", "500 Unknown command\r\n");
	EXPECT(k, "", "500 Empty command\r\n");
	EXPECT(k, " \t ", "500 Empty command\r\n");
	EXPECT(k, "LIST a b c d e f g h i j k l m n o p q", "501 Too many arguments\r\n");
	EXPECT(k, "DATE x", "501 Syntax: DATE\r\n");
	/* a bare LF ends a line too (lenient with old clients) */
	assert_string_equal(send_raw(k, "GROUP demo.news\n", 16), "211 3 1 3 demo.news\r\n");
	conn_close(k);
}

static void test_long_lines(void **state)
{
	struct conn *k = conn_open(0);
	/* 510 octets + CRLF = 512: the longest allowed line */
	struct buf b = BUF_INIT;
	buf_adds(&b, "GROUP ");
	while (b.len < 510)
		buf_addc(&b, 'g');
	EXPECT(k, b.p, "411 No such newsgroup\r\n");
	/* 511 + CRLF = 513: refused, and the session reads the next command */
	buf_addc(&b, 'g');
	buf_adds(&b, "\r\nDATE\r\n");
	const char *r = send_raw(k, b.p, b.len);
	assert_true(starts_with(r, "501 Command line too long\r\n111 "));
	buf_free(&b);

	/* a long line arriving in pieces: one 501, the rest is skipped */
	char chunk[700];
	memset(chunk, 'a', sizeof chunk);
	assert_string_equal(send_raw(k, chunk, sizeof chunk), "501 Command line too long\r\n");
	assert_string_equal(send_raw(k, chunk, sizeof chunk), "");
	assert_string_equal(send_raw(k, chunk, 100), "");
	assert_string_equal(send_raw(k, "aaa\r\nGROUP demo.news\r\n", 22),
			    "211 3 1 3 demo.news\r\n");
	/* an incomplete line below the limit just waits */
	assert_string_equal(send_raw(k, "GROUP demo.gen", 14), "");
	assert_string_equal(send_raw(k, "eral\r\n", 6), "211 5 1 5 demo.general\r\n");
	conn_close(k);
}

static void test_nul_in_line(void **state)
{
	struct conn *k = conn_open(0);
	assert_string_equal(send_raw(k, "GROUP demo\0.news\r\nGROUP demo.news\r\n", 35),
			    "501 NUL in command line\r\n211 3 1 3 demo.news\r\n");
	assert_string_equal(send_raw(k, "\0\r\n", 3), "501 NUL in command line\r\n");
	conn_close(k);
}

static void test_pipelining(void **state)
{
	struct conn *k = conn_open(0);
	const char *cmds = "GROUP demo.general\r\nSTAT\r\nNEXT\r\nSTAT 5\r\nLAST\r\n"
			   "HDR Subject 1\r\nGROUP demo.nope\r\nDATE x\r\nLISTGROUP\r\n";
	assert_string_equal(
		send_raw(k, cmds, strlen(cmds)),
		"211 5 1 5 demo.general\r\n"
		"223 1 " MSGID1 "\r\n"
		"223 2 " MSGID2 "\r\n"
		"223 5 " MSGID5 "\r\n"
		"223 4 " MSGID4 "\r\n"
		"225 Headers follow\r\n1 Fahrradparken am Hauptbahnhof\r\n.\r\n"
		"411 No such newsgroup\r\n"
		"501 Syntax: DATE\r\n"
		"211 5 1 5 demo.general list follows\r\n1\r\n2\r\n3\r\n4\r\n5\r\n.\r\n");
	assert_int_equal(evbuffer_get_length(k->in), 0);
	conn_close(k);
}

static void test_output_limit(void **state)
{
	struct conn *k = conn_open(0);
	const char *cmds = "GROUP demo.general\r\nSTAT 1\r\nSTAT 2\r\nSTAT 3\r\n";
	evbuffer_add(k->in, cmds, strlen(cmds));
	/* limit 0: one command per call while out is not drained */
	assert_int_equal(nntp_session_feed(k->s, k->in, k->out, 0), NNTP_EV_NONE);
	assert_string_equal(take(k), "211 5 1 5 demo.general\r\n");
	assert_int_equal(evbuffer_get_length(k->in), strlen(cmds) - 20);
	/* out still full: nothing is read */
	evbuffer_add(k->out, "x", 1);
	assert_int_equal(nntp_session_feed(k->s, k->in, k->out, 0), NNTP_EV_NONE);
	assert_string_equal(take(k), "x");
	assert_int_equal(evbuffer_get_length(k->in), strlen(cmds) - 20);
	assert_int_equal(nntp_session_feed(k->s, k->in, k->out, 0), NNTP_EV_NONE);
	assert_string_equal(take(k), "223 1 " MSGID1 "\r\n");
	/* a limit that fits two replies */
	assert_int_equal(nntp_session_feed(k->s, k->in, k->out, 41), NNTP_EV_NONE);
	assert_string_equal(take(k), "223 2 " MSGID2 "\r\n223 3 " MSGID3 "\r\n");
	assert_int_equal(evbuffer_get_length(k->in), 0);
	/* a big reply is never cut: the limit only stops the next command */
	evbuffer_add(k->in, "OVER 1-5\r\nDATE\r\n", 16);
	assert_int_equal(nntp_session_feed(k->s, k->in, k->out, 10), NNTP_EV_NONE);
	const char *r = take(k);
	assert_true(starts_with(r, "224 "));
	assert_true(ends_with(r, "demo.general:5\r\n.\r\n"));
	assert_int_equal(evbuffer_get_length(k->in), 6);
	conn_close(k);
}

static void test_case_and_tabs(void **state)
{
	struct conn *k = conn_open(0);
	EXPECT(k, "group\tdemo.general", "211 5 1 5 demo.general\r\n");
	EXPECT(k, "sTaT \t 2", "223 2 " MSGID2 "\r\n");
	EXPECT(k, "  stat 3  ", "223 3 " MSGID3 "\r\n");
	EXPECT(k, "Over\t\t2",
	       "224 Overview information follows\r\n2\tRe: Fahrradparken am "
	       "Hauptbahnhof\t\"Pendlerin (guest)\" <guest@forumgate.example>\t"
	       "Mon, 13 May 2024 09:20:00 +0200\t" MSGID2 "\t" MSGID1
	       "\t875\t4\tXref: forumgate.example demo.general:2\r\n.\r\n");
	EXPECT(k, "list\tcounts\tdemo.news",
	       "215 Information follows\r\ndemo.news 3 1 3 y\r\n.\r\n");
	conn_close(k);
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, conns_teardown)
	const struct CMUnitTest tests[] = {
		T(test_wildmat_rfc_elements),
		T(test_wildmat_utf8),
		T(test_wildmat_classes),
		T(test_wildmat_escape_and_empty),
		T(test_wildmat_many_stars_linear),
		T(test_parse_range),
		T(test_parse_datetime),
		T(test_greeting),
		T(test_capabilities),
		T(test_mode_reader),
		T(test_group),
		T(test_listgroup),
		T(test_article_by_number),
		T(test_article_by_msgid),
		T(test_last_next),
		T(test_over),
		T(test_hdr),
		T(test_xpat),
		T(test_list),
		T(test_newgroups_newnews),
		T(test_date_help),
		T(test_quit),
		T(test_starttls),
		T(test_starttls_resets_state),
		T(test_authinfo),
		T(test_authinfo_limiter),
		T(test_authinfo_account_lockout),
		T(test_post_needs_login),
		T(test_post_accepted),
		T(test_post_refused),
		T(test_post_crosspost_refused_no_leak),
		T(test_post_too_large),
		T(test_post_overlong_line),
		T(test_post_our_namespace_refused),
		T(test_post_nul_refused),
		T(test_post_many_folded_lines),
		T(test_post_line_over_read_watermark),
		T(test_post_followup_is_clean),
		T(test_post_into_read_only_thread_refused),
		T(test_compress_command),
		T(test_deflate_out_flushes),
		T(test_deflate_in_limit_and_errors),
		T(test_unknown_and_empty),
		T(test_long_lines),
		T(test_nul_in_line),
		T(test_pipelining),
		T(test_output_limit),
		T(test_case_and_tabs),
	};
	return cmocka_run_group_tests(tests, world_setup, world_teardown);
}
