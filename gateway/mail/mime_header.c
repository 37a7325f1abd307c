/*
 * mime_header: the top-level header block of an incoming mail and the few
 * header values the intake needs in typed form.
 *
 * Design choices:
 *  - The header list (mail_msg.headers) comes from our own scanner, not from
 *    libetpan's mailimf_fields: it keeps every header exactly once, in
 *    order, with the raw value even when libetpan cannot parse it, and a
 *    single linear pass cannot be made quadratic by a long folded header.
 *  - Each typed value is then parsed on its own from the unfolded value with
 *    libetpan's field parsers (address list, msg-id list, date-time), so a
 *    broken Date never costs us the From.
 *  - Message-ID lists fall back to a scan for <…@…> tokens when libetpan's
 *    grammar rejects the value: real References headers carry comments,
 *    missing brackets and garbage between ids.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "mime_internal.h"

static int is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Copies s[0..n) with surrounding whitespace removed (malloc'd). */
static char *trimmed(const char *s, size_t n)
{
	while (n > 0 && is_space(*s))
		s++, n--;
	while (n > 0 && is_space(s[n - 1]))
		n--;
	return xstrndup(s, n);
}

static void push_header(struct mail_header **hdrs, size_t *n, size_t *cap, char *name,
			struct buf *val)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*hdrs = xrealloc(*hdrs, *cap * sizeof **hdrs);
	}
	(*hdrs)[*n].name = name;
	(*hdrs)[*n].value = trimmed(buf_str(val), val->len);
	(*n)++;
	buf_reset(val);
}

size_t mime_scan_headers(const char *raw, size_t len, struct mail_header **hdrs, size_t *n)
{
	size_t cap = *n;
	size_t i = 0;
	char *name = NULL;
	struct buf val = BUF_INIT;

	while (i < len) {
		const char *l = raw + i;
		const char *nl = memchr(l, '\n', len - i);
		size_t ll = nl ? (size_t)(nl - l) : len - i;
		size_t next = nl ? i + ll + 1 : len;
		if (ll > 0 && l[ll - 1] == '\r')
			ll--;
		if (ll == 0) {
			i = next;
			break;
		}
		if (is_wsp(l[0])) {
			if (name != NULL)
				buf_add(&val, l, ll);
			i = next;
			continue;
		}
		const char *colon = memchr(l, ':', ll);
		size_t nlen = colon ? (size_t)(colon - l) : 0;
		while (nlen > 0 && is_wsp(l[nlen - 1]))
			nlen--;
		int ok = nlen > 0;
		for (size_t k = 0; ok && k < nlen; k++)
			ok = (unsigned char)l[k] > 32 && (unsigned char)l[k] < 127;
		if (!ok)
			break; /* not a header: the body starts here */
		if (name != NULL)
			push_header(hdrs, n, &cap, name, &val);
		name = xstrndup(l, nlen);
		buf_add(&val, colon + 1, ll - (size_t)(colon + 1 - l));
		i = next;
	}
	if (name != NULL)
		push_header(hdrs, n, &cap, name, &val);
	buf_free(&val);
	return i;
}

char *mime_decode_words(const char *s)
{
	/* raw 8-bit text becomes UTF-8 first (encoded words are ASCII) */
	struct buf in = BUF_INIT, out = BUF_INIT;
	mime_to_utf8(NULL, s, strlen(s), &in);
	const char *u = buf_str(&in);
	size_t idx = 0;
	char *res = NULL;
	if (mailmime_encoded_phrase_parse("UTF-8", u, in.len, &idx, "UTF-8", &res) ==
		    MAILIMF_NO_ERROR &&
	    res != NULL && mime_utf8_valid(res, strlen(res))) {
		buf_adds(&out, res);
		if (idx < in.len)
			buf_add(&out, u + idx, in.len - idx);
	} else {
		buf_add(&out, u, in.len);
	}
	free(res);
	buf_free(&in);
	char *r = trimmed(buf_str(&out), out.len);
	buf_free(&out);
	return r;
}

