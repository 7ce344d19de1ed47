/*
 * roundcube.c: Roundcube webmail errors/userlogins logs (own file or syslog), layer client.
 *   [30-Dec-2014 13:02:34 -0500]: <3z506z6r> IMAP Error: Login failed for admin@example.com
 *   against localhost from 1.2.3.4. AUTHENTICATE PLAIN: Authentication failed. in /p/rcube_imap.php on line
 * 221 (POST ...); Roundcube 0.x: "IMAP Error: Authentication for bob failed (LOGIN): ..." (user only) and
 * "Successful login for bob (id 3) from 1.2.3.4". ev->message = the text after "]: " (or after
 * "roundcube[pid]: "), session tag included. The user name is attacker-chosen and the server's error text may
 * echo it, so the client IP is taken from the one " from <valid IP>" that sits where Roundcube puts it
 * (before ". <MECH>:", " in session " or the end); when the line holds several such places with different
 * IPs, it is ambiguous and the event gets no user and no IP.
 */
#include "imapblast/parser.h"
#include "strparse.h"

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
		long e = ib_sp_chr(r, ')');
		if (e < 0)
			return -1;
		r = ib_sp_from(r, (size_t)e + 1);
	}
	if (!r.len || (r.len == 1 && r.ptr[0] == '.'))
		return C_END;
	if (r.len >= 3 && r.ptr[0] == '.' && r.ptr[1] == ' ' && upper(r.ptr[2]))
		return C_MECH;
	if (IB_SP_STARTS(r, " in session "))
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
	long line = IB_SP_RFIND(r, " on line "), at;
	size_t off = 0;
	int k;

	/* drop the " in /path/file.php on line N (...)" trailer */
	if (line > 0) {
		long in = IB_SP_RFIND(ib_sp_sub(r, 0, (size_t)line), " in ");
		if (in > 0)
			r.len = (size_t)in;
	}
	while ((at = IB_SP_FIND(ib_sp_from(r, off), " from ")) >= 0) {
		size_t p = off + (size_t)at, ipl;
		struct ib_str rest = ib_sp_from(r, p + 6);

		off = p + 1;
		ipl = ib_sp_ip_len(rest);
		if (!ipl)
			continue;
		k = after_class(ib_sp_from(rest, ipl));
		if (k < 0)
			continue;
		struct ib_str ip = ib_sp_sub(rest, 0, ipl);
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
	ev->ip = ib_sp_ip_norm(c[k].ip);
	if (c[k].n > 1)
		return 0;
	u = ib_sp_sub(r, 0, (size_t)c[k].pos);
	at = IB_SP_RFIND(u, " against ");
	if (at >= 0) {
		ev->server = ib_sp_token(ib_sp_from(u, (size_t)at + 9));
		u.len = (size_t)at;
	}
	at = IB_SP_RFIND(u, " (ID: ");
	if (at < 0)
		at = IB_SP_RFIND(u, " (id "); /* Roundcube 0.x */
	if (at > 0 && IB_SP_ENDS(u, ")"))
		u.len = (size_t)at;
	ev->user = u;
	return 0;
}

