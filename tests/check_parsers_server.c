/*
 * check_parsers_server.c: the syslog envelope and the classic server
 * parsers (dovecot, cyrus, courier, uwimap), one case table each, every
 * line run through the "syslog" parser with a UTC policy and year 2026.
 * Also: every prefix of every case line (no crash, slices stay inside the
 * line), NUL bytes, and 64 KiB user names.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "imapblast/parser.h"
#include "ib_feed.h"
#include "testutil.h"

struct pcase {
	const char *line;
	size_t len; /* 0: strlen(line) */
	int rc;
	const char *time;   /* ib_time_format() of time_ms, with IB_OK */
	const char *format; /* sub-parser name */
	const char *user;
	const char *ip;
	const char *server;
	const char *session;
	enum ib_layer layer;
	const char *msg_from; /* message = the line from this substring on; NULL: unchecked */
	const char *host;
};

#define OK IB_OK
/* a literal holding NUL bytes, with its length */
#define NUL_LINE(x) x, sizeof(x) - 1
#define SRV IB_LAYER_SERVER
/* a line that yields no event */
#define NOEV(line, len, rc)                                                                                  \
	{                                                                                                    \
		line, len, rc, NULL, NULL, NULL, NULL, NULL, NULL, SRV, NULL, NULL                           \
	}
#define PRX IB_LAYER_PROXY

/* ---------------------------------------------------------------- dovecot */

