/*
 * config.c: option defaults and the parsers of option values (durations,
 * instants). Every default here is documented in README.md and
 * docs/method.md.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "imapblast/config.h"
#include "imapblast/event.h"
#include "imapblast/timeutil.h"

int ib_default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 4 ? 4 : (int)n;
}

void ib_config_init(struct ib_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_line = 65536;
	cfg->jobs = ib_default_jobs();
	cfg->bucket_ms = 5 * 60 * 1000;
	cfg->since_ms = IB_TIME_NONE;
	cfg->until_ms = IB_TIME_NONE;
	cfg->window_start_ms = IB_TIME_NONE;
	cfg->window_end_ms = IB_TIME_NONE;
	cfg->attack_users = 20;
	cfg->attack_ratio = 0.8;
	cfg->attack_min_users = 3;
	cfg->window_factor = 3.0;
	cfg->window_min_rate = 0.05;
	cfg->window_min_failures = 3;
	cfg->window_gap = 2;
	cfg->window_min_users = 3;
	cfg->cred_factor = 3.0;
	cfg->server_factor = 2.0;
	cfg->protocols = 1u << IB_PROTO_NONE | 1u << IB_PROTO_IMAP | 1u << IB_PROTO_POP3;
	cfg->out_dir = "imapblast-report";
	cfg->outputs = IB_OUT_ALL;
	cfg->stamp_ms = IB_TIME_NONE;
}

int ib_config_add_window(struct ib_config *cfg, int64_t start_ms, int64_t end_ms)
{
	if (cfg->nwindows >= IB_MAX_WINDOWS)
		return -1;
	if (!cfg->nwindows) {
		cfg->window_start_ms = start_ms;
		cfg->window_end_ms = end_ms;
	}
	cfg->windows[cfg->nwindows].start_ms = start_ms;
	cfg->windows[cfg->nwindows++].end_ms = end_ms;
	return 0;
}

const struct ib_file_rule *ib_file_rule_find(const struct ib_file_rule *rules, size_t n, const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	for (size_t i = 0; i < n; i++)
		if (!fnmatch(rules[i].glob, path, 0) || !fnmatch(rules[i].glob, base, 0))
			return &rules[i];
	return NULL;
}

const struct ib_zone *ib_config_zone_of(const struct ib_config *cfg, const char *path, const char **name)
{
	const struct ib_file_rule *r = ib_file_rule_find(cfg->zone_rules, cfg->nzone_rules, path);

	if (name)
		*name = r ? r->value : cfg->tz ? cfg->tz : "UTC";
	return r ? r->zone : cfg->zone;
}

const char *ib_config_user_of(const struct ib_config *cfg, const char *path)
{
	const struct ib_file_rule *r = ib_file_rule_find(cfg->user_rules, cfg->nuser_rules, path);

	return r ? r->value : NULL;
}

int ib_parse_duration(const char *s, int64_t *out_ms)
{
	char *end;
	unsigned long long v;
	int64_t unit = 1000;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || v == 0)
		return -1;
	if (!strcmp(end, "") || !strcmp(end, "s"))
		unit = 1000;
	else if (!strcmp(end, "m") || !strcmp(end, "min"))
		unit = 60 * 1000;
	else if (!strcmp(end, "h"))
		unit = 3600 * 1000;
	else if (!strcmp(end, "d"))
		unit = 86400 * 1000LL;
	else
		return -1;
	if (v > (unsigned long long)(INT64_MAX / unit))
		return -1;
	*out_ms = (int64_t)v * unit;
	return 0;
}

static int digits(const char **p, int n, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		v = v * 10 + (unsigned)((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

int ib_parse_instant(const char *s, int64_t *out_ms)
{
	unsigned y, mo, d, h = 0, mi = 0, sec = 0, oh, om;
	const char *p = s;
	int64_t t, off = 0;

	if (!s || digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' || digits(&p, 2, &d))
		return -1;
	if (*p == 'T' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
			return -1;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &sec))
				return -1;
		}
	}
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1;

		if (digits(&p, 2, &oh))
			return -1;
		if (*p == ':')
			p++;
		if (digits(&p, 2, &om))
			return -1;
		off = sign * ((int64_t)oh * 60 + om) * 60000;
	}
	if (*p || h > 23 || mi > 59 || sec > 60)
		return -1;
	t = ib_time_utc((int)y, mo, d, h, mi, sec, 0);
	if (t == IB_TIME_NONE)
		return -1;
	*out_ms = t - off;
	return 0;
}
