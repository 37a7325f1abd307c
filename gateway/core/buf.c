/*
 * Growable buffers and the small allocation helpers used everywhere.
 * Allocation failure aborts (see buf.h for why). buf_add and buf_addc
 * are static inline in buf.h; their slow path is buf_reserve() here.
 *
 * The scratch pool is a _Thread_local array of buffers with a bit per slot
 * in use: taking and putting back one is a few instructions and no lock
 * (nntpd renders on several threads). The pool registers itself under a
 * pthread key the first time a thread uses it, only so that the key's
 * destructor frees the buffers when that thread exits.
 */
#include "forumgate/buf.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(void)
{
	fputs("forumgate: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	return s ? xstrndup(s, strlen(s)) : NULL;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	return buf_detach(&b);
}

int fg_error(char **err, const char *fmt, ...)
{
	if (err != NULL) {
		struct buf b = BUF_INIT;
		va_list ap;
		va_start(ap, fmt);
		buf_vaddf(&b, fmt, ap);
		va_end(ap);
		free(*err);
		*err = buf_detach(&b);
	}
	return -1;
}

#define SCRATCH_SLOTS 16

struct scratch_pool {
	struct buf b[SCRATCH_SLOTS];
	unsigned used; /* bit i: b[i] is handed out */
	int registered;
};

static _Thread_local struct scratch_pool pool;
static pthread_key_t pool_key;
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

static void pool_free(void *arg)
{
	struct scratch_pool *p = arg;

	for (size_t i = 0; i < SCRATCH_SLOTS; i++)
		buf_free(&p->b[i]);
}

static void pool_key_init(void)
{
	if (pthread_key_create(&pool_key, pool_free) != 0)
		oom();
}

struct buf *buf_scratch(void)
{
	struct scratch_pool *p = &pool;
	struct buf *b;

	if (p->used == (1u << SCRATCH_SLOTS) - 1)
		return xcalloc(1, sizeof *b); /* nested too deep: one of its own */
	if (!p->registered) {
		pthread_once(&pool_once, pool_key_init);
		pthread_setspecific(pool_key, p);
		p->registered = 1;
	}
	unsigned i = (unsigned)__builtin_ctz(~p->used);
	p->used |= 1u << i;
	b = &p->b[i];
	b->len = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
	return b;
}

void buf_scratch_put(struct buf *b)
{
	struct scratch_pool *p = &pool;

	if (b == NULL)
		return;
	if (b < p->b || b >= p->b + SCRATCH_SLOTS) {
		buf_free(b);
		free(b);
		return;
	}
	if (b->cap > BUF_SCRATCH_KEEP)
		buf_free(b);
	p->used &= ~(1u << (b - p->b));
}

void buf_reserve(struct buf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1) {
		if (cap > ((size_t)-1) / 2)
			oom();
		cap *= 2;
	}
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	char small[256];
	int n = vsnprintf(small, sizeof small, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	if ((size_t)n < sizeof small) {
		buf_add(b, small, (size_t)n);
		return;
	}
	buf_reserve(b, (size_t)n);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void buf_truncate(struct buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->p[len] = '\0';
	}
}

void buf_reset(struct buf *b)
{
	buf_truncate(b, 0);
}

void buf_free(struct buf *b)
{
	if (b->p != NULL) /* never written is common: no call then */
		free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

char *buf_detach(struct buf *b)
{
	char *p = b->p ? b->p : xstrdup("");
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

const char *buf_str(const struct buf *b)
{
	return b->p ? b->p : "";
}
