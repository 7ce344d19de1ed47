/*
 * check_timeutil.c: civil-time arithmetic, DST in Europe/Zurich, the
 * yearless-date policy (year rollover), invalid dates, and every
 * timestamp tokenizer form. Local times are read in the policy's zone,
 * Europe/Zurich (ZRH); main() sets the process's TZ to another zone to
 * show that nothing reads it.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imapblast/timeutil.h"
#include "imapblast/zone.h"
#include "testutil.h"

#define S(x) ((int64_t)(x)*1000)
#define ZRH ib_test_zone("Europe/Zurich")

/* ---- civil arithmetic ---- */

static const struct {
	int y;
	unsigned m, d;
	int64_t days;
} civil[] = {
    {1970, 1, 1, 0},	  {1969, 12, 31, -1},	{2000, 2, 29, 11016},
    {2000, 3, 1, 11017},  {2038, 1, 19, 24855}, {2106, 2, 7, 49710},
    {1900, 3, 1, -25508}, {2026, 1, 14, 20467}, {9999, 12, 31, 2932896},
};

START_TEST(test_civil)
{
	int y;
	unsigned m, d;

	ck_assert_int_eq(ib_days_from_civil(civil[_i].y, civil[_i].m, civil[_i].d), civil[_i].days);
	ib_civil_from_days(civil[_i].days, &y, &m, &d);
	ck_assert_int_eq(y, civil[_i].y);
	ck_assert_uint_eq(m, civil[_i].m);
	ck_assert_uint_eq(d, civil[_i].d);
}
END_TEST

START_TEST(test_date_valid)
{
	ck_assert(ib_date_valid(2024, 2, 29));
	ck_assert(!ib_date_valid(2023, 2, 29));
	ck_assert(!ib_date_valid(2024, 2, 30));
	ck_assert(!ib_date_valid(1900, 2, 29));
	ck_assert(ib_date_valid(2000, 2, 29));
	ck_assert(!ib_date_valid(2026, 4, 31));
	ck_assert(!ib_date_valid(2026, 13, 1));
	ck_assert(!ib_date_valid(2026, 0, 1));
	ck_assert(!ib_date_valid(2026, 1, 0));
	ck_assert(ib_time_utc(2026, 2, 30, 0, 0, 0, 0) == IB_TIME_NONE);
	ck_assert(ib_time_utc(2026, 1, 1, 24, 0, 0, 0) == IB_TIME_NONE);
	ck_assert(ib_time_utc(2026, 1, 1, 0, 60, 0, 0) == IB_TIME_NONE);
	ck_assert(ib_time_utc(1970, 1, 1, 0, 0, 0, 0) == 0);
	ck_assert(ib_time_utc(2038, 1, 19, 3, 14, 8, 0) == S(INT64_C(2147483648)));
	ck_assert(ib_time_utc(2106, 2, 7, 6, 28, 16, 0) == S(INT64_C(4294967296)));
}
END_TEST

START_TEST(test_month)
{
	ck_assert_uint_eq(ib_month_from_abbr("Jan"), 1);
	ck_assert_uint_eq(ib_month_from_abbr("dec"), 12);
	ck_assert_uint_eq(ib_month_from_abbr("SEP"), 9);
	ck_assert_uint_eq(ib_month_from_abbr("Jux"), 0);
	ck_assert_uint_eq(ib_month_from_abbr("123"), 0);
}
END_TEST

/* ---- local time in Europe/Zurich ---- */

static const struct {
	int y;
	unsigned m, d, h, mi, s;
	int64_t want; /* UTC seconds */
} zurich[] = {
    {2026, 1, 14, 10, 0, 0, 1768381200},  /* CET, +1 */
    {2026, 7, 1, 10, 0, 0, 1782892800},	  /* CEST, +2 */
    {2026, 3, 29, 1, 59, 59, 1774745999}, /* last second of CET */
    {2026, 3, 29, 3, 0, 0, 1774746000},	  /* first of CEST */
    {2026, 10, 25, 1, 59, 0, 1792886340}, /* CEST, before the fall back */
    {2026, 10, 25, 3, 0, 0, 1792893600},  /* CET again */
    {1970, 1, 1, 1, 0, 0, 0},
    {2040, 7, 1, 12, 0, 0, 2224749600},	 /* past 2038, DST rules still apply */
    {2005, 8, 14, 12, 0, 0, 1124013600}, /* fail2ban's test clock */
};

