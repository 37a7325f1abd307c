/*
 * Tests for gateway/core/log.c: what log_escape keeps and what it writes as
 * \xHH, and that a whole log line comes out as one escaped line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "forumgate/buf.h"
#include "forumgate/log.h"

static void check(const char *in, size_t len, const char *want)
{
	struct buf b = BUF_INIT;
	log_escape(&b, in, len);
	assert_string_equal(buf_str(&b), want);
	buf_free(&b);
}

static void test_printable_kept(void **state)
{
	check("alice@example.org <p1.t2@x> [ok] \\ \"q\"", 38,
	      "alice@example.org <p1.t2@x> [ok] \\ \"q\"");
	check("", 0, "");
	/* UTF-8 text: Ä, €, an emoji */
	check("\xc3\x84 \xe2\x82\xac \xf0\x9f\x98\x80", 11, "\xc3\x84 \xe2\x82\xac \xf0\x9f\x98\x80");
}

static void test_controls_escaped(void **state)
{
	check("a\rb\nc\x1b[2Jd\x0b\x7f\t", 13, "a\\x0db\\x0ac\\x1b[2Jd\\x0b\\x7f\\x09");
	check("nul\0byte", 8, "nul\\x00byte");
	/* C1 controls, raw and as UTF-8 (U+009B, CSI) */
	check("\x9b" "1m", 3, "\\x9b1m");
	check("\xc2\x9b" "1m", 4, "\\xc2\\x9b1m");
}

static void test_bad_utf8_escaped(void **state)
{
	check("\xc3", 1, "\\xc3");                 /* truncated */
	check("\xc0\xaf", 2, "\\xc0\\xaf");         /* overlong */
	check("\xed\xa0\x80", 3, "\\xed\\xa0\\x80"); /* surrogate */
	check("\xf4\x90\x80\x80", 4, "\\xf4\\x90\\x80\\x80"); /* above U+10FFFF */
	check("\xe2\x82" "x", 3, "\\xe2\\x82x");
}

/* log_msg writes one line per call, whatever the arguments hold. */
static void test_log_line(void **state)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	int saved = dup(2);
	dup2(fds[1], 2);
	log_set_role("test");
	log_info("login for %s from %s", "x\r\nforumgate[nntpd]: info: forged", "127.0.0.1");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fds[1]);
	char out[512];
	ssize_t n = read(fds[0], out, sizeof out - 1);
	close(fds[0]);
	assert_true(n > 0);
	out[n] = '\0';
	assert_string_equal(out, "forumgate[test]: info: login for x\\x0d\\x0aforumgate[nntpd]: "
				 "info: forged from 127.0.0.1\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_printable_kept),
		cmocka_unit_test(test_controls_escaped),
		cmocka_unit_test(test_bad_utf8_escaped),
		cmocka_unit_test(test_log_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
