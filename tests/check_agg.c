/*
 * check_agg.c: the aggregator: interning, cells and evidence, merge (a
 * seeded property test: any split, any merge order equals one aggregator
 * fed everything), merge of mismatched states, equality, and state files
 * (round trip, never through a symlink, truncation at every offset, flipped
 * bytes, version).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "imapblast/agg.h"
#include "testutil.h"

#define B 300000 /* 5 min */

static void add(struct ib_agg *a, uint32_t file, uint64_t line, int64_t t, const char *user, const char *ip,
		const char *server, enum ib_layer layer, enum ib_category cat, const char *sig,
		unsigned flags)
{
	ib_test_add(a, file, line, t, user, ip, server, layer, cat, sig, flags);
}

static const struct ib_cell *only_cell(const struct ib_agg *a)
{
	static struct ib_cell buf; /* decoded here: the aggregator stores cells compactly */

	ck_assert_uint_eq(ib_agg_ncells(a), 1);
	return ib_agg_cell(a, 0, &buf);
}

START_TEST(test_intern_and_cells)
{
	struct ib_agg *a;
	uint32_t f1, f2;
	const struct ib_cell *c;

	ck_assert_int_eq(ib_agg_new(&a, B), IB_OK);
	ck_assert_str_eq(ib_agg_str(a, IB_S_USER, 0), "");
	ck_assert_int_eq(ib_agg_file(a, "b.log", &f1), IB_OK);
	ck_assert_int_eq(ib_agg_file(a, "a.log", &f2), IB_OK);
	ck_assert_uint_ne(f1, f2);
	/* same key, different case: one cell; later file path "a.log" wins the tie */
	add(a, f1, 7, 1000, "Alice", "10.0.0.1", "mx1", IB_LAYER_SERVER, IB_CAT_TEMPORARY, "s", 0);
	add(a, f2, 9, 1000, "ALICE", "10.0.0.1", "mx1", IB_LAYER_SERVER, IB_CAT_TEMPORARY, "s", 0);
	add(a, f1, 3, 2000, "alice", "10.0.0.1", "mx1", IB_LAYER_SERVER, IB_CAT_TEMPORARY, "s", 0);
	c = only_cell(a);
	ck_assert_uint_eq(c->count, 3);
	ck_assert_int_eq(c->first_ms, 1000);
	ck_assert_int_eq(c->last_ms, 2000);
	ck_assert_uint_eq(c->first_file, f2);
	ck_assert_uint_eq(c->first_line, 9);
	ck_assert_str_eq(ib_agg_str(a, IB_S_USER, c->user), "alice");
	ck_assert_uint_eq(ib_agg_nstr(a, IB_S_USER), 2);
	ib_agg_free(a);
}
END_TEST

/*
 * Cells keep 32-bit fields with a side table for what does not fit: a
 * count, a first line and a span (last - first, with a long bucket) past
 * 2^32 stay exact through adding, taking back, merge and the state file.
 */
START_TEST(test_wide_values)
{
	const int64_t big_b = (int64_t)1 << 40, t0 = (int64_t)1 << 41;
	struct ib_agg *a, *x, *y = NULL;
	char *path = ib_test_tmpfile("", 0, ".state");
	struct ib_error err;
	struct ib_event ev;
	struct ib_match m = {IB_CAT_TIMEOUT, NULL, -1};
	const struct ib_cell *c;
	uint32_t f;

	ck_assert(path != NULL);
	ck_assert_int_eq(ib_agg_new(&a, big_b), IB_OK);
	ck_assert_int_eq(ib_agg_file(a, "x", &f), IB_OK);
	add(a, f, 5000000000ULL, t0 + 7, "u", "", "", IB_LAYER_CLIENT, IB_CAT_TIMEOUT, NULL, 0);
	add(a, f, 6000000000ULL, t0 + ((int64_t)1 << 34), "u", "", "", IB_LAYER_CLIENT, IB_CAT_TIMEOUT, NULL,
	    0);
	c = only_cell(a);
	ck_assert_uint_eq(c->count, 2);
	ck_assert_int_eq(c->bucket, 2);
	ck_assert_int_eq(c->first_ms, t0 + 7);
	ck_assert_int_eq(c->last_ms, t0 + ((int64_t)1 << 34));
	ck_assert_uint_eq(c->first_line, 5000000000ULL);
	add(a, f, 3, t0 + 7, "u", "", "", IB_LAYER_CLIENT, IB_CAT_TIMEOUT, NULL, 0);
	ck_assert_uint_eq(only_cell(a)->first_line, 3);
	/* doubling by merge: 2^33 and more events in one cell */
	for (int i = 0; i < 32; i++) {
		ck_assert_int_eq(ib_agg_new(&x, big_b), IB_OK);
		ck_assert_int_eq(ib_agg_merge(x, a, &err), IB_OK);
		ck_assert_int_eq(ib_agg_merge(x, a, &err), IB_OK);
		ib_agg_free(a);
		a = x;
	}
	ck_assert_uint_eq(only_cell(a)->count, (uint64_t)3 << 32);
	ck_assert_uint_eq(only_cell(a)->first_line, 3);
	ib_event_clear(&ev);
	ev.time_ms = t0 + 9;
	ev.layer = IB_LAYER_CLIENT;
	ev.user = ib_str_from("u");
	ck_assert_int_eq(ib_agg_sub(a, &ev, &m), IB_OK);
	ck_assert_uint_eq(only_cell(a)->count, ((uint64_t)3 << 32) - 1);
	ck_assert_int_eq(ib_agg_save(a, path, &err), IB_OK);
	ck_assert_int_eq(ib_agg_load(&y, path, &err), IB_OK);
	ck_assert(ib_agg_equal(a, y));
	ck_assert_uint_eq(only_cell(y)->count, ((uint64_t)3 << 32) - 1);
	ck_assert_int_eq(only_cell(y)->last_ms, t0 + ((int64_t)1 << 34));
	unlink(path);
	free(path);
	ib_agg_free(y);
	ib_agg_free(a);
}
END_TEST

