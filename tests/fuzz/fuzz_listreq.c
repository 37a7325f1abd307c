/*
 * Fuzz target for the -request command parser (gateway/mail/listreq.c):
 * the input's first line is the Subject, the rest the body. Checks the
 * contract: at most max_commands body commands plus the Subject's, every
 * kept line short and free of controls, tokens and addresses of the
 * documented shape, no duplicate commands, results in line order, and the
 * same result on a second parse; the reply texts build.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "forumgate/listreq.h"

static void check_line(const char *s)
{
	if (s == NULL || strlen(s) > 200)
		abort();
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			abort();
}

static void check_word(const char *s, const char *allowed_extra)
{
	if (s == NULL || *s == '\0')
		abort();
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 0x20 || c == 0x7f || strchr("<>\"", c))
			abort();
		if (allowed_extra == NULL &&
		    !(c == '-' || c == '_' || c == '.' || (c >= '0' && c <= '9') ||
		      (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	const char *nl = memchr(in, '\n', size);
	size_t slen = nl ? (size_t)(nl - in) : size;
	char *subject = malloc(slen + 1);
	memcpy(subject, in, slen);
	subject[slen] = '\0'; /* a NUL inside just ends the Subject early */
	const char *body = nl ? nl + 1 : NULL;
	size_t blen = nl ? size - slen - 1 : 0;

	struct listreq_result r, again;
	listreq_parse(subject, body, blen, 3, &r);
	listreq_parse(subject, body, blen, 3, &again);

	size_t body_cmds = 0;
	int last = -1;
	for (size_t i = 0; i < r.ncmds; i++) {
		const struct listreq_cmd *c = &r.cmds[i];
		check_line(c->line);
		if (c->lineno > 0)
			body_cmds++;
		if (c->lineno < last)
			abort();
		last = c->lineno;
		if (c->verb == LISTREQ_CONFIRM) {
			check_word(c->token, NULL);
			if (strlen(c->token) > 128)
				abort();
		} else if (c->token != NULL) {
			abort();
		}
		if (c->address != NULL) {
			check_word(c->address, "");
			if (strchr(c->address, '@') == NULL || strlen(c->address) > 254)
				abort();
		}
		for (size_t j = 0; j < i; j++)
			if (r.cmds[j].verb == c->verb && r.cmds[j].mode == c->mode &&
			    r.cmds[j].period == c->period && r.cmds[j].format == c->format &&
			    !r.cmds[j].address == !c->address && !r.cmds[j].token == !c->token &&
			    (!c->address || strcmp(r.cmds[j].address, c->address) == 0) &&
			    (!c->token || strcmp(r.cmds[j].token, c->token) == 0))
				abort();
		if (again.ncmds != r.ncmds || strcmp(again.cmds[i].line, c->line) != 0)
			abort();
	}
	last = -1;
	for (size_t i = 0; i < r.nerrors; i++) {
		check_line(r.errors[i].line);
		if (r.errors[i].why == NULL || r.errors[i].lineno < last)
			abort();
		last = r.errors[i].lineno;
		if (r.errors[i].lineno > 0)
			body_cmds++;
	}
	/* an error may be the non-command line when nothing else was found */
	if (body_cmds > 3u + (r.ncmds == 0 && r.nerrors == 1))
		abort();
	if (r.stopped_at != NULL)
		check_line(r.stopped_at);
	if (again.nerrors != r.nerrors || again.truncated != r.truncated)
		abort();

	struct listreq_list l = {"x", "x@y", "x-request@y", NULL};
	char *t = listreq_results_text(&l, &r, NULL);
	if (t == NULL || strstr(t, "The results of your commands") != t)
		abort();
	free(t);
	listreq_result_free(&r);
	listreq_result_free(&again);
	free(subject);
	return 0;
}
