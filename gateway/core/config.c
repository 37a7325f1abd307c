/*
 * config: loads the YAML configuration into struct cfg (see config.h).
 *
 * Three steps. libyaml's document API (yaml_parser_load) parses the text,
 * and the document is copied into a small tree of our own (struct node)
 * that keeps each node's position: -o overrides must add and replace nodes,
 * which libyaml's document cannot do. The overrides are applied to that
 * tree, then one validator walks it against the schema tables further down
 * (one table per section: key, type, required, range, default, extra
 * check), so a file and an override are checked by the same code.
 *
 * Every error is collected, one line each, as "FILE:LINE:COL: message"
 * (1-based) or "-o KEY: message" for a value that came from an override.
 * cfg_print and cfg_free walk the same tables, so what is printed is what
 * the loader reads back, and nothing is forgotten when freeing.
 *
 * libyaml resolves no types: every scalar is a string, and we use the
 * scalar style to tell `60` (may be an integer) from `"60"` (a string).
 * Aliases are expanded by copying, with a cap on nodes and depth so that
 * "billion laughs" and recursive aliases cannot blow up.
 */
#include "forumgate/config.h"
#include "forumgate/article.h"
#include "forumgate/buf.h"
#include "forumgate/connector.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#define MAX_NODES 20000
#define MAX_DEPTH 64
#define MAX_ERRORS 100
#define MAX_FIELDS 24
#define ZONEINFO "/usr/share/zoneinfo/"

/* ---- the tree ---------------------------------------------------------- */

enum nkind { N_SCALAR, N_SEQ, N_MAP };

struct node {
	enum nkind kind;
	const char *src;    /* file name or "-o KEY"; owned by struct load */
	int line, col;      /* 1-based; 0 = no position (override) */
	char *str;          /* N_SCALAR */
	int plain;          /* N_SCALAR: unquoted, so it may be null/bool/number */
	struct node **kids; /* N_SEQ: items; N_MAP: key, value, key, value, ... */
	size_t nkids;
};

/* State of one cfg_load_string call. */
struct load {
	const char *name;
	struct buf err;
	int nerr;
	int fatal; /* conversion hit a limit: stop */
	size_t nnodes;
	struct node *root;
	char **srcs; /* "-o KEY" labels the override nodes point to */
	size_t nsrcs;
	struct cfg *c;
	unsigned flags; /* CFG_CHECK_FILES */
};

static struct node *node_new(enum nkind kind, const char *src, int line, int col)
{
	struct node *n = xcalloc(1, sizeof *n);
	n->kind = kind;
	n->src = src;
	n->line = line;
	n->col = col;
	return n;
}

static struct node *scalar_new(const char *s, int plain, const struct node *pos)
{
	struct node *n = node_new(N_SCALAR, pos->src, pos->line, pos->col);
	n->str = xstrdup(s);
	n->plain = plain;
	return n;
}

static void node_free(struct node *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->str);
	free(n);
}

static void node_add(struct node *n, struct node *kid)
{
	n->kids = xrealloc(n->kids, (n->nkids + 1) * sizeof *n->kids);
	n->kids[n->nkids++] = kid;
}

