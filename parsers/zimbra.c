/*
 * zimbra.c: Zimbra log4j lines ("%d %-5p [%t] [%z] %c{1} - %m"), IMAP only:
 *   2015-12-05 18:47:36,435 WARN  [ImapSSLServer-7] [ip=10.0.0.5;oip=203.0.113.9;] security - cmd=Auth;
 * account=bob@ex.com; protocol=imap; error=authentication failed for [bob@ex.com], invalid password;
 *   2015-12-05 18:47:36,435 INFO  [ImapServer-3] [name=bob@ex.com;ip=203.0.113.9;] imap - user bob@ex.com
 * authenticated, mechanism=PLAIN audit.log "security" lines (cmd=Auth, protocol=imap) and mailbox.log "imap"
 * lines. Time is local (policy zone) with ",mmm". ip = oip (client behind the proxy) else ip. The thread is
 * not a server and the log host is not in the line: server stays empty. ev->message is the text after
 * "security - " or "imap - ". Pure: no state.
 */
#include <string.h>
#include "imapblast/parser.h"
#include "strparse.h"
#include "csvutil.h"

/* Value of "key=" in a ';'-separated list (context or audit message), trimmed. */
static struct ib_str kv(struct ib_str s, const char *key)
{
	size_t kl = strlen(key);
	size_t i = 0;

	while (i < s.len) {
		size_t j = i;
		const char *semi;

		while (j < s.len && (s.ptr[j] == ' ' || s.ptr[j] == ';'))
			j++;
		semi = memchr(s.ptr + j, ';', s.len - j);
		i = semi ? (size_t)(semi - s.ptr) + 1 : s.len;
		if (s.len - j > kl && !memcmp(s.ptr + j, key, kl) && s.ptr[j + kl] == '=') {
			struct ib_str v = {s.ptr + j + kl + 1,
					   (semi ? (size_t)(semi - s.ptr) : s.len) - j - kl - 1};

			return ib_str_trim(v);
		}
	}
	return IB_STR_NULL;
}

/* The error of an audit line: from "error=" to the last ';' (it may hold ", " and brackets). */
static struct ib_str audit_error(struct ib_str msg)
{
	long at = IB_SP_FIND(msg, "error=");
	struct ib_str v;

	if (at < 0 || (at && msg.ptr[at - 1] != ' ' && msg.ptr[at - 1] != ';'))
		return IB_STR_NULL;
	v.ptr = msg.ptr + at + 6;
	v.len = msg.len - (size_t)at - 6;
	v = ib_str_trim(v);
	while (v.len && v.ptr[v.len - 1] == ';')
		v.len--;
	return ib_str_trim(v);
}

/* Category of an error text; policy first, as lockout errors also say "authentication failed". */
static void error_outcome(struct ib_str e, struct ib_event *ev)
{
	if (IB_SP_FIND(e, "lockout") >= 0 || IB_SP_FIND(e, "locked") >= 0) {
		ev->outcome = IB_CAT_POLICY;
		ev->signature = "zimbra-account-locked";
	} else if (IB_SP_FIND(e, "account(or domain) status") >= 0 || IB_SP_FIND(e, "account status") >= 0) {
		ev->outcome = IB_CAT_POLICY;
		ev->signature = "zimbra-account-status";
	} else if (IB_SP_FIND(e, "authentication failed") >= 0 || IB_SP_FIND(e, "invalid password") >= 0) {
		ev->outcome = IB_CAT_CREDENTIALS;
		ev->signature = "zimbra-auth-failed";
	} else {
		ev->outcome = IB_CAT_OTHER;
		ev->signature = "zimbra-auth-error";
	}
}

/* "[...]" at the start of *s (after spaces): its inside; advances past it. */
static int bracket(struct ib_str *s, struct ib_str *in)
{
	const char *e;

	*s = ib_str_trim(*s);
	if (!s->len || s->ptr[0] != '[')
		return -1;
	e = memchr(s->ptr, ']', s->len);
	if (!e)
		return -1;
	in->ptr = s->ptr + 1;
	in->len = (size_t)(e - s->ptr) - 1;
	s->len -= (size_t)(e + 1 - s->ptr);
	s->ptr = e + 1;
	return 0;
}

static int audit(struct ib_str msg, struct ib_str ctxv, struct ib_event *ev)
{
	struct ib_str e, proto = kv(msg, "protocol");

	if (!IB_SP_EQ(kv(msg, "cmd"), "Auth") || !IB_SP_CASEEQ(proto, "imap"))
		return IB_SKIP;
	ev->protocol = IB_PROTO_IMAP;
	ev->user = kv(msg, "account");
	if (!ev->user.len)
		ev->user = kv(ctxv, "name");
	e = audit_error(msg);
	if (!e.len) {
		ev->outcome = IB_CAT_OK;
		ev->signature = "zimbra-auth-ok";
	} else {
		error_outcome(e, ev);
	}
	return IB_OK;
}

