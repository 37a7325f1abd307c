/*
 * IMAP intake: replies that arrive in a mailbox we reach over IMAP (a reply
 * address hosted elsewhere), with libetpan's IMAP client. It runs in a role
 * of its own, imapin, because every libetpan call blocks.
 *
 * The rule is the Maildir intake's (maildir.c): a message is marked only
 * after its fate is committed, and nothing is deleted or expunged.
 *   - queued, duplicate, dropped: UID STORE +FLAGS (\Seen $ForumgateDone);
 *   - refused: APPEND a copy with an X-Forumgate-Failed header naming the
 *     reason to failed_mailbox (CREATE on first use; IMAP cannot add a
 *     header to a stored message), then flag the original \Seen
 *     $ForumgateFailed;
 *   - temporary failure: no flag, so the next poll takes it again.
 * We search for messages without our keywords rather than UNSEEN, so a
 * person reading the mailbox does not hide replies from us. If the flag is
 * lost after a commit (connection drop), the next poll gets a DUPLICATE
 * for the same Message-ID and flags it then.
 *
 * A message over mail.max_message_size is not downloaded: UID COPY puts it
 * in failed_mailbox as it is (no header), and the reason goes to the log.
 *
 * TLS: implicit (993) or STARTTLS; libetpan (GnuTLS) does not check the
 * server's certificate, so we do after the handshake: the chain libetpan
 * received is verified with OpenSSL against tls_ca (or the system store),
 * and the name against mail.imap.host. Plain text only to a loopback host
 * (the config loader refuses anything else).
 *
 * The role keeps one connection while the server offers IDLE (RFC 2177)
 * and mail.imap.idle is on: poll, IDLE until the server reports a change
 * (at most 25 minutes, below the 30-minute autologout of RFC 3501), poll
 * again. Otherwise it connects for each poll, every poll_interval seconds.
 */
#include "forumgate/imap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libetpan/libetpan.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "forumgate/buf.h"
#include "forumgate/log.h"

#define IMAP_TIMEOUT 120        /* seconds for one network operation */
#define IMAP_IDLE_MAX (25 * 60) /* seconds in one IDLE */
#define KW_DONE "$ForumgateDone"
#define KW_FAILED "$ForumgateFailed"
#define MAX_REASON 900 /* keeps X-Forumgate-Failed under 998 octets */

/* What one pass saw, for the role's choice between IDLE and a short wait. */
struct pass {
	int handled;
	int tempfail;
};

/* The server's last response text, for error messages. */
static const char *server_says(mailimap *s)
{
	return s && s->imap_response && *s->imap_response ? s->imap_response : "no reply text";
}

static int imap_fail(char **err, mailimap *s, const struct cfg_imap *m, const char *what, int r)
{
	return fg_error(err, "imap %s: %s failed: %s (libetpan error %d)", m->host, what,
			server_says(s), r);
}

/* The first line of the password file (malloc'd), or NULL with *err. */
static char *read_password(const char *path, char **err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fg_error(err, "imap: password file %s: %s", path, strerror(errno));
		return NULL;
	}
	struct buf b = BUF_INIT;
	char chunk[512];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof chunk)) > 0 && b.len < 4096)
		buf_add(&b, chunk, (size_t)n);
	int bad = n < 0;
	close(fd);
	explicit_bzero(chunk, sizeof chunk);
	size_t len = b.len ? strcspn(buf_str(&b), "\r\n") : 0;
	if (bad || len == 0) {
		fg_error(err, "imap: password file %s: %s", path, bad ? strerror(errno) : "empty");
		if (b.p)
			explicit_bzero(b.p, b.len);
		buf_free(&b);
		return NULL;
	}
	char *pw = xstrndup(buf_str(&b), len);
	explicit_bzero(b.p, b.len);
	buf_free(&b);
	return pw;
}

/* SNI, so a server with several names shows the right certificate. */
static void ssl_setup(struct mailstream_ssl_context *ctx, void *data)
{
	mailstream_ssl_set_server_name(ctx, data);
}

