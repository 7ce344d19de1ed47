#include "imapblast/parser.h"
#include "util.h"

/* STUB: courier parser, to be written. */
static int courier_probe(struct ib_str line) { (void)line; return 0; }
static int courier_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	(void)line; (void)ev;
	ctx->reason = "not implemented";
	return IB_BAD;
}
const struct ib_parser ib_parser_courier = {
	.name = "courier",
	.description = "Courier IMAP LOGIN / LOGIN FAILED",
	.layer = IB_LAYER_SERVER,
	.probe = courier_probe,
	.parse = courier_parse,
};

