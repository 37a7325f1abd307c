/*
 * The SQLite backend of store.h.
 *
 * One file, WAL journal, synchronous=NORMAL: a committed transaction survives
 * a process crash; the last transactions before a power loss may roll back,
 * which the protocols tolerate because nothing is acknowledged before commit
 * and a re-sync or MTA retry restores the rest.
 *
 * Layout: `articles` holds each article once (wire form, overview line);
 * `numbering` maps (group, number) to an article, WITHOUT ROWID so that OVER
 * and LISTGROUP are range scans of one B-tree. Withdrawn articles keep their
 * numbering row with withdrawn = 1, so numbers are never handed out again
 * (groups.next_number also only grows).
 *
 * A store that does not exist yet can be built in bulk (store_build): in a
 * private file without a journal and with a larger page cache, synced and
 * linked into place at the end. That skips WAL's second copy of every page
 * and its checkpoints, and readers never see a half-built store.
 *
 * Inside a write transaction new posts and articles wait in a write queue
 * and go in as many-row INSERTs (see "The write queue"); every statement
 * that could see them writes the queue first.
 *
 * Every statement is prepared once per connection (stmt cache below); all SQL
 * lives in this file. Schema changes go in `migrations` as new entries:
 * never edit an entry that has shipped.
 */
#include "forumgate/store.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "forumgate/buf.h"

static const char *const migrations[] = {
	/* 1: the initial schema */
	"CREATE TABLE forums ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  cursor TEXT,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE groups ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  description TEXT,"
	"  posting TEXT NOT NULL DEFAULT 'y',"
	"  next_number INTEGER NOT NULL DEFAULT 1,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE threads ("
	"  id INTEGER PRIMARY KEY,"
	"  forum_id INTEGER NOT NULL REFERENCES forums(id),"
	"  thread_key TEXT NOT NULL,"
	"  title TEXT, board TEXT, url TEXT,"
	"  UNIQUE (forum_id, thread_key));"
	"CREATE TABLE posts ("
	"  id INTEGER PRIMARY KEY,"
	"  forum_id INTEGER NOT NULL REFERENCES forums(id),"
	"  thread_id INTEGER NOT NULL REFERENCES threads(id),"
	"  post_key TEXT NOT NULL,"
	"  position INTEGER NOT NULL DEFAULT 0,"
	"  author TEXT, author_id TEXT, guest INTEGER NOT NULL DEFAULT 0,"
	"  date INTEGER NOT NULL,"
	"  markup INTEGER NOT NULL, body TEXT NOT NULL, signature TEXT,"
	"  parent_key TEXT, url TEXT,"
	"  hash TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1,"
	"  deleted INTEGER NOT NULL DEFAULT 0,"
	"  message_id TEXT, refs TEXT, group_id INTEGER,"
	"  UNIQUE (forum_id, post_key));"
	"CREATE INDEX posts_thread ON posts(thread_id, position);"
	"CREATE TABLE articles ("
	"  id INTEGER PRIMARY KEY,"
	"  message_id TEXT NOT NULL UNIQUE,"
	"  wire BLOB NOT NULL,"
	"  header_len INTEGER NOT NULL,"
	"  bytes INTEGER NOT NULL,"
	"  lines INTEGER NOT NULL,"
	"  overview TEXT NOT NULL,"
	"  date INTEGER NOT NULL,"
	"  arrived INTEGER NOT NULL,"
	"  withdrawn INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX articles_arrived ON articles(arrived);"
	"CREATE TABLE numbering ("
	"  group_id INTEGER NOT NULL REFERENCES groups(id),"
	"  number INTEGER NOT NULL,"
	"  article_id INTEGER NOT NULL REFERENCES articles(id),"
	"  withdrawn INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (group_id, number)) WITHOUT ROWID;"
	"CREATE INDEX numbering_article ON numbering(article_id);",
	/* 2: users (AUTHINFO, mail senders) and the outbox of replies */
	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  forum_user_id TEXT,"
	"  password TEXT,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE user_addresses ("
	"  address TEXT PRIMARY KEY COLLATE NOCASE,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE);"
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  message_id TEXT NOT NULL UNIQUE,"
	"  source TEXT NOT NULL,"
	"  user TEXT,"
	"  forum TEXT, thread_key TEXT, parent_key TEXT,"
	"  newsgroups TEXT NOT NULL,"
	"  subject TEXT,"
	"  article BLOB NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'queued',"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt INTEGER NOT NULL,"
	"  last_error TEXT,"
	"  forum_post_id TEXT,"
	"  created INTEGER NOT NULL);"
	"CREATE INDEX outbox_state ON outbox(state, next_attempt);"
	"CREATE INDEX posts_message_id ON posts(message_id);",
	/* 3: mail intake: trimmed text, attachments, bounces */
	"ALTER TABLE outbox ADD COLUMN body TEXT;"
	"ALTER TABLE outbox ADD COLUMN elided TEXT;"
	"ALTER TABLE outbox ADD COLUMN envelope_from TEXT;"
	"ALTER TABLE outbox ADD COLUMN recipient TEXT;"
	"ALTER TABLE outbox ADD COLUMN route TEXT;"
	"CREATE INDEX outbox_post ON outbox(forum, forum_post_id);"
	"CREATE TABLE outbox_attachments ("
	"  id INTEGER PRIMARY KEY,"
	"  outbox_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,"
	"  filename TEXT, content_type TEXT, data BLOB NOT NULL);"
	"CREATE TABLE bounces ("
	"  address TEXT PRIMARY KEY COLLATE NOCASE,"
	"  count INTEGER NOT NULL DEFAULT 0,"
	"  last INTEGER NOT NULL,"
	"  reason TEXT);",
	/* 4: members-only groups (reading needs a login) */
	"ALTER TABLE groups ADD COLUMN members_only INTEGER NOT NULL DEFAULT 0;",
	/* 5: serving speed. The overview line moves to its own table: as a
	 * column after the wire blob, reading it walked the blob's overflow
	 * pages, so OVER read every article. Groups keep their count of listed
	 * articles, so GROUP is three index probes instead of a scan. */
	"CREATE TABLE overviews ("
	"  article_id INTEGER PRIMARY KEY REFERENCES articles(id),"
	"  overview TEXT NOT NULL);"
	"INSERT INTO overviews SELECT id, overview FROM articles;"
	"ALTER TABLE articles DROP COLUMN overview;"
	"ALTER TABLE groups ADD COLUMN live INTEGER NOT NULL DEFAULT 0;"
	"UPDATE groups SET live = (SELECT count(*) FROM numbering n"
	"  WHERE n.group_id = groups.id AND n.withdrawn = 0);",
	/* 6: the overview line also inside numbering, whose rows are clustered
	 * by (group, number): OVER becomes one sequential range read with no
	 * lookup per article */
	"ALTER TABLE numbering ADD COLUMN overview TEXT;"
	"UPDATE numbering SET overview ="
	"  (SELECT o.overview FROM overviews o WHERE o.article_id = numbering.article_id);",
	/* 7: numbering holds the overview lines; the overviews table only
	 * served lookups by Message-ID, which numbering_article serves too */
	"DROP TABLE overviews;",
	/* 8: (issue #11) boards keep the group they were first filed in, so a
	 * change of the naming rule never renames a group under its readers:
	 * seeded from the threads already stored. Superseded articles (edits)
	 * stay retrievable by Message-ID (articles.withdrawn = 2) and name
	 * their successor, so deleting the post hides its whole history.
	 * :bytes in the overview lines counted the dot-stuffing: recomputed
	 * for the articles that have any (fg_unstuffed_bytes, see migrate) */
	"CREATE TABLE board_groups ("
	"  forum_id INTEGER NOT NULL REFERENCES forums(id),"
	"  board TEXT NOT NULL COLLATE NOCASE,"
	"  group_id INTEGER NOT NULL REFERENCES groups(id),"
	"  PRIMARY KEY (forum_id, board)) WITHOUT ROWID;"
	"INSERT OR IGNORE INTO board_groups(forum_id, board, group_id)"
	"  SELECT t.forum_id, t.board, p.group_id FROM threads t JOIN posts p ON p.thread_id = t.id"
	"  WHERE t.board IS NOT NULL AND p.group_id IS NOT NULL ORDER BY p.id;"
	"ALTER TABLE articles ADD COLUMN superseded_by TEXT;"
	"CREATE INDEX articles_superseded ON articles(superseded_by)"
	"  WHERE superseded_by IS NOT NULL;"
	"UPDATE numbering SET overview = fg_unstuffed_bytes(overview,"
	"  (SELECT wire FROM articles a WHERE a.id = numbering.article_id))"
	"  WHERE article_id IN (SELECT id FROM articles WHERE instr(wire, X'0D0A2E') > 0);",
	/* 9: (issue #12) what a forum pushed (webhooks): topics the httpd role
	 * queues for the sync role to fetch now, and the delivery ids seen
	 * (a delivery sent again is done once) */
	"CREATE TABLE push_topics ("
	"  forum TEXT NOT NULL, topic TEXT NOT NULL, added INTEGER NOT NULL,"
	"  PRIMARY KEY (forum, topic)) WITHOUT ROWID;"
	"CREATE TABLE push_events ("
	"  forum TEXT NOT NULL, event_id INTEGER NOT NULL, added INTEGER NOT NULL,"
	"  PRIMARY KEY (forum, event_id)) WITHOUT ROWID;",
	/* 10: (issue #14) mailing-list mode: subscriptions, the delivery queue
	 * (one row per article and recipient), the backoff of recipient
	 * domains, listd's cursor over articles.id, and a bounce score */
	"CREATE TABLE subscriptions ("
	"  group_name TEXT NOT NULL,"
	"  address TEXT NOT NULL COLLATE NOCASE,"
	"  mode TEXT NOT NULL DEFAULT 'each',"
	"  digest_period TEXT NOT NULL DEFAULT 'daily',"
	"  digest_hour INTEGER NOT NULL DEFAULT 7,"
	"  format TEXT NOT NULL DEFAULT 'text',"
	"  timezone TEXT,"
	"  own_copies INTEGER NOT NULL DEFAULT 0,"
	"  state TEXT NOT NULL DEFAULT 'active',"
	"  token TEXT, token_expires INTEGER,"
	"  created INTEGER NOT NULL,"
	"  digest_last INTEGER NOT NULL DEFAULT 0,"
	"  digest_issue INTEGER NOT NULL DEFAULT 0,"
	"  digest_next INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (group_name, address)) WITHOUT ROWID;"
	"CREATE INDEX subscriptions_address ON subscriptions(address);"
	"CREATE INDEX subscriptions_token ON subscriptions(token) WHERE token IS NOT NULL;"
	"CREATE TABLE list_queue ("
	"  id INTEGER PRIMARY KEY,"
	"  article_id INTEGER NOT NULL REFERENCES articles(id),"
	"  group_name TEXT NOT NULL,"
	"  recipient TEXT NOT NULL COLLATE NOCASE,"
	"  domain TEXT NOT NULL COLLATE NOCASE,"
	"  format TEXT NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'queued',"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_try INTEGER NOT NULL,"
	"  last_error TEXT,"
	"  created INTEGER NOT NULL,"
	"  kind TEXT NOT NULL DEFAULT 'each',"
	"  digest_from INTEGER, issue INTEGER,"
	"  UNIQUE (article_id, recipient, kind));"
	"CREATE INDEX list_queue_due ON list_queue(state, next_try);"
	"CREATE TABLE list_domains ("
	"  domain TEXT PRIMARY KEY COLLATE NOCASE,"
	"  failures INTEGER NOT NULL, next_try INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE list_state (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
	/* the bounce score's state (bounce_score.h) beside the raw count */
	"ALTER TABLE bounces ADD COLUMN score REAL NOT NULL DEFAULT 0;"
	"ALTER TABLE bounces ADD COLUMN soft REAL NOT NULL DEFAULT 0;"
	"ALTER TABLE bounces ADD COLUMN hard_count INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE bounces ADD COLUMN last_counted INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE bounces ADD COLUMN updated INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE bounces ADD COLUMN last_was_hard INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE bounces ADD COLUMN suspended INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE bounces ADD COLUMN suspended_at INTEGER NOT NULL DEFAULT 0;",
	/* 11: (issue #15) runtime state for `forumgate status` and GET /metrics:
	 * the role processes (one row per host and role: the last one to run,
	 * its heartbeat), each process's counters as it last flushed them (a
	 * histogram as one row per bucket, bucket -1 for everything else), and
	 * the outcome of each forum's sync passes */
	"CREATE TABLE runtime_roles ("
	"  host TEXT NOT NULL, role TEXT NOT NULL,"
	"  pid INTEGER NOT NULL, started INTEGER NOT NULL,"
	"  restarts INTEGER NOT NULL DEFAULT 0,"
	"  heartbeat INTEGER NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'running',"
	"  PRIMARY KEY (host, role)) WITHOUT ROWID;"
	"CREATE TABLE runtime_metrics ("
	"  host TEXT NOT NULL, role TEXT NOT NULL,"
	"  name TEXT NOT NULL, labels TEXT NOT NULL, bucket INTEGER NOT NULL,"
	"  value REAL NOT NULL, pid INTEGER NOT NULL, updated INTEGER NOT NULL,"
	"  PRIMARY KEY (host, role, name, labels, bucket)) WITHOUT ROWID;"
	"CREATE TABLE runtime_sync ("
	"  forum TEXT PRIMARY KEY,"
	"  last_attempt INTEGER NOT NULL, last_success INTEGER,"
	"  last_error TEXT, last_error_at INTEGER,"
	"  passes INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0,"
	"  posts INTEGER NOT NULL DEFAULT 0, duration REAL NOT NULL DEFAULT 0) WITHOUT ROWID;",
};

enum stmt_id {
	S_FORUM_GET,
	S_FORUM_ADD,
	S_CURSOR_GET,
	S_CURSOR_SET,
	S_GROUP_BY_NAME,
	S_GROUP_ADD,
	S_GROUP_UPDATE,
	S_GROUP_STATS,
	S_GROUP_LIST,
	S_GROUP_NEXT,
	S_GROUP_BUMP,
	S_THREAD_GET,
	S_THREAD_ADD,
	S_THREAD_UPDATE,
	S_POST_GET,
	S_POST_AT,
	S_THREAD_ROOT,
	S_THREAD_POSTS,
	S_ART_NEXT_ID,
	S_ART_HAS_ID,
	S_GROUP_LIVE,
	S_GROUP_UNLIST,
	S_ART_EXISTS,
	S_ART_ANY,
	S_DATA_VERSION,
	S_ART_WITHDRAW,
	S_ART_WITHDRAW_NUM,
	S_ART_FOREACH,
	S_VIEW_NUM,
	S_VIEW_ID,
	S_SNAP_BEGIN,
	S_SNAP_END,
	S_NEXT,
	S_PREV,
	S_RANGE,
	S_RANGE_WIRE,
	S_NEWNEWS,
	S_GROUP_POSTING,
	S_USER_ADD,
	S_USER_PASSWORD,
	S_USER_SET_PASSWORD,
	S_USER_DEL,
	S_ADDR_ADD,
	S_ADDR_DEL,
	S_USER_LIST,
	S_OUTBOX_ADD,
	S_POST_BY_MSGID,
	S_REPLY_ROUTE,
	S_OUTBOX_ATTACH,
	S_OUTBOX_NEXT,
	S_OUTBOX_POSTED,
	S_OUTBOX_RETRY,
	S_OUTBOX_FAILED,
	S_OUTBOX_EXPECT,
	S_OUTBOX_MSGID,
	S_OUTBOX_PARENT,
	S_OUTBOX_ANY_POSTED,
	S_MSGID_KNOWN,
	S_USER_BY_ADDR,
	S_USER_NAME,
	S_USER_OWNS,
	S_BOUNCE,
	S_POST_BY_ROWID,
	S_POST_ROWID,
	S_THREAD_INFO,
	S_GROUP_BOARD,
	S_USER_ID,
	S_POST_GROUP,
	S_GROUP_MEMBERS,
	S_MEMBERS_ONLY,
	S_BOARD_GROUP,
	S_BOARD_GROUP_SET,
	S_ART_SUPERSEDE,
	S_ART_WITHDRAW_CHAIN,
	S_SUB_PUT,
	S_SUB_GET,
	S_SUB_DEL,
	S_SUB_LIST,
	S_SUB_BY_TOKEN,
	S_LIST_CURSOR_GET,
	S_LIST_CURSOR_SET,
	S_LIST_NEW,
	S_LIST_FANOUT,
	S_LIST_DUE,
	S_LIST_SENDING,
	S_LIST_SENT,
	S_LIST_DOMAIN_OK,
	S_LIST_RETRY,
	S_LIST_DOMAIN_FAIL,
	S_LIST_FAILED,
	S_LIST_REQUEUE,
	S_BOUNCE_GET,
	S_BOUNCE_PUT,
	S_LIST_RECIPIENT,
	S_POST_HTML,
	S_DIGEST_DUE,
	S_DIGEST_NEXT,
	S_DIGEST_QUEUE,
	S_DIGEST_DONE,
	S_GROUP_LAST_ART,
	S_GROUP_ARTS,
	S_ROLE_START,
	S_ROLE_BEAT,
	S_ROLE_STOP,
	S_METRIC_PUT,
	S_SYNC_RECORD,
	S_COUNT
};

