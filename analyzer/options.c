/*
 * options.c: the table of command-line options and the parsers of their
 * values. Pure: it fills struct ib_options and says what is wrong in an
 * ib_error; main.c prints, and builds getopt's tables and the help from
 * the rows. Every default is set by ib_config_init and stated in a row's
 * help, README.md and docs/method.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "imapblast/options.h"
#include "imapblast/parser.h"
#include "imapblast/report.h"
#include "imapblast/zone.h"

#define FIELD(f) offsetof(struct ib_options, f), sizeof(((struct ib_options *)0)->f)
#define NOFIELD 0, 0

#define BAD(err, ...) ib_error_set(err, IB_ERR_USAGE, 0, NULL, 0, __VA_ARGS__)

static int set_format(struct ib_options *o, const struct ib_option *opt, const char *arg,
		      struct ib_error *err)
{
	(void)opt;
	if (!ib_parser_find(arg))
		return BAD(err, "unknown format '%s' for option '--%s' (see 'imapblast formats')", arg,
			   "format");
	o->cfg.force_format = arg;
	return IB_OK;
}

/* A malloc'd "glob\0value\0" from the n bytes of glob and value; NULL when out of memory. */
static char *rule_block(const char *glob, size_t n, const char *value, size_t vn)
{
	char *b = malloc(n + vn + 2);

	if (b) {
		memcpy(b, glob, n);
		b[n] = 0;
		memcpy(b + n + 1, value, vn);
		b[n + 1 + vn] = 0;
	}
	return b;
}

static int load_zone(const char *name, struct ib_zone **z, struct ib_error *err)
{
	int rc;

	*z = NULL;
	if (!strcmp(name, "UTC"))
		return IB_OK;
	rc = ib_zone_load(z, name, err);
	if (rc == IB_ERR_NOMEM)
		return rc;
	if (rc < 0)
		return BAD(err, "unknown time zone '%s' for option '--%s'", name, "tz");
	return IB_OK;
}

/* --tz ZONE (the default; the last wins) or --tz GLOB=ZONE (a rule; the first that fits wins). */
static int set_tz(struct ib_options *o, const struct ib_option *opt, const char *arg, struct ib_error *err)
{
	const char *eq = strchr(arg, '=');
	struct ib_zone *z = NULL;
	char *b;
	int rc;

	(void)opt;
	if (eq) {
		if (eq == arg || !eq[1])
			return BAD(err, "bad value for option '--%s': '%s' (want ZONE or GLOB=ZONE)", "tz",
				   arg);
		if (o->nzone_rules == IB_OPT_LIST_MAX)
			return BAD(err, "too many '--%s' options", "tz");
		if ((rc = load_zone(eq + 1, &z, err)) < 0)
			return rc;
		b = rule_block(arg, (size_t)(eq - arg), eq + 1, strlen(eq + 1));
		if (!b) {
			ib_zone_free(z);
			return ib_error_set(err, IB_ERR_NOMEM, 0, NULL, 0, "out of memory");
		}
		o->rule_zones[o->nzone_rules] = z;
		o->zone_rules[o->nzone_rules].glob = b;
		o->zone_rules[o->nzone_rules].value = b + (eq - arg) + 1;
		o->zone_rules[o->nzone_rules].zone = z;
		o->nzone_rules++;
		return IB_OK;
	}
	if ((rc = load_zone(arg, &z, err)) < 0)
		return rc;
	ib_zone_free(o->zone); /* the last --tz wins */
	o->zone = z;
	o->cfg.zone = z;
	o->cfg.tz = arg;
	return IB_OK;
}

