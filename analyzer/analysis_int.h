/*
 * analysis_int.h: the analysis's private structures, shared by its files
 * (in the spirit of SQLite's vdbeInt.h). The driver (analysis.c) runs the
 * phases in the order below on one struct ib_an; each phase's contract says
 * which fields it reads and which it sets, and a phase reads only what an
 * earlier phase set. Files: analysis.c (driver, range), analysis_attack.c
 * (attack sources, spray campaigns), analysis_pairs.c (persistent and stale
 * (user, address) pairs, the identity provider's verdict),
 * analysis_window.c (pure window functions, series, credentials rule),
 * analysis_users.c, analysis_tables.c (tables, log gaps), analysis_text.c
 * (words, leaf).
 */
#ifndef IMAPBLAST_ANALYSIS_INT_H
#define IMAPBLAST_ANALYSIS_INT_H

#include <stdint.h>
#include "judy_int.h" /* the analysis calls Judy's functions with PJE0 and checks JERR */
#include "imapblast/analysis.h"

#define IB_AN_EPS 1e-9

/* Per cell: where it stands. The driver sets OUT or LIVE, the attack phase
 * turns LIVE into ATTACK. Only LIVE cells count in the blast radius. */
enum ib_an_scope { IB_AN_OUT = 0, IB_AN_LIVE = 1, IB_AN_ATTACK = 2 };

/* Per live failure cell: what its failures count as (the credentials rule). */
enum ib_an_verdict {
	IB_AN_OTHER = 0,      /* not an outage failure */
	IB_AN_OUTAGE = 1,     /* outage failure (whether or not in the window) */
	IB_AN_UNVERIFIED = 2, /* in the window, credentials, rule holds, user never succeeded */
};

/* Per cell: its (user, ip) pair's standing (analysis_pairs.c). */
enum ib_an_persist {
	IB_AN_NOT_PERSISTENT = 0,
	IB_AN_PERSISTENT = 1, /* never in, only credentials failures, across the range */
	IB_AN_STALE = 2	      /* persistent, and failing so since well before this cell's window */
};

/* Per credentials failure cell: the identity provider's record of the same attempt. */
enum ib_an_idp { IB_AN_IDP_NONE = 0, IB_AN_IDP_WRONG = 1, IB_AN_IDP_OUTAGE = 2 };

struct ib_an {
	/* the driver (a .. B) and phase 1, range (b0, nb, scope); read by all */
	const struct ib_agg *a;
	const struct ib_config *cfg;
	struct ib_result *r;
	struct ib_error *err;
	int64_t B;  /* bucket width, ms */
	int64_t b0; /* first bucket of the range */
	size_t nb;  /* buckets in the range; r->buckets[0, nb) have start_ms */
	/* the per-cell arrays below cover cells [0, nfull) (ib_agg_nfull); the
	 * successes after them read through ib_an_scope and the like */
	size_t nfull;
	int64_t keep_lo, keep_hi; /* buckets kept by trim_outliers (all, when none left out) */
	int64_t live_lo, live_hi; /* buckets in range and kept: a stored success there is live */
	uint8_t *scope;		  /* by cell: enum ib_an_scope */
	/* phase 1b: the live stored successes summed by (bucket, layer, server,
	 * signature): cells of user and ip 0, times at their bucket's start */
	struct ib_cell *sums;
	size_t nsums;
	/* c->a when the analysis may shrink it (ib_analyze_take, or its own
	 * joined copy), else NULL: phase 5 then drops the stored successes */
	struct ib_agg *own;

	/* attack phase sets */
	uint8_t *usucc; /* by user id: 1 when the user has a success in range */

	/* persistent pairs phase sets */
	uint8_t *persist;      /* by cell: enum ib_an_persist */
	Pvoid_t persist_pairs; /* Judy1: ip << 32 | user of the persistent pairs */
	uint8_t *idp_sig;      /* by signature id: 1 for an identity provider's (ib_an_is_idp) */

	/* pairs phase sets */
	uint8_t *idpv; /* by cell: enum ib_an_idp, or NULL when no identity provider */

