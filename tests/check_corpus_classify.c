/*
 * check_corpus_classify.c: fail2ban's own test logs through the parsers
 * and the default rules. Every `match: true` line must be classified as a
 * failure of some category; no `match: false` line may be `credentials`.
 * Reads ib_test_corpus_dir()/fail2ban in place; skips when absent.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "imapblast/classify.h"
#include "imapblast/parser.h"
#include "imapblast/timeutil.h"
#include "ib_feed.h"
#include "testutil.h"

/* fail2ban runs its tests with the clock at 2005-08-14 10:00:00 UTC. */
#define REF_MS (1124013600LL * 1000)

static const char *const files[] = {"dovecot",	 "cyrus-imap",	   "courier-auth", "uwimap-auth",
				    "perdition", "roundcube-auth", "horde"};
#define NFILES (sizeof(files) / sizeof(files[0]))

static int corpus_present(void)
{
	static int said;

	if (ib_test_corpus_dir())
		return 1;
	if (!said++)
		printf("skip: corpus absent\n");
	return 0;
}

/* -1: not a failJSON line; else the expected match (0/1). */
static int fail_json(struct ib_str line)
{
	long at;
	const char *p, *end = line.ptr + line.len;

	if (!line.len || line.ptr[0] != '#' || ib_str_find(line, "failJSON:", 9) < 0)
		return -1;
	at = ib_str_find(line, "\"match\"", 7);
	if (at < 0)
		return -1;
	p = line.ptr + at + 7;
	while (p < end && (*p == ' ' || *p == ':'))
		p++;
	if (end - p >= 4 && !memcmp(p, "true", 4))
		return 1;
	if (end - p >= 5 && !memcmp(p, "false", 5))
		return 0;
	return -1;
}

static size_t split_lines(char *buf, size_t len, struct ib_str **out)
{
	size_t n = 0, cap = 256;
	struct ib_str *v = malloc(cap * sizeof(*v));
	char *p = buf, *end = buf + len;

	ck_assert_ptr_nonnull(v);
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *le = nl ? nl : end;

		if (n == cap) {
			cap *= 2;
			v = realloc(v, cap * sizeof(*v));
			ck_assert_ptr_nonnull(v);
		}
		if (le > p && le[-1] == '\r')
			le--;
		v[n].ptr = p;
		v[n].len = (size_t)(le - p);
		n++;
		p = nl ? nl + 1 : end;
	}
	*out = v;
	return n;
}

START_TEST(corpus_file)
{
	const char *dir = ib_test_corpus_dir();
	char path[1200];
	char *buf;
	size_t len, n, nprobe = 0, cases = 0, good = 0;
	struct ib_str *lines, probe[20];
	const struct ib_parser *p;
	struct ib_rules *rules = NULL;
	struct ib_classifier *cls = NULL;
	struct trun t;
	int expect = -1;
	/* want-failure lines a parser held back (the pam join): checked on their released event */
	uint64_t late[16];
	size_t nlate = 0;
	struct trun_held held[64];

	if (!corpus_present())
		return;
	snprintf(path, sizeof(path), "%s/fail2ban/%s", dir, files[_i]);
	buf = ib_test_slurp(path, &len);
	ck_assert_msg(buf != NULL, "cannot read %s", path);
	n = split_lines(buf, len, &lines);
	for (size_t i = 0; i < n && nprobe < 20; i++)
		if (lines[i].len && lines[i].ptr[0] != '#')
			probe[nprobe++] = lines[i];

	ck_assert_int_eq(ib_rules_new(&rules, 1, NULL), IB_OK);
	ck_assert_int_eq(ib_rules_compile(rules, NULL), IB_OK);
	ck_assert_int_eq(ib_classifier_new(&cls, rules, NULL), IB_OK);
	trun_start(&t, NULL, probe, nprobe, ib_test_zone("Europe/Zurich"), 0, REF_MS, NULL);
	p = t.rt.parser;
	t.held_log = held;
	t.held_cap = sizeof(held) / sizeof(held[0]);

	for (size_t i = 0; i < n; i++) {
		struct ib_event ev;
		struct ib_match m;
		int rc, want, ok;

		if (!lines[i].len)
			continue;
		if (lines[i].ptr[0] == '#') {
			if ((want = fail_json(lines[i])) >= 0)
				expect = want;
			continue;
		}
		want = expect;
		expect = -1;
		rc = trun_line(&t, lines[i]);
		ev = t.ev;
		memset(&m, 0, sizeof(m));
		if (rc == IB_OK)
			ib_classify(cls, &ev, &m);
		if (want < 0)
			continue;
		if (want && rc == IB_SKIP && nlate < sizeof(late) / sizeof(late[0])) {
			late[nlate++] = t.lineno;
			continue;
		}
		cases++;
		ok = want ? ib_category_is_failure(m.category) : m.category != IB_CAT_CREDENTIALS;
		good += ok;
		if (!ok || getenv("IB_TEST_VERBOSE"))
			printf("  %s %s:%zu: want %s, got %s (parser %s rc=%d%s%s, rule %s): %.*s\n",
			       ok ? "ok  " : "FAIL", files[_i], i + 1, want ? "failure" : "not credentials",
			       ib_category_name(m.category), p->name, rc, t.reason ? " " : "",
			       t.reason ? t.reason : "", m.signature ? m.signature : "-",
			       (int)(lines[i].len > 160 ? 160 : lines[i].len), lines[i].ptr);
	}
	trun_end(&t);
	for (size_t i = 0; i < nlate; i++) {
		const struct trun_held *h = trun_held_at(&t, late[i]);
		int ok = h && ib_category_is_failure(h->outcome);

		cases++;
		good += ok;
		if (!ok)
			printf("  FAIL %s: held line %llu was not released as a failure\n", files[_i],
			       (unsigned long long)late[i]);
	}
	printf("corpus %-15s %zu/%zu lines as expected (parser %s)\n", files[_i], good, cases, p->name);
	ib_classifier_free(cls);
	ib_rules_free(rules);
	free(lines);
	free(buf);
	ck_assert_uint_gt(cases, 0);
	ck_assert_msg(good == cases, "%s: %zu of %zu lines misclassified", files[_i], cases - good, cases);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("corpus_classify");
	TCase *t = tcase_create("fail2ban");

	tcase_add_loop_test(t, corpus_file, 0, (int)NFILES);
	suite_add_tcase(s, t);
	return ib_test_run_nofork(s);
}
