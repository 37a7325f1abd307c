/*
 * Tests for gateway/article/text*.c and flow.c: exact plain text for each
 * HTML, BBCode and Markdown construct and the forum quote forms, and the
 * format=flowed wrapping of text_flow(), and that the per-thread scratch
 * buffers the converters reuse carry nothing from one call to the next.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../gateway/article/bytes.h"
#include "forumgate/text.h"

static char *conv(enum forum_markup m, const char *src, struct text_info *info)
{
	struct buf out = BUF_INIT;
	assert_int_equal(text_convert(m, src, strlen(src), &out, info), 0);
	return buf_detach(&out);
}

static void check(enum forum_markup m, const char *src, const char *want)
{
	char *got = conv(m, src, NULL);
	assert_string_equal(got, want);
	free(got);
}

#define HTML(src, want) check(MARKUP_HTML, src, want)
#define BB(src, want) check(MARKUP_BBCODE, src, want)
#define MD(src, want) check(MARKUP_MARKDOWN, src, want)
#define TXT(src, want) check(MARKUP_TEXT, src, want)

/* Converts and checks the quoted ids too (a NULL-terminated list). */
static void check_ids(enum forum_markup m, const char *src, const char *want, ...)
{
	struct text_info info = {NULL, 0};
	char *got = conv(m, src, &info);
	assert_string_equal(got, want);
	free(got);
	va_list ap;
	va_start(ap, want);
	size_t i = 0;
	const char *id;
	while ((id = va_arg(ap, const char *)) != NULL) {
		assert_true(i < info.nquoted);
		assert_string_equal(info.quoted_ids[i], id);
		i++;
	}
	va_end(ap);
	assert_int_equal(info.nquoted, i);
	text_info_free(&info);
}

static void flow(const char *src, const char *want)
{
	struct buf out = BUF_INIT;
	text_flow(src, strlen(src), 72, &out);
	assert_string_equal(buf_str(&out), want);
	buf_free(&out);
}

/* ---- HTML ---- */

static void test_html_blocks(void **state)
{
	HTML("<p>one</p><p>two</p>", "one\n\ntwo\n");
	HTML("a<br>b<br><br>c<br><br><br><br>d", "a\nb\n\nc\n\nd\n");
	HTML("<div>a</div><div>b</div>c", "a\nb\nc\n");
	HTML("x<hr>y", "x\n----\ny\n");
	HTML("<h2>Title</h2>body", "Title\n\nbody\n");
	HTML("", "");
	HTML("<p> </p><br><br>", "");
}

static void test_html_whitespace(void **state)
{
	HTML("  a   b\n\tc  <b>d</b> <i>e</i>  ", "a b c d e\n");
	HTML("a<b> b</b>", "a b\n");
	HTML("<p>\n  text  \n</p>", "text\n");
	HTML("a&nbsp;&nbsp;b", "a  b\n");
}

static void test_html_entities(void **state)
{
	HTML("&amp; &lt;x&gt; &quot;q&quot; &#39;s&#39; &#8364; &#x263A;",
	     "& <x> \"q\" 's' \xE2\x82\xAC \xE2\x98\xBA\n");
	/* the tidy pass keeps two-byte letters inline, but not NBSP (a
	 * space) nor a cut or overlong sequence (U+FFFD) */
	TXT("caf\xC3\xA9 na\xC3\xAFve a\xC2\xA0"
	    "b \xC3(\xC1\xBF\xDF\xBF\xC3",
	    "caf\xC3\xA9 na\xC3\xAFve a b \xEF\xBF\xBD(\xEF\xBF\xBD\xEF\xBF\xBD\xDF\xBF\xEF\xBF\xBD\n");
}

static void test_html_script_style(void **state)
{
	HTML("a<script>var x = '<b>';</script>b<style>p { color: red }</style>c", "abc\n");
}

static void test_html_links(void **state)
{
	HTML("See <a href=\"http://example.com/a\">this</a> and "
	     "<a href=\"http://example.com/b\">that</a>, <a href=\"http://example.com/a\">"
	     "this again</a>.",
	     "See this[1] and that[2], this again[1].\n\n"
	     "[1] http://example.com/a\n[2] http://example.com/b\n");
	HTML("<a href=\"http://example.com/x\">http://example.com/x</a>", "http://example.com/x\n");
	HTML("<a href=\"https://example.com/x\">example.com/x</a>", "https://example.com/x\n");
	HTML("<a href=\"mailto:bob@example.com\">bob@example.com</a>", "bob@example.com\n");
	HTML("<a href=\"mailto:bob@example.com\">Bob</a>", "Bob <bob@example.com>\n");
	HTML("<a href=\"#top\">top</a> <a name=\"x\">anchor</a>", "top anchor\n");
	HTML("<a href=\"http://e.com/\"><b>bold</b> link</a>!",
	     "bold link[1]!\n\n[1] http://e.com/\n");
}

static void test_html_images(void **state)
{
	HTML("<img src=\"http://x/a.png\" alt=\"A cat\">", "[image: A cat] <http://x/a.png>\n");
	HTML("<img src=\"http://x/a.png\">", "[image] <http://x/a.png>\n");
	HTML("hi <img src=\"images/smilies/smile.gif\" alt=\":)\"> "
	     "<img class=\"inlineimg\" src=\"x.gif\" alt=\":D\" />",
	     "hi :) :D\n");
}

static void test_html_code(void **state)
{
	HTML("<p>before</p><pre>  int x;\n\n    y();\n</pre><p>after</p>",
	     "before\n\n  int x;\n\n    y();\n\nafter\n");
	HTML("use <code>a  b</code> here", "use a b here\n");
	HTML("<pre><a href=\"http://x/\">link</a> in code</pre>", "link in code\n");
	/* vBulletin 4 code box: label dropped */
	HTML("<div class=\"bbcode_container\"><div class=\"bbcode_description\">Code:</div>"
	     "<pre class=\"bbcode_code\" style=\"height:36px;\">if (a)\n\tb();</pre></div>",
	     "if (a)\n\tb();\n");
	/* vBulletin 3 code box */
	HTML("<div style=\"margin:20px; margin-top:5px\"><div class=\"smallfont\" "
	     "style=\"margin-bottom:2px\">Code:</div><pre class=\"alt2\" dir=\"ltr\">x = 1\n  y = 2</pre></div>",
	     "x = 1\n  y = 2\n");
	/* phpBB 3.0 codebox with <br> and &nbsp; */
	HTML("<dl class=\"codebox\"><dt>Code: <a href=\"#\">Select all</a></dt><dd><code>"
	     "a<br />&nbsp;&nbsp;b</code></dd></dl>",
	     "a\n  b\n");
}

