/*
 * The SMTP client (see smtp.h), over a plain socket and OpenSSL.
 *
 * libetpan's mailsmtp (which the notices used before) waits for the reply
 * to every command, so it cannot pipeline, and its STARTTLS does not verify
 * the server's certificate; list delivery needs both, so this small client
 * replaces it everywhere. Replies are read in order from one buffered
 * reader; writes are gathered in one buffer and flushed when a reply must
 * be awaited, so a pipelined group leaves in one write.
 */
#include "forumgate/smtp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "forumgate/buf.h"

#define SMTP_TIMEOUT_MS 60000
#define SMTP_LINE_MAX 4096

struct smtp {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	char *host;
	int port;
	int pipelining, starttls, auth_plain, ehlo;
	char rbuf[16384];
	size_t rpos, rlen;
	struct buf out;
	struct buf line; /* the last reply's text, all lines joined by " " */
};

void smtp_parse_hostport(const char *spec, char **host, int *port)
{
	char *h = xstrdup(spec);
	*port = 25;
	char *colon = strrchr(h, ':');
	if (colon && strchr(colon, ']') == NULL && (h[0] == '[' || strchr(h, ':') == colon)) {
		*colon = '\0';
		*port = atoi(colon + 1);
	}
	if (h[0] == '[') {
		memmove(h, h + 1, strlen(h));
		char *rb = strchr(h, ']');
		if (rb)
			*rb = '\0';
	}
	*host = h;
}

static int is_loopback_host(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (!strcasecmp(host, "localhost"))
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

static int wait_fd(struct smtp *s, short ev)
{
	struct pollfd p = {.fd = s->fd, .events = ev};
	int r;
	while ((r = poll(&p, 1, SMTP_TIMEOUT_MS)) < 0 && errno == EINTR)
		;
	return r > 0 ? 0 : -1;
}

static int flush_out(struct smtp *s, char **err)
{
	size_t off = 0;
	while (off < s->out.len) {
		ssize_t n;
		if (s->ssl) {
			int r = SSL_write(s->ssl, s->out.p + off, (int)(s->out.len - off));
			if (r <= 0) {
				int e = SSL_get_error(s->ssl, r);
				if ((e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) &&
				    wait_fd(s, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT) == 0)
					continue;
				buf_reset(&s->out);
				return fg_error(err, "smtp %s: TLS write failed", s->host);
			}
			n = r;
		} else {
			n = send(s->fd, s->out.p + off, s->out.len - off, MSG_NOSIGNAL);
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n < 0) {
				buf_reset(&s->out);
				return fg_error(err, "smtp %s: write failed: %s", s->host,
						strerror(errno));
			}
		}
		off += (size_t)n;
	}
	buf_reset(&s->out);
	return 0;
}

static int fill(struct smtp *s, char **err)
{
	if (s->rpos > 0 && s->rpos == s->rlen)
		s->rpos = s->rlen = 0;
	if (s->rlen == sizeof s->rbuf) {
		memmove(s->rbuf, s->rbuf + s->rpos, s->rlen - s->rpos);
		s->rlen -= s->rpos;
		s->rpos = 0;
	}
	for (;;) {
		ssize_t n;
		if (s->ssl) {
			int r = SSL_read(s->ssl, s->rbuf + s->rlen,
					 (int)(sizeof s->rbuf - s->rlen));
			if (r <= 0) {
				int e = SSL_get_error(s->ssl, r);
				if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) &&
				    wait_fd(s, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT) == 0)
					continue;
				return fg_error(err, "smtp %s: connection lost (TLS)", s->host);
			}
			n = r;
		} else {
			if (wait_fd(s, POLLIN) != 0)
				return fg_error(err, "smtp %s: no reply within %ds", s->host,
						SMTP_TIMEOUT_MS / 1000);
			n = recv(s->fd, s->rbuf + s->rlen, sizeof s->rbuf - s->rlen, 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return fg_error(err, "smtp %s: connection lost%s%s", s->host,
						n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
		}
		s->rlen += (size_t)n;
		return 0;
	}
}

