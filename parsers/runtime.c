/*
 * runtime.c: runs any parser over the lines of one file (parser.h). It
 * alone clears the event and fills format and layer (and time, host and
 * program from a syslog envelope), owns the reason, drains after every
 * line and at end of file, and turns `--format NAME` into a parser: a
 * message parser forced by name reads a syslog file through the envelope,
 * restricted to itself, with its own state.
 * Invariant: every line gets exactly one held-0 result.
 */
#include <stdlib.h>
#include <string.h>
#include "imapblast/parser.h"

/* Per registry parser: its per-file state, opened on first use. */
struct ib_runtime_slot {
	void *st;
	int opened;
	int used; /* offered a message: drained at end of file */
};

/*
 * Which message parsers take a program is the same for every line of that
 * program, so the answer is remembered for the last few programs seen
 * (round robin, bounded): matching every parser's program list on every
 * line cost a sixth of the run time.
 */
#define PROG_CACHE 8
#define PROG_MAX 48

struct ib_runtime_prog {
	size_t len;
	char name[PROG_MAX];
	int valid;
	size_t n;    /* parsers in ids */
	size_t *ids; /* registry indices, in registry order */
};

static const char *why(const char *reason, const char *dflt)
{
	return reason ? reason : dflt;
}

static void fill(struct ib_event *ev, const struct ib_parser *p)
{
	ib_event_clear(ev);
	ev->format = p->name;
	ev->layer = p->layer;
}

static int slot_state(struct ib_runtime *rt, size_t i, void **st)
{
	struct ib_runtime_slot *s = &rt->slot[i];

	if (!s->opened && ib_parsers[i]->open) {
		s->st = ib_parsers[i]->open();
		if (!s->st)
			return IB_ERR_NOMEM;
		s->opened = 1;
	}
	*st = s->st;
	return IB_OK;
}

/* Drain registry parser i; every result goes to fn as held. */
static int drain(struct ib_runtime *rt, size_t i, int eof, uint64_t lineno)
{
	const struct ib_parser *p = ib_parsers[i];
	struct ib_event ev;
	int rc;

	if (!p->drain)
		return IB_OK;
	rt->ctx.state = rt->slot[i].st;
	rt->ctx.lineno = lineno;
	for (;;) {
		fill(&ev, p);
		rt->ctx.reason = NULL;
		rt->ctx.lineno = lineno; /* a drain may name the line an event came from */
		rc = p->drain(&rt->ctx, eof, &ev);
		if (rc < 0)
			return rc;
		if (rc == IB_EOF)
			return IB_OK;
		if (rc == IB_BAD)
			rc = rt->fn(rt->arg, IB_BAD, NULL, why(rt->ctx.reason, "malformed record"), 1);
		else if (rc == IB_OK)
			rc = rt->fn(rt->arg, IB_OK, &ev, NULL, 1);
		else
			rc = IB_OK;
		if (rc < 0)
			return rc;
	}
}

static size_t index_of(const struct ib_parser *p)
{
	size_t i = 0;

	while (ib_parsers[i] && ib_parsers[i] != p)
		i++;
	return i;
}

/* The message parsers that take program, in registry order. */
static const struct ib_runtime_prog *takers(struct ib_runtime *rt, struct ib_str program,
					    struct ib_runtime_prog *tmp)
{
	struct ib_runtime_prog *e = tmp;

	if (program.len <= PROG_MAX) {
		for (unsigned k = 0; k < PROG_CACHE; k++) {
			e = &rt->cache[k];
			if (e->valid && e->len == program.len && !memcmp(e->name, program.ptr, program.len))
				return e;
		}
		e = &rt->cache[rt->next++ % PROG_CACHE];
		e->len = program.len;
		memcpy(e->name, program.ptr, program.len);
		e->valid = 1;
	}
	e->n = 0;
	for (size_t i = 0; i < rt->nslot; i++)
		if (ib_parsers[i]->parse_msg && ib_parser_program_match(ib_parsers[i], program))
			e->ids[e->n++] = i;
	return e;
}

/*
 * Offer the message to the matching parsers in registry order, each with
 * a freshly filled event (one that declined may have written to it).
 */
static int dispatch(struct ib_runtime *rt, const struct ib_syslog_hdr *hdr, struct ib_str msg,
		    struct ib_event *ev, size_t *taker)
{
	struct ib_runtime_prog tmp;
	const struct ib_runtime_prog *e;
	size_t one;
	int rc;

	if (rt->only) {
		one = rt->self;
		tmp.ids = &one;
		tmp.n = ib_parser_program_match(rt->only, hdr->program) ? 1 : 0;
		e = &tmp;
	} else {
		tmp.ids = rt->ids + PROG_CACHE * rt->nslot;
		e = takers(rt, hdr->program, &tmp);
	}
	for (size_t k = 0; k < e->n; k++) {
		size_t i = e->ids[k];
		const struct ib_parser *p = ib_parsers[i];

		if ((rc = slot_state(rt, i, &rt->ctx.state)) < 0)
			return rc;
		rt->slot[i].used = 1;
		fill(ev, p);
		ev->time_ms = hdr->time_ms;
		ev->host = hdr->host;
		ev->program = hdr->program;
		rc = p->parse_msg(&rt->ctx, hdr, msg, ev);
		if (rc != IB_DECLINE) {
			*taker = i;
			return rc;
		}
	}
	return IB_SKIP;
}

