/*
 * Tests for gateway/article/html_tree.c: the tree built for each tokenizer
 * and tree-building rule, written out compactly as <tag a="v">…</tag> and
 * [text], and checked against what libxml2 2.9's HTML parser builds for
 * the same body (the output text_html must keep).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../gateway/article/html_tree.h"
#include "forumgate/buf.h"
#include "forumgate/text.h"

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

/* The tree of src (given length) below <html><body>, as a string. */
static void tree_n(const char *src, size_t len, const char *want)
{
	struct html_doc d;
	html_parse(&d, src, len);
	struct buf b = BUF_INIT;
	dump(&b, d.root.children);
	const char *pre = "<html><body>", *post = "</body></html>";
	const char *got = buf_str(&b);
	/* most trees are just a body: compare its content */
	if (strncmp(got, pre, strlen(pre)) == 0 && b.len >= strlen(pre) + strlen(post) &&
	    strcmp(got + b.len - strlen(post), post) == 0 &&
	    strncmp(want, "<html>", 6) != 0) {
		b.p[b.len - strlen(post)] = '\0';
		got += strlen(pre);
	}
	assert_string_equal(got, want);
	buf_free(&b);
	html_doc_free(&d);
}

static void tree(const char *src, const char *want)
{
	tree_n(src, strlen(src), want);
}

static void test_entities(void **state)
{
	tree("a&amp;b&ampx&amp c&copy2024&notit;", "[a&b&ampx&amp c&copy2024&notit;]");
	tree("&lt;&gt;&quot;&apos;&nbsp;&hellip;&diams;", "[<>\"'\xC2\xA0\xE2\x80\xA6\xE2\x99\xA6]");
	tree("&#65;&#x41;&#X42&#97x", "[AABax]");
	/* invalid values give nothing, as in libxml2 */
	tree("1&#0;2&#xD800;3&#x110000;4&#99999999999;5&#;6&#x;7&#1;8", "[12345678]");
	tree("&AMP;&Amp;&#xyz", "[&AMP;&Amp;yz]");
	tree("& &; &1 &#", "[& &; &1 ]");
}

static void test_attributes(void **state)
{
	tree("<a href=x title=\"a&amp;b\" t2='q&ampz' v data-x = \"1\" CHECKED>l</a>",
	     "<a href=\"x\" title=\"a&b\" t2=\"q&ampz\" v=\"\" data-x=\"1\" checked=\"\">[l]</a>");
	tree("<img src=a.png/>z<br/>y", "<img src=\"a.png/\"></img>[z]<br></br>[y]");
	tree("<b a=\"1\" a=\"2\" B=3>x", "<b a=\"1\" b=\"3\">[x]</b>");
	tree("<a href=\"x>y</a>z", "<a href=\"x>y</a>z\"></a>");
	tree("<div =x c\x01d=\"e\" / f>g</div>", "<div c=\"\" f=\"\">[g]</div>");
	tree("<p title=\"a&#0;b\">x", "<p title=\"a\">[x]</p>");
	tree("<p title=\"\xff\">x", "<p title=\"\xC3\xBF\">[x]</p>");
}

static void test_implied_end(void **state)
{
	tree("<p>a<div>b</div>c", "<p>[a]</p><div>[b]</div>[c]");
	tree("<p>a<p>b<ul><li>c<li>d</ul>e",
	     "<p>[a]</p><p>[b]</p><ul><li>[c]</li><li>[d]</li></ul>[e]");
	tree("<table><tr><td>a<td>b<tr><th>c</table>",
	     "<table><tr><td>[a]</td><td>[b]</td></tr><tr><th>[c]</th></tr></table>");
	tree("<dl><dt>a<dd>b<dt>c</dl>", "<dl><dt>[a]</dt><dd>[b]</dd><dt>[c]</dt></dl>");
	tree("<select><option>a<option>b</select>",
	     "<select><option>[a]</option><option>[b]</option></select>");
	/* libxml2's rules, not HTML5's: <p> closes <b>, <wbr> is no void */
	tree("<b>x<p>y", "<b>[x]</b><p>[y]</p>");
	tree("a<wbr>b<p>c", "[a]<wbr>[b]<p>[c]</p></wbr>");
	tree("<a href=1>x<a href=2>y", "<a href=\"1\">[x]</a><a href=\"2\">[y]</a>");
}

