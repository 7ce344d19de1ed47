/*
 * analysis_tables.c: phase 6, the tables (servers, layers, buckets,
 * signatures), and the data quality tables (files, unparseable reasons,
 * input errors) that depend on nothing else. Contract in analysis_int.h.
 */
#include <stdlib.h>
#include <string.h>
#include "analysis_int.h"

struct sacc {
	uint32_t server;
	uint64_t attempts, successes, failures[IB_CAT_COUNT];
	uint64_t win_att, win_fail, base_att, base_fail;
	unsigned layers;
	int cred;
	uint64_t affected;
};

/* The servers phase's own state. */
struct servers {
	uint32_t *slot; /* by server id: index into s + 1, 0 when none */
	struct sacc *s;
	size_t ns, scap;
};

static int cmp_server_row(const void *x, const void *y)
{
	const struct ib_server_row *a = x, *b = y;

	if (a->flagged != b->flagged)
		return b->flagged - a->flagged;
	return strcmp(a->server, b->server);
}

/* Per server: attempts, failures by category, outage rates in and out of the window. */
static int count_servers(struct ib_an *c, struct servers *x)
{
	size_t nsrv = ib_agg_nstr(c->a, IB_S_SERVER);
	Word_t key;
	int r1;

	if (!(x->slot = calloc(nsrv + 1, sizeof(*x->slot))))
		return ib_an_nomem(c);
	for (size_t i = 0; i < c->nfull + c->nsums; i++) {
		const struct ib_cell *cell = ib_an_counted(c, i, &(struct ib_cell){0});
		struct sacc *s;
		uint32_t *pv;

		if (ib_an_scope(c, i, cell) != IB_AN_LIVE || !cell->server)
			continue;
		pv = &x->slot[cell->server];
		if (!*pv) {
			if (ib_grow((void **)&x->s, &x->scap, x->ns + 1, sizeof(*x->s)))
				return ib_an_nomem(c);
			memset(&x->s[x->ns], 0, sizeof(*x->s));
			x->s[x->ns].server = cell->server;
			*pv = (uint32_t)++x->ns;
		}
		s = &x->s[*pv - 1];
		s->attempts += cell->count;
		if (cell->category == IB_CAT_OK)
			s->successes += cell->count;
		else
			s->failures[cell->category] += cell->count;
		s->layers |= 1u << cell->layer;
		if (ib_an_in_window(c, cell)) {
			s->win_att += cell->count;
			if (ib_an_verdict(c, i) == IB_AN_OUTAGE)
				s->win_fail += cell->count;
		} else {
			s->base_att += cell->count;
			if (ib_an_verdict(c, i) == IB_AN_OUTAGE)
				s->base_fail += cell->count;
		}
	}
	/* the credentials rule holds on one of the server's layers */
	for (size_t k = 0; k < x->ns; k++)
		for (unsigned l = 0; l < IB_LAYER_COUNT; l++)
			if ((x->s[k].layers >> l & 1u) &&
			    Judy1Test(c->credpair, (Word_t)x->s[k].server << 8 | l, PJE0) == 1)
				x->s[k].cred = 1;
	key = 0;
	r1 = Judy1First(c->sjuser, &key, PJE0);
	while (r1 == 1) {
		Word_t srv = key >> 32;

		if (srv < nsrv && x->slot[srv])
			x->s[x->slot[srv] - 1].affected++;
		r1 = Judy1Next(c->sjuser, &key, PJE0);
	}
	return IB_OK;
}

static int build_servers(struct ib_an *c, struct servers *x)
{
	struct ib_result *r = c->r;
	uint64_t tot_att = 0, tot_fail = 0;
	int rc;

	if ((rc = count_servers(c, x)) < 0)
		return rc;
	for (size_t i = 0; i < x->ns; i++) {
		tot_att += x->s[i].win_att;
		tot_fail += x->s[i].win_fail;
	}
	if (x->ns) {
		r->servers = calloc(x->ns, sizeof(*r->servers));
		if (!r->servers)
			return ib_an_nomem(c);
	}
	for (size_t i = 0; i < x->ns; i++) {
		const struct sacc *s = &x->s[i];
		struct ib_server_row *row = &r->servers[r->nservers++];
		uint64_t oa = tot_att - s->win_att, of = tot_fail - s->win_fail;

		row->server = ib_an_strdup(ib_an_str(c, IB_S_SERVER, s->server));
		row->layers = ib_an_join_mask(s->layers, 1);
		if (!row->server || !row->layers)
			return ib_an_nomem(c);
		row->attempts = s->attempts;
		row->successes = s->successes;
		memcpy(row->failures, s->failures, sizeof(row->failures));
		row->win_attempts = s->win_att;
		row->win_failures = s->win_fail;
		row->win_rate = s->win_att ? (double)s->win_fail / (double)s->win_att : 0.0;
		row->base_rate = s->base_att ? (double)s->base_fail / (double)s->base_att : 0.0;
		row->fleet_rate = oa ? (double)of / (double)oa : 0.0;
		row->affected_users = s->affected;
		row->cred_outage = s->cred;
		row->flagged = r->window_source != IB_WIN_NONE && s->win_att &&
			       row->win_rate + IB_AN_EPS >= c->cfg->server_factor * row->fleet_rate &&
			       row->win_rate + IB_AN_EPS >= row->fleet_rate + c->cfg->window_min_rate &&
			       s->win_fail >= c->cfg->window_min_failures;
	}
	if (r->nservers)
		qsort(r->servers, r->nservers, sizeof(*r->servers), cmp_server_row);
	return IB_OK;
}

