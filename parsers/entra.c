/*
 * entra.c: Microsoft Entra ID sign-in exports as CSV, every client app,
 * the protocol from the Client app column (m365.h ib_m365_protocol; IMAP
 * for every row when the export has no such column). Columns are found by name in the header record (case,
 * blanks and punctuation ignored, first of duplicate names wins, UTF-8
 * BOM skipped), so one parser reads:
 * - the portal download, interactive and non-interactive tabs, current and
 *   older layouts:  Date (UTC),Request ID,...,Username,...,Client app,...
 * - Graph PowerShell Export-Csv (every field quoted, PascalCase names,
 *   dates in the exporting machine's culture: m365.h ib_m365_date);
 * - Log Analytics SigninLogs / AADNonInteractiveUserSignInLogs results:
 *   TimeGenerated [UTC],...,ResultType,ResultDescription,... with dates
 *   like "1/13/2026, 8:31:05.123 AM"; a projected subset works too.
 * A record may span lines (a quoted field with newlines, RFC 4180): it is
 * gathered up to IB_M365_RECORD_MAX bytes, its result given on its last line.
 * ev->message is "AADSTS<code>: <failure reason>" for the rules (m365.h).
 */
#include <stdlib.h>
#include <string.h>
#include "imapblast/parser.h"
#include "strparse.h"
#include "csvutil.h"
#include "m365.h"

#define E_MAXCOL 160

enum {
	C_TIME,
	C_USER,
	C_USER2,
	C_IP,
	C_STATUS,
	C_CODE,
	C_REASON,
	C_APP,
	C_RES,
	C_APPNAME,
	C_SESS,
	C_CORR,
	C_N
};

#define E_ALIAS 5
static const char *const cnames[C_N][E_ALIAS] = {
    [C_TIME] = {"dateutc", "createddatetime", "timegeneratedutc", "createddatetimeutc", "date"},
    [C_USER] = {"username", "userprincipalname", NULL, NULL, NULL},
    [C_USER2] = {"user", "userdisplayname", NULL, NULL, NULL},
    [C_IP] = {"ipaddress", NULL, NULL, NULL, NULL},
    [C_STATUS] = {"status", NULL, NULL, NULL, NULL},
    [C_CODE] = {"signinerrorcode", "errorcode", "statuserrorcode", "resulttype", NULL},
    [C_REASON] = {"failurereason", "statusfailurereason", "resultdescription", NULL, NULL},
    [C_APP] = {"clientapp", "clientappused", NULL, NULL, NULL},
    [C_RES] = {"resource", "resourcedisplayname", NULL, NULL, NULL},
    [C_APPNAME] = {"application", "appdisplayname", NULL, NULL, NULL},
    [C_SESS] = {"sessionid", NULL, NULL, NULL, NULL},
    [C_CORR] = {"correlationid", NULL, NULL, NULL, NULL},
};

struct cstate {
	int have_header;
	long col[C_N];
	long ncols;
	enum ib_m365_order order;
	char *scratch; /* unescaped field values */
	size_t scratch_cap;
	struct ib_m365_rec rec; /* a record that spans lines */
	char msg[IB_M365_MSG_MAX];
	/*
	 * Records whose date no earlier date settled (13/01 or 1/13 decide,
	 * 05/01 does not): held until one does, then released in order; at
	 * end of file still unsettled, refused. Each: line u64, length u32,
	 * bytes. Bounded by E_HOLD_MAX.
	 */
	char *hold;
	size_t hold_len, hold_cap, hold_off;
};

#define E_HOLD_MAX ((size_t)64 << 20)
#define E_AMBIGUOUS                                                                                          \
	"ambiguous day/month order in the sign-in date (no date in the file settles it): give --date-order " \
	"dmy or mdy"

static void *c_open(void)
{
	return calloc(1, sizeof(struct cstate));
}

static void c_close(void *p)
{
	struct cstate *st = p;

	if (st) {
		free(st->scratch);
		free(st->hold);
		ib_m365_rec_release(&st->rec);
	}
	free(st);
}

