/*
 * pam.c: pam_unix failures of the mail services (a syslog message parser),
 * joined to the daemon's own line for the same login, e.g.
 *   Apr 19 05:22:20 vm5 auth: pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0
 *   tty=dovecot ruser=informix rhost=80.255.3.104
 *   May 21 11:32:17 server authdaemond: pam_unix(imap:auth): authentication failure; ... rhost= user=bob
 * Message: everything after "prog[pid]: " (the pam_unix(...) part may follow a Dovecot process
 * prefix, "auth: "). user: the last user=, else ruser=; ip: the last rhost= when it is an IP.
 *
 * The join (docs/method.md): PAM runs inside the daemon's authentication,
 * so one failed login often writes a PAM line and then the daemon's own
 * line (Dovecot's "pam(u,ip): pam_authenticate() failed" or "(auth failed",
 * UW-IMAP's "Login failed user=", Courier's "LOGIN FAILED, user="). A PAM
 * line is held; a daemon failure line of the same file, for the same user
 * (case ignored) and, when both name one, the same client IP, logged within
 * IB_PAM_JOIN_MS after it, claims it and the PAM line is dropped as
 * corroborating evidence. A PAM line that no daemon line claims is an event
 * of its own (category credentials), released once a later line of this
 * parser is past the window, or at end of file, with its own line number.
 * The parser sees the daemon lines because it lists their programs and
 * declines them; with nothing held the runtime does not even offer them
 * (the mark "pam_unix(", parser.h).
 */
#include <stdlib.h>
#include "imapblast/parser.h"
#include "strparse.h"

#define IB_PAM_JOIN_MS (60 * 1000)
#define PAM_HELD 64

struct pam_rec {
	int64_t time_ms;
	uint64_t lineno;
	enum ib_proto proto;
	int ready; /* past the window: release it */
	struct ib_sp_buf user, ip, host, msg;
};

struct pam_state {
	struct pam_rec rec[PAM_HELD];
	size_t head, n;	    /* a ring, oldest first */
	struct pam_rec out; /* the record a released event points into */
};

static void *pam_open(void)
{
	return calloc(1, sizeof(struct pam_state));
}

static void pam_close(void *st)
{
	free(st);
}

/*
 * Where "pam_unix(" starts in msg, or -1: at its start, or after its
 * first ": " (a Dovecot process prefix: "auth: ", "auth-worker(3): ").
 * Most lines of the programs listed are the daemons' own, so this is the
 * hot path: one short memchr.
 */
static long pam_at(struct ib_str msg)
{
	const char *c;

	if (msg.len > 9 && msg.ptr[0] == 'p')
		return IB_SP_STARTS(msg, "pam_unix(") ? 0 : -1;
	c = memchr(msg.ptr, ':', msg.len < 32 ? msg.len : 32);
	if (!c || (size_t)(c - msg.ptr) + 11 > msg.len || c[1] != ' ' || c[2] != 'p')
		return -1;
	return ib_sp_starts(ib_sp_from(msg, (size_t)(c - msg.ptr) + 2), "pam_unix(", 9) ? c - msg.ptr + 2
											: -1;
}

/* The mail services whose PAM failures this parser reads. */
static int mail_service(struct ib_str svc)
{
	return IB_SP_EQ(svc, "dovecot") || IB_SP_EQ(svc, "imap") || IB_SP_EQ(svc, "imaps") ||
	       IB_SP_EQ(svc, "pop3") || IB_SP_EQ(svc, "pop3s") || IB_SP_EQ(svc, "pop") ||
	       IB_SP_EQ(svc, "courier") || IB_SP_EQ(svc, "imap4");
}

static int user_eq(struct ib_str a, struct ib_str b)
{
	if (a.len != b.len)
		return 0;
	for (size_t i = 0; i < a.len; i++)
		if (ib_sp_lower((unsigned char)a.ptr[i]) != ib_sp_lower((unsigned char)b.ptr[i]))
			return 0;
	return 1;
}

/*
 * The user and client IP of a daemon's failure line, or -1 when the line
 * is not one. Only the wordings that follow a PAM check are read.
 */
