/*
 * ib_feed.h: test helper for the parser suites (exchange, entra, zimbra):
 * feeds lines through a parser's open/parse/drain/close like the pipeline
 * does and records every event it yields, copied, in order.
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
};

struct feed {
	int last_rc;	       /* rc of parse for the last line fed */
	const char *last_reason;
	size_t nev, nbad;
	struct feed_ev ev[FEED_MAX_EV];
};

static void feed_copy(char *dst, struct ib_str s)
{
	size_t n = s.len < FEED_STR - 1 ? s.len : FEED_STR - 1;

	if (n)
		memcpy(dst, s.ptr, n);
	dst[n] = 0;
}

static void feed_take(struct feed *f, const struct ib_event *ev)
{
	struct feed_ev *d;

	ck_assert_uint_lt(f->nev, FEED_MAX_EV);
	d = &f->ev[f->nev++];
	d->time_ms = ev->time_ms;
	d->outcome = ev->outcome;
	d->signature = ev->signature;
	d->user_len = ev->user.len;
	feed_copy(d->user, ev->user);
	feed_copy(d->ip, ev->ip);
	feed_copy(d->server, ev->server);
	feed_copy(d->session, ev->session);
	feed_copy(d->message, ev->message);
}

static void feed_drain(const struct ib_parser *p, struct ib_parse_ctx *ctx, int eof, struct feed *f)
{
	struct ib_event ev;
	int rc, guard = 0;

	if (!p->drain)
		return;
	for (;;) {
		ib_event_clear(&ev);
		rc = p->drain(ctx, eof, &ev);
		ck_assert_int_ge(rc, 0);
		if (rc == IB_EOF)
			break;
		if (rc == IB_OK)
			feed_take(f, &ev);
		else
			f->nbad++;
		ck_assert_int_lt(++guard, 1000);
	}
}

/*
 * A hostile line: pre, then n copies of fill, then post, NUL-terminated, in
 * a malloc'd buffer the caller frees (the test fails when out of memory).
 */
static char *feed_long_line(const char *pre, char fill, size_t n, const char *post)
{
	size_t a = strlen(pre), b = strlen(post);
	char *line = malloc(a + n + b + 1);

	ck_assert(line != NULL);
	memcpy(line, pre, a);
	memset(line + a, fill, n);
	memcpy(line + a + n, post, b + 1);
	return line;
}

/* Feed n lines (explicit lengths: lines may hold NUL bytes). */
static void feed_lines(const struct ib_parser *p, const struct ib_str *lines, size_t n, struct feed *f)
{
	struct ib_time_policy tp;
	struct ib_parse_ctx ctx;

	memset(f, 0, sizeof(*f));
	ib_time_policy_init(&tp, NULL, 0, 0);
	memset(&ctx, 0, sizeof(ctx));
	ctx.time = &tp;
	if (p->open) {
		ctx.state = p->open();
		ck_assert(ctx.state != NULL);
	}
	for (size_t i = 0; i < n; i++) {
		struct ib_event ev;
		int rc;

		ib_event_clear(&ev);
		ctx.lineno = i + 1;
		ctx.reason = NULL;
		rc = p->parse(&ctx, lines[i], &ev);
		ck_assert_int_ge(rc, 0);
		f->last_rc = rc;
		f->last_reason = ctx.reason;
		if (rc == IB_OK)
			feed_take(f, &ev);
		if (rc == IB_BAD) {
			f->nbad++;
			ck_assert_msg(ctx.reason != NULL, "IB_BAD without a reason");
		}
		feed_drain(p, &ctx, 0, f);
	}
	feed_drain(p, &ctx, 1, f);
	if (p->close)
		p->close(ctx.state);
}

/* Feed a '\n'-separated text (no NUL bytes). */
static void feed_text(const struct ib_parser *p, const char *text, struct feed *f)
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

static void feed_check_str(const char *what, const char *got, const char *want, const char *name)
{
	if (want)
		ck_assert_msg(!strcmp(got, want), "%s: %s is '%s', want '%s'", name, what, got, want);
}

static void feed_check(const struct feed *f, const struct exp_ev *e, size_t n, const char *name)
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
			ck_assert_msg(g->time_ms == e[i].time_ms, "%s: event %zu time %lld, want %lld", name, i,
				      (long long)g->time_ms, (long long)e[i].time_ms);
		feed_check_str("user", g->user, e[i].user, name);
		feed_check_str("ip", g->ip, e[i].ip, name);
		feed_check_str("server", g->server, e[i].server, name);
		feed_check_str("session", g->session, e[i].session, name);
		feed_check_str("message", g->message, e[i].message, name);
	}
}

#endif
