/*
 * Tests for gateway/forum/board_date.c: a table of date strings as
 * vBulletin, phpBB, XenForo and MyBB print them in eight languages, each
 * with the exact UTC instant it must give (expected values come from
 * glibc's timegm(), not from the code under test); "Today"/"Yesterday"
 * across midnight and DST changes in a zone; "ago" forms; the numeric
 * order rules; strings that hold no date; independence from TZ; threads;
 * and every truncation of every table string in an exact-size buffer (the
 * sanitizer build catches a read past the end).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "../../gateway/forum/board_date.h"
#include "forumgate/buf.h"

static int64_t utc_of(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = {0};
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return (int64_t)timegm(&tm);
}

/* Expected results are written as constants: a UTC date (U), no date
 * (NONE), or the table's "now" minus seconds (AGO). */
struct dcase {
	const char *s;
	int kind; /* 0 UTC date, 1 no date, 2 now - back */
	int y, mo, d, h, mi, sec;
	int64_t back;
};
#define U(y, mo, d, h, mi, s) 0, y, mo, d, h, mi, s, 0
#define NONE 1, 0, 0, 0, 0, 0, 0, 0
#define AGO(secs) 2, 0, 0, 0, 0, 0, 0, secs

static int64_t want_of(const struct dcase *c, int64_t now)
{
	if (c->kind == 1)
		return -1;
	if (c->kind == 2)
		return now - c->back;
	return utc_of(c->y, c->mo, c->d, c->h, c->mi, c->sec);
}

static void check_table(const char *tz, int64_t now, int order, const struct dcase *c, size_t n)
{
	struct board_date_ctx ctx = {tz, now, order};
	for (size_t i = 0; i < n; i++) {
		int64_t got = -12345;
		int rc = board_date_parse(c[i].s, &ctx, &got);
		int64_t want = want_of(&c[i], now);
		if (c[i].kind == 1) {
			if (rc != -1)
				fail_msg("[%s] \"%s\": want -1, got %lld", tz ? tz : "UTC", c[i].s,
					 (long long)got);
			if (got != -12345)
				fail_msg("\"%s\": *out written on failure", c[i].s);
			continue;
		}
		if (rc != 0 || got != want)
			fail_msg("[%s] \"%s\": rc %d, got %lld, want %lld (off by %lld s)",
				 tz ? tz : "UTC", c[i].s, rc, (long long)got, (long long)want,
				 (long long)(got - want));
	}
}

#define CHECK(tz, now, order, table)                                                               \
	check_table(tz, now, order, table, sizeof table / sizeof table[0])

/* 2008-08-26 20:15 in Berlin (CEST, +02:00) */
#define BE U(2008, 8, 26, 18, 15, 0)
static const int64_t NOW = 1219824000; /* 2008-08-27 08:00 UTC, a Wednesday */