START_TEST(test_zurich)
{
	struct ib_time_policy p;
	int64_t t;

	ib_time_policy_init(&p, ZRH, 0, 0);
	t = ib_time_local(&p, zurich[_i].y, zurich[_i].m, zurich[_i].d, zurich[_i].h, zurich[_i].mi,
			  zurich[_i].s, 250);
	ck_assert_int_eq(t, S(zurich[_i].want) + 250);
	/* the cached hour gives the same answer the second time */
	t = ib_time_local(&p, zurich[_i].y, zurich[_i].m, zurich[_i].d, zurich[_i].h, zurich[_i].mi,
			  zurich[_i].s, 0);
	ck_assert_int_eq(t, S(zurich[_i].want));
}
END_TEST

START_TEST(test_dst_cache_sequence)
{
	struct ib_time_policy p;

	/* one policy walking across the spring-forward: the cache must follow */
	ib_time_policy_init(&p, ZRH, 0, 0);
	ck_assert_int_eq(ib_time_local(&p, 2026, 3, 29, 1, 30, 0, 0), S(1774744200));
	ck_assert_int_eq(ib_time_local(&p, 2026, 3, 29, 1, 45, 0, 0), S(1774745100));
	ck_assert_int_eq(ib_time_local(&p, 2026, 3, 29, 3, 15, 0, 0), S(1774746900));
	ck_assert_int_eq(ib_time_local(&p, 2026, 3, 29, 1, 30, 0, 0), S(1774744200));
	/* UTC policy: no zone at all */
	ib_time_policy_init(&p, NULL, 0, 0);
	ck_assert_int_eq(ib_time_local(&p, 2026, 7, 1, 10, 0, 0, 0), S(1782900000));
	ck_assert(ib_time_local(&p, 2026, 2, 30, 10, 0, 0, 0) == IB_TIME_NONE);
	ib_time_policy_init(&p, ZRH, 0, 0);
	ck_assert(ib_time_local(&p, 2025, 2, 29, 10, 0, 0, 0) == IB_TIME_NONE);
}
END_TEST

/* ---- yearless dates ---- */

START_TEST(test_year_rollover)
{
	struct ib_time_policy p;
	struct ib_str s;
	int64_t t;
	/* file written 2026-01-01 00:15 local (Zurich) */
	int64_t ref = S(1767222900);

	ib_time_policy_init(&p, ZRH, 0, ref);
	ck_assert_int_eq(ib_time_guess_year(&p, 12, 31, 23, 50, 0), 2025);
	ck_assert_int_eq(ib_time_guess_year(&p, 1, 1, 0, 10, 0), 2026);
	ck_assert_int_eq(ib_time_guess_year(&p, 1, 2, 0, 10, 0), 2026); /* within a day after */
	ck_assert_int_eq(ib_time_guess_year(&p, 1, 3, 0, 10, 0), 2025);
	s = IB_STR_LIT("Dec 31 23:50:00 host x: y");
	ck_assert_int_eq(ib_ts_rfc3164(&s, &p, &t), 0);
	ck_assert_int_eq(t, S(1767221400)); /* 2025-12-31T22:50:00Z */
	s = IB_STR_LIT("Jan  1 00:10:00 host x: y");
	ck_assert_int_eq(ib_ts_rfc3164(&s, &p, &t), 0);
	ck_assert_int_eq(t, S(1767222600)); /* 2025-12-31T23:10:00Z, i.e. 2026 local */
	/* a forced year wins */
	ib_time_policy_init(&p, NULL, 2019, ref);
	ck_assert_int_eq(ib_time_guess_year(&p, 12, 31, 23, 50, 0), 2019);
	/* Feb 29 with a common reference year: the leap year before */
	ib_time_policy_init(&p, NULL, 0, S(1772323200)); /* 2026-03-01 */
	ck_assert_int_eq(ib_time_guess_year(&p, 2, 29, 12, 0, 0), 2024);
}
END_TEST

/* ---- tokenizers ---- */

enum form { F_3164, F_ISO, F_TAI, F_NGINX, F_CLF, F_ANY };

