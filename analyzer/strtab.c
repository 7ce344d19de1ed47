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

/* The id of (key, len) of hash h, or -1; the walk w then stands where it goes. */
static int64_t find(const struct ib_strtab *t, const char *key, size_t len, uint64_t h, struct ib_idx_walk *w)
{
	int64_t i;

	ib_idx_walk(&t->idx, h, w);
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

	return find(t, key, len, ib_strtab_hash(key, len), &w);
}

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* The high bit of each byte of w that is 0. */
static inline uint64_t zero_bytes(uint64_t w)
{
	return ~(((w & ~HIGHS) + ~HIGHS) | w) & HIGHS;
}

/* The mask of the first n (< 8) bytes of a word read from memory. */
static inline uint64_t first_bytes(size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return ~(~(uint64_t)0 >> (8 * n));
#else
	return ~(~(uint64_t)0 << (8 * n));
#endif
}

/*
 * Word w as stored: NUL bytes among those of `valid` (0xff each) as '?',
 * and with lower, 'A'-'Z' as 'a'-'z'. Bytewise, so in any byte order.
 */
static inline uint64_t fold(uint64_t w, uint64_t valid, unsigned lower)
{
	uint64_t low7 = w & ~HIGHS, upper = 0;

	if (lower) /* high bits of the bytes >= 'A', and of those > 'Z': no carry between bytes */
		upper = (low7 + ONES * (0x80 - 'A')) & ~(low7 + ONES * (0x80 - 'Z' - 1)) & ~w & HIGHS;
	return w | upper >> 2 | ((zero_bytes(w) & valid) >> 7) * '?';
}

/*
 * The key of (s, len) as stored, and its hash, in one pass: *key is s
 * itself when it needs no change, else t->scratch. -1: out of memory.
 */
static int key_of(struct ib_strtab *t, const char *s, size_t len, unsigned lower, const char **key,
		  uint64_t *hash)
{
	uint64_t h = ib_hash_start(len), zeros = 0, w;
	size_t i = 0;
	char *k;

	if (!lower) {
		for (; i + 8 <= len; i += 8) {
			memcpy(&w, s + i, 8);
			zeros |= zero_bytes(w);
			h = ib_hash_mix(h, w);
		}
		if (i < len) {
			w = ib_hash_tail(s + i, len - i);
			zeros |= zero_bytes(w | ~first_bytes(len - i)); /* the padding is not a NUL */
			h = ib_hash_mix(h, w);
		}
		if (!zeros) {
			*key = s;
			*hash = ib_hash_end(h);
			return 0;
		}
		h = ib_hash_start(len); /* a NUL byte: again, into the scratch */
		i = 0;
	}
	if (ib_grow((void **)&t->scratch, &t->scratch_cap, len + 8, 1) < 0)
		return -1;
	k = t->scratch;
	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		w = fold(w, ~(uint64_t)0, lower);
		memcpy(k + i, &w, 8);
		h = ib_hash_mix(h, w);
	}
	if (i < len) {
		w = fold(ib_hash_tail(s + i, len - i), first_bytes(len - i), lower);
		memcpy(k + i, &w, 8); /* in memory order: ib_hash_tail is memcpy's word */
		h = ib_hash_mix(h, w);
	}
	*key = k;
	*hash = ib_hash_end(h);
	return 0;
}

int ib_strtab_intern(struct ib_strtab *t, const char *s, size_t len, unsigned flags, uint32_t *id)
{
	struct ib_idx_walk w;
	struct ib_srec *r;
	const char *key;
	uint64_t h;
	int64_t i;

	/* the string interned last, when s is its bytes (which then need no fold): mostly a server */
	if (t->n > t->last && srec(t, t->last)->len == len && memcmp(t->s[t->last], s, len) == 0) {
		*id = t->last;
		return IB_OK;
	}
	if (len >= UINT32_MAX - 16 || key_of(t, s, len, flags & IB_ST_LOWER, &key, &h) < 0)
		return IB_ERR_NOMEM;
	if ((i = find(t, key, len, h, &w)) >= 0) {
		*id = t->last = (uint32_t)i;
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
	*id = t->last = r->id;
	t->n++;
	return IB_OK;
}

void ib_strtab_drop_index(struct ib_strtab *t)
{
	ib_idx_release(&t->idx);
	free(t->scratch);
	t->scratch = NULL;
	t->scratch_cap = 0;
}

void ib_strtab_release(struct ib_strtab *t)
{
	ib_idx_release(&t->idx);
	arena_free(&t->ar);
	free(t->s);
	free(t->scratch);
	memset(t, 0, sizeof(*t));
}
