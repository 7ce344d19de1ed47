/*
 * state.c: the aggregator's state file (agg.h). Versioned, checksummed
 * (CRC-32 of everything before it), little-endian encoding:
 *   "IBSTATE1", version u32, total length u64, bucket ms i64,
 *   strings per kind, cells, successes (version 5), files, errors,
 *   reasons, shapes, protocols, crc u32.
 * Version 2 added the strings of kinds IB_S_ADDR and IB_S_DUP; version 3
 * added to each file its login-looking unmatched lines, status and samples,
 * and the shapes section; version 4 the protocol table (agg_proto.c): its
 * entries' keys and counts, in key order; version 5 lists the successes
 * (IB_CAT_OK, not connections) by series in a compact section of their
 * own (state_succ.c), no longer among the cells (63 bytes each before).
 * Versions 1 to 4 still load (what they lack reads as zero and empty; their
 * successes' evidence is dropped, as an aggregator keeps none).
 * Strings, cells, successes, files and reasons are written in one
 * canonical order, so the same content gives the same bytes whatever the
 * thread count or input order. Loading re-interns every string and
 * re-adds every cell, refusing duplicates, so a loaded state holds what
 * was saved or nothing.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include "imapblast/atomic.h"
#include "state_int.h"

#define STATE_MAGIC "IBSTATE1"
#define STATE_VERSION                                                                                        \
	5u /* 5: successes by series; 4: protocols; 3: file coverage and shapes; 2: kinds IB_S_ADDR,         \
	      IB_S_DUP */
#define STATE_HEADER 28 /* magic 8, version 4, total length 8, bucket 8 */
#define CELL_BYTES (8 + 4 * 4 + 3 + 8 + 8 + 8 + 4 + 8)

static void wstr(struct ib_wr *w, const char *s)
{
	size_t len = strlen(s);

	ib_wint(w, len, 4);
	ib_wbytes(w, s, len);
}

/*
 * The state file lists strings, cells, successes, files and reasons in
 * one canonical order (strings by bytes, cells and successes by their key
 * in those terms), so the same content gives the same bytes whatever the
 * thread count or file order. Cells are the ones that are not successes
 * (a success kept among them goes with the others, state_succ.c): the
 * order costs a few bytes per series of successes and 48 per other cell.
 */
struct canon {
	uint32_t *order[IB_S_KINDS]; /* position -> id */
	uint32_t *rank[IB_S_KINDS];  /* id -> position */
	size_t *cells;		     /* position -> cell index */
	size_t ncells;
	struct ib_state_succ succ;
	size_t *reasons; /* position -> reason index */
	size_t *shapes;	 /* position -> shape index */
};

static int is_succ(const struct ib_cell *c)
{
	return c->category == IB_CAT_OK && !c->connection;
}

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
	ib_state_succ_release(&cn->succ);
	free(cn->reasons);
	free(cn->shapes);
}

