/*
 * NNTP POST: checks an article the way the mail intake checks a reply, then
 * queues it in the store's outbox; the outbox role posts it to the forum.
 * 240 is sent only after the transaction holding the article committed.
 *
 * Refusals say what is wrong in words a person can act on (441 ...): the
 * article is too large, a header is malformed or missing, a group does not
 * exist or is read-only, a "Re:" lacks References, the Message-ID is taken.
 */
#include <ctype.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

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

/* Parses the header block of a CRLF article; 0 ok, or -1 with *why. */
static int parse_headers(const char *a, size_t len, struct parsed *p, char **why)
{
	const char *s = a, *end = a + len;
	size_t cap = 0;
	int lineno = 0;
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
			p->body = eol < end ? eol + 1 : end;
			return 0;
		}
		if (s[0] == ' ' || s[0] == '\t') {
			if (p->n == 0)
				return fg_error(why, "header line %d starts with white space", lineno);
			struct buf b = BUF_INIT;
			buf_adds(&b, p->h[p->n - 1].value);
			buf_add(&b, s, n);
			free(p->h[p->n - 1].value);
			p->h[p->n - 1].value = buf_detach(&b);
		} else {
			const char *colon = memchr(s, ':', n);
			if (colon == NULL || colon == s)
				return fg_error(why, "header line %d is not \"Name: value\"", lineno);
			for (const char *c = s; c < colon; c++)
				if (*c <= ' ' || *c > '~')
					return fg_error(why, "header line %d has an invalid name", lineno);
			if (p->n == cap) {
				cap = cap ? cap * 2 : 16;
				p->h = xrealloc(p->h, cap * sizeof *p->h);
			}
			const char *v = colon + 1;
			while (v < s + n && (*v == ' ' || *v == '\t'))
				v++;
			p->h[p->n].name = xstrndup(s, (size_t)(colon - s));
			p->h[p->n].value = xstrndup(v, (size_t)(s + n - v));
			p->n++;
		}
		s = eol + 1;
	}
	return fg_error(why, "the article has no empty line between header and body");
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
	struct parsed p;
	char *why = NULL, *err = NULL;
	char *forum = NULL, *thread = NULL, *parent = NULL, *msgid = NULL, *first = NULL;
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
