/*
 * NNTP session: lines in, replies out, one state machine (nntp_internal.h).
 *
 * Command lines longer than 512 octets (RFC 3977 §3.1) are answered with 501
 * and skipped without being buffered: the session drops input until the end
 * of that line. Article lines of a POST longer than NNTP_MAX_POST_LINE are
 * dropped the same way and the article is refused (441) at its end: the
 * server reads no more than NNTP_READ_HIGH ahead, so a longer wait would
 * never end. Pipelined commands are answered in order because the session
 * only ever appends to one output buffer; when that buffer grows past the
 * caller's limit the session stops consuming input until it drains
 * (backpressure for clients that do not read).
 */
#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "forumgate/log.h"
#include "forumgate/metrics.h"
#include "nntp_internal.h"

struct nntp_session *nntp_session_new(const struct nntp_env *env, int tls_active)
{
	struct nntp_session *s = xcalloc(1, sizeof *s);
	s->env = env;
	s->tls = tls_active;
	s->phase = PHASE_COMMAND;
	return s;
}

void nntp_session_free(struct nntp_session *s)
{
	if (s == NULL)
		return;
	free(s->group_name);
	free(s->auth_user);
	free(s->user);
	free(s->hidden);
	buf_free(&s->post);
	free(s);
}

void nntp_session_set_tls(struct nntp_session *s)
{
	/* RFC 4642 §2.2.2: forget what the client said before TLS */
	s->tls = 1;
	s->group_id = 0;
	s->article = 0;
	free(s->group_name);
	s->group_name = NULL;
	free(s->auth_user);
	s->auth_user = NULL;
}

void nntp_reply(struct nntp_session *s, int code, const char *fmt, ...)
{
	va_list ap;
	evbuffer_add_printf(s->out, "%03d ", code);
	va_start(ap, fmt);
	evbuffer_add_vprintf(s->out, fmt, ap);
	va_end(ap);
	evbuffer_add(s->out, "\r\n", 2);
}

void nntp_data(struct nntp_session *s, const char *line, size_t len)
{
	if (len && line[0] == '.')
		evbuffer_add(s->out, ".", 1);
	evbuffer_add(s->out, line, len);
	evbuffer_add(s->out, "\r\n", 2);
}

void nntp_dataf(struct nntp_session *s, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof small) {
		nntp_data(s, small, (size_t)n);
		return;
	}
	struct buf b = BUF_INIT;
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	nntp_data(s, b.p, b.len);
	buf_free(&b);
}

void nntp_end(struct nntp_session *s)
{
	evbuffer_add(s->out, ".\r\n", 3);
}

int nntp_posting_possible(const struct nntp_session *s)
{
	/* Posting needs a login; say 200 when this connection can log in. */
	const struct cfg_nntp *n = &s->env->cfg->nntp;
	return s->user || s->tls || s->env->tls_available ||
	       (n->allow_plaintext_auth && s->env->peer_is_loopback);
}

int nntp_nntps_port(const struct cfg_nntp *n, char *port, size_t len)
{
	for (size_t i = 0; i < n->nlisten; i++) {
		const struct cfg_listen *l = &n->listen[i];
		const char *colon = l->tls && strcmp(l->tls, "implicit") == 0
					    ? strrchr(l->address, ':')
					    : NULL;
		if (colon && colon[1] && strlen(colon + 1) < len) {
			strcpy(port, colon + 1);
			return 1;
		}
	}
	return 0;
}

void nntp_session_greet(struct nntp_session *s, struct evbuffer *out)
{
	const char *domain = s->env->cfg->gateway.domain;
	char port[16];
	s->out = out;
	if (nntp_posting_possible(s))
		nntp_reply(s, 200, "forumgate %s NNTP service ready, posting allowed after login",
			   domain);
	else if (nntp_nntps_port(&s->env->cfg->nntp, port, sizeof port))
		/* a reader that never gets to log in here should learn where it can */
		nntp_reply(s, 201,
			   "forumgate %s NNTP service ready, no posting here: "
			   "log in over NNTPS on port %s to post",
			   domain, port);
	else
		nntp_reply(s, 201, "forumgate %s NNTP service ready, no posting", domain);
	s->out = NULL;
}

/* Splits a command line at runs of spaces and TABs (clients send both). */
static int split_args(char *line, char **argv)
{
	int argc = 0;
	char *p = line;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (argc == NNTP_MAX_ARGS)
			return -1;
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return argc;
}

/* The series of each command of nntp_commands[] (by index; the last slot
 * counts unknown commands as "other"), registered once per process: the
 * hot path only adds to them. */
#define NNTP_NCMDS_MAX 64
static struct metric *cmd_total[NNTP_NCMDS_MAX + 1], *cmd_seconds[NNTP_NCMDS_MAX + 1];
static size_t cmd_other;
static pthread_once_t cmd_metrics_once = PTHREAD_ONCE_INIT;

