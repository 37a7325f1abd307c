/*
 * nntpd: listeners, workers, TLS and timers around the protocol core
 * (session.c). Each worker thread runs its own libevent loop with its own
 * listening sockets (SO_REUSEPORT: the kernel spreads connections), its own
 * read-only SQLite connection and, opened on the first POST, its own writer.
 * Nothing is shared between workers but the TLS context (swapped under a
 * lock on SIGHUP) and the connection counters.
 *
 * Output backpressure: a session stops reading commands while its output
 * holds more than OUT_HIGH bytes and resumes when the client has drained it
 * below OUT_LOW, so a client that does not read costs at most about one
 * article beyond OUT_HIGH. (Under STARTTLS the socket's own buffer below the
 * TLS filter takes at most OUT_LOW, the rest waits in the filter, where the
 * same bound applies.)
 *
 * Timeouts: idle_timeout while a session waits for a command;
 * write_timeout while output waits and the client takes none of it (then the
 * session is closed at once and logged, whatever phase it is in: a client
 * that does not read must not keep its slot under max_per_address);
 * handshake_timeout for a TLS handshake. libevent's write timeout runs only
 * while output is pending and restarts on progress, which is exactly that;
 * on a STARTTLS filter it would run whenever writing is enabled, so there
 * it is set on the socket below.
 *
 * Memory: an NNTPS connection starts its handshake only when the client's
 * hello arrives (no TLS record buffers before), TLS sessions release their
 * record buffers while idle (SSL_MODE_RELEASE_BUFFERS), and after a burst
 * of closed connections or handshakes the main thread hands freed heap back
 * to the system (malloc_trim): glibc keeps it otherwise, and a flood of
 * connections would leave the process at its peak size for good.
 *
 * Replies on plain sockets are written at once: the session writes into the
 * worker's staging buffer and, while nothing older waits in the
 * bufferevent's output, the staged bytes go straight to the socket in the
 * callback that produced them. Only what the socket does not take is handed
 * to the bufferevent. Waiting for the next loop iteration's EV_WRITE instead
 * would cost two epoll_ctl calls per reply and make every reply wait behind
 * all the other sessions that became readable in the same iteration.
 *
 * COMPRESS DEFLATE (RFC 8054, compress.c) is a stage of this file, not a
 * bufferevent filter: the session keeps reading lines from and writing
 * replies to plain evbuffers, and conn_pump inflates what the bufferevent
 * (socket or TLS: compression runs inside TLS) received into the session's
 * input, at most NNTP_READ_HIGH of it, and deflates each batch of replies
 * into the bufferevent's output. So the output bound, backpressure and the
 * write timeout watch the compressed bytes exactly as they watch plain ones,
 * and the bufferevent stack stays what STARTTLS made it.
 *
 * Shutdown (SIGTERM): listeners close at once; each session finishes the
 * command it is in, its output is flushed, and the worker ends when its last
 * session is gone or after SHUTDOWN_GRACE seconds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "forumgate/listen.h"
#include "forumgate/log.h"
#include "forumgate/metrics.h"
#include "forumgate/priv.h"
#include "nntp_internal.h"

#define OUT_HIGH (256 * 1024)
#define OUT_LOW (64 * 1024)
#define SHUTDOWN_GRACE 10
/* closed connections (and finished TLS handshakes, whose scratch memory
 * is freed) after which the heap is trimmed (checked every TRIM_CHECK_MS by
 * the main thread) */
#define TRIM_AFTER_CLOSES 256
#define TRIM_CHECK_MS 2000
/* event priorities (PRIO_COUNT levels; the default, used by listeners and
 * timers, is the middle one) */
#define PRIO_COUNT 7
#define PRIO_SESSION 4
#define PRIO_BULK 5
#define PRIO_IDLE 6
/* sessions whose article transfer is served per turn of the bulk queue */
#define BULK_TURN 8
/* longest life of a worker's read snapshot, in milliseconds */
#define SNAPSHOT_MS 50

struct worker;

struct conn {
	struct worker *w;
	struct bufferevent *bev;
	struct nntp_session *session;
	struct nntp_env env;
	char peer[INET6_ADDRSTRLEN];
	int closing;            /* free once the output has drained */
	int throttled;          /* reading paused for backpressure */
	int free_queued;        /* conn_free is scheduled */
	int direct;             /* plain socket: replies may bypass the bufferevent */
	int bulk_queued;        /* waits in the worker's bulk queue */
	int handshaking;        /* TLS handshake under way: handshake_timeout applies */
	int parked;             /* reading paused while queued for the bulk turn */
	struct nntp_deflate *z; /* COMPRESS DEFLATE is on: both streams */
	struct evbuffer *zin;   /* commands inflated, waiting for the session */
	struct conn *prev, *next;
	struct conn *bulk_prev, *bulk_next;
};

