/*
 * board_date: see board_date.h. Boards print dates in many shapes and
 * languages, and admins change the format strings, so the reader is not a
 * grammar per format but two passes:
 *
 *   1. a tokenizer turns the string into at most MAX_TOKS numbers, words
 *      (lowercased UTF-8: Latin-1, Latin Extended-A and Cyrillic letters
 *      fold case here, since the C library's towlower depends on the
 *      locale) and punctuation marks, remembering which followed a space;
 *   2. a slot filler walks the tokens and recognises the few building
 *      blocks every format is made of: a time (h:mm[:ss][am/pm][offset]),
 *      a numeric date, a day with a month name, a month name with a day,
 *      a relative day word, a weekday. Filler words ("at", "um", "à", "de",
 *      "г.") are skipped anywhere, unknown words only before the first
 *      block (prefixes like "Posted:") or once a day is known.
 *
 * "N minutes ago" strings are told apart first, by their marker word
 * ("ago", "vor", "il y a", "hace", "fa", "geleden", "temu", "назад"), and
 * summed from number/unit pairs. Word tables are searched linearly: a few
 * hundred short strings, compared only when the first byte matches.
 */
#include "board_date.h"

#include <stddef.h>
#include <string.h>

#include "forumgate/tzfile.h"

#define MAX_INPUT 1024
#define MAX_TOKS 64
#define WMAX 32

enum tok_kind { T_NUM, T_WORD, T_PUNCT };

struct tok {
	unsigned char kind;
	unsigned char sp;   /* whitespace (or the start) before it */
	unsigned char ndig; /* T_NUM: digits (capped at 13) */
	char ch;            /* T_PUNCT: the ASCII mark; '>' for U+00BB, '~' for other */
	int64_t num;
	char w[WMAX]; /* T_WORD: lowercased, NUL-terminated; "" when too long */
	int cls, val; /* T_WORD: class from the table */
};

enum word_class {
	C_UNKNOWN = 0,
	C_MONTH,    /* val 1..12 */
	C_WEEKDAY,  /* val 0..6, Sunday 0 */
	C_MONTH_WD, /* "mar": March or a Tuesday (fr/es/it) */
	C_REL,      /* val: days back */
	C_FILLER,
	C_ZONE /* utc, gmt, z */
};

struct word {
	const char *w;
	unsigned char cls, val;
};

/* Every word lowercase; accents both with and without, since boards and
 * language packs differ. */
