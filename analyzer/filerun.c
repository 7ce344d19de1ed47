/*
 * filerun.c: one file through the pipeline: reader -> format detection ->
 * parser runtime -> classifier -> aggregator, with the per-file accounting
 *   lines = events + ignored + unparseable + overlong.
 * Detection probes a copy of the first lines (bounded), which are then
 * parsed like the rest; when no parser recognises the first PROBE_LINES,
 * reading goes on until a line some parser's probe knows (a client log
 * whose first error comes late), up to PROBE_MORE lines or PROBE_BYTES.
 * pipeline.c runs it for every input, on worker threads; dedup.c runs it
 * again on a file that repeats another's events.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "imapblast/coverage.h"
#include "imapblast/parser.h"
#include "imapblast/pipeline.h"
#include "imapblast/timeutil.h"
#include "pipeline_int.h"

#define PROBE_LINES 32
#define PROBE_MORE 16384 /* lines read on when the first PROBE_LINES say nothing */
#define PROBE_BYTES (1024 * 1024)
#define MAX_REASONS 16
#define MAX_SHAPES 16 /* per file; the rest share the shape OTHER_SHAPES */
#define OTHER_SHAPES "(other shapes)"
#define PAIRS 8 /* (server, address) pairs remembered per file */

struct reason_tally {
	const char *reason[MAX_REASONS];
	uint64_t count[MAX_REASONS];
	uint64_t line[MAX_REASONS];
	size_t n;
};

/* Login-looking lines nothing took, by shape, for one file (coverage.h). */
struct shape_tally {
	char shape[MAX_SHAPES + 1][IB_SHAPE_MAX + 1];
	char sample[MAX_SHAPES + 1][IB_SAMPLE_MAX + 1];
	uint64_t count[MAX_SHAPES + 1];
	uint64_t line[MAX_SHAPES + 1];
	size_t n;
};

struct file_run {
	const struct ib_config *cfg;
	struct ib_classifier *cls;
	struct ib_agg *agg;
	uint32_t file_id;
	struct ib_runtime rt;
	struct ib_time_policy tp;
	struct ib_file_counts counts;
	struct reason_tally reasons;
	atomic_uint_fast64_t *progress; /* shared compressed-bytes counter, or NULL */
	const struct ib_observer *obs;	/* or NULL */
	uint64_t skip;			/* obs->skip, or 0 */
	const char *path;
	struct ib_str user_of;	  /* --user-of for this file, or empty */
	size_t domain_len;	  /* strlen(cfg->default_domain), 0 = off */
	char user_buf[320];	  /* a user with --default-domain added */
	struct ib_stream *stream; /* the file's time range and host, for ib_dedup_events; or NULL */
	/*
	 * The last (server, address) pairs recorded: most lines of a backend
	 * repeat one, and a central syslog interleaves a few backends.
	 */
	struct {
		char buf[256];
		size_t server, len; /* len 0: empty */
	} pair[PAIRS];
	unsigned pair_next; /* the entry replaced next */
	struct ib_str cur;  /* the line being parsed: what a result that is no event shows */
	uint64_t took;	    /* events, held ones and those outside --since/--until included */
	char sample[IB_FILE_SAMPLES][IB_SAMPLE_MAX + 1];
	struct shape_tally shapes;
	uint64_t line;	   /* the number of the line being parsed */
	int long_line;	   /* dropping the pieces of an over-long line */
	uint64_t overlong; /* over-long lines dropped here (the reader yields pieces) */
};

static int tally(struct file_run *fr, const char *reason, uint64_t line)
{
	struct reason_tally *t = &fr->reasons;

	for (size_t i = 0; i < t->n; i++)
		if (t->reason[i] == reason) {
			t->count[i]++;
			return IB_OK;
		}
	if (t->n < MAX_REASONS) {
		t->reason[t->n] = reason;
		t->count[t->n] = 1;
		t->line[t->n] = line;
		t->n++;
		return IB_OK;
	}
	return ib_agg_reason(fr->agg, reason, 1, fr->file_id, line);
}

