/*
 * agg.c: the aggregator (agg.h): cells, per-file accounting, input errors
 * and unparseable reasons, merge and equality. Strings are interned per
 * kind to dense ids (id 0 = "") by the string table (strtab.c). Cells
 * (one per distinct bucket, user, ip, server, signature, layer, category,
 * connection) live in fixed-size chunks, found through an index by a
 * hash of the key (idx_int.h) and confirmed by comparing the key itself,
 * so lookups stay exact. Nothing is kept per line, so memory grows with distinct cells
 * and strings only. Merge and the state file (state.c) re-intern strings,
 * so ids never leak into results.
 */
#include <errno.h>
#include <malloc.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/mman.h>
#include "agg_int.h"

/*
 * Chunks of cells are mapped, not malloc'd: a chunk freed when its cells
 * move (ib_agg_merge_take, the server join) goes back to the system at
 * once, where malloc would keep it for itself (its mmap threshold rises
 * after such a free) and the peak would still hold two sets of cells.
 */
static struct ib_scell *chunk_new(void)
{
	void *p = mmap(NULL, IB_AGG_CHUNK_CELLS * sizeof(struct ib_scell), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void chunk_free(struct ib_scell *c)
{
	if (c)
		(void)munmap(c, IB_AGG_CHUNK_CELLS * sizeof(struct ib_scell));
}

int ib_agg_intern(struct ib_agg *a, int k, const char *s, size_t len, int lower, uint32_t *id)
{
	struct ib_strtab *t = &a->st[k];
	size_t n = t->n;
	int rc;

	/* room first, so a failure leaves no file without its accounting */
	if (k == IB_S_FILE && ib_grow((void **)&a->files, &a->files_cap, n + 1, sizeof(*a->files)) < 0)
		return IB_ERR_NOMEM;
	rc = ib_strtab_intern(t, s, len, lower ? IB_ST_LOWER : 0, id);
	if (rc < 0)
		return rc;
	if (k == IB_S_FILE && t->n > n)
		memset(&a->files[*id], 0, sizeof(a->files[*id]));
	return IB_OK;
}

static int intern_c(struct ib_agg *a, int k, const char *s, uint32_t *id)
{
	return ib_agg_intern(a, k, s, strlen(s), k == IB_S_USER, id);
}

int ib_agg_new(struct ib_agg **out, int64_t bucket_ms)
{
	struct ib_agg *a;
	uint32_t id;

	*out = NULL;
	if (bucket_ms <= 0)
		return IB_ERR_USAGE;
	a = calloc(1, sizeof(*a));
	if (!a)
		return IB_ERR_NOMEM;
	a->bucket_ms = bucket_ms;
	a->succ.dir = calloc(1, sizeof(*a->succ.dir));
	if (!a->succ.dir) {
		free(a);
		return IB_ERR_NOMEM;
	}
	for (int k = 0; k < IB_S_KINDS; k++)
		if (ib_agg_intern(a, k, "", 0, 0, &id) < 0) {
			ib_agg_free(a);
			return IB_ERR_NOMEM;
		}
	*out = a;
	return IB_OK;
}

void ib_agg_drop_index(struct ib_agg *a)
{
	for (int k = 0; k < IB_S_KINDS; k++)
		ib_strtab_drop_index(&a->st[k]);
	ib_idx_release(&a->cells);
	ib_succ_drop_index(&a->succ);
	ib_jsl_free(&a->reasons_sl);
	ib_jsl_free(&a->shapes_sl);
}

void ib_agg_drop_successes(struct ib_agg *a)
{
	ib_succ_release(&a->succ);
}

void ib_agg_keep_successes(struct ib_agg *a, const uint8_t *keep)
{
	for (size_t i = 0; i < a->succ.nser; i++)
		if (a->succ.ser[i].n && !keep[a->succ.ser[i].k.user])
			ib_succ_series_drop(&a->succ, i);
}

void ib_agg_free(struct ib_agg *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->st[IB_S_FILE].n && a->files; i++) {
		free(a->files[i].format);
		for (int k = 0; k < IB_FILE_SAMPLES; k++)
			free(a->files[i].sample[k]);
	}
	free(a->files);
	for (int k = 0; k < IB_S_KINDS; k++)
		ib_strtab_release(&a->st[k]);
	ib_idx_release(&a->cells);
	ib_jl_free(&a->wide);
	for (size_t i = 0; i < a->nchunks; i++)
		chunk_free(a->chunks[i]);
	free(a->chunks);
	ib_succ_release(&a->succ);
	free(a->succ.dir);
	free(a->errors);
	ib_jsl_free(&a->reasons_sl);
	for (size_t i = 0; i < a->nreasons; i++)
		free(a->reasons[i].reason);
	free(a->reasons);
	ib_jsl_free(&a->shapes_sl);
	for (size_t i = 0; i < a->nshapes; i++) {
		free(a->shapes[i].shape);
		free(a->shapes[i].sample);
	}
	free(a->shapes);
	ib_agg_proto_free(a);
	free(a);
}

int64_t ib_agg_bucket_ms(const struct ib_agg *a)
{
	return a->bucket_ms;
}

/* The hash of a cell's key, padding zeroed (the index, idx_int.h). */
static uint64_t hash_key(const struct ib_ckey *k)
{
	return ib_strtab_hash((const char *)k, sizeof(*k));
}

static int64_t first_ms(const struct ib_scell *c)
{
	return (int64_t)((uint64_t)c->first_hi << 32 | c->first_lo);
}

static void set_first(struct ib_scell *c, int64_t t)
{
	c->first_lo = (uint32_t)(uint64_t)t;
	c->first_hi = (uint32_t)((uint64_t)t >> 32);
}

/* Field f (IB_W_*) of cell i, whose 32-bit slot holds v. */
static uint64_t wide_get(const struct ib_agg *a, size_t i, int f, uint32_t v)
{
	PWord_t pv;

	if (v != IB_WIDE)
		return v;
	pv = ib_jl_get(a->wide, (Word_t)i << 2 | (Word_t)f);
	return pv ? (uint64_t)*pv : IB_WIDE;
}

/* Field f of cell i := v, in its slot or in the side table. */
static int wide_set(struct ib_agg *a, size_t i, int f, uint32_t *slot, uint64_t v)
{
	PWord_t pv;
	int rc = IB_ERR_NOMEM;

	if (v < IB_WIDE) {
		*slot = (uint32_t)v; /* a stale side entry is never read again */
		return IB_OK;
	}
	if ((uint64_t)(Word_t)v != v)
		return IB_ERR_NOMEM; /* a 32-bit Word_t cannot hold it */
	pv = ib_jl_ins(&a->wide, (Word_t)i << 2 | (Word_t)f, &rc);
	if (!pv)
		return rc;
	*pv = (Word_t)v;
	*slot = IB_WIDE;
	return IB_OK;
}

/* The fields of cell i held in the side table (slot IB_WIDE), read into out. */
__attribute__((noinline)) static void cell_wide(const struct ib_agg *a, size_t i, const struct ib_scell *c,
						struct ib_cell *out)
{
	out->last_ms = out->first_ms + (int64_t)wide_get(a, i, IB_W_SPAN, c->span);
	out->count = wide_get(a, i, IB_W_COUNT, c->count);
	out->first_line = wide_get(a, i, IB_W_LINE, c->line);
}

/* Cell i (< a->ncells) decoded into *out; the side table behind a call (the analysis's many passes). */
static inline struct ib_cell *cell_decode(const struct ib_agg *a, size_t i, struct ib_cell *out)
{
	const struct ib_scell *c = ib_agg_scell_at(a, i);

	out->first_ms = first_ms(c);
	out->bucket = ib_floordiv(out->first_ms, a->bucket_ms);
	out->last_ms = out->first_ms + (int64_t)c->span;
	out->user = c->user;
	out->ip = c->ip;
	out->server = c->server;
	out->signature = c->sig;
	out->layer = c->layer;
	out->category = c->cat;
	out->connection = c->conn;
	out->count = c->count;
	out->first_file = c->file;
	out->first_line = c->line;
	if (c->span == IB_WIDE || c->count == IB_WIDE || c->line == IB_WIDE)
		cell_wide(a, i, c, out);
	return out;
}

static int same_key(const struct ib_agg *a, size_t i, const struct ib_ckey *k)
{
	const struct ib_scell *c = ib_agg_scell_at(a, i);

	return c->user == k->user && c->ip == k->ip && c->server == k->server && c->sig == k->sig &&
	       c->layer == k->layer && c->cat == k->cat && c->conn == k->conn &&
	       ib_floordiv(first_ms(c), a->bucket_ms) == k->bucket;
}

/* The index of the cell of key k, or -1; the walk w then stands where it goes. */
static int64_t cell_walk(const struct ib_agg *a, const struct ib_ckey *k, struct ib_idx_walk *w)
{
	int64_t i;

	ib_idx_walk(&a->cells, hash_key(k), w);
	while ((i = ib_idx_next(&a->cells, w)) >= 0)
		if (same_key(a, (size_t)i, k))
			return i;
	return -1;
}

static int64_t cell_get(const struct ib_agg *a, const struct ib_ckey *k)
{
	struct ib_idx_walk w;

	return cell_walk(a, k, &w);
}

int ib_agg_cell_add(struct ib_agg *a, const struct ib_ckey *k, uint64_t count, int64_t first, int64_t last,
		    uint32_t file, uint64_t line, int must_be_new)
{
	struct ib_idx_walk w;
	struct ib_scell *c;
	struct ib_cell old;
	int64_t found;
	size_t i;
	int rc;

	if (k->cat == IB_CAT_OK && !k->conn) {
		/* a success: no evidence (no report shows it), kept in the store of successes
		 * unless it is among the cells already or does not fit there */
		file = 0;
		line = 0;
		if (!a->succ_detail || cell_get(a, k) < 0) {
			rc = ib_succ_add(&a->succ, a->bucket_ms, k, &count, &first, &last, must_be_new);
			if (rc != IB_SKIP)
				return rc;
			a->succ_detail++;
		}
	}
	if ((found = cell_walk(a, k, &w)) < 0) {
		/* nothing changes the index before the put, so the walk still stands where k goes */
		i = a->ncells;
		if (i >= UINT32_MAX - 1)
			return IB_ERR_NOMEM;
		if ((i >> IB_AGG_CHUNK_BITS) >= a->nchunks) {
			struct ib_scell **nc = realloc(a->chunks, (a->nchunks + 1) * sizeof(*nc));

			if (!nc)
				return IB_ERR_NOMEM;
			a->chunks = nc;
			nc[a->nchunks] = chunk_new();
			if (!nc[a->nchunks])
				return IB_ERR_NOMEM;
			a->nchunks++;
		}
		c = ib_agg_scell_at(a, i);
		memset(c, 0, sizeof(*c));
		set_first(c, first);
		c->user = k->user;
		c->ip = k->ip;
		c->server = k->server;
		c->sig = k->sig;
		c->layer = k->layer;
		c->cat = k->cat;
		c->conn = k->conn;
		c->file = file;
		/* a failure leaves cell i uncounted; its side entries are then never read */
		if (wide_set(a, i, IB_W_SPAN, &c->span, (uint64_t)last - (uint64_t)first) < 0 ||
		    wide_set(a, i, IB_W_COUNT, &c->count, count) < 0 ||
		    wide_set(a, i, IB_W_LINE, &c->line, line) < 0 ||
		    ib_idx_put(&a->cells, &w, (uint32_t)i) < 0)
			return IB_ERR_NOMEM;
		a->ncells++;
		return IB_OK;
	}
	if (must_be_new)
		return IB_ERR_FORMAT;
	i = (size_t)found;
	c = ib_agg_scell_at(a, i);
	cell_decode(a, i, &old);
	if (ib_agg_before(a, first, file, line, old.first_ms, old.first_file, old.first_line)) {
		old.first_ms = first;
		old.first_file = file;
		old.first_line = line;
	}
	if (last > old.last_ms)
		old.last_ms = last;
	/* only a value past 32 bits can fail (out of memory); the cell may then be half updated */
	if (wide_set(a, i, IB_W_LINE, &c->line, old.first_line) < 0 ||
	    wide_set(a, i, IB_W_SPAN, &c->span, (uint64_t)old.last_ms - (uint64_t)old.first_ms) < 0 ||
	    wide_set(a, i, IB_W_COUNT, &c->count, old.count + count) < 0)
		return IB_ERR_NOMEM;
	set_first(c, old.first_ms);
	c->file = old.first_file;
	return IB_OK;
}

/* For the join in place (agg_join.c): cells leave the index, come back, and move. */
int ib_agg_index_del(struct ib_agg *a, const struct ib_ckey *k, size_t i)
{
	struct ib_idx_walk w;
	int64_t j;

	ib_idx_walk(&a->cells, hash_key(k), &w);
	while ((j = ib_idx_next(&a->cells, &w)) >= 0)
		if ((size_t)j == i) {
			ib_idx_del(&a->cells, &w);
			return IB_OK;
		}
	return IB_ERR_INTERNAL;
}

int ib_agg_index_put(struct ib_agg *a, const struct ib_ckey *k, size_t i)
{
	struct ib_idx_walk w;

	if (cell_walk(a, k, &w) >= 0)
		return IB_ERR_INTERNAL;
	return ib_idx_put(&a->cells, &w, (uint32_t)i);
}

int ib_agg_index_move(struct ib_agg *a, const struct ib_ckey *k, size_t from, size_t to)
{
	struct ib_idx_walk w;
	int64_t j;

	ib_idx_walk(&a->cells, hash_key(k), &w);
	while ((j = ib_idx_next(&a->cells, &w)) >= 0)
		if ((size_t)j == from) {
			ib_idx_set(&a->cells, &w, (uint32_t)to);
			return IB_OK;
		}
	return IB_ERR_INTERNAL;
}

int64_t ib_agg_cell_find(const struct ib_agg *a, const struct ib_ckey *k)
{
	return cell_get(a, k);
}

int ib_agg_file(struct ib_agg *a, const char *path, uint32_t *id)
{
	return intern_c(a, IB_S_FILE, path ? path : "", id);
}

/* The key of the cell an event is counted in (strings interned on the way). */
static int event_key(struct ib_agg *a, const struct ib_event *ev, const struct ib_match *m, struct ib_ckey *k)
{
	int rc;

	memset(k, 0, sizeof(*k));
	k->bucket = ib_floordiv(ev->time_ms, a->bucket_ms);
	k->conn = (ev->flags & IB_EV_CONNECTION) ? 1 : 0;
	if (!k->conn && ev->user.len &&
	    (rc = ib_agg_intern(a, IB_S_USER, ev->user.ptr, ev->user.len, 1, &k->user)) < 0)
		return rc;
	if (ev->ip.len && (rc = ib_agg_intern(a, IB_S_IP, ev->ip.ptr, ev->ip.len, 0, &k->ip)) < 0)
		return rc;
	if (ev->server.len &&
	    (rc = ib_agg_intern(a, IB_S_SERVER, ev->server.ptr, ev->server.len, 0, &k->server)) < 0)
		return rc;
	if (m->signature && m->signature[0]) {
		if (a->last_sig_id && !strcmp(m->signature, a->st[IB_S_SIG].s[a->last_sig_id])) {
			k->sig = a->last_sig_id;
		} else {
			if ((rc = intern_c(a, IB_S_SIG, m->signature, &k->sig)) < 0)
				return rc;
			a->last_sig_id = k->sig;
		}
	}
	k->layer = (uint8_t)ev->layer;
	k->cat = (uint8_t)m->category;
	return IB_OK;
}

int ib_agg_add(struct ib_agg *a, const struct ib_event *ev, const struct ib_match *m, uint32_t file_id,
	       uint64_t line)
{
	struct ib_ckey k;
	int rc;

	if (!m || m->category <= IB_CAT_NONE || m->category >= IB_CAT_COUNT || ev->time_ms == IB_TIME_NONE ||
	    (unsigned)ev->layer >= IB_LAYER_COUNT || file_id >= a->st[IB_S_FILE].n)
		return IB_ERR_USAGE;
	if ((rc = event_key(a, ev, m, &k)) < 0 ||
	    (rc = ib_agg_proto_add(a, ev->time_ms, ev->protocol, m->category)) == IB_ERR_NOMEM)
		return rc;
	return ib_agg_cell_add(a, &k, 1, ev->time_ms, ev->time_ms, file_id, line, 0);
}

int ib_agg_sub(struct ib_agg *a, const struct ib_event *ev, const struct ib_match *m)
{
	struct ib_ckey k;
	struct ib_cell c;
	int64_t i;
	int rc;

	if (!m || m->category <= IB_CAT_NONE || m->category >= IB_CAT_COUNT || ev->time_ms == IB_TIME_NONE ||
	    (unsigned)ev->layer >= IB_LAYER_COUNT)
		return IB_ERR_USAGE;
	if ((rc = event_key(a, ev, m, &k)) < 0)
		return rc;
	if (k.cat == IB_CAT_OK && !k.conn && (rc = ib_succ_sub(&a->succ, &k)) != IB_SKIP) {
		if (rc == IB_OK) /* the protocol table holds the event too */
			(void)ib_agg_proto_sub(a, ev->time_ms, ev->protocol, m->category);
		return rc;
	}
	i = cell_get(a, &k);
	if (i < 0 || cell_decode(a, (size_t)i, &c)->count < 2)
		return IB_ERR_USAGE; /* the copy that stays is in the same cell */
	(void)ib_agg_proto_sub(a, ev->time_ms, ev->protocol, m->category);
	return wide_set(a, (size_t)i, IB_W_COUNT, &ib_agg_scell_at(a, (size_t)i)->count, c.count - 1);
}

/* Merge and equality: the key of c with its string ids translated by map into another aggregator's. */
static void mapped_key(struct ib_ckey *k, const struct ib_cell *c, uint32_t *const map[IB_S_KINDS])
{
	memset(k, 0, sizeof(*k));
	k->bucket = c->bucket;
	k->user = map[IB_S_USER][c->user];
	k->ip = map[IB_S_IP][c->ip];
	k->server = map[IB_S_SERVER][c->server];
	k->sig = map[IB_S_SIG][c->signature];
	k->layer = c->layer;
	k->cat = c->category;
	k->conn = c->connection;
}

static void free_maps(uint32_t *map[IB_S_KINDS])
{
	for (int k = 0; k < IB_S_KINDS; k++)
		free(map[k]);
}

int ib_agg_merge(struct ib_agg *dst, const struct ib_agg *src, struct ib_error *err)
{
	return ib_agg_merge_mapped(dst, src, NULL, NULL, err);
}

int ib_agg_merge_take(struct ib_agg *dst, struct ib_agg *src, struct ib_error *err)
{
	return ib_agg_merge_mapped(dst, src, NULL, src, err);
}

/*
 * The successes of src into dst, series by series: a series dst does not
 * have (and no success of dst among its cells) is copied whole, or taken
 * whole from take; the others entry by entry. take's series are freed as
 * they go.
 */
static int merge_succ(struct ib_agg *dst, const struct ib_agg *src, uint32_t *const map[IB_S_KINDS],
		      struct ib_agg *take)
{
	int rc;

