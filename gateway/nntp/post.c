/*
 * NNTP POST: checks an article the way the mail intake checks a reply, then
 * queues it in the store's outbox; the outbox role posts it to the forum.
 * 240 is sent only after the transaction holding the article committed.
 *
 * Refusals say what is wrong in words a person can act on (441 ...): the
 * article is too large, a header is malformed or missing, a group does not
 * exist or is read-only, a "Re:" lacks References, the Message-ID is taken
 * or has the form of the ids sync makes for forum posts (article_msgid_ours:
 * whoever sent it first would hold that post's id), the article holds a NUL.
 */
#include <ctype.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "forumgate/article.h"
#include "forumgate/log.h"
#include "nntp_internal.h"

struct hdr {
	char *name, *value; /* value unfolded */
};

struct parsed {
	struct hdr *h;
	size_t n;
	const char *body;
};

static void parsed_free(struct parsed *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->h[i].name);
		free(p->h[i].value);
	}
	free(p->h);
}

static const char *hdr_find(const struct parsed *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcasecmp(p->h[i].name, name) == 0)
			return p->h[i].value;
	return NULL;
}

/* Ends the header whose lines are in *cur: its name is before the colon,
 * its value (unfolded) after it and the blanks that follow. */
static void header_end(struct parsed *p, struct buf *cur, size_t *cap)
{
	if (cur->len == 0)
		return;
	const char *colon = memchr(cur->p, ':', cur->len), *end = cur->p + cur->len;
	const char *v = colon + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	if (p->n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		p->h = xrealloc(p->h, *cap * sizeof *p->h);
	}
	p->h[p->n].name = xstrndup(cur->p, (size_t)(colon - cur->p));
	p->h[p->n].value = xstrndup(v, (size_t)(end - v));
	p->n++;
	buf_reset(cur);
}

/* Parses the header block of a CRLF article; 0 ok, or -1 with *why.
 * A header and its continuation lines are gathered in one buffer and
 * copied out once at its end, so unfolding costs the size of the header
 * block, however many lines a header is folded into. */
static int parse_headers(const char *a, size_t len, struct parsed *p, char **why)
{
	const char *s = a, *end = a + len;
	size_t cap = 0;
	int lineno = 0, rc = -1;
	struct buf *cur = buf_scratch(); /* the header being read */
	memset(p, 0, sizeof *p);
	while (s < end) {
		const char *eol = memchr(s, '\n', (size_t)(end - s));
		if (eol == NULL)
			eol = end;
		size_t n = (size_t)(eol - s);
		if (n && s[n - 1] == '\r')
			n--;
		lineno++;
		if (n == 0) {
			header_end(p, cur, &cap);
			p->body = eol < end ? eol + 1 : end;
			rc = 0;
			goto out;
		}
		if (s[0] == ' ' || s[0] == '\t') {
			if (cur->len == 0) {
				fg_error(why, "header line %d starts with white space", lineno);
				goto out;
			}
			buf_add(cur, s, n);
		} else {
			header_end(p, cur, &cap);
			const char *colon = memchr(s, ':', n);
			if (colon == NULL || colon == s) {
				fg_error(why, "header line %d is not \"Name: value\"", lineno);
				goto out;
			}
			for (const char *c = s; c < colon; c++)
				if (*c <= ' ' || *c > '~') {
					fg_error(why, "header line %d has an invalid name", lineno);
					goto out;
				}
			buf_add(cur, s, n);
		}
		s = eol + 1;
	}
	fg_error(why, "the article has no empty line between header and body");
out:
	buf_scratch_put(cur);
	return rc;
}

static int valid_msgid(const char *m)
{
	size_t n = strlen(m);
	if (n < 5 || n > 250 || m[0] != '<' || m[n - 1] != '>')
		return 0;
	const char *at = strchr(m, '@');
	if (at == NULL || at == m + 1 || at >= m + n - 2 || strchr(at + 1, '@'))
		return 0;
	for (size_t i = 1; i + 1 < n; i++)
		if (m[i] <= ' ' || m[i] > '~' || m[i] == '<' || m[i] == '>')
			return 0;
	return 1;
}

static void refuse(struct nntp_session *s, const char *why)
{
	log_info("post by %s refused: %s", s->user ? s->user : "-", why);
	nntp_reply(s, 441, "%s", why);
}

