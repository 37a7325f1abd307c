/*
 * Fuzz target for the Authentication-Results reader and the sender check
 * (gateway/mail/authres.c). The input is a header block, one field per
 * line ("Name: value"); every Authentication-Results value goes through
 * authres_parse, and the whole block through authres_verify_sender for
 * example.org. Checks the promises of authres.h: a failed parse leaves
 * nothing behind and says why; a parsed one has an authserv-id and
 * lowercased method, result and property names; a verdict is 0 or 1 and
 * always comes with a reason.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "forumgate/authres.h"
#include "forumgate/buf.h"

#define MAX_FIELDS 64

static void check_lower(const char *s)
{
	if (s == NULL || *s == '\0')
		abort();
	for (; *s; s++)
		if (isupper((unsigned char)*s))
			abort();
}

static void check_parse(const char *v)
{
	struct authres a;
	char *err = NULL;
	if (authres_parse(v, &a, &err) != 0) {
		if (err == NULL || a.authserv_id != NULL || a.nresults != 0)
			abort();
		free(err);
		return;
	}
	if (err != NULL || a.authserv_id == NULL)
		abort();
	for (size_t i = 0; i < a.nresults; i++) {
		const struct authres_result *r = &a.results[i];
		check_lower(r->method);
		check_lower(r->result);
		for (size_t k = 0; k < r->nprops; k++) {
			check_lower(r->props[k].ptype);
			check_lower(r->props[k].property);
			if (r->props[k].value == NULL)
				abort();
		}
	}
	authres_clear(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size); /* stops at a NUL */
	struct mail_header h[MAX_FIELDS];
	size_t n = 0;
	for (char *line = text, *next; line != NULL && n < MAX_FIELDS; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		char *colon = strchr(line, ':');
		if (colon == NULL)
			continue;
		*colon = '\0';
		h[n].name = line;
		h[n].value = colon + 1;
		if (strcasecmp(line, "Authentication-Results") == 0)
			check_parse(h[n].value);
		n++;
	}
	static char *const trusted[] = {"mx.example.net", "MX2.example.net"};
	char *why = NULL;
	int r = authres_verify_sender(h, n, "example.org", trusted, 2, &why);
	if ((r != 0 && r != 1) || why == NULL)
		abort();
	free(why);
	free(text);
	return 0;
}