START_TEST(test_buckets_and_placeholders)
{
	struct ib_agg *a;
	uint32_t f;
	const struct ib_cell *c;
	static const char nul_user[] = {'b', 0, 'O', 'b'};
	struct ib_event ev;
	struct ib_match m = {IB_CAT_OK, NULL, -1};

	ck_assert_int_eq(ib_agg_new(&a, B), IB_OK);
	ck_assert_int_eq(ib_agg_file(a, "x", &f), IB_OK);
	add(a, f, 1, 3 * B, "u", "", "", IB_LAYER_CLIENT, IB_CAT_OK, NULL, 0);
	c = only_cell(a);
	ck_assert_int_eq(c->bucket, 3);
	ib_agg_free(a);

	ck_assert_int_eq(ib_agg_new(&a, B), IB_OK);
	ck_assert_int_eq(ib_agg_file(a, "x", &f), IB_OK);
	add(a, f, 1, -1, "u", "", "", IB_LAYER_CLIENT, IB_CAT_OK, NULL, 0);
	ck_assert_int_eq(only_cell(a)->bucket, -1);
	ib_agg_free(a);

	ck_assert_int_eq(ib_agg_new(&a, B), IB_OK);
	ck_assert_int_eq(ib_agg_file(a, "x", &f), IB_OK);
	add(a, f, 1, 10, "someone", "1.2.3.4", "mx1", IB_LAYER_PROXY, IB_CAT_TEMPORARY, NULL,
	    IB_EV_CONNECTION);
	c = only_cell(a);
	ck_assert_uint_eq(c->user, 0);
	ck_assert_uint_eq(c->connection, 1);
	ib_agg_free(a);

	/* a NUL byte in a user name cannot truncate it */
	ck_assert_int_eq(ib_agg_new(&a, B), IB_OK);
	ck_assert_int_eq(ib_agg_file(a, "x", &f), IB_OK);
	ib_event_clear(&ev);
	ev.time_ms = 5;
	ev.user.ptr = nul_user;
	ev.user.len = sizeof(nul_user);
	ck_assert_int_eq(ib_agg_add(a, &ev, &m, f, 1), IB_OK);
	ck_assert_str_eq(ib_agg_str(a, IB_S_USER, only_cell(a)->user), "b?ob");
	/* bad input is refused, not stored */
	m.category = IB_CAT_NONE;
	ck_assert_int_eq(ib_agg_add(a, &ev, &m, f, 1), IB_ERR_USAGE);
	m.category = IB_CAT_OK;
	ev.time_ms = IB_TIME_NONE;
	ck_assert_int_eq(ib_agg_add(a, &ev, &m, f, 1), IB_ERR_USAGE);
	ck_assert_uint_eq(ib_agg_ncells(a), 1);
	ib_agg_free(a);
}
END_TEST

/*
 * Successes live in their own store (agg_succ.c), without evidence: the
 * same content whatever the order, with counts past 16 bits, times past
 * its range, buckets on both sides of a series' edge and bucket lengths
 * past 32 bits kept among the cells instead.
 */
