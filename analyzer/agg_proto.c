/*
 * agg_proto.c: the aggregator's protocol table (agg.h): classified events
 * by (bucket, protocol, category), of every protocol, the ones --protocols
 * leaves out of the cells included. One JudyL keyed by
 * bucket << 8 | protocol << 4 | category (ib_agg_proto_key), so its order
 * is a function of the content alone: merge, the state file and equality
 * need no sorting.
 */
#include "agg_int.h"

/* Buckets that fit the key: 56 bits, two's complement. */
#define PROTO_BUCKET_MAX ((int64_t)1 << 55)

static int key_of(int64_t bucket, unsigned p, unsigned c, uint64_t *key)
{
	if (bucket < -PROTO_BUCKET_MAX || bucket >= PROTO_BUCKET_MAX || p >= IB_PROTO_COUNT ||
	    c == IB_CAT_NONE || c >= IB_CAT_COUNT)
		return -1;
	*key = (uint64_t)bucket << 8 | (uint64_t)p << 4 | c;
	return 0;
}

static void key_split(uint64_t key, struct ib_proto_count *out)
{
	uint64_t b = key >> 8;

	if (b & (uint64_t)PROTO_BUCKET_MAX) /* sign-extend the 56-bit bucket */
		b |= ~(((uint64_t)1 << 56) - 1);
	out->bucket = (int64_t)b;
	out->protocol = (enum ib_proto)(key >> 4 & 15u);
	out->category = (enum ib_category)(key & 15u);
}

int ib_agg_proto_raw(struct ib_agg *a, uint64_t key, uint64_t n)
{
	struct ib_proto_count pc;
	PWord_t pv;
	int rc = IB_OK;

	key_split(key, &pc);
	if (pc.protocol >= IB_PROTO_COUNT || pc.category == IB_CAT_NONE || pc.category >= IB_CAT_COUNT)
		return IB_ERR_USAGE;
	if (!n)
		return IB_OK;
	/* mostly the entry of the event before; else mostly there: a lookup costs less than an insert */
	if (a->proto_last && a->proto_last_key == key)
		pv = a->proto_last;
	else if (!(pv = ib_jl_get(a->proto, (Word_t)key)) && !(pv = ib_jl_ins(&a->proto, (Word_t)key, &rc)))
		return rc;
	a->proto_last = pv;
	a->proto_last_key = key;
	*pv += n;
	return IB_OK;
}

/* The key of an event at time_ms: 0, or -1 for a time or category no entry can hold. */
static int time_key(const struct ib_agg *a, int64_t time_ms, enum ib_proto p, enum ib_category c,
		    uint64_t *key)
{
	if (time_ms == IB_TIME_NONE)
		return -1;
	return key_of(ib_floordiv(time_ms, a->bucket_ms), p, c, key);
}

int ib_agg_proto_add(struct ib_agg *a, int64_t time_ms, enum ib_proto p, enum ib_category c)
{
	uint64_t key;

	if (time_key(a, time_ms, p, c, &key))
		return IB_ERR_USAGE;
	return ib_agg_proto_raw(a, key, 1);
}

int ib_agg_proto_sub(struct ib_agg *a, int64_t time_ms, enum ib_proto p, enum ib_category c)
{
	uint64_t key;
	PWord_t pv;

	if (time_key(a, time_ms, p, c, &key))
		return IB_ERR_USAGE;
	pv = ib_jl_get(a->proto, (Word_t)key);
	if (!pv || *pv < 2)
		return IB_ERR_USAGE; /* the copy that stays is counted in the same entry */
	--*pv;
	return IB_OK;
}

int ib_agg_proto_take(struct ib_agg *a, const struct ib_event *ev, enum ib_category c)
{
	return ib_agg_proto_sub(a, ev->time_ms, ev->protocol, c);
}

int ib_agg_proto_next(const struct ib_agg *a, uint64_t *cursor, struct ib_proto_count *out)
{
	Word_t k = (Word_t)*cursor;
	PWord_t pv;

	if (*cursor == UINT64_MAX)
		return 0;
	pv = (PWord_t)JudyLFirst(a->proto, &k, PJE0);
	if (!pv || pv == PJERR)
		return 0;
	key_split((uint64_t)k, out);
	out->count = *pv;
	out->key = (uint64_t)k;
	*cursor = (uint64_t)k == UINT64_MAX ? UINT64_MAX : (uint64_t)k + 1;
	return 1;
}

size_t ib_agg_proto_n(const struct ib_agg *a)
{
	Word_t n = JudyLCount(a->proto, 0, (Word_t)-1, PJE0);

	return n == (Word_t)JERR ? 0 : (size_t)n;
}

int ib_agg_proto_merge(struct ib_agg *dst, const struct ib_agg *src)
{
	struct ib_proto_count pc;
	uint64_t cur = 0;
	int rc;

	while (ib_agg_proto_next(src, &cur, &pc))
		if ((rc = ib_agg_proto_raw(dst, pc.key, pc.count)) < 0)
			return rc;
	return IB_OK;
}

int ib_agg_proto_equal(const struct ib_agg *a, const struct ib_agg *b)
{
	struct ib_proto_count pc;
	uint64_t cur = 0;

	if (ib_agg_proto_n(a) != ib_agg_proto_n(b))
		return 0;
	while (ib_agg_proto_next(a, &cur, &pc)) {
		PWord_t pv = ib_jl_get(b->proto, (Word_t)pc.key);

		if (!pv || *pv != pc.count)
			return 0;
	}
	return 1;
}

void ib_agg_proto_free(struct ib_agg *a)
{
	ib_jl_free(&a->proto);
	a->proto_last = NULL;
}
