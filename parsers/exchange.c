/*
 * exchange.c: Exchange IMAP4 protocol log, front end and back end (CSV;
 * columns named by "#Fields:", re-read whenever it appears). The context's
 * ErrMsg decides the category of a failure (fail_outcome); a front end's
 * "Msg=Proxy:<server>" names the mailbox server. 2013+ layout, one line per command:
 *   2025-11-03T01:00:00.008Z,0000000000000A1B,3,10.1.1.5:993,203.0.113.7:51000,bob@ex.com,15,40,30,login,bob@ex.com
 * *****,"R=""a2 NO LOGIN failed.""", 2010 layout
 * (date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context):
 * '<' client command, '>' response, '+' connect, '-' disconnect.
 * ev->message is the response text (R=... of context, or the '>' data). A LOGIN/AUTHENTICATE OK
 * is held per session until the session's next response: "BAD User is authenticated but not
 * connected." turns it into a credentials failure (exchange-not-connected); anything else,
 * a disconnect, eviction (4096 sessions) or end of file (drain) emits it as a success.
 * POP3 protocol logs (Exchange 2013+, same columns) read the same way: commands pass/apop
 * and auth, responses "+OK" / "-ERR" (RFC 3206 codes [SYS/TEMP], [IN-USE]); the protocol
 * comes from "#Log-type:", else the local port, else the command, e.g.
 *   2022-07-20T21:23:48.514Z,0000000000000005,1,192.168.9.241:110,192.168.9.212:55576,testuser,
 *   193,21,69,auth, PLAIN,"R=""-ERR Authentication failure: unknown user name or bad password.""",
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "imapblast/parser.h"
#include "strparse.h"
#include "csvutil.h"

#define X_MAXCOL 64
#define X_SESSIONS 4096
#define X_BUCKETS 8192
#define X_READY 64
#define X_SCRATCH_MAX (16u << 20)

enum {
	COL_TIME,
	COL_SESSION,
	COL_LOCAL,
	COL_REMOTE,
	COL_USER,
	COL_EVENT,
	COL_DATA,
	COL_COMMAND,
	COL_PARAMS,
	COL_CONTEXT,
	COL_SERVER,
	COL_N
};

enum { S_FREE, S_CMD, S_PENDING };

struct xrec {
	char sid[80], user[256], ip[64], server[128], tag[32], msg[160];
	size_t sid_len, user_len, ip_len, server_len, tag_len, msg_len;
	int64_t time_ms;
	uint64_t lineno; /* the line that logged it: a success's evidence */
	int state, auth; /* auth: 1 LOGIN, 2 AUTHENTICATE or AUTH, 3 POP3 PASS/APOP */
	enum ib_proto proto;
	enum ib_category cat;
	const char *sig;
	long hnext, older, newer;
};

struct xstate {
	int have_fields, layout2010;
	enum ib_proto logtype; /* from "#Log-type:", IB_PROTO_NONE when not said */
	long col[COL_N];
	struct ib_time_policy utc;
	char *scratch;
	size_t scratch_cap;
	struct xrec *sess; /* X_SESSIONS */
	long bucket[X_BUCKETS];
	long free_head, oldest, newest;
	size_t live;
	struct xrec ready[X_READY];
	size_t ready_head, ready_n;
	uint64_t dropped;
	struct xrec out;     /* the record an emitted event points into */
	uint64_t out_lineno; /* a success emitted late: the line that logged it, else 0 */
};

static void copy_into(char *dst, size_t cap, size_t *dlen, struct ib_str s)
{
	size_t n = s.len < cap ? s.len : cap;

	if (n)
		memcpy(dst, s.ptr, n);
	*dlen = n;
}

/* Bucket hash of a session id (16 hex digits in practice): a word at a time, then mixed. */
static uint64_t hash(struct ib_str s)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ s.len;
	size_t i = 0;

	for (; i + 8 <= s.len; i += 8) {
		uint64_t w;

		memcpy(&w, s.ptr + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	for (; i < s.len; i++)
		h = (h ^ (unsigned char)s.ptr[i]) * 1099511628211ull;
	h ^= h >> 29;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 32);
}

