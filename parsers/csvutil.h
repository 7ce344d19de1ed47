/*
 * csvutil.h: private helpers of the export-format parsers (exchange.c,
 * entra.c, zimbra.c): RFC 4180 field splitting without copies, on-demand
 * unquoting into a caller buffer, and header names for matching. The
 * slice helpers are strparse.h's.
 * Example input: 2025-01-02T03:04:05.678Z,"a,b","say ""hi""",x
 */
#ifndef IB_PARSERS_CSVUTIL_H
#define IB_PARSERS_CSVUTIL_H

#include <stddef.h>
#include "imapblast/common.h"

/* One CSV field: its content (inside the quotes when quoted). */
struct ib_csv_field {
	struct ib_str raw;
	int escaped; /* 1: quoted and contains doubled quotes ("") to undo */
};

/*
 * Split line into at most max fields. Returns the number of fields, or -1
 * (with *why set to a static reason) on an unterminated quote, a byte after
 * a closing quote that is not a comma, or more than max fields.
 */
long ib_csv_split(struct ib_str line, struct ib_csv_field *f, size_t max, const char **why);

/*
 * The value of a field: its raw slice when not escaped, else the unquoted
 * text written at buf + *used (cap bytes in all); *used advances. Returns
 * an empty slice when the buffer is too small (callers size it to the line).
 */
struct ib_str ib_csv_value(const struct ib_csv_field *f, char *buf, size_t cap, size_t *used);

/*
 * Header name normalised for matching: ASCII letters and digits only, lower
 * case, written to buf (cap bytes, truncated). "Date (UTC)" -> "dateutc".
 */
struct ib_str ib_name_norm(struct ib_str name, char *buf, size_t cap);

#endif
