/*
 * timeutil.h: civil time arithmetic, the time policy of a file, and the
 * timestamp tokenizers every parser shares.
 *
 * Policy (DESIGN.md section 3) is passed in, never guessed in a parser:
 * - zoneless local times are read in the policy's zone, a struct ib_zone
 *   (zone.h) loaded once for --tz and shared, DST-correct; no zone means
 *   UTC. Nothing here reads or sets the process's TZ;
 * - yearless syslog dates take policy->year, else the year of the
 *   reference time (the file's mtime); a date that lands more than one
 *   day after the reference belongs to the year before.
 */
#ifndef IMAPBLAST_TIMEUTIL_H
#define IMAPBLAST_TIMEUTIL_H

#include "civil.h"
#include "common.h"

struct ib_zone;

struct ib_time_policy {
	const struct ib_zone *zone; /* zone of zoneless times; NULL: UTC (no --tz, or --tz UTC) */
	int year;		    /* forced year, or 0 */
	int date_order;		    /* day/month order of numeric dates: 0 from the data, 1 mdy, 2 dmy */
	int64_t ref_ms;		    /* reference instant (file mtime), UTC ms */
	/* one-entry cache of the local hour -> UTC offset; filled lazily */
	int64_t cache_key;		  /* local (days*24 + hour), or IB_TIME_NONE */
	const struct ib_zone *cache_zone; /* the zone cache_off_ms was read in */
	int64_t cache_off_ms;
	/* the last RFC 3164 stamp read and its instant: syslog lines come in
	 * time order, many to the second, so most stamps repeat the last one */
	char last_stamp[32];
	size_t last_len; /* 0 = none */
	int64_t last_ms;
	/*
	 * The second of the last ISO 8601 and nginx stamps read: their first
	 * 19 bytes ("YYYY-MM-DDTHH:MM:SS", "YYYY/MM/DD HH:MM:SS") and the
	 * instant of that second, to which the fraction (and the zone) of a
	 * stamp with the same 19 bytes are added. iso_kind 0: none, 1: the
	 * stamp had a zone (sec_ms is the second read as UTC), 2: it had none
	 * (sec_ms is the second in the policy's zone). *_zone: p->zone then.
	 */
	char iso_sec[19], ngx_sec[19];
	int iso_kind, ngx_have;
	const struct ib_zone *iso_zone, *ngx_zone;
	int64_t iso_sec_ms, ngx_sec_ms;
};

/*
 * Set up a policy: zone for zoneless times (NULL: UTC; the policy only
 * points at it, so it must outlive the policy), the forced year or 0, and
 * the reference instant (the file's mtime, UTC ms).
 */
void ib_time_policy_init(struct ib_time_policy *p, const struct ib_zone *zone, int year, int64_t ref_ms);

/*
 * UTC ms of a civil time given in the policy's zone (UTC when !p->zone).
 * A wall time that a DST change skips or repeats is read as ib_zone.h's
 * ib_zone_offset_local says, with the offset at the start of its hour.
 * ms is the millisecond part. Returns IB_TIME_NONE for an invalid date.
 */
int64_t ib_time_local(struct ib_time_policy *p, int y, unsigned mon, unsigned d, unsigned h, unsigned mi,
		      unsigned s, unsigned ms);
/* UTC ms of a civil time that is already UTC. IB_TIME_NONE if invalid. */
int64_t ib_time_utc(int y, unsigned mon, unsigned d, unsigned h, unsigned mi, unsigned s, unsigned ms);

/* Year to use for a yearless date (month, day, time), per the policy. */
int ib_time_guess_year(const struct ib_time_policy *p, unsigned mon, unsigned d, unsigned h, unsigned mi,
		       unsigned s);

/* Month from "Jan".."Dec" (case-insensitive, 3 bytes at p); 1..12 or 0. */
unsigned ib_month_from_abbr(const char *p);

/*
 * Timestamp tokenizers. Each reads a timestamp at the start of *s and, on
 * success, returns 0, stores UTC ms in *out and advances *s past the
 * timestamp AND any spaces after it. On failure returns -1 and leaves *s.
 */
/* "Jun 13 16:30:54", "Mar  8 05:25:21", "Jan 4 21:51:05" (yearless, local). */
int ib_ts_rfc3164(struct ib_str *s, struct ib_time_policy *p, int64_t *out);
/*
 * ISO 8601 / RFC 3339: "2015-12-22T00:05:46.534634-05:00",
 * "2026-01-14T09:01:02.123Z", "2013-08-11 03:56:40" (space instead of T;
 * optional ",mmm" or ".ffffff"). No offset means local (policy zone).
 */
int ib_ts_iso(struct ib_str *s, struct ib_time_policy *p, int64_t *out);
/* TAI64N label "@4000000052d5a0a82c0ea2c4" (UTC, leap seconds ignored: -10 s). */
int ib_ts_tai64n(struct ib_str *s, int64_t *out);
/* nginx "2022/03/02 06:04:23" (local). */
int ib_ts_nginx(struct ib_str *s, struct ib_time_policy *p, int64_t *out);
/* Apache/HAProxy/Roundcube "06/Feb/2009:12:12:51.443" and "22-Jan-2013 22:28:21 +0200". */
int ib_ts_clf(struct ib_str *s, struct ib_time_policy *p, int64_t *out);
/* Any of the above that fits, in a fixed order. Used by client parsers for ts(1) prefixes. */
int ib_ts_any(struct ib_str *s, struct ib_time_policy *p, int64_t *out);

/* Write "2026-01-14T09:01:02Z" (seconds precision, UTC) into buf (>= 21 bytes). */
void ib_time_format(int64_t ms, char *buf, size_t size);

#endif
