/*
 * forumgate: subcommand dispatch only. Each subcommand loads the config
 * (with -o overrides) and hands over to its module.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sysexits.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "forumgate/archive.h"
#include "forumgate/buf.h"
#include "forumgate/config.h"
#include "forumgate/httpd.h"
#include "forumgate/imap.h"
#include "forumgate/intake.h"
#include "forumgate/listd.h"
#include "forumgate/lmtp.h"
#include "forumgate/log.h"
#include "forumgate/mail.h"
#include "forumgate/metrics.h"
#include "forumgate/nntp.h"
#include "forumgate/outbox.h"
#include "forumgate/password.h"
#include "forumgate/priv.h"
#include "forumgate/replykey.h"
#include "forumgate/sandbox.h"
#include "forumgate/status.h"
#include "forumgate/store.h"
#include "forumgate/supervisor.h"
#include "forumgate/sync.h"
#include "forumgate/tzfile.h"

#define FORUMGATE_VERSION "0.1"

struct opts {
	const char *config;
	int config_default; /* neither -c nor $FORUMGATE_CONFIG */
	char **overrides;
	size_t noverrides;
	const char *forum, *group;
	const char *password, *password_file;
	const char *recipient, *sender, *user, *post;
	const char *log; /* --log auto|stderr|journal|syslog */
	int message, elided;
	char **addresses;
	size_t naddresses;
	int once;
	const char *digest, *timezone;
	int html, text, bounces, own_copies;
	int force, all_failed;
	int json;
	const char *state;
	const char *role; /* sandbox-check --role */
	char **args;
	size_t nargs;
};

static void usage(FILE *f)
{
	fputs("usage: forumgate [-c FILE] [-o KEY=VALUE]... COMMAND [ARGS]\n"
	      "\n"
	      "commands:\n"
	      "  check-config          validate the configuration and print it\n"
	      "  import PATH... [--forum NAME]\n"
	      "                        import spool files or folders into the store\n"
	      "  export [--group NAME] write stored articles as mboxrd on stdout\n"
	      "  sync [--once [--forum NAME]]\n"
	      "                        run the sync role (one pass with --once; of one\n"
	      "                        forum with --forum, showing its progress)\n"
	      "  serve                 run all roles under a supervisor\n"
	      "  nntpd                 run the NNTP server alone\n"
	      "  mailin                run the LMTP server (and the Maildir intake) alone\n"
	      "  imapin                take replies from the IMAP mailbox (mail.imap) alone\n"
	      "  httpd                 run the HTTP listener (http.listen: webhooks) alone\n"
	      "  listd                 deliver new articles to list subscribers alone\n"
	      "  outbox [--once]       post queued replies to the forums\n"
	      "  outbox list [--state S]\n"
	      "                        list the replies of the outbox (id, state, forum,\n"
	      "                        Message-ID, attempts, last error, age)\n"
	      "  outbox retry ID|--all-failed\n"
	      "                        queue failed replies for an attempt now\n"
	      "  outbox drop ID        give a reply up (kept, marked dropped)\n"
	      "  backup FILE [--force] write a consistent copy of the store to FILE,\n"
	      "                        also while the gateway runs\n"
	      "  restore FILE          replace the store with a backup (gateway stopped)\n"
	      "  store check           check the store's integrity and invariants\n"
	      "  status [--json]       the running gateway on one screen: roles, forums,\n"
	      "                        queues; exit 0 healthy, 1 a problem, 3 not running\n"
	      "  ingest [--recipient ADDR] [--sender ADDR]\n"
	      "                        deliver one message from stdin (MTA pipe transport)\n"
	      "  trim [--message] [--elided]\n"
	      "                        print the text that would be posted from stdin\n"
	      "                        (--elided: what trimming removes)\n"
	      "  replykey --user NAME --post MESSAGE-ID\n"
	      "                        print the reply address bound to a user and a post\n"
	      "  user add NAME [--address ADDR]... [--password-file F]\n"
	      "  user list | del NAME | passwd NAME [--password-file F]\n"
	      "  user addr NAME add|del ADDR\n"
	      "                        manage the users who may log in and post; the\n"
	      "                        password is asked on the terminal (no echo), or\n"
	      "                        read as one line from stdin or --password-file\n"
	      "  subscribe ADDRESS GROUP [--digest daily|weekly] [--html|--text] [--own-copies]\n"
	      "            [--timezone ZONE]\n"
	      "                        subscribe an address to a group's posts by mail\n"
	      "  unsubscribe ADDRESS GROUP\n"
	      "  subscribers [GROUP] [--bounces]\n"
	      "                        list subscriptions with modes and states (with\n"
	      "                        --bounces: each address's bounce score)\n"
	      "  sandbox-check [--role nntpd|mailin|httpd]\n"
	      "                        confine a process as the role is confined\n"
	      "                        (gateway.sandbox) and show what it may not do\n"
	      "  version, --version    print the version\n"
	      "\n"
	      "  -c FILE   configuration (default: $FORUMGATE_CONFIG or /etc/forumgate/forumgate.yaml)\n"
	      "  -o K=V    override a configuration option, e.g. -o gateway.store=/tmp/fg.db\n"
	      "  --log W   where log lines go: stderr, journal, syslog or auto (default:\n"
	      "            $FORUMGATE_LOG, else stderr on a terminal, the journal under\n"
	      "            systemd, syslog otherwise)\n",
	      f);
}

static int parse_args(int argc, char **argv, const char **cmd, struct opts *o)
{
	*cmd = NULL;
	o->config = getenv("FORUMGATE_CONFIG");
	if (o->config == NULL || *o->config == '\0') {
		o->config = "/etc/forumgate/forumgate.yaml";
		o->config_default = 1;
	}
	o->overrides = xcalloc((size_t)argc, sizeof *o->overrides);
	o->args = xcalloc((size_t)argc, sizeof *o->args);
	o->addresses = xcalloc((size_t)argc, sizeof *o->addresses);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **target = NULL;
		if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0)
			target = &o->config, o->config_default = 0;
		else if (strcmp(a, "--forum") == 0)
			target = &o->forum;
		else if (strcmp(a, "--group") == 0)
			target = &o->group;
		else if (strcmp(a, "--password") == 0)
			target = &o->password;
		else if (strcmp(a, "--password-file") == 0)
			target = &o->password_file;
		else if (strcmp(a, "--recipient") == 0)
			target = &o->recipient;
		else if (strcmp(a, "--sender") == 0)
			target = &o->sender;
		else if (strcmp(a, "--user") == 0)
			target = &o->user;
		else if (strcmp(a, "--post") == 0)
			target = &o->post;
		else if (strcmp(a, "--log") == 0)
			target = &o->log;
		else if (strcmp(a, "--digest") == 0)
			target = &o->digest;
		else if (strcmp(a, "--timezone") == 0)
			target = &o->timezone;
		else if (strcmp(a, "--state") == 0)
			target = &o->state;
		else if (strcmp(a, "--role") == 0)
			target = &o->role;
		if (strcmp(a, "--address") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "forumgate: %s needs a value\n", a);
				return -1;
			}
			o->addresses[o->naddresses++] = argv[++i];
			continue;
		}
		if (target || strcmp(a, "-o") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "forumgate: %s needs a value\n", a);
				return -1;
			}
			if (target)
				*target = argv[++i];
			else
				o->overrides[o->noverrides++] = argv[++i];
		} else if (strncmp(a, "-o", 2) == 0 && a[2]) {
			o->overrides[o->noverrides++] = (char *)a + 2;
		} else if (strcmp(a, "--once") == 0) {
			o->once = 1;
		} else if (strcmp(a, "--message") == 0) {
			o->message = 1;
		} else if (strcmp(a, "--elided") == 0) {
			o->elided = 1;
		} else if (strcmp(a, "--html") == 0) {
			o->html = 1;
		} else if (strcmp(a, "--text") == 0) {
			o->text = 1;
		} else if (strcmp(a, "--bounces") == 0) {
			o->bounces = 1;
		} else if (strcmp(a, "--own-copies") == 0) {
			o->own_copies = 1;
		} else if (strcmp(a, "--force") == 0) {
			o->force = 1;
		} else if (strcmp(a, "--all-failed") == 0) {
			o->all_failed = 1;
		} else if (strcmp(a, "--json") == 0) {
			o->json = 1;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			*cmd = "help";
		} else if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
			*cmd = "version";
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "forumgate: unknown option %s\n", a);
			return -1;
		} else if (*cmd == NULL) {
			*cmd = a;
		} else {
			o->args[o->nargs++] = argv[i];
		}
	}
	return 0;
}