	for (size_t s = 0; s < src->succ.nser; s++) {
		const struct ib_sser *x = &src->succ.ser[s];
		struct ib_skey sk = x->k;

		if (!x->n)
			continue;
		sk.user = map[IB_S_USER][sk.user];
		sk.ip = map[IB_S_IP][sk.ip];
		sk.server = map[IB_S_SERVER][sk.server];
		sk.sig = map[IB_S_SIG][sk.sig];
		rc = dst->succ_detail ? IB_SKIP
				      : ib_succ_adopt(&dst->succ, &sk, x, take ? &take->succ.ser[s] : NULL);
		for (size_t j = 0; rc == IB_SKIP && j < x->n; j++) {
			struct ib_cell d;
			struct ib_ckey k;

			ib_succ_series_cell(&src->succ, src->bucket_ms, s, j, &d);
			mapped_key(&k, &d, map);
			if ((rc = ib_agg_cell_add(dst, &k, d.count, d.first_ms, d.last_ms, 0, 0, 0)) < 0)
				return rc;
			rc = j + 1 < x->n ? IB_SKIP : IB_OK;
		}
		if (rc < 0)
			return rc;
		if (take)
			ib_succ_series_drop(&take->succ, s);
	}
	return IB_OK;
}

/* take's cells are gone: only freeing it is left. */
static void drop_cells(struct ib_agg *take)
{
	for (size_t i = 0; i < take->nchunks; i++)
		chunk_free(take->chunks[i]);
	take->nchunks = 0;
	take->ncells = 0;
	ib_jl_free(&take->wide);
	ib_succ_release(&take->succ);
}

int ib_agg_merge_mapped(struct ib_agg *dst, const struct ib_agg *src, const char *const *smap_str,
			struct ib_agg *take, struct ib_error *err)
{
	uint32_t *map[IB_S_KINDS] = {NULL};
	int rc = IB_OK;

