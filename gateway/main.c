/*
 * forumgate: subcommand dispatch only. Each subcommand loads the config
 * (with -o overrides) and hands over to its module.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>

#include "forumgate/buf.h"
#include "forumgate/config.h"
#include "forumgate/log.h"
#include "forumgate/store.h"
#include "forumgate/supervisor.h"
#include "forumgate/sync.h"

#define FORUMGATE_VERSION "0.1"

struct opts {
	const char *config;
	char **overrides;
	size_t noverrides;
	const char *forum, *group;
	int once;
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
	      "  sync [--once]         run the sync role (one pass with --once)\n"
	      "  serve                 run all roles under a supervisor\n"
	      "  version               print the version\n"
	      "\n"
	      "  -c FILE   configuration (default: $FORUMGATE_CONFIG or /etc/forumgate/forumgate.yaml)\n"
	      "  -o K=V    override a configuration option, e.g. -o gateway.store=/tmp/fg.db\n",
	      f);
}

static int parse_args(int argc, char **argv, const char **cmd, struct opts *o)
{
	*cmd = NULL;
	o->config = getenv("FORUMGATE_CONFIG");
	if (o->config == NULL)
		o->config = "/etc/forumgate/forumgate.yaml";
	o->overrides = xcalloc((size_t)argc, sizeof *o->overrides);
	o->args = xcalloc((size_t)argc, sizeof *o->args);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **target = NULL;
		if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0)
			target = &o->config;
		else if (strcmp(a, "--forum") == 0)
			target = &o->forum;
		else if (strcmp(a, "--group") == 0)
			target = &o->group;
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
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			*cmd = "help";
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

static struct cfg *load_config(const struct opts *o)
{
	struct cfg *c = NULL;
	char *err = NULL;
	if (cfg_load(o->config, o->overrides, o->noverrides, &c, &err) != 0) {
		fprintf(stderr, "%s\n", err);
		free(err);
		return NULL;
	}
	return c;
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
			if (mkdir(dir, 0755) != 0 && errno != EEXIST)
				rc = -1;
			*p = '/';
		}
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			rc = -1;
	}
	free(dir);
	return rc;
}

static struct store *open_store(const struct cfg *c, enum store_mode mode)
{
	struct store *st = NULL;
	char *err = NULL;
	if (mode == STORE_RW)
		ensure_parent_dir(c->gateway.store);
	if (store_open(c->gateway.store, mode, &st, &err) != 0) {
		fprintf(stderr, "forumgate: %s\n", err);
		free(err);
		return NULL;
	}
	return st;
}

static int cmd_check_config(const struct opts *o)
{
	struct cfg *c = load_config(o);
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
			fprintf(stderr, "forumgate: no forum named %s in %s\n", name, c->file);
		return f;
	}
	for (size_t i = 0; i < c->nforums; i++)
		if (strcmp(c->forums[i].type, "spool") == 0)
			return &c->forums[i];
	fprintf(stderr, "forumgate: %s has no spool forum to import into (use --forum)\n", c->file);
	return NULL;
}

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
	struct store *st = f ? open_store(c, STORE_RW) : NULL;
	int rc = st ? 0 : EX_SOFTWARE;
	struct sync_stats s = {0};
	for (size_t i = 0; st && i < o->nargs && rc == 0; i++) {
		char *err = NULL;
		if (sync_forum(st, c, f, o->args[i], 0, &s, &err) != 0) {
			fprintf(stderr, "forumgate: import %s: %s\n", o->args[i], err);
			free(err);
			rc = EX_DATAERR;
		}
	}
	if (st)
		fprintf(stderr,
			"forumgate: imported %zu threads: %zu new, %zu edited, %zu deleted, "
			"%zu unchanged posts, %zu files skipped\n",
			s.threads, s.posts_new, s.posts_edited, s.posts_deleted, s.posts_unchanged,
			s.warnings);
	if (rc == 0 && s.warnings)
		rc = EX_DATAERR;
	store_close(st);
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
	struct cfg *c = load_config(o);
	if (c == NULL)
		return EX_CONFIG;
	struct store *st = open_store(c, STORE_RDONLY);
	int rc = st ? 0 : EX_NOINPUT;
	char *err = NULL;
	if (st && store_article_foreach(st, o->group, export_article, stdout, &err) != 0) {
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
	int rc = 0;
	if (o->once) {
		struct store *st = open_store(c, STORE_RW);
		rc = st ? 0 : EX_SOFTWARE;
		for (size_t i = 0; st && i < c->nforums; i++) {
			struct sync_stats s = {0};
			char *err = NULL;
			if (sync_forum(st, c, &c->forums[i], NULL, 1, &s, &err) != 0) {
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
		struct sigaction sa = {.sa_handler = on_stop};
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		ensure_parent_dir(c->gateway.store);
		rc = sync_loop(c, &stop_flag) == 0 ? 0 : EX_SOFTWARE;
	}
	cfg_free(c);
	return rc;
}

static int cmd_serve(const struct opts *o)
{
	struct cfg *c = load_config(o);
	if (c == NULL)
		return EX_CONFIG;
	ensure_parent_dir(c->gateway.store);
	/* Create and migrate the store before any role forks (DEPENDENCIES.md:
	 * never fork with an SQLite connection open). */
	struct store *st = open_store(c, STORE_RW);
	if (st == NULL) {
		cfg_free(c);
		return EX_SOFTWARE;
	}
	store_close(st);
	int rc = supervisor_run(c);
	cfg_free(c);
	return rc;
}

int main(int argc, char **argv)
{
	const char *cmd;
	struct opts o = {0};
	int rc;
	if (parse_args(argc, argv, &cmd, &o) != 0) {
		usage(stderr);
		rc = EX_USAGE;
	} else if (cmd == NULL) {
		usage(stderr);
		rc = EX_USAGE;
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
	} else {
		fprintf(stderr, "forumgate: unknown command %s\n", cmd);
		usage(stderr);
		rc = EX_USAGE;
	}
	free(o.overrides);
	free(o.args);
	return rc;
}
