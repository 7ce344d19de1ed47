/*
 * check_corpus_server.c: conformance against fail2ban's server test logs
 * (corpus/fail2ban/{dovecot,cyrus-imap,courier-auth,uwimap-auth}, read in
 * place). Every "match": true case must be an event with fail2ban's host
 * (ip), user and time (Europe/Zurich, clock 1124013600, no forced year).
 * TAI64N labels: we subtract TAI-UTC (10 s) as daemontools' tai64nlocal
 * does; fail2ban does not, so its expected time for '@' lines is 10 s later.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imapblast/parser.h"
#include "ib_feed.h"
#include "testutil.h"

#define REF_MS (INT64_C(1124013600) * 1000)
#define TAI_UTC_MS 10000

static const char *const files[] = {"dovecot", "cyrus-imap", "courier-auth", "uwimap-auth"};

/* The string value of "key" in a one-line JSON object, or an empty slice. */
static struct ib_str json_str(const char *json, const char *key)
{
	char pat[32];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	p = strstr(json, pat);
	if (!p)
		return IB_STR_NULL;
	p += strlen(pat);
	while (*p == ' ' || *p == ':')
		p++;
	if (*p != '"')
		return IB_STR_NULL;
	e = strchr(p + 1, '"');
	if (!e)
		return IB_STR_NULL;
	return (struct ib_str){p + 1, (size_t)(e - p - 1)};
}

static int json_match_true(const char *json)
{
	const char *p = strstr(json, "\"match\"");

	if (!p)
		return 0;
	p += 7;
	while (*p == ' ' || *p == ':')
		p++;
	return !strncmp(p, "true", 4);
}

/* "2005-06-13T16:30:54" in the policy's zone, as UTC ms. */
static int64_t json_time(struct ib_time_policy *tp, struct ib_str t)
{
	struct ib_str s = t;
	int64_t out;

	if (ib_ts_iso(&s, tp, &out) < 0)
		return IB_TIME_NONE;
	return out;
}

static int str_eq(struct ib_str a, struct ib_str b)
{
	return a.len == b.len && (!a.len || !memcmp(a.ptr, b.ptr, a.len));
}

START_TEST(test_corpus_file)
{
	const char *dir = ib_test_corpus_dir();
	const struct ib_parser *det;
	struct trun t;
	struct ib_str probe[20];
	size_t nprobe = 0, len = 0;
	char path[1200], *text, *line, *next;
	int total = 0, good = 0, bad_rc = 0;
	/* lines a parser held back (the pam join): checked on the event released for them */
	struct {
		uint64_t lineno;
		struct ib_str host, user;
		int64_t want;
		const char *tc;
	} late[16];
	size_t nlate = 0;
	struct trun_held held[64];

	if (!dir) {
		if (_i == 0)
			printf("skip: corpus absent\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/fail2ban/%s", dir, files[_i]);
	text = ib_test_slurp(path, &len);
	ck_assert_msg(text != NULL, "cannot read '%s'", path);

	/* detection on the first lines, as the pipeline does it */
	for (line = text; line && *line && nprobe < 20; line = next) {
		next = strchr(line, '\n');
		probe[nprobe].ptr = line;
		probe[nprobe].len = next ? (size_t)(next - line) : strlen(line);
		nprobe++;
		if (next)
			next++;
	}
	trun_start(&t, NULL, probe, nprobe, ib_test_zone("Europe/Zurich"), 0, REF_MS, NULL);
	det = t.rt.parser;
	ck_assert_msg(!strcmp(det->name, "syslog"), "%s: detected %s", files[_i], det->name);
	t.held_log = held;
	t.held_cap = sizeof(held) / sizeof(held[0]);
	for (line = text; line && *line; line = next) {
		char *json, *tc, *tc_end;
		struct ib_event ev;
		int match, rc;
		int64_t want;
		struct ib_str host, user, tstr;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		json = strstr(line, "failJSON:");
		if (line[0] != '#' || !json || !next || !*next)
			continue;
		/* the next line is the case */
		tc = next;
		tc_end = strchr(tc, '\n');
		if (tc_end)
			*tc_end = '\0';
		next = tc_end ? tc_end + 1 : NULL;
		match = json_match_true(json);
		host = json_str(json, "host");
		user = json_str(json, "user");
		tstr = json_str(json, "time");

		rc = trun_line(&t, ib_str_from(tc));
		ev = t.ev;
		if (rc != IB_OK && rc != IB_SKIP) {
			bad_rc++;
			fprintf(stderr, "%s: rc %d (%s): %s\n", files[_i], rc, t.reason ? t.reason : "", tc);
		}
		if (!match)
			continue;
		total++;
		want = json_time(&t.tp, tstr);
		if (want != IB_TIME_NONE && tc[0] == '@')
			want -= TAI_UTC_MS;
		if (rc == IB_SKIP && nlate < sizeof(late) / sizeof(late[0])) {
			late[nlate].lineno = t.lineno;
			late[nlate].host = host;
			late[nlate].user = user;
			late[nlate].want = want;
			late[nlate++].tc = tc;
			continue;
		}
		if (rc == IB_OK && str_eq(ev.ip, host) && (!user.len || str_eq(ev.user, user)) &&
		    want != IB_TIME_NONE && ev.time_ms / 1000 == want / 1000) {
			good++;
		} else {
			char got[32], exp[32];

			ib_time_format(ev.time_ms, got, sizeof(got));
			ib_time_format(want, exp, sizeof(exp));
			fprintf(stderr, "%s: miss rc=%d ip='%.*s' user='%.*s' time=%s want %s: %s\n",
				files[_i], rc, (int)ev.ip.len, ev.ip.ptr ? ev.ip.ptr : "", (int)ev.user.len,
				ev.user.ptr ? ev.user.ptr : "", got, exp, tc);
		}
	}
	trun_end(&t);
	for (size_t i = 0; i < nlate; i++) {
		const struct trun_held *h = trun_held_at(&t, late[i].lineno);

		if (h && str_eq(ib_str_from(h->ip), late[i].host) &&
		    (!late[i].user.len || str_eq(ib_str_from(h->user), late[i].user)) &&
		    h->time_ms / 1000 == late[i].want / 1000)
			good++;
		else
			fprintf(stderr, "%s: miss (held) ip='%s' user='%s': %s\n", files[_i], h ? h->ip : "",
				h ? h->user : "", late[i].tc);
	}
	free(text);
	printf("%s: %d/%d match lines\n", files[_i], good, total);
	ck_assert_int_gt(total, 0);
	ck_assert_int_eq(good, total);
	ck_assert_int_eq(bad_rc, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("corpus_server");
	TCase *tc = tcase_create("fail2ban");

	tcase_add_loop_test(tc, test_corpus_file, 0, (int)(sizeof(files) / sizeof(files[0])));
	suite_add_tcase(s, tc);
	return ib_test_run(s);
}
