/*
 * agg.c: the aggregator. Strings are interned per kind to dense ids (id 0 =
 * ""); cells (one per distinct bucket, user, ip, server, signature, layer,
 * category, connection) live in fixed-size chunks. Both are found through a
 * JudyL keyed by a 64-bit hash of the key and confirmed by comparing the
 * key itself; the rare key whose hash is already taken by another key lives
 * in a JudySL (strings) or JudyHS (cells) instead, so lookups stay exact
 * and one JudyL walk answers almost every event (IPv4 addresses are keyed
 * by their value). Nothing is kept per line, so memory grows with distinct
 * cells and strings only. Merge and the state file re-intern strings, so
 * ids never leak into results; states are written in canonical order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>
#define JUDYERROR(CallerFile, CallerLine, JudyFunc, JudyErrno, JudyErrID) ((void)0)
#include <Judy.h>
#include "imapblast/agg.h"

#define CHUNK_BITS 14
#define CHUNK_CELLS ((size_t)1 << CHUNK_BITS)
#define MAX_ERRORS 10000

#define STATE_MAGIC "IBSTATE1"
#define STATE_VERSION 1u
#define STATE_HEADER 28 /* magic 8, version 4, total length 8, bucket 8 */
#define CELL_BYTES (8 + 4 * 4 + 3 + 8 + 8 + 8 + 4 + 8)

/* An interned string: its id, its length and its bytes, NUL-terminated. */
struct srec {
	uint32_t id, len;
	char s[];
};

/* Strings live in 64 KiB blocks; a long one gets a block of its own. */
#define ARENA_BLOCK ((size_t)64 << 10)

struct arena {
	char **blk;
	size_t nblk, cap;
	char *cur; /* free space in the newest full-size block */
	size_t left;
};

struct strtab {
	Pvoid_t byhash; /* JudyL: hash -> struct srec * of the first string with that hash */
	Pvoid_t byip4;	/* JudyL: IPv4 address -> struct srec * (IP kind, canonical dotted quads) */
	Pvoid_t sl;	/* JudySL: string -> struct srec *, for strings whose hash was taken */
	char **s;	/* id -> the string */
	size_t n, cap;
	struct arena ar;
};

/* The JudyHS key of a cell; padding is zeroed so equal keys are equal bytes. */
struct ckey {
	int64_t bucket;
	uint32_t user, ip, server, sig;
	uint8_t layer, cat, conn, pad[5];
};

struct fileacc {
	struct ib_file_counts c; /* c.format points to format */
	char *format;
};

struct reasonacc {
	char *reason;
	uint64_t count;
	uint32_t file;
	uint64_t line;
};

struct ib_agg {
	int64_t bucket_ms;
	struct strtab st[IB_S_KINDS];
	Pvoid_t cells_byhash; /* JudyL: hash of struct ckey -> cell index + 1 */
	Pvoid_t cells_hs;     /* JudyHS: struct ckey -> cell index + 1, when the hash was taken */
	struct ib_cell **chunks;
	size_t nchunks, ncells;
	struct fileacc *files; /* by file id; st[IB_S_FILE].n entries */
	size_t files_cap;
	struct ib_error *errors; /* sorted by errcmp, no duplicates */
	size_t nerrors, errors_cap;
	Pvoid_t reasons_sl; /* JudySL: reason -> index + 1 */
	struct reasonacc *reasons;
	size_t nreasons, reasons_cap;
	char *scratch; /* the key being interned, NUL-terminated */
	size_t scratch_cap;
	/* consecutive events mostly carry the same signature: the last one's id
	 * (checked by content) spares a lookup on most events */
	uint32_t last_sig_id;
};

static char *dupmem(const char *s, size_t len)
{
	char *d = malloc(len + 1);

	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

/*
 * 64-bit hashes for the JudyL indexes. Only speed depends on them: a key
 * whose hash is taken goes to the exact JudySL / JudyHS, so crafted
 * collisions cost time, never correctness. Never written to a file.
 */
uint64_t ib_agg_hash_mask = ~(uint64_t)0;

static uint64_t fmix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint64_t hash_bytes(const char *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)n * 0x87c37b91114253d5ULL);

	for (; n >= 8; p += 8, n -= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		h = (h ^ (w * 0x87c37b91114253d5ULL)) * 0x4cf5ad432745937fULL;
		h ^= h >> 29;
	}
	if (n) {
		uint64_t w = 0;

		memcpy(&w, p, n);
		h = (h ^ (w * 0x87c37b91114253d5ULL)) * 0x4cf5ad432745937fULL;
	}
	return fmix64(h) & ib_agg_hash_mask;
}

static void *arena_alloc(struct arena *ar, size_t n)
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

