/*
 * A small store for the mail fuzz targets, built once per process in a
 * temporary directory removed at exit: forum "fz" with a postable group
 * fz.general holding one thread (so References route), a read-only group,
 * and a user alice <alice@example.org>.
 */
#ifndef FUZZ_WORLD_H
#define FUZZ_WORLD_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forumgate/buf.h"
#include "forumgate/config.h"
#include "forumgate/forum.h"
#include "forumgate/intake.h"
#include "forumgate/log.h"
#include "forumgate/store.h"
#include "forumgate/sync.h"

static struct {
	int ready;
	char *dir, *path;
	struct cfg *cfg;
	struct intake in;
} FW;

static const unsigned char fw_secret[] = "fuzz-secret-fuzz-secret-fuzz-sec";

static void fw_cleanup(void)
{
	store_close(FW.in.store);
	cfg_free(FW.cfg);
	char *cmd = xasprintf("rm -rf '%s'", FW.dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz: cannot remove %s\n", FW.dir);
	free(cmd);
	free(FW.path);
	free(FW.dir);
}

static void fw_die(const char *what, char *err)
{
	fprintf(stderr, "fuzz: setup: %s: %s\n", what, err ? err : "failed");
	abort();
}

static void fw_setup(void)
{
	if (FW.ready)
		return;
	FW.ready = 1;
	log_set_level(LOG_LVL_ERR + 1);
	char tmpl[] = "/tmp/fg-fuzz-mail-XXXXXX";
	if (mkdtemp(tmpl) == NULL)
		fw_die("mkdtemp", NULL);
	FW.dir = xstrdup(tmpl);
	FW.path = xasprintf("%s/store.db", FW.dir);
	char *yaml = xasprintf(
		"gateway:\n  domain: fz.example\n  store: %s\n"
		"forums:\n  - name: fz\n    type: spool\n    spool:\n      path: %s\n"
		"    boards:\n      - board: General\n        group: fz.general\n"
		"      - board: News\n        group: fz.news\n        posting: n\n"
		"mail:\n  reply_domain: reply.fz.example\n  max_message_size: 64k\n",
		FW.path, FW.dir);
	char *err = NULL;
	if (cfg_load_string("fuzz.yaml", yaml, strlen(yaml), NULL, 0, &FW.cfg, &err) != 0)
		fw_die("config", err);
	free(yaml);
	if (store_open(FW.path, STORE_CREATE, &FW.in.store, &err) != 0)
		fw_die("store", err);
	struct forum_thread t = {.board = "General", .id = "1", .title = "Fuzz thread"};
	struct forum_post *p = forum_thread_add_post(&t);
	p->id = xstrdup("10");
	p->position = 1;
	p->author = xstrdup("Bob");
	p->date = 1700000000;
	p->body = xstrdup("Hello <b>world</b>");
	p->markup = MARKUP_HTML;
	struct sync_stats st = {0};
	int64_t fid;
	if (store_begin(FW.in.store, &err) != 0 ||
	    store_forum_ensure(FW.in.store, "fz", &fid, &err) != 0 ||
	    sync_thread(FW.in.store, FW.cfg, &FW.cfg->forums[0], fid, &t, &st, &err) != 0 ||
	    store_user_add(FW.in.store, "alice", NULL, &err) != 0 ||
	    store_user_address(FW.in.store, "alice", "alice@example.org", 1, &err) != 1 ||
	    store_commit(FW.in.store, &err) != 0)
		fw_die("data", err);
	/* the thread struct's strings are borrowed literals: free only the posts */
	for (size_t i = 0; i < t.nposts; i++)
		forum_post_clear(&t.posts[i]);
	free(t.posts);
	FW.in.cfg = FW.cfg;
	FW.in.secret = fw_secret;
	FW.in.secret_len = sizeof fw_secret - 1;
	FW.in.source = "fuzz";
	atexit(fw_cleanup);
}

#endif
