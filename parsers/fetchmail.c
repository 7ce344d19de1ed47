/*
 * fetchmail.c: fetchmail, layer client: syslog program "fetchmail", or stderr lines
 * "fetchmail: ..." (an optional ts(1) timestamp before them; else no time).
 *   fetchmail: IMAP< A0004 NO Authentication failed.
 *   fetchmail: Authorization failure on lists@example.com@imap.gmail.com
 * ev->message = the text after "fetchmail: " (or after "fetchmail[pid]: "). Per-file state
 * carries the account (user, host) and the pending LOGIN tag; one failure per poll is
 * reported (the IMAP< NO line, which carries the server's reason, wins over the
 * "Authorization failure" and "Query status" lines that follow it).
 */
#include <stdlib.h>
#include "imapblast/parser.h"
#include "strparse.h"

static const char *const fm_programs[] = {"fetchmail", NULL};

struct fm_state {
	struct ib_sp_buf user;	     /* account user */
	struct ib_sp_buf host;	     /* account host (server) */
	struct ib_sp_buf login_user; /* user of the pending LOGIN */
	char tag[16];		     /* pending LOGIN/AUTHENTICATE tag */
	size_t tag_len;
	int failed;	 /* a failure event was emitted in this poll */
	int ok;		 /* a success event was emitted in this poll */
	int64_t last_ms; /* the time of the last event emitted, or 0 */
};

/*
 * A poll's lines come within seconds; daemons poll every minute or more.
 * An event this long after the last one is of a new poll, also where no
 * line ended the poll before (a timeout logs no "Query status=").
 */
#define FM_POLL_GAP_MS 45000

/*
 * One syslog file often interleaves several fetchmail daemons (one per
 * client host or per user, each with its own pid), so the carried account
 * is kept per (host, tag) in a fixed open-addressed table, probed linearly
 * over FM_PROBE slots. Only when all of them are taken by other daemons is
 * the first one taken over, and it starts empty: never carry one daemon's
 * account to another's failure. (A direct-mapped table of 64 lost a
 * daemon's account whenever two of a few dozen daemons shared a slot.)
 */
#define FM_SLOTS 1024
#define FM_PROBE 16

struct fm_table {
	uint64_t key[FM_SLOTS];
	struct fm_state slot[FM_SLOTS];
};

static void *fm_open(void)
{
	return calloc(1, sizeof(struct fm_table));
}

static struct fm_state *fm_slot(struct fm_table *t, const struct ib_syslog_hdr *hdr)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i, first;

	if (!t)
		return NULL;
	if (hdr) {
		for (i = 0; i < hdr->host.len; i++)
			h = (h ^ (unsigned char)hdr->host.ptr[i]) * 1099511628211ULL;
		h = (h ^ ' ') * 1099511628211ULL;
		for (i = 0; i < hdr->tag.len; i++)
			h = (h ^ (unsigned char)hdr->tag.ptr[i]) * 1099511628211ULL;
	}
	h |= 1; /* 0 marks a free slot */
	first = (size_t)(h % FM_SLOTS);
	for (size_t k = 0; k < FM_PROBE; k++) {
		i = (first + k) % FM_SLOTS;
		if (t->key[i] == h)
			return &t->slot[i];
		if (!t->key[i]) {
			t->key[i] = h;
			return &t->slot[i];
		}
	}
	i = first;
	t->key[i] = h;
	memset(&t->slot[i], 0, sizeof(t->slot[i]));
	return &t->slot[i];
}

static void fm_close(void *st)
{
	free(st);
}

/* "user@host" split on the last '@' */
static int split_at(struct ib_str s, struct ib_str *user, struct ib_str *host)
{
	long at = ib_sp_rchr(s, '@');

	if (at <= 0 || (size_t)at + 1 >= s.len)
		return -1;
	*user = ib_sp_sub(s, 0, (size_t)at);
	*host = ib_sp_from(s, (size_t)at + 1);
	return 0;
}

static void set_account(struct fm_state *st, struct ib_str user, struct ib_str host)
{
	if (!st)
		return;
	if (user.len)
		ib_sp_buf_set(&st->user, user);
	if (host.len)
		ib_sp_buf_set(&st->host, host);
}

static void carry(struct fm_state *st, struct ib_event *ev)
{
	if (!st)
		return;
	if (!ev->user.len)
		ev->user = ib_sp_buf_str(&st->user);
	if (!ev->server.len)
		ev->server = ib_sp_buf_str(&st->host);
}