struct worker {
	int index;
	pthread_t thread;
	struct event_base *base;
	const struct cfg *cfg;
	struct store *reader, *writer;
	struct evconnlistener **listeners;
	size_t nlisteners;
	struct event *stop_ev, *grace_ev;
	struct conn *conns;
	size_t nconns;
	struct evbuffer *stage; /* replies on their way to a socket, empty between callbacks */
	struct event *idle_ev;  /* runs when no session is ready: ends the snapshot */
	struct event *bulk_ev;  /* serves the bulk queue, below the sessions */
	struct conn *bulk_head, *bulk_tail;
	int snapshot; /* a read snapshot is open on `reader` */
	struct timeval snapshot_at;
	int stopping;
	int failed;
};

/* --- process-wide state --- */
static SSL_CTX *tls_ctx;
static pthread_mutex_t tls_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static long total_conns;
static volatile sig_atomic_t reload_flag;
/* closed sessions and finished handshakes since the last malloc_trim */
static atomic_long freed_since_trim;
/* connections open (metrics.h): a lookup per connection, not per command */
#define conn_gauge metric_get(M_NNTP_CONNECTIONS, "")

struct peer_count {
	char addr[INET6_ADDRSTRLEN];
	int n;
};
static struct peer_count *peers;
static size_t npeers, cappeers;

/* OpenSSL's reason for the last failure, never NULL. */
static const char *tls_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;
	return r ? r : "no reason given";
}

/* The private key from path, which nobody but its owner may read (checked
 * on the open file, so what is checked is what is read). Errors name the
 * config key, the file and the reason. */
static EVP_PKEY *tls_read_key(const char *path, char **err)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fg_error(err, "nntp.tls.key: cannot open the TLS key %s: %s", path,
			 strerror(errno));
		return NULL;
	}
	EVP_PKEY *key = NULL;
	if (priv_check_private_file(fileno(f), path, "nntp.tls.key: TLS key", err) == 0) {
		ERR_clear_error();
		key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		if (key == NULL)
			fg_error(err, "nntp.tls.key: %s is not a PEM private key (%s)", path,
				 tls_reason());
		ERR_clear_error();
	}
	fclose(f);
	return key;
}

