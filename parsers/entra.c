/*
 * entra.c: Microsoft Entra ID sign-in exports, IMAP rows only (Client app
 * "IMAP4" or "IMAP"). Two parsers:
 * - entra_csv: the portal CSV, columns found by name from the header line
 *   (trailing spaces trimmed, first of duplicate names wins, UTF-8 BOM
 *   skipped): Date (UTC),Request ID,...,Username,...,IP address,Location,Status,Sign-in error code,...
 *   also the older "CreatedDateTime,UserPrincipalName,..." export whose dates
 *   read like "3/12/2025 7:22:01 AM": those are taken as US order M/D/YYYY
 *   (month first), in UTC, 12-hour clock with AM/PM or 24-hour without.
 * - entra_json: Graph signIn objects, NDJSON, a top-level array, or
 *   {"value":[...]} pretty-printed over many lines; each record is gathered
 *   (1 MiB cap) and parsed with parsers/json.c when it closes.
 * ev->message is the failure reason; outcome and signature come from the error code.
 */
#include <stdlib.h>
#include <string.h>
#include "imapblast/parser.h"
#include "strparse.h"
#include "csvutil.h"
#include "json.h"

#define E_MAXCOL 128
#define E_SCRATCH_MAX (16u << 20)
#define J_RECORD_MAX (1u << 20)
#define J_NODES 32768

/* ---- outcome from the sign-in error code (shared) ---- */

struct ecode {
	uint64_t code;
	enum ib_category cat;
	const char *sig;
};

static const struct ecode ecodes[] = {
    {50126, IB_CAT_CREDENTIALS, "entra-50126"}, {50034, IB_CAT_CREDENTIALS, "entra-50034"},
    {50056, IB_CAT_CREDENTIALS, "entra-50056"}, {50173, IB_CAT_CREDENTIALS, "entra-50173"},
    {50055, IB_CAT_POLICY, "entra-50055"},	{50144, IB_CAT_POLICY, "entra-50144"},
    {50057, IB_CAT_POLICY, "entra-50057"},	{50053, IB_CAT_POLICY, "entra-50053"},
    {50076, IB_CAT_POLICY, "entra-50076"},	{50079, IB_CAT_POLICY, "entra-50079"},
    {50131, IB_CAT_POLICY, "entra-50131"},	{50033, IB_CAT_TEMPORARY, "entra-50033"},
    {50087, IB_CAT_TEMPORARY, "entra-50087"},	{50166, IB_CAT_TEMPORARY, "entra-50166"},
};

/* have_code 0: no code given, status decides. */
static void outcome(int have_code, uint64_t code, struct ib_str status, struct ib_event *ev)
{
	if ((have_code && code == 0) || (!have_code && IB_SP_CASEEQ(status, "Success"))) {
		ev->outcome = IB_CAT_OK;
		ev->signature = "entra-ok";
		return;
	}
	ev->outcome = IB_CAT_OTHER;
	ev->signature = have_code ? "entra-other" : "entra-failure";
	if (!have_code)
		return;
	for (size_t i = 0; i < sizeof(ecodes) / sizeof(ecodes[0]); i++) {
		if (ecodes[i].code == code) {
			ev->outcome = ecodes[i].cat;
			ev->signature = ecodes[i].sig;
		}
	}
}

static int is_imap(struct ib_str app)
{
	app = ib_str_trim(app);
	return IB_SP_CASEEQ(app, "imap4") || IB_SP_CASEEQ(app, "imap");
}

static int digit2(const char **p, const char *end, unsigned *out, int maxd)
{
	unsigned v = 0;
	int n = 0;

	while (*p < end && **p >= '0' && **p <= '9' && n < maxd) {
		v = v * 10 + (unsigned)(**p - '0');
		(*p)++;
		n++;
	}
	*out = v;
	return n ? 0 : -1;
}