static void arena_free(struct arena *ar)
{
	for (size_t i = 0; i < ar->nblk; i++)
		free(ar->blk[i]);
	free(ar->blk);
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

/* The id of the string (key, len) in t, or -1. ip: the IP kind, whose dotted quads are keyed by value. */
static int64_t str_get(const struct strtab *t, const char *key, size_t len, int ip)
{
	const struct srec *r;
	PWord_t pv;
	uint32_t v4;

	if (ip && ipv4_canon(key, len, &v4)) {
		pv = (PWord_t)JudyLGet(t->byip4, (Word_t)v4, PJE0);
		return pv && *pv ? (int64_t)*pv - 1 : -1;
	}
	pv = (PWord_t)JudyLGet(t->byhash, (Word_t)hash_bytes(key, len), PJE0);
	if (!pv || !*pv)
		return -1;
	r = (const struct srec *)*pv;
	if (r->len != len || memcmp(r->s, key, len) != 0) {
		pv = t->sl ? (PWord_t)JudySLGet(t->sl, (const uint8_t *)key, PJE0) : NULL;
		if (!pv || !*pv)
			return -1;
		r = (const struct srec *)*pv;
	}
	return r->id;
}

/*
 * The slot of (key, len) in t, created when absent (it then holds 0).
 * Slots of dotted quads (*byid = 1) hold the id + 1, others the struct
 * srec *. PJERR or NULL: out of memory. An empty slot left by an error
 * reads as absent everywhere.
 */
static PWord_t str_ins(struct strtab *t, const char *key, size_t len, int ip, int *byid)
{
	const struct srec *r;
	PWord_t pv;
	uint32_t v4;

	*byid = 0;
	if (ip && ipv4_canon(key, len, &v4)) {
		*byid = 1;
		return (PWord_t)JudyLIns(&t->byip4, (Word_t)v4, PJE0);
	}
	pv = (PWord_t)JudyLIns(&t->byhash, (Word_t)hash_bytes(key, len), PJE0);
	if (!pv || pv == PJERR || *pv == 0)
		return pv;
	r = (const struct srec *)*pv;
	if (r->len == len && memcmp(r->s, key, len) == 0)
		return pv;
	return (PWord_t)JudySLIns(&t->sl, (const uint8_t *)key, PJE0);
}

/*
 * Intern (s, len) in kind k. NUL bytes cannot live in a C string, so they
 * become '?'. lower: ASCII lower-casing (users).
 */
static int intern(struct ib_agg *a, int k, const char *s, size_t len, int lower, uint32_t *id)
{
	struct strtab *t = &a->st[k];
	struct srec *r;
	PWord_t pv;
	char *key;
	int byid;

	if (len >= UINT32_MAX - 16 || ib_grow((void **)&a->scratch, &a->scratch_cap, len + 1, 1) < 0)
		return IB_ERR_NOMEM;
	key = a->scratch;
	if (lower) {
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
	pv = str_ins(t, key, len, k == IB_S_IP, &byid);
	if (pv == NULL || pv == PJERR)
		return IB_ERR_NOMEM;
	if (*pv) {
		*id = byid ? (uint32_t)(*pv - 1) : ((const struct srec *)*pv)->id;
		return IB_OK;
	}
	if (t->n >= UINT32_MAX - 1 || ib_grow((void **)&t->s, &t->cap, t->n + 1, sizeof(char *)) < 0 ||
	    (k == IB_S_FILE && ib_grow((void **)&a->files, &a->files_cap, t->n + 1, sizeof(*a->files)) < 0) ||
	    !(r = arena_alloc(&t->ar, sizeof(*r) + len + 1)))
		return IB_ERR_NOMEM;
	r->id = (uint32_t)t->n;
	r->len = (uint32_t)len;
	memcpy(r->s, key, len + 1);
	*pv = byid ? (Word_t)r->id + 1 : (Word_t)r;
	t->s[t->n] = r->s;
	*id = r->id;
	t->n++;
	if (k == IB_S_FILE)
		memset(&a->files[*id], 0, sizeof(a->files[*id]));
	return IB_OK;
}

static int intern_c(struct ib_agg *a, int k, const char *s, uint32_t *id)
{
	return intern(a, k, s, strlen(s), k == IB_S_USER, id);
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
	for (int k = 0; k < IB_S_KINDS; k++)
		if (intern(a, k, "", 0, 0, &id) < 0) {
			ib_agg_free(a);
			return IB_ERR_NOMEM;
		}
	*out = a;
	return IB_OK;
}

void ib_agg_free(struct ib_agg *a)
{
	if (!a)
		return;
	for (int k = 0; k < IB_S_KINDS; k++) {
		JudyLFreeArray(&a->st[k].byhash, PJE0);
		JudyLFreeArray(&a->st[k].byip4, PJE0);
		JudySLFreeArray(&a->st[k].sl, PJE0);
		arena_free(&a->st[k].ar);
		free(a->st[k].s);
	}
	JudyLFreeArray(&a->cells_byhash, PJE0);
	JudyHSFreeArray(&a->cells_hs, PJE0);
	for (size_t i = 0; i < a->nchunks; i++)
		free(a->chunks[i]);
	free(a->chunks);
	for (size_t i = 0; i < a->st[IB_S_FILE].n && a->files; i++)
		free(a->files[i].format);
	free(a->files);
	free(a->errors);
	JudySLFreeArray(&a->reasons_sl, PJE0);
	for (size_t i = 0; i < a->nreasons; i++)
		free(a->reasons[i].reason);
	free(a->reasons);
	free(a->scratch);
	free(a);
}

int64_t ib_agg_bucket_ms(const struct ib_agg *a)
{
	return a->bucket_ms;
}

static struct ib_cell *cell_at(const struct ib_agg *a, size_t i)
{
	return &a->chunks[i >> CHUNK_BITS][i & (CHUNK_CELLS - 1)];
}

/* 1 when evidence (t1, path of f1, l1) comes strictly before (t2, f2, l2). */
static int before(const struct ib_agg *a, int64_t t1, uint32_t f1, uint64_t l1, int64_t t2, uint32_t f2,
		  uint64_t l2)
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

/*
 * The index key of a cell: 16 bits of bucket, 24 of user id (IP id for
 * connection cells), 24 of a hash of the whole key. Events come roughly in
 * time order, so the cells being counted share one small, cache-warm
 * subtree, ordered by user id, which Judy keeps compact. Wrapped or cut
 * fields only cost a collision, which the exact JudyHS takes.
 */
static uint64_t hash_key(const struct ckey *k)
{
	uint64_t id = k->user ? k->user : k->ip;

	return ((uint64_t)k->bucket << 48) | (id & 0xffffff) << 24 |
	       (hash_bytes((const char *)k, sizeof(*k)) & 0xffffff);
}

static int same_key(const struct ib_cell *c, const struct ckey *k)
{
	return c->bucket == k->bucket && c->user == k->user && c->ip == k->ip && c->server == k->server &&
	       c->signature == k->sig && c->layer == k->layer && c->category == k->cat &&
	       c->connection == k->conn;
}

/* The cell of key k, or NULL. */
static struct ib_cell *cell_get(const struct ib_agg *a, const struct ckey *k)
{
	PWord_t pv = (PWord_t)JudyLGet(a->cells_byhash, (Word_t)hash_key(k), PJE0);

	if (pv && !same_key(cell_at(a, (size_t)*pv - 1), k))
		pv = (PWord_t)JudyHSGet(a->cells_hs, (void *)(uintptr_t)k, sizeof(*k));
	return pv ? cell_at(a, (size_t)*pv - 1) : NULL;
}

/*
 * Add count events with times [first, last] and first evidence (file, line)
 * to the cell of key k, creating it when new.
 */
static int cell_add(struct ib_agg *a, const struct ckey *k, uint64_t count, int64_t first, int64_t last,
		    uint32_t file, uint64_t line, int must_be_new)
{
	uint64_t h = hash_key(k);
	PWord_t pv = (PWord_t)JudyLIns(&a->cells_byhash, (Word_t)h, PJE0);
	struct ib_cell *c;
	int in_hs = 0;

	if (pv && pv != PJERR && *pv != 0 && !same_key(cell_at(a, (size_t)*pv - 1), k)) {
		in_hs = 1;
		pv = (PWord_t)JudyHSIns(&a->cells_hs, (void *)(uintptr_t)k, sizeof(*k), PJE0);
	}
	if (pv == NULL || pv == PJERR)
		return IB_ERR_NOMEM;
	if (*pv == 0) {
		size_t i = a->ncells;

		if ((i >> CHUNK_BITS) >= a->nchunks) {
			struct ib_cell **nc = realloc(a->chunks, (a->nchunks + 1) * sizeof(*nc));

			if (!nc)
				goto nomem;
			a->chunks = nc;
			nc[a->nchunks] = malloc(CHUNK_CELLS * sizeof(struct ib_cell));
			if (!nc[a->nchunks])
				goto nomem;
			a->nchunks++;
		}
		c = cell_at(a, i);
		memset(c, 0, sizeof(*c));
		c->bucket = k->bucket;
		c->user = k->user;
		c->ip = k->ip;
		c->server = k->server;
		c->signature = k->sig;
		c->layer = k->layer;
		c->category = k->cat;
		c->connection = k->conn;
		c->count = count;
		c->first_ms = first;
		c->last_ms = last;
		c->first_file = file;
		c->first_line = line;
		a->ncells++;
		*pv = (Word_t)a->ncells;
		return IB_OK;
	}
	if (must_be_new)
		return IB_ERR_FORMAT;
	c = cell_at(a, (size_t)*pv - 1);
	c->count += count;
	if (before(a, first, file, line, c->first_ms, c->first_file, c->first_line)) {
		c->first_ms = first;
		c->first_file = file;
		c->first_line = line;
	}
	if (last > c->last_ms)
		c->last_ms = last;
	return IB_OK;
nomem:
	if (in_hs)
		JudyHSDel(&a->cells_hs, (void *)(uintptr_t)k, sizeof(*k), PJE0);
	else
		JudyLDel(&a->cells_byhash, (Word_t)h, PJE0);
	return IB_ERR_NOMEM;
}

static int64_t floordiv(int64_t t, int64_t b)
{
	int64_t q = t / b;

	if ((t % b) != 0 && (t < 0))
		q--;
	return q;
}

int ib_agg_file(struct ib_agg *a, const char *path, uint32_t *id)
{
	return intern_c(a, IB_S_FILE, path ? path : "", id);
}

/* Choose the format deterministically whatever the order: the smaller name. */
static int set_format(struct fileacc *f, const char *fmt)
{
	char *d;

	if (!fmt || (f->format && strcmp(fmt, f->format) >= 0))
		return IB_OK;
	d = dupmem(fmt, strlen(fmt));
	if (!d)
		return IB_ERR_NOMEM;
	free(f->format);
	f->format = d;
	f->c.format = d;
	return IB_OK;
}

int ib_agg_file_counts(struct ib_agg *a, uint32_t file_id, const struct ib_file_counts *c)
{
	struct fileacc *f;

	if (file_id >= a->st[IB_S_FILE].n)
		return IB_ERR_USAGE;
	f = &a->files[file_id];
	f->c.bytes_in += c->bytes_in;
	f->c.bytes_out += c->bytes_out;
	f->c.lines += c->lines;
	f->c.events += c->events;
	f->c.ignored += c->ignored;
	f->c.unparseable += c->unparseable;
	f->c.overlong += c->overlong;
	f->c.gzip |= c->gzip ? 1 : 0;
	return set_format(f, c->format);
}

static int errcmp(const struct ib_error *x, const struct ib_error *y)
{
	int c = strcmp(x->path, y->path);

	if (c)
		return c;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->code != y->code)
		return x->code < y->code ? -1 : 1;
	if (x->errnum != y->errnum)
		return x->errnum < y->errnum ? -1 : 1;
	return strcmp(x->msg, y->msg);
}

/*
 * Errors stay sorted and unique; past MAX_ERRORS only the smallest are
 * kept, which is still order-independent under merge.
 */
int ib_agg_file_error(struct ib_agg *a, const struct ib_error *e)
{
	struct ib_error x;
	size_t lo = 0, hi = a->nerrors;

	memset(&x, 0, sizeof(x));
	x.code = e->code;
	x.errnum = e->errnum;
	x.offset = e->offset;
	x.line = e->line;
	snprintf(x.path, sizeof(x.path), "%.*s", (int)sizeof(x.path) - 1, e->path);
	snprintf(x.msg, sizeof(x.msg), "%.*s", (int)sizeof(x.msg) - 1, e->msg);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = errcmp(&a->errors[mid], &x);

		if (c == 0)
			return IB_OK;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (a->nerrors == MAX_ERRORS) {
		if (lo == MAX_ERRORS)
			return IB_OK;
		a->nerrors--;
	}
	if (ib_grow((void **)&a->errors, &a->errors_cap, a->nerrors + 1, sizeof(x)) < 0)
		return IB_ERR_NOMEM;
	memmove(&a->errors[lo + 1], &a->errors[lo], (a->nerrors - lo) * sizeof(x));
	a->errors[lo] = x;
	a->nerrors++;
	return IB_OK;
}

static int reason_add(struct ib_agg *a, const char *reason, uint64_t n, uint32_t file, uint64_t line)
{
	PWord_t pv;
	struct reasonacc *r;
	const char *key = reason ? reason : "";

	pv = (PWord_t)JudySLGet(a->reasons_sl, (const uint8_t *)key, PJE0);
	if (!pv) {
		if (ib_grow((void **)&a->reasons, &a->reasons_cap, a->nreasons + 1, sizeof(*r)) < 0)
			return IB_ERR_NOMEM;
		r = &a->reasons[a->nreasons];
		r->reason = dupmem(key, strlen(key));
		if (!r->reason)
			return IB_ERR_NOMEM;
		pv = (PWord_t)JudySLIns(&a->reasons_sl, (const uint8_t *)key, PJE0);
		if (pv == NULL || pv == PJERR) {
			free(r->reason);
			return IB_ERR_NOMEM;
		}
		*pv = (Word_t)++a->nreasons;
		r->count = n;
		r->file = file;
		r->line = line;
		return IB_OK;
	}
	r = &a->reasons[*pv - 1];
	r->count += n;
	if (before(a, 0, file, line, 0, r->file, r->line)) {
		r->file = file;
		r->line = line;
	}
	return IB_OK;
}

int ib_agg_reason(struct ib_agg *a, const char *reason, uint64_t n, uint32_t file_id, uint64_t line)
{
	if (file_id >= a->st[IB_S_FILE].n)
		return IB_ERR_USAGE;
	return reason_add(a, reason, n, file_id, line);
}

int ib_agg_add(struct ib_agg *a, const struct ib_event *ev, const struct ib_match *m, uint32_t file_id,
	       uint64_t line)
{
	struct ckey k;
	int rc;

	if (!m || m->category <= IB_CAT_NONE || m->category >= IB_CAT_COUNT || ev->time_ms == IB_TIME_NONE ||
	    (unsigned)ev->layer >= IB_LAYER_COUNT || file_id >= a->st[IB_S_FILE].n)
		return IB_ERR_USAGE;
	memset(&k, 0, sizeof(k));
	k.bucket = floordiv(ev->time_ms, a->bucket_ms);
	k.conn = (ev->flags & IB_EV_CONNECTION) ? 1 : 0;
	if (!k.conn && ev->user.len &&
	    (rc = intern(a, IB_S_USER, ev->user.ptr, ev->user.len, 1, &k.user)) < 0)
		return rc;
	if (ev->ip.len && (rc = intern(a, IB_S_IP, ev->ip.ptr, ev->ip.len, 0, &k.ip)) < 0)
		return rc;
	if (ev->server.len && (rc = intern(a, IB_S_SERVER, ev->server.ptr, ev->server.len, 0, &k.server)) < 0)
		return rc;
	if (m->signature && m->signature[0]) {
		if (a->last_sig_id && !strcmp(m->signature, a->st[IB_S_SIG].s[a->last_sig_id])) {
			k.sig = a->last_sig_id;
		} else {
			if ((rc = intern_c(a, IB_S_SIG, m->signature, &k.sig)) < 0)
				return rc;
			a->last_sig_id = k.sig;
		}
	}
	k.layer = (uint8_t)ev->layer;
	k.cat = (uint8_t)m->category;
	return cell_add(a, &k, 1, ev->time_ms, ev->time_ms, file_id, line, 0);
}

/* Merge and equality: the key of c with its string ids translated by map into another aggregator's. */
static void mapped_key(struct ckey *k, const struct ib_cell *c, uint32_t *const map[IB_S_KINDS])
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

int ib_agg_merge(struct ib_agg *dst, const struct ib_agg *src)
{
	uint32_t *map[IB_S_KINDS] = {NULL};
	int rc = IB_OK;

	if (dst == src || dst->bucket_ms != src->bucket_ms)
		return IB_ERR_USAGE;
	for (int k = 0; k < IB_S_KINDS; k++) {
		const struct strtab *t = &src->st[k];

		map[k] = malloc(t->n * sizeof(uint32_t));
		if (!map[k]) {
			rc = IB_ERR_NOMEM;
			goto out;
		}
		for (size_t i = 0; i < t->n; i++)
			if ((rc = intern_c(dst, k, t->s[i], &map[k][i])) < 0)
				goto out;
	}
	for (size_t i = 0; i < src->st[IB_S_FILE].n; i++)
		if ((rc = ib_agg_file_counts(dst, map[IB_S_FILE][i], &src->files[i].c)) < 0)
			goto out;
	for (size_t i = 0; i < src->ncells; i++) {
		const struct ib_cell *c = cell_at(src, i);
		struct ckey k;

		mapped_key(&k, c, map);
		rc = cell_add(dst, &k, c->count, c->first_ms, c->last_ms, map[IB_S_FILE][c->first_file],
			      c->first_line, 0);
		if (rc < 0)
			goto out;
	}
	for (size_t i = 0; i < src->nerrors; i++)
		if ((rc = ib_agg_file_error(dst, &src->errors[i])) < 0)
			goto out;
	for (size_t i = 0; i < src->nreasons; i++) {
		const struct reasonacc *r = &src->reasons[i];

		rc = reason_add(dst, r->reason, r->count, map[IB_S_FILE][r->file], r->line);
		if (rc < 0)
			goto out;
	}
out:
	free_maps(map);
	return rc;
}

/* ---- read access ---- */

size_t ib_agg_ncells(const struct ib_agg *a)
{
	return a->ncells;
}

const struct ib_cell *ib_agg_cell(const struct ib_agg *a, size_t i)
{
	return i < a->ncells ? cell_at(a, i) : NULL;
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

size_t ib_agg_nreasons(const struct ib_agg *a)
{
	return a->nreasons;
}

void ib_agg_reason_get(const struct ib_agg *a, size_t i, struct ib_reason *r)
{
	const struct reasonacc *x = &a->reasons[i];

	r->reason = x->reason;
	r->count = x->count;
	r->file = x->file;
	r->line = x->line;
}

/* ---- equality (content, not ids) ---- */

static int lookup(const struct ib_agg *a, int k, const char *s, uint32_t *id)
{
	int64_t found = str_get(&a->st[k], s, strlen(s), k == IB_S_IP);

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

	if (a->bucket_ms != b->bucket_ms || a->ncells != b->ncells || a->nerrors != b->nerrors ||
	    a->nreasons != b->nreasons)
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
		    x->overlong != y->overlong || x->gzip != y->gzip || !same_str(x->format, y->format))
			goto out;
	}
	for (size_t i = 0; i < a->ncells; i++) {
		const struct ib_cell *c = cell_at(a, i), *d;
		struct ckey k;

		mapped_key(&k, c, map);
		d = cell_get(b, &k);
		if (!d)
			goto out;
		if (c->count != d->count || c->first_ms != d->first_ms || c->last_ms != d->last_ms ||
		    map[IB_S_FILE][c->first_file] != d->first_file || c->first_line != d->first_line)
			goto out;
	}
	for (size_t i = 0; i < a->nerrors; i++)
		if (errcmp(&a->errors[i], &b->errors[i]))
			goto out;
	for (size_t i = 0; i < a->nreasons; i++) {
		const struct reasonacc *r = &a->reasons[i], *s;
		PWord_t pv = (PWord_t)JudySLGet(b->reasons_sl, (const uint8_t *)r->reason, PJE0);

		if (!pv)
			goto out;
		s = &b->reasons[*pv - 1];
		if (r->count != s->count || map[IB_S_FILE][r->file] != s->file || r->line != s->line)
			goto out;
	}
	eq = 1;
out:
	free_maps(map);
	return eq;
}

