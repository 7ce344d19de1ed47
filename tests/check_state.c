/*
 * check_state.c: state files of version 5 (analyzer/state_succ.c): the
 * successes by series round-trip exactly, whatever their values (counts
 * past 16 bits, times before 1970, buckets far apart, milliseconds,
 * spans with one event); the bytes are canonical (interning order, input
 * order, merge); a healthy day costs a few bytes a login; every byte
 * changed behind a right checksum loads or is refused, never crashes; a
 * state larger than the reader's window reads from its file as from
 * memory; the
 * version 4 fixture (tests/regress/state/, made by 4873bd0 from
 * the format samples) still loads and saves as version 5.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "imapblast/agg.h"
#include "testutil.h"

#define B 300000 /* 5 min */

static void add(struct ib_agg *a, uint64_t line, int64_t t, const char *user, const char *ip,
		const char *server, enum ib_layer layer, enum ib_category cat, const char *sig)
{
	uint32_t f;

	ck_assert_int_eq(ib_agg_file(a, "x.log", &f), IB_OK);
	ib_test_add(a, f, line, t, user, ip, server, layer, cat, sig, 0);
}

/* Event i of the mixed set: successes of every shape, and failures among them. */
static void mixed(struct ib_agg *a, int i)
{
	char user[32], ip[32];
	int u = i % 37, k = i / 37;
	int64_t t;

	snprintf(user, sizeof(user), "user%02d@example.org", (u * 17) % 37);
	snprintf(ip, sizeof(ip), "10.0.%d.%d", u % 3, u);
	switch (u % 6) {
	case 0: /* every 15 minutes, whole seconds */
		t = (int64_t)1768348800000 + (int64_t)k * 900000 + (u * 7919 % 300) * 1000;
		break;
	case 1: /* milliseconds, several logins a bucket */
		t = (int64_t)1768348800000 + (int64_t)(k / 3) * B + (k % 3) * 77777 + u;
		break;
	case 2: /* before 1970 */
		t = -(int64_t)k * 5 * B - 12345;
		break;
	case 3: /* buckets far apart: several store series, gaps past 31 */
		t = (int64_t)k * k * 40000 * B + 1000;
		break;
	case 4: /* 60 logins in the first bucket (past 16 bits for u = 22 below), then one a bucket */
		t = (int64_t)1768348800000 + (k < 60 ? 0 : (int64_t)k * B);
		break;
	default: /* failures, with successes at the proxy */
		add(a, (uint64_t)i, (int64_t)1768348800000 + (int64_t)k * 60000, user, ip, "mx1",
		    IB_LAYER_SERVER, IB_CAT_TIMEOUT, "timeout");
		t = (int64_t)1768348800000 + (int64_t)k * 60000;
		add(a, (uint64_t)i, t, user, ip, "proxy", IB_LAYER_PROXY, IB_CAT_OK, NULL);
		return;
	}
	add(a, (uint64_t)i, t, user, ip, u % 2 ? "mx2" : "mx1", IB_LAYER_SERVER, IB_CAT_OK, "login");
}

enum { NMIXED = 37 * 120 };

