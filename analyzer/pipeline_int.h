/*
 * pipeline_int.h: private to filerun.c and pipeline.c. One file through
 * the pipeline, with what the worker pool adds to ib_pipeline_file.
 */
#ifndef IMAPBLAST_PIPELINE_INT_H
#define IMAPBLAST_PIPELINE_INT_H

#include <stdatomic.h>
#include "imapblast/pipeline.h"

/*
 * Read path into agg (ib_pipeline_file's contract). progress, when not
 * NULL, gets the input bytes read as they are read; obs, when not NULL,
 * sees every line's result; spare, when not NULL, counts the threads free
 * to inflate in (the reader takes one at the start of the file or while
 * reading it, and gives it back at the file's end); stream, when not NULL,
 * notes the file's event formats, host and time range for
 * ib_dedup_events.
 */
int ib_pipeline_run_file(const struct ib_config *cfg, struct ib_classifier *cls, const char *path,
			 struct ib_agg *agg, atomic_uint_fast64_t *progress, const struct ib_observer *obs,
			 atomic_int *spare, struct ib_stream *stream, struct ib_error *err);

#endif
