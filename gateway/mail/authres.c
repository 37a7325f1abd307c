/*
 * authres: reads Authentication-Results header fields (RFC 8601) and
 * decides whether the believed ones vouch for a message's From domain. The
 * rules and their reasons are in include/forumgate/authres.h.
 *
 * Design choices:
 *  - A hand-written recursive-descent reader over the grammar of RFC 8601
 *    §2.2, one small function per production. Comments are skipped as
 *    white space wherever CFWS may appear, so text inside them is never a
 *    result; quoted strings are read whole, so a ';' inside one never
 *    starts a resinfo.
 *  - Strict about structure, lenient about property values: an unquoted
 *    pvalue runs to the next white space, ';' or comment, because real
 *    MTAs write base64 fragments (header.b=ab/c+d=) unquoted. A header that
 *    breaks the structure is believed in no part: its text may have been
 *    shaped by whatever the MTA copied into it.
 */
#include "forumgate/authres.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "forumgate/buf.h"

#define SEEN_MAX 200

struct lex {
	const char *s;
	size_t i;
	const char *err; /* static text, set at the first error */
};

static int at_end(const struct lex *l)
{
	return l->s[l->i] == '\0';
}

static int fail(struct lex *l, const char *why)
{
	if (l->err == NULL)
		l->err = why;
	return -1;
}

/* [CFWS]: white space, line breaks of a folded value, and comments, which
 * nest and may hold quoted-pairs. */
static int cfws(struct lex *l)
{
	int depth = 0;
	for (;;) {
		char c = l->s[l->i];
		if (c == '\0')
			return depth == 0 ? 0 : fail(l, "a comment is not closed");
		if (depth > 0 && c == '\\' && l->s[l->i + 1] != '\0')
			l->i++;
		else if (c == '(')
			depth++;
		else if (c == ')') {
			if (depth == 0)
				return fail(l, "a ')' closes no comment");
			depth--;
		} else if (depth == 0 && c != ' ' && c != '\t' && c != '\r' && c != '\n')
			return 0;
		l->i++;
	}
}

