/*
 * main.c: the command line. The only code that prints to the user or
 * exits. Exit codes: 0 all input read; 1 some input unreadable, corrupt,
 * skipped or not understood (the report is still written and lists it);
 * 2 usage error; 3 internal error (out of memory, cannot write the report).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "imapblast/agg.h"
#include "imapblast/analysis.h"
#include "imapblast/classify.h"
#include "imapblast/config.h"
#include "imapblast/events.h"
#include "imapblast/options.h"
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

#ifndef IB_DOC_DIR
#define IB_DOC_DIR "/usr/share/doc/imapblast"
#endif
#define MAX_OPTS 64

static const char *prog = "imapblast";

/*
 * The commands. Their options are the rows of ib_option_table whose
 * commands include the bit; their help is generated from those rows.
 */
struct command {
	const char *name; /* as typed after "imapblast"; NULL: the default */
	unsigned bit;	  /* enum ib_command */
	const char *usage;
	const char *about;
	int (*run)(struct ib_options *o, int argc, char **argv); /* argv: the operands */
};

/* A doc that 'imapblast help TOPIC' points at. */
struct doc {
	const char *topic, *file, *about;
};

static const struct doc docs[] = {
    {"method", "method.md", "how every number in the report is computed, every threshold"},
    {"report", "report.md", "the report files, escaping, reading the CSV back"},
    {"formats", "formats.md", "the log formats and what is taken from each"},
    {"events", "events.md", "the JSON Lines of 'imapblast events', field by field"},
    {"rules", "rules.md", "the signature rules and how to write your own"},
};

static int cmd_analyse(struct ib_options *c, int argc, char **argv);
static int cmd_formats(struct ib_options *c, int argc, char **argv);
static int cmd_rules(struct ib_options *c, int argc, char **argv);
static int cmd_merge(struct ib_options *c, int argc, char **argv);
static int cmd_events(struct ib_options *c, int argc, char **argv);

/* In the order of the usage lines of 'imapblast --help'. */
static const struct command commands[] = {
    {NULL, IB_CMD_ANALYSE, "imapblast [OPTIONS] PATH...",
     "Reads IMAP client, proxy and server logs (plain or gzip, files, directories or -\n"
     "for stdin) and writes the blast radius of an authentication outage to a report\n"
     "folder:", /* followed by the writers' files */
     cmd_analyse},
    {"formats", IB_CMD_FORMATS, "imapblast formats [--outputs]",
     "Lists the log formats imapblast reads: name, layer, how a file is recognised\n"
     "(by its first lines, or as a syslog program), and what it is; with --outputs,\n"
     "the report files instead.\n",
     cmd_formats},
    {"rules", IB_CMD_RULES, "imapblast rules [--rules FILE] [--no-default-rules] [--test [-v] FILE...]",
     "Lists the signature rules (built-in and --rules files), or with --test runs each\n"
     "FILE through the same pipeline as an analysis and shows which rule took what,\n"
     "and the authentication lines no rule took.\n",
     cmd_rules},
    {"merge", IB_CMD_MERGE, "imapblast merge [OPTIONS] STATE...",
     "Combines partial aggregates saved with --save-state, on one machine or many,\n"
     "into the report one run over all the input would write.\n",
     cmd_merge},
    {"events", IB_CMD_EVENTS, "imapblast events [OPTIONS] PATH...",
     "Prints what every line was understood as, one JSON object per line (JSON Lines,\n"
     "for jq): the event's time, layer, format, server, user, client IP, session,\n"
     "category and signature, or why the line was ignored or unparseable, and its\n"
     "file and line. The schema is docs/events.md.\n",
     cmd_events},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *current; /* the command being parsed, for messages */

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (current && current->name)
		fprintf(stderr, " (see '%s %s --help')\n", prog, current->name);
	else
		fprintf(stderr, " (see '%s --help')\n", prog);
	exit(EXIT_USAGE);
}

