/*
 * mbsync.c: mbsync / isync stderr output, layer client (a ts(1) prefix is optional).
 *   IMAP command 'LOGIN <user> <pass>' returned an error: NO [AUTHENTICATIONFAILED] Authentication failed.
 * ev->message = the line after any timestamp. mbsync redacts the user, so events have none;
 * the server is carried from "Connecting to H ..." / "Resolving H..." (-V). Only login
 * command errors and connection errors are events.
 */
#include <stdlib.h>
#include "imapblast/parser.h"
#include "strparse.h"

struct mb_state {
	struct ib_sp_buf host;
};

static void *mb_open(void)
{
	return calloc(1, sizeof(struct mb_state));
}

static void mb_close(void *st)
{
	free(st);
}

static int mb_probe(struct ib_str line)
{
	if (IB_SP_FIND(line, "IMAP command '") >= 0 && IB_SP_FIND(line, "' returned an error: ") > 0)
		return 80;
	if (IB_SP_STARTS(line, "Channel ") || IB_SP_STARTS(line, "Opening far side") ||
	    IB_SP_STARTS(line, "Opening near side") || IB_SP_STARTS(line, "Opening master") ||
	    IB_SP_STARTS(line, "Opening slave"))
		return 30;
	/* progress: "C: 1/2  B: 3/4  F: +0/0 *0/0 #0/0  N: +0/0 *0/0 #0/0" (1.3: M:, S:) */
	if (IB_SP_STARTS(line, "C: ") && line.len > 4 && ib_sp_isdigit(line.ptr[3]) &&
	    IB_SP_FIND(line, "  B: ") > 0)
		return 90; /* above a syslog reading of a ts(1)-prefixed "C: ..." (program "C") */
	if (IB_SP_STARTS(line, "Logging in...") ||
	    IB_SP_STARTS(line, "Authenticating with SASL mechanism ") ||
	    IB_SP_STARTS(line, "Synchronizing..."))
		return 30;
	return 0;
}

/* host token after "to "/"on ", without "...", "(ip:port)" or ':' */
static struct ib_str host_tok(struct ib_str s)
{
	struct ib_str t = ib_sp_token(s);
	while (t.len && (t.ptr[t.len - 1] == '.' || t.ptr[t.len - 1] == ':'))
		t.len--;
	return t;
}

static int mb_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	struct mb_state *st = ctx->state;
	struct ib_str s = line;
	long at;

	(void)ib_sp_time(&s, ctx->time, &ev->time_ms);
	s = ib_str_trim(s);
	ev->message = s;
	if (IB_SP_STARTS(s, "Connecting to ") || IB_SP_STARTS(s, "Resolving ")) {
		struct ib_str h = host_tok(ib_sp_from(s, s.ptr[0] == 'C' ? 14 : 10));
		if (st && h.len)
			ib_sp_buf_set(&st->host, h);
		return IB_SKIP;
	}
	if (st)
		ev->server = ib_sp_buf_str(&st->host);
	if ((at = IB_SP_FIND(s, "IMAP command '")) >= 0) {
		struct ib_str cmd = ib_sp_from(s, (size_t)at + 14);
		if (IB_SP_FIND(s, "' returned an error: ") < 0) {
			ctx->reason = "IMAP command line without an error";
			return IB_BAD;
		}
		if (!IB_SP_CASESTARTS(cmd, "LOGIN ") && !IB_SP_CASESTARTS(cmd, "AUTHENTICATE "))
			return IB_SKIP; /* SELECT, APPEND... after login */
		ev->flags |= IB_EV_AUTH_HINT;
		return IB_OK;
	}
	if ((at = IB_SP_FIND(s, "annot connect to ")) >= 0 && at <= 8) {
		ev->server = host_tok(ib_sp_from(s, (size_t)at + 17));
		return IB_OK;
	}
	if ((at = IB_SP_FIND(s, "ocket error on ")) >= 0 && at <= 8) {
		ev->server = host_tok(ib_sp_from(s, (size_t)at + 15));
		return IB_OK;
	}
	return IB_SKIP;
}

const struct ib_parser ib_parser_mbsync = {
    .name = "mbsync",
    .description = "mbsync/isync client stderr",
    .layer = IB_LAYER_CLIENT,
    .protocol = IB_PROTO_IMAP,
    .probe = mb_probe,
    .parse = mb_parse,
    .open = mb_open,
    .close = mb_close,
};
