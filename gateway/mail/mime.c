/*
 * mime: parses an incoming mail into struct mail_msg (include/forumgate/
 * mail.h): the top-level headers, the typed header values the intake needs,
 * the text the person wrote and the attachments.
 *
 * Design choices:
 *  - libetpan's mailmime_parse builds the MIME tree; the tree points into
 *    the caller's buffer, so it is freed before mail_parse returns and
 *    everything kept is copied out.
 *  - The text is chosen the way a mail reader shows it: in
 *    multipart/alternative the text/plain branch wins (else the last HTML
 *    one); elsewhere the first inline text/plain or text/html part is the
 *    text, and further inline text/plain parts of a plain text are appended
 *    (Apple Mail splits a message around an inline image that way). A part
 *    with a filename or "Content-Disposition: attachment", and every
 *    non-text part, is an attachment. message/rfc822 is an attachment (a
 *    forwarded mail) and never searched for the text.
 *  - PGP/S/MIME signature parts are dropped: they are not something a
 *    person attached.
 *  - HTML goes through text_convert(MARKUP_HTML): mail clients' quote
 *    containers (blockquote type=cite, Gmail's blockquote.gmail_quote)
 *    become "> " quotes there, which the reply trimmer then recognises.
 *  - libetpan's mailmime_parse recurses once per nested message/rfc822 or
 *    multipart, a few hundred bytes of stack each: 50,000 nested
 *    message/rfc822 parts (1.5 MB) overflow an 8 MB stack and kill the
 *    process. So before libetpan sees a message, a linear pre-scan
 *    (mime_nesting) follows the MIME structure line by line and refuses
 *    nesting deeper than MIME_MAX_NESTING. The pre-scan models libetpan
 *    closely but not exactly (libetpan's boundary rules have quirks), so a
 *    second, exact bound backs it: every nested level needs its own
 *    Content-Type field (a multipart/digest's parts default to
 *    message/rfc822: two levels per field), so libetpan nests at most
 *    2 * C + 2 deep for C occurrences of "Content-Type", and more than
 *    MIME_MAX_CONTENT_TYPES of them are refused too.
 *  - Our own walk of the tree stops below MIME_MAX_DEPTH levels (ignored,
 *    not an error).
 *  - A message without any header is refused; anything else is parsed best
 *    effort: if libetpan rejects the MIME structure (or the message declares
 *    more multipart boundaries than MIME_MAX_BOUNDARIES, which would make
 *    libetpan quadratic), the body is taken as undeclared plain text.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "forumgate/mail.h"
#include "forumgate/text.h"
#include "mime_internal.h"

#define MIME_MAX_DEPTH 32
/* libetpan searches each multipart's whole remaining input for its closing
 * boundary, so N nested multiparts cost N passes over the message: a 1 MB
 * mail of 20000 nested parts took 50 s. Real mail declares a handful of
 * boundaries; past this many the MIME structure is not parsed at all. */
#define MIME_MAX_BOUNDARIES 256
/* Real mail nests a few levels (a forwarded mail in a multipart/mixed with
 * a multipart/alternative inside); 64 is far beyond that and far below
 * what libetpan's recursion can take (about 2,000 levels per MB of stack). */
#define MIME_MAX_NESTING 64
/* 2 * 1000 + 2 levels at most: about 1 MB of libetpan's stack. */
#define MIME_MAX_CONTENT_TYPES 1000
#define MIME_PAD 16

struct walk {
	struct mail_msg *m;
	struct buf text;
	int have_text;
	size_t acap; /* allocated entries of m->attachments */
};

struct param {
	const char *name;
	const char *value;
};

static int ci_eq(const char *a, const char *b)
{
	return a != NULL && strcasecmp(a, b) == 0;
}

