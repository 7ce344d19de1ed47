/*
 * pipeline.h: read inputs into an aggregator: reader -> format detection
 * -> parser -> classifier -> aggregator, with per-file accounting.
 *
 * With jobs > 1, files are handed to worker threads, each with its own
 * classifier and aggregator; the partial aggregates are merged at the end,
 * so the result does not depend on the thread count.
 */
#ifndef IMAPBLAST_PIPELINE_H
#define IMAPBLAST_PIPELINE_H

#include "agg.h"
#include "classify.h"
#include "config.h"
#include "reader.h"

/* Called (from any thread, serialised) with compressed bytes done so far. */
typedef void (*ib_progress_fn)(void *arg, uint64_t done);

struct ib_run_stats {
	uint64_t files, files_failed;
};

/*
 * Read every input of `in` into `agg` (which must be empty or hold earlier
 * input). Input errors are recorded in agg and counted in st; only
 * whole-run failures (out of memory) return a negative code.
 */
int ib_pipeline_run(const struct ib_config *cfg, const struct ib_rules *rules, const struct ib_inputs *in,
		    struct ib_agg *agg, struct ib_run_stats *st, ib_progress_fn progress, void *parg,
		    struct ib_error *err);

/*
 * Repeated input (analyzer/dedup.c): dup_of[i] (in->n entries) is -1 for
 * an input to read, or the index of the input with the same content
 * after gunzip that is read instead (the smallest path of the group).
 * Only inputs whose content length another input shares are read here,
 * in full. A multi-member gzip file is compared by its last member's
 * length, so it may be missed. IB_OK or IB_ERR_NOMEM.
 */
int ib_dedup_files(const struct ib_inputs *in, size_t max_line, long *dup_of, struct ib_error *err);

/* What a run notes of each input for ib_dedup_events. */
struct ib_stream {
	const char *format; /* the file's parser name, or NULL */
	/* the events' own formats (ev->format, e.g. "dovecot" in a syslog file) */
	const char *formats[4];
	int nformats;
	int many_formats; /* more than four */
	char host[64];	  /* host of its first event (cut at 64 bytes) */
	size_t host_len;
	int mixed; /* events from more than one host (or a longer name) */
	int any;   /* 1: min_ms and max_ms hold its events' range (those --protocols leaves out included) */
	int unordered; /* an event came with a time before an earlier one's (a re-read cannot stop early) */
	int64_t min_ms, max_ms;
	/*
	 * lone: each line's result came from the line alone (ib_runtime_lone).
	 * Checkpoints of the last IB_STREAM_CKS minutes: ck_line[k] is the
	 * line of the first event at or after ck_next (a minute after the
	 * previous checkpoint), ck_ms[k] its time; in a file read in time
	 * order no event before that line is as late as ck_ms[k]. nck counts
	 * every checkpoint; the last ones are at nck % IB_STREAM_CKS and before.
	 */
	int lone;
#define IB_STREAM_CKS 64
	int64_t ck_ms[IB_STREAM_CKS], ck_next;
	uint64_t ck_line[IB_STREAM_CKS];
	size_t nck;
};

/*
 * Repeated events (analyzer/dedup.c): events that two inputs of one
 * event format and host both hold (overlapping exports, lines copytruncate
 * repeated) are counted once. Only inputs whose time ranges overlap
 * another's of the same format and host are read again, in path order;
 * an event of a later input is taken back from agg (ib_agg_sub, or
 * ib_agg_proto_take for a protocol --protocols leaves out) while
 * earlier inputs hold as many copies of its identity (format, host,
 * server, session, user, address, time, message). A re-read of an input
 * whose events came in time order stops past the times it needs, and an
 * earlier input's starts at its checkpoint before them (struct
 * ib_stream, ib_observer.skip). The inputs are recorded with
 * ib_agg_dup_events. IB_OK, or a negative code.
 */
int ib_dedup_events(const struct ib_config *cfg, const struct ib_rules *rules, const struct ib_inputs *in,
		    const long *dup_of, const struct ib_stream *streams, struct ib_agg *agg,
		    struct ib_error *err);

/*
 * Read one file into agg (used by the tests and fuzzers). Returns IB_OK,
 * IB_BAD when the file had an input error (recorded in agg: unreadable,
 * corrupt or truncated), or a negative code for whole-run failures.
 */
int ib_pipeline_file(const struct ib_config *cfg, struct ib_classifier *cls, const char *path,
		     struct ib_agg *agg, struct ib_error *err);

/*
 * Optional observer of one file's run, for `imapblast rules --test`: it
 * sees exactly what the analysis sees (same detection, held-back events,
 * time policy). Both callbacks are optional.
 */
struct ib_parser;

struct ib_observer {
	/* the parser chosen for the file, or NULL when none recognised it */
	void (*format)(void *arg, const char *path, const struct ib_parser *p);
	/*
	 * every timed event after classification, m->category IB_CAT_NONE
	 * when no rule matched; lineno is the line being read when the event
	 * was released (its own line, or a later one for held-back events)
	 */
	void (*event)(void *arg, const char *path, uint64_t lineno, const struct ib_event *ev,
		      const struct ib_match *m);
	/*
	 * every line that the event callback did not see: rc IB_SKIP
	 * (ignored: reason "outside --since/--until", or NULL when the
	 * parser skipped it) or IB_BAD (unparseable: reason)
	 */
	void (*other)(void *arg, const char *path, uint64_t lineno, int rc, const char *reason);
	void *arg;
	/* optional: once it points to a non-zero value the file is read no
	 * further (a re-read of repeated input past the times it needs) */
	const int *stop;
	/*
	 * optional: a line from which the observer wants the events (0: all),
	 * in a file read in time order before (struct ib_stream's
	 * checkpoints). Lines before it give no event and are parsed only as
	 * far as parsers with per-file state need (ib_runtime_skip); with
	 * skip_all (the file was lone) not at all.
	 */
	uint64_t skip;
	int skip_all;
};

/* ib_pipeline_file with an observer (obs may be NULL). */
int ib_pipeline_file_observed(const struct ib_config *cfg, struct ib_classifier *cls, const char *path,
			      struct ib_agg *agg, const struct ib_observer *obs, struct ib_error *err);

#endif
