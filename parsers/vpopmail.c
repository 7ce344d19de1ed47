/*
 * vpopmail.c: vpopmail's vchkpw (qmail POP3/IMAP checkpassword) lines, a
 * syslog message parser. vchkpw logs with ident "vpopmail" and names its
 * service in the message ("vchkpw-pop3", "-imap", "-imap4", "-pop3s",
 * "-imaps", "-webmail", "-PORT"); the tail is "user@domain:IP" (vpopmail
 * users) or "user:IP" (system users), e.g.
 *   Jan 14 08:41:02 mx vpopmail[4242]: vchkpw-pop3: password fail bob@example.com:192.0.2.7
 * Outcomes are explicit (vchkpw's own log levels: passwd/logon errors are
 * credentials, access denied is policy, internal errors are temporary).
 * SMTP AUTH ("vchkpw-smtp", "-smtps", "-submission") is not an IMAP/POP
 * login: skipped. The password of "password fail (pass: 'x')" is cut off
 * the message.
 */
#include "imapblast/parser.h"
#include "strparse.h"

struct vp_word {
	const char *word;
	size_t len;
	enum ib_category cat;
	const char *sig;
};

#define W(s, c, g)                                                                                           \
	{                                                                                                    \
		s, sizeof(s) - 1, c, g                                                                       \
	}
static const struct vp_word vp_words[] = {
    W("password fail ", IB_CAT_CREDENTIALS, "vpopmail-password-fail"),
    W("vpopmail user not found ", IB_CAT_CREDENTIALS, "vpopmail-user-not-found"),
    W("system user not found ", IB_CAT_CREDENTIALS, "vpopmail-user-not-found"),
    W("system user shadow entry not found ", IB_CAT_CREDENTIALS, "vpopmail-user-not-found"),
    W("null password given ", IB_CAT_CREDENTIALS, "vpopmail-password-fail"),
    W("null user name given ", IB_CAT_CREDENTIALS, "vpopmail-user-not-found"),
    W("invalid user/domain characters ", IB_CAT_CREDENTIALS, "vpopmail-user-not-found"),
    W("pop access denied ", IB_CAT_POLICY, "vpopmail-access-denied"),
    W("imap access denied ", IB_CAT_POLICY, "vpopmail-access-denied"),
    W("webmail access denied ", IB_CAT_POLICY, "vpopmail-access-denied"),
    W("login success ", IB_CAT_OK, "vpopmail-login-success"),
    W("user has no password ", IB_CAT_TEMPORARY, "vpopmail-internal"),
    W("dir auto create failed ", IB_CAT_TEMPORARY, "vpopmail-internal"),
    W("autocreate dir errno ", IB_CAT_TEMPORARY, "vpopmail-internal"),
    W("chdir failed errno ", IB_CAT_TEMPORARY, "vpopmail-internal"),
    W("failed to vauth_getpw() ", IB_CAT_TEMPORARY, "vpopmail-internal"),
    W("setgid ", IB_CAT_TEMPORARY, "vpopmail-internal"),
    W("setuid ", IB_CAT_TEMPORARY, "vpopmail-internal"),
    W("putenv(", IB_CAT_TEMPORARY, "vpopmail-internal"),
};
#undef W

/* "user@domain:IP" or "user:IP": the colon after the '@' (IPv6 holds colons). */
static void tail(struct ib_str t, struct ib_event *ev)
{
	long at = ib_sp_chr(t, '@'), c;

	c = ib_sp_chr(ib_sp_from(t, at < 0 ? 0 : (size_t)at), ':');
	if (c < 0)
		return;
	c += at < 0 ? 0 : at;
	ev->user = ib_sp_sub(t, 0, (size_t)c);
	ev->ip = ib_sp_ip_norm(ib_sp_from(t, (size_t)c + 1));
	if (!ib_sp_is_ip(ev->ip))
		ev->ip = IB_STR_NULL;
}

static int vp_msg(struct ib_parse_ctx *ctx, const struct ib_syslog_hdr *hdr, struct ib_str msg,
		  struct ib_event *ev)
{
	struct ib_str r = msg, svc;
	long at;

	(void)ctx;
	/* ident "vpopmail": the message starts with "vchkpw-SERVICE: " */
	if (IB_SP_STARTS(r, "vchkpw-")) {
		if ((at = IB_SP_FIND(ib_sp_sub(r, 0, 32), ": ")) < 0)
			return IB_DECLINE;
		svc = ib_sp_sub(r, 7, (size_t)at);
		r = ib_sp_from(r, (size_t)at + 2);
	} else if (IB_SP_STARTS(hdr->program, "vchkpw-")) {
		svc = ib_sp_from(hdr->program, 7);
	} else {
		return IB_DECLINE;
	}
	if (IB_SP_STARTS(svc, "smtp") || IB_SP_STARTS(svc, "submission"))
		return IB_SKIP; /* SMTP AUTH */
	/* "(PLAIN) login success ...", "(APOP) ..." */
	if (r.len && r.ptr[0] == '(' && (at = IB_SP_FIND(ib_sp_sub(r, 0, 24), ") ")) > 0)
		r = ib_sp_from(r, (size_t)at + 2);
	ev->server = hdr->host;
	ev->message = msg;
	for (size_t i = 0; i < sizeof(vp_words) / sizeof(vp_words[0]); i++) {
		const struct vp_word *w = &vp_words[i];
		long sp;

		if (!ib_sp_starts(r, w->word, w->len))
			continue;
		ev->flags |= IB_EV_AUTH_HINT;
		ev->outcome = w->cat;
		ev->signature = w->sig;
		if ((at = IB_SP_FIND(r, "(pass: ")) >= 0)
			ev->message = ib_sp_span(msg.ptr, r.ptr + at); /* never keep the password */
		sp = ib_sp_rchr(r, ' ');
		if (sp >= 0)
			tail(ib_sp_from(r, (size_t)sp + 1), ev);
		return IB_OK;
	}
	return IB_SKIP;
}

static const char *const vp_programs[] = {"vpopmail", "vchkpw*", NULL};

const struct ib_parser ib_parser_vpopmail = {
    .name = "vpopmail",
    .description = "vpopmail vchkpw POP3/IMAP logins (qmail)",
    .layer = IB_LAYER_SERVER,
    .programs = vp_programs,
    .parse_msg = vp_msg,
};
