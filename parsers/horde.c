/*
 * horde.c: Horde/IMP log (own file, or syslog ident HORDE), layer client.
 *   Dec 15 08:59:59 HORDE [error] [imp] FAILED LOGIN for emai.user@somedomain.com [1.2.3.4]
 *   to {mx.somedomain.com:993 [imap/ssl/novalidate-cert]} [pid 68394 on line 139 of ...]
 * ev->message = the text after "HORDE " (level and app tags included). The client IP is
 * the LAST "[valid IP]" followed by " to " or " (forwarded": a user name cannot push a
 * forged one after Horde's own. server = host:port inside "{...}". Yearless local time.
 * Horde 3 (IMP 4): "[imp] FAILED LOGIN 1.2.3.4 to localhost:143[imap] as bob [on line 258 of ...]".
 */
#include "imapblast/parser.h"
#include "strparse.h"

static const char *const hd_programs[] = {"HORDE", "horde", NULL};

static int hd_probe(struct ib_str line)
{
	long at = IB_SP_FIND(ib_sp_sub(line, 0, 64), " HORDE");

	if (at < 0)
		return 0;
	if (IB_SP_FIND(line, " LOGIN for ") > 0 || IB_SP_FIND(line, "Login success for ") > 0 ||
	    IB_SP_FIND(line, "] FAILED LOGIN ") > 0)
		return 95;
	return 50;
}

/* Horde 3: r = text after "FAILED LOGIN ": "IP to host:port[proto] as user [on line ...]" */
static int horde3(struct ib_str r, struct ib_event *ev)
{
	size_t ipl = ib_sp_ip_len(r);
	struct ib_str rest = ib_sp_from(r, ipl), u;
	long at;

	ev->flags |= IB_EV_AUTH_HINT;
	if (!ipl || IB_SP_SKIP(&rest, " to "))
		return IB_OK;
	ev->ip = ib_sp_ip_norm(ib_sp_sub(r, 0, ipl));
	ev->server = ib_sp_token(rest);
	if ((at = ib_sp_chr(ev->server, '[')) > 0)
		ev->server.len = (size_t)at;
	if ((at = IB_SP_FIND(rest, " as ")) < 0)
		return IB_OK;
	u = ib_sp_from(rest, (size_t)at + 4);
	/* Horde's own trailer, if any, is the last " [" and ends the line with ']' */
	if ((at = IB_SP_RFIND(u, " [")) > 0 && IB_SP_ENDS(u, "]"))
		u.len = (size_t)at;
	ev->user = u;
	return IB_OK;
}

static int hd_body(struct ib_str msg, struct ib_event *ev)
{
	struct ib_str r, best = IB_STR_NULL;
	long at, fl;
	size_t off = 0, ustart, uend = 0;
	int ok = 0;

	ev->message = msg;
	if ((fl = IB_SP_FIND(msg, "FAILED LOGIN for ")) >= 0) {
		ustart = (size_t)fl + 17;
	} else if ((fl = IB_SP_FIND(msg, "FAILED LOGIN ")) >= 0) {
		ev->message = msg;
		return horde3(ib_sp_from(msg, (size_t)fl + 13), ev);
	} else if ((fl = IB_SP_FIND(msg, "Login success for ")) >= 0) {
		ustart = (size_t)fl + 18;
		ok = 1;
	} else {
		return IB_SKIP;
	}
	r = msg;
	while ((at = IB_SP_FIND(ib_sp_from(r, off), " [")) >= 0) {
		size_t p = off + (size_t)at + 2, ipl;
		struct ib_str rest = ib_sp_from(r, p);

		off = p;
		if (p < ustart)
			continue;
		ipl = ib_sp_ip_len(rest);
		if (!ipl || ipl >= rest.len || rest.ptr[ipl] != ']')
			continue;
		rest = ib_sp_from(rest, ipl + 1);
		if (!IB_SP_STARTS(rest, " to ") && !IB_SP_STARTS(rest, " (forwarded"))
			continue;
		best = ib_sp_sub(r, p, p + ipl);
		uend = p - 2;
	}
	ev->flags |= IB_EV_AUTH_HINT;
	if (best.len) {
		struct ib_str tail = ib_sp_from(msg, uend);
		ev->ip = ib_sp_ip_norm(best);
		ev->user = ib_sp_sub(msg, ustart, uend);
		at = IB_SP_FIND(tail, " to {");
		if (at >= 0) {
			struct ib_str h = ib_sp_from(tail, (size_t)at + 5);
			size_t n = 0;
			while (n < h.len && h.ptr[n] != ' ' && h.ptr[n] != '}' && h.ptr[n] != '[')
				n++;
			ev->server = ib_sp_sub(h, 0, n);
		}
	}
	if (ok) {
		if (!best.len)
			return IB_SKIP;
		ev->outcome = IB_CAT_OK;
		ev->signature = "horde-login-success";
	}
	return IB_OK;
}

static int hd_parse_msg(struct ib_parse_ctx *ctx, const struct ib_syslog_hdr *hdr, struct ib_str msg,
			struct ib_event *ev)
{
	(void)hdr;
	(void)ctx;
	return hd_body(msg, ev);
}

static int hd_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	struct ib_str s = line;
	int64_t t;
	long at;

	if (ib_ts_rfc3164(&s, ctx->time, &t) < 0 && ib_ts_iso(&s, ctx->time, &t) < 0) {
		ctx->reason = "no timestamp";
		return IB_BAD;
	}
	ev->time_ms = t;
	at = IB_SP_FIND(ib_sp_sub(s, 0, 64), "HORDE");
	if (at < 0)
		return IB_SKIP; /* not a Horde line */
	s = ib_sp_from(s, (size_t)at + 5);
	/* syslog form "HORDE[pid]: " */
	if (s.len && s.ptr[0] == '[' && (at = IB_SP_FIND(ib_sp_sub(s, 0, 24), "]: ")) > 0)
		s = ib_sp_from(s, (size_t)at + 3);
	else if (s.len && s.ptr[0] == ':')
		s = ib_sp_from(s, 1);
	return hd_body(ib_str_trim(s), ev);
}

const struct ib_parser ib_parser_horde = {
    .name = "horde",
    .description = "Horde/IMP login log (file or syslog)",
    .layer = IB_LAYER_CLIENT,
    .protocol = IB_PROTO_IMAP,
    .probe = hd_probe,
    .parse = hd_parse,
    .programs = hd_programs,
    .parse_msg = hd_parse_msg,
};
