/*
 * sd_notify without libsystemd (see sdnotify.h). The protocol is a stable
 * interface of systemd: newline-separated KEY=VALUE assignments in one
 * datagram. Only the supervisor talks to it; the socket address is read
 * once and removed from the environment, as sd_notify's unset_environment
 * does, so the roles it forks cannot claim to be the service.
 */
#include "forumgate/sdnotify.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "forumgate/buf.h"

static struct sockaddr_un notify_addr;
static socklen_t notify_len; /* 0: no socket */
static unsigned long long watchdog_usec;

int sdnotify_init(void)
{
	const char *s = getenv("NOTIFY_SOCKET");
	const char *w = getenv("WATCHDOG_USEC");
	const char *wpid = getenv("WATCHDOG_PID");
	notify_len = 0;
	watchdog_usec = 0;
	if (w && (wpid == NULL || strtoll(wpid, NULL, 10) == (long long)getpid()))
		watchdog_usec = strtoull(w, NULL, 10);
	size_t n = s ? strlen(s) : 0;
	if (n >= 2 && n < sizeof notify_addr.sun_path && (s[0] == '/' || s[0] == '@')) {
		memset(&notify_addr, 0, sizeof notify_addr);
		notify_addr.sun_family = AF_UNIX;
		memcpy(notify_addr.sun_path, s, n);
		if (s[0] == '@')
			notify_addr.sun_path[0] = '\0'; /* abstract: no trailing NUL counts */
		notify_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
					 (s[0] == '/' ? 1 : 0));
	}
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	return notify_len != 0;
}

int sdnotify_send(const char *text)
{
	if (notify_len == 0)
		return 0;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	ssize_t r = sendto(fd, text, strlen(text), MSG_NOSIGNAL, (struct sockaddr *)&notify_addr,
			   notify_len);
	close(fd);
	return r < 0 ? -1 : 0;
}

int sdnotify_sendf(const char *fmt, ...)
{
	if (notify_len == 0)
		return 0;
	va_list ap;
	va_start(ap, fmt);
	char *text = NULL;
	int n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	int rc = sdnotify_send(text);
	free(text);
	return rc;
}

unsigned long long sdnotify_watchdog_usec(void)
{
	return watchdog_usec;
}
