/*
 * dedup.c: repeated input files (pipeline.h, ib_dedup_files). Two inputs
 * with the same content after gunzip (a rotated file and its copy under
 * backup/, a .gz and its plain twin) are read once. Cheap first: the
 * content's length (a plain file's size, a gzip file's ISIZE trailer) is
 * compared for every input, and only inputs whose length another input
 * shares are read in full and hashed (SHA-256 of the lines as the reader
 * yields them). Of a group with equal hashes the smallest path is read,
 * so the choice depends on neither the order of input nor -j.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "imapblast/pipeline.h"
#include "judy_int.h"
#include "report_int.h" /* ib_sha256 */

struct fp {
	size_t i;	  /* index into in->paths */
	const char *path; /* in->paths[i] */
	uint64_t len;	  /* content length mod 2^32, UINT64_MAX: unknown */
	unsigned char h[32];
	int hashed; /* 1: h holds the content's hash */
};

/* The content length mod 2^32 of a plain or gzip file, or UINT64_MAX. */
static uint64_t content_len(const char *path)
{
	unsigned char b[4];
	struct stat st;
	uint64_t v = UINT64_MAX;
	FILE *f;

	if (!strcmp(path, "-") || stat(path, &st) || !S_ISREG(st.st_mode) || st.st_size == 0)
		return UINT64_MAX; /* stdin, a fifo, or nothing to count twice */
	f = fopen(path, "rb");
	if (!f)
		return UINT64_MAX;
	if (fread(b, 1, 2, f) == 2 && b[0] == 0x1f && b[1] == 0x8b) {
		if (st.st_size >= 18 && fseek(f, -4, SEEK_END) == 0 && fread(b, 1, 4, f) == 4)
			v = (uint64_t)b[0] | (uint64_t)b[1] << 8 | (uint64_t)b[2] << 16 |
			    (uint64_t)b[3] << 24;
	} else {
		v = (uint64_t)st.st_size & 0xffffffffu;
	}
	fclose(f);
	return v;
}

/* SHA-256 of the lines of path, each with a '\n', and the count of over-long ones. */
static int content_hash(const char *path, size_t max_line, unsigned char out[32])
{
	struct ib_reader *r = NULL;
	struct ib_reader_stats st;
	struct ib_sha256 c;
	struct ib_str line;
	struct ib_error err;
	int rc;

	if (ib_reader_open(&r, path, max_line, &err) < 0)
		return -1;
	ib_sha256_init(&c);
	while ((rc = ib_reader_next(r, &line, &err)) == IB_OK) {
		ib_sha256_update(&c, line.ptr, line.len);
		ib_sha256_update(&c, "\n", 1);
	}
	ib_reader_stats(r, &st);
	ib_reader_close(r);
	if (rc < 0)
		return -1; /* a damaged input is read as it is, and its error reported */
	ib_sha256_update(&c, &st.overlong, sizeof(st.overlong));
	ib_sha256_final(&c, out);
	return 0;
}

static int by_len(const void *x, const void *y)
{
	const struct fp *a = x, *b = y;

	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return (a->i > b->i) - (a->i < b->i);
}

static int by_hash_path(const void *x, const void *y)
{
	const struct fp *a = x, *b = y;
	int c;

	if (a->hashed != b->hashed)
		return a->hashed ? -1 : 1;
	if (a->hashed && (c = memcmp(a->h, b->h, 32)) != 0)
		return c;
	if ((c = strcmp(a->path, b->path)) != 0)
		return c;
	return (a->i > b->i) - (a->i < b->i);
}

int ib_dedup_files(const struct ib_inputs *in, size_t max_line, long *dup_of, struct ib_error *err)
{
	struct fp *f;
	size_t n = in->n, i, j, nh = 0;

	for (i = 0; i < n; i++)
		dup_of[i] = -1;
	if (n < 2)
		return IB_OK;
	f = calloc(n, sizeof(*f));
	if (!f)
		return ib_error_set(err, IB_ERR_NOMEM, 0, NULL, 0, "out of memory");
	for (i = 0; i < n; i++) {
		f[i].i = i;
		f[i].path = in->paths[i];
		f[i].len = content_len(in->paths[i]);
	}
	qsort(f, n, sizeof(*f), by_len);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && f[j].len == f[i].len; j++)
			;
		if (j - i < 2 || f[i].len == UINT64_MAX)
			continue;
		for (size_t k = i; k < j; k++)
			if (content_hash(in->paths[f[k].i], max_line, f[k].h) == 0) {
				f[k].hashed = 1;
				nh++;
			}
	}
	if (nh >= 2) {
		qsort(f, n, sizeof(*f), by_hash_path);
		for (i = 0; i < n && f[i].hashed; i = j)
			for (j = i + 1; j < n && f[j].hashed && !memcmp(f[j].h, f[i].h, 32); j++)
				dup_of[f[j].i] = (long)f[i].i;
	}
	free(f);
	return IB_OK;
}

/* ---- repeated events (ib_dedup_events) ---- */

