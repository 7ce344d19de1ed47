/*
 * analysis_window.c: phase 3, the detection series and the window, and
 * phase 4, the credentials rule (docs/method.md). The window rule itself is
 * pure (ib_window_rates, ib_window_hot, ib_window_detect, ib_window_align:
 * per-bucket arrays in, a span out, tested in tests/check_window.c); the
 * phases only build the series from the cells and apply the result.
 * Contract in analysis_int.h.
 */
#include <stdlib.h>
#include <string.h>
#include "analysis_int.h"

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

double ib_window_rates(const uint64_t *att, const uint64_t *fail, size_t nb, double *rate, double *scratch)
{
	size_t nrates = 0;

	for (size_t b = 0; b < nb; b++) {
		rate[b] = att[b] ? (double)fail[b] / (double)att[b] : 0.0;
		if (att[b])
			scratch[nrates++] = rate[b];
	}
	if (!nrates)
		return 0.0;
	qsort(scratch, nrates, sizeof(double), cmp_double);
	return nrates % 2 ? scratch[nrates / 2] : (scratch[nrates / 2 - 1] + scratch[nrates / 2]) / 2;
}

int ib_window_hot(uint64_t att, uint64_t fail, uint64_t users, double rate, double base,
		  const struct ib_window_params *p)
{
	return att && rate + IB_AN_EPS >= p->factor * base && rate + IB_AN_EPS >= base + p->min_rate &&
	       fail >= p->min_failures && users >= p->min_users;
}

int ib_window_warm(uint64_t att, uint64_t fail, double rate, double base, const struct ib_window_params *p)
{
	return att && fail && rate + IB_AN_EPS >= base + p->min_rate / 2 &&
	       rate + IB_AN_EPS >= base * (1.0 + p->factor) / 2;
}

enum ib_window_verdict ib_window_detect(const uint64_t *att, const uint64_t *fail, const uint64_t *users,
					const double *rate, size_t nb, double base,
					const struct ib_window_params *p, struct ib_window_span *out,
					size_t *nout)
{
	uint64_t total = 0;
	size_t n = 0, k = 0;

	*nout = 0;
	for (size_t b = 0; b < nb; b++)
		total += fail[b];
	if (!total)
		return IB_WV_NO_FAILURES;
	/* periods: runs of hot buckets, each extended over the warm buckets
	 * on both sides (hysteresis), then merged across gaps of <= p->gap */
	for (size_t b = 0; b < nb; b++) {
		size_t first = b, last = b;

		if (!ib_window_hot(att[b], fail[b], users ? users[b] : UINT64_MAX, rate[b], base, p))
			continue;
		while (first > 0 && ib_window_warm(att[first - 1], fail[first - 1], rate[first - 1], base, p))
			first--;
		while (last + 1 < nb &&
		       (ib_window_hot(att[last + 1], fail[last + 1], UINT64_MAX, rate[last + 1], base, p) ||
			ib_window_warm(att[last + 1], fail[last + 1], rate[last + 1], base, p)))
			last++;
		if (n && first <= out[n - 1].last + 1 + p->gap) {
			if (last > out[n - 1].last)
				out[n - 1].last = last;
		} else {
			out[n].first = first;
			out[n].last = last;
			n++;
		}
		b = last;
	}
	/* their failures, gaps included */
	for (size_t i = 0; i < n; i++) {
		out[i].failures = 0;
		for (size_t b = out[i].first; b <= out[i].last; b++)
			out[i].failures += fail[b];
	}
	k = n;
	*nout = k;
	return k ? IB_WV_DETECTED : IB_WV_NONE_QUALIFIED;
}

void ib_window_align(int64_t s, int64_t e, int64_t B, int64_t *as, int64_t *ae)
{
	*as = s - ((s % B) + B) % B;
	*ae = e - ((e % B) + B) % B;
	if (*ae != e)
		*ae += B;
}

/* The detection series, per series s (layer, or IB_SERIES_IDP) at
 * [s * nb + b]: live attempts, and credentials, temporary and timeout
 * failures, per bucket, and the distinct users failing in each;
 * connections left out. */
