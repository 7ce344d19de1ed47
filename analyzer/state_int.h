/*
 * state_int.h: the state file's private parts, shared by state.c (the
 * file, its header and every section but one) and state_succ.c (the
 * section of successes, version 5) and nobody else. The writer and the
 * reader are static inline here, so neither file uses the other's
 * symbols: state.c calls state_succ.c, never the other way round.
 * Integers are little-endian, fixed width (wint, rdint) or LEB128
 * varints (wvar, rvar).
 */
#ifndef IMAPBLAST_STATE_INT_H
#define IMAPBLAST_STATE_INT_H

#include <errno.h>
#include <stdio.h>
#include <zlib.h>
#include "agg_int.h"

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

/* A reader over a whole file in memory; bad is set at the first read past its end or bad value. */
struct ib_rd {
	const unsigned char *p;
	size_t len, off;
	int bad;
	unsigned version; /* of the file: what its records hold */
};

static inline uint64_t ib_rdint(struct ib_rd *r, int bytes)
{
	uint64_t v = 0;

	if (r->bad || r->len - r->off < (size_t)bytes) {
		r->bad = 1;
		return 0;
	}
	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)r->p[r->off + (size_t)i] << (8 * i);
	r->off += (size_t)bytes;
	return v;
}

/* A varint (ib_wvar); more than 64 bits, or a longer form than needed, is bad. */
static inline uint64_t ib_rvar(struct ib_rd *r)
{
	uint64_t v = 0;

	for (int sh = 0; !r->bad; sh += 7) {
		unsigned b;

		if (r->off == r->len || sh > 63) {
			r->bad = 1;
			break;
		}
		b = r->p[r->off++];
		if (sh == 63 && b > 1) {
			r->bad = 1;
			break;
		}
		v |= (uint64_t)(b & 0x7f) << sh;
		if (!(b & 0x80)) {
			if (b == 0 && sh) /* a trailing zero byte: not the canonical form */
				r->bad = 1;
			return r->bad ? 0 : v;
		}
	}
	return 0;
}

static inline int ib_state_corrupt(struct ib_error *err, const char *name, size_t off, const char *what)
{
	return ib_error_set(err, IB_ERR_FORMAT, 0, name, off, "state '%s': corrupt at byte %zu: %s", name,
			    off, what);
}

/* ---- the successes (state_succ.c) ---- */

/* A series or a success cell in the canonical order (string ranks, layer, then hi or bucket). */
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
