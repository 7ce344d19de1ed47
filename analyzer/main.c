/*
 * main.c: the command line. The only code that prints to the user or
 * exits. Exit codes: 0 all input read; 1 some input unreadable, corrupt or
 * skipped (the report is still written and lists it); 2 usage error;
 * 3 internal error (out of memory, cannot write the report).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "imapblast/agg.h"
#include "imapblast/analysis.h"
#include "imapblast/classify.h"
#include "imapblast/config.h"
#include "imapblast/parser.h"
#include "imapblast/pipeline.h"
#include "imapblast/reader.h"
#include "imapblast/report.h"

enum { EXIT_OKAY = 0, EXIT_SKIPPED = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

/*
 * Like git's UNLEAK: the aggregator is the largest structure of a run and
 * freeing its Judy arrays one node at a time cost a tenth of the run; the
 * process is about to exit, so a release build lets the kernel take it
 * back. Sanitizer builds free it, so the leak checks still see every path.
 */
#if defined(__SANITIZE_ADDRESS__) || defined(IB_FREE_AT_EXIT)
#define FREE_AT_EXIT(a) ib_agg_free(a)
#else
#define FREE_AT_EXIT(a) ((void)(a))
#endif

#define MAX_LIST 64

static const char *prog = "imapblast";

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see '%s --help')\n", prog);
	exit(EXIT_USAGE);
}

static void print_help(void)
{
	char files[256], names[64];

	ib_report_files(files, sizeof(files));
	ib_report_names(names, sizeof(names));
	printf("usage: imapblast [OPTIONS] PATH...\n"
	       "       imapblast formats [--outputs]\n"
	       "       imapblast rules [--rules FILE] [--no-default-rules] [--test [-v] FILE...]\n"
	       "       imapblast merge [OPTIONS] STATE...\n"
	       "\n"
	       "Reads IMAP client, proxy and server logs (plain or gzip, files, directories or -\n"
	       "for stdin) and writes the blast radius of an authentication outage to a report\n"
	       "folder: %s.\n"
	       "\n"
	       "Input:\n"
	       "  -j, --jobs N              use N threads (default: CPUs, at most 4)\n"
	       "      --format NAME         force a parser (see 'imapblast formats')\n"
	       "      --tz ZONE             zone of logs without one, e.g. Europe/Berlin (default UTC)\n"
	       "      --year YYYY           year of yearless syslog dates (default: from file mtime)\n"
	       "      --max-line BYTES      skip and count longer lines (default 65536)\n"
	       "      --rules FILE          add signature rules (repeatable; same name replaces)\n"
	       "      --no-default-rules    use only --rules files\n"
	       "Analysis:\n"
	       "      --bucket DURATION     time bucket, e.g. 1m, 5m, 1h (default 5m)\n"
	       "      --since TIME          ignore events before TIME (ISO 8601, UTC unless offset)\n"
	       "      --until TIME          ignore events at or after TIME\n"
	       "      --window START..END   incident window instead of detecting it (repeatable)\n"
	       "      --attack-users N      IP failing for >= N users, no success: attacker (20)\n"
	       "      --attack-min-users N  smallest spray for the ratio rule (3)\n"
	       "      --attack-ratio R      share of never-succeeding users for the ratio rule (0.8)\n"
	       "      --trusted-proxy IP    never treat IP as an attack source (repeatable)\n"
	       "      --server-alias FROM=TO  count server FROM (or FROM:port) as TO (repeatable)\n"
	       "      --window-factor F     hot bucket: rate >= F x baseline (3.0)\n"
	       "      --window-min-rate R   and rate >= baseline + R (0.05)\n"
	       "      --window-min-failures N  and >= N failures in the bucket (3)\n"
	       "      --window-gap N        merge hot periods across N quiet buckets (2)\n"
	       "      --cred-factor F       credentials count as outage when F x baseline (3.0)\n"
	       "      --server-factor F     flag a server at F x the fleet's rate (2.0)\n"
	       "Output:\n"
	       "  -o, --output DIR          report folder (default imapblast-report)\n"
	       "      --format-out LIST     files to write: %s (default all)\n"
	       "      --redact KEYFILE      pseudonymise users in md, json and svg (key from file)\n"
	       "      --force               overwrite files imapblast did not write\n"
	       "      --stamp               write the generation time into the report\n"
	       "      --save-state FILE     also save the partial aggregate for 'imapblast merge'\n"
	       "  -q, --quiet               no progress, no summary on stdout\n"
	       "  -h, --help                this help\n"
	       "  -V, --version             version and inflate backend\n"
	       "\n"
	       "Exit codes: 0 all input read; 1 some input unreadable, corrupt, over-long or\n"
	       "dated far from the rest (the report lists it); 2 usage error; 3 internal error.\n",
	       files, names);
}

