/*
 * analysis_users.c: phase 5, the affected users (docs/method.md): every
 * user with an outage failure in the window, with the servers, layers and
 * categories of those failures, the successes around them (intermittent,
 * recovery), the recovery numbers and the peak bucket; and the users left
 * out as unverified. Contract in analysis_int.h.
 */
#include <stdlib.h>
#include <string.h>
#include "analysis_int.h"

struct uacc {
	uint32_t user;
	int64_t first, last;
	uint32_t ffile;
	uint64_t fline;
	uint64_t fail[IB_LAYER_COUNT], succ[IB_LAYER_COUNT];
	int64_t recovered;
	int intermittent;
	unsigned layers, cats;
	uint64_t nbuckets;
};

/* The phase's own state, freed when it ends. */
struct users {
	struct ib_an *c;
	uint32_t *uix; /* user id -> index into u + 1, 0 = none (ids are dense) */
	struct uacc *u;
	size_t nu, ucap;
	Pvoid_t ubucket; /* Judy1: user << 32 | rel bucket */
	Pvoid_t userver; /* Judy1: user << 32 | server */
};

static struct uacc *uget(struct users *x, uint32_t user, int create)
{
	if (!x->uix) {
		if (!create)
			return NULL;
		x->uix = calloc(ib_agg_nstr(x->c->a, IB_S_USER) + 1, sizeof(*x->uix));
		if (!x->uix)
			return NULL;
	}
	if (!x->uix[user]) {
		if (!create)
			return NULL;
		if (ib_grow((void **)&x->u, &x->ucap, x->nu + 1, sizeof(*x->u)))
			return NULL;
		memset(&x->u[x->nu], 0, sizeof(*x->u));
		x->u[x->nu].user = user;
		x->u[x->nu].first = IB_TIME_NONE;
		x->u[x->nu].last = IB_TIME_NONE;
		x->u[x->nu].recovered = IB_TIME_NONE;
		x->uix[user] = (uint32_t)++x->nu;
	}
	return &x->u[x->uix[user] - 1];
}

