/*
 * Logging to stderr. Kept deliberately small: the supervisor or the service
 * manager adds timestamps and routes the stream.
 */
#include "forumgate/log.h"

#include <stdarg.h>
#include <stdio.h>

static const char *log_role = "main";
static enum log_level log_min = LOG_LVL_INFO;

void log_set_role(const char *role)
{
	log_role = role;
}

void log_set_level(enum log_level lvl)
{
	log_min = lvl;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *names[] = {"debug", "info", "warning", "error"};
	if (lvl < log_min)
		return;
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	fprintf(stderr, "forumgate[%s]: %s: %s\n", log_role, names[lvl], line);
}
