/*
 * state_succ.c: the successes of a state file (version 5; state_int.h).
 * A success is one per user, address, server, signature, layer and
 * bucket, with a count and a first and last time, no evidence. The file
 * lists them by series (the key without the bucket), series rising by
 * (user, address, server, signature: each by the strings' bytes, i.e.
 * their ranks; then layer), entries rising by bucket:
 *   series count u64, base i64 (the smallest bucket), then per series:
 *     user, address, server and signature ranks (varints; each the
 *     difference from the previous series' while the fields before it
 *     are equal), layer u8, entries n >= 1 (varint), the first entry's
 *     bucket - base (varint), then n entries:
 *       tag u8: bit 0 span > 0, bit 1 count > 1, bit 2 offset and span
 *         in whole seconds, bit 3 offset as a difference, bits 4-7
 *         min(gap, 15), gap being the bucket minus the previous entry's
 *         minus 1 (0 for the first entry);
 *       [gap - 15 (varint), when bits 4-7 are 15], [count - 2 (varint)],
 *       the offset (first time - bucket start; in seconds with bit 2):
 *         with bit 3 minus the previous entry's (0 for the first; zigzag
 *         varint), which is written when its varint is shorter;
 *       [last - first time (varint, / 1000 with bit 2)].
 * A client polling at a steady interval keeps its offset within the
 * bucket, so its login costs 2 bytes. Every choice above is a
 * function of the content, so equal content gives equal bytes.
 */
#include "state_int.h"

static int key_cmp(const struct ib_state_ref *p, const struct ib_state_ref *q)
{
	if (p->user != q->user)
		return p->user < q->user ? -1 : 1;
	if (p->ip != q->ip)
		return p->ip < q->ip ? -1 : 1;
	if (p->server != q->server)
		return p->server < q->server ? -1 : 1;
	if (p->sig != q->sig)
		return p->sig < q->sig ? -1 : 1;
	return (p->layer > q->layer) - (p->layer < q->layer);
}

static int ref_cmp(const void *x, const void *y)
{
	const struct ib_state_ref *p = x, *q = y;
	int c = key_cmp(p, q);

	if (c)
		return c;
	return (p->pos > q->pos) - (p->pos < q->pos);
}

int ib_state_succ_order(const struct ib_agg *a, const uint32_t *const rank[IB_S_KINDS],
			struct ib_state_succ *o)
{
	const struct ib_succ *s = &a->succ;
	size_t ncel = 0;

	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < a->ncells; i++) {
		const struct ib_scell *c = ib_agg_scell_at(a, i);

		ncel += c->cat == IB_CAT_OK && !c->conn;
	}
	o->ser = malloc((s->nser ? s->nser : 1) * sizeof(*o->ser));
	o->cel = malloc((ncel ? ncel : 1) * sizeof(*o->cel));
	if (!o->ser || !o->cel) {
		ib_state_succ_release(o);
		return IB_ERR_NOMEM;
	}
	for (size_t i = 0; i < s->nser; i++) {
		const struct ib_skey *k = &s->ser[i].k;
		struct ib_state_ref *r = &o->ser[o->nser];

		if (!s->ser[i].n) /* left empty by a merge or a join */
			continue;
		r->user = rank[IB_S_USER][k->user];
		r->ip = rank[IB_S_IP][k->ip];
		r->server = rank[IB_S_SERVER][k->server];
		r->sig = rank[IB_S_SIG][k->sig];
		r->layer = k->layer;
		r->pos = k->hi;
		r->i = i;
		o->nser++;
	}
	for (size_t i = 0; i < a->ncells; i++) {
		struct ib_cell cb;
		const struct ib_cell *c = ib_agg_cell(a, i, &cb);
		struct ib_state_ref *r = &o->cel[o->ncel];

		if (c->category != IB_CAT_OK || c->connection)
			continue;
		r->user = rank[IB_S_USER][c->user];
		r->ip = rank[IB_S_IP][c->ip];
		r->server = rank[IB_S_SERVER][c->server];
		r->sig = rank[IB_S_SIG][c->signature];
		r->layer = c->layer;
		r->pos = c->bucket;
		r->i = i;
		o->ncel++;
	}
	qsort(o->ser, o->nser, sizeof(*o->ser), ref_cmp);
	qsort(o->cel, o->ncel, sizeof(*o->cel), ref_cmp);
	for (size_t x = 0; x < o->nser; x++) {
		const struct ib_sser *x0 = &s->ser[o->ser[x].i];
		int64_t b = x0->k.hi * IB_SUCC_SPAN + x0->e[0].b;

		if (b < o->base || x == 0)
			o->base = b;
	}
	for (size_t y = 0; y < o->ncel; y++)
		if (o->cel[y].pos < o->base || (y == 0 && !o->nser))
			o->base = o->cel[y].pos;
	for (size_t x = 0, y = 0; x < o->nser || y < o->ncel; o->ngroups++) {
		const struct ib_state_ref *g =
		    y == o->ncel || (x < o->nser && key_cmp(&o->ser[x], &o->cel[y]) <= 0) ? &o->ser[x]
											  : &o->cel[y];

		while (x < o->nser && key_cmp(&o->ser[x], g) == 0)
			x++;
		while (y < o->ncel && key_cmp(&o->cel[y], g) == 0)
			y++;
	}
	return IB_OK;
}

