/*
 * check_options.c: the option table (analyzer/options.c). Every row is
 * complete (names, help, section, commands, a way to set it), names are
 * unique, sections adjacent; and each kind of setter takes good values
 * and refuses bad ones with git-style messages. tests/e2e.d/help.sh checks
 * that each command's --help lists exactly the rows the command accepts.
 */
#include <ctype.h>
#include <limits.h>
#include <string.h>
#include <check.h>
#include "imapblast/event.h"
#include "imapblast/options.h"
#include "imapblast/zone.h"
#include "testutil.h"

static const struct ib_option *find(const char *name)
{
	for (const struct ib_option *o = ib_option_table; o->long_name; o++)
		if (!strcmp(o->long_name, name))
			return o;
	ck_abort_msg("no option '%s'", name);
	return NULL;
}

START_TEST(test_rows_complete)
{
	size_t n = 0;
	char line[160];

	for (const struct ib_option *o = ib_option_table; o->long_name; o++, n++) {
		const char *name = o->long_name;

		ck_assert_msg(*name && strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(name),
			      "row %zu: bad name '%s'", n, name);
		ck_assert_msg(o->help && *o->help, "--%s has no help", name);
		ck_assert_msg(*ib_option_help(o, line, sizeof(line)), "--%s: empty help", name);
		ck_assert_msg(!strchr(o->help, '\n') && o->help[strlen(o->help) - 1] != '.',
			      "--%s: help is one line without a final dot", name);
		ck_assert_msg(o->section && *o->section, "--%s has no section", name);
		ck_assert_msg(o->commands && !(o->commands & ~(unsigned)IB_CMD_ALL),
			      "--%s: no command or an unknown one", name);
		ck_assert_msg(!o->short_name || isalnum(o->short_name), "--%s: bad short name", name);
		ck_assert_msg((o->kind == IB_OPT_FLAG) == (o->argh == NULL),
			      "--%s: an argument name exactly when it takes an argument", name);
		if (o->kind == IB_OPT_CUSTOM) {
			ck_assert_msg(o->parse != NULL, "--%s: custom without a parser", name);
		} else {
			ck_assert_msg(o->size && o->offset + o->size <= sizeof(struct ib_options),
				      "--%s: no target field", name);
			ck_assert_msg(o->parse == NULL, "--%s: a parser it does not use", name);
		}
		/* the target field's size fits the kind (the setter writes that many bytes) */
		if (o->kind == IB_OPT_FLAG)
			ck_assert_msg(o->size == sizeof(int), "--%s: a flag sets an int", name);
		if (o->kind == IB_OPT_UINT)
			ck_assert_msg(o->size == sizeof(size_t) ||
					  (o->size == sizeof(int) && o->hi <= INT_MAX),
				      "--%s: an int, unsigned or size_t", name);
		if (o->kind == IB_OPT_DOUBLE)
			ck_assert_msg(o->size == sizeof(double), "--%s: a double", name);
		if (o->kind == IB_OPT_TIME || o->kind == IB_OPT_DURATION)
			ck_assert_msg(o->size == sizeof(int64_t), "--%s: an int64_t", name);
		if (o->kind == IB_OPT_STRING)
			ck_assert_msg(o->size == sizeof(const char *), "--%s: a string", name);
		if (o->kind == IB_OPT_LIST)
			ck_assert_msg(o->size == sizeof(struct ib_opt_list), "--%s: a list", name);
		if (o->kind == IB_OPT_UINT || o->kind == IB_OPT_DOUBLE || o->kind == IB_OPT_DURATION)
			ck_assert_msg(o->lo <= o->hi && o->hi > 0, "--%s: bad bounds", name);
		for (const struct ib_option *p = ib_option_table; p < o; p++) {
			ck_assert_msg(strcmp(p->long_name, name), "--%s twice", name);
			ck_assert_msg(!o->short_name || p->short_name != o->short_name, "-%c twice",
				      o->short_name);
			/* a section's rows are adjacent: no heading printed twice */
			if (!strcmp(p->section, o->section))
				ck_assert_msg(!strcmp(o[-1].section, o->section), "--%s: section '%s' split",
					      name, o->section);
		}
	}
	ck_assert_uint_ge(n, 30);
	ck_assert(find("help")->commands == IB_CMD_ALL);
	ck_assert(find("test")->commands == IB_CMD_RULES);
	ck_assert_str_eq(ib_option_help(find("jobs"), line, sizeof(line)), find("jobs")->help);
	ck_assert(strstr(ib_option_help(find("format-out"), line, sizeof(line)), "csv") != NULL);
}
END_TEST