static void *x_open(void)
{
	struct xstate *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->sess = calloc(X_SESSIONS, sizeof(*st->sess));
	if (!st->sess) {
		free(st);
		return NULL;
	}
	ib_time_policy_init(&st->utc, NULL, 0, 0);
	for (size_t i = 0; i < X_BUCKETS; i++)
		st->bucket[i] = -1;
	for (long i = 0; i < X_SESSIONS; i++)
		st->sess[i].hnext = i + 1 < X_SESSIONS ? i + 1 : -1;
	st->free_head = 0;
	st->oldest = st->newest = -1;
	for (size_t i = 0; i < COL_N; i++)
		st->col[i] = -1;
	return st;
}

static void x_close(void *p)
{
	struct xstate *st = p;

	if (!st)
		return;
	free(st->sess);
	free(st->scratch);
	free(st);
}

static struct ib_str rec_sid(const struct xrec *r)
{
	return (struct ib_str){r->sid, r->sid_len};
}

static long sess_find(struct xstate *st, struct ib_str sid)
{
	long i;

	if (sid.len > sizeof(st->sess[0].sid))
		sid.len = sizeof(st->sess[0].sid);
	for (i = st->bucket[hash(sid) % X_BUCKETS]; i >= 0; i = st->sess[i].hnext)
		if (ib_str_eq(rec_sid(&st->sess[i]), sid))
			return i;
	return -1;
}

static void ready_push(struct xstate *st, const struct xrec *r, enum ib_category cat, const char *sig)
{
	struct xrec *d;

	if (st->ready_n == X_READY) { /* only on hostile input: drop the oldest */
		st->ready_head = (st->ready_head + 1) % X_READY;
		st->ready_n--;
		st->dropped++;
	}
	d = &st->ready[(st->ready_head + st->ready_n) % X_READY];
	*d = *r;
	d->cat = cat;
	d->sig = sig;
	st->ready_n++;
}

static void sess_remove(struct xstate *st, long i)
{
	struct xrec *r = &st->sess[i];
	long *pp = &st->bucket[hash(rec_sid(r)) % X_BUCKETS];

	while (*pp != i)
		pp = &st->sess[*pp].hnext;
	*pp = r->hnext;
	if (r->older >= 0)
		st->sess[r->older].newer = r->newer;
	else
		st->oldest = r->newer;
	if (r->newer >= 0)
		st->sess[r->newer].older = r->older;
	else
		st->newest = r->older;
	r->state = S_FREE;
	r->hnext = st->free_head;
	st->free_head = i;
	st->live--;
}

static const char *ok_sig(int auth)
{
	return auth == 2   ? "exchange-authenticate-ok"
	       : auth == 3 ? "exchange-pop3-pass-ok"
			   : "exchange-login-ok";
}

static long sess_add(struct xstate *st, struct ib_str sid)
{
	long i;
	struct xrec *r;
	uint64_t b;

	if (st->free_head < 0) {
		struct xrec *old = &st->sess[st->oldest];

		if (old->state == S_PENDING)
			ready_push(st, old, IB_CAT_OK, ok_sig(old->auth));
		sess_remove(st, st->oldest);
	}
	i = st->free_head;
	r = &st->sess[i];
	st->free_head = r->hnext;
	memset(r, 0, sizeof(*r));
	copy_into(r->sid, sizeof(r->sid), &r->sid_len, sid);
	b = hash(rec_sid(r)) % X_BUCKETS;
	r->hnext = st->bucket[b];
	st->bucket[b] = i;
	r->older = st->newest;
	r->newer = -1;
	if (st->newest >= 0)
		st->sess[st->newest].newer = i;
	else
		st->oldest = i;
	st->newest = i;
	st->live++;
	return i;
}

static void emit_rec(struct xstate *st, const struct xrec *r, struct ib_event *ev)
{
	st->out = *r;
	ev->time_ms = st->out.time_ms;
	ev->user = (struct ib_str){st->out.user, st->out.user_len};
	ev->ip = (struct ib_str){st->out.ip, st->out.ip_len};
	ev->server = (struct ib_str){st->out.server, st->out.server_len};
	ev->session = (struct ib_str){st->out.sid, st->out.sid_len};
	ev->message = (struct ib_str){st->out.msg, st->out.msg_len};
	ev->outcome = st->out.cat;
	ev->signature = st->out.sig;
	ev->protocol = st->out.proto;
	ev->flags |= IB_EV_AUTH_HINT;
	st->out_lineno = st->out.cat == IB_CAT_OK ? st->out.lineno : 0;
}