static const struct dcase english[] = {
	{"08-26-2008, 08:15 PM", BE},      /* vBulletin 3/4, MyBB default */
	{"08-26-2008, 08:15&nbsp;PM", BE}, /* the one entity boards put in dates */
	{"08-26-2008,\xc2\xa0"
	 "08:15\xc2\xa0PM",
	 BE},                             /* NBSP */
	{"Tue Aug 26, 2008 8:15 pm", BE}, /* phpBB 3.0 "D M d, Y g:i a" */
	{"Mon Aug 25, 2008 8:15 pm", U(2008, 8, 25, 18, 15, 0)},
	{"» Tue Aug 26, 2008 8:15 pm", BE}, /* prosilver "by X »" */
	{"by admin » Tue Aug 26, 2008 8:15 pm", BE},
	{"Posted: Tue Aug 26, 2008 8:15 pm", BE}, /* subsilver2 */
	{"Posted: Tue Aug 26, 2008 8:15 pm    Post subject: Re: hello", BE},
	{"26 Aug 2008, 20:15", BE}, /* phpBB "d M Y, H:i" */
	{"Tue 26 Aug, 2008 20:15", BE},
	{"Aug 26, 2008 at 8:15 PM", BE}, /* XenForo */
	{"Aug 26, 2008", U(2008, 8, 25, 22, 0, 0)},
	{"August 26, 2008, 08:15:30 PM", U(2008, 8, 26, 18, 15, 30)},
	{"Tuesday, August 26th, 2008 8:15 PM", BE},
	{"26th August 2008, 20:15", BE},
	{"08/26/2008 08:15 PM", BE},
	{"26/08/2008 20:15", BE},
	{"2008-08-26 20:15", BE},
	{"2008-08-26, 20:15:00", BE},
	{"2008/08/26 20:15", BE},
	{"8-26-2008 8:15 p.m.", BE},
	{"08-26-2008 08:15 a.m.", U(2008, 8, 26, 6, 15, 0)},
	{"08-26-2008 12:15 AM", U(2008, 8, 25, 22, 15, 0)},
	{"08-26-2008 12:15 PM", U(2008, 8, 26, 10, 15, 0)},
	{"Last edited by admin; 08-26-2008 at 08:15 PM.", BE}, /* vBulletin edit note */
	{"TUE AUG 26, 2008 8:15 PM", BE},
	{"Sept 26, 2008", U(2008, 9, 25, 22, 0, 0)},
	{"Dec 26, 2008 8:15 pm", U(2008, 12, 26, 19, 15, 0)}, /* CET */
	/* shapes seen in the saved pages of ../shared/corpora/forum-html */
	{"24 Apr 18,, 23:50", U(2018, 4, 24, 21, 50, 0)}, /* vBulletin "d M y,, H:i" */
	{"26 Aug 08, 20:15", BE},
	{"#1 Post by kikinder » 2008-08-26 20:15", BE}, /* phpBB 3.3 prosilver */
	{"Threadmark created by Higure on Aug 26, 2008", U(2008, 8, 25, 22, 0, 0)}, /* XenForo */
	{"showthread.php?t=128882", NONE},
};

static const struct dcase absolute[] = {
	{"2008-08-26T20:15:00+02:00", BE},
	{"2008-08-26T18:15:00Z", BE},
	{"2008-08-26T18:15:00.123Z", BE},
	{"2008-08-26T14:15:00-04:00", BE},
	{"2008-08-26T23:45:00+0530", BE},
	{"Tue, 26 Aug 2008 20:15:00 +0200", BE}, /* RSS pubDate */
	{"Tue, 26 Aug 2008 18:15:00 GMT", BE},
	{"26 Aug 2008 18:15 UTC", BE},
	{"26 Aug 2008 20:15 UTC+2", BE},
	{"1219774500", BE},
	{" 1219774500 ", BE},
};

static const struct dcase german[] = {
	{"26.08.2008, 20:15", BE}, /* vBulletin de */
	{"26.08.2008 20:15:00", BE},
	{"26.08.08, 20:15", BE},
	{"Di 26. Aug 2008, 20:15", BE}, /* phpBB de "D d. M Y, H:i" */
	{"Beitrag Di 26. Aug 2008, 20:15", BE},
	{"Dienstag, 26. August 2008, 20:15 Uhr", BE},
	{"26. August 2008 um 20:15", BE},
	{"am 26. Aug. 2008 um 20:15 Uhr", BE},
	{"26. März 2008 20:15", U(2008, 3, 26, 19, 15, 0)},
	{"26. MÄRZ 2008 20:15", U(2008, 3, 26, 19, 15, 0)},
	{"26. Mär 2008 20:15", U(2008, 3, 26, 19, 15, 0)},
	{"3. Jänner 2008 20:15", U(2008, 1, 3, 19, 15, 0)},
	{"26. Dez 2008, 20:15", U(2008, 12, 26, 19, 15, 0)},
	{"Mi 27. Aug 2008, 20:15", U(2008, 8, 27, 18, 15, 0)},
};

static const struct dcase french[] = {
	{"26 août 2008 à 20:15", BE},
	{"26 AOÛT 2008 à 20h15", BE},
	{"mar. 26 août 2008 20:15", BE}, /* phpBB fr: "mar." is Tuesday */
	{"Mar 26 Aoû 2008, 20:15", BE},
	{"mardi 26 août 2008, 20:15", BE},
	{"le 26/08/2008 à 20:15", BE},
	{"26 aout 2008 20:15", BE},
	{"26 mar 2008 20:15", U(2008, 3, 26, 19, 15, 0)}, /* here "mar" is March */
	{"26 mars 2008 20:15", U(2008, 3, 26, 19, 15, 0)},
	{"26 févr. 2008 à 20:15", U(2008, 2, 26, 19, 15, 0)},
	{"26 déc. 2008 20:15", U(2008, 12, 26, 19, 15, 0)},
	{"1er janvier 2008 à 20:15", U(2008, 1, 1, 19, 15, 0)},
	{"Publié le mar. 26 août 2008 20:15", BE},
};

