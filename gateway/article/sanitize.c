/*
 * sanitize: forum HTML → HTML that is safe to mail (rules and reasons in
 * include/forumgate/sanitize.h).
 *
 * Design choices:
 *  - Allow-lists only. Every element and attribute that is not named here
 *    goes, so an element or attribute a browser learns next year cannot
 *    slip through; a URL is kept only when its scheme is one we name.
 *  - The output is written from the parsed tree, never patched from the
 *    input text: tags and attributes are ours, text and values are
 *    escaped (& < > "), so what a browser decodes is exactly the string
 *    checked here. A "&colon;" the parser did not decode stays "&amp;colon;"
 *    in the output: text for the browser too.
 *  - The walk is iterative, like the parser, so hostile nesting costs no C
 *    stack; one pass over the tree.
 */
#include "forumgate/sanitize.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "forumgate/html.h"

#define URL_MAX 8192

enum action { KEEP, UNWRAP, DROP };

/* Elements that go with their content, by name: the parser knows some by
 * tag, the HTML5 ones (audio, math, ...) only by name. */
static const char *const dropped[] = {
	"script",  "style",    "iframe",    "frame",    "frameset", "noframes", "object",
	"embed",   "applet",   "param",     "form",     "input",    "button",   "select",
	"option",  "optgroup", "textarea",  "svg",      "math",     "template", "noscript",
	"head",    "title",    "meta",      "link",     "base",     "audio",    "video",
	"source",  "track",    "canvas",    "map",      "area",     "isindex",  "picture",
	"portal",  "dialog",   "slot",      "datalist", "output",   "xml",      "basefont",
	"bgsound", "marquee",  "plaintext", "keygen",
};

static const char *const kept[] = {
	"p",       "br",    "a",     "b",          "strong", "i",    "em", "u",   "s",
	"strike",  "del",   "ins",   "blockquote", "pre",    "code", "tt", "kbd", "samp",
	"q",       "cite",  "small", "big",        "ul",     "ol",   "li", "dl",  "dt",
	"dd",      "h1",    "h2",    "h3",         "h4",     "h5",   "h6", "img", "table",
	"caption", "thead", "tbody", "tfoot",      "tr",     "td",   "th", "hr",  "span",
	"div",     "sub",   "sup",   "abbr",
};

static int in_list(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return 1;
	return 0;
}

static int is_void(const char *name)
{
	return strcmp(name, "br") == 0 || strcmp(name, "hr") == 0 || strcmp(name, "img") == 0;
}

/* ---- URLs ---- */

static int scheme_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '-' || c == '.';
}

/* Length of the scheme of u (before its ':'), 0 when it has none. */
static size_t scheme_len(const char *u)
{
	size_t i = 0;

	if (!((u[0] >= 'a' && u[0] <= 'z') || (u[0] >= 'A' && u[0] <= 'Z')))
		return 0;
	while (scheme_char((unsigned char)u[i]))
		i++;
	return u[i] == ':' ? i : 0;
}

static int scheme_is(const char *u, size_t n, const char *s)
{
	return strlen(s) == n && strncasecmp(u, s, n) == 0;
}

/* An absolute http(s) URL with a host: "http://" or "https://" and at least
 * one character of authority. */
static int http_absolute(const char *u)
{
	size_t n = scheme_len(u);

	if (!scheme_is(u, n, "http") && !scheme_is(u, n, "https"))
		return 0;
	return u[n + 1] == '/' && u[n + 2] == '/' && u[n + 3] != '\0' && u[n + 3] != '/' &&
	       u[n + 3] != '?' && u[n + 3] != '#';
}

/* RFC 3986 §5.2.4 on the path part of b from `from` on (up to '?' or
 * '#'), in place. */
static void remove_dots(struct buf *b, size_t from)
{
	size_t end = from;
	while (end < b->len && b->p[end] != '?' && b->p[end] != '#')
		end++;
	char *tail = xstrdup(b->p + end);
	char *path = xstrndup(b->p + from, end - from);
	struct buf o = BUF_INIT;
	const char *in = path;

	while (*in) {
		if (strncmp(in, "../", 3) == 0)
			in += 3;
		else if (strncmp(in, "./", 2) == 0)
			in += 2;
		else if (strncmp(in, "/./", 3) == 0)
			in += 2;
		else if (strcmp(in, "/.") == 0)
			in = "/";
		else if (strncmp(in, "/../", 4) == 0 || strcmp(in, "/..") == 0) {
			in = in[3] ? in + 3 : "/";
			char *slash = o.len ? memrchr(o.p, '/', o.len) : NULL;
			buf_truncate(&o, slash ? (size_t)(slash - o.p) : 0);
		} else if (strcmp(in, ".") == 0 || strcmp(in, "..") == 0)
			in += strlen(in);
		else {
			const char *next = strchr(in + 1, '/');
			size_t n = next ? (size_t)(next - in) : strlen(in);
			buf_add(&o, in, n);
			in += n;
		}
	}
	buf_truncate(b, from);
	buf_add(b, buf_str(&o), o.len);
	buf_adds(b, tail);
	buf_free(&o);
	free(path);
	free(tail);
}

