/*
 * analysis_input.c: phase 0, repeated input: the inputs left out because
 * another input has the same content (ib_dedup_files, kept by the
 * aggregator as IB_S_DUP records), sorted by path for the report.
 * Contract in analysis_int.h.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "analysis_int.h"

static int cmp_dup(const void *x, const void *y)
{
	const struct ib_dup_file *a = x, *b = y;
	int c = strcmp(a->path, b->path);

	if (!a->events != !b->events)
		return a->events ? 1 : -1;

	return c ? c : strcmp(a->same_as, b->same_as);
}

int ib_an_dups(struct ib_an *c)
{
	size_t n = ib_agg_nstr(c->a, IB_S_DUP);
	struct ib_result *r = c->r;
	char path[PATH_MAX], same[PATH_MAX];

	if (n <= 1)
		return IB_OK;
	r->dup_files = calloc(n - 1, sizeof(*r->dup_files));
	if (!r->dup_files)
		return ib_an_nomem(c);
	for (size_t i = 1; i < n; i++) {
		struct ib_dup_file *d = &r->dup_files[r->ndup_files++];

		ib_agg_dup_get(c->a, i, path, same, sizeof(path), &d->events);
		d->path = ib_an_strdup(path);
		d->same_as = ib_an_strdup(same);
		if (!d->path || !d->same_as)
			return ib_an_nomem(c);
	}
	qsort(r->dup_files, r->ndup_files, sizeof(*r->dup_files), cmp_dup);
	return IB_OK;
}
