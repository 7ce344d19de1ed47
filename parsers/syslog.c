/*
 * syslog.c: the syslog envelope. Reads timestamp, host and tag, then hands
 * the message to the first message parser whose programs match, e.g.
 *   Mar  8 05:25:21 host imap[22130]: badlogin: [192.0.2.4] plain [...]
 *   <34>1 2026-01-14T09:00:00Z host dovecot - - - imap-login: Login: ...
 *   @400000004c91b044077a9e94 imap-login: Info: Aborted login (...)
 * Rule for a missing host (Dovecot log_path files, TAI64N): when the first
 * token after the timestamp is a tag ending in ':', there is no host.
 */
#include <stdlib.h>

#include "util.h"

/* Per-file state: one lazily opened state per registry parser with open(). */
struct slot {
	void *st;
	int opened;
};

/*
 * Which message parsers take a program is the same for every line of that
 * program, so the answer is remembered for the last few programs seen
 * (round robin, bounded): matching every parser's program list on every
 * line cost a sixth of the run time.
 */
#define PROG_CACHE 8
#define PROG_MAX 48

struct prog_entry {
	size_t len;
	char name[PROG_MAX];
	uint64_t mask; /* bit i: ib_parsers[i] takes this program */
};

struct syslog_state {
	struct prog_entry cache[PROG_CACHE];
	unsigned next;
	size_t n;
	struct slot slot[];
};

static uint64_t program_mask(struct syslog_state *ss, struct ib_str program)
{
	struct prog_entry *e;
	uint64_t mask = 0;

	if (ss && program.len <= PROG_MAX) {
		for (unsigned k = 0; k < PROG_CACHE; k++) {
			e = &ss->cache[k];
			if (e->len == program.len && e->mask && !memcmp(e->name, program.ptr, program.len))
				return e->mask;
		}
	}
	for (size_t i = 0; ib_parsers[i] && i < 63; i++)
		if (ib_parsers[i]->parse_msg && ib_parser_program_match(ib_parsers[i], program))
			mask |= (uint64_t)1 << i;
	mask |= (uint64_t)1 << 63; /* "computed", so an empty answer is cached too */
	if (ss && program.len <= PROG_MAX) {
		e = &ss->cache[ss->next++ % PROG_CACHE];
		e->len = program.len;
		memcpy(e->name, program.ptr, program.len);
		e->mask = mask;
	}
	return mask;
}

static int is_open_br(char c)
{
	return c == '[' || c == '(' || c == '<';
}

static char close_of(char c)
{
	return c == '[' ? ']' : c == '(' ? ')' : '>';
}

/* Bytes of a tag's name: 0 a name byte, 1 ends the name (' ', ':', '[', '(', '<'), 2 invalid. */
static const unsigned char tag_class[256] = {
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
    /* 0x80..0xff: name bytes (zero) */
};

#define TAG_AT_SPACE (-2)

/*
 * Read a tag at the start of s: a name, then any "[...]", "(...)" or
 * "<...>" groups, then ':' followed by a space or the end. Sets tag (as
 * written, no ':'), program (the name) and *after (index past ": ").
 * Returns 0, or -1; or TAG_AT_SPACE with *after = the length of the name
 * when a non-empty name ended at a space (so s starts with a host word).
 */
static int read_tag(struct ib_str s, struct ib_str *tag, struct ib_str *prog, size_t *after)
{
	size_t i = 0;
	unsigned k = 1;

	while (i < s.len && (k = tag_class[(unsigned char)s.ptr[i]]) == 0)
		i++;
	if (i < s.len && k == 2)
		return -1;
	if (!i)
		return -1;
	*prog = ib_u_span(s.ptr, s.ptr + i);
	if (i < s.len && s.ptr[i] == ' ') {
		*after = i;
		return TAG_AT_SPACE;
	}
	while (i < s.len && is_open_br(s.ptr[i])) {
		const char *e = memchr(s.ptr + i + 1, close_of(s.ptr[i]), s.len - i - 1);

		if (!e)
			return -1;
		i = (size_t)(e - s.ptr) + 1;
	}
	if (i >= s.len || s.ptr[i] != ':' || (i + 1 < s.len && s.ptr[i + 1] != ' '))
		return -1;
	*tag = ib_u_span(s.ptr, s.ptr + i);
	i++;
	while (i < s.len && s.ptr[i] == ' ')
		i++;
	*after = i;
	return 0;
}