static int is_ip_literal(const char *host)
{
	unsigned char a[16];
	return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

/* Verifies the server's certificate chain and name (libetpan does not). */
static int verify_peer(mailimap *s, const struct cfg_imap *m, char **err)
{
	carray *chain = mailstream_get_certificate_chain(s->imap_stream);
	if (chain == NULL || carray_count(chain) == 0) {
		if (chain)
			mailstream_certificate_chain_free(chain);
		return fg_error(err, "imap %s: the server sent no certificate", m->host);
	}
	X509 *leaf = NULL;
	STACK_OF(X509) *rest = sk_X509_new_null();
	for (unsigned i = 0; i < carray_count(chain); i++) {
		MMAPString *der = carray_get(chain, i);
		const unsigned char *p = (const unsigned char *)der->str;
		X509 *x = d2i_X509(NULL, &p, (long)der->len);
		if (x == NULL)
			continue;
		if (leaf == NULL)
			leaf = x;
		else
			sk_X509_push(rest, x);
	}
	mailstream_certificate_chain_free(chain);
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int rc = -1;
	if (leaf == NULL) {
		fg_error(err, "imap %s: the server's certificate cannot be read", m->host);
	} else if (m->tls_ca ? X509_STORE_load_file(store, m->tls_ca) != 1
			     : X509_STORE_set_default_paths(store) != 1) {
		fg_error(err, "imap %s: cannot load the CA certificates from %s", m->host,
			 m->tls_ca ? m->tls_ca : "the system store");
	} else if (X509_STORE_CTX_init(ctx, store, leaf, rest) != 1) {
		fg_error(err, "imap %s: cannot set up certificate verification", m->host);
	} else {
		X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(ctx);
		if (is_ip_literal(m->host))
			X509_VERIFY_PARAM_set1_ip_asc(vp, m->host);
		else
			X509_VERIFY_PARAM_set1_host(vp, m->host, 0);
		if (X509_verify_cert(ctx) == 1)
			rc = 0;
		else
			fg_error(err, "imap %s: certificate verification failed: %s%s", m->host,
				 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)),
				 m->tls_ca ? "" : " (set mail.imap.tls_ca for a private CA)");
	}
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	X509_free(leaf);
	sk_X509_pop_free(rest, X509_free);
	return rc;
}

/* Connects, secures, logs in and selects the mailbox. */
static int session_open(const struct cfg_imap *m, mailimap **out, char **err)
{
	*out = NULL;
	char *pw = read_password(m->password_file, err);
	if (pw == NULL)
		return -1;
	mailimap *s = mailimap_new(0, NULL);
	if (s == NULL) {
		explicit_bzero(pw, strlen(pw));
		free(pw);
		return fg_error(err, "imap: out of memory");
	}
	mailimap_set_timeout(s, IMAP_TIMEOUT);
	int tls = strcmp(m->tls, "none") != 0;
	int r;
	if (!strcmp(m->tls, "implicit"))
		r = mailimap_ssl_connect_with_callback(s, m->host, (uint16_t)m->port, ssl_setup,
						       m->host);
	else
		r = mailimap_socket_connect(s, m->host, (uint16_t)m->port);
	if (r != MAILIMAP_NO_ERROR_AUTHENTICATED && r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
		fg_error(err, "imap %s:%d: cannot connect (%s, libetpan error %d)", m->host,
			 m->port,
			 r == MAILIMAP_ERROR_SSL                  ? "TLS handshake failed"
			 : r == MAILIMAP_ERROR_CONNECTION_REFUSED ? "connection refused"
								  : "no IMAP greeting",
			 r);
		goto fail;
	}
	if (!strcmp(m->tls, "starttls")) {
		r = mailimap_socket_starttls_with_callback(s, ssl_setup, m->host);
		if (r != MAILIMAP_NO_ERROR) {
			imap_fail(err, s, m, "STARTTLS", r);
			goto fail;
		}
	}
	if (tls && verify_peer(s, m, err) != 0)
		goto fail;
	r = mailimap_login(s, m->user, pw);
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(err, s, m, "LOGIN", r);
		goto fail;
	}
	struct mailimap_capability_data *cap = NULL;
	if (mailimap_capability(s, &cap) == MAILIMAP_NO_ERROR)
		mailimap_capability_data_free(cap);
	r = mailimap_select(s, m->mailbox);
	if (r != MAILIMAP_NO_ERROR) {
		fg_error(err, "imap %s: SELECT %s failed: %s (libetpan error %d)", m->host,
			 m->mailbox, server_says(s), r);
		goto fail;
	}
	explicit_bzero(pw, strlen(pw));
	free(pw);
	*out = s;
	return 0;
