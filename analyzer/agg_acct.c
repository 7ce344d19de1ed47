/*
 * agg_acct.c: the aggregator's accounting besides cells (agg.h): per-file
 * counts, samples and format, input errors, unparseable reasons and
 * login-looking shapes. Every choice (format, samples, first evidence,
 * which errors are kept) is by content, so merge order never shows.
 */
#include <stdio.h>
#include "agg_int.h"

/* Choose the format deterministically whatever the order: the smaller name. */
static int set_format(struct ib_fileacc *f, const char *fmt)
{
	char *d;

	if (!fmt || (f->format && strcmp(fmt, f->format) >= 0))
		return IB_OK;
	d = ib_dupmem(fmt, strlen(fmt));
	if (!d)
		return IB_ERR_NOMEM;
	free(f->format);
	f->format = d;
	f->c.format = d;
	return IB_OK;
}

/* 1 when the samples of c come before those of f: whatever the order of merge, the same win. */
static int samples_first(const struct ib_file_counts *c, const struct ib_file_counts *f)
{
	if (!c->sample[0] || !f->sample[0])
		return c->sample[0] != NULL;
	if (c->sample_line[0] != f->sample_line[0])
		return c->sample_line[0] < f->sample_line[0];
	return strcmp(c->sample[0], f->sample[0]) < 0;
}

static int set_samples(struct ib_fileacc *f, const struct ib_file_counts *c)
{
	char *d[IB_FILE_SAMPLES] = {NULL};

	if (!samples_first(c, &f->c))
		return IB_OK;
	for (int k = 0; k < IB_FILE_SAMPLES && c->sample[k]; k++)
		if (!(d[k] = ib_dupmem(c->sample[k], strlen(c->sample[k])))) {
			for (int j = 0; j < k; j++)
				free(d[j]);
			return IB_ERR_NOMEM;
		}
	for (int k = 0; k < IB_FILE_SAMPLES; k++) {
		free(f->sample[k]);
		f->sample[k] = d[k];
		f->c.sample[k] = d[k];
		f->c.sample_line[k] = d[k] ? c->sample_line[k] : 0;
	}
	return IB_OK;
}

int ib_agg_file_counts(struct ib_agg *a, uint32_t file_id, const struct ib_file_counts *c)
{
	struct ib_fileacc *f;

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
	f->c.login_unmatched += c->login_unmatched;
	if (c->status > f->c.status)
		f->c.status = c->status;
	if (set_samples(f, c) < 0)
		return IB_ERR_NOMEM;
	return set_format(f, c->format);
}

int ib_agg_errcmp(const struct ib_error *x, const struct ib_error *y)
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
 * Errors stay sorted and unique; past IB_AGG_MAX_ERRORS only the smallest are
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
		int c = ib_agg_errcmp(&a->errors[mid], &x);

		if (c == 0)
			return IB_OK;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (a->nerrors == IB_AGG_MAX_ERRORS) {
		if (lo == IB_AGG_MAX_ERRORS)
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

int ib_agg_reason_add(struct ib_agg *a, const char *reason, uint64_t n, uint32_t file, uint64_t line)
{
	PWord_t pv;
	struct ib_reasonacc *r;
	const char *key = reason ? reason : "";
	int rc = IB_ERR_NOMEM;

	pv = ib_jsl_get(a->reasons_sl, key);
	if (!pv || !*pv) {
		if (ib_grow((void **)&a->reasons, &a->reasons_cap, a->nreasons + 1, sizeof(*r)) < 0)
			return IB_ERR_NOMEM;
		r = &a->reasons[a->nreasons];
		r->reason = ib_dupmem(key, strlen(key));
		if (!r->reason)
			return IB_ERR_NOMEM;
		pv = ib_jsl_ins(&a->reasons_sl, key, &rc);
		if (!pv) {
			free(r->reason);
			return rc;
		}
		*pv = (Word_t)++a->nreasons;
		r->count = n;
		r->file = file;
		r->line = line;
		return IB_OK;
	}
	r = &a->reasons[*pv - 1];
	r->count += n;
	if (ib_agg_before(a, 0, file, line, 0, r->file, r->line)) {
		r->file = file;
		r->line = line;
	}
	return IB_OK;
}

int ib_agg_reason(struct ib_agg *a, const char *reason, uint64_t n, uint32_t file_id, uint64_t line)
{
	if (file_id >= a->st[IB_S_FILE].n)
		return IB_ERR_USAGE;
	return ib_agg_reason_add(a, reason, n, file_id, line);
}

int ib_agg_shape_add(struct ib_agg *a, const char *shape, const char *sample, uint64_t n, uint32_t file,
		     uint64_t line)
{
	PWord_t pv;
	struct ib_shapeacc *r;
	int rc = IB_ERR_NOMEM;

	pv = ib_jsl_get(a->shapes_sl, shape);
	if (!pv || !*pv) {
		if (ib_grow((void **)&a->shapes, &a->shapes_cap, a->nshapes + 1, sizeof(*r)) < 0)
			return IB_ERR_NOMEM;
		r = &a->shapes[a->nshapes];
		r->shape = ib_dupmem(shape, strlen(shape));
		r->sample = ib_dupmem(sample, strlen(sample));
		if (!r->shape || !r->sample)
			goto nomem;
		pv = ib_jsl_ins(&a->shapes_sl, shape, &rc);
		if (!pv)
			goto nomem;
		*pv = (Word_t)++a->nshapes;
		r->count = n;
		r->file = file;
		r->line = line;
		return IB_OK;
	}
	r = &a->shapes[*pv - 1];
	r->count += n;
	if (ib_agg_before(a, 0, file, line, 0, r->file, r->line)) {
		char *d = ib_dupmem(sample, strlen(sample));

		if (!d)
			return IB_ERR_NOMEM;
		free(r->sample);
		r->sample = d;
		r->file = file;
		r->line = line;
	}
	return IB_OK;
nomem:
	free(r->shape);
	free(r->sample);
	return rc;
}

int ib_agg_shape(struct ib_agg *a, const char *shape, const char *sample, uint64_t n, uint32_t file_id,
		 uint64_t line)
{
	if (file_id >= a->st[IB_S_FILE].n)
		return IB_ERR_USAGE;
	return ib_agg_shape_add(a, shape, sample, n, file_id, line);
}

/* ---- read access to reasons and shapes ---- */

size_t ib_agg_nreasons(const struct ib_agg *a)
{
	return a->nreasons;
}

void ib_agg_reason_get(const struct ib_agg *a, size_t i, struct ib_reason *r)
{
	const struct ib_reasonacc *x = &a->reasons[i];

	r->reason = x->reason;
	r->count = x->count;
	r->file = x->file;
	r->line = x->line;
}

size_t ib_agg_nshapes(const struct ib_agg *a)
{
	return a->nshapes;
}

void ib_agg_shape_get(const struct ib_agg *a, size_t i, struct ib_shape *s)
{
	const struct ib_shapeacc *x = &a->shapes[i];

	s->shape = x->shape;
	s->sample = x->sample;
	s->count = x->count;
	s->file = x->file;
	s->line = x->line;
}