static int flush_reasons(struct file_run *fr)
{
	struct reason_tally *t = &fr->reasons;

	for (size_t i = 0; i < t->n; i++) {
		int rc = ib_agg_reason(fr->agg, t->reason[i], t->count[i], fr->file_id, t->line[i]);
		if (rc < 0)
			return rc;
	}
	t->n = 0;
	return IB_OK;
}

/*
 * The current line became no event: keep it as a sample while there is
 * room, and when it looks like a login outcome count it by shape. The
 * cheap literal test runs first; a shape is made only for the few lines
 * that pass it.
 */
static void miss(struct file_run *fr, uint64_t line, int login)
{
	struct shape_tally *t = &fr->shapes;
	char shape[IB_SHAPE_MAX + 1];
	size_t i, k;

	if (!fr->counts.sample[IB_FILE_SAMPLES - 1]) { /* room: the samples fill in order */
		for (k = 0; fr->counts.sample[k]; k++)
			;
		ib_line_sample(fr->cur, fr->sample[k], sizeof(fr->sample[k]));
		fr->counts.sample[k] = fr->sample[k];
		fr->counts.sample_line[k] = line;
	}
	/* the reading thread's scan of the line, when it made it (ib_runtime_ahead_scan) */
	if (!login || !(fr->rt.scan_line == fr->line ? fr->rt.scan : ib_login_looking(fr->cur)))
		return;
	fr->counts.login_unmatched++;
	ib_line_shape(fr->cur, shape, sizeof(shape));
	for (i = 0; i < t->n; i++)
		if (!strcmp(t->shape[i], shape))
			break;
	if (i == t->n) {
		if (t->n == MAX_SHAPES && strcmp(t->shape[MAX_SHAPES], OTHER_SHAPES)) {
			memcpy(t->shape[MAX_SHAPES], OTHER_SHAPES, sizeof(OTHER_SHAPES));
			t->count[MAX_SHAPES] = 0;
		}
		if (t->n == MAX_SHAPES)
			i = MAX_SHAPES;
		else
			memcpy(t->shape[t->n++], shape, sizeof(shape));
		if (!t->count[i]) {
			ib_line_sample(fr->cur, t->sample[i], sizeof(t->sample[i]));
			t->line[i] = line;
		}
	}
	t->count[i]++;
}

static int flush_shapes(struct file_run *fr)
{
	struct shape_tally *t = &fr->shapes;

	for (size_t i = 0; i <= MAX_SHAPES; i++) {
		int rc;

		if (!t->count[i])
			continue;
		rc = ib_agg_shape(fr->agg, t->shape[i], t->sample[i], t->count[i], fr->file_id, t->line[i]);
		if (rc < 0)
			return rc;
	}
	return IB_OK;
}

/* Tell the observer about a line that was no timed event. */
static void observe(struct file_run *fr, uint64_t line, int rc, const char *reason)
{
	if (fr->obs && fr->obs->other)
		fr->obs->other(fr->obs->arg, fr->path, line, rc, reason);
}

/*
 * An unparseable line; was_event 1 when a parser took it as an event that
 * cannot be counted (no timestamp): the observer saw the event, and it is
 * no login line that nothing took.
 */
static int unparseable(struct file_run *fr, const char *reason, uint64_t line, int was_event)
{
	if (!was_event)
		observe(fr, line, IB_BAD, reason ? reason : "malformed line");
	fr->counts.unparseable++;
	miss(fr, line, !was_event);
	return tally(fr, reason ? reason : "malformed line", line);
}

/* Rename ev's server by the first --server-alias FROM=TO that fits. */
static void alias_server(const struct ib_config *cfg, struct ib_str *server)
{
	const char *colon = memrchr(server->ptr, ':', server->len);
	size_t bare = colon ? (size_t)(colon - server->ptr) : server->len;

	for (size_t i = 0; i < cfg->nserver_aliases; i++) {
		const struct ib_server_alias *a = &cfg->server_aliases[i];
		size_t n = a->from.len;

		if ((n == server->len || n == bare) && !memcmp(server->ptr, a->from.ptr, n)) {
			*server = a->to;
			return;
		}
	}
}

