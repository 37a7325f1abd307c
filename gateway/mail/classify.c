/*
 * classify: decides whether an incoming message is a person's reply that may
 * be posted, or machine traffic that must never reach the forum (issue #4):
 * our own mail coming back, bounces and delivery reports, auto-replies and
 * out-of-office notices, and bulk or mailing-list traffic.
 *
 * Design choices:
 *  - Rules run from the most certain to the least certain, and the first one
 *    that fires decides the class and the reason. Our loop header and our own
 *    domain come first (a loop is the most expensive mistake), then evidence
 *    that only bounces carry (multipart/report, X-Failed-Recipients,
 *    MAILER-DAEMON), then the RFC 3834 headers, then the subject heuristics,
 *    the null sender, and last the bulk and list markers.
 *  - Headers are read from m->headers directly (not via mail_header() of
 *    mime.c) so this file stands alone; matching is case-insensitive, and
 *    header values are read as a token after comments, so
 *    "(by rule) Auto-Replied; owner-email=x" reads as "auto-replied".
 *  - X-Auto-Response-Suppress is ignored, as Discourse ignores it: Outlook
 *    sets it on ordinary mail and it says what the *sender* does not want
 *    back, not what this message is.
 *  - X-Loop counts only when it names our own domain; list managers and the
 *    Debian BTS set X-Loop on messages people wrote.
 *  - Subjects are matched only at their start (an auto-reply puts its marker
 *    first, "Automatic reply: <original>"), so "Re: absence of
 *    documentation" is a reply. Bare words such as "Absence" or "Vacation"
 *    must stand alone or be followed by ':' to count. Case folding covers
 *    ASCII and the Latin-1 letters of UTF-8 (É, Ñ, Å, ...).
 *  - Bounce subjects that a person could plausibly write ("Returned mail",
 *    "failure notice") count only with a robot sender (postmaster,
 *    mailer-daemon) or a null envelope sender.
 *  - When envelope_from is unknown (Maildir, IMAP), a "Return-Path: <>"
 *    added by the delivering MTA stands in for the null sender. A forged one
 *    only gets the forger's own message dropped.
 */
#include "forumgate/mail.h"

#include <stdlib.h>
#include <string.h>

/* ---- case-insensitive matching ----------------------------------------- */

/* Folds one byte: ASCII letters, and the second byte of UTF-8 Latin-1
 * capitals (U+00C0..U+00DE except U+00D7) when it follows 0xC3. */
static unsigned char fold(unsigned char prev, unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (unsigned char)(c + 32);
	if (prev == 0xC3 && c >= 0x80 && c <= 0x9E && c != 0x97)
		return (unsigned char)(c + 32);
	return c;
}

/* Length of the prefix of s matching pat, both folded, or 0 if s does not
 * start with pat. */
static size_t ci_prefix(const char *s, const char *pat)
{
	const unsigned char *a = (const unsigned char *)s;
	const unsigned char *b = (const unsigned char *)pat;
	unsigned char pa = 0, pb = 0;
	size_t i;

	for (i = 0; b[i]; i++) {
		if (!a[i] || fold(pa, a[i]) != fold(pb, b[i]))
			return 0;
		pa = a[i];
		pb = b[i];
	}
	return i;
}

static int ci_eqn(const char *s, size_t n, const char *pat)
{
	return strlen(pat) == n && ci_prefix(s, pat) == n;
}

static int ci_contains(const char *s, const char *pat)
{
	for (; *s; s++)
		if (ci_prefix(s, pat))
			return 1;
	return 0;
}

static int is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* ---- headers ------------------------------------------------------------ */

static const char *hdr(const struct mail_msg *m, const char *name)
{
	for (size_t i = 0; i < m->nheaders; i++)
		if (m->headers[i].name && m->headers[i].value &&
		    ci_eqn(m->headers[i].name, strlen(m->headers[i].name), name))
			return m->headers[i].value;
	return NULL;
}

/* Skips white space and RFC 5322 comments (nested, with quoted-pairs). */
static const char *skip_cfws(const char *p)
{
	for (;;) {
		while (is_wsp(*p))
			p++;
		if (*p != '(')
			return p;
		int depth = 0;
		do {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '(')
				depth++;
			else if (*p == ')')
				depth--;
			p++;
		} while (*p && depth > 0);
	}
}

/* The first token of a header value: what comes after comments, up to
 * white space, ';', ',' or a comment. Returns its length; *tok its start. */
