/*
 * NNTP commands: one handler per command, dispatched from nntp_commands[]
 * (which also drives HELP). Status codes follow RFC 3977 exactly:
 * 412 no group selected, 420 no current article, 423 no article with that
 * number (or none in the range), 430 no article with that Message-ID,
 * 480 login needed, 483 login refused over an unencrypted connection.
 *
 * POST is advertised (CAPABILITIES, 200 greeting and MODE READER) whenever
 * this connection can log in, now or after STARTTLS, and answered 480 until
 * it has (RFC 4643 §2): readers such as tin look at CAPABILITIES and the
 * greeting code alone and would otherwise never offer to post.
 *
 * Articles are served from the store's views without copying them into an
 * intermediate buffer: status line and article go into the same output
 * evbuffer, so they leave in one write (no Nagle/delayed-ACK stall).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "forumgate/log.h"
#include "forumgate/password.h"
#include "nntp_internal.h"

static int cmd_article(struct nntp_session *s, int argc, char **argv);
static int cmd_authinfo(struct nntp_session *s, int argc, char **argv);
static int cmd_body(struct nntp_session *s, int argc, char **argv);
static int cmd_capabilities(struct nntp_session *s, int argc, char **argv);
static int cmd_compress(struct nntp_session *s, int argc, char **argv);
static int cmd_date(struct nntp_session *s, int argc, char **argv);
static int cmd_group(struct nntp_session *s, int argc, char **argv);
static int cmd_hdr(struct nntp_session *s, int argc, char **argv);
static int cmd_head(struct nntp_session *s, int argc, char **argv);
static int cmd_help(struct nntp_session *s, int argc, char **argv);
static int cmd_last(struct nntp_session *s, int argc, char **argv);
static int cmd_list(struct nntp_session *s, int argc, char **argv);
static int cmd_listgroup(struct nntp_session *s, int argc, char **argv);
static int cmd_mode(struct nntp_session *s, int argc, char **argv);
static int cmd_newgroups(struct nntp_session *s, int argc, char **argv);
static int cmd_newnews(struct nntp_session *s, int argc, char **argv);
static int cmd_next(struct nntp_session *s, int argc, char **argv);
static int cmd_over(struct nntp_session *s, int argc, char **argv);
static int cmd_post(struct nntp_session *s, int argc, char **argv);
static int cmd_quit(struct nntp_session *s, int argc, char **argv);
static int cmd_starttls(struct nntp_session *s, int argc, char **argv);
static int cmd_stat(struct nntp_session *s, int argc, char **argv);
static int cmd_xhdr(struct nntp_session *s, int argc, char **argv);
static int cmd_xpat(struct nntp_session *s, int argc, char **argv);

const struct nntp_command nntp_commands[] = {
	{"ARTICLE", cmd_article, 0, 1, "ARTICLE [message-id|number]"},
	{"AUTHINFO", cmd_authinfo, 2, 2, "AUTHINFO USER name|PASS password"},
	{"BODY", cmd_body, 0, 1, "BODY [message-id|number]"},
	{"CAPABILITIES", cmd_capabilities, 0, 1, "CAPABILITIES [keyword]"},
	{"COMPRESS", cmd_compress, 1, 1, "COMPRESS DEFLATE"},
	{"DATE", cmd_date, 0, 0, "DATE"},
	{"GROUP", cmd_group, 1, 1, "GROUP newsgroup"},
	{"HDR", cmd_hdr, 1, 2, "HDR header [message-id|range]"},
	{"HEAD", cmd_head, 0, 1, "HEAD [message-id|number]"},
	{"HELP", cmd_help, 0, 0, "HELP"},
	{"LAST", cmd_last, 0, 0, "LAST"},
	{"LIST", cmd_list, 0, 2,
	 "LIST [ACTIVE|ACTIVE.TIMES|COUNTS|DISTRIB.PATS|HEADERS|NEWSGROUPS|"
	 "OVERVIEW.FMT|SUBSCRIPTIONS] [wildmat]"},
	{"LISTGROUP", cmd_listgroup, 0, 2, "LISTGROUP [newsgroup [range]]"},
	{"MODE", cmd_mode, 1, 1, "MODE READER"},
	{"NEWGROUPS", cmd_newgroups, 2, 3, "NEWGROUPS [yy]yymmdd hhmmss [GMT]"},
	{"NEWNEWS", cmd_newnews, 3, 4, "NEWNEWS wildmat [yy]yymmdd hhmmss [GMT]"},
	{"NEXT", cmd_next, 0, 0, "NEXT"},
	{"OVER", cmd_over, 0, 1, "OVER [message-id|range]"},
	{"POST", cmd_post, 0, 0, "POST"},
	{"QUIT", cmd_quit, 0, 0, "QUIT"},
	{"STARTTLS", cmd_starttls, 0, 0, "STARTTLS"},
	{"STAT", cmd_stat, 0, 1, "STAT [message-id|number]"},
	{"XHDR", cmd_xhdr, 1, 2, "XHDR header [message-id|range]"},
	{"XOVER", cmd_over, 0, 1, "XOVER [range]"},
	{"XPAT", cmd_xpat, 3, NNTP_MAX_ARGS - 1, "XPAT header message-id|range pattern..."},
	{NULL, NULL, 0, 0, NULL},
};

/* --- helpers --- */