/* "1 thread", "2 threads": n and the word for it. */
static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* cfg_load_flags, saying where a configuration could be named when there
 * is none at the default place. NULL after printing the error. */
static struct cfg *read_config(const struct opts *o, unsigned flags)
{
	struct cfg *c = NULL;
	char *err = NULL;
	if (o->config_default && access(o->config, F_OK) != 0) {
		fprintf(stderr,
			"forumgate: no configuration at %s: name one with -c FILE (or "
			"$FORUMGATE_CONFIG); config/forumgate.yaml documents every option\n",
			o->config);
		return NULL;
	}
	if (cfg_load_flags(o->config, o->overrides, o->noverrides, flags, &c, &err) != 0) {
		fprintf(stderr, "%s\n", err);
		free(err);
		return NULL;
	}
	return c;
}

static struct cfg *load_config_flags(const struct opts *o, unsigned flags)
{
	struct cfg *c = read_config(o, flags);
	char *err = NULL;
	if (c == NULL)
		return NULL;
	enum log_level lvl;
	if (log_level_parse(c->gateway.log_level, &lvl) == 0)
		log_set_level(lvl);
	/* who the roles will run as, before anything creates a file */
	if (priv_init(c, &err) != 0) {
		fprintf(stderr, "forumgate: %s\n", err);
		free(err);
		cfg_free(c);
		return NULL;
	}
	return c;
}

static struct cfg *load_config(const struct opts *o)
{
	return load_config_flags(o, 0);
}

/* 1 when the store does not exist: only import, serve and sync create one
 * (a mistyped gateway.store must not become a new empty store). */
static int store_missing(const struct cfg *c)
{
	struct stat sb;
	return stat(c->gateway.store, &sb) != 0 && errno == ENOENT;
}

static int refuse_missing_store(const struct cfg *c)
{
	fprintf(stderr, "forumgate: no store at %s (run `forumgate import` or `serve` first)\n",
		c->gateway.store);
	return EX_NOINPUT;
}

/* Set once this process holds what it needs to run (priv_on_drop): a role
 * that fails before that could not start (EX_UNAVAILABLE), one that fails
 * after broke (EX_SOFTWARE). */
static int role_started;

/* A one-shot run (sync --once, outbox --once) is not a role that runs:
 * it keeps no heartbeat and `status` does not list it */
static int one_shot;

static void note_started(void)
{
	role_started = 1;
	if (!one_shot)
		metrics_start(); /* a role prepared by role_start: its heartbeat */
}

/* The start of a role run alone: the refusal of root for a network role,
 * the store locks of a role that must run once per store, and for a role
 * that binds nothing the drop to gateway.user. 0, or an exit status. */
static int role_start(const struct cfg *c, const char *role)
{
	const struct supervisor_role *r = supervisor_role_find(role);
	char *err = NULL;
	int rc = 0;
	metrics_prepare(c, role, 0);
	if (priv_check_root(c, role, r->network, &err) != 0)
		rc = EX_NOPERM;
	else if (strcmp(role, "sync") != 0 && store_missing(c))
		return refuse_missing_store(c);
	else if (supervisor_lock(c, role, &err) != 0)
		rc = EX_UNAVAILABLE;
	else if (!r->binds && priv_drop(c, role, r->network, &err) != 0)
		rc = EX_NOPERM;
	if (rc)
		fprintf(stderr, "forumgate: %s\n", err);
	free(err);
	return rc;
}

/* mkdir of one folder; a new one belongs to gateway.user (priv.h), who
 * must create the store's -wal and -shm in it. */
static int make_dir(const char *dir)
{
	if (mkdir(dir, 0755) != 0)
		return errno == EEXIST ? 0 : -1;
	unsigned uid, gid;
	priv_user_ids(&uid, &gid);
	if (priv_has_user() && chown(dir, uid, gid) != 0)
		return -1;
	return 0;
}

/* Creates the folder that will hold the store file, like mkdir -p. */
static int ensure_parent_dir(const char *path)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	int rc = 0;
	if (slash && slash != dir) {
		*slash = '\0';
		for (char *p = dir + 1; *p; p++) {
			if (*p != '/')
				continue;
			*p = '\0';
			if (make_dir(dir) != 0)
				rc = -1;
			*p = '/';
		}
		if (make_dir(dir) != 0)
			rc = -1;
	}
	free(dir);
	return rc;
}

/* Opens the store; only STORE_CREATE (import, serve, sync) creates it,
 * and says so. NULL after printing why (see open_store_status). */
static struct store *open_store(const struct cfg *c, enum store_mode mode)
{
	struct store *st = NULL;
	char *err = NULL;
	int fresh = mode == STORE_CREATE && store_missing(c);
	if (fresh)
		ensure_parent_dir(c->gateway.store);
	if (store_open(c->gateway.store, mode, &st, &err) != 0) {
		fprintf(stderr, "forumgate: %s\n", err);
		free(err);
		return NULL;
	}
	if (fresh)
		fprintf(stderr, "forumgate: created new store at %s\n", c->gateway.store);
	return st;
}

/* The exit status after open_store failed. */
static int open_store_status(const struct cfg *c)
{
	return store_missing(c) ? EX_NOINPUT : EX_SOFTWARE;
}

static int cmd_check_config(const struct opts *o)
{
	/* validation only: gateway.user is looked up where it is used; the
	 * files named are checked as this user reads them */
	struct cfg *c = read_config(o, CFG_CHECK_FILES);
	if (c == NULL)
		return EX_CONFIG;
	cfg_print(c, stdout);
	cfg_free(c);
	return 0;
}

static const struct cfg_forum *pick_forum(const struct cfg *c, const char *name)
{
	if (name) {
		const struct cfg_forum *f = cfg_forum_find(c, name);
		if (f == NULL)
			fprintf(stderr, "forumgate: no forum named %s in %s (--forum)\n", name,
				c->file);
		return f;
	}
	for (size_t i = 0; i < c->nforums; i++)
		if (strcmp(c->forums[i].type, "spool") == 0)
			return &c->forums[i];
	fprintf(stderr, "forumgate: %s has no spool forum to import into (use --forum)\n", c->file);
	return NULL;
}

/* A file that is not a spool file (.json/.html/.txt) but starts like an
 * mbox, an rnews batch or an article. */
static int is_archive(const char *path)
{
	struct stat sb;
	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
		return 0;
	const char *dot = strrchr(path, '.');
	if (dot && (strcasecmp(dot, ".json") == 0 || strcasecmp(dot, ".html") == 0 ||
		    strcasecmp(dot, ".htm") == 0 || strcasecmp(dot, ".txt") == 0))
		return 0;
	char head[512];
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return 0;
	size_t n = fread(head, 1, sizeof head, f);
	fclose(f);
	return archive_sniff(head, n) != ARCHIVE_NONE;
}

/* ---- import progress: a line on a terminal, redrawn twice a second ---- */

/* Read by the SIGALRM handler while the import writes them: a count that is
 * one post behind is all that can go wrong, and costs the import nothing. */
static const struct sync_stats *progress_s;
static const struct archive_stats *progress_as;
static volatile sig_atomic_t progress_ticks, progress_shown;

/* Appends the decimal digits of v to p (async-signal-safe). */
static char *put_num(char *p, size_t v)
{
	char d[24];
	int n = 0;
	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		*p++ = d[--n];
	return p;
}

