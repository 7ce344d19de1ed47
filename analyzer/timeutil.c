/* STUB: timeutil, to be written. */
#include "imapblast/timeutil.h"
void ib_time_policy_init(struct ib_time_policy *p, int tz_is_utc, int year, int64_t ref_ms)
{ p->utc = tz_is_utc; p->year = year; p->ref_ms = ref_ms; p->cache_key = IB_TIME_NONE; p->cache_off_ms = 0; }
int64_t ib_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}
int64_t ib_time_utc(int y, unsigned mon, unsigned d, unsigned h, unsigned mi, unsigned s, unsigned ms)
{
	if (mon < 1 || mon > 12 || d < 1 || d > 31) return IB_TIME_NONE;
	return ((ib_days_from_civil(y, mon, d) * 24 + h) * 60 + mi) * 60000 + (int64_t)s * 1000 + ms;
}
void ib_time_format(int64_t ms, char *buf, size_t size) { (void)ms; if (size) buf[0] = 0; }
