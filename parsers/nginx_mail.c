#include "imapblast/parser.h"
#include "util.h"

/* STUB: nginx_mail parser, to be written. */
static int nginx_mail_probe(struct ib_str line) { (void)line; return 0; }
static int nginx_mail_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	(void)line; (void)ev;
	ctx->reason = "not implemented";
	return IB_BAD;
}
const struct ib_parser ib_parser_nginx_mail = {
	.name = "nginx_mail",
	.description = "nginx mail proxy error_log",
	.layer = IB_LAYER_PROXY,
	.probe = nginx_mail_probe,
	.parse = nginx_mail_parse,
};