static int is_msgid(const char *a)
{
	size_t n = strlen(a);
	return n >= 3 && n <= 250 && a[0] == '<' && a[n - 1] == '>' && strchr(a, '@');
}

static int store_failed(struct nntp_session *s, char *err)
{
	log_err("store: %s", err ? err : "error");
	free(err);
	nntp_reply(s, 403, "Internal fault, try again later");
	return -1;
}

static int can_auth(const struct nntp_session *s)
{
	return s->tls || (s->env->cfg->nntp.allow_plaintext_auth && s->env->peer_is_loopback);
}

int nntp_group_hidden(struct nntp_session *s, const char *group, size_t len)
{
	if (s->user || len == 0)
		return 0;
	if (s->hidden == NULL) {
		char *err = NULL;
		if (store_members_only_groups(s->env->store, &s->hidden, &err) != 0) {
			log_err("store: %s", err);
			free(err);
			s->hidden = xstrdup("");
		}
	}
	if (s->hidden[0] == '\0')
		return 0;
	const char *end = s->hidden + strlen(s->hidden);
	for (const char *p = s->hidden; (p = memmem(p, (size_t)(end - p), group, len)) != NULL; p++)
		if (p > s->hidden && p[-1] == '\t' && p[len] == '\t')
			return 1;
	return 0;
}

/* An article is readable when one of its groups (from Xref in its overview
 * line) is readable by this session. */
static int article_hidden(struct nntp_session *s, const char *overview)
{
	if (s->user)
		return 0;
	const char *x = strstr(overview, "\tXref: ");
	if (x == NULL)
		return 0;
	x = strchr(x + 7, ' '); /* past the host */
	while (x && *x == ' ') {
		x++;
		const char *colon = strchr(x, ':');
		if (colon == NULL)
			break;
		if (!nntp_group_hidden(s, x, (size_t)(colon - x)))
			return 0;
		x = strchr(colon, ' ');
	}
	return 1;
}

/* Loads group `name` into the session (GROUP/LISTGROUP); 1 ok, 0 no such
 * group (411 sent), -1 store error (403 sent). */
static int select_group(struct nntp_session *s, const char *name, struct store_group *g)
{
	char *err = NULL;
	int r = store_group_get(s->env->store, name, g, &err);
	if (r < 0)
		return store_failed(s, err);
	if (r == 0) {
		nntp_reply(s, 411, "No such newsgroup");
		return 0;
	}
	if (g->members_only && s->user == NULL) {
		store_group_clear(g);
		nntp_reply(s, 480, "Members only: log in (AUTHINFO USER) to read this group");
		return 0;
	}
	s->group_id = g->id;
	free(s->group_name);
	s->group_name = xstrdup(g->name);
	s->article = g->count > 0 ? g->low : 0;
	return 1;
}

enum pick { PICK_OK, PICK_SENT };

/* Resolves the ARTICLE/HEAD/BODY/STAT argument to a view. On PICK_SENT an
 * error reply has been sent. *by_id tells the caller not to move the
 * current article pointer. */
static enum pick pick_article(struct nntp_session *s, int argc, char **argv, struct store_view *v,
			      int *by_id)
{
	char *err = NULL;
	*by_id = 0;
	if (argc == 1 && argv[0][0] == '<') {
		if (!is_msgid(argv[0])) {
			nntp_reply(s, 501, "Syntax error in message-id");
			return PICK_SENT;
		}
		int r = store_view_by_msgid(s->env->store, argv[0], v, &err);
		if (r < 0)
			return store_failed(s, err), PICK_SENT;
		if (r == 0 || article_hidden(s, v->overview)) {
			nntp_reply(s, 430, "No article with that message-id");
			return PICK_SENT;
		}
		*by_id = 1;
		return PICK_OK;
	}
	int64_t n = 0;
	if (argc == 1) {
		int64_t hi;
		if (nntp_parse_range(argv[0], &n, &hi) != 0 || n != hi) {
			nntp_reply(s, 501, "Syntax error in article number");
			return PICK_SENT;
		}
	}
	if (s->group_id == 0) {
		nntp_reply(s, 412, "No newsgroup selected");
		return PICK_SENT;
	}
	if (argc == 0) {
		if (s->article == 0) {
			nntp_reply(s, 420, "Current article number is invalid");
			return PICK_SENT;
		}
		n = s->article;
	}
	int r = store_view_by_number(s->env->store, s->group_id, n, v, &err);
	if (r < 0)
		return store_failed(s, err), PICK_SENT;
	if (r == 0) {
		if (argc == 0)
			nntp_reply(s, 420, "Current article number is invalid");
		else
			nntp_reply(s, 423, "No article with that number");
		return PICK_SENT;
	}
	return PICK_OK;
}