static const struct dcase spanish[] = {
	{"26 de agosto de 2008, 20:15", BE},
	{"26 de agosto de 2008 a las 20:15", BE},
	{"Mar 26 Ago, 2008 20:15", BE}, /* phpBB es */
	{"mar, 26 ago 2008 20:15", BE},
	{"26 Ago 2008 8:15 p. m.", BE},
	{"martes, 26 de agosto de 2008 20:15", BE},
	{"26 de septiembre de 2008, 20:15", U(2008, 9, 26, 18, 15, 0)},
	{"26 dic 2008, 20:15", U(2008, 12, 26, 19, 15, 0)},
	{"sáb 30 ago 2008 20:15", U(2008, 8, 30, 18, 15, 0)},
	{"miércoles, 27 de agosto de 2008", U(2008, 8, 26, 22, 0, 0)},
};

static const struct dcase italian[] = {
	{"26 agosto 2008 alle 20:15", BE},
	{"mar 26 ago 2008, 20:15", BE},
	{"martedì 26 agosto 2008, 20:15", BE},
	{"MARTEDÌ 26 AGOSTO 2008, 20:15", BE},
	{"26/08/2008, 20:15", BE},
	{"26 ago 2008 alle ore 20:15", BE},
	{"26 gen 2008, 20:15", U(2008, 1, 26, 19, 15, 0)},
	{"26 ott 2008, 20:15", U(2008, 10, 26, 19, 15, 0)}, /* the DST end day, CET by then */
	{"26 ottobre 2008, 01:15", U(2008, 10, 25, 23, 15, 0)},
};

static const struct dcase dutch[] = {
	{"26 aug. 2008 om 20:15", BE},
	{"di 26 aug 2008, 20:15", BE},
	{"dinsdag 26 augustus 2008 20:15", BE},
	{"26 mrt 2008 20:15", U(2008, 3, 26, 19, 15, 0)},
	{"26 maart 2008 20:15", U(2008, 3, 26, 19, 15, 0)},
	{"26 mei 2008 20:15", U(2008, 5, 26, 18, 15, 0)},
	{"26-08-2008 20:15", BE},
};

static const struct dcase polish[] = {
	{"26 sierpnia 2008, 20:15", BE},
	{"wt 26 sie 2008, 20:15", BE},
	{"26 sierpień 2008 o 20:15", BE},
	{"26.08.2008, 20:15", BE},
	{"26 sierpnia 2008 r., 20:15", BE},
	{"Wtorek, 26 SIERPNIA 2008 20:15", BE},
	{"ŚRODA, 27 SIERPNIA 2008 20:15", U(2008, 8, 27, 18, 15, 0)},
	{"26 PAŹDZIERNIKA 2008 20:15", U(2008, 10, 26, 19, 15, 0)},
	{"26 października 2008, 20:15", U(2008, 10, 26, 19, 15, 0)},
	{"1 stycznia 2008 o 20:15", U(2008, 1, 1, 19, 15, 0)},
	{"26 lut 2008, 20:15", U(2008, 2, 26, 19, 15, 0)},
};

static const struct dcase russian[] = {
	{"26 августа 2008 г., 20:15", BE},
	{"26 АВГУСТА 2008 г. в 20:15", BE},
	{"26 авг 2008, 20:15", BE},
	{"Вт авг 26, 2008 8:15 pm", BE}, /* phpBB ru keeps "D M d, Y g:i a" */
	{"вторник, 26 август 2008 20:15", BE},
	{"26 сент. 2008 20:15", U(2008, 9, 26, 18, 15, 0)},
	{"26.08.2008 в 20:15", BE},
	{"1 января 2008, 20:15", U(2008, 1, 1, 19, 15, 0)},
	{"Ёж 26 августа 2008 20:15", BE}, /* an unknown word (Ё) before the date */
	{"26 мая 2008 20:15", U(2008, 5, 26, 18, 15, 0)},
};

