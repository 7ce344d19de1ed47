/*
 * analysis_pairs.c: the judgements made per user and client address, and
 * the identity provider's verdict (docs/method.md, section 5): phase 2b,
 * persistent pairs (a client that never gets in and keeps failing with
 * credentials errors: background, left out of the detection series);
 * phase 3b, stale clients (a persistent pair failing the same way since
 * well before a window is not an outage victim there) and the pairing of
 * a failure with the identity provider's record of the same attempt.
 * Contract in analysis_int.h.
 */
#include <stdlib.h>
#include <string.h>
#include "analysis_int.h"

/* A persistent pair fails in at least this many distinct buckets, and a
 * stale one in at least this many before the window. */
#define PERSIST_MIN_BUCKETS 4
/* A client failure and an identity provider record this close are one attempt. */
#define IDP_PAIR_MS 30000

/* One (user, ip) pair's credentials record, while its user's cells are walked. */
struct pacc {
	uint32_t ip;
	uint32_t nb;			/* distinct buckets of its failures, up to PERSIST_MIN_BUCKETS */
	int64_t b[PERSIST_MIN_BUCKETS]; /* those buckets (rel) */
	int64_t first_b, last_b;	/* rel buckets of its first and last failure */
	int success, other;		/* any success; any failure not of credentials */
};

/* Is cell i (live, user and address) one of a pair's? */
static int pair_cell(const struct ib_an *c, size_t i, const struct ib_cell *cell)
{
	return ib_an_scope(c, i, cell) == IB_AN_LIVE && cell->user && cell->ip;
}

/* Record cell in its pair's accumulator p. */
static void pacc_add(struct pacc *p, const struct ib_cell *cell, int64_t rel)
{
	uint32_t k;

	if (cell->category == IB_CAT_OK) {
		p->success = 1;
		return;
	}
	if (cell->category != IB_CAT_CREDENTIALS) {
		p->other = 1;
		return;
	}
	if (p->first_b < 0 || rel < p->first_b)
		p->first_b = rel;
	if (rel > p->last_b)
		p->last_b = rel;
	for (k = 0; k < p->nb && p->b[k] != rel; k++)
		;
	if (k == p->nb && p->nb < PERSIST_MIN_BUCKETS)
		p->b[p->nb++] = rel;
}

/*
 * The cells of the users with a credentials failure, grouped by user (a
 * counting sort on the dense user ids): their pairs are walked one user at
 * a time, with slot[] (by ip id) naming each address's accumulator.
 */