START_TEST(test_successes)
{
	struct ib_agg *a, *b, *c, *y = NULL;
	struct ib_event ev;
	struct ib_match m = {IB_CAT_OK, NULL, -1};
	unsigned char *buf;
	size_t len;
	uint32_t f;

	ck_assert_int_eq(ib_agg_new(&a, B), IB_OK);
	ck_assert_int_eq(ib_agg_new(&b, B), IB_OK);
	ck_assert_int_eq(ib_agg_file(b, "x.log", &f), IB_OK);
	ck_assert_int_eq(ib_agg_file(a, "x.log", &f), IB_OK);
	add(a, f, 7, 5 * B + 3, "u", "10.0.0.1", "mx1", IB_LAYER_SERVER, IB_CAT_OK, "s", 0);
	ck_assert_uint_eq(only_cell(a)->first_line, 0); /* no evidence */
	ck_assert_uint_eq(only_cell(a)->first_file, 0);
	ck_assert_int_eq(only_cell(a)->first_ms, 5 * B + 3);
	/* 70000 events in one cell: past the store's 16 bits, still exact */
	for (int i = 0; i < 70000; i++)
		add(a, f, 8, 5 * B + 1 + i % 5, "u", "10.0.0.1", "mx1", IB_LAYER_SERVER, IB_CAT_OK, "s", 0);
	ck_assert_uint_eq(only_cell(a)->count, 70001);
	ck_assert_int_eq(only_cell(a)->first_ms, 5 * B + 1);
	ck_assert_int_eq(only_cell(a)->last_ms, 5 * B + 5);
	/* buckets on both sides of a series edge (65536 buckets), before 1970, out of order */
	for (int64_t k = 65530; k < 65542; k++) {
		int64_t bk = k % 3 ? k : -k;

		add(a, f, 9, bk * B + k, "v", "10.0.0.2", "mx1", IB_LAYER_PROXY, IB_CAT_OK, NULL, 0);
		add(b, f, 9, (-bk) * B + 1, "v", "10.0.0.2", "mx1", IB_LAYER_PROXY, IB_CAT_OK, NULL, 0);
	}
	for (int64_t k = 65541; k >= 65530; k--) {
		int64_t bk = k % 3 ? k : -k;

		add(b, f, 9, bk * B + k, "v", "10.0.0.2", "mx1", IB_LAYER_PROXY, IB_CAT_OK, NULL, 0);
		add(a, f, 9, (-bk) * B + 1, "v", "10.0.0.2", "mx1", IB_LAYER_PROXY, IB_CAT_OK, NULL, 0);
	}
	for (int i = 0; i < 70001; i++)
		add(b, f, 1, 5 * B + 1 + (i * 7) % 5, "u", "10.0.0.1", "mx1", IB_LAYER_SERVER, IB_CAT_OK, "s",
		    0);
	ck_assert_uint_eq(ib_agg_ncells(a), 25);
	ck_assert(ib_agg_equal(a, b));
	/* a repeated event comes off the success it was counted in */
	ib_event_clear(&ev);
	ev.time_ms = 5 * B + 2;
	ev.layer = IB_LAYER_PROXY;
	ev.user = ib_str_from("v");
	ev.ip = ib_str_from("10.0.0.2");
	ev.server = ib_str_from("mx1");
	ck_assert_int_eq(ib_agg_sub(a, &ev, &m), IB_ERR_USAGE); /* no such success */
	ev.time_ms = (int64_t)65531 * B + 1;
	ck_assert_int_eq(ib_agg_sub(a, &ev, &m), IB_ERR_USAGE); /* it holds one */
	add(a, f, 9, (int64_t)65531 * B + 65531, "v", "10.0.0.2", "mx1", IB_LAYER_PROXY, IB_CAT_OK, NULL, 0);
	ck_assert_int_eq(ib_agg_sub(a, &ev, &m), IB_OK);
	ck_assert(ib_agg_equal(a, b));
	/* merge both ways, and the state file */
	ck_assert_int_eq(ib_agg_new(&c, B), IB_OK);
	ck_assert_int_eq(ib_agg_merge(c, a, NULL), IB_OK);
	ck_assert_int_eq(ib_agg_merge(c, b, NULL), IB_OK);
	ck_assert_int_eq(ib_agg_merge(b, a, NULL), IB_OK);
	ck_assert(ib_agg_equal(b, c));
	buf = ib_test_save_state(c, &len);
	ck_assert_int_eq(ib_agg_load_buf(&y, buf, len, NULL), IB_OK);
	ck_assert(ib_agg_equal(c, y));
	free(buf);
	ib_agg_free(y);
	ib_agg_free(c);
	ib_agg_free(b);
	ib_agg_free(a);
	/* a bucket past 32 bits of ms: successes among the cells, still without evidence */
	ck_assert_int_eq(ib_agg_new(&a, (int64_t)1 << 40), IB_OK);
	ck_assert_int_eq(ib_agg_file(a, "x.log", &f), IB_OK);
	add(a, f, 5, ((int64_t)1 << 41) + 7, "u", "", "", IB_LAYER_CLIENT, IB_CAT_OK, NULL, 0);
	add(a, f, 4, ((int64_t)1 << 41) + 9, "u", "", "", IB_LAYER_CLIENT, IB_CAT_OK, NULL, 0);
	ck_assert_uint_eq(only_cell(a)->count, 2);
	ck_assert_uint_eq(only_cell(a)->first_line, 0);
	ib_agg_free(a);
}
END_TEST

/* ---- the merge property ---- */

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

struct synth {
	int kind; /* 0 event, 1 file counts, 2 error, 3 reason */
	int file;
	uint64_t line;
	int64_t t;
	int user, ip, server, sig, layer, cat, conn;
};

static const char *const users[] = {"", "alice", "Alice", "BOB", "bob", "carol", "dave", "erin", "zed"};
static const char *const ips[] = {"", "10.0.0.1", "10.0.0.2", "192.0.2.7", "2001:db8::1"};
static const char *const servers[] = {"", "mx1", "mx2", "mx3"};
static const char *const sigs[] = {NULL, "auth-failed", "backend-down", "timeout"};
static const char *const files[] = {"a.log", "b.log", "c.log.gz", "d/e.log", "0"};
static const char *const reasons[] = {"no timestamp", "too short", "bad json"};

static void synth_make(struct synth *s)
{
	memset(s, 0, sizeof(*s));
	s->kind = rnd(20) == 0 ? 1 + (int)rnd(3) : 0;
	s->file = (int)rnd(5);
	s->line = 1 + rnd(50); /* duplicates on purpose: evidence ties */
	s->t = (int64_t)rnd(8 * B) - 2 * B;
	if (rnd(3) == 0)
		s->t = (s->t / 1000) * 1000; /* more equal times */
	s->user = (int)rnd(9);
	s->ip = (int)rnd(5);
	s->server = (int)rnd(4);
	s->sig = (int)rnd(4);
	s->layer = (int)rnd(3);
	s->cat = 1 + (int)rnd(6);
	s->conn = rnd(10) == 0;
}