/* Add the rule GLOB=USER from the n bytes at s; 1 when s is not of that form. */
static int add_user_rule(struct ib_options *o, const char *s, size_t n, struct ib_error *err)
{
	const char *eq = memchr(s, '=', n);
	char *b;

	if (!eq || eq == s || eq + 1 == s + n)
		return 1;
	if (o->nuser_rules == o->cap_user_rules) {
		size_t cap = o->cap_user_rules ? 2 * o->cap_user_rules : 16;
		struct ib_file_rule *nr = realloc(o->user_rules, cap * sizeof(*nr));

		if (!nr)
			return ib_error_set(err, IB_ERR_NOMEM, 0, NULL, 0, "out of memory");
		o->user_rules = nr;
		o->cap_user_rules = cap;
	}
	b = rule_block(s, (size_t)(eq - s), eq + 1, (size_t)(s + n - eq - 1));
	if (!b)
		return ib_error_set(err, IB_ERR_NOMEM, 0, NULL, 0, "out of memory");
	o->user_rules[o->nuser_rules].glob = b;
	o->user_rules[o->nuser_rules].value = b + (eq - s) + 1;
	o->user_rules[o->nuser_rules].zone = NULL;
	o->nuser_rules++;
	return IB_OK;
}

/* The lines of a --user-of @FILE: GLOB=USER, blank lines and '#' comments. */
static int user_rules_file(struct ib_options *o, const char *path, struct ib_error *err)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	unsigned lineno = 0;
	int rc = IB_OK;

	if (!f)
		return BAD(err, "cannot open '%s' for option '--%s': %s", path, "user-of", strerror(errno));
	while (rc == IB_OK && fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);
		const char *p = line;

		lineno++;
		if (n && line[n - 1] != '\n' && !feof(f)) {
			rc = BAD(err, "%s:%u: line too long for option '--%s'", path, lineno, "user-of");
			break;
		}
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ' ||
			     line[n - 1] == '\t'))
			n--;
		while (n && (*p == ' ' || *p == '\t'))
			p++, n--;
		if (!n || *p == '#')
			continue;
		rc = add_user_rule(o, p, n, err);
		if (rc > 0)
			rc = BAD(err, "%s:%u: bad line for option '--%s' (want GLOB=USER)", path, lineno,
				 "user-of");
	}
	fclose(f);
	return rc;
}

static int set_user_of(struct ib_options *o, const struct ib_option *opt, const char *arg,
		       struct ib_error *err)
{
	int rc;

	(void)opt;
	if (arg[0] == '@')
		return user_rules_file(o, arg + 1, err);
	rc = add_user_rule(o, arg, strlen(arg), err);
	if (rc > 0)
		return BAD(err, "bad value for option '--%s': '%s' (want GLOB=USER or @FILE)", "user-of",
			   arg);
	return rc;
}

static int set_domain(struct ib_options *o, const struct ib_option *opt, const char *arg,
		      struct ib_error *err)
{
	(void)opt;
	if (!*arg || arg[0] == '@' || strchr(arg, '@') || strlen(arg) > 253 || strpbrk(arg, " \t/\\"))
		return BAD(err, "bad value for option '--%s': '%s' (want a domain such as example.org)",
			   "default-domain", arg);
	o->cfg.default_domain = arg;
	return IB_OK;
}

static int set_window(struct ib_options *o, const struct ib_option *opt, const char *arg,
		      struct ib_error *err)
{
	const char *dots = strstr(arg, "..");
	char start[64];
	int64_t s, e;

	(void)opt;
	if (!dots || (size_t)(dots - arg) >= sizeof(start))
		return BAD(err, "bad value for option '--%s': '%s' (want START..END)", "window", arg);
	memcpy(start, arg, (size_t)(dots - arg));
	start[dots - arg] = 0;
	if (ib_parse_instant(start, &s) || ib_parse_instant(dots + 2, &e))
		return BAD(err, "bad time for option '--%s' (want e.g. %s)", "window",
			   "2026-01-14T09:00:00Z");
	if (e <= s)
		return BAD(err, "bad value for option '--%s': '%s' (END must be after START)", "window", arg);
	if (ib_config_add_window(&o->cfg, s, e) < 0)
		return BAD(err, "too many '--%s' options (at most %d)", "window", IB_MAX_WINDOWS);
	return IB_OK;
}

