/*
 * Tests for gateway/article/sanitize.c: a table of hostile inputs in the
 * manner of OWASP's XSS filter evasion cheat sheet, each checked by parsing
 * the output again (tests/fuzz/sanitize_check.h) and by searching it for
 * what must not survive; then what must survive (formatting, tables,
 * images, links made absolute with rel), the URL rule alone, bad UTF-8,
 * and the document wrapper.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "forumgate/buf.h"
#include "forumgate/sanitize.h"

#include "../fuzz/sanitize_check.h"

#define BASE "https://forum.example.org/t/welcome/12"

static char *clean(const char *in)
{
	struct buf b = BUF_INIT;
	sanitize_html(in, strlen(in), BASE, &b);
	return buf_detach(&b);
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s |= 0x20;
}

static void test_hostile(void **state)
{
	static const char *const hostile[] = {
		"<script>alert(1)</script>",
		"<IMG SRC=\"javascript:alert('XSS');\">",
		"<IMG SRC=javascript:alert('XSS')>",
		"<IMG SRC=JaVaScRiPt:alert('XSS')>",
		"<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
		"<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;"
		"&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
		"<IMG SRC=&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105"
		"&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116>",
		"<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65>",
		"<IMG SRC=\"jav\tascript:alert('XSS');\">",
		"<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
		"<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
		"<IMG SRC=\"jav&#x0D;ascript:alert('XSS');\">",
		"<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
		"<a href=\"  JAVASCRIPT:alert(1)\">x</a>",
		"<a href=\"java&#x09;script:alert(1)\">x</a>",
		"<a href=\"javascript&colon;alert(1)\">x</a>",
		"<a href=\"vbscript:msgbox(1)\">x</a>",
		"<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
		"<a href=\"&#100;ata:text/html,<script>alert(1)</script>\">x</a>",
		"<a href=\"\\\\evil.example\\x\">x</a><a href=\"http:evil\">y</a>",
		"<SCRIPT/XSS SRC=\"http://xss.rocks/xss.js\"></SCRIPT>",
		"<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert(\"XSS\")>",
		"<<SCRIPT>alert(\"XSS\");//<</SCRIPT>",
		"<SCRIPT SRC=http://xss.rocks/xss.js?< B >",
		"<IMG \"\"\"><SCRIPT>alert(\"XSS\")</SCRIPT>\">",
		"<img src=x onerror=alert(1)>",
		"<img src=\"http://ok.example/a.png\" onerror=\"alert(1)\" srcset=\"javascript:1 1x\">",
		"<IMG DYNSRC=\"javascript:alert('XSS')\"><IMG LOWSRC=\"javascript:alert('XSS')\">",
		"<iframe src=\"javascript:alert(1)\"></iframe><iframe src=http://x/></iframe>",
		"<svg onload=alert(1)><script>alert(2)</script></svg>",
		"<svg><a xlink:href=\"javascript:alert(1)\"><text>x</text></a></svg>",
		"<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
		"<div style=\"background-image: url(javascript:alert('XSS'))\">x</div>",
		"<style>@import'http://xss.rocks/xss.css';</style>",
		"<LINK REL=\"stylesheet\" HREF=\"javascript:alert('XSS');\">",
		"<TABLE BACKGROUND=\"javascript:alert('XSS')\"><TD BACKGROUND=\"javascript:x\">x</TD></TABLE>",
		"<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=javascript:alert('XSS');\">",
		"<BASE HREF=\"javascript:alert('XSS');//\">",
		"<OBJECT TYPE=\"text/x-scriptlet\" DATA=\"http://xss.rocks/scriptlet.html\"></OBJECT>",
		"<EMBED SRC=\"data:image/svg+xml;base64,PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+\">",
		"<!--[if gte IE 4]><SCRIPT>alert('XSS');</SCRIPT><![endif]-->",
		"<form action=\"javascript:alert(1)\"><input type=submit onfocus=alert(1)></form>",
		"<template><script>alert(1)</script></template>",
		"<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
		"<xmp><script>alert(1)</script></xmp><plaintext><script>alert(1)</script>",
		"<p onmouseover=\"alert(1)\" style=\"color:red\" class=x id=y>hi</p>",
		"<a href=\"https://ok.example/&quot;onmouseover=&quot;alert(1)\">x</a>",
		"<img src=\"http://ok.example/a.png\" alt=\"&quot; onerror=&quot;alert(1)\">",
		"<blockquote cite=\"javascript:alert(1)\">q</blockquote>",
		"<a href=\"http://ok.example/\" target=_blank onclick=\"alert(1)\">ok</a>",
		"<video><source onerror=\"alert(1)\"></video><audio src=x onerror=alert(1)>",
		"<details open ontoggle=alert(1)>x</details><marquee onstart=alert(1)>x</marquee>",
		"<a href=\"jAvAsCrIpT&#58;alert(1)\">x</a><a href=\"&#x6a;avascript:alert(1)\">y</a>",
		"<a href=\"\x01javascript:alert(1)\">x</a>",
		"<img src=\"//evil.example/track.gif\" width=1 height=1 style=\"display:none\">",
		"<isindex type=image src=1 onerror=alert(1)><frameset onload=alert(1)>",
	};

	for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
		char *o = clean(hostile[i]);
		const char *why = sanitize_check(o, strlen(o));
		if (why != NULL)
			fail_msg("input %zu: %s in %s", i, why, o);
		lower(o);
		/* nothing that a browser runs, in tags or as a URL */
		if (strstr(o, "<script") || strstr(o, "<svg") || strstr(o, "<iframe") ||
		    strstr(o, "<style") || strstr(o, "<object") || strstr(o, "<embed") ||
		    strstr(o, "<meta") || strstr(o, "<base") || strstr(o, "<form") ||
		    strstr(o, "style=") || strstr(o, "=\"javascript") || strstr(o, "=\"data:") ||
		    strstr(o, "=\"vbscript"))
			fail_msg("input %zu: %s", i, o);
		free(o);
	}
}

