/*
 * check_strfind.c: ib_str_find (analyzer/common.c) against glibc memmem:
 * the same first match on random haystacks and needles over a small
 * alphabet (NUL bytes included), needles rewritten in place at one address
 * (the per-thread rare-byte memo must not change a result), edge lengths.
 */
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include "imapblast/common.h"
#include "testutil.h"

static long ref_find(const char *h, size_t hl, const char *n, size_t nl)
{
	const char *p;

	if (!nl)
		return 0;
	if (!hl)
		return -1;
	p = memmem(h, hl, n, nl);
	return p ? (long)(p - h) : -1;
}

START_TEST(test_random)
{
	static const char alpha[] = {'a', 'b', ' ', 'F', '\0', 'x'};
	unsigned s = 777u + (unsigned)_i;
	char needle[24]; /* one address, new contents each round */

	for (int it = 0; it < 20000; it++) {
		size_t hl, nl;
		char *hay;

		s = s * 1103515245u + 12345u;
		hl = (s >> 8) % 200;
		s = s * 1103515245u + 12345u;
		nl = (s >> 8) % sizeof(needle);
		hay = malloc(hl ? hl : 1); /* exact size: ASan sees an over-read */
		ck_assert(hay != NULL);
		for (size_t i = 0; i < hl; i++) {
			s = s * 1103515245u + 12345u;
			hay[i] = alpha[(s >> 16) % (_i ? 3 : sizeof(alpha))];
		}
		for (size_t i = 0; i < nl; i++) {
			s = s * 1103515245u + 12345u;
			needle[i] = alpha[(s >> 16) % (_i ? 3 : sizeof(alpha))];
		}
		/* half the time a needle taken from the haystack, so matches happen */
		if (it % 2 && hl >= nl && nl) {
			size_t at = (s >> 4) % (hl - nl + 1);

			memcpy(needle, hay + at, nl);
		}
		ck_assert_int_eq(ib_str_find((struct ib_str){hay, hl}, needle, nl),
				 ref_find(hay, hl, needle, nl));
		free(hay);
	}
}
END_TEST

struct fcase {
	const char *hay, *needle;
	long want;
};

static const struct fcase fcases[] = {
    {"abc", "", 0},
    {"", "", 0},
    {"", "a", -1},
    {"abc", "abc", 0},
    {"abc", "abcd", -1},
    {"xxabcabc", "abc", 2},
    {"aaaa", "aa", 0},
    {"a FAILED LOGIN for x", "FAILED LOGIN for ", 2},
    {"zzzzzzzzzz", "z", 0},
    {"abcz", "z", 3},
    {"LOGIN for LOGIN", "LOGIN", 0},
};

START_TEST(test_fixed)
{
	const struct fcase *c = &fcases[_i];

	ck_assert_int_eq(ib_str_find(ib_str_from(c->hay), c->needle, strlen(c->needle)), c->want);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("strfind");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_random, 0, 2);
	tcase_add_loop_test(tc, test_fixed, 0, (int)(sizeof(fcases) / sizeof(fcases[0])));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return ib_test_run(suite());
}
