/*
 * Tests for gateway/article/article.c and header.c: complete articles in
 * exact wire form, encoded-words (decoded back with libetpan to prove the
 * round trip), folding limits, hostile titles, References trimming,
 * Message-IDs, dates, body rendering and slugs.
 *
 * Only test_flowed_body depends on a real text_flow(); every other body here
 * is made of short lines that format=flowed leaves as they are.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>
#include <cmocka.h>

#include "forumgate/article.h"

/* --- helpers --- */

static char *decode(const char *s)
{
	size_t idx = 0;
	char *out = NULL;
	int r = mailmime_encoded_phrase_parse("utf-8", s, strlen(s), &idx, "utf-8", &out);

	assert_int_equal(r, MAILIMF_NO_ERROR);
	assert_non_null(out);
	return out;
}

static char *unstructured(const char *s)
{
	struct buf b = BUF_INIT;
	article_hdr_unstructured(&b, s);
	return buf_detach(&b);
}

static char *phrase(const char *s)
{
	struct buf b = BUF_INIT;
	article_hdr_phrase(&b, s);
	return buf_detach(&b);
}

static void assert_unstructured(const char *in, const char *want, const char *decoded)
{
	char *got = unstructured(in), *dec = decode(got);

	assert_string_equal(got, want);
	assert_string_equal(dec, decoded);
	free(got);
	free(dec);
}

static void assert_phrase(const char *in, const char *want, const char *decoded)
{
	char *got = phrase(in);

	assert_string_equal(got, want);
	if (decoded) {
		char *dec = decode(got);
		assert_string_equal(dec, decoded);
		free(dec);
	}
	free(got);
}

static int utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t k;
		if (s[i] < 0x80)
			k = 0;
		else if (s[i] >= 0xC2 && s[i] <= 0xDF)
			k = 1;
		else if (s[i] >= 0xE0 && s[i] <= 0xEF)
			k = 2;
		else if (s[i] >= 0xF0 && s[i] <= 0xF4)
			k = 3;
		else
			return 0;
		if (i + k >= n + (k == 0))
			return 0;
		for (size_t j = 1; j <= k; j++)
			if ((s[i + j] & 0xC0) != 0x80)
				return 0;
		i += k + 1;
	}
	return 1;
}

static int b64val(char c)
{
	const char *t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(t, c) : NULL;
	return p ? (int)(p - t) : -1;
}

/* Checks every encoded-word of s: at most 75 octets, Q text only from the
 * allowed set (phrase: RFC 2047 §5 (3)), and each one decodes on its own to
 * complete UTF-8 characters. Returns how many there were. */
static int check_encoded_words(const char *s, int phrase_set)
{
	int count = 0;
	const char *p = s;

	while ((p = strstr(p, "=?UTF-8?")) != NULL) {
		const char *text = p + 10, *end = strstr(text, "?=");
		char enc = p[8];
		struct buf dec = BUF_INIT;

		assert_non_null(end);
		assert_true(end + 2 - p <= 75);
		assert_true(enc == 'Q' || enc == 'B');
		if (enc == 'Q') {
			for (const char *q = text; q < end; q++) {
				if (*q == '=') {
					assert_true(q + 2 < end);
					buf_addc(&dec,
						 (char)strtol((char[]){q[1], q[2], 0}, NULL, 16));
					q += 2;
				} else if (*q == '_') {
					buf_addc(&dec, ' ');
				} else {
					if (phrase_set)
						assert_non_null(strchr("abcdefghijklmnopqrstuvwxyz"
								       "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
								       "0123456789!*+-/",
								       *q));
					assert_true(*q > 0x20 && *q < 0x7F && *q != '?');
					buf_addc(&dec, *q);
				}
			}
		} else {
			assert_int_equal((end - text) % 4, 0);
			for (const char *q = text; q < end; q += 4) {
				int v[4];
				for (int i = 0; i < 4; i++)
					v[i] = q[i] == '=' ? 0 : b64val(q[i]);
				assert_true(v[0] >= 0 && v[1] >= 0 && v[2] >= 0 && v[3] >= 0);
				buf_addc(&dec, (char)(v[0] << 2 | v[1] >> 4));
				if (q[2] != '=')
					buf_addc(&dec, (char)((v[1] & 15) << 4 | v[2] >> 2));
				if (q[3] != '=')
					buf_addc(&dec, (char)((v[2] & 3) << 6 | v[3]));
			}
		}
		assert_true(utf8_valid((const unsigned char *)buf_str(&dec), dec.len));
		buf_free(&dec);
		count++;
		p = end + 2;
	}
	return count;
}

/* Checks a header block (ending with the empty line): CRLF only, every line
 * within max octets, each line a "Name:" field or a continuation that is not
 * white space only. */
static void check_header_block(const char *h, size_t n, size_t max)
{
	size_t i = 0;

	assert_true(n >= 2);
	assert_memory_equal(h + n - 2, "\r\n", 2);
	while (i < n) {
		const char *e = memchr(h + i, '\n', n - i);
		size_t len;

		assert_non_null(e);
		len = (size_t)(e - (h + i));
		assert_true(len >= 1 && h[i + len - 1] == '\r');
		len--;
		assert_null(memchr(h + i, '\r', len));
		assert_null(memchr(h + i, '\0', len));
		assert_true(len <= max);
		if (i + len + 2 == n) {
			assert_int_equal(len, 0); /* the empty line ends the block */
		} else if (h[i] == ' ' || h[i] == '\t') {
			size_t k = 0;
			while (k < len && (h[i + k] == ' ' || h[i + k] == '\t'))
				k++;
			assert_true(k < len);
		} else {
			size_t k = 0;
			while (k < len && h[i + k] > 0x20 && h[i + k] < 0x7F && h[i + k] != ':')
				k++;
			assert_true(k > 0 && k < len && h[i + k] == ':');
		}
		i += len + 2;
	}
}

/* Number of header lines starting with "name:" (any case). */
static int count_fields(const char *h, size_t n, const char *name)
{
	size_t nl = strlen(name);
	int count = 0;

	for (size_t i = 0; i < n; i++) {
		if ((i == 0 || h[i - 1] == '\n') && n - i > nl &&
		    strncasecmp(h + i, name, nl) == 0 && h[i + nl] == ':')
			count++;
	}
	return count;
}

/* The longest line (without CRLF) of s[0..n). */
static size_t longest_line(const char *s, size_t n)
{
	size_t best = 0, cur = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') {
			if (cur > best)
				best = cur;
			cur = 0;
			i++;
		} else {
			cur++;
		}
	}
	return cur > best ? cur : best;
}

/* Unfolds a folded header "Name: value\r\n" back to its value. */
static char *fold_value(const char *folded)
{
	struct buf b = BUF_INIT;
	const char *p = strchr(folded, ':');

	assert_non_null(p);
	p++;
	if (*p == ' ')
		p++;
	for (; *p; p++)
		if (*p != '\r' && *p != '\n')
			buf_addc(&b, *p);
	return buf_detach(&b);
}

static struct article_in root_post(void)
{
	struct article_in in = {0};