enum part { PART_ARTICLE, PART_HEAD, PART_BODY, PART_STAT };

static int serve_article(struct nntp_session *s, int argc, char **argv, enum part part)
{
	static const int codes[] = {220, 221, 222, 223};
	struct store_view v;
	int by_id;
	if (pick_article(s, argc, argv, &v, &by_id) != PICK_OK)
		return 0;
	if (!by_id)
		s->article = v.number;
	nntp_reply(s, codes[part], "%lld %s", (long long)v.number, v.message_id);
	if (part == PART_STAT)
		return 0;
	/* header_len counts the empty line that ends the header */
	size_t hlen = v.header_len >= 2 ? v.header_len - 2 : 0;
	switch (part) {
	case PART_ARTICLE:
		evbuffer_add(s->out, v.wire, v.wire_len);
		break;
	case PART_HEAD:
		evbuffer_add(s->out, v.wire, hlen);
		break;
	case PART_BODY:
		if (v.wire_len > v.header_len)
			evbuffer_add(s->out, v.wire + v.header_len, v.wire_len - v.header_len);
		break;
	default:
		break;
	}
	nntp_end(s);
	return 0;
}

static int cmd_article(struct nntp_session *s, int argc, char **argv)
{
	return serve_article(s, argc, argv, PART_ARTICLE);
}

static int cmd_head(struct nntp_session *s, int argc, char **argv)
{
	return serve_article(s, argc, argv, PART_HEAD);
}

static int cmd_body(struct nntp_session *s, int argc, char **argv)
{
	return serve_article(s, argc, argv, PART_BODY);
}

static int cmd_stat(struct nntp_session *s, int argc, char **argv)
{
	return serve_article(s, argc, argv, PART_STAT);
}

/* --- session and server information --- */

static int cmd_capabilities(struct nntp_session *s, int argc, char **argv)
{
	nntp_reply(s, 101, "Capability list:");
	nntp_data(s, "VERSION 2", 9);
	nntp_dataf(s, "IMPLEMENTATION forumgate %s", "0.1");
	nntp_dataf(s, "READER");
	nntp_dataf(s, "HDR");
	nntp_dataf(s, "LIST ACTIVE ACTIVE.TIMES COUNTS DISTRIB.PATS HEADERS NEWSGROUPS "
		      "OVERVIEW.FMT SUBSCRIPTIONS");
	nntp_dataf(s, "NEWNEWS");
	nntp_dataf(s, "OVER MSGID");
	if (nntp_posting_possible(s))
		nntp_dataf(s, "POST");
	/* RFC 8054 §2.2.2: neither COMPRESS nor STARTTLS once compressing */
	if (!s->tls && s->env->tls_available && !s->compressed)
		nntp_dataf(s, "STARTTLS");
	if (!s->compressed)
		nntp_dataf(s, "COMPRESS DEFLATE");
	if (!s->user && can_auth(s))
		nntp_dataf(s, "AUTHINFO USER");
	nntp_end(s);
	return 0;
}

/* RFC 8054. The 206 leaves uncompressed; the server switches both
 * directions right after it (NNTP_EV_COMPRESS). Allowed before and after
 * AUTHINFO, over TLS or not: a reader on a slow link wants it for the
 * overviews it reads before any login. */
static int cmd_compress(struct nntp_session *s, int argc, char **argv)
{
	if (strcasecmp(argv[0], "DEFLATE") != 0) {
		nntp_reply(s, 503, "Compression algorithm not supported");
		return 0;
	}
	if (s->compressed) {
		nntp_reply(s, 502, "Compression already active");
		return 0;
	}
	nntp_reply(s, 206, "Compression active");
	s->compressed = 1;
	s->event = NNTP_EV_COMPRESS;
	return 0;
}

static int cmd_mode(struct nntp_session *s, int argc, char **argv)
{
	if (strcasecmp(argv[0], "READER") != 0) {
		nntp_reply(s, 501, "Unknown MODE variant");
		return 0;
	}
	char port[16];
	if (nntp_posting_possible(s))
		nntp_reply(s, 200, "Reader mode, posting allowed after login");
	else if (nntp_nntps_port(&s->env->cfg->nntp, port, sizeof port))
		nntp_reply(s, 201,
			   "Reader mode, no posting here: log in over NNTPS on port %s to post",
			   port);
	else
		nntp_reply(s, 201, "Reader mode, no posting");
	return 0;
}

