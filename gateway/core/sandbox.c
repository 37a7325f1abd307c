/*
 * The confinement of the roles that face the network (see sandbox.h).
 *
 * Landlock is spoken through its three system calls (no library exists in
 * Debian 12 and none is needed). The rights handled are those of the ABI
 * the kernel reports, up to 3: a right the kernel does not know cannot be
 * handled, and a right we do not handle stays allowed, so on ABI 1 a file
 * can be truncated anywhere it can be opened for writing (which already
 * needs WRITE_FILE). ABI 1 also refuses every rename between folders
 * (REFER arrives with ABI 2), which Maildir needs: mailin with a Maildir
 * is then left without Landlock, and says so.
 *
 * seccomp is a deny-list that answers EPERM. Killing the process would
 * stop an exploit a moment earlier, but a denied call achieves nothing
 * either way, and libraries do probe: glibc's pthread_create tries clone3
 * before clone, an NSS module or OpenSSL may try something unusual on an
 * error path. EPERM lets them fall back and keeps a role serving its other
 * clients; the kernel refuses the call itself all the same. clone3 gets
 * ENOSYS (its flags sit behind a pointer seccomp cannot read, so glibc is
 * sent back to clone, whose flags it can); clone with a CLONE_NEW* flag
 * gets EPERM. System calls of another ABI (i386's int 0x80, x32) kill the
 * process: a deny-list by number would not see them.
 *
 * Under ASan, ptrace stays allowed: LeakSanitizer stops the threads with
 * it at exit. Its symbolizer would be executed; ASan then falls back to
 * its own (gcc's libbacktrace), so reports keep their function names.
 */
#include "forumgate/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "forumgate/buf.h"
#include "forumgate/log.h"
#include "forumgate/priv.h"

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif

#if defined(__SANITIZE_ADDRESS__)
#define FG_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FG_UNDER_ASAN 1
#endif
#endif
#ifndef FG_UNDER_ASAN
#define FG_UNDER_ASAN 0
#endif

static struct sandbox_state state;

int sandbox_mode_parse(const char *name, enum sandbox_mode *out)
{
	if (name == NULL || strcmp(name, "auto") == 0)
		*out = SANDBOX_AUTO;
	else if (strcmp(name, "off") == 0)
		*out = SANDBOX_OFF;
	else if (strcmp(name, "required") == 0)
		*out = SANDBOX_REQUIRED;
	else
		return -1;
	return 0;
}

int sandbox_confines(const char *role)
{
	return role && (strcmp(role, "nntpd") == 0 || strcmp(role, "mailin") == 0 ||
			strcmp(role, "httpd") == 0);
}

const struct sandbox_state *sandbox_state(void)
{
	return &state;
}

/* ---- the profile: which folders, with which rights -------------------- */

enum access { ACC_READ, ACC_WRITE, ACC_DEVRW };

struct rule {
	char *path;
	enum access acc;
};

struct profile {
	struct rule *rules;
	size_t n, cap;
	int renames; /* moves files between folders (Maildir): needs ABI 2 */
};

static void add_rule(struct profile *p, const char *path, enum access acc)
{
	if (path == NULL || *path == '\0')
		return;
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 32;
		p->rules = xrealloc(p->rules, p->cap * sizeof *p->rules);
	}
	p->rules[p->n].path = xstrdup(path);
	p->rules[p->n].acc = acc;
	p->n++;
}

/* The folder a file named by path is in ("." for a bare name). */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		return xstrdup(".");
	return xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
}

static void add_file_dir(struct profile *p, const char *file)
{
	if (file == NULL || *file == '\0')
		return;
	char *d = dir_of(file);
	add_rule(p, d, ACC_READ);
	free(d);
}

/* What every confined role reads. The system folders hold the libraries
 * loaded late (NSS modules for getaddrinfo, GnuTLS's p11-kit trust module
 * when mailin sends a notice) and zoneinfo; /proc/self serves glibc and
 * ASan, /sys the CPU count. Of /etc only what the C library, the resolver
 * and the TLS libraries read: /etc/forumgate, where the forums' API keys
 * and passwords usually live, stays out of reach. */
static const char *const system_ro[] = {
	"/usr",
	"/lib",
	"/lib64",
	"/lib32",
	"/libx32",
	"/proc",
	"/sys/devices/system/cpu",
	"/dev/urandom",
	"/dev/random",
	"/etc/ld.so.cache",
	"/etc/ld.so.conf",
	"/etc/ld.so.conf.d",
	"/etc/ld.so.preload",
	"/etc/nsswitch.conf",
	"/etc/passwd",
	"/etc/group",
	"/etc/hosts",
	"/etc/host.conf",
	"/etc/resolv.conf",
	"/etc/gai.conf",
	"/etc/services",
	"/etc/protocols",
	"/etc/localtime",
	"/etc/timezone",
	"/etc/ssl",
	"/etc/ca-certificates",
	"/etc/pki",
	"/etc/gnutls",
	"/etc/pkcs11",
	"/etc/crypto-policies",
};

