/*
 * runtime.c: runs any parser over the lines of one file (parser.h). It
 * alone clears the event and fills format and layer (and time, host and
 * program from a syslog envelope), owns the reason, drains after every
 * line and at end of file, and turns `--format NAME` into a parser: a
 * message parser forced by name reads a syslog file through the envelope,
 * restricted to itself, with its own state.
 * Invariant: every line gets exactly one held-0 result.
 * Ahead (ib_runtime_ahead_new): another thread reads the envelope and the
 * message of a stateless parser into a record per line, with its own
 * copies of the time policy and envelope state (caches only), so the
 * record holds what this thread would compute; also the caller's scan
 * of the lines most likely no event (ib_runtime_ahead_scan).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "imapblast/parser.h"
#include "prefix.h"

/* Per registry parser: its per-file state, opened on first use. */
struct ib_runtime_slot {
	void *st;
	int opened;
	int used;     /* offered a message: opened, and drained at end of file */
	size_t held;  /* ctx->held after the parser's last call */
	size_t nmark; /* strlen of the parser's mark */
};

/* 1 when msg carries mark (length n, n > 0) where parser.h says. */
static inline int marked(struct ib_str msg, const char *mark, size_t n)
{
	const char *c;
	size_t at;

	if (!msg.len)
		return 0;
	if (msg.len >= n && msg.ptr[0] == mark[0] && !memcmp(msg.ptr, mark, n))
		return 1;
	if (!(c = memchr(msg.ptr, ':', msg.len < 32 ? msg.len : 32)))
		return 0;
	at = (size_t)(c - msg.ptr) + 2;
	return at + n <= msg.len && c[1] == ' ' && c[2] == mark[0] && !memcmp(c + 2, mark, n);
}

/*
 * Which message parsers take a program is the same for every line of that
 * program, so the answer is remembered for the programs seen (bounded):
 * matching every parser's program list on every line cost a sixth of the
 * run time. A syslog file interleaves a few programs line by line
 * (dovecot, postfix/smtpd...): an entry is first looked for at the slot
 * its key (length and three bytes) hashes to, then among all by key.
 */
#define PROG_CACHE 16 /* the hash in takers() gives 4 bits */
#define PROG_MAX 48

struct ib_runtime_prog {
	uint32_t key; /* length and three bytes of name: compared first */
	size_t len;
	char name[PROG_MAX];
	int valid;
	size_t n;    /* parsers in ids */
	size_t *ids; /* registry indices, in registry order */
};

#define REC_IDS 6 /* candidates a record holds */

/* A line's record, read ahead (ib_runtime_ahead_line). */
#define REC_UNREAD 127 /* rc: the line was not read ahead (a slice outside it) */
#define REC_NOSPEC 255 /* spec: no parser's result */

/* A slice of the line: offset and length; off REC_NULL for a NULL pointer. */
struct rslice {
	uint32_t off, len;
};
#define REC_NULL UINT32_MAX

/*
 * A line's record, read ahead (ib_runtime_ahead_line). Slices are kept as
 * offsets into the line: the parsing thread reads it right after the
 * reading thread wrote it, so the fewer bytes the better.
 */
struct ib_runtime_rec {
	const char *reason; /* the envelope's, with IB_BAD */
	const char *spec_reason, *format, *signature;
	int64_t time_ms, ev_time;
	struct rslice hdr[4]; /* host, program, tag; the message */
	struct rslice ev[8];  /* spec's event: program, host, server, local, user, ip, session, message */
	unsigned flags;
	signed char
	    rc; /* the envelope's result (IB_SKIP also when no parser takes the program), or REC_UNREAD */
	signed char spec_rc; /* spec's parse_msg result */
	unsigned char spec;  /* registry index of the parser that read the message ahead, or REC_NOSPEC */
	unsigned char n;     /* with rc IB_OK: candidates() (n <= REC_IDS), or more than fit */
	unsigned char ids[REC_IDS];
	unsigned char marked; /* bit k: ids[k] has a mark, and msg carries it */
	unsigned char layer, outcome, protocol;
	signed char scan; /* ah->scan of a line most likely no event: 0 or 1; -1 not made */
};

