/*
 * dovecot.c: Dovecot 1.x-2.4 login, auth and proxy lines (a syslog message
 * parser; syslog.c reads the envelope), e.g.
 *   Jun 13 16:30:54 platypus dovecot: imap-login: Disconnected (auth failed, 2 attempts): user=<bob>,
 * method=PLAIN, rip=49.176.98.87, lip=113.212.99.194, TLS Jan 29 09:33:58 pop3-login: Info: Aborted login
 * (auth failed, 1 attempts in 2 secs): user=<grace>, ... Aug 30 00:10:57
 * auth(info@example.com,192.0.2.110,sasl:login)<CvN+E95U>: Info: sql: Password mismatch Message: after
 * "dovecot[pid]: " for syslog; from the process name on for log_path/TAI64N files, so both read "imap-login:
 * ...".
 */
#include "imapblast/parser.h"
#include "strparse.h"

static int is_level(struct ib_str *r, int *severe)
{
#define LVL(s)                                                                                               \
	{                                                                                                    \
		s, sizeof(s) - 1                                                                             \
	}
	static const struct {
		const char *s;
		size_t n;
	} levels[] = {LVL("Info: "),  LVL("Debug: "), LVL("Warning: "),
		      LVL("Error: "), LVL("Fatal: "), LVL("Panic: ")};
#undef LVL

	/* most messages have no level: "Login: ...", "Disconnected ..." */
	if (!r->len)
		return 0;
	switch (r->ptr[0]) {
	case 'I':
	case 'D':
	case 'W':
	case 'E':
	case 'F':
	case 'P':
		break;
	default:
		return 0;
	}
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		if (ib_sp_skip(r, levels[i].s, levels[i].n) == 0) {
			*severe = i >= 2;
			return 1;
		}
	}
	return 0;
}

/*
 * Dovecot's messages are short: its finds memchr for the literal's first
 * byte (IB_SP_FIND_AT with r = 0), which costs less than choosing a byte.
 */

/* [a-zA-Z0-9_-]: Dovecot process and passdb driver names (bytes >= 0x80: no). */
static const unsigned char name_byte[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
};

static int name_char(char c)
{
	return name_byte[(unsigned char)c];
}

/*
 * 1 for the processes whose lines are read: *-login (then *login = 1),
 * auth, auth-worker, dovecot-auth. Mail processes (imap, lmtp, pop3...)
 * write most lines and none about logins.
 */
static int wanted(struct ib_str name, int *login)
{
	*login = IB_SP_ENDS(name, "-login");
	return *login || IB_SP_EQ(name, "auth") || IB_SP_EQ(name, "auth-worker") ||
	       IB_SP_EQ(name, "dovecot-auth");
}

/*
 * Read "name[(...)][<...>]: " at the start of s (a Dovecot process prefix
 * inside a syslog message). Sets name and the whole tag; *rest after ": ".
 * -1 also when the process is not wanted (its tag is then not read).
 */
static int read_proc(struct ib_str s, struct ib_str *name, struct ib_str *tag, struct ib_str *rest,
		     int *login)
{
	size_t i = 0;

	while (i < s.len && name_char(s.ptr[i]))
		i++;
	if (!i)
		return -1;
	*name = ib_sp_span(s.ptr, s.ptr + i);
	if (!wanted(*name, login))
		return -1;
	while (i < s.len && (s.ptr[i] == '(' || s.ptr[i] == '<' || s.ptr[i] == '[')) {
		char close = s.ptr[i] == '(' ? ')' : s.ptr[i] == '<' ? '>' : ']';
		const char *e = memchr(s.ptr + i, close, s.len - i);

		if (!e)
			return -1;
		i = (size_t)(e - s.ptr) + 1;
	}
	if (i + 1 >= s.len || s.ptr[i] != ':' || s.ptr[i + 1] != ' ')
		return -1;
	*tag = ib_sp_span(s.ptr, s.ptr + i);
	*rest = ib_sp_from(s, i + 2);
	return 0;
}

