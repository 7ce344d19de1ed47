/*
 * check_corpus_peers.c: conformance against other projects' annotated
 * login lines, read in place from ib_test_corpus_dir()/peers (CrowdSec
 * hub's .tests, MIT; sshguard's src/parser/tests.txt, ISC-style; see the
 * README there). Each NAME.log has NAME.expect.jsonl, one object per line:
 * expect failure / success / other, category where given, user where
 * given; lines with "doubt" are not cases. Lines the peer stored without
 * the syslog envelope ("bare_program") get one. A file is detected and
 * read as the pipeline does, then classified by the default rules.
 * Prints the pass count per file. Lines that need a variant another
 * branch is adding are listed in `pending` with the reason, and skipped
 * (none today); a line its parser holds (PAM) is judged on the event it
 * releases;
 * the list is to be emptied as those variants land.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "imapblast/classify.h"
#include "imapblast/parser.h"
#include "ib_feed.h"
#include "testutil.h"

static const char *const files[] = {
    "crowdsec/dovecot-logs",	  "crowdsec/dovecot-slow-bf-user-enum",
    "crowdsec/dovecot-spam",	  "crowdsec/exchange-imap-logs",
    "crowdsec/exchange-pop-logs", "crowdsec/nginx-mail-bf",
    "crowdsec/nginx-mail-logs",	  "crowdsec/zimbra-bf",
    "crowdsec/zimbra-logs",	  "sshguard/courier",
    "sshguard/cucipop",		  "sshguard/cyrus",
    "sshguard/dovecot",		  "sshguard/uwimap",
};
#define NFILES (sizeof(files) / sizeof(files[0]))

/* Known-pending lines: "file:line", and why. */
static const struct {
	const char *at, *why;
} pending[] = {
    {NULL, NULL},
};

static const char *pending_why(const char *file, unsigned line)
{
	char at[128];

	snprintf(at, sizeof(at), "%s:%u", file, line);
	for (size_t i = 0; pending[i].at; i++)
		if (!strcmp(pending[i].at, at))
			return pending[i].why;
	return NULL;
}

