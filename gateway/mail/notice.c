/*
 * Notices to people by SMTP (see notice.h), through the one SMTP client
 * (smtp.h). The message is built by hand (a few headers, quoted-printable
 * body) so its exact form is under our control.
 */
#include "forumgate/notice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "forumgate/article.h"
#include "forumgate/buf.h"
#include "forumgate/smtp.h"
#include "forumgate/submit.h"

static int notice_done(void *arg, size_t i, int code, const char *text, char **err)
{
	int *result = arg;
	*result = code;
	if (code != 250)
		return fg_error(err, "smtp: message refused: %s", text);
	return 0;
}

int notice_send(const struct cfg *c, const char *to, const char *subject, const char *text,
		const char *in_reply_to, char **err)
{
	return notice_send_from(c, NULL, to, subject, text, in_reply_to, err);
}

int notice_send_from(const struct cfg *c, const char *from, const char *to, const char *subject,
		     const char *text, const char *in_reply_to, char **err)
{
	if (c->mail.smarthost == NULL)
		return fg_error(err, "no mail.smarthost configured");
	const char *domain = c->mail.reply_domain ? c->mail.reply_domain : c->gateway.domain;

	struct buf msg = BUF_INIT;
	char date[40];
	article_date((int64_t)time(NULL), NULL, date);
	if (from)
		buf_addf(&msg, "From: <%s>\r\n", from);
	else
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
	buf_addf(&msg,
		 "Auto-Submitted: auto-replied\r\nX-Forumgate-Loop: %s\r\n"
		 "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
		 "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
		 domain);
	smtp_qp(&msg, text, strlen(text)); /* no dot-stuffing needed (smtp.h) */

	struct smtp *s = NULL;
	int rc = -1, code = 0;
	if (smtp_open(c, &s, err) == 0) {
		/* null envelope sender: nobody answers a notice automatically */
		struct smtp_msg m = {.from = "", .rcpt = to, .data = msg.p, .len = msg.len};
		rc = smtp_send(s, &m, 1, notice_done, &code, err) == 0 && code == 250 ? 0 : -1;
	}
	smtp_close(s);
	buf_free(&msg);
	return rc;
}