static void print_options(unsigned bit)
{
	const char *section = NULL;

	for (const struct ib_option *o = ib_option_table; o->long_name; o++) {
		char left[80], help[160];
		int n;

		if (!(o->commands & bit))
			continue;
		if (!section || strcmp(section, o->section))
			printf("%s:\n", o->section);
		section = o->section;
		if (o->short_name)
			n = snprintf(left, sizeof(left), "  -%c, --%s%s%s", o->short_name, o->long_name,
				     o->argh ? " " : "", o->argh ? o->argh : "");
		else
			n = snprintf(left, sizeof(left), "      --%s%s%s", o->long_name, o->argh ? " " : "",
				     o->argh ? o->argh : "");
		printf("%s%*s%s\n", left, n < 26 ? 28 - n : 2, "", ib_option_help(o, help, sizeof(help)));
	}
}

static void print_docs_line(void)
{
	printf("Docs: 'imapblast help TOPIC' (method, report, formats, events, rules), man\n"
	       "imapblast, "
	       "and %s/ (docs/ in the source tree).\n",
	       IB_DOC_DIR);
}

/* The general help (cmd is the default command) or one command's. */
static void print_help(const struct command *cmd)
{
	if (cmd->name) {
		printf("usage: %s\n", cmd->usage);
	} else {
		for (size_t i = 0; i < NCOMMANDS; i++)
			printf("%s%s\n", i ? "       " : "usage: ", commands[i].usage);
		printf("       imapblast help [COMMAND | TOPIC]\n");
	}
	if (cmd->name) {
		printf("\n%s\n", cmd->about);
	} else {
		char files[256];

		ib_report_files(files, sizeof(files));
		printf("\n%s %s.\n\n", cmd->about, files);
	}
	print_options(cmd->bit);
	printf("\n"
	       "Exit codes: 0 all input read; 1 some input unreadable, corrupt, over-long,\n"
	       "dated far from the rest or not understood (the report lists it); 2 usage\n"
	       "error; 3 internal error.\n");
	print_docs_line();
}

static void print_doc(const struct doc *d)
{
	printf("%s: %s\n  %s/%s\n  docs/%s in the source tree\n", d->topic, d->about, IB_DOC_DIR, d->file,
	       d->file);
}

static void print_version(void)
{
	printf("imapblast %s (inflate: %s)\n", IB_VERSION, ib_reader_backend());
}

static struct option long_opts[MAX_OPTS + 1];
static char short_opts[2 + 2 * MAX_OPTS];

/*
 * getopt's tables for cmd: its rows of ib_option_table, so that an
 * abbreviation is resolved among the options of that command only. A long
 * option's val is 256 + its row in the table.
 */
static void build_getopt(const struct command *cmd)
{
	size_t n = 0, k = 0, row = 0;

	short_opts[k++] = '+'; /* stop at the first operand, as before subcommands */
	short_opts[k++] = ':'; /* a missing value: ':', not '?' */
	for (const struct ib_option *o = ib_option_table; o->long_name; o++, row++) {
		if (!(o->commands & cmd->bit))
			continue;
		if (n == MAX_OPTS) {
			fprintf(stderr, "%s: too many options in the table\n", prog);
			exit(EXIT_INTERNAL);
		}
		long_opts[n].name = o->long_name;
		long_opts[n].has_arg = o->argh ? required_argument : no_argument;
		long_opts[n].flag = NULL;
		long_opts[n].val = 256 + (int)row;
		n++;
		if (o->short_name) {
			short_opts[k++] = (char)o->short_name;
			if (o->argh)
				short_opts[k++] = ':';
		}
	}
	memset(&long_opts[n], 0, sizeof(long_opts[n]));
	short_opts[k] = 0;
}

/* The row of getopt's answer ch (or of its optopt), or NULL. */
static const struct ib_option *row_of(int ch)
{
	if (ch >= 256)
		return &ib_option_table[ch - 256];
	for (const struct ib_option *o = ib_option_table; ch > 0 && o->long_name; o++)
		if (o->short_name && o->short_name == ch)
			return o;
	return NULL;
}

