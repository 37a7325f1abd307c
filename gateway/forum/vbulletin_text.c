/*
 * vbulletin_text: a vBulletin thread page as plain text, the way a browser's
 * select-all + copy gives it. Some forums can only be archived that way, and
 * such copies are what users have at hand.
 *
 * What a copy looks like (vBulletin 3.8/4.x):
 *
 *   Results 1 to 2 of 2                 furniture: total posts, pagination
 *   Thread: TITLE                       the thread title
 *     1. #1                             a post starts at "#N" (optionally
 *       Name                            with the list number and a date)
 *       Senior Member                   user title, "Join Date: Jan 2005" or
 *       Join Date                       "Join Date" + value, "Posts: 1,234",
 *       Jan 2005                        "Location: …": metadata, not body
 *       08-26-2008, 08:15 AM            a line that is a date: the post date
 *       Post title                      first line = thread title / "Re: …"
 *       body paragraphs, indented       dedented, blank line between paragraphs
 *       signature line                  see below
 *   Similar Threads / Posting Permissions / Bookmarks …   page furniture
 *
 * Decisions (the text carries no markup, so some are heuristics):
 *  - The author is the line right after "#N" (and its date) when it is
 *    followed by a metadata line, or a line "NAME Guest" (guest = 1).
 *    Otherwise the author is unknown (NULL), never guessed.
 *  - Post title: a one-line first paragraph equal to the thread title or to
 *    "Re: " + title, when more paragraphs follow.
 *  - Signature: vBulletin prints it under the body, and a copy loses the
 *    separator, leaving the signature as a line right after the last body
 *    line. The last line of the post is taken as signature when it is
 *    shorter than 100 bytes, the last paragraph has more than one line (the
 *    signature hangs on it with a single newline, no blank line) and the
 *    post has more than one paragraph; or, whatever the shape, when another
 *    post of the same author in this thread ends in the same line.
 *  - Quotes: "Quote:" / "Originally Posted by NAME [View Post]" headers and
 *    the quoted paragraph after them become "NAME wrote:" and "> " lines.
 *  - Ids: the text has none. Thread id = "txt-" + 16 lowercase hex digits of
 *    the 64-bit FNV-1a hash of board + "\n" + title (board "" if unknown);
 *    post id = thread id + "-" + post number. Stable across re-imports of
 *    the same thread, unique as long as titles are unique within a board.
 *  - Board: the text names it only in the Similar Threads box ("By X in
 *    forum NAME"); the most frequent NAME wins.
 *  - Dates are wall-clock times of the forum, returned as if UTC (as for the
 *    HTML pages; the caller applies the forum's zone).
 * Body markup: MARKUP_TEXT, paragraphs separated by one blank line.
 */
#include "forumgate/forum.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "forumgate/buf.h"
#include "spool_internal.h"
#include "vbulletin.h"

#define SIG_MAX 100

struct lines {
	char **v;
	size_t n;
};

/* A post's span of lines and what its header said. */
struct tpost {
	size_t start, end; /* body lines [start, end) */
	int number;
	char *author;
	int guest;
	int64_t date;
};

static const char *const user_titles[] = {
	"Senior Member",   "Junior Member", "Member",    "New Member",
	"Registered User", "Administrator", "Moderator", "Super Moderator",
	"Banned",          "Guest",         NULL,
};

/* Lines that end the posts area. */
static const char *const furniture[] = {
	"Similar Threads",
	"Posting Permissions",
	"Bookmarks",
	"Tags for this Thread",
	"Quick Navigation",
	"Thread Information",
	"Users Browsing this Thread",
	"Quick Reply",
	"« Previous Thread | Next Thread »",
	NULL,
};

/* Buttons that a copy drags into a post. */
static const char *const buttons[] = {
	"Reply With Quote",
	"Quick reply to this message",
	"Multi-Quote This Message",
	NULL,
};

static int in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

static const char *trim(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	if ((unsigned char)s[0] == 0xc2 && (unsigned char)s[1] == 0xa0)
		return trim(s + 2);
	return s;
}

static int blank(const char *s)
{
	return *trim(s) == '\0';
}

static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t k, len;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4;
		else
			return 0;
		if (i + len > n)
			return 0;
		for (k = 1; k < len; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		if ((c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xed && s[i + 1] > 0x9f) ||
		    (c == 0xf0 && s[i + 1] < 0x90) || (c == 0xf4 && s[i + 1] > 0x8f))
			return 0;
		i += len;
	}
	return 1;
}