static void build_layers_buckets(struct ib_an *c)
{
	struct ib_result *r = c->r;

	for (size_t i = 0; i < c->nfull + c->nsums; i++) {
		const struct ib_cell *cell = ib_an_counted(c, i, &(struct ib_cell){0});
		struct ib_layer_row *l = &r->layers[cell->layer];
		struct ib_bucket_row *b;

		if (ib_an_scope(c, i, cell) == IB_AN_OUT)
			continue;
		l->present = 1;
		if (ib_an_scope(c, i, cell) != IB_AN_LIVE || cell->connection)
			continue;
		b = &r->buckets[cell->bucket - c->b0];
		l->attempts += cell->count;
		if (cell->category == IB_CAT_OK) {
			l->successes += cell->count;
			b->successes += cell->count;
		} else {
			l->failures[cell->category] += cell->count;
			b->failures[cell->category] += cell->count;
		}
		if (b->in_window)
			l->win_attempts += cell->count;
	}
}

static int cmp_sig(const void *x, const void *y)
{
	const struct ib_sig_row *a = x, *b = y;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* Signatures, by dense signature id: each one's failures by category, in and out of the window. */
static int build_sigs(struct ib_an *c)
{
	size_t nsig = ib_agg_nstr(c->a, IB_S_SIG), cap = 0;
	uint64_t *cnt, *win;  /* by sig * IB_CAT_COUNT + category */
	uint8_t *seen = NULL; /* by sig: any live cell */
	struct ib_result *r = c->r;
	int rc = IB_OK;

	cnt = calloc(2 * nsig * IB_CAT_COUNT + 1, sizeof(*cnt));
	if (!cnt || !(seen = calloc(nsig + 1, 1)))
		goto oom;
	win = cnt + nsig * IB_CAT_COUNT;
	for (size_t i = 0; i < c->nfull + c->nsums; i++) {
		const struct ib_cell *cell = ib_an_counted(c, i, &(struct ib_cell){0});
		size_t k = (size_t)cell->signature * IB_CAT_COUNT + cell->category;

		if (ib_an_scope(c, i, cell) != IB_AN_LIVE || !cell->signature)
			continue;
		seen[cell->signature] = 1;
		cnt[k] += cell->count;
		if (ib_an_in_window(c, cell))
			win[k] += cell->count;
	}
	for (size_t sig = 1; sig < nsig; sig++) {
		uint64_t best = 0, total = 0, inwin = 0;
		unsigned cat = IB_CAT_NONE;
		struct ib_sig_row *row;

		if (!seen[sig])
			continue;
		for (unsigned k = 0; k < IB_CAT_COUNT; k++) {
			uint64_t v = cnt[sig * IB_CAT_COUNT + k];

			if (v > best) {
				best = v;
				cat = k;
			}
			total += v;
			inwin += win[sig * IB_CAT_COUNT + k];
		}
		if (ib_grow((void **)&r->sigs, &cap, r->nsigs + 1, sizeof(*row)))
			goto oom;
		row = &r->sigs[r->nsigs++];
		row->name = ib_an_strdup(ib_an_str(c, IB_S_SIG, (uint32_t)sig));
		row->category = (enum ib_category)cat;
		row->count = total;
		row->in_window = inwin;
		if (!row->name)
			goto oom;
	}
	if (r->nsigs)
		qsort(r->sigs, r->nsigs, sizeof(*r->sigs), cmp_sig);
	goto out;
oom:
	rc = ib_an_nomem(c);
out:
	free(cnt);
	free(seen);
	return rc;
}

/* ---- data quality ---- */

static int cmp_file(const void *x, const void *y)
{
	return strcmp(((const struct ib_file_row *)x)->path, ((const struct ib_file_row *)y)->path);
}

static int cmp_reason(const void *x, const void *y)
{
	const struct ib_reason_row *a = x, *b = y;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->reason, b->reason);
}