static void refuse_other(const struct ib_option *o, const struct command *cmd)
{
	const struct command *only = NULL;

	for (size_t i = 0; i < NCOMMANDS; i++)
		if (o->commands == commands[i].bit)
			only = &commands[i];
	if (only && only->name)
		usage_error("option '--%s' belongs to '%s %s'", o->long_name, prog, only->name);
	usage_error("option '--%s' does not apply to '%s%s%s'", o->long_name, prog, cmd->name ? " " : "",
		    cmd->name ? cmd->name : "");
}

/*
 * getopt took the long option arg as an abbreviation of o's name: refuse
 * it when it is the exact name of another command's option ("merge
 * --format" is not "--format-out").
 */
static void check_abbrev(const char *arg, const struct ib_option *o, const struct command *cmd)
{
	size_t len;

	if (strncmp(arg, "--", 2))
		return;
	arg += 2;
	len = strcspn(arg, "=");
	if (len == strlen(o->long_name) && !strncmp(arg, o->long_name, len))
		return;
	for (const struct ib_option *p = ib_option_table; p->long_name; p++)
		if (strlen(p->long_name) == len && !strncmp(p->long_name, arg, len))
			refuse_other(p, cmd);
}

/* getopt said '?' or ':' (opterr is 0): say what was wrong with arg, the option. */
static void bad_option(int ch, const char *arg, const struct command *cmd)
{
	const struct ib_option *o = row_of(optopt);
	char name[64], list[256] = "";
	size_t len, nmatch = 0;

	if (o && !(o->commands & cmd->bit))
		refuse_other(o, cmd); /* a short option of another command */
	if (o && ch == ':')
		usage_error("option '--%s' needs a value", o->long_name);
	if (o)
		usage_error("option '--%s' takes no value", o->long_name);
	if (optopt)
		usage_error("unknown option '-%c'", optopt);
	if (!arg || strncmp(arg, "--", 2))
		usage_error("unknown option '%s'", arg ? arg : "");
	len = strcspn(arg + 2, "=");
	snprintf(name, sizeof(name), "%.*s", (int)(len < sizeof(name) ? len : sizeof(name) - 1), arg + 2);
	for (o = ib_option_table; o->long_name; o++)
		if (!strcmp(o->long_name, name))
			refuse_other(o, cmd); /* not in cmd's getopt table, so another command's */
	for (o = ib_option_table; o->long_name; o++)
		if ((o->commands & cmd->bit) && !strncmp(o->long_name, name, len)) {
			nmatch++;
			if (strlen(list) + strlen(o->long_name) + 5 < sizeof(list))
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s--%s",
					 *list ? ", " : "", o->long_name);
		}
	if (nmatch > 1)
		usage_error("ambiguous option '--%s' (could be %s)", name, list);
	usage_error("unknown option '--%s'", name);
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

static unsigned char *redact_key;