/* The profile of role: the files and folders it may read and write. */
static void build_profile(const struct cfg *c, const char *role, struct profile *p)
{
	for (size_t i = 0; i < sizeof system_ro / sizeof *system_ro; i++)
		add_rule(p, system_ro[i], ACC_READ);
	add_rule(p, "/dev/null", ACC_DEVRW);
	if (strcmp(role, "nntpd") == 0) {
		/* a SIGHUP reads the configuration and the certificate again,
		 * often replaced by a rename: their folders */
		add_file_dir(p, c->file);
		add_file_dir(p, c->nntp.tls_cert);
		add_file_dir(p, c->nntp.tls_key);
	} else {
		/* the reply secret (mailin: reply keys; httpd: unsubscribe
		 * links) and, for notices, the smarthost's CA and password */
		add_rule(p, c->mail.secret_file, ACC_READ);
		add_rule(p, c->mail.smarthost_tls_ca, ACC_READ);
		add_rule(p, c->mail.smarthost_password_file, ACC_READ);
	}
	for (size_t i = 0; strcmp(role, "httpd") == 0 && i < c->nforums; i++) {
		const struct cfg_forum *f = &c->forums[i];
		const struct cfg_conn_section *s = f->conn_section;
		for (size_t k = 0; s && f->conn && k < s->nkeys; k++)
			if (s->keys[k].type == CFG_CONN_STR &&
			    (s->keys[k].flags & CFG_CONN_WEBHOOK))
				add_rule(p, *(char **)((char *)f->conn + s->keys[k].off), ACC_READ);
	}
	/* writes: the store's folder (store, -wal, -shm, .lock, .push) */
	char *store_dir = dir_of(c->gateway.store);
	add_rule(p, store_dir, ACC_WRITE);
	free(store_dir);
	if (strcmp(role, "mailin") == 0 && c->mail.maildir_path) {
		add_rule(p, c->mail.maildir_path, ACC_WRITE);
		p->renames = 1;
	}
}

static void free_profile(struct profile *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->rules[i].path);
	free(p->rules);
}

/* ---- Landlock ---------------------------------------------------------- */

#define FS_FILE_RIGHTS                                                                             \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                              \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE)

static uint64_t handled_rights(int abi)
{
	uint64_t r = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1; /* ABI 1: bits 0..12 */
	if (abi >= 2)
		r |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		r |= LANDLOCK_ACCESS_FS_TRUNCATE;
	return r;
}

static uint64_t rights_for(enum access acc)
{
	const uint64_t read = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
	switch (acc) {
	case ACC_READ:
		return read;
	case ACC_DEVRW:
		return read | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE;
	case ACC_WRITE:
		return read | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |
		       LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
		       LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_DIR |
		       LANDLOCK_ACCESS_FS_REFER;
	}
	return 0;
}

/* The Landlock ABI of the kernel, or 0 with why[] filled. */
static int landlock_abi(char *why, size_t n)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi >= 1)
		return (int)abi;
	if (errno == ENOSYS)
		snprintf(why, n, "Landlock: not in this kernel");
	else if (errno == EOPNOTSUPP)
		snprintf(why, n, "Landlock: disabled at boot (lsm=)");
	else
		snprintf(why, n, "Landlock: %s (a seccomp filter around forumgate?)",
			 strerror(errno));
	return 0;
}

/* The number of threads of this process (1 when it cannot tell). */
static int thread_count(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	int n = 1;
	if (f == NULL)
		return 1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "Threads:", 8) == 0)
			n = atoi(line + 8);
	fclose(f);
	return n;
}

/* Applies p with Landlock: the ABI enforced, or 0 with why[] filled
 * (nothing is enforced then: restrict_self is the last step). */