	in.newsgroups = "demo.general";
	in.from_name = "AuGmENTor (guest)";
	in.from_addr = "guest.7@forum.example.org";
	in.subject = "Welcome to the demo forum";
	in.date = 1219738500; /* 2008-08-26 08:15:00 UTC */
	in.message_id = "<p1.t1.demo@forum.example.org>";
	in.path = "forum.example.org!not-for-mail";
	in.archived_at = "https://forum.example.org/t/1#p1";
	in.list_post = "mailto:demo-general@forum.example.org";
	in.reply_to = "reply+abc@forum.example.org";
	in.body = "Hello all,\n\nthis is the first post.\n";
	return in;
}

static struct article_in reply_post(void)
{
	struct article_in in = {0};

	in.newsgroups = "demo.general";
	in.from_name = "Jürgen Müller";
	in.from_addr = "user.42@forum.example.org";
	in.subject = "Grüße aus Köln";
	in.is_reply = 1;
	in.date = 1230800400; /* 2009-01-01 09:00:00 UTC */
	in.tz = "Europe/Berlin";
	in.message_id = "<p2.v2.t1.demo@forum.example.org>";
	in.references = "<p1.t1.demo@forum.example.org>";
	in.in_reply_to = "<p1.t1.demo@forum.example.org>";
	in.supersedes = "<p2.t1.demo@forum.example.org>";
	in.path = "forum.example.org!not-for-mail";
	in.organization = "Demo Forum e.V.";
	in.archived_at = "https://forum.example.org/t/1#p2";
	in.xref = "forum.example.org demo.general:2";
	in.extra_headers = "X-Forum-Post: 2\r\n";
	in.body = "> Hello all,\n\nDanke schön!\n";
	in.signature = "Jürgen";
	return in;
}

/* --- complete articles --- */

static void test_root_article(void **state)
{
	struct article_in in = root_post();
	struct article_out out;
	char *err = NULL, *ov;
	const char *want_head = "Path: forum.example.org!not-for-mail\r\n"
				"From: \"AuGmENTor (guest)\" <guest.7@forum.example.org>\r\n"
				"Newsgroups: demo.general\r\n"
				"Subject: Welcome to the demo forum\r\n"
				"Date: Tue, 26 Aug 2008 08:15:00 +0000\r\n"
				"Message-ID: <p1.t1.demo@forum.example.org>\r\n"
				"Archived-At: <https://forum.example.org/t/1#p1>\r\n"
				"List-Post: <mailto:demo-general@forum.example.org>\r\n"
				"Reply-To: reply+abc@forum.example.org\r\n"
				"User-Agent: forumgate/0.1\r\n"
				"MIME-Version: 1.0\r\n"
				"Content-Type: text/plain; charset=UTF-8; format=flowed\r\n"
				"Content-Transfer-Encoding: 7bit\r\n"
				"\r\n";
	const char *want_body = "Hello all,\r\n"
				"\r\n"
				"this is the first post.\r\n";
	struct buf want = BUF_INIT;

	buf_adds(&want, want_head);
	buf_adds(&want, want_body);
	assert_int_equal(article_build(&in, &out, &err), 0);
	assert_null(err);
	assert_string_equal(buf_str(&out.wire), want.p);
	assert_int_equal(out.header_len, strlen(want_head));
	assert_int_equal(out.bytes, want.len);
	assert_int_equal(out.lines, 3);
	assert_string_equal(out.subject, "Welcome to the demo forum");
	assert_string_equal(out.from, "\"AuGmENTor (guest)\" <guest.7@forum.example.org>");
	assert_string_equal(out.date, "Tue, 26 Aug 2008 08:15:00 +0000");
	assert_string_equal(out.message_id, "<p1.t1.demo@forum.example.org>");
	assert_string_equal(out.references, "");
	check_header_block(out.wire.p, out.header_len, 78);

	ov = article_overview(&out, NULL);
	buf_reset(&want);
	buf_addf(&want,
		 "Welcome to the demo forum\t\"AuGmENTor (guest)\" <guest.7@forum.example.org>\t"
		 "Tue, 26 Aug 2008 08:15:00 +0000\t<p1.t1.demo@forum.example.org>\t\t%zu\t3\t",
		 out.bytes);
	assert_string_equal(ov, want.p);
	free(ov);
	buf_free(&want);
	article_out_free(&out);
}

static void test_reply_article(void **state)
{
	struct article_in in = reply_post();
	struct article_out out;
	char *err = NULL, *ov, *subj;
	const char *want_head =
		"Path: forum.example.org!not-for-mail\r\n"
		"From: =?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <user.42@forum.example.org>\r\n"
		"Newsgroups: demo.general\r\n"
		"Subject: Re: =?UTF-8?B?R3LDvMOfZQ==?= aus =?UTF-8?B?S8O2bG4=?=\r\n"
		"Date: Thu, 1 Jan 2009 10:00:00 +0100\r\n"
		"Message-ID: <p2.v2.t1.demo@forum.example.org>\r\n"
		"References: <p1.t1.demo@forum.example.org>\r\n"
		"In-Reply-To: <p1.t1.demo@forum.example.org>\r\n"
		"Supersedes: <p2.t1.demo@forum.example.org>\r\n"
		"Organization: Demo Forum e.V.\r\n"
		"Archived-At: <https://forum.example.org/t/1#p2>\r\n"
		"Xref: forum.example.org demo.general:2\r\n"
		"User-Agent: forumgate/0.1\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: text/plain; charset=UTF-8; format=flowed\r\n"
		"Content-Transfer-Encoding: 8bit\r\n"
		"X-Forum-Post: 2\r\n"
		"\r\n";
	const char *want_body = "> Hello all,\r\n"
				"\r\n"
				"Danke schön!\r\n"
				"-- \r\n"
				"Jürgen\r\n";
	struct buf want = BUF_INIT;

	buf_adds(&want, want_head);
	buf_adds(&want, want_body);
	assert_int_equal(article_build(&in, &out, &err), 0);
	assert_string_equal(buf_str(&out.wire), want.p);
	assert_int_equal(out.header_len, strlen(want_head));
	assert_int_equal(out.bytes, want.len);
	assert_int_equal(out.lines, 5);
	assert_string_equal(out.references, "<p1.t1.demo@forum.example.org>");
	check_header_block(out.wire.p, out.header_len, 78);

	subj = decode(out.subject);
	assert_string_equal(subj, "Re: Grüße aus Köln");
	free(subj);

	ov = article_overview(&out, in.xref);
	buf_reset(&want);
	buf_addf(&want,
		 "Re: =?UTF-8?B?R3LDvMOfZQ==?= aus =?UTF-8?B?S8O2bG4=?=\t"
		 "=?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <user.42@forum.example.org>\t"
		 "Thu, 1 Jan 2009 10:00:00 +0100\t<p2.v2.t1.demo@forum.example.org>\t"
		 "<p1.t1.demo@forum.example.org>\t%zu\t5\tXref: forum.example.org demo.general:2",
		 out.bytes);
	assert_string_equal(ov, want.p);
	free(ov);
	buf_free(&want);
	article_out_free(&out);
}