static struct ib_str strip_dot(struct ib_str s)
{
	s = ib_str_trim(s);
	while (s.len && (s.ptr[s.len - 1] == '.' || s.ptr[s.len - 1] == ':'))
		s.len--;
	return s;
}

/* Start a new poll when ev comes long after the last event of st. */
static void poll_gap(struct fm_state *st, const struct ib_event *ev)
{
	if (ev->time_ms != IB_TIME_NONE && st->last_ms && ev->time_ms - st->last_ms > FM_POLL_GAP_MS)
		st->failed = st->ok = 0;
	if (ev->time_ms != IB_TIME_NONE)
		st->last_ms = ev->time_ms;
}

static int fail_event(struct fm_state *st, const struct ib_event *ev)
{
	if (st) {
		poll_gap(st, ev);
		if (st->failed)
			return IB_SKIP; /* already reported for this poll */
		st->failed = 1;
	}
	return IB_OK;
}

static int ok_event(struct fm_state *st, struct ib_event *ev)
{
	ev->outcome = IB_CAT_OK;
	ev->signature = "fetchmail-ok";
	if (st) {
		poll_gap(st, ev);
		if (st->ok)
			return IB_SKIP;
		st->ok = 1;
	}
	return IB_OK;
}

static int fm_msg(struct fm_state *st, struct ib_str msg, struct ib_event *ev)
{
	struct ib_str u, h, tok;
	long at;

	ev->message = msg;
	if (IB_SP_STARTS(msg, "IMAP> ")) {
		struct ib_str s = ib_sp_from(msg, 6), tag = ib_sp_token(s);

		if (!st)
			return IB_SKIP;
		s = ib_sp_from(s, tag.len + 1);
		if (IB_SP_CASESTARTS(s, "LOGIN ") || IB_SP_CASESTARTS(s, "AUTHENTICATE ")) {
			st->tag_len = tag.len < sizeof(st->tag) ? tag.len : 0;
			memcpy(st->tag, tag.ptr, st->tag_len);
			st->login_user.len = 0;
			if (IB_SP_CASESTARTS(s, "LOGIN ")) {
				s = ib_sp_from(s, 6);
				if (s.len && s.ptr[0] == '"') {
					long q = ib_sp_chr(ib_sp_from(s, 1), '"');
					u = q >= 0 ? ib_sp_sub(s, 1, 1 + (size_t)q) : IB_STR_NULL;
				} else {
					u = ib_sp_token(s);
				}
				ib_sp_buf_set(&st->login_user, u);
				if (u.len)
					ib_sp_buf_set(&st->user, u);
			}
		}
		return IB_SKIP;
	}
	if (IB_SP_STARTS(msg, "IMAP< ")) {
		struct ib_str s = ib_sp_from(msg, 6), tag = ib_sp_token(s);

		if (!st || !st->tag_len || tag.len != st->tag_len || memcmp(tag.ptr, st->tag, tag.len))
			return IB_SKIP;
		st->tag_len = 0;
		s = ib_sp_from(s, tag.len + 1);
		ev->protocol = IB_PROTO_IMAP;
		ev->user = ib_sp_buf_str(&st->login_user);
		carry(st, ev);
		ev->flags |= IB_EV_AUTH_HINT;
		if (IB_SP_STARTS(s, "OK"))
			return ok_event(st, ev);
		return fail_event(st, ev);
	}
	if (IB_SP_STARTS(msg, "Authorization failure on ")) {
		struct ib_str s = ib_sp_from(msg, 25);
		long p = IB_SP_FIND(s, " (previously authorized)");
		if (p >= 0)
			s.len = (size_t)p;
		s = ib_str_trim(s);
		if (split_at(s, &u, &h) == 0) {
			ev->user = u;
			ev->server = h;
			set_account(st, u, h);
		}
		carry(st, ev);
		ev->flags |= IB_EV_AUTH_HINT;
		return fail_event(st, ev);
	}
	if (IB_SP_STARTS(msg, "Lock-busy error on ") || IB_SP_STARTS(msg, "Server busy error on ")) {
		at = IB_SP_FIND(msg, " on ");
		if (split_at(strip_dot(ib_sp_from(msg, (size_t)at + 4)), &u, &h) == 0) {
			ev->user = u;
			ev->server = h;
			set_account(st, u, h);
		}
		carry(st, ev);
		return fail_event(st, ev);
	}
	if (IB_SP_STARTS(msg, "timeout after ") && (at = IB_SP_FIND(msg, " server ")) > 0) {
		ev->server = ib_sp_token(strip_dot(ib_sp_from(msg, (size_t)at + 8)));
		carry(st, ev);
		return fail_event(st, ev);
	}
	if (IB_SP_STARTS(msg, "connection to ") && IB_SP_FIND(msg, " failed") > 0) {
		tok = ib_sp_token(ib_sp_from(msg, 14));
		at = ib_sp_rchr(tok, ':');
		ev->server = at > 0 ? ib_sp_sub(tok, 0, (size_t)at) : tok;
		carry(st, ev);
		return fail_event(st, ev);
	}
	if (IB_SP_STARTS(msg, "Received BYE response from IMAP server")) {
		carry(st, ev);
		return fail_event(st, ev);
	}
	if (IB_SP_STARTS(msg, "Query status=")) {
		uint64_t code = 0;
		int rc;
		struct ib_str num = ib_sp_from(msg, 13);

		(void)ib_sp_u64(&num, &code);
		carry(st, ev);
		if (code <= 1)
			rc = ok_event(st, ev);
		else if (code == 8)
			rc = IB_SKIP; /* EXCLUDE: nothing was polled */
		else
			rc = fail_event(st, ev);
		if (st)
			st->failed = st->ok = 0; /* the poll ends here */
		return rc;
	}
	if (IB_SP_STARTS(msg, "Service has been restored")) {
		carry(st, ev);
		return ok_event(st, ev);
	}
	/* "3 messages for bob at imap.example.com (1234 octets)." / "No mail for bob at host" */
	if ((at = IB_SP_FIND(msg, " for ")) >= 0 &&
	    (IB_SP_STARTS(msg, "No mail for ") ||
	     IB_SP_FIND(ib_sp_sub(msg, 0, (size_t)at), " message") > 0)) {
		struct ib_str s = ib_sp_from(msg, (size_t)at + 5);
		long p = IB_SP_FIND(s, " (");
		if (p >= 0)
			s.len = (size_t)p;
		s = strip_dot(s);
		p = IB_SP_RFIND(s, " at ");
		if (p > 0) {
			ev->user = ib_sp_sub(s, 0, (size_t)p);
			ev->server = ib_sp_token(ib_sp_from(s, (size_t)p + 4));
			set_account(st, ev->user, ev->server);
		}
		carry(st, ev);
		return ok_event(st, ev);
	}
	if ((at = IB_SP_FIND(msg, "querying ")) >= 0 && at < 24) {
		h = strip_dot(ib_sp_token(ib_sp_from(msg, (size_t)at + 9)));
		if (st) {
			if (!ib_str_eq(h, ib_sp_buf_str(&st->host)))
				st->user.len = 0;
			ib_sp_buf_set(&st->host, h);
			st->failed = st->ok = 0;
			st->tag_len = 0;
		}
		return IB_SKIP;
	}
	return IB_SKIP;
}

