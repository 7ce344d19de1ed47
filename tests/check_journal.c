/*
 * check_journal.c: the systemd journal as journalctl exports it
 * (samples/formats/journal.json, -o json; journal.export, -o export,
 * written after systemd's JOURNAL_EXPORT_FORMATS: binary fields, a length
 * holding a newline, a multi-line MESSAGE, a last record without its empty
 * line) through detection and the parser runtime: MESSAGE reaches the
 * message parser of SYSLOG_IDENTIFIER with the journal's time, host and
 * program. Also `--format dovecot` on a journal export, journal files
 * themselves (written by systemd-journal-remote from journal.export when
 * it is installed; loud when libsystemd is not built in), and
 * `journalctl -o short-iso` (a syslog file, dovecot-short-iso.log).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "imapblast/journal_file.h"
#include "imapblast/parser.h"
#include "imapblast/reader.h"
#include "imapblast/timeutil.h"
#include "testutil.h"

#define MAXEV 16

struct got {
	char format[32], program[32], host[32], user[64], ip[48], time[32];
};

struct run {
	struct ib_runtime rt;
	struct ib_time_policy tp;
	struct got ev[MAXEV];
	size_t nev, nbad;
};

static void cp(char *dst, size_t cap, struct ib_str s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;

	if (n)
		memcpy(dst, s.ptr, n);
	dst[n] = 0;
}

static int on_result(void *arg, int rc, struct ib_event *ev, const char *reason, int held)
{
	struct run *r = arg;
	struct got *g;

	(void)reason;
	(void)held;
	if (rc == IB_BAD)
		r->nbad++;
	if (rc != IB_OK)
		return IB_OK;
	ck_assert_uint_lt(r->nev, MAXEV);
	g = &r->ev[r->nev++];
	snprintf(g->format, sizeof(g->format), "%s", ev->format);
	cp(g->program, sizeof(g->program), ev->program);
	cp(g->host, sizeof(g->host), ev->host);
	cp(g->user, sizeof(g->user), ev->user);
	cp(g->ip, sizeof(g->ip), ev->ip);
	ib_time_format(ev->time_ms, g->time, sizeof(g->time));
	return IB_OK;
}

/* Read a sample as the pipeline does: its lines split at '\n' (they may hold NUL bytes). */
static void run_file(struct run *r, const char *name, const char *force, const char *want_parser)
{
	char path[1024], *text;
	size_t len, n = 0;
	struct ib_str lines[128];
	const char *p, *end;

	snprintf(path, sizeof(path), "%s/formats/%s", IB_SAMPLES_DIR, name);
	text = ib_test_slurp(path, &len);
	ck_assert_msg(text != NULL, "cannot read '%s'", path);
	for (p = text, end = text + len; p < end && n < 128; n++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		lines[n].ptr = p;
		lines[n].len = (size_t)((nl ? nl : end) - p);
		p = nl ? nl + 1 : end;
	}
	memset(r, 0, sizeof(*r));
	ib_time_policy_init(&r->tp, NULL, 2026, 0);
	ck_assert_int_eq(ib_runtime_start(&r->rt, force, lines, n < 32 ? n : 32, &r->tp, on_result, r),
			 IB_OK);
	ck_assert(r->rt.parser != NULL);
	ck_assert_str_eq(r->rt.parser->name, want_parser);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(ib_runtime_line(&r->rt, lines[i], i + 1), IB_OK);
	ck_assert_int_eq(ib_runtime_finish(&r->rt, n), IB_OK);
	ib_runtime_release(&r->rt);
	free(text);
}

static void check(const struct got *g, const char *format, const char *program, const char *time,
		  const char *user, const char *ip)
{
	ck_assert_str_eq(g->format, format);
	ck_assert_str_eq(g->program, program);
	ck_assert_str_eq(g->host, "mx1");
	ck_assert_str_eq(g->time, time);
	ck_assert_str_eq(g->user, user);
	ck_assert_str_eq(g->ip, ip);
}

