/*
 * The listener's "is anyone there?" check (see listen.h). It leaves a
 * window of microseconds between its probe and the workers' binds; the
 * store lock (store_lock) keeps out the case that matters, a second
 * forumgate started on the same store.
 */
#include "forumgate/listen.h"

#include <errno.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "forumgate/buf.h"

int listen_check_free(const struct sockaddr *sa, socklen_t len, const char *addr, char **err)
{
	int unix_path = sa->sa_family == AF_UNIX;
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fg_error(err, "%s: %s", addr, strerror(errno));
	int rc = 0;
	if (unix_path) {
		/* a path is taken when a server answers on it; a stale socket
		 * file (ECONNREFUSED) is the listener's to replace */
		if (connect(fd, sa, len) == 0)
			rc = fg_error(err, "%s: address already in use (a server answers on it)",
				      addr);
	} else {
		/* SO_REUSEADDR: a connection of an earlier run in TIME_WAIT does
		 * not count, a listening socket does */
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, sa, len) != 0)
			rc = fg_error(err, "%s: %s", addr,
				      errno == EADDRINUSE ? "address already in use"
							  : strerror(errno));
	}
	close(fd);
	return rc;
}