static int cmd_quit(struct nntp_session *s, int argc, char **argv)
{
	nntp_reply(s, 205, "Bye");
	s->phase = PHASE_CLOSED;
	s->event = NNTP_EV_QUIT;
	return 0;
}

static int cmd_date(struct nntp_session *s, int argc, char **argv)
{
	time_t now = time(NULL);
	struct tm tm;
	char when[32];
	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y%m%d%H%M%S", &tm);
	nntp_reply(s, 111, "%s", when);
	return 0;
}

static int cmd_help(struct nntp_session *s, int argc, char **argv)
{
	nntp_reply(s, 100, "Help text follows");
	for (const struct nntp_command *c = nntp_commands; c->name; c++)
		nntp_dataf(s, "  %s", c->usage);
	nntp_end(s);
	return 0;
}

static int cmd_starttls(struct nntp_session *s, int argc, char **argv)
{
	if (s->tls) {
		nntp_reply(s, 502, "Already using TLS");
		return 0;
	}
	if (s->user) {
		nntp_reply(s, 502, "STARTTLS not allowed after login");
		return 0;
	}
	if (s->compressed) {
		/* RFC 8054 §2.2.2: TLS would sit above the compression layer */
		nntp_reply(s, 502, "STARTTLS not allowed after COMPRESS");
		return 0;
	}
	if (!s->env->tls_available) {
		nntp_reply(s, 580, "TLS is not configured here");
		return 0;
	}
	nntp_reply(s, 382, "Continue with TLS negotiation");
	s->event = NNTP_EV_STARTTLS;
	return 0;
}

/* --- groups --- */

static int cmd_group(struct nntp_session *s, int argc, char **argv)
{
	struct store_group g;
	if (select_group(s, argv[0], &g) != 1)
		return 0;
	nntp_reply(s, 211, "%lld %lld %lld %s", (long long)g.count, (long long)g.low,
		   (long long)g.high, g.name);
	store_group_clear(&g);
	return 0;
}

static int listgroup_line(void *arg, const struct store_view *v)
{
	struct nntp_session *s = arg;
	nntp_dataf(s, "%lld", (long long)v->number);
	return 0;
}

static int cmd_listgroup(struct nntp_session *s, int argc, char **argv)
{
	struct store_group g = {0};
	int64_t lo = 1, hi = INT64_MAX;
	if (argc == 2 && nntp_parse_range(argv[1], &lo, &hi) != 0) {
		nntp_reply(s, 501, "Syntax error in range");
		return 0;
	}
	if (argc >= 1) {
		if (select_group(s, argv[0], &g) != 1)
			return 0;
	} else {
		if (s->group_id == 0) {
			nntp_reply(s, 412, "No newsgroup selected");
			return 0;
		}
		if (select_group(s, s->group_name, &g) != 1)
			return 0;
	}
	nntp_reply(s, 211, "%lld %lld %lld %s list follows", (long long)g.count, (long long)g.low,
		   (long long)g.high, g.name);
	char *err = NULL;
	if (store_range(s->env->store, g.id, lo, hi, 0, listgroup_line, s, &err) < 0) {
		log_err("store: %s", err);
		free(err);
	}
	nntp_end(s);
	store_group_clear(&g);
	return 0;
}

static int move(struct nntp_session *s, int dir)
{
	if (s->group_id == 0) {
		nntp_reply(s, 412, "No newsgroup selected");
		return 0;
	}
	if (s->article == 0) {
		nntp_reply(s, 420, "Current article number is invalid");
		return 0;
	}
	int64_t n;
	char *err = NULL;
	int r = store_neighbor(s->env->store, s->group_id, s->article, dir, &n, &err);
	if (r < 0)
		return store_failed(s, err);
	if (r == 0) {
		if (dir > 0)
			nntp_reply(s, 421, "No next article in this group");
		else
			nntp_reply(s, 422, "No previous article in this group");
		return 0;
	}
	struct store_view v;
	r = store_view_by_number(s->env->store, s->group_id, n, &v, &err);
	if (r < 0)
		return store_failed(s, err);
	s->article = n;
	nntp_reply(s, 223, "%lld %s", (long long)n, r ? v.message_id : "<>");
	return 0;
}

static int cmd_next(struct nntp_session *s, int argc, char **argv)
{
	return move(s, 1);
}

static int cmd_last(struct nntp_session *s, int argc, char **argv)
{
	return move(s, -1);
}

