/*
 * httpd: the HTTP listener's route table on libevent's evhttp (httpd.h).
 *
 * evhttp parses requests, enforces the body limit (413) and the read and
 * write timeouts; everything else goes through one generic callback that
 * picks the route, so a feature adds a row to a table, not a callback of
 * its own. The listener is bound by us (after listen_check_free, as nntpd
 * and mailin do) and handed to evhttp, so the same address rules and the
 * same "address already in use" message apply everywhere.
 */
#include "forumgate/httpd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "forumgate/buf.h"
#include "forumgate/listctl.h"
#include "forumgate/listen.h"
#include "forumgate/log.h"
#include "forumgate/metrics.h"
#include "forumgate/priv.h"
#include "forumgate/webhook.h"

#define HTTPD_TIMEOUT 30 /* seconds to read a request or write an answer */

struct httpd {
	struct evhttp *http;
	const struct httpd_route *routes;
	size_t nroutes;
	long max_body;
};

const char *httpd_header(const struct httpd_request *rq, const char *name)
{
	return evhttp_find_header(evhttp_request_get_input_headers(rq->ev), name);
}

static const char *method_name(enum evhttp_cmd_type t)
{
	switch (t) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_OPTIONS:
		return "OPTIONS";
	case EVHTTP_REQ_TRACE:
		return "TRACE";
	case EVHTTP_REQ_CONNECT:
		return "CONNECT";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	}
	return "?";
}

static int route_matches(const struct httpd_route *r, const char *path)
{
	size_t n = strlen(r->prefix);
	if (n > 0 && r->prefix[n - 1] == '/')
		return strncmp(path, r->prefix, n) == 0;
	return strcmp(path, r->prefix) == 0;
}

static void reply(struct evhttp_request *req, int status, const char *type, const char *body,
		  size_t len)
{
	struct evbuffer *out = evbuffer_new();
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "Cache-Control", "no-store");
	if (out && len)
		evbuffer_add(out, body, len);
	const char *reason = status == 200   ? "OK"
			     : status == 404 ? "Not Found"
			     : status == 405 ? "Method Not Allowed"
			     : status == 413 ? "Payload Too Large"
			     : status == 503 ? "Service Unavailable"
					     : NULL;
	evhttp_send_reply(req, status, reason, out);
	if (out)
		evbuffer_free(out);
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct httpd *h = arg;
	const char *method = method_name(evhttp_request_get_command(req));
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	if (path == NULL || *path == '\0')
		path = "/";
	const struct httpd_route *route = NULL;
	struct buf allow = BUF_INIT;
	for (size_t i = 0; i < h->nroutes && route == NULL; i++) {
		if (!route_matches(&h->routes[i], path))
			continue;
		if (strcmp(h->routes[i].method, method) == 0)
			route = &h->routes[i];
		else
			buf_addf(&allow, "%s%s", allow.len ? ", " : "", h->routes[i].method);
	}
	if (route == NULL) {
		if (allow.len) {
			evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", allow.p);
			reply(req, 405, "text/plain; charset=utf-8", "method not allowed\n", 19);
		} else {
			reply(req, 404, "text/plain; charset=utf-8", "not found\n", 10);
		}
		buf_free(&allow);
		return;
	}
	buf_free(&allow);

	/* the body, NUL-terminated (evhttp kept it within max_body) */
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	char *body = xmalloc(len + 1);
	evbuffer_remove(in, body, len);
	body[len] = '\0';
	char peer[64] = "?";
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	if (conn) {
		const struct sockaddr *sa = evhttp_connection_get_addr(conn);
		if (sa && sa->sa_family == AF_INET)
			evutil_inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, peer,
					 sizeof peer);
		else if (sa && sa->sa_family == AF_INET6)
			evutil_inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
					 peer, sizeof peer);
	}
	struct httpd_request rq = {
		.method = method,
		.path = path,
		.query = uri ? evhttp_uri_get_query(uri) : NULL,
		.body = body,
		.body_len = len,
		.peer = peer,
		.ev = req,
	};
	struct httpd_response rs = {.status = 200};
	route->handler(route->arg, &rq, &rs);
	reply(req, rs.status, rs.content_type ? rs.content_type : "text/plain; charset=utf-8",
	      rs.body ? rs.body : "", rs.body ? strlen(rs.body) : 0);
	free(rs.body);
	free(body);
}

