/*
 * text_internal: the shared output model of the text converters.
 *
 * Every front end (HTML, BBCode, Markdown) parses its markup and drives one
 * text_writer, so identical content gives identical text whatever the
 * source. The writer is a small block model: it knows the quote depth, the
 * open lists, the pending line/paragraph break and a pending collapsed space,
 * and writes each line's prefix ("> ", list indent, "- ") lazily when the
 * first content of the line arrives. Blank lines, trailing whitespace and
 * invalid UTF-8 are cleaned up once more by tw_finish(), so a front end never
 * has to be exact about them.
 */
#ifndef FORUMGATE_TEXT_INTERNAL_H
#define FORUMGATE_TEXT_INTERNAL_H

#include <stddef.h>

#include "forumgate/buf.h"
#include "forumgate/text.h"

/* Quotes nested deeper than this are written at this depth. */
#define TW_MAX_QUOTE 20
/* Lists nested deeper than this are indented as this level. */
#define TW_MAX_LIST 16

struct tw_list {
	int ordered;
	long next;     /* number of the next item of an ordered list */
	size_t indent; /* continuation indent of the current item */
};

struct text_writer {
	struct buf out;         /* the body, footnotes are added at the end */
	struct text_info *info; /* may be NULL */
	int qnest;              /* quotes open */
	int depth;              /* quote depth written: min(qnest, TW_MAX_QUOTE) */
	int last_depth;         /* quote depth of the last line opened */
	struct tw_list lists[TW_MAX_LIST];
	int nlists;        /* lists open (may exceed TW_MAX_LIST) */
	size_t indent;     /* indent of the current line's content */
	char marker[32];   /* list marker waiting for the item's content */
	int brk;           /* newlines pending: 1 ends the line, 2 adds a blank */
	int fresh;         /* nothing written since the block began */
	int line_open;     /* the current line has its prefix written */
	int space;         /* a collapsed space is pending */
	size_t lines;      /* lines opened so far */
	size_t line_begin; /* offset of the current line's content */
	size_t link_lines; /* `lines` when the open link began */
	struct buf *urls;  /* footnote URLs, numbered from 1, each NUL-ended */
	size_t nurls;
	struct buf *scratch; /* the pool buffer lent to `out` until tw_finish */
	/* offsets in `out` of the lines that begin with a quote prefix, in
	 * order: any other line whose text starts with '>' is literal, and
	 * tw_finish escapes it (text.h); plain: a line that starts with '>' is
	 * a quote (plain-text input, where "> " is the mail convention) */
	struct buf *quote_lines;
	int plain;
};

/* The writer's buffers are per-thread scratch (buf_scratch), so tw_init
 * must be paired with tw_finish on the same thread. */
void tw_init(struct text_writer *w, struct text_info *info);
/* Tidies the body, appends it and the footnotes to out, frees w. */
void tw_finish(struct text_writer *w, struct buf *out);

/* Inline text: whitespace runs collapse to one space as in a browser. */
void tw_text(struct text_writer *w, const char *s, size_t n);
/* tw_text for text known to need no collapsing: no byte below 0x20 and
 * no two spaces in a row (a space may lead or end it). The same result
 * without tw_text's scan of every byte. */
void tw_text_collapsed(struct text_writer *w, const char *s, size_t n);
/* Inline text written as is (no collapsing; must not hold "\n"). */
void tw_word(struct text_writer *w, const char *s, size_t n);
void tw_space(struct text_writer *w);
/* <br>: ends the line; a second one in a row leaves an empty line. */
void tw_break(struct text_writer *w);
/* Ends the line (a block boundary such as </div>). */
void tw_line(struct text_writer *w);
/* Paragraph boundary: a blank line before the next content. */
void tw_paragraph(struct text_writer *w);
void tw_hr(struct text_writer *w);

/* name may be NULL or "" for an anonymous quote. */
void tw_quote_begin(struct text_writer *w, const char *name);
void tw_quote_end(struct text_writer *w);
/* Records the id of a quoted post in info->quoted_ids (once). */
void tw_quoted_id(struct text_writer *w, const char *id);

/* A link is its text written between tw_link_begin() and tw_link_end(). */
size_t tw_link_begin(struct text_writer *w);
void tw_link_end(struct text_writer *w, size_t mark, const char *url);
void tw_image(struct text_writer *w, const char *alt, const char *url);
/* Code: lines verbatim, outer empty lines dropped. */
void tw_code_block(struct text_writer *w, const char *s, size_t n);

void tw_list_begin(struct text_writer *w, int ordered, long start);
void tw_list_item(struct text_writer *w);
void tw_list_end(struct text_writer *w);

/* Decodes the character reference at s (s[0] == '&') into out; returns the
 * bytes consumed, or 0 when s does not start a known reference. &nbsp; is
 * written as U+00A0 (tw_finish makes it a space). */
size_t text_entity(const char *s, size_t n, struct buf *out);
/* Appends code point cp as UTF-8 (invalid ones as U+FFFD). */
void text_utf8(struct buf *out, unsigned long cp);
/* Writes bbcode/markdown/plain source text: entities decoded, "\n" as a
 * break when `breaks`, other whitespace collapsed. */
void tw_source_text(struct text_writer *w, const char *s, size_t n, int breaks);

/* Parses the option of a BBCode [quote] tag (the text after "=" when
 * after_eq, else after "quote "): *name and *id are malloc'd or NULL. */
void text_quote_opt(const char *opt, int after_eq, char **name, char **id);

/* The front ends. */
void text_html(struct text_writer *w, const char *src, size_t len);
void text_bbcode(struct text_writer *w, const char *src, size_t len);
void text_markdown(struct text_writer *w, const char *src, size_t len);

#endif
