/*
 * analysis_grid.c: phase 7, the server-by-time grid that servers.svg
 * draws (analysis.h, struct ib_server_grid). Contract in analysis_int.h.
 * Rows are servers by name, so the grid does not depend on input order.
 */
#include <stdlib.h>
#include <string.h>
#include "analysis_int.h"

static int cmp_name(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

int ib_an_server_grid(struct ib_an *c)
{
	struct ib_result *r = c->r;
	struct ib_server_grid *g = &r->grid;
	size_t nstr = ib_agg_nstr(c->a, IB_S_SERVER);
	const char **sorted = NULL;
	int32_t *row = NULL; /* server id -> grid row, or -1 */

	if (!r->nservers || !c->nb)
		return IB_OK;
	sorted = malloc(r->nservers * sizeof(*sorted));
	row = malloc(nstr * sizeof(*row));
	if (!sorted || !row)
		goto nomem;
	for (size_t i = 0; i < r->nservers; i++)
		sorted[i] = r->servers[i].server;
	qsort(sorted, r->nservers, sizeof(*sorted), cmp_name);
	g->nrows = r->nservers < IB_GRID_ROWS ? r->nservers : IB_GRID_ROWS;
	g->more = r->nservers - g->nrows;
	g->col_buckets = (int64_t)((c->nb + IB_GRID_COLS - 1) / IB_GRID_COLS);
	g->ncols = (c->nb + (size_t)g->col_buckets - 1) / (size_t)g->col_buckets;
	g->names = (const char **)sorted;
	sorted = NULL;
	g->attempts = calloc(g->nrows * g->ncols, sizeof(*g->attempts));
	g->failures = calloc(g->nrows * g->ncols, sizeof(*g->failures));
	if (!g->attempts || !g->failures)
		goto nomem;
	for (size_t i = 0; i < nstr; i++) {
		const char *name = ib_an_str(c, IB_S_SERVER, (uint32_t)i);
		const char **hit = i ? bsearch(&name, g->names, g->nrows, sizeof(*g->names), cmp_name) : NULL;

		row[i] = hit ? (int32_t)(hit - g->names) : -1;
	}
	for (size_t i = 0; i < c->nfull + c->nsums; i++) {
		const struct ib_cell *cell = ib_an_counted(c, i, &(struct ib_cell){0});
		size_t at;

		if (ib_an_scope(c, i, cell) != IB_AN_LIVE || row[cell->server] < 0)
			continue;
		at = (size_t)row[cell->server] * g->ncols + (size_t)((cell->bucket - c->b0) / g->col_buckets);
		g->attempts[at] += cell->count;
		if (ib_an_verdict(c, i) == IB_AN_OUTAGE)
			g->failures[at] += cell->count;
	}
	free(row);
	return IB_OK;
nomem:
	free(sorted);
	free(row);
	return ib_an_nomem(c);
}
