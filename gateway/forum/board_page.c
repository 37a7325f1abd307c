/*
 * board_page: the page helpers every board engine's parser shares (see
 * board.h): the parsed page, links made absolute, query parameters, forms
 * as a browser submits them, and the engine table.
 */
#include "board.h"
#include "board_date.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../mail/mime_internal.h"
#include "forumgate/buf.h"

/* ---- engines ---- */

/* One line per engine (board_vbulletin, board_phpbb, board_xenforo,
 * board_mybb), in the order detect() ties are broken. */
static const struct board_engine *const engines[] = {
	&board_vbulletin, &board_phpbb, &board_xenforo, &board_mybb, NULL,
};

const struct board_engine *board_engine(const char *name)
{
	for (size_t i = 0; engines[i] != NULL; i++)
		if (strcmp(engines[i]->name, name) == 0)
			return engines[i];
	return NULL;
}

const struct board_engine *board_detect(const struct board_page *pg)
{
	const struct board_engine *best = NULL;
	int score = 0;

	for (size_t i = 0; engines[i] != NULL; i++) {
		int s = engines[i]->detect(pg);
		if (s > score) {
			score = s;
			best = engines[i];
		}
	}
	return best;
}

/* ---- the page ---- */

void board_page_open(struct board_page *pg, const char *html, size_t len, const char *url,
		     const char *name, const struct board_date_ctx *dates)
{
	memset(pg, 0, sizeof *pg);
	html_parse(&pg->doc, html, len);
	pg->html = html;
	pg->len = len;
	pg->name = xstrdup(name != NULL ? name : url != NULL ? url : "page");
	pg->dates = dates;
	pg->url = xstrdup(url);
	const char *base = html_attr(html_find(&pg->doc.root, HT_BASE, NULL), "href");
	if (base != NULL && *base != '\0') {
		char *abs = board_page_url(pg, base);
		if (abs != NULL) {
			free(pg->url);
			pg->url = abs;
		}
	}
}

void board_page_close(struct board_page *pg)
{
	html_doc_free(&pg->doc);
	free(pg->url);
	free(pg->name);
	memset(pg, 0, sizeof *pg);
}

static int is_http(const char *u)
{
	return strncasecmp(u, "http://", 7) == 0 || strncasecmp(u, "https://", 8) == 0;
}

char *board_page_url(const struct board_page *pg, const char *href)
{
	char *out = NULL;

	if (href == NULL)
		return NULL;
	while (*href == ' ' || *href == '\t' || *href == '\n' || *href == '\r')
		href++;
	if (is_http(href) && pg->url == NULL)
		return xstrdup(href);
	if (pg->url == NULL)
		return NULL;
	CURLU *u = curl_url();
	if (u == NULL)
		return NULL;
	/* libcurl resolves a relative reference against the URL already set
	 * (RFC 3986 section 5.2), which is what a browser does */
	if (curl_url_set(u, CURLUPART_URL, pg->url, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, href, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK) {
		char *s = NULL;
		if (curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK && s != NULL && is_http(s))
			out = xstrdup(s);
		curl_free(s);
	}
	curl_url_cleanup(u);
	return out;
}

static char *decode(const char *s, size_t n)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			buf_addc(&b, ' ');
		} else if (s[i] == '%' && i + 2 < n && fg_hexval((unsigned char)s[i + 1]) >= 0 &&
			   fg_hexval((unsigned char)s[i + 2]) >= 0) {
			buf_addc(&b, (char)(fg_hexval((unsigned char)s[i + 1]) * 16 +
					    fg_hexval((unsigned char)s[i + 2])));
			i += 2;
		} else {
			buf_addc(&b, s[i]);
		}
	}
	return buf_detach(&b);
}

char *board_query(const char *url, const char *key)
{
	const char *q;
	size_t klen = strlen(key);

	if (url == NULL || (q = strchr(url, '?')) == NULL)
		return NULL;
	for (q++; *q != '\0' && *q != '#';) {
		const char *end = q + strcspn(q, "&#;");
		const char *eq = memchr(q, '=', (size_t)(end - q));
		const char *kend = eq != NULL ? eq : end;
		/* "amp;t=12": a link whose &amp; was escaped twice */
		const char *k = q;
		if ((size_t)(kend - k) > 4 && strncmp(k, "amp;", 4) == 0)
			k += 4;
		if ((size_t)(kend - k) == klen && memcmp(k, key, klen) == 0)
			return eq != NULL ? decode(eq + 1, (size_t)(end - eq - 1)) : xstrdup("");
		q = *end == '\0' || *end == '#' ? end : end + 1;
		if (*end == '#')
			break;
	}
	return NULL;
}

int64_t board_page_date(const struct board_page *pg, const char *s)
{
	int64_t t;
	struct board_date_ctx utc = {.tz = NULL, .now = (int64_t)time(NULL)};

	/* the page's context: the board's zone, the pass's "now" (a saved
	 * page without one: UTC, now) */
	if (s == NULL || board_date_parse(s, pg->dates ? pg->dates : &utc, &t) < 0)
		return 0;
	return t;
}

