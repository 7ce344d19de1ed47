/*
 * agg.h: the aggregator. It keeps what the analysis needs, and nothing
 * per line:
 * - interned strings (users in lower case, IPs, servers, signatures, file
 *   paths) to dense ids (an index by hash, confirmed by the string);
 * - cells: one per distinct (bucket, user, ip, server, layer, category,
 *   signature) with a count, the first and last time, and the evidence
 *   (file, line) of the first event, tie-broken by (file path, line);
 *   successes (IB_CAT_OK, not connections) keep no evidence, and most of
 *   them live in a compact store of their own (12 bytes each);
 * - per-file accounting, unparseable reasons and input errors.
 *
 * Memory grows with distinct cells, never with lines. Merge is exact and
 * order-independent: merging partial aggregates in any order gives the
 * same content as one aggregator fed every event.
 */
#ifndef IMAPBLAST_AGG_H
#define IMAPBLAST_AGG_H

#include "common.h"
#include "classify.h"
#include "coverage.h"
#include "event.h"

struct ib_agg;

/* Whether a file was understood (docs/robustness.md); the larger wins on merge. */
enum ib_file_status {
	IB_FILE_READ = 0,    /* read, or empty */
	IB_FILE_SKIPPED = 1, /* format recognised, >= IB_WHOLESALE_LINES lines, no event */
	IB_FILE_UNKNOWN = 2  /* lines, but no parser recognised the format */
};

/* Accounting of one input file: lines = events + ignored + unparseable + overlong. */
struct ib_file_counts {
	uint64_t bytes_in, bytes_out;
	uint64_t lines, events, ignored, unparseable, overlong;
	int gzip;
	const char *format; /* parser name chosen, or NULL */
	/* of ignored + unparseable: lines that look like login outcomes (coverage.h) */
	uint64_t login_unmatched;
	int status; /* enum ib_file_status */
	/* the first lines that were not events (ib_line_sample), or NULL; kept
	 * from the counts with the smallest first line when summed */
	const char *sample[IB_FILE_SAMPLES];
	uint64_t sample_line[IB_FILE_SAMPLES];
};

/* New aggregator with the given bucket length (ms, > 0). */
int ib_agg_new(struct ib_agg **out, int64_t bucket_ms);
void ib_agg_free(struct ib_agg *a);
/*
 * Free a's lookup indexes (of cells, successes, strings, reasons and
 * shapes) for the memory: a can then only be read (cells, strings, files,
 * errors, reasons, the protocol table) and freed. ib_analyze_take does it
 * once the server join is done.
 */
void ib_agg_drop_index(struct ib_agg *a);
/* Free a's stored successes (cells i >= ib_agg_nfull(a)), for an analysis done with them. */
void ib_agg_drop_successes(struct ib_agg *a);
/*
 * Free the stored successes of every user u with !keep[u] (keep has a flag
 * per user id, ib_agg_nstr(a, IB_S_USER) of them); the others stay, in
 * the same order, though at lower indices.
 */
void ib_agg_keep_successes(struct ib_agg *a, const uint8_t *keep);
int64_t ib_agg_bucket_ms(const struct ib_agg *a);

/* Intern a file path; *id is what ib_agg_add takes as file_id. */
int ib_agg_file(struct ib_agg *a, const char *path, uint32_t *id);
/* Add accounting to a file (sums with what is there). */
int ib_agg_file_counts(struct ib_agg *a, uint32_t file_id, const struct ib_file_counts *c);
/* Record an input error (path, offset, reason). */
int ib_agg_file_error(struct ib_agg *a, const struct ib_error *e);
/* Count n unparseable lines for `reason`, keeping the first sample (file, line). */
int ib_agg_reason(struct ib_agg *a, const char *reason, uint64_t n, uint32_t file_id, uint64_t line);
/*
 * Count n login-looking lines that nothing took, of shape `shape`
 * (ib_line_shape), keeping the first sample: its (file, line) and its
 * text `sample` (ib_line_sample), by the same order as reasons.
 */
int ib_agg_shape(struct ib_agg *a, const char *shape, const char *sample, uint64_t n, uint32_t file_id,
		 uint64_t line);

/*
 * Add one classified event (m->category != IB_CAT_NONE, ev->time_ms set).
 * The user is lower-cased when interned. An event without a user (or with
 * IB_EV_CONNECTION) is kept under the empty user, which is never an
 * affected user but counts for servers and buckets.
 */
int ib_agg_add(struct ib_agg *a, const struct ib_event *ev, const struct ib_match *m, uint32_t file_id,
	       uint64_t line);

/*
 * Record that server (as ib_agg_add files it) logs addr as its own
 * address (Dovecot's lip=). Both non-empty and without spaces, else
 * nothing is recorded. Kept through merge and the state file, so
 * ib_agg_join_servers can join a proxy's "upstream: ADDR:port" with it.
 */
int ib_agg_server_addr(struct ib_agg *a, struct ib_str server, struct ib_str addr);

