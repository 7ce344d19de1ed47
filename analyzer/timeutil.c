/*
 * timeutil.c: civil-time arithmetic, the per-file time policy and the
 * timestamp tokenizers shared by all parsers.
 *
 * Zoneless local times are read in the policy's zone (zone.h), never
 * through the C library's TZ. The UTC offset is cached per local hour in
 * the policy, so the zone is looked up about once per hour of log.
 */
#include <string.h>
#include <stdio.h>
#include <time.h>

#include "imapblast/timeutil.h"
#include "imapblast/zone.h"

#define MS_PER_DAY INT64_C(86400000)

void ib_time_policy_init(struct ib_time_policy *p, const struct ib_zone *zone, int year, int64_t ref_ms)
{
	p->zone = zone;
	p->year = year;
	p->date_order = 0;
	p->ref_ms = ref_ms;
	p->cache_key = IB_TIME_NONE;
	p->cache_off_ms = 0;
	p->last_len = 0;
	p->last_ms = IB_TIME_NONE;
	p->iso_kind = 0;
	p->ngx_have = 0;
}

static int clock_valid(unsigned h, unsigned mi, unsigned s, unsigned ms)
{
	/* s == 60: a leap second as some loggers write it */
	return h < 24 && mi < 60 && s <= 60 && ms < 1000;
}

int64_t ib_time_utc(int y, unsigned mon, unsigned d, unsigned h, unsigned mi, unsigned s, unsigned ms)
{
	if (!ib_date_valid(y, mon, d) || !clock_valid(h, mi, s, ms))
		return IB_TIME_NONE;
	return ((ib_days_from_civil(y, mon, d) * 24 + h) * 60 + mi) * 60000 + (int64_t)s * 1000 + ms;
}

int64_t ib_time_local(struct ib_time_policy *p, int y, unsigned mon, unsigned d, unsigned h, unsigned mi,
		      unsigned s, unsigned ms)
{
	int64_t local_ms, key;

	local_ms = ib_time_utc(y, mon, d, h, mi, s, ms);
	if (local_ms == IB_TIME_NONE || !p->zone)
		return local_ms;
	key = ib_days_from_civil(y, mon, d) * 24 + h;
	if (p->cache_key != key || p->cache_zone != p->zone) {
		/* the offset at the start of the local hour serves the whole hour */
		p->cache_key = key;
		p->cache_zone = p->zone;
		p->cache_off_ms = (int64_t)ib_zone_offset_local(p->zone, key * 3600) * 1000;
	}
	return local_ms - p->cache_off_ms;
}

/* Civil date and time of the reference instant in the policy's zone, as "local ms". */
static int64_t ref_local_ms(const struct ib_time_policy *p, int *year)
{
	int64_t ms = p->ref_ms, secs, rem;
	unsigned m, d;

	secs = ms / 1000;
	rem = ms % 1000;
	if (rem < 0) {
		rem += 1000;
		secs--;
	}
	if (p->zone)
		secs += ib_zone_offset_utc(p->zone, secs);
	{
		int64_t days = secs / 86400, sod = secs % 86400;

		if (sod < 0) {
			sod += 86400;
			days--;
		}
		ib_civil_from_days(days, year, &m, &d);
		return (days * 86400 + sod) * 1000 + rem;
	}
}

int ib_time_guess_year(const struct ib_time_policy *p, unsigned mon, unsigned d, unsigned h, unsigned mi,
		       unsigned s)
{
	int y = 1970;
	int64_t ref, cand;

	if (p->year)
		return p->year;
	ref = ref_local_ms(p, &y);
	if (ref == IB_TIME_NONE)
		return y;
	/* Feb 29 in a common year: the latest leap year before it */
	if (!ib_date_valid(y, mon, d)) {
		for (int k = 1; k <= 8; k++)
			if (ib_date_valid(y - k, mon, d))
				return y - k;
		return y;
	}
	/* compare local civil times: no zone lookup needed */
	cand = ib_time_utc(y, mon, d, h, mi, s, 0);
	if (cand != IB_TIME_NONE && cand > ref + MS_PER_DAY)
		return y - 1;
	return y;
}