/* Splits the (mutable, NUL-terminated) copy into lines without trailing
 * whitespace; CRLF and CR line ends are accepted. */
static void split_lines(char *s, struct lines *l)
{
	char *p = s;

	l->v = NULL;
	l->n = 0;
	for (;;) {
		char *e = p + strcspn(p, "\r\n");
		char *t = e;
		int more = *e != '\0';

		if (*e == '\r' && e[1] == '\n')
			e++;
		while (t > p && (t[-1] == ' ' || t[-1] == '\t'))
			t--;
		*t = '\0';
		l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
		l->v[l->n++] = p;
		if (!more)
			break;
		p = e + 1;
	}
}

static int parse_uint(const char *s, const char **end, int *out)
{
	long v = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	while (isdigit((unsigned char)*s)) {
		v = v * 10 + (*s++ - '0');
		if (v > 100000000)
			return -1;
	}
	*end = s;
	*out = (int)v;
	return 0;
}

int64_t vb_page_date(const char *s)
{
	int64_t t;

	if (strchr(s, ':') == NULL || forum_parse_date(s, "UTC", (int64_t)time(NULL), &t) < 0)
		return 0;
	return t;
}

/* A line without the list number a copy puts before each post ("  1. "). */
static const char *unlisted(const char *line)
{
	const char *s = trim(line), *end;
	int k;

	if (parse_uint(s, &end, &k) == 0 && *end == '.' && end[1] == ' ')
		return trim(end + 1);
	return s;
}

/* "#N", "1. #N", "08-26-2008, 08:15 AM #N", "#N 08-26-2008, 08:15 AM".
 * Returns N (> 0) and the date if one is on the line, else 0. */
static int post_marker(const char *line, int64_t *date)
{
	const char *s = unlisted(line), *hash, *end;
	int n;

	*date = 0;
	hash = strchr(s, '#');
	if (hash == NULL || parse_uint(hash + 1, &end, &n) < 0 || n == 0)
		return 0;
	if (hash == s) {
		if (*end == '\0')
			return n;
		if (*end != ' ')
			return 0;
		*date = vb_page_date(trim(end));
		return *date ? n : 0;
	}
	if (*end != '\0' || hash[-1] != ' ')
		return 0;
	{
		char *d = xstrndup(s, (size_t)(hash - s));

		*date = vb_page_date(d);
		free(d);
	}
	return *date ? n : 0;
}

static const char *const meta_keys[] = {"Join Date", "Posts", "Location", "Age", NULL};

/* A metadata line at l->v[i]: returns how many lines it takes (0 = not
 * metadata). Sets *date and *guest as found. */
static size_t metadata(const struct lines *l, size_t i, size_t end, int64_t *date, int *guest)
{
	const char *s = trim(l->v[i]);
	const char *const *k;
	int64_t d;

	if (in_list(s, user_titles)) {
		if (strcmp(s, "Guest") == 0)
			*guest = 1;
		return 1;
	}
	for (k = meta_keys; *k; k++) {
		size_t n = strlen(*k);

		if (strncmp(s, *k, n) != 0)
			continue;
		if (s[n] == ':')
			return 1;
		if (s[n] == '\0' && i + 1 < end && !blank(l->v[i + 1]))
			return 2;
	}
	if ((d = vb_page_date(s)) != 0) {
		if (*date == 0)
			*date = d;
		return 1;
	}
	return 0;
}

static int is_furniture(const char *line)
{
	const char *s = trim(line);
	const char *end;
	int n;

	if (in_list(s, furniture))
		return 1;
	/* The bottom page navigation: "Page 1 of 2 1 2 Last »". */
	return starts(s, "Page ") && parse_uint(s + 5, &end, &n) == 0 && starts(end, " of ");
}

/* Reads the header of the post starting after its marker at line i and
 * returns the index of its first body line. */
