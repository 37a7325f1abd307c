/*
 * zone: see include/forumgate/zone.h. Whether TZ already names the zone is
 * read from the environment itself (so a TZ changed behind our back is
 * noticed); whether the zone file exists is remembered for the last name
 * checked. Selecting the zone TZ already has costs a getenv() and a string
 * comparison.
 */
#include "forumgate/zone.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "forumgate/buf.h"

static char *checked;  /* the last zone name looked up, NULL before the first */
static int checked_ok; /* its file exists */

/* IANA zone names only: no POSIX TZ rules, no paths outside the zone
 * directory, and the zone file must exist (glibc silently uses UTC for an
 * unknown zone). */
static int zone_exists(const char *tz)
{
	const char *dir = getenv("TZDIR");
	struct stat st;

	if (*tz == '\0' || *tz == '/' || strlen(tz) > 200 || strstr(tz, ".."))
		return 0;
	for (const char *q = tz; *q; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
		      (*q >= '0' && *q <= '9') || strchr("/_+-", *q)))
			return 0;
	char *path = xasprintf("%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", tz);
	int ok = stat(path, &st) == 0 && S_ISREG(st.st_mode);
	free(path);
	return ok;
}

int zone_use(const char *tz)
{
	if (checked == NULL || strcmp(checked, tz) != 0) {
		free(checked);
		checked = xstrdup(tz);
		checked_ok = zone_exists(tz);
	}
	const char *now = getenv("TZ");
	if (now == NULL || strcmp(now, tz) != 0) {
		setenv("TZ", tz, 1);
		tzset();
	}
	return checked_ok ? 0 : -1;
}
