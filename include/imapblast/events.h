/*
 * events.h: `imapblast events`, what every line was understood as, one
 * JSON object per line (JSON Lines, docs/events.md). The schema is stable:
 * every record has every key, null when the line has no such field.
 */
#ifndef IMAPBLAST_EVENTS_H
#define IMAPBLAST_EVENTS_H

#include <stdio.h>
#include "classify.h"
#include "event.h"

struct ib_events_out;

/*
 * A writer to f (not owned). protocols is the configuration's --protocols
 * set (config.h): an event of another protocol is shown as not counted.
 * Returns IB_OK or IB_ERR_NOMEM.
 */
int ib_events_out_new(struct ib_events_out **out, FILE *f, unsigned protocols);
/* Free it; accepts NULL. */
void ib_events_out_free(struct ib_events_out *w);

/* One record for an event (kind "event") and its classification m. */
void ib_events_out_event(struct ib_events_out *w, const char *path, uint64_t lineno,
			 const struct ib_event *ev, const struct ib_match *m);
/* One record for a line that was no timed event: rc IB_SKIP ("ignored") or IB_BAD ("unparseable"). */
void ib_events_out_other(struct ib_events_out *w, const char *path, uint64_t lineno, int rc,
			 const char *reason);

/* Fill obs so that the pipeline (pipeline.h) writes every line to w. */
struct ib_observer;
void ib_events_observer(struct ib_events_out *w, struct ib_observer *obs);

/* IB_OK, or IB_ERR_NOMEM / IB_ERR_IO when a record was lost. */
int ib_events_out_status(const struct ib_events_out *w);

#endif
