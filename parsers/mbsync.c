#include "imapblast/parser.h"
#include "util.h"

/* STUB: mbsync parser, to be written. */
static int mbsync_probe(struct ib_str line) { (void)line; return 0; }
static int mbsync_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	(void)line; (void)ev;
	ctx->reason = "not implemented";
	return IB_BAD;
}
const struct ib_parser ib_parser_mbsync = {
	.name = "mbsync",
	.description = "mbsync/isync IMAP command errors",
	.layer = IB_LAYER_CLIENT,
	.probe = mbsync_probe,
	.parse = mbsync_parse,
};

