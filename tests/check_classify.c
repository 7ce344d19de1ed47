/*
 * check_classify.c: the classifier and the default rules.
 *
 * Every default rule has a line it must match (category and captures
 * checked) and a near miss it must not match; a rule missing from the
 * table fails the suite. Also: precedence, scope, override by name,
 * --no-default-rules, bad rules files, prefilter on/off equivalence, NUL
 * bytes and invalid UTF-8.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "imapblast/classify.h"
#include "testutil.h"

#define C_OK IB_CAT_OK
#define C_CRED IB_CAT_CREDENTIALS
#define C_TEMP IB_CAT_TEMPORARY
#define C_TIME IB_CAT_TIMEOUT
#define C_POL IB_CAT_POLICY
#define C_OTH IB_CAT_OTHER

struct rcase {
	const char *rule;
	const char *fmt;
	const char *prog;
	const char *msg; /* must match `rule` */
	enum ib_category cat;
	const char *user; /* expected capture, NULL = not checked */
	const char *ip;
	const char *server;
	const char *session;
	const char *miss; /* near miss: must not be classified by `rule` */
};

#define DV "dovecot"
#define CL "thunderbird"

/* An Entra code rule: its line, and the same digits followed by one more as the near miss. */
#define EC(code, cat)                                                                                        \
	{                                                                                                    \
		"entra-" #code, "entra_csv", "", "AADSTS" #code ": reason", cat, NULL, NULL, NULL, NULL,     \
		    "AADSTS" #code "9: reason"                                                               \
	}