static size_t post_header(const struct lines *l, size_t i, size_t end, struct tpost *p)
{
	int64_t dummy_date = 0;
	int dummy_guest = 0;
	size_t k;

	while (i < end && blank(l->v[i]))
		i++;
	if (i < end && p->date == 0 && (p->date = vb_page_date(trim(l->v[i]))) != 0)
		i++;
	if (i < end) {
		const char *s = trim(l->v[i]);
		size_t n = strlen(s);

		if (n > 6 && n < 80 && strcmp(s + n - 6, " Guest") == 0 &&
		    metadata(l, i, end, &dummy_date, &dummy_guest) == 0) {
			p->author = xstrndup(s, n - 6);
			p->guest = 1;
			i++;
		} else if (n > 0 && n <= 60 && i + 1 < end &&
			   metadata(l, i, end, &dummy_date, &dummy_guest) == 0 &&
			   metadata(l, i + 1, end, &dummy_date, &dummy_guest) > 0) {
			p->author = xstrdup(s);
			i++;
		}
	}
	while (i < end && (k = metadata(l, i, end, &p->date, &p->guest)) > 0)
		i += k;
	return i;
}

/* ---- body ---- */

/* The body lines of one post, dedented; "" for blank lines, no leading or
 * trailing blanks, no runs of blanks. Pointers into the split copy. */
struct body {
	const char **v;
	size_t n;
};

static void body_collect(const struct lines *l, const struct tpost *p, struct body *b)
{
	size_t i, indent = (size_t)-1;

	b->v = NULL;
	b->n = 0;
	for (i = p->start; i < p->end; i++) {
		size_t k = strspn(l->v[i], " \t");

		if (!blank(l->v[i]) && k < indent)
			indent = k;
	}
	for (i = p->start; i < p->end; i++) {
		const char *s = l->v[i];

		if (blank(s)) {
			if (b->n == 0 || *b->v[b->n - 1] == '\0')
				continue;
			s = "";
		} else if (in_list(trim(s), buttons)) {
			continue;
		} else {
			s += indent;
		}
		b->v = xrealloc(b->v, (b->n + 1) * sizeof(*b->v));
		b->v[b->n++] = s;
	}
	while (b->n > 0 && *b->v[b->n - 1] == '\0')
		b->n--;
}

static size_t paragraphs(const struct body *b)
{
	size_t i, n = b->n > 0;

	for (i = 0; i < b->n; i++)
		if (*b->v[i] == '\0')
			n++;
	return n;
}

static int title_line(const char *s, const char *title)
{
	if (strcmp(s, title) == 0)
		return 1;
	return strncasecmp(s, "Re: ", 4) == 0 && strcmp(trim(s + 4), title) == 0;
}

/* Takes the post title off the front of the body. */
static char *take_title(struct body *b, const char *title)
{
	char *t;

	if (b->n < 3 || *b->v[1] != '\0' || !title_line(b->v[0], title))
		return NULL;
	t = xstrdup(b->v[0]);
	b->v += 2;
	b->n -= 2;
	return t;
}

static int sig_shape(const struct body *b)
{
	const char *last;

	if (b->n < 2 || paragraphs(b) < 2)
		return 0;
	last = b->v[b->n - 1];
	return *b->v[b->n - 2] != '\0' && strlen(last) < SIG_MAX && strncmp(last, "> ", 2) != 0;
}

/* "Originally Posted by NAME [View Post]", possibly after "Quote". Returns
 * the name (malloc'd), "" for an anonymous "Quote:" line, NULL if none. */
static char *quote_header(const char *s)
{
	static const char by[] = "Originally Posted by ";
	size_t n;

	if (strcmp(s, "Quote:") == 0 || strcmp(s, "Quote") == 0)
		return xstrdup("");
	if (starts(s, "Quote:"))
		s = trim(s + 6);
	else if (starts(s, "Quote "))
		s = trim(s + 6);
	if (!starts(s, by))
		return NULL;
	s = trim(s + sizeof(by) - 1);
	n = strlen(s);
	if (n > 10 && strcmp(s + n - 10, " View Post") == 0)
		n -= 10;
	return n > 0 ? xstrndup(s, n) : NULL;
}

static void emit(struct buf *out, const char *s, int *para)
{
	if (out->len > 0)
		buf_adds(out, *para ? "\n\n" : "\n");
	*para = 0;
	buf_adds(out, s);
}

/* Writes the body lines as MARKUP_TEXT, turning quote blocks into
 * "NAME wrote:" + "> " lines. */
