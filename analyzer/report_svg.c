/*
 * report_svg.c: timeline.svg, a hand-written 960x400 chart: per bar, the
 * failures stacked by category, successes as a line, the incident window
 * shaded, UTC ticks. With more buckets than fit (MAX_BARS), consecutive
 * buckets are summed into one bar (the y-axis title says how many). No user
 * name appears in the chart; all text is XML-escaped.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "imapblast/report.h"
#include "imapblast/timeutil.h"
#include "report_int.h"

#define W 960
#define H 400
#define X0 70.0
#define X1 940.0
#define Y0 62.0
#define Y1 318.0
#define MAX_BARS 435 /* at least 2 px per bar */
#define NCAT 5

static const char *const cat_name[NCAT] = {"credentials", "temporary", "timeout", "policy", "other"};
static const char *const cat_col[NCAT] = {"#7b4fa6", "#d62728", "#ff7f0e", "#8c564b", "#8a8a8a"};
#define SUCC_COL "#2a9d3a"
#define WIN_COL "#ffe9a8"
#define MARKER "<!-- imapblast -->\n"

static void head(FILE *f)
{
	fputs(MARKER, f);
	fprintf(f,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\">\n"
		"<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
		W, H, W, H, W, H);
}

/* Smallest of 1, 2, 5, 10, 20, 50... with step * 5 >= max. */
static uint64_t nice_step(uint64_t max)
{
	uint64_t base = 1;

	for (;;) {
		if (base * 5 >= max)
			return base;
		if (base * 10 >= max)
			return base * 2;
		if (base * 25 >= max || base > UINT64_MAX / 100)
			return base * 5;
		base *= 10;
	}
}

static double xpos(int64_t t, int64_t t0, double span_ms)
{
	double x = X0 + (double)(t - t0) / span_ms * (X1 - X0);
	return x < X0 ? X0 : x > X1 ? X1 : x;
}

static void axis_x(FILE *f, int64_t t0, int64_t span)
{
	static const int64_t iv[] = {60000,	120000,	   300000,     600000,	  900000,   1800000,
				     3600000,	7200000,   10800000,   21600000,  43200000, 86400000,
				     172800000, 604800000, 1209600000, 2592000000};
	int64_t step = iv[sizeof(iv) / sizeof(iv[0]) - 1], t, first;
	char prev_date[16] = "", buf[64];
	size_t i;
	int n = 0;

	for (i = 0; i < sizeof(iv) / sizeof(iv[0]); i++)
		if (span / iv[i] <= 8) {
			step = iv[i];
			break;
		}
	first = t0 >= 0 ? (t0 + step - 1) / step * step : t0 / step * step;
	for (t = first; t <= t0 + span && n < 40; t += step, n++) {
		double x = xpos(t, t0, (double)span);
		ib_rep_time(t, buf, sizeof(buf));
		fprintf(f, "<line x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" stroke=\"#444444\"/>\n", x,
			Y1, x, Y1 + 5);
		if (strlen(buf) >= 16) {
			fprintf(f,
				"<text x=\"%.2f\" y=\"%.1f\" font-size=\"11\" "
				"text-anchor=\"middle\">%.5s</text>\n",
				x, Y1 + 18, buf + 11);
			if (strncmp(prev_date, buf, 10)) {
				fprintf(f,
					"<text x=\"%.2f\" y=\"%.1f\" font-size=\"10\" fill=\"#555555\" "
					"text-anchor=\"middle\">%.10s</text>\n",
					x, Y1 + 31, buf);
				memcpy(prev_date, buf, 10);
				prev_date[10] = 0;
			}
		}
	}
}

static void legend(FILE *f, int have_window)
{
	double x = X0;
	int c;

	for (c = 0; c < NCAT; c++) {
		fprintf(f,
			"<rect x=\"%.1f\" y=\"370\" width=\"12\" height=\"12\" fill=\"%s\"/>"
			"<text x=\"%.1f\" y=\"380\" font-size=\"12\">%s</text>\n",
			x, cat_col[c], x + 16, cat_name[c]);
		x += 30 + 7.5 * (double)strlen(cat_name[c]);
	}
	fprintf(f,
		"<line x1=\"%.1f\" y1=\"376\" x2=\"%.1f\" y2=\"376\" stroke=\"%s\" stroke-width=\"2.5\"/>"
		"<text x=\"%.1f\" y=\"380\" font-size=\"12\">successes</text>\n",
		x, x + 18, SUCC_COL, x + 22);
	x += 110;
	if (have_window)
		fprintf(
		    f,
		    "<rect x=\"%.1f\" y=\"370\" width=\"12\" height=\"12\" fill=\"%s\" stroke=\"#d9b44a\"/>"
		    "<text x=\"%.1f\" y=\"380\" font-size=\"12\">incident window</text>\n",
		    x, WIN_COL, x + 16);
}