/* "type/subtype", lowercased (malloc'd). No Content-Type means text/plain. */
static char *content_type(const struct mailmime_content *ct)
{
	if (ct == NULL || ct->ct_type == NULL)
		return xstrdup("text/plain");
	const char *type = "application";
	const struct mailmime_type *t = ct->ct_type;
	if (t->tp_type == MAILMIME_TYPE_DISCRETE_TYPE) {
		switch (t->tp_data.tp_discrete_type->dt_type) {
		case MAILMIME_DISCRETE_TYPE_TEXT:
			type = "text";
			break;
		case MAILMIME_DISCRETE_TYPE_IMAGE:
			type = "image";
			break;
		case MAILMIME_DISCRETE_TYPE_AUDIO:
			type = "audio";
			break;
		case MAILMIME_DISCRETE_TYPE_VIDEO:
			type = "video";
			break;
		case MAILMIME_DISCRETE_TYPE_EXTENSION:
			if (t->tp_data.tp_discrete_type->dt_extension)
				type = t->tp_data.tp_discrete_type->dt_extension;
			break;
		}
	} else if (t->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE) {
		switch (t->tp_data.tp_composite_type->ct_type) {
		case MAILMIME_COMPOSITE_TYPE_MESSAGE:
			type = "message";
			break;
		case MAILMIME_COMPOSITE_TYPE_MULTIPART:
			type = "multipart";
			break;
		case MAILMIME_COMPOSITE_TYPE_EXTENSION:
			if (t->tp_data.tp_composite_type->ct_token)
				type = t->tp_data.tp_composite_type->ct_token;
			break;
		}
	}
	char *s = xasprintf("%s/%s", type, ct->ct_subtype ? ct->ct_subtype : "octet-stream");
	for (char *p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

static struct mailmime_disposition *disposition(const struct mailmime *p)
{
	if (p->mm_mime_fields == NULL)
		return NULL;
	for (clistiter *it = clist_begin(p->mm_mime_fields->fld_list); it; it = clist_next(it)) {
		struct mailmime_field *f = clist_content(it);
		if (f->fld_type == MAILMIME_FIELD_DISPOSITION)
			return f->fld_data.fld_disposition;
	}
	return NULL;
}

static int is_attachment_dsp(const struct mailmime *p)
{
	struct mailmime_disposition *d = disposition(p);
	return d != NULL && d->dsp_type != NULL &&
	       d->dsp_type->dsp_type == MAILMIME_DISPOSITION_TYPE_ATTACHMENT;
}

static void add_param(struct param **ps, size_t *n, const char *name, const char *value)
{
	if (name == NULL || value == NULL)
		return;
	if ((*n & (*n - 1)) == 0)
		*ps = xrealloc(*ps, (*n ? *n * 2 : 1) * sizeof **ps);
	(*ps)[*n].name = name;
	(*ps)[*n].value = value;
	(*n)++;
}

/* The parameters of Content-Disposition, then those of Content-Type. */
static size_t part_params(const struct mailmime *p, struct param **ps)
{
	size_t n = 0;
	*ps = NULL;
	struct mailmime_disposition *d = disposition(p);
	if (d != NULL && d->dsp_parms != NULL) {
		for (clistiter *it = clist_begin(d->dsp_parms); it; it = clist_next(it)) {
			struct mailmime_disposition_parm *dp = clist_content(it);
			if (dp->pa_type == MAILMIME_DISPOSITION_PARM_FILENAME)
				add_param(ps, &n, "filename", dp->pa_data.pa_filename);
			else if (dp->pa_type == MAILMIME_DISPOSITION_PARM_PARAMETER)
				add_param(ps, &n, dp->pa_data.pa_parameter->pa_name,
					  dp->pa_data.pa_parameter->pa_value);
		}
	}
	if (p->mm_content_type != NULL && p->mm_content_type->ct_parameters != NULL) {
		for (clistiter *it = clist_begin(p->mm_content_type->ct_parameters); it;
		     it = clist_next(it)) {
			struct mailmime_parameter *mp = clist_content(it);
			add_param(ps, &n, mp->pa_name, mp->pa_value);
		}
	}
	return n;
}

static void pct_decode(struct buf *out, const char *s)
{
	for (; *s; s++) {
		int h, l;
		if (s[0] == '%' && (h = fg_hexval((unsigned char)s[1])) >= 0 &&
		    (l = fg_hexval((unsigned char)s[2])) >= 0) {
			buf_addc(out, (char)(h * 16 + l));
			s += 2;
		} else {
			buf_addc(out, *s);
		}
	}
}

struct segment {
	unsigned long no;
	int encoded;
	const char *value;
};

static int seg_cmp(const void *a, const void *b)
{
	const struct segment *x = a, *y = b;
	return x->no < y->no ? -1 : x->no > y->no;
}

/* Value of parameter `base` (RFC 2231 continuations and charset, else RFC
 * 2047 words or raw 8-bit) as UTF-8; NULL if absent or empty. */
static char *param_value(const struct param *ps, size_t n, const char *base)
{
	size_t bl = strlen(base);
	const char *plain = NULL;
	struct segment *segs = xcalloc(n ? n : 1, sizeof *segs);
	size_t ns = 0;
	for (size_t i = 0; i < n; i++) {
		const char *nm = ps[i].name;
		if (strncasecmp(nm, base, bl) != 0)
			continue;
		nm += bl;
		if (*nm == '\0') {
			if (plain == NULL)
				plain = ps[i].value;
			continue;
		}
		if (*nm++ != '*')
			continue;
		struct segment s = {0, 0, ps[i].value};
		if (*nm == '\0') {
			s.encoded = 1; /* name*=charset'lang'value */
		} else {
			char *end;
			if (*nm < '0' || *nm > '9')
				continue;
			s.no = strtoul(nm, &end, 10);
			if (*end == '*')
				s.encoded = 1, end++;
			if (*end != '\0')
				continue;
		}
		segs[ns++] = s;
	}
	char *res = NULL;
	if (ns > 0) {
		qsort(segs, ns, sizeof *segs, seg_cmp);
		struct buf raw = BUF_INIT, out = BUF_INIT;
		char *charset = NULL;
		for (size_t i = 0; i < ns; i++) {
			if (i > 0 && segs[i].no == segs[i - 1].no)
				continue; /* a duplicate segment: keep the first */
			const char *v = segs[i].value;
			if (segs[i].encoded && i == 0) {
				const char *q1 = strchr(v, '\'');
				const char *q2 = q1 ? strchr(q1 + 1, '\'') : NULL;
				if (q2 != NULL) {
					charset = xstrndup(v, (size_t)(q1 - v));
					v = q2 + 1;
				}
			}
			if (segs[i].encoded)
				pct_decode(&raw, v);
			else
				buf_adds(&raw, v);
		}
		mime_to_utf8(charset && *charset ? charset : NULL, buf_str(&raw), raw.len, &out);
		res = buf_detach(&out);
		free(charset);
		buf_free(&raw);
	} else if (plain != NULL) {
		res = mime_decode_words(plain);
	}
	free(segs);
	if (res != NULL && res[0] == '\0') {
		free(res);
		res = NULL;
	}
	return res;
}

static char *part_filename(const struct mailmime *p)
{
	struct param *ps;
	size_t n = part_params(p, &ps);
	char *f = param_value(ps, n, "filename");
	if (f == NULL)
		f = param_value(ps, n, "name");
	free(ps);
	return f;
}

static char *part_param(const struct mailmime *p, const char *name)
{
	struct param *ps;
	size_t n = part_params(p, &ps);
	const char *v = NULL;
	for (size_t i = 0; i < n && v == NULL; i++)
		if (strcasecmp(ps[i].name, name) == 0)
			v = ps[i].value;
	free(ps);
	return v ? xstrdup(v) : NULL;
}

/* The transfer-decoded bytes of a part (malloc'd, NUL-terminated). */
static char *part_bytes(const struct mailmime *p, size_t *n)
{
	const struct mailmime_data *d = p->mm_type == MAILMIME_SINGLE ? p->mm_data.mm_single
								      : p->mm_body;
	*n = 0;
	if (d == NULL || d->dt_type != MAILMIME_DATA_TEXT || d->dt_data.dt_text.dt_data == NULL)
		return xstrdup("");
	const char *data = d->dt_data.dt_text.dt_data;
	size_t len = d->dt_data.dt_text.dt_length;
	int enc = p->mm_mime_fields ? mailmime_transfer_encoding_get(p->mm_mime_fields)
				    : MAILMIME_MECHANISM_8BIT;
	if (enc == MAILMIME_MECHANISM_BASE64 || enc == MAILMIME_MECHANISM_QUOTED_PRINTABLE) {
		size_t idx = 0, rlen = 0;
		char *res = NULL;
		if (mailmime_part_parse(data, len, &idx, enc, &res, &rlen) == MAILIMF_NO_ERROR) {
			char *out = xmalloc(rlen + 1);
			memcpy(out, res, rlen);
			out[rlen] = '\0';
			mailmime_decoded_part_free(res);
			*n = rlen;
			return out;
		}
	}
	*n = len;
	char *out = xmalloc(len + 1);
	memcpy(out, data, len);
	out[len] = '\0';
	return out;
}

static void add_attachment(struct walk *w, const struct mailmime *p, const char *ctype)
{
	struct mail_msg *m = w->m;
	if (m->nattachments == w->acap) {
		w->acap = w->acap ? w->acap * 2 : 4;
		m->attachments = xrealloc(m->attachments, w->acap * sizeof *m->attachments);
	}
	struct mail_attachment *a = &m->attachments[m->nattachments++];
	a->filename = part_filename(p);
	a->content_type = xstrdup(ctype);
	a->data = part_bytes(p, &a->size);
}

enum text_kind { TK_NONE = 0, TK_HTML, TK_PLAIN };

/* What kind of body text a single part is, TK_NONE for an attachment. */
static enum text_kind single_kind(const struct mailmime *p, const char *ctype)
{
	if (strcmp(ctype, "text/plain") != 0 && strcmp(ctype, "text/html") != 0)
		return TK_NONE;
	if (is_attachment_dsp(p))
		return TK_NONE;
	char *f = part_filename(p);
	if (f != NULL) {
		free(f);
		return TK_NONE;
	}
	return ctype[5] == 'p' ? TK_PLAIN : TK_HTML;
}

static enum text_kind first_text(const struct mailmime *p, int depth);

static enum text_kind alt_best(const struct mailmime *p, int depth, const struct mailmime **pick)
{
	enum text_kind best = TK_NONE;
	*pick = NULL;
	for (clistiter *it = clist_begin(p->mm_data.mm_multipart.mm_mp_list); it;
	     it = clist_next(it)) {
		const struct mailmime *c = clist_content(it);
		enum text_kind k = first_text(c, depth + 1);
		/* the first plain branch, else the last HTML one, else the last */
		if (k == TK_PLAIN && best != TK_PLAIN) {
			best = k;
			*pick = c;
		} else if (best != TK_PLAIN && (k == TK_HTML || best == TK_NONE)) {
			best = k > best ? k : best;
			*pick = c;
		}
	}
	return best;
}

/* The kind of text walking p would pick first, without decoding anything. */
static enum text_kind first_text(const struct mailmime *p, int depth)
{
	if (depth > MIME_MAX_DEPTH)
		return TK_NONE;
	if (p->mm_type == MAILMIME_SINGLE) {
		char *ct = content_type(p->mm_content_type);
		enum text_kind k = single_kind(p, ct);
		free(ct);
		return k;
	}
	if (p->mm_type != MAILMIME_MULTIPLE)
		return TK_NONE;
	if (p->mm_content_type && ci_eq(p->mm_content_type->ct_subtype, "alternative")) {
		const struct mailmime *pick;
		return alt_best(p, depth, &pick);
	}
	for (clistiter *it = clist_begin(p->mm_data.mm_multipart.mm_mp_list); it;
	     it = clist_next(it)) {
		enum text_kind k = first_text(clist_content(it), depth + 1);
		if (k != TK_NONE)
			return k;
	}
	return TK_NONE;
}

/* Decodes a text part into UTF-8 text with LF lines, flowed undone. */
static void part_text(const struct mailmime *p, enum text_kind kind, struct buf *out)
{
	size_t n;
	char *bytes = part_bytes(p, &n);
	char *charset = part_param(p, "charset");
	struct buf utf8 = BUF_INIT, lf = BUF_INIT;
	mime_to_utf8(charset, bytes, n, &utf8);
	mime_add_lf(&lf, buf_str(&utf8), utf8.len);
	if (kind == TK_HTML) {
		text_convert(MARKUP_HTML, buf_str(&lf), lf.len, out, NULL);
	} else {
		char *format = part_param(p, "format");
		char *delsp = part_param(p, "delsp");
		if (ci_eq(format, "flowed"))
			mime_unflow(buf_str(&lf), lf.len, ci_eq(delsp, "yes"), out);
		else
			buf_add(out, buf_str(&lf), lf.len);
		free(format);
		free(delsp);
	}
	buf_free(&utf8);
	buf_free(&lf);
	free(charset);
	free(bytes);
}

static void walk(struct walk *w, const struct mailmime *p, int depth);

static void walk_single(struct walk *w, const struct mailmime *p)
{
	char *ct = content_type(p->mm_content_type);
	enum text_kind k = single_kind(p, ct);
	if (strcmp(ct, "message/delivery-status") == 0 ||
	    strcmp(ct, "message/global-delivery-status") == 0)
		w->m->is_report = 1;
	if (strcmp(ct, "application/pgp-signature") == 0 ||
	    strcmp(ct, "application/pkcs7-signature") == 0 ||
	    strcmp(ct, "application/x-pkcs7-signature") == 0) {
		/* a signature is not an attachment */
	} else if (k != TK_NONE && !w->have_text) {
		part_text(p, k, &w->text);
		w->have_text = 1;
		w->m->text_from_html = k == TK_HTML;
	} else if (k == TK_PLAIN && !w->m->text_from_html) {
		/* a further inline plain part continues the text */
		if (w->text.len > 0 && w->text.p[w->text.len - 1] != '\n')
			buf_addc(&w->text, '\n');
		part_text(p, k, &w->text);
	} else if (k == TK_NONE) {
		add_attachment(w, p, ct);
	}
	free(ct);
}

static void walk(struct walk *w, const struct mailmime *p, int depth)
{
	if (p == NULL || depth > MIME_MAX_DEPTH)
		return;
	switch (p->mm_type) {
	case MAILMIME_SINGLE:
		walk_single(w, p);
		break;
	case MAILMIME_MESSAGE: {
		/* a forwarded mail: kept whole, never searched for the text */
		char *ct = content_type(p->mm_content_type);
		add_attachment(w, p, ct);
		free(ct);
		break;
	}
	case MAILMIME_MULTIPLE: {
		const char *sub = p->mm_content_type ? p->mm_content_type->ct_subtype : NULL;
		if (ci_eq(sub, "report"))
			w->m->is_report = 1;
		if (ci_eq(sub, "alternative")) {
			const struct mailmime *pick;
			alt_best(p, depth, &pick);
			walk(w, pick, depth + 1);
			break;
		}
		for (clistiter *it = clist_begin(p->mm_data.mm_multipart.mm_mp_list); it;
		     it = clist_next(it))
			walk(w, clist_content(it), depth + 1);
		break;
	}
	}
}

/* How often "boundary" occurs in raw (case-insensitive): an upper bound of
 * the multiparts libetpan would nest. */
static size_t count_boundaries(const char *raw, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i + 8 <= len; i++)
		if ((raw[i] == 'b' || raw[i] == 'B') && strncasecmp(raw + i, "boundary", 8) == 0)
			n++;
	return n;
}

/* How often "Content-Type" occurs in raw (case-insensitive). */
static size_t count_content_types(const char *raw, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i + 12 <= len; i++)
		if ((raw[i] == 'c' || raw[i] == 'C') &&
		    strncasecmp(raw + i, "content-type", 12) == 0)
			n++;
	return n;
}

