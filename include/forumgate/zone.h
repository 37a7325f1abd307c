/*
 * zone: the process-wide time zone behind every conversion between a
 * forum's wall-clock times and UTC (reading forum dates, writing Date:
 * headers). glibc has no per-call zone API, so a zone is selected by
 * setting TZ. zone_use() switches only when the zone changes and leaves TZ
 * on the last zone used: tzset() reads the zone file on every change, and
 * switching there and back for each post cost a fifth of rendering an
 * article. Nothing else in forumgate reads local time. Not thread-safe:
 * the roles that convert zones (sync, import) are single-threaded.
 */
#ifndef FORUMGATE_ZONE_H
#define FORUMGATE_ZONE_H

/* Makes tz (an IANA name such as "Europe/Berlin") the zone of localtime_r()
 * and mktime(). Returns 0, or -1 when tz is not a zone of the system's
 * database; TZ is set anyway, and glibc then reads times as UTC. */
int zone_use(const char *tz);

#endif
