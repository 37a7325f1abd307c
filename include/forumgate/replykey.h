/*
 * replykey: the key in a reply address `<local>+<key>@<reply domain>` that
 * binds a reply to one user, one post and one purpose.
 *
 * The key carries its own data and an HMAC-SHA256 over it, so it is verified
 * without a database lookup; rotating the secret revokes every key. Layout
 * before base32 (RFC 4648 alphabet, lowercase, no padding): version (1),
 * purpose (1), user id (4, big-endian), post row id (6), expiry day since
 * the epoch (2), then the first 10 octets of the MAC: 24 octets, 39 chars.
 */
#ifndef FORUMGATE_REPLYKEY_H
#define FORUMGATE_REPLYKEY_H

#include <stddef.h>
#include <stdint.h>

enum replykey_purpose {
	REPLYKEY_REPLY = 1, /* a reply to the post */
};

struct replykey {
	int purpose;
	uint32_t user_id;
	uint64_t post_id; /* the store's post row id (48 bits) */
	uint16_t expires; /* day number since 1970-01-01 (UTC) */
};

#define REPLYKEY_LEN 39

/* Writes the key (REPLYKEY_LEN chars + NUL) into out. */
void replykey_make(const struct replykey *k, const unsigned char *secret, size_t secret_len,
		   char out[REPLYKEY_LEN + 1]);

enum replykey_check {
	REPLYKEY_VALID = 0,
	REPLYKEY_MALFORMED, /* not a key of ours */
	REPLYKEY_FORGED,    /* MAC does not match (or the secret was rotated) */
	REPLYKEY_EXPIRED,
};
/* Verifies key (case-insensitive) against the secret at time `now`. */
enum replykey_check replykey_verify(const char *key, const unsigned char *secret, size_t secret_len,
				    int64_t now, struct replykey *out);

/* Loads the secret: the file's bytes (a hex string of 32+ digits is decoded).
 * Returns 0 and a malloc'd secret, or -1 with *err (missing file, shorter
 * than 16 octets, readable by others). */
int replykey_load_secret(const char *path, unsigned char **secret, size_t *len, char **err);

#endif