/* Parse cmd's options from argv; leaves optind at the first operand. */
static void parse_opts(struct ib_options *c, const struct command *cmd, int argc, char **argv)
{
	struct ib_error err;
	int ch;

	current = cmd;
	build_getopt(cmd);
	opterr = 0; /* bad_option says what is wrong */
	memset(&err, 0, sizeof(err));
	for (;;) {
		const struct ib_option *o;
		int first = optind, li = -1, rc;

		ch = getopt_long(argc, argv, short_opts, long_opts, &li);
		if (ch == -1)
			break;
		o = ch == '?' || ch == ':' ? NULL : row_of(ch);
		if (!o)
			bad_option(ch, optind > 0 && optind <= argc ? argv[optind - 1] : NULL, cmd);
		if (li >= 0 && first < argc)
			check_abbrev(argv[first], o, cmd);
		rc = ib_options_set(c, o, optarg, &err);
		if (rc == IB_ERR_NOMEM) {
			fprintf(stderr, "%s: out of memory\n", prog);
			exit(EXIT_INTERNAL);
		}
		if (rc < 0)
			usage_error("%s", err.msg);
		if (c->help) {
			print_help(cmd);
			exit(EXIT_OKAY);
		}
		if (c->version) {
			print_version();
			exit(EXIT_OKAY);
		}
	}
	ib_options_finish(c);
	if (c->redact_file) {
		redact_key = read_key(c->redact_file, &c->cfg.redact_key_len);
		c->cfg.redact_key = redact_key;
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

static int load_rules(const struct ib_options *c, struct ib_rules **out)
{
	struct ib_error err;

	memset(&err, 0, sizeof(err));
	if (ib_rules_new(out, !c->cfg.no_default_rules, &err) < 0)
		goto fail;
	for (size_t i = 0; i < c->rules.n; i++)
		if (ib_rules_load_file(*out, c->rules.v[i], &err) < 0)
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

static int cmd_formats(struct ib_options *c, int argc, char **argv)
{
	int w = 12; /* the name column fits the longest name */

	for (size_t i = 0; ib_parsers[i]; i++)
		if ((int)strlen(ib_parsers[i]->name) > w)
			w = (int)strlen(ib_parsers[i]->name);
	if (argc > 0)
		usage_error("'formats' takes no argument, got '%s'", argv[0]);
	for (size_t i = 0; c->outputs && ib_writers[i]; i++)
		printf("%-12s %s\n", ib_writers[i]->name, ib_writers[i]->file);
	for (size_t i = 0; !c->outputs && ib_parsers[i]; i++) {
		const struct ib_parser *p = ib_parsers[i];
		const char *how = p->probe && p->programs ? "file, syslog" : p->probe ? "file" : "syslog";

		printf("%-*s %-7s %-13s %s\n", w, p->name, ib_layer_name(p->layer), how, p->description);
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
static void fput_text(FILE *f, struct ib_str s, size_t max)
{
	for (size_t i = 0; i < s.len && i < max; i++) {
		unsigned char ch = (unsigned char)s.ptr[i];

		if (ch < 0x20 || ch == 0x7f)
			fprintf(f, "\\x%02x", ch);
		else
			putc(ch, f);
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
	fput_text(stdout, ev->message, 300);
	putchar('\n');
}

/* Name each file not understood, with its first line (escaped, cut), then end; 1 when any. */
static int warn_files(const struct ib_agg *agg, const char *end)
{
	int any = 0;

	for (uint32_t f = 0; f < ib_agg_nstr(agg, IB_S_FILE); f++) {
		const struct ib_file_counts *fc = ib_agg_file_get(agg, f);

		if (!fc || fc->status == IB_FILE_READ)
			continue;
		fprintf(stderr, "%s: warning: '%s': ", prog, ib_agg_str(agg, IB_S_FILE, f));
		if (fc->status == IB_FILE_UNKNOWN)
			fputs("no parser recognised its format", stderr);
		else
			fprintf(stderr, "read as %s, but none of its %llu lines became an event", fc->format,
				(unsigned long long)fc->lines);
		if (fc->sample[0]) {
			fprintf(stderr, "; line %llu: ", (unsigned long long)fc->sample_line[0]);
			fput_text(stderr, ib_str_from(fc->sample[0]), 100);
		}
		fprintf(stderr, "%s\n", end);
		any = 1;
	}
	return any;
}

/* Warn of input errors and files not understood (rules --test, events); 1 when any. */
static int warn_agg(const struct ib_agg *agg)
{
	int any = 0;

	for (size_t i = 0; i < ib_agg_nerrors(agg); i++, any = 1)
		fprintf(stderr, "%s: warning: %s\n", prog, ib_agg_error(agg, i)->msg);
	return warn_files(agg, "") || any;
}

/*
 * Like fail2ban-regex: run each file through the same pipeline as an
 * analysis (detection, parsers with held-back events, time policy,
 * classifier) and show which rule took what, and the authentication lines
 * no rule took.
 */
static int rules_test(const struct ib_options *c, const struct ib_rules *rules, int argc, char **argv)
{
	struct ib_classifier *cls = NULL;
	struct ib_agg *agg = NULL;
	struct ib_error err;
	struct rules_tally t;
	struct ib_observer obs = {.format = rt_format, .event = rt_event, .arg = &t};
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
	if (warn_agg(agg) && rc == EXIT_OKAY)
		rc = EXIT_SKIPPED;
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

static int cmd_rules(struct ib_options *c, int argc, char **argv)
{
	struct ib_rules *rules = NULL;
	int rc;

	rc = load_rules(c, &rules);
	if (rc)
		return rc;
	if (c->test) {
		if (argc < 1)
			usage_error("'%s' needs at least one FILE", "rules --test");
		rc = rules_test(c, rules, argc, argv);
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

static int finish(struct ib_options *c, struct ib_agg *agg, int input_skipped)
{
	struct ib_result *res = NULL;
	struct ib_error err;
	int rc;

	memset(&err, 0, sizeof(err));
	if (c->save_state && ib_agg_save(agg, c->save_state, &err) < 0) {
		report_error(&err);
		return EXIT_INTERNAL;
	}
	rc = ib_analyze_take(agg, &c->cfg, &res, &err); /* agg is only freed after this */
	if (rc >= 0)
		rc = ib_report_write(res, &c->cfg, &err);
	if (rc < 0) {
		report_error(&err);
		ib_result_free(res); /* NULL when ib_analyze failed */
		return rc == IB_ERR_USAGE ? EXIT_USAGE : EXIT_INTERNAL;
	}
	if (!c->cfg.quiet)
		ib_write_stdout_summary(stdout, res, &c->cfg);
	for (size_t i = 0; i < res->nerrors; i++)
		fprintf(stderr, "%s: warning: %s\n", prog, res->errors[i].reason);
	/* an export that says it is partial, a parser that needs an option to go on */
	for (const struct ib_reason_row *x = res->reasons; x < res->reasons + res->nreasons; x++)
		if (!strncmp(x->reason, "incomplete ", 11) || strstr(x->reason, "give --"))
			fprintf(stderr, "%s: warning: %s: %s; see summary.md\n", prog, x->sample, x->reason);
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
	if (res->nerrors || res->total.overlong || res->outlier_events || res->total.status != IB_FILE_READ)
		input_skipped = 1;
	warn_files(agg, " (see summary.md)");
	ib_result_free(res);
	return input_skipped ? EXIT_SKIPPED : EXIT_OKAY;
}

/* imapblast events PATH...: the pipeline of an analysis, each line shown (docs/events.md). */
static int cmd_events(struct ib_options *c, int argc, char **argv)
{
	struct ib_rules *rules = NULL;
	struct ib_classifier *cls = NULL;
	struct ib_events_out *w = NULL;
	struct ib_agg *agg = NULL;
	struct ib_inputs in;
	struct ib_error err;
	struct ib_observer obs;
	int rc;

	if (argc < 1)
		usage_error("%s", "no input: give files, directories or - for stdin");
	rc = load_rules(c, &rules);
	if (rc)
		return rc;
	ib_inputs_init(&in);
	memset(&err, 0, sizeof(err));
	for (int i = 0; i < argc && rc == EXIT_OKAY; i++) /* rc is EXIT_OKAY after load_rules */
		if (ib_inputs_add(&in, argv[i]) < 0)
			rc = EXIT_INTERNAL;
	if (rc || ib_events_out_new(&w, stdout, c->cfg.protocols) < 0 ||
	    ib_classifier_new(&cls, rules, &err) < 0 || ib_agg_new(&agg, c->cfg.bucket_ms) < 0) {
		fprintf(stderr, "%s: out of memory\n", prog);
		rc = EXIT_INTERNAL;
		goto out;
	}
	ib_events_observer(w, &obs);
	for (size_t i = 0; i < in.nerrors; i++)
		if (ib_agg_file_error(agg, &in.errors[i]) < 0)
			rc = EXIT_INTERNAL;
	for (size_t i = 0; i < in.n && rc != EXIT_INTERNAL; i++)
		if (ib_pipeline_file_observed(&c->cfg, cls, in.paths[i], agg, &obs, &err) < 0) {
			report_error(&err);
			rc = EXIT_INTERNAL;
		}
	if (rc == EXIT_OKAY && ib_events_out_status(w) < 0) {
		fprintf(stderr, "%s: cannot write the events: %s\n", prog,
			ib_events_out_status(w) == IB_ERR_NOMEM ? "out of memory" : strerror(errno));
		rc = EXIT_INTERNAL;
	}
	if (warn_agg(agg) && rc == EXIT_OKAY)
		rc = EXIT_SKIPPED;
out:
	ib_agg_free(agg);
	ib_classifier_free(cls);
	ib_events_out_free(w);
	ib_inputs_release(&in);
	ib_rules_free(rules);
	return rc;
}

static int cmd_merge(struct ib_options *c, int argc, char **argv)
{
	struct ib_agg *agg = NULL;
	struct ib_error err;
	int rc = EXIT_OKAY;

	if (argc < 1)
		usage_error("'%s' needs at least one STATE file", "merge");
	memset(&err, 0, sizeof(err));
	for (int i = 0; i < argc; i++) {
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
		if ((rc = ib_agg_merge_take(agg, part, &err)) < 0) { /* part's cells go as they are merged */
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

static int cmd_analyse(struct ib_options *c, int argc, char **argv)
{
	struct ib_rules *rules = NULL;
	struct ib_inputs in;
	struct ib_agg *agg = NULL;
	struct ib_run_stats st;
	struct ib_error err;
	struct progress pr;
	int rc, tty;

	if (argc < 1)
		usage_error("%s", "no input: give files, directories or - for stdin");
	rc = load_rules(c, &rules);
	if (rc)
		return rc;
	ib_inputs_init(&in);
	for (int i = 0; i < argc; i++)
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

/* imapblast help [COMMAND | TOPIC] */
static int cmd_help(int argc, char **argv)
{
	const struct command *cmd = NULL;
	const struct doc *doc = NULL;

	if (argc > 1)
		usage_error("'help' takes one COMMAND or TOPIC, got '%s'", argv[1]);
	if (argc == 0) {
		print_help(&commands[0]);
		return EXIT_OKAY;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (commands[i].name && !strcmp(argv[0], commands[i].name))
			cmd = &commands[i];
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		if (!strcmp(argv[0], docs[i].topic))
			doc = &docs[i];
	if (!cmd && !doc)
		usage_error("no help on '%s' (commands: formats, rules, merge, events; topics: method, "
			    "report, formats, events, rules)",
			    argv[0]);
	if (cmd)
		print_help(cmd);
	if (cmd && doc)
		putchar('\n');
	if (doc)
		print_doc(doc);
	return EXIT_OKAY;
}

int main(int argc, char **argv)
{
	const struct command *cmd = &commands[0];
	struct ib_options c;
	int rc;

	ib_options_init(&c);
	if (argc > 1 && !strcmp(argv[1], "help"))
		return cmd_help(argc - 2, argv + 2);
	for (size_t i = 0; argc > 1 && i < NCOMMANDS; i++)
		if (commands[i].name && !strcmp(argv[1], commands[i].name))
			cmd = &commands[i];
	if (cmd->name) {
		argc--;
		argv++;
	}
	parse_opts(&c, cmd, argc, argv);
	rc = cmd->run(&c, argc - optind, argv + optind);
	free(redact_key);
	ib_options_release(&c);
	if (fflush(stdout) != 0 && rc == EXIT_OKAY)
		rc = EXIT_INTERNAL;
	return rc;
}
