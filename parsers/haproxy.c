#include "imapblast/parser.h"
#include "util.h"

/* STUB: haproxy parser, to be written. */
static int haproxy_probe(struct ib_str line) { (void)line; return 0; }
static int haproxy_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	(void)line; (void)ev;
	ctx->reason = "not implemented";
	return IB_BAD;
}
const struct ib_parser ib_parser_haproxy = {
	.name = "haproxy",
	.description = "HAProxy tcplog lines of an IMAP frontend",
	.layer = IB_LAYER_PROXY,
	.probe = haproxy_probe,
	.parse = haproxy_parse,
};

