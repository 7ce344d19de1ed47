/*
 * report_io.c: ib_report_write, which puts the report files in place
 * safely: no symlink is followed, a file imapblast did not write is never
 * overwritten without --force, and every file appears by an atomic rename.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "imapblast/report.h"
#include "report_int.h"

/* ---- putting files in place ---- */

enum { F_AFF, F_EXC, F_MD, F_JSON, F_SVG, F_COUNT };

static const char *const fname[F_COUNT] = {"affected-users.csv", "excluded.csv", "summary.md", "summary.json",
					   "timeline.svg"};

static int selected(unsigned outputs, int f)
{
	switch (f) {
	case F_AFF:
	case F_EXC:
		return (outputs & IB_OUT_CSV) != 0;
	case F_MD:
		return (outputs & IB_OUT_MD) != 0;
	case F_JSON:
		return (outputs & IB_OUT_JSON) != 0;
	default:
		return (outputs & IB_OUT_SVG) != 0;
	}
}

/* 1 when the head of an existing file is what we write first. */
static int ours(int f, const char *head, size_t n)
{
	const char *m = NULL;

	switch (f) {
	case F_AFF:
		m = IB_CSV_AFFECTED_HEADER;
		break;
	case F_EXC:
		m = IB_CSV_EXCLUDED_HEADER;
		break;
	case F_MD:
		m = IB_MD_MARKER;
		break;
	case F_SVG:
		m = IB_SVG_MARKER;
		break;
	default:
		return n >= strlen(IB_JSON_MARKER) && !memcmp(head, IB_JSON_MARKER, strlen(IB_JSON_MARKER)) &&
		       memmem(head, n, IB_JSON_TOOL, strlen(IB_JSON_TOOL)) != NULL;
	}
	return n >= strlen(m) && !memcmp(head, m, strlen(m));
}

/* May we replace dir/name? IB_OK when absent or ours (or --force). */
static int check_target(int dfd, const char *dir, int f, int force, struct ib_error *err)
{
	char head[256];
	struct stat st;
	ssize_t n;
	int fd;

	if (fstatat(dfd, fname[f], &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return IB_OK;
		return ib_error_set(err, IB_ERR_IO, errno, dir, 0, "cannot stat '%s/%s': %s", dir, fname[f],
				    strerror(errno));
	}
	if (S_ISDIR(st.st_mode))
		return ib_error_set(err, IB_ERR_USAGE, 0, dir, 0,
				    "refusing to overwrite '%s/%s' (a directory)", dir, fname[f]);
	if (force)
		return IB_OK; /* a symlink is replaced by rename, never followed */
	if (!S_ISREG(st.st_mode))
		goto refuse;
	fd = openat(dfd, fname[f], O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return ib_error_set(err, IB_ERR_IO, errno, dir, 0, "cannot open '%s/%s': %s", dir, fname[f],
				    strerror(errno));
	n = read(fd, head, sizeof(head));
	close(fd);
	if (n > 0 && ours(f, head, (size_t)n))
		return IB_OK;
refuse:
	return ib_error_set(err, IB_ERR_USAGE, 0, dir, 0,
			    "refusing to overwrite '%s/%s' (not written by imapblast; use --force)", dir,
			    fname[f]);
}

static int write_one(int dfd, const char *dir, int f, const struct ib_result *r, const struct ib_config *cfg,
		     struct ib_error *err)
{
	char tmp[64];
	FILE *fp = NULL;
	int fd, rc, saved;

	snprintf(tmp, sizeof(tmp), ".%s.%ld.tmp", fname[f], (long)getpid());
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST && unlinkat(dfd, tmp, 0) == 0)
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return ib_error_set(err, IB_ERR_IO, errno, dir, 0, "cannot create '%s/%s': %s", dir, tmp,
				    strerror(errno));
	fp = fdopen(fd, "wb");
	if (!fp) {
		saved = errno;
		close(fd);
		unlinkat(dfd, tmp, 0);
		return ib_error_set(err, IB_ERR_NOMEM, saved, dir, 0, "cannot open a stream on '%s/%s'", dir,
				    tmp);
	}
	/* one writer per stream: no lock per call (a report makes millions of small ones) */
	__fsetlocking(fp, FSETLOCKING_BYCALLER);
	switch (f) {
	case F_AFF:
		rc = ib_write_affected_csv(fp, r);
		break;
	case F_EXC:
		rc = ib_write_excluded_csv(fp, r);
		break;
	case F_MD:
		rc = ib_write_summary_md(fp, r, cfg);
		break;
	case F_JSON:
		rc = ib_write_summary_json(fp, r, cfg);
		break;
	default:
		rc = ib_write_timeline_svg(fp, r, cfg);
		break;
	}
	saved = errno;
	if (fflush(fp) != 0 && rc >= 0) {
		saved = errno;
		rc = IB_ERR_IO;
	}
	if (fclose(fp) != 0 && rc >= 0) {
		saved = errno;
		rc = IB_ERR_IO;
	}
	if (rc >= 0 && renameat(dfd, tmp, dfd, fname[f]) < 0) {
		saved = errno;
		rc = IB_ERR_IO;
	}
	if (rc < 0) {
		unlinkat(dfd, tmp, 0);
		if (rc == IB_ERR_NOMEM)
			return ib_error_set(err, rc, 0, dir, 0, "out of memory writing '%s/%s'", dir,
					    fname[f]);
		return ib_error_set(err, rc, saved, dir, 0, "cannot write '%s/%s': %s", dir, fname[f],
				    saved ? strerror(saved) : "write error");
	}
	return IB_OK;
}

/* mkdir -p, mode 0755; existing components are fine. */
static int make_dirs(const char *dir, struct ib_error *err)
{
	char path[4096];
	size_t n = strlen(dir), i;

	if (n == 0 || n >= sizeof(path))
		return ib_error_set(err, IB_ERR_USAGE, 0, dir, 0, "bad output directory '%s'", dir);
	memcpy(path, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != 0)
			continue;
		path[i] = 0;
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return ib_error_set(err, IB_ERR_IO, errno, dir, 0, "cannot create directory '%s': %s",
					    path, strerror(errno));
		path[i] = i < n ? '/' : 0;
	}
	return IB_OK;
}

