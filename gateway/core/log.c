/*
 * Logging: one line per event, to one of three places chosen once per
 * process (log_set_output, or on the first line):
 *   stderr   "forumgate[role]: level: message" when stderr is a terminal,
 *            or when asked ($FORUMGATE_LOG=stderr, --log stderr: runit, s6
 *            and tests read the stream themselves);
 *   journal  when systemd connected stderr to the journal ($JOURNAL_STREAM
 *            names stderr's device and inode): "<N>role: message", the
 *            syslog priority prefix journald reads (SyslogLevelPrefix=), so
 *            no libsystemd is needed and journalctl -p filters by level;
 *   syslog   otherwise: openlog("forumgate") with facility news for the
 *            roles that serve and fetch articles, mail for those that take
 *            and send mail (the facilities INN and Postfix use).
 * Timestamps come from the terminal's reader, the journal or syslogd.
 *
 * Log lines carry what clients sent (AUTHINFO names, addresses, Message-IDs,
 * refusal reasons quoting them), so every message is escaped on its way
 * out: a CR, LF, ESC or any other control character, or a byte that is not
 * UTF-8, cannot end the line, forge another one or drive a terminal that
 * shows the log. No caller has to remember it.
 */
#include "forumgate/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "forumgate/buf.h"

static const char *log_role = "main";
static enum log_level log_min = LOG_LVL_INFO;
static enum log_output log_out = LOG_OUT_AUTO;

static const char *const level_names[] = {"debug", "info", "notice", "warning", "error"};
static const int level_prio[] = {LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARNING, LOG_ERR};

/* The facility of a role's syslog lines. */
static int role_facility(const char *role)
{
	static const char *const mail[] = {"mailin", "imapin", "listd", "ingest"};
	for (size_t i = 0; i < sizeof mail / sizeof mail[0]; i++)
		if (strcmp(role, mail[i]) == 0)
			return LOG_MAIL;
	return LOG_NEWS;
}

/* systemd sets JOURNAL_STREAM=DEV:INODE on the streams it connects to the
 * journal; stderr redirected elsewhere (a shell's 2>file) no longer
 * matches, and then the journal does not read it. */
static int stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat sb;
	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &sb) != 0)
		return 0;
	return (unsigned long long)sb.st_dev == dev && (unsigned long long)sb.st_ino == ino;
}

static enum log_output resolve_output(void)
{
	const char *env = getenv("FORUMGATE_LOG");
	enum log_output o;
	if (env && *env && log_output_parse(env, &o) == 0 && o != LOG_OUT_AUTO)
		return o;
	if (isatty(2))
		return LOG_OUT_STDERR;
	return stderr_is_journal() ? LOG_OUT_JOURNAL : LOG_OUT_SYSLOG;
}

int log_output_parse(const char *name, enum log_output *out)
{
	static const char *const names[] = {"auto", "stderr", "journal", "syslog"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(name, names[i]) == 0) {
			*out = (enum log_output)i;
			return 0;
		}
	return -1;
}

void log_set_output(enum log_output o)
{
	log_out = o == LOG_OUT_AUTO ? resolve_output() : o;
	if (log_out == LOG_OUT_SYSLOG)
		openlog("forumgate", LOG_PID, role_facility(log_role));
}

enum log_output log_get_output(void)
{
	if (log_out == LOG_OUT_AUTO)
		log_set_output(LOG_OUT_AUTO);
	return log_out;
}

void log_set_role(const char *role)
{
	log_role = role;
	/* a forked role takes its own facility */
	if (log_out == LOG_OUT_SYSLOG)
		openlog("forumgate", LOG_PID, role_facility(role));
}

void log_set_level(enum log_level lvl)
{
	log_min = lvl;
}

int log_level_parse(const char *name, enum log_level *out)
{
	for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++)
		if (strcasecmp(name, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	if (strcasecmp(name, "warn") == 0 || strcasecmp(name, "err") == 0) {
		*out = name[0] == 'w' || name[0] == 'W' ? LOG_LVL_WARN : LOG_LVL_ERR;
		return 0;
	}
	return -1;
}

/* Length of the well-formed UTF-8 sequence at p (at most n bytes) that is
 * not a C1 control, or 0. */
static size_t utf8_printable(const unsigned char *p, size_t n)
{
	size_t len;
	unsigned min;
	unsigned cp;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, min = 0x80, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, min = 0x800, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, min = 0x10000, cp = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp <= 0x9f)
		return 0;
	return len;
}

void log_escape(struct buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	while (p < end) {
		if (*p >= 0x20 && *p < 0x7f) {
			buf_addc(out, (char)*p++);
			continue;
		}
		size_t n = *p >= 0x80 ? utf8_printable(p, (size_t)(end - p)) : 0;
		if (n) {
			buf_add(out, p, n);
			p += n;
		} else {
			buf_addf(out, "\\x%02x", *p++);
		}
	}
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	if (lvl < log_min || lvl > LOG_LVL_ERR)
		return;
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
	struct buf esc = BUF_INIT;
	log_escape(&esc, line, len);
	switch (log_get_output()) {
	case LOG_OUT_JOURNAL:
		fprintf(stderr, "<%d>%s: %s\n", level_prio[lvl], log_role, buf_str(&esc));
		break;
	case LOG_OUT_SYSLOG:
		syslog(level_prio[lvl], "%s: %s", log_role, buf_str(&esc));
		break;
	default:
		fprintf(stderr, "forumgate[%s]: %s: %s\n", log_role, level_names[lvl],
			buf_str(&esc));
	}
	buf_free(&esc);
}