static const char *const stmt_sql[S_COUNT] = {
	[S_ROLE_START] = "INSERT INTO runtime_roles(host, role, pid, started, restarts, heartbeat,"
			 " state) VALUES (?1, ?2, ?3, ?4, ?5, ?4, 'running')"
			 " ON CONFLICT (host, role) DO UPDATE SET pid = excluded.pid,"
			 " started = excluded.started, restarts = excluded.restarts,"
			 " heartbeat = excluded.heartbeat, state = 'running'",
	[S_ROLE_BEAT] = "UPDATE runtime_roles SET heartbeat = ?4"
			" WHERE host = ?1 AND role = ?2 AND pid = ?3",
	[S_ROLE_STOP] = "UPDATE runtime_roles SET state = 'stopped', heartbeat = ?4"
			" WHERE host = ?1 AND (?2 IS NULL OR role = ?2) AND (?3 = 0 OR pid = ?3)",
	[S_METRIC_PUT] =
		"INSERT INTO runtime_metrics(host, role, name, labels, bucket, value, pid,"
		" updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
		" ON CONFLICT (host, role, name, labels, bucket) DO UPDATE SET"
		" value = CASE WHEN ?9 THEN value + excluded.value ELSE excluded.value END,"
		" pid = excluded.pid, updated = excluded.updated",
	[S_SYNC_RECORD] = "INSERT INTO runtime_sync(forum, last_attempt, last_success, last_error,"
			  " last_error_at, passes, failures, posts, duration)"
			  " VALUES (?1, ?2, CASE WHEN ?3 IS NULL THEN ?2 END, ?3,"
			  " CASE WHEN ?3 IS NOT NULL THEN ?2 END, 1, ?3 IS NOT NULL, ?4, ?5)"
			  " ON CONFLICT (forum) DO UPDATE SET last_attempt = excluded.last_attempt,"
			  " last_success = coalesce(excluded.last_success, last_success),"
			  " last_error = CASE WHEN ?3 IS NULL THEN last_error ELSE ?3 END,"
			  " last_error_at = coalesce(excluded.last_error_at, last_error_at),"
			  " passes = passes + 1, failures = failures + excluded.failures,"
			  " posts = posts + excluded.posts, duration = excluded.duration",
	[S_SUB_PUT] =
		"INSERT INTO subscriptions(group_name, address, mode, digest_period, digest_hour,"
		" format, timezone, own_copies, state, token, token_expires, created)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
		" ON CONFLICT (group_name, address) DO UPDATE SET mode = excluded.mode,"
		" digest_period = excluded.digest_period, digest_hour = excluded.digest_hour,"
		" format = excluded.format, timezone = excluded.timezone,"
		" own_copies = excluded.own_copies, state = excluded.state,"
		" token = excluded.token, token_expires = excluded.token_expires",
	[S_SUB_GET] =
		"SELECT group_name, address, mode, digest_period, digest_hour, format, timezone,"
		" own_copies, state, token, token_expires, created FROM subscriptions"
		" WHERE group_name = ?1 AND address = ?2",
	[S_SUB_DEL] = "DELETE FROM subscriptions WHERE group_name = ?1 AND address = ?2",
	[S_SUB_LIST] = "SELECT s.group_name, s.address, s.mode, s.digest_period, s.digest_hour,"
		       " s.format, s.timezone, s.own_copies, s.state, s.token, s.token_expires,"
		       " s.created, coalesce(b.score, 0), coalesce(b.count, 0), b.last,"
		       " coalesce(b.suspended, 0)"
		       " FROM subscriptions s LEFT JOIN bounces b ON b.address = s.address"
		       " WHERE ?1 IS NULL OR s.group_name = ?1 ORDER BY s.group_name, s.address",
	[S_SUB_BY_TOKEN] = "SELECT group_name, address, mode, digest_period, digest_hour, format,"
			   " timezone, own_copies, state, token, token_expires, created"
			   " FROM subscriptions WHERE token = ?1",
	[S_BOUNCE_GET] = "SELECT soft, hard_count, last_counted, updated, last_was_hard, suspended,"
			 " suspended_at, score FROM bounces WHERE address = ?1",
	[S_BOUNCE_PUT] = "INSERT INTO bounces(address, count, last, reason, soft, hard_count,"
			 " last_counted, updated, last_was_hard, suspended, suspended_at, score)"
			 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
			 " ON CONFLICT (address) DO UPDATE SET count = count + excluded.count,"
			 " last = CASE WHEN excluded.count > 0 THEN excluded.last ELSE last END,"
			 " reason = coalesce(excluded.reason, reason), soft = excluded.soft,"
			 " hard_count = excluded.hard_count, last_counted = excluded.last_counted,"
			 " updated = excluded.updated, last_was_hard = excluded.last_was_hard,"
			 " suspended = excluded.suspended, suspended_at = excluded.suspended_at,"
			 " score = excluded.score",
	[S_LIST_RECIPIENT] = "SELECT recipient FROM list_queue WHERE id = ?1",
	[S_DIGEST_DUE] = "SELECT group_name, address, digest_period, digest_hour, format, timezone,"
			 " digest_last, digest_issue, digest_next FROM subscriptions"
			 " WHERE mode = 'digest' AND state = 'active' AND digest_next <= ?1"
			 " AND NOT EXISTS (SELECT 1 FROM bounces b WHERE b.address ="
			 "  subscriptions.address AND b.suspended)",
	[S_DIGEST_NEXT] = "UPDATE subscriptions SET digest_next = ?3, digest_last ="
			  " max(digest_last, ?4) WHERE group_name = ?1 AND address = ?2",
	[S_DIGEST_QUEUE] = "INSERT OR IGNORE INTO list_queue(article_id, group_name, recipient,"
			   " domain, format, next_try, created, kind, digest_from, issue)"
			   " VALUES (?1, ?2, ?3, lower(substr(?3, instr(?3, '@') + 1)), ?4, ?5, ?5,"
			   " 'digest', ?6, ?7)",
	[S_DIGEST_DONE] = "UPDATE subscriptions SET digest_last = ?3, digest_issue = ?4"
			  " WHERE group_name = ?1 AND address = ?2",
	[S_GROUP_LAST_ART] = "SELECT coalesce(max(n.article_id), 0) FROM numbering n"
			     " WHERE n.group_id = (SELECT id FROM groups WHERE name = ?1)"
			     " AND n.withdrawn = 0",
	[S_GROUP_ARTS] = "SELECT a.wire FROM numbering n JOIN articles a ON a.id = n.article_id"
			 " WHERE n.group_id = (SELECT id FROM groups WHERE name = ?1)"
			 " AND n.withdrawn = 0 AND n.article_id > ?2 AND n.article_id <= ?3"
			 " ORDER BY n.number",
	[S_POST_HTML] = "SELECT markup, body, url FROM posts WHERE message_id = ?1 AND deleted = 0"
			" ORDER BY version DESC LIMIT 1",
	[S_LIST_CURSOR_GET] = "SELECT value FROM list_state WHERE name = 'cursor'",
	[S_LIST_CURSOR_SET] = "INSERT INTO list_state(name, value) VALUES ('cursor', ?1)"
			      " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
	/* articles after the cursor with each group they are listed in (none:
	 * one row with NULL); `fresh` is 0 for an old post filed now (a
	 * backfill, an import: a list mails what is new, not the archive) and
	 * for an edit (it supersedes an article: subscribers had the post) */
	[S_LIST_NEW] =
		"SELECT a.id, a.message_id, g.name, a.date >= a.arrived - 172800"
		" AND NOT EXISTS (SELECT 1 FROM articles o WHERE o.superseded_by = a.message_id)"
		" FROM (SELECT id, message_id, date, arrived FROM articles WHERE id > ?1"
		"  ORDER BY id LIMIT ?2) a"
		" LEFT JOIN numbering n ON n.article_id = a.id AND n.withdrawn = 0"
		" LEFT JOIN groups g ON g.id = n.group_id ORDER BY a.id",
	/* the group's `each` subscribers, less suspended addresses and, for a
	 * post that came in by mail, its author (unless own_copies) */
	[S_LIST_FANOUT] =
		"INSERT OR IGNORE INTO list_queue(article_id, group_name, recipient, domain,"
		" format, next_try, created)"
		" SELECT ?1, s.group_name, s.address,"
		" lower(substr(s.address, instr(s.address, '@') + 1)), s.format, ?4, ?4"
		" FROM subscriptions s WHERE s.group_name = ?2 AND s.mode = 'each'"
		" AND s.state = 'active'"
		" AND NOT EXISTS (SELECT 1 FROM bounces b WHERE b.address = s.address"
		"  AND b.suspended)"
		" AND (s.own_copies OR NOT EXISTS (SELECT 1 FROM outbox o"
		"  WHERE o.message_id = ?3 AND o.source <> 'nntp'"
		"  AND (o.envelope_from = s.address COLLATE NOCASE OR s.address IN"
		"  (SELECT ua.address FROM user_addresses ua JOIN users u"
		"   ON u.id = ua.user_id WHERE u.name = o.user))))",
	[S_LIST_DUE] =
		"SELECT q.id, q.article_id, a.message_id, q.group_name, q.recipient, q.format,"
		" q.attempts, q.kind, coalesce(q.digest_from, 0), coalesce(q.issue, 0)"
		" FROM list_queue q JOIN articles a ON a.id = q.article_id"
		" WHERE q.state = 'queued' AND q.next_try <= ?1"
		" AND NOT EXISTS (SELECT 1 FROM list_domains d WHERE d.domain = q.domain"
		"  AND d.next_try > ?1)"
		" ORDER BY q.next_try, q.id LIMIT ?2",
	[S_LIST_SENDING] = "UPDATE list_queue SET state = 'sending', attempts = attempts + 1"
			   " WHERE id = ?1",
	[S_LIST_SENT] = "UPDATE list_queue SET state = 'sent', last_error = NULL WHERE id = ?1",
	[S_LIST_DOMAIN_OK] = "DELETE FROM list_domains WHERE domain ="
			     " (SELECT domain FROM list_queue WHERE id = ?1)",
	[S_LIST_RETRY] = "UPDATE list_queue SET state = 'queued', last_error = ?2,"
			 " next_try = ?3 + min(?4, 60 << min(attempts, 16)) WHERE id = ?1",
	/* the backoff of the recipient's domain: 60 s doubling per failure
	 * in a row, capped */
	[S_LIST_DOMAIN_FAIL] = "INSERT INTO list_domains(domain, failures, next_try)"
			       " SELECT domain, 1, ?2 + 60 FROM list_queue WHERE id = ?1"
			       " ON CONFLICT (domain) DO UPDATE SET failures = failures + 1,"
			       " next_try = ?2 + min(?3, 60 << min(failures, 16))",
	[S_LIST_FAILED] = "UPDATE list_queue SET state = 'failed', last_error = ?2 WHERE id = ?1",
	[S_LIST_REQUEUE] = "UPDATE list_queue SET state = 'queued' WHERE state = 'sending'",
	[S_FORUM_GET] = "SELECT id FROM forums WHERE name = ?1",
	[S_FORUM_ADD] = "INSERT INTO forums(name, created) VALUES (?1, ?2)",
	[S_CURSOR_GET] = "SELECT cursor FROM forums WHERE id = ?1",
	[S_CURSOR_SET] = "UPDATE forums SET cursor = ?2 WHERE id = ?1",
	[S_GROUP_BY_NAME] =
		"SELECT id, name, description, posting, created, members_only FROM groups"
		" WHERE name = ?1",
	[S_GROUP_ADD] =
		"INSERT INTO groups(name, description, posting, created) VALUES (?1, ?2, ?3, ?4)",
	[S_GROUP_UPDATE] = "UPDATE groups SET description = coalesce(?2, description),"
			   " posting = coalesce(?3, posting) WHERE id = ?1"
			   " AND (description IS NOT coalesce(?2, description)"
			   " OR posting IS NOT coalesce(?3, posting))",
	[S_GROUP_STATS] = "SELECT live,"
			  " (SELECT number FROM numbering WHERE group_id = ?1 AND withdrawn = 0"
			  "  ORDER BY number LIMIT 1),"
			  " (SELECT number FROM numbering WHERE group_id = ?1 AND withdrawn = 0"
			  "  ORDER BY number DESC LIMIT 1)"
			  " FROM groups WHERE id = ?1",
	[S_GROUP_LIST] = "SELECT id, name, description, posting, created, members_only FROM groups"
			 " ORDER BY name",
	[S_GROUP_NEXT] = "SELECT next_number FROM groups WHERE id = ?1",
	[S_GROUP_BUMP] = "UPDATE groups SET next_number = ?2 WHERE id = ?1",
	[S_THREAD_GET] = "SELECT id FROM threads WHERE forum_id = ?1 AND thread_key = ?2",
	[S_THREAD_ADD] =
		"INSERT INTO threads(forum_id, thread_key, title, board, url) VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_THREAD_UPDATE] = "UPDATE threads SET title = ?2, board = ?3, url = ?4 WHERE id = ?1"
			    " AND (title IS NOT ?2 OR board IS NOT ?3 OR url IS NOT ?4)",
	[S_POST_GET] =
		"SELECT p.id, p.version, p.hash, p.message_id, p.refs, p.date, p.deleted, p.position"
		" FROM posts p JOIN threads t ON t.id = p.thread_id"
		" WHERE p.forum_id = ?1 AND t.thread_key = ?2 AND p.post_key = ?3",
	/* the thread is looked up first so that posts_thread(thread_id,
	 * position) serves the rest: a join lets the planner scan the forum */
	[S_POST_AT] = "SELECT post_key FROM posts WHERE thread_id ="
		      " (SELECT id FROM threads WHERE forum_id = ?1 AND thread_key = ?2)"
		      " AND position = ?3 LIMIT 1",
	[S_THREAD_POSTS] = "SELECT post_key FROM posts WHERE thread_id ="
			   " (SELECT id FROM threads WHERE forum_id = ?1 AND thread_key = ?2)"
			   " AND deleted = 0",
	[S_THREAD_ROOT] = "SELECT post_key FROM posts WHERE thread_id ="
			  " (SELECT id FROM threads WHERE forum_id = ?1 AND thread_key = ?2)"
			  " ORDER BY position, id LIMIT 1",
	[S_ART_NEXT_ID] = "SELECT coalesce(max(id), 0) + 1 FROM articles",
	[S_ART_HAS_ID] = "SELECT 1 FROM articles WHERE id = ?1",
	[S_GROUP_LIVE] = "UPDATE groups SET live = live + ?2 WHERE id = ?1",
	[S_GROUP_UNLIST] = "UPDATE groups SET live = live - 1 WHERE id IN"
			   " (SELECT group_id FROM numbering WHERE withdrawn = 0 AND article_id ="
			   " (SELECT id FROM articles WHERE message_id = ?1))",
	[S_ART_EXISTS] = "SELECT 1 FROM articles WHERE message_id = ?1",
	[S_ART_ANY] = "SELECT 1 FROM articles LIMIT 1",
	[S_DATA_VERSION] = "PRAGMA data_version",
	[S_ART_WITHDRAW] = "UPDATE articles SET withdrawn = 1 WHERE message_id = ?1",
	[S_ART_SUPERSEDE] = "UPDATE articles SET withdrawn = 2, superseded_by = ?2"
			    " WHERE message_id = ?1 AND withdrawn = 0",
	/* the versions the withdrawn one superseded, and theirs */
	[S_ART_WITHDRAW_CHAIN] = "WITH RECURSIVE chain(id) AS (SELECT ?1 UNION"
				 " SELECT a.message_id FROM articles a JOIN chain c"
				 " ON a.superseded_by = c.id)"
				 " UPDATE articles SET withdrawn = 1 WHERE withdrawn = 2"
				 " AND message_id IN (SELECT id FROM chain)",
	[S_ART_WITHDRAW_NUM] = "UPDATE numbering SET withdrawn = 1 WHERE article_id ="
			       " (SELECT id FROM articles WHERE message_id = ?1)",
	[S_ART_FOREACH] =
		"SELECT n.number, a.message_id, a.wire, a.header_len, a.date FROM numbering n"
		" JOIN articles a ON a.id = n.article_id"
		" WHERE n.group_id = ?1 AND n.withdrawn = 0 ORDER BY n.number",
	[S_VIEW_NUM] = "SELECT n.number, a.message_id, a.wire, a.header_len, n.overview"
		       " FROM numbering n JOIN articles a ON a.id = n.article_id"
		       " WHERE n.group_id = ?1 AND n.number = ?2 AND n.withdrawn = 0",
	[S_SNAP_BEGIN] = "BEGIN",
	[S_SNAP_END] = "COMMIT",
	/* a superseded article (withdrawn = 2) is still served by its id */
	[S_VIEW_ID] = "SELECT 0, a.message_id, a.wire, a.header_len,"
		      " (SELECT n.overview FROM numbering n WHERE n.article_id = a.id LIMIT 1)"
		      " FROM articles a WHERE a.message_id = ?1 AND a.withdrawn <> 1",
	[S_NEXT] = "SELECT number FROM numbering WHERE group_id = ?1 AND number > ?2"
		   " AND withdrawn = 0 ORDER BY number LIMIT 1",
	[S_PREV] = "SELECT number FROM numbering WHERE group_id = ?1 AND number < ?2"
		   " AND withdrawn = 0 ORDER BY number DESC LIMIT 1",
	/* OVER and LISTGROUP read numbering alone */
	[S_RANGE] = "SELECT number, NULL, NULL, 0, overview FROM numbering"
		    " WHERE group_id = ?1 AND number BETWEEN ?2 AND ?3 AND withdrawn = 0"
		    " ORDER BY number",
	[S_RANGE_WIRE] = "SELECT n.number, a.message_id, a.wire, a.header_len, n.overview"
			 " FROM numbering n JOIN articles a ON a.id = n.article_id"
			 " WHERE n.group_id = ?1 AND n.number BETWEEN ?2 AND ?3"
			 " AND n.withdrawn = 0 ORDER BY n.number",
	[S_NEWNEWS] = "SELECT a.message_id, g.name FROM articles a"
		      " JOIN numbering n ON n.article_id = a.id AND n.withdrawn = 0"
		      " JOIN groups g ON g.id = n.group_id"
		      " WHERE a.arrived >= ?1 ORDER BY a.arrived, a.id",
	[S_GROUP_POSTING] = "SELECT posting FROM groups WHERE id = ?1",
	[S_BOARD_GROUP] = "SELECT g.name FROM board_groups b JOIN groups g ON g.id = b.group_id"
			  " WHERE b.forum_id = ?1 AND b.board = ?2",
	[S_BOARD_GROUP_SET] = "INSERT INTO board_groups(forum_id, board, group_id)"
			      " VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
	[S_USER_ADD] = "INSERT INTO users(name, password, created) VALUES (?1, ?2, ?3)"
		       " ON CONFLICT (name) DO NOTHING",
	[S_USER_PASSWORD] = "SELECT password FROM users WHERE name = ?1",
	[S_USER_SET_PASSWORD] = "UPDATE users SET password = ?2 WHERE name = ?1",
	[S_USER_DEL] = "DELETE FROM users WHERE name = ?1",
	[S_ADDR_ADD] = "INSERT INTO user_addresses(address, user_id)"
		       " SELECT ?2, id FROM users WHERE name = ?1"
		       " ON CONFLICT (address) DO NOTHING",
	[S_ADDR_DEL] = "DELETE FROM user_addresses WHERE address = ?2"
		       " AND user_id = (SELECT id FROM users WHERE name = ?1)",
	[S_USER_LIST] = "SELECT u.name, u.password IS NOT NULL, group_concat(a.address, ' ')"
			" FROM users u LEFT JOIN user_addresses a ON a.user_id = u.id"
			" GROUP BY u.id ORDER BY u.name",
	[S_OUTBOX_ADD] =
		"INSERT INTO outbox(message_id, source, user, forum, thread_key, parent_key,"
		" newsgroups, subject, article, next_attempt, created, body, elided,"
		" envelope_from, recipient, route)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12, ?13, ?14, ?15)"
		" ON CONFLICT (message_id) DO NOTHING",
	[S_OUTBOX_ATTACH] =
		"INSERT INTO outbox_attachments(outbox_id, filename, content_type, data)"
		" VALUES (?1, ?2, ?3, ?4)",
	[S_OUTBOX_NEXT] =
		"SELECT id, message_id, source, user, forum, thread_key, parent_key,"
		" newsgroups, subject, coalesce(body, CAST(article AS TEXT)), envelope_from,"
		" attempts, created FROM outbox WHERE state = 'queued' AND next_attempt <= ?1"
		" ORDER BY next_attempt, id LIMIT 1",
	[S_OUTBOX_POSTED] = "UPDATE outbox SET state = 'posted', forum_post_id = ?2,"
			    " attempts = attempts + 1, last_error = NULL WHERE id = ?1",
	[S_OUTBOX_RETRY] = "UPDATE outbox SET next_attempt = ?2, last_error = ?3,"
			   " attempts = attempts + 1 WHERE id = ?1",
	[S_OUTBOX_FAILED] = "UPDATE outbox SET state = 'failed', last_error = ?2,"
			    " attempts = attempts + 1 WHERE id = ?1",
	[S_OUTBOX_EXPECT] =
		"UPDATE outbox SET forum_post_id = ?2 WHERE id = ?1 AND state = 'queued'",
	/* a queued row with a post id is being posted under that id */
	[S_OUTBOX_MSGID] = "SELECT message_id FROM outbox WHERE forum = ?1 AND forum_post_id = ?2"
			   " AND state IN ('posted', 'queued')",
	[S_OUTBOX_PARENT] = "SELECT parent_key FROM outbox WHERE forum = ?1 AND forum_post_id = ?2"
			    " AND state IN ('posted', 'queued') AND parent_key IS NOT NULL",
	[S_OUTBOX_ANY_POSTED] =
		"SELECT 1 FROM outbox WHERE forum = ?1 AND forum_post_id IS NOT NULL"
		" AND state IN ('posted', 'queued') LIMIT 1",
	[S_MSGID_KNOWN] = "SELECT 1 WHERE EXISTS (SELECT 1 FROM articles WHERE message_id = ?1)"
			  " OR EXISTS (SELECT 1 FROM outbox WHERE message_id = ?1)",
	[S_USER_BY_ADDR] =
		"SELECT u.id, u.name FROM user_addresses a JOIN users u ON u.id = a.user_id"
		" WHERE a.address = ?1",
	[S_USER_NAME] = "SELECT name FROM users WHERE id = ?1",
	[S_USER_OWNS] = "SELECT 1 FROM user_addresses WHERE user_id = ?1 AND address = ?2",
	[S_BOUNCE] = "INSERT INTO bounces(address, count, last, reason) VALUES (?1, 1, ?2, ?3)"
		     " ON CONFLICT (address) DO UPDATE SET count = count + 1, last = excluded.last,"
		     " reason = excluded.reason",
	[S_POST_BY_ROWID] =
		"SELECT f.name, t.thread_key, p.post_key, p.message_id FROM posts p"
		" JOIN threads t ON t.id = p.thread_id JOIN forums f ON f.id = p.forum_id"
		" WHERE p.id = ?1",
	[S_MEMBERS_ONLY] = "SELECT name FROM groups WHERE members_only = 1",
	[S_GROUP_MEMBERS] =
		"UPDATE groups SET members_only = ?2 WHERE id = ?1 AND members_only != ?2",
	[S_POST_GROUP] = "SELECT p.group_id FROM posts p JOIN forums f ON f.id = p.forum_id"
			 " WHERE f.name = ?1 AND p.post_key = ?2 AND p.group_id IS NOT NULL",
	[S_USER_ID] = "SELECT id FROM users WHERE name = ?1",
	[S_GROUP_BOARD] = "SELECT t.board FROM posts p JOIN threads t ON t.id = p.thread_id"
			  " JOIN forums f ON f.id = p.forum_id JOIN groups g ON g.id = p.group_id"
			  " WHERE f.name = ?1 AND g.name = ?2 AND t.board IS NOT NULL"
			  " ORDER BY p.id DESC LIMIT 1",
	[S_THREAD_INFO] =
		"SELECT t.title, t.board FROM threads t JOIN forums f ON f.id = t.forum_id"
		" WHERE f.name = ?1 AND t.thread_key = ?2",
	[S_POST_ROWID] = "SELECT p.id FROM posts p JOIN forums f ON f.id = p.forum_id"
			 " WHERE f.name = ?1 AND p.post_key = ?2",
	[S_POST_BY_MSGID] =
		"SELECT f.name, t.thread_key, p.post_key FROM posts p"
		" JOIN threads t ON t.id = p.thread_id JOIN forums f ON f.id = p.forum_id"
		" WHERE p.message_id = ?1",
	/* a stored post first; else a reply still in the outbox: the post it
	 * is being or was posted as, else the post it answers itself */
	[S_REPLY_ROUTE] = "SELECT f.name, t.thread_key, p.post_key FROM posts p"
			  " JOIN threads t ON t.id = p.thread_id JOIN forums f ON f.id = p.forum_id"
			  " WHERE p.message_id = ?1"
			  " UNION ALL SELECT forum, thread_key, coalesce(forum_post_id, parent_key)"
			  " FROM outbox WHERE message_id = ?1 AND state IN ('queued', 'posted')"
			  " AND forum IS NOT NULL AND thread_key IS NOT NULL LIMIT 1",
};

