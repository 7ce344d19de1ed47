/*
 * check_analysis.c: the blast radius on synthetic events fed through
 * ib_agg_add: temporary and Exchange-style outages, a password sprayer,
 * NAT and trusted proxies, recovery inside one bucket, given windows, no
 * failures, bucket boundaries, since/until, one failure seen at three
 * layers; two waves and given windows, an identity provider that must not
 * dilute nor be overruled, a stale client, a slow distributed spray and a
 * log gap. Every number is asserted exactly.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "imapblast/analysis.h"
#include "testutil.h"

#define B 300000LL
#define T0 1700000100000LL /* a multiple of B */

static struct ib_agg *A;
static uint32_t F;
static uint64_t LINE;
static struct ib_config CFG;

static void setup(void)
{
	ck_assert_int_eq(ib_agg_new(&A, B), IB_OK);
	ck_assert_int_eq(ib_agg_file(A, "test.log", &F), IB_OK);
	LINE = 0;
	ib_config_init(&CFG);
}

static void teardown(void)
{
	ib_agg_free(A);
	A = NULL;
}

/* One event with signature sig (NULL: login-ok or login-failed). */
static void evs(int64_t t, const char *user, const char *ip, const char *server, enum ib_layer layer,
		enum ib_category cat, const char *sig)
{
	struct ib_event e;
	struct ib_match m = {cat, sig ? sig : cat == IB_CAT_OK ? "login-ok" : "login-failed", -1};

	ib_event_clear(&e);
	e.time_ms = t;
	e.layer = layer;
	e.user = ib_str_from(user);
	e.ip = ib_str_from(ip);
	e.server = ib_str_from(server);
	ck_assert_int_eq(ib_agg_add(A, &e, &m, F, ++LINE), IB_OK);
}

static void ev(int64_t t, const char *user, const char *ip, const char *server, enum ib_layer layer,
	       enum ib_category cat)
{
	evs(t, user, ip, server, layer, cat, NULL);
}

static struct ib_result *analyze(void)
{
	struct ib_result *r = NULL;
	struct ib_error err;

	ck_assert_int_eq(ib_analyze(A, &CFG, &r, &err), IB_OK);
	ck_assert(r != NULL);
	return r;
}

static const struct ib_server_row *server(const struct ib_result *r, const char *name)
{
	for (size_t i = 0; i < r->nservers; i++)
		if (!strcmp(r->servers[i].server, name))
			return &r->servers[i];
	ck_abort_msg("no server %s", name);
	return NULL;
}

/*
 * Temporary outage: 12 buckets; a01-a03 on mx1, a04-a06 on mx2, h01-h03 on
 * mx3, one login each per bucket; in buckets 4-6 mx1 and mx2 fail.
 */
static void temporary_outage_order(int reverse)
{
	static const char *const u[] = {"a01", "a02", "a03", "a04", "a05", "a06", "h01", "h02", "h03"};
	static const char *const srv[] = {"mx1", "mx1", "mx1", "mx2", "mx2", "mx2", "mx3", "mx3", "mx3"};
	static const char *const ip[] = {"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5",
					 "10.0.0.6", "10.0.0.7", "10.0.0.8", "10.0.0.9"};

	for (int bb = 0; bb < 12; bb++)
		for (int ii = 0; ii < 9; ii++) {
			int b = reverse ? 11 - bb : bb, i = reverse ? 8 - ii : ii;
			int down = b >= 4 && b <= 6 && i < 6;

			LINE = (uint64_t)(b * 9 + i); /* same evidence in any order */

			ev(T0 + b * B + 1000 * (i + 1), u[i], ip[i], srv[i], IB_LAYER_SERVER,
			   down ? IB_CAT_TEMPORARY : IB_CAT_OK);
		}
}

static void temporary_outage(void)
{
	temporary_outage_order(0);
}

static void assert_temporary_users(const struct ib_result *r)
{
	ck_assert_int_eq(r->window_source, IB_WIN_DETECTED);
	ck_assert_int_eq(r->window_start_ms, T0 + 4 * B);
	ck_assert_int_eq(r->window_end_ms, T0 + 7 * B);
	ck_assert_uint_eq(r->affected_users, 6);
	ck_assert_uint_eq(r->nusers, 6);
	for (int i = 0; i < 6; i++) {
		const struct ib_user_row *u = &r->users[i];
		char name[16];

		snprintf(name, sizeof(name), "a%02d", i + 1);
		ck_assert_str_eq(u->user, name);
		ck_assert_int_eq(u->first_failure_ms, T0 + 4 * B + 1000 * (i + 1));
		ck_assert_int_eq(u->last_failure_ms, T0 + 6 * B + 1000 * (i + 1));
		ck_assert_uint_eq(u->failures, 3);
		ck_assert_uint_eq(u->successes, 0);
		ck_assert_uint_eq(u->impacted_minutes, 15);
		ck_assert_int_eq(u->recovered_at_ms, T0 + 7 * B + 1000 * (i + 1));
		ck_assert_str_eq(u->servers, i < 3 ? "mx1" : "mx2");
		ck_assert_str_eq(u->layers, "server");
		ck_assert_str_eq(u->categories, "temporary");
		ck_assert_int_eq(u->intermittent, 0);
	}
	ck_assert_uint_eq(r->outage_failures, 18);
	ck_assert_uint_eq(r->hard_users, 6);
	ck_assert_uint_eq(r->intermittent_users, 0);
	ck_assert_int_eq(r->peak_bucket_ms, T0 + 4 * B);
	ck_assert_uint_eq(r->peak_users, 6);
	ck_assert_uint_eq(r->recovered_users, 6);
	ck_assert_int_eq(r->ttr_median_ms, 3 * B);
	ck_assert_int_eq(r->ttr_p90_ms, 3 * B);
	ck_assert_int_eq(r->ttr_max_ms, 3 * B);
	ck_assert_uint_eq(r->retries_hist[1], 6);
}