static int set_alias(struct ib_options *o, const struct ib_option *opt, const char *arg, struct ib_error *err)
{
	const char *eq = strchr(arg, '=');
	struct ib_server_alias *a;

	(void)opt;
	if (!eq || eq == arg || !eq[1])
		return BAD(err, "bad value for option '--%s': '%s' (want FROM=TO)", "server-alias", arg);
	if (o->naliases == IB_OPT_LIST_MAX)
		return BAD(err, "too many '--%s' options", "server-alias");
	a = &o->aliases[o->naliases++];
	a->from.ptr = arg;
	a->from.len = (size_t)(eq - arg);
	a->to = ib_str_from(eq + 1);
	return IB_OK;
}

static int set_protocols(struct ib_options *o, const struct ib_option *opt, const char *arg,
			 struct ib_error *err)
{
	unsigned mask = 1u << IB_PROTO_NONE;
	const char *p = arg;

	(void)opt;
	if (!strcmp(arg, "all")) {
		o->cfg.protocols = (1u << IB_PROTO_COUNT) - 1;
		return IB_OK;
	}
	for (;;) {
		const char *c = strchr(p, ',');
		struct ib_str name = {p, c ? (size_t)(c - p) : strlen(p)};
		enum ib_proto proto;

		if (ib_proto_parse(name, &proto) < 0)
			return BAD(err, "bad value for option '--%s': '%s' (want %s)", "protocols", arg,
				   "imap,pop3,smtp,eas,http,other or all");
		mask |= 1u << proto;
		if (!c)
			break;
		p = c + 1;
	}
	o->cfg.protocols = mask;
	return IB_OK;
}

static int set_outputs(struct ib_options *o, const struct ib_option *opt, const char *arg,
		       struct ib_error *err)
{
	char names[64];
	unsigned mask;

	(void)opt;
	if (ib_report_select(arg, &mask) < 0) {
		ib_report_names(names, sizeof(names));
		return BAD(err, "bad value for option '--%s': '%s' (want %s)", "format-out", arg, names);
	}
	if (!mask)
		return BAD(err, "bad value for option '--%s': '%s'", "format-out", arg);
	o->cfg.outputs = mask;
	return IB_OK;
}

static void help_outputs(char *buf, size_t size)
{
	char names[64];

	ib_report_names(names, sizeof(names));
	snprintf(buf, size, "files to write: %s (default all)", names);
}

/*
 * One macro per kind, as git's OPT_BOOL and OPT_STRING: long name, short
 * name, argument name, help, section, commands, then what the kind needs.
 */
#define ROW(l, s, a, h, sec, cmds, kind, off_size, lo, hi, parse, fill)                                      \
	{                                                                                                    \
		l, s, a, h, sec, cmds, kind, off_size, lo, hi, parse, fill                                   \
	}
#define OPT_FLAG(l, s, h, sec, cmds, f) ROW(l, s, NULL, h, sec, cmds, IB_OPT_FLAG, FIELD(f), 0, 0, NULL, NULL)
#define OPT_UINT(l, s, a, h, sec, cmds, f, lo, hi)                                                           \
	ROW(l, s, a, h, sec, cmds, IB_OPT_UINT, FIELD(f), lo, hi, NULL, NULL)
#define OPT_DOUBLE(l, s, a, h, sec, cmds, f, lo, hi)                                                         \
	ROW(l, s, a, h, sec, cmds, IB_OPT_DOUBLE, FIELD(f), lo, hi, NULL, NULL)
#define OPT_TIME(l, s, a, h, sec, cmds, f) ROW(l, s, a, h, sec, cmds, IB_OPT_TIME, FIELD(f), 0, 0, NULL, NULL)
#define OPT_DURATION(l, s, a, h, sec, cmds, f, lo, hi)                                                       \
	ROW(l, s, a, h, sec, cmds, IB_OPT_DURATION, FIELD(f), lo, hi, NULL, NULL)