/* "3/12/2025 7:22:01 AM" (US order, UTC). */
static int us_date(struct ib_str s, int64_t *out)
{
	const char *p, *end;
	unsigned mo, d, y, h, mi, sec = 0;

	if (!s.len)
		return -1; /* an empty field may have a NULL pointer: no arithmetic on it */
	p = s.ptr;
	end = s.ptr + s.len;

	if (digit2(&p, end, &mo, 2) || p >= end || *p++ != '/' || digit2(&p, end, &d, 2) || p >= end ||
	    *p++ != '/' || digit2(&p, end, &y, 4) || y < 1970 || p >= end || *p++ != ' ' ||
	    digit2(&p, end, &h, 2) || p >= end || *p++ != ':' || digit2(&p, end, &mi, 2))
		return -1;
	if (p < end && *p == ':') {
		p++;
		if (digit2(&p, end, &sec, 2))
			return -1;
	}
	while (p < end && *p == ' ')
		p++;
	if (end - p == 2 && (p[1] == 'M' || p[1] == 'm')) {
		if (h < 1 || h > 12)
			return -1;
		if (p[0] == 'A' || p[0] == 'a')
			h = h == 12 ? 0 : h;
		else if (p[0] == 'P' || p[0] == 'p')
			h = h == 12 ? 12 : h + 12;
		else
			return -1;
		p = end;
	}
	if (p != end || h > 23 || mi > 59 || sec > 60 || !ib_date_valid((int)y, mo, d))
		return -1;
	*out = ib_time_utc((int)y, mo, d, h, mi, sec, 0);
	return *out == IB_TIME_NONE ? -1 : 0;
}

static int any_date(struct ib_str s, struct ib_time_policy *utc, int64_t *out)
{
	struct ib_str t = ib_str_trim(s);

	if (!ib_ts_iso(&t, utc, out) && !t.len)
		return 0;
	return us_date(ib_str_trim(s), out);
}

/* ---- entra_csv ---- */

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

static const char *const cnames[C_N][4] = {
    [C_TIME] = {"dateutc", "createddatetime", "date", NULL},
    [C_USER] = {"username", "userprincipalname", NULL, NULL},
    [C_USER2] = {"user", NULL, NULL, NULL},
    [C_IP] = {"ipaddress", NULL, NULL, NULL},
    [C_STATUS] = {"status", NULL, NULL, NULL},
    [C_CODE] = {"signinerrorcode", "errorcode", "statuserrorcode", NULL},
    [C_REASON] = {"failurereason", "statusfailurereason", NULL, NULL},
    [C_APP] = {"clientapp", "clientappused", NULL, NULL},
    [C_RES] = {"resource", "resourcedisplayname", NULL, NULL},
    [C_APPNAME] = {"application", "appdisplayname", NULL, NULL},
    [C_SESS] = {"sessionid", NULL, NULL, NULL},
    [C_CORR] = {"correlationid", NULL, NULL, NULL},
};

struct cstate {
	int have_header;
	long col[C_N];
	long ncols;
	struct ib_time_policy utc;
	char *scratch;
	size_t scratch_cap;
};

static void *c_open(void)
{
	struct cstate *st = calloc(1, sizeof(*st));

	if (st)
		ib_time_policy_init(&st->utc, NULL, 0, 0);
	return st;
}

static void c_close(void *p)
{
	struct cstate *st = p;

	if (st)
		free(st->scratch);
	free(st);
}

static int header_line(struct ib_str line)
{
	if (line.len && line.ptr[0] == '"') {
		line.ptr++;
		line.len--;
	}
	/* rows start with a digit: one byte test before the literal compares */
	if (!line.len || (line.ptr[0] != 'D' && (line.ptr[0] | 0x20) != 'c'))
		return 0;
	return IB_SP_STARTS(line, "Date (UTC)") || IB_SP_CASESTARTS(line, "CreatedDateTime");
}

static int read_header(struct cstate *st, const struct ib_csv_field *f, long n)
{
	for (int c = 0; c < C_N; c++)
		st->col[c] = -1;
	for (long i = 0; i < n; i++) {
		char buf[64];
		struct ib_str k = ib_name_norm(ib_str_trim(f[i].raw), buf, sizeof(buf));

		for (int c = 0; c < C_N; c++)
			for (int a = 0; a < 4 && cnames[c][a]; a++)
				if (st->col[c] < 0 && ib_str_eq(k, ib_str_from(cnames[c][a])))
					st->col[c] = i;
	}
	st->ncols = n;
	st->have_header =
	    st->col[C_TIME] >= 0 && (st->col[C_USER] >= 0 || st->col[C_USER2] >= 0) && st->col[C_APP] >= 0;
	return st->have_header ? 0 : -1;
}

static struct ib_str cval(const struct cstate *st, const struct ib_csv_field *f, long n, int c, size_t *used)
{
	long k = st->col[c];

	if (k < 0 || k >= n)
		return IB_STR_NULL;
	return ib_str_trim(f[k].escaped ? ib_csv_value(&f[k], st->scratch, st->scratch_cap, used) : f[k].raw);
}