fail:
	explicit_bzero(pw, strlen(pw));
	free(pw);
	mailimap_free(s);
	return -1;
}

static void session_close(mailimap *s)
{
	if (s == NULL)
		return;
	mailimap_logout(s);
	mailimap_free(s);
}

/* UIDs of the messages we have not marked yet (malloc'd array in *uids). */
static int search_new(mailimap *s, const struct cfg_imap *m, uint32_t **uids, size_t *n, char **err)
{
	struct mailimap_search_key *k = mailimap_search_key_new_multiple_empty();
	mailimap_search_key_multiple_add(k, mailimap_search_key_new_unkeyword(xstrdup(KW_DONE)));
	mailimap_search_key_multiple_add(k, mailimap_search_key_new_unkeyword(xstrdup(KW_FAILED)));
	clist *res = NULL;
	int r = mailimap_uid_search(s, NULL, k, &res);
	mailimap_search_key_free(k);
	*uids = NULL;
	*n = 0;
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(err, s, m, "UID SEARCH", r);
	*uids = xcalloc((size_t)clist_count(res) + 1, sizeof **uids);
	for (clistiter *it = clist_begin(res); it; it = clist_next(it))
		(*uids)[(*n)++] = *(uint32_t *)clist_content(it);
	mailimap_search_result_free(res);
	return 0;
}

/* Fetches RFC822.SIZE (body == NULL) or the whole message into *body.
 * Returns 1 when found, 0 when the message is gone, -1 on error. */
static int fetch(mailimap *s, const struct cfg_imap *m, uint32_t uid, uint32_t *size,
		 struct buf *body, char **err)
{
	struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	if (body)
		mailimap_fetch_type_new_fetch_att_list_add(
			ft, mailimap_fetch_att_new_body_peek_section(mailimap_section_new(NULL)));
	else
		mailimap_fetch_type_new_fetch_att_list_add(ft,
							   mailimap_fetch_att_new_rfc822_size());
	struct mailimap_set *set = mailimap_set_new_single(uid);
	clist *res = NULL;
	int r = mailimap_uid_fetch(s, set, ft, &res);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(err, s, m, "UID FETCH", r);
	int found = 0;
	for (clistiter *it = clist_begin(res); it; it = clist_next(it)) {
		struct mailimap_msg_att *ma = clist_content(it);
		uint32_t got_uid = 0, got_size = 0;
		const char *part = NULL;
		size_t plen = 0;
		int have = 0;
		for (clistiter *j = clist_begin(ma->att_list); j; j = clist_next(j)) {
			struct mailimap_msg_att_item *item = clist_content(j);
			if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
				continue;
			struct mailimap_msg_att_static *st = item->att_data.att_static;
			if (st->att_type == MAILIMAP_MSG_ATT_UID) {
				got_uid = st->att_data.att_uid;
			} else if (st->att_type == MAILIMAP_MSG_ATT_RFC822_SIZE) {
				got_size = st->att_data.att_rfc822_size;
				have = 1;
			} else if (st->att_type == MAILIMAP_MSG_ATT_BODY_SECTION) {
				part = st->att_data.att_body_section->sec_body_part;
				plen = st->att_data.att_body_section->sec_length;
				have = 1;
			}
		}
		/* unsolicited FETCH responses for other messages are skipped */
		if (got_uid != uid || !have)
			continue;
		found = 1;
		if (size)
			*size = got_size;
		if (body && part)
			buf_add(body, part, plen);
	}
	mailimap_fetch_list_free(res);
	return found;
}