/* The thread the last post was put into, so the posts of one thread look
 * their thread up once: valid inside one write transaction only. */
struct thread_memo {
	int64_t forum_id, id; /* id 0: empty */
	char *key, *title, *board, *url;
};

/* A group's counters as changed inside the open write transaction: the
 * next article number and the change of its live count, written back once
 * before COMMIT instead of two UPDATEs per article. */
struct group_memo {
	int64_t id;
	int64_t next; /* next free number; valid when have_next */
	int have_next;
	int64_t live_delta;
};

/* The write queue. Inside a write transaction, store_post_put() and
 * store_article_add() do not run an INSERT each: they copy the row here, and
 * the rows go in up to QUEUE_ROWS to a statement. Per statement SQLite opens
 * and closes a cursor on the table and on each of its indexes and halts its
 * program, which cost about as much as inserting the row itself (3 rows per
 * imported post). Any statement that could see the queued rows, COMMIT and
 * ROLLBACK flush or drop the queue first, so a transaction reads its own
 * writes exactly as before. */
#define QUEUE_LEVELS 7 /* statements of 1, 2, 4 ... 64 rows */
#define QUEUE_ROWS (1u << (QUEUE_LEVELS - 1))
#define QUEUE_BYTES (1u << 20) /* flushed sooner past this much text */
#define QUEUE_NULL SIZE_MAX    /* offset of a NULL string */

enum queue_table { Q_POSTS, Q_ARTICLES, Q_NUMBERS, Q_TABLES };

/* The strings of queued rows live in the queue's arena: offsets, not
 * pointers, as the arena moves when it grows. */
struct queued_post {
	int64_t forum_id, thread_id, position, date, group_id; /* group_id 0: NULL */
	int guest, markup, version, deleted;
	size_t post_key, author, author_id, body, signature, parent_key, url, hash, message_id,
		refs;
};

struct queued_article {
	size_t message_id, wire, overview;
	size_t groups; /* ngroups (group id, number) pairs of int64_t */
	size_t wire_len, header_len, lines, ngroups;
	int64_t date, arrived;
};

/* A numbering row made at the flush from an article that was inserted. */
struct queued_number {
	int64_t group_id, number, article_id;
	size_t overview;
};

struct write_queue {
	struct buf arena;
	struct queued_post *posts;
	struct queued_article *articles;
	struct queued_number *numbers;
	size_t nposts, narticles, nnumbers, cap_numbers;
	int flushing;
	/* a flush failed: its rows are lost, so the transaction must not
	 * commit (store_commit rolls it back) */
	int failed;
};

/* A bulk build's disk writes: after each commit a thread fdatasyncs the
 * file while the next batch is rendered, so the final sync at publish finds
 * almost nothing left. sync_file_range alone started the data pages but not
 * what only a sync writes (ext4's block bitmaps and extent blocks: without
 * a journal, fsync writes them one by one and waits), and that final sync
 * took 0.3-0.7 s of the import's wall time. The thread only waits for the
 * disk; the build's work stays on the importing thread. */
struct bulk_syncer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int fd;
	int pending, stop; /* a commit to sync; the build is over */
	int error;         /* errno of a failed sync, reported at publish */
};

static void *bulk_syncer_main(void *arg)
{
	struct bulk_syncer *b = arg;
	pthread_mutex_lock(&b->lock);
	for (;;) {
		while (!b->pending && !b->stop)
			pthread_cond_wait(&b->wake, &b->lock);
		if (b->stop)
			break;
		b->pending = 0;
		pthread_mutex_unlock(&b->lock);
		int rc = fdatasync(b->fd), e = errno;
		pthread_mutex_lock(&b->lock);
		if (rc != 0 && b->error == 0)
			b->error = e;
	}
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

/* NULL when no thread can be had: then commits start the writes with
 * sync_file_range, as before. */
static struct bulk_syncer *bulk_syncer_start(int fd)
{
	struct bulk_syncer *b = xcalloc(1, sizeof *b);
	b->fd = fd;
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->wake, NULL);
	if (pthread_create(&b->thread, NULL, bulk_syncer_main, b) != 0) {
		pthread_cond_destroy(&b->wake);
		pthread_mutex_destroy(&b->lock);
		free(b);
		return NULL;
	}
	return b;
}

static void bulk_syncer_kick(struct bulk_syncer *b)
{
	pthread_mutex_lock(&b->lock);
	b->pending = 1;
	pthread_cond_signal(&b->wake);
	pthread_mutex_unlock(&b->lock);
}

/* Stops the thread (a sync under way finishes first) and frees it; the
 * errno of a sync that failed, else 0. The failure must be reported: the
 * kernel tells a write error to one sync of the file only. */
static int bulk_syncer_stop(struct bulk_syncer *b)
{
	if (b == NULL)
		return 0;
	pthread_mutex_lock(&b->lock);
	b->stop = 1;
	pthread_cond_signal(&b->wake);
	pthread_mutex_unlock(&b->lock);
	pthread_join(b->thread, NULL);
	int e = b->error;
	pthread_cond_destroy(&b->wake);
	pthread_mutex_destroy(&b->lock);
	free(b);
	return e;
}

struct store {
	sqlite3 *db;
	sqlite3_stmt *stmt[S_COUNT];
	int version;
	struct thread_memo thread;
	struct group_memo *groups;
	size_t ngroups, cap_groups;
	/* a forum known to have no posted outbox rows, so that sync asks
	 * once per write transaction instead of once per new post (nobody
	 * else can write meanwhile); NULL: not known */
	char *no_replies_forum;
	/* a bulk build: the file's descriptor (holding the flock), its name,
	 * the name it is published under, and whether a rollback spoilt it */
	int bulk_fd;
	char *bulk_tmp, *bulk_path;
	int bulk_spoilt;
	struct bulk_syncer *syncer; /* NULL: commits use sync_file_range */
	struct write_queue queue;
	sqlite3_stmt *batch[Q_TABLES][QUEUE_LEVELS]; /* 2^level rows each */
	/* Whether the store may hold an article that sync did not make for
	 * its post under the post's own id (store_article_in.from_post): only
	 * such an article can take an id sync makes, so while there is none,
	 * store_msgid_taken() answers without a lookup (an import into an
	 * empty store is all sync's own). FOREIGN_NONE holds while no other
	 * connection commits: PRAGMA data_version at the time, foreign_dv,
	 * is compared at each store_begin(). */
	enum { FOREIGN_UNKNOWN, FOREIGN_NONE, FOREIGN_SOME } foreign;
	int64_t foreign_dv;
	/* store_push_wait: an inotify descriptor watching STORE.push, -1
	 * when none; push_watched, whether it was set up (or tried) */
	int push_fd;
	int push_watched;
};

static void queue_reset(struct write_queue *q)
{
	q->nposts = q->narticles = q->nnumbers = 0;
	if (q->arena.cap > 4 * QUEUE_BYTES) /* one huge post: not kept for good */
		buf_free(&q->arena);
	q->arena.len = 0;
}

static void no_replies_clear(struct store *st)
{
	free(st->no_replies_forum);
	st->no_replies_forum = NULL;
}

static void thread_memo_clear(struct thread_memo *m)
{
	free(m->key);
	free(m->title);
	free(m->board);
	free(m->url);
	memset(m, 0, sizeof *m);
}

/* The memo of group id, added when missing; NULL outside a write
 * transaction (then the counters are written at once). */
static struct group_memo *group_memo(struct store *st, int64_t id)
{
	if (sqlite3_get_autocommit(st->db))
		return NULL;
	for (size_t i = 0; i < st->ngroups; i++)
		if (st->groups[i].id == id)
			return &st->groups[i];
	if (st->ngroups == st->cap_groups) {
		st->cap_groups = st->cap_groups ? 2 * st->cap_groups : 8;
		st->groups = xrealloc(st->groups, st->cap_groups * sizeof *st->groups);
	}
	struct group_memo *g = &st->groups[st->ngroups++];
	memset(g, 0, sizeof *g);
	g->id = id;
	return g;
}

static int same_text(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static int thread_memo_hit(const struct thread_memo *m, int64_t forum_id,
			   const struct store_post_in *in)
{
	return m->id != 0 && m->forum_id == forum_id && same_text(m->key, in->thread_key) &&
	       same_text(m->title, in->thread_title) && same_text(m->board, in->board) &&
	       same_text(m->url, in->thread_url);
}

static void thread_memo_set(struct thread_memo *m, int64_t forum_id, int64_t id,
			    const struct store_post_in *in)
{
	thread_memo_clear(m);
	m->forum_id = forum_id;
	m->id = id;
	m->key = in->thread_key ? xstrdup(in->thread_key) : NULL;
	m->title = in->thread_title ? xstrdup(in->thread_title) : NULL;
	m->board = in->board ? xstrdup(in->board) : NULL;
	m->url = in->thread_url ? xstrdup(in->thread_url) : NULL;
}

static int db_error(struct store *st, char **err, const char *what)
{
	return fg_error(err, "store: %s: %s", what, sqlite3_errmsg(st->db));
}

/* Statement id, prepared on first use; the write queue is not flushed. */
static sqlite3_stmt *stmt_prepared(struct store *st, enum stmt_id id, char **err)
{
	if (st->stmt[id] == NULL &&
	    sqlite3_prepare_v3(st->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &st->stmt[id],
			       NULL) != SQLITE_OK) {
		db_error(st, err, "prepare");
		return NULL;
	}
	return st->stmt[id];
}

static int queue_flush(struct store *st, char **err);

/* Statements that touch none of the tables the write queue fills (posts,
 * articles, numbering), so they run with rows still queued: sync asks
 * them at the start of every thread, which would otherwise cut the
 * queue's batches at each thread. */
static const unsigned char queue_blind[S_COUNT] = {
	[S_FORUM_GET] = 1,       [S_FORUM_ADD] = 1,     [S_CURSOR_GET] = 1,
	[S_CURSOR_SET] = 1,      [S_GROUP_BY_NAME] = 1, [S_GROUP_ADD] = 1,
	[S_GROUP_UPDATE] = 1,    [S_GROUP_NEXT] = 1,    [S_GROUP_BUMP] = 1,
	[S_GROUP_POSTING] = 1,   [S_GROUP_MEMBERS] = 1, [S_THREAD_GET] = 1,
	[S_THREAD_ADD] = 1,      [S_THREAD_UPDATE] = 1, [S_BOARD_GROUP] = 1,
	[S_BOARD_GROUP_SET] = 1,
};

/* Statement id, ready to run: unless it is blind to them, the queued rows
 * are written first, so that it sees them. NULL and *err when they cannot
 * be. */
static sqlite3_stmt *stmt_get(struct store *st, enum stmt_id id, char **err)
{
	if (!queue_blind[id] && queue_flush(st, err) != 0)
		return NULL;
	return stmt_prepared(st, id, err);
}

/* Binds a C string or NULL. */
static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

static char *col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? xstrdup((const char *)t) : NULL;
}

/* Steps a statement that returns no rows (or whose rows are ignored). */
static int step_done(struct store *st, sqlite3_stmt *s, char **err, const char *what)
{
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_error(st, err, what);
	return 0;
}

/* step_done() for a statement whose callers bind every parameter on every
 * use: the bindings need no clearing (a tenth of the cost of a small
 * statement). */
static int step_rebound(struct store *st, sqlite3_stmt *s, char **err, const char *what)
{
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_error(st, err, what);
	return 0;
}

/* Runs sql as it is, the write queue left alone. */
static int exec_raw(struct store *st, const char *sql, char **err)
{
	char *msg = NULL;
	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fg_error(err, "store: %s", msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Runs sql after the queued rows. */
static int exec(struct store *st, const char *sql, char **err)
{
	if (queue_flush(st, err) != 0)
		return -1;
	return exec_raw(st, sql, err);
}

/* fg_unstuffed_bytes(overview, wire): the overview line with its :bytes
 * field (the sixth) recomputed as the wire's length less its stuffed dots
 * (each "\r\n." of the wire is one: header lines never start with a dot).
 * Only migration 8 calls it. */
static void fn_unstuffed_bytes(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *ov = (const char *)sqlite3_value_text(argv[0]);
	const unsigned char *w = sqlite3_value_blob(argv[1]);
	int wn = sqlite3_value_bytes(argv[1]);
	(void)argc;
	if (ov == NULL || w == NULL) {
		sqlite3_result_value(ctx, argv[0]);
		return;
	}
	size_t dots = 0;
	for (int i = 0; i + 2 < wn; i++)
		if (w[i] == '\r' && w[i + 1] == '\n' && w[i + 2] == '.')
			dots++;
	const char *f = ov;
	for (int k = 0; k < 5 && f; k++) {
		f = strchr(f, '\t');
		if (f)
			f++;
	}
	if (f == NULL || (size_t)wn < dots) {
		sqlite3_result_value(ctx, argv[0]);
		return;
	}
	const char *e = strchr(f, '\t');
	struct buf b = BUF_INIT;
	buf_add(&b, ov, (size_t)(f - ov));
	buf_addf(&b, "%zu", (size_t)wn - dots);
	if (e)
		buf_adds(&b, e);
	sqlite3_result_text(ctx, buf_str(&b), (int)b.len, SQLITE_TRANSIENT);
	buf_free(&b);
}

static int migrate(struct store *st, char **err)
{
	sqlite3_stmt *s;
	if (sqlite3_create_function(st->db, "fg_unstuffed_bytes", 2, SQLITE_UTF8, NULL,
				    fn_unstuffed_bytes, NULL, NULL) != SQLITE_OK)
		return db_error(st, err, "register migration function");
	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return db_error(st, err, "schema version");
	int version = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	sqlite3_finalize(s);
	int latest = (int)(sizeof migrations / sizeof migrations[0]);
	if (version > latest)
		return fg_error(err, "store: schema version %d is newer than this forumgate (%d)",
				version, latest);
	for (int v = version; v < latest; v++) {
		if (exec(st, "BEGIN IMMEDIATE", err) != 0)
			return -1;
		/* another connection (a role started at the same moment, the
		 * metrics flusher of this process) may have migrated since the
		 * version was read: read it again under the write lock */
		if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK) {
			exec(st, "ROLLBACK", NULL);
			return db_error(st, err, "schema version");
		}
		int now = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
		sqlite3_finalize(s);
		if (now > latest) {
			exec(st, "ROLLBACK", NULL);
			return fg_error(
				err, "store: schema version %d is newer than this forumgate (%d)",
				now, latest);
		}
		if (now > v) {
			if (exec(st, "COMMIT", err) != 0)
				return -1;
			v = now - 1;
			continue;
		}
		char pragma[64];
		snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v + 1);
		if (exec(st, migrations[v], err) != 0 || exec(st, pragma, err) != 0) {
			exec(st, "ROLLBACK", NULL);
			return -1;
		}
		if (exec(st, "COMMIT", err) != 0)
			return -1;
	}
	st->version = latest;
	return 0;
}

/* Waiting for another writer: SQLite's own busy timeout sleeps in steps
 * growing to 100 ms, which turns a commit that takes a millisecond into a
 * long stall for every other writer (several LMTP workers, sync, outbox).
 * Poll every 250 µs instead, for at most 10 seconds. */
static int busy_wait(void *arg, int count)
{
	if (count >= 40000)
		return 0;
	usleep(250);
	return 1;
}

static pthread_once_t config_once = PTHREAD_ONCE_INIT;

/* Before SQLite's first use: no memory statistics, whose global mutex the
 * NNTP workers' connections would otherwise take on every allocation. */
