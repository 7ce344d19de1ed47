/*
 * coverage.h: what imapblast did not understand, made visible
 * (docs/robustness.md, "Never silently wrong"): which lines that were not
 * events still look like login outcomes, the shape that groups them, and
 * the cut copies of lines shown as samples. Pure functions on one line;
 * nothing allocates, so the pipeline may call them on every line that
 * was not an event.
 */
#ifndef IMAPBLAST_COVERAGE_H
#define IMAPBLAST_COVERAGE_H

#include "common.h"

/* Longest sample of a line kept for a report, in bytes (without the NUL). */
#define IB_SAMPLE_MAX 160
/* Longest shape, in bytes (without the NUL). */
#define IB_SHAPE_MAX 120
/* The first lines kept per file that were not events (shown for flagged files). */
#define IB_FILE_SAMPLES 3
/*
 * A file whose format was recognised is "skipped wholesale" when it has
 * at least this many lines and none of them became an event.
 */
#define IB_WHOLESALE_LINES 10

/*
 * 1 when line looks like a login outcome: it holds one of the words
 * login, logon, logged in, auth, passw(ord), denied, refused or fail (any
 * case; "login" right after '-' is a process name such as "imap-login",
 * and a word starting with "login" or "auth" right before ':' or '=' is a
 * field name, such as "login:" or "authorisation_id=": neither counts), and also "user" or an IP address (a
 * dotted quad, or "::" with hex digits). A literal scan of the line, nothing else.
 */
int ib_login_looking(struct ib_str line);

/*
 * Write the shape of line into buf (size > 0, NUL-terminated, at most
 * IB_SHAPE_MAX bytes): runs of digits (and the hex, '.' and ':' around
 * them) become '#', quoted, <angle> and [bracket] strings become "*",
 * <*>, [*], the value after '=' becomes '*', a word holding '@' becomes
 * '*', the word after "user", "for", "as" or "account" becomes
 * '*', control bytes become '?'. Lines that differ only in times, users,
 * addresses and ids get the same shape; no user name survives it, so the
 * shape is also the sample shown under --redact. Returns its length.
 */
size_t ib_line_shape(struct ib_str line, char *buf, size_t size);

/*
 * Copy at most IB_SAMPLE_MAX bytes of line into buf (size > IB_SAMPLE_MAX),
 * cut before a UTF-8 sequence that does not fit, NUL bytes as '?', and
 * NUL-terminate. The writers escape the rest. Returns the length.
 */
size_t ib_line_sample(struct ib_str line, char *buf, size_t size);

#endif
