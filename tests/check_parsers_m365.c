/*
 * check_parsers_m365.c: the Microsoft 365 export shapes beyond the portal
 * basics of check_parsers_entra.c: CSV records across lines, duplicate
 * and double-spaced names, Log Analytics and Export-Csv layouts and their
 * dates (en-US, en-GB, the refusal of an ambiguous file), Azure Monitor
 * blobs and Event Hub bodies, PowerShell PascalCase, string error codes,
 * an incomplete Graph export, and the Purview unified audit log.
 * Shapes: Microsoft's docs (Graph signIn resource, Azure Monitor sign-in
 * schema, Purview audit log activities) and elastic/integrations test data
 * (packages/azure/data_stream/signinlogs/_dev/test/pipeline/test-signinlogs-raw.log,
 * packages/o365/data_stream/audit/_dev/test/pipeline/test-azuread-sts-logon-events.json).
 * The samples in samples/formats/ (entra-*, purview-*) are one incident in
 * every shape; tests/e2e.d/m365.sh checks they give the same affected users.
 */
#include <stdlib.h>
#include <check.h>
#include <stdio.h>
#include <unistd.h>
#include "imapblast/parser.h"
#include "imapblast/reader.h"
#include "ib_feed.h"
#include "testutil.h"

extern const struct ib_parser ib_parser_entra_csv;
extern const struct ib_parser ib_parser_entra_json;
extern const struct ib_parser ib_parser_purview;

#define CSV &ib_parser_entra_csv
#define JSON &ib_parser_entra_json
#define PV &ib_parser_purview
#define T1 1768293065000LL /* 2026-01-13T08:31:05Z */

struct mcase {
	const char *name;
	const struct ib_parser *p;
	const char *text;
	size_t nev, nbad;
	struct exp_ev ev[3];
};