	if (dst == src || (take && take != src))
		return ib_error_set(err, IB_ERR_INTERNAL, 0, NULL, 0,
				    "cannot merge an aggregate into itself");
	if (dst->bucket_ms != src->bucket_ms)
		return ib_error_set(err, IB_ERR_USAGE, 0, NULL, 0,
				    "bucket lengths differ: %lld ms and %lld ms (see --bucket)",
				    (long long)dst->bucket_ms, (long long)src->bucket_ms);
	if (take) { /* no lookup into src from here: its index goes first */
		ib_idx_release(&take->cells);
		ib_idx_release(&take->succ.idx);
#ifdef __GLIBC__
		/* the index's pages go back to the system, not only to malloc,
		 * whose free blocks the new cells' index does not all reuse */
		(void)malloc_trim(0);
#endif
	}
	for (int k = 0; k < IB_S_KINDS; k++) {
		const struct ib_strtab *t = &src->st[k];

		map[k] = malloc(t->n * sizeof(uint32_t));
		if (!map[k]) {
			rc = IB_ERR_NOMEM;
			goto out;
		}
		for (size_t i = 0; i < t->n; i++)
			if ((rc = intern_c(dst, k, t->s[i], &map[k][i])) < 0)
				goto out;
	}
	/* a joined server's name stays interned (as ib_agg_rekey_servers leaves it), unused */
	for (size_t i = 0; smap_str && i < src->st[IB_S_SERVER].n; i++)
		if (smap_str[i] && (rc = intern_c(dst, IB_S_SERVER, smap_str[i], &map[IB_S_SERVER][i])) < 0)
			goto out;
	for (size_t i = 0; i < src->st[IB_S_FILE].n; i++)
		if ((rc = ib_agg_file_counts(dst, map[IB_S_FILE][i], &src->files[i].c)) < 0)
			goto out;
	for (size_t i = 0; i < src->ncells; i++) {
		struct ib_cell cb;
		const struct ib_cell *c = cell_decode(src, i, &cb);
		struct ib_ckey k;

		mapped_key(&k, c, map);
		rc = ib_agg_cell_add(dst, &k, c->count, c->first_ms, c->last_ms,
				     map[IB_S_FILE][c->first_file], c->first_line, 0);
		if (rc < 0)
			goto out;
		if (take && ((i + 1) & (IB_AGG_CHUNK_CELLS - 1)) == 0) {
			chunk_free(take->chunks[i >> IB_AGG_CHUNK_BITS]);
			take->chunks[i >> IB_AGG_CHUNK_BITS] = NULL;
		}
	}
	if ((rc = merge_succ(dst, src, map, take)) < 0)
		goto out;
	for (size_t i = 0; i < src->nerrors; i++)
		if ((rc = ib_agg_file_error(dst, &src->errors[i])) < 0)
			goto out;
	for (size_t i = 0; i < src->nreasons; i++) {
		const struct ib_reasonacc *r = &src->reasons[i];

		rc = ib_agg_reason_add(dst, r->reason, r->count, map[IB_S_FILE][r->file], r->line);
		if (rc < 0)
			goto out;
	}
	for (size_t i = 0; i < src->nshapes; i++) {
		const struct ib_shapeacc *r = &src->shapes[i];

		rc = ib_agg_shape_add(dst, r->shape, r->sample, r->count, map[IB_S_FILE][r->file], r->line);
		if (rc < 0)
			goto out;
	}
	rc = ib_agg_proto_merge(dst, src);
out:
	free_maps(map);
	if (take)
		drop_cells(take);
	if (rc == IB_ERR_NOMEM)
		return ib_error_set(err, rc, ENOMEM, NULL, 0, "out of memory merging results");
	if (rc < 0)
		return ib_error_set(err, rc, 0, NULL, 0, "internal error merging results");
	return IB_OK;
}

/* ---- read access ---- */

size_t ib_agg_nfull(const struct ib_agg *a)
{
	return a->ncells;
}

size_t ib_agg_ncells(const struct ib_agg *a)
{
	return a->ncells + a->succ.n;
}

const struct ib_cell *ib_agg_cell(const struct ib_agg *a, size_t i, struct ib_cell *buf)
{
	if (i < a->ncells)
		return cell_decode(a, i, buf);
	if (i - a->ncells >= a->succ.n)
		return NULL;
	ib_succ_cell(&a->succ, a->bucket_ms, i - a->ncells, buf);
	return buf;
}

void ib_agg_iter_init(struct ib_agg_iter *it, size_t from)
{
	it->i = it->ser = it->j = it->at = it->n = 0;
	it->next = from;
}

size_t ib_agg_run(const struct ib_agg *a, struct ib_agg_iter *it)
{
	size_t n = 0;

	while (n < IB_AGG_RUN && it->next + n < a->ncells) {
		cell_decode(a, it->next + n, &it->run[n]);
		n++;
	}
	if (n < IB_AGG_RUN)
		n += ib_succ_run(&a->succ, a->bucket_ms, &it->ser, &it->j, it->run + n, IB_AGG_RUN - n);
	it->next += n;
	it->at = 0;
	it->n = n;
	return n;
}

const char *ib_agg_str(const struct ib_agg *a, enum ib_strkind k, uint32_t id)
{
	if ((unsigned)k >= IB_S_KINDS || id >= a->st[k].n)
		return "";
	return a->st[k].s[id];
}

size_t ib_agg_nstr(const struct ib_agg *a, enum ib_strkind k)
{
	return (unsigned)k < IB_S_KINDS ? a->st[k].n : 0;
}

const struct ib_file_counts *ib_agg_file_get(const struct ib_agg *a, uint32_t file_id)
{
	return file_id < a->st[IB_S_FILE].n ? &a->files[file_id].c : NULL;
}

size_t ib_agg_nerrors(const struct ib_agg *a)
{
	return a->nerrors;
}

const struct ib_error *ib_agg_error(const struct ib_agg *a, size_t i)
{
	return i < a->nerrors ? &a->errors[i] : NULL;
}

/* ---- equality (content, not ids) ---- */

static int lookup(const struct ib_agg *a, int k, const char *s, uint32_t *id)
{
	int64_t found = ib_strtab_get(&a->st[k], s, strlen(s));

	if (found < 0)
		return -1;
	*id = (uint32_t)found;
	return 0;
}

static int same_str(const char *x, const char *y)
{
	if (!x || !y)
		return x == y;
	return strcmp(x, y) == 0;
}

int ib_agg_equal(const struct ib_agg *a, const struct ib_agg *b)
{
	uint32_t *map[IB_S_KINDS] = {NULL};
	int eq = 0;

	if (a->bucket_ms != b->bucket_ms || ib_agg_ncells(a) != ib_agg_ncells(b) ||
	    a->nerrors != b->nerrors || a->nreasons != b->nreasons || a->nshapes != b->nshapes ||
	    !ib_agg_proto_equal(a, b))
		return 0;
	for (int k = 0; k < IB_S_KINDS; k++) {
		if (a->st[k].n != b->st[k].n)
			goto out;
		map[k] = malloc(a->st[k].n * sizeof(uint32_t) + 1);
		if (!map[k])
			goto out;
		for (size_t i = 0; i < a->st[k].n; i++)
			if (lookup(b, k, a->st[k].s[i], &map[k][i]))
				goto out;
	}
	for (size_t i = 0; i < a->st[IB_S_FILE].n; i++) {
		const struct ib_file_counts *x = &a->files[i].c, *y = &b->files[map[IB_S_FILE][i]].c;

		if (x->bytes_in != y->bytes_in || x->bytes_out != y->bytes_out || x->lines != y->lines ||
		    x->events != y->events || x->ignored != y->ignored || x->unparseable != y->unparseable ||
		    x->overlong != y->overlong || x->gzip != y->gzip || !same_str(x->format, y->format) ||
		    x->login_unmatched != y->login_unmatched || x->status != y->status)
			goto out;
		for (int k = 0; k < IB_FILE_SAMPLES; k++)
			if (!same_str(x->sample[k], y->sample[k]) || x->sample_line[k] != y->sample_line[k])
				goto out;
	}
	for (size_t i = 0; i < ib_agg_ncells(a); i++) {
		struct ib_cell cb, db;
		const struct ib_cell *c = ib_agg_cell(a, i, &cb), *d = &db;
		struct ib_ckey k;
		int64_t j;

		mapped_key(&k, c, map);
		if (k.cat != IB_CAT_OK || k.conn || !ib_succ_find(&b->succ, b->bucket_ms, &k, &db)) {
			j = cell_get(b, &k);
			if (j < 0)
				goto out;
			d = cell_decode(b, (size_t)j, &db);
		}
		if (c->count != d->count || c->first_ms != d->first_ms || c->last_ms != d->last_ms ||
		    map[IB_S_FILE][c->first_file] != d->first_file || c->first_line != d->first_line)
			goto out;
	}
	for (size_t i = 0; i < a->nerrors; i++)
		if (ib_agg_errcmp(&a->errors[i], &b->errors[i]))
			goto out;
	for (size_t i = 0; i < a->nreasons; i++) {
		const struct ib_reasonacc *r = &a->reasons[i], *s;
		PWord_t pv = ib_jsl_get(b->reasons_sl, r->reason);

		if (!pv || !*pv)
			goto out;
		s = &b->reasons[*pv - 1];
		if (r->count != s->count || map[IB_S_FILE][r->file] != s->file || r->line != s->line)
			goto out;
	}
	for (size_t i = 0; i < a->nshapes; i++) {
		const struct ib_shapeacc *r = &a->shapes[i], *s;
		PWord_t pv = ib_jsl_get(b->shapes_sl, r->shape);

		if (!pv || !*pv)
			goto out;
		s = &b->shapes[*pv - 1];
		if (r->count != s->count || map[IB_S_FILE][r->file] != s->file || r->line != s->line ||
		    strcmp(r->sample, s->sample))
			goto out;
	}
	eq = 1;
out:
	free_maps(map);
	return eq;
}