static size_t value_token(const char *v, const char **tok)
{
	size_t n = 0;

	v = skip_cfws(v);
	*tok = v;
	while (v[n] && !is_wsp(v[n]) && v[n] != ';' && v[n] != ',' && v[n] != '(')
		n++;
	return n;
}

static int token_is(const char *v, const char *word)
{
	const char *t;
	size_t n = value_token(v, &t);
	return ci_eqn(t, n, word);
}

/* A header that means "no" when it is literally no/false/0; an empty value
 * on an X-Autoreply style header still marks the message. */
static int value_negative(const char *v)
{
	return token_is(v, "no") || token_is(v, "false") || token_is(v, "0");
}

/* Whether a Content-Type value carries parameter name=want (quoted or not). */
static int param_is(const char *ct, const char *name, const char *want)
{
	const char *p = ct;

	while ((p = strchr(p, ';')) != NULL) {
		p = skip_cfws(p + 1);
		size_t n = ci_prefix(p, name);
		if (!n)
			continue;
		const char *q = skip_cfws(p + n);
		if (*q != '=')
			continue;
		q = skip_cfws(q + 1);
		if (*q == '"')
			q++;
		size_t w = ci_prefix(q, want);
		if (w && (q[w] == '"' || q[w] == ';' || q[w] == '\0' || is_wsp(q[w])))
			return 1;
	}
	return 0;
}

/* ---- addresses ---------------------------------------------------------- */

/* The local part of an address ("mailer-daemon" for "MAILER-DAEMON" with no
 * domain), as pointer and length. */
static size_t local_part(const char *addr, const char **lp)
{
	const char *at = strrchr(addr, '@');
	*lp = addr;
	return at ? (size_t)(at - addr) : strlen(addr);
}

static const char *domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');
	return at ? at + 1 : NULL;
}

static int local_in(const char *addr, const char *const *names)
{
	const char *lp;
	size_t n = local_part(addr, &lp);

	for (; *names; names++)
		if (ci_eqn(lp, n, *names))
			return 1;
	return 0;
}

/* Whether the sender's local part is one of names. The parser leaves
 * from_addr NULL for "Mail Delivery Subsystem <MAILER-DAEMON>" (no domain),
 * so then the address in the raw From header is read. */
static int from_in(const struct mail_msg *m, const char *const *names)
{
	const char *v, *lt, *gt;

	if (m->from_addr)
		return local_in(m->from_addr, names);
	if (!(v = hdr(m, "From")) || !(lt = strrchr(v, '<')) || !(gt = strchr(lt, '>')))
		return 0;
	char *a = xstrndup(lt + 1, (size_t)(gt - lt - 1));
	int r = local_in(a, names);
	free(a);
	return r;
}

static const char *const daemon_locals[] = {
	"mailer-daemon", "mailer_daemon", "mailerdaemon", "mail-daemon", NULL,
};
/* Senders whose bounce-like subjects we believe. */
static const char *const robot_locals[] = {
	"mailer-daemon", "mailer_daemon", "mailerdaemon", "mail-daemon",
	"postmaster",    "post_master",   "post-master",  NULL,
};
/* Senders that say outright that nobody reads replies. */
static const char *const noreply_locals[] = {
	"noreply", "no-reply", "no_reply", "donotreply", "do-not-reply", "do_not_reply", NULL,
};

/* ---- subjects ----------------------------------------------------------- */

struct subject_rule {
	const char *prefix; /* lower case, UTF-8 */
	/* vacation: a bare word that must stand alone or be followed by ':';
	 * bounce: a phrase believed only with a robot or null sender */
	int weak;
};