static const struct mcase cases[] = {
    {"portal csv: BOM, CRLF, a failure reason with a newline, duplicate and double-spaced names",
     CSV,
     "\xEF\xBB\xBF"
     "Date (UTC),Request ID,Incoming token type,Username,IP address,Status,Sign-in error code,"
     "Failure reason,Client app,Autonomous system  number,Incoming token type\r\n"
     "2026-01-13T08:31:05Z,r1,none,ann@contoso.com,203.0.113.10,Failure,50033,\"There was a transient "
     "error.\r\nPlease try again.\",IMAP4,8075,none\r\n"
     "2026-01-13T08:31:05Z,r2,none,bob@contoso.com,203.0.113.11,Success,0,,IMAP4,8075,none\r\n",
     2,
     0,
     {{IB_CAT_NONE, NULL, T1, "ann@contoso.com", "203.0.113.10", NULL, NULL,
       "AADSTS50033: There was a transient error.\nPlease try again."},
      {IB_CAT_OK, "entra-ok", T1, "bob@contoso.com", NULL, NULL, NULL, NULL}}},
    {"portal csv: a quoted field never closed",
     CSV,
     "Date (UTC),Username,Status,Sign-in error code,Failure reason,Client app\n"
     "2026-01-13T08:31:05Z,ann@contoso.com,Failure,50033,\"open\nstill open",
     0,
     1,
     {{0}}},
    {"Log Analytics SigninLogs: TimeGenerated [UTC], ResultType, dynamic Status as JSON text",
     CSV,
     "TenantId,TimeGenerated [UTC],ResultType,ResultDescription,UserPrincipalName,ClientAppUsed,IPAddress,"
     "Status\n"
     "72f988bf-86f1-41af-91ab-2d7cd011db47,\"1/13/2026, 8:31:05.123 AM\",90033,A transient error has "
     "occurred.,ann@contoso.com,IMAP4,203.0.113.10,\"{\"\"errorCode\"\":90033}\"\n"
     "72f988bf-86f1-41af-91ab-2d7cd011db47,\"1/13/2026, 8:31:05.000 PM\",0,,bob@contoso.com,IMAP4,"
     "203.0.113.11,\"{\"\"errorCode\"\":0}\"\n",
     2,
     0,
     {{IB_CAT_NONE, NULL, 1768293065123LL, "ann@contoso.com", "203.0.113.10", NULL, NULL,
       "AADSTS90033: A transient error has occurred."},
      {IB_CAT_OK, "entra-ok", T1 + 12 * 3600000LL, "bob@contoso.com", NULL, NULL, NULL, NULL}}},
    {"Log Analytics projected subset: no client app column",
     CSV,
     "TimeGenerated [UTC],UserPrincipalName,ResultType\n\"1/13/2026, 8:31:05.000 "
     "AM\",ann@contoso.com,50087\n",
     1,
     0,
     {{IB_CAT_NONE, NULL, T1, "ann@contoso.com", "", NULL, NULL, "AADSTS50087: "}}},
    {"Export-Csv en-GB: #TYPE line, every field quoted, a day above 12 settles day-first",
     CSV,
     "#TYPE Selected.Microsoft.Graph.PowerShell.Models.MicrosoftGraphSignIn\n"
     "\"CreatedDateTime\",\"UserPrincipalName\",\"ClientAppUsed\",\"ErrorCode\"\n"
     "\"13/01/2026 08:31:05\",\"ann@contoso.com\",\"IMAP4\",\"90033\"\n"
     "\"12/01/2026 08:31:05\",\"bob@contoso.com\",\"IMAP4\",\"0\"\n",
     2,
     0,
     {{IB_CAT_NONE, NULL, T1, "ann@contoso.com", NULL, NULL, NULL, "AADSTS90033: "},
      {IB_CAT_OK, "entra-ok", 1768206665000LL, "bob@contoso.com", NULL, NULL, NULL, NULL}}},
    /* the whole file decides: rows before the date that settles the order are held, then read */
    {"Export-Csv en-GB: ambiguous rows first, a later day above 12 settles them",
     CSV,
     "\"CreatedDateTime\",\"UserPrincipalName\",\"ClientAppUsed\",\"ErrorCode\"\n"
     "\"05/01/2026 08:31:05\",\"ann@contoso.com\",\"IMAP4\",\"90033\"\n"
     "\"12/01/2026 08:31:05\",\"bob@contoso.com\",\"IMAP4\",\"0\"\n"
     "\"13/01/2026 08:31:05\",\"cat@contoso.com\",\"IMAP4\",\"0\"\n",
     3,
     0,
     {{IB_CAT_OK, "entra-ok", T1, "cat@contoso.com", NULL, NULL, NULL, NULL},
      {IB_CAT_NONE, NULL, 1767601865000LL, "ann@contoso.com", NULL, NULL, NULL, "AADSTS90033: "},
      {IB_CAT_OK, "entra-ok", 1768206665000LL, "bob@contoso.com", NULL, NULL, NULL, NULL}}},
    {"Export-Csv en-US: ambiguous rows first, a later day above 12 settles them month-first",
     CSV,
     "\"CreatedDateTime\",\"UserPrincipalName\",\"ClientAppUsed\",\"ErrorCode\"\n"
     "\"01/05/2026 08:31:05\",\"ann@contoso.com\",\"IMAP4\",\"0\"\n"
     "\"01/13/2026 08:31:05\",\"cat@contoso.com\",\"IMAP4\",\"0\"\n",
     2,
     0,
     {{IB_CAT_OK, "entra-ok", T1, "cat@contoso.com", NULL, NULL, NULL, NULL},
      {IB_CAT_OK, "entra-ok", 1767601865000LL, "ann@contoso.com", NULL, NULL, NULL, NULL}}},
    {"Export-Csv en-US: AM/PM says month-first",
     CSV,
     "\"CreatedDateTime\",\"UserPrincipalName\",\"ClientAppUsed\",\"ErrorCode\"\n"
     "\"1/13/2026 8:31:05 AM\",\"ann@contoso.com\",\"IMAP4\",\"0\"\n",
     1,
     0,
     {{IB_CAT_OK, "entra-ok", T1, "ann@contoso.com", NULL, NULL, NULL, NULL}}},
    {"Export-Csv: day and month both 12 or less, never guessed",
     CSV,
     "\"CreatedDateTime\",\"UserPrincipalName\",\"ClientAppUsed\",\"ErrorCode\"\n"
     "\"05/01/2026 08:31:05\",\"ann@contoso.com\",\"IMAP4\",\"0\"\n",
     0,
     1,
     {{0}}},
    {"Azure Monitor PT1H.json: properties, resultType a string, 7 fraction digits",
     JSON,
     "{\"time\":\"2026-01-13T08:31:05.1230000Z\",\"category\":\"SignInLogs\",\"resultType\":\"90033\","
     "\"resultDescription\":\"A transient error has occurred.\",\"callerIpAddress\":\"203.0.113.10\","
     "\"correlationId\":\"c1\",\"properties\":{\"userPrincipalName\":\"ann@contoso.com\","
     "\"clientAppUsed\":\"IMAP4\",\"createdDateTime\":\"2026-01-13T08:31:05.1230000+00:00\","
     "\"correlationId\":\"c1\"}}\n"
     "{\"time\":\"2026-01-13T08:31:05.0000000Z\",\"resultType\":\"0\",\"properties\":{"
     "\"userPrincipalName\":\"bob@contoso.com\",\"clientAppUsed\":\"IMAP4\",\"status\":{\"errorCode\":0}}}\n",
     2,
     0,
     {{IB_CAT_NONE, NULL, 1768293065123LL, "ann@contoso.com", "203.0.113.10", NULL, "c1",
       "AADSTS90033: A transient error has occurred."},
      {IB_CAT_OK, "entra-ok", T1, "bob@contoso.com", NULL, NULL, NULL, NULL}}},
    {"Event Hub body: {\"records\":[...]} on one line",
     JSON,
     "{\"records\":[{\"time\":\"2026-01-13T08:31:05Z\",\"resultType\":\"50087\",\"properties\":{"
     "\"userPrincipalName\":\"ann@contoso.com\",\"clientAppUsed\":\"IMAP4\"}},{\"time\":\"2026-01-13T08:31:"
     "05Z\",\"resultType\":\"0\",\"properties\":{\"userPrincipalName\":\"eve@contoso.com\",\"clientAppUsed\":"
     "\"Browser\"}}]}",
     2,
     0,
     {{IB_CAT_NONE, NULL, T1, "ann@contoso.com", NULL, NULL, NULL, "AADSTS50087: "},
      {IB_CAT_OK, "entra-ok", T1, "eve@contoso.com", NULL, NULL, NULL, NULL}}},
    {"PowerShell ConvertTo-Json: PascalCase, /Date()/, a string error code",
     JSON,
     "[\n  {\n    \"ClientAppUsed\": \"IMAP4\",\n    \"CreatedDateTime\": \"\\/Date(1768293065000)\\/\",\n"
     "    \"IPAddress\": \"203.0.113.10\",\n    \"UserPrincipalName\": \"ann@contoso.com\",\n"
     "    \"Status\": {\"ErrorCode\": \"90033\", \"FailureReason\": \"Transient.\"}\n  }\n]\n",
     1,
     0,
     {{IB_CAT_NONE, NULL, T1, "ann@contoso.com", "203.0.113.10", NULL, NULL, "AADSTS90033: Transient."}}},
    {"Graph pages: the last page still has @odata.nextLink",
     JSON,
     "{\"@odata.context\":\"https://graph.microsoft.com/beta/$metadata#auditLogs/signIns\",\"value\":[{"
     "\"createdDateTime\":\"2026-01-13T08:31:05Z\",\"userPrincipalName\":\"ann@contoso.com\","
     "\"clientAppUsed\":"
     "\"IMAP4\",\"status\":{\"errorCode\":0}}],\"@odata.nextLink\":\"https://graph.microsoft.com/beta/"
     "auditLogs/signIns?$skiptoken=x\"}\n",
     1,
     1,
     {{IB_CAT_OK, "entra-ok", T1, "ann@contoso.com", NULL, NULL, NULL, NULL}}},
    {"Graph pages: nextLink on the first page only is complete",
     JSON,
     "{\"@odata.nextLink\":\"https://x\",\"value\":[]}\n{\"value\":[{\"createdDateTime\":\"2026-01-13T08:31:"
     "05Z\",\"userPrincipalName\":\"a@contoso.com\",\"clientAppUsed\":\"IMAP\",\"status\":{\"errorCode\":"
     "\"50126\"}}]}\n",
     1,
     0,
     {{IB_CAT_NONE, NULL, T1, "a@contoso.com", NULL, NULL, NULL, "AADSTS50126: "}}},
    {"Purview current layout: logons (BAV2ROPC is IMAP, a browser HTTP), MailItemsAccessed, the rest skipped",
     PV,
     "\xEF\xBB\xBFRecordId,CreationDate,RecordType,Operation,UserId,AuditData,AssociatedAdminUnits,"
     "AssociatedAdminUnitsNames\n"
     "r1,2026-01-13T08:31:05.0000000Z,AzureActiveDirectoryStsLogon,UserLoginFailed,ann@contoso.com,"
     "\"{\"\"CreationTime\"\":\"\"2026-01-13T08:31:05\"\",\"\"Operation\"\":\"\"UserLoginFailed\"\","
     "\"\"ResultStatus\"\":\"\"Failed\"\",\"\"UserId\"\":\"\"ann@contoso.com\"\",\"\"ClientIP\"\":"
     "\"\"203.0.113.10:51234\"\",\"\"ExtendedProperties\"\":[{\"\"Name\"\":\"\"UserAgent\"\",\"\"Value\"\":"
     "\"\"BAV2ROPC\"\"}],\"\"LogonError\"\":\"\"MsodsServiceUnavailable\"\",\"\"ErrorNumber\"\":"
     "\"\"90033\"\"}\",,\n"
     "r2,2026-01-13T08:31:05.0000000Z,AzureActiveDirectoryStsLogon,UserLoggedIn,eve@contoso.com,"
     "\"{\"\"CreationTime\"\":\"\"2026-01-13T08:31:05\"\",\"\"Operation\"\":\"\"UserLoggedIn\"\","
     "\"\"UserId\"\":\"\"eve@contoso.com\"\",\"\"ExtendedProperties\"\":[{\"\"Name\"\":\"\"UserAgent\"\","
     "\"\"Value\"\":\"\"Mozilla/5.0\"\"}]}\",,\n"
     "r3,2026-01-13T08:31:05.0000000Z,ExchangeItemAggregated,MailItemsAccessed,bob@contoso.com,"
     "\"{\"\"CreationTime\"\":\"\"2026-01-13T08:31:05\"\",\"\"Operation\"\":\"\"MailItemsAccessed\"\","
     "\"\"ResultStatus\"\":\"\"Succeeded\"\",\"\"UserId\"\":\"\"bob@contoso.com\"\",\"\"ClientIPAddress\"\":"
     "\"\"203.0.113.11\"\",\"\"ClientInfoString\"\":\"\"Client=POP3/IMAP4;Protocol=IMAP4\"\"}\",,\n"
     "r4,2026-01-13T08:31:05.0000000Z,SharePointFileOperation,FileAccessed,eve@contoso.com,\"{}\",,\n",
     3,
     0,
     {{IB_CAT_NONE, NULL, T1, "ann@contoso.com", "203.0.113.10", NULL, NULL,
       "AADSTS90033: MsodsServiceUnavailable"},
      {IB_CAT_OK, "entra-ok", T1, "eve@contoso.com", NULL, NULL, NULL, NULL},
      {IB_CAT_OK, "purview-imap-mail-access", T1, "bob@contoso.com", "203.0.113.11", "", NULL, NULL}}},
    {"Purview classic layout: CreationDate,UserIds,Operations,AuditData",
     PV,
     "CreationDate,UserIds,Operations,AuditData\n"
     "1/13/2026 8:31:05 AM,ann@contoso.com,UserLoggedIn,\"{\"\"CreationTime\"\":\"\"2026-01-13T08:31:05\"\","
     "\"\"Operation\"\":\"\"UserLoggedIn\"\",\"\"ResultStatus\"\":\"\"Success\"\",\"\"UserId\"\":"
     "\"\"ann@contoso.com\"\",\"\"ExtendedProperties\"\":[{\"\"Name\"\":\"\"UserAgent\"\",\"\"Value\"\":"
     "\"\"BAV2ROPC\"\"}]}\"\n",
     1,
     0,
     {{IB_CAT_OK, "entra-ok", T1, "ann@contoso.com", NULL, NULL, NULL, NULL}}},
    {"Purview: AuditData that is not JSON",
     PV,
     "CreationDate,UserIds,Operations,AuditData\nx,a,UserLoggedIn,{\n",
     0,
     1,
     {{0}}},
};

