/*
 * m365.c: helpers shared by the Microsoft 365 readers (m365.h): sign-in
 * outcome from the Entra error code, error codes as strings, and dates in
 * the forms Microsoft's exports write them:
 *   2025-12-04T08:19:41.0729893Z   1/13/2026, 8:31:05.123 AM   13/01/2026 08:31:05
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "imapblast/parser.h"
#include "strparse.h"
#include "m365.h"

void ib_m365_outcome(int have_code, uint64_t code, struct ib_str status, struct ib_str reason, char *buf,
		     struct ib_event *ev)
{
	int n;

	ev->message = reason;
	if ((have_code && code == 0) ||
	    (!have_code && (IB_SP_CASEEQ(status, "Success") || IB_SP_CASEEQ(status, "Succeeded")))) {
		ev->outcome = IB_CAT_OK;
		ev->signature = "entra-ok";
		return;
	}
	if (!have_code) {
		ev->outcome = IB_CAT_OTHER;
		ev->signature = "entra-failure";
		return;
	}
	if (reason.len > IB_M365_MSG_MAX - 32)
		reason.len = IB_M365_MSG_MAX - 32;
	n = snprintf(buf, IB_M365_MSG_MAX, "AADSTS%llu: %.*s", (unsigned long long)code, (int)reason.len,
		     reason.len ? reason.ptr : "");
	ev->message = ib_sp_span(buf, buf + (n > 0 && n < IB_M365_MSG_MAX ? n : 0));
}

int ib_m365_code(struct ib_str s, uint64_t *out)
{
	s = ib_str_trim(s);
	if (s.len >= 2 && s.ptr[0] == '"' && s.ptr[s.len - 1] == '"') {
		s.ptr++;
		s.len -= 2;
	}
	return ib_sp_u64(&s, out) || s.len ? -1 : 0;
}

enum ib_proto ib_m365_protocol(struct ib_str app)
{
	/* Entra's client app values (sign-in log schema, clientAppUsed) */
	static const struct {
		const char *name;
		enum ib_proto p;
	} apps[] = {
	    {"imap4", IB_PROTO_IMAP},
	    {"imap", IB_PROTO_IMAP},
	    {"pop3", IB_PROTO_POP3},
	    {"pop", IB_PROTO_POP3},
	    {"authenticated smtp", IB_PROTO_SMTP},
	    {"smtp", IB_PROTO_SMTP},
	    {"exchange activesync", IB_PROTO_EAS},
	    {"browser", IB_PROTO_HTTP},
	    {"exchange web services", IB_PROTO_HTTP},
	    {"mapi over http", IB_PROTO_HTTP},
	    {"outlook anywhere (rpc over http)", IB_PROTO_HTTP},
	    {"offline address book", IB_PROTO_HTTP},
	    {"autodiscover", IB_PROTO_HTTP},
	    {"reporting web services", IB_PROTO_HTTP},
	    {"exchange online powershell", IB_PROTO_HTTP},
	    {"universal outlook", IB_PROTO_HTTP},
	};

	app = ib_str_trim(app);
	if (!app.len)
		return IB_PROTO_NONE;
	for (size_t i = 0; i < sizeof(apps) / sizeof(apps[0]); i++)
		if (ib_sp_caseeq(app, apps[i].name, strlen(apps[i].name)))
			return apps[i].p;
	return IB_PROTO_OTHER; /* "Mobile Apps and Desktop clients" (any protocol's token), "Other clients" */
}

static int num(const char **p, const char *end, unsigned *out, int maxd)
{
	unsigned v = 0;
	int n = 0;

	while (*p < end && **p >= '0' && **p <= '9' && n < maxd) {
		v = v * 10 + (unsigned)(**p - '0');
		(*p)++;
		n++;
	}
	*out = v;
	return n ? 0 : -1;
}

/* "1/13/2026 8:31:05 AM" and its relatives (m365.h); UTC. */
static int numeric_date(struct ib_str s, enum ib_m365_order *order, int64_t *out)
{
	const char *p = s.ptr, *end = s.ptr + s.len;
	unsigned a, b, y, h, mi, sec = 0, ms = 0, mo, d;
	char sep;
	int pm = -1;

	if (num(&p, end, &a, 2) || p >= end || (*p != '/' && *p != '.'))
		return -1;
	sep = *p++;
	if (num(&p, end, &b, 2) || p >= end || *p++ != sep || num(&p, end, &y, 4) || y < 1970)
		return -1;
	if (p < end && *p == ',')
		p++;
	if (p >= end || *p++ != ' ' || num(&p, end, &h, 2) || p >= end || *p++ != ':' || num(&p, end, &mi, 2))
		return -1;
	if (p < end && *p == ':') {
		p++;
		if (num(&p, end, &sec, 2))
			return -1;
		if (p < end && *p == '.') {
			unsigned scale = 100;

			for (p++; p < end && *p >= '0' && *p <= '9'; p++, scale /= 10)
				ms += (unsigned)(*p - '0') * scale;
		}
	}
	while (p < end && *p == ' ')
		p++;
	if (end - p == 2 && (p[1] == 'M' || p[1] == 'm')) {
		if (p[0] == 'A' || p[0] == 'a')
			pm = 0;
		else if (p[0] == 'P' || p[0] == 'p')
			pm = 1;
		else
			return -1;
		if (h < 1 || h > 12)
			return -1;
		h = pm ? (h == 12 ? 12 : h + 12) : (h == 12 ? 0 : h);
		p = end;
	}
	if (p != end || h > 23 || mi > 59 || sec > 60)
		return -1;
	if (pm >= 0 || (sep == '/' && *order == IB_M365_ORDER_MDY)) {
		mo = a, d = b;
	} else if (sep == '.' || *order == IB_M365_ORDER_DMY) {
		d = a, mo = b;
	} else if (a > 12) {
		*order = IB_M365_ORDER_DMY;
		d = a, mo = b;
	} else if (b > 12) {
		*order = IB_M365_ORDER_MDY;
		mo = a, d = b;
	} else {
		return -2;
	}
	if (!ib_date_valid((int)y, mo, d))
		return -1;
	*out = ib_time_utc((int)y, mo, d, h, mi, sec, ms);
	return *out == IB_TIME_NONE ? -1 : 0;
}