	/* credentials rule sets */
	Pvoid_t credpair; /* Judy1: server << 8 | layer where the rule holds */
	uint8_t *verdict; /* by cell: enum ib_an_verdict */

	/* users phase sets */
	Pvoid_t sjuser; /* Judy1: server << 32 | user, the affected users of each server */
};

/*
 * Phase 0, data quality (ib_an_quality below), first: it reads only the
 * aggregator.
 *
 * Phase 1, range (driver, analysis.c). Reads cfg (since, until, window).
 * Sets cell (first), scope (OUT/LIVE), live_lo, live_hi, b0, nb, r->range_*, r->events,
 * r->outlier_events, r->buckets[].start_ms, r->window_why.given_*; with no
 * event in range, the window_why verdict and stops there.
 *
 * Phase 1b, sums (driver): sets sums, nsums. From here on the passes that
 * read a success only by bucket, layer, server, signature and count (the
 * detection series, the credentials rule, tables, grid) walk
 * ib_an_counted; the others walk every cell (ib_an_first).
 *
 * Phase 2, attack sources (analysis_attack.c). Reads scope, nb, cfg
 * (attack_*, trusted_proxies). Sets scope (ATTACK), usucc, r->attacks
 * (sorted by ip; fields, no sentence), r->campaign (a slow distributed
 * spray; fields), r->attack_events.
 */
int ib_an_attacks(struct ib_an *c);

/*
 * Phase 2b, persistent pairs (analysis_pairs.c). Reads scope. Sets
 * idp_sig, persist (IB_AN_PERSISTENT) and persist_pairs: a (user, ip) pair with no
 * success, only credentials failures, in >= 4 buckets spanning >= a
 * quarter of the range. Its cells stay out of the detection series and of
 * the credentials rule's rates.
 */
int ib_an_persistent(struct ib_an *c);

/*
 * Phase 3, window and series (analysis_window.c). Reads scope, persist, cfg
 * (window*). Sets r->buckets[].rate and .in_window, r->window_source,
 * r->windows (start, end), r->window_start_ms/end_ms (their span),
 * r->window_why (verdict, baseline, params).
 * From here on "in the window" is ib_an_in_window (the cell's bucket).
 */
int ib_an_window(struct ib_an *c);

/*
 * Phase 3b, pairs (analysis_pairs.c). Reads scope, persist, in_window,
 * r->windows, cfg (cred_factor). Sets persist (IB_AN_STALE for the cells
 * of a pair stale for their window), r->stale (fields, no sentence), and
 * idpv (the identity provider's verdict on each credentials failure).
 */
int ib_an_pairs(struct ib_an *c);
/* Is the cell an identity provider's record (an Entra sign-in, entra-*)?
 * Reads idp_sig (phase 2b); inline, the phases ask it per cell. */
static inline int ib_an_is_idp(const struct ib_an *c, const struct ib_cell *cell)
{
	return c->idp_sig[cell->signature];
}

/*
 * Phase 4, the credentials rule (analysis_window.c). Reads scope, persist,
 * idpv, in_window, usucc, cfg (cred_factor, window_min_*). Sets credpair
 * and verdict.
 */
int ib_an_credentials(struct ib_an *c);

/*
 * Phase 5, users (analysis_users.c). Reads scope, verdict, in_window.
 * Drops the stored successes of own once done with them: later phases
 * read successes only through sums. Sets r->users, r->unverified (fields, no sentence), the recovery and
 * peak numbers, r->outage_failures, r->buckets[].outage_failures and
 * .affected_users, r->layers[].win_failures and .affected_users, the rest
 * of r->windows, sjuser.
 */
int ib_an_users(struct ib_an *c);

/*
 * Phase 6, tables (analysis_tables.c). Reads scope, verdict, in_window,
 * credpair, sjuser, r->window_source. Sets r->servers, r->sigs, r->gaps,
 * and the rest of r->layers and r->buckets (attempts, successes, failures,
 * present).
 */