static int series(const struct ib_an *c, uint64_t *att, uint64_t *fail, uint64_t *users)
{
	Pvoid_t bu = NULL; /* Judy1: (s * nb + rel bucket) << 32 | user */
	Word_t key = 0;
	int r1;

	for (size_t i = 0; i < c->nfull + c->nsums; i++) {
		const struct ib_cell *cell = ib_an_counted(c, i, &(struct ib_cell){0});
		size_t rel;

		if (ib_an_scope(c, i, cell) != IB_AN_LIVE || cell->connection || ib_an_persist(c, i))
			continue;
		rel = (size_t)(cell->bucket - c->b0);
		for (int k = 0; k < 2; k++) {
			size_t s = k ? IB_SERIES_ALL : ib_an_is_idp(c, cell) ? IB_SERIES_IDP : cell->layer;
			size_t at = s * c->nb + rel;

			if (k && ib_an_is_idp(c, cell))
				break;
			att[at] += cell->count;
			if (cell->category != IB_CAT_CREDENTIALS && !ib_category_is_outage(cell->category))
				continue;
			fail[at] += cell->count;
			if (cell->user && Judy1Set(&bu, (Word_t)at << 32 | cell->user, PJE0) == JERR) {
				Judy1FreeArray(&bu, PJE0);
				return IB_ERR_NOMEM;
			}
		}
	}
	r1 = Judy1First(bu, &key, PJE0);
	while (r1 == 1) {
		users[key >> 32]++;
		r1 = Judy1Next(bu, &key, PJE0);
	}
	Judy1FreeArray(&bu, PJE0);
	return IB_OK;
}

static int cmp_span(const void *x, const void *y)
{
	const struct ib_span *a = x, *b = y;

	if (a->start_ms != b->start_ms)
		return a->start_ms < b->start_ms ? -1 : 1;
	return (a->end_ms > b->end_ms) - (a->end_ms < b->end_ms);
}

/* The given windows, widened to bucket boundaries, sorted, overlaps merged. */
static int given(struct ib_an *c)
{
	const struct ib_config *cfg = c->cfg;
	struct ib_result *r = c->r;
	struct ib_span one = {cfg->window_start_ms, cfg->window_end_ms}, *v;
	size_t n = cfg->nwindows ? cfg->nwindows : 1, k = 0;

	v = malloc(n * sizeof(*v));
	r->windows = calloc(n, sizeof(*r->windows));
	if (!v || !r->windows) {
		free(v);
		return ib_an_nomem(c);
	}
	for (size_t i = 0; i < n; i++) {
		const struct ib_span *g = cfg->nwindows ? &cfg->windows[i] : &one;

		ib_window_align(g->start_ms, g->end_ms, c->B, &v[i].start_ms, &v[i].end_ms);
	}
	qsort(v, n, sizeof(*v), cmp_span);
	for (size_t i = 0; i < n; i++) {
		if (k && v[i].start_ms < r->windows[k - 1].end_ms) {
			if (v[i].end_ms > r->windows[k - 1].end_ms)
				r->windows[k - 1].end_ms = v[i].end_ms;
			continue;
		}
		r->windows[k].start_ms = v[i].start_ms;
		r->windows[k++].end_ms = v[i].end_ms;
	}
	r->nwindows = k;
	free(v);
	return IB_OK;
}

static int cmp_wspan(const void *x, const void *y)
{
	const struct ib_window_span *a = x, *b = y;

	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	return (a->last > b->last) - (a->last < b->last);
}

/*
 * Detect on each series against its own baseline and take the union: a
 * window is where the failures show, in whichever layer logs them. Spans
 * of different series that overlap or lie within p->gap buckets merge.
 * span holds IB_SERIES_COUNT x nb spans.
 */
static enum ib_window_verdict detect_series(struct ib_an *c, const uint64_t *att, const uint64_t *fail,
					    const uint64_t *users, double *rate, double *scratch,
					    struct ib_window_span *span, size_t *nspan)
{
	struct ib_window_why *why = &c->r->window_why;
	enum ib_window_verdict v = IB_WV_NO_FAILURES;
	size_t n = 0, k = 0, nb = c->nb;