/*
 * "driver(user,ip[,third])" followed by ':' or '<' at s. On success sets
 * user, ip, session (third when it is "<...>", else the "<...>" after ')').
 */
static int passdb_at(struct ib_str s, struct ib_event *ev)
{
	size_t i = 0;
	const char *open, *close = NULL, *end = s.ptr + s.len, *c1, *c2 = NULL;
	struct ib_str in, user, ip, third = IB_STR_NULL;

	while (i < s.len && name_char(s.ptr[i]))
		i++;
	if (!i || i >= s.len || s.ptr[i] != '(')
		return -1;
	open = s.ptr + i;
	for (const char *p = open + 1; p < end; p++) {
		p = memchr(p, ')', (size_t)(end - p));
		if (!p)
			return -1;
		if (p + 1 < end && (p[1] == ':' || p[1] == '<')) {
			close = p;
			break;
		}
	}
	if (!close)
		return -1;
	in = ib_sp_span(open + 1, close);
	c1 = memrchr(in.ptr, ',', in.len);
	if (!c1)
		return -1;
	ip = ib_sp_span(c1 + 1, close);
	if (!ib_sp_is_ip(ip)) {
		/* three fields: user,ip,<session> or user,ip,sasl:mech or user,ip, */
		third = ip;
		c2 = memrchr(in.ptr, ',', (size_t)(c1 - in.ptr));
		if (!c2)
			return -1;
		ip = ib_sp_span(c2 + 1, c1);
		if (ip.len && !ib_sp_is_ip(ip))
			return -1;
		c1 = c2;
	}
	user = ib_sp_span(in.ptr, c1);
	ev->user = user;
	ev->ip = ib_sp_ip_norm(ip);
	if (third.len > 2 && third.ptr[0] == '<' && third.ptr[third.len - 1] == '>') {
		ev->session = ib_sp_span(third.ptr + 1, third.ptr + third.len - 1);
	} else if (close[1] == '<') {
		const char *e = memchr(close + 2, '>', (size_t)(end - close - 2));

		if (e)
			ev->session = ib_sp_span(close + 2, e);
	}
	return 0;
}

/* Find a passdb prefix among the ": "-separated segments of s. */
static int find_passdb(struct ib_str s, struct ib_event *ev)
{
	for (int seg = 0; seg < 8 && s.len; seg++) {
		long sep;

		if (passdb_at(s, ev) == 0)
			return 0;
		sep = IB_SP_FIND_AT(s, ": ", 0);
		if (sep < 0)
			break;
		s = ib_sp_from(s, (size_t)sep + 2);
	}
	return -1;
}

static const char *const auth_markers[] = {"temporary failure",
					   "Worker process died",
					   "Auth request was queued",
					   "Aborting auth request",
					   "Unexpected exit",
					   "authentication failure",
					   "binding failed",
					   "Connection refused",
					   "timed out",
					   NULL};