static int cmp_err(const void *x, const void *y)
{
	const struct ib_input_error *a = x, *b = y;
	int k = strcmp(a->path, b->path);

	if (k)
		return k;
	if (a->offset != b->offset)
		return a->offset < b->offset ? -1 : 1;
	return strcmp(a->reason, b->reason);
}

static int cmp_shape(const void *x, const void *y)
{
	const struct ib_shape_row *a = x, *b = y;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->shape, b->shape);
}

static int quality_shapes(struct ib_an *c)
{
	struct ib_result *r = c->r;
	size_t n = ib_agg_nshapes(c->a);

	if (n && !(r->shapes = calloc(n, sizeof(*r->shapes))))
		return IB_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		struct ib_shape x;
		struct ib_shape_row *row = &r->shapes[r->nshapes++];

		ib_agg_shape_get(c->a, i, &x);
		row->shape = ib_an_strdup(x.shape);
		row->sample = ib_an_strdup(x.sample);
		row->count = x.count;
		row->first =
		    ib_an_printf("%s:%llu", ib_an_str(c, IB_S_FILE, x.file), (unsigned long long)x.line);
		if (!row->shape || !row->sample || !row->first)
			return IB_ERR_NOMEM;
	}
	if (r->nshapes)
		qsort(r->shapes, r->nshapes, sizeof(*r->shapes), cmp_shape);
	return IB_OK;
}

int ib_an_quality(struct ib_an *c)
{
	const struct ib_agg *a = c->a;
	struct ib_result *r = c->r;
	size_t nf = ib_agg_nstr(a, IB_S_FILE), nr = ib_agg_nreasons(a), ne = ib_agg_nerrors(a);

	if (nf > 1 && !(r->files = calloc(nf - 1, sizeof(*r->files))))
		return ib_an_nomem(c);
	for (uint32_t i = 1; i < nf; i++) {
		const struct ib_file_counts *fc = ib_agg_file_get(a, i);
		struct ib_file_row *row = &r->files[r->nfiles++];

		row->path = ib_an_strdup(ib_an_str(c, IB_S_FILE, i));
		row->format = ib_an_strdup(fc->format ? fc->format : "");
		if (!row->path || !row->format)
			return ib_an_nomem(c);
		row->c = *fc;
		row->c.format = row->format;
		memset(row->c.sample, 0, sizeof(row->c.sample));
		for (int k = 0; k < IB_FILE_SAMPLES; k++)
			if (fc->sample[k] && !(row->c.sample[k] = ib_an_strdup(fc->sample[k])))
				return ib_an_nomem(c);
		r->total.login_unmatched += fc->login_unmatched;
		if (fc->status > r->total.status)
			r->total.status = fc->status;
		r->total.bytes_in += fc->bytes_in;
		r->total.bytes_out += fc->bytes_out;
		r->total.lines += fc->lines;
		r->total.events += fc->events;
		r->total.ignored += fc->ignored;
		r->total.unparseable += fc->unparseable;
		r->total.overlong += fc->overlong;
		r->total.gzip += fc->gzip ? 1 : 0;
	}
	if (r->nfiles)
		qsort(r->files, r->nfiles, sizeof(*r->files), cmp_file);
	if (nr && !(r->reasons = calloc(nr, sizeof(*r->reasons))))
		return ib_an_nomem(c);
	for (size_t i = 0; i < nr; i++) {
		struct ib_reason x;
		struct ib_reason_row *row = &r->reasons[r->nreasons++];

		ib_agg_reason_get(a, i, &x);
		row->reason = ib_an_strdup(x.reason);
		row->count = x.count;
		row->sample =
		    ib_an_printf("%s:%llu", ib_an_str(c, IB_S_FILE, x.file), (unsigned long long)x.line);
		if (!row->reason || !row->sample)
			return ib_an_nomem(c);
	}
	if (r->nreasons)
		qsort(r->reasons, r->nreasons, sizeof(*r->reasons), cmp_reason);
	if (quality_shapes(c) < 0)
		return ib_an_nomem(c);
	if (ne && !(r->errors = calloc(ne, sizeof(*r->errors))))
		return ib_an_nomem(c);
	for (size_t i = 0; i < ne; i++) {
		const struct ib_error *e = ib_agg_error(a, i);
		struct ib_input_error *row = &r->errors[r->nerrors++];

		row->path = ib_an_strdup(e->path);
		row->offset = e->offset;
		row->reason = ib_an_strdup(e->msg);
		if (!row->path || !row->reason)
			return ib_an_nomem(c);
	}
	if (r->nerrors)
		qsort(r->errors, r->nerrors, sizeof(*r->errors), cmp_err);
	return IB_OK;
}

/* A log gap needs at least this many proxy-layer successes routed to the silent backend. */
#define GAP_MIN_SUCCESSES 3

