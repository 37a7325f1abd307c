/*
 * log: one line per event on stderr, "forumgate[role]: level: message".
 * Daemons run under a supervisor or systemd that captures stderr. The
 * message is escaped (log_escape): values a client sent can be logged as
 * they are, they cannot break or forge a line.
 */
#ifndef FORUMGATE_LOG_H
#define FORUMGATE_LOG_H

#include <stddef.h>

struct buf;

enum log_level { LOG_LVL_DEBUG, LOG_LVL_INFO, LOG_LVL_WARN, LOG_LVL_ERR };

void log_set_role(const char *role);  /* static string, not copied */
void log_set_level(enum log_level lvl);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends s[0..len) to out with every control character (C0, DEL, C1) and
 * every byte that is not part of well-formed UTF-8 written as \xHH; the
 * rest, printable ASCII and UTF-8 text, is kept as it is. */
void log_escape(struct buf *out, const char *s, size_t len);

#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)

#endif
