/*
 * Fuzz target for the NNTP session core: bytes in, responses out, with a
 * real SQLite store behind the session.
 *
 * The store is built once, on the first call, in a temporary directory that
 * is removed at exit: three groups (one read-only, one empty), a few
 * articles (one crossposted, one with a dot-stuffed body line, one known as
 * a forum post so References resolve) and a user "fuzz" with password
 * "fuzz". That user's hash uses a tiny scrypt cost so AUTHINFO and POST
 * stay fast enough to fuzz (unknown users still pay the full cost).
 *
 * Each input is one connection. Its first four bytes are not protocol data:
 *   [0] session flags: bit 0 STARTTLS available, bit 1 TLS from the start,
 *       bit 2 loopback peer with plaintext AUTHINFO allowed, bit 3 a small
 *       max_post_size;
 *   [1], [2] where to cut the rest into three chunks (x/256 of what is left);
 *   [3] the output limit, small so the backpressure path runs.
 * Every chunk is fed until the session makes no more progress, draining the
 * output between calls as the server would; a STARTTLS event is answered with
 * nntp_session_set_tls, a QUIT ends the connection. After COMPRESS DEFLATE
 * (206) the rest of the input is a raw DEFLATE stream: it goes through
 * nntp_deflate_in (at most 64 KiB ahead, as the server reads) before the
 * session sees it, and the replies through nntp_deflate_out; a broken stream
 * ends the connection. A new session per input, and everything of it is
 * freed before returning.
 */
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "forumgate/buf.h"
#include "forumgate/config.h"
#include "forumgate/log.h"
#include "forumgate/nntp.h"
#include "forumgate/store.h"

static struct {
	int ready;
	char *dir, *path;
	struct cfg *cfg, *cfg_plain, *cfg_small;
	struct store *rw, *ro;
	int64_t gen; /* id of fz.general */
	unsigned long inputs;
} F;

static struct store *writer(void *arg)
{
	return F.rw;
}

static void cleanup(void)
{
	store_close(F.ro);
	store_close(F.rw);
	cfg_free(F.cfg);
	cfg_free(F.cfg_plain);
	cfg_free(F.cfg_small);
	static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
	for (size_t i = 0; i < 4; i++) {
		char *p = xasprintf("%s%s", F.path, suffix[i]);
		unlink(p);
		free(p);
	}
	rmdir(F.dir);
	free(F.path);
	free(F.dir);
}

_Noreturn static void die(const char *what, char *err)
{
	fprintf(stderr, "fuzz_nntp: setup: %s: %s\n", what, err ? err : "failed");
	abort();
}

static struct cfg *load_cfg(const char *extra)
{
	struct buf y = BUF_INIT;
	buf_addf(&y,
		 "gateway:\n"
		 "  domain: fz.example\n"
		 "  store: %s\n"
		 "forums:\n"
		 "  - name: fz\n"
		 "    type: spool\n"
		 "    spool:\n"
		 "      path: %s\n"
		 "    group_prefix: fz\n"
		 "    boards:\n"
		 "      - board: General\n"
		 "        group: fz.general\n"
		 "        description: General talk\n"
		 "      - board: News\n"
		 "        group: fz.ro\n"
		 "        posting: n\n"
		 "%s",
		 F.path, F.dir, extra ? extra : "");
	struct cfg *c = NULL;
	char *err = NULL;
	if (cfg_load_string("fuzz.yaml", y.p, y.len, NULL, 0, &c, &err) != 0)
		die("config", err);
	buf_free(&y);
	return c;
}

/* "scrypt$16$1$1$SALT$KEY" for password "fuzz": cheap to verify. */
static char *cheap_hash(void)
{
	static const unsigned char salt[16] = "fuzz-salt-16byte";
	unsigned char key[32], s64[32], k64[48];
	if (EVP_PBE_scrypt("fuzz", 4, salt, sizeof salt, 16, 1, 1, 0, key, sizeof key) != 1)
		die("scrypt", NULL);
	EVP_EncodeBlock(s64, salt, sizeof salt);
	EVP_EncodeBlock(k64, key, sizeof key);
	return xasprintf("scrypt$16$1$1$%s$%s", (char *)s64, (char *)k64);
}

struct art {
	const char *msgid, *refs, *subject, *body;
	int64_t *groups;
	size_t ngroups;
};

