/*
 * check_coverage.c: the login-looking test, shapes and samples
 * (analyzer/coverage.c). Real lines where the wording matters (sources
 * named per case); the SSE2 path against a plain reference on random
 * lines and on a keyword and an address at every offset.
 */
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include "imapblast/coverage.h"
#include "testutil.h"

struct lcase {
	const char *line;
	int want;
};

static const struct lcase lcases[] = {
    /* issue 14, UW-IMAP 2007 wording */
    {"Jan 14 09:00:01 mx imapd[123]: Login failed user=bob domain=(null) auth=bob host=mail.example.org "
     "[192.0.2.7]",
     1},
    /* Courier 0.x (issue 14): no user, an address */
    {"Jan 14 09:00:01 mx imapd: LOGIN FAILED, ip=[::ffff:192.0.2.7]", 1},
    /* pam_unix(8) wording */
    {"Jan 14 09:00:01 mx dovecot: pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0 "
     "tty=dovecot ruser=bob rhost=192.0.2.7  user=bob",
     1},
    /* nginx mail (ngx_mail_proxy_module), a success */
    {"2026/01/14 06:00:15 [info] 2471#2471: *3 client logged in while proxying, client: 10.20.0.107, server: "
     "0.0.0.0:993, login: \"wanda@example.com\", upstream: 10.0.1.10:993",
     1},
    /* vpopmail vchkpw (issue 14) */
    {"Jan 14 09:00:01 mx vchkpw-pop3: password fail bob@example.org:192.0.2.7", 1},
    /* an IPv6 address only */
    {"xx auth refused from 2001:db8::a", 1},
    {"xx denied for ::1", 1},
    /* nginx: "login:" is a field name, not a login; no other keyword */
    {"2026/01/14 06:01:17 [info] 2471#2471: *9 proxied session done while proxying, client: 10.30.0.3, "
     "server: 0.0.0.0:993, login: \"heidi@example.com\", upstream: 10.0.1.11:993",
     0},
    /* perdition: authorisation_id= is a field name */
    {"Jan 14 09:01:09 px1 perdition.imaps[3195]: Closing session: 203.0.113.51:2280->198.51.100.2:993 "
     "authorisation_id=NONE",
     0},
    /* the process name imap-login */
    {"Jan 14 09:00:01 mx dovecot: imap-login: Disconnected: Connection closed: rip=192.0.2.7", 0},
    /* postfix, cron, a Dovecot logout: no keyword */
    {"Jan 14 06:00:01 imap1 postfix/qmgr[50177]: CD52480A4: from=<newsletter@example.net>, size=38007, "
     "nrcpt=1 (queue active)",
     0},
    {"Jan 14 06:00:05 mx1 cron[88]: (root) CMD (run-parts /etc/cron.hourly)", 0},
    {"Jan 14 06:00:07 imap1 dovecot: imap(nina@example.com)<2218><PMY9N3vgEqM2mUk/>: Logged out in=159 "
     "out=52385",
     0},
    /* a keyword without a user or an address, and the reverse */
    {"the login failed", 0},
    {"user 192.0.2.1 connected", 0},
    {"", 0},
    /* each keyword's spelling, compared 8 bytes at once with 9 or more bytes left */
    {"x 192.0.2.1 LOGGED IN now", 1},
    {"x 192.0.2.1 logged ix now", 0},
    {"x 192.0.2.1 logged\tin now", 0},
    {"x 192.0.2.1 logged", 0},
    {"x 192.0.2.1 Logon ok", 1},
    {"x 192.0.2.1 logox ok", 0},
    {"x 192.0.2.1 RefuseD.", 1},
    {"x 192.0.2.1 refuser.", 0},
    {"x 192.0.2.1 pAssWord", 1},
    {"x 192.0.2.1 passe word", 0},
    {"x 192.0.2.1 Denied!!", 1},
    {"x 192.0.2.1 denier!!", 0},
    {"x 192.0.2.1 FAILURE", 1},
    {"x 192.0.2.1 fai lure", 0},
    {"x AUTHENTICATION x user y", 1},
    {"x auth=plain x user yyyy", 0},
    {"x LOGIN\x80 x user yyyy", 1},
    {"x login_name: x user yy", 0},
};

