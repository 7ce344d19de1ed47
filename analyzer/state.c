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
 * own (state_succ.c), no longer among the cells, whose 63 bytes each
 * become varints of about 16 (state_save.c, wcells), and front-codes the
 * strings (the length of the prefix shared with the previous string and
 * of the rest, varints, then the rest's bytes).
 * Versions 1 to 4 still load (what they lack reads as zero and empty; their
 * successes' evidence is dropped, as an aggregator keeps none).
 * Strings, cells, successes, files and reasons are written in one
 * canonical order (state_save.c), so the same content gives the same
 * bytes whatever the thread count or input order. Loading re-interns
 * every string and re-adds every cell, refusing duplicates, so a loaded
 * state holds what was saved or nothing; a file is read through a window,
 * never whole.
 */
#include <sys/stat.h>
#include "state_int.h"

#define CELL_BYTES (8 + 4 * 4 + 3 + 8 + 8 + 8 + 4 + 8) /* a cell of every version */

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

	if (r->bad || n > r->len - r->off || ib_rd_need(r, (size_t)n) < 0) {
		r->bad = 1;
		return NULL;
	}
	s = (const char *)ib_rd_at(r);
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
		char *shape = NULL, *sample = NULL;
		uint64_t count, line;
		uint32_t file;
		int rc;

		at = r->off;
		/* each copied before the next read, which may move the window */
		if ((s = rstr(r, &len)) && (shape = ib_dupmem(s, len)) && (t = rstr(r, &slen)))
			sample = ib_dupmem(t, slen);
		count = ib_rdint(r, 8);
		file = (uint32_t)ib_rdint(r, 4);
		line = ib_rdint(r, 8);
		if (r->bad || file >= a->st[IB_S_FILE].n) {
			free(shape);
			free(sample);
			return ib_state_corrupt(err, name, at, "bad shape record");
		}
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

	if (r->bad || same > b->len || more == 0 || more > r->len - r->off ||
	    ib_rd_need(r, (size_t)more) < 0 || memchr(ib_rd_at(r), 0, more))
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
	memcpy(b->s + same, ib_rd_at(r), more);
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

/*
 * A cell of version 5 (state_save.c, wcells) after *prev (the first one
 * after its bucket, the rest zero), which it becomes: 0, or -1 when it is
 * bad or not after prev. The caller checks the rest.
 */
static int rcell5(struct ib_rd *r, const struct ib_agg *a, struct ib_ckey *prev, struct ib_ckey *k,
		  uint64_t *count, int64_t *first, int64_t *last, uint32_t *file, uint64_t *line)
{
	static const int kind[4] = {IB_S_USER, IB_S_IP, IB_S_SERVER, IB_S_SIG};
	uint32_t *f[4] = {&k->user, &k->ip, &k->server, &k->sig};
	const uint32_t p[4] = {prev->user, prev->ip, prev->server, prev->sig};
	uint64_t db = ib_rvar(r), off, span, fl;
	unsigned b;
	int eq = db == 0;

	if (db > (uint64_t)INT64_MAX - (uint64_t)prev->bucket) /* exact mod 2^64 */
		return -1;
	k->bucket = (int64_t)((uint64_t)prev->bucket + db);
	for (int i = 0; i < 4; i++) {
		uint64_t d = ib_rvar(r), from = eq ? p[i] : 0;

		if (d >= a->st[kind[i]].n - from)
			return -1;
		*f[i] = (uint32_t)(from + d);
		eq = eq && *f[i] == p[i];
	}
	b = (unsigned)ib_rdint(r, 1);
	k->layer = (uint8_t)(b & 3);
	k->cat = (uint8_t)(b >> 2 & 7);
	k->conn = (uint8_t)(b >> 5 & 1);
	*count = ib_rvar(r) + 1;
	off = ib_rvar(r);
	span = ib_rvar(r);
	fl = ib_rvar(r);
	*line = ib_rvar(r);
	if (r->bad || b >> 6 || fl >= a->st[IB_S_FILE].n || (prev->cat && ib_state_ckey_cmp(prev, k) >= 0) ||
	    ib_state_times(a->bucket_ms, k->bucket, off, span, first, last) < 0)
		return -1;
	*file = (uint32_t)fl;
	*prev = *k;
	return 0;
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
		uint64_t n = rcount(r, r->version >= 5 ? 11 : CELL_BYTES);
		struct ib_ckey prev;

		memset(&prev, 0, sizeof(prev));
		if (n && r->version >= 5)
			prev.bucket = (int64_t)ib_rdint(r, 8);
		if (r->bad)
			return ib_state_corrupt(err, name, at, "bad cell count");
		for (uint64_t i = 0; i < n; i++) {
			struct ib_ckey k;
			uint64_t count, line;
			int64_t first, last;
			uint32_t file;

			at = r->off;
			memset(&k, 0, sizeof(k));
			if (r->version >= 5) {
				if (rcell5(r, a, &prev, &k, &count, &first, &last, &file, &line) < 0)
					return ib_state_corrupt(err, name, at, "bad cell");
			} else {
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
			}
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
			char *reason = NULL;
			uint64_t count, line;
			uint32_t file;

			at = r->off;
			if ((s = rstr(r, &len)) &&
			    !(reason = ib_dupmem(s, len))) /* before the window moves */
				return ib_error_set(err, IB_ERR_NOMEM, ENOMEM, name, at, "out of memory");
			count = ib_rdint(r, 8);
			file = (uint32_t)ib_rdint(r, 4);
			line = ib_rdint(r, 8);
			if (r->bad || file >= a->st[IB_S_FILE].n) {
				free(reason);
				return ib_state_corrupt(err, name, at, "bad reason record");
			}
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

/*
 * The header: the first min(len, IB_STATE_HEADER) bytes at h of a file of
 * len bytes. IB_OK with its version and bucket length, else
 * IB_ERR_FORMAT with err saying why.
 */
static int header(const unsigned char *h, size_t len, const char *name, unsigned *version, int64_t *bucket,
		  struct ib_error *err)
{
	struct ib_rd r;
	uint64_t v, total;

	memset(&r, 0, sizeof(r));
	r.p = h;
	r.len = r.have = len < IB_STATE_HEADER ? len : IB_STATE_HEADER;
	if (len < 8) {
		if (len == 0 || memcmp(h, IB_STATE_MAGIC, len) == 0)
			return ib_error_set(err, IB_ERR_FORMAT, 0, name, len,
					    "state '%s': truncated at byte %zu", name, len);
		return ib_error_set(err, IB_ERR_FORMAT, 0, name, 0, "state '%s': not an imapblast state file",
				    name);
	}
	if (memcmp(h, IB_STATE_MAGIC, 8) != 0)
		return ib_error_set(err, IB_ERR_FORMAT, 0, name, 0, "state '%s': not an imapblast state file",
				    name);
	r.off = 8;
	v = ib_rdint(&r, 4);
	if (r.bad)
		return ib_error_set(err, IB_ERR_FORMAT, 0, name, len, "state '%s': truncated at byte %zu",
				    name, len);
	if (v < 1 || v > IB_STATE_VERSION)
		return ib_error_set(err, IB_ERR_FORMAT, 0, name, 8, "state '%s': unsupported version %llu",
				    name, (unsigned long long)v);
	total = ib_rdint(&r, 8);
	*bucket = (int64_t)ib_rdint(&r, 8);
	*version = (unsigned)v;
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
	if (len < IB_STATE_HEADER + 4)
		return ib_state_corrupt(err, name, IB_STATE_HEADER, "too short");
	return IB_OK;
}

/* The error of a reader that ran out of memory or could not read, or 0 when neither. */
static int rd_error(const struct ib_rd *r, const char *name, struct ib_error *err)
{
	if (r->nomem)
		return ib_error_set(err, IB_ERR_NOMEM, ENOMEM, name, r->off, "out of memory");
	if (r->ioerr)
		return ib_error_set(err, IB_ERR_IO, r->ioerr > 0 ? r->ioerr : 0, name, r->off,
				    "cannot read '%s': %s", name,
				    r->ioerr > 0 ? strerror(r->ioerr) : "the file got shorter");
	return 0;
}

static int mismatch(struct ib_error *err, const char *name)
{
	return ib_error_set(err, IB_ERR_FORMAT, 0, name, 0, "state '%s': checksum mismatch", name);
}

/* The body, r at its start, into a new aggregator *out (NULL on an error). */
static int body(struct ib_agg **out, struct ib_rd *r, int64_t bucket, const char *name, struct ib_error *err)
{
	struct ib_agg *a = NULL;
	int rc;

	*out = NULL;
	if (bucket <= 0)
		return ib_state_corrupt(err, name, 20, "bad bucket length");
	rc = ib_agg_new(&a, bucket);
	if (rc < 0)
		return ib_error_set(err, rc, ENOMEM, name, 0, "out of memory");
	rc = rbody(a, r, name, err);
	if (r->nomem || r->ioerr)
		rc = rd_error(r, name, err);
	if (rc < 0) {
		ib_agg_free(a);
		return rc;
	}
	*out = a;
	return IB_OK;
}

static uLong crc_at(const unsigned char *p)
{
	uLong v = 0;

	for (int i = 0; i < 4; i++)
		v |= (uLong)p[i] << (8 * i);
	return v;
}

int ib_agg_load_buf(struct ib_agg **out, const unsigned char *buf, size_t len, struct ib_error *err)
{
	const char *name = "<memory>";
	struct ib_rd r;
	unsigned version;
	int64_t bucket;
	uLong crc;
	int rc;

	*out = NULL;
	if ((rc = header(buf, len, name, &version, &bucket, err)) < 0)
		return rc;
	crc = crc32(0L, Z_NULL, 0);
	for (size_t off = 0; off < len - 4;) {
		size_t k = len - 4 - off;

		if (k > (1u << 30))
			k = 1u << 30;
		crc = crc32(crc, buf + off, (uInt)k);
		off += k;
	}
	if (crc != crc_at(buf + len - 4))
		return mismatch(err, name);
	memset(&r, 0, sizeof(r));
	r.p = buf;
	r.len = r.have = len - 4;
	r.off = IB_STATE_HEADER;
	r.version = version;
	return body(out, &r, bucket, name, err);
}

#define WINDOW ((size_t)1 << 20)

/*
 * A file is read twice through a window of WINDOW bytes, never whole:
 * once for its checksum, then for its body, whose checksum must be the
 * same (else the file changed in between).
 */
int ib_agg_load(struct ib_agg **out, const char *path, struct ib_error *err)
{
	unsigned char h[IB_STATE_HEADER], tail[4];
	struct ib_rd r;
	struct stat st;
	unsigned version;
	int64_t bucket;
	uLong crc;
	size_t len, hl;
	FILE *f;
	int rc, e;

	*out = NULL;
	memset(&r, 0, sizeof(r));
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
	hl = len < IB_STATE_HEADER ? len : IB_STATE_HEADER;
	if (fread(h, 1, hl, f) != hl)
		goto ioerr;
	if ((rc = header(h, len, path, &version, &bucket, err)) < 0)
		goto out;
	if (!(r.buf = malloc(WINDOW))) {
		rc = ib_error_set(err, IB_ERR_NOMEM, ENOMEM, path, 0, "out of memory");
		goto out;
	}
	crc = crc32(0L, h, IB_STATE_HEADER);
	for (size_t off = IB_STATE_HEADER; off < len - 4;) {
		size_t k = len - 4 - off < WINDOW ? len - 4 - off : WINDOW;

		if (fread(r.buf, 1, k, f) != k)
			goto ioerr;
		crc = crc32(crc, r.buf, (uInt)k);
		off += k;
	}
	if (fread(tail, 1, 4, f) != 4)
		goto ioerr;
	if (crc != crc_at(tail)) {
		rc = mismatch(err, path);
		goto out;
	}
	rewind(f);
	r.f = f;
	r.cap = WINDOW;
	r.len = len - 4;
	r.crc = crc32(0L, Z_NULL, 0);
	r.version = version;
	if (ib_rd_need(&r, IB_STATE_HEADER) < 0 || memcmp(r.buf, h, IB_STATE_HEADER) != 0) {
		rc = r.nomem || r.ioerr ? rd_error(&r, path, err) : mismatch(err, path);
		goto out;
	}
	r.off = IB_STATE_HEADER;
	rc = body(out, &r, bucket, path, err);
	if (rc >= 0 && r.crc != crc) { /* changed since the first pass */
		ib_agg_free(*out);
		*out = NULL;
		rc = mismatch(err, path);
	}
	goto out;
ioerr:
	e = ferror(f) ? errno : 0;
	rc = ib_error_set(err, IB_ERR_IO, e, path, 0, "cannot read '%s': %s", path,
			  e ? strerror(e) : "short read");
out:
	free(r.buf);
	fclose(f);
	return rc;
}
