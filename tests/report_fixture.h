/*
 * report_fixture.h: a hand-built struct ib_result for the report tests
 * (tests/check_report.c) and the fixture tool (bench/report_fixture.c):
 * a small realistic incident (three hours of 5-minute buckets, a 45-minute
 * window, three backends, a proxy layer, two attack sources), optionally
 * with user names built to break each writer. Header-only (static).
 * Every string and array is malloc'd, as ib_analyze() builds them, so
 * ib_result_free() releases a fixture.
 */
#ifndef IB_REPORT_FIXTURE_H
#define IB_REPORT_FIXTURE_H

#include <stdlib.h>
#include <string.h>
#include "imapblast/analysis.h"
#include "imapblast/timeutil.h"

#define FX_T0 INT64_C(1768377600000) /* 2026-01-14T08:00:00Z */
#define FX_MIN INT64_C(60000)

/* Names meant to break CSV, Markdown, XML and JSON writers (no NUL: char * cannot hold one). */
static const char *const fx_hostile[] = {
    "=HYPERLINK(\"http://x\",\"y\")",
    "+1",
    "-2",
    "@SUM(1)",
    "\tx",
    "a|b",
    "<script>alert(1)</script>",
    "quo\"te",
    "new\nline",
    "cr\rx",
    "bad\xff\xfeutf8",
    "back\\slash\\x41",
    "'quoted",
    "]]>&amp;<!--",
    "caf\xc3\xa9 \xe2\x82\xac",
    NULL,
};

static inline char *fx_dup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	if (p)
		memcpy(p, s, n);
	return p;
}

static inline int fx_cmp_user(const void *a, const void *b)
{
	return strcmp(((const struct ib_user_row *)a)->user, ((const struct ib_user_row *)b)->user);
}

static inline void fx_user(struct ib_user_row *u, const char *name, int64_t first, int64_t last,
			   uint64_t fails, uint64_t succ, int64_t rec, const char *servers, const char *cats,
			   const char *ev)
{
	u->user = fx_dup(name);
	u->first_failure_ms = first;
	u->last_failure_ms = last;
	u->failures = fails;
	u->successes = succ;
	u->impacted_minutes = (uint64_t)(((last - first) / (5 * FX_MIN)) + 1) * 5;
	u->recovered_at_ms = rec;
	u->servers = fx_dup(servers);
	u->layers = fx_dup("proxy;server");
	u->categories = fx_dup(cats);
	u->evidence = fx_dup(ev);
	u->intermittent = succ > 0;
}

/* The two-user result the golden CSV test checks byte for byte. */
static inline struct ib_result *fx_two_users(void)
{
	struct ib_result *r = calloc(1, sizeof(*r));

	r->bucket_ms = 5 * FX_MIN;
	r->window_rule = fx_dup("given");
	r->window_source = IB_WIN_GIVEN;
	r->window_start_ms = FX_T0;
	r->window_end_ms = FX_T0 + 60 * FX_MIN;
	r->range_start_ms = FX_T0;
	r->range_end_ms = FX_T0 + 60 * FX_MIN;
	r->peak_bucket_ms = IB_TIME_NONE;
	r->ttr_median_ms = r->ttr_p90_ms = r->ttr_max_ms = IB_TIME_NONE;
	r->nusers = 2;
	r->users = calloc(2, sizeof(*r->users));
	fx_user(&r->users[0], "alice@example.com", FX_T0 + 61000, FX_T0 + 12 * FX_MIN, 7, 2,
		FX_T0 + 13 * FX_MIN, "mbox1;mbox2", "temporary;timeout", "/var/log/mail.log:1042");
	fx_user(&r->users[1], "bob,smith", FX_T0 + 5 * FX_MIN, FX_T0 + 5 * FX_MIN, 1, 0, IB_TIME_NONE,
		"mbox1", "temporary", "logs/a \"b\".log:7");
	r->nattacks = 1;
	r->attacks = calloc(1, sizeof(*r->attacks));
	r->attacks[0].ip = fx_dup("203.0.113.9");
	r->attacks[0].users = 25;
	r->attacks[0].failures = 300;
	r->attacks[0].first_ms = FX_T0;
	r->attacks[0].last_ms = FX_T0 + 30 * FX_MIN;
	r->attacks[0].reason = fx_dup("failed for 25 users, no success");
	r->nunverified = 1;
	r->unverified = calloc(1, sizeof(*r->unverified));
	r->unverified[0].user = fx_dup("-carol");
	r->unverified[0].failures = 3;
	r->unverified[0].reason = fx_dup("credentials failures only, never a success");
	return r;
}

