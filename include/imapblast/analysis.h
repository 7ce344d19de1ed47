/*
 * analysis.h: the blast radius, computed once after all input
 * (DESIGN.md section 3; the method is in docs/method.md).
 *
 * ib_analyze reads an aggregator and a config and fills one struct
 * ib_result that every writer formats. All arrays are sorted as
 * documented, so the same aggregate content gives the same result bytes
 * whatever the order of input. All strings are owned by the result.
 * Every reason is kept twice: as structured fields (the numbers and the
 * thresholds) and as the sentence ib_result_explain makes of them.
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

/* Which rule made an IP an attack source (both need no success from it). */
enum ib_attack_rule {
	IB_ATTACK_MANY_USERS = 0,     /* users >= --attack-users */
	IB_ATTACK_NEVER_LOGGED_IN = 1 /* users >= --attack-min-users, never/users >= --attack-ratio */
};

/* An attack source (client IP), excluded from the blast radius. */
struct ib_attack_row {
	char *ip;
	uint64_t users; /* distinct users it failed for */
	uint64_t failures;
	uint64_t successes;
	int64_t first_ms, last_ms;
	enum ib_attack_rule rule;
	uint64_t never_users; /* of users, those with no success anywhere */
	unsigned min_users;   /* the rule's threshold: --attack-users or --attack-min-users */
	double min_ratio;     /* --attack-ratio (IB_ATTACK_NEVER_LOGGED_IN only) */
	char *reason;	      /* the sentence, from ib_result_explain */
};

/* A slow distributed spray, judged as a population of addresses (one row). */
struct ib_campaign_row {
	uint64_t addresses; /* 0: no campaign */
	uint64_t users;	    /* distinct users tried */
	uint64_t failures;
	uint64_t buckets; /* distinct buckets with one of its failures */
	int64_t first_ms, last_ms;
	unsigned min_addresses; /* the rule's thresholds */
	unsigned max_users;	/* --attack-min-users: users per address at most */
	char *reason;		/* the sentence, from ib_result_explain */
};

/* A user left out of the list, and why: credentials failures on a
 * credential-outage server but never a success to prove the password. */
struct ib_unverified_row {
	char *user;
	uint64_t failures;  /* credentials failures in the window (max over layers) */
	double cred_factor; /* --cred-factor of the credentials rule */
	char *reason;	    /* the sentence, from ib_result_explain */
};

/* A stale client: a (user, address) pair that never got in and kept
 * failing with credentials errors since well before a window; its failures
 * in the window are not outage failures. */
struct ib_stale_row {
	char *user;
	char *ip;
	uint64_t failures;     /* all its credentials failures in range */
	uint64_t win_failures; /* of them, in windows it was stale for */
	int64_t first_ms, last_ms;
	char *reason; /* the sentence, from ib_result_explain */
};

/* Thresholds of the detection rule (--window-factor, --window-min-rate,
 * --window-min-failures, --window-gap); see docs/method.md. */
struct ib_window_params {
	double factor;	       /* bucket rate >= factor x baseline */
	double min_rate;       /* bucket rate >= baseline + min_rate */
	unsigned min_failures; /* bucket failures >= min_failures */
	unsigned gap;	       /* hot buckets this many buckets apart or fewer merge */
	unsigned min_users;    /* bucket failing users >= min_users */
};

/* The detection series: one per layer, one for the identity provider
 * (Entra sign-ins), whose "success" for an attempt that failed at IMAP must
 * not dilute the server layer's rate, and the layers summed (IdP left out). */
#define IB_SERIES_IDP IB_LAYER_COUNT
#define IB_SERIES_ALL (IB_LAYER_COUNT + 1)
#define IB_SERIES_COUNT (IB_LAYER_COUNT + 2)
/* "client", "proxy", "server", "identity provider", "layers summed". */
const char *ib_series_name(unsigned series);

/* How the window was decided; the rule sentence is made from it. */
enum ib_window_verdict {
	IB_WV_NO_EVENTS = 0,	  /* no events in range (a window may still be given) */
	IB_WV_GIVEN = 1,	  /* --window, widened to bucket boundaries */
	IB_WV_NO_FAILURES = 2,	  /* no credentials, temporary or timeout failures in range */
	IB_WV_NONE_QUALIFIED = 3, /* no bucket passed the detection rule */
	IB_WV_DETECTED = 4
};

