/*
 * testutil.h: helpers shared by the Check suites.
 */
#ifndef IB_TESTUTIL_H
#define IB_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <check.h>

/*
 * Directory of the shared corpus (../shared/corpus from the source tree,
 * or $IB_CORPUS_DIR), or NULL when absent. Tests that need it print one
 * line saying they skip and return.
 */
const char *ib_test_corpus_dir(void);

/*
 * The zone name (e.g. "Europe/Zurich") loaded once for the whole test
 * program; the test fails when it cannot be loaded. Never freed.
 */
struct ib_zone;
const struct ib_zone *ib_test_zone(const char *name);

/* Write len bytes to a new temporary file; returns its malloc'd path. */
char *ib_test_tmpfile(const void *data, size_t len, const char *suffix);

/* Read a whole file into a malloc'd NUL-terminated buffer; NULL on error. */
char *ib_test_slurp(const char *path, size_t *len);

/*
 * Run every test of s (Check's CK_NORMAL output, its default fork mode, so
 * CK_FORK=no still applies), free the runner and with it s, and return 0
 * when no test failed, 1 otherwise: the value for main() to return.
 */
int ib_test_run(Suite *s);

/* The same as ib_test_run(), but always in Check's CK_NOFORK mode. */
int ib_test_run_nofork(Suite *s);

/*
 * Add one event to a (ib_agg_add must return IB_OK): time t, user, ip,
 * server, layer and flags, classified cat with signature sig (no rule),
 * as read at file's line.
 */
struct ib_agg;
/* a saved as a state file, read back into a malloc'd buffer of *len bytes (the test fails on error). */
unsigned char *ib_test_save_state(const struct ib_agg *a, size_t *len);
void ib_test_add(struct ib_agg *a, uint32_t file, uint64_t line, int64_t t, const char *user, const char *ip,
		 const char *server, int layer, int cat, const char *sig, unsigned flags);

#endif
