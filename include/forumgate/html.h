/*
 * html: the one HTML parser of forumgate, for post bodies (text_html.c
 * walks its tree) and for whole forum pages (the board page parsers in
 * gateway/forum/). Implemented in gateway/article/html_tree.c (the parser)
 * and html_query.c (finding things in the tree, text, serializing).
 *
 * It reproduces the tree libxml2 2.9's recovering HTML parser builds for a
 * body (which is what text_html used before), at a fraction of the cost:
 * one pass over the input, no dictionary, no per-node malloc. See
 * html_tree.c for the rules and the few places where it differs.
 *
 * Besides the tree, the parser notes what the walk asks most: the id of
 * each known attribute name, the known classes of each element as bits,
 * and whether a text node's whitespace is already as a browser shows it.
 *
 * Memory: every node, attribute and string of a parse lives in the
 * html_doc (an arena plus one text store) and is freed by html_doc_free(),
 * which must be called on the thread that parsed (the store and the first
 * arena block are that thread's scratch buffers).
 */
#ifndef FORUMGATE_HTML_H
#define FORUMGATE_HTML_H

#include <stddef.h>

#include "forumgate/buf.h"

/* The tags the parser or the walk knows by name: libxml2's HTML 4 table,
 * listing/xmp (in its implied-end rules) and the HTML5 names text_html
 * treats as blocks or drops. Any other name is HT_UNKNOWN. */
/* clang-format off */
#define HTML_TAGS(X)                                                                        \
	X(A, "a") X(ABBR, "abbr") X(ACRONYM, "acronym") X(ADDRESS, "address")               \
	X(APPLET, "applet") X(AREA, "area") X(B, "b") X(BASE, "base")                       \
	X(BASEFONT, "basefont") X(BDO, "bdo") X(BIG, "big") X(BLOCKQUOTE, "blockquote")     \
	X(BODY, "body") X(BR, "br") X(BUTTON, "button") X(CAPTION, "caption")               \
	X(CENTER, "center") X(CITE, "cite") X(CODE, "code") X(COL, "col")                   \
	X(COLGROUP, "colgroup") X(DD, "dd") X(DEL, "del") X(DFN, "dfn") X(DIR, "dir")       \
	X(DIV, "div") X(DL, "dl") X(DT, "dt") X(EM, "em") X(EMBED, "embed")                 \
	X(FIELDSET, "fieldset") X(FONT, "font") X(FORM, "form") X(FRAME, "frame")           \
	X(FRAMESET, "frameset") X(H1, "h1") X(H2, "h2") X(H3, "h3") X(H4, "h4")             \
	X(H5, "h5") X(H6, "h6") X(HEAD, "head") X(HR, "hr") X(HTML, "html") X(I, "i")       \
	X(IFRAME, "iframe") X(IMG, "img") X(INPUT, "input") X(INS, "ins")                   \
	X(ISINDEX, "isindex") X(KBD, "kbd") X(LABEL, "label") X(LEGEND, "legend")           \
	X(LI, "li") X(LINK, "link") X(MAP, "map") X(MENU, "menu") X(META, "meta")           \
	X(NOFRAMES, "noframes") X(NOSCRIPT, "noscript") X(OBJECT, "object") X(OL, "ol")     \
	X(OPTGROUP, "optgroup") X(OPTION, "option") X(P, "p") X(PARAM, "param")             \
	X(PRE, "pre") X(Q, "q") X(S, "s") X(SAMP, "samp") X(SCRIPT, "script")               \
	X(SELECT, "select") X(SMALL, "small") X(SPAN, "span") X(STRIKE, "strike")           \
	X(STRONG, "strong") X(STYLE, "style") X(SUB, "sub") X(SUP, "sup")                   \
	X(TABLE, "table") X(TBODY, "tbody") X(TD, "td") X(TEXTAREA, "textarea")             \
	X(TFOOT, "tfoot") X(TH, "th") X(THEAD, "thead") X(TITLE, "title") X(TR, "tr")       \
	X(TT, "tt") X(U, "u") X(UL, "ul") X(VAR, "var") X(LISTING, "listing")               \
	X(XMP, "xmp") X(SECTION, "section") X(ARTICLE, "article") X(HEADER, "header")       \
	X(FOOTER, "footer") X(NAV, "nav") X(MAIN, "main") X(FIGURE, "figure")               \
	X(FIGCAPTION, "figcaption") X(DETAILS, "details") X(SUMMARY, "summary")             \
	X(ASIDE, "aside") X(TEMPLATE, "template") X(SVG, "svg")