/* Where the authority of an absolute URL ends (its path begins). */
static size_t authority_end(const char *u)
{
	const char *a = strstr(u, "//") + 2;
	return (size_t)(a - u) + strcspn(a, "/?#");
}

static void resolve(const char *ref, const char *base, struct buf *out)
{
	size_t auth = authority_end(base);

	if (ref[0] == '/' && ref[1] == '/') {
		buf_add(out, base, scheme_len(base) + 1);
		buf_adds(out, ref);
		remove_dots(out, authority_end(out->p));
		return;
	}
	if (ref[0] == '/') {
		buf_add(out, base, auth);
		buf_adds(out, ref);
	} else if (ref[0] == '?') {
		buf_add(out, base, auth + strcspn(base + auth, "?#"));
		buf_adds(out, ref);
	} else if (ref[0] == '#' || ref[0] == '\0') {
		buf_add(out, base, auth + strcspn(base + auth, "#"));
		buf_adds(out, ref);
	} else {
		size_t path_end = auth + strcspn(base + auth, "?#");
		const char *slash = memrchr(base + auth, '/', path_end - auth);
		if (slash != NULL) {
			buf_add(out, base, (size_t)(slash - base) + 1);
		} else {
			buf_add(out, base, auth);
			buf_addc(out, '/');
		}
		buf_adds(out, ref);
	}
	remove_dots(out, auth);
}

char *sanitize_url(const char *url, const char *base_url, int allow_mailto)
{
	struct buf clean = BUF_INIT, abs = BUF_INIT, enc = BUF_INIT;
	char *res = NULL;

	if (url == NULL || strlen(url) > URL_MAX)
		return NULL;
	/* what a browser's URL parser does before it looks at the scheme */
	const char *s = url, *e = url + strlen(url);
	while (s < e && (unsigned char)*s <= 0x20)
		s++;
	while (e > s && (unsigned char)e[-1] <= 0x20)
		e--;
	for (const char *p = s; p < e; p++) {
		if (*p == '\t' || *p == '\n' || *p == '\r')
			continue;
		buf_addc(&clean, *p == '\\' ? '/' : *p);
	}
	const char *u = buf_str(&clean);
	size_t sl = scheme_len(u);

	if (sl > 0) {
		if (scheme_is(u, sl, "mailto")) {
			if (!allow_mailto || u[sl + 1] == '\0')
				goto out;
			buf_adds(&abs, "mailto");
			buf_adds(&abs, u + sl);
		} else if (http_absolute(u)) {
			/* the scheme lower case, so the final check is simple */
			for (size_t i = 0; i < sl; i++)
				buf_addc(&abs, (char)(u[i] | 0x20));
			buf_adds(&abs, u + sl);
			remove_dots(&abs, authority_end(abs.p));
		} else {
			goto out;
		}
	} else {
		if (base_url == NULL || !http_absolute(base_url))
			goto out;
		resolve(u, base_url, &abs);
		if (!http_absolute(abs.p))
			goto out;
	}
	for (size_t i = 0; i < abs.len; i++) {
		unsigned char c = (unsigned char)abs.p[i];
		if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\'' || c == '<' || c == '>' ||
		    c == '`')
			buf_addf(&enc, "%%%02X", c);
		else
			buf_addc(&enc, (char)c);
	}
	const char *r = buf_str(&enc);
	if (strncmp(r, "http://", 7) == 0 || strncmp(r, "https://", 8) == 0 ||
	    (allow_mailto && strncmp(r, "mailto:", 7) == 0))
		res = buf_detach(&enc);
out:
	buf_free(&clean);
	buf_free(&abs);
	buf_free(&enc);
	return res;
}

/* ---- output ---- */

/* The length of the well-formed UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned int cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	return len;
}

/* Escaped text or attribute value: & < > (and " in attributes) as
 * references, controls but TAB/LF/CR dropped (LF/CR/TAB in attributes
 * too: alt text needs none), bad UTF-8 as U+FFFD. */
static void escape(struct buf *out, const char *s, size_t n, int attr)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		if (c >= 0x80) {
			size_t l = utf8_len(p + i, n - i);
			if (l == 0) {
				buf_adds(out, "\xEF\xBF\xBD");
				i++;
			} else {
				buf_add(out, p + i, l);
				i += l;
			}
			continue;
		}
		i++;
		switch (c) {
		case '&':
			buf_adds(out, "&amp;");
			break;
		case '<':
			buf_adds(out, "&lt;");
			break;
		case '>':
			buf_adds(out, "&gt;");
			break;
		case '"':
			buf_adds(out, attr ? "&quot;" : "\"");
			break;
		case '\t':
		case '\n':
		case '\r':
			buf_addc(out, attr ? ' ' : (char)c);
			break;
		default:
			if (c >= 0x20 && c != 0x7f)
				buf_addc(out, (char)c);
		}
	}
}