START_TEST(test_case)
{
	const struct mcase *c = &cases[_i];
	struct feed f;

	feed_text(c->p, c->text, &f);
	feed_check(&f, c->ev, c->nev, c->name);
	ck_assert_msg(f.nbad == c->nbad, "%s: %zu malformed, want %zu", c->name, f.nbad, c->nbad);
}
END_TEST

static const struct {
	const struct ib_parser *p;
	const char *line;
	int score;
} probes[] = {
    {CSV, "TenantId,SourceSystem,TimeGenerated [UTC],OperationName,ResultType,UserPrincipalName", 100},
    {CSV, "\"Id\",\"CreatedDateTime\",\"UserPrincipalName\",\"ClientAppUsed\"", 100},
    {CSV, "#TYPE Selected.Microsoft.Graph.PowerShell.Models.MicrosoftGraphSignIn", 0},
    {CSV, "RecordId,CreationDate,RecordType,Operation,UserId,AuditData", 0},
    {PV, "RecordId,CreationDate,RecordType,Operation,UserId,AuditData", 100},
    {PV, "CreationDate,UserIds,Operations,AuditData", 100},
    {PV, "Date (UTC),Request ID,Username", 0},
    {JSON, "{\"records\":[{\"time\":\"2026-01-13T08:31:05Z\",\"category\":\"SignInLogs\",", 60},
    {JSON, "    \"UserPrincipalName\": \"ann@contoso.com\",", 100},
};

