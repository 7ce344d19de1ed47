/*
 * check_parsers_zimbra.c: Zimbra audit.log (security) and mailbox.log (imap)
 * lines: outcomes, users, oip over ip, skipped protocols, stack traces, and
 * hostile lines.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <check.h>
#include "imapblast/parser.h"
#include "ib_feed.h"
#include "testutil.h"

extern const struct ib_parser ib_parser_zimbra;

#define TZ0 1449341256435LL /* 2015-12-05 18:47:36,435 read as UTC */

struct zcase {
	const char *name;
	const char *line;
	int rc;
	struct exp_ev ev;
};

static const struct zcase cases[] = {
    {"audit ok",
     "2015-12-05 18:47:36,435 INFO  [ImapSSLServer-7] [ip=10.0.0.5;oip=203.0.113.9;] security - cmd=Auth; "
     "account=bob@ex.com; protocol=imap;",
     IB_OK,
     {IB_CAT_OK, "zimbra-auth-ok", TZ0, "bob@ex.com", "203.0.113.9", "", "",
      "cmd=Auth; account=bob@ex.com; protocol=imap;"}},
    {"audit invalid password",
     "2015-12-05 18:47:36,435 WARN  [ImapSSLServer-7] [ip=10.0.0.5;] security - cmd=Auth; "
     "account=bob@ex.com; protocol=imap; error=authentication failed for [bob@ex.com], invalid password;",
     IB_OK,
     {IB_CAT_CREDENTIALS, "zimbra-auth-failed", TZ0, "bob@ex.com", "10.0.0.5", "", "", NULL}},
    {"audit lockout",
     "2015-12-05 18:47:36,435 WARN  [ImapServer-1] [ip=10.0.0.5;] security - cmd=Auth; account=bob@ex.com; "
     "protocol=imap; error=account lockout due to too many failed logins;",
     IB_OK,
     {IB_CAT_POLICY, "zimbra-account-locked", TZ0, "bob@ex.com", NULL, NULL, NULL, NULL}},
    {"audit status locked",
     "2015-12-05 18:47:36,435 WARN  [ImapServer-1] [ip=::ffff:10.0.0.5;] security - cmd=Auth; "
     "account=bob@ex.com; protocol=imap; error=authentication failed for [bob@ex.com], account(or domain) "
     "status is locked;",
     IB_OK,
     {IB_CAT_POLICY, "zimbra-account-locked", TZ0, NULL, "10.0.0.5", NULL, NULL, NULL}},
    {"audit status maintenance",
     "2015-12-05 18:47:36,435 WARN  [ImapServer-1] [ip=10.0.0.5;] security - cmd=Auth; account=bob@ex.com; "
     "protocol=imap; error=authentication failed for [bob@ex.com], account(or domain) status is maintenance;",
     IB_OK,
     {IB_CAT_POLICY, "zimbra-account-status", TZ0, NULL, NULL, NULL, NULL, NULL}},
    {"audit other error",
     "2015-12-05 18:47:36,435 WARN  [ImapServer-1] [ip=10.0.0.5;] security - cmd=Auth; account=bob@ex.com; "
     "protocol=imap; error=service exception: ldap down;",
     IB_OK,
     {IB_CAT_OTHER, "zimbra-auth-error", TZ0, NULL, NULL, NULL, NULL, NULL}},
    {"audit pop3 skipped",
     "2010-09-08 00:12:27,202 INFO  [Pop3SSLServer-12505] [ip=68.98.153.60;] security - cmd=Auth; "
     "account=terriw@dizi.dc; protocol=pop3;",
     IB_SKIP,
     {0}},
    {"audit soap skipped",
     "2015-12-05 18:47:36,435 INFO  [qtp1545357780-7135140:http://127.0.0.1:80/service/soap/AuthRequest] "
     "[name=pepe@domain.com;oip=10.1.2.123;ua=zclient/2.0.5_GA_1839;] security - cmd=Auth; "
     "account=pepe@domain.com; protocol=soap;",
     IB_SKIP,
     {0}},
    {"mailbox auth failed",
     "2015-12-05 18:47:36,435 INFO  [ImapSSLServer-3] [name=x@ex.com;ip=198.51.100.2;] imap - authentication "
     "failed for [carol@ex.com] (invalid password)",
     IB_OK,
     {IB_CAT_CREDENTIALS, "zimbra-auth-failed", TZ0, "carol@ex.com", "198.51.100.2", "", "",
      "authentication failed for [carol@ex.com] (invalid password)"}},
    {"mailbox authenticated",
     "2015-12-05 18:47:36,435 INFO  [ImapServer-3] [ip=198.51.100.2;] imap - user carol@ex.com "
     "authenticated, mechanism=PLAIN [TLS]",
     IB_OK,
     {IB_CAT_OK, "zimbra-auth-ok", TZ0, "carol@ex.com", "198.51.100.2", NULL, NULL, NULL}},
    {"mailbox maintenance",
     "2015-12-05 18:47:36,435 INFO  [ImapServer-3] [name=dan@ex.com;ip=198.51.100.2;] imap - [ALERT] account "
     "undergoing maintenance; please try again later",
     IB_OK,
     {IB_CAT_TEMPORARY, "zimbra-maintenance", TZ0, "dan@ex.com", NULL, NULL, NULL, NULL}},
    {"mailbox imap disabled",
     "2015-12-05 18:47:36,435 INFO  [ImapServer-3] [name=dan@ex.com;ip=1.2.3.4;] imap - account does not "
     "have IMAP access enabled",
     IB_OK,
     {IB_CAT_POLICY, "zimbra-imap-disabled", TZ0, "dan@ex.com", NULL, NULL, NULL, NULL}},
    {"mailbox login failed (rules decide)",
     "2015-12-05 18:47:36,435 WARN  [ImapServer-3] [name=dan@ex.com;ip=1.2.3.4;] imap - LOGIN failed",
     IB_OK,
     {IB_CAT_NONE, NULL, TZ0, "dan@ex.com", "1.2.3.4", NULL, NULL, "LOGIN failed"}},
    {"mailbox other imap line",
     "2015-12-05 18:47:36,435 INFO  [ImapServer-3] [name=dan@ex.com;] imap - SELECT INBOX",
     IB_SKIP,
     {0}},
    {"mailbox no context",
     "2015-12-05 18:47:36,435 INFO  [ImapServer-3] imap - user eve authenticated, mechanism=LOGIN",
     IB_OK,
     {IB_CAT_OK, "zimbra-auth-ok", TZ0, "eve", "", NULL, NULL, NULL}},
    {"other category",
     "2015-12-05 18:47:36,435 INFO  [btpool0-1] [] mailbox - Mailbox 5 loaded",
     IB_SKIP,
     {0}},
    {"stack trace", "\tat com.zimbra.cs.imap.ImapHandler.login(ImapHandler.java:100)", IB_SKIP, {0}},
    {"caused by", "Caused by: java.net.ConnectException", IB_SKIP, {0}},
    {"no timestamp", "garbage line", IB_BAD, {0}},
    {"bad date", "2015-13-45 18:47:36,435 INFO  [ImapServer-3] [] imap - x", IB_BAD, {0}},
    {"no thread", "2015-12-05 18:47:36,435 INFO  imap - x", IB_BAD, {0}},
    {"unterminated thread", "2015-12-05 18:47:36,435 INFO  [ImapServer-3 imap - x", IB_BAD, {0}},
    {"invalid utf-8 user",
     "2015-12-05 18:47:36,435 INFO  [ImapServer-3] [ip=1.2.3.4;] imap - authentication failed for [\xff\xfe] "
     "(x)",
     IB_OK,
     {IB_CAT_CREDENTIALS, "zimbra-auth-failed", TZ0, "\xff\xfe", "1.2.3.4", NULL, NULL, NULL}},
};