unsigned ib_month_from_abbr(const char *p)
{
	static const char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	char a = (char)(p[0] | 0x20), b = (char)(p[1] | 0x20), c = (char)(p[2] | 0x20);

	for (unsigned i = 0; i < 12; i++)
		if (names[i * 3] == a && names[i * 3 + 1] == b && names[i * 3 + 2] == c)
			return i + 1;
	return 0;
}

/* ---- small scanners over a (ptr, len) window ---- */

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Exactly n digits at s[i]; returns -1 if not. */
static long digits(const struct ib_str *s, size_t i, size_t n)
{
	long v = 0;

	if (i + n > s->len)
		return -1;
	for (size_t k = 0; k < n; k++) {
		char c = s->ptr[i + k];

		if (!is_digit(c))
			return -1;
		v = v * 10 + (c - '0');
	}
	return v;
}

static int at(const struct ib_str *s, size_t i, char c)
{
	return i < s->len && s->ptr[i] == c;
}

/* Optional fraction ".123456" or ",123": returns ms, advances *i. */
static unsigned fraction(const struct ib_str *s, size_t *i)
{
	unsigned ms = 0, scale = 100;
	size_t k = *i;

	if (!(at(s, k, '.') || at(s, k, ',')) || k + 1 >= s->len || !is_digit(s->ptr[k + 1]))
		return 0;
	for (k++; k < s->len && is_digit(s->ptr[k]); k++) {
		ms += (unsigned)(s->ptr[k] - '0') * scale;
		scale /= 10;
	}
	*i = k;
	return ms;
}

/* "HH:MM:SS" at s[i]; advances *i. */
static int hms(const struct ib_str *s, size_t *i, unsigned *h, unsigned *mi, unsigned *sec)
{
	long a = digits(s, *i, 2), b, c;

	if (a < 0 || !at(s, *i + 2, ':') || (b = digits(s, *i + 3, 2)) < 0 || !at(s, *i + 5, ':') ||
	    (c = digits(s, *i + 6, 2)) < 0)
		return -1;
	*h = (unsigned)a;
	*mi = (unsigned)b;
	*sec = (unsigned)c;
	*i += 8;
	return 0;
}

/* Zone "Z", "+HH:MM", "+HHMM", "+HH" at s[i]; sets *off_min, advances *i. 1 if present. */
static int zone(const struct ib_str *s, size_t *i, int *off_min)
{
	size_t k = *i;
	long hh, mm = 0;
	int sign;

	if (at(s, k, 'Z') || at(s, k, 'z')) {
		*off_min = 0;
		*i = k + 1;
		return 1;
	}
	if (!(at(s, k, '+') || at(s, k, '-')))
		return 0;
	sign = s->ptr[k] == '-' ? -1 : 1;
	hh = digits(s, k + 1, 2);
	if (hh < 0 || hh > 18)
		return 0;
	k += 3;
	if (at(s, k, ':') && (mm = digits(s, k + 1, 2)) >= 0) {
		k += 3;
	} else if ((mm = digits(s, k, 2)) >= 0) {
		k += 2;
	} else {
		mm = 0;
	}
	if (mm > 59)
		return 0;
	*off_min = sign * (int)(hh * 60 + mm);
	*i = k;
	return 1;
}

static void advance(struct ib_str *s, size_t i)
{
	while (i < s->len && (s->ptr[i] == ' ' || s->ptr[i] == '\t'))
		i++;
	s->ptr += i;
	s->len -= i;
}

/* !memcmp(a, b, n); stamps are 14..31 bytes: two or four word compares, no call */
static int same_stamp(const char *a, const char *b, size_t n)
{
	uint64_t x0, x1, y0, y1;

	if (n < 8 || n > 16)
		return !memcmp(a, b, n);
	memcpy(&x0, a, 8);
	memcpy(&y0, b, 8);
	memcpy(&x1, a + n - 8, 8);
	memcpy(&y1, b + n - 8, 8);
	return x0 == y0 && x1 == y1;
}

