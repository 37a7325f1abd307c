/*
 * Password hashing (scrypt, OpenSSL) and the login failure limiters (per
 * address and per account).
 *
 * scrypt N=2^14, r=8, p=1 costs about 16 MiB and a few tens of milliseconds:
 * a deliberate price per login that rate-limits guessing on its own, paid
 * once per NNTP session.
 */
#include "forumgate/password.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "forumgate/buf.h"

#define SCRYPT_N 16384
#define SCRYPT_R 8
#define SCRYPT_P 1
#define KEY_LEN 32
#define SALT_LEN 16

static char *b64(const unsigned char *p, size_t n)
{
	char *out = xmalloc(4 * ((n + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return out;
}

static int unb64(const char *s, unsigned char *out, size_t cap, size_t *n)
{
	size_t len = strlen(s);
	if (len % 4 || len / 4 * 3 > cap + 2)
		return -1;
	unsigned char tmp[128];
	if (len / 4 * 3 > sizeof tmp)
		return -1;
	int r = EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)len);
	if (r < 0)
		return -1;
	size_t pad = (len && s[len - 1] == '=') + (len > 1 && s[len - 2] == '=');
	*n = (size_t)r - pad;
	if (*n > cap)
		return -1;
	memcpy(out, tmp, *n);
	return 0;
}

static int derive(const char *pw, const unsigned char *salt, size_t saltlen, uint64_t n, uint64_t r,
		  uint64_t p, unsigned char *key)
{
	return EVP_PBE_scrypt(pw, strlen(pw), salt, saltlen, n, r, p, 64u << 20, key, KEY_LEN) == 1
		       ? 0
		       : -1;
}

char *password_hash(const char *pw, char **err)
{
	unsigned char salt[SALT_LEN], key[KEY_LEN];
	if (RAND_bytes(salt, sizeof salt) != 1 ||
	    derive(pw, salt, sizeof salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, key) != 0) {
		fg_error(err, "password: scrypt failed");
		return NULL;
	}
	char *s64 = b64(salt, sizeof salt), *k64 = b64(key, sizeof key);
	char *out = xasprintf("scrypt$%d$%d$%d$%s$%s", SCRYPT_N, SCRYPT_R, SCRYPT_P, s64, k64);
	free(s64);
	free(k64);
	OPENSSL_cleanse(key, sizeof key);
	return out;
}

int password_verify(const char *pw, const char *hash)
{
	static const unsigned char dummy_salt[SALT_LEN];
	unsigned long long n = SCRYPT_N, r = SCRYPT_R, p = SCRYPT_P;
	unsigned char salt[64], want[KEY_LEN], got[KEY_LEN];
	size_t saltlen = 0, keylen = 0;
	char s64[96], k64[96];
	int valid = hash != NULL &&
		    sscanf(hash, "scrypt$%llu$%llu$%llu$%95[^$]$%95s", &n, &r, &p, s64, k64) == 5 &&
		    n >= 2 && n <= (1u << 20) && r >= 1 && r <= 32 && p >= 1 && p <= 16 &&
		    unb64(s64, salt, sizeof salt, &saltlen) == 0 &&
		    unb64(k64, want, sizeof want, &keylen) == 0 && keylen == KEY_LEN;
	if (!valid) {
		derive(pw, dummy_salt, sizeof dummy_salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, got);
		return 0;
	}
	if (derive(pw, salt, saltlen, n, r, p, got) != 0)
		return 0;
	int ok = CRYPTO_memcmp(got, want, KEY_LEN) == 0;
	OPENSSL_cleanse(got, sizeof got);
	return ok;
}

/* A small fixed table: the oldest entry is reused, so a flood of addresses
 * cannot grow memory; an attacker evicting entries only helps themselves to
 * a few more scrypt-priced guesses. */
#define LIMIT_SLOTS 256
#define LIMIT_WINDOW 300
#define LIMIT_MAX 5

static struct {
	char peer[64];
	time_t start;
	int failures;
} limit[LIMIT_SLOTS];
static pthread_mutex_t limit_lock = PTHREAD_MUTEX_INITIALIZER;

static int slot_of(const char *peer, time_t now, int create)
{
	int oldest = 0;
	for (int i = 0; i < LIMIT_SLOTS; i++) {
		if (limit[i].peer[0] && strcmp(limit[i].peer, peer) == 0) {
			if (now - limit[i].start > LIMIT_WINDOW) {
				limit[i].start = now;
				limit[i].failures = 0;
			}
			return i;
		}
		if (limit[i].start < limit[oldest].start)
			oldest = i;
	}
	if (!create)
		return -1;
	snprintf(limit[oldest].peer, sizeof limit[oldest].peer, "%s", peer);
	limit[oldest].start = now;
	limit[oldest].failures = 0;
	return oldest;
}

int password_limit_exceeded(const char *peer)
{
	pthread_mutex_lock(&limit_lock);
	int i = slot_of(peer ? peer : "", time(NULL), 0);
	int over = i >= 0 && limit[i].failures >= LIMIT_MAX;
	pthread_mutex_unlock(&limit_lock);
	return over;
}

void password_note_failure(const char *peer)
{
	pthread_mutex_lock(&limit_lock);
	int i = slot_of(peer ? peer : "", time(NULL), 1);
	limit[i].failures++;
	pthread_mutex_unlock(&limit_lock);
}

/* Accounts are kept by a 64-bit hash of the case-folded name (FNV-1a): fixed
 * size whatever the name's length. A slot is reused when its window is over;
 * a locked account is never evicted while another slot can be, so a flood of
 * made-up names cannot unlock it early. */
#define ACCOUNT_SLOTS 1024

static struct {
	uint64_t key; /* 0 = free */
	time_t start; /* of the failure window */
	int failures;
	time_t locked_until;
} account[ACCOUNT_SLOTS];

static uint64_t account_key(const char *user)
{
	uint64_t h = 14695981039346656037ull;
	for (const char *p = user ? user : ""; *p; p++) {
		h ^= (unsigned char)tolower((unsigned char)*p);
		h *= 1099511628211ull;
	}
	return h ? h : 1;
}

/* Which slot a new account takes: a free one, else the unlocked one with
 * the oldest window, else the lock that ends first. */
static int account_victim_rank(int i, time_t now)
{
	return account[i].key == 0 ? 0 : account[i].locked_until > now ? 2 : 1;
}

static int account_slot(const char *user, time_t now, int create)
{
	uint64_t key = account_key(user);
	int pick = 0;
	for (int i = 0; i < ACCOUNT_SLOTS; i++) {
		if (account[i].key == key) {
			if (account[i].locked_until <= now &&
			    now - account[i].start > LIMIT_WINDOW) {
				account[i].start = now;
				account[i].failures = 0;
			}
			return i;
		}
		int ri = account_victim_rank(i, now), rp = account_victim_rank(pick, now);
		if (ri < rp || (ri == rp && ri == 1 && account[i].start < account[pick].start) ||
		    (ri == rp && ri == 2 && account[i].locked_until < account[pick].locked_until))
			pick = i;
	}
	if (!create)
		return -1;
	account[pick].key = key;
	account[pick].start = now;
	account[pick].failures = 0;
	account[pick].locked_until = 0;
	return pick;
}

int password_account_locked(const char *user)
{
	time_t now = time(NULL);
	pthread_mutex_lock(&limit_lock);
	int i = account_slot(user, now, 0);
	int locked = i >= 0 && account[i].locked_until > now;
	pthread_mutex_unlock(&limit_lock);
	return locked;
}

void password_account_failure(const char *user, int lockout)
{
	time_t now = time(NULL);
	pthread_mutex_lock(&limit_lock);
	int i = account_slot(user, now, 1);
	if (account[i].locked_until <= now && ++account[i].failures >= LIMIT_MAX) {
		account[i].locked_until = now + lockout;
		account[i].failures = 0;
		account[i].start = now;
	}
	pthread_mutex_unlock(&limit_lock);
}

void password_account_success(const char *user)
{
	pthread_mutex_lock(&limit_lock);
	int i = account_slot(user, time(NULL), 0);
	if (i >= 0)
		account[i].failures = 0;
	pthread_mutex_unlock(&limit_lock);
}
