/*
 * listreq: the `-request` command parser and the texts of its replies. The
 * rules (where commands are read, what stops reading) are in
 * include/forumgate/listreq.h.
 *
 * Design choices:
 *  - One table maps each command word to its verb; one function reads the
 *    arguments of a line for every verb, so the Subject (lenient) and the
 *    body (strict) differ in one flag, not in two parsers.
 *  - The body is walked once, line by line, without copying it; only the
 *    lines that become commands or errors are copied (and cut to 200
 *    octets), so a huge body costs one pass and little memory, and reading
 *    stops early anyway.
 */
#include "forumgate/listreq.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "forumgate/buf.h"

#define LINE_KEEP 200     /* octets of a line kept for the reply */
#define LINE_MAX_CMD 1000 /* a longer line is prose, not a command */
#define MAX_WORDS 12
#define TOKEN_MAX 128
#define ADDR_MAX 254

enum { V_END = -1, V_NONE = -2 };

static const struct {
	const char *name;
	int verb;
} verbs[] = {
	{"subscribe", LISTREQ_SUBSCRIBE},
	{"join", LISTREQ_SUBSCRIBE},
	{"unsubscribe", LISTREQ_UNSUBSCRIBE},
	{"leave", LISTREQ_UNSUBSCRIBE},
	{"signoff", LISTREQ_UNSUBSCRIBE},
	{"digest", LISTREQ_DIGEST},
	{"nodigest", LISTREQ_NODIGEST},
	{"each", LISTREQ_NODIGEST},
	{"html", LISTREQ_FORMAT},
	{"text", LISTREQ_FORMAT},
	{"plain", LISTREQ_FORMAT},
	{"help", LISTREQ_HELP},
	{"info", LISTREQ_HELP},
	{"confirm", LISTREQ_CONFIRM},
	{"end", V_END},
	{"stop", V_END},
	{"thanks", V_END},
};

const char *listreq_verb_name(enum listreq_verb v)
{
	switch (v) {
	case LISTREQ_SUBSCRIBE:
		return "subscribe";
	case LISTREQ_UNSUBSCRIBE:
		return "unsubscribe";
	case LISTREQ_DIGEST:
		return "digest";
	case LISTREQ_NODIGEST:
		return "nodigest";
	case LISTREQ_FORMAT:
		return "format";
	case LISTREQ_HELP:
		return "help";
	case LISTREQ_CONFIRM:
		return "confirm";
	}
	return "?";
}

struct word {
	const char *p;
	size_t n;
};

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static int word_is(const struct word *w, const char *s)
{
	return strlen(s) == w->n && strncasecmp(w->p, s, w->n) == 0;
}

static int lookup_verb(const struct word *w)
{
	/* "subscribe:" and "help." are how some people write them */
	struct word t = *w;
	while (t.n > 1 && (t.p[t.n - 1] == ':' || t.p[t.n - 1] == '.' || t.p[t.n - 1] == '!'))
		t.n--;
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (word_is(&t, verbs[i].name))
			return verbs[i].verb;
	return V_NONE;
}

static int token_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

static int valid_token(const char *p, size_t n)
{
	if (n == 0 || n > TOKEN_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!token_char((unsigned char)p[i]))
			return 0;
	return 1;
}

/* An addr-spec as far as a command needs: one '@' with text on both sides,
 * a domain of letters, digits, '-', '.' (or a literal in []), nothing that
 * could break a header or a command line. */
static char *parse_address(const char *p, size_t n)
{
	if (n >= 2 && p[0] == '<' && p[n - 1] == '>') {
		p++;
		n -= 2;
	}
	if (n == 0 || n > ADDR_MAX)
		return NULL;
	const char *at = memrchr(p, '@', n);
	if (at == NULL || at == p || at == p + n - 1)
		return NULL;
	for (const char *q = p; q < at; q++) {
		unsigned char c = (unsigned char)*q;
		if (c <= 0x20 || c == 0x7f || strchr("<>()[],;:\\\"@", c))
			return NULL;
	}
	for (const char *q = at + 1; q < p + n; q++) {
		unsigned char c = (unsigned char)*q;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || c >= 0x80))
			return NULL;
	}
	if (at[1] == '.' || p[n - 1] == '.')
		return NULL;
	return xstrndup(p, n);
}

