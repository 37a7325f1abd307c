/*
 * vbulletin: what the two vBulletin page parsers (vbulletin.c for HTML pages,
 * vbulletin_text.c for text copies) and the board engine (vbulletin_board.c) share. Private to gateway/forum/.
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

struct board_page;

/* A parsed vBulletin thread page (showthread, printthread, archive, vB5)
 * → one page of the thread (vbulletin.c). parents: fill each post's
 * parent_id from its first quote's source post (the live connector's
 * parse_thread); saved pages keep it NULL, as they always did (the body
 * keeps the quote and its link, from which sync finds the parent). */
int vb_parse_page(const struct board_page *pg, int parents, struct forum_thread **out, char **err);

/* Ids in vBulletin links (malloc'd, NULL when the link has none): the
 * thread of showthread.php?t=N / ?N-slug / t-N.html / threads/N-slug; the
 * member of member.php?u=N / ?N-name / member/N-name; the post of
 * showthread.php?p=N / #postN. */
char *vb_thread_of(const char *href);
char *vb_member_of(const char *href);
char *vb_post_of(const char *href);
/* The forum of forumdisplay.php?f=N / ?N-slug / forumdisplay.php/N-slug,
 * forums/N-slug, f-N.html (vbulletin_board.c). */
char *vb_forum_of(const char *href);

#endif