static const struct pcase dovecot_cases[] = {
    /* 2.3 login failures (FORMATS.md 1.3) */
    {"Jun 13 16:30:54 platypus dovecot: imap-login: Disconnected (auth failed, 2 attempts): "
     "user=<username.bob>, method=PLAIN, rip=49.176.98.87, lip=113.212.99.194, TLS",
     0, OK, "2026-06-13T16:30:54Z", "dovecot", "username.bob", "49.176.98.87", "platypus", "", SRV,
     "imap-login: ", "platypus"},
    {"Jul 02 13:49:31 hostname dovecot[442]: pop3-login: Aborted login (auth failed, 1 attempts in 17 secs): "
     "user=<test>, method=PLAIN, rip=192.51.100.13, lip=203.0.113.17, session=<YADINsQCDs5BH8Pg>",
     0, OK, "2026-07-02T13:49:31Z", "dovecot", "test", "192.51.100.13", "hostname", "YADINsQCDs5BH8Pg", SRV,
     "pop3-login: ", "hostname"},
    {"Jan 13 20:51:05 valhalla dovecot: pop3-login: Disconnected: Inactivity (auth failed, 1 attempts in 178 "
     "secs): user=<ivo>, method=PLAIN, rip=1.2.3.4, lip=1.1.2.2, session=<6brQWt/vCADDhP/+>",
     0, OK, "2026-01-13T20:51:05Z", "dovecot", "ivo", "1.2.3.4", "valhalla", "6brQWt/vCADDhP/+", SRV,
     "pop3-login: ", "valhalla"},
    {"Aug 28 06:38:52 s166-62-100-187 dovecot: imap-login: Disconnected: Connection closed: read(size=1003) "
     "failed: Connection reset by peer (auth failed, 1 attempts in 0 secs): user=<test@example.com>, "
     "rip=192.0.2.4, lip=127.0.0.19, session=<Lsz0Oo7WXti3b7xe>",
     0, OK, "2026-08-28T06:38:52Z", "dovecot", "test@example.com", "192.0.2.4", "s166-62-100-187",
     "Lsz0Oo7WXti3b7xe", SRV, "imap-login: ", "s166-62-100-187"},
    {"Jul 17 09:21:22 mailproxy dovecot: imap-login: Disconnected (proxy dest auth failed): "
     "user=<rtomes@acenet.com.au>, method=PLAIN, rip=192.0.2.4, lip=192.168.1.2, session=<NTI4FiZxcQCSud4G>",
     0, OK, "2026-07-17T09:21:22Z", "dovecot", "rtomes@acenet.com.au", "192.0.2.4", "mailproxy",
     "NTI4FiZxcQCSud4G", PRX, "imap-login: ", "mailproxy"},
    {"Aug 29 03:17:18 server dovecot: submission-login: Client has quit the connection (auth failed, 1 "
     "attempts in 2 secs): user=<user1>, method=LOGIN, rip=192.0.2.133, lip=0.0.0.0",
     0, OK, "2026-08-29T03:17:18Z", "dovecot", "user1", "192.0.2.133", "server", "", SRV,
     "submission-login: ", "server"},
    {"Oct  2 13:58:00 dovecot dovecot: imap-login: Disconnected: Auth process broken (disconnected before "
     "auth was ready, waited 1 secs)",
     0, OK, "2026-10-02T13:58:00Z", "dovecot", "", "", "dovecot", "", SRV, "imap-login: ", "dovecot"},
    /* 2.4 "Login aborted" (1.4) */
    {"Jun 12 19:07:29 hostname dovecot[241]: imap-login: Login aborted: Connection closed (auth failed, 3 "
     "attempts in 16 secs) (auth_failed): user=<test>, method=PLAIN, rip=192.0.2.241, lip=203.0.113.104, "
     "TLS, session=<9ZHq02g3J8S60fan>",
     0, OK, "2026-06-12T19:07:29Z", "dovecot", "test", "192.0.2.241", "hostname", "9ZHq02g3J8S60fan", SRV,
     "imap-login: ", "hostname"},
    {"Aug 22 12:09:41 server dovecot: imap-login: Login aborted: Connection closed: read(size=653) failed: "
     "Connection reset by peer (no auth attempts in 1 secs) (no_auth_attempts): user=<>, rip=192.0.2.6, "
     "lip=192.0.2.1, TLS: read(size=653) failed: Connection reset by peer, session=<qMLsbvY8PLSkXGoP>",
     0, OK, "2026-08-22T12:09:41Z", "dovecot", "", "192.0.2.6", "server", "qMLsbvY8PLSkXGoP", SRV,
     "imap-login: ", "server"},
    {"Aug 22 12:09:41 server dovecot: imap-login: Login aborted: Connection closed: SSL_accept() failed: "
     "error:0A0000C1:SSL routines::no shared cipher (disconnected during TLS handshake) "
     "(tls_handshake_not_finished): user=<>, rip=192.0.2.7, lip=192.0.2.1, TLS handshaking: SSL_accept() "
     "failed: error:0A0000C1:SSL routines::no shared cipher, session=<Q23ybvY8RLSkXGoP>",
     0, OK, "2026-08-22T12:09:41Z", "dovecot", "", "192.0.2.7", "server", "Q23ybvY8RLSkXGoP", SRV,
     "imap-login: ", "server"},
    {"Jan 14 09:00:01 mx dovecot: imap-login: Login aborted: Connection closed (auth service reported "
     "temporary failure)",
     0, OK, "2026-01-14T09:00:01Z", "dovecot", "", "", "mx", "", SRV, "imap-login: ", "mx"},
    /* successes (1.2) */
    {"Jan 15 13:26:35 Gameserver dovecot: imap-login: Login: user=<support@gameserver.services>, "
     "method=PLAIN, rip=185.101.93.86, lip=185.101.93.86, mpid=30664, TLS, TLSv1.2 with cipher "
     "ECDHE-RSA-AES128-GCM-SHA256 (128/128 bits)",
     0, OK, "2026-01-15T13:26:35Z", "dovecot", "support@gameserver.services", "185.101.93.86", "Gameserver",
     "", SRV, "imap-login: ", "Gameserver"},
    {"Oct 19 14:14:38 host dovecot: pop3-login: Login: user=<username>, method=PLAIN, rip=2.2.2.2, "
     "lip=5.5.5.5, mpid=8056, secured, session=<QWvifIcOtQBUFOyV>",
     0, OK, "2026-10-19T14:14:38Z", "dovecot", "username", "2.2.2.2", "host", "QWvifIcOtQBUFOyV", SRV,
     "pop3-login: ", "host"},
    {"Jan 14 09:00:00 mx dovecot[123]: imap-login: Logged in: user=<a@x>, method=PLAIN, rip=192.0.2.9, "
     "lip=192.0.2.1, mpid=4242, TLS, session=<abcd>",
     0, OK, "2026-01-14T09:00:00Z", "dovecot", "a@x", "192.0.2.9", "mx", "abcd", SRV, "imap-login: ", "mx"},
    /* auth process / passdb (1.5) */
    {"Jan 29 05:32:50 mail dovecot: auth-worker(304): pam(username,1.2.3.4): pam_authenticate() failed: "
     "Authentication failure (password mismatch?)",
     0, OK, "2026-01-29T05:32:50Z", "dovecot", "username", "1.2.3.4", "mail", "", SRV,
     "auth-worker(304): ", "mail"},
    {"Jun 11 13:57:17 main dovecot: auth: sql(admin@example.ru,192.168.144.226,<6rXunFtu493AqJDi>): Password "
     "mismatch",
     0, OK, "2026-06-11T13:57:17Z", "dovecot", "admin@example.ru", "192.168.144.226", "main",
     "6rXunFtu493AqJDi", SRV, "auth: sql(", "main"},
    {"Jan 29 05:13:50 mail dovecot: auth: passwd-file(username,1.2.3.4): unknown user", 0, OK,
     "2026-01-29T05:13:50Z", "dovecot", "username", "1.2.3.4", "mail", "", SRV, "auth: ", "mail"},
    {"Mar 23 06:10:52 auth: Info: ldap(dog,52.37.139.121,): invalid credentials", 0, OK,
     "2026-03-23T06:10:52Z", "dovecot", "dog", "52.37.139.121", "", "", SRV, "auth: Info: ", ""},
    {"Aug 30 00:10:57 auth(info@example.com,192.0.2.110,sasl:login)<CvN+E95Uf4e7eEnj>: Info: sql: Password "
     "mismatch (given password: XxxxXXxx123)",
     0, OK, "2026-08-30T00:10:57Z", "dovecot", "info@example.com", "192.0.2.110", "", "CvN+E95Uf4e7eEnj", SRV,
     "auth(", ""},
    {"Jul 02 13:49:32 hostname dovecot[442]: dovecot: auth(default): "
     "pam(account@MYSERVERNAME.com,200.76.17.206): pam_authenticate() failed: User not known to the "
     "underlying authentication module: 2 Time(s)",
     0, OK, "2026-07-02T13:49:32Z", "dovecot", "account@MYSERVERNAME.com", "200.76.17.206", "hostname", "",
     SRV, "dovecot: auth(", "hostname"},
    {"Jun 12 11:48:12 auth-worker(80180): Info: conn unix:auth-worker (uid=143): auth-worker<13247>: "
     "sql(support,192.0.2.6): unknown user",
     0, OK, "2026-06-12T11:48:12Z", "dovecot", "support", "192.0.2.6", "", "", SRV, "auth-worker(80180)", ""},
    /* pam_unix lines: the pam parser holds them for the join (check_variants.c) */
    NOEV("Apr 19 05:22:20 vm5 auth: pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0 "
	 "tty=dovecot ruser=informix rhost=80.255.3.104",
	 0, IB_SKIP),
    /* temporary failures without a user */
    {"Jan 14 09:00:02 mx dovecot: auth-worker: Error: Unexpected exit - converting to abort", 0, OK,
     "2026-01-14T09:00:02Z", "dovecot", "", "", "mx", "", SRV, "auth-worker: ", "mx"},
    {"Jan 14 09:00:03 mx dovecot: auth: Error: auth-worker: Aborted PASSV request for bob: Worker process "
     "died unexpectedly",
     0, OK, "2026-01-14T09:00:03Z", "dovecot", "bob", "", "mx", "", SRV, "auth: ", "mx"},
    {"Jan 14 09:00:04 mx dovecot: auth: Warning: auth workers: Auth request was queued for 30 seconds, 12 "
     "left in queue (see auth_worker_max_count)",
     0, OK, "2026-01-14T09:00:04Z", "dovecot", "", "", "mx", "", SRV, "auth: ", "mx"},
    /* other envelopes: log_path, ISO, TAI64N, RFC 5424, <PRI> */
    {"Jan 29 09:33:58 pop3-login: Info: Aborted login (auth failed, 1 attempts in 2 secs): user=<grace>, "
     "method=PLAIN, rip=212.9.180.3",
     0, OK, "2026-01-29T09:33:58Z", "dovecot", "grace", "212.9.180.3", "", "", SRV, "pop3-login: Info: ", ""},
    {"2013-08-11 03:56:40 auth-worker(default): Info: pam(username,1.2.3.4): pam_authenticate() failed: "
     "Authentication failure (password mismatch?)",
     0, OK, "2013-08-11T03:56:40Z", "dovecot", "username", "1.2.3.4", "", "", SRV, "auth-worker(default)",
     ""},
    {"@400000004c91b044077a9e94 imap-login: Info: Aborted login (auth failed, 1 attempts): "
     "user=<martin@waschbuesch.de>, method=CRAM-MD5, rip=80.187.101.33, lip=80.254.129.240, TLS",
     0, OK, "2010-09-16T05:50:50Z", "dovecot", "martin@waschbuesch.de", "80.187.101.33", "80.254.129.240", "",
     SRV, "imap-login: Info: ", ""},
    {"<34>1 2026-01-14T09:00:00Z mx dovecot 1234 - - imap-login: Login: user=<a@x>, method=PLAIN, "
     "rip=192.0.2.9, lip=192.0.2.1",
     0, OK, "2026-01-14T09:00:00Z", "dovecot", "a@x", "192.0.2.9", "mx", "", SRV, "imap-login: ", "mx"},
    {"<34>1 2026-01-14T09:00:00.5+01:00 mx dovecot 1234 ID47 [exampleSDID@32473 iut=\"3\" "
     "eventSource=\"Ap]p\"] \xEF\xBB\xBFimap-login: Login: user=<b>, rip=192.0.2.10",
     0, OK, "2026-01-14T08:00:00Z", "dovecot", "b", "192.0.2.10", "mx", "", SRV, "imap-login: ", "mx"},
    {"<30>Jan 14 09:00:00 mx dovecot[1]: imap-login: Login: user=<a>, rip=192.0.2.9", 0, OK,
     "2026-01-14T09:00:00Z", "dovecot", "a", "192.0.2.9", "mx", "", SRV, "imap-login: ", "mx"},
    /* proxy (FORMATS.md 9) */
    {"Oct 19 14:14:38 host dovecot: imap-login: proxy(username): started proxying to 2.2.2.2:143: "
     "user=<username>, method=PLAIN, rip=2.2.2.2, lip=5.5.5.5, secured, session=<GKEBFAwQMgDBAgFf>",
     0, OK, "2026-10-19T14:14:38Z", "dovecot", "username", "2.2.2.2", "2.2.2.2:143", "GKEBFAwQMgDBAgFf", PRX,
     "imap-login: proxy(", "host"},
    {"Oct 19 14:14:38 host dovecot: imap-login: proxy(username): disconnecting 2.2.2.2 (Disconnected by "
     "client: Connection reset by peer): user=<username>, method=PLAIN, rip=2.2.2.2, lip=5.5.5.5, TLS, "
     "session=<tk+T3O4PowDULq55>",
     0, OK, "2026-10-19T14:14:38Z", "dovecot", "username", "2.2.2.2", "2.2.2.2", "tk+T3O4PowDULq55", PRX,
     "imap-login: ", "host"},
    {"Jan 14 09:01:00 px dovecot: imap-login: proxy(bob): Login failed to 10.0.0.5:143: NO "
     "[AUTHENTICATIONFAILED] Authentication failed.: user=<bob>, method=PLAIN, rip=192.0.2.50, lip=10.0.0.1, "
     "session=<s1>",
     0, OK, "2026-01-14T09:01:00Z", "dovecot", "bob", "192.0.2.50", "10.0.0.5:143", "s1", PRX,
     "imap-login: ", "px"},
    {"Jan 14 09:01:01 px dovecot: imap-login: proxy(bob): Login failed to backend.example:993/bob2 (master "
     "admin): NO Temporary failure: user=<bob>, rip=192.0.2.50",
     0, OK, "2026-01-14T09:01:01Z", "dovecot", "bob", "192.0.2.50", "backend.example:993", "", PRX,
     "imap-login: ", "px"},
    {"Jan 14 09:01:02 px dovecot: imap-login: proxy(bob): connect(10.0.0.5, 143) failed: Connection refused "
     "(after 0 secs, local=10.0.0.1:40000): user=<bob>, rip=192.0.2.50, lip=10.0.0.1",
     0, OK, "2026-01-14T09:01:02Z", "dovecot", "bob", "192.0.2.50", "10.0.0.5", "", PRX,
     "imap-login: ", "px"},
    {"Jan 14 09:01:03 px dovecot: imap-login: proxy(bob): Login for 10.0.0.5:143 timed out in "
     "state=login/banner (after 30 secs)",
     0, OK, "2026-01-14T09:01:03Z", "dovecot", "bob", "", "10.0.0.5:143", "", PRX, "imap-login: ", "px"},
    {"Jan 14 09:01:04 px dovecot: imap-login: proxy(bob): Host 10.0.0.5:143 is down", 0, OK,
     "2026-01-14T09:01:04Z", "dovecot", "bob", "", "10.0.0.5:143", "", PRX, "imap-login: ", "px"},
    {"Jan 14 09:01:05 px dovecot: imap-login: proxy(bob,10.0.0.6:143): Login failed: NO "
     "[AUTHENTICATIONFAILED] Authentication failed.",
     0, OK, "2026-01-14T09:01:05Z", "dovecot", "bob", "", "10.0.0.6:143", "", PRX, "imap-login: ", "px"},
    /* hostile: a fake rip= and '>' inside the user name lose to the real fields */
    {"Jan 14 09:02:00 mx dovecot: imap-login: Disconnected (auth failed, 1 attempts): user=<x> rip=6.6.6.6>, "
     "method=PLAIN, rip=192.0.2.1, lip=10.0.0.1",
     0, OK, "2026-01-14T09:02:00Z", "dovecot", "x> rip=6.6.6.6", "192.0.2.1", "mx", "", SRV,
     "imap-login: ", "mx"},
    {NUL_LINE("Jan 14 09:02:01 mx dovecot: imap-login: Login: user=<a\0b>, rip=192.0.2.1"), OK,
     "2026-01-14T09:02:01Z", "dovecot", "a\0b", "192.0.2.1", "mx", "", SRV, NULL, "mx"},
    /* not events */
    NOEV("Jan 14 09:00:00 mx dovecot: imap(bob)<1234><abcd>: Disconnected: Logged out in=93 out=956", 0,
	 IB_SKIP),
    NOEV("Jan 14 09:00:00 imap(bob@x)<1234><abcd>: Info: Disconnected: Logged out in=93 out=956", 0, IB_SKIP),
    NOEV("Jan 14 09:00:00 imap(bob with space)<1234><abcd>: Info: Disconnected: Logged out", 0, IB_SKIP),
    NOEV("Aug 31 16:06:06 s166-62-100-187 dovecot: imap-login: Disconnected: a: a: a: a: a: a: a: a: a: a: "
	 "test no match",
	 0, IB_SKIP),
    NOEV("Jan 14 09:00:00 mx dovecot: master: Dovecot v2.3.21 (47349e2482) starting up for imap", 0, IB_SKIP),
    NOEV("Jan 14 09:00:00 mx dovecot: auth: Debug: client in: AUTH\t1\tPLAIN\tservice=imap", 0, IB_SKIP),
    NOEV("Jan 14 09:00:00 mx postfix/smtpd[123]: connect from unknown[192.0.2.1]", 0, IB_SKIP),
    NOEV("Jan 14 09:00:00 mx last message repeated 3 times", 0, IB_SKIP),
    NOEV("Jan 14 09:00:00 mx dovecot: something without a process", 0, IB_SKIP),
    /* malformed */
    NOEV("garbage", 0, IB_BAD),
    NOEV("", 0, IB_BAD),
    NOEV("Jan 14 09:00:00", 0, IB_BAD),
    NOEV("Jan 14 09:00:00 mx", 0, IB_BAD),
    NOEV("Jan 14 09:00:00 mx no colon here", 0, IB_BAD),
    NOEV("Feb 30 09:00:00 mx dovecot: imap-login: Login: user=<a>, rip=192.0.2.9", 0, IB_BAD),
    NOEV("Jan 14 09:00 mx dovecot: imap-login: Login: user=<a>, rip=192.0.2.9", 0, IB_BAD),
    NOEV("<34>1 2026-01-14T09:00:00Z mx dovecot - - [unterminated", 0, IB_BAD),
    NOEV("<34>1 yesterday mx dovecot - - - msg", 0, IB_BAD),
    NOEV("Jan 14 09:00:00 mx dov\0ecot: imap-login: Login: user=<a>",
	 sizeof("Jan 14 09:00:00 mx dov\0ecot: imap-login: Login: user=<a>") - 1, IB_BAD),
    NOEV("@40000000zz91b044077a9e94 imap-login: Info: x", 0, IB_BAD),
};