static void test_html_lists(void **state)
{
	HTML("Intro<ul><li>one</li><li>two</li></ul>Outro", "Intro\n\n- one\n- two\n\nOutro\n");
	HTML("<ol><li>a</li><li>b<ul><li>b1</li><li>b2</li></ul></li><li>c</li></ol>",
	     "1. a\n2. b\n  - b1\n  - b2\n3. c\n");
	HTML("<ol start=\"3\"><li>x</li></ol>", "3. x\n");
	HTML("<ul><li>first line<br>second line</li></ul>", "- first line\n  second line\n");
	HTML("<li>bare</li>after", "- bare\n\nafter\n");
}

static void test_html_vb4_quote(void **state)
{
	check_ids(
		MARKUP_HTML,
		"<div class=\"bbcode_container\"><div class=\"bbcode_quote\"><div class=\"quote_container\">"
		"<div class=\"bbcode_quote_container\"></div><div class=\"bbcode_postedby\">"
		"<img title=\"Originally Posted by\" class=\"inlineimg\" src=\"images/misc/quote_icon.png\" alt=\"Quote\" />"
		" Originally Posted by <strong>Alice</strong> "
		"<a href=\"showthread.php?p=1234#post1234\" rel=\"nofollow\"><img class=\"inlineimg\" "
		"src=\"images/buttons/viewpost-right.png\" alt=\"View Post\" /></a></div>"
		"<div class=\"message\">Hello<br />world</div></div></div></div>I agree.",
		"Alice wrote:\n> Hello\n> world\n\nI agree.\n", "1234", NULL);
	/* anonymous */
	check_ids(
		MARKUP_HTML,
		"<div class=\"bbcode_container\"><div class=\"bbcode_quote\"><div class=\"quote_container\">"
		"<div class=\"bbcode_quote_container\"></div>anon text</div></div></div>reply",
		"> anon text\n\nreply\n", NULL);
}

static void test_html_vb3_quote(void **state)
{
	check_ids(
		MARKUP_HTML,
		"<div style=\"margin:20px; margin-top:5px; \"><div class=\"smallfont\" style=\"margin-bottom:2px\">Quote:</div>"
		"<table cellpadding=\"6\" cellspacing=\"0\" border=\"0\" width=\"100%\"><tr>"
		"<td class=\"alt2\" style=\"border:1px inset\"><div>Originally Posted by <strong>Bob</strong> "
		"<a href=\"showthread.php?p=999#post999\"><img class=\"inlineimg\" src=\"images/buttons/viewpost.gif\" "
		"border=\"0\" alt=\"View Post\" /></a></div><div style=\"font-style:italic\">quoted text</div>"
		"</td></tr></table></div>my answer",
		"Bob wrote:\n> quoted text\n\nmy answer\n", "999", NULL);
	check_ids(
		MARKUP_HTML,
		"<div style=\"margin:20px; margin-top:5px; \"><div class=\"smallfont\" style=\"margin-bottom:2px\">Quote:</div>"
		"<table cellpadding=\"6\"><tr><td class=\"alt2\" style=\"border:1px inset\">anonymous text</td></tr></table></div>"
		"answer",
		"> anonymous text\n\nanswer\n", NULL);
}

/* Outlook's HTML reply: from its marker on, the original is a quote */
static void test_html_outlook_reply(void **state)
{
	HTML("<div>My answer is yes.</div><div id=\"appendonsend\"></div><hr>"
	     "<div id=\"divRplyFwdMsg\"><b>From:</b> Bob<br><b>Sent:</b> Monday</div>"
	     "<div>Is it yes or no?</div>",
	     "My answer is yes.\n\n> ----\n> From: Bob\n> Sent: Monday\n> Is it yes or no?\n");
	HTML("<p>Sure.</p><div class=\"OutlookMessageHeader\">From: Bob</div><p>Old text</p>",
	     "Sure.\n\n> From: Bob\n>\n> Old text\n");
}

static void test_html_nested_quotes(void **state)
{
	check_ids(
		MARKUP_HTML,
		"<blockquote><div><cite>A wrote:</cite>outer<blockquote><div><cite>B wrote:</cite>inner"
		"</div></blockquote>outer again</div></blockquote>reply",
		"A wrote:\n> outer\n>\n> B wrote:\n>> inner\n>\n> outer again\n\nreply\n", NULL);
}

static void test_html_phpbb_quote(void **state)
{
	check_ids(MARKUP_HTML, "<blockquote><div><cite>Carol wrote:</cite>text</div></blockquote>",
		  "Carol wrote:\n> text\n", NULL);
	check_ids(MARKUP_HTML,
		  "<blockquote cite=\"./viewtopic.php?p=77#p77\"><div><cite>"
		  "<a href=\"./memberlist.php?mode=viewprofile&amp;u=2\">Dave</a> wrote: "
		  "<a href=\"./viewtopic.php?p=77#p77\" data-post-id=\"77\">\xE2\x86\x91</a>"
		  "<span class=\"responsive-hide\">Mon Jan 01, 2018 10:00 am</span></cite>"
		  "text</div></blockquote>",
		  "Dave wrote:\n> text\n", "77", NULL);
	check_ids(MARKUP_HTML, "<blockquote>plain</blockquote>", "> plain\n", NULL);
}

