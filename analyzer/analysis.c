/*
 * analysis.c: the blast radius (DESIGN.md section 3, docs/method.md): the
 * driver. It sets the range (phase 1), runs the phases of analysis_int.h in
 * order on one struct ib_an, and words the result (ib_result_explain).
 * Every order is by strings or times, never by ids, so the same aggregate
 * content gives the same result.
 */
#include <stdlib.h>
#include <string.h>
#include "analysis_int.h"

/* The most buckets a report holds; beyond, the outliers are trimmed. */
#define MAX_BUCKETS 1000000

/* ---- phase 1: range ---- */

/* Widen the data range (times and buckets [b0, *b1]) to take in cell. */
static void widen_range(struct ib_an *c, const struct ib_cell *cell, int *any, int64_t *b1)
{
	struct ib_result *r = c->r;

	if (!*any || cell->first_ms < r->range_start_ms)
		r->range_start_ms = cell->first_ms;
	if (!*any || cell->last_ms > r->range_end_ms)
		r->range_end_ms = cell->last_ms;
	if (!*any || cell->bucket < c->b0)
		c->b0 = cell->bucket;
	if (!*any || cell->bucket > *b1)
		*b1 = cell->bucket;
	*any = 1;
}

/* ceil(t / b) for b > 0. */
static int64_t ceildiv(int64_t t, int64_t b)
{
	return t / b + (t % b != 0 && t > 0);
}

/* live_lo, live_hi: the buckets b with ib_an_in_range(c, b), kept or not. */
static void live_buckets(struct ib_an *c)
{
	c->live_lo = INT64_MIN / c->B + 1;
	c->live_hi = INT64_MAX / c->B;
	if (c->cfg->since_ms != IB_TIME_NONE && ceildiv(c->cfg->since_ms, c->B) > c->live_lo)
		c->live_lo = ceildiv(c->cfg->since_ms, c->B);
	if (c->cfg->until_ms != IB_TIME_NONE && ceildiv(c->cfg->until_ms, c->B) - 1 < c->live_hi)
		c->live_hi = ceildiv(c->cfg->until_ms, c->B) - 1;
}

struct bcount {
	int64_t bucket;
	uint64_t count;
};

static int cmp_bcount(const void *x, const void *y)
{
	const struct bcount *a = x, *b = y;

	return (a->bucket > b->bucket) - (a->bucket < b->bucket);
}

/*
 * The events span more buckets than a report can hold: a few lines carry
 * absurd dates (1970, a wrong syslog year, 2099). Keep the MAX_BUCKETS
 * buckets centred on the event-weighted median bucket, leave the rest out
 * and count it in outlier_events (the report says so), rather than refuse
 * a 40 GB run for one bad line.
 */
static int trim_outliers(struct ib_an *c, int64_t *b1)
{
	const struct ib_agg *a = c->a;
	struct ib_result *r = c->r;
	size_t n = ib_agg_ncells(a), m = 0;
	struct ib_agg_iter it;
	struct bcount *v = malloc((n ? n : 1) * sizeof(*v));
	uint64_t total = 0, acc = 0;
	int64_t med = 0, lo;
	int any = 0;

	if (!v)
		return ib_an_nomem(c);
	for (const struct ib_cell *cell = ib_an_first(c, &it); cell; cell = ib_an_next(c, &it)) {
		size_t i = it.i;

		if (ib_an_scope(c, i, cell) != IB_AN_OUT) {
			v[m].bucket = cell->bucket;
			v[m].count = cell->count;
			total += v[m++].count;
		}
	}
	qsort(v, m, sizeof(*v), cmp_bcount);
	for (size_t i = 0; i < m; i++) {
		acc += v[i].count;
		if (2 * acc >= total) {
			med = v[i].bucket;
			break;
		}
	}
	free(v);
	lo = med - MAX_BUCKETS / 2;
	for (const struct ib_cell *cell = ib_an_first(c, &it); cell; cell = ib_an_next(c, &it)) {
		size_t i = it.i;

		if (ib_an_scope(c, i, cell) == IB_AN_OUT)
			continue;
		if (cell->bucket < lo || cell->bucket >= lo + MAX_BUCKETS) {
			if (i < c->nfull)
				c->scope[i] = IB_AN_OUT;
			r->outlier_events += cell->count;
			r->events -= cell->count;
			continue;
		}
		widen_range(c, cell, &any, b1);
	}
	c->keep_lo = lo;
	c->keep_hi = lo + MAX_BUCKETS - 1;
	if (c->live_lo < c->keep_lo)
		c->live_lo = c->keep_lo;
	if (c->live_hi > c->keep_hi)
		c->live_hi = c->keep_hi;
	return IB_OK;
}