	for (unsigned s = 0; s < IB_SERIES_COUNT; s++) {
		const uint64_t *sa = att + s * nb, *sf = fail + s * nb;
		enum ib_window_verdict vs;
		size_t ns = 0;
		int any = 0;

		for (size_t b = 0; b < nb && !any; b++)
			any = sa[b] != 0;
		if (!any)
			continue;
		why->series_present[s] = 1;
		why->series_baseline[s] = ib_window_rates(sa, sf, nb, rate, scratch);
		vs = ib_window_detect(sa, sf, users + s * nb, rate, nb, why->series_baseline[s], &why->params,
				      span + n, &ns);
		n += ns;
		if (vs == IB_WV_DETECTED || (vs == IB_WV_NONE_QUALIFIED && v == IB_WV_NO_FAILURES))
			v = vs;
	}
	qsort(span, n, sizeof(*span), cmp_wspan);
	for (size_t i = 0; i < n; i++) {
		if (k && span[i].first <= span[k - 1].last + 1 + why->params.gap) {
			if (span[i].last > span[k - 1].last)
				span[k - 1].last = span[i].last;
			continue;
		}
		span[k++] = span[i];
	}
	*nspan = k;
	return v;
}

/* 1 when bucket x holds an outage failure (ob: bucket << 32 | user) of a user in u. */
static int same_users_fail(Pvoid_t ob, Pvoid_t u, size_t x)
{
	Word_t key = (Word_t)x << 32;
	int r1 = Judy1First(ob, &key, PJE0);

	for (; r1 == 1 && key >> 32 == x; r1 = Judy1Next(ob, &key, PJE0))
		if (Judy1Test(u, key & 0xffffffffu, PJE0))
			return 1;
	return 0;
}

/*
 * Soft edges by users (docs/method.md): a window goes on over the next
 * bucket while a user with an outage failure in it fails so again there
 * (a decaying outage whose last failures are too few for the rates), and
 * back over the bucket before likewise. Live, non-persistent cells only.
 * Windows that come within p->gap buckets of each other merge again.
 */
static int edges_by_users(const struct ib_an *c, struct ib_window_span *span, size_t *nspan, size_t gap)
{
	Pvoid_t ob = NULL; /* Judy1: rel bucket << 32 | user of the outage failures */
	size_t k = 0;
	int rc = IB_OK;

	for (size_t i = 0; i < c->nfull; i++) {
		const struct ib_cell *cell = ib_an_cell(c, i, &(struct ib_cell){0});

		if (ib_an_scope(c, i, cell) != IB_AN_LIVE || cell->connection || ib_an_persist(c, i) ||
		    !cell->user || !ib_category_is_outage(cell->category))
			continue;
		if (Judy1Set(&ob, (Word_t)(cell->bucket - c->b0) << 32 | cell->user, PJE0) == JERR) {
			Judy1FreeArray(&ob, PJE0);
			return IB_ERR_NOMEM;
		}
	}
	for (size_t i = 0; i < *nspan && ob; i++) {
		struct ib_window_span *w = &span[i];
		Pvoid_t u = NULL; /* Judy1: the users failing so in the window */
		Word_t key = (Word_t)w->first << 32;
		int r1 = Judy1First(ob, &key, PJE0);

		for (; r1 == 1 && key >> 32 <= w->last; r1 = Judy1Next(ob, &key, PJE0))
			if (Judy1Set(&u, key & 0xffffffffu, PJE0) == JERR) {
				rc = IB_ERR_NOMEM;
				break;
			}
		while (rc == IB_OK && w->last + 1 < c->nb && same_users_fail(ob, u, w->last + 1))
			w->last++;
		while (rc == IB_OK && w->first > 0 && same_users_fail(ob, u, w->first - 1))
			w->first--;
		Judy1FreeArray(&u, PJE0);
	}
	Judy1FreeArray(&ob, PJE0);
	if (rc < 0)
		return rc;
	qsort(span, *nspan, sizeof(*span), cmp_wspan);
	for (size_t i = 0; i < *nspan; i++) {
		if (k && span[i].first <= span[k - 1].last + 1 + gap) {
			if (span[i].last > span[k - 1].last)
				span[k - 1].last = span[i].last;
			continue;
		}
		span[k++] = span[i];
	}
	*nspan = k;
	return IB_OK;
}