#define OPT_STRING(l, s, a, h, sec, cmds, f)                                                                 \
	ROW(l, s, a, h, sec, cmds, IB_OPT_STRING, FIELD(f), 0, 0, NULL, NULL)
#define OPT_LIST(l, s, a, h, sec, cmds, f) ROW(l, s, a, h, sec, cmds, IB_OPT_LIST, FIELD(f), 0, 0, NULL, NULL)
#define OPT_CUSTOM(l, s, a, h, sec, cmds, fn, fill)                                                          \
	ROW(l, s, a, h, sec, cmds, IB_OPT_CUSTOM, NOFIELD, 0, 0, fn, fill)
#define OPT_END ROW(NULL, 0, NULL, NULL, NULL, 0, IB_OPT_FLAG, NOFIELD, 0, 0, NULL, NULL)

/* Shorthands for the commands of a row. */
#define A IB_CMD_ANALYSE
#define M IB_CMD_MERGE
#define R IB_CMD_RULES
#define F IB_CMD_FORMATS
#define E IB_CMD_EVENTS
#define IN "Input"
#define AN "Analysis"
#define OUT "Output"

const struct ib_option ib_option_table[] = {
    OPT_UINT("jobs", 'j', "N", "use N threads (default: CPUs, at most 4)", IN, A | M, cfg.jobs, 1, 256),
    OPT_CUSTOM("format", 0, "NAME", "force a parser (see 'imapblast formats')", IN, A | R | E, set_format,
	       NULL),
    OPT_CUSTOM("tz", 0, "[GLOB=]ZONE", "zone of logs without one, e.g. Europe/Berlin (default UTC)", IN,
	       A | R | E, set_tz, NULL),
    OPT_CUSTOM("user-of", 0, "GLOB=USER", "user of the events of matching files that name none (or @FILE)",
	       IN, A | R | E, set_user_of, NULL),
    OPT_CUSTOM("default-domain", 0, "DOMAIN", "count bare user names as user@DOMAIN", IN, A | R | E,
	       set_domain, NULL),
    OPT_UINT("year", 0, "YYYY", "year of yearless syslog dates (default: from file mtime)", IN, A | R | E,
	     cfg.year, 1970, 9999),
    OPT_UINT("max-line", 0, "BYTES", "skip and count longer lines (default 65536)", IN, A | R | E,
	     cfg.max_line, 256, 1 << 30),
    OPT_LIST("rules", 0, "FILE", "add signature rules (repeatable; same name replaces)", IN, A | R | E,
	     rules),
    OPT_FLAG("no-default-rules", 0, "use only --rules files", IN, A | R | E, cfg.no_default_rules),

    OPT_DURATION("bucket", 0, "DURATION", "time bucket, e.g. 1m, 5m, 1h (default 5m)", AN, A, cfg.bucket_ms,
		 1000, 7 * 86400000.0),
    OPT_TIME("since", 0, "TIME", "ignore events before TIME (ISO 8601, UTC unless offset)", AN, A | M | R | E,
	     cfg.since_ms),
    OPT_TIME("until", 0, "TIME", "ignore events at or after TIME", AN, A | M | R | E, cfg.until_ms),
    OPT_CUSTOM("window", 0, "START..END", "incident window instead of detecting it (repeatable)", AN, A | M,
	       set_window, NULL),
    OPT_UINT("attack-users", 0, "N", "IP failing for >= N users, no success: attacker (20)", AN, A | M,
	     cfg.attack_users, 1, 1000000),
    OPT_UINT("attack-min-users", 0, "N", "smallest spray for the ratio rule (3)", AN, A | M,
	     cfg.attack_min_users, 1, 1000000),
    OPT_DOUBLE("attack-ratio", 0, "R", "share of never-succeeding users for the ratio rule (0.8)", AN, A | M,
	       cfg.attack_ratio, 0, 1),
    OPT_LIST("trusted-proxy", 0, "IP", "never treat IP as an attack source (repeatable)", AN, A | M, proxies),
    OPT_CUSTOM("protocols", 0, "LIST", "count logins of these protocols (default imap,pop3; or all)", AN,
	       A | E, set_protocols, NULL),
    OPT_CUSTOM("server-alias", 0, "FROM=TO", "count server FROM (or FROM:port) as TO (repeatable)", AN, A | E,
	       set_alias, NULL),
    OPT_DOUBLE("window-factor", 0, "F", "hot bucket: rate >= F x baseline (3.0)", AN, A | M,
	       cfg.window_factor, 0, 1e9),
    OPT_DOUBLE("window-min-rate", 0, "R", "and rate >= baseline + R (0.05)", AN, A | M, cfg.window_min_rate,
	       0, 1e9),
    OPT_UINT("window-min-failures", 0, "N", "and >= N failures in the bucket (3)", AN, A | M,
	     cfg.window_min_failures, 0, 1000000000),
    OPT_UINT("window-min-users", 0, "N", "and >= N distinct users failing in the bucket (3)", AN, A | M,
	     cfg.window_min_users, 1, 1000000000),
    OPT_UINT("window-gap", 0, "N", "merge hot periods across N quiet buckets (2)", AN, A | M, cfg.window_gap,
	     0, 100000),
    OPT_DOUBLE("cred-factor", 0, "F", "credentials count as outage when F x baseline (3.0)", AN, A | M,
	       cfg.cred_factor, 0, 1e9),
    OPT_DOUBLE("server-factor", 0, "F", "flag a server at F x the fleet's rate (2.0)", AN, A | M,
	       cfg.server_factor, 0, 1e9),

    OPT_STRING("output", 'o', "DIR", "report folder (default imapblast-report)", OUT, A | M, cfg.out_dir),
    OPT_CUSTOM("format-out", 0, "LIST", "files to write (default all)", OUT, A | M, set_outputs,
	       help_outputs),
    OPT_STRING("redact", 0, "KEYFILE", "pseudonymise users in md, json and svg (key from file)", OUT, A | M,
	       redact_file),
    OPT_FLAG("force", 0, "overwrite files imapblast did not write", OUT, A | M, cfg.force),
    OPT_FLAG("stamp", 0, "write the generation time into the report", OUT, A | M, cfg.stamp),
    OPT_STRING("save-state", 0, "FILE", "also save the partial aggregate for 'imapblast merge'", OUT, A | M,
	       save_state),
    OPT_FLAG("outputs", 0, "list the report files instead of the formats", OUT, F, outputs),
    OPT_FLAG("test", 0, "run FILE... through the rules instead of listing them", OUT, R, test),
    OPT_FLAG("verbose", 'v', "with --test, also show the line each rule matched", OUT, R, verbose),
    OPT_FLAG("quiet", 'q', "no progress, no summary on stdout", OUT, A | M, cfg.quiet),
    OPT_FLAG("help", 'h', "this help", OUT, IB_CMD_ALL, help),
    OPT_FLAG("version", 'V', "version and inflate backend", OUT, IB_CMD_ALL, version),
    OPT_END,
};

