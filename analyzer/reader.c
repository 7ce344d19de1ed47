/*
 * reader.c: bytes to lines (see reader.h). One input buffer, one decoded
 * buffer of max_line + 1 MiB; complete lines are yielded as slices into
 * the decoded buffer, and only a partial last line is moved before the
 * next refill. gzip is detected by magic, members are read back to back,
 * and the inflate backend is zlib or, when built with IB_HAVE_ISAL, ISA-L.
 * An error is held back until every complete line before it is yielded.
 *
 * With ib_reader_async() a second thread reads and inflates into a ring of
 * blocks while the caller splits lines; each block has headroom for the
 * partial line carried over from the one before, so lines stay slices.
 * With ib_reader_ahead() that thread also finds the block's whole lines
 * and runs the caller's function on each; the splitter then takes a
 * line's end from its span and hands out its record, when a span starts
 * where the line does (else it splits as before). The thread does so for
 * a share of each block that follows who waits: less after the splitter
 * waited for a block, more after the thread waited for a free one, so
 * that the two threads take as long (the lines are the same either way).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#ifdef IB_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif
#include "imapblast/journal_file.h"
#include "imapblast/reader.h"

#define IN_CAP (256 * 1024)
#define OUT_EXTRA (1024 * 1024)
#define NBLOCKS 3
#define RECS_MAX 16384 /* lines with a record per block: 1 MiB of lines of 64 bytes */
#define SHARE_ONE 16   /* the reading thread's share of lines read ahead, in 16ths of a block */

enum src_state { SRC_MORE = 0, SRC_DONE, SRC_ERROR };

/* Where the source stands: kept by the side that reads, copied to the side that splits. */
struct view {
	enum src_state src;
	struct ib_error pending; /* with SRC_ERROR */
	uint64_t bytes_in, bytes_out, members;
	int gzip;
};

enum block_state { B_FREE = 0, B_READY, B_HELD };

/* A whole line of a block: offset in the data, length up to its newline (CR included). */
struct span {
	uint32_t off, len;
};

struct block {
	char *mem; /* headroom (max_line + 1) then OUT_EXTRA bytes of data */
	size_t len;
	struct span *span;  /* ib_reader_ahead: the lines with a record, in order */
	unsigned char *rec; /* their records, rec_size bytes each */
	size_t nrec;
	struct view v; /* the source after this block */
	enum block_state state;
};

struct async {
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t ready, freed;
	struct block blk[NBLOCKS];
	size_t head;   /* headroom of each block */
	unsigned next; /* block the splitter takes next */
	int held;      /* block the splitter holds, or -1 */
	int stop;      /* close asked the reading thread to stop */
	int starved;   /* the splitter waited for a block since the thread last looked */
	/* ib_reader_ahead's function (guarded by mu: it may come while reading) */
	ib_reader_line_fn fn;
	void *arg;
	size_t rec_size;
};

struct ib_reader {
	int fd;
	char *path;
	int64_t mtime_ms;
	size_t max_line;

	/* reading side (the second thread's alone once async) */
	unsigned char *in;
	size_t in_len, in_pos;
	uint64_t in_base; /* file offset of in[0] */
	int eof_in;
	int detected;
	int member_open;
#ifdef IB_HAVE_ISAL
	struct inflate_state *isal;
#else
	z_stream z;
	int z_init;
#endif
	struct view rv;

	/* splitting side */
	char *own; /* the buffer of the reader without thread (and before it) */
	char *buf; /* own, or the block being split */
	size_t cap, start, end;
	int skipping;
	int pieces;  /* yield over-long lines in pieces (ib_reader_pieces) */
	int partial; /* the last yield was a piece and more of its line follows */
	struct view sv;
	uint64_t lineno, lines, overlong;
	/* the block being split: its spans and records (nrec 0: none), the next span */
	const struct span *span;
	const unsigned char *recs;
	size_t nrec, ri, head;
	const void *rec; /* the record of the line last returned, or NULL */
	ib_reader_line_fn fn;
	void *arg;
	size_t rec_size;
	struct async *as;
	struct ib_journal_file *jf; /* a systemd journal file is read through this */
};