static int daemon_failure(struct ib_str m, struct ib_str *user, struct ib_str *ip)
{
	struct ib_str v;
	long at;

	*user = *ip = IB_STR_NULL;
	if ((at = IB_SP_FIND(m, "(auth failed")) >= 0) { /* Dovecot login process */
		if (IB_SP_FIELD(m, "user=<", '>', &v) == 0)
			*user = v;
		if (IB_SP_RFIELD_WORD(m, "rip=", &v) == 0)
			*ip = v;
	} else if ((at = IB_SP_FIND(m, "pam(")) >= 0 && IB_SP_FIND(m, "): pam_authenticate() failed") > at) {
		struct ib_str in = ib_sp_from(m, (size_t)at + 4); /* Dovecot auth: pam(user,ip[,<s>]) */
		long c = ib_sp_chr(in, ','), e = ib_sp_chr(in, ')');

		if (c <= 0 || e < c)
			return -1;
		*user = ib_sp_sub(in, 0, (size_t)c);
		v = ib_sp_sub(in, (size_t)c + 1, (size_t)e);
		if ((c = ib_sp_chr(v, ',')) >= 0)
			v.len = (size_t)c;
		*ip = v;
	} else if (IB_SP_STARTS(m, "Login failed user=")) { /* UW-IMAP */
		struct ib_str s = ib_sp_from(m, 18);
		long h = IB_SP_FIND(m, " host=");

		*user = ib_sp_token(s);
		if (h >= 0) {
			struct ib_str hs = ib_sp_from(m, (size_t)h + 6);
			long b = ib_sp_rchr(hs, '['), e = ib_sp_rchr(hs, ']');

			if (b >= 0 && e > b)
				*ip = ib_sp_sub(hs, (size_t)b + 1, (size_t)e);
		}
	} else if (IB_SP_STARTS(m, "LOGIN FAILED, ")) { /* Courier */
		if (IB_SP_FIELD(m, "user=", ',', &v) == 0)
			*user = v;
		if (IB_SP_RFIELD(m, "ip=[", ']', &v) == 0)
			*ip = v;
	} else {
		return -1;
	}
	*ip = ib_sp_ip_norm(*ip);
	return user->len ? 0 : -1;
}

/* Drop the held PAM records that this daemon line claims. */
static void claim(struct pam_state *st, int64_t t, struct ib_str msg)
{
	struct ib_str user, ip;

	if (daemon_failure(msg, &user, &ip) < 0)
		return;
	for (size_t k = 0; k < st->n; k++) {
		struct pam_rec *r = &st->rec[(st->head + k) % PAM_HELD];
		struct ib_str ru = ib_sp_buf_str(&r->user), rip = ib_sp_buf_str(&r->ip);

		if (r->ready || r->time_ms == IB_TIME_NONE || t < r->time_ms ||
		    t - r->time_ms > IB_PAM_JOIN_MS)
			continue;
		if (!user_eq(ru, user) || (rip.len && ip.len && !ib_str_eq(rip, ip)))
			continue;
		/* claimed: take it out, keeping the ring in order */
		for (size_t j = k; j + 1 < st->n; j++)
			st->rec[(st->head + j) % PAM_HELD] = st->rec[(st->head + j + 1) % PAM_HELD];
		st->n--;
		return;
	}
}

/* Mark the records past the window at time t (all when t is IB_TIME_NONE). */
static void expire(struct pam_state *st, int64_t t)
{
	for (size_t k = 0; k < st->n; k++) {
		struct pam_rec *r = &st->rec[(st->head + k) % PAM_HELD];

		if (t == IB_TIME_NONE || r->time_ms == IB_TIME_NONE || t - r->time_ms > IB_PAM_JOIN_MS)
			r->ready = 1;
	}
}

static int pam_line(struct ib_parse_ctx *ctx, const struct ib_syslog_hdr *hdr, struct ib_str msg,
		    struct ib_event *ev)
{
	struct pam_state *st = ctx->state;
	struct ib_str r, svc, v, user = IB_STR_NULL, ip = IB_STR_NULL;
	struct pam_rec *rec;
	long at = pam_at(msg), c;