/* ---------------------------------------------------------------- cyrus */

static const struct pcase cyrus_cases[] = {
    {"Jan 4 21:51:05 hostname cyrus/imap[5355]: badlogin: localhost.localdomain [127.0.0.1] plaintext "
     "cyrus@localdomain SASL(-13): authentication failure: checkpass failed",
     0, OK, "2026-01-04T21:51:05Z", "cyrus", "cyrus@localdomain", "127.0.0.1", "hostname", "", SRV,
     "badlogin: ", "hostname"},
    {"Jun 8 18:11:13 lampserver imap[4480]: badlogin: example.com [198.51.100.45] DIGEST-MD5 [SASL(-13): "
     "authentication failure: client response doesn't match what we generated]",
     0, OK, "2026-06-08T18:11:13Z", "cyrus", "", "198.51.100.45", "lampserver", "", SRV,
     "badlogin: ", "lampserver"},
    {"Jul 17 22:55:56 derry cyrus/imaps[7568]: badlogin: serafinat.xxxxxx [1.2.3.4] plain [SASL(-13): user "
     "not found: user: pressy@derry property: cmusaslsecretPLAIN not found in sasldb]",
     0, OK, "2026-07-17T22:55:56Z", "cyrus", "", "1.2.3.4", "derry", "", SRV, "badlogin: ", "derry"},
    {"Mar  8 05:25:21 host imap[22130]: badlogin: [192.0.2.4] plain [SASL(-13): authentication failure: "
     "Password verification failed]",
     0, OK, "2026-03-08T05:25:21Z", "cyrus", "", "192.0.2.4", "host", "", SRV, "badlogin: ", "host"},
    {"Dec 30 16:03:27 somehost imapd[2517]: badlogin: local-somehost[1.2.3.4] OTP [SASL(-13): authentication "
     "failure: External SSF not good enough]",
     0, OK, "2026-12-30T16:03:27Z", "cyrus", "", "1.2.3.4", "somehost", "", SRV, "badlogin: ", "somehost"},
    {"Feb 20 17:23:32 cyrus/pop3[4297]: badlogin: example.com [1.2.3.4] plaintext mail0001 SASL(-13): "
     "authentication failure: checkpass failed",
     0, OK, "2026-02-20T17:23:32Z", "cyrus", "mail0001", "1.2.3.4", "", "", SRV, "badlogin: ", ""},
    {"Jan 14 09:00:00 mx imap[1]: badlogin: client.example [192.0.2.8] plaintext (bob) [SASL(-13): "
     "authentication failure: checkpass failed]",
     0, OK, "2026-01-14T09:00:00Z", "cyrus", "bob", "192.0.2.8", "mx", "", SRV, "badlogin: ", "mx"},
    {"Jan 14 09:00:01 mx imap[1]: badlogin: client.example [192.0.2.8] PLAIN (eve) invalid user", 0, OK,
     "2026-01-14T09:00:01Z", "cyrus", "eve", "192.0.2.8", "mx", "", SRV, "badlogin: ", "mx"},
    {"Jan 14 09:00:02 mx imap[1]: badlogin: client.example [192.0.2.8] anonymous login refused", 0, OK,
     "2026-01-14T09:00:02Z", "cyrus", "", "192.0.2.8", "mx", "", SRV, "badlogin: ", "mx"},
    {"2015-12-22T00:05:46.534634-05:00 imap30 sloti30t15/imap[4101108]: login: frontend1.nyi.internal "
     "[10.202.2.160] robntest plaintext User logged in "
     "SESSIONID=<sloti30t15-4101108-1450760746-1-6931901653674999381>",
     0, OK, "2015-12-22T05:05:46Z", "cyrus", "robntest", "10.202.2.160", "imap30",
     "sloti30t15-4101108-1450760746-1-6931901653674999381", SRV, "login: ", "imap30"},
    {"Jan 14 09:00:03 mx imap[1]: event=login.good r.sessionid=fastmail-1723150181-3493991-1 "
     "r.clienthost=10.0.0.7 u.username=jbloggs login.mech=PLAIN login.tls=1",
     0, OK, "2026-01-14T09:00:03Z", "cyrus", "jbloggs", "10.0.0.7", "mx", "fastmail-1723150181-3493991-1",
     SRV, "event=", "mx"},
    {"Jan 14 09:00:04 mx imap[1]: event=login.bad r.clienthost=\"client.example [192.0.2.9]\" "
     "u.username=~null~ login.mech=PLAIN error=\"authentication failure\"",
     0, OK, "2026-01-14T09:00:04Z", "cyrus", "", "192.0.2.9", "mx", "", SRV, "event=", "mx"},
    {"Jan 14 09:00:05 mx imap[1]: event=login.bad r.clienthost=192.0.2.10 u.username=\"a b\" "
     "error=\"authentication failure\"",
     0, OK, "2026-01-14T09:00:05Z", "cyrus", "a b", "192.0.2.10", "mx", "", SRV, "event=", "mx"},
    NOEV("Jan 14 09:00:00 mx imap[1]: accepted connection", 0, IB_SKIP),
    NOEV("Jan 14 09:00:00 mx cyrus/master[1]: process type:SERVICE name:imap path:/usr/lib/cyrus/bin/imapd "
	 "age:1.2s pid:4 exited, status 0",
	 0, IB_SKIP),
    NOEV("Jan 14 09:00:00 mx imap[1]: event=mailbox.open", 0, IB_SKIP),
    NOEV("Jan 14 09:00:00 mx imap[1]: badlogin: no brackets here", 0, IB_BAD),
};