START_TEST(test_probe)
{
	ck_assert_int_eq(probes[_i].p->probe(ib_str_from(probes[_i].line)), probes[_i].score);
}
END_TEST

/*
 * Every client app is an event with its protocol; --protocols decides what
 * counts. The values are Entra's clientAppUsed list (Microsoft Learn,
 * "Sign-in logs in Microsoft Entra ID": Client app); the Purview
 * ClientInfoString values are from elastic/integrations' o365 audit test
 * data and Microsoft's MailItemsAccessed examples.
 */
static const struct {
	const struct ib_parser *p;
	const char *app;
	enum ib_proto want;
} protos[] = {
    {JSON, "IMAP4", IB_PROTO_IMAP},
    {JSON, "POP3", IB_PROTO_POP3},
    {JSON, "Authenticated SMTP", IB_PROTO_SMTP},
    {JSON, "Exchange ActiveSync", IB_PROTO_EAS},
    {JSON, "Browser", IB_PROTO_HTTP},
    {JSON, "Exchange Web Services", IB_PROTO_HTTP},
    {JSON, "MAPI Over HTTP", IB_PROTO_HTTP},
    {JSON, "Outlook Anywhere (RPC over HTTP)", IB_PROTO_HTTP},
    {JSON, "Offline Address Book", IB_PROTO_HTTP},
    {JSON, "AutoDiscover", IB_PROTO_HTTP},
    {JSON, "Exchange Online PowerShell", IB_PROTO_HTTP},
    {JSON, "Mobile Apps and Desktop clients", IB_PROTO_OTHER},
    {JSON, "Other clients", IB_PROTO_OTHER},
    {JSON, "", IB_PROTO_IMAP}, /* a record without it: the parser's protocol, as the CSV without the column */
    {CSV, "pop3", IB_PROTO_POP3},
    {CSV, "Browser", IB_PROTO_HTTP},
    {PV, "Client=POP3/IMAP4;Protocol=IMAP4", IB_PROTO_IMAP},
    {PV, "Client=POP3/IMAP4;Protocol=POP3", IB_PROTO_POP3},
    {PV, "Client=OWA;Mozilla/5.0 (Windows NT 10.0; Win64; x64)", IB_PROTO_HTTP},
    {PV, "Client=REST;Client=RESTSystem;;", IB_PROTO_HTTP},
    {PV, "Client=Microsoft.Exchange.ActiveSync;Apple-iPhone", IB_PROTO_EAS},
    {PV, "Client=MSExchangeRPC", IB_PROTO_OTHER},
};