static char *put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

static void on_progress(int sig)
{
	const struct sync_stats *s = progress_s;
	size_t posts = s->posts_new + s->posts_edited + s->posts_deleted + s->posts_unchanged +
		       progress_as->articles + progress_as->duplicates;
	size_t ticks = (size_t)++progress_ticks;
	char line[160], *p = line;
	p = put_str(p, "\rforumgate: importing: ");
	p = put_num(p, s->threads);
	p = put_str(p, s->threads == 1 ? " thread, " : " threads, ");
	p = put_num(p, posts);
	p = put_str(p, posts == 1 ? " post (" : " posts (");
	p = put_num(p, posts * 2 / ticks);
	p = put_str(p, "/s)\033[K");
	if (write(STDERR_FILENO, line, (size_t)(p - line)) > 0)
		progress_shown = 1;
}

/* Shows the progress of an import on stderr when it is a terminal. */
static void progress_start(const struct sync_stats *s, const struct archive_stats *as)
{
	if (!isatty(STDERR_FILENO))
		return;
	progress_s = s;
	progress_as = as;
	struct sigaction sa = {.sa_handler = on_progress, .sa_flags = SA_RESTART};
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {.it_interval = {0, 500000}, .it_value = {0, 500000}};
	setitimer(ITIMER_REAL, &it, NULL);
}

static void progress_stop(void)
{
	if (progress_s == NULL)
		return;
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, NULL);
	signal(SIGALRM, SIG_IGN);
	progress_s = NULL;
	if (progress_shown)
		fputs("\r\033[K", stderr);
}

/* Imports every path of the command line into st; 0, or EX_DATAERR after
 * the first path that failed (the paths before it stay imported). */
static int import_paths(struct store *st, const struct cfg *c, const struct cfg_forum *f,
			const struct opts *o, struct sync_stats *s, struct archive_stats *as)
{
	progress_start(s, as);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < o->nargs; i++) {
		char *err = NULL;
		int failed = is_archive(o->args[i])
				     ? archive_import_file(st, c, o->args[i], as, &err) != 0
				     : sync_forum(st, c, f, o->args[i], 0, s, &err) != 0;
		if (failed) {
			progress_stop();
			fprintf(stderr, "forumgate: import %s: %s\n", o->args[i], err);
			free(err);
			rc = EX_DATAERR;
		}
	}
	progress_stop();
	return rc;
}

/* Nothing was imported but something was skipped: every file failed. */
static int import_failed(const struct sync_stats *s, const struct archive_stats *as)
{
	return s->threads == 0 && as->articles == 0 && as->duplicates == 0 &&
	       (s->warnings || as->skipped);
}

static void import_report(const struct sync_stats *s, const struct archive_stats *as)
{
	if (s->threads || s->warnings || !(as->articles || as->duplicates || as->skipped))
		fprintf(stderr,
			"forumgate: imported %zu %s: %zu new, %zu edited, %zu deleted, "
			"%zu unchanged posts, %zu %s skipped\n",
			s->threads, plural(s->threads, "thread", "threads"), s->posts_new,
			s->posts_edited, s->posts_deleted, s->posts_unchanged, s->warnings,
			plural(s->warnings, "file", "files"));
	if (as->articles || as->duplicates || as->skipped)
		fprintf(stderr,
			"forumgate: imported %zu archived %s, %zu already stored, %zu skipped\n",
			as->articles, plural(as->articles, "article", "articles"), as->duplicates,
			as->skipped);
}

/* Into a store that does not exist yet, the import is a bulk build
 * (store_build): all or nothing, and about twice as fast. A build in which
 * every file failed leaves no store either. When the store exists, or
 * appears while the build runs, it is an ordinary import. */
static int cmd_import(const struct opts *o)
{
	if (o->nargs == 0) {
		fputs("usage: forumgate import PATH... [--forum NAME]\n", stderr);
		return EX_USAGE;
	}
	struct cfg *c = load_config(o);
	if (c == NULL)
		return EX_CONFIG;
	const struct cfg_forum *f = pick_forum(c, o->forum);
	if (f == NULL) {
		cfg_free(c);
		return EX_CONFIG;
	}
	struct store *st = NULL;
	struct sync_stats s = {0};
	struct archive_stats as = {0};
	char *err = NULL;
	int rc = EX_SOFTWARE;
	if (store_missing(c))
		ensure_parent_dir(c->gateway.store);
	int built = store_build(c->gateway.store, &st, &err);
	if (built == 0) {
		rc = import_paths(st, c, f, o, &s, &as);
		if (rc == 0 && import_failed(&s, &as)) {
			import_report(&s, &as);
			rc = EX_DATAERR;
		}
		if (rc != 0) {
			fprintf(stderr, "forumgate: %s was not created\n", c->gateway.store);
			store_discard(st);
			cfg_free(c);
			return rc;
		}
		built = store_publish(st, &err);
		st = NULL;
		if (built == 0)
			fprintf(stderr, "forumgate: created new store at %s\n", c->gateway.store);
		if (built == 1) /* the store appeared meanwhile: import into it */
			memset(&s, 0, sizeof s), memset(&as, 0, sizeof as);
	}
	if (built < 0) {
		fprintf(stderr, "forumgate: %s\n", err);
		free(err);
		cfg_free(c);
		return EX_CANTCREAT;
	}
	if (built == 1) {
		if ((st = open_store(c, STORE_CREATE)) == NULL) {
			cfg_free(c);
			return EX_SOFTWARE;
		}
		rc = import_paths(st, c, f, o, &s, &as);
		store_close(st);
	}
	import_report(&s, &as);
	if (rc == 0 && (s.warnings || as.skipped))
		rc = EX_DATAERR;
	cfg_free(c);
	return rc;
}

/* Writes one article as an mboxrd message (RFC 4155, ">From " quoting of
 * every line matching ^>*From ), unstuffed and with LF line ends. */
static int export_article(void *arg, const char *group, const struct store_article *a)
{
	FILE *out = arg;
	time_t t = (time_t)a->date;
	struct tm tm;
	char when[64];
	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%a %b %e %H:%M:%S %Y", &tm);
	fprintf(out, "From forumgate@localhost %s\n", when);
	const char *p = a->wire, *end = a->wire + a->wire_len;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);
		if (n && p[n - 1] == '\r')
			n--;
		if (n && p[0] == '.')
			p++, n--;
		const char *q = p;
		while (q < p + n && *q == '>')
			q++;
		if ((size_t)(p + n - q) >= 5 && memcmp(q, "From ", 5) == 0)
			fputc('>', out);
		fwrite(p, 1, n, out);
		fputc('\n', out);
		p = eol ? eol + 1 : end;
	}
	fputc('\n', out);
	return ferror(out) ? -1 : 0;
}

static int cmd_export(const struct opts *o)
{
	if (o->nargs) {
		fprintf(stderr,
			"forumgate: export takes no argument (%s): "
			"usage: forumgate export [--group NAME]\n",
			o->args[0]);
		return EX_USAGE;
	}
	struct cfg *c = load_config(o);
	if (c == NULL)
		return EX_CONFIG;
	struct store *st = open_store(c, STORE_RDONLY);
	int rc = st ? 0 : open_store_status(c);
	char *err = NULL;
	int64_t gid;
	int r = st && o->group ? store_group_id(st, o->group, &gid, &err) : 1;
	if (r == 0) {
		fprintf(stderr, "forumgate: export: no group %s in %s\n", o->group,
			c->gateway.store);
		rc = EX_USAGE;
	} else if (r < 0) {
		fprintf(stderr, "forumgate: export: %s\n", err);
		free(err);
		err = NULL;
		rc = EX_SOFTWARE;
	} else if (st && store_article_foreach(st, o->group, export_article, stdout, &err) != 0) {
		fprintf(stderr, "forumgate: export: %s\n", err ? err : "write error");
		free(err);
		rc = EX_IOERR;
	}
	if (fflush(stdout) != 0)
		rc = EX_IOERR;
	store_close(st);
	cfg_free(c);
	return rc;
}