static int canon_build(const struct ib_agg *a, struct canon *cn)
{
	size_t most = a->nreasons > a->nshapes ? a->nreasons : a->nshapes;
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
	cn->shapes = malloc((a->nshapes ? a->nshapes : 1) * sizeof(size_t));
	if (!sr || !cr || !cn->cells || !cn->reasons || !cn->shapes)
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
	if (ib_state_succ_order(a, (const uint32_t *const *)cn->rank, &cn->succ) < 0)
		goto nomem;
	for (size_t i = 0; i < a->ncells; i++) {
		struct ib_cell cb;
		const struct ib_cell *c = ib_agg_cell(a, i, &cb);
		struct cref *r = &cr[cn->ncells];

		if (is_succ(c))
			continue;
		r->bucket = c->bucket;
		r->user = cn->rank[IB_S_USER][c->user];
		r->ip = cn->rank[IB_S_IP][c->ip];
		r->server = cn->rank[IB_S_SERVER][c->server];
		r->sig = cn->rank[IB_S_SIG][c->signature];
		r->layer = c->layer;
		r->cat = c->category;
		r->conn = c->connection;
		r->i = i;
		cn->ncells++;
	}
	qsort(cr, cn->ncells, sizeof(*cr), cref_cmp);
	for (size_t i = 0; i < cn->ncells; i++)
		cn->cells[i] = cr[i].i;
	for (size_t i = 0; i < a->nreasons; i++) {
		sr[i].s = a->reasons[i].reason;
		sr[i].i = i;
	}
	qsort(sr, a->nreasons, sizeof(*sr), sref_cmp);
	for (size_t i = 0; i < a->nreasons; i++)
		cn->reasons[i] = sr[i].i;
	for (size_t i = 0; i < a->nshapes; i++) {
		sr[i].s = a->shapes[i].shape;
		sr[i].i = i;
	}
	qsort(sr, a->nshapes, sizeof(*sr), sref_cmp);
	for (size_t i = 0; i < a->nshapes; i++)
		cn->shapes[i] = sr[i].i;
	free(sr);
	free(cr);
	return IB_OK;
nomem:
	free(sr);
	free(cr);
	canon_free(cn);
	return IB_ERR_NOMEM;
}

/* Everything between the header and the checksum: IB_OK, or IB_ERR_INTERNAL (state_succ.c). */
static int wbody(struct ib_wr *w, const struct ib_agg *a, const struct canon *cn)
{
	int rc;

	const uint32_t *const *rank = (const uint32_t *const *)cn->rank;

	for (int k = 0; k < IB_S_KINDS; k++) {
		const char *prev = "";

		ib_wint(w, a->st[k].n, 8);
		for (size_t i = 1; i < a->st[k].n;
		     i++) { /* front-coded: the prefix shared with the previous one */
			const char *cur = a->st[k].s[cn->order[k][i]];
			size_t same = 0, len = strlen(cur);

			while (cur[same] && cur[same] == prev[same])
				same++;
			ib_wvar(w, same);
			ib_wvar(w, len - same);
			ib_wbytes(w, cur + same, len - same);
			prev = cur;
		}
	}
	ib_wint(w, cn->ncells, 8);
	for (size_t i = 0; i < cn->ncells; i++) {
		struct ib_cell cb;
		const struct ib_cell *c = ib_agg_cell(a, cn->cells[i], &cb);

		ib_wint(w, (uint64_t)c->bucket, 8);
		ib_wint(w, rank[IB_S_USER][c->user], 4);
		ib_wint(w, rank[IB_S_IP][c->ip], 4);
		ib_wint(w, rank[IB_S_SERVER][c->server], 4);
		ib_wint(w, rank[IB_S_SIG][c->signature], 4);
		ib_wint(w, c->layer, 1);
		ib_wint(w, c->category, 1);
		ib_wint(w, c->connection, 1);
		ib_wint(w, c->count, 8);
		ib_wint(w, (uint64_t)c->first_ms, 8);
		ib_wint(w, (uint64_t)c->last_ms, 8);
		ib_wint(w, rank[IB_S_FILE][c->first_file], 4);
		ib_wint(w, c->first_line, 8);
	}
	if ((rc = ib_state_succ_write(w, a, &cn->succ)) < 0)
		return rc;
	ib_wint(w, a->st[IB_S_FILE].n, 8);
	for (size_t i = 0; i < a->st[IB_S_FILE].n; i++) {
		const struct ib_file_counts *c = &a->files[cn->order[IB_S_FILE][i]].c;

		ib_wint(w, c->bytes_in, 8);
		ib_wint(w, c->bytes_out, 8);
		ib_wint(w, c->lines, 8);
		ib_wint(w, c->events, 8);
		ib_wint(w, c->ignored, 8);
		ib_wint(w, c->unparseable, 8);
		ib_wint(w, c->overlong, 8);
		ib_wint(w, c->gzip ? 1 : 0, 1);
		ib_wint(w, c->format ? 1 : 0, 1);
		if (c->format)
			wstr(w, c->format);
		ib_wint(w, c->login_unmatched, 8);
		ib_wint(w, (uint64_t)c->status, 1);
		{
			int k = 0;

			while (k < IB_FILE_SAMPLES && c->sample[k])
				k++;
			ib_wint(w, (uint64_t)k, 1);
			for (int j = 0; j < k; j++) {
				ib_wint(w, c->sample_line[j], 8);
				wstr(w, c->sample[j]);
			}
		}
	}
	ib_wint(w, a->nerrors, 8);
	for (size_t i = 0; i < a->nerrors; i++) {
		const struct ib_error *e = &a->errors[i];

		ib_wint(w, (uint32_t)e->code, 4);
		ib_wint(w, (uint32_t)e->errnum, 4);
		wstr(w, e->path);
		ib_wint(w, e->offset, 8);
		ib_wint(w, e->line, 8);
		wstr(w, e->msg);
	}
	ib_wint(w, a->nreasons, 8);
	for (size_t i = 0; i < a->nreasons; i++) {
		const struct ib_reasonacc *r = &a->reasons[cn->reasons[i]];

		wstr(w, r->reason);
		ib_wint(w, r->count, 8);
		ib_wint(w, rank[IB_S_FILE][r->file], 4);
		ib_wint(w, r->line, 8);
	}
	ib_wint(w, a->nshapes, 8);
	for (size_t i = 0; i < a->nshapes; i++) {
		const struct ib_shapeacc *r = &a->shapes[cn->shapes[i]];

		wstr(w, r->shape);
		wstr(w, r->sample);
		ib_wint(w, r->count, 8);
		ib_wint(w, rank[IB_S_FILE][r->file], 4);
		ib_wint(w, r->line, 8);
	}
	ib_wint(w, ib_agg_proto_n(a), 8);
	{
		struct ib_proto_count pc;
		uint64_t cur = 0;

		while (ib_agg_proto_next(a, &cur, &pc)) {
			ib_wint(w, pc.key, 8);
			ib_wint(w, pc.count, 8);
		}
	}
	return IB_OK;
}