/* clang-format off */
static const struct word words[] = {
	/* English */
	{"january", C_MONTH, 1}, {"jan", C_MONTH, 1}, {"february", C_MONTH, 2}, {"feb", C_MONTH, 2},
	{"march", C_MONTH, 3}, {"mar", C_MONTH_WD, 3}, {"april", C_MONTH, 4}, {"apr", C_MONTH, 4},
	{"may", C_MONTH, 5}, {"june", C_MONTH, 6}, {"jun", C_MONTH, 6}, {"july", C_MONTH, 7},
	{"jul", C_MONTH, 7}, {"august", C_MONTH, 8}, {"aug", C_MONTH, 8}, {"september", C_MONTH, 9},
	{"sep", C_MONTH, 9}, {"sept", C_MONTH, 9}, {"october", C_MONTH, 10}, {"oct", C_MONTH, 10},
	{"november", C_MONTH, 11}, {"nov", C_MONTH, 11}, {"december", C_MONTH, 12}, {"dec", C_MONTH, 12},
	{"sunday", C_WEEKDAY, 0}, {"sun", C_WEEKDAY, 0}, {"monday", C_WEEKDAY, 1}, {"mon", C_WEEKDAY, 1},
	{"tuesday", C_WEEKDAY, 2}, {"tue", C_WEEKDAY, 2}, {"tues", C_WEEKDAY, 2},
	{"wednesday", C_WEEKDAY, 3}, {"wed", C_WEEKDAY, 3}, {"thursday", C_WEEKDAY, 4},
	{"thu", C_WEEKDAY, 4}, {"thur", C_WEEKDAY, 4}, {"thurs", C_WEEKDAY, 4}, {"friday", C_WEEKDAY, 5},
	{"fri", C_WEEKDAY, 5}, {"saturday", C_WEEKDAY, 6}, {"sat", C_WEEKDAY, 6},
	{"today", C_REL, 0}, {"yesterday", C_REL, 1},
	{"at", C_FILLER, 0}, {"on", C_FILLER, 0}, {"the", C_FILLER, 0}, {"of", C_FILLER, 0},
	{"posted", C_FILLER, 0}, {"utc", C_ZONE, 0}, {"gmt", C_ZONE, 0}, {"z", C_ZONE, 0}, {"t", C_FILLER, 0},
	/* German */
	{"januar", C_MONTH, 1}, {"jänner", C_MONTH, 1}, {"jän", C_MONTH, 1}, {"februar", C_MONTH, 2},
	{"feber", C_MONTH, 2}, {"märz", C_MONTH, 3}, {"mär", C_MONTH, 3}, {"maerz", C_MONTH, 3},
	{"mrz", C_MONTH, 3}, {"mai", C_MONTH, 5}, {"juni", C_MONTH, 6}, {"juli", C_MONTH, 7},
	{"oktober", C_MONTH, 10}, {"okt", C_MONTH, 10}, {"dezember", C_MONTH, 12}, {"dez", C_MONTH, 12},
	{"sonntag", C_WEEKDAY, 0}, {"so", C_WEEKDAY, 0}, {"montag", C_WEEKDAY, 1}, {"mo", C_WEEKDAY, 1},
	{"dienstag", C_WEEKDAY, 2}, {"di", C_WEEKDAY, 2}, {"mittwoch", C_WEEKDAY, 3}, {"mi", C_WEEKDAY, 3},
	{"donnerstag", C_WEEKDAY, 4}, {"do", C_WEEKDAY, 4}, {"freitag", C_WEEKDAY, 5}, {"fr", C_WEEKDAY, 5},
	{"samstag", C_WEEKDAY, 6}, {"sonnabend", C_WEEKDAY, 6}, {"sa", C_WEEKDAY, 6},
	{"heute", C_REL, 0}, {"gestern", C_REL, 1}, {"vorgestern", C_REL, 2},
	{"um", C_FILLER, 0}, {"am", C_FILLER, 0}, {"uhr", C_FILLER, 0}, {"beitrag", C_FILLER, 0},
	/* French */
	{"janvier", C_MONTH, 1}, {"janv", C_MONTH, 1}, {"février", C_MONTH, 2}, {"fevrier", C_MONTH, 2},
	{"févr", C_MONTH, 2}, {"fevr", C_MONTH, 2}, {"fév", C_MONTH, 2}, {"fev", C_MONTH, 2},
	{"mars", C_MONTH, 3}, {"avril", C_MONTH, 4}, {"avr", C_MONTH, 4}, {"juin", C_MONTH, 6},
	{"juillet", C_MONTH, 7}, {"juil", C_MONTH, 7}, {"août", C_MONTH, 8}, {"aout", C_MONTH, 8},
	{"aoû", C_MONTH, 8}, {"septembre", C_MONTH, 9}, {"octobre", C_MONTH, 10},
	{"novembre", C_MONTH, 11}, {"décembre", C_MONTH, 12}, {"decembre", C_MONTH, 12},
	{"déc", C_MONTH, 12},
	{"dimanche", C_WEEKDAY, 0}, {"dim", C_WEEKDAY, 0}, {"lundi", C_WEEKDAY, 1}, {"lun", C_WEEKDAY, 1},
	{"mardi", C_WEEKDAY, 2}, {"mercredi", C_WEEKDAY, 3}, {"mer", C_WEEKDAY, 3},
	{"jeudi", C_WEEKDAY, 4}, {"jeu", C_WEEKDAY, 4}, {"vendredi", C_WEEKDAY, 5}, {"ven", C_WEEKDAY, 5},
	{"samedi", C_WEEKDAY, 6}, {"sam", C_WEEKDAY, 6},
	{"aujourd'hui", C_REL, 0}, {"aujourdhui", C_REL, 0}, {"hier", C_REL, 1},
	{"avant-hier", C_REL, 2},
	{"à", C_FILLER, 0}, {"a", C_FILLER, 0}, {"le", C_FILLER, 0}, {"du", C_FILLER, 0},
	{"publié", C_FILLER, 0},
	/* Spanish */
	{"enero", C_MONTH, 1}, {"ene", C_MONTH, 1}, {"febrero", C_MONTH, 2}, {"marzo", C_MONTH, 3},
	{"abril", C_MONTH, 4}, {"abr", C_MONTH, 4}, {"mayo", C_MONTH, 5}, {"junio", C_MONTH, 6},
	{"julio", C_MONTH, 7}, {"agosto", C_MONTH, 8}, {"ago", C_MONTH, 8}, {"septiembre", C_MONTH, 9},
	{"setiembre", C_MONTH, 9}, {"set", C_MONTH, 9}, {"octubre", C_MONTH, 10},
	{"noviembre", C_MONTH, 11}, {"diciembre", C_MONTH, 12}, {"dic", C_MONTH, 12},
	{"domingo", C_WEEKDAY, 0}, {"dom", C_WEEKDAY, 0}, {"lunes", C_WEEKDAY, 1},
	{"martes", C_WEEKDAY, 2}, {"miércoles", C_WEEKDAY, 3}, {"miercoles", C_WEEKDAY, 3},
	{"mié", C_WEEKDAY, 3}, {"mie", C_WEEKDAY, 3}, {"jueves", C_WEEKDAY, 4}, {"jue", C_WEEKDAY, 4},
	{"viernes", C_WEEKDAY, 5}, {"vie", C_WEEKDAY, 5}, {"sábado", C_WEEKDAY, 6},
	{"sabado", C_WEEKDAY, 6}, {"sáb", C_WEEKDAY, 6}, {"sab", C_WEEKDAY, 6},
	{"hoy", C_REL, 0}, {"ayer", C_REL, 1}, {"anteayer", C_REL, 2},
	{"de", C_FILLER, 0}, {"del", C_FILLER, 0}, {"las", C_FILLER, 0}, {"la", C_FILLER, 0},
	{"el", C_FILLER, 0},
	/* Italian */
	{"gennaio", C_MONTH, 1}, {"gen", C_MONTH, 1}, {"febbraio", C_MONTH, 2}, {"aprile", C_MONTH, 4},
	{"maggio", C_MONTH, 5}, {"mag", C_MONTH, 5}, {"giugno", C_MONTH, 6}, {"giu", C_MONTH, 6},
	{"luglio", C_MONTH, 7}, {"lug", C_MONTH, 7}, {"settembre", C_MONTH, 9}, {"ottobre", C_MONTH, 10},
	{"ott", C_MONTH, 10}, {"dicembre", C_MONTH, 12},
	{"domenica", C_WEEKDAY, 0}, {"lunedì", C_WEEKDAY, 1}, {"lunedi", C_WEEKDAY, 1},
	{"martedì", C_WEEKDAY, 2}, {"martedi", C_WEEKDAY, 2}, {"mercoledì", C_WEEKDAY, 3},
	{"mercoledi", C_WEEKDAY, 3}, {"giovedì", C_WEEKDAY, 4}, {"giovedi", C_WEEKDAY, 4},
	{"gio", C_WEEKDAY, 4}, {"venerdì", C_WEEKDAY, 5}, {"venerdi", C_WEEKDAY, 5},
	{"sabato", C_WEEKDAY, 6},
	{"oggi", C_REL, 0}, {"ieri", C_REL, 1}, {"l'altro", C_FILLER, 0}, {"altro", C_FILLER, 0},
	{"alle", C_FILLER, 0}, {"ore", C_FILLER, 0}, {"il", C_FILLER, 0},
	/* Dutch */
	{"januari", C_MONTH, 1}, {"februari", C_MONTH, 2}, {"maart", C_MONTH, 3}, {"mrt", C_MONTH, 3},
	{"mei", C_MONTH, 5}, {"augustus", C_MONTH, 8},
	{"zondag", C_WEEKDAY, 0}, {"zo", C_WEEKDAY, 0}, {"maandag", C_WEEKDAY, 1}, {"ma", C_WEEKDAY, 1},
	{"dinsdag", C_WEEKDAY, 2}, {"woensdag", C_WEEKDAY, 3}, {"wo", C_WEEKDAY, 3},
	{"donderdag", C_WEEKDAY, 4}, {"vrijdag", C_WEEKDAY, 5}, {"vr", C_WEEKDAY, 5},
	{"zaterdag", C_WEEKDAY, 6}, {"za", C_WEEKDAY, 6},
	{"vandaag", C_REL, 0}, {"gisteren", C_REL, 1}, {"eergisteren", C_REL, 2},
	{"om", C_FILLER, 0}, {"op", C_FILLER, 0},
	/* Polish */
	{"styczeń", C_MONTH, 1}, {"stycznia", C_MONTH, 1}, {"sty", C_MONTH, 1},
	{"luty", C_MONTH, 2}, {"lutego", C_MONTH, 2}, {"lut", C_MONTH, 2},
	{"marzec", C_MONTH, 3}, {"marca", C_MONTH, 3},
	{"kwiecień", C_MONTH, 4}, {"kwietnia", C_MONTH, 4}, {"kwi", C_MONTH, 4},
	{"maj", C_MONTH, 5}, {"maja", C_MONTH, 5},
	{"czerwiec", C_MONTH, 6}, {"czerwca", C_MONTH, 6}, {"cze", C_MONTH, 6},
	{"lipiec", C_MONTH, 7}, {"lipca", C_MONTH, 7}, {"lip", C_MONTH, 7},
	{"sierpień", C_MONTH, 8}, {"sierpnia", C_MONTH, 8}, {"sie", C_MONTH, 8},
	{"wrzesień", C_MONTH, 9}, {"września", C_MONTH, 9}, {"wrz", C_MONTH, 9},
	{"październik", C_MONTH, 10}, {"października", C_MONTH, 10}, {"paź", C_MONTH, 10},
	{"paz", C_MONTH, 10},
	{"listopad", C_MONTH, 11}, {"listopada", C_MONTH, 11}, {"lis", C_MONTH, 11},
	{"grudzień", C_MONTH, 12}, {"grudnia", C_MONTH, 12}, {"gru", C_MONTH, 12},
	{"niedziela", C_WEEKDAY, 0}, {"niedz", C_WEEKDAY, 0}, {"nd", C_WEEKDAY, 0}, {"ndz", C_WEEKDAY, 0},
	{"poniedziałek", C_WEEKDAY, 1}, {"pon", C_WEEKDAY, 1}, {"pn", C_WEEKDAY, 1},
	{"wtorek", C_WEEKDAY, 2}, {"wt", C_WEEKDAY, 2}, {"środa", C_WEEKDAY, 3}, {"śr", C_WEEKDAY, 3},
	{"sr", C_WEEKDAY, 3}, {"czwartek", C_WEEKDAY, 4}, {"czw", C_WEEKDAY, 4},
	{"piątek", C_WEEKDAY, 5}, {"pt", C_WEEKDAY, 5}, {"sobota", C_WEEKDAY, 6},
	{"sob", C_WEEKDAY, 6},
	{"dzisiaj", C_REL, 0}, {"dziś", C_REL, 0}, {"dzis", C_REL, 0}, {"wczoraj", C_REL, 1},
	{"przedwczoraj", C_REL, 2},
	{"o", C_FILLER, 0}, {"r", C_FILLER, 0}, {"roku", C_FILLER, 0},
	/* Russian */
	{"январь", C_MONTH, 1}, {"января", C_MONTH, 1}, {"янв", C_MONTH, 1},
	{"февраль", C_MONTH, 2}, {"февраля", C_MONTH, 2}, {"фев", C_MONTH, 2}, {"февр", C_MONTH, 2},
	{"март", C_MONTH, 3}, {"марта", C_MONTH, 3}, {"мар", C_MONTH, 3},
	{"апрель", C_MONTH, 4}, {"апреля", C_MONTH, 4}, {"апр", C_MONTH, 4},
	{"май", C_MONTH, 5}, {"мая", C_MONTH, 5},
	{"июнь", C_MONTH, 6}, {"июня", C_MONTH, 6}, {"июн", C_MONTH, 6},
	{"июль", C_MONTH, 7}, {"июля", C_MONTH, 7}, {"июл", C_MONTH, 7},
	{"август", C_MONTH, 8}, {"августа", C_MONTH, 8}, {"авг", C_MONTH, 8},
	{"сентябрь", C_MONTH, 9}, {"сентября", C_MONTH, 9}, {"сен", C_MONTH, 9}, {"сент", C_MONTH, 9},
	{"октябрь", C_MONTH, 10}, {"октября", C_MONTH, 10}, {"окт", C_MONTH, 10},
	{"ноябрь", C_MONTH, 11}, {"ноября", C_MONTH, 11}, {"ноя", C_MONTH, 11}, {"нояб", C_MONTH, 11},
	{"декабрь", C_MONTH, 12}, {"декабря", C_MONTH, 12}, {"дек", C_MONTH, 12},
	{"воскресенье", C_WEEKDAY, 0}, {"вс", C_WEEKDAY, 0}, {"понедельник", C_WEEKDAY, 1},
	{"пн", C_WEEKDAY, 1}, {"вторник", C_WEEKDAY, 2}, {"вт", C_WEEKDAY, 2},
	{"среда", C_WEEKDAY, 3}, {"ср", C_WEEKDAY, 3}, {"четверг", C_WEEKDAY, 4}, {"чт", C_WEEKDAY, 4},
	{"пятница", C_WEEKDAY, 5}, {"пт", C_WEEKDAY, 5}, {"суббота", C_WEEKDAY, 6},
	{"сб", C_WEEKDAY, 6},
	{"сегодня", C_REL, 0}, {"вчера", C_REL, 1}, {"позавчера", C_REL, 2},
	{"в", C_FILLER, 0}, {"г", C_FILLER, 0}, {"года", C_FILLER, 0}, {"год", C_FILLER, 0},
};
/* clang-format on */

