/*
 * perdition.c: perdition IMAP/POP3 proxy, syslog programs "perdition*", layer proxy.
 *   Auth: 192.168.8.100:2274->193.48.191.9:993 client-secure=ssl authorisation_id=NONE
 *   authentication_id="carles" server="imap.biotoul.fr:993" protocol=IMAP4S server-secure=ssl
 *   status="failed: Re-Authentication Failure"
 * status="ok" -> outcome ok ("perdition-ok"); other statuses are left to the rules.
 * "Fatal Error reading authentication information from client ip:port->..." is an event
 * (no user; the rules call it a drop). Fields after the user are found from the right, so
 * a user name holding ` server="` or ` status="ok"` cannot forge them.
 */
#include "imapblast/parser.h"
#include "strparse.h"

static const char *const perd_programs[] = {"perdition*", NULL};

/* "cip:cport->lip:lport" at the start of s; sets ip; returns bytes used or 0. */
static size_t from_to(struct ib_str s, struct ib_str *ip)
{
	long arrow = IB_SP_FIND(s, "->");
	struct ib_str tok;

	if (arrow <= 0 || ib_sp_addr(ib_sp_sub(s, 0, (size_t)arrow), IB_SP_PORT, ip) < 0)
		return 0;
	tok = ib_sp_token(ib_sp_from(s, (size_t)arrow + 2));
	while (tok.len && tok.ptr[tok.len - 1] == ':')
		tok.len--;
	return (size_t)arrow + 2 + tok.len;
}

static int perd_parse_msg(struct ib_parse_ctx *ctx, const struct ib_syslog_hdr *hdr, struct ib_str msg,
			  struct ib_event *ev)
{
	static const char fatal[] = "Fatal Error reading authentication information from client ";
	struct ib_str s;
	long st, sv, au;

	ev->message = msg;
	ev->protocol = ib_proto_of_program(hdr->program); /* perdition.imap4, perdition.pop3s */
	if (ib_sp_starts(msg, fatal, sizeof(fatal) - 1)) {
		if (!from_to(ib_sp_from(msg, sizeof(fatal) - 1), &ev->ip)) {
			ctx->reason = "bad client address";
			return IB_BAD;
		}
		return IB_OK;
	}
	if (!IB_SP_STARTS(msg, "Auth:"))
		return IB_SKIP; /* Connect:, Closing session:, start-up */
	s = ib_str_trim(ib_sp_from(msg, 5));
	if (!from_to(s, &ev->ip)) {
		ctx->reason = "bad from->to addresses";
		return IB_BAD;
	}
	st = IB_SP_RFIND(s, " status=\"");
	if (st < 0) {
		ctx->reason = "no status";
		return IB_BAD;
	}
	sv = IB_SP_RFIND(ib_sp_sub(s, 0, (size_t)st), " server=\"");
	au = IB_SP_FIND(s, " authentication_id=\"");
	if (au >= 0 && sv > au) {
		ev->user = ib_sp_sub(s, (size_t)au + 20, (size_t)sv);
		if (ev->user.len && ev->user.ptr[ev->user.len - 1] == '"')
			ev->user.len--;
		else
			ev->user = IB_STR_NULL;
	}
	if (sv >= 0) {
		struct ib_str v = ib_sp_sub(s, (size_t)sv + 9, (size_t)st);
		long q = ib_sp_chr(v, '"');
		if (q > 0)
			ev->server = ib_sp_sub(v, 0, (size_t)q);
	}
	ev->flags |= IB_EV_AUTH_HINT;
	{
		struct ib_str v = ib_sp_from(s, (size_t)st + 9);
		if (IB_SP_EQ(ib_str_trim(v), "ok\"")) {
			ev->outcome = IB_CAT_OK;
			ev->signature = "perdition-ok";
		}
	}
	return IB_OK;
}

/* Never chosen by detection: the syslog envelope reads these files. It
 * stays so that `imapblast formats` keeps listing perdition as before. */
static int perd_probe(struct ib_str line)
{
	(void)line;
	return 0;
}

const struct ib_parser ib_parser_perdition = {
    .name = "perdition",
    .description = "perdition IMAP/POP3 proxy (syslog)",
    .layer = IB_LAYER_PROXY,
    .probe = perd_probe,
    .programs = perd_programs,
    .parse_msg = perd_parse_msg,
};