const char *ib_option_help(const struct ib_option *opt, char *buf, size_t size)
{
	if (!opt->help_fill || !size)
		return opt->help;
	opt->help_fill(buf, size);
	return buf;
}

void ib_options_init(struct ib_options *o)
{
	memset(o, 0, sizeof(*o));
	ib_config_init(&o->cfg);
}

static void store_uint(void *p, size_t size, unsigned long v)
{
	if (size == sizeof(size_t)) {
		size_t x = v;

		memcpy(p, &x, size);
	} else {
		unsigned x = (unsigned)v; /* an int or an unsigned: the bounds keep v <= INT_MAX */

		memcpy(p, &x, sizeof(x));
	}
}

int ib_options_set(struct ib_options *o, const struct ib_option *opt, const char *arg, struct ib_error *err)
{
	char *base = (char *)o + opt->offset, *end;
	const char *name = opt->long_name;
	unsigned long u;
	double d;
	int64_t t;
	struct ib_opt_list *list;

	switch (opt->kind) {
	case IB_OPT_FLAG:
		*(int *)(void *)base = 1;
		return IB_OK;
	case IB_OPT_UINT:
		if (!arg || *arg < '0' || *arg > '9')
			return BAD(err, "option '--%s' needs a number", name);
		errno = 0;
		u = strtoul(arg, &end, 10);
		if (errno || *end || (double)u < opt->lo || (double)u > opt->hi)
			return BAD(err, "bad value for option '--%s'", name);
		store_uint(base, opt->size, u);
		return IB_OK;
	case IB_OPT_DOUBLE:
		errno = 0;
		d = strtod(arg, &end);
		if (errno || *end || end == arg || !(d >= opt->lo) || d > 1e9)
			return BAD(err, "bad value for option '--%s'", name);
		if (d > opt->hi)
			return BAD(err, "bad value for option '--%s' (want %g..%g)", name, opt->lo, opt->hi);
		memcpy(base, &d, sizeof(d));
		return IB_OK;
	case IB_OPT_TIME:
		if (ib_parse_instant(arg, &t))
			return BAD(err, "bad time for option '--%s' (want e.g. %s)", name,
				   "2026-01-14T09:00:00Z");
		memcpy(base, &t, sizeof(t));
		return IB_OK;
	case IB_OPT_DURATION:
		if (ib_parse_duration(arg, &t) || (double)t < opt->lo || (double)t > opt->hi)
			return BAD(err, "bad duration '%s' for option '--%s' (want e.g. 1m, 5m, 1h)", arg,
				   name);
		memcpy(base, &t, sizeof(t));
		return IB_OK;
	case IB_OPT_STRING:
		memcpy(base, &arg, sizeof(arg));
		return IB_OK;
	case IB_OPT_LIST:
		list = (struct ib_opt_list *)(void *)base;
		if (list->n == IB_OPT_LIST_MAX)
			return BAD(err, "too many '--%s' options", name);
		list->v[list->n++] = arg;
		return IB_OK;
	case IB_OPT_CUSTOM:
		return opt->parse(o, opt, arg, err);
	}
	return ib_error_set(err, IB_ERR_INTERNAL, 0, NULL, 0, "option '--%s' has no parser", name);
}

