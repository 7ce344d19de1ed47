#include "imapblast/parser.h"
#include "util.h"

/* STUB: perdition parser, to be written. */
static int perdition_probe(struct ib_str line) { (void)line; return 0; }
static int perdition_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	(void)line; (void)ev;
	ctx->reason = "not implemented";
	return IB_BAD;
}
const struct ib_parser ib_parser_perdition = {
	.name = "perdition",
	.description = "perdition IMAP proxy Auth / Closing session",
	.layer = IB_LAYER_PROXY,
	.probe = perdition_probe,
	.parse = perdition_parse,
};