/* phpBB language packs translate "wrote": the attribution is the name */
static void test_html_phpbb_quote_localized(void **state)
{
	static const char *const cites[] = {
		"Anna hat geschrieben:",
		"Anna a \xC3\xA9"
		"crit :",
		"Anna escribi\xC3\xB3:",
		"Anna ha scritto:",
		"Anna schreef:",
		"Anna napisa\xC5\x82(a):",
		"Anna \xD0\xBF\xD0\xB8\xD1\x81\xD0\xB0\xD0\xBB(\xD0\xB0):",
	};
	for (size_t i = 0; i < sizeof cites / sizeof *cites; i++) {
		char *src = xasprintf(
			"<blockquote><div><cite>%s <a href=\"./viewtopic.php?p=5#p5\">"
			"\xE2\x86\x91</a></cite>Hallo</div></blockquote>ok",
			cites[i]);
		check_ids(MARKUP_HTML, src, "Anna wrote:\n> Hallo\n\nok\n", "5", NULL);
		free(src);
	}
	/* a 3.2+ cite: profile link, post link, date */
	check_ids(
		MARKUP_HTML,
		"<blockquote><div><cite><a href=\"./memberlist.php?mode=viewprofile&amp;u=2\">"
		"J\xC3\xBCrgen</a> hat geschrieben: <a href=\"./viewtopic.php?p=8#p8\" data-post-id=\"8\">"
		"\xE2\x86\x91</a><span class=\"responsive-hide\">Mo 1. Jan 2018, 10:00</span></cite>"
		"x</div></blockquote>",
		"J\xC3\xBCrgen wrote:\n> x\n", "8", NULL);
	/* subsilver2 */
	check_ids(
		MARKUP_HTML,
		"<div class=\"quotetitle\">Bob wrote:</div><div class=\"quotecontent\">Is it?</div>"
		"<br />Yes.",
		"Bob wrote:\n> Is it?\n\nYes.\n", NULL);
}

static void test_html_discourse_quote(void **state)
{
	check_ids(
		MARKUP_HTML,
		"<aside class=\"quote no-group\" data-username=\"bob\" data-post=\"3\" data-topic=\"12\">"
		"<div class=\"title\"><div class=\"quote-controls\"></div><img alt=\"\" width=\"20\" "
		"src=\"/a.png\" class=\"avatar\"> bob:</div><blockquote><p>one</p><p>two</p></blockquote>"
		"</aside><p>reply</p>",
		"bob wrote:\n> one\n>\n> two\n\nreply\n", "#3", NULL);
}

/* Discourse cooked markup beyond quotes: a onebox (link preview) is one
 * link line, a hashtag keeps its '#', a spoiler is marked, an emoji is its
 * :code:, a mention its @name. */
static void test_html_discourse_markup(void **state)
{
	HTML("<aside class=\"onebox allowlistedgeneric\" data-onebox-src=\"https://e.org/p\">"
	     "<header class=\"source\"><a href=\"https://e.org/p\">e.org</a></header>"
	     "<article class=\"onebox-body\"><h3><a href=\"https://e.org/p\">Page title</a></h3>"
	     "<p>Long description.</p></article></aside><p>after</p>",
	     "Page title[1]\n\nafter\n\n[1] https://e.org/p\n");
	/* a onebox without a title: its link, which the writer shows bare as
	 * the text is only the URL shortened */
	HTML("<aside class=\"onebox\"><header><a href=\"https://e.org/\">e.org</a></header></aside>",
	     "https://e.org/\n");
	HTML("<p>see <a class=\"hashtag-cooked\" href=\"/c/dev/5\"><span class=\"hashtag-icon-"
	     "placeholder\"></span><span>dev</span></a> and <a class=\"hashtag\" href=\"/c/x/6\">"
	     "#<span>x</span></a></p>",
	     "see #dev[1] and #x[2]\n\n[1] /c/dev/5\n[2] /c/x/6\n");
	HTML("<p>it ends <span class=\"spoiler\">badly</span> <img src=\"/images/emoji/twitter/"
	     "smile.png?v=12\" title=\":smile:\" class=\"emoji\" alt=\":smile:\"></p>",
	     "it ends [spoiler: badly] :smile:\n");
	HTML("<div class=\"spoiler\">hidden</div>", "[spoiler]\nhidden\n[/spoiler]\n");
	HTML("<p><a class=\"mention\" href=\"/u/bob\">@bob</a></p>", "@bob[1]\n\n[1] /u/bob\n");
}

static void test_html_table(void **state)
{
	HTML("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>",
	     "a b\nc d\n");
	/* Discourse image: file name and size line dropped */
	HTML("<div class=\"lightbox-wrapper\"><a class=\"lightbox\" href=\"http://x/full.png\">"
	     "<img src=\"http://x/small.png\" alt=\"cat\"><div class=\"meta\"><span>cat</span>"
	     "<span>100x80 5 KB</span></div></a></div>",
	     "[image: cat] <http://x/small.png>[1]\n\n[1] http://x/full.png\n");
}

static void test_html_garbage(void **state)
{
	HTML("<b><i>x</b></i>y<p><div></p>z", "xy\n\nz\n");
	HTML("<<<>>>&&&;;", "<<<>>>&&&;;\n");
	HTML("\xff\xfe bad", "\xEF\xBF\xBD\xEF\xBF\xBD bad\n");
}

static void test_html_deep(void **state)
{
	struct buf b = BUF_INIT;
	for (int i = 0; i < 2000; i++)
		buf_adds(&b, "<div><blockquote>");
	buf_adds(&b, "deep");
	struct buf out = BUF_INIT;
	assert_int_equal(text_convert(MARKUP_HTML, b.p, b.len, &out, NULL), 0);
	assert_non_null(strstr(buf_str(&out), "deep"));
	buf_free(&b);
	buf_free(&out);
}

/* ---- BBCode ---- */

static void test_bb_inline(void **state)
{
	BB("[b]bold[/b] [I]it[/I] [u]u[/u] [s]s[/s] [color=red]c[/color] [size=4]z[/size] "
	   "[font=Arial]f[/font] [highlight]h[/highlight]",
	   "bold it u s c z f h\n");
	BB("line1\nline2\n\n\n\nline3", "line1\nline2\n\nline3\n");
	BB("[center]mid[/center]after", "mid\nafter\n");
	BB("a[left]l[/left][RIGHT]r[/RIGHT][indent]i[/indent]b", "a\nl\nr\ni\nb\n");
	BB("&amp; &lt; &gt; &quot; &#39; &#228; &#xE4; a&nbsp;b",
	   "& < > \" ' \xC3\xA4 \xC3\xA4 a b\n");
}

static void test_bb_links(void **state)
{
	BB("[url=http://example.com/a]text[/url] [URL]http://example.com/b[/URL] "
	   "[url=\"http://example.com/c\"]c[/url] [email]a@b.org[/email] [email=a@b.org]mail[/email]",
	   "text[1] http://example.com/b c[2] a@b.org mail <a@b.org>\n\n"
	   "[1] http://example.com/a\n[2] http://example.com/c\n");
	BB("[img]http://x/a.png[/img] [img=cat]http://x/c.png[/img] [img=640x480]http://x/d.png[/img]",
	   "[image] <http://x/a.png> [image: cat] <http://x/c.png> [image] <http://x/d.png>\n");
	BB("[youtube]dQw4w9WgXcQ[/youtube]", "https://www.youtube.com/watch?v=dQw4w9WgXcQ\n");
	BB("[video=youtube;abc]http://www.youtube.com/watch?v=abc[/video]",
	   "http://www.youtube.com/watch?v=abc\n");
}