/* --- the nesting pre-scan --- */

struct nest_frame {
	const char *boundary; /* points into the message */
	size_t blen;
	int level;   /* of the multipart entity */
	int digest;  /* multipart/digest: parts default to message/rfc822 */
	int started; /* past the preamble */
};

/* What the Content-Type field of one header block declares. */
struct nest_ct {
	int seen;
	int message; /* message/rfc822 */
	int multipart;
	int digest;
	const char *boundary;
	size_t blen;
};

static int nest_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Skips folding white space and (nested) comments in s[*i..n). */
static void nest_cfws(const char *s, size_t n, size_t *i)
{
	int depth = 0;
	while (*i < n) {
		char c = s[*i];
		if (depth > 0 && c == '\\' && *i + 1 < n)
			(*i)++;
		else if (c == '(')
			depth++;
		else if (c == ')' && depth > 0)
			depth--;
		else if (depth == 0 && !nest_wsp(c))
			return;
		(*i)++;
	}
}

/* An RFC 2045 token at s[*i]: its length (0 if none). */
static size_t nest_token(const char *s, size_t n, size_t *i)
{
	size_t b = *i;
	while (*i < n && (unsigned char)s[*i] > ' ' && (unsigned char)s[*i] < 0x7f &&
	       strchr("()<>@,;:\\\"/[]?=", s[*i]) == NULL)
		(*i)++;
	return *i - b;
}

