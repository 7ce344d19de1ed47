/*
 * events_out.c: the JSON Lines records of `imapblast events` (events.h,
 * docs/events.md). One record per event and per line that was no event:
 *   {"kind":"event","time":"2026-01-14T09:01:02Z","time_ms":...,
 *    "layer":"server","format":"syslog","program":"dovecot",...,
 *    "file":"dovecot.log","line":3}
 * Strings from logs go through the JSON escaper of the writers, so a
 * record is valid UTF-8 JSON whatever the bytes of the line.
 */
#include <stdlib.h>
#include "imapblast/events.h"
#include "imapblast/parser.h"
#include "imapblast/pipeline.h"
#include "imapblast/timeutil.h"
#include "report_int.h"

struct ib_events_out {
	FILE *f;
	struct ib_rbuf b;
	int failed;
	const char *format; /* the current file's parser, or NULL */
	unsigned protocols; /* --protocols: the protocols whose logins count */
};

int ib_events_out_new(struct ib_events_out **out, FILE *f, unsigned protocols)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return IB_ERR_NOMEM;
	(*out)->f = f;
	(*out)->protocols = protocols;
	return IB_OK;
}

void ib_events_out_free(struct ib_events_out *w)
{
	if (!w)
		return;
	ib_rbuf_release(&w->b);
	free(w);
}

static void lit(struct ib_events_out *w, const char *s)
{
	ib_rbuf_put(&w->b, s, strlen(s));
}

/* ,"key": */
static void key(struct ib_events_out *w, const char *k)
{
	ib_rbuf_putc(&w->b, ',');
	ib_rbuf_putc(&w->b, '"');
	lit(w, k);
	lit(w, "\":");
}

/* A string, or null when empty (or NULL). */
static void str(struct ib_events_out *w, const char *k, const char *s, size_t n)
{
	key(w, k);
	if (!s || !n) {
		lit(w, "null");
		return;
	}
	ib_rbuf_putc(&w->b, '"');
	ib_esc(&w->b, s, n, IB_ESC_JSON);
	ib_rbuf_putc(&w->b, '"');
}

static void cstr(struct ib_events_out *w, const char *k, const char *s)
{
	str(w, k, s, s ? strlen(s) : 0);
}

static void slice(struct ib_events_out *w, const char *k, struct ib_str s)
{
	str(w, k, s.ptr, s.len);
}

static void num(struct ib_events_out *w, const char *k, uint64_t v)
{
	char t[32];

	key(w, k);
	snprintf(t, sizeof(t), "%llu", (unsigned long long)v);
	lit(w, t);
}

static void head(struct ib_events_out *w, const char *kind)
{
	w->b.len = 0;
	lit(w, "{\"kind\":\"");
	lit(w, kind);
	ib_rbuf_putc(&w->b, '"');
}

static void tail(struct ib_events_out *w, const char *path, uint64_t lineno)
{
	cstr(w, "file", path);
	num(w, "line", lineno);
	lit(w, "}\n");
	if (w->b.oom) {
		w->failed = IB_ERR_NOMEM;
		w->b.oom = 0;
		return;
	}
	if (fwrite(w->b.p, 1, w->b.len, w->f) != w->b.len && !w->failed)
		w->failed = IB_ERR_IO;
}

void ib_events_out_event(struct ib_events_out *w, const char *path, uint64_t lineno,
			 const struct ib_event *ev, const struct ib_match *m)
{
	char t[40];
	int taken = m && m->category != IB_CAT_NONE;

	head(w, "event");
	if (ev->time_ms == IB_TIME_NONE) {
		key(w, "time");
		lit(w, "null");
		key(w, "time_ms");
		lit(w, "null");
	} else {
		ib_time_format(ev->time_ms, t, sizeof(t));
		cstr(w, "time", t);
		key(w, "time_ms");
		snprintf(t, sizeof(t), "%lld", (long long)ev->time_ms);
		lit(w, t);
	}
	cstr(w, "layer", ib_layer_name(ev->layer));
	cstr(w, "format", ev->format);
	cstr(w, "protocol", ev->protocol != IB_PROTO_NONE ? ib_proto_name(ev->protocol) : NULL);
	slice(w, "host", ev->host);
	slice(w, "program", ev->program);
	slice(w, "server", ev->server);
	slice(w, "user", ev->user);
	slice(w, "ip", ev->ip);
	slice(w, "session", ev->session);
	cstr(w, "category", taken ? ib_category_name(m->category) : NULL);
	cstr(w, "signature", taken ? m->signature : NULL);
	key(w, "connection");
	lit(w, ev->flags & IB_EV_CONNECTION ? "true" : "false");
	cstr(w, "reason",
	     ev->time_ms == IB_TIME_NONE	    ? "event without a timestamp"
	     : !taken				    ? "no rule"
	     : !(w->protocols >> ev->protocol & 1u) ? "protocol not counted (--protocols)"
						    : NULL);
	tail(w, path, lineno);
}

void ib_events_out_other(struct ib_events_out *w, const char *path, uint64_t lineno, int rc,
			 const char *reason)
{
	static const char *const keys[] = {"time",    "time_ms",  "layer",     "format", "protocol",
					   "host",    "program",  "server",    "user",	 "ip",
					   "session", "category", "signature", NULL};

	head(w, rc == IB_BAD ? "unparseable" : "ignored");
	for (size_t i = 0; keys[i]; i++) {
		if (i == 3) {
			cstr(w, keys[i], w->format);
			continue;
		}
		key(w, keys[i]);
		lit(w, "null");
	}
	key(w, "connection");
	lit(w, "false");
	cstr(w, "reason", reason);
	tail(w, path, lineno);
}

static void on_event(void *arg, const char *path, uint64_t lineno, const struct ib_event *ev,
		     const struct ib_match *m)
{
	ib_events_out_event(arg, path, lineno, ev, m);
}

static void on_format(void *arg, const char *path, const struct ib_parser *p)
{
	struct ib_events_out *w = arg;

	(void)path;
	w->format = p ? p->name : NULL;
}

static void on_other(void *arg, const char *path, uint64_t lineno, int rc, const char *reason)
{
	ib_events_out_other(arg, path, lineno, rc, reason);
}

void ib_events_observer(struct ib_events_out *w, struct ib_observer *obs)
{
	memset(obs, 0, sizeof(*obs));
	obs->format = on_format;
	obs->event = on_event;
	obs->other = on_other;
	obs->arg = w;
}

int ib_events_out_status(const struct ib_events_out *w)
{
	return w->failed;
}