START_TEST(test_case)
{
	const struct zcase *c = &cases[_i];
	struct feed f;

	feed_text(&ib_parser_zimbra, c->line, &f);
	ck_assert_msg(f.last_rc == c->rc, "%s: rc %d, want %d", c->name, f.last_rc, c->rc);
	feed_check(&f, &c->ev, c->rc == IB_OK ? 1 : 0, c->name);
}
END_TEST

START_TEST(test_local_time)
{
	/* a zoneless log4j time is read in the policy zone: here a +01:00 zone */
	static const char line[] =
	    "2015-12-05 18:47:36,435 INFO  [ImapServer-3] [] imap - user eve authenticated, mechanism=LOGIN";
	struct ib_time_policy tp;
	struct ib_parse_ctx ctx = {0};
	struct ib_event ev;

	ib_time_policy_init(&tp, ib_test_zone("Europe/Zurich"), 0, 0);
	ctx.time = &tp;
	ib_event_clear(&ev);
	ck_assert_int_eq(ib_parser_zimbra.parse(&ctx, IB_STR_LIT(line), &ev), IB_OK);
	ck_assert(ev.time_ms == TZ0 - 3600000);
}
END_TEST

START_TEST(test_hostile)
{
	static const char nul[] = "2015-12-05 18:47:36,435 INFO  [ImapServer-3] [ip=1.2.3.4;] imap - user "
				  "a\0b authenticated, mechanism=PLAIN";
	size_t big = 65536;
	char *line = feed_long_line(
	    "2015-12-05 18:47:36,435 WARN  [ImapServer-3] [ip=1.2.3.4;] security - cmd=Auth; account=", 'a',
	    big, "; protocol=imap; error=authentication failed for [x], invalid password;");
	struct ib_str lines[2];
	struct feed f;

	lines[0] = (struct ib_str){nul, sizeof(nul) - 1};
	lines[1] = ib_str_from(line);
	feed_lines(&ib_parser_zimbra, lines, 2, &f);
	ck_assert_uint_eq(f.nbad, 1);
	ck_assert_uint_eq(f.nev, 1);
	ck_assert_uint_eq(f.ev[0].user_len, big);
	ck_assert_int_eq(f.ev[0].outcome, IB_CAT_CREDENTIALS);
	free(line);
}
END_TEST

START_TEST(test_probe)
{
	ck_assert_int_eq(
	    ib_parser_zimbra.probe(IB_STR_LIT("2015-12-05 18:47:36,435 INFO  [ImapSSLServer-7] [ip=1.1.1.1;] "
					      "security - cmd=Auth; account=a; protocol=imap;")),
	    90);
	ck_assert_int_eq(ib_parser_zimbra.probe(IB_STR_LIT("Jun 13 16:30:54 host dovecot: x")), 0);
	ck_assert_int_eq(ib_parser_zimbra.probe(IB_STR_LIT("2015-12-05 18:47:36 x")), 0);
	ck_assert_int_eq(ib_parser_zimbra.probe(IB_STR_LIT("")), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("parsers_zimbra");
	TCase *tc = tcase_create("lines");

	tcase_add_loop_test(tc, test_case, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_local_time);
	tcase_add_test(tc, test_hostile);
	tcase_add_test(tc, test_probe);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return ib_test_run(suite());
}
