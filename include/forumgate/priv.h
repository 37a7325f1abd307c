/*
 * priv: who forumgate runs as, and the files only it may read.
 *
 * Started as root, a role first takes what only root may have (listening
 * sockets below port 1024, the TLS key), then priv_drop() makes it
 * gateway.user for good: supplementary groups cleared, real, effective and
 * saved group and user ids set, and a check that root cannot come back.
 * Without gateway.user the roles that talk to untrusted peers (nntpd,
 * mailin, imapin, and serve which runs them) refuse to run as root unless
 * gateway.allow_root says so. Started as any other user, forumgate stays
 * that user and priv_drop() does nothing.
 *
 * Files the store creates while root (the store, its -wal and -shm, the
 * lock file, the store's folder) are given to gateway.user, so the roles
 * can still write them after the drop (store_set_owner).
 */
#ifndef FORUMGATE_PRIV_H
#define FORUMGATE_PRIV_H

#include "forumgate/config.h"

/* Looks up gateway.user (and gateway.group) when running as root and hands
 * the ids to the store for the files it creates. Returns 0, or -1 with *err
 * (no such user or group; the user is root). Call before opening the store. */
int priv_init(const struct cfg *c, char **err);

/* The refusal part of priv_drop alone, for a check before anything is
 * bound or opened: -1 with *err when role would run as root unallowed. */
int priv_check_root(const struct cfg *c, const char *role, int network, char **err);

/* Becomes gateway.user when running as root (see above); for a network
 * role without gateway.user refuses root unless gateway.allow_root. A
 * parent-death signal set with prctl survives the drop (the kernel clears
 * it on a change of credentials). Also checks that the user can write the
 * store's folder, where SQLite creates -wal and -shm. Then confines the
 * roles that face the network (nntpd, mailin, httpd: sandbox_apply), as
 * gateway.sandbox says; with no root to drop, too. 0, or -1 with *err:
 * the caller must not go on. */
int priv_drop(const struct cfg *c, const char *role, int network, char **err);

/* fn is called after each priv_drop that returned 0: the moment a role
 * holds what it needs to start (its listeners bound, its key read), which
 * the supervisor takes as the role's readiness. NULL: nothing. */
void priv_on_drop(void (*fn)(void));

/* 1 when priv_init found a user to become (forumgate runs as root). */
int priv_has_user(void);
/* The ids priv_init found; only meaningful when priv_has_user(). */
void priv_user_ids(unsigned *uid, unsigned *gid);

/* Refuses a secret file (open as fd, named path, `what` for the message:
 * "reply secret", "TLS key") that its group or others may read or write:
 * 0, or -1 with *err asking to chmod 600 it. */
int priv_check_private_file(int fd, const char *path, const char *what, char **err);

#endif