/* The arguments of a command line. Returns 1 (a command in *c), 0 (stop:
 * "end"), or -1 with *why. strict = 0 ignores words it does not know. */
static int parse_args(int verb, const struct word *w, size_t nw, int strict, struct listreq_cmd *c,
		      const char **why)
{
	memset(c, 0, sizeof *c);
	if (verb == V_END)
		return 0;
	c->verb = (enum listreq_verb)verb;
	if (verb == LISTREQ_FORMAT)
		c->format = word_is(&w[0], "html") ? LISTREQ_HTML : LISTREQ_TEXT;
	else if (verb == LISTREQ_DIGEST)
		c->mode = LISTREQ_MODE_DIGEST;
	else if (verb == LISTREQ_NODIGEST)
		c->mode = LISTREQ_MODE_EACH;

	if (verb == LISTREQ_CONFIRM) {
		if (nw < 2) {
			*why = "confirm needs the token from the confirmation message";
			return -1;
		}
		if (!valid_token(w[1].p, w[1].n)) {
			*why = "that is not a confirmation token";
			return -1;
		}
		if (nw > 2 && strict) {
			*why = "confirm takes only the token";
			return -1;
		}
		c->token = xstrndup(w[1].p, w[1].n);
		return 1;
	}
	if (verb == LISTREQ_HELP)
		return 1; /* "help me" is still asking for help */

	for (size_t i = 1; i < nw; i++) {
		const struct word *a = &w[i];
		int known = 1;

		if (verb == LISTREQ_SUBSCRIBE && (word_is(a, "each") || word_is(a, "nodigest"))) {
			c->mode = LISTREQ_MODE_EACH;
		} else if (verb == LISTREQ_SUBSCRIBE && word_is(a, "digest")) {
			c->mode = LISTREQ_MODE_DIGEST;
		} else if ((verb == LISTREQ_SUBSCRIBE || verb == LISTREQ_DIGEST) &&
			   (word_is(a, "daily") || word_is(a, "weekly"))) {
			c->period = word_is(a, "daily") ? LISTREQ_DAILY : LISTREQ_WEEKLY;
			if (c->mode == LISTREQ_MODE_DEFAULT)
				c->mode = LISTREQ_MODE_DIGEST;
		} else if (verb == LISTREQ_SUBSCRIBE &&
			   (word_is(a, "html") || word_is(a, "text") || word_is(a, "plain"))) {
			c->format = word_is(a, "html") ? LISTREQ_HTML : LISTREQ_TEXT;
		} else if ((verb == LISTREQ_SUBSCRIBE || verb == LISTREQ_UNSUBSCRIBE) &&
			   a->n >= 8 && strncasecmp(a->p, "address=", 8) == 0) {
			free(c->address);
			c->address = parse_address(a->p + 8, a->n - 8);
			if (c->address == NULL) {
				*why = "address= needs a mail address (address=you@example.org)";
				return -1;
			}
		} else {
			known = 0;
		}
		if (!known && strict) {
			*why = verb == LISTREQ_SUBSCRIBE
				       ? "unknown option (subscribe takes each, digest, daily, "
					 "weekly, html, text, address=)"
			       : verb == LISTREQ_UNSUBSCRIBE
				       ? "unknown option (unsubscribe takes address=)"
			       : verb == LISTREQ_DIGEST
				       ? "unknown option (digest takes daily or weekly)"
				       : "this command takes no options";
			free(c->address);
			c->address = NULL;
			return -1;
		}
	}
	if (c->mode == LISTREQ_MODE_EACH && c->period != LISTREQ_PERIOD_DEFAULT) {
		*why = "each and a digest period do not go together";
		free(c->address);
		c->address = NULL;
		return -1;
	}
	return 1;
}

static size_t split(const char *p, size_t n, struct word *w, size_t max, int *more)
{
	size_t nw = 0, i = 0;

	*more = 0;
	for (;;) {
		while (i < n && is_space((unsigned char)p[i]))
			i++;
		if (i >= n)
			break;
		if (nw == max) {
			*more = 1;
			break;
		}
		w[nw].p = p + i;
		while (i < n && !is_space((unsigned char)p[i]))
			i++;
		w[nw].n = (size_t)(p + i - w[nw].p);
		nw++;
	}
	return nw;
}