static SSL_CTX *tls_load(const struct cfg *c, char **err)
{
	/* fopen first: OpenSSL's "system lib" would hide ENOENT and EACCES */
	FILE *f = fopen(c->nntp.tls_cert, "r");
	if (f == NULL) {
		fg_error(err, "nntp.tls.cert: cannot open the TLS certificate %s: %s",
			 c->nntp.tls_cert, strerror(errno));
		return NULL;
	}
	fclose(f);
	EVP_PKEY *key = tls_read_key(c->nntp.tls_key, err);
	if (key == NULL)
		return NULL;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL) {
		EVP_PKEY_free(key);
		fg_error(err, "tls: cannot create a context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	ERR_clear_error();
	int ok = 0;
	if (SSL_CTX_use_certificate_chain_file(ctx, c->nntp.tls_cert) != 1)
		fg_error(err, "nntp.tls.cert: %s is not a PEM certificate (%s)", c->nntp.tls_cert,
			 tls_reason());
	else if (SSL_CTX_use_PrivateKey(ctx, key) != 1 || SSL_CTX_check_private_key(ctx) != 1)
		fg_error(err, "nntp.tls.key: the key %s does not match the certificate %s (%s)",
			 c->nntp.tls_key, c->nntp.tls_cert, tls_reason());
	else
		ok = 1;
	ERR_clear_error();
	EVP_PKEY_free(key);
	if (!ok) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* A new SSL for a connection from the current context, or NULL. */
static SSL *tls_new(void)
{
	pthread_mutex_lock(&tls_lock);
	SSL *ssl = tls_ctx ? SSL_new(tls_ctx) : NULL;
	pthread_mutex_unlock(&tls_lock);
	/* an idle session then holds no 16 KiB+ read and write buffers */
	if (ssl)
		SSL_set_mode(ssl, SSL_MODE_RELEASE_BUFFERS);
	return ssl;
}

/* Admits a connection from addr against the configured limits. */
static int admit(const struct cfg *c, const char *addr)
{
	int ok = 1;
	pthread_mutex_lock(&count_lock);
	if (c->nntp.max_connections > 0 && total_conns >= c->nntp.max_connections)
		ok = 0;
	size_t i;
	for (i = 0; i < npeers && strcmp(peers[i].addr, addr) != 0; i++)
		;
	if (ok && i < npeers && c->nntp.max_per_address > 0 &&
	    peers[i].n >= c->nntp.max_per_address)
		ok = 0;
	if (ok) {
		if (i == npeers) {
			if (npeers == cappeers) {
				cappeers = cappeers ? cappeers * 2 : 16;
				peers = xrealloc(peers, cappeers * sizeof *peers);
			}
			snprintf(peers[npeers].addr, sizeof peers[npeers].addr, "%s", addr);
			peers[npeers++].n = 0;
		}
		peers[i].n++;
		total_conns++;
	}
	pthread_mutex_unlock(&count_lock);
	return ok;
}

static void release(const char *addr)
{
	pthread_mutex_lock(&count_lock);
	for (size_t i = 0; i < npeers; i++) {
		if (strcmp(peers[i].addr, addr) != 0)
			continue;
		if (--peers[i].n == 0)
			peers[i] = peers[--npeers];
		break;
	}
	total_conns--;
	pthread_mutex_unlock(&count_lock);
}

static struct store *worker_writer(void *arg)
{
	struct worker *w = arg;
	if (w->writer == NULL) {
		char *err = NULL;
		if (store_open(w->cfg->gateway.store, STORE_RW, &w->writer, &err) != 0) {
			log_err("%s", err);
			free(err);
			w->writer = NULL;
		}
	}
	return w->writer;
}

static void worker_maybe_done(struct worker *w)
{
	if (w->stopping && w->nconns == 0)
		event_base_loopexit(w->base, NULL);
}

static void bulk_unlink(struct conn *c)
{
	struct worker *w = c->w;
	if (c->bulk_prev)
		c->bulk_prev->bulk_next = c->bulk_next;
	else
		w->bulk_head = c->bulk_next;
	if (c->bulk_next)
		c->bulk_next->bulk_prev = c->bulk_prev;
	else
		w->bulk_tail = c->bulk_prev;
	c->bulk_prev = c->bulk_next = NULL;
	c->bulk_queued = 0;
}

static void conn_free(struct conn *c)
{
	struct worker *w = c->w;
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	w->nconns--;
	metric_add(conn_gauge, -1);
	if (c->bulk_queued)
		bulk_unlink(c);
	if (c->bev)
		bufferevent_free(c->bev);
	nntp_session_free(c->session);
	nntp_deflate_free(c->z);
	if (c->zin)
		evbuffer_free(c->zin);
	release(c->peer);
	free(c);
	atomic_fetch_add(&freed_since_trim, 1);
	worker_maybe_done(w);
}

static void on_read(struct bufferevent *bev, void *arg);
static void conn_setup(struct conn *c);

static void free_later(evutil_socket_t fd, short what, void *arg)
{
	conn_free(arg);
}

static void underlying_drained(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct conn *c = arg;
	if (evbuffer_get_length(buf) == 0 && !c->free_queued) {
		struct timeval now = {0, 0};
		c->free_queued = 1;
		evbuffer_remove_cb(buf, underlying_drained, c);
		event_base_once(c->w->base, -1, EV_TIMEOUT, free_later, c, &now);
	}
}

/* The session's output has drained and it is closing: say goodbye at the TLS
 * level, and with a STARTTLS filter wait until the socket below has taken
 * everything too (freeing the filter earlier loses the last replies). */
static void conn_finish(struct conn *c)
{
	SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
	if (ssl)
		SSL_shutdown(ssl);
	struct bufferevent *under = bufferevent_get_underlying(c->bev);
	if (under && evbuffer_get_length(bufferevent_get_output(under)) > 0) {
		bufferevent_disable(c->bev, EV_READ | EV_WRITE);
		evbuffer_add_cb(bufferevent_get_output(under), underlying_drained, c);
		return;
	}
	conn_free(c);
}

/* Writes the staged replies to the socket; what it does not take now goes
 * to the bufferevent, which sends it when the socket drains (a write error
 * is left for the bufferevent to find and report). */
static void conn_send(struct conn *c)
{
	struct evbuffer *stage = c->w->stage;
	evutil_socket_t fd = bufferevent_getfd(c->bev);
	while (evbuffer_get_length(stage) > 0 && evbuffer_write(stage, fd) > 0)
		;
	if (evbuffer_get_length(stage) > 0)
		evbuffer_add_buffer(bufferevent_get_output(c->bev), stage);
}

/* Where the session writes its next replies: the staging buffer while the
 * socket may be written directly, else the bufferevent's output (so replies
 * never overtake older ones still queued there). */
static struct evbuffer *conn_out(struct conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	return c->direct && evbuffer_get_length(out) == 0 ? c->w->stage : out;
}

/* The sessions that are ready in one turn of the loop share one read
 * snapshot of the store, ended by idle_ev (the lowest priority: it runs once
 * no session is ready) or after SNAPSHOT_MS under constant load. */
static void worker_snapshot(struct worker *w)
{
	struct timeval now, age;
	event_base_gettimeofday_cached(w->base, &now);
	if (w->snapshot) {
		timersub(&now, &w->snapshot_at, &age);
		if (age.tv_sec == 0 && age.tv_usec < SNAPSHOT_MS * 1000)
			return;
		store_snapshot_end(w->reader);
		w->snapshot = 0;
	}
	if (store_snapshot_begin(w->reader, NULL) != 0)
		return; /* each read is its own transaction, as without */
	w->snapshot = 1;
	w->snapshot_at = now;
	event_active(w->idle_ev, EV_TIMEOUT, 0);
}

static void on_idle(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	if (w->snapshot) {
		store_snapshot_end(w->reader);
		w->snapshot = 0;
	}
}

/* A line from the server itself (idle timeout, shutdown) into the output,
 * compressed when the session is. */
static void conn_say(struct conn *c, const char *line)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	if (c->z == NULL) {
		evbuffer_add(out, line, strlen(line));
		return;
	}
	struct evbuffer *stage = c->w->stage;
	char *err = NULL;
	evbuffer_add(stage, line, strlen(line));
	if (nntp_deflate_out(c->z, stage, out, &err) != 0) {
		log_warn("%s: %s", c->peer, err);
		free(err);
		evbuffer_drain(stage, evbuffer_get_length(stage));
	}
}

/* The session's input: on a compressed connection, what has arrived
 * inflated into c->zin (up to NNTP_READ_HIGH; the rest waits in the stream
 * and the bufferevent). NULL when the client's stream is broken: the
 * connection is freed then. */
static struct evbuffer *conn_input(struct conn *c)
{
	struct evbuffer *raw = bufferevent_get_input(c->bev);
	if (c->z == NULL)
		return raw;
	char *err = NULL;
	if (nntp_deflate_in(c->z, raw, c->zin, NNTP_READ_HIGH, &err) < 0) {
		log_info("%s: %s, closing", c->peer, err);
		free(err);
		conn_free(c);
		return NULL;
	}
	return c->zin;
}

/* The session's turn on a compressed connection: it reads inflated lines
 * and writes plain replies into the worker's staging buffer, which is
 * deflated (and flushed) into the output after each run. It goes on while
 * it makes progress, the output is below OUT_HIGH and no event came: the
 * session stops at OUT_HIGH of plain replies, which deflate to less. 0, or
 * -1 when the connection was freed. */
static int conn_pump_deflated(struct conn *c, enum nntp_event *ev, int *full)
{
	struct evbuffer *raw = bufferevent_get_input(c->bev);
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct evbuffer *stage = c->w->stage;
	char *err = NULL;
	for (;;) {
		long got = nntp_deflate_in(c->z, raw, c->zin, NNTP_READ_HIGH, &err);
		if (got < 0)
			break;
		size_t before = evbuffer_get_length(c->zin);
		*ev = nntp_session_feed(c->session, c->zin, stage, OUT_HIGH);
		int fed = evbuffer_get_length(c->zin) != before;
		if (nntp_deflate_out(c->z, stage, out, &err) != 0)
			break;
		*full = evbuffer_get_length(out) > OUT_HIGH;
		if (*ev != NNTP_EV_NONE || *full || (!fed && got == 0))
			return 0;
	}
	log_info("%s: %s, closing", c->peer, err);
	free(err);
	evbuffer_drain(stage, evbuffer_get_length(stage));
	conn_free(c);
	return -1;
}

/* Turns COMPRESS DEFLATE on after the 206 has been queued uncompressed;
 * what the client sent after the command is compressed already. 0, or -1
 * when the connection was freed. */
static int conn_compress(struct conn *c)
{
	char *err = NULL;
	c->z = nntp_deflate_new(&err);
	if (c->z == NULL) {
		log_err("%s: %s", c->peer, err);
		free(err);
		conn_free(c);
		return -1;
	}
	c->zin = evbuffer_new();
	c->direct = 0; /* replies go through the compressor, never straight out */
	log_debug("%s: COMPRESS DEFLATE on", c->peer);
	return 0;
}

static void conn_serve(struct conn *c);

/* Runs the session over what has arrived, then reacts to its event. */
static void conn_pump(struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer *out = bufferevent_get_output(c->bev);
	if (c->closing)
		return;
	if (c->parked) {
		c->parked = 0;
		if (!c->w->stopping)
			bufferevent_enable(c->bev, EV_READ);
	}
	worker_snapshot(c->w);
	enum nntp_event ev;
	int full = 0;
	if (c->z) {
		if (conn_pump_deflated(c, &ev, &full) != 0)
			return; /* freed */
	} else {
		for (;;) {
			struct evbuffer *dst = conn_out(c);
			ev = nntp_session_feed(c->session, in, dst, OUT_HIGH);
			/* the session stops at OUT_HIGH of output, lines still waiting */
			full = evbuffer_get_length(dst) > OUT_HIGH;
			if (dst == out)
				break;
			/* staged: when the socket took it all, go on with them */
			conn_send(c);
			if (!full || ev != NNTP_EV_NONE || evbuffer_get_length(out) > 0)
				break;
		}
	}
	if (ev == NNTP_EV_QUIT) {
		c->closing = 1;
		bufferevent_disable(c->bev, EV_READ);
		bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
		if (evbuffer_get_length(out) == 0)
			conn_finish(c);
		return;
	}
	if (ev == NNTP_EV_STARTTLS) {
		SSL *ssl = tls_new();
		if (ssl == NULL) {
			c->closing = 1;
			return;
		}
		/* RFC 4642: nothing the client sent before the handshake counts */
		evbuffer_drain(in, evbuffer_get_length(in));
		struct bufferevent *tls = bufferevent_openssl_filter_new(
			c->w->base, c->bev, ssl, BUFFEREVENT_SSL_ACCEPTING,
			BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
		if (tls == NULL) {
			SSL_free(ssl);
			c->closing = 1;
			return;
		}
		c->bev = tls;
		c->direct = 0;
		c->handshaking = 1;
		bufferevent_priority_set(tls, PRIO_SESSION);
		nntp_session_set_tls(c->session);
		conn_setup(c);
		return;
	}
	if (ev == NNTP_EV_COMPRESS) {
		/* the client may not have waited for the 206 (RFC 8054 forbids
		 * it, but its first compressed command may share a packet) */
		if (conn_compress(c) == 0 && evbuffer_get_length(in) > 0)
			conn_serve(c);
		return;
	}
	/* lines wait until the output drains below OUT_LOW, whatever part of
	 * it the socket took: on_write serves them then (otherwise they would
	 * wait for the client's next bytes, while it waits for their replies) */
	if (ev == NNTP_EV_NONE && full && evbuffer_get_length(out) > 0) {
		c->throttled = 1;
		bufferevent_disable(c->bev, EV_READ);
	}
}

/* Does the next command transfer an article (ARTICLE, HEAD, BODY)? */
static int next_is_bulk(struct evbuffer *in)
{
	static const char *const verbs[] = {"ARTICLE", "HEAD", "BODY"};
	char line[9];
	ev_ssize_t n = evbuffer_copyout(in, line, sizeof line - 1);
	if (n <= 0)
		return 0;
	line[n] = '\0';
	for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++) {
		size_t l = strlen(verbs[i]);
		if ((size_t)n >= l && strncasecmp(line, verbs[i], l) == 0 &&
		    ((size_t)n == l || strchr(" \t\r\n", line[l]) != NULL))
			return 1;
	}
	return 0;
}

/* The next bulk turn runs after the loop has looked for new events again: a
 * zero timeout, not event_active(), which libevent would run again within
 * the same pass over the queue (up to its 16 callbacks: 128 sessions of
 * transfers, milliseconds, while an OVER waits unseen). */
static void bulk_schedule(struct worker *w)
{
	static const struct timeval now = {0, 0};
	if (!evtimer_pending(w->bulk_ev, NULL))
		evtimer_add(w->bulk_ev, &now);
}

/* A session waiting in the bulk queue with a full input (NNTP_READ_HIGH)
 * stops reading until its turn (conn_pump reads again): with reading
 * enabled, libevent runs the read callback again after every run while the
 * input stays full, at session priority, and the bulk queue below it would
 * never get its turn (the worker spun, answering nothing). */
static void conn_park_if_full(struct conn *c)
{
	if (!c->parked && evbuffer_get_length(bufferevent_get_input(c->bev)) >= NNTP_READ_HIGH) {
		c->parked = 1;
		bufferevent_disable(c->bev, EV_READ);
	}
}

/* Serves what a session has sent, in two classes: article transfers wait in
 * the worker's bulk queue, served BULK_TURN sessions per turn of the loop
 * and only when no session is ready with anything else; every other command
 * (what a newsreader waits on to show a group: GROUP, OVER, HDR, LIST...)
 * runs at once. So an overview is never stuck behind the article transfers
 * that became ready in the same turn, and a transfer waits for at most the
 * other commands of one turn. */
static void conn_serve(struct conn *c)
{
	if (c->closing)
		return;
	if (c->bulk_queued) {
		conn_park_if_full(c); /* the queue's turn serves what has arrived */
		return;
	}
	struct evbuffer *in = conn_input(c);
	if (in == NULL)
		return; /* freed */
	if (!next_is_bulk(in)) {
		conn_pump(c);
		return;
	}
	struct worker *w = c->w;
	conn_park_if_full(c);
	c->bulk_queued = 1;
	c->bulk_prev = w->bulk_tail;
	c->bulk_next = NULL;
	if (w->bulk_tail)
		w->bulk_tail->bulk_next = c;
	else
		w->bulk_head = c;
	w->bulk_tail = c;
	bulk_schedule(w);
}

static void on_bulk(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < BULK_TURN && w->bulk_head; i++) {
		struct conn *c = w->bulk_head;
		bulk_unlink(c);
		conn_pump(c); /* may free c */
	}
	if (w->bulk_head)
		bulk_schedule(w);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	conn_serve(arg);
}

