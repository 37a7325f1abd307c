/*
 * html_tree: tokenizer and tree builder for HTML post bodies.
 *
 * text_html used to parse with libxml2's htmlReadMemory (recovering,
 * "<body>" prepended). That cost ~135 instructions per input byte, most of
 * it in generic machinery we do not need (dictionary, SAX callbacks, a
 * malloc per node and per string). This file builds the same tree for the
 * same input, so the text written from it stays byte for byte the same:
 *
 *  - tokenizing follows libxml2 2.9.14: names are [A-Za-z_:.][A-Za-z0-9:_.-]*
 *    lower-cased; attribute values quoted with ' or ", unquoted, or absent;
 *    the first of duplicate attributes wins (found in linear time however
 *    many a tag has: see attr_set); "<" not followed by a letter
 *    is text, "</" not followed by a name is dropped; comments end at "-->"
 *    or "--!>" (unterminated ones swallow the rest); <?pi> ends at ">";
 *    <!DOCTYPE> anywhere is skipped; other "<!" is text; script and style
 *    hold raw text up to "</" + their name; a NUL byte ends the input
 *    except inside text, where it is a space; characters that are not XML
 *    Chars (controls, surrogates, > U+10FFFF) are dropped from text;
 *  - character references are libxml2's: "&#…" decimal or hex, an invalid
 *    value (0, surrogate, control, too large) gives nothing; named ones come
 *    from libxml2's own HTML 4 table (htmlEntityValueLookup, hashed once)
 *    and need their ';' - "&amp" or "&copy2024" stay as written;
 *  - tree building follows libxml2's rules, not HTML5's: its implied end
 *    tags (the start-tag/closes table below was measured from libxml2
 *    2.9.14 itself), its end-tag priorities (an end tag does not close an
 *    open div/td/tr/table… above its match), its void elements (embed,
 *    source, wbr are not void there and so are not here), stray end tags
 *    ignored, nested html/head/body start tags ignored, a "/>" closing any
 *    element, text directly in <html> (after a stray </body>) getting an
 *    implied <p>, and everything after a stray </html> lost;
 *  - text nodes merge like libxml2's, except across a comment or PI.
 *
 * Known differences (none changes realistic forum text): boolean
 * attributes without a value read "" here, not their own name; invalid
 * UTF-8 inside attribute values is taken as Latin-1 byte by byte (libxml2
 * may switch the rest of the document to Latin-1 then); tag and attribute
 * names longer than 100 bytes are cut like libxml2 cuts them but the rest
 * is skipped as junk.
 *
 * Cost, per post: character data is scanned 16 bytes at a time (SSE2,
 * bytes.h) up to '<', '&', a control or a lead byte from ED on (the only
 * characters the loop drops start with one), so é or € do not end a run;
 * the same scan notes whether the run has whitespace a browser collapses,
 * and a text node without any is marked `collapsed`, which spares the
 * writer its own scan. Tag, attribute and class names are looked up by
 * their first 8 bytes taken as one number (name_table); the attribute
 * names the walk asks for get an id and are not copied, and the classes
 * it asks about become bits of the element, so the walk compares numbers
 * instead of strings.
 *
 * Memory: nodes, attributes and attribute strings come from a bump arena
 * of a few blocks; all text lives in one store of the input's size (text
 * never grows when decoded). The store, the first arena block and the open
 * element stack are per-thread scratch buffers (buf_scratch) kept from the
 * last parse, so a usual post's parse calls malloc not at all. The open
 * element stack is an explicit array: hostile nesting costs memory, not C
 * stack.
 */
#include "forumgate/html.h"

#include <libxml/HTMLparser.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "forumgate/buf.h"

#include "bytes.h"

#define NAME_MAX_LEN 100 /* libxml2's HTML_PARSER_BUFFER_SIZE */

/* ---- tables ---- */

#define HTML_TAG_NAME(id, name) name,
static const char *const tag_names[HT_COUNT] = {"", HTML_TAGS(HTML_TAG_NAME)};
#undef HTML_TAG_NAME

/* A start tag of `tag` closes an open element of each listed tag while it
 * is the current one (libxml2's htmlStartClose, measured). */
static const struct {
	enum html_tag tag;
	const char *closes;
} start_close[] = {
	{HT_A, "a"},
	{HT_ADDRESS, "p ul"},
	{HT_BLOCKQUOTE, "p"},
	{HT_BODY, "p style title link"},
	{HT_CAPTION, "p"},
	{HT_CENTER, "b font i p"},
	{HT_COL, "caption p"},
	{HT_COLGROUP, "caption colgroup p"},
	{HT_DD, "address dir dt menu p pre listing xmp"},
	{HT_DIR, "p"},
	{HT_DIV, "p"},
	{HT_DL, "address dir dt menu p pre listing xmp"},
	{HT_DT, "address dd dir menu p pre listing xmp"},
	{HT_FIELDSET, "a h1 h2 h3 h4 h5 h6 legend p pre listing xmp"},
	{HT_FORM, "address dir dl form h1 h2 h3 h4 h5 h6 menu ol p pre ul listing xmp"},
	{HT_FRAMESET, "p style title link"},
	{HT_H1, "p"},
	{HT_H2, "p"},
	{HT_H3, "p"},
	{HT_H4, "p"},
	{HT_H5, "p"},
	{HT_H6, "p"},
	{HT_HEAD, "p"},
	{HT_HR, "p"},
	{HT_LI, "address dl h1 h2 h3 h4 h5 h6 li p pre listing xmp"},
	{HT_MENU, "p ul"},
	{HT_NOSCRIPT, "script"},
	{HT_OL, "p ul"},
	{HT_OPTGROUP, "option"},
	{HT_OPTION, "option"},
	{HT_P, "b big h1 h2 h3 h4 h5 h6 i p s small strike tt u"},
	{HT_PRE, "p ul"},
	{HT_TABLE, "a h1 h2 h3 h4 h5 h6 p pre listing xmp"},
	{HT_TBODY, "caption colgroup p tbody td tfoot th thead tr"},
	{HT_TD, "a b font i p span td th u"},
	{HT_TFOOT, "caption colgroup p tbody td th thead tr"},
	{HT_TH, "a b font i p span td th u"},
	{HT_THEAD, "caption colgroup"},
	{HT_TITLE, "p"},
	{HT_TR, "caption colgroup p td th tr"},
	{HT_UL, "address dir menu ol p pre listing xmp"},
	{HT_LISTING, "p"},
	{HT_XMP, "p"},
};

