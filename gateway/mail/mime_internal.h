/*
 * mime_internal: the pieces of the MIME parser (gateway/mail/mime*.c) that
 * are shared between its files, not part of the mail.h contract.
 *
 *  - mime_charset.c: bytes in a declared charset → UTF-8 with the fallbacks
 *    of mail.h, line-ending normalisation and format=flowed undoing;
 *  - mime_header.c: the top-level header scanner and the typed header values
 *    (From, msg-id lists, Date, RFC 2047 phrases).
 */
#ifndef FORUMGATE_MIME_INTERNAL_H
#define FORUMGATE_MIME_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "forumgate/buf.h"
#include "forumgate/mail.h"

/* Appends n bytes in `charset` (NULL = undeclared) as UTF-8 to out. Never
 * fails: an unknown charset or a failed conversion falls back to "UTF-8
 * where valid, windows-1252 for the other bytes". NUL bytes are dropped. */
void mime_to_utf8(const char *charset, const char *in, size_t n, struct buf *out);

/* 1 if s[0..n) is valid UTF-8 (no overlongs, no surrogates). */
int mime_utf8_valid(const char *s, size_t n);

/* Appends in with CRLF and lone CR turned into LF. */
void mime_add_lf(struct buf *out, const char *in, size_t n);

/* Undoes format=flowed (RFC 3676) of LF text: joins soft-broken lines of
 * the same quote depth, removes space-stuffing, deletes the soft-break
 * space when delsp. Quoted lines come out as ">"*depth + " " + text. */
void mime_unflow(const char *in, size_t n, int delsp, struct buf *out);

/* Splits the header block of raw into (name, unfolded trimmed value) pairs
 * appended to *hdrs / *n (malloc'd array, caller frees entries). The block
 * ends at the first empty line or at the first line that is neither a
 * header nor a continuation. Returns the offset where the body starts. */
size_t mime_scan_headers(const char *raw, size_t len, struct mail_header **hdrs, size_t *n);

/* RFC 2047 phrase/unstructured text → UTF-8 (malloc'd, never NULL). Raw
 * 8-bit text outside encoded words is taken as UTF-8, else windows-1252. */
char *mime_decode_words(const char *s);

/* From header value → lowercased addr-spec and decoded display name (each
 * malloc'd or NULL). Takes the first mailbox, also from a group. */
void mime_parse_from(const char *v, char **addr, char **name);

/* All msg-ids of a References/In-Reply-To/Message-ID value, with angle
 * brackets, in order; garbage between ids is skipped. Returns the count,
 * *ids is a malloc'd array (NULL when 0). */
size_t mime_msgids(const char *v, char ***ids);

/* Date header value → epoch seconds, 0 when unparsable. */
int64_t mime_date(const char *v);

#endif