static const struct {
	enum form form;
	int utc;
	int year;
	const char *in;
	int rc;
	int64_t want_ms;
	const char *rest;
} ts[] = {
    {F_3164, 1, 2026, "Mar  8 05:25:21 host", 0, S(1772947521), "host"},
    {F_3164, 1, 2026, "Jan 4 21:51:05 hostname cyrus", 0, S(1767563465), "hostname cyrus"},
    {F_3164, 1, 2026, "Jun 13 16:30:54\tplatypus", 0, S(1781368254), "platypus"},
    {F_3164, 1, 2026, "Jun 13 16:30:54.125 x", 0, S(1781368254) + 125, "x"},
    {F_3164, 0, 2026, "Jun 13 16:30:54 x", 0, S(1781361054), "x"},
    {F_3164, 1, 2026, "Feb 29 00:00:00 x", -1, 0, NULL},
    {F_3164, 1, 2026, "Feb 30 00:00:00 x", -1, 0, NULL},
    {F_3164, 1, 2026, "Foo 13 16:30:54 x", -1, 0, NULL},
    {F_3164, 1, 2026, "Jun 13 16:30", -1, 0, NULL},
    {F_3164, 1, 2026, "Jun 13 25:30:54 x", -1, 0, NULL},
    {F_ISO, 1, 0, "2015-12-22T00:05:46.534634-05:00 imap30", 0, S(1450760746) + 534, "imap30"},
    {F_ISO, 1, 0, "2026-01-14T09:01:02.123Z host", 0, S(1768381262) + 123, "host"},
    {F_ISO, 0, 0, "2013-08-11 03:56:40 auth-worker(default):", 0, S(1376186200), "auth-worker(default):"},
    {F_ISO, 1, 0, "2015-12-05 18:47:36,435 INFO", 0, S(1449341256) + 435, "INFO"},
    {F_ISO, 1, 0, "2026-01-14T09:00:00+0130 x", 0, S(1768375800), "x"},
    {F_ISO, 1, 0, "2024-01-02 03:04:05.123456 UTC - [x]", 0, S(1704164645) + 123, "- [x]"},
    {F_ISO, 0, 0, "1970-01-01T00:00:00Z", 0, 0, ""},
    {F_ISO, 1, 0, "2040-02-29T12:00:00Z x", 0, S(2214129600), "x"},
    {F_ISO, 1, 0, "2026-02-30T12:00:00Z x", -1, 0, NULL},
    {F_ISO, 1, 0, "2026-01-14X09:00:00Z", -1, 0, NULL},
    {F_ISO, 1, 0, "2026-01-14", -1, 0, NULL},
    {F_TAI, 1, 0, "@400000004c91b044077a9e94 imap-login: x", 0, S(1284616250) + 125, "imap-login: x"},
    {F_TAI, 1, 0, "@4000000052d5a0a82c0ea2c4 x", 0, S(1389731998) + 739, "x"},
    {F_TAI, 1, 0, "@400000004c91b044077a9e9 x", -1, 0, NULL},
    {F_TAI, 1, 0, "@000000004c91b044077a9e94 x", -1, 0, NULL},
    {F_TAI, 1, 0, "@40000000zc91b044077a9e94 x", -1, 0, NULL},
    {F_NGINX, 1, 0, "2022/03/02 06:04:23 [info] 13#13:", 0, S(1646201063), "[info] 13#13:"},
    {F_NGINX, 0, 0, "2022/03/02 06:04:23 [info]", 0, S(1646197463), "[info]"},
    {F_NGINX, 1, 0, "2022/02/30 06:04:23 [info]", -1, 0, NULL},
    {F_CLF, 1, 0, "06/Feb/2009:12:12:51.443] x", 0, S(1233922371) + 443, "] x"},
    {F_CLF, 1, 0, "22-Jan-2013 22:28:21 +0200]", 0, S(1358886501), "]"},
    {F_CLF, 1, 0, "10/Oct/2000:13:55:36 -0700 \"GET", 0, S(971211336), "\"GET"},
    {F_CLF, 1, 0, "31/Feb/2009:12:12:51", -1, 0, NULL},
    {F_ANY, 1, 2026, "Mar  8 05:25:21 host", 0, S(1772947521), "host"},
    {F_ANY, 1, 0, "2026-01-14T09:01:02Z x", 0, S(1768381262), "x"},
    {F_ANY, 1, 0, "2022/03/02 06:04:23 x", 0, S(1646201063), "x"},
    {F_ANY, 1, 0, "22-Jan-2013 22:28:21 +0200 x", 0, S(1358886501), "x"},
    {F_ANY, 1, 0, "@400000004c91b044077a9e94 x", 0, S(1284616250) + 125, "x"},
    {F_ANY, 1, 0, "", -1, 0, NULL},
    {F_ANY, 1, 0, "hello world", -1, 0, NULL},
};