	if (at < 0) {
		if (st && st->n)
			claim(st, hdr->time_ms, msg);
		return IB_DECLINE;
	}
	r = ib_sp_from(msg, (size_t)at + 9);
	c = ib_sp_chr(r, ':');
	if (c <= 0 || !IB_SP_STARTS(ib_sp_from(r, (size_t)c), ":auth): "))
		return IB_DECLINE;
	svc = ib_sp_sub(r, 0, (size_t)c);
	if (!mail_service(svc))
		return IB_DECLINE;
	r = ib_sp_from(r, (size_t)c + 8);
	if (!IB_SP_STARTS(r, "authentication failure;"))
		return IB_SKIP; /* "check pass; user unknown": the same attempt, said first */
	if (IB_SP_RFIELD_WORD(r, "rhost=", &v) == 0 && ib_sp_is_ip(v))
		ip = ib_sp_ip_norm(v);
	if (IB_SP_RFIELD_WORD(r, "user=", &v) == 0 && v.len)
		user = v;
	else if (IB_SP_FIELD_WORD(r, "ruser=", &v) == 0 && v.len)
		user = v;
	ev->message = msg;
	ev->server = hdr->host;
	ev->user = user;
	ev->ip = ip;
	ev->protocol = ib_proto_of_program(svc);
	ev->outcome = IB_CAT_CREDENTIALS;
	ev->signature = "pam-unix-auth-failure";
	ev->flags |= IB_EV_AUTH_HINT;
	if (!st || !user.len || hdr->time_ms == IB_TIME_NONE)
		return IB_OK; /* nothing to join on: an event now */
	expire(st, hdr->time_ms);
	if (st->n == PAM_HELD) {
		/* full of lines no daemon claimed (a PAM-only log): this one is an
		 * event now, and the held ones go out after it */
		expire(st, IB_TIME_NONE);
		return IB_OK;
	}
	rec = &st->rec[(st->head + st->n++) % PAM_HELD];
	rec->time_ms = hdr->time_ms;
	rec->lineno = ctx->lineno;
	rec->proto = ev->protocol;
	rec->ready = 0;
	ib_sp_buf_set(&rec->user, user);
	ib_sp_buf_set(&rec->ip, ip);
	ib_sp_buf_set(&rec->host, hdr->host);
	ib_sp_buf_set(&rec->msg, msg);
	return IB_SKIP; /* held: released by drain, or dropped by a claim */
}

/* The runtime offers a daemon line only while records are held (parser.h: mark). */
static int pam_msg(struct ib_parse_ctx *ctx, const struct ib_syslog_hdr *hdr, struct ib_str msg,
		   struct ib_event *ev)
{
	int rc = pam_line(ctx, hdr, msg, ev);

	ctx->held = ctx->state ? ((struct pam_state *)ctx->state)->n : 0;
	return rc;
}

static int pam_release(struct ib_parse_ctx *ctx, int eof, struct ib_event *ev)
{
	struct pam_state *st = ctx->state;
	struct pam_rec *r;

	if (!st || !st->n)
		return IB_EOF;
	r = &st->rec[st->head];
	if (!r->ready && !eof)
		return IB_EOF;
	st->out = *r;
	st->head = (st->head + 1) % PAM_HELD;
	st->n--;
	r = &st->out;
	ev->time_ms = r->time_ms;
	ev->message = ib_sp_buf_str(&r->msg);
	ev->server = ib_sp_buf_str(&r->host);
	ev->user = ib_sp_buf_str(&r->user);
	ev->ip = ib_sp_buf_str(&r->ip);
	ev->protocol = r->proto;
	ev->outcome = IB_CAT_CREDENTIALS;
	ev->signature = "pam-unix-auth-failure";
	ev->flags |= IB_EV_AUTH_HINT;
	ctx->lineno = r->lineno; /* the evidence is the PAM line, not the one it was released after */
	return IB_OK;
}

static int pam_drain(struct ib_parse_ctx *ctx, int eof, struct ib_event *ev)
{
	int rc = pam_release(ctx, eof, ev);

	ctx->held = ctx->state ? ((struct pam_state *)ctx->state)->n : 0;
	return rc;
}

static const char *const pam_programs[] = {
    "dovecot", "dovecot-auth", "auth",	    "auth-worker", "imap-login", "pop3-login", "imapd", "imapd-ssl",
    "ipop3d",  "pop3d",	       "pop3d-ssl", "authdaemond", "saslauthd",	 "courier*",   NULL};

const struct ib_parser ib_parser_pam = {
    .name = "pam",
    .description = "pam_unix failures of IMAP/POP3 services, joined to the daemon's line",
    .layer = IB_LAYER_SERVER,
    .programs = pam_programs,
    .parse_msg = pam_msg,
    .mark = "pam_unix(",
    .open = pam_open,
    .close = pam_close,
    .drain = pam_drain,
};