static int is_keyword_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/* Keyword (RFC 8601: an ldh-str; '_' tolerated), lowercased; NULL if none. */
static char *keyword(struct lex *l)
{
	size_t b = l->i;
	while (is_keyword_char(l->s[l->i]))
		l->i++;
	if (l->i == b)
		return NULL;
	char *k = xstrndup(l->s + b, l->i - b);
	for (char *p = k; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return k;
}

/* quoted-string at l->s[l->i] == '"', appended without quotes and with
 * quoted-pairs undone. */
static int quoted(struct lex *l, struct buf *out)
{
	for (l->i++;; l->i++) {
		char c = l->s[l->i];
		if (c == '\0')
			return fail(l, "a quoted string is not closed");
		if (c == '"') {
			l->i++;
			return 0;
		}
		if (c == '\\' && l->s[l->i + 1] != '\0')
			c = l->s[++l->i];
		buf_addc(out, c);
	}
}

/* RFC 2045 value: token / quoted-string. NULL (and an error) if none. */
static char *value(struct lex *l)
{
	struct buf b = BUF_INIT;
	if (l->s[l->i] == '"') {
		if (quoted(l, &b) != 0) {
			buf_free(&b);
			return NULL;
		}
		return buf_detach(&b);
	}
	size_t st = l->i;
	for (unsigned char c; (c = (unsigned char)l->s[l->i]) > ' ' && c < 0x7f &&
			      strchr("()<>@,;:\\\"/[]?=", c) == NULL;)
		l->i++;
	if (l->i == st) {
		fail(l, "a value is missing");
		return NULL;
	}
	return xstrndup(l->s + st, l->i - st);
}

/* pvalue: a value, or [local-part] "@" domain; quoted parts lose their
 * quotes. Unquoted text runs to white space, ';', a comment or a quote. */
static char *pvalue(struct lex *l)
{
	struct buf b = BUF_INIT;
	for (;;) {
		unsigned char c = (unsigned char)l->s[l->i];
		if (c == '"') {
			if (quoted(l, &b) != 0) {
				buf_free(&b);
				return NULL;
			}
		} else if (c > ' ' && c != 0x7f && c != ';' && c != '(' && c != ')') {
			buf_addc(&b, (char)c);
			l->i++;
		} else {
			break;
		}
	}
	return buf_detach(&b); /* "" allowed: smtp.mailfrom=<> is written as "" too */
}

static void result_clear(struct authres_result *r)
{
	free(r->method);
	free(r->result);
	free(r->reason);
	for (size_t i = 0; i < r->nprops; i++) {
		free(r->props[i].ptype);
		free(r->props[i].property);
		free(r->props[i].value);
	}
	free(r->props);
}

/* resinfo after its ';': methodspec [reasonspec] [propspec...]. */
static int resinfo(struct lex *l, struct authres_result *r)
{
	if ((r->method = keyword(l)) == NULL)
		return fail(l, "a method name is missing");
	if (cfws(l) != 0)
		return -1;
	if (l->s[l->i] == '/') { /* method-version */
		l->i++;
		if (cfws(l) != 0)
			return -1;
		size_t b = l->i;
		while (isdigit((unsigned char)l->s[l->i]))
			l->i++;
		if (l->i == b)
			return fail(l, "a method version is missing");
		if (cfws(l) != 0)
			return -1;
	}
	if (l->s[l->i] != '=')
		return fail(l, "a method has no '=' result");
	l->i++;
	if (cfws(l) != 0)
		return -1;
	if ((r->result = keyword(l)) == NULL)
		return fail(l, "a result is missing");
	size_t cap = 0;
	for (;;) {
		size_t before = l->i;
		if (cfws(l) != 0)
			return -1;
		if (at_end(l) || l->s[l->i] == ';')
			return 0;
		if (l->i == before)
			return fail(l, "a result runs into what follows it");
		char *k = keyword(l);
		if (k == NULL)
			return fail(l, "a property name is missing");
		if (cfws(l) != 0) {
			free(k);
			return -1;
		}
		if (l->s[l->i] == '=' && strcmp(k, "reason") == 0 && r->reason == NULL) {
			/* before the properties per the RFC; some MTAs write it after */
			free(k);
			l->i++;
			if (cfws(l) != 0 || (r->reason = value(l)) == NULL)
				return -1;
			continue;
		}
		if (l->s[l->i] != '.') {
			free(k);
			return fail(l, "a property is not ptype.property=value");
		}
		l->i++;
		char *prop = NULL, *v = NULL;
		if (cfws(l) != 0 || (prop = keyword(l)) == NULL || cfws(l) != 0 ||
		    l->s[l->i] != '=') {
			free(k);
			free(prop);
			return fail(l, "a property is not ptype.property=value");
		}
		l->i++;
		if (cfws(l) != 0 || (v = pvalue(l)) == NULL) {
			free(k);
			free(prop);
			return -1;
		}
		if (r->nprops == cap) {
			cap = cap ? cap * 2 : 4;
			r->props = xrealloc(r->props, cap * sizeof *r->props);
		}
		r->props[r->nprops++] = (struct authres_prop){k, prop, v};
	}
}

int authres_parse(const char *s, struct authres *out, char **err)
{
	memset(out, 0, sizeof *out);
	struct lex l = {s ? s : "", 0, NULL};
	size_t cap = 0;
	if (cfws(&l) != 0 || (out->authserv_id = value(&l)) == NULL || cfws(&l) != 0)
		goto bad;
	if (isdigit((unsigned char)l.s[l.i])) { /* authres-version */
		size_t b = l.i;
		while (isdigit((unsigned char)l.s[l.i]))
			l.i++;
		if (l.i - b != 1 || l.s[b] != '1') {
			fail(&l, "the header is of an unknown version");
			goto bad;
		}
		if (cfws(&l) != 0)
			goto bad;
	}
	for (int first = 1;; first = 0) {
		if (at_end(&l))
			break;
		if (l.s[l.i] != ';') {
			fail(&l, "a ';' is missing before a result");
			goto bad;
		}
		l.i++;
		if (cfws(&l) != 0)
			goto bad;
		if (at_end(&l))
			break; /* a trailing ';' */
		size_t save = l.i;
		char *k = keyword(&l);
		int none = k != NULL && strcmp(k, "none") == 0;
		free(k);
		if (none && first) {
			if (cfws(&l) != 0)
				goto bad;
			if (at_end(&l))
				break;
			if (l.s[l.i] != '=') {
				fail(&l, "\"none\" is followed by more");
				goto bad;
			}
		}
		l.i = save;
		if (out->nresults == cap) {
			cap = cap ? cap * 2 : 4;
			out->results = xrealloc(out->results, cap * sizeof *out->results);
		}
		struct authres_result *r = &out->results[out->nresults++];
		memset(r, 0, sizeof *r);
		if (resinfo(&l, r) != 0)
			goto bad;
	}
	return 0;
bad:
	authres_clear(out);
	return fg_error(err, "Authentication-Results: %s at offset %zu",
			l.err ? l.err : "unreadable", l.i);
}

void authres_clear(struct authres *a)
{
	if (a == NULL)
		return;
	free(a->authserv_id);
	for (size_t i = 0; i < a->nresults; i++)
		result_clear(&a->results[i]);
	free(a->results);
	memset(a, 0, sizeof *a);
}

const char *authres_prop(const struct authres_result *r, const char *ptype, const char *property)
{
	for (size_t i = 0; i < r->nprops; i++)
		if (strcasecmp(r->props[i].ptype, ptype) == 0 &&
		    strcasecmp(r->props[i].property, property) == 0)
			return r->props[i].value;
	return NULL;
}

/* Length of domain d without a trailing dot. */
static size_t dlen(const char *d)
{
	size_t n = strlen(d);
	return n > 0 && d[n - 1] == '.' ? n - 1 : n;
}

/* Is sub[0..sl) a proper subdomain of dom[0..dl)? */
static int subdomain_of(const char *sub, size_t sl, const char *dom, size_t dl)
{
	return sl > dl + 1 && sub[sl - dl - 1] == '.' && strncasecmp(sub + sl - dl, dom, dl) == 0;
}

int authres_aligned(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return 0;
	size_t al = dlen(a), bl = dlen(b);
	if (al == 0 || bl == 0)
		return 0;
	if (al == bl)
		return strncasecmp(a, b, al) == 0;
	/* the shorter, parent domain must not be a top-level domain */
	const char *parent = al < bl ? a : b;
	size_t pl = al < bl ? al : bl;
	if (memchr(parent, '.', pl) == NULL)
		return 0;
	return al < bl ? subdomain_of(b, bl, a, al) : subdomain_of(a, al, b, bl);
}

static int domain_eq(const char *a, const char *b)
{
	return a != NULL && b != NULL && dlen(a) == dlen(b) && strncasecmp(a, b, dlen(a)) == 0;
}

/* The domain of an address or a bare domain ("user@d", "@d", "d"). */
static const char *addr_domain(const char *v)
{
	if (v == NULL)
		return NULL;
	const char *at = strrchr(v, '@');
	const char *d = at ? at + 1 : v;
	return *d ? d : NULL;
}

static int trusted_id(const char *id, char *const *trusted, size_t ntrusted)
{
	for (size_t t = 0; t < ntrusted; t++)
		if (trusted[t] != NULL && strcasecmp(id, trusted[t]) == 0)
			return 1;
	return 0;
}

/* Fields the author's software writes. Trace fields are prepended on the
 * way, so nothing below one of these was added by an MTA. */
static int originator_field(const char *name)
{
	static const char *const names[] = {
		"From",         "Sender",       "Reply-To",      "To",          "Cc",
		"Subject",      "Date",         "Message-ID",    "In-Reply-To", "References",
		"MIME-Version", "Content-Type", "DKIM-Signature"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(name, names[i]) == 0)
			return 1;
	return 0;
}

static int has_method(char **methods, size_t n, const char *m)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(methods[i], m) == 0)
			return 1;
	return 0;
}