static int wall(struct ib_wr *w, const struct ib_agg *a, const struct canon *cn, uint64_t total)
{
	ib_wbytes(w, STATE_MAGIC, 8);
	ib_wint(w, STATE_VERSION, 4);
	ib_wint(w, total, 8);
	ib_wint(w, (uint64_t)a->bucket_ms, 8);
	return wbody(w, a, cn);
}

int ib_agg_save(const struct ib_agg *a, const char *path, struct ib_error *err)
{
	struct ib_atomic at;
	struct ib_error e;
	struct ib_wr *w = calloc(1, sizeof(*w));
	struct canon cn;
	uint64_t total;
	int rc;

	if (!w || canon_build(a, &cn) < 0) {
		free(w);
		return ib_error_set(err, IB_ERR_NOMEM, ENOMEM, path, 0, "out of memory");
	}
	memset(&e, 0, sizeof(e));
	if ((rc = wall(w, a, &cn, 0)) < 0) { /* sizing pass; the writing pass then cannot fail this way */
		snprintf(e.msg, sizeof(e.msg), "two successes of one key (a bug)");
		goto out;
	}
	total = w->total + 4;
	memset(w, 0, sizeof(*w));
	rc = ib_atomic_open(&at, AT_FDCWD, path, path, 0666, IB_ATOMIC_SYNC, &e);
	if (rc < 0)
		goto out;
	w->f = at.fp;
	w->crc = crc32(0L, Z_NULL, 0);
	(void)wall(w, a, &cn, total);
	ib_wflush(w);
	{
		uLong crc = w->crc;
		unsigned char b[4];

		for (int i = 0; i < 4; i++)
			b[i] = (unsigned char)(crc >> (8 * i));
		if (fwrite(b, 1, 4, w->f) != 4 && !w->failed)
			w->failed = errno ? errno : EIO;
	}
	if (w->failed) {
		ib_atomic_abort(&at);
		e.errnum = w->failed;
		rc = IB_ERR_IO;
	} else {
		rc = ib_atomic_commit(&at, &e);
	}
out:
	canon_free(&cn);
	free(w);
	if (rc == IB_ERR_NOMEM)
		return ib_error_set(err, rc, e.errnum, path, 0, "out of memory");
	if (rc < 0)
		return ib_error_set(err, rc, e.errnum, path, 0, "cannot write state '%s': %s", path,
				    e.errnum ? strerror(e.errnum) : e.msg);
	return IB_OK;
}

