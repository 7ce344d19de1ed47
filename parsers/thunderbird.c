#include "imapblast/parser.h"
#include "util.h"

/* STUB: thunderbird parser, to be written. */
static int thunderbird_probe(struct ib_str line) { (void)line; return 0; }
static int thunderbird_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	(void)line; (void)ev;
	ctx->reason = "not implemented";
	return IB_BAD;
}
const struct ib_parser ib_parser_thunderbird = {
	.name = "thunderbird",
	.description = "Thunderbird MOZ_LOG=IMAP:5,timestamp",
	.layer = IB_LAYER_CLIENT,
	.probe = thunderbird_probe,
	.parse = thunderbird_parse,
};

