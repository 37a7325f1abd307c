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
	check("\xc3\x84 \xe2\x82\xac \xf0\x9f\x98\x80", 11,
	      "\xc3\x84 \xe2\x82\xac \xf0\x9f\x98\x80");
}

static void test_controls_escaped(void **state)
{
	check("a\rb\nc\x1b[2Jd\x0b\x7f\t", 13, "a\\x0db\\x0ac\\x1b[2Jd\\x0b\\x7f\\x09");
	check("nul\0byte", 8, "nul\\x00byte");
	/* C1 controls, raw and as UTF-8 (U+009B, CSI) */
	check("\x9b"
	      "1m",
	      3, "\\x9b1m");
	check("\xc2\x9b"
	      "1m",
	      4, "\\xc2\\x9b1m");
}

static void test_bad_utf8_escaped(void **state)
{
	check("\xc3", 1, "\\xc3");                            /* truncated */
	check("\xc0\xaf", 2, "\\xc0\\xaf");                   /* overlong */
	check("\xed\xa0\x80", 3, "\\xed\\xa0\\x80");          /* surrogate */
	check("\xf4\x90\x80\x80", 4, "\\xf4\\x90\\x80\\x80"); /* above U+10FFFF */
	check("\xe2\x82"
	      "x",
	      3, "\\xe2\\x82x");
}

/* What log_info(fmt, s) writes on stderr with output o, into out. */
static void capture(enum log_output o, enum log_level lvl, const char *s, char *out, size_t size)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	int saved = dup(2);
	dup2(fds[1], 2);
	log_set_output(o);
	log_set_role("test");
	log_msg(lvl, "login for %s from %s", s, "127.0.0.1");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fds[1]);
	ssize_t n = read(fds[0], out, size - 1);
	close(fds[0]);
	out[n > 0 ? n : 0] = '\0';
}

/* log_msg writes one line per call, whatever the arguments hold. */
static void test_log_line(void **state)
{
	char out[512];
	capture(LOG_OUT_STDERR, LOG_LVL_INFO, "x\r\nforumgate[nntpd]: info: forged", out,
		sizeof out);
	assert_string_equal(out, "forumgate[test]: info: login for x\\x0d\\x0aforumgate[nntpd]: "
				 "info: forged from 127.0.0.1\n");
}

/* The journal reads a syslog priority prefix; the line stays escaped. */
static void test_journal_line(void **state)
{
	char out[512];
	capture(LOG_OUT_JOURNAL, LOG_LVL_WARN, "x\n<0>forged", out, sizeof out);
	assert_string_equal(out, "<4>test: login for x\\x0a<0>forged from 127.0.0.1\n");
	capture(LOG_OUT_JOURNAL, LOG_LVL_NOTICE, "a", out, sizeof out);
	assert_string_equal(out, "<5>test: login for a from 127.0.0.1\n");
	log_set_output(LOG_OUT_STDERR);
}

/* Below the level set nothing is written. */
static void test_level_filters(void **state)
{
	char out[512];
	log_set_level(LOG_LVL_WARN);
	capture(LOG_OUT_STDERR, LOG_LVL_NOTICE, "a", out, sizeof out);
	assert_string_equal(out, "");
	capture(LOG_OUT_STDERR, LOG_LVL_ERR, "a", out, sizeof out);
	assert_string_equal(out, "forumgate[test]: error: login for a from 127.0.0.1\n");
	log_set_level(LOG_LVL_INFO);
}

static void test_names(void **state)
{
	enum log_level l;
	enum log_output o;
	assert_int_equal(log_level_parse("notice", &l), 0);
	assert_int_equal(l, LOG_LVL_NOTICE);
	assert_int_equal(log_level_parse("warning", &l), 0);
	assert_int_equal(l, LOG_LVL_WARN);
	assert_int_equal(log_level_parse("error", &l), 0);
	assert_int_equal(l, LOG_LVL_ERR);
	assert_int_equal(log_level_parse("loud", &l), -1);
	assert_int_equal(log_output_parse("journal", &o), 0);
	assert_int_equal(o, LOG_OUT_JOURNAL);
	assert_int_equal(log_output_parse("syslog", &o), 0);
	assert_int_equal(o, LOG_OUT_SYSLOG);
	assert_int_equal(log_output_parse("file", &o), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_printable_kept),
		cmocka_unit_test(test_controls_escaped),
		cmocka_unit_test(test_bad_utf8_escaped),
		cmocka_unit_test(test_log_line),
		cmocka_unit_test(test_journal_line),
		cmocka_unit_test(test_level_filters),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