static int set(struct ib_options *o, const char *name, const char *arg, struct ib_error *err)
{
	memset(err, 0, sizeof(*err));
	return ib_options_set(o, find(name), arg, err);
}

/* The value is refused with a message that contains want. */
#define REFUSED(o, name, arg, want)                                                                          \
	do {                                                                                                 \
		struct ib_error e_;                                                                          \
		ck_assert_int_eq(set(o, name, arg, &e_), IB_ERR_USAGE);                                      \
		ck_assert_msg(strstr(e_.msg, want) != NULL, "--%s %s: '%s' lacks '%s'", name, arg, e_.msg,   \
			      want);                                                                         \
	} while (0)

START_TEST(test_setters)
{
	struct ib_options o;
	struct ib_error err;

	ib_options_init(&o);
	/* flags, uint, size_t and int targets */
	ck_assert_int_eq(set(&o, "force", NULL, &err), IB_OK);
	ck_assert_int_eq(o.cfg.force, 1);
	ck_assert_int_eq(set(&o, "jobs", "3", &err), IB_OK);
	ck_assert_int_eq(o.cfg.jobs, 3);
	ck_assert_int_eq(set(&o, "max-line", "1048576", &err), IB_OK);
	ck_assert_uint_eq(o.cfg.max_line, 1048576);
	ck_assert_int_eq(set(&o, "window-gap", "0", &err), IB_OK);
	ck_assert_uint_eq(o.cfg.window_gap, 0);
	REFUSED(&o, "jobs", "0", "bad value for option '--jobs'");
	REFUSED(&o, "jobs", "257", "bad value for option '--jobs'");
	REFUSED(&o, "jobs", "x", "option '--jobs' needs a number");
	REFUSED(&o, "jobs", "-1", "needs a number");
	REFUSED(&o, "year", "1969", "bad value");
	REFUSED(&o, "max-line", "255", "bad value");
	ck_assert_int_eq(o.cfg.jobs, 3);
	/* doubles */
	ck_assert_int_eq(set(&o, "attack-ratio", "0.5", &err), IB_OK);
	ck_assert(o.cfg.attack_ratio == 0.5);
	REFUSED(&o, "attack-ratio", "1.5", "bad value for option '--attack-ratio' (want 0..1)");
	REFUSED(&o, "cred-factor", "-1", "bad value for option '--cred-factor'");
	REFUSED(&o, "cred-factor", "nan", "bad value");
	REFUSED(&o, "cred-factor", "2e9", "bad value");
	/* times and durations */
	ck_assert_int_eq(set(&o, "since", "2026-01-14T09:00:00Z", &err), IB_OK);
	ck_assert_int_eq(o.cfg.since_ms, INT64_C(1768381200000));
	REFUSED(&o, "until", "yesterday", "bad time for option '--until'");
	ck_assert_int_eq(set(&o, "bucket", "1h", &err), IB_OK);
	ck_assert_int_eq(o.cfg.bucket_ms, 3600000);
	REFUSED(&o, "bucket", "0", "bad duration '0' for option '--bucket'");
	REFUSED(&o, "bucket", "8d", "bad duration");
	ck_assert_int_eq(set(&o, "window", "2026-01-14T09:00Z..2026-01-14T10:00Z", &err), IB_OK);
	ck_assert_int_eq(o.cfg.window_end_ms - o.cfg.window_start_ms, 3600000);
	REFUSED(&o, "window", "2026-01-14", "(want START..END)");
	REFUSED(&o, "window", "2026-01-14T10:00Z..2026-01-14T09:00Z", "END must be after START");
	/* strings, custom parsers */
	ck_assert_int_eq(set(&o, "output", "out", &err), IB_OK);
	ck_assert_str_eq(o.cfg.out_dir, "out");
	ck_assert_int_eq(set(&o, "format", "dovecot", &err), IB_OK);
	REFUSED(&o, "format", "nope", "unknown format 'nope' for option '--format'");
	ck_assert_int_eq(set(&o, "format-out", "csv,json", &err), IB_OK);
	ck_assert_uint_eq(o.cfg.outputs, IB_OUT_CSV | IB_OUT_JSON);
	REFUSED(&o, "format-out", "xml", "(want csv,md,json,svg)");
	/* lists: at most IB_OPT_LIST_MAX, NULL-terminated after finish */
	for (int i = 0; i < IB_OPT_LIST_MAX; i++)
		ck_assert_int_eq(set(&o, "rules", "site.rules", &err), IB_OK);
	REFUSED(&o, "rules", "one-more", "too many '--rules' options");
	ck_assert_int_eq(set(&o, "trusted-proxy", "10.0.0.1", &err), IB_OK);
	ib_options_finish(&o);
	ck_assert(o.cfg.rules_files[IB_OPT_LIST_MAX] == NULL);
	ck_assert_str_eq(o.cfg.trusted_proxies[0], "10.0.0.1");
	ck_assert(o.cfg.trusted_proxies[1] == NULL);
	ib_options_release(&o);
}
END_TEST

