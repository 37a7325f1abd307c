/*
 * Tests for gateway/mail/classify.c: one test per rule with the exact class
 * and reason, the negatives that must stay MAIL_OK, the failed-recipient
 * extraction of bounces, and a run over the sisimai bounce corpus
 * (../shared/corpora/mime/sisimai-set-of-emails, skipped when absent).
 *
 * The corpus run does not use mail_parse() (mime.c, written separately):
 * scan_message() below is a deliberately small header scanner that fills
 * only what classify reads: headers, Subject (raw, encoded-words left),
 * from_addr, text = the raw body, is_report.
 */
#include <dirent.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../mail_scan.h"
#include "forumgate/mail.h"

#define OWN "reply.example.org"

/* ---- building messages by hand ------------------------------------------ */

/* Fills m from from/subject/text and a NULL-terminated list of header
 * name/value pairs; free with msg_done(). */
static void msg_va(struct mail_msg *m, const char *from, const char *subject, const char *text,
		   va_list ap)
{
	const char *name;

	memset(m, 0, sizeof(*m));
	m->headers = xcalloc(32, sizeof(*m->headers));
	while ((name = va_arg(ap, const char *)) != NULL) {
		assert_true(m->nheaders < 32);
		m->headers[m->nheaders].name = xstrdup(name);
		m->headers[m->nheaders].value = xstrdup(va_arg(ap, const char *));
		m->nheaders++;
	}
	m->from_addr = xstrdup(from);
	m->subject = xstrdup(subject);
	m->text = xstrdup(text);
}

static void msg_done(struct mail_msg *m)
{
	for (size_t i = 0; i < m->nheaders; i++) {
		free(m->headers[i].name);
		free(m->headers[i].value);
	}
	free(m->headers);
	free(m->from_addr);
	free(m->subject);
	free(m->text);
	for (size_t i = 0; i < m->nattachments; i++) {
		free(m->attachments[i].content_type);
		free(m->attachments[i].data);
	}
	free(m->attachments);
}

/* Classifies a hand-made message (envelope sender env) and checks class and
 * reason exactly. Header pairs follow, NULL-terminated. */
static void expect(enum mail_class want, const char *want_reason, const char *env, const char *from,
		   const char *subject, ...)
{
	struct mail_msg m;
	const char *reason = NULL;
	va_list ap;

	va_start(ap, subject);
	msg_va(&m, from, subject, "Hello.\n", ap);
	va_end(ap);
	enum mail_class got = mail_classify(&m, env, OWN, &reason);
	if (got != want || strcmp(reason, want_reason) != 0)
		print_error("subject %s: got %d \"%s\", want %d \"%s\"\n",
			    subject ? subject : "(none)", got, reason, want, want_reason);
	assert_int_equal(got, want);
	assert_string_equal(reason, want_reason);
	msg_done(&m);
}

#define NOHDR NULL

/* ---- rules --------------------------------------------------------------- */

static void test_plain_reply_ok(void **state)
{
	expect(MAIL_OK, "ok", "alice@example.com", "alice@example.com", "Re: Kernel 6.1 on the Pi",
	       "Precedence", "first-class", NOHDR);
	expect(MAIL_OK, "ok", NULL, "alice@example.com", NULL, NOHDR);
}

static void test_loop_header(void **state)
{
	expect(MAIL_LOOP, "carries our loop header X-Forumgate-Loop", "bob@example.com",
	       "bob@example.com", "Re: hi", "x-forumgate-loop", "reply.example.org", NOHDR);
	/* the loop header wins over everything else */
	expect(MAIL_LOOP, "carries our loop header X-Forumgate-Loop", "",
	       "mailer-daemon@mx.example", "Undelivered Mail Returned to Sender",
	       "X-Forumgate-Loop", "1", NOHDR);
}

static void test_x_loop(void **state)
{
	expect(MAIL_LOOP, "X-Loop header names our domain", "bob@example.com", "bob@example.com",
	       "Re: hi", "X-Loop", "list@Reply.Example.Org", NOHDR);
	/* a foreign X-Loop (Debian BTS, list managers) is not decisive */
	expect(MAIL_OK, "ok", "bob@example.com", "bob@example.com", "Re: hi", "X-Loop",
	       "owner@bugs.debian.org", NOHDR);
}

