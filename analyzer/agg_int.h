/*
 * agg_int.h: the aggregator's private structures, shared by its
 * files and nobody else:
 * - strtab.c: the string table (hash, Judy indexes, arena, interning);
 * - agg.c: cells, merge and equality; agg_succ.c: the store of
 *   successes; agg_acct.c: per-file accounting, errors, reasons and
 *   shapes; agg_proto.c: the protocol table; agg_join.c: server identity
 *   (the join in place), repeats;
 * - state.c: the state file, which reads and writes these structures.
 * strtab.c, agg_succ.c, agg_acct.c and agg_proto.c use nothing of the
 * others; agg.c uses agg_succ.c and agg_proto.c; state.c and agg_join.c
 * use agg.c, never the other way round.
 */
#ifndef IMAPBLAST_AGG_INT_H
#define IMAPBLAST_AGG_INT_H

#include <stdlib.h>
#include <string.h>
#include "judy_int.h"
#include "idx_int.h"
#include "imapblast/agg.h"

/* ---- string table (strtab.c) ---- */

/* An interned string: its id, its length and its bytes, NUL-terminated. */
struct ib_srec {
	uint32_t id, len;
	char s[];
};

/* Strings live in 64 KiB blocks; a long one gets a block of its own. */
struct ib_arena {
	char **blk;
	size_t nblk, cap;
	char *cur; /* free space in the newest full-size block */
	size_t left;
};

/*
 * Strings of one kind to dense ids 0..n-1 (id 0 is "" once interned
 * first), found through an index by a 64-bit hash (idx_int.h) and
 * confirmed by the bytes.
 */
struct ib_strtab {
	struct ib_idx idx; /* hash of the string -> id */
	char **s;	   /* id -> the string (struct ib_srec's s) */
	size_t n, cap;
	struct ib_arena ar;
	char *scratch; /* the key being interned, when it is not the caller's bytes */
	size_t scratch_cap;
	uint32_t last; /* the id interned last (< n when there is one) */
};

/* How ib_strtab_intern treats a key. */
#define IB_ST_LOWER 1u /* ASCII lower-case it (users) */

/*
 * 64-bit hash for the indexes of strings, series and cells, masked by
 * ib_agg_hash_mask (defined in strtab.c). Only speed depends on it:
 * crafted collisions cost time, never correctness, since every candidate
 * is confirmed by content. Never written to a file.
 * Inline: it runs several times per event. In steps, for strtab.c, which
 * lower-cases a key and hashes it in one pass: the hash of n bytes is
 * ib_hash_end(ib_hash_mix(...ib_hash_mix(ib_hash_start(n), word)...)) over
 * each full 8-byte word, then the last 1 to 7 bytes as ib_hash_tail.
 */
#define IB_HASH_K1 0x87c37b91114253d5ULL
#define IB_HASH_K2 0x4cf5ad432745937fULL

static inline uint64_t ib_hash_start(size_t n)
{
	return 0x9e3779b97f4a7c15ULL ^ ((uint64_t)n * IB_HASH_K1);
}

static inline uint64_t ib_hash_mix(uint64_t h, uint64_t w)
{
	h = (h ^ (w * IB_HASH_K1)) * IB_HASH_K2;
	return h ^ (h >> 29);
}

/* The word of bytes p[0..n-1] (0 < n < 8), the rest zero: as memcpy(&w, p, n), in three loads at most. */
static inline uint64_t ib_hash_tail(const char *p, size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (n >= 4) {
		uint32_t x, y;

		memcpy(&x, p, 4);
		memcpy(&y, p + n - 4, 4); /* overlaps x where n < 8: the same bytes in the same places */
		return x | (uint64_t)y << (8 * (n - 4));
	}
	return (uint64_t)(unsigned char)p[0] | (uint64_t)(unsigned char)p[n / 2] << (8 * (n / 2)) |
	       (uint64_t)(unsigned char)p[n - 1] << (8 * (n - 1));
#else
	uint64_t w = 0;

	memcpy(&w, p, n);
	return w;
#endif
}

