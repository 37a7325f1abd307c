/*
 * LMTP (RFC 2033) server of the mailin role (see lmtp.h). One libevent loop:
 * deliveries are short store transactions, and an MTA opens few parallel
 * LMTP connections; SQLite serialises the writers anyway.
 *
 * enum phase follows the transaction: LHLO, then MAIL, RCPT..., DATA, and
 * back to MAIL. Command lines are limited to 512 octets; message lines are
 * not (RFC 5321's 1000 is what MTAs send, but a message is data, and a long
 * line must not lose mail), the message as a whole to mail.max_message_size.
 *
 * Output is bounded: a client that pipelines commands (RFC 2920) without
 * reading the replies is no longer read, and the session stops consuming
 * the lines it has, once LMTP_OUT_HIGH bytes of replies wait; it goes on
 * when they drain below LMTP_OUT_LOW. A client that takes none of its
 * replies for mail.lmtp.write_timeout seconds is disconnected and logged.
 */
#include "forumgate/lmtp.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "forumgate/buf.h"
#include "forumgate/listen.h"
#include "forumgate/log.h"
#include "forumgate/maildir.h"
#include "forumgate/metrics.h"
#include "forumgate/priv.h"

#define LMTP_MAX_LINE 512
#define LMTP_MAX_RCPT 100
#define LMTP_IDLE_TIMEOUT 600
#define LMTP_OUT_HIGH (64 * 1024)
#define LMTP_OUT_LOW (16 * 1024)

enum phase {
	PHASE_LHLO, /* waiting for LHLO */
	PHASE_MAIL, /* waiting for MAIL FROM */
	PHASE_RCPT, /* MAIL given: RCPT TO or DATA */
	PHASE_DATA, /* 354 sent: reading the message */
	PHASE_QUIT,
};

struct lmtp_session {
	const struct intake *in;
	enum phase phase;
	char *from; /* envelope sender ("" = null sender) */
	char *rcpt[LMTP_MAX_RCPT];
	size_t nrcpt;
	struct buf data;
	int too_big;
	int discarding;
	struct evbuffer *out;
};

