/*
 * report_json.c: summary.json, the machine-readable report; its schema is
 * docs/summary-schema.json (schema_version 1). Output is deterministic:
 * keys in a fixed order, doubles as %.6f, no wall-clock time unless
 * --stamp. Strings are valid UTF-8: bytes that are not become the text
 * "\xHH" (docs/report.md).
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include "imapblast/report.h"
#include "imapblast/timeutil.h"
#include "report_int.h"

/* What every summary.json starts with, and what follows the version. */
#define MARKER "{\n  \"schema_version\": "
#define MARKER_ALSO "\n  \"tool\": \"imapblast\","

struct jw {
	FILE *f;
	struct ib_rbuf sc;
	int first; /* no member written yet at this level */
	int depth;
};

static void indent(struct jw *w)
{
	static const char sp[] = "                                ";
	size_t n = 2 * (size_t)(w->depth > 0 ? w->depth : 0);

	fputc('\n', w->f);
	while (n) {
		size_t k = n < sizeof(sp) - 1 ? n : sizeof(sp) - 1;

		fwrite(sp, 1, k, w->f);
		n -= k;
	}
}

/* An unsigned decimal without printf (a report writes hundreds of thousands). */
static void put_u64(FILE *f, uint64_t v)
{
	char b[24], *p = b + sizeof(b);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	fwrite(p, 1, (size_t)(b + sizeof(b) - p), f);
}

static void put_i64(FILE *f, int64_t v)
{
	if (v < 0) {
		fputc('-', f);
		put_u64(f, (uint64_t)0 - (uint64_t)v);
	} else {
		put_u64(f, (uint64_t)v);
	}
}

/* Start a member or element: comma, newline, indent, optional key. */
static void key(struct jw *w, const char *k)
{
	if (!w->first)
		fputc(',', w->f);
	w->first = 0;
	indent(w);
	if (k) {
		fputc('"', w->f);
		fputs(k, w->f);
		fputs("\": ", w->f);
	}
}

static void open_(struct jw *w, const char *k, char c)
{
	key(w, k);
	fputc(c, w->f);
	w->depth++;
	w->first = 1;
}

static void close_(struct jw *w, char c)
{
	w->depth--;
	if (!w->first)
		indent(w);
	fputc(c, w->f);
	w->first = 0;
}

static void jstr(struct jw *w, const char *k, const char *v)
{
	key(w, k);
	if (!v) {
		fputs("null", w->f);
		return;
	}
	fputc('"', w->f);
	ib_fput_esc(w->f, &w->sc, v, IB_ESC_JSON);
	fputc('"', w->f);
}

static void ju(struct jw *w, const char *k, uint64_t v)
{
	key(w, k);
	put_u64(w->f, v);
}

static void jbool(struct jw *w, const char *k, int v)
{
	key(w, k);
	fputs(v ? "true" : "false", w->f);
}

static void jdbl(struct jw *w, const char *k, double v)
{
	key(w, k);
	if (!isfinite(v))
		fputs("null", w->f);
	else
		fprintf(w->f, "%.6f", v == 0 ? 0.0 : v); /* no "-0.000000" */
}

/* A time as two members: k (ISO or null) and k_ms (integer or null). */
static void jtime(struct jw *w, const char *k, int64_t ms)
{
	char t[64];

	jstr(w, k, ms == IB_TIME_NONE ? NULL : ib_rep_time(ms, t, sizeof(t)));
	key(w, NULL);
	fputc('"', w->f);
	fputs(k, w->f);
	fputs("_ms\": ", w->f);
	if (ms == IB_TIME_NONE)
		fputs("null", w->f);
	else
		put_i64(w->f, ms);
}

static void jms(struct jw *w, const char *k, int64_t ms)
{
	key(w, k);
	if (ms == IB_TIME_NONE)
		fputs("null", w->f);
	else
		put_i64(w->f, ms);
}

static const char *const cats[] = {"credentials", "temporary", "timeout", "policy", "other"};

static void jfailures(struct jw *w, const uint64_t *fails)
{
	int c;
	open_(w, "failures", '{');
	for (c = IB_CAT_CREDENTIALS; c <= IB_CAT_OTHER; c++)
		ju(w, cats[c - IB_CAT_CREDENTIALS], fails[c]);
	close_(w, '}');
}

