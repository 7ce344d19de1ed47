/*
 * ib_feed.h: the parser test harness, the one all parser suites use. It
 * runs lines through the parser runtime (parser.h) exactly as the pipeline
 * does: by name (a message parser such as "dovecot" reads syslog lines
 * through the envelope) or by detection, drains after every line and at
 * end of file, and records every event it yields, copied, in order.
 */
#ifndef IB_FEED_H
#define IB_FEED_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include "imapblast/parser.h"

#define FEED_MAX_EV 16
#define FEED_STR 256

struct feed_ev {
	int64_t time_ms;
	enum ib_category outcome;
	const char *signature;
	char user[FEED_STR], ip[FEED_STR], server[FEED_STR], session[FEED_STR], message[FEED_STR];
	size_t user_len;
	enum ib_proto protocol;
};

struct feed {
	int last_rc; /* result of the last line fed */
	const char *last_reason;
	size_t nev, nbad;
	struct feed_ev ev[FEED_MAX_EV];
};

/* A held event as released (by drain), with the line number it names. */
struct trun_held {
	uint64_t lineno;
	int64_t time_ms;
	enum ib_category outcome;
	char user[FEED_STR], ip[FEED_STR];
};

/*
 * One file's run. After trun_line, rc, reason and (rc IB_OK) ev are the
 * line's own result; ev's slices are valid until the next line. Every
 * event (the line's and held ones) is recorded in f when f is not NULL.
 */
struct trun {
	struct ib_runtime rt;
	struct ib_time_policy tp;
	struct feed *f;
	uint64_t lineno;
	int rc;
	const char *reason;
	struct ib_event ev;
	size_t held; /* held events released (IB_OK) */
	/* optional, set by the test after trun_start: held events recorded here */
	struct trun_held *held_log;
	size_t held_cap, nheld_log;
};

/* The held event released for line lineno, or NULL. */
static inline const struct trun_held *trun_held_at(const struct trun *t, uint64_t lineno)
{
	for (size_t i = 0; i < t->nheld_log; i++)
		if (t->held_log[i].lineno == lineno)
			return &t->held_log[i];
	return NULL;
}

static inline void feed_copy(char *dst, struct ib_str s)
{
	size_t n = s.len < FEED_STR - 1 ? s.len : FEED_STR - 1;

	if (n)
		memcpy(dst, s.ptr, n);
	dst[n] = 0;
}

static inline void feed_take(struct feed *f, const struct ib_event *ev)
{
	struct feed_ev *d;

	ck_assert_uint_lt(f->nev, FEED_MAX_EV);
	d = &f->ev[f->nev++];
	d->time_ms = ev->time_ms;
	d->outcome = ev->outcome;
	d->signature = ev->signature;
	d->protocol = ev->protocol;
	d->user_len = ev->user.len;
	feed_copy(d->user, ev->user);
	feed_copy(d->ip, ev->ip);
	feed_copy(d->server, ev->server);
	feed_copy(d->session, ev->session);
	feed_copy(d->message, ev->message);
}

static inline int trun_result(void *arg, int rc, struct ib_event *ev, const char *reason, int held)
{
	struct trun *t = arg;

	ck_assert_msg(rc == IB_OK || rc == IB_SKIP || rc == IB_BAD, "rc %d", rc);
	if (rc == IB_BAD)
		ck_assert_msg(reason != NULL, "IB_BAD without a reason");
	if (rc == IB_OK) {
		ck_assert(ev->format != NULL);
		if (ev->outcome != IB_CAT_NONE)
			ck_assert(ev->signature != NULL);
	}
	if (held && rc == IB_OK) {
		t->held++;
		if (t->held_log && t->nheld_log < t->held_cap) {
			struct trun_held *h = &t->held_log[t->nheld_log++];

			h->lineno = t->rt.ctx.lineno;
			h->time_ms = ev->time_ms;
			h->outcome = ev->outcome;
			feed_copy(h->user, ev->user);
			feed_copy(h->ip, ev->ip);
		}
	}
	if (!held) {
		t->rc = rc;
		t->reason = reason;
		if (rc == IB_OK)
			t->ev = *ev;
	}
	if (t->f) {
		if (!held) {
			t->f->last_rc = rc;
			t->f->last_reason = reason;
		}
		if (rc == IB_OK)
			feed_take(t->f, ev);
		else if (rc == IB_BAD)
			t->f->nbad++;
	}
	return IB_OK;
}

/*
 * Start a run of parser `name` (NULL: detect over probe[0..n)); the time
 * policy is ib_time_policy_init(zone, year, ref), zone NULL for UTC. f may
 * be NULL.
 */
