/*
 * analysis_attack.c: phase 2, the attack sources (docs/method.md). An IP
 * that failed for many distinct users and never succeeded is an attack
 * source; addresses under every per-address rule are judged as one
 * population (a slow distributed spray); behind a proxy the server-layer
 * failures are joined through the proxy layer. Their cells leave the blast
 * radius (scope IB_AN_ATTACK).
 * Contract in analysis_int.h.
 */
#include <stdlib.h>
#include <string.h>
#include "analysis_int.h"

/* Refusals say something about the password, the account or the client,
 * not the service: the failures an attacker collects. */
static int is_refusal(unsigned cat)
{
	return cat == IB_CAT_CREDENTIALS || cat == IB_CAT_POLICY || cat == IB_CAT_OTHER;
}

static int trusted(const struct ib_an *c, const char *ip)
{
	for (const char *const *t = c->cfg->trusted_proxies; t && *t; t++)
		if (strcmp(*t, ip) == 0)
			return 1;
	return 0;
}

/* Append an attack row for ip (fields only; ib_result_explain words it). */
static int add_attack(struct ib_an *c, size_t *cap, Pvoid_t *atkjl, Word_t ip, const struct ib_attack_row *x)
{
	struct ib_result *r = c->r;
	struct ib_attack_row *row;
	PWord_t pv;

	if (ib_grow((void **)&r->attacks, cap, r->nattacks + 1, sizeof(*r->attacks)))
		return -1;
	row = &r->attacks[r->nattacks];
	*row = *x;
	row->first_ms = IB_TIME_NONE;
	row->last_ms = IB_TIME_NONE;
	row->ip = ib_an_strdup(ib_an_str(c, IB_S_IP, (uint32_t)ip));
	r->nattacks++;
	if (!row->ip)
		return -1;
	pv = (PWord_t)JudyLIns(atkjl, ip, PJE0);
	if (pv == PJERR || !pv)
		return -1;
	*pv = r->nattacks - 1;
	return 0;
}

/* A spray campaign needs at least this many addresses. */
#define CAMPAIGN_MIN_ADDRESSES 20

/*
 * Slow distributed sprays: addresses that stay under every per-address
 * rule (1 to --attack-min-users users each) are judged as a population.
 * A candidate has no success for anyone, was refused only with
 * credentials errors, and every user it tried logs in successfully
 * (necessarily from elsewhere). The candidates are one campaign when there
 * are at least CAMPAIGN_MIN_ADDRESSES of them and their failures fall in at
 * least a quarter of the range's buckets (active across the range, not a
 * burst: an outage's victims crowd into its window). Sets attack[ip] = 2.
 */
static int find_campaign(struct ib_an *c, Pvoid_t ipuser, const uint8_t *ipsucc, const uint8_t *other,
			 uint8_t *attack)
{
	const struct ib_agg *a = c->a;
	struct ib_campaign_row *cr = &c->r->campaign;
	uint8_t *cand = calloc(ib_agg_nstr(a, IB_S_IP) + 1, 1);
	Pvoid_t bk = NULL, us = NULL; /* Judy1: rel buckets, users of the candidates */
	Word_t key = 0, nbk = 0, nus = 0;
	uint64_t naddr = 0;
	int r1, rc = IB_OK;

	if (!cand)
		return ib_an_nomem(c);
	r1 = Judy1First(ipuser, &key, PJE0);
	while (r1 == 1) {
		Word_t ip = key >> 32;
		uint64_t nu = 0;
		int ok = 1;

		do {
			nu++;
			ok = ok && c->usucc[key & 0xffffffffu];
			r1 = Judy1Next(ipuser, &key, PJE0);
		} while (r1 == 1 && (key >> 32) == ip);
		if (ok && nu <= c->cfg->attack_min_users && !ipsucc[ip] && !other[ip] && !attack[ip] &&
		    !trusted(c, ib_an_str(c, IB_S_IP, (uint32_t)ip))) {
			cand[ip] = 1;
			naddr++;
		}
	}
	if (naddr < CAMPAIGN_MIN_ADDRESSES)
		goto out;
	for (size_t i = 0; i < c->nfull; i++) {
		const struct ib_cell *cell = ib_an_cell(c, i, &(struct ib_cell){0});

		if (ib_an_scope(c, i, cell) == IB_AN_OUT || !cell->ip || !cand[cell->ip] ||
		    cell->category != IB_CAT_CREDENTIALS)
			continue;
		if (Judy1Set(&bk, (Word_t)(cell->bucket - c->b0), PJE0) == JERR ||
		    (cell->user && Judy1Set(&us, cell->user, PJE0) == JERR))
			goto oom;
	}
	nbk = Judy1Count(bk, 0, (Word_t)-1, PJE0);
	nus = Judy1Count(us, 0, (Word_t)-1, PJE0);
	if (nbk * 4 < c->nb)
		goto out;
	cr->addresses = naddr;
	cr->users = nus;
	cr->buckets = nbk;
	cr->min_addresses = CAMPAIGN_MIN_ADDRESSES;
	cr->max_users = c->cfg->attack_min_users;
	cr->first_ms = cr->last_ms = IB_TIME_NONE;
	for (size_t ip = 0; ip <= ib_agg_nstr(a, IB_S_IP); ip++)
		if (cand[ip])
			attack[ip] = 2;
	goto out;
oom:
	rc = ib_an_nomem(c);
out:
	free(cand);
	Judy1FreeArray(&bk, PJE0);
	Judy1FreeArray(&us, PJE0);
	return rc;
}

