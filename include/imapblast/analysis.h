/*
 * analysis.h: the blast radius, computed once after all input
 * (DESIGN.md section 3; the method is in docs/method.md).
 *
 * ib_analyze reads an aggregator and a config and fills one struct
 * ib_result that every writer formats. All arrays are sorted as
 * documented, so the same aggregate content gives the same result bytes
 * whatever the order of input. All strings are owned by the result.
 */
#ifndef IMAPBLAST_ANALYSIS_H
#define IMAPBLAST_ANALYSIS_H

#include "agg.h"
#include "common.h"
#include "config.h"

/* One affected user: the columns of affected-users.csv, in order. */
struct ib_user_row {
	char *user;		  /* lower case */
	int64_t first_failure_ms; /* first outage failure in the window */
	int64_t last_failure_ms;
	uint64_t failures;	   /* outage failures in the window (max over layers) */
	uint64_t successes;	   /* successes in the window (max over layers) */
	uint64_t impacted_minutes; /* buckets with an outage failure x bucket minutes */
	int64_t recovered_at_ms;   /* first success after the last failure, or IB_TIME_NONE */
	char *servers;		   /* ';'-joined, sorted */
	char *layers;		   /* ';'-joined, sorted */
	char *categories;	   /* ';'-joined, sorted */
	char *evidence;		   /* "file:line" of the first failure */
	int intermittent;	   /* 1: successes interleaved with failures in the window */
};

/* An attack source (client IP), excluded from the blast radius. */
struct ib_attack_row {
	char *ip;
	uint64_t users; /* distinct users it failed for */
	uint64_t failures;
	uint64_t successes;
	int64_t first_ms, last_ms;
	char *reason;
};

/* A user left out of the list, and why (e.g. credentials failures on a
 * credential-outage server but never a success to prove the password). */
struct ib_unverified_row {
	char *user;
	uint64_t failures;
	char *reason;
};

struct ib_server_row {
	char *server;
	char *layers;	   /* ';'-joined layers it was seen at */
	uint64_t attempts; /* all attempts, attack sources excluded */
	uint64_t successes;
	uint64_t failures[IB_CAT_COUNT];     /* by category (index IB_CAT_CREDENTIALS..OTHER) */
	uint64_t win_attempts, win_failures; /* in the window, outage-category failures */
	double win_rate;		     /* win_failures / win_attempts */
	double base_rate;		     /* same rate outside the window */
	double fleet_rate;		     /* the rate of all other servers in the window */
	uint64_t affected_users;
	int flagged;	 /* rate far above the fleet */
	int cred_outage; /* credentials failures counted as outage here */
};

struct ib_layer_row {
	uint64_t attempts, successes;
	uint64_t failures[IB_CAT_COUNT];
	uint64_t win_attempts, win_failures;
	uint64_t affected_users;
	int present; /* any event at this layer */
};

struct ib_bucket_row {
	int64_t start_ms;
	uint64_t successes;
	uint64_t failures[IB_CAT_COUNT]; /* attack sources excluded */
	uint64_t outage_failures;	 /* failures counted as outage (in window) */
	uint64_t affected_users;	 /* distinct users with an outage failure */
	double rate;			 /* detection series: failure rate of the bucket */
	int in_window;
};

struct ib_sig_row {
	char *name;
	enum ib_category category;
	uint64_t count; /* attack sources excluded */
	uint64_t in_window;
};

struct ib_file_row {
	char *path;
	char *format; /* parser, or "" */
	struct ib_file_counts c;
};

struct ib_reason_row {
	char *reason;
	uint64_t count;
	char *sample; /* "file:line" */
};

struct ib_input_error {
	char *path;
	uint64_t offset;
	char *reason;
};

enum ib_window_source { IB_WIN_NONE = 0, IB_WIN_GIVEN, IB_WIN_DETECTED };

struct ib_result {
	/* settings echoed for the report */
	int64_t bucket_ms;
	char *window_rule; /* the rule in words, thresholds included */
	enum ib_window_source window_source;
	int64_t window_start_ms, window_end_ms; /* [start, end), IB_TIME_NONE if none */
	int64_t range_start_ms, range_end_ms;	/* first and last event time */

	/* headline */
	uint64_t affected_users;
	uint64_t outage_failures; /* outage failures in the window, all layers */
	uint64_t intermittent_users, hard_users;
	int64_t peak_bucket_ms; /* bucket with most affected users */
	uint64_t peak_users;
	uint64_t events;	/* classified events, all */
	uint64_t attack_events; /* events from attack sources */
	/* events left out because their time lies far outside the rest (more
	 * than 1,000,000 buckets away: a bad date such as 1970); see method.md */
	uint64_t outlier_events;

	/* recovery */
	uint64_t recovered_users;
	int64_t ttr_median_ms, ttr_p90_ms, ttr_max_ms; /* recovered_at - first_failure */
	/* retries (outage failures) before recovery: 1, 2-3, 4-10, 11-100, >100 */
	uint64_t retries_hist[5];

	struct ib_user_row *users;
	size_t nusers; /* sorted by user */
	struct ib_attack_row *attacks;
	size_t nattacks; /* sorted by ip */
	struct ib_unverified_row *unverified;
	size_t nunverified; /* sorted by user */
	struct ib_server_row *servers;
	size_t nservers; /* flagged first, then by server */
	struct ib_layer_row layers[IB_LAYER_COUNT];
	struct ib_bucket_row *buckets;
	size_t nbuckets; /* by time, every bucket of the range */
	struct ib_sig_row *sigs;
	size_t nsigs; /* by count desc, then name */

	/* data quality */
	struct ib_file_row *files;
	size_t nfiles; /* by path */
	struct ib_file_counts total;
	struct ib_reason_row *reasons;
	size_t nreasons; /* by count desc, then reason */
	struct ib_input_error *errors;
	size_t nerrors; /* by path, then offset */
};

/* Analyse. Returns IB_OK and *out, or a negative code. */
int ib_analyze(const struct ib_agg *a, const struct ib_config *cfg, struct ib_result **out,
	       struct ib_error *err);
/* Free r with every string and array it owns; r may be NULL. */
void ib_result_free(struct ib_result *r);

#endif