static inline uint64_t ib_hash_end(uint64_t h)
{
	h ^= h >> 33; /* fmix64 */
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h & ib_agg_hash_mask;
}

static inline uint64_t ib_strtab_hash(const char *p, size_t n)
{
	uint64_t h = ib_hash_start(n);

	for (; n >= 8; p += 8, n -= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		h = ib_hash_mix(h, w);
	}
	if (n)
		h = ib_hash_mix(h, ib_hash_tail(p, n));
	return ib_hash_end(h);
}

/*
 * Intern (s, len): *id is its id, new or not. NUL bytes cannot live in a
 * C string, so they become '?' (also with IB_ST_LOWER). Returns IB_OK,
 * or a negative enum ib_status (out of memory, too many strings) with t
 * unchanged as far as any lookup can tell.
 */
int ib_strtab_intern(struct ib_strtab *t, const char *s, size_t len, unsigned flags, uint32_t *id);
/* The id of (key, len) as stored (already lower-cased, no NUL byte), or -1. */
int64_t ib_strtab_get(const struct ib_strtab *t, const char *key, size_t len);
/* Free everything t holds; t is then empty and may be reused. */
void ib_strtab_release(struct ib_strtab *t);
/* Free t's lookup indexes: its strings stay (t->s), t can then only be read and released. */
void ib_strtab_drop_index(struct ib_strtab *t);

/* ---- the protocol table (agg_proto.c) ---- */

/* Add n to the entry of key (struct ib_proto_count.key); IB_ERR_USAGE for a key no entry can have. */
int ib_agg_proto_raw(struct ib_agg *a, uint64_t key, uint64_t n);
/* Take one repeated event back from its entry when the entry holds two or more; else IB_ERR_USAGE. */
int ib_agg_proto_sub(struct ib_agg *a, int64_t time_ms, enum ib_proto p, enum ib_category c);
int ib_agg_proto_merge(struct ib_agg *dst, const struct ib_agg *src);
int ib_agg_proto_equal(const struct ib_agg *a, const struct ib_agg *b);
void ib_agg_proto_free(struct ib_agg *a);

/* ---- the aggregator (agg.c) ---- */

#define IB_AGG_CHUNK_BITS 14
#define IB_AGG_CHUNK_CELLS ((size_t)1 << IB_AGG_CHUNK_BITS)
#define IB_AGG_MAX_ERRORS 10000

/* The key of a cell; padding is zeroed so equal keys are equal bytes (its hash). */
struct ib_ckey {
	int64_t bucket;
	uint32_t user, ip, server, sig;
	uint8_t layer, cat, conn, pad[5];
};

struct ib_fileacc {
	struct ib_file_counts c; /* c.format points to format, c.sample[i] to sample[i] */
	char *format;
	char *sample[IB_FILE_SAMPLES];
};

struct ib_reasonacc {
	char *reason;
	uint64_t count;
	uint32_t file;
	uint64_t line;
};

/*
 * A cell as stored: 44 bytes where struct ib_cell takes 72. The first time
 * is split in two halves (4-byte alignment); its bucket is
 * floor(first / bucket_ms), since every time of a cell lies in its bucket.
 * count, first_line and last_ms - first_ms hold IB_WIDE when the value
 * does not fit in 32 bits: the value is then in the JudyL `wide` under
 * (cell index << 2 | IB_W_*). ib_agg_cell decodes one.
 */
struct ib_scell {
	uint32_t first_lo, first_hi; /* first_ms, two's complement */
	uint32_t span;		     /* last_ms - first_ms, or IB_WIDE */
	uint32_t user, ip, server, sig;
	uint32_t count; /* or IB_WIDE */
	uint32_t line;	/* first_line, or IB_WIDE */
	uint32_t file;	/* first_file */
	uint8_t layer, cat, conn, pad;
};

