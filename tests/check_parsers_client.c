/*
 * check_parsers_client.c: table-driven tests of the client-layer parsers
 * (fetchmail, thunderbird, mbsync, offlineimap, imapsync, imaplib,
 * roundcube, horde): line shapes, state carried across lines, malformed
 * and hostile lines, Roundcube user-name injection.
 */
#include <stdio.h>
#include "pcase.h"
#include "testutil.h"

#define C IB_LAYER_CLIENT
#define NONE IB_CAT_NONE
#define OK IB_CAT_OK
/* the rest of a case that expects no event */
#define NOF NULL, NULL, NULL, NULL, NULL, 0, 0, NULL

static const struct pcase cases[] = {
    /* fetchmail, stderr form */
    {"fetchmail", "fetchmail: Authorization failure on lists@example.com@imap.gmail.com", IB_OK, "",
     "lists@example.com", NULL, "imap.gmail.com", NULL, C, NONE, "Authorization failure on"},
    {"fetchmail", "fetchmail: Authorization failure on bob@mail.example.org (previously authorized)", IB_OK,
     NULL, "bob", NULL, "mail.example.org", NULL, C, NONE, NULL},
    {"fetchmail",
     "fetchmail: 6.4.37 querying mail.superb.net (protocol IMAP) at Mon Jan 12 09:00:00 2026: poll started\n"
     "fetchmail: IMAP> A0004 LOGIN \"test\" *\n"
     "fetchmail: IMAP< A0004 NO [UNAVAILABLE] Backend down",
     IB_OK, "", "test", NULL, "mail.superb.net", NULL, C, NONE, "IMAP< A0004 NO [UNAVAILABLE]"},
    /* the Authorization failure after a reported NO is the same attempt */
    {"fetchmail",
     "fetchmail: IMAP> A0004 LOGIN \"test\" *\n"
     "fetchmail: IMAP< A0004 NO Authentication failed.\n"
     "fetchmail: Authorization failure on test@mail.superb.net",
     IB_SKIP, NOF},
    {"fetchmail",
     "fetchmail: IMAP> A0004 LOGIN \"test\" *\n"
     "fetchmail: IMAP< A0004 OK [CAPABILITY IMAP4rev1] Logged in",
     IB_OK, NULL, "test", NULL, NULL, NULL, C, OK, NULL},
    {"fetchmail", "fetchmail: IMAP< A0009 NO [TRYCREATE] no such mailbox", IB_SKIP, NOF},
    {"fetchmail", "2026-01-12 09:00:01 fetchmail: Lock-busy error on bob@imap.example.com", IB_OK,
     "2026-01-12T09:00:01", "bob", NULL, "imap.example.com", NULL, C, NONE, "Lock-busy"},
    {"fetchmail", "fetchmail: Server busy error on bob@imap.example.com", IB_OK, NULL, "bob", NULL,
     "imap.example.com", NULL, C, NONE, NULL},
    {"fetchmail",
     "fetchmail: Authorization failure on bob@imap.example.com\n"
     "fetchmail: Query status=3 (AUTHFAIL)\n"
     "fetchmail: timeout after 300 seconds waiting to connect to server imap.example.com.",
     IB_OK, NULL, "bob", NULL, "imap.example.com", NULL, C, NONE, "timeout after 300"},
    {"fetchmail", "fetchmail: timeout after 300 seconds waiting for server imap.example.com.", IB_OK, NULL,
     NULL, NULL, "imap.example.com", NULL, C, NONE, NULL},
    {"fetchmail", "fetchmail: connection to imap.example.com:imap [10.0.0.1/143] failed: Connection refused.",
     IB_OK, NULL, NULL, NULL, "imap.example.com", NULL, C, NONE, "Connection refused"},
    {"fetchmail", "fetchmail: Query status=2 (SOCKET)", IB_OK, NULL, NULL, NULL, NULL, NULL, C, NONE, NULL},
    {"fetchmail",
     "fetchmail: Authorization failure on bob@imap.example.com\n"
     "fetchmail: Query status=3 (AUTHFAIL)",
     IB_SKIP, NOF},
    {"fetchmail",
     "fetchmail: Authorization failure on bob@imap.example.com\n"
     "fetchmail: Query status=3 (AUTHFAIL)\n"
     "fetchmail: Service has been restored.",
     IB_OK, NULL, "bob", NULL, "imap.example.com", NULL, C, OK, NULL},
    {"fetchmail", "fetchmail: 3 messages for bob at imap.example.com (12345 octets).", IB_OK, NULL, "bob",
     NULL, "imap.example.com", NULL, C, OK, NULL},
    {"fetchmail", "fetchmail: No mail for bob at imap.example.com", IB_OK, NULL, "bob", NULL,
     "imap.example.com", NULL, C, OK, NULL},
    {"fetchmail", "fetchmail: reading message bob@imap.example.com:1 of 3 (1234 octets)", IB_SKIP, NOF},
    {"fetchmail", "something else entirely", IB_SKIP, NOF},
    /* fetchmail via syslog */
    {"syslog", "Jan 12 09:00:02 ws fetchmail[999]: Authorization failure on alice@imap.example.com", IB_OK,
     "2026-01-12T09:00:02", "alice", NULL, "imap.example.com", NULL, C, NONE, NULL},

    /* thunderbird */
    {"thunderbird",
     "2026-01-14 09:01:02.123456 UTC - [Parent 4242: IMAP]: I/IMAP 0x7f3a1c0:outlook.office365.com:NA:"
     "CreateNewLineFromSocket: 3 NO AUTHENTICATE failed.",
     IB_OK, "2026-01-14T09:01:02.123", NULL, NULL, "outlook.office365.com", "0x7f3a1c0", C, NONE,
     "3 NO AUTHENTICATE failed."},
    {"thunderbird",
     "[Parent 4242: IMAP]: I/IMAP 0x7f3a1c0:imap.example.com:NA:CreateNewLineFromSocket: 5 BAD no", IB_OK, "",
     NULL, NULL, "imap.example.com", "0x7f3a1c0", C, NONE, NULL},
    {"thunderbird",
     "[Parent 4242: IMAP]: I/IMAP 0x7f3a1c0:imap.example.com:NA:CreateNewLineFromSocket: * OK ready\n"
     "[Parent 4242: IMAP]: I/IMAP 0x7f3a1c0:imap.example.com:NA:SendData: Logging suppressed for this "
     "command "
     "(it probably contained authentication information)\n"
     "[Parent 4242: IMAP]: I/IMAP 0x7f3a1c0:imap.example.com:A:CreateNewLineFromSocket: 3 OK Logged in",
     IB_OK, "", NULL, NULL, "imap.example.com", "0x7f3a1c0", C, OK, NULL},
    /* Exchange banner: the backend name becomes the server of the connection */
    {"thunderbird",
     "[Parent 1: IMAP]: I/IMAP 0x10:outlook.office365.com:NA:CreateNewLineFromSocket: * OK The Microsoft "
     "Exchange IMAP4 service is ready. [QQBNADQAUABSADAAMQBDAEEAMAAwADEANgAuAG4AYQBtAHAAcgBkADAAMQAu"
     "AHAAcgBvAGQALgBvAHUAdABsAG8AbwBrAC4AYwBvAG0A]\n"
     "[Parent 1: IMAP]: I/IMAP 0x10:outlook.office365.com:NA:CreateNewLineFromSocket: 2 NO AUTHENTICATE "
     "failed.",
     IB_OK, "", NULL, NULL, "AM4PR01CA0016.namprd01.prod.outlook.com", "0x10", C, NONE, NULL},
    {"thunderbird",
     "[Parent 1: IMAP]: I/IMAP 0x10:h:NA:SendData: Logging suppressed for this command (it probably "
     "contained "
     "authentication information)\n"
     "[Parent 1: IMAP]: I/IMAP 0x10:h:NA:CreateNewLineFromSocket: clearing IMAP_CONNECTION_IS_OPEN - rv = "
     "0x804b000e",
     IB_OK, "", NULL, NULL, "h", "0x10", C, NONE, "clearing IMAP_CONNECTION_IS_OPEN"},
    {"thunderbird", "[Parent 1: IMAP]: I/IMAP 0x10:h:NA:CreateNewLineFromSocket: * CAPABILITY IMAP4rev1",
     IB_SKIP, NOF},
    {"thunderbird", "[Parent 1: IMAP]: I/IMAP 0x10:h:A:CreateNewLineFromSocket: 9 OK done", IB_SKIP, NOF},
    {"thunderbird", "[Parent 1: nsHttp]: D/nsHttp something", IB_SKIP, NOF},
    {"thunderbird", "no prefix at all", IB_BAD, NOF},
    {"thunderbird", "[Parent 1: IMAP]: I/IMAP 0x10:hostonly", IB_BAD, NOF},

    /* mbsync */
    {"mbsync",
     "Resolving imap.example.com... ok\n"
     "Connecting to imap.example.com (10.0.0.1:993)...\n"
     "IMAP command 'LOGIN <user> <pass>' returned an error: NO [AUTHENTICATIONFAILED] Authentication failed.",
     IB_OK, "", NULL, NULL, "imap.example.com", NULL, C, NONE, "NO [AUTHENTICATIONFAILED]"},
    {"mbsync",
     "2026-01-14 09:01:02 IMAP command 'AUTHENTICATE PLAIN <authdata>' returned an error: NO [UNAVAILABLE] x",
     IB_OK, "2026-01-14T09:01:02", NULL, NULL, NULL, NULL, C, NONE, "[UNAVAILABLE]"},
    {"mbsync", "IMAP command 'SELECT \"INBOX\"' returned an error: NO no such mailbox", IB_SKIP, NOF},
    {"mbsync", "Socket error on imap.example.com (10.0.0.1:993): timeout.", IB_OK, NULL, NULL, NULL,
     "imap.example.com", NULL, C, NONE, "timeout"},
    {"mbsync", "Channel work", IB_SKIP, NOF},
    {"mbsync", "IMAP command 'LOGIN <user> <pass>'", IB_BAD, NOF},

    /* offlineimap */
    {"offlineimap",
     " Establishing connection to imap-mail.outlook.com:993 (main-microsoft)\n"
     " PLAIN authentication failed: AUTHENTICATE failed.",
     IB_OK, "", NULL, NULL, "imap-mail.outlook.com", NULL, C, NONE, "AUTHENTICATE failed."},
    {"offlineimap",
     " Establishing connection to imap-mail.outlook.com:993 (main-microsoft)\n"
     " PLAIN authentication failed: AUTHENTICATE failed.\n"
     " LOGIN authentication failed: LOGIN failed.\n"
     " ERROR: All authentication types failed:",
     IB_SKIP, NOF},
    {"offlineimap",
     " Establishing connection to imap.example.com:993 (r)\n ERROR: All authentication types failed:", IB_OK,
     NULL, NULL, NULL, "imap.example.com", NULL, C, NONE, NULL},
    {"offlineimap", "        PLAIN: AUTHENTICATE failed.", IB_SKIP, NOF},
    {"offlineimap", " *** Finished account 'main' in 0:02", IB_SKIP, NOF},

    /* imapsync */
    {"imapsync",
     "Host2 failure: Error login on [outlook.office365.com] with user [jweiss@uzh.ch] auth [LOGIN]: 2 NO "
     "LOGIN "
     "failed.",
     IB_OK, "", "jweiss@uzh.ch", NULL, "outlook.office365.com", NULL, C, NONE, "2 NO LOGIN failed."},
    {"imapsync", "Host1: success login on [imap.example.com] with user [bob] auth [LOGIN]", IB_OK, NULL,
     "bob", NULL, "imap.example.com", NULL, C, OK, NULL},
    {"imapsync",
     "Host1: success login on [imap.example.com] with user [bob] auth [LOGIN]\n"
     "Read:   4 BAD User is authenticated but not connected.",
     IB_OK, NULL, "bob", NULL, "imap.example.com", NULL, C, NONE, "User is authenticated but not connected."},
    {"imapsync", "Read:   * OK fine", IB_SKIP, NOF},
    {"imapsync", "Host1: IMAP server [imap.example.com] port [993] user [bob]", IB_SKIP, NOF},

    /* imaplib */
    {"imaplib", "imaplib.IMAP4.error: b'LOGIN failed.'", IB_OK, "", NULL, NULL, NULL, NULL, C, NONE,
     "b'LOGIN failed.'"},
    {"imaplib",
     "    M = imaplib.IMAP4_SSL('outlook.office365.com')\n"
     "imaplib.IMAP4.error: AUTHENTICATE failed.",
     IB_OK, NULL, NULL, NULL, "outlook.office365.com", NULL, C, NONE, NULL},
    {"imaplib", "imaplib.error: EXAMINE command error: BAD [b'User is authenticated but not connected.']",
     IB_OK, NULL, NULL, NULL, NULL, NULL, C, NONE, "User is authenticated but not connected."},
    {"imaplib", "imaplib.IMAP4.abort: socket error: EOF", IB_OK, NULL, NULL, NULL, NULL, NULL, C, NONE,
     "socket error: EOF"},
    {"imaplib", "Traceback (most recent call last):", IB_SKIP, NOF},
    {"imaplib", "  File \"/usr/lib/python3.11/imaplib.py\", line 612, in login", IB_SKIP, NOF},
    {"imaplib", "imaplib.IMAP4.nothing: x", IB_SKIP, NOF},

    /* roundcube */
    {"roundcube",
     "[30-Dec-2014 13:02:34 -0500]: <3z506z6r> IMAP Error: Login failed for admin@example.com against "
     "localhost "
     "from 1.2.3.4. AUTHENTICATE PLAIN: Authentication failed. in /docroot/path/program/lib/Roundcube/"
     "rcube_imap.php on line 221 (POST /?_task=login?_task=login&_action=login)",
     IB_OK, "2014-12-30T18:02:34", "admin@example.com", "1.2.3.4", "localhost", "3z506z6r", C, NONE,
     "IMAP Error: Login failed for"},
    {"roundcube",
     "Jul 11 03:06:37 myhostname roundcube: IMAP Error: Login failed for admin from 127.0.0.1. from 1.2.3.4. "
     "AUTHENTICATE PLAIN: A0002 NO Login failed. user=admin from 127.0.0.1. in "
     "/usr/share/roundcube/program/include/rcube_imap.php on line 205 (POST "
     "/wmail/?_task=login&_action=login)",
     IB_OK, "2025-07-11T03:06:37", "admin from 127.0.0.1.", "1.2.3.4", NULL, NULL, C, NONE, NULL},
    /* a user name forging the whole anchor, echoed by the server: ambiguous, no user or IP */
    {"roundcube",
     "[30-Dec-2014 13:02:34 -0500]: IMAP Error: Login failed for x from 6.6.6.6. AUTHENTICATE PLAIN: y from "
     "1.2.3.4. AUTHENTICATE PLAIN: NO user x from 6.6.6.6. AUTHENTICATE PLAIN: y in /p.php on line 1 (POST "
     "/)",
     IB_OK, NULL, NULL, NULL, NULL, NULL, C, NONE, NULL},
    {"roundcube",
     "[10-May-2015 13:02:52 -0400]: <4z506z6r> Successful login for bob (ID: 12) from 10.0.0.1 in session "
     "4z506z6rvddstv6k7jz08hxo27",
     IB_OK, NULL, "bob", "10.0.0.1", NULL, "4z506z6r", C, OK, NULL},
    {"roundcube",
     "[10-May-2015 13:02:52 -0400]: IMAP Error: Could not connect to ssl://imap.example.com:993: Connection "
     "refused in /x.php on line 1 (GET /)",
     IB_OK, NULL, NULL, NULL, "ssl://imap.example.com:993", NULL, C, NONE, "Could not connect"},
    {"roundcube", "[10-May-2015 13:02:52 -0400]: PHP Warning: something", IB_SKIP, NOF},
    {"roundcube", "Jul 11 03:06:37 myhostname dovecot: imap-login: Login: user=<x>", IB_SKIP, NOF},
    /* two daemons interleaved in one syslog file: never carry one's account to the other */
    {"syslog",
     "Jan 12 09:00:01 c2 fetchmail[2001]: 3 messages for grace at imap.example.com (1 octets).\n"
     "Jan 12 09:00:02 c1 fetchmail[2045]: timeout after 30 seconds waiting for server imap.example.com.",
     IB_OK, NULL, NULL, NULL, "imap.example.com", NULL, C, NONE, NULL},
    {"syslog",
     "Jan 12 09:00:01 c1 fetchmail[2045]: 3 messages for greta at imap.example.com (1 octets).\n"
     "Jan 12 09:00:01 c2 fetchmail[2001]: 3 messages for grace at imap.example.com (1 octets).\n"
     "Jan 12 09:00:02 c1 fetchmail[2045]: timeout after 30 seconds waiting for server imap.example.com.",
     IB_OK, NULL, "greta", NULL, "imap.example.com", NULL, C, NONE, NULL},
    {"roundcube", "[10-May-2015 13:02:52", IB_BAD, NOF},
    {"roundcube", "[xx-May-2015 13:02:52 -0400]: x", IB_BAD, NOF},

    /* horde */
    {"horde",
     "Dec 15 08:59:59 HORDE [error] [imp] FAILED LOGIN for emai.user@somedomain.com [1.2.3.4] to "
     "{mx.somedomain.com:993 [imap/ssl/novalidate-cert]} [pid 68394 on line 139 of \"x\"]",
     IB_OK, "2025-12-15T08:59:59", "emai.user@somedomain.com", "1.2.3.4", "mx.somedomain.com:993", NULL, C,
     NONE, "FAILED LOGIN for"},
    {"horde",
     "Dec 15 08:59:59 HORDE [error] [imp] FAILED LOGIN for a [6.6.6.6] to {x:1 [imap]} [7.7.7.7] to {mx:993 "
     "[imap]} [pid 1]",
     IB_OK, NULL, "a [6.6.6.6] to {x:1 [imap]}", "7.7.7.7", "mx:993", NULL, C, NONE, NULL},
    {"horde",
     "Dec 15 08:59:59 HORDE [notice] [imp] Login success for bob [10.0.0.1] to {imap.example.com:993 [imap]} "
     "[pid 1]",
     IB_OK, NULL, "bob", "10.0.0.1", "imap.example.com:993", NULL, C, OK, NULL},
    {"horde", "Dec 15 08:59:59 HORDE [debug] [imp] something else", IB_SKIP, NOF},
    {"horde", "nothing here", IB_BAD, NOF},
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

START_TEST(test_case)
{
	pc_check(&cases[_i]);
}
END_TEST

START_TEST(test_hostile)
{
	pc_hostile(cases, NCASES);
}
END_TEST

struct dcase {
	const char *lines[3];
	const char *want;
};

static const struct dcase dcases[] = {
    {{"fetchmail: Authorization failure on a@b", "fetchmail: Query status=3 (AUTHFAIL)", NULL}, "fetchmail"},
    {{"2026-01-14 09:01:02.123456 UTC - [Parent 4242: IMAP]: I/IMAP 0x7f3a1c0:h:NA:CreateNewLineFromSocket: "
      "* OK",
      NULL, NULL},
     "thunderbird"},
    {{"IMAP command 'LOGIN <user> <pass>' returned an error: NO x", NULL, NULL}, "mbsync"},
    {{" Establishing connection to imap-mail.outlook.com:993 (main-microsoft)",
      " PLAIN authentication failed: AUTHENTICATE failed.", NULL},
     "offlineimap"},
    {{"Host2 failure: Error login on [h] with user [u] auth [LOGIN]: 2 NO LOGIN failed.", NULL, NULL},
     "imapsync"},
    {{"Traceback (most recent call last):", "  File \"/usr/lib/python3/imaplib.py\", line 1, in login",
      "imaplib.IMAP4.error: b'LOGIN failed.'"},
     "imaplib"},
    {{"[30-Dec-2014 13:02:34 -0500]: IMAP Error: Login failed for a from 1.2.3.4", NULL, NULL}, "roundcube"},
    {{"Dec 15 08:59:59 HORDE [error] [imp] FAILED LOGIN for a [1.2.3.4] to {h:993 [imap]} [pid 1]", NULL,
      NULL},
     "horde"},
};

START_TEST(test_detect)
{
	const struct dcase *d = &dcases[_i];
	struct ib_str l[3];
	size_t n = 0;
	const struct ib_parser *p;

	while (n < 3 && d->lines[n]) {
		l[n] = ib_str_from(d->lines[n]);
		n++;
	}
	p = ib_parser_detect(l, n);
	ck_assert(p != NULL);
	ck_assert_str_eq(p->name, d->want);
}
END_TEST

/* a Thunderbird log with more connections than table slots stays bounded */
START_TEST(test_tb_many_conns)
{
	struct trun t;
	char line[256];
	int n, oks = 0;

	trun_start(&t, "thunderbird", NULL, 0, NULL, 0, PC_REF, NULL);
	for (unsigned i = 1; i <= 1000; i++) {
		n = snprintf(line, sizeof(line),
			     "[P 1: IMAP]: I/IMAP 0x%x:h:NA:CreateNewLineFromSocket: * OK", i);
		ck_assert_int_eq(trun_line(&t, (struct ib_str){line, (size_t)n}), IB_SKIP);
		n = snprintf(line, sizeof(line), "[P 1: IMAP]: I/IMAP 0x%x:h:A:CreateNewLineFromSocket: 2 OK",
			     i);
		oks += trun_line(&t, (struct ib_str){line, (size_t)n}) == IB_OK;
	}
	ck_assert_int_eq(oks, 1000);
	trun_end(&t);
}
END_TEST

struct scase {
	const char *file, *parser;
	int min;
};

static const struct scase samples[] = {
    {"fetchmail.log", "fetchmail", 2},
    {"thunderbird-moz.log", "thunderbird", 2},
    {"mbsync.log", "mbsync", 2},
    {"offlineimap.log", "offlineimap", 2},
    {"imapsync.log", "imapsync", 3},
    {"imaplib.log", "imaplib", 2},
    {"roundcube.log", "roundcube", 3},
    {"horde.log", "horde", 2},
    {"multilayer/fetchmail-syslog.log", "syslog", 2},
};

START_TEST(test_sample)
{
	pc_sample(samples[_i].file, samples[_i].parser, samples[_i].min, NULL, NULL);
}
END_TEST

/* the same user fails at client, proxy and server within seconds */
START_TEST(test_multilayer)
{
	int c, p, s;

	pc_sample("multilayer/fetchmail-syslog.log", "syslog", 2, "dave@example.org", &c);
	pc_sample("multilayer/nginx-mail.log", "nginx_mail", 1, "dave@example.org", &p);
	pc_sample("multilayer/dovecot-syslog.log", "syslog", 2, "dave@example.org", &s);
	ck_assert_int_ge(c, 2);
	ck_assert_int_ge(s, 2);
	ck_assert_int_ge(p, 1);
}
END_TEST

/*
 * fetchmail in daemon mode logs one result line per account and poll, and
 * nothing ends a poll that failed with a timeout or a busy server (as in
 * samples/incident/client-fetchmail.log.gz): every poll's result counts,
 * while a verbose poll's "IMAP< OK" and its "messages for" line are one
 * success. Many daemons in one file keep their own accounts.
 */
START_TEST(test_fetchmail_polls)
{
	static const char *const text[] = {
	    "2026-01-14T08:30:00+00:00 client1 fetchmail[2045]: No mail for bob@example.com at "
	    "imap.example.com",
	    "2026-01-14T08:35:00+00:00 client1 fetchmail[2045]: No mail for bob@example.com at "
	    "imap.example.com",
	    "2026-01-14T08:41:31+00:00 client1 fetchmail[2045]: timeout after 30 seconds waiting for server "
	    "imap.example.com.",
	    "2026-01-14T08:46:27+00:00 client1 fetchmail[2045]: timeout after 30 seconds waiting for server "
	    "imap.example.com.",
	    "2026-01-14T08:51:25+00:00 client1 fetchmail[2045]: Server busy error on "
	    "bob@example.com@imap.example.com",
	    "2026-01-14T08:56:00+00:00 client1 fetchmail[2045]: IMAP> A0004 LOGIN \"bob@example.com\" *",
	    "2026-01-14T08:56:01+00:00 client1 fetchmail[2045]: IMAP< A0004 OK Logged in",
	    "2026-01-14T08:56:02+00:00 client1 fetchmail[2045]: 3 messages for bob@example.com at "
	    "imap.example.com "
	    "(1234 octets).",
	};
	struct ib_str lines[100];
	static char buf[80][160];
	struct feed f;
	size_t n = 0;
	int ok = 0, fail = 0;

	for (size_t i = 0; i < 4; i++)
		lines[n++] = ib_str_from(text[i]);
	/* 80 other daemons in between, each with a line (no event): they must not take bob's daemon's slot */
	for (int d = 0; d < 80 && n + 4 < 100; d++) {
		snprintf(buf[d], sizeof(buf[d]),
			 "2026-01-14T08:50:%02d+00:00 client%d fetchmail[%d]: IMAP> A0001 CAPABILITY", d % 60,
			 d, 3000 + d);
		lines[n++] = ib_str_from(buf[d]);
	}
	for (size_t i = 4; i < sizeof(text) / sizeof(text[0]); i++)
		lines[n++] = ib_str_from(text[i]);
	feed_lines(ib_parser_find("syslog"), lines, n, &f);
	for (size_t i = 0; i < f.nev; i++) {
		if (strncmp(f.ev[i].user, "bob@", 4))
			continue;
		if (f.ev[i].outcome == IB_CAT_OK)
			ok++;
		else if (f.ev[i].outcome != IB_CAT_NONE || f.ev[i].signature == NULL)
			fail++;
	}
	ck_assert_int_eq(ok, 3);
	ck_assert_int_eq(fail, 3);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("parsers_client");
	TCase *tc = tcase_create("cases");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_case, 0, (int)NCASES);
	tcase_add_loop_test(tc, test_detect, 0, (int)(sizeof(dcases) / sizeof(dcases[0])));
	tcase_add_loop_test(tc, test_sample, 0, (int)(sizeof(samples) / sizeof(samples[0])));
	tcase_add_test(tc, test_multilayer);
	tcase_add_test(tc, test_hostile);
	tcase_add_test(tc, test_tb_many_conns);
	tcase_add_test(tc, test_fetchmail_polls);
	suite_add_tcase(s, tc);
	return ib_test_run(s);
}
