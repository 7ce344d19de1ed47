/*
 * atomic.h: write a file so that it appears whole or not at all. The
 * bytes go to a new temporary file beside the target, created with
 * O_CREAT | O_EXCL | O_NOFOLLOW (so no symbolic link, planted or not, is
 * ever written through), and a rename puts it over the target. A symbolic
 * link at the target is replaced, never followed. Whether the target may
 * be replaced at all is the caller's decision (see report_io.c).
 *
 *   struct ib_atomic w;
 *   if (ib_atomic_open(&w, AT_FDCWD, path, path, 0666, IB_ATOMIC_SYNC, err) < 0)
 *           return err->code;
 *   ... write to w.fp; on a failure: ib_atomic_abort(&w) ...
 *   return ib_atomic_commit(&w, err);
 */
#ifndef IMAPBLAST_ATOMIC_H
#define IMAPBLAST_ATOMIC_H

#include <stdio.h>
#include "common.h"

/* fsync the file before the rename, and its folder after: for files a later run depends on. */
#define IB_ATOMIC_SYNC 1u

struct ib_atomic {
	FILE *fp; /* the stream to write to, from open to commit or abort */
	/* private */
	int dfd, own_dfd;  /* the target's folder; own_dfd: opened here */
	const char *name;  /* the target's name in that folder (points into the caller's path) */
	const char *label; /* the target as the user knows it, for messages */
	unsigned flags;
	char tmp[256]; /* the temporary file's name in that folder */
};

/*
 * Start writing path, relative to the folder dfd (a directory's file
 * descriptor, or AT_FDCWD). label names the target in messages (NULL:
 * path). path and label must stay valid until commit or abort. mode is
 * the new file's mode before the umask; flags: 0 or IB_ATOMIC_SYNC.
 * Returns IB_OK with w->fp open, or IB_ERR_IO / IB_ERR_NOMEM with err set
 * and nothing left behind.
 */
int ib_atomic_open(struct ib_atomic *w, int dfd, const char *path, const char *label, unsigned mode,
		   unsigned flags, struct ib_error *err);

/*
 * Finish: flush, sync (IB_ATOMIC_SYNC), close, and rename the temporary
 * file over the target. Returns IB_OK, or IB_ERR_IO with err set (its
 * errnum the cause) and the temporary file removed, the target untouched.
 * Either way w is finished.
 */
int ib_atomic_commit(struct ib_atomic *w, struct ib_error *err);

/* Give up: close and remove the temporary file; the target is untouched. Accepts a finished w. */
void ib_atomic_abort(struct ib_atomic *w);

#endif
