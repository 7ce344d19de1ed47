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

int ib_window_hot(uint64_t att, uint64_t fail, double rate, double base, const struct ib_window_params *p)
{
	return att && rate + IB_AN_EPS >= p->factor * base && rate + IB_AN_EPS >= base + p->min_rate &&
	       fail >= p->min_failures;
}

enum ib_window_verdict ib_window_detect(const uint64_t *att, const uint64_t *fail, const double *rate,
					size_t nb, double base, const struct ib_window_params *p,
					struct ib_window_span *out)
{
	int64_t best_s = -1, best_e = -1, cur_s = -1, last_hot = -1;
	uint64_t best_f = 0, cur_f = 0, total = 0;

	for (size_t b = 0; b < nb; b++)
		total += fail[b];
	if (!total)
		return IB_WV_NO_FAILURES;
	for (size_t b = 0; b < nb; b++) {
		if (!ib_window_hot(att[b], fail[b], rate[b], base, p))
			continue;
		if (cur_s >= 0 && (int64_t)b - last_hot - 1 <= (int64_t)p->gap) {
			for (int64_t k = last_hot + 1; k <= (int64_t)b; k++)
				cur_f += fail[k];
		} else {
			if (cur_s >= 0 && cur_f > best_f) {
				best_f = cur_f;
				best_s = cur_s;
				best_e = last_hot;
			}
			cur_s = (int64_t)b;
			cur_f = fail[b];
		}
		last_hot = (int64_t)b;
	}
	if (cur_s >= 0 && cur_f > best_f) {
		best_f = cur_f;
		best_s = cur_s;
		best_e = last_hot;
	}
	if (best_s < 0)
		return IB_WV_NONE_QUALIFIED;
	out->first = (size_t)best_s;
	out->last = (size_t)best_e;
	out->failures = best_f;
	return IB_WV_DETECTED;
}

void ib_window_align(int64_t s, int64_t e, int64_t B, int64_t *as, int64_t *ae)
{
	*as = s - ((s % B) + B) % B;
	*ae = e - ((e % B) + B) % B;
	if (*ae != e)
		*ae += B;
}

/* The detection series: live attempts, and credentials, temporary and
 * timeout failures, per bucket; connections left out. */
static void series(const struct ib_an *c, uint64_t *att, uint64_t *fail)
{
	size_t n = ib_agg_ncells(c->a);

	for (size_t i = 0; i < n; i++) {
		const struct ib_cell *cell = ib_agg_cell(c->a, i);
		size_t rel;

		if (c->scope[i] != IB_AN_LIVE || cell->connection)
			continue;
		rel = (size_t)(cell->bucket - c->b0);
		att[rel] += cell->count;
		if (cell->category == IB_CAT_CREDENTIALS || ib_category_is_outage(cell->category))
			fail[rel] += cell->count;
	}
}

static int decide(struct ib_an *c)
{
	const struct ib_config *cfg = c->cfg;
	struct ib_result *r = c->r;
	struct ib_window_why *why = &r->window_why;
	uint64_t *att = calloc(c->nb, sizeof(uint64_t)), *fail = calloc(c->nb, sizeof(uint64_t));
	double *rate = malloc(c->nb * sizeof(double)), *scratch = malloc(c->nb * sizeof(double));
	struct ib_window_span span;
	int rc = IB_OK;

	if (!att || !fail || !rate || !scratch) {
		rc = ib_an_nomem(c);
		goto out;
	}
	series(c, att, fail);
	why->baseline = ib_window_rates(att, fail, c->nb, rate, scratch);
	for (size_t b = 0; b < c->nb; b++)
		r->buckets[b].rate = rate[b];
	if (cfg->window_start_ms != IB_TIME_NONE) {
		why->verdict = IB_WV_GIVEN;
		r->window_source = IB_WIN_GIVEN;
		ib_window_align(cfg->window_start_ms, cfg->window_end_ms, c->B, &r->window_start_ms,
				&r->window_end_ms);
		goto out;
	}
	why->params.factor = cfg->window_factor;
	why->params.min_rate = cfg->window_min_rate;
	why->params.min_failures = cfg->window_min_failures;
	why->params.gap = cfg->window_gap;
	why->verdict = ib_window_detect(att, fail, rate, c->nb, why->baseline, &why->params, &span);
	if (why->verdict == IB_WV_DETECTED) {
		r->window_source = IB_WIN_DETECTED;
		r->window_start_ms = (c->b0 + (int64_t)span.first) * c->B;
		r->window_end_ms = (c->b0 + (int64_t)span.last + 1) * c->B;
	}
out:
	free(att);
	free(fail);
	free(rate);
	free(scratch);
	return rc;
}