/* ---- state files ---- */

struct wr {
	FILE *f;	/* NULL: only count */
	uint64_t total; /* bytes so far */
	uLong crc;
	unsigned char buf[65536];
	size_t n;
	int failed;
};

static void wflush(struct wr *w)
{
	if (w->f && w->n) {
		if (fwrite(w->buf, 1, w->n, w->f) != w->n)
			w->failed = 1;
		w->crc = crc32(w->crc, w->buf, (uInt)w->n);
	}
	w->n = 0;
}

static void wbytes(struct wr *w, const void *p, size_t len)
{
	const unsigned char *s = p;

	w->total += len;
	if (!w->f)
		return;
	while (len) {
		size_t k = sizeof(w->buf) - w->n;

		if (k > len)
			k = len;
		memcpy(w->buf + w->n, s, k);
		w->n += k;
		s += k;
		len -= k;
		if (w->n == sizeof(w->buf))
			wflush(w);
	}
}

static void wint(struct wr *w, uint64_t v, int bytes)
{
	unsigned char b[8];

	for (int i = 0; i < bytes; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	wbytes(w, b, (size_t)bytes);
}

static void wstr(struct wr *w, const char *s)
{
	size_t len = strlen(s);

	wint(w, len, 4);
	wbytes(w, s, len);
}

/* Everything between the header and the checksum. */
/*
 * The state file lists strings, cells, files and reasons in one canonical
 * order (strings by bytes, cells by their key in those terms), so the same
 * content gives the same bytes whatever the thread count or file order.
 */
struct canon {
	uint32_t *order[IB_S_KINDS]; /* position -> id */
	uint32_t *rank[IB_S_KINDS];  /* id -> position */
	size_t *cells;		     /* position -> cell index */
	size_t *reasons;	     /* position -> reason index */
};

struct sref {
	const char *s;
	size_t i;
};

static int sref_cmp(const void *x, const void *y)
{
	return strcmp(((const struct sref *)x)->s, ((const struct sref *)y)->s);
}

struct cref {
	int64_t bucket;
	uint32_t user, ip, server, sig;
	uint8_t layer, cat, conn;
	size_t i;
};

static int cref_cmp(const void *x, const void *y)
{
	const struct cref *p = x, *q = y;

	if (p->bucket != q->bucket)
		return p->bucket < q->bucket ? -1 : 1;
	if (p->user != q->user)
		return p->user < q->user ? -1 : 1;
	if (p->ip != q->ip)
		return p->ip < q->ip ? -1 : 1;
	if (p->server != q->server)
		return p->server < q->server ? -1 : 1;
	if (p->sig != q->sig)
		return p->sig < q->sig ? -1 : 1;
	if (p->layer != q->layer)
		return p->layer < q->layer ? -1 : 1;
	if (p->cat != q->cat)
		return p->cat < q->cat ? -1 : 1;
	return (p->conn > q->conn) - (p->conn < q->conn);
}

static void canon_free(struct canon *cn)
{
	for (int k = 0; k < IB_S_KINDS; k++) {
		free(cn->order[k]);
		free(cn->rank[k]);
	}
	free(cn->cells);
	free(cn->reasons);
}

static int canon_build(const struct ib_agg *a, struct canon *cn)
{
	size_t most = a->nreasons;
	struct sref *sr = NULL;
	struct cref *cr = NULL;

	memset(cn, 0, sizeof(*cn));
	for (int k = 0; k < IB_S_KINDS; k++)
		if (a->st[k].n > most)
			most = a->st[k].n;
	sr = malloc((most ? most : 1) * sizeof(*sr));
	cr = malloc((a->ncells ? a->ncells : 1) * sizeof(*cr));
	cn->cells = malloc((a->ncells ? a->ncells : 1) * sizeof(size_t));
	cn->reasons = malloc((a->nreasons ? a->nreasons : 1) * sizeof(size_t));
	if (!sr || !cr || !cn->cells || !cn->reasons)
		goto nomem;
	for (int k = 0; k < IB_S_KINDS; k++) {
		size_t n = a->st[k].n;

		cn->order[k] = malloc(n * sizeof(uint32_t));
		cn->rank[k] = malloc(n * sizeof(uint32_t));
		if (!cn->order[k] || !cn->rank[k])
			goto nomem;
		for (size_t i = 0; i < n; i++) {
			sr[i].s = a->st[k].s[i];
			sr[i].i = i;
		}
		qsort(sr, n, sizeof(*sr), sref_cmp); /* "" (id 0) stays first: strings are unique */
		for (size_t i = 0; i < n; i++) {
			cn->order[k][i] = (uint32_t)sr[i].i;
			cn->rank[k][sr[i].i] = (uint32_t)i;
		}
	}
	for (size_t i = 0; i < a->ncells; i++) {
		const struct ib_cell *c = cell_at(a, i);

		cr[i].bucket = c->bucket;
		cr[i].user = cn->rank[IB_S_USER][c->user];
		cr[i].ip = cn->rank[IB_S_IP][c->ip];
		cr[i].server = cn->rank[IB_S_SERVER][c->server];
		cr[i].sig = cn->rank[IB_S_SIG][c->signature];
		cr[i].layer = c->layer;
		cr[i].cat = c->category;
		cr[i].conn = c->connection;
		cr[i].i = i;
	}
	qsort(cr, a->ncells, sizeof(*cr), cref_cmp);
	for (size_t i = 0; i < a->ncells; i++)
		cn->cells[i] = cr[i].i;
	for (size_t i = 0; i < a->nreasons; i++) {
		sr[i].s = a->reasons[i].reason;
		sr[i].i = i;
	}
	qsort(sr, a->nreasons, sizeof(*sr), sref_cmp);
	for (size_t i = 0; i < a->nreasons; i++)
		cn->reasons[i] = sr[i].i;
	free(sr);
	free(cr);
	return IB_OK;
nomem:
	free(sr);
	free(cr);
	canon_free(cn);
	return IB_ERR_NOMEM;
}

static void wbody(struct wr *w, const struct ib_agg *a, const struct canon *cn)
{
	const uint32_t *const *rank = (const uint32_t *const *)cn->rank;

	for (int k = 0; k < IB_S_KINDS; k++) {
		wint(w, a->st[k].n, 8);
		for (size_t i = 1; i < a->st[k].n; i++)
			wstr(w, a->st[k].s[cn->order[k][i]]);
	}
	wint(w, a->ncells, 8);
	for (size_t i = 0; i < a->ncells; i++) {
		const struct ib_cell *c = cell_at(a, cn->cells[i]);

		wint(w, (uint64_t)c->bucket, 8);
		wint(w, rank[IB_S_USER][c->user], 4);
		wint(w, rank[IB_S_IP][c->ip], 4);
		wint(w, rank[IB_S_SERVER][c->server], 4);
		wint(w, rank[IB_S_SIG][c->signature], 4);
		wint(w, c->layer, 1);
		wint(w, c->category, 1);
		wint(w, c->connection, 1);
		wint(w, c->count, 8);
		wint(w, (uint64_t)c->first_ms, 8);
		wint(w, (uint64_t)c->last_ms, 8);
		wint(w, rank[IB_S_FILE][c->first_file], 4);
		wint(w, c->first_line, 8);
	}
	wint(w, a->st[IB_S_FILE].n, 8);
	for (size_t i = 0; i < a->st[IB_S_FILE].n; i++) {
		const struct ib_file_counts *c = &a->files[cn->order[IB_S_FILE][i]].c;

		wint(w, c->bytes_in, 8);
		wint(w, c->bytes_out, 8);
		wint(w, c->lines, 8);
		wint(w, c->events, 8);
		wint(w, c->ignored, 8);
		wint(w, c->unparseable, 8);
		wint(w, c->overlong, 8);
		wint(w, c->gzip ? 1 : 0, 1);
		wint(w, c->format ? 1 : 0, 1);
		if (c->format)
			wstr(w, c->format);
	}
	wint(w, a->nerrors, 8);
	for (size_t i = 0; i < a->nerrors; i++) {
		const struct ib_error *e = &a->errors[i];

		wint(w, (uint32_t)e->code, 4);
		wint(w, (uint32_t)e->errnum, 4);
		wstr(w, e->path);
		wint(w, e->offset, 8);
		wint(w, e->line, 8);
		wstr(w, e->msg);
	}
	wint(w, a->nreasons, 8);
	for (size_t i = 0; i < a->nreasons; i++) {
		const struct reasonacc *r = &a->reasons[cn->reasons[i]];

		wstr(w, r->reason);
		wint(w, r->count, 8);
		wint(w, rank[IB_S_FILE][r->file], 4);
		wint(w, r->line, 8);
	}
}

static void wall(struct wr *w, const struct ib_agg *a, const struct canon *cn, uint64_t total)
{
	wbytes(w, STATE_MAGIC, 8);
	wint(w, STATE_VERSION, 4);
	wint(w, total, 8);
	wint(w, (uint64_t)a->bucket_ms, 8);
	wbody(w, a, cn);
}

int ib_agg_save(const struct ib_agg *a, const char *path, struct ib_error *err)
{
	struct wr *w = calloc(1, sizeof(*w));
	char *tmp = NULL;
	size_t plen = strlen(path);
	struct canon cn;
	int e;

	if (!w || canon_build(a, &cn) < 0) {
		free(w);
		return ib_error_set(err, IB_ERR_NOMEM, ENOMEM, path, 0, "out of memory");
	}
	wall(w, a, &cn, 0); /* sizing pass */
	{
		uint64_t total = w->total + 4;

		memset(w, 0, sizeof(*w));
		tmp = malloc(plen + 5);
		if (!tmp) {
			free(w);
			canon_free(&cn);
			return ib_error_set(err, IB_ERR_NOMEM, ENOMEM, path, 0, "out of memory");
		}
		memcpy(tmp, path, plen);
		memcpy(tmp + plen, ".tmp", 5);
		w->f = fopen(tmp, "wb");
		if (!w->f) {
			e = errno;
			free(w);
			free(tmp);
			canon_free(&cn);
			return ib_error_set(err, IB_ERR_IO, e, path, 0, "cannot write state '%s': %s", path,
					    strerror(e));
		}
		w->crc = crc32(0L, Z_NULL, 0);
		wall(w, a, &cn, total);
		wflush(w);
		{
			uLong crc = w->crc;
			unsigned char b[4];

			for (int i = 0; i < 4; i++)
				b[i] = (unsigned char)(crc >> (8 * i));
			if (fwrite(b, 1, 4, w->f) != 4)
				w->failed = 1;
		}
	}
	canon_free(&cn);
	e = errno;
	if (fclose(w->f) != 0 && !w->failed) {
		w->failed = 1;
		e = errno;
	}
	if (w->failed || rename(tmp, path) != 0) {
		if (!w->failed)
			e = errno;
		remove(tmp);
		free(w);
		free(tmp);
		return ib_error_set(err, IB_ERR_IO, e, path, 0, "cannot write state '%s': %s", path,
				    strerror(e));
	}
	free(w);
	free(tmp);
	return IB_OK;
}

struct rd {
	const unsigned char *p;
	size_t len, off;
	int bad;
};

static uint64_t rdint(struct rd *r, int bytes)
{
	uint64_t v = 0;

	if (r->bad || r->len - r->off < (size_t)bytes) {
		r->bad = 1;
		return 0;
	}
	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)r->p[r->off + (size_t)i] << (8 * i);
	r->off += (size_t)bytes;
	return v;
}