START_TEST(test_ts)
{
	struct ib_time_policy p;
	struct ib_str s = ib_str_from(ts[_i].in), before = s;
	int64_t t = 0;
	int rc = -2;

	ib_time_policy_init(&p, ts[_i].utc ? NULL : ZRH, ts[_i].year, S(1781000000));
	switch (ts[_i].form) {
	case F_3164:
		rc = ib_ts_rfc3164(&s, &p, &t);
		break;
	case F_ISO:
		rc = ib_ts_iso(&s, &p, &t);
		break;
	case F_TAI:
		rc = ib_ts_tai64n(&s, &t);
		break;
	case F_NGINX:
		rc = ib_ts_nginx(&s, &p, &t);
		break;
	case F_CLF:
		rc = ib_ts_clf(&s, &p, &t);
		break;
	case F_ANY:
		rc = ib_ts_any(&s, &p, &t);
		break;
	}
	ck_assert_msg(rc == ts[_i].rc, "'%s': rc %d", ts[_i].in, rc);
	if (rc < 0) {
		ck_assert(s.ptr == before.ptr && s.len == before.len);
		return;
	}
	ck_assert_msg(t == ts[_i].want_ms, "'%s': got %lld want %lld", ts[_i].in, (long long)t,
		      (long long)ts[_i].want_ms);
	ck_assert_msg(s.len == strlen(ts[_i].rest) && !memcmp(s.ptr, ts[_i].rest, s.len), "'%s': rest '%.*s'",
		      ts[_i].in, (int)s.len, s.ptr);
}
END_TEST

/*
 * The second caches of ib_ts_iso and ib_ts_nginx: a run of stamps through
 * one policy gives what a fresh policy gives for each (result, instant and
 * rest), with the policy zone local (Zurich, across both DST changes) and
 * UTC, and a policy whose utc flag changes between two equal stamps.
 */
static const char *const seq[] = {
    "2025-10-26T02:30:00 x",
    "2025-10-26T02:30:00.5 x",
    "2025-10-26T02:30:00Z x",
    "2025-10-26T02:30:00.123Z x",
    "2025-10-26T02:30:00.124Z",
    "2025-10-26T02:30:00.999z7",
    "2025-10-26T02:30:00.12Z",
    "2025-10-26T02:30:00.1234Z",
    "2025-10-26T02:30:00.12aZ",
    "2025-10-26T02:30:00+01:00 x",
    "2025-10-26T02:30:00+0100 x",
    "2025-10-26T02:30:00+01 x",
    "2025-10-26T02:30:00+01:3 x",
    "2025-10-26T02:30:00 UTC x",
    "2025-10-26T02:30:00 UTCx",
    "2025-10-26T02:30:00 UTC",
    "2025-10-26T02:30:00.999-05:00",
    "2025-10-26T02:30:00,12Z",
    "2025-10-26T02:30:00.",
    "2025-10-26T02:30:00.x",
    "2025-10-26 02:30:00 x",
    "2025-10-26T02:30:00",
    "2026-03-29T02:30:00 x",
    "2026-03-29T02:30:00.250 x",
    "2026-03-29T03:00:00 x",
    "2026-03-29T03:00:00z",
    "2025-02-30T10:00:00 x",
    "2025-02-30T10:00:00Z x",
    "2025-02-28T10:00:00Z x",
    "2025-02-28T10:00:00 x",
    "2025/10/26 02:30:00 x",
    "2025/10/26 02:30:00.5 x",
    "2025/10/26 02:30:00,25",
    "2025/10/26 02:30:00",
    "2025/10/26 02:30:00. x",
    "2026/03/29 02:30:00 x",
    "2025/02/30 10:00:00 x",
    "2025/02/28 10:00:00 x",
    "2025-02-28T10:00:00+01:00 x",
    "2025/10/26 02:30:0",
    "2025-10-26T02:30:0",
    "2025-10-26T02:30:00.123456789 x",
};

static int parse_as(int form, struct ib_str *s, struct ib_time_policy *p, int64_t *t)
{
	if (form == 0)
		return ib_ts_iso(s, p, t);
	if (form == 1)
		return ib_ts_nginx(s, p, t);
	return ib_ts_any(s, p, t);
}