static void test_bb_quotes(void **state)
{
	check_ids(MARKUP_BBCODE, "[quote]anon[/quote]reply", "> anon\n\nreply\n", NULL);
	check_ids(MARKUP_BBCODE, "[quote=Bob]hi[/quote]", "Bob wrote:\n> hi\n", NULL);
	check_ids(MARKUP_BBCODE, "[QUOTE=\"Bob Smith\"]hi[/QUOTE]", "Bob Smith wrote:\n> hi\n",
		  NULL);
	check_ids(MARKUP_BBCODE, "[QUOTE=Alice;1234]hi[/QUOTE]\nreply",
		  "Alice wrote:\n> hi\n\nreply\n", "1234", NULL);
	check_ids(MARKUP_BBCODE, "[quote=\"Carol\" post_id=555 time=1500000000 user_id=3]x[/quote]",
		  "Carol wrote:\n> x\n", "555", NULL);
	check_ids(MARKUP_BBCODE, "[quote=Dan Brown post_id=556]x[/quote]",
		  "Dan Brown wrote:\n> x\n", "556", NULL);
	check_ids(MARKUP_BBCODE, "[quote=A;1][quote=B;2]inner[/quote]\nouter[/quote]",
		  "A wrote:\n> B wrote:\n>> inner\n>\n> outer\n", "1", "2", NULL);
}

static void test_bb_deep_quotes(void **state)
{
	struct buf b = BUF_INIT;
	for (int i = 0; i < 30; i++)
		buf_adds(&b, "[quote]");
	buf_adds(&b, "x");
	for (int i = 0; i < 30; i++)
		buf_adds(&b, "[/quote]");
	char *got = conv(MARKUP_BBCODE, b.p, NULL);
	/* flattened at depth 20 */
	assert_string_equal(got, ">>>>>>>>>>>>>>>>>>>> x\n");
	free(got);
	buf_free(&b);
}

static void test_bb_code(void **state)
{
	BB("before\n[code]\nint x;\n    [b]y[/b] &lt;\n[/code]\nafter",
	   "before\n\nint x;\n    [b]y[/b] <\n\nafter\n");
	BB("[PHP]$a = 1;[/PHP][html]<b>x</b>[/html]", "$a = 1;\n\n<b>x</b>\n");
	BB("[code]http://example.com[/code]", "http://example.com\n");
	BB("[noparse][b]raw[/b][/noparse]", "[b]raw[/b]\n");
}

static void test_bb_lists(void **state)
{
	BB("[list]\n[*]one\n[*]two\n[/list]\nafter", "- one\n- two\n\nafter\n");
	BB("[LIST=1]\n[*]a\n[*]b\n[list]\n[*]b1\n[/list]\n[*]c\n[/list]",
	   "1. a\n2. b\n  - b1\n3. c\n");
	BB("[list=a][*]x[*]y[/list]", "1. x\n2. y\n");
	BB("[*]outside", "[*]outside\n");
}

static void test_bb_spoiler(void **state)
{
	BB("a[spoiler]secret[/spoiler]b", "a\n\nSpoiler:\nsecret\n\nb\n");
	BB("[spoiler=Plot]secret[/spoiler]", "Spoiler: Plot\nsecret\n");
}

static void test_bb_malformed(void **state)
{
	BB("[foo]unknown[/foo]", "[foo]unknown[/foo]\n");
	BB("[b]unclosed", "[b]unclosed\n");
	BB("stray[/i] close", "stray[/i] close\n");
	BB("[quote]never closed", "[quote]never closed\n");
	BB("[code]never closed", "[code]never closed\n");
	BB("[url=http://x]no end", "[url=http://x]no end\n");
	BB("[b][i]x[/b] y", "x y\n");
	BB("[[[]]] [ b] [/] []", "[[[]]] [ b] [/] []\n");
	BB("[quote=Bob]a [b]b[/quote] c", "Bob wrote:\n> a b\n\nc\n");
}

/* ---- Markdown ---- */

static void test_md_inline(void **state)
{
	MD("Some **bold** and _em_ and ~~gone~~ text, snake_case and 2 * 3.",
	   "Some bold and em and gone text, snake_case and 2 * 3.\n");
	MD("Use `a *b* c` here", "Use a *b* c here\n");
	MD("a [link](http://e.com/x \"title\") and ![pic](http://e.com/i.png) and <http://e.com/y>",
	   "a link[1] and [image: pic] <http://e.com/i.png> and http://e.com/y\n\n"
	   "[1] http://e.com/x\n");
	MD("\\*not em\\* &amp;", "*not em* &\n");
	MD("[http://e.com/](http://e.com/) [mail](mailto:a@b.c)", "http://e.com/ mail <a@b.c>\n");
}

static void test_md_blocks(void **state)
{
	MD("# Title\ntext\nmore\n\npara", "Title\n\ntext\nmore\n\npara\n");
	MD("Heading\n=======\nbody", "Heading\n\nbody\n");
	MD("a\n\n---\n\nb", "a\n\n----\n\nb\n");
	MD("text\n\n```c\nint x;\n    y();\n```\nafter", "text\n\nint x;\n    y();\n\nafter\n");
	MD("text\n\n    code line\n      more\n\nafter", "text\n\ncode line\n  more\n\nafter\n");
	MD("> quoted *x*\n> > nested\n\nreply", "> quoted x\n>\n>> nested\n\nreply\n");
	MD("- a\n- b\n  - b1\n- c\n\n1. x\n2. y", "- a\n- b\n  - b1\n- c\n\n1. x\n2. y\n");
}

static void test_md_discourse_quote(void **state)
{
	check_ids(MARKUP_MARKDOWN, "[quote=\"bob, post:3, topic:12\"]\nhello\n[/quote]\nreply",
		  "bob wrote:\n> hello\n\nreply\n", "#3", NULL);
}

/* ---- plain text ---- */

static void test_plain(void **state)
{
	TXT("  indented   text   \r\nnext\n\n\n\n> already quoted\n>\n\nend &amp; \n\n",
	    "  indented   text\nnext\n\n> already quoted\n\nend &\n");
	TXT("> a\n>\n>\n> b", "> a\n>\n> b\n");
	TXT("\n\n\nx", "x\n");
	TXT("http://example.com/", "http://example.com/\n");
}