static int pop_ready(struct xstate *st, struct ib_event *ev)
{
	if (!st->ready_n)
		return IB_SKIP;
	emit_rec(st, &st->ready[st->ready_head], ev);
	st->ready_head = (st->ready_head + 1) % X_READY;
	st->ready_n--;
	return IB_OK;
}

static int x_drain(struct ib_parse_ctx *ctx, int eof, struct ib_event *ev)
{
	struct xstate *st = ctx->state;

	if (!st)
		return IB_EOF;
	if (eof) {
		while (st->oldest >= 0) { /* logins whose session never spoke again */
			long i = st->oldest;

			if (st->sess[i].state == S_PENDING)
				ready_push(st, &st->sess[i], IB_CAT_OK, ok_sig(st->sess[i].auth));
			sess_remove(st, i);
			if (st->ready_n == X_READY)
				break;
		}
	}
	st->out_lineno = 0;
	if (pop_ready(st, ev) != IB_OK)
		return IB_EOF;
	if (st->out_lineno)
		ctx->lineno = st->out_lineno;
	return IB_OK;
}

static void read_fields(struct xstate *st, struct ib_str names)
{
	struct ib_csv_field f[X_MAXCOL];
	const char *why;
	long n;

	for (size_t i = 0; i < COL_N; i++)
		st->col[i] = -1;
	st->have_fields = 0;
	n = ib_csv_split(ib_str_trim(names), f, X_MAXCOL, &why);
	for (long i = 0; i < n; i++) {
		char buf[64];
		struct ib_str k = ib_name_norm(f[i].raw, buf, sizeof(buf));
		long c = -1;

		if (IB_SP_EQ(k, "datetime"))
			c = COL_TIME;
		else if (IB_SP_EQ(k, "sessionid"))
			c = COL_SESSION;
		else if (IB_SP_EQ(k, "localendpoint") || IB_SP_EQ(k, "sip"))
			c = COL_LOCAL;
		else if (IB_SP_EQ(k, "remoteendpoint") || IB_SP_EQ(k, "cip"))
			c = COL_REMOTE;
		else if (IB_SP_EQ(k, "user"))
			c = COL_USER;
		else if (IB_SP_EQ(k, "event"))
			c = COL_EVENT;
		else if (IB_SP_EQ(k, "data"))
			c = COL_DATA;
		else if (IB_SP_EQ(k, "command"))
			c = COL_COMMAND;
		else if (IB_SP_EQ(k, "parameters"))
			c = COL_PARAMS;
		else if (IB_SP_EQ(k, "context"))
			c = COL_CONTEXT;
		else if (IB_SP_EQ(k, "servername") || IB_SP_EQ(k, "scomputername") ||
			 IB_SP_EQ(k, "computername") || IB_SP_EQ(k, "server"))
			c = COL_SERVER;
		if (c >= 0 && st->col[c] < 0)
			st->col[c] = i;
	}
	st->layout2010 = st->col[COL_EVENT] >= 0 && st->col[COL_DATA] >= 0;
	st->have_fields = st->col[COL_TIME] >= 0 && st->col[COL_SESSION] >= 0 &&
			  (st->layout2010 || st->col[COL_COMMAND] >= 0);
}

/* Columns when a file starts without "#Fields:" (a cut log), by field count. */
static int default_fields(struct xstate *st, long n)
{
	static const char l2010[] = "date-time,connector-id,session-id,sequence-number,local-endpoint,remote-"
				    "endpoint,event,data,context";
	static const char l2013[] = "dateTime,sessionId,seqNumber,sIp,cIp,user,duration,rqsize,rpsize,"
				    "command,parameters,context,puid";

	if (n == 9)
		read_fields(st, IB_STR_LIT(l2010));
	else if (n == 12 || n == 13)
		read_fields(st, IB_STR_LIT(l2013));
	return st->have_fields ? 0 : -1;
}

/* Next space-separated token of *s. */
static struct ib_str token(struct ib_str *s)
{
	struct ib_str t;

