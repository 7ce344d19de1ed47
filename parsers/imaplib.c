#include "imapblast/parser.h"
#include "util.h"

/* STUB: imaplib parser, to be written. */
static int imaplib_probe(struct ib_str line) { (void)line; return 0; }
static int imaplib_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	(void)line; (void)ev;
	ctx->reason = "not implemented";
	return IB_BAD;
}
const struct ib_parser ib_parser_imaplib = {
	.name = "imaplib",
	.description = "Python imaplib tracebacks",
	.layer = IB_LAYER_CLIENT,
	.probe = imaplib_probe,
	.parse = imaplib_parse,
};

