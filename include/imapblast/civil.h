/*
 * civil.h: proleptic Gregorian dates as day counts since 1970-01-01.
 * Pure arithmetic, no zone; timeutil.h includes it for its users.
 */
#ifndef IMAPBLAST_CIVIL_H
#define IMAPBLAST_CIVIL_H

#include <stdint.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (m 1..12). */
int64_t ib_days_from_civil(int64_t y, unsigned m, unsigned d);
/* Inverse of ib_days_from_civil. */
void ib_civil_from_days(int64_t days, int *y, unsigned *m, unsigned *d);
/* 1 when y is a Gregorian leap year. */
int ib_is_leap(int y);
/* 1 when (y, m, d) is a real date (no Feb 30) in years 1..9999. */
int ib_date_valid(int y, unsigned m, unsigned d);

#endif