/* FNV-1a over (p, n), then a length mark, chained through h. */
static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return (h ^ n) * 0x100000001b3ULL;
}

/* The identity of an event: format, host, server, session, user, address, layer, time, message. */
static uint64_t identity(const struct ib_event *ev)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	h = mix(h, ev->format ? ev->format : "", ev->format ? strlen(ev->format) : 0);
	h = mix(h, ev->host.ptr, ev->host.len);
	h = mix(h, ev->server.ptr, ev->server.len);
	h = mix(h, ev->session.ptr, ev->session.len);
	h = mix(h, ev->user.ptr, ev->user.len);
	h = mix(h, ev->ip.ptr, ev->ip.len);
	h = mix(h, &ev->layer, sizeof(ev->layer));
	h = mix(h, &ev->time_ms, sizeof(ev->time_ms));
	h = mix(h, ev->message.ptr, ev->message.len);
	return h ? h : 1;
}

/* One re-read: count identities in [min, max] into *set, or (with agg) take repeats back. */
struct reread {
	Pvoid_t *set;	    /* JudyL identity -> count (counting pass) */
	Pcvoid_t earlier;   /* JudyL identity -> copies the earlier inputs hold (taking pass) */
	Pvoid_t seen;	    /* JudyL identity -> copies of this input so far (taking pass) */
	unsigned protocols; /* --protocols */
	struct ib_agg *agg; /* NULL: counting pass */
	int64_t min_ms, max_ms;
	/* the re-read stops at an event after stop_ms: the file's events came
	 * in time order in the first pass, so the rest lie beyond what it needs
	 * (INT64_MAX: read it whole) */
	int64_t stop_ms;
	uint64_t skip; /* ib_observer.skip and skip_all */
	int skip_all;
	int stop;
	uint64_t taken;
	int rc;
};

static void on_event(void *arg, const char *path, uint64_t lineno, const struct ib_event *ev,
		     const struct ib_match *m)
{
	struct reread *x = arg;
	uint64_t id;
	PWord_t pv, pe;

	(void)path;
	(void)lineno;
	if (x->rc < 0 || m->category == IB_CAT_NONE)
		return;
	if (ev->time_ms > x->stop_ms)
		x->stop = 1;
	if (ev->time_ms < x->min_ms || ev->time_ms > x->max_ms)
		return;
	id = identity(ev);
	if (!x->agg) {
		if ((pv = ib_jl_ins(x->set, (Word_t)id, &x->rc)) != NULL)
			(*pv)++;
		return;
	}
	pe = ib_jl_get(x->earlier, (Word_t)id);
	if (!pe)
		return;
	if ((pv = ib_jl_ins(&x->seen, (Word_t)id, &x->rc)) == NULL)
		return;
	if (++*pv <= *pe) {
		int rc;

		/* a protocol --protocols leaves out has no cell, only its count in the protocol table */
		if (ev->protocol != IB_PROTO_NONE && !(x->protocols >> ev->protocol & 1u)) {
			(void)ib_agg_proto_take(x->agg, ev, m->category);
			return;
		}
		rc = ib_agg_sub(x->agg, ev, m);
		if (rc == IB_ERR_NOMEM)
			x->rc = rc;
		else if (rc == IB_OK)
			x->taken++;
	}
}

/* Read path again, without keeping what it counts, calling on_event for each event. */
static int reread(const struct ib_config *cfg, struct ib_classifier *cls, const char *path, struct reread *x,
		  struct ib_error *err)
{
	struct ib_observer obs = {
	    .event = on_event, .arg = x, .stop = &x->stop, .skip = x->skip, .skip_all = x->skip_all};
	struct ib_agg *tmp = NULL;
	int rc = ib_agg_new(&tmp, 60000);

	if (rc < 0)
		return ib_error_set(err, rc, 0, path, 0, "out of memory");
	rc = ib_pipeline_file_observed(cfg, cls, path, tmp, &obs, err);
	ib_agg_free(tmp);
	if (rc >= 0 && x->rc < 0)
		rc = ib_error_set(err, x->rc, 0, path, 0, "out of memory");
	return rc < 0 ? rc : IB_OK;
}

/*
 * The line from which a re-read of s finds every event at or after t: the
 * last checkpoint no later than t, when s came in time order; else 1 (the
 * whole file).
 */
static uint64_t resume_line(const struct ib_stream *s, int64_t t)
{
	size_t n = s->nck < IB_STREAM_CKS ? s->nck : IB_STREAM_CKS;

	if (s->unordered)
		return 1;
	for (size_t back = 1; back <= n; back++) {
		size_t k = (s->nck - back) % IB_STREAM_CKS;

		if (s->ck_ms[k] <= t)
			return s->ck_line[k];
	}
	return 1;
}

/* May inputs a and b hold the same events: an event format and a host in common, overlapping times? */
static int may_share(const struct ib_stream *a, const struct ib_stream *b)
{
	int common = a->many_formats || b->many_formats;

	if (!a->any || !b->any)
		return 0;
	for (int i = 0; i < a->nformats && !common; i++)
		for (int j = 0; j < b->nformats; j++)
			if (a->formats[i] == b->formats[j])
				common = 1;
	if (!common)
		return 0;
	if (!a->mixed && !b->mixed && (a->host_len != b->host_len || memcmp(a->host, b->host, a->host_len)))
		return 0;
	return a->min_ms <= b->max_ms && b->min_ms <= a->max_ms;
}