struct ib_window_why {
	enum ib_window_verdict verdict;
	int64_t given_start_ms, given_end_ms; /* --window as given, or IB_TIME_NONE */
	double baseline; /* median bucket failure rate, all layers summed (detection only) */
	/* detection judges each series on its own: the layers, then the
	 * identity provider (IB_SERIES_IDP); present: the series had attempts */
	double series_baseline[IB_SERIES_COUNT];
	int series_present[IB_SERIES_COUNT];
	struct ib_window_params params; /* the thresholds (detection only) */
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
	int in_window; /* 0 outside every window, else 1 + the index of its window in windows */
};

/* One incident window: its own row of numbers (summary.md, summary.json). */
struct ib_window_row {
	int64_t start_ms, end_ms; /* [start, end), on bucket boundaries */
	uint64_t outage_failures; /* outage failures in it, all layers */
	uint64_t affected_users;  /* distinct users with an outage failure in it */
	int64_t peak_bucket_ms;	  /* its bucket with most affected users, or IB_TIME_NONE */
	uint64_t peak_users;
};

/*
 * One protocol (event.h) side by side with the others (docs/method.md,
 * "Protocols"): classified events of every layer, attack sources
 * included, from the aggregator's protocol table, which also holds the
 * protocols --protocols leaves out of the blast radius.
 */
struct ib_proto_row {
	enum ib_proto protocol;
	int counted; /* --protocols counts it toward the blast radius */
	/* the range */
	uint64_t events, successes, failures, outage;
	/* in the windows (0 without one) */
	uint64_t win_events, win_successes, win_failures, win_outage;
	/* the protocols verdict: 1 when its outage failures in the windows
	 * are at least IB_PROTO_FAILED_RATE of its events there and at least
	 * twice its rate outside them (docs/method.md) */
	int failed;
};

#define IB_PROTO_FAILED_RATE 0.05

struct ib_sig_row {
	char *name;
	enum ib_category category;
	uint64_t count; /* attack sources excluded */
	uint64_t in_window;
};

struct ib_file_row {
	char *path;
	char *format;		 /* parser, or "" */
	struct ib_file_counts c; /* c.format is format; c.sample[i] are owned by the result */
};

/* Login-looking lines nothing took, of one shape (coverage.h). */
struct ib_shape_row {
	char *shape;
	char *sample; /* the first such line, cut (ib_line_sample); not for --redact */
	uint64_t count;
	char *first; /* "file:line" of the sample */
};

/*
 * Repeated input (docs/method.md, "Repeated input"): an input not read
 * because its content equals another input's (events 0), or an input
 * read whose `events` events repeat events of earlier inputs.
 */
struct ib_dup_file {
	char *path;
	char *same_as;	 /* the input read instead, or the inputs holding the same events */
	uint64_t events; /* 0: the whole file was not read */
};

struct ib_reason_row {
	char *reason;
	uint64_t count;
	char *sample; /* "file:line" */
};

/* A log gap: a backend silent while the proxy logged logins it served. */
struct ib_gap_row {
	char *server;
	int64_t start_ms, end_ms; /* the silent buckets with proxy successes, [start, end) */
	uint64_t proxy_successes; /* logins the proxy routed to it meanwhile */
};

struct ib_input_error {
	char *path;
	uint64_t offset;
	char *reason;
};

enum ib_window_source { IB_WIN_NONE = 0, IB_WIN_GIVEN, IB_WIN_DETECTED };

/* The server-by-time grid (servers.svg): at most this many columns and rows. */
#define IB_GRID_COLS 400
#define IB_GRID_ROWS 200

/*
 * Per server and column of time: attempts and outage failures (as
 * servers[] counts them: live cells, attack sources excluded, connection
 * outcomes included; a failure is an outage failure by the rule of
 * docs/method.md section 5, in or out of the window). Rows are the
 * servers by name, the first IB_GRID_ROWS of them; a column holds
 * col_buckets consecutive buckets, from buckets[0].
 */
struct ib_server_grid {
	size_t nrows, ncols;
	size_t more;	     /* servers left out after the first IB_GRID_ROWS by name */
	int64_t col_buckets; /* buckets per column, >= 1 */
	const char **names;  /* row -> server name (points into servers[]) */
	uint64_t *attempts;  /* [row * ncols + col] */
	uint64_t *failures;  /* [row * ncols + col], outage failures */
};

