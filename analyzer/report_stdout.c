/*
 * report_stdout.c: the short human summary printed on stdout after a
 * run (about ten lines). Paths and reasons come from the outside world,
 * so they are escaped for a terminal (control bytes as \xHH). Not a
 * report file, so not in ib_writers[].
 */
#include <inttypes.h>
#include <string.h>
#include "imapblast/report.h"
#include "imapblast/timeutil.h"
#include "report_int.h"

static const char *human_bytes(uint64_t n, char *buf, size_t size)
{
	if (n >= UINT64_C(1) << 30)
		snprintf(buf, size, "%.1f GiB", (double)n / (double)(UINT64_C(1) << 30));
	else if (n >= UINT64_C(1) << 20)
		snprintf(buf, size, "%.1f MiB", (double)n / (double)(UINT64_C(1) << 20));
	else if (n >= 1024)
		snprintf(buf, size, "%.1f KiB", (double)n / 1024.0);
	else
		snprintf(buf, size, "%" PRIu64 " B", n);
	return buf;
}

int ib_write_stdout_summary(FILE *f, const struct ib_result *r, const struct ib_config *cfg)
{
	struct ib_rbuf sc = {0};
	char a[64], b[64], d[64];
	int rc = IB_OK;

	if (r->nwindows > 1)
		fprintf(f, "windows:         %zu, %s .. %s (%s, span %s)\n", r->nwindows,
			ib_rep_time(r->window_start_ms, a, sizeof(a)),
			ib_rep_time(r->window_end_ms, b, sizeof(b)),
			r->window_source == IB_WIN_GIVEN ? "given" : "detected",
			ib_rep_dur(r->window_end_ms - r->window_start_ms, d, sizeof(d)));
	else if (r->window_start_ms != IB_TIME_NONE && r->window_end_ms != IB_TIME_NONE)
		fprintf(f, "window:          %s .. %s (%s, %s)\n",
			ib_rep_time(r->window_start_ms, a, sizeof(a)),
			ib_rep_time(r->window_end_ms, b, sizeof(b)),
			r->window_source == IB_WIN_GIVEN ? "given" : "detected",
			ib_rep_dur(r->window_end_ms - r->window_start_ms, d, sizeof(d)));
	else
		fputs("window:          none found\n", f);
	for (size_t i = 0; r->nwindows > 1 && i < r->nwindows; i++)
		fprintf(f, "  window %zu:      %s .. %s, %" PRIu64 " users\n", i + 1,
			ib_rep_time(r->windows[i].start_ms, a, sizeof(a)),
			ib_rep_time(r->windows[i].end_ms, b, sizeof(b)), r->windows[i].affected_users);
	fprintf(f, "affected users:  %" PRIu64 " (intermittent %" PRIu64 ", hard %" PRIu64 ")\n",
		r->affected_users, r->intermittent_users, r->hard_users);
	fprintf(f, "outage failures: %" PRIu64 " in the window\n", r->outage_failures);
	if (r->peak_bucket_ms != IB_TIME_NONE)
		fprintf(f, "peak:            %s, %" PRIu64 " users\n",
			ib_rep_time(r->peak_bucket_ms, a, sizeof(a)), r->peak_users);
	fprintf(f, "recovered:       %" PRIu64 " users, median %s\n", r->recovered_users,
		ib_rep_dur(r->ttr_median_ms, d, sizeof(d)));
	if (r->protocol_note)
		fprintf(f, "protocols:       %s\n", r->protocol_note);
	fprintf(f, "excluded:        %zu attack sources (%" PRIu64 " events), %zu unverified users\n",
		r->nattacks, r->attack_events, r->nunverified);
	fprintf(f,
		"input:           %zu files, %s, %" PRIu64 " lines (%" PRIu64 " events, %" PRIu64
		" ignored, %" PRIu64 " unparseable, %" PRIu64 " over-long; login lines not taken: %" PRIu64
		" of %" PRIu64 ", %.1f%%)\n",
		r->nfiles, human_bytes(r->total.bytes_in, a, sizeof(a)), r->total.lines, r->total.events,
		r->total.ignored, r->total.unparseable, r->total.overlong, r->total.login_unmatched,
		r->total.events + r->total.login_unmatched, 100.0 * ib_login_share(&r->total));
	for (size_t i = 0, n = 0; i < r->nfiles; i++) {
		if (r->files[i].c.status == IB_FILE_READ)
			continue;
		fputs(n++ ? ", '" : "not understood:  '", f);
		ib_fput_esc(f, &sc, r->files[i].path, IB_ESC_TERM);
		fputs("'", f);
	}
	if (r->total.status != IB_FILE_READ)
		fputs(" (see summary.md)\n", f);
	if (r->nerrors) {
		fprintf(f, "input errors:    %zu, first: '", r->nerrors);
		ib_fput_esc(f, &sc, r->errors[0].path, IB_ESC_TERM);
		fprintf(f, "' at byte %" PRIu64 ": ", r->errors[0].offset);
		ib_fput_esc(f, &sc, r->errors[0].reason, IB_ESC_TERM);
		fputs("\n", f);
	}
	fputs("report:          '", f);
	ib_fput_esc(f, &sc, cfg && cfg->out_dir ? cfg->out_dir : "imapblast-report", IB_ESC_TERM);
	fputs("/'", f);
	if (cfg && cfg->redact_key)
		fputs(" (users redacted in summary.md, summary.json)", f);
	fputs("\n", f);
	if (sc.oom)
		rc = IB_ERR_NOMEM;
	ib_rbuf_release(&sc);
	if (rc >= 0 && ferror(f))
		rc = IB_ERR_IO;
	return rc;
}
