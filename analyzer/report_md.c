/*
 * report_md.c: summary.md, the PIR appendix. Tables are GitHub-flavoured
 * Markdown; every string that came from a log goes through IB_ESC_MD so a
 * user name cannot break a table, start a link or carry HTML. The first
 * line is the marker comment that lets a later run overwrite the file.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "imapblast/coverage.h"
#include "imapblast/report.h"
#include "imapblast/timeutil.h"
#include "report_int.h"

#define TOP 10
#define USERS_SHOWN 20
#define ERRORS_SHOWN 50
#define AROUND 6 /* buckets shown either side of the window */
#define MAX_ROWS 60
#define MARKER "<!-- imapblast report -->\n"

struct mw {
	FILE *f;
	struct ib_rbuf sc;
	const struct ib_config *cfg;
};

static void esc(struct mw *w, const char *s)
{
	ib_fput_esc(w->f, &w->sc, s, IB_ESC_MD);
}

static void pct(char *buf, size_t size, uint64_t part, uint64_t whole)
{
	if (!whole)
		snprintf(buf, size, "n/a");
	else
		snprintf(buf, size, "%.1f%%", 100.0 * (double)part / (double)whole);
}

static void rate(FILE *f, double v)
{
	if (v != v || v < 0)
		fputs(" n/a |", f);
	else
		fprintf(f, " %.1f%% |", 100.0 * v);
}

static const char *win_source(enum ib_window_source s)
{
	return s == IB_WIN_GIVEN ? "given (--window)" : s == IB_WIN_DETECTED ? "detected" : "none";
}

/* One row of numbers per window; the table above gives their overall span. */
static void section_windows(struct mw *w, const struct ib_result *r)
{
	char a[64], b[64], d[64], p[64];
	FILE *f = w->f;

	if (!r->nwindows)
		return;
	if (r->nwindows > 1)
		fprintf(f, "%zu windows; a user affected in any of them is affected.\n\n", r->nwindows);
	fputs("| # | Start | End (exclusive) | Duration | Outage failures | Affected users | Peak bucket | "
	      "Peak users |\n|---:|---|---|---|---:|---:|---|---:|\n",
	      f);
	for (size_t i = 0; i < r->nwindows; i++) {
		const struct ib_window_row *x = &r->windows[i];

		fprintf(
		    f, "| %zu | %s | %s | %s | %" PRIu64 " | %" PRIu64 " | %s | %" PRIu64 " |\n", i + 1,
		    ib_rep_time(x->start_ms, a, sizeof(a)), ib_rep_time(x->end_ms, b, sizeof(b)),
		    ib_rep_dur(x->end_ms - x->start_ms, d, sizeof(d)), x->outage_failures, x->affected_users,
		    x->peak_bucket_ms == IB_TIME_NONE ? "none" : ib_rep_time(x->peak_bucket_ms, p, sizeof(p)),
		    x->peak_users);
	}
	fputs("\n", f);
}

static const char *win_mark(int idx, char *buf, size_t size)
{
	snprintf(buf, size, "**%d**", idx);
	return buf;
}

/*
 * No window detected among failures: often a sparse export (a few records
 * per bucket, as sign-in downloads filtered to one app are). Then 0
 * affected users is not a finding: say so, and show the --window that
 * covers the buckets with outage-category failures.
 */
static void no_window_hint(FILE *f, const struct ib_result *r)
{
	int64_t first = IB_TIME_NONE, last = IB_TIME_NONE;
	char a[64], b[64];

	if (r->window_why.verdict != IB_WV_NONE_QUALIFIED)
		return;
	for (size_t i = 0; i < r->nbuckets; i++) {
		const struct ib_bucket_row *k = &r->buckets[i];

		if (!k->failures[IB_CAT_TEMPORARY] && !k->failures[IB_CAT_TIMEOUT])
			continue;
		if (first == IB_TIME_NONE)
			first = k->start_ms;
		last = k->start_ms + r->bucket_ms;
	}
	if (first == IB_TIME_NONE)
		return;
	fprintf(f,
		"No incident window could be detected, so the affected users below are not counted: 0 is "
		"not a finding. Sparse data (a few events per bucket, as in a filtered sign-in export) often "
		"looks like this. If you know when the incident was, give it, e.g. the span of the temporary "
		"and timeout failures: `--window %s..%s`.\n\n",
		ib_rep_time(first, a, sizeof(a)), ib_rep_time(last, b, sizeof(b)));
}

