/*
 * state_int.h: the state file's private parts, shared by state.c (the
 * format, reading), state_save.c (writing) and state_succ.c (the section
 * of successes, version 5, both ways) and nobody else. The writer and
 * the reader are static inline here, so no two of them use each other's
 * symbols: state.c and state_save.c call state_succ.c, never the other
 * way round.
 * Integers are little-endian, fixed width (wint, rdint) or LEB128
 * varints (wvar, rvar).
 */
#ifndef IMAPBLAST_STATE_INT_H
#define IMAPBLAST_STATE_INT_H

#include <errno.h>
#include <stdio.h>
#include <zlib.h>
#include "agg_int.h"

#define IB_STATE_MAGIC "IBSTATE1"
/* 5: successes by series; 4: protocols; 3: file coverage and shapes; 2: kinds IB_S_ADDR, IB_S_DUP */
#define IB_STATE_VERSION 5u
#define IB_STATE_HEADER 28 /* magic 8, version 4, total length 8, bucket 8 */

/* A buffered writer that checksums what it writes; with f NULL it only counts. */
struct ib_wr {
	FILE *f;	/* NULL: only count */
	uint64_t total; /* bytes so far */
	uLong crc;
	unsigned char buf[65536];
	size_t n;
	int failed; /* errno of the first failed write, or 0 */
};

static inline void ib_wflush(struct ib_wr *w)
{
	if (w->f && w->n) {
		if (fwrite(w->buf, 1, w->n, w->f) != w->n && !w->failed)
			w->failed = errno ? errno : EIO;
		w->crc = crc32(w->crc, w->buf, (uInt)w->n);
	}
	w->n = 0;
}

static inline void ib_wbytes(struct ib_wr *w, const void *p, size_t len)
{
	const unsigned char *s = p;

	w->total += len;
	if (!w->f)
		return;
	while (len) {
		size_t k = sizeof(w->buf) - w->n;

		if (k > len)
			k = len;
		memcpy(w->buf + w->n, s, k);
		w->n += k;
		s += k;
		len -= k;
		if (w->n == sizeof(w->buf))
			ib_wflush(w);
	}
}

