/*
 * state_save.c: writing the state file (state.c has the format and
 * reads it). Everything is listed in one canonical order built first
 * (struct canon), then written twice through one buffer: a pass that
 * only counts the bytes (the total length is in the header), and the
 * pass that writes them, with the checksum, under a temporary name
 * renamed into place (atomic.c).
 */
#include <fcntl.h>
#include "imapblast/atomic.h"
#include "state_int.h"

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

/* A cell in the order of the file: its key with string ranks for ids, and its index. */
struct cref {
	struct ib_ckey k;
	size_t i;
};

static int cref_cmp(const void *x, const void *y)
{
	return ib_state_ckey_cmp(&((const struct cref *)x)->k, &((const struct cref *)y)->k);
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
		r->k.bucket = c->bucket;
		r->k.user = cn->rank[IB_S_USER][c->user];
		r->k.ip = cn->rank[IB_S_IP][c->ip];
		r->k.server = cn->rank[IB_S_SERVER][c->server];
		r->k.sig = cn->rank[IB_S_SIG][c->signature];
		r->k.layer = c->layer;
		r->k.cat = c->category;
		r->k.conn = c->connection;
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

/*
 * The cells but successes (version 5), in the canonical order: the first
 * one's bucket i64, then per cell the bucket - the previous one's, the
 * user, address, server and signature ranks (each the difference from
 * the previous cell's while the bucket and the fields before it are
 * equal), a byte (layer | category << 2 | connection << 5), then count - 1,
 * the first time's offset in the bucket, last - first time, the file's
 * rank and the line: varints.
 */
static void wcells(struct ib_wr *w, const struct ib_agg *a, const struct canon *cn)
{
	const int64_t B = a->bucket_ms;
	uint32_t p[4] = {0, 0, 0, 0};
	int64_t prev = 0;

	ib_wint(w, cn->ncells, 8);
	for (size_t i = 0; i < cn->ncells; i++) {
		struct ib_cell cb;
		const struct ib_cell *c = ib_agg_cell(a, cn->cells[i], &cb);
		uint32_t f[4] = {cn->rank[IB_S_USER][c->user], cn->rank[IB_S_IP][c->ip],
				 cn->rank[IB_S_SERVER][c->server], cn->rank[IB_S_SIG][c->signature]};
		int64_t r = c->first_ms % B;
		int eq;

		if (i == 0) {
			ib_wint(w, (uint64_t)c->bucket, 8);
			prev = c->bucket;
		}
		eq = c->bucket == prev;
		ib_wvar(w, (uint64_t)c->bucket - (uint64_t)prev);
		for (int k = 0; k < 4; k++) {
			ib_wvar(w, eq ? f[k] - p[k] : f[k]);
			eq = eq && f[k] == p[k];
			p[k] = f[k];
		}
		ib_wint(w, (uint64_t)(c->layer | c->category << 2 | c->connection << 5), 1);
		ib_wvar(w, c->count - 1);
		ib_wvar(w, (uint64_t)(r < 0 ? r + B : r));
		ib_wvar(w, (uint64_t)c->last_ms - (uint64_t)c->first_ms);
		ib_wvar(w, cn->rank[IB_S_FILE][c->first_file]);
		ib_wvar(w, c->first_line);
		prev = c->bucket;
	}
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
	wcells(w, a, cn);
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
	ib_wbytes(w, IB_STATE_MAGIC, 8);
	ib_wint(w, IB_STATE_VERSION, 4);
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