static void config_sqlite(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* A connection to path in a new store handle; NULL and *err on failure. */
static struct store *open_db(const char *path, int flags, char **err)
{
	pthread_once(&config_once, config_sqlite);
	struct store *st = xcalloc(1, sizeof *st);
	st->bulk_fd = -1;
	st->push_fd = -1;
	if (sqlite3_open_v2(path, &st->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		fg_error(err, "store: cannot open %s: %s", path,
			 st->db ? sqlite3_errmsg(st->db) : "out of memory");
		store_close(st);
		return NULL;
	}
	sqlite3_busy_handler(st->db, busy_wait, NULL);
	sqlite3_extended_result_codes(st->db, 1);
	return st;
}

/* Who gets the files the store creates (store_set_owner); -1: nobody. */
static uid_t owner_uid = (uid_t)-1;
static gid_t owner_gid = (gid_t)-1;

void store_set_owner(unsigned uid, unsigned gid)
{
	owner_uid = (uid_t)uid;
	owner_gid = (gid_t)gid;
}

/* Creates a file the store keeps private, 0600 and for store_set_owner's
 * user: password hashes and queued mail are no one else's business.
 * Returns the fd, or -1 with errno (EEXIST when it exists). */
static int create_private(const char *path, int flags)
{
	int fd = open(path, flags | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0 && owner_uid != (uid_t)-1 && fchown(fd, owner_uid, owner_gid) != 0) {
		int e = errno;
		close(fd);
		unlink(path);
		errno = e;
		return -1;
	}
	return fd;
}

/* Opens a private file, creating it as create_private does if missing. */
static int open_private(const char *path, int flags)
{
	int fd = create_private(path, flags);
	if (fd >= 0 || errno != EEXIST)
		return fd;
	return open(path, flags | O_CLOEXEC);
}

/* Creates the store file private before SQLite does (it would make it
 * 0644), and takes others' access from an existing store of an older
 * forumgate, and from its -wal and -shm, when we may. An existing store is
 * never opened here, only stat'ed and chmod'ed by name: closing any
 * descriptor of the file drops every POSIX lock this process holds on it,
 * SQLite's included, so another connection of this process (an nntpd
 * worker's reader) would lose its WAL read lock and a writer elsewhere
 * could then delete the -wal and -shm from under it. */
static int make_private(const char *path, char **err)
{
	struct stat sb;
	if (stat(path, &sb) != 0) {
		if (errno != ENOENT)
			return fg_error(err, "store: cannot open %s: %s", path, strerror(errno));
		/* nobody in this process has it open: a new file's close is safe */
		int fd = create_private(path, O_RDONLY);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		if (errno == EACCES || errno == EROFS)
			return 0; /* SQLite says what it can do with it */
		if (errno != EEXIST)
			return fg_error(err, "store: cannot open %s: %s", path, strerror(errno));
		if (stat(path, &sb) != 0)
			return 0;
	}
	if ((sb.st_mode & 007) && chmod(path, sb.st_mode & 0770) == 0) {
		static const char *const suffix[] = {"-wal", "-shm"};
		for (size_t i = 0; i < 2; i++) {
			char *p = xasprintf("%s%s", path, suffix[i]);
			chmod(p, sb.st_mode & 0770);
			free(p);
		}
	}
	return 0;
}

int store_lock(const char *path, int slot, char **err)
{
	char *name = xasprintf("%s.lock", path);
	int fd = open_private(name, O_RDWR);
	if (fd < 0) {
		fg_error(err, "store: cannot open %s: %s", name, strerror(errno));
		free(name);
		return -1;
	}
	/* an open file description lock (not a POSIX one, which fork does not
	 * pass on), on a file of its own (SQLite's POSIX locks on the store
	 * file would be undone by any close of it in this process) */
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = slot, .l_len = 1};
	if (fcntl(fd, F_OFD_SETLK, &fl) != 0) {
		int e = errno;
		close(fd);
		if (e == EAGAIN || e == EACCES) {
			free(name);
			return 1;
		}
		fg_error(err, "store: cannot lock %s: %s", name, strerror(e));
		free(name);
		return -1;
	}
	free(name);
	return 0; /* fd stays open on purpose: it is the lock */
}

/* Puts the store in WAL mode. The switch of a new store's journal takes
 * an exclusive lock and SQLite answers SQLITE_BUSY at once, without its
 * busy handler, while another connection (a role started at the same
 * moment, this process's metrics flusher) does the same: wait here as
 * busy_wait would, for at most 10 seconds. */
static int set_wal(struct store *st, char **err)
{
	for (int tries = 0;; tries++) {
		int rc = sqlite3_exec(st->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			return 0;
		if ((rc & 0xff) != SQLITE_BUSY || tries >= 10000)
			return db_error(st, err, "journal mode");
		usleep(1000);
	}
}

int store_open(const char *path, enum store_mode mode, struct store **out, char **err)
{
	struct stat sb;
	if (mode != STORE_CREATE && stat(path, &sb) != 0 && errno == ENOENT)
		return fg_error(err,
				"store: no store at %s (run `forumgate import` or `serve` first)",
				path);
	int flags = mode == STORE_RDONLY ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if (mode == STORE_CREATE)
		flags |= SQLITE_OPEN_CREATE, mode = STORE_RW;
	if (mode == STORE_RW && make_private(path, err) != 0)
		return -1;
	struct store *st = open_db(path, flags, err);
	if (st == NULL)
		return -1;
	if (mode == STORE_RW) {
		/* WAL checkpoints (and their fsyncs) every 32 MiB of changes
		 * instead of SQLite's 4 MiB: a writer that commits many small
		 * transactions (LMTP) waits for the disk 8 times less often.
		 * secure_delete is off although Debian's SQLite turns it on:
		 * it zeroes every new page and every freed cell, but the store
		 * deletes nothing to hide it (withdrawn articles and deleted
		 * posts keep their rows), so it was pure cost (3% of an import).
		 * The write queue's many-row INSERTs keep a statement journal (a
		 * foreign key could stop one halfway): in memory, not in a file
		 * under /var/tmp; it holds the few pages one statement changes */
		if (set_wal(st, err) != 0 ||
		    exec(st,
			 "PRAGMA synchronous = NORMAL;"
			 " PRAGMA foreign_keys = ON; PRAGMA wal_autocheckpoint = 8192;"
			 " PRAGMA cache_size = -16384; PRAGMA secure_delete = OFF;"
			 " PRAGMA temp_store = MEMORY;",
			 err) != 0 ||
		    migrate(st, err) != 0) {
			store_close(st);
			return -1;
		}
	} else {
		/* a reader serves overview and articles: 8 MiB of page cache per
		 * connection keeps the hot indexes in memory. Its sorts spill
		 * to memory too, never to a file under /var/tmp: nntpd's and
		 * httpd's sandbox (sandbox.h) lets them write only the store's
		 * folder, so a spill there would fail the command */
		exec(st, "PRAGMA cache_size = -8192; PRAGMA temp_store = MEMORY;", NULL);
		sqlite3_stmt *s;
		if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK) {
			db_error(st, err, path);
			store_close(st);
			return -1;
		}
		int r = sqlite3_step(s);
		st->version = r == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
		sqlite3_finalize(s);
		int latest = (int)(sizeof migrations / sizeof migrations[0]);
		if (r != SQLITE_ROW) {
			/* a WAL store needs its -shm even for reading, which a
			 * user who may only read the store cannot create or open */
			int ro = access(path, W_OK) != 0;
			fg_error(err, "store: cannot read %s: %s%s", path, sqlite3_errstr(r),
				 ro ? " (the store is read-only to this user, and reading a "
				      "store needs its -shm file too: run as the store's owner)"
				    : "");
			store_close(st);
			return -1;
		}
		if (st->version == 0) {
			fg_error(err, "store: %s holds no forumgate store (run an import first)",
				 path);
			store_close(st);
			return -1;
		}
		if (st->version != latest) {
			fg_error(err,
				 "store: %s has schema version %d, this forumgate needs %d: any "
				 "writing command (forumgate sync --once, or serve) upgrades it",
				 path, st->version, latest);
			store_close(st);
			return -1;
		}
	}
	*out = st;
	return 0;
}

/* Closes the connection and frees the handle; the bulk file, if any, is
 * the caller's. */
static void disconnect(struct store *st)
{
	bulk_syncer_stop(st->syncer);
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	for (int t = 0; t < Q_TABLES; t++)
		for (int l = 0; l < QUEUE_LEVELS; l++)
			sqlite3_finalize(st->batch[t][l]);
	sqlite3_close(st->db);
	buf_free(&st->queue.arena);
	free(st->queue.posts);
	free(st->queue.articles);
	free(st->queue.numbers);
	thread_memo_clear(&st->thread);
	no_replies_clear(st);
	free(st->groups);
	free(st->bulk_tmp);
	free(st->bulk_path);
	if (st->push_fd >= 0)
		close(st->push_fd);
	free(st);
}

void store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->bulk_fd >= 0) {
		store_discard(st);
		return;
	}
	disconnect(st);
}

/* Removes what a crashed build may have left next to its file: a journal
 * that SQLite would otherwise play back into the new one. */
static void remove_leftovers(const char *tmp)
{
	static const char *const suffix[] = {"-journal", "-wal", "-shm"};
	for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		char *p = xasprintf("%s%s", tmp, suffix[i]);
		unlink(p);
		free(p);
	}
}

int store_build(const char *path, struct store **out, char **err)
{
	struct stat sb, fb;
	if (stat(path, &sb) == 0)
		return 1;
	if (errno != ENOENT)
		return fg_error(err, "store: %s: %s", path, strerror(errno));
	char *tmp = xasprintf("%s.building", path);
	int fd = open_private(tmp, O_RDWR);
	if (fd < 0) {
		fg_error(err, "store: cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	/* another build holds it, or published it (and unlinked the name)
	 * between our open and our lock: then this inode is not ours to
	 * truncate */
	if (flock(fd, LOCK_EX | LOCK_NB) != 0 || fstat(fd, &fb) != 0 || stat(tmp, &sb) != 0 ||
	    sb.st_ino != fb.st_ino || sb.st_dev != fb.st_dev || stat(path, &sb) == 0) {
		close(fd);
		free(tmp);
		return 1;
	}
	remove_leftovers(tmp);
	if (ftruncate(fd, 0) != 0) {
		fg_error(err, "store: cannot truncate %s: %s", tmp, strerror(errno));
		unlink(tmp);
		close(fd);
		free(tmp);
		return -1;
	}
	struct store *st = open_db(tmp, SQLITE_OPEN_READWRITE, err);
	if (st == NULL) {
		unlink(tmp);
		close(fd);
		free(tmp);
		return -1;
	}
	st->bulk_fd = fd;
	st->bulk_tmp = tmp;
	st->bulk_path = xstrdup(path);
	st->syncer = bulk_syncer_start(fd);
	/* - no journal: a failed build is thrown away whole;
	 * - 16 KiB pages: posts and articles are rows of 0.3-8 KB, of which a
	 *   4 KiB page holds one or two, so nearly every insert split a page
	 *   and a fifth of the file was slack (the import takes 30% less CPU);
	 * - no foreign-key checks (four lookups per post): the build is the
	 *   only writer, and it adds every row's forum, thread, group and
	 *   article before the row, in the same transaction;
	 * - 32 MiB of page cache keeps the indexes in memory between commits;
	 * - no secure_delete, as in store_open.
	 * (Building the indexes that the import does not read, NEWNEWS's and
	 * the reply lookup's, at the end instead saves their inserts but reads
	 * every table back once: no faster in wall time, and 10 MB more peak
	 * memory at 100k posts.) */
	if (exec(st,
		 "PRAGMA page_size = 16384; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
		 " PRAGMA locking_mode = EXCLUSIVE; PRAGMA foreign_keys = OFF;"
		 " PRAGMA cache_size = -32768; PRAGMA secure_delete = OFF;",
		 err) != 0 ||
	    migrate(st, err) != 0) {
		store_discard(st);
		return -1;
	}
	*out = st;
	return 0;
}

void store_discard(struct store *st)
{
	if (st == NULL)
		return;
	if (st->bulk_fd < 0) {
		disconnect(st);
		return;
	}
	int fd = st->bulk_fd;
	char *tmp = xstrdup(st->bulk_tmp);
	disconnect(st);
	unlink(tmp);
	remove_leftovers(tmp);
	close(fd); /* after the unlink: the lock guards the name until gone */
	free(tmp);
}

/* Gives the built file the store's name unless that name exists: a rename
 * that refuses to replace, or where the filesystem lacks one, a hard link
 * (the caller removes the build's name then). -1 with errno EEXIST when
 * the store appeared meanwhile. */
static int publish_name(const char *tmp, const char *path)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	return link(tmp, path);
}

/* fsync of the folder holding path, so a new name in it is on disk. */
static int sync_dir(const char *path)
{
	char *copy = xstrdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

int store_publish(struct store *st, char **err)
{
	if (st->bulk_fd < 0) {
		disconnect(st);
		return 0;
	}
	if (st->bulk_spoilt) {
		fg_error(err, "store: a transaction of the new store %s failed: it was not created",
			 st->bulk_path);
		store_discard(st);
		return -1;
	}
	/* the published file is an ordinary WAL store */
	if (!sqlite3_get_autocommit(st->db) || exec(st, "PRAGMA journal_mode = WAL", err) != 0) {
		if (err && *err == NULL)
			fg_error(err, "store: %s: a transaction is still open", st->bulk_tmp);
		store_discard(st);
		return -1;
	}
	int fd = st->bulk_fd;
	char *tmp = xstrdup(st->bulk_tmp), *path = xstrdup(st->bulk_path);
	int synced = bulk_syncer_stop(st->syncer);
	st->syncer = NULL;
	disconnect(st);
	int rc = 0;
	if (synced != 0 || fdatasync(fd) != 0) {
		rc = fg_error(err, "store: cannot sync %s: %s", tmp,
			      strerror(synced != 0 ? synced : errno));
	} else if (publish_name(tmp, path) != 0) {
		if (errno == EEXIST)
			rc = 1;
		else
			rc = fg_error(err, "store: cannot create %s: %s", path, strerror(errno));
	}
	unlink(tmp); /* when the rename failed, or link() made a second name */
	remove_leftovers(tmp);
	close(fd);
	if (rc == 0 && sync_dir(path) != 0)
		rc = fg_error(err, "store: cannot sync the folder of %s: %s", path,
			      strerror(errno));
	free(tmp);
	free(path);
	return rc;
}

int store_schema_version(struct store *st)
{
	return st->version;
}

static int lookup_id(struct store *st, sqlite3_stmt *s, int64_t *id, char **err, const char *what);

/* PRAGMA data_version: changes when another connection commits. */
static int data_version(struct store *st, int64_t *v, char **err)
{
	sqlite3_stmt *s = stmt_prepared(st, S_DATA_VERSION, err);
	if (s == NULL)
		return -1;
	return lookup_id(st, s, v, err, "data version") == 1 ? 0
							     : db_error(st, err, "data version");
}

int store_begin(struct store *st, char **err)
{
	st->queue.failed = 0;
	thread_memo_clear(&st->thread);
	no_replies_clear(st);
	st->ngroups = 0;
	if (exec(st, "BEGIN IMMEDIATE", err) != 0)
		return -1;
	if (st->foreign == FOREIGN_NONE) { /* still none, unless someone else wrote */
		int64_t v;
		if (data_version(st, &v, err) != 0) {
			store_rollback(st);
			return -1;
		}
		if (v != st->foreign_dv)
			st->foreign = FOREIGN_UNKNOWN;
	}
	return 0;
}

/* Writes one counter of group id: S_GROUP_BUMP (the next number) or
 * S_GROUP_LIVE (adds to the live count). */
static int group_counter(struct store *st, enum stmt_id which, int64_t id, int64_t value,
			 char **err)
{
	sqlite3_stmt *s = stmt_get(st, which, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, value);
	return step_done(st, s, err, which == S_GROUP_BUMP ? "bump number" : "group count");
}

/* Writes the group counters of the memo back (before COMMIT, and before
 * anything in the transaction reads them). */
static int group_memo_flush(struct store *st, char **err)
{
	for (size_t i = 0; i < st->ngroups; i++) {
		const struct group_memo *g = &st->groups[i];
		if (g->have_next && group_counter(st, S_GROUP_BUMP, g->id, g->next, err) != 0)
			return -1;
		if (g->live_delta != 0 &&
		    group_counter(st, S_GROUP_LIVE, g->id, g->live_delta, err) != 0)
			return -1;
	}
	st->ngroups = 0;
	return 0;
}

int store_commit(struct store *st, char **err)
{
	no_replies_clear(st);
	/* the queue first: its articles change the groups' live counts */
	if (queue_flush(st, err) != 0 || group_memo_flush(st, err) != 0)
		return -1;
	if (st->queue.failed) {
		store_rollback(st);
		return fg_error(err, "store: the transaction was rolled back: one of its queued "
				     "writes had failed");
	}
	if (exec(st, "COMMIT", err) != 0)
		return -1;
	/* a bulk build: the disk takes what this transaction wrote while
	 * the next one is rendered, instead of all of it at the final sync */
	if (st->syncer != NULL)
		bulk_syncer_kick(st->syncer);
	else if (st->bulk_fd >= 0)
		sync_file_range(st->bulk_fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	return 0;
}

void store_rollback(struct store *st)
{
	queue_reset(&st->queue);
	st->queue.failed = 0;
	thread_memo_clear(&st->thread);
	no_replies_clear(st);
	st->ngroups = 0;
	if (st->bulk_fd >= 0)
		st->bulk_spoilt = 1;
	if (!sqlite3_get_autocommit(st->db))
		exec(st, "ROLLBACK", NULL);
}

/* Ends a one-row query whose sqlite3_step() returned rc (its row already
 * read): resets the statement; 1 a row, 0 none, -1 error. */
static int row_end(struct store *st, sqlite3_stmt *s, int rc, char **err, const char *what)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return db_error(st, err, what);
}

/* Runs a one-column integer lookup; 1 found, 0 not, -1 error. */
static int lookup_id(struct store *st, sqlite3_stmt *s, int64_t *id, char **err, const char *what)
{
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	return row_end(st, s, rc, err, what);
}

static int lookup_row(struct store *st, sqlite3_stmt *s, char **const outs[], int n, char **err,
		      const char *what);

static int lookup_text(struct store *st, sqlite3_stmt *s, char **out, char **err, const char *what)
{
	char **const outs[] = {out};
	return lookup_row(st, s, outs, 1, err, what);
}

/* Steps a one-row query and copies its first n columns as strings into
 * *outs[i] (NULL for SQL NULL); 1 found, 0 not, -1. */
static int lookup_row(struct store *st, sqlite3_stmt *s, char **const outs[], int n, char **err,
		      const char *what)
{
	int rc = sqlite3_step(s);
	for (int i = 0; i < n; i++)
		*outs[i] = rc == SQLITE_ROW ? col_text(s, i) : NULL;
	return row_end(st, s, rc, err, what);
}

/* The text s (n bytes, or NULL) copied into the queue's arena, with a NUL
 * after it; its offset, or QUEUE_NULL. */
static size_t queue_text(struct write_queue *q, const char *s, size_t n)
{
	if (s == NULL)
		return QUEUE_NULL;
	size_t off = q->arena.len;
	buf_add(&q->arena, s, n);
	buf_addc(&q->arena, '\0');
	return off;
}

static size_t queue_str(struct write_queue *q, const char *s)
{
	return queue_text(q, s, s ? strlen(s) : 0);
}

/* Binds the queued string at off (NULL for QUEUE_NULL); the arena does not
 * change until the statement has run. */
static void bind_queued(struct write_queue *q, sqlite3_stmt *s, int i, size_t off)
{
	if (off == QUEUE_NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, q->arena.p + off, -1, SQLITE_STATIC);
}

static const struct {
	const char *head, *tail, *what;
	int cols;
} batch_sql[Q_TABLES] = {
	[Q_POSTS] = {"INSERT INTO posts(forum_id, thread_id, post_key, position, author,"
		     " author_id, guest, date, markup, body, signature, parent_key, url, hash,"
		     " version, deleted, message_id, refs, group_id) VALUES ",
		     " ON CONFLICT (forum_id, post_key) DO UPDATE SET"
		     " thread_id = excluded.thread_id, position = excluded.position,"
		     " author = excluded.author, author_id = excluded.author_id,"
		     " guest = excluded.guest, date = excluded.date, markup = excluded.markup,"
		     " body = excluded.body, signature = excluded.signature,"
		     " parent_key = excluded.parent_key, url = excluded.url, hash = excluded.hash,"
		     " version = excluded.version, deleted = excluded.deleted,"
		     " message_id = excluded.message_id, refs = excluded.refs,"
		     " group_id = excluded.group_id",
		     "put post", 19},
	/* the ids are given (see articles_flush); a Message-ID already
	 * stored, or twice in the queue, leaves its row out */
	[Q_ARTICLES] = {"INSERT INTO articles(id, message_id, wire, header_len, bytes, lines,"
			" date, arrived) VALUES ",
			" ON CONFLICT (message_id) DO NOTHING", "add article", 8},
	[Q_NUMBERS] = {"INSERT INTO numbering(group_id, number, article_id, overview) VALUES ", "",
		       "number article", 4},
};

/* The INSERT of 2^level rows into table t, prepared on first use. */
static sqlite3_stmt *batch_stmt(struct store *st, enum queue_table t, int level, char **err)
{
	sqlite3_stmt **s = &st->batch[t][level];
	if (*s != NULL)
		return *s;
	struct buf sql = BUF_INIT;
	buf_adds(&sql, batch_sql[t].head);
	for (unsigned r = 0; r < 1u << level; r++) {
		buf_adds(&sql, r ? ",(?" : "(?");
		for (int c = 1; c < batch_sql[t].cols; c++)
			buf_adds(&sql, ",?");
		buf_addc(&sql, ')');
	}
	buf_adds(&sql, batch_sql[t].tail);
	if (sqlite3_prepare_v3(st->db, buf_str(&sql), -1, SQLITE_PREPARE_PERSISTENT, s, NULL) !=
	    SQLITE_OK) {
		*s = NULL;
		db_error(st, err, "prepare");
	}
	buf_free(&sql);
	return *s;
}

typedef void (*bind_row_fn)(struct store *st, sqlite3_stmt *s, size_t row, int param, int64_t arg);

/* Inserts rows [0, n) of table t in statements of 64, 32, ... 1 rows, each
 * row bound by bind from parameter number param on. *changed: the rows
 * SQLite reports as inserted or updated. */
static int batch_run(struct store *st, enum queue_table t, size_t n, bind_row_fn bind, int64_t arg,
		     int64_t *changed, char **err)
{
	/* an SQLite built with fewer parameters per statement (before 3.32:
	 * 999) gets smaller statements */
	int top = QUEUE_LEVELS - 1;
	int limit = sqlite3_limit(st->db, SQLITE_LIMIT_VARIABLE_NUMBER, -1);
	while (top > 0 && (1 << top) * batch_sql[t].cols > limit)
		top--;
	*changed = 0;
	for (size_t i = 0; i < n;) {
		int level = top;
		while ((size_t)1 << level > n - i)
			level--;
		sqlite3_stmt *s = batch_stmt(st, t, level, err);
		if (s == NULL)
			return -1;
		size_t k = (size_t)1 << level;
		for (size_t r = 0; r < k; r++)
			bind(st, s, i + r, (int)r * batch_sql[t].cols + 1, arg);
		if (step_rebound(st, s, err, batch_sql[t].what) != 0)
			return -1;
		*changed += sqlite3_changes64(st->db);
		i += k;
	}
	return 0;
}

static void bind_post(struct store *st, sqlite3_stmt *s, size_t row, int i, int64_t arg)
{
	struct write_queue *q = &st->queue;
	const struct queued_post *p = &q->posts[row];
	sqlite3_bind_int64(s, i, p->forum_id);
	sqlite3_bind_int64(s, i + 1, p->thread_id);
	bind_queued(q, s, i + 2, p->post_key);
	sqlite3_bind_int64(s, i + 3, p->position);
	bind_queued(q, s, i + 4, p->author);
	bind_queued(q, s, i + 5, p->author_id);
	sqlite3_bind_int(s, i + 6, p->guest);
	sqlite3_bind_int64(s, i + 7, p->date);
	sqlite3_bind_int(s, i + 8, p->markup);
	bind_queued(q, s, i + 9, p->body);
	bind_queued(q, s, i + 10, p->signature);
	bind_queued(q, s, i + 11, p->parent_key);
	bind_queued(q, s, i + 12, p->url);
	bind_queued(q, s, i + 13, p->hash);
	sqlite3_bind_int(s, i + 14, p->version);
	sqlite3_bind_int(s, i + 15, p->deleted);
	bind_queued(q, s, i + 16, p->message_id);
	bind_queued(q, s, i + 17, p->refs);
	if (p->group_id)
		sqlite3_bind_int64(s, i + 18, p->group_id);
	else
		sqlite3_bind_null(s, i + 18);
}

/* arg: the id of the first queued article */
static void bind_article(struct store *st, sqlite3_stmt *s, size_t row, int i, int64_t arg)
{
	struct write_queue *q = &st->queue;
	const struct queued_article *a = &q->articles[row];
	sqlite3_bind_int64(s, i, arg + (int64_t)row);
	bind_queued(q, s, i + 1, a->message_id);
	sqlite3_bind_blob(s, i + 2, q->arena.p + a->wire, (int)a->wire_len, SQLITE_STATIC);
	sqlite3_bind_int64(s, i + 3, (int64_t)a->header_len);
	sqlite3_bind_int64(s, i + 4, (int64_t)a->wire_len);
	sqlite3_bind_int64(s, i + 5, (int64_t)a->lines);
	sqlite3_bind_int64(s, i + 6, a->date);
	sqlite3_bind_int64(s, i + 7, a->arrived);
}

static void bind_number(struct store *st, sqlite3_stmt *s, size_t row, int i, int64_t arg)
{
	struct write_queue *q = &st->queue;
	const struct queued_number *n = &q->numbers[row];
	sqlite3_bind_int64(s, i, n->group_id);
	sqlite3_bind_int64(s, i + 1, n->number);
	sqlite3_bind_int64(s, i + 2, n->article_id);
	bind_queued(q, s, i + 3, n->overview);
}

/* 1 when the article with this id was inserted, 0 when its Message-ID
 * was taken; -1 on error. */
static int article_has_id(struct store *st, int64_t id, char **err)
{
	sqlite3_stmt *s = stmt_prepared(st, S_ART_HAS_ID, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	return row_end(st, s, rc, err, "article id");
}

/* The queued articles and their numbering rows. Ids are handed out here,
 * from the highest one in the store on, as SQLite would: the write lock is
 * held, and all inserts into articles go through the queue. Knowing them
 * up front lets the numbering rows go in batches too. */
static int articles_flush(struct store *st, char **err)
{
	struct write_queue *q = &st->queue;
	sqlite3_stmt *s = stmt_prepared(st, S_ART_NEXT_ID, err);
	int64_t first, inserted;
	if (s == NULL)
		return -1;
	int found = lookup_id(st, s, &first, err, "article id");
	if (found != 1)
		return found < 0 ? -1 : db_error(st, err, "article id");
	if (batch_run(st, Q_ARTICLES, q->narticles, bind_article, first, &inserted, err) != 0)
		return -1;
	q->nnumbers = 0;
	for (size_t i = 0; i < q->narticles; i++) {
		const struct queued_article *a = &q->articles[i];
		int64_t id = first + (int64_t)i;
		if (inserted != (int64_t)q->narticles) { /* some Message-ID was taken */
			int r = article_has_id(st, id, err);
			if (r < 0)
				return -1;
			if (r == 0)
				continue;
		}
		for (size_t g = 0; g < a->ngroups; g++) {
			int64_t pair[2];
			memcpy(pair, q->arena.p + a->groups + g * sizeof pair, sizeof pair);
			if (q->nnumbers == q->cap_numbers) {
				q->cap_numbers = q->cap_numbers ? 2 * q->cap_numbers : QUEUE_ROWS;
				q->numbers = xrealloc(q->numbers,
						      q->cap_numbers * sizeof *q->numbers);
			}
			q->numbers[q->nnumbers++] = (struct queued_number){.group_id = pair[0],
									   .number = pair[1],
									   .article_id = id,
									   .overview = a->overview};
			struct group_memo *gm = group_memo(st, pair[0]);
			if (gm != NULL)
				gm->live_delta++;
			else if (group_counter(st, S_GROUP_LIVE, pair[0], 1, err) != 0)
				return -1;
		}
	}
	int64_t numbered;
	return batch_run(st, Q_NUMBERS, q->nnumbers, bind_number, 0, &numbered, err);
}

/* Writes the queued rows: articles (and their numbers), then posts. */
static int queue_flush(struct store *st, char **err)
{
	struct write_queue *q = &st->queue;
	if ((q->nposts == 0 && q->narticles == 0) || q->flushing)
		return 0;
	if (sqlite3_get_autocommit(st->db)) { /* SQLite rolled the transaction back */
		queue_reset(q);
		return fg_error(err, "store: the transaction ended before its rows were written");
	}
	q->flushing = 1;
	int64_t changed;
	int rc = q->narticles ? articles_flush(st, err) : 0;
	if (rc == 0)
		rc = batch_run(st, Q_POSTS, q->nposts, bind_post, 0, &changed, err);
	q->flushing = 0;
	queue_reset(q);
	if (rc != 0)
		q->failed = 1;
	return rc;
}

/* Outside a transaction, a row is queued in one of its own (an article's
 * numbering rows must go in with it): 1 when this call began it, 0 when a
 * transaction was open already, -1 on error. */
static int queue_begin(struct store *st, char **err)
{
	if (!sqlite3_get_autocommit(st->db))
		return 0;
	return store_begin(st, err) != 0 ? -1 : 1;
}

/* After a row was queued: the transaction queue_begin() opened is
 * committed; in the caller's, the rows wait until the queue is full. */
static int queue_added(struct store *st, int own, char **err)
{
	struct write_queue *q = &st->queue;
	if (own) {
		if (store_commit(st, err) != 0) {
			store_rollback(st);
			return -1;
		}
		return 0;
	}
	if (q->nposts < QUEUE_ROWS && q->narticles < QUEUE_ROWS && q->arena.len < QUEUE_BYTES)
		return 0;
	return queue_flush(st, err);
}

int store_forum_ensure(struct store *st, const char *name, int64_t *id, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_FORUM_GET, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, name);
	int found = lookup_id(st, s, id, err, "forum");
	if (found != 0)
		return found < 0 ? -1 : 0;
	if ((s = stmt_get(st, S_FORUM_ADD, err)) == NULL)
		return -1;
	bind_text(s, 1, name);
	sqlite3_bind_int64(s, 2, (int64_t)time(NULL));
	if (step_done(st, s, err, "add forum") != 0)
		return -1;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int store_cursor_get(struct store *st, int64_t forum_id, char **cursor, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_CURSOR_GET, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, forum_id);
	return lookup_text(st, s, cursor, err, "cursor") < 0 ? -1 : 0;
}

int store_cursor_set(struct store *st, int64_t forum_id, const char *cursor, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_CURSOR_SET, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, forum_id);
	bind_text(s, 2, cursor);
	return step_done(st, s, err, "set cursor");
}

void store_group_clear(struct store_group *g)
{
	free(g->name);
	free(g->description);
	memset(g, 0, sizeof *g);
}

void store_groups_free(struct store_group *groups, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_group_clear(&groups[i]);
	free(groups);
}

/* Fills low/high/count of g from the numbering table. */
static int group_stats(struct store *st, struct store_group *g, char **err)
{
	/* the queue first: its articles add to the memo's live counts */
	if (queue_flush(st, err) != 0 || (st->ngroups > 0 && group_memo_flush(st, err) != 0))
		return -1;
	sqlite3_stmt *s = stmt_get(st, S_GROUP_STATS, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, g->id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		g->count = sqlite3_column_int64(s, 0);
		if (g->count > 0) {
			g->low = sqlite3_column_int64(s, 1);
			g->high = sqlite3_column_int64(s, 2);
		}
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_ROW)
		return db_error(st, err, "group stats");
	if (g->count == 0) {
		/* RFC 3977 §6.1.1.2: empty group, high = low - 1 */
		sqlite3_stmt *n = stmt_get(st, S_GROUP_NEXT, err);
		if (n == NULL)
			return -1;
		sqlite3_bind_int64(n, 1, g->id);
		int64_t next = 1;
		if (lookup_id(st, n, &next, err, "group next") < 0)
			return -1;
		g->low = next;
		g->high = next - 1;
	}
	return 0;
}

static void group_from_row(sqlite3_stmt *s, struct store_group *g)
{
	memset(g, 0, sizeof *g);
	g->id = sqlite3_column_int64(s, 0);
	g->name = col_text(s, 1);
	g->description = col_text(s, 2);
	const unsigned char *p = sqlite3_column_text(s, 3);
	g->posting = p && *p ? (char)*p : 'y';
	g->created = sqlite3_column_int64(s, 4);
	g->members_only = sqlite3_column_int(s, 5);
}

int store_group_get(struct store *st, const char *name, struct store_group *g, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_GROUP_BY_NAME, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, name);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		group_from_row(s, g);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return db_error(st, err, "group");
	if (group_stats(st, g, err) != 0) {
		store_group_clear(g);
		return -1;
	}
	return 1;
}

