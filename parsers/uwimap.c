/*
 * uwimap.c: UW-IMAP imapd/ipop3d login lines (a syslog message parser), e.g.
 *   Jul 3 20:56:53 Linux2 imapd[666]: Login failed user=lizdy auth=lizdy host=h2066373.stratoserver.net
 * [81.169.154.112] Feb 23 12:36:01 r2 imapd[3473]: Failed uwmaster override of user=pro1  host=r22.j.de
 * [127.0.55.22] Message: everything after "prog[pid]: ". Server: the syslog host. ip: the [ip] part of host=
 * (none when host= is a bare name). cPanel's build adds "domain=(null)" after user=.
 * Courier lines (also "imapd") are declined.
 */
#include "imapblast/parser.h"
#include "strparse.h"

/*
 * Value of "key=" up to the next " domain=" (cPanel's imapd), " auth=" or
 * " host=", or the next space when none follows.
 */
static struct ib_str value(struct ib_str r, const char *key, size_t klen)
{
	long k = ib_sp_find(r, key, klen), e, a;
	struct ib_str rest;

	if (k < 0)
		return IB_STR_NULL;
	rest = ib_sp_from(r, (size_t)k + klen);
	e = IB_SP_FIND(rest, " host=");
	if (e >= 0) {
		a = IB_SP_FIND(ib_sp_sub(rest, 0, (size_t)e), " auth=");
		if (a >= 0)
			e = a;
		a = IB_SP_FIND(ib_sp_sub(rest, 0, (size_t)e), " domain=");
		if (a >= 0)
			e = a;
	} else {
		e = ib_sp_chr(rest, ' ');
	}
	if (e >= 0)
		rest.len = (size_t)e;
	return ib_str_trim(rest);
}

static int uw_msg(struct ib_parse_ctx *ctx, const struct ib_syslog_hdr *hdr, struct ib_str msg,
		  struct ib_event *ev)
{
	struct ib_str r = msg;
	const char *b, *e;
	long h;

	(void)ctx;
	if (IB_SP_STARTS(r, "Logout user=") || IB_SP_STARTS(r, "Autologout user=") ||
	    IB_SP_STARTS(r, "Killed (lost mailbox lock) user="))
		return IB_SKIP;
	if (!(IB_SP_STARTS(r, "Login ") &&
	      (IB_SP_FIND(r, "user=") >= 0 || IB_SP_FIND(r, "anonymous=") >= 0)) &&
	    !(IB_SP_STARTS(r, "Failed ") && IB_SP_FIND(r, " override of user=") >= 0) &&
	    !(IB_SP_STARTS(r, "AUTHENTICATE ") && IB_SP_FIND(r, " host=") >= 0) &&
	    !IB_SP_STARTS(r, "Authenticated user="))
		return IB_DECLINE;
	ev->message = msg;
	ev->server = hdr->host;
	ev->protocol = ib_proto_of_program(hdr->program);
	ev->flags |= IB_EV_AUTH_HINT;
	ev->user = value(r, "user=", 5);
	if (!ev->user.len && IB_SP_STARTS(r, "Login anonymous="))
		ev->user = value(r, "anonymous=", 10);
	h = IB_SP_FIND(r, " host=");
	if (h >= 0) {
		struct ib_str hs = ib_sp_from(r, (size_t)h + 6);

		b = memrchr(hs.ptr, '[', hs.len);
		e = b ? memchr(b, ']', (size_t)(hs.ptr + hs.len - b)) : NULL;
		if (e)
			ev->ip = ib_sp_span(b + 1, e);
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
