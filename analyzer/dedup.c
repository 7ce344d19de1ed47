/*
 * dedup.c: repeated input files (pipeline.h, ib_dedup_files). Two inputs
 * with the same content after gunzip (a rotated file and its copy under
 * backup/, a .gz and its plain twin) are read once. Cheap first: the
 * content's length (a plain file's size, a gzip file's ISIZE trailer) is
 * compared for every input, and only inputs whose length another input
 * shares are read in full and hashed (SHA-256 of the lines as the reader
 * yields them). Of a group with equal hashes the smallest path is read,
 * so the choice depends on neither the order of input nor -j.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "imapblast/pipeline.h"
#include "report_int.h" /* ib_sha256 */

struct fp {
	size_t i;	   /* index into in->paths */
	const char *path;  /* in->paths[i] */
	uint64_t len;	   /* content length mod 2^32, UINT64_MAX: unknown */
	unsigned char h[32];
	int hashed; /* 1: h holds the content's hash */
};

/* The content length mod 2^32 of a plain or gzip file, or UINT64_MAX. */
static uint64_t content_len(const char *path)
{
	unsigned char b[4];
	struct stat st;
	uint64_t v = UINT64_MAX;
	FILE *f;

	if (!strcmp(path, "-") || stat(path, &st) || !S_ISREG(st.st_mode) || st.st_size == 0)
		return UINT64_MAX; /* stdin, a fifo, or nothing to count twice */
	f = fopen(path, "rb");
	if (!f)
		return UINT64_MAX;
	if (fread(b, 1, 2, f) == 2 && b[0] == 0x1f && b[1] == 0x8b) {
		if (st.st_size >= 18 && fseek(f, -4, SEEK_END) == 0 && fread(b, 1, 4, f) == 4)
			v = (uint64_t)b[0] | (uint64_t)b[1] << 8 | (uint64_t)b[2] << 16 | (uint64_t)b[3] << 24;
	} else {
		v = (uint64_t)st.st_size & 0xffffffffu;
	}
	fclose(f);
	return v;
}

/* SHA-256 of the lines of path, each with a '\n', and the count of over-long ones. */
static int content_hash(const char *path, size_t max_line, unsigned char out[32])
{
	struct ib_reader *r = NULL;
	struct ib_reader_stats st;
	struct ib_sha256 c;
	struct ib_str line;
	struct ib_error err;
	int rc;

	if (ib_reader_open(&r, path, max_line, &err) < 0)
		return -1;
	ib_sha256_init(&c);
	while ((rc = ib_reader_next(r, &line, &err)) == IB_OK) {
		ib_sha256_update(&c, line.ptr, line.len);
		ib_sha256_update(&c, "\n", 1);
	}
	ib_reader_stats(r, &st);
	ib_reader_close(r);
	if (rc < 0)
		return -1; /* a damaged input is read as it is, and its error reported */
	ib_sha256_update(&c, &st.overlong, sizeof(st.overlong));
	ib_sha256_final(&c, out);
	return 0;
}

static int by_len(const void *x, const void *y)
{
	const struct fp *a = x, *b = y;

	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return (a->i > b->i) - (a->i < b->i);
}

static int by_hash_path(const void *x, const void *y)
{
	const struct fp *a = x, *b = y;
	int c;

	if (a->hashed != b->hashed)
		return a->hashed ? -1 : 1;
	if (a->hashed && (c = memcmp(a->h, b->h, 32)) != 0)
		return c;
	if ((c = strcmp(a->path, b->path)) != 0)
		return c;
	return (a->i > b->i) - (a->i < b->i);
}

int ib_dedup_files(const struct ib_inputs *in, size_t max_line, long *dup_of, struct ib_error *err)
{
	struct fp *f;
	size_t n = in->n, i, j, nh = 0;

	for (i = 0; i < n; i++)
		dup_of[i] = -1;
	if (n < 2)
		return IB_OK;
	f = calloc(n, sizeof(*f));
	if (!f)
		return ib_error_set(err, IB_ERR_NOMEM, 0, NULL, 0, "out of memory");
	for (i = 0; i < n; i++) {
		f[i].i = i;
		f[i].path = in->paths[i];
		f[i].len = content_len(in->paths[i]);
	}
	qsort(f, n, sizeof(*f), by_len);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && f[j].len == f[i].len; j++)
			;
		if (j - i < 2 || f[i].len == UINT64_MAX)
			continue;
		for (size_t k = i; k < j; k++)
			if (content_hash(in->paths[f[k].i], max_line, f[k].h) == 0) {
				f[k].hashed = 1;
				nh++;
			}
	}
	if (nh >= 2) {
		qsort(f, n, sizeof(*f), by_hash_path);
		for (i = 0; i < n && f[i].hashed; i = j)
			for (j = i + 1; j < n && f[j].hashed && !memcmp(f[j].h, f[i].h, 32); j++)
				dup_of[f[j].i] = (long)f[i].i;
	}
	free(f);
	return IB_OK;
}
