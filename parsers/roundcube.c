/*
 * roundcube.c: Roundcube webmail errors/userlogins logs (own file or syslog), layer client.
 *   [30-Dec-2014 13:02:34 -0500]: <3z506z6r> IMAP Error: Login failed for admin@example.com
 *   against localhost from 1.2.3.4. AUTHENTICATE PLAIN: Authentication failed. in /p/rcube_imap.php on line
 * 221 (POST ...) ev->message = the text after "]: " (or after "roundcube[pid]: "), session tag included. The
 * user name is attacker-chosen and the server's error text may echo it, so the client IP is taken from the
 * one " from <valid IP>" that sits where Roundcube puts it (before ". <MECH>:", " in session " or the end);
 * when the line holds several such places with different IPs, it is ambiguous and the event gets no user and
 * no IP.
 */
#include "cutil.h"
#include "util.h"

static const char *const rc_programs[] = {"roundcube*", NULL};

enum { C_MECH, C_SESSION, C_END, C_N };

struct cand {
	long pos; /* index of " from " */
	struct ib_str ip;
	int n; /* candidates of this class */
	int conflict;
};

static int upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

/* class of the text after an IP, or -1 */
static int after_class(struct ib_str r)
{
	if (r.len && r.ptr[0] == '(') {
		long e = ib_cu_chr(r, ')');
		if (e < 0)
			return -1;
		r = ib_cu_skip(r, (size_t)e + 1);
	}
	if (!r.len || (r.len == 1 && r.ptr[0] == '.'))
		return C_END;
	if (r.len >= 3 && r.ptr[0] == '.' && r.ptr[1] == ' ' && upper(r.ptr[2]))
		return C_MECH;
	if (ib_str_starts(r, " in session "))
		return C_SESSION;
	return -1;
}

/*
 * r = text after "login failed for ". Sets user, ip, server; returns 0, or -1 when no
 * unambiguous " from IP" exists.
 */
static int login_fields(struct ib_str r, struct ib_event *ev)
{
	struct cand c[C_N] = {{-1, IB_STR_NULL, 0, 0}, {-1, IB_STR_NULL, 0, 0}, {-1, IB_STR_NULL, 0, 0}};
	struct ib_str u;
	long line = ib_cu_rfind(r, " on line ", 9), at;
	size_t off = 0;
	int k;

	/* drop the " in /path/file.php on line N (...)" trailer */
	if (line > 0) {
		long in = ib_cu_rfind(ib_cu_sub(r, 0, (size_t)line), " in ", 4);
		if (in > 0)
			r.len = (size_t)in;
	}
	while ((at = ib_str_find(ib_cu_skip(r, off), " from ", 6)) >= 0) {
		size_t p = off + (size_t)at, ipl;
		struct ib_str rest = ib_cu_skip(r, p + 6);

		off = p + 1;
		ipl = ib_cu_ip_len(rest.ptr, rest.len);
		if (!ipl)
			continue;
		k = after_class(ib_cu_skip(rest, ipl));
		if (k < 0)
			continue;
		struct ib_str ip = ib_cu_sub(rest, 0, ipl);
		if (c[k].n && !ib_str_eq(c[k].ip, ip))
			c[k].conflict = 1;
		c[k].n++;
		c[k].pos = (long)p;
		c[k].ip = ip;
	}
	for (k = 0; k < C_N && !c[k].n; k++)
		;
	if (k == C_N || c[k].conflict)
		return -1;
	/* with several equal candidates the user is ambiguous: keep the IP only */
	ev->ip = ib_cu_ip_norm(c[k].ip);
	if (c[k].n > 1)
		return 0;
	u = ib_cu_sub(r, 0, (size_t)c[k].pos);
	at = ib_cu_rfind(u, " against ", 9);
	if (at >= 0) {
		ev->server = ib_cu_token(ib_cu_skip(u, (size_t)at + 9));
		u.len = (size_t)at;
	}
	at = ib_cu_rfind(u, " (ID: ", 6);
	if (at > 0 && ib_cu_ends(u, ")"))
		u.len = (size_t)at;
	ev->user = u;
	return 0;
}