static const struct word *lookup(const char *w)
{
	if (*w == '\0')
		return NULL;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (words[i].w[0] == w[0] && strcmp(words[i].w, w) == 0)
			return &words[i];
	return NULL;
}

/* ---- tokenizer ---- */

/* Decodes one UTF-8 sequence at p; returns its length (1 for a bad byte,
 * with *cp = 0xfffd). Continuation bytes are checked before they are
 * used, so a NUL ends the sequence and nothing past it is read. */
static int utf8_decode(const unsigned char *p, uint32_t *cp)
{
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf && (p[1] & 0xc0) == 0x80) {
		*cp = (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
		return 2;
	}
	if (p[0] >= 0xe0 && p[0] <= 0xef && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80) {
		*cp = (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
		return 3;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80 &&
	    (p[3] & 0xc0) == 0x80) {
		*cp = 0x10000; /* no letter we know: any astral character */
		return 4;
	}
	*cp = 0xfffd;
	return 1;
}

static int is_space_cp(uint32_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' ||
	       c == 0xa0 || c == 0x202f || (c >= 0x2000 && c <= 0x200b) || c == 0x3000 ||
	       c == 0xfeff;
}

/* The lowercase of a letter we fold, or 0 when c is no letter. */
static uint32_t letter_lower(uint32_t c)
{
	if (c >= 'a' && c <= 'z')
		return c;
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	if (c >= 0xc0 && c <= 0xff && c != 0xd7 && c != 0xf7)
		return c <= 0xde ? c + 32 : c;
	if (c >= 0x100 && c <= 0x17f) {
		/* Latin Extended-A pairs upper/lower; the run 0139..0148 and
		 * 0179..017E start on an odd code point */
		int odd_upper = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e);
		if (c == 0x138 || c == 0x149 || c == 0x17f)
			return c;
		if (odd_upper ? (c & 1) : !(c & 1))
			return c + 1;
		return c;
	}
	if (c >= 0x400 && c <= 0x40f)
		return c + 0x50;
	if (c >= 0x410 && c <= 0x42f)
		return c + 0x20;
	if (c >= 0x430 && c <= 0x4ff)
		return c;
	return 0;
}

