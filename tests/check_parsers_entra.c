/*
 * check_parsers_entra.c: Entra ID sign-in exports: the portal CSV (and the
 * older CreatedDateTime export), and Graph JSON as NDJSON, a top-level
 * array, and a pretty-printed {"value":[...]} over many lines.
 */
#include <stdlib.h>
#include <check.h>
#include "imapblast/parser.h"
#include "ib_feed.h"
#include "testutil.h"

extern const struct ib_parser ib_parser_entra_csv;
extern const struct ib_parser ib_parser_entra_json;

#define CSVH                                                                                                 \
	"\xEF\xBB\xBF"                                                                                       \
	"Date (UTC),Request ID,Correlation ID,User,Username,Application,Application ID ,Resource,Resource "  \
	"ID ,IP address,Location,Status,Sign-in error code,Failure reason,Client app,Session ID,Incoming "   \
	"token type,Username\n"
#define ROW(date, user, res, ip, status, code, reason, app, sess)                                            \
	date ",req1,corr-1,Bob," user ",Office 365 Exchange Online,00000002," res ",rid," ip                 \
	     ",\"Paris, IDF, FR\"," status "," code "," reason "," app "," sess ",none,dup@x"
#define T_CSV 1764836381000LL /* 2025-12-04T08:19:41Z */

struct ecase {
	const char *name;
	const struct ib_parser *p;
	const char *text;
	int last_rc;
	size_t nev;
	struct exp_ev ev[3];
};