START_TEST(test_alias_and_zone)
{
	struct ib_options o;
	struct ib_error err;

	ib_options_init(&o);
	ck_assert_int_eq(set(&o, "server-alias", "10.0.1.11=imap2", &err), IB_OK);
	ck_assert_int_eq(set(&o, "server-alias", "a=b=c", &err), IB_OK);
	REFUSED(&o, "server-alias", "nonsense", "(want FROM=TO)");
	REFUSED(&o, "server-alias", "=x", "(want FROM=TO)");
	REFUSED(&o, "server-alias", "x=", "(want FROM=TO)");
	/* --protocols: unknown always counts; "all" counts every protocol */
	ck_assert_uint_eq(o.cfg.protocols, 1u << IB_PROTO_NONE | 1u << IB_PROTO_IMAP | 1u << IB_PROTO_POP3);
	ck_assert_int_eq(set(&o, "protocols", "imap,SMTP", &err), IB_OK);
	ck_assert_uint_eq(o.cfg.protocols, 1u << IB_PROTO_NONE | 1u << IB_PROTO_IMAP | 1u << IB_PROTO_SMTP);
	ck_assert_int_eq(set(&o, "protocols", "all", &err), IB_OK);
	ck_assert_uint_eq(o.cfg.protocols, (1u << IB_PROTO_COUNT) - 1);
	REFUSED(&o, "protocols", "imap,,pop3", "(want imap,pop3,smtp,eas,http,other or all)");
	REFUSED(&o, "protocols", "imap4", "(want imap,pop3,smtp,eas,http,other or all)");
	ib_options_finish(&o);
	ck_assert_uint_eq(o.cfg.nserver_aliases, 2);
	ck_assert(ib_str_eq(o.cfg.server_aliases[0].from, IB_STR_LIT("10.0.1.11")));
	ck_assert(ib_str_eq(o.cfg.server_aliases[0].to, IB_STR_LIT("imap2")));
	ck_assert(ib_str_eq(o.cfg.server_aliases[1].from, IB_STR_LIT("a")));
	ck_assert(ib_str_eq(o.cfg.server_aliases[1].to, IB_STR_LIT("b=c")));

	ck_assert(o.cfg.zone == NULL);
	ck_assert_int_eq(set(&o, "tz", "Europe/Zurich", &err), IB_OK);
	ck_assert(o.cfg.zone != NULL);
	ck_assert_str_eq(ib_zone_name(o.cfg.zone), "Europe/Zurich");
	ck_assert_str_eq(o.cfg.tz, "Europe/Zurich");
	REFUSED(&o, "tz", "Mars/Olympus", "unknown time zone 'Mars/Olympus' for option '--tz'");
	REFUSED(&o, "tz", "../../etc/passwd", "unknown time zone");
	ck_assert(o.cfg.zone != NULL); /* a refused value changes nothing */
	ck_assert_int_eq(set(&o, "tz", "UTC", &err), IB_OK);
	ck_assert(o.cfg.zone == NULL); /* UTC: no zone; the last --tz wins */
	ck_assert_int_eq(set(&o, "tz", "America/New_York", &err), IB_OK);
	ib_options_release(&o);
	ck_assert(o.cfg.zone == NULL);
}
END_TEST