/* Appends code point c to a word of *len bytes; sets *len past WMAX-1 when
 * the word no longer fits (it then matches nothing). */
static void word_add(char *w, size_t *len, uint32_t c)
{
	char b[3];
	size_t n;

	if (c < 0x80) {
		b[0] = (char)c;
		n = 1;
	} else {
		b[0] = (char)(0xc0 | (c >> 6));
		b[1] = (char)(0x80 | (c & 0x3f));
		n = 2; /* every letter we fold lies below U+0800 */
	}
	if (*len + n < WMAX) {
		memcpy(w + *len, b, n);
		w[*len + n] = '\0';
	}
	*len += n;
}

/* Returns the number of tokens, or -1 when there are too many. */
static int tokenize(const char *s, struct tok *t)
{
	const unsigned char *p = (const unsigned char *)s;
	int n = 0, sp = 1;

	while (*p) {
		uint32_t c;
		int len = utf8_decode(p, &c);

		if (is_space_cp(c)) {
			p += len;
			sp = 1;
			continue;
		}
		/* vBulletin templates put &nbsp; between date and time; a page
		 * parser that leaves it undecoded must not lose the "PM" after it */
		if (c == '&' && (strncmp((const char *)p, "&nbsp;", 6) == 0 ||
				 strncmp((const char *)p, "&#160;", 6) == 0)) {
			p += 6;
			sp = 1;
			continue;
		}
		if (n == MAX_TOKS)
			return -1;
		struct tok *k = &t[n++];
		memset(k, 0, sizeof *k);
		k->sp = (unsigned char)sp;
		sp = 0;
		if (c >= '0' && c <= '9') {
			k->kind = T_NUM;
			while (*p >= '0' && *p <= '9') {
				if (k->ndig < 13) {
					k->num = k->num * 10 + (*p - '0');
					k->ndig++;
				} else {
					k->ndig = 14; /* too long for anything we read */
				}
				p++;
			}
			continue;
		}
		if (letter_lower(c)) {
			size_t wl = 0;
			k->kind = T_WORD;
			for (;;) {
				uint32_t lc = letter_lower(c);
				if (lc) {
					word_add(k->w, &wl, lc);
				} else if (c == '\'' || c == 0x2019) {
					/* an apostrophe inside a word: aujourd'hui, l'altro */
					uint32_t nc;
					utf8_decode(p + len, &nc);
					if (!letter_lower(nc))
						break;
					word_add(k->w, &wl, '\'');
				} else if (c == '-' && strcmp(k->w, "avant") == 0) {
					word_add(k->w, &wl, '-'); /* avant-hier */
				} else {
					break;
				}
				p += len;
				if (*p == '\0')
					break;
				len = utf8_decode(p, &c);
			}
			if (wl >= WMAX)
				k->w[0] = '\0';
			const struct word *e = lookup(k->w);
			if (e) {
				k->cls = e->cls;
				k->val = e->val;
			}
			continue;
		}
		k->kind = T_PUNCT;
		k->ch = c < 0x80 ? (char)c : c == 0xbb ? '>' : '~';
		p += len;
	}
	return n;
}