/* One report file written on a thread of its own. */
struct wjob {
	int dfd, f, rc;
	const char *dir;
	const struct ib_result *r;
	const struct ib_config *cfg;
	struct ib_error err;
};

static void *write_job(void *arg)
{
	struct wjob *j = arg;

	j->rc = write_one(j->dfd, j->dir, j->f, j->r, j->cfg, &j->err);
	return NULL;
}

int ib_report_write(const struct ib_result *r, const struct ib_config *cfg, struct ib_error *err)
{
	struct wjob job;
	pthread_t tid;
	int threaded = 0;
	const char *dir = cfg && cfg->out_dir ? cfg->out_dir : "imapblast-report";
	unsigned outputs = cfg ? cfg->outputs : IB_OUT_ALL;
	int force = cfg ? cfg->force : 0;
	struct stat st;
	int dfd, f, rc = IB_OK;

	if (!r)
		return ib_error_set(err, IB_ERR_INTERNAL, 0, NULL, 0, "no result to write");
	if (lstat(dir, &st) == 0 && S_ISLNK(st.st_mode))
		return ib_error_set(err, IB_ERR_USAGE, 0, dir, 0,
				    "refusing to write into '%s': it is a symbolic link", dir);
	rc = make_dirs(dir, err);
	if (rc < 0)
		return rc;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		int e = errno;
		if (e == ELOOP)
			return ib_error_set(err, IB_ERR_USAGE, 0, dir, 0,
					    "refusing to write into '%s': it is a symbolic link", dir);
		return ib_error_set(err, e == ENOTDIR ? IB_ERR_USAGE : IB_ERR_IO, e, dir, 0,
				    "cannot open directory '%s': %s", dir, strerror(e));
	}
	/* check every target before writing any, so a refusal leaves nothing half-done */
	for (f = 0; f < F_COUNT && rc >= 0; f++)
		if (selected(outputs, f))
			rc = check_target(dfd, dir, f, force, err);
	/*
	 * With threads to use (-j 2 and up), summary.json, the largest, is
	 * written beside the others. Errors are reported in file order
	 * either way.
	 */
	if (rc >= 0 && cfg && cfg->jobs > 1 && selected(outputs, F_JSON)) {
		memset(&job, 0, sizeof(job));
		job.dfd = dfd;
		job.f = F_JSON;
		job.dir = dir;
		job.r = r;
		job.cfg = cfg;
		threaded = pthread_create(&tid, NULL, write_job, &job) == 0;
	}
	for (f = 0; f < F_COUNT && rc >= 0; f++) {
		if (!selected(outputs, f) || (threaded && f == F_JSON))
			continue;
		if (threaded && f > F_JSON) {
			pthread_join(tid, NULL);
			threaded = 0;
			if ((rc = job.rc) < 0) {
				if (err)
					*err = job.err;
				break;
			}
		}
		rc = write_one(dfd, dir, f, r, cfg, err);
	}
	if (threaded) {
		pthread_join(tid, NULL);
		if (rc >= 0 && job.rc < 0) {
			rc = job.rc;
			if (err)
				*err = job.err;
		}
	}
	close(dfd);
	return rc;
}