/* Start tags that close an open <head> (only open after a stray </body>). */
static const char head_closers[] =
	"a abbr acronym address b bdo big blockquote body br center cite code dd dfn dir div "
	"dl dt em fieldset font form frameset h1 h2 h3 h4 h5 h6 hr i iframe img kbd li map "
	"menu ol p pre q s samp small span strike strong sub sup table tt u ul var listing xmp";

#define TAG_WORDS ((HT_COUNT + 63) / 64)

static uint64_t closes[HT_COUNT][TAG_WORDS];
static unsigned char tag_empty[HT_COUNT];
static unsigned char tag_prio[HT_COUNT];

#define HTML_ATTR_NAME(id, name) name,
static const char *const attr_names[HA_COUNT] = {"", HTML_ATTRS(HTML_ATTR_NAME)};
#undef HTML_ATTR_NAME

#define HTML_CLASS_NAME(id, name) name,
static const char *const class_names[HC_COUNT] = {HTML_CLASSES(HTML_CLASS_NAME)};
#undef HTML_CLASS_NAME

/* A table of names (tags, attribute names, class names) looked up by
 * their first 8 bytes taken as one number, the key: a lookup is a
 * multiply, usually one compare of two numbers and no loop over the
 * bytes. Open addressing; slot values are 1 + the index in names[]. */
#define NAME_SLOTS 512
struct name_table {
	const char *const *names;
	size_t count;
	int fold; /* keys folded to lower case (tag and attribute names) */
	unsigned char slot[NAME_SLOTS];
	unsigned char len[128];
	uint64_t key[128];  /* bytes 0..7 */
	uint64_t key2[128]; /* bytes 8..15 of a longer name */
};

static struct name_table tag_table = {tag_names + 1, HT_COUNT - 1, 1, {0}, {0}, {0}, {0}};
static struct name_table attr_table = {attr_names + 1, HA_COUNT - 1, 1, {0}, {0}, {0}, {0}};
static struct name_table class_table = {class_names, HC_COUNT, 0, {0}, {0}, {0}, {0}};

_Static_assert(HT_COUNT <= 128 && HA_COUNT <= 128 && HC_COUNT <= 32,
	       "name tables hold 127 names; classes fit an unsigned int");

/* Byte classes of names (libxml2's): what starts a tag or attribute name,
 * what continues one, and what continues a peeked start tag name. */
enum { NAME_START = 1, NAME_CHAR = 2, PEEK_CHAR = 4 };
static unsigned char name_class[256];

#define ENT_SLOTS 1024
static struct {
	const char *name;
	unsigned int value;
} ent_slot[ENT_SLOTS];

static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static unsigned char lc(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static unsigned int name_hash(const unsigned char *s, size_t n)
{
	unsigned int h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 16777619u;
	return h;
}

/* Whether s[0..n) is the lower-case name, ignoring the case of s: by hand
 * because names are short and strncasecmp's call cost more than this. */
static int tag_name_is(const char *name, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (name[i] != (char)lc((unsigned char)s[i]))
			return 0;
	return 1;
}

/* The key of the name s[0..n) (n > 0; end bounds what may be read): its
 * first 8 bytes as a number, the rest zero. Folded, each byte gets 0x20
 * set: that lower-cases letters and leaves digits, '-', '.' and ':' as
 * they are, so among name characters only the case of letters is lost
 * ('_' becomes DEL, which no listed name has). The same bytes give the
 * same key whatever the byte order, as the table keys are made here too. */
static inline uint64_t name_key(const char *s, size_t n, const char *end, int fold)
{
	static const unsigned char ones[16] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
	size_t m = n < 8 ? n : 8;
	uint64_t mask = bytes_load8(ones + 8 - m), k;

	if (end - s >= 8) {
		k = bytes_load8(s) & mask;
	} else {
		unsigned char b[8] = {0};
		memcpy(b, s, m);
		k = bytes_load8(b);
	}
	return fold ? k | (mask & (0x20 * BYTES_ONES)) : k;
}

static unsigned int name_slot(uint64_t key, size_t n)
{
	return (unsigned int)(((key ^ n) * 0x9E3779B97F4A7C15ULL) >> 55) % NAME_SLOTS;
}

/* Whether s[8..n) is the rest of name i of t (the key held the start):
 * bytes 8..15 are a second key, any beyond are compared. Kept out of line
 * so that name_lookup() stays small enough to inline. */
__attribute__((noinline)) static int name_tail_is(const struct name_table *t, unsigned int i,
						  const char *s, size_t n, const char *end)
{
	if (name_key(s + 8, n - 8, end, t->fold) != t->key2[i])
		return 0;
	if (n <= 16)
		return 1;
	const char *name = t->names[i - 1] + 16;
	return t->fold ? tag_name_is(name, s + 16, n - 16) : memcmp(name, s + 16, n - 16) == 0;
}

/* 1 + the index of the name s[0..n) in t, or 0. */
static inline unsigned int name_lookup(const struct name_table *t, const char *s, size_t n,
				       const char *end)
{
	uint64_t key = name_key(s, n, end, t->fold);
	for (unsigned int h = name_slot(key, n);; h = (h + 1) % NAME_SLOTS) {
		unsigned int i = t->slot[h];
		if (i == 0)
			return 0;
		if (t->key[i] == key && t->len[i] == n && (n <= 8 || name_tail_is(t, i, s, n, end)))
			return i;
	}
}

static void name_table_init(struct name_table *t)
{
	for (size_t i = 1; i <= t->count; i++) {
		const char *name = t->names[i - 1];
		size_t n = strlen(name);
		t->len[i] = (unsigned char)n;
		t->key[i] = name_key(name, n, name + n, t->fold);
		if (n > 8)
			t->key2[i] = name_key(name + 8, n - 8, name + n, t->fold);
		unsigned int h = name_slot(t->key[i], n);
		while (t->slot[h] != 0)
			h = (h + 1) % NAME_SLOTS;
		t->slot[h] = (unsigned char)i;
	}
}

static enum html_tag tag_by_name(const char *s, size_t n, const char *end)
{
	return (enum html_tag)name_lookup(&tag_table, s, n, end);
}

static void tables_init(void)
{
	name_table_init(&tag_table);
	name_table_init(&attr_table);
	name_table_init(&class_table);
	for (int c = 0; c < 256; c++) {
		int letter = (c | 32) >= 'a' && (c | 32) <= 'z';
		int digit = c >= '0' && c <= '9';
		if (letter || c == '_' || c == ':' || c == '.')
			name_class[c] |= NAME_START;
		if (letter || digit || c == ':' || c == '-' || c == '_' || c == '.')
			name_class[c] |= NAME_CHAR;
		if (letter || digit || c == ':' || c == '-' || c == '_')
			name_class[c] |= PEEK_CHAR;
	}
	for (int t = 0; t < HT_COUNT; t++)
		tag_prio[t] = 100;
	static const enum html_tag empty[] = {HT_AREA,  HT_BASE, HT_BASEFONT, HT_BR,    HT_COL,
					      HT_FRAME, HT_HR,   HT_IMG,      HT_INPUT, HT_ISINDEX,
					      HT_LINK,  HT_META, HT_PARAM};
	for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++)
		tag_empty[empty[i]] = 1;
	tag_prio[HT_DIV] = 150;
	tag_prio[HT_TD] = tag_prio[HT_TH] = 160;
	tag_prio[HT_TR] = 170;
	tag_prio[HT_THEAD] = tag_prio[HT_TBODY] = tag_prio[HT_TFOOT] = 180;
	tag_prio[HT_TABLE] = 190;
	tag_prio[HT_HEAD] = tag_prio[HT_BODY] = 200;
	tag_prio[HT_HTML] = 220;
	for (size_t i = 0; i < sizeof start_close / sizeof start_close[0]; i++) {
		const char *s = start_close[i].closes;
		while (*s) {
			size_t l = strcspn(s, " ");
			enum html_tag old = tag_by_name(s, l, s + l);
			closes[start_close[i].tag][old / 64] |= (uint64_t)1 << (old % 64);
			s += l;
			s += *s == ' ';
		}
	}
	for (const char *h = head_closers; *h;) {
		size_t l = strcspn(h, " ");
		enum html_tag t = tag_by_name(h, l, h + l);
		closes[t][HT_HEAD / 64] |= (uint64_t)1 << (HT_HEAD % 64);
		h += l;
		h += *h == ' ';
	}
	/* libxml2's entity table, enumerated through its value lookup (a
	 * linear scan each: its HTML 4 table ends at U+2666 &diams;) */
	for (unsigned int v = 1; v < 0x2700; v++) {
		const htmlEntityDesc *e = htmlEntityValueLookup(v);
		if (e == NULL || e->value != v)
			continue;
		unsigned int h = name_hash((const unsigned char *)e->name, strlen(e->name)) %
				 ENT_SLOTS;
		while (ent_slot[h].name != NULL)
			h = (h + 1) % ENT_SLOTS;
		ent_slot[h].name = e->name;
		ent_slot[h].value = e->value;
	}
}

