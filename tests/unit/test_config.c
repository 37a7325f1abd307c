/*
 * Tests of gateway/core/config.c: loading, defaults, every kind of error
 * with its exact "name:LINE:COL: message" text, -o overrides, board →
 * newsgroup mapping, newsgroup name rules, the shipped config files and
 * the cfg_print round trip. Inline YAML goes through cfg_load_string with
 * the name "t.yaml"; the shipped files are read relative to the repository
 * root, where the tests run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "forumgate/article.h"
#include "forumgate/buf.h"
#include "forumgate/config.h"

#define MIN_CFG "gateway:\n  domain: news.example.org\n"

static struct cfg *load_ok_o(const char *yaml, char *const *ov, size_t n)
{
	struct cfg *c = NULL;
	char *err = NULL;
	int rc = cfg_load_string("t.yaml", yaml, strlen(yaml), ov, n, &c, &err);
	if (rc != 0)
		fprintf(stderr, "unexpected error:\n%s\n", err);
	assert_int_equal(rc, 0);
	assert_non_null(c);
	assert_null(err);
	return c;
}

static struct cfg *load_ok(const char *yaml)
{
	return load_ok_o(yaml, NULL, 0);
}

/* Loads yaml expecting failure; returns the message (caller frees). */
static char *load_err_o(const char *yaml, char *const *ov, size_t n)
{
	struct cfg *c = NULL;
	char *err = NULL;
	int rc = cfg_load_string("t.yaml", yaml, strlen(yaml), ov, n, &c, &err);
	assert_int_equal(rc, -1);
	assert_null(c);
	assert_non_null(err);
	return err;
}

static void expect_err(const char *yaml, const char *want)
{
	char *err = load_err_o(yaml, NULL, 0);
	assert_string_equal(err, want);
	free(err);
}

static void expect_err_o(const char *yaml, char *const *ov, size_t n, const char *want)
{
	char *err = load_err_o(yaml, ov, n);
	assert_string_equal(err, want);
	free(err);
}

static char *print_cfg(const struct cfg *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	cfg_print(c, f);
	fclose(f);
	return text;
}

static void test_defaults(void **state)
{
	struct cfg *c = load_ok(MIN_CFG "forums:\n  - name: demo\n    type: spool\n"
					"    spool: {path: /srv/spool}\n");
	assert_string_equal(c->file, "t.yaml");
	assert_string_equal(c->gateway.domain, "news.example.org");
	assert_string_equal(c->gateway.store, "./run/forumgate.db");
	assert_null(c->gateway.organization);
	assert_string_equal(c->gateway.path_host, "news.example.org");
	assert_int_equal(c->nforums, 1);
	const struct cfg_forum *f = &c->forums[0];
	assert_string_equal(f->name, "demo");
	assert_string_equal(f->type, "spool");
	assert_string_equal(f->spool_path, "/srv/spool");
	assert_int_equal(f->poll_interval, 60);
	assert_null(f->url);
	assert_string_equal(f->timezone, "UTC");
	assert_string_equal(f->group_prefix, "demo");
	assert_string_equal(f->author_address, "{user}@users.{domain}");
	assert_string_equal(f->guest_address, "guest@{domain}");
	assert_int_equal(f->nboards, 0);
	assert_int_equal(c->nntp.nlisten, 0);
	assert_null(c->nntp.tls_cert);
	assert_null(c->nntp.tls_key);
	assert_int_equal(c->nntp.workers, 0);
	assert_int_equal(c->nntp.max_connections, 1000);
	assert_int_equal(c->nntp.max_per_address, 50);
	assert_int_equal(c->nntp.idle_timeout, 600);
	assert_int_equal(c->nntp.max_post_size, 1L << 20);
	assert_int_equal(c->nntp.allow_plaintext_auth, 0);
	assert_null(c->mail.lmtp_listen);
	assert_string_equal(c->mail.reply_domain, "news.example.org");
	assert_null(c->mail.secret_file);
	assert_null(c->mail.smarthost);
	assert_int_equal(c->mail.max_message_size, 10L << 20);
	assert_int_equal(c->mail.reply_to, 0);
	assert_string_equal(c->auth.sender_policy, "registered");
	assert_int_equal(c->auth.ntrusted, 0);
	assert_int_equal(c->auth.key_requires_sender_match, 1);
	assert_ptr_equal(cfg_forum_find(c, "demo"), f);
	assert_null(cfg_forum_find(c, "nope"));
	cfg_free(c);
}