const char *ib_reader_backend(void)
{
#ifdef IB_HAVE_ISAL
	return "isa-l";
#else
	return "zlib";
#endif
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ib_reader_open(struct ib_reader **out, const char *path, size_t max_line, struct ib_error *err)
{
	struct ib_reader *r = NULL;
	struct stat st;
	int saved;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		goto nomem;
	r->fd = -1;
	r->max_line = max_line ? max_line : 65536;
	r->path = strdup(path);
	r->in = malloc(IN_CAP);
	r->cap = r->max_line + OUT_EXTRA;
	r->buf = r->own = malloc(r->cap);
	if (!r->path || !r->in || !r->own)
		goto nomem;
	if (!strcmp(path, "-")) {
		r->fd = STDIN_FILENO;
	} else {
		r->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (r->fd < 0) {
			saved = errno;
			ib_error_set(err, IB_ERR_IO, saved, path, 0, "cannot open '%s': %s", path,
				     strerror(saved));
			ib_reader_close(r);
			return IB_ERR_IO;
		}
		/* O_NONBLOCK only so that opening a FIFO cannot hang; reads block. */
		fcntl(r->fd, F_SETFL, fcntl(r->fd, F_GETFL) & ~O_NONBLOCK);
	}
	if (fstat(r->fd, &st) == 0 && S_ISREG(st.st_mode))
		r->mtime_ms = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
	else
		r->mtime_ms = now_ms();
	if (r->fd != STDIN_FILENO && fstat(r->fd, &st) == 0 && S_ISFIFO(st.st_mode)) {
		/*
		 * A FIFO opened before its writer reads as EOF at once: wait
		 * for a writer (or its data) like a blocking open would.
		 */
		struct pollfd pfd = {r->fd, POLLIN, 0};

		while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
			;
	}
	if (fstat(r->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		ib_error_set(err, IB_ERR_IO, EISDIR, path, 0, "cannot read '%s': Is a directory", path);
		ib_reader_close(r);
		return IB_ERR_IO;
	}
	if (S_ISREG(st.st_mode)) {
		char head[8];
		int rc;

		if (pread(r->fd, head, sizeof(head), 0) == (ssize_t)sizeof(head) &&
		    ib_journal_file_magic(head, sizeof(head)) &&
		    (rc = ib_journal_file_open(&r->jf, path, err)) < 0) {
			ib_reader_close(r);
			return rc;
		}
	}
	*out = r;
	return IB_OK;
nomem:
	ib_reader_close(r);
	return ib_error_set(err, IB_ERR_NOMEM, ENOMEM, path, 0, "out of memory opening '%s'", path);
}

/* Free the ring of a reading thread that has ended or never started. */
static void async_free(struct async *as)
{
	pthread_cond_destroy(&as->ready);
	pthread_cond_destroy(&as->freed);
	pthread_mutex_destroy(&as->mu);
	for (int i = 0; i < NBLOCKS; i++) {
		free(as->blk[i].mem);
		free(as->blk[i].span);
		free(as->blk[i].rec);
	}
	free(as);
}

static void async_stop(struct ib_reader *r)
{
	struct async *as = r->as;

	if (!as)
		return;
	pthread_mutex_lock(&as->mu);
	as->stop = 1;
	pthread_cond_broadcast(&as->freed);
	pthread_mutex_unlock(&as->mu);
	pthread_join(as->tid, NULL);
	async_free(as);
	r->as = NULL;
	r->buf = r->own;
	r->start = r->end = 0;
	r->nrec = 0;
}

void ib_reader_close(struct ib_reader *r)
{
	if (!r)
		return;
	async_stop(r);
	ib_journal_file_close(r->jf);
	if (r->fd > STDIN_FILENO)
		close(r->fd);
#ifdef IB_HAVE_ISAL
	free(r->isal);
#else
	if (r->z_init)
		inflateEnd(&r->z);
#endif
	free(r->path);
	free(r->in);
	free(r->own);
	free(r);
}

/* Read into dst; returns bytes, 0 at EOF, -1 on error (errno set). */
static ssize_t read_some(struct ib_reader *r, void *dst, size_t n)
{
	int fd = r->fd;

	if (r->jf)
		return ib_journal_file_read(r->jf, dst, n);
	for (;;) {
		ssize_t k = read(fd, dst, n);
		if (k >= 0 || errno != EINTR)
			return k;
	}
}

static void fail(struct ib_reader *r, int code, int errnum, uint64_t off, const char *what)
{
	r->rv.src = SRC_ERROR;
	ib_error_set(&r->rv.pending, code, errnum, r->path, off, "'%s': %s at byte %llu", r->path, what,
		     (unsigned long long)off);
}

/* Record a failed read(2) (errno still set) at file offset off. */
static void read_failed(struct ib_reader *r, uint64_t off)
{
	int e = errno;
	char what[160];

	snprintf(what, sizeof(what), "read error: %s", strerror(e));
	fail(r, IB_ERR_IO, e, off, what);
}

/* Top up the input buffer. Returns 0, or -1 after recording an error. */
static int fill_in(struct ib_reader *r)
{
	ssize_t k;

	if (r->eof_in)
		return 0;
	if (r->in_pos > 0 && r->in_pos == r->in_len) {
		r->in_base += r->in_len;
		r->in_len = r->in_pos = 0;
	} else if (r->in_pos > 0 && r->in_len == IN_CAP) {
		memmove(r->in, r->in + r->in_pos, r->in_len - r->in_pos);
		r->in_base += r->in_pos;
		r->in_len -= r->in_pos;
		r->in_pos = 0;
	}
	if (r->in_len == IN_CAP)
		return 0;
	k = read_some(r, r->in + r->in_len, IN_CAP - r->in_len);
	if (k < 0) {
		read_failed(r, r->in_base + r->in_len);
		return -1;
	}
	if (k == 0)
		r->eof_in = 1;
	r->in_len += (size_t)k;
	r->rv.bytes_in += (uint64_t)k;
	return 0;
}

static int inflate_begin(struct ib_reader *r)
{
#ifdef IB_HAVE_ISAL
	if (!r->isal) {
		r->isal = malloc(sizeof(*r->isal));
		if (!r->isal)
			return -1;
		isal_inflate_init(r->isal);
	} else {
		isal_inflate_reset(r->isal);
	}
	r->isal->crc_flag = ISAL_GZIP;
#else
	if (!r->z_init) {
		memset(&r->z, 0, sizeof(r->z));
		if (inflateInit2(&r->z, 16 + MAX_WBITS) != Z_OK)
			return -1;
		r->z_init = 1;
	} else if (inflateReset(&r->z) != Z_OK) {
		return -1;
	}
#endif
	return 0;
}

/*
 * Inflate what input there is into out[0..room). Returns the bytes
 * produced (may be 0 while a member needs input); after a fault they are
 * what came before it, and the error is recorded. Sets *member_end when the
 * member's trailer has been checked.
 */
static size_t inflate_step(struct ib_reader *r, unsigned char *out, size_t room, int *member_end)
{
	size_t avail = r->in_len - r->in_pos;
	size_t produced;
	int rc;

	*member_end = 0;
#ifdef IB_HAVE_ISAL
	if (room > UINT32_MAX)
		room = UINT32_MAX;
	r->isal->next_in = r->in + r->in_pos;
	r->isal->avail_in = (uint32_t)avail;
	r->isal->next_out = out;
	r->isal->avail_out = (uint32_t)room;
	rc = isal_inflate(r->isal);
	/* after an error ISA-L may leave these out of range (seen: avail_in = UINT32_MAX) */
	if (r->isal->avail_in > avail)
		r->isal->avail_in = 0;
	if (r->isal->avail_out > room)
		r->isal->avail_out = (uint32_t)room;
	produced = room - r->isal->avail_out;
	r->in_pos += avail - r->isal->avail_in;
	if (rc == ISAL_INCORRECT_CHECKSUM)
		fail(r, IB_ERR_FORMAT, 0, r->in_base + r->in_pos, "bad gzip CRC (corrupt member)");
	else if (rc < 0)
		fail(r, IB_ERR_FORMAT, 0, r->in_base + r->in_pos, "corrupt gzip data");
	else if (r->isal->block_state == ISAL_BLOCK_FINISH)
		*member_end = 1;
#else
	if (room > UINT_MAX)
		room = UINT_MAX;
	r->z.next_in = r->in + r->in_pos;
	r->z.avail_in = (uInt)avail;
	r->z.next_out = out;
	r->z.avail_out = (uInt)room;
	rc = inflate(&r->z, Z_NO_FLUSH);
	produced = room - r->z.avail_out;
	r->in_pos += avail - r->z.avail_in;
	if (rc == Z_STREAM_END) {
		*member_end = 1;
	} else if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT || rc == Z_STREAM_ERROR || rc == Z_MEM_ERROR) {
		const char *m = r->z.msg ? r->z.msg : "corrupt gzip data";

		if (!strcmp(m, "incorrect data check"))
			m = "bad gzip CRC (incorrect data check)";
		fail(r, IB_ERR_FORMAT, 0, r->in_base + r->in_pos, m);
	}
#endif
	r->rv.bytes_out += produced;
	return produced;
}

/*
 * Decode bytes into dst[0..room). Returns the bytes written; fewer than
 * wanted, even 0, when the source ended or failed (r->rv.src says which).
 */
static size_t produce(struct ib_reader *r, char *dst, size_t room)
{
	if (r->rv.src != SRC_MORE)
		return 0;
	if (!r->detected) {
		while (r->in_len < 2 && !r->eof_in)
			if (fill_in(r) < 0)
				return 0;
		r->detected = 1;
		r->rv.gzip = r->in_len >= 2 && r->in[0] == 0x1f && r->in[1] == 0x8b;
	}
	if (!r->rv.gzip) {
		ssize_t k;

		if (r->in_pos < r->in_len) {
			size_t n = r->in_len - r->in_pos;

			if (n > room)
				n = room;
			memcpy(dst, r->in + r->in_pos, n);
			r->in_pos += n;
			r->rv.bytes_out += n;
			return n;
		}
		if (r->eof_in) {
			r->rv.src = SRC_DONE;
			return 0;
		}
		k = read_some(r, dst, room);
		if (k < 0) {
			read_failed(r, r->rv.bytes_in);
			return 0;
		}
		if (k == 0) {
			r->eof_in = 1;
			r->rv.src = SRC_DONE;
			return 0;
		}
		r->rv.bytes_in += (uint64_t)k;
		r->rv.bytes_out += (uint64_t)k;
		return (size_t)k;
	}
	for (;;) {
		int member_end;
		size_t got;

		if (r->in_pos == r->in_len && fill_in(r) < 0)
			return 0;
		if (!r->member_open) {
			if (r->in_pos == r->in_len && r->eof_in) {
				r->rv.src = SRC_DONE;
				return 0;
			}
			while (r->in_len - r->in_pos < 2 && !r->eof_in)
				if (fill_in(r) < 0)
					return 0;
			if (r->in_len - r->in_pos < 2 || r->in[r->in_pos] != 0x1f ||
			    r->in[r->in_pos + 1] != 0x8b) {
				fail(r, IB_ERR_FORMAT, 0, r->in_base + r->in_pos,
				     "garbage after gzip member");
				return 0;
			}
			if (inflate_begin(r) < 0) {
				fail(r, IB_ERR_NOMEM, ENOMEM, r->in_base + r->in_pos, "cannot start inflate");
				return 0;
			}
			r->member_open = 1;
			r->rv.members++;
		}
		got = inflate_step(r, (unsigned char *)dst, room, &member_end);
		if (r->rv.src != SRC_MORE)
			return got;
		if (member_end)
			r->member_open = 0;
		if (!member_end && got == 0 && r->in_pos == r->in_len && r->eof_in) {
			fail(r, IB_ERR_FORMAT, 0, r->in_base + r->in_pos, "truncated gzip member");
			return 0;
		}
		if (got > 0)
			return got;
	}
}

/*
 * Run fn on the whole lines of b's data (len bytes) that fit max_line and
 * start in its first share 16ths, up to RECS_MAX, noting their spans;
 * cont: the data starts inside a line. Lines are as ib_reader_next yields
 * them: CR stripped, and over-long when longer than max_line after that.
 */
static void ahead(struct block *b, const char *data, int cont, unsigned share, size_t max_line,
		  ib_reader_line_fn fn, void *arg, size_t rec_size)
{
	const char *p = data, *end = data + b->len, *nl, *stop = data + b->len / SHARE_ONE * share;
	size_t n = 0;

	b->nrec = 0;
	if (!b->span)
		b->span = malloc(RECS_MAX * sizeof(*b->span));
	if (!b->rec)
		b->rec = malloc(RECS_MAX * rec_size);
	if (!b->span || !b->rec)
		return; /* no records: the splitter does without */
	if (cont) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			return;
		p = nl + 1;
	}
	while (n < RECS_MAX && p < stop && (nl = memchr(p, '\n', (size_t)(end - p)))) {
		size_t len = (size_t)(nl - p), k = len && nl[-1] == '\r' ? len - 1 : len;

		if (k <= max_line) {
			b->span[n].off = (uint32_t)(p - data);
			b->span[n].len = (uint32_t)len;
			fn(arg, (struct ib_str){p, k}, b->rec + n * rec_size);
			n++;
		}
		p = nl + 1;
	}
	b->nrec = n;
}