int ib_an_tables(struct ib_an *c);

/*
 * Phase 7, the server grid (analysis_grid.c). Reads scope, verdict and
 * r->servers (names). Sets r->grid.
 */
int ib_an_server_grid(struct ib_an *c);

/*
 * Phase 8, protocols (analysis_proto.c), after the driver's run, also when
 * no counted event is in range. Reads the aggregator's protocol table,
 * cfg and r->windows. Sets r->protocols.
 */
int ib_an_protocols(struct ib_an *c);

/* Phase 0, repeated input (analysis_input.c): reads only the aggregator;
 * sets r->dup_files. */
int ib_an_dups(struct ib_an *c);

/* Phase 0, data quality (analysis_tables.c): reads only the aggregator;
 * sets r->files, r->total, r->reasons, r->errors. */
int ib_an_quality(struct ib_an *c);

/* Last, the driver words the result: ib_result_explain (analysis_text.c)
 * reads the fields set above and sets r->window_rule and every reason. */

/* ---- the window rule, pure (analysis_window.c), no aggregator ---- */

/* A run of buckets [first, last] and the failures in it (gaps included). */
struct ib_window_span {
	size_t first, last;
	uint64_t failures;
};

/*
 * The detection series' rates: rate[b] = fail[b] / att[b], 0 where att[b]
 * is 0. Returns the baseline, the median of the rates of the buckets with
 * attempts (0 when none). scratch holds nb doubles.
 */
double ib_window_rates(const uint64_t *att, const uint64_t *fail, size_t nb, double *rate, double *scratch);

/* Is bucket b hot: attempts, rate >= factor x base and >= base + min_rate,
 * failures >= min_failures, failing users >= min_users (UINT64_MAX when
 * not counted; rates compared with IB_AN_EPS slack)? */
int ib_window_hot(uint64_t att, uint64_t fail, uint64_t users, double rate, double base,
		  const struct ib_window_params *p);

/*
 * Is bucket b warm: still clearly above the baseline, halfway between it
 * and the entry thresholds (hysteresis): attempts, a failure, rate >=
 * base + min_rate / 2 and >= base x (1 + factor) / 2?
 */
int ib_window_warm(uint64_t att, uint64_t fail, double rate, double base, const struct ib_window_params *p);

/*
 * The detection rule over nb buckets: a run of hot buckets (users[b]
 * failing users, users NULL: not counted) is extended on both sides over
 * warm buckets; such periods merge into one when at most p->gap buckets
 * lie between them. Every period is a window, written to out (which holds
 * nb spans) in time order, *nout of them. Returns IB_WV_NO_FAILURES (no
 * failure in any bucket), IB_WV_NONE_QUALIFIED (no hot bucket), or
 * IB_WV_DETECTED.
 */
enum ib_window_verdict ib_window_detect(const uint64_t *att, const uint64_t *fail, const uint64_t *users,
					const double *rate, size_t nb, double base,
					const struct ib_window_params *p, struct ib_window_span *out,
					size_t *nout);

/* A given window [s, e) widened to bucket boundaries of width B: *as <= s,
 * *ae >= e, both multiples of B. */
void ib_window_align(int64_t s, int64_t e, int64_t B, int64_t *as, int64_t *ae);

/* ---- shared helpers (analysis_text.c, a leaf) ---- */

static inline int ib_an_nomem(struct ib_an *c)
{
	return ib_error_set(c->err, IB_ERR_NOMEM, 0, NULL, 0, "out of memory");
}

/*
 * Cell i of the aggregator (i < ib_agg_ncells), decoded into *buf (the
 * aggregator stores cells compactly); returns buf. A loop's body passes
 * &(struct ib_cell){0}, which lives to the end of the body.
 */
static inline const struct ib_cell *ib_an_cell(const struct ib_an *c, size_t i, struct ib_cell *buf)
{
	return ib_agg_cell(c->a, i, buf);
}

