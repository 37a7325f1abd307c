/*
 * listmsg: the message a list subscriber receives for one article, and the
 * keys it carries (VERP bounce key, one-click unsubscribe token).
 *
 * The message is the article as stored (same Message-ID, Date, References,
 * In-Reply-To, Subject, MIME headers and body, still dot-stuffed for SMTP)
 * with its news-only headers (Path, Xref, Newsgroups, ...) dropped and the
 * list's own added: a DMARC-safe From (the poster's display name with the
 * gateway's address: never the poster's domain), To (the list address),
 * Reply-To (the recipient's own reply-key address), Sender, List-Id
 * (RFC 2919), List-Post, List-Help, List-Subscribe, List-Archive (the post's
 * forum URL when known), List-Unsubscribe (mailto, and the HTTP one-click
 * URL with List-Unsubscribe-Post, RFC 8058, when there is one),
 * Precedence: list, Auto-Submitted: auto-generated (no vacation replies)
 * and X-Forumgate-Loop, which the intake never ingests.
 */
#ifndef FORUMGATE_LISTMSG_H
#define FORUMGATE_LISTMSG_H

#include <stddef.h>
#include <stdint.h>

#include "forumgate/buf.h"

struct listmsg_in {
	const char *wire;            /* the stored article: CRLF, dot-stuffed */
	size_t wire_len, header_len; /* header_len includes the empty line */
	const char *group;
	const char *from_address;    /* the gateway's address for the group */
	const char *post_address;    /* group@reply domain */
	const char *request_address; /* group-request@reply domain */
	const char *reply_to;        /* the recipient's reply address; NULL = post_address */
	const char *unsubscribe_url; /* one-click URL; NULL = mailto only */
	const char *list_domain;     /* List-Id's domain part and the loop header's value */
	/* an HTML document (sanitize.h) for a multipart/alternative beside
	 * the text; NULL = the article as it is. Used only when the article
	 * is a single text/plain part. */
	const char *html;
	size_t html_len;
	const char *boundary; /* for the multipart; unique per article */
	int read_only;        /* the group takes no posts: List-Post: NO */
};

/* Appends the list message to out (SMTP transmission form: CRLF,
 * dot-stuffed, no final "."). The From phrase is the article's, verbatim
 * (it is already an encoded header), or the poster's local part. */
void listmsg_build(const struct listmsg_in *in, struct buf *out);

/* The archive URL of a stored article (its Archived-At), malloc'd, or NULL. */
char *listmsg_archive_url(const char *wire, size_t header_len);

/* VERP: the envelope sender `<local>+b-<key>@<domain>` of delivery
 * `delivery_id` (the queue row: one recipient and one message), key =
 * base32 of the id and an HMAC-SHA256 of it (truncated), 23 chars.
 * malloc'd. */
#define LISTMSG_BOUNCE_KEY_LEN 23
char *listmsg_bounce_address(const char *local, const char *domain, int64_t delivery_id,
			     const unsigned char *secret, size_t secret_len);
/* The delivery id a bounce key (the part after "b-") names: 1 valid, 0 not
 * ours (malformed or a wrong MAC). */
int listmsg_bounce_parse(const char *key, const unsigned char *secret, size_t secret_len,
			 int64_t *delivery_id);

/* The one-click unsubscribe token of (group, address): HMAC, base32, 26
 * chars, malloc'd; the HTTP route checks a token by making it again. */
char *listmsg_unsub_token(const char *group, const char *address, const unsigned char *secret,
			  size_t secret_len);
/* The one-click URL: base (http.public_url, no trailing slash needed)
 * /unsubscribe?g=GROUP&a=ADDRESS&t=TOKEN, percent-encoded; malloc'd. */
char *listmsg_unsub_url(const char *base, const char *group, const char *address,
			const unsigned char *secret, size_t secret_len);

#endif
