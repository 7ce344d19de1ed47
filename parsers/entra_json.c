/*
 * entra_json.c: Microsoft Entra ID sign-ins as JSON, every client app,
 * the protocol from clientAppUsed (m365.h ib_m365_protocol; IMAP when a
 * record has none). One byte scanner finds the records of every shape,
 * across lines:
 * - Graph auditLogs/signIns (v1.0, beta) pages {"value":[...]}, concatenated,
 *   pretty-printed or on one line; a portal download's top-level array;
 *   one object per line;
 * - Azure Monitor diagnostic exports: PT1H.json blobs (one record per line,
 *   the sign-in under "properties", "resultType" a string) and Event Hub
 *   bodies {"records":[...]};
 * - Graph PowerShell ConvertTo-Json (PascalCase keys: names are matched
 *   without regard to case).
 * A line longer than --max-line comes in pieces (parser.h `stream`), so
 * a portal download of many megabytes on one line is read record by record.
 * Each record is gathered (J_RECORD_MAX cap: a larger one is counted as
 * malformed and skipped) and parsed with parsers/json.c when it closes.
 * When the last page of a Graph export still has "@odata.nextLink", the
 * export is incomplete: said once at end of file as a malformed record.
 *   {"createdDateTime":"2025-12-04T08:19:41Z","userPrincipalName":"bob@ex.com",
 *    "clientAppUsed":"IMAP4","status":{"errorCode":50126,"failureReason":"..."}}
 * ev->message is "AADSTS<code>: <failure reason>" for the rules (m365.h).
 */
#include <stdlib.h>
#include <string.h>
#include "imapblast/parser.h"
#include "strparse.h"
#include "json.h"
#include "m365.h"

#define J_RECORD_MAX (1u << 20)
#define J_NODES 32768
#define J_KEY 16

struct jstate {
	char *buf, *dec; /* record text; decoded strings (same capacity) */
	size_t len, cap;
	struct ib_json_node *nodes;
	int capturing, too_large, in_str, esc;
	long depth, rec_depth;
	char key[J_KEY]; /* last string at page level (depth 1), lower-cased */
	size_t key_len;
	int key_track;
	int next_link; /* the current or last page has @odata.nextLink */
	int told;
	enum ib_m365_order order;
	struct ib_str rest; /* unread part of the current line (for drain) */
	char msg[IB_M365_MSG_MAX];
};

static void *j_open(void)
{
	return calloc(1, sizeof(struct jstate));
}

static void j_close(void *p)
{
	struct jstate *st = p;

	if (!st)
		return;
	free(st->buf);
	free(st->dec);
	free(st->nodes);
	free(st);
}

static int j_put(struct jstate *st, char c)
{
	if (st->too_large)
		return 0;
	if (st->len == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 65536;
		char *nb;

		if (st->len >= J_RECORD_MAX) {
			st->too_large = 1;
			return 0;
		}
		if (cap > J_RECORD_MAX)
			cap = J_RECORD_MAX;
		if (!(nb = realloc(st->buf, cap)))
			return -1;
		st->buf = nb;
		if (!(nb = realloc(st->dec, cap)))
			return -1;
		st->dec = nb;
		st->cap = cap;
	}
	st->buf[st->len++] = c;
	return 0;
}

struct jrec {
	const struct ib_json_doc *d;
	struct jstate *st;
	size_t used;
};

/* Member key of obj, in any case (Graph's camelCase, PowerShell's PascalCase), or -1. */
static long get(const struct jrec *r, long obj, const char *key)
{
	return ib_json_get_ci(r->d, obj, key);
}

/* A string member (null = empty); -1 when of another type. */
static int str(struct jrec *r, long obj, const char *key, struct ib_str *out)
{
	long node = get(r, obj, key);

	*out = IB_STR_NULL;
	if (node < 0 || r->d->nodes[node].type == IB_JSON_NULL)
		return 0;
	return ib_json_string(r->d, node, r->st->dec, r->st->cap, &r->used, out);
}

/* A code member: a number, or a string of digits ("50126"). 1 found, 0 absent, -1 bad. */
static int code(struct jrec *r, long obj, const char *key, uint64_t *out)
{
	long node = get(r, obj, key);
	struct ib_str s;
	int64_t v;

	if (node < 0 || r->d->nodes[node].type == IB_JSON_NULL)
		return 0;
	if (r->d->nodes[node].type == IB_JSON_NUMBER) {
		if (ib_json_int(r->d, node, &v) || v < 0)
			return -1;
		*out = (uint64_t)v;
		return 1;
	}
	if (r->d->nodes[node].type != IB_JSON_STRING ||
	    ib_json_string(r->d, node, r->st->dec, r->st->cap, &r->used, &s))
		return -1;
	if (!s.len)
		return 0;
	return ib_m365_code(s, out) ? -1 : 1;
}