	*s = ib_str_trim(*s);
	t = ib_sp_token(*s);
	*s = ib_sp_from(*s, t.len); /* an empty field has ptr NULL: ib_sp_from keeps it */
	return t;
}

/* IMAP OK/NO/BAD, POP3 +OK/-ERR */
static int is_status(struct ib_str t)
{
	return IB_SP_CASEEQ(t, "ok") || IB_SP_CASEEQ(t, "no") || IB_SP_CASEEQ(t, "bad") ||
	       IB_SP_CASEEQ(t, "+ok") || IB_SP_CASEEQ(t, "-err");
}

static int is_ok(struct ib_str status)
{
	return IB_SP_CASEEQ(status, "ok") || IB_SP_CASEEQ(status, "+ok");
}

/* Split a response "a2 NO LOGIN failed." / "NO ..." / "ok": tag, status, rest. 0 or -1. */
static int split_resp(struct ib_str r, struct ib_str *tag, struct ib_str *status, struct ib_str *rest)
{
	struct ib_str s = r, t1 = token(&s), t2;

	*tag = IB_STR_NULL;
	if (is_status(t1)) {
		*status = t1;
		*rest = ib_str_trim(s);
		return 0;
	}
	t2 = token(&s);
	if (!is_status(t2))
		return -1;
	*tag = t1;
	*status = t2;
	*rest = ib_str_trim(s);
	return 0;
}

/* The R= value of a 2013 context ("R=\"a2 NO LOGIN failed.\";Msg=..." or "R=ok"). */
static struct ib_str context_resp(struct ib_str c)
{
	for (size_t i = 0; i + 1 < c.len; i++) {
		if (c.ptr[i] != 'R' || c.ptr[i + 1] != '=' ||
		    (i && c.ptr[i - 1] != ';' && c.ptr[i - 1] != ' '))
			continue;
		i += 2;
		if (i < c.len && c.ptr[i] == '"') {
			const char *q = memchr(c.ptr + i + 1, '"', c.len - i - 1);
			size_t e = q ? (size_t)(q - c.ptr) : c.len;

			return (struct ib_str){c.ptr + i + 1, e - i - 1};
		} else {
			const char *q = memchr(c.ptr + i, ';', c.len - i);
			size_t e = q ? (size_t)(q - c.ptr) : c.len;

			return ib_str_trim((struct ib_str){c.ptr + i, e - i});
		}
	}
	return IB_STR_NULL;
}

static int not_connected(struct ib_str s)
{
	return IB_SP_FIND_AT(s, "authenticated but not connected", 14) >= 0; /* 'b' */
}

/*
 * Outcome of an auth response with status NO, BAD or -ERR. The context's
 * Msg= and ErrMsg= say why on 2013+ (front end: the proxy to the mailbox
 * server failed, a service-side fault; back end: the account or the
 * password): ProxyTimeout, NoProxyConnection, ProxyNotAuthenticated are
 * temporary, UserDisabled and BasicAuthBlocked policy; LogonDenied is
 * credentials, as the response's wording already says.
 */
