#include "imapblast/parser.h"
#include "util.h"

/* STUB: zimbra parser, to be written. */
static int zimbra_probe(struct ib_str line) { (void)line; return 0; }
static int zimbra_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	(void)line; (void)ev;
	ctx->reason = "not implemented";
	return IB_BAD;
}
const struct ib_parser ib_parser_zimbra = {
	.name = "zimbra",
	.description = "Zimbra audit.log and mailbox.log",
	.layer = IB_LAYER_SERVER,
	.probe = zimbra_probe,
	.parse = zimbra_parse,
};