/*
 * The user of an event as the aggregator interns it: --user-of's user when
 * the line names none (never for connection outcomes), and a bare name
 * with --default-domain's domain added ("bob" -> "bob@example.org").
 */
static void fill_user(struct file_run *fr, struct ib_event *ev)
{
	struct ib_str *u = &ev->user;

	if (!u->len && fr->user_of.len && !(ev->flags & IB_EV_CONNECTION))
		*u = fr->user_of;
	if (fr->domain_len && u->len && !memchr(u->ptr, '@', u->len) &&
	    u->len + 1 + fr->domain_len <= sizeof(fr->user_buf)) {
		memcpy(fr->user_buf, u->ptr, u->len);
		fr->user_buf[u->len] = '@';
		memcpy(fr->user_buf + u->len + 1, fr->cfg->default_domain, fr->domain_len);
		u->ptr = fr->user_buf;
		u->len += 1 + fr->domain_len;
	}
}

/*
 * Tell the aggregator the address a backend logs as its own
 * (ib_agg_server_addr). It interns the pair, so telling it a pair again
 * changes nothing: the pairs told lately are not told again.
 */
static int server_addr(struct file_run *fr, const struct ib_event *ev)
{
	const struct ib_str *s = &ev->server, *l = &ev->local;
	size_t len = s->len + l->len;
	int rc;

	if (!s->len || (s->len == l->len && ib_bytes_eq(s->ptr, l->ptr, s->len)))
		return IB_OK;
	for (unsigned i = 0; i < PAIRS; i++)
		if (fr->pair[i].len == len && fr->pair[i].server == s->len &&
		    ib_bytes_eq(fr->pair[i].buf, s->ptr, s->len) &&
		    ib_bytes_eq(fr->pair[i].buf + s->len, l->ptr, l->len))
			return IB_OK;
	rc = ib_agg_server_addr(fr->agg, *s, *l);
	if (rc >= 0 && len <= sizeof(fr->pair[0].buf)) {
		unsigned i = fr->pair_next++ % PAIRS;

		memcpy(fr->pair[i].buf, s->ptr, s->len);
		memcpy(fr->pair[i].buf + s->len, l->ptr, l->len);
		fr->pair[i].server = s->len;
		fr->pair[i].len = len;
	}
	return rc;
}

/* Classify ev and tell the observer. */
static inline int classify(struct file_run *fr, struct ib_event *ev, uint64_t lineno, struct ib_match *m)
{
	int rc = ib_classify(fr->cls, ev, m);
	if (rc >= 0 && fr->obs && fr->obs->event)
		fr->obs->event(fr->obs->arg, fr->path, lineno, ev, m);
	return rc;
}

/*
 * Classify and aggregate one event. Returns 1 when it was counted as an
 * event, 0 when no rule took it, 2 when it lies outside --since/--until,
 * 3 when a rule took it but its protocol is not counted (--protocols),
 * or < 0.
 */
static int do_event(struct file_run *fr, struct ib_event *ev, uint64_t lineno)
{
	const struct ib_config *cfg = fr->cfg;
	struct ib_match m;
	int rc;

	if ((cfg->since_ms != IB_TIME_NONE && ev->time_ms < cfg->since_ms) ||
	    (cfg->until_ms != IB_TIME_NONE && ev->time_ms >= cfg->until_ms))
		return 2;
	if (cfg->nserver_aliases && ev->server.len)
		alias_server(cfg, &ev->server);
	if (fr->user_of.len || fr->domain_len)
		fill_user(fr, ev);
	rc = classify(fr, ev, lineno, &m);
	if (rc < 0)
		return rc;
	if (m.category == IB_CAT_NONE)
		return 0;
	if (ev->protocol != IB_PROTO_NONE && !(cfg->protocols >> ev->protocol & 1u)) {
		/* e.g. SMTP AUTH on a mail proxy: not an IMAP/POP login, but the
		 * report sets every protocol side by side */
		rc = ib_agg_proto_add(fr->agg, ev->time_ms, ev->protocol, m.category);
		return rc == IB_ERR_NOMEM ? rc : 3;
	}
	rc = ib_agg_add(fr->agg, ev, &m, fr->file_id, lineno);
	if (rc >= 0 && ev->local.len && ev->layer == IB_LAYER_SERVER)
		rc = server_addr(fr, ev);
	return rc < 0 ? rc : 1;
}

