#include "imapblast/parser.h"
#include "util.h"

/* STUB: imapsync parser, to be written. */
static int imapsync_probe(struct ib_str line) { (void)line; return 0; }
static int imapsync_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	(void)line; (void)ev;
	ctx->reason = "not implemented";
	return IB_BAD;
}
const struct ib_parser ib_parser_imapsync = {
	.name = "imapsync",
	.description = "imapsync Host1/Host2 login failures",
	.layer = IB_LAYER_CLIENT,
	.probe = imapsync_probe,
	.parse = imapsync_parse,
};