static void test_end_tags(void **state)
{
	tree("<b><i>x</b></i>y", "<b><i>[x]</i></b>[y]");
	tree("</p>x</div>y</ >z</1>", "[xy >z1>]");
	/* an end tag does not close a higher-priority element above its match */
	tree("<div>a<table><tr><td>x</div>y", "<div>[a]<table><tr><td>[xy]</td></tr></table></div>");
	tree("<div\n>x</div\n>y</div x>z", "<div>[x]</div>[yz]");
	/* nested html/body/head tags are ignored, their end tags too */
	tree("<html><head><title>t</title></head><body>x</body></html>y",
	     "<title>[t]</title>[xy]");
	/* a stray </body>: text in <html> gets a <p> */
	tree("a</body>b<p>c", "<html><body>[a]</body><p>[b]</p><p>[c]</p></html>");
}

static void test_markup(void **state)
{
	tree("a<!-- c -->b<!-->c-->d<!--e--!>f", "[a][b][d][f]");
	tree("a<!--b", "[a]");
	tree("a<?pi x?>b<?>c<!x>d<![CDATA[e]]>", "[a][b>c<!x>d<![CDATA[e]]>]");
	tree("a<!DOCTYPE html>b<!DOCTYPE html></p>c", "[ab</p>c]");
	tree("<<<>>>&&&;;", "[<<<>>>&&&;;]");
	tree("<script>a</b><p>c</script>d<style>x<p></STYLE>e",
	     "<script>[a</b><p>c]</script>[d]<style>[x<p>]</style>[e]");
	tree("<textarea>t<b>u</b></textarea>", "<textarea>[t]<b>[u]</b></textarea>");
}

static void test_eof_and_bytes(void **state)
{
	tree("<div><b>x<i>y", "<div><b>[x]<i>[y]</i></b></div>");
	tree("<div class=\"a", "<div class=\"a\"></div>");
	tree_n("a\0b", 3, "[a b]");
	tree_n("a<b>\0x</b>y", 11, "[a]<b></b>");
	tree_n("a&\0b", 4, "[a&]");
	tree("\xff\xfe bad \xc3(", "[\xff\xfe bad \xc3(]");
	/* decoded but not XML characters are dropped, overlong forms kept */
	tree("\xe0\x80\x80x\xed\xa0\x80y\xf4\x90\x80\x80z\x01\x0c", "[\xe0\x80\x80xyz]");
	/* two-byte letters take the inline path: C2..DF and a continuation,
	 * inside and at the end of a run; C0/C1 and a cut one are bytes */
	tree("caf\xc3\xa9 \xc2\x80\xdf\xbf<b>\xc3\xbc</b>\xc3", "[caf\xc3\xa9 \xc2\x80\xdf\xbf]<b>[\xc3\xbc]</b>[\xc3]");
	tree("\xc1\xbf" "a\xc3" "b", "[\xc1\xbf" "a\xc3" "b]");
}

static void test_deep(void **state)
{
	struct buf b = BUF_INIT;
	for (int i = 0; i < 10000; i++)
		buf_adds(&b, "<div><span><b>");
	buf_adds(&b, "deep");
	struct html_doc d;
	html_parse(&d, b.p, b.len);
	size_t depth = 0;
	const struct html_node *n = html_doc_root(&d);
	while (n != NULL && n->children != NULL) {
		n = n->children;
		depth++;
	}
	assert_int_equal(depth, 30001 + 1);
	assert_int_equal(n->type, HTML_TEXT);
	html_doc_free(&d);

	struct buf out = BUF_INIT;
	assert_int_equal(text_convert(MARKUP_HTML, b.p, b.len, &out, NULL), 0);
	assert_string_equal(buf_str(&out), "deep\n");
	buf_free(&out);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entities),     cmocka_unit_test(test_attributes),
		cmocka_unit_test(test_implied_end),  cmocka_unit_test(test_end_tags),
		cmocka_unit_test(test_markup),       cmocka_unit_test(test_eof_and_bytes),
		cmocka_unit_test(test_deep),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