/* Overview fields are the header values unfolded. */
static void test_overview_unfolded(void **state)
{
	struct article_in in = root_post();
	struct article_out out;
	char *err = NULL, *ov;
	const char *title = "A rather long thread title that certainly has to be folded "
			    "because it does not fit into one header line of the article";

	in.subject = title;
	assert_int_equal(article_build(&in, &out, &err), 0);
	assert_non_null(strstr(out.wire.p, "Subject: A rather long thread title that certainly "
					   "has to be folded because\r\n it does not fit"));
	assert_string_equal(out.subject, title);
	ov = article_overview(&out, "host\tgroup:1");
	assert_non_null(ov);
	assert_int_equal(strncmp(ov, title, strlen(title)), 0);
	assert_non_null(strstr(ov, "\tXref: host group:1"));
	assert_null(strchr(ov, '\r'));
	assert_null(strchr(ov, '\n'));
	free(ov);
	article_out_free(&out);
}

/* --- encoded-words --- */

static void test_unstructured_plain(void **state)
{
	assert_unstructured("Hello world", "Hello world", "Hello world");
	assert_unstructured("  lots   of\t\tspace  ", "lots of space", "lots of space");
	assert_unstructured("", "", "");
	assert_unstructured("a\x7f"
			    "b\x01"
			    "c\x1f"
			    "d",
			    "a b c d", "a b c d");
}

static void test_unstructured_encoded(void **state)
{
	/* short non-ASCII words: B is shorter */
	assert_unstructured("Grüße aus Köln",
			    "=?UTF-8?B?R3LDvMOfZQ==?= aus =?UTF-8?B?S8O2bG4=?=", "Grüße aus Köln");
	/* mostly ASCII: Q is shorter */
	assert_unstructured("Übersetzungsfehlerbehebung heute",
			    "=?UTF-8?Q?=C3=9Cbersetzungsfehlerbehebung?= heute",
			    "Übersetzungsfehlerbehebung heute");
	/* adjacent non-ASCII words form one run, the space inside it */
	assert_unstructured("Straße über Brücke",
			    "=?UTF-8?B?U3RyYcOfZSDDvGJlciBCcsO8Y2tl?=", "Straße über Brücke");
	/* a literal "=?" must not look like an encoded-word */
	assert_unstructured("a =?x?= b", "a =?UTF-8?B?PT94Pz0=?= b", "a =?x?= b");
	/* NBSP and bidi marks are kept (encoded), not turned into spaces */
	assert_unstructured("a\xc2\xa0"
			    "b \xe2\x80\xae"
			    "c",
			    "=?UTF-8?B?YcKgYiDigK5j?=",
			    "a\xc2\xa0"
			    "b \xe2\x80\xae"
			    "c");
}

static void test_phrase(void **state)
{
	assert_phrase("Hans Meier", "Hans Meier", NULL);
	assert_phrase("AuGmENTor (guest)", "\"AuGmENTor (guest)\"", NULL);
	assert_phrase("J. R. \"Bob\" Dobbs", "\"J. R. \\\"Bob\\\" Dobbs\"", NULL);
	assert_phrase("back\\slash", "\"back\\\\slash\"", NULL);
	assert_phrase("Jürgen Müller", "=?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?=", "Jürgen Müller");
	/* specials next to non-ASCII are encoded too, with the phrase Q set */
	assert_phrase("Müller-Lüdenscheidt, Hans-Wilhelm Karl (Admin)",
		      "=?UTF-8?Q?M=C3=BCller-L=C3=BCdenscheidt=2C?= Hans-Wilhelm Karl "
		      "=?UTF-8?Q?=28Admin=29?=",
		      "Müller-Lüdenscheidt, Hans-Wilhelm Karl (Admin)");
	assert_phrase("x=?y", "=?UTF-8?Q?x=3D=3Fy?=", "x=?y");
	assert_phrase("\r\n\t", "", NULL);
}

/* A long title of mixed words: every encoded-word within 75 octets, no UTF-8
 * character split between two of them, Q text from the allowed sets, and the
 * whole decodes back to the sanitized input. */
static void test_encoded_word_limits(void **state)
{
	struct buf title = BUF_INIT, folded = BUF_INIT;
	char *got, *dec, *value;

	for (int i = 0; i < 30; i++)
		buf_adds(&title, i % 3 ? "Größenänderung " : "€€€€€€€€€€€€€€€€€€€€€€€€€ ");
	buf_adds(&title, "日本語のテキストはとても長くなることがあります");
	got = unstructured(title.p);
	assert_true(check_encoded_words(got, 0) > 10);
	dec = decode(got);
	assert_string_equal(dec, title.p);
	free(dec);

	article_hdr_fold(&folded, "Subject", got);
	assert_true(longest_line(folded.p, folded.len) <= 76);
	value = fold_value(folded.p);
	assert_string_equal(value, got);
	free(value);
	free(got);

	got = phrase(title.p);
	assert_true(check_encoded_words(got, 1) > 10);
	dec = decode(got);
	assert_string_equal(dec, title.p);
	free(dec);
	free(got);
	buf_free(&title);
	buf_free(&folded);
}

/* --- folding --- */

