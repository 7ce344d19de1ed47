/*
 * imapsync.c: imapsync log/console output, layer client (a timestamp prefix is optional).
 *   Host2 failure: Error login on [outlook.office365.com] with user [jweiss@uzh.ch] auth [LOGIN]: 2 NO LOGIN
 * failed. ev->message = the line after any timestamp. "HostN failure:" lines are events (server = the [host],
 * user = the [user]); "HostN: success login on [h] with user [u]" is ok; "Read: <tag> BAD|NO ..." is an event
 * for the last host/user seen.
 */
#include <stdlib.h>
#include "cutil.h"
#include "util.h"

struct is_state {
	struct ib_cu_buf host;
	struct ib_cu_buf user;
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
	if (ib_str_starts(line, "imapsync ") || ib_str_starts(line, "Here is imapsync"))
		return 80;
	if (is_hostn(line) && (ib_str_find(line, " on [", 5) > 0 || ib_str_starts(ib_cu_skip(line, 5), ": ")))
		return 60;
	return 0;
}

/* "on [host]" and "user [u]" of a HostN line */
static void host_user(struct ib_str s, struct ib_event *ev)
{
	long a = ib_str_find(s, " on [", 5), b;

	if (a >= 0) {
		struct ib_str r = ib_cu_skip(s, (size_t)a + 5);
		b = ib_cu_chr(r, ']');
		if (b > 0)
			ev->server = ib_cu_sub(r, 0, (size_t)b);
	}
	a = ib_str_find(s, " with user [", 12);
	if (a >= 0) {
		struct ib_str r = ib_cu_skip(s, (size_t)a + 12);
		/* the user ends at the last "] auth [" or, failing that, the first ']' */
		b = ib_cu_rfind(r, "] auth [", 8);
		if (b < 0)
			b = ib_cu_chr(r, ']');
		if (b > 0)
			ev->user = ib_cu_sub(r, 0, (size_t)b);
	}
}

static int is_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	struct is_state *st = ctx->state;
	struct ib_str s = line;

	ib_cu_opt_time(&s, ctx->time, &ev->time_ms);
	s = ib_str_trim(s);
	ev->message = s;
	if (is_hostn(s)) {
		struct ib_str r = ib_cu_skip(s, 5);
		int failure = ib_str_starts(r, " failure: ");
		int success = ib_str_starts(r, ": success login on [");

		if (!failure && !success) {
			if (ib_str_find(r, " with user [", 12) > 0 && ib_str_find(r, "login on [", 10) > 0 &&
			    st) {
				host_user(r, ev);
				ib_cu_buf_set(&st->host, ev->server);
				ib_cu_buf_set(&st->user, ev->user);
			}
			return IB_SKIP;
		}
		host_user(r, ev);
		if (st) {
			if (ev->server.len)
				ib_cu_buf_set(&st->host, ev->server);
			if (ev->user.len)
				ib_cu_buf_set(&st->user, ev->user);
		}
		if (success) {
			ev->outcome = IB_CAT_OK;
			ev->signature = "imapsync-success-login";
		}
		if (success || ib_str_find(r, "login", 5) >= 0)
			ev->flags |= IB_EV_AUTH_HINT;
		return IB_OK;
	}
	if (ib_str_starts(s, "Read:")) {
		struct ib_str r = ib_str_trim(ib_cu_skip(s, 5)), tag = ib_cu_token(r);
		r = ib_cu_skip(r, tag.len + 1);
		if (!tag.len || tag.ptr[0] == '*' || !(ib_str_starts(r, "NO ") || ib_str_starts(r, "BAD ")))
			return IB_SKIP;
		if (st) {
			ev->server = ib_cu_buf_str(&st->host);
			ev->user = ib_cu_buf_str(&st->user);
		}
		return IB_OK;
	}
	return IB_SKIP;
}

const struct ib_parser ib_parser_imapsync = {
    .name = "imapsync",
    .description = "imapsync client log",
    .layer = IB_LAYER_CLIENT,
    .probe = is_probe,
    .parse = is_parse,
    .open = is_open,
    .close = is_close,
};