START_TEST(test_looking)
{
	const struct lcase *c = &lcases[_i];

	ck_assert_msg(ib_login_looking(ib_str_from(c->line)) == c->want, "%s", c->line);
}
END_TEST

/* The definition, plainly: every word start, in order. */
static int ref_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static int ref_at(const char *p, size_t n, const char *w)
{
	size_t l = strlen(w);

	if (n < l)
		return 0;
	for (size_t i = 0; i < l; i++)
		if ((p[i] >= 'A' && p[i] <= 'Z' ? p[i] | 0x20 : p[i]) != w[i])
			return 0;
	return 1;
}

static int ref_key(const char *p, size_t n, size_t l)
{
	while (l < n && (((p[l] | 0x20) >= 'a' && (p[l] | 0x20) <= 'z') || p[l] == '_'))
		l++;
	return l < n && (p[l] == ':' || p[l] == '=');
}

static int ref_ipv4(const char *p, size_t n)
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		size_t d = 0;

		while (i < n && d < 4 && p[i] >= '0' && p[i] <= '9')
			i++, d++;
		if (d == 0 || d > 3)
			return 0;
		if (part < 3 && (i >= n || p[i++] != '.'))
			return 0;
	}
	return 1;
}

static int ref_looking(const char *s, size_t n)
{
	int word = 0, who = 0;

	for (size_t i = 0; i < n; i++) {
		const char *p = s + i;

		if (!ref_alnum((unsigned char)s[i]) || (i && ref_alnum((unsigned char)s[i - 1])))
			continue;
		if (i >= 2 && s[i - 1] == ':' && s[i - 2] == ':' &&
		    ((s[i] >= '0' && s[i] <= '9') || ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'f')))
			who = 1;
		else if (ref_at(p, n - i, "login"))
			word |= !(i && s[i - 1] == '-') && !ref_key(p, n - i, 5);
		else if (ref_at(p, n - i, "logon") || ref_at(p, n - i, "logged in") ||
			 ref_at(p, n - i, "passw") || ref_at(p, n - i, "denied") ||
			 ref_at(p, n - i, "refused") || ref_at(p, n - i, "fail"))
			word = 1;
		else if (ref_at(p, n - i, "auth"))
			word |= !ref_key(p, n - i, 4);
		else if (ref_at(p, n - i, "user"))
			who = 1;
		else if (s[i] >= '0' && s[i] <= '9' && ref_ipv4(p, n - i))
			who = 1;
	}
	return word && who;
}

START_TEST(test_random)
{
	static const char *const frag[] = {
	    "login",	"LOGIN",  "auth",   "Auth=",   "user", "USER",	   " ",	       " ",	 "-",
	    ":",	"::",	  "=",	    "x",       "9",    "1.2.3.4",  "10.0.0.1", ".",	 "failed",
	    "\xc3\xa9", "passwd", "denied", "_",       "ab",   "zz",	   "\x80",     "Logged", "logged",
	    "in",	"IN",	  "logon",  "REFUSED", "fail", "Password", "\t",       "lo",	 "logi"};
	unsigned s = 4242u + (unsigned)_i;

	for (int it = 0; it < 20000; it++) {
		char buf[200];
		size_t n = 0, parts;
		char *line;

		s = s * 1103515245u + 12345u;
		parts = (s >> 8) % (_i % 2 ? 60 : 24); /* the longer lines cross 32-byte blocks */
		for (size_t k = 0; k < parts; k++) {
			const char *f;

			s = s * 1103515245u + 12345u;
			f = frag[(s >> 8) % (sizeof(frag) / sizeof(frag[0]))];
			if (n + strlen(f) >= sizeof(buf))
				break;
			memcpy(buf + n, f, strlen(f));
			n += strlen(f);
		}
		line = malloc(n ? n : 1); /* exact size: ASan sees an over-read */
		ck_assert(line != NULL);
		memcpy(line, buf, n);
		ck_assert_msg(ib_login_looking((struct ib_str){line, n}) == ref_looking(line, n), "%.*s",
			      (int)n, buf);
		free(line);
	}
}
END_TEST

