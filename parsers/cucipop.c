/*
 * cucipop.c: cucipop (the Cubic Circle POP3 daemon) login failures, a
 * syslog message parser, e.g. (sshguard's test suite, user anonymised):
 *   Jan 14 08:41:02 mx cucipop[812]: authentication failure bob 192.0.2.7
 * The last word is the client IP, the words before it the user.
 */
#include "imapblast/parser.h"
#include "strparse.h"

static int cp_msg(struct ib_parse_ctx *ctx, const struct ib_syslog_hdr *hdr, struct ib_str msg,
		  struct ib_event *ev)
{
	struct ib_str r = msg;
	long sp;

	(void)ctx;
	if (IB_SP_SKIP(&r, "authentication failure "))
		return IB_SKIP;
	ev->server = hdr->host;
	ev->message = msg;
	ev->flags |= IB_EV_AUTH_HINT;
	ev->outcome = IB_CAT_CREDENTIALS;
	ev->signature = "cucipop-auth-failure";
	r = ib_str_trim(r);
	sp = ib_sp_rchr(r, ' ');
	if (sp >= 0 && ib_sp_is_ip(ib_sp_from(r, (size_t)sp + 1))) {
		ev->ip = ib_sp_ip_norm(ib_sp_from(r, (size_t)sp + 1));
		ev->user = ib_str_trim(ib_sp_sub(r, 0, (size_t)sp));
	} else if (ib_sp_is_ip(r)) {
		ev->ip = ib_sp_ip_norm(r);
	}
	return IB_OK;
}

static const char *const cp_programs[] = {"cucipop", NULL};

const struct ib_parser ib_parser_cucipop = {
    .name = "cucipop",
    .description = "cucipop POP3 authentication failures",
    .layer = IB_LAYER_SERVER,
    .programs = cp_programs,
    .parse_msg = cp_msg,
};