START_TEST(test_temporary_outage)
{
	struct ib_result *r;
	const struct ib_server_row *s;

	temporary_outage();
	r = analyze();
	assert_temporary_users(r);
	ck_assert_str_eq(r->users[0].evidence, "test.log:37"); /* bucket 4, first user: 4 * 9 + 1 */
	ck_assert_uint_eq(r->events, 108);
	ck_assert_uint_eq(r->nattacks, 0);
	ck_assert_int_eq(r->range_start_ms, T0 + 1000);
	ck_assert_int_eq(r->range_end_ms, T0 + 11 * B + 9000);
	ck_assert_uint_eq(r->nbuckets, 12);
	ck_assert_uint_eq(r->buckets[4].outage_failures, 6);
	ck_assert_uint_eq(r->buckets[4].affected_users, 6);
	ck_assert_uint_eq(r->buckets[4].failures[IB_CAT_TEMPORARY], 6);
	ck_assert_uint_eq(r->buckets[4].successes, 3);
	ck_assert_int_eq(r->buckets[4].in_window, 1);
	ck_assert_int_eq(r->buckets[7].in_window, 0);
	ck_assert(strstr(r->window_rule, "detected: ") == r->window_rule);
	ck_assert(strstr(r->window_rule, "median server 0.0%, layers summed 0.0%)") != NULL);
	ck_assert_int_eq(r->window_why.verdict, IB_WV_DETECTED);
	ck_assert(r->window_why.baseline == 0.0);
	ck_assert_uint_eq(r->window_why.params.min_failures, CFG.window_min_failures);
	ck_assert_uint_eq(r->nservers, 3);
	ck_assert_str_eq(r->servers[0].server, "mx1");
	ck_assert_str_eq(r->servers[1].server, "mx2");
	ck_assert_str_eq(r->servers[2].server, "mx3");
	s = server(r, "mx1");
	ck_assert_int_eq(s->flagged, 1);
	ck_assert_uint_eq(s->attempts, 36);
	ck_assert_uint_eq(s->successes, 27);
	ck_assert_uint_eq(s->failures[IB_CAT_TEMPORARY], 9);
	ck_assert_uint_eq(s->win_attempts, 9);
	ck_assert_uint_eq(s->win_failures, 9);
	ck_assert(s->win_rate == 1.0);
	ck_assert(s->fleet_rate == 0.5);
	ck_assert(s->base_rate == 0.0);
	ck_assert_uint_eq(s->affected_users, 3);
	ck_assert_str_eq(s->layers, "server");
	s = server(r, "mx3");
	ck_assert_int_eq(s->flagged, 0);
	ck_assert_uint_eq(s->affected_users, 0);
	ck_assert(s->fleet_rate == 1.0);
	ck_assert_uint_eq(r->layers[IB_LAYER_SERVER].attempts, 108);
	ck_assert_uint_eq(r->layers[IB_LAYER_SERVER].win_attempts, 27);
	ck_assert_uint_eq(r->layers[IB_LAYER_SERVER].win_failures, 18);
	ck_assert_uint_eq(r->layers[IB_LAYER_SERVER].affected_users, 6);
	ck_assert_int_eq(r->layers[IB_LAYER_CLIENT].present, 0);
	ck_assert_uint_eq(r->nsigs, 2);
	ck_assert_str_eq(r->sigs[0].name, "login-ok");
	ck_assert_uint_eq(r->sigs[0].count, 90);
	ck_assert_uint_eq(r->sigs[1].count, 18);
	ck_assert_uint_eq(r->sigs[1].in_window, 18);
	ck_assert_int_eq(r->sigs[1].category, IB_CAT_TEMPORARY);
	ib_result_free(r);
}
END_TEST

START_TEST(test_since_until)
{
	struct ib_result *r;

	temporary_outage();
	CFG.since_ms = T0 + 2 * B;
	CFG.until_ms = T0 + 10 * B;
	r = analyze();
	assert_temporary_users(r);
	ck_assert_uint_eq(r->events, 72);
	ck_assert_uint_eq(r->nbuckets, 8);
	ck_assert_int_eq(r->range_start_ms, T0 + 2 * B + 1000);
	ck_assert_int_eq(r->range_end_ms, T0 + 9 * B + 9000);
	ib_result_free(r);
	/* a since inside a bucket drops that bucket (cells count by bucket start) */
	CFG.since_ms = T0 + 2 * B + 1;
	r = analyze();
	ck_assert_uint_eq(r->events, 63);
	ck_assert_int_eq(r->buckets[0].start_ms, T0 + 3 * B);
	ib_result_free(r);
}
END_TEST

/*
 * Exchange-style: credentials failures spike on ex1 in buckets 4-6; users
 * there succeed before and after; a typo outside the window; a ghost who
 * never succeeds.
 */