static void test_own_domain(void **state)
{
	expect(MAIL_OWN, "sent from our own reply domain", "x@reply.example.org",
	       "reply+t.1234@REPLY.example.org", "Re: hi", NOHDR);
	/* a subdomain or a longer name is somebody else */
	expect(MAIL_OK, "ok", "a@x", "a@mail.reply.example.org", "Re: hi", NOHDR);
	expect(MAIL_OK, "ok", "a@x", "a@reply.example.org.evil", "Re: hi", NOHDR);
}

static void test_multipart_report(void **state)
{
	expect(MAIL_BOUNCE, "delivery status report (multipart/report)", "", "mailer@mx.example",
	       "Hello", "Content-Type",
	       "multipart/report; report-type=delivery-status;\tboundary=\"b1\"", NOHDR);
	expect(MAIL_BOUNCE, "abuse feedback report (ARF)", "abuse@isp.example", "abuse@isp.example",
	       "Abuse Report", "Content-Type",
	       "Multipart/Report; report-type=\"feedback-report\"; boundary=x", NOHDR);
	expect(MAIL_AUTOREPLY, "read receipt (disposition-notification report)", "bob@example.com",
	       "bob@example.com", "Read: hi", "Content-Type",
	       "multipart/report; boundary=x; REPORT-TYPE=disposition-notification", NOHDR);
	expect(MAIL_BOUNCE, "delivery status report (message/delivery-status)", NULL,
	       "x@mx.example", "x", "Content-Type", "message/delivery-status", NOHDR);
}

static void test_is_report_flag(void **state)
{
	struct mail_msg m;
	const char *reason;

	memset(&m, 0, sizeof(m));
	m.from_addr = "someone@example.com";
	m.subject = "Re: hi";
	m.is_report = 1;
	assert_int_equal(mail_classify(&m, "someone@example.com", OWN, &reason), MAIL_BOUNCE);
	assert_string_equal(reason, "delivery status report (multipart/report)");
	/* and NULL reason / own_domain are accepted */
	assert_int_equal(mail_classify(&m, NULL, NULL, NULL), MAIL_BOUNCE);
}

static void test_x_failed_recipients(void **state)
{
	expect(MAIL_BOUNCE, "X-Failed-Recipients header (bounce)", "", "mailer@mx.example", "Hi",
	       "X-Failed-Recipients", "kijitora@example.jp", NOHDR);
}

static void test_mailer_daemon(void **state)
{
	expect(MAIL_BOUNCE, "sent by MAILER-DAEMON (bounce)", "x@y", "mailer-daemon@mx.example",
	       "Something", NOHDR);
	expect(MAIL_BOUNCE, "sent by MAILER-DAEMON (bounce)", "x@y", "MAILER-DAEMON", "Something",
	       NOHDR);
	/* no usable from_addr: the raw From header is read */
	expect(MAIL_BOUNCE, "sent by MAILER-DAEMON (bounce)", "x@y", NULL, "Something", "From",
	       "Mail Delivery Subsystem <MAILER-DAEMON>", NOHDR);
	expect(MAIL_OK, "ok", "x@y", NULL, "Something", "From", "Mail Delivery <alice>", NOHDR);
}

static void test_auto_submitted(void **state)
{
	expect(MAIL_AUTOREPLY, "Auto-Submitted header (RFC 3834)", "bob@example.com",
	       "bob@example.com", "Re: hi", "Auto-Submitted", "auto-replied; owner-email=bob@x",
	       NOHDR);
	expect(MAIL_AUTOREPLY, "Auto-Submitted header (RFC 3834)", "bob@example.com",
	       "bob@example.com", "Re: hi", "AUTO-SUBMITTED", "(vacation) Auto-Generated", NOHDR);
	/* "no" is the explicit statement of a person, even with a comment */
	expect(MAIL_OK, "ok", "bob@example.com", "bob@example.com", "Re: hi", "Auto-Submitted",
	       "No (written by hand)", NOHDR);
}