static void test_values(void **state)
{
	struct cfg *c = load_ok(MIN_CFG
				"nntp:\n"
				"  listen:\n"
				"    - address: \"[::1]:119\"\n"
				"    - 127.0.0.1:563/implicit\n"
				"  tls: {cert: c.pem, key: k.pem}\n"
				"  max_post_size: 512k\n"
				"  allow_plaintext_auth: yes\n"
				"  workers: 4\n"
				"mail:\n"
				"  lmtp: {listen: \"unix:/run/fg.sock\"}\n"
				"  max_message_size: 1G\n"
				"  reply_to: On\n"
				"auth:\n"
				"  sender_policy: authenticated\n"
				"  trusted_authserv_ids: [mx.example.org, mx2.example.org]\n"
				"  key_requires_sender_match: off\n");
	assert_int_equal(c->nntp.nlisten, 2);
	assert_string_equal(c->nntp.listen[0].address, "[::1]:119");
	assert_string_equal(c->nntp.listen[0].tls, "none");
	assert_string_equal(c->nntp.listen[1].address, "127.0.0.1:563");
	assert_string_equal(c->nntp.listen[1].tls, "implicit");
	assert_int_equal(c->nntp.max_post_size, 512L * 1024);
	assert_int_equal(c->nntp.allow_plaintext_auth, 1);
	assert_int_equal(c->nntp.workers, 4);
	assert_string_equal(c->mail.lmtp_listen, "unix:/run/fg.sock");
	assert_int_equal(c->mail.max_message_size, 1L << 30);
	assert_int_equal(c->mail.reply_to, 1);
	assert_string_equal(c->auth.sender_policy, "authenticated");
	assert_int_equal(c->auth.ntrusted, 2);
	assert_string_equal(c->auth.trusted_authserv_ids[1], "mx2.example.org");
	assert_int_equal(c->auth.key_requires_sender_match, 0);
	cfg_free(c);
}

static void test_err_unknown_key(void **state)
{
	expect_err("gateway:\n  domain: a.example\n  stor: x\n",
		   "t.yaml:3:3: unknown key \"stor\" in gateway (did you mean \"store\"?)");
	expect_err(MIN_CFG "nntp:\n  max_conections: 5\n",
		   "t.yaml:4:3: unknown key \"max_conections\" in nntp (did you mean "
		   "\"max_connections\"?)");
	expect_err(
		MIN_CFG "frobnicate: 1\n",
		"t.yaml:3:1: unknown key \"frobnicate\" at top level (valid keys: gateway, forums, "
		"nntp, mail, auth, http, list)");
}

static void test_err_type(void **state)
{
	expect_err(MIN_CFG "nntp:\n  workers:\n    a: 1\n",
		   "t.yaml:5:5: nntp.workers: expected integer, got mapping");
	expect_err(MIN_CFG "nntp:\n  workers: \"4\"\n",
		   "t.yaml:4:12: nntp.workers: expected integer, got quoted string \"4\"");
	expect_err(MIN_CFG "nntp: [1]\n", "t.yaml:3:7: nntp: expected mapping, got list");
	expect_err(MIN_CFG "mail:\n  reply_to: \"yes\"\n",
		   "t.yaml:4:13: mail.reply_to: expected boolean (true/false, yes/no, on/off), got "
		   "quoted string \"yes\"");
	expect_err(
		MIN_CFG "nntp:\n  max_post_size: 10X\n",
		"t.yaml:4:18: nntp.max_post_size: expected size (bytes, or a number with k, M or G), "
		"got string \"10X\"");
	expect_err(MIN_CFG "gateway2: x\n- a\n",
		   "t.yaml:4:1: did not find expected key (while parsing a block mapping at 1:1)");
	expect_err("- 1\n", "t.yaml:1:1: top level: expected mapping, got list");
}

static void test_err_range(void **state)
{
	expect_err(MIN_CFG "nntp:\n  idle_timeout: 0\n",
		   "t.yaml:4:17: nntp.idle_timeout: 0 is out of range (1..86400)");
	expect_err(MIN_CFG "nntp:\n  max_post_size: 2G\n",
		   "t.yaml:4:18: nntp.max_post_size: 2G is out of range (1k..1G)");
	expect_err(MIN_CFG "nntp:\n  workers: 99999999999999999999999\n",
		   "t.yaml:4:12: nntp.workers: 99999999999999999999999 is out of range (0..1024)");
	expect_err(
		MIN_CFG "nntp:\n  listen: [127.0.0.1:65536]\n",
		"t.yaml:4:12: nntp.listen[0].address: invalid address \"127.0.0.1:65536\" (expected "
		"host:port or [v6]:port, port 1-65535)");
}