/* Reads one reply (all its lines); returns its code, or -1 with *err.
 * The text (lines joined) is in s->line. */
static int read_reply(struct smtp *s, char **err)
{
	if (s->out.len && flush_out(s, err) != 0)
		return -1;
	buf_reset(&s->line);
	for (;;) {
		char *nl;
		while ((nl = memchr(s->rbuf + s->rpos, '\n', s->rlen - s->rpos)) == NULL) {
			if (s->rlen - s->rpos >= SMTP_LINE_MAX)
				return fg_error(err, "smtp %s: reply line too long", s->host);
			if (fill(s, err) != 0)
				return -1;
		}
		char *l = s->rbuf + s->rpos;
		size_t len = (size_t)(nl - l);
		s->rpos += len + 1;
		if (len && l[len - 1] == '\r')
			len--;
		if (len < 3 || l[0] < '2' || l[0] > '5' || l[1] < '0' || l[1] > '9' || l[2] < '0' ||
		    l[2] > '9' || (len > 3 && l[3] != ' ' && l[3] != '-'))
			return fg_error(err, "smtp %s: malformed reply \"%.*s\"", s->host,
					(int)(len > 80 ? 80 : len), l);
		if (s->line.len)
			buf_addc(&s->line, ' ');
		buf_add(&s->line, l, len);
		if (s->ehlo && len > 4) {
			const char *kw = l + 4;
			size_t kl = len - 4;
			if (kl == 10 && !strncasecmp(kw, "PIPELINING", 10))
				s->pipelining = 1;
			else if (kl == 8 && !strncasecmp(kw, "STARTTLS", 8))
				s->starttls = 1;
			else if (kl > 5 && !strncasecmp(kw, "AUTH", 4) &&
				 (kw[4] == ' ' || kw[4] == '=')) {
				char *list = xstrndup(kw + 5, kl - 5);
				for (char *t = strtok(list, " "); t; t = strtok(NULL, " "))
					if (!strcasecmp(t, "PLAIN"))
						s->auth_plain = 1;
				free(list);
			}
		}
		if (len == 3 || l[3] == ' ')
			return (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
	}
}

static int command(struct smtp *s, int want, char **err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int command(struct smtp *s, int want, char **err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&s->out, fmt, ap);
	va_end(ap);
	buf_add(&s->out, "\r\n", 2);
	int code = read_reply(s, err);
	if (code < 0)
		return -1;
	if (code / 100 != want / 100)
		return fg_error(err, "smtp %s: %s", s->host, buf_str(&s->line));
	return 0;
}

static int ehlo(struct smtp *s, const char *name, char **err)
{
	s->pipelining = s->starttls = s->auth_plain = 0;
	s->ehlo = 1;
	int r = command(s, 250, err, "EHLO %s", name);
	s->ehlo = 0;
	return r;
}

static int start_tls(struct smtp *s, const char *ca, char **err)
{
	s->ctx = SSL_CTX_new(TLS_client_method());
	if (s->ctx == NULL)
		return fg_error(err, "smtp %s: cannot set up TLS", s->host);
	SSL_CTX_set_min_proto_version(s->ctx, TLS1_2_VERSION);
	if (ca ? SSL_CTX_load_verify_locations(s->ctx, ca, NULL) != 1
	       : SSL_CTX_set_default_verify_paths(s->ctx) != 1)
		return fg_error(err, "smtp %s: cannot load the CA certificates from %s", s->host,
				ca ? ca : "the system store");
	SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER, NULL);
	s->ssl = SSL_new(s->ctx);
	if (s->ssl == NULL)
		return fg_error(err, "smtp %s: cannot set up TLS", s->host);
	X509_VERIFY_PARAM *vp = SSL_get0_param(s->ssl);
	struct in6_addr a6;
	struct in_addr a4;
	if (inet_pton(AF_INET, s->host, &a4) == 1 || inet_pton(AF_INET6, s->host, &a6) == 1) {
		X509_VERIFY_PARAM_set1_ip_asc(vp, s->host);
	} else {
		X509_VERIFY_PARAM_set1_host(vp, s->host, 0);
		SSL_set_tlsext_host_name(s->ssl, s->host);
	}
	SSL_set_fd(s->ssl, s->fd);
	for (;;) {
		int r = SSL_connect(s->ssl);
		if (r == 1)
			break;
		int e = SSL_get_error(s->ssl, r);
		if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) &&
		    wait_fd(s, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT) == 0)
			continue;
		long v = SSL_get_verify_result(s->ssl);
		SSL_free(s->ssl);
		s->ssl = NULL; /* the session is unusable: never continue in clear */
		if (v != X509_V_OK)
			return fg_error(err,
					"smtp %s: STARTTLS: certificate verification failed: %s%s",
					s->host, X509_verify_cert_error_string(v),
					ca ? "" : " (set mail.smarthost_tls_ca for a private CA)");
		return fg_error(err, "smtp %s: STARTTLS handshake failed", s->host);
	}
	return 0;
}