/* ---- phase 1b: sums ---- */

/*
 * The live stored successes summed by (server, signature), then (bucket,
 * layer): a success's series holds one server, signature and layer, so
 * consecutive successes mostly share the outer entry.
 */
static int sum_successes(struct ib_an *c)
{
	/* JudyL: server << 32 | sig -> JudyL: rel bucket * IB_LAYER_COUNT + layer -> count */
	Pvoid_t ss = NULL;
	Word_t outer = 0, key = 0, okey = (Word_t)-1;
	PWord_t pv = NULL, po;
	struct ib_agg_iter it;
	size_t n = 0;
	int rc = IB_OK;

	ib_agg_iter_init(&it, c->nfull);
	for (const struct ib_cell *cell = ib_agg_next(c->a, &it); cell; cell = ib_agg_next(c->a, &it)) {
		Word_t k = (Word_t)cell->server << 32 | cell->signature;

		if (ib_an_scope(c, it.i, cell) != IB_AN_LIVE)
			continue;
		if (k != okey) {
			pv = (PWord_t)JudyLIns(&ss, k, PJE0);
			if (pv == PJERR || !pv)
				goto oom;
			okey = k;
		}
		po = (PWord_t)JudyLIns((PPvoid_t)pv,
				       (Word_t)(cell->bucket - c->b0) * IB_LAYER_COUNT + cell->layer, PJE0);
		if (po == PJERR || !po)
			goto oom;
		n += !*po;
		*po += cell->count;
	}
	if (n && !(c->sums = malloc(n * sizeof(*c->sums))))
		goto oom;
	for (pv = (PWord_t)JudyLFirst(ss, &outer, PJE0); pv; pv = (PWord_t)JudyLNext(ss, &outer, PJE0)) {
		key = 0;
		for (po = (PWord_t)JudyLFirst((Pvoid_t)*pv, &key, PJE0); po;
		     po = (PWord_t)JudyLNext((Pvoid_t)*pv, &key, PJE0)) {
			struct ib_cell *s = &c->sums[c->nsums++];

			memset(s, 0, sizeof(*s));
			s->bucket = c->b0 + (int64_t)(key / IB_LAYER_COUNT);
			s->first_ms = s->last_ms = s->bucket * c->B;
			s->server = (uint32_t)(outer >> 32);
			s->signature = (uint32_t)(outer & 0xffffffffu);
			s->layer = (uint8_t)(key % IB_LAYER_COUNT);
			s->category = IB_CAT_OK;
			s->count = *po;
		}
	}
	goto out;
oom:
	rc = ib_an_nomem(c);
out:
	outer = 0;
	for (pv = (PWord_t)JudyLFirst(ss, &outer, PJE0); pv; pv = (PWord_t)JudyLNext(ss, &outer, PJE0))
		JudyLFreeArray((PPvoid_t)pv, PJE0);
	JudyLFreeArray(&ss, PJE0);
	return rc;
}