static void fail_outcome(struct ib_str status, struct ib_str text, struct ib_str context, int auth,
			 enum ib_category *cat, const char **sig)
{
	if (IB_SP_FIND(context, "ProxyTimeout") >= 0) {
		*cat = IB_CAT_TEMPORARY;
		*sig = "exchange-proxy-timeout";
	} else if (IB_SP_FIND(context, "NoProxyConnection") >= 0) {
		*cat = IB_CAT_TEMPORARY;
		*sig = "exchange-no-proxy-connection";
	} else if (IB_SP_FIND(context, "ProxyNotAuthenticated") >= 0) {
		*cat = IB_CAT_TEMPORARY;
		*sig = "exchange-proxy-not-authenticated";
	} else if (IB_SP_FIND(context, "UserDisabled") >= 0) {
		*cat = IB_CAT_POLICY;
		*sig = "exchange-user-disabled";
	} else if (IB_SP_FIND(context, "BasicAuthBlocked") >= 0) {
		*cat = IB_CAT_POLICY;
		*sig = "exchange-basic-auth-blocked";
	} else if (IB_SP_FIND(text, "[UNAVAILABLE]") >= 0) {
		*cat = IB_CAT_TEMPORARY;
		*sig = "exchange-unavailable";
	} else if (IB_SP_FIND(text, "[SERVERBUG]") >= 0) {
		*cat = IB_CAT_TEMPORARY;
		*sig = "exchange-serverbug";
	} else if (IB_SP_FIND(text, "[SYS/TEMP]") >= 0 || IB_SP_FIND(text, "[IN-USE]") >= 0 ||
		   IB_SP_FIND(text, "[SYS/PERM]") >= 0) {
		*cat = IB_CAT_TEMPORARY; /* POP3 response codes, RFC 3206 */
		*sig = "exchange-pop3-sys";
	} else if (IB_SP_FIND(text, "Account is blocked") >= 0) {
		*cat = IB_CAT_POLICY;
		*sig = "exchange-account-blocked";
	} else if (IB_SP_CASEEQ(status, "bad")) {
		*cat = IB_CAT_OTHER;
		*sig = "exchange-login-bad";
	} else if (auth == 3) {
		*cat = IB_CAT_CREDENTIALS;
		*sig = "exchange-pop3-pass-failed";
	} else if (auth == 2 || IB_SP_FIND(text, "AUTHENTICATE failed") >= 0) {
		*cat = IB_CAT_CREDENTIALS;
		*sig = "exchange-authenticate-failed";
	} else {
		*cat = IB_CAT_CREDENTIALS;
		*sig = "exchange-login-failed";
	}
}

static int auth_kind(struct ib_str cmd)
{
	if (IB_SP_CASEEQ(cmd, "login"))
		return 1;
	if (IB_SP_CASEEQ(cmd, "authenticate") || IB_SP_CASEEQ(cmd, "auth"))
		return 2;
	if (IB_SP_CASEEQ(cmd, "pass") || IB_SP_CASEEQ(cmd, "apop"))
		return 3;
	return 0;
}

/* User from LOGIN arguments ("bob@ex.com *****" or "\"bob\" secret"): first token only. */
static struct ib_str login_user(struct ib_str args)
{
	args = ib_str_trim(args);
	if (args.len && args.ptr[0] == '"') {
		const char *q = memchr(args.ptr + 1, '"', args.len - 1);

		if (!q)
			return IB_STR_NULL;
		return (struct ib_str){args.ptr + 1, (size_t)(q - args.ptr - 1)};
	}
	return token(&args);
}

struct xline {
	int64_t time_ms;
	uint64_t lineno;
	struct ib_str sid, user, ip, server;
	enum ib_proto proto;
};

/* Resolve a held OK login of session i by the response resp of a later command. */
static int resolve(struct xstate *st, long i, struct ib_str resp, int line_has_event, struct ib_event *ev)
{
	struct xrec *r = &st->sess[i];
	int rc = IB_SKIP;

	if (not_connected(resp)) {
		copy_into(r->msg, sizeof(r->msg), &r->msg_len, resp);
		if (line_has_event) {
			ready_push(st, r, IB_CAT_CREDENTIALS, "exchange-not-connected");
		} else {
			r->cat = IB_CAT_CREDENTIALS;
			r->sig = "exchange-not-connected";
			emit_rec(st, r, ev);
			rc = IB_OK;
		}
	} else {
		ready_push(st, r, IB_CAT_OK, ok_sig(r->auth));
	}
	sess_remove(st, i);
	return rc;
}

static void fill_rec(struct xrec *r, const struct xline *x, struct ib_str user, struct ib_str msg)
{
	r->time_ms = x->time_ms;
	r->lineno = x->lineno;
	copy_into(r->user, sizeof(r->user), &r->user_len, user);
	copy_into(r->ip, sizeof(r->ip), &r->ip_len, x->ip);
	copy_into(r->server, sizeof(r->server), &r->server_len, x->server);
	copy_into(r->msg, sizeof(r->msg), &r->msg_len, msg);
	r->proto = x->proto;
}

static void fill_ev(struct ib_event *ev, const struct xline *x, struct ib_str user, struct ib_str msg,
		    enum ib_category cat, const char *sig)
{
	ev->time_ms = x->time_ms;
	ev->session = x->sid;
	ev->ip = x->ip;
	ev->server = x->server;
	ev->user = user;
	ev->message = msg;
	ev->outcome = cat;
	ev->signature = sig;
	ev->protocol = x->proto;
	ev->flags |= IB_EV_AUTH_HINT;
}