/* ib_ts_rfc3164 past its cache: out of line, so the hit path saves no registers. */
__attribute__((noinline)) static int rfc3164_full(struct ib_str *s, struct ib_time_policy *p, int64_t *out)
{
	unsigned mon, day, h, mi, sec, ms;
	size_t i;
	long d;
	int y;
	int64_t t;

	if (s->len < 14 || !(mon = ib_month_from_abbr(s->ptr)) || s->ptr[3] != ' ')
		return -1;
	i = 4;
	if (at(s, i, ' '))
		i++;
	if ((d = digits(s, i, 2)) >= 0) {
		i += 2;
	} else if ((d = digits(s, i, 1)) >= 0) {
		i += 1;
	} else {
		return -1;
	}
	if (!at(s, i, ' '))
		return -1;
	i++;
	if (hms(s, &i, &h, &mi, &sec) < 0)
		return -1;
	ms = fraction(s, &i);
	day = (unsigned)d;
	y = ib_time_guess_year(p, mon, day, h, mi, sec);
	t = ib_time_local(p, y, mon, day, h, mi, sec, ms);
	if (t == IB_TIME_NONE)
		return -1;
	if (i <= sizeof(p->last_stamp)) {
		memcpy(p->last_stamp, s->ptr, i);
		p->last_len = i;
		p->last_ms = t;
	}
	*out = t;
	advance(s, i);
	return 0;
}

int ib_ts_rfc3164(struct ib_str *s, struct ib_time_policy *p, int64_t *out)
{
	size_t i = p->last_len;

	/*
	 * The same stamp as the last line: the bytes decide the instant, and
	 * a byte after them that is not '.', ',' or a digit cannot extend
	 * the fraction, so the full parse would stop at the same place.
	 */
	if (i && s->len >= i && same_stamp(s->ptr, p->last_stamp, i) &&
	    (s->len == i || !(is_digit(s->ptr[i]) || s->ptr[i] == '.' || s->ptr[i] == ','))) {
		*out = p->last_ms;
		advance(s, i);
		return 0;
	}
	return rfc3164_full(s, p, out);
}

/* !memcmp(a, b, 19): three word compares (bytes 0-7, 8-15, 11-18), no call. */
static int same_sec(const char *a, const char *b)
{
	uint64_t x0, x1, x2, y0, y1, y2;

	memcpy(&x0, a, 8);
	memcpy(&y0, b, 8);
	memcpy(&x1, a + 8, 8);
	memcpy(&y1, b + 8, 8);
	memcpy(&x2, a + 11, 8);
	memcpy(&y2, b + 11, 8);
	return x0 == y0 && x1 == y1 && x2 == y2;
}

/*
 * ISO and nginx stamps: the first 19 bytes decide the second, and the
 * instant is that second's (UTC, or local by the policy's zone via
 * ib_time_local, whose offset depends on the hour only) plus the fraction's
 * milliseconds, minus a zone's offset: so a stamp whose 19 bytes equal the
 * last one's, read under the same p->zone, needs only its tail parsed. The
 * tail is parsed by the same code either way, so where it stops, and what
 * it accepts, cannot differ.
 */