static int run(struct ib_an *c)
{
	const struct ib_agg *a = c->a;
	struct ib_result *r = c->r;
	struct ib_agg_iter it;
	int64_t b1 = 0;
	int any = 0, rc;

	r->bucket_ms = c->B;
	r->window_start_ms = r->window_end_ms = IB_TIME_NONE;
	r->range_start_ms = r->range_end_ms = IB_TIME_NONE;
	r->peak_bucket_ms = IB_TIME_NONE;
	r->ttr_median_ms = r->ttr_p90_ms = r->ttr_max_ms = IB_TIME_NONE;
	r->window_why.given_start_ms = c->cfg->window_start_ms;
	r->window_why.given_end_ms = c->cfg->window_end_ms;
	if ((c->cfg->window_start_ms == IB_TIME_NONE) != (c->cfg->window_end_ms == IB_TIME_NONE) ||
	    (c->cfg->window_start_ms != IB_TIME_NONE && c->cfg->window_start_ms >= c->cfg->window_end_ms))
		return ib_error_set(c->err, IB_ERR_USAGE, 0, NULL, 0,
				    "the window needs a start before its end");
	if ((rc = ib_an_quality(c)) < 0 || (rc = ib_an_dups(c)) < 0)
		return rc;
	c->nfull = ib_agg_nfull(a);
	c->keep_lo = INT64_MIN;
	c->keep_hi = INT64_MAX;
	live_buckets(c);
	c->scope = calloc(c->nfull ? c->nfull : 1, 1);
	if (!c->scope)
		return ib_an_nomem(c);
	for (const struct ib_cell *cell = ib_an_first(c, &it); cell; cell = ib_an_next(c, &it)) {
		size_t i = it.i;

		if (!ib_an_in_range(c, cell->bucket))
			continue;
		if (i < c->nfull)
			c->scope[i] = IB_AN_LIVE;
		r->events += cell->count;
		widen_range(c, cell, &any, &b1);
	}
	if (!any) {
		r->window_why.verdict = IB_WV_NO_EVENTS;
		if (c->cfg->window_start_ms != IB_TIME_NONE) {
			r->window_source = IB_WIN_GIVEN;
			r->window_start_ms = c->cfg->window_start_ms;
			r->window_end_ms = c->cfg->window_end_ms;
		}
		return IB_OK;
	}
	if ((uint64_t)(b1 - c->b0) >= MAX_BUCKETS && (rc = trim_outliers(c, &b1)) < 0)
		return rc;
	c->nb = (size_t)(b1 - c->b0) + 1;
	r->buckets = calloc(c->nb, sizeof(*r->buckets));
	if (!r->buckets)
		return ib_an_nomem(c);
	r->nbuckets = c->nb;
	for (size_t b = 0; b < c->nb; b++)
		r->buckets[b].start_ms = (c->b0 + (int64_t)b) * c->B;

	if ((rc = sum_successes(c)) < 0 || (rc = ib_an_attacks(c)) < 0 || (rc = ib_an_persistent(c)) < 0 ||
	    (rc = ib_an_window(c)) < 0 || (rc = ib_an_pairs(c)) < 0 || (rc = ib_an_credentials(c)) < 0 ||
	    (rc = ib_an_users(c)) < 0 || (rc = ib_an_tables(c)) < 0 || (rc = ib_an_server_grid(c)) < 0)
		return rc;
	return IB_OK;
}

/* ib_analyze; take: NULL, or a itself (ib_analyze_take). */
static int analyze(const struct ib_agg *a, struct ib_agg *take, const struct ib_config *cfg,
		   struct ib_result **out, struct ib_error *err)
{
	struct ib_an c;
	struct ib_agg *joined = NULL;
	char **joins = NULL;
	size_t njoins = 0;
	int rc;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.cfg = cfg;
	c.err = err;
	/* the server join (agg_join.c): the analysis reads the joined copy when there is one */
	rc = take ? ib_agg_join_servers_take(take, &joined, &joins, &njoins, err)
		  : ib_agg_join_servers(a, &joined, &joins, &njoins, err);
	if (rc < 0)
		return rc;
	c.a = joined ? joined : a;
	c.own = joined ? joined : take; /* the analysis only reads it: its indexes go */
	if (c.own) {
		ib_agg_drop_index(c.own);
		ib_an_trim();
	}
	c.B = ib_agg_bucket_ms(a);
	c.r = calloc(1, sizeof(*c.r));
	if (!c.r) {
		ib_agg_free(joined);
		for (size_t i = 0; i < njoins; i++)
			free(joins[i]);
		free(joins);
		return ib_error_set(err, IB_ERR_NOMEM, 0, NULL, 0, "out of memory");
	}
	c.r->server_joins = joins;
	c.r->nserver_joins = njoins;
	rc = run(&c);
	if (rc >= 0)
		rc = ib_an_protocols(&c);
	if (rc >= 0 && ib_result_explain(c.r) < 0)
		rc = ib_an_nomem(&c);
	free(c.scope);
	free(c.sums);
	free(c.usucc);
	free(c.verdict);
	free(c.persist);
	free(c.idpv);
	free(c.idp_sig);
	Judy1FreeArray(&c.persist_pairs, PJE0);
	Judy1FreeArray(&c.credpair, PJE0);
	Judy1FreeArray(&c.sjuser, PJE0);
	ib_agg_free(joined);
	if (rc < 0) {
		ib_result_free(c.r);
		return rc;
	}
	*out = c.r;
	return IB_OK;
}

