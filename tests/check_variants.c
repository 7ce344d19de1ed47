/*
 * check_variants.c: the server and proxy variants of issue 14, one table.
 * Each case feeds lines through the parser runtime (detection, as the
 * pipeline does, unless a parser is named) and the default rules, and
 * checks every event it yields, held ones included, in order: format,
 * protocol, user, IP, category and signature. The source of each line is
 * named above it; lines marked "shape" follow a source's format string or
 * documentation with made-up values. Also: the protocol helpers, and the
 * PAM join (one login written by PAM and by the daemon counts once).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "imapblast/classify.h"
#include "imapblast/parser.h"
#include "ib_feed.h"
#include "testutil.h"

#define MAXEV 8

/* An expected event; NULL strings must be empty. */
struct vev {
	const char *format;
	enum ib_proto proto;
	const char *user, *ip;
	enum ib_category cat;
	const char *sig; /* NULL: not checked */
};

struct vcase {
	const char *name;
	const char *parser; /* NULL: detect */
	const char *lines;  /* '\n'-separated */
	size_t nev;
	struct vev ev[MAXEV];
};

#define DV "dovecot"
#define CUR IB_CAT_CREDENTIALS
#define POL IB_CAT_POLICY
#define OK_ IB_CAT_OK
#define OTH IB_CAT_OTHER
#define TMP IB_CAT_TEMPORARY
#define P_NONE IB_PROTO_NONE
#define P_IMAP IB_PROTO_IMAP
#define P_POP3 IB_PROTO_POP3
#define P_SMTP IB_PROTO_SMTP

