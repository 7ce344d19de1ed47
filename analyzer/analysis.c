/*
 * analysis.c: the blast radius (DESIGN.md section 3, docs/method.md), from
 * the aggregator's cells: range, attack sources, the detection series and
 * window, the credentials rule, affected users, servers, layers, buckets,
 * signatures and recovery. Intermediate maps are Judy arrays; per-cell
 * flags are one byte per cell. Every order is by strings or times, never by
 * ids, so the same aggregate content gives the same result.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define JUDYERROR(CallerFile, CallerLine, JudyFunc, JudyErrno, JudyErrID) ((void)0)
#include <Judy.h>
#include "imapblast/analysis.h"
#include "imapblast/timeutil.h"

#define MAX_BUCKETS 1000000
#define EPS 1e-9

/* per-cell flags */
enum { F_RANGE = 1, F_ATTACK = 2, F_WIN = 4, F_OUTKIND = 8, F_UNVER = 16 };

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

struct sacc {
	uint32_t server;
	uint64_t attempts, successes, failures[IB_CAT_COUNT];
	uint64_t win_att, win_fail, base_att, base_fail;
	unsigned layers;
	int cred;
	uint64_t affected;
};

struct pacc {
	uint64_t win_att, win_cred, out_att, out_cred;
};

struct ctx {
	const struct ib_agg *a;
	const struct ib_config *cfg;
	struct ib_result *r;
	struct ib_error *err;
	int64_t B, b0;
	size_t nb;
	uint8_t *flag;
	uint8_t *usucc;	  /* by user id: 1 when the user has a success (ids are dense) */
	uint8_t *attack;  /* by IP id: 1 for an attack source */
	Pvoid_t credpair; /* Judy1: (server << 8 | layer) where the credentials rule holds */
	uint32_t *uix;	  /* user id -> index into u + 1, 0 = none (ids are dense) */
	struct uacc *u;
	size_t nu, ucap;
	Pvoid_t ubucket; /* Judy1: user << 32 | rel bucket */
	Pvoid_t userver; /* Judy1: user << 32 | server */
	Pvoid_t sjl;	 /* JudyL: server -> index into s */
	struct sacc *s;
	size_t ns, scap;
	Pvoid_t sjuser; /* Judy1: server << 32 | user (affected) */
	uint64_t *det_att, *det_fail;
};

static int nomem(struct ctx *c)
{
	return ib_error_set(c->err, IB_ERR_NOMEM, 0, NULL, 0, "out of memory");
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}