static int find_attacks(struct ib_an *c)
{
	const struct ib_agg *a = c->a;
	const struct ib_config *cfg = c->cfg;
	struct ib_agg_iter it;
	Pvoid_t ipuser = NULL, atkjl = NULL;
	uint8_t *ipsucc = calloc(ib_agg_nstr(a, IB_S_IP) + 1, 1);
	uint8_t *attack = calloc(ib_agg_nstr(a, IB_S_IP) + 1, 1); /* by IP id: 1 attack, 2 campaign */
	uint8_t *other = calloc(ib_agg_nstr(a, IB_S_IP) + 1, 1);  /* by IP id: a refusal not of credentials */
	Word_t key;
	int rc = IB_OK, r1;
	struct ib_result *r = c->r;
	size_t cap = 0;

	c->usucc = calloc(ib_agg_nstr(a, IB_S_USER) + 1, 1);
	if (!ipsucc || !c->usucc || !attack || !other)
		goto oom;

	for (const struct ib_cell *cell = ib_an_first(c, &it); cell; cell = ib_an_next(c, &it)) {
		size_t i = it.i;

		if (ib_an_scope(c, i, cell) == IB_AN_OUT || cell->connection)
			continue;
		if (cell->category == IB_CAT_OK) {
			ipsucc[cell->ip] = 1;
			c->usucc[cell->user] = 1;
		} else if (is_refusal(cell->category) && cell->ip && cell->user) {
			if (Judy1Set(&ipuser, (Word_t)cell->ip << 32 | cell->user, PJE0) == JERR)
				goto oom;
			if (cell->category != IB_CAT_CREDENTIALS)
				other[cell->ip] = 1;
		}
	}
	/* ipuser iterates grouped by ip */
	key = 0;
	r1 = Judy1First(ipuser, &key, PJE0);
	while (r1 == 1) {
		Word_t ip = key >> 32;
		struct ib_attack_row x;

		memset(&x, 0, sizeof(x));
		do {
			x.users++;
			if (!c->usucc[key & 0xffffffffu])
				x.never_users++;
			r1 = Judy1Next(ipuser, &key, PJE0);
		} while (r1 == 1 && (key >> 32) == ip);
		if (ipsucc[ip] || trusted(c, ib_an_str(c, IB_S_IP, (uint32_t)ip)))
			continue;
		if (x.users >= cfg->attack_users) {
			x.rule = IB_ATTACK_MANY_USERS;
			x.min_users = cfg->attack_users;
		} else if (x.users >= cfg->attack_min_users &&
			   (double)x.never_users + IB_AN_EPS >= cfg->attack_ratio * (double)x.users) {
			x.rule = IB_ATTACK_NEVER_LOGGED_IN;
			x.min_users = cfg->attack_min_users;
			x.min_ratio = cfg->attack_ratio;
		} else {
			continue;
		}
		if (add_attack(c, &cap, &atkjl, ip, &x))
			goto oom;
		attack[ip] = 1;
	}
	if ((rc = find_campaign(c, ipuser, ipsucc, other, attack)) < 0)
		goto out;
	for (size_t i = 0; i < c->nfull; i++) {
		const struct ib_cell *cell = ib_an_cell(c, i, &(struct ib_cell){0});
		struct ib_attack_row *row;
		PWord_t pv;

		if (ib_an_scope(c, i, cell) == IB_AN_OUT || !cell->ip || !attack[cell->ip])
			continue;
		if (i < c->nfull) /* always: a success is never an attack's */
			c->scope[i] = IB_AN_ATTACK;
		r->attack_events += cell->count;
		if (attack[cell->ip] == 2) {
			struct ib_campaign_row *cr = &r->campaign;

			if (ib_category_is_failure(cell->category))
				cr->failures += cell->count;
			if (cr->first_ms == IB_TIME_NONE || cell->first_ms < cr->first_ms)
				cr->first_ms = cell->first_ms;
			if (cr->last_ms == IB_TIME_NONE || cell->last_ms > cr->last_ms)
				cr->last_ms = cell->last_ms;
			continue;
		}
		pv = (PWord_t)JudyLGet(atkjl, cell->ip, PJE0);
		row = &r->attacks[*pv];
		if (ib_category_is_failure(cell->category))
			row->failures += cell->count;
		else
			row->successes += cell->count;
		if (row->first_ms == IB_TIME_NONE || cell->first_ms < row->first_ms)
			row->first_ms = cell->first_ms;
		if (row->last_ms == IB_TIME_NONE || cell->last_ms > row->last_ms)
			row->last_ms = cell->last_ms;
	}
	goto out;
oom:
	rc = ib_an_nomem(c);
out:
	Judy1FreeArray(&ipuser, PJE0);
	free(ipsucc);
	free(attack);
	free(other);
	JudyLFreeArray(&atkjl, PJE0);
	return rc;
}