/* UID STORE +FLAGS.SILENT (\Seen kw). */
static int add_flags(mailimap *s, const struct cfg_imap *m, uint32_t uid, const char *kw,
		     char **err)
{
	struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();
	mailimap_flag_list_add(fl, mailimap_flag_new_seen());
	mailimap_flag_list_add(fl, mailimap_flag_new_flag_keyword(xstrdup(kw)));
	struct mailimap_store_att_flags *sa = mailimap_store_att_flags_new_add_flags_silent(fl);
	struct mailimap_set *set = mailimap_set_new_single(uid);
	int r = mailimap_uid_store(s, set, sa);
	mailimap_store_att_flags_free(sa);
	mailimap_set_free(set);
	return r == MAILIMAP_NO_ERROR ? 0 : imap_fail(err, s, m, "UID STORE", r);
}

/* A command on failed_mailbox, creating it and trying again once when the
 * first try fails (NO [TRYCREATE]; a CREATE that fails is harmless). */
static int to_failed(mailimap *s, const struct cfg_imap *m, uint32_t uid, const struct buf *copy)
{
	for (int attempt = 0;; attempt++) {
		int r;
		if (copy) {
			r = mailimap_append(s, m->failed_mailbox, NULL, NULL, copy->p, copy->len);
		} else {
			struct mailimap_set *set = mailimap_set_new_single(uid);
			r = mailimap_uid_copy(s, set, m->failed_mailbox);
			mailimap_set_free(set);
		}
		if (r == MAILIMAP_NO_ERROR || attempt > 0 ||
		    (r != MAILIMAP_ERROR_APPEND && r != MAILIMAP_ERROR_UID_COPY))
			return r;
		mailimap_create(s, m->failed_mailbox);
	}
}

/* Copies a refused message with the reason in a header, then flags it. */
static int file_failed(mailimap *s, const struct cfg_imap *m, uint32_t uid, const struct buf *msg,
		       const char *reason, char **err)
{
	struct buf copy = BUF_INIT;
	int r;
	if (msg) {
		buf_adds(&copy, "X-Forumgate-Failed: ");
		size_t i = 0;
		for (; reason[i] && i < MAX_REASON; i++)
			buf_addc(&copy, reason[i] == '\r' || reason[i] == '\n' ? ' ' : reason[i]);
		buf_adds(&copy, "\r\n");
		buf_add(&copy, msg->p, msg->len);
		r = to_failed(s, m, uid, &copy);
	} else {
		r = to_failed(s, m, uid, NULL);
	}
	buf_free(&copy);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(err, s, m, msg ? "APPEND to the failed mailbox" : "UID COPY", r);
	return add_flags(s, m, uid, KW_FAILED, err);
}

/* Delivers one message and marks it. -1 only for a broken connection. */
static int handle_one(const struct intake *in, mailimap *s, uint32_t uid, struct pass *p,
		      char **err)
{
	const struct cfg *c = in->cfg;
	const struct cfg_imap *m = &c->mail.imap;
	uint32_t size = 0;
	int f = fetch(s, m, uid, &size, NULL, err);
	if (f <= 0)
		return f;
	if ((long)size > c->mail.max_message_size) {
		char *why = xasprintf("message of %u bytes is over mail.max_message_size", size);
		int rc = file_failed(s, m, uid, NULL, why, err);
		if (rc == 0)
			log_info("imap: UID %u copied to %s: %s", uid, m->failed_mailbox, why);
		free(why);
		p->handled++;
		return rc;
	}
	struct buf msg = BUF_INIT;
	f = fetch(s, m, uid, NULL, &msg, err);
	if (f <= 0) {
		buf_free(&msg);
		return f;
	}
	const char *domain = c->mail.reply_domain ? c->mail.reply_domain : c->gateway.domain;
	struct intake_result res = {0};
	intake_deliver_stored(in, buf_str(&msg), msg.len, domain, m->recipient, &res);
	int rc = 0;
	switch (res.status) {
	case INTAKE_TEMPFAIL:
		log_warn("imap: UID %u left for the next poll: %s", uid,
			 res.reason ? res.reason : "temporary failure");
		p->tempfail++;
		break;
	case INTAKE_ACCEPTED:
	case INTAKE_DUPLICATE:
	case INTAKE_DROPPED:
		rc = add_flags(s, m, uid, KW_DONE, err); /* the intake logged the fate */
		break;
	default: {
		const char *why = res.reason ? res.reason : "refused";
		rc = file_failed(s, m, uid, &msg, why, err);
		if (rc == 0)
			log_info("imap: UID %u copied to %s: %s", uid, m->failed_mailbox, why);
	}
	}
	p->handled++;
	intake_result_clear(&res);
	buf_free(&msg);
	return rc;
}