static void add_article(const struct art *a, char **err)
{
	struct buf w = BUF_INIT, ov = BUF_INIT, xref = BUF_INIT;
	int64_t numbers[2];
	buf_adds(&xref, "Xref: fz.example");
	for (size_t i = 0; i < a->ngroups; i++) {
		if (store_group_next_number(F.rw, a->groups[i], &numbers[i], err) != 0)
			die("number", *err);
		buf_addf(&xref, " %s:%lld", a->groups[i] == F.gen ? "fz.general" : "fz.ro",
			 (long long)numbers[i]);
	}
	buf_addf(
		&w,
		"Path: fz.example!not-for-mail\r\nFrom: Anna <anna@fz.example>\r\n"
		"Newsgroups: fz.general\r\nSubject: %s\r\nDate: Mon, 13 May 2024 07:45:00 +0200\r\n"
		"Message-ID: %s\r\n",
		a->subject, a->msgid);
	if (a->refs[0])
		buf_addf(&w, "References: %s\r\n", a->refs);
	buf_addf(&w, "X-Folded: one\r\n\ttwo\r\n%s\r\n\r\n", xref.p);
	size_t header_len = w.len;
	buf_adds(&w, a->body);
	buf_addf(&ov,
		 "%s\tAnna <anna@fz.example>\tMon, 13 May 2024 07:45:00 +0200\t%s\t%s\t%zu\t2\t%s",
		 a->subject, a->msgid, a->refs, w.len, xref.p);
	struct store_article_in in = {
		.message_id = a->msgid,
		.wire = w.p,
		.wire_len = w.len,
		.header_len = header_len,
		.lines = 2,
		.overview = ov.p,
		.date = 1715579100,
		.group_ids = a->groups,
		.numbers = numbers,
		.ngroups = a->ngroups,
	};
	if (store_article_add(F.rw, &in, err) < 0)
		die("article", *err);
	buf_free(&w);
	buf_free(&ov);
	buf_free(&xref);
}

static void setup(void)
{
	char *err = NULL;
	char tmpl[] = "/tmp/fg-fuzz-nntp-XXXXXX";
	log_set_level(LOG_LVL_ERR);
	if (mkdtemp(tmpl) == NULL)
		die("mkdtemp", NULL);
	F.dir = xstrdup(tmpl);
	F.path = xasprintf("%s/store.db", F.dir);
	F.cfg = load_cfg(NULL);
	F.cfg_plain = load_cfg("nntp:\n  allow_plaintext_auth: true\n");
	F.cfg_small = load_cfg("nntp:\n  max_post_size: 1024\n");
	if (store_open(F.path, STORE_CREATE, &F.rw, &err) != 0)
		die("store", err);
	int64_t gen, ro, empty, forum;
	if (store_begin(F.rw, &err) != 0 ||
	    store_group_ensure(F.rw, "fz.general", "General talk", 'y', &gen, &err) != 0 ||
	    store_group_ensure(F.rw, "fz.ro", NULL, 'n', &ro, &err) != 0 ||
	    store_group_ensure(F.rw, "fz.empty", "Nothing", 'y', &empty, &err) != 0 ||
	    store_forum_ensure(F.rw, "fz", &forum, &err) != 0)
		die("groups", err);
	F.gen = gen;
	int64_t g1[] = {gen}, g2[] = {gen, ro}, g3[] = {ro};
	const struct art arts[] = {
		{"<a1@fz.example>", "", "Hello", "first line\r\n..dot line\r\n", g1, 1},
		{"<a2@fz.example>", "<a1@fz.example>", "Re: Hello", "second\r\n", g1, 1},
		{"<a3@fz.example>", "", "Crossposted", "both groups\r\n", g2, 2},
		{"<a4@fz.example>", "", "Announcement", "read only\r\n", g3, 1},
	};
	for (size_t i = 0; i < sizeof arts / sizeof arts[0]; i++)
		add_article(&arts[i], &err);
	if (store_article_withdraw(F.rw, "<a2@fz.example>", &err) != 0)
		die("withdraw", err);
	add_article(&(struct art){"<a5@fz.example>", "<a1@fz.example>", "Re: Hello", "again\r\n",
				  g1, 1},
		    &err);
	struct store_post_in p = {
		.thread_key = "t1",
		.post_key = "p1",
		.thread_title = "Hello",
		.board = "General",
		.position = 1,
		.author = "Anna",
		.date = 1715579100,
		.body = "first line",
		.hash = "h1",
		.version = 1,
		.message_id = "<a1@fz.example>",
		.references = "",
		.group_id = gen,
	};
	char *hash = cheap_hash();
	if (store_post_put(F.rw, forum, &p, &err) != 0 ||
	    store_user_add(F.rw, "fuzz", hash, &err) < 0 || store_commit(F.rw, &err) != 0)
		die("posts", err);
	free(hash);
	if (store_open(F.path, STORE_RDONLY, &F.ro, &err) != 0)
		die("store ro", err);
	atexit(cleanup);
	F.ready = 1;
}