/* The value of the named entity s[0..n) (case-sensitive), or 0. */
static unsigned int entity_value(const char *s, size_t n)
{
	for (unsigned int h = name_hash((const unsigned char *)s, n) % ENT_SLOTS;;
	     h = (h + 1) % ENT_SLOTS) {
		if (ent_slot[h].name == NULL)
			return 0;
		if (strncmp(ent_slot[h].name, s, n) == 0 && ent_slot[h].name[n] == '\0')
			return ent_slot[h].value;
	}
}

/* Byte classes for the text fast path: 0 = copy as is. */
static const unsigned char text_special[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, /* NUL, controls */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, ['&'] = 1, ['<'] = 1, [0x80] = 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,         1,         1,          1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,         1,         1,          1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,         1,         1,          1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,         1,         1,          1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,         1,         1,          1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,         1,         1,          1,
};

/* ---- arena ---- */

struct html_arena_block {
	struct html_arena_block *next;
	size_t used, size;
	max_align_t data[];
};

/* A new block for arena_alloc(), twice the last one's size at least. */
static void *arena_grow(struct html_doc *d, size_t n)
{
	struct html_arena_block *b = d->blocks;
	size_t size = b ? b->size * 2 : 8192;
	while (size < n)
		size *= 2;
	struct html_arena_block *nb = xmalloc(sizeof *nb + size);
	nb->next = b;
	nb->used = n;
	nb->size = size;
	d->blocks = nb;
	return nb->data;
}

/* Inline: every node, attribute and name comes from here. */
static inline void *arena_alloc(struct html_doc *d, size_t n)
{
	n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	struct html_arena_block *b = d->blocks; /* never NULL: see html_parse */
	if (b->size - b->used < n)
		return arena_grow(d, n);
	void *p = (char *)b->data + b->used;
	b->used += n;
	return p;
}

/* Gives back the end of p, the last allocation (of `had` bytes), keeping
 * `keep` bytes. */
static void arena_shrink(struct html_doc *d, void *p, size_t had, size_t keep)
{
	const size_t a = sizeof(max_align_t);
	struct html_arena_block *b = d->blocks;
	had = (had + a - 1) & ~(a - 1);
	keep = (keep + a - 1) & ~(a - 1);
	if ((char *)p + had == (char *)b->data + b->used)
		b->used -= had - keep;
}

/* ---- the builder ---- */

struct builder {
	struct html_doc *d;
	const char *p, *end;
	struct html_node **stack; /* open elements, libxml2's name stack */
	size_t n, cap;
	struct buf *stack_mem; /* scratch buffer that holds stack */
	int html;              /* libxml2's ctxt->html: 3 once head, 10 once body opened */
	int depth;             /* ignored html/head/body start tags not yet ended */
	int no_merge;          /* a comment or PI since the last text */
	int dtd;               /* a DOCTYPE was seen */
};

static int is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_letter(unsigned char c)
{
	return (c | 32) >= 'a' && (c | 32) <= 'z';
}

static int is_name_char(unsigned char c)
{
	return is_letter(c) || (c >= '0' && c <= '9') || c == ':' || c == '-' || c == '_' ||
	       c == '.';
}

/* libxml2's IS_CHAR_CH: what a tag may contain before it is cut short. */
static int is_char_ch(unsigned char c)
{
	return c >= 0x20 || c == '\t' || c == '\n' || c == '\r';
}

