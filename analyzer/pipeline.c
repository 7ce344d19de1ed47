/*
 * pipeline.c: reader -> format detection -> parser -> classifier ->
 * aggregator, with the per-file accounting
 *   lines = events + ignored + unparseable + overlong.
 * Detection probes a copy of the first lines (bounded), which are then
 * parsed like the rest. With jobs > 1, worker threads take whole files
 * from a shared counter, each with its own classifier and aggregator, and
 * the partial aggregates are merged at the end: merge is order-independent,
 * so the result is the same for any thread count. Threads not needed as
 * workers (-j 2 and one file), and workers' threads once the files run out,
 * are spares: a worker takes one for its reader to inflate in
 * (ib_reader_async), at the start of a file or while reading it, and gives
 * it back at the file's end. -j N never runs more than N threads.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "imapblast/parser.h"
#include "imapblast/pipeline.h"
#include "imapblast/timeutil.h"

#define PROBE_LINES 32
#define PROBE_BYTES (1024 * 1024)
#define MAX_REASONS 16

struct reason_tally {
	const char *reason[MAX_REASONS];
	uint64_t count[MAX_REASONS];
	uint64_t line[MAX_REASONS];
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
	const char *path;
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

static int unparseable(struct file_run *fr, const char *reason, uint64_t line)
{
	fr->counts.unparseable++;
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

/* Classify ev and tell the observer. */
static int classify(struct file_run *fr, struct ib_event *ev, uint64_t lineno, struct ib_match *m)
{
	int rc = ib_classify(fr->cls, ev, m);
	if (rc >= 0 && fr->obs && fr->obs->event)
		fr->obs->event(fr->obs->arg, fr->path, lineno, ev, m);
	return rc;
}

/*
 * Classify and aggregate one event. Returns 1 when it was counted as an
 * event, 0 when not (no rule, outside --since/--until), or < 0.
 */
static int do_event(struct file_run *fr, struct ib_event *ev, uint64_t lineno)
{
	const struct ib_config *cfg = fr->cfg;
	struct ib_match m;
	int rc;

	if ((cfg->since_ms != IB_TIME_NONE && ev->time_ms < cfg->since_ms) ||
	    (cfg->until_ms != IB_TIME_NONE && ev->time_ms >= cfg->until_ms))
		return 0;
	if (cfg->nserver_aliases && ev->server.len)
		alias_server(cfg, &ev->server);
	rc = classify(fr, ev, lineno, &m);
	if (rc < 0)
		return rc;
	if (m.category == IB_CAT_NONE)
		return 0;
	rc = ib_agg_add(fr->agg, ev, &m, fr->file_id, lineno);
	return rc < 0 ? rc : 1;
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

	if (held) {
		if (rc == IB_BAD)
			return tally(fr, reason, lineno);
		if (ev->time_ms == IB_TIME_NONE)
			return IB_OK;
		rc = do_event(fr, ev, lineno);
		return rc < 0 ? rc : IB_OK;
	}
	if (rc == IB_BAD)
		return unparseable(fr, reason, lineno);
	if (rc != IB_OK) {
		fr->counts.ignored++;
		return IB_OK;
	}
	if (ev->time_ms == IB_TIME_NONE) {
		/* not analysable, but `rules --test` still shows what it would be */
		if (fr->obs && fr->obs->event) {
			struct ib_match m;

			if ((rc = classify(fr, ev, lineno, &m)) < 0)
				return rc;
		}
		return unparseable(fr, "event without a timestamp (prefix such logs with ts(1))", lineno);
	}
	rc = do_event(fr, ev, lineno);
	if (rc > 0)
		fr->counts.events++;
	else if (rc == 0)
		fr->counts.ignored++;
	return rc < 0 ? rc : IB_OK;
}

/*
 * One line, or a piece of a longer one (partial: more of it follows; the
 * reader yields pieces). A stream parser (JSON) reads the pieces; for the
 * others an over-long line is dropped and counted, as before pieces.
 */