/* --- LIST --- */

static int load_groups(struct nntp_session *s, struct store_group **g, size_t *n)
{
	char *err = NULL;
	if (store_group_list(s->env->store, g, n, &err) != 0)
		return store_failed(s, err);
	return 0;
}

static const char *const overview_fmt[] = {
	"Subject:", "From:", "Date:", "Message-ID:", "References:", ":bytes", ":lines", "Xref:full",
};

static int cmd_list(struct nntp_session *s, int argc, char **argv)
{
	const char *kw = argc >= 1 ? argv[0] : "ACTIVE";
	const char *pat = argc >= 2 ? argv[1] : NULL;
	enum { L_ACTIVE, L_TIMES, L_COUNTS, L_NEWSGROUPS } kind;
	if (strcasecmp(kw, "ACTIVE") == 0) {
		kind = L_ACTIVE;
	} else if (strcasecmp(kw, "ACTIVE.TIMES") == 0) {
		kind = L_TIMES;
	} else if (strcasecmp(kw, "COUNTS") == 0) {
		kind = L_COUNTS;
	} else if (strcasecmp(kw, "NEWSGROUPS") == 0) {
		kind = L_NEWSGROUPS;
	} else if (strcasecmp(kw, "OVERVIEW.FMT") == 0) {
		if (argc > 1) {
			nntp_reply(s, 501, "LIST OVERVIEW.FMT takes no argument");
			return 0;
		}
		nntp_reply(s, 215, "Order of fields in overview database");
		for (size_t i = 0; i < sizeof overview_fmt / sizeof overview_fmt[0]; i++)
			nntp_dataf(s, "%s", overview_fmt[i]);
		nntp_end(s);
		return 0;
	} else if (strcasecmp(kw, "HEADERS") == 0) {
		if (pat && strcasecmp(pat, "MSGID") != 0 && strcasecmp(pat, "RANGE") != 0) {
			nntp_reply(s, 501, "LIST HEADERS [MSGID|RANGE]");
			return 0;
		}
		nntp_reply(s, 215, "Headers and metadata items supported");
		nntp_dataf(s, ":");
		nntp_dataf(s, ":bytes");
		nntp_dataf(s, ":lines");
		nntp_end(s);
		return 0;
	} else if (strcasecmp(kw, "SUBSCRIPTIONS") == 0) {
		/* the default subscription list: every group of the forums */
		kind = L_NEWSGROUPS;
		struct store_group *g;
		size_t n;
		if (load_groups(s, &g, &n) != 0)
			return 0;
		nntp_reply(s, 215, "Recommended subscriptions follow");
		for (size_t i = 0; i < n; i++)
			if ((pat == NULL || nntp_wildmat(pat, g[i].name)) &&
			    !(g[i].members_only && s->user == NULL))
				nntp_dataf(s, "%s", g[i].name);
		nntp_end(s);
		store_groups_free(g, n);
		return 0;
	} else if (strcasecmp(kw, "DISTRIB.PATS") == 0) {
		nntp_reply(s, 215, "Distribution patterns follow");
		nntp_end(s);
		return 0;
	} else {
		nntp_reply(s, 501, "Unknown LIST keyword");
		return 0;
	}
	struct store_group *g;
	size_t n;
	if (load_groups(s, &g, &n) != 0)
		return 0;
	nntp_reply(s, 215, "Information follows");
	for (size_t i = 0; i < n; i++) {
		const struct store_group *x = &g[i];
		if ((pat && !nntp_wildmat(pat, x->name)) || (x->members_only && s->user == NULL))
			continue;
		switch (kind) {
		case L_ACTIVE:
			nntp_dataf(s, "%s %lld %lld %c", x->name, (long long)x->high,
				   (long long)x->low, x->posting);
			break;
		case L_TIMES:
			nntp_dataf(s, "%s %lld forumgate", x->name, (long long)x->created);
			break;
		case L_COUNTS:
			nntp_dataf(s, "%s %lld %lld %lld %c", x->name, (long long)x->high,
				   (long long)x->low, (long long)x->count, x->posting);
			break;
		case L_NEWSGROUPS:
			nntp_dataf(s, "%s\t%s", x->name, x->description ? x->description : "");
			break;
		}
	}
	nntp_end(s);
	store_groups_free(g, n);
	return 0;
}

static int parse_when(struct nntp_session *s, char **argv, int argc, int64_t *t)
{
	if (argc == 3 && strcasecmp(argv[2], "GMT") != 0) {
		nntp_reply(s, 501, "Expected GMT");
		return -1;
	}
	if (nntp_parse_datetime(argv[0], argv[1], (int64_t)time(NULL), t) != 0) {
		nntp_reply(s, 501, "Syntax error in date or time");
		return -1;
	}
	return 0;
}