/* A count of records of at least `min` bytes each, capped by what is left. */
static uint64_t rcount(struct ib_rd *r, size_t min)
{
	uint64_t n = ib_rdint(r, 8);

	if (!r->bad && n > (r->len - r->off) / min + 1)
		r->bad = 1;
	return r->bad ? 0 : n;
}

static const char *rstr(struct ib_rd *r, size_t *len)
{
	uint64_t n = ib_rdint(r, 4);
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
static void rfix(struct ib_rd *r, char *dst, size_t size)
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

static void free_samples(struct ib_file_counts *c)
{
	for (int k = 0; k < IB_FILE_SAMPLES; k++) {
		free((char *)c->sample[k]);
		c->sample[k] = NULL;
	}
}

/* The version 3 fields of a file record into c: IB_OK, IB_ERR_FORMAT or IB_ERR_NOMEM. */
static int rfile3(struct ib_rd *r, struct ib_file_counts *c)
{
	uint64_t n;

	c->login_unmatched = ib_rdint(r, 8);
	c->status = (int)ib_rdint(r, 1);
	n = ib_rdint(r, 1);
	if (r->bad || c->status > IB_FILE_UNKNOWN || n > IB_FILE_SAMPLES)
		return IB_ERR_FORMAT;
	for (uint64_t k = 0; k < n; k++) {
		size_t len = 0;
		const char *s;

		c->sample_line[k] = ib_rdint(r, 8);
		s = rstr(r, &len);
		if (!s)
			return IB_ERR_FORMAT;
		if (!(c->sample[k] = ib_dupmem(s, len)))
			return IB_ERR_NOMEM;
	}
	return IB_OK;
}

/* The shapes section (version 3). */
static int rshapes(struct ib_agg *a, struct ib_rd *r, const char *name, struct ib_error *err)
{
	uint64_t at = r->off, n = rcount(r, 28);

	if (r->bad)
		return ib_state_corrupt(err, name, at, "bad shape count");
	for (uint64_t i = 0; i < n; i++) {
		size_t len = 0, slen = 0;
		const char *s, *t;
		char *shape, *sample;
		uint64_t count, line;
		uint32_t file;
		int rc;

		at = r->off;
		s = rstr(r, &len);
		t = rstr(r, &slen);
		count = ib_rdint(r, 8);
		file = (uint32_t)ib_rdint(r, 4);
		line = ib_rdint(r, 8);
		if (r->bad || file >= a->st[IB_S_FILE].n)
			return ib_state_corrupt(err, name, at, "bad shape record");
		shape = ib_dupmem(s, len);
		sample = ib_dupmem(t, slen);
		rc = shape && sample ? ib_agg_shape_add(a, shape, sample, count, file, line) : IB_ERR_NOMEM;
		free(shape);
		free(sample);
		if (rc < 0)
			return ib_error_set(err, rc, ENOMEM, name, at, "out of memory");
	}
	if (a->nshapes != n)
		return ib_state_corrupt(err, name, at, "duplicate shape");
	return IB_OK;
}

/* The protocol table (version 4): keys strictly rising, counts above 0. */
static int rprotos(struct ib_agg *a, struct ib_rd *r, const char *name, struct ib_error *err)
{
	uint64_t at = r->off, n = rcount(r, 16), prev = 0;

	if (r->bad)
		return ib_state_corrupt(err, name, at, "bad protocol count");
	for (uint64_t i = 0; i < n; i++) {
		uint64_t key, count;
		int rc;

		at = r->off;
		key = ib_rdint(r, 8);
		count = ib_rdint(r, 8);
		if (r->bad || count == 0 || (i && key <= prev))
			return ib_state_corrupt(err, name, at, "bad protocol record");
		prev = key;
		if ((rc = ib_agg_proto_raw(a, key, count)) == IB_ERR_USAGE)
			return ib_state_corrupt(err, name, at, "bad protocol record");
		if (rc < 0)
			return ib_error_set(err, rc, ENOMEM, name, at, "out of memory");
	}
	return IB_OK;
}

/* The previous string of a front-coded list (version 5). */
struct sbuf {
	char *s;
	size_t len, cap;
};

/* A front-coded string (version 5) into b; NULL when bad or out of memory (*nomem set). */
static const char *rstr5(struct ib_rd *r, struct sbuf *b, size_t *len, int *nomem)
{
	uint64_t same = ib_rvar(r), more = ib_rvar(r);

	if (r->bad || same > b->len || more == 0 || more > r->len - r->off || memchr(r->p + r->off, 0, more))
		return NULL;
	if (same + more > b->cap) {
		size_t cap = (size_t)(same + more) * 2;
		char *s = realloc(b->s, cap);

		if (!s) {
			*nomem = 1;
			return NULL;
		}
		b->s = s;
		b->cap = cap;
	}
	memcpy(b->s + same, r->p + r->off, more);
	r->off += more;
	b->len = (size_t)(same + more);
	*len = b->len;
	return b->s;
}

/* The strings of kind k: IB_OK or a negative enum ib_status with err set. */
static int rstrings(struct ib_agg *a, struct ib_rd *r, int k, struct sbuf *b, const char *name,
		    struct ib_error *err)
{
	size_t at = r->off;
	uint64_t n = rcount(r, r->version >= 5 ? 3 : 4);
	int rc;

	b->len = 0;
	if (r->bad || n == 0)
		return ib_state_corrupt(err, name, at, "bad string count");
	for (uint64_t i = 1; i < n; i++) {
		size_t len = 0;
		const char *s;
		uint32_t id;
		int nomem = 0;

		at = r->off;
		s = r->version >= 5 ? rstr5(r, b, &len, &nomem) : rstr(r, &len);
		if (nomem)
			return ib_error_set(err, IB_ERR_NOMEM, ENOMEM, name, at, "out of memory");
		if (!s || len == 0)
			return ib_state_corrupt(err, name, at, "bad string");
		if (k == IB_S_USER)
			for (size_t j = 0; j < len; j++)
				if (s[j] >= 'A' && s[j] <= 'Z')
					return ib_state_corrupt(err, name, at, "user not in lower case");
		if ((rc = ib_agg_intern(a, k, s, len, 0, &id)) < 0)
			return ib_error_set(err, rc, ENOMEM, name, at, "out of memory");
		if (id != i)
			return ib_state_corrupt(err, name, at, "duplicate string");
	}
	return IB_OK;
}

static int rbody(struct ib_agg *a, struct ib_rd *r, const char *name, struct ib_error *err)
{
	struct sbuf b = {NULL, 0, 0};
	size_t at;
	int rc = IB_OK;

	for (int k = 0; k < IB_S_KINDS && rc >= 0; k++)
		if ((k != IB_S_ADDR && k != IB_S_DUP) || r->version >= 2) /* version 1 had neither */
			rc = rstrings(a, r, k, &b, name, err);
	free(b.s);
	if (rc < 0)
		return rc;
	at = r->off;
	{
		uint64_t n = rcount(r, CELL_BYTES);

		if (r->bad)
			return ib_state_corrupt(err, name, at, "bad cell count");
		for (uint64_t i = 0; i < n; i++) {
			struct ib_ckey k;
			uint64_t count, line;
			int64_t first, last;
			uint32_t file;

			at = r->off;
			memset(&k, 0, sizeof(k));
			k.bucket = (int64_t)ib_rdint(r, 8);
			k.user = (uint32_t)ib_rdint(r, 4);
			k.ip = (uint32_t)ib_rdint(r, 4);
			k.server = (uint32_t)ib_rdint(r, 4);
			k.sig = (uint32_t)ib_rdint(r, 4);
			k.layer = (uint8_t)ib_rdint(r, 1);
			k.cat = (uint8_t)ib_rdint(r, 1);
			k.conn = (uint8_t)ib_rdint(r, 1);
			count = ib_rdint(r, 8);
			first = (int64_t)ib_rdint(r, 8);
			last = (int64_t)ib_rdint(r, 8);
			file = (uint32_t)ib_rdint(r, 4);
			line = ib_rdint(r, 8);
			if (r->bad || k.user >= a->st[IB_S_USER].n || k.ip >= a->st[IB_S_IP].n ||
			    k.server >= a->st[IB_S_SERVER].n || k.sig >= a->st[IB_S_SIG].n ||
			    file >= a->st[IB_S_FILE].n || k.layer >= IB_LAYER_COUNT || k.cat == IB_CAT_NONE ||
			    k.cat >= IB_CAT_COUNT || k.conn > 1 || count == 0 || first > last ||
			    first == IB_TIME_NONE || ib_floordiv(first, a->bucket_ms) != k.bucket ||
			    ib_floordiv(last, a->bucket_ms) != k.bucket || (k.conn && k.user) ||
			    (r->version >= 5 && k.cat == IB_CAT_OK &&
			     !k.conn)) /* 5: successes have their section */
				return ib_state_corrupt(err, name, at, "bad cell");
			rc = ib_agg_cell_add(a, &k, count, first, last, file, line, 1);
			if (rc == IB_ERR_FORMAT)
				return ib_state_corrupt(err, name, at, "duplicate cell");
			if (rc < 0)
				return ib_error_set(err, rc, ENOMEM, name, at, "out of memory");
		}
	}
	if (r->version >= 5 && (rc = ib_state_succ_read(a, r, name, err)) < 0)
		return rc;
	at = r->off;
	if (ib_rdint(r, 8) != a->st[IB_S_FILE].n || r->bad)
		return ib_state_corrupt(err, name, at, "bad file count");
	for (size_t i = 0; i < a->st[IB_S_FILE].n; i++) {
		struct ib_file_counts c;
		unsigned hasfmt;
		char *fmt = NULL;

		at = r->off;
		memset(&c, 0, sizeof(c));
		c.bytes_in = ib_rdint(r, 8);
		c.bytes_out = ib_rdint(r, 8);
		c.lines = ib_rdint(r, 8);
		c.events = ib_rdint(r, 8);
		c.ignored = ib_rdint(r, 8);
		c.unparseable = ib_rdint(r, 8);
		c.overlong = ib_rdint(r, 8);
		c.gzip = (int)ib_rdint(r, 1);
		hasfmt = (unsigned)ib_rdint(r, 1);
		if (hasfmt == 1) {
			size_t len = 0;
			const char *s = rstr(r, &len);

			if (s && !(fmt = ib_dupmem(s, len)))
				return ib_error_set(err, IB_ERR_NOMEM, ENOMEM, name, at, "out of memory");
		}
		rc = r->version >= 3 ? rfile3(r, &c) : IB_OK;
		if (r->bad || c.gzip > 1 || hasfmt > 1 || rc == IB_ERR_FORMAT) {
			free(fmt);
			free_samples(&c);
			return ib_state_corrupt(err, name, at, "bad file record");
		}
		c.format = fmt;
		if (rc >= 0)
			rc = ib_agg_file_counts(a, (uint32_t)i, &c);
		free(fmt);
		free_samples(&c);
		if (rc < 0)
			return ib_error_set(err, rc, ENOMEM, name, at, "out of memory");
	}
	at = r->off;
	{
		uint64_t n = rcount(r, 32);

		if (r->bad || n > IB_AGG_MAX_ERRORS)
			return ib_state_corrupt(err, name, at, "bad error count");
		for (uint64_t i = 0; i < n; i++) {
			struct ib_error e;

			at = r->off;
			memset(&e, 0, sizeof(e));
			e.code = (int)(int32_t)(uint32_t)ib_rdint(r, 4);
			e.errnum = (int)(int32_t)(uint32_t)ib_rdint(r, 4);
			rfix(r, e.path, sizeof(e.path));
			e.offset = ib_rdint(r, 8);
			e.line = ib_rdint(r, 8);
			rfix(r, e.msg, sizeof(e.msg));
			if (r->bad)
				return ib_state_corrupt(err, name, at, "bad error record");
			if ((rc = ib_agg_file_error(a, &e)) < 0)
				return ib_error_set(err, rc, ENOMEM, name, at, "out of memory");
		}
		if (a->nerrors != n)
			return ib_state_corrupt(err, name, at, "duplicate error record");
	}
	at = r->off;
	{
		uint64_t n = rcount(r, 24);

		if (r->bad)
			return ib_state_corrupt(err, name, at, "bad reason count");
		for (uint64_t i = 0; i < n; i++) {
			size_t len = 0;
			const char *s;
			char *reason;
			uint64_t count, line;
			uint32_t file;

			at = r->off;
			s = rstr(r, &len);
			count = ib_rdint(r, 8);
			file = (uint32_t)ib_rdint(r, 4);
			line = ib_rdint(r, 8);
			if (r->bad || file >= a->st[IB_S_FILE].n)
				return ib_state_corrupt(err, name, at, "bad reason record");
			reason = ib_dupmem(s, len);
			if (!reason)
				return ib_error_set(err, IB_ERR_NOMEM, ENOMEM, name, at, "out of memory");
			rc = ib_agg_reason_add(a, reason, count, file, line);
			free(reason);
			if (rc < 0)
				return ib_error_set(err, rc, ENOMEM, name, at, "out of memory");
		}
		if (a->nreasons != n)
			return ib_state_corrupt(err, name, at, "duplicate reason");
	}
	at = r->off;
	if (r->version >= 3 && (rc = rshapes(a, r, name, err)) < 0)
		return rc;
	if (r->version >= 4 && (rc = rprotos(a, r, name, err)) < 0)
		return rc;
	if (r->off != r->len)
		return ib_state_corrupt(err, name, r->off, "trailing bytes");
	return IB_OK;
}

static int load_mem(struct ib_agg **out, const unsigned char *buf, size_t len, const char *name,
		    struct ib_error *err)
{
	struct ib_rd r = {buf, len, 0, 0, 0};
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
	version = ib_rdint(&r, 4);
	if (r.bad)
		return ib_error_set(err, IB_ERR_FORMAT, 0, name, len, "state '%s': truncated at byte %zu",
				    name, len);
	if (version < 1 || version > STATE_VERSION)
		return ib_error_set(err, IB_ERR_FORMAT, 0, name, 8, "state '%s': unsupported version %llu",
				    name, (unsigned long long)version);
	total = ib_rdint(&r, 8);
	bucket = (int64_t)ib_rdint(&r, 8);
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
		return ib_state_corrupt(err, name, STATE_HEADER, "too short");
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
		return ib_state_corrupt(err, name, 20, "bad bucket length");
	rc = ib_agg_new(&a, bucket);
	if (rc < 0)
		return ib_error_set(err, rc, ENOMEM, name, 0, "out of memory");
	r.len = len - 4;
	r.version = (unsigned)version;
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
