#include "imapblast/parser.h"
#include "util.h"

/* STUB: syslog parser, to be written. */
static int syslog_probe(struct ib_str line) { (void)line; return 0; }
static int syslog_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	(void)line; (void)ev;
	ctx->reason = "not implemented";
	return IB_BAD;
}
const struct ib_parser ib_parser_syslog = {
	.name = "syslog",
	.description = "syslog envelope (RFC 3164, RFC 5424, ISO 8601, TAI64N), dispatching by program",
	.layer = IB_LAYER_SERVER,
	.probe = syslog_probe,
	.parse = syslog_parse,
};