static int c_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	struct cstate *st = ctx->state;
	struct ib_csv_field f[E_MAXCOL];
	struct ib_str status, code, digits, user;
	uint64_t num = 0;
	size_t used = 0;
	long n;

	if (!st)
		return IB_ERR_INTERNAL;
	line = ib_sp_line_clean(line);
	if (!ib_str_trim(line).len)
		return IB_SKIP;
	if (memchr(line.ptr, '\0', line.len)) {
		ctx->reason = "NUL byte in line";
		return IB_BAD;
	}
	n = ib_csv_split(line, f, E_MAXCOL, &ctx->reason);
	if (n < 0)
		return IB_BAD;
	if (header_line(line)) {
		if (read_header(st, f, n)) {
			ctx->reason = "sign-in header without Date, Username or Client app column";
			return IB_BAD;
		}
		return IB_SKIP;
	}
	if (!st->have_header) {
		ctx->reason = "row before the sign-in header";
		return IB_BAD;
	}
	if (n < st->ncols) {
		ctx->reason = "fewer fields than the header";
		return IB_BAD;
	}
	if (line.len > st->scratch_cap) {
		size_t cap = st->scratch_cap ? st->scratch_cap : 4096;
		char *nb;

		if (line.len > E_SCRATCH_MAX) {
			ctx->reason = "line too long";
			return IB_BAD;
		}
		while (cap < line.len)
			cap *= 2;
		if (!(nb = realloc(st->scratch, cap)))
			return IB_ERR_NOMEM;
		st->scratch = nb;
		st->scratch_cap = cap;
	}
	if (!is_imap(cval(st, f, n, C_APP, &used)))
		return IB_SKIP;
	if (any_date(cval(st, f, n, C_TIME, &used), &st->utc, &ev->time_ms)) {
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
	ev->message = cval(st, f, n, C_REASON, &used);
	status = cval(st, f, n, C_STATUS, &used);
	code = cval(st, f, n, C_CODE, &used);
	digits = code;
	if (code.len && (ib_sp_u64(&digits, &num) || digits.len)) {
		ctx->reason = "bad sign-in error code";
		return IB_BAD;
	}
	outcome(code.len != 0, num, status, ev);
	ev->flags |= IB_EV_AUTH_HINT;
	return IB_OK;
}

static int c_probe(struct ib_str line)
{
	line = ib_sp_line_clean(line);
	if (header_line(line) && IB_SP_FIND(line, "Client app") >= 0)
		return 100;
	if (IB_SP_CASESTARTS(line, "CreatedDateTime,") && IB_SP_FIND(line, "ClientApp") >= 0)
		return 100;
	return 0;
}

const struct ib_parser ib_parser_entra_csv = {
    .name = "entra_csv",
    .description = "Entra ID sign-in export, portal CSV (IMAP rows)",
    .layer = IB_LAYER_SERVER,
    .protocol = IB_PROTO_IMAP, /* IMAP rows only */
    .probe = c_probe,
    .parse = c_parse,
    .open = c_open,
    .close = c_close,
};

/* ---- entra_json ---- */

struct jstate {
	struct ib_time_policy utc;
	char *buf, *dec; /* record text; decoded strings (same capacity) */
	size_t len, cap;
	struct ib_json_node *nodes;
	int capturing, too_large, in_str, esc;
	long depth, rec_depth;
	char key[8];
	size_t key_len, str_start;
	int key_track;
	struct ib_str rest; /* unread part of the current line (for drain) */
};