static void note_format(struct ib_stream *st, const char *format)
{
	for (int i = 0; i < st->nformats; i++)
		if (st->formats[i] == format)
			return;
	if (st->nformats == 4)
		st->many_formats = 1;
	else
		st->formats[st->nformats++] = format;
}

/* A checkpoint at line lineno, where an event of time t came at or after st->ck_next. */
static void note_checkpoint(struct ib_stream *st, int64_t t, uint64_t lineno)
{
	size_t k = st->nck++ % IB_STREAM_CKS;

	st->ck_ms[k] = t;
	st->ck_line[k] = lineno;
	st->ck_next = t <= INT64_MAX - 60000 ? t + 60000 : INT64_MAX;
}

/*
 * Widen the file's time range (ev read at line lineno); a host other than
 * the first makes it mixed.
 */
static void note_stream(struct ib_stream *st, const struct ib_event *ev, uint64_t lineno)
{
	if (ev->time_ms >= st->ck_next || !st->any)
		note_checkpoint(st, ev->time_ms, lineno);
	if (!st->any) {
		st->any = 1;
		st->min_ms = st->max_ms = ev->time_ms;
		st->host_len = ev->host.len < sizeof(st->host) ? ev->host.len : sizeof(st->host);
		if (st->host_len)
			memcpy(st->host, ev->host.ptr, st->host_len);
		st->mixed = ev->host.len > sizeof(st->host);
		st->formats[0] = ev->format;
		st->nformats = 1;
		return;
	}
	if (ev->format != st->formats[st->nformats - 1] && !st->many_formats)
		note_format(st, ev->format);
	if (ev->time_ms < st->max_ms)
		st->unordered = 1;
	if (ev->time_ms < st->min_ms)
		st->min_ms = ev->time_ms;
	if (ev->time_ms > st->max_ms)
		st->max_ms = ev->time_ms;
	if (!st->mixed && (ev->host.len != st->host_len ||
			   (st->host_len && !ib_bytes_eq(ev->host.ptr, st->host, st->host_len))))
		st->mixed = 1;
}

/*
 * What the parser runtime yields (parser.h): the line's own result, where
 * every line lands in exactly one of events, ignored or unparseable; or an
 * event a parser held back, aggregated with the current line as evidence
 * (the line itself was already counted).
 */
static int on_result(void *arg, int rc, struct ib_event *ev, const char *reason, int held)
{
	struct file_run *fr = arg;
	uint64_t lineno = fr->rt.ctx.lineno;

	if (fr->line < fr->skip)
		return IB_OK; /* a re-read wants no event before (ib_observer.skip) */
	if (held) {
		if (rc == IB_BAD && fr->rt.ctx.held_line && fr->counts.ignored) {
			/* a line the parser held and now refuses: ignored then, unparseable now */
			fr->counts.ignored--;
			return unparseable(fr, reason, lineno, 0);
		}
		if (rc == IB_BAD)
			return tally(fr, reason, lineno);
		if (ev->time_ms == IB_TIME_NONE)
			return IB_OK;
		rc = do_event(fr, ev, lineno);
		if (rc > 0)
			fr->took++;
		if ((rc == 1 || rc == 3) && fr->stream)
			note_stream(fr->stream, ev, fr->line);
		if (rc == 1 && fr->rt.ctx.held_line && fr->counts.ignored) {
			fr->counts.ignored--; /* the held line is an event after all */
			fr->counts.events++;
		}
		return rc < 0 ? rc : IB_OK;
	}
	if (rc == IB_BAD)
		return unparseable(fr, reason, lineno, 0);
	if (rc != IB_OK) {
		/* a parser that holds events back skips the lines it holds: not a miss */
		fr->counts.ignored++;
		observe(fr, lineno, IB_SKIP, NULL);
		miss(fr, lineno, !fr->rt.parser || !fr->rt.parser->drain);
		return IB_OK;
	}
	if (ev->time_ms == IB_TIME_NONE) {
		/* not analysable, but `rules --test` still shows what it would be */
		if (fr->obs && fr->obs->event) {
			struct ib_match m;

			if ((rc = classify(fr, ev, lineno, &m)) < 0)
				return rc;
		}
		return unparseable(fr, "event without a timestamp (prefix such logs with ts(1))", lineno, 1);
	}
	rc = do_event(fr, ev, lineno);
	if (rc >= 0 && lineno != fr->line)
		observe(fr, fr->line, IB_SKIP, NULL); /* the event names an earlier line (parser.h) */
	if ((rc == 1 || rc == 3) && fr->stream) /* 3: in the protocol table only, repeats taken out too */
		note_stream(fr->stream, ev, fr->line);
	if (rc > 0)
		fr->took++;
	if (rc == 1) {
		fr->counts.events++;
	} else if (rc >= 0) {
		fr->counts.ignored++;
		if (rc == 2) /* not classified: the observer has not seen it */
			observe(fr, lineno, IB_SKIP, "outside --since/--until");
		if (rc == 0)
			miss(fr, lineno, 1);
	}
	return rc < 0 ? rc : IB_OK;
}