/* Out-of-office and auto-reply subjects in the languages we meet. */
static const struct subject_rule vacation_subjects[] = {
	{"out of office", 0},
	{"out of the office", 0},
	{"out-of-office", 0},
	{"automatic reply", 0},
	{"automatic response", 0},
	{"automated reply", 0},
	{"automated response", 0},
	{"auto reply", 0},
	{"auto-reply", 0},
	{"autoreply", 0},
	{"auto response", 0},
	{"auto-response", 0},
	{"autorespons", 0},
	{"auto:", 0},
	{"vacation reply", 0},
	{"vacation notice", 0},
	{"vacation message", 0},
	{"abwesenheitsnotiz", 0},
	{"automatische antwort", 0},
	{"automatische abwesenheitsnotiz", 0},
	{"nicht im büro", 0},
	{"réponse automatique", 0},
	{"reponse automatique", 0},
	{"absence du bureau", 0},
	{"respuesta automática", 0},
	{"respuesta automatica", 0},
	{"fuera de la oficina", 0},
	{"fuera de oficina", 0},
	{"risposta automatica", 0},
	{"risposta non al computer", 0},
	{"fuori sede", 0},
	{"fuori ufficio", 0},
	{"automatisch antwoord", 0},
	{"resposta automática", 0},
	{"resposta automatica", 0},
	{"autosvar", 0},
	{"automatisk svar", 0},
	{"automatisk besked", 0},
	{"frånvaro", 0},
	{"automaattinen vastaus", 0},
	{"odpowiedź automatyczna", 0},
	{"automatikus válasz", 0},
	{"absence", 1},
	{"absent", 1},
	{"abwesend", 1},
	{"abwesenheit", 1},
	{"vacation", 1},
	{"on vacation", 1},
	{"holiday", 1},
	{"away", 1},
	{"ausente", 1},
	{"afwezig", 1},
	{"congés", 1},
	{"ooo", 1},
	{NULL, 0},
};

/* Bounce subjects; weak ones need corroboration (see struct subject_rule). */
static const struct subject_rule bounce_subjects[] = {
	{"undelivered mail returned to sender", 0},
	{"delivery status notification", 0},
	{"mail delivery failed", 0},
	{"mail delivery failure", 0},
	{"undeliverable:", 0},
	{"undeliverable mail", 0},
	{"undeliverable message", 0},
	{"nondeliverable mail", 0},
	{"non remis", 0},
	{"unzustellbar", 0},
	{"delivery notification: delivery has failed", 0},
	{"complaint about message from", 0}, /* Hotmail JMRP */
	{"failure notice", 1},
	{"returned mail", 1},
	{"postmaster notify", 1},
	{"mail system error", 1},
	{"delivery failure", 1},
	{"delivery status", 1},
	{"delivery report", 1},
	{"delivery notification", 1},
	{"notice: mail delivery status", 1},
	{"warning: could not send message", 1},
	{"warning: message", 1},
	{"message not delivered", 1},
	{"undeliverable", 1},
	{NULL, 0},
};

/* Matches the rules at the start of subject; returns the rule or NULL. */
static const struct subject_rule *subject_match(const char *subject,
						const struct subject_rule *rules)
{
	if (!subject)
		return NULL;
	subject = skip_cfws(subject);
	for (const struct subject_rule *r = rules; r->prefix; r++) {
		size_t n = ci_prefix(subject, r->prefix);
		if (!n)
			continue;
		if (rules == vacation_subjects && r->weak) {
			const char *rest = subject + n;
			while (*rest == ' ' || *rest == '\t')
				rest++;
			if (*rest != '\0' && *rest != ':')
				continue;
		}
		return r;
	}
	return NULL;
}

/* ---- classification ----------------------------------------------------- */

/* Headers whose presence (with any value but no/false) marks an auto-reply. */
static const struct {
	const char *name;
	const char *reason;
} autoreply_headers[] = {
	{"X-Autoreply", "X-Autoreply header"},
	{"X-Autorespond", "X-Autorespond header"},
	{"X-Autoresponder", "X-Autoresponder header"},
	{"X-Auto-Reply", "X-Auto-Reply header"},
	{"X-AutoReply-From", "X-AutoReply-From header"},
	{"X-Mail-Autoreply", "X-Mail-Autoreply header"},
	{"X-Autogenerated", "X-Autogenerated header"},
	{"X-FC-MachineGenerated", "X-FC-MachineGenerated header"},
	{"X-Vacation", "X-Vacation header"},
};

static int null_sender(const struct mail_msg *m, const char *envelope_from)
{
	if (envelope_from)
		return *envelope_from == '\0' || strcmp(envelope_from, "<>") == 0;
	const char *rp = hdr(m, "Return-Path");
	if (!rp)
		return 0;
	rp = skip_cfws(rp);
	if (*rp != '<')
		return 0;
	rp = skip_cfws(rp + 1);
	return *rp == '>';
}

static enum mail_class classify_report(const struct mail_msg *m, const char **reason)
{
	const char *ct = hdr(m, "Content-Type");
	const char *t = "";
	size_t n = ct ? value_token(ct, &t) : 0;