int ib_ts_iso(struct ib_str *s, struct ib_time_policy *p, int64_t *out)
{
	long y = 0, mo = 0, d = 0;
	unsigned h = 0, mi = 0, sec = 0, ms;
	size_t i;
	int off_min = 0, has_zone, hit;
	int64_t t;

	hit = p->iso_kind && s->len >= 19 && p->iso_zone == p->zone && same_sec(s->ptr, p->iso_sec);
	if (hit && p->iso_kind == 1 && s->len >= 24 && s->ptr[19] == '.' && is_digit(s->ptr[20]) &&
	    is_digit(s->ptr[21]) && is_digit(s->ptr[22]) && (s->ptr[23] == 'Z' || s->ptr[23] == 'z')) {
		/* the commonest tail, ".mmmZ" (Exchange, Entra): what fraction() and zone() give */
		*out =
		    p->iso_sec_ms + (s->ptr[20] - '0') * 100 + (s->ptr[21] - '0') * 10 + (s->ptr[22] - '0');
		advance(s, 24);
		return 0;
	}
	if (!hit) {
		if ((y = digits(s, 0, 4)) < 0 || !at(s, 4, '-') || (mo = digits(s, 5, 2)) < 0 ||
		    !at(s, 7, '-') || (d = digits(s, 8, 2)) < 0 || !(at(s, 10, 'T') || at(s, 10, ' ')))
			return -1;
		i = 11;
		if (hms(s, &i, &h, &mi, &sec) < 0)
			return -1;
	}
	i = 19;
	ms = fraction(s, &i);
	has_zone = zone(s, &i, &off_min);
	if (!has_zone && i + 4 <= s->len && !memcmp(s->ptr + i, " UTC", 4) &&
	    (i + 4 == s->len || s->ptr[i + 4] == ' ')) {
		has_zone = 1;
		i += 4;
	}
	if (hit && p->iso_kind == (has_zone ? 1 : 2)) {
		t = p->iso_sec_ms + ms - (has_zone ? (int64_t)off_min * 60000 : 0);
	} else {
		if (hit) { /* same second, other kind: the fields were not read */
			size_t k = 11;

			y = digits(s, 0, 4);
			mo = digits(s, 5, 2);
			d = digits(s, 8, 2);
			hms(s, &k, &h, &mi, &sec);
		}
		if (has_zone) {
			t = ib_time_utc((int)y, (unsigned)mo, (unsigned)d, h, mi, sec, ms);
			if (t != IB_TIME_NONE)
				t -= (int64_t)off_min * 60000;
		} else {
			t = ib_time_local(p, (int)y, (unsigned)mo, (unsigned)d, h, mi, sec, ms);
		}
		if (t == IB_TIME_NONE)
			return -1;
		memcpy(p->iso_sec, s->ptr, 19);
		p->iso_kind = has_zone ? 1 : 2;
		p->iso_zone = p->zone;
		p->iso_sec_ms = t - ms + (has_zone ? (int64_t)off_min * 60000 : 0);
	}
	*out = t;
	advance(s, i);
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int ib_ts_tai64n(struct ib_str *s, int64_t *out)
{
	uint64_t secs = 0, nanos = 0;

	if (s->len < 25 || s->ptr[0] != '@')
		return -1;
	for (size_t k = 0; k < 24; k++) {
		int v = hexval(s->ptr[1 + k]);

		if (v < 0)
			return -1;
		if (k < 16)
			secs = secs << 4 | (uint64_t)v;
		else
			nanos = nanos << 4 | (uint64_t)v;
	}
	/* label = 2^62 + TAI seconds; TAI - UTC taken as 10 s (as fail2ban does) */
	if (secs < (UINT64_C(1) << 62) || secs - (UINT64_C(1) << 62) > (UINT64_C(1) << 40) ||
	    nanos >= 1000000000u)
		return -1;
	*out = ((int64_t)(secs - (UINT64_C(1) << 62)) - 10) * 1000 + (int64_t)(nanos / 1000000u);
	advance(s, 25);
	return 0;
}

/* ib_ts_nginx past its cache: out of line, so the hit path saves no registers. */
__attribute__((noinline)) static int nginx_full(struct ib_str *s, struct ib_time_policy *p, int64_t *out)
{
	long y, mo, d;
	unsigned h, mi, sec, ms;
	size_t i = 11;
	int64_t t;

	if ((y = digits(s, 0, 4)) < 0 || !at(s, 4, '/') || (mo = digits(s, 5, 2)) < 0 || !at(s, 7, '/') ||
	    (d = digits(s, 8, 2)) < 0 || !at(s, 10, ' '))
		return -1;
	if (hms(s, &i, &h, &mi, &sec) < 0)
		return -1;
	ms = fraction(s, &i);
	t = ib_time_local(p, (int)y, (unsigned)mo, (unsigned)d, h, mi, sec, ms);
	if (t == IB_TIME_NONE)
		return -1;
	memcpy(p->ngx_sec, s->ptr, 19);
	p->ngx_have = 1;
	p->ngx_zone = p->zone;
	p->ngx_sec_ms = t - ms;
	*out = t;
	advance(s, i);
	return 0;
}

int ib_ts_nginx(struct ib_str *s, struct ib_time_policy *p, int64_t *out)
{
	/* the same second as the last stamp: see ib_ts_iso */
	if (p->ngx_have && s->len >= 19 && p->ngx_zone == p->zone && same_sec(s->ptr, p->ngx_sec)) {
		size_t i = 19;
		/* fraction() reads nothing unless '.' or ',' follows: no call for nginx's plain stamps */
		unsigned ms = s->len > 19 && (s->ptr[19] == '.' || s->ptr[19] == ',') ? fraction(s, &i) : 0;

		*out = p->ngx_sec_ms + ms;
		advance(s, i);
		return 0;
	}
	return nginx_full(s, p, out);
}

int ib_ts_clf(struct ib_str *s, struct ib_time_policy *p, int64_t *out)
{
	long d, y;
	unsigned mon, h, mi, sec, ms;
	size_t i;
	char sep;
	int off_min = 0, has_zone = 0;
	int64_t t;

	if ((d = digits(s, 0, 2)) < 0 || s->len < 11)
		return -1;
	sep = s->ptr[2];
	if ((sep != '/' && sep != '-') || !(mon = ib_month_from_abbr(s->ptr + 3)) || !at(s, 6, sep) ||
	    (y = digits(s, 7, 4)) < 0 || !(at(s, 11, ':') || at(s, 11, ' ')))
		return -1;
	i = 12;
	if (hms(s, &i, &h, &mi, &sec) < 0)
		return -1;
	ms = fraction(s, &i);
	if (at(s, i, ' ') && (at(s, i + 1, '+') || at(s, i + 1, '-'))) {
		size_t k = i + 1;

		if (zone(s, &k, &off_min) && k == i + 6) {
			has_zone = 1;
			i = k;
		}
	}
	if (has_zone) {
		t = ib_time_utc((int)y, mon, (unsigned)d, h, mi, sec, ms);
		if (t != IB_TIME_NONE)
			t -= (int64_t)off_min * 60000;
	} else {
		t = ib_time_local(p, (int)y, mon, (unsigned)d, h, mi, sec, ms);
	}
	if (t == IB_TIME_NONE)
		return -1;
	*out = t;
	advance(s, i);
	return 0;
}

int ib_ts_any(struct ib_str *s, struct ib_time_policy *p, int64_t *out)
{
	if (!s->len)
		return -1;
	if (s->ptr[0] == '@')
		return ib_ts_tai64n(s, out);
	if (is_digit(s->ptr[0]))
		return (ib_ts_iso(s, p, out) == 0 || ib_ts_nginx(s, p, out) == 0 || ib_ts_clf(s, p, out) == 0)
			   ? 0
			   : -1;
	return ib_ts_rfc3164(s, p, out);
}

void ib_time_format(int64_t ms, char *buf, size_t size)
{
	int64_t secs, days, sod;
	int y;
	unsigned m, d;

	if (!size)
		return;
	if (ms == IB_TIME_NONE) {
		buf[0] = '\0';
		return;
	}
	secs = ms / 1000;
	if (ms % 1000 < 0)
		secs--;
	days = secs / 86400;
	sod = secs % 86400;
	if (sod < 0) {
		sod += 86400;
		days--;
	}
	ib_civil_from_days(days, &y, &m, &d);
	if (y >= 0 && y <= 9999 && size >= 21) {
		/* the common case without snprintf: reports format a time per user */
		unsigned v[6] = {(unsigned)y,	      m, d, (unsigned)(sod / 3600), (unsigned)(sod / 60 % 60),
				 (unsigned)(sod % 60)};
		static const char sep[] = "--T::Z";
		char *p = buf;

		*p++ = (char)('0' + v[0] / 1000);
		*p++ = (char)('0' + v[0] / 100 % 10);
		for (int i = 0; i < 6; i++) {
			*p++ = (char)('0' + v[i] / 10 % 10);
			*p++ = (char)('0' + v[i] % 10);
			*p++ = sep[i];
		}
		*p = '\0';
		return;
	}
	snprintf(buf, size, "%04d-%02u-%02uT%02u:%02u:%02uZ", y, m, d, (unsigned)(sod / 3600),
		 (unsigned)(sod / 60 % 60), (unsigned)(sod % 60));
}