/* now: Wednesday 2008-08-27 10:00 in Berlin */
static const struct dcase relative_berlin[] = {
	{"Today, 08:15 AM", U(2008, 8, 27, 6, 15, 0)},
	{"Today at 8:15 PM", U(2008, 8, 27, 18, 15, 0)},
	{"Yesterday 20:15", BE},
	{"Yesterday, 08:15 PM", BE},
	{"Yesterday at 8:15 PM", BE},
	{"Heute, 20:15", U(2008, 8, 27, 18, 15, 0)},
	{"Gestern", U(2008, 8, 25, 22, 0, 0)},
	{"Gestern, 20:15", BE},
	{"vorgestern 20:15", U(2008, 8, 25, 18, 15, 0)},
	{"Aujourd’hui à 20:15", U(2008, 8, 27, 18, 15, 0)},
	{"aujourd'hui, 20:15", U(2008, 8, 27, 18, 15, 0)},
	{"Hier", U(2008, 8, 25, 22, 0, 0)},
	{"Hier à 20:15", BE},
	{"avant-hier à 20:15", U(2008, 8, 25, 18, 15, 0)},
	{"Hoy", U(2008, 8, 26, 22, 0, 0)},
	{"Ayer, 20:15", BE},
	{"Ayer a las 20:15", BE},
	{"Oggi", U(2008, 8, 26, 22, 0, 0)},
	{"Ieri alle 20:15", BE},
	{"Vandaag", U(2008, 8, 26, 22, 0, 0)},
	{"Gisteren om 20:15", BE},
	{"Dzisiaj", U(2008, 8, 26, 22, 0, 0)},
	{"Dziś, 20:15", U(2008, 8, 27, 18, 15, 0)},
	{"DZIŚ 20:15", U(2008, 8, 27, 18, 15, 0)},
	{"Wczoraj o 20:15", BE},
	{"Сегодня, 20:15", U(2008, 8, 27, 18, 15, 0)},
	{"Вчера в 20:15", BE},
	{"ВЧЕРА, 20:15", BE},
	{"Sunday at 8:15 PM", U(2008, 8, 24, 18, 15, 0)}, /* XenForo, this week */
	{"Monday at 8:15 PM", U(2008, 8, 25, 18, 15, 0)},
	{"Wednesday at 8:15 PM", U(2008, 8, 20, 18, 15, 0)}, /* today's weekday: a week ago */
	{"Aug 26", U(2008, 8, 25, 22, 0, 0)},                /* year left out */
	{"Aug 28 8:15 pm", U(2008, 8, 28, 18, 15, 0)},       /* tomorrow: this year */
	{"Dec 31", U(2007, 12, 30, 23, 0, 0)},               /* later this year: last year's */
	{"26 Aug, 20:15", BE},
	{"5 ago", U(2008, 8, 4, 22, 0, 0)}, /* es/it: 5 August */
};

/* XenForo 2 and phpBB 3.1+ language packs (now as for relative_berlin) */
#define SUN U(2008, 8, 24, 18, 15, 0)
static const struct dcase localized_packs[] = {
	{"26. Aug. 2008", U(2008, 8, 25, 22, 0, 0)},
	{"Heute um 20:15", U(2008, 8, 27, 18, 15, 0)},
	{"Sonntag um 20:15", SUN},
	{"Dimanche à 20:15", SUN},
	{"Domingo a las 20:15", SUN},
	{"Domenica alle 20:15", SUN},
	{"Zondag om 20:15", SUN},
	{"Niedziela o 20:15", SUN},
	{"Воскресенье в 20:15", SUN},
	{"Vor einem Moment", AGO(0)},
	{"Il y a un instant", AGO(0)},
	{"Hace un momento", AGO(0)},
	{"Un momento fa", AGO(0)},
	{"Een moment geleden", AGO(0)},
	{"Przed chwilą", AGO(0)},
	{"Только что", AGO(0)},
	{"vor weniger als einer Minute", AGO(0)},
	{"il y a moins d’une minute", AGO(0)},
	{"hace menos de un minuto", AGO(0)},
	{"meno di un minuto fa", AGO(0)},
	{"minder dan een minuut geleden", AGO(0)},
	{"mniej niż minutę temu", AGO(0)},
	{"менее минуты назад", AGO(0)},
	{"vor 3 Tagen", AGO(3 * 86400)},
	{"il y a 2 heures", AGO(7200)},
	{"hace 2 semanas", AGO(14 * 86400)},
	{"3 giorni fa", AGO(3 * 86400)},
	{"2 dagen geleden", AGO(2 * 86400)},
	{"3 dni temu", AGO(3 * 86400)},
	{"5 часов назад", AGO(5 * 3600)},
	{"Geschrieben: Di 26. Aug 2008, 20:15", BE},
	{"Verfasst am: 26.08.2008, 20:15", BE},
	{"Wysłany: Wt 26 sie 2008, 20:15", BE},
	{"Добавлено: Вт авг 26, 2008 20:15", BE},
	{"Enviado: 26 Ago 2008 20:15", BE},
	{"20:15 - 26.08.2008", BE},
	{"26.08.2008 - 20:15", BE},
	{"Posted on 26 August 2008 - 08:15 PM", BE},
	{"26-Aug-2008 20:15", BE},
	{"Aug-26-2008 20:15", BE},
	{"Tue Aug 26 20:15:00 2008", BE}, /* asctime */
	{"20080826", NONE},
};

