/*
 * civil.c: proleptic Gregorian calendar arithmetic on day counts, with
 * no zone and no state. A leaf: timeutil.c and zone.c both build on it,
 * and neither needs the other's symbols for it.
 */
#include "imapblast/civil.h"

#define MIN_YEAR 1
#define MAX_YEAR 9999

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t ib_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void ib_civil_from_days(int64_t days, int *y, unsigned *m, unsigned *d)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned dd = doy - (153 * mp + 2) / 5 + 1;
	unsigned mm = mp < 10 ? mp + 3 : mp - 9;
	int64_t yy = (int64_t)yoe + era * 400 + (mm <= 2);

	*y = (int)yy;
	*m = mm;
	*d = dd;
}

int ib_is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int ib_date_valid(int y, unsigned m, unsigned d)
{
	static const unsigned char mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (y < MIN_YEAR || y > MAX_YEAR || m < 1 || m > 12 || d < 1)
		return 0;
	if (m == 2 && ib_is_leap(y))
		return d <= 29;
	return d <= mdays[m - 1];
}
