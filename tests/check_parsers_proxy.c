/*
 * check_parsers_proxy.c: table-driven tests of the proxy-layer parsers
 * (nginx_mail, haproxy, perdition): every line shape, state carried across
 * a connection's lines, malformed and hostile lines.
 */
#include <stdio.h>
#include "pcase.h"
#include "testutil.h"

#define P IB_LAYER_PROXY
#define NONE IB_CAT_NONE
/* the rest of a case that expects no event */
#define NOF NULL, NULL, NULL, NULL, NULL, 0, 0, NULL

static const struct pcase cases[] = {
    /* nginx_mail: stamps, the last line's in the same second as the one before, with a fraction, next day */
    {"nginx_mail",
     "2024/01/02 03:04:05 [info] 7#7: *5 client 10.0.0.5:50000 connected to 0.0.0.0:993\n"
     "2024/01/02 03:04:05 [error] 7#7: *5 auth http server 127.0.0.1:9000 timed out while in http auth "
     "state, client: 10.0.0.5, server: 0.0.0.0:143",
     IB_OK, "2024-01-02T03:04:05", NULL, "10.0.0.5", NULL, "5", P, NONE, "auth http server"},
    {"nginx_mail",
     "2024/01/02 03:04:05 [info] 7#7: *5 client 10.0.0.5:50000 connected to 0.0.0.0:993\n"
     "2024/01/02 03:04:05.250 [error] 7#7: *5 auth http server 127.0.0.1:9000 timed out while in http "
     "auth state, client: 10.0.0.5, server: 0.0.0.0:143",
     IB_OK, "2024-01-02T03:04:05.250", NULL, "10.0.0.5", NULL, "5", P, NONE, "auth http server"},
    {"nginx_mail",
     "2024/01/02 03:04:05 [info] 7#7: *5 client 10.0.0.5:50000 connected to 0.0.0.0:993\n"
     "2024/01/03 03:04:05\t[error] 7#7: *5 auth http server 127.0.0.1:9000 timed out while in http auth "
     "state, client: 10.0.0.5, server: 0.0.0.0:143",
     IB_OK, "2024-01-03T03:04:05", NULL, "10.0.0.5", NULL, "5", P, NONE, "auth http server"},
    /* nginx_mail: the line cut right after ", client:" (trailing blanks are trimmed): no mail context */
    {"nginx_mail",
     "2024/01/02 03:04:05 [error] 7#7: *6 upstream timed out while reading response from upstream, client: ",
     IB_SKIP, NULL, NULL, NULL, NULL, NULL, P, NONE, NULL},
    /* nginx_mail */
    {"nginx_mail",
     "2022/03/02 06:04:23 [info] 13#13: *89499 client login failed: \"Authentication credentials invalid\" "
     "while in http auth state, client: 31.210.20.189, server: 0.0.0.0:25, login: \"database\"",
     IB_OK, "2022-03-02T06:04:23", "database", "31.210.20.189", NULL, "89499", P, NONE,
     "client login failed"},
    {"nginx_mail",
     "2019/09/02 15:43:25 [info] 12#12: *2856 upstream sent invalid response: \"NO [AUTHENTICATIONFAILED] "
     "Authentication failed.\" while reading response from upstream, client: 131.255.7.26, server: "
     "0.0.0.0:993, login: \"froster2406@frostbolt.ch\", upstream: 192.168.0.5:143",
     IB_OK, "2019-09-02T15:43:25", "froster2406@frostbolt.ch", "131.255.7.26", "192.168.0.5:143", "2856", P,
     NONE, "upstream sent invalid response: \"NO [AUTHENTICATIONFAILED]"},
    {"nginx_mail",
     "2024/01/02 03:04:05 [error] 7#7: *12 auth http server 127.0.0.1:9000 timed out while in http auth "
     "state, client: 10.0.0.9, server: 0.0.0.0:143",
     IB_OK, "2024-01-02T03:04:05", NULL, "10.0.0.9", NULL, "12", P, NONE,
     "auth http server 127.0.0.1:9000 timed out"},
    /* state: login and upstream carried to the timeout line of the same connection */
    {"nginx_mail",
     "2024/01/02 03:04:00 [info] 7#7: *77 client 10.0.0.5:50000 connected to 0.0.0.0:993\n"
     "2024/01/02 03:04:01 [info] 7#7: *78 client login failed: \"x\" while in http auth state, client: "
     "10.0.0.6, server: 0.0.0.0:993, login: \"other\"\n"
     "2024/01/02 03:04:02 [info] 7#7: *77 client 10.0.0.5 sent something while in auth state, client: "
     "10.0.0.5, server: 0.0.0.0:993, login: \"bob\", upstream: 10.1.1.1:143\n"
     "2024/01/02 03:05:02 [error] 7#7: *77 upstream timed out (110: Connection timed out) while reading "
     "response from upstream, client: 10.0.0.5, server: 0.0.0.0:993",
     IB_OK, "2024-01-02T03:05:02", "bob", "10.0.0.5", "10.1.1.1:143", "77", P, NONE, "upstream timed out"},
    /* a new connection with the same number forgets the old login */
    {"nginx_mail",
     "2024/01/02 03:04:02 [info] 7#7: *5 x while in auth state, client: 10.0.0.5, server: 0.0.0.0:993, "
     "login: \"bob\", upstream: 10.1.1.1:143\n"
     "2024/01/02 03:04:03 [info] 7#7: *5 client 10.0.0.7:1 connected to 0.0.0.0:993\n"
     "2024/01/02 03:05:02 [error] 7#7: *5 upstream timed out (110: Connection timed out) while connecting to "
     "upstream, client: 10.0.0.7, server: 0.0.0.0:993",
     IB_OK, NULL, NULL, "10.0.0.7", NULL, "5", P, NONE, NULL},
    /* escaped quotes inside the login; a forged ", upstream:" inside it stays in the user */
    {"nginx_mail",
     "2024/01/02 03:04:05 [info] 7#7: *9 client login failed: \"bad\" while in http auth state, client: "
     "10.0.0.9, server: 0.0.0.0:143, login: \"a\\\"b, upstream: 6.6.6.6:1\"",
     IB_OK, NULL, "a\\\"b, upstream: 6.6.6.6:1", "10.0.0.9", NULL, "9", P, NONE, NULL},
    {"nginx_mail",
     "2024/01/02 03:04:05 [info] 7#7: *9 client login failed: \"bad\" while in http auth state, client: "
     "::ffff:10.0.0.9, server: 0.0.0.0:143, login: \"u\"",
     IB_OK, NULL, "u", "10.0.0.9", NULL, "9", P, NONE, NULL},
    {"nginx_mail",
     "2022/03/02 06:04:22 [info] 13#13: *89499 client 31.210.20.189:60509 connected to 0.0.0.0:25", IB_SKIP,
     NOF},
    /* the success with nginx's action suffix (ngx_log.h: "%message ..., while %action") */
    {"nginx_mail",
     "2024/01/02 03:04:05 [info] 7#7: *9 client logged in while proxying, client: 1.2.3.4, server: "
     "0.0.0.0:993, login: \"u\", upstream: 10.1.1.1:143",
     IB_OK, "2024-01-02T03:04:05", "u", "1.2.3.4", "10.1.1.1:143", "9", P, IB_CAT_OK, "client logged in"},
    {"nginx_mail",
     "2024/01/02 03:04:05 [info] 7#7: *9 proxied session done while proxying, client: 1.2.3.4, server: "
     "0.0.0.0:993, login: \"u\", upstream: 10.1.1.1:143",
     IB_SKIP, NOF},
    {"nginx_mail",
     "2024/01/02 03:04:05 [error] 7#7: *9 open() \"/x\" failed (2: No such file), client: 1.2.3.4, server: "
     "web, request: \"GET /x HTTP/1.1\", host: \"h\"",
     IB_SKIP, NOF},
    {"nginx_mail", "2024/01/02 03:04:05 [notice] 1#1: start worker processes", IB_SKIP, NOF},
    {"nginx_mail", "2024/01/02 03:04:05 [info] 7#7: *x client", IB_BAD, NOF},
    {"nginx_mail", "garbage line", IB_BAD, NOF},
    {"nginx_mail", "2024/01/02 03:04:05 info", IB_BAD, NOF},

    /* haproxy via syslog */
    {"syslog",
     "Feb  6 12:12:56 localhost haproxy[14387]: 10.0.1.2:33313 [06/Feb/2009:12:12:51.443] fnt bck/srv1 "
     "0/0/5007 212 -- 0/0/0/0/3 0/0",
     IB_OK, "2026-02-06T12:12:56", NULL, "10.0.1.2", "bck/srv1", NULL, P, IB_CAT_OK, NULL},
    {"syslog",
     "Feb  6 12:12:56 lb haproxy[1]: 10.0.1.2:33313 [06/Feb/2009:12:12:51.443] imap imap_be/mx2 0/-1/3001 0 "
     "SC 5/5/4/0/3 0/0",
     IB_OK, NULL, NULL, "10.0.1.2", "imap_be/mx2", NULL, P, IB_CAT_TEMPORARY, NULL},
    {"syslog",
     "Feb  6 12:12:56 lb haproxy[1]: 10.0.1.2:1 [06/Feb/2009:12:12:51.443] imap imap_be/<NOSRV> -1/-1/0 0 "
     "sC 5/5/4/0/3 0/0",
     IB_OK, NULL, NULL, "10.0.1.2", "imap_be", NULL, P, IB_CAT_TIMEOUT, NULL},
    {"syslog",
     "Feb  6 12:12:56 lb haproxy[1]: 2001:db8::7:1234 [06/Feb/2009:12:12:51.443] imap b/s 0/0/+9 +12 CD "
     "1/1/1/1/0 0/0",
     IB_OK, NULL, NULL, "2001:db8::7", "b/s", NULL, P, IB_CAT_TIMEOUT, NULL},
    {"syslog",
     "Oct 15 15:24:33 h haproxy[18989]: 127.0.0.1:34550 [15/Oct/2003:15:24:28.312] px-tcp px-tcp/srv1 "
     "0/0/5007 "
     "0 cD 0/0/0/0/0 0/0",
     IB_OK, NULL, NULL, "127.0.0.1", "px-tcp/srv1", NULL, P, IB_CAT_OK, NULL},
    {"syslog",
     "Oct 15 15:24:33 h haproxy[1]: 127.0.0.1:34550 [15/Oct/2003:15:24:28.312] f b/s 0/0/5 0 LR 0/0/0/0/0 "
     "0/0",
     IB_OK, NULL, NULL, "127.0.0.1", "b/s", NULL, P, IB_CAT_OTHER, NULL},
    {"syslog",
     "Oct 15 15:24:33 h haproxy[1]: Server imap_be/mx2 is DOWN, reason: Layer4 timeout, check "
     "duration: 2001ms. 1 active and 0 backup servers left.",
     IB_OK, NULL, NULL, NULL, "imap_be/mx2", NULL, P, IB_CAT_TEMPORARY, "is DOWN"},
    {"syslog", "Oct 15 15:24:33 h haproxy[1]: backend imap_be has no server available!", IB_OK, NULL, NULL,
     NULL, "imap_be", NULL, P, IB_CAT_TEMPORARY, NULL},
    {"syslog", "Oct 15 15:24:33 h haproxy[1]: Server imap_be/mx2 is UP, reason: Layer4 check passed", IB_SKIP,
     NOF},
    {"syslog", "Oct 15 15:24:33 h haproxy[1]: Proxy imap started.", IB_SKIP, NOF},
    {"syslog",
     "Oct 15 15:24:33 h haproxy[1]: 10.0.0.1:5 [15/Oct/2003:15:24:28.312] web web/s1 10/0/30/69/109 200 2750 "
     "- - "
     "---- 1/1/1/1/0 0/0 \"GET /index.html HTTP/1.1\"",
     IB_SKIP, NOF},
    {"syslog",
     "Oct 15 15:24:33 h haproxy[1]: 10.0.0.1:5 [15/Oct/2003:15:24:28.312] f b/s x/y 0 -- 0/0/0/0/0 0/0",
     IB_BAD, NOF},
    {"syslog", "Oct 15 15:24:33 h haproxy[1]: 10.0.0.1:5 [15/Oct/2003:15:24:28.312] f bs 0/0/5 0 -- 0/0",
     IB_BAD, NOF},
    {"syslog", "Oct 15 15:24:33 h haproxy[1]: notanip:5 [15/Oct/2003:15:24:28.312] f b/s 0/0/5 0 -- 0/0",
     IB_BAD, NOF},
    /* raw tcplog without a syslog header: the accept date is the time */
    {"haproxy", "10.0.1.2:33313 [06/Feb/2009:12:12:51.443] fnt bck/srv1 0/0/5007 212 -- 0/0/0/0/3 0/0", IB_OK,
     "2009-02-06T12:12:51.443", NULL, "10.0.1.2", "bck/srv1", NULL, P, IB_CAT_OK, NULL},

    /* perdition */
    {"syslog",
     "Jul 18 16:07:18 ares perdition.imaps[3194]: Auth: 192.168.8.100:2274->193.48.191.9:993 "
     "client-secure=ssl "
     "authorisation_id=NONE authentication_id=\"carles\" server=\"imap.biotoul.fr:993\" protocol=IMAP4S "
     "server-secure=ssl status=\"failed: Re-Authentication Failure\"",
     IB_OK, "2025-07-18T16:07:18", "carles", "192.168.8.100", "imap.biotoul.fr:993", NULL, P, NONE,
     "status=\"failed: Re-Authentication Failure\""},
    {"syslog",
     "Jul 18 16:07:18 ares perdition[3194]: Auth: 192.168.8.100:2274->193.48.191.9:143 "
     "client-secure=plaintext "
     "authorisation_id=NONE authentication_id=\"bob\" server=\"10.0.0.2:143\" protocol=IMAP4 "
     "server-secure=plaintext status=\"ok\"",
     IB_OK, NULL, "bob", "192.168.8.100", "10.0.0.2:143", NULL, P, IB_CAT_OK, NULL},
    /* a user name holding forged fields: the real server and status win */
    {"syslog",
     "Jul 18 16:07:18 ares perdition[3194]: Auth: 10.9.9.9:2274->193.48.191.9:143 client-secure=plaintext "
     "authorisation_id=NONE authentication_id=\"x\" server=\"evil:1\" status=\"ok\" server=\"real:143\" "
     "protocol=IMAP4 server-secure=plaintext status=\"failed: Could not connect to server\"",
     IB_OK, NULL, "x\" server=\"evil:1\" status=\"ok", "10.9.9.9", "real:143", NULL, P, NONE, NULL},
    {"syslog",
     "Jul 18 16:08:58 ares perdition.imaps[3194]: Fatal Error reading authentication information from client "
     "192.168.8.100:2274->193.48.191.9:993: Exiting child",
     IB_OK, NULL, NULL, "192.168.8.100", NULL, NULL, P, NONE, "Fatal Error reading authentication"},
    {"syslog",
     "Jul 18 16:08:58 ares perdition[3194]: Closing session: 192.168.8.100:2274->193.48.191.9:993 "
     "authorisation_id=NONE authentication_id=\"x\" received=0 sent=0",
     IB_SKIP, NOF},
    {"syslog", "Jul 18 16:08:58 ares perdition[3194]: Auth: nonsense", IB_BAD, NOF},
    {"syslog", "Jul 18 16:08:58 ares perdition[3194]: Auth: 1.2.3.4:1->5.6.7.8:2 authentication_id=\"x\"",
     IB_BAD, NOF},
    /* --format perdition reads syslog lines through the envelope */
    {"perdition",
     "Jul 18 16:07:18 ares perdition.imaps[3194]: Auth: 192.168.8.100:2274->193.48.191.9:993 "
     "client-secure=ssl "
     "authorisation_id=NONE authentication_id=\"carles\" server=\"imap.biotoul.fr:993\" protocol=IMAP4S "
     "server-secure=ssl status=\"failed: Re-Authentication Failure\"",
     IB_OK, NULL, "carles", "192.168.8.100", "imap.biotoul.fr:993", NULL, P, NONE, NULL},
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

START_TEST(test_probe)
{
	struct ib_str l[2] = {
	    IB_STR_LIT(
		"2022/03/02 06:04:23 [info] 13#13: *89499 client login failed: \"x\" while in http auth "
		"state, client: 31.210.20.189, server: 0.0.0.0:25, login: \"database\""),
	    IB_STR_LIT("2022/03/02 06:04:22 [info] 13#13: *89499 client 31.210.20.189:60509 connected to "
		       "0.0.0.0:25"),
	};
	struct ib_str h = IB_STR_LIT(
	    "10.0.1.2:33313 [06/Feb/2009:12:12:51.443] fnt bck/srv1 0/0/5007 212 -- 0/0/0/0/3 0/0");
	const struct ib_parser *p = ib_parser_detect(l, 2);

	ck_assert(p != NULL);
	ck_assert_str_eq(p->name, "nginx_mail");
	p = ib_parser_detect(&h, 1);
	ck_assert(p != NULL);
	ck_assert_str_eq(p->name, "haproxy");
	p = ib_parser_find("perdition");
	ck_assert(p != NULL);
	ck_assert(ib_parser_program_match(p, ib_str_from("perdition.imaps")));
	p = ib_parser_find("haproxy");
	ck_assert(ib_parser_program_match(p, ib_str_from("haproxy")));
}
END_TEST

/* the per-connection table is bounded: many connections, constant memory */
START_TEST(test_nginx_table_bounded)
{
	struct trun t;
	char line[512];
	int n;

	trun_start(&t, "nginx_mail", NULL, 0, NULL, 0, PC_REF, NULL);
	for (unsigned i = 1; i <= 20000; i++) {
		n = snprintf(
		    line, sizeof(line),
		    "2024/01/02 03:04:05 [info] 7#7: *%u x while in auth state, client: 10.0.0.1, server: "
		    "0.0.0.0:993, login: \"u%u\", upstream: 10.1.1.1:143",
		    i, i);
		ck_assert_int_eq(trun_line(&t, (struct ib_str){line, (size_t)n}), IB_SKIP);
	}
	/* conn 20000 is remembered; conn 20000 - 4096 was evicted by it */
	n = snprintf(line, sizeof(line),
		     "2024/01/02 03:04:06 [error] 7#7: *20000 upstream timed out (110) while "
		     "reading response from upstream, client: 10.0.0.1, server: 0.0.0.0:993");
	ck_assert_int_eq(trun_line(&t, (struct ib_str){line, (size_t)n}), IB_OK);
	pc_str("user", t.ev.user, "u20000");
	n = snprintf(line, sizeof(line),
		     "2024/01/02 03:04:06 [error] 7#7: *%u upstream timed out (110) while "
		     "reading response from upstream, client: 10.0.0.1, server: 0.0.0.0:993",
		     20000u - 4096u);
	ck_assert_int_eq(trun_line(&t, (struct ib_str){line, (size_t)n}), IB_OK);
	pc_str("user", t.ev.user, NULL);
	trun_end(&t);
}
END_TEST

struct scase {
	const char *file, *parser;
	int min;
};

static const struct scase samples[] = {
    {"nginx-mail.log", "nginx_mail", 4},
    {"haproxy.log", "syslog", 5},
    {"perdition.log", "syslog", 4},
    {"multilayer/nginx-mail.log", "nginx_mail", 1},
};

START_TEST(test_sample)
{
	pc_sample(samples[_i].file, samples[_i].parser, samples[_i].min, NULL, NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("parsers_proxy");
	TCase *tc = tcase_create("cases");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_case, 0, (int)NCASES);
	tcase_add_loop_test(tc, test_sample, 0, (int)(sizeof(samples) / sizeof(samples[0])));
	tcase_add_test(tc, test_hostile);
	tcase_add_test(tc, test_probe);
	tcase_add_test(tc, test_nginx_table_bounded);
	suite_add_tcase(s, tc);
	return ib_test_run(s);
}