static void test_fold_plain(void **state)
{
	struct buf b = BUF_INIT;

	article_hdr_fold(&b, "Subject", "short");
	assert_string_equal(b.p, "Subject: short\r\n");
	buf_reset(&b);
	article_hdr_fold(&b, "References",
			 "<p1.t1.demo@forum.example.org> <p2.t1.demo@forum.example.org> "
			 "<p3.t1.demo@forum.example.org> <p4.t1.demo@forum.example.org>");
	assert_string_equal(b.p,
			    "References: <p1.t1.demo@forum.example.org> "
			    "<p2.t1.demo@forum.example.org>\r\n"
			    " <p3.t1.demo@forum.example.org> <p4.t1.demo@forum.example.org>\r\n");
	buf_reset(&b);
	/* a tab is a fold point too and is kept */
	article_hdr_fold(
		&b, "X-T",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\tbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	assert_string_equal(b.p, "X-T: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
				 "\tbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\r\n");
	buf_reset(&b);
	/* defensive: CR/LF in a value cannot start a new header */
	article_hdr_fold(&b, "Subject", "x\r\nBcc: victim@example.com");
	assert_string_equal(b.p, "Subject: x Bcc: victim@example.com\r\n");
	buf_free(&b);
}

static void test_fold_long_title(void **state)
{
	struct article_in in = root_post();
	struct article_out out;
	struct buf title = BUF_INIT;
	char *err = NULL, *dec;

	for (int i = 0; i < 200; i++)
		buf_addf(&title, "word%d ", i);
	in.subject = title.p;
	assert_int_equal(article_build(&in, &out, &err), 0);
	check_header_block(out.wire.p, out.header_len, 78);
	assert_true(count_fields(out.wire.p, out.header_len, "Subject") == 1);
	title.len--; /* the trailing space is trimmed */
	title.p[title.len] = '\0';
	assert_string_equal(out.subject, title.p);
	article_out_free(&out);

	/* one giant word: encoded-words split it, no line over 998 (here even
	 * within 76, as encoded-words are short) */
	buf_reset(&title);
	for (int i = 0; i < 5000; i++)
		buf_addc(&title, (char)('a' + i % 26));
	in.subject = title.p;
	assert_int_equal(article_build(&in, &out, &err), 0);
	check_header_block(out.wire.p, out.header_len, 998);
	assert_true(longest_line(out.wire.p, out.header_len) <= 78);
	dec = decode(out.subject);
	assert_string_equal(dec, title.p);
	free(dec);
	article_out_free(&out);

	/* a word under the encoding threshold stays readable on a long line */
	buf_truncate(&title, 850);
	in.subject = title.p;
	assert_int_equal(article_build(&in, &out, &err), 0);
	check_header_block(out.wire.p, out.header_len, 998);
	assert_string_equal(out.subject, title.p);
	article_out_free(&out);
	buf_free(&title);
}

/* article_hdr_fold on a value that never passed an encoder: the last-resort
 * cut keeps every line within 998. */
static void test_fold_hard_limit(void **state)
{
	struct buf v = BUF_INIT, b = BUF_INIT;
	char *back;

	for (int i = 0; i < 3000; i++)
		buf_addc(&v, 'x');
	article_hdr_fold(&b, "X-Long", v.p);
	assert_int_equal(longest_line(b.p, b.len), 998);
	assert_memory_equal(b.p + b.len - 2, "\r\n", 2);
	back = fold_value(b.p);
	/* the cuts inserted a space each */
	assert_int_equal(strlen(back), 3000 + 3);
	free(back);
	buf_free(&v);
	buf_free(&b);
}

/* --- hostile input --- */

static void test_hostile_subjects(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"x\r\nBcc: victim@example.com", "x Bcc: victim@example.com"},
		{"x\nBcc: victim@example.com\n\nbody", "x Bcc: victim@example.com body"},
		{"x\rBcc: y@z", "x Bcc: y@z"},
		{"\r\n", "(no subject)"},
		{"\0hidden", "(no subject)"},
		{"a\0b", "a"},
		{"\x1b[31mred\x1b[0m", "[31mred [0m"},
		{"tab\there\x7f"
		 "del",
		 "tab here del"},
		{"c1\xc2\x85next\xc2\x9b"
		 "x",
		 "c1 next x"},
		{"bad\xff\xfeutf8 \xc3", "bad\xef\xbf\xbd\xef\xbf\xbdutf8 \xef\xbf\xbd"},
		{"over\xc0\xaflong", "over\xef\xbf\xbd\xef\xbf\xbdlong"},
		{"line\xe2\x80\xa8sep", "line sep"},
		{"=?UTF-8?B?QmNjOiB4?=", "=?UTF-8?B?QmNjOiB4?="},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct article_in in = root_post();
		struct article_out out;
		char *err = NULL, *dec;

		in.subject = cases[i].in;
		in.from_name = cases[i].in;
		assert_int_equal(article_build(&in, &out, &err), 0);
		check_header_block(out.wire.p, out.header_len, 78);
		assert_int_equal(count_fields(out.wire.p, out.header_len, "Subject"), 1);
		assert_int_equal(count_fields(out.wire.p, out.header_len, "From"), 1);
		assert_int_equal(count_fields(out.wire.p, out.header_len, "Bcc"), 0);
		assert_null(memchr(out.wire.p, '\0', out.wire.len));
		dec = decode(out.subject);
		assert_string_equal(dec, cases[i].want);
		free(dec);
		article_out_free(&out);
	}
}

static void test_invalid_input(void **state)
{
	static const char *bad_addrs[] = {
		"nobody", "a b@example.org", "<a@example.org>", "a@b@c",  "a@",
		"@b",     "a\r\n@b",         "a..b@c",          "\"q\"@c"};
	static const char *bad_ids[] = {"p1@x",    "<p1@x",    "<p1>",
					"<p 1@x>", "<p1@x>y>", "<p1@x>\r\nBcc: y",
					"<@x>",    "<a..b@x>"};
	struct article_in in;
	struct article_out out;
	char *err = NULL;

	for (size_t i = 0; i < sizeof bad_addrs / sizeof bad_addrs[0]; i++) {
		in = root_post();
		in.from_addr = bad_addrs[i];
		assert_int_equal(article_build(&in, &out, &err), -1);
		assert_non_null(err);
		assert_null(out.wire.p);
		assert_null(out.subject);
		free(err);
		err = NULL;
	}
	for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
		in = root_post();
		in.message_id = bad_ids[i];
		assert_int_equal(article_build(&in, &out, &err), -1);
		assert_non_null(err);
		free(err);
		err = NULL;
	}
	in = root_post();
	in.newsgroups = NULL;
	assert_int_equal(article_build(&in, &out, &err), -1);
	free(err);
	err = NULL;
	in.newsgroups = "demo.general\r\nBcc: x";
	assert_int_equal(article_build(&in, &out, &err), -1);
	free(err);
	err = NULL;
	in = root_post();
	in.tz = "Mars/Olympus_Mons";
	assert_int_equal(article_build(&in, &out, &err), -1);
	free(err);
	err = NULL;
	in = root_post();
	in.extra_headers = "X-A: 1\r\n\r\nbody";
	assert_int_equal(article_build(&in, &out, &err), -1);
	free(err);
	err = NULL;
	in = root_post();
	in.xref = "host\r\ngroup:1";
	assert_int_equal(article_build(&in, &out, &err), -1);
	free(err);
	err = NULL;
	in = root_post();
	in.in_reply_to = "not an id";
	assert_int_equal(article_build(&in, &out, &err), -1);
	free(err);
	err = NULL;

	/* valid unusual forms are accepted */
	in = root_post();
	in.message_id = "<\"a@b\"@[127.0.0.1]>";
	in.from_name = NULL;
	assert_int_equal(article_build(&in, &out, &err), 0);
	assert_string_equal(out.from, "guest.7@forum.example.org");
	assert_string_equal(out.message_id, "<\"a@b\"@[127.0.0.1]>");
	article_out_free(&out);
}

/* "Re: " is added once; an unsafe Archived-At URL is percent-encoded. */
static void test_reply_subject_and_url(void **state)
{
	struct article_in in = root_post();
	struct article_out out;
	char *err = NULL;

	in.is_reply = 1;
	in.subject = "RE: already";
	in.archived_at = "https://forum.example.org/t/1?q=a b<c>\"d\"#p1";
	assert_int_equal(article_build(&in, &out, &err), 0);
	assert_string_equal(out.subject, "RE: already");
	assert_non_null(strstr(out.wire.p,
			       "\r\nArchived-At: "
			       "<https://forum.example.org/t/1?q=a%20b%3Cc%3E%22d%22#p1>\r\n"));
	article_out_free(&out);

	in.subject = "Re:Zero";
	assert_int_equal(article_build(&in, &out, &err), 0);
	assert_string_equal(out.subject, "Re: Re:Zero");
	article_out_free(&out);

	in.subject = "";
	assert_int_equal(article_build(&in, &out, &err), 0);
	assert_string_equal(out.subject, "Re: (no subject)");
	article_out_free(&out);
}