#define IB_WIDE UINT32_MAX
enum { IB_W_SPAN = 0, IB_W_COUNT = 1, IB_W_LINE = 2 };

struct ib_shapeacc {
	char *shape, *sample;
	uint64_t count;
	uint32_t file;
	uint64_t line;
};

/* ---- the store of successes (agg_succ.c) ---- */

#define IB_SUCC_SPAN 65536		/* buckets of one series */
#define IB_SUCC_TMAX ((int64_t)1 << 62) /* times beyond: kept as cells */

/* A series: a success cell's key without the bucket's low 16 bits (padding zeroed). */
struct ib_skey {
	int64_t hi; /* floor(bucket / IB_SUCC_SPAN) */
	uint32_t user, ip, server, sig;
	uint8_t layer, pad[7];
};

/* One success cell of a series: 12 bytes, no evidence. */
struct ib_sent {
	uint32_t off;  /* first_ms - the bucket's start (< bucket_ms) */
	uint32_t span; /* last_ms - first_ms */
	uint16_t b;    /* bucket - hi * IB_SUCC_SPAN */
	uint16_t count;
};

struct ib_sser {
	struct ib_skey k;
	struct ib_sent *e; /* sorted by b */
	size_t n, cap;
};

/*
 * ib_succ_cell's directory: each series' first position among all
 * successes, built on the first read after a change (only random reads
 * need it: the walk of ib_succ_run does not), and the cursor.
 */
struct ib_sdir {
	int stale;     /* start is out of date */
	size_t cursor; /* the series read last */
	size_t *start; /* by series: nstart of them when built */
	size_t nstart, cap;
};

/*
 * The successes that are not connections (IB_CAT_OK, conn 0), by series:
 * an index by a hash of the series key (idx_int.h), each series a
 * sorted array. Successes read as cells after the others (ib_agg_cell),
 * through the directory dir, allocated with the aggregator, so reading
 * changes it (reading is not thread-safe).
 */
struct ib_succ {
	struct ib_idx idx; /* hash of a series key -> its index in ser */
	struct ib_sser *ser;
	size_t nser, cap;
	size_t n; /* entries in all series */
	struct ib_sdir *dir;
};

/*
 * Add count events with times [first, last] to the success of key k
 * (IB_CAT_OK, conn 0) at bucket length B. IB_SKIP when it is not kept
 * here: a value that does not fit (a count past 16 bits, a time past
 * IB_SUCC_TMAX); an entry the key had then left, summed into *count,
 * *first, *last, for the caller to keep as a cell. must_be_new: an entry
 * already there is IB_ERR_FORMAT.
 */
int ib_succ_add(struct ib_succ *s, int64_t B, const struct ib_ckey *k, uint64_t *count, int64_t *first,
		int64_t *last, int must_be_new);
/*
 * The entry of a success at bucket `bucket` with count events at times
 * [first, last] (all in that bucket) into *out, its series' hi being
 * floor(bucket / IB_SUCC_SPAN): 0, or -1 when it does not fit an entry
 * (ib_succ_add would refuse it: the caller keeps it as a cell).
 */
int ib_succ_entry(int64_t B, int64_t bucket, uint64_t count, int64_t first, int64_t last,
		  struct ib_sent *out);
/* 1 when the success of key k is here, decoded into *out (when not NULL); else 0. */
int ib_succ_find(const struct ib_succ *s, int64_t B, const struct ib_ckey *k, struct ib_cell *out);
/* Take one event off the success of key k: IB_OK, IB_ERR_USAGE (fewer than 2), IB_SKIP (not here). */
int ib_succ_sub(struct ib_succ *s, const struct ib_ckey *k);
/* Success x (< s->n) decoded into *out. */
void ib_succ_cell(const struct ib_succ *s, int64_t B, size_t x, struct ib_cell *out);
/*
 * The successes in ib_succ_cell's order without its directory, decoded
 * into out[0, max) in one loop: from *ser = *j = 0 (series, entry), the
 * next ones; moves (*ser, *j) past them and returns how many (0 at the end).
 */
