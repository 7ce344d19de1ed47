/*
 * check_csvutil.c: parsers/csvutil.c against plain reference versions (the
 * field-by-field memchr split, the byte-by-byte unescape) on every line
 * over a small alphabet up to six bytes, pseudo-random longer lines, and a
 * few fixed cases.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <check.h>
#include "../parsers/csvutil.h"
#include "testutil.h"

#define MAXF 64

/* The split as it was before the inline search: the specification. */
static long ref_split(struct ib_str line, struct ib_csv_field *f, size_t max, const char **why)
{
	const char *p = line.ptr, *end = line.ptr + line.len;
	size_t n = 0;

	for (;;) {
		struct ib_csv_field cur = {{p, 0}, 0};

		if (n == max) {
			*why = "too many fields";
			return -1;
		}
		if (p < end && *p == '"') {
			const char *s = ++p;

			for (;;) {
				const char *q = p < end ? memchr(p, '"', (size_t)(end - p)) : NULL;

				if (!q) {
					*why = "unterminated quoted field";
					return -1;
				}
				if (q + 1 < end && q[1] == '"') {
					cur.escaped = 1;
					p = q + 2;
					continue;
				}
				cur.raw.ptr = s;
				cur.raw.len = (size_t)(q - s);
				p = q + 1;
				break;
			}
			if (p < end && *p != ',') {
				*why = "text after a closing quote";
				return -1;
			}
		} else {
			const char *c = p < end ? memchr(p, ',', (size_t)(end - p)) : NULL;
			const char *e = c ? c : end;

			cur.raw.ptr = p;
			cur.raw.len = (size_t)(e - p);
			p = e;
		}
		f[n++] = cur;
		if (p >= end)
			break;
		p++;
		if (p == end) {
			if (n == max) {
				*why = "too many fields";
				return -1;
			}
			f[n].raw.ptr = p;
			f[n].raw.len = 0;
			f[n].escaped = 0;
			n++;
			break;
		}
	}
	return (long)n;
}

static size_t ref_unescape(const struct ib_csv_field *f, char *w)
{
	size_t k = 0;

	for (size_t i = 0; i < f->raw.len; i++) {
		w[k++] = f->raw.ptr[i];
		if (f->raw.ptr[i] == '"' && i + 1 < f->raw.len && f->raw.ptr[i + 1] == '"')
			i++;
	}
	return k;
}

/* Split buf[0..len) (copied to the end of a heap block, so ASan sees any over-read) both ways. */
static void check_line(const char *text, size_t len, size_t max)
{
	char *heap = malloc(len ? len : 1);
	struct ib_csv_field a[MAXF], b[MAXF];
	const char *wa = NULL, *wb = NULL;
	struct ib_str line;
	long na, nb;

	ck_assert(heap != NULL);
	if (len)
		memcpy(heap, text, len);
	line = (struct ib_str){heap, len};
	na = ib_csv_split(line, a, max, &wa);
	nb = ref_split(line, b, max, &wb);
	ck_assert_msg(na == nb, "count %ld != %ld for [%.*s]", na, nb, (int)len, text);
	if (na < 0) {
		ck_assert_str_eq(wa, wb);
	} else {
		char ua[512], ub[512];

		for (long i = 0; i < na; i++) {
			size_t used = 0, k;
			struct ib_str v;

			ck_assert_msg(a[i].raw.ptr == b[i].raw.ptr && a[i].raw.len == b[i].raw.len &&
					  a[i].escaped == b[i].escaped,
				      "field %ld of [%.*s]", i, (int)len, text);
			v = ib_csv_value(&a[i], ua, sizeof(ua), &used);
			k = b[i].escaped ? ref_unescape(&b[i], ub) : b[i].raw.len;
			if (!b[i].escaped && k)
				memcpy(ub, b[i].raw.ptr, k);
			ck_assert_uint_eq(v.len, k);
			ck_assert(!k || !memcmp(v.ptr, ub, k));
			ck_assert_uint_eq(used, b[i].escaped ? k : 0);
		}
	}
	free(heap);
}

START_TEST(test_split_exhaustive)
{
	static const char alpha[] = "a,\" ";
	char buf[8];

	/* every line of up to 6 bytes over {a , " space}, with room for all fields and for 2 */
	for (size_t len = 0; len <= 6; len++) {
		size_t total = 1;

		for (size_t i = 0; i < len; i++)
			total *= 4;
		for (size_t k = 0; k < total; k++) {
			size_t v = k;

			for (size_t i = 0; i < len; i++, v /= 4)
				buf[i] = alpha[v % 4];
			check_line(buf, len, MAXF);
			check_line(buf, len, 2);
		}
	}
}
END_TEST

START_TEST(test_split_random)
{
	static const char alpha[] = "ab,\"\",x y,,\"";
	unsigned s = 12345;
	char buf[300];

	/* long lines cross the 16-byte blocks of the search in every way */
	for (int it = 0; it < 20000; it++) {
		size_t len;

		s = s * 1103515245u + 12345u;
		len = (s >> 8) % sizeof(buf);
		for (size_t i = 0; i < len; i++) {
			s = s * 1103515245u + 12345u;
			buf[i] = alpha[(s >> 16) % (sizeof(alpha) - 1)];
		}
		/* a quarter of the lines: well-formed quoted fields only */
		if (it % 4 == 0)
			for (size_t i = 0; i < len; i++)
				if (buf[i] == '"')
					buf[i] = 'q';
		check_line(buf, len, MAXF);
		check_line(buf, len, 5);
	}
}
END_TEST

struct fixed {
	const char *text;
	long n;
	const char *why;
};

static const struct fixed fixed_cases[] = {
    {"2025-12-04T08:19:41Z,r1,\"Paris, IDF, FR\",Failure,50126,,IMAP4,s1", 8, NULL},
    {"\"say \"\"hi\"\"\",x", 2, NULL},
    {"a,b,", 3, NULL},
    {"", 1, NULL},
    {"\"unterminated,abcdefghijklmnopqrstuvwxyz", -1, "unterminated quoted field"},
    {"\"closed\"x,abcdefghijklmnopqrstuvwxyz", -1, "text after a closing quote"},
    {"bare\"quote,kept", 2, NULL},
};

START_TEST(test_split_fixed)
{
	const struct fixed *c = &fixed_cases[_i];
	struct ib_csv_field f[MAXF];
	const char *why = NULL;
	long n = ib_csv_split(ib_str_from(c->text), f, MAXF, &why);

	ck_assert_int_eq(n, c->n);
	if (c->why)
		ck_assert_str_eq(why, c->why);
	check_line(c->text, strlen(c->text), MAXF);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("csvutil");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_split_exhaustive);
	tcase_add_test(tc, test_split_random);
	tcase_add_loop_test(tc, test_split_fixed, 0, (int)(sizeof(fixed_cases) / sizeof(fixed_cases[0])));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return ib_test_run(suite());
}