static const struct dcase ago[] = {
	{"5 minutes ago", AGO(300)},
	{"1 minute ago", AGO(60)},
	{"A moment ago", AGO(0)},
	{"a few seconds ago", AGO(1)},
	{"Just now", AGO(0)},
	{"Less than a minute ago", AGO(0)},
	{"Less than 1 minute ago", AGO(0)},
	{"1 hour ago", AGO(3600)},
	{"an hour ago", AGO(3600)},
	{"2 hours ago", AGO(7200)},
	{"1 day, 2 hours ago", AGO(86400 + 7200)},
	{"3 days ago", AGO(3 * 86400)},
	{"2 weeks ago", AGO(14 * 86400)},
	{"30 seconds ago", AGO(30)},
	{"5 mins ago", AGO(300)},
	{"vor 5 Minuten", AGO(300)},
	{"vor einer Stunde", AGO(3600)},
	{"Gerade eben", AGO(0)},
	{"il y a 5 minutes", AGO(300)},
	{"il y a une heure", AGO(3600)},
	{"À l'instant", AGO(0)},
	{"hace 5 minutos", AGO(300)},
	{"hace una hora", AGO(3600)},
	{"5 minuti fa", AGO(300)},
	{"un'ora fa", AGO(3600)},
	{"2 ore fa", AGO(7200)},
	{"5 minuten geleden", AGO(300)},
	{"een uur geleden", AGO(3600)},
	{"5 minut temu", AGO(300)},
	{"2 godziny temu", AGO(7200)},
	{"godzinę temu", AGO(3600)},
	{"przed chwilą", AGO(0)},
	{"5 минут назад", AGO(300)},
	{"час назад", AGO(3600)},
	{"2 дня назад", AGO(2 * 86400)},
	{"Только что", AGO(0)},
	{"5 apples ago", NONE},
};

static const struct dcase not_dates[] = {
	{"", NONE},
	{"   ", NONE},
	{"20:15", NONE},
	{"8:15 pm", NONE},
	{"at 20:15 Uhr", NONE},
	{"Aug 2008", NONE},
	{"hello world", NONE},
	{"2008", NONE},
	{"12345", NONE},
	{"32.08.2008 20:15", NONE},
	{"29.02.2007 20:15", NONE},
	{"26.08.2008 25:00", NONE},
	{"26.08.2008 20:61", NONE},
	{"13:15 pm 26.08.2008", NONE},
	{"0:15 am Today", NONE},
	{"Today Yesterday", NONE},
	{"Today 26.08.2008", NONE},
	{"26.08.2008 27.08.2008", NONE},
	{"26.08.2008 20:15 21:15", NONE},
	{"2008-08-26T20:15+25:00", NONE},
	{"08-26-2008 08:15 PM", BE}, /* the control: the same date does parse */
	{"26 Foo 2008", NONE},
	{"Aug 26:15", NONE},
	{"12345678901234567890", NONE},
	{"26.08.2008\xff 20:15", BE}, /* a stray byte is punctuation */
	{"\xd0", NONE},
	{"26 ao\xc3", NONE},
};

static void test_languages(void **state)
{
	CHECK("Europe/Berlin", NOW, 0, english);
	CHECK("Europe/Berlin", NOW, 0, german);
	CHECK("Europe/Berlin", NOW, 0, french);
	CHECK("Europe/Berlin", NOW, 0, spanish);
	CHECK("Europe/Berlin", NOW, 0, italian);
	CHECK("Europe/Berlin", NOW, 0, dutch);
	CHECK("Europe/Berlin", NOW, 0, polish);
	CHECK("Europe/Berlin", NOW, 0, russian);
}

