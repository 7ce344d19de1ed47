/*
 * check_ahead.c: the parser runtime's work read ahead (ib_runtime_ahead_new,
 * what the reader's reading thread does at -j 2) gives every line the
 * same results as reading it in place. Each sample file, and the shared
 * corpus's logs where present, is run both ways: in place, and with the
 * records of all its lines read first, by an ahead with its own caches.
 * The ahead also makes the login-looking scan of the lines it finds most
 * likely no event (ib_runtime_ahead_scan): where a line's record holds
 * it, it is what ib_login_looking finds in place.
 */
#include <check.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "imapblast/coverage.h"
#include "imapblast/parser.h"
#include "imapblast/reader.h"
#include "result_hash.h"
#include "testutil.h"

#define PROBE 32

static size_t scanned; /* lines whose record held the scan */

/* A file's lines, copied. */
struct flines {
	struct ib_str *v;
	size_t n;
};

static void flines_read(const char *path, struct flines *fl)
{
	struct ib_reader *r = NULL;
	struct ib_error err;
	struct ib_str line;
	size_t cap = 0;

	memset(fl, 0, sizeof(*fl));
	ck_assert_int_eq(ib_reader_open(&r, path, 0, &err), IB_OK);
	while (ib_reader_next(r, &line, &err) == IB_OK) {
		char *copy = malloc(line.len ? line.len : 1);

		if (fl->n == cap) {
			cap = cap ? cap * 2 : 256;
			fl->v = realloc(fl->v, cap * sizeof(*fl->v));
			ck_assert(fl->v != NULL);
		}
		ck_assert(copy != NULL);
		memcpy(copy, line.ptr, line.len);
		fl->v[fl->n++] = (struct ib_str){copy, line.len};
	}
	ib_reader_close(r);
}

static void flines_free(struct flines *fl)
{
	for (size_t i = 0; i < fl->n; i++)
		free((void *)fl->v[i].ptr);
	free(fl->v);
}

/* Per line: the hash of every result handed out while it was read. */
struct trace {
	uint64_t *h;
	size_t n;
	uint64_t cur;
};

static int on_result(void *arg, int rc, struct ib_event *ev, const char *reason, int held)
{
	struct trace *t = arg;

	t->h[t->cur] = ib_test_result_hash(t->h[t->cur], rc, ev, reason, held);
	return IB_OK;
}

/*
 * Run fl through the runtime (force: --format, or NULL), ahead or in
 * place, into t (n + 1 hashes: the last is the end of file). Returns 1
 * when an ahead was made (the format has work to read ahead).
 */
static int run(const struct flines *fl, const char *force, int ahead, struct trace *t)
{
	struct ib_time_policy tp;
	struct ib_runtime rt;
	struct ib_runtime_ahead *ah = NULL;
	unsigned char *recs = NULL;
	size_t rec_size = 0;
	int made;

	t->n = fl->n + 1;
	t->h = calloc(t->n, sizeof(*t->h));
	t->cur = 0;
	ck_assert(t->h != NULL);
	ib_time_policy_init(&tp, NULL, 0, 1768400000000);
	ck_assert_int_eq(
	    ib_runtime_start(&rt, force, fl->v, fl->n < PROBE ? fl->n : PROBE, &tp, on_result, t), IB_OK);
	if (ahead) {
		ck_assert_int_eq(ib_runtime_ahead_new(&rt, &ah, &rec_size), IB_OK);
		if (ah) {
			/* every line first, as a reading thread a block ahead would */
			recs = malloc((fl->n ? fl->n : 1) * rec_size);
			ck_assert(recs != NULL);
			ib_runtime_ahead_scan(ah, ib_login_looking);
			for (size_t i = 0; i < fl->n; i++)
				ib_runtime_ahead_line(ah, fl->v[i], recs + i * rec_size);
		}
	}
	made = ah != NULL;
	for (size_t i = 0; i < fl->n; i++) {
		t->cur = i;
		ck_assert_int_eq(
		    ib_runtime_line_ahead(&rt, fl->v[i], i + 1, recs ? recs + i * rec_size : NULL), IB_OK);
		/* what the pipeline's miss() reads: the record's scan, else its own */
		if (rt.scan_line == i + 1) {
			ck_assert_msg(rt.scan == ib_login_looking(fl->v[i]), "line %zu: scan %d read ahead",
				      i + 1, rt.scan);
			scanned++;
		}
	}
	t->cur = fl->n;
	ck_assert_int_eq(ib_runtime_finish(&rt, fl->n), IB_OK);
	ib_runtime_release(&rt);
	ib_runtime_ahead_free(ah);
	free(recs);
	return made;
}

/* Both ways over path; returns 1 when it had work to read ahead. */
static int same_ahead(const char *path, const char *force)
{
	struct flines fl;
	struct trace a, b;
	int made;

	flines_read(path, &fl);
	run(&fl, force, 0, &a);
	made = run(&fl, force, 1, &b);
	for (size_t i = 0; i < a.n; i++)
		ck_assert_msg(a.h[i] == b.h[i], "%s%s%s: line %zu differs when read ahead", path,
			      force ? " --format " : "", force ? force : "", i + 1);
	free(a.h);
	free(b.h);
	flines_free(&fl);
	return made;
}

/* Every regular file of dir (not recursing); returns how many had work read ahead. */
static int same_in_dir(const char *dir, const char *force)
{
	struct dirent **names = NULL;
	int n = scandir(dir, &names, NULL, alphasort), made = 0;

	ck_assert_msg(n >= 0, "cannot read %s", dir);
	for (int i = 0; i < n; i++) {
		char path[4096];
		const char *nm = names[i]->d_name;
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, nm);
		if (nm[0] != '.' && strcmp(nm, "README.md") && stat(path, &st) == 0 && S_ISREG(st.st_mode))
			made += same_ahead(path, force);
		free(names[i]);
	}
	free(names);
	return made;
}

START_TEST(samples_same_ahead)
{
	int made = same_in_dir(IB_SAMPLES_DIR "/formats", NULL);

	made += same_in_dir(IB_SAMPLES_DIR "/formats/multilayer", NULL);
	made += same_in_dir(IB_SAMPLES_DIR "/incident", NULL);
	/* a message parser forced by name reads syslog through the envelope, alone */
	made += same_ahead(IB_SAMPLES_DIR "/formats/dovecot.log", "dovecot");
	made += same_ahead(IB_SAMPLES_DIR "/formats/multilayer/dovecot-syslog.log", "pam");
	made += same_ahead(IB_SAMPLES_DIR "/formats/cyrus.log", "dovecot");
	ck_assert_int_ge(made, 10);
	ck_assert_uint_gt(scanned, 100);
}
END_TEST

/* The shared corpus's logs written by others (skipped where absent). */
START_TEST(corpus_same_ahead)
{
	const char *dir = ib_test_corpus_dir();
	char sub[4096];
	int made = 0;

	if (!dir) {
		printf("skip corpus_same_ahead: no shared corpus\n");
		return;
	}
	snprintf(sub, sizeof(sub), "%s/fail2ban", dir);
	made += same_in_dir(sub, NULL);
	snprintf(sub, sizeof(sub), "%s/peers/crowdsec", dir);
	made += same_in_dir(sub, NULL);
	snprintf(sub, sizeof(sub), "%s/peers/sshguard", dir);
	made += same_in_dir(sub, NULL);
	ck_assert_int_ge(made, 5);
}
END_TEST

static Suite *ahead_suite(void)
{
	Suite *s = suite_create("ahead");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, samples_same_ahead);
	tcase_add_test(tc, corpus_same_ahead);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return ib_test_run(ahead_suite());
}
