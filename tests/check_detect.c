/*
 * check_detect.c: format detection does not need an authentication line
 * among a file's first lines. A client log with 500 lines of its normal
 * chatter before its first error is still that client's format, read
 * through the pipeline (ib_pipeline_file_observed): plain, and behind a
 * ts(1) prefix. Chatter wording: offlineimap 8 and mbsync 1.4 verbose output.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "imapblast/agg.h"
#include "imapblast/classify.h"
#include "imapblast/config.h"
#include "imapblast/parser.h"
#include "imapblast/pipeline.h"
#include "testutil.h"

struct seen {
	char format[32];
	int events; /* timed events */
};

static void on_format(void *arg, const char *path, const struct ib_parser *p)
{
	struct seen *s = arg;

	(void)path;
	snprintf(s->format, sizeof(s->format), "%s", p ? p->name : "(none)");
}

static void on_event(void *arg, const char *path, uint64_t lineno, const struct ib_event *ev,
		     const struct ib_match *m)
{
	struct seen *s = arg;

	(void)path;
	(void)lineno;
	(void)ev;
	if (m->category != IB_CAT_NONE)
		s->events++;
}

static const struct {
	const char *chatter, *chatter2; /* the line number goes between */
	const char *tail;		/* the first error, and what follows */
	const char *format;
	int prefixed; /* a ts(1) prefix on every line: the error is then a timed event */
} cases[] = {
    {" Copy message ", " (1 of 600) main-remote:INBOX -> main-local\n",
     " Establishing connection to imap.example.org:993 (main-remote)\n"
     " LOGIN authentication failed: LOGIN failed.\n",
     "offlineimap", 0},
    {"C: 1/2  B: ", "/600  F: +0/0 *0/0 #0/0  N: +0/0 *0/0 #0/0\n",
     "IMAP command 'LOGIN <user> <pass>' returned an error: NO [AUTHENTICATIONFAILED] Authentication "
     "failed.\n",
     "mbsync", 0},
    {"C: 1/2  B: ", "/600  F: +0/0 *0/0 #0/0  N: +0/0 *0/0 #0/0\n",
     "IMAP command 'LOGIN <user> <pass>' returned an error: NO [AUTHENTICATIONFAILED] Authentication "
     "failed.\n",
     "mbsync", 1},
};

START_TEST(test_late_error)
{
	size_t cap = 1 << 20, len = 0;
	char *text = malloc(cap), *path;
	struct ib_config cfg;
	struct ib_rules *rules = NULL;
	struct ib_classifier *cls = NULL;
	struct ib_agg *agg = NULL;
	struct ib_error err;
	struct seen seen;
	struct ib_observer obs = {.format = on_format, .event = on_event, .arg = &seen};

	ck_assert(text != NULL);
	for (int i = 1; i <= 500; i++) {
		if (cases[_i].prefixed)
			len +=
			    (size_t)snprintf(text + len, cap - len, "Jan 14 08:%02d:%02d ", i / 60, i % 60);
		len += (size_t)snprintf(text + len, cap - len, "%s%d%s", cases[_i].chatter, i,
					cases[_i].chatter2);
	}
	if (cases[_i].prefixed)
		len += (size_t)snprintf(text + len, cap - len, "Jan 14 08:41:02 ");
	len += (size_t)snprintf(text + len, cap - len, "%s", cases[_i].tail);
	path = ib_test_tmpfile(text, len, ".log");
	ck_assert(path != NULL);

	memset(&seen, 0, sizeof(seen));
	ib_config_init(&cfg);
	cfg.year = 2026;
	ck_assert_int_eq(ib_rules_new(&rules, 1, NULL), IB_OK);
	ck_assert_int_eq(ib_rules_compile(rules, NULL), IB_OK);
	ck_assert_int_eq(ib_classifier_new(&cls, rules, NULL), IB_OK);
	ck_assert_int_eq(ib_agg_new(&agg, cfg.bucket_ms), IB_OK);
	ck_assert_int_eq(ib_pipeline_file_observed(&cfg, cls, path, agg, &obs, &err), IB_OK);
	ck_assert_str_eq(seen.format, cases[_i].format);
	if (cases[_i].prefixed)
		ck_assert_int_eq(seen.events, 1);
	ib_agg_free(agg);
	ib_classifier_free(cls);
	ib_rules_free(rules);
	unlink(path);
	free(path);
	free(text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("detect");
	TCase *tc = tcase_create("late");

	tcase_add_loop_test(tc, test_late_error, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	suite_add_tcase(s, tc);
	return ib_test_run(s);
}