/* --- References --- */

static void test_refs_trim(void **state)
{
	struct buf refs = BUF_INIT, want = BUF_INIT;
	char *got;

	for (int i = 0; i < 100; i++)
		buf_addf(&refs, "%s<p%d.t1.demo@forum.example.org>", i ? " " : "", i);
	got = article_refs_trim(refs.p);
	buf_adds(&want, "<p0.t1.demo@forum.example.org>");
	for (int i = 80; i < 100; i++)
		buf_addf(&want, " <p%d.t1.demo@forum.example.org>", i);
	assert_string_equal(got, want.p);
	assert_true(strlen("References: ") + strlen(got) < 998);
	free(got);

	/* short lists stay; invalid entries and extra white space go */
	got = article_refs_trim("  <a@b>\t<bad id@x> junk <c@d>\r\n <e@f>  ");
	assert_string_equal(got, "<a@b> <c@d> <e@f>");
	free(got);
	got = article_refs_trim("");
	assert_string_equal(got, "");
	free(got);
	got = article_refs_trim(NULL);
	assert_string_equal(got, "");
	free(got);

	/* long ids: fewer fit under 998, but the first and the last three stay */
	buf_reset(&refs);
	for (int i = 0; i < 30; i++) {
		buf_addf(&refs, "%s<%03d", i ? " " : "", i);
		for (int k = 0; k < 200; k++)
			buf_addc(&refs, 'x');
		buf_adds(&refs, "@example.org>");
	}
	got = article_refs_trim(refs.p);
	assert_true(strlen("References: ") + strlen(got) < 998);
	assert_int_equal(strncmp(got, "<000", 4), 0);
	assert_non_null(strstr(got, " <027"));
	assert_non_null(strstr(got, " <028"));
	assert_non_null(strstr(got, " <029"));
	assert_null(strstr(got, " <026"));
	free(got);
	buf_free(&refs);
	buf_free(&want);
}

/* A reply with 100 References: the header holds 21 ids and is folded. */
static void test_refs_in_article(void **state)
{
	struct article_in in = reply_post();
	struct article_out out;
	struct buf refs = BUF_INIT;
	char *err = NULL;
	int n = 0;

	for (int i = 0; i < 100; i++)
		buf_addf(&refs, "<p%d.t1.demo@forum.example.org> ", i);
	in.references = refs.p;
	assert_int_equal(article_build(&in, &out, &err), 0);
	check_header_block(out.wire.p, out.header_len, 78);
	for (const char *p = out.references; (p = strchr(p, '<')) != NULL; p++)
		n++;
	assert_int_equal(n, 21);
	assert_int_equal(count_fields(out.wire.p, out.header_len, "References"), 1);
	article_out_free(&out);
	buf_free(&refs);
}

static void test_build_repeat(void **state)
{
	/* the scratch buffers reused from one build to the next carry
	 * nothing over; the overview fields stay valid until the free */
	struct article_in root = root_post(), reply = reply_post();
	struct article_out a, b, c;
	char *err = NULL, *ov;

	assert_int_equal(article_build(&root, &a, &err), 0);
	assert_int_equal(article_build(&reply, &b, &err), 0);
	assert_int_equal(article_build(&root, &c, &err), 0);
	assert_string_equal(buf_str(&a.wire), buf_str(&c.wire));
	assert_int_equal(a.header_len, c.header_len);
	assert_int_equal(a.lines, c.lines);
	assert_string_equal(a.subject, c.subject);
	assert_string_equal(a.from, c.from);
	assert_string_equal(a.date, c.date);
	assert_string_equal(a.message_id, c.message_id);
	assert_string_equal(c.references, "");
	assert_true(b.references[0] == '<');
	assert_true(strncmp(b.subject, "Re: ", 4) == 0);
	ov = article_overview(&c, "host demo.general:1\tx");
	assert_non_null(strstr(ov, "\tXref: host demo.general:1 x"));
	free(ov);
	article_out_free(&a);
	article_out_free(&b);
	article_out_free(&c);
	assert_null(c.subject);
	assert_null(c.fields);
}

/* --- Message-ID --- */

static void test_message_id(void **state)
{
	char *id;
	struct buf big = BUF_INIT;

	id = article_message_id("demo", "1", "42", 1, "forum.example.org");
	assert_string_equal(id, "<p42.t1.demo@forum.example.org>");
	free(id);
	id = article_message_id("demo", "1", "42", 3, "forum.example.org");
	assert_string_equal(id, "<p42.v3.t1.demo@forum.example.org>");
	free(id);
	id = article_message_id("my forum.de", "t/1.2", "a..b", 1, "gw.example");
	assert_string_equal(id, "<pa%2E%2Eb.tt%2F1%2E2.my%20forum%2Ede@gw.example>");
	free(id);
	id = article_message_id("f", "<x>", "\"@\xc3\xa4", 0, "gw.example");
	assert_string_equal(id, "<p%22%40%C3%A4.t%3Cx%3E.f@gw.example>");
	free(id);
	id = article_message_id("f", "", "", 1, "gw.example");
	assert_string_equal(id, "<p.t.f@gw.example>");
	free(id);

	/* too long: the ids are replaced by a hash, still deterministic */
	for (int i = 0; i < 300; i++)
		buf_addc(&big, 'z');
	id = article_message_id("demo", "1", big.p, 1, "forum.example.org");
	assert_non_null(id);
	assert_true(strlen(id) <= 250);
	assert_int_equal(strlen(id), strlen("<h@forum.example.org>") + 40);
	assert_int_equal(strncmp(id, "<h", 2), 0);
	{
		char *again = article_message_id("demo", "1", big.p, 1, "forum.example.org");
		char *other = article_message_id("demo", "2", big.p, 1, "forum.example.org");
		struct article_in in = root_post();
		struct article_out out;
		char *err = NULL;

		assert_string_equal(id, again);
		assert_string_not_equal(id, other);
		in.message_id = id;
		assert_int_equal(article_build(&in, &out, &err), 0);
		article_out_free(&out);
		free(again);
		free(other);
	}
	free(id);
	buf_free(&big);

	assert_null(article_message_id("", "1", "2", 1, "gw.example"));
	assert_null(article_message_id("f", "1", "2", 1, "bad domain"));
	assert_null(article_message_id("f", "1", "2", 1, ".gw.example"));
	assert_null(article_message_id("f", NULL, "2", 1, "gw.example"));
}

/* Every id sync makes is in the namespace front ends refuse, and the ids
 * real clients make (also at the gateway's own domain) are not. */