int store_group_posting(struct store *st, int64_t id, char *posting, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_GROUP_POSTING, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	char *flag = NULL;
	int r = lookup_text(st, s, &flag, err, "group posting");
	if (r < 0)
		return -1;
	*posting = flag && flag[0] ? flag[0] : 'y';
	free(flag);
	return 0;
}

int store_group_id(struct store *st, const char *name, int64_t *id, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_GROUP_BY_NAME, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, name);
	return lookup_id(st, s, id, err, "group");
}

int store_group_ensure(struct store *st, const char *name, const char *description, char posting,
		       int64_t *id, char **err)
{
	char flag[2] = {posting, '\0'};
	sqlite3_stmt *s = stmt_get(st, S_GROUP_BY_NAME, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, name);
	int found = lookup_id(st, s, id, err, "group");
	if (found < 0)
		return -1;
	if (found) {
		if ((s = stmt_get(st, S_GROUP_UPDATE, err)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, *id);
		bind_text(s, 2, description);
		bind_text(s, 3, posting ? flag : NULL);
		return step_done(st, s, err, "update group");
	}
	if ((s = stmt_get(st, S_GROUP_ADD, err)) == NULL)
		return -1;
	bind_text(s, 1, name);
	bind_text(s, 2, description);
	bind_text(s, 3, posting ? flag : "y");
	sqlite3_bind_int64(s, 4, (int64_t)time(NULL));
	if (step_done(st, s, err, "add group") != 0)
		return -1;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int store_group_list(struct store *st, struct store_group **groups, size_t *n, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_GROUP_LIST, err);
	if (s == NULL)
		return -1;
	struct store_group *v = NULL;
	size_t len = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			v = xrealloc(v, cap * sizeof *v);
		}
		group_from_row(s, &v[len++]);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_groups_free(v, len);
		return db_error(st, err, "list groups");
	}
	for (size_t i = 0; i < len; i++) {
		if (group_stats(st, &v[i], err) != 0) {
			store_groups_free(v, len);
			return -1;
		}
	}
	*groups = v;
	*n = len;
	return 0;
}

int store_group_next_number(struct store *st, int64_t group_id, int64_t *number, char **err)
{
	struct group_memo *g = group_memo(st, group_id);
	if (g != NULL && g->have_next) {
		*number = g->next++;
		return 0;
	}
	sqlite3_stmt *s = stmt_get(st, S_GROUP_NEXT, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, group_id);
	int found = lookup_id(st, s, number, err, "next number");
	if (found <= 0)
		return found < 0
			       ? -1
			       : fg_error(err, "store: no group with id %lld", (long long)group_id);
	if (g != NULL) {
		g->have_next = 1;
		g->next = *number + 1;
		return 0;
	}
	return group_counter(st, S_GROUP_BUMP, group_id, *number + 1, err);
}

void store_post_clear(struct store_post *p)
{
	free(p->hash);
	free(p->message_id);
	free(p->references);
	memset(p, 0, sizeof *p);
}

int store_post_get(struct store *st, int64_t forum_id, const char *thread_key, const char *post_key,
		   struct store_post *p, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_POST_GET, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, forum_id);
	bind_text(s, 2, thread_key);
	bind_text(s, 3, post_key);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		memset(p, 0, sizeof *p);
		p->id = sqlite3_column_int64(s, 0);
		p->version = sqlite3_column_int(s, 1);
		p->hash = col_text(s, 2);
		p->message_id = col_text(s, 3);
		p->references = col_text(s, 4);
		p->date = sqlite3_column_int64(s, 5);
		p->deleted = sqlite3_column_int(s, 6);
		p->position = sqlite3_column_int64(s, 7);
	}
	return row_end(st, s, rc, err, "post");
}

int store_post_at(struct store *st, int64_t forum_id, const char *thread_key, int64_t position,
		  char **post_key, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_POST_AT, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, forum_id);
	bind_text(s, 2, thread_key);
	sqlite3_bind_int64(s, 3, position);
	return lookup_text(st, s, post_key, err, "post at");
}

/* The id of the forum's thread row; 1 found, 0 none, -1 on error. A
 * queued post's thread row is written before the post is queued, so a
 * thread without one has no post, stored or queued. */
static int thread_find(struct store *st, int64_t forum_id, const char *thread_key, int64_t *id,
		       char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_THREAD_GET, err); /* blind to the queue */
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, forum_id);
	bind_text(s, 2, thread_key);
	return lookup_id(st, s, id, err, "thread");
}

int store_thread_root(struct store *st, int64_t forum_id, const char *thread_key, char **post_key,
		      char **err)
{
	/* sync asks at the start of every thread, mostly about threads it
	 * has never seen: that is answered without writing the queue. (For a
	 * known thread the queue is written: a queued post may have moved
	 * into it or out of it.) */
	*post_key = NULL;
	if (st->queue.nposts > 0) {
		int64_t id;
		int known = thread_find(st, forum_id, thread_key, &id, err);
		if (known <= 0)
			return known;
	}
	sqlite3_stmt *s = stmt_get(st, S_THREAD_ROOT, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, forum_id);
	bind_text(s, 2, thread_key);
	return lookup_text(st, s, post_key, err, "thread root");
}

int store_thread_posts(struct store *st, int64_t forum_id, const char *thread_key,
		       char ***post_keys, size_t *n, char **err)
{
	*post_keys = NULL;
	*n = 0;
	sqlite3_stmt *s = stmt_get(st, S_THREAD_POSTS, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, forum_id);
	bind_text(s, 2, thread_key);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*post_keys = xrealloc(*post_keys, cap * sizeof **post_keys);
		}
		(*post_keys)[(*n)++] = col_text(s, 0);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE) {
		for (size_t i = 0; i < *n; i++)
			free((*post_keys)[i]);
		free(*post_keys);
		*post_keys = NULL;
		*n = 0;
		return db_error(st, err, "thread posts");
	}
	return 0;
}

/* The thread's row, added or brought up to date. */
static int thread_lookup(struct store *st, int64_t forum_id, const struct store_post_in *in,
			 int64_t *id, char **err)
{
	sqlite3_stmt *s;
	int found = thread_find(st, forum_id, in->thread_key, id, err);
	if (found < 0)
		return -1;
	if (found) {
		if ((s = stmt_get(st, S_THREAD_UPDATE, err)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, *id);
		bind_text(s, 2, in->thread_title);
		bind_text(s, 3, in->board);
		bind_text(s, 4, in->thread_url);
		return step_done(st, s, err, "update thread");
	}
	if ((s = stmt_get(st, S_THREAD_ADD, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, forum_id);
	bind_text(s, 2, in->thread_key);
	bind_text(s, 3, in->thread_title);
	bind_text(s, 4, in->board);
	bind_text(s, 5, in->thread_url);
	if (step_done(st, s, err, "add thread") != 0)
		return -1;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

static int thread_ensure(struct store *st, int64_t forum_id, const struct store_post_in *in,
			 int64_t *id, char **err)
{
	if (thread_memo_hit(&st->thread, forum_id, in)) {
		*id = st->thread.id;
		return 0;
	}
	int rc = thread_lookup(st, forum_id, in, id, err);
	if (rc == 0)
		thread_memo_set(&st->thread, forum_id, *id, in);
	return rc;
}

int store_post_put(struct store *st, int64_t forum_id, const struct store_post_in *in, char **err)
{
	int64_t thread_id = 0;
	/* what the table cannot hold is refused here, by the call that was
	 * given it, not later by whichever statement writes the queue */
	if (in->post_key == NULL || in->hash == NULL || in->thread_key == NULL)
		return fg_error(err, "store: put post: no post key, thread key or hash");
	int own = queue_begin(st, err);
	if (own < 0)
		return -1;
	if (thread_ensure(st, forum_id, in, &thread_id, err) != 0) {
		if (own)
			store_rollback(st);
		return -1;
	}
	struct write_queue *q = &st->queue;
	if (q->posts == NULL) /* never more: a full queue is written at once */
		q->posts = xmalloc(QUEUE_ROWS * sizeof *q->posts);
	struct queued_post *p = &q->posts[q->nposts++];
	*p = (struct queued_post){
		.forum_id = forum_id,
		.thread_id = thread_id,
		.position = in->position,
		.date = in->date,
		.group_id = in->group_id,
		.guest = in->guest,
		.markup = in->markup,
		.version = in->version,
		.deleted = in->deleted,
		.post_key = queue_str(q, in->post_key),
		.author = queue_str(q, in->author),
		.author_id = queue_str(q, in->author_id),
		.body = queue_str(q, in->body ? in->body : ""),
		.signature = queue_str(q, in->signature),
		.parent_key = queue_str(q, in->parent_key),
		.url = queue_str(q, in->url),
		.hash = queue_str(q, in->hash),
		.message_id = queue_str(q, in->message_id),
		.refs = queue_str(q, in->references),
	};
	return queue_added(st, own, err);
}

int store_article_add(struct store *st, const struct store_article_in *a, char **err)
{
	if (a->message_id == NULL || a->wire == NULL || a->overview == NULL ||
	    a->wire_len > INT_MAX || (a->ngroups > 0 && (!a->group_ids || !a->numbers)))
		return fg_error(err, "store: add article: no Message-ID, wire form or overview");
	int own = queue_begin(st, err);
	if (own < 0)
		return -1;
	if (!a->from_post)
		st->foreign = FOREIGN_SOME;
	if (own) { /* then the answer "already stored" is given at once */
		int r = store_article_exists(st, a->message_id, err);
		if (r != 0) {
			store_rollback(st);
			return r;
		}
	}
	struct write_queue *q = &st->queue;
	if (q->articles == NULL)
		q->articles = xmalloc(QUEUE_ROWS * sizeof *q->articles);
	struct queued_article *qa = &q->articles[q->narticles++];
	*qa = (struct queued_article){
		.message_id = queue_str(q, a->message_id),
		.wire = queue_text(q, a->wire, a->wire_len),
		.overview = queue_str(q, a->overview),
		.wire_len = a->wire_len,
		.header_len = a->header_len,
		.lines = a->lines,
		.ngroups = a->ngroups,
		.date = a->date,
		.arrived = (int64_t)time(NULL),
	};
	qa->groups = q->arena.len; /* after the strings: the pairs follow them */
	for (size_t i = 0; i < a->ngroups; i++) {
		int64_t pair[2] = {a->group_ids[i], a->numbers[i]};
		buf_add(&q->arena, pair, sizeof pair);
	}
	return queue_added(st, own, err);
}

/* Takes an article out of its groups' listings (counts and numbering). */
static int article_unlist(struct store *st, const char *message_id, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_GROUP_UNLIST, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, message_id);
	if (step_done(st, s, err, "group count") != 0)
		return -1;
	s = stmt_get(st, S_ART_WITHDRAW_NUM, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, message_id);
	return step_done(st, s, err, "withdraw article");
}

int store_article_withdraw(struct store *st, const char *message_id, char **err)
{
	sqlite3_stmt *s;
	if (article_unlist(st, message_id, err) != 0 ||
	    (s = stmt_get(st, S_ART_WITHDRAW, err)) == NULL)
		return -1;
	bind_text(s, 1, message_id);
	if (step_done(st, s, err, "withdraw article") != 0 ||
	    (s = stmt_get(st, S_ART_WITHDRAW_CHAIN, err)) == NULL)
		return -1;
	bind_text(s, 1, message_id);
	return step_done(st, s, err, "withdraw superseded articles");
}

int store_article_supersede(struct store *st, const char *message_id, const char *successor,
			    char **err)
{
	sqlite3_stmt *s;
	if (article_unlist(st, message_id, err) != 0 ||
	    (s = stmt_get(st, S_ART_SUPERSEDE, err)) == NULL)
		return -1;
	bind_text(s, 1, message_id);
	bind_text(s, 2, successor);
	return step_done(st, s, err, "supersede article");
}

int store_board_group(struct store *st, int64_t forum_id, const char *board, char **group,
		      char **err)
{
	*group = NULL;
	sqlite3_stmt *s = stmt_get(st, S_BOARD_GROUP, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, forum_id);
	bind_text(s, 2, board);
	return lookup_text(st, s, group, err, "board group");
}

int store_board_group_set(struct store *st, int64_t forum_id, const char *board, int64_t group_id,
			  char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_BOARD_GROUP_SET, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, forum_id);
	bind_text(s, 2, board);
	sqlite3_bind_int64(s, 3, group_id);
	return step_done(st, s, err, "record board group");
}

int store_article_exists(struct store *st, const char *message_id, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_ART_EXISTS, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, message_id);
	int64_t one;
	return lookup_id(st, s, &one, err, "article exists");
}

int store_msgid_taken(struct store *st, const char *message_id, char **err)
{
	/* the shortcut holds inside a write transaction only: between two,
	 * another connection may write, which store_begin() looks for */
	int in_txn = !sqlite3_get_autocommit(st->db);
	if (st->foreign == FOREIGN_UNKNOWN && in_txn) {
		/* asked once: an empty table (queued articles are sync's own,
		 * or foreign would say SOME) holds nothing foreign */
		sqlite3_stmt *s = stmt_prepared(st, S_ART_ANY, err);
		int64_t one;
		int any = s ? lookup_id(st, s, &one, err, "any article") : -1;
		if (any < 0 || (any == 0 && data_version(st, &st->foreign_dv, err) != 0))
			return -1;
		st->foreign = any ? FOREIGN_SOME : FOREIGN_NONE;
	}
	if (st->foreign == FOREIGN_NONE && in_txn)
		return 0; /* sync's own ids never meet: each names its post and version */
	/* the queue holds at most QUEUE_ROWS articles: a scan is cheaper than
	 * the INSERT batch it would otherwise cut short */
	const struct write_queue *q = &st->queue;
	for (size_t i = 0; i < q->narticles; i++)
		if (strcmp(q->arena.p + q->articles[i].message_id, message_id) == 0)
			return 1;
	sqlite3_stmt *s = stmt_prepared(st, S_ART_EXISTS, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, message_id);
	int64_t one;
	return lookup_id(st, s, &one, err, "article exists");
}

void store_article_clear(struct store_article *a)
{
	free(a->message_id);
	free(a->wire);
	memset(a, 0, sizeof *a);
}

static int foreach_group(struct store *st, const struct store_group *g, store_article_cb cb,
			 void *arg, char **err)
{
	/* A private statement: cb may call back into the store. */
	sqlite3_stmt *s;
	if (queue_flush(st, err) != 0)
		return -1;
	if (sqlite3_prepare_v2(st->db, stmt_sql[S_ART_FOREACH], -1, &s, NULL) != SQLITE_OK)
		return db_error(st, err, "prepare");
	sqlite3_bind_int64(s, 1, g->id);
	int rc, stop = 0;
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_article a = {
			.number = sqlite3_column_int64(s, 0),
			.message_id = (char *)sqlite3_column_text(s, 1),
			.wire = (char *)sqlite3_column_blob(s, 2),
			.wire_len = (size_t)sqlite3_column_bytes(s, 2),
			.header_len = (size_t)sqlite3_column_int64(s, 3),
			.date = sqlite3_column_int64(s, 4),
		};
		stop = cb(arg, g->name, &a);
	}
	if (!stop && rc != SQLITE_DONE) {
		db_error(st, err, "list articles");
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_finalize(s);
	return stop;
}

int store_article_foreach(struct store *st, const char *group, store_article_cb cb, void *arg,
			  char **err)
{
	struct store_group *groups = NULL;
	size_t n = 0;
	if (store_group_list(st, &groups, &n, err) != 0)
		return -1;
	int rc = 0;
	int seen = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (group && strcmp(group, groups[i].name) != 0)
			continue;
		seen = 1;
		rc = foreach_group(st, &groups[i], cb, arg, err);
	}
	store_groups_free(groups, n);
	if (group && !seen)
		return fg_error(err, "no such group: %s", group);
	return rc;
}