START_TEST(test_protocol)
{
	const char *app = protos[_i].app;
	char text[1024];
	struct feed f;

	if (protos[_i].p == JSON)
		snprintf(text, sizeof(text),
			 "{\"createdDateTime\":\"2026-01-13T08:31:05Z\",\"userPrincipalName\":\"a@contoso."
			 "com\"%s%s%s"
			 ",\"status\":{\"errorCode\":0}}\n",
			 *app ? ",\"clientAppUsed\":\"" : "", app, *app ? "\"" : "");
	else if (protos[_i].p == CSV)
		snprintf(text, sizeof(text),
			 "CreatedDateTime,UserPrincipalName,ClientAppUsed,ErrorCode\n"
			 "2026-01-13T08:31:05Z,a@contoso.com,%s,0\n",
			 app);
	else
		snprintf(text, sizeof(text),
			 "CreationDate,UserIds,Operations,AuditData\n"
			 "1/13/2026 8:31:05 "
			 "AM,a@contoso.com,MailItemsAccessed,\"{\"\"CreationTime\"\":\"\"2026-01-13T"
			 "08:31:05\"\",\"\"Operation\"\":\"\"MailItemsAccessed\"\",\"\"UserId\"\":\"\"a@"
			 "contoso.com\"\","
			 "\"\"ClientInfoString\"\":\"\"%s\"\"}\"\n",
			 app);
	feed_text(protos[_i].p, text, &f);
	ck_assert_msg(f.nev == 1, "'%s': %zu events, want 1", app, f.nev);
	ck_assert_msg(f.ev[0].protocol == protos[_i].want, "'%s': protocol %s, want %s", app,
		      ib_proto_name(f.ev[0].protocol), ib_proto_name(protos[_i].want));
}
END_TEST