	if (ct && ci_eqn(t, n, "multipart/report")) {
		if (param_is(ct, "report-type", "disposition-notification")) {
			*reason = "read receipt (disposition-notification report)";
			return MAIL_AUTOREPLY;
		}
		if (param_is(ct, "report-type", "feedback-report")) {
			*reason = "abuse feedback report (ARF)";
			return MAIL_BOUNCE;
		}
		*reason = "delivery status report (multipart/report)";
		return MAIL_BOUNCE;
	}
	if (ct && (ci_eqn(t, n, "message/delivery-status") ||
		   ci_eqn(t, n, "message/global-delivery-status"))) {
		*reason = "delivery status report (message/delivery-status)";
		return MAIL_BOUNCE;
	}
	if (m->is_report) {
		*reason = "delivery status report (multipart/report)";
		return MAIL_BOUNCE;
	}
	return MAIL_OK;
}

enum mail_class mail_classify(const struct mail_msg *m, const char *envelope_from,
			      const char *own_domain, const char **reason)
{
	const char *dummy, *v;
	enum mail_class c;

	if (!reason)
		reason = &dummy;
	*reason = "";
	if (own_domain && *own_domain == '\0')
		own_domain = NULL;

	if (hdr(m, "X-Forumgate-Loop")) {
		*reason = "carries our loop header X-Forumgate-Loop";
		return MAIL_LOOP;
	}
	for (size_t i = 0; own_domain && i < m->nheaders; i++)
		if (m->headers[i].name && m->headers[i].value &&
		    ci_eqn(m->headers[i].name, strlen(m->headers[i].name), "X-Loop") &&
		    ci_contains(m->headers[i].value, own_domain)) {
			*reason = "X-Loop header names our domain";
			return MAIL_LOOP;
		}
	if (own_domain && m->from_addr && (v = domain_of(m->from_addr)) &&
	    ci_eqn(v, strlen(v), own_domain)) {
		*reason = "sent from our own reply domain";
		return MAIL_OWN;
	}

	if ((c = classify_report(m, reason)) != MAIL_OK)
		return c;
	if (hdr(m, "X-Failed-Recipients")) {
		*reason = "X-Failed-Recipients header (bounce)";
		return MAIL_BOUNCE;
	}
	if (from_in(m, daemon_locals)) {
		*reason = "sent by MAILER-DAEMON (bounce)";
		return MAIL_BOUNCE;
	}

	if ((v = hdr(m, "Auto-Submitted")) && !token_is(v, "no")) {
		*reason = "Auto-Submitted header (RFC 3834)";
		return MAIL_AUTOREPLY;
	}
	for (size_t i = 0; i < sizeof(autoreply_headers) / sizeof(autoreply_headers[0]); i++)
		if ((v = hdr(m, autoreply_headers[i].name)) && !value_negative(v)) {
			*reason = autoreply_headers[i].reason;
			return MAIL_AUTOREPLY;
		}
	if ((v = hdr(m, "X-POST-MessageClass")) && ci_contains(v, "autoreply")) {
		*reason = "X-POST-MessageClass: Autoreply";
		return MAIL_AUTOREPLY;
	}
	v = hdr(m, "Precedence");
	if (v && token_is(v, "auto_reply")) {
		*reason = "Precedence: auto_reply";
		return MAIL_AUTOREPLY;
	}

	int robot = (m->from_addr && *m->from_addr == '\0') || from_in(m, robot_locals);
	int null = null_sender(m, envelope_from);
	const struct subject_rule *r;

	if ((r = subject_match(m->subject, bounce_subjects)) && (!r->weak || robot || null)) {
		*reason = "bounce subject";
		return MAIL_BOUNCE;
	}
	if (subject_match(m->subject, vacation_subjects)) {
		*reason = "out-of-office or auto-reply subject";
		return MAIL_AUTOREPLY;
	}
	if (null) {
		*reason = "null envelope sender (bounce)";
		return MAIL_BOUNCE;
	}
	if (robot) {
		*reason = "sent by postmaster (bounce)";
		return MAIL_BOUNCE;
	}
	if (m->from_addr && local_in(m->from_addr, noreply_locals)) {
		*reason = "sent from a no-reply address (automated)";
		return MAIL_AUTOREPLY;
	}

	if (v && (token_is(v, "bulk") || token_is(v, "junk") || token_is(v, "list"))) {
		*reason = "Precedence: bulk, junk or list";
		return MAIL_BULK;
	}
	if (hdr(m, "List-Id")) {
		*reason = "mailing-list traffic (List-Id)";
		return MAIL_BULK;
	}
	if (hdr(m, "List-Unsubscribe")) {
		*reason = "bulk mail (List-Unsubscribe)";
		return MAIL_BULK;
	}
	*reason = "ok";
	return MAIL_OK;
}