static void section_window(struct mw *w, const struct ib_result *r)
{
	char a[64], b[64], d[64];
	FILE *f = w->f;

	fputs("## Incident window\n\n| | |\n|---|---|\n", f);
	if (r->window_start_ms == IB_TIME_NONE || r->window_end_ms == IB_TIME_NONE) {
		fputs("| Window | none found |\n", f);
	} else if (r->nwindows > 1) { /* their span here, each one's row below */
		fprintf(f, "| Windows | %zu |\n", r->nwindows);
		fprintf(f, "| First start | %s |\n", ib_rep_time(r->window_start_ms, a, sizeof(a)));
		fprintf(f, "| Last end (exclusive) | %s |\n", ib_rep_time(r->window_end_ms, b, sizeof(b)));
		fprintf(f, "| Span | %s |\n",
			ib_rep_dur(r->window_end_ms - r->window_start_ms, d, sizeof(d)));
	} else {
		fprintf(f, "| Start | %s |\n", ib_rep_time(r->window_start_ms, a, sizeof(a)));
		fprintf(f, "| End (exclusive) | %s |\n", ib_rep_time(r->window_end_ms, b, sizeof(b)));
		fprintf(f, "| Duration | %s |\n",
			ib_rep_dur(r->window_end_ms - r->window_start_ms, d, sizeof(d)));
	}
	fprintf(f, "| Source | %s |\n| Rule | ", win_source(r->window_source));
	esc(w, r->window_rule ? r->window_rule : "");
	fprintf(f, " |\n| Bucket | %s |\n", ib_rep_dur(r->bucket_ms, d, sizeof(d)));
	fprintf(f, "| Data range | %s .. %s |\n\n", ib_rep_time(r->range_start_ms, a, sizeof(a)),
		ib_rep_time(r->range_end_ms, b, sizeof(b)));
	section_windows(w, r);
	no_window_hint(f, r);
}

static void section_headline(struct mw *w, const struct ib_result *r)
{
	char a[64], p1[32], p2[32];
	FILE *f = w->f;

	pct(p1, sizeof(p1), r->intermittent_users, r->affected_users);
	pct(p2, sizeof(p2), r->hard_users, r->affected_users);
	fputs("## Headline\n\n| Measure | Value |\n|---|---:|\n", f);
	fprintf(f, "| Affected users | %" PRIu64 " |\n", r->affected_users);
	fprintf(f, "| Outage failures in the window | %" PRIu64 " |\n", r->outage_failures);
	if (r->peak_bucket_ms != IB_TIME_NONE)
		fprintf(f, "| Peak bucket | %s (%" PRIu64 " users) |\n",
			ib_rep_time(r->peak_bucket_ms, a, sizeof(a)), r->peak_users);
	else
		fputs("| Peak bucket | none |\n", f);
	fprintf(f, "| Intermittent users (some retries succeeded) | %" PRIu64 " (%s) |\n",
		r->intermittent_users, p1);
	fprintf(f, "| Hard-down users (no success in the window) | %" PRIu64 " (%s) |\n", r->hard_users, p2);
	fprintf(f, "| Events classified | %" PRIu64 " |\n", r->events);
	fprintf(f, "| Events from attack sources (excluded) | %" PRIu64 " |\n", r->attack_events);
	if (r->outlier_events)
		fprintf(f, "| Events left out: dated far from all others (bad timestamps) | %" PRIu64 " |\n",
			r->outlier_events);
	fprintf(f, "| Attack sources excluded | %zu |\n", r->nattacks);
	fprintf(f, "| Unverified users left out | %zu |\n\n", r->nunverified);
}

/* Servers joined from the logs: a proxy's upstream address and the backend that logs it as its own. */
static void section_joins(struct mw *w, const struct ib_result *r)
{
	if (!r->nserver_joins)
		return;
	fputs("Joined from the logs (a backend logs the address that a proxy names as its own; "
	      "`--server-alias` names what the logs cannot tell):\n\n| Named | Counted as |\n|---|---|\n",
	      w->f);
	for (size_t i = 0; i < r->nserver_joins; i++) {
		const char *j = r->server_joins[i], *eq = strchr(j, '=');
		char from[256];
		size_t n = (size_t)(eq - j) < sizeof(from) ? (size_t)(eq - j) : sizeof(from) - 1;

		memcpy(from, j, n);
		from[n] = 0;
		fputs("| ", w->f);
		esc(w, from);
		fputs(" | ", w->f);
		esc(w, eq + 1);
		fputs(" |\n", w->f);
	}
	fputs("\n", w->f);
}