static const struct ecase cases[] = {
    {"csv success",
     &ib_parser_entra_csv,
     CSVH ROW("2025-12-04T08:19:41Z", "bob@ex.com", "Exchange", "203.0.113.7", "Success", "0", "", "IMAP4",
	      "sess-1"),
     IB_OK,
     1,
     {{IB_CAT_OK, "entra-ok", T_CSV, "bob@ex.com", "203.0.113.7", "Exchange", "sess-1", ""}}},
    {"csv 50126",
     &ib_parser_entra_csv,
     CSVH ROW("2025-12-04T08:19:41Z", "bob@ex.com", "Exchange", "203.0.113.7", "Failure", "50126",
	      "\"Error validating credentials due to invalid username or password.\"", "IMAP4", "s"),
     IB_OK,
     1,
     {{IB_CAT_NONE, NULL, T_CSV, "bob@ex.com", NULL, NULL, NULL,
       "AADSTS50126: Error validating credentials due to invalid username or password."}}},
    {"csv policy codes",
     &ib_parser_entra_csv,
     CSVH ROW("2025-12-04T08:19:41Z", "a@ex.com", "Exchange", "1.1.1.1", "Failure", "50057", "disabled",
	      "IMAP4", "s") "\n" ROW("2025-12-04T08:19:41Z", "b@ex.com", "Exchange", "1.1.1.1", "Interrupted",
				     "50076", "MFA", "IMAP", "s") "\n" ROW("2025-12-04T08:19:41Z", "c@ex.com",
									   "Exchange", "1.1.1.1", "Failure",
									   "50053", "locked", "IMAP4", "s"),
     IB_OK,
     3,
     {{IB_CAT_NONE, NULL, T_CSV, "a@ex.com", NULL, NULL, NULL, NULL},
      {IB_CAT_NONE, NULL, T_CSV, "b@ex.com", NULL, NULL, NULL, NULL},
      {IB_CAT_NONE, NULL, T_CSV, "c@ex.com", NULL, NULL, NULL, NULL}}},
    {"csv temporary and other",
     &ib_parser_entra_csv,
     CSVH ROW("2025-12-04T08:19:41Z", "a@ex.com", "", "1.1.1.1", "Failure", "50033", "retry", "IMAP4",
	      "") "\n" ROW("2025-12-04T08:19:41Z", "b@ex.com", "Exchange", "1.1.1.1", "Failure", "90001", "x",
			   "IMAP4", "s"),
     IB_OK,
     2,
     {{IB_CAT_NONE, NULL, T_CSV, "a@ex.com", NULL, "Office 365 Exchange Online", "corr-1", NULL},
      {IB_CAT_NONE, NULL, T_CSV, "b@ex.com", NULL, NULL, NULL, NULL}}},
    /* every client app is an event, with its protocol (--protocols decides what counts) */
    {"csv rows of other client apps",
     &ib_parser_entra_csv,
     CSVH ROW("2025-12-04T08:19:41Z", "bob@ex.com", "Exchange", "1.1.1.1", "Success", "0", "", "Browser",
	      "s") "\n" ROW("2025-12-04T08:19:41Z", "bob@ex.com", "Exchange", "1.1.1.1", "Success", "0", "",
			    "Exchange ActiveSync", "s") "\n" ROW("2025-12-04T08:19:41Z", "bob@ex.com",
								 "Exchange", "1.1.1.1", "Success", "0", "",
								 "Mobile Apps and Desktop clients", "s"),
     IB_OK,
     3,
     {{IB_CAT_OK, "entra-ok", T_CSV, "bob@ex.com", NULL, NULL, NULL, NULL},
      {IB_CAT_OK, "entra-ok", T_CSV, "bob@ex.com", NULL, NULL, NULL, NULL},
      {IB_CAT_OK, "entra-ok", T_CSV, "bob@ex.com", NULL, NULL, NULL, NULL}}},
    {"csv old export, US dates",
     &ib_parser_entra_csv,
     "CreatedDateTime,UserPrincipalName,AppDisplayName,IpAddress,ClientAppUsed,ErrorCode,FailureReason,"
     "CorrelationId\n"
     "3/12/2025 7:22:01 AM,ann@ex.com,Exchange,198.51.100.1,IMAP4,50126,bad pw,c1\n"
     "3/12/2025 7:22:01 PM,ann@ex.com,Exchange,198.51.100.1,IMAP4,0,,c2\n"
     "3/12/2025 12:05 AM,ann@ex.com,Exchange,198.51.100.1,IMAP4,0,,c3",
     IB_OK,
     3,
     {{IB_CAT_NONE, NULL, 1741764121000LL, "ann@ex.com", "198.51.100.1", "Exchange", "c1",
       "AADSTS50126: bad pw"},
      {IB_CAT_OK, "entra-ok", 1741807321000LL, NULL, NULL, NULL, "c2", NULL},
      {IB_CAT_OK, "entra-ok", 1741737900000LL, NULL, NULL, NULL, "c3", NULL}}},
    {"csv bad date",
     &ib_parser_entra_csv,
     CSVH ROW("13/45/2025 7:22:01 AM", "bob@ex.com", "E", "1.1.1.1", "Success", "0", "", "IMAP4", "s"),
     IB_BAD,
     0,
     {{0}}},
    {"csv bad code",
     &ib_parser_entra_csv,
     CSVH ROW("2025-12-04T08:19:41Z", "bob@ex.com", "E", "1.1.1.1", "Failure", "-5", "", "IMAP4", "s"),
     IB_BAD,
     0,
     {{0}}},
    {"csv short row", &ib_parser_entra_csv, CSVH "2025-12-04T08:19:41Z,req", IB_BAD, 0, {{0}}},
    {"csv unterminated quote", &ib_parser_entra_csv, CSVH "2025-12-04T08:19:41Z,\"req", IB_SKIP, 0, {{0}}},
    {"csv row before header", &ib_parser_entra_csv, "2025-12-04T08:19:41Z,a,b", IB_BAD, 0, {{0}}},

    {"json ndjson",
     &ib_parser_entra_json,
     "{\"createdDateTime\":\"2025-12-04T08:19:41Z\",\"userPrincipalName\":\"bob@ex.com\",\"ipAddress\":\"203."
     "0.113.7\","
     "\"clientAppUsed\":\"IMAP4\",\"correlationId\":\"c-1\",\"resourceDisplayName\":\"Office 365 Exchange "
     "Online\","
     "\"status\":{\"errorCode\":50126,\"failureReason\":\"Invalid username or password.\"}}\n"
     "{\"createdDateTime\":\"2025-12-04T08:19:41Z\",\"userPrincipalName\":\"web@ex.com\",\"clientAppUsed\":"
     "\"Browser\",\"status\":{\"errorCode\":0}}\n"
     "{\"createdDateTime\":\"2025-12-04T08:19:41Z\",\"userPrincipalName\":\"b\\u00e9a@ex.com\","
     "\"clientAppUsed\":\"IMAP\","
     "\"appDisplayName\":\"Exchange\",\"status\":{\"errorCode\":0,\"failureReason\":null}}",
     IB_OK,
     3,
     {{IB_CAT_NONE, NULL, T_CSV, "bob@ex.com", "203.0.113.7", "Office 365 Exchange Online", "c-1",
       "AADSTS50126: Invalid username or password."},
      {IB_CAT_OK, "entra-ok", T_CSV, "web@ex.com", NULL, NULL, NULL, NULL},
      {IB_CAT_OK, "entra-ok", T_CSV,
       "b\xc3\xa9"
       "a@ex.com",
       "", "Exchange", "", ""}}},
    {"json pretty value wrapper",
     &ib_parser_entra_json,
     "{\n  \"@odata.context\": \"https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns\",\n  "
     "\"value\": [\n"
     "    {\n      \"createdDateTime\": \"2025-12-04T08:19:41Z\",\n      \"userPrincipalName\": "
     "\"amy@ex.com\",\n"
     "      \"clientAppUsed\": \"IMAP4\",\n      \"status\": {\n        \"errorCode\": 50033,\n        "
     "\"failureReason\": \"Retry\"\n      }\n    },\n"
     "    {\n      \"createdDateTime\": \"2025-12-04T08:19:41Z\",\n      \"userPrincipalName\": "
     "\"x@ex.com\",\n"
     "      \"clientAppUsed\": \"Exchange ActiveSync\"\n    }\n  ],\n  \"@odata.nextLink\": \"https://x\"\n}",
     IB_SKIP,
     2,
     {{IB_CAT_NONE, NULL, T_CSV, "amy@ex.com", NULL, NULL, NULL, "AADSTS50033: Retry"},
      {IB_CAT_OTHER, "entra-failure", T_CSV, "x@ex.com", NULL, NULL, NULL, NULL}}},
    {"json one-line array, two records",
     &ib_parser_entra_json,
     "[{\"createdDateTime\":\"2025-12-04T08:19:41Z\",\"userPrincipalName\":\"a@ex.com\",\"clientAppUsed\":"
     "\"IMAP4\",\"status\":{\"errorCode\":50057}},"
     "{\"createdDateTime\":\"2025-12-04T08:19:41Z\",\"userPrincipalName\":\"b@ex.com\",\"clientAppUsed\":"
     "\"IMAP4\",\"status\":{\"errorCode\":0}}]",
     IB_OK,
     2,
     {{IB_CAT_NONE, NULL, T_CSV, "a@ex.com", NULL, NULL, NULL, NULL},
      {IB_CAT_OK, "entra-ok", T_CSV, "b@ex.com", NULL, NULL, NULL, NULL}}},
    {"json invalid record",
     &ib_parser_entra_json,
     "{\"createdDateTime\":\"2025-12-04T08:19:41Z\",\"clientAppUsed\":\"IMAP4\",\"x\":tru}",
     IB_BAD,
     0,
     {{0}}},
    {"json bad date",
     &ib_parser_entra_json,
     "{\"createdDateTime\":\"yesterday\",\"clientAppUsed\":\"IMAP4\"}",
     IB_BAD,
     0,
     {{0}}},
    {"json wrong type",
     &ib_parser_entra_json,
     "{\"createdDateTime\":\"2025-12-04T08:19:41Z\",\"clientAppUsed\":\"IMAP4\",\"userPrincipalName\":7}",
     IB_BAD,
     0,
     {{0}}},
    {"json text outside", &ib_parser_entra_json, "hello", IB_BAD, 0, {{0}}},
    {"json unterminated at eof",
     &ib_parser_entra_json,
     "{\"createdDateTime\":\"2025-12-04T08:19:41Z\",\n\"clientAppUsed\":\"IMAP4\"",
     IB_SKIP,
     0,
     {{0}}},
};

