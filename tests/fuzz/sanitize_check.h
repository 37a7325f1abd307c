/*
 * The invariants of sanitize_html's output (include/forumgate/sanitize.h),
 * shared by tests/unit/test_sanitize.c and tests/fuzz/fuzz_sanitize.c:
 * parsed again with the one HTML parser, it has only allowed elements,
 * each with only its allowed attributes, links and images only with
 * http(s) (links also mailto) URLs, and every link with our rel.
 */
#ifndef FORUMGATE_SANITIZE_CHECK_H
#define FORUMGATE_SANITIZE_CHECK_H

#include <string.h>
#include <strings.h>

#include "forumgate/html.h"

static int sc_is(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

static int sc_url(const char *v, int mailto)
{
	if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0 &&
	    !(mailto && strncmp(v, "mailto:", 7) == 0))
		return 0;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || strchr("\"'<>`\\", *p))
			return 0;
	return 1;
}

/* NULL when out[0..len) keeps every rule, else what broke. */
static const char *sanitize_check(const char *out, size_t len)
{
	static const char *const elements[] = {
		"html",    "body", /* the parser's own, around any fragment */
		"p",       "br",    "a",     "b",          "strong", "i",    "em", "u",   "s",
		"strike",  "del",   "ins",   "blockquote", "pre",    "code", "tt", "kbd", "samp",
		"q",       "cite",  "small", "big",        "ul",     "ol",   "li", "dl",  "dt",
		"dd",      "h1",    "h2",    "h3",         "h4",     "h5",   "h6", "img", "table",
		"caption", "thead", "tbody", "tfoot",      "tr",     "td",   "th", "hr",  "span",
		"div",     "sub",   "sup",   "abbr",       NULL};
	struct html_doc d;
	const char *bad = NULL;

	html_parse(&d, out, len);
	for (const struct html_node *n = html_next(&d.root, &d.root); n && !bad;
	     n = html_next(n, &d.root)) {
		if (n->type != HTML_ELEMENT)
			continue;
		if (!sc_is(n->name, elements)) {
			bad = "an element that is not allowed";
			break;
		}
		for (const struct html_attr *a = n->attrs; a && !bad; a = a->next) {
			const char *e = n->name, *an = a->name;
			if (strncasecmp(an, "on", 2) == 0)
				bad = "an event handler";
			else if (strcmp(e, "a") == 0 && strcmp(an, "href") == 0)
				bad = sc_url(a->value, 1) ? NULL : "a link URL";
			else if (strcmp(e, "a") == 0 && strcmp(an, "rel") == 0)
				bad = strcmp(a->value, "nofollow noopener noreferrer") == 0 ? NULL
											    : "rel";
			else if (strcmp(e, "img") == 0 && strcmp(an, "src") == 0)
				bad = sc_url(a->value, 0) ? NULL : "an image URL";
			else if (strcmp(e, "img") == 0 &&
				 (strcmp(an, "alt") == 0 || strcmp(an, "width") == 0 ||
				  strcmp(an, "height") == 0))
				;
			else if ((strcmp(e, "td") == 0 || strcmp(e, "th") == 0) &&
				 (strcmp(an, "colspan") == 0 || strcmp(an, "rowspan") == 0))
				;
			else if ((strcmp(e, "blockquote") == 0 || strcmp(e, "q") == 0) &&
				 strcmp(an, "cite") == 0)
				bad = sc_url(a->value, 0) ? NULL : "a cite URL";
			else if ((strcmp(e, "ol") == 0 && strcmp(an, "start") == 0) ||
				 (strcmp(e, "abbr") == 0 && strcmp(an, "title") == 0))
				;
			else
				bad = "an attribute that is not allowed";
		}
		if (!bad && strcmp(n->name, "a") == 0 &&
		    (html_attr(n, "href") == NULL || html_attr(n, "rel") == NULL))
			bad = "a link without href or rel";
		if (!bad && strcmp(n->name, "img") == 0 && html_attr(n, "src") == NULL)
			bad = "an image without src";
	}
	html_doc_free(&d);
	return bad;
}

#endif