static void section_servers(struct mw *w, const struct ib_result *r)
{
	FILE *f = w->f;
	size_t i;
	int c;

	fputs("## Servers\n\nFlagged servers (failure rate in the window far above the rest of the fleet) "
	      "come first, marked **FLAGGED**.\n\n",
	      f);
	if (!r->nservers) {
		fputs("No server was named in the logs.\n\n", f);
		return;
	}
	fputs("| Flag | Server | Layers | Attempts | Successes | Credentials | Temporary | Timeout | Policy "
	      "| Other "
	      "| Window attempts | Window outage failures | Window rate | Baseline rate | Fleet rate | "
	      "Affected users "
	      "|\n|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
	      f);
	for (i = 0; i < r->nservers; i++) {
		const struct ib_server_row *s = &r->servers[i];
		fprintf(f, "| %s%s | ", s->flagged ? "**FLAGGED**" : "",
			s->cred_outage ? (s->flagged ? " cred-outage" : "cred-outage") : "");
		esc(w, s->server);
		fputs(" | ", f);
		esc(w, s->layers);
		fprintf(f, " | %" PRIu64 " | %" PRIu64 " |", s->attempts, s->successes);
		for (c = IB_CAT_CREDENTIALS; c <= IB_CAT_OTHER; c++)
			fprintf(f, " %" PRIu64 " |", s->failures[c]);
		fprintf(f, " %" PRIu64 " | %" PRIu64 " |", s->win_attempts, s->win_failures);
		rate(f, s->win_rate);
		rate(f, s->base_rate);
		rate(f, s->fleet_rate);
		fprintf(f, " %" PRIu64 " |\n", s->affected_users);
	}
	fputs("\n", f);
	section_joins(w, r);
}

static void section_layers(struct mw *w, const struct ib_result *r)
{
	FILE *f = w->f;
	int l, c;

	fputs("## Layers\n\n| Layer | Seen | Attempts | Successes | Credentials | Temporary | Timeout | "
	      "Policy | "
	      "Other | Window attempts | Window outage failures | Affected users |\n"
	      "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
	      f);
	for (l = 0; l < IB_LAYER_COUNT; l++) {
		const struct ib_layer_row *y = &r->layers[l];
		fprintf(f, "| %s | %s | %" PRIu64 " | %" PRIu64 " |", ib_layer_name((enum ib_layer)l),
			y->present ? "yes" : "no", y->attempts, y->successes);
		for (c = IB_CAT_CREDENTIALS; c <= IB_CAT_OTHER; c++)
			fprintf(f, " %" PRIu64 " |", y->failures[c]);
		fprintf(f, " %" PRIu64 " | %" PRIu64 " | %" PRIu64 " |\n", y->win_attempts, y->win_failures,
			y->affected_users);
	}
	fputs("\n", f);
}

/* Protocols side by side, when the logs name two or more or one is left out (docs/method.md). */
static void section_protocols(struct mw *w, const struct ib_result *r)
{
	FILE *f = w->f;
	int left_out = 0, win = r->nwindows > 0;
	char a[32], b[32];

	size_t stated = 0;

	for (size_t i = 0; i < r->nprotocols; i++) {
		left_out |= !r->protocols[i].counted;
		stated += r->protocols[i].protocol != IB_PROTO_NONE;
	}
	if (stated < 2 && !left_out)
		return;
	fputs("## Protocols\n\nEvents of every layer by the protocol the log names, attack sources included. "
	      "Only counted protocols (`--protocols`) make the blast radius.\n\n",
	      f);
	if (r->protocol_note)
		fprintf(f, "%s\n\n", r->protocol_note);
	fputs(win ? "| Protocol | Counted | Events | Failures | Outage failures | Window events | "
		    "Window outage failures | Window outage rate | Outage rate outside |\n"
		    "|---|---|---:|---:|---:|---:|---:|---:|---:|\n"
		  : "| Protocol | Counted | Events | Successes | Failures | Outage failures | Outage rate |\n"
		    "|---|---|---:|---:|---:|---:|---:|\n",
	      f);
	for (size_t i = 0; i < r->nprotocols; i++) {
		const struct ib_proto_row *p = &r->protocols[i];

		fprintf(f, "| %s | %s | %" PRIu64 " |", ib_proto_label(p->protocol),
			p->counted ? "yes" : "no", p->events);
		if (!win) {
			pct(a, sizeof(a), p->outage, p->events);
			fprintf(f, " %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %s |\n", p->successes,
				p->failures, p->outage, a);
			continue;
		}
		pct(a, sizeof(a), p->win_outage, p->win_events);
		pct(b, sizeof(b), p->outage - p->win_outage, p->events - p->win_events);
		fprintf(f, " %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %s | %s |\n",
			p->failures, p->outage, p->win_events, p->win_outage, a, b);
	}
	fputs("\n", f);
}

