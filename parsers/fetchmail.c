#include "imapblast/parser.h"
#include "util.h"

/* STUB: fetchmail parser, to be written. */
static int fetchmail_probe(struct ib_str line) { (void)line; return 0; }
static int fetchmail_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	(void)line; (void)ev;
	ctx->reason = "not implemented";
	return IB_BAD;
}
const struct ib_parser ib_parser_fetchmail = {
	.name = "fetchmail",
	.description = "fetchmail via syslog or stderr",
	.layer = IB_LAYER_CLIENT,
	.probe = fetchmail_probe,
	.parse = fetchmail_parse,
};