START_TEST(test_second_cache)
{
	int utc = _i & 1, form = _i >> 1;
	struct ib_time_policy kept;

	ib_time_policy_init(&kept, utc ? NULL : ZRH, 0, 0);
	for (int pass = 0; pass < 3; pass++) {
		for (size_t k = 0; k < sizeof(seq) / sizeof(seq[0]); k++) {
			/* each stamp twice in a row, then once more under the other
			 * utc flag, then the next: hits and misses */
			for (int rep = 0; rep < 3; rep++) {
				struct ib_time_policy fresh;
				struct ib_str a = ib_str_from(seq[k]), b = a;
				int64_t ta = -1, tb = -1;
				int ra, rb;

				if (rep == 2)
					kept.zone = kept.zone ? NULL : ZRH;
				ib_time_policy_init(&fresh, kept.zone, 0, 0);
				ra = parse_as(form, &a, &kept, &ta);
				rb = parse_as(form, &b, &fresh, &tb);
				ck_assert_msg(ra == rb && ta == tb && a.ptr == b.ptr && a.len == b.len,
					      "form %d utc %d '%s': %d %lld vs %d %lld", form, !kept.zone,
					      seq[k], ra, (long long)ta, rb, (long long)tb);
				if (rep == 2)
					kept.zone = kept.zone ? NULL : ZRH;
			}
		}
		kept.zone = kept.zone ? NULL : ZRH; /* the cache keys on the zone too */
	}
}
END_TEST