START_TEST(test_exchange_outage)
{
	struct ib_result *r;
	const struct ib_server_row *s;

	for (int b = 0; b < 12; b++) {
		for (int i = 0; i < 12; i++) {
			char user[16], ip[32];
			int ex1 = i < 8, down = ex1 && b >= 4 && b <= 6;

			snprintf(user, sizeof(user), "%c%02d", ex1 ? 'e' : 'f', i);
			snprintf(ip, sizeof(ip), "10.1.0.%d", i + 1);
			ev(T0 + b * B + 1000 * (i + 1), user, ip, ex1 ? "ex1" : "ex2", IB_LAYER_SERVER,
			   down ? IB_CAT_CREDENTIALS : IB_CAT_OK);
		}
	}
	ev(T0 + 1 * B + 50000, "typo1", "10.2.0.1", "ex2", IB_LAYER_SERVER, IB_CAT_CREDENTIALS);
	ev(T0 + 1 * B + 60000, "typo1", "10.2.0.1", "ex2", IB_LAYER_SERVER, IB_CAT_OK);
	ev(T0 + 9 * B + 50000, "typo2", "10.2.0.2", "ex1", IB_LAYER_SERVER, IB_CAT_CREDENTIALS);
	ev(T0 + 9 * B + 60000, "typo2", "10.2.0.2", "ex1", IB_LAYER_SERVER, IB_CAT_OK);
	ev(T0 + 5 * B + 50000, "ghost", "10.2.0.3", "ex1", IB_LAYER_SERVER, IB_CAT_CREDENTIALS);
	r = analyze();
	ck_assert_int_eq(r->window_source, IB_WIN_DETECTED);
	ck_assert_int_eq(r->window_start_ms, T0 + 4 * B);
	ck_assert_int_eq(r->window_end_ms, T0 + 7 * B);
	ck_assert_uint_eq(r->nusers, 8);
	for (int i = 0; i < 8; i++) {
		char user[16];

		snprintf(user, sizeof(user), "e%02d", i);
		ck_assert_str_eq(r->users[i].user, user);
		ck_assert_uint_eq(r->users[i].failures, 3);
		ck_assert_str_eq(r->users[i].categories, "credentials");
		ck_assert_str_eq(r->users[i].servers, "ex1");
		ck_assert_int_eq(r->users[i].recovered_at_ms, T0 + 7 * B + 1000 * (i + 1));
	}
	ck_assert_uint_eq(r->outage_failures, 24);
	ck_assert_uint_eq(r->nunverified, 1);
	ck_assert_str_eq(r->unverified[0].user, "ghost");
	ck_assert_uint_eq(r->unverified[0].failures, 1);
	ck_assert(strstr(r->unverified[0].reason, "no successful login") != NULL);
	ck_assert(r->unverified[0].cred_factor == CFG.cred_factor);
	s = server(r, "ex1");
	ck_assert_int_eq(s->cred_outage, 1);
	ck_assert_int_eq(s->flagged, 1);
	ck_assert_uint_eq(s->win_attempts, 25);
	ck_assert_uint_eq(s->win_failures, 24);
	ck_assert_uint_eq(s->affected_users, 8);
	ck_assert_uint_eq(s->failures[IB_CAT_CREDENTIALS], 26);
	s = server(r, "ex2");
	ck_assert_int_eq(s->cred_outage, 0);
	ck_assert_int_eq(s->flagged, 0);
	ck_assert_str_eq(r->servers[0].server, "ex1");
	ib_result_free(r);
}
END_TEST

/* A sprayer during the temporary outage: excluded, its users not affected. */
START_TEST(test_sprayer)
{
	struct ib_result *r;

	temporary_outage();
	for (int i = 0; i < 30; i++) {
		char user[16];

		snprintf(user, sizeof(user), "s%02d", i);
		ev(T0 + 5 * B + 100000 + i, i == 29 ? "a01" : user, "203.0.113.9", "mx1", IB_LAYER_SERVER,
		   IB_CAT_CREDENTIALS);
		if (i < 5)
			ev(T0 + 5 * B + 200000 + i, user, "203.0.113.9", "mx1", IB_LAYER_SERVER,
			   IB_CAT_TEMPORARY);
	}
	r = analyze();
	assert_temporary_users(r);
	ck_assert_uint_eq(r->nattacks, 1);
	ck_assert_str_eq(r->attacks[0].ip, "203.0.113.9");
	ck_assert_uint_eq(r->attacks[0].users, 30);
	ck_assert_uint_eq(r->attacks[0].failures, 35);
	ck_assert_uint_eq(r->attacks[0].successes, 0);
	ck_assert_int_eq(r->attacks[0].first_ms, T0 + 5 * B + 100000);
	ck_assert_int_eq(r->attacks[0].last_ms, T0 + 5 * B + 200004);
	ck_assert_str_eq(r->attacks[0].reason,
			 "failed for 30 distinct users, no success (>= 20, --attack-users)");
	ck_assert_int_eq(r->attacks[0].rule, IB_ATTACK_MANY_USERS);
	ck_assert_uint_eq(r->attacks[0].min_users, 20);
	ck_assert_uint_eq(r->attack_events, 35);
	ck_assert_uint_eq(r->events, 108 + 35);
	ck_assert_uint_eq(server(r, "mx1")->attempts, 36);
	ck_assert_uint_eq(r->buckets[5].failures[IB_CAT_CREDENTIALS], 0);
	ib_result_free(r);
}
END_TEST

