/*
 * purview.c: Microsoft Purview unified audit log exports (CSV), the
 * current layout "RecordId,CreationDate,RecordType,Operation,UserId,
 * AuditData,..." and the classic one "CreationDate,UserIds,Operations,
 * AuditData" (also Search-UnifiedAuditLog | Export-Csv, every field
 * quoted). AuditData is the record as JSON; the events, of every
 * protocol (--protocols keeps the IMAP ones by default):
 * - UserLoggedIn / UserLoginFailed (Entra STS logons). The protocol is
 *   inferred from the UserAgent extended property: BAV2ROPC, the
 *   legacy-auth flow Exchange Online's IMAP, POP and SMTP basic logins
 *   use, is IMAP (the audit record cannot tell which of the three;
 *   summary.md says so); a browser's "Mozilla/..." HTTP; others OTHER;
 * - MailItemsAccessed (a success), the protocol from its
 *   ClientInfoString: "IMAP4" IMAP, "POP3" POP3, ActiveSync, OWA/REST.
 * Time, user and IP come from AuditData (CreationTime, UTC; UserId;
 * ClientIP without the port). ev->message is "AADSTS<ErrorNumber>:
 * <LogonError>" for the rules (m365.h), or the operation.
 */
#include <stdlib.h>
#include <string.h>
#include "imapblast/parser.h"
#include "strparse.h"
#include "csvutil.h"
#include "json.h"
#include "m365.h"

#define P_MAXCOL 64
#define P_NODES 32768

struct pstate {
	int have_header;
	long c_audit, c_op, ncols;
	char *scratch, *dec; /* unescaped AuditData; decoded JSON strings */
	size_t scratch_cap, dec_cap;
	struct ib_json_node *nodes;
	struct ib_m365_rec rec;
	enum ib_m365_order order;
	char msg[IB_M365_MSG_MAX];
};

static void *p_open(void)
{
	return calloc(1, sizeof(struct pstate));
}

static void p_close(void *p)
{
	struct pstate *st = p;

	if (!st)
		return;
	free(st->scratch);
	free(st->dec);
	free(st->nodes);
	ib_m365_rec_release(&st->rec);
	free(st);
}

static int read_header(struct pstate *st, const struct ib_csv_field *f, long n)
{
	st->c_audit = st->c_op = -1;
	for (long i = 0; i < n; i++) {
		char buf[32];
		struct ib_str k = ib_name_norm(ib_str_trim(f[i].raw), buf, sizeof(buf));

		if (IB_SP_EQ(k, "auditdata") && st->c_audit < 0)
			st->c_audit = i;
		else if ((IB_SP_EQ(k, "operation") || IB_SP_EQ(k, "operations")) && st->c_op < 0)
			st->c_op = i;
	}
	st->ncols = n;
	st->have_header = st->c_audit >= 0;
	return st->have_header ? 0 : -1;
}

struct prec {
	struct ib_json_doc d;
	struct pstate *st;
	size_t used;
};

static int jstr(struct prec *r, long obj, const char *key, struct ib_str *out)
{
	long node = ib_json_get_ci(&r->d, obj, key);

	*out = IB_STR_NULL;
	if (node < 0 || r->d.nodes[node].type == IB_JSON_NULL)
		return 0;
	if (r->d.nodes[node].type == IB_JSON_NUMBER) {
		*out = ib_sp_span(r->d.text + r->d.nodes[node].start,
				  r->d.text + r->d.nodes[node].start + r->d.nodes[node].len);
		return 0;
	}
	return ib_json_string(&r->d, node, r->st->dec, r->st->dec_cap, &r->used, out);
}

/* The Value of the member named name in an ExtendedProperties-style array. */
static struct ib_str ext(struct prec *r, const char *array, const char *name)
{
	long arr = ib_json_get_ci(&r->d, 0, array);
	struct ib_str k, v;