static void reply(struct lmtp_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void reply(struct lmtp_session *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	evbuffer_add_vprintf(s->out, fmt, ap);
	va_end(ap);
	evbuffer_add(s->out, "\r\n", 2);
}

static void transaction_reset(struct lmtp_session *s)
{
	free(s->from);
	s->from = NULL;
	for (size_t i = 0; i < s->nrcpt; i++)
		free(s->rcpt[i]);
	s->nrcpt = 0;
	buf_free(&s->data);
	s->too_big = 0;
}

struct lmtp_session *lmtp_session_new(const struct intake *in)
{
	struct lmtp_session *s = xcalloc(1, sizeof *s);
	s->in = in;
	s->phase = PHASE_LHLO;
	return s;
}

void lmtp_session_free(struct lmtp_session *s)
{
	if (s == NULL)
		return;
	transaction_reset(s);
	free(s);
}

void lmtp_session_greet(struct lmtp_session *s, struct evbuffer *out)
{
	s->out = out;
	reply(s, "220 %s LMTP forumgate ready", s->in->cfg->gateway.domain);
	s->out = NULL;
}

/* Extracts the address of "FROM:<addr> params" / "TO:<addr>"; returns a
 * malloc'd address ("" for <>) and points *params after it, or NULL. */
static char *path_arg(const char *arg, const char *prefix, const char **params)
{
	size_t pl = strlen(prefix);
	if (strncasecmp(arg, prefix, pl) != 0)
		return NULL;
	const char *p = arg + pl;
	while (*p == ' ')
		p++;
	if (*p != '<')
		return NULL;
	const char *e = strchr(p, '>');
	if (e == NULL)
		return NULL;
	*params = e + 1;
	return xstrndup(p + 1, (size_t)(e - p - 1));
}

static int valid_addr(const char *a)
{
	const char *at = strrchr(a, '@');
	if (at == NULL || at == a || at[1] == '\0' || strlen(a) > 254)
		return 0;
	for (const char *p = a; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' || *p == '\x7f')
			return 0;
	return 1;
}

static void cmd_mail(struct lmtp_session *s, const char *arg)
{
	const char *params = NULL;
	char *from = path_arg(arg, "FROM:", &params);
	if (from == NULL) {
		reply(s, "501 5.5.4 Syntax: MAIL FROM:<address>");
		return;
	}
	if (from[0] && !valid_addr(from)) {
		free(from);
		reply(s, "553 5.1.7 Bad sender address syntax");
		return;
	}
	const char *size = strcasestr(params, "SIZE=");
	if (size && strtol(size + 5, NULL, 10) > s->in->cfg->mail.max_message_size) {
		free(from);
		reply(s, "552 5.3.4 Message too big (the limit is %ld bytes)",
		      s->in->cfg->mail.max_message_size);
		return;
	}
	transaction_reset(s);
	s->from = from;
	s->phase = PHASE_RCPT;
	reply(s, "250 2.1.0 Sender OK");
}

static void cmd_rcpt(struct lmtp_session *s, const char *arg)
{
	const char *params = NULL;
	char *to = path_arg(arg, "TO:", &params);
	if (to == NULL) {
		reply(s, "501 5.5.4 Syntax: RCPT TO:<address>");
		return;
	}
	if (s->nrcpt == LMTP_MAX_RCPT) {
		free(to);
		reply(s, "452 4.5.3 Too many recipients");
		return;
	}
	char *why = NULL;
	int r = intake_check_recipient(s->in, to, &why);
	if (r == -2) {
		reply(s, "451 4.3.0 Temporary failure, try again later");
		log_err("lmtp: store: %s", why ? why : "?");
		free(to);
	} else if (r != 0) {
		reply(s, "550 5.1.1 <%s>: %s", to, why ? why : "unknown recipient");
		free(to);
	} else {
		s->rcpt[s->nrcpt++] = to;
		reply(s, "250 2.1.5 Recipient OK");
	}
	free(why);
}

/* The message is complete: one reply per accepted recipient, in order. */
static void deliver(struct lmtp_session *s)
{
	for (size_t i = 0; i < s->nrcpt; i++) {
		if (s->too_big) {
			reply(s, "552 5.3.4 <%s>: message too big (the limit is %ld bytes)",
			      s->rcpt[i], s->in->cfg->mail.max_message_size);
			continue;
		}
		struct intake_result res;
		intake_deliver(s->in, s->data.p ? s->data.p : "", s->data.len, s->from, s->rcpt[i],
			       &res);
		reply(s, "%s <%s>: %s", intake_lmtp_code(res.status), s->rcpt[i],
		      res.reason ? res.reason : "");
		intake_result_clear(&res);
	}
	transaction_reset(s);
	s->phase = PHASE_MAIL;
}

static void data_line(struct lmtp_session *s, const char *line, size_t len)
{
	if (len == 1 && line[0] == '.') {
		deliver(s);
		return;
	}
	if (len && line[0] == '.') {
		line++;
		len--;
	}
	if (s->too_big || (long)(s->data.len + len + 2) > s->in->cfg->mail.max_message_size) {
		s->too_big = 1;
		return;
	}
	buf_add(&s->data, line, len);
	buf_add(&s->data, "\r\n", 2);
}

static void command(struct lmtp_session *s, char *line)
{
	char *arg = line;
	while (*arg && *arg != ' ')
		arg++;
	size_t vl = (size_t)(arg - line);
	while (*arg == ' ')
		arg++;
#define IS(v) (vl == strlen(v) && strncasecmp(line, v, vl) == 0)
	if (IS("LHLO")) {
		if (*arg == '\0') {
			reply(s, "501 5.5.4 Syntax: LHLO hostname");
			return;
		}
		transaction_reset(s);
		s->phase = PHASE_MAIL;
		evbuffer_add_printf(s->out,
				    "250-%s\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n"
				    "250-8BITMIME\r\n250 SIZE %ld\r\n",
				    s->in->cfg->gateway.domain, s->in->cfg->mail.max_message_size);
	} else if (IS("HELO") || IS("EHLO")) {
		reply(s, "500 5.5.1 This is LMTP: use LHLO");
	} else if (IS("MAIL")) {
		if (s->phase == PHASE_LHLO)
			reply(s, "503 5.5.1 LHLO first");
		else if (s->phase == PHASE_RCPT)
			reply(s, "503 5.5.1 Nested MAIL command");
		else
			cmd_mail(s, arg);
	} else if (IS("RCPT")) {
		if (s->phase != PHASE_RCPT)
			reply(s, "503 5.5.1 MAIL first");
		else
			cmd_rcpt(s, arg);
	} else if (IS("DATA")) {
		if (s->phase != PHASE_RCPT)
			reply(s, "503 5.5.1 MAIL first");
		else if (s->nrcpt == 0)
			reply(s, "503 5.5.1 No valid recipients");
		else {
			s->phase = PHASE_DATA;
			reply(s, "354 Start mail input; end with <CRLF>.<CRLF>");
		}
	} else if (IS("RSET")) {
		transaction_reset(s);
		if (s->phase != PHASE_LHLO)
			s->phase = PHASE_MAIL;
		reply(s, "250 2.0.0 OK");
	} else if (IS("NOOP")) {
		reply(s, "250 2.0.0 OK");
	} else if (IS("VRFY")) {
		reply(s, "252 2.5.0 Cannot VRFY; send the message and see");
	} else if (IS("QUIT")) {
		reply(s, "221 2.0.0 Bye");
		s->phase = PHASE_QUIT;
	} else {
		reply(s, "500 5.5.2 Unknown command");
	}
#undef IS
}

int lmtp_session_feed(struct lmtp_session *s, struct evbuffer *in, struct evbuffer *out)
{
	s->out = out;
	while (s->phase != PHASE_QUIT && evbuffer_get_length(out) <= LMTP_OUT_HIGH) {
		size_t eol_len = 0;
		struct evbuffer_ptr eol = evbuffer_search_eol(in, NULL, &eol_len,
							      EVBUFFER_EOL_CRLF);
		size_t avail = evbuffer_get_length(in);
		if (eol.pos < 0) {
			if (s->phase != PHASE_DATA && avail > LMTP_MAX_LINE) {
				if (!s->discarding)
					reply(s, "500 5.5.2 Line too long");
				s->discarding = 1;
				evbuffer_drain(in, avail);
			} else if (s->phase == PHASE_DATA && avail > (1u << 20)) {
				/* a line over 1 MiB: the message cannot be kept whole */
				s->too_big = 1;
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
		if (s->phase != PHASE_DATA && len + eol_len > LMTP_MAX_LINE) {
			evbuffer_drain(in, len + eol_len);
			reply(s, "500 5.5.2 Line too long");
			continue;
		}
		char *line = xmalloc(len + 1);
		evbuffer_remove(in, line, len);
		line[len] = '\0';
		evbuffer_drain(in, eol_len);
		if (s->phase == PHASE_DATA)
			data_line(s, line, len);
		else
			command(s, line);
		free(line);
	}
	s->out = NULL;
	return s->phase == PHASE_QUIT;
}

/* --- the listener --- */

struct lmtp_conn {
	struct bufferevent *bev;
	struct lmtp_session *s;
	const struct cfg *cfg;
	char peer[INET6_ADDRSTRLEN + 8];
	int closing;
	int throttled; /* reading paused until the replies drain */
};

/* LMTP sessions open in this process (metrics.h), registered at the first */
static struct metric *_Atomic sessions_gauge;

static struct metric *sessions(void)
{
	struct metric *m = atomic_load(&sessions_gauge);
	if (m == NULL) {
		m = metric_get(M_LMTP_SESSIONS, "");
		atomic_store(&sessions_gauge, m);
	}
	return m;
}

static void conn_free(struct lmtp_conn *c)
{
	metric_add(sessions(), -1);
	bufferevent_free(c->bev);
	lmtp_session_free(c->s);
	free(c);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct lmtp_conn *c = arg;
	struct evbuffer *out = bufferevent_get_output(bev);
	if (c->closing)
		return;
	if (lmtp_session_feed(c->s, bufferevent_get_input(bev), out)) {
		c->closing = 1;
		bufferevent_disable(bev, EV_READ);
		if (evbuffer_get_length(out) == 0)
			conn_free(c);
		return;
	}
	if (evbuffer_get_length(out) > LMTP_OUT_HIGH) {
		c->throttled = 1;
		bufferevent_disable(bev, EV_READ);
		bufferevent_setwatermark(bev, EV_WRITE, LMTP_OUT_LOW, 0);
	}
}

static void on_write(struct bufferevent *bev, void *arg)
{
	struct lmtp_conn *c = arg;
	size_t left = evbuffer_get_length(bufferevent_get_output(bev));
	if (c->closing && left == 0) {
		conn_free(c);
		return;
	}
	if (c->throttled && left <= LMTP_OUT_LOW) {
		c->throttled = 0;
		bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
		bufferevent_enable(bev, EV_READ);
		on_read(bev, c); /* the lines that waited in the input */
	}
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct lmtp_conn *c = arg;
	if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_WRITING))
		log_warn("lmtp: %s took none of its replies (%zu bytes) for %ds, closing", c->peer,
			 evbuffer_get_length(bufferevent_get_output(bev)),
			 c->cfg->mail.lmtp_write_timeout);
	else if (what & BEV_EVENT_TIMEOUT)
		log_info("lmtp: %s idle for %ds, closing", c->peer, LMTP_IDLE_TIMEOUT);
	conn_free(c);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
		      void *arg)
{
	struct lmtp_conn *c = xcalloc(1, sizeof *c);
	c->bev = bufferevent_socket_new(evconnlistener_get_base(l), fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		evutil_closesocket(fd);
		free(c);
		return;
	}
	const struct intake *in = arg;
	c->s = lmtp_session_new(in);
	metric_add(sessions(), 1);
	c->cfg = in->cfg;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr, c->peer, sizeof c->peer);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr, c->peer,
			  sizeof c->peer);
	else
		snprintf(c->peer, sizeof c->peer, "unix socket");
	/* reading is timed while a command is awaited, writing while replies
	 * wait and the client takes none of them */
	struct timeval idle = {LMTP_IDLE_TIMEOUT, 0}, wr = {c->cfg->mail.lmtp_write_timeout, 0};
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_set_timeouts(c->bev, &idle, &wr);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	lmtp_session_greet(c->s, bufferevent_get_output(c->bev));
}

