#include "imapblast/parser.h"
#include "util.h"

/* STUB: offlineimap parser, to be written. */
static int offlineimap_probe(struct ib_str line) { (void)line; return 0; }
static int offlineimap_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	(void)line; (void)ev;
	ctx->reason = "not implemented";
	return IB_BAD;
}
const struct ib_parser ib_parser_offlineimap = {
	.name = "offlineimap",
	.description = "OfflineIMAP connection and authentication output",
	.layer = IB_LAYER_CLIENT,
	.probe = offlineimap_probe,
	.parse = offlineimap_parse,
};