static void on_write(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *out = bufferevent_get_output(bev);
	if (c->closing) {
		if (evbuffer_get_length(out) == 0)
			conn_finish(c);
		return;
	}
	if (c->throttled && evbuffer_get_length(out) <= OUT_LOW) {
		c->throttled = 0;
		if (!c->w->stopping)
			bufferevent_enable(bev, EV_READ);
		conn_serve(c); /* lines that waited in the input */
	}
}

/* Output that waits for the client: in the session's bufferevent and, under
 * STARTTLS, in the socket's below it. */
static size_t conn_queued(struct conn *c)
{
	struct bufferevent *under = bufferevent_get_underlying(c->bev);
	return evbuffer_get_length(bufferevent_get_output(c->bev)) +
	       (under ? evbuffer_get_length(bufferevent_get_output(under)) : 0);
}

/* Arms the timeouts for the session's state (see the top of the file);
 * reading stops being timed once `idle` is 0 (the session is closing). */
static void conn_timeouts(struct conn *c, int idle)
{
	const struct cfg_nntp *n = &c->w->cfg->nntp;
	struct timeval rd = {c->handshaking ? n->handshake_timeout : n->idle_timeout, 0};
	struct timeval wr = {c->handshaking ? n->handshake_timeout : n->write_timeout, 0};
	const struct timeval *r = idle || c->handshaking ? &rd : NULL;
	struct bufferevent *under = bufferevent_get_underlying(c->bev);
	if (under) {
		bufferevent_set_timeouts(c->bev, r, NULL);
		bufferevent_set_timeouts(under, NULL, &wr);
	} else {
		bufferevent_set_timeouts(c->bev, r, &wr);
	}
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;
	if (what & BEV_EVENT_CONNECTED) {
		/* TLS handshake done: from now on the session's own timeouts */
		c->handshaking = 0;
		conn_timeouts(c, !c->closing);
		bufferevent_enable(bev, EV_WRITE);
		atomic_fetch_add(&freed_since_trim, 1); /* its handshake memory is free now */
		return;
	}
	if (c->free_queued)
		return; /* free_later runs next */
	if (what & BEV_EVENT_TIMEOUT) {
		if (c->handshaking) {
			log_info("tls handshake with %s timed out after %ds, closing", c->peer,
				 c->w->cfg->nntp.handshake_timeout);
			conn_free(c);
			return;
		}
		if (what & BEV_EVENT_WRITING) {
			log_warn("%s took none of its output (%zu bytes) for %ds, closing", c->peer,
				 conn_queued(c), c->w->cfg->nntp.write_timeout);
			conn_free(c);
			return;
		}
		if (!c->closing) {
			conn_say(c, "400 Idle timeout, closing\r\n");
			c->closing = 1;
			bufferevent_disable(bev, EV_READ);
			/* the goodbye must still drain within write_timeout */
			conn_timeouts(c, 0);
			bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
			bufferevent_enable(bev, EV_WRITE);
			return;
		}
	}
	if (what & BEV_EVENT_ERROR) {
		unsigned long e;
		while ((e = bufferevent_get_openssl_error(bev)) != 0)
			log_debug("tls from %s: %s", c->peer, ERR_reason_error_string(e));
	}
	conn_free(c);
}