static int mailbox(struct ib_str msg, struct ib_str ctxv, struct ib_event *ev)
{
	long at;

	ev->user = kv(ctxv, "name");
	if ((at = IB_SP_FIND(msg, "authentication failed for [")) >= 0) {
		struct ib_str rest = {msg.ptr + at + 26, msg.len - (size_t)at - 26}, name, reason;

		if (!bracket(&rest, &name))
			ev->user = name;
		reason = ib_str_trim(rest);
		if (reason.len && (IB_SP_FIND(reason, "lock") >= 0 || IB_SP_FIND(reason, "status") >= 0))
			error_outcome(reason, ev);
		else {
			ev->outcome = IB_CAT_CREDENTIALS;
			ev->signature = "zimbra-auth-failed";
		}
		return IB_OK;
	}
	if (IB_SP_STARTS(msg, "user ") && (at = IB_SP_FIND(msg, " authenticated, mechanism=")) > 5) {
		ev->user = (struct ib_str){msg.ptr + 5, (size_t)at - 5};
		ev->outcome = IB_CAT_OK;
		ev->signature = "zimbra-auth-ok";
		return IB_OK;
	}
	if (IB_SP_FIND(msg, "account undergoing maintenance") >= 0) {
		ev->outcome = IB_CAT_TEMPORARY;
		ev->signature = "zimbra-maintenance";
		return IB_OK;
	}
	if (IB_SP_FIND(msg, "does not have IMAP access enabled") >= 0) {
		ev->outcome = IB_CAT_POLICY;
		ev->signature = "zimbra-imap-disabled";
		return IB_OK;
	}
	if (IB_SP_STARTS(msg, "LOGIN failed") || IB_SP_STARTS(msg, "AUTHENTICATE failed")) {
		return IB_OK; /* outcome left to the rules (a ServiceException, often temporary) */
	}
	return IB_SKIP;
}

static int z_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	struct ib_str s = ib_sp_line_clean(line), thread, ctxv = IB_STR_NULL, msg, ip;
	long at;
	int rc, is_audit;

	if (!s.len || s.ptr[0] == ' ' || s.ptr[0] == '\t' || IB_SP_STARTS(s, "Caused by") ||
	    IB_SP_STARTS(s, "..."))
		return IB_SKIP; /* stack-trace continuation of the previous line */
	if (memchr(s.ptr, '\0', s.len)) {
		ctx->reason = "NUL byte in line";
		return IB_BAD;
	}
	if (ib_ts_iso(&s, ctx->time, &ev->time_ms)) {
		ctx->reason = "no log4j timestamp";
		return IB_BAD;
	}
	/* level, then [thread] */
	while (s.len && s.ptr[0] != ' ' && s.ptr[0] != '[') {
		s.ptr++;
		s.len--;
	}
	if (bracket(&s, &thread)) {
		ctx->reason = "no [thread] after the level";
		return IB_BAD;
	}
	/* the context is optional; the category follows "] " or the thread */
	if ((at = IB_SP_FIND(s, "] security - ")) >= 0) {
		is_audit = 1;
	} else if ((at = IB_SP_FIND(s, "] imap - ")) >= 0) {
		is_audit = 0;
	} else {
		struct ib_str t = ib_str_trim(s);

		if (IB_SP_STARTS(t, "security - "))
			is_audit = 1, at = -1;
		else if (IB_SP_STARTS(t, "imap - "))
			is_audit = 0, at = -1;
		else
			return IB_SKIP; /* another category */
		s = t;
	}
	if (at >= 0) {
		struct ib_str c = ib_str_trim(s);

		if (!c.len || c.ptr[0] != '[') {
			ctx->reason = "text before the category";
			return IB_BAD;
		}
		ctxv.ptr = c.ptr + 1;
		ctxv.len = (size_t)(s.ptr + at - ctxv.ptr);
		msg.ptr = s.ptr + at + (is_audit ? 13 : 9);
		msg.len = s.len - (size_t)at - (is_audit ? 13 : 9);
	} else {
		size_t skip = is_audit ? 11 : 7;

		msg.ptr = s.ptr + skip;
		msg.len = s.len - skip;
	}
	msg = ib_str_trim(msg);
	rc = is_audit ? audit(msg, ctxv, ev) : mailbox(msg, ctxv, ev);
	if (rc != IB_OK)
		return rc;
	ip = kv(ctxv, "oip");
	ev->ip = ib_str_trim(ip.len ? ip : kv(ctxv, "ip"));
	(void)ib_sp_addr(ev->ip, IB_SP_PORT_MAYBE, &ev->ip); /* else as written */
	ev->message = msg;
	ev->flags |= IB_EV_AUTH_HINT;
	return IB_OK;
}

static int z_probe(struct ib_str line)
{
	struct ib_str s = ib_sp_line_clean(line);
	int64_t t;
	struct ib_time_policy p;

	ib_time_policy_init(&p, NULL, 0, 0);
	if (s.len < 24 || s.ptr[4] != '-' || s.ptr[10] != ' ' || s.ptr[19] != ',')
		return 0;
	if (ib_ts_iso(&s, &p, &t))
		return 0;
	if (IB_SP_FIND(s, "] security - cmd=") >= 0 || IB_SP_FIND(s, "] imap - ") >= 0 ||
	    IB_SP_FIND(s, "[ImapServer") >= 0 || IB_SP_FIND(s, "[ImapSSLServer") >= 0)
		return 90;
	if (IB_SP_STARTS(ib_str_trim(s), "INFO  [") || IB_SP_STARTS(ib_str_trim(s), "WARN  ["))
		return 30;
	return 0;
}

const struct ib_parser ib_parser_zimbra = {
    .name = "zimbra",
    .description = "Zimbra audit.log and mailbox.log",
    .layer = IB_LAYER_SERVER,
    .probe = z_probe,
    .parse = z_parse,
};