/* ---- relative ("5 minutes ago") ---- */

static int prefix(const char *w, const char *pre)
{
	return strncmp(w, pre, strlen(pre)) == 0;
}

/* Seconds per unit word, or 0. Stems: only words next to an "ago" marker
 * get here, so "min" can stand for every language's minutes. */
static int64_t unit_secs(const char *w)
{
	static const struct {
		const char *stem;
		int64_t secs;
		int exact;
	} units[] = {
		{"s", 1, 1},           {"sec", 1, 0},
		{"sek", 1, 0},         {"seg", 1, 0},
		{"секунд", 1, 0},      {"сек", 1, 0},
		{"m", 60, 1},          {"min", 60, 0},
		{"мин", 60, 0},        {"h", 3600, 1},
		{"hour", 3600, 0},     {"hr", 3600, 0},
		{"std", 3600, 0},      {"stund", 3600, 0},
		{"heure", 3600, 0},    {"hora", 3600, 0},
		{"ora", 3600, 1},      {"ore", 3600, 1},
		{"uur", 3600, 0},      {"godzin", 3600, 0},
		{"час", 3600, 0},      {"d", 86400, 1},
		{"day", 86400, 0},     {"tag", 86400, 0},
		{"jour", 86400, 0},    {"día", 86400, 0},
		{"dia", 86400, 0},     {"giorn", 86400, 0},
		{"dag", 86400, 0},     {"dni", 86400, 0},
		{"dzie", 86400, 0},    {"ден", 86400, 0},
		{"дн", 86400, 0},      {"w", 604800, 1},
		{"week", 604800, 0},   {"wk", 604800, 0},
		{"woche", 604800, 0},  {"semaine", 604800, 0},
		{"semana", 604800, 0}, {"settiman", 604800, 0},
		{"weke", 604800, 0},   {"tydz", 604800, 0},
		{"tygod", 604800, 0},  {"недел", 604800, 0},
	};
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (units[i].exact ? strcmp(w, units[i].stem) == 0 : prefix(w, units[i].stem))
			return units[i].secs;
	return 0;
}

static int in_list(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(w, *list) == 0)
			return 1;
	return 0;
}

static const char *const ago_words[] = {"vor",  "hace",  "fa",  "geleden",
					"temu", "назад", "ago", NULL};
static const char *const moment_words[] = {"moment", "moments",  "instant", "l'instant", "momento",
					   "attimo", "chwilą",   "chwila",  "now",       "eben",
					   "soeben", "zojuist",  "только",  "mismo",     "adesso",
					   "poco",   "instante", "секунду", NULL};
static const char *const article_words[] = {"a",     "an",    "one",   "ein", "eine",
					    "einer", "einem", "einen", "un",  "une",
					    "una",   "uno",   "een",   "un'", NULL};
static const char *const less_words[] = {"less",   "weniger", "moins",  "menos", "meno",
					 "minder", "mniej",   "меньше", "менее", NULL};

/* Whether the tokens are an "ago" expression: a marker word ("ago" only
 * after a unit or moment word, since it is also es/it August), "il y a",
 * or a "just now" word. */
static int is_relative(const struct tok *t, int n)
{
	for (int i = 0; i < n; i++) {
		if (t[i].kind != T_WORD)
			continue;
		const char *w = t[i].w;
		if (strcmp(w, "ago") == 0) {
			if (i > 0 && t[i - 1].kind == T_WORD &&
			    (unit_secs(t[i - 1].w) || in_list(t[i - 1].w, moment_words)))
				return 1;
			continue;
		}
		if (in_list(w, ago_words) || in_list(w, moment_words))
			return 1;
		if (strcmp(w, "il") == 0 && i + 2 < n && strcmp(t[i + 1].w, "y") == 0 &&
		    strcmp(t[i + 2].w, "a") == 0)
			return 1;
	}
	return 0;
}

static int parse_relative(const struct tok *t, int n, int64_t now, int64_t *out)
{
	int64_t total = 0, count = -1;
	int less = 0;

	for (int i = 0; i < n; i++) {
		if (t[i].kind == T_PUNCT) {
			if (t[i].ch == ':')
				return -1;
			continue;
		}
		if (t[i].kind == T_NUM) {
			if (count >= 0 || t[i].ndig > 6)
				return -1;
			count = t[i].num;
			continue;
		}
		const char *w = t[i].w;
		int64_t u;
		if (in_list(w, less_words)) {
			less = 1;
		} else if (in_list(w, article_words) && count < 0 && i + 1 < n &&
			   t[i + 1].kind == T_WORD && unit_secs(t[i + 1].w)) {
			count = 1;
		} else if (strncmp(w, "un'", 3) == 0 && (u = unit_secs(w + 3)) != 0) {
			total += u; /* un'ora */
		} else if ((u = unit_secs(w)) != 0 && !in_list(w, article_words)) {
			total += (count < 0 ? 1 : count) * u;
			count = -1;
		}
		/* other words (markers, "il y a", "than", prefixes) carry nothing */
	}
	if (count >= 0) /* a number without a unit */
		return -1;
	if (total > (int64_t)3650 * 86400)
		return -1;
	*out = now - (less ? 0 : total);
	return 0;
}