static void section_sigs(struct mw *w, const struct ib_result *r)
{
	FILE *f = w->f;
	size_t i, shown = 0, failing = 0;

	fputs("## Top failure signatures\n\n", f);
	for (i = 0; i < r->nsigs; i++)
		failing += ib_category_is_failure(r->sigs[i].category);
	if (!failing) {
		fputs("None.\n\n", f);
		return;
	}
	fputs("| # | Signature | Category | Count | In window |\n|---:|---|---|---:|---:|\n", f);
	for (i = 0; i < r->nsigs && shown < TOP; i++) {
		if (!ib_category_is_failure(r->sigs[i].category))
			continue; /* successes are not failure signatures */
		fprintf(f, "| %zu | ", ++shown);
		esc(w, r->sigs[i].name);
		fprintf(f, " | %s | %" PRIu64 " | %" PRIu64 " |\n", ib_category_name(r->sigs[i].category),
			r->sigs[i].count, r->sigs[i].in_window);
	}
	if (failing > shown)
		fprintf(f, "\n%zu more in summary.json.\n", failing - shown);
	fputs("\n", f);
}

static void section_timeline(struct mw *w, const struct ib_result *r)
{
	FILE *f = w->f;
	size_t lo = 0, hi = r->nbuckets, i, first = SIZE_MAX, last = 0;
	char t[64], wm[32];
	int c;

	fputs("## Timeline\n\n![timeline](timeline.svg)\n\n", f);
	if (!r->nbuckets) {
		fputs("No events.\n\n", f);
		return;
	}
	for (i = 0; i < r->nbuckets; i++)
		if (r->buckets[i].in_window) {
			if (first == SIZE_MAX)
				first = i;
			last = i;
		}
	if (r->nbuckets > MAX_ROWS) {
		if (first == SIZE_MAX) {
			fprintf(f,
				"The range has %zu buckets and no window; the full series is in "
				"summary.json.\n\n",
				r->nbuckets);
			return;
		}
		lo = first > AROUND ? first - AROUND : 0;
		hi = last + AROUND + 1 < r->nbuckets ? last + AROUND + 1 : r->nbuckets;
		fprintf(f,
			"Buckets of the window and %d either side (%zu of %zu); the full series is in "
			"summary.json.\n\n",
			AROUND, hi - lo, r->nbuckets);
	}
	fputs("| Bucket start (UTC) | In window | Successes | Credentials | Temporary | Timeout | Policy | "
	      "Other | "
	      "Outage failures | Affected users |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
	      f);
	for (i = lo; i < hi; i++) {
		const struct ib_bucket_row *b = &r->buckets[i];
		fprintf(f, "| %s | %s | %" PRIu64 " |", ib_rep_time(b->start_ms, t, sizeof(t)),
			b->in_window ? (r->nwindows > 1 ? win_mark(b->in_window, wm, sizeof(wm)) : "**yes**")
				     : "",
			b->successes);
		for (c = IB_CAT_CREDENTIALS; c <= IB_CAT_OTHER; c++)
			fprintf(f, " %" PRIu64 " |", b->failures[c]);
		fprintf(f, " %" PRIu64 " | %" PRIu64 " |\n", b->outage_failures, b->affected_users);
	}
	fputs("\n", f);
}

static void section_users(struct mw *w, const struct ib_result *r)
{
	FILE *f = w->f;
	char ub[32], a[64], b[64], c[64];
	size_t i;

	fputs("## Affected users\n\n", f);
	if (!r->nusers) {
		fputs("None.\n\n", f);
		return;
	}
	if (r->nusers > USERS_SHOWN)
		fprintf(f, "The first %d of %zu, by user; all of them are in affected-users.csv.\n\n",
			USERS_SHOWN, r->nusers);
	else
		fputs("All of them; the claims list with evidence is affected-users.csv.\n\n", f);
	fputs("| User | First failure | Last failure | Failures | Successes | Impacted minutes | Recovered "
	      "at | "
	      "Intermittent |\n|---|---|---|---:|---:|---:|---|---|\n",
	      f);
	for (i = 0; i < r->nusers && i < USERS_SHOWN; i++) {
		const struct ib_user_row *u = &r->users[i];
		fputs("| ", f);
		esc(w, ib_shown_user(w->cfg, u->user, ub));
		fprintf(f, " | %s | %s | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %s | %s |\n",
			ib_rep_time(u->first_failure_ms, a, sizeof(a)),
			ib_rep_time(u->last_failure_ms, b, sizeof(b)), u->failures, u->successes,
			u->impacted_minutes, ib_rep_time(u->recovered_at_ms, c, sizeof(c)),
			u->intermittent ? "yes" : "no");
	}
	fputs("\n", f);
}