static int write_svg(FILE *f, const struct ib_result *r, const struct ib_config *cfg)
{
	int64_t bucket = r->bucket_ms > 0 ? r->bucket_ms : 300000, t0, ncols, k, nbars, j;
	uint64_t(*fail)[NCAT] = NULL, *succ = NULL, ymax = 0, step, top, v;
	int have_window = r->window_start_ms != IB_TIME_NONE && r->window_end_ms != IB_TIME_NONE;
	char d[64];
	double span, bw, ph = Y1 - Y0;
	size_t i;
	int c;

	(void)cfg; /* no user names are drawn, so --redact changes nothing here */
	head(f);
	fprintf(f,
		"<text x=\"%d\" y=\"24\" font-size=\"16\" font-weight=\"bold\" text-anchor=\"middle\">"
		"IMAP login failures and successes per %s (UTC)</text>\n",
		W / 2, ib_rep_dur(bucket, d, sizeof(d)));
	if (!ib_svg_window_line(f, r, W / 2))
		fprintf(f,
			"<text x=\"%d\" y=\"44\" font-size=\"12\" text-anchor=\"middle\">No incident "
			"window</text>\n",
			W / 2);
	if (!r->nbuckets) {
		fprintf(f,
			"<text x=\"%d\" y=\"%d\" font-size=\"20\" fill=\"#666666\" text-anchor=\"middle\">no "
			"events</text>\n"
			"</svg>\n",
			W / 2, H / 2);
		return ferror(f) ? IB_ERR_IO : IB_OK;
	}
	t0 = r->buckets[0].start_ms;
	ncols = (r->buckets[r->nbuckets - 1].start_ms - t0) / bucket + 1;
	if (ncols < 1)
		ncols = 1;
	k = (ncols + MAX_BARS - 1) / MAX_BARS;
	nbars = (ncols + k - 1) / k;
	fail = calloc((size_t)nbars, sizeof(*fail));
	succ = calloc((size_t)nbars, sizeof(*succ));
	if (!fail || !succ) {
		free(fail);
		free(succ);
		return IB_ERR_NOMEM;
	}
	for (i = 0; i < r->nbuckets; i++) {
		int64_t col = (r->buckets[i].start_ms - t0) / bucket;
		if (col < 0 || col >= ncols)
			continue;
		j = col / k;
		succ[j] += r->buckets[i].successes;
		for (c = 0; c < NCAT; c++)
			fail[j][c] += r->buckets[i].failures[IB_CAT_CREDENTIALS + c];
	}
	for (j = 0; j < nbars; j++) {
		v = 0;
		for (c = 0; c < NCAT; c++)
			v += fail[j][c];
		if (v > ymax)
			ymax = v;
		if (succ[j] > ymax)
			ymax = succ[j];
	}
	step = nice_step(ymax ? ymax : 1);
	top = (ymax + step - 1) / step * step;
	if (!top)
		top = step;
	span = (double)(nbars * k * bucket);
	bw = (X1 - X0) / (double)nbars;

	/* each window shaded (a given window with no events has no row: its span) */
	for (i = 0; have_window && i < (r->nwindows ? r->nwindows : 1); i++) {
		int64_t ws = r->nwindows ? r->windows[i].start_ms : r->window_start_ms;
		int64_t we = r->nwindows ? r->windows[i].end_ms : r->window_end_ms;
		double xs = xpos(ws, t0, span), xe = xpos(we, t0, span);
		if (xe > xs)
			fprintf(f,
				"<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"%s\"/>\n",
				xs, Y0, xe - xs, ph, WIN_COL);
	}
	/* y grid and labels */
	for (v = 0; v <= top; v += step) {
		double y = Y1 - (double)v / (double)top * ph;
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.2f\" x2=\"%.1f\" y2=\"%.2f\" stroke=\"#dddddd\"/>"
			"<text x=\"%.1f\" y=\"%.2f\" font-size=\"11\" text-anchor=\"end\">%" PRIu64
			"</text>\n",
			X0, y, X1, y, X0 - 6, y + 4, v);
	}
	fprintf(f,
		"<text x=\"18\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 18 "
		"%.1f)\">"
		"attempts per %s",
		(Y0 + Y1) / 2, (Y0 + Y1) / 2, ib_rep_dur(k * bucket, d, sizeof(d)));
	if (k > 1)
		fprintf(f, " (%" PRId64 " buckets per bar)", k);
	fputs("</text>\n", f);

	/* bars */
	for (j = 0; j < nbars; j++) {
		double x = X0 + (double)j * bw, w = bw >= 4 ? bw - 1 : bw;
		uint64_t cum = 0;
		for (c = 0; c < NCAT; c++) {
			double yb, yt;
			if (!fail[j][c])
				continue;
			yb = Y1 - (double)cum / (double)top * ph;
			cum += fail[j][c];
			yt = Y1 - (double)cum / (double)top * ph;
			fprintf(f,
				"<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/>\n",
				x, yt, w, yb - yt, cat_col[c]);
		}
	}
	/* successes */
	fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", SUCC_COL);
	for (j = 0; j < nbars; j++)
		fprintf(f, "%s%.2f,%.2f", j ? " " : "", X0 + ((double)j + 0.5) * bw,
			Y1 - (double)succ[j] / (double)top * ph);
	fputs("\"/>\n", f);
	/* axes */
	fprintf(f,
		"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444444\"/>"
		"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444444\"/>\n",
		X0, Y1, X1, Y1, X0, Y0, X0, Y1);
	axis_x(f, t0, nbars * k * bucket);
	legend(f, have_window);
	fputs("</svg>\n", f);
	free(fail);
	free(succ);
	return ferror(f) ? IB_ERR_IO : IB_OK;
}

const struct ib_writer ib_writer_timeline_svg = {
    .name = "svg",
    .file = "timeline.svg",
    .bit = IB_OUT_SVG,
    .marker = MARKER,
    .write = write_svg,
};
