/*
 * nginx_mail.c: nginx mail proxy (ngx_mail) error_log, layer proxy.
 *   2019/09/02 15:43:25 [info] 12#12: *2856 upstream sent invalid response: "NO ..." while
 *   reading response from upstream, client: 131.255.7.26, server: 0.0.0.0:993,
 *   login: "froster2406@frostbolt.ch", upstream: 192.168.0.5:143
 * ev->message = everything after "*<conn> " (context fields included). server = the
 * upstream, never the listen address. A bounded per-file table keyed by *conn carries
 * login and upstream to later lines of the same connection. "client logged in" is the
 * success line, also with an action suffix (" while proxying"). Protocol: the listen port ("server:
 * 0.0.0.0:993", or the "connected to" line), else the upstream's port, else the action ("sending LOGIN
 * command" is IMAP, "HELO/EHLO", "XCLIENT", "MAIL FROM" SMTP); unknown ports leave it unknown.
 */
#include <stdlib.h>
#include "imapblast/parser.h"
#include "strparse.h"

#define NGX_SLOTS 4096
#define NGX_LOGIN_CAP 192
#define NGX_UP_CAP 64

struct ngx_slot {
	uint64_t conn; /* 0 = empty (nginx numbers start at 1) */
	uint8_t login_len;
	uint8_t up_len;
	uint8_t proto; /* enum ib_proto of the connection, 0 unknown */
	char login[NGX_LOGIN_CAP];
	char up[NGX_UP_CAP];
};

struct ngx_state {
	struct ngx_slot slot[NGX_SLOTS];
};

static void *ngx_open(void)
{
	return calloc(1, sizeof(struct ngx_state));
}

static void ngx_close(void *st)
{
	free(st);
}

/* "YYYY/MM/DD HH:MM:SS [" */
static int ngx_probe(struct ib_str line)
{
	static const char shape[] = "dddd/dd/dd dd:dd:dd [";
	const char *p = line.ptr;

	if (line.len < sizeof(shape) - 1)
		return 0;
	for (size_t i = 0; i < sizeof(shape) - 1; i++)
		if (shape[i] == 'd' ? !ib_sp_isdigit(p[i]) : p[i] != shape[i])
			return 0;
	if (IB_SP_FIND(line, ", request: \"") >= 0)
		return 10;
	if (IB_SP_FIND(line, ", client: ") >= 0 || IB_SP_FIND(line, " connected to ") >= 0)
		return 80;
	return 30;
}

/* Skip "login failed: "..."" style quoted text so a quote cannot hide a field. */
static size_t skip_quoted(struct ib_str s, size_t i)
{
	while (i < s.len) {
		if (s.ptr[i] == '\\' && i + 1 < s.len) {
			i += 2;
			continue;
		}
		if (s.ptr[i] == '"')
			return i + 1;
		i++;
	}
	return s.len;
}

static int is_event_msg(struct ib_str m, unsigned *flags)
{
	/* the success, also with an action suffix ("client logged in while proxying, client: ...") */
	if (IB_SP_STARTS(m, "client logged in")) {
		*flags |= IB_EV_AUTH_HINT;
		return 1;
	}
	if (IB_SP_FIND_AT(m, " while proxying,", 11) >= 0)
		return 0; /* the login worked; data-phase noise */
	if (IB_SP_STARTS(m, "client login failed") || IB_SP_STARTS(m, "upstream sent invalid response")) {
		*flags |= IB_EV_AUTH_HINT;
		return 1;
	}
	return IB_SP_STARTS(m, "auth http server ") || IB_SP_STARTS(m, "upstream timed out") ||
	       IB_SP_FIND_AT(m, "while connecting to upstream", 0) >= 0 ||
	       IB_SP_STARTS(m, "upstream prematurely closed") ||
	       IB_SP_FIND_AT(m, "while sending LOGIN command to upstream", 0) >= 0 ||
	       IB_SP_FIND_AT(m, "while reading response from upstream", 0) >= 0 ||
	       IB_SP_FIND_AT(m, "while sending password to upstream", 0) >= 0 ||
	       IB_SP_FIND_AT(m, "while sending user name to upstream", 0) >= 0 ||
	       IB_SP_FIND_AT(m, "while in http auth state", 0) >= 0;
}

/* The protocol from the upstream's port, else from the action words. */
static enum ib_proto action_proto(struct ib_str m, struct ib_str upstream)
{
	enum ib_proto p = ib_proto_of_addr(upstream);

	if (p)
		return p;
	if (IB_SP_FIND_AT(m, " while sending LOGIN command", 16) >= 0)
		return IB_PROTO_IMAP;
	if (IB_SP_FIND_AT(m, " while sending HELO/EHLO", 15) >= 0 ||
	    IB_SP_FIND_AT(m, " while sending XCLIENT", 15) >= 0 ||
	    IB_SP_FIND_AT(m, " while sending MAIL FROM", 15) >= 0)
		return IB_PROTO_SMTP;
	return IB_PROTO_NONE;
}

/* Carry a field across a connection's lines: keep v (at most cap bytes) if set, else fill v in. */
static void carry(struct ib_str *v, char *buf, uint8_t *len, size_t cap)
{
	if (v->len) {
		size_t k = v->len < cap ? v->len : cap;
		memcpy(buf, v->ptr, k);
		*len = (uint8_t)k;
	} else if (*len) {
		*v = (struct ib_str){buf, *len};
	}
}