START_TEST(test_v5_canonical)
{
	struct ib_agg *a, *b, *h1, *h2, *y;
	struct ib_event ev;
	struct ib_match m = {IB_CAT_OK, "login", -1};
	unsigned char *sa, *sb, *sh, *sy;
	size_t la, lb, lh, ly;

	ck_assert_int_eq(ib_agg_new(&a, B), IB_OK);
	ck_assert_int_eq(ib_agg_new(&b, B), IB_OK);
	ck_assert_int_eq(ib_agg_new(&h1, B), IB_OK);
	ck_assert_int_eq(ib_agg_new(&h2, B), IB_OK);
	for (int i = 0; i < NMIXED; i++) {
		mixed(a, i);
		mixed(b, NMIXED - 1 - i); /* strings interned in another order */
		mixed(i % 2 ? h1 : h2, i);
	}
	for (int r = 0; r < 70000; r++) /* the first bucket of u = 22 (case 4): a count past 16 bits */
		for (int p = 0; p < 3; p++)
			add(p == 0   ? a
			    : p == 1 ? b
			    : r % 2  ? h1
				     : h2,
			    1, (int64_t)1768348800000 + r % 1000, "user04@example.org", "10.0.1.22", "mx1",
			    IB_LAYER_SERVER, IB_CAT_OK, "login");
	/* one success with a span and a count of one: two events, one taken back as a repeat */
	ib_event_clear(&ev);
	ev.time_ms = (int64_t)1768348800000 + 5 * B + 1000;
	ev.layer = IB_LAYER_SERVER;
	ev.user = ib_str_from("solo");
	ev.ip = ib_str_from("10.9.9.9");
	ev.server = ib_str_from("mx1");
	for (int p = 0; p < 3; p++) {
		struct ib_agg *x = p == 0 ? a : p == 1 ? b : h1;

		add(x, 1, ev.time_ms, "solo", "10.9.9.9", "mx1", IB_LAYER_SERVER, IB_CAT_OK, "login");
		add(x, 1, ev.time_ms + 2500, "solo", "10.9.9.9", "mx1", IB_LAYER_SERVER, IB_CAT_OK, "login");
		ck_assert_int_eq(ib_agg_sub(x, &ev, &m), IB_OK);
	}
	ck_assert_int_eq(ib_agg_merge_take(h1, h2, NULL), IB_OK);
	for (int p = 0; p < 3; p++) { /* one success kept among the cells, each time */
		struct ib_agg *x = p == 0 ? a : p == 1 ? b : h1;
		size_t n = 0;

		for (size_t i = 0; i < ib_agg_nfull(x); i++)
			n += ib_agg_cell(x, i, &(struct ib_cell){0})->category == IB_CAT_OK;
		ck_assert_uint_eq(n, 1);
	}
	ck_assert(ib_agg_equal(a, b));
	ck_assert(ib_agg_equal(a, h1));
	sa = ib_test_save_state(a, &la);
	sb = ib_test_save_state(b, &lb);
	sh = ib_test_save_state(h1, &lh);
	ck_assert_uint_eq(sa[8], 5);
	ck_assert(la == lb && memcmp(sa, sb, la) == 0);
	ck_assert(la == lh && memcmp(sa, sh, la) == 0);
	ck_assert_int_eq(ib_agg_load_buf(&y, sa, la, NULL), IB_OK);
	ck_assert(ib_agg_equal(a, y));
	sy = ib_test_save_state(y, &ly);
	ck_assert(la == ly && memcmp(sa, sy, la) == 0);
	/* and merged after loading: the same as the whole */
	ib_agg_free(y);
	ck_assert_int_eq(ib_agg_load_buf(&y, sa, la, NULL), IB_OK);
	ck_assert_int_eq(ib_agg_merge(y, a, NULL), IB_OK);
	ck_assert_int_eq(ib_agg_merge(b, a, NULL), IB_OK);
	ck_assert(ib_agg_equal(b, y));
	free(sa);
	free(sb);
	free(sh);
	free(sy);
	ib_agg_free(y);
	ib_agg_free(h2);
	ib_agg_free(h1);
	ib_agg_free(b);
	ib_agg_free(a);
}
END_TEST