static void test_err_missing(void **state)
{
	expect_err("gateway:\n  store: x\n",
		   "t.yaml:2:3: missing required key \"domain\" in gateway");
	expect_err("# nothing here\n", "t.yaml:1:1: missing required key \"gateway\" at top level");
	expect_err("nntp: {}\n", "t.yaml:1:1: missing required key \"gateway\" at top level");
	expect_err("gateway:\n  domain:\n", "t.yaml:2:3: gateway.domain: a value is required");
	expect_err(MIN_CFG "forums:\n  - type: spool\n    spool: {path: x}\n",
		   "t.yaml:4:5: missing required key \"name\" in forums[0]");
	expect_err(
		MIN_CFG "forums:\n  - name: a\n    type: spool\n",
		"t.yaml:4:5: missing required key \"spool\" in forums[0] (type spool needs spool.path)");
	expect_err(MIN_CFG "forums:\n  - name: a\n    type: spool\n    spool: {poll_interval: 5}\n",
		   "t.yaml:6:12: missing required key \"path\" in forums[0].spool");
}

static void test_err_duplicate_key(void **state)
{
	expect_err("gateway:\n  domain: a.example\n  store: x\n  store: y\n",
		   "t.yaml:4:3: duplicate key \"store\" in gateway (first at 3:3)");
	expect_err(MIN_CFG "gateway: {domain: b.example}\n",
		   "t.yaml:3:1: duplicate key \"gateway\" at top level (first at 1:1)");
}

#define FORUM(name, groups)                                                                        \
	"  - name: " name "\n    type: spool\n    spool: {path: x}\n    boards:\n" groups

static void test_err_duplicate_group(void **state)
{
	expect_err(MIN_CFG "forums:\n" FORUM("a", "      - {board: One, group: a.one}\n"
						  "      - {board: Two, group: a.two}\n")
			   FORUM("b", "      - {board: x, group: a.two}\n"),
		   "t.yaml:14:27: duplicate newsgroup \"a.two\" (first at 9:29)");
	expect_err(MIN_CFG "forums:\n" FORUM("a", "      - {board: One, group: a.one}\n"
						  "      - {board: one, group: a.two}\n"),
		   "t.yaml:9:17: duplicate board \"one\" in forums[0] (first at 8:17)");
	expect_err(MIN_CFG "forums:\n" FORUM("a", "      []\n") FORUM("a", "      []\n"),
		   "t.yaml:9:11: duplicate forum name \"a\" (first at 4:11)\n"
		   "t.yaml:9:5: forums[1]: group_prefix \"a\" is also used by forums[0]");
}

static void test_err_newsgroup(void **state)
{
	expect_err(MIN_CFG "forums:\n" FORUM("a", "      - {board: x, group: a..b}\n"),
		   "t.yaml:8:27: forums[0].boards[0].group: invalid newsgroup name \"a..b\": empty "
		   "component");
	expect_err(MIN_CFG "forums:\n" FORUM("a", "      - {board: x, group: Comp.Lang}\n"),
		   "t.yaml:8:27: forums[0].boards[0].group: invalid newsgroup name \"Comp.Lang\": "
		   "uppercase letters are not allowed");
	expect_err(
		MIN_CFG "forums:\n" FORUM("a", "      - {board: x, group: control.cancel}\n"),
		"t.yaml:8:27: forums[0].boards[0].group: invalid newsgroup name \"control.cancel\": "
		"names starting with \"control\" are reserved");
	expect_err(MIN_CFG "forums:\n  - name: all\n    type: spool\n    spool: {path: x}\n",
		   "t.yaml:4:11: forums[0]: forum name \"all\" cannot be the group prefix (the "
		   "component \"all\" is reserved); set group_prefix");
}

static void test_err_not_supported(void **state)
{
	expect_err(MIN_CFG "forums:\n  - name: d\n    type: nntp\n    spool: {path: x}\n",
		   "t.yaml:5:11: unknown forum type \"nntp\" (supported: spool, discourse, "
		   "vbulletin, phpbb, xenforo, mybb)");
	expect_err(MIN_CFG "nntp:\n  feeds: x\n", "t.yaml:4:3: nntp.feeds is not supported yet");
}