static int rc_body(struct ib_str msg, struct ib_event *ev)
{
	struct ib_str s = msg;
	long at;

	ev->message = msg;
	if (s.len && s.ptr[0] == '<' && (at = ib_sp_chr(s, '>')) > 1 && at < 64) {
		ev->session = ib_sp_sub(s, 1, (size_t)at);
		s = ib_str_trim(ib_sp_from(s, (size_t)at + 1));
	}
	if (IB_SP_STARTS(s, "IMAP Error: ")) {
		struct ib_str e = ib_sp_from(s, 12);
		if (IB_SP_CASESTARTS(e, "Login failed for ")) {
			ev->flags |= IB_EV_AUTH_HINT;
			login_fields(ib_sp_from(e, 17), ev);
			return IB_OK;
		}
		/* Roundcube 0.x: "Authentication for bob failed (LOGIN): "NO Login failed."" */
		if (IB_SP_STARTS(e, "Authentication for ")) {
			struct ib_str u = ib_sp_from(e, 19);

			ev->flags |= IB_EV_AUTH_HINT;
			if ((at = IB_SP_RFIND(u, " failed (")) > 0)
				ev->user = ib_sp_sub(u, 0, (size_t)at);
			return IB_OK;
		}
		/* "Could not connect to localhost:143: Connection refused" and kin */
		if ((at = IB_SP_FIND(e, "connect to ")) >= 0) {
			struct ib_str h = ib_sp_token(ib_sp_from(e, (size_t)at + 11));
			while (h.len && h.ptr[h.len - 1] == ':')
				h.len--;
			ev->server = h;
		}
		return IB_OK;
	}
	if (IB_SP_CASESTARTS(s, "Failed login for ")) {
		ev->flags |= IB_EV_AUTH_HINT;
		login_fields(ib_sp_from(s, 17), ev);
		return IB_OK;
	}
	if (IB_SP_STARTS(s, "Successful login for ")) {
		ev->flags |= IB_EV_AUTH_HINT;
		if (login_fields(ib_sp_from(s, 21), ev) < 0)
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

/* syslog-borne: "<date> host roundcube[pid]: " */
static int sys_tagged(struct ib_str s)
{
	long at = IB_SP_FIND(ib_sp_sub(s, 0, 80), " roundcube"), colon;

	if (at <= 0)
		return 0;
	s = ib_sp_from(s, (size_t)at + 1);
	colon = IB_SP_FIND(ib_sp_sub(s, 0, 40), ": ");
	return colon > 0;
}

static int rc_probe(struct ib_str line)
{
	int interesting = IB_SP_FIND(line, "IMAP Error") >= 0 || IB_SP_FIND(line, " login for ") >= 0;

	if (line.len > 24 && line.ptr[0] == '[' && ib_sp_isdigit(line.ptr[1]) && ib_sp_isdigit(line.ptr[2]) &&
	    line.ptr[3] == '-' && IB_SP_FIND(ib_sp_sub(line, 0, 40), "]: ") > 0)
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
		at = IB_SP_FIND(s, "]:");
		if (at < 0) {
			ctx->reason = "no ']:' after the date";
			return IB_BAD;
		}
		struct ib_str d = ib_sp_sub(s, 1, (size_t)at);
		if (ib_ts_clf(&d, ctx->time, &t) < 0) {
			ctx->reason = "bad date";
			return IB_BAD;
		}
		ev->time_ms = t;
		return rc_body(ib_str_trim(ib_sp_from(s, (size_t)at + 2)), ev);
	}
	if (ib_ts_rfc3164(&s, ctx->time, &t) < 0 && ib_ts_iso(&s, ctx->time, &t) < 0) {
		ctx->reason = "no timestamp";
		return IB_BAD;
	}
	ev->time_ms = t;
	/* "host prog[pid]: msg" */
	ev->host = ib_sp_token(s);
	s = ib_sp_from(s, ev->host.len + 1);
	at = IB_SP_FIND(s, ": ");
	if (at <= 0) {
		ctx->reason = "no syslog tag";
		return IB_BAD;
	}
	prog = ib_sp_sub(s, 0, (size_t)at);
	{
		long b = ib_sp_chr(prog, '[');
		if (b > 0)
			prog.len = (size_t)b;
	}
	if (!IB_SP_STARTS(prog, "roundcube"))
		return IB_SKIP; /* another program in the same file */
	ev->program = prog;
	return rc_body(ib_sp_from(s, (size_t)at + 2), ev);
}

const struct ib_parser ib_parser_roundcube = {
    .name = "roundcube",
    .description = "Roundcube webmail errors/userlogins log (file or syslog)",
    .layer = IB_LAYER_CLIENT,
    .protocol = IB_PROTO_IMAP,
    .probe = rc_probe,
    .parse = rc_parse,
    .programs = rc_programs,
    .parse_msg = rc_parse_msg,
};