/* Try line as the header record: 0 when it names a time and a user column. */
static int read_header(struct cstate *st, const struct ib_csv_field *f, long n)
{
	long col[C_N];

	for (int c = 0; c < C_N; c++)
		col[c] = -1;
	for (long i = 0; i < n; i++) {
		char buf[64];
		struct ib_str k = ib_name_norm(ib_str_trim(f[i].raw), buf, sizeof(buf));

		for (int c = 0; c < C_N; c++)
			for (int a = 0; a < E_ALIAS && cnames[c][a]; a++)
				if (col[c] < 0 && ib_str_eq(k, ib_str_from(cnames[c][a])))
					col[c] = i;
	}
	if (col[C_TIME] < 0 || (col[C_USER] < 0 && col[C_USER2] < 0))
		return -1;
	memcpy(st->col, col, sizeof(col));
	st->ncols = n;
	st->have_header = 1;
	return 0;
}

/* A header starts with a letter (rows start with a date, a GUID or a quote and one of those). */
static int maybe_header(struct ib_str line)
{
	unsigned char c;

	if (line.len && line.ptr[0] == '"') {
		line.ptr++;
		line.len--;
	}
	if (!line.len)
		return 0;
	c = (unsigned char)(line.ptr[0] | 0x20);
	return c >= 'a' && c <= 'z' && !(line.len > 8 && line.ptr[8] == '-' && c <= 'f');
}

static struct ib_str cval(struct cstate *st, const struct ib_csv_field *f, long n, int c, size_t *used)
{
	long k = st->col[c];

	if (k < 0 || k >= n)
		return IB_STR_NULL;
	return ib_str_trim(f[k].escaped ? ib_csv_value(&f[k], st->scratch, st->scratch_cap, used) : f[k].raw);
}

/* Hold a record whose date the file has not settled yet (IB_SKIP), or refuse it past E_HOLD_MAX. */
static int hold(struct ib_parse_ctx *ctx, struct cstate *st, struct ib_str rec)
{
	size_t need = st->hold_len + 12 + rec.len;
	uint64_t line = ctx->lineno;
	uint32_t len = (uint32_t)rec.len;

	if (need > E_HOLD_MAX) {
		ctx->reason = E_AMBIGUOUS " (64 MiB of rows came before a date that settles it)";
		return IB_BAD;
	}
	if (ib_m365_grow(&st->hold, &st->hold_cap, need))
		return IB_ERR_NOMEM;
	memcpy(st->hold + st->hold_len, &line, 8);
	memcpy(st->hold + st->hold_len + 8, &len, 4);
	memcpy(st->hold + st->hold_len + 12, rec.ptr, rec.len);
	st->hold_len = need;
	return IB_SKIP;
}