static void test_kept(void **state)
{
	char *o = clean("<h2>Title</h2><p>Some <b>bold</b>, <strong>strong</strong>, <i>it</i>, "
			"<em>em</em>, <u>u</u>, <s>s</s>, H<sub>2</sub>O, x<sup>2</sup>.</p>"
			"<blockquote cite=\"https://src.example/q\"><p>quoted</p></blockquote>"
			"<pre><code>int  main() {\n\treturn 0;\n}</code></pre>"
			"<ul><li>one</li></ul><ol start=\"3\"><li>three</li></ol>"
			"<dl><dt>t</dt><dd>d</dd></dl><hr>"
			"<table><thead><tr><th colspan=\"2\">h</th></tr></thead><tbody><tr>"
			"<td rowspan=\"2\" colspan=\"x\">c</td></tr></tbody></table>"
			"<img src=\"https://cdn.example/a.png\" alt=\"A &amp; B\" width=\"100%\" "
			"height=\"20px\"><span>s</span><div>d</div><br>");
	assert_null(sanitize_check(o, strlen(o)));
	const char *want[] = {
		"<h2>Title</h2>",
		"<b>bold</b>",
		"<strong>strong</strong>",
		"<i>it</i>",
		"<em>em</em>",
		"<u>u</u>",
		"<s>s</s>",
		"<sub>2</sub>",
		"<sup>2</sup>",
		"<blockquote cite=\"https://src.example/q\"><p>quoted</p></blockquote>",
		"<pre><code>int  main() {\n\treturn 0;\n}</code></pre>",
		"<ol start=\"3\">",
		"<dl><dt>t</dt><dd>d</dd></dl><hr>",
		"<th colspan=\"2\">h</th>",
		"<td rowspan=\"2\">c</td>",
		"<img src=\"https://cdn.example/a.png\" alt=\"A &amp; B\" width=\"100%\">",
		"<span>s</span><div>d</div><br>"};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		if (strstr(o, want[i]) == NULL)
			fail_msg("missing %s in %s", want[i], o);
	free(o);

	/* unknown elements are unwrapped, dropped ones go with their content */
	o = clean("<section><article><p>kept <font color=red>text</font></p></article></section>"
		  "<script>gone()</script><style>p{}</style><form><p>form text</p></form>");
	assert_string_equal(o, "<p>kept text</p>");
	free(o);

	/* links: absolute, with rel; a dropped link keeps its text, a dropped
	 * image leaves its alt */
	o = clean(
		"<a href=\"/u/bob\">@bob</a> <a href=\"../other/7?x=1#p3\">rel</a> "
		"<a href=\"#post_4\">frag</a> <a href=\"?page=2\">q</a> "
		"<a href=\"//cdn.example/x\">proto</a> <a href=\"mailto:bob@example.org\">mail</a> "
		"<a href=\"javascript:x()\">js</a> <img src=\"mailto:x@y\" alt=\"pic\"> "
		"<a href=\"HTTPS://Forum.Example.org/a b\">case</a>");
	assert_null(sanitize_check(o, strlen(o)));
	const char *links[] = {
		"<a href=\"https://forum.example.org/u/bob\" rel=\"nofollow noopener noreferrer\">@bob</a>",
		"<a href=\"https://forum.example.org/t/other/7?x=1#p3\"",
		"<a href=\"https://forum.example.org/t/welcome/12#post_4\"",
		"<a href=\"https://forum.example.org/t/welcome/12?page=2\"",
		"<a href=\"https://cdn.example/x\"",
		"<a href=\"mailto:bob@example.org\"",
		" js pic ",
		"<a href=\"https://Forum.Example.org/a%20b\""};
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
		if (strstr(o, links[i]) == NULL)
			fail_msg("missing %s in %s", links[i], o);
	free(o);

	/* no base: relative links go, absolute ones stay */
	struct buf b = BUF_INIT;
	const char *in = "<a href=\"/x\">rel</a><a href=\"http://a.example/\">abs</a>";
	sanitize_html(in, strlen(in), NULL, &b);
	assert_string_equal(
		b.p,
		"rel<a href=\"http://a.example/\" rel=\"nofollow noopener noreferrer\">abs</a>");
	buf_free(&b);
}

