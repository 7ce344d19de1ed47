/*
 * haproxy.c: HAProxy TCP-mode tcplog (syslog program "haproxy", or raw lines), layer proxy.
 *   haproxy[14387]: 10.0.1.2:33313 [06/Feb/2009:12:12:51.443] fnt bck/srv1 0/0/5007 212 -- 0/0/0/0/3 0/0
 * Connection events only (IB_EV_CONNECTION, no user). server = "backend/server" (backend
 * alone for <NOSRV>). Outcome from the termination state; time = the syslog header's
 * time (the log is written at session end), the accept date for raw lines.
 */
#include "imapblast/parser.h"
#include "strparse.h"

static const char *const hap_programs[] = {"haproxy", NULL};

struct hap_state_map {
	char code[3];
	enum ib_category cat;
	const char *sig;
};

static const struct hap_state_map hap_states[] = {
    {"--", IB_CAT_OK, "haproxy---"},	    {"cD", IB_CAT_OK, "haproxy-cD"},
    {"SC", IB_CAT_TEMPORARY, "haproxy-SC"}, {"PC", IB_CAT_TEMPORARY, "haproxy-PC"},
    {"RC", IB_CAT_TEMPORARY, "haproxy-RC"}, {"IC", IB_CAT_TEMPORARY, "haproxy-IC"},
    {"sC", IB_CAT_TIMEOUT, "haproxy-sC"},   {"SD", IB_CAT_TIMEOUT, "haproxy-SD"},
    {"CD", IB_CAT_TIMEOUT, "haproxy-CD"},
};

/* "a/b/c" of signed numbers, each optionally '+'-prefixed */
static int timers_ok(struct ib_str t, int parts)
{
	int seen = 1;

	if (!t.len)
		return 0;
	for (size_t i = 0; i < t.len; i++) {
		char c = t.ptr[i];
		if (c == '/')
			seen++;
		else if (!ib_sp_isdigit(c) && c != '-' && c != '+')
			return 0;
	}
	return seen == parts;
}

static struct ib_str next_tok(struct ib_str *s)
{
	struct ib_str t;

	*s = ib_str_trim(*s);
	t = ib_sp_token(*s);
	*s = ib_sp_from(*s, t.len);
	return t;
}

static void set_outcome(struct ib_event *ev, struct ib_str code)
{
	for (size_t i = 0; i < sizeof(hap_states) / sizeof(hap_states[0]); i++)
		if (!memcmp(code.ptr, hap_states[i].code, 2)) {
			ev->outcome = hap_states[i].cat;
			ev->signature = hap_states[i].sig;
			return;
		}
	ev->outcome = IB_CAT_OTHER;
	ev->signature = "haproxy-other";
}

/* msg is the tcplog body; ev has its envelope. */
static int hap_body(struct ib_parse_ctx *ctx, struct ib_str msg, struct ib_event *ev)
{
	struct ib_str s = msg, tok, ip, date, srv;
	long sl;
	int64_t t;

	ev->message = msg;
	ev->flags |= IB_EV_CONNECTION;
	if (IB_SP_STARTS(msg, "Server ")) {
		long d = IB_SP_FIND(msg, " is DOWN");
		if (d > 7) {
			ev->server = ib_sp_sub(msg, 7, (size_t)d);
			ev->outcome = IB_CAT_TEMPORARY;
			ev->signature = "haproxy-server-down";
			return IB_OK;
		}
		return IB_SKIP; /* UP, maintenance... */
	}
	if (IB_SP_STARTS(msg, "backend ") && (sl = IB_SP_FIND(msg, " has no server available!")) > 8) {
		ev->server = ib_sp_sub(msg, 8, (size_t)sl);
		ev->outcome = IB_CAT_TEMPORARY;
		ev->signature = "haproxy-no-server";
		return IB_OK;
	}
	tok = next_tok(&s);
	s = ib_str_trim(s);
	if (!tok.len || !s.len || s.ptr[0] != '[')
		return IB_SKIP; /* start-up, "Proxy x started", stats... */
	if (ib_sp_addr(tok, IB_SP_PORT, &ip) < 0) {
		ctx->reason = "bad client address";
		return IB_BAD;
	}
	if (ib_sp_chr(msg, '"') >= 0)
		return IB_SKIP; /* HTTP mode: carries a quoted request */
	date = next_tok(&s);
	if (date.len < 3 || date.ptr[date.len - 1] != ']') {
		ctx->reason = "bad accept date";
		return IB_BAD;
	}
	if (ev->time_ms == IB_TIME_NONE) {
		struct ib_str d = ib_sp_sub(date, 1, date.len - 1);
		if (ib_ts_clf(&d, ctx->time, &t) < 0) {
			ctx->reason = "bad accept date";
			return IB_BAD;
		}
		ev->time_ms = t;
	}
	(void)next_tok(&s); /* frontend */
	srv = next_tok(&s);
	sl = ib_sp_chr(srv, '/');
	if (sl <= 0) {
		ctx->reason = "no backend/server";
		return IB_BAD;
	}
	tok = next_tok(&s);
	if (!timers_ok(tok, 3)) {
		ctx->reason = "bad Tw/Tc/Tt timers";
		return IB_BAD;
	}
	tok = next_tok(&s); /* bytes */
	if (!tok.len) {
		ctx->reason = "no byte count";
		return IB_BAD;
	}
	tok = next_tok(&s);
	if (tok.len != 2) {
		ctx->reason = "bad termination state";
		return IB_BAD;
	}
	if (IB_SP_ENDS(srv, "/<NOSRV>"))
		srv.len = (size_t)sl;
	ev->server = srv;
	ev->ip = ip;
	set_outcome(ev, tok);
	return IB_OK;
}

static int hap_parse_msg(struct ib_parse_ctx *ctx, const struct ib_syslog_hdr *hdr, struct ib_str msg,
			 struct ib_event *ev)
{
	(void)hdr;
	return hap_body(ctx, msg, ev);
}

/* raw tcplog: "10.0.1.2:33313 [06/Feb/2009:12:12:51.443] ..." */
static int hap_probe(struct ib_str line)
{
	struct ib_str tok = ib_sp_token(line), ip, rest;

	if (ib_sp_addr(tok, IB_SP_PORT, &ip) < 0)
		return 0;
	rest = ib_sp_from(line, tok.len + 1);
	if (rest.len < 13 || rest.ptr[0] != '[' || !ib_sp_isdigit(rest.ptr[1]) || rest.ptr[3] != '/')
		return 0;
	return ib_sp_chr(line, '"') >= 0 ? 5 : 70;
}

static int hap_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	return hap_body(ctx, line, ev);
}

const struct ib_parser ib_parser_haproxy = {
    .name = "haproxy",
    .description = "HAProxy TCP-mode tcplog and server health lines (syslog or raw)",
    .layer = IB_LAYER_PROXY,
    .probe = hap_probe,
    .parse = hap_parse,
    .programs = hap_programs,
    .parse_msg = hap_parse_msg,
};
