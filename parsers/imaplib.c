/*
 * imaplib.c: Python imaplib exceptions in tracebacks, layer client.
 *   imaplib.IMAP4.error: b'LOGIN failed.'
 *   imaplib.IMAP4.abort: socket error: EOF
 * ev->message = the exception line ("imaplib.X.error: ..."), after any timestamp. Frame
 * lines are skipped, except that a quoted host in a frame's source line
 * ("imaplib.IMAP4_SSL('imap.example.com')") is remembered as the server. No user.
 */
#include <stdlib.h>
#include "cutil.h"
#include "util.h"

struct il_state {
	struct ib_cu_buf host;
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

	if (!ib_str_starts(s, "imaplib."))
		return 0;
	while (i < s.len && (s.ptr[i] == '.' || s.ptr[i] == '_' || (s.ptr[i] >= 'a' && s.ptr[i] <= 'z') ||
			     (s.ptr[i] >= 'A' && s.ptr[i] <= 'Z') || (s.ptr[i] >= '0' && s.ptr[i] <= '9')))
		i++;
	if (i + 1 >= s.len || s.ptr[i] != ':' || s.ptr[i + 1] != ' ')
		return 0;
	s.len = i;
	if (!ib_cu_ends(s, "error") && !ib_cu_ends(s, "abort") && !ib_cu_ends(s, "readonly"))
		return 0;
	return i + 2;
}

static int il_probe(struct ib_str line)
{
	line = ib_str_trim(line);
	if (exc_len(line))
		return 90;
	if (ib_str_starts(line, "File \"") && ib_str_find(line, "imaplib.py\"", 11) > 0)
		return 60;
	if (ib_str_starts(line, "Traceback (most recent call last):"))
		return 20;
	return 0;
}

static int il_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	struct il_state *st = ctx->state;
	struct ib_str s = line;
	size_t n;
	long at;

	ib_cu_opt_time(&s, ctx->time, &ev->time_ms);
	s = ib_str_trim(s);
	n = exc_len(s);
	if (!n) {
		at = ib_str_find(s, "IMAP4_SSL(", 10);
		if (at < 0)
			at = ib_str_find(s, "IMAP4(", 6);
		if (at >= 0 && st) {
			struct ib_str r = ib_cu_skip(s, (size_t)at);
			long p = ib_cu_chr(r, '(');
			r = ib_cu_skip(r, (size_t)p + 1);
			if (r.len && (r.ptr[0] == '\'' || r.ptr[0] == '"')) {
				long q = ib_cu_chr(ib_cu_skip(r, 1), r.ptr[0]);
				if (q > 0)
					ib_cu_buf_set(&st->host, ib_cu_sub(r, 1, 1 + (size_t)q));
			}
		}
		return IB_SKIP; /* traceback frames, source lines, other output */
	}
	ev->message = s;
	if (st)
		ev->server = ib_cu_buf_str(&st->host);
	{
		struct ib_str what = ib_cu_skip(s, n);
		if (ib_str_find(what, "LOGIN", 5) >= 0 || ib_str_find(what, "AUTHENTICATE", 12) >= 0 ||
		    ib_str_find(what, "uthenticat", 10) >= 0)
			ev->flags |= IB_EV_AUTH_HINT;
	}
	return IB_OK;
}

const struct ib_parser ib_parser_imaplib = {
    .name = "imaplib",
    .description = "Python imaplib exceptions (tracebacks)",
    .layer = IB_LAYER_CLIENT,
    .probe = il_probe,
    .parse = il_parse,
    .open = il_open,
    .close = il_close,
};
