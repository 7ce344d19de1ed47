#include "imapblast/parser.h"
#include "util.h"

/* STUB: cyrus parser, to be written. */
static int cyrus_probe(struct ib_str line) { (void)line; return 0; }
static int cyrus_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	(void)line; (void)ev;
	ctx->reason = "not implemented";
	return IB_BAD;
}
const struct ib_parser ib_parser_cyrus = {
	.name = "cyrus",
	.description = "Cyrus IMAP badlogin/login and 3.13 logfmt",
	.layer = IB_LAYER_SERVER,
	.probe = cyrus_probe,
	.parse = cyrus_parse,
};