/* An offset in the string wins over the board's zone. */
static void test_absolute(void **state)
{
	CHECK("Europe/Berlin", NOW, 0, absolute);
	CHECK("America/New_York", NOW, 0, absolute);
	CHECK(NULL, NOW, 0, absolute);
}

static void test_relative(void **state)
{
	CHECK("Europe/Berlin", NOW, 0, relative_berlin);
	CHECK("Europe/Berlin", NOW, 0, ago);
	CHECK("Europe/Berlin", NOW, 0, localized_packs);
	CHECK("Asia/Kolkata", NOW, 0, ago); /* the zone does not matter here */
}

static void test_not_dates(void **state)
{
	CHECK("Europe/Berlin", NOW, 0, not_dates);
	struct board_date_ctx bad = {"Europe/Atlantis", NOW, 0};
	int64_t out;
	assert_int_equal(board_date_parse("26.08.2008 20:15", &bad, &out), -1);
	bad.tz = "../../etc/passwd";
	assert_int_equal(board_date_parse("26.08.2008 20:15", &bad, &out), -1);
	/* but an explicit offset needs no zone */
	bad.tz = "Europe/Atlantis";
	assert_int_equal(board_date_parse("2008-08-26T18:15:00Z", &bad, &out), 0);
	assert_int_equal(out, utc_of(2008, 8, 26, 18, 15, 0));
	assert_int_equal(board_date_parse(NULL, &bad, &out), -1);
}

/* "Today" is the zone's calendar day: around midnight UTC and local
 * midnight disagree. */
static void test_today_across_midnight(void **state)
{
	int64_t now = utc_of(2008, 8, 26, 23, 30, 0); /* 01:30 on the 27th in Berlin */
	static const struct dcase berlin[] = {
		{"Today, 00:15", U(2008, 8, 26, 22, 15, 0)},
		{"Today, 23:59", U(2008, 8, 27, 21, 59, 0)},
		{"Yesterday, 23:59", U(2008, 8, 26, 21, 59, 0)},
		{"Heute", U(2008, 8, 26, 22, 0, 0)},
	};
	static const struct dcase utc[] = {
		{"Today, 00:15", U(2008, 8, 26, 0, 15, 0)},
		{"Yesterday, 23:59", U(2008, 8, 25, 23, 59, 0)},
	};
	CHECK("Europe/Berlin", now, 0, berlin);
	CHECK("UTC", now, 0, utc);
	CHECK(NULL, now, 0, utc);
	/* New York: 2008-08-27 03:30 UTC is still the 26th, 23:30 EDT */
	int64_t ny_now = utc_of(2008, 8, 27, 3, 30, 0);
	static const struct dcase ny[] = {
		{"Today, 11:00 PM", U(2008, 8, 27, 3, 0, 0)},
		{"Yesterday, 11:00 PM", U(2008, 8, 26, 3, 0, 0)},
		{"Tomorrow", NONE},
	};
	CHECK("America/New_York", ny_now, 0, ny);
	/* Chatham (+12:45/+13:45): the local day begins at 11:15 UTC */
	int64_t ch_now = utc_of(2008, 8, 26, 11, 20, 0); /* 00:05 on the 27th local */
	static const struct dcase chatham[] = {
		{"Today 00:00", U(2008, 8, 26, 11, 15, 0)},
		{"Yesterday 23:00", U(2008, 8, 26, 10, 15, 0)},
	};
	CHECK("Pacific/Chatham", ch_now, 0, chatham);
}