/* ---------------------------------------------------------------- courier */

static const struct pcase courier_cases[] = {
    {"Apr 23 21:59:01 dns2 imapd: LOGIN FAILED, user=sales@example.com, ip=[::ffff:1.2.3.4]", 0, OK,
     "2026-04-23T21:59:01Z", "courier", "sales@example.com", "1.2.3.4", "dns2", "", SRV, "LOGIN FAILED",
     "dns2"},
    {"Apr 17 19:17:12 server imapd-ssl: LOGIN FAILED, method=PLAIN, ip=[::ffff:192.0.2.4]", 0, OK,
     "2026-04-17T19:17:12Z", "courier", "", "192.0.2.4", "server", "", SRV, "LOGIN FAILED", "server"},
    {"Apr 27 09:00:00 servername imapd: LOGIN FAILED, user=tester, ip=[::ffff:192.0.2.5], port=[255]", 0, OK,
     "2026-04-27T09:00:00Z", "courier", "tester", "192.0.2.5", "servername", "", SRV, "LOGIN FAILED",
     "servername"},
    {"May  2 05:16:49 server1 imapd: LOGIN, user=admin@tubeinn.com, ip=[::ffff:127.0.0.1], port=[49043], "
     "protocol=IMAP",
     0, OK, "2026-05-02T05:16:49Z", "courier", "admin@tubeinn.com", "127.0.0.1", "server1", "", SRV,
     "LOGIN, ", "server1"},
    {"Apr 17 19:17:11 SERVER courierpop3login: LOGIN FAILED, user=USER@EXAMPLE.org, ip=[::ffff:1.2.3.4]", 0,
     OK, "2026-04-17T19:17:11Z", "courier", "USER@EXAMPLE.org", "1.2.3.4", "SERVER", "", SRV, "LOGIN FAILED",
     "SERVER"},
    {"Jan 14 09:00:00 mx pop3d-ssl[77]: LOGIN FAILED, user=v6, ip=[2001:db8::5], port=[4000]", 0, OK,
     "2026-01-14T09:00:00Z", "courier", "v6", "2001:db8::5", "mx", "", SRV, "LOGIN FAILED", "mx"},
    {"Jan 14 09:00:01 mx imapd: LOGIN FAILED, user=a, ip=[6.6.6.6], ip=[::ffff:192.0.2.5], port=[1]", 0, OK,
     "2026-01-14T09:00:01Z", "courier", "a, ip=[6.6.6.6]", "192.0.2.5", "mx", "", SRV, "LOGIN FAILED", "mx"},
    {"Jan 14 09:00:02 mx imapd: ERR: authentication error: Input/output error", 0, OK, "2026-01-14T09:00:02Z",
     "courier", "", "", "mx", "", SRV, "ERR: ", "mx"},
    NOEV("Jul  8 20:26:26 Server imapd: LOGOUT, user=test@wzk.cz, ip=[::ffff:192.168.1.1], headers=0, "
	 "body=0, rcvd=10, sent=83, time=0",
	 0, IB_SKIP),
    NOEV("Jan 14 09:00:00 mx imapd: TIMEOUT, user=bob, ip=[::ffff:192.0.2.1], headers=0, body=0, rcvd=1, "
	 "sent=2, time=1800",
	 0, IB_SKIP),
    NOEV("Jan 14 09:00:00 mx imapd: DISCONNECTED, user=bob, ip=[::ffff:192.0.2.1], headers=0, body=0, "
	 "rcvd=1, sent=2, time=3",
	 0, IB_SKIP),
    NOEV("Jan 14 09:00:00 mx imapd: Connection, ip=[::ffff:192.0.2.1]", 0, IB_SKIP),
    NOEV("Jan 14 09:00:00 mx imapd: something else entirely", 0, IB_SKIP),
};