/* What one believed result says about from_domain: 1 vouches, -1 refuses
 * (DMARC failed for it), 0 neither. Notes it in `seen` for the bounce. */
static int judge(const struct authres_result *r, const char *from_domain, struct buf *seen)
{
	const char *m = r->method, *res = r->result;
	const char *dom = NULL;
	int verdict = 0;
	if (strcmp(m, "dmarc") == 0) {
		dom = authres_prop(r, "header", "from");
		if (strcmp(res, "pass") == 0 && domain_eq(dom, from_domain))
			verdict = 1;
		else if (strcmp(res, "fail") == 0 && (dom == NULL || domain_eq(dom, from_domain)))
			verdict = -1;
	} else if (strcmp(m, "dkim") == 0) {
		dom = authres_prop(r, "header", "d");
		if (dom == NULL)
			dom = addr_domain(authres_prop(r, "header", "i"));
		if (strcmp(res, "pass") == 0 && authres_aligned(dom, from_domain))
			verdict = 1;
	} else if (strcmp(m, "spf") == 0) {
		dom = addr_domain(authres_prop(r, "smtp", "mailfrom"));
		if (strcmp(res, "pass") == 0 && authres_aligned(dom, from_domain))
			verdict = 1;
	} else {
		return 0; /* iprev, arc, auth, ...: not about the From domain */
	}
	/* the list ends in a bounce line: keep it short */
	if (seen->len > SEEN_MAX)
		return verdict;
	buf_addf(seen, "%s%s=%s", seen->len ? ", " : "", m, res);
	if (dom != NULL)
		buf_addf(seen, " for %.64s", *dom ? dom : "<>");
	if (seen->len > SEEN_MAX)
		buf_adds(seen, ", ...");
	return verdict;
}