static void test_msgid_ours(void **state)
{
	static const char *const posts[] = {"42", "", "a..b", "\"@\xc3\xa4", "x-y_z", "v3"};
	static const char *const threads[] = {"1", "t/1.2", "", "<x>"};
	static const char *const forums[] = {"demo", "my forum.de", "c1"};
	const char *dom = "forumgate.example";
	struct buf big = BUF_INIT;
	char *id;

	for (size_t p = 0; p < sizeof posts / sizeof *posts; p++)
		for (size_t t = 0; t < sizeof threads / sizeof *threads; t++)
			for (size_t f = 0; f < sizeof forums / sizeof *forums; f++)
				for (int v = 1; v <= 12; v += 11)
					for (int c = 0; c <= 10; c += 5) {
						id = article_message_id_variant(
							forums[f], threads[t], posts[p], v, c, dom);
						assert_non_null(id);
						if (!article_msgid_ours(id, dom))
							fail_msg("not ours: %s", id);
						assert_false(
							article_msgid_ours(id, "other.example"));
						free(id);
					}
	/* the hashed form of a long id, with and without a variant */
	for (int i = 0; i < 300; i++)
		buf_addc(&big, 'z');
	for (int c = 0; c < 3; c++) {
		id = article_message_id_variant("demo", "1", big.p, 1, c, dom);
		assert_int_equal(strncmp(id, "<h", 2), 0);
		assert_true(article_msgid_ours(id, dom));
		free(id);
	}
	buf_free(&big);

	/* variants: distinct, and 0 is the plain id */
	id = article_message_id_variant("demo", "12", "123", 1, 0, dom);
	assert_string_equal(id, "<p123.t12.demo@forumgate.example>");
	free(id);
	id = article_message_id_variant("demo", "12", "123", 1, 1, dom);
	assert_string_equal(id, "<p123.t12.demo.c1@forumgate.example>");
	free(id);
	id = article_message_id_variant("demo", "12", "121", 3, 2, dom);
	assert_string_equal(id, "<p121.v3.t12.demo.c2@forumgate.example>");
	free(id);
	assert_null(article_message_id_variant("demo", "12", "121", 3, -1, dom));

	/* the issue's examples, and the domain without case */
	assert_true(article_msgid_ours("<p123.t12.demo@forumgate.example>", dom));
	assert_true(article_msgid_ours("<p121.v3.t12.demo@forumgate.example>", dom));
	assert_true(article_msgid_ours("<p121.v3.t12.demo@ForumGate.EXAMPLE>", dom));
	assert_true(article_msgid_ours("<p%41.t%2f.demo.c7@forumgate.example>", dom));
	assert_true(article_msgid_ours(
		"<h0123456789abcdef0123456789ABCDEF01234567@forumgate.example>", dom));

	/* what clients make, at our domain too */
	static const char *const theirs[] = {
		"<8f3c2a4e-1b2c-4d5e-9f00-0a1b2c3d4e5f@forumgate.example>",
		"<87abc.fsf@forumgate.example>",
		"<slrnabc.def.demo@forumgate.example>",
		"<p123@forumgate.example>",
		"<p123.t12@forumgate.example>",
		"<p123.t12.demo.x@forumgate.example>",
		"<p123.v.t12.demo@forumgate.example>",
		"<p123.t12.demo.c@forumgate.example>",
		"<P123.T12.demo@forumgate.example>",
		"<fg.1700000000.0011223344556677@forumgate.example>",
		"<fg-00112233445566778899aabbccddeeff@forumgate.example>",
		"<h0123@forumgate.example>",
		"<h0123456789abcdef0123456789abcdef0123456g@forumgate.example>",
		"<p123.t12.demo@users.forumgate.example>",
		"<p123.t12.demo@xforumgate.example>",
		"<p123.t12.demo@forumgate.example.org>",
		"<p123.t12.demo@forumgate.example",
		"p123.t12.demo@forumgate.example>",
		"<@forumgate.example>",
		"",
	};
	for (size_t i = 0; i < sizeof theirs / sizeof *theirs; i++)
		if (article_msgid_ours(theirs[i], dom))
			fail_msg("taken as ours: %s", theirs[i]);
	assert_false(article_msgid_ours(NULL, dom));
	assert_false(article_msgid_ours("<p1.t1.f@x>", ""));
}

/* --- Date --- */

static void test_date(void **state)
{
	char d[40];

	setenv("TZ", "America/New_York", 1);
	assert_int_equal(article_date(1219738500, NULL, d), 0);
	assert_string_equal(d, "Tue, 26 Aug 2008 08:15:00 +0000");
	assert_int_equal(article_date(1219738500, "UTC", d), 0);
	assert_string_equal(d, "Tue, 26 Aug 2008 08:15:00 +0000");
	/* Berlin summer (CEST) and winter (CET) */
	assert_int_equal(article_date(1219738500, "Europe/Berlin", d), 0);
	assert_string_equal(d, "Tue, 26 Aug 2008 10:15:00 +0200");
	assert_int_equal(article_date(1230800400, "Europe/Berlin", d), 0);
	assert_string_equal(d, "Thu, 1 Jan 2009 10:00:00 +0100");
	assert_int_equal(article_date(1219738500, "America/New_York", d), 0);
	assert_string_equal(d, "Tue, 26 Aug 2008 04:15:00 -0400");
	assert_int_equal(article_date(1219738500, "Asia/Kolkata", d), 0);
	assert_string_equal(d, "Tue, 26 Aug 2008 13:45:00 +0530");
	assert_int_equal(article_date(0, NULL, d), 0);
	assert_string_equal(d, "Thu, 1 Jan 1970 00:00:00 +0000");
	/* the zone stays selected (zone.h); a TZ changed in between is noticed */
	assert_string_equal(getenv("TZ"), "Asia/Kolkata");
	setenv("TZ", "America/New_York", 1);
	tzset();
	assert_int_equal(article_date(1219738500, "Asia/Kolkata", d), 0);
	assert_string_equal(d, "Tue, 26 Aug 2008 13:45:00 +0530");
	unsetenv("TZ");
	assert_int_equal(article_date(1219738500, "Europe/Berlin", d), 0);
	assert_string_equal(d, "Tue, 26 Aug 2008 10:15:00 +0200");
	assert_int_equal(article_date(1219738500, "Mars/Olympus_Mons", d), -1);

	assert_int_equal(article_date(1219738500, "Mars/Base", d), -1);
	assert_int_equal(article_date(1219738500, "../../etc/passwd", d), -1);
	assert_int_equal(article_date(1219738500, "CET-1CEST", d), -1);
	assert_int_equal(article_date(INT64_MAX, NULL, d), -1);
	assert_int_equal(article_date(INT64_MIN, "Europe/Berlin", d), -1);
}

/* --- body --- */

