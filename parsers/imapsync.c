/*
 * imapsync.c: imapsync log/console output, layer client (a timestamp prefix is optional).
 *   Host2 failure: Error login on [outlook.office365.com] with user [jweiss@uzh.ch] auth [LOGIN]: 2 NO LOGIN
 * failed. ev->message = the line after any timestamp. "HostN failure:" lines are events (server = the [host],
 * user = the [user]); "HostN: success login on [h] with user [u]" is ok; "Read: <tag> BAD|NO ..." is an event
 * for the last host/user seen.
 */
#include <stdlib.h>
#include "imapblast/parser.h"
#include "strparse.h"

struct is_state {
	struct ib_sp_buf host;
	struct ib_sp_buf user;
};

static void *is_open(void)
{
	return calloc(1, sizeof(struct is_state));
}

static void is_close(void *st)
{
	free(st);
}

static int is_hostn(struct ib_str s)
{
	return s.len > 5 && !memcmp(s.ptr, "Host", 4) && (s.ptr[4] == '1' || s.ptr[4] == '2');
}

static int is_probe(struct ib_str line)
{
	if (IB_SP_STARTS(line, "imapsync ") || IB_SP_STARTS(line, "Here is imapsync"))
		return 80;
	if (is_hostn(line) && (IB_SP_FIND(line, " on [") > 0 || IB_SP_STARTS(ib_sp_from(line, 5), ": ")))
		return 60;
	return 0;
}

/* "on [host]" and "user [u]" of a HostN line */
static void host_user(struct ib_str s, struct ib_event *ev)
{
	long a = IB_SP_FIND(s, " on ["), b;

	if (a >= 0) {
		struct ib_str r = ib_sp_from(s, (size_t)a + 5);
		b = ib_sp_chr(r, ']');
		if (b > 0)
			ev->server = ib_sp_sub(r, 0, (size_t)b);
	}
	a = IB_SP_FIND(s, " with user [");
	if (a >= 0) {
		struct ib_str r = ib_sp_from(s, (size_t)a + 12);
		/* the user ends at the last "] auth [" or, failing that, the first ']' */
		b = IB_SP_RFIND(r, "] auth [");
		if (b < 0)
			b = ib_sp_chr(r, ']');
		if (b > 0)
			ev->user = ib_sp_sub(r, 0, (size_t)b);
	}
}

static int is_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	struct is_state *st = ctx->state;
	struct ib_str s = line;

	(void)ib_sp_time(&s, ctx->time, &ev->time_ms);
	s = ib_str_trim(s);
	ev->message = s;
	if (is_hostn(s)) {
		struct ib_str r = ib_sp_from(s, 5);
		int failure = IB_SP_STARTS(r, " failure: ");
		int success = IB_SP_STARTS(r, ": success login on [");

		if (!failure && !success) {
			if (IB_SP_FIND(r, " with user [") > 0 && IB_SP_FIND(r, "login on [") > 0 && st) {
				host_user(r, ev);
				ib_sp_buf_set(&st->host, ev->server);
				ib_sp_buf_set(&st->user, ev->user);
			}
			return IB_SKIP;
		}
		host_user(r, ev);
		if (st) {
			if (ev->server.len)
				ib_sp_buf_set(&st->host, ev->server);
			if (ev->user.len)
				ib_sp_buf_set(&st->user, ev->user);
		}
		if (success) {
			ev->outcome = IB_CAT_OK;
			ev->signature = "imapsync-success-login";
		}
		if (success || IB_SP_FIND(r, "login") >= 0)
			ev->flags |= IB_EV_AUTH_HINT;
		return IB_OK;
	}
	if (IB_SP_STARTS(s, "Read:")) {
		struct ib_str r = ib_str_trim(ib_sp_from(s, 5)), tag = ib_sp_token(r);
		r = ib_sp_from(r, tag.len + 1);
		if (!tag.len || tag.ptr[0] == '*' || !(IB_SP_STARTS(r, "NO ") || IB_SP_STARTS(r, "BAD ")))
			return IB_SKIP;
		if (st) {
			ev->server = ib_sp_buf_str(&st->host);
			ev->user = ib_sp_buf_str(&st->user);
		}
		return IB_OK;
	}
	return IB_SKIP;
}

const struct ib_parser ib_parser_imapsync = {
    .name = "imapsync",
    .description = "imapsync client log",
    .layer = IB_LAYER_CLIENT,
    .protocol = IB_PROTO_IMAP,
    .probe = is_probe,
    .parse = is_parse,
    .open = is_open,
    .close = is_close,
};
