/*
 * trim_lang: the language data of reply trimming (gateway/mail/trim.c).
 * Mail clients write the same few things in the reader's language: the
 * attribution above a quote ("On <date>, <name> wrote:"), the Outlook
 * separator ("-----Original Message-----") and header block labels
 * (From/Sent/To/Subject), the forward marker and the "Sent from my ..."
 * tagline. Those strings live here as tables, one row per language and
 * client, with where each comes from; trim.c holds only the matchers.
 *
 * Matching is on a normalised copy of the line (trim_lang_norm): ASCII
 * letters lowercased, every run of blanks (NBSP and the other Unicode
 * spaces included) one space, no space before a colon, the full-width
 * colon a colon, and runs of dashes "--". Table strings are compared the
 * same way, so they are written as the clients write them.
 */
#ifndef FORUMGATE_TRIM_LANG_H
#define FORUMGATE_TRIM_LANG_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

enum {
	TRIM_TPL_DIGIT = 1,      /* the <date> part: a digit between head and tail */
	TRIM_TPL_ADDR = 2,       /* an address (<x@y>) between head and tail */
	TRIM_TPL_QUOTE_NEXT = 4, /* weak form: only when a quote follows */
};

/* An attribution: the line starts with `head`, has `mid` somewhere after
 * it (NULL: no constraint) and ends with `tail`, with something in between. */
struct trim_attr_tpl {
	const char *lang, *client;
	const char *head, *mid, *tail;
	unsigned flags;
};

/* A header block label ("Von", "Gesendet"); `dated` labels carry a date. */
struct trim_label {
	const char *lang, *label;
	bool dated;
};

/* A dashed marker's words ("Original Message") or a marker line. */
struct trim_marker {
	const char *lang, *client, *text;
};

/* "Sent from my iPhone": the line starts with prefix and ends with suffix. */
struct trim_tagline {
	const char *lang, *prefix, *suffix;
};

extern const struct trim_attr_tpl trim_attr_tpls[];
extern const size_t trim_attr_ntpls;
extern const struct trim_label trim_labels[];
extern const size_t trim_nlabels;
extern const struct trim_marker trim_original_markers[]; /* replies: elided */
extern const size_t trim_noriginal_markers;
extern const struct trim_marker trim_forward_dashed[]; /* "-- Forwarded message --" */
extern const size_t trim_nforward_dashed;
extern const struct trim_marker trim_forward_lines[]; /* "Begin forwarded message:" */
extern const size_t trim_nforward_lines;
extern const struct trim_tagline trim_taglines[];
extern const size_t trim_ntaglines;

/* Bytes of the [[:blank:]] character at p (space, tab, and the Unicode
 * space separators mail clients emit: NBSP, U+1680, U+2000..U+200A, U+202F,
 * U+205F, U+3000), or 0. */
size_t trim_blank_len(const char *p, const char *e);

/* Normalises [p, e) into out (reset first); see above. */
void trim_lang_norm(const char *p, const char *e, struct buf *out);

/* Does the normalised line n[0..len) match template t? */
bool trim_lang_attr(const struct trim_attr_tpl *t, const char *n, size_t len);

/* Is the normalised line a tagline of the table? */
bool trim_lang_tagline(const char *n, size_t len);

/* Does the normalised line read "--WORDS--" (dashes, optional blanks) for
 * one of the n markers? */
bool trim_lang_dashed(const struct trim_marker *m, size_t count, const char *n, size_t len);

/* Is the normalised line one of the marker lines (compared whole)? */
bool trim_lang_line(const struct trim_marker *m, size_t count, const char *n, size_t len);

/* If the line [p, e) starts with a header label of the table followed by
 * a colon (bold "*From:*" allowed), returns the end of the colon and sets
 * *dated; else NULL. */
const char *trim_lang_label(const char *p, const char *e, bool *dated);

#endif