/*
 * Record that the input `path` was not read because `same_as` has the
 * same content (ib_dedup_files); or, with ib_agg_dup_events, that n of
 * its events repeat events of the inputs `same_as` (ib_dedup_events;
 * nothing when n is 0). Kept through merge and the state file; read back
 * with ib_agg_dup_get, i from 1 to ib_agg_nstr(a, IB_S_DUP) - 1: both
 * paths NUL-terminated in buffers of size bytes, *events 0 for a file
 * not read.
 */
int ib_agg_dup_file(struct ib_agg *a, const char *path, const char *same_as);
int ib_agg_dup_events(struct ib_agg *a, const char *path, const char *same_as, uint64_t n);
void ib_agg_dup_get(const struct ib_agg *a, size_t i, char *path, char *same_as, size_t size,
		    uint64_t *events);

/*
 * Take back one event that ib_agg_add counted, for a repeated event (the
 * copy that stays has the same key, so the cell keeps its times and
 * evidence). IB_ERR_USAGE when its cell does not hold two or more.
 */
int ib_agg_sub(struct ib_agg *a, const struct ib_event *ev, const struct ib_match *m);

/*
 * The protocol table: classified events by (bucket, protocol, category),
 * of every protocol, those --protocols keeps out of the cells included,
 * so a report can set the protocols side by side (docs/method.md,
 * "Protocols"). Kept through merge, the server join and the state file.
 * ib_agg_add counts its event there too, and ib_agg_sub takes it back;
 * ib_agg_proto_add counts one event that has no cell, of a protocol
 * --protocols leaves out (IB_ERR_USAGE for a time or category it cannot
 * hold), and ib_agg_proto_take takes a repeated one back (IB_ERR_USAGE
 * unless its entry holds two or more: the copy that stays). ib_agg_proto_next yields the
 * entries in a fixed order: start with *cursor 0, call while it returns 1.
 */
struct ib_proto_count {
	int64_t bucket;
	enum ib_proto protocol;
	enum ib_category category;
	uint64_t count;
	uint64_t key; /* the entry's place in the order */
};

int ib_agg_proto_add(struct ib_agg *a, int64_t time_ms, enum ib_proto p, enum ib_category c);
int ib_agg_proto_take(struct ib_agg *a, const struct ib_event *ev, enum ib_category c);
int ib_agg_proto_next(const struct ib_agg *a, uint64_t *cursor, struct ib_proto_count *out);
size_t ib_agg_proto_n(const struct ib_agg *a);

/*
 * The server join (docs/method.md, "Server identity"): a server named by
 * an address, bare or with ":port" ("10.0.1.11:143", "[2001:db8::1]:143"),
 * that exactly one server logs as its own (ib_agg_server_addr) is counted
 * under that server's name. *out is a new aggregator with those servers
 * joined (the caller frees it), or NULL when no server needs joining.
 * With joins, and when names is not NULL, *names gets "FROM=TO" strings
 * (sorted, malloc'd, the caller frees each and the array) and *nnames
 * their number. IB_OK or IB_ERR_NOMEM.
 */
int ib_agg_join_servers(const struct ib_agg *a, struct ib_agg **out, char ***names, size_t *nnames,
			struct ib_error *err);
/*
 * ib_agg_join_servers that changes a instead of copying it, so the peak
 * holds one set of cells, not two. Mostly a itself is joined, in place,
 * re-keying only the cells of joined servers, and *out is NULL; where only
 * a copy is exact, *out is a new aggregator that took a's cells (a keeps
 * its other content, without cells). Analyse *out when set, else a. With
 * nothing to join, a is untouched; on an error a is only to be freed.
 */
int ib_agg_join_servers_take(struct ib_agg *a, struct ib_agg **out, char ***names, size_t *nnames,
			     struct ib_error *err);

/*
 * dst += src, with err saying why when it fails:
 * - IB_ERR_USAGE: the two do not fit together (different bucket lengths);
 *   dst is unchanged;
 * - IB_ERR_NOMEM: out of memory; dst holds part of src, so only free it;
 * - IB_ERR_INTERNAL: dst == src, or a corrupt Judy array (a bug).
 */
int ib_agg_merge(struct ib_agg *dst, const struct ib_agg *src, struct ib_error *err);
/*
 * ib_agg_merge that frees src's cells as they are merged (the parallel
 * run's workers, a join), so the peak holds about one set of cells. src
 * is then only to be freed, whatever the result.
 */
int ib_agg_merge_take(struct ib_agg *dst, struct ib_agg *src, struct ib_error *err);

/*
 * State files: versioned, checksummed, architecture-independent (fixed
 * little-endian encoding). A truncated or corrupt file is refused with
 * err saying why.
 */
int ib_agg_save(const struct ib_agg *a, const char *path, struct ib_error *err);
int ib_agg_load(struct ib_agg **out, const char *path, struct ib_error *err);
int ib_agg_load_buf(struct ib_agg **out, const unsigned char *buf, size_t len, struct ib_error *err);

/* 1 when a and b hold the same content (ids may differ). For tests. */
int ib_agg_equal(const struct ib_agg *a, const struct ib_agg *b);