static inline void trun_start(struct trun *t, const char *name, const struct ib_str *probe, size_t n,
			      const struct ib_zone *zone, int year, int64_t ref, struct feed *f)
{
	memset(t, 0, sizeof(*t));
	ib_time_policy_init(&t->tp, zone, year, ref);
	t->f = f;
	if (f)
		memset(f, 0, sizeof(*f));
	ck_assert_int_eq(ib_runtime_start(&t->rt, name, probe, n, &t->tp, trun_result, t), IB_OK);
	ck_assert_msg(t->rt.parser != NULL, "no parser for %s", name ? name : "the lines");
}

/* One line; returns its result (IB_OK, IB_SKIP or IB_BAD). */
static inline int trun_line(struct trun *t, struct ib_str line)
{
	ib_event_clear(&t->ev);
	t->reason = NULL;
	ck_assert_int_eq(ib_runtime_line(&t->rt, line, ++t->lineno), IB_OK);
	return t->rc;
}

/* End of file: drain, then release. */
static inline void trun_end(struct trun *t)
{
	ck_assert_int_eq(ib_runtime_finish(&t->rt, t->lineno), IB_OK);
	ib_runtime_release(&t->rt);
}

/*
 * A hostile line: pre, then n copies of fill, then post, NUL-terminated, in
 * a malloc'd buffer the caller frees (the test fails when out of memory).
 */
static inline char *feed_long_line(const char *pre, char fill, size_t n, const char *post)
{
	size_t a = strlen(pre), b = strlen(post);
	char *line = malloc(a + n + b + 1);

	ck_assert(line != NULL);
	memcpy(line, pre, a);
	memset(line + a, fill, n);
	memcpy(line + a + n, post, b + 1);
	return line;
}

/* Feed n lines (explicit lengths: lines may hold NUL bytes) through p. */
static inline void feed_lines(const struct ib_parser *p, const struct ib_str *lines, size_t n, struct feed *f)
{
	struct trun t;

	trun_start(&t, p->name, lines, n, NULL, 0, 0, f);
	for (size_t i = 0; i < n; i++)
		(void)trun_line(&t, lines[i]);
	trun_end(&t);
}

/* Feed a '\n'-separated text (no NUL bytes). */
static inline void feed_text(const struct ib_parser *p, const char *text, struct feed *f)
{
	struct ib_str lines[64];
	size_t n = 0;
	const char *s = text;

	for (;;) {
		const char *nl = strchr(s, '\n');

		ck_assert_uint_lt(n, 64);
		lines[n].ptr = s;
		lines[n].len = nl ? (size_t)(nl - s) : strlen(s);
		n++;
		if (!nl)
			break;
		s = nl + 1;
	}
	feed_lines(p, lines, n, f);
}

/* Expected event; NULL strings are not checked, "" means must be empty. */
struct exp_ev {
	enum ib_category outcome;
	const char *signature;
	int64_t time_ms;
	const char *user, *ip, *server, *session, *message;
};

static inline void feed_check_str(const char *what, const char *got, const char *want, const char *name)
{
	if (want)
		ck_assert_msg(!strcmp(got, want), "%s: %s is '%s', want '%s'", name, what, got, want);
}

static inline void feed_check(const struct feed *f, const struct exp_ev *e, size_t n, const char *name)
{
	ck_assert_msg(f->nev == n, "%s: %zu events, want %zu", name, f->nev, n);
	for (size_t i = 0; i < n; i++) {
		const struct feed_ev *g = &f->ev[i];

		ck_assert_msg(g->outcome == e[i].outcome, "%s: event %zu outcome %d, want %d", name, i,
			      (int)g->outcome, (int)e[i].outcome);
		if (e[i].signature)
			ck_assert_msg(g->signature && !strcmp(g->signature, e[i].signature),
				      "%s: event %zu signature %s, want %s", name, i,
				      g->signature ? g->signature : "(null)", e[i].signature);
		if (e[i].time_ms)
			ck_assert_msg(g->time_ms == e[i].time_ms, "%s: event %zu time %lld, want %lld", name,
				      i, (long long)g->time_ms, (long long)e[i].time_ms);
		feed_check_str("user", g->user, e[i].user, name);
		feed_check_str("ip", g->ip, e[i].ip, name);
		feed_check_str("server", g->server, e[i].server, name);
		feed_check_str("session", g->session, e[i].session, name);
		feed_check_str("message", g->message, e[i].message, name);
	}
}

#endif