static void test_err_checks(void **state)
{
	expect_err(MIN_CFG "forums:\n  - name: a\n    type: spool\n    spool: {path: x}\n"
			   "    timezone: Europe/Berln\n",
		   "t.yaml:7:15: forums[0].timezone: unknown timezone \"Europe/Berln\" (not in "
		   "/usr/share/zoneinfo/)");
	expect_err(MIN_CFG "forums:\n  - name: a\n    type: spool\n    spool: {path: x}\n"
			   "    timezone: ../../etc/passwd\n",
		   "t.yaml:7:15: forums[0].timezone: unknown timezone \"../../etc/passwd\" (not in "
		   "/usr/share/zoneinfo/)");
	expect_err(MIN_CFG "forums:\n  - name: a\n    type: spool\n    spool: {path: x}\n"
			   "    author_address: \"{nick}@x\"\n",
		   "t.yaml:7:21: forums[0].author_address: unknown placeholder \"{nick}\" in "
		   "\"{nick}@x\" (known: {user} {id} {forum} {domain})");
	expect_err(MIN_CFG "nntp:\n  listen: [\"::1:119\"]\n",
		   "t.yaml:4:12: nntp.listen[0].address: invalid address \"::1:119\" (expected "
		   "host:port or [v6]:port, port 1-65535)");
	expect_err(
		MIN_CFG "nntp:\n  listen:\n    - {address: \"127.0.0.1:563\", tls: implicit}\n",
		"t.yaml:5:7: nntp.listen[0]: tls \"implicit\" needs nntp.tls.cert and nntp.tls.key");
	expect_err(
		MIN_CFG "nntp:\n  listen:\n    - {address: \"127.0.0.1:563\", tls: ssl}\n",
		"t.yaml:5:39: nntp.listen[0].tls: invalid value \"ssl\" (allowed: none, implicit, "
		"starttls)");
	expect_err(MIN_CFG "gateway2: \"a\\x01b\"\n",
		   "t.yaml:3:1: unknown key \"gateway2\" at top level (did you mean \"gateway\"?)");
	expect_err("gateway:\n  domain: news.example.org\n  organization: \"a\\nb\"\n",
		   "t.yaml:3:17: gateway.organization: control characters are not allowed");
}

static void test_err_syntax(void **state)
{
	expect_err(
		"gateway:\n  domain: \"unterminated\n",
		"t.yaml:3:1: found unexpected end of stream (while scanning a quoted scalar at 2:11)");
	expect_err("gateway:\n\tdomain: x\n",
		   "t.yaml:2:1: found character that cannot start any token (a tab: YAML indents "
		   "with spaces) (while scanning for the next token at 2:1)");
	expect_err(MIN_CFG "---\nx: 1\n", "t.yaml:4:1: only one YAML document is allowed");
	expect_err("gateway: *nope\n", "t.yaml:1:10: found undefined alias");
}

static void test_alias_limits(void **state)
{
	/* anchors and aliases work ... */
	struct cfg *c = load_ok(
		"gateway: &g {domain: a.example}\n"
		"forums:\n  - name: x\n    type: spool\n    spool: {path: &p /srv}\n"
		"mail: {secret_file: *p}\n");
	assert_string_equal(c->mail.secret_file, "/srv");
	cfg_free(c);
	/* ... but cannot expand without bound */
	const char *bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
			   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
			   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
			   "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
			   "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n";
	char *err = load_err_o(bomb, NULL, 0);
	assert_non_null(strstr(err, "too many nodes"));
	free(err);
}

static void test_all_errors_reported(void **state)
{
	char *err = load_err_o("gateway:\n  domian: x\nnntp:\n  workers: -1\n  idle_timeout: x\n"
			       "auth:\n  sender_policy: anyone\n",
			       NULL, 0);
	assert_string_equal(
		err,
		"t.yaml:2:3: unknown key \"domian\" in gateway (did you mean \"domain\"?)\n"
		"t.yaml:2:3: missing required key \"domain\" in gateway\n"
		"t.yaml:4:12: nntp.workers: -1 is out of range (0..1024)\n"
		"t.yaml:5:17: nntp.idle_timeout: expected integer, got string \"x\"\n"
		"t.yaml:7:18: auth.sender_policy: invalid value \"anyone\" (allowed: registered, "
		"authenticated)");
	free(err);
}

