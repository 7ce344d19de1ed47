/*
 * horde.c: Horde/IMP log (own file, or syslog ident HORDE), layer client.
 *   Dec 15 08:59:59 HORDE [error] [imp] FAILED LOGIN for emai.user@somedomain.com [1.2.3.4]
 *   to {mx.somedomain.com:993 [imap/ssl/novalidate-cert]} [pid 68394 on line 139 of ...]
 * ev->message = the text after "HORDE " (level and app tags included). The client IP is
 * the LAST "[valid IP]" followed by " to " or " (forwarded": a user name cannot push a
 * forged one after Horde's own. server = host:port inside "{...}". Yearless local time.
 */
#include "cutil.h"
#include "util.h"

static const char *const hd_programs[] = {"HORDE", "horde", NULL};

static int hd_probe(struct ib_str line)
{
	long at = ib_str_find(ib_cu_sub(line, 0, 64), " HORDE", 6);

	if (at < 0)
		return 0;
	if (ib_str_find(line, " LOGIN for ", 11) > 0 || ib_str_find(line, "Login success for ", 18) > 0)
		return 95;
	return 50;
}

static int hd_body(struct ib_str msg, struct ib_event *ev)
{
	struct ib_str r, best = IB_STR_NULL;
	long at, fl;
	size_t off = 0, ustart, uend = 0;
	int ok = 0;

	ev->message = msg;
	if ((fl = ib_str_find(msg, "FAILED LOGIN for ", 17)) >= 0) {
		ustart = (size_t)fl + 17;
	} else if ((fl = ib_str_find(msg, "Login success for ", 18)) >= 0) {
		ustart = (size_t)fl + 18;
		ok = 1;
	} else {
		return IB_SKIP;
	}
	r = msg;
	while ((at = ib_str_find(ib_cu_skip(r, off), " [", 2)) >= 0) {
		size_t p = off + (size_t)at + 2, ipl;
		struct ib_str rest = ib_cu_skip(r, p);

		off = p;
		if (p < ustart)
			continue;
		ipl = ib_cu_ip_len(rest.ptr, rest.len);
		if (!ipl || ipl >= rest.len || rest.ptr[ipl] != ']')
			continue;
		rest = ib_cu_skip(rest, ipl + 1);
		if (!ib_str_starts(rest, " to ") && !ib_str_starts(rest, " (forwarded"))
			continue;
		best = ib_cu_sub(r, p, p + ipl);
		uend = p - 2;
	}
	ev->flags |= IB_EV_AUTH_HINT;
	if (best.len) {
		struct ib_str tail = ib_cu_skip(msg, uend);
		ev->ip = ib_cu_ip_norm(best);
		ev->user = ib_cu_sub(msg, ustart, uend);
		at = ib_str_find(tail, " to {", 5);
		if (at >= 0) {
			struct ib_str h = ib_cu_skip(tail, (size_t)at + 5);
			size_t n = 0;
			while (n < h.len && h.ptr[n] != ' ' && h.ptr[n] != '}' && h.ptr[n] != '[')
				n++;
			ev->server = ib_cu_sub(h, 0, n);
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
	at = ib_str_find(ib_cu_sub(s, 0, 64), "HORDE", 5);
	if (at < 0)
		return IB_SKIP; /* not a Horde line */
	s = ib_cu_skip(s, (size_t)at + 5);
	/* syslog form "HORDE[pid]: " */
	if (s.len && s.ptr[0] == '[' && (at = ib_str_find(ib_cu_sub(s, 0, 24), "]: ", 3)) > 0)
		s = ib_cu_skip(s, (size_t)at + 3);
	else if (s.len && s.ptr[0] == ':')
		s = ib_cu_skip(s, 1);
	return hd_body(ib_str_trim(s), ev);
}

const struct ib_parser ib_parser_horde = {
    .name = "horde",
    .description = "Horde/IMP login log (file or syslog)",
    .layer = IB_LAYER_CLIENT,
    .probe = hd_probe,
    .parse = hd_parse,
    .programs = hd_programs,
    .parse_msg = hd_parse_msg,
};