static int line_2013(struct xstate *st, const struct xline *x, struct ib_str cmd, struct ib_str params,
		     struct ib_str context, struct ib_event *ev)
{
	struct ib_str resp = context_resp(context), tag, status, rest, user;
	long i = sess_find(st, x->sid);
	int auth = auth_kind(cmd), rc = IB_SKIP;

	if (!resp.len && (not_connected(context) || split_resp(context, &tag, &status, &rest) == 0))
		resp = context;
	if (i >= 0 && (resp.len || cmd.len))
		rc = resolve(st, i, resp.len ? resp : context, auth != 0, ev);
	if (!auth || !resp.len || split_resp(resp, &tag, &status, &rest))
		return rc;
	user = x->user.len ? x->user : (auth == 1 ? login_user(params) : IB_STR_NULL);
	if (is_ok(status)) {
		i = sess_add(st, x->sid);
		st->sess[i].state = S_PENDING;
		st->sess[i].auth = auth;
		fill_rec(&st->sess[i], x, user, resp);
		return rc;
	}
	if (rc == IB_OK) /* the line also resolved an earlier login: keep that one, queue this one */
		return rc;
	{
		enum ib_category cat;
		const char *sig;

		fail_outcome(status, rest, context, auth, &cat, &sig);
		fill_ev(ev, x, user, resp, cat, sig);
	}
	return IB_OK;
}

static int line_2010(struct xstate *st, const struct xline *x, struct ib_str evc, struct ib_str data,
		     struct ib_event *ev)
{
	long i = sess_find(st, x->sid);
	struct ib_str tag, status, rest;

	evc = ib_str_trim(evc);
	if (evc.len != 1)
		return IB_SKIP;
	switch (evc.ptr[0]) {
	case '-':
		if (i >= 0) {
			if (st->sess[i].state == S_PENDING)
				ready_push(st, &st->sess[i], IB_CAT_OK, ok_sig(st->sess[i].auth));
			sess_remove(st, i);
		}
		return IB_SKIP;
	case '<': {
		struct ib_str s = data, t = token(&s), c = token(&s);
		int auth = auth_kind(c);

		if (!t.len || !auth || (i >= 0 && st->sess[i].state == S_PENDING))
			return IB_SKIP;
		if (i < 0)
			i = sess_add(st, x->sid);
		st->sess[i].state = S_CMD;
		st->sess[i].auth = auth;
		fill_rec(&st->sess[i], x, x->user.len ? x->user : (auth == 1 ? login_user(s) : IB_STR_NULL),
			 IB_STR_NULL);
		copy_into(st->sess[i].tag, sizeof(st->sess[i].tag), &st->sess[i].tag_len, t);
		return IB_SKIP;
	}
	case '>':
		break;
	default:
		return IB_SKIP;
	}
	data = ib_str_trim(data);
	if (!data.len || data.ptr[0] == '*' || data.ptr[0] == '+')
		return IB_SKIP; /* untagged or continuation */
	if (split_resp(data, &tag, &status, &rest))
		return IB_SKIP;
	if (i >= 0 && st->sess[i].state == S_PENDING)
		return resolve(st, i, data, 0, ev);
	{
		struct ib_str s = rest;
		int auth = auth_kind(token(&s));
		struct xrec *r = i >= 0 ? &st->sess[i] : NULL;
		struct ib_str user = x->user;
		enum ib_category cat;
		const char *sig;

		if (r && ib_str_eq(tag, (struct ib_str){r->tag, r->tag_len}))
			auth = r->auth;
		else if (!auth)
			return IB_SKIP;
		else
			r = NULL; /* a login response without its command (cut log) */
		if (is_ok(status)) {
			if (!r) {
				i = sess_add(st, x->sid);
				r = &st->sess[i];
				fill_rec(r, x, user, data);
			}
			r->state = S_PENDING;
			r->auth = auth;
			r->time_ms = x->time_ms;
			copy_into(r->msg, sizeof(r->msg), &r->msg_len, data);
			return IB_SKIP;
		}
		fail_outcome(status, rest, IB_STR_NULL, auth, &cat, &sig);
		if (!r) {
			fill_ev(ev, x, user, data, cat, sig);
			return IB_OK;
		}
		r->time_ms = x->time_ms;
		copy_into(r->msg, sizeof(r->msg), &r->msg_len, data);
		r->cat = cat;
		r->sig = sig;
		emit_rec(st, r, ev);
		sess_remove(st, i);
		return IB_OK;
	}
}