int ib_runtime_line(struct ib_runtime *rt, struct ib_str line, uint64_t lineno)
{
	const struct ib_parser *p = rt->parser;
	struct ib_event ev;
	size_t taker = rt->nslot;
	int rc;

	rt->ctx.lineno = lineno;
	rt->ctx.reason = NULL;
	if (!p)
		return rt->fn(rt->arg, IB_BAD, NULL, "no parser recognised the file's format", 0);
	if (rt->envelope) {
		struct ib_syslog_hdr hdr;
		struct ib_str msg;
		const char *reason = NULL;

		rc = rt->envelope->envelope(rt->ctx.time, line, &hdr, &msg, &reason);
		if (rc == IB_OK) {
			rc = dispatch(rt, &hdr, msg, &ev, &taker);
		} else if (rc == IB_BAD) {
			rt->ctx.reason = reason;
		}
	} else {
		taker = rt->self;
		rt->ctx.state = rt->slot[taker].st;
		fill(&ev, p);
		rc = p->parse(&rt->ctx, line, &ev);
	}
	if (rc < 0)
		return rc;
	if (rc == IB_BAD || rc == IB_DECLINE)
		rc = rt->fn(rt->arg, IB_BAD, NULL, why(rt->ctx.reason, "malformed line"), 0);
	else if (rc == IB_OK)
		rc = rt->fn(rt->arg, IB_OK, &ev, NULL, 0);
	else
		rc = rt->fn(rt->arg, IB_SKIP, NULL, NULL, 0);
	if (rc < 0 || taker >= rt->nslot)
		return rc;
	return drain(rt, taker, 0, lineno);
}

int ib_runtime_piece(struct ib_runtime *rt, struct ib_str piece, uint64_t lineno)
{
	const struct ib_parser *p = rt->parser;
	struct ib_event ev;
	int rc;

	if (!p || !p->stream || rt->envelope)
		return IB_ERR_USAGE;
	rt->ctx.lineno = lineno;
	rt->ctx.reason = NULL;
	rt->ctx.state = rt->slot[rt->self].st;
	rt->ctx.partial = 1; /* through the drain, which goes on with the piece */
	fill(&ev, p);
	rc = p->parse(&rt->ctx, piece, &ev);
	if (rc == IB_BAD)
		rc = rt->fn(rt->arg, IB_BAD, NULL, why(rt->ctx.reason, "malformed record"), 1);
	else if (rc == IB_OK)
		rc = rt->fn(rt->arg, IB_OK, &ev, NULL, 1);
	else if (rc > 0)
		rc = IB_OK;
	if (rc >= 0)
		rc = drain(rt, rt->self, 0, lineno);
	rt->ctx.partial = 0;
	return rc;
}

int ib_runtime_finish(struct ib_runtime *rt, uint64_t lineno)
{
	int rc;

	if (!rt->parser)
		return IB_OK;
	for (size_t i = 0; i < rt->nslot; i++) {
		if (rt->envelope ? !rt->slot[i].used : ib_parsers[i] != rt->parser)
			continue;
		if ((rc = drain(rt, i, 1, lineno)) < 0)
			return rc;
	}
	return IB_OK;
}

/* Score of p over the first lines (ib_parser_detect's sum). */
static long score(const struct ib_parser *p, const struct ib_str *lines, size_t n)
{
	long s = 0;

	if (p && p->probe)
		for (size_t k = 0; k < n; k++)
			s += p->probe(lines[k]);
	return s;
}

int ib_runtime_start(struct ib_runtime *rt, const char *force, const struct ib_str *lines, size_t n,
		     struct ib_time_policy *tp, ib_runtime_fn fn, void *arg)
{
	const struct ib_parser *p, *env = NULL;

	memset(rt, 0, sizeof(*rt));
	rt->ctx.time = tp;
	rt->fn = fn;
	rt->arg = arg;
	while (ib_parsers[rt->nslot]) {
		if (ib_parsers[rt->nslot]->envelope && !env)
			env = ib_parsers[rt->nslot];
		rt->nslot++;
	}
	rt->slot = calloc(rt->nslot, sizeof(*rt->slot));
	if (!rt->slot)
		return IB_ERR_NOMEM;
	p = force ? ib_parser_find(force) : ib_parser_detect(lines, n);
	if (force && !p)
		return IB_ERR_USAGE;
	rt->parser = p;
	if (!p)
		return IB_OK;
	rt->self = index_of(p);
	if (p->envelope) {
		rt->envelope = p;
		rt->cache = calloc(PROG_CACHE, sizeof(*rt->cache));
		rt->ids = calloc((PROG_CACHE + 1) * rt->nslot, sizeof(*rt->ids));
		if (!rt->cache || !rt->ids)
			return IB_ERR_NOMEM;
		for (unsigned k = 0; k < PROG_CACHE; k++)
			rt->cache[k].ids = rt->ids + k * rt->nslot;
	} else if (p->parse_msg && env && (!p->parse || score(env, lines, n) > score(p, lines, n))) {
		rt->envelope = env;
		rt->only = p;
	} else if (!p->parse) {
		return IB_ERR_USAGE; /* a registry entry that reads nothing */
	} else if (slot_state(rt, rt->self, &rt->ctx.state) < 0) {
		return IB_ERR_NOMEM;
	}
	return IB_OK;
}

void ib_runtime_release(struct ib_runtime *rt)
{
	if (rt->slot)
		for (size_t i = 0; i < rt->nslot; i++)
			if (rt->slot[i].opened && ib_parsers[i]->close)
				ib_parsers[i]->close(rt->slot[i].st);
	free(rt->slot);
	free(rt->cache);
	free(rt->ids);
	memset(rt, 0, sizeof(*rt));
}
