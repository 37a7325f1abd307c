/*
 * Tests for gateway/mail/listreq.c: the -request commands from the Subject
 * and the body (options, case, addresses, quoted lines, signatures, "end",
 * the command limit, errors per bad line), confirm tokens in replies to
 * the confirmation request, and the reply texts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "forumgate/buf.h"
#include "forumgate/listreq.h"

static void parse(const char *subject, const char *body, struct listreq_result *r)
{
	listreq_parse(subject, body, body ? strlen(body) : 0, 0, r);
}

static void test_subscribe_options(void **state)
{
	struct listreq_result r;

	parse(NULL,
	      "subscribe\nSUBSCRIBE Digest Weekly\nsubscribe each html "
	      "address=<Bob@Example.ORG>\njoin daily\n",
	      &r);
	assert_int_equal(r.ncmds, 4);
	assert_int_equal(r.nerrors, 0);
	assert_int_equal(r.cmds[0].verb, LISTREQ_SUBSCRIBE);
	assert_int_equal(r.cmds[0].mode, LISTREQ_MODE_DEFAULT);
	assert_null(r.cmds[0].address);
	assert_int_equal(r.cmds[0].lineno, 1);
	assert_int_equal(r.cmds[1].mode, LISTREQ_MODE_DIGEST);
	assert_int_equal(r.cmds[1].period, LISTREQ_WEEKLY);
	assert_string_equal(r.cmds[1].line, "SUBSCRIBE Digest Weekly");
	assert_int_equal(r.cmds[2].mode, LISTREQ_MODE_EACH);
	assert_int_equal(r.cmds[2].format, LISTREQ_HTML);
	assert_string_equal(r.cmds[2].address, "Bob@Example.ORG");
	assert_int_equal(r.cmds[3].verb, LISTREQ_SUBSCRIBE);
	assert_int_equal(r.cmds[3].mode, LISTREQ_MODE_DIGEST);
	assert_int_equal(r.cmds[3].period, LISTREQ_DAILY);
	assert_null(r.stopped_at);
	listreq_result_free(&r);

	parse(NULL,
	      "unsubscribe address=a@b.example\r\ndigest\r\ndigest daily\r\nnodigest\r\n"
	      "each\r\nhtml\r\ntext\r\nhelp\r\nconfirm abc-123_X.y\r\n",
	      &r);
	assert_int_equal(r.ncmds, 8); /* "each" is "nodigest" again: kept once */
	assert_int_equal(r.cmds[0].verb, LISTREQ_UNSUBSCRIBE);
	assert_string_equal(r.cmds[0].address, "a@b.example");
	assert_int_equal(r.cmds[1].verb, LISTREQ_DIGEST);
	assert_int_equal(r.cmds[1].period, LISTREQ_PERIOD_DEFAULT);
	assert_int_equal(r.cmds[2].period, LISTREQ_DAILY);
	assert_int_equal(r.cmds[3].verb, LISTREQ_NODIGEST);
	assert_int_equal(r.cmds[4].verb, LISTREQ_FORMAT);
	assert_int_equal(r.cmds[4].format, LISTREQ_HTML);
	assert_int_equal(r.cmds[5].format, LISTREQ_TEXT);
	assert_int_equal(r.cmds[6].verb, LISTREQ_HELP);
	assert_int_equal(r.cmds[7].verb, LISTREQ_CONFIRM);
	assert_string_equal(r.cmds[7].token, "abc-123_X.y");
	assert_string_equal(r.cmds[7].line, "confirm abc-123_X.y");
	listreq_result_free(&r);
}

static void test_errors_per_line(void **state)
{
	struct listreq_result r;

	parse(NULL,
	      "subscribe sometimes\nsubscribe address=not-an-address\nsubscribe each weekly\n"
	      "confirm\nconfirm bad<token>\nhelp\ndigest monthly\nnodigest now\n"
	      "unsubscribe address=a@b@\n",
	      &r);
	assert_int_equal(r.ncmds, 1);
	assert_int_equal(r.cmds[0].verb, LISTREQ_HELP);
	assert_int_equal(r.cmds[0].lineno, 6);
	assert_int_equal(r.nerrors, 8);
	assert_int_equal(r.errors[0].lineno, 1);
	assert_string_equal(r.errors[0].line, "subscribe sometimes");
	assert_non_null(strstr(r.errors[0].why, "unknown option"));
	assert_non_null(strstr(r.errors[1].why, "address="));
	assert_non_null(strstr(r.errors[2].why, "each"));
	assert_non_null(strstr(r.errors[3].why, "token"));
	assert_non_null(strstr(r.errors[4].why, "token"));
	assert_non_null(strstr(r.errors[5].why, "daily"));
	assert_non_null(strstr(r.errors[6].why, "no options"));
	assert_int_equal(r.errors[7].lineno, 9);

	struct listreq_list l = {"demo.general", "demo.general@lists.example",
				 "demo.general-request@lists.example", NULL};
	const char *outcomes[] = {"Help sent."};
	char *t = listreq_results_text(&l, &r, outcomes);
	/* in line order: five errors, the help, three errors */
	const char *e5 = strstr(t,
				"> confirm bad<token>\nError: that is not a confirmation token.");
	const char *h = strstr(t, "> help\nHelp sent.\n");
	const char *e6 = strstr(t, "> digest monthly\nError:");
	assert_non_null(e5);
	assert_non_null(h);
	assert_non_null(e6);
	assert_true(e5 < h && h < e6);
	assert_null(strstr(t, "No command"));
	free(t);
	listreq_result_free(&r);
}