static int auth_line(struct ib_str whole, struct ib_str r, int severe, struct ib_event *ev)
{
	long q;

	if (find_passdb(whole, ev) == 0) {
		if (IB_SP_FIND_AT(r, "mismatch", 0) >= 0 || IB_SP_FIND_AT(r, "unknown user", 0) >= 0 ||
		    IB_SP_FIND_AT(r, "failed", 0) >= 0 || IB_SP_FIND_AT(r, "invalid", 0) >= 0 ||
		    IB_SP_FIND_AT(r, "denied", 0) >= 0 || IB_SP_FIND_AT(r, "failure", 0) >= 0 ||
		    IB_SP_FIND_AT(r, "disabled", 0) >= 0 || IB_SP_FIND_AT(r, "expired", 0) >= 0)
			ev->flags |= IB_EV_AUTH_HINT;
		return IB_OK;
	}
	if ((q = IB_SP_FIND_AT(r, "pam_unix(", 0)) >= 0 &&
	    IB_SP_FIND_AT(r, "authentication failure", 0) >= 0) {
		struct ib_str v = ib_sp_from(r, (size_t)q + 9);
		long c = ib_sp_chr(v, ':');

		/* read here only with --format dovecot; the pam parser joins them otherwise */
		if (c > 0)
			ev->protocol = ib_proto_of_program(ib_sp_sub(v, 0, (size_t)c));

		if (IB_SP_RFIELD_WORD(r, "rhost=", &v) == 0 && v.len)
			ev->ip = v;
		if (IB_SP_RFIELD_WORD(r, "user=", &v) == 0 && v.len)
			ev->user = v;
		else if (IB_SP_FIELD_WORD(r, "ruser=", &v) == 0 && v.len)
			ev->user = v;
		ev->flags |= IB_EV_AUTH_HINT;
		return IB_OK;
	}
	for (size_t i = 0; auth_markers[i]; i++)
		if (ib_sp_find_at(r, auth_markers[i], strlen(auth_markers[i]), 0) >= 0)
			severe = 1;
	if (!severe)
		return IB_SKIP;
	/* "auth-worker: Aborted PASSV request for <user>: Worker process died unexpectedly" */
	if ((q = IB_SP_FIND_AT(r, " request for ", 0)) >= 0) {
		struct ib_str u = ib_sp_from(r, (size_t)q + 13);
		long e = IB_SP_FIND_AT(u, ": ", 0);

		if (e > 0)
			ev->user = ib_sp_sub(u, 0, (size_t)e);
	}
	ev->flags |= IB_EV_AUTH_HINT;
	return IB_OK;
}

/* Backend from a proxy message: first token after `lit`, without port suffix noise. */
static struct ib_str token_after(struct ib_str t, const char *lit, size_t n)
{
	long at = ib_sp_find_at(t, lit, n, 0);
	struct ib_str w;

	if (at < 0)
		return IB_STR_NULL;
	t = ib_sp_from(t, (size_t)at + n);
	(void)ib_sp_word(&t, &w);
	if (w.len && w.ptr[w.len - 1] == ':')
		w.len--;
	if ((at = ib_sp_chr(w, '/')) >= 0)
		w.len = (size_t)at;
	return w;
}

/*
 * The value after the LAST key in s that sits at the start of s or after
 * ' ' or ',' (what ib_sp_rfield_word finds), or NULL. Candidates are
 * found by memrchr on key[a], a byte of the key chosen to be rare in
 * Dovecot's field values ('<' of "session=<"), so the usual line takes one
 * memrchr per field instead of several.
 */
/* !memcmp(k, key, klen) without a call for the short keys (4 to 16 bytes: two overlapping words). */
static inline int key_at(const char *k, const char *key, size_t klen)
{
	uint64_t x, y, z, w;
	uint32_t p, q, r, t;

	if (klen >= 8 && klen <= 16) {
		memcpy(&x, k, 8);
		memcpy(&y, key, 8);
		memcpy(&z, k + klen - 8, 8);
		memcpy(&w, key + klen - 8, 8);
		return !((x ^ y) | (z ^ w));
	}
	if (klen >= 4 && klen < 8) {
		memcpy(&p, k, 4);
		memcpy(&q, key, 4);
		memcpy(&r, k + klen - 4, 4);
		memcpy(&t, key + klen - 4, 4);
		return !((p ^ q) | (r ^ t));
	}
	return !memcmp(k, key, klen);
}

static inline const char *rkey(struct ib_str s, const char *key, size_t klen, size_t a)
{
	size_t n; /* anchors of candidate starts lie in s.ptr[a .. n) */

	if (s.len < klen)
		return NULL;
	n = s.len - klen + a + 1;
	while (n > a) {
		const char *q = memrchr(s.ptr + a, key[a], n - a);
		const char *k;

		if (!q)
			return NULL;
		k = q - a;
		if (key_at(k, key, klen) && (k == s.ptr || k[-1] == ' ' || k[-1] == ','))
			return k + klen;
		n = (size_t)(q - s.ptr);
	}
	return NULL;
}