static const struct vcase cases[] = {
    /* Dovecot 1.x log_path files (Wazuh ruleset tests, dovecot decoder "dovecot-info") */
    {"dovecot 1.x log_path, no prefix",
     NULL,
     "Mar 13 15:25:07 Info: auth(default): passwd-file(user@example.com,::ffff:1.2.3.4): unknown user",
     1,
     {{DV, P_NONE, "user@example.com", "1.2.3.4", CUR, "dovecot-auth-unknown-user"}}},
    {"dovecot 1.x log_path, dovecot: prefix (issue 14)",
     NULL,
     "dovecot: Mar 13 15:25:07 Info: auth(default): passwd-file(user@example.com,::ffff:1.2.3.4): unknown "
     "user",
     1,
     {{DV, P_NONE, "user@example.com", "1.2.3.4", CUR, "dovecot-auth-unknown-user"}}},
    {"dovecot 1.x pam (Wazuh)",
     NULL,
     "Mar 13 15:25:07 Info: auth(default): pam(user@example.com,::ffff:1.2.3.4): pam_authenticate() failed: "
     "User not known to the underlying authentication module",
     1,
     {{DV, P_NONE, "user@example.com", "1.2.3.4", CUR, "dovecot-auth-pam-failed"}}},
    {"dovecot 1.0 Aborted login: (Wazuh)",
     NULL,
     "Jan 30 09:37:55 hostname dovecot: pop3-login: Aborted login: user=<username>, method=PLAIN, "
     "rip=::ffff:1.2.3.4, lip=::ffff:1.2.3.5",
     1,
     {{DV, P_POP3, "username", "1.2.3.4", CUR, "dovecot1-aborted-login"}}},
    {"dovecot 1.1 Aborted login (N authentication attempts) (Wazuh)",
     NULL,
     "May 31 09:43:57 Info: pop3-login: Aborted login (1 authentication attempts): user=<username>, "
     "method=PLAIN, rip=::ffff:1.2.3.4, lip=::ffff:1.2.3.5, secured",
     1,
     {{DV, P_POP3, "username", "1.2.3.4", CUR, "dovecot1-aborted-login"}}},
    {"dovecot 1.x no attempt (Wazuh)",
     NULL,
     "Jul  4 17:30:51 hostname dovecot[2992]: pop3-login: Disconnected: rip=1.2.3.4, lip=1.2.3.5",
     1,
     {{DV, P_POP3, NULL, "1.2.3.4", OTH, "dovecot1-aborted-no-attempt"}}},
    {"dovecot 1.x Warn level first (Wazuh)",
     NULL,
     "Jan 07 14:46:28 Warn: auth(default): userdb(username,::ffff:127.0.0.1): user not found from userdb",
     1,
     {{DV, P_NONE, "username", "127.0.0.1", IB_CAT_NONE, NULL}}},
    /* auth policy server: Dovecot src/auth/auth-policy.c wording; lines from a Go peer's parser tests */
    {"dovecot policy refusal",
     NULL,
     "Sep 18 18:54:59 mail dovecot: auth: policy(maintenance,55.55.55.55): Authentication failure due to "
     "policy server refusal",
     1,
     {{DV, P_NONE, "maintenance", "55.55.55.55", POL, "dovecot-auth-policy-refusal"}}},
    {"dovecot policy refusal with reason",
     NULL,
     "Nov  6 18:07:37 mail dovecot: auth: policy(alice,33.44.55.66): Authentication failure due to policy "
     "server refusal: too many attempts",
     1,
     {{DV, P_NONE, "alice", "33.44.55.66", POL, "dovecot-auth-policy-refusal"}}},
    {"dovecot policy refusal, a user name cannot fake it (shape)",
     NULL,
     "Nov  6 18:07:38 mail dovecot: auth: passwd-file(a: Authentication failure due to policy server "
     "refusal,1.2.3.4): Password mismatch",
     1,
     {{DV, P_NONE, "a: Authentication failure due to policy server refusal", "1.2.3.4", CUR,
       "dovecot-auth-password-mismatch"}}},
    /* NethServer docs (webtop): the per-user connection limit is policy, not an outage */
    {"dovecot user+IP limit",
     NULL,
     "Jun  1 10:00:00 srv dovecot: imap-login: Maximum number of connections from user+IP exceeded "
     "(mail_max_userip_connections=12): user=<mail@dominio.com>, method=PLAIN, rip=127.0.0.1, "
     "lip=127.0.0.1, secured, session=<zz/8iz1M1AB/AAAB>",
     1,
     {{DV, P_IMAP, "mail@dominio.com", "127.0.0.1", POL, "dovecot-userip-limit"}}},
    /* protocols of Dovecot's login processes (fail2ban dovecot test log) */
    {"dovecot submission-login is SMTP",
     NULL,
     "Aug 29 03:17:18 server dovecot: submission-login: Client has quit the connection (auth failed, 1 "
     "attempts in 2 secs): user=<user1>, method=LOGIN, rip=192.0.2.133, lip=0.0.0.0",
     1,
     {{DV, P_SMTP, "user1", "192.0.2.133", CUR, "dovecot-auth-failed"}}},
    {"dovecot managesieve-login is other",
     NULL,
     "Jun 13 16:35:56 mx dovecot[241]: managesieve-login: Login aborted: Logged out (auth failed, 1 attempts "
     "in 10 secs) (auth_failed): user=<user@domain>, method=PLAIN, rip=192.0.2.241, lip=203.0.113.104, TLS, "
     "session=<Dp8j1Ho3suQYdo+k>",
     1,
     {{DV, IB_PROTO_OTHER, "user@domain", "192.0.2.241", CUR, "dovecot24-credentials"}}},

    /* PAM (fail2ban dovecot; saslauthd thread; authdaemond lines of a logcheck config) */
    {"pam_unix(dovecot:auth) alone is an event",
     NULL,
     "Apr 19 05:22:20 vm5 auth: pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0 "
     "tty=dovecot ruser=informix rhost=80.255.3.104",
     1,
     {{"pam", P_NONE, "informix", "80.255.3.104", CUR, "pam-unix-auth-failure"}}},
    {"pam: an injected rhost in ruser loses (fail2ban)",
     NULL,
     "@400000004c91b044077a9e94 dovecot-auth: pam_unix(dovecot:auth): authentication failure; logname= uid=0 "
     "euid=0 tty=dovecot ruser=rhost=1.2.3.4 rhost=192.0.43.10",
     1,
     {{"pam", P_NONE, "rhost=1.2.3.4", "192.0.43.10", CUR, "pam-unix-auth-failure"}}},
    {"pam_unix(imap:auth) and pop3 (shape of authdaemond lines)",
     NULL,
     "May 21 11:32:17 server authdaemond: pam_unix(imap:auth): authentication failure; logname= uid=0 euid=0 "
     "tty= ruser= rhost= user=smaring\n"
     "May 21 11:40:17 server authdaemond: pam_unix(pop3:auth): authentication failure; logname= uid=0 euid=0 "
     "tty= ruser= rhost= user=tina",
     2,
     {{"pam", P_IMAP, "smaring", NULL, CUR, "pam-unix-auth-failure"},
      {"pam", P_POP3, "tina", NULL, CUR, "pam-unix-auth-failure"}}},
    {"pam: not a mail service",
     NULL,
     "May 21 11:36:00 mail1 sshd[3000]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 "
     "tty=ssh ruser= rhost=192.0.2.99 user=root",
     0,
     {{0}}},
    {"pam joined to UW-IMAP's Login failed (shape): counted once",
     NULL,
     "Jun  2 10:00:00 mail imapd[100]: pam_unix(imap:auth): authentication failure; logname= uid=0 euid=0 "
     "tty= ruser= rhost=192.0.2.7 user=bob\n"
     "Jun  2 10:00:03 mail imapd[100]: Login failed user=bob auth=bob host=client.example [192.0.2.7]",
     1,
     {{"uwimap", P_IMAP, "bob", "192.0.2.7", CUR, "uwimap-login-failed"}}},
    {"pam joined to Courier's LOGIN FAILED, no rhost (shape)",
     NULL,
     "Jun  2 10:01:00 mail authdaemond: pam_unix(pop3:auth): authentication failure; logname= uid=0 euid=0 "
     "tty= ruser= rhost= user=Carol\n"
     "Jun  2 10:01:01 mail pop3d: LOGIN FAILED, user=carol, ip=[::ffff:192.0.2.8]",
     1,
     {{"courier", P_POP3, "carol", "192.0.2.8", CUR, "courier-login-failed"}}},
    {"pam joined to Dovecot's pam(u,ip) line (crowdsec/fail2ban shapes)",
     NULL,
     "Jun  2 10:05:00 mail dovecot: auth: pam_unix(dovecot:auth): authentication failure; logname= uid=0 "
     "euid=0 tty=dovecot ruser=erin rhost=192.0.2.9\n"
     "Jun  2 10:05:02 mail dovecot: auth-worker(304): pam(erin,192.0.2.9): pam_authenticate() failed: "
     "Authentication failure (password mismatch?)",
     1,
     {{DV, P_NONE, "erin", "192.0.2.9", CUR, "dovecot-auth-pam-failed"}}},
    {"pam not joined: another IP",
     NULL,
     "Jun  2 10:05:00 mail dovecot: auth: pam_unix(dovecot:auth): authentication failure; logname= uid=0 "
     "euid=0 tty=dovecot ruser=erin rhost=192.0.2.9\n"
     "Jun  2 10:05:02 mail dovecot: imap-login: Disconnected (auth failed, 1 attempts): user=<erin>, "
     "method=PLAIN, rip=192.0.2.10, lip=10.0.0.1",
     2,
     {{DV, P_IMAP, "erin", "192.0.2.10", CUR, "dovecot-auth-failed"},
      {"pam", P_NONE, "erin", "192.0.2.9", CUR, "pam-unix-auth-failure"}}},
    {"pam not joined: daemon line after the window",
     NULL,
     "Jun  2 10:05:00 mail imapd[1]: pam_unix(imap:auth): authentication failure; logname= uid=0 euid=0 "
     "tty= ruser= rhost=192.0.2.7 user=bob\n"
     "Jun  2 10:07:00 mail imapd[2]: Login failed user=bob auth=bob host=client.example [192.0.2.7]",
     2,
     {{"uwimap", P_IMAP, "bob", "192.0.2.7", CUR, "uwimap-login-failed"},
      {"pam", P_IMAP, "bob", "192.0.2.7", CUR, "pam-unix-auth-failure"}}},

    /* UW-IMAP: cPanel's imapd (lines quoted in a public blocking script); UW's imapd.c format strings */
    {"uwimap domain=(null)",
     NULL,
     "May 17 17:06:44 serv01 imapd[32199]: Login failed user=dsada domain=(null) auth=dsada host=[85.14.6.2]",
     1,
     {{"uwimap", P_IMAP, "dsada", "85.14.6.2", CUR, "uwimap-login-failed"}}},
    {"uwimap Authenticated with [ip] (a public log-analysis test)",
     NULL,
     "Jun  2 10:00:00 login2 imapd[16091]: Authenticated user=djcecile host=login2.phy.duke.edu "
     "[152.3.182.75]",
     1,
     {{"uwimap", P_IMAP, "djcecile", "152.3.182.75", OK_, "uwimap-login-ok"}}},
    {"uwimap Authenticated host=NAME without [ip] (shape)",
     NULL,
     "Jun  2 10:00:01 login2 imapd[16092]: Authenticated user=alice host=localhost mech=PLAIN",
     1,
     {{"uwimap", P_IMAP, "alice", NULL, OK_, "uwimap-login-ok"}}},
    {"uwimap ipop3d is POP3 (fail2ban uwimap-auth)",
     NULL,
     "Jul 29 18:30:19 Linux2 ipop3d[25745]: Login failed user=info auth=info "
     "host=74-115-52-198-dedicated.multacom.com [198.52.115.74]",
     1,
     {{"uwimap", P_POP3, "info", "198.52.115.74", CUR, "uwimap-login-failed"}}},

    /* Courier without a user (sshguard tests; Courier's imaplogin.C format) */
    {"courier LOGIN FAILED, method= (sshguard)",
     NULL,
     "Nov 20 04:12:45 mail imapd-ssl[20815]: LOGIN FAILED, method=PLAIN, ip=[::ffff:177.19.165.26]",
     1,
     {{"courier", P_IMAP, NULL, "177.19.165.26", CUR, "courier-login-failed"}}},
    {"courier LOGIN FAILED, ip= only (shape)",
     NULL,
     "Nov 20 04:12:46 mail pop3d: LOGIN FAILED, ip=[::ffff:192.0.2.60], port=[41022]",
     1,
     {{"courier", P_POP3, NULL, "192.0.2.60", CUR, "courier-login-failed"}}},
    {"courierpop3login is POP3 (fail2ban courier-auth)",
     NULL,
     "Apr 17 19:17:11 SERVER courierpop3login: LOGIN FAILED, user=USER@EXAMPLE.org, ip=[::ffff:1.2.3.4]",
     1,
     {{"courier", P_POP3, "USER@EXAMPLE.org", "1.2.3.4", CUR, "courier-login-failed"}}},

    /* nginx mail (CrowdSec hub nginx-mail-logs): success, and protocol from ports */
    {"nginx client logged in, IMAP by upstream port",
     "nginx_mail",
     "2022/04/05 13:32:06 [info] 8#8: *24819 client 172.77.77.254:46610 connected to 0.0.0.0:11143\n"
     "2022/04/05 13:32:06 [info] 8#8: *24819 client logged in, client: 174.233.1.144, server: 0.0.0.0:11143, "
     "login: \"admin@example.com\", upstream: 172.69.69.10:143",
     1,
     {{"nginx_mail", P_IMAP, "admin@example.com", "174.233.1.144", OK_, "nginx-logged-in"}}},
    /*
     * the same success with an action suffix: nginx's error log appends " while <action>" to a
     * message when the connection's log->action is set (src/core/ngx_log.h: "%message ..., while
     * %action"), as in "proxied session done while proxying" (samples/formats/nginx-mail.log)
     */
    {"nginx client logged in while proxying, a success",
     "nginx_mail",
     "2026/01/14 06:00:00 [info] 2471#2471: *2 client logged in while proxying, client: 10.21.121.187, "
     "server: 0.0.0.0:993, login: \"lena.russo41@example.com\", upstream: 10.0.1.12:143",
     1,
     {{"nginx_mail", P_IMAP, "lena.russo41@example.com", "10.21.121.187", OK_, "nginx-logged-in"}}},
    {"nginx port 25 is SMTP",
     "nginx_mail",
     "2022/04/02 15:45:25 [info] 8#8: *15950 client login failed: \"AUTH not supported\" while in http auth "
     "state, client: 5.34.207.182, server: 0.0.0.0:25, login: \"servers@example.com\"",
     1,
     {{"nginx_mail", P_SMTP, "servers@example.com", "5.34.207.182", POL, "nginx-login-failed-policy"}}},
    {"nginx port 587 using starttls is SMTP",
     "nginx_mail",
     "2023/04/05 21:00:42 [info] 126#126: *175063 client login failed: \"Authentication credentials "
     "invalid\" "
     "while in http auth state, client: 201.170.64.255 using starttls, server: 0.0.0.0:587, login: "
     "\"postmaster\"",
     1,
     {{"nginx_mail", P_SMTP, "postmaster", "201.170.64.255", CUR, "nginx-login-failed"}}},
    {"nginx port 993 is IMAP (FORMATS.md 8, Mailu)",
     "nginx_mail",
     "2019/09/02 15:43:25 [info] 12#12: *2856 upstream sent invalid response: \"NO [AUTHENTICATIONFAILED] "
     "Authentication failed.\" while reading response from upstream, client: 131.255.7.26, server: "
     "0.0.0.0:993, login: \"froster2406@frostbolt.ch\", upstream: 192.168.0.5:143",
     1,
     {{"nginx_mail", P_IMAP, "froster2406@frostbolt.ch", "131.255.7.26", CUR, "nginx-upstream-credentials"}}},
    {"nginx port 110 is POP3 (shape)",
     "nginx_mail",
     "2022/04/05 13:34:00 [info] 8#8: *24821 client login failed: \"Authentication credentials invalid\" "
     "while "
     "in http auth state, client: 192.0.2.70, server: 0.0.0.0:110, login: \"carol@example.com\"",
     1,
     {{"nginx_mail", P_POP3, "carol@example.com", "192.0.2.70", CUR, "nginx-login-failed"}}},

    /* Exchange POP3 protocol log (CrowdSec hub exchange-pop-logs; header and +OK per Exchange's docs) */
    {"exchange pop3 auth failure, no header",
     NULL,
     "2022-07-20T21:23:48.514Z,0000000000000005,1,192.168.9.241:110,192.168.9.212:55576,testuser,193,21,69,"
     "auth, PLAIN,\"R=\"\"-ERR Authentication failure: unknown user name or bad "
     "password.\"\";Msg=\"\"AuthFailed:"
     "LogonDenied,User: testuser\"\";ErrMsg=AuthFailed:LogonDenied\",",
     1,
     {{"exchange", P_POP3, "testuser", "192.168.9.212", CUR, "exchange-authenticate-failed"}}},
    {"exchange pop3 pass ok and [SYS/TEMP]",
     NULL,
     "#Software: Microsoft Exchange Server\n"
     "#Log-type: POP3 Protocol Log\n"
     "#Fields: "
     "dateTime,sessionId,seqNumber,sIp,cIp,user,duration,rqsize,rpsize,command,parameters,context,puid\n"
     "2022-07-20T21:23:41.340Z,0000000000000004,2,192.168.9.241:995,192.168.9.210:55570,alice@example.com,"
     "120,"
     "15,33,pass,******,\"R=\"\"+OK User successfully logged on.\"\"\",\n"
     "2022-07-20T21:23:42.000Z,0000000000000004,3,192.168.9.241:995,192.168.9.210:55570,alice@example.com,1,"
     "6,"
     "20,stat,,R=ok,\n"
     "2022-07-20T21:24:30.500Z,0000000000000007,2,192.168.9.241:995,192.168.9.214:55590,carol@example.com,"
     "30010,15,40,pass,******,\"R=\"\"-ERR [SYS/TEMP] Server Unavailable. 21\"\"\",",
     2,
     {{"exchange", P_POP3, "alice@example.com", "192.168.9.210", OK_, "exchange-pop3-pass-ok"},
      {"exchange", P_POP3, "carol@example.com", "192.168.9.214", TMP, "exchange-pop3-sys"}}},
};

