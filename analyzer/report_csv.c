/*
 * report_csv.c: affected-users.csv (the claims list) and excluded.csv.
 * RFC 4180 with CRLF line ends; every text cell goes through ib_csv_cell
 * (backslash and invalid bytes escaped, formula triggers neutralised with
 * a leading ', quoted when needed). docs/report.md says how to read it back.
 */
#include <inttypes.h>
#include <string.h>
#include "imapblast/report.h"
#include "report_int.h"

/* The header rows, which are also the markers. */
#define AFFECTED_HEADER                                                                                      \
	"user,first_failure,last_failure,failures,successes,impacted_minutes,recovered_at,servers,"          \
	"layers,categories,evidence\r\n"
#define EXCLUDED_HEADER "kind,id,users,failures,successes,first,last,reason\r\n"

static void cell(struct ib_rbuf *b, const char *s)
{
	if (s)
		ib_csv_cell(b, s, strlen(s));
	ib_rbuf_putc(b, ',');
}

static void num(struct ib_rbuf *b, uint64_t v)
{
	char t[32];
	int n = snprintf(t, sizeof(t), "%" PRIu64 ",", v);
	ib_rbuf_put(b, t, (size_t)n);
}

static void tcell(struct ib_rbuf *b, int64_t ms)
{
	char t[64];
	ib_rep_time(ms, t, sizeof(t));
	ib_rbuf_put(b, t, strlen(t));
	ib_rbuf_putc(b, ',');
}

/* Replace the trailing ',' of a row by CRLF and write the row. */
static int flush_row(FILE *f, struct ib_rbuf *b)
{
	if (b->oom)
		return IB_ERR_NOMEM;
	if (b->len && b->p[b->len - 1] == ',')
		b->len--;
	ib_rbuf_put(b, "\r\n", 2);
	if (b->oom)
		return IB_ERR_NOMEM;
	fwrite(b->p, 1, b->len, f);
	b->len = 0;
	return IB_OK;
}

static int write_affected(FILE *f, const struct ib_result *r, const struct ib_config *cfg)
{
	struct ib_rbuf b = {0};
	size_t i;
	int rc = IB_OK;

	(void)cfg; /* the claims list is exact: --redact leaves it alone */
	fputs(AFFECTED_HEADER, f);
	for (i = 0; i < r->nusers && rc >= 0; i++) {
		const struct ib_user_row *u = &r->users[i];
		cell(&b, u->user);
		tcell(&b, u->first_failure_ms);
		tcell(&b, u->last_failure_ms);
		num(&b, u->failures);
		num(&b, u->successes);
		num(&b, u->impacted_minutes);
		tcell(&b, u->recovered_at_ms);
		cell(&b, u->servers);
		cell(&b, u->layers);
		cell(&b, u->categories);
		cell(&b, u->evidence);
		rc = flush_row(f, &b);
	}
	ib_rbuf_release(&b);
	if (rc >= 0 && ferror(f))
		rc = IB_ERR_IO;
	return rc;
}

static int write_excluded(FILE *f, const struct ib_result *r, const struct ib_config *cfg)
{
	struct ib_rbuf b = {0};
	size_t i;
	int rc = IB_OK;

	(void)cfg;
	fputs(EXCLUDED_HEADER, f);
	for (i = 0; i < r->nattacks && rc >= 0; i++) {
		const struct ib_attack_row *a = &r->attacks[i];
		cell(&b, "attack-source");
		cell(&b, a->ip);
		num(&b, a->users);
		num(&b, a->failures);
		num(&b, a->successes);
		tcell(&b, a->first_ms);
		tcell(&b, a->last_ms);
		cell(&b, a->reason);
		rc = flush_row(f, &b);
	}
	if (r->campaign.addresses && rc >= 0) {
		char id[48];

		snprintf(id, sizeof(id), "%llu addresses", (unsigned long long)r->campaign.addresses);
		cell(&b, "spray-campaign");
		cell(&b, id);
		num(&b, r->campaign.users);
		num(&b, r->campaign.failures);
		num(&b, 0);
		tcell(&b, r->campaign.first_ms);
		tcell(&b, r->campaign.last_ms);
		cell(&b, r->campaign.reason);
		rc = flush_row(f, &b);
	}
	for (i = 0; i < r->nstale && rc >= 0; i++) {
		const struct ib_stale_row *x = &r->stale[i];
		cell(&b, "stale-client");
		cell(&b, x->user);
		ib_rbuf_putc(&b, ','); /* users: not applicable */
		num(&b, x->failures);
		num(&b, 0);
		tcell(&b, x->first_ms);
		tcell(&b, x->last_ms);
		cell(&b, x->reason);
		rc = flush_row(f, &b);
	}
	for (i = 0; i < r->nunverified && rc >= 0; i++) {
		const struct ib_unverified_row *u = &r->unverified[i];
		cell(&b, "unverified");
		cell(&b, u->user);
		ib_rbuf_putc(&b, ','); /* users: not applicable */
		num(&b, u->failures);
		ib_rbuf_put(&b, ",,,", 3); /* successes, first, last: not recorded */
		cell(&b, u->reason);
		rc = flush_row(f, &b);
	}
	ib_rbuf_release(&b);
	if (rc >= 0 && ferror(f))
		rc = IB_ERR_IO;
	return rc;
}

const struct ib_writer ib_writer_affected_csv = {
    .name = "csv",
    .file = "affected-users.csv",
    .bit = IB_OUT_CSV,
    .marker = AFFECTED_HEADER,
    .write = write_affected,
};

const struct ib_writer ib_writer_excluded_csv = {
    .name = "csv",
    .file = "excluded.csv",
    .bit = IB_OUT_CSV,
    .marker = EXCLUDED_HEADER,
    .write = write_excluded,
};