/* Reads a Content-Type value s[0..n) (possibly folded) into ct, as
 * libetpan does: type "/" subtype, then ";" attribute "=" value pairs; a
 * quoted boundary loses its quotes but keeps its backslashes. */
static void nest_content_type(const char *s, size_t n, struct nest_ct *ct)
{
	size_t i = 0;
	nest_cfws(s, n, &i);
	const char *type = s + i;
	size_t tl = nest_token(s, n, &i);
	nest_cfws(s, n, &i);
	if (tl == 0 || i >= n || s[i] != '/')
		return;
	i++;
	nest_cfws(s, n, &i);
	const char *sub = s + i;
	size_t sl = nest_token(s, n, &i);
	ct->seen = 1;
	if (tl == 7 && strncasecmp(type, "message", 7) == 0 && sl == 6 &&
	    strncasecmp(sub, "rfc822", 6) == 0)
		ct->message = 1;
	if (tl == 9 && strncasecmp(type, "multipart", 9) == 0) {
		ct->multipart = 1;
		ct->digest = sl == 6 && strncasecmp(sub, "digest", 6) == 0;
	}
	for (;;) {
		nest_cfws(s, n, &i);
		if (i >= n || s[i] != ';')
			return;
		i++;
		nest_cfws(s, n, &i);
		const char *attr = s + i;
		size_t al = nest_token(s, n, &i);
		nest_cfws(s, n, &i);
		if (al == 0 || i >= n || s[i] != '=')
			return;
		i++;
		nest_cfws(s, n, &i);
		const char *v = s + i;
		size_t vl;
		int quoted = i < n && s[i] == '"';
		if (quoted) {
			v++;
			for (i++; i < n && s[i] != '"'; i++)
				if (s[i] == '\\' && i + 1 < n)
					i++;
			vl = (size_t)(s + i - v);
			if (i < n)
				i++;
		} else {
			vl = nest_token(s, n, &i);
		}
		/* boundary="" is a boundary to libetpan: every "--" line */
		if (al == 8 && strncasecmp(attr, "boundary", 8) == 0 && ct->boundary == NULL &&
		    (vl > 0 || quoted)) {
			ct->boundary = v;
			ct->blen = vl;
		}
	}
}