static void test_args(void **state)
{
	struct buf out = BUF_INIT;
	assert_int_equal(text_convert(MARKUP_HTML, NULL, 3, &out, NULL), -1);
	assert_int_equal(text_convert((enum forum_markup)42, "x", 1, &out, NULL), -1);
	assert_int_equal(text_convert(MARKUP_BBCODE, NULL, 0, &out, NULL), 0);
	assert_int_equal(out.len, 0);
	buf_free(&out);
}

/* ---- text_flow ---- */

static void test_flow_wrap(void **state)
{
	flow("This is a rather long line of text that needs to be wrapped because it is longer than seventy-two characters.\n",
	     "This is a rather long line of text that needs to be wrapped because it \n"
	     "is longer than seventy-two characters.\n");
	flow("short\n\nlines\n", "short\n\nlines\n");
	flow("no newline at end", "no newline at end\n");
}

static void test_flow_quoted(void **state)
{
	flow("> Quoted line that is also quite long and needs wrapping at seventy two chars so here we go.\n",
	     "> Quoted line that is also quite long and needs wrapping at seventy two \n"
	     "> chars so here we go.\n");
	flow(">> nested quote\n>\n>>>\n", ">> nested quote\n>\n>>>\n");
	flow(">no space\n", "> no space\n");
}

static void test_flow_stuffing(void **state)
{
	flow("From here\n x\n", " From here\n  x\n");
	flow("> From here\n", "> From here\n");
	flow("Fromage\n", "Fromage\n");
}

static void test_flow_trailing(void **state)
{
	flow("hard   \n-- \nsig\n", "hard\n-- \nsig\n");
}

static void test_flow_long_word(void **state)
{
	char word[101];
	memset(word, 'x', 100);
	word[100] = '\0';
	struct buf in = BUF_INIT, want = BUF_INIT;
	buf_addf(&in, "%s tail\n", word);
	buf_addf(&want, "%s \ntail\n", word);
	flow(in.p, want.p);
	buf_reset(&in);
	buf_reset(&want);
	buf_addf(&in, "a %s b\n", word);
	buf_addf(&want, "a \n%s \nb\n", word);
	flow(in.p, want.p);
	buf_free(&in);
	buf_free(&want);
}

static void test_flow_utf8(void **state)
{
	/* 68 two-byte characters and a word: fits by characters, not by bytes */
	struct buf in = BUF_INIT, want = BUF_INIT;
	for (int i = 0; i < 34; i++)
		buf_adds(&in, "\xC3\xA4\xC3\xB6");
	buf_adds(&in, " ab\n");
	flow(in.p, in.p);
	/* 80 characters: broken at the space, never inside a sequence */
	buf_reset(&in);
	for (int i = 0; i < 30; i++)
		buf_adds(&in, "\xE2\x82\xAC");
	buf_adds(&in, " ");
	for (int i = 0; i < 49; i++)
		buf_adds(&in, "\xC3\xA4");
	buf_adds(&in, "\n");
	for (int i = 0; i < 30; i++)
		buf_adds(&want, "\xE2\x82\xAC");
	buf_adds(&want, " \n");
	for (int i = 0; i < 49; i++)
		buf_adds(&want, "\xC3\xA4");
	buf_adds(&want, "\n");
	flow(in.p, want.p);
	buf_free(&in);
	buf_free(&want);
}

/* Issue #11: a <pre> line ">From here" (or any literal text starting with
 * '>') is not a quote: the plain text escapes it with one space, and the
 * flowed text space-stuffs it, so a reader shows ">From here" as text.
 * Quotes keep their "> " lines; plain-text input keeps '>' as quotes. */
static void test_literal_gt_not_quote(void **state)
{
	HTML("<pre>>From here\n> not quoted\n  >indented\n></pre>",
	     " >From here\n > not quoted\n   >indented\n >\n");
	HTML("<p>&gt; not a quote</p><blockquote>real</blockquote>", " > not a quote\n\n> real\n");
	HTML("<blockquote><pre>>From inside</pre></blockquote>", "> >From inside\n");
	BB("[code]>From here[/code]", " >From here\n");
	TXT("> quoted\n  > spaced\n", "> quoted\n   > spaced\n");

	char *t = conv(MARKUP_HTML,
		       "<pre>>From here\nFrom there\n  >x</pre><blockquote>q</blockquote>", NULL);
	struct buf out = BUF_INIT;
	text_flow(t, strlen(t), 72, &out);
	/* RFC 3676: the stuffing space goes, ">From here" is the text; a
	 * quote line is "> q" (depth 1) */
	assert_string_equal(buf_str(&out), " >From here\n From there\n   >x\n\n> q\n");
	buf_free(&out);
	free(t);
	/* a plain "> a" line stays a quote, one space before '>' is the
	 * escape and goes */
	flow("> a\n >b\n  >c\n", "> a\n >b\n  >c\n");
}

static void test_flow_convert_roundtrip(void **state)
{
	char *t = conv(MARKUP_BBCODE, "[quote=Bob]From the start[/quote]\nFrom me", NULL);
	struct buf out = BUF_INIT;
	text_flow(t, strlen(t), 72, &out);
	assert_string_equal(buf_str(&out), "Bob wrote:\n> From the start\n\n From me\n");
	buf_free(&out);
	free(t);
}

/* A post with footnotes (one URL twice), an image whose URL needs
 * cleaning, a quote and code: every scratch buffer of the writer in use. */
static const char scratch_post[] =
	"<p>See <a href=\"http://a.example/1\">one</a>, <a href=\" http://b.example/ 2 \">two</a>"
	" and <a href=\"http://a.example/1\">one again</a>.</p>"
	"<img alt=\" a  cat \" src=\" http://c.example/cat.png \">"
	"<blockquote><cite>Ann wrote:</cite>quoted &amp; more</blockquote><pre>x = 1;\n</pre>";
static const char scratch_want[] = "See one[1], two[2] and one again[1].\n"
				   "\n"
				   "[image: a cat] <http://c.example/cat.png>\n"
				   "\n"
				   "Ann wrote:\n"
				   "> quoted & more\n"
				   "\n"
				   "x = 1;\n"
				   "\n"
				   "[1] http://a.example/1\n"
				   "[2] http://b.example/ 2\n";

