/*
 * mail: what the mail side knows about one incoming message, and the
 * building blocks of the intake pipeline (parse → classify → route →
 * authenticate sender → trim → outbox). Each step is a pure function over a
 * parsed message so that LMTP, `forumgate ingest`, Maildir and IMAP intake
 * share it exactly.
 *
 * Strings are UTF-8, malloc'd, owned by the struct; mail_msg_free() frees.
 */
#ifndef FORUMGATE_MAIL_H
#define FORUMGATE_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "forumgate/buf.h"

struct mail_header {
	char *name;  /* as in the message, e.g. "Auto-Submitted" */
	char *value; /* unfolded, raw (encoded-words NOT decoded), trimmed */
};

struct mail_attachment {
	char *filename;     /* decoded (RFC 2231/2047); may be NULL */
	char *content_type; /* "image/png" */
	char *data;         /* decoded bytes */
	size_t size;
};

struct mail_msg {
	struct mail_header *headers; /* every top-level header, in order */
	size_t nheaders;

	char *from_addr;   /* lowercased addr-spec of From; NULL if none/unparsable */
	char *from_name;   /* decoded display name; may be NULL */
	char *subject;     /* decoded; may be NULL */
	char *message_id;  /* "<id@host>" with brackets; NULL if none */
	char *in_reply_to; /* first msg-id of In-Reply-To, with brackets; may be NULL */
	char **references; /* msg-ids with brackets, in header order */
	size_t nreferences;
	int64_t date; /* Date header as epoch, 0 if none/unparsable */

	/* The text the person wrote, as UTF-8 plain text with "\n" lines: the
	 * text/plain part (preferred in multipart/alternative), format=flowed
	 * with DelSp undone, else the text/html part converted to text. */
	char *text;
	int text_from_html; /* 1 when text came from an HTML part */
	struct mail_attachment *attachments;
	size_t nattachments;

	/* multipart/report (RFC 3462) or message/delivery-status present */
	int is_report;
};

/* Finds a top-level header (case-insensitive); NULL if absent. */
const char *mail_header(const struct mail_msg *m, const char *name);

/* Parses an RFC 5322 message (CRLF or LF) with libetpan: MIME tree, transfer
 * encodings, charsets to UTF-8 (declared charset, then fallbacks: UTF-8 if
 * valid, else windows-1252), RFC 2047/2231 headers. Returns 0 and *out, or
 * -1 and *err for input that is not a message at all, or whose MIME parts
 * nest more than 64 levels deep (or that has more than 1000 Content-Type
 * fields): libetpan's parser recurses per level, and such a message is
 * refused rather than risking the stack. (gateway/mail/mime.c) */
int mail_parse(const char *raw, size_t len, struct mail_msg **out, char **err);
void mail_msg_free(struct mail_msg *m);

/* The strict form of a header block that an article posted by a newsreader
 * must have (mail_parse is lenient: it takes the first line that is not a
 * header as the start of the body). 0 when every line up to the first
 * empty one is "Name: value" or a continuation, else -1 with *why, a
 * sentence for the poster ("header line 3 is not ..."). */
int mail_header_block_check(const char *raw, size_t len, char **why);

/* Why a message must not be posted (gateway/mail/classify.c). */
enum mail_class {
	MAIL_OK = 0,
	MAIL_AUTOREPLY, /* RFC 3834 Auto-Submitted, X-Autoreply, vacation subjects, ... */
	MAIL_BULK,      /* Precedence: bulk/junk/list */
	MAIL_BOUNCE,    /* DSN, multipart/report, null sender, MAILER-DAEMON */
	MAIL_LOOP,      /* carries our own loop header (X-Forumgate-Loop) */
	MAIL_OWN,       /* sent from one of our own reply addresses */
};
/* Classifies m. envelope_from is the SMTP MAIL FROM ("" = null sender, NULL
 * = unknown); own_domain is our reply domain (mail from it is ours).
 * *reason gets a static string a log line or a bounce can show. */
enum mail_class mail_classify(const struct mail_msg *m, const char *envelope_from,
			      const char *own_domain, const char **reason);
/* For a bounce: the recipient address that failed (malloc'd), if found. */
char *mail_bounce_recipient(const struct mail_msg *m);

/* Reply trimming (gateway/mail/trim.c): splits the text of a reply into
 * what the person wrote (appended to `kept`) and what is quoted, attribution
 * lines, signatures, "Sent from my ..." lines and forwarded tails (appended
 * to `elided`, may be NULL). Both without leading/trailing blank lines. */
void mail_trim(const char *text, size_t len, struct buf *kept, struct buf *elided);
/* The same; when trimming left nothing of a reply with text in it, `kept`
 * gets the whole text and *note (may be NULL) a static line saying so,
 * for the caller's log (mail_trim logs it itself). Otherwise *note = NULL. */
void mail_trim_note(const char *text, size_t len, struct buf *kept, struct buf *elided,
		    const char **note);

#endif