static void test_stops(void **state)
{
	struct listreq_result r;

	/* quoted lines and blank lines are skipped; prose stops reading */
	parse(NULL, "\n\n> subscribe\n  subscribe  \nThanks, Bob\nunsubscribe\n", &r);
	assert_int_equal(r.ncmds, 1);
	assert_int_equal(r.cmds[0].lineno, 4);
	assert_int_equal(r.nerrors, 0);
	assert_string_equal(r.stopped_at, "Thanks, Bob");
	listreq_result_free(&r);

	/* a signature, with or without its space, and "end" */
	parse(NULL, "help\n-- \nunsubscribe\n", &r);
	assert_int_equal(r.ncmds, 1);
	assert_null(r.stopped_at);
	listreq_result_free(&r);
	parse(NULL, "help\r\n--\r\nunsubscribe\r\n", &r);
	assert_int_equal(r.ncmds, 1);
	listreq_result_free(&r);
	parse(NULL, "help\nEND\nunsubscribe\n", &r);
	assert_int_equal(r.ncmds, 1);
	listreq_result_free(&r);
	parse(NULL, "help.\nstop\nunsubscribe\n", &r);
	assert_int_equal(r.ncmds, 1);
	listreq_result_free(&r);

	/* at most N commands, errors count */
	struct buf b = BUF_INIT;
	for (int i = 0; i < 12; i++)
		buf_addf(&b, "%s\n", i == 3 ? "subscribe bogus" : i % 2 ? "digest weekly" : "help");
	listreq_parse(NULL, b.p, b.len, 5, &r);
	assert_int_equal(r.ncmds + r.nerrors, 3); /* two duplicates folded */
	assert_true(r.truncated);
	listreq_result_free(&r);
	listreq_parse(NULL, b.p, b.len, 0, &r);
	assert_true(r.truncated);
	assert_int_equal(r.nerrors, 1);
	listreq_result_free(&r);
	buf_free(&b);

	/* nothing but prose: that line is the error */
	parse("Hello there", "I would like to join the list.\nsubscribe\n", &r);
	assert_int_equal(r.ncmds, 0);
	assert_int_equal(r.nerrors, 1);
	assert_string_equal(r.errors[0].why, "not a command");
	struct listreq_list l = {"demo", "demo@x.example", "demo-request@x.example", NULL};
	char *t = listreq_results_text(&l, &r, NULL);
	assert_non_null(
		strstr(t, "No command was carried out. Send \"help\" to demo-request@x.example"));
	free(t);
	listreq_result_free(&r);

	/* no body at all, an empty one, a huge line */
	parse(NULL, NULL, &r);
	assert_int_equal(r.ncmds + r.nerrors, 0);
	listreq_result_free(&r);
	b = (struct buf)BUF_INIT;
	buf_adds(&b, "subscribe ");
	for (int i = 0; i < 5000; i++)
		buf_adds(&b, "x");
	parse(NULL, b.p, &r);
	assert_int_equal(r.ncmds, 0);
	assert_true(strlen(r.stopped_at) <= 200);
	listreq_result_free(&r);
	buf_free(&b);
}