static void test_overrides(void **state)
{
	const char *yaml = MIN_CFG "forums:\n"
				   "  - name: demo\n    type: spool\n    spool: {path: /a}\n"
				   "  - name: two\n    type: spool\n    spool: {path: /b}\n";
	char *ov[] = {"gateway.store=/tmp/x.db",
		      "gateway.organization=Test Org",
		      "nntp.listen=127.0.0.1:1199, [::1]:1563/implicit",
		      "nntp.tls.cert=c.pem",
		      "nntp.tls.key=k.pem",
		      "mail.lmtp.listen=127.0.0.1:2525",
		      "forums.two.spool.path=/x",
		      "forums.0.timezone=Europe/Berlin",
		      "nntp.workers=3",
		      "auth.trusted_authserv_ids=mx.a.example,mx.b.example",
		      "mail.secret_file=\"#not a comment\""};
	struct cfg *c = load_ok_o(yaml, ov, sizeof ov / sizeof *ov);
	assert_string_equal(c->gateway.store, "/tmp/x.db");
	assert_string_equal(c->gateway.organization, "Test Org");
	assert_int_equal(c->nntp.nlisten, 2);
	assert_string_equal(c->nntp.listen[0].address, "127.0.0.1:1199");
	assert_string_equal(c->nntp.listen[0].tls, "none");
	assert_string_equal(c->nntp.listen[1].address, "[::1]:1563");
	assert_string_equal(c->nntp.listen[1].tls, "implicit");
	assert_string_equal(c->mail.lmtp_listen, "127.0.0.1:2525");
	assert_string_equal(c->forums[0].spool_path, "/a");
	assert_string_equal(c->forums[1].spool_path, "/x");
	assert_string_equal(c->forums[0].timezone, "Europe/Berlin");
	assert_int_equal(c->nntp.workers, 3);
	assert_int_equal(c->auth.ntrusted, 2);
	assert_string_equal(c->auth.trusted_authserv_ids[1], "mx.b.example");
	assert_string_equal(c->mail.secret_file, "#not a comment");
	cfg_free(c);

	/* an override may unset a value back to its default */
	char *ov2[] = {"gateway.store="};
	c = load_ok_o(MIN_CFG "  store: /x\n", ov2, 1);
	assert_string_equal(c->gateway.store, "./run/forumgate.db");
	cfg_free(c);
}

static void test_override_errors(void **state)
{
	const char *yaml = MIN_CFG
		"forums:\n  - name: demo\n    type: spool\n    spool: {path: /a}\n";
	char *ov1[] = {"gateway.stor=/x"};
	expect_err_o(yaml, ov1, 1,
		     "-o gateway.stor: unknown key \"stor\" in gateway (did you mean "
		     "\"store\"?)");
	char *ov2[] = {"forums.nope.spool.path=/x"};
	expect_err_o(yaml, ov2, 1,
		     "-o forums.nope.spool.path: no element of forums has name \"nope\"");
	char *ov3[] = {"forums.3.spool.path=/x"};
	expect_err_o(yaml, ov3, 1, "-o forums.3.spool.path: forums has no element 3 (it has 1)");
	char *ov4[] = {"nntp.workers=many", "gateway.store", "nntp.listen=127.0.0.1:1563/implicit"};
	expect_err_o(yaml, ov4, 3,
		     "-o gateway.store: expected KEY=VALUE\n"
		     "-o nntp.workers: expected integer, got string \"many\"\n"
		     "-o nntp.listen: nntp.listen[0]: tls \"implicit\" needs nntp.tls.cert and "
		     "nntp.tls.key");
	char *ov5[] = {"gateway.store.x=1", "forums.0=x", "gateway..store=x", ".=x"};
	expect_err_o(yaml, ov5, 4,
		     "-o gateway.store.x: gateway.store has no keys (\"x\")\n"
		     "-o forums.0: name a key inside forums[0]\n"
		     "-o gateway..store: empty component in the key\n"
		     "-o .: empty component in the key");
	char *ov6[] = {"forums.0.spool.path=", "mail.reply_domain=not a domain"};
	expect_err_o(yaml, ov6, 2,
		     "-o forums.0.spool.path: forums[0].spool.path: a value is required\n"
		     "-o mail.reply_domain: invalid domain name \"not a domain\"");
}