static int rc_body(struct ib_str msg, struct ib_event *ev)
{
	struct ib_str s = msg;
	long at;

	ev->message = msg;
	if (s.len && s.ptr[0] == '<' && (at = ib_cu_chr(s, '>')) > 1 && at < 64) {
		ev->session = ib_cu_sub(s, 1, (size_t)at);
		s = ib_str_trim(ib_cu_skip(s, (size_t)at + 1));
	}
	if (ib_str_starts(s, "IMAP Error: ")) {
		struct ib_str e = ib_cu_skip(s, 12);
		if (ib_str_casestarts(e, "Login failed for ")) {
			ev->flags |= IB_EV_AUTH_HINT;
			login_fields(ib_cu_skip(e, 17), ev);
			return IB_OK;
		}
		/* "Could not connect to localhost:143: Connection refused" and kin */
		if ((at = ib_str_find(e, "connect to ", 11)) >= 0) {
			struct ib_str h = ib_cu_token(ib_cu_skip(e, (size_t)at + 11));
			while (h.len && h.ptr[h.len - 1] == ':')
				h.len--;
			ev->server = h;
		}
		return IB_OK;
	}
	if (ib_str_casestarts(s, "Failed login for ")) {
		ev->flags |= IB_EV_AUTH_HINT;
		login_fields(ib_cu_skip(s, 17), ev);
		return IB_OK;
	}
	if (ib_str_starts(s, "Successful login for ")) {
		ev->flags |= IB_EV_AUTH_HINT;
		if (login_fields(ib_cu_skip(s, 21), ev) < 0)
			return IB_SKIP;
		ev->outcome = IB_CAT_OK;
		ev->signature = "roundcube-login-ok";
		return IB_OK;
	}
	return IB_SKIP;
}

static int rc_parse_msg(struct ib_parse_ctx *ctx, const struct ib_syslog_hdr *hdr, struct ib_str msg,
			struct ib_event *ev)
{
	(void)hdr;
	(void)ctx;
	return rc_body(msg, ev);
}

static int dig(char c)
{
	return c >= '0' && c <= '9';
}

/* syslog-borne: "<date> host roundcube[pid]: " */
static int sys_tagged(struct ib_str s)
{
	long at = ib_str_find(ib_cu_sub(s, 0, 80), " roundcube", 10), colon;

	if (at <= 0)
		return 0;
	s = ib_cu_skip(s, (size_t)at + 1);
	colon = ib_str_find(ib_cu_sub(s, 0, 40), ": ", 2);
	return colon > 0;
}

static int rc_probe(struct ib_str line)
{
	int interesting =
	    ib_str_find(line, "IMAP Error", 10) >= 0 || ib_str_find(line, " login for ", 11) >= 0;

	if (line.len > 24 && line.ptr[0] == '[' && dig(line.ptr[1]) && dig(line.ptr[2]) &&
	    line.ptr[3] == '-' && ib_str_find(ib_cu_sub(line, 0, 40), "]: ", 3) > 0)
		return interesting ? 90 : 50;
	if (line.len > 16 && upper(line.ptr[0]) && sys_tagged(line) && interesting)
		return 100;
	return 0;
}

static int rc_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	struct ib_str s = line, prog;
	int64_t t;
	long at;

	if (s.len && s.ptr[0] == '[') {
		at = ib_str_find(s, "]:", 2);
		if (at < 0) {
			ctx->reason = "no ']:' after the date";
			return IB_BAD;
		}
		struct ib_str d = ib_cu_sub(s, 1, (size_t)at);
		if (ib_ts_clf(&d, ctx->time, &t) < 0) {
			ctx->reason = "bad date";
			return IB_BAD;
		}
		ev->time_ms = t;
		return rc_body(ib_str_trim(ib_cu_skip(s, (size_t)at + 2)), ev);
	}
	if (ib_ts_rfc3164(&s, ctx->time, &t) < 0 && ib_ts_iso(&s, ctx->time, &t) < 0) {
		ctx->reason = "no timestamp";
		return IB_BAD;
	}
	ev->time_ms = t;
	/* "host prog[pid]: msg" */
	ev->host = ib_cu_token(s);
	s = ib_cu_skip(s, ev->host.len + 1);
	at = ib_str_find(s, ": ", 2);
	if (at <= 0) {
		ctx->reason = "no syslog tag";
		return IB_BAD;
	}
	prog = ib_cu_sub(s, 0, (size_t)at);
	{
		long b = ib_cu_chr(prog, '[');
		if (b > 0)
			prog.len = (size_t)b;
	}
	if (!ib_str_starts(prog, "roundcube"))
		return IB_SKIP; /* another program in the same file */
	ev->program = prog;
	return rc_body(ib_cu_skip(s, (size_t)at + 2), ev);
}

const struct ib_parser ib_parser_roundcube = {
    .name = "roundcube",
    .description = "Roundcube webmail errors/userlogins log (file or syslog)",
    .layer = IB_LAYER_CLIENT,
    .probe = rc_probe,
    .parse = rc_parse,
    .programs = rc_programs,
    .parse_msg = rc_parse_msg,
};