/* NAT with a success is never an attack source; rule B; trusted proxies. */
START_TEST(test_nat_and_ratio)
{
	static const char *const trusted[] = {"192.0.2.60", NULL};
	struct ib_result *r;

	for (int i = 0; i < 25; i++) {
		char user[16];

		snprintf(user, sizeof(user), "n%02d", i);
		ev(T0 + 1000 + i, user, "198.51.100.1", "mx1", IB_LAYER_SERVER, IB_CAT_CREDENTIALS);
	}
	ev(T0 + 5000, "n00", "198.51.100.1", "mx1", IB_LAYER_SERVER, IB_CAT_OK);
	ev(T0 + 6000, "g1", "192.0.2.50", "mx1", IB_LAYER_SERVER, IB_CAT_CREDENTIALS);
	ev(T0 + 6001, "g2", "192.0.2.50", "mx1", IB_LAYER_SERVER, IB_CAT_CREDENTIALS);
	ev(T0 + 6002, "g3", "192.0.2.50", "mx1", IB_LAYER_SERVER, IB_CAT_POLICY);
	ev(T0 + 7000, "p1", "192.0.2.60", "mx1", IB_LAYER_SERVER, IB_CAT_CREDENTIALS);
	ev(T0 + 7001, "p2", "192.0.2.60", "mx1", IB_LAYER_SERVER, IB_CAT_CREDENTIALS);
	ev(T0 + 7002, "p3", "192.0.2.60", "mx1", IB_LAYER_SERVER, IB_CAT_CREDENTIALS);
	/* two users, one of whom logs in elsewhere: 50% < 80% */
	ev(T0 + 8000, "q1", "192.0.2.70", "mx1", IB_LAYER_SERVER, IB_CAT_CREDENTIALS);
	ev(T0 + 8001, "n01", "192.0.2.70", "mx1", IB_LAYER_SERVER, IB_CAT_CREDENTIALS);
	ev(T0 + 8002, "q3", "192.0.2.70", "mx1", IB_LAYER_SERVER, IB_CAT_CREDENTIALS);
	ev(T0 + 8003, "n01", "192.0.2.71", "mx1", IB_LAYER_SERVER, IB_CAT_OK);
	CFG.trusted_proxies = trusted;
	r = analyze();
	ck_assert_uint_eq(r->nattacks, 1);
	ck_assert_str_eq(r->attacks[0].ip, "192.0.2.50");
	ck_assert_uint_eq(r->attacks[0].users, 3);
	ck_assert(strstr(r->attacks[0].reason, "--attack-ratio") != NULL);
	ck_assert(strstr(r->attacks[0].reason, "3 of them (100%)") != NULL);
	ck_assert_int_eq(r->attacks[0].rule, IB_ATTACK_NEVER_LOGGED_IN);
	ck_assert_uint_eq(r->attacks[0].never_users, 3);
	ck_assert_uint_eq(r->attacks[0].min_users, CFG.attack_min_users);
	ck_assert(r->attacks[0].min_ratio == CFG.attack_ratio);
	ck_assert_uint_eq(r->attack_events, 3);
	ib_result_free(r);
	/* without --trusted-proxy, 192.0.2.60 is one; 192.0.2.70 (2 of 3 = 67% < 80%) is not */
	CFG.trusted_proxies = NULL;
	r = analyze();
	ck_assert_uint_eq(r->nattacks, 2);
	ck_assert_str_eq(r->attacks[0].ip, "192.0.2.50");
	ck_assert_str_eq(r->attacks[1].ip, "192.0.2.60");
	ib_result_free(r);
}
END_TEST

/* One bucket: detection finds nothing; a given window finds the users. */
START_TEST(test_single_bucket_given_window)
{
	struct ib_result *r;

	ev(T0 + 10000, "quick", "10.0.0.1", "mx1", IB_LAYER_SERVER, IB_CAT_TEMPORARY);
	ev(T0 + 20000, "quick", "10.0.0.1", "mx1", IB_LAYER_SERVER, IB_CAT_TEMPORARY);
	ev(T0 + 30000, "quick", "10.0.0.1", "mx1", IB_LAYER_SERVER, IB_CAT_OK);
	ev(T0 + 10000, "flap", "10.0.0.2", "mx1", IB_LAYER_SERVER, IB_CAT_TIMEOUT);
	ev(T0 + 20000, "flap", "10.0.0.2", "mx1", IB_LAYER_SERVER, IB_CAT_OK);
	ev(T0 + 40000, "flap", "10.0.0.2", "mx1", IB_LAYER_SERVER, IB_CAT_TIMEOUT);
	r = analyze();
	ck_assert_int_eq(r->window_source, IB_WIN_NONE);
	ck_assert_int_eq(r->window_start_ms, IB_TIME_NONE);
	ck_assert(strstr(r->window_rule, "none: no bucket qualified") == r->window_rule);
	ck_assert_int_eq(r->window_why.verdict, IB_WV_NONE_QUALIFIED);
	ck_assert_uint_eq(r->nusers, 0);
	ck_assert_uint_eq(r->nbuckets, 1);
	ib_result_free(r);

	CFG.window_start_ms = T0;
	CFG.window_end_ms = T0 + B;
	r = analyze();
	ck_assert_int_eq(r->window_source, IB_WIN_GIVEN);
	ck_assert_uint_eq(r->nusers, 2);
	ck_assert_str_eq(r->users[0].user, "flap");
	ck_assert_int_eq(r->users[0].intermittent, 1);
	ck_assert_int_eq(r->users[0].recovered_at_ms, IB_TIME_NONE);
	ck_assert_uint_eq(r->users[0].failures, 2);
	ck_assert_uint_eq(r->users[0].successes, 1);
	ck_assert_str_eq(r->users[0].categories, "timeout");
	ck_assert_str_eq(r->users[1].user, "quick");
	ck_assert_int_eq(r->users[1].intermittent, 0);
	ck_assert_int_eq(r->users[1].first_failure_ms, T0 + 10000);
	ck_assert_int_eq(r->users[1].last_failure_ms, T0 + 20000);
	ck_assert_int_eq(r->users[1].recovered_at_ms, T0 + 30000);
	ck_assert_uint_eq(r->users[1].impacted_minutes, 5);
	ck_assert_uint_eq(r->intermittent_users, 1);
	ck_assert_uint_eq(r->hard_users, 1);
	ck_assert_uint_eq(r->recovered_users, 1);
	ck_assert_int_eq(r->ttr_median_ms, 20000);
	ck_assert_uint_eq(r->retries_hist[1], 1);
	ck_assert_uint_eq(r->outage_failures, 4);
	ib_result_free(r);

	/* an unaligned window is widened to bucket boundaries */
	CFG.window_start_ms = T0 + 60000;
	CFG.window_end_ms = T0 + 120000;
	r = analyze();
	ck_assert_int_eq(r->window_start_ms, T0);
	ck_assert_int_eq(r->window_end_ms, T0 + B);
	ck_assert(strstr(r->window_rule, "widened") != NULL);
	ck_assert_uint_eq(r->nusers, 2);
	ib_result_free(r);

	CFG.window_end_ms = T0;
	ck_assert_int_eq(ib_analyze(A, &CFG, &r, NULL), IB_ERR_USAGE);
	ck_assert_ptr_null(r);
}
END_TEST