static uint64_t max3(const uint64_t *v)
{
	uint64_t m = v[0];

	for (int i = 1; i < IB_LAYER_COUNT; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

/* Evidence order: time, then file path, then line. */
static int ev_before(const struct ib_an *c, int64_t t1, uint32_t f1, uint64_t l1, int64_t t2, uint32_t f2,
		     uint64_t l2)
{
	int k;

	if (t1 != t2)
		return t1 < t2;
	k = strcmp(ib_an_str(c, IB_S_FILE, f1), ib_an_str(c, IB_S_FILE, f2));
	if (k)
		return k < 0;
	return l1 < l2;
}

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

	return (a > b) - (a < b);
}

/* Does cell i count as an outage failure in the window? */
static int outage_in_window(const struct ib_an *c, size_t i, const struct ib_cell *cell)
{
	return ib_an_verdict(c, i) == IB_AN_OUTAGE && !cell->connection && ib_an_in_window(c, cell);
}

/*
 * In an aggregator the analysis owns, only the affected users' successes
 * are read from here on (the successes pass): the others go now, before
 * the users' records come.
 */
static int keep_affected(struct ib_an *c)
{
	uint8_t *keep;

	if (!c->own)
		return IB_OK;
	keep = calloc(ib_agg_nstr(c->a, IB_S_USER) + 1, 1);
	if (!keep)
		return ib_an_nomem(c);
	for (size_t i = 0; i < c->nfull; i++) {
		const struct ib_cell *cell = ib_an_cell(c, i, &(struct ib_cell){0});

		if (outage_in_window(c, i, cell))
			keep[cell->user] = 1;
	}
	ib_agg_keep_successes(c->own, keep);
	free(keep);
	ib_an_trim();
	return IB_OK;
}

/* Outage failures in the window: per user, per bucket, per layer. */
static int failures_pass(struct users *x)
{
	struct ib_an *c = x->c;
	struct ib_result *r = c->r;

	for (size_t i = 0; i < c->nfull; i++) {
		const struct ib_cell *cell = ib_an_cell(c, i, &(struct ib_cell){0});
		struct uacc *u;
		size_t rel;

		if (!outage_in_window(c, i, cell))
			continue;
		rel = (size_t)(cell->bucket - c->b0);
		r->outage_failures += cell->count;
		r->buckets[rel].outage_failures += cell->count;
		r->windows[r->buckets[rel].in_window - 1].outage_failures += cell->count;
		r->layers[cell->layer].win_failures += cell->count;
		if (!cell->user)
			continue;
		u = uget(x, cell->user, 1);
		if (!u)
			return ib_an_nomem(c);
		if (u->first == IB_TIME_NONE || ev_before(c, cell->first_ms, cell->first_file,
							  cell->first_line, u->first, u->ffile, u->fline)) {
			u->first = cell->first_ms;
			u->ffile = cell->first_file;
			u->fline = cell->first_line;
		}
		if (u->last == IB_TIME_NONE || cell->last_ms > u->last)
			u->last = cell->last_ms;
		u->fail[cell->layer] += cell->count;
		u->layers |= 1u << cell->layer;
		u->cats |= 1u << cell->category;
		if (Judy1Set(&x->ubucket, (Word_t)cell->user << 32 | rel, PJE0) == JERR ||
		    (cell->server &&
		     Judy1Set(&x->userver, (Word_t)cell->user << 32 | cell->server, PJE0) == JERR) ||
		    (cell->server &&
		     Judy1Set(&c->sjuser, (Word_t)cell->server << 32 | cell->user, PJE0) == JERR))
			return ib_an_nomem(c);
	}
	return IB_OK;
}

/* Successes of the affected users: in-window counts, recovery, intermittent. */
static void successes_pass(struct users *x)
{
	struct ib_an *c = x->c;
	struct ib_agg_iter it;

	for (const struct ib_cell *cell = ib_an_first(c, &it); cell; cell = ib_an_next(c, &it)) {
		size_t i = it.i;
		struct uacc *u;
		int64_t cand = IB_TIME_NONE;

		if (ib_an_scope(c, i, cell) != IB_AN_LIVE || cell->connection ||
		    cell->category != IB_CAT_OK || !cell->user)
			continue;
		u = uget(x, cell->user, 0);
		if (!u)
			continue;
		if (ib_an_in_window(c, cell)) {
			u->succ[cell->layer] += cell->count;
			if ((cell->first_ms > u->first && cell->first_ms < u->last) ||
			    (cell->last_ms > u->first && cell->last_ms < u->last))
				u->intermittent = 1;
		}
		if (cell->first_ms > u->last)
			cand = cell->first_ms;
		else if (cell->last_ms > u->last)
			cand = cell->last_ms;
		if (cand != IB_TIME_NONE && (u->recovered == IB_TIME_NONE || cand < u->recovered))
			u->recovered = cand;
	}
}

/* The servers of a user's outage failures, sorted, ';'-joined. */
static char *join_servers(struct users *x, uint32_t user)
{
	Word_t key = (Word_t)user << 32;
	const char **names = NULL;
	size_t k = 0, cap = 0;
	char *s = NULL;
	int r1 = Judy1First(x->userver, &key, PJE0);

	while (r1 == 1 && (key >> 32) == user) {
		if (ib_grow((void **)&names, &cap, k + 1, sizeof(*names)))
			goto out;
		names[k++] = ib_an_str(x->c, IB_S_SERVER, (uint32_t)(key & 0xffffffffu));
		r1 = Judy1Next(x->userver, &key, PJE0);
	}
	s = ib_an_join(names, k);
out:
	free(names);
	return s;
}

static int cmp_user_row(const void *x, const void *y)
{
	return strcmp(((const struct ib_user_row *)x)->user, ((const struct ib_user_row *)y)->user);
}

/* r->ttr_*: median (the lower middle plus half the step), ceil(0.9 n)-th, max. */
static void ttr_stats(struct ib_result *r, int64_t *ttr, size_t nttr)
{
	size_t rank = (nttr * 9 + 9) / 10; /* ceil(0.9 n) */

	r->ttr_median_ms = r->ttr_p90_ms = r->ttr_max_ms = IB_TIME_NONE;
	if (!nttr)
		return;
	qsort(ttr, nttr, sizeof(*ttr), cmp_i64);
	r->ttr_median_ms =
	    nttr % 2 ? ttr[nttr / 2] : ttr[nttr / 2 - 1] + (ttr[nttr / 2] - ttr[nttr / 2 - 1]) / 2;
	r->ttr_p90_ms = ttr[rank - 1];
	r->ttr_max_ms = ttr[nttr - 1];
}

static int build_users(struct users *x)
{
	struct ib_an *c = x->c;
	struct ib_result *r = c->r;
	Word_t key = 0;
	int r1;
	int64_t *ttr = NULL;
	size_t nttr = 0;
	uint64_t *wlast = NULL;

	/* distinct buckets per user, affected users per bucket and per window
	 * (ubucket iterates grouped by user: wlast says whom a window counted last) */
	if (r->nwindows && !(wlast = malloc(r->nwindows * sizeof(*wlast))))
		return ib_an_nomem(c);
	for (size_t w = 0; w < r->nwindows; w++)
		wlast[w] = UINT64_MAX;
	r1 = Judy1First(x->ubucket, &key, PJE0);
	while (r1 == 1) {
		struct uacc *u = uget(x, (uint32_t)(key >> 32), 0);
		struct ib_bucket_row *b = &r->buckets[key & 0xffffffffu];
		size_t w = (size_t)b->in_window - 1;

		u->nbuckets++;
		b->affected_users++;
		if (wlast[w] != key >> 32) {
			wlast[w] = key >> 32;
			r->windows[w].affected_users++;
		}
		r1 = Judy1Next(x->ubucket, &key, PJE0);
	}
	free(wlast);
	if (x->nu) {
		r->users = calloc(x->nu, sizeof(*r->users));
		ttr = malloc(x->nu * sizeof(*ttr));
		if (!r->users || !ttr) {
			free(ttr);
			return ib_an_nomem(c);
		}
	}
	for (size_t i = 0; i < x->nu; i++) {
		struct uacc *u = &x->u[i];
		struct ib_user_row *row = &r->users[r->nusers++];
		uint64_t f = max3(u->fail);

		row->user = ib_an_strdup(ib_an_str(c, IB_S_USER, u->user));
		row->first_failure_ms = u->first;
		row->last_failure_ms = u->last;
		row->failures = f;
		row->successes = max3(u->succ);
		row->impacted_minutes = u->nbuckets * (uint64_t)c->B / 60000;
		row->recovered_at_ms = u->recovered;
		row->servers = join_servers(x, u->user);
		row->layers = ib_an_join_mask(u->layers, 1);
		row->categories = ib_an_join_mask(u->cats, 0);
		row->evidence =
		    ib_an_printf("%s:%llu", ib_an_str(c, IB_S_FILE, u->ffile), (unsigned long long)u->fline);
		row->intermittent = u->intermittent;
		if (!row->user || !row->servers || !row->layers || !row->categories || !row->evidence) {
			free(ttr);
			return ib_an_nomem(c);
		}
		for (int l = 0; l < IB_LAYER_COUNT; l++)
			if (u->layers & (1u << l))
				r->layers[l].affected_users++;
		if (u->intermittent)
			r->intermittent_users++;
		else
			r->hard_users++;
		if (u->recovered != IB_TIME_NONE) {
			r->recovered_users++;
			ttr[nttr++] = u->recovered - u->first;
			r->retries_hist[ib_retry_bin(f)]++;
		}
	}
	r->affected_users = r->nusers;
	if (r->nusers)
		qsort(r->users, r->nusers, sizeof(*r->users), cmp_user_row);
	ttr_stats(r, ttr, nttr);
	free(ttr);
	/* peak bucket, overall and per window */
	r->peak_bucket_ms = IB_TIME_NONE;
	for (size_t b = 0; b < c->nb; b++) {
		const struct ib_bucket_row *br = &r->buckets[b];

		if (br->affected_users > r->peak_users) {
			r->peak_users = br->affected_users;
			r->peak_bucket_ms = br->start_ms;
		}
		if (br->in_window && br->affected_users > r->windows[br->in_window - 1].peak_users) {
			r->windows[br->in_window - 1].peak_users = br->affected_users;
			r->windows[br->in_window - 1].peak_bucket_ms = br->start_ms;
		}
	}
	return IB_OK;
}

static int cmp_unver(const void *x, const void *y)
{
	return strcmp(((const struct ib_unverified_row *)x)->user,
		      ((const struct ib_unverified_row *)y)->user);
}

/* Unverified users that are not affected anyway: failures (max over layers). */
static int build_unverified(struct users *x)
{
	struct ib_an *c = x->c;
	size_t cap = 0;
	Pvoid_t ul = NULL; /* JudyL: user << 2 | layer -> failures */
	struct ib_result *r = c->r;
	Word_t key = 0;
	PWord_t pv;
	int rc = IB_OK;

	for (size_t i = 0; i < c->nfull; i++) {
		const struct ib_cell *cell = ib_an_cell(c, i, &(struct ib_cell){0});

		if (ib_an_verdict(c, i) != IB_AN_UNVERIFIED || uget(x, cell->user, 0))
			continue;
		pv = (PWord_t)JudyLIns(&ul, (Word_t)cell->user << 2 | cell->layer, PJE0);
		if (pv == PJERR || !pv)
			goto oom;
		*pv += cell->count;
	}
	pv = (PWord_t)JudyLFirst(ul, &key, PJE0);
	while (pv) {
		Word_t user = key >> 2;
		uint64_t m = 0;
		struct ib_unverified_row *row;

		while (pv && (key >> 2) == user) {
			if (*pv > m)
				m = *pv;
			pv = (PWord_t)JudyLNext(ul, &key, PJE0);
		}
		if (ib_grow((void **)&r->unverified, &cap, r->nunverified + 1, sizeof(*row)))
			goto oom;
		row = &r->unverified[r->nunverified++];
		memset(row, 0, sizeof(*row));
		row->failures = m;
		row->cred_factor = c->cfg->cred_factor;
		row->user = ib_an_strdup(ib_an_str(c, IB_S_USER, (uint32_t)user));
		if (!row->user)
			goto oom;
	}
	if (r->nunverified)
		qsort(r->unverified, r->nunverified, sizeof(*r->unverified), cmp_unver);
	goto out;
oom:
	rc = ib_an_nomem(c);
out:
	JudyLFreeArray(&ul, PJE0);
	return rc;
}

int ib_an_users(struct ib_an *c)
{
	struct users x;
	int rc;

	memset(&x, 0, sizeof(x));
	x.c = c;
	if ((rc = keep_affected(c)) >= 0 && (rc = failures_pass(&x)) >= 0) {
		successes_pass(&x);
		if (c->own) { /* the last walk over stored successes: their memory goes before the rows come
			       */
			ib_agg_drop_successes(c->own);
			ib_an_trim();
		}
		if ((rc = build_users(&x)) >= 0)
			rc = build_unverified(&x);
	}
	free(x.uix);
	free(x.u);
	Judy1FreeArray(&x.ubucket, PJE0);
	Judy1FreeArray(&x.userver, PJE0);
	return rc;
}