static void *j_open(void)
{
	struct jstate *st = calloc(1, sizeof(*st));

	if (st)
		ib_time_policy_init(&st->utc, NULL, 0, 0);
	return st;
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

static int jstr(const struct ib_json_doc *d, long node, char *dec, size_t cap, size_t *used,
		struct ib_str *out)
{
	*out = IB_STR_NULL;
	if (node < 0 || d->nodes[node].type == IB_JSON_NULL)
		return 0;
	return ib_json_string(d, node, dec, cap, used, out);
}

/* Parse the gathered record: IB_OK (IMAP), IB_SKIP (not IMAP), IB_BAD. */
static int j_record(struct ib_parse_ctx *ctx, struct jstate *st, struct ib_event *ev)
{
	struct ib_json_doc d;
	struct ib_str app, ts, status = IB_STR_NULL;
	size_t used = 0;
	long stn, codenode;
	int64_t code = 0;
	int have_code = 0;

	if (st->too_large) {
		ctx->reason = "object too large";
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
	if (jstr(&d, ib_json_get(&d, 0, "clientAppUsed"), st->dec, st->cap, &used, &app))
		goto bad_type;
	if (!is_imap(app))
		return IB_SKIP;
	if (jstr(&d, ib_json_get(&d, 0, "createdDateTime"), st->dec, st->cap, &used, &ts) ||
	    any_date(ts, &st->utc, &ev->time_ms)) {
		ctx->reason = "bad createdDateTime";
		return IB_BAD;
	}
	if (jstr(&d, ib_json_get(&d, 0, "userPrincipalName"), st->dec, st->cap, &used, &ev->user) ||
	    jstr(&d, ib_json_get(&d, 0, "ipAddress"), st->dec, st->cap, &used, &ev->ip) ||
	    jstr(&d, ib_json_get(&d, 0, "correlationId"), st->dec, st->cap, &used, &ev->session) ||
	    jstr(&d, ib_json_get(&d, 0, "resourceDisplayName"), st->dec, st->cap, &used, &ev->server))
		goto bad_type;
	if (!ev->server.len &&
	    jstr(&d, ib_json_get(&d, 0, "appDisplayName"), st->dec, st->cap, &used, &ev->server))
		goto bad_type;
	ev->ip = ib_str_trim(ev->ip);
	(void)ib_sp_addr(ev->ip, IB_SP_PORT_MAYBE, &ev->ip); /* else as written */
	stn = ib_json_get(&d, 0, "status");
	if (stn >= 0 && d.nodes[stn].type == IB_JSON_OBJECT) {
		codenode = ib_json_get(&d, stn, "errorCode");
		if (codenode >= 0 && d.nodes[codenode].type == IB_JSON_NUMBER) {
			if (ib_json_int(&d, codenode, &code) || code < 0) {
				ctx->reason = "bad status.errorCode";
				return IB_BAD;
			}
			have_code = 1;
		}
		if (jstr(&d, ib_json_get(&d, stn, "failureReason"), st->dec, st->cap, &used, &ev->message))
			goto bad_type;
	}
	if (!have_code)
		status = IB_STR_LIT("Failure");
	outcome(have_code, (uint64_t)code, status, ev);
	ev->flags |= IB_EV_AUTH_HINT;
	return IB_OK;
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
				if (st->key_track) {
					size_t kl = st->len - 1 - st->str_start;

					st->key_len = kl;
					if (kl <= sizeof(st->key))
						memcpy(st->key, st->buf + st->str_start, kl);
				}
			}
			continue;
		}
		switch (c) {
		case ' ':
		case '\t':
		case '\r':
		case '\n':
		case ',':
		case ':':
			break;
		case '"':
			st->in_str = 1;
			st->key_track =
			    st->capturing && st->rec_depth == 0 && st->depth == 1 && !st->too_large;
			st->str_start = st->len;
			break;
		case '{':
		case '[':
			if (st->capturing && st->rec_depth == 0 && st->depth == 1 && c == '[' &&
			    st->key_len == 5 && !memcmp(st->key, "value", 5)) {
				st->capturing = 0; /* {"value":[...]}: records are the array items */
				st->too_large = 0;
				st->len = 0;
				st->rec_depth = 2;
			} else if (!st->capturing && st->depth == 0 && c == '[') {
				st->rec_depth = 1;
			} else if (!st->capturing && st->depth == st->rec_depth && c == '{') {
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
	if (st->capturing && j_put(st, '\n'))
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
	if (eof && (st->capturing || st->depth)) {
		int was_capturing = st->capturing;

		j_reset(st);
		if (was_capturing) {
			ctx->reason = "JSON object not closed at end of file";
			return IB_BAD;
		}
	}
	return IB_EOF;
}

static int j_probe(struct ib_str line)
{
	line = ib_str_trim(ib_sp_line_clean(line));
	if (!line.len || (line.ptr[0] != '{' && line.ptr[0] != '[' && line.ptr[0] != '"'))
		return 0;
	if (IB_SP_FIND(line, "\"clientAppUsed\"") >= 0 || IB_SP_FIND(line, "\"userPrincipalName\"") >= 0)
		return 100;
	if (IB_SP_FIND(line, "\"createdDateTime\"") >= 0 || IB_SP_FIND(line, "auditLogs/signIns") >= 0)
		return 60;
	return 0;
}

const struct ib_parser ib_parser_entra_json = {
    .name = "entra_json",
    .description = "Entra ID sign-in export, Graph JSON (IMAP rows)",
    .layer = IB_LAYER_SERVER,
    .protocol = IB_PROTO_IMAP, /* IMAP rows only */
    .probe = j_probe,
    .parse = j_parse,
    .open = j_open,
    .close = j_close,
    .drain = j_drain,
};
