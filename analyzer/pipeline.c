/*
 * pipeline.c: every input through filerun.c, on worker threads. With jobs
 * > 1, worker threads take whole files from a shared counter, each with
 * its own classifier and aggregator, and the partial aggregates are merged
 * at the end: merge is order-independent, so the result is the same for
 * any thread count. Threads not needed as workers (-j 2 and one file), and
 * workers' threads once the files run out, are spares: a worker takes one
 * for its reader to inflate in (ib_reader_async), at the start of a file or
 * while reading it, and gives it back at the file's end. -j N never runs
 * more than N threads. Repeated inputs are found first (dedup.c).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "imapblast/parser.h"
#include "imapblast/pipeline.h"
#include "imapblast/timeutil.h"
#include "pipeline_int.h"

struct pool {
	const struct ib_config *cfg;
	const struct ib_rules *rules;
	const struct ib_inputs *in;
	const long *dup_of;	   /* ib_dedup_files: -1, or the input read instead */
	struct ib_stream *streams; /* per input, for ib_dedup_events */
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
		if (p->dup_of[i] >= 0) {
			rc = ib_agg_dup_file(w->agg, p->in->paths[i], p->in->paths[p->dup_of[i]]);
			if (rc < 0)
				w->rc = ib_error_set(&w->err, rc, 0, NULL, 0, "out of memory");
			continue;
		}
		rc = ib_pipeline_run_file(p->cfg, cls, p->in->paths[i], w->agg, &p->done, NULL, &p->spare,
					  &p->streams[i], &w->err);
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
	long *dup_of = NULL;
	struct ib_stream *streams = NULL;
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
	dup_of = malloc((in->n ? in->n : 1) * sizeof(*dup_of));
	streams = calloc(in->n ? in->n : 1, sizeof(*streams));
	if (!dup_of || !streams) {
		free(dup_of);
		free(streams);
		return ib_error_set(err, IB_ERR_NOMEM, 0, NULL, 0, "out of memory");
	}
	p.streams = streams;
	rc = ib_dedup_files(in, cfg->max_line, dup_of, err);
	if (rc < 0) {
		free(dup_of);
		free(streams);
		return rc;
	}
	p.dup_of = dup_of;
	atomic_init(&p.spare, threads - jobs);
	w = calloc((size_t)jobs, sizeof(*w));
	if (!w) {
		free(dup_of);
		free(streams);
		return ib_error_set(err, IB_ERR_NOMEM, 0, NULL, 0, "out of memory");
	}
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
			int mrc = ib_agg_merge_take(agg, w[i].agg, err);
			if (mrc < 0)
				rc = mrc;
		}
		ib_agg_free(w[i].agg);
	}
	free(w);
	pthread_cond_destroy(&p.cv);
	pthread_mutex_destroy(&p.mu);
	if (rc >= 0)
		rc = ib_dedup_events(cfg, rules, in, dup_of, streams, agg, err);
	free(dup_of);
	free(streams);
	st->files = in->n;
	st->files_failed += atomic_load(&p.failed);
	return rc;
}