START_TEST(test_format)
{
	char buf[32];

	ib_time_format(0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1970-01-01T00:00:00Z");
	ib_time_format(-1, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1969-12-31T23:59:59Z");
	ib_time_format(S(INT64_C(2147483648)) + 999, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2038-01-19T03:14:08Z");
	ib_time_format(S(1768381262) + 123, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2026-01-14T09:01:02Z");
	ib_time_format(IB_TIME_NONE, buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
	ib_time_format(0, buf, 5);
	ck_assert_str_eq(buf, "1970");
	/* the edges of the fast path (years 0..9999) and past them */
	ib_time_format(S(INT64_C(-62167219200)), buf, sizeof(buf));
	ck_assert_str_eq(buf, "0000-01-01T00:00:00Z");
	ib_time_format(S(INT64_C(253402300799)), buf, sizeof(buf));
	ck_assert_str_eq(buf, "9999-12-31T23:59:59Z");
	ib_time_format(S(INT64_C(253402300800)), buf, sizeof(buf));
	ck_assert_str_eq(buf, "10000-01-01T00:00:00Z");
	ib_time_format(S(INT64_C(-62167219201)), buf, sizeof(buf));
	ck_assert_str_eq(buf, "-001-12-31T23:59:59Z");
	ib_time_format(S(1768381262), buf, 21);
	ck_assert_str_eq(buf, "2026-01-14T09:01:02Z");
	ib_time_format(S(1768381262), buf, 20);
	ck_assert_str_eq(buf, "2026-01-14T09:01:02");
}
END_TEST

/* ---- zones (zone.h) ---- */

static const struct {
	const char *zone;
	int y;
	unsigned m, d, h;
	int32_t want; /* offset in seconds for that local wall time */
} zcase[] = {
    {"Europe/Zurich", 2026, 3, 29, 1, 3600},	    /* CET */
    {"Europe/Zurich", 2026, 3, 29, 2, 3600},	    /* the gap: standard time, lands at 03:xx CEST */
    {"Europe/Zurich", 2026, 3, 29, 3, 7200},	    /* CEST */
    {"Europe/Zurich", 2026, 10, 25, 2, 7200},	    /* twice: the earlier, CEST */
    {"Europe/Zurich", 2026, 10, 25, 3, 3600},	    /* CET */
    {"Europe/Zurich", 2040, 7, 1, 12, 7200},	    /* past the file's transitions: its rule */
    {"Europe/Zurich", 2061, 12, 24, 12, 3600},	    /* the rule in winter */
    {"America/New_York", 2026, 3, 8, 2, -18000},    /* the gap */
    {"America/New_York", 2026, 11, 1, 1, -14400},   /* twice: EDT first */
    {"Australia/Sydney", 2026, 4, 5, 2, 39600},	    /* twice: AEDT first */
    {"Australia/Sydney", 2026, 10, 4, 2, 36000},    /* the gap */
    {"Australia/Sydney", 2045, 1, 1, 0, 39600},	    /* southern summer across new year, by rule */
    {"Australia/Lord_Howe", 2026, 7, 1, 12, 37800}, /* +10:30 */
    {"Asia/Kathmandu", 2026, 1, 1, 0, 20700},	    /* +05:45, no DST */
};

START_TEST(test_zone_local)
{
	const struct ib_zone *z = ib_test_zone(zcase[_i].zone);
	int64_t local = ib_time_utc(zcase[_i].y, zcase[_i].m, zcase[_i].d, zcase[_i].h, 0, 0, 0) / 1000;

	ck_assert_int_eq(ib_zone_offset_local(z, local), zcase[_i].want);
	ck_assert_str_eq(ib_zone_name(z), zcase[_i].zone);
}
END_TEST

START_TEST(test_zone_utc_and_names)
{
	const struct ib_zone *z = ZRH;
	struct ib_zone *bad = NULL;
	struct ib_error err;
	static const char *const names[] = {"",	      "/etc/localtime", "../zoneinfo/UTC",
					    "Europe", "zone.tab",	"No/Such_Zone"};

	/* 2026-03-29T01:00:00Z is the change to CEST */
	ck_assert_int_eq(ib_zone_offset_utc(z, 1774746000 - 1), 3600);
	ck_assert_int_eq(ib_zone_offset_utc(z, 1774746000), 7200);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		memset(&err, 0, sizeof(err));
		ck_assert_int_eq(ib_zone_load(&bad, names[i], &err), IB_ERR_USAGE);
		ck_assert(bad == NULL);
		ck_assert_msg(strstr(err.msg, "unknown time zone") != NULL, "%s: %s", names[i], err.msg);
	}
	ib_zone_free(NULL);
}
END_TEST

/*
 * The zone reader against the C library's, which imapblast used before:
 * every hour near a change and every 7th hour in between, read in order
 * as a log is (mktime's guess carries from the call before).
 */
static const char *const libc_zones[] = {"Europe/Zurich",     "America/New_York", "Australia/Lord_Howe",
					 "Africa/Casablanca", "Europe/Dublin",	  "America/Sao_Paulo"};

START_TEST(test_zone_vs_libc)
{
	const struct ib_zone *z = ib_test_zone(libc_zones[_i]);
	int64_t h0 = ib_days_from_civil(2000, 1, 1) * 24, h1 = ib_days_from_civil(2046, 1, 1) * 24;

	setenv("TZ", libc_zones[_i], 1);
	tzset();
	for (int64_t h = h0; h < h1; h++) {
		int64_t ls = h * 3600;
		struct tm tm;
		time_t t;
		int y;
		unsigned m, d;

		if (h % 7 && ib_zone_offset_utc(z, ls - 2 * 86400) == ib_zone_offset_utc(z, ls + 2 * 86400))
			continue;
		ib_civil_from_days(h / 24, &y, &m, &d);
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = y - 1900;
		tm.tm_mon = (int)m - 1;
		tm.tm_mday = (int)d;
		tm.tm_hour = (int)(h % 24);
		tm.tm_isdst = -1;
		t = mktime(&tm);
		ck_assert_msg(ls - (int64_t)t == ib_zone_offset_local(z, ls),
			      "%s %d-%02u-%02u %02d: %lld vs %d", libc_zones[_i], y, m, d, (int)(h % 24),
			      (long long)(ls - (int64_t)t), ib_zone_offset_local(z, ls));
		t = (time_t)ls;
		ck_assert(localtime_r(&t, &tm) != NULL);
		ck_assert_int_eq(tm.tm_gmtoff, ib_zone_offset_utc(z, ls));
	}
	setenv("TZ", "Asia/Tokyo", 1);
	tzset();
}
END_TEST

static Suite *timeutil_suite(void)
{
	Suite *s = suite_create("timeutil");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_civil, 0, sizeof(civil) / sizeof(civil[0]));
	tcase_add_test(tc, test_date_valid);
	tcase_add_test(tc, test_month);
	tcase_add_loop_test(tc, test_zurich, 0, sizeof(zurich) / sizeof(zurich[0]));
	tcase_add_test(tc, test_dst_cache_sequence);
	tcase_add_test(tc, test_year_rollover);
	tcase_add_loop_test(tc, test_ts, 0, sizeof(ts) / sizeof(ts[0]));
	tcase_add_test(tc, test_format);
	tcase_add_loop_test(tc, test_second_cache, 0, 6);
	tcase_add_loop_test(tc, test_zone_local, 0, sizeof(zcase) / sizeof(zcase[0]));
	tcase_add_test(tc, test_zone_utc_and_names);
	tcase_add_loop_test(tc, test_zone_vs_libc, 0, sizeof(libc_zones) / sizeof(libc_zones[0]));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	setenv("TZ", "Asia/Tokyo", 1);
	tzset();
	return ib_test_run(timeutil_suite());
}
