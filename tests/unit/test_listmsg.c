/*
 * Tests for gateway/mail/listmsg.c (the list message of an article, VERP
 * bounce keys, unsubscribe tokens) and the pure helpers of smtp.c
 * (quoted-printable, dot-stuffing, host:port).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "forumgate/listmsg.h"
#include "forumgate/smtp.h"

static const unsigned char SECRET[] = "0123456789abcdef0123456789abcdef";
#define SLEN (sizeof SECRET - 1)

#define ARTICLE                                                                                    \
	"Path: forumgate.example!not-for-mail\r\n"                                                 \
	"From: \"Pendlerin (guest)\" <guest@forumgate.example>\r\n"                                \
	"Newsgroups: demo.general\r\n"                                                             \
	"Subject: Re: Fahrradparken\r\n"                                                           \
	"Date: Mon, 13 May 2024 09:20:00 +0200\r\n"                                                \
	"Message-ID: <p141.t14.demo@forumgate.example>\r\n"                                        \
	"References: <p140.t14.demo@forumgate.example>\r\n"                                        \
	"Archived-At: <https://forum.example.org/p141>\r\n"                                        \
	"List-Post: <mailto:old@example>\r\n"                                                      \
	"Reply-To: demo.general@reply.example\r\n"                                                 \
	"Xref: forumgate.example demo.general:2\r\n"                                               \
	"MIME-Version: 1.0\r\n"                                                                    \
	"Content-Type: text/plain; charset=UTF-8; format=flowed\r\n"                               \
	"Content-Transfer-Encoding: 8bit\r\n"                                                      \
	"\r\n"                                                                                     \
	"Hallo\r\n"                                                                                \
	"..Punkt\r\n"

static size_t header_len(const char *w)
{
	return (size_t)(strstr(w, "\r\n\r\n") - w) + 4;
}

static char *build(const char *article, const char *html)
{
	struct listmsg_in in = {
		.wire = article,
		.wire_len = strlen(article),
		.header_len = header_len(article),
		.group = "demo.general",
		.from_address = "demo.general@reply.example",
		.post_address = "demo.general@reply.example",
		.request_address = "demo.general-request@reply.example",
		.reply_to = "demo.general+KEY@reply.example",
		.unsubscribe_url = "https://l.example/unsubscribe?t=x",
		.list_domain = "reply.example",
		.html = html,
		.html_len = html ? strlen(html) : 0,
		.boundary = "=_b",
	};
	struct buf b = BUF_INIT;
	listmsg_build(&in, &b);
	return buf_detach(&b);
}

static void test_headers(void **state)
{
	char *m = build(ARTICLE, NULL);
	assert_non_null(strstr(m, "From: \"Pendlerin (guest)\" <demo.general@reply.example>\r\n"));
	assert_null(strstr(m, "guest@forumgate.example"));
	assert_null(strstr(m, "Path:"));
	assert_null(strstr(m, "Xref:"));
	assert_null(strstr(m, "Newsgroups:"));
	assert_null(strstr(m, "old@example"));
	assert_non_null(strstr(m, "Reply-To: <demo.general+KEY@reply.example>\r\n"));
	assert_non_null(strstr(m, "List-Id: <demo.general.reply.example>\r\n"));
	assert_non_null(strstr(m, "List-Archive: <https://forum.example.org/p141>\r\n"));
	assert_non_null(strstr(m, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
	assert_non_null(strstr(m, "Message-ID: <p141.t14.demo@forumgate.example>\r\n"));
	assert_non_null(strstr(m, "X-Forumgate-Loop: reply.example\r\n"));
	/* the body as stored: still dot-stuffed */
	assert_non_null(strstr(m, "\r\n\r\nHallo\r\n..Punkt\r\n"));
	free(m);
}

static void test_from_without_phrase(void **state)
{
	char *m = build("From: bob@example.net (Bob B.)\r\nSubject: x\r\n\r\nb\r\n", NULL);
	assert_non_null(strstr(m, "From: \"Bob B.\" <demo.general@reply.example>\r\n"));
	free(m);
	m = build("From: <carol@example.com>\r\nSubject: x\r\n\r\nb\r\n", NULL);
	assert_non_null(strstr(m, "From: \"carol\" <demo.general@reply.example>\r\n"));
	free(m);
	m = build("Subject: x\r\n\r\nb\r\n", NULL);
	assert_non_null(strstr(m, "From: \"someone\" <demo.general@reply.example>\r\n"));
	free(m);
}