/* "<PRI>": 1-3 digits; advances s. */
static int read_pri(struct ib_str *s)
{
	size_t i = 1;

	if (!s->len || s->ptr[0] != '<')
		return -1;
	while (i < s->len && i < 4 && s->ptr[i] >= '0' && s->ptr[i] <= '9')
		i++;
	if (i == 1 || i >= s->len || s->ptr[i] != '>')
		return -1;
	s->ptr += i + 1;
	s->len -= i + 1;
	return 0;
}

/* RFC 5424 after "<PRI>": "1 TS HOST APP PROCID MSGID SD [MSG]". */
static int read_5424(struct ib_time_policy *tp, struct ib_str s, struct ib_syslog_hdr *hdr,
		     struct ib_str *msg, const char **reason)
{
	struct ib_str w;

	s.ptr += 2;
	s.len -= 2;
	if (IB_U_SKIP(&s, "- ") == 0) {
		hdr->time_ms = IB_TIME_NONE;
	} else if (ib_ts_iso(&s, tp, &hdr->time_ms) < 0) {
		*reason = "bad RFC 5424 timestamp";
		return IB_BAD;
	}
	w = ib_u_word(&s);
	hdr->host = IB_U_EQ(w, "-") ? IB_STR_NULL : w;
	w = ib_u_word(&s);
	hdr->program = hdr->tag = IB_U_EQ(w, "-") ? IB_STR_NULL : w;
	(void)ib_u_word(&s); /* procid */
	(void)ib_u_word(&s); /* msgid */
	if (!s.len) {
		*reason = "truncated RFC 5424 header";
		return IB_BAD;
	}
	if (s.ptr[0] == '-') {
		s.ptr++;
		s.len--;
	} else {
		size_t i = 0;

		while (i < s.len && s.ptr[i] == '[') {
			int quoted = 0;

			for (i++; i < s.len; i++) {
				char c = s.ptr[i];

				if (c == '\\' && i + 1 < s.len)
					i++;
				else if (c == '"')
					quoted = !quoted;
				else if (c == ']' && !quoted)
					break;
			}
			if (i >= s.len) {
				*reason = "unterminated RFC 5424 structured data";
				return IB_BAD;
			}
			i++;
		}
		if (!i) {
			*reason = "bad RFC 5424 structured data";
			return IB_BAD;
		}
		s = ib_u_from(s, i);
	}
	if (s.len && s.ptr[0] == ' ') {
		s.ptr++;
		s.len--;
	}
	(void)IB_U_SKIP(&s, "\xEF\xBB\xBF");
	*msg = s;
	return IB_OK;
}

int ib_syslog_envelope(struct ib_time_policy *tp, struct ib_str line, struct ib_syslog_hdr *hdr,
		       struct ib_str *msg, const char **reason)
{
	struct ib_str s = line, w;
	size_t after;
	int rc;

	hdr->time_ms = IB_TIME_NONE;
	hdr->host = hdr->program = hdr->tag = IB_STR_NULL;
	*msg = IB_STR_NULL;
	if (read_pri(&s) == 0 && s.len >= 2 && s.ptr[0] >= '1' && s.ptr[0] <= '9' && s.ptr[1] == ' ')
		return read_5424(tp, s, hdr, msg, reason);
	if (!s.len) {
		*reason = "empty line";
		return IB_BAD;
	}
	if (s.ptr[0] == '@')
		rc = ib_ts_tai64n(&s, &hdr->time_ms);
	else if (s.ptr[0] >= '0' && s.ptr[0] <= '9')
		rc = ib_ts_iso(&s, tp, &hdr->time_ms);
	else
		rc = ib_ts_rfc3164(&s, tp, &hdr->time_ms);
	if (rc < 0) {
		*reason = "no syslog timestamp";
		return IB_BAD;
	}
	rc = read_tag(s, &hdr->tag, &hdr->program, &after);
	if (rc == 0) {
		*msg = ib_u_from(s, after);
		return IB_OK;
	}
	if (rc == TAG_AT_SPACE) {
		/* the word up to that space is the host (what ib_u_word would take) */
		w = ib_u_span(s.ptr, s.ptr + after);
		s = ib_u_from(s, after);
		ib_u_skip_ws(&s);
	} else {
		w = ib_u_word(&s);
	}
	if (!w.len) {
		*reason = "no syslog host or tag";
		return IB_BAD;
	}
	hdr->host = w;
	if (read_tag(s, &hdr->tag, &hdr->program, &after) == 0) {
		*msg = ib_u_from(s, after);
		return IB_OK;
	}
	/* syslogd's own chatter: a valid line that carries no tag */
	if (IB_U_STARTS(s, "last message repeated") || IB_U_STARTS(s, "-- MARK --") ||
	    IB_U_STARTS(s, "message repeated")) {
		*msg = s;
		return IB_SKIP;
	}
	*reason = "no syslog program tag";
	return IB_BAD;
}