int ib_an_persistent(struct ib_an *c)
{
	size_t nu = ib_agg_nstr(c->a, IB_S_USER), nip = ib_agg_nstr(c->a, IB_S_IP);
	struct ib_agg_iter it;
	/* order: the cells of each user (a success's index is only >= nfull); oip: their addresses */
	uint32_t *start = NULL, *order = NULL, *oip = NULL, *slot = NULL;
	struct pacc *p = NULL;
	size_t cap = 0, ncred = 0;
	int rc = IB_OK;
	uint64_t span_min = c->nb / 4 > PERSIST_MIN_BUCKETS ? c->nb / 4 : PERSIST_MIN_BUCKETS;

	c->persist = calloc(c->nfull ? c->nfull : 1, 1);
	c->idp_sig = calloc(ib_agg_nstr(c->a, IB_S_SIG) + 1, 1);
	if (!c->persist || !c->idp_sig)
		return ib_an_nomem(c);
	/* the identity provider's records, by signature (Entra: entra-*) */
	for (size_t k = 1; k < ib_agg_nstr(c->a, IB_S_SIG); k++)
		c->idp_sig[k] = strncmp(ib_an_str(c, IB_S_SIG, (uint32_t)k), "entra-", 6) == 0;
	/* start[u + 1]: 1 marks a user with a credentials failure, then its cells */
	if (!(start = calloc(nu + 2, sizeof(*start))))
		goto oom;
	for (size_t i = 0; i < c->nfull; i++) {
		const struct ib_cell *cell = ib_an_cell(c, i, &(struct ib_cell){0});

		if (cell->category == IB_CAT_CREDENTIALS && !cell->connection && pair_cell(c, i, cell) &&
		    !start[cell->user + 1]) {
			start[cell->user + 1] = 1;
			ncred++;
		}
	}
	if (!ncred) /* no credentials failure: no persistent pair */
		goto out;
	for (const struct ib_cell *cell = ib_an_first(c, &it); cell; cell = ib_an_next(c, &it)) {
		size_t i = it.i;

		if (pair_cell(c, i, cell) && start[cell->user + 1])
			start[cell->user + 1]++;
	}
	for (size_t u = 0; u < nu; u++)
		start[u + 1] = start[u] + (start[u + 1] ? start[u + 1] - 1 : 0);
	if (!(order = malloc((start[nu] ? start[nu] : 1) * sizeof(*order))) ||
	    !(oip = malloc((start[nu] ? start[nu] : 1) * sizeof(*oip))) ||
	    !(slot = calloc(nip + 1, sizeof(*slot))))
		goto oom;
	{
		uint32_t *fill = calloc(nu + 1, sizeof(*fill));

		if (!fill)
			goto oom;
		for (const struct ib_cell *cell = ib_an_first(c, &it); cell; cell = ib_an_next(c, &it)) {
			size_t i = it.i;
			uint32_t u = cell->user;

			if (pair_cell(c, i, cell) && start[u + 1] > start[u]) {
				oip[start[u] + fill[u]] = cell->ip;
				order[start[u] + fill[u]++] = (uint32_t)i;
			}
		}
		free(fill);
	}
	for (size_t u = 1; u < nu; u++) {
		size_t np = 0;

		if (start[u + 1] == start[u])
			continue;
		for (uint32_t j = start[u]; j < start[u + 1]; j++) {
			uint32_t ip = oip[j];

			if (!slot[ip]) {
				if (ib_grow((void **)&p, &cap, np + 1, sizeof(*p)))
					goto oom;
				memset(&p[np], 0, sizeof(*p));
				p[np].ip = ip;
				p[np].first_b = -1;
				slot[ip] = (uint32_t)++np;
			}
			if (order[j] >= c->nfull) { /* a stored success: no need to read it again */
				p[slot[ip] - 1].success = 1;
			} else {
				const struct ib_cell *cell = ib_an_cell(c, order[j], &(struct ib_cell){0});

				if (!cell->connection)
					pacc_add(&p[slot[ip] - 1], cell, cell->bucket - c->b0);
			}
		}
		/* persistent: never in, only credentials, in >= 4 buckets over >= a quarter of the range */
		for (size_t k = 0; k < np; k++) {
			struct pacc *q = &p[k];
			int yes = !q->success && !q->other && q->nb >= PERSIST_MIN_BUCKETS &&
				  (uint64_t)(q->last_b - q->first_b + 1) >= span_min;

			slot[q->ip] = yes ? UINT32_MAX : 0;
			if (yes && Judy1Set(&c->persist_pairs, (Word_t)q->ip << 32 | u, PJE0) == JERR)
				goto oom;
		}
		for (uint32_t j = start[u]; j < start[u + 1]; j++)
			if (slot[oip[j]] == UINT32_MAX && order[j] < c->nfull) /* always: it never got in */
				c->persist[order[j]] = IB_AN_PERSISTENT;
		for (size_t k = 0; k < np; k++)
			slot[p[k].ip] = 0;
	}
	goto out;
oom:
	rc = ib_an_nomem(c);
out:
	free(start);
	free(order);
	free(oip);
	free(slot);
	free(p);
	return rc;
}

/* ---- phase 3b: stale clients ---- */

static int cmp_stale(const void *x, const void *y)
{
	const struct ib_stale_row *a = x, *b = y;
	int k = strcmp(a->user, b->user);

	return k ? k : strcmp(a->ip, b->ip);
}

/*
 * A persistent pair is stale for window w when it failed in >= 4 buckets
 * before w's start and its failures per bucket in w are at most
 * cred_factor x its failures per bucket from its first failure to w's
 * start. Its credentials failures in w are then not outage failures.
 */
