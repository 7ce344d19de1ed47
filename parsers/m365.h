/*
 * m365.h: what the Microsoft 365 readers share (entra.c, entra_json.c,
 * purview.c): the outcome of a sign-in from its error code, error codes
 * written as numbers or strings, and the dates Microsoft's exports write.
 * Private to parsers/.
 */
#ifndef IB_PARSERS_M365_H
#define IB_PARSERS_M365_H

#include <stdint.h>
#include "imapblast/event.h"
#include "imapblast/timeutil.h"

/* Size of the buffer ib_m365_outcome writes the message into. */
#define IB_M365_MSG_MAX 512

/*
 * Set ev's outcome from a sign-in result. A success (have_code and code
 * 0, or no code and status "Success"/"Succeeded") states IB_CAT_OK
 * ("entra-ok"); a failure without a code states IB_CAT_OTHER
 * ("entra-failure"); a failure with a code gets no outcome but the
 * message "AADSTS<code>: <reason>" (written into buf, IB_M365_MSG_MAX
 * bytes) for the rules of default.rules, so --rules can move a code.
 */
void ib_m365_outcome(int have_code, uint64_t code, struct ib_str status, struct ib_str reason, char *buf,
		     struct ib_event *ev);

/* An error code: digits, possibly in quotes ("50126" == 50126). 0 or -1. */
int ib_m365_code(struct ib_str s, uint64_t *out);

/* Day/month order of a numeric date (Export-Csv follows the machine's culture). */
enum ib_m365_order { IB_M365_ORDER_UNKNOWN, IB_M365_ORDER_MDY, IB_M365_ORDER_DMY };

/*
 * A date as Microsoft's exports write it, UTC: ISO 8601 (any number of
 * fraction digits), or numeric "1/13/2026 8:31:05 AM", "1/13/2026,
 * 8:31:05.123 AM" (Log Analytics), "13/01/2026 08:31:05" (en-GB),
 * "13.01.2026 08:31:05" (de-DE), "/Date(1768293065000)/" (Windows
 * PowerShell's ConvertTo-Json). A 12-hour clock (AM/PM) means en-US
 * month-first; dots mean day-first; otherwise *order decides, and a date
 * whose first or second number is above 12 settles *order for the rest
 * of the file. Returns 0, -1 (not a date), or -2 (ambiguous: both numbers
 * 12 or less and *order unknown).
 */
int ib_m365_date(struct ib_str s, enum ib_m365_order *order, int64_t *out);

/*
 * The protocol of an Entra "Client app" (clientAppUsed): IMAP4, POP3,
 * Authenticated SMTP, Exchange ActiveSync; the browser and Exchange's web
 * services are HTTP; "Mobile Apps and Desktop clients" (a modern-auth
 * token for any protocol), "Other clients" and the unknown are OTHER; an
 * empty value IB_PROTO_NONE.
 */
enum ib_proto ib_m365_protocol(struct ib_str app);

/*
 * A CSV record that may span lines (RFC 4180: a quoted field holding a
 * newline). Bounded: a record over IB_M365_RECORD_MAX bytes is refused.
 */
#define IB_M365_RECORD_MAX (1u << 20)

struct ib_m365_rec {
	char *buf;
	size_t len, cap;
	int open;      /* a quoted field is still open */
	int too_large; /* the record passed IB_M365_RECORD_MAX */
};

/*
 * Feed one line. Returns 0 with *out the whole record (the line itself
 * when it closes every quote it opens; else rec's buffer, lines joined by
 * "\n", valid until the next call), 1 when the record goes on (the line
 * is part of it), 2 when a completed record was too large, or
 * IB_ERR_NOMEM.
 */
int ib_m365_rec_line(struct ib_m365_rec *rec, struct ib_str line, struct ib_str *out);

/* 1 when a record is still open (call at end of file), and forget it. */
int ib_m365_rec_eof(struct ib_m365_rec *rec);

void ib_m365_rec_release(struct ib_m365_rec *rec);

struct ib_parse_ctx;

/*
 * The front of a CSV export's parse: clean the line, skip a blank line or
 * Export-Csv's "#TYPE" line outside a record, and gather the record.
 * IB_OK with *out the whole record; IB_SKIP (blank, or the record goes
 * on: its result comes with its last line); IB_BAD (ctx->reason: record
 * too large); IB_ERR_NOMEM.
 */
int ib_m365_csv_record(struct ib_parse_ctx *ctx, struct ib_m365_rec *rec, struct ib_str line,
		       struct ib_str *out);

/* A CSV export's drain: IB_BAD at end of file when a quoted field is still open, else IB_EOF. */
int ib_m365_csv_drain(struct ib_parse_ctx *ctx, struct ib_m365_rec *rec, int eof);

/* Grow *buf to hold need bytes. 0, or -1 on out-of-memory. */
int ib_m365_grow(char **buf, size_t *cap, size_t need);

#endif
