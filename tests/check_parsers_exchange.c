/*
 * check_parsers_exchange.c: the Exchange IMAP4 protocol-log parser, both
 * layouts, the held-back "authenticated but not connected" logic, and
 * hostile lines. Each case feeds a whole file through open/parse/drain/close.
 */
#include <stdlib.h>
#include <check.h>
#include "imapblast/parser.h"
#include "ib_feed.h"
#include "testutil.h"

extern const struct ib_parser ib_parser_exchange;

#define H13                                                                                                  \
	"#Software: Microsoft Exchange Server\n#Version: 15.0.0.0\n#Log-type: IMAP4 Protocol Log\n"          \
	"#Date: 2025-11-03T01:00:00.000Z\n"                                                                  \
	"#Fields: "                                                                                          \
	"dateTime,sessionId,seqNumber,sIp,cIp,user,duration,rqsize,rpsize,command,parameters,context,puid\n"
#define H10                                                                                                  \
	"#Software: Microsoft Exchange Server\n#Version: 14.0.0.0\n#Log-type: IMAP4 Protocol Log\n"          \
	"#Date: 2010-09-08T10:00:00.000Z\n"                                                                  \
	"#Fields: "                                                                                          \
	"date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,"       \
	"context\n"
#define T0 1762131600008LL /* 2025-11-03T01:00:00.008Z */
#define T1 1762131601100LL
#define T10 1283941230123LL /* 2010-09-08T10:20:30.123Z */

#define L13(ts, sid, user, cmd, params, ctx)                                                                 \
	ts "," sid ",2,10.1.1.5:993,203.0.113.7:51000," user ",15,40,30," cmd "," params "," ctx ","
#define NO_X "\"R=\"\"a2 NO x\"\"\""
#define L10(sid, ev, data) "2010-09-08T10:20:30.123Z,," sid ",1,10.0.0.1:143,192.0.2.9:5123," ev "," data ","

struct xcase {
	const char *name;
	const char *text;
	int last_rc;
	size_t nev;
	struct exp_ev ev[3];
};

