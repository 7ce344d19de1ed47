/*
 * report.h: the writers. Each formats one struct ib_result and nothing
 * else; none analyses. Every user-derived string is escaped for its
 * format (CSV RFC 4180 plus formula neutralising, Markdown, XML, JSON).
 *
 * Output goes into cfg->out_dir, created when missing. A writer never
 * follows a symlink out of the directory and never overwrites a file that
 * imapblast did not write (a file without our marker) unless cfg->force.
 */
#ifndef IMAPBLAST_REPORT_H
#define IMAPBLAST_REPORT_H

#include <stdio.h>
#include "analysis.h"
#include "config.h"

/* Write every file selected by cfg->outputs. */
int ib_report_write(const struct ib_result *r, const struct ib_config *cfg, struct ib_error *err);

/* The individual writers, to an open stream (used by the tests). */
int ib_write_affected_csv(FILE *f, const struct ib_result *r);
int ib_write_excluded_csv(FILE *f, const struct ib_result *r);
int ib_write_summary_md(FILE *f, const struct ib_result *r, const struct ib_config *cfg);
int ib_write_summary_json(FILE *f, const struct ib_result *r, const struct ib_config *cfg);
int ib_write_timeline_svg(FILE *f, const struct ib_result *r, const struct ib_config *cfg);

/* The short stdout summary (about 10 lines). */
int ib_write_stdout_summary(FILE *f, const struct ib_result *r, const struct ib_config *cfg);

/*
 * Pseudonym of a user under --redact: "u-" and the first 12 hex digits of
 * HMAC-SHA256(key, lower-case user). buf >= 16 bytes.
 */
void ib_redact_user(const unsigned char *key, size_t keylen, const char *user, char *buf, size_t size);

/* HMAC-SHA256 (RFC 2104 over FIPS 180-4). out: 32 bytes. */
void ib_hmac_sha256(const unsigned char *key, size_t keylen, const unsigned char *msg, size_t len,
		    unsigned char out[32]);

#endif
