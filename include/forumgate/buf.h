/*
 * buf: the one growable byte buffer of forumgate. Every module builds strings
 * and wire data through it instead of hand-rolled realloc loops. The buffer
 * always keeps a NUL after its contents, so b->p is a C string whenever the
 * contents hold no NUL.
 */
#ifndef FORUMGATE_BUF_H
#define FORUMGATE_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

struct buf {
	char *p;    /* contents, NUL-terminated; NULL until the first add */
	size_t len; /* bytes used, excluding the NUL */
	size_t cap; /* bytes allocated */
};

/* clang-format off */
#define BUF_INIT {NULL, 0, 0}
/* clang-format on */

/* Out of memory aborts: a gateway that cannot allocate a few KB has no
 * sensible way to go on, and checking every append would drown the code. */
static inline void buf_add(struct buf *b, const void *data, size_t len);
void buf_adds(struct buf *b, const char *s);
static inline void buf_addc(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap);
void buf_reserve(struct buf *b, size_t extra);
void buf_truncate(struct buf *b, size_t len);
void buf_reset(struct buf *b); /* len = 0, keeps the allocation */
void buf_free(struct buf *b);
/* Returns the contents (caller frees) and leaves b empty; never NULL. */
char *buf_detach(struct buf *b);
/* Returns b->p, or "" when the buffer was never written. */
const char *buf_str(const struct buf *b);

/* buf_add and buf_addc are inline: they sit in every converter's inner
 * loop, and a call per character cost more than the copy. Only the room
 * check is inlined; growing stays in buf_reserve(). The check is the same
 * expression buf_reserve() uses, so when it grows is unchanged. */
static inline void buf_add(struct buf *b, const void *data, size_t len)
{
	if (b->len + len + 1 > b->cap)
		buf_reserve(b, len);
	if (len)
		memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
}

static inline void buf_addc(struct buf *b, char c)
{
	if (b->len + 2 > b->cap)
		buf_reserve(b, 1);
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

/* Per-thread scratch buffers, for work that needs a temporary buffer on
 * every call (a post's text before its tidy pass, a header value being
 * sanitized). buf_scratch() hands out an empty buffer that keeps the
 * allocation of its last use, so the hot paths stop paying a malloc, the
 * reallocs of growing from 64 bytes and a free per call; buf_scratch_put()
 * gives it back. They nest freely (a pool of slots per thread, then plain
 * heap buffers when the pool is out); a buffer belongs to the thread that
 * took it and must be put back by it, never freed or detached. One that
 * grew past BUF_SCRATCH_KEEP is freed when put back, so a huge input does
 * not pin its memory, and a thread's pool is freed when the thread exits. */
#define BUF_SCRATCH_KEEP ((size_t)1 << 20)
struct buf *buf_scratch(void);
void buf_scratch_put(struct buf *b);

/* Small helpers that every module needs. Results are malloc'd, caller frees;
 * they abort on out of memory like buf_add. */
char *xstrdup(const char *s); /* NULL stays NULL */
char *xstrndup(const char *s, size_t n);
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The value of hex digit c (either case), or -1. */
static inline int fg_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Sets *err (if err is not NULL) to a malloc'd message; returns -1 so callers
 * can `return fg_error(err, "...")`. A previous *err is freed. */
int fg_error(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