/* ---- read access for the analysis (analysis.c) ---- */

struct ib_cell {
	int64_t bucket;	    /* bucket index: floor(time_ms / bucket_ms) */
	uint32_t user;	    /* string id; 0 = no user */
	uint32_t ip;	    /* string id; 0 = none */
	uint32_t server;    /* string id; 0 = none */
	uint32_t signature; /* string id; 0 = none */
	uint8_t layer;	    /* enum ib_layer */
	uint8_t category;   /* enum ib_category */
	uint8_t connection; /* 1: IB_EV_CONNECTION events */
	uint64_t count;
	int64_t first_ms, last_ms;
	uint32_t first_file; /* file id of the first event */
	uint64_t first_line;
};

/*
 * Tests only: the bits kept of the aggregator's internal 64-bit hashes
 * (default all). A small mask sends most keys down the exact collision
 * paths. Set it before creating any aggregator; results never depend on it.
 */
extern uint64_t ib_agg_hash_mask;

/*
 * The kinds of interned strings. IB_S_ADDR holds what the logs say about
 * servers' addresses, one "SERVER ADDRESS" string per pair learned
 * (ib_agg_server_addr); IB_S_DUP the input files not read because another
 * input has the same content (ib_agg_dup_file). No cell refers to either.
 */
enum ib_strkind { IB_S_USER = 0, IB_S_IP, IB_S_SERVER, IB_S_SIG, IB_S_FILE, IB_S_ADDR, IB_S_DUP, IB_S_KINDS };

/*
 * Number of cells, and cell i (0 <= i < n), in no particular order. The
 * aggregator stores cells compactly: ib_agg_cell decodes cell i into *buf
 * and returns buf (NULL when i >= n). The analysis passes a buffer of its
 * own, e.g. ib_agg_cell(a, i, &(struct ib_cell){0}) in a loop's body.
 */
size_t ib_agg_ncells(const struct ib_agg *a);
const struct ib_cell *ib_agg_cell(const struct ib_agg *a, size_t i, struct ib_cell *buf);
/*
 * Cells i >= ib_agg_nfull(a) are successes (IB_CAT_OK, not connections)
 * from the aggregator's store of successes: no evidence is kept for them
 * (first_file 0, first_line 0), nor for any other success. Reading cells
 * moves a cursor inside the aggregator: one reader at a time.
 */
size_t ib_agg_nfull(const struct ib_agg *a);
/*
 * A walk over the cells in ib_agg_cell's order, far cheaper than
 * ib_agg_cell for the stored successes: cells are decoded in runs of up
 * to IB_AGG_RUN, a series of successes in one tight loop, with no
 * directory or cursor. ib_agg_iter_init(it, from) with from <=
 * ib_agg_nfull(a) (0: every cell; nfull: the stored successes only),
 * then each ib_agg_next returns the next cell (NULL at the end), it->i
 * its index. Walks are independent of each other and of ib_agg_cell's
 * cursor; the aggregator must not change during one.
 */
#define IB_AGG_RUN 64
struct ib_agg_iter {
	size_t i;			/* index of the cell returned last */
	size_t next, ser, j;		/* private: the next cell to decode */
	size_t at, n;			/* private: run[at, n) decoded, not yet returned */
	struct ib_cell run[IB_AGG_RUN]; /* private */
};
void ib_agg_iter_init(struct ib_agg_iter *it, size_t from);
/* The next run of cells into it->run; the number decoded, 0 at the end. For ib_agg_next. */
size_t ib_agg_run(const struct ib_agg *a, struct ib_agg_iter *it);
static inline const struct ib_cell *ib_agg_next(const struct ib_agg *a, struct ib_agg_iter *it)
{
	if (it->at == it->n && !ib_agg_run(a, it))
		return NULL;
	it->i = it->next - it->n + it->at;
	return &it->run[it->at++];
}
/* String of an id (id 0 is ""). */
const char *ib_agg_str(const struct ib_agg *a, enum ib_strkind k, uint32_t id);
size_t ib_agg_nstr(const struct ib_agg *a, enum ib_strkind k); /* ids are 0..n-1 */

/* Files (by file id), errors and reasons. */
const struct ib_file_counts *ib_agg_file_get(const struct ib_agg *a, uint32_t file_id);
size_t ib_agg_nerrors(const struct ib_agg *a);
const struct ib_error *ib_agg_error(const struct ib_agg *a, size_t i);
struct ib_reason {
	const char *reason;
	uint64_t count;
	uint32_t file;
	uint64_t line;
};
size_t ib_agg_nreasons(const struct ib_agg *a);
void ib_agg_reason_get(const struct ib_agg *a, size_t i, struct ib_reason *r);
struct ib_shape {
	const char *shape, *sample;
	uint64_t count;
	uint32_t file;
	uint64_t line;
};
size_t ib_agg_nshapes(const struct ib_agg *a);
void ib_agg_shape_get(const struct ib_agg *a, size_t i, struct ib_shape *s);

#endif