int ib_m365_date(struct ib_str s, enum ib_m365_order *order, int64_t *out)
{
	struct ib_time_policy utc;
	struct ib_str t;

	s = ib_str_trim(s);
	if (!s.len)
		return -1; /* an empty field may have a NULL pointer: no arithmetic on it */
	if (IB_SP_STARTS(s, "/Date(") && IB_SP_ENDS(s, ")/")) {
		/* Windows PowerShell 5.1 ConvertTo-Json: "\/Date(1768293065000)\/", ms since the epoch */
		uint64_t ms;

		t = ib_sp_sub(s, 6, s.len - 2);
		if (ib_sp_u64(&t, &ms) || t.len || ms > (uint64_t)INT64_MAX)
			return -1;
		*out = (int64_t)ms;
		return 0;
	}
	t = s;
	ib_time_policy_init(&utc, NULL, 0, 0);
	if (!ib_ts_iso(&t, &utc, out) && !t.len)
		return 0;
	return numeric_date(s, order, out);
}

int ib_m365_grow(char **buf, size_t *cap, size_t need)
{
	size_t c = *cap ? *cap : 4096;
	char *nb;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	if (!(nb = realloc(*buf, c)))
		return -1;
	*buf = nb;
	*cap = c;
	return 0;
}

/* 1 when an odd number of quotes leaves a quoted field open (or closes one). */
static int odd_quotes(struct ib_str s)
{
	const char *p = s.ptr, *end = s.ptr + s.len;
	int odd = 0;

	while (p < end && (p = memchr(p, '"', (size_t)(end - p)))) {
		odd ^= 1;
		p++;
	}
	return odd;
}

int ib_m365_rec_line(struct ib_m365_rec *rec, struct ib_str line, struct ib_str *out)
{
	size_t need;

	if (!rec->open) {
		if (!odd_quotes(line)) {
			*out = line;
			return 0;
		}
		rec->open = 1;
		rec->too_large = 0;
		rec->len = 0;
		need = line.len;
	} else {
		if (odd_quotes(line))
			rec->open = 0;
		need = rec->len + 1 + line.len;
	}
	if (need > IB_M365_RECORD_MAX)
		rec->too_large = 1;
	if (!rec->too_large) {
		if (ib_m365_grow(&rec->buf, &rec->cap, need))
			return IB_ERR_NOMEM;
		if (rec->len)
			rec->buf[rec->len++] = '\n';
		if (line.len)
			memcpy(rec->buf + rec->len, line.ptr, line.len);
		rec->len += line.len;
	}
	if (rec->open)
		return 1;
	if (rec->too_large)
		return 2;
	*out = ib_sp_span(rec->buf, rec->buf + rec->len);
	return 0;
}

int ib_m365_rec_eof(struct ib_m365_rec *rec)
{
	int was = rec->open;

	rec->open = 0;
	return was;
}

int ib_m365_csv_record(struct ib_parse_ctx *ctx, struct ib_m365_rec *rec, struct ib_str line,
		       struct ib_str *out)
{
	int rc;

	line = ib_sp_line_clean(line);
	if (!rec->open && (!ib_str_trim(line).len || IB_SP_STARTS(line, "#TYPE ")))
		return IB_SKIP; /* blank, or Windows PowerShell Export-Csv's type line */
	rc = ib_m365_rec_line(rec, line, out);
	if (rc < 0)
		return rc;
	if (rc == 1)
		return IB_SKIP;
	if (rc == 2) {
		ctx->reason = "CSV record too large";
		return IB_BAD;
	}
	return IB_OK;
}

int ib_m365_csv_drain(struct ib_parse_ctx *ctx, struct ib_m365_rec *rec, int eof)
{
	if (eof && ib_m365_rec_eof(rec)) {
		ctx->reason = "quoted field not closed at end of file";
		return IB_BAD;
	}
	return IB_EOF;
}

void ib_m365_rec_release(struct ib_m365_rec *rec)
{
	free(rec->buf);
	memset(rec, 0, sizeof(*rec));
}