static void add_attr(struct buf *out, const char *name, const char *value)
{
	buf_addc(out, ' ');
	buf_adds(out, name);
	buf_adds(out, "=\"");
	escape(out, value, strlen(value), 1);
	buf_addc(out, '"');
}

/* digits only, 1..maxd of them, optionally with a '%' (pct) */
static int number_ok(const char *v, size_t maxd, int pct)
{
	size_t n = 0;
	while (v[n] >= '0' && v[n] <= '9')
		n++;
	if (n == 0 || n > maxd)
		return 0;
	return v[n] == '\0' || (pct && v[n] == '%' && v[n + 1] == '\0');
}

static enum action action(const struct html_node *k, const char *base, char **url)
{
	const char *name = k->name;

	if (url)
		*url = NULL;
	if (in_list(name, dropped, sizeof dropped / sizeof dropped[0]))
		return DROP;
	if (!in_list(name, kept, sizeof kept / sizeof kept[0]))
		return UNWRAP;
	if (strcmp(name, "a") == 0 || strcmp(name, "img") == 0) {
		int a = name[0] == 'a';
		char *u = sanitize_url(html_attr(k, a ? "href" : "src"), base, a);
		if (u == NULL)
			return UNWRAP;
		if (url)
			*url = u;
		else
			free(u);
	}
	return KEEP;
}

static void start_tag(const struct html_node *k, const char *url, struct buf *out)
{
	const char *name = k->name;
	const char *v;

	if (strcmp(name, "img") == 0) {
		buf_adds(out, "<img");
		add_attr(out, "src", url);
		if ((v = html_attr(k, "alt")) != NULL)
			add_attr(out, "alt", v);
		if ((v = html_attr(k, "width")) != NULL && number_ok(v, 5, 1))
			add_attr(out, "width", v);
		if ((v = html_attr(k, "height")) != NULL && number_ok(v, 5, 1))
			add_attr(out, "height", v);
		buf_addc(out, '>');
		return;
	}
	buf_addc(out, '<');
	buf_adds(out, name);
	if (strcmp(name, "a") == 0) {
		add_attr(out, "href", url);
		add_attr(out, "rel", "nofollow noopener noreferrer");
	} else if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0) {
		if ((v = html_attr(k, "colspan")) != NULL && number_ok(v, 3, 0))
			add_attr(out, "colspan", v);
		if ((v = html_attr(k, "rowspan")) != NULL && number_ok(v, 3, 0))
			add_attr(out, "rowspan", v);
	} else if (strcmp(name, "blockquote") == 0 || strcmp(name, "q") == 0) {
		char *u = sanitize_url(html_attr(k, "cite"), NULL, 0);
		if (u != NULL)
			add_attr(out, "cite", u);
		free(u);
	} else if (strcmp(name, "ol") == 0) {
		if ((v = html_attr(k, "start")) != NULL && number_ok(v, 9, 0))
			add_attr(out, "start", v);
	} else if (strcmp(name, "abbr") == 0) {
		if ((v = html_attr(k, "title")) != NULL)
			add_attr(out, "title", v);
	}
	buf_addc(out, '>');
}

static void end_tag(const struct html_node *k, struct buf *out)
{
	buf_adds(out, "</");
	buf_adds(out, k->name);
	buf_addc(out, '>');
}

void sanitize_html(const char *html, size_t len, const char *base_url, struct buf *out)
{
	struct html_doc d;

	html_parse(&d, html ? html : "", html ? len : 0);
	const struct html_node *root = &d.root, *k = root->children;
	while (k != NULL) {
		if (k->type == HTML_TEXT) {
			escape(out, k->text, k->len, 0);
		} else {
			char *url;
			enum action a = action(k, base_url, &url);
			if (a == KEEP)
				start_tag(k, url, out);
			else if (a == UNWRAP && strcmp(k->name, "img") == 0) {
				const char *alt = html_attr(k, "alt");
				if (alt != NULL && *alt)
					escape(out, alt, strlen(alt), 0);
			}
			free(url);
			if (a != DROP && k->children != NULL) {
				k = k->children;
				continue;
			}
			if (a == KEEP && !is_void(k->name))
				end_tag(k, out);
		}
		/* on to the next sibling, closing the elements left behind */
		for (;;) {
			if (k->next != NULL) {
				k = k->next;
				break;
			}
			k = k->parent;
			if (k == root || k == NULL) {
				k = NULL;
				break;
			}
			if (!is_void(k->name) && action(k, base_url, NULL) == KEEP)
				end_tag(k, out);
		}
	}
	html_doc_free(&d);
}

char *sanitize_html_document(const char *html, size_t len, const char *base_url, const char *title)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
		     "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\n");
	if (title != NULL) {
		buf_adds(&b, "<title>");
		escape(&b, title, strlen(title), 0);
		buf_adds(&b, "</title>\n");
	}
	buf_adds(&b, "</head>\n<body>\n");
	sanitize_html(html, len, base_url, &b);
	buf_adds(&b, "\n</body>\n</html>\n");
	return buf_detach(&b);
}