void ib_state_succ_release(struct ib_state_succ *o)
{
	free(o->ser);
	free(o->cel);
	memset(o, 0, sizeof(*o));
}

/* The fields of a series' key but its layer. */
static void key_fields(struct ib_state_ref *g, uint32_t *f[4])
{
	f[0] = &g->user;
	f[1] = &g->ip;
	f[2] = &g->server;
	f[3] = &g->sig;
}

/* A series' key: each field as the difference from the previous series' while all before it are equal. */
static void wkey(struct ib_wr *w, struct ib_state_ref *prev, struct ib_state_ref *g)
{
	uint32_t *p[4], *f[4];
	int eq = 1;

	key_fields(prev, p);
	key_fields(g, f);
	for (int i = 0; i < 4; i++) {
		ib_wvar(w, eq ? *f[i] - *p[i] : *f[i]);
		eq = eq && *f[i] == *p[i];
	}
	ib_wint(w, g->layer, 1);
}

/* v's zigzag form (0, -1, 1, -2, ... as 0, 1, 2, 3, ...). */
static uint64_t zig(int64_t v)
{
	return v < 0 ? ~((uint64_t)v << 1) : (uint64_t)v << 1;
}

static int varint_len(uint64_t v)
{
	int n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static int64_t unzig(uint64_t v)
{
	return (v & 1) ? (int64_t) ~(v >> 1) : (int64_t)(v >> 1);
}

/*
 * One entry; prev: the previous entry's bucket, or for the first the
 * section's base; *poff: the previous entry's offset in its bucket (0 for
 * the first), the offset's then.
 */
static void wentry(struct ib_wr *w, const struct ib_cell *c, int64_t B, int first, int64_t prev,
		   int64_t *poff)
{
	int64_t r = c->first_ms % B;
	uint64_t off = (uint64_t)(r < 0 ? r + B : r), span = (uint64_t)c->last_ms - (uint64_t)c->first_ms;
	uint64_t gap = first ? 0 : (uint64_t)c->bucket - (uint64_t)prev - 1; /* exact mod 2^64 */
	unsigned sec = off % 1000 == 0 && span % 1000 == 0;
	uint64_t raw = sec ? off / 1000 : off,
		 dz = zig(sec ? (int64_t)off / 1000 - *poff / 1000 : (int64_t)off - *poff);
	unsigned diff = varint_len(dz) < varint_len(raw);
	unsigned char tag = (unsigned char)((gap < 15 ? gap : 15) << 4 | diff << 3 | sec << 2 |
					    (c->count > 1) << 1 | (span > 0));

	if (first)
		ib_wvar(w, (uint64_t)c->bucket - (uint64_t)prev);
	ib_wbytes(w, &tag, 1);
	if (gap >= 15)
		ib_wvar(w, gap - 15);
	if (c->count > 1)
		ib_wvar(w, c->count - 2);
	ib_wvar(w, diff ? dz : raw);
	*poff = (int64_t)off;
	if (span)
		ib_wvar(w, sec ? span / 1000 : span);
}

int ib_state_succ_write(struct ib_wr *w, const struct ib_agg *a, const struct ib_state_succ *o)
{
	size_t x = 0, j = 0, y = 0; /* series ref x, its entry j; cell ref y */
	struct ib_state_ref last;

	memset(&last, 0, sizeof(last));
	ib_wint(w, o->ngroups, 8);
	ib_wint(w, (uint64_t)o->base, 8);
	while (x < o->nser || y < o->ncel) {
		struct ib_state_ref g = y == o->ncel || (x < o->nser && key_cmp(&o->ser[x], &o->cel[y]) <= 0)
					    ? o->ser[x]
					    : o->cel[y];
		uint64_t n = 0;
		int64_t prev = o->base, poff = 0;

		for (size_t t = x; t < o->nser && key_cmp(&o->ser[t], &g) == 0; t++)
			n += a->succ.ser[o->ser[t].i].n;
		for (size_t t = y; t < o->ncel && key_cmp(&o->cel[t], &g) == 0; t++)
			n++;
		wkey(w, &last, &g);
		ib_wvar(w, n);
		last = g;
		for (uint64_t k = 0; k < n; k++) {
			const struct ib_sser *s =
			    x < o->nser && key_cmp(&o->ser[x], &g) == 0 ? &a->succ.ser[o->ser[x].i] : NULL;
			int64_t sb = s ? s->k.hi * IB_SUCC_SPAN + s->e[j].b : 0;
			int from_cell =
			    y < o->ncel && key_cmp(&o->cel[y], &g) == 0 && (!s || o->cel[y].pos < sb);
			struct ib_cell c;

			if (from_cell) {
				ib_agg_cell(a, o->cel[y++].i, &c);
			} else {
				ib_succ_series_cell(&a->succ, a->bucket_ms, o->ser[x].i, j, &c);
				if (++j == s->n) {
					x++;
					j = 0;
				}
			}
			if (k && c.bucket <= prev)
				return IB_ERR_INTERNAL;
			wentry(w, &c, a->bucket_ms, k == 0, prev, &poff);
			prev = c.bucket;
		}
	}
	return IB_OK;
}

/* The store's entries of one series (key sk) read so far, handed over whole. */
struct pending {
	struct ib_skey sk;
	struct ib_sent *e; /* scratch, at most IB_SUCC_SPAN entries */
	size_t n, cap;
};

static int flush(struct ib_agg *a, struct pending *p)
{
	struct ib_sser x;
	int rc;

	if (!p->n)
		return IB_OK;
	memset(&x, 0, sizeof(x));
	x.k = p->sk;
	x.n = x.cap = p->n;
	x.e = malloc(p->n * sizeof(*x.e));
	if (!x.e)
		return IB_ERR_NOMEM;
	memcpy(x.e, p->e, p->n * sizeof(*x.e));
	p->n = 0;
	rc = ib_succ_adopt(&a->succ, &x.k, &x, &x);
	if (rc < 0 || rc == IB_SKIP) /* IB_SKIP: the series exists, which the order rules out */
		free(x.e);
	return rc == IB_SKIP ? IB_ERR_FORMAT : rc;
}

/* A series' key after prev's (wkey); 0, or -1 when a field is out of range. */
static int rkey(struct ib_rd *r, const struct ib_agg *a, struct ib_state_ref *prev, struct ib_state_ref *g)
{
	static const int kind[4] = {IB_S_USER, IB_S_IP, IB_S_SERVER, IB_S_SIG};
	uint32_t *p[4], *f[4];
	int eq = 1;

	key_fields(prev, p);
	key_fields(g, f);
	for (int i = 0; i < 4; i++) {
		uint64_t d = ib_rvar(r), from = eq ? *p[i] : 0;

		if (d >= a->st[kind[i]].n - from)
			return -1;
		*f[i] = (uint32_t)(from + d);
		eq = eq && *f[i] == *p[i];
	}
	g->layer = (uint8_t)ib_rdint(r, 1);
	return r->bad || g->layer >= IB_LAYER_COUNT ? -1 : 0;
}

/*
 * The offset in its bucket of an entry from v as read (in seconds when
 * sec; with diff the zigzag difference from poff, the previous entry's
 * offset in ms, in [0, B)): -1 when outside [0, B), else the offset.
 */
static int64_t roff(int64_t B, int64_t poff, uint64_t v, int sec, int diff)
{
	int64_t unit = sec ? 1000 : 1, p = diff ? poff / unit : 0, d,
		most = (B - 1) / unit; /* offsets p + d in [0, most] */

	if (!diff) {
		if (v > (uint64_t)most)
			return -1;
		return (int64_t)v * unit;
	}
	d = unzig(v);
	if (d >= 0 ? d > most - p : d < -p)
		return -1;
	return (p + d) * unit;
}

/*
 * Entry k of a series into *c; *bucket: the previous entry's bucket, or
 * for the first the section's base; *poff: the previous entry's offset in
 * its bucket (wentry). 0, or -1 when it is bad.
 */
static int rentry(struct ib_rd *r, int64_t B, uint64_t k, int64_t *bucket, int64_t *poff, struct ib_cell *c)
{
	unsigned tag;
	uint64_t gap, off, span, count = 1, v;
	int64_t o;

	if (k == 0) { /* base + the varint, within int64 */
		uint64_t up = ib_rvar(r);

		if (up > (uint64_t)INT64_MAX - (uint64_t)*bucket)
			return -1;
		*bucket = (int64_t)((uint64_t)*bucket + up);
	}
	tag = (unsigned)ib_rdint(r, 1);
	gap = tag >> 4;
	if (gap == 15) {
		uint64_t more = ib_rvar(r);

		if (more > UINT64_MAX - 15)
			return -1;
		gap += more;
	}
	if (tag & 2) {
		count = ib_rvar(r) + 2;
		if (count < 2)
			return -1;
	}
	v = ib_rvar(r);
	span = (tag & 1) ? ib_rvar(r) : 0;
	if (r->bad || (k == 0 && gap) || ((tag & 1) && !span) ||
	    (o = roff(B, *poff, v, tag & 4, tag & 8)) < 0)
		return -1;
	*poff = o;
	off = (uint64_t)o;
	if (tag & 4) {
		if (span > (uint64_t)B / 1000)
			return -1;
		span *= 1000;
	}
	if (k) { /* bucket = previous + gap + 1, within int64 (INT64_MAX - previous, mod 2^64, is exact) */
		if (gap >= (uint64_t)INT64_MAX - (uint64_t)*bucket)
			return -1;
		*bucket = (int64_t)((uint64_t)*bucket + gap + 1);
	}
	c->bucket = *bucket;
	c->count = count;
	return ib_state_times(B, *bucket, off, span, &c->first_ms, &c->last_ms);
}

int ib_state_succ_read(struct ib_agg *a, struct ib_rd *r, const char *name, struct ib_error *err)
{
	struct ib_state_ref prev;
	struct pending p;
	size_t at = r->off;
	uint64_t ngroups = ib_rdint(r, 8);
	int64_t base = (int64_t)ib_rdint(r, 8);
	const char *why = NULL; /* what is corrupt */
	int rc = IB_OK;

	memset(&prev, 0, sizeof(prev));
	memset(&p, 0, sizeof(p));
	if (r->bad || ngroups > (r->len - r->off) / 9 + 1)
		return ib_state_corrupt(err, name, at, "bad series count");
	for (uint64_t i = 0; i < ngroups && rc >= 0 && !why; i++) {
		struct ib_state_ref g;
		struct ib_ckey k;
		uint64_t n;
		int64_t bucket = base, poff = 0;

		at = r->off;
		memset(&g, 0, sizeof(g));
		if (rkey(r, a, &prev, &g) < 0)
			r->bad = 1;
		n = ib_rvar(r); /* 0 when bad */
		if (r->bad || n == 0 || n > (r->len - r->off) / 2 + 1 || (i && key_cmp(&prev, &g) >= 0)) {
			why = "bad series of successes";
			break;
		}
		prev = g;
		memset(&k, 0, sizeof(k));
		k.user = g.user;
		k.ip = g.ip;
		k.server = g.server;
		k.sig = g.sig;
		k.layer = g.layer;
		k.cat = IB_CAT_OK;
		for (uint64_t e = 0; e < n; e++) {
			struct ib_cell c;
			int64_t hi;

			at = r->off;
			if (rentry(r, a->bucket_ms, e, &bucket, &poff, &c) < 0) {
				why = "bad success";
				break;
			}
			hi = ib_floordiv(bucket, IB_SUCC_SPAN);
			if (p.n && hi != p.sk.hi && (rc = flush(a, &p)) < 0)
				break;
			if (!p.n) {
				memset(&p.sk, 0, sizeof(p.sk));
				p.sk.hi = hi;
				p.sk.user = k.user;
				p.sk.ip = k.ip;
				p.sk.server = k.server;
				p.sk.sig = k.sig;
				p.sk.layer = k.layer;
			}
			if (p.n == p.cap) {
				size_t cap = p.cap ? p.cap * 2 : 256;
				struct ib_sent *ne =
				    cap > IB_SUCC_SPAN ? NULL : realloc(p.e, cap * sizeof(*ne));

				if (!ne) {
					rc = IB_ERR_NOMEM;
					break;
				}
				p.e = ne;
				p.cap = cap;
			}
			if (ib_succ_entry(a->bucket_ms, bucket, c.count, c.first_ms, c.last_ms, &p.e[p.n]) ==
			    0) {
				p.n++;
				continue;
			}
			k.bucket = bucket; /* kept among the cells, as ib_agg_cell_add would */
			if ((rc = ib_agg_cell_add(a, &k, c.count, c.first_ms, c.last_ms, 0, 0, 1)) < 0)
				break;
		}
		if (rc >= 0 && !why)
			rc = flush(a, &p);
	}
	free(p.e);
	if (why)
		return ib_state_corrupt(err, name, at, why);
	if (rc == IB_ERR_FORMAT)
		return ib_state_corrupt(err, name, at, "duplicate success");
	if (rc == IB_ERR_NOMEM)
		return ib_error_set(err, rc, ENOMEM, name, at, "out of memory");
	return rc < 0 ? rc : IB_OK;
}
