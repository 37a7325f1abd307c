/*
 * discourse: the Discourse connector (discourse.c), private to gateway/.
 */
#ifndef FORUMGATE_DISCOURSE_H
#define FORUMGATE_DISCOURSE_H

#include "forumgate/connector.h"

extern const struct forum_connector_ops discourse_connector;

/* The first line of a secret file (api_key_file, webhook_secret_file),
 * malloc'd in *out. Returns 0, or -1 with *err. */
int discourse_read_secret(const char *path, char **out, char **err);

/* The "errors" strings of a Discourse error answer (422 …), joined with
 * "; ", malloc'd; NULL when there are none or the body is not JSON. */
char *discourse_errors(const char *body, size_t len);

/* discourse.webhook_secret_file of forum f (a discourse forum), or NULL. */
/* The username of the user whose "email" is addr in an answer of
 * /admin/users/list/all.json, or NULL; malloc'd (discourse.c). */
char *discourse_user_by_email(const char *body, size_t len, const char *addr);

const char *discourse_webhook_secret_file(const struct cfg_forum *f);

#endif