/* Parse the gathered record: IB_OK, IB_BAD. */
static int j_record(struct ib_parse_ctx *ctx, struct jstate *st, struct ib_event *ev)
{
	struct ib_json_doc d;
	struct jrec r = {&d, st, 0};
	struct ib_str app, ts, status = IB_STR_NULL, reason = IB_STR_NULL;
	long base, stn;
	uint64_t num = 0;
	int have = 0;

	if (st->too_large) {
		ctx->reason = "sign-in record too large";
		return IB_BAD;
	}
	if (!st->nodes && !(st->nodes = malloc(J_NODES * sizeof(*st->nodes))))
		return IB_ERR_NOMEM;
	if (ib_json_parse(&d, st->buf, st->len, st->nodes, J_NODES)) {
		ctx->reason = d.error;
		return IB_BAD;
	}
	if (d.nodes[0].type != IB_JSON_OBJECT) {
		ctx->reason = "sign-in record is not an object";
		return IB_BAD;
	}
	/* Azure Monitor: the sign-in is under "properties" */
	base = get(&r, 0, "properties");
	if (base < 0 || d.nodes[base].type != IB_JSON_OBJECT)
		base = 0;
	if (str(&r, base, "clientAppUsed", &app))
		goto bad_type;
	if (app.len) /* else the parser's protocol, IMAP, as the CSV without the column */
		ev->protocol = ib_m365_protocol(app);
	if (str(&r, base, "createdDateTime", &ts) || (!ts.len && str(&r, 0, "time", &ts)) ||
	    ib_m365_date(ts, &st->order, &ev->time_ms)) {
		ctx->reason = "bad createdDateTime";
		return IB_BAD;
	}
	if (str(&r, base, "userPrincipalName", &ev->user) || str(&r, base, "ipAddress", &ev->ip) ||
	    str(&r, base, "correlationId", &ev->session) || str(&r, base, "resourceDisplayName", &ev->server))
		goto bad_type;
	if (!ev->ip.len && str(&r, 0, "callerIpAddress", &ev->ip))
		goto bad_type;
	if (!ev->server.len && str(&r, base, "appDisplayName", &ev->server))
		goto bad_type;
	ev->ip = ib_str_trim(ev->ip);
	(void)ib_sp_addr(ev->ip, IB_SP_PORT_MAYBE, &ev->ip); /* else as written */
	stn = get(&r, base, "status");
	if (stn >= 0 && d.nodes[stn].type == IB_JSON_OBJECT) {
		if ((have = code(&r, stn, "errorCode", &num)) < 0)
			goto bad_code;
		if (str(&r, stn, "failureReason", &reason))
			goto bad_type;
	}
	if (!have && base != 0) {
		if ((have = code(&r, 0, "resultType", &num)) < 0)
			goto bad_code;
		if (!reason.len && str(&r, 0, "resultDescription", &reason))
			goto bad_type;
	}
	if (!have)
		status = IB_STR_LIT("Failure");
	ib_m365_outcome(have, num, status, reason, st->msg, ev);
	ev->flags |= IB_EV_AUTH_HINT;
	return IB_OK;
bad_code:
	ctx->reason = "bad sign-in error code";
	return IB_BAD;
bad_type:
	ctx->reason = "sign-in field of the wrong type";
	return IB_BAD;
}

static void j_reset(struct jstate *st)
{
	st->capturing = st->too_large = st->in_str = st->esc = 0;
	st->depth = st->rec_depth = 0;
	st->len = 0;
	st->key_track = 0;
}

static int key_is(const struct jstate *st, const char *k)
{
	size_t n = strlen(k);

	return st->key_len == n && !memcmp(st->key, k, n);
}

