/*
 * log: one line per event, naming the role: on stderr
 * ("forumgate[role]: level: message") when it is a terminal or when asked,
 * to the journal when systemd connected stderr to it ("<N>role: message"),
 * else to syslog (ident forumgate, facility news or mail by role); see
 * log.c. Never log a password, a key or a secret, only what names them. The
 * message is escaped (log_escape): values a client sent can be logged as
 * they are, they cannot break or forge a line.
 */
#ifndef FORUMGATE_LOG_H
#define FORUMGATE_LOG_H

#include <stddef.h>

struct buf;

enum log_level { LOG_LVL_DEBUG, LOG_LVL_INFO, LOG_LVL_NOTICE, LOG_LVL_WARN, LOG_LVL_ERR };

enum log_output { LOG_OUT_AUTO, LOG_OUT_STDERR, LOG_OUT_JOURNAL, LOG_OUT_SYSLOG };

void log_set_role(const char *role); /* static string, not copied */
void log_set_level(enum log_level lvl);
/* "debug", "info", "notice", "warning", "error" (gateway.log_level): 0 and
 * *out, or -1 for another name. */
int log_level_parse(const char *name, enum log_level *out);
/* "auto", "stderr", "journal", "syslog": 0 and *out, or -1. */
int log_output_parse(const char *name, enum log_output *out);
/* Where the lines go; LOG_OUT_AUTO decides as log.c says ($FORUMGATE_LOG
 * first). Without a call the first line decides. */
void log_set_output(enum log_output o);
enum log_output log_get_output(void);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends s[0..len) to out with every control character (C0, DEL, C1) and
 * every byte that is not part of well-formed UTF-8 written as \xHH; the
 * rest, printable ASCII and UTF-8 text, is kept as it is. */
void log_escape(struct buf *out, const char *s, size_t len);

#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)

#endif