/* One connection's byte streams: raw is what the client sent, plain what
 * the session reads (raw itself until COMPRESS). */
struct wire {
	struct evbuffer *raw, *plain, *out, *zout;
	struct nntp_deflate *z;
};

/* Feeds what has arrived until the session stops making progress; returns 1
 * when the connection is over (QUIT, or a broken DEFLATE stream). */
static int pump(struct nntp_session *s, struct wire *w, size_t limit)
{
	for (;;) {
		char *err = NULL;
		long got = 0;
		if (w->z && (got = nntp_deflate_in(w->z, w->raw, w->plain, 64 * 1024, &err)) < 0) {
			free(err);
			return 1;
		}
		struct evbuffer *in = w->z ? w->plain : w->raw;
		size_t before = evbuffer_get_length(in);
		enum nntp_event ev = nntp_session_feed(s, in, w->out, limit);
		size_t produced = evbuffer_get_length(w->out);
		if (w->z && nntp_deflate_out(w->z, w->out, w->zout, &err) != 0) {
			free(err);
			return 1;
		}
		/* the client read it */
		evbuffer_drain(w->out, evbuffer_get_length(w->out));
		evbuffer_drain(w->zout, evbuffer_get_length(w->zout));
		if (ev == NNTP_EV_QUIT)
			return 1;
		if (ev == NNTP_EV_STARTTLS) {
			nntp_session_set_tls(s); /* handshake done */
		} else if (ev == NNTP_EV_COMPRESS) {
			w->z = nntp_deflate_new(&err);
			if (w->z == NULL)
				die("deflate", err);
		} else if (evbuffer_get_length(in) == before && produced == 0 && got == 0) {
			return 0;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!F.ready)
		setup();
	if (size < 4)
		return 0;
	uint8_t flags = data[0], cut1 = data[1], cut2 = data[2];
	size_t limit = data[3];
	data += 4;
	size -= 4;

	/* a different peer per input, so the login failure limiter (process
	 * wide) does not lock the fuzzer out of AUTHINFO for good */
	char peer[32];
	snprintf(peer, sizeof peer, "10.%lu.%lu.%lu", (F.inputs >> 16) & 255, (F.inputs >> 8) & 255,
		 F.inputs & 255);
	F.inputs++;
	struct nntp_env env = {
		.cfg = flags & 8   ? F.cfg_small
		       : flags & 4 ? F.cfg_plain
				   : F.cfg,
		.store = F.ro,
		.writer = writer,
		.tls_available = flags & 1,
		.peer = flags & 4 ? "127.0.0.1" : peer,
		.peer_is_loopback = (flags & 4) != 0,
	};
	struct nntp_session *s = nntp_session_new(&env, (flags & 2) != 0);
	struct wire w = {evbuffer_new(), evbuffer_new(), evbuffer_new(), evbuffer_new(), NULL};
	nntp_session_greet(s, w.out);
	evbuffer_drain(w.out, evbuffer_get_length(w.out));

	size_t a = size * cut1 / 256;
	size_t b = a + (size - a) * cut2 / 256;
	size_t bounds[4] = {0, a, b, size};
	for (int i = 0; i < 3; i++) {
		evbuffer_add(w.raw, data + bounds[i], bounds[i + 1] - bounds[i]);
		if (pump(s, &w, limit))
			break;
	}
	nntp_session_free(s);
	nntp_deflate_free(w.z);
	evbuffer_free(w.raw);
	evbuffer_free(w.plain);
	evbuffer_free(w.out);
	evbuffer_free(w.zout);
	return 0;
}