static int field(const struct xstate *st, const struct ib_csv_field *f, long n, int c, char *scratch,
		 size_t cap, size_t *used, struct ib_str *out)
{
	long k = st->col[c];

	*out = IB_STR_NULL;
	if (k < 0)
		return 0;
	if (k >=
	    n) /* Exchange leaves trailing empty fields out ("...,CloseSession,"), not the leading ones */
		return c == COL_PARAMS || c == COL_CONTEXT || c == COL_DATA || c == COL_SERVER ? 0 : -1;
	*out = f[k].escaped ? ib_csv_value(&f[k], scratch, cap, used) : f[k].raw;
	return 0;
}

/*
 * A front end names the mailbox server it proxied to in the context:
 * "Msg=Proxy:mbx01.contoso.com:1993:SSL". That server, not the front
 * end's address, served or failed the login.
 */
static void proxy_server(struct ib_str context, struct ib_str *server)
{
	long at = IB_SP_FIND(context, "Proxy:");
	struct ib_str s;
	size_t n = 0;

	if (at < 0 || (at >= 4 && memcmp(context.ptr + at - 4, "Msg=", 4) && context.ptr[at - 1] != '"'))
		return;
	s = ib_sp_from(context, (size_t)at + 6);
	while (n < s.len && s.ptr[n] != ':' && s.ptr[n] != ';' && s.ptr[n] != '"' && s.ptr[n] != ',')
		n++;
	if (n)
		*server = ib_sp_sub(s, 0, n);
}

/* ib_ts_iso of a trimmed stamp, which must be used up; 0 or -1. */
static int stamp(struct xstate *st, struct ib_str ts, int64_t *out)
{
	return ib_ts_iso(&ts, &st->utc, out) || ts.len ? -1 : 0;
}

