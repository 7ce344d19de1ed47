/*
 * prefix.h: timestamp prefixes that a tool put in front of every line of a
 * log (private to the parsers: the runtime strips them). Kinds:
 * - IB_PREFIX_TS: ts(1)'s default "%b %d %H:%M:%S " ("Jan 14 08:41:02 ",
 *   fractions with %.S);
 * - IB_PREFIX_ISO: "%Y-%m-%d %H:%M:%S " and ISO 8601 / RFC 3339 forms
 *   (ts "%FT%T", shippers' "2026-01-14T08:41:02.123Z ");
 * - IB_PREFIX_ISO_HOST: an ISO stamp and a host word ("2026-01-14T08:41:02.123Z mx1 ");
 * - IB_PREFIX_CRI: Kubernetes / CRI-O / containerd log files
 *   ("2026-01-14T08:41:02.123456789Z stdout F ").
 */
#ifndef IB_PARSERS_PREFIX_H
#define IB_PARSERS_PREFIX_H

#include "imapblast/common.h"
#include "imapblast/timeutil.h"

enum ib_prefix {
	IB_PREFIX_NONE = 0,
	IB_PREFIX_TS,
	IB_PREFIX_ISO,
	IB_PREFIX_ISO_HOST,
	IB_PREFIX_CRI,
	IB_PREFIX_N
};

/*
 * Length of a prefix of kind k at the start of line (0: none), its time in
 * *t (UTC ms; zoneless stamps in tp's zone, yearless ones by tp's year).
 */
size_t ib_prefix_len(enum ib_prefix k, struct ib_str line, struct ib_time_policy *tp, int64_t *t);

#endif
