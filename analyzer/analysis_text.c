/*
 * analysis_text.c: the words of the analysis. ib_result_explain is the one
 * formatter that turns the structured reasons (window_why, attack and
 * unverified fields) into the sentences md, csv and stdout print; the
 * retry histogram's bins; and the string helpers of the analysis files.
 * A leaf: it uses no other analysis file.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analysis_int.h"
#include "imapblast/timeutil.h"
#if defined(__GLIBC__)
#include <malloc.h>
#endif

const struct ib_retry_bin ib_retry_bins[IB_RETRY_BINS] = {
    {1, "1", "1"},
    {3, "2-3", "2-3"},
    {10, "4-10", "4-10"},
    {100, "11-100", "11-100"},
    {UINT64_MAX, ">100", "more than 100"},
};

size_t ib_retry_bin(uint64_t failures)
{
	size_t i = 0;

	while (i + 1 < IB_RETRY_BINS && failures > ib_retry_bins[i].max)
		i++;
	return i;
}

void ib_an_trim(void)
{
#if defined(__GLIBC__)
	malloc_trim(0);
#endif
}

char *ib_an_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}

char *ib_an_printf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *s;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	s = malloc((size_t)n + 1);
	if (!s)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

static int cmp_strp(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

char *ib_an_join(const char **names, size_t n)
{
	size_t len = 1;
	char *s, *p;

	if (n)
		qsort(names, n, sizeof(*names), cmp_strp);
	for (size_t i = 0; i < n; i++)
		len += strlen(names[i]) + 1;
	s = p = malloc(len);
	if (!s)
		return NULL;
	*p = '\0';
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(names[i]);

		if (i)
			*p++ = ';';
		memcpy(p, names[i], l + 1);
		p += l;
	}
	return s;
}

char *ib_an_join_mask(unsigned mask, int layers)
{
	const char *names[IB_CAT_COUNT];
	size_t k = 0;

	for (unsigned i = 0; i < (layers ? (unsigned)IB_LAYER_COUNT : (unsigned)IB_CAT_COUNT); i++)
		if (mask & (1u << i))
			names[k++] =
			    layers ? ib_layer_name((enum ib_layer)i) : ib_category_name((enum ib_category)i);
	return ib_an_join(names, k);
}

const char *ib_window_verdict_name(enum ib_window_verdict v)
{
	static const char *const names[] = {"no_events", "given", "no_failures", "none_qualified",
					    "detected"};

	return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] : "";
}

const char *ib_series_name(unsigned series)
{
	return series == IB_SERIES_IDP	 ? "identity provider"
	       : series == IB_SERIES_ALL ? "layers summed"
					 : ib_layer_name((enum ib_layer)series);
}

const char *ib_attack_rule_name(enum ib_attack_rule rule)
{
	return rule == IB_ATTACK_NEVER_LOGGED_IN ? "never_logged_in" : "many_users";
}

/* ---- the one formatter ---- */