static int by_path(const void *x, const void *y)
{
	const struct fp *a = x, *b = y;
	int c = strcmp(a->path, b->path);

	return c ? c : (a->i > b->i) - (a->i < b->i);
}

/* "a, b, c": the paths of the earlier inputs x shares events with. */
static char *join_paths(const struct fp *f, const size_t *which, size_t n)
{
	size_t len = 1;
	char *s, *p;

	for (size_t k = 0; k < n; k++)
		len += strlen(f[which[k]].path) + 2;
	s = p = malloc(len);
	if (!s)
		return NULL;
	*s = 0;
	for (size_t k = 0; k < n; k++) {
		size_t m = strlen(f[which[k]].path);

		if (k) {
			memcpy(p, ", ", 2);
			p += 2;
		}
		memcpy(p, f[which[k]].path, m + 1);
		p += m;
	}
	return s;
}

int ib_dedup_events(const struct ib_config *cfg, const struct ib_rules *rules, const struct ib_inputs *in,
		    const long *dup_of, const struct ib_stream *streams, struct ib_agg *agg,
		    struct ib_error *err)
{
	struct ib_classifier *cls = NULL;
	struct fp *f = NULL;
	size_t *which = NULL, n = in->n;
	int rc = IB_OK;

	if (n < 2)
		return IB_OK;
	f = calloc(n, sizeof(*f));
	which = calloc(n, sizeof(*which));
	if (!f || !which) {
		rc = ib_error_set(err, IB_ERR_NOMEM, 0, NULL, 0, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		f[i].i = i;
		f[i].path = in->paths[i];
	}
	qsort(f, n, sizeof(*f), by_path);
	for (size_t x = 1; x < n && rc >= 0; x++) {
		const struct ib_stream *sx = &streams[f[x].i];
		struct reread r;
		Pvoid_t earlier = NULL;
		size_t nw = 0;
		int64_t hi = INT64_MIN; /* the last time of the earlier inputs it may share events with */

		if (dup_of[f[x].i] >= 0)
			continue;
		for (size_t e = 0; e < x; e++)
			if (dup_of[f[e].i] < 0 && may_share(&streams[f[e].i], sx)) {
				which[nw++] = e;
				if (streams[f[e].i].max_ms > hi)
					hi = streams[f[e].i].max_ms;
			}
		if (!nw)
			continue; /* the common case: nothing to read again */
		if (!cls && (rc = ib_classifier_new(&cls, rules, err)) < 0)
			break;
		/* the copies the earlier inputs hold: for each identity, the most any one holds */
		for (size_t k = 0; k < nw && rc >= 0; k++) {
			Pvoid_t one = NULL;
			Word_t id = 0;
			PWord_t pv;

			memset(&r, 0, sizeof(r));
			r.set = &one;
			r.min_ms = sx->min_ms;
			r.max_ms = sx->max_ms;
			r.stop_ms = streams[f[which[k]].i].unordered ? INT64_MAX : sx->max_ms;
			/* the overlap lies at the earlier input's end: parse from there */
			r.skip = resume_line(&streams[f[which[k]].i], sx->min_ms);
			r.skip_all = streams[f[which[k]].i].lone;
			rc = reread(cfg, cls, f[which[k]].path, &r, err);
			for (pv = rc >= 0 ? (PWord_t)JudyLFirst(one, &id, PJE0) : NULL; pv;
			     pv = (PWord_t)JudyLNext(one, &id, PJE0)) {
				PWord_t pe = ib_jl_ins(&earlier, id, &rc);

				if (!pe) {
					rc = ib_error_set(err, rc, 0, NULL, 0, "out of memory");
					break;
				}
				if (*pv > *pe)
					*pe = *pv;
			}
			ib_jl_free(&one);
		}
		if (rc >= 0) {
			memset(&r, 0, sizeof(r));
			r.earlier = earlier;
			r.agg = agg;
			r.protocols = cfg->protocols;
			r.min_ms = sx->min_ms;
			r.max_ms = sx->max_ms;
			/* no event after the last of the earlier inputs can repeat one of theirs */
			r.stop_ms = sx->unordered ? INT64_MAX : hi;
			rc = reread(cfg, cls, f[x].path, &r, err);
			ib_jl_free(&r.seen);
			if (rc >= 0 && r.taken) {
				char *same = join_paths(f, which, nw);

				rc = same ? ib_agg_dup_events(agg, f[x].path, same, r.taken) : IB_ERR_NOMEM;
				free(same);
				if (rc < 0)
					rc = ib_error_set(err, rc, 0, NULL, 0, "out of memory");
			}
		}
		ib_jl_free(&earlier);
	}
out:
	ib_classifier_free(cls);
	free(f);
	free(which);
	return rc;
}
