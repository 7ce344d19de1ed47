/*
 * config.h: every option of a run, filled by analyzer/main.c and passed
 * down as `const struct ib_config *`. No module keeps a global copy.
 * ib_config_init sets the documented defaults.
 */
#ifndef IMAPBLAST_CONFIG_H
#define IMAPBLAST_CONFIG_H

#include "common.h"

enum ib_out_mask {
	IB_OUT_CSV = 1,	 /* affected-users.csv and excluded.csv */
	IB_OUT_MD = 2,	 /* summary.md */
	IB_OUT_JSON = 4, /* summary.json */
	IB_OUT_SVG = 8,	 /* timeline.svg */
	IB_OUT_ALL = 15
};

/* One --server-alias FROM=TO; both slices point into the option's argument. */
struct ib_server_alias {
	struct ib_str from; /* never empty */
	struct ib_str to;   /* never empty */
};

struct ib_zone;

/* The most --window options one run takes. */
#define IB_MAX_WINDOWS 64

/* A span of time [start_ms, end_ms). */
struct ib_span {
	int64_t start_ms, end_ms;
};

/*
 * A per-file rule: --tz GLOB=ZONE or --user-of GLOB=USER. GLOB is matched
 * with fnmatch(3) on the path as given, then on its base name; the first
 * rule that fits a file wins (ib_config_zone_of, ib_config_user_of).
 */
struct ib_file_rule {
	const char *glob;	    /* NUL-terminated, never empty */
	const struct ib_zone *zone; /* --tz: the zone, NULL for UTC */
	const char *value;	    /* the zone's name or the user, never empty */
};

struct ib_config {
	/* input */
	size_t max_line;	  /* --max-line, default 65536 */
	const char *force_format; /* --format NAME, or NULL for detection */
	const char *tz;		  /* --tz ZONE, NULL = UTC */
	/* --tz loaded (zone.h): each file's time policy points at it; NULL = UTC */
	const struct ib_zone *zone;
	/* --tz GLOB=ZONE (repeatable): zones of the files they fit, before cfg->zone */
	const struct ib_file_rule *zone_rules;
	size_t nzone_rules;
	/* --user-of GLOB=USER or @FILE: the user of a file's events that name none */
	const struct ib_file_rule *user_rules;
	size_t nuser_rules;
	/* --default-domain DOMAIN: "bob" is counted as "bob@DOMAIN"; NULL = off */
	const char *default_domain;
	int year;	/* --year YYYY, 0 = from file mtime */
	int date_order; /* --date-order: 0 from the data, 1 mdy, 2 dmy (numeric dates of exports) */
	int jobs;	/* -j N threads, default ib_default_jobs() */

	/* rules */
	const char *const *rules_files; /* --rules FILE (repeatable), NULL-terminated or NULL */
	int no_default_rules;		/* --no-default-rules */

	/* analysis; every threshold documented in docs/method.md */
	int64_t bucket_ms;	 /* --bucket, default 5 min */
	int64_t since_ms;	 /* --since, IB_TIME_NONE = open */
	int64_t until_ms;	 /* --until (exclusive), IB_TIME_NONE = open */
	int64_t window_start_ms; /* --window START..END, IB_TIME_NONE = detect */
	int64_t window_end_ms;	 /* exclusive */
	/*
	 * Every --window (repeatable), in command-line order; the first is also
	 * window_start_ms/end_ms. A caller that sets only those (nwindows 0)
	 * gives that one window. Filled by ib_config_add_window.
	 */
	struct ib_span windows[IB_MAX_WINDOWS];
	size_t nwindows;
	unsigned window_min_users;    /* --window-min-users: users failing in a hot bucket, default 3 */
	unsigned attack_users;	      /* --attack-users, default 20 */
	double attack_ratio;	      /* --attack-ratio, default 0.8 */
	unsigned attack_min_users;    /* --attack-min-users, default 3 */
	double window_factor;	      /* --window-factor, default 3.0: rate >= factor x baseline */
	double window_min_rate;	      /* --window-min-rate, default 0.05: and >= baseline + this */
	unsigned window_min_failures; /* --window-min-failures, default 3 per bucket */
	unsigned window_gap;	      /* --window-gap, default 2 buckets merged across */
	double cred_factor;	      /* --cred-factor, default 3.0 (credentials in window vs baseline) */
	double server_factor;	      /* --server-factor, default 2.0 (server rate vs fleet) */
	const char *const *trusted_proxies; /* --trusted-proxy IP (repeatable), NULL-terminated or NULL */
	/*
	 * --server-alias FROM=TO (repeatable), parsed once: an event whose
	 * server is FROM, or FROM with a ":port", is filed under TO, so a
	 * proxy's upstream "10.0.1.11:143" and the backend's own name "imap2"
	 * count as one server. The first alias that fits wins.
	 */
	const struct ib_server_alias *server_aliases;
	size_t nserver_aliases;
	/*
	 * --protocols LIST: bit (1u << enum ib_proto) set for each protocol
	 * whose logins are counted; default IMAP and POP3. Events of unknown
	 * protocol (IB_PROTO_NONE) always count. Others (SMTP AUTH, ActiveSync,
	 * web logins) are classified but ignored (docs/method.md).
	 */
	unsigned protocols;

	/* output */
	const char *out_dir;		 /* -o DIR, default "imapblast-report" */
	unsigned outputs;		 /* enum ib_out_mask, default IB_OUT_ALL */
	int force;			 /* --force: overwrite files we did not create */
	int stamp;			 /* --stamp: write a "generated at" time */
	int64_t stamp_ms;		 /* the time written with --stamp */
	const unsigned char *redact_key; /* --redact KEYFILE contents, or NULL */
	size_t redact_key_len;
	int quiet; /* --quiet */
};

/* The default thread count: the online CPUs, at most 4. */
int ib_default_jobs(void);

/* Set every field to its default. */
void ib_config_init(struct ib_config *cfg);

/*
 * Append the window [start_ms, end_ms) (a --window): the first one is also
 * window_start_ms/end_ms. Returns 0, or -1 when IB_MAX_WINDOWS are given.
 */
int ib_config_add_window(struct ib_config *cfg, int64_t start_ms, int64_t end_ms);

/*
 * The first rule of rules[0..n) whose glob fits path (fnmatch on the path
 * as given, then on its base name), or NULL.
 */
const struct ib_file_rule *ib_file_rule_find(const struct ib_file_rule *rules, size_t n, const char *path);

/*
 * The zone a file is read in: its --tz GLOB=ZONE rule, else the plain
 * --tz (cfg->zone), else NULL (UTC). *name, when name is not NULL, gets
 * the zone's name as given ("UTC" for none).
 */
const struct ib_zone *ib_config_zone_of(const struct ib_config *cfg, const char *path, const char **name);

/* The --user-of user of a file's events that name none, or NULL. */
const char *ib_config_user_of(const struct ib_config *cfg, const char *path);

/*
 * Parse a duration such as "5m", "30s", "1h", "90" (seconds) into ms.
 * Returns 0, or -1 when s is not a positive duration.
 */
int ib_parse_duration(const char *s, int64_t *out_ms);

/*
 * Parse an ISO 8601 UTC instant: "2026-01-14T09:00:00Z", "2026-01-14T09:00Z",
 * "2026-01-14 09:00:00", "2026-01-14" (midnight), with an optional
 * numeric offset instead of Z. No zone means UTC. Returns 0 or -1.
 */
int ib_parse_instant(const char *s, int64_t *out_ms);

#endif
