/*
 * atomic.c: whole-or-nothing file writes (atomic.h). The temporary file
 * lives in the target's folder, so the rename never crosses a file
 * system; it is created exclusively and never through a symbolic link,
 * and its name (".NAME.PID.N.tmp") never collides with a live writer's.
 * A stale one left by a crash is skipped, never reused or removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "imapblast/atomic.h"

#define TMP_TRIES 100

static void finish(struct ib_atomic *w)
{
	if (w->own_dfd && w->dfd >= 0)
		close(w->dfd);
	w->dfd = -1;
	w->own_dfd = 0;
	w->fp = NULL;
}

/* Make w->dfd the folder of path and w->name its last component. */
static int open_folder(struct ib_atomic *w, int dfd, const char *path, struct ib_error *err)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	size_t n;

	w->name = slash ? slash + 1 : path;
	if (!*w->name || !strcmp(w->name, ".") || !strcmp(w->name, ".."))
		return ib_error_set(err, IB_ERR_IO, EISDIR, w->label, 0, "cannot write '%s': %s", w->label,
				    strerror(EISDIR));
	if (!slash) {
		w->dfd = dfd;
		if (dfd != AT_FDCWD || !(w->flags & IB_ATOMIC_SYNC))
			return IB_OK;
		/* the folder is synced after the rename: it needs a descriptor */
		memcpy(dir, ".", 2);
	} else {
		n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= sizeof(dir))
			return ib_error_set(err, IB_ERR_IO, ENAMETOOLONG, w->label, 0,
					    "cannot write '%s': %s", w->label, strerror(ENAMETOOLONG));
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	w->dfd = openat(dfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->dfd < 0) {
		int e = errno;

		return ib_error_set(err, IB_ERR_IO, e, w->label, 0, "cannot open the folder of '%s': %s",
				    w->label, strerror(e));
	}
	w->own_dfd = 1;
	return IB_OK;
}

int ib_atomic_open(struct ib_atomic *w, int dfd, const char *path, const char *label, unsigned mode,
		   unsigned flags, struct ib_error *err)
{
	int fd = -1, rc, e;

	memset(w, 0, sizeof(*w));
	w->dfd = -1;
	w->label = label ? label : path;
	w->flags = flags;
	rc = open_folder(w, dfd, path, err);
	if (rc < 0) {
		finish(w);
		return rc;
	}
	for (unsigned i = 0; i < TMP_TRIES && fd < 0; i++) {
		snprintf(w->tmp, sizeof(w->tmp), ".%.200s.%ld.%u.tmp", w->name, (long)getpid(), i);
		fd = openat(w->dfd, w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    (mode_t)mode);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		e = errno;
		rc = ib_error_set(err, IB_ERR_IO, e, w->label, 0,
				  "cannot create a temporary file for '%s': %s", w->label, strerror(e));
		finish(w);
		return rc;
	}
	w->fp = fdopen(fd, "wb");
	if (!w->fp) {
		e = errno;
		close(fd);
		unlinkat(w->dfd, w->tmp, 0);
		rc =
		    ib_error_set(err, IB_ERR_NOMEM, e, w->label, 0, "cannot open a stream on '%s'", w->label);
		finish(w);
		return rc;
	}
	return IB_OK;
}

int ib_atomic_commit(struct ib_atomic *w, struct ib_error *err)
{
	int e = 0, rc = IB_OK;

	if (!w->fp)
		return ib_error_set(err, IB_ERR_INTERNAL, 0, w->label, 0, "'%s' is not open", w->label);
	errno = 0;
	if (fflush(w->fp) != 0)
		e = errno ? errno : EIO;
	else if (ferror(w->fp))
		e = EIO; /* an earlier write failed; its errno is gone */
	if (!e && (w->flags & IB_ATOMIC_SYNC) && fsync(fileno(w->fp)) != 0)
		e = errno;
	if (fclose(w->fp) != 0 && !e)
		e = errno;
	w->fp = NULL;
	if (!e && renameat(w->dfd, w->tmp, w->dfd, w->name) != 0)
		e = errno;
	if (e) {
		unlinkat(w->dfd, w->tmp, 0);
		rc = ib_error_set(err, IB_ERR_IO, e, w->label, 0, "cannot write '%s': %s", w->label,
				  strerror(e));
	} else if ((w->flags & IB_ATOMIC_SYNC) && fsync(w->dfd) != 0 && errno != EINVAL && errno != EBADF) {
		/* the new file is in place, but the rename may not survive a crash */
		e = errno;
		rc = ib_error_set(err, IB_ERR_IO, e, w->label, 0, "cannot sync the folder of '%s': %s",
				  w->label, strerror(e));
	}
	finish(w);
	return rc;
}

void ib_atomic_abort(struct ib_atomic *w)
{
	if (w->fp) {
		fclose(w->fp);
		unlinkat(w->dfd, w->tmp, 0);
	}
	finish(w);
}