static int apply_landlock(const struct profile *p, char *why, size_t n)
{
	int abi = landlock_abi(why, n);
	if (abi == 0)
		return 0;
	if (abi > 3)
		abi = 3; /* the rights we know; newer kernels accept these */
	if (abi < 2 && p->renames) {
		snprintf(why, n,
			 "Landlock: ABI %d cannot allow the Maildir's moves between folders", abi);
		return 0;
	}
	int threads = thread_count();
	if (threads > 1) {
		snprintf(why, n, "Landlock: %d threads already run (it binds one thread)", threads);
		return 0;
	}
	uint64_t handled = handled_rights(abi);
	struct landlock_ruleset_attr attr = {.handled_access_fs = handled};
	int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
	if (rs < 0) {
		snprintf(why, n, "Landlock: create_ruleset: %s", strerror(errno));
		return 0;
	}
	for (size_t i = 0; i < p->n; i++) {
		int fd = open(p->rules[i].path, O_PATH | O_CLOEXEC);
		if (fd < 0)
			continue; /* a folder this system has not (/lib32) */
		struct stat st;
		uint64_t allowed = rights_for(p->rules[i].acc) & handled;
		if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
			allowed &= FS_FILE_RIGHTS;
		struct landlock_path_beneath_attr pb = {.allowed_access = allowed, .parent_fd = fd};
		if (syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) != 0)
			log_debug("sandbox: Landlock rule for %s: %s", p->rules[i].path,
				  strerror(errno));
		close(fd);
	}
	int rc = (int)syscall(SYS_landlock_restrict_self, rs, 0);
	int e = errno;
	close(rs);
	if (rc != 0) {
		snprintf(why, n, "Landlock: restrict_self: %s", strerror(e));
		return 0;
	}
	return abi;
}

/* ---- seccomp ----------------------------------------------------------- */

/* Calls a network role never makes. Names unknown to this architecture
 * or to this libseccomp are skipped. */
static const char *const denied[] = {
	/* running other programs */
	"execve",
	"execveat",
	/* other processes' memory */
	"process_vm_readv",
	"process_vm_writev",
	"kcmp",
	"pidfd_getfd",
	/* mounts, roots, namespaces */
	"mount",
	"umount",
	"umount2",
	"pivot_root",
	"chroot",
	"move_mount",
	"open_tree",
	"fsopen",
	"fsconfig",
	"fsmount",
	"fspick",
	"mount_setattr",
	"setns",
	"unshare",
	/* the kernel itself */
	"kexec_load",
	"kexec_file_load",
	"init_module",
	"finit_module",
	"delete_module",
	"bpf",
	"perf_event_open",
	"userfaultfd",
	"iopl",
	"ioperm",
	"syslog",
	"reboot",
	"swapon",
	"swapoff",
	"acct",
	"quotactl",
	"quotactl_fd",
	"lookup_dcookie",
	"nfsservctl",
	"uselib",
	"vhangup",
	/* keyrings */
	"keyctl",
	"add_key",
	"request_key",
	/* clocks and names of the machine */
	"settimeofday",
	"clock_settime",
	"clock_adjtime",
	"adjtimex",
	"stime",
	"sethostname",
	"setdomainname",
	/* files by handle (bypass paths), fanotify, io_uring (bypasses seccomp) */
	"open_by_handle_at",
	"name_to_handle_at",
	"fanotify_init",
	"io_uring_setup",
	"io_uring_enter",
	"io_uring_register",
};

/* Loads the deny-list: 1, or 0 with why[] filled (nothing loaded). */
static int apply_seccomp(char *why, size_t n)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (ctx == NULL) {
		snprintf(why, n, "seccomp: cannot make a filter");
		return 0;
	}
	/* a call of another ABI (i386's int 0x80, x32's high numbers, which
	 * libseccomp's filter tests for) would pass a deny-list by number */
	int rc = 0;
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) != 0)
		/* libseccomp asks seccomp() whether the kernel has it; under a
		 * filter that refuses seccomp() (systemd 252) it says no: then
		 * the thread, libseccomp's default */
		seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL);
	if (thread_count() > 1)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	for (size_t i = 0; rc == 0 && i < sizeof denied / sizeof *denied; i++) {
		int nr = seccomp_syscall_resolve_name(denied[i]);
		if (nr == __NR_SCMP_ERROR)
			continue;
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
	}
	if (rc == 0 && !FG_UNDER_ASAN)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ptrace), 0);
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	static const unsigned long ns_flags[] = {CLONE_NEWNS,  CLONE_NEWCGROUP, CLONE_NEWUTS,
						 CLONE_NEWIPC, CLONE_NEWUSER,   CLONE_NEWPID,
						 CLONE_NEWNET, 0x00000080 /* CLONE_NEWTIME */};
	for (size_t i = 0; rc == 0 && i < sizeof ns_flags / sizeof *ns_flags; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
				      SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]));
	/* typing into the controlling terminal's input */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				      SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				      SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCLINUX));
	if (rc != 0) {
		snprintf(why, n, "seccomp: building the filter: %s", strerror(-rc));
		seccomp_release(ctx);
		return 0;
	}
	rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc != 0) {
		snprintf(why, n, "seccomp: %s (a seccomp filter around forumgate?)", strerror(-rc));
		return 0;
	}
	return 1;
}