int ib_an_window(struct ib_an *c)
{
	struct ib_result *r = c->r;
	int rc = decide(c);

	if (rc < 0)
		return rc;
	for (size_t b = 0; b < c->nb; b++)
		r->buckets[b].in_window = r->window_source != IB_WIN_NONE &&
					  r->buckets[b].start_ms >= r->window_start_ms &&
					  r->buckets[b].start_ms < r->window_end_ms;
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
	size_t n = ib_agg_ncells(c->a), np = 0, pcap = 0;
	Pvoid_t pjl = NULL;
	struct pacc *p = NULL;
	uint64_t fl_att[IB_LAYER_COUNT] = {0}, fl_cred[IB_LAYER_COUNT] = {0};
	int rc = IB_OK;
	Word_t key;
	PWord_t pv;

	for (size_t i = 0; i < n; i++) {
		const struct ib_cell *cell = ib_agg_cell(c->a, i);
		struct pacc *x;
		int cred = cell->category == IB_CAT_CREDENTIALS;

		if (c->scope[i] != IB_AN_LIVE || cell->connection)
			continue;
		pv = (PWord_t)JudyLIns(&pjl, (Word_t)cell->server << 8 | cell->layer, PJE0);
		if (pv == PJERR || !pv)
			goto oom;
		if (!*pv) {
			if (ib_grow((void **)&p, &pcap, np + 1, sizeof(*p)))
				goto oom;
			memset(&p[np], 0, sizeof(*p));
			*pv = ++np;
		}
		x = &p[*pv - 1];
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
	key = 0;
	pv = (PWord_t)JudyLFirst(pjl, &key, PJE0);
	while (pv) {
		struct pacc *x = &p[*pv - 1];
		unsigned layer = (unsigned)(key & 0xff);
		double in, out;

		if (x->win_att && x->win_cred >= c->cfg->window_min_failures) {
			in = (double)x->win_cred / (double)x->win_att;
			if (x->out_att)
				out = (double)x->out_cred / (double)x->out_att;
			else
				out = fl_att[layer] ? (double)fl_cred[layer] / (double)fl_att[layer] : 0.0;
			if (in + IB_AN_EPS >= c->cfg->cred_factor * out &&
			    in + IB_AN_EPS >= out + c->cfg->window_min_rate &&
			    Judy1Set(&c->credpair, key, PJE0) == JERR)
				goto oom;
		}
		pv = (PWord_t)JudyLNext(pjl, &key, PJE0);
	}
	goto out;
oom:
	rc = ib_an_nomem(c);
out:
	JudyLFreeArray(&pjl, PJE0);
	free(p);
	return rc;
}

int ib_an_credentials(struct ib_an *c)
{
	size_t n = ib_agg_ncells(c->a);
	int rc;

	if ((rc = cred_pairs(c)) < 0)
		return rc;
	c->verdict = calloc(n ? n : 1, 1);
	if (!c->verdict)
		return ib_an_nomem(c);
	for (size_t i = 0; i < n; i++) {
		const struct ib_cell *cell = ib_agg_cell(c->a, i);
		int cred_rule;

		if (c->scope[i] != IB_AN_LIVE || !ib_category_is_failure(cell->category))
			continue;
		if (ib_category_is_outage(cell->category)) {
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