/* The reading thread: fill free blocks in ring order until the source ends. */
static void *reading_thread(void *arg)
{
	struct ib_reader *r = arg;
	struct async *as = r->as;
	int cont = 1;			/* the splitter's buffer may end inside a line */
	unsigned share = SHARE_ONE / 2; /* near where the bench corpus settles; it moves a 16th a block */

	for (unsigned i = 0;; i = (i + 1) % NBLOCKS) {
		struct block *b = &as->blk[i];
		char *data = b->mem + as->head;
		size_t len = 0, rec_size;
		ib_reader_line_fn fn;
		void *fa;
		int stop, waited = 0;

		pthread_mutex_lock(&as->mu);
		while (!as->stop && b->state != B_FREE) {
			waited = 1;
			pthread_cond_wait(&as->freed, &as->mu);
		}
		if (as->starved && !waited && share > 0)
			share--; /* the splitter waits for this thread: read less ahead */
		else if (waited && !as->starved && share < SHARE_ONE)
			share++;
		as->starved = 0;
		stop = as->stop;
		fn = as->fn;
		fa = as->arg;
		rec_size = as->rec_size;
		pthread_mutex_unlock(&as->mu);
		if (stop)
			return NULL;
		while (len < OUT_EXTRA && r->rv.src == SRC_MORE)
			len += produce(r, data + len, OUT_EXTRA - len);
		b->len = len;
		b->nrec = 0;
		if (fn)
			ahead(b, data, cont, share, r->max_line, fn, fa, rec_size);
		if (len)
			cont = data[len - 1] != '\n';
		pthread_mutex_lock(&as->mu);
		b->v = r->rv;
		b->state = B_READY;
		pthread_cond_signal(&as->ready);
		pthread_mutex_unlock(&as->mu);
		if (b->v.src != SRC_MORE)
			return NULL;
	}
}