static const struct rcase cases[] = {
    /* Dovecot 2.4 */
    {"dovecot24-auth-not-ready-quick", DV, "dovecot",
     "imap-login: Login aborted: Connection closed (disconnected before auth was ready, waited 0 secs) "
     "(auth_process_not_ready): user=<>, rip=192.0.2.6",
     C_OTH, NULL, "192.0.2.6", NULL, NULL,
     "imap-login: Login aborted: Connection closed (disconnected before auth was ready, waited 10 secs) "
     "(auth_process_not_ready): user=<>, rip=192.0.2.6"},
    {"dovecot24-temporary", DV, "dovecot",
     "imap-login: Login aborted: Connection closed (auth service reported temporary failure, 1 attempts in 2 "
     "secs) (temp_fail): user=<a@x>, method=PLAIN, rip=192.0.2.6, lip=192.0.2.1",
     C_TEMP, "a@x", "192.0.2.6", NULL, NULL,
     "imap-login: Login aborted: Connection closed (no auth attempts in 1 secs) (no_auth_attempts): user=<x "
     "(temp_fail): y>, rip=192.0.2.6"},
    {"dovecot24-credentials", DV, "dovecot",
     "imap-login: Login aborted: Connection closed (auth failed, 3 attempts in 16 secs) (auth_failed): "
     "user=<test>, method=PLAIN, rip=192.0.2.241, lip=203.0.113.104, TLS, session=<9ZHq02g3J8S60fan>",
     C_CRED, "test", "192.0.2.241", NULL, NULL,
     "imap-login: Login aborted: Connection closed (proxy dest temporary authentication failure to h:143) "
     "(proxy_dest_auth_temp_failed): user=<a>, rip=192.0.2.6"},
    {"dovecot24-policy", DV, "dovecot",
     "imap-login: Login aborted: Connection closed (tried to use disallowed cleartext auth) "
     "(cleartext_auth_disabled): user=<a>, rip=192.0.2.9",
     C_POL, "a", "192.0.2.9", NULL, NULL,
     "imap-login: Login aborted: Connection closed (auth failed, 1 attempts in 2 secs) (auth_failed): "
     "user=<a>, rip=192.0.2.9"},
    {"dovecot24-no-auth-attempt", DV, "dovecot",
     "imap-login: Login aborted: Connection closed: SSL_accept() failed: error:0A0000C1:SSL routines::no "
     "shared cipher (disconnected during TLS handshake) (tls_handshake_not_finished): user=<>, "
     "rip=192.0.2.7, lip=192.0.2.1, TLS handshaking: SSL_accept() failed",
     C_OTH, NULL, "192.0.2.7", NULL, NULL,
     "imap-login: Login aborted: Connection closed (internal failure, 0/1 successful auths in 1 secs) "
     "(internal_failure): user=<>, rip=192.0.2.7"},
    /* Dovecot 2.0-2.3 */
    {"dovecot-auth-process-broken", DV, "dovecot",
     "imap-login: Disconnected: Auth process broken (disconnected before auth was ready, waited 1 secs)",
     C_TEMP, NULL, NULL, NULL, NULL, "imap-login: Disconnected: Auth process is fine"},
    {"dovecot-auth-not-responding", DV, "dovecot",
     "imap-login: Warning: Auth process not responding, delayed sending initial response (greeting)", C_TEMP,
     NULL, NULL, NULL, NULL, "imap-login: Warning: Auth process responding"},
    {"dovecot-auth-temp-fail", DV, "dovecot",
     "imap-login: Login aborted: Connection closed (auth service reported temporary failure)", C_TEMP, NULL,
     NULL, NULL, NULL,
     "imap-login: Disconnected (no auth attempts): user=<(auth service reported temporary failure>, "
     "rip=1.2.3.4"},
    {"dovecot-auth-comm-failure", DV, "dovecot",
     "pop3-login: Disconnected (auth process communication failure): user=<bob>, rip=10.0.0.1", C_TEMP, "bob",
     "10.0.0.1", NULL, NULL,
     "pop3-login: Disconnected (auth failed, 1 attempts): user=<auth process communication failure>, "
     "rip=10.0.0.1"},
    {"dovecot-internal-failure", DV, "dovecot",
     "imap-login: Disconnected (internal failure, 1 successful auths): user=<u>, rip=10.0.0.2", C_TEMP, "u",
     "10.0.0.2", NULL, NULL, "imap-login: Disconnected (auth failed, 1 attempts): user=<u>, rip=10.0.0.2"},
    {"dovecot-auth-not-ready-quick", DV, "dovecot",
     "imap-login: Disconnected (disconnected before auth was ready, waited 0 secs): user=<>, rip=192.0.2.5, "
     "lip=192.168.1.2, TLS handshaking: SSL_accept() syscall failed",
     C_OTH, NULL, "192.0.2.5", NULL, NULL,
     "imap-login: Disconnected (disconnected before auth was ready, waited 5 secs): user=<>, rip=192.0.2.5"},
    {"dovecot-auth-not-ready", DV, "dovecot",
     "imap-login: Disconnected (disconnected before auth was ready, waited 5 secs): user=<>, rip=192.0.2.5",
     C_TEMP, NULL, "192.0.2.5", NULL, NULL,
     "imap-login: Disconnected (disconnected before auth was ready, waited 0 secs): user=<>, rip=192.0.2.5"},
    {"dovecot-auth-failed", DV, "dovecot",
     "imap-login: Disconnected (auth failed, 2 attempts): user=<username.bob>, method=PLAIN, "
     "rip=49.176.98.87, lip=113.212.99.194, TLS",
     C_CRED, "username.bob", "49.176.98.87", NULL, NULL,
     "imap-login: Disconnected (no auth attempts): user=<(auth failed>, rip=1.2.3.4"},
    {"dovecot-authz-failed", DV, "dovecot",
     "imap-login: Disconnected (authorization failed, 1 attempts in 2 secs): user=<m>, rip=10.1.1.1", C_CRED,
     "m", "10.1.1.1", NULL, NULL, "imap-login: Disconnected (authorization pending): user=<m>, rip=10.1.1.1"},
    {"dovecot-proxy-dest-auth-failed", DV, "dovecot",
     "imap-login: Disconnected (proxy dest auth failed): user=<rtomes@acenet.com.au>, method=PLAIN, "
     "rip=192.0.2.4, lip=192.168.1.2, session=<NTI4FiZxcQCSud4G>",
     C_CRED, "rtomes@acenet.com.au", "192.0.2.4", NULL, NULL,
     "imap-login: Disconnected (proxy dest connect failed): user=<r>, rip=192.0.2.4"},
    {"dovecot-user-disabled", DV, "dovecot",
     "imap-login: Disconnected (password expired): user=<old>, rip=10.9.9.9", C_POL, "old", "10.9.9.9", NULL,
     NULL, "imap-login: Disconnected: user disabled by admin"},
    {"dovecot-disallowed-auth", DV, "dovecot",
     "pop3-login: Aborted login (tried to use disallowed plaintext auth): rip=190.210.136.21, "
     "lip=113.212.99.193, session=<LgDINsQCkttVIMPg>",
     C_POL, NULL, "190.210.136.21", NULL, NULL, "imap-login: Disconnected: a: a: a: test no match"},
    {"dovecot-auth-wait-timeout", DV, "dovecot",
     "imap-login: Disconnected (disconnected while authenticating, waited 30 secs): user=<w>, method=PLAIN, "
     "rip=10.0.0.3",
     C_TIME, "w", "10.0.0.3", NULL, NULL,
     "imap-login: Disconnected (disconnected before auth was ready, waited 3 secs): user=<>, rip=10.0.0.3"},
    {"dovecot-no-auth-attempt", DV, "dovecot",
     "pop3-login: Disconnected (no auth attempts in 58 secs): user=<>, rip=192.51.100.13, lip=203.0.113.17, "
     "session=<LgDINsQCkttVIMPg>",
     C_OTH, NULL, "192.51.100.13", NULL, NULL,
     "pop3-login: Disconnected (auth failed, 1 attempts): user=<(no auth attempts>, rip=192.51.100.13"},
    {"dovecot-userip-limit", DV, "dovecot",
     "imap-login: Maximum number of connections from user+IP exceeded (mail_max_userip_connections=10): "
     "user=<a>, rip=1.1.1.1",
     C_POL, NULL, NULL, NULL, NULL, "imap-login: Maximum number of connections exceeded"},
    /* Dovecot 1.0 (Wazuh's dovecot rule tests) */
    {"dovecot1-aborted-login", DV, "dovecot",
     "pop3-login: Aborted login: user=<username>, method=PLAIN, rip=::ffff:1.2.3.4, lip=::ffff:1.2.3.5",
     C_CRED, "username", "::ffff:1.2.3.4", NULL, NULL, "pop3-login: Aborted login (auth failed): user=<u>"},
    {"dovecot1-aborted-no-attempt", DV, "dovecot",
     "pop3-login: Aborted login: rip=::ffff:1.2.3.4, lip=::ffff:1.2.3.5", C_OTH, NULL, "::ffff:1.2.3.4", NULL,
     NULL, "pop3-login: Aborted login (no auth attempts): rip=1.2.3.4"},
    /* auth policy server (Dovecot's auth-policy.c wording; lines from a peer's tests) */
    {"dovecot-auth-policy-refusal", DV, "dovecot",
     "auth: policy(alice,33.44.55.66): Authentication failure due to policy server refusal: blocked", C_POL,
     "alice", "33.44.55.66", NULL, NULL,
     "auth: passwd-file(x): Authentication failure due to policy server refusal,1.2.3.4): Password mismatch"},
    {"dovecot-login-ok", DV, "dovecot",
     "imap-login: Login: user=<support@gameserver.services>, method=PLAIN, rip=185.101.93.86, "
     "lip=185.101.93.87, mpid=30664, TLS, session=<QWvifIcOtQBUFOyV>",
     C_OK, "support@gameserver.services", "185.101.93.86", "185.101.93.87", "QWvifIcOtQBUFOyV",
     "imap-login: Disconnected (no auth attempts): user=<Login: user=<x>, rip=1.2.3.4"},
    {"dovecot-logged-in-ok", DV, "dovecot",
     "imap-login: Logged in: user=<a@x>, method=PLAIN, rip=1.2.3.4, lip=5.6.7.8, mpid=1, TLS, session=<abc>",
     C_OK, "a@x", "1.2.3.4", "5.6.7.8", "abc", "imap(a@x): Logged out in=93 out=956"},
    /* Dovecot proxy */
    {"dovecot-proxy-ok", DV, "dovecot",
     "imap-login: proxy(username): started proxying to 2.2.2.2:143: user=<username>, method=PLAIN, "
     "rip=3.3.3.3, lip=5.5.5.5, secured, session=<GKEBFAwQMgDBAgFf>",
     C_OK, "username", NULL, "2.2.2.2", NULL,
     "imap-login: proxy(username): disconnecting 2.2.2.2 (Disconnected by server): user=<username>, "
     "rip=2.2.2.2"},
    {"dovecot-proxy-login-failed-temporary", DV, "dovecot",
     "imap-login: proxy(bob): Login failed to 10.0.0.5:143: NO [UNAVAILABLE] Account is temporarily "
     "unavailable.: user=<bob>, rip=1.2.3.4",
     C_TEMP, "bob", NULL, "10.0.0.5", NULL,
     "imap-login: proxy(bob): Login failed to 10.0.0.5:143: NO [AUTHENTICATIONFAILED] Authentication "
     "failed.: user=<[UNAVAILABLE]>, rip=1.2.3.4"},
    {"dovecot-proxy-login-failed", DV, "dovecot",
     "imap-login: proxy(bob): Login failed to 10.0.0.5:143: NO [AUTHENTICATIONFAILED] Authentication "
     "failed.: user=<bob>, rip=1.2.3.4",
     C_CRED, "bob", NULL, "10.0.0.5", NULL,
     "imap-login: proxy(bob): Login for 10.0.0.5:143 timed out in state=login/banner"},
    {"dovecot-proxy-connect-failed", DV, "dovecot",
     "imap-login: proxy(bob): connect(10.0.0.5, 143) failed: Connection refused (after 0 secs, "
     "local=10.0.0.1:5555)",
     C_TEMP, NULL, NULL, "10.0.0.5", NULL, "imap-login: proxy(bob): connected to 10.0.0.5"},
    {"dovecot-proxy-host-down", DV, "dovecot", "imap-login: proxy(bob): Host 10.0.0.6:143 is down", C_TEMP,
     NULL, NULL, "10.0.0.6", NULL, "imap-login: proxy(bob): Host 10.0.0.6:143 is up"},
    {"dovecot-proxy-login-timeout", DV, "dovecot",
     "imap-login: proxy(bob): Login for 10.0.0.5:143 timed out in state=login/banner (after 30 secs)", C_TIME,
     "bob", NULL, "10.0.0.5", NULL, "imap-login: proxy(bob): Login for 10.0.0.5:143 succeeded"},
    /* Dovecot auth process */
    {"dovecot-auth-queued", DV, "dovecot",
     "auth: Warning: auth workers: Auth request was queued for 30 seconds, 12 left in queue (see "
     "auth_worker_max_count)",
     C_TEMP, NULL, NULL, NULL, NULL, "auth: Warning: auth workers: Auth request was queued"},
    {"dovecot-auth-queue-abort", DV, "dovecot",
     "auth: Error: Aborting auth request that was queued for 61 secs, 40 left in queue", C_TEMP, NULL, NULL,
     NULL, NULL, "auth: Error: Aborting auth request"},
    {"dovecot-auth-worker-aborted", DV, "dovecot",
     "auth: Error: auth-worker: Aborted PASSV request for bob: Worker process died unexpectedly", C_TEMP,
     "bob", NULL, NULL, NULL, "auth: Error: auth-worker: Aborted request"},
    {"dovecot-auth-worker-died", DV, "dovecot", "auth: Error: Worker process died unexpectedly", C_TEMP, NULL,
     NULL, NULL, NULL, "auth: Error: Worker process died"},
    {"dovecot-auth-worker-exit", DV, "dovecot", "auth-worker: Error: Unexpected exit - converting to abort",
     C_TEMP, NULL, NULL, NULL, NULL, "auth-worker: Error: Unexpected exit"},
    {"dovecot-auth-service-died", DV, "dovecot",
     "master: Error: service(auth-worker): child 1234 killed with signal 9", C_TEMP, NULL, NULL, NULL, NULL,
     "master: Error: service(imap): child 1234 killed with signal 9"},
    {"dovecot-auth-ldap-down", DV, "dovecot",
     "auth: Error: LDAP: binding failed (dn cn=admin,dc=siliconhills,dc=dev): Invalid credentials", C_TEMP,
     NULL, NULL, NULL, NULL, "auth: Info: LDAP: bound"},
    {"dovecot-auth-query-failed", DV, "dovecot",
     "auth-worker(9): Error: sql(bob,1.2.3.4): Password query failed: Not connected to database", C_TEMP,
     NULL, NULL, NULL, NULL, "auth-worker(9): Error: sql(bob,1.2.3.4): Password query ok"},
    {"dovecot-auth-pam-temporary", DV, "dovecot",
     "auth-worker(304): pam(username,1.2.3.4): pam_authenticate() failed: Authentication service cannot "
     "retrieve authentication info",
     C_TEMP, "username", "1.2.3.4", NULL, NULL,
     "auth-worker(304): pam(username,1.2.3.4): pam_authenticate() failed: Authentication failure (password "
     "mismatch?)"},
    {"dovecot-auth-pam-failed", DV, "dovecot",
     "auth-worker(304): pam(username,1.2.3.4): pam_authenticate() failed: Authentication failure (password "
     "mismatch?)",
     C_CRED, "username", "1.2.3.4", NULL, NULL,
     "auth-worker(304): pam(username,1.2.3.4): pam_authenticate() ok"},
    {"dovecot-auth-password-mismatch", DV, "dovecot",
     "auth(info@example.com,192.0.2.110,sasl:login)<CvN+E95Uf4e7eEnj>: Info: sql: Password mismatch (given "
     "password: X)",
     C_CRED, "info@example.com", "192.0.2.110", NULL, NULL, "auth: sql(a,1.2.3.4): Password matched"},
    {"dovecot-auth-unknown-user", DV, "dovecot",
     "auth: sql(admin@example.de,192.0.2.5,<n4JLdHNVngZGpV2j>): unknown user", C_CRED, "admin@example.de",
     "192.0.2.5", NULL, NULL, "auth: sql(admin@example.de,192.0.2.5): known user"},
    {"dovecot-auth-invalid-credentials", DV, "dovecot",
     "auth: Info: ldap(dog,52.37.139.121,): invalid credentials", C_CRED, "dog", "52.37.139.121", NULL, NULL,
     "auth: Info: ldap(dog,52.37.139.121,): valid credentials"},
    {"dovecot-pam-unix-failure", DV, "dovecot-auth",
     "pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0 tty=dovecot ruser=rhost=1.2.3.4 "
     "rhost=192.0.43.10  user=root",
     C_CRED, "root", "192.0.43.10", NULL, NULL, "pam_unix(dovecot:auth): session opened for user root"},
    /* Cyrus */
    {"cyrus-badlogin-temporary", "cyrus", "cyrus/imap",
     "badlogin: host.example [192.0.2.4] plaintext (bob) [SASL(-1): generic failure: ldap down]", C_TEMP,
     NULL, "192.0.2.4", NULL, NULL,
     "badlogin: host.example [192.0.2.4] plaintext (bob) [SASL(-13): authentication failure]"},
    {"cyrus-badlogin-anonymous", "cyrus", "imapd",
     "badlogin: host.example [192.0.2.4] anonymous login refused", C_POL, NULL, "192.0.2.4", NULL, NULL,
     "badlogin: host.example [192.0.2.4] plaintext anon SASL(-13): x"},
    {"cyrus-badlogin", "cyrus", "cyrus/imap",
     "badlogin: localhost.localdomain [127.0.0.1] plaintext cyrus@localdomain SASL(-13): authentication "
     "failure: checkpass failed",
     C_CRED, "cyrus@localdomain", "127.0.0.1", NULL, NULL,
     "login: localhost [127.0.0.1] bob plaintext User logged in"},
    {"cyrus-login-ok", "cyrus", "sloti30t15/imap",
     "login: frontend1.nyi.internal [10.202.2.160] robntest plaintext User logged in "
     "SESSIONID=<sloti30t15-4101108-1450760746-1-6931901653674999381>",
     C_OK, "robntest", "10.202.2.160", NULL, "sloti30t15-4101108-1450760746-1-6931901653674999381",
     "badlogin: frontend1 [10.202.2.160] robntest plaintext User logged in? no"},
    {"cyrus-logfmt-bad-temporary", "cyrus", "imapd",
     "event=login.bad r.clienthost=10.0.0.7 u.username=jb login.mech=PLAIN error=\"remote authentication "
     "server unavailable\"",
     C_TEMP, "jb", "10.0.0.7", NULL, NULL,
     "event=login.bad r.clienthost=10.0.0.7 u.username=jb login.mech=PLAIN error=\"authentication failure\""},
    {"cyrus-logfmt-bad", "cyrus", "imapd",
     "event=login.bad r.clienthost=10.0.0.7 u.username=jbloggs login.mech=PLAIN error=\"authentication "
     "failure\"",
     C_CRED, "jbloggs", "10.0.0.7", NULL, NULL, "event=login.badger r.clienthost=10.0.0.7"},
    {"cyrus-logfmt-good", "cyrus", "imapd",
     "event=login.good r.sessionid=fastmail-1723150181-3493991-1 r.clienthost=10.0.0.7 u.username=jbloggs "
     "login.mech=PLAIN login.tls=1",
     C_OK, "jbloggs", "10.0.0.7", NULL, "fastmail-1723150181-3493991-1", "event=login.goodness"},
    /* Courier */
    {"courier-login-failed", "courier", "imapd", "LOGIN FAILED, user=sales@example.com, ip=[::ffff:1.2.3.4]",
     C_CRED, "sales@example.com", "1.2.3.4", NULL, NULL,
     "LOGIN, user=sales@example.com, ip=[::ffff:1.2.3.4], port=[1]"},
    {"courier-auth-error", "courier", "imapd", "authentication error: Input/output error", C_TEMP, NULL, NULL,
     NULL, NULL, "authentication errand"},
    {"courier-login-ok", "courier", "imapd",
     "LOGIN, user=admin@tubeinn.com, ip=[::ffff:127.0.0.1], port=[49043], protocol=IMAP", C_OK,
     "admin@tubeinn.com", "127.0.0.1", NULL, NULL,
     "LOGOUT, user=admin@tubeinn.com, ip=[::ffff:127.0.0.1], headers=0, body=0, rcvd=10, sent=83, time=0"},
    /* UW-IMAP */
    {"uwimap-login-failed", "uwimap", "imapd",
     "Login failed user=lizdy auth=lizdy host=h2066373.stratoserver.net [81.169.154.112]", C_CRED, "lizdy",
     "81.169.154.112", NULL, NULL, "Login user=lizdy host=h2066373.stratoserver.net [81.169.154.112]"},
    {"uwimap-login-disabled", "uwimap", "imapd",
     "Login disabled user=test auth=test host=localhost.localdomain [127.0.0.1]", C_POL, "test", "127.0.0.1",
     NULL, NULL, "Login failed user=test auth=test host=localhost.localdomain [127.0.0.1]"},
    {"uwimap-override-failed", "uwimap", "imapd",
     "Failed uwmaster override of user=pro1  host=r22.j.de [127.0.55.22] ", C_CRED, "pro1", "127.0.55.22",
     NULL, NULL, "Succeeded uwmaster override of user=pro1"},
    {"uwimap-authenticate-failure", "uwimap", "imapd", "AUTHENTICATE PLAIN failure host=h.example [10.2.2.2]",
     C_CRED, NULL, "10.2.2.2", NULL, NULL, "AUTHENTICATE PLAIN invalid host=h.example [10.2.2.2]"},
    {"uwimap-authenticate-invalid", "uwimap", "imapd", "AUTHENTICATE FOO invalid host=h.example [10.2.2.2]",
     C_POL, NULL, "10.2.2.2", NULL, NULL, "AUTHENTICATE FOO failure host=h.example [10.2.2.2]"},
    {"uwimap-login-ok", "uwimap", "imapd", "Authenticated user=bob host=h.example [10.1.1.1] mech=PLAIN",
     C_OK, "bob", "10.1.1.1", NULL, NULL, "Logout user=bob host=h.example [10.1.1.1]"},
    /* perdition */
    {"perdition-failed-credentials", "perdition", "perdition.imaps",
     "Auth: 192.168.8.100:2274->193.48.191.9:993 client-secure=ssl authorisation_id=NONE "
     "authentication_id=\"carles\" server=\"imap.biotoul.fr:993\" protocol=IMAP4S server-secure=ssl "
     "status=\"failed: Re-Authentication Failure\"",
     C_CRED, "carles", "192.168.8.100", "imap.biotoul.fr", NULL,
     "Auth: 192.168.8.100:2274->193.48.191.9:993 client-secure=ssl authorisation_id=NONE "
     "authentication_id=\"status=\\\"failed: Re-Authentication Failure\\\"\" server=\"imap.biotoul.fr:993\" "
     "protocol=IMAP4S server-secure=ssl status=\"ok\""},
    {"perdition-failed-policy", "perdition", "perdition.imaps",
     "Auth: 10.0.0.1:2274->10.0.0.2:143 client-secure=plaintext authorisation_id=NONE "
     "authentication_id=\"u\" server=\"s:143\" protocol=IMAP4 server-secure=plaintext status=\"failed: Login "
     "Disabled\"",
     C_POL, "u", "10.0.0.1", "s", NULL,
     "Auth: 10.0.0.1:2274->10.0.0.2:143 client-secure=plaintext authorisation_id=NONE "
     "authentication_id=\"u\" server=\"s:143\" protocol=IMAP4 server-secure=plaintext status=\"failed: Login "
     "Disabled for now\""},
    {"perdition-failed-temporary", "perdition", "perdition.imaps",
     "Auth: 10.0.0.1:2274->10.0.0.2:143 client-secure=plaintext authorisation_id=NONE "
     "authentication_id=\"u\" server=\"s:143\" protocol=IMAP4 server-secure=plaintext status=\"failed: Could "
     "not connect to server\"",
     C_TEMP, NULL, NULL, NULL, NULL,
     "Auth: 10.0.0.1:2274->10.0.0.2:143 client-secure=plaintext authorisation_id=NONE "
     "authentication_id=\"u\" server=\"s:143\" protocol=IMAP4 server-secure=plaintext status=\"failed: local "
     "authentication failure\""},
    {"perdition-failed-other", "perdition", "perdition.imaps",
     "Auth: 10.0.0.1:2274->10.0.0.2:143 authentication_id=\"u\" server=\"s:143\" status=\"failed: Something "
     "new\"",
     C_OTH, NULL, NULL, NULL, NULL,
     "Auth: 10.0.0.1:2274->10.0.0.2:143 authentication_id=\"u\" server=\"s:143\" status=\"ok\""},
    {"perdition-ok", "perdition", "perdition.imaps",
     "Auth: 10.0.0.1:2274->10.0.0.2:143 client-secure=plaintext authorisation_id=NONE "
     "authentication_id=\"u\" server=\"s:143\" protocol=IMAP4 server-secure=plaintext status=\"ok\"",
     C_OK, "u", "10.0.0.1", "s", NULL,
     "Closing session: 10.0.0.1:2274->10.0.0.2:143 authorisation_id=NONE authentication_id=\"u\" received=1 "
     "sent=2"},
    {"perdition-client-gone", "perdition", "perdition.imaps",
     "Fatal Error reading authentication information from client 192.168.8.100:2274->193.48.191.9:993: "
     "Exiting child",
     C_OTH, NULL, "192.168.8.100", NULL, NULL,
     "Fatal Error reading from server 192.168.8.100:2274->193.48.191.9:993: Exiting child"},
    /* HAProxy */
    {"haproxy-server-down", "haproxy", "haproxy",
     "Server imap/srv1 is DOWN, reason: Layer4 timeout, check duration: 2001ms", C_TEMP, NULL, NULL,
     "imap/srv1", NULL, "Server imap/srv1 is UP, reason: Layer4 check passed"},
    {"haproxy-no-server", "haproxy", "haproxy", "backend imap has no server available!", C_TEMP, NULL, NULL,
     NULL, NULL, "backend imap has 2 servers available"},
    /* nginx mail */
    {"nginx-login-failed-temporary", "nginx_mail", "",
     "client login failed: \"Temporary authentication failure\" while in http auth state, client: "
     "31.210.20.189, server: 0.0.0.0:993, login: \"bob\"",
     C_TEMP, "bob", "31.210.20.189", NULL, NULL,
     "client login failed: \"Authentication credentials invalid\" while in http auth state, client: "
     "31.210.20.189, server: 0.0.0.0:993, login: \"Temporary\""},
    {"nginx-login-failed-policy", "nginx_mail", "",
     "client login failed: \"AUTH not supported\" while in http auth state, client: 81.30.107.40, server: "
     "0.0.0.0:25, login: \"vista\"",
     C_POL, "vista", "81.30.107.40", NULL, NULL,
     "client login failed: \"Authentication credentials invalid\" while in http auth state, client: "
     "81.30.107.40, server: 0.0.0.0:25, login: \"not supported\""},
    {"nginx-login-failed", "nginx_mail", "",
     "client login failed: \"Authentication credentials invalid\" while in http auth state, client: "
     "31.210.20.189, server: 0.0.0.0:25, login: \"database\"",
     C_CRED, "database", "31.210.20.189", NULL, NULL, "client 31.210.20.189:60509 connected to 0.0.0.0:25"},
    {"nginx-logged-in", "nginx_mail", "",
     "client logged in, client: 174.233.1.144, server: 0.0.0.0:11143, login: \"admin@example.com\", "
     "upstream: 172.69.69.10:143",
     C_OK, "admin@example.com", "174.233.1.144", "172.69.69.10:143", NULL,
     "proxied session done, client: 174.233.1.144, server: 0.0.0.0:11143, login: \"admin@example.com\""},
    {"nginx-upstream-temporary", "nginx_mail", "",
     "upstream sent invalid response: \"NO [UNAVAILABLE] Temporary authentication failure.\" while reading "
     "response from upstream, client: 131.255.7.26, server: 0.0.0.0:993, login: \"f\", upstream: "
     "192.168.0.5:143",
     C_TEMP, "f", "131.255.7.26", "192.168.0.5:143", NULL,
     "upstream sent invalid response: \"NO [AUTHENTICATIONFAILED] x\" while reading response from upstream, "
     "client: 1.2.3.4, server: 0.0.0.0:993, login: \"[UNAVAILABLE]\""},
    {"nginx-upstream-policy", "nginx_mail", "",
     "upstream sent invalid response: \"NO [EXPIRED] Password expired\" while reading response from "
     "upstream, client: 1.2.3.4, server: 0.0.0.0:993, login: \"e\", upstream: 10.0.0.1:143",
     C_POL, "e", "1.2.3.4", "10.0.0.1:143", NULL,
     "upstream sent invalid response: \"NO [AUTHENTICATIONFAILED] [EXPIRED\" while reading response from "
     "upstream"},
    {"nginx-upstream-credentials", "nginx_mail", "",
     "upstream sent invalid response: \"NO [AUTHENTICATIONFAILED] Authentication failed.\" while reading "
     "response from upstream, client: 131.255.7.26, server: 0.0.0.0:993, login: "
     "\"froster2406@frostbolt.ch\", upstream: 192.168.0.5:143",
     C_CRED, "froster2406@frostbolt.ch", "131.255.7.26", "192.168.0.5:143", NULL,
     "upstream sent invalid response: \"* BYE shutting down\" while reading response from upstream, client: "
     "1.2.3.4"},
    {"nginx-upstream-invalid", "nginx_mail", "",
     "upstream sent invalid response: \"* BYE shutting down\" while reading response from upstream, client: "
     "1.2.3.4, server: 0.0.0.0:993, login: \"z\", upstream: 10.0.0.9:143",
     C_TEMP, "z", "1.2.3.4", "10.0.0.9:143", NULL, "upstream sent too long response line"},
    {"nginx-auth-http-timeout", "nginx_mail", "",
     "auth http server 127.0.0.1:9000 timed out while in http auth state, client: 1.2.3.4, server: "
     "0.0.0.0:25",
     C_TIME, NULL, "1.2.3.4", "127.0.0.1:9000", NULL,
     "auth http server 127.0.0.1:9000 sent invalid response while in http auth state, client: 1.2.3.4"},
    {"nginx-auth-http-invalid", "nginx_mail", "",
     "auth http server 127.0.0.1:9000 sent invalid response while in http auth state, client: 1.2.3.4, "
     "server: 0.0.0.0:25",
     C_TEMP, NULL, "1.2.3.4", "127.0.0.1:9000", NULL,
     "auth http server 127.0.0.1:9000 timed out while in http auth state, client: 1.2.3.4"},
    {"nginx-upstream-timeout", "nginx_mail", "",
     "upstream timed out (110: Connection timed out) while reading response from upstream, client: 1.2.3.4, "
     "server: 0.0.0.0:993, login: \"t\", upstream: 10.0.0.2:143",
     C_TIME, "t", "1.2.3.4", "10.0.0.2:143", NULL,
     "client timed out (110: Connection timed out) while in auth state"},
    {"nginx-connect-failed", "nginx_mail", "",
     "connect() failed (111: Connection refused) while connecting to upstream, client: 1.2.3.4, server: "
     "0.0.0.0:993, login: \"c\", upstream: 10.0.0.3:143",
     C_TEMP, "c", "1.2.3.4", "10.0.0.3:143", NULL, "connect() succeeded while connecting to upstream"},
    /* Zimbra */
    {"zimbra-lockout", "zimbra", "",
     "security - cmd=Auth; account=a@b; protocol=imap; error=account lockout due to too many failed logins;",
     C_POL, NULL, NULL, NULL, NULL,
     "security - cmd=Auth; account=a@b; protocol=imap; error=account lockout lifted;"},
    {"zimbra-maintenance", "zimbra", "",
     "imap - [ALERT] account undergoing maintenance; please try again later", C_TEMP, NULL, NULL, NULL, NULL,
     "imap - account maintenance done"},
    {"zimbra-auth-failed", "zimbra", "",
     "security - cmd=Auth; account=user@dom; protocol=imap; error=authentication failed for [user@dom], "
     "invalid password;",
     C_CRED, "user@dom", NULL, NULL, NULL, "security - cmd=Auth; account=user@dom; protocol=imap;x"},
    {"zimbra-auth-ok", "zimbra", "", "security - cmd=Auth; account=terriw@dizi.dc; protocol=pop3;", C_OK,
     "terriw@dizi.dc", NULL, NULL, NULL,
     "security - cmd=Auth; account=terriw@dizi.dc; protocol=pop3; error=x;"},
    /* Entra sign-in error codes (MicrosoftDocs/entra-docs reference-error-codes.md), as
     * parsers/m365.c writes them: "AADSTS<code>: <failure reason>" */
    EC(50000, C_TEMP),
    EC(50033, C_TEMP),
    EC(50087, C_TEMP),
    EC(50166, C_TEMP),
    EC(80001, C_TEMP),
    EC(80002, C_TEMP),
    EC(80005, C_TEMP),
    EC(80007, C_TEMP),
    EC(80010, C_TEMP),
    EC(80013, C_TEMP),
    EC(80014, C_TEMP),
    EC(90006, C_TEMP),
    EC(90024, C_TEMP),
    EC(90033, C_TEMP),
    EC(90036, C_TEMP),
    EC(90090, C_TEMP),
    EC(50053, C_POL),
    EC(50055, C_POL),
    EC(50057, C_POL),
    EC(50072, C_POL),
    EC(50074, C_POL),
    EC(50076, C_POL),
    EC(50079, C_POL),
    EC(50097, C_POL),
    EC(50105, C_POL),
    EC(50125, C_POL),
    EC(50129, C_POL),
    EC(50131, C_POL),
    EC(50133, C_POL),
    EC(50135, C_POL),
    EC(50144, C_POL),
    EC(50158, C_POL),
    EC(53000, C_POL),
    EC(53001, C_POL),
    EC(53002, C_POL),
    EC(53003, C_POL),
    EC(53004, C_POL),
    EC(530032, C_POL),
    EC(530035, C_POL),
    EC(90072, C_POL),
    EC(90095, C_POL),
    EC(1002016, C_POL),
    EC(50126, C_CRED),
    EC(50034, C_CRED),
    EC(50056, C_CRED),
    EC(50064, C_CRED),
    EC(50132, C_CRED),
    EC(50173, C_CRED),
    {"entra-other", "entra_json", "", "AADSTS50140: This error occurred due to 'Keep me signed in' interrupt",
     C_OTH, NULL, NULL, NULL, NULL, "AADSTS: no code"},
    /* RFC 5530 codes, client side */
    {"rfc5530-unavailable", CL, "",
     "0x1:imap.example.com:NA:CreateNewLineFromSocket: 3 NO [UNAVAILABLE] User's backend down for "
     "maintenance",
     C_TEMP, NULL, NULL, NULL, NULL,
     "0x1:imap.example.com:NA:CreateNewLineFromSocket: 3 NO [UNAVAILABLE backend"},
    {"rfc5530-serverbug", "imaplib", "",
     "imaplib.IMAP4.error: b'[SERVERBUG] Account is temporarily unavailable.'", C_TEMP, NULL, NULL, NULL,
     NULL, "imaplib.IMAP4.error: b'SERVERBUG'"},
    {"rfc5530-limit", "mbsync", "",
     "IMAP command 'LOGIN <user> <pass>' returned an error: NO [LIMIT] Too many connections", C_TEMP, NULL,
     NULL, NULL, NULL, "IMAP command 'LOGIN <user> <pass>' returned an error: NO LIMIT reached"},
    {"rfc5530-inuse", "fetchmail", "fetchmail", "IMAP< A0002 NO [INUSE] Mailbox in use", C_TEMP, NULL, NULL,
     NULL, NULL, "IMAP< A0002 OK INUSE"},
    {"rfc5530-expired", "imapsync", "",
     "Host1 failure: Error login on [h] with user [u] auth [LOGIN]: 2 NO [EXPIRED] Password expired", C_POL,
     NULL, NULL, NULL, NULL, "Host1 failure: Error login on [h] with user [u] auth [LOGIN]: 2 NO EXPIRED"},
    {"rfc5530-contactadmin", "offlineimap", "", " LOGIN authentication failed: [CONTACTADMIN] Login disabled",
     C_POL, NULL, NULL, NULL, NULL, " LOGIN authentication failed: CONTACTADMIN"},
    {"rfc5530-privacyrequired", CL, "",
     "0x1:h:NA:CreateNewLineFromSocket: 2 NO [PRIVACYREQUIRED] Plaintext authentication disallowed", C_POL,
     NULL, NULL, NULL, NULL, "0x1:h:NA:CreateNewLineFromSocket: 2 NO PRIVACYREQUIRED"},
    {"rfc5530-authenticationfailed", "roundcube", "",
     "IMAP Error: Login failed for u from 1.2.3.4. AUTHENTICATE PLAIN: A0002 NO [AUTHENTICATIONFAILED] "
     "Authentication failed.",
     C_CRED, NULL, NULL, NULL, NULL,
     "IMAP Error: Login failed for u from 1.2.3.4. AUTHENTICATE PLAIN: A0002 NO [UNAVAILABLE] down"},
    {"rfc5530-authorizationfailed", "fetchmail", "fetchmail",
     "IMAP< A0004 NO [AUTHORIZATIONFAILED] No such authorization-ID", C_CRED, NULL, NULL, NULL, NULL,
     "IMAP< A0004 NO AUTHORIZATIONFAILED"},
    /* client-visible wording */
    {"reply-temporary-auth-failure", CL, "",
     "0x1:h:NA:CreateNewLineFromSocket: 3 NO Temporary authentication failure. [mail5:2020-06-11 13:56:19]",
     C_TEMP, NULL, NULL, NULL, NULL, "0x1:h:NA:CreateNewLineFromSocket: 3 NO Authentication failed."},
    {"reply-temporarily-unavailable", "fetchmail", "fetchmail",
     "IMAP< A0002 NO Account is temporarily unavailable.", C_TEMP, NULL, NULL, NULL, NULL,
     "IMAP< A0002 NO Account is unavailable."},
    {"reply-temporary-problem", "imaplib", "",
     "imaplib.IMAP4.abort: * BYE Temporary problem, please try again later", C_TEMP, NULL, NULL, NULL, NULL,
     "imaplib.IMAP4.abort: * BYE Permanent problem"},
    {"reply-web-login-required", "fetchmail", "fetchmail",
     "IMAP< A0002 NO [ALERT] Please log in via your web browser: "
     "https://support.google.com/mail/accounts/answer/78754 (Failure)",
     C_POL, NULL, NULL, NULL, NULL, "IMAP< * OK [ALERT] Please read the news"},
    {"reply-account-blocked", CL, "",
     "0x1:outlook.com:NA:CreateNewLineFromSocket: 2 NO LOGIN failed. Account is blocked. Login to your "
     "account via a web browser to verify your identity.",
     C_POL, NULL, NULL, NULL, NULL, "0x1:outlook.com:NA:CreateNewLineFromSocket: 2 NO LOGIN failed."},
    {"exchange-authenticated-not-connected", "imaplib", "",
     "imaplib.IMAP4.error: EXAMINE command error: BAD [b'User is authenticated but not connected.']", C_CRED,
     NULL, NULL, NULL, NULL, "imaplib.IMAP4.error: FETCH command error: BAD [b'Command Argument Error. 11']"},
    {"xoauth2-json-error", CL, "",
     "0x1:imap.gmail.com:NA:CreateNewLineFromSocket: + "
     "{\"status\":\"400\",\"schemes\":\"Bearer\",\"scope\":\"https://mail.google.com/\"}",
     C_CRED, NULL, NULL, NULL, NULL, "0x1:imap.gmail.com:NA:CreateNewLineFromSocket: + {\"status\":\"200\"}"},
    {"xoauth2-base64-error", "fetchmail", "fetchmail",
     "IMAP< + "
     "eyJzdGF0dXMiOiI0MDAiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ==",
     C_CRED, NULL, NULL, NULL, NULL, "IMAP< + eyJzdGF0dXMiOiIyMDAi"},
    /* client tools */
    {"fetchmail-authfail", "fetchmail", "fetchmail",
     "Authorization failure on lists@example.com@imap.gmail.com", C_CRED, "lists@example.com", NULL,
     "imap.gmail.com", NULL, "Authorization success on lists@example.com@imap.gmail.com"},
    {"fetchmail-server-busy", "fetchmail", "fetchmail", "Server busy error on bob@mail.example.com", C_TEMP,
     "bob", NULL, "mail.example.com", NULL, "Server busy on bob@mail.example.com"},
    {"fetchmail-lock-busy", "fetchmail", "fetchmail", "Lock-busy error on bob@mail.example.com", C_TEMP,
     "bob", NULL, "mail.example.com", NULL, "Lock-busy cleared on bob@mail.example.com"},
    {"fetchmail-timeout", "fetchmail", "fetchmail",
     "timeout after 300 seconds waiting for server imap.example.com.", C_TIME, NULL, NULL, "imap.example.com",
     NULL, "no timeout after 300 seconds"},
    {"fetchmail-connect-failed", "fetchmail", "fetchmail",
     "connection to imap.example.com:imap [10.0.0.1/143] failed: Connection refused.", C_TEMP, NULL, NULL,
     "imap.example.com", NULL, "connection to imap.example.com:imap [10.0.0.1/143] established"},
    {"fetchmail-bye", "fetchmail", "fetchmail",
     "Received BYE response from IMAP server: Server shutting down", C_TEMP, NULL, NULL, NULL, NULL,
     "Received OK response from IMAP server"},
    {"fetchmail-restored", "fetchmail", "fetchmail", "Service has been restored.", C_OK, NULL, NULL, NULL,
     NULL, "Service has been interrupted."},
    {"mbsync-login-error", "mbsync", "",
     "IMAP command 'LOGIN <user> <pass>' returned an error: NO Invalid password", C_CRED, NULL, NULL, NULL,
     NULL, "IMAP command 'SELECT \"INBOX\"' returned an error: NO no such mailbox"},
    {"offlineimap-auth-failed", "offlineimap", "", " PLAIN authentication failed: Invalid user", C_CRED, NULL,
     NULL, NULL, NULL, " Establishing connection to imap-mail.outlook.com:993 (main-microsoft)"},
    {"imapsync-login-error", "imapsync", "",
     "Host2 failure: Error login on [outlook.office365.com] with user [jweiss@uzh.ch] auth [LOGIN]: 2 NO "
     "LOGIN failed.",
     C_CRED, "jweiss@uzh.ch", NULL, "outlook.office365.com", NULL,
     "Host2: success login on [outlook.office365.com] with user [jweiss@uzh.ch]"},
    {"imaplib-abort-socket", "imaplib", "", "imaplib.IMAP4.abort: socket error: EOF", C_TIME, NULL, NULL,
     NULL, NULL, "imaplib.IMAP4.abort: command: SELECT => unexpected response"},
    {"roundcube-connect-failed", "roundcube", "",
     "IMAP Error: Could not connect to localhost:143: Connection refused", C_TEMP, NULL, NULL, "localhost",
     NULL, "IMAP Error: Empty folder name"},
    {"roundcube-login-failed", "roundcube", "",
     "IMAP Error: Login failed for admin from 127.0.0.1. from 1.2.3.4. AUTHENTICATE PLAIN: A0002 NO Login "
     "failed. user=admin from 127.0.0.1. in /usr/share/roundcube/program/include/rcube_imap.php on line 205 "
     "(POST /wmail/?_task=login&_action=login)",
     C_CRED, "admin from 127.0.0.1.", "1.2.3.4", NULL, NULL, "IMAP Error: Error in IMAP command"},
    {"roundcube-failed-login", "roundcube", "",
     "<4z506z6r> Failed login for admin@example.com from 1.2.3.4 in session 4z506z6rvddstv6k7jz08hxo27 "
     "(error: 0)",
     C_CRED, "admin@example.com", "1.2.3.4", NULL, "4z506z6rvddstv6k7jz08hxo27",
     "Successful login for admin@example.com (ID: 1) from 1.2.3.4"},
    {"roundcube-login-ok", "roundcube", "",
     "Successful login for admin@example.com (ID: 1) from 1.2.3.4 in session abc", C_OK, "admin@example.com",
     "1.2.3.4", NULL, "abc", "Failed login for admin@example.com from 1.2.3.4 in session abc"},
    {"horde-failed-login", "horde", "",
     "HORDE [error] [imp] FAILED LOGIN for emai.user@somedomain.com [1.2.3.4] to {mx.somedomain.com:993 "
     "[imap/ssl/novalidate-cert]} [pid 68394]",
     C_CRED, "emai.user@somedomain.com", "1.2.3.4", "mx.somedomain.com", NULL,
     "HORDE [notice] [imp] Login success for u [1.2.3.4]"},
    {"roundcube-auth-failed", "roundcube", "",
     "IMAP Error: Authentication for bob@example.com failed (LOGIN): \"NO Login failed.\" in "
     "/usr/share/roundcube/program/include/rcube_imap_generic.php on line 494 (POST /?_task=login)",
     C_CRED, "bob@example.com", NULL, NULL, NULL, "IMAP Error: Authentication for bob@example.com"},
    {"roundcube-login-ok", "roundcube", "", "Successful login for bob@example.com (id 3) from 192.0.2.7",
     C_OK, "bob@example.com", "192.0.2.7", NULL, NULL,
     "Successful login for bob@example.com (id x) from 192.0.2.7"},
    /* Horde 3 (IMP 4) */
    {"horde-failed-login", "horde", "",
     "[imp] FAILED LOGIN 192.0.2.9 to localhost:143[imap] as bob [on line 258 of "
     "\"/usr/share/horde3/imp/lib/Auth.php\"]",
     C_CRED, "bob", "192.0.2.9", "localhost", NULL, "[imp] FAILED LOGIN to localhost:143[imap] as bob"},
    {"horde-login-ok", "horde", "",
     "HORDE [notice] [imp] Login success for u@d (Horde user u@d) [1.2.3.4] to {imap.d:993 [imap/ssl]}", C_OK,
     "u@d", "1.2.3.4", "imap.d", NULL, "HORDE [error] [imp] FAILED LOGIN for u@d [1.2.3.4]"},
    {"reply-authenticate-failed", CL, "",
     "0x7f3a1c0:outlook.office365.com:NA:CreateNewLineFromSocket: 3 NO AUTHENTICATE failed.", C_CRED, NULL,
     NULL, NULL, NULL,
     "0x7f3a1c0:outlook.office365.com:NA:CreateNewLineFromSocket: 3 OK AUTHENTICATE completed."},
    {"reply-login-failed", "imaplib", "", "imaplib.IMAP4.error: b'LOGIN failed.'", C_CRED, NULL, NULL, NULL,
     NULL, "imaplib.IMAP4.error: b'LOGINfailed'"},
    {"reply-authentication-failed", "fetchmail", "fetchmail", "IMAP< A0004 NO Authentication failed.", C_CRED,
     NULL, NULL, NULL, NULL, "IMAP< A0004 OK Authentication succeeded."},
    {"thunderbird-login-ok", CL, "",
     "0x1:imap.example.com:NA:CreateNewLineFromSocket: 2 OK [CAPABILITY IMAP4rev1] Logged in", C_OK, NULL,
     NULL, NULL, NULL, "0x1:imap.example.com:NA:CreateNewLineFromSocket: 2 NO Logged in elsewhere"},
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static struct ib_rules *rules;
static struct ib_classifier *cls;

static void setup_defaults(void)
{
	struct ib_error err;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(ib_rules_new(&rules, 1, &err), IB_OK);
	ck_assert_int_eq(ib_rules_compile(rules, &err), IB_OK);
	ck_assert_int_eq(ib_classifier_new(&cls, rules, &err), IB_OK);
}

static void teardown_defaults(void)
{
	ib_classifier_free(cls);
	ib_rules_free(rules);
	cls = NULL;
	rules = NULL;
}

static void mkev(struct ib_event *ev, const char *fmt, const char *prog, const char *msg, size_t len)
{
	ib_event_clear(ev);
	ev->format = fmt;
	ev->program = ib_str_from(prog);
	ev->message.ptr = msg;
	ev->message.len = len;
}

static void check_field(const char *what, struct ib_str got, const char *want, const char *rule)
{
	if (!want)
		return;
	ck_assert_msg(got.len == strlen(want) && !memcmp(got.ptr, want, got.len),
		      "%s: %s captured '%.*s', want '%s'", rule, what, (int)got.len, got.ptr ? got.ptr : "",
		      want);
}

START_TEST(rule_matches)
{
	const struct rcase *c = &cases[_i];
	struct ib_event ev;
	struct ib_match m;

	mkev(&ev, c->fmt, c->prog, c->msg, strlen(c->msg));
	ck_assert_int_eq(ib_classify(cls, &ev, &m), IB_OK);
	ck_assert_msg(m.signature && !strcmp(m.signature, c->rule), "'%s' matched %s, want %s", c->msg,
		      m.signature ? m.signature : "nothing", c->rule);
	ck_assert_msg(m.category == c->cat, "%s: category %s", c->rule, ib_category_name(m.category));
	check_field("user", ev.user, c->user, c->rule);
	check_field("ip", ev.ip, c->ip, c->rule);
	check_field("server", ev.server, c->server, c->rule);
	check_field("session", ev.session, c->session, c->rule);
}
END_TEST

START_TEST(rule_near_miss)
{
	const struct rcase *c = &cases[_i];
	struct ib_event ev;
	struct ib_match m;

	mkev(&ev, c->fmt, c->prog, c->miss, strlen(c->miss));
	ck_assert_int_eq(ib_classify(cls, &ev, &m), IB_OK);
	ck_assert_msg(!m.signature || strcmp(m.signature, c->rule), "near miss '%s' matched %s", c->miss,
		      c->rule);
}
END_TEST

/* A new default rule without a test line fails here. */
START_TEST(every_default_rule_tested)
{
	size_t n = ib_rules_count(rules);

	ck_assert_uint_gt(n, 50);
	for (size_t i = 0; i < n; i++) {
		struct ib_rule_info info;
		size_t k;

		ib_rules_get(rules, i, &info);
		for (k = 0; k < NCASES; k++)
			if (!strcmp(cases[k].rule, info.name))
				break;
		ck_assert_msg(k < NCASES, "default rule '%s' (line %u) has no test case", info.name,
			      info.line);
		ck_assert_str_eq(info.source, "default");
		ck_assert_uint_gt(info.line, 0);
		ck_assert(info.pattern && *info.pattern);
	}
}
END_TEST

START_TEST(explicit_outcome_wins)
{
	struct ib_event ev;
	struct ib_match m;
	const char *msg = "imap-login: Disconnected (auth failed, 2 attempts): user=<u>";

	mkev(&ev, DV, "dovecot", msg, strlen(msg));
	ev.outcome = IB_CAT_OK;
	ev.signature = "exchange-ok";
	ib_classify(cls, &ev, &m);
	ck_assert_int_eq(m.category, IB_CAT_OK);
	ck_assert_str_eq(m.signature, "exchange-ok");
	ck_assert_int_eq(m.rule, -1);
	ck_assert_uint_eq(ev.user.len, 0);
}
END_TEST

/* Scope: a Dovecot rule does not fire on nginx_mail or without a format. */
START_TEST(scope_formats)
{
	struct ib_event ev;
	struct ib_match m;
	const char *msg = "imap-login: Disconnected (auth failed, 2 attempts): user=<u>, rip=1.2.3.4";

	mkev(&ev, "nginx_mail", "", msg, strlen(msg));
	ib_classify(cls, &ev, &m);
	ck_assert_int_eq(m.category, IB_CAT_NONE);
	mkev(&ev, NULL, "", msg, strlen(msg));
	ib_classify(cls, &ev, &m);
	ck_assert_int_eq(m.category, IB_CAT_NONE);
	mkev(&ev, DV, "dovecot", msg, strlen(msg));
	ib_classify(cls, &ev, &m);
	ck_assert_str_eq(m.signature, "dovecot-auth-failed");
}
END_TEST

static struct ib_rules *load_only(const char *text)
{
	struct ib_rules *r = NULL;
	struct ib_error err;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(ib_rules_new(&r, 0, &err), IB_OK);
	ck_assert_msg(ib_rules_load_buf(r, "t.rules", text, strlen(text), &err) == IB_OK, "%s", err.msg);
	ck_assert_int_eq(ib_rules_compile(r, &err), IB_OK);
	return r;
}

static const char *classify_with(const struct ib_rules *r, const char *fmt, const char *prog, const char *msg)
{
	struct ib_classifier *c = NULL;
	struct ib_event ev;
	struct ib_match m;

	ck_assert_int_eq(ib_classifier_new(&c, r, NULL), IB_OK);
	mkev(&ev, fmt, prog, msg, strlen(msg));
	ib_classify(c, &ev, &m);
	ib_classifier_free(c);
	return m.signature; /* points into r */
}

START_TEST(scope_programs)
{
	struct ib_rules *r =
	    load_only("rule p\n category other\n programs imap*, cyrus/pop3 ,lmtp\n match x\n");

	ck_assert_ptr_nonnull(classify_with(r, "any", "imapd", "x"));
	ck_assert_ptr_nonnull(classify_with(r, "any", "cyrus/imap", "x")); /* base "imap" */
	ck_assert_ptr_nonnull(classify_with(r, "any", "cyrus/pop3", "x"));
	ck_assert_ptr_nonnull(classify_with(r, "any", "lmtp", "x"));
	ck_assert_ptr_null(classify_with(r, "any", "pop3", "x"));
	ck_assert_ptr_null(classify_with(r, "any", "lmtpd", "x"));
	ck_assert_ptr_null(classify_with(r, "any", "", "x"));
	ib_rules_free(r);
}
END_TEST

/* First matching rule in file order wins. */
START_TEST(precedence_first_match)
{
	struct ib_rules *a = load_only("rule first\n category temporary\n match failed\n"
				       "rule second\n category credentials\n match auth failed\n");
	struct ib_rules *b = load_only("rule second\n category credentials\n match auth failed\n"
				       "rule first\n category temporary\n match failed\n");

	ck_assert_str_eq(classify_with(a, "x", "", "auth failed"), "first");
	ck_assert_str_eq(classify_with(b, "x", "", "auth failed"), "second");
	ck_assert_str_eq(classify_with(b, "x", "", "login failed"), "first");
	ib_rules_free(a);
	ib_rules_free(b);
}
END_TEST

START_TEST(override_keeps_position)
{
	struct ib_rules *r = NULL;
	struct ib_error err;
	struct ib_rule_info info;
	size_t n, pos = 0;
	const char *text = "# site rules\n"
			   "rule dovecot-auth-failed\n"
			   "  category temporary\n"
			   "  formats dovecot\n"
			   "  match \\(auth failed\\b\n"
			   "\n"
			   "rule site-extra\n"
			   "  category policy\n"
			   "  match Blocked by site policy\n";

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(ib_rules_new(&r, 1, &err), IB_OK);
	n = ib_rules_count(r);
	for (size_t i = 0; i < n; i++) {
		ib_rules_get(r, i, &info);
		if (!strcmp(info.name, "dovecot-auth-failed"))
			pos = i;
	}
	ck_assert_uint_gt(pos, 0);
	ck_assert_int_eq(ib_rules_load_buf(r, "site.rules", text, strlen(text), &err), IB_OK);
	ck_assert_uint_eq(ib_rules_count(r), n + 1);
	ib_rules_get(r, pos, &info);
	ck_assert_str_eq(info.name, "dovecot-auth-failed");
	ck_assert_int_eq(info.category, IB_CAT_TEMPORARY);
	ck_assert_str_eq(info.source, "site.rules");
	ck_assert_uint_eq(info.line, 2);
	ck_assert_str_eq(info.formats, "dovecot");
	ck_assert_str_eq(info.literal, "\"(auth failed\"");
	ib_rules_get(r, n, &info);
	ck_assert_str_eq(info.name, "site-extra");
	ck_assert_int_eq(ib_rules_compile(r, &err), IB_OK);
	ck_assert_str_eq(classify_with(r, DV, "dovecot", "imap-login: Disconnected (auth failed): user=<u>"),
			 "dovecot-auth-failed");
	ib_rules_free(r);
}
END_TEST

START_TEST(no_default_rules)
{
	struct ib_rules *r = NULL;

	ck_assert_int_eq(ib_rules_new(&r, 0, NULL), IB_OK);
	ck_assert_uint_eq(ib_rules_count(r), 0);
	ib_rules_free(r);
	r = load_only("rule only\n category ok\n match hello\n");
	ck_assert_uint_eq(ib_rules_count(r), 1);
	ck_assert_ptr_null(
	    classify_with(r, DV, "dovecot", "imap-login: Disconnected (auth failed): user=<u>"));
	ck_assert_str_eq(classify_with(r, DV, "dovecot", "hello"), "only");
	ib_rules_free(r);
}
END_TEST

struct badcase {
	const char *text;
	unsigned line;
	const char *want; /* substring of the message */
};

static const struct badcase bad[] = {
    /* syntax errors */
    {"# header\n\n category ok\nrule a\n category ok\n match x\n", 3, "outside a rule"},
    {"rule a\n category ok\n category temporary\n match x\n", 3, "duplicate 'category'"},
    {"rule a\n category ok\n colour blue\n match x\n", 3, "unknown keyword 'colour'"},
    {"rule bad name!\n category ok\n match x\n", 1, "bad rule name"},
    {"rule a\n category ok\n literal \"open\n match x\n", 3, "unterminated literal"},
    /* unknown category */
    {"rule a\n category bogus\n match x\n", 2, "unknown category 'bogus'"},
    /* duplicate name within one file */
    {"rule a\n category ok\n match x\n\nrule a\n category ok\n match y\n", 5,
     "duplicate rule name 'a' (first at line 1)"},
    /* a pattern that fails to compile: PCRE2's own message and offset */
    {"rule good\n category ok\n match fine\nrule a\n category ok\n match (abc\n", 4,
     "bad pattern at offset 4: missing closing parenthesis"},
    /* a rule without pattern */
    {"rule a\n category ok\n formats dovecot\n", 1, "rule 'a' has no pattern"},
    {"rule a\n match x\n", 1, "rule 'a' has no category"},
};

START_TEST(bad_rules_file)
{
	const struct badcase *b = &bad[_i];
	struct ib_rules *r = NULL;
	struct ib_error err;
	char *path = ib_test_tmpfile(b->text, strlen(b->text), ".rules");
	char where[600];
	size_t before;

	ck_assert_ptr_nonnull(path);
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(ib_rules_new(&r, 1, &err), IB_OK);
	before = ib_rules_count(r);
	ck_assert_int_eq(ib_rules_load_file(r, path, &err), IB_ERR_FORMAT);
	snprintf(where, sizeof(where), "%s:%u: ", path, b->line);
	ck_assert_msg(strstr(err.msg, where) != NULL, "'%s' lacks '%s'", err.msg, where);
	ck_assert_msg(strstr(err.msg, b->want) != NULL, "'%s' lacks '%s'", err.msg, b->want);
	ck_assert_uint_eq(err.line, b->line);
	ck_assert_str_eq(err.path, path);
	/* never half-loads */
	ck_assert_uint_eq(ib_rules_count(r), before);
	unlink(path);
	free(path);
	ib_rules_free(r);
}
END_TEST

START_TEST(missing_rules_file)
{
	struct ib_rules *r = NULL;
	struct ib_error err;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(ib_rules_new(&r, 0, &err), IB_OK);
	ck_assert_int_eq(ib_rules_load_file(r, "/nonexistent/x.rules", &err), IB_ERR_IO);
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot open '/nonexistent/x.rules'"));
	ib_rules_free(r);
}
END_TEST

START_TEST(literal_derivation)
{
	struct ib_rules *r = load_only("rule a\n category ok\n match foo(bar)?bazz+\n"
				       "rule b\n category ok\n match one|two three\n"
				       "rule c\n category ok\n match (?i)hello world\n"
				       "rule d\n category ok\n match [ab]{2}xyz\\.com\\d\n"
				       "rule e\n category ok\n literal none\n match plain text here\n"
				       "rule f\n category ok\n literal \"x\\\"y\", \"zz\"\n match x\"y|zz\n");
	struct ib_rule_info info;

	ib_rules_get(r, 0, &info);
	ck_assert_str_eq(info.literal, "\"bazz\"");
	ib_rules_get(r, 1, &info);
	ck_assert_str_eq(info.literal, "");
	ib_rules_get(r, 2, &info);
	ck_assert_str_eq(info.literal, "");
	ib_rules_get(r, 3, &info);
	ck_assert_str_eq(info.literal, "\"xyz.com\"");
	ib_rules_get(r, 4, &info);
	ck_assert_str_eq(info.literal, "");
	ib_rules_get(r, 5, &info);
	ck_assert_str_eq(info.literal, "\"x\\\"y\", \"zz\"");
	ck_assert_str_eq(classify_with(r, "x", "", "aa zz"), "f");
	ck_assert_str_eq(classify_with(r, "x", "", "HELLO WORLD"), "c");
	ck_assert_str_eq(classify_with(r, "x", "", "two three"), "b");
	ib_rules_free(r);
}
END_TEST

/* Deterministic mixed lines: table lines, near misses, and mangled copies. */
static unsigned long rng_state = 12345;

static unsigned rnd(void)
{
	rng_state = rng_state * 6364136223846793005ul + 1442695040888963407ul;
	return (unsigned)(rng_state >> 33);
}

START_TEST(prefilter_equivalence)
{
	struct ib_classifier *off = NULL;
	char buf[1024];
	size_t lines = 0, matched = 0;

	ck_assert_int_eq(ib_classifier_new(&off, rules, NULL), IB_OK);
	ib_classifier_set_prefilter(off, 0);
	for (int round = 0; round < 30; round++) {
		for (size_t k = 0; k < NCASES; k++) {
			for (int v = 0; v < 2; v++) {
				const struct rcase *c = &cases[(k + (size_t)round) % NCASES];
				const struct rcase *fc = &cases[k];
				const char *src = v ? c->miss : c->msg;
				size_t len = strlen(src);
				struct ib_event e1, e2;
				struct ib_match m1, m2;

				if (len >= sizeof(buf))
					len = sizeof(buf) - 1;
				memcpy(buf, src, len);
				/* mangle a few bytes in later rounds */
				for (int j = 0; round > 0 && j < round % 4; j++)
					buf[rnd() % len] = (char)(rnd() & 0xff);
				/* and classify under another format half the time */
				mkev(&e1, round & 1 ? fc->fmt : c->fmt, c->prog, buf, len);
				mkev(&e2, round & 1 ? fc->fmt : c->fmt, c->prog, buf, len);
				ib_classify(cls, &e1, &m1);
				ib_classify(off, &e2, &m2);
				ck_assert_int_eq(m1.rule, m2.rule);
				ck_assert_int_eq(m1.category, m2.category);
				ck_assert(ib_str_eq(e1.user, e2.user) && ib_str_eq(e1.ip, e2.ip) &&
					  ib_str_eq(e1.server, e2.server) &&
					  ib_str_eq(e1.session, e2.session));
				lines++;
				matched += m1.rule >= 0;
			}
		}
	}
	ck_assert_uint_gt(lines, 2000);
	ck_assert_uint_gt(matched, lines / 4);
	ib_classifier_free(off);
}
END_TEST

START_TEST(nul_and_invalid_utf8)
{
	static const char msg[] =
	    "imap-login: Disconnected (auth failed, 1 attempts): user=<a\0b\xff\xfe>, rip=1.2.3.4";
	static const char junk[] = "\xff\xfe\xc3\x28\0\0(auth failed\xa0\xa1";
	struct ib_event ev;
	struct ib_match m;
	char *big;
	size_t bigl = 1 << 20;

	mkev(&ev, DV, "dovecot", msg, sizeof(msg) - 1);
	ib_classify(cls, &ev, &m);
	ck_assert_str_eq(m.signature, "dovecot-auth-failed");
	ck_assert_uint_eq(ev.user.len, 5);
	ck_assert(!memcmp(ev.user.ptr, "a\0b\xff\xfe", 5));
	ck_assert(ib_str_eq_lit(ev.ip, "1.2.3.4"));

	mkev(&ev, DV, "dovecot", junk, sizeof(junk) - 1);
	ib_classify(cls, &ev, &m);
	ck_assert_str_eq(m.signature, "dovecot-auth-failed");

	/* over-long hostile lines: no crash, bounded work */
	big = malloc(bigl);
	ck_assert_ptr_nonnull(big);
	memset(big, '(', bigl);
	mkev(&ev, "roundcube", "", big, bigl);
	ck_assert_int_eq(ib_classify(cls, &ev, &m), IB_OK);
	memcpy(big, "IMAP Error: Login failed for ", 29);
	for (size_t i = 29; i + 6 < bigl; i += 6)
		memcpy(big + i, " from ", 6);
	ck_assert_int_eq(ib_classify(cls, &ev, &m), IB_OK);
	mkev(&ev, DV, "dovecot", big, 0);
	ck_assert_int_eq(ib_classify(cls, &ev, &m), IB_OK);
	ck_assert_int_eq(m.category, IB_CAT_NONE);
	free(big);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("classify");
	TCase *t = tcase_create("defaults");

	tcase_add_checked_fixture(t, setup_defaults, teardown_defaults);
	tcase_add_loop_test(t, rule_matches, 0, (int)NCASES);
	tcase_add_loop_test(t, rule_near_miss, 0, (int)NCASES);
	tcase_add_test(t, every_default_rule_tested);
	tcase_add_test(t, explicit_outcome_wins);
	tcase_add_test(t, scope_formats);
	tcase_add_test(t, prefilter_equivalence);
	tcase_add_test(t, nul_and_invalid_utf8);
	tcase_set_timeout(t, 60);
	suite_add_tcase(s, t);

	t = tcase_create("rules");
	tcase_add_test(t, scope_programs);
	tcase_add_test(t, precedence_first_match);
	tcase_add_test(t, override_keeps_position);
	tcase_add_test(t, no_default_rules);
	tcase_add_loop_test(t, bad_rules_file, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(t, missing_rules_file);
	tcase_add_test(t, literal_derivation);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return ib_test_run(suite());
}
