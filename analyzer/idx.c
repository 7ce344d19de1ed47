/*
 * idx.c: the index of ids by hash (idx_int.h): growth and delete. The
 * table doubles when a put would fill it past 3/4; the slots then move by
 * their tags, without a look at any key.
 */
#include <stdlib.h>
#include "imapblast/common.h"
#include "idx_int.h"

#define IDX_MIN 64 /* slots of a new table */

static int grow(struct ib_idx *x)
{
	size_t cap = x->slot ? (x->mask + 1) * 2 : IDX_MIN, mask = cap - 1;
	uint64_t *s;

	if (cap > SIZE_MAX / sizeof(*s) || !(s = calloc(cap, sizeof(*s))))
		return IB_ERR_NOMEM;
	for (size_t i = 0; x->slot && i <= x->mask; i++) {
		uint64_t e = x->slot[i];
		size_t p;

		if (!e)
			continue;
		for (p = (size_t)(uint32_t)(e >> 32) & mask; s[p]; p = (p + 1) & mask)
			;
		s[p] = e;
	}
	free(x->slot);
	x->slot = s;
	x->mask = mask;
	return IB_OK;
}

int ib_idx_put(struct ib_idx *x, struct ib_idx_walk *w, uint32_t id)
{
	if (id == UINT32_MAX)
		return IB_ERR_NOMEM;
	if (!x->slot || x->n + 1 > (x->mask + 1) / 4 * 3) {
		if (grow(x) < 0)
			return IB_ERR_NOMEM;
		for (w->pos = (size_t)w->tag & x->mask; x->slot[w->pos]; w->pos = (w->pos + 1) & x->mask)
			;
	}
	x->slot[w->pos] = (uint64_t)w->tag << 32 | ((uint64_t)id + 1);
	x->n++;
	return IB_OK;
}

void ib_idx_del(struct ib_idx *x, const struct ib_idx_walk *w)
{
	size_t i = (w->pos - 1) & x->mask, j = i;

	/* an entry after the hole moves into it unless its home slot lies in (i, j] */
	for (;;) {
		uint64_t e;
		size_t home;

		j = (j + 1) & x->mask;
		if (!(e = x->slot[j]))
			break;
		home = (size_t)(uint32_t)(e >> 32) & x->mask;
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		x->slot[i] = e;
		i = j;
	}
	x->slot[i] = 0;
	x->n--;
}

void ib_idx_release(struct ib_idx *x)
{
	free(x->slot);
	x->slot = NULL;
	x->mask = 0;
	x->n = 0;
}
