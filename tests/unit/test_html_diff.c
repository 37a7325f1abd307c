/*
 * Differential test of the one HTML parser (gateway/article/html_tree.c)
 * against libxml2 2.9's recovering HTML parser, on the real forum pages of
 * ../shared/corpora/forum-html/ (every engine) and the saved pages of
 * tests/fixtures/: html_tree.c reproduces the tree libxml2 builds for a
 * body, so a page given to both as the content of a <body> must give the
 * same tree, written out as in test_html_tree.c's dump(). libxml2 is used
 * here and in html_tree.c's entity table only (and for feeds, which are
 * XML): the page parsers moved onto html_parse, and this test is what
 * keeps them on the tree they were written against.
 *
 * Known differences, as html_tree.c documents them, are normalised before
 * comparing: a valueless attribute reads "" here and has no value in
 * libxml2's tree; comments, the DOCTYPE and processing instructions are
 * dropped here and kept as nodes by libxml2 (left out of its dump). The
 * others html_tree.c lists (invalid UTF-8 in attribute values, names
 * longer than 100 bytes) do not occur in these pages; nothing else is
 * allowed to differ.
 * Pages that declare a charset other than UTF-8 are converted first, as
 * the page parsers do (board_page_utf8), since html_tree reads UTF-8 only.
 * Run from the repository root; pages that are absent are skipped with a
 * message (the corpus lives beside the repository).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <libxml/HTMLparser.h>
#include <cmocka.h>

#include "../../gateway/forum/board.h"
#include "forumgate/buf.h"
#include "forumgate/html.h"

#define CORPUS "../shared/corpora/forum-html/"

static void dump(struct buf *b, const struct html_node *n)
{
	for (; n != NULL; n = n->next) {
		if (n->type == HTML_TEXT) {
			buf_addc(b, '[');
			buf_add(b, n->text, n->len);
			buf_addc(b, ']');
			continue;
		}
		buf_addf(b, "<%s", n->name);
		for (const struct html_attr *a = n->attrs; a != NULL; a = a->next)
			buf_addf(b, " %s=\"%s\"", a->name, a->value);
		buf_addc(b, '>');
		dump(b, n->children);
		buf_addf(b, "</%s>", n->name);
	}
}

/* libxml2's tree in the same form: text and CDATA (script and style
 * content) as [text], comments, PIs and the DTD left out, a valueless
 * attribute as "". */
static void dump_xml(struct buf *b, const xmlNode *n)
{
	for (; n != NULL; n = n->next) {
		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			buf_addc(b, '[');
			buf_adds(b, (const char *)n->content);
			buf_addc(b, ']');
			continue;
		}
		if (n->type != XML_ELEMENT_NODE)
			continue;
		buf_addf(b, "<%s", (const char *)n->name);
		for (const xmlAttr *a = n->properties; a != NULL; a = a->next) {
			/* a valueless attribute has no value node in libxml2
			 * (it writes the attribute's name when serializing),
			 * and "" here */
			xmlChar *v = xmlNodeListGetString(n->doc, a->children, 1);
			const char *s = v != NULL ? (const char *)v : "";
			buf_addf(b, " %s=\"%s\"", (const char *)a->name, s);
			xmlFree(v);
		}
		buf_addc(b, '>');
		dump_xml(b, n->children);
		buf_addf(b, "</%s>", (const char *)n->name);
	}
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char tmp[65536];
	size_t n;

	if (f == NULL)
		return NULL;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	*len = b.len;
	return buf_detach(&b);
}

/* Parses path both ways and compares; returns 1 when compared. */
static int compare_page(const char *path)
{
	size_t len = 0;
	char *raw = slurp(path, &len);
	if (raw == NULL)
		return 0;
	struct buf page = BUF_INIT;
	board_page_utf8(raw, len, NULL, &page);
	free(raw);

	struct html_doc d;
	html_parse(&d, page.p, page.len);
	struct buf ours = BUF_INIT, theirs = BUF_INIT, in = BUF_INIT;
	dump(&ours, d.root.children);
	html_doc_free(&d);

	buf_adds(&in, "<body>");
	buf_add(&in, page.p, page.len);
	htmlDocPtr doc = htmlReadMemory(in.p, (int)in.len, NULL, "UTF-8",
					HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
						HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
						XML_PARSE_HUGE);
	assert_non_null(doc);
	dump_xml(&theirs, doc->children);
	xmlFreeDoc(doc);

	if (strcmp(buf_str(&ours), buf_str(&theirs)) != 0) {
		size_t i = 0;
		while (ours.p[i] == theirs.p[i])
			i++;
		size_t from = i > 200 ? i - 200 : 0;
		fail_msg("%s: trees differ at %zu:\n  html_parse: %.400s\n  libxml2:    %.400s",
			 path, i, ours.p + from, theirs.p + from);
	}
	buf_free(&ours);
	buf_free(&theirs);
	buf_free(&in);
	buf_free(&page);
	return 1;
}

/* Every .html file below dir (one level of sub-folders: engine/source/). */
static int compare_dir(const char *dir, int depth)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (dp == NULL)
		return 0;
	while ((e = readdir(dp)) != NULL) {
		if (e->d_name[0] == '.' || e->d_name[0] == '_')
			continue;
		char *p = xasprintf("%s%s", dir, e->d_name);
		size_t l = strlen(p);
		if (l > 5 && strcmp(p + l - 5, ".html") == 0) {
			n += compare_page(p);
		} else if (depth < 2) {
			char *sub = xasprintf("%s/", p);
			n += compare_dir(sub, depth + 1);
			free(sub);
		}
		free(p);
	}
	closedir(dp);
	return n;
}

static void test_corpus_pages(void **state)
{
	(void)state;
	int n = compare_dir(CORPUS, 0);
	if (n == 0) {
		print_message("no corpus at " CORPUS " (run from the repository root)\n");
		return;
	}
	/* vBulletin, phpBB, XenForo and MyBB pages: 12 when the corpus is whole */
	print_message("%d corpus pages compared\n", n);
	assert_true(n >= 12);
}

static void test_fixture_pages(void **state)
{
	(void)state;
	assert_true(compare_dir("tests/fixtures/spool/", 2) >= 5);
	assert_true(compare_dir("config/demo-spool/", 2) >= 1);
	compare_dir("tests/fixtures/boards/", 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_pages),
		cmocka_unit_test(test_fixture_pages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