size_t ib_succ_run(const struct ib_succ *s, int64_t B, size_t *ser, size_t *j, struct ib_cell *out,
		   size_t max);
/* For the join in place: take series i out of the index (IB_OK; nothing when an earlier join
 * took it out), read its entries (j < ser[i].n), and drop them. */
int ib_succ_unlink(struct ib_succ *s, size_t i);
void ib_succ_series_cell(const struct ib_succ *s, int64_t B, size_t i, size_t j, struct ib_cell *out);
/*
 * Merge: series sk (ids of s) gets the entries of series `from` of
 * another aggregator when s has no such series: a copy, or from's own
 * array when steal (== from, which is then only to be dropped). IB_SKIP
 * when s has the series, IB_ERR_NOMEM.
 */
int ib_succ_adopt(struct ib_succ *s, const struct ib_skey *sk, const struct ib_sser *from,
		  struct ib_sser *steal);
/* Series i (unlinked) back in the index under server `server`, entries kept: IB_OK, or IB_SKIP when
 * that series exists (then read and drop i's entries), or IB_ERR_NOMEM. */
int ib_succ_relink(struct ib_succ *s, size_t i, uint32_t server);
void ib_succ_series_drop(struct ib_succ *s, size_t i);
/* Free the index of series: they can then only be read (ib_succ_run, ib_succ_cell) and released. */
void ib_succ_drop_index(struct ib_succ *s);
/* Free every series and the directory's positions; s->dir stays. */
void ib_succ_release(struct ib_succ *s);

struct ib_agg {
	int64_t bucket_ms;
	struct ib_strtab st[IB_S_KINDS];
	struct ib_idx cells; /* hash of a struct ib_ckey -> cell index (idx_int.h) */
	struct ib_scell **chunks;
	Pvoid_t wide; /* JudyL: cell index << 2 | IB_W_* -> a value that did not fit in its 32 bits */
	size_t nchunks, ncells;
	struct ib_fileacc *files; /* by file id; st[IB_S_FILE].n entries */
	size_t files_cap;
	struct ib_error *errors; /* sorted by ib_agg_errcmp, no duplicates */
	size_t nerrors, errors_cap;
	Pvoid_t reasons_sl; /* JudySL: reason -> index + 1 */
	struct ib_reasonacc *reasons;
	size_t nreasons, reasons_cap;
	Pvoid_t shapes_sl; /* JudySL: shape -> index + 1 */
	struct ib_shapeacc *shapes;
	size_t nshapes, shapes_cap;
	/* consecutive events mostly carry the same signature: the last one's id
	 * (checked by content) spares a lookup on most events */
	uint32_t last_sig_id;
	/* the successes (agg_succ.c), after the cells above in ib_agg_cell's order;
	 * succ_detail: successes ever kept among the cells instead (values that
	 * did not fit), which a success's lookup then checks first */
	struct ib_succ succ;
	size_t succ_detail;
	Pvoid_t proto; /* JudyL: the protocol table (agg_proto.c) */
	/* the slot of the entry of proto added to last (key proto_last_key), or NULL:
	 * valid until the next insert, which only ib_agg_proto_raw does (and then resets it) */
	PWord_t proto_last;
	uint64_t proto_last_key;
};

static inline struct ib_scell *ib_agg_scell_at(const struct ib_agg *a, size_t i)
{
	return &a->chunks[i >> IB_AGG_CHUNK_BITS][i & (IB_AGG_CHUNK_CELLS - 1)];
}

/* floor(t / b) for b > 0: the bucket of a time. */
static inline int64_t ib_floordiv(int64_t t, int64_t b)
{
	int64_t q = t / b;

	if ((t % b) != 0 && (t < 0))
		q--;
	return q;
}