/* The retry histogram: outage failures before recovery, per recovered user. */
#define IB_RETRY_BINS 5
struct ib_retry_bin {
	uint64_t max;	   /* the bin holds counts up to max (the last: UINT64_MAX) */
	const char *label; /* short, for summary.json: "1", "2-3", ..., ">100" */
	const char *text;  /* for prose: "1", "2-3", ..., "more than 100" */
};
extern const struct ib_retry_bin ib_retry_bins[IB_RETRY_BINS];
/* The index into ib_retry_bins of a user's failure count. */
size_t ib_retry_bin(uint64_t failures);

struct ib_result {
	/* settings echoed for the report */
	int64_t bucket_ms;
	char *window_rule;		 /* the rule in words, from ib_result_explain */
	struct ib_window_why window_why; /* the rule as fields */
	enum ib_window_source window_source;
	/* the overall span: the first window's start to the last one's end;
	 * IB_TIME_NONE if none */
	int64_t window_start_ms, window_end_ms;
	struct ib_window_row *windows;
	size_t nwindows;		      /* by start, disjoint; a user affected in any is affected */
	int64_t range_start_ms, range_end_ms; /* first and last event time */

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
	/* retries (outage failures) before recovery, by ib_retry_bins */
	uint64_t retries_hist[IB_RETRY_BINS];

	struct ib_user_row *users;
	size_t nusers; /* sorted by user */
	struct ib_attack_row *attacks;
	size_t nattacks;		 /* sorted by ip */
	struct ib_campaign_row campaign; /* its events count in attack_events */
	struct ib_unverified_row *unverified;
	size_t nunverified; /* sorted by user */
	struct ib_stale_row *stale;
	size_t nstale; /* sorted by user, then ip */
	struct ib_server_row *servers;
	size_t nservers;	    /* flagged first, then by server */
	struct ib_server_grid grid; /* empty (nrows 0) without servers or buckets */
	/* servers joined from the logs (ib_agg_join_servers): "FROM=TO", sorted */
	char **server_joins;
	size_t nserver_joins;
	struct ib_layer_row layers[IB_LAYER_COUNT];
	struct ib_bucket_row *buckets;
	size_t nbuckets; /* by time, every bucket of the range */
	struct ib_sig_row *sigs;
	size_t nsigs; /* by count desc, then name */

	/* data quality */
	struct ib_file_row *files;
	size_t nfiles; /* by path */
	struct ib_file_counts total;
	struct ib_dup_file *dup_files;
	size_t ndup_files; /* whole files first, then by path */
	struct ib_reason_row *reasons;
	size_t nreasons; /* by count desc, then reason */
	struct ib_shape_row *shapes;
	size_t nshapes; /* by count desc, then shape */
	struct ib_input_error *errors;
	size_t nerrors; /* by path, then offset */
	struct ib_gap_row *gaps;
	size_t ngaps; /* by server, then start */
	struct ib_proto_row *protocols;
	size_t nprotocols;   /* protocols with events, in enum order, not stated (IB_PROTO_NONE) last */
	char *protocol_note; /* the verdict in words, or NULL: ib_result_explain */
};

/* Analyse. Returns IB_OK and *out, or a negative code. */
int ib_analyze(const struct ib_agg *a, const struct ib_config *cfg, struct ib_result **out,
	       struct ib_error *err);
/*
 * ib_analyze that may move a's cells (the server join moves them instead
 * of copying them: one set of cells at the peak, not two). a is then only
 * to be freed, whatever the result.
 */
int ib_analyze_take(struct ib_agg *a, const struct ib_config *cfg, struct ib_result **out,
		    struct ib_error *err);
/*
 * Make the sentences of r from its fields: window_rule from window_why (and
 * the window), each attack's and each unverified user's reason. Replaces
 * any sentence already there. This is the one place the words live: md,
 * csv and stdout print what it writes. Returns IB_OK or IB_ERR_NOMEM (the
 * sentences made so far stay, the rest are NULL).
 */
int ib_result_explain(struct ib_result *r);
/* Names for programs (summary.json): "no_events", "given", "no_failures",
 * "none_qualified", "detected"; "many_users", "never_logged_in". */
const char *ib_window_verdict_name(enum ib_window_verdict v);
const char *ib_attack_rule_name(enum ib_attack_rule rule);
/* Free r with every string and array it owns; r may be NULL. */
void ib_result_free(struct ib_result *r);

#endif