static void conn_setup(struct conn *c)
{
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, OUT_LOW, 0);
	bufferevent_setwatermark(c->bev, EV_READ, 0, NNTP_READ_HIGH);
	/* a TLS filter moves output to the socket below only up to its high
	 * watermark: the rest stays where backpressure sees it */
	struct bufferevent *under = bufferevent_get_underlying(c->bev);
	if (under)
		bufferevent_setwatermark(under, EV_WRITE, 0, OUT_LOW);
	conn_timeouts(c, 1);
	/* An implicit-TLS session writes nothing before the client's hello:
	 * with EV_WRITE enabled libevent would start the handshake at once,
	 * and OpenSSL would allocate its 2 x 17 KiB record buffers for a
	 * connection that may never send a byte. (A new bufferevent starts
	 * with EV_WRITE enabled.) EV_WRITE follows the handshake (on_event). */
	if (c->handshaking && under == NULL) {
		bufferevent_disable(c->bev, EV_WRITE);
		bufferevent_enable(c->bev, EV_READ);
	} else {
		bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	}
}

struct listener_arg {
	struct worker *w;
	int implicit_tls;
	int starttls;
};

static int is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(a) ||
		       (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return 0;
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
		      void *arg)
{
	struct listener_arg *la = arg;
	struct worker *w = la->w;
	char peer[INET6_ADDRSTRLEN] = "?";
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr, peer, sizeof peer);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr, peer, sizeof peer);
	if (w->stopping || !admit(w->cfg, peer)) {
		static const char busy[] = "400 Too many connections, try again later\r\n";
		if (!la->implicit_tls && write(fd, busy, sizeof busy - 1) < 0)
			(void)0;
		evutil_closesocket(fd);
		return;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

	struct conn *c = xcalloc(1, sizeof *c);
	c->w = w;
	memcpy(c->peer, peer, sizeof peer);
	c->env.cfg = w->cfg;
	c->env.store = w->reader;
	c->env.writer = worker_writer;
	c->env.writer_arg = w;
	c->env.tls_available = la->starttls && tls_ctx != NULL;
	c->env.peer = c->peer;
	c->env.peer_is_loopback = is_loopback(sa);
	if (la->implicit_tls) {
		SSL *ssl = tls_new();
		c->bev = ssl ? bufferevent_openssl_socket_new(w->base, fd, ssl,
							      BUFFEREVENT_SSL_ACCEPTING,
							      BEV_OPT_CLOSE_ON_FREE)
			     : NULL;
		if (c->bev == NULL && ssl)
			SSL_free(ssl);
	} else {
		c->bev = bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
	}
	if (c->bev == NULL) {
		evutil_closesocket(fd);
		release(c->peer);
		free(c);
		return;
	}
	c->next = w->conns;
	if (w->conns)
		w->conns->prev = c;
	w->conns = c;
	w->nconns++;
	metric_add(conn_gauge, 1);
	c->session = nntp_session_new(&c->env, la->implicit_tls);
	c->direct = !la->implicit_tls;
	c->handshaking = la->implicit_tls;
	bufferevent_priority_set(c->bev, PRIO_SESSION);
	conn_setup(c);
	struct evbuffer *greet = conn_out(c);
	nntp_session_greet(c->session, greet);
	if (greet == w->stage)
		conn_send(c);
}