/* A keyword and an address at every offset, across the 16- and 32-byte blocks. */
START_TEST(test_offsets)
{
	for (size_t off = 0; off < 100; off++) {
		char line[160];
		size_t n;

		memset(line, 'x', sizeof(line));
		for (size_t k = 0; k + 1 < off; k += 4)
			line[k] = ' ';
		memcpy(line + off, " denied 192.168.100.200 ", 24);
		n = off + 24 + (off % 7) * 3;
		ck_assert_msg(ib_login_looking((struct ib_str){line, n}), "offset %zu", off);
		line[off + 8] = 'q'; /* "q92.168..." is no address */
		ck_assert_msg(!ib_login_looking((struct ib_str){line, n}), "offset %zu", off);
	}
}
END_TEST

struct scase {
	const char *line, *shape;
};

static const struct scase scases[] = {
    {"Mar 13 15:25:07 mail imapd[123]: LOGIN FAILURE user=bob host=[192.0.2.7]",
     "Mar # # mail imapd[*]: LOGIN FAILURE user=* host=[*]"},
    {"Authentication for alice@example.com failed from 1.2.3.4", "Authentication for * failed from #"},
    {"imap-login: Disconnected (auth failed): user=<bob>, rip=2001:db8::1, session=<AbC>",
     "imap-login: Disconnected (auth failed): user=<*>, rip=*, session=<*>"},
    {"password check denied for dave from 192.0.2.13", "password check denied for * from #"},
    {"login: \"x\" as bob\tok\x01", "login: \"*\" as * ok?"},
};

START_TEST(test_shape)
{
	char buf[IB_SHAPE_MAX + 1];
	size_t n = ib_line_shape(ib_str_from(scases[_i].line), buf, sizeof(buf));

	ck_assert_str_eq(buf, scases[_i].shape);
	ck_assert_uint_eq(n, strlen(scases[_i].shape));
}
END_TEST

START_TEST(test_shape_cap)
{
	char line[1000], buf[IB_SHAPE_MAX + 1];

	memset(line, 'a', sizeof(line));
	ck_assert_uint_eq(ib_line_shape((struct ib_str){line, sizeof(line)}, buf, sizeof(buf)), IB_SHAPE_MAX);
	ck_assert_uint_eq(strlen(buf), IB_SHAPE_MAX);
	ck_assert_uint_eq(ib_line_shape((struct ib_str){line, sizeof(line)}, buf, 10), 9);
}
END_TEST

START_TEST(test_sample)
{
	char line[300], buf[IB_SAMPLE_MAX + 1];

	memset(line, 'a', sizeof(line));
	line[3] = '\0';
	/* an e-acute (2 bytes) across the cut is left out whole */
	line[IB_SAMPLE_MAX - 1] = '\xc3';
	line[IB_SAMPLE_MAX] = '\xa9';
	ck_assert_uint_eq(ib_line_sample((struct ib_str){line, sizeof(line)}, buf, sizeof(buf)),
			  IB_SAMPLE_MAX - 1);
	ck_assert_int_eq(buf[3], '?');
	ck_assert_uint_eq(ib_line_sample((struct ib_str){line, 5}, buf, sizeof(buf)), 5);
	ck_assert_str_eq(buf, "aaa?a");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("coverage");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_looking, 0, (int)(sizeof(lcases) / sizeof(lcases[0])));
	tcase_add_loop_test(tc, test_random, 0, 3);
	tcase_add_test(tc, test_offsets);
	tcase_add_loop_test(tc, test_shape, 0, (int)(sizeof(scases) / sizeof(scases[0])));
	tcase_add_test(tc, test_shape_cap);
	tcase_add_test(tc, test_sample);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return ib_test_run(suite());
}
