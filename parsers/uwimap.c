#include "imapblast/parser.h"
#include "util.h"

/* STUB: uwimap parser, to be written. */
static int uwimap_probe(struct ib_str line) { (void)line; return 0; }
static int uwimap_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	(void)line; (void)ev;
	ctx->reason = "not implemented";
	return IB_BAD;
}
const struct ib_parser ib_parser_uwimap = {
	.name = "uwimap",
	.description = "UW-IMAP Login failed / Login / Authenticated",
	.layer = IB_LAYER_SERVER,
	.probe = uwimap_probe,
	.parse = uwimap_parse,
};