/* DST: the documented gap and overlap rules, and calendar-day steps. */
static void test_dst(void **state)
{
	static const struct dcase fixed[] = {
		{"30.03.2008, 02:30", U(2008, 3, 30, 1, 30, 0)}, /* gap: read as 03:30 CEST */
		{"30.03.2008, 01:59", U(2008, 3, 30, 0, 59, 0)},
		{"30.03.2008, 03:00", U(2008, 3, 30, 1, 0, 0)},
		{"26.10.2008, 02:30", U(2008, 10, 26, 0, 30, 0)}, /* twice: the earlier (CEST) */
		{"26.10.2008, 03:30", U(2008, 10, 26, 2, 30, 0)},
		{"Mar 30, 2008 2:30 AM", U(2008, 3, 30, 1, 30, 0)},
		{"30.03.2031, 02:30", U(2031, 3, 30, 1, 30, 0)}, /* far future: footer rule */
		{"26.10.2031, 02:30", U(2031, 10, 26, 0, 30, 0)},
	};
	CHECK("Europe/Berlin", NOW, 0, fixed);
	/* on the change day, Yesterday is the calendar day before, not now - 24 h */
	int64_t now = utc_of(2008, 3, 30, 12, 0, 0); /* 14:00 CEST */
	static const struct dcase change_day[] = {
		{"Today, 12:00", U(2008, 3, 30, 10, 0, 0)},
		{"Yesterday, 12:00", U(2008, 3, 29, 11, 0, 0)},
		{"Today, 01:00", U(2008, 3, 30, 0, 0, 0)},
		{"Today, 02:30", U(2008, 3, 30, 1, 30, 0)},
		{"Saturday at 12:00 PM", U(2008, 3, 29, 11, 0, 0)},
	};
	CHECK("Europe/Berlin", now, 0, change_day);
	static const struct dcase ny[] = {
		{"03-09-2008, 02:30 AM", U(2008, 3, 9, 7, 30, 0)},  /* gap */
		{"11-02-2008, 01:30 AM", U(2008, 11, 2, 5, 30, 0)}, /* twice: EDT */
		{"Nov 2, 2008 1:30 am", U(2008, 11, 2, 5, 30, 0)},
	};
	CHECK("America/New_York", NOW, 0, ny);
	static const struct dcase lord_howe[] = {
		{"05.10.2008 02:10", U(2008, 10, 4, 15, 40, 0)}, /* half-hour gap */
		{"05.04.2009 01:45", U(2009, 4, 4, 14, 45, 0)},  /* half-hour overlap */
	};
	CHECK("Australia/Lord_Howe", NOW, 0, lord_howe);
}

static void test_numeric_order(void **state)
{
	static const struct dcase guess[] = {
		{"05-06-2008, 08:15 PM", U(2008, 5, 6, 18, 15, 0)}, /* 12-hour clock: US */
		{"05-06-2008, 20:15", U(2008, 6, 5, 18, 15, 0)},
		{"05.06.2008, 08:15 PM", U(2008, 6, 5, 18, 15, 0)}, /* dots: never US */
		{"13-06-2008 20:15", U(2008, 6, 13, 18, 15, 0)},
		{"06-13-2008 20:15", U(2008, 6, 13, 18, 15, 0)},
		{"Tue 05/06/2008 20:15", U(2008, 5, 6, 18, 15, 0)}, /* 2008-05-06 was a Tuesday */
		{"Thu 05/06/2008 08:15 PM", U(2008, 6, 5, 18, 15, 0)},
		{"08-26-08, 08:15 PM", BE},
	};
	static const struct dcase mdy[] = {
		{"05-06-2008, 20:15", U(2008, 5, 6, 18, 15, 0)},
		{"05.06.2008, 20:15", U(2008, 5, 6, 18, 15, 0)},
		{"26.08.2008, 20:15", NONE},
		{"2008-08-26 20:15", BE},
	};
	static const struct dcase dmy[] = {
		{"05-06-2008, 08:15 PM", U(2008, 6, 5, 18, 15, 0)},
		{"08-26-2008, 08:15 PM", NONE},
		{"2008-08-26 20:15", BE},
	};
	static const struct dcase ymd[] = {
		{"08-08-26 20:15", BE},
		{"2008-08-26 20:15", BE},
	};
	CHECK("Europe/Berlin", NOW, BOARD_DATE_GUESS, guess);
	CHECK("Europe/Berlin", NOW, BOARD_DATE_MDY, mdy);
	CHECK("Europe/Berlin", NOW, BOARD_DATE_DMY, dmy);
	CHECK("Europe/Berlin", NOW, BOARD_DATE_YMD, ymd);
}

/* The process's TZ plays no part. */
static void test_ignores_tz(void **state)
{
	setenv("TZ", "Asia/Tokyo", 1);
	tzset();
	CHECK("Europe/Berlin", NOW, 0, german);
	CHECK("Europe/Berlin", NOW, 0, relative_berlin);
	unsetenv("TZ");
	tzset();
}