static volatile sig_atomic_t *mailin_stop;

/* One LMTP worker: its own event loop, listener socket (SO_REUSEPORT: the
 * kernel spreads an MTA's parallel connections) and store connection, so
 * parsing and trimming run on every core; SQLite serialises the commits. */
struct mailin_worker {
	pthread_t thread;
	struct event_base *base;
	struct evconnlistener *l;
	struct intake in;
	int maildir; /* this worker also scans the Maildir */
	int ticks;
};

/* Every 200 ms: stop when asked; every 5 s: scan the Maildir. */
static void tick(evutil_socket_t fd, short what, void *arg)
{
	struct mailin_worker *w = arg;
	if (*mailin_stop) {
		event_base_loopbreak(w->base);
		return;
	}
	const struct cfg *c = w->in.cfg;
	if (w->maildir && c->mail.maildir_path && w->ticks++ % 25 == 0) {
		struct intake md = w->in;
		md.source = "maildir";
		maildir_scan(&md, c->mail.maildir_path, c->mail.maildir_recipient);
	}
}

static void *worker_main(void *arg)
{
	struct mailin_worker *w = arg;
	struct event *t = event_new(w->base, -1, EV_PERSIST, tick, w);
	struct timeval tv = {0, 200000};
	event_add(t, &tv);
	event_base_dispatch(w->base);
	event_free(t);
	return NULL;
}