/*
 * One line, or a piece of a longer one (partial: more of it follows; the
 * reader yields pieces). A stream parser (JSON) reads the pieces; for the
 * others an over-long line is dropped and counted, as before pieces.
 */
static int feed(struct file_run *fr, struct ib_str line, uint64_t lineno, int partial, const void *rec)
{
	fr->cur = line;
	fr->line = lineno;
	if (lineno < fr->skip && fr->obs->skip_all && !partial && !fr->long_line)
		return IB_OK; /* a re-read of a lone file (ib_observer.skip) */
	if (!partial && !fr->long_line)
		return ib_runtime_line_ahead(&fr->rt, line, lineno, rec);
	if (fr->rt.parser && fr->rt.parser->stream && !fr->rt.envelope)
		return partial ? ib_runtime_piece(&fr->rt, line, lineno)
			       : ib_runtime_line(&fr->rt, line, lineno);
	if (partial) {
		fr->long_line = 1;
	} else {
		fr->long_line = 0;
		fr->overlong++;
	}
	return IB_OK;
}

/* Take a spare thread (spare may be NULL). */
static int claim(atomic_int *spare)
{
	int n = spare ? atomic_load(spare) : 0;

	while (n > 0)
		if (atomic_compare_exchange_weak(spare, &n, n - 1))
			return 1;
	return 0;
}

/* Give the reader a thread when one is spare; 1 when it has one now. */
static int go_async(struct ib_reader *r, atomic_int *spare)
{
	if (!claim(spare))
		return 0;
	if (ib_reader_async(r) == IB_OK)
		return 1;
	atomic_fetch_add(spare, 1); /* without the thread, the same lines come slower */
	return 0;
}

/*
 * Read one file. Returns IB_OK, IB_BAD when an input error was recorded,
 * or a negative code for whole-run failures.
 */