static volatile sig_atomic_t stop_flag;

static void on_stop(int sig)
{
	stop_flag = 1;
}

static int cmd_sync(const struct opts *o)
{
	struct cfg *c = load_config(o);
	if (c == NULL)
		return EX_CONFIG;
	log_set_role("sync");
	const struct cfg_forum *only = NULL;
	if (o->forum) {
		if (!o->once) {
			fprintf(stderr, "forumgate: sync --forum needs --once\n");
			cfg_free(c);
			return EX_USAGE;
		}
		if ((only = cfg_forum_find(c, o->forum)) == NULL) {
			fprintf(stderr, "forumgate: no forum named %s in %s\n", o->forum, c->file);
			cfg_free(c);
			return EX_CONFIG;
		}
	}
	if (store_missing(c))
		ensure_parent_dir(c->gateway.store);
	one_shot = o->once;
	int rc = role_start(c, "sync");
	if (rc != 0) {
		cfg_free(c);
		return rc;
	}
	/* sync may create the store (as gateway.user, after the drop) */
	struct store *st = open_store(c, STORE_CREATE);
	if (st == NULL) {
		cfg_free(c);
		return EX_CANTCREAT;
	}
	if (o->once) {
		/* one forum by hand: its progress on the terminal */
		struct sync_opts so = {.progress = only && isatty(2) ? stderr : NULL};
		for (size_t i = 0; i < c->nforums; i++) {
			struct sync_stats s = {0};
			char *err = NULL;
			if (only && only != &c->forums[i])
				continue;
			if (sync_forum_opts(st, c, &c->forums[i], NULL, 1, &so, &s, &err) != 0) {
				log_err("%s", err);
				free(err);
				rc = EX_TEMPFAIL;
				continue;
			}
			log_info("forum %s: %zu new, %zu edited, %zu deleted, %zu unchanged posts",
				 c->forums[i].name, s.posts_new, s.posts_edited, s.posts_deleted,
				 s.posts_unchanged);
		}
		store_close(st);
	} else {
		store_close(st);
		struct sigaction sa = {.sa_handler = on_stop};
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		rc = sync_loop(c, &stop_flag) == 0 ? 0 : EX_SOFTWARE;
	}
	cfg_free(c);
	return rc;
}

static int cmd_nntpd(const struct opts *o)
{
	struct cfg *c = load_config(o);
	if (c == NULL)
		return EX_CONFIG;
	log_set_role("nntpd");
	struct sigaction sa = {.sa_handler = on_stop};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	int rc = role_start(c, "nntpd");
	if (rc == 0)
		rc = nntpd_run(c, &stop_flag) == 0 ? 0
		     : role_started                ? EX_SOFTWARE
						   : EX_UNAVAILABLE;
	metrics_stop();
	cfg_free(c);
	return rc;
}

/* One line of f without its line end, malloc'd; NULL at EOF or error. */
static char *read_line(FILE *f)
{
	struct buf b = BUF_INIT;
	int ch;
	while ((ch = getc(f)) != EOF && ch != '\n')
		buf_addc(&b, (char)ch);
	if (ch == EOF && b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	if (b.len && b.p[b.len - 1] == '\r')
		buf_truncate(&b, b.len - 1);
	return buf_detach(&b);
}

static struct termios tty_saved;

/* Ctrl-C at the prompt: give the terminal its echo back, then die of it. */
static void on_prompt_signal(int sig)
{
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &tty_saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Asks for a line on the terminal with the echo off. NULL at EOF. */
static char *prompt_hidden(const char *prompt)
{
	struct termios t;
	if (tcgetattr(STDIN_FILENO, &tty_saved) != 0)
		return read_line(stdin);
	struct sigaction sa = {.sa_handler = on_prompt_signal}, old[3];
	const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	t = tty_saved;
	t.c_lflag &= ~(tcflag_t)ECHO;
	t.c_lflag |= ECHONL;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &t);
	fputs(prompt, stderr);
	fflush(stderr);
	char *line = read_line(stdin);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &tty_saved);
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	return line;
}

/* The password for `user add/passwd`, never from the command line if it
 * can be helped (/proc/PID/cmdline shows it to every local user):
 * --password-file (first line), else asked on the terminal without echo,
 * else one line of stdin. --password still works, with a warning. An empty
 * answer means none (`user add`: a user who only posts by mail). *pw is
 * malloc'd or NULL. */
static int read_password(const struct opts *o, const char *verb, char **pw)
{
	*pw = NULL;
	if (o->password) {
		fputs("forumgate: warning: --password shows the password to every local user "
		      "(ps, /proc/PID/cmdline); use --password-file, stdin or the prompt\n",
		      stderr);
		*pw = xstrdup(o->password);
		return 0;
	}
	if (o->password_file == NULL) {
		if (strcmp(verb, "add") != 0 && strcmp(verb, "passwd") != 0)
			return 0;
		char *line;
		if (isatty(STDIN_FILENO)) {
			line = prompt_hidden("Password (empty: none): ");
			char *again = line && *line ? prompt_hidden("Again: ") : NULL;
			if (line && *line && (again == NULL || strcmp(line, again) != 0)) {
				fputs("forumgate: the passwords differ\n", stderr);
				free(line);
				free(again);
				return -1;
			}
			free(again);
		} else {
			line = read_line(stdin);
		}
		if (line && *line)
			*pw = line;
		else
			free(line);
		return 0;
	}
	FILE *f = fopen(o->password_file, "r");
	if (f == NULL) {
		fprintf(stderr, "forumgate: %s: %s\n", o->password_file, strerror(errno));
		return -1;
	}
	char *line = read_line(f);
	fclose(f);
	if (line == NULL || line[0] == '\0') {
		free(line);
		fprintf(stderr, "forumgate: %s holds no password\n", o->password_file);
		return -1;
	}
	*pw = line;
	return 0;
}

/* A user name: what AUTHINFO USER and the command line carry without
 * quoting, 1 to 64 of letters, digits, '.', '_' and '-'. */
static int valid_user_name(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 64 || name[0] == '-' || name[0] == '.')
		return 0;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return 0;
	return 1;
}

/* An address as senders use it (RFC 5321 Mailbox, without quoted local
 * parts): dot-atom@dot-atom, no spaces or controls, at most 254 octets. */
static int valid_address(const char *a)
{
	static const char atext[] = "!#$%&'*+-/=?^_`{|}~";
	const char *at = strrchr(a, '@');
	if (at == NULL || at == a || at[1] == '\0' || strlen(a) > 254)
		return 0;
	for (const char *p = a; *p; p++) {
		int domain = p > at;
		unsigned char ch = (unsigned char)*p;
		if (p == at)
			continue;
		if (*p == '.') {
			if (p == a || p == at + 1 || p[-1] == '.' || p[1] == '@' || p[1] == '\0')
				return 0;
			continue;
		}
		if (isalnum(ch) || (domain ? ch == '-' : strchr(atext, ch) != NULL) || ch >= 0x80)
			continue;
		return 0;
	}
	return strchr(at + 1, '.') != NULL || strcmp(at + 1, "localhost") == 0;
}

/* Adds address to user name inside the caller's transaction: 0, or an exit
 * status after saying why (the address is another user's). */
static int add_address(struct store *st, const char *name, const char *address, char **err)
{
	int r = store_user_address(st, name, address, 1, err);
	if (r == 2) {
		int64_t uid;
		char *owner = NULL;
		if (store_user_by_address(st, address, &uid, &owner, err) == 1)
			fprintf(stderr,
				"forumgate: address %s is already %s's (forumgate user addr %s del "
				"%s first)\n",
				address, owner, owner, address);
		free(owner);
		return EX_DATAERR;
	}
	if (r == 0) {
		fprintf(stderr, "forumgate: no such user: %s\n", name);
		return EX_NOUSER;
	}
	return r < 0 ? EX_SOFTWARE : 0;
}

