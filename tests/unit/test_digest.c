/*
 * Tests for gateway/mail/digest.c: digests of articles rendered by
 * article_build (dot-stuffed wire form, encoded-word subjects) and of a
 * mail with a base64 HTML body. The MIME digest is parsed back with
 * libetpan: a multipart/digest whose first part is the text/plain table
 * of contents and whose other parts are message/rfc822, each the article
 * byte for byte and each a message mail_parse reads. The RFC 1153 digest
 * is checked line by line: 70 hyphens after the preamble, 30 between
 * messages, the header order, stuffing undone, a 30-hyphen body line
 * escaped, and the "End of" trailer with its asterisks. Then the digest's
 * own header, an empty digest, bad info, and 10,000 articles.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libetpan/libetpan.h>
#include <cmocka.h>

#include "forumgate/article.h"
#include "forumgate/digest.h"
#include "forumgate/mail.h"

#define DASH30 "------------------------------"
#define DASH70 DASH30 DASH30 "----------"

static char *render(int i, const char *subject, const char *name, const char *body)
{
	struct article_in in = {0};
	struct article_out out;
	char *err = NULL, id[64], from[64];

	snprintf(id, sizeof id, "<p%d.t1.demo@forum.example.org>", i);
	snprintf(from, sizeof from, "user.%d@forum.example.org", i);
	in.newsgroups = "demo.general";
	in.from_name = name;
	in.from_addr = from;
	in.subject = subject;
	in.is_reply = i > 1;
	in.date = 1767225600 + i * 60;
	in.message_id = id;
	in.path = "forum.example.org!not-for-mail";
	in.body = body;
	assert_int_equal(article_build(&in, &out, &err), 0);
	char *w = buf_detach(&out.wire);
	article_out_free(&out);
	return w;
}

static const char *const html_mail = "From: Carol <carol@example.net>\r\n"
				     "Subject: An HTML mail\r\n"
				     "Date: Thu, 01 Jan 2026 10:00:00 +0000\r\n"
				     "Message-ID: <html1@example.net>\r\n"
				     "MIME-Version: 1.0\r\n"
				     "Content-Type: text/html; charset=UTF-8\r\n"
				     "Content-Transfer-Encoding: base64\r\n"
				     "\r\n"
				     "PHA+SGVsbG8gPGI+d29ybGQ8L2I+PC9wPg==\r\n";

struct fixture {
	char *wire[3];
	struct digest_article a[4];
	struct digest_info info;
};

static void setup_articles(struct fixture *f)
{
	f->wire[0] = render(1, "Welcome to the forum", "Alice",
			    "Hello all.\n\n.a line with a dot\n");
	f->wire[1] = render(2, "Welcome to the forum", "Bj\xc3\xb6rn S\xc3\xa4tt\xc3\xa4",
			    "Thanks!\n" DASH30 "\nbelow the line\n");
	f->wire[2] = render(3, "Caf\xc3\xa9 meetup \xe2\x98\x95", NULL, "See you there.\n");
	for (int i = 0; i < 3; i++) {
		f->a[i].wire = f->wire[i];
		f->a[i].len = strlen(f->wire[i]);
		f->a[i].dot_stuffed = 1;
	}
	f->a[3].wire = html_mail;
	f->a[3].len = strlen(html_mail);
	f->a[3].dot_stuffed = 0;
	memset(&f->info, 0, sizeof f->info);
	f->info.list_name = "demo.general";
	f->info.volume = 3;
	f->info.issue = 14;
	f->info.date = 1767312000; /* 2026-01-02 00:00 UTC */
	f->info.domain = "lists.example.org";
	f->info.from_addr = "demo.general@lists.example.org";
	f->info.extra_headers = "To: demo.general@lists.example.org\r\n"
				"List-Id: <demo.general.lists.example.org>\r\n";
	f->info.intro = "Send submissions to demo.general@lists.example.org\n";
}

static void free_articles(struct fixture *f)
{
	for (int i = 0; i < 3; i++)
		free(f->wire[i]);
}

/* The wire form without dot-stuffing, as the MIME part must hold it. */
static char *unstuffed(const char *w)
{
	struct buf b = BUF_INIT;
	for (const char *p = w; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
		if (p[0] == '.')
			buf_add(&b, p + 1, n - 1);
		else
			buf_add(&b, p, n);
		p += n;
	}
	return buf_detach(&b);
}