/* ---- absolute dates ---- */

struct parts {
	int date; /* 1: y/m/d set; 2: numeric date, raw parts in a/b/c */
	int yearless;
	int64_t y;
	int m, d;
	int64_t a, b, c;
	int nda, ndc;
	char sep;
	int rel;                  /* -1, or days back */
	int wd;                   /* -1, or the weekday named */
	int time, h, mi, s, ampm; /* ampm: 0 none, 1 am, 2 pm */
	int zoned, off;
};

static int is_punct(const struct tok *t, int n, int i, char ch)
{
	return i < n && t[i].kind == T_PUNCT && t[i].ch == ch;
}

static int is_num(const struct tok *t, int n, int i)
{
	return i < n && t[i].kind == T_NUM;
}

static int is_word(const struct tok *t, int n, int i, const char *w)
{
	return i < n && t[i].kind == T_WORD && strcmp(t[i].w, w) == 0;
}

/* A number that starts a time: "20:15", "20h15". */
static int time_starts(const struct tok *t, int n, int i)
{
	if (!is_num(t, n, i) || t[i].ndig > 2)
		return 0;
	if (is_punct(t, n, i + 1, ':') && is_num(t, n, i + 2))
		return 1;
	return is_word(t, n, i + 1, "h") && !t[i + 1].sp && is_num(t, n, i + 2) && !t[i + 2].sp &&
	       t[i + 2].ndig == 2;
}

/* A number that starts a numeric date: "26.08.2008", "2008-08-26". */
static int numdate_starts(const struct tok *t, int n, int i)
{
	if (!is_num(t, n, i) || i + 4 >= n || t[i].ndig > 4)
		return 0;
	char sep = t[i + 1].kind == T_PUNCT ? t[i + 1].ch : 0;
	if (sep != '-' && sep != '/' && sep != '.')
		return 0;
	return !t[i + 1].sp && is_num(t, n, i + 2) && !t[i + 2].sp && t[i + 2].ndig <= 2 &&
	       is_punct(t, n, i + 3, sep) && !t[i + 3].sp && is_num(t, n, i + 4) && !t[i + 4].sp &&
	       t[i + 4].ndig <= 4;
}

/* Skips '.', ',', '-', '/' and filler words between the parts of a date
 * ("26. Aug", "Aug 26, 2008", "26-Aug-2008", "26 de agosto de 2008"). */
static int skip_soft(const struct tok *t, int n, int i)
{
	while (i < n && ((t[i].kind == T_PUNCT &&
			  (t[i].ch == '.' || t[i].ch == ',' || t[i].ch == '-' || t[i].ch == '/')) ||
			 (t[i].kind == T_WORD && t[i].cls == C_FILLER)))
		i++;
	return i;
}

/* An ordinal suffix glued to a number: 26th, 1st, 1er. */
static int skip_ordinal(const struct tok *t, int n, int i)
{
	if (i < n && t[i].kind == T_WORD && !t[i].sp &&
	    (strcmp(t[i].w, "st") == 0 || strcmp(t[i].w, "nd") == 0 || strcmp(t[i].w, "rd") == 0 ||
	     strcmp(t[i].w, "th") == 0 || strcmp(t[i].w, "er") == 0))
		return i + 1;
	return i;
}

/* A year after day and month: four digits, or two (vBulletin's "d M y"),
 * not the hour of a time. */
static int year_at(const struct tok *t, int n, int i)
{
	return is_num(t, n, i) && (t[i].ndig == 4 || t[i].ndig == 2) && !time_starts(t, n, i);
}

static int64_t year_of(const struct tok *k)
{
	return k->ndig == 2 ? k->num + (k->num < 70 ? 2000 : 1900) : k->num;
}

/* Reads the time at i; returns the index after it, or -1. */
static int read_time(const struct tok *t, int n, int i, struct parts *p)
{
	if (p->time)
		return -1;
	p->time = 1;
	p->h = (int)t[i].num;
	if (t[i + 1].kind == T_WORD) { /* 20h15 */
		p->mi = (int)t[i + 2].num;
		return i + 3;
	}
	if (t[i + 2].ndig != 2)
		return -1;
	p->mi = (int)t[i + 2].num;
	i += 3;
	if (is_punct(t, n, i, ':') && is_num(t, n, i + 1) && t[i + 1].ndig == 2) {
		p->s = (int)t[i + 1].num;
		i += 2;
		/* a fraction of a second */
		if ((is_punct(t, n, i, '.') || is_punct(t, n, i, ',')) && !t[i].sp &&
		    is_num(t, n, i + 1) && !t[i + 1].sp)
			i += 2;
	}
	/* am / pm / a.m. / p. m. */
	if (is_word(t, n, i, "am") || is_word(t, n, i, "pm")) {
		p->ampm = t[i].w[0] == 'a' ? 1 : 2;
		i++;
	} else if ((is_word(t, n, i, "a") || is_word(t, n, i, "p")) && is_punct(t, n, i + 1, '.') &&
		   is_word(t, n, i + 2, "m")) {
		p->ampm = t[i].w[0] == 'a' ? 1 : 2;
		i += 3;
		if (is_punct(t, n, i, '.'))
			i++;
	}
	/* an offset: Z, UTC, GMT, each with an optional +hh[:mm]; or +hhmm, +hh:mm */
	int named = 0;
	if (i < n && t[i].kind == T_WORD && t[i].cls == C_ZONE) {
		named = 1;
		p->zoned = 1;
		p->off = 0;
		i++;
	}
	if ((is_punct(t, n, i, '+') || is_punct(t, n, i, '-')) && is_num(t, n, i + 1) &&
	    !t[i + 1].sp && (named || !t[i].sp || t[i + 1].ndig == 4)) {
		int sign = t[i].ch == '-' ? -1 : 1, oh, om = 0;
		const struct tok *d = &t[i + 1];
		if (d->ndig == 4) {
			oh = (int)(d->num / 100);
			om = (int)(d->num % 100);
			i += 2;
		} else if (d->ndig <= 2) {
			oh = (int)d->num;
			i += 2;
			if (is_punct(t, n, i, ':') && is_num(t, n, i + 1) && t[i + 1].ndig == 2) {
				om = (int)t[i + 1].num;
				i += 2;
			}
		} else {
			return -1;
		}
		if (oh > 14 || om > 59)
			return -1;
		p->zoned = 1;
		p->off = sign * (oh * 3600 + om * 60);
	}
	return i;
}

