/*
 * strtab.c: the aggregator's string table (agg_int.h). Strings of a kind
 * get dense ids. A JudyL keyed by a 64-bit hash of the string finds the
 * first string with that hash, confirmed by comparing the bytes; the rare
 * string whose hash is already taken lives in a JudySL instead, so a
 * lookup stays exact. Canonical IPv4 addresses are keyed by their value.
 * The strings themselves live in an arena and are never moved or freed
 * one by one, so their addresses stay valid for the table's life.
 */
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

/* A canonical dotted quad (no leading zeros, each part <= 255) as a number. */
static int ipv4_canon(const char *s, size_t len, uint32_t *out)
{
	uint32_t v = 0, part = 0;
	size_t i, digits = 0, dots = 0;

	if (len < 7 || len > 15)
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c >= '0' && c <= '9') {
			if (digits == 1 && part == 0)
				return 0;
			part = part * 10 + (uint32_t)(c - '0');
			if (++digits > 3 || part > 255)
				return 0;
		} else if (c == '.' && digits && dots < 3) {
			v = (v << 8) | part;
			part = 0;
			digits = 0;
			dots++;
		} else {
			return 0;
		}
	}
	if (!digits || dots != 3)
		return 0;
	*out = (v << 8) | part;
	return 1;
}

int64_t ib_strtab_get(const struct ib_strtab *t, const char *key, size_t len, unsigned flags)
{
	const struct ib_srec *r;
	PWord_t pv;
	uint32_t v4;

	if ((flags & IB_ST_IP) && ipv4_canon(key, len, &v4)) {
		pv = ib_jl_get(t->byip4, (Word_t)v4);
		return pv && *pv ? (int64_t)*pv - 1 : -1;
	}
	pv = ib_jl_get(t->byhash, (Word_t)ib_strtab_hash(key, len));
	if (!pv || !*pv)
		return -1;
	r = (const struct ib_srec *)*pv;
	if (r->len != len || memcmp(r->s, key, len) != 0) {
		pv = t->sl ? ib_jsl_get(t->sl, key) : NULL;
		if (!pv || !*pv)
			return -1;
		r = (const struct ib_srec *)*pv;
	}
	return r->id;
}

/*
 * The slot of (key, len) in t, created when absent (it then holds 0).
 * Slots of dotted quads (*byid = 1) hold the id + 1, others the struct
 * ib_srec *. NULL: *rc says why. An empty slot left by a failure reads as
 * absent everywhere.
 */
static PWord_t slot(struct ib_strtab *t, const char *key, size_t len, unsigned flags, int *byid, int *rc)
{
	const struct ib_srec *r;
	PWord_t pv;
	uint32_t v4;

	*byid = 0;
	if ((flags & IB_ST_IP) && ipv4_canon(key, len, &v4)) {
		*byid = 1;
		return ib_jl_ins(&t->byip4, (Word_t)v4, rc);
	}
	pv = ib_jl_ins(&t->byhash, (Word_t)ib_strtab_hash(key, len), rc);
	if (!pv || *pv == 0)
		return pv;
	r = (const struct ib_srec *)*pv;
	if (r->len == len && memcmp(r->s, key, len) == 0)
		return pv;
	return ib_jsl_ins(&t->sl, key, rc);
}

int ib_strtab_intern(struct ib_strtab *t, const char *s, size_t len, unsigned flags, uint32_t *id)
{
	struct ib_srec *r;
	PWord_t pv;
	char *key;
	int byid, rc = IB_ERR_NOMEM;

	if (len >= UINT32_MAX - 16 || ib_grow((void **)&t->scratch, &t->scratch_cap, len + 1, 1) < 0)
		return IB_ERR_NOMEM;
	key = t->scratch;
	if (flags & IB_ST_LOWER) {
		/* branch-free, so the compiler may vectorise it */
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)s[i];

			c = (unsigned char)(c + ((unsigned char)(c - 'A') < 26 ? 32 : 0));
			key[i] = (char)(c ? c : '?');
		}
	} else {
		memcpy(key, s, len);
		if (memchr(key, 0, len))
			for (size_t i = 0; i < len; i++)
				if (!key[i])
					key[i] = '?';
	}
	key[len] = '\0';
	pv = slot(t, key, len, flags, &byid, &rc);
	if (!pv)
		return rc;
	if (*pv) {
		*id = byid ? (uint32_t)(*pv - 1) : ((const struct ib_srec *)*pv)->id;
		return IB_OK;
	}
	if (t->n >= UINT32_MAX - 1 || ib_grow((void **)&t->s, &t->cap, t->n + 1, sizeof(char *)) < 0 ||
	    !(r = arena_alloc(&t->ar, sizeof(*r) + len + 1)))
		return IB_ERR_NOMEM;
	r->id = (uint32_t)t->n;
	r->len = (uint32_t)len;
	memcpy(r->s, key, len + 1);
	*pv = byid ? (Word_t)r->id + 1 : (Word_t)r;
	t->s[t->n] = r->s;
	*id = r->id;
	t->n++;
	return IB_OK;
}

void ib_strtab_drop_index(struct ib_strtab *t)
{
	ib_jl_free(&t->byhash);
	ib_jl_free(&t->byip4);
	ib_jsl_free(&t->sl);
	free(t->scratch);
	t->scratch = NULL;
	t->scratch_cap = 0;
}

void ib_strtab_release(struct ib_strtab *t)
{
	ib_jl_free(&t->byhash);
	ib_jl_free(&t->byip4);
	ib_jsl_free(&t->sl);
	arena_free(&t->ar);
	free(t->s);
	free(t->scratch);
	memset(t, 0, sizeof(*t));
}
