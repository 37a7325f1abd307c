/*
 * NNTP POST: the article is read with the mail module (mail_parse: headers,
 * RFC 2047 words, MIME, charsets) and handed to the submission module
 * (submit.h) that mail intake uses too, so a follow-up from a newsreader
 * becomes the same clean post a mail reply becomes (decoded, quotes and
 * signature trimmed, the logged-in user as author), takes the same route
 * and is refused for the same reason in the same words. 240 is sent only
 * after the transaction holding the reply committed.
 *
 * What is checked here is what only NNTP has: the size limit, a NUL (every
 * later step reads C strings), the strict header block and the headers a
 * news article must carry, and that a "Re:" comes with References.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "forumgate/log.h"
#include "forumgate/mail.h"
#include "forumgate/submit.h"
#include "nntp_internal.h"

static void refuse(struct nntp_session *s, const char *why)
{
	log_info("post by %s refused: %s", s->user ? s->user : "-", why);
	nntp_reply(s, 441, "%s", why);
}

/* The NNTP-only checks on the received article; 0, or -1 with *why. */
static int check_article(const struct mail_msg *m, char **why)
{
	static const char *const required[] = {"From", "Newsgroups", "Subject"};
	for (size_t i = 0; i < 3; i++) {
		const char *v = mail_header(m, required[i]);
		if (v == NULL || v[0] == '\0')
			return fg_error(why, "the article has no %s header", required[i]);
	}
	const char *refs = mail_header(m, "References");
	if (strncasecmp(mail_header(m, "Subject"), "Re:", 3) == 0 && (refs == NULL || !refs[0]))
		return fg_error(why, "a reply (Subject \"Re: ...\") needs a References header; use "
				     "your newsreader's follow-up command so it lands in the right "
				     "thread");
	return 0;
}

void nntp_post_finish(struct nntp_session *s)
{
	const struct cfg *c = s->env->cfg;
	if (s->post_too_big) {
		char *why = xasprintf("Article too large: the limit here is %ld bytes",
				      c->nntp.max_post_size);
		refuse(s, why);
		free(why);
		return;
	}
	const char *raw = s->post.p ? s->post.p : "";
	size_t len = s->post.len;
	struct mail_msg *m = NULL;
	char *why = NULL;
	/* decided on the bytes received: every later step reads C strings,
	 * which would end at the NUL and drop the rest without a word */
	if (len && memchr(raw, '\0', len) != NULL) {
		fg_error(&why, "the article contains a NUL byte, which no header or text may hold");
		goto refused;
	}
	if (mail_header_block_check(raw, len, &why) != 0)
		goto refused;
	if (mail_parse(raw, len, &m, &why) != 0 || check_article(m, &why) != 0)
		goto refused;

	struct submit_env env = {.cfg = c,
				 .store = s->env->store,
				 .writer = s->env->writer,
				 .writer_arg = s->env->writer_arg};
	struct submit_in in = {.source = "nntp",
			       .raw = raw,
			       .raw_len = len,
			       .msg = m,
			       .user = s->user,
			       .groups = mail_header(m, "Newsgroups")};
	struct submit_result res;
	outbox_submit(&env, &in, &res);
	switch (res.status) {
	case SUBMIT_ACCEPTED:
		log_info("post %s by %s: %s", res.message_id, s->user, res.reason);
		nntp_reply(s, 240, "Article received %s", res.message_id);
		break;
	case SUBMIT_TEMPFAIL:
		nntp_reply(s, 441, "Posting failed for a temporary reason; please try again later");
		break;
	case SUBMIT_DUPLICATE: /* a news server refuses an id it has (RFC 3977 §6.3.1) */
	case SUBMIT_REFUSED:
	default:
		refuse(s, res.reason);
		break;
	}
	submit_result_clear(&res);
	goto out;
refused:
	refuse(s, why ? why : "the article could not be read");
out:
	free(why);
	mail_msg_free(m);
}