static char *xprintf(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

static char *xprintf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *s;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	s = malloc((size_t)n + 1);
	if (!s)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

static int j1set(Pvoid_t *arr, Word_t key)
{
	return Judy1Set(arr, key, PJE0) == JERR ? -1 : 0;
}

static int j1test(Pcvoid_t arr, Word_t key)
{
	return Judy1Test(arr, key, PJE0) == 1;
}

static int is_fail(unsigned cat)
{
	return cat >= IB_CAT_CREDENTIALS && cat < IB_CAT_COUNT;
}

static int is_refusal(unsigned cat)
{
	return cat == IB_CAT_CREDENTIALS || cat == IB_CAT_POLICY || cat == IB_CAT_OTHER;
}

static const char *fstr(const struct ctx *c, enum ib_strkind k, uint32_t id)
{
	return ib_agg_str(c->a, k, id);
}

/* Evidence order: time, then file path, then line. */
static int ev_before(const struct ctx *c, int64_t t1, uint32_t f1, uint64_t l1, int64_t t2, uint32_t f2,
		     uint64_t l2)
{
	int k;

	if (t1 != t2)
		return t1 < t2;
	k = strcmp(fstr(c, IB_S_FILE, f1), fstr(c, IB_S_FILE, f2));
	if (k)
		return k < 0;
	return l1 < l2;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

	return (a > b) - (a < b);
}

static int cmp_strp(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* ---- 1. range ---- */

static int in_range(const struct ctx *c, int64_t bucket)
{
	int64_t start;

	if (bucket > INT64_MAX / c->B || bucket < INT64_MIN / c->B + 1)
		return 0;
	start = bucket * c->B;
	if (c->cfg->since_ms != IB_TIME_NONE && start < c->cfg->since_ms)
		return 0;
	if (c->cfg->until_ms != IB_TIME_NONE && start >= c->cfg->until_ms)
		return 0;
	return 1;
}

/* ---- 2. attack sources ---- */

static int trusted(const struct ctx *c, const char *ip)
{
	for (const char *const *t = c->cfg->trusted_proxies; t && *t; t++)
		if (strcmp(*t, ip) == 0)
			return 1;
	return 0;
}

static int find_attacks(struct ctx *c)
{
	const struct ib_agg *a = c->a;
	size_t n = ib_agg_ncells(a);
	Pvoid_t ipuser = NULL, atkjl = NULL;
	uint8_t *ipsucc = calloc(ib_agg_nstr(a, IB_S_IP) + 1, 1);
	Word_t key;
	int rc = IB_OK, r1;
	struct ib_result *r = c->r;
	size_t cap = 0;

	c->usucc = calloc(ib_agg_nstr(a, IB_S_USER) + 1, 1);
	c->attack = calloc(ib_agg_nstr(a, IB_S_IP) + 1, 1);
	if (!ipsucc || !c->usucc || !c->attack)
		goto oom;

	for (size_t i = 0; i < n; i++) {
		const struct ib_cell *cell = ib_agg_cell(a, i);

		if (!(c->flag[i] & F_RANGE) || cell->connection)
			continue;
		if (cell->category == IB_CAT_OK) {
			ipsucc[cell->ip] = 1;
			c->usucc[cell->user] = 1;
		} else if (is_refusal(cell->category) && cell->ip && cell->user) {
			if (j1set(&ipuser, (Word_t)cell->ip << 32 | cell->user))
				goto oom;
		}
	}
	/* ipuser iterates grouped by ip */
	key = 0;
	r1 = Judy1First(ipuser, &key, PJE0);
	while (r1 == 1) {
		Word_t ip = key >> 32;
		uint64_t users = 0, never = 0;

		do {
			users++;
			if (!c->usucc[key & 0xffffffffu])
				never++;
			r1 = Judy1Next(ipuser, &key, PJE0);
		} while (r1 == 1 && (key >> 32) == ip);
		{
			const char *ips = fstr(c, IB_S_IP, (uint32_t)ip);
			char *reason = NULL;

			if (ipsucc[ip] || trusted(c, ips))
				continue;
			if (users >= c->cfg->attack_users) {
				reason = xprintf(
				    "failed for %llu distinct users, no success (>= %u, --attack-users)",
				    (unsigned long long)users, c->cfg->attack_users);
			} else if (users >= c->cfg->attack_min_users &&
				   (double)never + EPS >= c->cfg->attack_ratio * (double)users) {
				reason = xprintf(
				    "failed for %llu distinct users (>= %u, --attack-min-users), no "
				    "success, %llu of them (%.0f%%) never logged in anywhere (>= %.0f%%, "
				    "--attack-ratio)",
				    (unsigned long long)users, c->cfg->attack_min_users,
				    (unsigned long long)never, 100.0 * (double)never / (double)users,
				    100.0 * c->cfg->attack_ratio);
			} else {
				continue;
			}
			if (!reason ||
			    ib_grow((void **)&r->attacks, &cap, r->nattacks + 1, sizeof(*r->attacks)))
				goto oom_reason;
			memset(&r->attacks[r->nattacks], 0, sizeof(*r->attacks));
			r->attacks[r->nattacks].reason = reason;
			r->attacks[r->nattacks].users = users;
			r->attacks[r->nattacks].first_ms = IB_TIME_NONE;
			r->attacks[r->nattacks].last_ms = IB_TIME_NONE;
			r->attacks[r->nattacks].ip = xstrdup(ips);
			r->nattacks++;
			if (!r->attacks[r->nattacks - 1].ip)
				goto oom;
			c->attack[ip] = 1;
			{
				PWord_t pv = (PWord_t)JudyLIns(&atkjl, ip, PJE0);

				if (pv == PJERR || !pv)
					goto oom;
				*pv = r->nattacks - 1;
			}
			continue;
		oom_reason:
			free(reason);
			goto oom;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct ib_cell *cell = ib_agg_cell(a, i);
		struct ib_attack_row *row;
		PWord_t pv;

		if (!(c->flag[i] & F_RANGE) || !cell->ip || !c->attack[cell->ip])
			continue;
		c->flag[i] |= F_ATTACK;
		pv = (PWord_t)JudyLGet(atkjl, cell->ip, PJE0);
		row = &r->attacks[*pv];
		r->attack_events += cell->count;
		if (is_fail(cell->category))
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
	rc = nomem(c);
out:
	Judy1FreeArray(&ipuser, PJE0);
	free(ipsucc);
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
static int join_proxy_attacks(struct ctx *c)
{
	const struct ib_agg *a = c->a;
	size_t n = ib_agg_ncells(a);
	Pvoid_t seen = NULL; /* (user << 32 | bucket - b0) -> 1 attack, 2 other */
	int rc = IB_OK;

	if (!c->r->nattacks)
		return IB_OK;
	for (size_t i = 0; i < n; i++) {
		const struct ib_cell *cell = ib_agg_cell(a, i);
		PWord_t pv;

		if (!(c->flag[i] & F_RANGE) || cell->layer != IB_LAYER_PROXY || !cell->user ||
		    cell->connection || !is_fail(cell->category))
			continue;
		pv =
		    (PWord_t)JudyLIns(&seen, (Word_t)cell->user << 32 | (Word_t)(cell->bucket - c->b0), PJE0);
		if (pv == PJERR || !pv)
			goto oom;
		*pv |= (c->flag[i] & F_ATTACK) ? 1 : 2;
	}
	for (size_t i = 0; i < n && seen; i++) {
		const struct ib_cell *cell = ib_agg_cell(a, i);
		Word_t bits = 0, off = (Word_t)(cell->bucket - c->b0);

		if ((c->flag[i] & (F_RANGE | F_ATTACK)) != F_RANGE || cell->layer != IB_LAYER_SERVER ||
		    !cell->user || cell->connection || !is_fail(cell->category))
			continue;
		for (Word_t o = off ? off - 1 : 0; o <= off + 1; o++) {
			PWord_t pv = (PWord_t)JudyLGet(seen, (Word_t)cell->user << 32 | o, PJE0);

			if (pv)
				bits |= *pv;
		}
		if (bits == 1) {
			c->flag[i] |= F_ATTACK;
			c->r->attack_events += cell->count;
		}
	}
	goto out;
oom:
	rc = nomem(c);
out:
	JudyLFreeArray(&seen, PJE0);
	return rc;
}

static int cmp_attack(const void *x, const void *y)
{
	return strcmp(((const struct ib_attack_row *)x)->ip, ((const struct ib_attack_row *)y)->ip);
}

/* ---- 3. detection series and window ---- */

static int live(const struct ctx *c, size_t i)
{
	return (c->flag[i] & (F_RANGE | F_ATTACK)) == F_RANGE;
}

static int detect_window(struct ctx *c)
{
	const struct ib_config *cfg = c->cfg;
	struct ib_result *r = c->r;
	size_t n = ib_agg_ncells(c->a), nrates = 0;
	double *rates = NULL, base = 0;
	uint64_t total_fail = 0;
	int64_t best_s = -1, best_e = -1, cur_s = -1, last_hot = -1;
	uint64_t best_f = 0, cur_f = 0;
	char ws[32], we[32];

	for (size_t i = 0; i < n; i++) {
		const struct ib_cell *cell = ib_agg_cell(c->a, i);
		size_t rel;

		if (!live(c, i) || cell->connection)
			continue;
		rel = (size_t)(cell->bucket - c->b0);
		c->det_att[rel] += cell->count;
		if (cell->category == IB_CAT_CREDENTIALS || cell->category == IB_CAT_TEMPORARY ||
		    cell->category == IB_CAT_TIMEOUT)
			c->det_fail[rel] += cell->count;
	}
	rates = malloc((c->nb ? c->nb : 1) * sizeof(double));
	if (!rates)
		return nomem(c);
	for (size_t b = 0; b < c->nb; b++) {
		r->buckets[b].rate = c->det_att[b] ? (double)c->det_fail[b] / (double)c->det_att[b] : 0.0;
		if (c->det_att[b])
			rates[nrates++] = r->buckets[b].rate;
		total_fail += c->det_fail[b];
	}
	if (nrates) {
		qsort(rates, nrates, sizeof(double), cmp_double);
		base = nrates % 2 ? rates[nrates / 2] : (rates[nrates / 2 - 1] + rates[nrates / 2]) / 2;
	}
	free(rates);

	if (cfg->window_start_ms != IB_TIME_NONE) {
		int64_t s = cfg->window_start_ms, e = cfg->window_end_ms;
		int64_t as = s - ((s % c->B) + c->B) % c->B, ae = e - ((e % c->B) + c->B) % c->B;

		if (ae != e)
			ae += c->B;
		r->window_source = IB_WIN_GIVEN;
		r->window_start_ms = as;
		r->window_end_ms = ae;
		ib_time_format(s, ws, sizeof(ws));
		ib_time_format(e, we, sizeof(we));
		if (as != s || ae != e) {
			char ws2[32], we2[32];

			ib_time_format(as, ws2, sizeof(ws2));
			ib_time_format(ae, we2, sizeof(we2));
			r->window_rule = xprintf(
			    "given: --window %s..%s, widened to bucket boundaries %s..%s", ws, we, ws2, we2);
		} else {
			r->window_rule = xprintf("given: --window %s..%s", ws, we);
		}
		return r->window_rule ? IB_OK : nomem(c);
	}
	if (total_fail == 0) {
		r->window_rule = xstrdup("none: no credentials, temporary or timeout failures in range "
					 "(attack sources excluded)");
		return r->window_rule ? IB_OK : nomem(c);
	}
	for (size_t b = 0; b < c->nb; b++) {
		double rate = r->buckets[b].rate;
		int hot = c->det_att[b] && rate + EPS >= cfg->window_factor * base &&
			  rate + EPS >= base + cfg->window_min_rate &&
			  c->det_fail[b] >= cfg->window_min_failures;

		if (!hot)
			continue;
		if (cur_s >= 0 && (int64_t)b - last_hot - 1 <= (int64_t)cfg->window_gap) {
			for (int64_t k = last_hot + 1; k <= (int64_t)b; k++)
				cur_f += c->det_fail[k];
		} else {
			if (cur_s >= 0 && cur_f > best_f) {
				best_f = cur_f;
				best_s = cur_s;
				best_e = last_hot;
			}
			cur_s = (int64_t)b;
			cur_f = c->det_fail[b];
		}
		last_hot = (int64_t)b;
	}
	if (cur_s >= 0 && cur_f > best_f) {
		best_f = cur_f;
		best_s = cur_s;
		best_e = last_hot;
	}
	{
		char *rule =
		    xprintf("buckets whose failure rate was >= %.1fx the baseline (median %.1f%%) and >= "
			    "baseline + %.1f points, with >= %u failures, merged across gaps of <= %u "
			    "buckets; attack sources excluded",
			    cfg->window_factor, 100.0 * base, 100.0 * cfg->window_min_rate,
			    cfg->window_min_failures, cfg->window_gap);

		if (!rule)
			return nomem(c);
		r->window_rule =
		    xprintf("%s: %s", best_s >= 0 ? "detected" : "none: no bucket qualified", rule);
		free(rule);
		if (!r->window_rule)
			return nomem(c);
	}
	if (best_s >= 0) {
		r->window_source = IB_WIN_DETECTED;
		r->window_start_ms = (c->b0 + best_s) * c->B;
		r->window_end_ms = (c->b0 + best_e + 1) * c->B;
	}
	return IB_OK;
}

/* ---- 4. the credentials rule ---- */

static int cred_rule(struct ctx *c)
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

		if (!live(c, i) || cell->connection)
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
		if (c->flag[i] & F_WIN) {
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
			if (in + EPS >= c->cfg->cred_factor * out &&
			    in + EPS >= out + c->cfg->window_min_rate && j1set(&c->credpair, key))
				goto oom;
		}
		pv = (PWord_t)JudyLNext(pjl, &key, PJE0);
	}
	goto out;
oom:
	rc = nomem(c);
out:
	JudyLFreeArray(&pjl, PJE0);
	free(p);
	return rc;
}

/* Would this cell's failures count as outage failures inside the window? */
static int outage_kind(const struct ctx *c, const struct ib_cell *cell)
{
	if (cell->category == IB_CAT_TEMPORARY || cell->category == IB_CAT_TIMEOUT)
		return 1;
	return cell->category == IB_CAT_CREDENTIALS && !cell->connection && cell->user &&
	       j1test(c->credpair, (Word_t)cell->server << 8 | cell->layer) && c->usucc[cell->user];
}

/* ---- 5. affected users ---- */

static struct uacc *uget(struct ctx *c, uint32_t user, int create)
{
	if (!c->uix) {
		if (!create)
			return NULL;
		c->uix = calloc(ib_agg_nstr(c->a, IB_S_USER) + 1, sizeof(*c->uix));
		if (!c->uix)
			return NULL;
	}
	if (!c->uix[user]) {
		if (!create)
			return NULL;
		if (ib_grow((void **)&c->u, &c->ucap, c->nu + 1, sizeof(*c->u)))
			return NULL;
		memset(&c->u[c->nu], 0, sizeof(*c->u));
		c->u[c->nu].user = user;
		c->u[c->nu].first = IB_TIME_NONE;
		c->u[c->nu].last = IB_TIME_NONE;
		c->u[c->nu].recovered = IB_TIME_NONE;
		c->uix[user] = (uint32_t)++c->nu;
	}
	return &c->u[c->uix[user] - 1];
}

static uint64_t max3(const uint64_t *v)
{
	uint64_t m = v[0];

	for (int i = 1; i < IB_LAYER_COUNT; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

static int users_pass(struct ctx *c)
{
	size_t n = ib_agg_ncells(c->a);
	struct ib_result *r = c->r;

	for (size_t i = 0; i < n; i++) {
		const struct ib_cell *cell = ib_agg_cell(c->a, i);
		struct uacc *u;
		size_t rel;

		if (!(c->flag[i] & F_OUTKIND) || !(c->flag[i] & F_WIN) || cell->connection)
			continue;
		rel = (size_t)(cell->bucket - c->b0);
		r->outage_failures += cell->count;
		r->buckets[rel].outage_failures += cell->count;
		r->layers[cell->layer].win_failures += cell->count;
		if (!cell->user)
			continue;
		u = uget(c, cell->user, 1);
		if (!u)
			return nomem(c);
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
		if (j1set(&c->ubucket, (Word_t)cell->user << 32 | rel) ||
		    (cell->server && j1set(&c->userver, (Word_t)cell->user << 32 | cell->server)) ||
		    (cell->server && j1set(&c->sjuser, (Word_t)cell->server << 32 | cell->user)))
			return nomem(c);
	}
	/* successes: in-window counts, recovery, intermittent */
	for (size_t i = 0; i < n; i++) {
		const struct ib_cell *cell = ib_agg_cell(c->a, i);
		struct uacc *u;
		int64_t cand = IB_TIME_NONE;

		if (!live(c, i) || cell->connection || cell->category != IB_CAT_OK || !cell->user)
			continue;
		u = uget(c, cell->user, 0);
		if (!u)
			continue;
		if (c->flag[i] & F_WIN) {
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
	return IB_OK;
}

/* Join the names of the set bits of mask, sorted by name. */
static char *join_mask(unsigned mask, int layers)
{
	const char *names[IB_CAT_COUNT];
	size_t k = 0, len = 1;
	char *s, *p;

	for (unsigned i = 0; i < (layers ? (unsigned)IB_LAYER_COUNT : (unsigned)IB_CAT_COUNT); i++)
		if (mask & (1u << i))
			names[k++] =
			    layers ? ib_layer_name((enum ib_layer)i) : ib_category_name((enum ib_category)i);
	qsort(names, k, sizeof(names[0]), cmp_strp);
	for (size_t i = 0; i < k; i++)
		len += strlen(names[i]) + 1;
	s = p = malloc(len);
	if (!s)
		return NULL;
	*p = '\0';
	for (size_t i = 0; i < k; i++) {
		size_t l = strlen(names[i]);

		if (i)
			*p++ = ';';
		memcpy(p, names[i], l + 1);
		p += l;
	}
	return s;
}

/* The servers of a user's outage failures, sorted, ';'-joined. */
static char *join_servers(struct ctx *c, uint32_t user)
{
	Word_t key = (Word_t)user << 32;
	const char **names = NULL;
	size_t k = 0, cap = 0, len = 1;
	char *s = NULL, *p;
	int r1 = Judy1First(c->userver, &key, PJE0);

	while (r1 == 1 && (key >> 32) == user) {
		if (ib_grow((void **)&names, &cap, k + 1, sizeof(*names)))
			goto out;
		names[k] = fstr(c, IB_S_SERVER, (uint32_t)(key & 0xffffffffu));
		len += strlen(names[k]) + 1;
		k++;
		r1 = Judy1Next(c->userver, &key, PJE0);
	}
	if (k)
		qsort(names, k, sizeof(*names), cmp_strp);
	s = p = malloc(len);
	if (!s)
		goto out;
	*p = '\0';
	for (size_t i = 0; i < k; i++) {
		size_t l = strlen(names[i]);

		if (i)
			*p++ = ';';
		memcpy(p, names[i], l + 1);
		p += l;
	}
out:
	free(names);
	return s;
}

static int cmp_user_row(const void *x, const void *y)
{
	return strcmp(((const struct ib_user_row *)x)->user, ((const struct ib_user_row *)y)->user);
}

static int build_users(struct ctx *c)
{
	struct ib_result *r = c->r;
	Word_t key = 0;
	int r1;
	int64_t *ttr = NULL;
	size_t nttr = 0;

	/* distinct buckets per user and affected users per bucket */
	r1 = Judy1First(c->ubucket, &key, PJE0);
	while (r1 == 1) {
		struct uacc *u = uget(c, (uint32_t)(key >> 32), 0);

		u->nbuckets++;
		r->buckets[key & 0xffffffffu].affected_users++;
		r1 = Judy1Next(c->ubucket, &key, PJE0);
	}
	if (c->nu) {
		r->users = calloc(c->nu, sizeof(*r->users));
		ttr = malloc(c->nu * sizeof(*ttr));
		if (!r->users || !ttr) {
			free(ttr);
			return nomem(c);
		}
	}
	for (size_t i = 0; i < c->nu; i++) {
		struct uacc *u = &c->u[i];
		struct ib_user_row *row = &r->users[r->nusers++];
		uint64_t f = max3(u->fail);

		row->user = xstrdup(fstr(c, IB_S_USER, u->user));
		row->first_failure_ms = u->first;
		row->last_failure_ms = u->last;
		row->failures = f;
		row->successes = max3(u->succ);
		row->impacted_minutes = u->nbuckets * (uint64_t)c->B / 60000;
		row->recovered_at_ms = u->recovered;
		row->servers = join_servers(c, u->user);
		row->layers = join_mask(u->layers, 1);
		row->categories = join_mask(u->cats, 0);
		row->evidence =
		    xprintf("%s:%llu", fstr(c, IB_S_FILE, u->ffile), (unsigned long long)u->fline);
		row->intermittent = u->intermittent;
		if (!row->user || !row->servers || !row->layers || !row->categories || !row->evidence) {
			free(ttr);
			return nomem(c);
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
			r->retries_hist[f <= 1 ? 0 : f <= 3 ? 1 : f <= 10 ? 2 : f <= 100 ? 3 : 4]++;
		}
	}
	r->affected_users = r->nusers;
	if (r->nusers)
		qsort(r->users, r->nusers, sizeof(*r->users), cmp_user_row);
	r->ttr_median_ms = r->ttr_p90_ms = r->ttr_max_ms = IB_TIME_NONE;
	if (nttr) {
		size_t rank = (nttr * 9 + 9) / 10; /* ceil(0.9 n) */

		qsort(ttr, nttr, sizeof(*ttr), cmp_i64);
		r->ttr_median_ms =
		    nttr % 2 ? ttr[nttr / 2] : ttr[nttr / 2 - 1] + (ttr[nttr / 2] - ttr[nttr / 2 - 1]) / 2;
		r->ttr_p90_ms = ttr[rank - 1];
		r->ttr_max_ms = ttr[nttr - 1];
	}
	free(ttr);
	/* peak bucket */
	r->peak_bucket_ms = IB_TIME_NONE;
	for (size_t b = 0; b < c->nb; b++)
		if (r->buckets[b].affected_users > r->peak_users) {
			r->peak_users = r->buckets[b].affected_users;
			r->peak_bucket_ms = r->buckets[b].start_ms;
		}
	return IB_OK;
}

static int cmp_unver(const void *x, const void *y)
{
	return strcmp(((const struct ib_unverified_row *)x)->user,
		      ((const struct ib_unverified_row *)y)->user);
}

static int build_unverified(struct ctx *c)
{
	size_t n = ib_agg_ncells(c->a), cap = 0;
	Pvoid_t ul = NULL; /* JudyL: user << 2 | layer -> failures */
	struct ib_result *r = c->r;
	Word_t key = 0;
	PWord_t pv;
	int rc = IB_OK;

	for (size_t i = 0; i < n; i++) {
		const struct ib_cell *cell = ib_agg_cell(c->a, i);

		if (!(c->flag[i] & F_UNVER) || uget(c, cell->user, 0))
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
		row->failures = m;
		row->user = xstrdup(fstr(c, IB_S_USER, (uint32_t)user));
		row->reason =
		    xprintf("%llu credentials failures in the window on a server whose credentials "
			    "failure rate spiked (--cred-factor %.1f), but no successful login anywhere "
			    "to prove the password",
			    (unsigned long long)m, c->cfg->cred_factor);
		if (!row->user || !row->reason)
			goto oom;
	}
	if (r->nunverified)
		qsort(r->unverified, r->nunverified, sizeof(*r->unverified), cmp_unver);
	goto out;
oom:
	rc = nomem(c);
out:
	JudyLFreeArray(&ul, PJE0);
	return rc;
}

/* ---- 6. servers, 7. layers, buckets, signatures ---- */

static int cmp_server_row(const void *x, const void *y)
{
	const struct ib_server_row *a = x, *b = y;

	if (a->flagged != b->flagged)
		return b->flagged - a->flagged;
	return strcmp(a->server, b->server);
}

static int build_servers(struct ctx *c)
{
	size_t n = ib_agg_ncells(c->a);
	struct ib_result *r = c->r;
	uint64_t tot_att = 0, tot_fail = 0;
	Word_t key;
	int r1;

	for (size_t i = 0; i < n; i++) {
		const struct ib_cell *cell = ib_agg_cell(c->a, i);
		struct sacc *s;
		PWord_t pv;

		if (!live(c, i) || !cell->server)
			continue;
		pv = (PWord_t)JudyLIns(&c->sjl, cell->server, PJE0);
		if (pv == PJERR || !pv)
			return nomem(c);
		if (!*pv) {
			if (ib_grow((void **)&c->s, &c->scap, c->ns + 1, sizeof(*c->s)))
				return nomem(c);
			memset(&c->s[c->ns], 0, sizeof(*c->s));
			c->s[c->ns].server = cell->server;
			*pv = ++c->ns;
		}
		s = &c->s[*pv - 1];
		s->attempts += cell->count;
		if (cell->category == IB_CAT_OK)
			s->successes += cell->count;
		else
			s->failures[cell->category] += cell->count;
		s->layers |= 1u << cell->layer;
		if (j1test(c->credpair, (Word_t)cell->server << 8 | cell->layer))
			s->cred = 1;
		if (c->flag[i] & F_WIN) {
			s->win_att += cell->count;
			if (c->flag[i] & F_OUTKIND)
				s->win_fail += cell->count;
		} else {
			s->base_att += cell->count;
			if (c->flag[i] & F_OUTKIND)
				s->base_fail += cell->count;
		}
	}
	key = 0;
	r1 = Judy1First(c->sjuser, &key, PJE0);
	while (r1 == 1) {
		PWord_t pv = (PWord_t)JudyLGet(c->sjl, key >> 32, PJE0);

		if (pv)
			c->s[*pv - 1].affected++;
		r1 = Judy1Next(c->sjuser, &key, PJE0);
	}
	for (size_t i = 0; i < c->ns; i++) {
		tot_att += c->s[i].win_att;
		tot_fail += c->s[i].win_fail;
	}
	if (c->ns) {
		r->servers = calloc(c->ns, sizeof(*r->servers));
		if (!r->servers)
			return nomem(c);
	}
	for (size_t i = 0; i < c->ns; i++) {
		const struct sacc *s = &c->s[i];
		struct ib_server_row *row = &r->servers[r->nservers++];
		uint64_t oa = tot_att - s->win_att, of = tot_fail - s->win_fail;

		row->server = xstrdup(fstr(c, IB_S_SERVER, s->server));
		row->layers = join_mask(s->layers, 1);
		if (!row->server || !row->layers)
			return nomem(c);
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
			       row->win_rate + EPS >= c->cfg->server_factor * row->fleet_rate &&
			       row->win_rate + EPS >= row->fleet_rate + c->cfg->window_min_rate &&
			       s->win_fail >= c->cfg->window_min_failures;
	}
	if (r->nservers)
		qsort(r->servers, r->nservers, sizeof(*r->servers), cmp_server_row);
	return IB_OK;
}

static void build_layers_buckets(struct ctx *c)
{
	size_t n = ib_agg_ncells(c->a);
	struct ib_result *r = c->r;

	for (size_t i = 0; i < n; i++) {
		const struct ib_cell *cell = ib_agg_cell(c->a, i);
		struct ib_layer_row *l = &r->layers[cell->layer];
		struct ib_bucket_row *b;

		if (!(c->flag[i] & F_RANGE))
			continue;
		l->present = 1;
		if (!live(c, i) || cell->connection)
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
		if (c->flag[i] & F_WIN)
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

static int build_sigs(struct ctx *c)
{
	size_t n = ib_agg_ncells(c->a), cap = 0;
	Pvoid_t cnt = NULL, win = NULL; /* JudyL: sig << 8 | category */
	struct ib_result *r = c->r;
	Word_t key = 0;
	PWord_t pv;
	int rc = IB_OK;

	for (size_t i = 0; i < n; i++) {
		const struct ib_cell *cell = ib_agg_cell(c->a, i);
		Word_t k = (Word_t)cell->signature << 8 | cell->category;

		if (!live(c, i) || !cell->signature)
			continue;
		pv = (PWord_t)JudyLIns(&cnt, k, PJE0);
		if (pv == PJERR || !pv)
			goto oom;
		*pv += cell->count;
		if (c->flag[i] & F_WIN) {
			pv = (PWord_t)JudyLIns(&win, k, PJE0);
			if (pv == PJERR || !pv)
				goto oom;
			*pv += cell->count;
		}
	}
	pv = (PWord_t)JudyLFirst(cnt, &key, PJE0);
	while (pv) {
		Word_t sig = key >> 8;
		uint64_t best = 0, total = 0, inwin = 0;
		unsigned cat = IB_CAT_NONE;
		struct ib_sig_row *row;

		while (pv && (key >> 8) == sig) {
			PWord_t w = (PWord_t)JudyLGet(win, key, PJE0);

			if (*pv > best) {
				best = *pv;
				cat = (unsigned)(key & 0xff);
			}
			total += *pv;
			inwin += w ? *w : 0;
			pv = (PWord_t)JudyLNext(cnt, &key, PJE0);
		}
		if (ib_grow((void **)&r->sigs, &cap, r->nsigs + 1, sizeof(*row)))
			goto oom;
		row = &r->sigs[r->nsigs++];
		row->name = xstrdup(fstr(c, IB_S_SIG, (uint32_t)sig));
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
	rc = nomem(c);
out:
	JudyLFreeArray(&cnt, PJE0);
	JudyLFreeArray(&win, PJE0);
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

static int build_quality(struct ctx *c)
{
	const struct ib_agg *a = c->a;
	struct ib_result *r = c->r;
	size_t nf = ib_agg_nstr(a, IB_S_FILE), nr = ib_agg_nreasons(a), ne = ib_agg_nerrors(a);

	if (nf > 1 && !(r->files = calloc(nf - 1, sizeof(*r->files))))
		return nomem(c);
	for (uint32_t i = 1; i < nf; i++) {
		const struct ib_file_counts *fc = ib_agg_file_get(a, i);
		struct ib_file_row *row = &r->files[r->nfiles++];

		row->path = xstrdup(fstr(c, IB_S_FILE, i));
		row->format = xstrdup(fc->format ? fc->format : "");
		if (!row->path || !row->format)
			return nomem(c);
		row->c = *fc;
		row->c.format = row->format;
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
		return nomem(c);
	for (size_t i = 0; i < nr; i++) {
		struct ib_reason x;
		struct ib_reason_row *row = &r->reasons[r->nreasons++];

		ib_agg_reason_get(a, i, &x);
		row->reason = xstrdup(x.reason);
		row->count = x.count;
		row->sample = xprintf("%s:%llu", fstr(c, IB_S_FILE, x.file), (unsigned long long)x.line);
		if (!row->reason || !row->sample)
			return nomem(c);
	}
	if (r->nreasons)
		qsort(r->reasons, r->nreasons, sizeof(*r->reasons), cmp_reason);
	if (ne && !(r->errors = calloc(ne, sizeof(*r->errors))))
		return nomem(c);
	for (size_t i = 0; i < ne; i++) {
		const struct ib_error *e = ib_agg_error(a, i);
		struct ib_input_error *row = &r->errors[r->nerrors++];

		row->path = xstrdup(e->path);
		row->offset = e->offset;
		row->reason = xstrdup(e->msg);
		if (!row->path || !row->reason)
			return nomem(c);
	}
	if (r->nerrors)
		qsort(r->errors, r->nerrors, sizeof(*r->errors), cmp_err);
	return IB_OK;
}

/* ---- driver ---- */

/* Widen the data range (times and buckets [b0, *b1]) to take in cell. */
static void widen_range(struct ctx *c, const struct ib_cell *cell, int *any, int64_t *b1)
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
static int trim_outliers(struct ctx *c, int64_t *b1)
{
	const struct ib_agg *a = c->a;
	struct ib_result *r = c->r;
	size_t n = ib_agg_ncells(a), m = 0;
	struct bcount *v = malloc((n ? n : 1) * sizeof(*v));
	uint64_t total = 0, acc = 0;
	int64_t med = 0, lo;
	int any = 0;

	if (!v)
		return nomem(c);
	for (size_t i = 0; i < n; i++)
		if (c->flag[i] & F_RANGE) {
			v[m].bucket = ib_agg_cell(a, i)->bucket;
			v[m].count = ib_agg_cell(a, i)->count;
			total += v[m++].count;
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
	for (size_t i = 0; i < n; i++) {
		const struct ib_cell *cell = ib_agg_cell(a, i);

		if (!(c->flag[i] & F_RANGE))
			continue;
		if (cell->bucket < lo || cell->bucket >= lo + MAX_BUCKETS) {
			c->flag[i] = 0;
			r->outlier_events += cell->count;
			r->events -= cell->count;
			continue;
		}
		widen_range(c, cell, &any, b1);
	}
	return IB_OK;
}

static int run(struct ctx *c)
{
	const struct ib_agg *a = c->a;
	struct ib_result *r = c->r;
	size_t n = ib_agg_ncells(a);
	int64_t b1 = 0;
	int any = 0, rc;

	r->bucket_ms = c->B;
	r->window_start_ms = r->window_end_ms = IB_TIME_NONE;
	r->range_start_ms = r->range_end_ms = IB_TIME_NONE;
	r->peak_bucket_ms = IB_TIME_NONE;
	r->ttr_median_ms = r->ttr_p90_ms = r->ttr_max_ms = IB_TIME_NONE;
	if ((c->cfg->window_start_ms == IB_TIME_NONE) != (c->cfg->window_end_ms == IB_TIME_NONE) ||
	    (c->cfg->window_start_ms != IB_TIME_NONE && c->cfg->window_start_ms >= c->cfg->window_end_ms))
		return ib_error_set(c->err, IB_ERR_USAGE, 0, NULL, 0,
				    "the window needs a start before its end");
	if ((rc = build_quality(c)) < 0)
		return rc;
	c->flag = calloc(n ? n : 1, 1);
	if (!c->flag)
		return nomem(c);
	for (size_t i = 0; i < n; i++) {
		const struct ib_cell *cell = ib_agg_cell(a, i);

		if (!in_range(c, cell->bucket))
			continue;
		c->flag[i] = F_RANGE;
		r->events += cell->count;
		widen_range(c, cell, &any, &b1);
	}
	if (!any) {
		r->window_rule =
		    xstrdup(c->cfg->window_start_ms != IB_TIME_NONE ? "given: no events in range"
								    : "none: no events in range");
		if (c->cfg->window_start_ms != IB_TIME_NONE) {
			r->window_source = IB_WIN_GIVEN;
			r->window_start_ms = c->cfg->window_start_ms;
			r->window_end_ms = c->cfg->window_end_ms;
		}
		return r->window_rule ? IB_OK : nomem(c);
	}
	if ((uint64_t)(b1 - c->b0) >= MAX_BUCKETS && (rc = trim_outliers(c, &b1)) < 0)
		return rc;
	c->nb = (size_t)(b1 - c->b0) + 1;
	r->buckets = calloc(c->nb, sizeof(*r->buckets));
	c->det_att = calloc(c->nb, sizeof(uint64_t));
	c->det_fail = calloc(c->nb, sizeof(uint64_t));
	if (!r->buckets || !c->det_att || !c->det_fail)
		return nomem(c);
	r->nbuckets = c->nb;
	for (size_t b = 0; b < c->nb; b++)
		r->buckets[b].start_ms = (c->b0 + (int64_t)b) * c->B;

	if ((rc = find_attacks(c)) < 0 || (rc = join_proxy_attacks(c)) < 0)
		return rc;
	if (r->nattacks)
		qsort(r->attacks, r->nattacks, sizeof(*r->attacks), cmp_attack);
	if ((rc = detect_window(c)) < 0)
		return rc;
	for (size_t b = 0; b < c->nb; b++)
		r->buckets[b].in_window = r->window_source != IB_WIN_NONE &&
					  r->buckets[b].start_ms >= r->window_start_ms &&
					  r->buckets[b].start_ms < r->window_end_ms;
	for (size_t i = 0; i < n; i++) {
		const struct ib_cell *cell = ib_agg_cell(a, i);

		if ((c->flag[i] & F_RANGE) && r->buckets[cell->bucket - c->b0].in_window)
			c->flag[i] |= F_WIN;
	}
	if ((rc = cred_rule(c)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		const struct ib_cell *cell = ib_agg_cell(a, i);

		if (!live(c, i) || !is_fail(cell->category))
			continue;
		if (outage_kind(c, cell))
			c->flag[i] |= F_OUTKIND;
		else if ((c->flag[i] & F_WIN) && cell->category == IB_CAT_CREDENTIALS && cell->user &&
			 !cell->connection && j1test(c->credpair, (Word_t)cell->server << 8 | cell->layer))
			c->flag[i] |= F_UNVER;
	}
	if ((rc = users_pass(c)) < 0 || (rc = build_users(c)) < 0 || (rc = build_unverified(c)) < 0 ||
	    (rc = build_servers(c)) < 0 || (rc = build_sigs(c)) < 0)
		return rc;
	build_layers_buckets(c);
	return IB_OK;
}

int ib_analyze(const struct ib_agg *a, const struct ib_config *cfg, struct ib_result **out,
	       struct ib_error *err)
{
	struct ctx c;
	int rc;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.a = a;
	c.cfg = cfg;
	c.err = err;
	c.B = ib_agg_bucket_ms(a);
	c.r = calloc(1, sizeof(*c.r));
	if (!c.r)
		return ib_error_set(err, IB_ERR_NOMEM, 0, NULL, 0, "out of memory");
	rc = run(&c);
	free(c.flag);
	free(c.det_att);
	free(c.det_fail);
	free(c.u);
	free(c.s);
	free(c.usucc);
	free(c.attack);
	Judy1FreeArray(&c.credpair, PJE0);
	free(c.uix);
	Judy1FreeArray(&c.ubucket, PJE0);
	Judy1FreeArray(&c.userver, PJE0);
	JudyLFreeArray(&c.sjl, PJE0);
	Judy1FreeArray(&c.sjuser, PJE0);
	if (rc < 0) {
		ib_result_free(c.r);
		return rc;
	}
	*out = c.r;
	return IB_OK;
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
	for (size_t i = 0; i < r->nunverified; i++) {
		free(r->unverified[i].user);
		free(r->unverified[i].reason);
	}
	free(r->unverified);
	for (size_t i = 0; i < r->nservers; i++) {
		free(r->servers[i].server);
		free(r->servers[i].layers);
	}
	free(r->servers);
	free(r->buckets);
	for (size_t i = 0; i < r->nsigs; i++)
		free(r->sigs[i].name);
	free(r->sigs);
	for (size_t i = 0; i < r->nfiles; i++) {
		free(r->files[i].path);
		free(r->files[i].format);
	}
	free(r->files);
	for (size_t i = 0; i < r->nreasons; i++) {
		free(r->reasons[i].reason);
		free(r->reasons[i].sample);
	}
	free(r->reasons);
	for (size_t i = 0; i < r->nerrors; i++) {
		free(r->errors[i].path);
		free(r->errors[i].reason);
	}
	free(r->errors);
	free(r);
}