void nntp_post_finish(struct nntp_session *s)
{
	const struct cfg *c = s->env->cfg;
	if (s->post_too_big) {
		char *why = xasprintf("Article too large: the limit here is %ld bytes",
				      c->nntp.max_post_size);
		refuse(s, why);
		free(why);
		return;
	}
	struct parsed p = {0};
	char *why = NULL, *err = NULL;
	char *forum = NULL, *thread = NULL, *parent = NULL, *msgid = NULL, *first = NULL;
	/* decided on the bytes received: every later step reads C strings,
	 * which would end at the NUL and drop the rest without a word */
	if (s->post.len && memchr(s->post.p, '\0', s->post.len) != NULL) {
		fg_error(&why, "the article contains a NUL byte, which no header or text may hold");
		goto refused;
	}
	if (parse_headers(s->post.p ? s->post.p : "", s->post.len, &p, &why) != 0)
		goto refused;
	static const char *const required[] = {"From", "Newsgroups", "Subject"};
	for (size_t i = 0; i < 3; i++)
		if (hdr_find(&p, required[i]) == NULL || hdr_find(&p, required[i])[0] == '\0') {
			fg_error(&why, "the article has no %s header", required[i]);
			goto refused;
		}
	if (p.body == NULL || strspn(p.body, " \t\r\n") == strlen(p.body)) {
		fg_error(&why, "the article has an empty body");
		goto refused;
	}

	/* every group must exist and take posts */
	char *groups = xstrdup(hdr_find(&p, "Newsgroups"));
	for (char *save = NULL, *g = strtok_r(groups, ", \t", &save); g;
	     g = strtok_r(NULL, ", \t", &save)) {
		struct store_group sg;
		int r = store_group_get(s->env->store, g, &sg, &err);
		if (r < 0) {
			free(groups);
			goto failed;
		}
		if (r == 0) {
			fg_error(&why, "no such newsgroup here: %s", g);
			free(groups);
			goto refused;
		}
		char posting = sg.posting;
		store_group_clear(&sg);
		if (posting == 'n') {
			fg_error(&why, "newsgroup %s is read-only: the forum does not take replies there",
				 g);
			free(groups);
			goto refused;
		}
		if (first == NULL)
			first = xstrdup(g);
	}
	free(groups);
	if (first == NULL) {
		fg_error(&why, "the Newsgroups header names no group");
		goto refused;
	}

	const char *subject = hdr_find(&p, "Subject");
	const char *refs = hdr_find(&p, "References");
	if (strncasecmp(subject, "Re:", 3) == 0 && (refs == NULL || refs[0] == '\0')) {
		fg_error(&why, "a reply (Subject \"Re: ...\") needs a References header; use your "
			       "newsreader's follow-up command so it lands in the right thread");
		goto refused;
	}
	if (refs && refs[0]) {
		/* the last referenced article we know decides thread and parent */
		char *copy = xstrdup(refs), *ids[64];
		int nids = 0;
		for (char *save = NULL, *t = strtok_r(copy, " \t", &save); t && nids < 64;
		     t = strtok_r(NULL, " \t", &save))
			ids[nids++] = t;
		int found = 0;
		for (int i = nids - 1; i >= 0 && !found; i--) {
			int r = store_post_by_msgid(s->env->store, ids[i], &forum, &thread, &parent,
						    &err);
			if (r < 0) {
				free(copy);
				goto failed;
			}
			found = r;
		}
		free(copy);
		if (!found) {
			fg_error(&why, "none of the References is an article of this server, so the "
				       "thread it answers is unknown");
			goto refused;
		}
	} else {
		const struct cfg_forum *gf = cfg_group_forum(c, first);
		forum = gf ? xstrdup(gf->name) : NULL;
	}

	const char *given = hdr_find(&p, "Message-ID");
	if (given) {
		if (!valid_msgid(given)) {
			fg_error(&why, "the Message-ID header is not a valid <id@domain>");
			goto refused;
		}
		int r = store_article_exists(s->env->store, given, &err);
		if (r < 0) {
			goto failed;
		}
		if (r) {
			fg_error(&why, "an article with Message-ID %s exists already", given);
			goto refused;
		}
		if (article_msgid_ours(given, c->gateway.domain)) {
			fg_error(&why,
				 "the Message-ID %s has the form of this gateway's own ids for forum "
				 "posts; leave the header out or let your newsreader make one",
				 given);
			goto refused;
		}
		msgid = xstrdup(given);
	} else {
		unsigned char rnd[8];
		RAND_bytes(rnd, sizeof rnd);
		msgid = xasprintf("<fg.%lld.%02x%02x%02x%02x%02x%02x%02x%02x@%s>",
				  (long long)time(NULL), rnd[0], rnd[1], rnd[2], rnd[3], rnd[4],
				  rnd[5], rnd[6], rnd[7], c->gateway.domain);
	}

	struct store *w = s->env->writer(s->env->writer_arg);
	if (w == NULL) {
		err = xstrdup("no writer connection");
		goto failed;
	}
	struct store_outbox_in o = {
		.message_id = msgid, .source = "nntp", .user = s->user, .forum = forum,
		.thread_key = thread, .parent_key = parent, .newsgroups = hdr_find(&p, "Newsgroups"),
		.subject = subject, .article = s->post.p, .article_len = s->post.len,
	};
	int r = -1;
	if (store_begin(w, &err) == 0) {
		r = store_outbox_add(w, &o, &err);
		if (r >= 0 && store_commit(w, &err) != 0)
			r = -1;
		if (r < 0)
			store_rollback(w);
	}
	if (r < 0)
		goto failed;
	if (r == 1) {
		fg_error(&why, "an article with Message-ID %s is already queued", msgid);
		goto refused;
	}
	log_info("post %s by %s queued for %s", msgid, s->user, forum ? forum : "?");
	nntp_reply(s, 240, "Article received %s", msgid);
	goto out;
failed:
	log_err("post: store: %s", err ? err : "error");
	nntp_reply(s, 441, "Posting failed for a temporary reason; please try again later");
	goto out;
refused:
	refuse(s, why);
out:
	free(why);
	free(err);
	free(first);
	free(forum);
	free(thread);
	free(parent);
	free(msgid);
	parsed_free(&p);
}