static void section_recovery(struct mw *w, const struct ib_result *r)
{
	FILE *f = w->f;
	char a[64], b[64], c[64];
	int i;

	fputs("## Recovery\n\n| Measure | Value |\n|---|---:|\n", f);
	fprintf(f, "| Recovered users (a success after the last failure) | %" PRIu64 " of %" PRIu64 " |\n",
		r->recovered_users, r->affected_users);
	fprintf(f, "| Median time to recovery | %s |\n| 90th percentile | %s |\n| Longest | %s |\n\n",
		ib_rep_dur(r->ttr_median_ms, a, sizeof(a)), ib_rep_dur(r->ttr_p90_ms, b, sizeof(b)),
		ib_rep_dur(r->ttr_max_ms, c, sizeof(c)));
	fputs("Outage failures before recovery, per recovered user:\n\n| Failures before success | Users "
	      "|\n|---|---:|\n",
	      f);
	for (i = 0; i < IB_RETRY_BINS; i++)
		fprintf(f, "| %s | %" PRIu64 " |\n", ib_retry_bins[i].text, r->retries_hist[i]);
	fputs("\n", f);
}

static int by_attack(const void *pa, const void *pb)
{
	const struct ib_attack_row *a = *(const struct ib_attack_row *const *)pa;
	const struct ib_attack_row *b = *(const struct ib_attack_row *const *)pb;

	if (a->failures != b->failures)
		return a->failures < b->failures ? 1 : -1;
	if (a->users != b->users)
		return a->users < b->users ? 1 : -1;
	return strcmp(a->ip ? a->ip : "", b->ip ? b->ip : "");
}

static int section_attacks(struct mw *w, const struct ib_result *r)
{
	FILE *f = w->f;
	const struct ib_attack_row **top;
	char a[64], b[64];
	size_t i;

	fprintf(f,
		"## Attack sources (excluded)\n\n%zu client addresses were excluded as attack sources "
		"(%" PRIu64 " events); they never count toward the blast radius. All of them are in "
		"excluded.csv.\n\n",
		r->nattacks, r->attack_events);
	if (!r->nattacks)
		return IB_OK;
	top = malloc(r->nattacks * sizeof(*top));
	if (!top)
		return IB_ERR_NOMEM;
	for (i = 0; i < r->nattacks; i++)
		top[i] = &r->attacks[i];
	qsort(top, r->nattacks, sizeof(*top), by_attack);
	fputs("| Source | Users tried | Failures | Successes | First | Last | Reason "
	      "|\n|---|---:|---:|---:|---|---|---|\n",
	      f);
	for (i = 0; i < r->nattacks && i < TOP; i++) {
		fputs("| ", f);
		esc(w, top[i]->ip);
		fprintf(f, " | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %s | %s | ", top[i]->users,
			top[i]->failures, top[i]->successes, ib_rep_time(top[i]->first_ms, a, sizeof(a)),
			ib_rep_time(top[i]->last_ms, b, sizeof(b)));
		esc(w, top[i]->reason);
		fputs(" |\n", f);
	}
	fputs("\n", f);
	free(top);
	return IB_OK;
}

static void section_unverified(struct mw *w, const struct ib_result *r)
{
	FILE *f = w->f;
	char ub[32];
	size_t i;

	if (!r->nunverified)
		return;
	fprintf(
	    f,
	    "## Unverified users (left out)\n\n%zu users failed only in ways that do not prove an outage "
	    "for them; they are listed in excluded.csv.\n\n| User | Failures | Reason |\n|---|---:|---|\n",
	    r->nunverified);
	for (i = 0; i < r->nunverified && i < TOP; i++) {
		fputs("| ", f);
		esc(w, ib_shown_user(w->cfg, r->unverified[i].user, ub));
		fprintf(f, " | %" PRIu64 " | ", r->unverified[i].failures);
		esc(w, r->unverified[i].reason);
		fputs(" |\n", f);
	}
	fputs("\n", f);
}

static void counts_row(struct mw *w, const char *path, const char *format, const struct ib_file_counts *c)
{
	FILE *f = w->f;
	int ok = c->lines == c->events + c->ignored + c->unparseable + c->overlong;

	fputs("| ", f);
	esc(w, path);
	fputs(" | ", f);
	esc(w, format);
	fprintf(
	    f,
	    " | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %s |\n",
	    c->bytes_in, c->lines, c->events, c->ignored, c->unparseable, c->overlong, ok ? "yes" : "**NO**");
}

