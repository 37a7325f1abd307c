/*
 * robots: reading a site's /robots.txt (RFC 9309) for one crawler, the
 * way the board connector honours it. Private to gateway/forum/.
 */
#ifndef FORUMGATE_FORUM_ROBOTS_H
#define FORUMGATE_FORUM_ROBOTS_H

#include <stddef.h>

struct robots_rule {
	char *pattern; /* path pattern: '*' any run of characters, '$' at the end anchors */
	int allow;
};

struct robots {
	struct robots_rule *rules;
	size_t n;
	long crawl_delay_ms; /* Crawl-delay of the group that applies; -1 = none */
};

/* Reads robots.txt text[0..len) (need not be NUL-terminated) for the
 * crawler whose product token is `agent` ("forumgate"): the groups whose
 * User-agent names it (case-insensitively, as a prefix of the token) when
 * there are any, else the groups for '*', else none (everything allowed).
 * Several groups for the same agent are merged. Never fails: lines it
 * cannot read are ignored, as the RFC asks. Free with robots_free. */
void robots_parse(const char *text, size_t len, const char *agent, struct robots *out);
void robots_free(struct robots *r);

/* 1 when path (with its query, "/showthread.php?t=1") may be fetched:
 * the longest matching rule decides, Allow winning a tie; no match = 1.
 * "/robots.txt" is always allowed. */
int robots_allowed(const struct robots *r, const char *path);

#endif