/* Day then month name: "26 Aug 2008", "26. August", "26 de agosto de 2008". */
static int read_day_month(const struct tok *t, int n, int i, struct parts *p)
{
	int j = skip_ordinal(t, n, i + 1);

	j = skip_soft(t, n, j);
	if (j >= n || t[j].kind != T_WORD || (t[j].cls != C_MONTH && t[j].cls != C_MONTH_WD) ||
	    t[i].ndig > 2)
		return -1;
	p->d = (int)t[i].num;
	p->m = t[j].val;
	j = skip_soft(t, n, j + 1);
	if (year_at(t, n, j)) {
		p->y = year_of(&t[j]);
		j++;
	} else {
		p->yearless = 1;
	}
	p->date = 1;
	return j;
}

/* Month name then day: "Aug 26, 2008", "авг 26, 2008". */
static int read_month_day(const struct tok *t, int n, int i, struct parts *p)
{
	int j = skip_soft(t, n, i + 1);

	if (!is_num(t, n, j) || t[j].ndig > 2 || time_starts(t, n, j) || numdate_starts(t, n, j))
		return -1;
	p->m = t[i].val;
	p->d = (int)t[j].num;
	j = skip_ordinal(t, n, j + 1);
	j = skip_soft(t, n, j);
	if (year_at(t, n, j)) {
		p->y = year_of(&t[j]);
		j++;
	} else {
		p->yearless = 1;
	}
	p->date = 1;
	return j;
}

static int later_month(const struct tok *t, int n, int i)
{
	for (; i < n; i++)
		if (t[i].kind == T_WORD && t[i].cls == C_MONTH)
			return 1;
	return 0;
}

static int day_known(const struct parts *p)
{
	return p->date || p->rel >= 0 || p->wd >= 0;
}

/* Fills p from the tokens; returns 0 or -1. */
static int scan(const struct tok *t, int n, struct parts *p)
{
	int started = 0;

	for (int i = 0; i < n;) {
		const struct tok *k = &t[i];
		int j;

		if (k->kind == T_PUNCT) {
			i++;
			continue;
		}
		if (k->kind == T_NUM) {
			if (time_starts(t, n, i)) {
				j = read_time(t, n, i, p);
			} else if (numdate_starts(t, n, i)) {
				if (p->date)
					return -1;
				p->date = 2;
				p->a = t[i].num;
				p->nda = t[i].ndig;
				p->b = t[i + 2].num;
				p->c = t[i + 4].num;
				p->ndc = t[i + 4].ndig;
				p->sep = t[i + 1].ch;
				j = i + 5;
				if (is_word(t, n, j, "t") && !t[j].sp)
					j++;
			} else if (!p->date) {
				j = read_day_month(t, n, i, p);
			} else if (p->yearless && p->time && t[i].ndig == 4) {
				p->y = t[i].num; /* asctime: "Tue Aug 26 20:15:00 2008" */
				p->yearless = 0;
				j = i + 1;
			} else {
				j = -1;
			}
			if (j < 0)
				return -1;
			started = 1;
			i = j;
			continue;
		}
		switch (k->cls) {
		case C_MONTH_WD:
			if (!p->date && !later_month(t, n, i + 1) &&
			    (j = read_month_day(t, n, i, p)) > 0) {
				i = j;
			} else {
				p->wd = 2;
				i++;
			}
			started = 1;
			continue;
		case C_MONTH:
			if (p->date || (j = read_month_day(t, n, i, p)) < 0)
				return -1;
			started = 1;
			i = j;
			continue;
		case C_WEEKDAY:
			p->wd = k->val;
			started = 1;
			i++;
			continue;
		case C_REL:
			if (p->rel >= 0)
				return -1;
			p->rel = k->val;
			started = 1;
			i++;
			continue;
		case C_FILLER:
			i++;
			continue;
		default:
			/* prefixes ("Posted:", "Beitrag von X") before the date, and
			 * anything after it, are not ours */
			if (!started) {
				i++;
				continue;
			}
			if (day_known(p))
				return 0;
			return -1;
		}
	}
	return 0;
}

