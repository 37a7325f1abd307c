/*
 * json_reader: a pull reader for JSON documents held in memory, private to
 * the forum module (spool_json.c). It replaces jansson's json_loadb() there:
 * no tree is built, the caller asks for one token at a time and keeps only
 * what it needs. Grammar, limits and error messages follow jansson 2.14 with
 * the flags spool_json used (JSON_REJECT_DUPLICATES), so files that jansson
 * accepted are accepted and rejected files are rejected with the same
 * "NAME:LINE:COL: TEXT" message. See json_reader.c for the details.
 */
#ifndef FORUMGATE_FORUM_JSON_READER_H
#define FORUMGATE_FORUM_JSON_READER_H

#include <stddef.h>
#include <stdint.h>

#include "forumgate/buf.h"

enum jr_token {
	JR_END = 0, /* the document ended after its top-level value */
	JR_OBJECT,  /* '{'; members follow as JR_KEY + value, then JR_OBJECT_END */
	JR_OBJECT_END,
	JR_ARRAY, /* '['; values follow, then JR_ARRAY_END */
	JR_ARRAY_END,
	JR_KEY,     /* a member name, decoded into r->str */
	JR_STRING,  /* decoded into r->str (UTF-8, never a NUL inside) */
	JR_INTEGER, /* value in r->integer */
	JR_REAL,    /* a number with fraction or exponent; the value is not kept */
	JR_TRUE,
	JR_FALSE,
	JR_NULL,
};

/* The member names of the open objects, to reject duplicates (json_reader.c
 * explains the table). */
struct jr_keyset {
	size_t *slots;      /* entry index + 1, 0 = free; cap a power of two */
	size_t cap, n;      /* n entries */
	size_t nindexed;    /* entries in the table */
	struct buf entries; /* struct jr_key per name, in reading order */
	struct buf names;   /* the bytes of names that had escapes */
};

struct jr {
	const char *base, *p, *end; /* input and read position */
	const char *name;           /* file name for messages */
	int state;                  /* what the grammar expects next */
	struct buf stack;           /* one struct jr_frame per open container */
	size_t depth;               /* open containers */
	struct jr_keyset keys;
	/* the current lexical token */
	int tok;
	const char *tok_start;
	int tok_nul; /* the string held a \u0000 escape */
	int tok_esc; /* the string held an escape (else r->str equals its raw bytes) */
	/* the value of the last token jr_next() returned */
	struct buf str;   /* JR_KEY, JR_STRING */
	int64_t integer;  /* JR_INTEGER */
	struct buf spare; /* str's small buffer while str holds a long string */
};

/* Starts reading buf[0..len) (not NUL-terminated necessarily); `name` is used
 * in messages and must outlive r. Does not allocate. */
void jr_init(struct jr *r, const char *buf, size_t len, const char *name);

/* Reads the next token into *tok. Returns 0, or -1 with "NAME:LINE:COL: TEXT"
 * in *err at the first syntax error; after an error or JR_END, keep calling
 * only jr_free(). */
int jr_next(struct jr *r, enum jr_token *tok, char **err);

/* After jr_next() returned JR_OBJECT or JR_ARRAY: reads up to and including
 * the matching end token. Returns 0 or -1 like jr_next(). */
int jr_skip(struct jr *r, char **err);

/* The text of the last JR_KEY or JR_STRING, malloc'd, caller frees; its
 * length in *len. Leaves r->str empty. */
char *jr_take(struct jr *r, size_t *len);

/* Frees what the reader allocated (not the input). */
void jr_free(struct jr *r);

#endif
