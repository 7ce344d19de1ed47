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

/*
 * One report file. A new file costs a writer (a file that defines its
 * struct ib_writer) and one row in ib_writers[] (analyzer/report.c).
 */
struct ib_writer {
	/*
	 * required: the --format-out name that selects the file, [a-z]+
	 * ("csv"). Files that share a name are selected together.
	 */
	const char *name;
	/* required: the file's name in the report folder ("affected-users.csv") */
	const char *file;
	/*
	 * required: the bit of enum ib_out_mask (config.h) that selects it;
	 * one bit per name, the same in every row of that name.
	 */
	unsigned bit;
	/*
	 * required: the bytes the file starts with. An existing file that does
	 * not start with them was not written by imapblast, and is replaced
	 * only with --force.
	 */
	const char *marker;
	/* optional: text that must also be in the first IB_WRITER_HEAD bytes */
	const char *marker_also;
	/* optional: 1 = written on a thread of its own when cfg->jobs > 1 */
	int own_thread;
	/*
	 * required: write the whole file to f, from r alone. cfg may be NULL
	 * (the defaults). Returns IB_OK, IB_ERR_NOMEM, or IB_ERR_IO when f is
	 * in error. Must be safe to run beside another writer on the same r.
	 */
	int (*write)(FILE *f, const struct ib_result *r, const struct ib_config *cfg);
};

/* How much of an existing file is read to find marker and marker_also. */
#define IB_WRITER_HEAD 256

/* The writers (analyzer/report.c): a NULL-terminated list in file order. */
extern const struct ib_writer *const ib_writers[];

/* The writer of the report file named `file`, or NULL. */
const struct ib_writer *ib_writer_find(const char *file);

/*
 * The --format-out list: names separated by ',' (a trailing ',' is
 * allowed). Sets *mask to the OR of their bits and returns IB_OK (mask 0
 * for ""), or IB_ERR_USAGE for an empty or unknown name.
 */
int ib_report_select(const char *list, unsigned *mask);

/*
 * The names --format-out takes, in table order and each once, joined by
 * ',' ("csv,md,json,svg"); and the files, joined by ", ". Both write at
 * most size bytes with a NUL, like snprintf, and return the full length.
 */
size_t ib_report_names(char *buf, size_t size);
size_t ib_report_files(char *buf, size_t size);

/*
 * Write every file whose bit is in cfg->outputs (all when cfg is NULL)
 * into cfg->out_dir. Every target is checked before any is written, so a
 * refusal (a foreign file, a directory in the way) leaves nothing
 * half-done. IB_ERR_USAGE on a refusal, IB_ERR_IO, IB_ERR_NOMEM, or
 * IB_ERR_INTERNAL for a writer row that lacks a required member.
 */
int ib_report_write(const struct ib_result *r, const struct ib_config *cfg, struct ib_error *err);

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