static void test_board_group(void **state)
{
	struct cfg *c = load_ok(MIN_CFG "forums:\n" FORUM(
		"demo",
		"      - {board: General Discussion, group: demo.general, description: Talk}\n"
		"      - {board: Announcements, group: demo.announce, posting: n}\n"));
	const struct cfg_forum *f = &c->forums[0];
	const char *desc = "unset";
	char posting = 'x';
	char *g = cfg_board_group(f, "general discussion", &desc, &posting);
	assert_string_equal(g, "demo.general");
	assert_string_equal(desc, "Talk");
	assert_int_equal(posting, 0);
	free(g);
	g = cfg_board_group(f, "Announcements", &desc, &posting);
	assert_string_equal(g, "demo.announce");
	assert_null(desc);
	assert_int_equal(posting, 'n');
	free(g);
	g = cfg_board_group(f, "  Off-Topic & Fun!! ", &desc, &posting);
	assert_string_equal(g, "demo.off-topic-fun");
	assert_null(desc);
	assert_int_equal(posting, 0);
	free(g);
	/* one slug rule, article_slug()'s: transliterated, not cut at
	 * every non-ASCII letter (issue #11) */
	g = cfg_board_group(f, "Café Ünïcode", NULL, NULL);
	assert_string_equal(g, "demo.cafe-unicode");
	free(g);
	g = cfg_board_group(f, "Café Straße", NULL, NULL);
	assert_string_equal(g, "demo.cafe-strasse");
	free(g);
	char *s = article_slug("Café Straße");
	assert_string_equal(s, "cafe-strasse");
	free(s);
	g = cfg_board_group(f,
			    "a long board name that goes on and on and on past sixty-four letters!",
			    NULL, NULL);
	assert_string_equal(
		g, "demo.a-long-board-name-that-goes-on-and-on-and-on-past-sixty-four-let");
	free(g);
	assert_int_equal(cfg_board_mapped(f, "General Discussion"), 1);
	assert_int_equal(cfg_board_mapped(f, "Café Straße"), 0);
	g = cfg_board_group(f, NULL, &desc, &posting);
	assert_string_equal(g, "demo.general");
	free(g);
	g = cfg_board_group(f, "", NULL, NULL);
	assert_string_equal(g, "demo.general");
	free(g);
	g = cfg_board_group(f, "???", NULL, NULL);
	assert_string_equal(g, "demo.general");
	free(g);
	g = cfg_board_group(f, "All", NULL, NULL);
	assert_string_equal(g, "demo.all-board");
	assert_int_equal(cfg_valid_newsgroup(g), 1);
	free(g);
	cfg_free(c);

	c = load_ok(MIN_CFG
		    "forums:\n  - name: x\n    type: spool\n    spool: {path: x}\n"
		    "    group_prefix: alt.forum\n    boards:\n"
		    "      - {board: \"*\", group: alt.forum.misc, description: Everything else}\n"
		    "      - {board: News, group: alt.forum.news, posting: m}\n");
	f = &c->forums[0];
	g = cfg_board_group(f, "Random", &desc, &posting);
	assert_string_equal(g, "alt.forum.misc");
	assert_string_equal(desc, "Everything else");
	free(g);
	g = cfg_board_group(f, "NEWS", &desc, &posting);
	assert_string_equal(g, "alt.forum.news");
	assert_int_equal(posting, 'm');
	free(g);
	cfg_free(c);
}

static void test_valid_newsgroup(void **state)
{
	const char *good[] = {"comp.lang.c", "alt.2600", "de.comp.lang.c++", "demo.general",
			      "a.b_c",       "local",    "alt.x-y",          "misc.test"};
	const char *bad[] = {"",        ".a",      "a.",     "a..b",         "Comp.lang",
			     "a.b c",   "a.all",   "all.x",  "x.ctl.y",      "control.cancel",
			     "control", "to.host", "to",     "example.test", "a._b",
			     "a.+b",    "a.-b",    "poster", "junk",         "a/b",
			     "ü.x"};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		if (!cfg_valid_newsgroup(good[i]))
			fail_msg("should be valid: %s", good[i]);
	}
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (cfg_valid_newsgroup(bad[i]))
			fail_msg("should be invalid: %s", bad[i]);
	}
	assert_int_equal(cfg_valid_newsgroup(NULL), 0);
	/* components merely containing reserved words are fine */
	assert_int_equal(cfg_valid_newsgroup("alt.allergies.control"), 1);
}

static void test_shipped_files(void **state)
{
	const char *files[] = {"config/forumgate.yaml", "config/demo.yaml"};
	for (size_t i = 0; i < 2; i++) {
		struct cfg *c = NULL;
		char *err = NULL;
		if (cfg_load(files[i], NULL, 0, &c, &err) != 0)
			fail_msg("%s: %s", files[i], err);
		cfg_free(c);
	}
	struct cfg *c = NULL;
	char *err = NULL;
	assert_int_equal(cfg_load("config/demo.yaml", NULL, 0, &c, &err), 0);
	assert_string_equal(c->file, "config/demo.yaml");
	assert_string_equal(c->gateway.domain, "forumgate.example");
	assert_string_equal(c->gateway.store, "./run/forumgate.db");
	assert_string_equal(c->gateway.organization, "forumgate demo");
	assert_int_equal(c->nntp.nlisten, 2);
	assert_string_equal(c->nntp.listen[0].address, "127.0.0.1:1119");
	assert_string_equal(c->nntp.listen[0].tls, "starttls");
	assert_string_equal(c->nntp.listen[1].address, "127.0.0.1:1563");
	assert_string_equal(c->nntp.listen[1].tls, "implicit");
	assert_string_equal(c->nntp.tls_cert, "./run/tls/demo-cert.pem");
	assert_string_equal(c->nntp.tls_key, "./run/tls/demo-key.pem");
	assert_string_equal(c->mail.lmtp_listen, "127.0.0.1:2424");
	assert_string_equal(c->mail.reply_domain, "reply.forumgate.example");
	assert_string_equal(c->mail.secret_file, "./run/reply-secret");
	const struct cfg_forum *f = cfg_forum_find(c, "demo");
	assert_non_null(f);
	assert_string_equal(f->type, "spool");
	assert_string_equal(f->spool_path, "./config/demo-spool");
	assert_string_equal(f->timezone, "Europe/Berlin");
	assert_string_equal(f->group_prefix, "demo");
	assert_int_equal(f->nboards, 3);
	const char *desc;
	char posting;
	char *g = cfg_board_group(f, "General Discussion", &desc, &posting);
	assert_string_equal(g, "demo.general");
	assert_string_equal(desc, "General talk about the demo forum");
	free(g);
	g = cfg_board_group(f, "Announcements", &desc, &posting);
	assert_string_equal(g, "demo.announce");
	assert_int_equal(posting, 'n');
	free(g);
	g = cfg_board_group(f, "The New News", &desc, &posting);
	assert_string_equal(g, "demo.news");
	assert_string_equal(desc, "News items and discussion");
	free(g);
	cfg_free(c);

	assert_int_equal(cfg_load("config/no-such-file.yaml", NULL, 0, &c, &err), -1);
	assert_string_equal(err, "config/no-such-file.yaml: No such file or directory");
	free(err);
}