static int cmd_newgroups(struct nntp_session *s, int argc, char **argv)
{
	int64_t since;
	if (parse_when(s, argv, argc, &since) != 0)
		return 0;
	struct store_group *g;
	size_t n;
	if (load_groups(s, &g, &n) != 0)
		return 0;
	nntp_reply(s, 231, "List of new newsgroups follows");
	for (size_t i = 0; i < n; i++)
		if (g[i].created >= since && !(g[i].members_only && s->user == NULL))
			nntp_dataf(s, "%s %lld %lld %c", g[i].name, (long long)g[i].high,
				   (long long)g[i].low, g[i].posting);
	nntp_end(s);
	store_groups_free(g, n);
	return 0;
}

struct newnews {
	struct nntp_session *s;
	const char *pat;
	char *last; /* an article listed in several groups is sent once */
};

static int newnews_line(void *arg, const char *msgid, const char *group)
{
	struct newnews *nn = arg;
	if (!nntp_wildmat(nn->pat, group) || nntp_group_hidden(nn->s, group, strlen(group)))
		return 0;
	if (nn->last && strcmp(nn->last, msgid) == 0)
		return 0;
	free(nn->last);
	nn->last = xstrdup(msgid);
	nntp_dataf(nn->s, "%s", msgid);
	return 0;
}

static int cmd_newnews(struct nntp_session *s, int argc, char **argv)
{
	int64_t since;
	if (parse_when(s, argv + 1, argc - 1, &since) != 0)
		return 0;
	struct newnews nn = {s, argv[0], NULL};
	nntp_reply(s, 230, "List of new articles follows");
	char *err = NULL;
	if (store_newnews(s->env->store, since, newnews_line, &nn, &err) < 0) {
		log_err("store: %s", err);
		free(err);
	}
	free(nn.last);
	nntp_end(s);
	return 0;
}

/* --- OVER, HDR, XHDR, XPAT --- */

/* The range argument of OVER/HDR: none = current article, a range, or a
 * message-id (*msgid set). 0 ok, -1 reply sent. */
static int over_target(struct nntp_session *s, const char *arg, int64_t *lo, int64_t *hi,
		       const char **msgid)
{
	*msgid = NULL;
	if (arg && arg[0] == '<') {
		if (!is_msgid(arg)) {
			nntp_reply(s, 501, "Syntax error in message-id");
			return -1;
		}
		*msgid = arg;
		return 0;
	}
	if (arg && nntp_parse_range(arg, lo, hi) != 0) {
		nntp_reply(s, 501, "Syntax error in range");
		return -1;
	}
	if (s->group_id == 0) {
		nntp_reply(s, 412, "No newsgroup selected");
		return -1;
	}
	if (arg == NULL) {
		if (s->article == 0) {
			nntp_reply(s, 420, "Current article number is invalid");
			return -1;
		}
		*lo = *hi = s->article;
	}
	return 0;
}

struct over_walk {
	struct nntp_session *s;
	int started;
	int code;
	const char *text;
	/* HDR */
	const char *field;
	int ofield; /* overview field index, -1 = read the header */
	const char *const *pats;
	int npats;
	/* OVER: lines waiting to be added to the output */
	struct buf lines;
};

static void walk_start(struct over_walk *w)
{
	if (!w->started) {
		nntp_reply(w->s, w->code, "%s", w->text);
		w->started = 1;
	}
}

/* Moves the overview lines gathered so far to the session's output. */
static void over_flush(struct over_walk *w)
{
	if (w->lines.len > 0)
		evbuffer_add(w->s->out, w->lines.p, w->lines.len);
	buf_reset(&w->lines);
}

static int over_line(void *arg, const struct store_view *v)
{
	struct over_walk *w = arg;
	walk_start(w);
	/* the hot path of OVER: no printf, one evbuffer_add per 32 KiB; a line
	 * starting with a digit needs no dot-stuffing */
	char num[24];
	size_t k = sizeof num;
	uint64_t n = (uint64_t)v->number;
	num[--k] = '\t';
	do {
		num[--k] = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0);
	buf_add(&w->lines, num + k, sizeof num - k);
	buf_adds(&w->lines, v->overview);
	buf_add(&w->lines, "\r\n", 2);
	if (w->lines.len >= 32 * 1024)
		over_flush(w);
	return 0;
}

