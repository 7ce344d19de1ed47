/*
 * testutil.h: helpers shared by the Check suites.
 */
#ifndef IB_TESTUTIL_H
#define IB_TESTUTIL_H

#include <stddef.h>

/*
 * Directory of the shared corpus (../shared/corpus from the source tree,
 * or $IB_CORPUS_DIR), or NULL when absent. Tests that need it print one
 * line saying they skip and return.
 */
const char *ib_test_corpus_dir(void);

/* Write len bytes to a new temporary file; returns its malloc'd path. */
char *ib_test_tmpfile(const void *data, size_t len, const char *suffix);

/* Read a whole file into a malloc'd NUL-terminated buffer; NULL on error. */
char *ib_test_slurp(const char *path, size_t *len);

#endif