START_TEST(test_case)
{
	const struct ecase *c = &cases[_i];
	struct feed f;

	feed_text(c->p, c->text, &f);
	ck_assert_msg(f.last_rc == c->last_rc, "%s: last rc %d, want %d", c->name, f.last_rc, c->last_rc);
	feed_check(&f, c->ev, c->nev, c->name);
	if (!strcmp(c->name, "json unterminated at eof"))
		ck_assert_uint_eq(f.nbad, 1);
}
END_TEST

static const struct {
	const struct ib_parser *p;
	const char *line;
	int score;
} probes[] = {
    {&ib_parser_entra_csv, CSVH, 100},
    {&ib_parser_entra_csv, "CreatedDateTime,UserPrincipalName,ClientAppUsed", 100},
    {&ib_parser_entra_csv, "{\"clientAppUsed\":\"IMAP4\"}", 0},
    {&ib_parser_entra_json, "{\"createdDateTime\":\"x\",\"clientAppUsed\":\"IMAP4\"}", 100},
    {&ib_parser_entra_json, "  \"createdDateTime\": \"2025-12-04T08:19:41Z\",", 60},
    {&ib_parser_entra_json, "Date (UTC),Request ID", 0},
};

START_TEST(test_probe)
{
	ck_assert_int_eq(probes[_i].p->probe(ib_str_from(probes[_i].line)), probes[_i].score);
}
END_TEST