/* A table row "| a | n | b |" with a and b escaped (the reasons and the input errors tables). */
static void text_num_text_row(struct mw *w, const char *a, uint64_t n, const char *b)
{
	fputs("| ", w->f);
	esc(w, a);
	fprintf(w->f, " | %" PRIu64 " | ", n);
	esc(w, b);
	fputs(" |\n", w->f);
}

/* Files imapblast did not understand, with their first lines (docs/robustness.md). */
static void files_not_understood(struct mw *w, const struct ib_result *r)
{
	FILE *f = w->f;
	char buf[IB_SHAPE_MAX + 1];
	size_t n = 0;

	for (size_t i = 0; i < r->nfiles; i++)
		n += r->files[i].c.status != IB_FILE_READ;
	if (!n)
		return;
	fprintf(f, "**Files not understood: %zu.** Nothing in them was counted; the exit code is 1.\n\n", n);
	for (size_t i = 0; i < r->nfiles; i++) {
		const struct ib_file_counts *c = &r->files[i].c;

		if (c->status == IB_FILE_READ)
			continue;
		fputs("- ", f);
		esc(w, r->files[i].path);
		if (c->status == IB_FILE_UNKNOWN)
			fprintf(f, ": no parser recognised its format (%" PRIu64 " lines)", c->lines);
		else
			fprintf(f, ": read as %s, but none of its %" PRIu64 " lines became an event",
				r->files[i].format, c->lines);
		fputs(". First lines not understood:\n", f);
		for (int k = 0; k < IB_FILE_SAMPLES && c->sample[k]; k++) {
			fprintf(f, "  - line %" PRIu64 ": ", c->sample_line[k]);
			esc(w, ib_shown_line(w->cfg, c->sample[k], buf));
			fputs("\n", f);
		}
	}
	fputs("\n", f);
}

/* Lines that look like login outcomes but that no parser or rule took. */
static void login_unmatched(struct mw *w, const struct ib_result *r)
{
	FILE *f = w->f;
	char buf[IB_SHAPE_MAX + 1], p[16];
	uint64_t all = r->total.events + r->total.login_unmatched;
	size_t i;

	if (!r->total.login_unmatched) {
		fputs("No login-looking line was left unmatched: every line with words such as login, auth, "
		      "password or failed next to a user or an address became an event.\n\n",
		      f);
		return;
	}
	pct(p, sizeof(p), r->total.login_unmatched, all);
	fprintf(f,
		"**Login-looking lines no parser or rule took: %" PRIu64 "** (%s of %" PRIu64
		" login lines). They may be logins imapblast does not know: write a rule for them "
		"(docs/rules.md) and check it with `imapblast rules --test`.\n\n"
		"| File | Login-looking lines not taken |\n|---|---:|\n",
		r->total.login_unmatched, p, all);
	for (i = 0; i < r->nfiles; i++)
		if (r->files[i].c.login_unmatched) {
			fputs("| ", f);
			esc(w, r->files[i].path);
			fprintf(f, " | %" PRIu64 " |\n", r->files[i].c.login_unmatched);
		}
	fputs("\n| Shape | Lines | Sample | First seen |\n|---|---:|---|---|\n", f);
	for (i = 0; i < r->nshapes && i < TOP; i++) {
		fputs("| ", f);
		esc(w, r->shapes[i].shape);
		fprintf(f, " | %" PRIu64 " | ", r->shapes[i].count);
		esc(w, ib_shown_line(w->cfg, r->shapes[i].sample, buf));
		fputs(" | ", f);
		esc(w, r->shapes[i].first);
		fputs(" |\n", f);
	}
	if (r->nshapes > TOP)
		fprintf(f, "\n%zu more shapes in summary.json.\n", r->nshapes - TOP);
	fputs("\n", f);
}