int authres_verify_sender(const struct mail_header *hdrs, size_t nhdrs, const char *from_domain,
			  char *const *trusted, size_t ntrusted, char **why)
{
	if (why != NULL)
		*why = NULL;
	if (from_domain == NULL || *from_domain == '\0') {
		if (why != NULL)
			*why = xstrdup("the From address has no domain");
		return 0;
	}
	char **methods = NULL; /* reported by the headers above the current one */
	size_t nmethods = 0, mcap = 0;
	struct buf seen = BUF_INIT, unreadable = BUF_INIT;
	int started = 0, vouched = 0, refused = 0;
	const char *run_id = NULL;
	for (size_t i = 0; i < nhdrs && !refused; i++) {
		if ((started && strcasecmp(hdrs[i].name, "Received") == 0) ||
		    originator_field(hdrs[i].name))
			break;
		if (strcasecmp(hdrs[i].name, "Authentication-Results") != 0)
			continue;
		struct authres a;
		char *err = NULL;
		int ok = authres_parse(hdrs[i].value, &a, &err) == 0;
		int trust;
		if (ok) {
			trust = trusted_id(a.authserv_id, trusted, ntrusted);
		} else {
			/* unreadable: trusted only if its leading id says so */
			struct lex l = {hdrs[i].value, 0, NULL};
			char *id = cfws(&l) == 0 ? value(&l) : NULL;
			trust = id != NULL && trusted_id(id, trusted, ntrusted);
			free(id);
		}
		if (!trust) {
			free(err);
			authres_clear(&a);
			if (started)
				break; /* another ADMD's verdict: what is below came from outside */
			continue;
		}
		if (!started)
			run_id = hdrs[i].value;
		started = 1;
		if (!ok) {
			buf_addf(&unreadable, "%s%s", unreadable.len ? "; " : "", err);
			free(err);
			continue;
		}
		size_t nabove = nmethods;
		for (size_t k = 0; k < a.nresults; k++) {
			const struct authres_result *r = &a.results[k];
			if (has_method(methods, nabove, r->method))
				continue; /* a higher header already reported it */
			int v = judge(r, from_domain, &seen);
			if (v < 0)
				refused = 1;
			else if (v > 0)
				vouched = 1;
			if (!has_method(methods, nmethods, r->method)) {
				if (nmethods == mcap) {
					mcap = mcap ? mcap * 2 : 8;
					methods = xrealloc(methods, mcap * sizeof *methods);
				}
				methods[nmethods++] = xstrdup(r->method);
			}
		}
		authres_clear(&a);
	}
	int rc = vouched && !refused;
	if (why != NULL) {
		struct buf w = BUF_INIT;
		if (!started) {
			buf_adds(&w, "no Authentication-Results header of ");
			for (size_t t = 0; t < ntrusted; t++)
				buf_addf(&w, "%s%s", t ? " or " : "", trusted[t]);
			if (ntrusted == 0)
				buf_adds(&w, "a trusted authserv-id (none is configured)");
		} else {
			/* the authserv-id as written at the top of the run */
			struct lex l = {run_id, 0, NULL};
			char *id = cfws(&l) == 0 ? value(&l) : NULL;
			buf_addf(&w, "%s reported ", id ? id : "the trusted server");
			free(id);
			if (seen.len)
				buf_add(&w, seen.p, seen.len);
			else
				buf_adds(&w, "no DMARC, DKIM or SPF result");
			if (unreadable.len)
				buf_addf(&w, " and an unreadable header (%.120s)", unreadable.p);
			if (refused)
				buf_addf(&w, "; DMARC failed for %s", from_domain);
			else if (!rc)
				buf_addf(&w,
					 "; a pass for %s is needed: DMARC, or DKIM or SPF of "
					 "that domain",
					 from_domain);
		}
		*why = buf_detach(&w);
	}
	for (size_t k = 0; k < nmethods; k++)
		free(methods[k]);
	free(methods);
	buf_free(&seen);
	buf_free(&unreadable);
	return rc;
}
