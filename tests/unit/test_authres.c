/*
 * Tests for gateway/mail/authres.c: the RFC 8601 reader (comments, quoted
 * strings, versions, "none", reason and properties, malformed headers),
 * relaxed domain alignment, and which headers authres_verify_sender
 * believes, with each bypass of issue #10 item 8: an SPF pass for another
 * domain, a DKIM pass for d=evil.example, "dmarc=pass" inside a comment,
 * and Authentication-Results headers added by the sender below ours.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "forumgate/authres.h"
#include "forumgate/buf.h"

static void test_parse_typical(void **state)
{
	struct authres a;
	char *err = NULL;
	const char *v = "mx.google.com;\r\n       dkim=pass header.i=@example.org header.s=s1 "
			"header.b=\"ab/c+d=\";\r\n       spf=pass (google.com: domain of "
			"alice@example.org designates 192.0.2.1 as permitted sender) "
			"smtp.mailfrom=alice@example.org;\r\n       dmarc=pass (p=NONE sp=NONE "
			"dis=NONE) header.from=example.org";
	assert_int_equal(authres_parse(v, &a, &err), 0);
	assert_string_equal(a.authserv_id, "mx.google.com");
	assert_int_equal(a.nresults, 3);
	assert_string_equal(a.results[0].method, "dkim");
	assert_string_equal(a.results[0].result, "pass");
	assert_string_equal(authres_prop(&a.results[0], "header", "i"), "@example.org");
	assert_string_equal(authres_prop(&a.results[0], "HEADER", "b"), "ab/c+d=");
	assert_null(authres_prop(&a.results[0], "header", "d"));
	assert_string_equal(a.results[1].method, "spf");
	assert_string_equal(authres_prop(&a.results[1], "smtp", "mailfrom"), "alice@example.org");
	assert_string_equal(a.results[2].method, "dmarc");
	assert_string_equal(authres_prop(&a.results[2], "header", "from"), "example.org");
	authres_clear(&a);

	/* version, method version, reason before and after the properties,
	 * a quoted authserv-id, upper case, unusual spacing, a trailing ';' */
	v = "\"mx.example.net\" 1 ; DKIM/1 = Fail reason=\"bad; sig\" header.d = "
	    "example.org ; spf=softfail smtp.mailfrom=\"a b\"@example.org reason=x;";
	assert_int_equal(authres_parse(v, &a, &err), 0);
	assert_string_equal(a.authserv_id, "mx.example.net");
	assert_int_equal(a.nresults, 2);
	assert_string_equal(a.results[0].method, "dkim");
	assert_string_equal(a.results[0].result, "fail");
	assert_string_equal(a.results[0].reason, "bad; sig");
	assert_string_equal(authres_prop(&a.results[0], "header", "d"), "example.org");
	assert_string_equal(a.results[1].result, "softfail");
	assert_string_equal(authres_prop(&a.results[1], "smtp", "mailfrom"), "a b@example.org");
	assert_string_equal(a.results[1].reason, "x");
	authres_clear(&a);

	/* "none": no results */
	assert_int_equal(authres_parse("mx.example.net; none", &a, &err), 0);
	assert_int_equal(a.nresults, 0);
	authres_clear(&a);
	assert_int_equal(authres_parse("mx.example.net (no checks) ; none (really)", &a, &err), 0);
	assert_int_equal(a.nresults, 0);
	authres_clear(&a);
}

/* Text in comments and quoted strings is never a result. */
static void test_parse_comments_and_quotes(void **state)
{
	struct authres a;
	char *err = NULL;
	const char *v = "mx.example.net; dkim=fail (dmarc=pass; spf=pass (nested \\) paren)) "
			"header.d=example.org";
	assert_int_equal(authres_parse(v, &a, &err), 0);
	assert_int_equal(a.nresults, 1);
	assert_string_equal(a.results[0].method, "dkim");
	assert_string_equal(a.results[0].result, "fail");
	authres_clear(&a);

	v = "mx.example.net; spf=fail reason=\"; dmarc=pass header.from=example.org\"";
	assert_int_equal(authres_parse(v, &a, &err), 0);
	assert_int_equal(a.nresults, 1);
	assert_string_equal(a.results[0].reason, "; dmarc=pass header.from=example.org");
	authres_clear(&a);

	/* the authserv-id may be followed by a comment before the ';' */
	v = "mx.example.net (dmarc=pass); auth=pass smtp.auth=alice";
	assert_int_equal(authres_parse(v, &a, &err), 0);
	assert_int_equal(a.nresults, 1);
	assert_string_equal(a.results[0].method, "auth");
	authres_clear(&a);
}