static void test_mime(void **state)
{
	struct fixture f;
	struct buf out = BUF_INIT;
	char *err = NULL, *id = NULL;

	setup_articles(&f);
	assert_int_equal(digest_build(DIGEST_MIME, &f.info, f.a, 4, &out, &id, &err), 0);
	assert_string_equal(id, "<digest.mime.v3.i14.demo.general@lists.example.org>");

	/* the digest's own header */
	struct mail_msg *m = NULL;
	assert_int_equal(mail_parse(out.p, out.len, &m, &err), 0);
	assert_string_equal(m->subject, "demo.general Digest, Vol 3, Issue 14");
	assert_string_equal(m->message_id, id);
	assert_string_equal(m->from_addr, "demo.general@lists.example.org");
	assert_string_equal(mail_header(m, "MIME-Version"), "1.0");
	assert_string_equal(mail_header(m, "Content-Transfer-Encoding"), "8bit");
	assert_string_equal(mail_header(m, "List-Id"), "<demo.general.lists.example.org>");
	assert_string_equal(mail_header(m, "Date"), "Fri, 2 Jan 2026 00:00:00 +0000");
	mail_msg_free(m);

	/* libetpan reads it as a multipart/digest of 1 + 4 parts */
	size_t idx = 0;
	struct mailmime *mime = NULL;
	assert_int_equal(mailmime_parse(out.p, out.len, &idx, &mime), MAILIMF_NO_ERROR);
	assert_int_equal(mime->mm_type, MAILMIME_MESSAGE);
	struct mailmime *mp = mime->mm_data.mm_message.mm_msg_mime;
	assert_non_null(mp);
	assert_int_equal(mp->mm_type, MAILMIME_MULTIPLE);
	assert_string_equal(mp->mm_content_type->ct_subtype, "digest");
	assert_int_equal(clist_count(mp->mm_data.mm_multipart.mm_mp_list), 5);

	int k = 0;
	for (clistiter *it = clist_begin(mp->mm_data.mm_multipart.mm_mp_list); it;
	     it = clist_next(it), k++) {
		struct mailmime *part = clist_content(it);
		if (k == 0) {
			assert_int_equal(part->mm_type, MAILMIME_SINGLE);
			assert_int_equal(part->mm_content_type->ct_type->tp_type,
					 MAILMIME_TYPE_DISCRETE_TYPE);
			assert_int_equal(
				part->mm_content_type->ct_type->tp_data.tp_discrete_type->dt_type,
				MAILMIME_DISCRETE_TYPE_TEXT);
			struct mailmime_data *d = part->mm_data.mm_single;
			char *toc = strndup(d->dt_data.dt_text.dt_data,
					    d->dt_data.dt_text.dt_length);
			assert_non_null(strstr(toc, "demo.general Digest, Vol 3, Issue 14\r\n"));
			assert_non_null(strstr(
				toc, "Send submissions to demo.general@lists.example.org\r\n"));
			assert_non_null(strstr(toc, "Today's Topics (4 messages):\r\n"));
			assert_non_null(strstr(toc, "    1. Welcome to the forum (Alice)\r\n"));
			assert_non_null(strstr(
				toc,
				"    2. Re: Welcome to the forum (Bj\xc3\xb6rn S\xc3\xa4tt\xc3\xa4)\r\n"));
			assert_non_null(strstr(
				toc,
				"    3. Re: Caf\xc3\xa9 meetup \xe2\x98\x95 (user.3@forum.example.org)\r\n"));
			assert_non_null(strstr(toc, "    4. An HTML mail (Carol)\r\n"));
			free(toc);
			continue;
		}
		/* a message/rfc822 part holding the article as it is */
		assert_int_equal(part->mm_type, MAILMIME_MESSAGE);
		assert_non_null(part->mm_data.mm_message.mm_fields);
		const char *want = k <= 3 ? unstuffed(f.wire[k - 1]) : strdup(html_mail);
		const char *got = part->mm_body ? part->mm_body->dt_data.dt_text.dt_data
						: part->mm_mime_start;
		size_t glen = part->mm_body ? part->mm_body->dt_data.dt_text.dt_length
					    : part->mm_length;
		assert_int_equal(glen, strlen(want));
		assert_memory_equal(got, want, glen);
		struct mail_msg *pm = NULL;
		assert_int_equal(mail_parse(got, glen, &pm, &err), 0);
		assert_non_null(pm->message_id);
		assert_non_null(pm->subject);
		if (k == 1)
			assert_non_null(strstr(pm->text, "\n.a line with a dot"));
		mail_msg_free(pm);
		free((char *)want);
	}
	mailmime_free(mime);

	/* rebuilt: the same bytes */
	struct buf again = BUF_INIT;
	assert_int_equal(digest_build(DIGEST_MIME, &f.info, f.a, 4, &again, NULL, &err), 0);
	assert_int_equal(again.len, out.len);
	assert_memory_equal(again.p, out.p, out.len);
	buf_free(&again);
	free(id);
	buf_free(&out);
	free_articles(&f);
}