static int x_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	struct xstate *st = ctx->state;
	struct ib_csv_field f[X_MAXCOL];
	struct ib_str v[COL_N], ts;
	struct xline x;
	size_t used = 0;
	long n;
	int rc;

	if (!st)
		return IB_ERR_INTERNAL;
	line = ib_sp_line_clean(line);
	if (!line.len)
		return IB_SKIP;
	if (line.ptr[0] == '#') {
		if (IB_SP_STARTS(line, "#Fields:"))
			read_fields(st, (struct ib_str){line.ptr + 8, line.len - 8});
		else if (IB_SP_STARTS(line, "#Log-type: POP3"))
			st->logtype = IB_PROTO_POP3;
		else if (IB_SP_STARTS(line, "#Log-type: IMAP4"))
			st->logtype = IB_PROTO_IMAP;
		return IB_SKIP;
	}
	if (memchr(line.ptr, '\0', line.len)) {
		ctx->reason = "NUL byte in line";
		return IB_BAD;
	}
	n = ib_csv_split(line, f, X_MAXCOL, &ctx->reason);
	if (n < 0)
		return IB_BAD;
	if (!st->have_fields && default_fields(st, n)) {
		ctx->reason = "data line before a #Fields header";
		return IB_BAD;
	}
	if (line.len > st->scratch_cap) {
		char *nb;
		size_t cap = st->scratch_cap ? st->scratch_cap : 4096;

		if (line.len > X_SCRATCH_MAX) {
			ctx->reason = "line too long";
			return IB_BAD;
		}
		while (cap < line.len)
			cap *= 2;
		nb = realloc(st->scratch, cap);
		if (!nb)
			return IB_ERR_NOMEM;
		st->scratch = nb;
		st->scratch_cap = cap;
	}
	for (int c = 0; c < COL_N; c++) {
		if (field(st, f, n, c, st->scratch, st->scratch_cap, &used, &v[c])) {
			ctx->reason = "fewer fields than the #Fields header";
			return IB_BAD;
		}
	}
	ts = ib_str_trim(v[COL_TIME]);
	if (stamp(st, ts, &x.time_ms)) {
		ctx->reason = "bad date-time";
		return IB_BAD;
	}
	x.sid = ib_str_trim(v[COL_SESSION]);
	x.user = ib_str_trim(v[COL_USER]);
	/* addresses without their port; anything else as written */
	x.ip = ib_str_trim(v[COL_REMOTE]);
	(void)ib_sp_addr(x.ip, IB_SP_PORT_MAYBE, &x.ip);
	x.proto = st->logtype ? st->logtype : ib_proto_of_addr(ib_str_trim(v[COL_LOCAL]));
	if (!x.proto) {
		struct ib_str c = ib_str_trim(v[COL_COMMAND]);

		x.proto = IB_SP_CASEEQ(c, "pass") || IB_SP_CASEEQ(c, "apop") || IB_SP_CASEEQ(c, "user") ||
				  IB_SP_CASEEQ(c, "auth")
			      ? IB_PROTO_POP3
			      : IB_PROTO_IMAP;
	}
	x.server = ib_str_trim(v[COL_SERVER].len ? v[COL_SERVER] : v[COL_LOCAL]);
	if (!v[COL_SERVER].len)
		(void)ib_sp_addr(x.server, IB_SP_PORT_MAYBE, &x.server);
	proxy_server(v[COL_CONTEXT], &x.server);
	x.lineno = ctx->lineno;
	st->out_lineno = 0;
	if (st->layout2010)
		rc = line_2010(st, &x, v[COL_EVENT], v[COL_DATA], ev);
	else
		rc = line_2013(st, &x, ib_str_trim(v[COL_COMMAND]), v[COL_PARAMS], v[COL_CONTEXT], ev);
	if (rc == IB_SKIP)
		rc = pop_ready(st, ev);
	if (rc == IB_OK && st->out_lineno)
		ctx->lineno = st->out_lineno; /* a success's evidence is the line that logged it */
	return rc;
}

/*
 * A 2013+ data line of a log cut before its header (as CrowdSec's tests
 * keep them): "YYYY-MM-DDTHH:MM:SS.mmmZ,<16 hex session>,<seq>,<ip:port>,".
 */
static int headerless(struct ib_str line)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ,hhhhhhhhhhhhhhhh,";
	struct ib_str s;
	uint64_t seq;

	if (line.len < sizeof(shape) - 1)
		return 0;
	for (size_t i = 0; i < sizeof(shape) - 1; i++) {
		char c = line.ptr[i];

		if (shape[i] == 'd' ? !ib_sp_isdigit(c) : shape[i] == 'h' ? !ib_sp_ishex(c) : c != shape[i])
			return 0;
	}
	s = ib_sp_from(line, sizeof(shape) - 1);
	if (ib_sp_u64(&s, &seq) || IB_SP_SKIP(&s, ","))
		return 0;
	s.len = ib_sp_chr(s, ',') > 0 ? (size_t)ib_sp_chr(s, ',') : 0;
	return ib_proto_of_addr(s) != IB_PROTO_NONE || ib_sp_addr(s, IB_SP_PORT, &s) == 0;
}

static int x_probe(struct ib_str line)
{
	line = ib_sp_line_clean(line);
	if (IB_SP_STARTS(line, "#Software: Microsoft Exchange Server") ||
	    IB_SP_STARTS(line, "#Log-type: IMAP4 Protocol Log") ||
	    IB_SP_STARTS(line, "#Log-type: POP3 Protocol Log"))
		return 100;
	if (headerless(line))
		return 60;
	if (IB_SP_STARTS(line, "#Fields:") &&
	    (IB_SP_FIND(line, "sessionId") >= 0 || IB_SP_FIND(line, "session-id") >= 0))
		return 100;
	return 0;
}

const struct ib_parser ib_parser_exchange = {
    .name = "exchange",
    .description = "Exchange IMAP4 protocol log (CSV with #Fields header)",
    .layer = IB_LAYER_SERVER,
    .protocol = IB_PROTO_IMAP,
    .probe = x_probe,
    .parse = x_parse,
    .open = x_open,
    .close = x_close,
    .drain = x_drain,
};