START_TEST(test_no_failures_and_boundaries)
{
	struct ib_result *r;

	ev(T0, "a", "10.0.0.1", "mx1", IB_LAYER_CLIENT, IB_CAT_OK);
	ev(T0 + 3 * B, "b", "10.0.0.1", "mx1", IB_LAYER_CLIENT, IB_CAT_OK);
	ev(T0 + 3 * B - 1, "c", "10.0.0.1", "mx1", IB_LAYER_CLIENT, IB_CAT_OK);
	r = analyze();
	ck_assert_int_eq(r->window_source, IB_WIN_NONE);
	ck_assert(strstr(r->window_rule, "none: no credentials") == r->window_rule);
	ck_assert_uint_eq(r->nusers, 0);
	ck_assert_uint_eq(r->affected_users, 0);
	ck_assert_uint_eq(r->nbuckets, 4);
	ck_assert_int_eq(r->buckets[3].start_ms, T0 + 3 * B);
	ck_assert_uint_eq(r->buckets[3].successes, 1);
	ck_assert_uint_eq(r->buckets[2].successes, 1);
	ck_assert_uint_eq(r->buckets[1].successes, 0);
	ck_assert_int_eq(r->range_end_ms, T0 + 3 * B);
	ck_assert_int_eq(r->peak_bucket_ms, IB_TIME_NONE);
	ck_assert_int_eq(r->ttr_median_ms, IB_TIME_NONE);
	ck_assert_uint_eq(r->nfiles, 1);
	ck_assert_str_eq(r->files[0].path, "test.log");
	ib_result_free(r);
}
END_TEST

/* One line dated 1970 among 2023 events: left out and counted, not a refusal. */
START_TEST(test_outlier_dates)
{
	struct ib_result *r;

	ev(T0, "a", "10.0.0.1", "mx1", IB_LAYER_SERVER, IB_CAT_OK);
	ev(T0 + B, "b", "10.0.0.2", "mx1", IB_LAYER_SERVER, IB_CAT_OK);
	ev(T0 + 2 * B, "c", "10.0.0.3", "mx1", IB_LAYER_SERVER, IB_CAT_TEMPORARY);
	ev(5000, "old", "10.0.0.4", "mx1", IB_LAYER_SERVER, IB_CAT_TEMPORARY);
	/* a success out there too (the aggregator's store of successes): out as well */
	ev(6000, "old", "10.0.0.4", "mx1", IB_LAYER_SERVER, IB_CAT_OK);
	r = analyze();
	ck_assert_uint_eq(r->outlier_events, 2);
	ck_assert_uint_eq(r->layers[IB_LAYER_SERVER].successes, 2);
	ck_assert_uint_eq(r->events, 3);
	ck_assert_uint_eq(r->nbuckets, 3);
	ck_assert_int_eq(r->range_start_ms, T0);
	ck_assert_int_eq(r->buckets[0].start_ms, T0);
	ib_result_free(r);
}
END_TEST

/*
 * A sprayer behind the proxy: the server layer sees only the proxy's
 * address, the proxy layer the attacker's. The join keeps the sprayed
 * users out; failures the proxy saw from elsewhere stay, and so do those
 * the server saw from a user's own address.
 */
START_TEST(test_sprayer_behind_proxy)
{
	struct ib_result *r;
	char u[16];

	CFG.window_start_ms = T0 + B;
	CFG.window_end_ms = T0 + 2 * B;
	ev(T0, "ok1", "10.0.0.10", "mx1", IB_LAYER_SERVER, IB_CAT_OK); /* the proxy has successes */
	for (int i = 0; i < 25; i++) {
		snprintf(u, sizeof(u), "u%02d", i);
		ev(T0 + B + i, u, "203.0.113.5", "", IB_LAYER_PROXY, IB_CAT_CREDENTIALS);
		ev(T0 + B + i, u, "10.0.0.10", "mx1", IB_LAYER_SERVER, IB_CAT_TEMPORARY);
		ev(T0 + 3 * B + i, u, "10.1.0.1", "mx1", IB_LAYER_SERVER, IB_CAT_OK);
	}
	/* a real user failing at the server only, and one the proxy saw from both */
	ev(T0 + B + 100, "real", "10.0.0.10", "mx1", IB_LAYER_SERVER, IB_CAT_TEMPORARY);
	ev(T0 + B + 101, "mixed", "203.0.113.5", "", IB_LAYER_PROXY, IB_CAT_CREDENTIALS);
	ev(T0 + B + 102, "mixed", "198.51.100.7", "", IB_LAYER_PROXY, IB_CAT_TEMPORARY);
	ev(T0 + B + 103, "mixed", "10.0.0.10", "mx1", IB_LAYER_SERVER, IB_CAT_TEMPORARY);
	/* a direct user the attacker sprayed at the same time: the server saw
	 * the user's own address (no other user's), so the failure is the user's */
	ev(T0 + B + 104, "direct", "203.0.113.5", "", IB_LAYER_PROXY, IB_CAT_CREDENTIALS);
	ev(T0 + B + 105, "direct", "10.2.0.9", "mx1", IB_LAYER_SERVER, IB_CAT_TIMEOUT);
	r = analyze();
	ck_assert_uint_eq(r->nattacks, 1);
	ck_assert_str_eq(r->attacks[0].ip, "203.0.113.5");
	ck_assert_uint_eq(r->nusers, 3);
	ck_assert_str_eq(r->users[0].user, "direct");
	ck_assert_str_eq(r->users[1].user, "mixed");
	ck_assert_str_eq(r->users[2].user, "real");
	/* 27 proxy-layer events of the attacker + 25 server-layer ones joined to it */
	ck_assert_uint_eq(r->attack_events, 27 + 25);
	ib_result_free(r);
}
END_TEST

