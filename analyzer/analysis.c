/* STUB: analysis, to be written. */
#include <stdlib.h>
#include "imapblast/analysis.h"
int ib_analyze(const struct ib_agg *a, const struct ib_config *cfg, struct ib_result **out, struct ib_error *err)
{ (void)a; (void)cfg; (void)err; *out = calloc(1, sizeof(**out)); return *out ? IB_OK : IB_ERR_NOMEM; }
void ib_result_free(struct ib_result *r) { free(r); }