/* The value of "key" in a one-line JSON object: a string (copied to buf), or NULL for null/absent. */
static const char *jstr(const char *json, const char *key, char *buf, size_t cap)
{
	char pat[48];
	const char *p;
	size_t n = 0;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(json, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	if (*p != '"')
		return NULL;
	for (p++; *p && *p != '"' && n + 1 < cap; p++) {
		if (*p == '\\' && p[1])
			p++;
		buf[n++] = *p;
	}
	buf[n] = 0;
	return buf;
}

static size_t split(char *text, char **out, size_t cap)
{
	size_t n = 0;

	for (char *p = text; *p && n < cap;) {
		char *nl = strchr(p, '\n');

		out[n++] = p;
		if (!nl)
			break;
		*nl = 0;
		p = nl + 1;
	}
	return n;
}

static enum ib_category cat_of(const char *s)
{
	static const char *const names[] = {"",	       "ok",	 "credentials", "temporary",
					    "timeout", "policy", "other"};

	for (int i = 1; s && i < IB_CAT_COUNT; i++)
		if (!strcmp(s, names[i]))
			return (enum ib_category)i;
	return IB_CAT_NONE;
}

#define MAXL 64

/*
 * CrowdSec keeps Exchange protocol log lines without the header every
 * real log starts with; the test gives them Exchange 2013's.
 */
static const char *header_for(const char *file)
{
	if (strstr(file, "exchange-pop"))
		return "#Log-type: POP3 Protocol Log\n#Fields: "
		       "dateTime,sessionId,seqNumber,sIp,cIp,user,duration,"
		       "rqsize,rpsize,command,parameters,context,puid";
	if (strstr(file, "exchange-imap"))
		return "#Log-type: IMAP4 Protocol Log\n#Fields: dateTime,sessionId,seqNumber,sIp,cIp,user,"
		       "duration,rqsize,rpsize,command,parameters,context,puid";
	return NULL;
}

START_TEST(test_peer_file)
{
	const char *dir = ib_test_corpus_dir();
	char path[1200], *log, *exp, *ll[MAXL], *el[MAXL], *buf[MAXL];
	struct ib_str lines[MAXL + 2], *body;
	size_t n, ne, len, nh = 0;
	const char *hdr = header_for(files[_i]), *pname;
	struct ib_rules *rules = NULL;
	struct ib_classifier *cls = NULL;
	struct trun tr;
	int cases = 0, good = 0, skipped = 0;
	static struct trun_held held[MAXL];
	struct {
		size_t i;
		enum ib_category cat;
		char user[256];
	} late[MAXL];
	size_t nlate = 0;

	if (!dir) {
		if (_i == 0)
			printf("skip: corpus absent\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/peers/%s.log", dir, files[_i]);
	log = ib_test_slurp(path, &len);
	if (!log && _i == 0)
		printf("skip: %s absent\n", path);
	if (!log)
		return;
	snprintf(path, sizeof(path), "%s/peers/%s.expect.jsonl", dir, files[_i]);
	exp = ib_test_slurp(path, &len);
	ck_assert_msg(exp != NULL, "cannot read '%s'", path);
	n = split(log, ll, MAXL);
	ne = split(exp, el, MAXL);
	ck_assert_uint_eq(n, ne);
	if (hdr) {
		const char *nl = strchr(hdr, '\n');

		lines[nh++] = (struct ib_str){hdr, (size_t)(nl - hdr)};
		lines[nh++] = ib_str_from(nl + 1);
	}
	body = lines + nh;
	for (size_t i = 0; i < n; i++) {
		char prog[64];

		buf[i] = NULL;
		body[i] = ib_str_from(ll[i]);
		if (jstr(el[i], "bare_program", prog, sizeof(prog))) {
			size_t need = strlen(ll[i]) + strlen(prog) + 40;

			buf[i] = malloc(need);
			ck_assert(buf[i] != NULL);
			snprintf(buf[i], need, "Jan 14 08:41:02 mx %s: %s", prog, ll[i]);
			body[i] = ib_str_from(buf[i]);
		}
	}
	ck_assert_int_eq(ib_rules_new(&rules, 1, NULL), IB_OK);
	ck_assert_int_eq(ib_rules_compile(rules, NULL), IB_OK);
	ck_assert_int_eq(ib_classifier_new(&cls, rules, NULL), IB_OK);
	trun_start(&tr, NULL, lines, nh + n, NULL, 2026, 0, NULL);
	tr.held_log = held;
	tr.held_cap = MAXL;
	pname = tr.rt.parser->name;
	for (size_t i = 0; i < nh; i++)
		(void)trun_line(&tr, lines[i]);
	for (size_t i = 0; i < n; i++) {
		char e[32], c[32], u[256], why[512];
		const char *expect = jstr(el[i], "expect", e, sizeof(e));
		const char *cat = jstr(el[i], "category", c, sizeof(c));
		const char *user = jstr(el[i], "user", u, sizeof(u));
		const char *pend = pending_why(files[_i], (unsigned)i + 1);
		struct ib_match m = {IB_CAT_NONE, NULL, -1};
		int rc = trun_line(&tr, body[i]), ok;

		if (rc == IB_OK && tr.ev.time_ms != IB_TIME_NONE)
			ck_assert_int_eq(ib_classify(cls, &tr.ev, &m), IB_OK);
		if (strstr(el[i], "\"doubt\"") || !expect)
			continue;
		if (!strcmp(expect, "success"))
			ok = m.category == IB_CAT_OK;
		else if (!strcmp(expect, "other"))
			ok = m.category == IB_CAT_NONE || m.category == IB_CAT_OTHER;
		else
			ok = m.category != IB_CAT_NONE && m.category != IB_CAT_OK &&
			     m.category != IB_CAT_OTHER && (!cat || m.category == cat_of(cat));
		if (ok && user && m.category != IB_CAT_NONE)
			ok = tr.ev.user.len == strlen(user) &&
			     (!tr.ev.user.len || !memcmp(tr.ev.user.ptr, user, tr.ev.user.len));
		if (!ok && rc == IB_SKIP && strcmp(expect, "other")) {
			/* held by its parser (a PAM line waiting for the daemon's): judged at the end */
			late[nlate].i = i;
			late[nlate].cat = cat ? cat_of(cat) : IB_CAT_NONE;
			snprintf(late[nlate++].user, sizeof(late[0].user), "%s", user ? user : "");
			continue;
		}
		if (pend) {
			skipped++;
			if (ok)
				printf("%s:%zu passes now: take it off the pending list (%s)\n", files[_i],
				       i + 1, pend);
			continue;
		}
		cases++;
		if (ok) {
			good++;
			continue;
		}
		snprintf(why, sizeof(why), "%s", jstr(el[i], "why", why, sizeof(why)) ? why : "");
		fprintf(stderr, "%s:%zu: want %s/%s user '%s', got rc %d category %d user '%.*s' (%s): %s\n",
			files[_i], i + 1, expect, cat ? cat : "-", user ? user : "", rc, (int)m.category,
			(int)tr.ev.user.len, tr.ev.user.ptr ? tr.ev.user.ptr : "", why, ll[i]);
	}
	trun_end(&tr);
	for (size_t k = 0; k < nlate; k++) {
		const struct trun_held *h = trun_held_at(&tr, nh + late[k].i + 1);
		int hok = h && h->outcome != IB_CAT_NONE && h->outcome != IB_CAT_OK &&
			  h->outcome != IB_CAT_OTHER &&
			  (late[k].cat == IB_CAT_NONE || h->outcome == late[k].cat) &&
			  (!late[k].user[0] || !strcmp(h->user, late[k].user));

		cases++;
		if (hok)
			good++;
		else
			fprintf(stderr, "%s:%zu: held, then %s (user '%s'): %s\n", files[_i], late[k].i + 1,
				h ? "released as another event" : "never released", h ? h->user : "",
				ll[late[k].i]);
	}
	printf("%s (%s): %d/%d annotated lines pass, %d pending\n", files[_i], pname, good, cases, skipped);
	ib_classifier_free(cls);
	ib_rules_free(rules);
	for (size_t i = 0; i < n; i++)
		free(buf[i]);
	free(log);
	free(exp);
	ck_assert_int_eq(good, cases);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("corpus_peers");
	TCase *tc = tcase_create("peers");

	tcase_add_loop_test(tc, test_peer_file, 0, (int)NFILES);
	suite_add_tcase(s, tc);
	return ib_test_run(s);
}