static void test_body_dot_stuffing(void **state)
{
	struct article_in in = root_post();
	struct article_out out;
	char *err = NULL;

	in.body = ".\n..x\n.y\nmid.dle\n";
	assert_int_equal(article_build(&in, &out, &err), 0);
	assert_string_equal(out.wire.p + out.header_len, "..\r\n...x\r\n..y\r\nmid.dle\r\n");
	assert_int_equal(out.lines, 4);
	/* :bytes counts the article as it is, not as the wire stuffs it
	 * (RFC 3977 §8.1.1): three stuffed dots less than the wire */
	assert_int_equal(out.bytes, out.wire.len - 3);
	char *ov = article_overview(&out, NULL);
	char want[32];
	snprintf(want, sizeof want, "\t%zu\t4\t", out.wire.len - 3);
	assert_non_null(strstr(ov, want));
	free(ov);
	article_out_free(&out);

	/* a signature line, and a line over 998 octets broken where the
	 * second part starts with a dot, are counted too */
	struct buf big = BUF_INIT;
	buf_adds(&big, "x");
	for (int i = 0; i < 997; i++)
		buf_addc(&big, 'a');
	buf_adds(&big, ".tail\n");
	in.body = buf_str(&big);
	in.signature = ".sig";
	assert_int_equal(article_build(&in, &out, &err), 0);
	assert_int_equal(out.bytes, out.wire.len - 2);
	article_out_free(&out);
	buf_free(&big);
}

static void test_body_empty(void **state)
{
	struct article_in in = root_post();
	struct article_out out;
	char *err = NULL;

	in.body = "";
	assert_int_equal(article_build(&in, &out, &err), 0);
	assert_string_equal(out.wire.p + out.header_len, "\r\n");
	assert_int_equal(out.lines, 1);
	assert_int_equal(out.bytes, out.header_len + 2);
	article_out_free(&out);

	in.body = NULL;
	in.signature = "";
	assert_int_equal(article_build(&in, &out, &err), 0);
	assert_string_equal(out.wire.p + out.header_len, "\r\n");
	article_out_free(&out);

	/* no final newline: one is added; signature only */
	in.body = "no newline";
	in.signature = "sig";
	assert_int_equal(article_build(&in, &out, &err), 0);
	assert_string_equal(out.wire.p + out.header_len, "no newline\r\n-- \r\nsig\r\n");
	assert_int_equal(out.lines, 3);
	article_out_free(&out);
}

static void test_body_7bit_8bit(void **state)
{
	struct article_in in = root_post();
	struct article_out out;
	char *err = NULL;

	in.body = "plain ASCII\n";
	in.subject = "Ünicode subject does not matter";
	assert_int_equal(article_build(&in, &out, &err), 0);
	assert_non_null(strstr(out.wire.p, "\r\nContent-Transfer-Encoding: 7bit\r\n"));
	article_out_free(&out);

	in.body = "caf\xc3\xa9\n";
	assert_int_equal(article_build(&in, &out, &err), 0);
	assert_non_null(strstr(out.wire.p, "\r\nContent-Transfer-Encoding: 8bit\r\n"));
	article_out_free(&out);

	in.body = "ascii\n";
	in.signature = "\xc3\xa9";
	assert_int_equal(article_build(&in, &out, &err), 0);
	assert_non_null(strstr(out.wire.p, "\r\nContent-Transfer-Encoding: 8bit\r\n"));
	article_out_free(&out);
}

/* An unbroken 2500-octet token is hard-broken at 998 (on a UTF-8 boundary). */
static void test_body_long_line(void **state)
{
	struct article_in in = root_post();
	struct article_out out;
	struct buf body = BUF_INIT;
	char *err = NULL;
	const char *p;

	for (int i = 0; i < 997; i++)
		buf_addc(&body, 'a');
	for (int i = 0; i < 751; i++)
		buf_adds(&body, "\xc3\xa9");
	buf_addc(&body, '\n');
	in.body = body.p;
	assert_int_equal(article_build(&in, &out, &err), 0);
	p = out.wire.p + out.header_len;
	assert_int_equal(longest_line(p, out.wire.len - out.header_len), 998);
	assert_int_equal(out.lines, 3);
	assert_memory_equal(p + 997, "\r\n\xc3\xa9", 4);
	article_out_free(&out);
	buf_free(&body);
}

/* Depends on the real text_flow(): a long paragraph is wrapped with soft
 * breaks, and the signature separator survives. */
static void test_flowed_body(void **state)
{
	struct article_in in = root_post();
	struct article_out out;
	char *err = NULL;
	struct buf body = BUF_INIT;

	for (int i = 0; i < 40; i++)
		buf_adds(&body, "lorem ipsum ");
	buf_adds(&body, "end\n");
	in.body = body.p;
	in.signature = "Bye";
	assert_int_equal(article_build(&in, &out, &err), 0);
	assert_true(longest_line(out.wire.p + out.header_len, out.wire.len - out.header_len) <= 78);
	assert_true(out.lines > 5);
	assert_non_null(strstr(out.wire.p + out.header_len, "ipsum \r\nlorem ipsum"));
	assert_non_null(strstr(out.wire.p + out.header_len, "end\r\n-- \r\nBye\r\n"));
	article_out_free(&out);
	buf_free(&body);
}

/* CRs in the body: the CR of a "\r\n" line end goes, a stray one becomes a
 * space; a soft-broken part that starts with "." is dot-stuffed like any
 * line; "From " and ">" are space-stuffed. The body is flowed straight into
 * wire form, so these are the cases where a line needs more than a CRLF. */
static void test_body_wire_lines(void **state)
{
	struct article_in in = root_post();
	struct article_out out;
	char *err = NULL;

	in.signature = NULL;
	in.body = "a\rb\nc\r\r\nd \r\n> q\r\n.\r\n\r";
	assert_int_equal(article_build(&in, &out, &err), 0);
	assert_string_equal(out.wire.p + out.header_len, "a b\r\nc\r\nd\r\n> q\r\n..\r\n\r\n");
	assert_int_equal(out.lines, 6);
	article_out_free(&out);

	in.body = "one two three four five six seven eight nine ten eleven twelve thirteen "
		  ".dot starts here\n";
	in.signature = "x\ry";
	assert_int_equal(article_build(&in, &out, &err), 0);
	assert_string_equal(out.wire.p + out.header_len,
			    "one two three four five six seven eight nine ten eleven twelve "
			    "thirteen \r\n..dot starts here\r\n-- \r\nx y\r\n");
	assert_int_equal(out.lines, 4);
	article_out_free(&out);

	in.body = "From me\n>From you\n . x\n";
	in.signature = NULL;
	assert_int_equal(article_build(&in, &out, &err), 0);
	assert_string_equal(out.wire.p + out.header_len, " From me\r\n> From you\r\n  . x\r\n");
	assert_int_equal(out.lines, 3);
	article_out_free(&out);
}

/* A quoted unbroken token past 998 octets: the quote prefix counts, and
 * the continuation is a line of its own (not quoted again). */
static void test_body_long_quoted(void **state)
{
	struct article_in in = root_post();
	struct article_out out;
	struct buf body = BUF_INIT, want = BUF_INIT;
	char *err = NULL;

	buf_adds(&body, ">> ");
	for (int i = 0; i < 1200; i++)
		buf_addc(&body, 'q');
	buf_addc(&body, '\n');
	in.body = body.p;
	in.signature = NULL;
	assert_int_equal(article_build(&in, &out, &err), 0);
	buf_adds(&want, ">> ");
	for (int i = 0; i < 995; i++)
		buf_addc(&want, 'q');
	buf_adds(&want, "\r\n");
	for (int i = 0; i < 205; i++)
		buf_addc(&want, 'q');
	buf_adds(&want, "\r\n");
	assert_string_equal(out.wire.p + out.header_len, want.p);
	assert_int_equal(out.lines, 2);
	article_out_free(&out);
	buf_free(&body);
	buf_free(&want);
}

