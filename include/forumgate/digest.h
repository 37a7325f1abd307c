/*
 * digest: one message that collects a list's articles of a day or a week
 * (gateway/mail/digest.c). Pure: the caller passes the articles as the
 * store keeps them and gets the whole digest message back.
 *
 * Two formats, as Mailman sends them:
 *  - DIGEST_MIME: multipart/digest (RFC 2046 §5.1.5). The first part is
 *    text/plain (explicitly typed) with the intro and the table of contents
 *    ("  N. Subject (Author)"); then one part per article, message/rfc822
 *    (typed explicitly: libetpan misreads an empty part header), holding
 *    the article as it is (every header, the body
 *    untouched), so a reader can reply to each one.
 *  - DIGEST_PLAIN: RFC 1153 plain text: the preamble (title line, intro,
 *    "Today's Topics:" and the table of contents), a line of 70 hyphens
 *    and a blank line; each article as its Date, From, To, Cc, Subject,
 *    Message-ID and Keywords headers (in that order, decoded to UTF-8 on
 *    one line each), a blank line, its text without leading and trailing
 *    blank lines, then a blank line, 30 hyphens and a blank line; a body
 *    line of exactly 30 hyphens gets its first one made a space. Last the
 *    trailer: "End of <list> Digest, Vol N, Issue M" and a line of as many
 *    asterisks. An article that is not plain text (a mail with
 *    attachments, base64, HTML only) gives the text the intake would read
 *    from it.
 *
 * The digest's own header: Date, From, Subject "<list> Digest, Vol N,
 * Issue M", Message-ID "<digest.{mime|plain}.vN.iM.{list}@{domain}>" (the
 * same for a rebuilt digest, so a resend after a crash is one message),
 * MIME-Version, Content-Type, Content-Transfer-Encoding (8bit when any
 * byte is, else 7bit: send with 8BITMIME), then the caller's
 * extra_headers (To, Reply-To, List-*, Precedence, ...).
 *
 * Cost: one pass over the articles (plus libetpan's header parse of each),
 * no per-article search of the output; 10,000 articles build in linear time.
 */
#ifndef FORUMGATE_DIGEST_H
#define FORUMGATE_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "forumgate/buf.h"

enum digest_format { DIGEST_MIME, DIGEST_PLAIN };

/* One article: its wire form (headers, empty line, body), CRLF or LF
 * lines; dot_stuffed = 1 for the store's form (a leading "." of each line
 * doubled, as NNTP sends it), which is undone here. Borrowed. */
struct digest_article {
	const char *wire;
	size_t len;
	int dot_stuffed;
};

/* Everything else the digest says. Strings are borrowed; UTF-8. */
struct digest_info {
	const char *list_name;     /* required: the group, "demo.general" */
	int volume, issue;         /* >= 1 */
	int64_t date;              /* seconds since the epoch */
	const char *tz;            /* IANA zone for the Date header; NULL = UTC */
	const char *domain;        /* required: right side of the Message-ID */
	const char *from_name;     /* display name of From; NULL = list_name */
	const char *from_addr;     /* required: addr-spec of From */
	const char *extra_headers; /* valid header lines, "Name: value\r\n"...; NULL = none */
	const char *intro;         /* text before the table of contents, "\n" lines; NULL = none */
};

/* Builds the digest of a[0..n) into out (appended): the whole message, CRLF
 * lines, NOT dot-stuffed (the SMTP client stuffs). n may be 0 (an empty
 * digest says so). *msgid (when not NULL) gets the Message-ID, malloc'd.
 * Returns 0, or -1 and *err when info lacks a required field. Articles that
 * do not parse are listed as "(unreadable article)" and, in MIME, still
 * enclosed as they are. */
int digest_build(enum digest_format f, const struct digest_info *info,
		 const struct digest_article *a, size_t n, struct buf *out, char **msgid,
		 char **err);

#endif