static void test_scratch_reuse(void **state)
{
	/* the same post before and after others gives the same text */
	check(MARKUP_HTML, scratch_post, scratch_want);
	check(MARKUP_HTML, "<p>short</p>", "short\n");
	check(MARKUP_BBCODE, "[url=http://d.example/]d[/url] &amp;",
	      "d[1] &\n\n[1] http://d.example/\n");
	check(MARKUP_HTML, scratch_post, scratch_want);
	check(MARKUP_TEXT, "", "");
}

static void test_scratch_nesting(void **state)
{
	/* more than the pool holds, put back out of order, then taken again */
	struct buf *b[40];
	char want[32];
	for (int i = 0; i < 40; i++) {
		b[i] = buf_scratch();
		assert_int_equal(b[i]->len, 0);
		assert_string_equal(buf_str(b[i]), "");
		snprintf(want, sizeof want, "buffer %d", i);
		buf_adds(b[i], want);
	}
	for (int i = 0; i < 40; i++) {
		snprintf(want, sizeof want, "buffer %d", i);
		assert_string_equal(buf_str(b[i]), want);
	}
	for (int i = 0; i < 40; i += 2)
		buf_scratch_put(b[i]);
	for (int i = 1; i < 40; i += 2)
		buf_scratch_put(b[i]);
	for (int i = 0; i < 40; i++) {
		b[i] = buf_scratch();
		assert_string_equal(buf_str(b[i]), "");
	}
	for (int i = 39; i >= 0; i--)
		buf_scratch_put(b[i]);
	buf_scratch_put(NULL);
}

static void *convert_many(void *arg)
{
	int *ok = arg;
	*ok = 1;
	for (int i = 0; i < 200 && *ok; i++) {
		struct buf out = BUF_INIT;
		text_convert(MARKUP_HTML, scratch_post, strlen(scratch_post), &out, NULL);
		*ok = strcmp(buf_str(&out), scratch_want) == 0;
		buf_free(&out);
	}
	return NULL;
}

static void test_scratch_threads(void **state)
{
	/* each thread has its own scratch buffers */
	pthread_t t[4];
	int ok[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, convert_many, &ok[i]), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_true(ok[i]);
	}
}

/* ---- block scans (bytes.h) at every offset ---- */

/* A copy of s[0..n) in a block of exactly n bytes, so that ASan sees any
 * read past the end. */
static char *exact(const char *s, size_t n)
{
	char *p = malloc(n > 0 ? n : 1);
	assert_non_null(p);
	if (n > 0)
		memcpy(p, s, n);
	return p;
}

static int html_special(unsigned char c)
{
	return c == '<' || c == '&' || c >= 0x80 ||
	       (c < 0x20 && c != '\t' && c != '\n' && c != '\r');
}

static int not_printable(unsigned char c)
{
	return c < 0x20 || c > 0x7E;
}

/* A skip result r is right if no byte before r is special and, with SSE2,
 * r is the first special byte or within `tail` bytes of the end. */
static void check_skip(const unsigned char *s, size_t n, size_t r,
		       int (*special)(const unsigned char *, size_t, size_t), size_t tail)
{
	size_t first = 0;
	while (first < n && !special(s, n, first))
		first++;
	assert_true(r <= first);
#if defined(__SSE2__)
	assert_true(r == first || n - r < tail);
#else
	(void)tail;
	assert_true(r == 0); /* the callers' own loops do it all */
#endif
}

static int sp_html(const unsigned char *s, size_t n, size_t i)
{
	(void)n;
	return html_special(s[i]);
}

static int sp_printable(const unsigned char *s, size_t n, size_t i)
{
	(void)n;
	return not_printable(s[i]);
}

/* tw_text's rule: a control byte, or a space not followed by a word byte */
static int sp_prose(const unsigned char *s, size_t n, size_t i)
{
	return s[i] < 0x20 || (s[i] == ' ' && (i + 1 >= n || s[i + 1] <= 0x20));
}

static void test_bytes_skip(void **state)
{
	static const unsigned char odd[] = {
		'<', '&',  0x00, 0x01, '\t', '\n', '\r', 0x1F,
		' ', 0x7F, 0x80, 0xA0, 0xBF, 0xC0, 0xC3, 0xFF,
	};
	unsigned char base[48];
	for (size_t i = 0; i < sizeof base; i++)
		base[i] = i % 6 == 5 ? ' ' : (unsigned char)('a' + i % 26);
	for (size_t n = 0; n <= 40; n++) {
		for (size_t pos = 0; pos <= 40; pos++) {
			for (size_t k = 0; k < sizeof odd; k++) {
				unsigned char buf[48];
				memcpy(buf, base, sizeof buf);
				if (pos < n)
					buf[pos] = odd[k];
				/* a second one after it: the first must win */
				if (pos + 3 < n)
					buf[pos + 3] = '<';
				unsigned char *s = (unsigned char *)exact((char *)buf, n);
				check_skip(s, n, bytes_skip_html_text(s, n), sp_html, 16);
				check_skip(s, n, bytes_skip_printable(s, n), sp_printable, 16);
				check_skip(s, n, bytes_skip_prose(s, n), sp_prose, 17);
				size_t cont = 0;
				for (size_t i = 0; i < n; i++)
					cont += (s[i] & 0xC0) == 0x80;
				assert_int_equal(bytes_count_cont(s, n), cont);
				free(s);
			}
		}
	}
	/* more than 255 blocks of continuation bytes: the byte counters are
	 * summed before they wrap */
	size_t big = 16 * 300 + 5;
	char *all = malloc(big);
	assert_non_null(all);
	memset(all, 0x80, big);
	assert_int_equal(bytes_count_cont(all, big), big);
	free(all);
}

/* bytes_skip_html_text_u8's stops: text_special bytes below 0x80 but TAB,
 * LF and CR, and lead bytes from ED on */
static int sp_html_u8(const unsigned char *s, size_t n, size_t i)
{
	(void)n;
	return s[i] >= 0xED || (s[i] < 0x80 && html_special(s[i]));
}

/* what the tidy pass does not keep as it is, walking from the start:
 * bytes other than printable ASCII, TAB and C3..DF + a continuation byte */
static size_t first_unkept(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		if ((s[i] >= 0x20 && s[i] < 0x7F) || s[i] == '\t')
			i++;
		else if (s[i] >= 0xC3 && s[i] <= 0xDF && i + 1 < n && (s[i + 1] & 0xC0) == 0x80)
			i += 2;
		else
			break;
	}
	return i;
}