static int stale(struct ib_an *c)
{
	const struct ib_result *r = c->r;
	size_t nw = r->nwindows, cap = 0;
	Pvoid_t pb = NULL;     /* JudyL: (ip << 32 | user) -> index + 1 */
	Pvoid_t stalew = NULL; /* Judy1: index << 16 | window: stale there */
	struct sacc {
		uint32_t user, ip;
		int64_t first_b;
		uint64_t *before_f, *before_b, *in_f, *in_b; /* per window */
		uint64_t total;
		int64_t first_ms, last_ms;
	} *s = NULL;
	size_t ns = 0, scap = 0;
	Pvoid_t seenb = NULL; /* Judy1: index << 32 | rel bucket */
	int rc = IB_OK;
	PWord_t pv;

	if (!nw || !c->persist_pairs)
		return IB_OK;
	for (size_t i = 0; i < c->nfull; i++) {
		const struct ib_cell *cell = ib_an_cell(c, i, &(struct ib_cell){0});
		int64_t rel = cell->bucket - c->b0;
		struct sacc *a;
		int newb;

		if (ib_an_persist(c, i) != IB_AN_PERSISTENT || cell->category != IB_CAT_CREDENTIALS)
			continue;
		pv = (PWord_t)JudyLIns(&pb, (Word_t)cell->ip << 32 | cell->user, PJE0);
		if (pv == PJERR || !pv)
			goto oom;
		if (!*pv) {
			if (ib_grow((void **)&s, &scap, ns + 1, sizeof(*s)))
				goto oom;
			memset(&s[ns], 0, sizeof(*s));
			s[ns].user = cell->user;
			s[ns].ip = cell->ip;
			s[ns].first_b = rel;
			s[ns].first_ms = cell->first_ms;
			s[ns].last_ms = cell->last_ms;
			s[ns].before_f = calloc(4 * nw, sizeof(uint64_t));
			if (!s[ns].before_f)
				goto oom;
			s[ns].before_b = s[ns].before_f + nw;
			s[ns].in_f = s[ns].before_f + 2 * nw;
			s[ns].in_b = s[ns].before_f + 3 * nw;
			*pv = ++ns;
		}
		a = &s[*pv - 1];
		if (rel < a->first_b)
			a->first_b = rel;
		if (cell->first_ms < a->first_ms)
			a->first_ms = cell->first_ms;
		if (cell->last_ms > a->last_ms)
			a->last_ms = cell->last_ms;
		a->total += cell->count;
		newb = Judy1Set(&seenb, (Word_t)(*pv - 1) << 32 | (Word_t)rel, PJE0);
		if (newb == JERR)
			goto oom;
		for (size_t w = 0; w < nw; w++) {
			int64_t ws = (r->windows[w].start_ms / c->B) - c->b0;
			int64_t we = (r->windows[w].end_ms / c->B) - c->b0;

			if (rel < ws) {
				a->before_f[w] += cell->count;
				a->before_b[w] += (uint64_t)newb;
			} else if (rel < we) {
				a->in_f[w] += cell->count;
				a->in_b[w] += (uint64_t)newb;
			}
		}
	}
	for (size_t k = 0; k < ns; k++) {
		struct sacc *a = &s[k];
		uint64_t winf = 0;

		for (size_t w = 0; w < nw; w++) {
			int64_t ws = (r->windows[w].start_ms / c->B) - c->b0;
			int64_t we = (r->windows[w].end_ms / c->B) - c->b0;
			double before, in;

			if (!a->in_f[w] || a->before_b[w] < PERSIST_MIN_BUCKETS || ws <= a->first_b)
				continue;
			before = (double)a->before_f[w] / (double)(ws - a->first_b);
			in = (double)a->in_f[w] / (double)(we - ws);
			if (in > c->cfg->cred_factor * before + IB_AN_EPS)
				continue;
			if (Judy1Set(&stalew, (Word_t)k << 16 | w, PJE0) == JERR)
				goto oom;
			winf += a->in_f[w];
		}
		if (winf) {
			struct ib_stale_row *row;

			if (ib_grow((void **)&c->r->stale, &cap, c->r->nstale + 1, sizeof(*row)))
				goto oom;
			row = &c->r->stale[c->r->nstale++];
			memset(row, 0, sizeof(*row));
			row->failures = a->total;
			row->win_failures = winf;
			row->first_ms = a->first_ms;
			row->last_ms = a->last_ms;
			row->user = ib_an_strdup(ib_an_str(c, IB_S_USER, a->user));
			row->ip = ib_an_strdup(ib_an_str(c, IB_S_IP, a->ip));
			if (!row->user || !row->ip)
				goto oom;
		}
	}
	for (size_t i = 0; i < c->nfull; i++) {
		const struct ib_cell *cell = ib_an_cell(c, i, &(struct ib_cell){0});
		int w = r->buckets[cell->bucket - c->b0].in_window;

		if (ib_an_persist(c, i) != IB_AN_PERSISTENT || !w)
			continue;
		pv = (PWord_t)JudyLGet(pb, (Word_t)cell->ip << 32 | cell->user, PJE0);
		if (pv && Judy1Test(stalew, (Word_t)(*pv - 1) << 16 | (Word_t)(w - 1), PJE0) == 1)
			c->persist[i] = IB_AN_STALE;
	}
	if (c->r->nstale)
		qsort(c->r->stale, c->r->nstale, sizeof(*c->r->stale), cmp_stale);
	goto out;
oom:
	rc = ib_an_nomem(c);
out:
	for (size_t k = 0; k < ns; k++)
		free(s[k].before_f);
	free(s);
	JudyLFreeArray(&pb, PJE0);
	Judy1FreeArray(&stalew, PJE0);
	Judy1FreeArray(&seenb, PJE0);
	return rc;
}