static void round_trip(struct cfg *c)
{
	char *first = print_cfg(c);
	cfg_free(c);
	struct cfg *again = load_ok(first);
	char *second = print_cfg(again);
	assert_string_equal(first, second);
	cfg_free(again);
	free(first);
	free(second);
}

static void test_print_round_trip(void **state)
{
	struct cfg *c = NULL;
	char *err = NULL;
	assert_int_equal(cfg_load("config/forumgate.yaml", NULL, 0, &c, &err), 0);
	round_trip(c);
	assert_int_equal(cfg_load("config/demo.yaml", NULL, 0, &c, &err), 0);
	round_trip(c);
	c = load_ok(MIN_CFG
		    "  organization: \"quote \\\" back\\\\slash \\u00e9 \\N tab-less\"\n"
		    "forums:\n  - name: q\n    type: spool\n    spool: {path: \"a: b # c\"}\n"
		    "    boards:\n      - {board: \"*\", group: q.all-else}\n"
		    "auth: {trusted_authserv_ids: \"x, y\"}\n");
	char *text = print_cfg(c);
	assert_non_null(strstr(
		text, "  organization: \"quote \\\" back\\\\slash \xc3\xa9 \\x85 tab-less\"\n"));
	assert_non_null(strstr(text, "  trusted_authserv_ids: [\"x\", \"y\"]\n"));
	assert_non_null(
		strstr(text, "    boards:\n      - board: \"*\"\n        group: \"q.all-else\"\n"));
	free(text);
	round_trip(c);
}

static void test_gateway_user(void **state)
{
	struct cfg *c = load_ok(MIN_CFG);
	assert_null(c->gateway.user);
	assert_null(c->gateway.group);
	assert_int_equal(c->gateway.allow_root, 0);
	cfg_free(c);
	c = load_ok(MIN_CFG "  user: forumgate\n  group: news-gw\n  allow_root: yes\n");
	assert_string_equal(c->gateway.user, "forumgate");
	assert_string_equal(c->gateway.group, "news-gw");
	assert_int_equal(c->gateway.allow_root, 1);
	round_trip(c);
	expect_err(MIN_CFG "  user: \"a b\"\n",
		   "t.yaml:3:9: gateway.user: must be a user or group name (letters, digits, '.', "
		   "'_', '-')");
}

/* CFG_CHECK_FILES: every file the configuration names must be readable,
 * each failure at its value's position, naming the key. */