/* dot-atom "@" dot-atom, as RFC 5322 has it, for the test below. */
static int ref_dot_atom(const char *p, size_t n)
{
	static const char specials[] = "!#$%&'*+-/=?^_`{|}~";

	if (n == 0 || p[0] == '.' || p[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '.' && p[i + 1] == '.')
			return 0;
		if (c != '.' && !(c < 0x80 && isalnum(c)) && strchr(specials, c) == NULL)
			return 0;
	}
	return 1;
}

static int ref_addr_spec(const char *s)
{
	const char *at = strchr(s, '@');

	return at && strchr(at + 1, '@') == NULL && ref_dot_atom(s, (size_t)(at - s)) &&
	       ref_dot_atom(at + 1, strlen(at + 1));
}

/* Addresses and Message-IDs of 16 octets and more are tested 16 at a
 * time: every octet that matters, at every place of ids of lengths around
 * the block size, must still decide as the rule does. */
static void test_ids_every_place(void **state)
{
	static const char *bases[] = {"abcdefg@hijklmn", "abcdefg@hijk.lmn", "abcdefgh@ijk.lmno",
				      "abcdefghij.klmnop@qrstuvwxyz.example.org",
				      "a@bcdefghijklmnopqrstuvwxyz.example"};
	static const char subst[] = " \"(),:;<>[\\]\x7f\x01\x80.@!#~=?_";
	char core[64], id[68];

	for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++) {
		size_t n = strlen(bases[b]);
		for (size_t j = 0; j < n; j++) {
			for (size_t k = 0; k < sizeof subst - 1; k++) {
				struct article_in in = root_post();
				struct article_out out;
				char *err = NULL;
				int want;

				memcpy(core, bases[b], n + 1);
				core[j] = subst[k];
				want = ref_addr_spec(core) ? 0 : -1;
				in.from_addr = core;
				assert_int_equal(article_build(&in, &out, &err), want);
				if (want == 0)
					article_out_free(&out);
				free(err);
				err = NULL;

				in = root_post();
				snprintf(id, sizeof id, "<%s>", core);
				in.message_id = id;
				assert_int_equal(article_build(&in, &out, &err), want);
				if (want == 0)
					article_out_free(&out);
				free(err);
			}
		}
	}
}

/* A value that fits the first line goes out as it is; one octet more and
 * it is folded at its last space. */
static void test_fold_first_line(void **state)
{
	struct buf b = BUF_INIT, v = BUF_INIT;

	/* "Subject: " + 67 = 76 */
	buf_adds(&v, "aaaaaaaaa bbbbbbbbb ccccccccc ddddddddd eeeeeeeee fffffffff ggggggg");
	assert_int_equal(v.len, 67);
	article_hdr_fold(&b, "Subject", v.p);
	assert_string_equal(b.p, "Subject: aaaaaaaaa bbbbbbbbb ccccccccc ddddddddd eeeeeeeee "
				 "fffffffff ggggggg\r\n");
	buf_reset(&b);
	buf_addc(&v, 'g');
	article_hdr_fold(&b, "Subject", v.p);
	assert_string_equal(b.p, "Subject: aaaaaaaaa bbbbbbbbb ccccccccc ddddddddd eeeeeeeee "
				 "fffffffff\r\n gggggggg\r\n");
	buf_free(&b);
	buf_free(&v);
}

/* Plain words stay plain in stretches of at most LONG_WORD (900) octets:
 * a word of 900 octets stays as it is, one of 901 is encoded, also after
 * other words. */
static void test_unstructured_long_words(void **state)
{
	struct buf in = BUF_INIT;
	char *got;

	for (size_t len = 899; len <= 902; len++) {
		buf_reset(&in);
		buf_adds(&in, "ab cd ");
		for (size_t i = 0; i < len; i++)
			buf_addc(&in, 'w');
		buf_adds(&in, " ef");
		got = unstructured(in.p);
		if (len <= 900)
			assert_string_equal(got, in.p);
		else
			assert_non_null(strstr(got, "ab cd =?UTF-8?Q?www"));
		free(got);
	}
	/* a long run of short plain words, then one that needs encoding */
	buf_reset(&in);
	for (size_t i = 0; i < 400; i++)
		buf_adds(&in, "ab ");
	buf_adds(&in, "caf\xc3\xa9 end");
	got = unstructured(in.p);
	assert_int_equal(strncmp(got, in.p, 1200), 0);
	assert_string_equal(got + 1200, "=?UTF-8?B?Y2Fmw6k=?= end");
	free(got);
	buf_free(&in);
}

/* --- slug --- */

static void test_slug(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"General Discussion", "general-discussion"},
		{"  --Hello,   World!--  ", "hello-world"},
		{"Grüße aus Köln", "grusse-aus-koln"},
		{"Ærø Œuvre Þorn ĳssel Łódź Čeština", "aero-oeuvre-thorn-ijssel-lodz-cestina"},
		{"日本語", "x"},
		{"日本語 forum", "forum"},
		{"a\xc2\xa0"
		 "b",
		 "a-b"},
		{"C++ & C#", "c-c"},
		{"", "x"},
		{"\xff\xfe", "x"},
		{"v2.0", "v2-0"},
	};
	char *s;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		s = article_slug(cases[i].in);
		assert_string_equal(s, cases[i].want);
		free(s);
	}
	s = article_slug(NULL);
	assert_string_equal(s, "x");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_article),
		cmocka_unit_test(test_build_repeat),
		cmocka_unit_test(test_reply_article),
		cmocka_unit_test(test_overview_unfolded),
		cmocka_unit_test(test_unstructured_plain),
		cmocka_unit_test(test_unstructured_encoded),
		cmocka_unit_test(test_phrase),
		cmocka_unit_test(test_encoded_word_limits),
		cmocka_unit_test(test_fold_plain),
		cmocka_unit_test(test_fold_long_title),
		cmocka_unit_test(test_fold_hard_limit),
		cmocka_unit_test(test_hostile_subjects),
		cmocka_unit_test(test_invalid_input),
		cmocka_unit_test(test_reply_subject_and_url),
		cmocka_unit_test(test_refs_trim),
		cmocka_unit_test(test_refs_in_article),
		cmocka_unit_test(test_message_id),
		cmocka_unit_test(test_date),
		cmocka_unit_test(test_body_dot_stuffing),
		cmocka_unit_test(test_body_empty),
		cmocka_unit_test(test_body_7bit_8bit),
		cmocka_unit_test(test_body_long_line),
		cmocka_unit_test(test_flowed_body),
		cmocka_unit_test(test_body_wire_lines),
		cmocka_unit_test(test_body_long_quoted),
		cmocka_unit_test(test_ids_every_place),
		cmocka_unit_test(test_fold_first_line),
		cmocka_unit_test(test_unstructured_long_words),
		cmocka_unit_test(test_slug),
		cmocka_unit_test(test_msgid_ours),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