/*
 * An identity provider beside client logs: Entra says "success" for every
 * attempt (the token was fine) while the IMAP session failed. Summed, its
 * many successes dilute four client failures in one bucket to 4 of 210 (1.9%,
 * under the 5 point margin); judged per series, the client's 4 of 10 stand
 * out, and the window is found.
 */
START_TEST(test_idp_does_not_dilute)
{
	struct ib_result *r;
	char u[16];

	for (int b = 0; b < 12; b++)
		for (int i = 0; i < 10; i++) {
			snprintf(u, sizeof(u), "c%02d", i);
			ev(T0 + b * B + i, u, "10.0.0.1", "imap.example.com", IB_LAYER_CLIENT,
			   b == 6 && i < 4 ? IB_CAT_CREDENTIALS : IB_CAT_OK);
			for (int k = 0; k < 20; k++) {
				snprintf(u, sizeof(u), "e%02d", i * 20 + k);
				evs(T0 + b * B + 100 + i * 20 + k,
				    k ? u : (snprintf(u, sizeof(u), "c%02d", i), u), "198.51.100.1", "",
				    IB_LAYER_SERVER, IB_CAT_OK, "entra-ok");
			}
		}
	r = analyze();
	ck_assert_int_eq(r->window_source, IB_WIN_DETECTED);
	ck_assert_uint_eq(r->nwindows, 1);
	ck_assert_int_eq(r->windows[0].start_ms, T0 + 6 * B);
	ck_assert_int_eq(r->windows[0].end_ms, T0 + 7 * B);
	ck_assert(r->window_why.series_present[IB_SERIES_IDP]);
	ck_assert(strstr(r->window_rule, "identity provider 0.0%") != NULL);
	ib_result_free(r);
}
END_TEST

/*
 * A stale client: u5's forgotten device (10.9.9.9) fails with credentials
 * errors in every bucket and never gets in; u5 logs in fine from its own
 * address. An Exchange-style outage (credentials failures) hits u1-u4 in
 * buckets 12-14. The device's failures stay out of the series and of the
 * credentials rule, and u5 is no victim: a stale-client row instead.
 */
START_TEST(test_stale_client)
{
	struct ib_result *r;
	char u[16], ip[32];

	for (int b = 0; b < 20; b++) {
		for (int i = 1; i <= 6; i++) {
			int fail = b >= 12 && b <= 14 && i <= 4;

			snprintf(u, sizeof(u), "u%d", i);
			snprintf(ip, sizeof(ip), "10.0.0.%d", i);
			ev(T0 + b * B + i, u, ip, "mx1", IB_LAYER_SERVER,
			   fail ? IB_CAT_CREDENTIALS : IB_CAT_OK);
		}
		ev(T0 + b * B + 100, "u5", "10.9.9.9", "mx1", IB_LAYER_SERVER, IB_CAT_CREDENTIALS);
	}
	r = analyze();
	ck_assert_uint_eq(r->nwindows, 1);
	ck_assert_int_eq(r->windows[0].start_ms, T0 + 12 * B);
	ck_assert_int_eq(r->windows[0].end_ms, T0 + 15 * B);
	ck_assert_uint_eq(r->nusers, 4);
	ck_assert_str_eq(r->users[3].user, "u4");
	ck_assert_uint_eq(r->nstale, 1);
	ck_assert_str_eq(r->stale[0].user, "u5");
	ck_assert_str_eq(r->stale[0].ip, "10.9.9.9");
	ck_assert_uint_eq(r->stale[0].failures, 20);
	ck_assert_uint_eq(r->stale[0].win_failures, 3);
	ck_assert(strstr(r->stale[0].reason, "stale client at 10.9.9.9") == r->stale[0].reason);
	ib_result_free(r);
}
END_TEST

/*
 * The identity provider decides: in bucket 6 the client logs a credentials
 * failure for a-d; Entra logged the same attempts as successes for a-c (the
 * token was fine, IMAP failed: the outage) and as a wrong password for d.
 */
START_TEST(test_idp_verdict)
{
	static const char *const u[] = {"a", "b", "c", "d"};
	struct ib_result *r;

	for (int b = 0; b < 12; b++)
		for (int i = 0; i < 4; i++) {
			int64_t t = T0 + b * B + i * 1000;

			ev(t, u[i], "", "imap.example.com", IB_LAYER_CLIENT,
			   b == 6 ? IB_CAT_CREDENTIALS : IB_CAT_OK);
			if (b == 6 && i == 3)
				evs(t + 2000, u[i], "10.0.0.9", "", IB_LAYER_SERVER, IB_CAT_CREDENTIALS,
				    "entra-50126");
			else
				evs(t + 2000, u[i], "10.0.0.9", "", IB_LAYER_SERVER, IB_CAT_OK, "entra-ok");
		}
	r = analyze();
	ck_assert_uint_eq(r->nwindows, 1);
	ck_assert_int_eq(r->windows[0].start_ms, T0 + 6 * B);
	ck_assert_uint_eq(r->nusers, 3);
	ck_assert_str_eq(r->users[0].user, "a");
	ck_assert_str_eq(r->users[2].user, "c");
	ib_result_free(r);
}
END_TEST

