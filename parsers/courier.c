/*
 * courier.c: Courier IMAP/POP3 login lines (a syslog message parser), e.g.
 *   Apr 27 09:00:00 servername imapd: LOGIN FAILED, user=tester, ip=[::ffff:192.0.2.5], port=[255]
 *   May  2 05:16:49 server1 imapd: LOGIN, user=admin@tubeinn.com, ip=[::ffff:127.0.0.1], port=[49043],
 * protocol=IMAP Message: everything after "prog[pid]: ". Server: the syslog host. UW-IMAP also logs as
 * "imapd": its lines ("Login failed user=") are declined.
 */
#include "imapblast/parser.h"
#include "strparse.h"

/* user= value: up to the ", ip=[" that starts the real ip field (user names may hold ", "). */
static void fields(struct ib_str r, struct ib_event *ev)
{
	const char *ipkey = NULL, *p = r.ptr, *end = r.ptr + r.len;
	struct ib_str v;

	while (p < end) {
		const char *k = memmem(p, (size_t)(end - p), ", ip=[", 6);

		if (!k)
			break;
		ipkey = k;
		p = k + 1;
	}
	if (IB_SP_RFIELD(r, "ip=[", ']', &v) == 0)
		ev->ip = ib_sp_ip_norm(v);
	if (IB_SP_FIELD(r, "user=", ',', &v) == 0) {
		if (ipkey && ipkey >= v.ptr)
			v = ib_sp_span(v.ptr, ipkey);
		ev->user = v;
	} else if (IB_SP_STARTS(r, "user=") && !ipkey) {
		ev->user = ib_sp_from(r, 5);
	}
}

static int courier_msg(struct ib_parse_ctx *ctx, const struct ib_syslog_hdr *hdr, struct ib_str msg,
		       struct ib_event *ev)
{
	struct ib_str r = msg;

	(void)ctx;
	/* courierlogger normally strips these; plain stderr capture keeps them */
	if (IB_SP_SKIP(&r, "INFO: ") && IB_SP_SKIP(&r, "ERR: ") && IB_SP_SKIP(&r, "WARN: ") &&
	    IB_SP_SKIP(&r, "DEBUG: ") && IB_SP_SKIP(&r, "CRIT: "))
		(void)IB_SP_SKIP(&r, "ALERT: ");
	/* session ends and connects: Courier's, but not login outcomes */
	if (IB_SP_STARTS(r, "LOGOUT, ") || IB_SP_STARTS(r, "DISCONNECTED, ") ||
	    IB_SP_STARTS(r, "TIMEOUT, ") || IB_SP_STARTS(r, "Disconnected, ") ||
	    IB_SP_STARTS(r, "Connection, "))
		return IB_SKIP;
	if (IB_SP_SKIP(&r, "LOGIN FAILED, ") == 0 || IB_SP_SKIP(&r, "LOGIN, ") == 0)
		fields(r, ev);
	else if (!IB_SP_STARTS(r, "authentication error"))
		return IB_DECLINE; /* before writing ev (parser.h) */
	ev->message = msg;
	ev->server = hdr->host;
	ev->protocol = ib_proto_of_program(hdr->program);
	ev->flags |= IB_EV_AUTH_HINT;
	return IB_OK;
}

static const char *const courier_programs[] = {"imapd", "imapd-ssl", "pop3d", "pop3d-ssl", "courier*", NULL};

const struct ib_parser ib_parser_courier = {
    .name = "courier",
    .description = "Courier IMAP/POP3 LOGIN / LOGIN FAILED lines",
    .layer = IB_LAYER_SERVER,
    .programs = courier_programs,
    .parse_msg = courier_msg,
};
