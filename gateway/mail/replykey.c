/*
 * Reply keys (see replykey.h). HMAC-SHA256 through OpenSSL's EVP_MAC; the
 * truncated tag is compared with CRYPTO_memcmp so a forger learns nothing
 * from timing.
 */
#include "forumgate/replykey.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "forumgate/buf.h"
#include "forumgate/priv.h"

#define KEY_VERSION 1
#define DATA_LEN 14
#define TAG_LEN 10
#define RAW_LEN (DATA_LEN + TAG_LEN)

static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

static void mac(const unsigned char *secret, size_t secret_len, const unsigned char *data, size_t n,
		unsigned char out[32])
{
	size_t outlen = 32;
	EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, secret, secret_len, data, n, out, 32,
		  &outlen);
}

static void pack(const struct replykey *k, unsigned char d[DATA_LEN])
{
	d[0] = KEY_VERSION;
	d[1] = (unsigned char)k->purpose;
	for (int i = 0; i < 4; i++)
		d[2 + i] = (unsigned char)(k->user_id >> (24 - 8 * i));
	for (int i = 0; i < 6; i++)
		d[6 + i] = (unsigned char)(k->post_id >> (40 - 8 * i));
	d[12] = (unsigned char)(k->expires >> 8);
	d[13] = (unsigned char)k->expires;
}

void replykey_make(const struct replykey *k, const unsigned char *secret, size_t secret_len,
		   char out[REPLYKEY_LEN + 1])
{
	unsigned char raw[RAW_LEN], tag[32];
	pack(k, raw);
	mac(secret, secret_len, raw, DATA_LEN, tag);
	memcpy(raw + DATA_LEN, tag, TAG_LEN);
	/* base32: 24 octets = 192 bits = 38.4 → 39 characters */
	unsigned acc = 0;
	int bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < RAW_LEN; i++) {
		acc = (acc << 8) | raw[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = b32[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = b32[(acc << (5 - bits)) & 31];
	out[o] = '\0';
}

enum replykey_check replykey_verify(const char *key, const unsigned char *secret, size_t secret_len,
				    int64_t now, struct replykey *out)
{
	if (strlen(key) != REPLYKEY_LEN)
		return REPLYKEY_MALFORMED;
	unsigned char raw[RAW_LEN + 1];
	unsigned acc = 0;
	int bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < REPLYKEY_LEN; i++) {
		const char *p = strchr(b32, tolower((unsigned char)key[i]));
		if (p == NULL || key[i] == '\0')
			return REPLYKEY_MALFORMED;
		acc = (acc << 5) | (unsigned)(p - b32);
		bits += 5;
		if (bits >= 8) {
			if (o < sizeof raw)
				raw[o++] = (unsigned char)(acc >> (bits - 8));
			bits -= 8;
		}
	}
	if (o < RAW_LEN || raw[0] != KEY_VERSION)
		return REPLYKEY_MALFORMED;
	unsigned char tag[32];
	mac(secret, secret_len, raw, DATA_LEN, tag);
	if (CRYPTO_memcmp(tag, raw + DATA_LEN, TAG_LEN) != 0)
		return REPLYKEY_FORGED;
	struct replykey k = {.purpose = raw[1]};
	for (int i = 0; i < 4; i++)
		k.user_id = (k.user_id << 8) | raw[2 + i];
	for (int i = 0; i < 6; i++)
		k.post_id = (k.post_id << 8) | raw[6 + i];
	k.expires = (uint16_t)((raw[12] << 8) | raw[13]);
	if (out)
		*out = k;
	if (now / 86400 > k.expires)
		return REPLYKEY_EXPIRED;
	return REPLYKEY_VALID;
}

int replykey_load_secret(const char *path, unsigned char **secret, size_t *len, char **err)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return fg_error(err, "reply secret %s: %s", path, strerror(errno));
	if (priv_check_private_file(fileno(f), path, "reply secret", err) != 0) {
		fclose(f);
		return -1;
	}
	struct buf b = BUF_INIT;
	char chunk[512];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len < 4096)
		buf_add(&b, chunk, n);
	fclose(f);
	while (b.len && isspace((unsigned char)b.p[b.len - 1]))
		buf_truncate(&b, b.len - 1);
	size_t hex = 0;
	while (hex < b.len && isxdigit((unsigned char)b.p[hex]))
		hex++;
	if (hex == b.len && hex >= 32 && hex % 2 == 0) {
		for (size_t i = 0; i < hex / 2; i++) {
			unsigned v;
			sscanf(b.p + 2 * i, "%2x", &v);
			b.p[i] = (char)v;
		}
		b.len = hex / 2;
	}
	if (b.len < 16) {
		buf_free(&b);
		return fg_error(err, "reply secret %s is shorter than 16 octets", path);
	}
	*len = b.len;
	*secret = (unsigned char *)buf_detach(&b);
	return 0;
}