int ib_pipeline_run_file(const struct ib_config *cfg, struct ib_classifier *cls, const char *path,
			 struct ib_agg *agg, atomic_uint_fast64_t *progress, const struct ib_observer *obs,
			 atomic_int *spare, struct ib_stream *stream, struct ib_error *err)
{
	struct file_run fr;
	struct ib_reader *r = NULL;
	struct ib_reader_stats st;
	struct ib_error rerr;
	struct ib_str line;
	char *probe = NULL;
	size_t probe_len = 0, nprobe = 0;
	struct ib_str *probe_lines = NULL;
	struct ib_runtime_ahead *ahead = NULL; /* the reading thread's share of the parsing */
	size_t rec_size;
	uint64_t *probe_lineno = NULL;
	uint64_t reported = 0;
	int rc, rrc = IB_OK, input_error = 0, reading = 1, async = 0, probe_partial = 0;

	memset(&fr, 0, sizeof(fr));
	fr.cfg = cfg;
	fr.cls = cls;
	fr.agg = agg;
	fr.progress = progress;
	fr.obs = obs;
	fr.skip = obs ? obs->skip : 0;
	fr.path = path;
	fr.stream = stream;
	if (cfg->nuser_rules) {
		const char *u = ib_config_user_of(cfg, path);

		if (u)
			fr.user_of = ib_str_from(u);
	}
	fr.domain_len = cfg->default_domain ? strlen(cfg->default_domain) : 0;
	rc = ib_agg_file(agg, path, &fr.file_id);
	if (rc < 0)
		return ib_error_set(err, rc, 0, path, 0, "out of memory");
	memset(&rerr, 0, sizeof(rerr));
	rc = ib_reader_open(&r, path, cfg->max_line, &rerr);
	if (rc < 0) {
		if (rc == IB_ERR_NOMEM)
			return ib_error_set(err, rc, 0, path, 0, "out of memory");
		rc = ib_agg_file_error(agg, &rerr);
		if (rc >= 0)
			rc = ib_agg_file_counts(agg, fr.file_id, &fr.counts);
		return rc < 0 ? rc : IB_BAD;
	}
	ib_reader_pieces(r);
	async = go_async(r, spare);
	ib_time_policy_init(&fr.tp, ib_config_zone_of(cfg, path, NULL), cfg->year, ib_reader_mtime(r));
	fr.tp.date_order = cfg->date_order;

	/* Collect the first lines for detection (copies: the reader reuses its buffer). */
	probe = malloc(PROBE_BYTES);
	probe_lines = malloc(PROBE_MORE * sizeof(*probe_lines));
	probe_lineno = malloc(PROBE_MORE * sizeof(*probe_lineno));
	if (!probe || !probe_lines || !probe_lineno) {
		rc = ib_error_set(err, IB_ERR_NOMEM, 0, path, 0, "out of memory");
		goto out;
	}
	while (nprobe < PROBE_MORE) {
		if (nprobe >= PROBE_LINES &&
		    (cfg->force_format ||
		     (nprobe == PROBE_LINES ? ib_parser_detect(probe_lines, nprobe) != NULL
					    : ib_parser_detect(&probe_lines[nprobe - 1], 1) != NULL)))
			break;
		rrc = ib_reader_next(r, &line, &rerr);
		if (rrc != IB_OK) {
			reading = 0;
			break;
		}
		if (probe_len + line.len > PROBE_BYTES) {
			reading = 2; /* `line` is pending, not copied */
			break;
		}
		memcpy(probe + probe_len, line.ptr, line.len);
		probe_lines[nprobe].ptr = probe + probe_len;
		probe_lines[nprobe].len = line.len;
		probe_lineno[nprobe] = ib_reader_lineno(r);
		probe_len += line.len;
		nprobe++;
		if (ib_reader_partial(r)) {
			const struct ib_parser *sp = ib_parser_detect(&probe_lines[nprobe - 1], 1);

			if (cfg->force_format || (sp && sp->stream)) {
				probe_partial = 1; /* a stream parser reads on from this piece */
				break;
			}
			/* a line format's over-long line: skipped whole, as without pieces */
			nprobe--;
			probe_len -= line.len;
			do
				rrc = ib_reader_next(r, &line, &rerr);
			while (rrc == IB_OK && ib_reader_partial(r));
			fr.overlong++;
			if (rrc != IB_OK) {
				reading = 0;
				break;
			}
		}
	}
	rc = ib_runtime_start(&fr.rt, cfg->force_format, probe_lines, nprobe, &fr.tp, on_result, &fr);
	if (rc < 0) {
		rc = ib_error_set(err, rc, 0, path, 0,
				  rc == IB_ERR_NOMEM ? "out of memory" : "unknown format '%s'",
				  cfg->force_format ? cfg->force_format : "");
		goto out;
	}
	ib_runtime_skip(&fr.rt, fr.skip);
	if (spare && (rc = ib_runtime_ahead_new(&fr.rt, &ahead, &rec_size)) < 0)
		goto out_err;
	if (ahead) {
		ib_runtime_ahead_scan(ahead, ib_login_looking); /* for miss() */
		ib_reader_ahead(r, ib_runtime_ahead_line, ahead, rec_size);
	}
	fr.counts.format = fr.rt.parser ? fr.rt.parser->name : NULL;
	if (stream)
		stream->format = fr.counts.format;
	if (obs && obs->format)
		obs->format(obs->arg, path, fr.rt.parser);
	for (size_t i = 0; i < nprobe; i++) {
		rc = feed(&fr, probe_lines[i], probe_lineno[i], probe_partial && i + 1 == nprobe, NULL);
		if (rc < 0)
			goto out_err;
	}
	if (reading == 2) {
		rc = feed(&fr, line, ib_reader_lineno(r), ib_reader_partial(r), NULL);
		if (rc < 0)
			goto out_err;
	}
	rc = rrc;
	if (reading == 0 && rc < 0)
		goto reader_error;
	if (reading) {
		uint64_t n = 0;

		while ((rc = ib_reader_next(r, &line, &rerr)) == IB_OK) {
			rc = feed(&fr, line, ib_reader_lineno(r), ib_reader_partial(r), ib_reader_rec(r));
			if (rc < 0)
				goto out_err;
			if (obs && obs->stop && *obs->stop)
				break; /* the observer has what it needs */
			if ((++n & 0x3fff) == 0 && !async && spare && atomic_load(spare) > 0)
				async = go_async(r, spare);
			if (progress && (n & 0x3fff) == 0) {
				uint64_t now = ib_reader_progress(r);

				atomic_fetch_add(progress, now - reported);
				reported = now;
			}
		}
	}
reader_error:
	if (rc >= 0 || rc != IB_ERR_NOMEM) {
		int drc = ib_runtime_finish(&fr.rt, ib_reader_lineno(r));

		if (drc < 0) {
			rc = drc;
			goto out_err;
		}
	}
	if (rc < 0) {
		if (rc == IB_ERR_NOMEM) {
			*err = rerr;
			goto out;
		}
		input_error = 1;
		rc = ib_agg_file_error(agg, &rerr);
		if (rc < 0)
			goto out_err;
	}
	ib_reader_stats(r, &st);
	fr.counts.bytes_in = st.bytes_in;
	fr.counts.bytes_out = st.bytes_out;
	fr.counts.lines = st.lines;
	fr.counts.overlong = st.overlong + fr.overlong + (uint64_t)fr.long_line;
	fr.counts.gzip = st.gzip;
	if (st.lines && !fr.counts.format)
		fr.counts.status = IB_FILE_UNKNOWN;
	else if (!fr.took && st.lines >= IB_WHOLESALE_LINES)
		fr.counts.status = IB_FILE_SKIPPED;
	if (progress)
		atomic_fetch_add(progress, st.bytes_in - reported);
	rc = flush_reasons(&fr);
	if (rc >= 0)
		rc = flush_shapes(&fr);
	if (rc >= 0)
		rc = ib_agg_file_counts(agg, fr.file_id, &fr.counts);
	if (rc < 0)
		goto out_err;
	rc = input_error ? IB_BAD : IB_OK;
	goto out;
out_err:
	ib_error_set(err, rc, 0, path, 0, "out of memory while reading '%s'", path);
out:
	if (stream)
		stream->lone = ib_runtime_lone(&fr.rt);
	ib_runtime_release(&fr.rt);
	free(probe);
	free(probe_lines);
	free(probe_lineno);
	ib_reader_close(r);
	ib_runtime_ahead_free(ahead); /* after the reading thread */
	if (async)
		atomic_fetch_add(spare, 1);
	return rc;
}

int ib_pipeline_file(const struct ib_config *cfg, struct ib_classifier *cls, const char *path,
		     struct ib_agg *agg, struct ib_error *err)
{
	return ib_pipeline_run_file(cfg, cls, path, agg, NULL, NULL, NULL, NULL, err);
}

int ib_pipeline_file_observed(const struct ib_config *cfg, struct ib_classifier *cls, const char *path,
			      struct ib_agg *agg, const struct ib_observer *obs, struct ib_error *err)
{
	return ib_pipeline_run_file(cfg, cls, path, agg, NULL, obs, NULL, NULL, err);
}