/* --tz GLOB=ZONE, --user-of GLOB=USER and --default-domain (issue 15, items 7 and 8). */
START_TEST(test_file_rules)
{
	struct ib_options o;
	struct ib_error err;
	const char *name;

	ib_options_init(&o);
	ck_assert_int_eq(set(&o, "tz", "Europe/Berlin", &err), IB_OK);
	ck_assert_int_eq(set(&o, "tz", "proxy/*=America/New_York", &err), IB_OK);
	ck_assert_int_eq(set(&o, "tz", "*.utc.log=UTC", &err), IB_OK);
	REFUSED(&o, "tz", "=UTC", "(want ZONE or GLOB=ZONE)");
	REFUSED(&o, "tz", "x=", "(want ZONE or GLOB=ZONE)");
	REFUSED(&o, "tz", "x=Mars/Olympus", "unknown time zone 'Mars/Olympus'");
	ck_assert_int_eq(set(&o, "user-of", "tb-*.log=erin@example.org", &err), IB_OK);
	REFUSED(&o, "user-of", "nouser", "(want GLOB=USER or @FILE)");
	REFUSED(&o, "user-of", "@/nonexistent/map", "cannot open '/nonexistent/map'");
	ck_assert_int_eq(set(&o, "default-domain", "example.org", &err), IB_OK);
	REFUSED(&o, "default-domain", "a@b", "want a domain");
	REFUSED(&o, "default-domain", "", "want a domain");
	ib_options_finish(&o);

	/* the first rule that fits wins, on the path or the base name; else the plain --tz */
	ck_assert_str_eq(ib_zone_name(ib_config_zone_of(&o.cfg, "proxy/mail.log", &name)),
			 "America/New_York");
	ck_assert_str_eq(name, "America/New_York");
	ck_assert(ib_config_zone_of(&o.cfg, "/var/log/x.utc.log", &name) == NULL);
	ck_assert_str_eq(name, "UTC");
	ck_assert_str_eq(ib_zone_name(ib_config_zone_of(&o.cfg, "other.log", &name)), "Europe/Berlin");
	ck_assert_str_eq(name, "Europe/Berlin");
	ck_assert_str_eq(ib_config_user_of(&o.cfg, "/home/x/tb-ws9.log"), "erin@example.org");
	ck_assert(ib_config_user_of(&o.cfg, "tb-ws9.log.gz") == NULL);
	ck_assert_str_eq(o.cfg.default_domain, "example.org");
	ib_options_release(&o);
	ck_assert(o.cfg.zone_rules == NULL && o.cfg.user_rules == NULL);
}
END_TEST

static Suite *options_suite(void)
{
	Suite *s = suite_create("options");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, test_rows_complete);
	tcase_add_test(tc, test_setters);
	tcase_add_test(tc, test_alias_and_zone);
	tcase_add_test(tc, test_file_rules);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return ib_test_run(options_suite());
}