/* ---- the failed recipient of a bounce ------------------------------------ */

static int addr_delim(char c)
{
	return is_wsp(c) || c == '<' || c == '>' || c == '(' || c == ')' || c == '[' || c == ']' ||
	       c == '"' || c == '\'' || c == ',' || c == ';' || c == ':' || c == '\0';
}

/* A cleaned, lowercased copy of the address in p[0..n): an optional address
 * type ("rfc822;") and angle brackets removed. NULL unless it looks like
 * local@domain with no spaces or brackets. */
static char *addr_clean(const char *p, size_t n)
{
	const char *semi = memchr(p, ';', n);

	if (semi) {
		n -= (size_t)(semi + 1 - p);
		p = semi + 1;
	}
	while (n && (is_wsp(*p) || *p == '<'))
		p++, n--;
	while (n && (is_wsp(p[n - 1]) || strchr(">.,:;)", p[n - 1])))
		n--;
	const char *at = memchr(p, '@', n);
	if (n < 3 || !at || at == p || at == p + n - 1 ||
	    memchr(at + 1, '@', n - (size_t)(at + 1 - p)))
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (addr_delim(p[i]) || (unsigned char)p[i] < 0x21 || p[i] == 0x7f)
			return NULL;
	char *s = xstrndup(p, n);
	for (char *q = s; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q + 32);
	return s;
}

/* The first address inside a line of prose: the run of non-delimiters
 * around its first '@'. */
static char *addr_in_line(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '@')
			continue;
		size_t s = i, e = i + 1;
		while (s > 0 && !addr_delim(p[s - 1]))
			s--;
		while (e < n && !addr_delim(p[e]))
			e++;
		char *a = addr_clean(p + s, e - s);
		if (a)
			return a;
	}
	return NULL;
}

struct line {
	const char *p;
	size_t n;
};

/* Steps *pos through p[0..len) one line at a time (without CR/LF). */
static int next_line(const char *p, size_t len, size_t *pos, struct line *l)
{
	if (*pos >= len)
		return 0;
	const char *s = p + *pos;
	const char *e = memchr(s, '\n', len - *pos);
	size_t n = e ? (size_t)(e - s) : len - *pos;
	*pos += n + (e ? 1 : 0);
	while (n && s[n - 1] == '\r')
		n--;
	l->p = s;
	l->n = n;
	return 1;
}

static int line_blank(const struct line *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (!is_wsp(l->p[i]))
			return 0;
	return 1;
}

/* The value of a "Name: value" line if the line has that field name. */
static int line_field(const struct line *l, const char *name, struct line *val)
{
	size_t k = strlen(name);

	if (l->n <= k || l->p[k] != ':' || ci_prefix(l->p, name) != k)
		return 0;
	/* l->n > k, so ci_prefix above stayed inside the line */
	val->p = l->p + k + 1;
	val->n = l->n - k - 1;
	return 1;
}

/* RFC 3464 per-recipient blocks: the first block whose Action is failed (or
 * absent) gives Original-Recipient, else Final-Recipient; a block with
 * another action (delayed, delivered) is used only when no failed one is. */
static char *dsn_recipient(const char *p, size_t len)
{
	size_t pos = 0;
	struct line l, v;
	char *orig = NULL, *final = NULL, *fallback = NULL;
	int action = 0, failed = 0, done;

	do {
		done = !next_line(p, len, &pos, &l);
		if (!done && !line_blank(&l)) {
			if (line_field(&l, "Original-Recipient", &v) && !orig)
				orig = addr_clean(v.p, v.n);
			else if (line_field(&l, "Final-Recipient", &v) && !final)
				final = addr_clean(v.p, v.n);
			else if (line_field(&l, "Action", &v)) {
				const char *t;
				char *a = xstrndup(v.p, v.n);
				size_t n = value_token(a, &t);
				action = 1;
				failed = ci_eqn(t, n, "failed");
				free(a);
			}
			continue;
		}
		/* end of a block */
		if (orig || final) {
			char *r = orig ? orig : final;
			if (r == orig)
				free(final);
			else
				free(orig);
			orig = final = NULL;
			if (!action || failed) {
				free(fallback);
				return r;
			}
			if (!fallback)
				fallback = r;
			else
				free(r);
		}
		action = failed = 0;
	} while (!done);
	return fallback;
}