int ib_reader_async(struct ib_reader *r)
{
	struct async *as;

	if (r->as || r->sv.src != SRC_MORE || r->jf) /* sd-journal stays on its thread */
		return IB_ERR_USAGE;
	as = calloc(1, sizeof(*as));
	if (!as)
		return IB_ERR_NOMEM;
	as->head = r->max_line + 2;
	as->held = -1;
	as->fn = r->fn;
	as->arg = r->arg;
	as->rec_size = r->rec_size;
	pthread_mutex_init(&as->mu, NULL);
	pthread_cond_init(&as->ready, NULL);
	pthread_cond_init(&as->freed, NULL);
	for (int i = 0; i < NBLOCKS; i++)
		if (!(as->blk[i].mem = malloc(as->head + OUT_EXTRA))) {
			async_free(as);
			return IB_ERR_NOMEM;
		}
	r->as = as;
	if (pthread_create(&as->tid, NULL, reading_thread, r) != 0) {
		async_free(as);
		r->as = NULL;
		return IB_ERR_INTERNAL;
	}
	/* the lines still in our buffer are split from it until the first block comes */
	return IB_OK;
}

int ib_reader_ahead(struct ib_reader *r, ib_reader_line_fn fn, void *arg, size_t rec_size)
{
	if (r->fn || !fn || !rec_size)
		return IB_ERR_USAGE;
	r->fn = fn;
	r->arg = arg;
	r->rec_size = rec_size;
	if (r->as) {
		pthread_mutex_lock(&r->as->mu);
		r->as->fn = fn;
		r->as->arg = arg;
		r->as->rec_size = rec_size;
		pthread_mutex_unlock(&r->as->mu);
	}
	return IB_OK;
}

