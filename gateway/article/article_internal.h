/*
 * article_internal: what header.c and flow.c offer article.c beyond the
 * public API (private to gateway/article/).
 *
 * The header builders of article.h take C strings and a name that may be
 * anyone's; these take lengths the caller already has, and a name that is
 * the caller's own constant, so that a header of an article costs no
 * strlen and no name check. The body is flowed straight into wire form,
 * rather than flowed into a buffer and then read again line by line.
 */
#ifndef FORUMGATE_ARTICLE_INTERNAL_H
#define FORUMGATE_ARTICLE_INTERNAL_H

#include <stddef.h>

#include "forumgate/buf.h"

/* article_hdr_fold() for a name of nlen octets that is a valid field name
 * (not checked) and a value of vlen octets without NUL. checked says that
 * the caller's own validation already rules out everything the folder
 * cleans (controls, DEL, leading, trailing or doubled spaces), so the
 * value is not looked at again. Returns 1 when the value went out
 * unchanged on the one line "Name: value" (then it is also the unfolded
 * value), else 0. */
int hdr_fold_n(struct buf *out, const char *name, size_t nlen, const char *value, size_t vlen,
	       int checked);

/* article_hdr_unstructured() for s[0..n), without NUL. */
void hdr_unstructured_n(struct buf *out, const char *s, size_t n);

/* text_flow() with its lines written as article body lines: CRLF ends, a
 * line starting with "." dot-stuffed, a line over 998 octets hard-broken
 * (on a UTF-8 boundary), a CR that is not part of a line end turned into
 * a space. cr_any says whether plain holds a CR at all (the caller has
 * looked; lines are copied the slower way when it does, even if the CR is
 * the one of a "\r\n" that flowing drops). Returns the number of lines
 * written; adds the number of dots it stuffed to *dots (":bytes" counts the
 * article without them, RFC 3977 §8.1.1). */
size_t text_flow_wire(const char *plain, size_t len, size_t width, int cr_any, struct buf *out,
		      size_t *dots);

#endif
