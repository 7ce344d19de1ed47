/*
 * pcase.h: table-driven parser cases shared by check_parsers_proxy.c and
 * check_parsers_client.c (static helpers; include once per suite).
 * A case feeds one or more '\n'-separated lines through the parser
 * runtime, forcing one parser by name (ib_feed.h), and checks the result
 * of the last line.
 */
#ifndef IB_TESTS_PCASE_H
#define IB_TESTS_PCASE_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "imapblast/parser.h"
#include "ib_feed.h"

struct pcase {
	const char *parser; /* registry name the lines go through */
	const char *lines;  /* '\n'-separated; the last one is checked */
	int rc;
	const char *time; /* "YYYY-MM-DDTHH:MM:SS[.mmm]" UTC, "" = IB_TIME_NONE, NULL = unchecked */
	const char *user, *ip, *server, *session; /* NULL = must be empty */
	int layer;
	int outcome;
	const char *in_msg; /* substring ev.message must contain, or NULL */
};

static int64_t pc_time(const char *s)
{
	unsigned v[7] = {0};
	const unsigned w[7] = {4, 2, 2, 2, 2, 2, 3};
	const char *p = s;

	for (int i = 0; i < 7 && *p; i++) {
		for (unsigned k = 0; k < w[i]; k++, p++)
			v[i] = v[i] * 10 + (unsigned)(*p - '0');
		if (*p)
			p++;
	}
	return ib_time_utc((int)v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
}

/* UTC, year 2026, reference 2026-06-30 */
#define PC_REF ib_time_utc(2026, 6, 30, 0, 0, 0, 0)

static void pc_str(const char *what, struct ib_str got, const char *want)
{
	if (!want) {
		ck_assert_msg(got.len == 0, "%s: expected empty, got '%.*s'", what, (int)got.len, got.ptr);
		return;
	}
	ck_assert_msg(got.len == strlen(want) && !memcmp(got.ptr, want, got.len),
		      "%s: expected '%s', got '%.*s'", what, want, (int)got.len, got.len ? got.ptr : "");
}

/* Split '\n'-separated text into at most cap lines. */
static size_t pc_split(const char *text, struct ib_str *lines, size_t cap)
{
	size_t n = 0;

	for (const char *s = text;;) {
		const char *nl = strchr(s, '\n');

		ck_assert_uint_lt(n, cap);
		lines[n++] = (struct ib_str){s, nl ? (size_t)(nl - s) : strlen(s)};
		if (!nl)
			return n;
		s = nl + 1;
	}
}

static void pc_check(const struct pcase *c)
{
	struct ib_str lines[64];
	size_t n = pc_split(c->lines, lines, 64);
	struct trun t;
	const struct ib_event *ev = &t.ev;
	int rc = IB_SKIP;

	trun_start(&t, c->parser, lines, n, NULL, 0, PC_REF, NULL);
	for (size_t i = 0; i < n; i++)
		rc = trun_line(&t, lines[i]);
	ck_assert_msg(rc == c->rc, "%s: rc %d, expected %d (reason %s) for: %s", c->parser, rc, c->rc,
		      t.reason ? t.reason : "-", c->lines);
	if (rc == IB_OK) {
		if (c->time)
			ck_assert_msg(ev->time_ms == (*c->time ? pc_time(c->time) : IB_TIME_NONE),
				      "time %lld, expected %s", (long long)ev->time_ms, c->time);
		pc_str("user", ev->user, c->user);
		pc_str("ip", ev->ip, c->ip);
		pc_str("server", ev->server, c->server);
		pc_str("session", ev->session, c->session);
		ck_assert_int_eq(ev->layer, c->layer);
		ck_assert_int_eq(ev->outcome, c->outcome);
		if (c->in_msg)
			ck_assert_msg(
			    memmem(ev->message.ptr, ev->message.len, c->in_msg, strlen(c->in_msg)) != NULL,
			    "message '%.*s' lacks '%s'", (int)ev->message.len, ev->message.ptr, c->in_msg);
	}
	trun_end(&t);
}

/* slices of an event must lie inside the line or be empty/state-owned */
static void pc_hostile_one(struct trun *t, const char *buf, size_t len)
{
	struct ib_str line = {buf, len};

	if (trun_line(t, line) == IB_OK) {
		ck_assert(t->ev.message.len <= len);
		ck_assert(t->ev.user.len <= len || t->ev.user.len <= 65536);
	}
}

/*
 * Every prefix of every case's last line, the line with a NUL in the
 * middle, and the line with a 64 KiB run spliced in at every space.
 */
static void pc_hostile(const struct pcase *cases, size_t n)
{
	const size_t big = 65536;
	char *buf = malloc(2 * big + 4096);

	ck_assert(buf != NULL);
	for (size_t i = 0; i < n; i++) {
		const char *last = strrchr(cases[i].lines, '\n');
		struct ib_str first;
		struct trun t;
		size_t len;

		last = last ? last + 1 : cases[i].lines;
		len = strlen(last);
		if (len > 4000)
			continue;
		first = (struct ib_str){last, len};
		trun_start(&t, cases[i].parser, &first, 1, NULL, 0, PC_REF, NULL);
		for (size_t k = 0; k <= len; k++) {
			memcpy(buf, last, k); /* exact-size copy: ASan sees overreads */
			pc_hostile_one(&t, buf, k);
		}
		for (size_t k = 0; k < len; k += 7) {
			memcpy(buf, last, len);
			buf[k] = '\0';
			pc_hostile_one(&t, buf, len);
		}
		for (size_t k = 0; k < len; k++) {
			if (last[k] != ' ' && last[k] != '"' && last[k] != '[')
				continue;
			memcpy(buf, last, k + 1);
			memset(buf + k + 1, k & 1 ? 'A' : '"', big);
			memcpy(buf + k + 1 + big, last + k + 1, len - k - 1);
			pc_hostile_one(&t, buf, len + big);
		}
		trun_end(&t);
	}
	free(buf);
}

/*
 * Read samples/formats/<name> (IB_SAMPLES_DIR), detect its parser (must be
 * `want`), parse every line: no IB_BAD, at least min_events events. When
 * user is not NULL, *hits counts events of that user.
 */
static void pc_sample(const char *name, const char *want, int min_events, const char *user, int *hits)
{
	char path[1024];
	FILE *f;
	char line[8192];
	struct ib_str det[8];
	char *keep[8];
	size_t ndet = 0;
	const struct ib_parser *p;
	struct trun t;
	int events = 0;

	snprintf(path, sizeof(path), "%s/formats/%s", IB_SAMPLES_DIR, name);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open '%s'", path);
	while (ndet < 8 && fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);
		if (n && line[n - 1] == '\n')
			line[--n] = 0;
		keep[ndet] = strdup(line);
		ck_assert(keep[ndet] != NULL);
		det[ndet] = (struct ib_str){keep[ndet], n};
		ndet++;
	}
	trun_start(&t, NULL, det, ndet, NULL, 0, PC_REF, NULL);
	for (size_t i = 0; i < ndet; i++)
		free(keep[i]);
	p = t.rt.parser;
	ck_assert_msg(!strcmp(p->name, want), "%s: detected %s, want %s", name, p->name, want);
	rewind(f);
	if (hits)
		*hits = 0;
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);
		int rc;
		if (n && line[n - 1] == '\n')
			line[--n] = 0;
		rc = trun_line(&t, (struct ib_str){line, n});
		ck_assert_msg(rc == IB_OK || rc == IB_SKIP, "%s: rc %d (%s) on: %s", name, rc,
			      t.reason ? t.reason : "-", line);
		if (rc == IB_OK) {
			events++;
			if (user && hits && t.ev.user.len == strlen(user) &&
			    !memcmp(t.ev.user.ptr, user, t.ev.user.len))
				(*hits)++;
		}
	}
	trun_end(&t);
	fclose(f);
	ck_assert_msg(events >= min_events, "%s: %d events, want >= %d", name, events, min_events);
}

#endif
