/*
 * listen: the check every listener makes before it binds. nntpd and mailin
 * bind one socket per worker with SO_REUSEPORT so the kernel spreads the
 * connections; but SO_REUSEPORT would as well let them join a socket of
 * another process of the same user (a second forumgate, or anything else)
 * and share its connections without a word. So before the workers bind, a
 * socket without SO_REUSEPORT tries the address, which fails with
 * "address already in use" when anyone listens there.
 */
#ifndef FORUMGATE_LISTEN_H
#define FORUMGATE_LISTEN_H

#include <sys/socket.h>

/* 0 when nothing listens on sa (a TCP address, or an AF_UNIX path: then a
 * connect() tells whether a server is behind it), else -1 with *err naming
 * addr ("ADDR: address already in use"). The TCP check binds for an
 * instant and closes again: the workers must bind right after it. */
int listen_check_free(const struct sockaddr *sa, socklen_t len, const char *addr, char **err);

#endif