static struct evconnlistener *listen_on(struct event_base *base, const char *addr,
					struct intake *in)
{
	if (strncmp(addr, "unix:", 5) == 0) {
		struct sockaddr_un sun = {.sun_family = AF_UNIX};
		if (strlen(addr + 5) >= sizeof sun.sun_path) {
			errno = ENAMETOOLONG;
			return NULL;
		}
		strcpy(sun.sun_path, addr + 5);
		unlink(sun.sun_path);
		struct evconnlistener *l = evconnlistener_new_bind(
			base, on_accept, in, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 128,
			(struct sockaddr *)&sun, sizeof sun);
		if (l) {
			chmod(sun.sun_path, 0660);
			/* the MTA connects through the gateway's group */
			unsigned uid, gid;
			priv_user_ids(&uid, &gid);
			if (priv_has_user() && chown(sun.sun_path, uid, gid) != 0)
				log_warn("mailin: cannot chown %s: %s", sun.sun_path,
					 strerror(errno));
		}
		return l;
	}
	struct sockaddr_storage ss;
	int len = sizeof ss;
	if (evutil_parse_sockaddr_port(addr, (struct sockaddr *)&ss, &len) != 0) {
		errno = EINVAL;
		return NULL;
	}
	return evconnlistener_new_bind(base, on_accept, in,
				       LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
					       LEV_OPT_REUSEABLE_PORT | LEV_OPT_CLOSE_ON_EXEC,
				       128, (struct sockaddr *)&ss, len);
}

