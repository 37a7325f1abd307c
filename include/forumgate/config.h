/*
 * config: the YAML configuration (libyaml), validated into typed structs.
 *
 * Errors name FILE:LINE:COLUMN (1-based) and say what is wrong: unknown key
 * (with the closest valid one), wrong type, value out of range, missing
 * required key, duplicate key, duplicate newsgroup name, invalid newsgroup
 * name (RFC 5536 §3.1.4). Options meant for later features are parsed and
 * refused with "not supported yet" rather than ignored.
 *
 * -o KEY=VALUE overrides (dotted paths: "gateway.store", "nntp.listen",
 * "forums.0.spool.path" or "forums.demo.spool") are applied to the YAML
 * document before validation, so they are checked like the file itself;
 * an error in an override names "-o KEY".
 *
 * All strings are malloc'd and owned by struct cfg; cfg_free() frees all.
 */
#ifndef FORUMGATE_CONFIG_H
#define FORUMGATE_CONFIG_H

#include <stddef.h>
#include <stdio.h>

/* A board of a forum mapped to one newsgroup. */
struct cfg_board {
	char *board;       /* board name or id as the connector reports it; "*" = any other */
	char *group;       /* newsgroup name */
	char *description; /* for LIST NEWSGROUPS; may be NULL */
	char posting;      /* 'y', 'n', 'm', or 0 = follow the forum's permissions */
	char *access;      /* "public" (default) or "members": reading needs a login */
	/* first sync of a live forum: this board's own limit (backfill:
	 * {days|topics}), 0 = the forum's (cfg_forum.backfill_*) */
	int backfill_days, backfill_topics;
};

/* A connector's own config section (declared in its ops, connector.h): the
 * loader validates `<name>: {...}` under a forum of that type against these
 * keys and stores the values in a struct of `size` bytes the connector
 * defines (at each key's `off`), kept in cfg_forum.conn. */
enum cfg_conn_type {
	CFG_CONN_STR,  /* char * (malloc'd, freed by cfg_free) */
	CFG_CONN_INT,  /* int in [min, max] */
	CFG_CONN_BOOL, /* int 0/1 */
	CFG_CONN_SIZE, /* long bytes: "512", "10M" */
};
#define CFG_CONN_REQUIRED 1u
#define CFG_CONN_FILE 4u   /* names a file forumgate reads (CFG_CHECK_FILES) */
#define CFG_CONN_SECRET 8u /* cfg_print shows it as "(hidden)" */
#define CFG_CONN_WEBHOOK                                                                           \
	16u /* a file the httpd role reads per request: its
				sandbox may read it (sandbox.h) */
struct cfg_conn_key {
	const char *key;
	enum cfg_conn_type type;
	unsigned flags;
	size_t off;
	long min, max, idef; /* INT/SIZE range; INT/BOOL/SIZE default */
	const char *sdef;    /* STR default; NULL = none */
};
struct cfg_conn_section {
	const char *name; /* the key under the forum, e.g. "discourse" */
	size_t size;      /* of the connector's struct */
	const struct cfg_conn_key *keys;
	size_t nkeys;
	int required; /* 1: a forum of this type must have the section */
};

struct cfg_forum {
	char *name;               /* short name, used in Message-IDs; [a-z0-9-]+ */
	char *type;               /* "spool" (others: "not supported yet") */
	char *spool_path;         /* spool: directory (or file) to read */
	int poll_interval;        /* seconds between sync passes (default 60) */
	long spool_max_file_size; /* spool: larger files are skipped (default 64 MiB) */
	char *url;                /* forum base URL; may be NULL */
	char *timezone;           /* IANA zone of forum dates (default "UTC") */
	char *group_prefix;       /* boards without a mapping become prefix.slug(board);
				  default "<name>" */
	char *author_address;     /* template: {user} {id} {forum} {domain}; default
				  "{user}@users.{domain}" for registered users */
	char *guest_address;      /* template for guests; default "guest@{domain}" */
	struct cfg_board *boards;
	size_t nboards;
	/* live connectors (HTTP; see http.h) */
	char *tls_ca;                /* PEM CA file to trust (private CA); NULL = system store */
	int max_concurrent;          /* requests in flight at once (default 4) */
	int max_requests_per_second; /* default 5 */
	int timeout;                 /* seconds for a whole request (default 60) */
	int connect_timeout;         /* seconds to connect (default 15) */
	/* first sync: how far back (backfill: {days: N} or {topics: N}); 0 = all */
	int backfill_days, backfill_topics;
	/* the connector's own section (cfg_conn_section of its type), or
	 * NULL when the connector declares none; owned by the config */
	void *conn;
	const struct cfg_conn_section *conn_section;
};