int httpd_new(struct event_base *base, const char *listen, long max_body,
	      const struct httpd_route *routes, size_t n, struct httpd **out, char **err)
{
	struct sockaddr_storage ss;
	int len = sizeof ss;
	if (evutil_parse_sockaddr_port(listen, (struct sockaddr *)&ss, &len) != 0)
		return fg_error(err, "httpd: invalid address %s", listen);
	if (listen_check_free((struct sockaddr *)&ss, (socklen_t)len, listen, err) != 0) {
		char *why = *err;
		*err = NULL;
		fg_error(err, "httpd: cannot listen on %s", why);
		free(why);
		return -1;
	}
	struct evconnlistener *l = evconnlistener_new_bind(
		base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
		128, (struct sockaddr *)&ss, len);
	if (l == NULL)
		return fg_error(err, "httpd: cannot listen on %s: %s", listen, strerror(errno));
	struct httpd *h = xcalloc(1, sizeof *h);
	h->http = evhttp_new(base);
	if (h->http == NULL || evhttp_bind_listener(h->http, l) == NULL) {
		if (h->http)
			evhttp_free(h->http);
		evconnlistener_free(l);
		free(h);
		return fg_error(err, "httpd: cannot serve %s", listen);
	}
	h->routes = routes;
	h->nroutes = n;
	h->max_body = max_body;
	evhttp_set_max_body_size(h->http, max_body);
	evhttp_set_max_headers_size(h->http, 64 * 1024);
	evhttp_set_timeout(h->http, HTTPD_TIMEOUT);
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
						    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
						    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(h->http, on_request, h);
	*out = h;
	return 0;
}

void httpd_free(struct httpd *h)
{
	if (h == NULL)
		return;
	evhttp_free(h->http); /* frees the bound listener too */
	free(h);
}

/* ---- the role ---------------------------------------------------------- */

static void route_health(void *arg, const struct httpd_request *rq, struct httpd_response *rs)
{
	rs->body = xstrdup("ok\n");
}

/* The built-in routes. Webhook receivers and one-click unsubscribe add
 * their rows here. */
static const struct httpd_route role_routes[] = {
	{"/health", "GET", route_health, NULL},
	{"/metrics", "GET", metrics_http, NULL},                            /* arg: the cfg */
	{WEBHOOK_DISCOURSE_PREFIX, "POST", webhook_discourse, NULL},        /* arg: the cfg */
	{LISTCTL_UNSUBSCRIBE_PATH, "POST", listctl_http_unsubscribe, NULL}, /* arg: the cfg */
	{LISTCTL_UNSUBSCRIBE_PATH, "GET", listctl_http_unsubscribe, NULL},  /* arg: the cfg */
};

struct stop_check {
	struct event_base *base;
	volatile sig_atomic_t *stop;
};

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct stop_check *sc = arg;
	if (*sc->stop)
		event_base_loopbreak(sc->base);
}

int httpd_run(const struct cfg *c, volatile sig_atomic_t *stop)
{
	char *err = NULL;
	struct event_base *base = event_base_new();
	struct httpd *h = NULL;
	if (base == NULL) {
		log_err("httpd: cannot create an event loop");
		return -1;
	}
	/* the routes that need the configuration get it as their arg */
	struct httpd_route routes[sizeof role_routes / sizeof *role_routes];
	for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
		routes[i] = role_routes[i];
		if (routes[i].handler == webhook_discourse ||
		    routes[i].handler == listctl_http_unsubscribe ||
		    routes[i].handler == metrics_http)
			routes[i].arg = (void *)c;
	}
	if (httpd_new(base, c->http.listen, c->http.max_body_size, routes,
		      sizeof routes / sizeof *routes, &h, &err) != 0 ||
	    priv_drop(c, "httpd", 1, &err) != 0) {
		log_err("%s", err);
		free(err);
		httpd_free(h);
		event_base_free(base);
		return -1;
	}
	log_info("listening for HTTP on %s", c->http.listen);
	struct stop_check sc = {base, stop};
	struct event *tick = event_new(base, -1, EV_PERSIST, on_tick, &sc);
	struct timeval tv = {0, 200000};
	event_add(tick, &tv);
	event_base_dispatch(base);
	event_free(tick);
	httpd_free(h);
	event_base_free(base);
	return 0;
}