static int is_xml_char(unsigned long c)
{
	return (c >= 0x20 && c <= 0xD7FF) || c == 0x9 || c == 0xA || c == 0xD ||
	       (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

static int at_end(const struct builder *b)
{
	return b->p >= b->end || *b->p == '\0';
}

static struct html_node *top(const struct builder *b)
{
	return b->n > 0 ? b->stack[b->n - 1] : NULL;
}

static int top_is(const struct builder *b, enum html_tag t)
{
	return b->n > 0 && b->stack[b->n - 1]->tag == t;
}

static void append_child(struct html_node *parent, struct html_node *k)
{
	k->parent = parent;
	if (parent->last != NULL)
		parent->last->next = k;
	else
		parent->children = k;
	parent->last = k;
}

static struct html_node *push(struct builder *b, enum html_tag tag, const char *name,
			      struct html_attr *attrs)
{
	struct html_node *k = arena_alloc(b->d, sizeof *k);
	memset(k, 0, sizeof *k);
	k->type = HTML_ELEMENT;
	k->tag = (unsigned short)tag;
	k->name = name;
	k->attrs = attrs;
	/* with nothing open (after a stray </html>) libxml2 adds to the
	 * document's first child: the first <html>, or once a DOCTYPE was
	 * seen its DTD node, which puts the element beside the root (lost) */
	struct html_node *parent = &b->d->root;
	if (b->n > 0)
		parent = b->stack[b->n - 1];
	else if (b->d->root.children != NULL && !b->dtd)
		parent = b->d->root.children;
	append_child(parent, k);
	if (b->n == b->cap) {
		/* stack_mem->len stays 0: its whole allocation is the array */
		buf_reserve(b->stack_mem, (b->cap ? b->cap * 2 : 64) * sizeof *b->stack);
		b->stack = (struct html_node **)(void *)b->stack_mem->p;
		b->cap = (b->stack_mem->cap - 1) / sizeof *b->stack;
	}
	b->stack[b->n++] = k;
	if (tag == HT_HEAD && b->html < 3)
		b->html = 3;
	if (tag == HT_BODY && b->html < 10)
		b->html = 10;
	b->no_merge = 0;
	return k;
}

static int same_name(const struct html_node *k, enum html_tag tag, const char *name)
{
	return k->tag == tag && (tag != HT_UNKNOWN || strcmp(k->name, name) == 0);
}

static void autoclose(struct builder *b, enum html_tag tag)
{
	while (b->n > 0) {
		unsigned int old = b->stack[b->n - 1]->tag;
		if (!(closes[tag][old / 64] & ((uint64_t)1 << (old % 64))))
			break;
		b->n--;
	}
}

/* libxml2's htmlCheckImplied, for a body-only document. */
static void check_implied(struct builder *b, enum html_tag tag)
{
	if (tag == HT_HTML)
		return;
	if (b->n == 0)
		push(b, HT_HTML, tag_names[HT_HTML], NULL);
	if (tag == HT_BODY || tag == HT_HEAD)
		return;
	if (b->n <= 1 && (tag == HT_SCRIPT || tag == HT_STYLE || tag == HT_META || tag == HT_LINK ||
			  tag == HT_TITLE || tag == HT_BASE)) {
		if (b->html >= 3)
			return;
		push(b, HT_HEAD, tag_names[HT_HEAD], NULL);
	} else if (tag != HT_NOFRAMES && tag != HT_FRAME && tag != HT_FRAMESET) {
		if (b->html >= 10)
			return;
		for (size_t i = 0; i < b->n; i++)
			if (b->stack[i]->tag == HT_BODY || b->stack[i]->tag == HT_HEAD)
				return;
		push(b, HT_BODY, tag_names[HT_BODY], NULL);
	}
}

/* Text directly in <html> or <head>, or with nothing open, gets a <p>. */
static void check_paragraph(struct builder *b)
{
	struct html_node *t = top(b);
	if (t == NULL || t->tag == HT_HTML || t->tag == HT_HEAD) {
		autoclose(b, HT_P);
		check_implied(b, HT_P);
		push(b, HT_P, tag_names[HT_P], NULL);
	}
}

/* Attaches d->text[from..to) to the current element, merging with a text
 * node written just before. collapsed: the text holds no whitespace a
 * browser collapses (see struct html_node). */
static void add_text(struct builder *b, size_t from, size_t to, int collapsed)
{
	if (from == to || b->n == 0)
		return;
	struct html_node *parent = b->stack[b->n - 1];
	struct html_node *last = parent->last;
	if (last != NULL && last->type == HTML_TEXT && !b->no_merge &&
	    last->text + last->len == b->d->text + from) {
		/* the two may meet in two spaces */
		last->collapsed = last->collapsed && collapsed &&
				  !(b->d->text[from - 1] == ' ' && b->d->text[from] == ' ');
		last->len += to - from;
		return;
	}
	struct html_node *k = arena_alloc(b->d, sizeof *k);
	memset(k, 0, sizeof *k);
	k->type = HTML_TEXT;
	k->text = b->d->text + from;
	k->len = to - from;
	k->collapsed = (unsigned char)collapsed;
	append_child(parent, k);
	b->no_merge = 0;
}

static size_t put_utf8(char *o, unsigned long c)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xC0 | (c >> 6));
		o[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xE0 | (c >> 12));
		o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		o[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | ((c >> 18) & 0x07));
	o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	o[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/* Decodes the UTF-8 sequence at s the way libxml2's htmlCurrentChar does:
 * returns its length and the code point in *cp, or 0 when the byte starts
 * no valid sequence (libxml2 then takes the byte by itself). */
static size_t utf8_seq(const unsigned char *s, const unsigned char *end, unsigned long *cp)
{
	unsigned char c = s[0];
	if ((c & 0x40) == 0 || end - s < 2 || (s[1] & 0xC0) != 0x80)
		return 0;
	if ((c & 0xE0) != 0xE0) {
		*cp = ((unsigned long)(c & 0x1F) << 6) | (s[1] & 0x3F);
		return *cp < 0x80 ? 0 : 2;
	}
	if (end - s < 3 || (s[2] & 0xC0) != 0x80)
		return 0;
	if ((c & 0xF0) != 0xF0) {
		*cp = ((unsigned long)(c & 0x0F) << 12) | ((unsigned long)(s[1] & 0x3F) << 6) |
		      (s[2] & 0x3F);
		return *cp < 0x800 ? 0 : 3;
	}
	if ((c & 0xF8) != 0xF0 || end - s < 4 || (s[3] & 0xC0) != 0x80)
		return 0;
	*cp = ((unsigned long)(c & 0x07) << 18) | ((unsigned long)(s[1] & 0x3F) << 12) |
	      ((unsigned long)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
	return *cp < 0x10000 ? 0 : 4;
}

/* How far libxml2's xmlNextChar() moves from the invalid sequence at s. */
static size_t next_char_len(const unsigned char *s, const unsigned char *end)
{
	unsigned char c = s[0];
	if (c == 0xC0 || end - s < 2 || (s[1] & 0xC0) != 0x80)
		return 1;
	if ((c & 0xE0) != 0xE0)
		return 2;
	if (end - s < 3 || (s[2] & 0xC0) != 0x80)
		return 1;
	if ((c & 0xF0) != 0xF0)
		return 3;
	if ((c & 0xF8) != 0xF0 || end - s < 4 || (s[3] & 0xC0) != 0x80)
		return 1;
	return 4;
}

/* "&#…" at b->p: libxml2's htmlParseCharRef. Returns the code point or 0. */
static unsigned long char_ref(struct builder *b)
{
	const char *p = b->p + 2;
	unsigned long v = 0;
	if (p < b->end && (*p == 'x' || *p == 'X')) {
		for (p++; p < b->end && *p != ';'; p++) {
			int dv = fg_hexval((unsigned char)*p);
			if (dv < 0)
				break;
			if (v < 0x110000)
				v = v * 16 + (unsigned long)dv;
		}
	} else {
		for (; p < b->end && *p != ';'; p++) {
			if (*p < '0' || *p > '9')
				break;
			if (v < 0x110000)
				v = v * 10 + (unsigned long)(*p - '0');
		}
	}
	if (p < b->end && *p == ';')
		p++;
	b->p = p;
	return is_xml_char(v) ? v : 0;
}

/* Length of the entity name at s (libxml2's htmlParseName, ASCII part). */
static size_t entity_name(const char *s, const char *end)
{
	const char *p = s;
	if (p >= end || !(is_letter((unsigned char)*p) || *p == '_' || *p == ':'))
		return 0;
	for (p++; p < end && is_name_char((unsigned char)*p); p++)
		;
	return (size_t)(p - s);
}

/* "&name;" at b->p, b->p + 1 < end: the value of a known entity followed by
 * ';' (b->p moved past it), else 0 (b->p unchanged). */
static unsigned int named_ref(struct builder *b)
{
	size_t n = entity_name(b->p + 1, b->end);
	if (n == 0 || b->p + 1 + n >= b->end || b->p[1 + n] != ';')
		return 0;
	unsigned int v = entity_value(b->p + 1, n);
	if (v != 0)
		b->p += n + 2;
	return v;
}

/* A '<' that starts no markup: text of its own. */
static void add_char(struct builder *b, char c)
{
	size_t from = b->d->text_len;
	b->d->text[b->d->text_len++] = c;
	add_text(b, from, b->d->text_len, 1);
	b->p++;
}

/* Character data and references up to the next '<' (or the end). */
static void text_run(struct builder *b)
{
	struct html_doc *d = b->d;
	struct html_node *t = top(b);
	int para = t == NULL || t->tag == HT_HTML || t->tag == HT_HEAD;
	/* each turn is one step of libxml2's content loop, where a NUL byte
	 * ends the document (inside character data it is a space) */
	while (b->p < b->end && *b->p != '<' && *b->p != '\0') {
		size_t from = d->text_len;
		int nonblank = 0;
		if (*b->p == '&') {
			unsigned long c;
			if (b->p + 1 < b->end && b->p[1] == '#') {
				c = char_ref(b);
				if (c == 0)
					continue;
			} else if ((c = named_ref(b)) == 0) {
				c = '&';
				b->p++;
			}
			d->text_len += put_utf8(d->text + d->text_len, c);
			if (para)
				check_paragraph(b);
			add_text(b, from, d->text_len, c > ' ');
			para = 0;
			continue;
		}
		/* a run of character data, ended by '<', '&' or the end;
		 * spaced: it may hold whitespace to collapse, as far as
		 * the SSE2 scan knows (bytes it did not see count) */
		const unsigned char *p = (const unsigned char *)b->p;
		const unsigned char *end = (const unsigned char *)b->end;
		char *o = d->text + d->text_len;
		int spaced = 0;
		while (p < end) {
			const unsigned char *s = p;
			for (;;) {
				/* 16 bytes at a time up to the first
				 * text_special byte below 0x80 or lead
				 * byte of a character that may be dropped
				 * (SSE2, see bytes.h), then 8 at a time
				 * while they are printable ASCII without
				 * '&' or '<' (all of text_special's zeros
				 * but TAB, LF and CR, which take the byte
				 * loop) */
				p += bytes_skip_html_text_u8(p, (size_t)(end - p), &spaced);
				const unsigned char *seen = p;
				while (end - p >= 8 && bytes_printable8(p) &&
				       !bytes_has(bytes_load8(p), '&') &&
				       !bytes_has(bytes_load8(p), '<'))
					p += 8;
				while (p < end && !text_special[*p])
					p++;
				spaced |= p != seen;
				/* a valid character that is an XML Char is
				 * copied as it is: it stays in the run */
				unsigned long cp;
				size_t l;
				/* the usual one, C2..DF and a continuation
				 * byte (U+0080..U+07FF), without the call */
				if (end - p >= 2 && *p >= 0xC2 && *p <= 0xDF &&
				    (p[1] & 0xC0) == 0x80) {
					p += 2;
					nonblank = 1;
					continue;
				}
				if (p < end && *p >= 0x80 && (l = utf8_seq(p, end, &cp)) != 0 &&
				    is_xml_char(cp)) {
					p += l;
					nonblank = 1;
					continue;
				}
				break;
			}
			if (para && !nonblank)
				for (const unsigned char *q = s; q < p; q++)
					nonblank |= !is_blank(*q);
			memcpy(o, s, (size_t)(p - s));
			o += p - s;
			if (p == end || *p == '<' || *p == '&')
				break;
			spaced = 1; /* a NUL's space, or a character dropped */
			if (*p == '\0') {
				*o++ = ' ';
				p++;
			} else if (*p < 0x80) {
				p++; /* a control character: not an XML Char */
			} else {
				unsigned long cp;
				size_t l = utf8_seq(p, end, &cp);
				if (l == 0) {
					*o++ = (char)*p++;
				} else {
					if (is_xml_char(cp)) {
						memcpy(o, p, l);
						o += l;
					}
					p += l;
				}
				nonblank = 1;
			}
		}
		b->p = (const char *)p;
		d->text_len = (size_t)(o - d->text);
		if (d->text_len == from)
			continue;
		/* libxml2 implies the <p> unless the run is blank and a tag or the
		 * end follows */
		if (para && (nonblank || (p < end && *p == '&')))
			check_paragraph(b);
		add_text(b, from, d->text_len, !spaced);
		para = 0;
	}
}

/* The content of script/style up to "</" + its name. */
static void raw_text(struct builder *b)
{
	const struct html_node *t = top(b);
	size_t nl = strlen(t->name);
	struct html_doc *d = b->d;
	size_t from = d->text_len;
	const char *p = b->p;
	while (p < b->end) {
		unsigned char c = (unsigned char)*p;
		if (c == '<' && p + 1 < b->end && p[1] == '/' && (size_t)(b->end - p - 2) >= nl &&
		    strncasecmp(p + 2, t->name, nl) == 0)
			break;
		if (c == '\0') {
			d->text[d->text_len++] = ' ';
		} else if (!is_char_ch(c)) {
			p++; /* libxml2 stops here and skips the character */
			break;
		} else {
			d->text[d->text_len++] = (char)c;
		}
		p++;
	}
	b->p = p;
	add_text(b, from, d->text_len, 0);
}

/* libxml2's htmlParseHTMLName: the length of the tag or attribute name at
 * b->p (cut at NAME_MAX_LEN), or 0 when there is none. */
static size_t name_len(const struct builder *b)
{
	const unsigned char *s = (const unsigned char *)b->p;
	const unsigned char *end = (const unsigned char *)b->end;
	if (s >= end || !(name_class[*s] & NAME_START))
		return 0;
	const unsigned char *lim = end - s > NAME_MAX_LEN ? s + NAME_MAX_LEN : end;
	const unsigned char *p = s + 1;
	while (p < lim && (name_class[*p] & NAME_CHAR))
		p++;
	return (size_t)(p - s);
}

/* The name s[0..n) lower-cased, copied into the arena. */
static const char *copy_name(struct builder *b, const char *s, size_t n)
{
	char *name = arena_alloc(b->d, n + 1);
	for (size_t i = 0; i < n; i++)
		name[i] = (char)lc((unsigned char)s[i]);
	name[n] = '\0';
	return name;
}

/* A tag name (see name_len), b->p moved past it: the static name of a
 * known tag, else a copy. NULL (b->p unchanged) when there is none. */
static const char *tag_name(struct builder *b, enum html_tag *tag)
{
	size_t n = name_len(b);
	if (n == 0)
		return NULL;
	const char *s = b->p;
	b->p += n;
	*tag = tag_by_name(s, n, b->end);
	return *tag != HT_UNKNOWN ? tag_names[*tag] : copy_name(b, s, n);
}

static inline void skip_blanks(struct builder *b)
{
	while (b->p < b->end && is_blank((unsigned char)*b->p))
		b->p++;
}

/* Whether c ends an attribute value that ends at `stop` (0: unquoted). */
static int value_end(unsigned char c, char stop)
{
	return c == '\0' || c == (unsigned char)stop || (stop == 0 && (c == '>' || is_blank(c)));
}

/* An attribute value (libxml2's htmlParseHTMLAttribute): up to `stop`, or
 * for stop == 0 up to a blank or '>'; a NUL or the end of the input ends
 * it too. Returns it NUL-terminated in the arena. */
static const char *att_value(struct builder *b, char stop)
{
	/* the common value, plain ASCII without references: copied as is */
	const char *p = b->p;
	p += bytes_skip_attr_value(p, (size_t)(b->end - p), stop);
	while (p < b->end && *p != '&' && (unsigned char)*p < 0x80 &&
	       !value_end((unsigned char)*p, stop))
		p++;
	if (p == b->end || value_end((unsigned char)*p, stop)) {
		size_t n = (size_t)(p - b->p);
		char *s = arena_alloc(b->d, n + 1);
		memcpy(s, b->p, n);
		s[n] = '\0';
		b->p = p;
		return s;
	}
	/* decoded straight into the arena: neither a reference nor a UTF-8
	 * sequence reaches past the byte that ends the value, and nothing
	 * grows more than twice (a byte taken as Latin-1) */
	const char *e = p;
	while (e < b->end && !value_end((unsigned char)*e, stop))
		e++;
	size_t room = 2 * (size_t)(e - b->p) + 1;
	char *s = arena_alloc(b->d, room), *o = s;
	int cut = 0; /* libxml2 writes &#0; as a NUL: the value ends there */
	while (b->p < b->end && !value_end((unsigned char)*b->p, stop)) {
		unsigned char c = (unsigned char)*b->p;
		char u[4];
		size_t ul;
		if (c == '&' && b->p + 1 < b->end && b->p[1] == '#') {
			unsigned long cp = char_ref(b);
			if (cp == 0)
				cut = 1;
			ul = put_utf8(u, cp);
		} else if (c == '&') {
			unsigned int v = named_ref(b);
			if (v == 0) {
				v = '&';
				b->p++;
			}
			ul = put_utf8(u, v);
		} else if (c < 0x80) {
			u[0] = (char)c;
			ul = 1;
			b->p++;
		} else {
			unsigned long cp;
			size_t l = utf8_seq((const unsigned char *)b->p,
					    (const unsigned char *)b->end, &cp);
			if (l == 0) {
				/* the byte as Latin-1, and libxml2 then steps over as
				 * many bytes as its xmlNextChar() thinks the sequence
				 * has */
				ul = put_utf8(u, c);
				b->p += next_char_len((const unsigned char *)b->p,
						      (const unsigned char *)b->end);
			} else {
				memcpy(u, b->p, l);
				ul = l;
				b->p += l;
			}
		}
		if (!cut) {
			memcpy(o, u, ul);
			o += ul;
		}
	}
	*o = '\0';
	arena_shrink(b->d, s, room, (size_t)(o - s) + 1);
	return s;
}

/* The enum html_class bits of a class attribute's value. */
static unsigned int class_bits(const char *v)
{
	unsigned int bits = 0;
	const char *end = v + strlen(v);
	for (;;) {
		while (is_blank((unsigned char)*v))
			v++;
		if (*v == '\0')
			return bits;
		const char *w = v;
		while (*v != '\0' && !is_blank((unsigned char)*v))
			v++;
		unsigned int c = name_lookup(&class_table, w, (size_t)(v - w), end);
		if (c != 0)
			bits |= 1u << (c - 1);
	}
}

/*
 * Duplicate attributes (the first wins) are found in time linear in the
 * tag, however many attributes it has: a tag with 200,000 of them took
 * minutes when each was compared with all before it. A known name is one
 * bit of `known`; the other names are compared one by one while there are
 * few (the usual tag, no allocation), and go into a hash set of their
 * names from OTHER_SCAN on, in a scratch buffer.
 */
#define OTHER_SCAN 8

struct attr_set {
	uint64_t known[2]; /* bit id of enum html_attr_id: seen */
	size_t nother;     /* HA_OTHER attributes kept so far */
	struct buf *slots; /* from OTHER_SCAN on: const char *[cap], NULL = free */
	size_t cap;
};

_Static_assert(HA_COUNT <= 128, "attr_set.known holds 128 ids");

static const char **set_slot(struct attr_set *set, const char *name)
{
	const char **slots = (const char **)(void *)set->slots->p;
	size_t mask = set->cap - 1;
	for (size_t i = name_hash((const unsigned char *)name, strlen(name)) & mask;;
	     i = (i + 1) & mask)
		if (slots[i] == NULL || strcmp(slots[i], name) == 0)
			return &slots[i];
}

/* Makes the set of other names 4 times as large as `want`, holding the
 * names of the kept attributes from `first` on. */
static void set_grow(struct attr_set *set, const struct html_attr *first, size_t want)
{
	size_t cap = 64;
	while (cap < 4 * want)
		cap *= 2;
	if (set->slots == NULL)
		set->slots = buf_scratch();
	buf_reset(set->slots);
	buf_reserve(set->slots, cap * sizeof(const char *));
	memset(set->slots->p, 0, cap * sizeof(const char *));
	set->cap = cap;
	for (const struct html_attr *a = first; a != NULL; a = a->next)
		if (a->id == HA_OTHER)
			*set_slot(set, a->name) = a->name;
}

/* Whether an attribute of this name was kept already; if not, it is noted
 * as kept (the caller keeps it). */
static int set_seen(struct attr_set *set, const struct html_attr *first, unsigned int id,
		    const char *name)
{
	if (id != HA_OTHER) {
		uint64_t bit = 1ull << (id % 64);
		if (set->known[id / 64] & bit)
			return 1;
		set->known[id / 64] |= bit;
		return 0;
	}
	if (set->nother < OTHER_SCAN) {
		for (const struct html_attr *a = first; a != NULL; a = a->next)
			if (a->id == HA_OTHER && strcmp(a->name, name) == 0)
				return 1;
	} else {
		if (set->cap == 0 || 2 * (set->nother + 1) > set->cap)
			set_grow(set, first, set->nother + 1);
		const char **slot = set_slot(set, name);
		if (*slot != NULL)
			return 1;
		*slot = name;
	}
	set->nother++;
	return 0;
}

/* The attributes of a start tag, b->p after its name; *classes gets the
 * class bits of its class attribute. */
static struct html_attr *attributes(struct builder *b, unsigned int *classes)
{
	struct html_attr *first = NULL, **tail = &first;
	struct attr_set set = {{0, 0}, 0, NULL, 0};
	*classes = 0;
	skip_blanks(b);
	while (b->p < b->end && *b->p != '\0' && *b->p != '>' &&
	       !(*b->p == '/' && b->p + 1 < b->end && b->p[1] == '>')) {
		const char *start = b->p;
		size_t n = name_len(b);
		if (n != 0) {
			unsigned int id = name_lookup(&attr_table, start, n, b->end);
			const char *name = id != HA_OTHER ? attr_names[id] : copy_name(b, start, n);
			const char *value = "";
			b->p += n;
			skip_blanks(b);
			if (b->p < b->end && *b->p == '=') {
				b->p++;
				skip_blanks(b);
				if (b->p < b->end && (*b->p == '"' || *b->p == '\'')) {
					char q = *b->p++;
					value = att_value(b, q);
					if (b->p < b->end && *b->p == q)
						b->p++;
				} else {
					value = att_value(b, 0);
				}
			}
			/* the first of duplicates wins; a known name has one id */
			if (!set_seen(&set, first, id, name)) {
				struct html_attr *a = arena_alloc(b->d, sizeof *a);
				a->name = name;
				a->value = value;
				a->next = NULL;
				a->id = (unsigned char)id;
				*tail = a;
				tail = &a->next;
				if (id == HA_CLASS)
					*classes = class_bits(value);
			}
		} else {
			/* junk: skipped up to a blank or the end of the tag */
			while (b->p < b->end && *b->p != '\0' && !is_blank((unsigned char)*b->p) &&
			       *b->p != '>' &&
			       !(*b->p == '/' && b->p + 1 < b->end && b->p[1] == '>'))
				b->p++;
		}
		skip_blanks(b);
		if (b->p == start)
			break;
	}
	if (set.slots != NULL)
		buf_scratch_put(set.slots);
	return first;
}

/* A start tag, b->p at '<' followed by a letter. */
static void start_tag(struct builder *b, enum html_tag known, size_t known_len)
{
	b->p++;
	enum html_tag tag;
	const char *name;
	if (known != HT_UNKNOWN) {
		/* peek_tag() found it already, and tag_name() would read the
		 * same name (see the caller) */
		tag = known;
		name = tag_names[known];
		b->p += known_len;
	} else {
		name = tag_name(b, &tag);
	}
	autoclose(b, tag);
	check_implied(b, tag);
	int discard = 0;
	if (tag == HT_HTML && b->n > 0)
		discard++;
	if (tag == HT_HEAD && b->n != 1)
		discard++;
	if (tag == HT_BODY)
		for (size_t i = 0; i < b->n; i++)
			discard += b->stack[i]->tag == HT_BODY;
	b->depth += discard;
	unsigned int classes;
	struct html_attr *attrs = attributes(b, &classes);
	if (!discard)
		push(b, tag, name, attrs)->classes = classes;
	/* what follows acts on the current element, which for an ignored
	 * html/head/body tag is whatever was open (as in libxml2) */
	struct html_node *cur = top(b);
	if (b->p + 1 < b->end && b->p[0] == '/' && b->p[1] == '>') {
		b->p += 2;
		if (cur != NULL)
			b->n--;
		return;
	}
	if (b->p < b->end && *b->p == '>') {
		b->p++;
		if (cur != NULL && tag_empty[cur->tag])
			b->n--;
		return;
	}
	/* the tag was cut short (NUL or the end) */
	if (cur != NULL)
		b->n--;
}

/* An end tag, b->p at "</". */
static void end_tag(struct builder *b)
{
	b->p += 2;
	enum html_tag tag;
	const char *name = tag_name(b, &tag);
	if (name == NULL)
		return;
	/* blanks and anything else up to '>' are skipped alike */
	while (b->p < b->end && *b->p != '\0' && *b->p != '>')
		b->p++;
	if (b->p < b->end && *b->p == '>')
		b->p++;
	if (b->depth > 0 && (tag == HT_HTML || tag == HT_BODY || tag == HT_HEAD)) {
		b->depth--;
		return;
	}
	size_t i = b->n;
	while (i > 0 && !same_name(b->stack[i - 1], tag, name))
		i--;
	if (i == 0)
		return;
	/* an end tag does not close elements of a higher priority than its own */
	for (size_t j = b->n; j > i; j--)
		if (tag_prio[b->stack[j - 1]->tag] > tag_prio[tag])
			return;
	b->n = i - 1;
}

/* "<!--", b->p at it: skipped through "-->" or "--!>", or to the end. */
static void comment(struct builder *b)
{
	const char *p = b->p + 4;
	for (;;) {
		p = memchr(p, '-', (size_t)(b->end - p));
		if (p == NULL || b->end - p < 3) {
			b->p = b->end;
			return;
		}
		if (p[1] == '-' &&
		    (p[2] == '>' || (p[2] == '!' && b->end - p >= 4 && p[3] == '>'))) {
			b->p = p + (p[2] == '>' ? 3 : 4);
			b->no_merge = 1;
			return;
		}
		p++;
	}
}

/* "<?", b->p at it: a processing instruction ends at '>'. */
static void pi(struct builder *b)
{
	const char *p = b->p + 2;
	b->p = p;
	if (p >= b->end ||
	    !(is_letter((unsigned char)*p) || *p == '_' || *p == ':' || (unsigned char)*p >= 0x80))
		return; /* not a PI: the rest is text */
	if (p + entity_name(p, b->end) >= b->end)
		return; /* libxml2 takes "<?name" at the very end as text too */
	while (p < b->end && *p != '>') {
		unsigned char c = (unsigned char)*p;
		if (c != '\0' && !is_char_ch(c)) {
			b->p = p; /* libxml2 gives up here */
			return;
		}
		p++;
	}
	b->p = p < b->end ? p + 1 : p;
	b->no_merge = 1;
}

static int prefix_ci(const struct builder *b, const char *s)
{
	size_t n = strlen(s);
	return (size_t)(b->end - b->p) >= n && strncasecmp(b->p, s, n) == 0;
}

/* A quoted literal of a DOCTYPE. */
static void doctype_literal(struct builder *b)
{
	if (b->p < b->end && (*b->p == '"' || *b->p == '\'')) {
		char q = *b->p++;
		while (b->p < b->end && *b->p != q && is_char_ch((unsigned char)*b->p))
			b->p++;
		if (b->p < b->end && *b->p == q)
			b->p++;
	}
}

/* "<!DOCTYPE", b->p at it: skipped. */
static void doctype(struct builder *b)
{
	b->p += 9;
	b->dtd = 1;
	skip_blanks(b);
	b->p += entity_name(b->p, b->end);
	skip_blanks(b);
	if (prefix_ci(b, "SYSTEM")) {
		b->p += 6;
		skip_blanks(b);
		doctype_literal(b);
	} else if (prefix_ci(b, "PUBLIC")) {
		b->p += 6;
		skip_blanks(b);
		doctype_literal(b);
		skip_blanks(b);
		doctype_literal(b);
	}
	skip_blanks(b);
	while (b->p < b->end && *b->p != '\0' && *b->p != '>')
		b->p++;
	if (b->p < b->end && *b->p == '>')
		b->p++;
}

/* The peeked name of a start tag at b->p ('<' + letter), as libxml2's
 * htmlParseHTMLName_nonInvasive sees it (no '.'). */
static enum html_tag peek_tag(const struct builder *b, size_t *len)
{
	const unsigned char *s = (const unsigned char *)b->p + 1, *p = s;
	const unsigned char *end = (const unsigned char *)b->end;
	const unsigned char *lim = end - s > NAME_MAX_LEN ? s + NAME_MAX_LEN : end;
	while (p < lim && (name_class[*p] & PEEK_CHAR))
		p++;
	*len = (size_t)(p - s);
	return tag_by_name((const char *)s, *len, b->end);
}

void html_parse(struct html_doc *d, const char *src, size_t len)
{
	pthread_once(&tables_once, tables_init);
	memset(d, 0, sizeof *d);
	d->text_scratch = buf_scratch();
	buf_reserve(d->text_scratch, len + 1);
	d->text = d->text_scratch->p;
	/* the first arena block: a scratch buffer's whole allocation */
	d->arena_scratch = buf_scratch();
	buf_reserve(d->arena_scratch, sizeof *d->blocks + 8192);
	d->blocks = (struct html_arena_block *)(void *)d->arena_scratch->p;
	d->blocks->next = NULL;
	d->blocks->used = 0;
	d->blocks->size = (d->arena_scratch->cap - sizeof *d->blocks) & ~(sizeof(max_align_t) - 1);
	struct builder b = {.d = d, .p = src, .end = src + len, .html = 1};
	b.stack_mem = buf_scratch();
	b.cap = (b.stack_mem->cap > 0 ? b.stack_mem->cap - 1 : 0) / sizeof *b.stack;
	b.stack = (struct html_node **)(void *)b.stack_mem->p;
	/* the body starts open, as it did with "<body>" in front for libxml2 */
	push(&b, HT_HTML, tag_names[HT_HTML], NULL);
	push(&b, HT_BODY, tag_names[HT_BODY], NULL);
	while (!at_end(&b)) {
		const char *p = b.p;
		int two = b.end - p >= 2;
		if (*p == '<' && two && p[1] == '/') {
			end_tag(&b);
			continue;
		}
		/* the start tag's name as peeked, kept for start_tag() when
		 * tag_name() would read the same: no '.' after it (a name
		 * character there but not here) and not cut at NAME_MAX_LEN */
		enum html_tag peeked = HT_UNKNOWN;
		size_t peeked_len = 0;
		if (*p == '<' && two && is_letter((unsigned char)p[1]) && b.n > 0) {
			enum html_tag t = peek_tag(&b, &peeked_len);
			unsigned int old = top(&b)->tag;
			if (closes[t][old / 64] & ((uint64_t)1 << (old % 64))) {
				autoclose(&b, t);
				continue;
			}
			if (peeked_len < NAME_MAX_LEN &&
			    !(p + 1 + peeked_len < b.end && p[1 + peeked_len] == '.'))
				peeked = t;
		}
		if (top_is(&b, HT_SCRIPT) || top_is(&b, HT_STYLE)) {
			raw_text(&b);
			continue;
		}
		if (*p != '<') {
			text_run(&b);
		} else if (two && p[1] == '!' && prefix_ci(&b, "<!DOCTYPE")) {
			/* libxml2 goes on with what follows in the same step, where
			 * "</" or "<!" is no markup but text */
			doctype(&b);
			if (b.end - b.p >= 2 && b.p[0] == '<' &&
			    !is_letter((unsigned char)b.p[1]) && b.p[1] != '?' &&
			    !(b.end - b.p >= 4 && memcmp(b.p, "<!--", 4) == 0))
				add_char(&b, '<');
		} else if (b.end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
			comment(&b);
		} else if (two && p[1] == '?') {
			pi(&b);
		} else if (two && is_letter((unsigned char)p[1])) {
			start_tag(&b, peeked, peeked_len);
		} else {
			add_char(&b, '<');
		}
	}
	buf_scratch_put(b.stack_mem);
}

struct html_node *html_doc_root(struct html_doc *d)
{
	for (struct html_node *k = d->root.children; k != NULL; k = k->next)
		if (k->type == HTML_ELEMENT)
			return k;
	return NULL;
}

void html_doc_free(struct html_doc *d)
{
	while (d->blocks != NULL) {
		struct html_arena_block *next = d->blocks->next;
		if ((char *)d->blocks != d->arena_scratch->p)
			free(d->blocks);
		d->blocks = next;
	}
	buf_scratch_put(d->arena_scratch);
	buf_scratch_put(d->text_scratch);
	d->arena_scratch = d->text_scratch = NULL;
	d->text = NULL;
}
