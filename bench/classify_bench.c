/*
 * classify_bench.c: micro-benchmark of the classifier with the default
 * rules, literal prefilter on and off.
 *
 * Builds a realistic mix (about 85% non-login lines: deliveries, logouts,
 * IMAP session lines; the rest failures and successes of several formats)
 * and classifies it N times. Usage: classify_bench [ROUNDS] (default 200).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "imapblast/classify.h"

struct line {
	const char *fmt, *prog, *msg;
};

static const struct line noise[] = {
    {"dovecot", "dovecot",
     "imap(alice@example.com)<4242><bJd8Kk0b>: Disconnected: Logged out in=1234 out=56789 deleted=0 "
     "expunged=0 trashed=0 hdr_count=0 hdr_bytes=0 body_count=0 body_bytes=0"},
    {"dovecot", "dovecot",
     "lmtp(bob@example.com)<1234><Q2p1HfZ8>: msgid=<20260114.abc@mail.example.org>: saved mail to INBOX"},
    {"dovecot", "dovecot",
     "imap(carol@example.com)<777><xYz>: Connection closed (IDLE running for 0.001 + waiting input for "
     "1740.003 secs, 2 B in + 10+10 B out, state=wait-input) in=1042 out=18373"},
    {"dovecot", "dovecot",
     "lda(dave@example.com)<9><id>: sieve: msgid=<CAF=abc@mail.gmail.com>: stored mail into mailbox 'INBOX'"},
    {"dovecot", "dovecot",
     "imap-login: proxy(erin): disconnecting 10.0.0.5 (Disconnected by client: EOF(0s idle, in=1001, "
     "out=22003)): user=<erin>, method=PLAIN, rip=192.0.2.9, lip=10.0.0.1, TLS, session=<abc>"},
    {"cyrus", "cyrus/imap", "accepted connection"},
    {"cyrus", "cyrus/lmtp", "Delivered: <20260114.123@example.org> to mailbox: user.frank"},
    {"courier", "imapd",
     "LOGOUT, user=gina@example.com, ip=[::ffff:192.0.2.10], headers=0, body=0, rcvd=10, sent=83, time=0"},
    {"nginx_mail", "", "client 198.51.100.7:51515 connected to 0.0.0.0:993"},
    {"nginx_mail", "",
     "proxied session done, client: 198.51.100.7, server: 0.0.0.0:993, login: \"hank\", upstream: "
     "10.0.0.6:143"},
    {"uwimap", "imapd", "Logout user=ivan host=h.example [10.1.1.1]"},
    {"fetchmail", "fetchmail", "3 messages for joe@example.com at imap.example.com (12345 octets)."},
    {"thunderbird", "",
     "0x7f3a1c0:imap.example.com:S-INBOX:CreateNewLineFromSocket: * 42 FETCH (UID 1234 FLAGS (\\Seen))"},
    {"dovecot", "dovecot",
     "imap(kim@example.com)<88><s>: Error: Mailbox INBOX: UID=5: read() failed: Input/output error"},
};

static const struct line logins[] = {
    {"dovecot", "dovecot",
     "imap-login: Login: user=<alice@example.com>, method=PLAIN, rip=192.0.2.1, lip=10.0.0.1, mpid=4242, "
     "TLS, session=<bJd8Kk0b>"},
    {"dovecot", "dovecot",
     "imap-login: Disconnected (auth failed, 2 attempts in 5 secs): user=<bob@example.com>, method=PLAIN, "
     "rip=192.0.2.2, lip=10.0.0.1, TLS, session=<abc>"},
    {"dovecot", "dovecot",
     "imap-login: Login aborted: Connection closed (auth service reported temporary failure, 1 attempts in 2 "
     "secs) (temp_fail): user=<c@x>, rip=192.0.2.3"},
    {"dovecot", "dovecot",
     "auth: sql(admin@example.ru,192.168.144.226,<6rXunFtu493AqJDi>): Password mismatch"},
    {"cyrus", "cyrus/imap",
     "badlogin: localhost [127.0.0.1] plaintext cyrus@localdomain SASL(-13): authentication failure: "
     "checkpass failed"},
    {"courier", "imapd", "LOGIN FAILED, user=sales@example.com, ip=[::ffff:1.2.3.4]"},
    {"nginx_mail", "",
     "client login failed: \"Temporary authentication failure\" while in http auth state, client: "
     "31.210.20.189, server: 0.0.0.0:993, login: \"bob\""},
    {"thunderbird", "",
     "0x7f3a1c0:outlook.office365.com:NA:CreateNewLineFromSocket: 3 NO AUTHENTICATE failed."},
    {"roundcube", "",
     "IMAP Error: Login failed for admin@example.com from 1.2.3.4. AUTHENTICATE PLAIN: Authentication "
     "failed. in /x/rcube_imap.php on line 198"},
};

#define NLINES 20000

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double run(struct ib_classifier *c, const struct line *mix, int rounds, size_t *bytes, size_t *hits)
{
	double t0 = now();

	*bytes = 0;
	*hits = 0;
	for (int r = 0; r < rounds; r++) {
		for (size_t i = 0; i < NLINES; i++) {
			struct ib_event ev;
			struct ib_match m;

			ib_event_clear(&ev);
			ev.format = mix[i].fmt;
			ev.program = ib_str_from(mix[i].prog);
			ev.message = ib_str_from(mix[i].msg);
			ib_classify(c, &ev, &m);
			*hits += m.rule >= 0;
			*bytes += ev.message.len;
		}
	}
	return now() - t0;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 200;
	struct ib_rules *rules = NULL;
	struct ib_classifier *c = NULL;
	struct ib_error err;
	struct line *mix = malloc(NLINES * sizeof(*mix));
	unsigned long seed = 42;
	size_t bytes, hits;
	double t;

	if (rounds <= 0 || !mix)
		return 2;
	memset(&err, 0, sizeof(err));
	if (ib_rules_new(&rules, 1, &err) < 0 || ib_rules_compile(rules, &err) < 0 ||
	    ib_classifier_new(&c, rules, &err) < 0) {
		fprintf(stderr, "classify_bench: %s\n", err.msg);
		return 1;
	}
	for (size_t i = 0; i < NLINES; i++) {
		seed = seed * 6364136223846793005ul + 1442695040888963407ul;
		if ((seed >> 33) % 100 < 85)
			mix[i] = noise[(seed >> 40) % (sizeof(noise) / sizeof(noise[0]))];
		else
			mix[i] = logins[(seed >> 40) % (sizeof(logins) / sizeof(logins[0]))];
	}
	printf("%zu rules, %d lines x %d rounds\n", ib_rules_count(rules), NLINES, rounds);
	for (int on = 1; on >= 0; on--) {
		ib_classifier_set_prefilter(c, on);
		t = run(c, mix, rounds, &bytes, &hits);
		printf("prefilter %-3s: %.0f lines/s, %.0f MB/s (%zu matched)\n", on ? "on" : "off",
		       (double)NLINES * rounds / t, (double)bytes / t / 1e6, hits);
	}
	ib_classifier_free(c);
	ib_rules_free(rules);
	free(mix);
	return 0;
}