/* The line for the reply: controls made spaces, cut at LINE_KEEP octets on
 * a UTF-8 character boundary. */
static char *keep_line(const char *p, size_t n)
{
	if (n > LINE_KEEP) {
		n = LINE_KEEP;
		while (n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80)
			n--;
	}
	char *s = xstrndup(p, n);
	for (char *q = s; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			*q = ' ';
	return s;
}

static int same_cmd(const struct listreq_cmd *a, const struct listreq_cmd *b)
{
	return a->verb == b->verb && a->mode == b->mode && a->period == b->period &&
	       a->format == b->format &&
	       ((a->address == NULL && b->address == NULL) ||
		(a->address && b->address && strcmp(a->address, b->address) == 0)) &&
	       ((a->token == NULL && b->token == NULL) ||
		(a->token && b->token && strcmp(a->token, b->token) == 0));
}

static void add_cmd(struct listreq_result *r, struct listreq_cmd *c, const char *p, size_t n,
		    int lineno)
{
	for (size_t i = 0; i < r->ncmds; i++)
		if (same_cmd(&r->cmds[i], c)) {
			free(c->address);
			free(c->token);
			return;
		}
	c->line = keep_line(p, n);
	c->lineno = lineno;
	r->cmds = xrealloc(r->cmds, (r->ncmds + 1) * sizeof *r->cmds);
	r->cmds[r->ncmds++] = *c;
}

static void add_error(struct listreq_result *r, const char *p, size_t n, const char *why,
		      int lineno)
{
	r->errors = xrealloc(r->errors, (r->nerrors + 1) * sizeof *r->errors);
	r->errors[r->nerrors].line = keep_line(p, n);
	r->errors[r->nerrors].why = why;
	r->errors[r->nerrors].lineno = lineno;
	r->nerrors++;
}

/* Skips "Re:", "Fwd:", "AW:", "[list]" ... at the front of a Subject. */
static const char *strip_prefixes(const char *s)
{
	static const char *const pre[] = {"re", "fwd", "fw", "aw",  "sv",  "vs",  "antw", "wg",
					  "tr", "rif", "r",  "ref", "odp", "res", "enc"};
	for (;;) {
		while (is_space((unsigned char)*s))
			s++;
		if (*s == '[') {
			const char *e = strchr(s, ']');
			if (e == NULL)
				return s;
			s = e + 1;
			continue;
		}
		size_t k = 0;
		while (s[k] && ((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z')))
			k++;
		int hit = 0;
		for (size_t i = 0; i < sizeof pre / sizeof pre[0] && k; i++)
			if (strlen(pre[i]) == k && strncasecmp(s, pre[i], k) == 0)
				hit = 1;
		if (!hit)
			return s;
		size_t j = k;
		/* "Re[2]:", "Re^2:", "RE :" */
		if (s[j] == '[' || s[j] == '^') {
			j++;
			while (s[j] >= '0' && s[j] <= '9')
				j++;
			if (s[j] == ']')
				j++;
		}
		while (s[j] == ' ')
			j++;
		if (s[j] != ':')
			return s;
		s += j + 1;
	}
}

/* "confirm TOKEN" anywhere in a Subject: the word confirm, then ':' or
 * white space, then a token that looks made by a machine (16 octets or
 * more, or 8 or more with a digit), so "confirm your subscription" is not
 * one. */
static int find_confirm(const char *s, struct listreq_cmd *c)
{
	for (const char *p = s; (p = strcasestr(p, "confirm")) != NULL; p += 7) {
		if (p > s && token_char((unsigned char)p[-1]))
			continue;
		const char *q = p + 7;
		if (*q != ':' && !is_space((unsigned char)*q))
			continue;
		while (*q == ':' || is_space((unsigned char)*q))
			q++;
		size_t n = 0, digits = 0;
		while (token_char((unsigned char)q[n])) {
			digits += q[n] >= '0' && q[n] <= '9';
			n++;
		}
		while (n > 0 && q[n - 1] == '.')
			n--;
		if (n > TOKEN_MAX || (n < 16 && (n < 8 || digits == 0)))
			continue;
		memset(c, 0, sizeof *c);
		c->verb = LISTREQ_CONFIRM;
		c->token = xstrndup(q, n);
		return 1;
	}
	return 0;
}

static void parse_subject(const char *subject, struct listreq_result *r)
{
	const char *s = strip_prefixes(subject);
	size_t n = strlen(s);
	struct word w[MAX_WORDS];
	struct listreq_cmd c;
	const char *why = NULL;
	int more;

	while (n > 0 && is_space((unsigned char)s[n - 1]))
		n--;
	if (n == 0 || n > LINE_MAX_CMD)
		return;
	size_t nw = split(s, n, w, MAX_WORDS, &more);
	int verb = nw ? lookup_verb(&w[0]) : V_NONE;
	/* confirm goes by find_confirm's token shape: "Confirm subscription"
	 * is prose */
	if (verb >= 0 && verb != LISTREQ_CONFIRM) {
		int rc = parse_args(verb, w, nw, 0, &c, &why);
		if (rc == 1) {
			add_cmd(r, &c, s, n, 0);
			return;
		}
		if (rc < 0) {
			add_error(r, s, n, why, 0);
			return;
		}
	}
	if (find_confirm(s, &c))
		add_cmd(r, &c, s, n, 0);
}

void listreq_parse(const char *subject, const char *body, size_t body_len, int max_commands,
		   struct listreq_result *out)
{
	memset(out, 0, sizeof *out);
	if (max_commands <= 0)
		max_commands = LISTREQ_MAX_COMMANDS;
	if (subject != NULL)
		parse_subject(subject, out);

	int found = 0, lineno = 0;
	const char *p = body, *end = body ? body + body_len : NULL;
	while (p != NULL && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *next = nl ? nl + 1 : end;
		const char *a = p, *b = le;
		lineno++;
		p = next;

		while (b > a && is_space((unsigned char)b[-1]) && b[-1] != ' ')
			b--; /* CR, but "-- " keeps its space */
		if ((size_t)(b - a) == 3 && memcmp(a, "-- ", 3) == 0)
			break;
		while (b > a && is_space((unsigned char)b[-1]))
			b--;
		while (a < b && is_space((unsigned char)*a))
			a++;
		if (a == b || *a == '>')
			continue;
		if ((size_t)(b - a) == 2 && memcmp(a, "--", 2) == 0)
			break;
		struct word w[MAX_WORDS];
		int more;
		size_t nw = (size_t)(b - a) > LINE_MAX_CMD
				    ? 0
				    : split(a, (size_t)(b - a), w, MAX_WORDS, &more);
		int verb = nw ? lookup_verb(&w[0]) : V_NONE;
		if (verb == V_NONE) {
			out->stopped_at = keep_line(a, (size_t)(b - a));
			if (out->ncmds == 0 && out->nerrors == 0)
				add_error(out, a, (size_t)(b - a), "not a command", lineno);
			break;
		}
		if (verb == V_END)
			break;
		if (found == max_commands) {
			out->truncated = 1;
			break;
		}
		struct listreq_cmd c;
		const char *why = NULL;
		int rc = more ? -1 : parse_args(verb, w, nw, 1, &c, &why);
		if (more)
			why = "too many words for a command";
		if (rc == 0)
			break;
		found++;
		if (rc < 0)
			add_error(out, a, (size_t)(b - a), why, lineno);
		else
			add_cmd(out, &c, a, (size_t)(b - a), lineno);
	}
}

void listreq_result_free(struct listreq_result *r)
{
	for (size_t i = 0; i < r->ncmds; i++) {
		free(r->cmds[i].address);
		free(r->cmds[i].token);
		free(r->cmds[i].line);
	}
	for (size_t i = 0; i < r->nerrors; i++)
		free(r->errors[i].line);
	free(r->cmds);
	free(r->errors);
	free(r->stopped_at);
	memset(r, 0, sizeof *r);
}

/* ---- the reply texts ---- */

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

char *listreq_help_text(const struct listreq_list *l)
{
	struct buf b = BUF_INIT;

	buf_addf(&b,
		 "Commands for the %s list. Send them to %s, in the Subject or\n"
		 "as the first lines of the message, one command a line; reading stops at\n"
		 "the first line that is not a command, at a signature (\"-- \"), or at \"end\".\n"
		 "\n",
		 or_empty(l->name), or_empty(l->request_addr));
	buf_adds(&b, "subscribe [each | digest [daily | weekly]] [html | text] [address=ADDR]\n"
		     "    Get the list's posts by mail: each post as it is written (each),\n"
		     "    or collected into one message a day or a week (digest). html adds\n"
		     "    a formatted part to each message; text sends plain text only.\n"
		     "    Without address=, the address you write from is subscribed.\n"
		     "    You will be asked to confirm.\n"
		     "unsubscribe [address=ADDR]\n"
		     "    Stop getting the list's posts by mail.\n"
		     "digest [daily | weekly]\n"
		     "    Switch to digests.\n"
		     "nodigest (or: each)\n"
		     "    Switch to one message per post.\n"
		     "html | text\n"
		     "    Switch the format of the messages you get.\n"
		     "confirm TOKEN\n"
		     "    Confirm a request. Replying to the confirmation message does the same.\n"
		     "help\n"
		     "    This text.\n"
		     "end\n"
		     "    Stop reading here (useful when your mail program adds a footer).\n"
		     "\n");
	buf_addf(&b, "To write to the list, send your message to %s.\n", or_empty(l->post_addr));
	if (l->archive_url != NULL)
		buf_addf(&b, "The list's archive: %s\n", l->archive_url);
	return buf_detach(&b);
}

char *listreq_confirm_subject(const char *token)
{
	return xasprintf("confirm %s", or_empty(token));
}

char *listreq_confirm_text(const struct listreq_list *l, enum listreq_verb verb,
			   const char *address, const char *token, const char *confirm_url,
			   int expires_hours)
{
	struct buf b = BUF_INIT;
	int sub = verb != LISTREQ_UNSUBSCRIBE;

	buf_addf(&b,
		 "Someone, hopefully you, asked to %s the address\n"
		 "\n"
		 "    %s\n"
		 "\n"
		 "%s the %s list.\n"
		 "\n"
		 "To confirm, do one of these:\n"
		 "\n"
		 "  - reply to this message, keeping its Subject (\"confirm %s\");\n"
		 "  - or send a message to %s with this line:\n"
		 "        confirm %s\n",
		 sub ? "subscribe" : "unsubscribe", or_empty(address), sub ? "to" : "from",
		 or_empty(l->name), or_empty(token), or_empty(l->request_addr), or_empty(token));
	if (confirm_url != NULL)
		buf_addf(&b, "  - or open this link:\n        %s\n", confirm_url);
	buf_adds(&b, "\n");
	if (expires_hours > 0)
		buf_addf(&b, "This request expires in %d hour%s. ", expires_hours,
			 expires_hours == 1 ? "" : "s");
	buf_addf(&b,
		 "If you did not ask for this, ignore this\n"
		 "message: nothing changes until the request is confirmed.\n"
		 "\n"
		 "For help with the list's commands, send \"help\" to %s.\n",
		 or_empty(l->request_addr));
	return buf_detach(&b);
}

char *listreq_results_text(const struct listreq_list *l, const struct listreq_result *r,
			   const char *const *outcomes)
{
	struct buf b = BUF_INIT;
	size_t i = 0, j = 0;

	buf_addf(&b, "The results of your commands to %s:\n", or_empty(l->request_addr));
	/* both lists are in line order: merge them */
	while (i < r->ncmds || j < r->nerrors) {
		int take_cmd = j == r->nerrors ||
			       (i < r->ncmds && r->cmds[i].lineno <= r->errors[j].lineno);
		if (take_cmd) {
			const char *o = outcomes ? outcomes[i] : NULL;
			buf_addf(&b, "\n> %s\n%s\n", r->cmds[i].line, o ? o : "Done.");
			i++;
		} else {
			buf_addf(&b, "\n> %s\nError: %s.\n", r->errors[j].line, r->errors[j].why);
			j++;
		}
	}
	if (r->ncmds == 0)
		buf_addf(&b,
			 "\nNo command was carried out. Send \"help\" to %s for the list of "
			 "commands.\n",
			 or_empty(l->request_addr));
	if (r->truncated)
		buf_adds(&b, "\nOnly the first commands were read; send the rest in another "
			     "message.\n");
	return buf_detach(&b);
}