static char *window_sentence(const struct ib_result *r)
{
	const struct ib_window_why *w = &r->window_why;
	const struct ib_window_params *p = &w->params;
	char ws[32], we[32], ws2[32], we2[32], bases[160];
	size_t nbase = 0;
	char *rule, *s;

	switch (w->verdict) {
	case IB_WV_NO_EVENTS:
		return ib_an_strdup(w->given_start_ms != IB_TIME_NONE ? "given: no events in range"
								      : "none: no events in range");
	case IB_WV_GIVEN:
		if (r->nwindows > 1)
			return ib_an_printf("given: %zu windows (--window), each widened to bucket "
					    "boundaries, overlaps merged",
					    r->nwindows);
		ib_time_format(w->given_start_ms, ws, sizeof(ws));
		ib_time_format(w->given_end_ms, we, sizeof(we));
		if (r->window_start_ms == w->given_start_ms && r->window_end_ms == w->given_end_ms)
			return ib_an_printf("given: --window %s..%s", ws, we);
		ib_time_format(r->window_start_ms, ws2, sizeof(ws2));
		ib_time_format(r->window_end_ms, we2, sizeof(we2));
		return ib_an_printf("given: --window %s..%s, widened to bucket boundaries %s..%s", ws, we,
				    ws2, we2);
	case IB_WV_NO_FAILURES:
		return ib_an_strdup("none: no credentials, temporary or timeout failures in range "
				    "(attack sources excluded)");
	case IB_WV_NONE_QUALIFIED:
	case IB_WV_DETECTED:
		break;
	}
	for (unsigned k = 0; k < IB_SERIES_COUNT; k++) {
		int m;

		if (!w->series_present[k])
			continue;
		m = snprintf(bases + nbase, sizeof(bases) - nbase, "%s%s %.1f%%", nbase ? ", " : "",
			     ib_series_name(k), 100.0 * w->series_baseline[k]);
		if (m > 0 && (size_t)m < sizeof(bases) - nbase)
			nbase += (size_t)m;
	}
	rule = ib_an_printf("each layer, the identity provider and the layers summed judged on their "
			    "own series against their own baseline (median %s): buckets whose failure rate "
			    "was >= %.1fx the baseline and >= baseline + "
			    "%.1f points, with >= %u failures of >= %u distinct users, extended on both "
			    "sides while the rate stayed >= %.1fx the baseline and >= baseline + %.1f "
			    "points or a user failing for an outage in it failed so again, merged across "
			    "gaps of <= %u buckets; every such period is a window, "
			    "the windows of all series joined; attack sources excluded",
			    nbase ? bases : "none", p->factor, 100.0 * p->min_rate, p->min_failures,
			    p->min_users, (1.0 + p->factor) / 2, 50.0 * p->min_rate, p->gap);
	if (!rule)
		return NULL;
	s = ib_an_printf("%s: %s", w->verdict == IB_WV_DETECTED ? "detected" : "none: no bucket qualified",
			 rule);
	free(rule);
	return s;
}

static char *attack_sentence(const struct ib_attack_row *a)
{
	if (a->rule == IB_ATTACK_MANY_USERS)
		return ib_an_printf("failed for %llu distinct users, no success (>= %u, --attack-users)",
				    (unsigned long long)a->users, a->min_users);
	return ib_an_printf("failed for %llu distinct users (>= %u, --attack-min-users), no "
			    "success, %llu of them (%.0f%%) never logged in anywhere (>= %.0f%%, "
			    "--attack-ratio)",
			    (unsigned long long)a->users, a->min_users, (unsigned long long)a->never_users,
			    100.0 * (double)a->never_users / (double)a->users, 100.0 * a->min_ratio);
}

static char *unverified_sentence(const struct ib_unverified_row *u)
{
	return ib_an_printf("%llu credentials failures in the window on a server whose credentials "
			    "failure rate spiked (--cred-factor %.1f), but no successful login anywhere "
			    "to prove the password",
			    (unsigned long long)u->failures, u->cred_factor);
}

static char *campaign_sentence(const struct ib_campaign_row *x)
{
	return ib_an_printf("slow distributed spray: %llu addresses (>= %u), each refused only with "
			    "credentials errors for 1 to %u users who all log in from elsewhere, none with "
			    "a success; %llu users tried, active in %llu buckets (>= a quarter of the range)",
			    (unsigned long long)x->addresses, x->min_addresses, x->max_users,
			    (unsigned long long)x->users, (unsigned long long)x->buckets);
}

static char *stale_sentence(const struct ib_stale_row *x)
{
	char t[32];

	ib_time_format(x->first_ms, t, sizeof(t));
	return ib_an_printf("stale client at %s: %llu credentials failures since %s and never a success "
			    "from it, at the same rate before the window; its %llu in the window are not "
			    "outage failures",
			    x->ip, (unsigned long long)x->failures, t, (unsigned long long)x->win_failures);
}