/*
 * A walk over every cell, successes included (ib_agg_iter): far cheaper
 * than ib_an_cell for the stored successes. A pass that can skip every
 * success (IB_CAT_OK, no connection, no persist, verdict or idpv) walks
 * cells [0, nfull) with ib_an_cell instead. The usual loop:
 *   for (cell = ib_an_first(c, &it); cell; cell = ib_an_next(c, &it))
 * with it.i the cell's index.
 */
static inline const struct ib_cell *ib_an_first(const struct ib_an *c, struct ib_agg_iter *it)
{
	ib_agg_iter_init(it, 0);
	return ib_agg_next(c->a, it);
}

static inline const struct ib_cell *ib_an_next(const struct ib_an *c, struct ib_agg_iter *it)
{
	return ib_agg_next(c->a, it);
}

/*
 * Cell i (< nfull + nsums) of a counting pass: the aggregator's cells [0,
 * nfull), then sums (phase 1b), whose scope is live. The usual loop:
 *   for (i = 0; i < c->nfull + c->nsums; i++) cell = ib_an_counted(c, i, &(struct ib_cell){0});
 */
static inline const struct ib_cell *ib_an_counted(const struct ib_an *c, size_t i, struct ib_cell *buf)
{
	return i < c->nfull ? ib_an_cell(c, i, buf) : &c->sums[i - c->nfull];
}

static inline const char *ib_an_str(const struct ib_an *c, enum ib_strkind k, uint32_t id)
{
	return ib_agg_str(c->a, k, id);
}

/* Is bucket b in the range (cfg's since and until)? */
static inline int ib_an_in_range(const struct ib_an *c, int64_t b)
{
	int64_t start;

	if (b > INT64_MAX / c->B || b < INT64_MIN / c->B + 1)
		return 0;
	start = b * c->B;
	if (c->cfg->since_ms != IB_TIME_NONE && start < c->cfg->since_ms)
		return 0;
	if (c->cfg->until_ms != IB_TIME_NONE && start >= c->cfg->until_ms)
		return 0;
	return 1;
}

/*
 * Cell i's scope (enum ib_an_scope). A stored success (i >= nfull) is live
 * when its bucket is in range and kept ([live_lo, live_hi]): it is never
 * an attack's, since an address with a success in range is never an
 * attack source.
 */
static inline unsigned ib_an_scope(const struct ib_an *c, size_t i, const struct ib_cell *cell)
{
	if (i < c->nfull)
		return c->scope[i];
	return cell->bucket >= c->live_lo && cell->bucket <= c->live_hi ? IB_AN_LIVE : IB_AN_OUT;
}

/* Cell i's enum ib_an_persist, ib_an_verdict and ib_an_idp: a success has none. */
static inline unsigned ib_an_persist(const struct ib_an *c, size_t i)
{
	return i < c->nfull ? c->persist[i] : IB_AN_NOT_PERSISTENT;
}

static inline unsigned ib_an_verdict(const struct ib_an *c, size_t i)
{
	return i < c->nfull ? c->verdict[i] : IB_AN_OTHER;
}

static inline unsigned ib_an_idpv(const struct ib_an *c, size_t i)
{
	return c->idpv && i < c->nfull ? c->idpv[i] : IB_AN_IDP_NONE;
}

/* Is cell (in range) in the window? */
static inline int ib_an_in_window(const struct ib_an *c, const struct ib_cell *cell)
{
	return c->r->buckets[cell->bucket - c->b0].in_window;
}

/*
 * Give the memory freed so far back to the system where the C library
 * can (glibc's malloc_trim): the analysis frees most of the aggregator
 * it owns as it goes, in pieces too small for free() to return.
 */
void ib_an_trim(void);

/* malloc'd copies; NULL when out of memory. */
char *ib_an_strdup(const char *s);
char *ib_an_printf(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* Sort names[0, n) (in place) and join them with ';'; malloc'd, or NULL. */
char *ib_an_join(const char **names, size_t n);
/* The names of the set bits of mask (layers when layers, else categories), sorted, ';'-joined. */
char *ib_an_join_mask(unsigned mask, int layers);

#endif
