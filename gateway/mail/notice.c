/*
 * Notices to people by SMTP (see notice.h), with libetpan's SMTP client.
 * The message is built by hand (a few headers, quoted-printable body) so its
 * exact form is under our control; libetpan dot-stuffs it on the wire.
 */
#include "forumgate/notice.h"

#include <libetpan/libetpan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "forumgate/article.h"
#include "forumgate/buf.h"
#include "forumgate/submit.h"

/* Quoted-printable (RFC 2045) of UTF-8 text with LF lines, CRLF out. */
static void qp(struct buf *out, const char *s)
{
	int col = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\n') {
			buf_add(out, "\r\n", 2);
			col = 0;
			continue;
		}
		int enc = *p == '=' || *p > 126 || (*p < 32 && *p != '\t') ||
			  ((*p == ' ' || *p == '\t') && (p[1] == '\n' || p[1] == '\0')) ||
			  (col == 0 && *p == '.');
		int w = enc ? 3 : 1;
		if (col + w > 75) {
			buf_add(out, "=\r\n", 3);
			col = 0;
		}
		if (enc)
			buf_addf(out, "=%02X", *p);
		else
			buf_addc(out, (char)*p);
		col += w;
	}
	buf_add(out, "\r\n", 2);
}

int notice_send(const struct cfg *c, const char *to, const char *subject, const char *text,
		const char *in_reply_to, char **err)
{
	if (c->mail.smarthost == NULL)
		return fg_error(err, "no mail.smarthost configured");
	char *host = xstrdup(c->mail.smarthost);
	int port = 25;
	char *colon = strrchr(host, ':');
	if (colon && strchr(colon, ']') == NULL) {
		*colon = '\0';
		port = atoi(colon + 1);
	}
	if (host[0] == '[') {
		memmove(host, host + 1, strlen(host));
		char *rb = strchr(host, ']');
		if (rb)
			*rb = '\0';
	}
	const char *domain = c->mail.reply_domain ? c->mail.reply_domain : c->gateway.domain;

	struct buf msg = BUF_INIT;
	char date[40];
	article_date((int64_t)time(NULL), NULL, date);
	buf_addf(&msg, "From: forumgate <noreply@%s>\r\n", domain);
	buf_addf(&msg, "To: <%s>\r\n", to);
	struct buf subj = BUF_INIT;
	article_hdr_unstructured(&subj, subject);
	article_hdr_fold(&msg, "Subject", buf_str(&subj));
	buf_free(&subj);
	buf_addf(&msg, "Date: %s\r\n", date);
	/* the one generator (submit.h), seeded so no two notices share an id */
	static unsigned long sent;
	char *seed = xasprintf("notice\n%lld\n%d\n%lu\n%s\n%s\n%s", (long long)time(NULL),
			       (int)getpid(), sent++, to, subject, text);
	char *mid = outbox_msgid_make(seed, strlen(seed), domain);
	buf_addf(&msg, "Message-ID: %s\r\n", mid);
	free(mid);
	free(seed);
	if (in_reply_to)
		buf_addf(&msg, "In-Reply-To: %s\r\nReferences: %s\r\n", in_reply_to, in_reply_to);
	buf_addf(&msg, "Auto-Submitted: auto-replied\r\nX-Forumgate-Loop: %s\r\n"
		       "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
		       "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
		 domain);
	qp(&msg, text);

	int rc = -1;
	mailsmtp *smtp = mailsmtp_new(0, NULL);
	if (smtp == NULL) {
		fg_error(err, "smtp: out of memory");
		goto out;
	}
	mailsmtp_set_timeout(smtp, 30);
	int r = mailsmtp_socket_connect(smtp, host, (uint16_t)port);
	if (r != MAILSMTP_NO_ERROR) {
		fg_error(err, "smtp: cannot connect to %s:%d: %s", host, port, mailsmtp_strerror(r));
		goto out;
	}
	if (mailesmtp_ehlo(smtp) != MAILSMTP_NO_ERROR && mailsmtp_helo(smtp) != MAILSMTP_NO_ERROR) {
		fg_error(err, "smtp: %s refused EHLO/HELO", host);
		goto out;
	}
	if (smtp->esmtp & MAILSMTP_ESMTP_STARTTLS) {
		if (mailsmtp_socket_starttls(smtp) != MAILSMTP_NO_ERROR ||
		    mailesmtp_ehlo(smtp) != MAILSMTP_NO_ERROR) {
			fg_error(err, "smtp: STARTTLS with %s failed", host);
			goto out;
		}
	}
	/* null envelope sender: nobody answers a notice automatically */
	if ((r = mailesmtp_mail(smtp, "", 0, NULL)) != MAILSMTP_NO_ERROR &&
	    (r = mailsmtp_mail(smtp, "")) != MAILSMTP_NO_ERROR) {
		fg_error(err, "smtp: MAIL FROM refused: %s", smtp->response ? smtp->response : "");
		goto out;
	}
	if ((r = mailsmtp_rcpt(smtp, to)) != MAILSMTP_NO_ERROR) {
		fg_error(err, "smtp: RCPT TO <%s> refused: %s", to, smtp->response ? smtp->response : "");
		goto out;
	}
	if (mailsmtp_data(smtp) != MAILSMTP_NO_ERROR ||
	    mailsmtp_data_message(smtp, msg.p, msg.len) != MAILSMTP_NO_ERROR) {
		fg_error(err, "smtp: message refused: %s", smtp->response ? smtp->response : "");
		goto out;
	}
	mailsmtp_quit(smtp);
	rc = 0;
out:
	if (smtp)
		mailsmtp_free(smtp);
	buf_free(&msg);
	free(host);
	return rc;
}