/* The six records both samples share. */
static void check_common(const struct run *r)
{
	check(&r->ev[0], "dovecot", "dovecot", "2026-01-14T08:41:02Z", "bob@example.com", "192.0.2.7");
	check(&r->ev[1], "dovecot", "dovecot", "2026-01-14T08:41:05Z", "carol@example.com", "198.51.100.4");
	/* a MESSAGE that is not UTF-8 */
	check(&r->ev[2], "dovecot", "dovecot", "2026-01-14T08:41:09Z", "\xffmallory", "203.0.113.10");
	check(&r->ev[3], "cyrus", "cyrus/imap", "2026-01-14T08:41:15Z", "dave", "203.0.113.11");
}

START_TEST(test_json)
{
	struct run r;

	run_file(&r, "journal.json", NULL, "journal_json");
	ck_assert_uint_eq(r.nev, 4);
	ck_assert_uint_eq(r.nbad, 0);
	check_common(&r);
}
END_TEST

START_TEST(test_export)
{
	struct run r;

	run_file(&r, "journal.export", NULL, "journal_export");
	ck_assert_uint_eq(r.nbad, 0);
	ck_assert_uint_eq(r.nev, 6);
	check_common(&r);
	/* a multi-line MESSAGE in binary form */
	check(&r.ev[4], "dovecot", "dovecot", "2026-01-14T08:41:20Z", "erin@example.org", "192.0.2.9");
	/* the last record, without its empty line, at end of file */
	check(&r.ev[5], "dovecot", "dovecot", "2026-01-14T08:41:30Z", "frank@example.org", "198.51.100.12");
}
END_TEST

/* A message parser forced by name reads the journal through its envelope. */
START_TEST(test_forced)
{
	struct run r;

	run_file(&r, "journal.export", "dovecot", "dovecot");
	ck_assert_uint_eq(r.nev, 5);
	ck_assert_str_eq(r.ev[3].user, "erin@example.org");
	run_file(&r, "journal.json", "cyrus", "cyrus");
	ck_assert_uint_eq(r.nev, 1);
	ck_assert_str_eq(r.ev[0].user, "dave");
}
END_TEST

/* `journalctl -o short-iso` is a syslog file with ISO 8601 stamps. */
START_TEST(test_short_iso)
{
	struct run r;

	run_file(&r, "dovecot-short-iso.log", NULL, "syslog");
	ck_assert_uint_eq(r.nev, 2);
	check(&r.ev[0], "dovecot", "dovecot", "2026-01-14T08:41:02Z", "bob@example.com", "192.0.2.7");
	check(&r.ev[1], "dovecot", "dovecot", "2026-01-14T08:41:05Z", "carol@example.com", "198.51.100.4");
}
END_TEST

/* Broken records are unparseable lines, never a crash or a silent event. */
START_TEST(test_hostile)
{
	static const char *const bad[] = {
	    "{\"__REALTIME_TIMESTAMP\":\"x\",\"MESSAGE\":\"imap-login: Login: user=<a>, rip=192.0.2.1\"}",
	    "{\"__REALTIME_TIMESTAMP\":\"1768380062123456\",\"MESSAGE\":[1,2,300]}",
	    "{\"__REALTIME_TIMESTAMP\":\"1768380062123456\",\"MESSAGE\":\"a\"",
	    "[1,2]",
	};
	struct ib_str first = ib_str_from("{\"__REALTIME_TIMESTAMP\":\"1\",\"MESSAGE\":\"m\"}");
	struct run r;

	memset(&r, 0, sizeof(r));
	ib_time_policy_init(&r.tp, NULL, 2026, 0);
	ck_assert_int_eq(ib_runtime_start(&r.rt, NULL, &first, 1, &r.tp, on_result, &r), IB_OK);
	ck_assert_str_eq(r.rt.parser->name, "journal_json");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(ib_runtime_line(&r.rt, ib_str_from(bad[i]), i + 1), IB_OK);
	ck_assert_int_eq(ib_runtime_finish(&r.rt, 4), IB_OK);
	ib_runtime_release(&r.rt);
	ck_assert_uint_eq(r.nbad, 4);
	ck_assert_uint_eq(r.nev, 0);
}
END_TEST

