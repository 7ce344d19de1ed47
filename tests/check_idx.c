/*
 * check_idx.c: the aggregator's index of ids by hash (analyzer/idx.c)
 * alone, against a plain array: random puts and deletes, with hashes
 * drawn from a few values (long runs of equal tags, runs that wrap past
 * the table's end) and from many (growth); after every step each id is
 * found exactly where the array says, and deleted ids are gone. Then the
 * string table's keys (strtab.c folds and hashes a word at a time):
 * every length around the word size, upper case and NUL bytes anywhere,
 * against a byte-by-byte reference.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "imapblast/common.h"
#include "../analyzer/agg_int.h"
#include "testutil.h"

#define N 3000

static uint64_t rng = 1;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* 1 when id is found under hash h. */
static int has(const struct ib_idx *x, uint64_t h, uint32_t id)
{
	struct ib_idx_walk w;
	int64_t i;

	ib_idx_walk(x, h, &w);
	while ((i = ib_idx_next(x, &w)) >= 0)
		if (i == (int64_t)id)
			return 1;
	return 0;
}

static void check_all(const struct ib_idx *x, const uint64_t *hash, const int *in)
{
	size_t n = 0;

	for (uint32_t id = 0; id < N; id++) {
		ck_assert_int_eq(has(x, hash[id], id), in[id]);
		n += (size_t)in[id];
	}
	ck_assert_uint_eq(x->n, n);
}

static void run(uint64_t spread, uint64_t top)
{
	static uint64_t hash[N];
	static int in[N];
	struct ib_idx x = {0};

	rng = 88172645463325252ULL ^ spread;
	for (uint32_t id = 0; id < N; id++) {
		/* a few tags near the top of the table's range: runs wrap past its end */
		hash[id] = spread ? top - rnd() % spread : rnd();
		in[id] = 0;
	}
	for (int step = 0; step < 4 * N; step++) {
		uint32_t id = (uint32_t)(rnd() % N);
		struct ib_idx_walk w;
		int64_t i;

		ib_idx_walk(&x, hash[id], &w);
		while ((i = ib_idx_next(&x, &w)) >= 0 && i != (int64_t)id)
			;
		if (i < 0) {
			ck_assert_int_eq(in[id], 0);
			ck_assert_int_eq(ib_idx_put(&x, &w, id), IB_OK);
			in[id] = 1;
		} else if (rnd() % 3 == 0) {
			ck_assert_int_eq(in[id], 1);
			ib_idx_del(&x, &w);
			in[id] = 0;
		}
		if (step % 257 == 0)
			check_all(&x, hash, in);
	}
	check_all(&x, hash, in);
	ck_assert_uint_le(x.n * 4, (x.mask + 1) * 3);
	ib_idx_release(&x);
	ck_assert(x.slot == NULL && x.n == 0);
}

START_TEST(test_random)
{
	run(0, 0);
}
END_TEST

START_TEST(test_few_tags)
{
	run(5, 63);	      /* five tags at the end of the smallest table */
	run(40, 0xffffffffu); /* forty at the end of any table */
	run(1, 0);	      /* one tag for all */
}
END_TEST

/* The key as stored, byte by byte: NUL as '?', and with lower, 'A'-'Z' as 'a'-'z'. */
static void ref_key(const char *s, size_t len, int lower, char *out)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (lower && c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		out[i] = c ? c : '?';
	}
}

START_TEST(test_strtab_keys)
{
	static const char alpha[] = {'A', 'Z',	'a',	'z',	'@',	'[', '`',
				     '{', '\0', '\x80', '\xc1', '\xda', '.', '0'};
	struct ib_strtab t;
	char s[40], want[40];

	memset(&t, 0, sizeof(t));
	rng = 99;
	for (int round = 0; round < 4000; round++) {
		size_t len = (size_t)round % 25;
		int lower = (int)(rnd() & 1);
		uint32_t id, again;
		int64_t got;

		for (size_t i = 0; i < len; i++)
			s[i] = alpha[rnd() % sizeof(alpha)];
		ck_assert_int_eq(ib_strtab_intern(&t, s, len, lower ? IB_ST_LOWER : 0, &id), IB_OK);
		ref_key(s, len, lower, want);
		ck_assert_uint_eq(strlen(t.s[id]), len);
		ck_assert(memcmp(t.s[id], want, len) == 0);
		got = ib_strtab_get(&t, want, len);
		ck_assert_int_eq(got, (int64_t)id);
		/* the stored form interns to the same id */
		ck_assert_int_eq(ib_strtab_intern(&t, want, len, 0, &again), IB_OK);
		ck_assert_uint_eq(again, id);
	}
	ib_strtab_release(&t);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("idx");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_random);
	tcase_add_test(tc, test_few_tags);
	tcase_add_test(tc, test_strtab_keys);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return ib_test_run(suite());
}
