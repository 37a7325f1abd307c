/*
 * listreq: the commands of a list's `-request` address, as Mailman and
 * majordomo users write them, and the texts of the replies
 * (gateway/mail/listreq.c). Pure: no store, no network; listd looks up and
 * changes subscriptions and sends the replies.
 *
 * Where commands are read:
 *  - The Subject, after reply/forward prefixes ("Re:", "Fwd:", "AW:",
 *    "SV:", ...) and "[list]" tags. It is read leniently: a known command
 *    word with words it does not know ("Subscribe me please") is that
 *    command with the known options only, and no error, since people write
 *    prose there. "confirm TOKEN" anywhere in the Subject ("Re: Your
 *    subscription to demo: confirm 3f9a...") is a confirm command: that
 *    is how a mail client's reply to the confirmation request
 *    (listreq_confirm_subject) arrives. There the token must look made by
 *    a machine (16 octets or more, or 8 or more with a digit), so "Please
 *    confirm your subscription" is not one: listd's tokens must be so.
 *  - Then the first lines of the text body, strictly: blank lines and
 *    quoted lines ("> ...") are skipped; reading stops at "end" or "stop",
 *    at a signature separator "-- ", after `max_commands` commands, or at
 *    the first line that is not a command (its text is kept in
 *    `stopped_at`; reported as an error only when no command was found at
 *    all, so "Thanks, Bob" after the commands is not scolded).
 *  - A line whose first word is a command but whose arguments are wrong
 *    is an error for the reply, and reading goes on.
 *  - Words are compared without case; addresses and tokens keep theirs.
 *  - A command the same as an earlier one (a confirm token in the Subject
 *    and the body) is kept once.
 *
 * The commands:
 *   subscribe [each|nodigest|digest [daily|weekly]|daily|weekly] [html|text] [address=ADDR]
 *   join ...                          the same as subscribe
 *   unsubscribe [address=ADDR]        also "leave", "signoff"
 *   digest [daily|weekly]             switch to digests
 *   nodigest | each                   switch to one mail per post
 *   html | text                       the format of list mail (also "plain")
 *   help | info
 *   confirm TOKEN
 *   end | stop                        stop reading (also "thanks")
 * ADDR may be written <a@b>; it must look like an addr-spec (one '@',
 * no white space or controls, at most 254 octets). Subscribing or
 * unsubscribing an address other than the sender's is the caller's to
 * confirm with that address: parsing does not authenticate anyone.
 */
#ifndef FORUMGATE_LISTREQ_H
#define FORUMGATE_LISTREQ_H

#include <stddef.h>

enum listreq_verb {
	LISTREQ_SUBSCRIBE,
	LISTREQ_UNSUBSCRIBE,
	LISTREQ_DIGEST,   /* switch to digest mode (period may be set) */
	LISTREQ_NODIGEST, /* switch to one mail per post */
	LISTREQ_FORMAT,   /* format is set */
	LISTREQ_HELP,
	LISTREQ_CONFIRM,
};

enum listreq_mode { LISTREQ_MODE_DEFAULT = 0, LISTREQ_MODE_EACH, LISTREQ_MODE_DIGEST };
enum listreq_period { LISTREQ_PERIOD_DEFAULT = 0, LISTREQ_DAILY, LISTREQ_WEEKLY };
enum listreq_format { LISTREQ_FORMAT_DEFAULT = 0, LISTREQ_TEXT, LISTREQ_HTML };

struct listreq_cmd {
	enum listreq_verb verb;
	enum listreq_mode mode;     /* subscribe; DIGEST/NODIGEST set it too */
	enum listreq_period period; /* subscribe, digest (DEFAULT: the group's) */
	enum listreq_format format; /* subscribe, format */
	char *address;              /* address=...; NULL = the sender */
	char *token;                /* confirm */
	char *line;                 /* the line as written (trimmed, controls made
					 spaces, at most 200 octets) for the reply */
	int lineno;                 /* 0 = Subject, else the body line (1-based) */
};

struct listreq_error {
	char *line;      /* as in listreq_cmd.line */
	const char *why; /* static text for the reply */
	int lineno;
};

struct listreq_result {
	struct listreq_cmd *cmds;
	size_t ncmds;
	struct listreq_error *errors; /* in line order */
	size_t nerrors;
	char *stopped_at; /* the non-command line reading stopped at, or NULL */
	int truncated;    /* stopped at max_commands with more lines left */
};

#define LISTREQ_MAX_COMMANDS 10

/* Parses the Subject (decoded, may be NULL) and the text body (UTF-8, "\n"
 * or "\r\n" lines, body_len bytes, may be NULL) into *out (initialised here,
 * freed with listreq_result_free). max_commands: body commands read at most
 * (0 = LISTREQ_MAX_COMMANDS); the Subject's command is extra. Never fails. */
void listreq_parse(const char *subject, const char *body, size_t body_len, int max_commands,
		   struct listreq_result *out);
void listreq_result_free(struct listreq_result *r);

/* What the reply texts say about the list. Strings are borrowed. */
struct listreq_list {
	const char *name;         /* "demo.general" */
	const char *post_addr;    /* "demo.general@lists.example.org" */
	const char *request_addr; /* "demo.general-request@lists.example.org" */
	const char *archive_url;  /* NULL = none */
};

/* The reply to "help" (and to a message with no command): every command with
 * one line on what it does. Plain UTF-8 text, "\n" lines; malloc'd. */
char *listreq_help_text(const struct listreq_list *l);

/* The confirmation request sent to `address` for `verb` (LISTREQ_SUBSCRIBE
 * or LISTREQ_UNSUBSCRIBE) with token `token`: how to confirm by replying
 * (keeping the Subject), by mail to the request address, or by opening
 * confirm_url (NULL when there is no HTTP listener), and that ignoring it
 * changes nothing. expires_hours > 0 is said. malloc'd. */
char *listreq_confirm_text(const struct listreq_list *l, enum listreq_verb verb,
			   const char *address, const char *token, const char *confirm_url,
			   int expires_hours);
/* The Subject of that request, "confirm TOKEN", which listreq_parse reads back
 * from a reply (with its "Re:") as the confirm command. malloc'd. */
char *listreq_confirm_subject(const char *token);

/* The short reply to a message's commands: each command line quoted ("> ")
 * followed by outcomes[i] (the caller's sentence for r->cmds[i]; NULL =
 * "Done."), and each error line followed by its reason, in the order of the
 * lines; a message without any command gets a pointer to "help". malloc'd. */
char *listreq_results_text(const struct listreq_list *l, const struct listreq_result *r,
			   const char *const *outcomes);

/* A name for a command in log lines and replies: "subscribe", "confirm", ... */
const char *listreq_verb_name(enum listreq_verb v);

#endif
