/*
 * robots: /robots.txt for the board connector (see robots.h).
 *
 * RFC 9309 semantics: a group is one or more User-agent lines followed by
 * its rules; our groups are those naming our product token, else '*'.
 * The most specific rule (the longest pattern) wins, Allow on a tie.
 * Crawl-delay is not in the RFC but widely written for exactly the kind of
 * slow, polite crawler we are: we take it (seconds, fractions allowed) and
 * the connector raises its delay between requests to it.
 *
 * Input is untrusted: lines of any length, any bytes, a file of megabytes.
 * The matcher is iterative with one backtrack point per '*' (the classic
 * glob algorithm), so no pattern makes it quadratic beyond |p|*|s|.
 */
#include "robots.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "forumgate/buf.h"

#define ROBOTS_MAX_RULES 10000 /* a larger file is someone else's problem, not our memory's */

enum { G_NONE, G_AGENT, G_RULES }; /* where we are in a group */

static void add_rule(struct robots *r, size_t *cap, const char *v, size_t vn, int allow)
{
	if (r->n >= ROBOTS_MAX_RULES)
		return;
	if (r->n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		r->rules = xrealloc(r->rules, *cap * sizeof *r->rules);
	}
	r->rules[r->n].pattern = xstrndup(v, vn);
	r->rules[r->n++].allow = allow;
}

/* Whether the User-agent value v names agent (its product token: the
 * value up to the first blank or '/', compared without case). */
static int agent_match(const char *v, size_t vn, const char *agent)
{
	size_t tn = 0;
	while (tn < vn && v[tn] != '/' && !isspace((unsigned char)v[tn]))
		tn++;
	return tn > 0 && tn == strlen(agent) && strncasecmp(v, agent, tn) == 0;
}

static long parse_delay(const char *v, size_t vn)
{
	char tmp[32];
	if (vn == 0 || vn >= sizeof tmp)
		return -1;
	memcpy(tmp, v, vn);
	tmp[vn] = 0;
	char *end;
	double d = strtod(tmp, &end);
	if (end == tmp || d < 0 || d > 86400)
		return -1;
	return (long)(d * 1000.0 + 0.5);
}

/* One pass over the file collecting the rules of the groups that match
 * `want` (our agent, or "*" when want is NULL). Returns whether any group
 * matched. */
static int collect(const char *text, size_t len, const char *agent, int star, struct robots *r,
		   size_t *cap)
{
	int state = G_NONE, in = 0, any = 0;
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *hash = memchr(p, '#', (size_t)(le - p));
		const char *e = hash ? hash : le;
		const char *k = p;
		p = nl ? nl + 1 : end;
		while (k < e && isspace((unsigned char)*k))
			k++;
		while (e > k && isspace((unsigned char)e[-1]))
			e--;
		const char *colon = memchr(k, ':', (size_t)(e - k));
		if (colon == NULL)
			continue;
		const char *ke = colon;
		while (ke > k && isspace((unsigned char)ke[-1]))
			ke--;
		const char *v = colon + 1;
		while (v < e && isspace((unsigned char)*v))
			v++;
		size_t kn = (size_t)(ke - k), vn = (size_t)(e - v);
		if (kn == 10 && strncasecmp(k, "user-agent", 10) == 0) {
			if (state != G_AGENT)
				in = 0; /* a new group begins */
			state = G_AGENT;
			if (star ? (vn == 1 && *v == '*') : agent_match(v, vn, agent))
				in = any = 1;
			continue;
		}
		int allow = kn == 5 && strncasecmp(k, "allow", 5) == 0;
		int disallow = kn == 8 && strncasecmp(k, "disallow", 8) == 0;
		int delay = kn == 11 && strncasecmp(k, "crawl-delay", 11) == 0;
		if (!allow && !disallow && !delay)
			continue; /* sitemap and others: not part of a group */
		if (state == G_NONE)
			continue; /* rules before any User-agent line */
		state = G_RULES;
		if (!in)
			continue;
		if (delay) {
			long ms = parse_delay(v, vn);
			if (ms > r->crawl_delay_ms)
				r->crawl_delay_ms = ms;
		} else if (vn > 0) {
			add_rule(r, cap, v, vn, allow);
		} /* an empty Disallow allows everything: no rule */
	}
	return any;
}

void robots_parse(const char *text, size_t len, const char *agent, struct robots *out)
{
	size_t cap = 0;
	memset(out, 0, sizeof *out);
	out->crawl_delay_ms = -1;
	if (text == NULL)
		return;
	if (agent && *agent && collect(text, len, agent, 0, out, &cap))
		return;
	robots_free(out);
	out->crawl_delay_ms = -1;
	cap = 0;
	collect(text, len, agent, 1, out, &cap);
}

void robots_free(struct robots *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->rules[i].pattern);
	free(r->rules);
	memset(r, 0, sizeof *r);
	r->crawl_delay_ms = -1;
}

/* Whether pattern matches a prefix of s (all of s with a final '$'). */
static int pattern_match(const char *pat, const char *s)
{
	const char *star_p = NULL, *star_s = NULL;
	for (;;) {
		if (*pat == '$' && pat[1] == '\0') {
			if (*s == '\0')
				return 1;
		} else if (*pat == '\0') {
			return 1; /* a prefix match */
		} else if (*pat == '*') {
			star_p = ++pat;
			star_s = s;
			continue;
		} else if (*s && *pat == *s) {
			pat++;
			s++;
			continue;
		}
		/* mismatch: let the last '*' swallow one more character */
		if (star_p == NULL || *star_s == '\0')
			return 0;
		pat = star_p;
		s = ++star_s;
	}
}

int robots_allowed(const struct robots *r, const char *path)
{
	if (strcmp(path, "/robots.txt") == 0)
		return 1;
	size_t best = 0;
	int allow = 1, found = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct robots_rule *ru = &r->rules[i];
		if (!pattern_match(ru->pattern, path))
			continue;
		size_t l = strlen(ru->pattern);
		if (!found || l > best || (l == best && ru->allow && !allow)) {
			best = l;
			allow = ru->allow;
			found = 1;
		}
	}
	return allow;
}
