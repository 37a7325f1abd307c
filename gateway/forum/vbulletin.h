/*
 * vbulletin: what the two vBulletin page parsers (vbulletin.c for saved HTML,
 * vbulletin_text.c for text copies) share. Private to gateway/forum/.
 */
#ifndef FORUMGATE_FORUM_VBULLETIN_H
#define FORUMGATE_FORUM_VBULLETIN_H

#include "forumgate/forum.h"

/* Reads the page furniture a vBulletin thread page prints around its posts,
 * in `text` (the page's text outside the post bodies, NUL-terminated):
 * "Page 2 of 3" (page, pages), "Results 11 to 20 of 25" (total_posts, and
 * page/pages when the page is not the last one), and the posting rules box
 * ("You may not post replies" / "You may post replies"). Only fills fields
 * of t that are still 0/unknown. */
void vb_scan_furniture(const char *text, struct forum_thread *t);

/* A post's date as printed on the page; the page does not say its zone, so
 * the wall-clock time is returned as if it were UTC (see vbulletin.c). 0 if
 * s is not a date with a time of day. */
int64_t vb_page_date(const char *s);

#endif