/* Is raw[p..end) a delimiter line of f? 1 opens a part, 2 closes f, 0 no.
 * As in libetpan: in the preamble "--boundary" is enough; later it must be
 * followed by white space only, or by "--". */
static int nest_delimiter(const struct nest_frame *f, const char *raw, size_t p, size_t end)
{
	if (end - p < 2 + f->blen || memcmp(raw + p + 2, f->boundary, f->blen) != 0)
		return 0;
	size_t i = p + 2 + f->blen;
	if (end - i >= 2 && raw[i] == '-' && raw[i + 1] == '-')
		return f->started ? 2 : 1;
	if (!f->started)
		return 1;
	while (i < end && (raw[i] == ' ' || raw[i] == '\t'))
		i++;
	return i == end ? 1 : 0;
}

/* Is raw[p..eol) "Content-Type" WSP* ":"? Sets *value to after the colon. */
static int nest_is_ct_field(const char *raw, size_t p, size_t eol, size_t *value)
{
	if (eol - p < 13 || strncasecmp(raw + p, "content-type", 12) != 0)
		return 0;
	size_t i = p + 12;
	while (i < eol && (raw[i] == ' ' || raw[i] == '\t'))
		i++;
	if (i >= eol || raw[i] != ':')
		return 0;
	*value = i + 1;
	return 1;
}