/* ---------------------------------------------------------------- uwimap */

static const struct pcase uwimap_cases[] = {
    {"Jul 3 20:56:53 Linux2 imapd[666]: Login failed user=lizdy auth=lizdy host=h2066373.stratoserver.net "
     "[81.169.154.112]",
     0, OK, "2026-07-03T20:56:53Z", "uwimap", "lizdy", "81.169.154.112", "Linux2", "", SRV, "Login failed",
     "Linux2"},
    {"Jan 14 20:28:07 grog imapd[19343]: Login excessive login failures user=user auth=user "
     "host=74-115-52-198-dedicated.multacom.com [198.52.115.74]",
     0, OK, "2026-01-14T20:28:07Z", "uwimap", "user", "198.52.115.74", "grog", "", SRV, "Login excessive",
     "grog"},
    {"Apr 8 16:32:01 abdon imapd[21172]: Login disabled user=test auth=test host=localhost.localdomain "
     "[127.0.0.1]",
     0, OK, "2026-04-08T16:32:01Z", "uwimap", "test", "127.0.0.1", "abdon", "", SRV, "Login disabled",
     "abdon"},
    {"Feb 23 12:36:01 r2 imapd[3473]: Failed uwmaster override of user=pro1  host=r22.j.de [127.0.55.22] ", 0,
     OK, "2026-02-23T12:36:01Z", "uwimap", "pro1", "127.0.55.22", "r2", "", SRV, "Failed ", "r2"},
    {"Jul 29 18:30:19 Linux2 ipop3d[25745]: Login failed user=info auth=info "
     "host=74-115-52-198-dedicated.multacom.com [198.52.115.74]",
     0, OK, "2026-07-29T18:30:19Z", "uwimap", "info", "198.52.115.74", "Linux2", "", SRV, "Login failed",
     "Linux2"},
    {"Jan 14 09:00:00 mx imapd[1]: AUTHENTICATE PLAIN failure host=client.example [192.0.2.3]", 0, OK,
     "2026-01-14T09:00:00Z", "uwimap", "", "192.0.2.3", "mx", "", SRV, "AUTHENTICATE", "mx"},
    {"Jan 14 09:00:01 mx imapd[1]: Login user=bob host=client.example [192.0.2.4]", 0, OK,
     "2026-01-14T09:00:01Z", "uwimap", "bob", "192.0.2.4", "mx", "", SRV, "Login user", "mx"},
    {"Jan 14 09:00:02 mx imapd[1]: Authenticated user=bob host=client.example [192.0.2.4] mech=PLAIN", 0, OK,
     "2026-01-14T09:00:02Z", "uwimap", "bob", "192.0.2.4", "mx", "", SRV, "Authenticated", "mx"},
    {"Jan 14 09:00:03 mx imapd[1]: Login failed user=bob auth=bob host=[192.0.2.5]", 0, OK,
     "2026-01-14T09:00:03Z", "uwimap", "bob", "192.0.2.5", "mx", "", SRV, "Login failed", "mx"},
    NOEV("Jan 14 09:00:00 mx imapd[1]: Logout user=bob host=client.example [192.0.2.4]", 0, IB_SKIP),
    NOEV("Jan 14 09:00:00 mx imapd[1]: Autologout user=bob host=client.example [192.0.2.4]", 0, IB_SKIP),
    NOEV("Jan 14 09:00:00 mx imapd[1]: Command stream end of file while reading line user=bob host=x "
	 "[192.0.2.4]",
	 0, IB_SKIP),
    NOEV("Jan 14 09:00:00 mx ipop3d[1]: connect from 192.0.2.4", 0, IB_SKIP),
};

