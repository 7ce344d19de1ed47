#include "imapblast/parser.h"
#include "util.h"

/* STUB: entra_csv parser, to be written. */
static int entra_csv_probe(struct ib_str line) { (void)line; return 0; }
static int entra_csv_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	(void)line; (void)ev;
	ctx->reason = "not implemented";
	return IB_BAD;
}
const struct ib_parser ib_parser_entra_csv = {
	.name = "entra_csv",
	.description = "Entra ID sign-in export, portal CSV (IMAP rows)",
	.layer = IB_LAYER_SERVER,
	.probe = entra_csv_probe,
	.parse = entra_csv_parse,
};

/* STUB: entra_json parser, to be written. */
static int entra_json_probe(struct ib_str line) { (void)line; return 0; }
static int entra_json_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	(void)line; (void)ev;
	ctx->reason = "not implemented";
	return IB_BAD;
}
const struct ib_parser ib_parser_entra_json = {
	.name = "entra_json",
	.description = "Entra ID sign-in export, Graph JSON (IMAP rows)",
	.layer = IB_LAYER_SERVER,
	.probe = entra_json_probe,
	.parse = entra_json_parse,
};