/* Is raw[p..eol) a header field line (field-name WSP* ":")? */
static int nest_is_field(const char *raw, size_t p, size_t eol)
{
	size_t i = p;
	while (i < eol && (unsigned char)raw[i] > ' ' && (unsigned char)raw[i] < 0x7f &&
	       raw[i] != ':')
		i++;
	if (i == p)
		return 0;
	while (i < eol && (raw[i] == ' ' || raw[i] == '\t'))
		i++;
	return i < eol && raw[i] == ':';
}

/*
 * How deep the MIME structure of raw nests (1 = a message without MIME
 * parts), following it line by line as libetpan's recursion would: a
 * header block declaring message/rfc822 is followed by the nested message's
 * header block one level down; one declaring a multipart with a boundary
 * opens a frame, and each "--boundary" line then starts a part one level
 * below it ("--boundary--" closes it). A delimiter line of an outer
 * multipart ends the inner ones, as libetpan splits the outer body first.
 * Stops as soon as the depth passes `limit`. Linear: at most `limit`
 * frames are compared against a line that starts with "--".
 */
static int mime_nesting(const char *raw, size_t len, int limit)
{
	struct nest_frame *frames = xcalloc((size_t)limit + 2, sizeof *frames);
	size_t nf = 0;
	int level = 1, max = 1, in_headers = 1, parent_digest = 0;
	struct nest_ct ct = {0};
	size_t p = 0;
	while (p < len && max <= limit) {
		const char *nl = memchr(raw + p, '\n', len - p);
		size_t eol = nl ? (size_t)(nl - raw) : len;
		size_t next = nl ? eol + 1 : len;
		size_t end = eol > p && raw[eol - 1] == '\r' ? eol - 1 : eol;
		/* a delimiter of the outermost multipart it matches */
		if (nf > 0 && end - p >= 2 && raw[p] == '-' && raw[p + 1] == '-') {
			size_t k = 0;
			int d = 0;
			while (k < nf && (d = nest_delimiter(&frames[k], raw, p, end)) == 0)
				k++;
			if (k < nf) {
				int close = d == 2;
				frames[k].started = 1;
				nf = close ? k : k + 1;
				level = frames[k].level + (close ? 0 : 1);
				in_headers = !close;
				parent_digest = frames[k].digest;
				memset(&ct, 0, sizeof ct);
				if (level > max)
					max = level;
				p = next;
				continue;
			}
		}
		if (!in_headers) {
			p = next;
			continue;
		}
		size_t value;
		if (end > p && nest_is_ct_field(raw, p, end, &value)) {
			/* the field runs on over continuation lines */
			size_t fend = next;
			while (fend < len && (raw[fend] == ' ' || raw[fend] == '\t')) {
				const char *fnl = memchr(raw + fend, '\n', len - fend);
				fend = fnl ? (size_t)(fnl - raw) + 1 : len;
			}
			if (!ct.seen)
				nest_content_type(raw + value, fend - value, &ct);
			p = fend;
			continue;
		}
		if (end > p && (raw[p] == ' ' || raw[p] == '\t' || nest_is_field(raw, p, end))) {
			p = next;
			continue;
		}
		/* the header block ends: at an empty line (consumed) or at the
		 * first line that is not a field (the body's first line) */
		if (end == p)
			p = next;
		if (ct.message || (!ct.seen && parent_digest)) {
			level++; /* the nested message's header block follows */
			if (level > max)
				max = level;
			parent_digest = 0;
			memset(&ct, 0, sizeof ct);
			continue;
		}
		if (ct.multipart && ct.boundary != NULL) {
			frames[nf++] = (struct nest_frame){ct.boundary, ct.blen, level, ct.digest,
							   0};
		}
		in_headers = 0;
		memset(&ct, 0, sizeof ct);
	}
	free(frames);
	return max;
}