static void view_from_row(sqlite3_stmt *s, struct store_view *v)
{
	v->number = sqlite3_column_int64(s, 0);
	v->message_id = (const char *)sqlite3_column_text(s, 1);
	v->wire = (const char *)sqlite3_column_blob(s, 2);
	v->wire_len = (size_t)sqlite3_column_bytes(s, 2);
	v->header_len = (size_t)sqlite3_column_int64(s, 3);
	v->overview = (const char *)sqlite3_column_text(s, 4);
}

/* Steps a view statement; the row stays current (the statement is reset at
 * the start of the next call), which is what keeps the view valid. */
static int view_step(struct store *st, sqlite3_stmt *s, struct store_view *v, char **err)
{
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		view_from_row(s, v);
		return 1;
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return 0;
	return db_error(st, err, "article");
}

int store_view_by_number(struct store *st, int64_t group_id, int64_t number, struct store_view *v,
			 char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_VIEW_NUM, err);
	if (s == NULL)
		return -1;
	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, group_id);
	sqlite3_bind_int64(s, 2, number);
	return view_step(st, s, v, err);
}

int store_view_by_msgid(struct store *st, const char *message_id, struct store_view *v, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_VIEW_ID, err);
	if (s == NULL)
		return -1;
	sqlite3_reset(s);
	sqlite3_bind_text(s, 1, message_id, -1, SQLITE_TRANSIENT);
	return view_step(st, s, v, err);
}

int store_neighbor(struct store *st, int64_t group_id, int64_t number, int dir, int64_t *out,
		   char **err)
{
	sqlite3_stmt *s = stmt_get(st, dir > 0 ? S_NEXT : S_PREV, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, group_id);
	sqlite3_bind_int64(s, 2, number);
	return lookup_id(st, s, out, err, "neighbor");
}

int store_range(struct store *st, int64_t group_id, int64_t lo, int64_t hi, int with_wire,
		store_view_cb cb, void *arg, char **err)
{
	sqlite3_stmt *s = stmt_get(st, with_wire ? S_RANGE_WIRE : S_RANGE, err);
	if (s == NULL)
		return -1;
	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, group_id);
	sqlite3_bind_int64(s, 2, lo);
	sqlite3_bind_int64(s, 3, hi);
	int rc, stop = 0;
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_view v;
		view_from_row(s, &v);
		stop = cb(arg, &v);
	}
	sqlite3_reset(s);
	if (!stop && rc != SQLITE_DONE)
		return db_error(st, err, "range");
	return stop;
}

int store_newnews(struct store *st, int64_t since, store_newnews_cb cb, void *arg, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_NEWNEWS, err);
	if (s == NULL)
		return -1;
	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, since);
	int rc, stop = 0;
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW)
		stop = cb(arg, (const char *)sqlite3_column_text(s, 0),
			  (const char *)sqlite3_column_text(s, 1));
	sqlite3_reset(s);
	if (!stop && rc != SQLITE_DONE)
		return db_error(st, err, "newnews");
	return stop;
}

int store_data_version(struct store *st, int64_t *version, char **err)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "PRAGMA data_version", -1, &s, NULL) != SQLITE_OK)
		return db_error(st, err, "data version");
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*version = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : db_error(st, err, "data version");
}

void store_snapshot_end(struct store *st)
{
	no_replies_clear(st);
	store_release(st);
	sqlite3_stmt *s;
	if (!sqlite3_get_autocommit(st->db) && (s = stmt_get(st, S_SNAP_END, NULL)) != NULL)
		step_done(st, s, NULL, "end snapshot");
}

int store_snapshot_begin(struct store *st, char **err)
{
	if (!sqlite3_get_autocommit(st->db))
		store_snapshot_end(st); /* one left open by a failed end */
	sqlite3_stmt *s = stmt_get(st, S_SNAP_BEGIN, err);
	return s == NULL ? -1 : step_done(st, s, err, "begin snapshot");
}

void store_release(struct store *st)
{
	if (st->stmt[S_VIEW_NUM])
		sqlite3_reset(st->stmt[S_VIEW_NUM]);
	if (st->stmt[S_VIEW_ID])
		sqlite3_reset(st->stmt[S_VIEW_ID]);
}

int store_user_add(struct store *st, const char *name, const char *password_hash, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_USER_ADD, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, name);
	bind_text(s, 2, password_hash);
	sqlite3_bind_int64(s, 3, (int64_t)time(NULL));
	if (step_done(st, s, err, "add user") != 0)
		return -1;
	return sqlite3_changes(st->db) ? 0 : 1;
}

int store_user_password(struct store *st, const char *name, char **hash, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_USER_PASSWORD, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, name);
	return lookup_text(st, s, hash, err, "user");
}

/* Runs an UPDATE/DELETE bound with (?1 name, ?2 value); 1 changed, 0 not. */
static int change(struct store *st, enum stmt_id id, const char *name, const char *value,
		  char **err)
{
	sqlite3_stmt *s = stmt_get(st, id, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, name);
	if (sqlite3_bind_parameter_count(s) >= 2)
		bind_text(s, 2, value);
	if (step_done(st, s, err, "user") != 0)
		return -1;
	return sqlite3_changes(st->db) ? 1 : 0;
}

int store_user_set_password(struct store *st, const char *name, const char *hash, char **err)
{
	return change(st, S_USER_SET_PASSWORD, name, hash, err);
}

int store_user_del(struct store *st, const char *name, char **err)
{
	return change(st, S_USER_DEL, name, NULL, err);
}

int store_user_address(struct store *st, const char *name, const char *address, int add, char **err)
{
	int r = change(st, add ? S_ADDR_ADD : S_ADDR_DEL, name, address, err);
	if (!add || r != 0)
		return r;
	/* taken already: by this user (fine), by another, or no such user */
	int64_t uid;
	char *owner = NULL;
	r = store_user_by_address(st, address, &uid, &owner, err);
	if (r == 1)
		r = strcasecmp(owner, name) == 0 ? 1 : 2;
	free(owner);
	return r;
}

int store_user_list(struct store *st, store_user_cb cb, void *arg, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_USER_LIST, err);
	if (s == NULL)
		return -1;
	int rc, stop = 0;
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW)
		stop = cb(arg, (const char *)sqlite3_column_text(s, 0), sqlite3_column_int(s, 1),
			  (const char *)sqlite3_column_text(s, 2));
	sqlite3_reset(s);
	if (!stop && rc != SQLITE_DONE)
		return db_error(st, err, "list users");
	return stop;
}

int store_outbox_add(struct store *st, const struct store_outbox_in *o, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_OUTBOX_ADD, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, o->message_id);
	bind_text(s, 2, o->source);
	bind_text(s, 3, o->user);
	bind_text(s, 4, o->forum);
	bind_text(s, 5, o->thread_key);
	bind_text(s, 6, o->parent_key);
	bind_text(s, 7, o->newsgroups);
	bind_text(s, 8, o->subject);
	sqlite3_bind_blob(s, 9, o->article, (int)o->article_len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 10, (int64_t)time(NULL));
	bind_text(s, 11, o->body);
	bind_text(s, 12, o->elided);
	bind_text(s, 13, o->envelope_from);
	bind_text(s, 14, o->recipient);
	bind_text(s, 15, o->route);
	if (step_done(st, s, err, "queue reply") != 0)
		return -1;
	if (sqlite3_changes(st->db) == 0)
		return 1;
	int64_t id = sqlite3_last_insert_rowid(st->db);
	for (size_t i = 0; i < o->nattachments; i++) {
		const struct store_attachment *a = &o->attachments[i];
		if ((s = stmt_get(st, S_OUTBOX_ATTACH, err)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, id);
		bind_text(s, 2, a->filename);
		bind_text(s, 3, a->content_type);
		sqlite3_bind_blob(s, 4, a->data ? a->data : "", (int)a->size, SQLITE_STATIC);
		if (step_done(st, s, err, "store attachment") != 0)
			return -1;
	}
	return 0;
}

int store_post_by_msgid(struct store *st, const char *message_id, char **forum, char **thread_key,
			char **post_key, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_POST_BY_MSGID, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, message_id);
	char **const outs[] = {forum, thread_key, post_key};
	return lookup_row(st, s, outs, 3, err, "post by message-id");
}

int store_reply_route(struct store *st, const char *message_id, char **forum, char **thread_key,
		      char **post_key, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_REPLY_ROUTE, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, message_id);
	char **const outs[] = {forum, thread_key, post_key};
	return lookup_row(st, s, outs, 3, err, "reply route");
}

void store_outbox_clear(struct store_outbox *o)
{
	free(o->message_id);
	free(o->source);
	free(o->user);
	free(o->forum);
	free(o->thread_key);
	free(o->parent_key);
	free(o->newsgroups);
	free(o->subject);
	free(o->body);
	free(o->envelope_from);
	memset(o, 0, sizeof *o);
}

int store_outbox_next(struct store *st, int64_t now, struct store_outbox *o, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_OUTBOX_NEXT, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		memset(o, 0, sizeof *o);
		o->id = sqlite3_column_int64(s, 0);
		o->message_id = col_text(s, 1);
		o->source = col_text(s, 2);
		o->user = col_text(s, 3);
		o->forum = col_text(s, 4);
		o->thread_key = col_text(s, 5);
		o->parent_key = col_text(s, 6);
		o->newsgroups = col_text(s, 7);
		o->subject = col_text(s, 8);
		o->body = col_text(s, 9);
		o->envelope_from = col_text(s, 10);
		o->attempts = sqlite3_column_int(s, 11);
		o->created = sqlite3_column_int64(s, 12);
	}
	return row_end(st, s, rc, err, "outbox");
}

static int outbox_update(struct store *st, enum stmt_id id, int64_t row, int64_t when,
			 const char *text, char **err)
{
	sqlite3_stmt *s = stmt_get(st, id, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, row);
	if (id == S_OUTBOX_RETRY) {
		sqlite3_bind_int64(s, 2, when);
		bind_text(s, 3, text);
	} else {
		bind_text(s, 2, text);
	}
	return step_done(st, s, err, "outbox update");
}

int store_outbox_posted(struct store *st, int64_t id, const char *post_id, char **err)
{
	no_replies_clear(st);
	return outbox_update(st, S_OUTBOX_POSTED, id, 0, post_id, err);
}

int store_outbox_retry(struct store *st, int64_t id, int64_t next_attempt, const char *error,
		       char **err)
{
	return outbox_update(st, S_OUTBOX_RETRY, id, next_attempt, error, err);
}

int store_outbox_failed(struct store *st, int64_t id, const char *error, char **err)
{
	return outbox_update(st, S_OUTBOX_FAILED, id, 0, error, err);
}

int store_outbox_expect(struct store *st, int64_t id, const char *post_id, char **err)
{
	no_replies_clear(st);
	return outbox_update(st, S_OUTBOX_EXPECT, id, 0, post_id, err);
}

/* 1 when the forum has no posted outbox rows, asked once per write
 * transaction; 0 when it may have some (or outside a transaction), -1. */
static int no_replies(struct store *st, const char *forum, char **err)
{
	if (forum == NULL || sqlite3_get_autocommit(st->db))
		return 0;
	if (st->no_replies_forum && strcmp(st->no_replies_forum, forum) == 0)
		return 1;
	sqlite3_stmt *s = stmt_get(st, S_OUTBOX_ANY_POSTED, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, forum);
	int64_t one;
	int found = lookup_id(st, s, &one, err, "outbox replies");
	if (found != 0)
		return found < 0 ? -1 : 0;
	no_replies_clear(st);
	st->no_replies_forum = xstrdup(forum);
	return 1;
}

int store_outbox_msgid(struct store *st, const char *forum, const char *post_id, char **msgid,
		       char **err)
{
	int none = no_replies(st, forum, err);
	if (none != 0) {
		*msgid = NULL;
		return none < 0 ? -1 : 0;
	}
	sqlite3_stmt *s = stmt_get(st, S_OUTBOX_MSGID, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, forum);
	bind_text(s, 2, post_id);
	return lookup_text(st, s, msgid, err, "outbox message-id");
}

int store_outbox_parent(struct store *st, const char *forum, const char *post_id, char **parent_key,
			char **err)
{
	int none = no_replies(st, forum, err);
	if (none != 0) {
		*parent_key = NULL;
		return none < 0 ? -1 : 0;
	}
	sqlite3_stmt *s = stmt_get(st, S_OUTBOX_PARENT, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, forum);
	bind_text(s, 2, post_id);
	return lookup_text(st, s, parent_key, err, "outbox parent");
}

int store_msgid_known(struct store *st, const char *message_id, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_MSGID_KNOWN, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, message_id);
	int64_t one;
	return lookup_id(st, s, &one, err, "message-id known");
}

int store_user_by_address(struct store *st, const char *address, int64_t *user_id, char **name,
			  char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_USER_BY_ADDR, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, address);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*user_id = sqlite3_column_int64(s, 0);
		*name = col_text(s, 1);
	}
	return row_end(st, s, rc, err, "user by address");
}

int store_user_name(struct store *st, int64_t user_id, char **name, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_USER_NAME, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, user_id);
	return lookup_text(st, s, name, err, "user name");
}

int store_user_owns(struct store *st, int64_t user_id, const char *address, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_USER_OWNS, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, user_id);
	bind_text(s, 2, address);
	int64_t one;
	return lookup_id(st, s, &one, err, "user owns");
}

int store_bounce_record(struct store *st, const char *address, const char *reason, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_BOUNCE, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, address);
	sqlite3_bind_int64(s, 2, (int64_t)time(NULL));
	bind_text(s, 3, reason);
	return step_done(st, s, err, "record bounce");
}

int store_post_by_rowid(struct store *st, int64_t rowid, char **forum, char **thread_key,
			char **post_key, char **message_id, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_POST_BY_ROWID, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, rowid);
	char **const outs[] = {forum, thread_key, post_key, message_id};
	return lookup_row(st, s, outs, 4, err, "post by row id");
}

int store_post_rowid(struct store *st, const char *forum, const char *post_key, int64_t *rowid,
		     char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_POST_ROWID, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, forum);
	bind_text(s, 2, post_key);
	return lookup_id(st, s, rowid, err, "post row id");
}

int store_group_board(struct store *st, const char *forum, const char *group, char **board,
		      char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_GROUP_BOARD, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, forum);
	bind_text(s, 2, group);
	return lookup_text(st, s, board, err, "group board");
}

int store_thread_info(struct store *st, const char *forum, const char *thread_key, char **title,
		      char **board, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_THREAD_INFO, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, forum);
	bind_text(s, 2, thread_key);
	char **const outs[] = {title, board};
	return lookup_row(st, s, outs, 2, err, "thread info");
}

int store_user_id(struct store *st, const char *name, int64_t *user_id, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_USER_ID, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, name);
	return lookup_id(st, s, user_id, err, "user id");
}

int store_post_group(struct store *st, const char *forum, const char *post_key, int64_t *group_id,
		     char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_POST_GROUP, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, forum);
	bind_text(s, 2, post_key);
	return lookup_id(st, s, group_id, err, "post group");
}

int store_group_set_members_only(struct store *st, int64_t id, int members_only, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_GROUP_MEMBERS, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, members_only ? 1 : 0);
	return step_done(st, s, err, "group access");
}

int store_members_only_groups(struct store *st, char **names, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_MEMBERS_ONLY, err);
	if (s == NULL)
		return -1;
	struct buf b = BUF_INIT;
	buf_addc(&b, '\t');
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		buf_adds(&b, (const char *)sqlite3_column_text(s, 0));
		buf_addc(&b, '\t');
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		buf_free(&b);
		return db_error(st, err, "members-only groups");
	}
	*names = b.len == 1 ? (buf_free(&b), xstrdup("")) : buf_detach(&b);
	return 0;
}

/* ---- pushed topics (webhooks) ---------------------------------------------
 * The httpd role writes what a forum pushed (a topic to fetch now), the
 * sync role's thread of that forum takes it (tables of migration 9). */