static int decide(struct ib_an *c)
{
	const struct ib_config *cfg = c->cfg;
	struct ib_result *r = c->r;
	struct ib_window_why *why = &r->window_why;
	size_t nb = c->nb, ns = IB_SERIES_COUNT * nb;
	uint64_t *att = calloc(ns, sizeof(uint64_t)), *fail = calloc(ns, sizeof(uint64_t));
	uint64_t *users = calloc(ns, sizeof(uint64_t)), *satt = calloc(nb, sizeof(uint64_t));
	uint64_t *sfail = calloc(nb, sizeof(uint64_t));
	double *rate = malloc(nb * sizeof(double)), *scratch = malloc(nb * sizeof(double));
	struct ib_window_span *span = malloc(ns * sizeof(*span));
	size_t nspan = 0;
	int rc = IB_OK;

	if (!att || !fail || !users || !satt || !sfail || !rate || !scratch || !span) {
		rc = ib_an_nomem(c);
		goto out;
	}
	if ((rc = series(c, att, fail, users)) < 0) {
		rc = ib_an_nomem(c);
		goto out;
	}
	/* the rate shown per bucket and the headline baseline: every event summed */
	for (size_t i = 0; i < IB_SERIES_ALL * nb; i++) {
		satt[i % nb] += att[i];
		sfail[i % nb] += fail[i];
	}
	why->baseline = ib_window_rates(satt, sfail, nb, rate, scratch);
	for (size_t b = 0; b < nb; b++)
		r->buckets[b].rate = rate[b];
	if (cfg->window_start_ms != IB_TIME_NONE || cfg->nwindows) {
		why->verdict = IB_WV_GIVEN;
		r->window_source = IB_WIN_GIVEN;
		rc = given(c);
		goto out;
	}
	why->params.factor = cfg->window_factor;
	why->params.min_rate = cfg->window_min_rate;
	why->params.min_failures = cfg->window_min_failures;
	why->params.gap = cfg->window_gap;
	why->params.min_users = cfg->window_min_users;
	why->verdict = detect_series(c, att, fail, users, rate, scratch, span, &nspan);
	if (why->verdict == IB_WV_DETECTED && (rc = edges_by_users(c, span, &nspan, why->params.gap)) < 0) {
		rc = ib_an_nomem(c);
		goto out;
	}
	if (why->verdict == IB_WV_DETECTED) {
		r->window_source = IB_WIN_DETECTED;
		r->windows = calloc(nspan, sizeof(*r->windows));
		if (!r->windows) {
			rc = ib_an_nomem(c);
			goto out;
		}
		for (size_t i = 0; i < nspan; i++) {
			r->windows[i].start_ms = (c->b0 + (int64_t)span[i].first) * c->B;
			r->windows[i].end_ms = (c->b0 + (int64_t)span[i].last + 1) * c->B;
		}
		r->nwindows = nspan;
	}
out:
	free(att);
	free(fail);
	free(users);
	free(satt);
	free(sfail);
	free(rate);
	free(scratch);
	free(span);
	return rc;
}

int ib_an_window(struct ib_an *c)
{
	struct ib_result *r = c->r;
	int rc = decide(c);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < r->nwindows; i++)
		r->windows[i].peak_bucket_ms = IB_TIME_NONE;
	for (size_t b = 0, w = 0; b < c->nb; b++) {
		int64_t t = r->buckets[b].start_ms;

		while (w < r->nwindows && r->windows[w].end_ms <= t)
			w++;
		if (w < r->nwindows && t >= r->windows[w].start_ms)
			r->buckets[b].in_window = (int)w + 1;
	}
	if (r->nwindows) {
		r->window_start_ms = r->windows[0].start_ms;
		r->window_end_ms = r->windows[r->nwindows - 1].end_ms;
	}
	return IB_OK;
}

/* ---- phase 4: the credentials rule ---- */

struct pacc {
	uint64_t win_att, win_cred, out_att, out_cred;
};