/* The HTTP listener (httpd role): webhooks, later one-click unsubscribe. */
struct cfg_http {
	char *listen;       /* "127.0.0.1:8119"; NULL = no listener */
	long max_body_size; /* bytes, default 1 MiB */
	char *public_url;   /* how subscribers reach the listener (behind a
				  proxy): one-click unsubscribe links; NULL =
				  http://<listen> */
};

/* A group's own list settings. */
struct cfg_list_group {
	char *group;
	char *format; /* "text" or "html": default for new subscribers */
};

/* Mailing-list delivery (the listd role). */
struct cfg_list {
	int enabled;        /* run listd under serve; default 0 */
	char *from_address; /* template {group} {domain}: the address list
				  mail is From/Sender (the poster's name is the
				  display name); default "{group}@{domain}" */
	char *format;       /* default format of new subscriptions: "text" */
	int digest_hour;    /* hour (0-23, subscriber's zone) of digests; 7 */
	int batch;          /* deliveries per SMTP batch (default 200) */
	int retry_max;      /* cap of the per-domain backoff, seconds (3600) */
	int poll_interval;  /* seconds between looks for new articles (2) */
	int digest_check;   /* seconds between looks for due digests (60) */
	struct cfg_list_group *groups;
	size_t ngroups;
};

struct cfg_listen {
	char *address; /* "127.0.0.1:1119", "[::1]:1119" */
	char *tls;     /* "none", "implicit", "starttls" */
};

struct cfg_nntp {
	struct cfg_listen *listen;
	size_t nlisten;
	char *tls_cert, *tls_key; /* PEM files; NULL = no TLS */
	int workers;              /* 0 = one per core */
	int max_connections;      /* total, default 1000 */
	int max_per_address;      /* default 50 */
	int idle_timeout;         /* seconds, default 600 */
	int write_timeout;        /* seconds without output progress, default 60 */
	int handshake_timeout;    /* seconds for a TLS handshake, default 30 */
	int account_lockout;      /* seconds an account is locked, default 60 */
	long max_post_size;       /* bytes, default 1 MiB */
	int allow_plaintext_auth; /* on loopback without TLS; default 0 */
};

/* IMAP intake (the imapin role). Off when host is NULL. */
struct cfg_imap {
	char *host;           /* server name or address; NULL = off */
	int port;             /* default 993 (143 for starttls and none) */
	char *tls;            /* "implicit" (default), "starttls", "none" (loopback only) */
	char *tls_ca;         /* PEM CA file to verify the server; NULL = system store */
	char *user;           /* LOGIN name */
	char *password_file;  /* first line is the password */
	char *mailbox;        /* default "INBOX" */
	char *failed_mailbox; /* refused messages are copied here; default "forumgate-failed" */
	int poll_interval;    /* seconds between polls, default 60 */
	int idle;             /* wait in IDLE between polls when offered; default 1 */
	char *recipient;      /* recipient when the message names none */
};

struct cfg_mail {
	char *lmtp_listen;             /* "127.0.0.1:2424" or "unix:/path"; NULL = off */
	int lmtp_write_timeout;        /* seconds without output progress, default 60 */
	char *reply_domain;            /* default = gateway.domain */
	char *secret_file;             /* HMAC key for reply addresses; may be NULL */
	char *smarthost;               /* "host:port" for notices and list mail; may be NULL */
	char *smarthost_tls_ca;        /* PEM CA to verify its STARTTLS certificate;
				   NULL = system store; set = TLS required */
	char *smarthost_user;          /* AUTH PLAIN login; NULL = no AUTH */
	char *smarthost_password_file; /* its password (first line) */
	long max_message_size;         /* bytes, default 10 MiB */
	int reply_to;                  /* add Reply-To to articles; default 0 */
	char *maildir_path;            /* Maildir to take replies from (scanned every
				  few seconds); NULL = off */
	char *maildir_recipient;       /* recipient when the message names none */
	struct cfg_imap imap;
};

