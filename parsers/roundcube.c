#include "imapblast/parser.h"
#include "util.h"

/* STUB: roundcube parser, to be written. */
static int roundcube_probe(struct ib_str line) { (void)line; return 0; }
static int roundcube_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	(void)line; (void)ev;
	ctx->reason = "not implemented";
	return IB_BAD;
}
const struct ib_parser ib_parser_roundcube = {
	.name = "roundcube",
	.description = "Roundcube webmail IMAP Error lines",
	.layer = IB_LAYER_CLIENT,
	.probe = roundcube_probe,
	.parse = roundcube_parse,
};