/* Scan st->rest until a record closes (its result) or the line ends (IB_EOF). */
static int j_scan(struct ib_parse_ctx *ctx, struct jstate *st, struct ib_event *ev)
{
	while (st->rest.len) {
		char c = *st->rest.ptr++;

		st->rest.len--;
		if (st->capturing && j_put(st, c))
			return IB_ERR_NOMEM;
		if (st->in_str) {
			if (st->esc) {
				st->esc = 0;
			} else if (c == '\\') {
				st->esc = 1;
			} else if (c == '"') {
				st->in_str = 0;
			} else if (st->key_track) {
				if (st->key_len < J_KEY)
					st->key[st->key_len] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
				st->key_len++;
			}
			continue;
		}
		switch (c) {
		case ' ':
		case '\t':
		case '\r':
		case '\n':
		case ',':
			break;
		case ':':
			if (st->depth == 1 && st->rec_depth != 1 && key_is(st, "@odata.nextlink"))
				st->next_link = 1;
			break;
		case '"':
			st->in_str = 1;
			st->key_track = st->depth == 1 && st->rec_depth != 1;
			if (st->key_track)
				st->key_len = 0;
			break;
		case '{':
		case '[':
			if (st->capturing && st->rec_depth == 0 && st->depth == 1 && c == '[' &&
			    (key_is(st, "value") || key_is(st, "records"))) {
				/* a page: its records are the array's items */
				st->capturing = 0;
				st->too_large = 0;
				st->len = 0;
				st->rec_depth = 2;
			} else if (!st->capturing && st->depth == 0 && c == '[') {
				st->rec_depth = 1;
			} else if (!st->capturing && st->depth == st->rec_depth && c == '{') {
				if (st->depth == 0)
					st->next_link = 0; /* a new page or record */
				st->capturing = 1;
				st->too_large = 0;
				st->len = 0;
				st->key_len = 0;
				if (j_put(st, c))
					return IB_ERR_NOMEM;
			}
			if (++st->depth > 100000) {
				j_reset(st);
				ctx->reason = "JSON nested too deep";
				return IB_BAD;
			}
			break;
		case '}':
		case ']':
			if (st->depth == 0) {
				ctx->reason = "unbalanced JSON bracket";
				return IB_BAD;
			}
			st->depth--;
			if (st->depth == 0 && !st->capturing)
				st->rec_depth = 0;
			if (st->capturing && st->depth == st->rec_depth) {
				int rc;

				st->capturing = 0;
				if (st->depth == 0)
					st->rec_depth = 0;
				rc = j_record(ctx, st, ev);
				if (rc != IB_SKIP)
					return rc;
			}
			break;
		default:
			if (!st->capturing && st->depth == 0) {
				ctx->reason = "text outside a JSON value";
				st->rest.len = 0;
				return IB_BAD;
			}
			break;
		}
	}
	if (st->capturing && !ctx->partial && j_put(st, '\n'))
		return IB_ERR_NOMEM;
	return IB_EOF;
}

static int j_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	struct jstate *st = ctx->state;
	int rc;

	if (!st)
		return IB_ERR_INTERNAL;
	st->rest = ib_sp_line_clean(line);
	rc = j_scan(ctx, st, ev);
	return rc == IB_EOF ? IB_SKIP : rc;
}

static int j_drain(struct ib_parse_ctx *ctx, int eof, struct ib_event *ev)
{
	struct jstate *st = ctx->state;
	int rc;

	if (!st)
		return IB_EOF;
	if (st->rest.len) {
		rc = j_scan(ctx, st, ev);
		if (rc != IB_EOF)
			return rc;
	}
	if (!eof)
		return IB_EOF;
	if (st->capturing || st->depth) {
		int was_capturing = st->capturing;

		j_reset(st);
		if (was_capturing) {
			ctx->reason = "JSON object not closed at end of file";
			return IB_BAD;
		}
	}
	if (st->next_link && !st->told) {
		st->told = 1;
		ctx->reason =
		    "incomplete Graph export: the last page has @odata.nextLink (more pages to fetch)";
		return IB_BAD;
	}
	return IB_EOF;
}

static int j_probe(struct ib_str line)
{
	line = ib_str_trim(ib_sp_line_clean(line));
	if (!line.len || (line.ptr[0] != '{' && line.ptr[0] != '[' && line.ptr[0] != '"'))
		return 0;
	if (IB_SP_FIND(line, "\"clientAppUsed\"") >= 0 || IB_SP_FIND(line, "\"userPrincipalName\"") >= 0 ||
	    IB_SP_FIND(line, "\"ClientAppUsed\"") >= 0 || IB_SP_FIND(line, "\"UserPrincipalName\"") >= 0)
		return 100;
	if (IB_SP_FIND(line, "\"createdDateTime\"") >= 0 || IB_SP_FIND(line, "auditLogs/signIns") >= 0 ||
	    IB_SP_FIND(line, "\"CreatedDateTime\"") >= 0 || IB_SP_FIND(line, "SignInLogs\"") >= 0)
		return 60;
	return 0;
}

const struct ib_parser ib_parser_entra_json = {
    .name = "entra_json",
    .description = "Entra ID sign-ins as JSON: portal, Graph pages, Azure Monitor, PowerShell",
    .layer = IB_LAYER_SERVER,
    .protocol = IB_PROTO_IMAP, /* a record without clientAppUsed */
    .probe = j_probe,
    .parse = j_parse,
    .open = j_open,
    .close = j_close,
    .drain = j_drain,
    .stream = 1,
};