/* A count of records of at least `min` bytes each, capped by what is left. */
static uint64_t rcount(struct rd *r, size_t min)
{
	uint64_t n = rdint(r, 8);

	if (!r->bad && n > (r->len - r->off) / min + 1)
		r->bad = 1;
	return r->bad ? 0 : n;
}

static const char *rstr(struct rd *r, size_t *len)
{
	uint64_t n = rdint(r, 4);
	const char *s;

	if (r->bad || n > r->len - r->off) {
		r->bad = 1;
		return NULL;
	}
	s = (const char *)r->p + r->off;
	if (memchr(s, '\0', (size_t)n)) {
		r->bad = 1;
		return NULL;
	}
	r->off += (size_t)n;
	*len = (size_t)n;
	return s;
}

/* Copy a string field into a fixed array; too long is corrupt. */
static void rfix(struct rd *r, char *dst, size_t size)
{
	size_t len = 0;
	const char *s = rstr(r, &len);

	if (!s || len >= size) {
		r->bad = 1;
		return;
	}
	memcpy(dst, s, len);
	dst[len] = '\0';
}

static int corrupt(struct ib_error *err, const char *name, size_t off, const char *what)
{
	return ib_error_set(err, IB_ERR_FORMAT, 0, name, off, "state '%s': corrupt at byte %zu: %s", name,
			    off, what);
}

