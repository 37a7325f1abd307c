/*
 * sdnotify: the service manager's notification protocol (sd_notify(3))
 * without libsystemd: one datagram per message to the AF_UNIX socket named
 * by $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace). Used
 * by serve (Type=notify): READY=1 once every role is up, STATUS= lines,
 * RELOADING=1 / READY=1 around a reload, STOPPING=1, WATCHDOG=1.
 */
#ifndef FORUMGATE_SDNOTIFY_H
#define FORUMGATE_SDNOTIFY_H

/* Reads $NOTIFY_SOCKET and $WATCHDOG_USEC and unsets them, so that no child
 * (a role) talks to the service manager in the supervisor's place. 1 when
 * there is a socket to notify, else 0 (every call below then does nothing). */
int sdnotify_init(void);

/* Sends text ("READY=1\nSTATUS=serving"): 0, or -1 when it could not be
 * sent (the service manager's problem: callers go on). */
int sdnotify_send(const char *text);
int sdnotify_sendf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The watchdog interval systemd asked for (WatchdogSec=), in microseconds;
 * 0 when none. WATCHDOG=1 is due at least every half of it. */
unsigned long long sdnotify_watchdog_usec(void);

#endif
