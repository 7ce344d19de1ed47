/*
 * agg_succ.c: the aggregator's store of successes (agg_int.h, struct
 * ib_succ). Most cells are logins that worked: one per user, address,
 * server, signature, layer and bucket. They are kept here by series (the
 * key without its bucket, and bucket / 65536), each a sorted array of
 * 12-byte entries (bucket % 65536, first time in its bucket, span, count)
 * where a cell takes 44 bytes and an index entry. The evidence of a
 * success is never kept (no report shows it). A value that does not fit
 * goes back to the caller, which keeps that cell among the others
 * (agg.c): content never depends on where a cell lives.
 */
#include "agg_int.h"

/* The key of a series: a cell's key without the bucket's low 16 bits. */
static void series_key(struct ib_skey *sk, const struct ib_ckey *k)
{
	memset(sk, 0, sizeof(*sk));
	sk->hi = ib_floordiv(k->bucket, IB_SUCC_SPAN);
	sk->user = k->user;
	sk->ip = k->ip;
	sk->server = k->server;
	sk->sig = k->sig;
	sk->layer = k->layer;
}

static uint64_t series_hash(const struct ib_skey *sk)
{
	return ib_strtab_hash((const char *)sk, sizeof(*sk));
}

static int same_series(const struct ib_sser *s, const struct ib_skey *sk)
{
	return memcmp(&s->k, sk, sizeof(*sk)) == 0;
}

/* The index of the series of sk, or -1; the walk w then stands where it goes. */
static int64_t series_find(const struct ib_succ *s, const struct ib_skey *sk, struct ib_idx_walk *w)
{
	int64_t i;

	ib_idx_walk(&s->idx, series_hash(sk), w);
	while ((i = ib_idx_next(&s->idx, w)) >= 0)
		if (same_series(&s->ser[i], sk))
			return i;
	return -1;
}

static int64_t series_get(const struct ib_succ *s, const struct ib_skey *sk)
{
	struct ib_idx_walk w;

	return series_find(s, sk, &w);
}

/* Room for more series, by a quarter (a big array is remapped, not copied). */
static int grow_series(struct ib_succ *s)
{
	size_t cap = s->cap + s->cap / 4 + 64;
	struct ib_sser *p = realloc(s->ser, cap * sizeof(*p));

	if (!p)
		return IB_ERR_NOMEM;
	s->ser = p;
	s->cap = cap;
	return IB_OK;
}

/* The index of the series of sk, created when new. */
static int series_ins(struct ib_succ *s, const struct ib_skey *sk, size_t *out)
{
	struct ib_idx_walk w;
	int64_t i = series_find(s, sk, &w);

	if (i < 0) {
		if (s->nser >= UINT32_MAX - 1 || (s->nser == s->cap && grow_series(s) < 0) ||
		    ib_idx_put(&s->idx, &w, (uint32_t)s->nser) < 0)
			return IB_ERR_NOMEM;
		memset(&s->ser[s->nser], 0, sizeof(*s->ser));
		s->ser[s->nser].k = *sk;
		i = (int64_t)s->nser++;
	}
	*out = (size_t)i;
	return IB_OK;
}

/*
 * Room for one more entry in series x, by an eighth: a series holds
 * about a bucket per login interval, so slack beyond that would be a
 * good part of the store (doubling wastes a quarter on average).
 */
static int grow(struct ib_sser *x)
{
	size_t cap = x->cap + x->cap / 8 + 4;
	struct ib_sent *e = realloc(x->e, cap * sizeof(*e));

	if (!e)
		return IB_ERR_NOMEM;
	x->e = e;
	x->cap = cap;
	return IB_OK;
}