/*
 * Credentials failures count as outage on a (server, layer) whose
 * credentials failure rate in the window is >= cred_factor x and >=
 * window_min_rate above its rate outside (or the layer's, when it has no
 * attempts outside), with >= window_min_failures of them.
 */
static int cred_pairs(struct ib_an *c)
{
	size_t np = (ib_agg_nstr(c->a, IB_S_SERVER) + 1) * IB_LAYER_COUNT;
	struct pacc *p = calloc(np, sizeof(*p)); /* by server * IB_LAYER_COUNT + layer */
	uint64_t fl_att[IB_LAYER_COUNT] = {0}, fl_cred[IB_LAYER_COUNT] = {0};
	int rc = IB_OK;

	if (!p)
		return ib_an_nomem(c);
	for (size_t i = 0; i < c->nfull + c->nsums; i++) {
		const struct ib_cell *cell = ib_an_counted(c, i, &(struct ib_cell){0});
		struct pacc *x;
		int cred = cell->category == IB_CAT_CREDENTIALS;

		if (ib_an_scope(c, i, cell) != IB_AN_LIVE || cell->connection || ib_an_persist(c, i))
			continue;
		x = &p[(size_t)cell->server * IB_LAYER_COUNT + cell->layer];
		if (ib_an_in_window(c, cell)) {
			x->win_att += cell->count;
			x->win_cred += cred ? cell->count : 0;
		} else {
			x->out_att += cell->count;
			x->out_cred += cred ? cell->count : 0;
			fl_att[cell->layer] += cell->count;
			fl_cred[cell->layer] += cred ? cell->count : 0;
		}
	}
	for (size_t k = 0; k < np; k++) {
		struct pacc *x = &p[k];
		unsigned layer = (unsigned)(k % IB_LAYER_COUNT);
		double in, out;

		if (x->win_att && x->win_cred >= c->cfg->window_min_failures) {
			in = (double)x->win_cred / (double)x->win_att;
			if (x->out_att)
				out = (double)x->out_cred / (double)x->out_att;
			else
				out = fl_att[layer] ? (double)fl_cred[layer] / (double)fl_att[layer] : 0.0;
			if (in + IB_AN_EPS >= c->cfg->cred_factor * out &&
			    in + IB_AN_EPS >= out + c->cfg->window_min_rate &&
			    Judy1Set(&c->credpair, (Word_t)(k / IB_LAYER_COUNT) << 8 | layer, PJE0) == JERR) {
				rc = ib_an_nomem(c);
				break;
			}
		}
	}
	free(p);
	return rc;
}

int ib_an_credentials(struct ib_an *c)
{
	int rc;

	if ((rc = cred_pairs(c)) < 0)
		return rc;
	c->verdict = calloc(c->nfull ? c->nfull : 1, 1);
	if (!c->verdict)
		return ib_an_nomem(c);
	for (size_t i = 0; i < c->nfull; i++) {
		const struct ib_cell *cell = ib_an_cell(c, i, &(struct ib_cell){0});
		int cred_rule;

		if (ib_an_scope(c, i, cell) != IB_AN_LIVE || !ib_category_is_failure(cell->category))
			continue;
		if (ib_category_is_outage(cell->category)) {
			c->verdict[i] = IB_AN_OUTAGE;
			continue;
		}
		/* a stale client's, or a wrong password by the identity provider's word: never */
		if (ib_an_persist(c, i) == IB_AN_STALE || (ib_an_idpv(c, i) == IB_AN_IDP_WRONG))
			continue;
		if (ib_an_idpv(c, i) == IB_AN_IDP_OUTAGE) {
			c->verdict[i] = IB_AN_OUTAGE;
			continue;
		}
		cred_rule = cell->category == IB_CAT_CREDENTIALS && !cell->connection && cell->user &&
			    Judy1Test(c->credpair, (Word_t)cell->server << 8 | cell->layer, PJE0) == 1;
		if (cred_rule && c->usucc[cell->user])
			c->verdict[i] = IB_AN_OUTAGE;
		else if (cred_rule && ib_an_in_window(c, cell))
			c->verdict[i] = IB_AN_UNVERIFIED;
	}
	return IB_OK;
}