/* ---------------------------------------------------------------- runner */

static void check_str(const char *what, const char *line, struct ib_str got, const char *want)
{
	size_t n = want ? strlen(want) : 0;

	ck_assert_msg(got.len == n && (!n || !memcmp(got.ptr, want, n)), "%s: %s '%.*s', want '%s'", line,
		      what, (int)got.len, got.ptr ? got.ptr : "", want ? want : "");
}

static void run_case(const struct pcase *c)
{
	size_t len = c->len ? c->len : strlen(c->line);
	char *buf = malloc(len ? len : 1);
	struct trun tr;
	const struct ib_event *e = &tr.ev;
	char t[32];
	int rc;

	ck_assert(buf != NULL);
	memcpy(buf, c->line, len);
	trun_start(&tr, "syslog", NULL, 0, NULL, 2026, 0, NULL);
	rc = trun_line(&tr, (struct ib_str){buf, len});
	ck_assert_msg(rc == c->rc, "%s: rc %d want %d (%s)", c->line, rc, c->rc, tr.reason ? tr.reason : "");
	if (rc == IB_OK) {
		struct ib_event ev = *e;

		ib_time_format(ev.time_ms, t, sizeof(t));
		ck_assert_msg(!strcmp(t, c->time), "%s: time %s want %s", c->line, t, c->time);
		ck_assert_msg(ev.format && !strcmp(ev.format, c->format), "%s: format %s", c->line,
			      ev.format ? ev.format : "(null)");
		ck_assert_msg(ev.layer == c->layer, "%s: layer %d", c->line, (int)ev.layer);
		if (c->len) {
			/* the NUL case: user is "a\0b" */
			ck_assert(ev.user.len == 3 && !memcmp(ev.user.ptr, "a\0b", 3));
		} else {
			check_str("user", c->line, ev.user, c->user);
		}
		check_str("ip", c->line, ev.ip, c->ip);
		check_str("server", c->line, ev.server, c->server);
		check_str("session", c->line, ev.session, c->session);
		check_str("host", c->line, ev.host, c->host);
		ck_assert_msg(ev.program.len > 0, "%s: no program", c->line);
		if (c->msg_from) {
			const char *m = strstr(c->line, c->msg_from);

			ck_assert(m != NULL);
			ck_assert_msg(ev.message.ptr == buf + (m - c->line) &&
					  ev.message.len == len - (size_t)(m - c->line),
				      "%s: message '%.*s'", c->line, (int)ev.message.len,
				      ev.message.ptr ? ev.message.ptr : "");
		}
	}
	trun_end(&tr);
	free(buf);
}

START_TEST(test_dovecot)
{
	run_case(&dovecot_cases[_i]);
}
END_TEST

START_TEST(test_cyrus)
{
	run_case(&cyrus_cases[_i]);
}
END_TEST

START_TEST(test_courier)
{
	run_case(&courier_cases[_i]);
}
END_TEST

START_TEST(test_uwimap)
{
	run_case(&uwimap_cases[_i]);
}
END_TEST

static int in_buf(struct ib_str s, const char *buf, size_t len)
{
	return !s.len || (s.ptr >= buf && s.ptr + s.len <= buf + len);
}

/* Every prefix of every case line: a valid code, and every slice inside the line. */
static void prefixes(const struct pcase *cases, size_t n)
{
	struct trun tr;

	trun_start(&tr, "syslog", NULL, 0, NULL, 2026, 0, NULL);
	for (size_t i = 0; i < n; i++) {
		size_t full = cases[i].len ? cases[i].len : strlen(cases[i].line);

		for (size_t len = 0; len <= full; len++) {
			char *buf = malloc(len ? len : 1);
			int rc;

			ck_assert(buf != NULL);
			memcpy(buf, cases[i].line, len);
			rc = trun_line(&tr, (struct ib_str){buf, len});
			if (rc == IB_OK) {
				const struct ib_event ev = tr.ev;

				ck_assert(in_buf(ev.user, buf, len) && in_buf(ev.ip, buf, len) &&
					  in_buf(ev.server, buf, len) && in_buf(ev.session, buf, len) &&
					  in_buf(ev.message, buf, len) && in_buf(ev.host, buf, len) &&
					  in_buf(ev.program, buf, len));
			}
			free(buf);
		}
	}
	trun_end(&tr);
}

START_TEST(test_prefixes)
{
	prefixes(dovecot_cases, sizeof(dovecot_cases) / sizeof(dovecot_cases[0]));
	prefixes(cyrus_cases, sizeof(cyrus_cases) / sizeof(cyrus_cases[0]));
	prefixes(courier_cases, sizeof(courier_cases) / sizeof(courier_cases[0]));
	prefixes(uwimap_cases, sizeof(uwimap_cases) / sizeof(uwimap_cases[0]));
}
END_TEST