static int cmd_over(struct nntp_session *s, int argc, char **argv)
{
	int64_t lo, hi;
	const char *msgid;
	if (over_target(s, argc ? argv[0] : NULL, &lo, &hi, &msgid) != 0)
		return 0;
	char *err = NULL;
	if (msgid) {
		struct store_view v;
		int r = store_view_by_msgid(s->env->store, msgid, &v, &err);
		if (r < 0)
			return store_failed(s, err);
		if (r == 0 || article_hidden(s, v.overview)) {
			nntp_reply(s, 430, "No article with that message-id");
			return 0;
		}
		nntp_reply(s, 224, "Overview information follows");
		nntp_dataf(s, "0\t%s", v.overview);
		nntp_end(s);
		return 0;
	}
	struct over_walk w = {
		.s = s, .code = 224, .text = "Overview information follows", .lines = BUF_INIT};
	int r = lo <= hi ? store_range(s->env->store, s->group_id, lo, hi, 0, over_line, &w, &err)
			 : 0;
	over_flush(&w);
	buf_free(&w.lines);
	if (r < 0)
		return store_failed(s, err);
	if (!w.started) {
		nntp_reply(s, 423, "No articles in that range");
		return 0;
	}
	nntp_end(s);
	return 0;
}

/* Overview field index of a header name, or -1. */
static int overview_field(const char *name)
{
	static const char *const names[] = {"Subject",    "From",   "Date",   "Message-ID",
					    "References", ":bytes", ":lines", "Xref"};
	for (int i = 0; i < 8; i++)
		if (strcasecmp(name, names[i]) == 0)
			return i;
	if (strcasecmp(name, "Bytes") == 0)
		return 5;
	if (strcasecmp(name, "Lines") == 0)
		return 6;
	return -1;
}

/* Copies overview field i of line into b (Xref without its "Xref: "). */
static void overview_get(const char *line, int i, struct buf *b)
{
	const char *p = line;
	for (int k = 0; k < i && p; k++) {
		p = strchr(p, '\t');
		if (p)
			p++;
	}
	if (p == NULL)
		return;
	const char *e = strchr(p, '\t');
	size_t n = e ? (size_t)(e - p) : strlen(p);
	if (i == 7 && n >= 6 && strncasecmp(p, "Xref: ", 6) == 0) {
		p += 6;
		n -= 6;
	}
	buf_add(b, p, n);
}

/* Copies header `name` of a wire header block into b, unfolded, TAB → space.
 * Returns 1 when the header exists. */
static int header_get(const char *wire, size_t hlen, const char *name, struct buf *b)
{
	size_t nl = strlen(name);
	const char *p = wire, *end = wire + hlen;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			break;
		if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			for (;;) {
				const char *ve = eol;
				if (ve > v && ve[-1] == '\r')
					ve--;
				for (const char *c = v; c < ve; c++)
					buf_addc(b, *c == '\t' ? ' ' : *c);
				if (eol + 1 < end && (eol[1] == ' ' || eol[1] == '\t')) {
					v = eol + 1;
					eol = memchr(v, '\n', (size_t)(end - v));
					if (eol == NULL)
						break;
					continue;
				}
				break;
			}
			return 1;
		}
		p = eol + 1;
	}
	return 0;
}

static void hdr_value(const struct over_walk *w, const struct store_view *v, struct buf *b)
{
	if (w->ofield >= 0)
		overview_get(v->overview, w->ofield, b);
	else if (v->wire)
		header_get(v->wire, v->header_len, w->field, b);
}

static int hdr_line(void *arg, const struct store_view *v)
{
	struct over_walk *w = arg;
	struct buf b = BUF_INIT;
	hdr_value(w, v, &b);
	int show = 1;
	if (w->npats) {
		show = 0;
		for (int i = 0; i < w->npats && !show; i++)
			show = nntp_wildmat(w->pats[i], buf_str(&b));
	}
	if (show) {
		walk_start(w);
		nntp_dataf(w->s, "%lld %s", (long long)v->number, buf_str(&b));
	}
	buf_free(&b);
	return 0;
}

static int hdr_common(struct nntp_session *s, const char *field, const char *arg, int code,
		      const char *const *pats, int npats)
{
	int64_t lo, hi;
	const char *msgid;
	if (over_target(s, arg, &lo, &hi, &msgid) != 0)
		return 0;
	struct over_walk w = {.s = s,
			      .code = code,
			      .text = "Headers follow",
			      .field = field,
			      .ofield = overview_field(field),
			      .pats = pats,
			      .npats = npats};
	char *err = NULL;
	if (msgid) {
		struct store_view v;
		int r = store_view_by_msgid(s->env->store, msgid, &v, &err);
		if (r < 0)
			return store_failed(s, err);
		if (r == 0 || article_hidden(s, v.overview)) {
			nntp_reply(s, 430, "No article with that message-id");
			return 0;
		}
		walk_start(&w);
		struct store_view v0 = v;
		v0.number = 0;
		/* RFC 3977 §8.5.2: by message-id the number is 0 */
		hdr_line(&w, &v0);
		nntp_end(s);
		return 0;
	}
	if (lo <= hi &&
	    store_range(s->env->store, s->group_id, lo, hi, w.ofield < 0, hdr_line, &w, &err) < 0)
		return store_failed(s, err);
	if (!w.started) {
		if (npats) {
			walk_start(&w); /* XPAT: an empty match list is not an error */
		} else {
			nntp_reply(s, 423, "No articles in that range");
			return 0;
		}
	}
	nntp_end(s);
	return 0;
}