/* IB_SP_RFIELD_WORD: the value ends at ',', ' ' or the end of s. */
static inline int rfield_word(struct ib_str s, const char *key, size_t klen, size_t a, struct ib_str *out)
{
	const char *v = rkey(s, key, klen, a), *e, *sp;

	if (!v)
		return -1;
	/* memchr for ',' then for ' ' before it, not a byte loop testing both */
	e = memchr(v, ',', (size_t)(s.ptr + s.len - v));
	if (!e)
		e = s.ptr + s.len;
	if ((sp = memchr(v, ' ', (size_t)(e - v))) != NULL)
		e = sp;
	*out = ib_sp_span(v, e);
	return 0;
}

/*
 * IB_SP_FIELD(r, "user=<", '>', v) without memmem: the first "user=<" at
 * the start of r or after ' ' or ',', up to the next '>'.
 */
static int user_field(struct ib_str r, struct ib_str *out)
{
	struct ib_str s = r;
	const char *k, *e;
	long at;

	while ((at = IB_SP_FIND_AT(s, "user=<", 0)) >= 0) {
		k = s.ptr + at;
		if (k == r.ptr || k[-1] == ' ' || k[-1] == ',') {
			k += 6;
			e = memchr(k, '>', (size_t)(r.ptr + r.len - k));
			if (!e)
				return -1;
			*out = ib_sp_span(k, e);
			return 0;
		}
		s = ib_sp_span(k + 1, r.ptr + r.len);
	}
	return -1;
}

static void login_fields(struct ib_str r, struct ib_event *ev)
{
	struct ib_str v;
	const char *rip = NULL, *sv, *e;

	if (rfield_word(r, "rip=", 4, 0, &v) == 0) {
		ev->ip = ib_sp_ip_norm(v); /* 1.x logs IPv4 as ::ffff:a.b.c.d */
		rip = v.ptr;
	}
	if (user_field(r, &v) == 0) {
		/* a user name may hold '>' or a fake "rip=": end at the last '>' before rip */
		if (rip && v.ptr < rip) {
			const char *gt = memrchr(v.ptr, '>', (size_t)(rip - v.ptr));

			if (gt)
				v = ib_sp_span(v.ptr, gt);
		}
		if (v.len)
			ev->user = v;
	}
	/* IB_SP_RFIELD(r, "session=<", '>') */
	if ((sv = rkey(r, "session=<", 9, 8)) != NULL &&
	    (e = memchr(sv, '>', (size_t)(r.ptr + r.len - sv))) != NULL)
		ev->session = ib_sp_span(sv, e);
	if (rfield_word(r, "lip=", 4, 0, &v) == 0) {
		ev->local = v; /* what a proxy's upstream names it by (agg_join.c) */
		if (!ev->server.len)
			ev->server = v;
	}
}

static int proxy_line(struct ib_str r, struct ib_event *ev)
{
	long at = IB_SP_FIND_AT(r, "): ", 0);
	struct ib_str in, t, srv = IB_STR_NULL, user;
	const char *comma, *e;

	if (at < 0)
		return IB_SKIP;
	e = r.ptr + at;
	in = ib_sp_span(r.ptr + 6, e);
	t = ib_sp_from(r, (size_t)(e - r.ptr) + 3);
	comma = memrchr(in.ptr, ',', in.len);
	if (comma && memchr(comma, ':', (size_t)(in.ptr + in.len - comma))) {
		user = ib_sp_span(in.ptr, comma);
		srv = ib_sp_span(comma + 1, in.ptr + in.len);
	} else {
		user = in;
	}
	if (!srv.len) {
		if (IB_SP_STARTS(t, "connect(")) {
			const char *c = memchr(t.ptr, ',', t.len);

			if (c)
				srv = ib_sp_span(t.ptr + 8, c);
		} else if (IB_SP_STARTS(t, "Login failed to ")) {
			srv = token_after(t, "Login failed to ", 16);
		} else if (IB_SP_STARTS(t, "started proxying to ")) {
			srv = token_after(t, "started proxying to ", 20);
		} else if (IB_SP_STARTS(t, "disconnecting ")) {
			srv = token_after(t, "disconnecting ", 14);
		} else if (IB_SP_STARTS(t, "Login for ")) {
			srv = token_after(t, "Login for ", 10);
		} else if (IB_SP_STARTS(t, "Host ")) {
			srv = token_after(t, "Host ", 5);
		}
	}
	ev->layer = IB_LAYER_PROXY;
	ev->server = srv;
	login_fields(t, ev);
	if (!ev->user.len)
		ev->user = user;
	ev->flags |= IB_EV_AUTH_HINT;
	return IB_OK;
}