static char *read_first_line(const char *path, char **err)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fg_error(err, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, f);
	fclose(f);
	if (n <= 0) {
		free(line);
		fg_error(err, "%s is empty", path);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

static int auth_plain(struct smtp *s, const char *user, const char *pwfile, char **err)
{
	if (!s->auth_plain)
		return fg_error(err,
				"smtp %s: mail.smarthost_user is set but the server offers "
				"no AUTH PLAIN",
				s->host);
	if (s->ssl == NULL && !is_loopback_host(s->host))
		return fg_error(err,
				"smtp %s: refusing to send the password without TLS (the "
				"server offers no STARTTLS)",
				s->host);
	char *pw = read_first_line(pwfile, err);
	if (pw == NULL)
		return -1;
	size_t ul = strlen(user), pl = strlen(pw);
	size_t rawlen = 1 + ul + 1 + pl;
	unsigned char *raw = xmalloc(rawlen);
	raw[0] = '\0';
	memcpy(raw + 1, user, ul);
	raw[1 + ul] = '\0';
	memcpy(raw + 2 + ul, pw, pl);
	char *b64 = xmalloc(4 * ((rawlen + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)b64, raw, (int)rawlen);
	OPENSSL_cleanse(raw, rawlen);
	OPENSSL_cleanse(pw, pl);
	free(raw);
	free(pw);
	int r = command(s, 235, err, "AUTH PLAIN %s", b64);
	OPENSSL_cleanse(b64, strlen(b64));
	free(b64);
	return r;
}

int smtp_open(const struct cfg *c, struct smtp **out, char **err)
{
	*out = NULL;
	if (c->mail.smarthost == NULL)
		return fg_error(err, "no mail.smarthost configured");
	struct smtp *s = xcalloc(1, sizeof *s);
	s->fd = -1;
	smtp_parse_hostport(c->mail.smarthost, &s->host, &s->port);
	char port[16];
	snprintf(port, sizeof port, "%d", s->port);
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
	int g = getaddrinfo(s->host, port, &hints, &ai);
	if (g != 0) {
		fg_error(err, "smtp %s: %s", s->host, gai_strerror(g));
		goto fail;
	}
	int saved = 0;
	for (struct addrinfo *a = ai; a && s->fd < 0; a = a->ai_next) {
		s->fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (s->fd < 0)
			continue;
		if (connect(s->fd, a->ai_addr, a->ai_addrlen) != 0) {
			saved = errno;
			close(s->fd);
			s->fd = -1;
		}
	}
	freeaddrinfo(ai);
	if (s->fd < 0) {
		fg_error(err, "smtp: cannot connect to %s:%d: %s", s->host, s->port,
			 strerror(saved ? saved : errno));
		goto fail;
	}
	int one = 1;
	setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	const char *name = c->gateway.domain;
	int code = read_reply(s, err);
	if (code < 0)
		goto fail;
	if (code != 220) {
		fg_error(err, "smtp %s: greeting: %s", s->host, buf_str(&s->line));
		goto fail;
	}
	if (ehlo(s, name, err) != 0)
		goto fail;
	if (s->starttls) {
		if (command(s, 220, err, "STARTTLS") != 0 ||
		    start_tls(s, c->mail.smarthost_tls_ca, err) != 0 || ehlo(s, name, err) != 0)
			goto fail;
	} else if (c->mail.smarthost_tls_ca) {
		/* a CA was configured: TLS is expected, a server without it is
		 * either misconfigured or someone stripping STARTTLS */
		fg_error(err,
			 "smtp %s: mail.smarthost_tls_ca is set but the server offers no "
			 "STARTTLS",
			 s->host);
		goto fail;
	}
	if (c->mail.smarthost_user &&
	    auth_plain(s, c->mail.smarthost_user, c->mail.smarthost_password_file, err) != 0)
		goto fail;
	*out = s;
	return 0;
fail:
	smtp_close(s);
	return -1;
}

int smtp_pipelining(const struct smtp *s)
{
	return s->pipelining;
}

int smtp_tls(const struct smtp *s)
{
	return s->ssl != NULL;
}

void smtp_close(struct smtp *s)
{
	if (s == NULL)
		return;
	if (s->fd >= 0) {
		char *err = NULL;
		buf_reset(&s->out);
		buf_adds(&s->out, "QUIT\r\n");
		flush_out(s, &err); /* best effort: the answer is not awaited */
		free(err);
	}
	if (s->ssl) {
		SSL_shutdown(s->ssl);
		SSL_free(s->ssl);
	}
	if (s->ctx)
		SSL_CTX_free(s->ctx);
	if (s->fd >= 0)
		close(s->fd);
	free(s->host);
	buf_free(&s->out);
	buf_free(&s->line);
	free(s);
}

/* Queues the envelope commands of m and DATA; without PIPELINING only
 * MAIL FROM (read_envelope sends the others one reply at a time). */
static void queue_envelope(struct smtp *s, const struct smtp_msg *m)
{
	if (s->pipelining)
		buf_addf(&s->out, "MAIL FROM:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\n", m->from, m->rcpt);
	else
		buf_addf(&s->out, "MAIL FROM:<%s>\r\n", m->from);
}

static void queue_content(struct smtp *s, const struct smtp_msg *m)
{
	buf_add(&s->out, m->data, m->len);
	if (m->len >= 2 && !(m->data[m->len - 2] == '\r' && m->data[m->len - 1] == '\n'))
		buf_add(&s->out, "\r\n", 2);
	buf_add(&s->out, ".\r\n", 3);
}

/* One envelope's replies: 0 when DATA was accepted (354), else the
 * refusal's code (and s->line its text); -1 connection error. A refused
 * transaction is reset (RSET) so the next one starts clean. */
static int read_envelope(struct smtp *s, const struct smtp_msg *m, char **err, struct buf *why)
{
	int mc = read_reply(s, err);
	if (mc < 0)
		return -1;
	int refused = 0;
	if (mc / 100 != 2) {
		refused = mc;
		buf_addf(why, "MAIL FROM: %s", buf_str(&s->line));
		if (!s->pipelining)
			goto reset;
	}
	if (!s->pipelining)
		buf_addf(&s->out, "RCPT TO:<%s>\r\n", m->rcpt);
	int rc = read_reply(s, err);
	if (rc < 0)
		return -1;
	if (!refused && rc / 100 != 2) {
		refused = rc;
		buf_addf(why, "RCPT TO: %s", buf_str(&s->line));
		if (!s->pipelining)
			goto reset;
	}
	if (!s->pipelining)
		buf_adds(&s->out, "DATA\r\n");
	int dc = read_reply(s, err);
	if (dc < 0)
		return -1;
	if (dc == 354 && refused) {
		/* a server that opened DATA anyway: end it empty */
		buf_add(&s->out, ".\r\n", 3);
		if (read_reply(s, err) < 0)
			return -1;
	} else if (!refused && dc != 354) {
		refused = dc;
		buf_addf(why, "DATA: %s", buf_str(&s->line));
	}
reset:
	if (refused) {
		buf_adds(&s->out, "RSET\r\n");
		if (read_reply(s, err) < 0)
			return -1;
	}
	return refused;
}

int smtp_send(struct smtp *s, const struct smtp_msg *m, size_t n, smtp_done_cb done, void *arg,
	      char **err)
{
	struct buf why = BUF_INIT;
	size_t i = 0;
	int rc = -1;
	char *cerr = NULL;
	/* `open`: message i-1's content was sent and its reply is pending */
	int open = 0;
	if (n)
		queue_envelope(s, &m[0]);
	while (i < n || open) {
		if (open) {
			/* with pipelining the next envelope rides with the content */
			if (s->pipelining && i < n)
				queue_envelope(s, &m[i]);
			int code = read_reply(s, &cerr);
			if (code < 0)
				goto lost;
			open = 0;
			const char *text = buf_str(&s->line);
			if (done(arg, i - 1, code, text, err) != 0)
				goto out;
			if (i == n)
				break;
			if (!s->pipelining)
				queue_envelope(s, &m[i]);
		}
		buf_reset(&why);
		int r = read_envelope(s, &m[i], &cerr, &why);
		if (r < 0)
			goto lost;
		if (r > 0) {
			if (done(arg, i, r, buf_str(&why), err) != 0)
				goto out;
			i++;
			if (i < n)
				queue_envelope(s, &m[i]);
			continue;
		}
		queue_content(s, &m[i]);
		i++;
		open = 1;
	}
	rc = 0;
	goto out;
lost:
	/* the message whose content went out without a reply, and all after
	 * it, are unsettled */
	for (size_t j = open ? i - 1 : i; j < n; j++)
		if (done(arg, j, 0, cerr ? cerr : "connection lost", err) != 0)
			break;
	if (err && *err == NULL)
		*err = cerr, cerr = NULL;
out:
	free(cerr);
	buf_free(&why);
	return rc;
}

void smtp_qp(struct buf *out, const char *s, size_t len)
{
	int col = 0;
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	for (; p < end; p++) {
		if (*p == '\r' && p + 1 < end && p[1] == '\n')
			continue; /* CRLF and LF alike */
		if (*p == '\n') {
			buf_add(out, "\r\n", 2);
			col = 0;
			continue;
		}
		int last = p + 1 == end || p[1] == '\n' ||
			   (p[1] == '\r' && p + 2 < end && p[2] == '\n');
		int enc = *p == '=' || *p > 126 || (*p < 32 && *p != '\t') ||
			  ((*p == ' ' || *p == '\t') && last) || (col == 0 && *p == '.');
		int w = enc ? 3 : 1;
		if (col + w > 75) {
			buf_add(out, "=\r\n", 3);
			col = 0;
		}
		if (enc)
			buf_addf(out, "=%02X", *p);
		else
			buf_addc(out, (char)*p);
		col += w;
	}
	if (len == 0 || s[len - 1] != '\n')
		buf_add(out, "\r\n", 2);
}

void smtp_dot_stuff(struct buf *out, const char *s, size_t len)
{
	const char *p = s, *end = s + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl + 1 : end;
		if (*p == '.')
			buf_addc(out, '.');
		buf_add(out, p, (size_t)(e - p));
		p = e;
	}
}
