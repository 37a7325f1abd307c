/*
 * article: builds an RFC 5322 / RFC 5536 article from a forum post, in wire
 * form (CRLF line ends, dot-stuffed, without the terminating ".").
 *
 * Every value taken from forum data goes through the same sanitizer: control
 * characters (CR, LF, NUL, TAB and the rest of C0/C1, DEL) become spaces,
 * runs of white space collapse, non-ASCII goes out as RFC 2047 encoded-words
 * (B or Q, UTF-8, each at most 75 octets), and long headers are folded at
 * white space so that no line exceeds 78 octets where it can be helped and
 * never 998.
 */
#ifndef FORUMGATE_ARTICLE_H
#define FORUMGATE_ARTICLE_H

#include <stddef.h>
#include <stdint.h>

#include "forumgate/buf.h"

/* Everything needed to render one article. Strings are borrowed (not freed
 * by article_build). NULL means "absent" for optional fields. */
struct article_in {
	const char *newsgroups; /* required, e.g. "demo.general" */
	const char *from_name;  /* display name (raw UTF-8 from the forum); NULL = unknown */
	const char *from_addr;  /* addr-spec, e.g. "user.42@forum.example.org"; required */
	const char *subject;    /* raw thread title; "Re: " is added when is_reply */
	int is_reply;
	int64_t date;             /* seconds since the epoch */
	const char *tz;           /* IANA zone for the Date header; NULL = UTC */
	const char *message_id;   /* with angle brackets; required */
	const char *references;   /* full References of the parent plus the parent's
				     id, space separated; trimmed here; NULL = root */
	const char *in_reply_to;  /* parent's Message-ID; NULL = root */
	const char *supersedes;   /* Message-ID this edit replaces; NULL = none */
	const char *path;         /* Path header value, e.g. "forum.example.org!not-for-mail" */
	const char *organization; /* NULL = none */
	const char *archived_at;  /* post URL; NULL = none */
	const char *xref;         /* "host group:number"; NULL = none */
	const char *list_post;    /* "mailto:…" for List-Post; NULL = none */
	const char *reply_to;     /* address for Reply-To; NULL = none */
	const char
		*extra_headers; /* already valid header lines ("Name: value\r\n"…), NULL = none */
	const char *body;       /* plain text ("\n" lines) as text_convert makes it */
	const char *signature;  /* plain text signature; NULL/"" = none */
};

/* The built article and what the store keeps beside it. */
struct article_out {
	struct buf wire;   /* headers CRLF body, CRLF line ends, dot-stuffed */
	size_t header_len; /* bytes of the header block including the empty line */
	size_t bytes;      /* ":bytes": wire.len less the stuffed dots (RFC 3977 §8.1.1) */
	size_t lines;      /* body lines (":lines") */
	/* Overview fields as they stand in the header (encoded-words stay
	 * encoded), unfolded, TAB/CR/LF replaced by spaces. The five strings
	 * share one allocation, `fields`, freed by article_out_free(): never
	 * free them one by one. */
	char *subject, *from, *date, *message_id, *references;
	char *fields;
};

void article_out_free(struct article_out *a);

/* Renders in → out (out is initialised here). Returns 0, or -1 and *err when
 * a required field is missing or invalid (e.g. a malformed Message-ID). */
int article_build(const struct article_in *in, struct article_out *out, char **err);

/* The overview line without its leading number, fields joined by TAB:
 * Subject, From, Date, Message-ID, References, :bytes, :lines, Xref (the
 * "Xref: host group:num" full form, empty when there is none). malloc'd. */
char *article_overview(const struct article_out *a, const char *xref);

/* --- building blocks, exposed for the mail side and for tests --- */

/* Appends the sanitized form of s (see top of file) as an unstructured
 * header value (RFC 5322 §3.2.5 unstructured: encoded-words allowed). */
void article_hdr_unstructured(struct buf *out, const char *s);
/* Appends a display-name phrase: plain atoms when possible, a quoted string
 * when it has specials, encoded-words when it has non-ASCII. */
void article_hdr_phrase(struct buf *out, const char *s);
/* Appends "Name: value\r\n" folding value at white space to fit 78 octets
 * per line where possible (never more than 998). value must already be a
 * sanitized header value without CR/LF. */
void article_hdr_fold(struct buf *out, const char *name, const char *value);

/* RFC 5322 date in zone tz ("Tue, 26 Aug 2008 08:15:00 -0400"); NULL tz = UTC.
 * Writes at most 40 bytes including the NUL into out. Returns 0 or -1. */
int article_date(int64_t t, const char *tz, char out[40]);

/* Deterministic Message-ID "<p{post}.t{thread}.{forum}@{domain}>" with
 * ".v{version}" after the post id for version > 1. Characters of the ids that
 * are not valid in a dot-atom are percent-encoded. malloc'd. */
char *article_message_id(const char *forum, const char *thread, const char *post, int version,
			 const char *domain);
/* The same id with ".c{variant}" after the forum for variant > 0 (variant 0
 * is article_message_id()): the id sync gives a post whose own id is taken
 * by an article that is not that post. Too long, it is hashed like the
 * plain id, with the variant in the hash. malloc'd; NULL as above. */
char *article_message_id_variant(const char *forum, const char *thread, const char *post,
				 int version, int variant, const char *domain);

/*
 * Whether msgid (with angle brackets) is in the gateway's own namespace: the
 * ids sync makes for forum posts, which front ends (NNTP POST, mail intake)
 * refuse from outside, so that no one can take the id of a post or an edit
 * before sync stores it. Ours is an id whose right side is `domain`
 * (gateway.domain; compared without case, as DNS does) and whose left side
 * has a shape article_message_id_variant() writes:
 *
 *   "p" ID [".v" DIGITS] ".t" ID "." ID [".c" DIGITS]   or   "h" 40 HEXDIG
 *
 * where ID is letters, digits, "-", "_" and %XX escapes (no dot, so the
 * parts cannot be confused). The domain alone is not the rule: a user whose
 * mail address is at the gateway's domain gets ids at that domain from his
 * own mail client (Thunderbird takes the From domain), and those never
 * have this shape. Ids the gateway makes at random for a POST without one
 * ("<fg.…>") or from a message's hash ("<fg-…>") are not in it: nobody can
 * predict them, so there is nothing to take ahead. 1 ours, 0 not.
 */
int article_msgid_ours(const char *msgid, const char *domain);

/* Trims a space-separated References list per RFC 5537 §3.4.4: keeps the
 * first id and as many of the last ids as fit so the header line stays under
 * 998 octets (target: 21 ids). Returns a malloc'd list; invalid ids dropped. */
char *article_refs_trim(const char *refs);

/* Slug for newsgroup components: lowercase ASCII letters/digits, other runs
 * become '-', non-ASCII letters transliterated where simple, else dropped.
 * Never empty ("x" at worst). malloc'd. */
char *article_slug(const char *s);
/* The same slug appended to b (for a caller that has a buffer to reuse). */
void article_slug_add(struct buf *b, const char *s);
/* The newsgroup component of an unmapped board (cfg_board_group): the same
 * transliterating rule ("Café Straße" → "cafe-strasse"), cut to 64 octets
 * with no '-' at either end; "" when the board has no letter or digit.
 * malloc'd. */
char *article_group_slug(const char *board);

#endif