static const struct xcase cases[] = {
    /* A real back-end line: learn.microsoft.com/en-us/answers/questions/112837 (Exchange 2013) */
    {"2013 real line: ErrMsg=AuthFailed:LogonDenied is credentials",
     H13
     "2020-09-30T09:47:58.290Z,00000000000000A0,0,10.135.0.23:993,90.187.51.145:58423,,51,0,53,"
     "OpenSession,,\n"
     "2020-09-30T09:47:59.050Z,00000000000000A0,2,10.135.0.23:993,90.187.51.145:58423,domaion\\user\\"
     "sharedmailbox,614,31,30,authenticate,PLAIN,\"R=\"\"2 NO AUTHENTICATE failed.\"\";Msg=\"\"AuthFailed:"
     "LogonDenied,User: domain\\user\\sharedmailbox\"\";ErrMsg=AuthFailed:LogonDenied\"\n",
     IB_SKIP,
     1,
     {{IB_CAT_CREDENTIALS, "exchange-authenticate-failed", 1601459279050LL, "domaion\\user\\sharedmailbox",
       "90.187.51.145", "10.135.0.23", "00000000000000A0", "2 NO AUTHENTICATE failed."}}},
    {"2013 front end: proxy failures are service-side, the server is the mailbox server",
     H13 L13("2025-11-03T01:00:00.008Z", "FE1", "bob@ex.com", "login", "bob@ex.com *****", "\"R=\"\"a1 NO LOGIN failed.\"\";Msg=Proxy:mbx02.contoso.com:1993:SSL;ErrMsg=ProxyTimeout\"") "\n" L13(
	 "2025-11-03T01:00:00.008Z", "FE2", "ann@ex.com", "login", "ann@ex.com *****",
	 "\"R=\"\"a1 NO LOGIN failed.\"\";ErrMsg=NoProxyConnection\"") "\n" L13("2025-11-03T01:00:00.008Z",
										"FE3", "cid@ex.com",
										"authenticate", "PLAIN",
										"\"R=\"\"a1 NO AUTHENTICATE "
										"failed.\"\";ErrMsg="
										"ProxyNotAuthenticated\""),
     IB_OK,
     3,
     {{IB_CAT_TEMPORARY, "exchange-proxy-timeout", T0, "bob@ex.com", NULL, "mbx02.contoso.com", NULL, NULL},
      {IB_CAT_TEMPORARY, "exchange-no-proxy-connection", T0, "ann@ex.com", NULL, "10.1.1.5", NULL, NULL},
      {IB_CAT_TEMPORARY, "exchange-proxy-not-authenticated", T0, "cid@ex.com", NULL, NULL, NULL, NULL}}},
    {"2013 UserDisabled is policy, BasicAuthBlocked too",
     H13 L13(
	 "2025-11-03T01:00:00.008Z", "B1", "bob@ex.com", "login", "bob@ex.com *****",
	 "\"R=\"\"a1 NO LOGIN failed.\"\";ErrMsg=UserDisabled\"") "\n" L13("2025-11-03T01:00:00.008Z", "B2",
									   "ann@ex.com", "login",
									   "ann@ex.com *****",
									   "\"R=\"\"a1 NO LOGIN "
									   "failed.\"\";ErrMsg=AuthFailed:"
									   "LogonDenied-BasicAuthBlocked\""),
     IB_OK,
     2,
     {{IB_CAT_POLICY, "exchange-user-disabled", T0, "bob@ex.com", NULL, NULL, NULL, NULL},
      {IB_CAT_POLICY, "exchange-basic-auth-blocked", T0, "ann@ex.com", NULL, NULL, NULL, NULL}}},
    {"2013 login failed",
     H13 L13("2025-11-03T01:00:00.008Z", "08DD1A", "bob@ex.com", "login", "bob@ex.com *****",
	     "\"R=\"\"a2 NO LOGIN failed.\"\"\""),
     IB_OK,
     1,
     {{IB_CAT_CREDENTIALS, "exchange-login-failed", T0, "bob@ex.com", "203.0.113.7", "10.1.1.5", "08DD1A",
       "a2 NO LOGIN failed."}}},
    {"2013 authenticate failed",
     H13 L13("2025-11-03T01:00:00.008Z", "S2", "bob@ex.com", "authenticate", "XOAUTH2",
	     "\"R=\"\"a1 NO AUTHENTICATE failed.\"\"\""),
     IB_OK,
     1,
     {{IB_CAT_CREDENTIALS, "exchange-authenticate-failed", T0, "bob@ex.com", NULL, NULL, "S2", NULL}}},
    {"2013 unavailable",
     H13 L13("2025-11-03T01:00:00.008Z", "S3", "bob@ex.com", "login", "bob *****",
	     "\"R=\"\"a2 NO [UNAVAILABLE] backend down\"\"\""),
     IB_OK,
     1,
     {{IB_CAT_TEMPORARY, "exchange-unavailable", T0, "bob@ex.com", NULL, NULL, NULL, NULL}}},
    {"2013 serverbug",
     H13 L13("2025-11-03T01:00:00.008Z", "S3", "bob@ex.com", "login", "bob *****",
	     "\"R=\"\"a2 NO [SERVERBUG] oops\"\"\""),
     IB_OK,
     1,
     {{IB_CAT_TEMPORARY, "exchange-serverbug", T0, NULL, NULL, NULL, NULL, NULL}}},
    {"2013 ok then next command ok",
     H13 L13("2025-11-03T01:00:00.008Z", "S4", "bob@ex.com", "login", "bob@ex.com *****",
	     "\"R=\"\"a2 OK LOGIN completed.\"\"\"") "\n" L13("2025-11-03T01:00:01.100Z", "S4", "bob@ex.com",
							      "select", "INBOX",
							      "\"R=\"\"a3 OK [READ-WRITE] SELECT "
							      "completed.\"\"\""),
     IB_OK,
     1,
     {{IB_CAT_OK, "exchange-login-ok", T0, "bob@ex.com", "203.0.113.7", "10.1.1.5", "S4",
       "a2 OK LOGIN completed."}}},
    {"2013 ok then not connected",
     H13 L13("2025-11-03T01:00:00.008Z", "S5", "bob@ex.com", "authenticate", "XOAUTH2",
	     "\"R=\"\"a1 OK AUTHENTICATE completed.\"\"\"") "\n" L13("2025-11-03T01:00:01.100Z", "S5",
								     "bob@ex.com", "namespace", "",
								     "\"R=\"\"a3 BAD User is authenticated "
								     "but not connected.\"\"\""),
     IB_OK,
     1,
     {{IB_CAT_CREDENTIALS, "exchange-not-connected", T0, "bob@ex.com", "203.0.113.7", "10.1.1.5", "S5",
       "a3 BAD User is authenticated but not connected."}}},
    {"2013 ok then end of file",
     H13 L13("2025-11-03T01:00:00.008Z", "S6", "bob@ex.com", "login", "x *****", "R=OK"),
     IB_SKIP,
     1,
     {{IB_CAT_OK, "exchange-login-ok", T0, "bob@ex.com", NULL, NULL, "S6", "OK"}}},
    {"2013 user from LOGIN parameters",
     H13 L13("2025-11-03T01:00:00.008Z", "S7", "", "login", "alice@ex.com *****",
	     "\"R=\"\"a2 NO LOGIN failed.\"\"\""),
     IB_OK,
     1,
     {{IB_CAT_CREDENTIALS, NULL, T0, "alice@ex.com", NULL, NULL, NULL, NULL}}},
    {"2013 interleaved sessions",
     H13 L13("2025-11-03T01:00:00.008Z", "A", "ann@ex.com", "login", "ann *****",
	     "\"R=\"\"a1 OK LOGIN completed.\"\"\"") "\n" L13("2025-11-03T01:00:00.008Z", "B", "ben@ex.com",
							      "login", "ben *****",
							      "\"R=\"\"b1 NO LOGIN "
							      "failed.\"\"\"") "\n" L13("2025-"
											"11-"
											"03T01:"
											"00:01."
											"100Z",
											"A",
											"ann@ex."
											"com",
											"list",
											"\"\"\""
											"\"\" "
											"*\"",
											"\"R="
											"\"\"a2 "
											"BAD "
											"User "
											"is "
											"authent"
											"icated "
											"but "
											"not "
											"connect"
											"ed."
											"\"\""
											"\""),
     IB_OK,
     2,
     {{IB_CAT_CREDENTIALS, "exchange-login-failed", T0, "ben@ex.com", NULL, NULL, "B", NULL},
      {IB_CAT_CREDENTIALS, "exchange-not-connected", T0, "ann@ex.com", NULL, NULL, "A", NULL}}},
    {"2013 fields re-read mid-file",
     H13 "#Software: Microsoft Exchange Server\n"
	 "#Fields: "
	 "dateTime,sessionId,seqNumber,cIp,sIp,user,duration,rqsize,rpsize,command,parameters,context,puid,"
	 "serverName\n"
	 "2025-11-03T01:00:01.100Z,S9,1,198.51.100.4:60000,10.1.1.6:993,dan@ex.com,1,1,1,login,dan *****,"
	 "\"R=\"\"a NO LOGIN failed.\"\"\",,MBX02",
     IB_OK,
     1,
     {{IB_CAT_CREDENTIALS, NULL, T1, "dan@ex.com", "198.51.100.4", "MBX02", "S9", NULL}}},
    {"2013 non-auth line",
     H13 L13("2025-11-03T01:00:00.008Z", "S10", "bob@ex.com", "fetch", "1:* FLAGS",
	     "\"R=\"\"a5 OK FETCH completed.\"\"\""),
     IB_SKIP,
     0,
     {{0}}},
    {"2013 account blocked",
     H13 L13("2025-11-03T01:00:00.008Z", "S11", "eve@ex.com", "login", "eve *****",
	     "\"R=\"\"a NO LOGIN failed. Account is blocked.\"\"\""),
     IB_OK,
     1,
     {{IB_CAT_POLICY, "exchange-account-blocked", T0, NULL, NULL, NULL, NULL, NULL}}},
    {"header lines only", H13, IB_SKIP, 0, {{0}}},
    {"2010 login failed",
     H10 L10("08CD2B", "+", "") "\n" L10("08CD2B", "<", "a1 LOGIN carol secretpw") "\n" L10(
	 "08CD2B", ">", "a1 NO LOGIN failed.") "\n" L10("08CD2B", "-", ""),
     IB_SKIP,
     1,
     {{IB_CAT_CREDENTIALS, "exchange-login-failed", T10, "carol", "192.0.2.9", "10.0.0.1", "08CD2B",
       "a1 NO LOGIN failed."}}},
    {"2010 ok then not connected",
     H10 L10("S1", "<", "a1 LOGIN \"carol\" secretpw") "\n" L10("S1", ">", "a1 OK LOGIN completed.") "\n" L10(
	 "S1", "<", "a2 SELECT INBOX") "\n" L10("S1", ">",
						"a2 BAD User is authenticated but "
						"not connected.") "\n" L10("S1", ">",
									   "* BYE "
									   "Connectio"
									   "n "
									   "closed. "
									   "14") "\n" L10("S1", "-", ""),
     IB_SKIP,
     1,
     {{IB_CAT_CREDENTIALS, "exchange-not-connected", T10, "carol", NULL, NULL, "S1", NULL}}},
    {"2010 ok then disconnect",
     H10 L10("S2", "<", "a1 AUTHENTICATE PLAIN") "\n" L10("S2", ">", "+ ") "\n" L10(
	 "S2", "<", "AGNhcm9sAHNlY3JldA==") "\n" L10("S2", ">",
						     "a1 OK AUTHENTICATE completed.") "\n" L10("S2", "-", ""),
     IB_OK,
     1,
     {{IB_CAT_OK, "exchange-authenticate-ok", T10, "", NULL, NULL, "S2", NULL}}},
    {"2010 response without its command",
     H10 L10("S3", ">", "a9 NO LOGIN failed."),
     IB_OK,
     1,
     {{IB_CAT_CREDENTIALS, "exchange-login-failed", T10, "", NULL, NULL, "S3", NULL}}},
    {"bad date", H13 L13("2025-13-03T01:00:00.008Z", "S", "u", "login", "u *****", "R=OK"), IB_BAD, 0, {{0}}},
    {"unterminated quote",
     H13 "2025-11-03T01:00:00.008Z,S,2,1.1.1.1:1,2.2.2.2:2,u,1,1,1,login,\"u,R=OK",
     IB_BAD,
     0,
     {{0}}},
    {"fewer fields than header", H13 "2025-11-03T01:00:00.008Z,S,2", IB_BAD, 0, {{0}}},
    {"data before #Fields", "2025-11-03T01:00:00.008Z,S,2,x,y", IB_BAD, 0, {{0}}},
    {"text after closing quote",
     H13 "2025-11-03T01:00:00.008Z,\"S\"x,2,1,1,u,1,1,1,login,,R=OK,",
     IB_BAD,
     0,
     {{0}}},
    /* stamps: a repeat of the last second, a new second, then an offset stamp with the same first 19 bytes */
    {"stamps in one second and after",
     H13 L13("2025-11-03T01:00:00.008Z", "A1", "a@ex.com", "login", "a *****", NO_X) "\n" L13(
	 "2025-11-03T01:00:00.950Z", "A2", "b@ex.com", "login", "b *****",
	 NO_X) "\n" L13("2025-11-03T01:00:00.950+01:00", "A3", "c@ex.com", "login", "c *****", NO_X),
     IB_OK,
     3,
     {{IB_CAT_CREDENTIALS, NULL, T0, "a@ex.com", NULL, NULL, "A1", NULL},
      {IB_CAT_CREDENTIALS, NULL, T0 + 942, "b@ex.com", NULL, NULL, "A2", NULL},
      {IB_CAT_CREDENTIALS, NULL, T0 + 942 - 3600000, "c@ex.com", NULL, NULL, "A3", NULL}}},
    /* a quoted field with a comma and doubled quotes, longer than 16 bytes, then empty fields */
    {"quoted parameters unescaped",
     H13 L13("2025-11-03T01:00:00.008Z", "Q1", "", "login", "\"\"\"bob,x\"\" ***** more text\"",
	     "\"R=\"\"a2 NO LOGIN failed.\"\"\""),
     IB_OK,
     1,
     {{IB_CAT_CREDENTIALS, "exchange-login-failed", T0, "bob,x", "203.0.113.7", "10.1.1.5", "Q1",
       "a2 NO LOGIN failed."}}},
    {"too many fields",
     H13 "2025-11-03T01:00:00.008Z,S,2,1,1,u,1,1,1,login,,R=OK,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,"
	 ",,,,,,,"
	 ",,,,,,,,,,",
     IB_BAD,
     0,
     {{0}}},
};