/* Long and hostile inputs are refused quickly. */
static void test_hostile(void **state)
{
	struct board_date_ctx ctx = {"Europe/Berlin", NOW, 0};
	int64_t out;
	struct buf b = BUF_INIT;

	for (int i = 0; i < 100; i++)
		buf_adds(&b, "1 ");
	assert_int_equal(board_date_parse(b.p, &ctx, &out), -1); /* too many tokens */
	buf_reset(&b);
	for (int i = 0; i < 2000; i++)
		buf_addc(&b, ' ');
	buf_adds(&b, "26.08.2008 20:15");
	assert_int_equal(board_date_parse(b.p, &ctx, &out), -1); /* over 1024 bytes */
	buf_reset(&b);
	for (int i = 0; i < 100; i++)
		buf_adds(&b, "\xd0\x90");
	assert_int_equal(board_date_parse(b.p, &ctx, &out), -1); /* one over-long word */
	buf_reset(&b);
	buf_adds(&b, "999999 minutes ago");
	assert_int_equal(board_date_parse(b.p, &ctx, &out), 0);
	buf_reset(&b);
	buf_adds(&b, "9999999 weeks ago");
	assert_int_equal(board_date_parse(b.p, &ctx, &out), -1);
	buf_free(&b);
	ctx.now = INT64_MAX;
	assert_int_equal(board_date_parse("Today 20:15", &ctx, &out), -1);
}

/* Every prefix of every table string, in a buffer of exactly its size. */
static void truncate_all(const struct dcase *c, size_t n)
{
	struct board_date_ctx ctx = {"Europe/Berlin", NOW, 0};
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(c[i].s);
		for (size_t k = 0; k <= len; k++) {
			char *p = xmalloc(k + 1);
			memcpy(p, c[i].s, k);
			p[k] = '\0';
			int64_t out;
			board_date_parse(p, &ctx, &out);
			free(p);
		}
	}
}

#define TRUNCATE(table) truncate_all(table, sizeof table / sizeof table[0])

static void test_truncations(void **state)
{
	TRUNCATE(english);
	TRUNCATE(absolute);
	TRUNCATE(german);
	TRUNCATE(french);
	TRUNCATE(spanish);
	TRUNCATE(italian);
	TRUNCATE(dutch);
	TRUNCATE(polish);
	TRUNCATE(russian);
	TRUNCATE(relative_berlin);
	TRUNCATE(ago);
	TRUNCATE(localized_packs);
	TRUNCATE(not_dates);
}

struct worker {
	const char *tz;
	const char *s;
	int64_t want;
	int bad;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct board_date_ctx ctx = {w->tz, NOW, 0};
	for (int i = 0; i < 20000; i++) {
		int64_t out;
		if (board_date_parse(w->s, &ctx, &out) != 0 || out != w->want)
			w->bad++;
	}
	return NULL;
}

/* Threads with different zones at once get each their own answer. */
static void test_threads(void **state)
{
	struct worker w[] = {
		{"Europe/Berlin", "26.08.2008, 20:15", utc_of(2008, 8, 26, 18, 15, 0), 0},
		{"America/New_York", "08-26-2008, 08:15 PM", utc_of(2008, 8, 27, 0, 15, 0), 0},
		{"Asia/Kolkata", "26 Aug 2008, 20:15", utc_of(2008, 8, 26, 14, 45, 0), 0},
		{"Australia/Lord_Howe", "Yesterday 20:15", utc_of(2008, 8, 26, 9, 45, 0), 0},
	};
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].bad, 0);
	}
}

/* A rough speed figure for the report; fails only if absurdly slow. */
static void test_speed(void **state)
{
	struct board_date_ctx ctx = {"Europe/Berlin", NOW, 0};
	static const char *const s[] = {"Tue Aug 26, 2008 8:15 pm", "26 августа 2008 г., 20:15",
					"Yesterday, 08:15 PM", "26.08.2008, 20:15"};
	struct timespec a, b;
	int64_t out;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < 200000; i++)
		board_date_parse(s[i & 3], &ctx, &out);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("board_date: %.0f parses/s\n", 200000 / secs);
	assert_true(secs < 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_languages),
		cmocka_unit_test(test_absolute),
		cmocka_unit_test(test_relative),
		cmocka_unit_test(test_not_dates),
		cmocka_unit_test(test_today_across_midnight),
		cmocka_unit_test(test_dst),
		cmocka_unit_test(test_numeric_order),
		cmocka_unit_test(test_ignores_tz),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_speed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