static int push_step(struct store *st, const char *sql, const char *a, const char *b, int64_t n,
		     int64_t t, int *changes, char **err)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return db_error(st, err, "prepare push");
	int i = 1;
	if (a)
		sqlite3_bind_text(s, i++, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(s, i++, b, -1, SQLITE_STATIC);
	if (n)
		sqlite3_bind_int64(s, i++, n);
	sqlite3_bind_int64(s, i, t);
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_error(st, err, "push");
	if (changes)
		*changes = sqlite3_changes(st->db);
	return 0;
}

/* The doorbell of the push queue: STORE.push, a file beside the store
 * that store_push_add opens for writing (and closes, writing nothing) after
 * each commit, so that a sync role waiting in store_push_wait (inotify,
 * IN_CLOSE_WRITE) takes the push at once, not at its next look. Made
 * private like STORE.lock; never followed through a symbolic link, and
 * opened without blocking (a FIFO planted there does not hold the httpd). */
static char *push_bell(struct store *st)
{
	const char *db = sqlite3_db_filename(st->db, "main");
	return db && *db ? xasprintf("%s.push", db) : NULL;
}

static void push_ring(struct store *st)
{
	char *name = push_bell(st);
	int fd = name ? open_private(name, O_WRONLY | O_NOFOLLOW | O_NONBLOCK) : -1;
	if (fd >= 0)
		close(fd);
	free(name);
}

int store_push_wait(struct store *st, int timeout_ms)
{
	if (!st->push_watched) {
		st->push_watched = 1;
		char *name = push_bell(st);
		int fd = name ? open_private(name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK) : -1;
		if (fd >= 0) {
			close(fd);
			st->push_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
			if (st->push_fd >= 0 &&
			    inotify_add_watch(st->push_fd, name, IN_CLOSE_WRITE | IN_DONT_FOLLOW) <
				    0) {
				close(st->push_fd);
				st->push_fd = -1;
			}
		}
		free(name);
	}
	if (st->push_fd < 0) { /* no doorbell: the caller looks every timeout */
		poll(NULL, 0, timeout_ms);
		return 0;
	}
	struct pollfd pfd = {.fd = st->push_fd, .events = POLLIN};
	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	/* every ring since the last wait is one wake-up; a bell removed or
	 * replaced (IN_IGNORED) is watched anew at the next wait */
	char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;
	while ((n = read(st->push_fd, ev, sizeof ev)) > 0) {
		for (ssize_t off = 0; off + (ssize_t)sizeof(struct inotify_event) <= n;) {
			const struct inotify_event *ie = (const struct inotify_event *)(ev + off);
			if (ie->mask & IN_IGNORED)
				st->push_watched = 0;
			off += (ssize_t)sizeof *ie + ie->len;
		}
	}
	if (!st->push_watched) {
		close(st->push_fd);
		st->push_fd = -1;
	}
	return 1;
}

int store_push_add(struct store *st, const char *forum, const char *topic, int64_t event_id,
		   int *dup, char **err)
{
	int64_t now = (int64_t)time(NULL);
	int changed = 1;
	*dup = 0;
	if (exec(st, "BEGIN IMMEDIATE", err) != 0)
		return -1;
	/* a delivery Discourse sends again (same event id) is done once; ids
	 * older than a week are forgotten */
	if (event_id > 0 && (push_step(st, "DELETE FROM push_events WHERE added < ?", NULL, NULL, 0,
				       now - 7 * 86400, NULL, err) != 0 ||
			     push_step(st,
				       "INSERT OR IGNORE INTO push_events(forum, event_id, added)"
				       " VALUES (?, ?, ?)",
				       forum, NULL, event_id, now, &changed, err) != 0))
		goto fail;
	if (!changed) {
		*dup = 1;
	} else if (topic && push_step(st,
				      "INSERT OR IGNORE INTO push_topics(forum, topic, added)"
				      " VALUES (?, ?, ?)",
				      forum, topic, 0, now, NULL, err) != 0) {
		goto fail;
	}
	if (exec(st, "COMMIT", err) != 0)
		return -1;
	if (topic && !*dup)
		push_ring(st);
	return 0;
fail:
	exec_raw(st, "ROLLBACK", NULL);
	return -1;
}

int store_push_take(struct store *st, const char *forum, char ***topics, size_t *n, char **err)
{
	*topics = NULL;
	*n = 0;
	/* asked after every wait (store_push_wait): look before taking the
	 * write lock */
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM push_topics WHERE forum = ? LIMIT 1", -1, &s,
			       NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(s, 1, forum, -1, SQLITE_STATIC);
	int any = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	if (!any)
		return 0;
	if (exec(st, "BEGIN IMMEDIATE", err) != 0)
		return -1;
	if (sqlite3_prepare_v2(st->db,
			       "SELECT topic FROM push_topics WHERE forum = ? ORDER BY added", -1,
			       &s, NULL) != SQLITE_OK) {
		db_error(st, err, "prepare push");
		goto fail;
	}
	sqlite3_bind_text(s, 1, forum, -1, SQLITE_STATIC);
	size_t cap = 0;
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*topics = xrealloc(*topics, cap * sizeof **topics);
		}
		(*topics)[(*n)++] = xstrdup((const char *)sqlite3_column_text(s, 0));
	}
	sqlite3_finalize(s);
	if (*n && push_step(st, "DELETE FROM push_topics WHERE forum = ? AND added <= ?", forum,
			    NULL, 0, INT64_MAX, NULL, err) != 0)
		goto fail;
	return exec(st, "COMMIT", err);
fail:
	exec_raw(st, "ROLLBACK", NULL);
	for (size_t i = 0; i < *n; i++)
		free((*topics)[i]);
	free(*topics);
	*topics = NULL;
	*n = 0;
	return -1;
}

/* --- mailing-list mode --- */

void store_sub_clear(struct store_sub *s)
{
	free(s->group);
	free(s->address);
	free(s->mode);
	free(s->digest_period);
	free(s->format);
	free(s->timezone);
	free(s->state);
	free(s->token);
	memset(s, 0, sizeof *s);
}

int store_sub_put(struct store *st, const struct store_sub *in, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_SUB_PUT, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, in->group);
	bind_text(s, 2, in->address);
	bind_text(s, 3, in->mode ? in->mode : "each");
	bind_text(s, 4, in->digest_period ? in->digest_period : "daily");
	sqlite3_bind_int(s, 5, in->digest_hour);
	bind_text(s, 6, in->format ? in->format : "text");
	bind_text(s, 7, in->timezone);
	sqlite3_bind_int(s, 8, in->own_copies);
	bind_text(s, 9, in->state ? in->state : "active");
	bind_text(s, 10, in->token);
	if (in->token_expires)
		sqlite3_bind_int64(s, 11, in->token_expires);
	else
		sqlite3_bind_null(s, 11);
	sqlite3_bind_int64(s, 12, in->created ? in->created : (int64_t)time(NULL));
	return step_done(st, s, err, "subscribe");
}

/* The row of S_SUB_GET / S_SUB_BY_TOKEN / S_SUB_LIST (first 12 columns). */
static void sub_row(sqlite3_stmt *s, struct store_sub *o, int copy)
{
	memset(o, 0, sizeof *o);
	char **const strs[] = {&o->group, &o->address, &o->mode, &o->digest_period};
	for (int i = 0; i < 4; i++)
		*strs[i] = copy ? col_text(s, i) : (char *)sqlite3_column_text(s, i);
	o->digest_hour = sqlite3_column_int(s, 4);
	char **const more[] = {&o->format, &o->timezone};
	for (int i = 0; i < 2; i++)
		*more[i] = copy ? col_text(s, 5 + i) : (char *)sqlite3_column_text(s, 5 + i);
	o->own_copies = sqlite3_column_int(s, 7);
	o->state = copy ? col_text(s, 8) : (char *)sqlite3_column_text(s, 8);
	o->token = copy ? col_text(s, 9) : (char *)sqlite3_column_text(s, 9);
	o->token_expires = sqlite3_column_int64(s, 10);
	o->created = sqlite3_column_int64(s, 11);
}

static int sub_lookup(struct store *st, sqlite3_stmt *s, struct store_sub *out, char **err)
{
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		sub_row(s, out, 1);
	else
		memset(out, 0, sizeof *out);
	return row_end(st, s, rc, err, "subscription");
}

int store_sub_get(struct store *st, const char *group, const char *address, struct store_sub *out,
		  char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_SUB_GET, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, group);
	bind_text(s, 2, address);
	return sub_lookup(st, s, out, err);
}

int store_sub_by_token(struct store *st, const char *token, struct store_sub *out, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_SUB_BY_TOKEN, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, token);
	return sub_lookup(st, s, out, err);
}

int store_sub_del(struct store *st, const char *group, const char *address, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_SUB_DEL, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, group);
	bind_text(s, 2, address);
	if (step_done(st, s, err, "unsubscribe") != 0)
		return -1;
	return sqlite3_changes(st->db) > 0;
}

int store_sub_list(struct store *st, const char *group, store_sub_cb cb, void *arg, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_SUB_LIST, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, group);
	int rc, stop = 0;
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_sub sub;
		sub_row(s, &sub, 0);
		sub.bounce_score = sqlite3_column_double(s, 12);
		sub.bounces = sqlite3_column_int(s, 13);
		sub.last_bounce = sqlite3_column_int64(s, 14);
		sub.suspended = sqlite3_column_int(s, 15);
		stop = cb(arg, &sub);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (!stop && rc != SQLITE_DONE)
		return db_error(st, err, "list subscriptions");
	return stop;
}

int store_list_cursor(struct store *st, int64_t *cursor, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_LIST_CURSOR_GET, err);
	if (s == NULL)
		return -1;
	*cursor = 0;
	return lookup_id(st, s, cursor, err, "list cursor");
}

int store_list_cursor_set(struct store *st, int64_t cursor, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_LIST_CURSOR_SET, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, cursor);
	return step_done(st, s, err, "set list cursor");
}

int store_article_last_id(struct store *st, int64_t *id, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_ART_NEXT_ID, err);
	if (s == NULL)
		return -1;
	int r = lookup_id(st, s, id, err, "last article");
	if (r < 0)
		return -1;
	*id = r ? *id - 1 : 0;
	return 0;
}

int store_list_new(struct store *st, int64_t after, int limit, store_list_new_cb cb, void *arg,
		   char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_LIST_NEW, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, after);
	sqlite3_bind_int(s, 2, limit);
	int rc, stop = 0;
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW)
		stop = cb(arg, sqlite3_column_int64(s, 0), (const char *)sqlite3_column_text(s, 1),
			  (const char *)sqlite3_column_text(s, 2), sqlite3_column_int(s, 3));
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (!stop && rc != SQLITE_DONE)
		return db_error(st, err, "new articles");
	return stop;
}

int store_list_fanout(struct store *st, int64_t article_id, const char *message_id,
		      const char *group, int64_t now, int64_t *n, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_LIST_FANOUT, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, article_id);
	bind_text(s, 2, group);
	bind_text(s, 3, message_id);
	sqlite3_bind_int64(s, 4, now);
	if (step_done(st, s, err, "queue deliveries") != 0)
		return -1;
	*n = sqlite3_changes(st->db);
	return 0;
}

void store_deliveries_free(struct store_delivery *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(d[i].message_id);
		free(d[i].group);
		free(d[i].recipient);
		free(d[i].format);
	}
	free(d);
}

int store_list_due(struct store *st, int64_t now, int limit, struct store_delivery **out, size_t *n,
		   char **err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *s = stmt_get(st, S_LIST_DUE, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int(s, 2, limit);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		struct store_delivery *d = &(*out)[(*n)++];
		d->id = sqlite3_column_int64(s, 0);
		d->article_id = sqlite3_column_int64(s, 1);
		d->message_id = col_text(s, 2);
		d->group = col_text(s, 3);
		d->recipient = col_text(s, 4);
		d->format = col_text(s, 5);
		d->attempts = sqlite3_column_int(s, 6);
		d->digest = !strcmp((const char *)sqlite3_column_text(s, 7), "digest");
		d->digest_from = sqlite3_column_int64(s, 8);
		d->issue = sqlite3_column_int(s, 9);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE) {
		store_deliveries_free(*out, *n);
		*out = NULL;
		*n = 0;
		return db_error(st, err, "due deliveries");
	}
	return 0;
}

static int list_update(struct store *st, enum stmt_id id, int64_t row, char **err)
{
	sqlite3_stmt *s = stmt_get(st, id, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, row);
	return step_done(st, s, err, "delivery");
}

int store_list_sending(struct store *st, int64_t id, char **err)
{
	return list_update(st, S_LIST_SENDING, id, err);
}

int store_list_sent(struct store *st, int64_t id, char **err)
{
	if (list_update(st, S_LIST_SENT, id, err) != 0)
		return -1;
	return list_update(st, S_LIST_DOMAIN_OK, id, err);
}

int store_list_retry(struct store *st, int64_t id, int64_t now, int cap, const char *error,
		     int domain_too, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_LIST_RETRY, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	bind_text(s, 2, error);
	sqlite3_bind_int64(s, 3, now);
	sqlite3_bind_int(s, 4, cap);
	if (step_done(st, s, err, "delivery retry") != 0)
		return -1;
	if (!domain_too)
		return 0;
	if ((s = stmt_get(st, S_LIST_DOMAIN_FAIL, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int(s, 3, cap);
	return step_done(st, s, err, "domain backoff");
}

int store_list_failed(struct store *st, int64_t id, const char *error, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_LIST_FAILED, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	bind_text(s, 2, error);
	return step_done(st, s, err, "delivery failed");
}

int store_list_recipient(struct store *st, int64_t id, char **recipient, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_LIST_RECIPIENT, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	return lookup_text(st, s, recipient, err, "delivery recipient");
}

int store_bounce_get(struct store *st, const char *address, struct store_bounce *b, char **err)
{
	memset(b, 0, sizeof *b);
	sqlite3_stmt *s = stmt_get(st, S_BOUNCE_GET, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, address);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		b->soft = sqlite3_column_double(s, 0);
		b->hard_count = (unsigned)sqlite3_column_int(s, 1);
		b->last_bounce = sqlite3_column_int64(s, 2);
		b->updated = sqlite3_column_int64(s, 3);
		b->last_was_hard = sqlite3_column_int(s, 4);
		b->suspended = sqlite3_column_int(s, 5);
		b->suspended_at = sqlite3_column_int64(s, 6);
		b->score = sqlite3_column_double(s, 7);
	}
	return row_end(st, s, rc, err, "bounce state");
}

int store_bounce_put(struct store *st, const char *address, const struct store_bounce *b,
		     int bounced, const char *reason, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_BOUNCE_PUT, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, address);
	sqlite3_bind_int(s, 2, bounced ? 1 : 0);
	sqlite3_bind_int64(s, 3, (int64_t)time(NULL));
	bind_text(s, 4, reason);
	sqlite3_bind_double(s, 5, b->soft);
	sqlite3_bind_int(s, 6, (int)b->hard_count);
	sqlite3_bind_int64(s, 7, b->last_bounce);
	sqlite3_bind_int64(s, 8, b->updated);
	sqlite3_bind_int(s, 9, b->last_was_hard);
	sqlite3_bind_int(s, 10, b->suspended);
	sqlite3_bind_int64(s, 11, b->suspended_at);
	sqlite3_bind_double(s, 12, b->score);
	return step_done(st, s, err, "bounce state");
}

int store_list_requeue(struct store *st, int64_t *n, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_LIST_REQUEUE, err);
	if (s == NULL)
		return -1;
	if (step_done(st, s, err, "requeue deliveries") != 0)
		return -1;
	*n = sqlite3_changes(st->db);
	return 0;
}

int store_post_body(struct store *st, const char *message_id, int *markup, char **body, char **url,
		    char **err)
{
	*body = *url = NULL;
	sqlite3_stmt *s = stmt_get(st, S_POST_HTML, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, message_id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*markup = sqlite3_column_int(s, 0);
		*body = col_text(s, 1);
		*url = col_text(s, 2);
	}
	return row_end(st, s, rc, err, "post body");
}

int store_digest_due(struct store *st, int64_t now, struct store_sub **out, size_t *n, char **err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *s = stmt_get(st, S_DIGEST_DUE, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	int rc;
	size_t cap = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		struct store_sub *d = &(*out)[(*n)++];
		memset(d, 0, sizeof *d);
		d->group = col_text(s, 0);
		d->address = col_text(s, 1);
		d->digest_period = col_text(s, 2);
		d->digest_hour = sqlite3_column_int(s, 3);
		d->format = col_text(s, 4);
		d->timezone = col_text(s, 5);
		d->digest_last = sqlite3_column_int64(s, 6);
		d->digest_issue = sqlite3_column_int(s, 7);
		d->digest_next = sqlite3_column_int64(s, 8);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return db_error(st, err, "due digests");
	return 0;
}

int store_digest_next(struct store *st, const char *group, const char *address, int64_t next,
		      int64_t last, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_DIGEST_NEXT, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, group);
	bind_text(s, 2, address);
	sqlite3_bind_int64(s, 3, next);
	sqlite3_bind_int64(s, 4, last);
	return step_done(st, s, err, "digest schedule");
}

int store_digest_queue(struct store *st, const char *group, const char *address, const char *format,
		       int64_t from, int64_t upto, int issue, int64_t now, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_DIGEST_QUEUE, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, upto);
	bind_text(s, 2, group);
	bind_text(s, 3, address);
	bind_text(s, 4, format);
	sqlite3_bind_int64(s, 5, now);
	sqlite3_bind_int64(s, 6, from);
	sqlite3_bind_int(s, 7, issue);
	if (step_done(st, s, err, "queue digest") != 0)
		return -1;
	if ((s = stmt_get(st, S_DIGEST_DONE, err)) == NULL)
		return -1;
	bind_text(s, 1, group);
	bind_text(s, 2, address);
	sqlite3_bind_int64(s, 3, upto);
	sqlite3_bind_int(s, 4, issue);
	return step_done(st, s, err, "digest issue");
}

int store_group_last_article(struct store *st, const char *group, int64_t *id, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_GROUP_LAST_ART, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, group);
	*id = 0;
	return lookup_id(st, s, id, err, "last article of group") < 0 ? -1 : 0;
}

int store_group_articles(struct store *st, const char *group, int64_t after, int64_t upto,
			 store_wire_cb cb, void *arg, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_GROUP_ARTS, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, group);
	sqlite3_bind_int64(s, 2, after);
	sqlite3_bind_int64(s, 3, upto);
	int rc, stop = 0;
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW)
		stop = cb(arg, sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0));
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (!stop && rc != SQLITE_DONE)
		return db_error(st, err, "articles of group");
	return stop;
}

/* --- operator commands: backup, restore, check, the outbox by hand --- */

/* Pages copied per sqlite3_backup_step: the destination's lock is taken
 * and let go between steps; the source is read in one read transaction
 * (WAL: writers never wait for a reader), so every step sees one state. */
#define BACKUP_STEP_PAGES 1024

/* Copies the whole database of src into the new private file tmp (as one
 * self-contained file, no WAL), and fsyncs it; 0 or -1. */