static int cmp_gap(const void *x, const void *y)
{
	const struct ib_gap_row *a = x, *b = y;
	int k = strcmp(a->server, b->server);

	if (k)
		return k;
	return (a->start_ms > b->start_ms) - (a->start_ms < b->start_ms);
}

/*
 * Log gaps: a backend that logged at the server layer in range, and a run
 * of buckets in which it logged nothing while the proxy layer logged at
 * least GAP_MIN_SUCCESSES successful logins (or successful connections)
 * routed to it. Its logging stopped, the backend did not: data quality,
 * never an outage.
 */
static int build_gaps(struct ib_an *c)
{
	size_t cap = 0;
	Pvoid_t srv = NULL;  /* Judy1: server << 32 | rel bucket with a server-layer event */
	Pvoid_t prox = NULL; /* JudyL: server << 32 | rel bucket -> proxy successes */
	struct ib_result *r = c->r;
	Word_t key = 0, last = 0; /* last: the key srv got last (0: none, no cell has server 0) */
	PWord_t pv;
	int rc = IB_OK;

	for (size_t i = 0; i < c->nfull + c->nsums; i++) {
		const struct ib_cell *cell = ib_an_counted(c, i, &(struct ib_cell){0});
		Word_t k = (Word_t)cell->server << 32 | (Word_t)(cell->bucket - c->b0);

		if (ib_an_scope(c, i, cell) == IB_AN_OUT || !cell->server)
			continue;
		if (cell->layer == IB_LAYER_SERVER && !ib_an_is_idp(c, cell)) {
			/* cells come in runs of one server's bucket: set each key once */
			if (k != last && Judy1Set(&srv, k, PJE0) == JERR)
				goto oom;
			last = k;
		} else if (cell->layer == IB_LAYER_PROXY && cell->category == IB_CAT_OK &&
			   ib_an_scope(c, i, cell) == IB_AN_LIVE) {
			pv = (PWord_t)JudyLIns(&prox, k, PJE0);
			if (pv == PJERR || !pv)
				goto oom;
			*pv += cell->count;
		}
	}
	/* per server with a server-layer event: runs of silent buckets with proxy successes */
	pv = (PWord_t)JudyLFirst(prox, &key, PJE0);
	while (pv) {
		Word_t s = key >> 32, k0 = s << 32;
		int64_t run_s = -1, run_e = -1;
		uint64_t run_n = 0;

		if (Judy1First(srv, &k0, PJE0) != 1 || (k0 >> 32) != s) {
			key = (s + 1) << 32; /* never logged at the server layer: not a backend we see */
			pv = (PWord_t)JudyLFirst(prox, &key, PJE0);
			continue;
		}
		for (size_t b = 0; b <= c->nb; b++) {
			Word_t k = s << 32 | b;
			int silent = b < c->nb && Judy1Test(srv, k, PJE0) != 1;
			PWord_t q = silent ? (PWord_t)JudyLGet(prox, k, PJE0) : NULL;

			if (silent && (q || run_s >= 0)) {
				if (run_s < 0)
					run_s = (int64_t)b;
				if (q) {
					run_e = (int64_t)b;
					run_n += *q;
				}
				continue;
			}
			if (run_s >= 0 && run_n >= GAP_MIN_SUCCESSES) {
				struct ib_gap_row *g;

				if (ib_grow((void **)&r->gaps, &cap, r->ngaps + 1, sizeof(*g)))
					goto oom;
				g = &r->gaps[r->ngaps++];
				memset(g, 0, sizeof(*g));
				g->start_ms = r->buckets[run_s].start_ms;
				g->end_ms = r->buckets[run_e].start_ms + c->B;
				g->proxy_successes = run_n;
				g->server = ib_an_strdup(ib_an_str(c, IB_S_SERVER, (uint32_t)s));
				if (!g->server)
					goto oom;
			}
			run_s = run_e = -1;
			run_n = 0;
		}
		key = (s + 1) << 32;
		pv = (PWord_t)JudyLFirst(prox, &key, PJE0);
	}
	if (r->ngaps)
		qsort(r->gaps, r->ngaps, sizeof(*r->gaps), cmp_gap);
	goto out;
oom:
	rc = ib_an_nomem(c);
out:
	Judy1FreeArray(&srv, PJE0);
	JudyLFreeArray(&prox, PJE0);
	return rc;
}

int ib_an_tables(struct ib_an *c)
{
	struct servers x;
	int rc;

	memset(&x, 0, sizeof(x));
	rc = build_servers(c, &x);
	free(x.slot);
	free(x.s);
	if (rc < 0 || (rc = build_sigs(c)) < 0 || (rc = build_gaps(c)) < 0)
		return rc;
	build_layers_buckets(c);
	return IB_OK;
}