static int cmd_hdr(struct nntp_session *s, int argc, char **argv)
{
	return hdr_common(s, argv[0], argc > 1 ? argv[1] : NULL, 225, NULL, 0);
}

static int cmd_xhdr(struct nntp_session *s, int argc, char **argv)
{
	return hdr_common(s, argv[0], argc > 1 ? argv[1] : NULL, 221, NULL, 0);
}

static int cmd_xpat(struct nntp_session *s, int argc, char **argv)
{
	return hdr_common(s, argv[0], argv[1], 221, (const char *const *)argv + 2, argc - 2);
}

/* --- AUTHINFO --- */

/* 483 with the way to a login that works: Thunderbird has no STARTTLS for
 * news, so its users need the NNTPS port named. */
static void refuse_plaintext(struct nntp_session *s)
{
	char port[16];
	int nntps = nntp_nntps_port(&s->env->cfg->nntp, port, sizeof port);
	if (s->env->tls_available && nntps)
		nntp_reply(s, 483, "Encryption required: use STARTTLS or NNTPS on port %s first",
			   port);
	else if (s->env->tls_available)
		nntp_reply(s, 483, "Encryption required: use STARTTLS first");
	else if (nntps)
		nntp_reply(s, 483, "Encryption required: use NNTPS on port %s first", port);
	else
		nntp_reply(s, 483,
			   "Encryption required: this server has no TLS listener for logins");
}

static int cmd_authinfo(struct nntp_session *s, int argc, char **argv)
{
	if (s->user) {
		nntp_reply(s, 502, "Already authenticated");
		return 0;
	}
	if (!can_auth(s)) {
		refuse_plaintext(s);
		return 0;
	}
	if (strcasecmp(argv[0], "USER") == 0) {
		free(s->auth_user);
		s->auth_user = xstrdup(argv[1]);
		nntp_reply(s, 381, "Password required");
		return 0;
	}
	if (strcasecmp(argv[0], "PASS") != 0) {
		nntp_reply(s, 501, "AUTHINFO USER or PASS");
		return 0;
	}
	if (s->auth_user == NULL) {
		nntp_reply(s, 482, "Authentication commands issued out of sequence");
		return 0;
	}
	char *user = s->auth_user;
	s->auth_user = NULL;
	if (password_limit_exceeded(s->env->peer)) {
		log_warn("authinfo: too many failures from %s", s->env->peer);
		nntp_reply(s, 481, "Too many failed attempts, try again later");
		free(user);
		return 0;
	}
	/* checked before the password, so a guess during the lockout costs no
	 * scrypt and tells nothing; unknown names lock alike */
	if (password_account_locked(user)) {
		password_note_failure(s->env->peer);
		log_warn("authinfo: %s is locked after failed logins (attempt from %s)", user,
			 s->env->peer);
		nntp_reply(s, 481, "Too many failed attempts for this account, try again later");
		free(user);
		return 0;
	}
	char *hash = NULL, *err = NULL;
	int r = store_user_password(s->env->store, user, &hash, &err);
	if (r < 0) {
		free(user);
		return store_failed(s, err);
	}
	/* verify against a dummy hash for unknown users: same cost, no oracle */
	int ok = password_verify(argv[1], r == 1 ? hash : NULL);
	free(hash);
	if (!ok || r == 0) {
		password_note_failure(s->env->peer);
		password_account_failure(user, s->env->cfg->nntp.account_lockout);
		log_info("authinfo: failed login for %s from %s", user, s->env->peer);
		nntp_reply(s, 481, "Authentication failed");
		free(user);
		return 0;
	}
	password_account_success(user);
	s->user = user;
	log_info("authinfo: %s logged in from %s", user, s->env->peer);
	nntp_reply(s, 281, "Authentication accepted");
	return 0;
}

/* --- POST --- */

static int cmd_post(struct nntp_session *s, int argc, char **argv)
{
	if (s->user == NULL) {
		nntp_reply(s, 480, "Login required for posting (AUTHINFO USER)");
		return 0;
	}
	nntp_reply(s, 340, "Send article to be posted, end with <CR-LF>.<CR-LF>");
	s->phase = PHASE_POST;
	buf_reset(&s->post);
	s->post_too_big = 0;
	return 0;
}