static int record(struct ib_parse_ctx *ctx, struct cstate *st, struct ib_str line, struct ib_event *ev)
{
	struct ib_csv_field f[E_MAXCOL];
	struct ib_str status, code, user;
	uint64_t num = 0;
	size_t used = 0;
	long n;
	int rc;

	if (memchr(line.ptr, '\0', line.len)) {
		ctx->reason = "NUL byte in line";
		return IB_BAD;
	}
	n = ib_csv_split(line, f, E_MAXCOL, &ctx->reason);
	if (n < 0)
		return IB_BAD;
	if (maybe_header(line) && !read_header(st, f, n))
		return IB_SKIP;
	if (!st->have_header) {
		ctx->reason = "row before the sign-in header";
		return IB_BAD;
	}
	if (n < st->ncols) {
		ctx->reason = "fewer fields than the header";
		return IB_BAD;
	}
	if (ib_m365_grow(&st->scratch, &st->scratch_cap, line.len))
		return IB_ERR_NOMEM;
	/* without a client app column, every row is IMAP (the parser's protocol) */
	if (st->col[C_APP] >= 0)
		ev->protocol = ib_m365_protocol(cval(st, f, n, C_APP, &used));
	if (ctx->time->date_order) /* --date-order */
		st->order = ctx->time->date_order == 2 ? IB_M365_ORDER_DMY : IB_M365_ORDER_MDY;
	rc = ib_m365_date(cval(st, f, n, C_TIME, &used), &st->order, &ev->time_ms);
	if (rc == -2)
		return hold(ctx, st, line);
	if (rc) {
		ctx->reason = "bad sign-in date";
		return IB_BAD;
	}
	user = cval(st, f, n, C_USER, &used);
	ev->user = user.len ? user : cval(st, f, n, C_USER2, &used);
	ev->ip = ib_str_trim(cval(st, f, n, C_IP, &used));
	(void)ib_sp_addr(ev->ip, IB_SP_PORT_MAYBE, &ev->ip); /* else as written */
	ev->server = cval(st, f, n, C_RES, &used);
	if (!ev->server.len)
		ev->server = cval(st, f, n, C_APPNAME, &used);
	ev->session = cval(st, f, n, C_SESS, &used);
	if (!ev->session.len)
		ev->session = cval(st, f, n, C_CORR, &used);
	status = cval(st, f, n, C_STATUS, &used);
	code = cval(st, f, n, C_CODE, &used);
	if (code.len && ib_m365_code(code, &num)) {
		ctx->reason = "bad sign-in error code";
		return IB_BAD;
	}
	ib_m365_outcome(code.len != 0, num, status, cval(st, f, n, C_REASON, &used), st->msg, ev);
	ev->flags |= IB_EV_AUTH_HINT;
	return IB_OK;
}

static int c_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	struct cstate *st = ctx->state;
	struct ib_str rec;
	int rc;

	if (!st)
		return IB_ERR_INTERNAL;
	rc = ib_m365_csv_record(ctx, &st->rec, line, &rec);
	return rc == IB_OK ? record(ctx, st, rec, ev) : rc;
}

/*
 * Release the held records once a date settled the order (each parsed as
 * if read now, named by its own line), or refuse them at end of file.
 */
static int c_drain(struct ib_parse_ctx *ctx, int eof, struct ib_event *ev)
{
	struct cstate *st = ctx->state;
	uint64_t line;
	uint32_t len;
	char *p;
	int rc;

	if (!st)
		return IB_EOF;
	if (st->hold_off < st->hold_len && (st->order != IB_M365_ORDER_UNKNOWN || eof)) {
		p = st->hold + st->hold_off;
		memcpy(&line, p, 8);
		memcpy(&len, p + 8, 4);
		st->hold_off += 12 + len;
		ctx->lineno = line;
		ctx->held_line = 1;
		if (st->order == IB_M365_ORDER_UNKNOWN) {
			ctx->reason = E_AMBIGUOUS;
			rc = IB_BAD;
		} else {
			rc = record(ctx, st, ib_sp_span(p + 12, p + 12 + len), ev);
		}
		if (st->hold_off == st->hold_len)
			st->hold_off = st->hold_len = 0; /* the buffer is reused, never read again */
		return rc;
	}
	return ib_m365_csv_drain(ctx, &st->rec, eof);
}

static int c_probe(struct ib_str line)
{
	line = ib_sp_line_clean(line);
	if (!maybe_header(line))
		return 0;
	if ((IB_SP_FIND(line, "Date (UTC)") >= 0 || IB_SP_FIND(line, "TimeGenerated [UTC]") >= 0 ||
	     IB_SP_FIND(line, "CreatedDateTime") >= 0) &&
	    (IB_SP_FIND(line, "Client app") >= 0 || IB_SP_FIND(line, "ClientAppUsed") >= 0 ||
	     IB_SP_FIND(line, "UserPrincipalName") >= 0 || IB_SP_FIND(line, "Username") >= 0))
		return 100;
	return 0;
}

const struct ib_parser ib_parser_entra_csv = {
    .name = "entra_csv",
    .description = "Entra ID sign-ins as CSV: portal, Export-Csv, Log Analytics",
    .layer = IB_LAYER_SERVER,
    .protocol = IB_PROTO_IMAP, /* an export without the Client app column */
    .probe = c_probe,
    .parse = c_parse,
    .open = c_open,
    .close = c_close,
    .drain = c_drain,
};