/*
 * A slow distributed spray: 24 addresses, one wrong password each for a
 * real user (who logs in from home), one address per bucket across the
 * range: one campaign, excluded. The same addresses in a burst of two
 * buckets are not (an outage's victims crowd like that), and an address
 * with a success (a NAT office) never is.
 */
static void spray_case(int burst)
{
	char u[16], ip[24];

	for (int b = 0; b < 24; b++) {
		for (int i = 0; i < 4; i++) {
			snprintf(u, sizeof(u), "u%d", i);
			ev(T0 + b * B + i, u, "10.0.0.1", "mx1", IB_LAYER_SERVER, IB_CAT_OK);
		}
		snprintf(u, sizeof(u), "u%d", b % 4);
		snprintf(ip, sizeof(ip), "100.64.0.%d", b + 1);
		ev(T0 + (burst ? b % 2 : b) * B + 100, u, ip, "mx1", IB_LAYER_SERVER, IB_CAT_CREDENTIALS);
	}
	ev(T0 + 100, "u1", "192.0.2.80", "mx1", IB_LAYER_SERVER, IB_CAT_CREDENTIALS); /* the office */
	ev(T0 + 200, "u2", "192.0.2.80", "mx1", IB_LAYER_SERVER, IB_CAT_OK);
}

START_TEST(test_spray_campaign)
{
	struct ib_result *r;

	CFG.attack_min_users = 3;
	spray_case(0);
	r = analyze();
	ck_assert_uint_eq(r->campaign.addresses, 24);
	ck_assert_uint_eq(r->campaign.users, 4);
	ck_assert_uint_eq(r->campaign.failures, 24);
	ck_assert_uint_eq(r->campaign.buckets, 24);
	ck_assert_uint_eq(r->attack_events, 24);
	ck_assert(strstr(r->campaign.reason, "slow distributed spray: 24 addresses") == r->campaign.reason);
	ib_result_free(r);
}
END_TEST

START_TEST(test_spray_burst_is_no_campaign)
{
	struct ib_result *r;

	spray_case(1);
	r = analyze();
	ck_assert_uint_eq(r->campaign.addresses, 0);
	ck_assert_uint_eq(r->attack_events, 0);
	ib_result_free(r);
}
END_TEST

/*
 * A log gap: mx1 logs nothing in buckets 4-6 while the proxy logs the
 * logins it routed there; mx2 is quiet but the proxy sent it nothing.
 */
START_TEST(test_log_gap)
{
	struct ib_result *r;

	for (int b = 0; b < 12; b++) {
		ev(T0 + b * B + 1, "p1", "10.0.0.1", "mx1", IB_LAYER_PROXY, IB_CAT_OK);
		if (b < 4 || b > 6)
			ev(T0 + b * B + 1, "p1", "10.0.0.10", "mx1", IB_LAYER_SERVER, IB_CAT_OK);
		if (b < 2)
			ev(T0 + b * B + 2, "p2", "10.0.0.2", "mx2", IB_LAYER_SERVER, IB_CAT_OK);
	}
	r = analyze();
	ck_assert_uint_eq(r->ngaps, 1);
	ck_assert_str_eq(r->gaps[0].server, "mx1");
	ck_assert_int_eq(r->gaps[0].start_ms, T0 + 4 * B);
	ck_assert_int_eq(r->gaps[0].end_ms, T0 + 7 * B);
	ck_assert_uint_eq(r->gaps[0].proxy_successes, 3);
	ck_assert_uint_eq(r->nusers, 0);
	ib_result_free(r);
}
END_TEST

/* Two waves: both are windows, with their own numbers; a user of either is affected. */
START_TEST(test_two_waves)
{
	struct ib_result *r;
	char u[16];

	for (int b = 0; b < 30; b++)
		for (int i = 0; i < 6; i++) {
			int fail = (b == 5 && i < 3) || ((b == 20 || b == 21) && i >= 2);

			snprintf(u, sizeof(u), "u%02d", i);
			ev(T0 + b * B + i, u, "10.0.0.1", "mx1", IB_LAYER_SERVER,
			   fail ? IB_CAT_TEMPORARY : IB_CAT_OK);
		}
	r = analyze();
	ck_assert_uint_eq(r->nwindows, 2);
	ck_assert_int_eq(r->windows[0].start_ms, T0 + 5 * B);
	ck_assert_int_eq(r->windows[0].end_ms, T0 + 6 * B);
	ck_assert_int_eq(r->windows[1].start_ms, T0 + 20 * B);
	ck_assert_int_eq(r->windows[1].end_ms, T0 + 22 * B);
	ck_assert_int_eq(r->window_start_ms, T0 + 5 * B);
	ck_assert_int_eq(r->window_end_ms, T0 + 22 * B);
	ck_assert_uint_eq(r->windows[0].affected_users, 3);
	ck_assert_uint_eq(r->windows[0].outage_failures, 3);
	ck_assert_uint_eq(r->windows[1].affected_users, 4);
	ck_assert_uint_eq(r->windows[1].outage_failures, 8);
	ck_assert_int_eq(r->windows[1].peak_bucket_ms, T0 + 20 * B);
	ck_assert_uint_eq(r->nusers, 6);
	ck_assert_int_eq(r->buckets[5].in_window, 1);
	ck_assert_int_eq(r->buckets[10].in_window, 0);
	ck_assert_int_eq(r->buckets[21].in_window, 2);
	ib_result_free(r);
}
END_TEST