/* ---- applying ---------------------------------------------------------- */

static void add_why(char *dst, size_t n, const char *why)
{
	size_t len = strlen(dst);
	if (*why && len + 3 < n)
		snprintf(dst + len, n - len, "%s%s", len ? "; " : "", why);
}

int sandbox_apply(const struct cfg *c, const char *role, char **err)
{
	enum sandbox_mode mode;
	if (sandbox_mode_parse(c->gateway.sandbox, &mode) != 0)
		return fg_error(err, "gateway.sandbox: %s is not auto, off or required",
				c->gateway.sandbox);
	if (!sandbox_confines(role) || mode == SANDBOX_OFF || state.applied)
		return 0;
	memset(&state, 0, sizeof state);
	state.applied = 1;
	/* seccomp needs it; it also makes a setuid program useless to us */
	int nnp_errno = 0;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0)
		state.nnp = 1;
	else
		nnp_errno = errno;
	struct profile p = {0};
	build_profile(c, role, &p);
	char why[160] = "";
	state.landlock_abi = apply_landlock(&p, why, sizeof why);
	add_why(state.why, sizeof state.why, why);
	free_profile(&p);
	why[0] = '\0';
	state.seccomp = state.nnp ? apply_seccomp(why, sizeof why) : 0;
	if (!state.nnp)
		snprintf(why, sizeof why, "seccomp: no_new_privs: %s", strerror(nnp_errno));
	add_why(state.why, sizeof state.why, why);

	struct buf b = {0};
	if (state.landlock_abi)
		buf_addf(&b, "Landlock ABI %d (writes only in the store's folder%s)",
			 state.landlock_abi,
			 strcmp(role, "mailin") == 0 && c->mail.maildir_path ? " and the Maildir"
									     : "");
	if (state.seccomp)
		buf_addf(&b, "%sseccomp deny-list", b.len ? ", " : "");
	if (mode == SANDBOX_REQUIRED && (!state.landlock_abi || !state.seccomp)) {
		int rc = fg_error(err,
				  "%s: gateway.sandbox is required but %s; refusing to run (%s "
				  "applied)",
				  role, state.why, b.len ? buf_str(&b) : "nothing");
		buf_free(&b);
		return rc;
	}
	if (state.why[0])
		log_info("sandbox: %s%s; not applied: %s", b.len ? buf_str(&b) : "nothing",
			 b.len ? " applied" : "", state.why);
	else
		log_info("sandbox: %s applied", buf_str(&b));
	buf_free(&b);
	return 0;
}

/* ---- forumgate sandbox-check ------------------------------------------ */

/* 1 when path is dir or lies below it (both resolved). */
static int lies_within(const char *path, const char *dir)
{
	char *rp = realpath(path, NULL), *rd = realpath(dir, NULL);
	int in = 0;
	if (rp && rd) {
		size_t n = strlen(rd);
		in = strncmp(rp, rd, n) == 0 && (rp[n] == '\0' || rp[n] == '/' || n == 1);
	}
	free(rp);
	free(rd);
	return in;
}

static void status_line(FILE *out)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	if (f == NULL)
		return;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "NoNewPrivs:", 11) == 0 || strncmp(line, "Seccomp:", 8) == 0)
			fprintf(out, "  /proc/self/status %s", line);
	fclose(f);
}

/* Tries execve(/bin/true) in a child: 0 and the errno it failed with in
 * *e, or -1 when it ran. */