/* Lowercased copy of an addr-spec, or NULL if it does not look like one. */
static char *clean_addr(const char *a, size_t n)
{
	while (n > 0 && is_space(*a))
		a++, n--;
	while (n > 0 && is_space(a[n - 1]))
		n--;
	if (n == 0 || memchr(a, '@', n) == NULL || a[0] == '@' || a[n - 1] == '@')
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (is_space(a[i]) || a[i] == '<' || a[i] == '>' || a[i] == '\0')
			return NULL;
	char *s = xstrndup(a, n);
	for (char *p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

static char *clean_name(const char *raw)
{
	if (raw == NULL)
		return NULL;
	char *name = mime_decode_words(raw);
	size_t n = strlen(name);
	if (n >= 2 && name[0] == '"' && name[n - 1] == '"') {
		memmove(name, name + 1, n - 2);
		name[n - 2] = '\0';
	}
	if (name[0] == '\0') {
		free(name);
		return NULL;
	}
	return name;
}

static struct mailimf_mailbox *first_mailbox(struct mailimf_address_list *al)
{
	for (clistiter *it = clist_begin(al->ad_list); it; it = clist_next(it)) {
		struct mailimf_address *ad = clist_content(it);
		if (ad->ad_type == MAILIMF_ADDRESS_MAILBOX)
			return ad->ad_data.ad_mailbox;
		if (ad->ad_type == MAILIMF_ADDRESS_GROUP && ad->ad_data.ad_group->grp_mb_list &&
		    clist_begin(ad->ad_data.ad_group->grp_mb_list->mb_list))
			return clist_content(
				clist_begin(ad->ad_data.ad_group->grp_mb_list->mb_list));
	}
	return NULL;
}

void mime_parse_from(const char *v, char **addr, char **name)
{
	*addr = NULL;
	*name = NULL;
	size_t idx = 0;
	struct mailimf_address_list *al = NULL;
	if (mailimf_address_list_parse(v, strlen(v), &idx, &al) == MAILIMF_NO_ERROR) {
		struct mailimf_mailbox *mb = first_mailbox(al);
		if (mb != NULL && mb->mb_addr_spec != NULL) {
			*addr = clean_addr(mb->mb_addr_spec, strlen(mb->mb_addr_spec));
			if (*addr != NULL)
				*name = clean_name(mb->mb_display_name);
		}
		mailimf_address_list_free(al);
		if (*addr != NULL)
			return;
	}
	/* Fallback: "any text <addr@host>" */
	const char *lt = strrchr(v, '<');
	const char *gt = lt ? strchr(lt, '>') : NULL;
	if (gt == NULL)
		return;
	*addr = clean_addr(lt + 1, (size_t)(gt - lt - 1));
	if (*addr != NULL && lt > v) {
		char *raw = trimmed(v, (size_t)(lt - v));
		*name = clean_name(raw);
		free(raw);
	}
}

static int id_ok(const char *id, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (is_space(id[i]) || id[i] == '<' || id[i] == '>' || (unsigned char)id[i] < 32)
			return 0;
	return 1;
}

static void push_id(char ***ids, size_t *n, const char *id, size_t len)
{
	if ((*n & (*n - 1)) == 0) /* 0, 1, 2, 4, ...: grow by doubling */
		*ids = xrealloc(*ids, (*n ? *n * 2 : 1) * sizeof **ids);
	(*ids)[(*n)++] = xasprintf("<%.*s>", (int)len, id);
}

static void free_ids(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

/* libetpan's msg-id list grammar; 0 if it does not take the whole value or
 * yields an id we would not accept. */
static size_t ids_libetpan(const char *v, char ***ids)
{
	size_t len = strlen(v), idx = 0, n = 0;
	clist *list = NULL;
	*ids = NULL;
	if (mailimf_msg_id_list_parse(v, len, &idx, &list) != MAILIMF_NO_ERROR)
		return 0;
	int ok = 1;
	while (idx < len && is_space(v[idx]))
		idx++;
	if (idx != len)
		ok = 0;
	for (clistiter *it = clist_begin(list); it; it = clist_next(it)) {
		char *id = clist_content(it);
		if (ok && id_ok(id, strlen(id)))
			push_id(ids, &n, id, strlen(id));
		else
			ok = 0;
		free(id);
	}
	clist_free(list);
	if (!ok) {
		free_ids(*ids, n);
		*ids = NULL;
		return 0;
	}
	return n;
}

size_t mime_msgids(const char *v, char ***ids)
{
	size_t n = ids_libetpan(v, ids);
	if (n > 0)
		return n;
	/* Fallback: every <…@…> token, garbage in between ignored. */
	const char *p = v;
	while ((p = strchr(p, '<')) != NULL) {
		const char *q = p + 1;
		while (*q && *q != '>' && *q != '<')
			q++;
		if (*q != '>') {
			p = q;
			continue;
		}
		size_t len = (size_t)(q - p - 1);
		if (id_ok(p + 1, len) && memchr(p + 1, '@', len) != NULL)
			push_id(ids, &n, p + 1, len);
		p = q + 1;
	}
	return n;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int64_t mime_date(const char *v)
{
	size_t idx = 0;
	struct mailimf_date_time *dt = NULL;
	if (mailimf_date_time_parse(v, strlen(v), &idx, &dt) != MAILIMF_NO_ERROR)
		return 0;
	int64_t t = 0;
	int y = dt->dt_year;
	if (y >= 0 && y < 50)
		y += 2000;
	else if (y >= 50 && y < 1000)
		y += 1900;
	int zone = dt->dt_zone < 0 ? -dt->dt_zone : dt->dt_zone;
	if (y >= 1900 && y <= 9999 && dt->dt_month >= 1 && dt->dt_month <= 12 && dt->dt_day >= 1 &&
	    dt->dt_day <= 31 && dt->dt_hour >= 0 && dt->dt_hour <= 23 && dt->dt_min >= 0 &&
	    dt->dt_min <= 59 && dt->dt_sec >= 0 && dt->dt_sec <= 60 && zone <= 9959 &&
	    zone % 100 < 60) {
		int64_t off = (int64_t)(zone / 100 * 60 + zone % 100) * 60;
		t = days_from_civil(y, dt->dt_month, dt->dt_day) * 86400 + dt->dt_hour * 3600 +
		    dt->dt_min * 60 + dt->dt_sec;
		t -= dt->dt_zone < 0 ? -off : off;
	}
	mailimf_date_time_free(dt);
	return t;
}