static void test_subject(void **state)
{
	struct listreq_result r;

	parse("Subscribe me please", "Hi, I'd like to read along.\n", &r);
	assert_int_equal(r.ncmds, 1);
	assert_int_equal(r.cmds[0].verb, LISTREQ_SUBSCRIBE);
	assert_int_equal(r.cmds[0].lineno, 0);
	assert_int_equal(r.nerrors, 0); /* the body's prose is no error now */
	assert_string_equal(r.stopped_at, "Hi, I'd like to read along.");
	listreq_result_free(&r);

	/* a reply to the confirmation request, in several clients' words */
	const char *subjects[] = {
		"Re: confirm 0123456789abcdef0123",
		"RE: [demo] confirm 0123456789abcdef0123",
		"AW: Re[2]: confirm 0123456789abcdef0123",
		"Re: Your subscription to demo: please confirm 0123456789abcdef0123.",
		"SV: (confirm: 0123456789abcdef0123)",
	};
	char *s = listreq_confirm_subject("0123456789abcdef0123");
	assert_string_equal(s, "confirm 0123456789abcdef0123");
	free(s);
	for (size_t i = 0; i < sizeof subjects / sizeof subjects[0]; i++) {
		/* the quoted request in the body is ignored; the token counts once */
		parse(subjects[i],
		      "\n> Someone asked to subscribe\n> confirm 0123456789abcdef0123\n", &r);
		assert_int_equal(r.ncmds, 1);
		assert_int_equal(r.cmds[0].verb, LISTREQ_CONFIRM);
		assert_string_equal(r.cmds[0].token, "0123456789abcdef0123");
		listreq_result_free(&r);
	}
	parse("Re: confirm 0123456789abcdef0123", "confirm 0123456789abcdef0123\n", &r);
	assert_int_equal(r.ncmds, 1);
	listreq_result_free(&r);

	/* words after "confirm" that are no token */
	parse("Re: Please confirm your subscription", NULL, &r);
	assert_int_equal(r.ncmds + r.nerrors, 0);
	listreq_result_free(&r);
	parse("confirm subscription", NULL, &r);
	assert_int_equal(r.ncmds, 0);
	listreq_result_free(&r);
	parse("unconfirmed 0123456789abcdef0123", NULL, &r);
	assert_int_equal(r.ncmds, 0);
	listreq_result_free(&r);

	/* a bad address in the Subject is an error, not the sender */
	parse("subscribe address=nobody", NULL, &r);
	assert_int_equal(r.ncmds, 0);
	assert_int_equal(r.nerrors, 1);
	assert_int_equal(r.errors[0].lineno, 0);
	listreq_result_free(&r);

	parse("Re: [demo] unsubscribe", "unsubscribe\n", &r);
	assert_int_equal(r.ncmds, 1);
	assert_int_equal(r.cmds[0].verb, LISTREQ_UNSUBSCRIBE);
	listreq_result_free(&r);
}

static void test_texts(void **state)
{
	struct listreq_list l = {"demo.general", "demo.general@lists.example",
				 "demo.general-request@lists.example",
				 "https://forum.example/c/general"};
	char *h = listreq_help_text(&l);
	const char *cmds[] = {"subscribe [each | digest [daily | weekly]]",
			      "unsubscribe",
			      "digest [daily | weekly]",
			      "nodigest",
			      "html | text",
			      "confirm TOKEN",
			      "help",
			      "end",
			      "demo.general-request@lists.example",
			      "demo.general@lists.example",
			      "https://forum.example/c/general"};
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		assert_non_null(strstr(h, cmds[i]));
	free(h);

	char *c = listreq_confirm_text(&l, LISTREQ_SUBSCRIBE, "bob@example.org", "tok123456789",
				       "https://gw.example/confirm/tok123456789", 48);
	assert_non_null(strstr(c, "subscribe the address"));
	assert_non_null(strstr(c, "bob@example.org"));
	assert_non_null(strstr(c, "to the demo.general list"));
	assert_non_null(strstr(c, "\"confirm tok123456789\""));
	assert_non_null(strstr(c, "        confirm tok123456789\n"));
	assert_non_null(strstr(c, "https://gw.example/confirm/tok123456789"));
	assert_non_null(strstr(c, "48 hours"));
	assert_non_null(strstr(c, "ignore this"));
	/* what the text tells people to send is read back as the command */
	struct listreq_result r;
	parse(NULL, "confirm tok123456789\n", &r);
	assert_int_equal(r.ncmds, 1);
	assert_string_equal(r.cmds[0].token, "tok123456789");
	listreq_result_free(&r);
	free(c);
	c = listreq_confirm_text(&l, LISTREQ_UNSUBSCRIBE, "bob@example.org", "t", NULL, 0);
	assert_non_null(strstr(c, "unsubscribe the address"));
	assert_non_null(strstr(c, "from the demo.general list"));
	assert_null(strstr(c, "link"));
	assert_null(strstr(c, "expires"));
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subscribe_options),
		cmocka_unit_test(test_errors_per_line),
		cmocka_unit_test(test_stops),
		cmocka_unit_test(test_subject),
		cmocka_unit_test(test_texts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
