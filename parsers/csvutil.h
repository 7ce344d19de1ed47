/*
 * csvutil.h: private helpers of the export-format parsers (exchange.c,
 * entra.c, zimbra.c): RFC 4180 field splitting without copies, on-demand
 * unquoting into a caller buffer, and small slice helpers.
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

/* Line without a trailing CR (CRLF files) and, when first, a UTF-8 BOM. */
struct ib_str ib_line_clean(struct ib_str line);

/* Case-insensitive equality with a NUL-terminated literal. */
int ib_str_caseeq(struct ib_str a, const char *lit);

/*
 * The same, inline, for a literal of n lower-case bytes (ASCII, as
 * strncasecmp in the C locale): IB_CASEEQ(s, "login").
 */
static inline int ib_str_caseeq_n(struct ib_str a, const char *lit, size_t n)
{
	if (a.len != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)a.ptr[i];

		if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != (unsigned char)lit[i])
			return 0;
	}
	return 1;
}
#define IB_CASEEQ(a, lit) ib_str_caseeq_n((a), (lit), sizeof(lit) - 1)

/*
 * Header name normalised for matching: ASCII letters and digits only, lower
 * case, written to buf (cap bytes, truncated). "Date (UTC)" -> "dateutc".
 */
struct ib_str ib_name_norm(struct ib_str name, char *buf, size_t cap);

/* Client address without port, brackets or "::ffff:" ("1.2.3.4:993" -> "1.2.3.4"). */
struct ib_str ib_addr_host(struct ib_str s);

/* Parse an unsigned decimal (digits only, no sign); 0 on success. */
int ib_parse_u64(struct ib_str s, uint64_t *out);

#endif