/* 0, or -1 and *err when libetpan must not see raw: nested too deep for
 * its recursion. */
static int check_nesting(const char *raw, size_t len, char **err)
{
	int depth = mime_nesting(raw, len, MIME_MAX_NESTING);
	if (depth > MIME_MAX_NESTING)
		return fg_error(err,
				"mail: MIME parts are nested more than %d levels deep "
				"(message/rfc822 or multipart parts inside one another); "
				"such a message is refused",
				MIME_MAX_NESTING);
	if (count_content_types(raw, len) > MIME_MAX_CONTENT_TYPES)
		return fg_error(err,
				"mail: the message has more than %d Content-Type fields; "
				"such a message is refused",
				MIME_MAX_CONTENT_TYPES);
	return 0;
}

const char *mail_header(const struct mail_msg *m, const char *name)
{
	if (m == NULL || name == NULL)
		return NULL;
	for (size_t i = 0; i < m->nheaders; i++)
		if (strcasecmp(m->headers[i].name, name) == 0)
			return m->headers[i].value;
	return NULL;
}

static void typed_headers(struct mail_msg *m)
{
	const char *v;
	char **ids;
	size_t n;
	if ((v = mail_header(m, "From")) != NULL)
		mime_parse_from(v, &m->from_addr, &m->from_name);
	if ((v = mail_header(m, "Subject")) != NULL)
		m->subject = mime_decode_words(v);
	if ((v = mail_header(m, "Message-ID")) != NULL && (n = mime_msgids(v, &ids)) > 0) {
		m->message_id = ids[0];
		for (size_t i = 1; i < n; i++)
			free(ids[i]);
		free(ids);
	}
	if ((v = mail_header(m, "In-Reply-To")) != NULL && (n = mime_msgids(v, &ids)) > 0) {
		m->in_reply_to = ids[0];
		for (size_t i = 1; i < n; i++)
			free(ids[i]);
		free(ids);
	}
	if ((v = mail_header(m, "References")) != NULL)
		m->nreferences = mime_msgids(v, &m->references);
	if ((v = mail_header(m, "Date")) != NULL)
		m->date = mime_date(v);
}