static int try_exec(int *e)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0) {
		*e = errno;
		return 0;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		char *const argv[] = {"true", NULL};
		execve("/bin/true", argv, (char *const[]){NULL});
		int x = errno;
		if (write(fds[1], &x, sizeof x) != sizeof x) {
			/* the parent then sees it as having run */
		}
		_exit(127);
	}
	close(fds[1]);
	int x = 0;
	ssize_t got = pid > 0 ? read(fds[0], &x, sizeof x) : -1;
	close(fds[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	if (pid < 0) {
		*e = errno;
		return 0;
	}
	*e = x;
	return got == sizeof x ? 0 : -1;
}

/* The child of sandbox_check: drop, confine, try. Exit status 0 when the
 * sandbox holds. */
static int check_child(const struct cfg *c, const char *role, const char *outside, FILE *out)
{
	char *err = NULL;
	if (priv_drop(c, role, 1, &err) != 0) {
		fprintf(out, "cannot confine %s: %s\n", role, err);
		free(err);
		return 2;
	}
	const struct sandbox_state *s = sandbox_state();
	int bad = 0;
	fprintf(out, "sandbox-check: %s (gateway.sandbox: %s)\n", role,
		c->gateway.sandbox ? c->gateway.sandbox : "auto");
	if (!s->applied) {
		fprintf(out, "  FAILED: gateway.sandbox is off\n");
		bad++;
	} else {
		fprintf(out, "  Landlock: %s%d\n", s->landlock_abi ? "ABI " : "", s->landlock_abi);
		fprintf(out, "  seccomp deny-list: %s\n", s->seccomp ? "loaded" : "no");
		if (s->why[0])
			fprintf(out, "  not applied: %s\n", s->why);
	}
	status_line(out);

	/* the store's folder takes new files */
	char *probe = xasprintf("%s.sandbox-check.XXXXXX", c->gateway.store);
	int fd = mkstemp(probe);
	if (fd >= 0) {
		close(fd);
		unlink(probe);
		fprintf(out, "  ok: created a file beside the store %s\n", c->gateway.store);
	} else {
		fprintf(out, "  FAILED: cannot create a file beside the store %s: %s\n",
			c->gateway.store, strerror(errno));
		bad++;
	}
	free(probe);

	/* a folder outside does not */
	char *file = xasprintf("%s/probe", outside);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		close(fd);
		fprintf(out, "  FAILED: created %s outside the store's folder\n", file);
		bad++;
	} else {
		fprintf(out, "  ok: creating %s refused: %s\n", file, strerror(errno));
	}
	free(file);

	int e = 0;
	if (try_exec(&e) == 0) {
		fprintf(out, "  ok: executing /bin/true refused: %s\n", strerror(e));
	} else {
		fprintf(out, "  FAILED: /bin/true was executed\n");
		bad++;
	}

	if (unshare(CLONE_NEWUSER) != 0) {
		fprintf(out, "  ok: a new user namespace refused: %s\n", strerror(errno));
	} else {
		fprintf(out, "  FAILED: unshare(CLONE_NEWUSER) worked\n");
		bad++;
	}
	fprintf(out, "%s\n", bad ? "the sandbox does NOT hold" : "the sandbox holds");
	return bad ? 1 : 0;
}

int sandbox_check(const struct cfg *c, const char *role, FILE *out, char **err)
{
	if (!sandbox_confines(role))
		return fg_error(err, "sandbox-check: no sandbox for role %s (nntpd, mailin, httpd)",
				role ? role : "(none)");
	char *store_dir = dir_of(c->gateway.store);
	struct stat st;
	if (stat(store_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		int rc = fg_error(err, "sandbox-check: the store's folder %s: %s", store_dir,
				  strerror(errno ? errno : ENOTDIR));
		free(store_dir);
		return rc;
	}
	/* a folder the role's user may write, were it not for the sandbox */
	const char *tmp = getenv("TMPDIR");
	char *outside = xasprintf("%s/forumgate-sandbox-check.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(outside) == NULL) {
		int rc = fg_error(err, "sandbox-check: mkdtemp %s: %s", outside, strerror(errno));
		free(outside);
		free(store_dir);
		return rc;
	}
	int rc;
	unsigned uid, gid;
	priv_user_ids(&uid, &gid);
	if (lies_within(outside, store_dir) ||
	    (c->mail.maildir_path && lies_within(outside, c->mail.maildir_path))) {
		rc = fg_error(err,
			      "sandbox-check: %s lies in a folder the role may write; set TMPDIR "
			      "to another",
			      outside);
	} else if (priv_has_user() && chown(outside, uid, gid) != 0) {
		rc = fg_error(err, "sandbox-check: chown %s: %s", outside, strerror(errno));
	} else {
		/* the child confines itself; this process stays free to clean up */
		fflush(out);
		pid_t pid = fork();
		if (pid == 0) {
			int x = check_child(c, role, outside, out);
			fflush(out);
			_exit(x);
		}
		int status = 0;
		if (pid < 0 || waitpid(pid, &status, 0) != pid)
			rc = fg_error(err, "sandbox-check: fork: %s", strerror(errno));
		else if (WIFSIGNALED(status))
			rc = fg_error(err, "sandbox-check: the check died of signal %d",
				      WTERMSIG(status));
		else if (WEXITSTATUS(status) == 2)
			rc = fg_error(err, "sandbox-check: could not confine the check");
		else
			rc = WEXITSTATUS(status) ? 1 : 0;
	}
	char *probe = xasprintf("%s/probe", outside);
	unlink(probe);
	free(probe);
	rmdir(outside);
	free(outside);
	free(store_dir);
	return rc;
}
