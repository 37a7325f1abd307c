/*
 * spool_internal: what the spool connector's parsers (spool_json.c,
 * vbulletin.c, vbulletin_text.c) and spool.c share, and the connector's ops
 * for the registry (connector.c). Private to gateway/forum/ (tests and fuzz
 * targets of these parsers include it by path).
 */
#ifndef FORUMGATE_FORUM_SPOOL_INTERNAL_H
#define FORUMGATE_FORUM_SPOOL_INTERNAL_H

#include "forumgate/connector.h"
#include "forumgate/forum.h"

extern const struct forum_connector_ops spool_connector;

/* Parsers for the spool formats (README "Spool formats"). Each takes a whole
 * file in memory (not NUL-terminated necessarily), returns 0 and a new thread
 * in *out, or -1 with a message in *err. `name` is the file name, used in
 * messages and to derive ids where a format has none. */
int spool_parse_json(const char *buf, size_t len, const char *name, struct forum_thread **out,
		     char **err);
int vb_parse_html(const char *buf, size_t len, const char *name, struct forum_thread **out,
		  char **err);
int vb_parse_text(const char *buf, size_t len, const char *name, struct forum_thread **out,
		  char **err);

/* Parses one spool file by its name (extension) and content: .json, .html/
 * .htm (a thread page of the engine board_detect() finds: vBulletin 3/4/5
 * and whichever engines board_page.c lists), .txt (vBulletin text copies). */
int spool_parse_file(const char *name, const char *buf, size_t len, struct forum_thread **out,
		     char **err);

#endif