static int copy_db(sqlite3 *src, const char *tmp, char **err)
{
	unlink(tmp);
	remove_leftovers(tmp);
	int fd = create_private(tmp, O_RDWR);
	if (fd < 0)
		return fg_error(err, "store: cannot create %s: %s", tmp, strerror(errno));
	sqlite3 *dst = NULL;
	int rc = -1;
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		fg_error(err, "store: cannot open %s: %s", tmp,
			 dst ? sqlite3_errmsg(dst) : "out of memory");
		goto out;
	}
	/* one read transaction on the source for the whole copy: it is one
	 * snapshot, and another process writing meanwhile does not restart
	 * the backup from its first page */
	if (sqlite3_exec(src, "BEGIN; SELECT count(*) FROM sqlite_master;", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		fg_error(err, "store: cannot read the store: %s", sqlite3_errmsg(src));
		goto out;
	}
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (b == NULL) {
		fg_error(err, "store: backup: %s", sqlite3_errmsg(dst));
		sqlite3_exec(src, "COMMIT", NULL, NULL, NULL);
		goto out;
	}
	int r;
	do {
		r = sqlite3_backup_step(b, BACKUP_STEP_PAGES);
		if (r == SQLITE_BUSY || r == SQLITE_LOCKED)
			sqlite3_sleep(5);
	} while (r == SQLITE_OK || r == SQLITE_BUSY || r == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	sqlite3_exec(src, "COMMIT", NULL, NULL, NULL);
	if (r != SQLITE_DONE) {
		fg_error(err, "store: backup: %s", sqlite3_errstr(r));
		goto out;
	}
	/* the copy stands alone: a rollback journal, not a WAL beside it */
	if (sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK) {
		fg_error(err, "store: %s: %s", tmp, sqlite3_errmsg(dst));
		goto out;
	}
	if (sqlite3_close(dst) != SQLITE_OK) {
		fg_error(err, "store: cannot close %s", tmp);
		dst = NULL;
		goto out;
	}
	dst = NULL;
	if (fsync(fd) != 0) {
		fg_error(err, "store: cannot sync %s: %s", tmp, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (dst)
		sqlite3_close(dst);
	close(fd);
	if (rc != 0) {
		unlink(tmp);
		remove_leftovers(tmp);
	}
	return rc;
}

int store_backup(struct store *st, const char *path, int force, char **err)
{
	struct stat sb;
	if (!force && lstat(path, &sb) == 0)
		return fg_error(err, "store: %s exists (--force replaces it)", path);
	if (queue_flush(st, err) != 0)
		return -1;
	char *tmp = xasprintf("%s.tmp", path);
	int rc = copy_db(st->db, tmp, err);
	if (rc == 0 && rename(tmp, path) != 0)
		rc = fg_error(err, "store: cannot rename %s to %s: %s", tmp, path, strerror(errno));
	if (rc == 0 && sync_dir(path) != 0)
		rc = fg_error(err, "store: cannot sync the folder of %s: %s", path,
			      strerror(errno));
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

/* The first row of a one-value query as an int; -1 when it failed. */
static int64_t query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	int64_t v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* Is the open database a forumgate store this binary can use, whole? */
static int check_restorable(sqlite3 *db, const char *from, char **err)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check(1)", -1, &s, NULL) != SQLITE_OK)
		return fg_error(err, "store: %s is not an SQLite database: %s", from,
				sqlite3_errmsg(db));
	int r = sqlite3_step(s);
	char *first = r == SQLITE_ROW ? col_text(s, 0) : NULL;
	sqlite3_finalize(s);
	int ok = first && strcmp(first, "ok") == 0;
	int rc = 0;
	if (!ok)
		rc = fg_error(err, "store: %s fails the integrity check: %s", from,
			      first ? first : sqlite3_errmsg(db));
	free(first);
	if (rc != 0)
		return rc;
	int64_t version = query_int(db, "PRAGMA user_version");
	int latest = (int)(sizeof migrations / sizeof migrations[0]);
	if (version <= 0 || query_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
					  " AND name IN ('articles', 'groups', 'numbering')") != 3)
		return fg_error(err, "store: %s is not a forumgate store", from);
	if (version > latest)
		return fg_error(err,
				"store: %s has schema version %lld, newer than this forumgate (%d)",
				from, (long long)version, latest);
	return 0;
}

/* The pid of a process that has the SQLite store at path open, 0 when
 * none does. A WAL connection holds a read lock on the shared byte range
 * of SQLite's unix locking (from PENDING_BYTE, 0x40000000: pending,
 * reserved, then 510 shared bytes) for as long as it is open, idle ones
 * too: an nntpd or LMTP mailin run alone, which hold no slot of
 * STORE.lock, are seen here. This process must not have the store open
 * (closing fd drops its own POSIX locks), and does not. */
static pid_t store_holder(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	struct flock fl = {
		.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0x40000000, .l_len = 512};
	pid_t pid = 0;
	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		pid = fl.l_pid > 0 ? fl.l_pid : 1;
	close(fd);
	return pid;
}

int store_restore(const char *path, const char *from, char **err)
{
	pid_t holder = store_holder(path);
	if (holder) {
		fg_error(err, "store: %s is open in process %ld", path, (long)holder);
		return 1;
	}
	sqlite3 *src = NULL;
	if (sqlite3_open_v2(from, &src, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		fg_error(err, "store: cannot open %s: %s", from,
			 src ? sqlite3_errmsg(src) : "out of memory");
		sqlite3_close(src);
		return -1;
	}
	int rc = check_restorable(src, from, err);
	char *tmp = xasprintf("%s.restoring", path);
	/* the restored store keeps the owner of the one it replaces */
	struct stat sb;
	if (rc == 0 && stat(path, &sb) == 0 && geteuid() == 0 && owner_uid == (uid_t)-1)
		store_set_owner(sb.st_uid, sb.st_gid);
	if (rc == 0)
		rc = copy_db(src, tmp, err);
	sqlite3_close(src);
	if (rc == 0) {
		/* the old store's WAL goes first: played back into the restored
		 * file it would corrupt it, and the old store's last changes
		 * are what the restore throws away */
		static const char *const suffix[] = {"-wal", "-shm", "-journal"};
		for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
			char *p = xasprintf("%s%s", path, suffix[i]);
			if (unlink(p) != 0 && errno != ENOENT)
				rc = fg_error(err, "store: cannot remove %s: %s", p,
					      strerror(errno));
			free(p);
		}
	}
	if (rc == 0 && rename(tmp, path) != 0)
		rc = fg_error(err, "store: cannot rename %s to %s: %s", tmp, path, strerror(errno));
	if (rc == 0 && sync_dir(path) != 0)
		rc = fg_error(err, "store: cannot sync the folder of %s: %s", path,
			      strerror(errno));
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

/* The checks of store_check: each query returns one text column per
 * problem found. */
static const struct {
	const char *sql;
	const char *need; /* a table the check needs, NULL: always there */
} checks[] = {
	{"SELECT 'group ' || g.name || ': article number ' || n.number || ' is given twice'"
	 " FROM numbering n JOIN groups g ON g.id = n.group_id"
	 " GROUP BY n.group_id, n.number HAVING count(*) > 1",
	 NULL},
	{"SELECT 'group ' || g.name || ': article ' || n.article_id || ' is listed under ' ||"
	 " count(*) || ' numbers' FROM numbering n JOIN groups g ON g.id = n.group_id"
	 " WHERE n.withdrawn = 0 GROUP BY n.group_id, n.article_id HAVING count(*) > 1",
	 NULL},
	{"SELECT 'group ' || g.name || ': article number ' || n.number ||"
	 " ' is not below the next number ' || g.next_number"
	 " FROM numbering n JOIN groups g ON g.id = n.group_id WHERE n.number >= g.next_number",
	 NULL},
	{"SELECT 'numbering: group id ' || n.group_id || ' number ' || n.number ||"
	 " ' names no group or no article' FROM numbering n"
	 " WHERE NOT EXISTS (SELECT 1 FROM groups g WHERE g.id = n.group_id)"
	 " OR NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = n.article_id)",
	 NULL},
	{"SELECT 'group ' || g.name || ': article number ' || n.number || ' has no overview line'"
	 " FROM numbering n JOIN groups g ON g.id = n.group_id"
	 " WHERE n.withdrawn = 0 AND (n.overview IS NULL OR n.overview = '')",
	 NULL},
	{"SELECT 'group ' || g.name || ': counts ' || g.live || ' articles, lists ' ||"
	 " (SELECT count(*) FROM numbering n WHERE n.group_id = g.id AND n.withdrawn = 0)"
	 " FROM groups g WHERE g.live !="
	 " (SELECT count(*) FROM numbering n WHERE n.group_id = g.id AND n.withdrawn = 0)",
	 NULL},
	{"SELECT 'post ' || p.id || ' (' || p.post_key || '): its article ' || p.message_id ||"
	 " ' is missing' FROM posts p WHERE p.deleted = 0 AND p.message_id IS NOT NULL"
	 " AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.message_id = p.message_id)",
	 NULL},
	{"SELECT 'outbox ' || id || ': unknown state ' || quote(state) FROM outbox"
	 " WHERE state NOT IN ('queued', 'posted', 'failed', 'held', 'dropped')",
	 NULL},
	{"SELECT 'outbox ' || id || ': posted without a forum post id' FROM outbox"
	 " WHERE state = 'posted' AND (forum_post_id IS NULL OR forum_post_id = '')",
	 NULL},
	{"SELECT 'list queue ' || id || ': unknown state ' || quote(state) FROM list_queue"
	 " WHERE state NOT IN ('queued', 'sending', 'sent', 'failed')",
	 "list_queue"},
};

int store_check(struct store *st, store_problem_cb cb, void *arg, char **err)
{
	if (queue_flush(st, err) != 0)
		return -1;
	int problems = 0;
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "PRAGMA integrity_check", -1, &s, NULL) != SQLITE_OK)
		return db_error(st, err, "integrity check");
	int r;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(s, 0);
		if (t && strcmp(t, "ok") != 0) {
			cb(arg, t);
			problems++;
		}
	}
	sqlite3_finalize(s);
	if (r != SQLITE_DONE)
		return db_error(st, err, "integrity check");
	for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
		if (checks[i].need) {
			char *q = sqlite3_mprintf(
				"SELECT count(*) FROM sqlite_master WHERE type = 'table'"
				" AND name = %Q",
				checks[i].need);
			int64_t have = query_int(st->db, q);
			sqlite3_free(q);
			if (have <= 0)
				continue;
		}
		if (sqlite3_prepare_v2(st->db, checks[i].sql, -1, &s, NULL) != SQLITE_OK)
			return db_error(st, err, "store check");
		while ((r = sqlite3_step(s)) == SQLITE_ROW) {
			const char *t = (const char *)sqlite3_column_text(s, 0);
			cb(arg, t ? t : "(problem)");
			problems++;
		}
		sqlite3_finalize(s);
		if (r != SQLITE_DONE)
			return db_error(st, err, "store check");
	}
	return problems;
}

int store_outbox_list(struct store *st, const char *state, store_outbox_row_cb cb, void *arg,
		      char **err)
{
	if (queue_flush(st, err) != 0)
		return -1;
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db,
			       "SELECT id, state, forum, message_id, attempts, last_error, created"
			       " FROM outbox WHERE ?1 IS NULL OR state = ?1 ORDER BY id",
			       -1, &s, NULL) != SQLITE_OK)
		return db_error(st, err, "outbox list");
	bind_text(s, 1, state);
	int r, stop = 0;
	while (!stop && (r = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_outbox_row row = {
			.id = sqlite3_column_int64(s, 0),
			.state = (const char *)sqlite3_column_text(s, 1),
			.forum = (const char *)sqlite3_column_text(s, 2),
			.message_id = (const char *)sqlite3_column_text(s, 3),
			.attempts = sqlite3_column_int(s, 4),
			.last_error = (const char *)sqlite3_column_text(s, 5),
			.created = sqlite3_column_int64(s, 6),
		};
		stop = cb(arg, &row);
	}
	sqlite3_finalize(s);
	if (!stop && r != SQLITE_DONE)
		return db_error(st, err, "outbox list");
	return 0;
}

int store_outbox_requeue(struct store *st, int64_t id, int64_t now, int64_t *n, char **err)
{
	if (queue_flush(st, err) != 0)
		return -1;
	sqlite3_stmt *s;
	/* the backoff starts again; created stays (it is the reply's age) */
	if (sqlite3_prepare_v2(st->db,
			       "UPDATE outbox SET state = 'queued', next_attempt = ?2, attempts = 0"
			       " WHERE state IN ('failed', 'held') AND (?1 = 0 OR id = ?1)",
			       -1, &s, NULL) != SQLITE_OK)
		return db_error(st, err, "outbox retry");
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now);
	int r = sqlite3_step(s);
	sqlite3_finalize(s);
	if (r != SQLITE_DONE)
		return db_error(st, err, "outbox retry");
	*n = sqlite3_changes(st->db);
	return 0;
}

int store_outbox_drop(struct store *st, int64_t id, char **err)
{
	if (queue_flush(st, err) != 0)
		return -1;
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db,
			       "UPDATE outbox SET state = 'dropped'"
			       " WHERE id = ?1 AND state IN ('queued', 'failed', 'held')",
			       -1, &s, NULL) != SQLITE_OK)
		return db_error(st, err, "outbox drop");
	sqlite3_bind_int64(s, 1, id);
	int r = sqlite3_step(s);
	sqlite3_finalize(s);
	if (r != SQLITE_DONE)
		return db_error(st, err, "outbox drop");
	return sqlite3_changes(st->db) > 0;
}

int store_outbox_state(struct store *st, int64_t id, char **state, char **err)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "SELECT state FROM outbox WHERE id = ?1", -1, &s, NULL) !=
	    SQLITE_OK)
		return db_error(st, err, "outbox state");
	sqlite3_bind_int64(s, 1, id);
	int r = sqlite3_step(s);
	*state = r == SQLITE_ROW ? col_text(s, 0) : NULL;
	sqlite3_finalize(s);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return db_error(st, err, "outbox state");
	return r == SQLITE_ROW;
}

/* ---- runtime state (forumgate status, GET /metrics) ------------------------ */

int store_role_started(struct store *st, const char *host, const char *role, int64_t pid,
		       int64_t now, int64_t restarts, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_ROLE_START, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, host);
	bind_text(s, 2, role);
	sqlite3_bind_int64(s, 3, pid);
	sqlite3_bind_int64(s, 4, now);
	sqlite3_bind_int64(s, 5, restarts);
	return step_done(st, s, err, "record a role");
}

int store_role_heartbeat(struct store *st, const char *host, const char *role, int64_t pid,
			 int64_t now, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_ROLE_BEAT, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, host);
	bind_text(s, 2, role);
	sqlite3_bind_int64(s, 3, pid);
	sqlite3_bind_int64(s, 4, now);
	if (step_done(st, s, err, "role heartbeat") != 0)
		return -1;
	return sqlite3_changes(st->db) > 0 ? 1 : 0;
}

int store_role_stopped(struct store *st, const char *host, const char *role, int64_t pid,
		       int64_t now, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_ROLE_STOP, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, host);
	bind_text(s, 2, role);
	sqlite3_bind_int64(s, 3, pid);
	sqlite3_bind_int64(s, 4, now);
	return step_done(st, s, err, "record a role stopped");
}

int store_role_list(struct store *st, store_role_cb cb, void *arg, char **err)
{
	if (queue_flush(st, err) != 0)
		return -1;
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db,
			       "SELECT host, role, pid, started, restarts, heartbeat, state"
			       " FROM runtime_roles ORDER BY role = 'serve' DESC, role, host",
			       -1, &s, NULL) != SQLITE_OK)
		return db_error(st, err, "role list");
	int r, stop = 0;
	while (!stop && (r = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_role_row row = {
			.host = (const char *)sqlite3_column_text(s, 0),
			.role = (const char *)sqlite3_column_text(s, 1),
			.pid = sqlite3_column_int64(s, 2),
			.started = sqlite3_column_int64(s, 3),
			.restarts = sqlite3_column_int64(s, 4),
			.heartbeat = sqlite3_column_int64(s, 5),
			.state = (const char *)sqlite3_column_text(s, 6),
		};
		stop = cb(arg, &row);
	}
	sqlite3_finalize(s);
	if (!stop && r != SQLITE_DONE)
		return db_error(st, err, "role list");
	return 0;
}

int store_metric_put(struct store *st, const char *host, const char *role, int64_t pid, int64_t now,
		     const struct store_metric_row *m, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_METRIC_PUT, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, host);
	bind_text(s, 2, role);
	bind_text(s, 3, m->name);
	bind_text(s, 4, m->labels ? m->labels : "");
	sqlite3_bind_int(s, 5, m->bucket);
	sqlite3_bind_double(s, 6, m->value);
	sqlite3_bind_int64(s, 7, pid);
	sqlite3_bind_int64(s, 8, now);
	sqlite3_bind_int(s, 9, m->add != 0);
	return step_rebound(st, s, err, "flush a metric");
}

int store_metric_drop(struct store *st, const char *host, const char *role, const char *name,
		      char **err)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(
		    st->db,
		    "DELETE FROM runtime_metrics WHERE host = ?1 AND role = ?2 AND name = ?3", -1,
		    &s, NULL) != SQLITE_OK)
		return db_error(st, err, "drop a metric");
	bind_text(s, 1, host);
	bind_text(s, 2, role);
	bind_text(s, 3, name);
	int r = sqlite3_step(s);
	sqlite3_finalize(s);
	if (r != SQLITE_DONE)
		return db_error(st, err, "drop a metric");
	return 0;
}

int store_metric_list(struct store *st, store_metric_cb cb, void *arg, char **err)
{
	if (queue_flush(st, err) != 0)
		return -1;
	sqlite3_stmt *s;
	/* the processes' counters add up: two nntpd nodes serve one store */
	if (sqlite3_prepare_v2(st->db,
			       "SELECT name, labels, bucket, total(value) FROM runtime_metrics"
			       " GROUP BY name, labels, bucket ORDER BY name, labels, bucket",
			       -1, &s, NULL) != SQLITE_OK)
		return db_error(st, err, "metric list");
	int r, stop = 0;
	while (!stop && (r = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_metric_row row = {
			.name = (const char *)sqlite3_column_text(s, 0),
			.labels = (const char *)sqlite3_column_text(s, 1),
			.bucket = sqlite3_column_int(s, 2),
			.value = sqlite3_column_double(s, 3),
		};
		stop = cb(arg, &row);
	}
	sqlite3_finalize(s);
	if (!stop && r != SQLITE_DONE)
		return db_error(st, err, "metric list");
	return 0;
}

int store_sync_record(struct store *st, const char *forum, int64_t now, const char *error,
		      int64_t posts, double seconds, char **err)
{
	sqlite3_stmt *s = stmt_get(st, S_SYNC_RECORD, err);
	if (s == NULL)
		return -1;
	bind_text(s, 1, forum);
	sqlite3_bind_int64(s, 2, now);
	bind_text(s, 3, error);
	sqlite3_bind_int64(s, 4, posts);
	sqlite3_bind_double(s, 5, seconds);
	return step_done(st, s, err, "record a sync pass");
}

int store_sync_list(struct store *st, store_sync_cb cb, void *arg, char **err)
{
	if (queue_flush(st, err) != 0)
		return -1;
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(
		    st->db,
		    "SELECT forum, last_attempt, last_success, last_error, last_error_at,"
		    " passes, failures, posts, duration FROM runtime_sync ORDER BY forum",
		    -1, &s, NULL) != SQLITE_OK)
		return db_error(st, err, "sync list");
	int r, stop = 0;
	while (!stop && (r = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_sync_row row = {
			.forum = (const char *)sqlite3_column_text(s, 0),
			.last_attempt = sqlite3_column_int64(s, 1),
			.last_success = sqlite3_column_int64(s, 2),
			.last_error = (const char *)sqlite3_column_text(s, 3),
			.last_error_at = sqlite3_column_int64(s, 4),
			.passes = sqlite3_column_int64(s, 5),
			.failures = sqlite3_column_int64(s, 6),
			.posts = sqlite3_column_int64(s, 7),
			.duration = sqlite3_column_double(s, 8),
		};
		stop = cb(arg, &row);
	}
	sqlite3_finalize(s);
	if (!stop && r != SQLITE_DONE)
		return db_error(st, err, "sync list");
	return 0;
}

/* One "SELECT count, min(created)" per state of a queue table. */
static int queue_count(struct store *st, const char *sql, const char *state, int64_t *n,
		       int64_t *oldest, char **err)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return db_error(st, err, "queue statistics");
	bind_text(s, 1, state);
	int r = sqlite3_step(s);
	if (r == SQLITE_ROW) {
		*n = sqlite3_column_int64(s, 0);
		if (oldest)
			*oldest = sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	if (r != SQLITE_ROW)
		return db_error(st, err, "queue statistics");
	return 0;
}

int store_queue_stats(struct store *st, struct store_queue_stats *q, char **err)
{
	static const char outbox[] =
		"SELECT count(*), coalesce(min(created), 0) FROM outbox WHERE state = ?1";
	static const char list[] =
		"SELECT count(*), coalesce(min(created), 0) FROM list_queue WHERE state = ?1";
	memset(q, 0, sizeof *q);
	if (queue_flush(st, err) != 0)
		return -1;
	return queue_count(st, outbox, "queued", &q->outbox_queued, &q->outbox_oldest, err) ||
			       queue_count(st, outbox, "failed", &q->outbox_failed, NULL, err) ||
			       queue_count(st, outbox, "held", &q->outbox_held, NULL, err) ||
			       queue_count(st, list, "queued", &q->list_queued, &q->list_oldest,
					   err) ||
			       queue_count(st, list, "sending", &q->list_sending, NULL, err) ||
			       queue_count(st, list, "failed", &q->list_failed, NULL, err)
		       ? -1
		       : 0;
}
