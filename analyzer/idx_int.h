/*
 * idx_int.h: the aggregator's index of dense ids by a 64-bit hash, for the
 * string table (strtab.c) and the store of successes (agg_succ.c). Open
 * addressing with linear probing: a slot holds the low 32 bits of the
 * hash (the tag, which also chooses the slot) and the id + 1, 0 when
 * empty; the table is at most 3/4 full, and a delete moves the rest of
 * its run back, so there are no tombstones. The index never sees a key:
 * its caller confirms each candidate by content, so colliding hashes cost
 * time, never exactness. An ordinary lookup is one or two slots of one
 * cache line, where a JudyL of hashed keys walks several levels.
 */
#ifndef IMAPBLAST_IDX_INT_H
#define IMAPBLAST_IDX_INT_H

#include <stddef.h>
#include <stdint.h>

struct ib_idx {
	uint64_t *slot; /* tag << 32 | (id + 1); 0: empty; NULL until the first put */
	size_t mask;	/* slots - 1 */
	size_t n;	/* ids held */
};

/* A walk over the ids stored under one hash (ib_idx_walk, then ib_idx_next). */
struct ib_idx_walk {
	size_t pos;
	uint32_t tag;
};

static inline void ib_idx_walk(const struct ib_idx *x, uint64_t h, struct ib_idx_walk *w)
{
	w->tag = (uint32_t)h;
	w->pos = (size_t)w->tag & x->mask;
}

/*
 * The next id stored under the walk's hash (or one that shares its tag),
 * or -1 when there is none: the walk then stands on the empty slot where
 * ib_idx_put puts a new id.
 */
static inline int64_t ib_idx_next(const struct ib_idx *x, struct ib_idx_walk *w)
{
	uint64_t e;

	if (!x->slot)
		return -1;
	while ((e = x->slot[w->pos]) != 0) {
		w->pos = (w->pos + 1) & x->mask;
		if ((uint32_t)(e >> 32) == w->tag)
			return (int64_t)(uint32_t)e - 1;
	}
	return -1;
}

/* Replace the id ib_idx_next returned last on walk w (its hash unchanged) by id (< UINT32_MAX). */
static inline void ib_idx_set(struct ib_idx *x, const struct ib_idx_walk *w, uint32_t id)
{
	x->slot[(w->pos - 1) & x->mask] = (uint64_t)w->tag << 32 | ((uint64_t)id + 1);
}

/*
 * Store id (< UINT32_MAX) under the walk's hash, where ib_idx_next just
 * returned -1: IB_OK, or IB_ERR_NOMEM with x unchanged.
 */
int ib_idx_put(struct ib_idx *x, struct ib_idx_walk *w, uint32_t id);
/* Take out the id ib_idx_next returned last on walk w. */
void ib_idx_del(struct ib_idx *x, const struct ib_idx_walk *w);
/* Free the slots; x is then empty and may be reused. */
void ib_idx_release(struct ib_idx *x);

#endif