	if (arr < 0 || r->d.nodes[arr].type != IB_JSON_ARRAY)
		return IB_STR_NULL;
	for (long c = r->d.nodes[arr].child; c >= 0; c = r->d.nodes[c].next)
		if (!jstr(r, c, "Name", &k) && ib_str_eq(k, ib_str_from(name)) && !jstr(r, c, "Value", &v))
			return v;
	return IB_STR_NULL;
}

/* The protocol of a MailItemsAccessed ClientInfoString ("Client=POP3/IMAP4;Protocol=IMAP4",
 * "Client=OWA;..."). */
static enum ib_proto client_protocol(struct ib_str client)
{
	if (IB_SP_FIND(client, "Protocol=IMAP4") >= 0)
		return IB_PROTO_IMAP;
	if (IB_SP_FIND(client, "Protocol=POP3") >= 0)
		return IB_PROTO_POP3;
	if (IB_SP_FIND(client, "IMAP4") >= 0)
		return IB_PROTO_IMAP;
	if (IB_SP_FIND(client, "POP3") >= 0)
		return IB_PROTO_POP3;
	if (IB_SP_FIND(client, "ActiveSync") >= 0 || IB_SP_FIND(client, "AirSync") >= 0)
		return IB_PROTO_EAS;
	if (IB_SP_FIND(client, "Client=OWA") >= 0 || IB_SP_FIND(client, "Client=REST") >= 0 ||
	    IB_SP_FIND(client, "WebServices") >= 0)
		return IB_PROTO_HTTP;
	return IB_PROTO_OTHER;
}

static int audit(struct ib_parse_ctx *ctx, struct pstate *st, struct ib_str json, struct ib_event *ev)
{
	struct prec r = {.st = st};
	struct ib_str op, ts, ua, client, status, errno_s, logon;
	uint64_t code = 0;
	int login;

	if (ib_m365_grow(&st->dec, &st->dec_cap, json.len + 1))
		return IB_ERR_NOMEM;
	if (!st->nodes && !(st->nodes = malloc(P_NODES * sizeof(*st->nodes))))
		return IB_ERR_NOMEM;
	if (ib_json_parse(&r.d, json.ptr, json.len, st->nodes, P_NODES)) {
		ctx->reason = r.d.error;
		return IB_BAD;
	}
	if (r.d.nodes[0].type != IB_JSON_OBJECT) {
		ctx->reason = "AuditData is not a JSON object";
		return IB_BAD;
	}
	if (jstr(&r, 0, "Operation", &op))
		goto bad_type;
	login = IB_SP_EQ(op, "UserLoggedIn") || IB_SP_EQ(op, "UserLoginFailed");
	if (login) {
		ua = ext(&r, "ExtendedProperties", "UserAgent");
		ev->protocol = IB_SP_EQ(ua, "BAV2ROPC")	      ? IB_PROTO_IMAP
			       : IB_SP_STARTS(ua, "Mozilla/") ? IB_PROTO_HTTP
							      : IB_PROTO_OTHER;
	} else if (IB_SP_EQ(op, "MailItemsAccessed")) {
		if (jstr(&r, 0, "ClientInfoString", &client))
			goto bad_type;
		ev->protocol = client_protocol(client);
	} else {
		return IB_SKIP;
	}
	if (jstr(&r, 0, "CreationTime", &ts) || ib_m365_date(ts, &st->order, &ev->time_ms)) {
		ctx->reason = "bad AuditData CreationTime";
		return IB_BAD;
	}
	if (jstr(&r, 0, "UserId", &ev->user) || jstr(&r, 0, "ClientIP", &ev->ip) ||
	    jstr(&r, 0, "ResultStatus", &status) || jstr(&r, 0, "Workload", &ev->server))
		goto bad_type;
	if (!ev->ip.len && jstr(&r, 0, "ClientIPAddress", &ev->ip))
		goto bad_type;
	if (!ev->ip.len && jstr(&r, 0, "ActorIpAddress", &ev->ip))
		goto bad_type;
	ev->ip = ib_str_trim(ev->ip);
	(void)ib_sp_addr(ev->ip, IB_SP_PORT_MAYBE, &ev->ip); /* else as written */
	ev->flags |= IB_EV_AUTH_HINT;
	if (!login) {
		ev->outcome = IB_CAT_OK;
		ev->signature =
		    ev->protocol == IB_PROTO_IMAP ? "purview-imap-mail-access" : "purview-mail-access";
		ev->message = op;
		return IB_OK;
	}
	if (jstr(&r, 0, "ErrorNumber", &errno_s) || jstr(&r, 0, "LogonError", &logon))
		goto bad_type;
	if (IB_SP_EQ(op, "UserLoggedIn")) {
		ib_m365_outcome(1, 0, status, op, st->msg, ev);
		return IB_OK;
	}
	if (errno_s.len && ib_m365_code(errno_s, &code)) {
		ctx->reason = "bad AuditData ErrorNumber";
		return IB_BAD;
	}
	if (errno_s.len && code == 0) /* a failed logon never carries 0: keep it a failure */
		errno_s = IB_STR_NULL;
	ib_m365_outcome(errno_s.len != 0, code, IB_STR_LIT("Failed"), logon.len ? logon : op, st->msg, ev);
	return IB_OK;
bad_type:
	ctx->reason = "AuditData field of the wrong type";
	return IB_BAD;
}