void ib_options_finish(struct ib_options *o)
{
	o->rules.v[o->rules.n] = NULL;
	o->proxies.v[o->proxies.n] = NULL;
	o->cfg.rules_files = o->rules.n ? o->rules.v : NULL;
	o->cfg.trusted_proxies = o->proxies.n ? o->proxies.v : NULL;
	o->cfg.server_aliases = o->naliases ? o->aliases : NULL;
	o->cfg.nserver_aliases = o->naliases;
	o->cfg.zone_rules = o->nzone_rules ? o->zone_rules : NULL;
	o->cfg.nzone_rules = o->nzone_rules;
	o->cfg.user_rules = o->nuser_rules ? o->user_rules : NULL;
	o->cfg.nuser_rules = o->nuser_rules;
}

void ib_options_release(struct ib_options *o)
{
	ib_zone_free(o->zone);
	o->zone = NULL;
	o->cfg.zone = NULL;
	for (size_t i = 0; i < o->nzone_rules; i++) {
		ib_zone_free(o->rule_zones[i]);
		free((char *)o->zone_rules[i].glob);
	}
	o->nzone_rules = 0;
	for (size_t i = 0; i < o->nuser_rules; i++)
		free((char *)o->user_rules[i].glob);
	free(o->user_rules);
	o->user_rules = NULL;
	o->nuser_rules = o->cap_user_rules = 0;
	o->cfg.zone_rules = o->cfg.user_rules = NULL;
	o->cfg.nzone_rules = o->cfg.nuser_rules = 0;
}
