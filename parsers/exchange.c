#include "imapblast/parser.h"
#include "util.h"

/* STUB: exchange parser, to be written. */
static int exchange_probe(struct ib_str line) { (void)line; return 0; }
static int exchange_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	(void)line; (void)ev;
	ctx->reason = "not implemented";
	return IB_BAD;
}
const struct ib_parser ib_parser_exchange = {
	.name = "exchange",
	.description = "Exchange IMAP4 protocol log (CSV with #Fields header)",
	.layer = IB_LAYER_SERVER,
	.probe = exchange_probe,
	.parse = exchange_parse,
};