const char *board_page_generator(const struct board_page *pg)
{
	for (const struct html_node *n = html_find(&pg->doc.root, HT_META, NULL); n != NULL;
	     n = html_find_after(&pg->doc.root, n, HT_META, NULL)) {
		const char *name = html_attr(n, "name");
		if (name != NULL && strcasecmp(name, "generator") == 0)
			return html_attr(n, "content");
	}
	return NULL;
}

/* ---- listings ---- */

struct board_forum *board_listing_add_forum(struct board_listing *l)
{
	l->forums = xrealloc(l->forums, (l->nforums + 1) * sizeof *l->forums);
	struct board_forum *f = &l->forums[l->nforums++];
	memset(f, 0, sizeof *f);
	return f;
}

struct board_topic *board_listing_add_topic(struct board_listing *l)
{
	l->topics = xrealloc(l->topics, (l->ntopics + 1) * sizeof *l->topics);
	struct board_topic *t = &l->topics[l->ntopics++];
	memset(t, 0, sizeof *t);
	t->replies = -1;
	return t;
}

int board_listing_put_forum(struct board_listing *l, char *id, char *title, char *url,
			    char *parent_id, int category, int link)
{
	for (size_t i = 0; i < l->nforums; i++)
		if (strcmp(l->forums[i].id, id) == 0) {
			free(id);
			free(title);
			free(url);
			free(parent_id);
			return 0;
		}
	struct board_forum *f = board_listing_add_forum(l);
	f->id = id;
	f->title = title != NULL ? title : xstrdup("");
	f->url = url;
	f->parent_id = parent_id;
	f->category = category;
	f->link = link;
	return 1;
}

void board_listing_clear(struct board_listing *l)
{
	for (size_t i = 0; i < l->nforums; i++) {
		free(l->forums[i].id);
		free(l->forums[i].title);
		free(l->forums[i].url);
		free(l->forums[i].parent_id);
	}
	for (size_t i = 0; i < l->ntopics; i++) {
		free(l->topics[i].id);
		free(l->topics[i].title);
		free(l->topics[i].url);
		free(l->topics[i].last_post_id);
	}
	free(l->forums);
	free(l->topics);
	free(l->next_url);
	free(l->forum_id);
	free(l->title);
	memset(l, 0, sizeof *l);
}

/* ---- forms ---- */

static void form_add(struct board_form *f, const char *name, const char *value)
{
	f->names = xrealloc(f->names, (f->n + 1) * sizeof *f->names);
	f->values = xrealloc(f->values, (f->n + 1) * sizeof *f->values);
	f->names[f->n] = xstrdup(name);
	f->values[f->n] = xstrdup(value != NULL ? value : "");
	f->n++;
}

/* The raw text of an element (textarea, option): its text nodes as
 * written, entities already decoded by the parser. */
static char *raw_text(const struct html_node *n)
{
	struct buf b = BUF_INIT;

	for (const struct html_node *k = n->children; k != NULL; k = html_next(k, n))
		if (k->type == HTML_TEXT)
			buf_add(&b, k->text, k->len);
	return buf_detach(&b);
}

static void select_value(struct board_form *f, const char *name, const struct html_node *sel)
{
	const struct html_node *first = NULL, *chosen = NULL;

	for (const struct html_node *o = html_find(sel, HT_OPTION, NULL); o != NULL;
	     o = html_find_after(sel, o, HT_OPTION, NULL)) {
		if (first == NULL)
			first = o;
		if (html_attr(o, "selected") != NULL) {
			chosen = o;
			break;
		}
	}
	if (chosen == NULL)
		chosen = first;
	if (chosen == NULL)
		return;
	const char *v = html_attr(chosen, "value");
	if (v != NULL) {
		form_add(f, name, v);
	} else {
		char *t = raw_text(chosen);
		form_add(f, name, t);
		free(t);
	}
}