int ib_analyze(const struct ib_agg *a, const struct ib_config *cfg, struct ib_result **out,
	       struct ib_error *err)
{
	return analyze(a, NULL, cfg, out, err);
}

int ib_analyze_take(struct ib_agg *a, const struct ib_config *cfg, struct ib_result **out,
		    struct ib_error *err)
{
	return analyze(a, a, cfg, out, err);
}

void ib_result_free(struct ib_result *r)
{
	if (!r)
		return;
	free(r->window_rule);
	for (size_t i = 0; i < r->nusers; i++) {
		free(r->users[i].user);
		free(r->users[i].servers);
		free(r->users[i].layers);
		free(r->users[i].categories);
		free(r->users[i].evidence);
	}
	free(r->users);
	for (size_t i = 0; i < r->nattacks; i++) {
		free(r->attacks[i].ip);
		free(r->attacks[i].reason);
	}
	free(r->attacks);
	free(r->campaign.reason);
	for (size_t i = 0; i < r->nunverified; i++) {
		free(r->unverified[i].user);
		free(r->unverified[i].reason);
	}
	free(r->unverified);
	for (size_t i = 0; i < r->nstale; i++) {
		free(r->stale[i].user);
		free(r->stale[i].ip);
		free(r->stale[i].reason);
	}
	free(r->stale);
	for (size_t i = 0; i < r->nservers; i++) {
		free(r->servers[i].server);
		free(r->servers[i].layers);
	}
	free(r->servers);
	for (size_t i = 0; i < r->nserver_joins; i++)
		free(r->server_joins[i]);
	free(r->server_joins);
	for (size_t i = 0; i < r->ndup_files; i++) {
		free(r->dup_files[i].path);
		free(r->dup_files[i].same_as);
	}
	free(r->dup_files);
	free(r->grid.names);
	free(r->grid.attempts);
	free(r->grid.failures);
	free(r->buckets);
	free(r->windows);
	for (size_t i = 0; i < r->nsigs; i++)
		free(r->sigs[i].name);
	free(r->sigs);
	for (size_t i = 0; i < r->nfiles; i++) {
		free(r->files[i].path);
		free(r->files[i].format);
		for (int k = 0; k < IB_FILE_SAMPLES; k++)
			free((char *)r->files[i].c.sample[k]);
	}
	free(r->files);
	for (size_t i = 0; i < r->nreasons; i++) {
		free(r->reasons[i].reason);
		free(r->reasons[i].sample);
	}
	free(r->reasons);
	for (size_t i = 0; i < r->nshapes; i++) {
		free(r->shapes[i].shape);
		free(r->shapes[i].sample);
		free(r->shapes[i].first);
	}
	free(r->shapes);
	for (size_t i = 0; i < r->nerrors; i++) {
		free(r->errors[i].path);
		free(r->errors[i].reason);
	}
	free(r->errors);
	for (size_t i = 0; i < r->ngaps; i++)
		free(r->gaps[i].server);
	free(r->gaps);
	free(r->protocols);
	free(r->protocol_note);
	free(r);
}
