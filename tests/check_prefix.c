/*
 * check_prefix.c: lines that a tool prefixed with a timestamp: ts(1)'s
 * default ("Jan 14 08:41:02 ") and "%Y-%m-%d %H:%M:%S " forms, a log
 * shipper's "ISO host " and Kubernetes CRI's "ISO stdout F ". Detection
 * sees the lines without the prefix; the runtime strips it before parsing;
 * an event's time is the line's own when it has one, else the prefix's.
 * Files whose first field merely looks like one (syslog with RFC 3339
 * stamps, Dovecot log_path files) are left alone.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "imapblast/parser.h"
#include "imapblast/timeutil.h"
#include "ib_feed.h"
#include "testutil.h"

static const struct {
	const char *file, *parser;
	int prefixed;
	unsigned line; /* 1-based line of the first event */
	const char *time;
} cases[] = {
    /* mbsync prints no time: the prefix's */
    {"mbsync-ts.log", "mbsync", 1, 4, "2026-01-14T08:41:05Z"},
    {"imaplib-ts.log", "imaplib", 1, 6, "2026-01-14T08:42:06Z"},
    {"offlineimap-cri.log", "offlineimap", 1, 4, "2026-01-14T08:41:04Z"},
    /* the syslog line inside has its own time: it wins over the shipper's */
    {"dovecot-shipper.log", "syslog", 1, 1, "2026-01-14T08:59:58Z"},
    /* not prefixed */
    {"mbsync.log", "mbsync", 0, 0, NULL},
    {"dovecot.log", "syslog", 0, 1, "2026-01-14T08:59:58Z"},
    {"dovecot-short-iso.log", "syslog", 0, 1, "2026-01-14T08:41:02Z"},
};

START_TEST(test_sample)
{
	char path[1024], *text, *p;
	struct ib_str lines[64];
	size_t n = 0, len;
	struct trun tr;
	int found = 0;

	snprintf(path, sizeof(path), "%s/formats/%s", IB_SAMPLES_DIR, cases[_i].file);
	text = ib_test_slurp(path, &len);
	ck_assert_msg(text != NULL, "cannot read '%s'", path);
	for (p = text; *p && n < 64; n++) {
		char *nl = strchr(p, '\n');

		lines[n].ptr = p;
		lines[n].len = nl ? (size_t)(nl - p) : strlen(p);
		p = nl ? nl + 1 : p + lines[n].len;
	}
	trun_start(&tr, NULL, lines, n, NULL, 2026, 0, NULL);
	ck_assert_str_eq(tr.rt.parser->name, cases[_i].parser);
	ck_assert_int_eq(tr.rt.prefix != 0, cases[_i].prefixed);
	for (size_t i = 0; i < n; i++) {
		int rc = trun_line(&tr, lines[i]);

		ck_assert_msg(rc != IB_BAD || !cases[_i].prefixed, "%s:%zu: %s", cases[_i].file, i + 1,
			      tr.reason);
		if (rc == IB_OK && !found && cases[_i].time) {
			char t[32];

			found = 1;
			ck_assert_uint_eq(i + 1, cases[_i].line);
			ib_time_format(tr.ev.time_ms, t, sizeof(t));
			ck_assert_str_eq(t, cases[_i].time);
		}
	}
	ck_assert_int_eq(found, cases[_i].time != NULL);
	trun_end(&tr);
	free(text);
}
END_TEST

/* `--format NAME` on a prefixed file strips the prefix too. */
START_TEST(test_forced)
{
	struct ib_str lines[] = {
	    IB_STR_LIT(
		"Jan 14 08:41:05 IMAP command 'LOGIN <user> <pass>' returned an error: NO [UNAVAILABLE] "
		"Temporary authentication failure."),
	};
	struct trun tr;

	trun_start(&tr, "mbsync", lines, 1, NULL, 2026, 0, NULL);
	ck_assert_int_eq(trun_line(&tr, lines[0]), IB_OK);
	ck_assert(tr.ev.time_ms != IB_TIME_NONE);
	trun_end(&tr);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("prefix");
	TCase *tc = tcase_create("samples");

	tcase_add_loop_test(tc, test_sample, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_forced);
	suite_add_tcase(s, tc);
	return ib_test_run(s);
}