/* Repeated input: files not read (their content equals another's), events counted once. */
static void section_dups(struct mw *w, const struct ib_result *r)
{
	size_t nfiles = 0, i;
	uint64_t nev = 0;

	for (i = 0; i < r->ndup_files; i++) {
		if (r->dup_files[i].events)
			nev += r->dup_files[i].events;
		else
			nfiles++;
	}
	if (nfiles) {
		fprintf(
		    w->f,
		    "**Repeated input: %zu files not read.** Their content (after gunzip) equals another "
		    "input's, which was read once instead:\n\n| Not read | Same content as |\n|---|---|\n",
		    nfiles);
		for (i = 0; i < r->ndup_files; i++) {
			if (r->dup_files[i].events)
				continue;
			fputs("| ", w->f);
			esc(w, r->dup_files[i].path);
			fputs(" | ", w->f);
			esc(w, r->dup_files[i].same_as);
			fputs(" |\n", w->f);
		}
		fputs("\n", w->f);
	}
	if (nev) {
		fprintf(w->f,
			"**Repeated events: %" PRIu64
			" counted once.** These inputs hold events that earlier "
			"inputs (by path) of the same format and host hold too (overlapping exports, lines "
			"repeated by copytruncate); the file table above counts them as read:\n\n"
			"| File | Repeated events | Same events in |\n|---|---:|---|\n",
			nev);
		for (i = 0; i < r->ndup_files; i++) {
			if (!r->dup_files[i].events)
				continue;
			fputs("| ", w->f);
			esc(w, r->dup_files[i].path);
			fprintf(w->f, " | %" PRIu64 " | ", r->dup_files[i].events);
			esc(w, r->dup_files[i].same_as);
			fputs(" |\n", w->f);
		}
		fputs("\n", w->f);
	}
}

/* With --tz GLOB=ZONE rules: the zone each file was read in (from the options of this run). */
static void section_zones(struct mw *w, const struct ib_result *r)
{
	const char *name, *first = NULL;
	size_t i;

	if (!w->cfg || !w->cfg->nzone_rules)
		return;
	for (i = 0; i < r->nfiles; i++) {
		(void)ib_config_zone_of(w->cfg, r->files[i].path, &name);
		if (!first)
			first = name;
		else if (strcmp(first, name))
			break;
	}
	if (i == r->nfiles)
		return; /* one zone for all */
	fputs("Times without a zone were read in these zones (`--tz`):\n\n| File | Zone |\n|---|---|\n",
	      w->f);
	for (i = 0; i < r->nfiles; i++) {
		(void)ib_config_zone_of(w->cfg, r->files[i].path, &name);
		fputs("| ", w->f);
		esc(w, r->files[i].path);
		fputs(" | ", w->f);
		esc(w, name);
		fputs(" |\n", w->f);
	}
	fputs("\n", w->f);
}

/*
 * What Microsoft 365 sign-in data cannot show (docs/formats.md): said when
 * every input is Entra or Purview data, and how Purview records were taken
 * as IMAP.
 */
static void m365_notes(FILE *f, const struct ib_result *r)
{
	size_t i, m365 = 0, purview = 0;

	for (i = 0; i < r->nfiles; i++) {
		const char *fmt = r->files[i].format ? r->files[i].format : "";

		if (!strcmp(fmt, "entra_csv") || !strcmp(fmt, "entra_json"))
			m365++;
		else if (!strcmp(fmt, "purview"))
			m365++, purview++;
	}
	if (m365 && m365 == r->nfiles)
		fputs(
		    "**Sign-in data only.** Every input is Microsoft Entra sign-in or Purview audit data. "
		    "With OAuth IMAP clients, Entra logs only the token request (client app \"Mobile Apps "
		    "and "
		    "Desktop clients\"), and the IMAP session can still fail after a successful sign-in "
		    "(`NO AUTHENTICATE failed.`, `BAD User is authenticated but not connected.`): such "
		    "failures are not visible in this data. The IMAP clients' own logs (Thunderbird, mbsync, "
		    "fetchmail, OfflineIMAP, imapsync, Python imaplib) or, in a hybrid setup, the Exchange "
		    "IMAP4 protocol logs would show them.\n\n",
		    f);
	if (purview)
		fputs(
		    "Purview audit records count as IMAP only where the record shows it: a logon "
		    "(`UserLoggedIn`, `UserLoginFailed`) whose user agent is `BAV2ROPC`, the basic-auth flow "
		    "of Exchange Online's IMAP, POP and SMTP (the record cannot tell which of the three), "
		    "and "
		    "`MailItemsAccessed` whose `ClientInfoString` names IMAP4.\n\n",
		    f);
}