static int rbody(struct ib_agg *a, struct rd *r, const char *name, struct ib_error *err)
{
	size_t at;
	int rc;

	for (int k = 0; k < IB_S_KINDS; k++) {
		uint64_t n;

		at = r->off;
		n = rcount(r, 4);
		if (r->bad || n == 0)
			return corrupt(err, name, at, "bad string count");
		for (uint64_t i = 1; i < n; i++) {
			size_t len = 0;
			const char *s;
			uint32_t id;

			at = r->off;
			s = rstr(r, &len);
			if (!s || len == 0)
				return corrupt(err, name, at, "bad string");
			if (k == IB_S_USER)
				for (size_t j = 0; j < len; j++)
					if (s[j] >= 'A' && s[j] <= 'Z')
						return corrupt(err, name, at, "user not in lower case");
			if ((rc = intern(a, k, s, len, 0, &id)) < 0)
				return ib_error_set(err, rc, ENOMEM, name, at, "out of memory");
			if (id != i)
				return corrupt(err, name, at, "duplicate string");
		}
	}
	at = r->off;
	{
		uint64_t n = rcount(r, CELL_BYTES);

		if (r->bad)
			return corrupt(err, name, at, "bad cell count");
		for (uint64_t i = 0; i < n; i++) {
			struct ckey k;
			uint64_t count, line;
			int64_t first, last;
			uint32_t file;

			at = r->off;
			memset(&k, 0, sizeof(k));
			k.bucket = (int64_t)rdint(r, 8);
			k.user = (uint32_t)rdint(r, 4);
			k.ip = (uint32_t)rdint(r, 4);
			k.server = (uint32_t)rdint(r, 4);
			k.sig = (uint32_t)rdint(r, 4);
			k.layer = (uint8_t)rdint(r, 1);
			k.cat = (uint8_t)rdint(r, 1);
			k.conn = (uint8_t)rdint(r, 1);
			count = rdint(r, 8);
			first = (int64_t)rdint(r, 8);
			last = (int64_t)rdint(r, 8);
			file = (uint32_t)rdint(r, 4);
			line = rdint(r, 8);
			if (r->bad || k.user >= a->st[IB_S_USER].n || k.ip >= a->st[IB_S_IP].n ||
			    k.server >= a->st[IB_S_SERVER].n || k.sig >= a->st[IB_S_SIG].n ||
			    file >= a->st[IB_S_FILE].n || k.layer >= IB_LAYER_COUNT || k.cat == IB_CAT_NONE ||
			    k.cat >= IB_CAT_COUNT || k.conn > 1 || count == 0 || first > last ||
			    first == IB_TIME_NONE || floordiv(first, a->bucket_ms) != k.bucket ||
			    floordiv(last, a->bucket_ms) != k.bucket || (k.conn && k.user))
				return corrupt(err, name, at, "bad cell");
			rc = cell_add(a, &k, count, first, last, file, line, 1);
			if (rc == IB_ERR_FORMAT)
				return corrupt(err, name, at, "duplicate cell");
			if (rc < 0)
				return ib_error_set(err, rc, ENOMEM, name, at, "out of memory");
		}
	}
	at = r->off;
	if (rdint(r, 8) != a->st[IB_S_FILE].n || r->bad)
		return corrupt(err, name, at, "bad file count");
	for (size_t i = 0; i < a->st[IB_S_FILE].n; i++) {
		struct ib_file_counts c;
		unsigned hasfmt;
		char *fmt = NULL;

		at = r->off;
		memset(&c, 0, sizeof(c));
		c.bytes_in = rdint(r, 8);
		c.bytes_out = rdint(r, 8);
		c.lines = rdint(r, 8);
		c.events = rdint(r, 8);
		c.ignored = rdint(r, 8);
		c.unparseable = rdint(r, 8);
		c.overlong = rdint(r, 8);
		c.gzip = (int)rdint(r, 1);
		hasfmt = (unsigned)rdint(r, 1);
		if (hasfmt == 1) {
			size_t len = 0;
			const char *s = rstr(r, &len);

			if (s && !(fmt = dupmem(s, len)))
				return ib_error_set(err, IB_ERR_NOMEM, ENOMEM, name, at, "out of memory");
		}
		if (r->bad || c.gzip > 1 || hasfmt > 1) {
			free(fmt);
			return corrupt(err, name, at, "bad file record");
		}
		c.format = fmt;
		rc = ib_agg_file_counts(a, (uint32_t)i, &c);
		free(fmt);
		if (rc < 0)
			return ib_error_set(err, rc, ENOMEM, name, at, "out of memory");
	}
	at = r->off;
	{
		uint64_t n = rcount(r, 32);

		if (r->bad || n > MAX_ERRORS)
			return corrupt(err, name, at, "bad error count");
		for (uint64_t i = 0; i < n; i++) {
			struct ib_error e;

			at = r->off;
			memset(&e, 0, sizeof(e));
			e.code = (int)(int32_t)(uint32_t)rdint(r, 4);
			e.errnum = (int)(int32_t)(uint32_t)rdint(r, 4);
			rfix(r, e.path, sizeof(e.path));
			e.offset = rdint(r, 8);
			e.line = rdint(r, 8);
			rfix(r, e.msg, sizeof(e.msg));
			if (r->bad)
				return corrupt(err, name, at, "bad error record");
			if ((rc = ib_agg_file_error(a, &e)) < 0)
				return ib_error_set(err, rc, ENOMEM, name, at, "out of memory");
		}
		if (a->nerrors != n)
			return corrupt(err, name, at, "duplicate error record");
	}
	at = r->off;
	{
		uint64_t n = rcount(r, 24);

		if (r->bad)
			return corrupt(err, name, at, "bad reason count");
		for (uint64_t i = 0; i < n; i++) {
			size_t len = 0;
			const char *s;
			char *reason;
			uint64_t count, line;
			uint32_t file;

			at = r->off;
			s = rstr(r, &len);
			count = rdint(r, 8);
			file = (uint32_t)rdint(r, 4);
			line = rdint(r, 8);
			if (r->bad || file >= a->st[IB_S_FILE].n)
				return corrupt(err, name, at, "bad reason record");
			reason = dupmem(s, len);
			if (!reason)
				return ib_error_set(err, IB_ERR_NOMEM, ENOMEM, name, at, "out of memory");
			rc = reason_add(a, reason, count, file, line);
			free(reason);
			if (rc < 0)
				return ib_error_set(err, rc, ENOMEM, name, at, "out of memory");
		}
		if (a->nreasons != n)
			return corrupt(err, name, at, "duplicate reason");
	}
	if (r->off != r->len)
		return corrupt(err, name, r->off, "trailing bytes");
	return IB_OK;
}

