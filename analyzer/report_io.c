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
#include "imapblast/atomic.h"
#include "imapblast/report.h"
#include "report_int.h"

/* 1 when the head of an existing file is what w writes first. */
static int ours(const struct ib_writer *w, const char *head, size_t n)
{
	size_t m = strlen(w->marker);

	return n >= m && !memcmp(head, w->marker, m) &&
	       (!w->marker_also || memmem(head, n, w->marker_also, strlen(w->marker_also)) != NULL);
}

/* A row without a required member fails the run rather than writing nothing, or garbage. */
static int complete(const struct ib_writer *w, struct ib_error *err)
{
	if (w->name && w->file && w->bit && w->marker && w->write)
		return IB_OK;
	return ib_error_set(err, IB_ERR_INTERNAL, 0, NULL, 0, "report writer '%s' lacks a required member",
			    w->file   ? w->file
			    : w->name ? w->name
				      : "?");
}

/* May we replace dir/name? IB_OK when absent or ours (or --force). */
static int check_target(int dfd, const char *dir, const struct ib_writer *w, int force, struct ib_error *err)
{
	char head[IB_WRITER_HEAD];
	struct stat st;
	ssize_t n;
	int fd;

	if (fstatat(dfd, w->file, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return IB_OK;
		return ib_error_set(err, IB_ERR_IO, errno, dir, 0, "cannot stat '%s/%s': %s", dir, w->file,
				    strerror(errno));
	}
	if (S_ISDIR(st.st_mode))
		return ib_error_set(err, IB_ERR_USAGE, 0, dir, 0,
				    "refusing to overwrite '%s/%s' (a directory)", dir, w->file);
	if (force)
		return IB_OK; /* a symlink is replaced by rename, never followed */
	if (!S_ISREG(st.st_mode))
		goto refuse;
	fd = openat(dfd, w->file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return ib_error_set(err, IB_ERR_IO, errno, dir, 0, "cannot open '%s/%s': %s", dir, w->file,
				    strerror(errno));
	n = read(fd, head, sizeof(head));
	close(fd);
	if (n > 0 && ours(w, head, (size_t)n))
		return IB_OK;
refuse:
	return ib_error_set(err, IB_ERR_USAGE, 0, dir, 0,
			    "refusing to overwrite '%s/%s' (not written by imapblast; use --force)", dir,
			    w->file);
}

static int write_one(int dfd, const char *dir, const struct ib_writer *w, const struct ib_result *r,
		     const struct ib_config *cfg, struct ib_error *err)
{
	struct ib_atomic a;
	char label[4096];
	FILE *fp;
	int rc, saved;

	snprintf(label, sizeof(label), "%s/%s", dir, w->file);
	rc = ib_atomic_open(&a, dfd, w->file, label, 0644, 0, err);
	if (rc < 0)
		return rc;
	fp = a.fp;
	/* one writer per stream: no lock per call (a report makes millions of small ones) */
	__fsetlocking(fp, FSETLOCKING_BYCALLER);
	rc = w->write(fp, r, cfg);
	saved = errno;
	if (rc < 0) {
		ib_atomic_abort(&a);
		if (rc == IB_ERR_NOMEM)
			return ib_error_set(err, rc, 0, dir, 0, "out of memory writing '%s/%s'", dir,
					    w->file);
		return ib_error_set(err, rc, saved, dir, 0, "cannot write '%s/%s': %s", dir, w->file,
				    saved ? strerror(saved) : "write error");
	}
	return ib_atomic_commit(&a, err);
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
	int dfd, rc, started;
	pthread_t tid;
	const char *dir;
	const struct ib_writer *w;
	const struct ib_result *r;
	const struct ib_config *cfg;
	struct ib_error err;
};

static void *write_job(void *arg)
{
	struct wjob *j = arg;

	j->rc = write_one(j->dfd, j->dir, j->w, j->r, j->cfg, &j->err);
	return NULL;
}

int ib_report_write(const struct ib_result *r, const struct ib_config *cfg, struct ib_error *err)
{
	struct wjob *jobs = NULL;
	const char *dir = cfg && cfg->out_dir ? cfg->out_dir : "imapblast-report";
	unsigned outputs = cfg ? cfg->outputs : IB_OUT_ALL;
	int force = cfg ? cfg->force : 0;
	struct stat st;
	size_t n, i;
	int dfd, rc = IB_OK;

	if (!r)
		return ib_error_set(err, IB_ERR_INTERNAL, 0, NULL, 0, "no result to write");
	for (n = 0; ib_writers[n]; n++)
		if ((rc = complete(ib_writers[n], err)) < 0)
			return rc;
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
	for (i = 0; i < n && rc >= 0; i++)
		if (ib_writers[i]->bit & outputs)
			rc = check_target(dfd, dir, ib_writers[i], force, err);
	/*
	 * With threads to use (-j 2 and up), an own_thread file (the largest)
	 * is written beside the others. Without memory for the jobs, every
	 * file is written in turn. Errors are reported in file order either way.
	 */
	if (rc >= 0 && cfg && cfg->jobs > 1)
		jobs = calloc(n, sizeof(*jobs));
	for (i = 0; jobs && i < n; i++) {
		if (!(ib_writers[i]->bit & outputs) || !ib_writers[i]->own_thread)
			continue;
		jobs[i].dfd = dfd;
		jobs[i].dir = dir;
		jobs[i].w = ib_writers[i];
		jobs[i].r = r;
		jobs[i].cfg = cfg;
		jobs[i].started = pthread_create(&jobs[i].tid, NULL, write_job, &jobs[i]) == 0;
	}
	for (i = 0; i < n; i++) {
		if (!(ib_writers[i]->bit & outputs))
			continue;
		if (jobs && jobs[i].started) {
			pthread_join(jobs[i].tid, NULL);
			if (rc >= 0 && (rc = jobs[i].rc) < 0 && err)
				*err = jobs[i].err;
		} else if (rc >= 0) {
			rc = write_one(dfd, dir, ib_writers[i], r, cfg, err);
		}
	}
	free(jobs);
	close(dfd);
	return rc;
}
