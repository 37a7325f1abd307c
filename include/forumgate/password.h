/*
 * password: NNTP (and later web) passwords, hashed with scrypt from OpenSSL,
 * compared in constant time; and a per-address failure limiter for logins.
 *
 * Hash format: "scrypt$N$r$p$SALT$KEY" with SALT and KEY in base64, so the
 * cost can rise later without invalidating stored hashes.
 */
#ifndef FORUMGATE_PASSWORD_H
#define FORUMGATE_PASSWORD_H

/* Returns a malloc'd hash of pw, or NULL with *err. */
char *password_hash(const char *pw, char **err);
/* 1 if pw matches hash, else 0. A NULL hash still costs one derivation (so
 * unknown users take as long as known ones) and returns 0. */
int password_verify(const char *pw, const char *hash);

/* Login failure limiter, shared by all threads of the process: more than 5
 * failures from one address within 5 minutes blocks it for the rest of that
 * window. */
int password_limit_exceeded(const char *peer);
void password_note_failure(const char *peer);

/* Per-account limiter, shared by all threads of the process, so that many
 * addresses cannot share out the guessing: 5 failures for one account name
 * (compared without ASCII case, as the store does) within 5 minutes lock it
 * for `lockout` seconds, during which even the right password is refused.
 * Names that do not exist are counted and locked alike, so a lockout tells
 * nothing about whether an account exists. A successful login clears the
 * count. */
int password_account_locked(const char *user);
void password_account_failure(const char *user, int lockout);
void password_account_success(const char *user);

#endif