static void on_grace(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	log_warn("worker %d: %zu sessions still open after %ds, closing them", w->index, w->nconns,
		 SHUTDOWN_GRACE);
	while (w->conns)
		conn_free(w->conns);
	event_base_loopexit(w->base, NULL);
}

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	w->stopping = 1;
	for (size_t i = 0; i < w->nlisteners; i++) {
		evconnlistener_free(w->listeners[i]);
		w->listeners[i] = NULL;
	}
	w->nlisteners = 0;
	/* idle sessions close now; busy ones after their output drains */
	for (struct conn *c = w->conns, *next; c; c = next) {
		next = c->next;
		if (c->closing)
			continue;
		conn_say(c, "400 Service shutting down\r\n");
		c->closing = 1;
		bufferevent_disable(c->bev, EV_READ);
		bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	}
	struct timeval tv = {SHUTDOWN_GRACE, 0};
	w->grace_ev = evtimer_new(w->base, on_grace, w);
	evtimer_add(w->grace_ev, &tv);
	worker_maybe_done(w);
}

/* Parses "host:port" / "[v6]:port" into a sockaddr. */
static int parse_listen(const char *addr, struct sockaddr_storage *ss, int *len)
{
	*len = sizeof *ss;
	return evutil_parse_sockaddr_port(addr, (struct sockaddr *)ss, len);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	event_base_dispatch(w->base);
	return NULL;
}