static void synth_apply(struct ib_agg *a, const struct synth *s)
{
	uint32_t f;

	ck_assert_int_eq(ib_agg_file(a, files[s->file], &f), IB_OK);
	if (s->kind == 0) {
		add(a, f, s->line, s->t, users[s->user], ips[s->ip], servers[s->server],
		    (enum ib_layer)s->layer, (enum ib_category)s->cat, sigs[s->sig],
		    s->conn ? IB_EV_CONNECTION : 0);
	} else if (s->kind == 1) {
		struct ib_file_counts c;

		memset(&c, 0, sizeof(c));
		c.lines = s->line;
		c.events = s->line / 2;
		c.bytes_in = (uint64_t)s->user * 100;
		c.gzip = s->file == 2;
		c.format = s->cat % 2 ? "dovecot" : "syslog";
		/* coverage (state version 2): samples depend on the line only */
		char s0[32], s1[32];
		snprintf(s0, sizeof(s0), "first %llu", (unsigned long long)s->line);
		snprintf(s1, sizeof(s1), "next %llu", (unsigned long long)s->line);
		c.login_unmatched = s->ip;
		c.status = s->sig % 3;
		c.sample[0] = s0;
		c.sample_line[0] = s->line;
		c.sample[1] = s->user % 2 ? NULL : s1;
		c.sample_line[1] = s->user % 2 ? 0 : s->line + 1;
		if (c.sample[1] == NULL)
			snprintf(s0, sizeof(s0), "only %llu", (unsigned long long)s->line);
		ck_assert_int_eq(ib_agg_file_counts(a, f, &c), IB_OK);
	} else if (s->kind == 2) {
		struct ib_error e;

		ib_error_set(&e, IB_ERR_FORMAT, 0, files[s->file], s->line % 7, "corrupt gzip");
		ck_assert_int_eq(ib_agg_file_error(a, &e), IB_OK);
	} else {
		char sample[48];

		ck_assert_int_eq(ib_agg_reason(a, reasons[s->cat % 3], 1 + (uint64_t)s->ip, f, s->line),
				 IB_OK);
		snprintf(sample, sizeof(sample), "%s line %llu", files[s->file], (unsigned long long)s->line);
		ck_assert_int_eq(
		    ib_agg_shape(a, reasons[s->sig % 3], sample, 1 + (uint64_t)s->user, f, s->line), IB_OK);
	}
}

static void merge_property(int seed)
{
	enum { N = 3000 };
	struct synth *ev = malloc(N * sizeof(*ev));
	int *part = malloc(N * sizeof(int));
	struct ib_agg *all, *parts[5], *merged;
	int nparts, order[5];

	ck_assert(ev && part);
	rng_state = 0x9e3779b97f4a7c15ull ^ (uint64_t)(seed + 1) * 0x2545f4914f6cdd1dull;
	for (int i = 0; i < N; i++)
		synth_make(&ev[i]);
	nparts = 2 + (int)rnd(4);
	ck_assert_int_eq(ib_agg_new(&all, B), IB_OK);
	for (int i = 0; i < N; i++)
		synth_apply(all, &ev[i]);
	for (int p = 0; p < nparts; p++) {
		ck_assert_int_eq(ib_agg_new(&parts[p], B), IB_OK);
		order[p] = p;
	}
	/* random split: contiguous runs or scattered, each part in its own order */
	for (int i = 0; i < N; i++)
		part[i] = seed % 2 ? (int)rnd((uint32_t)nparts) : i * nparts / N;
	for (int p = 0; p < nparts; p++) {
		if (rnd(2))
			for (int i = N - 1; i >= 0; i--) {
				if (part[i] == p)
					synth_apply(parts[p], &ev[i]);
			}
		else
			for (int i = 0; i < N; i++)
				if (part[i] == p)
					synth_apply(parts[p], &ev[i]);
	}
	for (int p = nparts - 1; p > 0; p--) {
		int j = (int)rnd((uint32_t)p + 1), t = order[p];

		order[p] = order[j];
		order[j] = t;
	}
	ck_assert_int_eq(ib_agg_new(&merged, B), IB_OK);
	for (int p = 0; p < nparts; p++)
		ck_assert_int_eq(ib_agg_merge(merged, parts[order[p]], NULL), IB_OK);
	ck_assert(ib_agg_equal(all, merged));
	ck_assert(ib_agg_equal(merged, all));
	/* merging into a non-empty part also works */
	ck_assert_int_eq(ib_agg_merge(parts[order[0]], parts[order[1]], NULL), IB_OK);
	for (int p = 2; p < nparts; p++)
		ck_assert_int_eq(ib_agg_merge(parts[order[0]], parts[order[p]], NULL), IB_OK);
	ck_assert(ib_agg_equal(all, parts[order[0]]));
	/* and a difference is seen */
	add(merged, 0, 1, 0, "alice", "", "", IB_LAYER_CLIENT, IB_CAT_OK, NULL, 0);
	ck_assert(!ib_agg_equal(all, merged));
	for (int p = 0; p < nparts; p++)
		ib_agg_free(parts[p]);
	ib_agg_free(all);
	ib_agg_free(merged);
	free(ev);
	free(part);
}

START_TEST(test_merge_property)
{
	merge_property(_i);
}
END_TEST

