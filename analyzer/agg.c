/* STUB: aggregator, to be written. */
#include <stdlib.h>
#include "imapblast/agg.h"
struct ib_agg { int64_t bucket_ms; };
int ib_agg_new(struct ib_agg **out, int64_t bucket_ms)
{ *out = calloc(1, sizeof(**out)); if (!*out) return IB_ERR_NOMEM; (*out)->bucket_ms = bucket_ms; return IB_OK; }
void ib_agg_free(struct ib_agg *a) { free(a); }
int64_t ib_agg_bucket_ms(const struct ib_agg *a) { return a->bucket_ms; }
int ib_agg_file(struct ib_agg *a, const char *path, uint32_t *id) { (void)a; (void)path; *id = 0; return IB_OK; }
int ib_agg_file_counts(struct ib_agg *a, uint32_t file_id, const struct ib_file_counts *c) { (void)a; (void)file_id; (void)c; return IB_OK; }
int ib_agg_file_error(struct ib_agg *a, const struct ib_error *e) { (void)a; (void)e; return IB_OK; }
int ib_agg_reason(struct ib_agg *a, const char *reason, uint64_t n, uint32_t file_id, uint64_t line) { (void)a; (void)reason; (void)n; (void)file_id; (void)line; return IB_OK; }
int ib_agg_add(struct ib_agg *a, const struct ib_event *ev, const struct ib_match *m, uint32_t file_id, uint64_t line) { (void)a; (void)ev; (void)m; (void)file_id; (void)line; return IB_OK; }
int ib_agg_merge(struct ib_agg *dst, const struct ib_agg *src) { (void)dst; (void)src; return IB_OK; }
int ib_agg_save(const struct ib_agg *a, const char *path, struct ib_error *err) { (void)a; (void)path; (void)err; return IB_ERR_INTERNAL; }
int ib_agg_load(struct ib_agg **out, const char *path, struct ib_error *err) { (void)out; (void)path; (void)err; return IB_ERR_INTERNAL; }
size_t ib_agg_nerrors(const struct ib_agg *a) { (void)a; return 0; }
const struct ib_error *ib_agg_error(const struct ib_agg *a, size_t i) { (void)a; (void)i; return NULL; }