static int is_null(const struct node *n)
{
	if (n == NULL)
		return 1;
	if (n->kind != N_SCALAR || !n->plain)
		return 0;
	const char *s = n->str;
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

/* The value of `key` in mapping m, or NULL. */
static const struct node *map_get(const struct node *m, const char *key)
{
	if (m == NULL || m->kind != N_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < m->nkids; i += 2)
		if (m->kids[i]->kind == N_SCALAR && !strcmp(m->kids[i]->str, key))
			return m->kids[i + 1];
	return NULL;
}

static const struct node *seq_get(const struct node *s, size_t i)
{
	if (s == NULL || s->kind != N_SEQ || i >= s->nkids)
		return NULL;
	return s->kids[i];
}

/* ---- errors ------------------------------------------------------------ */

/* "LINE:COL" of n, or its "-o KEY" label; for "(first at ...)". */
static char *where(const struct node *n)
{
	if (n->line > 0)
		return xasprintf("%d:%d", n->line, n->col);
	return xstrdup(n->src);
}

static void err_vat(struct load *L, const struct node *n, const char *fmt, va_list ap)
{
	if (L->nerr++ >= MAX_ERRORS) {
		if (L->nerr == MAX_ERRORS + 1)
			buf_adds(&L->err, "too many errors, giving up\n");
		return;
	}
	if (n == NULL)
		buf_addf(&L->err, "%s: ", L->name);
	else if (n->line > 0)
		buf_addf(&L->err, "%s:%d:%d: ", n->src, n->line, n->col);
	else
		buf_addf(&L->err, "%s: ", n->src);
	buf_vaddf(&L->err, fmt, ap);
	buf_addc(&L->err, '\n');
}

static void __attribute__((format(printf, 3, 4)))
err_at(struct load *L, const struct node *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_vat(L, n, fmt, ap);
	va_end(ap);
}

/* An error about the value at `path`. The path is left out when the value
 * came from "-o PATH", whose label already says it. */
static void __attribute__((format(printf, 4, 5)))
err_val(struct load *L, const struct node *n, const char *path, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (n && n->line == 0 && !strncmp(n->src, "-o ", 3) && !strcmp(n->src + 3, path))
		err_at(L, n, "%s", buf_str(&b));
	else
		err_at(L, n, "%s: %s", path, buf_str(&b));
	buf_free(&b);
}

/* What a node is, for "expected X, got Y". */
static char *describe(const struct node *n)
{
	if (n->kind == N_MAP)
		return xstrdup("mapping");
	if (n->kind == N_SEQ)
		return xstrdup("list");
	if (is_null(n))
		return xstrdup("nothing");
	size_t len = strlen(n->str);
	return xasprintf("%sstring \"%.*s%s\"", n->plain ? "" : "quoted ", len > 40 ? 40 : (int)len,
			 n->str, len > 40 ? "..." : "");
}

static void err_type(struct load *L, const struct node *n, const char *path, const char *want)
{
	char *got = describe(n);
	err_val(L, n, path, "expected %s, got %s", want, got);
	free(got);
}

static const char *in_section(const char *path)
{
	return *path ? path : "top level";
}

static char *join(const char *path, const char *key)
{
	return *path ? xasprintf("%s.%s", path, key) : xstrdup(key);
}

/* ---- plain-scalar types ------------------------------------------------ */

/* 0 = ok, 1 = out of long range, -1 = not an integer. */
static int parse_long(const char *s, long *out)
{
	const char *p = s;
	if (*p == '+' || *p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return -1;
	for (const char *q = p; *q; q++)
		if (!isdigit((unsigned char)*q))
			return -1;
	errno = 0;
	long v = strtol(s, NULL, 10);
	if (errno == ERANGE)
		return 1;
	*out = v;
	return 0;
}

static int parse_bool(const char *s, int *out)
{
	static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no",
									       "off"};
	for (size_t i = 0; i < 3; i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = 1;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/* "512", "512k", "10M", "1G" (powers of 1024). Same results as parse_long. */
static int parse_size(const char *s, long *out)
{
	size_t n = strlen(s);
	long mult = 1;
	if (n > 1) {
		switch (s[n - 1]) {
		case 'k':
		case 'K':
			mult = 1L << 10;
			break;
		case 'm':
		case 'M':
			mult = 1L << 20;
			break;
		case 'g':
		case 'G':
			mult = 1L << 30;
			break;
		}
	}
	char *num = xstrndup(s, mult > 1 ? n - 1 : n);
	long v = 0;
	int rc = (num[0] == '+' || num[0] == '-') ? -1 : parse_long(num, &v);
	free(num);
	if (rc != 0)
		return rc;
	if (v > LONG_MAX / mult)
		return 1;
	*out = v * mult;
	return 0;
}

static char *fmt_size(long v)
{
	if (v != 0 && v % (1L << 30) == 0)
		return xasprintf("%ldG", v >> 30);
	if (v != 0 && v % (1L << 20) == 0)
		return xasprintf("%ldM", v >> 20);
	if (v != 0 && v % (1L << 10) == 0)
		return xasprintf("%ldk", v >> 10);
	return xasprintf("%ld", v);
}

static int has_ctrl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static int utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		int n = *p < 0x80             ? 0
			: (*p & 0xe0) == 0xc0 ? 1
			: (*p & 0xf0) == 0xe0 ? 2
			: (*p & 0xf8) == 0xf0 ? 3
					      : -1;
		if (n < 0 || (n == 1 && *p < 0xc2) || (n == 3 && *p > 0xf4))
			return 0;
		p++;
		for (int i = 0; i < n; i++, p++)
			if ((*p & 0xc0) != 0x80)
				return 0;
	}
	return 1;
}

/* ---- value checks: return NULL if fine, else what is wrong ------------ */

/* Why `name` is not a valid newsgroup name (RFC 5536 §3.1.4 and the
 * reserved names it carries over from USEFOR), or NULL. We accept only
 * lowercase ASCII components ([a-z0-9+_-]); a component may be all digits
 * (alt.2600), but may not start with '_' (reserved for future use) or '+'
 * / '-' (reserved for implementations). "all" and "ctl" are reserved
 * anywhere; "control", "example" and "to" as the first component; "poster"
 * and "junk" are pseudo-groups. */
static char *ng_problem(const char *name)
{
	static const char *const first[] = {"control", "example", "to"};
	static const char *const pseudo[] = {"poster", "junk"};
	if (*name == '\0')
		return xstrdup("empty name");
	const char *p = name;
	for (int idx = 0;; idx++) {
		size_t len = strcspn(p, ".");
		if (len == 0)
			return xstrdup("empty component");
		for (size_t i = 0; i < len; i++) {
			unsigned char ch = p[i];
			if (!(islower(ch) || isdigit(ch) || ch == '+' || ch == '-' || ch == '_'))
				return isupper(ch) ? xstrdup("uppercase letters are not allowed")
				       : ch >= 0x20 && ch < 0x7f
					       ? xasprintf("character '%c' is not allowed", ch)
					       : xasprintf("byte 0x%02x is not allowed", ch);
		}
		if (p[0] == '_' || p[0] == '+' || p[0] == '-')
			return xasprintf("a component may not start with '%c'", p[0]);
		if ((len == 3 && !strncmp(p, "all", 3)) || (len == 3 && !strncmp(p, "ctl", 3)))
			return xasprintf("the component \"%.3s\" is reserved", p);
		for (size_t i = 0; idx == 0 && i < sizeof first / sizeof *first; i++)
			if (strlen(first[i]) == len && !strncmp(p, first[i], len))
				return xasprintf("names starting with \"%s\" are reserved",
						 first[i]);
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	for (size_t i = 0; i < sizeof pseudo / sizeof *pseudo; i++)
		if (!strcmp(name, pseudo[i]))
			return xasprintf("\"%s\" is a reserved pseudo-group", name);
	return NULL;
}

static char *check_newsgroup(const char *v)
{
	char *why = ng_problem(v);
	if (why == NULL)
		return NULL;
	char *msg = xasprintf("invalid newsgroup name \"%s\": %s", v, why);
	free(why);
	return msg;
}

static char *check_forum_name(const char *v)
{
	if (*v && strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(v))
		return NULL;
	return xasprintf("invalid forum name \"%s\" (use a-z, 0-9 and '-')", v);
}

static int valid_hostname(const char *s, size_t len)
{
	if (len == 0 || len > 253)
		return 0;
	size_t label = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = s[i];
		if (ch == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (isalnum(ch) || ch == '-' || ch == '_') {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return label > 0;
}

static char *check_domain(const char *v)
{
	if (valid_hostname(v, strlen(v)))
		return NULL;
	return xasprintf("invalid domain name \"%s\"", v);
}

/* host:port or [v6]:port, port 1-65535. */
static int valid_hostport(const char *s)
{
	const char *colon;
	if (*s == '[') {
		const char *end = strchr(s, ']');
		if (end == NULL || end[1] != ':')
			return 0;
		char *v6 = xstrndup(s + 1, (size_t)(end - s - 1));
		struct in6_addr a;
		int ok = inet_pton(AF_INET6, v6, &a) == 1;
		free(v6);
		if (!ok)
			return 0;
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || memchr(s, ':', (size_t)(colon - s)) != NULL ||
		    !valid_hostname(s, (size_t)(colon - s)))
			return 0;
	}
	const char *port = colon + 1;
	size_t n = strlen(port);
	if (n == 0 || n > 5 || strspn(port, "0123456789") != n)
		return 0;
	long p = strtol(port, NULL, 10);
	return p >= 1 && p <= 65535;
}

static char *check_listen(const char *v)
{
	if (valid_hostport(v))
		return NULL;
	return xasprintf("invalid address \"%s\" (expected host:port or [v6]:port, port 1-65535)",
			 v);
}

static char *check_lmtp_listen(const char *v)
{
	if (!strncmp(v, "unix:", 5)) {
		if (v[5] != '\0')
			return NULL;
		return xstrdup("\"unix:\" needs a socket path");
	}
	if (valid_hostport(v))
		return NULL;
	return xasprintf("invalid address \"%s\" (expected host:port, [v6]:port or unix:/path)", v);
}

static char *check_timezone(const char *v)
{
	if (!strcmp(v, "UTC"))
		return NULL;
	int ok = *v && *v != '/' && strstr(v, "..") == NULL &&
		 strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-") ==
			 strlen(v);
	if (ok) {
		char *path = xasprintf(ZONEINFO "%s", v);
		struct stat st;
		ok = stat(path, &st) == 0 && S_ISREG(st.st_mode);
		free(path);
	}
	if (ok)
		return NULL;
	return xasprintf("unknown timezone \"%s\" (not in " ZONEINFO ")", v);
}

static char *check_url(const char *v)
{
	const char *host = !strncmp(v, "https://", 8)  ? v + 8
			   : !strncmp(v, "http://", 7) ? v + 7
						       : NULL;
	if (host && *host && *host != '/')
		return NULL;
	return xasprintf("invalid URL \"%s\" (expected http:// or https://)", v);
}

/* Address templates: placeholders {user} {id} {forum} {domain}, one '@'. */
static char *check_template(const char *v)
{
	static const char *const known[] = {"user", "id", "forum", "domain"};
	for (const char *p = strchr(v, '{'); p; p = strchr(p + 1, '{')) {
		size_t len = strcspn(p + 1, "}");
		int ok = 0;
		for (size_t i = 0; p[1 + len] == '}' && i < 4; i++)
			ok |= strlen(known[i]) == len && !strncmp(p + 1, known[i], len);
		if (!ok)
			return xasprintf(
				"unknown placeholder \"%.*s\" in \"%s\" (known: {user} {id} "
				"{forum} {domain})",
				(int)(len + (p[1 + len] == '}') + 1), p, v);
	}
	const char *at = strchr(v, '@');
	if (at == NULL || at == v || at[1] == '\0' || strchr(at + 1, '@'))
		return xasprintf("\"%s\" is not an address template (local@domain)", v);
	return NULL;
}

static char *check_nonempty(const char *v)
{
	return *v ? NULL : xstrdup("must not be empty");
}

/* A user or group name as the system's databases spell them; whether it
 * exists is asked only where it matters, when forumgate runs as root. */
static char *check_account(const char *v)
{
	if (!*v)
		return xstrdup("must not be empty");
	for (const char *p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return xstrdup(
				"must be a user or group name (letters, digits, '.', '_', '-')");
	return NULL;
}

/* ---- the schema -------------------------------------------------------- */

enum ftype {
	T_STR,   /* char *; may have choices */
	T_CHAR,  /* char: first letter of one of the choices */
	T_INT,   /* int, plain integer in [min, max] */
	T_BOOL,  /* int 0/1 from true/false/yes/no/on/off */
	T_SIZE,  /* long bytes from "512", "512k", "10M", "1G" */
	T_MAP,   /* a nested section stored at base + off */
	T_LIST,  /* array at off, count at cnt; of sections (sub) or strings */
	T_LATER, /* known option of a later feature: refused */
};

#define F_REQUIRED 1u
#define F_SCALAR_LIST 2u /* a scalar stands for a comma-separated list */
#define F_FILE 4u        /* names a file forumgate reads (CFG_CHECK_FILES) */
#define F_NOPRINT 8u     /* another key prints the same value (an alias) */

struct section;

struct field {
	const char *key;
	enum ftype type;
	unsigned flags;
	size_t off, cnt, elsize;
	long min, max, idef;
	const char *sdef;
	const char *const *choices;             /* NULL-terminated */
	const char *const *later;               /* values refused as "not supported yet" */
	const char *const *(*choices_fn)(void); /* choices known at run time */
	const char *label;                      /* noun for choice errors, e.g. "forum type" */
	char *(*check)(const char *value);
	const struct section *sub;
};

struct section {
	const struct field *fields;
	size_t nfields;
	const char *id_key; /* list elements: key that selects one in -o paths */
	/* list elements: builds a mapping from a scalar shorthand (caller frees) */
	struct node *(*from_scalar)(const struct node *scalar);
	/* cross-field checks and derived defaults, after the keys */
	void (*finish)(struct load *L, void *base, const struct node *map, const char *path);
	/* keys not in `fields` are left to finish (a connector's section,
	 * known once the forum's type is) instead of being refused at once */
	int open_keys;
};

#define NELEM(a) (sizeof(a) / sizeof(*(a)))
#define SECTION(f, ...)                                                                            \
	{                                                                                          \
		.fields = f, .nfields = NELEM(f), __VA_ARGS__                                      \
	}

static const char *const posting_choices[] = {"y", "n", "m", NULL};
static const char *const access_choices[] = {"public", "members", NULL};
static const char *const forum_types_later[] = {NULL}; /* every type named is built */
static const char *const tls_choices[] = {"none", "implicit", "starttls", NULL};
static const char *const policy_choices[] = {"registered", "authenticated", NULL};
static const char *const log_level_choices[] = {"error", "warning", "notice",
						"info",  "debug",   NULL};
static const char *const sandbox_choices[] = {"auto", "off", "required", NULL};

static void backfill_finish(struct load *L, void *base, const struct node *map, const char *path);
static void board_backfill_finish(struct load *L, void *base, const struct node *map,
				  const char *path);

static const struct field board_backfill_fields[] = {
	{.key = "days",
	 .type = T_INT,
	 .min = 0,
	 .max = 100000,
	 .off = offsetof(struct cfg_board, backfill_days)},
	{.key = "topics",
	 .type = T_INT,
	 .min = 0,
	 .max = 100000000,
	 .off = offsetof(struct cfg_board, backfill_topics)},
};
static const struct section board_backfill_section = SECTION(board_backfill_fields,
							     .finish = board_backfill_finish);

static const struct field board_fields[] = {
	{.key = "board",
	 .type = T_STR,
	 .flags = F_REQUIRED,
	 .check = check_nonempty,
	 .off = offsetof(struct cfg_board, board)},
	{.key = "group",
	 .type = T_STR,
	 .flags = F_REQUIRED,
	 .check = check_newsgroup,
	 .off = offsetof(struct cfg_board, group)},
	{.key = "description", .type = T_STR, .off = offsetof(struct cfg_board, description)},
	{.key = "posting",
	 .type = T_CHAR,
	 .choices = posting_choices,
	 .off = offsetof(struct cfg_board, posting)},
	{.key = "access",
	 .type = T_STR,
	 .sdef = "public",
	 .choices = access_choices,
	 .off = offsetof(struct cfg_board, access)},
	{.key = "backfill", .type = T_MAP, .sub = &board_backfill_section},
};
static const struct section board_section = SECTION(board_fields, .id_key = "board");

static const struct field spool_fields[] = {
	{.key = "path",
	 .type = T_STR,
	 .flags = F_REQUIRED | F_FILE,
	 .check = check_nonempty,
	 .off = offsetof(struct cfg_forum, spool_path)},
	/* the older place of the forum's poll_interval */
	{.key = "poll_interval",
	 .type = T_INT,
	 .flags = F_NOPRINT,
	 .min = 1,
	 .max = 86400,
	 .idef = 60,
	 .off = offsetof(struct cfg_forum, poll_interval)},
	{.key = "max_file_size",
	 .type = T_SIZE,
	 .min = 1L << 10,
	 .max = 1L << 32,
	 .idef = 64L << 20,
	 .off = offsetof(struct cfg_forum, spool_max_file_size)},
};
static const struct section spool_section = SECTION(spool_fields);

static const struct field backfill_fields[] = {
	{.key = "days",
	 .type = T_INT,
	 .min = 0,
	 .max = 100000,
	 .off = offsetof(struct cfg_forum, backfill_days)},
	{.key = "topics",
	 .type = T_INT,
	 .min = 0,
	 .max = 100000000,
	 .off = offsetof(struct cfg_forum, backfill_topics)},
};
static const struct section backfill_section = SECTION(backfill_fields, .finish = backfill_finish);

static void forum_finish(struct load *L, void *base, const struct node *map, const char *path);

static const struct field forum_fields[] = {
	{.key = "name",
	 .type = T_STR,
	 .flags = F_REQUIRED,
	 .check = check_forum_name,
	 .off = offsetof(struct cfg_forum, name)},
	{.key = "type",
	 .type = T_STR,
	 .flags = F_REQUIRED,
	 .choices_fn = forum_connector_types,
	 .later = forum_types_later,
	 .label = "forum type",
	 .off = offsetof(struct cfg_forum, type)},
	{.key = "spool", .type = T_MAP, .sub = &spool_section},
	{.key = "poll_interval",
	 .type = T_INT,
	 .min = 1,
	 .max = 86400,
	 .idef = 60,
	 .off = offsetof(struct cfg_forum, poll_interval)},
	{.key = "url", .type = T_STR, .check = check_url, .off = offsetof(struct cfg_forum, url)},
	{.key = "timezone",
	 .type = T_STR,
	 .sdef = "UTC",
	 .check = check_timezone,
	 .off = offsetof(struct cfg_forum, timezone)},
	{.key = "group_prefix",
	 .type = T_STR,
	 .check = check_newsgroup,
	 .off = offsetof(struct cfg_forum, group_prefix)},
	{.key = "author_address",
	 .type = T_STR,
	 .sdef = "{user}@users.{domain}",
	 .check = check_template,
	 .off = offsetof(struct cfg_forum, author_address)},
	{.key = "guest_address",
	 .type = T_STR,
	 .sdef = "guest@{domain}",
	 .check = check_template,
	 .off = offsetof(struct cfg_forum, guest_address)},
	{.key = "boards",
	 .type = T_LIST,
	 .sub = &board_section,
	 .elsize = sizeof(struct cfg_board),
	 .off = offsetof(struct cfg_forum, boards),
	 .cnt = offsetof(struct cfg_forum, nboards)},
	{.key = "tls_ca",
	 .type = T_STR,
	 .flags = F_FILE,
	 .check = check_nonempty,
	 .off = offsetof(struct cfg_forum, tls_ca)},
	{.key = "max_concurrent",
	 .type = T_INT,
	 .min = 1,
	 .max = 64,
	 .idef = 4,
	 .off = offsetof(struct cfg_forum, max_concurrent)},
	{.key = "max_requests_per_second",
	 .type = T_INT,
	 .min = 1,
	 .max = 1000,
	 .idef = 5,
	 .off = offsetof(struct cfg_forum, max_requests_per_second)},
	{.key = "timeout",
	 .type = T_INT,
	 .min = 1,
	 .max = 3600,
	 .idef = 60,
	 .off = offsetof(struct cfg_forum, timeout)},
	{.key = "connect_timeout",
	 .type = T_INT,
	 .min = 1,
	 .max = 600,
	 .idef = 15,
	 .off = offsetof(struct cfg_forum, connect_timeout)},
	{.key = "backfill", .type = T_MAP, .sub = &backfill_section},
	{.key = "api_key", .type = T_LATER},
	{.key = "login", .type = T_LATER},
};
static const struct section forum_section = SECTION(forum_fields, .id_key = "name",
						    .finish = forum_finish, .open_keys = 1);

static struct node *listen_from_scalar(const struct node *n);

static const struct field listen_fields[] = {
	{.key = "address",
	 .type = T_STR,
	 .flags = F_REQUIRED,
	 .check = check_listen,
	 .off = offsetof(struct cfg_listen, address)},
	{.key = "tls",
	 .type = T_STR,
	 .sdef = "none",
	 .choices = tls_choices,
	 .off = offsetof(struct cfg_listen, tls)},
};
static const struct section listen_section = SECTION(listen_fields, .id_key = "address",
						     .from_scalar = listen_from_scalar);

static const struct field tls_fields[] = {
	{.key = "cert",
	 .type = T_STR,
	 .flags = F_FILE,
	 .check = check_nonempty,
	 .off = offsetof(struct cfg_nntp, tls_cert)},
	{.key = "key",
	 .type = T_STR,
	 .flags = F_FILE,
	 .check = check_nonempty,
	 .off = offsetof(struct cfg_nntp, tls_key)},
};
static const struct section tls_section = SECTION(tls_fields);

static void nntp_finish(struct load *L, void *base, const struct node *map, const char *path);

static const struct field nntp_fields[] = {
	{.key = "listen",
	 .type = T_LIST,
	 .flags = F_SCALAR_LIST,
	 .sub = &listen_section,
	 .elsize = sizeof(struct cfg_listen),
	 .off = offsetof(struct cfg_nntp, listen),
	 .cnt = offsetof(struct cfg_nntp, nlisten)},
	{.key = "tls", .type = T_MAP, .sub = &tls_section},
	{.key = "workers",
	 .type = T_INT,
	 .min = 0,
	 .max = 1024,
	 .off = offsetof(struct cfg_nntp, workers)},
	{.key = "max_connections",
	 .type = T_INT,
	 .min = 1,
	 .max = 1000000,
	 .idef = 1000,
	 .off = offsetof(struct cfg_nntp, max_connections)},
	{.key = "max_per_address",
	 .type = T_INT,
	 .min = 1,
	 .max = 1000000,
	 .idef = 50,
	 .off = offsetof(struct cfg_nntp, max_per_address)},
	{.key = "idle_timeout",
	 .type = T_INT,
	 .min = 1,
	 .max = 86400,
	 .idef = 600,
	 .off = offsetof(struct cfg_nntp, idle_timeout)},
	{.key = "write_timeout",
	 .type = T_INT,
	 .min = 1,
	 .max = 86400,
	 .idef = 60,
	 .off = offsetof(struct cfg_nntp, write_timeout)},
	{.key = "handshake_timeout",
	 .type = T_INT,
	 .min = 1,
	 .max = 3600,
	 .idef = 30,
	 .off = offsetof(struct cfg_nntp, handshake_timeout)},
	{.key = "account_lockout",
	 .type = T_INT,
	 .min = 1,
	 .max = 86400,
	 .idef = 60,
	 .off = offsetof(struct cfg_nntp, account_lockout)},
	{.key = "max_post_size",
	 .type = T_SIZE,
	 .min = 1L << 10,
	 .max = 1L << 30,
	 .idef = 1L << 20,
	 .off = offsetof(struct cfg_nntp, max_post_size)},
	{.key = "allow_plaintext_auth",
	 .type = T_BOOL,
	 .off = offsetof(struct cfg_nntp, allow_plaintext_auth)},
	{.key = "feeds", .type = T_LATER},
};
static const struct section nntp_section = SECTION(nntp_fields, .finish = nntp_finish);

static const struct field lmtp_fields[] = {
	{.key = "listen",
	 .type = T_STR,
	 .check = check_lmtp_listen,
	 .off = offsetof(struct cfg_mail, lmtp_listen)},
	{.key = "write_timeout",
	 .type = T_INT,
	 .min = 1,
	 .max = 86400,
	 .idef = 60,
	 .off = offsetof(struct cfg_mail, lmtp_write_timeout)},
};
static const struct section lmtp_section = SECTION(lmtp_fields);

static const struct field maildir_fields[] = {
	{.key = "path",
	 .type = T_STR,
	 .flags = F_REQUIRED,
	 .check = check_nonempty,
	 .off = offsetof(struct cfg_mail, maildir_path)},
	{.key = "recipient",
	 .type = T_STR,
	 .check = check_nonempty,
	 .off = offsetof(struct cfg_mail, maildir_recipient)},
};
static const struct section maildir_section = SECTION(maildir_fields);

static char *check_host(const char *v)
{
	struct in6_addr a6;
	if (valid_hostname(v, strlen(v)) || inet_pton(AF_INET6, v, &a6) == 1)
		return NULL;
	return xasprintf("invalid host \"%s\" (expected a DNS name or an IP address)", v);
}

/* localhost, 127.0.0.0/8 or ::1: where a password may travel in clear. */
static int is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (!strcasecmp(host, "localhost"))
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

static void imap_finish(struct load *L, void *base, const struct node *map, const char *path);

/* No key is F_REQUIRED and no string has a table default: cfg_print prints
 * the ints and bools of an absent section, and that output must load
 * again. imap_finish requires host, user and password_file once any key
 * other than the printed defaults is set, and fills the string defaults
 * only then. */
static const struct field imap_fields[] = {
	{.key = "host", .type = T_STR, .check = check_host, .off = offsetof(struct cfg_imap, host)},
	{.key = "port",
	 .type = T_INT,
	 .min = 1,
	 .max = 65535,
	 .idef = 993,
	 .off = offsetof(struct cfg_imap, port)},
	{.key = "tls",
	 .type = T_STR,
	 .choices = tls_choices,
	 .off = offsetof(struct cfg_imap, tls)},
	{.key = "tls_ca",
	 .type = T_STR,
	 .check = check_nonempty,
	 .off = offsetof(struct cfg_imap, tls_ca)},
	{.key = "user",
	 .type = T_STR,
	 .check = check_nonempty,
	 .off = offsetof(struct cfg_imap, user)},
	{.key = "password_file",
	 .type = T_STR,
	 .flags = F_FILE,
	 .check = check_nonempty,
	 .off = offsetof(struct cfg_imap, password_file)},
	{.key = "mailbox",
	 .type = T_STR,
	 .check = check_nonempty,
	 .off = offsetof(struct cfg_imap, mailbox)},
	{.key = "failed_mailbox",
	 .type = T_STR,
	 .check = check_nonempty,
	 .off = offsetof(struct cfg_imap, failed_mailbox)},
	{.key = "poll_interval",
	 .type = T_INT,
	 .min = 1,
	 .max = 86400,
	 .idef = 60,
	 .off = offsetof(struct cfg_imap, poll_interval)},
	{.key = "idle", .type = T_BOOL, .idef = 1, .off = offsetof(struct cfg_imap, idle)},
	{.key = "recipient",
	 .type = T_STR,
	 .check = check_nonempty,
	 .off = offsetof(struct cfg_imap, recipient)},
};
static const struct section imap_section = SECTION(imap_fields, .finish = imap_finish);

static const struct field mail_fields[] = {
	{.key = "lmtp", .type = T_MAP, .sub = &lmtp_section},
	{.key = "reply_domain",
	 .type = T_STR,
	 .check = check_domain,
	 .off = offsetof(struct cfg_mail, reply_domain)},
	{.key = "secret_file",
	 .type = T_STR,
	 .flags = F_FILE,
	 .check = check_nonempty,
	 .off = offsetof(struct cfg_mail, secret_file)},
	{.key = "smarthost",
	 .type = T_STR,
	 .check = check_listen,
	 .off = offsetof(struct cfg_mail, smarthost)},
	{.key = "smarthost_tls_ca",
	 .type = T_STR,
	 .flags = F_FILE,
	 .check = check_nonempty,
	 .off = offsetof(struct cfg_mail, smarthost_tls_ca)},
	{.key = "smarthost_user",
	 .type = T_STR,
	 .check = check_nonempty,
	 .off = offsetof(struct cfg_mail, smarthost_user)},
	{.key = "smarthost_password_file",
	 .type = T_STR,
	 .flags = F_FILE,
	 .check = check_nonempty,
	 .off = offsetof(struct cfg_mail, smarthost_password_file)},
	{.key = "max_message_size",
	 .type = T_SIZE,
	 .min = 1L << 10,
	 .max = 1L << 30,
	 .idef = 10L << 20,
	 .off = offsetof(struct cfg_mail, max_message_size)},
	{.key = "reply_to", .type = T_BOOL, .off = offsetof(struct cfg_mail, reply_to)},
	{.key = "imap",
	 .type = T_MAP,
	 .sub = &imap_section,
	 .off = offsetof(struct cfg_mail, imap)},
	{.key = "maildir", .type = T_MAP, .sub = &maildir_section},
};
static const struct section mail_section = SECTION(mail_fields);

static const struct field auth_fields[] = {
	{.key = "sender_policy",
	 .type = T_STR,
	 .sdef = "registered",
	 .choices = policy_choices,
	 .off = offsetof(struct cfg_auth, sender_policy)},
	{.key = "trusted_authserv_ids",
	 .type = T_LIST,
	 .flags = F_SCALAR_LIST,
	 .check = check_nonempty,
	 .off = offsetof(struct cfg_auth, trusted_authserv_ids),
	 .cnt = offsetof(struct cfg_auth, ntrusted)},
	{.key = "key_requires_sender_match",
	 .type = T_BOOL,
	 .idef = 1,
	 .off = offsetof(struct cfg_auth, key_requires_sender_match)},
};
static const struct section auth_section = SECTION(auth_fields);

/* gateway's fields live directly in struct cfg (an anonymous struct). */
static const struct field gateway_fields[] = {
	{.key = "domain",
	 .type = T_STR,
	 .flags = F_REQUIRED,
	 .check = check_domain,
	 .off = offsetof(struct cfg, gateway.domain)},
	{.key = "store",
	 .type = T_STR,
	 .sdef = "./run/forumgate.db",
	 .check = check_nonempty,
	 .off = offsetof(struct cfg, gateway.store)},
	{.key = "organization", .type = T_STR, .off = offsetof(struct cfg, gateway.organization)},
	{.key = "path_host",
	 .type = T_STR,
	 .check = check_domain,
	 .off = offsetof(struct cfg, gateway.path_host)},
	{.key = "user",
	 .type = T_STR,
	 .check = check_account,
	 .off = offsetof(struct cfg, gateway.user)},
	{.key = "group",
	 .type = T_STR,
	 .check = check_account,
	 .off = offsetof(struct cfg, gateway.group)},
	{.key = "allow_root", .type = T_BOOL, .off = offsetof(struct cfg, gateway.allow_root)},
	{.key = "log_level",
	 .type = T_STR,
	 .sdef = "info",
	 .choices = log_level_choices,
	 .off = offsetof(struct cfg, gateway.log_level)},
	{.key = "sandbox",
	 .type = T_STR,
	 .sdef = "auto",
	 .choices = sandbox_choices,
	 .off = offsetof(struct cfg, gateway.sandbox)},
};
static const struct section gateway_section = SECTION(gateway_fields);

static char *check_http_listen(const char *v);
static void http_finish(struct load *L, void *base, const struct node *map, const char *path);

static const struct field http_fields[] = {
	{.key = "listen",
	 .type = T_STR,
	 .check = check_http_listen,
	 .off = offsetof(struct cfg_http, listen)},
	{.key = "max_body_size",
	 .type = T_SIZE,
	 .min = 1L << 10,
	 .max = 1L << 30,
	 .idef = 1L << 20,
	 .off = offsetof(struct cfg_http, max_body_size)},
	{.key = "public_url",
	 .type = T_STR,
	 .check = check_url,
	 .off = offsetof(struct cfg_http, public_url)},
};
static const struct section http_section = SECTION(http_fields, .finish = http_finish);

static const char *const format_choices[] = {"text", "html", NULL};

static char *check_list_template(const char *v)
{
	static const char *const known[] = {"group", "domain"};
	for (const char *p = strchr(v, '{'); p; p = strchr(p + 1, '{')) {
		const char *e = strchr(p, '}');
		int ok = 0;
		for (size_t i = 0; e && i < NELEM(known); i++)
			if ((size_t)(e - p - 1) == strlen(known[i]) &&
			    !strncmp(p + 1, known[i], e - p - 1))
				ok = 1;
		if (!ok)
			return xasprintf("unknown placeholder in \"%s\" (known: {group} {domain})",
					 v);
	}
	const char *at = strchr(v, '@');
	if (at == NULL || at == v || at[1] == '\0' || strchr(at + 1, '@'))
		return xasprintf("invalid address template \"%s\" (expected local@domain)", v);
	return NULL;
}

static const struct field list_group_fields[] = {
	{.key = "group",
	 .type = T_STR,
	 .flags = F_REQUIRED,
	 .check = check_newsgroup,
	 .off = offsetof(struct cfg_list_group, group)},
	{.key = "format",
	 .type = T_STR,
	 .choices = format_choices,
	 .off = offsetof(struct cfg_list_group, format)},
};
static const struct section list_group_section = SECTION(list_group_fields, .id_key = "group");

static const struct field list_fields[] = {
	{.key = "enabled", .type = T_BOOL, .off = offsetof(struct cfg_list, enabled)},
	{.key = "from_address",
	 .type = T_STR,
	 .sdef = "{group}@{domain}",
	 .check = check_list_template,
	 .off = offsetof(struct cfg_list, from_address)},
	{.key = "format",
	 .type = T_STR,
	 .sdef = "text",
	 .choices = format_choices,
	 .off = offsetof(struct cfg_list, format)},
	{.key = "digest_hour",
	 .type = T_INT,
	 .min = 0,
	 .max = 23,
	 .idef = 7,
	 .off = offsetof(struct cfg_list, digest_hour)},
	{.key = "batch",
	 .type = T_INT,
	 .min = 1,
	 .max = 10000,
	 .idef = 200,
	 .off = offsetof(struct cfg_list, batch)},
	{.key = "retry_max",
	 .type = T_INT,
	 .min = 60,
	 .max = 86400,
	 .idef = 3600,
	 .off = offsetof(struct cfg_list, retry_max)},
	{.key = "poll_interval",
	 .type = T_INT,
	 .min = 1,
	 .max = 3600,
	 .idef = 2,
	 .off = offsetof(struct cfg_list, poll_interval)},
	{.key = "digest_check",
	 .type = T_INT,
	 .min = 1,
	 .max = 3600,
	 .idef = 60,
	 .off = offsetof(struct cfg_list, digest_check)},
	{.key = "groups",
	 .type = T_LIST,
	 .sub = &list_group_section,
	 .elsize = sizeof(struct cfg_list_group),
	 .off = offsetof(struct cfg_list, groups),
	 .cnt = offsetof(struct cfg_list, ngroups)},
};
static const struct section list_section = SECTION(list_fields);

static void root_finish(struct load *L, void *base, const struct node *map, const char *path);

static const struct field root_fields[] = {
	{.key = "gateway", .type = T_MAP, .flags = F_REQUIRED, .sub = &gateway_section},
	{.key = "forums",
	 .type = T_LIST,
	 .sub = &forum_section,
	 .elsize = sizeof(struct cfg_forum),
	 .off = offsetof(struct cfg, forums),
	 .cnt = offsetof(struct cfg, nforums)},
	{.key = "nntp", .type = T_MAP, .sub = &nntp_section, .off = offsetof(struct cfg, nntp)},
	{.key = "mail", .type = T_MAP, .sub = &mail_section, .off = offsetof(struct cfg, mail)},
	{.key = "auth", .type = T_MAP, .sub = &auth_section, .off = offsetof(struct cfg, auth)},
	{.key = "http", .type = T_MAP, .sub = &http_section, .off = offsetof(struct cfg, http)},
	{.key = "list", .type = T_MAP, .sub = &list_section, .off = offsetof(struct cfg, list)},
};
static const struct section root_section = SECTION(root_fields, .finish = root_finish);

_Static_assert(NELEM(forum_fields) <= MAX_FIELDS && NELEM(nntp_fields) <= MAX_FIELDS &&
		       NELEM(mail_fields) <= MAX_FIELDS && NELEM(root_fields) <= MAX_FIELDS,
	       "validate_map tracks at most MAX_FIELDS keys per section");

static const struct field *field_find(const struct section *s, const char *key)
{
	for (size_t i = 0; i < s->nfields; i++)
		if (!strcmp(s->fields[i].key, key))
			return &s->fields[i];
	return NULL;
}

/* Levenshtein distance, case-insensitive; long strings count as far. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return SIZE_MAX;
	size_t row[65];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = tolower((unsigned char)a[i - 1]) !=
				      tolower((unsigned char)b[j - 1]);
			size_t best = diag + cost;
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static void err_unknown_key(struct load *L, const struct node *at, const struct section *s,
			    const char *key, const char *path)
{
	const char *best = NULL;
	size_t bestd = SIZE_MAX, len = strlen(key);
	size_t limit = len <= 4 ? 1 : len < 10 ? 2 : 3;
	for (size_t i = 0; i < s->nfields; i++) {
		size_t d = edit_distance(key, s->fields[i].key);
		if (d < bestd) {
			bestd = d;
			best = s->fields[i].key;
		}
	}
	const char *where_in = *path ? "in " : "at ";
	if (best && bestd <= limit) {
		err_at(L, at, "unknown key \"%s\" %s%s (did you mean \"%s\"?)", key, where_in,
		       in_section(path), best);
		return;
	}
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < s->nfields; i++)
		buf_addf(&b, "%s%s", i ? ", " : "", s->fields[i].key);
	err_at(L, at, "unknown key \"%s\" %s%s (valid keys: %s)", key, where_in, in_section(path),
	       buf_str(&b));
	buf_free(&b);
}

/* ---- the validator ----------------------------------------------------- */

static void validate_map(struct load *L, const struct section *s, void *base,
			 const struct node *map, const char *path);

static void set_defaults(const struct section *s, void *base)
{
	for (size_t i = 0; i < s->nfields; i++) {
		const struct field *f = &s->fields[i];
		char *p = (char *)base + f->off;
		switch (f->type) {
		case T_STR:
			free(*(char **)p);
			*(char **)p = xstrdup(f->sdef);
			break;
		case T_INT:
		case T_BOOL:
			*(int *)p = (int)f->idef;
			break;
		case T_SIZE:
			*(long *)p = f->idef;
			break;
		default:
			break;
		}
	}
}

static int in_list(const char *const *list, const char *v)
{
	for (; list && *list; list++)
		if (!strcmp(*list, v))
			return 1;
	return 0;
}

static char *list_join(const char *const *list)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; list[i]; i++)
		buf_addf(&b, "%s%s", i ? ", " : "", list[i]);
	return buf_detach(&b);
}

/* Checks a string value: type, control characters, choices, check hook.
 * Returns the value or NULL after reporting an error. */
static const char *string_value(struct load *L, const struct field *f, const struct node *v,
				const char *path)
{
	if (v->kind != N_SCALAR) {
		err_type(L, v, path, "string");
		return NULL;
	}
	if (has_ctrl(v->str)) {
		err_val(L, v, path, "control characters are not allowed");
		return NULL;
	}
	const char *const *choices = f->choices_fn ? f->choices_fn() : f->choices;
	if (choices && !in_list(choices, v->str)) {
		char *all = list_join(choices);
		if (in_list(f->later, v->str))
			err_at(L, v, "%s \"%s\" is not supported yet (supported: %s)",
			       f->label ? f->label : path, v->str, all);
		else if (f->label)
			err_at(L, v, "unknown %s \"%s\" (supported: %s)", f->label, v->str, all);
		else
			err_val(L, v, path, "invalid value \"%s\" (allowed: %s)", v->str, all);
		free(all);
		return NULL;
	}
	if (f->check) {
		char *why = f->check(v->str);
		if (why) {
			err_val(L, v, path, "%s", why);
			free(why);
			return NULL;
		}
	}
	return v->str;
}

/* Splits a scalar "a, b, c" into a list node of scalars (caller frees). */
static struct node *split_commas(const struct node *n)
{
	struct node *seq = node_new(N_SEQ, n->src, n->line, n->col);
	const char *p = n->str;
	for (;;) {
		size_t len = strcspn(p, ",");
		const char *a = p, *e = p + len;
		while (a < e && isspace((unsigned char)*a))
			a++;
		while (e > a && isspace((unsigned char)e[-1]))
			e--;
		char *item = xstrndup(a, (size_t)(e - a));
		node_add(seq, scalar_new(item, n->plain, n));
		free(item);
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	return seq;
}

/* "ADDRESS[/TLS]" as a listener mapping. */
static struct node *listen_from_scalar(const struct node *n)
{
	struct node *m = node_new(N_MAP, n->src, n->line, n->col);
	const char *slash = strchr(n->str, '/');
	char *addr = xstrndup(n->str, slash ? (size_t)(slash - n->str) : strlen(n->str));
	node_add(m, scalar_new("address", 1, n));
	node_add(m, scalar_new(addr, n->plain, n));
	if (slash) {
		node_add(m, scalar_new("tls", 1, n));
		node_add(m, scalar_new(slash + 1, n->plain, n));
	}
	free(addr);
	return m;
}

static void validate_list(struct load *L, const struct field *f, void *base, const struct node *v,
			  const char *path)
{
	struct node *tmp = NULL;
	if (v->kind == N_SCALAR && (f->flags & F_SCALAR_LIST))
		v = tmp = split_commas(v);
	if (v->kind != N_SEQ) {
		err_type(L, v, path, "list");
		return;
	}
	size_t n = v->nkids;
	char *arr = xcalloc(n, f->sub ? f->elsize : sizeof(char *));
	*(void **)((char *)base + f->off) = arr;
	*(size_t *)((char *)base + f->cnt) = n;
	for (size_t i = 0; i < n; i++) {
		const struct node *item = v->kids[i];
		char *ipath = xasprintf("%s[%zu]", path, i);
		if (f->sub == NULL) {
			const char *s = NULL;
			if (is_null(item))
				err_type(L, item, ipath, "string");
			else
				s = string_value(L, f, item, ipath);
			((char **)arr)[i] = xstrdup(s);
		} else if (is_null(item)) {
			err_type(L, item, ipath, "mapping");
			set_defaults(f->sub, arr + i * f->elsize);
		} else if (item->kind == N_SCALAR && f->sub->from_scalar) {
			struct node *m = f->sub->from_scalar(item);
			validate_map(L, f->sub, arr + i * f->elsize, m, ipath);
			node_free(m);
		} else {
			validate_map(L, f->sub, arr + i * f->elsize, item, ipath);
		}
		free(ipath);
	}
	node_free(tmp);
}

/* Stores one non-null value of field f. */
static void set_value(struct load *L, const struct field *f, void *base, const struct node *v,
		      const char *path)
{
	char *p = (char *)base + f->off;
	const char *want = f->type == T_INT    ? "integer"
			   : f->type == T_BOOL ? "boolean (true/false, yes/no, on/off)"
					       : "size (bytes, or a number with k, M or G)";
	long lv = 0;
	int rc;
	switch (f->type) {
	case T_STR:
	case T_CHAR: {
		const char *s = string_value(L, f, v, path);
		if (s == NULL)
			return;
		if (f->type == T_CHAR) {
			*p = s[0];
		} else {
			free(*(char **)p);
			*(char **)p = xstrdup(s);
		}
		/* opened as it will be: relative to the working directory */
		if ((L->flags & CFG_CHECK_FILES) && (f->flags & F_FILE) && *s &&
		    access(s, R_OK) != 0)
			err_val(L, v, path, "%s: %s", s, strerror(errno));
		return;
	}
	case T_INT:
	case T_SIZE:
		if (v->kind != N_SCALAR || !v->plain) {
			err_type(L, v, path, want);
			return;
		}
		rc = f->type == T_INT ? parse_long(v->str, &lv) : parse_size(v->str, &lv);
		if (rc < 0) {
			err_type(L, v, path, want);
			return;
		}
		if (rc > 0 || lv < f->min || lv > f->max) {
			char *lo = f->type == T_SIZE ? fmt_size(f->min) : xasprintf("%ld", f->min);
			char *hi = f->type == T_SIZE ? fmt_size(f->max) : xasprintf("%ld", f->max);
			err_val(L, v, path, "%s is out of range (%s..%s)", v->str, lo, hi);
			free(lo);
			free(hi);
			return;
		}
		if (f->type == T_INT)
			*(int *)p = (int)lv;
		else
			*(long *)p = lv;
		return;
	case T_BOOL:
		if (v->kind != N_SCALAR || !v->plain || parse_bool(v->str, &rc) != 0) {
			err_type(L, v, path, want);
			return;
		}
		*(int *)p = rc;
		return;
	case T_MAP:
		validate_map(L, f->sub, p, v, path);
		return;
	case T_LIST:
		validate_list(L, f, base, v, path);
		return;
	case T_LATER:
		return;
	}
}

static void validate_map(struct load *L, const struct section *s, void *base,
			 const struct node *map, const char *path)
{
	const struct node *keys[MAX_FIELDS] = {0}, *vals[MAX_FIELDS] = {0};
	int bad = 0;
	set_defaults(s, base);
	if (map && map->kind != N_MAP) {
		err_type(L, map, in_section(path), "mapping");
		bad = 1;
	}
	for (size_t i = 0; map && !bad && i + 1 < map->nkids; i += 2) {
		const struct node *k = map->kids[i], *v = map->kids[i + 1];
		if (k->kind != N_SCALAR) {
			char *got = describe(k);
			err_at(L, k, "keys must be strings, got %s %s%s", got,
			       *path ? "in " : "at ", in_section(path));
			free(got);
			continue;
		}
		const struct field *f = field_find(s, k->str);
		if (f == NULL) {
			if (!s->open_keys)
				err_unknown_key(L, k, s, k->str, path);
			continue;
		}
		size_t fi = (size_t)(f - s->fields);
		if (keys[fi]) {
			char *first = where(keys[fi]);
			err_at(L, k, "duplicate key \"%s\" %s%s (first at %s)", k->str,
			       *path ? "in " : "at ", in_section(path), first);
			free(first);
			continue;
		}
		keys[fi] = k;
		vals[fi] = v;
		char *kpath = join(path, k->str);
		if (f->type == T_LATER)
			err_at(L, k, "%s is not supported yet", kpath);
		else if (!is_null(v))
			set_value(L, f, base, v, kpath);
		free(kpath);
	}
	for (size_t i = 0; i < s->nfields; i++) {
		const struct field *f = &s->fields[i];
		if (f->type == T_MAP && is_null(vals[i])) {
			char *kpath = join(path, f->key);
			validate_map(L, f->sub, (char *)base + f->off, NULL, kpath);
			free(kpath);
		}
		if (!(f->flags & F_REQUIRED) || map == NULL || bad)
			continue;
		if (keys[i] == NULL)
			err_at(L, map, "missing required key \"%s\" %s%s", f->key,
			       *path ? "in " : "at ", in_section(path));
		else if (is_null(vals[i])) {
			char *kpath = join(path, f->key);
			err_val(L, vals[i]->line ? keys[i] : vals[i], kpath, "a value is required");
			free(kpath);
		}
	}
	if (map && !bad && s->finish)
		s->finish(L, base, map, path);
}

/* ---- cross-field checks ------------------------------------------------ */

/* A connector's section as a schema section of our own (fields has room
 * for MAX_FIELDS). */
static void conn_section(const struct cfg_conn_section *cs, struct field *fields,
			 struct section *sec)
{
	static const enum ftype types[] = {
		[CFG_CONN_STR] = T_STR,
		[CFG_CONN_INT] = T_INT,
		[CFG_CONN_BOOL] = T_BOOL,
		[CFG_CONN_SIZE] = T_SIZE,
	};
	size_t n = cs->nkeys < MAX_FIELDS ? cs->nkeys : MAX_FIELDS;
	for (size_t i = 0; i < n; i++) {
		const struct cfg_conn_key *k = &cs->keys[i];
		fields[i] = (struct field){
			.key = k->key,
			.type = types[k->type],
			.off = k->off,
			.min = k->min,
			.max = k->max,
			.idef = k->idef,
			.sdef = k->sdef,
			.flags = ((k->flags & CFG_CONN_REQUIRED) ? F_REQUIRED : 0) |
				 ((k->flags & CFG_CONN_FILE) ? F_FILE : 0),
			.check = k->type == CFG_CONN_STR ? check_nonempty : NULL,
		};
	}
	*sec = (struct section){.fields = fields, .nfields = n};
}

/* The forum's keys that forum_fields does not know: its connector's
 * section (validated by the connector's schema), anything else refused. */
static void forum_conn_keys(struct load *L, struct cfg_forum *f, const struct node *map,
			    const char *path)
{
	const struct forum_connector_ops *ops = f->type ? forum_connector(f->type) : NULL;
	const struct cfg_conn_section *cs = ops ? ops->config : NULL;
	struct field fields[MAX_FIELDS];
	struct section sec = {0};
	const struct node *seen = NULL;
	if (cs) {
		conn_section(cs, fields, &sec);
		f->conn_section = cs;
		f->conn = xcalloc(1, cs->size);
	}
	for (size_t i = 0; i + 1 < map->nkids; i += 2) {
		const struct node *k = map->kids[i], *v = map->kids[i + 1];
		if (k->kind != N_SCALAR || field_find(&forum_section, k->str))
			continue;
		if (cs == NULL || strcmp(k->str, cs->name)) {
			if (cs == NULL && ops == NULL && f->type &&
			    in_list(forum_types_later, k->str) && !strcmp(k->str, f->type))
				continue; /* the type is already refused */
			err_unknown_key(L, k, &forum_section, k->str, path);
			continue;
		}
		if (seen) {
			char *first = where(seen);
			err_at(L, k, "duplicate key \"%s\" in %s (first at %s)", k->str, path,
			       first);
			free(first);
			continue;
		}
		seen = k;
		char *kpath = join(path, k->str);
		validate_map(L, &sec, f->conn, is_null(v) ? NULL : v, kpath);
		if (is_null(v) && cs->required)
			err_val(L, v->line ? k : v, kpath, "a value is required");
		free(kpath);
	}
	if (cs && seen == NULL) {
		validate_map(L, &sec, f->conn, NULL, path);
		if (cs->required)
			err_at(L, map, "missing required key \"%s\" in %s (type %s needs it)",
			       cs->name, path, f->type);
	}
}

static void backfill_finish(struct load *L, void *base, const struct node *map, const char *path)
{
	const struct cfg_forum *f = base;
	if (f->backfill_days && f->backfill_topics)
		err_at(L, map, "%s: give days or topics, not both", path);
}

static void board_backfill_finish(struct load *L, void *base, const struct node *map,
				  const char *path)
{
	const struct cfg_board *b = base;
	if (b->backfill_days && b->backfill_topics)
		err_at(L, map, "%s: give days or topics, not both", path);
}

static void forum_finish(struct load *L, void *base, const struct node *map, const char *path)
{
	struct cfg_forum *f = base;
	forum_conn_keys(L, f, map, path);
	const struct node *sp = map_get(map, "spool");
	const struct node *pi = map_get(map, "poll_interval");
	long v;
	if (pi && sp && sp->kind == N_MAP && map_get(sp, "poll_interval"))
		err_at(L, map_get(sp, "poll_interval"),
		       "%s: poll_interval is given twice (here and in %s); keep one", path, path);
	else if (pi && pi->kind == N_SCALAR && parse_long(pi->str, &v) == 0 && v >= 1 && v <= 86400)
		f->poll_interval = (int)v; /* the absent spool section reset it to its default */
	if (f->type && !strcmp(f->type, "spool") && !f->spool_path &&
	    is_null(map_get(map, "spool")))
		err_at(L, map, "missing required key \"spool\" in %s (type spool needs spool.path)",
		       path);
	if (f->group_prefix == NULL && f->name) {
		/* the name is [a-z0-9-]+, but may still be a reserved component */
		char *why = ng_problem(f->name);
		if (why)
			err_at(L, map_get(map, "name"),
			       "%s: forum name \"%s\" cannot be the group prefix (%s); set group_prefix",
			       path, f->name, why);
		free(why);
		f->group_prefix = xstrdup(f->name);
	}
	const struct node *boards = map_get(map, "boards");
	for (size_t i = 0; i < f->nboards; i++) {
		for (size_t j = 0; j < i && f->boards[i].board; j++) {
			if (!f->boards[j].board ||
			    strcasecmp(f->boards[i].board, f->boards[j].board))
				continue;
			const struct node *a = map_get(seq_get(boards, i), "board");
			const struct node *b = map_get(seq_get(boards, j), "board");
			char *first = b ? where(b) : xstrdup("?");
			err_at(L, a ? a : map, "duplicate board \"%s\" in %s (first at %s)",
			       f->boards[i].board, path, first);
			free(first);
			break;
		}
	}
}

/* "host:port", or a bare port for the loopback (the listener is meant to
 * sit behind the site's reverse proxy). */
static char *check_http_listen(const char *v)
{
	size_t n = strlen(v);
	if (n > 0 && n <= 5 && strspn(v, "0123456789") == n && atoi(v) >= 1 && atoi(v) <= 65535)
		return NULL;
	return check_listen(v);
}

static void http_finish(struct load *L, void *base, const struct node *map, const char *path)
{
	struct cfg_http *h = base;
	if (h->listen && strspn(h->listen, "0123456789") == strlen(h->listen)) {
		char *full = xasprintf("127.0.0.1:%s", h->listen);
		free(h->listen);
		h->listen = full;
	}
}

/* The node of list item i under `key` of map (a scalar list gives itself). */
static const struct node *item_node(const struct node *map, const char *key, size_t i)
{
	const struct node *l = map_get(map, key);
	if (l && l->kind == N_SEQ)
		return seq_get(l, i);
	return l ? l : map;
}

static void nntp_finish(struct load *L, void *base, const struct node *map, const char *path)
{
	struct cfg_nntp *n = base;
	if ((n->tls_cert == NULL) != (n->tls_key == NULL)) {
		const struct node *t = map_get(map, "tls");
		err_at(L, t && !is_null(t) ? t : map, "%s.tls: cert and key must be set together",
		       path);
	}
	for (size_t i = 0; i < n->nlisten; i++) {
		struct cfg_listen *l = &n->listen[i];
		if (l->tls && strcmp(l->tls, "none") && (!n->tls_cert || !n->tls_key))
			err_at(L, item_node(map, "listen", i),
			       "%s.listen[%zu]: tls \"%s\" needs %s.tls.cert and %s.tls.key", path,
			       i, l->tls, path, path);
		for (size_t j = 0; j < i && l->address; j++) {
			if (n->listen[j].address && !strcmp(n->listen[j].address, l->address)) {
				err_at(L, item_node(map, "listen", i),
				       "%s.listen[%zu]: address %s is "
				       "already used by %s.listen[%zu]",
				       path, i, l->address, path, j);
				break;
			}
		}
	}
}

static void imap_finish(struct load *L, void *base, const struct node *map, const char *path)
{
	struct cfg_imap *m = base;
	if (m->host == NULL && !is_null(map_get(map, "host")))
		return; /* an invalid host, already reported */
	if (m->host == NULL) {
		/* only the defaults cfg_print writes for an absent section: off */
		int set = m->port != 993 || m->poll_interval != 60 || m->idle != 1;
		for (size_t i = 0; i + 1 < map->nkids && !set; i += 2) {
			const struct node *k = map->kids[i];
			set = k->kind == N_SCALAR && strcmp(k->str, "port") &&
			      strcmp(k->str, "idle") && strcmp(k->str, "poll_interval") &&
			      !is_null(map->kids[i + 1]);
		}
		if (set)
			err_at(L, map, "missing required key \"host\" in %s", path);
		return;
	}
	if (m->user == NULL)
		err_at(L, map, "missing required key \"user\" in %s", path);
	if (m->password_file == NULL)
		err_at(L, map, "missing required key \"password_file\" in %s", path);
	if (m->tls == NULL)
		m->tls = xstrdup("implicit");
	if (m->mailbox == NULL)
		m->mailbox = xstrdup("INBOX");
	if (m->failed_mailbox == NULL)
		m->failed_mailbox = xstrdup("forumgate-failed");
	if (strcmp(m->tls, "implicit") && is_null(map_get(map, "port")))
		m->port = 143;
	if (!strcmp(m->tls, "none") && !is_loopback(m->host)) {
		const struct node *t = map_get(map, "tls");
		err_at(L, t ? t : map,
		       "%s.tls: \"none\" is only allowed for a loopback host "
		       "(the password would cross the network in clear), not %s",
		       path, m->host);
	}
	if (!strcmp(m->mailbox, m->failed_mailbox))
		err_at(L, map, "%s: mailbox and failed_mailbox must differ", path);
}

struct ngref {
	const char *group;
	const struct node *at;
};

static void root_finish(struct load *L, void *base, const struct node *map, const char *path)
{
	struct cfg *c = base;
	if (c->gateway.domain) {
		if (c->gateway.path_host == NULL)
			c->gateway.path_host = xstrdup(c->gateway.domain);
		if (c->mail.reply_domain == NULL)
			c->mail.reply_domain = xstrdup(c->gateway.domain);
	}
	const struct node *forums = map_get(map, "forums");
	size_t nrefs = 0;
	for (size_t i = 0; i < c->nforums; i++)
		nrefs += c->forums[i].nboards;
	struct ngref *refs = xcalloc(nrefs, sizeof *refs);
	nrefs = 0;
	for (size_t i = 0; i < c->nforums; i++) {
		const struct cfg_forum *f = &c->forums[i];
		const struct node *fn = seq_get(forums, i);
		for (size_t j = 0; j < i && f->name; j++) {
			if (c->forums[j].name && !strcmp(c->forums[j].name, f->name)) {
				const struct node *a = map_get(fn, "name");
				const struct node *b = map_get(seq_get(forums, j), "name");
				char *first = b ? where(b) : xasprintf("forums[%zu]", j);
				err_at(L, a ? a : map, "duplicate forum name \"%s\" (first at %s)",
				       f->name, first);
				free(first);
				break;
			}
		}
		for (size_t j = 0; j < i && f->group_prefix; j++) {
			if (c->forums[j].group_prefix &&
			    !strcmp(c->forums[j].group_prefix, f->group_prefix)) {
				const struct node *a = map_get(fn, "group_prefix");
				err_at(L,
				       a    ? a
				       : fn ? fn
					    : map,
				       "forums[%zu]: group_prefix \"%s\" is also "
				       "used by forums[%zu]",
				       i, f->group_prefix, j);
				break;
			}
		}
		for (size_t k = 0; k < f->nboards; k++) {
			if (f->boards[k].group == NULL)
				continue;
			const struct node *g = map_get(item_node(fn, "boards", k), "group");
			refs[nrefs].group = f->boards[k].group;
			refs[nrefs++].at = g ? g : fn ? fn : map;
		}
	}
	/* one group per board: two boards in one group would mix their numbering */
	for (size_t i = 0; i < nrefs; i++) {
		for (size_t j = 0; j < i; j++) {
			if (strcmp(refs[i].group, refs[j].group))
				continue;
			char *first = where(refs[j].at);
			err_at(L, refs[i].at, "duplicate newsgroup \"%s\" (first at %s)",
			       refs[i].group, first);
			free(first);
			break;
		}
	}
	free(refs);
}

/* ---- libyaml document → tree ------------------------------------------- */

static struct node *convert(struct load *L, yaml_document_t *doc, yaml_node_t *yn, int depth)
{
	if (yn == NULL || L->fatal)
		return NULL;
	int line = (int)yn->start_mark.line + 1, col = (int)yn->start_mark.column + 1;
	if (++L->nnodes > MAX_NODES || depth > MAX_DEPTH) {
		struct node pos = {.src = L->name, .line = line, .col = col};
		err_at(L, &pos,
		       depth > MAX_DEPTH ? "nesting too deep (a recursive alias?)"
					 : "too many nodes (aliases expanding too much?)");
		L->fatal = 1;
		return NULL;
	}
	struct node *n;
	switch (yn->type) {
	case YAML_SCALAR_NODE:
		n = node_new(N_SCALAR, L->name, line, col);
		if (memchr(yn->data.scalar.value, 0, yn->data.scalar.length)) {
			err_at(L, n, "NUL characters are not allowed");
			L->fatal = 1;
		}
		n->str = xstrndup((const char *)yn->data.scalar.value, yn->data.scalar.length);
		n->plain = yn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		return n;
	case YAML_SEQUENCE_NODE:
		n = node_new(N_SEQ, L->name, line, col);
		for (yaml_node_item_t *it = yn->data.sequence.items.start;
		     it < yn->data.sequence.items.top; it++) {
			struct node *kid = convert(L, doc, yaml_document_get_node(doc, *it),
						   depth + 1);
			if (kid)
				node_add(n, kid);
		}
		return n;
	case YAML_MAPPING_NODE:
		n = node_new(N_MAP, L->name, line, col);
		for (yaml_node_pair_t *pr = yn->data.mapping.pairs.start;
		     pr < yn->data.mapping.pairs.top; pr++) {
			struct node *k = convert(L, doc, yaml_document_get_node(doc, pr->key),
						 depth + 1);
			struct node *v = convert(L, doc, yaml_document_get_node(doc, pr->value),
						 depth + 1);
			if (k && v) {
				node_add(n, k);
				node_add(n, v);
			} else {
				node_free(k);
				node_free(v);
			}
		}
		return n;
	default:
		return NULL;
	}
}

/* text/len: the parsed text, to recognize a tab where libyaml stopped. */
static void syntax_error(struct load *L, const yaml_parser_t *p, const char *text, size_t len)
{
	const char *problem = p->problem ? p->problem : "out of memory";
	if (p->error == YAML_READER_ERROR) {
		if (p->problem_value != -1)
			err_at(L, NULL, "%s (byte 0x%02x at offset %zu)", problem,
			       p->problem_value & 0xff, p->problem_offset);
		else
			err_at(L, NULL, "%s at offset %zu", problem, p->problem_offset);
		return;
	}
	struct node pos = {.src = L->name,
			   .line = (int)p->problem_mark.line + 1,
			   .col = (int)p->problem_mark.column + 1};
	/* libyaml only says "found character that cannot start any token" */
	const char *hint = p->problem_mark.index < len && text[p->problem_mark.index] == '\t'
				   ? " (a tab: YAML indents with spaces)"
				   : "";
	if (p->context)
		err_at(L, &pos, "%s%s (%s at %zu:%zu)", problem, hint, p->context,
		       p->context_mark.line + 1, p->context_mark.column + 1);
	else
		err_at(L, &pos, "%s%s", problem, hint);
}

/* ---- overrides --------------------------------------------------------- */

static const char *add_src(struct load *L, const char *key)
{
	L->srcs = xrealloc(L->srcs, (L->nsrcs + 1) * sizeof *L->srcs);
	return L->srcs[L->nsrcs++] = xasprintf("-o %s", key);
}

/* The value slot of `key` in map m, appending the key if missing. */
static struct node **map_slot(struct node *m, const char *key, const struct node *pos)
{
	for (size_t i = 0; i + 1 < m->nkids; i += 2)
		if (m->kids[i]->kind == N_SCALAR && !strcmp(m->kids[i]->str, key))
			return &m->kids[i + 1];
	node_add(m, scalar_new(key, 1, pos));
	node_add(m, scalar_new("", 1, pos));
	return &m->kids[m->nkids - 1];
}

/* Applies "a.b.c=VALUE" to the tree: the path is checked against the
 * schema; lists of sections take an index or the element's id_key value. */
static void apply_override(struct load *L, const char *ov)
{
	const char *eq = strchr(ov, '=');
	char *key = xstrndup(ov, eq ? (size_t)(eq - ov) : strlen(ov));
	const struct node label = {.src = add_src(L, key)};
	if (eq == NULL || eq == ov) {
		err_at(L, &label, "expected KEY=VALUE");
		free(key);
		return;
	}
	if (key[0] == '.' || key[strlen(key) - 1] == '.' || strstr(key, "..")) {
		err_at(L, &label, "empty component in the key");
		free(key);
		return;
	}
	const char *value = eq + 1;
	if (!utf8_valid(value)) {
		err_at(L, &label, "value is not valid UTF-8");
		free(key);
		return;
	}
	size_t vlen = strlen(value);
	int plain = !(vlen >= 2 && (value[0] == '"' || value[0] == '\'') &&
		      value[vlen - 1] == value[0]);
	char *val = plain ? xstrdup(value) : xstrndup(value + 1, vlen - 2);

	const struct section *sec = &root_section;
	struct field cfields[MAX_FIELDS]; /* a connector's section (conn_section) */
	struct section csec;
	struct node **slot = &L->root;
	char *path = xstrdup("");
	char *save = NULL;
	for (char *seg = strtok_r(key, ".", &save); seg; seg = strtok_r(NULL, ".", &save)) {
		if (sec == NULL) {
			err_at(L, &label, "%s has no keys (\"%s\")", path, seg);
			goto out;
		}
		if (is_null(*slot)) {
			node_free(*slot);
			*slot = node_new(N_MAP, label.src, 0, 0);
		} else if ((*slot)->kind != N_MAP) {
			err_at(L, &label, "%s is not a mapping in the configuration",
			       in_section(path));
			goto out;
		}
		const struct field *f = field_find(sec, seg);
		if (f == NULL && sec == &forum_section) {
			/* the section the forum's connector declares */
			const struct node *type = map_get(*slot, "type");
			const struct forum_connector_ops *ops = type && type->kind == N_SCALAR
									? forum_connector(type->str)
									: NULL;
			if (ops && ops->config && !strcmp(ops->config->name, seg)) {
				conn_section(ops->config, cfields, &csec);
				slot = map_slot(*slot, seg, &label);
				char *np = join(path, seg);
				free(path);
				path = np;
				sec = &csec;
				continue;
			}
		}
		if (f == NULL) {
			err_unknown_key(L, &label, sec, seg, path);
			goto out;
		}
		slot = map_slot(*slot, seg, &label);
		char *np = join(path, seg);
		free(path);
		path = np;
		sec = f->type == T_MAP ? f->sub : NULL;
		if (f->type != T_LIST || f->sub == NULL || save == NULL || *save == '\0')
			continue;
		/* select one element of a list of sections */
		char *sel = strtok_r(NULL, ".", &save);
		struct node *list = *slot;
		size_t idx = 0, n = list && list->kind == N_SEQ ? list->nkids : 0;
		if (sel[strspn(sel, "0123456789")] == '\0') {
			idx = (size_t)strtoul(sel, NULL, 10);
			if (idx >= n) {
				err_at(L, &label, "%s has no element %s (it has %zu)", path, sel,
				       n);
				goto out;
			}
		} else {
			for (idx = 0; idx < n; idx++) {
				const struct node *id = map_get(list->kids[idx], f->sub->id_key);
				if (id && id->kind == N_SCALAR && !strcmp(id->str, sel))
					break;
			}
			if (idx == n) {
				err_at(L, &label, "no element of %s has %s \"%s\"", path,
				       f->sub->id_key, sel);
				goto out;
			}
		}
		if (save == NULL || *save == '\0') {
			err_at(L, &label, "name a key inside %s[%zu]", path, idx);
			goto out;
		}
		slot = &list->kids[idx];
		np = xasprintf("%s[%zu]", path, idx);
		free(path);
		path = np;
		sec = f->sub;
	}
	node_free(*slot);
	*slot = scalar_new(val, plain, &label);
	(*slot)->line = (*slot)->col = 0;
out:
	free(path);
	free(val);
	free(key);
}

/* ---- freeing and printing, driven by the schema ------------------------ */

static void free_section(const struct section *s, void *base)
{
	if (s == &forum_section) {
		struct cfg_forum *cf = base;
		if (cf->conn) {
			struct field fields[MAX_FIELDS];
			struct section sec;
			conn_section(cf->conn_section, fields, &sec);
			free_section(&sec, cf->conn);
			free(cf->conn);
		}
	}
	for (size_t i = 0; i < s->nfields; i++) {
		const struct field *f = &s->fields[i];
		char *p = (char *)base + f->off;
		if (f->type == T_STR) {
			free(*(char **)p);
		} else if (f->type == T_MAP) {
			free_section(f->sub, p);
		} else if (f->type == T_LIST) {
			char *arr = *(char **)p;
			size_t n = *(size_t *)((char *)base + f->cnt);
			for (size_t k = 0; arr && k < n; k++) {
				if (f->sub)
					free_section(f->sub, arr + k * f->elsize);
				else
					free(((char **)arr)[k]);
			}
			free(arr);
		}
	}
}

void cfg_free(struct cfg *c)
{
	if (c == NULL)
		return;
	free_section(&root_section, c);
	free(c->file);
	for (size_t i = 0; i < c->noverrides; i++)
		free(c->overrides[i]);
	free(c->overrides);
	free(c);
}

/* A YAML double-quoted string that reads back as s: escapes what libyaml
 * would not read raw (controls, C1, line separators, BOM, U+FFFE/F). */
static void add_quoted(struct buf *o, const char *s)
{
	buf_addc(o, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_addf(o, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			buf_addf(o, "\\x%02x", *p);
		else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) /* C1 controls */
			buf_addf(o, "\\x%02x", p[1]), p++;
		else if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
			buf_adds(o, p[2] == 0xa8 ? "\\L" : "\\P"), p += 2;
		else if (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
			buf_adds(o, "\\uFEFF"), p += 2;
		else if (p[0] == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf))
			buf_addf(o, "\\uFF%02X", p[2]), p += 2;
		else
			buf_addc(o, (char)*p);
	}
	buf_addc(o, '"');
}

static void print_section(struct buf *o, const struct section *s, const void *base, int ind)
{
	for (size_t i = 0; i < s->nfields; i++) {
		const struct field *f = &s->fields[i];
		const char *p = (const char *)base + f->off;
		if (f->flags & F_NOPRINT)
			continue;
		/* spool's section means nothing to (and would not load for)
		 * a forum of another type */
		if (f->sub == &spool_section &&
		    strcmp(((const struct cfg_forum *)base)->type
				   ? ((const struct cfg_forum *)base)->type
				   : "",
			   "spool"))
			continue;
		switch (f->type) {
		case T_STR:
			if (*(char *const *)p == NULL)
				break;
			buf_addf(o, "%*s%s: ", ind, "", f->key);
			add_quoted(o, *(char *const *)p);
			buf_addc(o, '\n');
			break;
		case T_CHAR:
			if (*p)
				buf_addf(o, "%*s%s: \"%c\"\n", ind, "", f->key, *p);
			break;
		case T_INT:
			buf_addf(o, "%*s%s: %d\n", ind, "", f->key, *(const int *)p);
			break;
		case T_BOOL:
			buf_addf(o, "%*s%s: %s\n", ind, "", f->key,
				 *(const int *)p ? "true" : "false");
			break;
		case T_SIZE: {
			char *sz = fmt_size(*(const long *)p);
			buf_addf(o, "%*s%s: %s\n", ind, "", f->key, sz);
			free(sz);
			break;
		}
		case T_MAP: {
			/* no IMAP configured: its defaults alone would read as if it were */
			if (f->sub == &imap_section && ((const struct cfg_imap *)p)->host == NULL)
				break;
			struct buf sub = BUF_INIT;
			print_section(&sub, f->sub, p, ind + 2);
			if (sub.len)
				buf_addf(o, "%*s%s:\n%s", ind, "", f->key, sub.p);
			buf_free(&sub);
			break;
		}
		case T_LIST: {
			const char *arr = *(char *const *)p;
			size_t n = *(const size_t *)((const char *)base + f->cnt);
			buf_addf(o, "%*s%s:%s", ind, "", f->key, n ? "" : " []");
			if (f->sub == NULL && n)
				buf_adds(o, " [");
			for (size_t k = 0; k < n; k++) {
				if (f->sub == NULL) {
					if (k)
						buf_adds(o, ", ");
					add_quoted(o, ((char *const *)arr)[k]);
					continue;
				}
				struct buf e = BUF_INIT;
				print_section(&e, f->sub, arr + k * f->elsize, ind + 4);
				if (e.len == 0) {
					buf_addf(o, "\n%*s- {}", ind + 2, "");
				} else {
					e.p[ind + 2] = '-';
					buf_addc(o, '\n');
					buf_add(o, e.p, e.len - 1);
				}
				buf_free(&e);
			}
			if (f->sub == NULL && n)
				buf_addc(o, ']');
			buf_addc(o, '\n');
			break;
		}
		case T_LATER:
			break;
		}
	}
	if (s == &forum_section && ((const struct cfg_forum *)base)->conn) {
		/* the section the forum's connector declares */
		const struct cfg_forum *cf = base;
		struct field fields[MAX_FIELDS];
		struct section sec;
		struct buf sub = BUF_INIT;
		conn_section(cf->conn_section, fields, &sec);
		print_section(&sub, &sec, cf->conn, ind + 2);
		buf_addf(o, "%*s%s:%s\n%s", ind, "", cf->conn_section->name, sub.len ? "" : " {}",
			 buf_str(&sub));
		buf_free(&sub);
	}
}

void cfg_print(const struct cfg *c, FILE *f)
{
	struct buf o = BUF_INIT;
	buf_adds(&o, "# forumgate configuration in effect (defaults filled in)\n");
	print_section(&o, &root_section, c, 0);
	fputs(buf_str(&o), f);
	buf_free(&o);
}

/* Prints the dotted path of every key of section s under prefix; a list
 * of sections as "prefix[].key". */
static void keys_section(FILE *f, const struct section *s, const char *prefix)
{
	for (size_t i = 0; i < s->nfields; i++) {
		const struct field *fl = &s->fields[i];
		char *path = xasprintf("%s%s%s", prefix, *prefix ? "." : "", fl->key);
		if (fl->type == T_LATER) {
			free(path);
			continue;
		}
		fprintf(f, "%s\n", path);
		if (fl->sub && fl->type == T_LIST) {
			char *item = xasprintf("%s[]", path);
			keys_section(f, fl->sub, item);
			free(item);
		} else if (fl->sub) {
			keys_section(f, fl->sub, path);
		}
		if (s == &forum_section && strcmp(fl->key, "type") == 0) {
			/* the connectors' own sections, forums[].<type>.* */
			for (const char *const *t = forum_connector_types(); *t; t++) {
				const struct forum_connector_ops *ops = forum_connector(*t);
				const struct cfg_conn_section *cs = ops ? ops->config : NULL;
				if (cs == NULL)
					continue;
				fprintf(f, "%s.%s\n", prefix, cs->name);
				for (size_t k = 0; k < cs->nkeys; k++)
					fprintf(f, "%s.%s.%s\n", prefix, cs->name, cs->keys[k].key);
			}
		}
		free(path);
	}
}

void cfg_print_keys(FILE *f)
{
	keys_section(f, &root_section, "");
}

/* ---- public entry points ----------------------------------------------- */

int cfg_load_string(const char *name, const char *text, size_t len, char *const *overrides,
		    size_t n, struct cfg **out, char **err)
{
	return cfg_load_string_flags(name, text, len, overrides, n, 0, out, err);
}

int cfg_load_string_flags(const char *name, const char *text, size_t len, char *const *overrides,
			  size_t n, unsigned flags, struct cfg **out, char **err)
{
	struct load L = {.name = name ? name : "<config>", .flags = flags};
	yaml_parser_t p;
	yaml_document_t doc;
	*out = NULL;
	if (!yaml_parser_initialize(&p))
		return fg_error(err, "%s: cannot initialize the YAML parser", L.name);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	if (!yaml_parser_load(&p, &doc)) {
		syntax_error(&L, &p, text, len);
	} else {
		yaml_node_t *root = yaml_document_get_root_node(&doc);
		L.root = convert(&L, &doc, root, 0);
		yaml_document_delete(&doc);
		if (root && !L.fatal) {
			if (!yaml_parser_load(&p, &doc)) {
				syntax_error(&L, &p, text, len);
			} else {
				yaml_node_t *more = yaml_document_get_root_node(&doc);
				if (more) {
					struct node pos = {.src = L.name,
							   .line = (int)more->start_mark.line + 1,
							   .col = (int)more->start_mark.column + 1};
					err_at(&L, &pos, "only one YAML document is allowed");
				}
				yaml_document_delete(&doc);
			}
		}
	}
	yaml_parser_delete(&p);
	struct cfg *c = NULL;
	if (L.nerr == 0) {
		if (is_null(L.root)) {
			struct node *r = node_new(N_MAP, L.name, L.root ? L.root->line : 1,
						  L.root ? L.root->col : 1);
			node_free(L.root);
			L.root = r;
		}
		for (size_t i = 0; i < n; i++)
			apply_override(&L, overrides[i]);
		c = xcalloc(1, sizeof *c);
		c->file = xstrdup(L.name);
		/* kept for a reload (SIGHUP), which must read the same way */
		c->overrides = xcalloc(n + 1, sizeof *c->overrides);
		for (size_t i = 0; i < n; i++)
			c->overrides[i] = xstrdup(overrides[i]);
		c->noverrides = n;
		validate_map(&L, &root_section, c, L.root, "");
	}
	node_free(L.root);
	for (size_t i = 0; i < L.nsrcs; i++)
		free(L.srcs[i]);
	free(L.srcs);
	if (L.nerr) {
		cfg_free(c);
		buf_truncate(&L.err, L.err.len - 1); /* the last newline */
		free(*err);
		*err = buf_detach(&L.err);
		return -1;
	}
	buf_free(&L.err);
	*out = c;
	return 0;
}

int cfg_load(const char *path, char *const *overrides, size_t n, struct cfg **out, char **err)
{
	return cfg_load_flags(path, overrides, n, 0, out, err);
}

int cfg_load_flags(const char *path, char *const *overrides, size_t n, unsigned flags,
		   struct cfg **out, char **err)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return fg_error(err, "%s: %s", path, strerror(errno));
	struct buf b = BUF_INIT;
	char chunk[8192];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, got);
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		buf_free(&b);
		return fg_error(err, "%s: read error", path);
	}
	int rc = cfg_load_string_flags(path, buf_str(&b), b.len, overrides, n, flags, out, err);
	buf_free(&b);
	return rc;
}