/* A day of 1,000 healthy users logging in every 15 minutes at one server: a few bytes a login. */
START_TEST(test_v5_size)
{
	enum { USERS = 1000, LOGINS = 96 };
	struct ib_agg *a;
	unsigned char *s;
	size_t len;
	char user[40], ip[32];

	ck_assert_int_eq(ib_agg_new(&a, B), IB_OK);
	for (int u = 0; u < USERS; u++) {
		snprintf(user, sizeof(user), "user%06d@example.com", u);
		snprintf(ip, sizeof(ip), "10.%d.%d.%d", u >> 16, (u >> 8) & 255, u & 255);
		for (int k = 0; k < LOGINS; k++)
			add(a, 1, (int64_t)1768348800000 + (int64_t)k * 900000 + (u % 300) * 1000, user, ip,
			    "mx1", IB_LAYER_SERVER, IB_CAT_OK, "login");
	}
	ck_assert_uint_eq(ib_agg_ncells(a), USERS * LOGINS);
	s = ib_test_save_state(a, &len);
	/* version 4 took 63 bytes a login; strings, series and entries all in now */
	ck_assert_msg(len < (size_t)USERS * LOGINS * 5 / 2, "%zu bytes for %d logins", len, USERS * LOGINS);
	if (getenv("IB_STATE_SIZE"))
		printf("state of %d logins of %d users: %zu bytes\n", USERS * LOGINS, USERS, len);
	free(s);
	ib_agg_free(a);
}
END_TEST

/* Every byte changed, the checksum made right again: loaded (and then sound) or refused. */
START_TEST(test_v5_changed_bytes)
{
	struct ib_agg *a, *y;
	unsigned char *s;
	size_t len;
	struct ib_error err;
	int loaded = 0, refused = 0;

	ck_assert_int_eq(ib_agg_new(&a, B), IB_OK);
	for (int i = 0; i < 37 * 6; i++)
		mixed(a, i);
	s = ib_test_save_state(a, &len);
	for (size_t i = 28; i + 4 < len; i += getenv("IB_VALGRIND") ? 5 : 1)
		for (unsigned x = 1; x < 256; x <<= 3) { /* bits 0, 3 and 6 */
			uLong crc;
			int rc;

			s[i] ^= (unsigned char)x;
			crc = crc32(0L, s, (uInt)(len - 4));
			for (int k = 0; k < 4; k++)
				s[len - 4 + (size_t)k] = (unsigned char)(crc >> (8 * k));
			rc = ib_agg_load_buf(&y, s, len, &err);
			if (rc == IB_OK) {
				ck_assert(ib_agg_equal(y, y));
				for (size_t c = 0; c < ib_agg_ncells(y); c++) {
					struct ib_cell cb;
					const struct ib_cell *cell = ib_agg_cell(y, c, &cb);

					ck_assert_int_eq(cell->bucket,
							 cell->first_ms / B - (cell->first_ms % B < 0));
					ck_assert(cell->last_ms >= cell->first_ms && cell->count > 0);
				}
				loaded++;
			} else {
				ck_assert_int_eq(rc, IB_ERR_FORMAT);
				ck_assert_ptr_null(y);
				refused++;
			}
			ib_agg_free(y);
			s[i] ^= (unsigned char)x;
		}
	ck_assert_int_gt(refused, 0);
	ck_assert_int_gt(loaded, 0);
	free(s);
	ib_agg_free(a);
}
END_TEST

/*
 * A state past the reader's window (1 MiB): strings across its edges and
 * one longer than it, read from the file as from memory; a byte changed
 * in the file's middle is a checksum mismatch.
 */