static int feed(struct file_run *fr, struct ib_str line, uint64_t lineno, int partial)
{
	if (!partial && !fr->long_line)
		return ib_runtime_line(&fr->rt, line, lineno);
	if (fr->rt.parser && fr->rt.parser->stream && !fr->rt.envelope)
		return partial ? ib_runtime_piece(&fr->rt, line, lineno) : ib_runtime_line(&fr->rt, line, lineno);
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
static int run_file(const struct ib_config *cfg, struct ib_classifier *cls, const char *path,
		    struct ib_agg *agg, atomic_uint_fast64_t *progress, const struct ib_observer *obs,
		    atomic_int *spare, struct ib_error *err)
{
	struct file_run fr;
	struct ib_reader *r = NULL;
	struct ib_reader_stats st;
	struct ib_error rerr;
	struct ib_str line;
	char *probe = NULL;
	size_t probe_len = 0, nprobe = 0;
	struct ib_str probe_lines[PROBE_LINES];
	uint64_t probe_lineno[PROBE_LINES];
	uint64_t reported = 0;
	int rc, rrc = IB_OK, input_error = 0, reading = 1, async = 0, probe_partial = 0;

	memset(&fr, 0, sizeof(fr));
	fr.cfg = cfg;
	fr.cls = cls;
	fr.agg = agg;
	fr.progress = progress;
	fr.obs = obs;
	fr.path = path;
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
	ib_time_policy_init(&fr.tp, cfg->zone, cfg->year, ib_reader_mtime(r));
	fr.tp.date_order = cfg->date_order;

	/* Collect the first lines for detection (copies: the reader reuses its buffer). */
	probe = malloc(PROBE_BYTES);
	if (!probe) {
		rc = ib_error_set(err, IB_ERR_NOMEM, 0, path, 0, "out of memory");
		goto out;
	}
	while (nprobe < PROBE_LINES) {
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
	fr.counts.format = fr.rt.parser ? fr.rt.parser->name : NULL;
	if (obs && obs->format)
		obs->format(obs->arg, path, fr.rt.parser);
	for (size_t i = 0; i < nprobe; i++) {
		rc = feed(&fr, probe_lines[i], probe_lineno[i], probe_partial && i + 1 == nprobe);
		if (rc < 0)
			goto out_err;
	}
	if (reading == 2) {
		rc = feed(&fr, line, ib_reader_lineno(r), ib_reader_partial(r));
		if (rc < 0)
			goto out_err;
	}
	rc = rrc;
	if (reading == 0 && rc < 0)
		goto reader_error;
	if (reading) {
		uint64_t n = 0;

		while ((rc = ib_reader_next(r, &line, &rerr)) == IB_OK) {
			rc = feed(&fr, line, ib_reader_lineno(r), ib_reader_partial(r));
			if (rc < 0)
				goto out_err;
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
	if (progress)
		atomic_fetch_add(progress, st.bytes_in - reported);
	rc = flush_reasons(&fr);
	if (rc >= 0)
		rc = ib_agg_file_counts(agg, fr.file_id, &fr.counts);
	if (rc < 0)
		goto out_err;
	rc = input_error ? IB_BAD : IB_OK;
	goto out;
out_err:
	ib_error_set(err, rc, 0, path, 0, "out of memory while reading '%s'", path);
out:
	ib_runtime_release(&fr.rt);
	free(probe);
	ib_reader_close(r);
	if (async)
		atomic_fetch_add(spare, 1);
	return rc;
}

int ib_pipeline_file(const struct ib_config *cfg, struct ib_classifier *cls, const char *path,
		     struct ib_agg *agg, struct ib_error *err)
{
	return run_file(cfg, cls, path, agg, NULL, NULL, NULL, err);
}

int ib_pipeline_file_observed(const struct ib_config *cfg, struct ib_classifier *cls, const char *path,
			      struct ib_agg *agg, const struct ib_observer *obs, struct ib_error *err)
{
	return run_file(cfg, cls, path, agg, NULL, obs, NULL, err);
}

struct pool {
	const struct ib_config *cfg;
	const struct ib_rules *rules;
	const struct ib_inputs *in;
	atomic_size_t next;
	atomic_uint_fast64_t done;
	atomic_uint_fast64_t failed;
	atomic_int spare;   /* threads free for readers (see the top) */
	pthread_mutex_t mu; /* guards running, with cv */
	pthread_cond_t cv;  /* signalled when the last worker stops */
	int running;
};

struct worker {
	pthread_t tid;
	struct pool *pool;
	struct ib_agg *agg;
	int rc;
	struct ib_error err;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct pool *p = w->pool;
	struct ib_classifier *cls = NULL;

	w->rc = ib_classifier_new(&cls, p->rules, &w->err);
	while (w->rc >= 0) {
		size_t i = atomic_fetch_add(&p->next, 1);
		int rc;

		if (i >= p->in->n)
			break;
		rc = run_file(p->cfg, cls, p->in->paths[i], w->agg, &p->done, NULL, &p->spare, &w->err);
		if (rc < 0)
			w->rc = rc;
		else if (rc == IB_BAD)
			atomic_fetch_add(&p->failed, 1);
	}
	ib_classifier_free(cls);
	atomic_fetch_add(&p->spare, 1); /* this thread's core, for the readers of the others */
	pthread_mutex_lock(&p->mu);
	if (--p->running == 0)
		pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/*
 * Wait for the workers, calling progress about ten times a second. The run
 * ends the moment the last worker stops, not at the next tick.
 */
static void wait_workers(struct pool *p, ib_progress_fn progress, void *parg)
{
	pthread_mutex_lock(&p->mu);
	while (p->running > 0) {
		struct timespec ts;

		if (!progress) {
			pthread_cond_wait(&p->cv, &p->mu);
			continue;
		}
		pthread_mutex_unlock(&p->mu);
		progress(parg, atomic_load(&p->done));
		pthread_mutex_lock(&p->mu);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000 * 1000;
		if (ts.tv_nsec >= 1000 * 1000 * 1000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000 * 1000 * 1000;
		}
		if (p->running > 0)
			pthread_cond_timedwait(&p->cv, &p->mu, &ts);
	}
	pthread_mutex_unlock(&p->mu);
}

int ib_pipeline_run(const struct ib_config *cfg, const struct ib_rules *rules, const struct ib_inputs *in,
		    struct ib_agg *agg, struct ib_run_stats *st, ib_progress_fn progress, void *parg,
		    struct ib_error *err)
{
	struct pool p;
	struct worker *w = NULL;
	int threads = cfg->jobs > 0 ? cfg->jobs : 1, jobs = threads;
	int rc = IB_OK, started = 0;

	memset(st, 0, sizeof(*st));
	for (size_t i = 0; i < in->nerrors; i++) {
		rc = ib_agg_file_error(agg, &in->errors[i]);
		if (rc < 0)
			return ib_error_set(err, rc, 0, NULL, 0, "out of memory");
		st->files_failed++;
	}
	if ((size_t)jobs > in->n)
		jobs = in->n ? (int)in->n : 1;
	memset(&p, 0, sizeof(p));
	p.cfg = cfg;
	p.rules = rules;
	p.in = in;
	atomic_init(&p.spare, threads - jobs);
	w = calloc((size_t)jobs, sizeof(*w));
	if (!w)
		return ib_error_set(err, IB_ERR_NOMEM, 0, NULL, 0, "out of memory");
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	p.running = jobs;
	for (int i = 0; i < jobs; i++) {
		w[i].pool = &p;
		/* The first worker fills the caller's aggregator: nothing to merge at -j 1. */
		if (i == 0)
			w[i].agg = agg;
		else
			rc = ib_agg_new(&w[i].agg, ib_agg_bucket_ms(agg));
		if (rc < 0)
			break;
		if (pthread_create(&w[i].tid, NULL, work, &w[i]) != 0) {
			if (i > 0)
				ib_agg_free(w[i].agg);
			w[i].agg = NULL;
			rc = ib_error_set(err, IB_ERR_INTERNAL, 0, NULL, 0, "cannot start a worker thread");
			break;
		}
		started++;
	}
	pthread_mutex_lock(&p.mu);
	p.running -= jobs - started;
	pthread_mutex_unlock(&p.mu);
	wait_workers(&p, progress, parg);
	if (progress)
		progress(parg, atomic_load(&p.done));
	for (int i = 0; i < started; i++) {
		pthread_join(w[i].tid, NULL);
		if (rc >= 0 && w[i].rc < 0) {
			rc = w[i].rc;
			if (err)
				*err = w[i].err;
		}
		if (i == 0)
			continue;
		if (rc >= 0) {
			int mrc = ib_agg_merge(agg, w[i].agg, err);
			if (mrc < 0)
				rc = mrc;
		}
		ib_agg_free(w[i].agg);
	}
	free(w);
	pthread_cond_destroy(&p.cv);
	pthread_mutex_destroy(&p.mu);
	st->files = in->n;
	st->files_failed += atomic_load(&p.failed);
	return rc;
}