static int print_user(void *arg, const char *name, int has_password, const char *addresses)
{
	printf("%s\t%s\t%s\n", name, has_password ? "password" : "-", addresses ? addresses : "");
	return 0;
}

static int cmd_user(const struct opts *o)
{
	const char *verb = o->nargs ? o->args[0] : "";
	const char *name = o->nargs > 1 ? o->args[1] : NULL;
	int need_name = strcmp(verb, "list") != 0;
	if ((need_name && name == NULL) || (strcmp(verb, "addr") == 0 && o->nargs != 4)) {
		fputs("usage: forumgate user add|del|passwd|addr|list ...\n", stderr);
		return EX_USAGE;
	}
	if (strcmp(verb, "add") == 0 && !valid_user_name(name)) {
		fprintf(stderr,
			"forumgate: not a user name: \"%s\" (1 to 64 letters, digits, "
			"'.', '_' or '-')\n",
			name);
		return EX_USAGE;
	}
	const char *new_addr = strcmp(verb, "addr") == 0 && strcmp(o->args[2], "add") == 0
				       ? o->args[3]
				       : NULL;
	for (size_t i = 0; i <= o->naddresses; i++) {
		const char *a = i < o->naddresses ? o->addresses[i] : new_addr;
		if (a && !valid_address(a)) {
			fprintf(stderr, "forumgate: not a mail address: \"%s\" (local@domain)\n",
				a);
			return EX_USAGE;
		}
	}
	struct cfg *c = load_config(o);
	if (c == NULL)
		return EX_CONFIG;
	struct store *st = open_store(c, STORE_RW);
	int rc = st ? 0 : open_store_status(c);
	char *err = NULL, *pw = NULL, *hash = NULL;
	if (st == NULL)
		goto out;
	if (read_password(o, verb, &pw) != 0) {
		rc = EX_NOINPUT;
		goto out;
	}
	if (pw && (hash = password_hash(pw, &err)) == NULL) {
		rc = EX_SOFTWARE;
		goto out;
	}
	if (store_begin(st, &err) != 0) {
		rc = EX_TEMPFAIL;
		goto out;
	}
	int r = 0;
	if (strcmp(verb, "add") == 0) {
		r = store_user_add(st, name, hash, &err);
		if (r == 1) {
			fprintf(stderr, "forumgate: user %s exists already\n", name);
			rc = EX_DATAERR;
		}
		for (size_t i = 0; r == 0 && i < o->naddresses; i++)
			if ((rc = add_address(st, name, o->addresses[i], &err)) != 0)
				r = rc == EX_SOFTWARE ? -1 : 1;
	} else if (strcmp(verb, "del") == 0 || strcmp(verb, "passwd") == 0 ||
		   strcmp(verb, "addr") == 0) {
		if (strcmp(verb, "del") == 0)
			r = store_user_del(st, name, &err);
		else if (strcmp(verb, "passwd") == 0)
			r = hash ? store_user_set_password(st, name, hash, &err)
				 : fg_error(&err, "passwd needs a password (on stdin, "
						  "the terminal or --password-file)");
		else if (strcmp(o->args[2], "add") == 0)
			r = (rc = add_address(st, name, o->args[3], &err)) == EX_SOFTWARE ? -1 : 1;
		else if (strcmp(o->args[2], "del") == 0)
			r = store_user_address(st, name, o->args[3], 0, &err);
		else
			r = fg_error(&err, "user addr NAME add|del ADDRESS");
		if (r == 0) {
			fprintf(stderr, "forumgate: no such user%s: %s\n",
				strcmp(verb, "addr") == 0 ? " or address" : "", name);
			rc = EX_NOUSER;
		}
		r = r < 0 ? -1 : 0;
	} else if (strcmp(verb, "list") == 0) {
		r = store_user_list(st, print_user, NULL, &err) < 0 ? -1 : 0;
	} else {
		fprintf(stderr, "forumgate: unknown user command %s\n", verb);
		rc = EX_USAGE;
	}
	/* a refusal changes nothing: not the user added before its address */
	if (r < 0 || rc != 0) {
		store_rollback(st);
		if (r < 0)
			rc = EX_SOFTWARE;
	} else if (store_commit(st, &err) != 0) {
		rc = EX_TEMPFAIL;
	}
out:
	if (err)
		fprintf(stderr, "forumgate: %s\n", err);
	free(err);
	free(pw);
	free(hash);
	store_close(st);
	cfg_free(c);
	return rc;
}

static int cmd_role(const struct opts *o, const char *role,
		    int (*run)(const struct cfg *, volatile sig_atomic_t *))
{
	struct cfg *c = load_config(o);
	if (c == NULL)
		return EX_CONFIG;
	log_set_role(role);
	one_shot = o->once;
	int rc = role_start(c, role);
	if (rc != 0) {
		/* refused */
	} else if (o->once && run == outbox_loop) {
		struct store *st = open_store(c, STORE_RW);
		char *err = NULL;
		rc = st && outbox_run_once(st, c, (int64_t)time(NULL), &err) >= 0 ? 0 : EX_TEMPFAIL;
		if (err)
			log_err("%s", err);
		free(err);
		store_close(st);
	} else {
		struct sigaction sa = {.sa_handler = on_stop};
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		rc = run(c, &stop_flag) == 0 ? 0 : role_started ? EX_SOFTWARE : EX_UNAVAILABLE;
	}
	metrics_stop();
	cfg_free(c);
	return rc;
}

static int read_stdin(struct buf *b)
{
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
		buf_add(b, chunk, n);
	return ferror(stdin) ? -1 : 0;
}

/* `forumgate ingest`: one message on stdin, for MTA pipe transports. The
 * recipient comes from --recipient, else $ORIGINAL_RECIPIENT or $RECIPIENT
 * (Postfix pipe/local), else $LOCAL_PART@$DOMAIN (Exim); the sender from
 * --sender, else $SENDER. Exit codes from sysexits.h. */
static int cmd_ingest(const struct opts *o)
{
	struct cfg *c = load_config(o);
	if (c == NULL)
		return EX_TEMPFAIL; /* a broken config must not bounce mail */
	log_set_role("ingest");
	char *rcpt = NULL;
	if (o->recipient)
		rcpt = xstrdup(o->recipient);
	else if (getenv("ORIGINAL_RECIPIENT"))
		rcpt = xstrdup(getenv("ORIGINAL_RECIPIENT"));
	else if (getenv("RECIPIENT"))
		rcpt = xstrdup(getenv("RECIPIENT"));
	else if (getenv("LOCAL_PART") && getenv("DOMAIN"))
		rcpt = xasprintf("%s@%s", getenv("LOCAL_PART"), getenv("DOMAIN"));
	const char *sender = o->sender ? o->sender : getenv("SENDER");
	struct buf msg = BUF_INIT;
	int rc;
	if (rcpt == NULL) {
		fprintf(stderr, "forumgate: ingest: no recipient (--recipient ADDR)\n");
		rc = EX_USAGE;
	} else if (read_stdin(&msg) != 0) {
		fprintf(stderr, "forumgate: ingest: cannot read the message\n");
		rc = EX_TEMPFAIL;
	} else {
		struct intake in;
		char *err = NULL;
		if (priv_drop(c, "ingest", 0, &err) != 0) {
			fprintf(stderr, "forumgate: ingest: %s\n", err);
			free(err);
			rc = EX_TEMPFAIL;
		} else if (intake_open(&in, c, "pipe", &err) != 0) {
			fprintf(stderr, "forumgate: ingest: %s\n", err);
			free(err);
			rc = EX_TEMPFAIL;
		} else {
			struct intake_result res;
			intake_deliver(&in, msg.p ? msg.p : "", msg.len, sender, rcpt, &res);
			rc = intake_exit_code(res.status);
			if (rc != 0 || res.status != INTAKE_ACCEPTED)
				fprintf(stderr, "forumgate: %s\n",
					res.reason ? res.reason : "refused");
			intake_result_clear(&res);
			intake_close(&in);
		}
	}
	free(rcpt);
	buf_free(&msg);
	cfg_free(c);
	return rc;
}