const void *ib_reader_rec(const struct ib_reader *r)
{
	return r->rec;
}

/*
 * Refill for the splitter: append decoded bytes after buf[start..end)
 * (the partial line, at most max_line + 1 bytes), moving it if needed.
 * The source's view is brought up to date.
 */
static void fill(struct ib_reader *r)
{
	size_t n = r->end - r->start;

	if (!r->as) {
		if (r->start > 0) {
			memmove(r->buf, r->buf + r->start, n);
			r->start = 0;
			r->end = n;
		}
		r->end += produce(r, r->buf + r->end, r->cap - r->end);
		r->sv = r->rv;
		return;
	}
	{
		struct async *as = r->as;
		struct block *b = &as->blk[as->next];
		char *data = b->mem + as->head;

		pthread_mutex_lock(&as->mu);
		while (b->state != B_READY) {
			as->starved = 1;
			pthread_cond_wait(&as->ready, &as->mu);
		}
		b->state = B_HELD;
		pthread_mutex_unlock(&as->mu);
		if (n)
			memcpy(data - n, r->buf + r->start, n);
		if (as->held >= 0) {
			pthread_mutex_lock(&as->mu);
			as->blk[as->held].state = B_FREE;
			pthread_cond_signal(&as->freed);
			pthread_mutex_unlock(&as->mu);
		}
		as->held = (int)as->next;
		as->next = (as->next + 1) % NBLOCKS;
		r->buf = b->mem;
		r->start = as->head - n;
		r->end = as->head + b->len;
		r->sv = b->v;
		r->span = b->span;
		r->recs = b->rec;
		r->nrec = b->nrec;
		r->ri = 0;
		r->head = as->head;
	}
}