static void jcounts(struct jw *w, const struct ib_file_counts *c)
{
	ju(w, "bytes_in", c->bytes_in);
	ju(w, "bytes_out", c->bytes_out);
	ju(w, "lines", c->lines);
	ju(w, "events", c->events);
	ju(w, "ignored", c->ignored);
	ju(w, "unparseable", c->unparseable);
	ju(w, "overlong", c->overlong);
	jbool(w, "accounted", c->lines == c->events + c->ignored + c->unparseable + c->overlong);
	ju(w, "login_unmatched", c->login_unmatched);
}

static const char *file_status(int s)
{
	return s == IB_FILE_UNKNOWN ? "unknown" : s == IB_FILE_SKIPPED ? "skipped" : "read";
}

/* A file's status and, when it was not understood, its first lines. */
static void jstatus(struct jw *w, const struct ib_file_counts *c, const struct ib_config *cfg)
{
	char buf[IB_SHAPE_MAX + 1];

	jstr(w, "status", file_status(c->status));
	open_(w, "samples", '[');
	for (int k = 0; c->status != IB_FILE_READ && k < IB_FILE_SAMPLES && c->sample[k]; k++) {
		open_(w, NULL, '{');
		ju(w, "line", c->sample_line[k]);
		jstr(w, "text", ib_shown_line(cfg, c->sample[k], buf));
		close_(w, '}');
	}
	close_(w, ']');
}

/* Login-looking lines nothing took: how many, their share, by shape. */
static void junmatched(struct jw *w, const struct ib_result *r, const struct ib_config *cfg)
{
	char buf[IB_SHAPE_MAX + 1];

	open_(w, "unmatched_login", '{');
	ju(w, "lines", r->total.login_unmatched);
	ju(w, "login_lines", r->total.events + r->total.login_unmatched);
	jdbl(w, "share", ib_login_share(&r->total));
	open_(w, "shapes", '[');
	for (size_t i = 0; i < r->nshapes; i++) {
		open_(w, NULL, '{');
		jstr(w, "shape", r->shapes[i].shape);
		ju(w, "count", r->shapes[i].count);
		jstr(w, "sample", ib_shown_line(cfg, r->shapes[i].sample, buf));
		jstr(w, "first_seen", r->shapes[i].first);
		close_(w, '}');
	}
	close_(w, ']');
	close_(w, '}');
}

static const char *win_source(enum ib_window_source s)
{
	return s == IB_WIN_GIVEN ? "given" : s == IB_WIN_DETECTED ? "detected" : "none";
}

/* "server_joins": [{"from", "to"}], from the result's "FROM=TO" strings. */
static void json_joins(struct jw *w, const struct ib_result *r)
{
	char from[256];

	open_(w, "server_joins", '[');
	for (size_t i = 0; i < r->nserver_joins; i++) {
		const char *j = r->server_joins[i], *eq = strchr(j, '=');
		size_t n = (size_t)(eq - j) < sizeof(from) ? (size_t)(eq - j) : sizeof(from) - 1;

		memcpy(from, j, n);
		from[n] = 0;
		open_(w, NULL, '{');
		jstr(w, "from", from);
		jstr(w, "to", eq + 1);
		close_(w, '}');
	}
	close_(w, ']');
}

