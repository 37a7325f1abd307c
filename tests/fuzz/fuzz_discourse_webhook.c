/*
 * Fuzz target for the Discourse webhook delivery reader
 * (gateway/forum/discourse_json.c: dj_webhook_verify, dj_webhook_parse).
 * The input is a delivery: "Name: value" header lines, a blank line, the
 * raw body. The signature is checked with the secret "fuzz" (a random one
 * must not match; a seed may carry a right one) and the delivery parsed
 * whatever the verdict, as a hostile sender can reach the parser only if
 * the caller forgets to verify: it must be safe anyway. Checks: a failure
 * says why and leaves nothing behind; a parsed delivery has its event
 * names and, for post/topic deliveries, the object's id.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../gateway/forum/discourse_json.h"
#include "forumgate/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	struct dj_webhook_headers h = {0};
	char *body = text + size, *line = text;
	while (line < text + size) {
		char *nl = memchr(line, '\n', (size_t)(text + size - line));
		if (nl == NULL)
			break;
		*nl = '\0';
		if (nl > line && nl[-1] == '\r')
			nl[-1] = '\0';
		if (*line == '\0') {
			body = nl + 1;
			break;
		}
		char *colon = strchr(line, ':');
		if (colon != NULL) {
			*colon = '\0';
			char *v = colon + 1 + strspn(colon + 1, " \t");
			if (!strcasecmp(line, "X-Discourse-Event"))
				h.event = v;
			else if (!strcasecmp(line, "X-Discourse-Event-Type"))
				h.event_type = v;
			else if (!strcasecmp(line, "X-Discourse-Event-Id"))
				h.event_id = v;
			else if (!strcasecmp(line, "X-Discourse-Event-Signature"))
				h.signature = v;
			else if (!strcasecmp(line, "X-Discourse-Instance"))
				h.instance = v;
		}
		line = nl + 1;
	}
	size_t blen = (size_t)(text + size - body);
	char *err = NULL;
	if (dj_webhook_verify("fuzz", 4, h.signature, body, blen, &err) != 0) {
		if (err == NULL)
			abort();
		free(err);
		err = NULL;
	}
	struct dj_webhook w;
	if (dj_webhook_parse(&h, body, blen, &w, &err) == 0) {
		if (err != NULL || w.event == NULL || w.event_type == NULL || w.event_id < 0)
			abort();
		if (w.kind == DJ_WEBHOOK_POST && (w.post.id <= 0 || w.post.cooked == NULL))
			abort();
		if (w.kind == DJ_WEBHOOK_TOPIC && (w.topic.id == 0 || w.topic.title == NULL))
			abort();
		dj_webhook_free(&w);
	} else {
		if (err == NULL || w.event != NULL || w.post.cooked != NULL ||
		    w.topic.title != NULL)
			abort();
		free(err);
	}
	free(text);
	return 0;
}