static void body_render(const struct body *b, struct buf *out)
{
	size_t i = 0;
	int para = 0;

	while (i < b->n) {
		char *name = quote_header(b->v[i]);

		if (*b->v[i] == '\0') {
			para = 1;
			i++;
			continue;
		}
		if (name == NULL) {
			emit(out, b->v[i++], &para);
			continue;
		}
		/* "Quote:" then "Originally Posted by NAME" on the next line. */
		i++;
		while (i < b->n && *b->v[i] == '\0')
			i++;
		if (*name == '\0' && i < b->n) {
			char *n2 = quote_header(b->v[i]);

			if (n2 != NULL) {
				free(name);
				name = n2;
				i++;
			}
		}
		while (i < b->n && *b->v[i] == '\0')
			i++;
		para = out->len > 0;
		if (*name != '\0') {
			emit(out, name, &para);
			buf_adds(out, " wrote:");
		}
		for (; i < b->n && *b->v[i] != '\0'; i++) {
			emit(out, "> ", &para);
			buf_adds(out, b->v[i]);
		}
		para = 1;
		free(name);
	}
}

/* ---- furniture ---- */

static int scan_num(const char **s, int *out)
{
	const char *end;

	if (parse_uint(*s, &end, out) < 0)
		return -1;
	*s = end;
	return 0;
}

void vb_scan_furniture(const char *text, struct forum_thread *t)
{
	const char *p;

	for (p = text; (p = strstr(p, "Page ")) != NULL; p++) {
		const char *s = p + 5;
		int a, b;

		if (scan_num(&s, &a) == 0 && starts(s, " of ") && (s += 4, scan_num(&s, &b) == 0) &&
		    a >= 1 && a <= b) {
			if (t->page == 0)
				t->page = a;
			if (t->pages == 0)
				t->pages = b;
			break;
		}
	}
	for (p = text; (p = strstr(p, "esults ")) != NULL; p++) {
		const char *s = p + 7;
		int a, b, n;

		if (p == text || (p[-1] != 'R' && p[-1] != 'r'))
			continue;
		if (scan_num(&s, &a) == 0 && starts(s, " to ") && (s += 4, scan_num(&s, &b) == 0) &&
		    starts(s, " of ") && (s += 4, scan_num(&s, &n) == 0) && a >= 1 && a <= b &&
		    b <= n) {
			if (t->total_posts == 0)
				t->total_posts = n;
			/* Not the last page: its size is the page size. */
			if (b < n && t->page == 0) {
				int per = b - a + 1;

				t->page = (a - 1) / per + 1;
				t->pages = (n + per - 1) / per;
			} else if (a == 1 && b == n && t->page == 0) {
				t->page = 1;
				t->pages = 1;
			}
			break;
		}
	}
	if (t->posting == FORUM_POSTING_UNKNOWN) {
		if (strstr(text, "You may not post replies") != NULL)
			t->posting = FORUM_POSTING_NO;
		else if (strstr(text, "You may post replies") != NULL)
			t->posting = FORUM_POSTING_YES;
	}
}

/* The most frequent NAME of "… in forum NAME" lines. */
static char *board_from(const struct lines *l, const char *in_posts)
{
	char *best = NULL;
	size_t i, j, bestn = 0;

	for (i = 0; i < l->n; i++) {
		const char *s, *name;
		size_t count = 0;

		if (in_posts[i] || (s = strstr(l->v[i], "in forum ")) == NULL)
			continue;
		if (s != l->v[i] && s[-1] != ' ')
			continue;
		name = trim(s + 9);
		if (*name == '\0')
			continue;
		for (j = 0; j < l->n; j++) {
			const char *o;

			if (!in_posts[j] && (o = strstr(l->v[j], "in forum ")) != NULL &&
			    strcmp(trim(o + 9), name) == 0)
				count++;
		}
		if (count > bestn) {
			bestn = count;
			free(best);
			best = xstrdup(name);
		}
	}
	return best;
}

static uint64_t fnv1a(const char *s, uint64_t h)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* ---- the parser ---- */

static void signature_of(struct body *b, const struct tpost *tp, size_t np, size_t k,
			 const struct body *all, char **sig)
{
	size_t j;
	const char *last;

	*sig = NULL;
	if (b->n == 0)
		return;
	last = b->v[b->n - 1];
	if (!sig_shape(b)) {
		/* Same last line as another post of the same author. */
		if (tp[k].author == NULL || b->n < 2 || strlen(last) >= SIG_MAX)
			return;
		for (j = 0; j < np; j++)
			if (j != k && all[j].n > 1 && tp[j].author != NULL &&
			    strcmp(tp[j].author, tp[k].author) == 0 &&
			    strcmp(all[j].v[all[j].n - 1], last) == 0)
				break;
		if (j == np)
			return;
	}
	*sig = xstrdup(last);
	b->n--;
	while (b->n > 0 && *b->v[b->n - 1] == '\0')
		b->n--;
}