static int sp_attr_quoted(const unsigned char *s, size_t n, size_t i)
{
	(void)n;
	return s[i] == '"' || s[i] == '\0' || s[i] == '&' || s[i] >= 0x80;
}

static int sp_attr_bare(const unsigned char *s, size_t n, size_t i)
{
	(void)n;
	return s[i] == '\0' || s[i] == '&' || s[i] >= 0x80 || s[i] == '>' || s[i] == ' ' ||
	       s[i] == '\t' || s[i] == '\n' || s[i] == '\r';
}

/* The scans added for the HTML text loop, the tidy pass, tw_text and
 * attribute values, on s[0..n). */
static void check_new_scans(const unsigned char *s, size_t n)
{
	int spaced = 0;
	size_t r = bytes_skip_html_text_u8(s, n, &spaced);
	check_skip(s, n, r, sp_html_u8, 17);
	/* spaced when what it passed needs collapsing */
	for (size_t i = 0; i < r; i++)
		if (s[i] == '\t' || s[i] == '\n' || s[i] == '\r' ||
		    (s[i] == ' ' && i + 1 < n && s[i + 1] == ' '))
			assert_true(spaced);

	/* kept: may stop early only at a lead that ends a block (its
	 * continuation is in the next), and always on a character's start */
	size_t first = first_unkept(s, n), rk = bytes_skip_kept_text(s, n);
	assert_true(rk <= first);
#if defined(__SSE2__)
	int lead_last = rk % 16 == 15 && s[rk] >= 0xC3 && s[rk] <= 0xDF;
	assert_true(rk == first || n - rk < 16 || lead_last);
#endif
	size_t at = 0;
	while (at < rk)
		at += s[at] >= 0xC3 && s[at] <= 0xDF ? 2 : 1;
	assert_int_equal(at, rk);

	check_skip(s, n, bytes_skip_prose_all(s, n), sp_prose, 16);
	check_skip(s, n, bytes_skip_attr_value(s, n, '"'), sp_attr_quoted, 16);
	check_skip(s, n, bytes_skip_attr_value(s, n, 0), sp_attr_bare, 16);
}

/* check_new_scans with odd bytes, and pairs of them (two spaces, a
 * character split at a block's end), at every offset. */
static void test_bytes_skip_utf8(void **state)
{
	static const unsigned char odd[] = {
		'<',  '&',  0x00, 0x01, '\t', '\n', '\r', 0x0B, 0x1F, ' ',  '"',  '>',  0x7F, 0x80,
		0xA0, 0xBF, 0xC0, 0xC2, 0xC3, 0xDF, 0xE2, 0xEC, 0xED, 0xEF, 0xF0, 0xF4, 0xF8, 0xFF,
	};
	unsigned char base[72];
	for (size_t i = 0; i < sizeof base; i++)
		base[i] = i % 6 == 5 ? ' ' : (unsigned char)('a' + i % 26);
	/* "é" now and then, so that two-byte characters cross blocks */
	for (size_t i = 7; i + 1 < sizeof base; i += 11) {
		base[i] = 0xC3;
		base[i + 1] = 0xA9;
	}
	for (size_t n = 0; n <= 70; n++) {
		for (size_t pos = 0; pos <= 70; pos++) {
			for (size_t k = 0; k < sizeof odd * 3; k++) {
				unsigned char buf[72];
				memcpy(buf, base, sizeof buf);
				if (pos < n)
					buf[pos] = odd[k / 3];
				/* the byte after it: as it was, the same, or a
				 * continuation byte */
				if (pos + 1 < n && k % 3 > 0)
					buf[pos + 1] = k % 3 == 1 ? odd[k / 3] : 0xA9;
				unsigned char *s = (unsigned char *)exact((char *)buf, n);
				check_new_scans(s, n);
				free(s);
			}
		}
	}
}

/* base text with `ins` put in at every offset, through a converter, against
 * the same text with `repl` put in instead, whitespace runs collapsed and
 * ends trimmed (collapse) or trailing blanks trimmed (plain). */
static void every_offset(enum forum_markup m, const char *ins, const char *repl, int collapse,
			 const char *suffix, size_t nmax)
{
	const char *base = "abcd efgh ijkl mnop qrst uvwx yzab cdef ghij klmn "
			   "opqr stuv wxyz abcd efgh";
	for (size_t n = 0; n <= nmax; n++) {
		for (size_t pos = 0; pos <= n; pos++) {
			struct buf in = BUF_INIT, want = BUF_INIT, out = BUF_INIT;
			buf_add(&in, base, pos);
			buf_adds(&in, ins);
			buf_add(&in, base + pos, n - pos);
			buf_adds(&in, suffix);
			struct buf raw = BUF_INIT;
			buf_add(&raw, base, pos);
			buf_adds(&raw, repl);
			buf_add(&raw, base + pos, n - pos);
			/* the model */
			int sp = 0;
			for (size_t i = 0; i < raw.len; i++) {
				char c = raw.p[i];
				if (collapse && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
					sp = 1;
					continue;
				}
				if (sp && want.len > 0)
					buf_addc(&want, ' ');
				sp = 0;
				buf_addc(&want, c);
			}
			while (want.len > 0 &&
			       (want.p[want.len - 1] == ' ' || want.p[want.len - 1] == '\t'))
				buf_truncate(&want, want.len - 1);
			if (want.len > 0)
				buf_addc(&want, '\n');
			char *s = exact(in.p, in.len);
			assert_int_equal(text_convert(m, s, in.len, &out, NULL), 0);
			assert_string_equal(buf_str(&out), buf_str(&want));
			free(s);
			buf_free(&in);
			buf_free(&raw);
			buf_free(&want);
			buf_free(&out);
		}
	}
}

static void check_every_offset(enum forum_markup m, const char *ins, const char *repl, int collapse)
{
	every_offset(m, ins, repl, collapse, "", 40);
}

/* The same with the text ended by a tag, not the input: the HTML loop's
 * block scan then sees the whole run, and the text node may be marked as
 * needing no collapsing (tw_text_collapsed) */
static void check_every_offset_tag(const char *ins, const char *repl)
{
	every_offset(MARKUP_HTML, ins, repl, 1, "<b></b>", 72);
}