/* The position of bucket b in series x: *found set, or where it goes. */
static size_t entry_pos(const struct ib_sser *x, uint16_t b, int *found)
{
	size_t lo = 0, hi = x->n;

	if (x->n && x->e[x->n - 1].b < b) { /* in time order: past the end */
		*found = 0;
		return x->n;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (x->e[mid].b < b)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < x->n && x->e[lo].b == b;
	return lo;
}

/* Times [first, last] of bucket `bucket` as an entry's offset and span, or -1 when they do not fit. */
static int entry_times(int64_t B, int64_t bucket, int64_t first, int64_t last, uint32_t *off, uint32_t *span)
{
	int64_t start;

	if (B > (int64_t)UINT32_MAX || first < -IB_SUCC_TMAX || first > IB_SUCC_TMAX || last < first ||
	    last > IB_SUCC_TMAX)
		return -1;
	start = bucket * B; /* |bucket * B| <= |first| + B: no overflow */
	if (first < start || first - start >= B || last - first > (int64_t)UINT32_MAX)
		return -1;
	*off = (uint32_t)(first - start);
	*span = (uint32_t)(last - first);
	return 0;
}

int ib_succ_entry(int64_t B, int64_t bucket, uint64_t count, int64_t first, int64_t last, struct ib_sent *out)
{
	uint32_t off, span;

	if (count == 0 || count > UINT16_MAX || entry_times(B, bucket, first, last, &off, &span) < 0)
		return -1;
	out->b = (uint16_t)(bucket - ib_floordiv(bucket, IB_SUCC_SPAN) * IB_SUCC_SPAN);
	out->count = (uint16_t)count;
	out->off = off;
	out->span = span;
	return 0;
}

int ib_succ_add(struct ib_succ *s, int64_t B, const struct ib_ckey *k, uint64_t *count, int64_t *first,
		int64_t *last, int must_be_new)
{
	struct ib_skey sk;
	struct ib_sser *x;
	struct ib_sent *e;
	uint32_t off, span;
	uint16_t b;
	size_t si, at;
	int found, rc;

	series_key(&sk, k);
	b = (uint16_t)(k->bucket - sk.hi * IB_SUCC_SPAN);
	if (*count > UINT16_MAX || entry_times(B, k->bucket, *first, *last, &off, &span) < 0) {
		int64_t i = series_get(s, &sk);

		if (i < 0)
			return IB_SKIP;
		x = &s->ser[i];
		si = (size_t)i;
		goto spill; /* with what the entry holds, if there is one */
	}
	if ((rc = series_ins(s, &sk, &si)) < 0)
		return rc;
	x = &s->ser[si];
	at = entry_pos(x, b, &found);
	if (!found) {
		if (x->n == x->cap && grow(x) < 0)
			return IB_ERR_NOMEM;
		memmove(&x->e[at + 1], &x->e[at], (x->n - at) * sizeof(*x->e));
		e = &x->e[at];
		e->b = b;
		e->count = (uint16_t)*count;
		e->off = off;
		e->span = span;
		x->n++;
		s->n++;
		s->dir->stale = 1;
		return IB_OK;
	}
	if (must_be_new)
		return IB_ERR_FORMAT;
	e = &x->e[at];
	{
		int64_t f0 = k->bucket * B + e->off, l0 = f0 + e->span;
		int64_t nf = *first < f0 ? *first : f0, nl = *last > l0 ? *last : l0;
		uint64_t nc = *count + e->count;

		if (nc <= UINT16_MAX && entry_times(B, k->bucket, nf, nl, &off, &span) == 0) {
			e->count = (uint16_t)nc;
			e->off = off;
			e->span = span;
			return IB_OK;
		}
	}
spill:
	/* the entry (if any) leaves, summed into what goes back to the caller */
	at = entry_pos(x, b, &found);
	if (!found)
		return IB_SKIP;
	if (must_be_new)
		return IB_ERR_FORMAT;
	e = &x->e[at];
	{
		int64_t f0 = k->bucket * B + e->off, l0 = f0 + e->span;

		*count += e->count;
		if (f0 < *first)
			*first = f0;
		if (l0 > *last)
			*last = l0;
	}
	memmove(&x->e[at], &x->e[at + 1], (x->n - at - 1) * sizeof(*x->e));
	x->n--;
	s->n--;
	s->dir->stale = 1;
	return IB_SKIP;
}

/* Entry j of series x decoded as a cell. */
static inline void entry_cell(const struct ib_sser *x, size_t j, int64_t B, struct ib_cell *out)
{
	const struct ib_sent *e = &x->e[j];

	/* every field set, no memset: the analysis decodes each success many times */
	out->bucket = x->k.hi * IB_SUCC_SPAN + e->b;
	out->first_ms = out->bucket * B + e->off;
	out->last_ms = out->first_ms + e->span;
	out->user = x->k.user;
	out->ip = x->k.ip;
	out->server = x->k.server;
	out->signature = x->k.sig;
	out->layer = x->k.layer;
	out->category = IB_CAT_OK;
	out->connection = 0;
	out->count = e->count;
	out->first_file = 0;
	out->first_line = 0;
}

int ib_succ_find(const struct ib_succ *s, int64_t B, const struct ib_ckey *k, struct ib_cell *out)
{
	struct ib_skey sk;
	int64_t i;
	size_t at;
	int found;

	series_key(&sk, k);
	i = series_get(s, &sk);
	if (i < 0)
		return 0;
	at = entry_pos(&s->ser[i], (uint16_t)(k->bucket - sk.hi * IB_SUCC_SPAN), &found);
	if (found && out)
		entry_cell(&s->ser[i], at, B, out);
	return found;
}

int ib_succ_sub(struct ib_succ *s, const struct ib_ckey *k)
{
	struct ib_skey sk;
	int64_t i;
	size_t at;
	int found;

	series_key(&sk, k);
	i = series_get(s, &sk);
	if (i < 0)
		return IB_SKIP;
	at = entry_pos(&s->ser[i], (uint16_t)(k->bucket - sk.hi * IB_SUCC_SPAN), &found);
	if (!found)
		return IB_SKIP;
	if (s->ser[i].e[at].count < 2)
		return IB_ERR_USAGE;
	s->ser[i].e[at].count--;
	return IB_OK;
}

/* The directory's positions, rebuilt when stale; NULL when out of memory. */
static const size_t *dir_start(const struct ib_succ *s)
{
	struct ib_sdir *d = s->dir;
	size_t pos = 0;

	if (!d->stale && d->start && d->nstart == s->nser)
		return d->start;
	if (d->cap < s->nser) {
		size_t *p = realloc(d->start, s->nser * sizeof(*p));

		if (!p)
			return NULL;
		d->start = p;
		d->cap = s->nser;
	}
	for (size_t i = 0; i < s->nser; i++) {
		d->start[i] = pos;
		pos += s->ser[i].n;
	}
	d->nstart = s->nser;
	d->stale = 0;
	d->cursor = 0;
	return d->start;
}

void ib_succ_cell(const struct ib_succ *s, int64_t B, size_t x, struct ib_cell *out)
{
	const size_t *start = dir_start(s);
	size_t i = s->dir->cursor, at;

	if (!start) { /* no room for the directory: walk from the first series */
		for (i = 0; x >= s->ser[i].n; i++)
			x -= s->ser[i].n;
		entry_cell(&s->ser[i], x, B, out);
		return;
	}
	if (i >= s->nser || x < start[i]) {
		size_t lo = 0, hi = s->nser; /* the last series that starts at or before x */

		while (hi - lo > 1) {
			size_t mid = lo + (hi - lo) / 2;

			if (start[mid] <= x)
				lo = mid;
			else
				hi = mid;
		}
		i = lo;
	}
	while (x - start[i] >= s->ser[i].n) /* forward over the series before x, empty ones too */
		i++;
	at = x - start[i];
	s->dir->cursor = i;
	entry_cell(&s->ser[i], at, B, out);
}

size_t ib_succ_run(const struct ib_succ *s, int64_t B, size_t *ser, size_t *j, struct ib_cell *out,
		   size_t max)
{
	size_t n = 0, i = *ser, k = *j;

	for (; i < s->nser && n < max; i++, k = 0) {
		const struct ib_sser *x = &s->ser[i];

		for (; k < x->n && n < max; k++, n++)
			entry_cell(x, k, B, &out[n]);
		if (k < x->n)
			break; /* out is full: series i goes on at k */
	}
	*ser = i;
	*j = k;
	return n;
}

int ib_succ_unlink(struct ib_succ *s, size_t i)
{
	struct ib_idx_walk w;
	int64_t j;

	ib_idx_walk(&s->idx, series_hash(&s->ser[i].k), &w);
	while ((j = ib_idx_next(&s->idx, &w)) >= 0)
		if ((size_t)j == i) {
			ib_idx_del(&s->idx, &w);
			break;
		}
	return IB_OK; /* not there: left by an earlier join */
}

int ib_succ_adopt(struct ib_succ *s, const struct ib_skey *sk, const struct ib_sser *from,
		  struct ib_sser *steal)
{
	struct ib_sent *e;
	size_t si;
	int rc;

	if (series_get(s, sk) >= 0)
		return IB_SKIP;
	if (steal) {
		e = steal->e;
	} else if (!(e = malloc(from->n * sizeof(*e)))) {
		return IB_ERR_NOMEM;
	} else {
		memcpy(e, from->e, from->n * sizeof(*e));
	}
	if ((rc = series_ins(s, sk, &si)) < 0) {
		if (!steal)
			free(e);
		return rc;
	}
	s->ser[si].e = e;
	s->ser[si].n = from->n;
	s->ser[si].cap = steal ? from->cap : from->n;
	s->n += from->n;
	s->dir->stale = 1;
	if (steal) { /* steal (== from) keeps its count for ib_succ_series_drop, not its array */
		steal->e = NULL;
		steal->cap = 0;
	}
	return IB_OK;
}

int ib_succ_relink(struct ib_succ *s, size_t i, uint32_t server)
{
	struct ib_skey sk = s->ser[i].k;
	struct ib_idx_walk w;

	sk.server = server;
	if (series_find(s, &sk, &w) >= 0)
		return IB_SKIP;
	if (ib_idx_put(&s->idx, &w, (uint32_t)i) < 0)
		return IB_ERR_NOMEM;
	s->ser[i].k = sk;
	return IB_OK;
}

void ib_succ_series_cell(const struct ib_succ *s, int64_t B, size_t i, size_t j, struct ib_cell *out)
{
	entry_cell(&s->ser[i], j, B, out);
}

void ib_succ_series_drop(struct ib_succ *s, size_t i)
{
	s->n -= s->ser[i].n;
	free(s->ser[i].e);
	s->ser[i].e = NULL;
	s->ser[i].n = s->ser[i].cap = 0;
	s->dir->stale = 1;
}

void ib_succ_drop_index(struct ib_succ *s)
{
	ib_idx_release(&s->idx);
}

void ib_succ_release(struct ib_succ *s)
{
	struct ib_sdir *dir = s->dir;

	ib_idx_release(&s->idx);
	for (size_t i = 0; i < s->nser; i++)
		free(s->ser[i].e);
	free(s->ser);
	memset(s, 0, sizeof(*s));
	s->dir = dir;
	free(dir->start);
	memset(dir, 0, sizeof(*dir));
}