/*
 * A connection that ended before any login was tried (scanners, load
 * balancer health checks, TLS failures): not a login attempt, so it is
 * filed as a connection outcome (server health only, never a user). Only
 * the text before the first '<' is read, so a user name cannot fake it.
 */
static int no_attempt(struct ib_str r)
{
#define MARK(s)                                                                                              \
	{                                                                                                    \
		s, sizeof(s) - 1                                                                             \
	}
	static const struct {
		const char *s;
		size_t n;
	} marks[] = {
	    MARK("(no auth attempts"),
	    MARK("(disconnected during TLS handshake"),
	    MARK("(cert required"),
	    MARK("(client didn't send a cert"),
	    MARK("(no_auth_attempts)"),
	    MARK("(tls_handshake_not_finished)"),
	    MARK("(client_ssl_not_started)"),
	    MARK("(client_ssl_cert_missing)"),
	    MARK("(client_ssl_cert_untrusted)"),
	};
#undef MARK
	const char *lt = memchr(r.ptr, '<', r.len);
	const char *p = r.ptr, *end = lt ? lt : r.ptr + r.len;

	/* every mark starts with '(': try them only where one opens */
	while (p < end && (p = memchr(p, '(', (size_t)(end - p))) != NULL) {
		size_t room = (size_t)(end - p);

		for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
			if (marks[i].n <= room && !memcmp(p, marks[i].s, marks[i].n))
				return 1;
		p++;
	}
	return 0;
}

/* 1 when r holds "(proxy dest" or "(proxy_dest". */
static int proxy_dest(struct ib_str r)
{
	const char *p = r.ptr, *end = r.ptr + r.len;

	while (p < end && (p = memchr(p, '(', (size_t)(end - p))) != NULL) {
		if ((size_t)(end - p) >= 11 && !memcmp(p + 1, "proxy", 5) && (p[6] == ' ' || p[6] == '_') &&
		    !memcmp(p + 7, "dest", 4))
			return 1;
		p++;
	}
	return 0;
}

static int login_line(struct ib_str r, struct ib_event *ev)
{
	int has_fields;
	const char *paren;

	if (IB_SP_STARTS(r, "proxy("))
		return proxy_line(r, ev);
	login_fields(r, ev);
	has_fields = ev->ip.len || ev->user.len || IB_SP_FIND_AT(r, "user=<>", 0) >= 0;
	if (!has_fields && IB_SP_FIND_AT(r, "uth process", 0) < 0 &&
	    IB_SP_FIND_AT(r, "auth service", 0) < 0 &&
	    !((IB_SP_STARTS(r, "Disconnected") || IB_SP_STARTS(r, "Aborted login") ||
	       IB_SP_STARTS(r, "Login aborted")) &&
	      IB_SP_FIND_AT(r, " (", 0) >= 0))
		return IB_SKIP;
	/* both marks below open with '(': most lines ("Login: user=<...>, ...") have none */
	paren = memchr(r.ptr, '(', r.len);
	if (paren && proxy_dest(ib_sp_span(paren, r.ptr + r.len)))
		ev->layer = IB_LAYER_PROXY;
	if (IB_SP_STARTS(r, "Login:") || IB_SP_STARTS(r, "Logged in:") || IB_SP_FIND_AT(r, "auth", 0) >= 0)
		ev->flags |= IB_EV_AUTH_HINT;
	/*
	 * A successful login states its outcome (2.3 "Login:", 2.4 "Logged in:")
	 * and is by far the commonest event: it skips the signature engine. The
	 * signature names are those of the default rules for the same lines.
	 */
	if (IB_SP_STARTS(r, "Login:")) {
		ev->outcome = IB_CAT_OK;
		ev->signature = "dovecot-login-ok";
	} else if (IB_SP_STARTS(r, "Logged in:")) {
		ev->outcome = IB_CAT_OK;
		ev->signature = "dovecot-logged-in-ok";
	}
	if (paren && no_attempt(r))
		ev->flags |= IB_EV_CONNECTION;
	return IB_OK;
}

