/*
 * imaplib.c: Python imaplib exceptions in tracebacks, layer client.
 *   imaplib.IMAP4.error: b'LOGIN failed.'
 *   imaplib.IMAP4.abort: socket error: EOF
 * ev->message = the exception line ("imaplib.X.error: ..."), after any timestamp. Frame
 * lines are skipped, except that a quoted host in a frame's source line
 * ("imaplib.IMAP4_SSL('imap.example.com')") is remembered as the server. No user.
 */
#include <stdlib.h>
#include "imapblast/parser.h"
#include "strparse.h"

struct il_state {
	struct ib_sp_buf host;
};

static void *il_open(void)
{
	return calloc(1, sizeof(struct il_state));
}

static void il_close(void *st)
{
	free(st);
}

/* length of "imaplib.<Name>.error: " etc. at s, or 0 */
static size_t exc_len(struct ib_str s)
{
	size_t i = 8;

	if (!IB_SP_STARTS(s, "imaplib."))
		return 0;
	while (i < s.len && (s.ptr[i] == '.' || s.ptr[i] == '_' || (s.ptr[i] >= 'a' && s.ptr[i] <= 'z') ||
			     (s.ptr[i] >= 'A' && s.ptr[i] <= 'Z') || (s.ptr[i] >= '0' && s.ptr[i] <= '9')))
		i++;
	if (i + 1 >= s.len || s.ptr[i] != ':' || s.ptr[i + 1] != ' ')
		return 0;
	s.len = i;
	if (!IB_SP_ENDS(s, "error") && !IB_SP_ENDS(s, "abort") && !IB_SP_ENDS(s, "readonly"))
		return 0;
	return i + 2;
}

static int il_probe(struct ib_str line)
{
	line = ib_str_trim(line);
	if (exc_len(line))
		return 90;
	if (IB_SP_STARTS(line, "File \"") && IB_SP_FIND(line, "imaplib.py\"") > 0)
		return 60;
	if (IB_SP_STARTS(line, "Traceback (most recent call last):"))
		return 20;
	return 0;
}

static int il_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	struct il_state *st = ctx->state;
	struct ib_str s = line;
	size_t n;
	long at;

	(void)ib_sp_time(&s, ctx->time, &ev->time_ms);
	s = ib_str_trim(s);
	n = exc_len(s);
	if (!n) {
		at = IB_SP_FIND(s, "IMAP4_SSL(");
		if (at < 0)
			at = IB_SP_FIND(s, "IMAP4(");
		if (at >= 0 && st) {
			struct ib_str r = ib_sp_from(s, (size_t)at);
			long p = ib_sp_chr(r, '(');
			r = ib_sp_from(r, (size_t)p + 1);
			if (r.len && (r.ptr[0] == '\'' || r.ptr[0] == '"')) {
				long q = ib_sp_chr(ib_sp_from(r, 1), r.ptr[0]);
				if (q > 0)
					ib_sp_buf_set(&st->host, ib_sp_sub(r, 1, 1 + (size_t)q));
			}
		}
		return IB_SKIP; /* traceback frames, source lines, other output */
	}
	ev->message = s;
	if (st)
		ev->server = ib_sp_buf_str(&st->host);
	{
		struct ib_str what = ib_sp_from(s, n);
		if (IB_SP_FIND(what, "LOGIN") >= 0 || IB_SP_FIND(what, "AUTHENTICATE") >= 0 ||
		    IB_SP_FIND(what, "uthenticat") >= 0)
			ev->flags |= IB_EV_AUTH_HINT;
	}
	return IB_OK;
}

const struct ib_parser ib_parser_imaplib = {
    .name = "imaplib",
    .description = "Python imaplib exceptions (tracebacks)",
    .layer = IB_LAYER_CLIENT,
    .protocol = IB_PROTO_IMAP,
    .probe = il_probe,
    .parse = il_parse,
    .open = il_open,
    .close = il_close,
};
