#include "imapblast/parser.h"
#include "util.h"

/* STUB: dovecot parser, to be written. */
static int dovecot_probe(struct ib_str line) { (void)line; return 0; }
static int dovecot_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	(void)line; (void)ev;
	ctx->reason = "not implemented";
	return IB_BAD;
}
const struct ib_parser ib_parser_dovecot = {
	.name = "dovecot",
	.description = "Dovecot 2.2-2.4 login, auth and proxy lines",
	.layer = IB_LAYER_SERVER,
	.probe = dovecot_probe,
	.parse = dovecot_parse,
};

