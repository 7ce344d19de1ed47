/*
 * zone.c: a TZif reader (RFC 8536, versions 1 to 4) and the POSIX TZ
 * rule of its footer. Loaded once per zone name; after loading a zone is
 * read-only. The transitions are kept as sorted 64-bit UTC instants, each
 * with the offset that starts there; the footer rule covers what comes
 * after the last one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "imapblast/civil.h"
#include "imapblast/zone.h"

#define MAX_FILE (1 << 20)
#define MAX_TRANS 4096
#define MAX_TYPES 256

/* A date of a POSIX rule: Jn, n, or Mm.w.d; and the local time of the change. */
struct rule_date {
	char kind; /* 'J', 'n' or 'M' */
	int a, b, c;
	int32_t secs;
};

struct ib_zone {
	char name[128];
	size_t ntrans;
	int64_t *trans;		  /* UTC seconds, ascending */
	int32_t *trans_off;	  /* offset from trans[i] on */
	unsigned char *trans_dst; /* 1: that offset is daylight-saving time */
	int32_t first_off;	  /* before the first transition */
	int first_dst;
	/* the footer rule; has_rule 0: the last transition's offset holds forever */
	int has_rule, has_dst;
	int32_t std_off, dst_off;
	struct rule_date start, end;
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* ---- the POSIX TZ rule ---- */

static const char *tz_name(const char *p)
{
	if (*p == '<') {
		while (*p && *p != '>')
			p++;
		return *p == '>' ? p + 1 : NULL;
	}
	{
		const char *s = p;

		while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
			p++;
		return p - s >= 3 ? p : NULL;
	}
}

/* [+-]hh[:mm[:ss]], hours up to 167; the value in seconds. */
static const char *tz_time(const char *p, int32_t *out)
{
	int sign = 1, part[3] = {0, 0, 0};

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	for (int i = 0; i < 3; i++) {
		int n = 0, v = 0;

		while (*p >= '0' && *p <= '9' && n < 3) {
			v = v * 10 + (*p++ - '0');
			n++;
		}
		if (!n)
			return NULL;
		part[i] = v;
		if (i == 2 || *p != ':')
			break;
		p++;
	}
	if (part[0] > 167 || part[1] > 59 || part[2] > 59)
		return NULL;
	*out = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
	return p;
}

static const char *tz_num(const char *p, int *out)
{
	int v = 0, n = 0;

	while (*p >= '0' && *p <= '9' && n < 4) {
		v = v * 10 + (*p++ - '0');
		n++;
	}
	*out = v;
	return n ? p : NULL;
}

static const char *tz_date(const char *p, struct rule_date *d)
{
	d->secs = 7200;
	if (*p == 'M') {
		d->kind = 'M';
		if (!(p = tz_num(p + 1, &d->a)) || *p++ != '.' || !(p = tz_num(p, &d->b)) || *p++ != '.' ||
		    !(p = tz_num(p, &d->c)))
			return NULL;
		if (d->a < 1 || d->a > 12 || d->b < 1 || d->b > 5 || d->c > 6)
			return NULL;
	} else if (*p == 'J') {
		d->kind = 'J';
		if (!(p = tz_num(p + 1, &d->a)) || d->a < 1 || d->a > 365)
			return NULL;
	} else {
		d->kind = 'n';
		if (!(p = tz_num(p, &d->a)) || d->a > 365)
			return NULL;
	}
	if (*p == '/' && !(p = tz_time(p + 1, &d->secs)))
		return NULL;
	return p;
}

/* Parse a footer such as "CET-1CEST,M3.5.0,M10.5.0/3"; 0, or -1 when unsupported. */
static int parse_rule(struct ib_zone *z, const char *p)
{
	int32_t off;

	if (!(p = tz_name(p)) || !(p = tz_time(p, &off)))
		return -1;
	z->std_off = -off;
	z->has_rule = 1;
	if (!*p)
		return 0;
	if (!(p = tz_name(p)))
		return -1;
	z->has_dst = 1;
	z->dst_off = z->std_off + 3600;
	if (*p && *p != ',') {
		if (!(p = tz_time(p, &off)))
			return -1;
		z->dst_off = -off;
	}
	if (*p != ',') /* no rule: POSIX leaves it to the implementation; glibc's US default */
		p = ",M3.2.0,M11.1.0";
	if (!(p = tz_date(p + 1, &z->start)) || *p != ',' || !(p = tz_date(p + 1, &z->end)))
		return -1;
	return *p ? -1 : 0;
}

/* Local seconds (as if UTC) of a rule date in year y. */
static int64_t rule_local(const struct rule_date *d, int y)
{
	int64_t day;

	if (d->kind == 'J') /* 1..365, Feb 29 never counted */
		day = ib_days_from_civil(y, 1, 1) + d->a - 1 + (ib_is_leap(y) && d->a >= 60);
	else if (d->kind == 'n') /* 0..365 */
		day = ib_days_from_civil(y, 1, 1) + d->a;
	else {
		/* Mm.w.d: day d (0 Sunday) of week w (5: the last) of month m */
		int64_t first = ib_days_from_civil(y, (unsigned)d->a, 1);
		int wd = (int)((first + 4) % 7), mdays;

		if (wd < 0)
			wd += 7;
		day = first + (d->c - wd + 7) % 7 + (int64_t)(d->b - 1) * 7;
		mdays = d->a == 2 ? 28 + ib_is_leap(y) : 30 + ((d->a + (d->a > 7)) & 1);
		while (day >= first + mdays)
			day -= 7;
	}
	return day * 86400 + d->secs;
}

static int32_t rule_offset(const struct ib_zone *z, int64_t utc_s, int *dst)
{
	int y;
	unsigned m, d;
	int64_t local = utc_s + z->std_off, days = local / 86400, start, end;
	int in;

	*dst = 0;
	if (!z->has_dst)
		return z->std_off;
	if (local % 86400 < 0)
		days--;
	ib_civil_from_days(days, &y, &m, &d);
	start = rule_local(&z->start, y) - z->std_off; /* the change happens in standard time */
	end = rule_local(&z->end, y) - z->dst_off;     /* and back, in daylight time */
	in = start < end ? utc_s >= start && utc_s < end : !(utc_s >= end && utc_s < start);
	*dst = in;
	return in ? z->dst_off : z->std_off;
}

/* ---- lookups ---- */

static int32_t lookup(const struct ib_zone *z, int64_t utc_s, int *dst)
{
	size_t lo = 0, hi = z->ntrans;

	if (!z->ntrans && z->has_rule)
		return rule_offset(z, utc_s, dst);
	if (!z->ntrans || utc_s < z->trans[0]) {
		*dst = z->first_dst;
		return z->first_off;
	}
	while (hi - lo > 1) { /* the last transition <= utc_s */
		size_t mid = lo + (hi - lo) / 2;

		if (z->trans[mid] <= utc_s)
			lo = mid;
		else
			hi = mid;
	}
	if (lo == z->ntrans - 1 && z->has_rule)
		return rule_offset(z, utc_s, dst);
	*dst = z->trans_dst[lo];
	return z->trans_off[lo];
}

int32_t ib_zone_offset_utc(const struct ib_zone *z, int64_t utc_s)
{
	int dst;

	return lookup(z, utc_s, &dst);
}

int32_t ib_zone_offset_local(const struct ib_zone *z, int64_t local_s)
{
	int dst_before, dst_after, dst;
	int32_t before = lookup(z, local_s - 86400, &dst_before);
	int32_t after = lookup(z, local_s + 86400, &dst_after);

	if (lookup(z, local_s - before, &dst) == before)
		return before; /* also in an overlap: the earlier instant */
	if (lookup(z, local_s - after, &dst) == after)
		return after;
	/* a gap: like mktime, the standard-time offset (a time that lands in DST) */
	return dst_before && !dst_after ? after : before;
}

const char *ib_zone_name(const struct ib_zone *z)
{
	return z->name;
}

/* ---- loading ---- */

void ib_zone_free(struct ib_zone *z)
{
	if (!z)
		return;
	free(z->trans);
	free(z->trans_off);
	free(z->trans_dst);
	free(z);
}

/* Parse one TZif file image into z; 0, or -1 when it is not a TZif file we can read. */
static int parse_tzif(struct ib_zone *z, const unsigned char *buf, size_t len)
{
	const unsigned char *p = buf, *end = buf + len, *types, *idx, *times;
	uint32_t isut, isstd, leap, timecnt, typecnt, charcnt;
	int tsize = 4;
	size_t body;

	if (len < 44 || memcmp(buf, "TZif", 4))
		return -1;
	for (int pass = 0;; pass++) {
		if (end - p < 44 || memcmp(p, "TZif", 4))
			return -1;
		isut = be32(p + 20);
		isstd = be32(p + 24);
		leap = be32(p + 28);
		timecnt = be32(p + 32);
		typecnt = be32(p + 36);
		charcnt = be32(p + 40);
		if (timecnt > MAX_TRANS || typecnt == 0 || typecnt > MAX_TYPES || charcnt > 4096 ||
		    leap > 4096 || isut > typecnt || isstd > typecnt)
			return -1;
		body = (size_t)timecnt * (size_t)(tsize + 1) + typecnt * 6 + charcnt +
		       leap * (size_t)(tsize + 4) + isstd + isut;
		if ((size_t)(end - p - 44) < body)
			return -1;
		if (pass == 0 && buf[4] >= '2') { /* skip the 32-bit block for the 64-bit one */
			p += 44 + body;
			tsize = 8;
			continue;
		}
		break;
	}
	times = p + 44;
	idx = times + (size_t)timecnt * (size_t)tsize;
	types = idx + timecnt;
	z->trans = malloc((timecnt ? timecnt : 1) * sizeof(*z->trans));
	z->trans_off = malloc((timecnt ? timecnt : 1) * sizeof(*z->trans_off));
	z->trans_dst = malloc(timecnt ? timecnt : 1);
	if (!z->trans || !z->trans_off || !z->trans_dst)
		return -2;
	for (uint32_t i = 0; i < timecnt; i++) {
		uint32_t t = idx[i];

		if (t >= typecnt)
			return -1;
		z->trans[i] = tsize == 8 ? be64(times + 8 * i) : (int32_t)be32(times + 4 * i);
		z->trans_off[i] = (int32_t)be32(types + 6 * t);
		z->trans_dst[i] = types[6 * t + 4] != 0;
		if (i && z->trans[i] <= z->trans[i - 1])
			return -1;
	}
	z->ntrans = timecnt;
	z->first_off = (int32_t)be32(types); /* RFC 8536: type 0 before the first transition */
	z->first_dst = types[4] != 0;
	if (tsize == 8) {
		/* the footer: "\n" rule "\n" */
		const unsigned char *f = p + 44 + body, *nl;
		char rule[128];

		if (f < end && *f == '\n' && (nl = memchr(f + 1, '\n', (size_t)(end - f - 1))) &&
		    (size_t)(nl - f - 1) < sizeof(rule) && nl > f + 1) {
			memcpy(rule, f + 1, (size_t)(nl - f - 1));
			rule[nl - f - 1] = 0;
			if (parse_rule(z, rule) < 0)
				z->has_rule = z->has_dst = 0;
		}
	}
	return 0;
}

int ib_zone_load(struct ib_zone **out, const char *name, struct ib_error *err)
{
	char path[512];
	unsigned char *buf = NULL;
	struct ib_zone *z = NULL;
	FILE *f = NULL;
	size_t len;
	int rc;

	*out = NULL;
	if (!*name || name[0] == '/' || strstr(name, "..") || strlen(name) >= sizeof(z->name) ||
	    snprintf(path, sizeof(path), "%s/%s", IB_ZONEINFO_DIR, name) >= (int)sizeof(path))
		return ib_error_set(err, IB_ERR_USAGE, 0, NULL, 0, "unknown time zone '%s'", name);
	z = calloc(1, sizeof(*z));
	buf = malloc(MAX_FILE);
	if (!z || !buf) {
		rc = ib_error_set(err, IB_ERR_NOMEM, 0, NULL, 0, "out of memory");
		goto fail;
	}
	snprintf(z->name, sizeof(z->name), "%s", name);
	f = fopen(path, "rb");
	len = f ? fread(buf, 1, MAX_FILE, f) : 0;
	if (!f || ferror(f) || len == MAX_FILE) {
		rc = ib_error_set(err, IB_ERR_USAGE, f ? 0 : errno, path, 0, "unknown time zone '%s'", name);
		goto fail;
	}
	rc = parse_tzif(z, buf, len);
	if (rc < 0) {
		rc = rc == -2 ? ib_error_set(err, IB_ERR_NOMEM, 0, NULL, 0, "out of memory")
			      : ib_error_set(err, IB_ERR_USAGE, 0, path, 0, "unknown time zone '%s'", name);
		goto fail;
	}
	fclose(f);
	free(buf);
	*out = z;
	return IB_OK;
fail:
	if (f)
		fclose(f);
	free(buf);
	ib_zone_free(z);
	return rc;
}