static int record(struct ib_parse_ctx *ctx, struct pstate *st, struct ib_str line, struct ib_event *ev)
{
	struct ib_csv_field f[P_MAXCOL];
	struct ib_str json, op;
	size_t used = 0;
	long n;

	if (memchr(line.ptr, '\0', line.len)) {
		ctx->reason = "NUL byte in line";
		return IB_BAD;
	}
	n = ib_csv_split(line, f, P_MAXCOL, &ctx->reason);
	if (n < 0)
		return IB_BAD;
	if (IB_SP_FIND(line, "AuditData") >= 0 && !read_header(st, f, n))
		return IB_SKIP;
	if (!st->have_header) {
		ctx->reason = "row before the audit log header";
		return IB_BAD;
	}
	if (n <= st->c_audit) {
		ctx->reason = "fewer fields than the header";
		return IB_BAD;
	}
	if (st->c_op >= 0 && st->c_op < n) {
		/* cheap filter before the JSON: the operations we read */
		op = ib_str_trim(f[st->c_op].raw);
		if (!IB_SP_EQ(op, "UserLoggedIn") && !IB_SP_EQ(op, "UserLoginFailed") &&
		    !IB_SP_EQ(op, "MailItemsAccessed"))
			return IB_SKIP;
	}
	if (ib_m365_grow(&st->scratch, &st->scratch_cap, line.len + 1))
		return IB_ERR_NOMEM;
	json = f[st->c_audit].escaped ? ib_csv_value(&f[st->c_audit], st->scratch, st->scratch_cap, &used)
				      : f[st->c_audit].raw;
	return audit(ctx, st, ib_str_trim(json), ev);
}

static int p_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	struct pstate *st = ctx->state;
	struct ib_str rec;
	int rc;

	if (!st)
		return IB_ERR_INTERNAL;
	rc = ib_m365_csv_record(ctx, &st->rec, line, &rec);
	return rc == IB_OK ? record(ctx, st, rec, ev) : rc;
}

static int p_drain(struct ib_parse_ctx *ctx, int eof, struct ib_event *ev)
{
	struct pstate *st = ctx->state;

	(void)ev;
	return st ? ib_m365_csv_drain(ctx, &st->rec, eof) : IB_EOF;
}

static int p_probe(struct ib_str line)
{
	line = ib_sp_line_clean(line);
	if (IB_SP_FIND(line, "AuditData") >= 0 && IB_SP_FIND(line, "CreationDate") >= 0)
		return 100;
	return 0;
}

const struct ib_parser ib_parser_purview = {
    .name = "purview",
    .description = "Microsoft Purview unified audit log export, CSV (logons, MailItemsAccessed)",
    .layer = IB_LAYER_SERVER,
    .protocol = IB_PROTO_OTHER, /* every record sets its own */
    .probe = p_probe,
    .parse = p_parse,
    .open = p_open,
    .close = p_close,
    .drain = p_drain,
};
