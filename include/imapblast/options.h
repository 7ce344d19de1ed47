/*
 * options.h: every command-line option as one row of ib_option_table, in
 * the spirit of git's parse-options: its names, argument, help text,
 * help section, the commands that take it, and how its value is parsed
 * and where it is stored. main.c builds getopt's tables and every
 * command's help from the rows; this module only parses values and never
 * prints. A new option costs one row (and a field when it needs one).
 */
#ifndef IMAPBLAST_OPTIONS_H
#define IMAPBLAST_OPTIONS_H

#include "common.h"
#include "config.h"

/* At most this many values of a repeatable option. */
#define IB_OPT_LIST_MAX 64

/* The commands an option applies to (a bit set). */
enum ib_command {
	IB_CMD_ANALYSE = 1, /* imapblast [OPTIONS] PATH... */
	IB_CMD_MERGE = 2,   /* imapblast merge [OPTIONS] STATE... */
	IB_CMD_RULES = 4,   /* imapblast rules [OPTIONS] [FILE...] */
	IB_CMD_FORMATS = 8, /* imapblast formats */
	IB_CMD_EVENTS = 16, /* imapblast events [OPTIONS] PATH... */
	IB_CMD_ALL = 31
};

/* How a row's value is parsed; the target field's type follows from it. */
enum ib_opt_kind {
	IB_OPT_FLAG,	 /* no argument; sets an int to 1 */
	IB_OPT_UINT,	 /* decimal in [lo, hi]; an int, unsigned or size_t */
	IB_OPT_DOUBLE,	 /* decimal in [lo, hi]; a double */
	IB_OPT_TIME,	 /* ISO 8601 instant (ib_parse_instant); an int64_t of ms */
	IB_OPT_DURATION, /* "5m" (ib_parse_duration) in [lo, hi] ms; an int64_t of ms */
	IB_OPT_STRING,	 /* the argument itself; a const char * (argv outlives the run) */
	IB_OPT_LIST,	 /* appended to a struct ib_opt_list (repeatable) */
	IB_OPT_CUSTOM	 /* the row's parse function */
};

/* Values of a repeatable option: v[n] is NULL. */
struct ib_opt_list {
	const char *v[IB_OPT_LIST_MAX + 1];
	size_t n;
};

/* Everything the command line sets: the run's config and the CLI's own. */
struct ib_options {
	struct ib_config cfg;
	struct ib_opt_list rules;			 /* --rules */
	struct ib_opt_list proxies;			 /* --trusted-proxy */
	struct ib_server_alias aliases[IB_OPT_LIST_MAX]; /* --server-alias, parsed */
	size_t naliases;
	const char *save_state;	 /* --save-state FILE */
	const char *redact_file; /* --redact KEYFILE */
	struct ib_zone *zone;	 /* --tz, loaded; o->cfg.zone points at it */
	/* --tz GLOB=ZONE: rules and their zones, owned (glob and name in one block) */
	struct ib_file_rule zone_rules[IB_OPT_LIST_MAX];
	struct ib_zone *rule_zones[IB_OPT_LIST_MAX];
	size_t nzone_rules;
	/* --user-of: rules, owned (glob and user in one block), grown as needed */
	struct ib_file_rule *user_rules;
	size_t nuser_rules, cap_user_rules;
	int outputs; /* formats --outputs */
	int test;    /* rules --test */
	int verbose; /* -v */
	int help;    /* -h: the caller prints help and stops */
	int version; /* -V: the caller prints the version and stops */
};

struct ib_option {
	const char *long_name; /* required: "max-line" (without "--") */
	int short_name;	       /* optional: 'j', or 0 */
	const char *argh;      /* the argument's name in help ("N"), or NULL: no argument */
	const char *help;      /* required: one line, lower case, no final dot */
	const char *section;   /* required: help heading ("Input"); rows of a section are adjacent */
	unsigned commands;     /* required: enum ib_command bits */
	enum ib_opt_kind kind;
	size_t offset; /* the target field in struct ib_options (not for CUSTOM) */
	size_t size;   /* its size */
	double lo, hi; /* bounds of UINT, DOUBLE and DURATION */
	/* CUSTOM only: parse arg into o; on a bad value fill err, return IB_ERR_USAGE */
	int (*parse)(struct ib_options *o, const struct ib_option *opt, const char *arg,
		     struct ib_error *err);
	/*
	 * Optional: write the help line into buf (size bytes, NUL-terminated)
	 * when it depends on another table (the writers' names); help is
	 * then its fixed summary. Use ib_option_help to get either.
	 */
	void (*help_fill)(char *buf, size_t size);
};

/* The rows, in help order; ended by a row whose long_name is NULL. */
extern const struct ib_option ib_option_table[];

/* opt's help line: opt->help, or what opt->help_fill writes into buf. */
const char *ib_option_help(const struct ib_option *opt, char *buf, size_t size);

/* Set o->cfg to its defaults (ib_config_init) and everything else to none. */
void ib_options_init(struct ib_options *o);

/*
 * Parse arg (NULL for a row without argument) per opt and store it in o.
 * Returns IB_OK, or IB_ERR_USAGE with err->msg saying what is wrong, e.g.
 * "bad value for option '--jobs'", or IB_ERR_NOMEM.
 */
int ib_options_set(struct ib_options *o, const struct ib_option *opt, const char *arg, struct ib_error *err);

/*
 * After the last option: point o->cfg's lists at o's storage. Call once,
 * before o->cfg is used. o must not move afterwards.
 */
void ib_options_finish(struct ib_options *o);

/* Free what ib_options_set allocated (the zone). o->cfg is unusable afterwards. */
void ib_options_release(struct ib_options *o);

#endif