static inline void ib_wint(struct ib_wr *w, uint64_t v, int bytes)
{
	unsigned char b[8];

	for (int i = 0; i < bytes; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	ib_wbytes(w, b, (size_t)bytes);
}

/* v as a varint: 7 bits a byte, low bits first, the high bit set on all but the last (1 to 10 bytes). */
static inline void ib_wvar(struct ib_wr *w, uint64_t v)
{
	unsigned char b[10];
	size_t n = 0;

	while (v >= 0x80) {
		b[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	b[n++] = (unsigned char)v;
	ib_wbytes(w, b, n);
}

/*
 * A reader over a state file: the whole file in memory (f NULL: p is
 * the file, base 0, have len), or a window on f that moves forward
 * (ib_agg_load: no copy of the whole file). Offsets are the file's.
 * bad is set at the first read past len or bad value; a pointer into
 * the window is good until the next read.
 */
struct ib_rd {
	const unsigned char *p; /* bytes [base, base + have) of the file */
	size_t len, off;	/* the end of what is read (the checksum's offset), the next byte */
	size_t base, have;
	FILE *f;
	unsigned char *buf; /* f's window, cap bytes */
	size_t cap;
	uLong crc; /* f: CRC-32 of the file up to base + have */
	int bad;
	int ioerr;	  /* f: errno of a failed read (-1: the file got shorter), or 0 */
	int nomem;	  /* f: no memory for a longer window */
	unsigned version; /* of the file: what its records hold */
};

/* Slow path of ib_rd_need: move the window to off and read until n bytes are in it. */
static inline int ib_rd_fill(struct ib_rd *r, size_t n)
{
	size_t keep = r->base + r->have - r->off;

	if (!r->f) {
		r->bad = 1;
		return -1;
	}
	if (n > r->cap) {
		size_t cap = n > 2 * r->cap ? n : 2 * r->cap;
		unsigned char *b = realloc(r->buf, cap);

		if (!b) {
			r->bad = r->nomem = 1;
			return -1;
		}
		r->buf = b;
		r->cap = cap;
	}
	memmove(r->buf, r->buf + (r->off - r->base), keep);
	r->p = r->buf;
	r->base = r->off;
	r->have = keep;
	while (r->have < n) {
		size_t want = r->cap - r->have, left = r->len - (r->base + r->have), got;

		got = fread(r->buf + r->have, 1, want < left ? want : left, r->f);
		if (got == 0) {
			r->ioerr = ferror(r->f) && errno ? errno : -1;
			r->bad = 1;
			return -1;
		}
		r->crc = crc32(r->crc, r->buf + r->have, (uInt)got);
		r->have += got;
	}
	return 0;
}

/* Make bytes [off, off + n) readable at ib_rd_at(r): 0, or -1 with bad set. */
static inline int ib_rd_need(struct ib_rd *r, size_t n)
{
	if (r->bad || n > r->len - r->off) {
		r->bad = 1;
		return -1;
	}
	return r->off + n <= r->base + r->have ? 0 : ib_rd_fill(r, n);
}

static inline const unsigned char *ib_rd_at(const struct ib_rd *r)
{
	return r->p + (r->off - r->base);
}

static inline uint64_t ib_rdint(struct ib_rd *r, int bytes)
{
	const unsigned char *q;
	uint64_t v = 0;

	if (ib_rd_need(r, (size_t)bytes) < 0)
		return 0;
	q = ib_rd_at(r);
	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)q[i] << (8 * i);
	r->off += (size_t)bytes;
	return v;
}

/* A varint (ib_wvar); more than 64 bits, or a longer form than needed, is bad. */
static inline uint64_t ib_rvar(struct ib_rd *r)
{
	size_t most = r->len - r->off < 10 ? r->len - r->off : 10;
	const unsigned char *q;
	uint64_t v = 0;

	if (r->bad || most == 0 || ib_rd_need(r, most) < 0) {
		r->bad = 1;
		return 0;
	}
	q = ib_rd_at(r);
	for (size_t i = 0; i < most; i++) {
		unsigned b = q[i];

		if (i == 9 && b > 1)
			break;
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			if (b == 0 && i) /* a trailing zero byte: not the canonical form */
				break;
			r->off += i + 1;
			return v;
		}
	}
	r->bad = 1;
	return 0;
}

/*
 * The first and last time of a cell of bucket `bucket` (length B) from
 * the first one's offset in the bucket and the span: 0, or -1 when they
 * leave the bucket or int64 (or the first is IB_TIME_NONE).
 */
static inline int ib_state_times(int64_t B, int64_t bucket, uint64_t off, uint64_t span, int64_t *first,
				 int64_t *last)
{
	int64_t start;

	if (off >= (uint64_t)B || span >= (uint64_t)B - off || bucket > INT64_MAX / B ||
	    bucket < INT64_MIN / B)
		return -1;
	start = bucket * B;
	if (start > INT64_MAX - (int64_t)(off + span))
		return -1;
	*first = start + (int64_t)off;
	*last = *first + (int64_t)span;
	return *first == IB_TIME_NONE ? -1 : 0;
}

static inline int ib_state_corrupt(struct ib_error *err, const char *name, size_t off, const char *what)
{
	return ib_error_set(err, IB_ERR_FORMAT, 0, name, off, "state '%s': corrupt at byte %zu: %s", name,
			    off, what);
}

/* ---- the successes (state_succ.c) ---- */

/* A series or a success cell in the canonical order (string ranks, layer, then hi or bucket). */
/* The order of cells in a state file: bucket, user, ip, server, signature, layer, category, connection. */
static inline int ib_state_ckey_cmp(const struct ib_ckey *p, const struct ib_ckey *q)
{
	if (p->bucket != q->bucket)
		return p->bucket < q->bucket ? -1 : 1;
	if (p->user != q->user)
		return p->user < q->user ? -1 : 1;
	if (p->ip != q->ip)
		return p->ip < q->ip ? -1 : 1;
	if (p->server != q->server)
		return p->server < q->server ? -1 : 1;
	if (p->sig != q->sig)
		return p->sig < q->sig ? -1 : 1;
	if (p->layer != q->layer)
		return p->layer < q->layer ? -1 : 1;
	if (p->cat != q->cat)
		return p->cat < q->cat ? -1 : 1;
	return (p->conn > q->conn) - (p->conn < q->conn);
}

struct ib_state_ref {
	uint32_t user, ip, server, sig;
	int64_t pos; /* a series: its hi; a cell: its bucket */
	size_t i;    /* the series' index in a->succ.ser, or the cell's index */
	uint8_t layer;
};

/*
 * The successes of an aggregator in the canonical order: its series (one
 * ref each, the entries stay where they are) and the successes kept among
 * its cells (few: values that did not fit an entry), each sorted; ngroups
 * is the number of series the file lists (the keys without hi).
 */
struct ib_state_succ {
	struct ib_state_ref *ser, *cel;
	size_t nser, ncel, ngroups;
	int64_t base; /* the smallest bucket of a success (0 when none) */
};

/* Build o for a, whose string id i of kind k has rank rank[k][i]: IB_OK or IB_ERR_NOMEM. */
int ib_state_succ_order(const struct ib_agg *a, const uint32_t *const rank[IB_S_KINDS],
			struct ib_state_succ *o);
void ib_state_succ_release(struct ib_state_succ *o);
/* Write the section of successes (version 5) in o's order: IB_OK, or IB_ERR_INTERNAL for two
 * successes of one key (a broken invariant of the store; the file must not be kept). */
int ib_state_succ_write(struct ib_wr *w, const struct ib_agg *a, const struct ib_state_succ *o);
/*
 * Read the section of successes into a, whose strings are loaded (a
 * string's rank is its id): series go into the store of successes whole
 * (ib_succ_adopt), an entry that does not fit one among the cells.
 * IB_OK, or a negative enum ib_status with err set (name: the file).
 */
int ib_state_succ_read(struct ib_agg *a, struct ib_rd *r, const char *name, struct ib_error *err);

#endif
