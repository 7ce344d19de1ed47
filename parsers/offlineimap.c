/*
 * offlineimap.c: OfflineIMAP console/log output, layer client (a timestamp prefix is optional).
 *    Establishing connection to imap-mail.outlook.com:993 (main-microsoft)
 *    PLAIN authentication failed: AUTHENTICATE failed.
 * ev->message = the trimmed line. The server is carried from "Establishing connection";
 * the repository name is not a user, so events have no user. Each failed mechanism is an
 * event; "ERROR: All authentication types failed:" is one only when no mechanism line
 * preceded it for that connection.
 */
#include <stdlib.h>
#include "imapblast/parser.h"
#include "strparse.h"

struct oi_state {
	struct ib_sp_buf host;
	int mech_failed;
};

static void *oi_open(void)
{
	return calloc(1, sizeof(struct oi_state));
}

static void oi_close(void *st)
{
	free(st);
}

static int oi_probe(struct ib_str line)
{
	line = ib_str_trim(line);
	if (IB_SP_STARTS(line, "Establishing connection to "))
		return 80;
	if (IB_SP_STARTS(line, "*** Processing account ") || IB_SP_STARTS(line, "*** Finished account ") ||
	    IB_SP_STARTS(line, "OfflineIMAP "))
		return 60;
	if (IB_SP_FIND(line, " authentication failed: ") > 0 ||
	    IB_SP_STARTS(line, "ERROR: All authentication types failed"))
		return 50;
	/* the chatter of a sync: "Copy message 17 (3 of 40) main-remote:INBOX -> main-local" */
	if ((IB_SP_STARTS(line, "Copy message ") && IB_SP_FIND(line, " of ") > 0) ||
	    (IB_SP_STARTS(line, "Syncing ") && IB_SP_FIND(line, ": IMAP -> ") > 0) ||
	    (IB_SP_STARTS(line, "Folder ") && IB_SP_FIND(line, " [acc: ") > 0))
		return 40;
	return 0;
}

static int oi_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	static const char est[] = "Establishing connection to ";
	struct oi_state *st = ctx->state;
	struct ib_str s = ib_str_trim(line);
	long at;

	(void)ib_sp_time(&s, ctx->time, &ev->time_ms);
	s = ib_str_trim(s);
	ev->message = s;
	if ((at = ib_sp_find(s, est, sizeof(est) - 1)) >= 0) {
		struct ib_str h = ib_sp_token(ib_sp_from(s, (size_t)at + sizeof(est) - 1));
		long c = ib_sp_rchr(h, ':');
		if (c > 0)
			h.len = (size_t)c;
		if (st) {
			ib_sp_buf_set(&st->host, h);
			st->mech_failed = 0;
		}
		return IB_SKIP;
	}
	if (st)
		ev->server = ib_sp_buf_str(&st->host);
	at = IB_SP_FIND(s, " authentication failed: ");
	if (at > 0 && ib_sp_chr(ib_sp_sub(s, 0, (size_t)at), ' ') < 0) {
		if (st)
			st->mech_failed = 1;
		ev->flags |= IB_EV_AUTH_HINT;
		return IB_OK;
	}
	if (IB_SP_STARTS(s, "ERROR: All authentication types failed")) {
		ev->flags |= IB_EV_AUTH_HINT;
		return st && st->mech_failed ? IB_SKIP : IB_OK;
	}
	if (IB_SP_STARTS(s, "ERROR:") && (IB_SP_FIND(s, "onnect") >= 0 || IB_SP_FIND(s, "timed out") >= 0 ||
					  IB_SP_FIND(s, "nreachable") >= 0))
		return IB_OK;
	return IB_SKIP;
}

const struct ib_parser ib_parser_offlineimap = {
    .name = "offlineimap",
    .description = "OfflineIMAP client output",
    .layer = IB_LAYER_CLIENT,
    .protocol = IB_PROTO_IMAP,
    .probe = oi_probe,
    .parse = oi_parse,
    .open = oi_open,
    .close = oi_close,
};
