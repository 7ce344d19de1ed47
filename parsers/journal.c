/*
 * journal.c: the systemd journal as journalctl exports it, two envelope
 * parsers that hand MESSAGE to the syslog message parsers by
 * SYSLOG_IDENTIFIER, as the syslog envelope does (parsers/runtime.c).
 * - journal_json, `journalctl -o json`: one object per line, e.g.
 *   {"__REALTIME_TIMESTAMP":"1768380062123456","_HOSTNAME":"mx1","SYSLOG_IDENTIFIER":"dovecot",
 *    "_PID":"812","MESSAGE":"imap-login: Login: user=<bob>, rip=192.0.2.7, ..."}
 *   MESSAGE is an array of byte values when it is not UTF-8, an array of
 *   strings when the field repeats (the first is taken), null when too big.
 * - journal_export, `journalctl -o export`: KEY=VALUE lines, a record ends
 *   with an empty line; a binary field is its KEY alone on a line, then a
 *   64-bit little-endian length and the bytes (which may hold newlines).
 * Time: __REALTIME_TIMESTAMP (microseconds since the epoch, UTC). Program:
 * SYSLOG_IDENTIFIER, else _COMM; pid: SYSLOG_PID, else _PID; host:
 * _HOSTNAME. The message parsers see "program[pid]: MESSAGE" as in a
 * syslog file: hdr and msg point into this parser's state.
 */
#include <stdlib.h>
#include <string.h>
#include "imapblast/parser.h"
#include "json.h"
#include "strparse.h"

enum { F_MESSAGE, F_IDENT, F_COMM, F_HOST, F_TIME, F_SPID, F_PID, NF };

static const char *const fnames[NF] = {
    "MESSAGE", "SYSLOG_IDENTIFIER", "_COMM", "_HOSTNAME", "__REALTIME_TIMESTAMP", "SYSLOG_PID", "_PID"};

struct jbuf {
	char *p;
	size_t len, cap;
};

struct jstate {
	struct ib_json_node *nodes; /* journal_json */
	size_t ncap;
	struct jbuf scratch;
	struct jbuf f[NF]; /* journal_export: the record's fields so far */
	unsigned have;	   /* bit per field */
	unsigned nfields;  /* fields of the record, kept or not */
	int handed;	   /* the record went out: clear it on the next field */
	int bin;	   /* a binary field is being read: its index (NF: not kept), else -1 */
	struct jbuf bbuf;  /* its length and bytes so far */
	struct jbuf out;   /* "program[pid]: message" and the host */
};

