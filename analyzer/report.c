/* STUB: report writers, to be written. */
#include "imapblast/report.h"
int ib_report_write(const struct ib_result *r, const struct ib_config *cfg, struct ib_error *err) { (void)r; (void)cfg; (void)err; return IB_OK; }
int ib_write_stdout_summary(FILE *f, const struct ib_result *r, const struct ib_config *cfg) { (void)f; (void)r; (void)cfg; return IB_OK; }