static void test_x_autoreply_headers(void **state)
{
	expect(MAIL_AUTOREPLY, "X-Autoreply header", "b@example.com", "b@example.com", "Re: hi",
	       "X-Autoreply", "yes", NOHDR);
	expect(MAIL_AUTOREPLY, "X-Autorespond header", "b@example.com", "b@example.com", "Re: hi",
	       "x-autorespond", "Re: hi", NOHDR);
	expect(MAIL_AUTOREPLY, "X-Autoreply header", "b@example.com", "b@example.com", "Re: hi",
	       "X-Autoreply", "", NOHDR);
	expect(MAIL_OK, "ok", "b@example.com", "b@example.com", "Re: hi", "X-Autoreply", "false",
	       NOHDR);
	expect(MAIL_AUTOREPLY, "X-POST-MessageClass: Autoreply", "b@example.com", "b@example.com",
	       "Re: hi", "X-POST-MessageClass", "9; Autoreply", NOHDR);
}

static void test_precedence(void **state)
{
	expect(MAIL_AUTOREPLY, "Precedence: auto_reply", "b@example.com", "b@example.com", "Re: hi",
	       "Precedence", "auto_reply", NOHDR);
	expect(MAIL_BULK, "Precedence: bulk, junk or list", "b@example.com", "b@example.com",
	       "Re: hi", "Precedence", "Bulk", NOHDR);
	expect(MAIL_BULK, "Precedence: bulk, junk or list", "b@example.com", "b@example.com",
	       "Re: hi", "Precedence", "junk", NOHDR);
	expect(MAIL_BULK, "Precedence: bulk, junk or list", "b@example.com", "b@example.com",
	       "Re: hi", "Precedence", " list (via mailman)", NOHDR);
}

static void test_outlook_suppress_is_only_a_hint(void **state)
{
	/* Outlook puts this on ordinary mail: it must not block a reply */
	expect(MAIL_OK, "ok", "bob@example.com", "bob@corp.example", "RE: Kernel 6.1 on the Pi",
	       "X-Auto-Response-Suppress", "All", "Thread-Topic", "Kernel 6.1 on the Pi", NOHDR);
	expect(MAIL_OK, "ok", "bob@example.com", "bob@corp.example", "RE: hi",
	       "X-Auto-Response-Suppress", "OOF, AutoReply", NOHDR);
}

static void test_vacation_subjects(void **state)
{
	static const char *const subjects[] = {
		"Out of Office: Re: hi",
		"OUT OF OFFICE",
		"Automatic reply: Kernel 6.1",
		"Autoreply: hi",
		"Auto-Reply: hi",
		"AutoRespons :Nyaan?",
		"Abwesenheitsnotiz: hi",
		"Automatische Antwort: hi",
		"Réponse automatique : hi",
		"RÉPONSE AUTOMATIQUE: hi",
		"Absence du bureau",
		"Absence",
		"Absence: until Monday",
		"Respuesta automática: hola",
		"Fuera de la oficina",
		"Risposta automatica: ciao",
		"Automatisch antwoord: hoi",
		"Autosvar: hej",
		"Vacation",
		"  vacation: back on the 5th",
		"Vacation reply",
		"AUTO: Bob is out of the office",
		NULL,
	};
	for (const char *const *s = subjects; *s; s++)
		expect(MAIL_AUTOREPLY, "out-of-office or auto-reply subject", "b@example.com",
		       "b@example.com", *s, NOHDR);
}

static void test_vacation_words_in_a_sentence(void **state)
{
	static const char *const subjects[] = {
		"Re: absence of documentation",
		"Absence of documentation for the API",
		"Vacation planning thread",
		"Re: Out of Office replies keep getting posted",
		"Away team lineup",
		"Holidays in Portugal",
		"Automatically generated docs are wrong",
		"Fwd: Undelivered Mail Returned to Sender",
		"Returned mail handling in the forum",
		"Re: failure notice",
		NULL,
	};
	for (const char *const *s = subjects; *s; s++)
		expect(MAIL_OK, "ok", "b@example.com", "b@example.com", *s, NOHDR);
}