static int ngx_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	struct ngx_state *st = ctx->state;
	struct ngx_slot *slot = NULL;
	struct ib_str s = line, msg, ctxs, v, listen = IB_STR_NULL;
	int64_t t;
	uint64_t conn = 0;
	size_t n;
	long at, cl;

	if (ib_ts_nginx(&s, ctx->time, &t) < 0) {
		ctx->reason = "no nginx timestamp";
		return IB_BAD;
	}
	ev->time_ms = t;
	if (!s.len || s.ptr[0] != '[' || (at = ib_sp_chr(s, ']')) < 0) {
		ctx->reason = "no [level]";
		return IB_BAD;
	}
	s = ib_str_trim(ib_sp_from(s, (size_t)at + 1));
	/* pid#tid: */
	at = IB_SP_FIND_AT(s, ": ", 0);
	if (at <= 0 || ib_sp_chr(ib_sp_sub(s, 0, (size_t)at), '#') < 0) {
		ctx->reason = "no pid#tid";
		return IB_BAD;
	}
	s = ib_sp_from(s, (size_t)at + 2);
	if (!s.len || s.ptr[0] != '*')
		return IB_SKIP; /* start-up notices and the like carry no connection */
	v = ib_sp_from(s, 1);
	if (ib_sp_u64(&v, &conn) || !conn || !v.len || v.ptr[0] != ' ') {
		ctx->reason = "bad *connection number";
		return IB_BAD;
	}
	n = (size_t)(v.ptr - s.ptr) - 1;
	ev->session = ib_sp_sub(s, 1, 1 + n);
	msg = ib_sp_from(s, n + 2);
	ev->message = msg;
	if (st) {
		slot = &st->slot[conn % NGX_SLOTS];
		if (slot->conn != conn) {
			slot->conn = conn;
			slot->login_len = slot->up_len = 0;
		}
	}
	/* "client 1.2.3.4:5 connected to 0.0.0.0:993": a new connection */
	if (IB_SP_STARTS(msg, "client ") && (at = IB_SP_FIND_AT(msg, " connected to ", 9)) > 0) {
		if (slot) {
			slot->login_len = slot->up_len = 0;
			slot->proto =
			    (uint8_t)ib_proto_of_addr(ib_sp_token(ib_sp_from(msg, (size_t)at + 14)));
		}
		return IB_SKIP;
	}
	if (IB_SP_FIND_AT(msg, ", request: \"", 4) >= 0)
		return IB_SKIP; /* HTTP, not mail */
	/* context fields start after the message's own quoted text */
	n = 0;
	cl = -2; /* not searched yet */
	at = IB_SP_FIND_AT(msg, ": \"", 2);
	if (at >= 0 && at < (cl = IB_SP_FIND_AT(msg, ", client: ", 8)))
		n = skip_quoted(msg, (size_t)at + 3);
	at = n || cl == -2 ? IB_SP_FIND_AT(ib_sp_from(msg, n), ", client: ", 8) : cl;
	if (at < 0)
		return IB_SKIP; /* not a mail connection line */
	ctxs = ib_sp_from(msg, n + (size_t)at + 10);
	/* the address ends at the first ',' or ' ' (memchr for each instead of a byte loop) */
	v = ctxs;
	if ((at = ib_sp_chr(v, ',')) >= 0)
		v.len = (size_t)at;
	if ((at = ib_sp_chr(v, ' ')) >= 0)
		v.len = (size_t)at;
	n = v.len;
	if (ib_sp_is_ip(v))
		ev->ip = ib_sp_ip_norm(v);
	ctxs = ib_sp_from(ctxs, n);
	/* ", server: listen" then optional login and upstream */
	at = IB_SP_FIND_AT(ctxs, ", server: ", 5);
	if (at >= 0) {
		ctxs = ib_sp_from(ctxs, (size_t)at + 10);
		at = ib_sp_chr(ctxs, ',');
		n = at >= 0 ? (size_t)at : ctxs.len;
		listen = ib_sp_sub(ctxs, 0, n);
		ctxs = ib_sp_from(ctxs, n);
	}
	if (IB_SP_STARTS(ctxs, ", login: \"")) {
		long q = ib_sp_rchr(ctxs, '"');
		struct ib_str rest;

		/* login is the last quoted field: it ends at the last quote */
		if (q >= 10) {
			ev->user = ib_sp_sub(ctxs, 10, (size_t)q);
			rest = ib_sp_from(ctxs, (size_t)q + 1);
		} else {
			ev->user = ib_sp_from(ctxs, 10);
			rest = IB_STR_NULL;
		}
		ctxs = rest;
	}
	if (IB_SP_STARTS(ctxs, ", upstream: ")) {
		v = ib_sp_token(ib_sp_from(ctxs, 12));
		while (v.len && v.ptr[v.len - 1] == ',')
			v.len--;
		ev->server = v;
	}
	if (slot) {
		carry(&ev->user, slot->login, &slot->login_len, NGX_LOGIN_CAP);
		carry(&ev->server, slot->up, &slot->up_len, NGX_UP_CAP);
	}
	if (!is_event_msg(msg, &ev->flags))
		return IB_SKIP; /* proxied, closed, client timeouts outside auth... */
	if (IB_SP_STARTS(msg, "client logged in")) {
		/* the line states its outcome: no rule needs to run (most lines of a busy proxy) */
		ev->outcome = IB_CAT_OK;
		ev->signature = "nginx-logged-in";
	}
	ev->protocol = ib_proto_of_addr(listen);
	if (!ev->protocol)
		ev->protocol =
		    slot && slot->proto ? (enum ib_proto)slot->proto : action_proto(msg, ev->server);
	if (slot && !slot->proto)
		slot->proto = (uint8_t)ev->protocol;
	return IB_OK;
}

const struct ib_parser ib_parser_nginx_mail = {
    .name = "nginx_mail",
    .description = "nginx mail proxy error_log",
    .layer = IB_LAYER_PROXY,
    .probe = ngx_probe,
    .parse = ngx_parse,
    .open = ngx_open,
    .close = ngx_close,
};