START_TEST(test_hostile_csv)
{
	static const char hdr[] =
	    "Date (UTC),Username,IP address,Status,Sign-in error code,Failure reason,Client app";
	static const char nul[] = "2025-12-04T08:19:41Z,a\0b,1.1.1.1,Failure,50126,x,IMAP4";
	static const char utf[] = "2025-12-04T08:19:41Z,\xc3\x28\xff,1.1.1.1,Failure,50126,x,IMAP4";
	size_t big = 65536;
	char *line = feed_long_line("2025-12-04T08:19:41Z,\"", 'x', big, "\",1.1.1.1,Failure,50126,y,IMAP4");
	struct ib_str lines[4];
	struct feed f;

	lines[0] = IB_STR_LIT(hdr);
	lines[1] = (struct ib_str){nul, sizeof(nul) - 1};
	lines[2] = ib_str_from(line);
	lines[3] = IB_STR_LIT(utf);
	feed_lines(&ib_parser_entra_csv, lines, 4, &f);
	ck_assert_uint_eq(f.nbad, 1);
	ck_assert_uint_eq(f.nev, 2);
	ck_assert_uint_eq(f.ev[0].user_len, big);
	ck_assert_int_eq(f.ev[1].outcome, IB_CAT_NONE);
	ck_assert_str_eq(f.ev[1].message, "AADSTS50126: x");
	free(line);
}
END_TEST

START_TEST(test_hostile_json)
{
	/* a record over 1 MiB is refused, the next one still parses */
	size_t big = (1u << 20) + 100;
	char *line = feed_long_line("{\"clientAppUsed\":\"IMAP4\",\"pad\":\"", 'p', big, "\"}");
	static const char ok[] = "{\"createdDateTime\":\"2025-12-04T08:19:41Z\",\"userPrincipalName\":\"z@ex."
				 "com\",\"clientAppUsed\":\"IMAP4\",\"status\":{\"errorCode\":0}}";
	static const char nul[] = "{\"clientAppUsed\":\"IMAP4\",\"a\":\"x\0y\"}";
	static const char bad8[] = "{\"createdDateTime\":\"2025-12-04T08:19:41Z\",\"clientAppUsed\":"
				   "\"IMAP4\",\"userPrincipalName\":\"\xff\"}";
	struct ib_str lines[5];
	struct feed f;

	lines[0] = ib_str_from(line);
	lines[1] = IB_STR_LIT(ok);
	lines[2] = (struct ib_str){nul, sizeof(nul) - 1};
	lines[3] = IB_STR_LIT(bad8);
	lines[4] = IB_STR_LIT("{\"unterminated\": \"string");
	feed_lines(&ib_parser_entra_json, lines, 5, &f);
	ck_assert_uint_eq(f.nev, 1);
	ck_assert_str_eq(f.ev[0].user, "z@ex.com");
	ck_assert_uint_eq(f.nbad, 4); /* too large, NUL, invalid UTF-8, unterminated at EOF */
	free(line);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("parsers_entra");
	TCase *tc = tcase_create("lines");

	tcase_add_loop_test(tc, test_case, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_loop_test(tc, test_probe, 0, (int)(sizeof(probes) / sizeof(probes[0])));
	tcase_add_test(tc, test_hostile_csv);
	tcase_add_test(tc, test_hostile_json);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return ib_test_run(suite());
}