static void test_bounce_subjects(void **state)
{
	/* specific enough to stand alone */
	expect(MAIL_BOUNCE, "bounce subject", "x@mx.example", "x@mx.example",
	       "Undelivered Mail Returned to Sender", NOHDR);
	expect(MAIL_BOUNCE, "bounce subject", "x@mx.example", "x@mx.example",
	       "Delivery Status Notification (Failure)", NOHDR);
	expect(MAIL_BOUNCE, "bounce subject", "x@mx.example", "x@mx.example",
	       "Mail delivery failed: returning message to sender", NOHDR);
	expect(MAIL_BOUNCE, "bounce subject", "x@mx.example", "x@mx.example", "Undeliverable: hi",
	       NOHDR);
	/* needing a robot sender or a null sender */
	expect(MAIL_BOUNCE, "bounce subject", "x@mx.example", "postmaster@mx.example",
	       "failure notice", NOHDR);
	expect(MAIL_BOUNCE, "bounce subject", "", "bob@mx.example",
	       "Returned mail: see transcript for details", NOHDR);
	expect(MAIL_OK, "ok", "bob@example.com", "bob@example.com", "failure notice", NOHDR);
	/* postmaster is a role account: like Discourse, never a poster */
	expect(MAIL_BOUNCE, "sent by postmaster (bounce)", "bob@example.com",
	       "Post_Master@example.com", "Re:Test message", NOHDR);
	expect(MAIL_BOUNCE, "bounce subject", "x@mx.example", "", "Delivery Status", NOHDR);
}

static void test_null_sender(void **state)
{
	expect(MAIL_BOUNCE, "null envelope sender (bounce)", "", "bob@example.com", "Re: hi",
	       NOHDR);
	expect(MAIL_BOUNCE, "null envelope sender (bounce)", "<>", "bob@example.com", "Re: hi",
	       NOHDR);
	/* with no envelope known, the Return-Path the MTA wrote stands in */
	expect(MAIL_BOUNCE, "null envelope sender (bounce)", NULL, "bob@example.com", "Re: hi",
	       "Return-Path", "< >", NOHDR);
	expect(MAIL_OK, "ok", NULL, "bob@example.com", "Re: hi", "Return-Path", "<bob@example.com>",
	       NOHDR);
	/* a known envelope is believed over the header */
	expect(MAIL_OK, "ok", "bob@example.com", "bob@example.com", "Re: hi", "Return-Path", "<>",
	       NOHDR);
	/* null sender plus vacation subject reads as the auto-reply it is */
	expect(MAIL_AUTOREPLY, "out-of-office or auto-reply subject", "", "bob@example.com",
	       "Automatic reply: hi", NOHDR);
}

static void test_noreply_sender(void **state)
{
	expect(MAIL_AUTOREPLY, "sent from a no-reply address (automated)", "x@amazonses.com",
	       "no-reply@sns.amazonaws.com", "AWS Notification Message", NOHDR);
	expect(MAIL_OK, "ok", "n@example.com", "noreply.fan@example.com", "Re: hi", NOHDR);
}

static void test_list_traffic(void **state)
{
	expect(MAIL_BULK, "mailing-list traffic (List-Id)", "l-bounces@lists.example",
	       "bob@example.com", "[dev] Re: hi", "List-Id", "Dev list <dev.lists.example>", NOHDR);
	expect(MAIL_BULK, "bulk mail (List-Unsubscribe)", "news@shop.example", "news@shop.example",
	       "Our offers", "List-Unsubscribe", "<mailto:u@shop.example>", NOHDR);
}

static void test_order_of_rules(void **state)
{
	/* a DSN carrying Auto-Submitted (Postfix does) is a bounce */
	expect(MAIL_BOUNCE, "delivery status report (multipart/report)", "", "mailer-daemon@mx",
	       "Undelivered Mail Returned to Sender", "Auto-Submitted", "auto-replied",
	       "Content-Type", "multipart/report; report-type=delivery-status; boundary=b", NOHDR);
	/* a vacation reply with Precedence: bulk is an auto-reply */
	expect(MAIL_AUTOREPLY, "Auto-Submitted header (RFC 3834)", "", "bob@example.com",
	       "Out of Office", "Precedence", "bulk", "Auto-Submitted", "auto-replied", NOHDR);
	expect(MAIL_AUTOREPLY, "out-of-office or auto-reply subject", "bob@example.com",
	       "bob@example.com", "Out of Office", "Precedence", "bulk", NOHDR);
}

/* ---- failed recipients ---------------------------------------------------- */

static char *recipient(const char *text, ...)
{
	struct mail_msg m;
	va_list ap;

	va_start(ap, text);
	msg_va(&m, "mailer-daemon@mx.example", "x", text, ap);
	va_end(ap);
	char *r = mail_bounce_recipient(&m);
	msg_done(&m);
	return r;
}

