/*
 * uwimap.c: UW-IMAP imapd/ipop3d login lines (a syslog message parser), e.g.
 *   Jul 3 20:56:53 Linux2 imapd[666]: Login failed user=lizdy auth=lizdy host=h2066373.stratoserver.net
 * [81.169.154.112] Feb 23 12:36:01 r2 imapd[3473]: Failed uwmaster override of user=pro1  host=r22.j.de
 * [127.0.55.22] Message: everything after "prog[pid]: ". Server: the syslog host. ip: the [ip] part of host=.
 * Courier lines (also "imapd") are declined.
 */
#include "util.h"

/* Value of " key=" up to the next " auth=" / " host=" / " mech=" (or a space). */
static struct ib_str value(struct ib_str r, const char *key, size_t klen)
{
	const char *k = ib_u_find(r, key, klen), *e, *end = r.ptr + r.len;
	struct ib_str rest;

	if (!k)
		return IB_STR_NULL;
	rest = ib_u_span(k + klen, end);
	e = IB_U_FIND(rest, " host=");
	if (e) {
		const char *a = IB_U_FIND(ib_u_span(rest.ptr, e), " auth=");

		if (a)
			e = a;
	} else {
		e = rest.len ? memchr(rest.ptr, ' ', rest.len) : NULL;
	}
	if (!e)
		e = end;
	rest = ib_str_trim(ib_u_span(rest.ptr, e));
	return rest;
}

static int uw_msg(struct ib_parse_ctx *ctx, const struct ib_syslog_hdr *hdr, struct ib_str msg,
		  struct ib_event *ev)
{
	struct ib_str r = msg;
	const char *h, *b, *e;

	(void)ctx;
	if (IB_U_STARTS(r, "Logout user=") || IB_U_STARTS(r, "Autologout user=") ||
	    IB_U_STARTS(r, "Killed (lost mailbox lock) user="))
		return IB_SKIP;
	if (!(IB_U_STARTS(r, "Login ") && (IB_U_FIND(r, "user=") || IB_U_FIND(r, "anonymous="))) &&
	    !(IB_U_STARTS(r, "Failed ") && IB_U_FIND(r, " override of user=")) &&
	    !(IB_U_STARTS(r, "AUTHENTICATE ") && IB_U_FIND(r, " host=")) &&
	    !IB_U_STARTS(r, "Authenticated user="))
		return IB_DECLINE;
	ev->message = msg;
	ev->server = hdr->host;
	ev->flags |= IB_EV_AUTH_HINT;
	ev->user = value(r, "user=", 5);
	if (!ev->user.len && IB_U_STARTS(r, "Login anonymous="))
		ev->user = value(r, "anonymous=", 10);
	h = IB_U_FIND(r, " host=");
	if (h) {
		struct ib_str hs = ib_u_span(h + 6, r.ptr + r.len);

		b = memrchr(hs.ptr, '[', hs.len);
		e = b ? memchr(b, ']', (size_t)(hs.ptr + hs.len - b)) : NULL;
		if (e)
			ev->ip = ib_u_span(b + 1, e);
	}
	return IB_OK;
}

static const char *const uw_programs[] = {"imapd", "ipop3d", NULL};

const struct ib_parser ib_parser_uwimap = {
    .name = "uwimap",
    .description = "UW-IMAP imapd/ipop3d Login / Login failed / AUTHENTICATE lines",
    .layer = IB_LAYER_SERVER,
    .programs = uw_programs,
    .parse_msg = uw_msg,
};