/* clang-format on */

#define HTML_TAG_ENUM(id, name) HT_##id,
enum html_tag { HT_UNKNOWN = 0, HTML_TAGS(HTML_TAG_ENUM) HT_COUNT };
#undef HTML_TAG_ENUM

/* The attribute names the walk asks for, and a few other common ones:
 * known by id, and their name is not copied. Any other is HA_OTHER. */
/* clang-format off */
#define HTML_ATTRS(X)                                                                       \
	X(CLASS, "class") X(HREF, "href") X(ID, "id") X(SRC, "src") X(ALT, "alt")           \
	X(TITLE, "title") X(START, "start") X(DATA_SRC, "data-src")                         \
	X(DATA_POST_ID, "data-post-id") X(DATA_USERNAME, "data-username")                   \
	X(DATA_POST, "data-post") X(REL, "rel") X(STYLE, "style") X(TARGET, "target")       \
	X(WIDTH, "width") X(HEIGHT, "height") X(BORDER, "border") X(ALIGN, "align")         \
	X(CELLPADDING, "cellpadding") X(CELLSPACING, "cellspacing")
/* clang-format on */

#define HTML_ATTR_ENUM(id, name) HA_##id,
enum html_attr_id { HA_OTHER = 0, HTML_ATTRS(HTML_ATTR_ENUM) HA_COUNT };
#undef HTML_ATTR_ENUM

/* The class names the walk asks about. The parser notes which of them an
 * element's class attribute lists (struct html_node.classes), so asking
 * is a bit test rather than a split of the attribute each time. */
/* clang-format off */
#define HTML_CLASSES(X)                                                                     \
	X(CODEBOX, "codebox") X(OUTLOOK_HEADER, "OutlookMessageHeader")                     \
	X(SMALLFONT, "smallfont") X(ALT2, "alt2") X(BBCODE_DESCRIPTION, "bbcode_description") \
	X(BBCODE_POSTEDBY, "bbcode_postedby") X(BBCODE_QUOTE_CONTAINER, "bbcode_quote_container") \
	X(META, "meta") X(LIGHTBOX, "lightbox") X(BBCODE_QUOTE, "bbcode_quote")             \
	X(QUOTE, "quote") X(TITLE, "title")
/* clang-format on */

#define HTML_CLASS_ENUM(id, name) HC_##id,
enum html_class { HTML_CLASSES(HTML_CLASS_ENUM) HC_COUNT };
#undef HTML_CLASS_ENUM

enum html_node_type { HTML_ELEMENT, HTML_TEXT };

struct html_attr {
	const char *name;  /* lower case */
	const char *value; /* entities decoded; "" for a valueless attribute */
	struct html_attr *next;
	unsigned char id; /* enum html_attr_id of name */
};

struct html_node {
	struct html_node *parent, *next, *children, *last;
	const char *name;        /* element: lower-case tag name; NULL for text */
	const char *text;        /* text: the content (not NUL-terminated) */
	size_t len;              /* text: its length */
	struct html_attr *attrs; /* element: in source order */
	unsigned short tag;      /* element: enum html_tag */
	unsigned char type;      /* enum html_node_type */
	/* text: holds no byte below 0x20 and no two spaces in a row, so a
	 * browser collapses none of its whitespace but a space at either
	 * end (0 says nothing: the parser saw no need to find out) */
	unsigned char collapsed;
	/* element: bit 1u << c for each class c of enum html_class that its
	 * class attribute lists (split at SP, TAB, LF and CR; case matters) */
	unsigned int classes;
};