static int load_mem(struct ib_agg **out, const unsigned char *buf, size_t len, const char *name,
		    struct ib_error *err)
{
	struct rd r = {buf, len, 0, 0};
	uint64_t version, total;
	int64_t bucket;
	uLong crc, want;
	struct ib_agg *a = NULL;
	int rc;

	*out = NULL;
	if (len < 8) {
		if (len == 0 || memcmp(buf, STATE_MAGIC, len) == 0)
			return ib_error_set(err, IB_ERR_FORMAT, 0, name, len,
					    "state '%s': truncated at byte %zu", name, len);
		return ib_error_set(err, IB_ERR_FORMAT, 0, name, 0, "state '%s': not an imapblast state file",
				    name);
	}
	if (memcmp(buf, STATE_MAGIC, 8) != 0)
		return ib_error_set(err, IB_ERR_FORMAT, 0, name, 0, "state '%s': not an imapblast state file",
				    name);
	r.off = 8;
	version = rdint(&r, 4);
	if (r.bad)
		return ib_error_set(err, IB_ERR_FORMAT, 0, name, len, "state '%s': truncated at byte %zu",
				    name, len);
	if (version != STATE_VERSION)
		return ib_error_set(err, IB_ERR_FORMAT, 0, name, 8, "state '%s': unsupported version %llu",
				    name, (unsigned long long)version);
	total = rdint(&r, 8);
	bucket = (int64_t)rdint(&r, 8);
	if (r.bad)
		return ib_error_set(err, IB_ERR_FORMAT, 0, name, len, "state '%s': truncated at byte %zu",
				    name, len);
	if (total > len)
		return ib_error_set(err, IB_ERR_FORMAT, 0, name, len,
				    "state '%s': truncated at byte %zu (expected %llu bytes)", name, len,
				    (unsigned long long)total);
	if (total < len)
		return ib_error_set(err, IB_ERR_FORMAT, 0, name, total,
				    "state '%s': %zu unexpected bytes after the end", name,
				    len - (size_t)total);
	if (len < STATE_HEADER + 4)
		return corrupt(err, name, STATE_HEADER, "too short");
	want = 0;
	for (int i = 0; i < 4; i++)
		want |= (uLong)buf[len - 4 + (size_t)i] << (8 * i);
	crc = crc32(0L, Z_NULL, 0);
	for (size_t off = 0; off < len - 4;) {
		size_t k = len - 4 - off;

		if (k > (1u << 30))
			k = 1u << 30;
		crc = crc32(crc, buf + off, (uInt)k);
		off += k;
	}
	if (crc != want)
		return ib_error_set(err, IB_ERR_FORMAT, 0, name, 0, "state '%s': checksum mismatch", name);
	if (bucket <= 0)
		return corrupt(err, name, 20, "bad bucket length");
	rc = ib_agg_new(&a, bucket);
	if (rc < 0)
		return ib_error_set(err, rc, ENOMEM, name, 0, "out of memory");
	r.len = len - 4;
	rc = rbody(a, &r, name, err);
	if (rc < 0) {
		ib_agg_free(a);
		return rc;
	}
	*out = a;
	return IB_OK;
}