static void test_url(void **state)
{
	struct {
		const char *in, *base, *want;
		int mailto;
	} cases[] = {
		{"http://a.example/x", NULL, "http://a.example/x", 0},
		{"  https://a.example/x\n", NULL, "https://a.example/x", 0},
		{"x/../y/./z", "https://h.example/a/b/c", "https://h.example/a/b/y/z", 0},
		{"../../../../up", "https://h.example/a/b", "https://h.example/up", 0},
		{"/abs", "https://h.example:8443/a?q#f", "https://h.example:8443/abs", 0},
		{"", "https://h.example/a?q#f", "https://h.example/a?q", 0},
		{"p", "https://h.example", "https://h.example/p", 0},
		{"mailto:a@b", NULL, NULL, 0},
		{"mailto:a@b", NULL, "mailto:a@b", 1},
		{"https:///nohost", NULL, NULL, 0},
		{"http:relative", "https://h.example/", NULL, 0},
		{"ftp://h.example/f", NULL, NULL, 0},
		{"javascript:alert(1)", "https://h.example/", NULL, 1},
		{"java\x0bscript:alert(1)", "https://h.example/",
		 "https://h.example/java%0Bscript:alert(1)", 0},
		{"/x", "javascript:alert(1)//", NULL, 0},
		{"https://h.example/\xc3\xa9\"<>'`", NULL,
		 "https://h.example/%C3%A9%22%3C%3E%27%60", 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *u = sanitize_url(cases[i].in, cases[i].base, cases[i].mailto);
		if ((u == NULL) != (cases[i].want == NULL) || (u && strcmp(u, cases[i].want) != 0))
			fail_msg("case %zu: got %s, want %s", i, u ? u : "NULL",
				 cases[i].want ? cases[i].want : "NULL");
		free(u);
	}
}

static void test_text_and_document(void **state)
{
	/* bad UTF-8 becomes U+FFFD (a surrogate the parser drops already),
	 * text escaped; in an attribute the parser reads it as Latin-1 */
	char *o = clean("<p>caf\xc3\xa9 \xff \xed\xa0\x80 a&lt;b &amp; &quot;q&quot;</p>"
			"<abbr title=\"\xc0\xaf\">x</abbr>");
	assert_string_equal(o, "<p>caf\xc3\xa9 \xef\xbf\xbd  a&lt;b &amp; \"q\"</p>"
			       "<abbr title=\"\xc3\x80\xc2\xaf\">x</abbr>");
	free(o);

	const char *in = "<p>Hello <script>x</script>world</p>";
	char *d = sanitize_html_document(in, strlen(in), BASE, "Re: <Welcome> & more");
	assert_non_null(strstr(d, "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">"));
	assert_non_null(strstr(d, "<title>Re: &lt;Welcome&gt; &amp; more</title>"));
	assert_non_null(strstr(d, "<body>\n<p>Hello world</p>\n</body>\n</html>\n"));
	free(d);

	/* deep nesting costs no stack */
	struct buf b = BUF_INIT, out = BUF_INIT;
	for (int i = 0; i < 200000; i++)
		buf_adds(&b, i % 2 ? "<div>" : "<blockquote>");
	sanitize_html(b.p, b.len, NULL, &out);
	assert_true(out.len > 0);
	buf_free(&b);
	buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_kept),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_text_and_document),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