static void test_parse_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"; dkim=pass",                                  /* no authserv-id */
		"mx.example.net dkim=pass",                     /* no ';' */
		"mx.example.net; dkim",                         /* no result */
		"mx.example.net; dkim=",                        /* empty result */
		"mx.example.net; dkim=pass (unclosed",          /* open comment */
		"mx.example.net; dkim=pass header.d=\"x",       /* open quote */
		"mx.example.net; dkim=pass header=example.org", /* no ptype.property */
		"mx.example.net; dkim=pass header.d",           /* no value */
		"mx.example.net; none; dkim=pass",              /* none and more */
		"mx.example.net 2; dkim=pass",                  /* unknown version */
		"mx.example.net; dkim=pass) x",                 /* stray ')' */
		"mx.example.net; dkim=pass.x",                  /* runs into the next token */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct authres a;
		char *err = NULL;
		if (authres_parse(bad[i], &a, &err) != -1)
			fail_msg("parsed: %s", bad[i]);
		assert_non_null(err);
		assert_null(a.authserv_id);
		assert_int_equal(a.nresults, 0);
		free(err);
	}
}

static void test_aligned(void **state)
{
	assert_true(authres_aligned("example.org", "example.org"));
	assert_true(authres_aligned("Example.ORG.", "example.org"));
	assert_true(authres_aligned("mail.example.org", "example.org"));
	assert_true(authres_aligned("example.org", "lists.example.org"));
	assert_false(authres_aligned("evil.example", "example.org"));
	assert_false(authres_aligned("evilexample.org", "example.org"));
	assert_false(authres_aligned("example.org.evil.example", "example.org"));
	assert_false(authres_aligned("org", "example.org")); /* a top-level domain */
	assert_false(authres_aligned("a.example.org", "b.example.org"));
	assert_false(authres_aligned("", "example.org"));
	assert_false(authres_aligned(NULL, "example.org"));
}

static char *const trusted[] = {"mx.forumgate.example", "mx2.forumgate.example"};

/* Parses a header block ("Name: value\n" lines, no folding) and asks
 * authres_verify_sender about example.org. */
static int verify(const char *block, char **why)
{
	struct mail_header h[16];
	size_t n = 0;
	char *copy = xstrdup(block);
	for (char *line = strtok(copy, "\n"); line && n < 16; line = strtok(NULL, "\n")) {
		char *colon = strchr(line, ':');
		assert_non_null(colon);
		*colon = '\0';
		h[n].name = line;
		h[n].value = colon + 1 + strspn(colon + 1, " ");
		n++;
	}
	int r = authres_verify_sender(h, n, "example.org", trusted, 2, why);
	free(copy);
	return r;
}

static void expect(const char *block, int want, const char *why_part)
{
	char *why = NULL;
	int r = verify(block, &why);
	if (r != want || (why_part && (why == NULL || strstr(why, why_part) == NULL)))
		fail_msg("got %d (%s), want %d (%s) for:\n%s", r, why ? why : "-", want,
			 why_part ? why_part : "-", block);
	free(why);
}

/* Each bypass of the issue, and the aligned passes that must still work. */
static void test_verify_alignment(void **state)
{
	/* an SPF pass for another domain */
	expect("Authentication-Results: mx.forumgate.example; spf=pass "
	       "smtp.mailfrom=bounce@evil.example\nFrom: alice@example.org\n",
	       0, "spf=pass for evil.example");
	/* an SPF pass without the checked identity, or for HELO only */
	expect("Authentication-Results: mx.forumgate.example; spf=pass\n", 0, "spf=pass");
	expect("Authentication-Results: mx.forumgate.example; spf=pass smtp.helo=example.org\n", 0,
	       NULL);
	/* a DKIM pass for d=evil.example */
	expect("Authentication-Results: mx.forumgate.example; dkim=pass header.d=evil.example\n", 0,
	       "dkim=pass for evil.example");
	expect("Authentication-Results: mx.forumgate.example; dkim=pass header.i=@example.org.evil"
	       ".example\n",
	       0, NULL);
	/* dmarc=pass inside a comment */
	expect("Authentication-Results: mx.forumgate.example; dkim=fail (dmarc=pass) "
	       "header.d=example.org\n",
	       0, "dkim=fail for example.org");
	/* dmarc=pass for another From domain, or without saying which */
	expect("Authentication-Results: mx.forumgate.example; dmarc=pass header.from=evil.example\n",
	       0, NULL);
	expect("Authentication-Results: mx.forumgate.example; dmarc=pass\n", 0, NULL);
	/* an untrusted authserv-id, a look-alike one */
	expect("Authentication-Results: evil.example; dmarc=pass header.from=example.org\n", 0,
	       "no Authentication-Results header of mx.forumgate.example");
	expect("Authentication-Results: mx.forumgate.example.evil.example; dmarc=pass "
	       "header.from=example.org\n",
	       0, NULL);

	/* what does vouch */
	expect("Authentication-Results: mx.forumgate.example; dmarc=pass (p=none) "
	       "header.from=Example.org\n",
	       1, NULL);
	expect("Authentication-Results: mx.forumgate.example; spf=fail; dkim=pass "
	       "header.d=example.org\n",
	       1, NULL);
	expect("Authentication-Results: MX2.forumgate.example; dkim=pass header.i=alice@mail.example"
	       ".org\n",
	       1, NULL);
	expect("Authentication-Results: mx.forumgate.example; spf=pass "
	       "smtp.mailfrom=alice@example.org\n",
	       1, NULL);
	/* two signatures, one aligned */
	expect("Authentication-Results: mx.forumgate.example; dkim=pass header.d=esp.example; "
	       "dkim=pass header.d=example.org\n",
	       1, NULL);
	/* a DMARC failure for the From domain outweighs a relaxed DKIM pass */
	expect("Authentication-Results: mx.forumgate.example; dkim=pass header.d=mail.example.org; "
	       "dmarc=fail (p=reject) header.from=example.org\n",
	       0, "DMARC failed for example.org");
}

