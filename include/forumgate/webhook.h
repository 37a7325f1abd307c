/*
 * webhook: what forums push to the httpd role. POST
 * /webhooks/discourse/<forum> takes a Discourse webhook delivery for that
 * forum (gateway/forum/discourse_hook.c): the signature is checked with the
 * forum's discourse.webhook_secret_file (403 when missing or wrong), the
 * delivery is remembered by its X-Discourse-Event-Id (a repeat is answered
 * 200 and ignored: Discourse redelivers on any other status), and the
 * topic it names is handed to the sync role through the store
 * (store_push_add), whose thread of the forum fetches it within 200 ms.
 */
#ifndef FORUMGATE_WEBHOOK_H
#define FORUMGATE_WEBHOOK_H

#include "forumgate/httpd.h"

#define WEBHOOK_DISCOURSE_PREFIX "/webhooks/discourse/"

/* The route's handler; arg is the struct cfg. */
void webhook_discourse(void *arg, const struct httpd_request *rq, struct httpd_response *rs);

#endif