const struct cfg_forum *cfg_forum_find(const struct cfg *c, const char *name)
{
	for (size_t i = 0; name && i < c->nforums; i++)
		if (c->forums[i].name && !strcmp(c->forums[i].name, name))
			return &c->forums[i];
	return NULL;
}

int cfg_board_mapped(const struct cfg_forum *f, const char *board)
{
	for (size_t i = 0; i < f->nboards; i++)
		if (!strcmp(f->boards[i].board, "*") ||
		    (board && *board && !strcasecmp(f->boards[i].board, board)))
			return 1;
	return 0;
}

char *cfg_board_group(const struct cfg_forum *f, const char *board, const char **desc,
		      char *posting)
{
	const struct cfg_board *hit = NULL;
	if (desc)
		*desc = NULL;
	if (posting)
		*posting = 0;
	for (size_t i = 0; board && *board && !hit && i < f->nboards; i++)
		if (strcmp(f->boards[i].board, "*") && !strcasecmp(f->boards[i].board, board))
			hit = &f->boards[i];
	for (size_t i = 0; !hit && i < f->nboards; i++)
		if (!strcmp(f->boards[i].board, "*"))
			hit = &f->boards[i];
	if (hit) {
		if (desc)
			*desc = hit->description;
		if (posting)
			*posting = hit->posting;
		return xstrdup(hit->group);
	}
	const char *prefix = f->group_prefix ? f->group_prefix : f->name;
	/* one slug rule for the whole gateway: article_slug()'s, which
	 * transliterates ("Café Straße" → "cafe-strasse") */
	char *s = article_group_slug(board);
	char *g;
	if (*s == '\0')
		g = xasprintf("%s.general", prefix);
	else if (!strcmp(s, "all") || !strcmp(s, "ctl"))
		g = xasprintf("%s.%s-board", prefix, s); /* reserved components */
	else
		g = xasprintf("%s.%s", prefix, s);
	free(s);
	return g;
}