/* 64 KiB user names: parsed whole, never copied, never a crash. */
static const struct {
	const char *head, *tail, *format;
} big[] = {
    {"Jan 14 09:00:00 mx dovecot: imap-login: Disconnected (auth failed, 1 attempts): user=<",
     ">, method=PLAIN, rip=192.0.2.1, lip=10.0.0.1", "dovecot"},
    {"Jan 14 09:00:00 mx dovecot: auth: sql(", ",192.0.2.1,<sess>): Password mismatch", "dovecot"},
    {"Jan 14 09:00:00 mx imap[1]: badlogin: h [192.0.2.1] plaintext ", " SASL(-13): x", "cyrus"},
    {"Jan 14 09:00:00 mx imapd: LOGIN FAILED, user=", ", ip=[::ffff:192.0.2.1], port=[1]", "courier"},
    {"Jan 14 09:00:00 mx imapd[1]: Login failed user=", " auth=x host=h [192.0.2.1]", "uwimap"},
};

START_TEST(test_big_user)
{
	size_t hl = strlen(big[_i].head), tl = strlen(big[_i].tail), ul = 65536;
	size_t len = hl + ul + tl;
	char *buf = malloc(len);
	struct trun tr;
	struct ib_event ev;
	int rc;

	ck_assert(buf != NULL);
	memcpy(buf, big[_i].head, hl);
	memset(buf + hl, 'u', ul);
	memcpy(buf + hl + ul, big[_i].tail, tl);
	trun_start(&tr, "syslog", NULL, 0, NULL, 2026, 0, NULL);
	rc = trun_line(&tr, (struct ib_str){buf, len});
	ck_assert_int_eq(rc, IB_OK);
	ev = tr.ev;
	ck_assert_str_eq(ev.format, big[_i].format);
	ck_assert_uint_eq(ev.user.len, ul);
	ck_assert(ev.user.ptr == buf + hl);
	ck_assert(ev.ip.len == 9 && !memcmp(ev.ip.ptr, "192.0.2.1", 9));
	trun_end(&tr);
	free(buf);
}
END_TEST

START_TEST(test_probe_detect)
{
	const struct ib_parser *p = ib_parser_find("syslog"), *d;
	struct ib_str lines[] = {
	    IB_STR_LIT("Jun 13 16:30:54 platypus dovecot: imap-login: Login: user=<a>, rip=192.0.2.1"),
	    IB_STR_LIT("Jan 29 09:33:58 pop3-login: Info: Aborted login (auth failed, 1 attempts in 2 secs): "
		       "user=<grace>, method=PLAIN, rip=212.9.180.3"),
	    IB_STR_LIT("@400000004c91b044077a9e94 imap-login: Info: Aborted login (auth failed, 1 attempts): "
		       "rip=1.2.3.4"),
	    IB_STR_LIT("Jan 14 09:00:00 mx postfix/smtpd[123]: connect from unknown[192.0.2.1]"),
	};

	ck_assert(p != NULL && p->probe != NULL);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		int score = p->probe(lines[i]);

		ck_assert_int_gt(score, 50);
		ck_assert_int_lt(score, 100);
	}
	ck_assert_int_eq(p->probe(IB_STR_LIT("hello world")), 0);
	ck_assert_int_eq(p->probe(IB_STR_LIT("2022/03/02 06:04:23 [info] 13#13: *1 client login")), 0);
	d = ib_parser_detect(lines, sizeof(lines) / sizeof(lines[0]));
	ck_assert(d != NULL);
	ck_assert_str_eq(d->name, "syslog");
}
END_TEST

/* `--format dovecot` etc.: the envelope, restricted to that message parser. */
START_TEST(test_forced_format)
{
	static const char *const names[] = {"dovecot", "cyrus", "courier", "uwimap"};
	static const char *const lines[] = {
	    "Jun 13 16:30:54 platypus dovecot: imap-login: Login: user=<a>, rip=192.0.2.1",
	    "Mar  8 05:25:21 host imap[22130]: badlogin: [192.0.2.4] plain [SASL(-13): x]",
	    "Apr 23 21:59:01 dns2 imapd: LOGIN FAILED, user=s, ip=[::ffff:1.2.3.4]",
	    "Jul 3 20:56:53 Linux2 imapd[666]: Login failed user=l auth=l host=h [81.169.154.112]",
	};
	struct trun tr;

	trun_start(&tr, names[_i], NULL, 0, NULL, 2026, 0, NULL);
	ck_assert_int_eq(trun_line(&tr, ib_str_from(lines[_i])), IB_OK);
	ck_assert_str_eq(tr.ev.format, names[_i]);
	/* another parser's line is skipped, not claimed */
	ck_assert_int_eq(trun_line(&tr, ib_str_from(lines[(_i + 1) % 4])), IB_SKIP);
	trun_end(&tr);
}
END_TEST

/*
 * The envelope's per-file memo of "host tag: " (syslog.c) reads every line
 * as the envelope without it does: random lines of a few hosts, tags and
 * spacings, read in one file and each on its own. Loops 4-7 take tags
 * with a pid and odd groups more often, and more hosts than a memo set
 * holds ways.
 */
static void env_read(void *state, const char *line, struct ib_syslog_hdr *h, struct ib_str *msg, int *rc)
{
	struct ib_time_policy tp;
	struct ib_parse_ctx ctx;

	ib_time_policy_init(&tp, NULL, 2026, 0);
	memset(&ctx, 0, sizeof(ctx));
	ctx.time = &tp;
	ctx.state = state;
	*rc = ib_parser_find("syslog")->envelope(&ctx, ib_str_from(line), h, msg);
}

#define SAME_AT(a, b, la, lb)                                                                                \
	ck_assert_msg((a).len == (b).len && (!(a).len || (a).ptr - (la) == (b).ptr - (lb)), "%s", la)