/* The reader's pieces: a line over max_line comes in max_line pieces, counted once, never over-long. */
START_TEST(test_reader_pieces)
{
	char path[] = "/tmp/ib-m365-XXXXXX";
	int fd = mkstemp(path);
	FILE *f;
	struct ib_reader *r = NULL;
	struct ib_reader_stats st;
	struct ib_str line;
	char got[4096];
	size_t glen = 0, npieces = 0;
	int partial;

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs("short\r\n", f);
	for (int i = 0; i < 2500; i++)
		fputc('a' + i % 26, f);
	fputs("\r\nlast", f);
	for (int i = 0; i < 1100; i++)
		fputc('z', f);
	fclose(f);
	ck_assert_int_eq(ib_reader_open(&r, path, 1024, NULL), IB_OK);
	ib_reader_pieces(r);
	ck_assert_int_eq(ib_reader_next(r, &line, NULL), IB_OK);
	ck_assert(line.len == 5 && !memcmp(line.ptr, "short", 5) && !ib_reader_partial(r));
	do {
		ck_assert_int_eq(ib_reader_next(r, &line, NULL), IB_OK);
		partial = ib_reader_partial(r);
		ck_assert_uint_eq(ib_reader_lineno(r), 2);
		ck_assert_uint_le(line.len, 1024);
		memcpy(got + glen, line.ptr, line.len);
		glen += line.len;
		npieces++;
	} while (partial);
	ck_assert_uint_eq(npieces, 3);
	ck_assert_uint_eq(glen, 2500);
	for (size_t i = 0; i < glen; i++)
		ck_assert_int_eq(got[i], 'a' + (int)(i % 26));
	glen = 0;
	do {
		ck_assert_int_eq(ib_reader_next(r, &line, NULL), IB_OK);
		partial = ib_reader_partial(r);
		glen += line.len;
	} while (partial);
	ck_assert_uint_eq(glen, 1104);
	ck_assert_uint_eq(ib_reader_lineno(r), 3);
	ck_assert_int_eq(ib_reader_next(r, &line, NULL), IB_EOF);
	ib_reader_stats(r, &st);
	ck_assert_uint_eq(st.lines, 3);
	ck_assert_uint_eq(st.overlong, 0);
	ib_reader_close(r);
	unlink(path);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("parsers_m365");
	TCase *tc = tcase_create("shapes");

	tcase_add_loop_test(tc, test_case, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_loop_test(tc, test_probe, 0, (int)(sizeof(probes) / sizeof(probes[0])));
	tcase_add_loop_test(tc, test_protocol, 0, (int)(sizeof(protos) / sizeof(protos[0])));
	tcase_add_test(tc, test_reader_pieces);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return ib_test_run(suite());
}
