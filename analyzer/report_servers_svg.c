/*
 * report_servers_svg.c: servers.svg, which backend: one row per server
 * (by name), one column per bucket (or per group of buckets, see
 * struct ib_server_grid), each cell coloured by its outage failure rate,
 * white where the server saw no attempt; every incident window outlined.
 * Labels are XML-escaped; no user name appears. Same result, same bytes.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "imapblast/report.h"
#include "report_int.h"

#define W 960
#define X0 190.0 /* the labels' column ends here */
#define X1 940.0
#define Y0 62.0
#define ROW_H 16.0
#define LABEL_MAX 28 /* bytes of a server name shown; the rest becomes "..." */
#define MARKER "<!-- imapblast -->\n"

/* The colour steps: a cell's rate r is in step i when r >= lo[i] (and < lo[i + 1]). */
#define NSTEP 6
static const double step_lo[NSTEP] = {0.0, 0.01, 0.05, 0.2, 0.5, 0.8};
static const char *const step_col[NSTEP] = {"#e8f1e4", "#fde0c5", "#fbb27c", "#f07c4a", "#d7301f", "#8c1010"};
static const char *const step_name[NSTEP] = {"0%", "1%", "5%", "20%", "50%", "80%+"};
#define NONE_COL "#ffffff"

static const char *colour(uint64_t att, uint64_t fail)
{
	double rate;
	int i;

	if (!att)
		return NONE_COL;
	rate = (double)fail / (double)att;
	for (i = NSTEP - 1; i > 0; i--)
		if (rate + 1e-12 >= step_lo[i])
			break;
	return step_col[i];
}

/* A server name, shortened to LABEL_MAX bytes on a UTF-8 boundary, escaped. */
static void label(FILE *f, struct ib_rbuf *sc, const char *s)
{
	char buf[LABEL_MAX + 4];
	size_t n = strlen(s);

	if (n > LABEL_MAX) {
		size_t k = 0;

		while (k < LABEL_MAX) {
			size_t q = ib_utf8_seq((const unsigned char *)s + k, n - k);

			if (!q)
				q = 1; /* an invalid byte is escaped as \xHH anyway */
			if (k + q > LABEL_MAX)
				break;
			k += q;
		}
		memcpy(buf, s, k);
		memcpy(buf + k, "...", 4);
		s = buf;
	}
	ib_fput_esc(f, sc, s, IB_ESC_XML);
}

static void legend(FILE *f, double y, int have_window)
{
	double x = X0;

	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">outage failure rate:</text>\n", X0 - 130,
		y + 10);
	fprintf(f,
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\" stroke=\"#bbbbbb\"/>"
		"<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">no attempts</text>\n",
		x, y, NONE_COL, x + 16, y + 10);
	x += 100;
	for (int i = 0; i < NSTEP; i++) {
		fprintf(f,
			"<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">%s</text>\n",
			x, y, step_col[i], x + 16, y + 10, step_name[i]);
		x += 62;
	}
	if (have_window)
		fprintf(
		    f,
		    "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"none\" stroke=\"#1f3b73\" "
		    "stroke-width=\"2\"/><text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">incident "
		    "window</text>\n",
		    x + 10, y, x + 26, y + 10);
}

