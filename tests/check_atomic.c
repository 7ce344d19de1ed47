/*
 * check_atomic.c: whole-or-nothing writes (atomic.h): a commit replaces
 * the target (a symbolic link too, never written through), an abort or a
 * failure leaves it as it was, and no temporary file is left behind.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "imapblast/atomic.h"
#include "testutil.h"

static char dir[256];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "%s/ibatomicXXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert(mkdtemp(dir) != NULL);
}

static void teardown(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* Number of entries in dir, "." and ".." aside. */
static int entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	ck_assert(d != NULL);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static void put(const char *name, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	ck_assert(f != NULL);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void has(const char *name, const char *text)
{
	char p[512], *got;
	size_t len;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	got = ib_test_slurp(p, &len);
	ck_assert(got != NULL);
	ck_assert_str_eq(got, text);
	free(got);
}

static int write_file(const char *name, unsigned flags, const char *text, int commit, struct ib_error *err)
{
	struct ib_atomic w;
	char p[512];
	int rc;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	rc = ib_atomic_open(&w, AT_FDCWD, p, NULL, 0644, flags, err);
	if (rc < 0)
		return rc;
	fputs(text, w.fp);
	if (!commit) {
		ib_atomic_abort(&w);
		return IB_OK;
	}
	return ib_atomic_commit(&w, err);
}

START_TEST(test_commit_and_abort)
{
	struct ib_error err;

	ck_assert_int_eq(write_file("a", _i ? IB_ATOMIC_SYNC : 0, "one\n", 1, &err), IB_OK);
	has("a", "one\n");
	ck_assert_int_eq(write_file("a", _i ? IB_ATOMIC_SYNC : 0, "two\n", 0, &err), IB_OK);
	has("a", "one\n");
	ck_assert_int_eq(write_file("a", _i ? IB_ATOMIC_SYNC : 0, "three\n", 1, &err), IB_OK);
	has("a", "three\n");
	ck_assert_int_eq(entries(), 1);
}
END_TEST

START_TEST(test_symlink_replaced_not_followed)
{
	struct ib_error err;
	char link[512];
	struct stat st;

	put("victim", "precious\n");
	snprintf(link, sizeof(link), "%s/target", dir);
	ck_assert_int_eq(symlink("victim", link), 0);
	ck_assert_int_eq(write_file("target", IB_ATOMIC_SYNC, "new\n", 1, &err), IB_OK);
	has("victim", "precious\n");
	has("target", "new\n");
	ck_assert_int_eq(lstat(link, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(entries(), 2);
}
END_TEST

/* Every temporary name this process would try is a planted link: refused, nothing written through. */
START_TEST(test_planted_temporaries)
{
	struct ib_error err;
	char p[512];

	put("victim", "precious\n");
	for (int i = 0; i < 100; i++) {
		snprintf(p, sizeof(p), "%s/.t.%ld.%d.tmp", dir, (long)getpid(), i);
		ck_assert_int_eq(symlink("victim", p), 0);
	}
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(write_file("t", 0, "new\n", 1, &err), IB_ERR_IO);
	ck_assert_int_eq(err.errnum, EEXIST);
	ck_assert(strstr(err.msg, "/t'") != NULL);
	has("victim", "precious\n");
	/* one free name is enough */
	snprintf(p, sizeof(p), "%s/.t.%ld.%d.tmp", dir, (long)getpid(), 57);
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_eq(write_file("t", 0, "new\n", 1, &err), IB_OK);
	has("t", "new\n");
	has("victim", "precious\n");
}
END_TEST

START_TEST(test_failures)
{
	struct ib_atomic w;
	struct ib_error err;
	char p[512];

	/* a missing folder */
	snprintf(p, sizeof(p), "%s/no/such/file", dir);
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(ib_atomic_open(&w, AT_FDCWD, p, "shown", 0644, 0, &err), IB_ERR_IO);
	ck_assert_int_eq(err.errnum, ENOENT);
	ck_assert_str_eq(err.path, "shown");
	ck_assert(w.fp == NULL);
	/* a folder as the name */
	snprintf(p, sizeof(p), "%s/", dir);
	ck_assert_int_eq(ib_atomic_open(&w, AT_FDCWD, p, NULL, 0644, 0, &err), IB_ERR_IO);
	/* a directory at the target: the rename fails, nothing is left behind */
	snprintf(p, sizeof(p), "%s/d", dir);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	ck_assert_int_eq(write_file("d", 0, "x", 1, &err), IB_ERR_IO);
	ck_assert_int_eq(entries(), 1);
	rmdir(p);
	/* relative to a folder's descriptor, the way report_io.c writes */
	{
		int dfd = open(dir, O_RDONLY | O_DIRECTORY);

		ck_assert_int_ge(dfd, 0);
		ck_assert_int_eq(ib_atomic_open(&w, dfd, "r.txt", "dir/r.txt", 0644, IB_ATOMIC_SYNC, &err),
				 IB_OK);
		fputs("r\n", w.fp);
		ck_assert_int_eq(ib_atomic_commit(&w, &err), IB_OK);
		ck_assert_int_ne(fcntl(dfd, F_GETFD), -1); /* still open: not ours to close */
		close(dfd);
		has("r.txt", "r\n");
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("atomic");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_commit_and_abort, 0, 2);
	tcase_add_test(tc, test_symlink_replaced_not_followed);
	tcase_add_test(tc, test_planted_temporaries);
	tcase_add_test(tc, test_failures);
	suite_add_tcase(s, tc);
	return ib_test_run(s);
}
