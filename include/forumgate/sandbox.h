/*
 * sandbox: what a role that parses hostile input may still do once it has
 * started (issue #15). nntpd (newsreaders), mailin (mail from anyone) and
 * httpd (webhooks, unsubscribe links) are confined right after priv_drop(),
 * when their listeners are bound, their TLS key read and their store
 * connections open, and before any thread starts:
 *
 *  - Landlock (Linux 5.13+, ABI 1-3 used): files may be read only below
 *    the system folders (/usr, /lib*, /proc, a few /dev and /sys entries),
 *    the files of /etc the C library, the resolver and the TLS libraries
 *    read (not /etc/forumgate), and what the role itself reads after its
 *    start: nntpd the configuration's folder and its certificate's and
 *    key's (a reload reads them again), mailin and httpd the reply secret
 *    and the smarthost's CA and password file, httpd the webhook secrets;
 *    written only in the store's folder (the store, -wal, -shm, the lock
 *    file; SQLite keeps its temporary tables in memory) and, for mailin,
 *    the Maildir. Nothing may be executed.
 *  - seccomp (libseccomp): a deny-list of the system calls such a role
 *    never makes: exec, ptrace, mounts, namespaces (unshare, setns, clone
 *    with CLONE_NEW*), modules, kexec, bpf, perf, userfaultfd, keyrings,
 *    io_uring, swap, reboot, clock changes, TIOCSTI... They fail with EPERM
 *    (see sandbox.c for why not a kill). An allow-list would be stronger,
 *    but OpenSSL, GnuTLS, libcurl, libevent, glibc's NSS and SQLite make
 *    different calls by version and path; a missed one would kill a role
 *    in production.
 *  - PR_SET_NO_NEW_PRIVS, which the seccomp filter needs anyway.
 *
 * gateway.sandbox says how hard to try: "auto" (default) applies what the
 * kernel offers and logs what it applied (once per role process, at info);
 * "required" refuses to start a role when Landlock or seccomp is
 * unavailable (an old kernel, or a seccomp filter around forumgate that
 * refuses the calls, like systemd's SystemCallFilter without them);
 * "off" applies nothing.
 */
#ifndef FORUMGATE_SANDBOX_H
#define FORUMGATE_SANDBOX_H

#include <stdio.h>

#include "forumgate/config.h"

enum sandbox_mode { SANDBOX_AUTO, SANDBOX_OFF, SANDBOX_REQUIRED };

/* What sandbox_apply() did in this process. */
struct sandbox_state {
	int applied;      /* sandbox_apply ran for a confined role */
	int landlock_abi; /* the ABI whose rights were enforced; 0 = none */
	int seccomp;      /* 1 = the deny-list filter is loaded */
	int nnp;          /* 1 = PR_SET_NO_NEW_PRIVS is set */
	char why[160];    /* a layer that was not applied: why ("" = all applied) */
};

/* "auto", "off", "required" (gateway.sandbox): 0 and *out, or -1. */
int sandbox_mode_parse(const char *name, enum sandbox_mode *out);

/* 1 when role (a role name as in supervisor.c) is confined, else 0. */
int sandbox_confines(const char *role);

/* Confines this process as role per c->gateway.sandbox; does nothing (0)
 * for a role sandbox_confines() says no to, or with "off". Call it once,
 * after the role has dropped privileges and before it starts threads
 * (Landlock binds the calling thread and those it creates later). Returns
 * 0, or -1 with *err when gateway.sandbox is "required" and a layer could
 * not be applied, or when a layer failed half-way (the process is then in
 * an unknown state and must not serve). */
int sandbox_apply(const struct cfg *c, const char *role, char **err);

/* What sandbox_apply did (all zero before it ran). */
const struct sandbox_state *sandbox_state(void);

/* forumgate sandbox-check: confines this process as role would be
 * (priv_drop, then sandbox_apply, as the role does) and tries what the
 * sandbox must allow and what it must refuse, a line for each on out:
 * create a file in the store's folder (must work), create one in a new
 * folder outside (must fail), execute /bin/true (must fail), make a user
 * namespace (must fail). Returns 0 when the sandbox holds, 1 when it does
 * not (or is off), -1 with *err when the check could not run. */
int sandbox_check(const struct cfg *c, const char *role, FILE *out, char **err);

#endif
