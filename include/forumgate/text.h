/*
 * text: forum markup (HTML, BBCode, Markdown, plain) → readable plain text for
 * an article body, and plain text → format=flowed (RFC 3676).
 *
 * The plain text produced by text_convert():
 *  - UTF-8, lines end in "\n", no trailing whitespace, at most one blank line
 *    in a row, no leading/trailing blank lines;
 *  - quote blocks: an attribution line "Name wrote:" (when the source names
 *    the author) followed by the quoted lines prefixed by ">" per depth and
 *    one space (">> " for a nested quote): lines stay "> " readable and are
 *    also correct flowed quote depth;
 *  - links as "text[1]" with "[1] url" footnotes at the end (a link whose text
 *    is the URL itself is written once, without a footnote);
 *  - images as "[image: alt] <url>";
 *  - code blocks verbatim (no re-wrapping; text_flow never joins them);
 *  - lists as "- item" and "1. item"; entities decoded; whitespace collapsed
 *    as a browser would;
 *  - a line that is not a quote but whose text starts with '>' (after any
 *    spaces: a <pre> line ">From here", "&gt; not a quote") gets one space
 *    before it, so that it cannot be taken for a quote; text_flow() drops
 *    that space and space-stuffs the line. In MARKUP_TEXT input a line that
 *    starts with '>' is a quote (the mail convention).
 * Lines are not wrapped; text_flow() does that.
 */
#ifndef FORUMGATE_TEXT_H
#define FORUMGATE_TEXT_H

#include <stddef.h>

#include "forumgate/buf.h"
#include "forumgate/forum.h"

/* What the converter learned about the post while converting it. */
struct text_info {
	char **quoted_ids; /* post ids of quoted posts, in order, malloc'd */
	size_t nquoted;
};

void text_info_free(struct text_info *info);

/* Converts src (len bytes, UTF-8) written in `markup` to plain text appended
 * to out. info may be NULL. Never fails on bad markup (it is best-effort, as
 * a browser is); returns 0, or -1 only for invalid arguments. */
int text_convert(enum forum_markup markup, const char *src, size_t len, struct buf *out,
		 struct text_info *info);

/* Wraps plain text (as produced above, "\n" lines) into format=flowed with
 * DelSp=no: lines longer than `width` (use 72) are broken at spaces with a
 * trailing space marking soft breaks, quote prefixes are kept on every
 * continuation, lines starting with " ", "From " or ">" (outside a quote
 * prefix) are space-stuffed (a line whose text starts with '>' after the
 * escape space above loses that space first), trailing spaces of hard lines are removed, and
 * the signature separator "-- " stays as is. Output lines end in "\n".
 * Lines inside code blocks are never joined or broken by a reader because
 * they carry no trailing space. */
void text_flow(const char *plain, size_t len, size_t width, struct buf *out);

#endif