static void section_quality(struct mw *w, const struct ib_result *r)
{
	FILE *f = w->f;
	size_t i;

	fprintf(f,
		"## Data quality\n\n%zu files, %" PRIu64 " bytes, %" PRIu64 " lines read. Every line is "
		"accounted for: lines = events + ignored + unparseable + over-long.\n\n",
		r->nfiles, r->total.bytes_in, r->total.lines);
	fputs("| File | Format | Bytes | Lines | Events | Ignored | Unparseable | Over-long | Accounted |\n"
	      "|---|---|---:|---:|---:|---:|---:|---:|---|\n",
	      f);
	for (i = 0; i < r->nfiles; i++)
		counts_row(w, r->files[i].path, r->files[i].format, &r->files[i].c);
	counts_row(w, "total", "", &r->total);
	fputs("\n", f);
	section_dups(w, r);
	section_zones(w, r);
	m365_notes(f, r);
	if (r->nreasons) {
		fputs("Unparseable lines, top reasons:\n\n| Reason | Lines | First seen |\n|---|---:|---|\n",
		      f);
		for (i = 0; i < r->nreasons && i < TOP; i++)
			text_num_text_row(w, r->reasons[i].reason, r->reasons[i].count, r->reasons[i].sample);
		fputs("\n", f);
	}
	files_not_understood(w, r);
	login_unmatched(w, r);
	if (r->nerrors) {
		fprintf(f,
			"**Input errors: %zu.** These inputs were not read completely.\n\n"
			"| File | Byte offset | Reason |\n|---|---:|---|\n",
			r->nerrors);
		for (i = 0; i < r->nerrors && i < ERRORS_SHOWN; i++)
			text_num_text_row(w, r->errors[i].path, r->errors[i].offset, r->errors[i].reason);
		if (r->nerrors > ERRORS_SHOWN)
			fprintf(f, "\n%zu more in summary.json.\n", r->nerrors - ERRORS_SHOWN);
		fputs("\n", f);
	} else {
		fputs("No input errors: every input was read to the end.\n\n", f);
	}
	if (r->ngaps) {
		char a[64], b[64];

		fputs("**Log gaps.** These backends logged nothing while the proxy logged logins it "
		      "routed to them: their logging stopped, not the service; nobody is affected from "
		      "a gap.\n\n| Server | From | To (exclusive) | Proxy successes meanwhile |\n"
		      "|---|---|---|---:|\n",
		      f);
		for (i = 0; i < r->ngaps; i++) {
			fputs("| ", f);
			esc(w, r->gaps[i].server);
			fprintf(f, " | %s | %s | %" PRIu64 " |\n",
				ib_rep_time(r->gaps[i].start_ms, a, sizeof(a)),
				ib_rep_time(r->gaps[i].end_ms, b, sizeof(b)), r->gaps[i].proxy_successes);
		}
		fputs("\n", f);
	}
}

static int write_md(FILE *f, const struct ib_result *r, const struct ib_config *cfg)
{
	struct mw w = {f, {0}, cfg};
	char t[64];
	int rc;

	fputs(MARKER, f);
	fputs("# IMAP authentication incident: blast radius\n\n", f);
	if (cfg && cfg->redact_key)
		fputs("> **Redacted.** User names in this file are pseudonyms (`u-` and 12 hex digits of a "
		      "keyed "
		      "HMAC-SHA256). The same key maps a user to the same pseudonym. The claims list "
		      "affected-users.csv is not redacted.\n\n",
		      f);
	fprintf(f, "Written by imapblast %s", IB_VERSION);
	if (cfg && cfg->stamp && cfg->stamp_ms != IB_TIME_NONE)
		fprintf(f, " at %s", ib_rep_time(cfg->stamp_ms, t, sizeof(t)));
	fputs(". All times are UTC.\n\n", f);
	section_window(&w, r);
	section_headline(&w, r);
	section_servers(&w, r);
	section_layers(&w, r);
	section_protocols(&w, r);
	section_sigs(&w, r);
	section_timeline(&w, r);
	section_users(&w, r);
	section_recovery(&w, r);
	rc = section_attacks(&w, r);
	section_unverified(&w, r);
	fputs(
	    "## Method\n\n"
	    "imapblast read every log line given, classified each login attempt as a success or a failure "
	    "category (credentials, temporary, timeout, policy, other), and counted attempts per user, "
	    "server, "
	    "layer and time bucket. Client addresses that fail for many users and never succeed were "
	    "excluded as attack sources. The incident window is the run of buckets whose outage failure rate "
	    "stands well above the baseline (rule above). An affected user has at least one outage failure "
	    "(temporary or timeout; credentials failures only where they clearly exceed their baseline and "
	    "the user proved valid credentials) inside the window. The full method is docs/method.md of "
	    "imapblast; the files are described in docs/report.md.\n\n",
	    f);
	section_quality(&w, r);
	if (w.sc.oom && rc >= 0)
		rc = IB_ERR_NOMEM;
	ib_rbuf_release(&w.sc);
	if (rc >= 0 && ferror(f))
		rc = IB_ERR_IO;
	return rc;
}

const struct ib_writer ib_writer_summary_md = {
    .name = "md",
    .file = "summary.md",
    .bit = IB_OUT_MD,
    .marker = MARKER,
    .write = write_md,
};