struct cfg_auth {
	char *sender_policy; /* "registered" (default) or "authenticated" */
	char **trusted_authserv_ids;
	size_t ntrusted;
	int key_requires_sender_match; /* default 1 */
};

struct cfg {
	char *file;       /* path the config was read from */
	char **overrides; /* the -o KEY=VALUE it was read with (a reload
				  applies them again) */
	size_t noverrides;
	struct {
		char *domain;       /* required: Message-IDs and addresses */
		char *store;        /* SQLite path; default "./run/forumgate.db" */
		char *organization; /* may be NULL */
		char *path_host;    /* Path identity; default = domain */
		char *user;         /* started as root, every role runs as this
				       user; NULL = stay root (see priv.h) */
		char *group;        /* its group; NULL = the user's own */
		int allow_root;     /* without user: network roles may run as root */
		char *log_level;    /* error|warning|notice|info (default)|debug */
		char *sandbox;      /* auto (default)|off|required: sandbox.h */
	} gateway;
	struct cfg_forum *forums;
	size_t nforums;
	struct cfg_nntp nntp;
	struct cfg_mail mail;
	struct cfg_auth auth;
	struct cfg_http http;
	struct cfg_list list;
};

/* Loads and validates `path`, applying the n overrides ("KEY=VALUE") first.
 * Returns 0 and a new config in *out, or -1 and a message (possibly several
 * lines, one per error, each "FILE:LINE:COL: message") in *err. */
int cfg_load(const char *path, char *const *overrides, size_t n, struct cfg **out, char **err);
/* The same for YAML text in memory; `name` stands for the file in messages. */
int cfg_load_string(const char *name, const char *text, size_t len, char *const *overrides,
		    size_t n, struct cfg **out, char **err);

/* cfg_load(_string) with flags: CFG_CHECK_FILES also checks that every
 * file the configuration names (nntp.tls.cert and key, mail.secret_file,
 * mail.imap.password_file, the spool paths) exists and is readable, each
 * failure an error at the value's FILE:LINE:COL naming its key. */
#define CFG_CHECK_FILES 1u
int cfg_load_flags(const char *path, char *const *overrides, size_t n, unsigned flags,
		   struct cfg **out, char **err);
int cfg_load_string_flags(const char *name, const char *text, size_t len, char *const *overrides,
			  size_t n, unsigned flags, struct cfg **out, char **err);
void cfg_free(struct cfg *c);

/* Prints the effective configuration (defaults filled in) as YAML. */
void cfg_print(const struct cfg *c, FILE *f);
/* Prints every key the schema knows, one dotted path a line
 * ("nntp.tls.cert", "forums[].boards[].group", "forums[].discourse.api_key"),
 * for checking the manual against it (forumgate config-keys). */
void cfg_print_keys(FILE *f);

const struct cfg_forum *cfg_forum_find(const struct cfg *c, const char *name);
/* The newsgroup a board of forum f maps to (malloc'd), with its description
 * and posting flag (0 = follow the forum) in *desc / *posting (borrowed).
 * An unmapped board becomes <group_prefix>.<article_group_slug(board)>. */
char *cfg_board_group(const struct cfg_forum *f, const char *board, const char **desc,
		      char *posting);
/* 1 when the boards list maps board (by name or "*"), 0 when its group
 * comes from the naming rule (sync then keeps the group it was first
 * filed in: store_board_group). */
int cfg_board_mapped(const struct cfg_forum *f, const char *board);
/* 1 when the config makes group a members-only group (access: members). */
int cfg_group_members_only(const struct cfg *c, const char *group);
/* The group -> board direction of the board mapping, the one every caller
 * uses (a new thread posted to `group`, by mail or NNTP, goes to this forum
 * and board): the forum whose boards feed `group` (by the board mapping,
 * then by group_prefix), or NULL; *board (borrowed; may be NULL to ignore)
 * the board mapped to the group by name, NULL when the group comes from
 * group_prefix or a "*" mapping (the connector's default board). */
const struct cfg_forum *cfg_group_forum(const struct cfg *c, const char *group, const char **board);
/* The default subscription format of group ("text" or "html"; borrowed). */
const char *cfg_list_format(const struct cfg *c, const char *group);
/* 1 if name is a valid newsgroup name per RFC 5536 §3.1.4, else 0. */
int cfg_valid_newsgroup(const char *name);

#endif