/* The same with 2-bit hashes: nearly every key takes the exact collision path. */
START_TEST(test_merge_property_collisions)
{
	ib_agg_hash_mask = 3;
	merge_property(_i);
	ib_agg_hash_mask = ~(uint64_t)0;
}
END_TEST

/*
 * Thousands of distinct strings and cells through 1-bit hashes: every id
 * and count is still exact, and a state file reads back equal.
 */
START_TEST(test_collisions_exact)
{
	enum { N = 2000 };
	struct ib_agg *a, *b;
	char user[32], ip[48], path[64];
	uint32_t f;
	struct ib_error err;

	ib_agg_hash_mask = 1;
	ck_assert_int_eq(ib_agg_new(&a, B), IB_OK);
	ck_assert_int_eq(ib_agg_file(a, "x.log", &f), IB_OK);
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < N; i++) {
			snprintf(user, sizeof(user), "User%d", i);
			/* canonical dotted quads, IPv6 and a non-canonical quad */
			if (i % 3 == 0)
				snprintf(ip, sizeof(ip), "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
			else if (i % 3 == 1)
				snprintf(ip, sizeof(ip), "2001:db8::%x", i);
			else
				snprintf(ip, sizeof(ip), "010.0.%d.%d", (i >> 8) & 255, i & 255);
			add(a, f, (uint64_t)i + 1, (int64_t)(i % 4) * B, user, ip, "mx1", IB_LAYER_SERVER,
			    IB_CAT_TEMPORARY, "s", 0);
		}
	ck_assert_uint_eq(ib_agg_nstr(a, IB_S_USER), N + 1);
	ck_assert_uint_eq(ib_agg_nstr(a, IB_S_IP), N + 1);
	ck_assert_uint_eq(ib_agg_ncells(a), N);
	for (size_t i = 0; i < ib_agg_ncells(a); i++) {
		const struct ib_cell *c = ib_agg_cell(a, i, &(struct ib_cell){0});
		int n = (int)strtol(ib_agg_str(a, IB_S_USER, c->user) + 4, NULL, 10);

		ck_assert_uint_eq(c->count, 2);
		ck_assert_int_eq(c->first_ms, (int64_t)(n % 4) * B);
		ck_assert_uint_eq(c->first_line, (uint64_t)n + 1);
		snprintf(user, sizeof(user), "user%d", n);
		ck_assert_str_eq(ib_agg_str(a, IB_S_USER, c->user), user);
	}
	snprintf(path, sizeof(path), "/tmp/check_agg_coll_%ld.state", (long)getpid());
	ck_assert_int_eq(ib_agg_save(a, path, &err), IB_OK);
	ck_assert_int_eq(ib_agg_load(&b, path, &err), IB_OK);
	unlink(path);
	ck_assert(ib_agg_equal(a, b));
	ib_agg_free(a);
	ib_agg_free(b);
	ib_agg_hash_mask = ~(uint64_t)0;
}
END_TEST

START_TEST(test_merge_bucket_mismatch)
{
	struct ib_agg *a, *b;

	struct ib_agg *copy;
	struct ib_error err;
	uint32_t f;

	ck_assert_int_eq(ib_agg_new(&a, B), IB_OK);
	ck_assert_int_eq(ib_agg_new(&copy, B), IB_OK);
	ck_assert_int_eq(ib_agg_new(&b, 60000), IB_OK);
	ck_assert_int_eq(ib_agg_file(a, "a.log", &f), IB_OK);
	add(a, f, 1, 1000, "alice", "10.0.0.1", "imap1", IB_LAYER_SERVER, IB_CAT_CREDENTIALS, "auth", 0);
	ck_assert_int_eq(ib_agg_merge(copy, a, NULL), IB_OK);
	ck_assert_int_eq(ib_agg_file(b, "b.log", &f), IB_OK);
	add(b, f, 1, 1000, "bob", "10.0.0.2", "imap1", IB_LAYER_SERVER, IB_CAT_OK, NULL, 0);
	/* mismatched states: a usage error that says why, dst unchanged */
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(ib_agg_merge(a, b, &err), IB_ERR_USAGE);
	ck_assert_int_eq(err.code, IB_ERR_USAGE);
	ck_assert_str_eq(err.msg, "bucket lengths differ: 300000 ms and 60000 ms (see --bucket)");
	ck_assert(ib_agg_equal(a, copy));
	ck_assert_int_eq(ib_agg_merge(b, a, NULL), IB_ERR_USAGE);
	/* merging into itself is a programmer error, not the user's */
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(ib_agg_merge(a, a, &err), IB_ERR_INTERNAL);
	ck_assert_int_eq(err.code, IB_ERR_INTERNAL);
	ck_assert(ib_agg_equal(a, copy));
	ib_agg_free(copy);
	ib_agg_free(b);
	ck_assert_int_eq(ib_agg_new(&b, 0), IB_ERR_USAGE);
	ck_assert_ptr_null(b);
	ib_agg_free(a);
	ib_agg_free(NULL);
}
END_TEST

/* ---- state files ---- */

static struct ib_agg *small_agg(int n)
{
	struct ib_agg *a;

	rng_state = 12345;
	ck_assert_int_eq(ib_agg_new(&a, B), IB_OK);
	for (int i = 0; i < n; i++) {
		struct synth s;

		synth_make(&s);
		synth_apply(a, &s);
	}
	return a;
}