static int write_servers_svg(FILE *f, const struct ib_result *r, const struct ib_config *cfg)
{
	const struct ib_server_grid *g = &r->grid;
	int64_t bucket = r->bucket_ms > 0 ? r->bucket_ms : 300000;
	int have_window = r->window_start_ms != IB_TIME_NONE && r->window_end_ms != IB_TIME_NONE;
	struct ib_rbuf sc = {0};
	double cw, y1;
	int h;
	char a[64], b[64], d[64];

	(void)cfg; /* server names only: --redact changes nothing here */
	h = (int)(Y0 + (double)(g->nrows ? g->nrows : 1) * ROW_H + 80.0);
	fputs(MARKER, f);
	fprintf(f,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\">\n"
		"<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
		W, h, W, h, W, h);
	fprintf(f,
		"<text x=\"%d\" y=\"24\" font-size=\"16\" font-weight=\"bold\" text-anchor=\"middle\">"
		"Outage failure rate per server and %s (UTC)</text>\n",
		W / 2, ib_rep_dur(bucket * (g->col_buckets > 0 ? g->col_buckets : 1), d, sizeof(d)));
	ib_svg_window_line(f, r, W / 2);
	if (!g->nrows || !g->ncols || !r->nbuckets) {
		fprintf(f,
			"<text x=\"%d\" y=\"%.1f\" font-size=\"16\" fill=\"#666666\" text-anchor=\"middle\">"
			"no server was named in the logs</text>\n</svg>\n",
			W / 2, Y0 + 20);
		return ferror(f) ? IB_ERR_IO : IB_OK;
	}
	cw = (X1 - X0) / (double)g->ncols;
	y1 = Y0 + (double)g->nrows * ROW_H;
	for (size_t i = 0; i < g->nrows; i++) {
		double y = Y0 + (double)i * ROW_H;

		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">", X0 - 6,
			y + ROW_H - 4);
		label(f, &sc, g->names[i]);
		fputs("</text>\n", f);
		for (size_t j = 0; j < g->ncols; j++) {
			uint64_t att = g->attempts[i * g->ncols + j], fail = g->failures[i * g->ncols + j];

			if (!att)
				continue;
			fprintf(f,
				"<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"%s\"/>\n",
				X0 + (double)j * cw, y, cw, ROW_H - 1, colour(att, fail));
		}
	}
	fprintf(
	    f,
	    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#888888\"/>\n",
	    X0, Y0, X1 - X0, y1 - Y0);
	/* every window outlined (the overall span when the result has no rows) */
	for (size_t w = 0; have_window && w < (r->nwindows ? r->nwindows : 1); w++) {
		int64_t ws = r->nwindows ? r->windows[w].start_ms : r->window_start_ms;
		int64_t we = r->nwindows ? r->windows[w].end_ms : r->window_end_ms;
		int64_t t0 = r->buckets[0].start_ms, span = (int64_t)g->ncols * g->col_buckets * bucket;
		double xs = X0 + (double)(ws - t0) / (double)span * (X1 - X0);
		double xe = X0 + (double)(we - t0) / (double)span * (X1 - X0);

		xs = xs < X0 ? X0 : xs > X1 ? X1 : xs;
		xe = xe < X0 ? X0 : xe > X1 ? X1 : xe;
		if (xe > xs)
			fprintf(f,
				"<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"none\" "
				"stroke=\"#1f3b73\" stroke-width=\"2\"/>\n",
				xs, Y0 - 2, xe - xs, y1 - Y0 + 4);
	}
	/* time: the first and the last bucket */
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">%s</text>\n", X0, y1 + 16,
		ib_rep_time(r->buckets[0].start_ms, a, sizeof(a)));
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>\n", X1,
		y1 + 16, ib_rep_time(r->buckets[r->nbuckets - 1].start_ms + bucket, b, sizeof(b)));
	if (g->more)
		fprintf(f,
			"<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">%zu more servers "
			"(the first %zu by name are shown)</text>\n",
			W / 2, y1 + 16, g->more, g->nrows);
	legend(f, y1 + 34, have_window);
	fputs("</svg>\n", f);
	if (sc.oom) {
		ib_rbuf_release(&sc);
		return IB_ERR_NOMEM;
	}
	ib_rbuf_release(&sc);
	return ferror(f) ? IB_ERR_IO : IB_OK;
}

const struct ib_writer ib_writer_servers_svg = {
    .name = "svg",
    .file = "servers.svg",
    .bit = IB_OUT_SVG,
    .marker = MARKER,
    .write = write_servers_svg,
};