static void test_plain(void **state)
{
	struct fixture f;
	struct buf out = BUF_INIT;
	char *err = NULL, *id = NULL;

	setup_articles(&f);
	assert_int_equal(digest_build(DIGEST_PLAIN, &f.info, f.a, 4, &out, &id, &err), 0);
	assert_string_equal(id, "<digest.plain.v3.i14.demo.general@lists.example.org>");
	const char *body = strstr(out.p, "\r\n\r\n") + 4;
	assert_non_null(strstr(out.p, "Content-Type: text/plain; charset=UTF-8\r\n"));

	/* the preamble, then 70 hyphens and a blank line */
	const char *pre = "demo.general Digest, Vol 3, Issue 14\r\n\r\n"
			  "Send submissions to demo.general@lists.example.org\r\n\r\n"
			  "Today's Topics (4 messages):\r\n\r\n"
			  "    1. Welcome to the forum (Alice)\r\n";
	assert_memory_equal(body, pre, strlen(pre));
	const char *sep70 = strstr(body, "\r\n" DASH70 "\r\n\r\nDate: ");
	assert_non_null(sep70);
	assert_null(strstr(sep70 + 4, DASH70)); /* once */

	/* each message: headers in RFC 1153 order, body, 30 hyphens */
	const char *m1 = sep70 + 2 + 70 + 4;
	const char *want1 = "Date: Thu, 1 Jan 2026 00:01:00 +0000\r\n"
			    "From: Alice <user.1@forum.example.org>\r\n"
			    "Subject: Welcome to the forum\r\n"
			    "Message-ID: <p1.t1.demo@forum.example.org>\r\n"
			    "\r\n"
			    "Hello all.\r\n\r\n.a line with a dot\r\n"
			    "\r\n" DASH30 "\r\n\r\n";
	assert_memory_equal(m1, want1, strlen(want1));
	const char *m2 = m1 + strlen(want1);
	const char *want2 = "Date: Thu, 1 Jan 2026 00:02:00 +0000\r\n"
			    "From: Bj\xc3\xb6rn S\xc3\xa4tt\xc3\xa4 <user.2@forum.example.org>\r\n"
			    "Subject: Re: Welcome to the forum\r\n"
			    "Message-ID: <p2.t1.demo@forum.example.org>\r\n"
			    "\r\n"
			    "Thanks!\r\n -----------------------------\r\nbelow the line\r\n"
			    "\r\n" DASH30 "\r\n\r\n";
	assert_memory_equal(m2, want2, strlen(want2));
	assert_non_null(strstr(body, "Subject: Re: Caf\xc3\xa9 meetup \xe2\x98\x95\r\n"));
	/* the HTML mail as text */
	const char *h = strstr(body, "From: Carol <carol@example.net>\r\nSubject: An HTML mail\r\n"
				     "Message-ID: <html1@example.net>\r\n\r\n");
	assert_non_null(h);
	assert_non_null(strstr(h, "Hello"));
	assert_non_null(strstr(h, "world"));
	/* four messages, four separators, then the trailer */
	size_t seps = 0;
	for (const char *p = body; (p = strstr(p, "\r\n" DASH30 "\r\n")) != NULL; p += 34)
		seps++;
	assert_int_equal(seps, 4);
	const char *trailer = "\r\n" DASH30 "\r\n\r\n"
			      "End of demo.general Digest, Vol 3, Issue 14\r\n"
			      "*******************************************\r\n";
	assert_int_equal(strlen("End of demo.general Digest, Vol 3, Issue 14"), 43);
	assert_true(out.len > strlen(trailer));
	assert_string_equal(out.p + out.len - strlen(trailer), trailer);

	/* every line within RFC 5322's limit, CRLF only */
	for (size_t i = 0, col = 0; i < out.len; i++, col++) {
		if (out.p[i] == '\n') {
			assert_true(i > 0 && out.p[i - 1] == '\r');
			col = 0;
		}
		assert_true(col <= 1000);
	}
	free(id);
	buf_free(&out);
	free_articles(&f);
}