/* "IMAP (41.2% of 1234 events; 0.3% outside)": one protocol in the windows. */
static int proto_part(char *buf, size_t size, const struct ib_proto_row *p, int outside)
{
	uint64_t oe = p->events - p->win_events, oo = p->outage - p->win_outage;
	double in = 100.0 * (double)p->win_outage / (double)p->win_events;

	if (outside && oe)
		return snprintf(buf, size, "%s (%.1f%% of %llu event%s; %.1f%% outside)",
				ib_proto_label(p->protocol), in, (unsigned long long)p->win_events,
				p->win_events == 1 ? "" : "s", 100.0 * (double)oo / (double)oe);
	return snprintf(buf, size, "%s (%.1f%% of %llu event%s)", ib_proto_label(p->protocol), in,
			(unsigned long long)p->win_events, p->win_events == 1 ? "" : "s");
}

/*
 * The protocols verdict (docs/method.md, "Protocols"), or NULL when there
 * is nothing to set side by side: fewer than two protocols the logs name
 * (IB_PROTO_NONE left out) with events in the windows. "IMAP (...) failed in the window while POP3 (...) and
 * ActiveSync (...) did not."
 */
static char *protocol_sentence(const struct ib_result *r, int *nomem)
{
	char failed[1024] = "", fine[1024] = "", part[160];
	size_t nf = 0, nn = 0, k = 0, kf = 0, kn = 0;

	*nomem = 0;
	for (size_t i = 0; i < r->nprotocols; i++)
		if (r->protocols[i].win_events && r->protocols[i].protocol != IB_PROTO_NONE)
			r->protocols[i].failed ? nf++ : nn++;
	if (nf + nn < 2)
		return NULL;
	for (size_t i = 0; i < r->nprotocols; i++) {
		const struct ib_proto_row *p = &r->protocols[i];
		char *dst = p->failed ? failed : fine;
		size_t *kk = p->failed ? &kf : &kn, of = p->failed ? nf : nn;

		if (!p->win_events || p->protocol == IB_PROTO_NONE)
			continue;
		proto_part(part, sizeof(part), p, p->failed);
		k = strlen(dst);
		snprintf(dst + k, 1024 - k, "%s%s", !*kk ? "" : *kk + 1 == of ? " and " : ", ", part);
		++*kk;
	}
	char *s = !nf	? ib_an_printf("No protocol failed more in the window than outside it: %s.", fine)
		  : !nn ? ib_an_printf("Every protocol failed in the window: %s.", failed)
			: ib_an_printf("%s failed in the window while %s did not.", failed, fine);
	*nomem = !s;
	return s;
}

int ib_result_explain(struct ib_result *r)
{
	int nomem;

	free(r->window_rule);
	if (!(r->window_rule = window_sentence(r)))
		return IB_ERR_NOMEM;
	for (size_t i = 0; i < r->nattacks; i++) {
		free(r->attacks[i].reason);
		if (!(r->attacks[i].reason = attack_sentence(&r->attacks[i])))
			return IB_ERR_NOMEM;
	}
	free(r->campaign.reason);
	r->campaign.reason = NULL;
	if (r->campaign.addresses && !(r->campaign.reason = campaign_sentence(&r->campaign)))
		return IB_ERR_NOMEM;
	for (size_t i = 0; i < r->nstale; i++) {
		free(r->stale[i].reason);
		if (!(r->stale[i].reason = stale_sentence(&r->stale[i])))
			return IB_ERR_NOMEM;
	}
	for (size_t i = 0; i < r->nunverified; i++) {
		free(r->unverified[i].reason);
		if (!(r->unverified[i].reason = unverified_sentence(&r->unverified[i])))
			return IB_ERR_NOMEM;
	}
	free(r->protocol_note);
	r->protocol_note = protocol_sentence(r, &nomem);
	return nomem ? IB_ERR_NOMEM : IB_OK;
}