int cfg_valid_newsgroup(const char *name)
{
	if (name == NULL)
		return 0;
	char *why = ng_problem(name);
	int ok = why == NULL;
	free(why);
	return ok;
}

const struct cfg_forum *cfg_group_forum(const struct cfg *c, const char *group, const char **board)
{
	const struct cfg_forum *hit = NULL;
	if (board)
		*board = NULL;
	for (size_t i = 0; i < c->nforums; i++)
		for (size_t j = 0; j < c->forums[i].nboards; j++) {
			const struct cfg_board *b = &c->forums[i].boards[j];
			if (strcmp(b->group, group) != 0 || (hit && hit != &c->forums[i]))
				continue;
			hit = &c->forums[i];
			/* "*" feeds the group from every other board: no one board */
			if (board && *board == NULL && strcmp(b->board, "*") != 0)
				*board = b->board;
		}
	if (hit)
		return hit;
	for (size_t i = 0; i < c->nforums; i++) {
		const char *px = c->forums[i].group_prefix;
		size_t pl = px ? strlen(px) : 0;
		if (pl && strncmp(group, px, pl) == 0 && group[pl] == '.')
			return &c->forums[i];
	}
	return NULL;
}

int cfg_group_members_only(const struct cfg *c, const char *group)
{
	for (size_t i = 0; i < c->nforums; i++)
		for (size_t j = 0; j < c->forums[i].nboards; j++) {
			const struct cfg_board *b = &c->forums[i].boards[j];
			if (strcmp(b->group, group) == 0)
				return b->access && strcmp(b->access, "members") == 0;
		}
	return 0;
}

const char *cfg_list_format(const struct cfg *c, const char *group)
{
	for (size_t i = 0; i < c->list.ngroups; i++)
		if (!strcmp(c->list.groups[i].group, group) && c->list.groups[i].format)
			return c->list.groups[i].format;
	return c->list.format ? c->list.format : "text";
}
