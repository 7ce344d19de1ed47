/*
 * strtab.c: the aggregator's string table (agg_int.h). Strings of a kind
 * get dense ids, found through an index by a 64-bit hash of the string
 * (idx_int.h) and confirmed by comparing the bytes, so a lookup stays
 * exact whatever the hashes. The strings themselves live in an arena and
 * are never moved or freed one by one, so their addresses stay valid for
 * the table's life.
 */
#include <stddef.h>
#include "agg_int.h"

#define ARENA_BLOCK ((size_t)64 << 10)

/* Tests only (agg.h); results never depend on it. */
uint64_t ib_agg_hash_mask = ~(uint64_t)0;

static void *arena_alloc(struct ib_arena *ar, size_t n)
{
	size_t size;
	char *p;

	n = (n + 7) & ~(size_t)7;
	if (n <= ar->left) {
		p = ar->cur;
		ar->cur += n;
		ar->left -= n;
		return p;
	}
	size = n > ARENA_BLOCK / 4 ? n : ARENA_BLOCK;
	if (ib_grow((void **)&ar->blk, &ar->cap, ar->nblk + 1, sizeof(char *)) < 0 || !(p = malloc(size)))
		return NULL;
	ar->blk[ar->nblk++] = p;
	if (size == ARENA_BLOCK) {
		ar->cur = p + n;
		ar->left = size - n;
	}
	return p;
}

static void arena_free(struct ib_arena *ar)
{
	for (size_t i = 0; i < ar->nblk; i++)
		free(ar->blk[i]);
	free(ar->blk);
	memset(ar, 0, sizeof(*ar));
}

/* The stored string of id i, with its length. */
static const struct ib_srec *srec(const struct ib_strtab *t, uint32_t i)
{
	return (const struct ib_srec *)(const void *)(t->s[i] - offsetof(struct ib_srec, s));
}

/* The id of (key, len), or -1; the walk w then stands where it goes. */
static int64_t find(const struct ib_strtab *t, const char *key, size_t len, struct ib_idx_walk *w)
{
	int64_t i;

	ib_idx_walk(&t->idx, ib_strtab_hash(key, len), w);
	while ((i = ib_idx_next(&t->idx, w)) >= 0) {
		const struct ib_srec *r = srec(t, (uint32_t)i);

		if (r->len == len && memcmp(r->s, key, len) == 0)
			return i;
	}
	return -1;
}

int64_t ib_strtab_get(const struct ib_strtab *t, const char *key, size_t len)
{
	struct ib_idx_walk w;

	return find(t, key, len, &w);
}

int ib_strtab_intern(struct ib_strtab *t, const char *s, size_t len, unsigned flags, uint32_t *id)
{
	struct ib_idx_walk w;
	struct ib_srec *r;
	const char *key = s;
	int64_t i;

	if (len >= UINT32_MAX - 16)
		return IB_ERR_NOMEM;
	if ((flags & IB_ST_LOWER) || memchr(s, 0, len)) {
		char *k;

		if (ib_grow((void **)&t->scratch, &t->scratch_cap, len + 1, 1) < 0)
			return IB_ERR_NOMEM;
		k = t->scratch;
		if (flags & IB_ST_LOWER) {
			/* branch-free, so the compiler may vectorise it */
			for (size_t j = 0; j < len; j++) {
				unsigned char c = (unsigned char)s[j];

				c = (unsigned char)(c + ((unsigned char)(c - 'A') < 26 ? 32 : 0));
				k[j] = (char)(c ? c : '?');
			}
		} else {
			for (size_t j = 0; j < len; j++)
				k[j] = s[j] ? s[j] : '?';
		}
		key = k;
	}
	if ((i = find(t, key, len, &w)) >= 0) {
		*id = (uint32_t)i;
		return IB_OK;
	}
	if (t->n >= UINT32_MAX - 1 || ib_grow((void **)&t->s, &t->cap, t->n + 1, sizeof(char *)) < 0 ||
	    !(r = arena_alloc(&t->ar, sizeof(*r) + len + 1)))
		return IB_ERR_NOMEM;
	r->id = (uint32_t)t->n;
	r->len = (uint32_t)len;
	memcpy(r->s, key, len);
	r->s[len] = '\0';
	if (ib_idx_put(&t->idx, &w, r->id) < 0)
		return IB_ERR_NOMEM; /* the arena keeps r, unused */
	t->s[t->n] = r->s;
	*id = r->id;
	t->n++;
	return IB_OK;
}

void ib_strtab_release(struct ib_strtab *t)
{
	ib_idx_release(&t->idx);
	arena_free(&t->ar);
	free(t->s);
	free(t->scratch);
	memset(t, 0, sizeof(*t));
}
