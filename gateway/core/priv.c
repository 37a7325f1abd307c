/*
 * Who forumgate runs as (see priv.h). The drop is done once per process,
 * before any thread starts, with setres[ug]id so that no saved id keeps a
 * way back to root; setgroups(0) first, while still allowed to.
 */
#include "forumgate/priv.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "forumgate/buf.h"
#include "forumgate/sandbox.h"
#include "forumgate/store.h"

static int have_user;
static uid_t user_uid;
static gid_t user_gid;

int priv_init(const struct cfg *c, char **err)
{
	have_user = 0;
	if (c->gateway.user == NULL || geteuid() != 0)
		return 0;
	errno = 0;
	struct passwd *pw = getpwnam(c->gateway.user);
	if (pw == NULL)
		return fg_error(err, "gateway.user %s: %s", c->gateway.user,
				errno ? strerror(errno) : "no such user");
	if (pw->pw_uid == 0)
		return fg_error(err, "gateway.user %s is root: name an unprivileged user",
				c->gateway.user);
	user_uid = pw->pw_uid;
	user_gid = pw->pw_gid;
	if (c->gateway.group) {
		errno = 0;
		struct group *gr = getgrnam(c->gateway.group);
		if (gr == NULL)
			return fg_error(err, "gateway.group %s: %s", c->gateway.group,
					errno ? strerror(errno) : "no such group");
		if (gr->gr_gid == 0)
			return fg_error(err, "gateway.group %s is root's group: name another",
					c->gateway.group);
		user_gid = gr->gr_gid;
	}
	have_user = 1;
	store_set_owner(user_uid, user_gid);
	return 0;
}

int priv_has_user(void)
{
	return have_user;
}

void priv_user_ids(unsigned *uid, unsigned *gid)
{
	*uid = user_uid;
	*gid = user_gid;
}

/* After the drop: the store's folder must take new files (SQLite creates
 * STORE-wal and STORE-shm beside the store and removes them at the last
 * close), and an existing store must be writable. Asked with access(), so
 * ACLs count, and said at start rather than as an SQLite error later. */
static int check_store(const struct cfg *c, const char *who, char **err)
{
	const char *store = c->gateway.store;
	const char *slash = strrchr(store, '/');
	char *dir = slash ? xstrndup(store, slash == store ? 1 : (size_t)(slash - store))
			  : xstrdup(".");
	int rc = 0;
	if (access(dir, W_OK | X_OK) != 0)
		rc = fg_error(err,
			      "user %s cannot create files in %s (%s), where the store %s "
			      "keeps its -wal and -shm files: chown %s it",
			      who, dir, strerror(errno), store, who);
	else if (access(store, F_OK) == 0 && access(store, R_OK | W_OK) != 0)
		rc = fg_error(err, "user %s cannot write the store %s (%s): chown %s %s*", who,
			      store, strerror(errno), who, store);
	free(dir);
	return rc;
}

int priv_check_root(const struct cfg *c, const char *role, int network, char **err)
{
	if (geteuid() == 0 && !have_user && network && !c->gateway.allow_root)
		return fg_error(err,
				"%s: refusing to run as root: set gateway.user to an unprivileged "
				"user (or gateway.allow_root: true)",
				role);
	return 0;
}

static void (*drop_hook)(void);

void priv_on_drop(void (*fn)(void))
{
	drop_hook = fn;
}

static int drop(const struct cfg *c, const char *role, int network, char **err);

int priv_drop(const struct cfg *c, const char *role, int network, char **err)
{
	int rc = drop(c, role, network, err);
	/* a role that faces the network is confined now, while it still has
	 * one thread, and counts as started only once it is (sandbox.h) */
	if (rc == 0)
		rc = sandbox_apply(c, role, err);
	if (rc == 0 && drop_hook)
		drop_hook();
	return rc;
}

static int drop(const struct cfg *c, const char *role, int network, char **err)
{
	if (priv_check_root(c, role, network, err) != 0)
		return -1;
	if (geteuid() != 0 || !have_user)
		return 0;
	/* the kernel clears the parent-death signal when the ids change */
	int deathsig = 0;
	prctl(PR_GET_PDEATHSIG, &deathsig);
	pid_t parent = getppid();
	if (setgroups(0, NULL) != 0 || setresgid(user_gid, user_gid, user_gid) != 0 ||
	    setresuid(user_uid, user_uid, user_uid) != 0)
		return fg_error(err, "%s: cannot become user %s: %s", role, c->gateway.user,
				strerror(errno));
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0 || ru != user_uid ||
	    eu != user_uid || su != user_uid || rg != user_gid || eg != user_gid ||
	    sg != user_gid || getgroups(0, NULL) != 0)
		return fg_error(err, "%s: the switch to user %s did not take", role,
				c->gateway.user);
	if (setuid(0) == 0 || seteuid(0) == 0)
		abort(); /* root came back: nothing after this can be trusted */
	/* no exec of ours may gain privileges either */
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (deathsig) {
		prctl(PR_SET_PDEATHSIG, deathsig);
		if (getppid() != parent) /* the parent died during the switch */
			raise(deathsig);
	}
	return check_store(c, c->gateway.user, err);
}

int priv_check_private_file(int fd, const char *path, const char *what, char **err)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return fg_error(err, "%s %s: %s", what, path, strerror(errno));
	if ((st.st_mode & 077) != 0)
		return fg_error(err, "%s %s is readable by others (chmod 600 it)", what, path);
	return 0;
}