/*
 * Behind a proxy the server layer sees the proxy's address, never the
 * attacker's, and a proxy is never an attack source. The proxy layer has
 * the real address: a server-layer failure of user U in bucket b is the
 * attack's when the proxy layer logged failures of U within one bucket of
 * b and every one of them came from an attack source. It is then excluded
 * like the attack's own events (counted in attack_events).
 */
static int join_proxy_attacks(struct ib_an *c)
{
	const struct ib_agg *a = c->a;
	struct ib_agg_iter it;
	Pvoid_t seen = NULL;	/* (user << 32 | bucket - b0) -> 1 attack, 2 other */
	uint32_t *first = NULL; /* by IP id: the first user the server layer saw it for */
	uint8_t *shared = NULL; /* by IP id: 1 when the server layer saw it for >= 2 users */
	int rc = IB_OK;

	if (!c->r->nattacks)
		return IB_OK;
	shared = calloc(ib_agg_nstr(a, IB_S_IP) + 1, 1);
	first = calloc(ib_agg_nstr(a, IB_S_IP) + 1, sizeof(*first));
	if (!shared || !first)
		goto oom;
	/* the server layer's client addresses that carry several users: a
	 * proxy or front end; an address of one user is that user's own client */
	for (const struct ib_cell *cell = ib_an_first(c, &it); cell; cell = ib_an_next(c, &it)) {
		size_t i = it.i;

		if (ib_an_scope(c, i, cell) == IB_AN_OUT || cell->layer != IB_LAYER_SERVER || !cell->user ||
		    !cell->ip || cell->connection)
			continue;
		if (!first[cell->ip])
			first[cell->ip] = cell->user;
		else if (first[cell->ip] != cell->user)
			shared[cell->ip] = 1;
	}
	for (size_t i = 0; i < c->nfull; i++) {
		const struct ib_cell *cell = ib_an_cell(c, i, &(struct ib_cell){0});
		PWord_t pv;

		if (ib_an_scope(c, i, cell) == IB_AN_OUT || cell->layer != IB_LAYER_PROXY || !cell->user ||
		    cell->connection || !ib_category_is_failure(cell->category))
			continue;
		pv =
		    (PWord_t)JudyLIns(&seen, (Word_t)cell->user << 32 | (Word_t)(cell->bucket - c->b0), PJE0);
		if (pv == PJERR || !pv)
			goto oom;
		*pv |= ib_an_scope(c, i, cell) == IB_AN_ATTACK ? 1 : 2;
	}
	for (size_t i = 0; i < c->nfull && seen; i++) {
		const struct ib_cell *cell = ib_an_cell(c, i, &(struct ib_cell){0});
		Word_t bits = 0, off = (Word_t)(cell->bucket - c->b0);

		if (ib_an_scope(c, i, cell) != IB_AN_LIVE || cell->layer != IB_LAYER_SERVER || !cell->user ||
		    cell->connection || !ib_category_is_failure(cell->category) ||
		    (cell->ip && !shared[cell->ip]))
			continue;
		for (Word_t o = off ? off - 1 : 0; o <= off + 1; o++) {
			PWord_t pv = (PWord_t)JudyLGet(seen, (Word_t)cell->user << 32 | o, PJE0);

			if (pv)
				bits |= *pv;
		}
		if (bits == 1) {
			if (i < c->nfull) /* always: only failures get here */
				c->scope[i] = IB_AN_ATTACK;
			c->r->attack_events += cell->count;
		}
	}
	goto out;
oom:
	rc = ib_an_nomem(c);
out:
	JudyLFreeArray(&seen, PJE0);
	free(first);
	free(shared);
	return rc;
}

static int cmp_attack(const void *x, const void *y)
{
	return strcmp(((const struct ib_attack_row *)x)->ip, ((const struct ib_attack_row *)y)->ip);
}

int ib_an_attacks(struct ib_an *c)
{
	int rc;

	if ((rc = find_attacks(c)) < 0 || (rc = join_proxy_attacks(c)) < 0)
		return rc;
	if (c->r->nattacks)
		qsort(c->r->attacks, c->r->nattacks, sizeof(*c->r->attacks), cmp_attack);
	return IB_OK;
}