int ib_agg_load_buf(struct ib_agg **out, const unsigned char *buf, size_t len, struct ib_error *err)
{
	return load_mem(out, buf, len, "<memory>", err);
}

int ib_agg_load(struct ib_agg **out, const char *path, struct ib_error *err)
{
	FILE *f;
	struct stat st;
	unsigned char *buf;
	size_t len;
	int rc, e;

	*out = NULL;
	f = fopen(path, "rb");
	if (!f) {
		e = errno;
		return ib_error_set(err, IB_ERR_IO, e, path, 0, "cannot open '%s': %s", path, strerror(e));
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > SIZE_MAX - 1) {
		fclose(f);
		return ib_error_set(err, IB_ERR_IO, 0, path, 0, "state '%s': not a regular file", path);
	}
	len = (size_t)st.st_size;
	buf = malloc(len ? len : 1);
	if (!buf) {
		fclose(f);
		return ib_error_set(err, IB_ERR_NOMEM, ENOMEM, path, 0, "out of memory");
	}
	if (fread(buf, 1, len, f) != len) {
		e = ferror(f) ? errno : 0;
		free(buf);
		fclose(f);
		return ib_error_set(err, IB_ERR_IO, e, path, 0, "cannot read '%s': %s", path,
				    e ? strerror(e) : "short read");
	}
	fclose(f);
	rc = load_mem(out, buf, len, path, err);
	free(buf);
	return rc;
}
