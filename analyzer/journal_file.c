/*
 * journal_file.c: journal files through libsystemd's sd-journal, as the
 * export text journal.c's journal_export parser reads (journal_file.h).
 * One entry is rendered at a time into a buffer the reads drain; a value
 * holding a newline or a control byte takes the binary form (name, a
 * newline, a 64-bit little-endian length, the bytes), as journalctl does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "imapblast/journal_file.h"

int ib_journal_file_magic(const void *head, size_t n)
{
	return n >= 8 && !memcmp(head, "LPKSHHRH", 8);
}

#ifdef IB_HAVE_SYSTEMD
#include <systemd/sd-journal.h>

static const char *const fields[] = {"_HOSTNAME", "SYSLOG_IDENTIFIER", "_COMM", "SYSLOG_PID", "_PID",
				     "MESSAGE"};

struct ib_journal_file {
	sd_journal *j;
	char *buf;
	size_t len, pos, cap;
	int done;
};

int ib_journal_file_supported(void)
{
	return 1;
}

int ib_journal_file_open(struct ib_journal_file **out, const char *path, struct ib_error *err)
{
	struct ib_journal_file *jf = calloc(1, sizeof(*jf));
	const char *paths[2] = {path, NULL};
	int r;

	*out = NULL;
	if (!jf)
		return ib_error_set(err, IB_ERR_NOMEM, ENOMEM, path, 0, "out of memory opening '%s'", path);
	r = sd_journal_open_files(&jf->j, paths, 0);
	if (r < 0) {
		free(jf);
		return ib_error_set(err, IB_ERR_FORMAT, -r, path, 0, "cannot read journal file '%s': %s",
				    path, strerror(-r));
	}
	*out = jf;
	return IB_OK;
}

static int put(struct ib_journal_file *jf, const void *p, size_t n)
{
	if (jf->len + n > jf->cap) {
		size_t cap = jf->cap ? jf->cap : 4096;
		char *nb;

		while (cap < jf->len + n)
			cap *= 2;
		nb = realloc(jf->buf, cap);
		if (!nb)
			return -1;
		jf->buf = nb;
		jf->cap = cap;
	}
	memcpy(jf->buf + jf->len, p, n);
	jf->len += n;
	return 0;
}

static int binary(const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return 1;
	return 0;
}

/* "NAME=value\n" or the binary form; data is sd-journal's "NAME=value". */
static int field(struct ib_journal_file *jf, const char *data, size_t len)
{
	const char *eq = memchr(data, '=', len);
	size_t k, n;
	unsigned char le[8];

	if (!eq)
		return 0;
	k = (size_t)(eq - data);
	n = len - k - 1;
	if (!binary(eq + 1, n))
		return put(jf, data, len) || put(jf, "\n", 1);
	for (int i = 0; i < 8; i++)
		le[i] = (unsigned char)((uint64_t)n >> (8 * i));
	return put(jf, data, k) || put(jf, "\n", 1) || put(jf, le, 8) || put(jf, eq + 1, n) ||
	       put(jf, "\n", 1);
}

/* Render the next entry; 1 when one was rendered, 0 at the end, -1 (errno). */
static int next_entry(struct ib_journal_file *jf)
{
	uint64_t us;
	char ts[48];
	int r, n;

	jf->len = jf->pos = 0;
	r = sd_journal_next(jf->j);
	if (r <= 0) {
		errno = -r;
		return r;
	}
	if (sd_journal_get_realtime_usec(jf->j, &us) < 0)
		return 1; /* an entry without a time: nothing to render */
	n = snprintf(ts, sizeof(ts), "__REALTIME_TIMESTAMP=%llu\n", (unsigned long long)us);
	if (put(jf, ts, (size_t)n) < 0)
		goto nomem;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const void *d;
		size_t len;

		if (sd_journal_get_data(jf->j, fields[i], &d, &len) < 0)
			continue;
		if (field(jf, d, len) < 0)
			goto nomem;
	}
	if (put(jf, "\n", 1) < 0)
		goto nomem;
	return 1;
nomem:
	errno = ENOMEM;
	return -1;
}

ssize_t ib_journal_file_read(struct ib_journal_file *jf, void *dst, size_t n)
{
	while (jf->pos == jf->len && !jf->done) {
		int r = next_entry(jf);

		if (r < 0)
			return -1;
		if (r == 0)
			jf->done = 1;
	}
	if (jf->pos == jf->len)
		return 0;
	if (n > jf->len - jf->pos)
		n = jf->len - jf->pos;
	memcpy(dst, jf->buf + jf->pos, n);
	jf->pos += n;
	return (ssize_t)n;
}

void ib_journal_file_close(struct ib_journal_file *jf)
{
	if (!jf)
		return;
	sd_journal_close(jf->j);
	free(jf->buf);
	free(jf);
}

#else /* !IB_HAVE_SYSTEMD */

struct ib_journal_file {
	int unused;
};

int ib_journal_file_supported(void)
{
	return 0;
}

int ib_journal_file_open(struct ib_journal_file **out, const char *path, struct ib_error *err)
{
	*out = NULL;
	return ib_error_set(
	    err, IB_ERR_FORMAT, 0, path, 0,
	    "cannot read '%s': a systemd journal file, and imapblast was built without libsystemd "
	    "(use journalctl --file FILE -o export | imapblast -)",
	    path);
}

ssize_t ib_journal_file_read(struct ib_journal_file *jf, void *dst, size_t n)
{
	(void)jf;
	(void)dst;
	(void)n;
	errno = ENOSYS;
	return -1;
}

void ib_journal_file_close(struct ib_journal_file *jf)
{
	(void)jf;
}

#endif