static void test_check_files(void **state)
{
	const char *yaml = MIN_CFG "nntp:\n  tls:\n    cert: /nonexistent/cert.pem\n"
				   "    key: t.yaml-missing-key\n"
				   "mail:\n  secret_file: /etc/hostname\n"
				   "forums:\n  - name: demo\n    type: spool\n    spool:\n"
				   "      path: /nonexistent/spool\n";
	struct cfg *c = NULL;
	char *err = NULL;
	/* without the flag nothing is opened */
	assert_int_equal(cfg_load_string("t.yaml", yaml, strlen(yaml), NULL, 0, &c, &err), 0);
	cfg_free(c);
	c = NULL;
	assert_int_equal(cfg_load_string_flags("t.yaml", yaml, strlen(yaml), NULL, 0,
					       CFG_CHECK_FILES, &c, &err),
			 -1);
	assert_null(c);
	assert_string_equal(err, "t.yaml:5:11: nntp.tls.cert: /nonexistent/cert.pem: No such file "
				 "or directory\n"
				 "t.yaml:6:10: nntp.tls.key: t.yaml-missing-key: No such file or "
				 "directory\n"
				 "t.yaml:13:13: forums[0].spool.path: /nonexistent/spool: No such "
				 "file or directory");
	free(err);
	err = NULL;
	/* an override is named as such */
	char *ov[] = {"mail.secret_file=/nonexistent/secret"};
	assert_int_equal(cfg_load_string_flags("t.yaml", MIN_CFG, strlen(MIN_CFG), ov, 1,
					       CFG_CHECK_FILES, &c, &err),
			 -1);
	assert_string_equal(err, "-o mail.secret_file: /nonexistent/secret: No such file or "
				 "directory");
	free(err);
}

/* No mail.imap: check-config prints no imap block of defaults. */
static void test_print_no_imap(void **state)
{
	struct cfg *c = load_ok(MIN_CFG);
	char *text = print_cfg(c);
	assert_null(strstr(text, "imap:"));
	free(text);
	cfg_free(c);
	c = load_ok(MIN_CFG "mail:\n  imap: {host: imap.example.org, user: fg, "
			    "password_file: /x}\n");
	text = print_cfg(c);
	assert_non_null(strstr(text, "  imap:\n    host: \"imap.example.org\"\n"));
	free(text);
	cfg_free(c);
}

static void test_imap_section(void **state)
{
	struct cfg *c = load_ok(MIN_CFG "mail:\n  imap: {host: imap.example.org, user: fg, "
					"password_file: /etc/pw}\n");
	assert_string_equal(c->mail.imap.host, "imap.example.org");
	assert_int_equal(c->mail.imap.port, 993);
	assert_string_equal(c->mail.imap.tls, "implicit");
	assert_string_equal(c->mail.imap.mailbox, "INBOX");
	assert_string_equal(c->mail.imap.failed_mailbox, "forumgate-failed");
	assert_int_equal(c->mail.imap.poll_interval, 60);
	assert_int_equal(c->mail.imap.idle, 1);
	assert_null(c->mail.imap.tls_ca);
	round_trip(c);
	c = load_ok(MIN_CFG "mail:\n  imap: {host: 127.0.0.1, tls: none, user: fg, "
			    "password_file: /p, idle: no}\n");
	assert_int_equal(c->mail.imap.port, 143);
	assert_int_equal(c->mail.imap.idle, 0);
	round_trip(c);
	c = load_ok(MIN_CFG);
	assert_null(c->mail.imap.host);
	round_trip(c);
	expect_err(MIN_CFG "mail:\n  imap: {host: x}\n",
		   "t.yaml:4:9: missing required key \"user\" in mail.imap\n"
		   "t.yaml:4:9: missing required key \"password_file\" in mail.imap");
	expect_err(MIN_CFG "mail:\n  imap: {user: fg, password_file: /p}\n",
		   "t.yaml:4:9: missing required key \"host\" in mail.imap");
	expect_err(MIN_CFG "mail:\n  imap: {host: imap.example.org, tls: none, user: u, "
			   "password_file: /p}\n",
		   "t.yaml:4:39: mail.imap.tls: \"none\" is only allowed for a loopback host (the "
		   "password would cross the network in clear), not imap.example.org");
	expect_err(MIN_CFG "mail:\n  imap: {host: h, user: u, password_file: /p, mailbox: A, "
			   "failed_mailbox: A}\n",
		   "t.yaml:4:9: mail.imap: mailbox and failed_mailbox must differ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_err_unknown_key),
		cmocka_unit_test(test_err_type),
		cmocka_unit_test(test_err_range),
		cmocka_unit_test(test_err_missing),
		cmocka_unit_test(test_err_duplicate_key),
		cmocka_unit_test(test_err_duplicate_group),
		cmocka_unit_test(test_err_newsgroup),
		cmocka_unit_test(test_err_not_supported),
		cmocka_unit_test(test_gateway_user),
		cmocka_unit_test(test_imap_section),
		cmocka_unit_test(test_err_checks),
		cmocka_unit_test(test_err_syntax),
		cmocka_unit_test(test_alias_limits),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_override_errors),
		cmocka_unit_test(test_board_group),
		cmocka_unit_test(test_valid_newsgroup),
		cmocka_unit_test(test_shipped_files),
		cmocka_unit_test(test_print_round_trip),
		cmocka_unit_test(test_check_files),
		cmocka_unit_test(test_print_no_imap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