static void test_edges(void **state)
{
	struct fixture f;
	struct buf out = BUF_INIT;
	char *err = NULL;

	setup_articles(&f);
	/* empty digests say so and stay valid */
	assert_int_equal(digest_build(DIGEST_MIME, &f.info, NULL, 0, &out, NULL, &err), 0);
	assert_non_null(strstr(out.p, "There were no new messages.\r\n"));
	assert_non_null(strstr(out.p, "Content-Transfer-Encoding: 7bit\r\n"));
	struct mail_msg *m = NULL;
	assert_int_equal(mail_parse(out.p, out.len, &m, &err), 0);
	mail_msg_free(m);
	buf_reset(&out);
	assert_int_equal(digest_build(DIGEST_PLAIN, &f.info, NULL, 0, &out, NULL, &err), 0);
	assert_non_null(strstr(out.p, "End of demo.general Digest"));
	buf_reset(&out);

	/* an article that is no message is listed, and enclosed as it is */
	struct digest_article junk = {"no header here\n", 15, 0};
	assert_int_equal(digest_build(DIGEST_PLAIN, &f.info, &junk, 1, &out, NULL, &err), 0);
	assert_non_null(strstr(out.p, "  1. (unreadable article)\r\n"));
	buf_reset(&out);

	/* required fields */
	struct digest_info bad = f.info;
	bad.list_name = NULL;
	assert_int_equal(digest_build(DIGEST_MIME, &bad, f.a, 4, &out, NULL, &err), -1);
	assert_non_null(strstr(err, "list name"));
	free(err);
	err = NULL;
	bad = f.info;
	bad.issue = 0;
	assert_int_equal(digest_build(DIGEST_MIME, &bad, f.a, 4, &out, NULL, &err), -1);
	free(err);
	err = NULL;
	bad = f.info;
	bad.domain = "";
	assert_int_equal(digest_build(DIGEST_PLAIN, &bad, f.a, 4, &out, NULL, &err), -1);
	free(err);
	assert_int_equal(out.len, 0);

	/* a list name that is no dot-atom still gives a valid Message-ID */
	struct digest_info odd = f.info;
	char *id = NULL;
	odd.list_name = "Caf\xc3\xa9 <talk>..x";
	assert_int_equal(digest_build(DIGEST_MIME, &odd, f.a, 1, &out, &id, &err), 0);
	assert_string_equal(id, "<digest.mime.v3.i14.Caf----talk-.-x@lists.example.org>");
	free(id);
	buf_free(&out);
	free_articles(&f);
}

static void test_ten_thousand(void **state)
{
	enum { N = 10000 };
	struct fixture f;
	char *err = NULL;

	setup_articles(&f);
	struct digest_article *a = calloc(N, sizeof *a);
	for (int i = 0; i < N; i++)
		a[i] = f.a[i % 4];
	for (int fmt = 0; fmt < 2; fmt++) {
		struct buf out = BUF_INIT;
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		assert_int_equal(digest_build(fmt ? DIGEST_PLAIN : DIGEST_MIME, &f.info, a, N, &out,
					      NULL, &err),
				 0);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		size_t count = 0;
		const char *needle = fmt ? "\r\n" DASH30 "\r\n" : "\r\n--==fgdigest_";
		for (const char *p = out.p; (p = strstr(p, needle)) != NULL; p += 4)
			count++;
		assert_int_equal(count, fmt ? N : N + 2);
		assert_non_null(strstr(out.p, fmt ? " 10000. An HTML mail (Carol)\r\n"
						  : " 10000. An HTML mail (Carol)\r\n"));
		printf("      %s digest of %d articles: %zu bytes in %.0f ms\n",
		       fmt ? "plain" : "MIME", N, out.len,
		       (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
		buf_free(&out);
	}
	free(a);
	free_articles(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mime),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_ten_thousand),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