/* ---- phase 3b: the identity provider's verdict ---- */

struct idprec {
	uint32_t user;
	uint8_t kind; /* IB_AN_IDP_WRONG (credentials) or IB_AN_IDP_OUTAGE (success) */
	int64_t first, last;
};

static int cmp_idp(const void *x, const void *y)
{
	const struct idprec *a = x, *b = y;

	if (a->user != b->user)
		return a->user < b->user ? -1 : 1;
	return (a->first > b->first) - (a->first < b->first);
}

/*
 * A credentials failure of user U (not the identity provider's own) whose
 * time lies within IDP_PAIR_MS of an identity provider record of U is that
 * attempt: a record with a credentials error says wrong password, a
 * success says the outage. Both near it: undecided, the rules decide.
 */
static int idp(struct ib_an *c)
{
	size_t nr = 0, cap = 0;
	struct ib_agg_iter it;
	struct idprec *v = NULL;

	for (const struct ib_cell *cell = ib_an_first(c, &it); cell; cell = ib_an_next(c, &it)) {
		size_t i = it.i;

		if (ib_an_scope(c, i, cell) != IB_AN_LIVE || cell->connection || !cell->user ||
		    !ib_an_is_idp(c, cell) ||
		    (cell->category != IB_CAT_OK && cell->category != IB_CAT_CREDENTIALS))
			continue;
		if (ib_grow((void **)&v, &cap, nr + 1, sizeof(*v))) {
			free(v);
			return ib_an_nomem(c);
		}
		v[nr].user = cell->user;
		v[nr].kind = cell->category == IB_CAT_OK ? IB_AN_IDP_OUTAGE : IB_AN_IDP_WRONG;
		v[nr].first = cell->first_ms;
		v[nr++].last = cell->last_ms;
	}
	if (!nr)
		return IB_OK;
	qsort(v, nr, sizeof(*v), cmp_idp);
	c->idpv = calloc(c->nfull ? c->nfull : 1, 1);
	if (!c->idpv) {
		free(v);
		return ib_an_nomem(c);
	}
	for (size_t i = 0; i < c->nfull; i++) {
		const struct ib_cell *cell = ib_an_cell(c, i, &(struct ib_cell){0});
		size_t lo = 0, hi = nr;
		unsigned kinds = 0;

		if (ib_an_scope(c, i, cell) != IB_AN_LIVE || cell->connection || !cell->user ||
		    cell->category != IB_CAT_CREDENTIALS || ib_an_is_idp(c, cell))
			continue;
		while (lo < hi) { /* first record of the user */
			size_t mid = lo + (hi - lo) / 2;

			if (v[mid].user < cell->user)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t k = lo; k < nr && v[k].user == cell->user; k++) {
			if (v[k].first > cell->last_ms + IDP_PAIR_MS)
				break;
			if (v[k].last + IDP_PAIR_MS >= cell->first_ms)
				kinds |= v[k].kind;
		}
		if (kinds == IB_AN_IDP_WRONG || kinds == IB_AN_IDP_OUTAGE)
			c->idpv[i] = (uint8_t)kinds;
	}
	free(v);
	return IB_OK;
}

int ib_an_pairs(struct ib_an *c)
{
	int rc = stale(c);

	return rc < 0 ? rc : idp(c);
}
