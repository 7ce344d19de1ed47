#include "imapblast/parser.h"
#include "util.h"

/* STUB: horde parser, to be written. */
static int horde_probe(struct ib_str line) { (void)line; return 0; }
static int horde_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	(void)line; (void)ev;
	ctx->reason = "not implemented";
	return IB_BAD;
}
const struct ib_parser ib_parser_horde = {
	.name = "horde",
	.description = "Horde/IMP FAILED LOGIN lines",
	.layer = IB_LAYER_CLIENT,
	.probe = horde_probe,
	.parse = horde_parse,
};