/* listen_check_free for the LMTP address; logs why not. */
static int mailin_check_free(const char *addr)
{
	struct sockaddr_storage ss;
	int len = sizeof ss;
	char *err = NULL;
	if (strncmp(addr, "unix:", 5) == 0) {
		struct sockaddr_un *sun = (struct sockaddr_un *)&ss;
		memset(sun, 0, sizeof *sun);
		sun->sun_family = AF_UNIX;
		if (strlen(addr + 5) >= sizeof sun->sun_path)
			return 0; /* listen_on says so */
		strcpy(sun->sun_path, addr + 5);
		len = sizeof *sun;
	} else if (evutil_parse_sockaddr_port(addr, (struct sockaddr *)&ss, &len) != 0) {
		return 0; /* listen_on says so */
	}
	if (listen_check_free((struct sockaddr *)&ss, (socklen_t)len, addr, &err) == 0)
		return 0;
	log_err("mailin: cannot listen on %s", err);
	free(err);
	return -1;
}

int mailin_run(const struct cfg *c, volatile sig_atomic_t *stop)
{
	const char *addr = c->mail.lmtp_listen;
	if (addr == NULL && c->mail.maildir_path == NULL) {
		/* nothing to do: idle until stopped so the supervisor is calm */
		char *err = NULL;
		if (priv_drop(c, "mailin", 1, &err) != 0) {
			log_err("%s", err);
			free(err);
			return -1;
		}
		while (!*stop)
			usleep(200000);
		return 0;
	}
	/* SO_REUSEPORT is for our own workers: an address another process
	 * listens on is refused, not shared with it (nor, for a Unix socket,
	 * unlinked from under it) */
	if (addr && mailin_check_free(addr) != 0)
		return -1;
	/* a Unix socket path can be bound once: one worker then */
	int n = addr && strncmp(addr, "unix:", 5) != 0 ? (int)sysconf(_SC_NPROCESSORS_ONLN) : 1;
	if (n < 1)
		n = 1;
	if (n > 16)
		n = 16;
	struct mailin_worker *ws = xcalloc((size_t)n, sizeof *ws);
	int ready = 0, rc = 0;
	char *err = NULL;
	for (; ready < n; ready++) {
		struct mailin_worker *w = &ws[ready];
		if (intake_open(&w->in, c, "lmtp", &err) != 0) {
			log_err("%s", err);
			free(err);
			rc = -1;
			break;
		}
		w->base = event_base_new();
		w->maildir = ready == 0;
		if (addr && (w->l = listen_on(w->base, addr, &w->in)) == NULL) {
			log_err("mailin: cannot listen on %s: %s", addr, strerror(errno));
			event_base_free(w->base);
			intake_close(&w->in);
			rc = -1;
			break;
		}
	}
	/* the listeners are bound and the stores open: the rest runs without
	 * root, before any thread exists */
	if (rc == 0 && priv_drop(c, "mailin", 1, &err) != 0) {
		log_err("%s", err);
		free(err);
		rc = -1;
	}
	if (rc == 0) {
		if (addr)
			log_info("listening for LMTP on %s (%d workers)", addr, n);
		if (c->mail.maildir_path)
			log_info("taking replies from the Maildir %s", c->mail.maildir_path);
		mailin_stop = stop;
		int started = 0;
		for (; started < n; started++)
			if (pthread_create(&ws[started].thread, NULL, worker_main, &ws[started]) !=
			    0)
				break;
		if (started < n) {
			log_err("mailin: cannot start worker threads");
			rc = -1;
			*stop = 1; /* the running workers end through the flag */
		}
		for (int i = 0; i < started; i++)
			pthread_join(ws[i].thread, NULL);
	}
	for (int i = 0; i < ready; i++) {
		if (ws[i].l)
			evconnlistener_free(ws[i].l);
		event_base_free(ws[i].base);
		intake_close(&ws[i].in);
	}
	free(ws);
	return rc;
}