static int fm_parse_msg(struct ib_parse_ctx *ctx, const struct ib_syslog_hdr *hdr, struct ib_str msg,
			struct ib_event *ev)
{
	return fm_msg(fm_slot(ctx->state, hdr), msg, ev);
}

static int fm_probe(struct ib_str line)
{
	long at = IB_SP_FIND(line, "fetchmail: ");

	if (at == 0)
		return 90;
	if (at > 0 && at < 40 && line.len && line.ptr[0] >= '0' && line.ptr[0] <= '9')
		return 60; /* ts(1) prefix */
	return 0;
}

static int fm_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	struct ib_str s = line;

	(void)ib_sp_time(&s, ctx->time, &ev->time_ms);
	if (!IB_SP_STARTS(s, "fetchmail: "))
		return IB_SKIP; /* continuation or unrelated output */
	return fm_msg(fm_slot(ctx->state, NULL), ib_sp_from(s, 11), ev);
}

const struct ib_parser ib_parser_fetchmail = {
    .name = "fetchmail",
    .description = "fetchmail client (syslog or stderr, -v transcripts)",
    .layer = IB_LAYER_CLIENT,
    .probe = fm_probe,
    .parse = fm_parse,
    .programs = fm_programs,
    .parse_msg = fm_parse_msg,
    .open = fm_open,
    .close = fm_close,
};