static void test_scan_offsets(void **state)
{
	check_every_offset(MARKUP_HTML, "", "", 1);
	check_every_offset(MARKUP_HTML, "&amp;", "&", 1);
	check_every_offset(MARKUP_HTML, "\x01", "", 1);
	check_every_offset(MARKUP_HTML, "\xC3\xA9", "\xC3\xA9", 1);
	check_every_offset(MARKUP_HTML, "\xE2\x82\xAC", "\xE2\x82\xAC", 1);
	check_every_offset(MARKUP_HTML, "  ", " ", 1);
	check_every_offset(MARKUP_HTML, " \n", " ", 1);
	check_every_offset(MARKUP_HTML, "\t", " ", 1);
	check_every_offset(MARKUP_HTML, "<b>", "", 1);
	/* text nodes that need no collapsing take tw_text_collapsed():
	 * whitespace inside, spaces at their ends, met across tags and
	 * references */
	check_every_offset_tag("", "");
	check_every_offset_tag("  ", " ");
	check_every_offset_tag(" \n", " ");
	check_every_offset_tag("\t", " ");
	check_every_offset_tag("\r", " ");
	check_every_offset_tag(" <b> ", " ");
	check_every_offset_tag("<i> </i>", " ");
	check_every_offset_tag(" &amp; ", " & ");
	check_every_offset_tag(" &#32; ", " ");
	check_every_offset_tag("&#32;", " ");
	check_every_offset_tag("&#10;", " ");
	check_every_offset_tag(" \x01 ", " ");
	check_every_offset_tag(" <!-- c --> ", " ");
	/* markup that leaves no node: the text around it is one node, and
	 * its two spaces meet */
	check_every_offset_tag(" &#0; ", " ");
	check_every_offset_tag(" </x> ", " ");
	check_every_offset_tag(" <!DOCTYPE html> ", " ");
	check_every_offset_tag("\xC3\xA9", "\xC3\xA9");
	/* characters the HTML loop drops start with ED and above */
	check_every_offset_tag("\xED\xA0\x80", "");
	check_every_offset_tag("\xEF\xBF\xBF", "");
	check_every_offset_tag("\xF4\x90\x80\x80", "");
	check_every_offset_tag("\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80");
	check_every_offset_tag("\xEE\x80\x80", "\xEE\x80\x80");
	check_every_offset_tag("\xFF", "\xEF\xBF\xBD");
	check_every_offset_tag("\xC3", "\xEF\xBF\xBD");
	check_every_offset(MARKUP_TEXT, "", "", 0);
	check_every_offset(MARKUP_TEXT, "\x01", "", 0);
	check_every_offset(MARKUP_TEXT, "\x7F", "", 0);
	check_every_offset(MARKUP_TEXT, "\xFF", "\xEF\xBF\xBD", 0);
	check_every_offset(MARKUP_TEXT, "\xC3\xA9", "\xC3\xA9", 0);
	check_every_offset(MARKUP_TEXT, "\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80", 0);
}

/* Lines of 'x', single spaces and one 'é' at every offset, flowed at width
 * 20 (the characters are counted a block at a time), lose no byte. */
static void test_flow_offsets(void **state)
{
	for (size_t n = 0; n <= 40; n++) {
		for (size_t pos = 0; pos <= n; pos++) {
			struct buf in = BUF_INIT, out = BUF_INIT;
			for (size_t i = 0; i < n; i++)
				buf_adds(&in, i == pos ? "\xC3\xA9" : i % 7 == 6 ? " " : "x");
			char *s = exact(in.p, in.len);
			text_flow(s, in.len, 20, &out);
			/* unflowed: the soft breaks keep their space, so
			 * dropping the newlines gives the line back */
			struct buf back = BUF_INIT;
			for (size_t i = 0; i < out.len; i++)
				if (out.p[i] != '\n')
					buf_addc(&back, out.p[i]);
			size_t t = in.len;
			while (t > 0 && in.p[t - 1] == ' ')
				t--;
			size_t lead = 0;
			while (lead < t && in.p[lead] == ' ')
				lead++;
			/* a leading space is stuffed: one more */
			assert_int_equal(back.len, t + (lead > 0));
			free(s);
			buf_free(&in);
			buf_free(&out);
			buf_free(&back);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_blocks),
		cmocka_unit_test(test_html_whitespace),
		cmocka_unit_test(test_html_entities),
		cmocka_unit_test(test_html_script_style),
		cmocka_unit_test(test_html_links),
		cmocka_unit_test(test_html_images),
		cmocka_unit_test(test_html_code),
		cmocka_unit_test(test_html_lists),
		cmocka_unit_test(test_html_vb4_quote),
		cmocka_unit_test(test_html_vb3_quote),
		cmocka_unit_test(test_html_nested_quotes),
		cmocka_unit_test(test_html_outlook_reply),
		cmocka_unit_test(test_html_phpbb_quote),
		cmocka_unit_test(test_html_phpbb_quote_localized),
		cmocka_unit_test(test_html_discourse_quote),
		cmocka_unit_test(test_html_discourse_markup),
		cmocka_unit_test(test_html_table),
		cmocka_unit_test(test_html_garbage),
		cmocka_unit_test(test_html_deep),
		cmocka_unit_test(test_bb_inline),
		cmocka_unit_test(test_bb_links),
		cmocka_unit_test(test_bb_quotes),
		cmocka_unit_test(test_bb_deep_quotes),
		cmocka_unit_test(test_bb_code),
		cmocka_unit_test(test_bb_lists),
		cmocka_unit_test(test_bb_spoiler),
		cmocka_unit_test(test_bb_malformed),
		cmocka_unit_test(test_md_inline),
		cmocka_unit_test(test_md_blocks),
		cmocka_unit_test(test_md_discourse_quote),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_flow_wrap),
		cmocka_unit_test(test_flow_quoted),
		cmocka_unit_test(test_flow_stuffing),
		cmocka_unit_test(test_literal_gt_not_quote),
		cmocka_unit_test(test_flow_trailing),
		cmocka_unit_test(test_flow_long_word),
		cmocka_unit_test(test_flow_utf8),
		cmocka_unit_test(test_flow_convert_roundtrip),
		cmocka_unit_test(test_scratch_reuse),
		cmocka_unit_test(test_scratch_nesting),
		cmocka_unit_test(test_scratch_threads),
		cmocka_unit_test(test_bytes_skip),
		cmocka_unit_test(test_bytes_skip_utf8),
		cmocka_unit_test(test_scan_offsets),
		cmocka_unit_test(test_flow_offsets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