/* A file with a journal's signature is read through sd-journal, or refused by name: never skipped. */
START_TEST(test_file_refused)
{
	static const char head[64] = "LPKSHHRH";
	char *path = ib_test_tmpfile(head, sizeof(head), ".journal");
	struct ib_reader *rd = NULL;
	struct ib_error err;

	ck_assert(path != NULL);
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(ib_reader_open(&rd, path, 0, &err), IB_ERR_FORMAT);
	ck_assert(rd == NULL);
	ck_assert_msg(strstr(err.msg, path) != NULL, "'%s' does not name the file", err.msg);
	if (!ib_journal_file_supported())
		ck_assert(strstr(err.msg, "without libsystemd") != NULL);
	unlink(path);
	free(path);
}
END_TEST

static const char *journal_remote(void)
{
	static const char *const where[] = {"/lib/systemd/systemd-journal-remote",
					    "/usr/lib/systemd/systemd-journal-remote"};

	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++)
		if (access(where[i], X_OK) == 0)
			return where[i];
	return NULL;
}

/* A real journal file, written by systemd-journal-remote from the export sample. */
START_TEST(test_file)
{
	const char *remote = journal_remote();
	char dir[] = "/tmp/ibjournalXXXXXX", path[256], cmd[1024];
	struct ib_reader *rd = NULL;
	struct ib_str line, lines[256];
	char *copy[256];
	size_t n = 0;
	struct run r;

	if (!ib_journal_file_supported() || !remote) {
		printf("skip: %s\n", remote ? "built without libsystemd" : "no systemd-journal-remote");
		return;
	}
	ck_assert(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/t.journal", dir);
	snprintf(cmd, sizeof(cmd), "%s -o %s %s/formats/journal.export >/dev/null 2>&1", remote, path,
		 IB_SAMPLES_DIR);
	if (system(cmd) != 0 || access(path, R_OK) != 0) {
		printf("skip: systemd-journal-remote wrote no journal\n");
		return;
	}
	ck_assert_int_eq(ib_reader_open(&rd, path, 0, NULL), IB_OK);
	while (n < 256 && ib_reader_next(rd, &line, NULL) == IB_OK) {
		copy[n] = malloc(line.len + 1);
		ck_assert(copy[n] != NULL);
		memcpy(copy[n], line.ptr, line.len);
		lines[n] = (struct ib_str){copy[n], line.len};
		n++;
	}
	ib_reader_close(rd);
	memset(&r, 0, sizeof(r));
	ib_time_policy_init(&r.tp, NULL, 2026, 0);
	ck_assert_int_eq(ib_runtime_start(&r.rt, NULL, lines, n < 32 ? n : 32, &r.tp, on_result, &r), IB_OK);
	ck_assert_str_eq(r.rt.parser->name, "journal_export");
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(ib_runtime_line(&r.rt, lines[i], i + 1), IB_OK);
	ck_assert_int_eq(ib_runtime_finish(&r.rt, n), IB_OK);
	ib_runtime_release(&r.rt);
	/* journal-remote drops the last record, which has no empty line */
	ck_assert_uint_eq(r.nbad, 0);
	ck_assert_uint_ge(r.nev, 5);
	check_common(&r);
	check(&r.ev[4], "dovecot", "dovecot", "2026-01-14T08:41:20Z", "erin@example.org", "192.0.2.9");
	for (size_t i = 0; i < n; i++)
		free(copy[i]);
	unlink(path);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("journal");
	TCase *tc = tcase_create("exports");

	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_export);
	tcase_add_test(tc, test_forced);
	tcase_add_test(tc, test_short_iso);
	tcase_add_test(tc, test_hostile);
	tcase_add_test(tc, test_file_refused);
	tcase_add_test(tc, test_file);
	suite_add_tcase(s, tc);
	return ib_test_run(s);
}