int mail_header_block_check(const char *raw, size_t len, char **why)
{
	const char *s = raw, *end = raw + len;
	int lineno = 0, in_header = 0;
	while (s < end) {
		const char *eol = memchr(s, '\n', (size_t)(end - s));
		if (eol == NULL)
			eol = end;
		size_t n = (size_t)(eol - s);
		if (n && s[n - 1] == '\r')
			n--;
		lineno++;
		if (n == 0)
			return 0;
		if (s[0] == ' ' || s[0] == '\t') {
			if (!in_header)
				return fg_error(why, "header line %d starts with white space",
						lineno);
		} else {
			const char *colon = memchr(s, ':', n);
			if (colon == NULL || colon == s)
				return fg_error(why, "header line %d is not \"Name: value\"",
						lineno);
			for (const char *c = s; c < colon; c++)
				if (*c <= ' ' || *c > '~')
					return fg_error(why, "header line %d has an invalid name",
							lineno);
			in_header = 1;
		}
		s = eol + 1;
	}
	return fg_error(why, "the article has no empty line between header and body");
}

int mail_parse(const char *raw, size_t len, struct mail_msg **out, char **err)
{
	*out = NULL;
	if (raw == NULL)
		return fg_error(err, "mail: no input");
	/* an mbox "From " separator line and lines of blanks before the
	 * headers are not part of the message */
	for (;;) {
		size_t k = 0;
		while (k < len && (raw[k] == ' ' || raw[k] == '\t'))
			k++;
		int blanks = k > 0 && k < len && (raw[k] == '\n' || raw[k] == '\r');
		if (!blanks && (len < 5 || memcmp(raw, "From ", 5) != 0))
			break;
		const char *nl = memchr(raw, '\n', len);
		size_t skip = nl ? (size_t)(nl - raw) + 1 : len;
		raw += skip;
		len -= skip;
	}
	struct mail_msg *m = xcalloc(1, sizeof *m);
	size_t body = mime_scan_headers(raw, len, &m->headers, &m->nheaders);
	if (m->nheaders == 0) {
		mail_msg_free(m);
		return fg_error(err, "mail: no header block, not a mail message");
	}
	if (check_nesting(raw, len, err) != 0) {
		mail_msg_free(m);
		return -1;
	}
	typed_headers(m);

	struct walk w = {m, BUF_INIT, 0, 0};
	size_t idx = 0;
	struct mailmime *mime = NULL;
	/* libetpan's quoted-printable decoder reads up to two bytes past the
	 * end of a part ending in '=' (found by fuzzing): parse a NUL-padded
	 * copy, which the tree then points into. */
	char *padded = xmalloc(len + MIME_PAD);
	memcpy(padded, raw, len);
	memset(padded + len, 0, MIME_PAD);
	if (count_boundaries(raw, len) <= MIME_MAX_BOUNDARIES &&
	    mailmime_parse(padded, len, &idx, &mime) == MAILIMF_NO_ERROR && mime != NULL) {
		if (mime->mm_type == MAILMIME_MESSAGE)
			walk(&w, mime->mm_data.mm_message.mm_msg_mime, 0);
		else
			walk(&w, mime, 0);
		mailmime_free(mime);
	} else {
		struct buf utf8 = BUF_INIT;
		mime_to_utf8(NULL, raw + body, len - body, &utf8);
		mime_add_lf(&w.text, buf_str(&utf8), utf8.len);
		buf_free(&utf8);
	}
	free(padded);
	m->text = buf_detach(&w.text);
	*out = m;
	return 0;
}

void mail_msg_free(struct mail_msg *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nheaders; i++) {
		free(m->headers[i].name);
		free(m->headers[i].value);
	}
	free(m->headers);
	free(m->from_addr);
	free(m->from_name);
	free(m->subject);
	free(m->message_id);
	free(m->in_reply_to);
	for (size_t i = 0; i < m->nreferences; i++)
		free(m->references[i]);
	free(m->references);
	free(m->text);
	for (size_t i = 0; i < m->nattachments; i++) {
		free(m->attachments[i].filename);
		free(m->attachments[i].content_type);
		free(m->attachments[i].data);
	}
	free(m->attachments);
	free(m);
}