static void want_recipient(char *got, const char *want)
{
	if (want == NULL) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_recipient_dsn(void **state)
{
	want_recipient(recipient("Reporting-MTA: dns; mx.example\n"
				 "\n"
				 "Final-Recipient: rfc822; Kijitora@Example.JP\n"
				 "Action: failed\n"
				 "Status: 5.1.1\n",
				 NOHDR),
		       "kijitora@example.jp");
	/* Original-Recipient is the address we sent to: preferred */
	want_recipient(recipient("Reporting-MTA: dns; mx.example\r\n\r\n"
				 "Original-Recipient: rfc822;<list-sub@example.org>\r\n"
				 "Final-Recipient: RFC822; real@mailbox.example\r\n"
				 "Action: failed\r\n",
				 NOHDR),
		       "list-sub@example.org");
	/* a delayed recipient yields to a failed one */
	want_recipient(recipient("Final-Recipient: rfc822; slow@example.net\n"
				 "Action: delayed\n"
				 "\n"
				 "Final-Recipient: rfc822; gone@example.net\n"
				 "Action: failed\n",
				 NOHDR),
		       "gone@example.net");
	want_recipient(
		recipient("Final-Recipient: rfc822; slow@example.net\nAction: delayed\n", NOHDR),
		"slow@example.net");
}

static void test_recipient_dsn_attachment(void **state)
{
	struct mail_msg m;
	static const char dsn[] = "Reporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; a@b.example\n"
				  "Action: failed";

	memset(&m, 0, sizeof(m));
	m.text = "This is the mail system at host mx.\n<other@example.com>: unknown\n";
	m.nattachments = 1;
	m.attachments = xcalloc(1, sizeof(*m.attachments));
	m.attachments[0].content_type = "message/delivery-status";
	m.attachments[0].size = sizeof(dsn) - 1;
	m.attachments[0].data = xmalloc(m.attachments[0].size); /* not NUL-terminated */
	memcpy(m.attachments[0].data, dsn, m.attachments[0].size);
	want_recipient(mail_bounce_recipient(&m), "a@b.example");
	free(m.attachments[0].data);
	free(m.attachments);
}

static void test_recipient_header(void **state)
{
	want_recipient(recipient("no details\n", "X-Failed-Recipients",
				 "First@Example.com, second@example.com", NOHDR),
		       "first@example.com");
}

static void test_recipient_classic(void **state)
{
	want_recipient(
		recipient(
			"This message was created automatically by mail delivery software.\n"
			"\n"
			"A message that you sent could not be delivered to one or more of its\n"
			"recipients. This is a permanent error. The following address(es) failed:\n"
			"\n"
			"  kijitora@example.jp\n"
			"    host mx.example.jp [192.0.2.1]\n",
			NOHDR),
		"kijitora@example.jp");
	want_recipient(
		recipient("Hi. This is the qmail-send program at mx.example.\n"
			  "I'm afraid I wasn't able to deliver your message to the following "
			  "addresses.\n"
			  "This is a permanent error; I've given up. Sorry it didn't work out.\n"
			  "\n"
			  "<neko@example.com>:\n"
			  "Sorry, no mailbox here by that name. (#5.1.1)\n",
			  NOHDR),
		"neko@example.com");
	want_recipient(recipient("   ----- Transcript of session follows -----\n"
				 "... while talking to mx.example:\n"
				 "<<< 550 5.1.1 <Shiro@Example.ORG>... User unknown\n"
				 "<shiro@example.org>... User unknown\n",
				 NOHDR),
		       "shiro@example.org");
	want_recipient(recipient("Original-Rcpt-To: arf@example.net\n", NOHDR), "arf@example.net");
	want_recipient(recipient("Nothing useful here.\n<not an address>\n", NOHDR), NULL);
	want_recipient(recipient("Final-Recipient: rfc822; <>\nAction: failed\n", NOHDR), NULL);
}

/* ---- the sisimai corpus ----------------------------------------------------- */

#define CORPUS "../shared/corpora/mime/sisimai-set-of-emails/maildir"

static struct mail_msg *scan_message(const char *raw, size_t len)
{
	struct mail_msg *m = xcalloc(1, sizeof(*m));
	scan_headers(m, raw, len);
	return m;
}

static void scan_free(struct mail_msg *m)
{
	for (size_t i = 0; i < m->nheaders; i++) {
		free(m->headers[i].name);
		free(m->headers[i].value);
	}
	free(m->headers);
	free(m->from_addr);
	free(m->subject);
	free(m->text);
	free(m);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return buf_detach(&b);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted .eml names of dir; NULL if the directory is missing. */
static char **list_dir(const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;

	if (!d)
		return NULL;
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		if (l < 4 || strcmp(e->d_name + l - 4, ".eml") != 0)
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	*count = n;
	return names;
}

static enum mail_class classify_file(const char *path, char **rcpt, const char **reason)
{
	size_t len;
	char *raw = slurp(path, &len);
	assert_non_null(raw);
	struct mail_msg *m = scan_message(raw, len);
	/* envelope unknown: Return-Path stands in, as for Maildir intake */
	enum mail_class c = mail_classify(m, NULL, OWN, reason);
	*rcpt = c == MAIL_BOUNCE ? mail_bounce_recipient(m) : NULL;
	scan_free(m);
	free(raw);
	return c;
}

static void test_sisimai_corpus(void **state)
{
	size_t nb = 0, nn = 0;
	char **bsd = list_dir(CORPUS "/bsd", &nb);
	char **not = list_dir(CORPUS "/not", &nn);
	int verbose = getenv("CLASSIFY_VERBOSE") != NULL;

	if (!bsd || !not ) {
		for (size_t i = 0; bsd && i < nb; i++)
			free(bsd[i]);
		for (size_t i = 0; not &&i < nn; i++)
			free(not [i]);
		free(bsd);
		free(not );
		skip();
		return;
	}

	/* bsd/: bounces, DSNs and ARF reports (want MAIL_BOUNCE), rfc3834-*
	 * auto-replies (want MAIL_AUTOREPLY) */
	size_t bounces = 0, exact = 0, blocked = 0, dsns = 0, with_rcpt = 0, auto_n = 0,
	       auto_exact = 0;
	for (size_t i = 0; i < nb; i++) {
		char *path = xasprintf("%s/bsd/%s", CORPUS, bsd[i]);
		const char *reason;
		char *rcpt;
		enum mail_class c = classify_file(path, &rcpt, &reason);
		int is_auto = strncmp(bsd[i], "rfc3834-", 8) == 0;
		enum mail_class want = is_auto ? MAIL_AUTOREPLY : MAIL_BOUNCE;
		if (is_auto) {
			auto_n++;
			auto_exact += c == want;
		} else {
			bounces++;
			exact += c == want;
		}
		/* ARF reports name no failed recipient */
		if (!is_auto && strncmp(bsd[i], "arf-", 4) != 0) {
			dsns++;
			with_rcpt += rcpt != NULL;
		}
		blocked += c != MAIL_OK;
		if (verbose)
			printf("%-32s %d %-45s %s\n", bsd[i], c, reason, rcpt ? rcpt : "-");
		free(rcpt);
		free(path);
		free(bsd[i]);
	}
	free(bsd);

	/* not/: ordinary messages must stay MAIL_OK, except rb-issue-368-bug,
	 * which is a real bounce (Return-Path <>, Auto-Submitted, postmaster)
	 * that sisimai files there because it cannot parse it */
	size_t negatives = 0, neg_ok = 0;
	int rb368 = -1;
	for (size_t i = 0; i < nn; i++) {
		char *path = xasprintf("%s/not/%s", CORPUS, not [i]);
		const char *reason;
		char *rcpt;
		enum mail_class c = classify_file(path, &rcpt, &reason);
		if (strncmp(not [i], "rb-issue-368", 12) == 0) {
			rb368 = c;
		} else {
			negatives++;
			neg_ok += c == MAIL_OK;
		}
		if (verbose)
			printf("not/%-28s %d %-45s %s\n", not [i], c, reason, rcpt ? rcpt : "-");
		free(rcpt);
		free(path);
		free(not [i]);
	}
	free(not );

	printf("sisimai: bounces %zu/%zu MAIL_BOUNCE (%.1f%%); failed recipient found in %zu/%zu "
	       "non-ARF bounces (%.1f%%)\n",
	       exact, bounces, 100.0 * exact / bounces, with_rcpt, dsns, 100.0 * with_rcpt / dsns);
	printf("sisimai: auto-replies %zu/%zu MAIL_AUTOREPLY; not posted %zu/%zu (%.1f%%)\n",
	       auto_exact, auto_n, blocked, nb, 100.0 * blocked / nb);
	printf("sisimai: negatives %zu/%zu MAIL_OK; rb-issue-368 (a real bounce) class %d\n",
	       neg_ok, negatives, rb368);

	assert_true(bounces >= 600);
	/* at or just below what the rules achieve (613/623, 578/606, 626/629) */
	assert_true(exact * 1000 >= bounces * 980);
	assert_true(with_rcpt * 1000 >= dsns * 950);
	assert_int_equal(auto_exact, auto_n);
	assert_true(blocked * 1000 >= nb * 994);
	assert_int_equal(neg_ok, negatives);
	assert_true(rb368 != MAIL_OK);
}

/* ---- ordinary messages of the other MIME corpora ------------------------------ */

#define MIME_CORPORA "../shared/corpora/mime"

static char **walk_paths;
static size_t walk_n;

static int walk_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	/* bounces, ARF complaints and receipts are not ordinary messages */
	static const char *const skip_parts[] = {
		"sisimai",
		"/bounce/",
		"/complaints/",
		"multipart_report",
		"disposition-notification",
		"delivery-status",
		"arf.eml",
		"bounce.eml",
		"mimepart_without_content_type",
		"LICENSE",
		".md",
		NULL,
	};
	if (type != FTW_F)
		return 0;
	for (const char *const *s = skip_parts; *s; s++)
		if (strstr(path, *s))
			return 0;
	walk_paths = xrealloc(walk_paths, (walk_n + 1) * sizeof(*walk_paths));
	walk_paths[walk_n++] = xstrdup(path);
	return 0;
}

/* Real mail from the mail gem, flanker, mailparser and postal-mime: every
 * one that is not MAIL_OK must carry a marker the rules are meant to catch
 * (Precedence: bulk, List-Id, a no-reply or postmaster sender). */
static void test_other_corpora_negatives(void **state)
{
	walk_paths = NULL;
	walk_n = 0;
	if (nftw(MIME_CORPORA, walk_one, 16, FTW_PHYS) != 0 || walk_n == 0) {
		free(walk_paths);
		skip();
		return;
	}
	qsort(walk_paths, walk_n, sizeof(*walk_paths), name_cmp);
	size_t ok = 0, bulk = 0, other = 0;
	for (size_t i = 0; i < walk_n; i++) {
		const char *reason;
		char *rcpt;
		enum mail_class c = classify_file(walk_paths[i], &rcpt, &reason);
		if (c == MAIL_OK)
			ok++;
		else if (c == MAIL_BULK)
			bulk++;
		else {
			other++;
			printf("other corpora: %s: %d %s\n", walk_paths[i], c, reason);
		}
		free(rcpt);
		free(walk_paths[i]);
	}
	free(walk_paths);
	printf("other corpora: %zu/%zu ordinary messages MAIL_OK, %zu MAIL_BULK (Precedence or "
	       "List-Id), %zu other\n",
	       ok, ok + bulk + other, bulk, other);
	assert_true(ok + bulk + other >= 140);
	/* flanker long-links.eml (From: postmaster@) and three noreply senders */
	assert_true(other <= 4);
	assert_true(bulk <= 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_reply_ok),
		cmocka_unit_test(test_loop_header),
		cmocka_unit_test(test_x_loop),
		cmocka_unit_test(test_own_domain),
		cmocka_unit_test(test_multipart_report),
		cmocka_unit_test(test_is_report_flag),
		cmocka_unit_test(test_x_failed_recipients),
		cmocka_unit_test(test_mailer_daemon),
		cmocka_unit_test(test_auto_submitted),
		cmocka_unit_test(test_x_autoreply_headers),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_outlook_suppress_is_only_a_hint),
		cmocka_unit_test(test_vacation_subjects),
		cmocka_unit_test(test_vacation_words_in_a_sentence),
		cmocka_unit_test(test_bounce_subjects),
		cmocka_unit_test(test_null_sender),
		cmocka_unit_test(test_noreply_sender),
		cmocka_unit_test(test_list_traffic),
		cmocka_unit_test(test_order_of_rules),
		cmocka_unit_test(test_recipient_dsn),
		cmocka_unit_test(test_recipient_dsn_attachment),
		cmocka_unit_test(test_recipient_header),
		cmocka_unit_test(test_recipient_classic),
		cmocka_unit_test(test_sisimai_corpus),
		cmocka_unit_test(test_other_corpora_negatives),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