int vb_parse_text(const char *buf, size_t len, const char *name, struct forum_thread **out,
		  char **err)
{
	struct forum_thread *t = NULL;
	struct tpost *tp = NULL;
	struct body *bodies = NULL;
	struct lines l = {NULL, 0};
	struct buf furn = BUF_INIT;
	char *copy, *in_posts = NULL;
	const char *title = NULL;
	size_t i, np = 0;
	int rc = -1;

	*out = NULL;
	if (name == NULL)
		name = "(text)";
	if (memchr(buf, '\0', len) != NULL)
		return fg_error(err, "%s: binary data (NUL byte) in a text page", name);
	if (!utf8_valid((const unsigned char *)buf, len))
		return fg_error(err, "%s: not UTF-8 text", name);
	copy = xstrndup(buf, len);
	split_lines(copy, &l);
	in_posts = xcalloc(l.n, 1);

	/* Find the posts: from each "#N" marker to the next one or furniture. */
	for (i = 0; i < l.n; i++) {
		int64_t date;
		int n = post_marker(l.v[i], &date);
		struct tpost *p;
		size_t j;

		if (title == NULL && starts(trim(l.v[i]), "Thread: ") && np == 0)
			title = trim(trim(l.v[i]) + 8);
		if (n == 0)
			continue;
		tp = xrealloc(tp, (np + 1) * sizeof(*tp));
		p = &tp[np++];
		memset(p, 0, sizeof(*p));
		p->number = n;
		p->date = date;
		/* A date alone on the line before the marker belongs to it. */
		if (date == 0)
			for (j = i; j > 0 && j + 3 > i; j--) {
				if (!blank(l.v[j - 1])) {
					if ((date = vb_page_date(unlisted(l.v[j - 1]))) != 0) {
						p->date = date;
						l.v[j - 1][0] = '\0';
					}
					break;
				}
			}
		for (j = i + 1; j < l.n; j++) {
			int64_t d;

			if (post_marker(l.v[j], &d) > 0 || is_furniture(l.v[j]))
				break;
		}
		p->end = j;
		p->start = post_header(&l, i + 1, j, p);
		for (j = i; j < p->end; j++)
			in_posts[j] = 1;
		i = p->end - 1;
	}
	if (title == NULL || *title == '\0') {
		fg_error(err, "%s: no \"Thread:\" title line", name);
		goto done;
	}
	if (np == 0) {
		fg_error(err, "%s: no posts found", name);
		goto done;
	}

	t = xcalloc(1, sizeof(*t));
	t->title = xstrdup(title);
	t->board = board_from(&l, in_posts);
	for (i = 0; i < l.n; i++) {
		if (!in_posts[i]) {
			buf_adds(&furn, l.v[i]);
			buf_addc(&furn, '\n');
		}
	}
	vb_scan_furniture(buf_str(&furn), t);
	t->id = xasprintf("txt-%016llx", (unsigned long long)fnv1a(
						 title, fnv1a("\n", fnv1a(t->board ? t->board : "",
									  0xcbf29ce484222325ULL))));

	bodies = xcalloc(np, sizeof(*bodies));
	for (i = 0; i < np; i++)
		body_collect(&l, &tp[i], &bodies[i]);
	for (i = 0; i < np; i++) {
		struct forum_post *p = forum_thread_add_post(t);
		struct body b = bodies[i];
		struct buf text = BUF_INIT;

		p->id = xasprintf("%s-%d", t->id, tp[i].number);
		p->position = tp[i].number;
		p->author = xstrdup(tp[i].author);
		p->guest = tp[i].guest;
		p->date = tp[i].date;
		p->markup = MARKUP_TEXT;
		p->title = take_title(&b, t->title);
		signature_of(&b, tp, np, i, bodies, &p->signature);
		body_render(&b, &text);
		p->body = buf_detach(&text);
	}
	*out = t;
	t = NULL;
	rc = 0;
done:
	for (i = 0; i < np; i++)
		free(tp[i].author);
	if (bodies != NULL)
		for (i = 0; i < np; i++)
			free(bodies[i].v);
	free(bodies);
	free(tp);
	free(in_posts);
	free(l.v);
	free(copy);
	buf_free(&furn);
	forum_thread_free(t);
	return rc;
}
