/*
 * check_window.c: the window rule alone (analyzer/analysis_window.c), on
 * per-bucket arrays and no aggregator: the baseline (median of the rates
 * of buckets with attempts), the hot and warm bucket tests at their edges,
 * detection (flat series, one spike, gap merging, every run a window,
 * soft edges, min-users, min-failures, empty and failure-free series) and
 * the given window's
 * widening to bucket boundaries; the retry bins; the rule sentence.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "../analyzer/analysis_int.h"
#include "testutil.h"

#define NMAX 16
#define DEF                                                                                                  \
	{                                                                                                    \
		3.0, 0.05, 3, 2, 3                                                                           \
	} /* the defaults of ib_config_init */

struct wcase {
	const char *name;
	size_t nb;
	uint64_t att[NMAX], fail[NMAX];
	struct ib_window_params p;
	double base; /* expected baseline */
	enum ib_window_verdict want;
	size_t nspans; /* the windows, when IB_WV_DETECTED */
	struct ib_window_span spans[4];
};

/* 10 attempts in each of n buckets. */
#define A10                                                                                                  \
	{                                                                                                    \
		10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10                                               \
	}

static const struct wcase wcases[] = {
    {"empty series", 0, {0}, {0}, DEF, 0.0, IB_WV_NO_FAILURES, 0, {{0, 0, 0}}},
    {"no failures", 4, {5, 5, 5, 5}, {0}, DEF, 0.0, IB_WV_NO_FAILURES, 0, {{0, 0, 0}}},
    {"no attempts at all", 3, {0}, {0}, DEF, 0.0, IB_WV_NO_FAILURES, 0, {{0, 0, 0}}},
    {"flat baseline, no window",
     12,
     A10,
     {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
     DEF,
     0.1,
     IB_WV_NONE_QUALIFIED,
     0,
     {{0, 0, 0}}},
    {"one spike", 12, A10, {0, 0, 0, 0, 0, 8}, DEF, 0.0, IB_WV_DETECTED, 1, {{5, 5, 8}}},
    {"spike in the first bucket", 5, {10, 10, 10, 10, 10}, {9}, DEF, 0.0, IB_WV_DETECTED, 1, {{0, 0, 9}}},
    {"spike in the last bucket",
     5,
     {10, 10, 10, 10, 10},
     {0, 0, 0, 0, 9},
     DEF,
     0.0,
     IB_WV_DETECTED,
     1,
     {{4, 4, 9}}},
    /* a gap of 2 buckets merges; the gap's own failures count */
    {"gap merging", 12, A10, {0, 0, 5, 1, 0, 6}, DEF, 0.0, IB_WV_DETECTED, 1, {{2, 5, 12}}},
    {"gap too wide: two windows",
     12,
     A10,
     {0, 0, 5, 0, 0, 0, 6},
     DEF,
     0.0,
     IB_WV_DETECTED,
     2,
     {{2, 2, 5}, {6, 6, 6}}},
    {"gap 0: adjacent only",
     12,
     A10,
     {0, 5, 5, 0, 9},
     {3.0, 0.05, 3, 0, 3},
     0.0,
     IB_WV_DETECTED,
     2,
     {{1, 2, 10}, {4, 4, 9}}},
    {"every run is a window",
     12,
     A10,
     {0, 4, 0, 0, 0, 0, 5, 5},
     DEF,
     0.0,
     IB_WV_DETECTED,
     2,
     {{1, 1, 4}, {6, 7, 10}}},
    {"three waves",
     12,
     A10,
     {0, 6, 0, 0, 0, 0, 6, 0, 0, 0, 7, 7},
     DEF,
     0.0,
     IB_WV_DETECTED,
     3,
     {{1, 1, 6}, {6, 6, 6}, {10, 11, 14}}},
    /* min-failures: 2 < 3, however high the rate */
    {"below min-failures", 4, {2, 10, 10, 10}, {2, 0, 0, 0}, DEF, 0.0, IB_WV_NONE_QUALIFIED, 0, {{0, 0, 0}}},
    {"at min-failures", 4, {3, 10, 10, 10}, {3, 0, 0, 0}, DEF, 0.0, IB_WV_DETECTED, 1, {{0, 0, 3}}},
    /* factor edge: base 0.1, factor 3: a rate of exactly 0.3 is hot, 0.29 is not */
    {"rate at factor x baseline",
     5,
     {100, 100, 100, 100, 100},
     {10, 10, 10, 30, 10},
     DEF,
     0.1,
     IB_WV_DETECTED,
     1,
     {{3, 3, 30}}},
    {"rate just under factor x baseline",
     5,
     {100, 100, 100, 100, 100},
     {10, 10, 10, 29, 10},
     DEF,
     0.1,
     IB_WV_NONE_QUALIFIED,
     0,
     {{0, 0, 0}}},
    /* min-rate edge: base 0.5, factor 1: the rate must reach 0.55 */
    {"rate at baseline + min-rate",
     3,
     {100, 100, 100},
     {50, 55, 50},
     {1.0, 0.05, 3, 2, 3},
     0.5,
     IB_WV_DETECTED,
     1,
     {{1, 1, 55}}},
    {"rate under baseline + min-rate",
     3,
     {100, 100, 100},
     {50, 54, 50},
     {1.0, 0.05, 3, 2, 3},
     0.5,
     IB_WV_NONE_QUALIFIED,
     0,
     {{0, 0, 0}}},
    /* a bucket without attempts is never hot and stays out of the baseline */
    {"silent buckets",
     6,
     {0, 10, 0, 10, 0, 10},
     {0, 1, 0, 1, 0, 9},
     DEF,
     0.1,
     IB_WV_DETECTED,
     1,
     {{5, 5, 9}}},
    /* hysteresis: a ramp is taken from its first warm bucket to its last
     * (rate >= base + 0.025 and >= 2x base, with a failure) */
    {"soft edges", 12, A10, {0, 0, 1, 2, 6, 8, 3, 1, 0}, DEF, 0.05, IB_WV_DETECTED, 1, {{2, 7, 21}}},
    /* 1 of 100 (1 point) is not clearly above a zero baseline: the edge stops */
    {"edge below half the min-rate",
     4,
     {100, 100, 10, 100},
     {0, 1, 9, 0},
     DEF,
     0.005,
     IB_WV_DETECTED,
     1,
     {{2, 2, 9}}},
    /* base 0.1: 0.2 is 2x (warm), 0.19 is not */
    {"edge at 2x the baseline",
     7,
     {100, 100, 100, 100, 100, 100, 100},
     {10, 10, 19, 20, 40, 10, 10},
     DEF,
     0.1,
     IB_WV_DETECTED,
     1,
     {{3, 4, 60}}},
    /* extensions that meet merge into one window */
    {"extensions merge", 12, A10, {0, 6, 1, 1, 1, 1, 6}, DEF, 0.05, IB_WV_DETECTED, 1, {{1, 6, 16}}},
    /* an even count: the baseline is the mean of the two middle rates */
    {"even median", 4, {10, 10, 10, 10}, {0, 1, 3, 10}, DEF, 0.2, IB_WV_DETECTED, 1, {{3, 3, 10}}},
};

START_TEST(test_detect)
{
	const struct wcase *w = &wcases[_i];
	double rate[NMAX], scratch[NMAX], base;
	struct ib_window_span span[NMAX];
	enum ib_window_verdict v;
	size_t n = 99;

	memset(span, 0xff, sizeof(span));
	base = ib_window_rates(w->att, w->fail, w->nb, rate, scratch);
	ck_assert_msg(base > w->base - 1e-12 && base < w->base + 1e-12, "%s: baseline %g, want %g", w->name,
		      base, w->base);
	for (size_t b = 0; b < w->nb; b++)
		ck_assert(rate[b] == (w->att[b] ? (double)w->fail[b] / (double)w->att[b] : 0.0));
	v = ib_window_detect(w->att, w->fail, NULL, rate, w->nb, base, &w->p, span, &n);
	ck_assert_msg(v == w->want, "%s: verdict %d, want %d", w->name, (int)v, (int)w->want);
	ck_assert_msg(n == w->nspans, "%s: %zu windows, want %zu", w->name, n, w->nspans);
	for (size_t i = 0; i < n; i++) {
		const struct ib_window_span *x = &w->spans[i];

		ck_assert_msg(span[i].first == x->first && span[i].last == x->last,
			      "%s: window %zu is %zu..%zu, want %zu..%zu", w->name, i, span[i].first,
			      span[i].last, x->first, x->last);
		ck_assert_msg(span[i].failures == x->failures, "%s: window %zu has %llu failures, want %llu",
			      w->name, i, (unsigned long long)span[i].failures,
			      (unsigned long long)x->failures);
	}
}
END_TEST

/* A period qualifies only with a bucket failing for >= min_users users:
 * one user's typo or stale client is not an outage. */
START_TEST(test_min_users)
{
	static const uint64_t att[10] = {10, 10, 10, 10, 10, 10, 10, 10, 10, 10};
	static const uint64_t fail[10] = {0, 5, 0, 0, 0, 6, 6}, users[10] = {0, 1, 0, 0, 0, 2, 3};
	struct ib_window_params p = DEF;
	struct ib_window_span span[10];
	double rate[10], scratch[10], base = ib_window_rates(att, fail, 10, rate, scratch);
	size_t n;

	p.min_users = 3;
	ck_assert_int_eq(ib_window_detect(att, fail, users, rate, 10, base, &p, span, &n), IB_WV_DETECTED);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(span[0].first, 5);
	ck_assert_uint_eq(span[0].last, 6);
	p.min_users = 4;
	ck_assert_int_eq(ib_window_detect(att, fail, users, rate, 10, base, &p, span, &n),
			 IB_WV_NONE_QUALIFIED);
	ck_assert_uint_eq(n, 0);
	p.min_users = 1;
	ck_assert_int_eq(ib_window_detect(att, fail, users, rate, 10, base, &p, span, &n), IB_WV_DETECTED);
	ck_assert_uint_eq(n, 2);
}
END_TEST

START_TEST(test_warm)
{
	const struct ib_window_params p = DEF;

	ck_assert(!ib_window_warm(0, 0, 0.0, 0.0, &p));	  /* no attempts */
	ck_assert(!ib_window_warm(10, 0, 0.0, 0.0, &p));  /* no failure */
	ck_assert(ib_window_warm(40, 1, 0.025, 0.0, &p)); /* base + min_rate / 2 */
	ck_assert(!ib_window_warm(50, 1, 0.02, 0.0, &p));
	ck_assert(ib_window_warm(100, 20, 0.2, 0.1, &p)); /* (1 + factor) / 2 = 2x */
	ck_assert(!ib_window_warm(100, 19, 0.19, 0.1, &p));
	ck_assert(ib_window_warm(100, 3, 0.3, 0.1, &p)); /* hot is warm */
}
END_TEST

START_TEST(test_hot)
{
	const struct ib_window_params p = DEF;

	ck_assert(!ib_window_hot(0, 5, 9, 1.0, 0.0, &p)); /* no attempts */
	ck_assert(ib_window_hot(10, 3, 9, 0.3, 0.1, &p));
	ck_assert(!ib_window_hot(10, 2, 9, 0.3, 0.1, &p));  /* min-failures */
	ck_assert(!ib_window_hot(10, 3, 9, 0.04, 0.0, &p)); /* min-rate over a zero baseline */
	ck_assert(ib_window_hot(100, 5, 9, 0.05, 0.0, &p));
	ck_assert(ib_window_hot(100, 5, 3, 0.05, 0.0, &p));
	ck_assert(!ib_window_hot(100, 5, 2, 0.05, 0.0, &p)); /* min-users: one typo-ing user is no outage */
}
END_TEST

struct acase {
	int64_t s, e, B, as, ae;
};

static const struct acase acases[] = {
    {600, 1200, 300, 600, 1200},   /* on the boundaries */
    {601, 1199, 300, 600, 1200},   /* inside: widened both ways */
    {0, 1, 300, 0, 300},	   /* one ms */
    {-450, -10, 300, -600, 0},	   /* before the epoch */
    {-300, 300, 300, -300, 300},   /* across it */
    {299, 301, 300, 0, 600},	   /* straddling one boundary */
    {1000, 1000, 1000, 1000, 1000} /* empty, on a boundary */
};

START_TEST(test_align)
{
	const struct acase *x = &acases[_i];
	int64_t as, ae;

	ib_window_align(x->s, x->e, x->B, &as, &ae);
	ck_assert_int_eq(as, x->as);
	ck_assert_int_eq(ae, x->ae);
}
END_TEST

START_TEST(test_retry_bins)
{
	static const struct {
		uint64_t failures;
		size_t bin;
	} c[] = {{0, 0},  {1, 0},  {2, 1},   {3, 1},   {4, 2},
		 {10, 2}, {11, 3}, {100, 3}, {101, 4}, {UINT64_MAX, 4}};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		ck_assert_uint_eq(ib_retry_bin(c[i].failures), c[i].bin);
}
END_TEST

/* The rule sentence is made from the fields alone. */
START_TEST(test_explain)
{
	struct ib_result r;
	struct ib_window_params p = DEF;

	memset(&r, 0, sizeof(r));
	r.window_why.verdict = IB_WV_DETECTED;
	r.window_why.baseline = 0.125;
	r.window_why.series_present[IB_LAYER_SERVER] = 1;
	r.window_why.series_baseline[IB_LAYER_SERVER] = 0.125;
	r.window_why.series_present[IB_SERIES_ALL] = 1;
	r.window_why.series_baseline[IB_SERIES_ALL] = 0.1;
	r.window_why.params = p;
	ck_assert_int_eq(ib_result_explain(&r), IB_OK);
	ck_assert_str_eq(
	    r.window_rule,
	    "detected: each layer, the identity provider and the layers summed judged on their own "
	    "series against their own baseline (median server 12.5%, layers summed 10.0%): buckets "
	    "whose failure rate was >= 3.0x the baseline and >= baseline + 5.0 points, with >= 3 "
	    "failures of >= 3 distinct users, extended on both sides while the rate stayed >= 2.0x "
	    "the baseline and >= baseline + 2.5 points or a user failing for an outage in it failed so "
	    "again, merged across gaps of <= 2 buckets; every "
	    "such period is a window, the windows of all series joined; attack sources excluded");
	r.window_why.verdict = IB_WV_NO_EVENTS;
	r.window_why.given_start_ms = IB_TIME_NONE;
	ck_assert_int_eq(ib_result_explain(&r), IB_OK);
	ck_assert_str_eq(r.window_rule, "none: no events in range");
	free(r.window_rule);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("window");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_detect, 0, (int)(sizeof(wcases) / sizeof(wcases[0])));
	tcase_add_test(tc, test_hot);
	tcase_add_test(tc, test_warm);
	tcase_add_test(tc, test_min_users);
	tcase_add_loop_test(tc, test_align, 0, (int)(sizeof(acases) / sizeof(acases[0])));
	tcase_add_test(tc, test_retry_bins);
	tcase_add_test(tc, test_explain);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return ib_test_run(suite());
}