int board_form_read(const struct board_page *pg, const struct html_node *form,
		    struct board_form *out)
{
	memset(out, 0, sizeof *out);
	if (!html_is(form, HT_FORM))
		form = html_find(form, HT_FORM, NULL);
	if (form == NULL)
		return -1;
	const char *action = html_attr(form, "action");
	out->action = board_page_url(pg, action != NULL && *action != '\0' ? action : pg->url);
	if (out->action == NULL)
		out->action = xstrdup(pg->url);
	const char *method = html_attr(form, "method");
	out->method = xstrdup(method != NULL && strcasecmp(method, "post") == 0 ? "post" : "get");
	/* Controls are looked for below the form element; a template whose
	 * form the parser closed early (a <form> inside a table) leaves them
	 * after it, so the walk goes on to the end of the form's parent until
	 * the next form starts. */
	const struct html_node *scope = form->parent != NULL ? form->parent : form;
	for (const struct html_node *k = html_next(form, scope); k != NULL;
	     k = html_next(k, scope)) {
		if (html_is(k, HT_FORM))
			break;
		if (k->type != HTML_ELEMENT)
			continue;
		if (html_ancestor(k, HT_FORM, NULL) != form &&
		    html_ancestor(k, HT_FORM, NULL) != NULL)
			continue;
		const char *name = html_attr(k, "name");
		if (name == NULL || *name == '\0' || html_attr(k, "disabled") != NULL)
			continue;
		if (html_is(k, HT_INPUT)) {
			const char *type = html_attr(k, "type");
			const char *value = html_attr(k, "value");
			if (type == NULL)
				type = "text";
			if (strcasecmp(type, "submit") == 0 || strcasecmp(type, "image") == 0 ||
			    strcasecmp(type, "button") == 0 || strcasecmp(type, "reset") == 0 ||
			    strcasecmp(type, "file") == 0)
				continue;
			if ((strcasecmp(type, "checkbox") == 0 || strcasecmp(type, "radio") == 0)) {
				if (html_attr(k, "checked") == NULL)
					continue;
				if (value == NULL)
					value = "on";
			}
			form_add(out, name, value);
		} else if (html_is(k, HT_TEXTAREA)) {
			char *t = raw_text(k);
			form_add(out, name, t);
			free(t);
		} else if (html_is(k, HT_SELECT)) {
			select_value(out, name, k);
		}
	}
	return 0;
}

int board_form_find(const struct board_page *pg, const char *key, struct board_form *out)
{
	for (const struct html_node *f = html_find(&pg->doc.root, HT_FORM, NULL); f != NULL;
	     f = html_find_after(&pg->doc.root, f, HT_FORM, NULL)) {
		const char *id = html_attr(f, "id"), *name = html_attr(f, "name");
		const char *action = html_attr(f, "action");
		if ((id != NULL && strstr(id, key) != NULL) ||
		    (name != NULL && strstr(name, key) != NULL) ||
		    (action != NULL && strstr(action, key) != NULL))
			return board_form_read(pg, f, out);
	}
	memset(out, 0, sizeof *out);
	return -1;
}

const char *board_form_get(const struct board_form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->names[i], name) == 0)
			return f->values[i];
	return NULL;
}

void board_form_set(struct board_form *f, const char *name, const char *value)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->names[i], name) == 0) {
			free(f->values[i]);
			f->values[i] = xstrdup(value != NULL ? value : "");
			return;
		}
	form_add(f, name, value);
}

void board_form_del(struct board_form *f, const char *name)
{
	size_t j = 0;

	for (size_t i = 0; i < f->n; i++) {
		if (strcmp(f->names[i], name) == 0) {
			free(f->names[i]);
			free(f->values[i]);
			continue;
		}
		f->names[j] = f->names[i];
		f->values[j] = f->values[i];
		j++;
	}
	f->n = j;
}

static void encode(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '*') {
			buf_addc(b, (char)c);
		} else if (c == ' ') {
			buf_addc(b, '+');
		} else {
			buf_addc(b, '%');
			buf_addc(b, hex[c >> 4]);
			buf_addc(b, hex[c & 15]);
		}
	}
}

char *board_form_encode(const struct board_form *f)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < f->n; i++) {
		if (i > 0)
			buf_addc(&b, '&');
		encode(&b, f->names[i]);
		buf_addc(&b, '=');
		encode(&b, f->values[i]);
	}
	return buf_detach(&b);
}

void board_form_clear(struct board_form *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->names[i]);
		free(f->values[i]);
	}
	free(f->names);
	free(f->values);
	free(f->action);
	free(f->method);
	memset(f, 0, sizeof *f);
}

/* ---- saved pages ---- */

/* The charset named after "charset=" in s[0..n), lower case, or "". */
static void charset_of(const char *s, size_t n, char *cs, size_t cap)
{
	cs[0] = '\0';
	for (size_t i = 0; i + 8 <= n; i++) {
		if (strncasecmp(s + i, "charset=", 8) != 0)
			continue;
		size_t j = i + 8, k = 0;
		while (j < n && (s[j] == '"' || s[j] == '\'' || s[j] == ' '))
			j++;
		while (j < n && k + 1 < cap &&
		       ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z') ||
			(s[j] >= '0' && s[j] <= '9') || s[j] == '-' || s[j] == '_' || s[j] == '.' ||
			s[j] == ':'))
			cs[k++] = (char)(s[j] >= 'A' && s[j] <= 'Z' ? s[j] + 32 : s[j]), j++;
		cs[k] = '\0';
		return;
	}
}

void board_page_utf8(const char *html, size_t len, const char *content_type, struct buf *out)
{
	char cs[64] = "";

	if (content_type != NULL)
		charset_of(content_type, strlen(content_type), cs, sizeof cs);
	if (cs[0] == '\0')
		charset_of(html, len < 4096 ? len : 4096, cs, sizeof cs);
	if (cs[0] == '\0' || strcmp(cs, "utf-8") == 0 || strcmp(cs, "utf8") == 0)
		buf_add(out, html, len);
	else
		mime_to_utf8(cs, html, len, out);
}