/* One pass over the selected mailbox. */
static int session_poll(const struct intake *in, mailimap *s, volatile sig_atomic_t *stop,
			struct pass *p, char **err)
{
	const struct cfg_imap *m = &in->cfg->mail.imap;
	uint32_t *uids;
	size_t n;
	if (search_new(s, m, &uids, &n, err) != 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0 && !(stop && *stop); i++)
		rc = handle_one(in, s, uids[i], p, err);
	free(uids);
	return rc;
}

int imap_poll(const struct intake *in, const struct cfg *c, char **err)
{
	mailimap *s;
	if (c->mail.imap.host == NULL)
		return fg_error(err, "imap: mail.imap.host is not set");
	if (session_open(&c->mail.imap, &s, err) != 0)
		return -1;
	struct pass p = {0};
	int rc = session_poll(in, s, NULL, &p, err);
	session_close(s);
	return rc == 0 ? p.handled : -1;
}

static void nap(volatile sig_atomic_t *stop, int seconds)
{
	for (long i = 0; i < seconds * 5L && !*stop; i++)
		usleep(200000);
}

/* IDLE until the server reports a change, IMAP_IDLE_MAX passes or *stop. */
static int idle_wait(mailimap *s, const struct cfg_imap *m, volatile sig_atomic_t *stop, char **err)
{
	int r = mailimap_idle(s);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(err, s, m, "IDLE", r);
	int fd = mailimap_idle_get_fd(s);
	time_t end = time(NULL) + IMAP_IDLE_MAX;
	while (!*stop && time(NULL) < end) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int n = poll(&pfd, 1, 200);
		if (n > 0)
			break;
		if (n < 0 && errno != EINTR)
			break;
	}
	r = mailimap_idle_done(s);
	return r == MAILIMAP_NO_ERROR ? 0 : imap_fail(err, s, m, "DONE (end of IDLE)", r);
}

int imapin_run(const struct cfg *c, volatile sig_atomic_t *stop)
{
	const struct cfg_imap *m = &c->mail.imap;
	if (m->host == NULL) {
		/* nothing to do: idle until stopped so the supervisor is calm */
		while (!*stop)
			usleep(200000);
		return 0;
	}
	char *err = NULL;
	struct intake in;
	if (intake_open(&in, c, "imap", &err) != 0) {
		log_err("%s", err);
		free(err);
		return -1;
	}
	log_info("taking replies from IMAP %s:%d (%s), mailbox %s", m->host, m->port, m->tls,
		 m->mailbox);
	mailimap *s = NULL;
	while (!*stop) {
		if (s == NULL && session_open(m, &s, &err) != 0) {
			log_warn("%s", err);
			free(err);
			err = NULL;
			nap(stop, m->poll_interval);
			continue;
		}
		struct pass p = {0};
		if (session_poll(&in, s, stop, &p, &err) != 0) {
			log_warn("%s", err);
			free(err);
			err = NULL;
			mailimap_free(s); /* the connection is suspect: no LOGOUT */
			s = NULL;
			nap(stop, m->poll_interval);
			continue;
		}
		if (p.handled)
			log_info("imap: %d message%s handled", p.handled,
				 p.handled == 1 ? "" : "s");
		/* a temporary failure is retried after poll_interval, not after
		 * the next change in the mailbox */
		if (m->idle && !p.tempfail && mailimap_has_idle(s)) {
			if (idle_wait(s, m, stop, &err) != 0) {
				log_warn("%s", err);
				free(err);
				err = NULL;
				mailimap_free(s);
				s = NULL;
			}
			continue;
		}
		session_close(s);
		s = NULL;
		nap(stop, m->poll_interval);
	}
	session_close(s);
	intake_close(&in);
	return 0;
}
