/*
 * Fuzz target for the mail parser (gateway/mail/mime*.c): any bytes go to
 * mail_parse(). On success the result is checked against the promises of
 * mail.h: UTF-8 text without CR or NUL, lowercased From address with an
 * '@', bracketed msg-ids, every attachment with data and a content type.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../gateway/mail/mime_internal.h"
#include "forumgate/mail.h"
#include "fuzz_maxlen.h"

static void check_str(const char *s)
{
	if (s != NULL && !mime_utf8_valid(s, strlen(s)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mail_msg *m = NULL;
	char *err = NULL;
	if (mail_parse((const char *)data, size, &m, &err) != 0) {
		if (m != NULL || err == NULL)
			abort();
		free(err);
		return 0;
	}
	if (m == NULL || err != NULL || m->text == NULL)
		abort();
	check_str(m->text);
	if (strchr(m->text, '\r') != NULL)
		abort();
	check_str(m->subject);
	check_str(m->from_name);
	if (m->from_addr != NULL) {
		if (strchr(m->from_addr, '@') == NULL)
			abort();
		for (const char *p = m->from_addr; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				abort();
	}
	if (m->message_id != NULL && m->message_id[0] != '<')
		abort();
	for (size_t i = 0; i < m->nreferences; i++)
		if (m->references[i][0] != '<')
			abort();
	for (size_t i = 0; i < m->nattachments; i++) {
		if (m->attachments[i].data == NULL || m->attachments[i].content_type == NULL)
			abort();
		check_str(m->attachments[i].filename);
	}
	for (size_t i = 0; i < m->nheaders; i++)
		if (m->headers[i].name[0] == '\0' || mail_header(m, m->headers[i].name) == NULL)
			abort();
	mail_msg_free(m);
	return 0;
}