START_TEST(test_case)
{
	const struct xcase *c = &cases[_i];
	struct feed f;

	feed_text(&ib_parser_exchange, c->text, &f);
	ck_assert_msg(f.last_rc == c->last_rc, "%s: last rc %d, want %d", c->name, f.last_rc, c->last_rc);
	feed_check(&f, c->ev, c->nev, c->name);
	for (size_t i = 0; i < f.nev; i++)
		ck_assert_msg(!strstr(f.ev[i].user, "secret") && !strstr(f.ev[i].message, "secret"),
			      "%s: password kept", c->name);
}
END_TEST

static const struct {
	const char *line;
	int score;
} probes[] = {
    {"#Software: Microsoft Exchange Server", 100},
    {"#Log-type: IMAP4 Protocol Log", 100},
    {"#Fields: dateTime,sessionId,seqNumber,sIp,cIp", 100},
    {"Jun 13 16:30:54 host dovecot: imap-login: Login", 0},
    {"", 0},
};

START_TEST(test_probe)
{
	ck_assert_int_eq(ib_parser_exchange.probe(ib_str_from(probes[_i].line)), probes[_i].score);
}
END_TEST

/* Hostile lines: NUL bytes, a 64 KiB user, invalid UTF-8; nothing crashes. */
START_TEST(test_hostile)
{
	static const char hdr[] = "#Fields: "
				  "dateTime,sessionId,seqNumber,sIp,cIp,user,duration,rqsize,rpsize,command,"
				  "parameters,context,puid";
	static const char nul[] = "2025-11-03T01:00:00.008Z,S\0X,2,1.1.1.1:1,2.2.2.2:2,u,1,1,1,login,,R=OK,";
	static const char utf[] = "2025-11-03T01:00:00.008Z,S,2,1.1.1.1:1,2.2.2.2:2,\xff\xfe\xc3(,1,1,1,"
				  "login,,\"R=\"\"a NO LOGIN failed.\"\"\",";
	size_t big = 65536;
	char *line = feed_long_line("2025-11-03T01:00:00.008Z,S,2,1.1.1.1:1,2.2.2.2:2,", 'u', big,
				    ",1,1,1,login,,\"R=\"\"a NO LOGIN failed.\"\"\",");
	struct ib_str lines[4];
	struct feed f;

	lines[0] = IB_STR_LIT(hdr);
	lines[1] = (struct ib_str){nul, sizeof(nul) - 1};
	lines[2] = ib_str_from(line);
	lines[3] = IB_STR_LIT(utf);
	feed_lines(&ib_parser_exchange, lines, 4, &f);
	ck_assert_uint_eq(f.nbad, 1);
	ck_assert_uint_eq(f.nev, 2);
	ck_assert_uint_eq(f.ev[0].user_len, big);
	ck_assert_int_eq(f.ev[1].outcome, IB_CAT_CREDENTIALS);
	ck_assert_str_eq(f.ev[1].user, "\xff\xfe\xc3(");
	free(line);
}
END_TEST

