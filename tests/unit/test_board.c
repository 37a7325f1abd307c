/*
 * Tests for the board connector's pieces that need no board:
 * gateway/forum/robots.c (RFC 9309 /robots.txt for our crawler).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../gateway/forum/robots.h"

static void parse(const char *txt, struct robots *r)
{
	robots_parse(txt, strlen(txt), "forumgate", r);
}

/* Our own group wins over '*'; without one, '*' applies. */
static void test_groups(void **state)
{
	(void)state;
	struct robots r;
	parse("User-agent: *\nDisallow: /\n\nUser-agent: ForumGate\nDisallow: /private/\n", &r);
	assert_true(robots_allowed(&r, "/showthread.php?t=1"));
	assert_false(robots_allowed(&r, "/private/x"));
	robots_free(&r);

	parse("User-agent: googlebot\nDisallow: /\n\nUser-agent: *\nDisallow: /search.php\n", &r);
	assert_true(robots_allowed(&r, "/showthread.php?t=1"));
	assert_false(robots_allowed(&r, "/search.php?do=getnew"));
	robots_free(&r);

	/* a group of several agents, and a product token with a version */
	parse("User-agent: a\nUser-agent: forumgate/0.1\nDisallow: /x\nUser-agent: *\nDisallow: /\n",
	      &r);
	assert_false(robots_allowed(&r, "/x1"));
	assert_true(robots_allowed(&r, "/y"));
	robots_free(&r);

	/* "forumgatex" is another crawler */
	parse("User-agent: forumgatex\nDisallow: /\n", &r);
	assert_true(robots_allowed(&r, "/"));
	robots_free(&r);

	/* two groups for us are merged */
	parse("User-agent: forumgate\nDisallow: /a\n\nUser-agent: forumgate\nDisallow: /b\n", &r);
	assert_false(robots_allowed(&r, "/a"));
	assert_false(robots_allowed(&r, "/b"));
	robots_free(&r);
}

/* The longest match decides; Allow wins a tie; '*' and '$'. */
static void test_longest_match(void **state)
{
	(void)state;
	struct robots r;
	parse("User-agent: *\n"
	      "Disallow: /forum/\n"
	      "Allow: /forum/showthread.php\n"
	      "Disallow: /*.php?do=\n"
	      "Disallow: /*.gif$\n"
	      "Allow: /tie\n"
	      "Disallow: /tie\n"
	      "Disallow:\n",
	      &r);
	assert_false(robots_allowed(&r, "/forum/forumdisplay.php?f=2"));
	assert_true(robots_allowed(&r, "/forum/showthread.php?t=5"));
	assert_false(robots_allowed(&r, "/member.php?do=logout"));
	assert_true(robots_allowed(&r, "/member.php?u=1"));
	assert_false(robots_allowed(&r, "/img/a.gif"));
	assert_true(robots_allowed(&r, "/img/a.gif?x=1"));
	assert_true(robots_allowed(&r, "/tie"));
	assert_true(robots_allowed(&r, "/index.php"));
	assert_true(robots_allowed(&r, "/robots.txt"));
	robots_free(&r);
}

/* Crawl-delay (seconds, fractions), comments, CRLF, junk lines, rules
 * before any group, case of keys. */
static void test_delay_and_junk(void **state)
{
	(void)state;
	struct robots r;
	parse("Disallow: /early\r\n# comment\r\nnonsense line\r\n"
	      "USER-AGENT: *   # everyone\r\nCrawl-delay: 2.5\r\nDISALLOW: /admin # no\r\n"
	      "Sitemap: http://x/s.xml\r\n",
	      &r);
	assert_int_equal(r.crawl_delay_ms, 2500);
	assert_true(robots_allowed(&r, "/early"));
	assert_false(robots_allowed(&r, "/admin/x"));
	robots_free(&r);

	parse("User-agent: *\nCrawl-delay: soon\n", &r);
	assert_int_equal(r.crawl_delay_ms, -1);
	robots_free(&r);

	parse("", &r);
	assert_true(robots_allowed(&r, "/"));
	assert_int_equal(r.crawl_delay_ms, -1);
	robots_free(&r);

	/* many stars do not blow up */
	parse("User-agent: *\nDisallow: /*a*a*a*a*a*a*a*a*a*a*a*a*b\n", &r);
	char path[4000];
	memset(path, 'a', sizeof path - 1);
	path[0] = '/';
	path[sizeof path - 1] = 0;
	assert_true(robots_allowed(&r, path));
	robots_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_longest_match),
		cmocka_unit_test(test_delay_and_junk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
