/*
 * cyrus.c: Cyrus IMAP login lines (a syslog message parser), e.g.
 *   Jan 4 21:51:05 hostname cyrus/imap[5355]: badlogin: localhost.localdomain [127.0.0.1] plaintext
 * cyrus@localdomain SASL(-13): authentication failure: checkpass failed 2015-12-22T00:05:46.534634-05:00
 * imap30 sloti30t15/imap[4101108]: login: frontend1 [10.202.2.160] robntest plaintext User logged in
 * SESSIONID=<...>
 *   ... imap[1]: event=login.bad r.clienthost=10.0.0.7 u.username=jbloggs error="..."  (3.13 logfmt)
 * Message: everything after "prog[pid]: ". Server: the syslog host.
 */
#include "imapblast/parser.h"
#include "strparse.h"

/* Value of a logfmt key ("u.username"), unquoted; "~null~" reads as empty. */
static struct ib_str logfmt_get(struct ib_str s, const char *key, size_t klen)
{
	const char *p = s.ptr, *end = s.ptr + s.len;
	struct ib_str v = IB_STR_NULL;

	while (p < end) {
		const char *k = memmem(p, (size_t)(end - p), key, klen);
		const char *b, *e;

		if (!k)
			return v;
		p = k + 1;
		if ((k != s.ptr && k[-1] != ' ') || k + klen >= end || k[klen] != '=')
			continue;
		b = k + klen + 1;
		if (b < end && *b == '"') {
			for (e = ++b; e < end && *e != '"'; e++)
				if (*e == '\\' && e + 1 < end)
					e++;
		} else {
			e = memchr(b, ' ', (size_t)(end - b));
			if (!e)
				e = end;
		}
		v = ib_sp_span(b, e);
		if (IB_SP_EQ(v, "~null~"))
			v = IB_STR_NULL;
		return v;
	}
	return v;
}
#define LOGFMT_GET(s, key) logfmt_get((s), (key), sizeof(key) - 1)

/* "host [ip]" or "[ip]" or "host[ip]": the ip, and s advanced past ']'. */
static int client_ip(struct ib_str *s, struct ib_str *ip)
{
	const char *b = s->len ? memchr(s->ptr, '[', s->len) : NULL, *e;

	if (!b)
		return -1;
	e = memchr(b, ']', (size_t)(s->ptr + s->len - b));
	if (!e)
		return -1;
	*ip = ib_sp_span(b + 1, e);
	*s = ib_sp_from(*s, (size_t)(e - s->ptr) + 1);
	ib_sp_skip_ws(s);
	return 0;
}

static int logfmt_line(struct ib_str msg, struct ib_event *ev)
{
	struct ib_str ev_name = LOGFMT_GET(msg, "event"), host, ip;

	if (!IB_SP_EQ(ev_name, "login.good") && !IB_SP_EQ(ev_name, "login.bad"))
		return IB_SKIP;
	host = LOGFMT_GET(msg, "r.clienthost");
	ip = host;
	if (client_ip(&host, &ip) < 0)
		ip = LOGFMT_GET(msg, "r.clienthost");
	ev->ip = ip;
	ev->user = LOGFMT_GET(msg, "u.username");
	ev->session = LOGFMT_GET(msg, "r.sessionid");
	ev->flags |= IB_EV_AUTH_HINT;
	return IB_OK;
}

static int cyrus_msg(struct ib_parse_ctx *ctx, const struct ib_syslog_hdr *hdr, struct ib_str msg,
		     struct ib_event *ev)
{
	struct ib_str r = msg, ip, w;
	int good;

	(void)ctx;
	if (IB_SP_SKIP(&r, "badlogin: ") == 0)
		good = 0;
	else if (IB_SP_SKIP(&r, "login: ") == 0)
		good = 1;
	else if (IB_SP_FIND(msg, "event=login.") >= 0)
		good = 2;
	else
		return IB_DECLINE;
	ev->message = msg;
	ev->server = hdr->host;
	ev->protocol = ib_proto_of_program(hdr->program);
	if (good == 2)
		return logfmt_line(msg, ev);
	if (client_ip(&r, &ip) < 0) {
		ctx->reason = "cyrus login line without [ip]";
		return IB_BAD;
	}
	ev->ip = ip;
	ev->flags |= IB_EV_AUTH_HINT;
	if (good) {
		/* login: <host [ip]> <user> <mech>... User logged in SESSIONID=<...> */
		(void)ib_sp_word(&r, &ev->user);
		if (IB_SP_RFIELD(msg, "SESSIONID=<", '>', &w) == 0)
			ev->session = w;
		return IB_OK;
	}
	/* badlogin: <host [ip]> <mech> [user | (user)] [detail] */
	(void)ib_sp_word(&r, &w);
	if (IB_SP_EQ(w, "anonymous") || !r.len)
		return IB_OK;
	if (r.ptr[0] == '(') {
		const char *e = memchr(r.ptr, ')', r.len);

		if (e)
			ev->user = ib_sp_span(r.ptr + 1, e);
	} else if (r.ptr[0] != '[' && !IB_SP_STARTS(r, "SASL(")) {
		(void)ib_sp_word(&r, &ev->user);
	}
	return IB_OK;
}

static const char *const cyrus_programs[] = {"imap",  "imaps", "pop3",	 "pop3s",
					     "imapd", "pop3d", "cyrus*", NULL};

const struct ib_parser ib_parser_cyrus = {
    .name = "cyrus",
    .description = "Cyrus IMAP badlogin/login lines (classic and 3.13 logfmt)",
    .layer = IB_LAYER_SERVER,
    .programs = cyrus_programs,
    .parse_msg = cyrus_msg,
};