/* `forumgate trim`: the text that would be posted, for checking trimming
 * against any corpus from the shell. */
static int cmd_trim(const struct opts *o)
{
	struct buf in = BUF_INIT, kept = BUF_INIT, elided = BUF_INIT;
	if (read_stdin(&in) != 0)
		return EX_IOERR;
	int rc = 0;
	if (o->message) {
		struct mail_msg *m = NULL;
		char *err = NULL;
		if (mail_parse(in.p ? in.p : "", in.len, &m, &err) != 0) {
			fprintf(stderr, "forumgate: trim: %s\n", err ? err : "not a message");
			free(err);
			rc = EX_DATAERR;
		} else {
			const char *t = m->text ? m->text : "";
			mail_trim(t, strlen(t), &kept, &elided);
			mail_msg_free(m);
		}
	} else {
		mail_trim(in.p ? in.p : "", in.len, &kept, &elided);
	}
	const struct buf *show = o->elided ? &elided : &kept;
	if (rc == 0 && show->len)
		printf("%s\n", show->p);
	buf_free(&in);
	buf_free(&kept);
	buf_free(&elided);
	return rc;
}

/* `forumgate replykey`: the reply address of a user for a post, valid for
 * 90 days (what the list delivery will put into Reply-To). */
static int cmd_replykey(const struct opts *o)
{
	if (o->user == NULL || o->post == NULL) {
		fputs("usage: forumgate replykey --user NAME --post MESSAGE-ID\n", stderr);
		return EX_USAGE;
	}
	struct cfg *c = load_config(o);
	if (c == NULL)
		return EX_CONFIG;
	struct store *st = open_store(c, STORE_RDONLY);
	unsigned char *secret = NULL;
	size_t slen = 0;
	char *err = NULL, *forum = NULL, *thread = NULL, *post = NULL;
	int rc = st ? EX_SOFTWARE : open_store_status(c);
	int64_t rowid = 0, uid = 0;
	/* a Message-ID as people copy it: with or without its <> */
	char *msgid = o->post[0] == '<' ? xstrdup(o->post) : xasprintf("<%s>", o->post);
	if (st == NULL)
		goto out;
	if (intake_load_secret(c, &secret, &slen, &err) != 0 || secret == NULL) {
		if (err == NULL)
			fputs("forumgate: no mail.secret_file configured\n", stderr);
		goto out; /* err is printed below */
	}
	int r = store_post_by_msgid(st, msgid, &forum, &thread, &post, &err);
	if (r == 1)
		r = store_post_rowid(st, forum, post, &rowid, &err);
	if (r == 0) {
		fprintf(stderr, "forumgate: no forum post with Message-ID %s\n", msgid);
		rc = EX_DATAERR;
		goto out;
	}
	if (r < 0 || (r = store_user_id(st, o->user, &uid, &err)) < 0)
		goto out; /* err says why, once */
	if (r == 0) {
		fprintf(stderr, "forumgate: no user %s\n", o->user);
		rc = EX_NOUSER;
		goto out;
	}
	struct replykey k = {.purpose = REPLYKEY_REPLY,
			     .user_id = (uint32_t)uid,
			     .post_id = (uint64_t)rowid,
			     .expires = (uint16_t)(time(NULL) / 86400 + 90)};
	char key[REPLYKEY_LEN + 1];
	replykey_make(&k, secret, slen, key);
	char *group = NULL;
	struct store_view v;
	if (store_view_by_msgid(st, msgid, &v, &err) == 1) {
		/* the group from the article's Xref: "Xref: host group:n" */
		const char *x = strstr(v.overview, "Xref: ");
		if (x) {
			x = strchr(x + 6, ' ');
			if (x)
				group = xstrndup(x + 1, strcspn(x + 1, ":"));
		}
	}
	printf("%s+%s@%s\n", group ? group : "reply", key,
	       c->mail.reply_domain ? c->mail.reply_domain : c->gateway.domain);
	free(group);
	rc = 0;
out:
	if (err)
		fprintf(stderr, "forumgate: %s\n", err);
	free(err);
	free(forum);
	free(thread);
	free(post);
	free(msgid);
	free(secret);
	store_close(st);
	cfg_free(c);
	return rc;
}

/* `forumgate subscribe|unsubscribe ADDRESS GROUP`: the operator's own
 * changes, active at once (no confirmation: the operator vouches). */
static int cmd_subscribe(const struct opts *o, int add)
{
	if (o->nargs != 2) {
		fprintf(stderr, "usage: forumgate %s ADDRESS GROUP%s\n",
			add ? "subscribe" : "unsubscribe",
			add ? " [--digest daily|weekly] [--html|--text] [--own-copies] "
			      "[--timezone ZONE]"
			    : "");
		return EX_USAGE;
	}
	const char *addr = o->args[0], *group = o->args[1];
	if (!valid_address(addr)) {
		fprintf(stderr, "forumgate: not a mail address: \"%s\" (local@domain)\n", addr);
		return EX_USAGE;
	}
	if (o->digest && strcmp(o->digest, "daily") != 0 && strcmp(o->digest, "weekly") != 0) {
		fprintf(stderr, "forumgate: --digest takes daily or weekly, not \"%s\"\n",
			o->digest);
		return EX_USAGE;
	}
	if (o->html && o->text) {
		fputs("forumgate: --html and --text exclude each other\n", stderr);
		return EX_USAGE;
	}
	if (o->timezone) {
		char *terr = NULL;
		if (tzfile_get(o->timezone, &terr) == NULL) {
			fprintf(stderr, "forumgate: --timezone: %s\n", terr);
			free(terr);
			return EX_USAGE;
		}
	}
	struct cfg *c = load_config(o);
	if (c == NULL)
		return EX_CONFIG;
	struct store *st = open_store(c, STORE_RW);
	int rc = st ? 0 : open_store_status(c);
	char *err = NULL;
	int64_t gid = 0;
	if (st == NULL)
		goto out;
	int r = store_group_id(st, group, &gid, &err);
	if (r == 0) {
		fprintf(stderr, "forumgate: no such group: %s\n", group);
		rc = EX_DATAERR;
		goto out;
	}
	if (r < 0 || store_begin(st, &err) != 0) {
		rc = EX_TEMPFAIL;
		goto out;
	}
	if (add) {
		struct store_sub old = {0};
		if (store_sub_get(st, group, addr, &old, &err) < 0)
			r = -1;
		struct store_sub s = {
			.group = (char *)group,
			.address = (char *)addr,
			.mode = o->digest ? "digest" : "each",
			.digest_period = (char *)(o->digest           ? o->digest
						  : old.digest_period ? old.digest_period
								      : "daily"),
			.digest_hour = old.group ? old.digest_hour : c->list.digest_hour,
			.format = (char *)(o->html      ? "html"
					   : o->text    ? "text"
					   : old.format ? old.format
							: cfg_list_format(c, group)),
			.timezone = (char *)(o->timezone ? o->timezone : old.timezone),
			.own_copies = o->own_copies || old.own_copies,
			.state = "active",
			.created = old.created,
		};
		if (r >= 0)
			r = store_sub_put(st, &s, &err);
		if (r >= 0)
			printf("%s subscribed to %s (%s%s%s, %s)\n", addr, group, s.mode,
			       o->digest ? " " : "", o->digest ? o->digest : "", s.format);
		store_sub_clear(&old);
	} else {
		r = store_sub_del(st, group, addr, &err);
		if (r == 0) {
			fprintf(stderr, "forumgate: %s is not subscribed to %s\n", addr, group);
			rc = EX_DATAERR;
		}
	}
	if (r < 0) {
		store_rollback(st);
		rc = EX_SOFTWARE;
	} else if (store_commit(st, &err) != 0) {
		rc = EX_TEMPFAIL;
	}
out:
	if (err)
		fprintf(stderr, "forumgate: %s\n", err);
	free(err);
	store_close(st);
	cfg_free(c);
	return rc;
}