static void test_alternative(void **state)
{
	char *m = build(ARTICLE, "<p>.x</p>\n");
	assert_non_null(strstr(m, "Content-Type: multipart/alternative;\r\n boundary=\"=_b\"\r\n"));
	assert_non_null(strstr(m,
			       "--=_b\r\nContent-Type: text/plain; charset=UTF-8; format=flowed"
			       "\r\nContent-Transfer-Encoding: 8bit\r\n\r\nHallo\r\n..Punkt\r\n\r\n"
			       "--=_b\r\n"));
	assert_non_null(strstr(m, "quoted-printable\r\n\r\n<p>.x</p>\r\n--=_b--\r\n"));
	free(m);
	/* an article that is not one text/plain part is sent as it is */
	m = build("From: a@b\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q--\r\n",
		  "<p>x</p>");
	assert_null(strstr(m, "multipart/alternative"));
	free(m);
}

static void test_bounce_key(void **state)
{
	char *a = listmsg_bounce_address("demo.general", "reply.example", 123456789, SECRET, SLEN);
	const char *k = strstr(a, "+b-") + 3;
	size_t kl = strcspn(k, "@");
	assert_int_equal(kl, LISTMSG_BOUNCE_KEY_LEN);
	char key[64];
	memcpy(key, k, kl);
	key[kl] = '\0';
	int64_t id = 0;
	assert_int_equal(listmsg_bounce_parse(key, SECRET, SLEN, &id), 1);
	assert_int_equal(id, 123456789);
	key[0] = key[0] == 'a' ? 'b' : 'a'; /* another id, same MAC */
	assert_int_equal(listmsg_bounce_parse(key, SECRET, SLEN, &id), 0);
	assert_int_equal(listmsg_bounce_parse("short", SECRET, SLEN, &id), 0);
	unsigned char other[] = "another secret that is long enough";
	memcpy(key, k, kl);
	assert_int_equal(listmsg_bounce_parse(key, other, sizeof other - 1, &id), 0);
	free(a);
}

static void test_unsub(void **state)
{
	char *t1 = listmsg_unsub_token("demo.general", "Alice@Example.org", SECRET, SLEN);
	char *t2 = listmsg_unsub_token("demo.general", "alice@example.org", SECRET, SLEN);
	char *t3 = listmsg_unsub_token("demo.general", "bob@example.org", SECRET, SLEN);
	assert_string_equal(t1, t2);
	assert_string_not_equal(t1, t3);
	assert_int_equal(strlen(t1), 26);
	char *u = listmsg_unsub_url("https://l.example/", "demo.general", "a+b@example.org", SECRET,
				    SLEN);
	assert_non_null(
		strstr(u, "https://l.example/unsubscribe?g=demo.general&a=a%2Bb%40example.org&t="));
	free(t1);
	free(t2);
	free(t3);
	free(u);
}

static void test_smtp_helpers(void **state)
{
	struct buf b = BUF_INIT;
	smtp_qp(&b, ".a=b \nx\xc3\xa4\n", 9);
	assert_string_equal(b.p, "=2Ea=3Db=20\r\nx=C3=A4\r\n");
	buf_reset(&b);
	smtp_dot_stuff(&b, ".a\r\nb\r\n.\r\n", 10);
	assert_string_equal(b.p, "..a\r\nb\r\n..\r\n");
	buf_free(&b);
	char *h;
	int port;
	smtp_parse_hostport("[::1]:2525", &h, &port);
	assert_string_equal(h, "::1");
	assert_int_equal(port, 2525);
	free(h);
	smtp_parse_hostport("mx.example", &h, &port);
	assert_string_equal(h, "mx.example");
	assert_int_equal(port, 25);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers),     cmocka_unit_test(test_from_without_phrase),
		cmocka_unit_test(test_alternative), cmocka_unit_test(test_bounce_key),
		cmocka_unit_test(test_unsub),       cmocka_unit_test(test_smtp_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