/*
 * The envelope's fields on ev. parse() gets a cleared event, so it is
 * cleared again only when a parser tried before may have written to it.
 */
static void fill_hdr(struct ib_event *ev, const struct ib_syslog_hdr *hdr, int dirty)
{
	if (dirty)
		ib_event_clear(ev);
	ev->time_ms = hdr->time_ms;
	ev->host = hdr->host;
	ev->program = hdr->program;
}

/* Offer the message to the matching parsers in registry order. */
static int dispatch(struct ib_parse_ctx *ctx, struct syslog_state *ss, const struct ib_parser *only,
		    const struct ib_syslog_hdr *hdr, struct ib_str msg, struct ib_event *ev)
{
	void *saved = ctx->state;
	uint64_t mask = program_mask(only ? NULL : ss, hdr->program);
	int dirty = 0;

	/* the set bits in increasing order: registry order, no loop over the rest */
	mask &= ~((uint64_t)1 << 63);
	while (mask) {
		size_t i = (size_t)__builtin_ctzll(mask);
		const struct ib_parser *p = ib_parsers[i];
		void *sub = NULL;
		int rc;

		mask &= mask - 1;
		if (only && p != only)
			continue;
		if (p->open) {
			/* without our state there is nowhere to keep theirs */
			if (!ss || i >= ss->n)
				continue;
			if (!ss->slot[i].opened) {
				ss->slot[i].st = p->open();
				if (!ss->slot[i].st)
					return IB_ERR_NOMEM;
				ss->slot[i].opened = 1;
			}
			sub = ss->slot[i].st;
		}
		fill_hdr(ev, hdr, dirty);
		dirty = 1;
		ev->layer = p->layer;
		ev->format = p->name;
		ctx->state = sub;
		rc = p->parse_msg(ctx, hdr, msg, ev);
		ctx->state = saved;
		if (rc != IB_DECLINE)
			return rc;
	}
	fill_hdr(ev, hdr, dirty);
	return IB_SKIP;
}

static int parse_with(const struct ib_parser *only, struct ib_parse_ctx *ctx, struct ib_str line,
		      struct ib_event *ev)
{
	struct ib_syslog_hdr hdr;
	struct ib_str msg;
	const char *reason = NULL;
	int rc = ib_syslog_envelope(ctx->time, line, &hdr, &msg, &reason);

	if (rc != IB_OK) {
		if (rc == IB_BAD)
			ctx->reason = reason;
		return rc;
	}
	return dispatch(ctx, only ? NULL : ctx->state, only, &hdr, msg, ev);
}

static int syslog_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	return parse_with(NULL, ctx, line, ev);
}

int ib_syslog_parse_only(const struct ib_parser *only, struct ib_parse_ctx *ctx, struct ib_str line,
			 struct ib_event *ev)
{
	return parse_with(only, ctx, line, ev);
}

/*
 * 80 for a readable envelope: above generic guesses, below a format
 * parser that is certain (100). Validates only; the time is not used.
 */
static int syslog_probe(struct ib_str line)
{
	struct ib_time_policy tp;
	struct ib_syslog_hdr hdr;
	struct ib_str msg;
	const char *reason;

	ib_time_policy_init(&tp, NULL, 2000, 0);
	if (ib_syslog_envelope(&tp, line, &hdr, &msg, &reason) != IB_OK)
		return 0;
	return 80;
}

static void *syslog_open(void)
{
	size_t n = 0;
	struct syslog_state *ss;

	while (ib_parsers[n])
		n++;
	ss = calloc(1, sizeof(*ss) + n * sizeof(ss->slot[0]));
	if (!ss)
		return NULL;
	ss->n = n;
	return ss;
}

static void syslog_close(void *state)
{
	struct syslog_state *ss = state;

	if (!ss)
		return;
	for (size_t i = 0; i < ss->n; i++)
		if (ss->slot[i].opened && ib_parsers[i]->close)
			ib_parsers[i]->close(ss->slot[i].st);
	free(ss);
}

const struct ib_parser ib_parser_syslog = {
    .name = "syslog",
    .description = "syslog envelope (RFC 3164, RFC 5424, ISO 8601, TAI64N), dispatching by program",
    .layer = IB_LAYER_SERVER,
    .probe = syslog_probe,
    .parse = syslog_parse,
    .open = syslog_open,
    .close = syslog_close,
};