/* ---- the run: every event, classified, in the order the pipeline sees them */

struct got {
	const char *format, *sig;
	enum ib_proto proto;
	enum ib_category cat;
	char user[128], ip[64];
};

struct vrun {
	struct ib_classifier *cls;
	size_t n;
	struct got ev[MAXEV];
};

static void copy(char *dst, size_t cap, struct ib_str s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;

	if (n)
		memcpy(dst, s.ptr, n);
	dst[n] = 0;
}

static int on_result(void *arg, int rc, struct ib_event *ev, const char *reason, int held)
{
	struct vrun *r = arg;
	struct ib_match m;
	struct got *g;

	(void)reason;
	(void)held;
	if (rc != IB_OK)
		return IB_OK;
	ck_assert_uint_lt(r->n, MAXEV);
	ck_assert_int_eq(ib_classify(r->cls, ev, &m), IB_OK);
	g = &r->ev[r->n++];
	g->format = ev->format;
	g->proto = ev->protocol;
	g->cat = m.category;
	g->sig = m.signature;
	copy(g->user, sizeof(g->user), ev->user);
	copy(g->ip, sizeof(g->ip), ev->ip);
	return IB_OK;
}

static struct ib_rules *rules;

static void run(const struct vcase *c, struct vrun *r)
{
	struct ib_str lines[16];
	size_t n = 0;
	struct ib_runtime rt;
	struct ib_time_policy tp;

	for (const char *s = c->lines;;) {
		const char *nl = strchr(s, '\n');

		ck_assert_uint_lt(n, 16);
		lines[n++] = (struct ib_str){s, nl ? (size_t)(nl - s) : strlen(s)};
		if (!nl)
			break;
		s = nl + 1;
	}
	memset(r, 0, sizeof(*r));
	ck_assert_int_eq(ib_classifier_new(&r->cls, rules, NULL), IB_OK);
	ib_time_policy_init(&tp, NULL, 2026, 0);
	ck_assert_int_eq(ib_runtime_start(&rt, c->parser, lines, n, &tp, on_result, r), IB_OK);
	ck_assert_msg(rt.parser != NULL, "%s: no parser", c->name);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(ib_runtime_line(&rt, lines[i], i + 1), IB_OK);
	ck_assert_int_eq(ib_runtime_finish(&rt, n), IB_OK);
	ib_runtime_release(&rt);
	ib_classifier_free(r->cls);
}

