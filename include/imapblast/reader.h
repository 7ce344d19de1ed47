/*
 * reader.h: bytes to lines, one input at a time.
 *
 * A reader opens a path or "-" (stdin), detects gzip by its magic bytes,
 * inflates concatenated members as one stream, and yields lines as
 * (pointer, length) without the newline (CRLF stripped). Memory is fixed:
 * one input buffer and one line buffer of max_line bytes. A longer line is
 * counted and skipped. NUL bytes inside a line are kept.
 *
 * Errors (truncated gzip, bad CRC, trailing garbage, read errors) end the
 * file: every line before the error has been returned, then
 * ib_reader_next returns a negative code with the path and the byte
 * offset in err.
 */
#ifndef IMAPBLAST_READER_H
#define IMAPBLAST_READER_H

#include <stdio.h>
#include "common.h"

struct ib_reader;

struct ib_reader_stats {
	uint64_t bytes_in;  /* bytes read from the file (compressed size) */
	uint64_t bytes_out; /* bytes after inflate (== bytes_in for plain text) */
	uint64_t lines;	    /* lines seen, over-long ones included */
	uint64_t overlong;  /* lines skipped for exceeding max_line */
	int gzip;	    /* 1 when the input was gzip */
	uint64_t members;   /* gzip members read */
};

/*
 * Open `path` ("-" = stdin). max_line is the longest line yielded (0 =
 * 64 KiB). Returns IB_OK and *out, or a negative code with err filled
 * ("cannot open 'x': No such file or directory").
 */
int ib_reader_open(struct ib_reader **out, const char *path, size_t max_line, struct ib_error *err);

/*
 * Next line. Returns IB_OK with *line set (valid until the next call),
 * IB_EOF at the end, or a negative code with err filled (path, offset of
 * the fault in the compressed input, reason). After IB_EOF or an error,
 * the reader yields nothing more.
 */
int ib_reader_next(struct ib_reader *r, struct ib_str *line, struct ib_error *err);

/*
 * Read and inflate in a second thread from now on, while the caller
 * splits and handles lines: the same lines, errors and statistics, in
 * less time when inflate and parsing each take a core. Callable at any
 * point before the end (the line last returned stays valid). Returns
 * IB_OK, or a negative code (IB_ERR_USAGE: already on, or nothing left to
 * read) and the reader goes on as it was.
 */
int ib_reader_async(struct ib_reader *r);

/*
 * Work the reading thread does ahead for the caller: from the next block
 * it fills on (ib_reader_async), the reading thread calls fn(arg, line,
 * rec) on every line it sees whole in the block, in file order, with rec
 * pointing to rec_size bytes kept with the block; ib_reader_rec then
 * hands them out with that line. The line is the one ib_reader_next
 * yields (no newline, CR stripped). fn runs on the reading thread: it may
 * touch only arg and rec, and arg must outlive the reader. Lines that
 * span two blocks, over-long ones, those read before the thread started
 * or before this call, and those past a cap per block get no record; the
 * caller does their work itself. Without a reading thread fn is never
 * called. Returns IB_OK, or IB_ERR_USAGE when already set.
 */
typedef void (*ib_reader_line_fn)(void *arg, struct ib_str line, void *rec);
int ib_reader_ahead(struct ib_reader *r, ib_reader_line_fn fn, void *arg, size_t rec_size);
/* What fn wrote for the line last returned (valid as long as it), or NULL. */
const void *ib_reader_rec(const struct ib_reader *r);

/*
 * From now on, do not skip a line longer than max_line: yield it in
 * pieces of max_line bytes (the last piece shorter, CR stripped), for
 * readers of byte streams (a JSON array on one line of many megabytes).
 * ib_reader_partial says whether more of the line follows the piece just
 * returned. The line counts once in `lines`, and never as over-long: the
 * caller decides (the pipeline counts it over-long when its parser reads
 * lines). ib_reader_lineno is the line's number from its first piece.
 */
void ib_reader_pieces(struct ib_reader *r);
/* 1 when the line last returned is a piece and more of its line follows. */
int ib_reader_partial(const struct ib_reader *r);

/* Line number (1-based) of the line last returned. */
uint64_t ib_reader_lineno(const struct ib_reader *r);
/* Statistics so far. */
void ib_reader_stats(const struct ib_reader *r, struct ib_reader_stats *st);
/* File modification time in UTC ms (now, for stdin and pipes). */
int64_t ib_reader_mtime(const struct ib_reader *r);
/* Compressed bytes read so far, for progress. */
uint64_t ib_reader_progress(const struct ib_reader *r);
/* Name of the inflate backend compiled in ("zlib" or "isa-l"). */
const char *ib_reader_backend(void);

/* Close; accepts NULL. */
void ib_reader_close(struct ib_reader *r);

/*
 * A list of input files, expanded from the command line: directories are
 * walked recursively in byte order of names, symlink loops are cut,
 * non-regular files other than FIFOs and character devices are skipped.
 * Problems (missing file, unreadable directory, loop) become error
 * records; the walk goes on.
 */
struct ib_inputs {
	char **paths;
	uint64_t *sizes; /* size in bytes, 0 when unknown */
	size_t n, cap;
	struct ib_error *errors;
	size_t nerrors, errcap;
};

void ib_inputs_init(struct ib_inputs *in);
/* Add a path ("-", file or directory). Returns IB_OK or IB_ERR_NOMEM. */
int ib_inputs_add(struct ib_inputs *in, const char *path);
void ib_inputs_release(struct ib_inputs *in);

#endif