static int write_json(FILE *f, const struct ib_result *r, const struct ib_config *cfg)
{
	struct ib_config dflt;
	struct jw w = {f, {0}, 1, 0};
	char ub[32];
	size_t i;
	int l, rc = IB_OK;

	if (!cfg) {
		ib_config_init(&dflt);
		cfg = &dflt;
	}
	fputs("{", f);
	w.depth = 1;
	ju(&w, "schema_version", 1);
	jstr(&w, "tool", "imapblast");
	jstr(&w, "version", IB_VERSION);
	jtime(&w, "generated_at", cfg->stamp ? cfg->stamp_ms : IB_TIME_NONE);
	jbool(&w, "redacted", cfg->redact_key != NULL);
	jms(&w, "bucket_ms", r->bucket_ms);

	open_(&w, "window", '{');
	jstr(&w, "source", win_source(r->window_source));
	jtime(&w, "start", r->window_start_ms);
	jtime(&w, "end", r->window_end_ms);
	jstr(&w, "rule", r->window_rule ? r->window_rule : "");
	jstr(&w, "verdict", ib_window_verdict_name(r->window_why.verdict));
	jdbl(&w, "baseline_rate", r->window_why.verdict == IB_WV_NO_EVENTS ? NAN : r->window_why.baseline);
	close_(&w, '}');

	open_(&w, "windows", '[');
	for (i = 0; i < r->nwindows; i++) {
		const struct ib_window_row *x = &r->windows[i];
		open_(&w, NULL, '{');
		jtime(&w, "start", x->start_ms);
		jtime(&w, "end", x->end_ms);
		ju(&w, "outage_failures", x->outage_failures);
		ju(&w, "affected_users", x->affected_users);
		jtime(&w, "peak_bucket", x->peak_bucket_ms);
		ju(&w, "peak_users", x->peak_users);
		close_(&w, '}');
	}
	close_(&w, ']');

	open_(&w, "range", '{');
	jtime(&w, "start", r->range_start_ms);
	jtime(&w, "end", r->range_end_ms);
	close_(&w, '}');

	open_(&w, "thresholds", '{');
	ju(&w, "attack_users", cfg->attack_users);
	jdbl(&w, "attack_ratio", cfg->attack_ratio);
	ju(&w, "attack_min_users", cfg->attack_min_users);
	jdbl(&w, "window_factor", cfg->window_factor);
	jdbl(&w, "window_min_rate", cfg->window_min_rate);
	ju(&w, "window_min_failures", cfg->window_min_failures);
	ju(&w, "window_gap", cfg->window_gap);
	ju(&w, "window_min_users", cfg->window_min_users);
	jdbl(&w, "cred_factor", cfg->cred_factor);
	jdbl(&w, "server_factor", cfg->server_factor);
	close_(&w, '}');

	open_(&w, "headline", '{');
	ju(&w, "affected_users", r->affected_users);
	ju(&w, "outage_failures", r->outage_failures);
	ju(&w, "intermittent_users", r->intermittent_users);
	ju(&w, "hard_users", r->hard_users);
	jdbl(&w, "intermittent_share",
	     r->affected_users ? (double)r->intermittent_users / (double)r->affected_users : 0.0);
	jdbl(&w, "hard_share", r->affected_users ? (double)r->hard_users / (double)r->affected_users : 0.0);
	jtime(&w, "peak_bucket", r->peak_bucket_ms);
	ju(&w, "peak_users", r->peak_users);
	ju(&w, "events", r->events);
	ju(&w, "attack_events", r->attack_events);
	ju(&w, "outlier_events", r->outlier_events);
	ju(&w, "attack_sources", r->nattacks);
	ju(&w, "unverified_users", r->nunverified);
	close_(&w, '}');

	open_(&w, "recovery", '{');
	ju(&w, "recovered_users", r->recovered_users);
	jms(&w, "ttr_median_ms", r->ttr_median_ms);
	jms(&w, "ttr_p90_ms", r->ttr_p90_ms);
	jms(&w, "ttr_max_ms", r->ttr_max_ms);
	open_(&w, "retries_hist", '[');
	for (i = 0; i < IB_RETRY_BINS; i++) {
		open_(&w, NULL, '{');
		jstr(&w, "retries", ib_retry_bins[i].label);
		ju(&w, "users", r->retries_hist[i]);
		close_(&w, '}');
	}
	close_(&w, ']');
	close_(&w, '}');

	open_(&w, "users", '[');
	for (i = 0; i < r->nusers; i++) {
		const struct ib_user_row *u = &r->users[i];
		open_(&w, NULL, '{');
		jstr(&w, "user", ib_shown_user(cfg, u->user, ub));
		jtime(&w, "first_failure", u->first_failure_ms);
		jtime(&w, "last_failure", u->last_failure_ms);
		ju(&w, "failures", u->failures);
		ju(&w, "successes", u->successes);
		ju(&w, "impacted_minutes", u->impacted_minutes);
		jtime(&w, "recovered_at", u->recovered_at_ms);
		jstr(&w, "servers", u->servers ? u->servers : "");
		jstr(&w, "layers", u->layers ? u->layers : "");
		jstr(&w, "categories", u->categories ? u->categories : "");
		jstr(&w, "evidence", u->evidence ? u->evidence : "");
		jbool(&w, "intermittent", u->intermittent);
		close_(&w, '}');
	}
	close_(&w, ']');

	open_(&w, "attacks", '[');
	for (i = 0; i < r->nattacks; i++) {
		const struct ib_attack_row *a = &r->attacks[i];
		open_(&w, NULL, '{');
		jstr(&w, "ip", a->ip ? a->ip : "");
		ju(&w, "users", a->users);
		ju(&w, "failures", a->failures);
		ju(&w, "successes", a->successes);
		jtime(&w, "first", a->first_ms);
		jtime(&w, "last", a->last_ms);
		jstr(&w, "rule", ib_attack_rule_name(a->rule));
		ju(&w, "never_logged_in", a->never_users);
		jstr(&w, "reason", a->reason ? a->reason : "");
		close_(&w, '}');
	}
	close_(&w, ']');

	open_(&w, "unverified", '[');
	for (i = 0; i < r->nunverified; i++) {
		const struct ib_unverified_row *u = &r->unverified[i];
		open_(&w, NULL, '{');
		jstr(&w, "user", ib_shown_user(cfg, u->user, ub));
		ju(&w, "failures", u->failures);
		jstr(&w, "reason", u->reason ? u->reason : "");
		close_(&w, '}');
	}
	close_(&w, ']');

	open_(&w, "servers", '[');
	for (i = 0; i < r->nservers; i++) {
		const struct ib_server_row *s = &r->servers[i];
		open_(&w, NULL, '{');
		jstr(&w, "server", s->server ? s->server : "");
		jstr(&w, "layers", s->layers ? s->layers : "");
		ju(&w, "attempts", s->attempts);
		ju(&w, "successes", s->successes);
		jfailures(&w, s->failures);
		ju(&w, "win_attempts", s->win_attempts);
		ju(&w, "win_failures", s->win_failures);
		jdbl(&w, "win_rate", s->win_rate);
		jdbl(&w, "base_rate", s->base_rate);
		jdbl(&w, "fleet_rate", s->fleet_rate);
		ju(&w, "affected_users", s->affected_users);
		jbool(&w, "flagged", s->flagged);
		jbool(&w, "cred_outage", s->cred_outage);
		close_(&w, '}');
	}
	close_(&w, ']');

	open_(&w, "layers", '{');
	for (l = 0; l < IB_LAYER_COUNT; l++) {
		const struct ib_layer_row *y = &r->layers[l];
		open_(&w, ib_layer_name((enum ib_layer)l), '{');
		jbool(&w, "present", y->present);
		ju(&w, "attempts", y->attempts);
		ju(&w, "successes", y->successes);
		jfailures(&w, y->failures);
		ju(&w, "win_attempts", y->win_attempts);
		ju(&w, "win_failures", y->win_failures);
		ju(&w, "affected_users", y->affected_users);
		close_(&w, '}');
	}
	close_(&w, '}');

	open_(&w, "protocols", '[');
	for (i = 0; i < r->nprotocols; i++) {
		const struct ib_proto_row *p = &r->protocols[i];

		open_(&w, NULL, '{');
		jstr(&w, "protocol", ib_proto_name(p->protocol));
		jbool(&w, "counted", p->counted);
		ju(&w, "events", p->events);
		ju(&w, "successes", p->successes);
		ju(&w, "failures", p->failures);
		ju(&w, "outage_failures", p->outage);
		ju(&w, "win_events", p->win_events);
		ju(&w, "win_successes", p->win_successes);
		ju(&w, "win_failures", p->win_failures);
		ju(&w, "win_outage_failures", p->win_outage);
		jbool(&w, "failed_in_window", p->failed);
		close_(&w, '}');
	}
	close_(&w, ']');
	if (r->protocol_note)
		jstr(&w, "protocol_note", r->protocol_note);

	open_(&w, "buckets", '[');
	for (i = 0; i < r->nbuckets; i++) {
		const struct ib_bucket_row *b = &r->buckets[i];
		open_(&w, NULL, '{');
		jtime(&w, "start", b->start_ms);
		jbool(&w, "in_window", b->in_window);
		ju(&w, "successes", b->successes);
		jfailures(&w, b->failures);
		ju(&w, "outage_failures", b->outage_failures);
		ju(&w, "affected_users", b->affected_users);
		jdbl(&w, "rate", b->rate);
		close_(&w, '}');
	}
	close_(&w, ']');

	open_(&w, "signatures", '[');
	for (i = 0; i < r->nsigs; i++) {
		const struct ib_sig_row *s = &r->sigs[i];
		open_(&w, NULL, '{');
		jstr(&w, "name", s->name ? s->name : "");
		jstr(&w, "category", ib_category_name(s->category));
		ju(&w, "count", s->count);
		ju(&w, "in_window", s->in_window);
		close_(&w, '}');
	}
	close_(&w, ']');

	open_(&w, "files", '[');
	for (i = 0; i < r->nfiles; i++) {
		const struct ib_file_row *fr = &r->files[i];
		open_(&w, NULL, '{');
		jstr(&w, "path", fr->path ? fr->path : "");
		jstr(&w, "format", fr->format ? fr->format : "");
		jbool(&w, "gzip", fr->c.gzip);
		jcounts(&w, &fr->c);
		jstatus(&w, &fr->c, cfg);
		close_(&w, '}');
	}
	close_(&w, ']');

	open_(&w, "totals", '{');
	ju(&w, "files", r->nfiles);
	jcounts(&w, &r->total);
	close_(&w, '}');

	junmatched(&w, r, cfg);

	open_(&w, "reasons", '[');
	for (i = 0; i < r->nreasons; i++) {
		open_(&w, NULL, '{');
		jstr(&w, "reason", r->reasons[i].reason ? r->reasons[i].reason : "");
		ju(&w, "count", r->reasons[i].count);
		jstr(&w, "sample", r->reasons[i].sample ? r->reasons[i].sample : "");
		close_(&w, '}');
	}
	close_(&w, ']');

	open_(&w, "gaps", '[');
	for (i = 0; i < r->ngaps; i++) {
		open_(&w, NULL, '{');
		jstr(&w, "server", r->gaps[i].server);
		jtime(&w, "start", r->gaps[i].start_ms);
		jtime(&w, "end", r->gaps[i].end_ms);
		ju(&w, "proxy_successes", r->gaps[i].proxy_successes);
		close_(&w, '}');
	}
	close_(&w, ']');

	open_(&w, "errors", '[');
	for (i = 0; i < r->nerrors; i++) {
		open_(&w, NULL, '{');
		jstr(&w, "path", r->errors[i].path ? r->errors[i].path : "");
		ju(&w, "offset", r->errors[i].offset);
		jstr(&w, "reason", r->errors[i].reason ? r->errors[i].reason : "");
		close_(&w, '}');
	}
	close_(&w, ']');

	if (r->ndup_files) {
		open_(&w, "repeated_input", '[');
		for (i = 0; i < r->ndup_files; i++) {
			open_(&w, NULL, '{');
			jstr(&w, "path", r->dup_files[i].path);
			jstr(&w, "same_as", r->dup_files[i].same_as);
			ju(&w, "events", r->dup_files[i].events);
			close_(&w, '}');
		}
		close_(&w, ']');
	}
	if (r->nserver_joins)
		json_joins(&w, r);

	fputs("\n}\n", f);
	if (w.sc.oom)
		rc = IB_ERR_NOMEM;
	ib_rbuf_release(&w.sc);
	if (rc >= 0 && ferror(f))
		rc = IB_ERR_IO;
	return rc;
}

const struct ib_writer ib_writer_summary_json = {
    .name = "json",
    .file = "summary.json",
    .bit = IB_OUT_JSON,
    .marker = MARKER,
    .marker_also = MARKER_ALSO,
    .own_thread = 1, /* the largest file */
    .write = write_json,
};
