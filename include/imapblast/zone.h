/*
 * zone.h: a time zone, read once from a TZif file (RFC 8536) under
 * /usr/share/zoneinfo, that converts between UTC and local civil time
 * without the C library's process-wide TZ. A zone is immutable after
 * ib_zone_load: any number of files and threads may share it (a file's
 * struct ib_time_policy points at one).
 *
 * Instants after the file's last transition follow its POSIX TZ footer
 * ("CET-1CEST,M3.5.0,M10.5.0/3"), so DST stays right past 2037. Leap
 * seconds ("right/" zones) are ignored.
 */
#ifndef IMAPBLAST_ZONE_H
#define IMAPBLAST_ZONE_H

#include "common.h"

#define IB_ZONEINFO_DIR "/usr/share/zoneinfo"

struct ib_zone;

/*
 * Load zone name ("Europe/Zurich") from IB_ZONEINFO_DIR. "UTC" and
 * names that climb out of the directory ("/x", "..") are not loaded
 * here: the caller treats "UTC" as no zone (NULL). Returns IB_OK with
 * *out owned by the caller (ib_zone_free), IB_ERR_USAGE with
 * "unknown time zone 'NAME'" when there is no such zone or its file is
 * not TZif, or IB_ERR_NOMEM.
 */
int ib_zone_load(struct ib_zone **out, const char *name, struct ib_error *err);

/* Free z; NULL is fine. */
void ib_zone_free(struct ib_zone *z);

/* The zone's name as given to ib_zone_load. */
const char *ib_zone_name(const struct ib_zone *z);

/* Offset of local time from UTC, in seconds, at the UTC instant utc_s. */
int32_t ib_zone_offset_utc(const struct ib_zone *z, int64_t utc_s);

/*
 * Offset of local time from UTC, in seconds, for the local wall-clock
 * time local_s (seconds since 1970-01-01T00:00 read as if it were UTC),
 * so that UTC = local_s - offset. A wall time that occurs twice (the
 * hour after a fall-back) takes the earlier instant, the offset in force
 * before the change; one that does not occur (inside a spring-forward
 * gap) takes the standard-time offset, so it lands after the change.
 * Both as glibc's mktime(tm_isdst = -1) after a call on the hour before,
 * checked on every zone for 1970-2060.
 */
int32_t ib_zone_offset_local(const struct ib_zone *z, int64_t local_s);

#endif
