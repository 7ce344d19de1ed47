/*
 * analysis_proto.c: phase 8, protocols side by side (analysis_int.h,
 * docs/method.md "Protocols"). The aggregator's protocol table counts
 * classified events by (bucket, protocol, category) for every protocol,
 * those --protocols leaves out of the blast radius included, so the report
 * can say "IMAP failed while POP3, ActiveSync and the browser did not".
 */
#include <stdlib.h>
#include <string.h>
#include "analysis_int.h"

/* 1 when the bucket starting at t lies in one of r's windows. */
static int in_windows(const struct ib_result *r, int64_t t)
{
	for (size_t w = 0; w < r->nwindows; w++)
		if (t >= r->windows[w].start_ms && t < r->windows[w].end_ms)
			return 1;
	return 0;
}

/* Outage failures per event, 0 without events. */
static double rate(uint64_t outage, uint64_t events)
{
	return events ? (double)outage / (double)events : 0.0;
}

int ib_an_protocols(struct ib_an *c)
{
	struct ib_proto_row rows[IB_PROTO_COUNT];
	struct ib_result *r = c->r;
	struct ib_proto_count pc;
	uint64_t cur = 0;
	size_t n = 0;

	memset(rows, 0, sizeof(rows));
	while (ib_agg_proto_next(c->a, &cur, &pc)) {
		struct ib_proto_row *p = &rows[pc.protocol];
		int ok = pc.category == IB_CAT_OK, out = ib_category_is_outage(pc.category);

		if (!ib_an_in_range(c, pc.bucket))
			continue;
		p->events += pc.count;
		p->successes += ok ? pc.count : 0;
		p->failures += ok ? 0 : pc.count;
		p->outage += out ? pc.count : 0;
		if (in_windows(r, pc.bucket * c->B)) { /* in range: bucket * B does not overflow */
			p->win_events += pc.count;
			p->win_successes += ok ? pc.count : 0;
			p->win_failures += ok ? 0 : pc.count;
			p->win_outage += out ? pc.count : 0;
		}
	}
	r->protocols = calloc(IB_PROTO_COUNT, sizeof(*r->protocols));
	if (!r->protocols)
		return ib_an_nomem(c);
	/* enum order, the protocol not stated last */
	for (int k = 1; k <= IB_PROTO_COUNT; k++) {
		enum ib_proto p = (enum ib_proto)(k % IB_PROTO_COUNT);
		struct ib_proto_row *row = &rows[p];
		double in, outside;

		if (!row->events)
			continue;
		row->protocol = p;
		row->counted = p == IB_PROTO_NONE || (c->cfg->protocols >> p & 1u);
		in = rate(row->win_outage, row->win_events);
		outside = rate(row->outage - row->win_outage, row->events - row->win_events);
		row->failed = row->win_events && in >= IB_PROTO_FAILED_RATE - IB_AN_EPS &&
			      in >= 2 * outside - IB_AN_EPS;
		r->protocols[n++] = *row;
	}
	r->nprotocols = n;
	return IB_OK;
}