struct html_arena_block;

struct html_doc {
	struct html_node root;           /* the document; its children are elements */
	struct html_arena_block *blocks; /* nodes, attributes, attribute strings */
	char *text;                      /* text store, never reallocated */
	size_t text_len;
	/* per-thread scratch buffers (buf_scratch) that hold the text store
	 * and the first arena block: a parse usually allocates nothing */
	struct buf *text_scratch, *arena_scratch;
};

/* Parses src[0..len) as the content of a <body>. A whole page parses too:
 * its <html>, <head> and <body> tags are ignored as nested ones (the body is
 * already open), so <title>, <meta>, <base> and <link> become children of
 * the body like any other element and are found the same way and fills *d (which the
 * caller later frees with html_doc_free). Never fails: like a browser it
 * makes a tree of anything. Nesting depth is bounded only by memory; the
 * parser itself does not recurse. */
void html_parse(struct html_doc *d, const char *src, size_t len);

/* The first element of the document (the <html> element), or NULL. A
 * page with a stray </body> or </html> before its end has more top-level
 * nodes after it: page parsers search from &d->root, not from this. */
struct html_node *html_doc_root(struct html_doc *d);

void html_doc_free(struct html_doc *d);

/* ---- finding things in a tree (html_query.c) ----
 *
 * For page parsers: every function takes any node (element or text) and
 * NULL, and never changes the tree. Names and classes are compared as the
 * parser stores them: tag and attribute names lower case, classes and
 * values as written. */

/* n is an element (with tag `tag` unless HT_UNKNOWN; an element the parser
 * does not know is matched by name with html_is_named). */
int html_is(const struct html_node *n, enum html_tag tag);
int html_is_named(const struct html_node *n, const char *name);

/* The value of attribute `name` (lower case) of element n, or NULL. */
const char *html_attr(const struct html_node *n, const char *name);

/* Element n's class attribute lists `cls` (split at ASCII whitespace,
 * case-sensitive, as CSS does in standards mode). */
int html_has_class(const struct html_node *n, const char *cls);

/* Document-order walk of the subtree of root: the node after n (its first
 * child, else its next sibling, else an ancestor's next sibling below
 * root), or NULL at the end. html_skip goes on after n's subtree. */
struct html_node *html_next(const struct html_node *n, const struct html_node *root);
struct html_node *html_skip(const struct html_node *n, const struct html_node *root);

/* The first element in the subtree of root (root itself included) that
 * has tag `tag` (HT_UNKNOWN: any) and, when cls is not NULL, class cls;
 * html_find_after goes on after `from` (a node in that subtree, not
 * descending into it). NULL when none. */
struct html_node *html_find(const struct html_node *root, enum html_tag tag, const char *cls);
struct html_node *html_find_after(const struct html_node *root, const struct html_node *from,
				  enum html_tag tag, const char *cls);

/* The first element below root whose attribute `attr` equals value
 * exactly (html_find_attr(root, "id", "posts")), or, with prefix set,
 * begins with value ("post_message_"). */
struct html_node *html_find_attr(const struct html_node *root, const char *attr, const char *value,
				 int prefix);

/* The nearest ancestor of n (not n) with tag `tag` (HT_UNKNOWN: any) and
 * class cls (NULL: any), or NULL. */
struct html_node *html_ancestor(const struct html_node *n, enum html_tag tag, const char *cls);

/* Appends n's text as a browser shows it in one line: the text of its
 * subtree (script and style left out), every run of whitespace one space,
 * trimmed at both ends. Returns the number of bytes appended. */
size_t html_text(const struct html_node *n, struct buf *out);

/* The same, malloc'd (NULL only when out of memory). */
char *html_text_dup(const struct html_node *n);

/* Appends the HTML of n's children (outer = 0) or of n itself (outer = 1):
 * start and end tags with their attributes (values quoted, & < > " escaped),
 * text escaped, void elements without an end tag, comments dropped. What
 * the body parser then reads back is the same tree. */
void html_serialize(const struct html_node *n, int outer, struct buf *out);

#endif