static int days_in_month(int64_t y, int m)
{
	static const int md[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return md[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

static int valid_ymd(int64_t y, int m, int d)
{
	return y >= 1900 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

static int weekday_of(int64_t y, int m, int d)
{
	int64_t days = tzfile_days_from_civil(y, m, d);
	return (int)(((days % 7) + 7 + 4) % 7);
}

/* Orders the parts of a numeric date. */
static int resolve_numeric(struct parts *p, int order)
{
	int64_t y;

	if (p->nda == 4) {
		p->y = p->a;
		p->m = (int)p->b;
		p->d = (int)p->c;
		return 0;
	}
	if (order == BOARD_DATE_YMD && p->nda == 2 && p->ndc == 2) {
		p->y = p->a + (p->a < 70 ? 2000 : 1900);
		p->m = (int)p->b;
		p->d = (int)p->c;
		return 0;
	}
	if (p->ndc == 4)
		y = p->c;
	else if (p->ndc == 2)
		y = p->c + (p->c < 70 ? 2000 : 1900);
	else
		return -1;
	p->y = y;
	int mdy;
	if (order == BOARD_DATE_MDY) {
		mdy = 1;
	} else if (order == BOARD_DATE_DMY) {
		mdy = 0;
	} else if (p->a > 12 && p->b <= 12) {
		mdy = 0;
	} else if (p->b > 12 && p->a <= 12) {
		mdy = 1;
	} else {
		int fit_mdy = p->wd >= 0 && valid_ymd(y, (int)p->a, (int)p->b) &&
			      weekday_of(y, (int)p->a, (int)p->b) == p->wd;
		int fit_dmy = p->wd >= 0 && valid_ymd(y, (int)p->b, (int)p->a) &&
			      weekday_of(y, (int)p->b, (int)p->a) == p->wd;
		if (fit_mdy != fit_dmy)
			mdy = fit_mdy;
		else if (p->sep == '.')
			mdy = 0;
		else
			mdy = p->ampm != 0;
	}
	p->m = (int)(mdy ? p->a : p->b);
	p->d = (int)(mdy ? p->b : p->a);
	return 0;
}

static int64_t floordiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int board_date_parse(const char *s, const struct board_date_ctx *ctx, int64_t *out)
{
	struct tok t[MAX_TOKS];
	struct parts p;
	int n, from = 0;

	if (s == NULL || ctx == NULL || strnlen(s, MAX_INPUT + 1) > MAX_INPUT)
		return -1;
	if (ctx->now < -TZFILE_T_MAX / 2 || ctx->now > TZFILE_T_MAX / 2)
		return -1;
	n = tokenize(s, t);
	if (n <= 0)
		return -1;
	/* "by X » date": the date follows the last guillemet */
	for (int i = 0; i < n; i++)
		if (t[i].kind == T_PUNCT && t[i].ch == '>')
			from = i + 1;
	const struct tok *tk = t + from;
	n -= from;

	/* epoch seconds, alone */
	{
		int sig = -1, count = 0;
		for (int i = 0; i < n; i++)
			if (tk[i].kind != T_PUNCT || (tk[i].ch != '.' && tk[i].ch != ','))
				sig = i, count++;
		if (count == 1 && tk[sig].kind == T_NUM && tk[sig].ndig >= 9 &&
		    tk[sig].ndig <= 11) {
			*out = tk[sig].num;
			return 0;
		}
	}
	if (is_relative(tk, n))
		return parse_relative(tk, n, ctx->now, out);

	memset(&p, 0, sizeof p);
	p.rel = -1;
	p.wd = -1;
	if (scan(tk, n, &p) < 0)
		return -1;
	if (!day_known(&p) || (p.date && p.rel >= 0))
		return -1;
	if (p.date == 2 && resolve_numeric(&p, ctx->order) < 0)
		return -1;

	/* time of day */
	if (p.ampm) {
		if (p.h < 1 || p.h > 12)
			return -1;
		p.h = p.h % 12 + (p.ampm == 2 ? 12 : 0);
	}
	if (p.h > 23 || p.mi > 59 || p.s > 60)
		return -1;
	if (p.s == 60)
		p.s = 59; /* a leap second: the instant before is close enough */

	const struct tzfile *z = NULL;
	struct tzfile *own = NULL;
	if (!p.zoned || p.rel >= 0 || p.yearless || (!p.date && p.wd >= 0)) {
		z = tzfile_get(ctx->tz, NULL);
		if (z == NULL) {
			/* the cache is full: this call loads its own copy */
			if (tzfile_load(ctx->tz, &own, NULL) < 0)
				return -1;
			z = own;
		}
	}

	int64_t days;
	if (p.date) {
		if (p.yearless) {
			int32_t off;
			int64_t y, today;
			int m, d;
			tzfile_offset(z, ctx->now, &off, NULL, NULL);
			today = floordiv(ctx->now + off, 86400);
			tzfile_civil_from_days(today, &y, &m, &d);
			p.y = y;
			/* a board leaves out the current year; a date after
			 * tomorrow must then be last year's */
			if (valid_ymd(p.y, p.m, p.d) &&
			    tzfile_days_from_civil(p.y, p.m, p.d) > today + 1)
				p.y--;
		}
		if (!valid_ymd(p.y, p.m, p.d))
			goto fail;
		days = tzfile_days_from_civil(p.y, p.m, p.d);
	} else {
		int32_t off;
		tzfile_offset(z, ctx->now, &off, NULL, NULL);
		int64_t today = floordiv(ctx->now + off, 86400);
		if (p.rel >= 0) {
			days = today - p.rel;
		} else {
			int back = (int)((((today % 7) + 7 + 4) % 7 - p.wd + 7) % 7);
			days = today - (back == 0 ? 7 : back);
		}
	}
	int64_t local = days * 86400 + p.h * 3600 + p.mi * 60 + p.s;
	int64_t utc;
	if (p.zoned) {
		utc = local - p.off;
	} else if (tzfile_to_utc(z, local, &utc, NULL) < 0) {
		goto fail;
	}
	tzfile_free(own);
	*out = utc;
	return 0;
fail:
	tzfile_free(own);
	return -1;
}