static void check_s(const char *name, size_t k, const char *what, const char *got, const char *want)
{
	ck_assert_msg(!strcmp(got, want ? want : ""), "%s: event %zu: %s '%s', want '%s'", name, k, what, got,
		      want ? want : "");
}

START_TEST(test_case)
{
	const struct vcase *c = &cases[_i];
	struct vrun r;

	run(c, &r);
	ck_assert_msg(r.n == c->nev, "%s: %zu events, want %zu", c->name, r.n, c->nev);
	for (size_t k = 0; k < r.n; k++) {
		const struct got *g = &r.ev[k];
		const struct vev *w = &c->ev[k];

		check_s(c->name, k, "format", g->format, w->format);
		ck_assert_msg(g->proto == w->proto, "%s: event %zu: protocol %s, want %s", c->name, k,
			      ib_proto_name(g->proto), ib_proto_name(w->proto));
		check_s(c->name, k, "user", g->user, w->user);
		check_s(c->name, k, "ip", g->ip, w->ip);
		ck_assert_msg(g->cat == w->cat, "%s: event %zu: category %s, want %s", c->name, k,
			      ib_category_name(g->cat), ib_category_name(w->cat));
		if (w->sig)
			check_s(c->name, k, "signature", g->sig ? g->sig : "", w->sig);
	}
}
END_TEST