static int worker_init(struct worker *w, const struct cfg *c, struct listener_arg *largs,
		       char **err)
{
	w->cfg = c;
	/* listeners run at the default priority, sessions below it, so a busy
	 * worker greets new connections before serving queued work; idle_ev
	 * comes last */
	struct event_config *ecfg = event_config_new();
	/* after 16 session callbacks look for new events again: a long run of
	 * ready sessions must not keep the listener waiting */
	if (ecfg)
		event_config_set_max_dispatch_interval(ecfg, NULL, 16, 1);
	w->base = ecfg ? event_base_new_with_config(ecfg) : event_base_new();
	if (ecfg)
		event_config_free(ecfg);
	if (w->base)
		event_base_priority_init(w->base, PRIO_COUNT);
	if (w->base == NULL)
		return fg_error(err, "nntpd: cannot create an event loop");
	w->stage = evbuffer_new();
	w->idle_ev = event_new(w->base, -1, 0, on_idle, w);
	event_priority_set(w->idle_ev, PRIO_IDLE);
	w->bulk_ev = event_new(w->base, -1, 0, on_bulk, w);
	event_priority_set(w->bulk_ev, PRIO_BULK);
	if (store_open(c->gateway.store, STORE_RDONLY, &w->reader, err) != 0)
		return -1;
	w->listeners = xcalloc(c->nntp.nlisten, sizeof *w->listeners);
	for (size_t i = 0; i < c->nntp.nlisten; i++) {
		const struct cfg_listen *l = &c->nntp.listen[i];
		struct sockaddr_storage ss;
		int len;
		if (parse_listen(l->address, &ss, &len) != 0)
			return fg_error(err, "nntpd: cannot parse listen address %s", l->address);
		largs[i].w = w;
		largs[i].implicit_tls = l->tls && strcmp(l->tls, "implicit") == 0;
		largs[i].starttls = l->tls && strcmp(l->tls, "starttls") == 0;
		if ((largs[i].implicit_tls || largs[i].starttls) && tls_ctx == NULL)
			return fg_error(err, "nntpd: %s wants TLS but nntp.tls has no cert and key",
					l->address);
		w->listeners[i] = evconnlistener_new_bind(
			w->base, on_accept, &largs[i],
			LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT |
				LEV_OPT_CLOSE_ON_EXEC,
			1024, (struct sockaddr *)&ss, len);
		if (w->listeners[i] == NULL)
			return fg_error(err, "nntpd: cannot listen on %s: %s", l->address,
					strerror(errno));
		w->nlisteners++;
	}
	w->stop_ev = event_new(w->base, -1, 0, on_stop, w);
	return 0;
}

static void worker_fini(struct worker *w)
{
	for (size_t i = 0; i < w->nlisteners; i++)
		if (w->listeners[i])
			evconnlistener_free(w->listeners[i]);
	while (w->conns)
		conn_free(w->conns);
	free(w->listeners);
	if (w->stop_ev)
		event_free(w->stop_ev);
	if (w->grace_ev)
		event_free(w->grace_ev);
	if (w->idle_ev)
		event_free(w->idle_ev);
	if (w->bulk_ev)
		event_free(w->bulk_ev);
	if (w->snapshot)
		store_snapshot_end(w->reader);
	store_close(w->reader);
	store_close(w->writer);
	if (w->stage)
		evbuffer_free(w->stage);
	if (w->base)
		event_base_free(w->base);
}

static void on_hup(int sig)
{
	reload_flag = 1;
}

/* SIGHUP: what nntpd takes without closing a connection. It reads the
 * configuration file again (the supervisor checked it already) for the
 * certificate and key paths and the log level, then swaps the TLS context
 * for new connections. The rest of nntp (listeners, limits) applies when
 * nntpd restarts; the supervisor restarts it when the listeners change. */