/* s as a slice of line (n < REC_NULL bytes at b) into *d; 0 when it lies elsewhere. */
static inline int put(struct rslice *d, struct ib_str s, const char *b, size_t n)
{
	uintptr_t off = (uintptr_t)s.ptr - (uintptr_t)b; /* wraps when before b, or NULL */

	if (off <= n && s.len <= n - off) {
		d->off = (uint32_t)off;
		d->len = (uint32_t)s.len;
		return 1;
	}
	d->off = REC_NULL;
	d->len = 0;
	return !s.ptr && !s.len;
}

static inline struct ib_str get(struct rslice d, const char *line)
{
	return d.off == REC_NULL ? IB_STR_NULL : (struct ib_str){line + d.off, d.len};
}

struct ib_runtime_ahead {
	struct ib_runtime rt; /* its envelope, only, self and program cache; ctx.time is tp */
	struct ib_time_policy tp;
	void *env;			 /* the envelope's own state */
	int (*scan)(struct ib_str line); /* ib_runtime_ahead_scan's, or NULL */
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
	ev->protocol = p->protocol;
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

/* A line without a time of its own takes its prefix's. */
static struct ib_event *prefix_time(const struct ib_runtime *rt, struct ib_event *ev)
{
	if (ev->time_ms == IB_TIME_NONE)
		ev->time_ms = rt->prefix_ms;
	return ev;
}

/* The state of message parser i on its first offer (inline: every line). */
static inline int offer(struct ib_runtime *rt, size_t i)
{
	struct ib_runtime_slot *s = &rt->slot[i];

	if (!s->used) {
		if (slot_state(rt, i, &rt->ctx.state) < 0)
			return IB_ERR_NOMEM;
		s->used = 1;
	}
	rt->ctx.state = s->st;
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
	for (;;) {
		fill(&ev, p);
		rt->ctx.reason = NULL;
		rt->ctx.lineno = lineno; /* a drain may name the line an event came from */
		rt->ctx.held_line = 0;
		rc = p->drain(&rt->ctx, eof, &ev);
		if (rc < 0)
			return rc;
		if (rc == IB_EOF) {
			if (p->mark)
				rt->slot[i].held = rt->ctx.held;
			return IB_OK;
		}
		if (rc == IB_BAD)
			rc = rt->fn(rt->arg, IB_BAD, NULL, why(rt->ctx.reason, "malformed record"), 1);
		else if (rc == IB_OK)
			rc = rt->fn(rt->arg, IB_OK, prefix_time(rt, &ev), NULL, 1);
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

/* The cache's key of a program of n <= PROG_MAX bytes. */
static inline uint32_t prog_key(struct ib_str program)
{
	const unsigned char *u = (const unsigned char *)program.ptr;
	size_t n = program.len;

	return n ? (uint32_t)n | u[0] << 8 | u[n / 2] << 16 | (uint32_t)u[n - 1] << 24 : 0;
}

static inline unsigned prog_slot(uint32_t key)
{
	return (key * 0x9E3779B1u) >> 28; /* PROG_CACHE 16 */
}

/* The message parsers that take program, in registry order. */
static const struct ib_runtime_prog *takers(struct ib_runtime *rt, struct ib_str program,
					    struct ib_runtime_prog *tmp)
{
	struct ib_runtime_prog *e = tmp;

	if (program.len <= PROG_MAX) {
		size_t n = program.len;
		uint32_t key = prog_key(program);
		unsigned h = prog_slot(key);

		for (unsigned k = 0; k < PROG_CACHE; k++) {
			e = &rt->cache[k];
			if (e->key == key && e->valid && ib_bytes_eq(e->name, program.ptr, n))
				return e;
		}
		e = &rt->cache[h];
		if (e->valid)
			e = &rt->cache[rt->next++ % PROG_CACHE];
		e->key = key;
		e->len = n;
		memcpy(e->name, program.ptr, n);
		e->valid = 1;
	}
	e->n = 0;
	for (size_t i = 0; i < rt->nslot; i++)
		if (ib_parsers[i]->parse_msg && ib_parser_program_match(ib_parsers[i], program))
			e->ids[e->n++] = i;
	return e;
}

/*
 * The parsers that may take program's messages: takers(), or the forced
 * one. Inline, with the cache's usual hit (the program's own slot) first.
 */
__attribute__((always_inline)) static inline const struct ib_runtime_prog *
candidates(struct ib_runtime *rt, struct ib_str program, struct ib_runtime_prog *tmp, size_t *one)
{
	if (rt->only) {
		*one = rt->self;
		tmp->ids = one;
		tmp->n = ib_parser_program_match(rt->only, program) ? 1 : 0;
		return tmp;
	}
	if (program.len <= PROG_MAX) {
		uint32_t key = prog_key(program);
		const struct ib_runtime_prog *e = &rt->cache[prog_slot(key)];

		if (e->key == key && e->valid && ib_bytes_eq(e->name, program.ptr, program.len))
			return e;
	}
	tmp->ids = rt->ids + PROG_CACHE * rt->nslot;
	return takers(rt, program, tmp);
}

/* 1 when p's parse_msg may run ahead (parser.h): no per-file state. */
static int stateless(const struct ib_parser *p)
{
	return !p->open && !p->drain && !p->mark && !p->stream;
}

void ib_runtime_skip(struct ib_runtime *rt, uint64_t lineno)
{
	rt->skip = rt->envelope && rt->envelope->lone_lines && !rt->prefix ? lineno : 0;
}

/* 1 when the message would be offered only to parsers without per-file state (dispatch's rules). */
static int inert(struct ib_runtime *rt, struct ib_str program, struct ib_str msg)
{
	struct ib_runtime_prog tmp;
	const struct ib_runtime_prog *e;
	size_t one;

	e = candidates(rt, program, &tmp, &one);
	for (size_t k = 0; k < e->n; k++) {
		const struct ib_parser *p = ib_parsers[e->ids[k]];
		const struct ib_runtime_slot *s = &rt->slot[e->ids[k]];

		if (stateless(p) || (p->mark && !s->held && !marked(msg, p->mark, s->nmark)))
			continue;
		return 0;
	}
	return 1;
}

int ib_runtime_lone(const struct ib_runtime *rt)
{
	if (!rt->parser || rt->prefix)
		return 0;
	if (!rt->envelope)
		return stateless(rt->parser);
	if (!rt->envelope->lone_lines)
		return 0;
	for (size_t i = 0; i < rt->nslot; i++)
		if (i != rt->envx && rt->slot[i].used && !stateless(ib_parsers[i]))
			return 0;
	return 1;
}

/*
 * Offer the message to the matching parsers in registry order. The event
 * is cleared once: a parser that declines has not written to it
 * (parser.h), so the next one only gets its own format, layer, protocol.
 * rec, when not NULL, holds the result of one of them read ahead.
 */
static int dispatch(struct ib_runtime *rt, const struct ib_syslog_hdr *hdr, struct ib_str msg,
		    struct ib_event *ev, size_t *taker, const struct ib_runtime_rec *rec, const char *line)
{
	struct ib_runtime_prog tmp;
	const struct ib_runtime_prog *e;
	size_t one, ids[REC_IDS], n;
	const size_t *id;
	int rc, known = rec && rec->n <= REC_IDS, cleared = 0;

	if (known) {
		n = rec->n;
		for (size_t k = 0; k < n; k++)
			ids[k] = rec->ids[k];
		id = ids;
	} else {
		e = candidates(rt, hdr->program, &tmp, &one);
		n = e->n;
		id = e->ids;
	}
	for (size_t k = 0; k < n; k++) {
		size_t i = id[k];
		const struct ib_parser *p = ib_parsers[i];
		struct ib_runtime_slot *s = &rt->slot[i];

		if (p->mark && !s->held && !(known ? rec->marked >> k & 1 : marked(msg, p->mark, s->nmark)))
			continue;
		if ((rc = offer(rt, i)) < 0)
			return rc;
		if (rec && rec->spec != REC_NOSPEC && i == rec->spec) {
			rc = rec->spec_rc;
			rt->ctx.reason = rec->spec_reason;
			if (rc == IB_DECLINE)
				continue;
			*taker = i;
			if (rc != IB_OK)
				return rc; /* ev is read only with IB_OK */
			ev->time_ms = rec->ev_time;
			ev->layer = (enum ib_layer)rec->layer;
			ev->format = rec->format;
			ev->program = get(rec->ev[0], line);
			ev->host = get(rec->ev[1], line);
			ev->server = get(rec->ev[2], line);
			ev->local = get(rec->ev[3], line);
			ev->user = get(rec->ev[4], line);
			ev->ip = get(rec->ev[5], line);
			ev->session = get(rec->ev[6], line);
			ev->message = get(rec->ev[7], line);
			ev->outcome = (enum ib_category)rec->outcome;
			ev->signature = rec->signature;
			ev->flags = rec->flags;
			ev->protocol = (enum ib_proto)rec->protocol;
			return rc;
		}
		if (!cleared) {
			ib_event_clear(ev);
			ev->time_ms = hdr->time_ms;
			ev->host = hdr->host;
			ev->program = hdr->program;
			cleared = 1;
		}
		ev->format = p->name;
		ev->layer = p->layer;
		ev->protocol = p->protocol;
		rc = p->parse_msg(&rt->ctx, hdr, msg, ev);
		if (p->mark)
			s->held = rt->ctx.held;
		if (rc != IB_DECLINE) {
			*taker = i;
			return rc;
		}
	}
	return IB_SKIP;
}

/* Read the envelope of line (ptr NULL: end of file) and dispatch its message. */
static int unwrap(struct ib_runtime *rt, struct ib_str line, struct ib_event *ev, size_t *taker)
{
	struct ib_syslog_hdr hdr;
	struct ib_str msg;
	int rc;

	rt->ctx.state = rt->slot[rt->envx].st;
	rc = rt->envelope->envelope(&rt->ctx, line, &hdr, &msg);
	if (rc == IB_OK)
		rc = dispatch(rt, &hdr, msg, ev, taker, NULL, NULL);
	return rc;
}

int ib_runtime_line(struct ib_runtime *rt, struct ib_str line, uint64_t lineno)
{
	return ib_runtime_line_ahead(rt, line, lineno, NULL);
}

int ib_runtime_line_ahead(struct ib_runtime *rt, struct ib_str line, uint64_t lineno, const void *rec)
{
	const struct ib_parser *p = rt->parser;
	struct ib_event ev;
	size_t taker = rt->nslot;
	int rc;

	rt->ctx.lineno = lineno;
	rt->ctx.reason = NULL;
	if (!p)
		return rt->fn(rt->arg, IB_BAD, NULL, "no parser recognised the file's format", 0);
	if (rt->prefix) {
		size_t k = ib_prefix_len((enum ib_prefix)rt->prefix, line, rt->ctx.time, &rt->prefix_ms);

		if (k)
			line = (struct ib_str){line.ptr + k, line.len - k};
		else
			rt->prefix_ms = IB_TIME_NONE;
	}
	if (rt->envelope) {
		/* unwrap(), inline, or from the line's record read ahead */
		const struct ib_runtime_rec *r = rec;
		struct ib_syslog_hdr hdr;
		struct ib_str msg;

		if (r && r->rc != REC_UNREAD) {
			rc = r->rc;
			rt->ctx.reason = r->reason;
			if (r->scan >= 0) {
				rt->scan_line = lineno;
				rt->scan = r->scan;
			}
			if (rc == IB_OK) {
				hdr.time_ms = r->time_ms;
				hdr.host = get(r->hdr[0], line.ptr);
				hdr.program = get(r->hdr[1], line.ptr);
				hdr.tag = get(r->hdr[2], line.ptr);
				msg = get(r->hdr[3], line.ptr);
			}
		} else {
			r = NULL;
			rt->ctx.state = rt->slot[rt->envx].st;
			rc = rt->envelope->envelope(&rt->ctx, line, &hdr, &msg);
		}
		if (rc == IB_OK && lineno < rt->skip && inert(rt, hdr.program, msg))
			rc = IB_SKIP; /* ib_runtime_skip */
		else if (rc == IB_OK)
			rc = dispatch(rt, &hdr, msg, &ev, &taker, r, line.ptr);
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
		rc = rt->fn(rt->arg, IB_OK, prefix_time(rt, &ev), NULL, 0);
	else
		rc = rt->fn(rt->arg, IB_SKIP, NULL, NULL, 0);
	if (rc < 0 || taker >= rt->nslot || !ib_parsers[taker]->drain)
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
	if (rt->envelope && rt->envelope->open) {
		/* a record the envelope still holds (one without its end marker) */
		struct ib_event ev;
		size_t taker = rt->nslot;

		rt->ctx.lineno = lineno;
		rt->ctx.reason = NULL;
		rc = unwrap(rt, IB_STR_NULL, &ev, &taker);
		if (rc < 0)
			return rc;
		if (rc == IB_OK)
			rc = rt->fn(rt->arg, IB_OK, &ev, NULL, 1);
		else if (rc == IB_BAD || rc == IB_DECLINE)
			rc = rt->fn(rt->arg, IB_BAD, NULL, why(rt->ctx.reason, "malformed record"), 1);
		if (rc < 0)
			return rc;
		if (taker < rt->nslot && (rc = drain(rt, taker, 0, lineno)) < 0)
			return rc;
	}
	for (size_t i = 0; i < rt->nslot; i++) {
		if (rt->envelope ? !rt->slot[i].used : ib_parsers[i] != rt->parser)
			continue;
		if ((rc = drain(rt, i, 1, lineno)) < 0)
			return rc;
	}
	return IB_OK;
}

static int start(struct ib_runtime *rt, const char *force, const struct ib_str *lines, size_t n);

/* Score of p over the first lines (ib_parser_detect's sum). */
static long score(const struct ib_parser *p, const struct ib_str *lines, size_t n)
{
	long s = 0;

	if (p && p->probe)
		for (size_t k = 0; k < n; k++)
			s += p->probe(lines[k]);
	return s;
}

/*
 * The prefix most of lines[0..n) carry that detection scores higher
 * without (IB_PREFIX_NONE: none). *out is then lines without it
 * (malloc'd; NULL when none or out of memory).
 */
static enum ib_prefix pick_prefix(struct ib_time_policy *tp, const struct ib_str *lines, size_t n,
				  struct ib_str **out)
{
	struct ib_time_policy cp = *tp;
	const struct ib_parser *p = ib_parser_detect(lines, n);
	long best = score(p, lines, n);
	enum ib_prefix kind = IB_PREFIX_NONE;
	struct ib_str *tmp = NULL;
	int64_t t;

	*out = NULL;
	for (int k = IB_PREFIX_NONE + 1; k < IB_PREFIX_N; k++) {
		size_t have = 0, nonempty = 0;
		long sc;

		for (size_t i = 0; i < n; i++) {
			nonempty += lines[i].len > 0;
			have += ib_prefix_len((enum ib_prefix)k, lines[i], &cp, &t) > 0;
		}
		if (!have || have * 2 < nonempty)
			continue;
		if (!tmp && !(tmp = malloc(n * sizeof(*tmp))))
			break;
		for (size_t i = 0; i < n; i++) {
			size_t len = ib_prefix_len((enum ib_prefix)k, lines[i], &cp, &t);

			tmp[i] = (struct ib_str){lines[i].ptr + len, lines[i].len - len};
		}
		p = ib_parser_detect(tmp, n);
		sc = score(p, tmp, n);
		if (sc > best) {
			best = sc;
			kind = (enum ib_prefix)k;
			free(*out);
			*out = tmp;
			tmp = NULL;
		}
	}
	free(tmp);
	return *out ? kind : IB_PREFIX_NONE;
}

int ib_runtime_start(struct ib_runtime *rt, const char *force, const struct ib_str *lines, size_t n,
		     struct ib_time_policy *tp, ib_runtime_fn fn, void *arg)
{
	struct ib_str *bare = NULL;
	int rc;

	memset(rt, 0, sizeof(*rt));
	rt->ctx.time = tp;
	rt->fn = fn;
	rt->arg = arg;
	rt->prefix_ms = IB_TIME_NONE;
	rt->prefix = (int)pick_prefix(tp, lines, n, &bare);
	rc = start(rt, force, bare ? bare : lines, n);
	free(bare);
	return rc;
}

/* The program cache of rt (nslot set). */
static int cache_new(struct ib_runtime *rt)
{
	rt->cache = calloc(PROG_CACHE, sizeof(*rt->cache));
	rt->ids = calloc((PROG_CACHE + 1) * rt->nslot, sizeof(*rt->ids));
	if (!rt->cache || !rt->ids)
		return IB_ERR_NOMEM;
	for (unsigned k = 0; k < PROG_CACHE; k++)
		rt->cache[k].ids = rt->ids + k * rt->nslot;
	return IB_OK;
}

static int start(struct ib_runtime *rt, const char *force, const struct ib_str *lines, size_t n)
{
	const struct ib_parser *p, *env = NULL;

	while (ib_parsers[rt->nslot]) {
		const struct ib_parser *q = ib_parsers[rt->nslot++];

		/* for a forced message parser: the envelope that fits best (ties: the first) */
		if (q->envelope && (!env || score(q, lines, n) > score(env, lines, n)))
			env = q;
	}
	rt->slot = calloc(rt->nslot, sizeof(*rt->slot));
	if (!rt->slot)
		return IB_ERR_NOMEM;
	for (size_t i = 0; i < rt->nslot; i++)
		rt->slot[i].nmark = ib_parsers[i]->mark ? strlen(ib_parsers[i]->mark) : 0;
	p = force ? ib_parser_find(force) : ib_parser_detect(lines, n);
	if (force && !p)
		return IB_ERR_USAGE;
	rt->parser = p;
	if (!p)
		return IB_OK;
	rt->self = index_of(p);
	if (p->envelope ||
	    (p->parse_msg && env && (!p->parse || score(env, lines, n) > score(p, lines, n)))) {
		if (!p->envelope) {
			rt->envelope = env;
			rt->only = p;
		} else {
			rt->envelope = p;
		}
		rt->envx = index_of(rt->envelope);
		if (cache_new(rt) < 0)
			return IB_ERR_NOMEM;
		if (slot_state(rt, rt->envx, &rt->ctx.state) < 0)
			return IB_ERR_NOMEM;
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

int ib_runtime_ahead_new(const struct ib_runtime *rt, struct ib_runtime_ahead **out, size_t *rec_size)
{
	struct ib_runtime_ahead *ah;

	*out = NULL;
	*rec_size = sizeof(struct ib_runtime_rec);
	if (!rt->envelope || !rt->envelope->lone_lines || rt->prefix)
		return IB_OK;
	ah = calloc(1, sizeof(*ah));
	if (!ah)
		return IB_ERR_NOMEM;
	ah->tp = *rt->ctx.time;
	ah->rt.ctx.time = &ah->tp;
	ah->rt.envelope = rt->envelope;
	ah->rt.only = rt->only;
	ah->rt.self = rt->self;
	ah->rt.nslot = rt->nslot;
	ah->rt.slot = calloc(rt->nslot, sizeof(*ah->rt.slot));
	if (ah->rt.slot)
		for (size_t i = 0; i < rt->nslot; i++)
			ah->rt.slot[i].nmark = rt->slot[i].nmark;
	if (!ah->rt.slot || cache_new(&ah->rt) < 0 ||
	    (rt->envelope->open && !(ah->env = rt->envelope->open()))) {
		ib_runtime_ahead_free(ah);
		return IB_ERR_NOMEM;
	}
	*out = ah;
	return IB_OK;
}

void ib_runtime_ahead_line(void *ahead, struct ib_str line, void *out)
{
	struct ib_runtime_ahead *ah = ahead;
	struct ib_runtime *rt = &ah->rt;
	struct ib_runtime_rec *rec = out;
	struct ib_runtime_prog tmp;
	const struct ib_runtime_prog *e;
	size_t one;
	struct ib_syslog_hdr hdr;
	struct ib_str msg;
	const char *b = line.ptr;
	size_t n = line.len;
	int rc;

	rec->spec = REC_NOSPEC;
	rec->scan = -1;
	rt->ctx.state = ah->env;
	rt->ctx.reason = NULL;
	rc = rt->envelope->envelope(&rt->ctx, line, &hdr, &msg);
	rec->rc = (signed char)rc;
	rec->reason = rt->ctx.reason;
	if (rc != IB_OK) {
		if (rc < 0 || rc > IB_DECLINE)
			rec->rc = REC_UNREAD; /* the parsing thread reads it itself */
		else if (ah->scan)
			rec->scan = (signed char)!!ah->scan(line);
		return;
	}
	e = candidates(rt, hdr.program, &tmp, &one);
	if (!e->n) {
		rec->rc = IB_SKIP; /* what dispatch() finds */
		if (ah->scan)
			rec->scan = (signed char)!!ah->scan(line);
		return;
	}
	/* the header and message only when a parser may read them */
	rec->time_ms = hdr.time_ms;
	if (line.len >= REC_NULL ||
	    !(put(&rec->hdr[0], hdr.host, b, n) & put(&rec->hdr[1], hdr.program, b, n) &
	      put(&rec->hdr[2], hdr.tag, b, n) & put(&rec->hdr[3], msg, b, n))) {
		rec->rc = REC_UNREAD;
		return;
	}
	rec->n = e->n <= REC_IDS && rt->nslot < REC_NOSPEC ? (unsigned char)e->n : REC_IDS + 1;
	rec->marked = 0;
	for (size_t k = 0; k < e->n && rec->n <= REC_IDS; k++) {
		const struct ib_parser *p = ib_parsers[e->ids[k]];

		rec->ids[k] = (unsigned char)e->ids[k];
		if (p->mark && marked(msg, p->mark, rt->slot[e->ids[k]].nmark))
			rec->marked |= (unsigned char)(1u << k);
	}
	for (size_t k = 0; k < e->n && rt->nslot < REC_NOSPEC; k++) {
		const struct ib_parser *p = ib_parsers[e->ids[k]];
		struct ib_event ev;

		if (!stateless(p))
			continue;
		ib_event_clear(&ev);
		ev.time_ms = hdr.time_ms;
		ev.host = hdr.host;
		ev.program = hdr.program;
		ev.format = p->name;
		ev.layer = p->layer;
		ev.protocol = p->protocol;
		rt->ctx.state = NULL;
		rt->ctx.reason = NULL;
		rc = p->parse_msg(&rt->ctx, &hdr, msg, &ev);
		if (rc < -128 || rc > IB_DECLINE)
			return;
		/* the event only when it is one (the runtime reads no other) */
		if (rc == IB_OK &&
		    ((unsigned)ev.layer > UCHAR_MAX || (unsigned)ev.outcome > UCHAR_MAX ||
		     (unsigned)ev.protocol > UCHAR_MAX ||
		     !(put(&rec->ev[0], ev.program, b, n) & put(&rec->ev[1], ev.host, b, n) &
		       put(&rec->ev[2], ev.server, b, n) & put(&rec->ev[3], ev.local, b, n) &
		       put(&rec->ev[4], ev.user, b, n) & put(&rec->ev[5], ev.ip, b, n) &
		       put(&rec->ev[6], ev.session, b, n) & put(&rec->ev[7], ev.message, b, n))))
			return; /* a slice elsewhere: the parsing thread calls the parser */
		rec->spec_rc = (signed char)rc;
		rec->spec_reason = rt->ctx.reason;
		rec->ev_time = ev.time_ms;
		rec->format = ev.format;
		rec->signature = ev.signature;
		rec->flags = ev.flags;
		rec->layer = (unsigned char)ev.layer;
		rec->outcome = (unsigned char)ev.outcome;
		rec->protocol = (unsigned char)ev.protocol;
		rec->spec = (unsigned char)e->ids[k];
		if (rc != IB_OK && ah->scan) /* most likely no event */
			rec->scan = (signed char)!!ah->scan(line);
		return;
	}
}

void ib_runtime_ahead_scan(struct ib_runtime_ahead *ah, int (*scan)(struct ib_str line))
{
	ah->scan = scan;
}

void ib_runtime_ahead_free(struct ib_runtime_ahead *ah)
{
	if (!ah)
		return;
	if (ah->env && ah->rt.envelope->close)
		ah->rt.envelope->close(ah->env);
	free(ah->rt.slot);
	free(ah->rt.cache);
	free(ah->rt.ids);
	free(ah);
}