/* The realistic incident; hostile != 0 adds one affected user per fx_hostile name and a 64 KiB name. */
static inline struct ib_result *fx_incident(int hostile)
{
	static const char *const names[] = {"alice@example.com", "bob@example.com",  "carol@example.com",
					    "dave@example.com",	 "erin@example.com", "frank@example.com"};
	static const char *const srv[] = {"mbox1.example.com", "mbox2.example.com", "mbox3.example.com"};
	struct ib_result *r = calloc(1, sizeof(*r));
	size_t nh = 0, i, n;
	int c;

	while (hostile && fx_hostile[nh])
		nh++;
	r->bucket_ms = 5 * FX_MIN;
	r->window_rule =
	    fx_dup("buckets with outage failure rate >= 3.0 x baseline (0.012) and >= baseline + "
		   "0.05, at least 3 failures, merged across gaps of 2 buckets");
	r->window_source = IB_WIN_DETECTED;
	r->window_start_ms = FX_T0 + 60 * FX_MIN;
	r->window_end_ms = FX_T0 + 105 * FX_MIN;
	r->range_start_ms = FX_T0 + 13000;
	r->range_end_ms = FX_T0 + 179 * FX_MIN + 42000;
	r->peak_bucket_ms = FX_T0 + 75 * FX_MIN;
	r->peak_users = 5;
	r->events = 9214;
	r->attack_events = 655;

	n = 6 + nh + (hostile ? 1 : 0);
	r->users = calloc(n, sizeof(*r->users));
	for (i = 0; i < 6; i++) {
		int64_t first = r->window_start_ms + (int64_t)i * 3 * FX_MIN + 17000;
		int64_t last = first + (int64_t)(10 + 5 * i) * FX_MIN;
		fx_user(&r->users[i], names[i], first, last, 4 + 3 * i, i % 2 ? 2 : 0,
			i == 5 ? IB_TIME_NONE : last + (int64_t)(i + 1) * 2 * FX_MIN,
			i < 3 ? srv[0] : "mbox1.example.com;mbox2.example.com",
			i == 4 ? "credentials;temporary" : "temporary;timeout", "/var/log/dovecot.log:4711");
	}
	for (i = 0; i < nh; i++)
		fx_user(&r->users[6 + i], fx_hostile[i], r->window_start_ms + FX_MIN,
			r->window_start_ms + 20 * FX_MIN, 3, 1, r->window_start_ms + 21 * FX_MIN,
			fx_hostile[i], "temporary", fx_hostile[i]);
	if (hostile) {
		char *big = malloc(65536 + 1);
		memset(big, 'z', 65536);
		memcpy(big, "long,\"name\n", 11);
		big[65536] = 0;
		fx_user(&r->users[6 + nh], big, r->window_start_ms, r->window_start_ms, 1, 0, IB_TIME_NONE,
			srv[2], "timeout", "x:1");
		free(big);
	}
	r->nusers = n;
	qsort(r->users, n, sizeof(*r->users), fx_cmp_user);
	r->affected_users = n;
	for (i = 0; i < n; i++) {
		r->outage_failures += r->users[i].failures;
		if (r->users[i].intermittent)
			r->intermittent_users++;
		else
			r->hard_users++;
		if (r->users[i].recovered_at_ms != IB_TIME_NONE)
			r->recovered_users++;
	}
	r->ttr_median_ms = 19 * FX_MIN;
	r->ttr_p90_ms = 37 * FX_MIN;
	r->ttr_max_ms = 42 * FX_MIN;
	r->retries_hist[0] = 1;
	r->retries_hist[1] = 2;
	r->retries_hist[2] = r->recovered_users > 3 ? r->recovered_users - 3 : 0;

	r->nattacks = 2;
	r->attacks = calloc(2, sizeof(*r->attacks));
	r->attacks[0].ip = fx_dup("198.51.100.23");
	r->attacks[0].users = 212;
	r->attacks[0].failures = 610;
	r->attacks[0].first_ms = FX_T0 + 2 * FX_MIN;
	r->attacks[0].last_ms = FX_T0 + 170 * FX_MIN;
	r->attacks[0].reason = fx_dup("failed for 212 distinct users with no success (>= 20)");
	r->attacks[1].ip = fx_dup(hostile ? "<img src=x onerror=alert(1)>" : "203.0.113.77");
	r->attacks[1].users = 9;
	r->attacks[1].failures = 45;
	r->attacks[1].first_ms = FX_T0 + 40 * FX_MIN;
	r->attacks[1].last_ms = FX_T0 + 44 * FX_MIN;
	r->attacks[1].reason = fx_dup("90% of its users never succeed anywhere (>= 80%)");

	r->nunverified = 1;
	r->unverified = calloc(1, sizeof(*r->unverified));
	r->unverified[0].user = fx_dup(hostile ? "=cmd|' /C calc'!A0" : "mallory@example.com");
	r->unverified[0].failures = 6;
	r->unverified[0].reason =
	    fx_dup("credentials failures in the window and no success to prove the password");

	r->nservers = 3;
	r->servers = calloc(3, sizeof(*r->servers));
	for (i = 0; i < 3; i++) {
		struct ib_server_row *s = &r->servers[i];
		s->server = fx_dup(srv[i]);
		s->layers = fx_dup(i == 0 ? "proxy;server" : "server");
		s->attempts = 3000 - 400 * i;
		s->successes = s->attempts - (i == 0 ? 520 : 40);
		s->failures[IB_CAT_CREDENTIALS] = 20 + i;
		s->failures[IB_CAT_TEMPORARY] = i == 0 ? 430 : 10;
		s->failures[IB_CAT_TIMEOUT] = i == 0 ? 60 : 8;
		s->failures[IB_CAT_POLICY] = 2;
		s->failures[IB_CAT_OTHER] = i;
		s->win_attempts = 700 - 50 * i;
		s->win_failures = i == 0 ? 480 : 12;
		s->win_rate = (double)s->win_failures / (double)s->win_attempts;
		s->base_rate = 0.004 + 0.001 * (double)i;
		s->fleet_rate = i == 0 ? 0.019 : 0.36;
		s->affected_users = i == 0 ? 6 : 3;
		s->flagged = i == 0;
	}
	if (hostile) {
		free(r->servers[2].server);
		r->servers[2].server = fx_dup("| evil | server |\n# heading");
	}

	for (c = 0; c < IB_LAYER_COUNT; c++) {
		r->layers[c].present = c != IB_LAYER_CLIENT;
		if (!r->layers[c].present)
			continue;
		r->layers[c].attempts = 8000 + 500 * (uint64_t)c;
		r->layers[c].successes = 7200 + 500 * (uint64_t)c;
		r->layers[c].failures[IB_CAT_TEMPORARY] = 500;
		r->layers[c].failures[IB_CAT_TIMEOUT] = 80;
		r->layers[c].failures[IB_CAT_CREDENTIALS] = 220;
		r->layers[c].win_attempts = 1900;
		r->layers[c].win_failures = 510;
		r->layers[c].affected_users = n;
	}

	r->nbuckets = 36;
	r->buckets = calloc(36, sizeof(*r->buckets));
	for (i = 0; i < 36; i++) {
		struct ib_bucket_row *b = &r->buckets[i];
		int in = i >= 12 && i < 21;
		uint64_t wave = in ? (uint64_t)(i < 16 ? (i - 11) * 14 : (21 - i) * 12) : 0;
		b->start_ms = FX_T0 + (int64_t)i * 5 * FX_MIN;
		b->in_window = in;
		b->successes = in ? 60 - wave / 2 : 70 + (i * 7) % 11;
		b->failures[IB_CAT_CREDENTIALS] = 2 + i % 3 + (in ? 6 : 0);
		b->failures[IB_CAT_TEMPORARY] = wave;
		b->failures[IB_CAT_TIMEOUT] = in ? wave / 4 + 1 : (i % 7 == 0);
		b->failures[IB_CAT_POLICY] = i % 9 == 0;
		b->failures[IB_CAT_OTHER] = i % 13 == 0;
		b->outage_failures = in ? b->failures[IB_CAT_TEMPORARY] + b->failures[IB_CAT_TIMEOUT] : 0;
		b->affected_users = in ? (wave > 50 ? 5 : wave / 12 + 1) : 0;
		b->rate = (double)(b->failures[IB_CAT_TEMPORARY] + b->failures[IB_CAT_TIMEOUT]) /
			  (double)(b->successes + wave + 5);
	}

	/* servers.svg's grid: the three servers by name, one column per bucket */
	r->grid.nrows = 3;
	r->grid.ncols = 36;
	r->grid.col_buckets = 1;
	r->grid.names = calloc(3, sizeof(*r->grid.names));
	r->grid.attempts = calloc(3 * 36, sizeof(*r->grid.attempts));
	r->grid.failures = calloc(3 * 36, sizeof(*r->grid.failures));
	for (i = 0; i < 3; i++) {
		r->grid.names[i] = r->servers[i].server; /* the fixture's names are in name order */
		for (int j = 0; j < 36; j++) {
			int in = j >= 12 && j < 21;

			r->grid.attempts[i * 36 + j] = j % 11 == 5 && i == 2 ? 0 : 80 + (uint64_t)j;
			r->grid.failures[i * 36 + j] =
			    in && i == 0 ? 40 + (uint64_t)j : (uint64_t)((i + j) % 4);
		}
	}

	r->nsigs = 12;
	r->sigs = calloc(12, sizeof(*r->sigs));
	for (i = 0; i < 12; i++) {
		static const char *const sn[] = {
		    "dovecot-auth-temp-fail",	 "dovecot-auth-failed",	     "nginx-upstream-timeout",
		    "dovecot-disconnected-auth", "exchange-bad-credentials", "dovecot-disabled",
		    "nginx-login-invalid",	 "perdition-fatal",	     "haproxy-timeout",
		    "roundcube-login-failed",	 "fetchmail-authfail",	     "other-unknown"};
		r->sigs[i].name = fx_dup(hostile && i == 11 ? "sig_with*stars*and`ticks`" : sn[i]);
		r->sigs[i].category = (enum ib_category)(i % 5 + IB_CAT_CREDENTIALS);
		r->sigs[i].count = 600 - 50 * (uint64_t)i;
		r->sigs[i].in_window = 300 - 25 * (uint64_t)i;
	}

	r->nfiles = 2;
	r->files = calloc(2, sizeof(*r->files));
	r->files[0].path = fx_dup("/var/log/dovecot.log");
	r->files[0].format = fx_dup("dovecot");
	r->files[0].c = (struct ib_file_counts){.bytes_in = 812345, .bytes_out = 812345, .lines = 9000, .events = 7100, .ignored = 1850, .unparseable = 40, .overlong = 10};
	r->files[1].path = fx_dup(hostile ? "logs/evil|name\n[x](y).log.gz" : "/var/log/nginx/mail.log.1.gz");
	r->files[1].format = fx_dup("nginx_mail");
	r->files[1].c = (struct ib_file_counts){.bytes_in = 120000, .bytes_out = 410000, .lines = 2800, .events = 2114, .ignored = 680, .unparseable = 6, .gzip = 1};
	r->total.bytes_in = 932345;
	r->total.bytes_out = 1222345;
	r->total.lines = 11800;
	r->total.events = 9214;
	r->total.ignored = 2530;
	r->total.unparseable = 46;
	r->total.overlong = 10;
	r->nreasons = 2;
	r->reasons = calloc(2, sizeof(*r->reasons));
	r->reasons[0].reason = fx_dup("no timestamp");
	r->reasons[0].count = 40;
	r->reasons[0].sample = fx_dup("/var/log/dovecot.log:17");
	r->reasons[1].reason = fx_dup("unknown program");
	r->reasons[1].count = 6;
	r->reasons[1].sample = fx_dup("/var/log/nginx/mail.log.1.gz:3");
	r->nerrors = 1;
	r->errors = calloc(1, sizeof(*r->errors));
	r->errors[0].path = fx_dup(r->files[1].path);
	r->errors[0].offset = 119876;
	r->errors[0].reason = fx_dup("truncated gzip member");
	return r;
}

#endif