/* Yield the next max_line bytes of an over-long line as a piece. */
static int piece(struct ib_reader *r, char *s, struct ib_str *line)
{
	if (!r->partial) {
		r->lineno++;
		r->lines++;
	}
	r->partial = 1;
	r->start += r->max_line;
	line->ptr = s;
	line->len = r->max_line;
	return IB_OK;
}

/* The span of the reading thread's that starts at r->start, or NULL. */
static inline const struct span *span_at(struct ib_reader *r)
{
	size_t off;

	if (r->ri >= r->nrec || r->start < r->head)
		return NULL;
	off = r->start - r->head;
	while (r->span[r->ri].off < off)
		if (++r->ri == r->nrec)
			return NULL;
	return r->span[r->ri].off == off ? &r->span[r->ri] : NULL;
}

/* ib_reader_next past its usual case: refills, pieces, over-long lines, the end. */
__attribute__((noinline)) static int next_slow(struct ib_reader *r, struct ib_str *line, struct ib_error *err)
{
	r->rec = NULL;
	for (;;) {
		char *s = r->buf + r->start;
		size_t n = r->end - r->start;
		const struct span *sp = r->nrec ? span_at(r) : NULL;
		char *nl = sp ? s + sp->len : n ? memchr(s, '\n', n) : NULL;

		if (nl) {
			size_t len = (size_t)(nl - s);

			if (r->pieces &&
			    (len > r->max_line + 1 || (len == r->max_line + 1 && s[len - 1] != '\r')))
				return piece(r, s, line);
			r->start += len + 1;
			if (r->partial) {
				/* the last piece: the line was counted at its first */
				r->partial = 0;
				if (len && s[len - 1] == '\r')
					len--;
				line->ptr = s;
				line->len = len;
				return IB_OK;
			}
			r->lineno++;
			r->lines++;
			if (r->skipping) {
				r->skipping = 0;
				r->overlong++;
				continue;
			}
			if (len && s[len - 1] == '\r')
				len--;
			if (len > r->max_line) {
				r->overlong++;
				continue;
			}
			if (sp) /* the line the reading thread saw: its record */
				r->rec = r->recs + r->ri++ * r->rec_size;
			line->ptr = s;
			line->len = len;
			return IB_OK;
		}
		if (n > r->max_line + 1 && r->pieces)
			return piece(r, s, line);
		if (n > r->max_line + 1) {
			/* The partial line is already too long: drop it, remember. */
			r->skipping = 1;
			r->start = r->end;
			n = 0;
		}
		if (r->sv.src == SRC_MORE) {
			fill(r);
			if (r->end - r->start != n || r->sv.src == SRC_MORE)
				continue;
		}
		/*
		 * Source finished. After a clean end the last line may lack its
		 * newline; after an error a partial line is a fragment, not a
		 * line, and is dropped (the error record says where).
		 */
		if (r->sv.src == SRC_ERROR) {
			r->start = r->end;
			r->skipping = 0;
			r->partial = 0;
		}
		if (r->end > r->start && r->pieces && r->end - r->start > r->max_line)
			return piece(r, s, line);
		if (r->partial) {
			/* the last piece (maybe empty: the line ended with the file) */
			size_t len = r->end - r->start;

			r->start = r->end;
			r->partial = 0;
			if (len && s[len - 1] == '\r')
				len--;
			line->ptr = s;
			line->len = len;
			return IB_OK;
		}
		if (r->end > r->start || r->skipping) {
			size_t len = r->end - r->start;

			s = r->buf + r->start;
			r->start = r->end;
			r->lineno++;
			r->lines++;
			if (r->skipping || len > r->max_line) {
				r->skipping = 0;
				r->overlong++;
				continue;
			}
			if (len && s[len - 1] == '\r')
				len--;
			line->ptr = s;
			line->len = len;
			return IB_OK;
		}
		if (r->sv.src == SRC_ERROR) {
			int code = r->sv.pending.code < 0 ? r->sv.pending.code : IB_ERR_FORMAT;

			r->sv.pending.line = r->lineno; /* the last line yielded before the fault */
			if (err)
				*err = r->sv.pending;
			r->sv.src = SRC_DONE;
			return code;
		}
		return IB_EOF;
	}
}