static int print_sub(void *arg, const struct store_sub *s)
{
	const struct opts *o = arg;
	char mode[32];
	if (!strcmp(s->mode, "digest"))
		snprintf(mode, sizeof mode, "digest-%s", s->digest_period);
	else
		snprintf(mode, sizeof mode, "%s", s->mode);
	printf("%s\t%s\t%s\t%s\t%s", s->group, s->address, mode, s->format,
	       s->suspended ? "suspended" : s->state);
	if (o->bounces)
		printf("\tscore=%.1f\tbounces=%d\tlast=%lld", s->bounce_score, s->bounces,
		       (long long)s->last_bounce);
	putchar('\n');
	return 0;
}

/* `forumgate subscribers [GROUP] [--bounces]`: one line per subscription:
 * group, address, mode, format, state (tab-separated). */
static int cmd_subscribers(const struct opts *o)
{
	if (o->nargs > 1) {
		fputs("usage: forumgate subscribers [GROUP] [--bounces]\n", stderr);
		return EX_USAGE;
	}
	struct cfg *c = load_config(o);
	if (c == NULL)
		return EX_CONFIG;
	struct store *st = open_store(c, STORE_RDONLY);
	int rc = st ? 0 : open_store_status(c);
	char *err = NULL;
	if (st &&
	    store_sub_list(st, o->nargs ? o->args[0] : NULL, print_sub, (void *)o, &err) < 0) {
		fprintf(stderr, "forumgate: %s\n", err);
		rc = EX_SOFTWARE;
	}
	free(err);
	store_close(st);
	cfg_free(c);
	return rc;
}

/* `forumgate backup FILE [--force]`: a copy of the store as it is at one
 * moment, taken while the roles keep serving and writing. */
static int cmd_backup(const struct opts *o)
{
	if (o->nargs != 1) {
		fputs("usage: forumgate backup FILE [--force]\n", stderr);
		return EX_USAGE;
	}
	struct cfg *c = load_config(o);
	if (c == NULL)
		return EX_CONFIG;
	struct store *st = open_store(c, STORE_RDONLY);
	int rc = st ? 0 : open_store_status(c);
	char *err = NULL;
	if (st && store_backup(st, o->args[0], o->force, &err) != 0) {
		fprintf(stderr, "forumgate: %s\n", err);
		rc = o->force || access(o->args[0], F_OK) != 0 ? EX_CANTCREAT : EX_DATAERR;
	} else if (st) {
		printf("backup of %s written to %s\n", c->gateway.store, o->args[0]);
	}
	free(err);
	store_close(st);
	cfg_free(c);
	return rc;
}

/* `forumgate restore FILE`: only with the gateway stopped. Every slot of
 * STORE.lock is taken and held until the end, so a serve, sync, outbox,
 * imapin or listd running on the store refuses the restore, and none can
 * start while it runs. */
static int cmd_restore(const struct opts *o)
{
	if (o->nargs != 1) {
		fputs("usage: forumgate restore FILE\n", stderr);
		return EX_USAGE;
	}
	struct cfg *c = load_config(o);
	if (c == NULL)
		return EX_CONFIG;
	char *err = NULL;
	int rc = 0;
	if (access(o->args[0], R_OK) != 0) {
		fprintf(stderr, "forumgate: cannot read %s: %s\n", o->args[0], strerror(errno));
		rc = EX_NOINPUT;
		goto out;
	}
	ensure_parent_dir(c->gateway.store);
	for (int slot = 0; slot < 64; slot++) {
		int r = store_lock(c->gateway.store, slot, &err);
		if (r < 0) {
			rc = EX_CANTCREAT;
			goto out;
		}
		if (r == 1) {
			fprintf(stderr,
				"forumgate: the store %s is in use by a running forumgate (its lock in "
				"%s.lock is taken): stop the gateway before a restore\n",
				c->gateway.store, c->gateway.store);
			rc = EX_UNAVAILABLE;
			goto out;
		}
	}
	int r = store_restore(c->gateway.store, o->args[0], &err);
	if (r == 1) {
		fprintf(stderr, "forumgate: %s: stop the gateway before a restore\n", err);
		free(err);
		err = NULL;
		rc = EX_UNAVAILABLE;
		goto out;
	}
	if (r != 0) {
		rc = EX_DATAERR;
		goto out;
	}
	printf("store %s restored from %s\n", c->gateway.store, o->args[0]);
out:
	if (err)
		fprintf(stderr, "forumgate: %s\n", err);
	free(err);
	cfg_free(c);
	return rc;
}

static void print_problem(void *arg, const char *problem)
{
	printf("%s\n", problem);
}

/* `forumgate store check`: 0 clean, EX_DATAERR with a line per problem. */
static int cmd_store(const struct opts *o)
{
	if (o->nargs != 1 || strcmp(o->args[0], "check") != 0) {
		fputs("usage: forumgate store check\n", stderr);
		return EX_USAGE;
	}
	struct cfg *c = load_config(o);
	if (c == NULL)
		return EX_CONFIG;
	struct store *st = open_store(c, STORE_RDONLY);
	int rc = st ? 0 : open_store_status(c);
	char *err = NULL;
	if (st) {
		int n = store_check(st, print_problem, NULL, &err);
		if (n < 0) {
			fprintf(stderr, "forumgate: %s\n", err);
			rc = EX_DATAERR; /* a store SQLite cannot even read through */
		} else if (n > 0) {
			fprintf(stderr, "forumgate: %d %s in %s\n", n,
				plural((size_t)n, "problem", "problems"), c->gateway.store);
			rc = EX_DATAERR;
		} else {
			printf("%s: no problems found\n", c->gateway.store);
		}
	}
	free(err);
	store_close(st);
	cfg_free(c);
	return rc;
}

/* One field of `outbox list`: tabs and line ends would break the columns. */
static void print_field(const char *s)
{
	putchar('\t');
	if (s == NULL || *s == '\0') {
		putchar('-');
		return;
	}
	for (; *s; s++)
		putchar(*s == '\t' || *s == '\r' || *s == '\n' ? ' ' : *s);
}

static int print_outbox_row(void *arg, const struct store_outbox_row *r)
{
	int64_t now = *(const int64_t *)arg, age = now - r->created;
	char a[32];
	if (age < 0)
		age = 0;
	if (age < 3600)
		snprintf(a, sizeof a, "%lldm", (long long)(age / 60));
	else if (age < 2 * 86400)
		snprintf(a, sizeof a, "%lldh", (long long)(age / 3600));
	else
		snprintf(a, sizeof a, "%lldd", (long long)(age / 86400));
	printf("%lld", (long long)r->id);
	print_field(r->state);
	print_field(r->forum);
	print_field(r->message_id);
	printf("\t%d", r->attempts);
	print_field(r->last_error);
	printf("\t%s\n", a);
	return 0;
}

/* An outbox row id given on the command line; 0 when it is not one. */
static int64_t parse_id(const char *s)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v <= 0)
		return 0;
	return v;
}

/* `forumgate outbox list|retry|drop`: the operator's hands on replies
 * that could not be posted. */