/* --window twice: both windows, widened and sorted; overlapping ones merge. */
START_TEST(test_given_windows)
{
	struct ib_result *r;

	for (int b = 0; b < 10; b++)
		ev(T0 + b * B, "a", "10.0.0.1", "mx1", IB_LAYER_SERVER,
		   b == 2 || b == 7 ? IB_CAT_TIMEOUT : IB_CAT_OK);
	ck_assert_int_eq(ib_config_add_window(&CFG, T0 + 7 * B + 1, T0 + 8 * B), 0);
	ck_assert_int_eq(ib_config_add_window(&CFG, T0 + 2 * B, T0 + 3 * B), 0);
	ck_assert_int_eq(ib_config_add_window(&CFG, T0 + 2 * B + 5, T0 + 3 * B + 5), 0);
	r = analyze();
	ck_assert_int_eq(r->window_source, IB_WIN_GIVEN);
	ck_assert_uint_eq(r->nwindows, 2);
	ck_assert_int_eq(r->windows[0].start_ms, T0 + 2 * B);
	ck_assert_int_eq(r->windows[0].end_ms, T0 + 4 * B);
	ck_assert_int_eq(r->windows[1].start_ms, T0 + 7 * B);
	ck_assert_uint_eq(r->users[0].failures, 2);
	ck_assert(strstr(r->window_rule, "given: 2 windows") == r->window_rule);
	ib_result_free(r);
}
END_TEST

START_TEST(test_multi_layer)
{
	static const enum ib_layer L[] = {IB_LAYER_CLIENT, IB_LAYER_PROXY, IB_LAYER_SERVER};
	struct ib_result *r;

	ev(T0, "m1", "10.0.0.1", "mx1", IB_LAYER_SERVER, IB_CAT_OK);
	for (int k = 0; k < 2; k++)
		for (int l = 0; l < 3; l++)
			ev(T0 + 5 * B + 1000 * k + l, "M1", "10.0.0.1", "mx1", L[l], IB_CAT_TEMPORARY);
	ev(T0 + 6 * B + 500, "m1", "10.0.0.1", "mx1", IB_LAYER_SERVER, IB_CAT_OK);
	ev(T0 + 6 * B + 400, "m1", "10.0.0.1", "mx1", IB_LAYER_CLIENT, IB_CAT_OK);
	CFG.window_start_ms = T0 + 5 * B;
	CFG.window_end_ms = T0 + 6 * B;
	r = analyze();
	ck_assert_uint_eq(r->nusers, 1);
	ck_assert_str_eq(r->users[0].user, "m1");
	ck_assert_uint_eq(r->users[0].failures, 2);
	ck_assert_str_eq(r->users[0].layers, "client;proxy;server");
	ck_assert_int_eq(r->users[0].first_failure_ms, T0 + 5 * B);
	ck_assert_int_eq(r->users[0].last_failure_ms, T0 + 5 * B + 1002);
	ck_assert_int_eq(r->users[0].recovered_at_ms, T0 + 6 * B + 400);
	ck_assert_str_eq(r->users[0].evidence, "test.log:2");
	ck_assert_uint_eq(r->outage_failures, 6);
	for (int l = 0; l < 3; l++) {
		ck_assert_uint_eq(r->layers[l].win_failures, 2);
		ck_assert_uint_eq(r->layers[l].affected_users, 1);
		ck_assert_int_eq(r->layers[l].present, 1);
	}
	ck_assert_uint_eq(r->retries_hist[1], 1);
	ib_result_free(r);
}
END_TEST

/* Results do not depend on the order events (and so ids) arrived in. */
START_TEST(test_order_independent)
{
	struct ib_result *r1, *r2;

	temporary_outage();
	r1 = analyze();
	ib_agg_free(A);
	ck_assert_int_eq(ib_agg_new(&A, B), IB_OK);
	ck_assert_int_eq(ib_agg_file(A, "test.log", &F), IB_OK);
	temporary_outage_order(1); /* other ids */
	ck_assert_str_eq(ib_agg_str(A, IB_S_USER, 1), "h03");
	r2 = analyze();
	assert_temporary_users(r2);
	ck_assert_uint_eq(r1->nusers, r2->nusers);
	for (size_t i = 0; i < r1->nusers; i++) {
		ck_assert_str_eq(r1->users[i].user, r2->users[i].user);
		ck_assert_str_eq(r1->users[i].evidence, r2->users[i].evidence);
		ck_assert_str_eq(r1->users[i].servers, r2->users[i].servers);
	}
	for (size_t i = 0; i < r1->nservers; i++)
		ck_assert_str_eq(r1->servers[i].server, r2->servers[i].server);
	ck_assert_str_eq(r1->window_rule, r2->window_rule);
	ib_result_free(r1);
	ib_result_free(r2);
	ib_result_free(NULL);
}
END_TEST

static Suite *analysis_suite(void)
{
	Suite *s = suite_create("analysis");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_temporary_outage);
	tcase_add_test(tc, test_since_until);
	tcase_add_test(tc, test_exchange_outage);
	tcase_add_test(tc, test_sprayer);
	tcase_add_test(tc, test_nat_and_ratio);
	tcase_add_test(tc, test_single_bucket_given_window);
	tcase_add_test(tc, test_no_failures_and_boundaries);
	tcase_add_test(tc, test_multi_layer);
	tcase_add_test(tc, test_outlier_dates);
	tcase_add_test(tc, test_sprayer_behind_proxy);
	tcase_add_test(tc, test_idp_does_not_dilute);
	tcase_add_test(tc, test_two_waves);
	tcase_add_test(tc, test_stale_client);
	tcase_add_test(tc, test_log_gap);
	tcase_add_test(tc, test_spray_campaign);
	tcase_add_test(tc, test_spray_burst_is_no_campaign);
	tcase_add_test(tc, test_idp_verdict);
	tcase_add_test(tc, test_given_windows);
	tcase_add_test(tc, test_order_independent);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return ib_test_run(analysis_suite());
}
