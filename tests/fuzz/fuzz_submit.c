/*
 * Fuzz target for the submission module (gateway/outbox/submit.c): the
 * input is one article as a newsreader POSTs it; it is checked and parsed
 * as nntp/post.c does (mail_header_block_check, mail_parse) and submitted
 * as alice to the groups of its Newsgroups header (fz.general when it has
 * none) against the small store of fuzz_world.h, where fz.general takes
 * posts and fz.news is read-only. The result must be one of the four
 * statuses with a code and a reason, an accepted reply a valid Message-ID.
 */
#include <stdint.h>

#include "forumgate/mail.h"
#include "forumgate/submit.h"
#include "fuzz_world.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fw_setup();
	const char *raw = (const char *)data;
	char *why = NULL;
	struct mail_msg *m = NULL;
	if (memchr(raw, '\0', size) != NULL || mail_header_block_check(raw, size, &why) != 0 ||
	    mail_parse(raw, size, &m, &why) != 0) {
		free(why);
		return 0;
	}
	const char *groups = mail_header(m, "Newsgroups");
	struct submit_env env = {.cfg = FW.cfg, .store = FW.in.store};
	struct submit_in in = {.source = "fuzz",
			       .raw = raw,
			       .raw_len = size,
			       .msg = m,
			       .user = "alice",
			       .groups = groups ? groups : "fz.general"};
	struct submit_result res;
	outbox_submit(&env, &in, &res);
	if (res.status > SUBMIT_TEMPFAIL || res.code == NULL || res.reason == NULL)
		abort();
	if (res.status == SUBMIT_ACCEPTED &&
	    (res.message_id == NULL || !outbox_msgid_valid(res.message_id)))
		abort();
	submit_result_clear(&res);
	mail_msg_free(m);
	return 0;
}