static void reload_in_place(const struct cfg *c)
{
	struct cfg *nc = NULL;
	char *err = NULL;
	const struct cfg *use = c;
	if (cfg_load(c->file, c->overrides, c->noverrides, &nc, &err) == 0) {
		enum log_level lvl;
		if (log_level_parse(nc->gateway.log_level, &lvl) == 0)
			log_set_level(lvl);
		if (nc->nntp.tls_cert && nc->nntp.tls_key)
			use = nc;
	} else {
		log_warn("SIGHUP: cannot read %s again, reloading the certificate named at "
			 "start: %s",
			 c->file, err);
		free(err);
		err = NULL;
	}
	if (tls_ctx && use->nntp.tls_cert && use->nntp.tls_key) {
		SSL_CTX *n = tls_load(use, &err);
		if (n == NULL) {
			log_err("SIGHUP: keeping the old certificate: %s", err);
			free(err);
		} else {
			pthread_mutex_lock(&tls_lock);
			SSL_CTX *old = tls_ctx;
			tls_ctx = n;
			pthread_mutex_unlock(&tls_lock);
			SSL_CTX_free(old); /* live SSLs hold their own reference */
			log_info("SIGHUP: reloaded %s", use->nntp.tls_cert);
		}
	}
	cfg_free(nc);
}

int nntpd_run(const struct cfg *c, volatile sig_atomic_t *stop)
{
	char *err = NULL;
	int rc = -1;
	if (c->nntp.nlisten == 0) {
		log_err("nntpd: no listeners configured (nntp.listen)");
		return -1;
	}
	evthread_use_pthreads();
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa = {.sa_handler = on_hup};
	sigaction(SIGHUP, &sa, NULL);
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* SO_REUSEPORT is for our own workers: an address another process
	 * listens on is refused, not shared with it */
	for (size_t i = 0; i < c->nntp.nlisten; i++) {
		struct sockaddr_storage ss;
		int len;
		const char *a = c->nntp.listen[i].address;
		if (parse_listen(a, &ss, &len) != 0) {
			log_err("nntpd: cannot parse listen address %s", a);
			return -1;
		}
		if (listen_check_free((struct sockaddr *)&ss, (socklen_t)len, a, &err) != 0) {
			log_err("nntpd: cannot listen on %s", err);
			free(err);
			return -1;
		}
	}
	/* create or migrate the store before the readers open it */
	struct store *st;
	if (store_open(c->gateway.store, STORE_RW, &st, &err) != 0) {
		log_err("%s", err);
		free(err);
		return -1;
	}
	store_close(st);
	if (c->nntp.tls_cert && c->nntp.tls_key) {
		tls_ctx = tls_load(c, &err);
		if (tls_ctx == NULL) {
			log_err("%s", err);
			free(err);
			return -1;
		}
	}
	int nworkers = c->nntp.workers > 0 ? c->nntp.workers : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (nworkers < 1)
		nworkers = 1;
	struct worker *ws = xcalloc((size_t)nworkers, sizeof *ws);
	struct listener_arg *largs = xcalloc((size_t)nworkers * (c->nntp.nlisten + 1),
					     sizeof *largs);
	int started = 0;
	for (int i = 0; i < nworkers; i++) {
		ws[i].index = i;
		if (worker_init(&ws[i], c, largs + (size_t)i * c->nntp.nlisten, &err) != 0) {
			log_err("%s", err);
			free(err);
			goto out;
		}
	}
	/* the listeners are bound, the key and the stores open: the rest runs
	 * without root, before any thread exists */
	if (priv_drop(c, "nntpd", 1, &err) != 0) {
		log_err("%s", err);
		free(err);
		goto out;
	}
	for (int i = 0; i < nworkers; i++) {
		if (pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]) != 0) {
			log_err("nntpd: cannot start worker %d", i);
			break;
		}
		started++;
	}
	for (size_t i = 0; i < c->nntp.nlisten; i++)
		log_info("listening on %s (%s)", c->nntp.listen[i].address,
			 c->nntp.listen[i].tls ? c->nntp.listen[i].tls : "none");
	int trim_ticks = 0;
	while (!*stop && started == nworkers) {
		usleep(100000);
		/* glibc keeps the heap of closed sessions (TLS ones most of all)
		 * unless asked: give it back after a burst, off the workers' loops */
		if (++trim_ticks * 100 >= TRIM_CHECK_MS) {
			trim_ticks = 0;
			if (atomic_load(&freed_since_trim) >= TRIM_AFTER_CLOSES) {
				atomic_exchange(&freed_since_trim, 0);
				malloc_trim(0);
			}
		}
		if (reload_flag) {
			reload_flag = 0;
			reload_in_place(c);
		}
	}
	for (int i = 0; i < started; i++)
		event_active(ws[i].stop_ev, EV_READ, 0);
	for (int i = 0; i < started; i++)
		pthread_join(ws[i].thread, NULL);
	rc = started == nworkers ? 0 : -1;
out:
	for (int i = 0; i < nworkers; i++)
		worker_fini(&ws[i]);
	free(ws);
	free(largs);
	pthread_mutex_lock(&tls_lock);
	SSL_CTX_free(tls_ctx);
	tls_ctx = NULL;
	pthread_mutex_unlock(&tls_lock);
	free(peers);
	peers = NULL;
	npeers = cappeers = 0;
	return rc;
}