/* ---- the protocol helpers of event.h */

START_TEST(test_proto)
{
	enum ib_proto p;

	for (int i = 0; i < IB_PROTO_COUNT; i++) {
		ck_assert_int_eq(ib_proto_parse(ib_str_from(ib_proto_name((enum ib_proto)i)), &p), 0);
		ck_assert_int_eq(p, i);
	}
	ck_assert_int_eq(ib_proto_parse(IB_STR_LIT("IMAP"), &p), 0);
	ck_assert_int_eq(p, IB_PROTO_IMAP);
	ck_assert_int_eq(ib_proto_parse(IB_STR_LIT("imap4"), &p), -1);
	ck_assert_int_eq(ib_proto_parse(IB_STR_LIT(""), &p), -1);
	ck_assert_str_eq(ib_proto_name(IB_PROTO_COUNT), "?");
	ck_assert_int_eq(ib_proto_of_addr(IB_STR_LIT("0.0.0.0:993")), IB_PROTO_IMAP);
	ck_assert_int_eq(ib_proto_of_addr(IB_STR_LIT("[::]:995")), IB_PROTO_POP3);
	ck_assert_int_eq(ib_proto_of_addr(IB_STR_LIT("0.0.0.0:465")), IB_PROTO_SMTP);
	ck_assert_int_eq(ib_proto_of_addr(IB_STR_LIT("0.0.0.0:11143")), IB_PROTO_NONE);
	ck_assert_int_eq(ib_proto_of_addr(IB_STR_LIT("143")), IB_PROTO_NONE);
	ck_assert_int_eq(ib_proto_of_addr(IB_STR_LIT(":1234567")), IB_PROTO_NONE);
	ck_assert_int_eq(ib_proto_of_program(IB_STR_LIT("cyrus/imaps")), IB_PROTO_IMAP);
	ck_assert_int_eq(ib_proto_of_program(IB_STR_LIT("perdition.pop3s")), IB_PROTO_POP3);
	ck_assert_int_eq(ib_proto_of_program(IB_STR_LIT("submission-login")), IB_PROTO_SMTP);
	ck_assert_int_eq(ib_proto_of_program(IB_STR_LIT("dovecot")), IB_PROTO_NONE);
}
END_TEST

/* Client formats speak IMAP: their parser's default protocol. */
START_TEST(test_client_default)
{
	static const char *const imap[] = {"thunderbird", "mbsync",    "offlineimap", "imapsync",
					   "imaplib",	  "roundcube", "horde",	      "exchange"};

	for (size_t i = 0; i < sizeof(imap) / sizeof(imap[0]); i++)
		ck_assert_msg(ib_parser_find(imap[i])->protocol == IB_PROTO_IMAP, "%s", imap[i]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("variants");
	TCase *tc = tcase_create("variants");
	int rc;

	if (ib_rules_new(&rules, 1, NULL) != IB_OK || ib_rules_compile(rules, NULL) != IB_OK) {
		fprintf(stderr, "cannot load the default rules\n");
		return 1;
	}
	tcase_add_loop_test(tc, test_case, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_proto);
	tcase_add_test(tc, test_client_default);
	suite_add_tcase(s, tc);
	rc = ib_test_run(s);
	ib_rules_free(rules);
	return rc;
}
