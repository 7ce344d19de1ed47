/*
 * check_agg_iter.c: the aggregator's walk over cells (ib_agg_iter), which
 * the analysis uses instead of ib_agg_cell: it gives every cell once, in
 * ib_agg_cell's order and decoded the same, across runs of IB_AGG_RUN,
 * series of one entry and of many, empty series left by the server join,
 * and from ib_agg_nfull (the stored successes only); and an aggregator
 * whose indexes and successes were dropped (all, or but some users')
 * still reads and frees.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "imapblast/agg.h"
#include "testutil.h"

#define B 300000 /* 5 min */

static void add(struct ib_agg *a, uint32_t file, uint64_t line, int64_t t, const char *user, const char *ip,
		const char *server, enum ib_layer layer, enum ib_category cat)
{
	ib_test_add(a, file, line, t, user, ip, server, layer, cat, "s", 0);
}

/* Every cell from `from` through ib_agg_next equals ib_agg_cell's, in order. */
static void same_walk(const struct ib_agg *a, size_t from)
{
	struct ib_agg_iter it;
	size_t n = from;

	ib_agg_iter_init(&it, from);
	for (const struct ib_cell *c = ib_agg_next(a, &it); c; c = ib_agg_next(a, &it), n++) {
		struct ib_cell d;

		ck_assert_uint_eq(it.i, n);
		ck_assert_ptr_nonnull(ib_agg_cell(a, n, &d));
		ck_assert_int_eq(c->bucket, d.bucket);
		ck_assert_int_eq(c->first_ms, d.first_ms);
		ck_assert_int_eq(c->last_ms, d.last_ms);
		ck_assert_uint_eq(c->user, d.user);
		ck_assert_uint_eq(c->ip, d.ip);
		ck_assert_uint_eq(c->server, d.server);
		ck_assert_uint_eq(c->signature, d.signature);
		ck_assert_uint_eq(c->layer, d.layer);
		ck_assert_uint_eq(c->category, d.category);
		ck_assert_uint_eq(c->connection, d.connection);
		ck_assert_uint_eq(c->count, d.count);
		ck_assert_uint_eq(c->first_file, d.first_file);
		ck_assert_uint_eq(c->first_line, d.first_line);
	}
	ck_assert_uint_eq(n, ib_agg_ncells(a));
}

/* Users with 1..9 successes each (runs cross series), failures among them. */
static struct ib_agg *sample(void)
{
	struct ib_agg *a;
	char user[32], ip[32];
	uint32_t f;

	ck_assert_int_eq(ib_agg_new(&a, B), IB_OK);
	ck_assert_int_eq(ib_agg_file(a, "x.log", &f), IB_OK);
	for (int u = 0; u < 300; u++) {
		snprintf(user, sizeof(user), "u%d", u);
		snprintf(ip, sizeof(ip), "10.0.%d.%d", u >> 8, u & 255);
		for (int k = 0; k <= u % 9; k++)
			add(a, f, (uint64_t)u, (int64_t)k * B + u, user, ip, u % 2 ? "mx1" : "mx2",
			    IB_LAYER_SERVER, IB_CAT_OK);
		if (u % 7 == 0)
			add(a, f, (uint64_t)u, 3 * B, user, ip, "mx1", IB_LAYER_SERVER, IB_CAT_TEMPORARY);
	}
	return a;
}

START_TEST(test_walk_equals_cells)
{
	struct ib_agg *a = sample();

	ck_assert_uint_gt(ib_agg_ncells(a) - ib_agg_nfull(a), 3 * IB_AGG_RUN);
	same_walk(a, 0);
	same_walk(a, ib_agg_nfull(a));
	same_walk(a, ib_agg_nfull(a) / 2);
	ib_agg_free(a);
}
END_TEST

/* The join in place leaves empty series behind: the walk skips them. */
START_TEST(test_walk_after_join)
{
	struct ib_agg *a = sample(), *joined = NULL;
	struct ib_error err;
	char **names = NULL;
	size_t nnames = 0;
	uint32_t f;

	/* successes under mx1's address: odd users' join their mx1 series (left empty), even users'
	 * are renamed */
	ck_assert_int_eq(ib_agg_file(a, "p.log", &f), IB_OK);
	for (int u = 0; u < 300; u++) {
		char user[32], ip[32];

		snprintf(user, sizeof(user), "u%d", u);
		snprintf(ip, sizeof(ip), "10.0.%d.%d", u >> 8, u & 255);
		add(a, f, 1, B + u, user, u % 2 ? ip : "10.9.9.9", "192.0.2.1", IB_LAYER_SERVER, IB_CAT_OK);
	}
	ck_assert_int_eq(ib_agg_server_addr(a, IB_STR_LIT("mx1"), IB_STR_LIT("192.0.2.1")), IB_OK);
	ck_assert_int_eq(ib_agg_join_servers_take(a, &joined, &names, &nnames, &err), IB_OK);
	ck_assert_uint_eq(nnames, 1);
	same_walk(joined ? joined : a, 0);
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	ib_agg_free(joined);
	ib_agg_free(a);
}
END_TEST

START_TEST(test_drop)
{
	struct ib_agg *a = sample();
	size_t nfull = ib_agg_nfull(a);
	struct ib_agg_iter it;

	uint8_t *keep = calloc(ib_agg_nstr(a, IB_S_USER), 1);
	size_t kept = 0;

	ib_agg_drop_index(a);
	same_walk(a, 0);
	ck_assert_str_eq(ib_agg_str(a, IB_S_USER, 1), "u0");
	/* keep the successes of users u5, u14, u23, ... (u % 9 == 5: six each) */
	ck_assert_ptr_nonnull(keep);
	for (uint32_t u = 1; u < ib_agg_nstr(a, IB_S_USER); u++)
		keep[u] = strtol(ib_agg_str(a, IB_S_USER, u) + 1, NULL, 10) % 9 == 5;
	ib_agg_keep_successes(a, keep);
	same_walk(a, 0);
	ib_agg_iter_init(&it, nfull);
	for (const struct ib_cell *c = ib_agg_next(a, &it); c; c = ib_agg_next(a, &it), kept++)
		ck_assert(keep[c->user]);
	ck_assert_uint_eq(kept, 33 * 6); /* u5 .. u293 */
	free(keep);
	ib_agg_drop_successes(a);
	ck_assert_uint_eq(ib_agg_ncells(a), nfull);
	same_walk(a, 0);
	ib_agg_iter_init(&it, nfull);
	ck_assert_ptr_null(ib_agg_next(a, &it));
	ib_agg_free(a);
}
END_TEST

static Suite *agg_iter_suite(void)
{
	Suite *s = suite_create("agg_iter");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_walk_equals_cells);
	tcase_add_test(tc, test_walk_after_join);
	tcase_add_test(tc, test_drop);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return ib_test_run(agg_iter_suite());
}