/* More open sessions than the table holds: the oldest are emitted as successes, none lost. */
START_TEST(test_many_sessions)
{
	static const char hdr[] = "#Fields: "
				  "dateTime,sessionId,seqNumber,sIp,cIp,user,duration,rqsize,rpsize,command,"
				  "parameters,context,puid";
	struct trun t;
	char buf[256];
	size_t oks = 0, total = 5000;

	trun_start(&t, "exchange", NULL, 0, NULL, 0, 0, NULL);
	ck_assert_int_eq(trun_line(&t, IB_STR_LIT(hdr)), IB_SKIP);
	for (size_t i = 0; i < total; i++) {
		int n = snprintf(
		    buf, sizeof(buf),
		    "2025-11-03T01:00:00.008Z,S%zu,2,1.1.1.1:1,2.2.2.2:2,u%zu,1,1,1,login,,R=OK,", i, i);
		int rc;

		rc = trun_line(&t, (struct ib_str){buf, (size_t)n});
		if (rc == IB_OK) {
			ck_assert_int_eq(t.ev.outcome, IB_CAT_OK);
			oks++;
		}
	}
	ck_assert_uint_eq(oks + t.held, total - 4096); /* the evicted ones */
	/* the rest is released at end of file */
	trun_end(&t);
	ck_assert_uint_eq(oks + t.held, total);
	ib_parser_exchange.close(NULL);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("parsers_exchange");
	TCase *tc = tcase_create("lines");

	tcase_add_loop_test(tc, test_case, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_loop_test(tc, test_probe, 0, (int)(sizeof(probes) / sizeof(probes[0])));
	tcase_add_test(tc, test_hostile);
	tcase_add_test(tc, test_many_sessions);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return ib_test_run(suite());
}