START_TEST(test_state_round_trip)
{
	struct ib_agg *a = small_agg(2000), *b = NULL;
	char *path = ib_test_tmpfile("", 0, ".state");
	struct ib_error err;

	ck_assert(path != NULL);
	ck_assert_int_eq(ib_agg_save(a, path, &err), IB_OK);
	ck_assert_int_eq(ib_agg_load(&b, path, &err), IB_OK);
	ck_assert(ib_agg_equal(a, b));
	ck_assert(ib_agg_equal(b, a));
	ck_assert_int_eq(ib_agg_bucket_ms(b), B);
	ib_agg_free(b);
	unlink(path);
	ck_assert_int_eq(ib_agg_load(&b, path, &err), IB_ERR_IO);
	ck_assert_ptr_null(b);
	free(path);
	ib_agg_free(a);
}
END_TEST

/* Saving onto a symbolic link replaces the link; its target is never written. */
START_TEST(test_state_save_symlink)
{
	struct ib_agg *a = small_agg(50), *b = NULL;
	char *victim = ib_test_tmpfile("precious\n", 9, ".victim"), *got;
	char link[600], bad[600], want[1400];
	struct ib_error err;
	struct stat st;
	size_t len;

	ck_assert(victim != NULL);
	snprintf(link, sizeof(link), "%s.state", victim);
	ck_assert_int_eq(symlink(victim, link), 0);
	ck_assert_int_eq(ib_agg_save(a, link, &err), IB_OK);
	got = ib_test_slurp(victim, &len);
	ck_assert(got != NULL);
	ck_assert_str_eq(got, "precious\n");
	free(got);
	ck_assert_int_eq(lstat(link, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(ib_agg_load(&b, link, &err), IB_OK);
	ck_assert(ib_agg_equal(a, b));
	ib_agg_free(b);
	/* a folder that does not exist: the old message */
	snprintf(bad, sizeof(bad), "%s.d/x.state", victim);
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(ib_agg_save(a, bad, &err), IB_ERR_IO);
	ck_assert_int_eq(err.errnum, ENOENT);
	snprintf(want, sizeof(want), "cannot write state '%s': %s", bad, strerror(ENOENT));
	ck_assert_str_eq(err.msg, want);
	unlink(link);
	unlink(victim);
	free(victim);
	ib_agg_free(a);
}
END_TEST

START_TEST(test_state_truncated)
{
	struct ib_agg *a = small_agg(40), *b;
	size_t len;
	unsigned char *buf = ib_test_save_state(a, &len);
	struct ib_error err;

	ck_assert_int_eq(ib_agg_load_buf(&b, buf, len, &err), IB_OK);
	ck_assert(ib_agg_equal(a, b));
	ib_agg_free(b);
	for (size_t cut = 0; cut < len; cut++) {
		int rc = ib_agg_load_buf(&b, buf, cut, &err);

		ck_assert_int_eq(rc, IB_ERR_FORMAT);
		ck_assert_ptr_null(b);
		if (cut >= 28)
			ck_assert_msg(strstr(err.msg, "truncated at byte") != NULL, "cut %zu: %s", cut,
				      err.msg);
	}
	free(buf);
	ib_agg_free(a);
}
END_TEST

START_TEST(test_state_flipped)
{
	struct ib_agg *a = small_agg(40), *b;
	size_t len;
	unsigned char *buf = ib_test_save_state(a, &len);
	struct ib_error err;

	/* every byte after the header: a checksum mismatch */
	for (size_t i = 28; i < len; i++) {
		buf[i] ^= 0x41;
		ck_assert_int_eq(ib_agg_load_buf(&b, buf, len, &err), IB_ERR_FORMAT);
		ck_assert_ptr_null(b);
		ck_assert_msg(strstr(err.msg, "checksum mismatch") != NULL, "byte %zu: %s", i, err.msg);
		buf[i] ^= 0x41;
	}
	/* header bytes are refused too, never crash */
	for (size_t i = 0; i < 28; i++) {
		buf[i] ^= 0x80;
		ck_assert_int_eq(ib_agg_load_buf(&b, buf, len, &err), IB_ERR_FORMAT);
		buf[i] ^= 0x80;
	}
	buf[8] = 7;
	ck_assert_int_eq(ib_agg_load_buf(&b, buf, len, &err), IB_ERR_FORMAT);
	ck_assert_str_eq(err.msg, "state '<memory>': unsupported version 7");
	buf[8] = 1;
	memcpy(buf, "NOTSTATE", 8);
	ck_assert_int_eq(ib_agg_load_buf(&b, buf, len, &err), IB_ERR_FORMAT);
	ck_assert(strstr(err.msg, "not an imapblast state file") != NULL);
	free(buf);
	ib_agg_free(a);
}
END_TEST

START_TEST(test_state_hostile)
{
	/* a valid header claiming absurd counts, with a correct checksum */
	struct ib_agg *b;
	struct ib_error err;
	unsigned char buf[64];
	size_t len = 28 + 8 + 4;
	unsigned long crc;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, "IBSTATE1", 8);
	buf[8] = 1;
	buf[12] = (unsigned char)len;
	buf[20] = 0x10;
	memset(buf + 28, 0xff, 8); /* string count 2^64-1 */
	crc = 0;
	{
		/* zlib's crc32, recomputed by hand (reflected 0xedb88320) */
		unsigned long c = 0xffffffffUL;

		for (size_t i = 0; i < len - 4; i++) {
			c ^= buf[i];
			for (int k = 0; k < 8; k++)
				c = (c >> 1) ^ (0xedb88320UL & (0UL - (c & 1)));
		}
		crc = c ^ 0xffffffffUL;
	}
	for (int i = 0; i < 4; i++)
		buf[len - 4 + (size_t)i] = (unsigned char)(crc >> (8 * i));
	ck_assert_int_eq(ib_agg_load_buf(&b, buf, len, &err), IB_ERR_FORMAT);
	ck_assert_msg(strstr(err.msg, "corrupt at byte 28") != NULL, "%s", err.msg);
	ck_assert_ptr_null(b);
}
END_TEST

START_TEST(test_errors_sorted_unique)
{
	struct ib_agg *a;
	struct ib_error e;

	ck_assert_int_eq(ib_agg_new(&a, B), IB_OK);
	ib_error_set(&e, IB_ERR_IO, 5, "z.log", 10, "read error");
	ck_assert_int_eq(ib_agg_file_error(a, &e), IB_OK);
	ib_error_set(&e, IB_ERR_FORMAT, 0, "a.gz", 99, "corrupt gzip");
	ck_assert_int_eq(ib_agg_file_error(a, &e), IB_OK);
	ck_assert_int_eq(ib_agg_file_error(a, &e), IB_OK);
	ck_assert_uint_eq(ib_agg_nerrors(a), 2);
	ck_assert_str_eq(ib_agg_error(a, 0)->path, "a.gz");
	ck_assert_str_eq(ib_agg_error(a, 1)->path, "z.log");
	ck_assert_ptr_null(ib_agg_error(a, 2));
	ib_agg_free(a);
}
END_TEST

/* The server join (agg_join.c): pairs survive the state file; only unambiguous addresses join. */
START_TEST(test_server_join)
{
	struct ib_agg *a, *b, *j, *jt;
	unsigned char *buf;
	size_t len, n;
	char **names;
	uint32_t f;

	ck_assert_int_eq(ib_agg_new(&a, B), IB_OK);
	ck_assert_int_eq(ib_agg_file(a, "x.log", &f), IB_OK);
	add(a, f, 1, 1000, "erin", "192.0.2.7", "mx3", IB_LAYER_SERVER, IB_CAT_OK, "s", 0);
	add(a, f, 2, 1000, "erin", "192.0.2.7", "10.0.0.23:143", IB_LAYER_PROXY, IB_CAT_TIMEOUT, "t", 0);
	add(a, f, 3, 1000, "erin", "192.0.2.7", "[2001:db8::5]:993", IB_LAYER_PROXY, IB_CAT_TIMEOUT, "t", 0);
	add(a, f, 4, 1000, "erin", "192.0.2.7", "10.0.0.9:143", IB_LAYER_PROXY, IB_CAT_TIMEOUT, "t", 0);
	ck_assert_int_eq(ib_agg_join_servers(a, &j, &names, &n, NULL), IB_OK);
	ck_assert(j == NULL && names == NULL && n == 0); /* nothing learned yet */
	ck_assert_int_eq(ib_agg_server_addr(a, IB_STR_LIT("mx3"), IB_STR_LIT("10.0.0.23")), IB_OK);
	ck_assert_int_eq(ib_agg_server_addr(a, IB_STR_LIT("mx5"), IB_STR_LIT("2001:db8::5")), IB_OK);
	ck_assert_int_eq(ib_agg_server_addr(a, IB_STR_LIT("mx7"), IB_STR_LIT("10.0.0.9")), IB_OK);
	ck_assert_int_eq(ib_agg_server_addr(a, IB_STR_LIT("mx8"), IB_STR_LIT("10.0.0.9")), IB_OK);
	ck_assert_int_eq(ib_agg_server_addr(a, IB_STR_LIT("bad name"), IB_STR_LIT("10.0.0.1")), IB_OK);
	ck_assert_uint_eq(ib_agg_nstr(a, IB_S_ADDR), 5); /* "" and four pairs; a space is refused */
	/* the state keeps the pairs */
	buf = ib_test_save_state(a, &len);
	ck_assert_int_eq(ib_agg_load_buf(&b, buf, len, NULL), IB_OK);
	ck_assert(ib_agg_equal(a, b));
	free(buf);
	ck_assert_int_eq(ib_agg_join_servers(b, &j, &names, &n, NULL), IB_OK);
	ck_assert(j != NULL);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(names[0], "10.0.0.23:143=mx3");
	ck_assert_str_eq(names[1], "[2001:db8::5]:993=mx5");
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	/* mx3 now has its server cell and the proxy's timeout; 10.0.0.9 is claimed twice: kept */
	ck_assert_uint_eq(ib_agg_ncells(j), 4);
	for (size_t i = 0; i < ib_agg_ncells(j); i++) {
		const char *srv = ib_agg_str(j, IB_S_SERVER, ib_agg_cell(j, i, &(struct ib_cell){0})->server);

		ck_assert(!strcmp(srv, "mx3") || !strcmp(srv, "mx5") || !strcmp(srv, "10.0.0.9:143"));
	}
	/* the join in place gives the same aggregate */
	ck_assert_int_eq(ib_agg_join_servers_take(b, &jt, NULL, NULL, NULL), IB_OK);
	ck_assert(jt == NULL && ib_agg_equal(j, b));
	ib_agg_free(j);
	ib_agg_free(b);
	ib_agg_free(a);
}
END_TEST

/*
 * The join in place (ib_agg_rekey_servers) gives what the copy gives:
 * cells of joined servers merging into cells already there, the last
 * cell moving into the freed slot, over several chunks; with 2-bit hashes (collisions) the join falls back
 * to the copy and still agrees.
 */
static void join_property(uint64_t mask)
{
	static const char *const srv[] = {"mx1", "10.0.0.1:143", "mx2", "[2001:db8::2]:993", "10.0.0.3:143"};
	struct ib_agg *a, *b, *j = NULL, *jt = NULL;
	uint32_t f;
	char user[32];

	ib_agg_hash_mask = mask;
	rng_state = 777;
	ck_assert_int_eq(ib_agg_new(&a, B), IB_OK);
	ck_assert_int_eq(ib_agg_file(a, "x.log", &f), IB_OK);
	for (int i = 0; i < 40000; i++) {
		unsigned r = rnd(1u << 30);

		snprintf(user, sizeof(user), "u%u", r % 3000);
		add(a, f, (uint64_t)i + 1, (int64_t)(r % 50) * (B / 3), user, "192.0.2.9", srv[(r >> 12) % 5],
		    (r >> 16) % 2 ? IB_LAYER_PROXY : IB_LAYER_SERVER,
		    (r >> 18) % 3 ? IB_CAT_OK : IB_CAT_TIMEOUT, "s", 0);
	}
	ck_assert_int_eq(ib_agg_server_addr(a, IB_STR_LIT("mx1"), IB_STR_LIT("10.0.0.1")), IB_OK);
	ck_assert_int_eq(ib_agg_server_addr(a, IB_STR_LIT("mx2"), IB_STR_LIT("2001:db8::2")), IB_OK);
	ck_assert_int_eq(ib_agg_server_addr(a, IB_STR_LIT("mx3"), IB_STR_LIT("10.0.0.3")), IB_OK);
	ck_assert_int_eq(ib_agg_new(&b, B), IB_OK);
	ck_assert_int_eq(ib_agg_merge(b, a, NULL), IB_OK);
	ck_assert_int_eq(ib_agg_merge(b, a, NULL), IB_OK); /* counts doubled */
	ck_assert_int_eq(ib_agg_join_servers(b, &j, NULL, NULL, NULL), IB_OK);
	ck_assert(j != NULL);
	ck_assert_int_eq(ib_agg_join_servers_take(b, &jt, NULL, NULL, NULL), IB_OK);
	ck_assert(ib_agg_equal(j, jt ? jt : b));
	ck_assert(mask != ~(uint64_t)0 || jt == NULL); /* in place when no key collides */
	ck_assert_uint_lt(ib_agg_ncells(j), ib_agg_ncells(a));
	ib_agg_free(jt);
	ib_agg_free(j);
	ib_agg_free(b);
	ib_agg_free(a);
	ib_agg_hash_mask = ~(uint64_t)0;
}

START_TEST(test_join_in_place)
{
	join_property(~(uint64_t)0);
	join_property(3);
}
END_TEST

/* ib_agg_merge_take gives what ib_agg_merge gives, over several chunks of cells. */
START_TEST(test_merge_take)
{
	struct ib_agg *a = small_agg(40000), *b = small_agg(3000), *c = small_agg(3000), *d;
	struct ib_error err;

	ck_assert_int_eq(ib_agg_new(&d, B), IB_OK);
	ck_assert_int_eq(ib_agg_merge(b, a, &err), IB_OK);
	ck_assert_uint_gt(ib_agg_ncells(b), 16384); /* more than one chunk of cells (agg_int.h) */
	ck_assert_int_eq(ib_agg_merge_take(c, a, &err), IB_OK);
	ck_assert_uint_eq(ib_agg_ncells(a), 0);
	ck_assert(ib_agg_equal(b, c));
	ck_assert_int_eq(ib_agg_merge_take(d, c, &err), IB_OK);
	ck_assert(ib_agg_equal(b, d));
	ib_agg_free(a);
	ib_agg_free(b);
	ib_agg_free(c);
	ib_agg_free(d);
}
END_TEST

static Suite *agg_suite(void)
{
	Suite *s = suite_create("agg");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_intern_and_cells);
	tcase_add_test(tc, test_buckets_and_placeholders);
	tcase_add_test(tc, test_wide_values);
	tcase_add_test(tc, test_successes);
	tcase_add_loop_test(tc, test_merge_property, 0, 12);
	tcase_add_loop_test(tc, test_merge_property_collisions, 0, 4);
	tcase_add_test(tc, test_collisions_exact);
	tcase_add_test(tc, test_merge_bucket_mismatch);
	tcase_add_test(tc, test_state_round_trip);
	tcase_add_test(tc, test_state_save_symlink);
	tcase_add_test(tc, test_state_truncated);
	tcase_add_test(tc, test_state_flipped);
	tcase_add_test(tc, test_state_hostile);
	tcase_add_test(tc, test_server_join);
	tcase_add_test(tc, test_merge_take);
	tcase_add_test(tc, test_join_in_place);
	tcase_add_test(tc, test_errors_sorted_unique);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return ib_test_run(agg_suite());
}