int ib_reader_next(struct ib_reader *r, struct ib_str *line, struct ib_error *err)
{
	/* the usual case, kept small: a whole line in the buffer, no piece or skip under way */
	if (!(r->partial | r->skipping)) {
		char *s = r->buf + r->start;
		size_t n = r->end - r->start, len;
		const struct span *sp = r->nrec ? span_at(r) : NULL;
		char *nl = sp ? s + sp->len : n ? memchr(s, '\n', n) : NULL;

		if (nl && (len = (size_t)(nl - s)) <= r->max_line) {
			r->start += len + 1;
			r->lineno++;
			r->lines++;
			if (len && s[len - 1] == '\r')
				len--;
			r->rec = sp ? r->recs + r->ri++ * r->rec_size : NULL;
			line->ptr = s;
			line->len = len;
			return IB_OK;
		}
	}
	return next_slow(r, line, err);
}

void ib_reader_pieces(struct ib_reader *r)
{
	r->pieces = 1;
}

int ib_reader_partial(const struct ib_reader *r)
{
	return r->partial;
}

uint64_t ib_reader_lineno(const struct ib_reader *r)
{
	return r->lineno;
}

void ib_reader_stats(const struct ib_reader *r, struct ib_reader_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->bytes_in = r->sv.bytes_in;
	st->bytes_out = r->sv.bytes_out;
	st->lines = r->lines;
	st->overlong = r->overlong;
	st->gzip = r->sv.gzip;
	st->members = r->sv.members;
}

int64_t ib_reader_mtime(const struct ib_reader *r)
{
	return r->mtime_ms;
}

uint64_t ib_reader_progress(const struct ib_reader *r)
{
	return r->sv.bytes_in;
}