/* Which headers are believed: the "second A-R header added by the
 * sender", in the places a sender can put it. */
static void test_verify_order(void **state)
{
	/* ours says fail; the sender's, right under it, says pass */
	expect("Authentication-Results: mx.forumgate.example; dkim=none; spf=fail "
	       "smtp.mailfrom=example.org; dmarc=fail header.from=example.org\n"
	       "Authentication-Results: mx.forumgate.example; dmarc=pass header.from=example.org\n",
	       0, NULL);
	expect("Authentication-Results: mx.forumgate.example; dkim=fail header.d=example.org\n"
	       "Authentication-Results: mx.forumgate.example; dkim=pass header.d=example.org\n",
	       0, "dkim=fail");
	/* ours, then the hop from outside, then the sender's with our id */
	expect("Authentication-Results: mx.forumgate.example; spf=none smtp.mailfrom=example.org\n"
	       "Received: from evil.example by mx.forumgate.example\n"
	       "Authentication-Results: mx.forumgate.example; dmarc=pass header.from=example.org\n",
	       0, NULL);
	/* another ADMD's verdict between ours and a lower one with our id */
	expect("Authentication-Results: mx.forumgate.example; spf=none smtp.mailfrom=example.org\n"
	       "Authentication-Results: relay.evil.example; dkim=pass header.d=example.org\n"
	       "Authentication-Results: mx.forumgate.example; dmarc=pass header.from=example.org\n",
	       0, NULL);
	/* below the author's own fields */
	expect("Received: from evil.example by mx.forumgate.example\n"
	       "From: alice@example.org\n"
	       "Authentication-Results: mx.forumgate.example; dmarc=pass header.from=example.org\n",
	       0, "no Authentication-Results header");
	/* a malformed header of ours is believed in no part */
	expect("Authentication-Results: mx.forumgate.example; dmarc=pass header.from=example.org "
	       "(unclosed\n",
	       0, "unreadable");

	/* layouts of real MTAs: A-R above the MTA's Received (milters), or
	 * below it (Gmail), several headers of one authserv-id with filter
	 * headers between them, later untrusted headers on top */
	expect("DMARC-Filter: OpenDMARC Filter v1.4.2 mx.forumgate.example 8B2A93F5C4\n"
	       "Authentication-Results: mx.forumgate.example; dmarc=pass (p=none dis=none) "
	       "header.from=example.org\n"
	       "Authentication-Results: mx.forumgate.example; spf=pass smtp.mailfrom=example.org\n"
	       "DKIM-Filter: OpenDKIM Filter v2.11.0 mx.forumgate.example 8B2A93F5C4\n"
	       "Authentication-Results: mx.forumgate.example; dkim=pass header.d=example.org\n"
	       "Received: from mail.example.org by mx.forumgate.example (Postfix)\n"
	       "DKIM-Signature: v=1; d=example.org\n"
	       "From: alice@example.org\n",
	       1, NULL);
	expect("Return-Path: <alice@example.org>\n"
	       "Received: from mail.example.org by mx.forumgate.example\n"
	       "Received-SPF: pass\n"
	       "Authentication-Results: mx.forumgate.example; dkim=pass header.i=@example.org; "
	       "spf=pass smtp.mailfrom=alice@example.org; dmarc=pass header.from=example.org\n"
	       "From: alice@example.org\n",
	       1, NULL);
	/* the reason ends in a bounce: it stays short however long the header */
	struct buf b = BUF_INIT;
	buf_adds(&b, "Authentication-Results: mx.forumgate.example");
	for (int i = 0; i < 200; i++)
		buf_addf(&b, "; x%d=pass; dkim=pass header.d=%0100d.evil.example", i, i);
	buf_adds(&b, "\n");
	char *why = NULL;
	assert_int_equal(verify(b.p, &why), 0);
	assert_true(strlen(why) < 500);
	assert_non_null(strstr(why, ", ..."));
	free(why);
	buf_free(&b);

	expect("Authentication-Results: imap.forumgate.example; none\n"
	       "Authentication-Results: mx.forumgate.example; dkim=pass header.d=example.org\n",
	       1, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_typical),
		cmocka_unit_test(test_parse_comments_and_quotes),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_aligned),
		cmocka_unit_test(test_verify_alignment),
		cmocka_unit_test(test_verify_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