enum opt_id {
	O_FORMAT = 256,
	O_TZ,
	O_YEAR,
	O_MAXLINE,
	O_RULES,
	O_NODEF,
	O_BUCKET,
	O_SINCE,
	O_UNTIL,
	O_WINDOW,
	O_ATTACK_USERS,
	O_ATTACK_MIN,
	O_ATTACK_RATIO,
	O_TRUSTED,
	O_WFACTOR,
	O_WMINRATE,
	O_WMINFAIL,
	O_WGAP,
	O_CREDF,
	O_SERVERF,
	O_FORMATOUT,
	O_REDACT,
	O_FORCE,
	O_STAMP,
	O_SAVE,
	O_TEST,
	O_ALIAS
};

static const struct option long_opts[] = {
    {"jobs", required_argument, NULL, 'j'},
    {"format", required_argument, NULL, O_FORMAT},
    {"tz", required_argument, NULL, O_TZ},
    {"year", required_argument, NULL, O_YEAR},
    {"max-line", required_argument, NULL, O_MAXLINE},
    {"rules", required_argument, NULL, O_RULES},
    {"no-default-rules", no_argument, NULL, O_NODEF},
    {"bucket", required_argument, NULL, O_BUCKET},
    {"since", required_argument, NULL, O_SINCE},
    {"until", required_argument, NULL, O_UNTIL},
    {"window", required_argument, NULL, O_WINDOW},
    {"attack-users", required_argument, NULL, O_ATTACK_USERS},
    {"attack-min-users", required_argument, NULL, O_ATTACK_MIN},
    {"attack-ratio", required_argument, NULL, O_ATTACK_RATIO},
    {"trusted-proxy", required_argument, NULL, O_TRUSTED},
    {"server-alias", required_argument, NULL, O_ALIAS},
    {"window-factor", required_argument, NULL, O_WFACTOR},
    {"window-min-rate", required_argument, NULL, O_WMINRATE},
    {"window-min-failures", required_argument, NULL, O_WMINFAIL},
    {"window-gap", required_argument, NULL, O_WGAP},
    {"cred-factor", required_argument, NULL, O_CREDF},
    {"server-factor", required_argument, NULL, O_SERVERF},
    {"output", required_argument, NULL, 'o'},
    {"format-out", required_argument, NULL, O_FORMATOUT},
    {"redact", required_argument, NULL, O_REDACT},
    {"force", no_argument, NULL, O_FORCE},
    {"stamp", no_argument, NULL, O_STAMP},
    {"save-state", required_argument, NULL, O_SAVE},
    {"test", no_argument, NULL, O_TEST},
    {"verbose", no_argument, NULL, 'v'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

struct cli {
	struct ib_config cfg;
	const char *rules[MAX_LIST + 1];
	size_t nrules;
	const char *proxies[MAX_LIST + 1];
	size_t nproxies;
	const char *aliases[MAX_LIST + 1];
	size_t naliases;
	const char *save_state;
	const char *redact_file;
	unsigned char *redact_key;
	int test;
	int verbose;
};

static unsigned long parse_uint(const char *opt, const char *v, unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long x;

	errno = 0;
	if (!v || *v < '0' || *v > '9')
		usage_error("option '%s' needs a number", opt);
	x = strtoul(v, &end, 10);
	if (errno || *end || x < lo || x > hi)
		usage_error("bad value for option '%s'", opt);
	return x;
}

static double parse_double(const char *opt, const char *v)
{
	char *end;
	double x;

	errno = 0;
	x = strtod(v, &end);
	if (errno || *end || end == v || !(x >= 0) || x > 1e9)
		usage_error("bad value for option '%s'", opt);
	return x;
}

static int64_t parse_time(const char *opt, const char *v)
{
	int64_t t;

	if (ib_parse_instant(v, &t))
		usage_error("bad time for option '%s' (want e.g. 2026-01-14T09:00:00Z)", opt);
	return t;
}

static unsigned parse_outputs(const char *v)
{
	char names[64];
	unsigned mask;

	if (ib_report_select(v, &mask) < 0) {
		ib_report_names(names, sizeof(names));
		usage_error("bad value for option '--format-out': '%s' (want %s)", v, names);
	}
	if (!mask)
		usage_error("bad value for option '--format-out': '%s'", v);
	return mask;
}

static void check_tz(const char *tz)
{
	char path[512];
	struct stat st;

	if (!strcmp(tz, "UTC"))
		return;
	if (!*tz || tz[0] == '/' || strstr(tz, ".."))
		usage_error("unknown time zone '%s' for option '--tz'", tz);
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
	if (stat(path, &st) || !S_ISREG(st.st_mode))
		usage_error("unknown time zone '%s' for option '--tz'", tz);
}

static unsigned char *read_key(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	size_t n;

	if (!f) {
		fprintf(stderr, "%s: cannot open key file '%s': %s\n", prog, path, strerror(errno));
		exit(EXIT_USAGE);
	}
	buf = malloc(4097);
	if (!buf)
		exit(EXIT_INTERNAL);
	n = fread(buf, 1, 4097, f);
	fclose(f);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (n < 16 || n > 4096) {
		fprintf(stderr, "%s: key file '%s' must hold 16 to 4096 bytes\n", prog, path);
		free(buf);
		exit(EXIT_USAGE);
	}
	*len = n;
	return buf;
}

static void parse_opts(struct cli *c, int argc, char **argv, int subcmd_rules)
{
	int ch;
	int64_t dur;

	while ((ch = getopt_long(argc, argv, "+j:o:qhVv", long_opts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			c->cfg.jobs = (int)parse_uint("--jobs", optarg, 1, 256);
			break;
		case 'o':
			c->cfg.out_dir = optarg;
			break;
		case 'q':
			c->cfg.quiet = 1;
			break;
		case 'v':
			c->verbose = 1;
			break;
		case 'h':
			print_help();
			exit(EXIT_OKAY);
		case 'V':
			printf("imapblast %s (inflate: %s)\n", IB_VERSION, ib_reader_backend());
			exit(EXIT_OKAY);
		case O_FORMAT:
			if (!ib_parser_find(optarg))
				usage_error(
				    "unknown format '%s' for option '--format' (see 'imapblast formats')",
				    optarg);
			c->cfg.force_format = optarg;
			break;
		case O_TZ:
			check_tz(optarg);
			c->cfg.tz = optarg;
			break;
		case O_YEAR:
			c->cfg.year = (int)parse_uint("--year", optarg, 1970, 9999);
			break;
		case O_MAXLINE:
			c->cfg.max_line = parse_uint("--max-line", optarg, 256, 1UL << 30);
			break;
		case O_RULES:
			if (c->nrules == MAX_LIST)
				usage_error("too many '%s' options", "--rules");
			c->rules[c->nrules++] = optarg;
			break;
		case O_NODEF:
			c->cfg.no_default_rules = 1;
			break;
		case O_BUCKET:
			if (ib_parse_duration(optarg, &dur) || dur < 1000 || dur > 7 * 86400000LL)
				usage_error("bad duration '%s' for option '--bucket' (want e.g. 1m, 5m, 1h)",
					    optarg);
			c->cfg.bucket_ms = dur;
			break;
		case O_SINCE:
			c->cfg.since_ms = parse_time("--since", optarg);
			break;
		case O_UNTIL:
			c->cfg.until_ms = parse_time("--until", optarg);
			break;
		case O_WINDOW: {
			const char *dots = strstr(optarg, "..");
			char start[64];
			int64_t ws, we;

			if (!dots || (size_t)(dots - optarg) >= sizeof(start))
				usage_error("bad value for option '--window': '%s' (want START..END)",
					    optarg);
			memcpy(start, optarg, (size_t)(dots - optarg));
			start[dots - optarg] = 0;
			ws = parse_time("--window", start);
			we = parse_time("--window", dots + 2);
			if (we <= ws)
				usage_error("bad value for option '--window': '%s' (END must be after START)",
					    optarg);
			if (ib_config_add_window(&c->cfg, ws, we) < 0)
				usage_error("too many '--window' options (at most %d)", IB_MAX_WINDOWS);
			break;
		}
		case O_ATTACK_USERS:
			c->cfg.attack_users = (unsigned)parse_uint("--attack-users", optarg, 1, 1000000);
			break;
		case O_ATTACK_MIN:
			c->cfg.attack_min_users =
			    (unsigned)parse_uint("--attack-min-users", optarg, 1, 1000000);
			break;
		case O_ATTACK_RATIO:
			c->cfg.attack_ratio = parse_double("--attack-ratio", optarg);
			if (c->cfg.attack_ratio > 1)
				usage_error("bad value for option '%s' (want 0..1)", "--attack-ratio");
			break;
		case O_TRUSTED:
			if (c->nproxies == MAX_LIST)
				usage_error("too many '%s' options", "--trusted-proxy");
			c->proxies[c->nproxies++] = optarg;
			break;
		case O_ALIAS: {
			const char *eq = strchr(optarg, '=');

			if (!eq || eq == optarg || !eq[1])
				usage_error("bad value for option '--server-alias': '%s' (want FROM=TO)",
					    optarg);
			if (c->naliases == MAX_LIST)
				usage_error("too many '%s' options", "--server-alias");
			c->aliases[c->naliases++] = optarg;
			break;
		}
		case O_WFACTOR:
			c->cfg.window_factor = parse_double("--window-factor", optarg);
			break;
		case O_WMINRATE:
			c->cfg.window_min_rate = parse_double("--window-min-rate", optarg);
			break;
		case O_WMINFAIL:
			c->cfg.window_min_failures =
			    (unsigned)parse_uint("--window-min-failures", optarg, 0, 1000000000);
			break;
		case O_WGAP:
			c->cfg.window_gap = (unsigned)parse_uint("--window-gap", optarg, 0, 100000);
			break;
		case O_CREDF:
			c->cfg.cred_factor = parse_double("--cred-factor", optarg);
			break;
		case O_SERVERF:
			c->cfg.server_factor = parse_double("--server-factor", optarg);
			break;
		case O_FORMATOUT:
			c->cfg.outputs = parse_outputs(optarg);
			break;
		case O_REDACT:
			c->redact_file = optarg;
			break;
		case O_FORCE:
			c->cfg.force = 1;
			break;
		case O_STAMP:
			c->cfg.stamp = 1;
			break;
		case O_SAVE:
			c->save_state = optarg;
			break;
		case O_TEST:
			if (!subcmd_rules)
				usage_error("option '%s' belongs to 'imapblast rules'", "--test");
			c->test = 1;
			break;
		default:
			/* getopt printed "unrecognized option" already. */
			fprintf(stderr, "%s: see '%s --help'\n", prog, prog);
			exit(EXIT_USAGE);
		}
	}
	c->rules[c->nrules] = NULL;
	c->proxies[c->nproxies] = NULL;
	c->aliases[c->naliases] = NULL;
	if (c->naliases)
		c->cfg.server_aliases = c->aliases;
	if (c->nrules)
		c->cfg.rules_files = c->rules;
	if (c->nproxies)
		c->cfg.trusted_proxies = c->proxies;
	if (c->cfg.tz) {
		setenv("TZ", c->cfg.tz, 1);
		tzset();
	}
	if (c->redact_file) {
		c->redact_key = read_key(c->redact_file, &c->cfg.redact_key_len);
		c->cfg.redact_key = c->redact_key;
	}
	if (c->cfg.stamp) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		c->cfg.stamp_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	}
}

static void report_error(const struct ib_error *e)
{
	if (e->msg[0])
		fprintf(stderr, "%s: %s\n", prog, e->msg);
	else
		fprintf(stderr, "%s: error %d\n", prog, e->code);
}

static int load_rules(const struct cli *c, struct ib_rules **out)
{
	struct ib_error err;

	memset(&err, 0, sizeof(err));
	if (ib_rules_new(out, !c->cfg.no_default_rules, &err) < 0)
		goto fail;
	for (size_t i = 0; i < c->nrules; i++)
		if (ib_rules_load_file(*out, c->rules[i], &err) < 0)
			goto fail;
	if (ib_rules_compile(*out, &err) < 0)
		goto fail;
	return 0;
fail:
	report_error(&err);
	ib_rules_free(*out);
	*out = NULL;
	return err.code == IB_ERR_NOMEM ? EXIT_INTERNAL : EXIT_USAGE;
}

/* ---- progress on a TTY ---- */

struct progress {
	uint64_t total;
	struct timespec start, last;
	int shown;
};

static double secs_since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void show_progress(void *arg, uint64_t done)
{
	struct progress *p = arg;
	struct timespec now;
	double el, rate;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (p->shown && secs_since(&p->last, &now) < 0.1)
		return;
	p->last = now;
	p->shown = 1;
	el = secs_since(&p->start, &now);
	rate = el > 0 ? (double)done / el / 1e6 : 0;
	if (p->total) {
		double left = rate > 0 && p->total > done ? (double)(p->total - done) / 1e6 / rate : 0;
		fprintf(stderr, "\r%8.1f of %.1f MB (%3.0f%%)  %6.1f MB/s  ETA %d:%02d   ",
			(double)done / 1e6, (double)p->total / 1e6, 100.0 * (double)done / (double)p->total,
			rate, (int)(left / 60), (int)left % 60);
	} else {
		fprintf(stderr, "\r%8.1f MB  %6.1f MB/s   ", (double)done / 1e6, rate);
	}
}

/* ---- subcommands ---- */

static int cmd_formats(int outputs)
{
	for (size_t i = 0; outputs && ib_writers[i]; i++)
		printf("%-12s %s\n", ib_writers[i]->name, ib_writers[i]->file);
	for (size_t i = 0; !outputs && ib_parsers[i]; i++) {
		const struct ib_parser *p = ib_parsers[i];
		const char *how = p->probe && p->programs ? "file, syslog" : p->probe ? "file" : "syslog";

		printf("%-12s %-7s %-13s %s\n", p->name, ib_layer_name(p->layer), how, p->description);
	}
	return EXIT_OKAY;
}

/* What `imapblast rules --test` counts, fed by the pipeline's observer. */
struct rules_tally {
	size_t nr;
	uint64_t *per_rule;
	uint64_t per_cat[IB_CAT_COUNT];
	uint64_t unmatched;
	int verbose;
};

/* Print at most max bytes of log text, control bytes as \xHH (log data is hostile). */
static void put_text(struct ib_str s, size_t max)
{
	for (size_t i = 0; i < s.len && i < max; i++) {
		unsigned char ch = (unsigned char)s.ptr[i];

		if (ch < 0x20 || ch == 0x7f)
			printf("\\x%02x", ch);
		else
			putchar(ch);
	}
}

static void rt_format(void *arg, const char *path, const struct ib_parser *p)
{
	(void)arg;
	printf("%s: format %s\n", path, p ? p->name : "(unknown)");
}

static void rt_event(void *arg, const char *path, uint64_t lineno, const struct ib_event *ev,
		     const struct ib_match *m)
{
	struct rules_tally *t = arg;

	t->per_cat[m->category]++;
	if (m->rule >= 0 && (size_t)m->rule < t->nr)
		t->per_rule[m->rule]++;
	if (m->category == IB_CAT_NONE) {
		t->unmatched++;
		if (!(ev->flags & IB_EV_AUTH_HINT))
			return;
		printf("  no rule  %s:%llu: ", path, (unsigned long long)lineno);
	} else if (t->verbose) {
		printf("  %-11s %-32s %s:%llu: ", ib_category_name(m->category),
		       m->signature ? m->signature : "-", path, (unsigned long long)lineno);
	} else {
		return;
	}
	put_text(ev->message, 300);
	putchar('\n');
}

/*
 * Like fail2ban-regex: run each file through the same pipeline as an
 * analysis (detection, parsers with held-back events, time policy,
 * classifier) and show which rule took what, and the authentication lines
 * no rule took.
 */
static int rules_test(const struct cli *c, const struct ib_rules *rules, int argc, char **argv)
{
	struct ib_classifier *cls = NULL;
	struct ib_agg *agg = NULL;
	struct ib_error err;
	struct rules_tally t;
	struct ib_observer obs = {rt_format, rt_event, &t};
	uint64_t lines = 0, events = 0, ignored = 0, unparsed = 0, overlong = 0;
	int rc = EXIT_OKAY;

	memset(&err, 0, sizeof(err));
	memset(&t, 0, sizeof(t));
	t.nr = ib_rules_count(rules);
	t.verbose = c->verbose;
	t.per_rule = calloc(t.nr + 1, sizeof(*t.per_rule));
	if (!t.per_rule || ib_classifier_new(&cls, rules, &err) < 0 ||
	    ib_agg_new(&agg, c->cfg.bucket_ms) < 0) {
		free(t.per_rule);
		ib_classifier_free(cls);
		return EXIT_INTERNAL;
	}
	for (int i = 0; i < argc && rc != EXIT_INTERNAL; i++) {
		int frc = ib_pipeline_file_observed(&c->cfg, cls, argv[i], agg, &obs, &err);

		if (frc < 0) {
			report_error(&err);
			rc = EXIT_INTERNAL;
		}
	}
	for (size_t i = 0; i < ib_agg_nerrors(agg); i++) {
		fprintf(stderr, "%s: warning: %s\n", prog, ib_agg_error(agg, i)->msg);
		if (rc == EXIT_OKAY)
			rc = EXIT_SKIPPED;
	}
	for (uint32_t f = 0; f < ib_agg_nstr(agg, IB_S_FILE); f++) {
		const struct ib_file_counts *fc = ib_agg_file_get(agg, f);

		if (!fc)
			continue;
		lines += fc->lines;
		events += fc->events;
		ignored += fc->ignored;
		unparsed += fc->unparseable;
		overlong += fc->overlong;
	}
	printf("\nlines %llu = events %llu + ignored %llu + unparseable %llu + over-long %llu\n",
	       (unsigned long long)lines, (unsigned long long)events, (unsigned long long)ignored,
	       (unsigned long long)unparsed, (unsigned long long)overlong);
	printf("parsed events that matched no rule: %llu\nby category (events without a timestamp "
	       "included):\n",
	       (unsigned long long)t.unmatched);
	for (int k = 1; k < IB_CAT_COUNT; k++)
		printf("  %-12s %llu\n", ib_category_name((enum ib_category)k),
		       (unsigned long long)t.per_cat[k]);
	printf("\nper rule:\n");
	for (size_t k = 0; k < t.nr; k++) {
		struct ib_rule_info info;

		if (!t.per_rule[k])
			continue;
		ib_rules_get(rules, k, &info);
		printf("  %8llu  %-36s %s\n", (unsigned long long)t.per_rule[k], info.name,
		       ib_category_name(info.category));
	}
	ib_agg_free(agg);
	ib_classifier_free(cls);
	free(t.per_rule);
	return rc;
}

static int cmd_rules(struct cli *c, int argc, char **argv)
{
	struct ib_rules *rules = NULL;
	int rc;

	parse_opts(c, argc, argv, 1);
	rc = load_rules(c, &rules);
	if (rc)
		return rc;
	if (c->test) {
		if (optind >= argc)
			usage_error("'%s' needs at least one FILE", "rules --test");
		rc = rules_test(c, rules, argc - optind, argv + optind);
	} else {
		size_t n = ib_rules_count(rules);

		printf("%-36s %-12s %-24s %s\n", "rule", "category", "scope", "source");
		for (size_t i = 0; i < n; i++) {
			struct ib_rule_info info;
			char scope[256];

			ib_rules_get(rules, i, &info);
			snprintf(scope, sizeof(scope), "%s%s%s",
				 info.formats && *info.formats ? info.formats : "",
				 info.programs && *info.programs ? " prog=" : "",
				 info.programs && *info.programs ? info.programs : "");
			printf("%-36s %-12s %-24s %s:%u\n", info.name, ib_category_name(info.category),
			       *scope ? scope : "any", info.source ? info.source : "default", info.line);
		}
		printf("%zu rules\n", n);
	}
	ib_rules_free(rules);
	return rc;
}

static int finish(struct cli *c, struct ib_agg *agg, int input_skipped)
{
	struct ib_result *res = NULL;
	struct ib_error err;
	int rc;

	memset(&err, 0, sizeof(err));
	if (c->save_state && ib_agg_save(agg, c->save_state, &err) < 0) {
		report_error(&err);
		return EXIT_INTERNAL;
	}
	rc = ib_analyze(agg, &c->cfg, &res, &err);
	if (rc < 0) {
		report_error(&err);
		return rc == IB_ERR_USAGE ? EXIT_USAGE : EXIT_INTERNAL;
	}
	rc = ib_report_write(res, &c->cfg, &err);
	if (rc < 0) {
		report_error(&err);
		ib_result_free(res);
		return rc == IB_ERR_USAGE ? EXIT_USAGE : EXIT_INTERNAL;
	}
	if (!c->cfg.quiet)
		ib_write_stdout_summary(stdout, res, &c->cfg);
	for (size_t i = 0; i < res->nerrors; i++)
		fprintf(stderr, "%s: warning: %s\n", prog, res->errors[i].reason);
	if (res->total.overlong)
		fprintf(stderr,
			"%s: warning: %llu over-long lines skipped (longer than --max-line %zu); see "
			"summary.md\n",
			prog, (unsigned long long)res->total.overlong, c->cfg.max_line);
	if (res->outlier_events)
		fprintf(stderr,
			"%s: warning: %llu events left out: dated more than 1,000,000 buckets from the "
			"rest (bad timestamps?); see summary.md\n",
			prog, (unsigned long long)res->outlier_events);
	if (res->nerrors || res->total.overlong || res->outlier_events)
		input_skipped = 1;
	ib_result_free(res);
	return input_skipped ? EXIT_SKIPPED : EXIT_OKAY;
}

static int cmd_merge(struct cli *c, int argc, char **argv)
{
	struct ib_agg *agg = NULL;
	struct ib_error err;
	int rc = EXIT_OKAY;

	parse_opts(c, argc, argv, 0);
	if (optind >= argc)
		usage_error("'%s' needs at least one STATE file", "merge");
	memset(&err, 0, sizeof(err));
	for (int i = optind; i < argc; i++) {
		struct ib_agg *part = NULL;

		if (ib_agg_load(&part, argv[i], &err) < 0) {
			report_error(&err);
			ib_agg_free(agg);
			return err.code == IB_ERR_NOMEM ? EXIT_INTERNAL : EXIT_USAGE;
		}
		if (!agg) {
			agg = part;
			continue;
		}
		if ((rc = ib_agg_merge(agg, part, &err)) < 0) {
			fprintf(stderr, "%s: cannot merge '%s': %s\n", prog, argv[i], err.msg);
			ib_agg_free(part);
			ib_agg_free(agg);
			return rc == IB_ERR_USAGE ? EXIT_USAGE : EXIT_INTERNAL;
		}
		ib_agg_free(part);
	}
	if (ib_agg_bucket_ms(agg) != c->cfg.bucket_ms)
		c->cfg.bucket_ms = ib_agg_bucket_ms(agg);
	rc = finish(c, agg, 0);
	FREE_AT_EXIT(agg);
	return rc;
}

static int cmd_analyse(struct cli *c, int argc, char **argv)
{
	struct ib_rules *rules = NULL;
	struct ib_inputs in;
	struct ib_agg *agg = NULL;
	struct ib_run_stats st;
	struct ib_error err;
	struct progress pr;
	int rc, tty;

	parse_opts(c, argc, argv, 0);
	if (optind >= argc)
		usage_error("%s", "no input: give files, directories or - for stdin");
	rc = load_rules(c, &rules);
	if (rc)
		return rc;
	ib_inputs_init(&in);
	for (int i = optind; i < argc; i++)
		if (ib_inputs_add(&in, argv[i]) < 0) {
			fprintf(stderr, "%s: out of memory\n", prog);
			return EXIT_INTERNAL;
		}
	memset(&pr, 0, sizeof(pr));
	for (size_t i = 0; i < in.n; i++)
		pr.total += in.sizes[i];
	clock_gettime(CLOCK_MONOTONIC, &pr.start);
	tty = !c->cfg.quiet && isatty(STDERR_FILENO);
	memset(&err, 0, sizeof(err));
	rc = ib_agg_new(&agg, c->cfg.bucket_ms);
	if (rc >= 0)
		rc = ib_pipeline_run(&c->cfg, rules, &in, agg, &st, tty ? show_progress : NULL, &pr, &err);
	if (tty && pr.shown)
		fputs("\r\033[K", stderr);
	if (rc < 0) {
		report_error(&err);
		rc = EXIT_INTERNAL;
	} else {
		rc = finish(c, agg, st.files_failed > 0);
	}
	FREE_AT_EXIT(agg);
	ib_inputs_release(&in);
	ib_rules_free(rules);
	return rc;
}

int main(int argc, char **argv)
{
	struct cli c;
	int rc;

	memset(&c, 0, sizeof(c));
	ib_config_init(&c.cfg);
	if (argc > 1 && !strcmp(argv[1], "formats")) {
		int outputs = argc > 2 && !strcmp(argv[2], "--outputs");

		if (argc > 2 + outputs)
			usage_error("'formats' takes no argument but --outputs, got '%s'", argv[2 + outputs]);
		return cmd_formats(outputs);
	}
	if (argc > 1 && !strcmp(argv[1], "rules"))
		rc = cmd_rules(&c, argc - 1, argv + 1);
	else if (argc > 1 && !strcmp(argv[1], "merge"))
		rc = cmd_merge(&c, argc - 1, argv + 1);
	else
		rc = cmd_analyse(&c, argc, argv);
	free(c.redact_key);
	if (fflush(stdout) != 0 && rc == EXIT_OKAY)
		rc = EXIT_INTERNAL;
	return rc;
}