/* A non-"dovecot" program (log_path file, TAI64N) that is Dovecot's own. */
static int own_line(const struct ib_syslog_hdr *hdr, struct ib_str msg)
{
	struct ib_str r = msg;
	int severe;

	if (memchr(hdr->program.ptr, '/', hdr->program.len) || memchr(hdr->tag.ptr, '[', hdr->tag.len))
		return 0;
	if (memchr(hdr->tag.ptr, '(', hdr->tag.len) || IB_SP_ENDS(hdr->program, "-login"))
		return 1;
	return is_level(&r, &severe) || IB_SP_FIND_AT(msg, "pam_unix(dovecot", 0) >= 0;
}

static int dovecot_msg(struct ib_parse_ctx *ctx, const struct ib_syslog_hdr *hdr, struct ib_str msg,
		       struct ib_event *ev)
{
	struct ib_str name, tag, r, whole;
	int severe = 0, login;

	(void)ctx;
	if (IB_SP_EQ(hdr->program, "dovecot")) {
		struct ib_str b = msg;

		ev->message = msg;
		(void)IB_SP_SKIP(&b, "dovecot: ");
		if (read_proc(b, &name, &tag, &r, &login) < 0)
			return IB_SKIP;
	} else {
		if (!IB_SP_EQ(hdr->program, "dovecot-auth") && !own_line(hdr, msg))
			return IB_DECLINE;
		name = hdr->program;
		tag = hdr->tag;
		r = msg;
		/* the message starts at the process name when it sits just before */
		ev->message = msg;
		if (tag.ptr && tag.ptr + tag.len <= msg.ptr && msg.ptr - (tag.ptr + tag.len) <= 4)
			ev->message = ib_sp_span(tag.ptr, msg.ptr + msg.len);
		if (!wanted(name, &login))
			return IB_SKIP;
	}
	whole = ib_sp_span(tag.ptr, r.ptr + r.len);
	(void)is_level(&r, &severe);
	if (hdr->host.len)
		ev->server = hdr->host;
	if (login) {
		/* imap-login, pop3-login, submission-login, managesieve-login */
		ev->protocol = ib_proto_of_program(name);
		return login_line(r, ev);
	}
	return auth_line(whole, r, severe, ev);
}

static const char *const dovecot_programs[] = {"dovecot",
					       "dovecot-auth",
					       "imap-login",
					       "pop3-login",
					       "submission-login",
					       "managesieve-login",
					       "lmtp-login",
					       "auth",
					       "auth-worker",
					       "imap",
					       "pop3",
					       "lmtp",
					       "submission",
					       "managesieve",
					       "director",
					       "master",
					       "indexer",
					       "indexer-worker",
					       "doveadm",
					       "anvil",
					       "config",
					       "log",
					       "stats",
					       "dict",
					       "quota-status",
					       NULL};

const struct ib_parser ib_parser_dovecot = {
    .name = "dovecot",
    .description = "Dovecot 1.x-2.4 login, auth and proxy lines (syslog, log_path, TAI64N)",
    .layer = IB_LAYER_SERVER,
    .programs = dovecot_programs,
    .parse_msg = dovecot_msg,
};