static char *field_recipient(const char *p, size_t len, const char *name)
{
	size_t pos = 0;
	struct line l, v;

	while (next_line(p, len, &pos, &l))
		if (line_field(&l, name, &v)) {
			char *a = addr_clean(v.p, v.n);
			if (a)
				return a;
		}
	return NULL;
}

/* Phrases after which classic bounces (Exim, Sendmail, qmail, Exchange,
 * Courier) list the failed addresses, one per line. */
static const char *const failed_intro[] = {
	"following address",                            /* Exim, Sendmail, Courier, GMX, Mimecast */
	"following recipient",                          /* Exchange, Google, ezweb, X6 */
	"following list of recipients",                 /* OpenSMTPD */
	"wasn't able to deliver your message to",       /* qmail */
	"could not be delivered to one or more of its", /* Exim, Zoho */
	"error delivering your mail to",                /* DragonFly */
	"was not delivered to",                         /* Domino */
	"delivery has failed to these recipients",      /* Office 365 */
	"to which the message has not yet been delivered", /* Exim delay warning */
	"unable to deliver message to",                    /* MailFoundry */
	"failure reasons",                                 /* Lotus Notes */
	"failed addresses follow",
	NULL,
};

static char *classic_recipient(const char *p, size_t len)
{
	size_t pos = 0;
	struct line l;

	while (next_line(p, len, &pos, &l)) {
		char *line = xstrndup(l.p, l.n);
		int intro = 0;
		for (const char *const *f = failed_intro; *f && !intro; f++)
			intro = ci_contains(line, *f);
		free(line);
		if (!intro)
			continue;
		/* the address may be on the intro line itself (Exchange) */
		char *a = addr_in_line(l.p, l.n);
		for (int k = 0; !a && k < 4 && next_line(p, len, &pos, &l);)
			if (!line_blank(&l)) {
				a = addr_in_line(l.p, l.n);
				k++;
			}
		if (a)
			return a;
	}
	/* Postfix, qmail and Sendmail transcripts: "<addr>: reason" or
	 * "<addr>... reason" at the start of a line. */
	pos = 0;
	while (next_line(p, len, &pos, &l)) {
		size_t i = 0;
		while (i < l.n && (l.p[i] == ' ' || l.p[i] == '\t'))
			i++;
		if (i >= l.n || l.p[i] != '<')
			continue;
		const char *e = memchr(l.p + i, '>', l.n - i);
		if (!e)
			continue;
		char *a = addr_clean(l.p + i + 1, (size_t)(e - l.p - i - 1));
		if (a)
			return a;
	}
	/* Last resort: "Unknown user: addr" and the like. */
	pos = 0;
	while (next_line(p, len, &pos, &l)) {
		char *line = xstrndup(l.p, l.n);
		int hit = ci_contains(line, "unknown user") || ci_contains(line, "user unknown");
		free(line);
		char *a = hit ? addr_in_line(l.p, l.n) : NULL;
		if (a)
			return a;
	}
	return NULL;
}

static int type_is(const char *ct, const char *want)
{
	const char *t;
	size_t n;

	if (!ct)
		return 0;
	n = value_token(ct, &t);
	return ci_eqn(t, n, want);
}

char *mail_bounce_recipient(const struct mail_msg *m)
{
	const char *v;
	char *a;
	size_t tlen = m->text ? strlen(m->text) : 0;

	for (size_t i = 0; i < m->nattachments; i++) {
		const struct mail_attachment *at = &m->attachments[i];
		if (at->data &&
		    (type_is(at->content_type, "message/delivery-status") ||
		     type_is(at->content_type, "message/global-delivery-status")) &&
		    (a = dsn_recipient(at->data, at->size)))
			return a;
	}
	if (m->text && (a = dsn_recipient(m->text, tlen)))
		return a;
	if ((v = hdr(m, "X-Failed-Recipients"))) {
		const char *comma = strchr(v, ',');
		if ((a = addr_clean(v, comma ? (size_t)(comma - v) : strlen(v))))
			return a;
	}
	for (size_t i = 0; i < m->nattachments; i++) {
		const struct mail_attachment *at = &m->attachments[i];
		if (at->data && type_is(at->content_type, "message/feedback-report") &&
		    (a = field_recipient(at->data, at->size, "Original-Rcpt-To")))
			return a;
	}
	if (m->text && (a = field_recipient(m->text, tlen, "Original-Rcpt-To")))
		return a;
	if (m->text && (a = classic_recipient(m->text, tlen)))
		return a;
	return NULL;
}