static void cmd_metrics_init(void)
{
	size_t i;
	for (i = 0; nntp_commands[i].name && i < NNTP_NCMDS_MAX; i++) {
		cmd_total[i] = metric_get1(M_NNTP_COMMANDS, "command", nntp_commands[i].name);
		cmd_seconds[i] = metric_get1(M_NNTP_COMMAND_SECONDS, "command",
					     nntp_commands[i].name);
	}
	cmd_other = i;
	cmd_total[i] = metric_get1(M_NNTP_COMMANDS, "command", "other");
	cmd_seconds[i] = metric_get1(M_NNTP_COMMAND_SECONDS, "command", "other");
}

/* Counts command k (an index of nntp_commands[], or cmd_other) begun at t0. */
static void cmd_count(size_t k, const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	metric_add(cmd_total[k], 1);
	metric_observe(cmd_seconds[k],
		       (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9);
}

static void dispatch(struct nntp_session *s, char *line)
{
	struct timespec t0;
	pthread_once(&cmd_metrics_once, cmd_metrics_init);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char *argv[NNTP_MAX_ARGS];
	int argc = split_args(line, argv);
	if (argc == 0) {
		nntp_reply(s, 500, "Empty command");
		return;
	}
	if (argc < 0) {
		nntp_reply(s, 501, "Too many arguments");
		return;
	}
	for (const struct nntp_command *c = nntp_commands; c->name; c++) {
		if (strcasecmp(c->name, argv[0]) != 0)
			continue;
		size_t k = (size_t)(c - nntp_commands);
		if (k >= cmd_other)
			k = cmd_other;
		if (argc - 1 < c->min_args || argc - 1 > c->max_args) {
			nntp_reply(s, 501, "Syntax: %s", c->usage);
			cmd_count(k, &t0);
			return;
		}
		c->fn(s, argc - 1, argv + 1);
		cmd_count(k, &t0);
		return;
	}
	nntp_reply(s, 500, "Unknown command");
	cmd_count(cmd_other, &t0);
}

/* Appends one line of an article being posted (already without CRLF). */
static void post_line(struct nntp_session *s, const char *line, size_t len)
{
	if (len == 1 && line[0] == '.') {
		s->phase = PHASE_COMMAND;
		if (s->post_long_line) {
			log_info("post by %s refused: a line over %d octets",
				 s->user ? s->user : "-", NNTP_MAX_POST_LINE);
			nntp_reply(s, 441, "Article has a line longer than %d octets",
				   NNTP_MAX_POST_LINE);
		} else {
			nntp_post_finish(s);
		}
		buf_reset(&s->post);
		s->post_too_big = 0;
		s->post_long_line = 0;
		return;
	}
	if (len > NNTP_MAX_POST_LINE) {
		s->post_long_line = 1;
		return;
	}
	if (len && line[0] == '.') { /* undo dot-stuffing */
		line++;
		len--;
	}
	long limit = s->env->cfg->nntp.max_post_size;
	if (s->post_too_big || (long)(s->post.len + len + 2) > limit) {
		s->post_too_big = 1;
		return;
	}
	buf_add(&s->post, line, len);
	buf_add(&s->post, "\r\n", 2);
}

enum nntp_event nntp_session_feed(struct nntp_session *s, struct evbuffer *in, struct evbuffer *out,
				  size_t out_limit)
{
	s->out = out;
	s->event = NNTP_EV_NONE;
	char stack[NNTP_MAX_LINE + 1];
	while (s->phase != PHASE_CLOSED && s->event == NNTP_EV_NONE &&
	       evbuffer_get_length(out) <= out_limit) {
		size_t eol_len = 0;
		struct evbuffer_ptr eol = evbuffer_search_eol(in, NULL, &eol_len,
							      EVBUFFER_EOL_CRLF);
		size_t avail = evbuffer_get_length(in);
		size_t max = s->phase == PHASE_POST ? NNTP_MAX_POST_LINE : NNTP_MAX_LINE;
		if (eol.pos < 0) {
			if (avail > max) {
				/* no end of line in sight: drop what we have */
				if (!s->discarding && s->phase == PHASE_COMMAND)
					nntp_reply(s, 501, "Command line too long");
				if (s->phase == PHASE_POST)
					s->post_long_line = 1; /* the article lost a line */
				s->discarding = 1;
				evbuffer_drain(in, avail);
			}
			break;
		}
		size_t len = (size_t)eol.pos;
		if (s->discarding) {
			s->discarding = 0;
			evbuffer_drain(in, len + eol_len);
			continue;
		}
		if (s->phase == PHASE_COMMAND && len + eol_len > NNTP_MAX_LINE) {
			evbuffer_drain(in, len + eol_len);
			nntp_reply(s, 501, "Command line too long");
			continue;
		}
		char *line = len < sizeof stack ? stack : xmalloc(len + 1);
		evbuffer_remove(in, line, len);
		line[len] = '\0';
		evbuffer_drain(in, eol_len);
		if (s->phase == PHASE_POST) {
			post_line(s, line, len);
		} else if (memchr(line, '\0', len) != NULL) {
			nntp_reply(s, 501, "NUL in command line");
		} else {
			dispatch(s, line);
		}
		if (line != stack)
			free(line);
		store_release(s->env->store);
	}
	s->out = NULL;
	if (s->phase == PHASE_CLOSED && s->event == NNTP_EV_NONE)
		s->event = NNTP_EV_QUIT;
	return s->event;
}