/* A NUL-terminated copy of (s, len), or NULL. */
static inline char *ib_dupmem(const char *s, size_t len)
{
	char *d = malloc(len + 1);

	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

/* 1 when evidence (t1, path of f1, l1) comes strictly before (t2, f2, l2). */
static inline int ib_agg_before(const struct ib_agg *a, int64_t t1, uint32_t f1, uint64_t l1, int64_t t2,
				uint32_t f2, uint64_t l2)
{
	int c;

	if (t1 != t2)
		return t1 < t2;
	if (f1 != f2) {
		c = strcmp(a->st[IB_S_FILE].s[f1], a->st[IB_S_FILE].s[f2]);
		if (c)
			return c < 0;
	}
	return l1 < l2;
}

/* The order of input errors (agg_acct.c): path, offset, line, code, errno, message. */
int ib_agg_errcmp(const struct ib_error *x, const struct ib_error *y);

/*
 * Intern (s, len) in kind k (IB_S_*), lower-cased when lower; a new file
 * gets zeroed accounting. Returns IB_OK or a negative enum ib_status.
 */
int ib_agg_intern(struct ib_agg *a, int k, const char *s, size_t len, int lower, uint32_t *id);
/*
 * Add count events with times [first, last] and first evidence (file,
 * line) to the cell of key k, creating it when new. must_be_new: a cell
 * already there is IB_ERR_FORMAT (a duplicate in a state file).
 */
int ib_agg_cell_add(struct ib_agg *a, const struct ib_ckey *k, uint64_t count, int64_t first, int64_t last,
		    uint32_t file, uint64_t line, int must_be_new);
/*
 * For the join in place (agg_join.c): cell i of key k leaves the index;
 * comes back (no cell of key k there); the index entry of cell `from`
 * (key k) now names cell `to`. IB_OK, IB_ERR_INTERNAL when the index does
 * not hold what the call says, IB_ERR_NOMEM. And the cell of key k, or -1.
 */
int ib_agg_index_del(struct ib_agg *a, const struct ib_ckey *k, size_t i);
int ib_agg_index_put(struct ib_agg *a, const struct ib_ckey *k, size_t i);
int ib_agg_index_move(struct ib_agg *a, const struct ib_ckey *k, size_t from, size_t to);
int64_t ib_agg_cell_find(const struct ib_agg *a, const struct ib_ckey *k);
/*
 * The server join in place (agg_join.c): every cell whose server id s has map[s] != 0
 * (map holds ib_agg_nstr(a, IB_S_SERVER) ids of a) is counted under
 * server map[s], merging with the cell of that key when there is one;
 * only those cells are re-indexed, so cell indices change. IB_SKIP (a
 * untouched) when only the copy is exact: a target that is renamed
 * itself. IB_ERR_NOMEM or IB_ERR_INTERNAL leave a only to be freed.
 */
int ib_agg_rekey_servers(struct ib_agg *a, const uint32_t *map);
/*
 * ib_agg_merge where src's server id i is filed under dst's server
 * smap_str[i] (a server string) when smap_str[i] is not NULL; smap_str
 * NULL: as ib_agg_merge. take: NULL, or src itself, whose cells are then
 * freed chunk by chunk as they are merged (src is left to be freed only).
 */
int ib_agg_merge_mapped(struct ib_agg *dst, const struct ib_agg *src, const char *const *smap_str,
			struct ib_agg *take, struct ib_error *err);
/* Count n lines for reason (NULL: ""), keeping the first sample (file, line). */
int ib_agg_reason_add(struct ib_agg *a, const char *reason, uint64_t n, uint32_t file, uint64_t line);
/* ib_agg_shape with a file id known to be valid. */
int ib_agg_shape_add(struct ib_agg *a, const char *shape, const char *sample, uint64_t n, uint32_t file,
		     uint64_t line);

#endif