static int cmd_outbox_admin(const struct opts *o)
{
	const char *sub = o->args[0];
	int list = strcmp(sub, "list") == 0, retry = strcmp(sub, "retry") == 0,
	    drop = strcmp(sub, "drop") == 0;
	int64_t id = 0;
	if (o->once || (!list && !retry && !drop) || (list && o->nargs != 1) ||
	    (retry && !(o->nargs == 2 && !o->all_failed) && !(o->nargs == 1 && o->all_failed)) ||
	    (drop && o->nargs != 2) || (o->nargs == 2 && (id = parse_id(o->args[1])) == 0)) {
		fputs("usage: forumgate outbox [--once] | list [--state S] | retry ID|--all-failed"
		      " | drop ID\n",
		      stderr);
		return EX_USAGE;
	}
	struct cfg *c = load_config(o);
	if (c == NULL)
		return EX_CONFIG;
	struct store *st = open_store(c, list ? STORE_RDONLY : STORE_RW);
	int rc = st ? 0 : open_store_status(c);
	char *err = NULL, *state = NULL;
	int64_t now = (int64_t)time(NULL), n = 0;
	if (st == NULL)
		goto out;
	if (list) {
		if (store_outbox_list(st, o->state, print_outbox_row, &now, &err) != 0)
			rc = EX_SOFTWARE;
		goto out;
	}
	if (store_begin(st, &err) != 0) {
		rc = EX_TEMPFAIL;
		goto out;
	}
	int r = retry ? store_outbox_requeue(st, id, now, &n, &err)
		      : store_outbox_drop(st, id, &err);
	if (r >= 0 && id && (retry ? n == 0 : r == 0) &&
	    store_outbox_state(st, id, &state, &err) < 0)
		r = -1;
	if (r < 0) {
		store_rollback(st);
		rc = EX_SOFTWARE;
		goto out;
	}
	if (store_commit(st, &err) != 0) {
		rc = EX_TEMPFAIL;
		goto out;
	}
	if (id && (retry ? n == 0 : r == 0)) {
		if (state == NULL)
			fprintf(stderr, "forumgate: no reply %lld in the outbox\n", (long long)id);
		else
			fprintf(stderr, "forumgate: reply %lld is %s: %s\n", (long long)id, state,
				retry ? "only failed or held replies are retried"
				      : "only queued, failed or held replies can be dropped");
		rc = EX_DATAERR;
	} else if (retry) {
		printf("%lld %s queued for an attempt now\n", (long long)n,
		       plural((size_t)n, "reply", "replies"));
	} else {
		printf("reply %lld dropped\n", (long long)id);
	}
out:
	if (err)
		fprintf(stderr, "forumgate: %s\n", err);
	free(err);
	free(state);
	store_close(st);
	cfg_free(c);
	return rc;
}

/* `forumgate status [--json]`: see status.h for the exit codes. */
static int cmd_status(const struct opts *o)
{
	if (o->nargs != 0) {
		fputs("usage: forumgate status [--json]\n", stderr);
		return EX_USAGE;
	}
	struct cfg *c = load_config(o);
	if (c == NULL)
		return EX_CONFIG;
	int rc = status_run(c, o->json, stdout);
	cfg_free(c);
	return rc;
}

static int cmd_serve(const struct opts *o)
{
	/* a file the roles need and cannot read stops serve here, named */
	struct cfg *c = load_config_flags(o, CFG_CHECK_FILES);
	if (c == NULL)
		return EX_CONFIG;
	char *err = NULL;
	if (store_missing(c))
		ensure_parent_dir(c->gateway.store);
	/* before anything is bound: a second serve on this store stops here */
	int refused = 0;
	if (priv_check_root(c, "serve", 1, &err) != 0)
		refused = EX_NOPERM;
	else if (supervisor_lock(c, "serve", &err) != 0)
		refused = EX_UNAVAILABLE;
	if (refused) {
		fprintf(stderr, "forumgate: %s\n", err);
		free(err);
		cfg_free(c);
		return refused;
	}
	/* Create and migrate the store before any role forks (DEPENDENCIES.md:
	 * never fork with an SQLite connection open). */
	struct store *st = open_store(c, STORE_CREATE);
	if (st == NULL) {
		cfg_free(c);
		return EX_CANTCREAT;
	}
	store_close(st);
	int rc = supervisor_run(c);
	cfg_free(c);
	return rc;
}

/* sandbox-check: exit 0 when the role's sandbox holds, 1 when it does not
 * (or is off), EX_UNAVAILABLE when the check could not run. */
static int cmd_sandbox_check(const struct opts *o)
{
	struct cfg *c = load_config(o);
	if (c == NULL)
		return EX_CONFIG;
	char *err = NULL;
	int rc = sandbox_check(c, o->role ? o->role : "nntpd", stdout, &err);
	if (rc < 0)
		fprintf(stderr, "forumgate: %s\n", err);
	free(err);
	cfg_free(c);
	return rc < 0 ? EX_UNAVAILABLE : rc;
}

/* --log: 0, or -1 for a name log.h does not know. */
static int set_log_output(const char *name)
{
	enum log_output lo;
	if (log_output_parse(name, &lo) != 0)
		return -1;
	log_set_output(lo);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd;
	struct opts o = {0};
	int rc;
	supervisor_title_init(argc, argv);
	priv_on_drop(note_started);
	if (parse_args(argc, argv, &cmd, &o) != 0) {
		usage(stderr);
		rc = EX_USAGE;
	} else if (cmd == NULL) {
		usage(stderr);
		rc = EX_USAGE;
	} else if (o.log && set_log_output(o.log) != 0) {
		fprintf(stderr, "forumgate: --log: one of stderr, journal, syslog, auto\n");
		rc = EX_USAGE;
	} else if (strcmp(cmd, "config-keys") == 0) {
		cfg_print_keys(stdout); /* hidden: the man page test reads it */
		rc = 0;
	} else if (strcmp(cmd, "help") == 0) {
		usage(stdout);
		rc = 0;
	} else if (strcmp(cmd, "version") == 0) {
		printf("forumgate %s\n", FORUMGATE_VERSION);
		rc = 0;
	} else if (strcmp(cmd, "check-config") == 0) {
		rc = cmd_check_config(&o);
	} else if (strcmp(cmd, "import") == 0) {
		rc = cmd_import(&o);
	} else if (strcmp(cmd, "export") == 0) {
		rc = cmd_export(&o);
	} else if (strcmp(cmd, "sync") == 0) {
		rc = cmd_sync(&o);
	} else if (strcmp(cmd, "serve") == 0) {
		rc = cmd_serve(&o);
	} else if (strcmp(cmd, "nntpd") == 0) {
		rc = cmd_nntpd(&o);
	} else if (strcmp(cmd, "user") == 0) {
		rc = cmd_user(&o);
	} else if (strcmp(cmd, "mailin") == 0) {
		rc = cmd_role(&o, "mailin", mailin_run);
	} else if (strcmp(cmd, "httpd") == 0) {
		rc = cmd_role(&o, "httpd", httpd_run);
	} else if (strcmp(cmd, "listd") == 0) {
		rc = cmd_role(&o, "listd", listd_run);
	} else if (strcmp(cmd, "subscribe") == 0 || strcmp(cmd, "unsubscribe") == 0) {
		rc = cmd_subscribe(&o, strcmp(cmd, "subscribe") == 0);
	} else if (strcmp(cmd, "subscribers") == 0) {
		rc = cmd_subscribers(&o);
	} else if (strcmp(cmd, "imapin") == 0) {
		rc = cmd_role(&o, "imapin", imapin_run);
	} else if (strcmp(cmd, "outbox") == 0 && o.nargs > 0) {
		rc = cmd_outbox_admin(&o);
	} else if (strcmp(cmd, "outbox") == 0) {
		rc = cmd_role(&o, "outbox", outbox_loop);
	} else if (strcmp(cmd, "backup") == 0) {
		rc = cmd_backup(&o);
	} else if (strcmp(cmd, "restore") == 0) {
		rc = cmd_restore(&o);
	} else if (strcmp(cmd, "store") == 0) {
		rc = cmd_store(&o);
	} else if (strcmp(cmd, "status") == 0) {
		rc = cmd_status(&o);
	} else if (strcmp(cmd, "ingest") == 0) {
		rc = cmd_ingest(&o);
	} else if (strcmp(cmd, "trim") == 0) {
		rc = cmd_trim(&o);
	} else if (strcmp(cmd, "replykey") == 0) {
		rc = cmd_replykey(&o);
	} else if (strcmp(cmd, "sandbox-check") == 0) {
		rc = cmd_sandbox_check(&o);
	} else {
		fprintf(stderr, "forumgate: unknown command %s\n", cmd);
		usage(stderr);
		rc = EX_USAGE;
	}
	free(o.overrides);
	free(o.args);
	free(o.addresses);
	return rc;
}
