/*
 * mbsync.c: mbsync / isync stderr output, layer client (a ts(1) prefix is optional).
 *   IMAP command 'LOGIN <user> <pass>' returned an error: NO [AUTHENTICATIONFAILED] Authentication failed.
 * ev->message = the line after any timestamp. mbsync redacts the user, so events have none;
 * the server is carried from "Connecting to H ..." / "Resolving H..." (-V). Only login
 * command errors and connection errors are events.
 */
#include <stdlib.h>
#include "cutil.h"
#include "util.h"

struct mb_state {
	struct ib_cu_buf host;
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
	if (ib_str_find(line, "IMAP command '", 14) >= 0 &&
	    ib_str_find(line, "' returned an error: ", 21) > 0)
		return 80;
	if (ib_str_starts(line, "Channel ") || ib_str_starts(line, "Opening far side") ||
	    ib_str_starts(line, "Opening near side") || ib_str_starts(line, "Opening master") ||
	    ib_str_starts(line, "Opening slave"))
		return 30;
	return 0;
}

/* host token after "to "/"on ", without "...", "(ip:port)" or ':' */
static struct ib_str host_tok(struct ib_str s)
{
	struct ib_str t = ib_cu_token(s);
	while (t.len && (t.ptr[t.len - 1] == '.' || t.ptr[t.len - 1] == ':'))
		t.len--;
	return t;
}

static int mb_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	struct mb_state *st = ctx->state;
	struct ib_str s = line;
	long at;

	ib_cu_opt_time(&s, ctx->time, &ev->time_ms);
	s = ib_str_trim(s);
	ev->message = s;
	if (ib_str_starts(s, "Connecting to ") || ib_str_starts(s, "Resolving ")) {
		struct ib_str h = host_tok(ib_cu_skip(s, s.ptr[0] == 'C' ? 14 : 10));
		if (st && h.len)
			ib_cu_buf_set(&st->host, h);
		return IB_SKIP;
	}
	if (st)
		ev->server = ib_cu_buf_str(&st->host);
	if ((at = ib_str_find(s, "IMAP command '", 14)) >= 0) {
		struct ib_str cmd = ib_cu_skip(s, (size_t)at + 14);
		if (ib_str_find(s, "' returned an error: ", 21) < 0) {
			ctx->reason = "IMAP command line without an error";
			return IB_BAD;
		}
		if (!ib_str_casestarts(cmd, "LOGIN ") && !ib_str_casestarts(cmd, "AUTHENTICATE "))
			return IB_SKIP; /* SELECT, APPEND... after login */
		ev->flags |= IB_EV_AUTH_HINT;
		return IB_OK;
	}
	if ((at = ib_str_find(s, "annot connect to ", 17)) >= 0 && at <= 8) {
		ev->server = host_tok(ib_cu_skip(s, (size_t)at + 17));
		return IB_OK;
	}
	if ((at = ib_str_find(s, "ocket error on ", 15)) >= 0 && at <= 8) {
		ev->server = host_tok(ib_cu_skip(s, (size_t)at + 15));
		return IB_OK;
	}
	return IB_SKIP;
}

const struct ib_parser ib_parser_mbsync = {
    .name = "mbsync",
    .description = "mbsync/isync client stderr",
    .layer = IB_LAYER_CLIENT,
    .probe = mb_probe,
    .parse = mb_parse,
    .open = mb_open,
    .close = mb_close,
};