START_TEST(test_envelope_memo)
{
	static const char *const host[] = {"imap1", "imap2", "h",    "imap1x",
					   "mx10",  "mx11",  "mx12", "mail-in-7"};
	static const char *const gap[] = {" ", "  ", "\t", ""};
	static const char *const tag[] = {"dovecot",
					  "dovecot[12]",
					  "postfix/smtpd[3]",
					  "x(y)",
					  "dove",
					  "postfix/smtpd[34567]",
					  "postfix/qmgr[1]",
					  "postfix/smtpd[1][2]",
					  "postfix/smtpd[1](x)",
					  "p[",
					  "p[]",
					  "p[1]x",
					  "p[1] ",
					  "postfix/lmtp[99]"};
	const unsigned ntag = _i < 4 ? 5 : sizeof(tag) / sizeof(tag[0]);
	const unsigned nhost = _i < 4 ? 4 : sizeof(host) / sizeof(host[0]);
	static const char *const sep[] = {": ", ":  ", ":", ": \t", " "};
	static const char *const msg[] = {"", "a", " b", "imap-login: Login: user=<a>", ":"};
	const struct ib_parser *sys = ib_parser_find("syslog");
	void *st = sys->open ? sys->open() : NULL;
	unsigned r = 7u + (unsigned)_i;

	ck_assert(st != NULL);
	for (int it = 0; it < 5000; it++) {
		char line[160], copy[160];
		struct ib_syslog_hdr h1, h2;
		struct ib_str m1, m2;
		int rc1, rc2;
		unsigned k[5];

		for (int j = 0; j < 5; j++) {
			r = r * 1103515245u + 12345u;
			k[j] = (r >> 8) % 16;
		}
		/* mostly the usual header, so that memos are made and fit */
		snprintf(line, sizeof(line), "Jan 14 06:00:0%u %s%s%s%s%s", k[0] % 3,
			 host[(k[0] + k[4]) % nhost], k[1] < 12 ? " " : gap[k[1] % 4],
			 k[2] < (_i < 4 ? 10 : 4) ? "dovecot" : tag[(k[2] + k[3]) % ntag],
			 k[3] < 12 ? ": " : sep[k[3] % 5], msg[k[4] % 5]);
		memcpy(copy, line, sizeof(line));
		env_read(st, line, &h1, &m1, &rc1);
		env_read(NULL, copy, &h2, &m2, &rc2);
		ck_assert_msg(rc1 == rc2, "%s", line);
		if (rc1 != IB_OK)
			continue;
		ck_assert(h1.time_ms == h2.time_ms);
		SAME_AT(h1.host, h2.host, line, copy);
		SAME_AT(h1.tag, h2.tag, line, copy);
		SAME_AT(h1.program, h2.program, line, copy);
		SAME_AT(m1, m2, line, copy);
	}
	if (sys->close)
		sys->close(st);
}
END_TEST

/* Connections that never tried to log in are connection outcomes, not attempts. */
static const struct {
	const char *line;
	int connection;
} noattempt[] = {
    {"Aug 22 12:09:41 server dovecot: imap-login: Disconnected (no auth attempts in 1 secs): user=<>, "
     "rip=192.0.2.6, lip=192.0.2.1, TLS, session=<qMLsbvY8PLSkXGoP>",
     1},
    {"Aug 22 12:09:41 server dovecot: imap-login: Login aborted: Connection closed: read(size=653) failed: "
     "Connection reset by peer (no auth attempts in 1 secs) (no_auth_attempts): user=<>, rip=192.0.2.6, "
     "lip=192.0.2.1, TLS, session=<qMLsbvY8PLSkXGoP>",
     1},
    {"Aug 22 12:09:41 server dovecot: imap-login: Login aborted: Connection closed (disconnected during TLS "
     "handshake) (tls_handshake_not_finished): user=<>, rip=192.0.2.7, lip=192.0.2.1, TLS handshaking",
     1},
    {"Jun 13 16:30:54 platypus dovecot: imap-login: Disconnected (auth failed, 2 attempts): "
     "user=<username.bob>, method=PLAIN, rip=49.176.98.87, lip=113.212.99.194, TLS",
     0},
    /* a user name cannot fake the marker */
    {"Jun 13 16:30:54 platypus dovecot: imap-login: Disconnected (auth failed, 2 attempts): "
     "user=<x (no auth attempts>, method=PLAIN, rip=49.176.98.87, lip=113.212.99.194, TLS",
     0},
};

START_TEST(test_no_attempt)
{
	struct trun tr;

	trun_start(&tr, "syslog", NULL, 0, NULL, 2026, 0, NULL);
	ck_assert_int_eq(trun_line(&tr, ib_str_from(noattempt[_i].line)), IB_OK);
	ck_assert_int_eq(!!(tr.ev.flags & IB_EV_CONNECTION), noattempt[_i].connection);
	trun_end(&tr);
}
END_TEST

/* samples/formats/<name>.log: every line reads, events and skips as written. */
static const struct {
	const char *file, *format;
	int events, skips;
} samples[] = {
    {"dovecot.log", "dovecot", 11, 2},
    {"cyrus.log", "cyrus", 10, 2},
    {"courier.log", "courier", 8, 4},
    {"uwimap.log", "uwimap", 9, 3},
};

START_TEST(test_samples)
{
	char path[1024], *text, *line, *next;
	size_t len;
	struct trun tr;
	int events = 0, skips = 0;

	snprintf(path, sizeof(path), "%s/formats/%s", IB_SAMPLES_DIR, samples[_i].file);
	text = ib_test_slurp(path, &len);
	ck_assert_msg(text != NULL, "cannot read '%s'", path);
	trun_start(&tr, "syslog", NULL, 0, NULL, 2026, 0, NULL);
	for (line = text; line && *line; line = next) {
		int rc;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		rc = trun_line(&tr, ib_str_from(line));
		ck_assert_msg(rc == IB_OK || rc == IB_SKIP, "%s: rc %d: %s", path, rc, line);
		if (rc == IB_OK) {
			ck_assert_str_eq(tr.ev.format, samples[_i].format);
			events++;
		} else {
			skips++;
		}
	}
	trun_end(&tr);
	free(text);
	ck_assert_int_eq(events, samples[_i].events);
	ck_assert_int_eq(skips, samples[_i].skips);
}
END_TEST

#define N(a) (int)(sizeof(a) / sizeof((a)[0]))

static Suite *server_suite(void)
{
	Suite *s = suite_create("parsers_server");
	TCase *tc = tcase_create("tables");
	TCase *th = tcase_create("hostile");

	tcase_add_loop_test(tc, test_dovecot, 0, N(dovecot_cases));
	tcase_add_loop_test(tc, test_cyrus, 0, N(cyrus_cases));
	tcase_add_loop_test(tc, test_courier, 0, N(courier_cases));
	tcase_add_loop_test(tc, test_uwimap, 0, N(uwimap_cases));
	tcase_add_test(tc, test_probe_detect);
	tcase_add_loop_test(tc, test_envelope_memo, 0, 8);
	tcase_add_loop_test(tc, test_no_attempt, 0, N(noattempt));
	tcase_add_loop_test(tc, test_forced_format, 0, 4);
	tcase_add_loop_test(tc, test_samples, 0, N(samples));
	tcase_add_test(th, test_prefixes);
	tcase_add_loop_test(th, test_big_user, 0, N(big));
	tcase_set_timeout(th, 60);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, th);
	return s;
}

int main(void)
{
	return ib_test_run(server_suite());
}