START_TEST(test_v5_window)
{
	enum { USERS = 3000, BIG = 1536 * 1024 };
	struct ib_agg *a, *y, *z;
	struct ib_error err;
	char user[64], ip[32], *sig = malloc(BIG + 1), *path, *bad;
	unsigned char *s;
	size_t len;
	FILE *f;

	ck_assert(sig != NULL);
	ck_assert_int_eq(ib_agg_new(&a, B), IB_OK);
	for (int u = 0; u < USERS; u++) {
		snprintf(user, sizeof(user), "%08x.%d@users.example.net", (unsigned)u * 2654435761u, u);
		snprintf(ip, sizeof(ip), "2001:db8::%x", u * 7);
		for (int k = 0; k < 48; k++)
			add(a, 1, (int64_t)1768348800000 + (int64_t)k * 1800000 + u * 37, user, ip, "mx1",
			    IB_LAYER_SERVER, IB_CAT_OK, "login");
		if (u % 100 == 0) { /* signatures of 40 KiB, and one of 1.5 MiB */
			size_t n = u ? 40960 : BIG;

			memset(sig, 'a' + u % 26, n);
			snprintf(sig, 16, "%d", u);
			sig[strlen(sig)] = '-';
			sig[n] = '\0';
			add(a, 2, (int64_t)1768348800000 + u, user, ip, "mx1", IB_LAYER_SERVER,
			    IB_CAT_TIMEOUT, sig);
		}
	}
	len = 0;
	for (size_t i = 0; i < ib_agg_nstr(a, IB_S_SIG); i++)
		if (strlen(ib_agg_str(a, IB_S_SIG, (uint32_t)i)) > len)
			len = strlen(ib_agg_str(a, IB_S_SIG, (uint32_t)i));
	ck_assert_uint_eq(len, BIG);
	s = ib_test_save_state(a, &len);
	ck_assert_uint_gt(len, 3 * 1024 * 1024);
	path = ib_test_tmpfile(s, len, ".state");
	ck_assert(path != NULL);
	ck_assert_int_eq(ib_agg_load(&y, path, &err), IB_OK);
	ck_assert_int_eq(ib_agg_load_buf(&z, s, len, &err), IB_OK);
	ck_assert(ib_agg_equal(a, y));
	ck_assert(ib_agg_equal(a, z));
	s[len / 2] ^= 1;
	bad = ib_test_tmpfile(s, len, ".state");
	ck_assert(bad != NULL);
	ib_agg_free(y);
	ck_assert_int_eq(ib_agg_load(&y, bad, &err), IB_ERR_FORMAT);
	ck_assert_ptr_null(y);
	ck_assert(strstr(err.msg, "checksum mismatch") != NULL);
	/* cut short after the header said more: refused before the body is read */
	ck_assert((f = fopen(bad, "r+b")) != NULL);
	ck_assert_int_eq(ftruncate(fileno(f), (off_t)(len - 100)), 0);
	fclose(f);
	ck_assert_int_eq(ib_agg_load(&y, bad, &err), IB_ERR_FORMAT);
	ck_assert(strstr(err.msg, "truncated at byte") != NULL);
	unlink(path);
	unlink(bad);
	free(path);
	free(bad);
	free(sig);
	free(s);
	ib_agg_free(z);
	ib_agg_free(a);
}
END_TEST

START_TEST(test_v4_fixture)
{
	struct ib_agg *v4, *v5;
	struct ib_error err;
	unsigned char *s, *s2;
	size_t len, len2, n = 0;

	ck_assert_int_eq(ib_agg_load(&v4, IB_SOURCE_DIR "/tests/regress/state/formats-v4.state", &err),
			 IB_OK);
	for (size_t i = 0; i < ib_agg_ncells(v4); i++)
		n += ib_agg_cell(v4, i, &(struct ib_cell){0})->category == IB_CAT_OK;
	ck_assert_uint_gt(n, 10); /* successes, read into the store from the cells of version 4 */
	ck_assert_uint_gt(ib_agg_nfull(v4), 10);
	s = ib_test_save_state(v4, &len);
	ck_assert_uint_eq(s[8], 5);
	ck_assert_int_eq(ib_agg_load_buf(&v5, s, len, &err), IB_OK);
	ck_assert(ib_agg_equal(v4, v5));
	s2 = ib_test_save_state(v5, &len2);
	ck_assert(len == len2 && memcmp(s, s2, len) == 0);
	free(s);
	free(s2);
	ib_agg_free(v5);
	ib_agg_free(v4);
}
END_TEST

static Suite *state_suite(void)
{
	Suite *s = suite_create("state");
	TCase *tc = tcase_create("v5");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_v5_canonical);
	tcase_add_test(tc, test_v5_size);
	tcase_add_test(tc, test_v5_changed_bytes);
	tcase_add_test(tc, test_v5_window);
	tcase_add_test(tc, test_v4_fixture);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return ib_test_run(state_suite());
}
