/*
 * check_corpus_client.c: conformance on fail2ban's perdition, roundcube-auth
 * and horde samples, read in place from the shared corpus. For every
 * "# failJSON: {...}" the next line is a case: detection on the file's first
 * lines picks the parser; a match:true line must give an event whose ip is
 * "host", whose user is "user" (when given) and whose time is "time"
 * (Europe/Zurich local; reference 1124013600 s).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "imapblast/parser.h"
#include "ib_feed.h"
#include "testutil.h"

#define REF_S 1124013600LL
#define DETECT_LINES 8

/* value of "key" in a failJSON object: a string into out, or true/false */
static int json_get(const char *obj, const char *key, char *out, size_t cap)
{
	char pat[64];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	p = strstr(obj, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	while (*p == ' ' || *p == ':')
		p++;
	if (*p == '"') {
		e = strchr(p + 1, '"');
		if (!e || (size_t)(e - p - 1) >= cap)
			return -1;
		memcpy(out, p + 1, (size_t)(e - p - 1));
		out[e - p - 1] = 0;
		return 0;
	}
	e = p;
	while (*e && *e != ',' && *e != ' ' && *e != '}')
		e++;
	if ((size_t)(e - p) >= cap)
		return -1;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = 0;
	return 0;
}

static int num(const char *p, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++)
		v = v * 10 + (p[i] >= '0' && p[i] <= '9' ? p[i] - '0' : 0);
	return v;
}

/* "2005-07-18T16:07:18" in the process zone (Europe/Zurich) -> UTC ms */
static int64_t local_ms(const char *s)
{
	struct tm tm = {0};

	if (strlen(s) < 19)
		return IB_TIME_NONE;
	tm.tm_year = num(s, 4) - 1900;
	tm.tm_mon = num(s + 5, 2) - 1;
	tm.tm_mday = num(s + 8, 2);
	tm.tm_hour = num(s + 11, 2);
	tm.tm_min = num(s + 14, 2);
	tm.tm_sec = num(s + 17, 2);
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

static int slice_eq(struct ib_str s, const char *z)
{
	return s.len == strlen(z) && !memcmp(s.ptr, z, s.len);
}

static const char *const files[] = {"perdition", "roundcube-auth", "horde"};

START_TEST(test_file)
{
	const char *dir = ib_test_corpus_dir();
	char path[1200];
	char *buf;
	size_t len, nlines = 0, ndet = 0, total = 0, pass = 0;
	char **lines;
	struct ib_str det[DETECT_LINES];
	const struct ib_parser *p;
	struct trun t;

	if (!dir) {
		if (_i == 0)
			printf("skip: corpus absent\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/fail2ban/%s", dir, files[_i]);
	buf = ib_test_slurp(path, &len);
	ck_assert_msg(buf != NULL, "cannot read '%s'", path);
	lines = calloc(len + 1, sizeof(*lines));
	ck_assert(lines != NULL);
	for (char *l = buf; l < buf + len;) {
		char *nl = memchr(l, '\n', (size_t)(buf + len - l));
		if (nl)
			*nl = 0;
		lines[nlines++] = l;
		l = nl ? nl + 1 : buf + len;
	}
	for (size_t i = 0; i < nlines && ndet < DETECT_LINES; i++)
		if (lines[i][0] && lines[i][0] != '#')
			det[ndet++] = ib_str_from(lines[i]);
	trun_start(&t, NULL, det, ndet, ib_test_zone("Europe/Zurich"), 0, REF_S * 1000, NULL);
	p = t.rt.parser;
	for (size_t i = 0; i + 1 < nlines; i++) {
		const char *js = strstr(lines[i], "# failJSON:");
		char match[16], host[128], user[256], tstr[64];
		struct ib_event ev;
		int rc, ok;

		if (!js)
			continue;
		if (json_get(js, "match", match, sizeof(match)) || strcmp(match, "true"))
			continue;
		ck_assert(json_get(js, "host", host, sizeof(host)) == 0);
		ck_assert(json_get(js, "time", tstr, sizeof(tstr)) == 0);
		if (json_get(js, "user", user, sizeof(user)))
			user[0] = 0;
		total++;
		rc = trun_line(&t, ib_str_from(lines[i + 1]));
		ev = t.ev;
		ok = rc == IB_OK && slice_eq(ev.ip, host) && (!user[0] || slice_eq(ev.user, user)) &&
		     ev.time_ms == local_ms(tstr);
		/* an injected "from 127.0.0.1" must never become the IP or a bare user */
		if (rc == IB_OK && (slice_eq(ev.ip, "127.0.0.1") || slice_eq(ev.user, "admin") ||
				    memmem(ev.ip.ptr, ev.ip.len, "127.", 4)))
			ok = ok && !strstr(lines[i + 1], "from 127.0.0.1");
		if (ok)
			pass++;
		else
			printf("%s:%zu: rc=%d ip='%.*s' user='%.*s' time=%lld (want %s %s %lld): %s\n",
			       files[_i], i + 2, rc, (int)ev.ip.len, ev.ip.ptr ? ev.ip.ptr : "",
			       (int)ev.user.len, ev.user.ptr ? ev.user.ptr : "", (long long)ev.time_ms, host,
			       user, (long long)local_ms(tstr), lines[i + 1]);
	}
	printf("corpus %s (parser %s): %zu/%zu (%.0f%%)\n", files[_i], p->name, pass, total,
	       total ? 100.0 * (double)pass / (double)total : 100.0);
	trun_end(&t);
	free(lines);
	free(buf);
	ck_assert_msg(total > 0, "%s: no cases", files[_i]);
	ck_assert_msg(pass == total, "%s: %zu of %zu cases failed", files[_i], total - pass, total);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("corpus_client");
	TCase *tc = tcase_create("fail2ban");

	/* for local_ms()'s mktime only: the parsers get their zone from the policy */
	setenv("TZ", "Europe/Zurich", 1);
	tzset();
	tcase_add_loop_test(tc, test_file, 0, (int)(sizeof(files) / sizeof(files[0])));
	suite_add_tcase(s, tc);
	return ib_test_run_nofork(s);
}
