/*
 * sanitize: a forum post's HTML (Discourse's "cooked", a board's post
 * markup) made safe for the text/html part of a list mail
 * (gateway/article/sanitize.c). Pure: parse with the one HTML parser
 * (html.h), keep what is on an allow-list, serialize.
 *
 * What survives:
 *  - Elements: p br a b strong i em u s strike del ins blockquote pre code
 *    tt kbd samp q cite small big ul ol li dl dt dd h1-h6 img table
 *    caption thead tbody tfoot tr td th hr span div sub sup abbr.
 *    Any other element is unwrapped (its content kept, the tag dropped),
 *    except the ones whose content is code, a plug-in, a form or not
 *    meant to be read, which go with everything inside them: script
 *    style iframe frame frameset noframes object embed applet param form
 *    input button select option optgroup textarea svg math template
 *    noscript head title meta link base audio video source track canvas
 *    map area.
 *  - Attributes, per element, nothing else (no on*, no style, no class,
 *    no id, no srcset, no target): a href (http, https, mailto), img src
 *    (http, https) alt width height, td/th colspan rowspan, blockquote and
 *    q cite (http, https), ol start, abbr title. Numbers must be plain
 *    digits (width and height also "NN%") of sane size.
 *  - URLs: the parser has already decoded entities; tabs, CR and LF are
 *    removed and leading/trailing white space and controls stripped (as a
 *    browser's URL parser does), backslashes read as slashes, so
 *    "jav&#x09;ascript:", " JaVaScRiPt:" and "&#106;avascript:" all show
 *    their scheme. A URL with a scheme must have an allowed one; one
 *    without (relative, "//host", "/path", "?q", "#frag") is made absolute
 *    against base_url (an http(s) URL) and dropped when there is none.
 *    Space, controls, quotes, < > and ` are percent-encoded. An <a> whose
 *    href is dropped keeps its text; an <img> whose src is dropped
 *    becomes its alt text.
 *  - Every <a> gets rel="nofollow noopener noreferrer".
 *  - Text is escaped; bytes that are not UTF-8 become U+FFFD, NUL is dropped.
 * Nothing is fetched, and the output refers to nothing but the http(s)
 * images and links it keeps: no CSS, no forms, no frames, no base.
 */
#ifndef FORUMGATE_SANITIZE_H
#define FORUMGATE_SANITIZE_H

#include <stddef.h>

#include "forumgate/buf.h"

/* Appends the sanitized form of html[0..len) (UTF-8) to out: a fragment,
 * the body's content. base_url (NULL = none) resolves relative links.
 * Never fails. */
void sanitize_html(const char *html, size_t len, const char *base_url, struct buf *out);

/* The same wrapped into a minimal document: <!DOCTYPE html>, <html>, a
 * <head> with <meta charset="utf-8"> and (when title is not NULL) the
 * escaped title, and <body>. malloc'd; never NULL. */
char *sanitize_html_document(const char *html, size_t len, const char *base_url, const char *title);

/* The URL rule alone (for callers that put a link of their own into the
 * HTML part): the absolute, percent-encoded form of url if its scheme is
 * allowed (http/https, plus mailto when allow_mailto), resolving against
 * base_url; NULL when it must be dropped. malloc'd. */
char *sanitize_url(const char *url, const char *base_url, int allow_mailto);

#endif
