/*
 * Tests for gateway/core/sandbox.c: gateway.sandbox's values and default,
 * which roles are confined, and the profile itself, applied in a forked
 * child (a sandbox cannot be lifted): the store's folder takes files, a
 * folder beside it does not, /etc/forumgate-like folders cannot be read,
 * exec fails, and "off" changes nothing. Skipped where the kernel has no
 * Landlock.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "forumgate/buf.h"
#include "forumgate/config.h"
#include "forumgate/sandbox.h"

static struct cfg *load(const char *store, const char *mode)
{
	char *yaml = xasprintf("gateway:\n  domain: example.org\n  store: %s\n%s%s%s", store,
			       mode ? "  sandbox: " : "", mode ? mode : "", mode ? "\n" : "");
	struct cfg *c = NULL;
	char *err = NULL;
	int rc = cfg_load_string("t.yaml", yaml, strlen(yaml), NULL, 0, &c, &err);
	if (rc != 0)
		fail_msg("%s", err);
	free(yaml);
	return c;
}

static void test_modes(void **state)
{
	enum sandbox_mode m;
	assert_int_equal(sandbox_mode_parse("auto", &m), 0);
	assert_int_equal(m, SANDBOX_AUTO);
	assert_int_equal(sandbox_mode_parse("off", &m), 0);
	assert_int_equal(m, SANDBOX_OFF);
	assert_int_equal(sandbox_mode_parse("required", &m), 0);
	assert_int_equal(m, SANDBOX_REQUIRED);
	assert_int_equal(sandbox_mode_parse("on", &m), -1);
	struct cfg *c = load("/tmp/x.db", NULL);
	assert_string_equal(c->gateway.sandbox, "auto");
	cfg_free(c);
	/* a wrong value names the file, the line and the column */
	const char *bad = "gateway:\n  domain: example.org\n  sandbox: maybe\n";
	char *err = NULL;
	assert_int_equal(cfg_load_string("t.yaml", bad, strlen(bad), NULL, 0, &c, &err), -1);
	assert_non_null(strstr(err, "t.yaml:3:12: gateway.sandbox"));
	free(err);
}

static void test_confined_roles(void **state)
{
	assert_true(sandbox_confines("nntpd"));
	assert_true(sandbox_confines("mailin"));
	assert_true(sandbox_confines("httpd"));
	assert_false(sandbox_confines("sync"));
	assert_false(sandbox_confines("outbox"));
	assert_false(sandbox_confines("listd"));
	assert_false(sandbox_confines(NULL));
}

static int have_landlock(void)
{
	return syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION) >= 1;
}

/* Runs fn in a child confined as role with mode; fn's result is the exit
 * status (0 = as expected). */
static int in_child(const char *base, const char *store, const char *role, const char *mode,
		    int (*fn)(const char *base))
{
	pid_t pid = fork();
	if (pid == 0) {
		struct cfg *c = load(store, mode);
		char *err = NULL;
		if (sandbox_apply(c, role, &err) != 0) {
			fprintf(stderr, "sandbox_apply: %s\n", err);
			_exit(90);
		}
		_exit(fn(base));
	}
	int st = 0;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

static int try_create(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return errno;
	close(fd);
	unlink(path);
	return 0;
}

/* the store's folder takes files; its parent (where "secrets" lie) can
 * be neither written nor read; exec fails */
static int confined(const char *dir)
{
	char *in = xasprintf("%s/db/new-file", dir);
	char *out = xasprintf("%s/outside", dir);
	char *secret = xasprintf("%s/secret", dir);
	int rc = 0;
	if (try_create(in) != 0)
		rc = 1;
	else if (try_create(out) != EACCES)
		rc = 2;
	else if (open(secret, O_RDONLY) >= 0 || errno != EACCES)
		rc = 3;
	else if (execl("/bin/true", "true", (char *)NULL) == 0 ||
		 (errno != EPERM && errno != EACCES))
		rc = 4;
	else if (access("/usr/share", R_OK) != 0 || open("/etc/hosts", O_RDONLY) < 0)
		rc = 5;
	free(in);
	free(out);
	free(secret);
	return rc;
}

static int unconfined(const char *dir)
{
	char *out = xasprintf("%s/outside", dir);
	char *secret = xasprintf("%s/secret", dir);
	int rc = try_create(out) != 0 ? 1 : open(secret, O_RDONLY) < 0 ? 2 : 0;
	free(out);
	free(secret);
	return rc;
}

static void test_profile_in_a_child(void **state)
{
	if (!have_landlock()) {
		skip();
		return;
	}
	char tmpl[] = "/tmp/fg-unit-sandbox-XXXXXX";
	char *base = mkdtemp(tmpl);
	assert_non_null(base);
	char *db = xasprintf("%s/db", base);
	char *store = xasprintf("%s/db/store.db", base);
	char *secret = xasprintf("%s/secret", base);
	assert_int_equal(mkdir(db, 0700), 0);
	int fd = open(secret, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(in_child(base, store, "nntpd", NULL, confined), 0);
	assert_int_equal(in_child(base, store, "mailin", "required", confined), 0);
	assert_int_equal(in_child(base, store, "nntpd", "off", unconfined), 0);
	assert_int_equal(in_child(base, store, "sync", NULL, unconfined), 0);
	unlink(secret);
	rmdir(db);
	rmdir(base);
	free(db);
	free(store);
	free(secret);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_confined_roles),
		cmocka_unit_test(test_profile_in_a_child),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