static int grow(struct jbuf *b, size_t need)
{
	char *p;
	size_t cap = b->cap ? b->cap : 256;

	if (need <= b->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

static int put(struct jbuf *b, const void *data, size_t n)
{
	if (grow(b, b->len + n + 1) < 0)
		return -1;
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	return 0;
}

static void *j_open(void)
{
	struct jstate *st = calloc(1, sizeof(*st));

	if (st)
		st->bin = -1;
	return st;
}

static void j_close(void *state)
{
	struct jstate *st = state;

	if (!st)
		return;
	free(st->nodes);
	free(st->scratch.p);
	for (int i = 0; i < NF; i++)
		free(st->f[i].p);
	free(st->bbuf.p);
	free(st->out.p);
	free(st);
}

static int digits(struct ib_str s)
{
	if (!s.len)
		return 0;
	for (size_t i = 0; i < s.len; i++)
		if (!ib_sp_isdigit(s.ptr[i]))
			return 0;
	return 1;
}

/*
 * The record's fields (empty slices when absent) to hdr and msg, built in
 * st->out. IB_OK, IB_SKIP (no message: not a log line), IB_BAD (no time),
 * or IB_ERR_NOMEM.
 */
static int emit(struct jstate *st, const struct ib_str *v, struct ib_syslog_hdr *hdr, struct ib_str *msg,
		const char **reason)
{
	struct ib_str prog = v[F_IDENT].len ? v[F_IDENT] : v[F_COMM];
	struct ib_str pid = digits(v[F_SPID]) ? v[F_SPID] : v[F_PID];
	struct ib_str t = v[F_TIME];
	uint64_t us;
	size_t tag_len, host_at;

	if (!v[F_MESSAGE].ptr)
		return IB_SKIP;
	if (ib_sp_u64(&t, &us) < 0 || t.len || us / 1000 > (uint64_t)INT64_MAX) {
		*reason = "no __REALTIME_TIMESTAMP";
		return IB_BAD;
	}
	if (!digits(pid))
		pid = IB_STR_NULL;
	st->out.len = 0;
	if (put(&st->out, prog.ptr, prog.len) < 0 ||
	    (pid.len &&
	     (put(&st->out, "[", 1) < 0 || put(&st->out, pid.ptr, pid.len) < 0 || put(&st->out, "]", 1) < 0)))
		return IB_ERR_NOMEM;
	tag_len = st->out.len;
	if (put(&st->out, ": ", 2) < 0 || put(&st->out, v[F_MESSAGE].ptr, v[F_MESSAGE].len) < 0)
		return IB_ERR_NOMEM;
	host_at = st->out.len;
	if (put(&st->out, v[F_HOST].ptr, v[F_HOST].len) < 0)
		return IB_ERR_NOMEM;
	hdr->time_ms = (int64_t)(us / 1000);
	hdr->tag = (struct ib_str){st->out.p, tag_len};
	hdr->program = (struct ib_str){st->out.p, prog.len};
	hdr->host = (struct ib_str){st->out.p + host_at, v[F_HOST].len};
	*msg = (struct ib_str){st->out.p + tag_len + 2, v[F_MESSAGE].len};
	return IB_OK;
}

/* ------------------------------------------------------------ -o json */

/* MESSAGE's value: a string, an array of byte values, or an array of strings (the first). */
static int json_message(struct jstate *st, const struct ib_json_doc *d, long i, struct ib_str *out)
{
	const struct ib_json_node *n = &d->nodes[i];
	long c;

	if (n->type == IB_JSON_STRING)
		return ib_json_string(d, i, st->scratch.p, st->scratch.cap, &st->scratch.len, out);
	if (n->type != IB_JSON_ARRAY || n->child < 0)
		return -1;
	if (d->nodes[n->child].type == IB_JSON_STRING)
		return ib_json_string(d, n->child, st->scratch.p, st->scratch.cap, &st->scratch.len, out);
	out->ptr = st->scratch.p + st->scratch.len;
	for (c = n->child; c >= 0; c = d->nodes[c].next) {
		int64_t b;

		if (ib_json_int(d, c, &b) < 0 || b < 0 || b > 255 || st->scratch.len >= st->scratch.cap)
			return -1;
		st->scratch.p[st->scratch.len++] = (char)b;
	}
	out->len = (size_t)(st->scratch.p + st->scratch.len - out->ptr);
	return 0;
}

static int json_envelope(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_syslog_hdr *hdr,
			 struct ib_str *msg)
{
	struct jstate *st = ctx->state;
	struct ib_json_doc d;
	struct ib_str v[NF];
	size_t need = line.len / 2 + 16;

	memset(v, 0, sizeof(v));
	if (!line.ptr)
		return IB_SKIP; /* end of file: nothing pending */
	line = ib_str_trim(line);
	if (!line.len)
		return IB_SKIP;
	if (need > st->ncap) {
		struct ib_json_node *nn = realloc(st->nodes, need * sizeof(*nn));

		if (!nn)
			return IB_ERR_NOMEM;
		st->nodes = nn;
		st->ncap = need;
	}
	st->scratch.len = 0;
	if (grow(&st->scratch, line.len + 16) < 0)
		return IB_ERR_NOMEM;
	if (ib_json_parse(&d, line.ptr, line.len, st->nodes, st->ncap) < 0 ||
	    st->nodes[0].type != IB_JSON_OBJECT) {
		ctx->reason = "not a journal JSON object";
		return IB_BAD;
	}
	for (int f = 0; f < NF; f++) {
		long i = ib_json_get(&d, 0, fnames[f]);

		if (i < 0 || d.nodes[i].type == IB_JSON_NULL)
			continue;
		if (f == F_MESSAGE ? json_message(st, &d, i, &v[f]) < 0
				   : ib_json_string(&d, i, st->scratch.p, st->scratch.cap, &st->scratch.len,
						    &v[f]) < 0) {
			ctx->reason = "bad journal field value";
			return IB_BAD;
		}
	}
	return emit(st, v, hdr, msg, &ctx->reason);
}

static int json_probe(struct ib_str line)
{
	if (!line.len || line.ptr[0] != '{')
		return 0;
	if (IB_SP_FIND(line, "\"__REALTIME_TIMESTAMP\"") > 0 &&
	    (IB_SP_FIND(line, "\"MESSAGE\"") > 0 || IB_SP_FIND(line, "\"__CURSOR\"") > 0))
		return 100;
	return 0;
}

const struct ib_parser ib_parser_journal_json = {
    .name = "journal_json",
    .description = "systemd journal, journalctl -o json (MESSAGE by SYSLOG_IDENTIFIER)",
    .layer = IB_LAYER_SERVER,
    .probe = json_probe,
    .envelope = json_envelope,
    .open = j_open,
    .close = j_close,
};

/* ---------------------------------------------------------- -o export */

static int field_index(struct ib_str key)
{
	for (int f = 0; f < NF; f++)
		if (ib_str_eq(key, ib_str_from(fnames[f])))
			return f;
	return NF;
}

/* A journal field name: [A-Z0-9_], not starting with a digit. */
static int field_name(struct ib_str k)
{
	if (!k.len || k.len > 64 || ib_sp_isdigit(k.ptr[0]))
		return 0;
	for (size_t i = 0; i < k.len; i++)
		if (!((k.ptr[i] >= 'A' && k.ptr[i] <= 'Z') || ib_sp_isdigit(k.ptr[i]) || k.ptr[i] == '_'))
			return 0;
	return 1;
}

static void record_clear(struct jstate *st)
{
	for (int f = 0; f < NF; f++)
		st->f[f].len = 0;
	st->have = 0;
	st->nfields = 0;
	st->handed = 0;
}

static int keep(struct jstate *st, int f, const char *p, size_t n)
{
	st->nfields++;
	if (f == NF)
		return 0;
	st->f[f].len = 0;
	st->have |= 1u << f;
	return put(&st->f[f], p, n);
}

/* The record so far to hdr and msg (an empty line, or the end of the file). */
static int record_end(struct ib_parse_ctx *ctx, struct jstate *st, struct ib_syslog_hdr *hdr,
		      struct ib_str *msg)
{
	struct ib_str v[NF];

	if (st->bin >= 0) {
		st->bin = -1;
		record_clear(st);
		ctx->reason = "journal export: binary field cut short";
		return IB_BAD;
	}
	if (st->handed || !st->nfields)
		return IB_SKIP; /* blank lines between records */
	for (int f = 0; f < NF; f++)
		v[f] = (st->have & (1u << f)) ? (struct ib_str){st->f[f].p ? st->f[f].p : "", st->f[f].len}
					      : IB_STR_NULL;
	st->handed = 1;
	return emit(st, v, hdr, msg, &ctx->reason);
}

/*
 * A line of a binary field: its 8-byte length and data, split by the
 * reader at newlines that the data (or the length) holds.
 */
static int binary_part(struct ib_parse_ctx *ctx, struct jstate *st, struct ib_str line)
{
	uint64_t n = 0;

	if (st->bbuf.len && put(&st->bbuf, "\n", 1) < 0)
		return IB_ERR_NOMEM;
	if (put(&st->bbuf, line.ptr, line.len) < 0)
		return IB_ERR_NOMEM;
	if (st->bbuf.len < 8)
		return IB_SKIP;
	for (int i = 7; i >= 0; i--)
		n = n << 8 | (unsigned char)st->bbuf.p[i];
	if (st->bbuf.len - 8 < n)
		return IB_SKIP;
	if (st->bbuf.len - 8 > n) {
		st->bin = -1;
		ctx->reason = "journal export: binary field longer than its length";
		return IB_BAD;
	}
	if (keep(st, st->bin, st->bbuf.p + 8, (size_t)n) < 0)
		return IB_ERR_NOMEM;
	st->bin = -1;
	return IB_SKIP;
}

static int export_envelope(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_syslog_hdr *hdr,
			   struct ib_str *msg)
{
	struct jstate *st = ctx->state;
	long eq;

	if (!line.ptr)
		return record_end(ctx, st, hdr, msg);
	if (st->bin >= 0)
		return binary_part(ctx, st, line);
	if (!line.len)
		return record_end(ctx, st, hdr, msg);
	if (st->handed)
		record_clear(st);
	eq = ib_sp_chr(line, '=');
	if (eq < 0) {
		if (!field_name(line)) {
			ctx->reason = "journal export: not a field";
			return IB_BAD;
		}
		st->bin = field_index(line);
		st->bbuf.len = 0;
		return IB_SKIP;
	}
	if (!field_name(ib_sp_sub(line, 0, (size_t)eq))) {
		ctx->reason = "journal export: bad field name";
		return IB_BAD;
	}
	if (keep(st, field_index(ib_sp_sub(line, 0, (size_t)eq)), line.ptr + eq + 1,
		 line.len - (size_t)eq - 1) < 0)
		return IB_ERR_NOMEM;
	return IB_SKIP;
}

static int export_probe(struct ib_str line)
{
	long eq = ib_sp_chr(line, '=');
	struct ib_str k;

	if (eq <= 0 || !field_name(k = ib_sp_sub(line, 0, (size_t)eq)))
		return 0;
	if (IB_SP_STARTS(k, "__") || field_index(k) < NF || ib_str_eq(k, ib_str_from("_BOOT_ID")) ||
	    ib_str_eq(k, ib_str_from("PRIORITY")) || ib_str_eq(k, ib_str_from("_TRANSPORT")))
		return 90;
	return 40;
}

const struct ib_parser ib_parser_journal_export = {
    .name = "journal_export",
    .description = "systemd journal, journalctl -o export (MESSAGE by SYSLOG_IDENTIFIER)",
    .layer = IB_LAYER_SERVER,
    .probe = export_probe,
    .envelope = export_envelope,
    .open = j_open,
    .close = j_close,
};
